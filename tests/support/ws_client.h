/* ws_client: a small WebSocket (RFC 6455) and HTTP/1.1 client for tests and benchmarks.
 *
 * Written by hand rather than on libwebsockets so that tests can do what a well-behaved library
 * never does: send oversized, fragmented, binary or malformed frames, stop reading, or connect
 * with a foreign Origin. Plain TCP only (TLS is exercised from the browser test). Blocking calls
 * take a timeout; ws_client_feed()/ws_client_next() parse what the caller read itself, for the
 * benchmark's epoll loop over a thousand clients.
 */
#ifndef OFC_TEST_WS_CLIENT_H
#define OFC_TEST_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WS_OP_CONT = 0,
    WS_OP_TEXT = 1,
    WS_OP_BINARY = 2,
    WS_OP_CLOSE = 8,
    WS_OP_PING = 9,
    WS_OP_PONG = 10,
};

typedef struct ws_client {
    int fd;
    unsigned char *in; /* received, not yet parsed */
    size_t in_len, in_cap;
    char *msg; /* message being assembled */
    size_t msg_len, msg_cap;
    int msg_opcode;
    bool closed;
    int close_code; /* from the server's close frame; 1006 if the connection just dropped */
    char close_reason[128];
    uint64_t bytes_in;
} ws_client;

typedef struct ws_opts {
    const char *path;     /* default "/live" */
    const char *protocol; /* Sec-WebSocket-Protocol; NULL: "ofc-live.v1"; "" sends none */
    const char *origin;   /* NULL: no Origin header */
    const char *cookie;   /* Cookie header value or NULL */
    const char *bearer;   /* Authorization: Bearer token or NULL */
    const char *host;     /* Host header; default "127.0.0.1:port" */
    int rcvbuf;           /* SO_RCVBUF if nonzero (a slow client) */
} ws_opts;

/* Connect and do the opening handshake. Returns the HTTP status (101 on success; then the
 * client is open) or -1 when the TCP connection failed. The response headers go to
 * resp_headers if not NULL (malloc'd). */
int ws_client_connect(ws_client *c, int port, const ws_opts *o, int timeout_ms,
                      char **resp_headers);
void ws_client_close(ws_client *c);

/* Send one frame (masked, as a client must). */
bool ws_client_send_frame(ws_client *c, int opcode, bool fin, const void *data, size_t len);
bool ws_client_send_text(ws_client *c, const char *text);

/* The next whole message (text or binary; continuation frames joined, pings answered).
 * Returns 1 with *msg (malloc'd, NUL-terminated), 0 on timeout, -1 when the connection closed
 * (close_code/close_reason set). */
int ws_client_recv(ws_client *c, char **msg, size_t *len, int timeout_ms);

/* For event loops: add bytes read from c->fd, then take messages while ws_client_next()
 * returns 1 (-1: closed or a protocol error). */
void ws_client_feed(ws_client *c, const void *data, size_t len);
int ws_client_next(ws_client *c, char **msg, size_t *len);

/* One HTTP/1.1 request on a fresh connection (Connection: close). extra_headers holds whole
 * lines each ending in \r\n (or is NULL); a Host line there replaces the default one. Returns the
 * status (-1 on failure); the response headers and body are malloc'd into *headers and *body when
 * those are not NULL. */
int http_request(int port, const char *method, const char *path, const char *extra_headers,
                 const char *body, int timeout_ms, char **headers, char **resp_body);

/* A header's value from a header block (case-insensitive name), malloc'd, or NULL. */
char *http_header(const char *headers, const char *name);

#endif
