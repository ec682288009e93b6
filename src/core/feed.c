/* feed: the consumer loop side: assignment from resolver results, batch consume, parse, apply,
 * catch-up tracking, connection state from librdkafka statistics, lag from cached watermarks. */
#include "feed.h"

#include "event_loop.h"
#include "feed_resolver.h"
#include "log.h"
#include "ofa_record.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_MAX            512
#define RETRY_AFTER_ERROR_US (2 * 1000000LL)
#define RETRY_MISSING_US     (10 * 1000000LL)
#define REFRESH_METADATA_US  (60 * 1000000LL)
#define RESOLVER_TIMEOUT_MS  3000 /* also bounds how long shutdown waits for a look-up */

typedef struct feed_partition {
    int64_t next_offset;
    int64_t end_offset; /* high watermark at assignment: caught up once reached */
    bool assigned;
    bool caught_up;
} feed_partition;

typedef struct topic_cache_entry {
    const rd_kafka_topic_t *rkt;
    ofc_feed_topic topic;
} topic_cache_entry;

struct ofc_feed {
    ofc_model *model; /* borrowed */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    rd_kafka_conf_t *probe_conf; /* a copy of the consumer conf without callbacks */
    int wake[2];
    char *topics[OFC_FEED__TOPICS];
    bool want[OFC_FEED__TOPICS];
    ofc_start_kind start_kind;
    int64_t start_us;
    ofa_parser *parser;

    feed_partition *parts[OFC_FEED__TOPICS]; /* indexed by partition */
    int32_t part_count[OFC_FEED__TOPICS];
    resolved_partition *deferred; /* ofa_assets, held until the ASSETS table is read */
    size_t deferred_count;
    bool resolved_once;

    resolver *resolver;
    int64_t next_resolve_mono;

    topic_cache_entry cache[OFC_FEED__TOPICS * 2];
    size_t cache_count;

    uint64_t applied_since_tick;
    int64_t last_tick_mono;
    uint32_t logged_reasons; /* bit per ofc_reject already logged once */
    size_t max_per_turn;
    bool more_pending;        /* the last service stopped at max_per_turn */
    unsigned lookup_failures; /* consecutive failed resolver rounds */
    ofc_feed_tap_fn tap;
    void *tap_opaque;
    ofc_feed_status status;
};

static const char *const topic_props[OFC_FEED__TOPICS] = {
    "topic.assets", "topic.uns_map", "topic.types", "topic.avail", "topic.assets_table"};

/* ---- librdkafka callbacks, served on the loop thread from the consumer queue ---- */

static void set_connected(ofc_feed *f, bool up)
{
    if (f->status.connected == up)
        return;
    f->status.connected = up;
    f->status.state_since_us = ofc_time_now_us();
    if (up)
        f->status.ever_connected = true;
    ofc_log_info("broker connection %s", up ? "up" : "down");
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    ofc_feed *f = opaque;
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *brokers = root ? json_object_get(root, "brokers") : NULL;
    const char *name;
    json_t *b;
    bool up = false;
    json_object_foreach(brokers, name, b)
    {
        json_t *nodeid = json_object_get(b, "nodeid");
        const char *state = json_string_value(json_object_get(b, "state"));
        if (json_integer_value(nodeid) >= 0 && state && strcmp(state, "UP") == 0)
            up = true;
    }
    if (brokers)
        set_connected(f, up);
    json_decref(root);
    return 0; /* librdkafka frees json */
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    ofc_feed *f = opaque;
    snprintf(f->status.last_error, sizeof f->status.last_error, "%s", reason);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        set_connected(f, false);
    ofc_log_warn("kafka: %s", reason);
}

/* librdkafka's errors also reach on_error(), which reports them once; its log lines are detail
 * for -v and -vv. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    ofc_log(level <= 4 ? OFC_LOG_INFO : OFC_LOG_DEBUG, "librdkafka %s: %s", fac, buf);
}

/* ---- construction ---- */

static bool set_conf(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,
                     size_t errstr_size)
{
    if (rd_kafka_conf_set(conf, name, value, errstr, errstr_size) != RD_KAFKA_CONF_OK)
        return false;
    return true;
}

