/* web_addr: listen addresses, and the Origin and Host checks that keep other sites out.
 *
 * A browser sends Origin on every WebSocket upgrade and on cross-site POSTs; a page from
 * another site must not reach the dashboard with the user's cookie (cross-site WebSocket
 * hijacking), so an upgrade or login whose Origin is not this server's own (scheme and the Host
 * the browser asked for) or an explicitly allowed one is refused. Without authentication
 * (--no-auth, loopback only) the Host header must also name a loopback address, which defeats
 * DNS rebinding (a hostile name that resolves to 127.0.0.1). Pure functions, unit-tested.
 */
#ifndef OFC_WEB_ADDR_H
#define OFC_WEB_ADDR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct web_addr {
    char host[64]; /* IP literal to bind, without brackets; "" for every interface */
    int port;      /* 0 asks the kernel for a free port */
    bool loopback; /* 127.0.0.0/8 or ::1 */
    bool ipv6;
} web_addr;

/* "127.0.0.1:8080", "localhost:8080", "[::1]:8080", "0.0.0.0:8080", "[::]:8080", ":8080" (every
 * interface) or "8080" (loopback). Host names other than localhost are refused: the address a
 * dashboard binds to should be explicit. */
bool web_addr_parse(const char *text, web_addr *out, char *errstr, size_t errstr_size);

/* Whether an Origin header value may open a WebSocket or log in: it equals
 * "http(s)://" + the request's Host header (scheme by tls), or one of allowed[] exactly
 * ("https://console.example.com"). Comparison ignores ASCII case. */
bool web_origin_ok(const char *origin, size_t origin_len, const char *host, size_t host_len,
                   bool tls, const char *const *allowed, size_t allowed_count);

/* Whether a Host header names a loopback address (127.x.x.x, [::1] or localhost, any port). */
bool web_host_is_loopback(const char *host, size_t len);

#endif
