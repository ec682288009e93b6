/* web_internal: the server state shared by web_server.c (context, loop, feed), web_http.c
 * (HTTP routes, login, upgrade checks), web_live.c (the ofc-live.v1 WebSocket), web_command.c
 * (signed commands, the audit) and web_metrics.c. Not a public interface: only those files
 * include it. */
#ifndef OFC_WEB_INTERNAL_H
#define OFC_WEB_INTERNAL_H

#include "asset_model.h"
#include "config.h"
#include "feed.h"
#include "web_addr.h"
#include "web_hub.h"
#include "web_json.h"
#include "web_msg.h"
#include "web_server.h"
#include "web_session.h"
#include "web_users.h"

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Largest frame handed to lws at once: a slow client costs at most this much buffered. */
#define WEB_FRAME_MAX (16 * 1024)

enum web_protocol_index {
    WEB_PROTO_HTTP = 0,
    WEB_PROTO_LIVE,
    WEB_PROTO_FEED,
    WEB_PROTO_CMD, /* the commander's wake fd (web_command.c) */
    WEB_PROTO__COUNT
};

/* Why the server refused a command from a page (besides the verifier's verdicts). */
#define WEB_CMD_REFUSE_LIST(X)                                                                  \
    X(READ_ONLY, "read_only", "this server has no trust store (--trust): it takes no commands") \
    X(NOT_OPERATOR, "not_operator", "your web user does not have the operator role")            \
    X(TRUST_UNAVAILABLE, "trust_unavailable",                                                   \
      "the trust store cannot be read: every command is refused until it is fixed")             \
    X(VERDICT, "verdict", "the verifier refused the command")

typedef enum web_cmd_refuse {
#define WEB_CMD_REFUSE_ENUM(name, label, desc) WEB_CMD_REFUSE_##name,
    WEB_CMD_REFUSE_LIST(WEB_CMD_REFUSE_ENUM)
#undef WEB_CMD_REFUSE_ENUM
        WEB_CMD_REFUSE__COUNT
} web_cmd_refuse;

const char *web_cmd_refuse_name(web_cmd_refuse r); /* "read_only", ... */
const char *web_cmd_refuse_str(web_cmd_refuse r);

/* Filters of GET /audit (NULL or 0: any). */
typedef struct web_audit_query {
    const char *operator_id;
    const char *asset;
    int64_t since_us, until_us;
    size_t limit; /* entries in the JSON view; 0: 500 (the NDJSON export has every match) */
} web_audit_query;

typedef struct web_cmd web_cmd;

/* Why an upgrade or request was refused (counted for /metrics). */
#define WEB_REFUSE_LIST(X)  \
    X(AUTH, "auth")         \
    X(ORIGIN, "origin")     \
    X(HOST, "host")         \
    X(PROTOCOL, "protocol") \
    X(PATH, "path")         \
    X(LIMIT, "limit")       \
    X(RATE, "rate")

typedef enum web_refuse {
#define WEB_REFUSE_ENUM(name, label) WEB_REFUSE_##name,
    WEB_REFUSE_LIST(WEB_REFUSE_ENUM)
#undef WEB_REFUSE_ENUM
        WEB_REFUSE__COUNT
} web_refuse;

/* Why the server closed a WebSocket (counted for /metrics). */
#define WEB_CLOSE_LIST(X)     \
    X(MALFORMED, "malformed") \
    X(TOO_BIG, "too_big")     \
    X(BINARY, "binary")       \
    X(RATE, "rate")           \
    X(REPLIES, "replies")     \
    X(STALLED, "stalled")     \
    X(REVOKED, "revoked")     \
    X(SHUTDOWN, "shutdown")

typedef enum web_close {
#define WEB_CLOSE_ENUM(name, label) WEB_CLOSE_##name,
    WEB_CLOSE_LIST(WEB_CLOSE_ENUM)
#undef WEB_CLOSE_ENUM
        WEB_CLOSE__COUNT
} web_close;

typedef struct web_counters {
    uint64_t ws_accepted;
    uint64_t refused[WEB_REFUSE__COUNT];
    uint64_t closed[WEB_CLOSE__COUNT];
    uint64_t logins_ok, logins_failed;
    uint64_t http_requests;
    uint64_t client_messages;
} web_counters;

