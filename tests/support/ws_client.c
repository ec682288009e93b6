/* ws_client: RFC 6455 client framing and a one-shot HTTP/1.1 request, for tests and benches. */
#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tcp_connect(int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    if (fd < 0)
        return -1;
    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Read until the header block ends; returns the header length (including the blank line) and
 * leaves everything read in *buf / *len. */
static long read_headers(int fd, char **buf, size_t *len, int timeout_ms)
{
    size_t cap = 4096;
    int64_t deadline = mono_ms() + timeout_ms;
    *buf = malloc(cap + 1);
    *len = 0;
    for (;;) {
        (*buf)[*len] = '\0';
        char *end = strstr(*buf, "\r\n\r\n");
        if (end)
            return end + 4 - *buf;
        int left = (int)(deadline - mono_ms());
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        if (*len == cap) {
            cap *= 2;
            *buf = realloc(*buf, cap + 1);
        }
        ssize_t n = recv(fd, *buf + *len, cap - *len, 0);
        if (n <= 0)
            return -1;
        *len += (size_t)n;
    }
}

static int status_of(const char *headers)
{
    int status = -1;
    if (sscanf(headers, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

int ws_client_connect(ws_client *c, int port, const ws_opts *o, int timeout_ms, char **resp_headers)
{
    static const ws_opts none;
    char req[8192], host[64];
    int n;
    if (!o)
        o = &none;
    memset(c, 0, sizeof *c);
    c->fd = tcp_connect(port, o->rcvbuf);
    if (c->fd < 0)
        return -1;
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    const char *protocol = o->protocol ? o->protocol : "ofc-live.v1";
    n = snprintf(req, sizeof req,
                 "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
                 o->path ? o->path : "/live", o->host ? o->host : host);
    if (*protocol)
        n += snprintf(req + n, sizeof req - (size_t)n, "Sec-WebSocket-Protocol: %s\r\n", protocol);
    if (o->origin)
        n += snprintf(req + n, sizeof req - (size_t)n, "Origin: %s\r\n", o->origin);
    if (o->cookie)
        n += snprintf(req + n, sizeof req - (size_t)n, "Cookie: %s\r\n", o->cookie);
    if (o->bearer)
        n += snprintf(req + n, sizeof req - (size_t)n, "Authorization: Bearer %s\r\n", o->bearer);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    char *buf;
    size_t len;
    long hlen;
    if (!send_all(c->fd, req, (size_t)n) ||
        (hlen = read_headers(c->fd, &buf, &len, timeout_ms)) < 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    int status = status_of(buf);
    if (resp_headers) {
        *resp_headers = malloc((size_t)hlen + 1);
        memcpy(*resp_headers, buf, (size_t)hlen);
        (*resp_headers)[hlen] = '\0';
    }
    if (status == 101)
        ws_client_feed(c, buf + hlen, len - (size_t)hlen);
    free(buf);
    if (status != 101) {
        close(c->fd);
        c->fd = -1;
    }
    return status;
}

void ws_client_close(ws_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->in);
    free(c->msg);
    c->in = NULL;
    c->msg = NULL;
    c->in_len = c->in_cap = c->msg_len = c->msg_cap = 0;
}

bool ws_client_send_frame(ws_client *c, int opcode, bool fin, const void *data, size_t len)
{
    unsigned char head[14];
    size_t h = 0;
    head[h++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        head[h++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xffff) {
        head[h++] = 0x80 | 126;
        head[h++] = (unsigned char)(len >> 8);
        head[h++] = (unsigned char)len;
    } else {
        head[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            head[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    unsigned char mask[4] = {(unsigned char)rand(), (unsigned char)rand(), (unsigned char)rand(),
                             (unsigned char)rand()};
    memcpy(head + h, mask, 4);
    h += 4;
    unsigned char *frame = malloc(h + len + 1);
    memcpy(frame, head, h);
    for (size_t i = 0; i < len; i++)
        frame[h + i] = ((const unsigned char *)data)[i] ^ mask[i & 3];
    bool ok = c->fd >= 0 && send_all(c->fd, frame, h + len);
    free(frame);
    return ok;
}

bool ws_client_send_text(ws_client *c, const char *text)
{
    return ws_client_send_frame(c, WS_OP_TEXT, true, text, strlen(text));
}

void ws_client_feed(ws_client *c, const void *data, size_t len)
{
    if (!len)
        return;
    if (c->in_len + len > c->in_cap) {
        c->in_cap = (c->in_len + len) * 2 + 4096;
        c->in = realloc(c->in, c->in_cap);
    }
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    c->bytes_in += len;
}

static void append_msg(ws_client *c, const unsigned char *p, size_t n)
{
    if (!n && c->msg)
        return;
    if (c->msg_len + n + 1 > c->msg_cap) {
        c->msg_cap = (c->msg_len + n + 1) * 2;
        c->msg = realloc(c->msg, c->msg_cap);
    }
    memcpy(c->msg + c->msg_len, p, n);
    c->msg_len += n;
    c->msg[c->msg_len] = '\0';
}

int ws_client_next(ws_client *c, char **msg, size_t *len)
{
    for (;;) {
        if (c->closed)
            return -1;
        if (c->in_len < 2)
            return 0;
        const unsigned char *p = c->in;
        bool fin = p[0] & 0x80, masked = p[1] & 0x80;
        int opcode = p[0] & 0x0f;
        uint64_t plen = p[1] & 0x7f;
        size_t h = 2;
        if (plen == 126) {
            if (c->in_len < 4)
                return 0;
            plen = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (plen == 127) {
            if (c->in_len < 10)
                return 0;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | p[2 + i];
            h = 10;
        }
        if (masked || (p[0] & 0x70)) { /* a server never masks nor sets RSV bits here */
            c->closed = true;
            c->close_code = 1002;
            return -1;
        }
        if (c->in_len < h + plen)
            return 0;
        const unsigned char *payload = p + h;
        int r = 0;
        if (opcode == WS_OP_CLOSE) {
            c->close_code = plen >= 2 ? (payload[0] << 8 | payload[1]) : 1005;
            size_t rl = plen > 2 ? (size_t)plen - 2 : 0;
            if (rl >= sizeof c->close_reason)
                rl = sizeof c->close_reason - 1;
            memcpy(c->close_reason, payload + 2, rl);
            c->close_reason[rl] = '\0';
            unsigned char echo[2] = {payload[0], payload[1]};
            ws_client_send_frame(c, WS_OP_CLOSE, true, echo, plen >= 2 ? 2 : 0);
            c->closed = true;
            r = -1;
        } else if (opcode == WS_OP_PING) {
            ws_client_send_frame(c, WS_OP_PONG, true, payload, (size_t)plen);
        } else if (opcode == WS_OP_PONG) {
            /* nothing */
        } else {
            if (opcode != WS_OP_CONT) {
                c->msg_len = 0;
                c->msg_opcode = opcode;
            }
            append_msg(c, payload, (size_t)plen);
            if (fin) {
                *msg = malloc(c->msg_len + 1);
                memcpy(*msg, c->msg ? c->msg : "", c->msg_len);
                (*msg)[c->msg_len] = '\0';
                *len = c->msg_len;
                c->msg_len = 0;
                r = 1;
            }
        }
        memmove(c->in, c->in + h + plen, c->in_len - h - (size_t)plen);
        c->in_len -= h + (size_t)plen;
        if (r)
            return r;
    }
}

int ws_client_recv(ws_client *c, char **msg, size_t *len, int timeout_ms)
{
    int64_t deadline = mono_ms() + timeout_ms;
    unsigned char buf[65536];
    for (;;) {
        int r = ws_client_next(c, msg, len);
        if (r != 0)
            return r;
        int left = (int)(deadline - mono_ms());
        if (left < 0)
            left = 0;
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, left);
        if (pr == 0)
            return 0;
        if (pr < 0 && errno == EINTR)
            continue;
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            c->closed = true;
            if (!c->close_code)
                c->close_code = 1006;
            return -1;
        }
        ws_client_feed(c, buf, (size_t)n);
    }
}

int http_request(int port, const char *method, const char *path, const char *extra_headers,
                 const char *body, int timeout_ms, char **headers, char **resp_body)
{
    int fd = tcp_connect(port, 0);
    if (fd < 0)
        return -1;
    size_t blen = body ? strlen(body) : 0;
    size_t cap = 1024 + (extra_headers ? strlen(extra_headers) : 0) + blen;
    char *req = malloc(cap);
    /* extra_headers may bring a Host of its own (tests of the Host rules). */
    bool own_host = extra_headers && (strncmp(extra_headers, "Host:", 5) == 0 ||
                                      strstr(extra_headers, "\r\nHost:") != NULL);
    char host[64] = "";
    if (!own_host)
        snprintf(host, sizeof host, "Host: 127.0.0.1:%d\r\n", port);
    int n = snprintf(req, cap, "%s %s HTTP/1.1\r\n%sConnection: close\r\n%s", method, path, host,
                     extra_headers ? extra_headers : "");
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(req + n, cap - (size_t)n, "\r\n%s", body ? body : "");
    bool ok = send_all(fd, req, (size_t)n);
    free(req);
    size_t len = 0, rcap = 8192;
    char *buf = malloc(rcap + 1);
    int64_t deadline = mono_ms() + timeout_ms;
    while (ok) {
        int left = (int)(deadline - mono_ms());
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            break;
        if (len == rcap) {
            rcap *= 2;
            buf = realloc(buf, rcap + 1);
        }
        ssize_t r = recv(fd, buf + len, rcap - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    int status = ok && sep ? status_of(buf) : -1;
    if (headers) {
        size_t hl = sep ? (size_t)(sep - buf) + 4 : len;
        *headers = malloc(hl + 1);
        memcpy(*headers, buf, hl);
        (*headers)[hl] = '\0';
    }
    if (resp_body)
        *resp_body = strdup(sep ? sep + 4 : "");
    free(buf);
    return status;
}

char *http_header(const char *headers, const char *name)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(headers, "\r\n"); line && line[2];
         line = strstr(line + 2, "\r\n")) {
        const char *s = line + 2;
        if (strncasecmp(s, name, nl) == 0 && s[nl] == ':') {
            s += nl + 1;
            while (*s == ' ')
                s++;
            const char *e = strstr(s, "\r\n");
            size_t vl = e ? (size_t)(e - s) : strlen(s);
            char *v = malloc(vl + 1);
            memcpy(v, s, vl);
            v[vl] = '\0';
            return v;
        }
    }
    return NULL;
}
