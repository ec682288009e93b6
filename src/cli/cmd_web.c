/* ofc web: the web dashboard server, and the management of its users.
 *
 * Every option is also a web.* property (config file or -X), flags winning; the server itself
 * lives in src/web (web_server.h). */
#include "app_registration.h"
#include "cli_common.h"
#include "commands.h"
#include "log.h"
#include "timeutil.h"
#include "web_server.h"
#include "web_users.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORIGINS 16

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ofc web -b BROKERS --users FILE [options]\n"
            "       ofc web --add-user NAME [--role viewer|operator] --users FILE\n"
            "       ofc web --remove-user NAME --users FILE\n\n"
            "Serve the live plant to browsers: the page from --static and the ofc-live.v1\n"
            "WebSocket at /live (docs/protocol.md). Access needs a token from the users file;\n"
            "--add-user makes one and prints it once on stdout (only its hash is stored).\n\n"
            "options:\n"
            "  --listen ADDR:PORT     where to serve (default 127.0.0.1:8080; port 0 picks a\n"
            "                         free one; the first line on stdout names it)\n"
            "  --users FILE           users and token hashes (web.users)\n"
            "  --trust FILE           trust store: operators (role operator) may send commands\n"
            "                         signed in their browser; verified here before they are\n"
            "                         produced; read again when the file changes (web.trust).\n"
            "                         Without it the dashboard is read-only\n"
            "  --no-auth              ask no credential: only on a loopback address\n"
            "  --session-secret FILE  key for session cookies, shared by replicas; created\n"
            "                         (0600) if missing; default: a key per process\n"
            "  --session-ttl D        how long a login lasts (default 12h)\n"
            "  --cert FILE --key FILE serve HTTPS/WSS with this PEM certificate and key\n"
            "  --metrics-listen A:P   also serve /metrics and /healthz, without login, on A:P\n"
            "                         (an unrouted port for Prometheus)\n"
            "  --allow-origin ORIGIN  another Origin allowed to connect (e.g. a TLS proxy's\n"
            "                         https://console.example.com); repeatable\n"
            "  --static DIR           the page (default %s)\n"
            "  --max-clients N        WebSockets at once (default 4096)\n"
            "  --delta-interval D     least time between two deltas (default 50ms): under a\n"
            "                         flood, changes of that time go out as one delta; 0\n"
            "                         sends one delta per loop turn\n"
            "  --stale-after D        show an asset stale when silent this long (default 0:\n"
            "                         only while the broker is away)\n"
            "  --replica NAME         this server's name in the page (default the host name)\n"
            "  --backlog N            deltas kept per subscription for a slow client before it\n"
            "                         is sent a fresh snapshot instead (default 1024)\n"
            "  --stall-timeout D      close a client that takes nothing for D (default 30s)\n"
            "  --add-user NAME        add a user to --users and print its token\n"
            "  --role ROLE            viewer (default) or operator, with --add-user\n"
            "  --remove-user NAME     remove a user (ends their sessions within a "
            "second)\n" CLI_START_HELP CLI_COMMON_HELP,
            web_default_static_dir());
}

static bool set_prop(cli_ctx *ctx, const char *name, const char *value)
{
    char err[512];
    if (ofc_config_set(ctx->cfg, name, value, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "ofc web: %s\n", err);
        return false;
    }
    return true;
}

