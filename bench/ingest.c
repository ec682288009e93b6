/* bench/ingest: how fast ofconsole rebuilds a plant by replay, side by side with the peers a user
 * would otherwise use, in one run on one broker and one topic:
 *   - ofconsole: consume + parse + apply to the asset model (in-process feed, as `ofc snapshot`)
 *   - kcat -C -e -o beginning -q (prints only; no parsing)
 *   - a Python consumer in OpenFactory's style (bench/ofa_consumer.py)
 * and the memory cost of a live Samples attribute with a full 120-point history.
 *
 * The broker is `ofc broker` and the records are `ofc sim`'s (both real processes). Figures are
 * medians of --runs runs; ratios are what to compare, the machine being noisy.
 *
 * usage: ingest [--records N] [--assets N] [--partitions N] [--runs N] [--no-python]
 */
#define _GNU_SOURCE
#include "bench_proc.h"
#include "asset_model.h"
#include "config.h"
#include "event_loop.h"
#include "feed.h"
#include "history.h"
#include "timeutil.h"

#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static long rss_bytes(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static int64_t topic_records(const char *brokers, const char *topic)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    const rd_kafka_metadata_t *md;
    int64_t total = 0;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000) == 0) {
        for (int i = 0; i < md->topic_cnt; i++) {
            if (strcmp(md->topics[i].topic, topic))
                continue;
            for (int p = 0; p < md->topics[i].partition_cnt; p++) {
                int64_t lo, hi;
                if (!rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000))
                    total += hi - lo;
            }
        }
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_destroy(rk);
    return total;
}

/* ofconsole: replay everything into a fresh model; returns seconds, sets records read. */
static double run_ofconsole(const char *brokers, uint64_t *records, size_t *assets)
{
    char err[256];
    ofc_config *cfg = ofc_config_new();
    ofc_config_set(cfg, "brokers", brokers, err, sizeof err);
    ofc_model *model = ofc_model_new(NULL);
    int64_t t0 = ofc_time_mono_us();
    ofc_feed *feed = ofc_feed_new(cfg, model, err, sizeof err);
    if (!feed) {
        fprintf(stderr, "feed: %s\n", err);
        exit(1);
    }
    ofc_loop *loop = ofc_loop_new();
    ofc_feed_attach(feed, loop, 65536);
    const ofc_feed_status *st = ofc_feed_get_status(feed);
    while (!st->caught_up)
        ofc_loop_run_once(loop, 100);
    ofc_model_flush(model);
    double secs = (double)(ofc_time_mono_us() - t0) / 1e6;
    *records = st->records;
    *assets = ofc_model_asset_count(model);
    if (st->rejected)
        fprintf(stderr, "warning: %llu records rejected\n", (unsigned long long)st->rejected);
    ofc_feed_destroy(feed);
    ofc_loop_destroy(loop);
    ofc_model_destroy(model);
    ofc_config_destroy(cfg);
    return secs;
}

/* The ceiling: librdkafka's consumer alone, configured as the feed is, discarding every record.
 * No reader that parses can beat it on the same machine and broker. */
