/* feed_resolver: the feed's blocking Kafka look-ups, on a thread of their own.
 *
 * Finding partitions (metadata), their ends (watermarks) and the offset for a start time all
 * block on the network, and a console must keep answering keys while the broker is away. The
 * resolver thread does one round of look-ups and hands a result back; the loop thread picks it
 * up with resolver_take() when the wake fd fires. The only shared state is the result slot,
 * under one mutex, plus an atomic cancel flag.
 *
 * Start time: rd_kafka_offsets_for_times() where the broker answers it; where it answers -1
 * (past the last record, or the embedded mock broker, which answers -1 always) the offset is
 * found by binary search over the partition, reading one record's timestamp per probe.
 */
#ifndef OFC_FEED_RESOLVER_H
#define OFC_FEED_RESOLVER_H

#include "config.h"
#include "feed.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct resolver_request {
    rd_kafka_t *rk;                       /* borrowed: the feed's consumer */
    const rd_kafka_conf_t *probe_conf;    /* borrowed: copied for a probe consumer if needed */
    const char *topics[OFC_FEED__TOPICS]; /* borrowed; NULL = not wanted this round */
    int32_t known[OFC_FEED__TOPICS];      /* partitions already assigned per topic */
    ofc_start_kind assets_start;
    int64_t assets_start_us;
    int wake_fd; /* written once when the result is ready */
    int timeout_ms;
} resolver_request;

typedef struct resolved_partition {
    ofc_feed_topic topic;
    int32_t partition;
    int64_t start_offset; /* an absolute offset */
    int64_t end_offset;   /* high watermark at look-up */
} resolved_partition;

typedef struct resolver_result {
    ofc_err err; /* OFC_OK, or why the round failed (nothing is assigned then) */
    char errstr[256];
    bool missing[OFC_FEED__TOPICS];
    resolved_partition *parts; /* owned by the result; new partitions only */
    size_t part_count;
} resolver_result;

typedef struct resolver resolver;

/* Start one round. Strings in req must stay valid until resolver_destroy(). */
resolver *resolver_start(const resolver_request *req);
/* The result once ready (ownership passes to the caller: resolver_result_free()), else NULL. */
resolver_result *resolver_take(resolver *r);
/* Ask the thread to stop early and join it. */
void resolver_destroy(resolver *r);
void resolver_result_free(resolver_result *res);

/* Exposed for tests: offset of the first record with timestamp >= time_ms in [low, high),
 * found by binary search with a probe consumer (high if none). */
ofc_err resolver_seek_time_by_probe(const rd_kafka_conf_t *probe_conf, const char *topic,
                                    int32_t partition, int64_t low, int64_t high, int64_t time_ms,
                                    int64_t *offset, char *errstr, size_t errstr_size);

#endif
