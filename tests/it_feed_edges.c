/* it_feed_edges: the feed's edges against real processes: hostile records on ofa_assets are
 * counted by reason while the rest of the plant is read; `--since` a time starts at the right
 * offset on the embedded broker (which cannot answer offsets-for-times, so the binary search
 * runs); deregistration tombstones remove assets; `ofc watch` prints live changes; and
 * `ofc broker` writes its bootstrap file and exits cleanly on SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"

#include "config.h"
#include "feed_resolver.h"
#include "timeutil.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static json_t *snapshot(const char *boot, char *const extra[], int *status)
{
    char *argv[16] = {OFC_BINARY, "snapshot", "-b", (char *)boot, "--timeout", "30s"};
    int n = 6;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char *out = proc_run(argv, NULL, 60000, status);
    json_t *doc = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    return doc;
}

static const json_t *asset_in(const json_t *snap, const char *uuid)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(snap, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) == 0)
            return a;
    }
    return NULL;
}

static int kcat_produce(const char *boot, const char *topic, const char *key_delim_input)
{
    char *argv[] = {"kcat",
                    "-P",
                    "-b",
                    (char *)boot,
                    "-t",
                    (char *)topic,
                    "-K",
                    "\t",
                    "-Z",
                    "-X",
                    "topic.partitioner=murmur2_random",
                    NULL};
    int status;
    free(proc_run(argv, key_delim_input, 20000, &status));
    return status;
}

static void test_hostile_records_are_counted_not_fatal(void **state)
{
    proc broker;
    char boot[256];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    /* key<TAB>value per line; -Z turns an empty value into a NULL (tombstone). */
    const char *input =
        "GOOD-1\t{\"ID\":\"Temp\",\"VALUE\":21.5,\"TAG\":\"Temperature\",\"TYPE\":\"Samples\","
        "\"attributes\":{\"timestamp\":\"2026-08-10T09:15:01.208Z\"}}\n"
        "BAD-1\t{\"ID\":\"Temp\",\"VALUE\":21.5,\n"
        "BAD-2\t[1,2,3]\n"
        "BAD-3\t{\"VALUE\":1,\"TYPE\":\"Samples\"}\n"
        "BAD-4\t{\"ID\":\"x\",\"id\":\"y\",\"VALUE\":1,\"TYPE\":\"Samples\"}\n"
        "BAD-5\t{\"ID\":\"x\",\"VALUE\":{\"nested\":true},\"TYPE\":\"Samples\"}\n"
        "BAD-6\t{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"Samples\",\"attributes\":{\"timestamp\":"
        "\"yesterday\"}}\n"
        "BAD-7\t\n"
        "GOOD-2\t{\"id\":\"Temp\",\"value\":\"22.0\",\"tag\":\"{urn:mtconnect.org:"
        "MTConnectStreams:2.2}Temperature\",\"type\":\"Samples\",\"attributes\":{\"timestamp\":"
        "\"2026-08-10T09:15:01.208311Z\"}}\n";
    assert_int_equal(kcat_produce(boot, "ofa_assets", input), 0);

    int status;
    json_t *snap = snapshot(boot, NULL, &status);
    assert_int_equal(status, 0);
    assert_non_null(asset_in(snap, "GOOD-1"));
    assert_non_null(asset_in(snap, "GOOD-2"));
    for (int i = 1; i <= 7; i++) {
        char uuid[16];
        snprintf(uuid, sizeof uuid, "BAD-%d", i);
        assert_null(asset_in(snap, uuid));
    }
    const json_t *rej = json_object_get(json_object_get(snap, "status"), "rejected");
    assert_int_equal(json_integer_value(json_object_get(rej, "json_syntax")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "not_object")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "missing_id")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "duplicate_field")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "bad_value")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "bad_timestamp")), 1);
    assert_int_equal(json_integer_value(json_object_get(rej, "null_value")), 1);
    json_decref(snap);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

