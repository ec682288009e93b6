/* ofc broker: librdkafka's in-memory mock cluster in a process of its own, on 127.0.0.1, with
 * OpenFactory's topics created. For tests and demos only: nothing persists, no compaction, no
 * TLS/SASL, and each partition keeps at most ~5 MiB (older data is dropped). */
#include "cli_common.h"
#include "commands.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct topic_spec {
    const char *name;
    int partitions;
} topic_spec;

/* Partition counts a small OpenFactory deployment would use; tables derived by ksqlDB with
 * PARTITION BY keep the source's count, and the UNS map must be co-partitioned with ofa_assets
 * for the stream-table join (wire §3.5). metrics_targets_topic has one (wire §2). */
static const topic_spec default_topics[] = {
    {"ofa_assets", 6},
    {"asset_to_uns_map_topic", 6},
    {"assets_types_topic", 6},
    {"assets_avail_topic", 6},
    {"docker_services_topic", 6},
    {"enriched_assets_stream_topic", 6},
    {"ASSETS", 6},
    {"ofa_assets_uns", 6},
    {"device_connector_topic", 1},
    {"metrics_targets_topic", 1},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ofc broker [options]\n\n"
            "Run an embedded, in-memory Kafka-protocol broker (librdkafka's mock cluster) on\n"
            "127.0.0.1 with OpenFactory's topics, print its bootstrap servers as the first line,\n"
            "and run until SIGINT/SIGTERM. A TEST BROKER: nothing is persisted, no compaction,\n"
            "no TLS/SASL, each partition keeps only its last ~5 MiB. Not for production.\n\n"
            "options:\n"
            "  --bootstrap-file PATH  also write the bootstrap servers to PATH\n"
            "  --partitions N         partitions of ofa_assets (default 6)\n"
            "  --topic NAME[:N]       create another topic (N partitions, default 1); repeatable\n"
            "  --brokers-count N      mock brokers in the cluster (default 1)\n"
            "\nsignals: SIGUSR1 takes every broker down (connections are closed and refused),\n"
            "SIGUSR2 brings them back on the same addresses: an outage on demand, for testing\n"
            "how consoles and services behave.\n"
            "  -h, --help             this help\n");
}

static volatile sig_atomic_t outage_request; /* 1 = take down, 2 = bring up */

static void on_outage_signal(int sig)
{
    outage_request = sig == SIGUSR1 ? 1 : 2;
}

static void set_brokers(rd_kafka_mock_cluster_t *mcluster, int count, bool up)
{
    for (int id = 1; id <= count; id++) {
        if (up)
            rd_kafka_mock_broker_set_up(mcluster, id);
        else
            rd_kafka_mock_broker_set_down(mcluster, id);
    }
    fprintf(stderr, "ofc broker: brokers %s\n", up ? "up" : "down (outage)");
}

static bool write_file_atomically(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return false;
    bool ok = fprintf(f, "%s\n", text) > 0;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    return ok;
}

static bool parse_count(const char *s, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max)
        return false;
    *out = (int)v;
    return true;
}

int cmd_broker(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bootstrap-file", required_argument, NULL, 'f'},
        {"partitions", required_argument, NULL, 'p'},
        {"topic", required_argument, NULL, 't'},
        {"brokers-count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bootstrap_file = NULL;
    int assets_partitions = 6, broker_count = 1, opt;
    char **extra = NULL;
    size_t extra_count = 0;
    int rc = 1;

    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': bootstrap_file = optarg; break;
        case 'p':
            if (!parse_count(optarg, 10000, &assets_partitions)) {
                fprintf(stderr, "ofc broker: --partitions expects 1..10000\n");
                goto out;
            }
            break;
        case 'n':
            if (!parse_count(optarg, 16, &broker_count)) {
                fprintf(stderr, "ofc broker: --brokers-count expects 1..16\n");
                goto out;
            }
            break;
        case 't':
            extra = realloc(extra, (extra_count + 1) * sizeof *extra);
            if (!extra)
                goto out;
            extra[extra_count++] = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ofc broker: unexpected argument \"%s\"\n", argv[optind]);
        rc = 2;
        goto out;
    }

    /* Arguments first: a cluster started and destroyed at once for a typo is slow to stop. */
    for (size_t i = 0; i < extra_count; i++) {
        int parts = 1;
        const char *colon = strrchr(extra[i], ':');
        size_t len = colon ? (size_t)(colon - extra[i]) : strlen(extra[i]);
        if (len == 0 || len >= 256 || (colon && !parse_count(colon + 1, 10000, &parts))) {
            fprintf(stderr, "ofc broker: --topic expects NAME[:PARTITIONS], got \"%s\"\n",
                    extra[i]);
            rc = 2;
            goto out;
        }
    }

    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "ofc broker: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        goto out;
    }
    rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(rk, broker_count);
    if (!mcluster) {
        fprintf(stderr, "ofc broker: cannot start the mock cluster\n");
        rd_kafka_destroy(rk);
        goto out;
    }
    for (size_t i = 0; i < sizeof default_topics / sizeof default_topics[0]; i++) {
        int parts = default_topics[i].partitions;
        if (strcmp(default_topics[i].name, "ofa_assets") == 0)
            parts = assets_partitions;
        rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(mcluster, default_topics[i].name, parts, 1);
        if (err)
            fprintf(stderr, "ofc broker: topic %s: %s\n", default_topics[i].name,
                    rd_kafka_err2str(err));
    }
    for (size_t i = 0; i < extra_count; i++) {
        char name[256];
        int parts = 1;
        const char *colon = strrchr(extra[i], ':');
        size_t len = colon ? (size_t)(colon - extra[i]) : strlen(extra[i]);
        if (colon)
            parse_count(colon + 1, 10000, &parts); /* checked above */
        memcpy(name, extra[i], len);
        name[len] = '\0';
        rd_kafka_mock_topic_create(mcluster, name, parts, 1);
    }

    const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);
    if (bootstrap_file && !write_file_atomically(bootstrap_file, bootstraps)) {
        fprintf(stderr, "ofc broker: cannot write %s: %s\n", bootstrap_file, strerror(errno));
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        goto out;
    }
    /* The file first: whoever reads the printed line may look for the file next. */
    printf("%s\n", bootstraps);
    fflush(stdout);
    fprintf(stderr,
            "ofc broker: in-memory test broker on %s (not for production); Ctrl-C stops it\n",
            bootstraps);

    cli_install_stop_signals();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_outage_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!cli_stop_requested()) {
        sigsuspend(&old);
        if (outage_request) {
            set_brokers(mcluster, broker_count, outage_request == 2);
            outage_request = 0;
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);

    rd_kafka_mock_cluster_destroy(mcluster);
    rd_kafka_destroy(rk);
    if (bootstrap_file)
        unlink(bootstrap_file);
    rc = 0;
out:
    free(extra);
    return rc;
}
