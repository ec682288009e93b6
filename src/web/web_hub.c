/* web_hub: channels (one per subscription), their delta rings and latest-value messages, and
 * the per-client cursor that decides what goes out next. */
#include "web_hub.h"

#include "json_writer.h"
#include "snapshot_json.h"
#include "timeutil.h"
#include "web_buf.h"
#include "web_json.h"
#include "xmalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies waiting for a client: more than a burst of requests (web_live.c allows 20) so a
 * client that reads is never cut off, few enough bytes that one that does not read costs
 * little before it is closed. */
#define MAX_REPLIES          32
#define MAX_REPLY_BYTES      (512 * 1024)
#define SNAPSHOT_REUSE_US    (2 * 1000000LL)
#define WEB_USER_FIELD_BYTES 72

typedef struct web_channel {
    char *prefix;
    size_t clients;
    uint64_t seq; /* last delta made; the ring holds seq first..seq */
    web_ring ring;
    web_buf *snapshot; /* cached document, valid while no batch came since */
    uint64_t snapshot_seq, snapshot_batch;
    int64_t snapshot_mono_us;
    web_buf *alarms;
    uint64_t alarms_ver;
    web_buf *stale;
    uint64_t stale_ver;
    struct web_channel *next;
} web_channel;

typedef enum snap_reason {
    SNAP_NONE = 0,
    SNAP_CONNECT,
    SNAP_SUBSCRIBE,
    SNAP_RESYNC,
    SNAP_BEHIND,
} snap_reason;

static const char *const snap_names[] = {"none", "connect", "subscribe", "resync", "behind"};

struct web_client {
    web_hub *hub;
    web_channel *ch;
    char user[WEB_USER_FIELD_BYTES];
    char role[16];
    bool auth;
    snap_reason snap;
    uint64_t next_seq; /* next delta of ch to send */
    uint64_t alarms_ver, stale_ver, status_ver;
    web_buf *parts[3]; /* the message being sent: its parts in order */
    size_t nparts, part, off;
    bool started;
    web_buf *replies[MAX_REPLIES];
    size_t nreplies, reply_bytes;
    int64_t progress_us; /* last time a frame was taken, or nothing was waiting */
    web_client *prev, *next;
};

struct web_hub {
    ofc_model *model;
    ofc_feed *feed;
    web_hub_opts opts;
    char *replica;
    int sub_id;
    web_channel *channels;
    web_client *clients;
    web_buf *status;
    uint64_t status_ver;
    uint64_t batches;
    int64_t now_us;
    web_asset_set set;
    size_t set_cap;
    json_writer jw;
    void (*notify)(void *opaque);
    void *notify_opaque;
    web_hub_stats stats;
    bool commands;
};

static void on_batch(void *opaque, const ofc_change_batch *batch);

/* ---- channels ---- */

static web_buf *take_jw(web_hub *hub)
{
    size_t len;
    char *data = jw_take(&hub->jw, &len);
    return web_buf_wrap(data, len);
}

/* Replace *slot with the writer's content if it differs; returns true if it did. */
static bool replace_if_changed(web_hub *hub, web_buf **slot, uint64_t *ver)
{
    if (*slot && (*slot)->len == hub->jw.len &&
        memcmp((*slot)->data, hub->jw.buf, hub->jw.len) == 0)
        return false;
    web_buf_unref(*slot);
    *slot = take_jw(hub);
    (*ver)++;
    return true;
}

static bool connected(const web_hub *hub)
{
    return hub->feed ? ofc_feed_get_status(hub->feed)->connected : true;
}

static bool channel_refresh_stale(web_hub *hub, web_channel *ch)
{
    web_json_stale(&hub->jw, hub->model, ch->prefix, hub->now_us ? hub->now_us : ofc_time_now_us(),
                   connected(hub), hub->opts.stale_after_us);
    return replace_if_changed(hub, &ch->stale, &ch->stale_ver);
}

