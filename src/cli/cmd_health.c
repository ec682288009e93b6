/* ofc health: ask a running `ofc web` whether it is alive, for a container HEALTHCHECK or a
 * monitoring probe, without curl. Plain HTTP GET of /healthz on the metrics listener (or the web
 * listener when there is none); exit 0 on 200. */
#include "cli_common.h"
#include "commands.h"
#include "timeutil.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ofc health [--url http://HOST:PORT/healthz] [--require-caught-up]\n\n"
            "GET /healthz from a running ofc web and exit 0 if it answers 200. Without --url\n"
            "the address comes from the configuration: web.metrics_listen if set, else\n"
            "web.listen (0.0.0.0 is asked on 127.0.0.1). Plain HTTP only: with TLS on the\n"
            "web listener, give ofc web a --metrics-listen address for probes.\n\n"
            "options:\n"
            "  --url URL              what to ask (http:// only)\n"
            "  --require-caught-up    also fail until the gateway has read the log to its end\n"
            "  --timeout DURATION     default 3s\n"
            "  -c, --config FILE      config file\n"
            "  -h, --help             this help\n"
            "\nexit status: 0 healthy, 1 not healthy or no answer, 2 usage\n");
}

/* Split "http://host:port/path" (also "host:port"). */
static bool parse_url(const char *url, char *host, size_t hsize, char *port, size_t psize,
                      char *path, size_t pathsize)
{
    const char *s = url;
    if (strncmp(s, "https://", 8) == 0)
        return false;
    if (strncmp(s, "http://", 7) == 0)
        s += 7;
    const char *slash = strchr(s, '/');
    size_t hostport = slash ? (size_t)(slash - s) : strlen(s);
    snprintf(path, pathsize, "%s", slash ? slash : "/healthz");
    char hp[300];
    if (hostport == 0 || hostport >= sizeof hp)
        return false;
    memcpy(hp, s, hostport);
    hp[hostport] = '\0';
    char *colon = strrchr(hp, ':');
    if (!colon || colon == hp || !colon[1])
        return false;
    *colon = '\0';
    const char *h = hp;
    if (h[0] == '[') { /* [::1] */
        h++;
        size_t n = strlen(h);
        if (n && h[n - 1] == ']')
            ((char *)h)[n - 1] = '\0';
    }
    if (strcmp(h, "0.0.0.0") == 0 || strcmp(h, "*") == 0 || !*h)
        h = "127.0.0.1";
    else if (strcmp(h, "::") == 0)
        h = "::1";
    snprintf(host, hsize, "%s", h);
    snprintf(port, psize, "%s", colon + 1);
    return true;
}

static int probe(const char *host, const char *port, const char *path, int64_t timeout_us,
                 bool require_caught_up)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai) {
        fprintf(stderr, "ofc health: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        fprintf(stderr, "ofc health: %s:%s: %s\n", host, port, strerror(errno));
        freeaddrinfo(res);
        if (fd >= 0)
            close(fd);
        return 1;
    }
    freeaddrinfo(res);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n",
                     path, host, port);
    if (write(fd, req, (size_t)n) != n) {
        fprintf(stderr, "ofc health: write: %s\n", strerror(errno));
        close(fd);
        return 1;
    }
    char buf[8192];
    size_t len = 0;
    int64_t deadline = ofc_time_mono_us() + timeout_us;
    while (len < sizeof buf - 1) {
        int64_t left = (deadline - ofc_time_mono_us()) / 1000;
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        fprintf(stderr, "ofc health: no HTTP answer from %s:%s\n", host, port);
        return 1;
    }
    const char *body = strstr(buf, "\r\n\r\n");
    body = body ? body + 4 : "";
    printf("%d %s\n", status, body);
    if (status != 200)
        return 1;
    if (require_caught_up && !strstr(body, "\"caught_up\":true"))
        return 1;
    return 0;
}

int cmd_health(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},     {"require-caught-up", no_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'}, {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *url = NULL;
    bool require = false;
    int64_t timeout_us = 3000000;
    cli_ctx ctx;
    int opt, rc = 2;

    if (!cli_ctx_init(&ctx, argc, argv))
        return 1;
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u': url = optarg; break;
        case 'r': require = true; break;
        case 'c': break; /* read by cli_ctx_init() */
        case 'h': ctx.help = true; break;
        case 't':
            if (!ofc_duration_parse(optarg, &timeout_us) || timeout_us <= 0) {
                fprintf(stderr, "ofc health: --timeout expects a duration above zero, such as "
                                "3s\n");
                goto out;
            }
            break;
        default: usage(stderr); goto out;
        }
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "health", usage)) >= 0)
        goto out;
    char built[300], host[320], port[320], path[320];
    if (!url) {
        const char *listen = ofc_config_get(ctx.cfg, "web.metrics_listen");
        if (!*listen)
            listen = ofc_config_get(ctx.cfg, "web.listen");
        snprintf(built, sizeof built, "http://%s/healthz", listen);
        url = built;
    }
    if (!parse_url(url, host, sizeof host, port, sizeof port, path, sizeof path)) {
        fprintf(stderr, "ofc health: cannot use \"%s\" (http://HOST:PORT/PATH)\n", url);
        rc = 2;
        goto out;
    }
    rc = probe(host, port, path, timeout_us, require);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
