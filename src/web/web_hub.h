/* web_hub: what every dashboard client is sent, and when; no sockets.
 *
 * The hub subscribes to the model (batched: once per flush) and keeps one channel per distinct
 * subscription (a UNS prefix, "" for the whole plant). Per batch each channel serializes at most
 * one delta, numbered by the channel's sequence, into its ring (web_buf.h); latest-value
 * messages (the alarm list and the stale set per channel, the feed status for everyone) are
 * replaced rather than queued, so a slow client only ever gets their newest version. Snapshots
 * are serialized once per channel and state, shared by every client that needs one.
 *
 * A client (one WebSocket) is a cursor over all this: web_client_next_frame() hands the socket
 * layer the next frame, at most `cap` bytes, in priority order: the rest of a message already
 * started, direct replies (hello, pong, history, error), a snapshot when one is due, the next
 * delta, the alarm list, the stale set, the status. Large messages go out as several frames of
 * one WebSocket message, so the socket layer never buffers more than one frame per client. A
 * client whose next delta was dropped from the ring is behind: it is sent a fresh snapshot
 * (reason "behind") and carries on from there.
 *
 * Thread: the loop thread that owns the model.
 */
#ifndef OFC_WEB_HUB_H
#define OFC_WEB_HUB_H

#include "asset_model.h"
#include "feed.h"
#include "web_buf.h"
#include "web_msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct web_hub web_hub;
typedef struct web_client web_client;

typedef struct web_hub_opts {
    size_t ring_msgs;       /* deltas kept per channel; default 1024 */
    size_t ring_bytes;      /* delta bytes kept per channel; default 4 MiB */
    size_t max_channels;    /* distinct subscriptions at once; default 64 */
    size_t max_alarms;      /* alarms listed in one message; default 500 */
    int64_t stale_after_us; /* ofc_asset_stale()'s threshold; 0: stale only while disconnected */
    const char *replica;    /* this server's name in hello and status; copied */
} web_hub_opts;

typedef struct web_hub_stats {
    uint64_t frames;          /* WebSocket frames handed out */
    uint64_t messages;        /* whole messages handed out */
    uint64_t bytes;           /* payload bytes handed out */
    uint64_t deltas;          /* delta messages made (per channel) */
    uint64_t delta_bytes;     /* bytes of those */
    uint64_t snapshots;       /* snapshot messages started */
    uint64_t resyncs_behind;  /* snapshots sent because a client fell behind */
    uint64_t resyncs_asked;   /* snapshots a client asked for (resync) */
    uint64_t ring_dropped;    /* deltas dropped over a ring's budget */
    uint64_t snapshot_builds; /* snapshot documents serialized */
    size_t clients;
    size_t channels;
    size_t ring_bytes; /* bytes held in rings now */
} web_hub_stats;

/* frame flags */
#define WEB_FRAME_FIRST 1u /* starts a message (else a continuation) */
#define WEB_FRAME_FIN   2u /* ends it */

/* model and feed are borrowed and must outlive the hub; feed may be NULL (no status). */
web_hub *web_hub_new(ofc_model *model, ofc_feed *feed, const web_hub_opts *opts);
void web_hub_destroy(web_hub *hub);

/* Whether the server takes signed commands: told to every client in hello. */
void web_hub_set_commands(web_hub *hub, bool enabled);

/* Called when clients may have something new to send (after a flush or tick). */
void web_hub_set_notify(web_hub *hub, void (*fn)(void *opaque), void *opaque);

/* Deliver the model's pending changes: deltas into the rings, alarm lists. Returns the number
 * of changes. */
size_t web_hub_flush(web_hub *hub);
/* About once a second: the status message and the stale sets. */
void web_hub_tick(web_hub *hub, int64_t now_us);
const web_hub_stats *web_hub_get_stats(const web_hub *hub);

/* A new client subscribed to `uns` ("" or NULL: the whole plant; the whole plant too, with an
 * error message, when the hub follows too many subscriptions), to be sent hello and a
 * snapshot. user, role and uns are copied. Owned by the caller; free with
 * web_client_destroy(). */
web_client *web_client_new(web_hub *hub, const char *user, const char *role, bool auth,
                           const char *uns);
void web_client_destroy(web_client *c);

/* Act on a parsed client message. Returns false (with a close reason) when the client must be
 * closed: its replies would pile up beyond the small bound a client that reads never reaches. */
bool web_client_handle(web_client *c, const web_msg *msg, char *why, size_t why_size);

/* Queue a message for this client alone (a command's state, a refusal); takes the caller's
 * reference. Returns false (dropping it, with a close reason) when replies pile up unread. */
bool web_client_reply(web_client *c, web_buf *b, char *why, size_t why_size);

/* The next frame: copies at most cap bytes into dst and sets *flags. Returns 0 when nothing is
 * waiting. What is handed out counts as sent (the socket layer buffers a short write). */
size_t web_client_next_frame(web_client *c, unsigned char *dst, size_t cap, unsigned *flags,
                             int64_t now_us);
/* Whether web_client_next_frame() would return something (cheap). */
bool web_client_has_output(const web_client *c);
/* Output has waited more than limit_us without a frame being taken: the peer does not read. */
bool web_client_stalled(const web_client *c, int64_t now_us, int64_t limit_us);
const char *web_client_user(const web_client *c);
/* The client's subscription ("" = whole plant) and its last delta seq handed out. */
const char *web_client_uns(const web_client *c);

#endif