/* Per WebSocket (lws per-session data of ofc-live.v1). */
typedef struct web_live_pss {
    web_client *client;
    uint64_t serial; /* names the connection for replies that come later (command states) */
    struct lws *wsi;
    char user[WEB_USER_NAME_MAX + 1];
    web_role role;
    bool authed;
    unsigned char token_hash[WEB_TOKEN_HASH_SIZE]; /* the user's at connect: revocation */
    char *rx; /* a message arriving in several pieces; NULL otherwise */
    size_t rx_len;
    unsigned rx_pieces;
    double tokens; /* rate limit bucket */
    int64_t tokens_us;
    int close_code;         /* nonzero: close with this code at the next writable */
    char close_reason[124]; /* a close frame holds at most 123 bytes of reason */
    struct web_live_pss *prev, *next;
} web_live_pss;

struct web_server {
    ofc_config *cfg;
    web_server_opts opts;
    char *replica;
    char **allow_origins;
    ofc_model *model;
    ofc_feed *feed;
    web_hub *hub;
    web_msg_parser *parser;

    struct lws_context *context;
    struct lws_vhost *vhost, *metrics_vhost;
    struct lws_protocols protocols[WEB_PROTO__COUNT + 1];
    struct lws_protocols metrics_protocols[2];
    struct lws_http_mount mounts[8];
    struct lws_http_mount metrics_mounts[2];
    struct lws_protocol_vhost_options headers[8];
    web_addr listen, metrics_addr;
    bool tls;
    int port, metrics_port;

    /* authentication */
    web_users users;
    int64_t users_mtime_ns, users_ctime_ns;
    off_t users_size;
    web_session_key key;
    const char *cookie_name;
    double login_tokens;
    int64_t login_tokens_us;

    /* loop */
    struct lws *feed_wsi;
    lws_sorted_usec_list_t sul_more, sul_flush, sul_tick;
    bool flush_scheduled;
    int64_t last_flush_us;
    bool stopping;

    /* clients */
    web_live_pss *live;
    size_t live_count;
    uint64_t next_serial;

    web_cmd *cmd;         /* signed commands and the audit (web_command.c) */
    unsigned char *frame; /* LWS_PRE + WEB_FRAME_MAX: where frames are staged for lws_write */

    web_counters counters;
    int64_t started_us;
};

typedef struct web_server web_server;

/* web_http.c */
int web_http__callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len);
int web_http__metrics_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                               void *in, size_t len);
size_t web_http__pss_size(void);
/* Who a request is (session cookie, bearer token, or nobody with --no-auth). Returns false if
 * unauthenticated, with *why. */
bool web_http__identify(web_server *srv, struct lws *wsi, char *user, web_role *role,
                        const char **why);
/* Whether the request's Origin (if any) may act on this server. */
bool web_http__origin_ok(web_server *srv, struct lws *wsi);

/* web_live.c */
int web_live__callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len);
/* Wake every client that may have something to send. */
void web_live__notify(void *opaque);
/* Once a second: close clients that stalled or whose user was removed. */
void web_live__tick(web_server *srv, int64_t mono_us);
/* Ask every client to close with 1001 going away. */
void web_live__shutdown(web_server *srv);

/* web_server.c */
/* Re-read the users file if it changed (size or mtime). */
void web_server__reload_users(web_server *srv);
/* Let the loop flush model changes into deltas soon (paced by delta_interval). */
void web_server__schedule_flush(web_server *srv);

/* web_command.c */
/* Trust store, verifier, commander (its wake fd adopted into srv->vhost) and the audit on the
 * feed's tap: call after the vhost exists and before the feed is first serviced. */
bool web_command__init(web_server *srv, char *errstr, size_t errstr_size);
void web_command__destroy(web_server *srv);
/* Once a second: the trust store read again if its file changed; command timeouts. */
void web_command__tick(web_server *srv);
struct lws_protocols web_command__protocol(void);
/* A "command" message from a page: verify, produce or refuse; the answer goes to that page. */
void web_command__handle(web_server *srv, web_live_pss *pss, const web_msg *msg);
/* A "policy" message: what the trust store says of a key (and of it doing method on target),
 * for the page's key dialog and review; only to operators, who may send commands. */
void web_command__policy(web_server *srv, web_live_pss *pss, const web_msg *msg);
bool web_command__trusted(const web_server *srv);
/* GET /audit's body (malloc'd): JSON for the page's view, or NDJSON for export. */
char *web_command__audit(web_server *srv, const web_audit_query *q, bool ndjson, size_t *len);
void web_command__metrics(web_server *srv, FILE *f);

/* web_metrics.c: the Prometheus text exposition into a malloc'd buffer. */
char *web_metrics__render(web_server *srv, size_t *len);

#endif