static int64_t produce_timed(const char *boot, int count, int64_t t0_ms)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    for (int i = 0; i < count; i++) {
        char value[256], ts[40];
        ofc_time_format_iso((t0_ms + i * 1000LL) * 1000, 3, ts, sizeof ts);
        int n = snprintf(value, sizeof value,
                         "{\"ID\":\"seq\",\"VALUE\":%d,\"TAG\":\"Count\",\"TYPE\":\"Samples\","
                         "\"attributes\":{\"timestamp\":\"%s\"}}",
                         i, ts);
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("ofa_assets"), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_KEY("CLOCK", 5), RD_KAFKA_V_VALUE(value, (size_t)n),
                          RD_KAFKA_V_TIMESTAMP(t0_ms + i * 1000LL),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    }
    rd_kafka_flush(rk, 20000);
    int64_t left = rd_kafka_outq_len(rk);
    rd_kafka_destroy(rk);
    return left;
}

static void test_since_time_finds_the_offset(void **state)
{
    proc broker;
    char boot[256], err[256];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    /* 500 records one second apart, ending now. */
    int64_t now_ms = ofc_time_now_us() / 1000, t0 = now_ms - 500 * 1000LL;
    assert_int_equal(produce_timed(boot, 500, t0), 0);

    /* The resolver's probe search, directly: first record at or after t0 + 300.5 s is #301. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof err);
    int64_t off = -1;
    assert_int_equal(resolver_seek_time_by_probe(conf, "ofa_assets", 0, 0, 500, t0 + 300500, &off,
                                                 err, sizeof err),
                     OFC_OK);
    assert_int_equal(off, 301);
    assert_int_equal(
        resolver_seek_time_by_probe(conf, "ofa_assets", 0, 0, 500, t0, &off, err, sizeof err),
        OFC_OK);
    assert_int_equal(off, 0);
    assert_int_equal(resolver_seek_time_by_probe(conf, "ofa_assets", 0, 0, 500, now_ms + 60000,
                                                 &off, err, sizeof err),
                     OFC_OK);
    assert_int_equal(off, 500);
    rd_kafka_conf_destroy(conf);

    /* Through the CLI with an absolute time: the model holds only what came after. */
    char since[40];
    ofc_time_format_iso((t0 + 450 * 1000LL) * 1000 - 500000, 3, since, sizeof since);
    char *extra[] = {"--since", since, NULL};
    int status;
    json_t *snap = snapshot(boot, extra, &status);
    assert_int_equal(status, 0);
    const json_t *clock = asset_in(snap, "CLOCK");
    assert_non_null(clock);
    const json_t *seq = json_array_get(json_object_get(clock, "attributes"), 0);
    assert_int_equal(json_integer_value(json_object_get(seq, "value")), 499);
    assert_int_equal(json_integer_value(json_object_get(seq, "updates")), 50);
    json_decref(snap);

    /* --since end: nothing from ofa_assets at all. */
    char *end[] = {"--since", "end", NULL};
    snap = snapshot(boot, end, &status);
    assert_int_equal(status, 0);
    assert_null(asset_in(snap, "CLOCK"));
    json_decref(snap);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

/* With its broker gone, ofc sim waits up to 30 s at exit to deliver what is queued (the truth
 * file lists only acknowledged records); a second signal gives up at once and says so in the
 * exit status (records lost). */
static void test_sim_second_signal_gives_up_delivery(void **state)
{
    proc broker, sim;
    char boot[256];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    char *argv[] = {OFC_BINARY, "sim", "-b", boot, "--assets", "6", "--rate", "500", NULL};
    assert_true(proc_spawn(&sim, argv, false, false));
    nanosleep(&(struct timespec){3, 0}, NULL);
    proc_signal(&broker, SIGKILL);
    assert_int_equal(proc_wait(&broker, 5000), 128 + SIGKILL);
    nanosleep(&(struct timespec){1, 0}, NULL); /* records pile up with nowhere to go */
    proc_signal(&sim, SIGTERM);
    assert_int_equal(proc_wait(&sim, 1500), -1); /* still trying to deliver */
    int64_t t0 = proc_mono_ms();
    proc_signal(&sim, SIGTERM);
    assert_int_equal(proc_wait(&sim, 5000), 1); /* undelivered records: not a clean exit */
    assert_true(proc_mono_ms() - t0 < 3000);
}

static void test_deregistration_removes_assets(void **state)
{
    proc broker, sim;
    char boot[256];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    char *argv[] = {OFC_BINARY,
                    "sim",
                    "-b",
                    boot,
                    "--assets",
                    "6",
                    "--rate",
                    "100",
                    "--duration",
                    "60s",
                    "--deregister-on-exit",
                    NULL};
    assert_true(proc_spawn(&sim, argv, false, false));
    /* Wait until the console sees the whole plant: 6 devices and the -AGENT/-PRODUCER helpers
     * of the 3 MTConnect ones (docs/sim.md), i.e. 12 assets, so `before` is not a partial count
     * taken while the plant is still registering. */
    const size_t plant_assets = 12;
    int status;
    json_t *snap = NULL;
    for (int i = 0; i < 80; i++) {
        json_decref(snap);
        snap = snapshot(boot, NULL, &status);
        if (snap && json_array_size(json_object_get(snap, "assets")) >= plant_assets)
            break;
        nanosleep(&(struct timespec){0, 250000000}, NULL);
    }
    size_t before = json_array_size(json_object_get(snap, "assets"));
    assert_int_equal(before, plant_assets);
    json_decref(snap);
    assert_int_equal(proc_stop(&sim, 15000), 0);

    snap = snapshot(boot, NULL, &status);
    assert_int_equal(status, 0);
    assert_int_equal(json_array_size(json_object_get(snap, "assets")), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(snap, "uns"), "total_assets")), 0);
    json_decref(snap);
    char *all[] = {"--include-removed", NULL};
    snap = snapshot(boot, all, &status);
    size_t i;
    const json_t *a;
    assert_int_equal(json_array_size(json_object_get(snap, "assets")), before);
    json_array_foreach(json_object_get(snap, "assets"), i, a)
    {
        assert_string_equal(json_string_value(json_object_get(a, "registration")), "removed");
        assert_true(json_is_null(json_object_get(a, "uns_id")));
    }
    json_decref(snap);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