static void start_resolver(ofc_feed *f, bool initial)
{
    resolver_request req;
    memset(&req, 0, sizeof req);
    req.rk = f->rk;
    req.probe_conf = f->probe_conf;
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        req.topics[t] = f->want[t] ? f->topics[t] : NULL;
        req.known[t] = initial ? 0 : f->part_count[t];
    }
    req.assets_start = f->start_kind;
    req.assets_start_us = f->start_us;
    req.wake_fd = f->wake[1];
    req.timeout_ms = RESOLVER_TIMEOUT_MS;
    f->resolver = resolver_start(&req);
}

ofc_feed *ofc_feed_new(const ofc_config *cfg, ofc_model *model, char *errstr, size_t errstr_size)
{
    char host[64] = "host", group[160];
    ofc_feed *f = xcalloc(1, sizeof *f);
    f->model = model;
    f->wake[0] = f->wake[1] = -1;

    if (!ofc_start_parse(ofc_config_get(cfg, "start.since"), ofc_time_now_us(), &f->start_kind,
                         &f->start_us)) {
        snprintf(errstr, errstr_size, "start.since: cannot parse \"%s\"",
                 ofc_config_get(cfg, "start.since"));
        goto fail;
    }
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        f->topics[t] = xstrdup(ofc_config_get(cfg, topic_props[t]));
        f->want[t] = true;
    }
    f->want[OFC_FEED_TABLE] = ofc_config_get_bool(cfg, "start.table");
    ofa_limits limits = {1024, (size_t)ofc_config_get_int(cfg, "limit.value_bytes"), 32};
    f->parser = ofa_parser_new(&limits);

    if (pipe(f->wake) != 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(f->wake[i], F_SETFL, fcntl(f->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(f->wake[i], F_SETFD, FD_CLOEXEC);
    }

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    gethostname(host, sizeof host - 1);
    /* Unique per process: the group is never joined or committed; librdkafka needs one for the
     * consumer queue that manual assignment feeds. */
    snprintf(group, sizeof group, "ofconsole-%s-%ld-%08x", host, (long)getpid(),
             (unsigned)(ofc_time_now_us() & 0xffffffff));
    if (!set_conf(conf, "group.id", group, errstr, errstr_size) ||
        !set_conf(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        !set_conf(conf, "enable.auto.offset.store", "false", errstr, errstr_size) ||
        !set_conf(conf, "enable.partition.eof", "true", errstr, errstr_size) ||
        !set_conf(conf, "auto.offset.reset", "earliest", errstr, errstr_size) ||
        /* Live latency against idle cost: the embedded broker does not wake waiting fetches,
         * so this bounds how late a record is seen; each wait costs a fetch round trip, and at
         * 10 ms an idle console spent ~0.8 % of a core on them (bench/tui_latency). */
        !set_conf(conf, "fetch.wait.max.ms", "25", errstr, errstr_size) ||
        /* Replay: in librdkafka 2.0.2 a partition whose prefetch queue passes either limit stops
         * fetching, and its broker thread looks again only after blocking up to 1 s: nothing
         * wakes it when we drain. While catching up we are slower than the fetcher, so the
         * queue fills; at the default 64 MB a million-record replay stalled ~1 s per 64 MB.
         * 256 MB of prefetch (and 1M records) keeps replay streaming; -X overrides both. */
        !set_conf(conf, "queued.min.messages", "1000000", errstr, errstr_size) ||
        !set_conf(conf, "queued.max.messages.kbytes", "262144", errstr, errstr_size) ||
        /* Broker state for the status line; outages arrive at once through the error callback,
         * so statistics only confirm recovery when no data flows. Parsing them was most of an
         * idle console's own CPU at one second. */
        !set_conf(conf, "statistics.interval.ms", "5000", errstr, errstr_size) ||
        !set_conf(conf, "log.queue", "true", errstr, errstr_size)) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    if (ofc_config_apply_kafka(cfg, conf, errstr, errstr_size) != OFC_OK) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    f->probe_conf = rd_kafka_conf_dup(conf);
    rd_kafka_conf_set_opaque(conf, f);
    rd_kafka_conf_set_stats_cb(conf, on_stats);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    char rderr[512];
    f->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rderr, sizeof rderr);
    if (!f->rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errstr_size, "kafka consumer: %s", rderr);
        goto fail;
    }
    rd_kafka_set_log_queue(f->rk, NULL); /* logs go to the main queue ... */
    rd_kafka_poll_set_consumer(f->rk);   /* ... which is forwarded to the consumer queue */
    f->queue = rd_kafka_queue_get_consumer(f->rk);
    rd_kafka_queue_io_event_enable(f->queue, f->wake[1], "k", 1);

    f->status.lag = -1;
    f->status.state_since_us = ofc_time_now_us();
    f->last_tick_mono = ofc_time_mono_us();
    start_resolver(f, true);
    if (!f->resolver) {
        snprintf(errstr, errstr_size, "cannot start the Kafka look-up thread");
        goto fail;
    }
    return f;

fail:
    ofc_feed_destroy(f);
    return NULL;
}

