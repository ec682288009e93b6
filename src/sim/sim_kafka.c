/* sim_kafka: the Kafka side of `ofc sim`: producer, command consumer, pacing loop, truth on exit.
 *
 * Records are never dropped: a full producer queue is waited out by serving delivery reports,
 * and every failed delivery is counted and makes the exit status non-zero. librdkafka's logs and
 * errors are routed to its main queue so they are served on this thread (no work in librdkafka's
 * own threads). Records the plant writes carry a header `ofc-sim: <instance>`; records that carry
 * any `ofc-sim` header are plant output and are never taken as commands or writes.
 */
#include "sim_kafka.h"

#include "trust_store.h"
#include "verifier.h"

#include "log.h"
#include "plant.h"
#include "timeutil.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIM_HEADER           "ofc-sim"
#define SIM_TRUTH_PERIOD_US  2000000
#define SIM_FLUSH_TIMEOUT_MS 30000
#define SIM_ASSIGN_RETRY_US  2000000
#define SIM_CONSUME_BATCH    5000
#define SIM_MAX_FAIL_LOGS    5

typedef struct sim_kafka {
    const sim_run_options *opts;
    plant *plant;
    rd_kafka_t *producer;
    rd_kafka_t *consumer;
    const char *topics[PLANT_TOPIC__COUNT];
    char instance[64];
    uint64_t delivered;  /* acknowledged records, all topics */
    uint64_t failed;     /* records that will never be delivered */
    uint64_t commands;   /* commands executed */
    uint64_t writes;     /* writable variables set */
    uint64_t rejected;   /* invalid commands or writes for our assets */
    bool assigned;       /* the command consumer follows ofa_assets */
    int64_t next_assign; /* monotonic us of the next assignment attempt */
    ofc_trust *trust;    /* --trust, reloaded when the file changes */
    ofc_trust_stamp trust_stamp;
    ofc_verifier *verifier;
    int64_t next_trust_check;
} sim_kafka;

/* ---- librdkafka callbacks, served by rd_kafka_poll() on the loop thread ---- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    sim_kafka *sk = opaque;
    if (!msg->err) {
        sk->delivered++;
        return;
    }
    if (sk->failed++ < SIM_MAX_FAIL_LOGS)
        ofc_log_error("sim: delivery to %s failed: %s", rd_kafka_topic_name(msg->rkt),
                      rd_kafka_err2str(msg->err));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    sim_kafka *sk = opaque;
    /* Both clients see the same cluster: the producer speaks for both, except fatal errors. */
    bool consumer = rk == sk->consumer;
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        ofc_log_error("sim: fatal Kafka error: %s", reason);
    else
        ofc_log(consumer ? OFC_LOG_DEBUG : OFC_LOG_WARN, "sim: Kafka: %s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    /* librdkafka's own lines repeat what the error callback says: shown with -v and -vv. */
    ofc_log(level <= 4 ? OFC_LOG_INFO : OFC_LOG_DEBUG, "sim: librdkafka %s: %s", fac, buf);
}

/* ---- clients ---- */

static bool conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr,
                     size_t errstr_size)
{
    if (rd_kafka_conf_set(conf, name, value, errstr, errstr_size) == RD_KAFKA_CONF_OK)
        return true;
    ofc_log_error("sim: %s: %s", name, errstr);
    return false;
}

