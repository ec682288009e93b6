/* it_commands: identity-bound commands end to end, with real processes: `ofc keygen` makes
 * operator keys, the virtual plant runs as a verifying executor (`ofc sim --trust`), `ofc send`
 * signs and follows commands to EXECUTED or REJECTED, forged and unsigned commands (sent with
 * kcat) are refused by the plant with their reasons, `ofc verify` audits the whole log, and with
 * the broker down a command ends FAILED, never SENT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"

#include "timeutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    proc broker, sim;
    char boot[256];
    char dir[64];
    char alice[128], mallory[128], viewer[128], trust[128];
    char pid_asset[64];
} G;

static char *run(char *const argv[], const char *input, int *status)
{
    return proc_run(argv, input, 60000, status);
}

static void keygen(const char *operator_id, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.key", G.dir, operator_id);
    char *argv[] = {OFC_BINARY,        "keygen", "--operator", (char *)operator_id,
                    "--no-passphrase", "--out",  path,         NULL};
    int st;
    free(run(argv, NULL, &st));
    assert_int_equal(st, 0);
}

static void append_trust(const char *key_path, const char *grants)
{
    char pub[160], line[512];
    snprintf(pub, sizeof pub, "%s.pub", key_path);
    FILE *f = fopen(pub, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    FILE *t = fopen(G.trust, "a");
    fprintf(t, "%s %s\n", line, grants);
    fclose(t);
}

static int group_setup(void **state)
{
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-cmd-XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.trust, sizeof G.trust, "%s/trust", G.dir);
    keygen("alice", G.alice, sizeof G.alice);
    keygen("mallory", G.mallory, sizeof G.mallory);
    keygen("watcher", G.viewer, sizeof G.viewer);
    append_trust(G.alice, "roles=operator methods=* uns=Demofactory");
    append_trust(G.viewer, "roles=viewer methods=* uns=*");
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    char *argv[] = {OFC_BINARY, "sim",    "-b", G.boot,    "--assets", "6", "--rate",
                    "20",       "--seed", "5",  "--trust", G.trust,    NULL};
    if (!proc_spawn(&G.sim, argv, false, false))
        return -1;
    /* The temperature controller of a 6-device plant (kinds are round-robin). */
    snprintf(G.pid_asset, sizeof G.pid_asset, "TEMP-CTRL-001");
    sleep(3);
    return 0;
}