void ofc_feed_destroy(ofc_feed *f)
{
    if (!f)
        return;
    resolver_destroy(f->resolver);
    if (f->queue) {
        rd_kafka_queue_io_event_enable(f->queue, -1, NULL, 0);
        rd_kafka_queue_destroy(f->queue);
    }
    if (f->rk) {
        rd_kafka_consumer_close(f->rk);
        rd_kafka_destroy(f->rk);
    }
    if (f->probe_conf)
        rd_kafka_conf_destroy(f->probe_conf);
    for (int i = 0; i < 2; i++)
        if (f->wake[i] >= 0)
            close(f->wake[i]);
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        free(f->topics[t]);
        free(f->parts[t]);
    }
    free(f->deferred);
    ofa_parser_destroy(f->parser);
    free(f);
}

/* ---- assignment ---- */

static feed_partition *partition_slot(ofc_feed *f, ofc_feed_topic t, int32_t p)
{
    if (p < 0)
        return NULL;
    if (p >= f->part_count[t]) {
        f->parts[t] = xreallocarray(f->parts[t], (size_t)p + 1, sizeof *f->parts[t]);
        memset(f->parts[t] + f->part_count[t], 0,
               ((size_t)p + 1 - (size_t)f->part_count[t]) * sizeof *f->parts[t]);
        f->part_count[t] = p + 1;
    }
    return &f->parts[t][p];
}

