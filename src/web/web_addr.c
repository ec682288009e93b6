/* web_addr: listen address parsing and the Origin/Host rules. */
#include "web_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool parse_port(const char *s, int *port)
{
    char *end;
    if (!*s || strlen(s) > 5)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

bool web_addr_parse(const char *text, web_addr *out, char *errstr, size_t errstr_size)
{
    char host[64];
    const char *port;
    memset(out, 0, sizeof *out);
    if (strlen(text) >= sizeof host + 8) {
        snprintf(errstr, errstr_size, "address too long");
        return false;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host) {
            snprintf(errstr, errstr_size, "expected [IPv6]:PORT, got \"%s\"", text);
            return false;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
        out->ipv6 = true;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon) {
            snprintf(host, sizeof host, "127.0.0.1");
            port = text;
        } else {
            if ((size_t)(colon - text) >= sizeof host ||
                memchr(text, ':', (size_t)(colon - text))) {
                snprintf(errstr, errstr_size, "expected ADDR:PORT, got \"%s\"", text);
                return false;
            }
            memcpy(host, text, (size_t)(colon - text));
            host[colon - text] = '\0';
            port = colon + 1;
        }
    }
    if (!parse_port(port, &out->port)) {
        snprintf(errstr, errstr_size, "bad port in \"%s\"", text);
        return false;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (!*host) {
        out->host[0] = '\0';
        return true;
    }
    unsigned char buf[16];
    if (out->ipv6) {
        if (inet_pton(AF_INET6, host, buf) != 1) {
            snprintf(errstr, errstr_size, "\"%s\" is not an IPv6 address", host);
            return false;
        }
        static const unsigned char any6[16], loop6[16] = {[15] = 1};
        out->loopback = memcmp(buf, loop6, 16) == 0;
        if (memcmp(buf, any6, 16) == 0)
            host[0] = '\0';
    } else {
        if (inet_pton(AF_INET, host, buf) != 1) {
            snprintf(errstr, errstr_size,
                     "\"%s\" is not an IPv4 address (give an IP address or localhost)", host);
            return false;
        }
        out->loopback = buf[0] == 127;
        if (buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0)
            host[0] = '\0';
    }
    snprintf(out->host, sizeof out->host, "%s", host);
    return true;
}

bool web_origin_ok(const char *origin, size_t origin_len, const char *host, size_t host_len,
                   bool tls, const char *const *allowed, size_t allowed_count)
{
    for (size_t i = 0; i < allowed_count; i++)
        if (strlen(allowed[i]) == origin_len && strncasecmp(allowed[i], origin, origin_len) == 0)
            return true;
    const char *scheme = tls ? "https://" : "http://";
    size_t sl = strlen(scheme);
    if (host_len == 0 || origin_len != sl + host_len)
        return false;
    return strncasecmp(origin, scheme, sl) == 0 && strncasecmp(origin + sl, host, host_len) == 0;
}

bool web_host_is_loopback(const char *host, size_t len)
{
    char name[64];
    size_t n;
    if (len == 0 || len >= sizeof name)
        return false;
    if (host[0] == '[') {
        const char *close = memchr(host, ']', len);
        if (!close)
            return false;
        n = (size_t)(close - host - 1);
        memcpy(name, host + 1, n);
        name[n] = '\0';
        const char *rest = close + 1;
        if (rest != host + len && *rest != ':')
            return false;
        unsigned char buf[16];
        static const unsigned char loop6[16] = {[15] = 1};
        return inet_pton(AF_INET6, name, buf) == 1 && memcmp(buf, loop6, 16) == 0;
    }
    const char *colon = memchr(host, ':', len);
    n = colon ? (size_t)(colon - host) : len;
    memcpy(name, host, n);
    name[n] = '\0';
    if (strcasecmp(name, "localhost") == 0)
        return true;
    unsigned char buf[4];
    return inet_pton(AF_INET, name, buf) == 1 && buf[0] == 127;
}