/* Defaults first, then the user's config (-X wins), then what the wire contract requires. */
static rd_kafka_t *make_client(sim_kafka *sk, const ofc_config *cfg, rd_kafka_type_t type,
                               const char *const *defaults, const char *const *forced)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; defaults[i]; i += 2)
        if (!conf_set(conf, defaults[i], defaults[i + 1], errstr, sizeof errstr))
            goto fail;
    if (ofc_config_apply_kafka(cfg, conf, errstr, sizeof errstr) != OFC_OK) {
        ofc_log_error("sim: %s", errstr);
        goto fail;
    }
    for (size_t i = 0; forced[i]; i += 2)
        if (!conf_set(conf, forced[i], forced[i + 1], errstr, sizeof errstr))
            goto fail;
    rd_kafka_conf_set_opaque(conf, sk);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        ofc_log_error("sim: cannot create the Kafka %s: %s",
                      type == RD_KAFKA_PRODUCER ? "producer" : "consumer", errstr);
        goto fail;
    }
    rd_kafka_set_log_queue(rk, NULL); /* logs to the main queue, served on our thread */
    return rk;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static bool make_clients(sim_kafka *sk, const ofc_config *cfg)
{
    /* lz4 because the embedded broker keeps only 5 MiB a partition; a few ms of linger fills
     * batches at high rates and costs nothing at low ones. */
    static const char *const producer_defaults[] = {"linger.ms",
                                                    "5",
                                                    "compression.codec",
                                                    "lz4",
                                                    "queue.buffering.max.messages",
                                                    "500000",
                                                    "enable.idempotence",
                                                    "true",
                                                    NULL};
    /* murmur2_random: same partition as Java/ksqlDB writers for the same key (wire §2). */
    static const char *const producer_forced[] = {"partitioner", "murmur2_random", "log.queue",
                                                  "true", NULL};
    static const char *const consumer_defaults[] = {"fetch.wait.max.ms", "10",
                                                    "enable.partition.eof", "false", NULL};
    char group[96];
    snprintf(group, sizeof group, "ofc-sim-%s", sk->instance);
    const char *const consumer_forced[] = {"group.id",
                                           group,
                                           "enable.auto.commit",
                                           "false",
                                           "enable.auto.offset.store",
                                           "false",
                                           "log.queue",
                                           "true",
                                           NULL};
    sk->producer = make_client(sk, cfg, RD_KAFKA_PRODUCER, producer_defaults, producer_forced);
    if (!sk->producer)
        return false;
    sk->consumer = make_client(sk, cfg, RD_KAFKA_CONSUMER, consumer_defaults, consumer_forced);
    if (!sk->consumer)
        return false;
    rd_kafka_poll_set_consumer(sk->consumer); /* its logs and errors come with the messages */
    return true;
}

/* Wait for the cluster's metadata; false once the timeout passed without an answer. */
static bool wait_for_cluster(sim_kafka *sk, const ofc_config *cfg)
{
    int64_t deadline = ofc_time_mono_us() + sk->opts->connect_timeout_us;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    while (!sk->opts->stop_requested()) {
        const struct rd_kafka_metadata *md = NULL;
        err = rd_kafka_metadata(sk->producer, 0, NULL, &md, 1000);
        if (!err) {
            rd_kafka_metadata_destroy(md);
            return true;
        }
        rd_kafka_poll(sk->producer, 0);
        if (ofc_time_mono_us() >= deadline)
            break;
    }
    if (sk->opts->stop_requested()) {
        ofc_log_error("sim: stopped before Kafka at %s answered", ofc_config_get(cfg, "brokers"));
        return false;
    }
    ofc_log_error("sim: cannot reach Kafka at %s within %.0f s: %s", ofc_config_get(cfg, "brokers"),
                  (double)sk->opts->connect_timeout_us / 1e6, rd_kafka_err2str(err));
    return false;
}