static bool refresh_alarms(web_hub *hub, web_channel *only)
{
    const ofc_attr **list = NULL;
    size_t w, f, n = ofc_model_alarms(hub->model, &list, &w, &f);
    bool changed = false;
    for (web_channel *ch = hub->channels; ch; ch = ch->next) {
        if (only && ch != only)
            continue;
        web_json_alarms(&hub->jw, list, n, ch->prefix, hub->opts.max_alarms);
        changed |= replace_if_changed(hub, &ch->alarms, &ch->alarms_ver);
    }
    free(list);
    return changed;
}

/* The channel of a prefix, made if need be; NULL when there are max_channels already ("" is
 * always granted, so every client has somewhere to be). */
static web_channel *channel_get(web_hub *hub, const char *prefix)
{
    size_t n = 0;
    for (web_channel *ch = hub->channels; ch; ch = ch->next, n++) {
        if (strcmp(ch->prefix, prefix) == 0) {
            ch->clients++;
            return ch;
        }
    }
    if (n >= hub->opts.max_channels && *prefix)
        return NULL;
    /* Pending changes belong to deltas the existing channels send; the new one starts from
     * what its first snapshot will show. */
    if (ofc_model_pending(hub->model))
        web_hub_flush(hub);
    web_channel *ch = xcalloc(1, sizeof *ch);
    ch->prefix = xstrdup(prefix);
    ch->clients = 1;
    web_ring_init(&ch->ring, hub->opts.ring_msgs, hub->opts.ring_bytes, 1);
    ch->next = hub->channels;
    hub->channels = ch;
    refresh_alarms(hub, ch);
    channel_refresh_stale(hub, ch);
    return ch;
}

static void channel_release(web_hub *hub, web_channel *ch)
{
    assert(ch->clients > 0);
    if (--ch->clients)
        return;
    for (web_channel **pp = &hub->channels; *pp; pp = &(*pp)->next) {
        if (*pp == ch) {
            *pp = ch->next;
            break;
        }
    }
    hub->stats.ring_dropped += ch->ring.dropped;
    web_ring_fini(&ch->ring);
    web_buf_unref(ch->snapshot);
    web_buf_unref(ch->alarms);
    web_buf_unref(ch->stale);
    free(ch->prefix);
    free(ch);
}

/* Free the deltas every client of the channel has already taken. */
static void channel_trim(web_hub *hub, web_channel *ch)
{
    uint64_t min = ch->ring.next;
    for (web_client *c = hub->clients; c; c = c->next)
        if (c->ch == ch && c->snap == SNAP_NONE && c->next_seq < min)
            min = c->next_seq;
    web_ring_trim(&ch->ring, min);
}

static web_buf *channel_snapshot(web_hub *hub, web_channel *ch)
{
    /* A snapshot must reflect exactly the deltas made so far, so pending changes become a
     * delta first (for the clients already following). */
    if (ofc_model_pending(hub->model))
        web_hub_flush(hub);
    int64_t mono = ofc_time_mono_us();
    if (ch->snapshot && ch->snapshot_batch == hub->batches &&
        mono - ch->snapshot_mono_us < SNAPSHOT_REUSE_US)
        return ch->snapshot;
    ofc_snapshot_opts opts = {ch->prefix, false, false};
    jw_reset(&hub->jw);
    ofc_snapshot_write(&hub->jw, hub->model, hub->feed, &opts);
    web_buf_unref(ch->snapshot);
    ch->snapshot = take_jw(hub);
    ch->snapshot_seq = ch->seq;
    ch->snapshot_batch = hub->batches;
    ch->snapshot_mono_us = mono;
    hub->stats.snapshot_builds++;
    return ch->snapshot;
}

/* ---- hub ---- */

static void refresh_status(web_hub *hub)
{
    web_json_status(&hub->jw, hub->feed, hub->stats.clients, hub->replica,
                    hub->now_us ? hub->now_us : ofc_time_now_us());
    web_buf_unref(hub->status);
    hub->status = take_jw(hub);
    hub->status_ver++;
}

