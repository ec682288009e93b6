/* feed_resolver: metadata, watermarks and time look-ups, done off the loop thread. */
#include "feed_resolver.h"

#include "log.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct resolver {
    resolver_request req;
    pthread_t thread;
    pthread_mutex_t lock;
    resolver_result *result; /* {lock}: set by the thread, taken by the loop */
    atomic_bool cancel;
};

void resolver_result_free(resolver_result *res)
{
    if (!res)
        return;
    free(res->parts);
    free(res);
}

static void add_part(resolver_result *res, ofc_feed_topic topic, int32_t partition, int64_t start,
                     int64_t end)
{
    res->parts = xreallocarray(res->parts, res->part_count + 1, sizeof *res->parts);
    res->parts[res->part_count++] = (resolved_partition){topic, partition, start, end};
}

/* Read the timestamp of the first record at or after offset in one partition. */
static ofc_err probe_timestamp(rd_kafka_t *probe, const char *topic, int32_t partition,
                               int64_t offset, int64_t *ts_ms, int64_t *at_offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    rd_kafka_resp_err_t err = rd_kafka_assign(probe, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        return OFC_ERR_KAFKA;
    for (int tries = 0; tries < 50; tries++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(probe, 100);
        if (!m)
            continue;
        bool ours = !m->err && m->partition == partition && m->offset >= offset &&
                    strcmp(rd_kafka_topic_name(m->rkt), topic) == 0;
        if (ours) {
            rd_kafka_timestamp_type_t tstype;
            *ts_ms = rd_kafka_message_timestamp(m, &tstype);
            *at_offset = m->offset;
        }
        rd_kafka_message_destroy(m);
        if (ours)
            return OFC_OK;
    }
    return OFC_ERR_TIMEOUT;
}

ofc_err resolver_seek_time_by_probe(const rd_kafka_conf_t *probe_conf, const char *topic,
                                    int32_t partition, int64_t low, int64_t high, int64_t time_ms,
                                    int64_t *offset, char *errstr, size_t errstr_size)
{
    char rderr[256], group[96];
    if (low >= high) {
        *offset = high;
        return OFC_OK;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(probe_conf);
    snprintf(group, sizeof group, "ofconsole-seek-%ld-%u", (long)getpid(), (unsigned)rand());
    rd_kafka_conf_set(conf, "group.id", group, rderr, sizeof rderr);
    rd_kafka_conf_set(conf, "enable.partition.eof", "false", rderr, sizeof rderr);
    rd_kafka_conf_set(conf, "statistics.interval.ms", "0", rderr, sizeof rderr);
    rd_kafka_conf_set(conf, "queued.min.messages", "1", rderr, sizeof rderr);
    rd_kafka_t *probe = rd_kafka_new(RD_KAFKA_CONSUMER, conf, rderr, sizeof rderr);
    if (!probe) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errstr_size, "probe consumer: %s", rderr);
        return OFC_ERR_KAFKA;
    }
    /* Invariant: every record before lo is older than time_ms; the answer is in [lo, hi]. */
    int64_t lo = low, hi = high;
    ofc_err err = OFC_OK;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2, ts, at;
        err = probe_timestamp(probe, topic, partition, mid, &ts, &at);
        if (err) {
            snprintf(errstr, errstr_size, "%s [%d]: no record at offset %lld to read its time",
                     topic, (int)partition, (long long)mid);
            break;
        }
        /* Starting at mid reads the record at `at` first (offsets may have gaps), so mid is
         * as good as `at` as an answer. */
        if (ts >= time_ms)
            hi = mid;
        else
            lo = at + 1;
    }
    if (lo > high)
        lo = high;
    rd_kafka_destroy(probe);
    if (!err)
        *offset = lo;
    return err;
}

static void resolve_topic(resolver *r, resolver_result *res, const rd_kafka_metadata_t *md,
                          ofc_feed_topic t)
{
    const resolver_request *req = &r->req;
    const rd_kafka_metadata_topic_t *mt = NULL;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, req->topics[t]) == 0)
            mt = &md->topics[i];
    if (!mt || mt->err || mt->partition_cnt == 0) {
        res->missing[t] = true;
        return;
    }
    for (int32_t p = req->known[t]; p < mt->partition_cnt && !atomic_load(&r->cancel); p++) {
        int64_t low = 0, high = 0, start;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(req->rk, req->topics[t], p, &low,
                                                                   &high, req->timeout_ms);
        if (err) {
            res->err = OFC_ERR_KAFKA;
            snprintf(res->errstr, sizeof res->errstr, "%s [%d]: watermarks: %s", req->topics[t],
                     (int)p, rd_kafka_err2str(err));
            return;
        }
        start = low;
        /* A partition that appears after start-up holds only new records: read it all. */
        bool initial = req->known[t] == 0;
        if (t == OFC_FEED_ASSETS && initial && req->assets_start == OFC_START_END) {
            start = high;
        } else if (t == OFC_FEED_ASSETS && initial && req->assets_start == OFC_START_TIME) {
            int64_t want_ms = req->assets_start_us / 1000;
            rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(l, req->topics[t], p)->offset = want_ms;
            err = rd_kafka_offsets_for_times(req->rk, l, req->timeout_ms);
            int64_t found = err ? -1 : l->elems[0].err ? -1 : l->elems[0].offset;
            rd_kafka_topic_partition_list_destroy(l);
            if (found >= 0) {
                start = found;
            } else if (resolver_seek_time_by_probe(req->probe_conf, req->topics[t], p, low, high,
                                                   want_ms, &start, res->errstr,
                                                   sizeof res->errstr) != OFC_OK) {
                res->err = OFC_ERR_KAFKA;
                return;
            }
        }
        add_part(res, t, p, start, high);
    }
}

static void *resolver_main(void *arg)
{
    resolver *r = arg;
    resolver_result *res = xcalloc(1, sizeof *res);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(r->req.rk, 1, NULL, &md, r->req.timeout_ms);
    if (err) {
        res->err = OFC_ERR_KAFKA;
        snprintf(res->errstr, sizeof res->errstr, "metadata: %s", rd_kafka_err2str(err));
    } else {
        for (int t = 0; t < OFC_FEED__TOPICS && !res->err; t++)
            if (r->req.topics[t])
                resolve_topic(r, res, md, (ofc_feed_topic)t);
        rd_kafka_metadata_destroy(md);
    }
    if (res->err) {
        free(res->parts);
        res->parts = NULL;
        res->part_count = 0;
    }
    pthread_mutex_lock(&r->lock);
    r->result = res;
    pthread_mutex_unlock(&r->lock);
    ssize_t w = write(r->req.wake_fd, "r", 1);
    (void)w; /* a full pipe already wakes the loop */
    return NULL;
}

resolver *resolver_start(const resolver_request *req)
{
    resolver *r = xcalloc(1, sizeof *r);
    r->req = *req;
    pthread_mutex_init(&r->lock, NULL);
    atomic_init(&r->cancel, false);
    if (pthread_create(&r->thread, NULL, resolver_main, r) != 0) {
        ofc_log_error("cannot start the Kafka look-up thread");
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

resolver_result *resolver_take(resolver *r)
{
    pthread_mutex_lock(&r->lock);
    resolver_result *res = r->result;
    r->result = NULL;
    pthread_mutex_unlock(&r->lock);
    return res;
}

void resolver_destroy(resolver *r)
{
    if (!r)
        return;
    atomic_store(&r->cancel, true);
    pthread_join(r->thread, NULL);
    resolver_result_free(r->result);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