/* Follow every partition of ofa_assets from its end; retried until the topic exists. */
static void assign_commands(sim_kafka *sk)
{
    const char *topic = sk->topics[PLANT_TOPIC_ASSETS];
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(sk->consumer, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(sk->consumer, 0, rkt, &md, 2000);
    rd_kafka_topic_destroy(rkt);
    sk->next_assign = ofc_time_mono_us() + SIM_ASSIGN_RETRY_US;
    if (err || md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
        ofc_log_warn("sim: topic %s not available yet (%s); commands are followed once it is",
                     topic,
                     rd_kafka_err2str(err                  ? err
                                      : md->topic_cnt != 1 ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                                                           : md->topics[0].err));
        if (md)
            rd_kafka_metadata_destroy(md);
        return;
    }
    rd_kafka_topic_partition_list_t *parts =
        rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_END;
    err = rd_kafka_assign(sk->consumer, parts);
    if (err) {
        ofc_log_warn("sim: cannot follow %s for commands: %s", topic, rd_kafka_err2str(err));
    } else {
        sk->assigned = true;
        ofc_log_info("sim: following %d partitions of %s for commands", parts->cnt, topic);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_metadata_destroy(md);
}

/* ---- producing ---- */

static rd_kafka_resp_err_t produce_once(sim_kafka *sk, const plant_record *rec)
{
    const plant_header *h = rec->headers;
    if (rec->header_count == 3)
        return rd_kafka_producev(
            sk->producer, RD_KAFKA_V_TOPIC(sk->topics[rec->topic]),
            RD_KAFKA_V_KEY(rec->key, rec->key_len),
            RD_KAFKA_V_VALUE((void *)rec->value, rec->value ? rec->value_len : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(rec->timestamp_ms),
            RD_KAFKA_V_HEADER(h[0].name, h[0].value, -1),
            RD_KAFKA_V_HEADER(h[1].name, h[1].value, -1),
            RD_KAFKA_V_HEADER(h[2].name, h[2].value, -1),
            RD_KAFKA_V_HEADER(SIM_HEADER, sk->instance, -1), RD_KAFKA_V_END);
    return rd_kafka_producev(sk->producer, RD_KAFKA_V_TOPIC(sk->topics[rec->topic]),
                             RD_KAFKA_V_KEY(rec->key, rec->key_len),
                             RD_KAFKA_V_VALUE((void *)rec->value, rec->value ? rec->value_len : 0),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_TIMESTAMP(rec->timestamp_ms),
                             RD_KAFKA_V_HEADER(SIM_HEADER, sk->instance, -1), RD_KAFKA_V_END);
}

/* The plant's emit callback. A full queue is waited out; once a stop was asked for, it is
 * waited out for the flush timeout at most, then the record counts as failed. */
static void on_record(void *opaque, const plant_record *rec)
{
    sim_kafka *sk = opaque;
    int64_t give_up = 0;
    for (;;) {
        rd_kafka_resp_err_t err = produce_once(sk, rec);
        if (!err)
            return;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (sk->failed++ < SIM_MAX_FAIL_LOGS)
                ofc_log_error("sim: cannot produce to %s: %s", sk->topics[rec->topic],
                              rd_kafka_err2str(err));
            return;
        }
        rd_kafka_poll(sk->producer, 10);
        if (sk->opts->stop_requested()) {
            int64_t now = ofc_time_mono_us();
            if (!give_up)
                give_up = now + (int64_t)SIM_FLUSH_TIMEOUT_MS * 1000;
            if (now >= give_up) {
                if (sk->failed++ < SIM_MAX_FAIL_LOGS)
                    ofc_log_error("sim: producer queue still full at stop; record to %s lost",
                                  sk->topics[rec->topic]);
                return;
            }
        }
    }
}

/* ---- commands ---- */

static void poll_commands(sim_kafka *sk)
{
    if (!sk->assigned && ofc_time_mono_us() >= sk->next_assign)
        assign_commands(sk);
    for (int i = 0; i < SIM_CONSUME_BATCH; i++) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(sk->consumer, 0);
        if (!msg)
            return;
        if (msg->err) {
            ofc_log_warn("sim: command consumer: %s", rd_kafka_message_errstr(msg));
        } else if (plant_has_asset(sk->plant, msg->key, msg->key_len)) {
            rd_kafka_headers_t *hdrs = NULL;
            const void *val;
            size_t size;
            bool from_sim = rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                            rd_kafka_header_get_last(hdrs, SIM_HEADER, &val, &size) ==
                                RD_KAFKA_RESP_ERR_NO_ERROR;
            if (!from_sim) {
                switch (plant_handle_record(sk->plant, msg->key, msg->key_len, msg->payload,
                                            msg->len, ofc_time_now_us(), on_record, sk, NULL, 0)) {
                case PLANT_INPUT_EXECUTED: sk->commands++; break;
                case PLANT_INPUT_WRITTEN: sk->writes++; break;
                case PLANT_INPUT_REJECTED: sk->rejected++; break;
                case PLANT_INPUT_IGNORED: break;
                }
            }
        }
        rd_kafka_message_destroy(msg);
    }
}

/* ---- the loop ---- */

/* An operator enrolled in a browser is trusted once the admin appends the key's line: the
 * store is read again when its file changes (size, mtime or ctime, checked once a second), keeping
 * the replay cache. A file that is deleted or fails to parse trusts nobody until fixed. */
static void reload_trust(sim_kafka *sk, int64_t now)
{
    char errstr[512];
    ofc_trust *next;
    if (!sk->verifier || now < sk->next_trust_check)
        return;
    sk->next_trust_check = now + 1000000;
    if (ofc_trust_reload(sk->opts->trust_path, &sk->trust_stamp, &next, errstr, sizeof errstr) !=
        OFC_OK) {
        /* Fail closed: nobody is trusted until the file is back and parses. */
        ofc_log_error("sim: %s: every command is rejected until it is fixed", errstr);
        next = ofc_trust_empty();
    }
    if (!next)
        return;
    ofc_verifier_set_trust(sk->verifier, next);
    ofc_trust_destroy(sk->trust);
    sk->trust = next;
    ofc_log_info("sim: trust store %s read again: %zu keys", sk->opts->trust_path,
                 ofc_trust_count(next));
}

/* Deliver what is still queued before exit, for up to SIM_FLUSH_TIMEOUT_MS: the truth file may
 * only list acknowledged records. With the broker gone that wait is long, so an operator's
 * second Ctrl-C gives up at once; what is lost is counted either way. */
static void flush_at_exit(sim_kafka *sk)
{
    int64_t start = ofc_time_mono_us(), give_up = start + (int64_t)SIM_FLUSH_TIMEOUT_MS * 1000;
    bool insisted = false, said = false;
    while (rd_kafka_outq_len(sk->producer) > 0 && ofc_time_mono_us() < give_up &&
           !(insisted = sk->opts->stop_insisted && sk->opts->stop_insisted())) {
        if (!said && ofc_time_mono_us() - start > 1000000) {
            /* Not done within a second: the broker is slow or gone; say what is waited for. */
            ofc_log_warn("sim: still delivering %d records before exit (up to %d s; a second "
                         "Ctrl-C gives up)",
                         rd_kafka_outq_len(sk->producer), SIM_FLUSH_TIMEOUT_MS / 1000);
            said = true;
        }
        rd_kafka_flush(sk->producer, 200);
    }
    int left = rd_kafka_outq_len(sk->producer);
    if (left > 0) {
        ofc_log_error("sim: %d records still undelivered %s", left,
                      insisted ? "when a second signal gave up" : "after the flush timeout");
        sk->failed += (uint64_t)left;
    }
}

static void save_truth(sim_kafka *sk, bool final, bool *ok)
{
    char errstr[512];
    if (!sk->opts->truth_path)
        return;
    if (plant_truth_save(sk->plant, sk->opts->truth_path, errstr, sizeof errstr) != OFC_OK) {
        ofc_log_error("sim: cannot write the truth file: %s", errstr);
        if (final)
            *ok = false;
    }
}

static void sleep_until(int64_t mono_us)
{
    struct timespec ts = {.tv_sec = (time_t)(mono_us / 1000000),
                          .tv_nsec = (long)(mono_us % 1000000) * 1000};
    /* EINTR (a stop signal) simply ends the sleep early. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static size_t budget(const sim_kafka *sk, size_t want)
{
    uint64_t count = sk->opts->count, produced = plant_produced(sk->plant);
    if (count && produced + want > count)
        return produced >= count ? 0 : (size_t)(count - produced);
    return want;
}

static void run_loop(sim_kafka *sk)
{
    const sim_run_options *o = sk->opts;
    int64_t start = ofc_time_mono_us(), last = start, next_truth = start + SIM_TRUTH_PERIOD_US;
    /* Ticks of about 100 records, between 2 and 10 ms: few wake-ups, small bursts. */
    int64_t tick = o->rate > 0 ? (int64_t)(100.0 * 1e6 / o->rate) : 0;
    tick = tick < 2000 ? 2000 : tick > 10000 ? 10000 : tick;
    double tokens = 0.0, cap = o->rate > 0 ? fmax(1.0, o->rate * 0.05) : 0.0;
    int64_t next_tick = start;
    while (!o->stop_requested()) {
        int64_t now = ofc_time_mono_us();
        if (o->duration_us && now - start >= o->duration_us)
            break;
        if (o->count && plant_produced(sk->plant) >= o->count)
            break;
        size_t want;
        if (o->rate > 0) {
            tokens = fmin(cap, tokens + (double)(now - last) * o->rate / 1e6);
            want = tokens >= 1.0 ? (size_t)tokens : 0;
        } else {
            want = 2000;
        }
        last = now;
        want = budget(sk, want);
        if (want) {
            plant_step(sk->plant, want, ofc_time_now_us(), on_record, sk);
            tokens -= (double)want;
        }
        rd_kafka_poll(sk->producer, 0);
        reload_trust(sk, now);
        poll_commands(sk);
        if (now >= next_truth) {
            save_truth(sk, false, NULL);
            next_truth = now + SIM_TRUTH_PERIOD_US;
        }
        if (o->rate > 0) {
            next_tick += tick;
            if (next_tick < now)
                next_tick = now; /* fell behind: no catch-up burst beyond the bucket */
            sleep_until(next_tick);
        }
    }
}

static void make_instance_id(sim_kafka *sk)
{
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    char *dot = strchr(host, '.');
    if (dot)
        *dot = '\0';
    snprintf(sk->instance, sizeof sk->instance, "%.32s-%ld-%08" PRIx32, host, (long)getpid(),
             (uint32_t)ofc_time_now_us());
}

int sim_kafka_run(const ofc_config *cfg, const sim_run_options *opts)
{
    sim_kafka sk = {.opts = opts};
    char errstr[512];
    bool ok = true;
    make_instance_id(&sk);
    sk.topics[PLANT_TOPIC_ASSETS] = ofc_config_get(cfg, "topic.assets");
    sk.topics[PLANT_TOPIC_ASSETS_TABLE] = ofc_config_get(cfg, "topic.assets_table");
    sk.topics[PLANT_TOPIC_TYPES] = ofc_config_get(cfg, "topic.types");
    sk.topics[PLANT_TOPIC_AVAIL] = ofc_config_get(cfg, "topic.avail");
    sk.topics[PLANT_TOPIC_DOCKER] = "docker_services_topic";
    sk.topics[PLANT_TOPIC_UNS_MAP] = ofc_config_get(cfg, "topic.uns_map");

    plant_options po = {.devices = opts->devices,
                        .seed = opts->seed,
                        .rate = opts->rate,
                        .refresh_s = opts->refresh_s};
    sk.plant = plant_new(&po, errstr, sizeof errstr);
    if (!sk.plant) {
        ofc_log_error("sim: %s", errstr);
        return 1;
    }
    if (opts->trust_path) {
        if (ofc_trust_reload(opts->trust_path, &sk.trust_stamp, &sk.trust, errstr, sizeof errstr) !=
            OFC_OK) {
            ofc_log_error("sim: %s", errstr);
            plant_destroy(sk.plant);
            return 1;
        }
        sk.verifier = ofc_verifier_new(sk.trust, NULL);
        plant_set_verifier(sk.plant, sk.verifier);
        sk.next_trust_check = ofc_time_mono_us() + 1000000;
        ofc_log_info("sim: verifying every command against %s (%zu keys; read again when it "
                     "changes)",
                     opts->trust_path, ofc_trust_count(sk.trust));
    }
    if (!make_clients(&sk, cfg) || !wait_for_cluster(&sk, cfg)) {
        ok = false;
        goto out;
    }
    ofc_log_info("sim: instance %s: %zu devices, %zu assets, %.0f records/s, seed %" PRIu64,
                 sk.instance, opts->devices, plant_asset_count(sk.plant), opts->rate, opts->seed);
    /* Follow commands before registering, so one sent right after start is not missed. */
    assign_commands(&sk);
    size_t reg = plant_register(sk.plant, ofc_time_now_us(), on_record, &sk);
    ofc_log_info("sim: registration burst: %zu ofa_assets records", reg);
    run_loop(&sk);

    if (opts->deregister_on_exit) {
        size_t n = plant_deregister(sk.plant, ofc_time_now_us(), on_record, &sk);
        ofc_log_info("sim: deregistered every asset (%zu ofa_assets records)", n);
    }
    flush_at_exit(&sk);
    /* Only now is every record in the truth acknowledged (or counted as failed). */
    save_truth(&sk, true, &ok);
    if (sk.failed) {
        ofc_log_error("sim: %" PRIu64 " records failed to be delivered", sk.failed);
        ok = false;
    }
    ofc_log_info("sim: produced %" PRIu64 " ofa_assets records (%" PRIu64
                 " records acknowledged on all topics); commands %" PRIu64 ", writes %" PRIu64
                 ", rejected %" PRIu64,
                 plant_produced(sk.plant), sk.delivered, sk.commands, sk.writes, sk.rejected);
out:
    if (sk.consumer) {
        rd_kafka_consumer_close(sk.consumer);
        rd_kafka_destroy(sk.consumer);
    }
    if (sk.producer)
        rd_kafka_destroy(sk.producer);
    plant_destroy(sk.plant);
    ofc_verifier_destroy(sk.verifier);
    ofc_trust_destroy(sk.trust);
    return ok ? 0 : 1;
}