web_hub *web_hub_new(ofc_model *model, ofc_feed *feed, const web_hub_opts *opts)
{
    web_hub *hub = xcalloc(1, sizeof *hub);
    hub->model = model;
    hub->feed = feed;
    if (opts)
        hub->opts = *opts;
    if (!hub->opts.ring_msgs)
        hub->opts.ring_msgs = 1024;
    if (!hub->opts.ring_bytes)
        hub->opts.ring_bytes = 4u << 20;
    if (!hub->opts.max_channels)
        hub->opts.max_channels = 64;
    if (!hub->opts.max_alarms)
        hub->opts.max_alarms = 500;
    hub->replica = xstrdup(hub->opts.replica ? hub->opts.replica : "");
    hub->opts.replica = hub->replica;
    jw_init(&hub->jw);
    hub->sub_id = ofc_model_subscribe(model, on_batch, hub, 0);
    refresh_status(hub);
    return hub;
}

void web_hub_destroy(web_hub *hub)
{
    if (!hub)
        return;
    while (hub->clients)
        web_client_destroy(hub->clients);
    ofc_model_unsubscribe(hub->model, hub->sub_id);
    web_buf_unref(hub->status);
    free(hub->set.items);
    free(hub->replica);
    jw_fini(&hub->jw);
    free(hub);
}

void web_hub_set_commands(web_hub *hub, bool enabled)
{
    hub->commands = enabled;
}

void web_hub_set_notify(web_hub *hub, void (*fn)(void *opaque), void *opaque)
{
    hub->notify = fn;
    hub->notify_opaque = opaque;
}

static void notify(web_hub *hub)
{
    if (hub->notify)
        hub->notify(hub->notify_opaque);
}

static int cmp_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static void on_batch(void *opaque, const ofc_change_batch *batch)
{
    web_hub *hub = opaque;
    bool alarms_dirty = false, any = false;
    int64_t now = ofc_time_now_us();

    hub->batches++;
    hub->set.count = 0;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind == OFC_CHANGE_ASSET) {
            if (hub->set.count == hub->set_cap) {
                hub->set_cap = hub->set_cap ? hub->set_cap * 2 : 64;
                hub->set.items = xreallocarray(hub->set.items, hub->set_cap, sizeof(uintptr_t));
            }
            hub->set.items[hub->set.count++] = (uintptr_t)ch->asset;
            alarms_dirty = true;
        } else if (ofc_attr_condition_level(ch->attr) != OFC_COND_NONE) {
            alarms_dirty = true;
        }
    }
    if (hub->set.count > 1)
        qsort(hub->set.items, hub->set.count, sizeof(uintptr_t), cmp_uintptr);
    for (web_channel *ch = hub->channels; ch; ch = ch->next) {
        if (!web_json_delta(&hub->jw, batch, &hub->set, ch->prefix, ch->seq + 1, now))
            continue;
        uint64_t dropped = ch->ring.dropped;
        hub->stats.delta_bytes += hub->jw.len;
        ch->seq = web_ring_push(&ch->ring, take_jw(hub));
        hub->stats.ring_dropped += ch->ring.dropped - dropped;
        ch->ring.dropped = dropped;
        hub->stats.deltas++;
        channel_trim(hub, ch);
        any = true;
    }
    if (alarms_dirty)
        any |= refresh_alarms(hub, NULL);
    if (any)
        notify(hub);
}

size_t web_hub_flush(web_hub *hub)
{
    return ofc_model_flush(hub->model);
}

void web_hub_tick(web_hub *hub, int64_t now_us)
{
    hub->now_us = now_us;
    refresh_status(hub);
    for (web_channel *ch = hub->channels; ch; ch = ch->next)
        channel_refresh_stale(hub, ch);
    notify(hub);
}

const web_hub_stats *web_hub_get_stats(const web_hub *hub)
{
    web_hub *h = (web_hub *)hub; /* the byte count is gathered on demand */
    size_t n = 0, bytes = 0;
    for (const web_channel *ch = hub->channels; ch; ch = ch->next) {
        n++;
        bytes += ch->ring.bytes;
    }
    h->stats.channels = n;
    h->stats.ring_bytes = bytes;
    return &hub->stats;
}

