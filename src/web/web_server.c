/* web_server: the lws context and vhosts, the feed joined to lws's loop, timers, start-up
 * checks and shutdown. HTTP routes live in web_http.c, the WebSocket in web_live.c. */
#include "web_internal.h"

#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OFC_WEB_STATIC_DIR
#define OFC_WEB_STATIC_DIR "/usr/share/ofconsole/static"
#endif

/* Records applied per loop turn before other sockets get their turn. */
#define FEED_BATCH 4096

const char *web_default_static_dir(void)
{
    return OFC_WEB_STATIC_DIR;
}

/* ---- the feed on lws's loop ---- */

static void sul_more_cb(lws_sorted_usec_list_t *sul);

static void service_feed(web_server *srv)
{
    if (ofc_feed_service(srv->feed, FEED_BATCH))
        lws_sul_schedule(srv->context, 0, &srv->sul_more, sul_more_cb, 1);
    web_server__schedule_flush(srv);
}

/* The wake fd only fires when librdkafka's queue goes from empty to non-empty, so a capped
 * turn is continued from a timer at once rather than waiting for the next wake. */
static void sul_more_cb(lws_sorted_usec_list_t *sul)
{
    web_server *srv = lws_container_of(sul, web_server, sul_more);
    service_feed(srv);
}

static void sul_flush_cb(lws_sorted_usec_list_t *sul)
{
    web_server *srv = lws_container_of(sul, web_server, sul_flush);
    srv->flush_scheduled = false;
    srv->last_flush_us = ofc_time_mono_us();
    web_hub_flush(srv->hub);
}

void web_server__schedule_flush(web_server *srv)
{
    if (srv->flush_scheduled || !ofc_model_pending(srv->model))
        return;
    int64_t due = srv->last_flush_us + srv->opts.delta_interval_us - ofc_time_mono_us();
    srv->flush_scheduled = true;
    lws_sul_schedule(srv->context, 0, &srv->sul_flush, sul_flush_cb, due > 0 ? due : 1);
}

static void sul_tick_cb(lws_sorted_usec_list_t *sul)
{
    web_server *srv = lws_container_of(sul, web_server, sul_tick);
    ofc_feed_tick(srv->feed);
    web_server__reload_users(srv);
    web_hub_tick(srv->hub, ofc_time_now_us());
    web_live__tick(srv, ofc_time_mono_us());
    web_command__tick(srv);
    web_server__schedule_flush(srv);
    lws_sul_schedule(srv->context, 0, &srv->sul_tick, sul_tick_cb, LWS_US_PER_SEC);
}

static int feed_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    web_server *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE: service_feed(srv); return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE: srv->feed_wsi = NULL; return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return -1; /* never a WebSocket */
    default: return 0;
    }
}

/* ---- users ---- */

void web_server__reload_users(web_server *srv)
{
    struct stat st;
    char err[512];
    if (srv->opts.no_auth)
        return;
    if (stat(srv->opts.users_path, &st) != 0) {
        if (srv->users.count)
            ofc_log_error("web: users file %s: %s: nobody can log in until it is back",
                          srv->opts.users_path, strerror(errno));
        web_users_fini(&srv->users);
        srv->users_mtime_ns = -1;
        return;
    }
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    /* ctime too: a chmod that opens the file to others must take effect (it is then refused). */
    int64_t ctime = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    if (mtime == srv->users_mtime_ns && ctime == srv->users_ctime_ns &&
        st.st_size == srv->users_size)
        return;
    srv->users_mtime_ns = mtime;
    srv->users_ctime_ns = ctime;
    srv->users_size = st.st_size;
    web_users next;
    web_users_init(&next);
    if (web_users_load(&next, srv->opts.users_path, err, sizeof err) != OFC_OK)
        ofc_log_error("web: %s: nobody can log in until it is fixed", err);
    else
        ofc_log_info("web: users file read: %zu users", next.count);
    web_users_fini(&srv->users);
    srv->users = next;
}