static void test_watch_prints_live_changes(void **state)
{
    proc broker, watch, sim;
    char boot[256], line[8192];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    char *wargv[] = {OFC_BINARY, "watch", "-b", boot, "--json", NULL};
    assert_true(proc_spawn(&watch, wargv, true, false));
    nanosleep(&(struct timespec){1, 500000000}, NULL); /* let it assign and reach the (empty) end */
    char *sargv[] = {OFC_BINARY, "sim", "-b",         boot,  "--assets", "6",
                     "--rate",   "50",  "--duration", "30s", NULL};
    assert_true(proc_spawn(&sim, sargv, false, false));
    int attributes = 0;
    bool saw_samples = false;
    while (attributes < 50 && proc_read_line(&watch, line, sizeof line, 20000)) {
        json_t *ev = json_loads(line, 0, NULL);
        assert_non_null(ev); /* every line is one JSON document */
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        assert_non_null(kind);
        if (strcmp(kind, "attribute") == 0) {
            attributes++;
            const json_t *at = json_object_get(ev, "attribute");
            assert_non_null(json_object_get(at, "id"));
            if (strcmp(json_string_value(json_object_get(at, "type")), "Samples") == 0)
                saw_samples = true;
        }
        json_decref(ev);
    }
    assert_int_equal(attributes, 50);
    assert_true(saw_samples);
    assert_int_equal(proc_stop(&sim, 10000), 0);
    assert_int_equal(proc_stop(&watch, 5000), 0);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

/* Names and values from the wire never reach the terminal as control characters: escape
 * sequences, carriage returns and newlines are printed as escapes, quotes inside a quoted value
 * are escaped, so one change is one line and nothing can retitle the window or forge a line. */
static void test_watch_escapes_what_the_wire_sends(void **state)
{
    proc broker, watch;
    char boot[256], line[8192];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    char *wargv[] = {OFC_BINARY, "watch", "-b", boot, NULL};
    assert_true(proc_spawn(&watch, wargv, true, false));
    nanosleep(&(struct timespec){1, 500000000}, NULL);
    const char *input =
        "EVIL-1\t{\"ID\":\"esc\",\"VALUE\":\"\\u001b[2J\\u001b[31mRED\\r\\nINJECTED \\\"q\\\" "
        "\\u009b\",\"TAG\":\"X\",\"TYPE\":\"Events\"}\n"
        "EVIL-1\t{\"ID\":\"id\\u001b]0;pwned\\u0007x\",\"VALUE\":1,\"TAG\":\"X\",\"TYPE\":"
        "\"Samples\"}\n";
    assert_int_equal(kcat_produce(boot, "ofa_assets", input), 0);
    int seen = 0;
    while (seen < 2 && proc_read_line(&watch, line, sizeof line, 20000)) {
        for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
            assert_false(*p < 0x20 || *p == 0x7f);
            assert_false(*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
        }
        if (strstr(line, "  esc = ")) {
            assert_non_null(
                strstr(line, "esc = \"\\u001b[2J\\u001b[31mRED\\r\\nINJECTED \\\"q\\\" \\u009b\""));
            seen++;
        }
        if (strstr(line, "id\\u001b]0;pwned\\u0007x = 1")) /* an ID, unquoted */
            seen++;
    }
    assert_int_equal(seen, 2);
    assert_int_equal(proc_stop(&watch, 5000), 0);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

/* A cluster without ofa_assets (the wrong cluster, a misspelt topic.assets) is not an empty
 * plant: `ofc snapshot` says so and exits 3, so a script cannot take it for success. */
static void test_snapshot_without_the_assets_topic_fails(void **state)
{
    proc broker;
    char boot[256];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    char *bad[] = {OFC_BINARY, "snapshot", "-b", boot, "-X", "topic.assets=ofa_assetz", NULL};
    int st;
    free(proc_run(bad, NULL, 60000, &st));
    assert_int_equal(st, 3);
    char *good[] = {OFC_BINARY, "snapshot", "-b", boot, NULL};
    free(proc_run(good, NULL, 60000, &st));
    assert_int_equal(st, 0); /* an empty plant on a real OpenFactory topic is fine */
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

static void test_broker_bootstrap_file_and_clean_exit(void **state)
{
    char dir[] = "/tmp/ofc-broker-XXXXXX", path[128], first[256], file[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bootstrap", dir);
    char *argv[] = {OFC_BINARY, "broker", "--bootstrap-file", path, "--topic", "extra:3", NULL};
    proc broker;
    assert_true(proc_spawn(&broker, argv, true, false));
    assert_true(proc_read_line(&broker, first, sizeof first, 10000));
    assert_non_null(strstr(first, "127.0.0.1:"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(file, sizeof file, f));
    fclose(f);
    file[strcspn(file, "\n")] = '\0';
    assert_string_equal(file, first);
    /* The extra topic exists with its partitions, as do OpenFactory's. */
    char *kargv[] = {"kcat", "-L", "-b", first, "-t", "extra", NULL};
    int status;
    char *meta = proc_run(kargv, NULL, 20000, &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(meta, "3 partitions"));
    free(meta);
    char *kargv2[] = {"kcat", "-L", "-b", first, "-t", "ofa_assets", NULL};
    meta = proc_run(kargv2, NULL, 20000, &status);
    assert_non_null(strstr(meta, "6 partitions"));
    free(meta);
    assert_int_equal(proc_stop(&broker, 5000), 0);
    assert_int_equal(access(path, F_OK), -1); /* removed on exit */
    rmdir(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_records_are_counted_not_fatal),
        cmocka_unit_test(test_since_time_finds_the_offset),
        cmocka_unit_test(test_deregistration_removes_assets),
        cmocka_unit_test(test_sim_second_signal_gives_up_delivery),
        cmocka_unit_test(test_watch_prints_live_changes),
        cmocka_unit_test(test_watch_escapes_what_the_wire_sends),
        cmocka_unit_test(test_snapshot_without_the_assets_topic_fails),
        cmocka_unit_test(test_broker_bootstrap_file_and_clean_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