/* ---- clients ---- */

web_client *web_client_new(web_hub *hub, const char *user, const char *role, bool auth,
                           const char *uns)
{
    web_client *c = xcalloc(1, sizeof *c);
    c->hub = hub;
    snprintf(c->user, sizeof c->user, "%s", user);
    snprintf(c->role, sizeof c->role, "%s", role);
    c->auth = auth;
    c->ch = channel_get(hub, uns ? uns : "");
    c->snap = SNAP_CONNECT;
    c->progress_us = ofc_time_mono_us();
    web_json_hello(&hub->jw, c->user, c->role, auth, hub->replica, hub->commands,
                   ofc_time_now_us());
    c->replies[c->nreplies] = take_jw(hub);
    c->reply_bytes += c->replies[c->nreplies++]->len;
    if (!c->ch) {
        c->ch = channel_get(hub, "");
        web_json_error(&hub->jw, "too_many_subscriptions",
                       "the server follows too many different subscriptions; showing the whole "
                       "plant");
        c->replies[c->nreplies] = take_jw(hub);
        c->reply_bytes += c->replies[c->nreplies++]->len;
    }
    c->next = hub->clients;
    if (hub->clients)
        hub->clients->prev = c;
    hub->clients = c;
    hub->stats.clients++;
    return c;
}

static void drop_message(web_client *c)
{
    for (size_t i = 0; i < c->nparts; i++)
        web_buf_unref(c->parts[i]);
    c->nparts = c->part = c->off = 0;
    c->started = false;
}

void web_client_destroy(web_client *c)
{
    if (!c)
        return;
    web_hub *hub = c->hub;
    drop_message(c);
    for (size_t i = 0; i < c->nreplies; i++)
        web_buf_unref(c->replies[i]);
    if (c->prev)
        c->prev->next = c->next;
    else
        hub->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    web_channel *ch = c->ch;
    c->ch = NULL;
    channel_trim(hub, ch);
    channel_release(hub, ch);
    hub->stats.clients--;
    free(c);
}

/* The hub's serialized reply (in hub->jw) for this client. */
static bool queue_reply(web_client *c, char *why, size_t why_size)
{
    return web_client_reply(c, take_jw(c->hub), why, why_size);
}

bool web_client_reply(web_client *c, web_buf *b, char *why, size_t why_size)
{
    if (c->nreplies == MAX_REPLIES || c->reply_bytes + b->len > MAX_REPLY_BYTES) {
        web_buf_unref(b);
        snprintf(why, why_size, "too many replies waiting: the client does not read");
        return false;
    }
    c->reply_bytes += b->len;
    c->replies[c->nreplies++] = b;
    return true;
}

bool web_client_handle(web_client *c, const web_msg *msg, char *why, size_t why_size)
{
    web_hub *hub = c->hub;
    switch (msg->type) {
    case WEB_MSG_SUBSCRIBE: {
        if (strcmp(msg->uns, c->ch->prefix) != 0) {
            web_channel *ch = channel_get(hub, msg->uns);
            if (!ch) {
                web_json_error(&hub->jw, "too_many_subscriptions",
                               "the server follows too many different subscriptions; "
                               "staying on the current one");
                return queue_reply(c, why, why_size);
            }
            web_channel *old = c->ch;
            c->ch = ch;
            channel_trim(hub, old);
            channel_release(hub, old);
            c->alarms_ver = c->stale_ver = 0;
        }
        c->snap = SNAP_SUBSCRIBE;
        return true;
    }
    case WEB_MSG_RESYNC:
        c->snap = SNAP_RESYNC;
        hub->stats.resyncs_asked++;
        return true;
    case WEB_MSG_HISTORY:
        web_json_history(&hub->jw, hub->model, msg->asset);
        return queue_reply(c, why, why_size);
    case WEB_MSG_PING:
        web_json_pong(&hub->jw, msg->id, ofc_time_now_us());
        return queue_reply(c, why, why_size);
    case WEB_MSG_COMMAND: /* the server's (web_command.c): they need the trust store */
    case WEB_MSG_POLICY: break;
    }
    return true;
}