static bool set_duration(cli_ctx *ctx, const char *name, const char *value, int64_t unit_us)
{
    int64_t us;
    char buf[32];
    if (strcmp(value, "0") != 0 && !ofc_duration_parse(value, &us)) {
        fprintf(stderr, "ofc web: expected a duration such as 50ms or 5m, got \"%s\"\n", value);
        return false;
    }
    if (strcmp(value, "0") == 0)
        us = 0;
    snprintf(buf, sizeof buf, "%lld", (long long)(us / unit_us));
    return set_prop(ctx, name, buf);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static int manage_users(const char *users, const char *add, const char *remove,
                        const char *role_text)
{
    char err[512];
    if (!users) {
        fprintf(stderr, "ofc web: --add-user and --remove-user need --users FILE\n");
        return 2;
    }
    if (remove) {
        if (web_users_remove(users, remove, err, sizeof err) != OFC_OK) {
            fprintf(stderr, "ofc web: %s\n", err);
            return 1;
        }
        fprintf(stderr, "ofc web: removed %s from %s\n", remove, users);
        return 0;
    }
    web_role role = WEB_ROLE_VIEWER;
    if (role_text && !web_role_parse(role_text, strlen(role_text), &role)) {
        fprintf(stderr, "ofc web: --role must be viewer or operator\n");
        return 2;
    }
    char token[WEB_TOKEN_SIZE];
    if (web_users_add(users, add, role, token, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "ofc web: %s\n", err);
        return 1;
    }
    fprintf(stderr, "ofc web: added %s (%s) to %s; its token is on stdout, shown only this once\n",
            add, web_role_name(role), users);
    printf("%s\n", token);
    fflush(stdout);
    sodium_memzero(token, sizeof token);
    return 0;
}

/* What the serving loop checks at least once a second: the stop signals, and whether the feed
 * has caught up so that a registered app may report AVAILABLE (never before: a replica that
 * is still replaying would show browsers half a plant). */
typedef struct web_run {
    web_server *srv;
    ofc_app *app; /* NULL in plain mode */
    bool available;
} web_run;

static bool web_run_check(void *opaque)
{
    web_run *run = opaque;
    if (run->app && !run->available && web_server_caught_up(run->srv)) {
        if (ofc_app_set_available(run->app, true) == OFC_OK) {
            run->available = true;
            ofc_log_info("web: caught up with the log: %s reported AVAILABLE",
                         ofc_app_uuid(run->app));
        }
    }
    return cli_stop_requested();
}

/* With an application identity (APP_UUID...), register as an OpenFactoryApp. A broker that is
 * away at start is not fatal: the records wait in the producer and go out when it is back. */
static bool web_register_app(const ofc_config *cfg, web_run *run)
{
    char err[512] = "";
    const char *version = getenv("APPLICATION_VERSION");
    const char *manufacturer = getenv("APPLICATION_MANUFACTURER");
    const char *license = getenv("APPLICATION_LICENSE");
    ofc_app_info info = {
        version && *version ? version : OFC_VERSION,
        manufacturer && *manufacturer ? manufacturer : "ofconsole",
        license && *license ? license : "MIT",
        NULL,
        web_server_metrics_port(run->srv),
        "/metrics",
    };
    run->app = ofc_app_new(cfg, &info, err, sizeof err);
    if (!run->app) {
        if (!err[0])
            return true; /* plain mode */
        fprintf(stderr, "ofc web: application registration: %s\n", err);
        return false;
    }
    if (ofc_app_register(run->app, 5000, err, sizeof err) != OFC_OK)
        ofc_log_warn("web: registering %s: %s (retried by the producer)", ofc_app_uuid(run->app),
                     err);
    else
        ofc_log_info("web: registered as OpenFactoryApp %s (UNAVAILABLE until caught up)",
                     ofc_app_uuid(run->app));
    return true;
}

int cmd_web(int argc, char **argv)
{
    enum {
        O_LISTEN = 2000,
        O_USERS,
        O_NO_AUTH,
        O_SECRET,
        O_TTL,
        O_CERT,
        O_KEY,
        O_METRICS,
        O_ORIGIN,
        O_STATIC,
        O_MAX_CLIENTS,
        O_DELTA,
        O_STALE,
        O_REPLICA,
        O_ADD_USER,
        O_ROLE,
        O_REMOVE_USER,
        O_BACKLOG,
        O_STALL,
        O_TRUST,
    };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"listen", required_argument, NULL, O_LISTEN},
        {"users", required_argument, NULL, O_USERS},
        {"no-auth", no_argument, NULL, O_NO_AUTH},
        {"session-secret", required_argument, NULL, O_SECRET},
        {"session-ttl", required_argument, NULL, O_TTL},
        {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY},
        {"metrics-listen", required_argument, NULL, O_METRICS},
        {"allow-origin", required_argument, NULL, O_ORIGIN},
        {"static", required_argument, NULL, O_STATIC},
        {"max-clients", required_argument, NULL, O_MAX_CLIENTS},
        {"delta-interval", required_argument, NULL, O_DELTA},
        {"stale-after", required_argument, NULL, O_STALE},
        {"replica", required_argument, NULL, O_REPLICA},
        {"add-user", required_argument, NULL, O_ADD_USER},
        {"role", required_argument, NULL, O_ROLE},
        {"remove-user", required_argument, NULL, O_REMOVE_USER},
        {"backlog", required_argument, NULL, O_BACKLOG},
        {"stall-timeout", required_argument, NULL, O_STALL},
        {"trust", required_argument, NULL, O_TRUST},
        {NULL, 0, NULL, 0},
    };
    cli_ctx ctx;
    web_server_opts opts;
    const char *origins[MAX_ORIGINS];
    const char *add_user = NULL, *remove_user = NULL, *role = NULL;
    int64_t ttl_us = 12 * 3600 * 1000000LL;
    int opt, rc = 1;
    bool ok = true, users_flag = false;

    memset(&opts, 0, sizeof opts);
    if (!cli_ctx_init(&ctx, argc, argv))
        return 1;
    cli_getopt_reset();
    while (ok && (opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int h = cli_handle_common(&ctx, opt, optarg);
        if (h < 0) {
            rc = 2;
            goto out;
        }
        if (h > 0)
            continue;
        switch (opt) {
        case O_LISTEN: ok = set_prop(&ctx, "web.listen", optarg); break;
        case O_USERS:
            users_flag = true;
            ok = set_prop(&ctx, "web.users", optarg);
            break;
        case O_NO_AUTH: opts.no_auth = true; break;
        case O_SECRET: ok = set_prop(&ctx, "web.session_secret", optarg); break;
        case O_TTL:
            ok = ofc_duration_parse(optarg, &ttl_us) && ttl_us >= 60 * 1000000LL;
            if (!ok)
                fprintf(stderr, "ofc web: --session-ttl expects a duration of a minute or more\n");
            break;
        case O_CERT: ok = set_prop(&ctx, "web.tls_cert", optarg); break;
        case O_KEY: ok = set_prop(&ctx, "web.tls_key", optarg); break;
        case O_METRICS: ok = set_prop(&ctx, "web.metrics_listen", optarg); break;
        case O_ORIGIN:
            if (opts.allow_origin_count == MAX_ORIGINS) {
                fprintf(stderr, "ofc web: at most %d --allow-origin\n", MAX_ORIGINS);
                ok = false;
            } else {
                origins[opts.allow_origin_count++] = optarg;
            }
            break;
        case O_STATIC: ok = set_prop(&ctx, "web.static", optarg); break;
        case O_TRUST: ok = set_prop(&ctx, "web.trust", optarg); break;
        case O_MAX_CLIENTS: ok = set_prop(&ctx, "web.max_clients", optarg); break;
        case O_DELTA: ok = set_duration(&ctx, "web.delta_interval_ms", optarg, 1000); break;
        case O_STALE: ok = set_duration(&ctx, "web.stale_after_s", optarg, 1000000); break;
        case O_REPLICA: opts.replica = optarg; break;
        case O_ADD_USER: add_user = optarg; break;
        case O_ROLE: role = optarg; break;
        case O_REMOVE_USER: remove_user = optarg; break;
        case O_BACKLOG: {
            char *end;
            long n = strtol(optarg, &end, 10);
            ok = *optarg && !*end && n >= 1 && n <= 1000000;
            if (!ok)
                fprintf(stderr, "ofc web: --backlog expects 1 to 1000000 messages\n");
            opts.backlog_msgs = (size_t)n;
            break;
        }
        case O_STALL:
            ok = ofc_duration_parse(optarg, &opts.stall_timeout_us) &&
                 opts.stall_timeout_us >= 1000000;
            if (!ok)
                fprintf(stderr, "ofc web: --stall-timeout expects a duration of 1s or more\n");
            break;
        default:
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if (!ok) {
        rc = 2;
        goto out;
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "web", usage)) >= 0)
        goto out;
    const ofc_config *cfg = ctx.cfg;
    if (add_user || remove_user) {
        if (add_user && remove_user) {
            fprintf(stderr, "ofc web: --add-user and --remove-user exclude each other\n");
            rc = 2;
            goto out;
        }
        rc = manage_users(nonempty(ofc_config_get(cfg, "web.users")), add_user, remove_user, role);
        goto out;
    }
    if (role) {
        fprintf(stderr, "ofc web: --role goes with --add-user\n");
        rc = 2;
        goto out;
    }

    opts.listen = ofc_config_get(cfg, "web.listen");
    opts.metrics_listen = nonempty(ofc_config_get(cfg, "web.metrics_listen"));
    opts.static_dir = nonempty(ofc_config_get(cfg, "web.static"));
    if (opts.no_auth && users_flag) {
        fprintf(stderr, "ofc web: --no-auth and --users exclude each other\n");
        rc = 2;
        goto out;
    }
    opts.users_path = opts.no_auth ? NULL : nonempty(ofc_config_get(cfg, "web.users"));
    opts.secret_path = nonempty(ofc_config_get(cfg, "web.session_secret"));
    opts.trust_path = nonempty(ofc_config_get(cfg, "web.trust"));
    opts.cert_path = nonempty(ofc_config_get(cfg, "web.tls_cert"));
    opts.key_path = nonempty(ofc_config_get(cfg, "web.tls_key"));
    opts.max_clients = (size_t)ofc_config_get_int(cfg, "web.max_clients");
    opts.delta_interval_us = ofc_config_get_int(cfg, "web.delta_interval_ms") * 1000;
    opts.stale_after_us = ofc_config_get_int(cfg, "web.stale_after_s") * 1000000;
    opts.session_ttl_s = ttl_us / 1000000;
    opts.allow_origins = origins;
    opts.announce = stdout;

    char err[1024];
    cli_install_stop_signals();
    web_server *srv = web_server_new(cfg, &opts, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "ofc web: %s\n", err);
        rc = 1;
        goto out;
    }
    web_run run = {srv, NULL, false};
    if (!web_register_app(cfg, &run)) {
        web_server_destroy(srv);
        rc = 1;
        goto out;
    }
    /* SIGTERM: browsers get 1001 first (at most a second), then UNAVAILABLE and the
     * deregistration (at most 5 s), well inside Swarm's 10 s grace. */
    web_server_run(srv, web_run_check, &run);
    rc = 0;
    if (run.app) {
        if (ofc_app_shutdown(run.app, 5000, err, sizeof err) != OFC_OK) {
            fprintf(stderr, "ofc web: deregistering %s: %s\n", ofc_app_uuid(run.app), err);
            rc = 1;
        } else {
            ofc_log_info("web: %s reported UNAVAILABLE and deregistered", ofc_app_uuid(run.app));
        }
        ofc_app_destroy(run.app);
    }
    web_server_destroy(srv);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