/* ---- start-up ---- */

static void lws_log_sink(int level, const char *line)
{
    char buf[512];
    size_t n = strlen(line);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, line, n);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (level & LLL_ERR)
        ofc_log_warn("lws: %s", buf);
    else
        ofc_log_debug("lws: %s", buf);
}

/* 1,000 clients need 1,000 descriptors: raise the soft limit toward the hard one. */
static void raise_fd_limit(size_t max_clients)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)max_clients * 2 + 256;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        ofc_log_warn("web: cannot raise the open file limit: %s", strerror(errno));
    if (rl.rlim_cur < want)
        ofc_log_warn("web: open file limit %llu allows fewer than %zu clients",
                     (unsigned long long)rl.rlim_cur, max_clients);
}

static bool readable_file(const char *path, const char *what, char *errstr, size_t errstr_size)
{
    if (access(path, R_OK) != 0) {
        snprintf(errstr, errstr_size, "%s %s: %s", what, path, strerror(errno));
        return false;
    }
    return true;
}

static bool check_opts(web_server *srv, char *errstr, size_t errstr_size)
{
    web_server_opts *o = &srv->opts;
    char err[256], path[4096];
    if (!web_addr_parse(o->listen, &srv->listen, err, sizeof err)) {
        snprintf(errstr, errstr_size, "--listen: %s", err);
        return false;
    }
    if (o->metrics_listen &&
        !web_addr_parse(o->metrics_listen, &srv->metrics_addr, err, sizeof err)) {
        snprintf(errstr, errstr_size, "--metrics-listen: %s", err);
        return false;
    }
    if (o->no_auth && o->users_path) {
        snprintf(errstr, errstr_size, "--no-auth and --users exclude each other");
        return false;
    }
    if (!o->no_auth && !o->users_path) {
        snprintf(errstr, errstr_size,
                 "no users file: give --users FILE (make one with ofc web --add-user NAME "
                 "--users FILE), or --no-auth on a loopback address");
        return false;
    }
    if (o->no_auth &&
        (!srv->listen.loopback || (o->metrics_listen && !srv->metrics_addr.loopback))) {
        snprintf(errstr, errstr_size,
                 "refusing to listen on %s without authentication: give --users FILE, or "
                 "listen on 127.0.0.1",
                 srv->listen.loopback ? o->metrics_listen : o->listen);
        return false;
    }
    if (!o->cert_path != !o->key_path) {
        snprintf(errstr, errstr_size, "TLS needs both --cert and --key");
        return false;
    }
    srv->tls = o->cert_path != NULL;
    if (srv->tls && (!readable_file(o->cert_path, "--cert", errstr, errstr_size) ||
                     !readable_file(o->key_path, "--key", errstr, errstr_size)))
        return false;
    snprintf(path, sizeof path, "%s/index.html", o->static_dir);
    if (!readable_file(path, "static page", errstr, errstr_size))
        return false;
    if (!o->no_auth) {
        web_server__reload_users(srv);
        web_users probe;
        web_users_init(&probe);
        if (web_users_load(&probe, o->users_path, errstr, errstr_size) != OFC_OK)
            return false;
        if (probe.count == 0)
            ofc_log_warn("web: %s lists no users: nobody can log in", o->users_path);
        web_users_fini(&probe);
    }
    if (o->secret_path) {
        if (web_session_key_load(&srv->key, o->secret_path, true, errstr, errstr_size) != OFC_OK)
            return false;
    } else {
        web_session_key_random(&srv->key);
        if (!o->no_auth && !srv->listen.loopback)
            ofc_log_warn("web: no --session-secret: sessions work on this process only (give "
                         "replicas one shared secret file)");
    }
    return true;
}

static const lws_retry_bo_t retry_policy = {
    .secs_since_valid_ping = 20,   /* a WebSocket quiet this long is pinged */
    .secs_since_valid_hangup = 50, /* and dropped if still nothing came back */
};