static void assign_parts(ofc_feed *f, const resolved_partition *parts, size_t n)
{
    if (!n)
        return;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++) {
        const resolved_partition *rp = &parts[i];
        feed_partition *fp = partition_slot(f, rp->topic, rp->partition);
        fp->assigned = true;
        fp->next_offset = rp->start_offset;
        fp->end_offset = rp->end_offset;
        fp->caught_up = rp->start_offset >= rp->end_offset;
        rd_kafka_topic_partition_list_add(l, f->topics[rp->topic], rp->partition)->offset =
            rp->start_offset;
        f->status.partitions++;
    }
    rd_kafka_error_t *err = rd_kafka_incremental_assign(f->rk, l);
    if (err) {
        snprintf(f->status.last_error, sizeof f->status.last_error, "assign: %s",
                 rd_kafka_error_string(err));
        ofc_log_error("kafka assign: %s", rd_kafka_error_string(err));
        rd_kafka_error_destroy(err);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static bool topic_caught_up(const ofc_feed *f, ofc_feed_topic t)
{
    for (int32_t p = 0; p < f->part_count[t]; p++)
        if (f->parts[t][p].assigned && !f->parts[t][p].caught_up)
            return false;
    return true;
}

static void update_caught_up(ofc_feed *f)
{
    if (f->status.caught_up || !f->resolved_once)
        return;
    if (f->deferred_count && topic_caught_up(f, OFC_FEED_TABLE)) {
        ofc_log_info("ASSETS table read; following %s", f->topics[OFC_FEED_ASSETS]);
        assign_parts(f, f->deferred, f->deferred_count);
        OFC_FREE(f->deferred);
        f->deferred_count = 0;
    }
    if (f->deferred_count)
        return;
    for (int t = 0; t < OFC_FEED__TOPICS; t++)
        if (!topic_caught_up(f, (ofc_feed_topic)t))
            return;
    f->status.caught_up = true;
    f->status.caught_up_us = ofc_time_now_us();
}

static void handle_resolved(ofc_feed *f, resolver_result *res)
{
    int64_t now = ofc_time_mono_us();
    if (res->err) {
        snprintf(f->status.last_error, sizeof f->status.last_error, "%s", res->errstr);
        /* Once per outage: the status line keeps showing it while retries go on. */
        ofc_log(f->lookup_failures++ ? OFC_LOG_DEBUG : OFC_LOG_WARN,
                "kafka look-up failed, retrying every %d s: %s",
                (int)(RETRY_AFTER_ERROR_US / 1000000), res->errstr);
        f->next_resolve_mono = now + RETRY_AFTER_ERROR_US;
        return;
    }
    if (f->lookup_failures)
        ofc_log_info("kafka look-up succeeded after %u failures", f->lookup_failures);
    f->lookup_failures = 0;
    set_connected(f, true); /* the look-ups just succeeded against a broker */
    bool any_missing = false;
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        bool missing = f->want[t] && res->missing[t] && f->part_count[t] == 0;
        if (missing && !f->status.topic_missing[t])
            ofc_log_warn("topic %s not found; will look again", f->topics[t]);
        f->status.topic_missing[t] = missing;
        any_missing |= missing;
    }
    bool defer_assets = f->want[OFC_FEED_TABLE] && !f->resolved_once;
    resolved_partition *now_parts = xcalloc(res->part_count + 1, sizeof *now_parts);
    size_t n_now = 0;
    for (size_t i = 0; i < res->part_count; i++) {
        if (defer_assets && res->parts[i].topic == OFC_FEED_ASSETS) {
            f->deferred = xreallocarray(f->deferred, f->deferred_count + 1, sizeof *f->deferred);
            f->deferred[f->deferred_count++] = res->parts[i];
        } else {
            now_parts[n_now++] = res->parts[i];
        }
    }
    assign_parts(f, now_parts, n_now);
    free(now_parts);
    f->resolved_once = true;
    f->status.assigned = true;
    f->next_resolve_mono = now + (any_missing ? RETRY_MISSING_US : REFRESH_METADATA_US);
    update_caught_up(f);
}

/* ---- consuming ---- */

static ofc_feed_topic topic_of(ofc_feed *f, const rd_kafka_topic_t *rkt)
{
    for (size_t i = 0; i < f->cache_count; i++)
        if (f->cache[i].rkt == rkt)
            return f->cache[i].topic;
    const char *name = rd_kafka_topic_name(rkt);
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        if (strcmp(name, f->topics[t]) == 0) {
            if (f->cache_count < sizeof f->cache / sizeof f->cache[0])
                f->cache[f->cache_count++] = (topic_cache_entry){rkt, (ofc_feed_topic)t};
            return (ofc_feed_topic)t;
        }
    }
    return OFC_FEED__TOPICS;
}

static void count_reject(ofc_feed *f, ofc_reject why, ofc_feed_topic t, const rd_kafka_message_t *m)
{
    f->status.rejected++;
    f->status.rejected_by[why]++;
    if (!(f->logged_reasons & (1u << why))) {
        f->logged_reasons |= 1u << why;
        ofc_log_warn("rejected %s [%d] offset %lld: %s (%s); further ones are counted",
                     f->topics[t], (int)m->partition, (long long)m->offset, ofc_reject_name(why),
                     ofc_reject_str(why));
    }
}