static int group_teardown(void **state)
{
    proc_stop(&G.sim, 10000);
    proc_stop(&G.broker, 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static json_t *send_cmd(const char *key, const char *method, const char *arg, int *status)
{
    char *argv[] = {OFC_BINARY, "send",
                    "-b",       G.boot,
                    "--key",    (char *)key,
                    "--asset",  G.pid_asset,
                    "--method", (char *)method,
                    "--arg",    (char *)arg,
                    "--reason", "integration test",
                    "--json",   "--timeout",
                    "30s",      NULL};
    char *out = run(argv, NULL, status);
    json_t *doc = out ? json_loads(out, 0, NULL) : NULL;
    if (!doc)
        fprintf(stderr, "ofc send printed: %s\n", out ? out : "(nothing)");
    free(out);
    return doc;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static char *attr_value(const char *uuid, const char *id)
{
    char *argv[] = {OFC_BINARY, "snapshot", "-b", G.boot, "--timeout", "30s", NULL};
    int st;
    char *out = run(argv, NULL, &st);
    json_t *snap = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    char *result = NULL;
    size_t i, j;
    json_t *a, *at;
    json_array_foreach(json_object_get(snap, "assets"), i, a)
    {
        if (strcmp(jstr(a, "uuid"), uuid))
            continue;
        json_array_foreach(json_object_get(a, "attributes"), j, at)
        {
            if (!strcmp(jstr(at, "id"), id) && jstr(at, "value"))
                result = strdup(jstr(at, "value"));
        }
    }
    json_decref(snap);
    return result;
}

static void test_signed_command_is_executed(void **state)
{
    int st;
    json_t *r = send_cmd(G.alice, "SwitchMode", "NewMode=MANUAL", &st);
    assert_non_null(r);
    assert_int_equal(st, 0);
    assert_string_equal(jstr(r, "state"), "EXECUTED");
    assert_true(json_integer_value(json_object_get(r, "partition")) >= 0);
    assert_true(json_integer_value(json_object_get(r, "offset")) >= 0);
    assert_string_equal(jstr(r, "detail"), "verified");
    json_decref(r);
    /* The plant's record of the new mode follows the outcome; while the sim has the device off
     * line (its random outages) the mode is sent when the device comes back. */
    char *mode = NULL;
    for (int tries = 0; tries < 30; tries++) {
        free(mode);
        mode = attr_value(G.pid_asset, "mode");
        if (mode && strcmp(mode, "MANUAL") == 0)
            break;
        sleep(2);
    }
    assert_non_null(mode);
    assert_string_equal(mode, "MANUAL");
    free(mode);
}

static void test_unknown_key_and_viewer_are_rejected(void **state)
{
    int st;
    json_t *r = send_cmd(G.mallory, "SwitchMode", "NewMode=AUTO", &st);
    assert_non_null(r);
    assert_int_equal(st, 1);
    assert_string_equal(jstr(r, "state"), "REJECTED");
    assert_non_null(strstr(jstr(r, "detail"), "unknown_key"));
    json_decref(r);
    r = send_cmd(G.viewer, "SwitchMode", "NewMode=AUTO", &st);
    assert_int_equal(st, 1);
    assert_string_equal(jstr(r, "state"), "REJECTED");
    assert_non_null(strstr(jstr(r, "detail"), "policy_denied"));
    json_decref(r);
    char *mode = attr_value(G.pid_asset, "mode");
    assert_string_equal(mode, "MANUAL"); /* unchanged by the refused ones */
    free(mode);
}

static void test_forged_and_unsigned_commands_are_refused(void **state)
{
    /* An unsigned command, as any upstream client sends it, and one claiming alice's name
     * with a made-up signature. */
    char ts[40], ts_ms[40], input[4096];
    int64_t now = ofc_time_now_us();
    ofc_time_format_iso(now, 6, ts, sizeof ts);
    ofc_time_format_iso(now, 3, ts_ms, sizeof ts_ms);
    snprintf(input, sizeof input,
             "%s\t{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"{\\\"header\\\":{\\\"correlation_id\\\":"
             "\\\"11111111-2222-4333-8444-555555555555\\\",\\\"sender_uuid\\\":\\\"alice\\\","
             "\\\"timestamp\\\":\\\"%s\\\",\\\"signature\\\":null},\\\"arguments\\\":{"
             "\\\"NewMode\\\":\\\"AUTO\\\"}}\",\"TAG\":\"Method.Command\",\"TYPE\":\"OpenFactory\","
             "\"attributes\":{\"timestamp\":\"%s\"}}\n"
             "%s\t{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"{\\\"header\\\":{\\\"correlation_id\\\":"
             "\\\"66666666-7777-4888-9999-000000000000\\\",\\\"sender_uuid\\\":\\\"alice\\\","
             "\\\"timestamp\\\":\\\"%s\\\",\\\"signature\\\":\\\"ed25519:0123456789abcdef:"
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
             "A==\\\"},\\\"arguments\\\":{\\\"NewMode\\\":\\\"AUTO\\\"}}\","
             "\"TAG\":\"Method.Command\",\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":"
             "\"%s\"}}\n",
             G.pid_asset, ts, ts_ms, G.pid_asset, ts, ts_ms);
    char *kcat[] = {"kcat",       "-P", "-b", G.boot, "-t",
                    "ofa_assets", "-K", "\t", "-X",   "topic.partitioner=murmur2_random",
                    NULL};
    int st;
    free(run(kcat, input, &st));
    assert_int_equal(st, 0);

    /* The plant reports each refusal as its outcome attribute; the mode stays MANUAL. */
    bool saw_unknown = false;
    for (int i = 0; i < 30 && !saw_unknown; i++) {
        char *outcome = attr_value(G.pid_asset, "ofc_command_outcome");
        saw_unknown = outcome && strstr(outcome, "66666666-7777-4888-9999-000000000000") &&
                      strstr(outcome, "\"rejected\"") && strstr(outcome, "unknown_key");
        free(outcome);
        if (!saw_unknown)
            sleep(1);
    }
    assert_true(saw_unknown);
    char *mode = attr_value(G.pid_asset, "mode");
    assert_string_equal(mode, "MANUAL");
    free(mode);

    /* The audit of the whole log names every command and why. */
    char *vargv[] = {OFC_BINARY, "verify", "-b", G.boot, "--trust", G.trust, "--json", NULL};
    char *out = run(vargv, NULL, &st);
    assert_int_equal(st, 0);
    int valid = 0, unknown = 0, unsigned_ = 0, denied = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *v = json_loads(line, 0, NULL);
        assert_non_null(v);
        const char *verdict = jstr(v, "verdict");
        valid += !strcmp(verdict, "valid");
        unknown += !strcmp(verdict, "unknown_key");
        unsigned_ += !strcmp(verdict, "unsigned");
        denied += !strcmp(verdict, "policy_denied");
        if (!strcmp(verdict, "valid")) {
            assert_string_equal(jstr(v, "operator"), "alice");
            assert_string_equal(jstr(v, "reason"), "integration test");
        }
        json_decref(v);
    }
    free(out);
    assert_int_equal(valid, 1);
    assert_int_equal(unknown, 2); /* mallory's key, and the made-up signature */
    assert_int_equal(unsigned_, 1);
    assert_int_equal(denied, 1); /* the viewer */
}

/* A method the asset does not advertise is refused with a reason the sender hears at once. */
static void test_unknown_method_is_rejected_with_a_reason(void **state)
{
    int st;
    json_t *r = send_cmd(G.alice, "NoSuchMethod", "X=1", &st);
    assert_non_null(r);
    assert_int_equal(st, 1);
    assert_string_equal(jstr(r, "state"), "REJECTED");
    assert_non_null(strstr(jstr(r, "detail"), "no such method"));
    json_decref(r);
}

/* The executor follows its trust store: deleted, it trusts nobody (fail closed), not the keys
 * it read before; back, it trusts them again, without a restart. */
static void test_deleted_trust_store_fails_closed(void **state)
{
    char moved[160];
    snprintf(moved, sizeof moved, "%s.away", G.trust);
    assert_int_equal(rename(G.trust, moved), 0);
    sleep(3); /* the sim looks once a second */
    int st;
    json_t *r = send_cmd(G.alice, "SwitchMode", "NewMode=AUTO", &st);
    assert_non_null(r);
    assert_int_equal(st, 1);
    assert_string_equal(jstr(r, "state"), "REJECTED");
    assert_non_null(strstr(jstr(r, "detail"), "unknown_key"));
    json_decref(r);
    assert_int_equal(rename(moved, G.trust), 0);
    sleep(3);
    r = send_cmd(G.alice, "SwitchMode", "NewMode=AUTO", &st);
    assert_non_null(r);
    assert_int_equal(st, 0);
    assert_string_equal(jstr(r, "state"), "EXECUTED");
    json_decref(r);
}

static void test_broker_down_means_failed_never_sent(void **state)
{
    proc_signal(&G.broker, SIGUSR1);
    sleep(1);
    int st;
    int64_t t0 = ofc_time_mono_us();
    json_t *r = send_cmd(G.alice, "SwitchMode", "NewMode=AUTO", &st);
    assert_non_null(r);
    assert_int_equal(st, 1);
    assert_string_equal(jstr(r, "state"), "FAILED");
    assert_int_equal(json_integer_value(json_object_get(r, "partition")), -1);
    assert_true(ofc_time_mono_us() - t0 < 40 * 1000000LL);
    json_decref(r);
    proc_signal(&G.broker, SIGUSR2);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_command_is_executed),
        cmocka_unit_test(test_unknown_key_and_viewer_are_rejected),
        cmocka_unit_test(test_forged_and_unsigned_commands_are_refused),
        cmocka_unit_test(test_unknown_method_is_rejected_with_a_reason),
        cmocka_unit_test(test_deleted_trust_store_fails_closed),
        cmocka_unit_test(test_broker_down_means_failed_never_sent),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