static void build_vhost_tables(web_server *srv)
{
    static const char *const csp =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'";
    static const char *const names[][2] = {
        {"content-security-policy:", NULL},
        {"x-content-type-options:", "nosniff"},
        {"x-frame-options:", "DENY"},
        {"referrer-policy:", "no-referrer"},
        {"cross-origin-opener-policy:", "same-origin"},
        {"cross-origin-resource-policy:", "same-origin"},
        {"permissions-policy:", "camera=(), microphone=(), geolocation=(), usb=()"},
    };
    size_t n = sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++) {
        srv->headers[i].next = i + 1 < n ? &srv->headers[i + 1] : NULL;
        srv->headers[i].name = names[i][0];
        srv->headers[i].value = names[i][1] ? names[i][1] : csp;
    }

    srv->protocols[WEB_PROTO_HTTP] =
        (struct lws_protocols){"http", web_http__callback, web_http__pss_size(), 0, 0, NULL, 0};
    srv->protocols[WEB_PROTO_LIVE] = (struct lws_protocols){
        WEB_PROTOCOL, web_live__callback, sizeof(web_live_pss), 1024, 0, NULL, WEB_FRAME_MAX};
    srv->protocols[WEB_PROTO_FEED] =
        (struct lws_protocols){"ofc-feed-wake", feed_callback, 0, 0, 0, NULL, 0};
    srv->protocols[WEB_PROTO_CMD] = web_command__protocol();
    srv->metrics_protocols[0] = (struct lws_protocols){
        "http", web_http__metrics_callback, web_http__pss_size(), 0, 0, NULL, 0};

    static const char *const routes[] = {"/login",   "/logout",  "/session",
                                         "/healthz", "/metrics", "/audit"};
    size_t nr = sizeof routes / sizeof routes[0];
    for (size_t i = 0; i < nr; i++) {
        struct lws_http_mount *m = &srv->mounts[i];
        m->mount_next = &srv->mounts[i + 1];
        m->mountpoint = routes[i];
        m->mountpoint_len = (unsigned char)strlen(routes[i]);
        m->origin = "http";
        m->origin_protocol = LWSMPRO_CALLBACK;
    }
    struct lws_http_mount *root = &srv->mounts[nr];
    root->mountpoint = "/";
    root->mountpoint_len = 1;
    root->origin = srv->opts.static_dir;
    root->def = "index.html";
    root->origin_protocol = LWSMPRO_FILE;
    root->cache_max_age = 0;
    root->cache_revalidate = 1;

    for (size_t i = 0; i < 2; i++) {
        struct lws_http_mount *m = &srv->metrics_mounts[i];
        m->mount_next = i == 0 ? &srv->metrics_mounts[1] : NULL;
        m->mountpoint = i == 0 ? "/metrics" : "/healthz";
        m->mountpoint_len = (unsigned char)strlen(m->mountpoint);
        m->origin = "http";
        m->origin_protocol = LWSMPRO_CALLBACK;
    }
}

static struct lws_vhost *make_vhost(web_server *srv, const web_addr *addr, const char *name,
                                    bool metrics, char *errstr, size_t errstr_size)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.vhost_name = name;
    info.port = addr->port;
    info.iface = addr->host[0] ? addr->host : NULL;
    info.protocols = metrics ? srv->metrics_protocols : srv->protocols;
    info.mounts = metrics ? srv->metrics_mounts : srv->mounts;
    info.headers = srv->headers;
    info.user = srv;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    if (!addr->ipv6 && addr->host[0])
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.retry_and_idle_policy = &retry_policy;
    info.timeout_secs = 20;
    if (srv->tls && !metrics) {
        info.ssl_cert_filepath = srv->opts.cert_path;
        info.ssl_private_key_filepath = srv->opts.key_path;
        info.options |= LWS_SERVER_OPTION_STS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.alpn = "http/1.1"; /* upgrades go through one path: HTTP/1.1 */
    }
    struct lws_vhost *vh = lws_create_vhost(srv->context, &info);
    if (!vh)
        snprintf(errstr, errstr_size,
                 "cannot listen on %s%s%s:%d (in use, or not an address of "
                 "this host%s)",
                 addr->ipv6 ? "[" : "", addr->host[0] ? addr->host : "*", addr->ipv6 ? "]" : "",
                 addr->port, srv->tls ? ", or the certificate/key is unusable" : "");
    return vh;
}

