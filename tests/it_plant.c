/* it_plant: end to end against real processes. `ofc broker` runs on loopback, `ofc sim` produces
 * a plant, and the console's view is compared with the plant's ground truth (every asset,
 * attribute value and UNS path): live (an in-process feed following while the plant produces),
 * after replay (`ofc snapshot`), seeded from ksqlDB's ASSETS table, and for a UNS subtree. Then
 * a command sent with kcat (an independent client) is executed by the plant and seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"
#include "support/truth_compare.h"

#include "asset_model.h"
#include "config.h"
#include "event_loop.h"
#include "feed.h"
#include "snapshot_json.h"
#include "timeutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    proc broker;
    char boot[256];
    char dir[64];
    char truth_path[128];
    json_t *truth;
    ofc_config *cfg;
    ofc_model *model;
    ofc_feed *feed;
    ofc_loop *loop;
    size_t assets_mid_run;
} G;

static void pump_for(int ms)
{
    int64_t end = ofc_time_mono_us() + (int64_t)ms * 1000;
    while (ofc_time_mono_us() < end)
        ofc_loop_run_once(G.loop, 50);
}

/* Pump until the feed has read everything the broker holds, steadily for settle_ms. */
static bool pump_until_settled(int timeout_ms, int settle_ms)
{
    int64_t deadline = ofc_time_mono_us() + (int64_t)timeout_ms * 1000, zero_since = 0;
    while (ofc_time_mono_us() < deadline) {
        ofc_loop_run_once(G.loop, 50);
        const ofc_feed_status *st = ofc_feed_get_status(G.feed);
        int64_t now = ofc_time_mono_us();
        if (st->caught_up && st->lag == 0) {
            if (!zero_since)
                zero_since = now;
            if (now - zero_since >= (int64_t)settle_ms * 1000)
                return true;
        } else {
            zero_since = 0;
        }
    }
    return false;
}

static json_t *run_snapshot(char *const extra[], int *status)
{
    char *argv[16] = {OFC_BINARY, "snapshot", "-b", G.boot, "--timeout", "30s"};
    int n = 6;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    char *out = proc_run(argv, NULL, 60000, status);
    json_error_t jerr;
    json_t *doc = out ? json_loads(out, 0, &jerr) : NULL;
    if (!doc)
        fprintf(stderr, "snapshot output not JSON: %s\n", out ? jerr.text : "(none)");
    free(out);
    return doc;
}

static void expect_matches(const json_t *snap, truth_mode mode)
{
    char report[4096];
    size_t bad = truth_compare(snap, G.truth, mode, report, sizeof report);
    if (bad)
        fprintf(stderr, "%zu mismatches:\n%s", bad, report);
    assert_int_equal(bad, 0);
}

static int group_setup(void **state)
{
    char err[256];
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-it-XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.truth_path, sizeof G.truth_path, "%s/truth.json", G.dir);
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;

    /* The live console starts before the plant exists, so all it knows it learns live. */
    G.cfg = ofc_config_new();
    ofc_config_set(G.cfg, "brokers", G.boot, err, sizeof err);
    G.model = ofc_model_new(NULL);
    G.feed = ofc_feed_new(G.cfg, G.model, err, sizeof err);
    if (!G.feed)
        return -1;
    G.loop = ofc_loop_new();
    ofc_feed_attach(G.feed, G.loop, 4096);
    int64_t deadline = ofc_time_mono_us() + 15000000;
    while (!ofc_feed_get_status(G.feed)->caught_up && ofc_time_mono_us() < deadline)
        ofc_loop_run_once(G.loop, 50);
    if (!ofc_feed_get_status(G.feed)->caught_up)
        return -1;

    proc sim;
    char *argv[] = {OFC_BINARY, "sim",    "-b",           G.boot,       "--assets",
                    "30",       "--rate", "400",          "--duration", "5s",
                    "--seed",   "11",     "--truth-file", G.truth_path, NULL};
    if (!proc_spawn(&sim, argv, false, false))
        return -1;
    pump_for(2500);
    G.assets_mid_run = ofc_model_asset_count(G.model);
    int st = -1;
    deadline = ofc_time_mono_us() + 30000000;
    while (st < 0 && ofc_time_mono_us() < deadline) {
        pump_for(100);
        st = proc_wait(&sim, 0);
    }
    if (st != 0) {
        fprintf(stderr, "ofc sim exited with %d\n", st);
        return -1;
    }
    json_error_t jerr;
    G.truth = json_load_file(G.truth_path, 0, &jerr);
    if (!G.truth) {
        fprintf(stderr, "truth: %s\n", jerr.text);
        return -1;
    }
    return pump_until_settled(20000, 1500) ? 0 : -1;
}

static int group_teardown(void **state)
{
    ofc_feed_destroy(G.feed);
    ofc_loop_destroy(G.loop);
    ofc_model_destroy(G.model);
    ofc_config_destroy(G.cfg);
    json_decref(G.truth);
    proc_stop(&G.broker, 5000);
    unlink(G.truth_path);
    rmdir(G.dir);
    return 0;
}

static void test_live_model_matches_truth(void **state)
{
    /* It was following while the plant produced, not only at the end. */
    assert_true(G.assets_mid_run > 0);
    assert_true(json_integer_value(json_object_get(G.truth, "produced")) > 1000);
    ofc_model_flush(G.model);
    json_writer jw;
    jw_init(&jw);
    ofc_snapshot_write(&jw, G.model, G.feed, NULL);
    json_t *snap = json_loads(jw.buf, 0, NULL);
    jw_fini(&jw);
    assert_non_null(snap);
    expect_matches(snap, TRUTH_EXACT);
    assert_int_equal(ofc_feed_get_status(G.feed)->rejected, 0);
    json_decref(snap);
}

