/* web_server: `ofc web`, the dashboard server: libwebsockets serving static/ and the
 * ofc-live.v1 WebSocket, fed by the core's feed and model on lws's own event loop.
 *
 * One thread runs everything: lws's poll loop, the feed's wake fd adopted into it as a raw
 * file descriptor (LWS_CALLBACK_RAW_RX_FILE -> ofc_feed_service), lws_sul timers for "more
 * records wait", the coalesced model flush and the one-second tick. There is no second loop and
 * nothing is locked. See docs/protocol.md for the wire protocol and README "Web dashboard" for
 * the security model.
 */
#ifndef OFC_WEB_SERVER_H
#define OFC_WEB_SERVER_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct web_server web_server;

typedef struct web_server_opts {
    const char *listen;         /* ADDR:PORT of the dashboard; default 127.0.0.1:8080 */
    const char *metrics_listen; /* NULL: no separate listener for /metrics and /healthz */
    const char *static_dir;     /* the page; default web_default_static_dir() */
    const char *users_path;     /* users file (web_users.h); NULL only with no_auth */
    bool no_auth;               /* no credential asked: refused unless listen is loopback */
    const char *secret_path;    /* session secret shared by replicas; NULL: per process */
    int64_t session_ttl_s;      /* default 12 h */
    const char *cert_path;      /* TLS certificate (PEM) and key; both or neither */
    const char *key_path;
    const char *const *allow_origins; /* extra Origins allowed (e.g. behind a proxy) */
    size_t allow_origin_count;
    size_t max_clients;        /* WebSockets at once; default 4096 */
    int64_t delta_interval_us; /* least time between two deltas; 0: every loop turn */
    int64_t stale_after_us;    /* ofc_asset_stale()'s threshold; 0: only while disconnected */
    int64_t stall_timeout_us;  /* close a client that takes nothing for this long; 30 s */
    size_t backlog_msgs;       /* deltas kept per subscription for slow clients; 1024 */
    size_t backlog_bytes;      /* and their bytes; 4 MiB */
    const char *replica;       /* name in hello/status; default the host name */
    const char *trust_path;    /* trust store for signed commands; NULL: read-only */
    FILE *announce;            /* gets "ofc web: listening on URL" lines; may be NULL */
} web_server_opts;

/* Where the page lives unless --static says otherwise (the source tree's static/ for a build
 * tree; packaging points it at /usr/share). */
const char *web_default_static_dir(void);

/* Build the model, the feed and the server and start listening. Fails (NULL, errstr) on bad
 * options, a refused configuration (no authentication on a non-loopback address), unreadable
 * users, secret, certificate or static files, or a port that cannot be bound. cfg is copied. */
web_server *web_server_new(const ofc_config *cfg, const web_server_opts *opts, char *errstr,
                           size_t errstr_size);
/* Serve until stop(opaque) returns true (checked at least once a second), then close every
 * WebSocket with 1001 "going away". Returns 0. */
int web_server_run(web_server *srv, bool (*stop)(void *opaque), void *opaque);
void web_server_destroy(web_server *srv);

/* True once the feed has read every partition to its end as of its assignment: the moment an
 * OpenFactory app may report itself AVAILABLE (deployment notes §5.2). */
bool web_server_caught_up(const web_server *srv);
/* The port /metrics answers on: the metrics listener's when there is one, else the dashboard's
 * (the Prometheus target an app registers). */
int web_server_metrics_port(const web_server *srv);

#endif