static void announce(web_server *srv, const web_addr *addr, int port, const char *what)
{
    if (!srv->opts.announce)
        return;
    const char *host = addr->host[0] ? addr->host : (addr->ipv6 ? "::" : "0.0.0.0");
    fprintf(srv->opts.announce, "ofc web: %s on %s://%s%s%s:%d/\n", what,
            srv->tls && addr == &srv->listen ? "https" : "http", addr->ipv6 ? "[" : "", host,
            addr->ipv6 ? "]" : "", port);
    fflush(srv->opts.announce);
}

web_server *web_server_new(const ofc_config *cfg, const web_server_opts *opts, char *errstr,
                           size_t errstr_size)
{
    web_server *srv = xcalloc(1, sizeof *srv);
    char host[256];
    srv->opts = *opts;
    srv->users_mtime_ns = -1;
    srv->started_us = ofc_time_now_us();
    if (!srv->opts.listen)
        srv->opts.listen = "127.0.0.1:8080";
    if (!srv->opts.static_dir)
        srv->opts.static_dir = web_default_static_dir();
    if (!srv->opts.session_ttl_s)
        srv->opts.session_ttl_s = 12 * 3600;
    if (!srv->opts.max_clients)
        srv->opts.max_clients = 4096;
    if (!srv->opts.stall_timeout_us)
        srv->opts.stall_timeout_us = 30 * 1000000LL;
    if (!srv->opts.replica) {
        if (gethostname(host, sizeof host) != 0)
            snprintf(host, sizeof host, "ofc-web");
        host[sizeof host - 1] = '\0';
        srv->opts.replica = host;
    }
    srv->replica = xstrdup(srv->opts.replica);
    srv->opts.replica = srv->replica;
    srv->allow_origins = xcalloc(opts->allow_origin_count + 1, sizeof *srv->allow_origins);
    for (size_t i = 0; i < opts->allow_origin_count; i++)
        srv->allow_origins[i] = xstrdup(opts->allow_origins[i]);
    srv->opts.allow_origins = (const char *const *)srv->allow_origins;
    web_users_init(&srv->users);
    srv->cookie_name = "ofc_session";
    srv->login_tokens = 20;
    if (sodium_init() < 0)
        abort();
    if (!check_opts(srv, errstr, errstr_size))
        goto fail;
    if (srv->tls)
        srv->cookie_name = "__Host-ofc_session"; /* Secure, Path=/, no Domain: browser-enforced */
    raise_fd_limit(srv->opts.max_clients);

    srv->cfg = ofc_config_dup(cfg);
    ofc_model_limits limits = {
        (size_t)ofc_config_get_int(cfg, "history.points"),
        (size_t)ofc_config_get_int(cfg, "limit.assets"),
        (size_t)ofc_config_get_int(cfg, "limit.attributes"),
    };
    srv->model = ofc_model_new(&limits);
    srv->feed = ofc_feed_new(srv->cfg, srv->model, errstr, errstr_size);
    if (!srv->feed)
        goto fail;
    web_hub_opts hopts = {0};
    hopts.stale_after_us = srv->opts.stale_after_us;
    hopts.ring_msgs = srv->opts.backlog_msgs;
    hopts.ring_bytes = srv->opts.backlog_bytes;
    hopts.replica = srv->replica;
    srv->hub = web_hub_new(srv->model, srv->feed, &hopts);
    web_hub_set_notify(srv->hub, web_live__notify, srv);
    srv->parser = web_msg_parser_new();
    srv->frame = xmalloc(LWS_PRE + WEB_FRAME_MAX);

    build_vhost_tables(srv);
    lws_set_log_level(ofc_log_get_level() >= OFC_LOG_DEBUG ? LLL_ERR | LLL_WARN | LLL_NOTICE
                                                           : LLL_ERR,
                      lws_log_sink);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (srv->tls)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = srv;
    srv->context = lws_create_context(&info);
    if (!srv->context) {
        snprintf(errstr, errstr_size, "libwebsockets: cannot create a context");
        goto fail;
    }
    srv->vhost = make_vhost(srv, &srv->listen, "ofc-web", false, errstr, errstr_size);
    if (!srv->vhost)
        goto fail;
    srv->port = lws_get_vhost_listen_port(srv->vhost);
    if (srv->opts.metrics_listen) {
        srv->metrics_vhost =
            make_vhost(srv, &srv->metrics_addr, "ofc-web-metrics", true, errstr, errstr_size);
        if (!srv->metrics_vhost)
            goto fail;
        srv->metrics_port = lws_get_vhost_listen_port(srv->metrics_vhost);
    }

    if (!web_command__init(srv, errstr, errstr_size))
        goto fail;

    /* lws closes what it adopted; the feed closes its own fd, so lws gets a duplicate. */
    lws_sock_file_fd_type fd;
    fd.filefd = fcntl(ofc_feed_wake_fd(srv->feed), F_DUPFD_CLOEXEC, 0);
    if (fd.filefd < 0) {
        snprintf(errstr, errstr_size, "dup: %s", strerror(errno));
        goto fail;
    }
    srv->feed_wsi =
        lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "ofc-feed-wake", NULL);
    if (!srv->feed_wsi) {
        close(fd.filefd);
        snprintf(errstr, errstr_size, "libwebsockets: cannot adopt the feed's wake fd");
        goto fail;
    }
    lws_sul_schedule(srv->context, 0, &srv->sul_tick, sul_tick_cb, LWS_US_PER_SEC);
    service_feed(srv); /* whatever arrived before the fd was adopted */
    announce(srv, &srv->listen, srv->port, "listening");
    if (srv->metrics_vhost)
        announce(srv, &srv->metrics_addr, srv->metrics_port, "metrics");
    return srv;