static void test_replay_snapshot_matches_truth(void **state)
{
    int status;
    json_t *snap = run_snapshot(NULL, &status);
    assert_int_equal(status, 0);
    assert_non_null(snap);
    assert_true(json_is_true(json_object_get(snap, "complete")));
    assert_string_equal(json_string_value(json_object_get(snap, "format")), "ofconsole-snapshot/1");
    expect_matches(snap, TRUTH_EXACT);
    /* The UNS tree holds every mapped asset under Demofactory. */
    const json_t *uns = json_object_get(snap, "uns");
    const json_t *first = json_array_get(json_object_get(uns, "children"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "Demofactory");
    json_decref(snap);
}

static void test_table_seeded_snapshot_matches_truth(void **state)
{
    int status;
    char *extra[] = {"--table", "--since", "end", NULL};
    json_t *snap = run_snapshot(extra, &status);
    assert_int_equal(status, 0);
    assert_non_null(snap);
    expect_matches(snap, TRUTH_TEXT);
    json_decref(snap);
}

static void test_uns_subtree(void **state)
{
    int status;
    char *extra[] = {"--uns", "Demofactory/Machining", NULL};
    json_t *snap = run_snapshot(extra, &status);
    assert_int_equal(status, 0);
    const json_t *assets = json_object_get(snap, "assets");
    assert_true(json_array_size(assets) > 0);
    assert_true(json_array_size(assets) < json_array_size(json_object_get(G.truth, "assets")));
    size_t i;
    const json_t *a;
    json_array_foreach(assets, i, a)
    {
        const char *uns = json_string_value(json_object_get(a, "uns_id"));
        const char *dev = json_string_value(json_object_get(a, "device"));
        assert_true((uns && strncmp(uns, "Demofactory/Machining/", 22) == 0) || dev);
    }
    assert_string_equal(json_string_value(json_object_get(json_object_get(snap, "uns"), "path")),
                        "Demofactory/Machining");
    json_decref(snap);
}

static const char *find_asset_with_method(const char *method)
{
    size_t i, j;
    const json_t *a, *at;
    json_array_foreach(json_object_get(G.truth, "assets"), i, a)
    {
        json_array_foreach(json_object_get(a, "attributes"), j, at)
        {
            if (strcmp(json_string_value(json_object_get(at, "id")), method) == 0)
                return json_string_value(json_object_get(a, "uuid"));
        }
    }
    return NULL;
}

static char *attr_value_in(json_t *snap, const char *uuid, const char *id)
{
    size_t i, j;
    const json_t *a, *at;
    json_array_foreach(json_object_get(snap, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid))
            continue;
        json_array_foreach(json_object_get(a, "attributes"), j, at)
        {
            if (strcmp(json_string_value(json_object_get(at, "id")), id) == 0) {
                const char *v = json_string_value(json_object_get(at, "value"));
                return v ? strdup(v) : NULL;
            }
        }
    }
    return NULL;
}

static void test_plant_executes_command_sent_by_kcat(void **state)
{
    const char *pid = find_asset_with_method("SwitchMode");
    assert_non_null(pid);
    proc sim;
    char *argv[] = {OFC_BINARY, "sim",        "-b",  G.boot,   "--assets", "30", "--rate",
                    "20",       "--duration", "60s", "--seed", "11",       NULL};
    assert_true(proc_spawn(&sim, argv, false, false));
    sleep(3); /* the plant assigns its command partitions from the end */

    char envelope[512], record[1024], ts[40];
    ofc_time_format_iso(ofc_time_now_us(), 3, ts, sizeof ts);
    snprintf(envelope, sizeof envelope,
             "{\\\"header\\\":{\\\"correlation_id\\\":\\\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\\\","
             "\\\"sender_uuid\\\":\\\"IT-TEST\\\",\\\"timestamp\\\":\\\"%s\\\",\\\"signature\\\":"
             "null},\\\"arguments\\\":{\\\"NewMode\\\":\\\"MANUAL\\\"}}",
             ts);
    snprintf(record, sizeof record,
             "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"%s\",\"TAG\":\"Method.Command\",\"TYPE\":"
             "\"OpenFactory\",\"attributes\":{\"timestamp\":\"%s\"}}\n",
             envelope, ts);
    char *kcat[] = {"kcat",       "-P", "-b",        G.boot, "-t",
                    "ofa_assets", "-k", (char *)pid, "-X",   "topic.partitioner=murmur2_random",
                    NULL};
    int status;
    free(proc_run(kcat, record, 20000, &status));
    assert_int_equal(status, 0);

    char *mode = NULL;
    for (int tries = 0; tries < 30; tries++) {
        json_t *snap = run_snapshot(NULL, &status);
        free(mode);
        mode = snap ? attr_value_in(snap, pid, "mode") : NULL;
        char *cmd = snap ? attr_value_in(snap, pid, "SwitchMode_CMD") : NULL;
        json_decref(snap);
        bool echoed = cmd != NULL;
        free(cmd);
        if (mode && strcmp(mode, "MANUAL") == 0 && echoed)
            break;
        sleep(1);
    }
    assert_non_null(mode);
    assert_string_equal(mode, "MANUAL");
    free(mode);
    assert_true(proc_stop(&sim, 10000) == 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_model_matches_truth),
        cmocka_unit_test(test_replay_snapshot_matches_truth),
        cmocka_unit_test(test_table_seeded_snapshot_matches_truth),
        cmocka_unit_test(test_uns_subtree),
        cmocka_unit_test(test_plant_executes_command_sent_by_kcat),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