static double run_consume_only(const char *brokers, long *records)
{
    char err[256], group[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(group, sizeof group, "ofc-bench-ceiling-%ld", (long)getpid());
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
    rd_kafka_conf_set(conf, "queued.min.messages", "1000000", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    rd_kafka_poll_set_consumer(rk);
    const rd_kafka_metadata_t *md;
    int parts = 0;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000) == 0) {
        for (int i = 0; i < md->topic_cnt; i++)
            if (!strcmp(md->topics[i].topic, "ofa_assets"))
                parts = md->topics[i].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, "ofa_assets", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    int64_t t0 = ofc_time_mono_us();
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[1024];
    int eofs = 0;
    *records = 0;
    while (eofs < parts) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, 1024);
        for (ssize_t i = 0; i < n; i++) {
            if (msgs[i]->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                eofs++;
            else if (!msgs[i]->err)
                (*records)++;
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    double secs = (double)(ofc_time_mono_us() - t0) / 1e6;
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return secs;
}

static double run_kcat(const char *brokers)
{
    char *argv[] = {"kcat",      "-C", "-b", (char *)brokers, "-t", "ofa_assets", "-e", "-o",
                    "beginning", "-q", NULL};
    int devnull = open("/dev/null", O_WRONLY);
    int64_t t0 = ofc_time_mono_us();
    pid_t pid = bench_spawn(argv, devnull);
    close(devnull);
    if (bench_wait(pid) != 0) {
        fprintf(stderr, "kcat failed\n");
        exit(1);
    }
    return (double)(ofc_time_mono_us() - t0) / 1e6;
}

static double run_python(const char *brokers, long *records)
{
    int fds[2];
    if (pipe(fds))
        exit(1);
    char *argv[] = {"/usr/bin/python3", OFC_BENCH_DIR "/ofa_consumer.py", (char *)brokers,
                    "ofa_assets", NULL};
    pid_t pid = bench_spawn(argv, fds[1]);
    close(fds[1]);
    char out[256] = "";
    ssize_t n = read(fds[0], out, sizeof out - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    double secs = 0;
    if (bench_wait(pid) != 0 || sscanf(out, "%ld %lf", records, &secs) != 2) {
        fprintf(stderr, "python consumer failed: %s\n", out);
        exit(1);
    }
    return secs;
}

/* Bytes of RSS per live Samples attribute with a full history, measured over many. */
static double attribute_memory(int assets, int attrs_per_asset, int points)
{
    char uuid[32], id[32], val[32];
    ofc_model *model = ofc_model_new(NULL);
    long before = rss_bytes();
    for (int u = 0; u < points; u++) {
        for (int a = 0; a < assets; a++) {
            int ulen = snprintf(uuid, sizeof uuid, "VIRTUAL-TEMP-SENS-%04d", a);
            for (int i = 0; i < attrs_per_asset; i++) {
                int ilen = snprintf(id, sizeof id, "temp_%02d", i);
                int vlen = snprintf(val, sizeof val, "%d.%02d", 20 + (u + i) % 50, a % 100);
                ofa_event ev = {
                    {uuid, (size_t)ulen},
                    {id, (size_t)ilen},
                    OFC_TYPE_SAMPLES,
                    {"Samples", 7},
                    {"{urn:mtconnect.org:MTConnectStreams:2.2}Temperature", 51},
                    OFC_VALUE_NUMBER,
                    {val, (size_t)vlen},
                    1786353301208000LL + u * 1000000LL,
                };
                ofc_origin o = {OFC_ORIGIN_STREAM, a % 6, u, 1786353301208LL + u * 1000};
                ofc_model_apply_event(model, &ev, &o);
            }
        }
        ofc_model_flush(model);
    }
    long after = rss_bytes();
    size_t n = ofc_model_attr_count(model);
    ofc_model_destroy(model);
    return (double)(after - before) / (double)n;
}

/* Measured in a child: freed heap from the replays would otherwise be reused without showing
 * in RSS, and the figure would flatter us. */
static double attribute_memory_in_child(void)
{
    int fds[2];
    double per_attr = -1;
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double v = attribute_memory(400, 50, 121);
        ssize_t w = write(fds[1], &v, sizeof v);
        _exit(w == (ssize_t)sizeof v ? 0 : 1);
    }
    close(fds[1]);
    if (read(fds[0], &per_attr, sizeof per_attr) != (ssize_t)sizeof per_attr)
        per_attr = -1;
    close(fds[0]);
    bench_wait(pid);
    return per_attr;
}

typedef struct scenario {
    const char *name;
    const char *why;
    char *sim_extra[8];
} scenario;

static pid_t start_broker(long partitions, char *brokers, size_t size)
{
    int fds[2];
    if (pipe(fds))
        exit(1);
    char parts[16];
    snprintf(parts, sizeof parts, "%ld", partitions);
    char *broker_argv[] = {OFC_BINARY, "broker", "--partitions", parts, NULL};
    pid_t broker = bench_spawn(broker_argv, fds[1]);
    close(fds[1]);
    size_t n = 0;
    while (n < size - 1 && read(fds[0], brokers + n, 1) == 1 && brokers[n] != '\n')
        n++;
    brokers[n] = '\0';
    close(fds[0]);
    return broker;
}

static int run_scenario(const scenario *sc, long records, long assets, long partitions, long runs,
                        int python)
{
    char brokers[256];
    pid_t broker = start_broker(partitions, brokers, sizeof brokers);
    printf("\n== %s\n   %s\n   broker %s, ofa_assets with %ld partitions\n", sc->name, sc->why,
           brokers, partitions);

    char count[32], nassets[32];
    snprintf(count, sizeof count, "%ld", records);
    snprintf(nassets, sizeof nassets, "%ld", assets);
    /* --refresh 0: the workload stays the one measured before the sim learned to repeat its
     * registration (at --rate 0 plant time runs 1 ms a record, so 1M records are 17 minutes). */
    char *sim_argv[24] = {OFC_BINARY, "sim",     "-b",  brokers,  "--assets", nassets,     "--rate",
                          "0",        "--count", count, "--seed", "1",        "--refresh", "0"};
    int k = 14;
    for (int i = 0; sc->sim_extra[i]; i++)
        sim_argv[k++] = sc->sim_extra[i];
    sim_argv[k] = NULL;
    int64_t t0 = ofc_time_mono_us();
    if (bench_wait(bench_spawn(sim_argv, -1)) != 0) {
        fprintf(stderr, "ofc sim failed\n");
        kill(broker, SIGTERM);
        bench_wait(broker);
        return 1;
    }
    int64_t stored = topic_records(brokers, "ofa_assets");
    printf("   filled by ofc sim: %ld records over %ld devices in %.1f s; %lld stored\n", records,
           assets, (double)(ofc_time_mono_us() - t0) / 1e6, (long long)stored);
    if (stored < records)
        printf("   note: the embedded broker dropped %lld old records (5 MiB per partition)\n",
               (long long)(records - stored));

    double ours[15], kcat[15], raw[15];
    uint64_t ours_records = 0;
    size_t model_assets = 0;
    long raw_records = 0;
    for (int r = 0; r < runs; r++) {
        ours[r] = run_ofconsole(brokers, &ours_records, &model_assets);
        kcat[r] = run_kcat(brokers);
        raw[r] = run_consume_only(brokers, &raw_records);
    }
    double ours_s = median(ours, (int)runs), kcat_s = median(kcat, (int)runs);
    double raw_s = median(raw, (int)runs), raw_rate = (double)raw_records / raw_s;
    double ours_rate = (double)ours_records / ours_s, kcat_rate = (double)stored / kcat_s;
    long py_records = 0;
    double py_s = python ? run_python(brokers, &py_records) : 0;
    double py_rate = python ? (double)py_records / py_s : 0;

    printf("   replay from the beginning, median of %ld runs\n", runs);
    printf("   %-44s %10s %8s %12s\n", "reader", "records", "seconds", "records/s");
    printf("   %-44s %10llu %8.3f %12.0f\n", "ofconsole (consume+parse+apply to model)",
           (unsigned long long)ours_records, ours_s, ours_rate);
    printf("   %-44s %10lld %8.3f %12.0f\n", "kcat -C -e -o beginning -q (print only)",
           (long long)stored, kcat_s, kcat_rate);
    if (python)
        printf("   %-44s %10ld %8.3f %12.0f\n", "python confluent-kafka + json.loads + dict",
               py_records, py_s, py_rate);
    printf("   %-44s %10ld %8.3f %12.0f\n", "ceiling: librdkafka consume, discard", raw_records,
           raw_s, raw_rate);
    printf("   model after replay: %zu assets\n", model_assets);
    printf("   ratio ofconsole / kcat   = %.2f   (target >= 1.0)\n", ours_rate / kcat_rate);
    if (python)
        printf("   ratio ofconsole / python = %.2f   (kcat / python = %.2f)\n", ours_rate / py_rate,
               kcat_rate / py_rate);
    printf("   replay rate %.2f M records/s over %llu records (target >= 1.00); %.0f%% of the "
           "consume-only ceiling\n",
           ours_rate / 1e6, (unsigned long long)ours_records, 100.0 * ours_rate / raw_rate);
    kill(broker, SIGTERM);
    bench_wait(broker);
    return 0;
}

int main(int argc, char **argv)
{
    long records = 1000000, assets = 2000, partitions = 6, runs = 3;
    int python = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--records") && i + 1 < argc)
            records = atol(argv[++i]);
        else if (!strcmp(argv[i], "--assets") && i + 1 < argc)
            assets = atol(argv[++i]);
        else if (!strcmp(argv[i], "--partitions") && i + 1 < argc)
            partitions = atol(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atol(argv[++i]);
        else if (!strcmp(argv[i], "--no-python"))
            python = 0;
        else {
            fprintf(stderr, "usage: ingest [--records N] [--assets N] [--partitions N] "
                            "[--runs N] [--no-python]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 15)
        runs = 3;
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    double per_attr = attribute_memory_in_child();
    printf("memory: %.0f bytes of RSS per live Samples attribute with a full 120-point history\n"
           "        (20,000 attributes over 400 assets, fresh process; target < 1536)\n",
           per_attr);

    static const scenario scenarios[] = {
        {"bulk batches",
         "the plant written in large producer batches (linger 100 ms), as a replay benchmark",
         {"-X", "linger.ms=100", "-X", "batch.num.messages=100000", "-X", "batch.size=4000000",
          NULL}},
        {"live batches",
         "the plant written as ofc sim does live (linger 5 ms): smaller batches, more per-batch "
         "work for every reader",
         {NULL}},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (run_scenario(&scenarios[i], records, assets, partitions, runs, python))
            return 1;
    return 0;
}