bool web_client_has_output(const web_client *c)
{
    const web_channel *ch = c->ch;
    return c->nparts || c->nreplies || c->snap != SNAP_NONE || ch->seq >= c->next_seq ||
           c->alarms_ver != ch->alarms_ver || c->stale_ver != ch->stale_ver ||
           c->status_ver != c->hub->status_ver;
}

/* Pick the next message by priority; false if nothing waits. */
static bool start_message(web_client *c)
{
    web_hub *hub = c->hub;
    web_channel *ch = c->ch;
    if (c->nreplies) {
        c->reply_bytes -= c->replies[0]->len;
        c->parts[c->nparts++] = c->replies[0];
        memmove(c->replies, c->replies + 1, --c->nreplies * sizeof *c->replies);
        return true;
    }
    if (c->snap == SNAP_NONE && ch->seq >= c->next_seq && !web_ring_get(&ch->ring, c->next_seq)) {
        c->snap = SNAP_BEHIND;
        hub->stats.resyncs_behind++;
    }
    if (c->snap != SNAP_NONE) {
        web_buf *doc = channel_snapshot(hub, ch);
        web_json_snapshot_head(&hub->jw, ch->snapshot_seq, snap_names[c->snap], ch->prefix);
        c->parts[c->nparts++] = take_jw(hub);
        c->parts[c->nparts++] = web_buf_ref(doc);
        c->parts[c->nparts++] = web_buf_copy("}", 1);
        c->next_seq = ch->snapshot_seq + 1;
        c->snap = SNAP_NONE;
        hub->stats.snapshots++;
        channel_trim(hub, ch);
        return true;
    }
    if (ch->seq >= c->next_seq) {
        c->parts[c->nparts++] = web_buf_ref(web_ring_get(&ch->ring, c->next_seq));
        c->next_seq++;
        return true;
    }
    if (c->alarms_ver != ch->alarms_ver) {
        c->parts[c->nparts++] = web_buf_ref(ch->alarms);
        c->alarms_ver = ch->alarms_ver;
        return true;
    }
    if (c->stale_ver != ch->stale_ver) {
        c->parts[c->nparts++] = web_buf_ref(ch->stale);
        c->stale_ver = ch->stale_ver;
        return true;
    }
    if (c->status_ver != hub->status_ver) {
        c->parts[c->nparts++] = web_buf_ref(hub->status);
        c->status_ver = hub->status_ver;
        return true;
    }
    return false;
}

size_t web_client_next_frame(web_client *c, unsigned char *dst, size_t cap, unsigned *flags,
                             int64_t now_us)
{
    web_hub *hub = c->hub;
    c->progress_us = now_us;
    if (!c->nparts && !start_message(c))
        return 0;
    size_t n = 0;
    while (n < cap && c->part < c->nparts) {
        web_buf *b = c->parts[c->part];
        size_t take = b->len - c->off;
        if (take > cap - n)
            take = cap - n;
        memcpy(dst + n, b->data + c->off, take);
        n += take;
        c->off += take;
        if (c->off == b->len) {
            c->part++;
            c->off = 0;
        }
    }
    *flags = c->started ? 0 : WEB_FRAME_FIRST;
    c->started = true;
    if (c->part == c->nparts) {
        *flags |= WEB_FRAME_FIN;
        drop_message(c);
        hub->stats.messages++;
    }
    hub->stats.frames++;
    hub->stats.bytes += n;
    return n;
}

bool web_client_stalled(const web_client *c, int64_t now_us, int64_t limit_us)
{
    return web_client_has_output(c) && now_us - c->progress_us > limit_us;
}

const char *web_client_user(const web_client *c)
{
    return c->user;
}

const char *web_client_uns(const web_client *c)
{
    return c->ch->prefix;
}
