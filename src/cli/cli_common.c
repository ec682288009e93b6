/* cli_common: config loading order, -b/-X/-c handling and the stop-signal flag. */
#include "cli_common.h"

#include "log.h"

#include <errno.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_signal, stop_count;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    if (stop_count < 2)
        stop_count = stop_count + 1;
}

void cli_install_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool cli_stop_requested(void)
{
    return stop_signal != 0;
}

bool cli_stop_insisted(void)
{
    return stop_count >= 2;
}

int cli_stop_signal(void)
{
    return (int)stop_signal;
}

int cli_finish_options(const cli_ctx *ctx, int argc, char **argv, const char *who,
                       void (*usage)(FILE *out))
{
    if (ctx->help) {
        usage(stdout);
        return 0;
    }
    if (optind < argc) {
        fprintf(stderr, "ofc %s: unexpected argument \"%s\"\n", who, argv[optind]);
        return 2;
    }
    return -1;
}

void cli_getopt_reset(void)
{
    optind = 0; /* glibc: 0 also re-initialises its internal state */
    opterr = 1;
}

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

bool cli_ctx_init(cli_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    bool explicit_path = false;
    char err[512];

    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = ofc_config_new();
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            path = argv[i + 1];
            explicit_path = true;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
            explicit_path = true;
        } else if (strcmp(argv[i], "--") == 0) {
            break;
        }
    }
    if (!explicit_path)
        path = ofc_config_default_path();
    if (path && ofc_config_load_file(ctx->cfg, path, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "ofc: config: %s\n", err);
        cli_ctx_fini(ctx);
        return false;
    }
    if (ofc_config_apply_env(ctx->cfg, env_lookup, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "ofc: %s\n", err);
        cli_ctx_fini(ctx);
        return false;
    }
    ofc_log_set_level(OFC_LOG_WARN);
    return true;
}

void cli_ctx_fini(cli_ctx *ctx)
{
    ofc_config_destroy(ctx->cfg);
    ctx->cfg = NULL;
}

int cli_handle_common(cli_ctx *ctx, int opt, const char *arg)
{
    char err[512];
    switch (opt) {
    case 'b':
        if (ofc_config_set(ctx->cfg, "brokers", arg, err, sizeof err) != OFC_OK) {
            fprintf(stderr, "ofc: -b: %s\n", err);
            return -1;
        }
        return 1;
    case 'X': {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            fprintf(stderr, "ofc: -X expects property=value, got \"%s\"\n", arg);
            return -1;
        }
        char name[256];
        size_t n = (size_t)(eq - arg);
        if (n >= sizeof name) {
            fprintf(stderr, "ofc: -X: property name too long\n");
            return -1;
        }
        memcpy(name, arg, n);
        name[n] = '\0';
        /* ofconsole's own properties by name; anything else goes to librdkafka, as with kcat. */
        char full[300];
        ofc_config *probe = ofc_config_new();
        bool own = ofc_config_set(probe, name, eq + 1, err, sizeof err) == OFC_OK ||
                   strncmp(err, "unknown property", 16) != 0;
        ofc_config_destroy(probe);
        if (own || strncmp(name, "kafka.", 6) == 0)
            snprintf(full, sizeof full, "%s", name);
        else
            snprintf(full, sizeof full, "kafka.%s", name);
        if (ofc_config_set(ctx->cfg, full, eq + 1, err, sizeof err) != OFC_OK) {
            fprintf(stderr, "ofc: -X: %s\n", err);
            return -1;
        }
        return 1;
    }
    case 'c': return 1; /* loaded by cli_ctx_init() */
    case 1001:
        if (ofc_config_set(ctx->cfg, "start.since", arg, err, sizeof err) != OFC_OK) {
            fprintf(stderr, "ofc: --since: %s\n", err);
            return -1;
        }
        return 1;
    case 1002: ofc_config_set(ctx->cfg, "start.table", "true", err, sizeof err); return 1;
    case 1003: ofc_config_set(ctx->cfg, "start.since", "beginning", err, sizeof err); return 1;
    case 'v':
        ofc_log_set_level(ofc_log_get_level() == OFC_LOG_INFO ? OFC_LOG_DEBUG : OFC_LOG_INFO);
        return 1;
    case 'q': ofc_log_set_level(OFC_LOG_ERROR); return 1;
    case 'h': ctx->help = true; return 1;
    default: return 0;
    }
}

static bool read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    return true;
}

static bool prompt_tty(const char *prompt, char *buf, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return false;
    struct termios old, quiet;
    bool restore = tcgetattr(fileno(tty), &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    fprintf(tty, "%s", prompt);
    fflush(tty);
    bool ok = read_line(tty, buf, size);
    if (restore)
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fprintf(tty, "\n");
    fclose(tty);
    return ok;
}

bool cli_read_passphrase(const char *file, const char *prompt, bool confirm, char *buf, size_t size)
{
    if (file) {
        FILE *f = fopen(file, "r");
        bool ok = f && read_line(f, buf, size);
        if (f)
            fclose(f);
        if (!ok)
            fprintf(stderr, "ofc: cannot read a passphrase from %s: %s\n", file,
                    f ? "empty file" : strerror(errno));
        return ok;
    }
    const char *env = getenv("OFC_PASSPHRASE");
    if (env) {
        snprintf(buf, size, "%s", env);
        return true;
    }
    if (!prompt_tty(prompt, buf, size)) {
        fprintf(stderr, "ofc: a passphrase is needed: use --passphrase-file, $OFC_PASSPHRASE or a "
                        "terminal\n");
        return false;
    }
    if (confirm) {
        char again[512];
        if (!prompt_tty("Again: ", again, sizeof again) || strcmp(again, buf) != 0) {
            fprintf(stderr, "ofc: the passphrases differ\n");
            return false;
        }
    }
    return true;
}

void cli_put_wire_text(FILE *out, const char *s, bool quoted)
{
    if (quoted)
        fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fprintf(out, "\\u%04x", p[1]);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            switch (*p) {
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", *p); break;
            }
        } else if (*p == '\\' || (quoted && *p == '"')) {
            fputc('\\', out);
            fputc(*p, out);
        } else {
            fputc(*p, out);
        }
    }
    if (quoted)
        fputc('"', out);
}