static void apply_message(ofc_feed *f, const rd_kafka_message_t *m)
{
    ofc_feed_topic t = topic_of(f, m->rkt);
    if (t == OFC_FEED__TOPICS)
        return;
    feed_partition *fp = partition_slot(f, t, m->partition);
    if (!fp)
        return;
    fp->next_offset = m->offset + 1;
    if (!fp->caught_up && fp->next_offset >= fp->end_offset)
        fp->caught_up = true;

    rd_kafka_timestamp_type_t tstype;
    ofc_origin origin = {t == OFC_FEED_ASSETS  ? OFC_ORIGIN_STREAM
                         : t == OFC_FEED_TABLE ? OFC_ORIGIN_TABLE
                                               : OFC_ORIGIN_STATE,
                         m->partition, m->offset, rd_kafka_message_timestamp(m, &tstype)};
    const char *key = m->key;
    const char *payload = m->payload;
    ofc_reject why = OFC_REJECT_NONE;
    f->status.records++;
    if (!f->status.connected)
        set_connected(f, true); /* data arrived, so a broker is up whatever stats said last */
    switch (t) {
    case OFC_FEED_ASSETS: {
        ofa_event ev;
        if (f->tap)
            f->tap(f->tap_opaque, key, m->key_len, payload, m->len, &origin);
        why = ofa_parse_event(f->parser, key, m->key_len, payload, m->len, &ev);
        if (!why)
            why = ofc_model_apply_event(f->model, &ev, &origin);
        break;
    }
    case OFC_FEED_TABLE: {
        ofa_event ev;
        why = ofa_parse_table_event(f->parser, key, m->key_len, payload, m->len, &ev);
        if (why == OFC_REJECT_NULL_VALUE)
            why = OFC_REJECT_NONE; /* a deleted table row: nothing to seed */
        else if (!why)
            why = ofc_model_apply_table_event(f->model, &ev, &origin);
        break;
    }
    case OFC_FEED_UNS_MAP: {
        ofa_uns_map map;
        why = ofa_parse_uns_map(f->parser, key, m->key_len, payload, m->len, &map);
        if (!why)
            why = ofc_model_apply_uns_map(f->model, &map);
        break;
    }
    case OFC_FEED_TYPES:
    case OFC_FEED_AVAIL: {
        ofa_table_value row;
        why = ofa_parse_table_value(f->parser, t == OFC_FEED_TYPES ? "TYPE" : "AVAILABILITY", key,
                                    m->key_len, payload, m->len, &row);
        if (!why)
            why = t == OFC_FEED_TYPES ? ofc_model_apply_asset_type(f->model, &row, &origin)
                                      : ofc_model_apply_availability(f->model, &row, &origin);
        break;
    }
    case OFC_FEED__TOPICS: break;
    }
    if (why)
        count_reject(f, why, t, m);
    else
        f->applied_since_tick++;
}

static void handle_event_message(ofc_feed *f, const rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        ofc_feed_topic t = m->rkt ? topic_of(f, m->rkt) : OFC_FEED__TOPICS;
        if (t != OFC_FEED__TOPICS) {
            feed_partition *fp = partition_slot(f, t, m->partition);
            if (fp && m->offset >= fp->end_offset)
                fp->caught_up = true;
        }
        return;
    }
    snprintf(f->status.last_error, sizeof f->status.last_error, "%s", rd_kafka_message_errstr(m));
    ofc_log_warn("kafka: %s", rd_kafka_message_errstr(m));
}

static void drain_wake(ofc_feed *f)
{
    char buf[256];
    while (read(f->wake[0], buf, sizeof buf) > 0)
        ;
}

bool ofc_feed_service(ofc_feed *f, size_t max_records)
{
    rd_kafka_message_t *msgs[BATCH_MAX];
    size_t done = 0;

    drain_wake(f);
    if (f->resolver) {
        resolver_result *res = resolver_take(f->resolver);
        if (res) {
            resolver_destroy(f->resolver);
            f->resolver = NULL;
            handle_resolved(f, res);
            resolver_result_free(res);
        }
    }
    ofc_model_set_now(f->model, ofc_time_now_us());
    while (done < max_records) {
        size_t want = max_records - done < BATCH_MAX ? max_records - done : BATCH_MAX;
        ssize_t n = rd_kafka_consume_batch_queue(f->queue, 0, msgs, want);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (msgs[i]->err)
                handle_event_message(f, msgs[i]);
            else
                apply_message(f, msgs[i]);
            rd_kafka_message_destroy(msgs[i]);
        }
        done += (size_t)n;
    }
    ofc_model_set_now(f->model, 0);
    update_caught_up(f);
    return done >= max_records;
}