fail:
    web_server_destroy(srv);
    return NULL;
}

int web_server_run(web_server *srv, bool (*stop)(void *opaque), void *opaque)
{
    while (!stop(opaque))
        if (lws_service(srv->context, 0) < 0)
            break;
    /* Tell every browser why it is being dropped, then give them a moment to hear it. */
    srv->stopping = true;
    web_live__shutdown(srv);
    int64_t deadline = ofc_time_mono_us() + 1000000;
    while (srv->live_count && ofc_time_mono_us() < deadline)
        if (lws_service(srv->context, 0) < 0)
            break;
    return 0;
}

bool web_server_caught_up(const web_server *srv)
{
    return ofc_feed_get_status(srv->feed)->caught_up;
}

int web_server_metrics_port(const web_server *srv)
{
    return srv->metrics_vhost ? srv->metrics_port : srv->port;
}

void web_server_destroy(web_server *srv)
{
    if (!srv)
        return;
    if (srv->context)
        lws_context_destroy(srv->context); /* closes every client first */
    web_command__destroy(srv);
    web_hub_destroy(srv->hub);
    ofc_feed_destroy(srv->feed);
    ofc_model_destroy(srv->model);
    ofc_config_destroy(srv->cfg);
    web_msg_parser_destroy(srv->parser);
    web_users_fini(&srv->users);
    sodium_memzero(&srv->key, sizeof srv->key);
    for (size_t i = 0; srv->allow_origins && srv->allow_origins[i]; i++)
        free(srv->allow_origins[i]);
    free(srv->allow_origins);
    free(srv->replica);
    free(srv->frame);
    free(srv);
}
