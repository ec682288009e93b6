/* feed: reads OpenFactory's topics from Kafka into an asset model, and reports how it goes.
 *
 * One librdkafka consumer with manual assignment of every partition (never a consumer group
 * join, never a commit: a console must not steal partitions from a service, wire §9), using a
 * console-unique group.id only because librdkafka needs one for its consumer queue. The state
 * topics (UNS map, types, availability) are always read from the beginning, so the plant is
 * rebuilt by replay; `ofa_assets` starts where the user chose (start.since); with start.table
 * the ASSETS table is read to its end first for latest values (large clusters, wire §3.2).
 *
 * Loop integration: ofc_feed_wake_fd() becomes readable when records or events wait (librdkafka's
 * queue io-event, rd_kafka_queue_io_event_enable). The loop calls ofc_feed_service() when it is
 * readable, again without sleeping while it returns true, ofc_model_flush() once per turn, and
 * ofc_feed_tick() about once a second. Blocking Kafka lookups (metadata, offsets for a time)
 * run on one resolver thread whose only output is a result handed over under a mutex, so the
 * loop never blocks on the network.
 *
 * Rebuilding the plant as of a past time is a matter of a start position and a stop offset per
 * partition: the model is a pure fold of records in partition order.
 */
#ifndef OFC_FEED_H
#define OFC_FEED_H

#include "asset_model.h"
#include "config.h"
#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ofc_feed ofc_feed;

typedef enum ofc_feed_topic {
    OFC_FEED_ASSETS = 0, /* ofa_assets */
    OFC_FEED_UNS_MAP,
    OFC_FEED_TYPES,
    OFC_FEED_AVAIL,
    OFC_FEED_TABLE, /* ASSETS, only with start.table */
    OFC_FEED__TOPICS
} ofc_feed_topic;

typedef struct ofc_feed_status {
    bool connected;         /* at least one broker connection is up */
    int64_t state_since_us; /* wall clock of the last connected/disconnected change */
    bool ever_connected;    /* false until the first broker came up */
    bool assigned;          /* partitions looked up and assigned */
    bool caught_up;         /* every partition reached its end as of assignment */
    int64_t caught_up_us;   /* wall clock when caught_up became true, 0 before */
    double records_per_s;   /* applied records per second over the last tick */
    int64_t lag;            /* records behind the high watermarks; -1 if unknown */
    uint64_t records;       /* records read (accepted + rejected) */
    uint64_t rejected;      /* sum of rejected_by[] */
    uint64_t rejected_by[OFC_REJECT__COUNT];
    size_t partitions; /* assigned partitions */
    bool topic_missing[OFC_FEED__TOPICS];
    char last_error[256]; /* most recent Kafka error, "" if none */
} ofc_feed_status;

/* Create the consumer and start looking up partitions. The model is borrowed and must outlive
 * the feed. A broker that is not reachable is not an error here: the feed keeps trying and
 * reports it in the status. Fails only on bad configuration. Owned by the caller. */
ofc_feed *ofc_feed_new(const ofc_config *cfg, ofc_model *model, char *errstr, size_t errstr_size);
/* Closes the consumer (commits nothing) and joins the resolver thread. */
void ofc_feed_destroy(ofc_feed *feed);

int ofc_feed_wake_fd(const ofc_feed *feed);
/* Drain the wake fd and apply up to max_records records. Returns true if more are waiting. */
bool ofc_feed_service(ofc_feed *feed, size_t max_records);
/* Rates, lag, connection state and missing-topic retries; call about once a second. */
void ofc_feed_tick(ofc_feed *feed);

const ofc_feed_status *ofc_feed_get_status(const ofc_feed *feed);
const char *ofc_feed_topic_name(const ofc_feed *feed, ofc_feed_topic topic);

/* Per-partition positions (for `ofc snapshot` and replicas comparing their views). */
size_t ofc_feed_partition_count(const ofc_feed *feed);
/* next_offset: the offset after the last record applied (or the start offset). */
bool ofc_feed_partition_at(const ofc_feed *feed, size_t i, ofc_feed_topic *topic,
                           int32_t *partition, int64_t *next_offset, int64_t *end_offset);

/* Called for every ofa_assets record before it is parsed, with the raw key and value (either
 * may be NULL) and where it came from: for tools that must see the bytes, such as the command
 * verifier and the audit view. Must not call back into the feed. */
typedef void (*ofc_feed_tap_fn)(void *opaque, const void *key, size_t key_len, const void *value,
                                size_t value_len, const ofc_origin *origin);
void ofc_feed_set_assets_tap(ofc_feed *feed, ofc_feed_tap_fn fn, void *opaque);

/* Wire the feed into a loop: its wake fd, a one-second tick, and a model flush before every
 * sleep. max_per_turn bounds the records applied per loop turn so other fds (keys) stay live. */
struct ofc_loop;
void ofc_feed_attach(ofc_feed *feed, struct ofc_loop *loop, size_t max_per_turn);

#endif