void ofc_feed_tick(ofc_feed *f)
{
    int64_t now = ofc_time_mono_us();
    double dt = (double)(now - f->last_tick_mono) / 1e6;
    if (dt > 0.05) {
        f->status.records_per_s = (double)f->applied_since_tick / dt;
        f->applied_since_tick = 0;
        f->last_tick_mono = now;
    }
    if (f->status.assigned) {
        int64_t lag = 0;
        bool known = true;
        for (int t = 0; t < OFC_FEED__TOPICS; t++) {
            for (int32_t p = 0; p < f->part_count[t]; p++) {
                const feed_partition *fp = &f->parts[t][p];
                int64_t lo = -1, hi = -1;
                if (!fp->assigned)
                    continue;
                rd_kafka_get_watermark_offsets(f->rk, f->topics[t], p, &lo, &hi);
                if (hi < 0)
                    hi = fp->end_offset;
                if (hi < 0)
                    known = false;
                else if (hi > fp->next_offset)
                    lag += hi - fp->next_offset;
            }
        }
        for (size_t i = 0; i < f->deferred_count; i++)
            lag += f->deferred[i].end_offset - f->deferred[i].start_offset;
        f->status.lag = known ? lag : -1;
    }
    if (!f->resolver && f->next_resolve_mono && now >= f->next_resolve_mono) {
        f->next_resolve_mono = 0;
        start_resolver(f, !f->resolved_once);
    }
}

const ofc_feed_status *ofc_feed_get_status(const ofc_feed *f)
{
    return &f->status;
}

int ofc_feed_wake_fd(const ofc_feed *f)
{
    return f->wake[0];
}

const char *ofc_feed_topic_name(const ofc_feed *f, ofc_feed_topic t)
{
    return (unsigned)t < OFC_FEED__TOPICS ? f->topics[t] : NULL;
}

size_t ofc_feed_partition_count(const ofc_feed *f)
{
    size_t n = 0;
    for (int t = 0; t < OFC_FEED__TOPICS; t++)
        for (int32_t p = 0; p < f->part_count[t]; p++)
            n += f->parts[t][p].assigned;
    return n;
}

bool ofc_feed_partition_at(const ofc_feed *f, size_t i, ofc_feed_topic *topic, int32_t *partition,
                           int64_t *next_offset, int64_t *end_offset)
{
    for (int t = 0; t < OFC_FEED__TOPICS; t++) {
        for (int32_t p = 0; p < f->part_count[t]; p++) {
            if (!f->parts[t][p].assigned)
                continue;
            if (i-- == 0) {
                *topic = (ofc_feed_topic)t;
                *partition = p;
                *next_offset = f->parts[t][p].next_offset;
                *end_offset = f->parts[t][p].end_offset;
                return true;
            }
        }
    }
    return false;
}

void ofc_feed_set_assets_tap(ofc_feed *f, ofc_feed_tap_fn fn, void *opaque)
{
    f->tap = fn;
    f->tap_opaque = opaque;
}

/* ---- loop wiring ---- */

static void feed_on_readable(ofc_loop *loop, int fd, short revents, void *opaque)
{
    ofc_feed *f = opaque;
    f->more_pending = ofc_feed_service(f, f->max_per_turn);
}

static void feed_on_tick(ofc_loop *loop, void *opaque)
{
    ofc_feed_tick(opaque);
}

/* librdkafka signals the wake fd only when its queue goes from empty to non-empty, so a turn
 * that stopped at max_per_turn must be continued here, not by waiting for the fd. */
static void feed_before_sleep(ofc_loop *loop, void *opaque)
{
    ofc_feed *f = opaque;
    if (f->more_pending)
        f->more_pending = ofc_feed_service(f, f->max_per_turn);
    if (f->more_pending)
        ofc_loop_wake_soon(loop);
    ofc_model_flush(f->model);
}

void ofc_feed_attach(ofc_feed *f, ofc_loop *loop, size_t max_per_turn)
{
    f->max_per_turn = max_per_turn ? max_per_turn : 4096;
    ofc_loop_add_fd(loop, f->wake[0], POLLIN, feed_on_readable, f);
    ofc_loop_add_timer(loop, 1000, feed_on_tick, f);
    ofc_loop_add_before_sleep(loop, feed_before_sleep, f);
}
