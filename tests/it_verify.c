/* it_verify: `ofc verify` as an auditor uses it, with real processes: `ofc broker`, the virtual
 * plant as a verifying executor (`ofc sim --trust`), `ofc send`, and records produced straight to
 * Kafka with a chosen Kafka time.
 *
 * Asserts: an audit export (the NDJSON of `ofc verify --json`, the same form as the console's
 * :save and the web's GET /audit) is judged again by `ofc verify --stdin` at the Kafka time and
 * with the UNS path it carries, so a command ten minutes old stays valid and a key allowed only
 * by uns= passes (as key<TAB>record lines, judged now and without UNS paths, they do not); a
 * tampered export line fails with bad_signature; a line given twice is replayed; upstream's empty
 * <method>_CMD start-up record is not listed but counted; and `--follow` into a file writes each
 * verdict while it runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"

#include "command.h"
#include "op_key.h"
#include "timeutil.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TARGET "TEMP-CTRL-001"
#define OLD_US (10 * 60 * 1000000LL) /* the old command: ten minutes before the test */

static struct {
    proc broker, sim;
    char boot[256];
    char dir[64];
    char alice[128], trust[128];
    char live_cid[40], old_cid[40];
} G;

static char *run(char *const argv[], const char *input, int *status)
{
    return proc_run(argv, input, 60000, status);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int group_setup(void **state)
{
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-verify-XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.alice, sizeof G.alice, "%s/alice.key", G.dir);
    snprintf(G.trust, sizeof G.trust, "%s/trust", G.dir);
    char *kg[] = {OFC_BINARY,        "keygen", "--operator", "alice",
                  "--no-passphrase", "--out",  G.alice,      NULL};
    int st;
    free(run(kg, NULL, &st));
    if (st != 0)
        return -1;
    /* alice is allowed by UNS subtree only: a verdict of valid needs the target's UNS path. */
    char pub[160], line[512];
    snprintf(pub, sizeof pub, "%s.pub", G.alice);
    FILE *f = fopen(pub, "r");
    if (!f || !fgets(line, sizeof line, f))
        return -1;
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    FILE *t = fopen(G.trust, "w");
    fprintf(t, "%s roles=operator methods=* uns=Demofactory\n", line);
    fclose(t);
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    char *argv[] = {OFC_BINARY, "sim",    "-b", G.boot,    "--assets", "6", "--rate",
                    "20",       "--seed", "5",  "--trust", G.trust,    NULL};
    if (!proc_spawn(&G.sim, argv, false, false))
        return -1;
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

/* Produce one record to ofa_assets with the given Kafka (create) time, as any client can. */
static void produce_at(const char *key, const char *value, int64_t kafka_ms)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", G.boot, err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC("ofa_assets"), RD_KAFKA_V_KEY(key, strlen(key)),
        RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_TIMESTAMP(kafka_ms),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

/* Run `ofc verify` with extra arguments; stdout is returned, stderr's summary line in summary. */
static char *verify(const char *const extra[], const char *input, char *summary, size_t size)
{
    char errpath[160];
    snprintf(errpath, sizeof errpath, "%s/verify.err", G.dir);
    char cmd[2048];
    int n = snprintf(cmd, sizeof cmd, "exec '%s' verify --trust '%s'", OFC_BINARY, G.trust);
    for (int i = 0; extra[i]; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", extra[i]);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " 2>'%s'", errpath);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    int st;
    char *out = run(argv, input, &st);
    assert_int_equal(st, 0);
    assert_non_null(out);
    if (summary) {
        summary[0] = '\0';
        FILE *f = fopen(errpath, "r");
        assert_non_null(f);
        char line[1024];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "ofc verify:", 11) == 0) {
                size_t len = strlen(line) < size ? strlen(line) : size - 1;
                memcpy(summary, line, len);
                summary[len] = '\0';
            }
        fclose(f);
    }
    return out;
}

/* Verdict counts of NDJSON output; *lines gets each line's object in order (caller decrefs). */
static int count_verdicts(const char *out, const char *verdict, json_t **all)
{
    char *copy = strdup(out);
    int n = 0;
    for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
        json_t *v = json_loads(l, 0, NULL);
        assert_non_null(v);
        n += strcmp(jstr(v, "verdict"), verdict) == 0;
        if (all)
            json_array_append(*all, v);
        json_decref(v);
    }
    free(copy);
    return n;
}

static json_t *find_cid(json_t *arr, const char *cid)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (jstr(v, "correlation_id") && strcmp(jstr(v, "correlation_id"), cid) == 0)
            return v;
    }
    return NULL;
}

static char *export_of(json_t *entry)
{
    char *s = json_dumps(entry, JSON_COMPACT);
    size_t n = strlen(s);
    s = realloc(s, n + 2);
    s[n] = '\n';
    s[n + 1] = '\0';
    return s;
}

/* The log holds: a command the plant executed now, a command alice signed ten minutes ago and
 * that Kafka took then, and upstream's empty start-up record. */
static void test_audit_export_is_judged_again_as_of_its_kafka_time(void **state)
{
    char *send[] = {OFC_BINARY, "send",   "-b",        G.boot,       "--key",  G.alice,
                    "--asset",  TARGET,   "--method",  "SwitchMode", "--arg",  "NewMode=MANUAL",
                    "--reason", "it now", "--timeout", "30s",        "--json", NULL};
    int st;
    char *out = run(send, NULL, &st);
    json_t *r = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(r);
    assert_string_equal(jstr(r, "state"), "EXECUTED");
    snprintf(G.live_cid, sizeof G.live_cid, "%s", jstr(r, "correlation_id"));
    json_decref(r);

    ofc_op_key *key = NULL;
    char err[256];
    assert_int_equal(ofc_op_key_load(G.alice, NULL, &key, err, sizeof err), OFC_OK);
    const char *names[] = {"NewMode"}, *values[] = {"AUTO"};
    ofc_signed_command old;
    int64_t then = ofc_time_now_us() - OLD_US;
    assert_int_equal(ofc_command_sign(key, TARGET, "SwitchMode", 1, names, values,
                                      "ten minutes ago", then, &old, err, sizeof err),
                     OFC_OK);
    snprintf(G.old_cid, sizeof G.old_cid, "%s", old.correlation_id);
    produce_at(old.target, old.record, then / 1000 + 5);
    ofc_signed_command_fini(&old);
    ofc_op_key_destroy(key);
    char ts[40], empty[512];
    ofc_time_format_iso(ofc_time_now_us(), 3, ts, sizeof ts);
    snprintf(empty, sizeof empty,
             "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"\",\"TAG\":\"Method.Command\","
             "\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":\"%s\"}}",
             ts);
    produce_at(TARGET, empty, ofc_time_now_us() / 1000);

    /* The audit of the log: both commands valid, each judged at its Kafka time, with the UNS
     * path; the empty record is not listed, only counted. */
    char summary[512];
    const char *audit_args[] = {"-b", G.boot, "--json", NULL};
    char *exported = verify(audit_args, NULL, summary, sizeof summary);
    json_t *lines = json_array();
    assert_int_equal(count_verdicts(exported, "valid", &lines), 2);
    assert_int_equal(json_array_size(lines), 2);
    assert_non_null(strstr(summary, "valid=2"));
    assert_non_null(strstr(summary, "skipped_empty=1"));
    json_t *live = find_cid(lines, G.live_cid), *oldl = find_cid(lines, G.old_cid);
    assert_non_null(live);
    assert_non_null(oldl);
    assert_non_null(jstr(live, "uns"));
    assert_int_equal(strncmp(jstr(live, "uns"), "Demofactory/", 12), 0);
    assert_true(json_integer_value(json_object_get(oldl, "kafka_time_us")) <
                ofc_time_now_us() - OLD_US + 60 * 1000000LL);
    assert_true(json_object_get(live, "partition") && json_object_get(live, "offset"));

    /* Checked again later: still valid, though the old one is far out of the 120 s window now
     * and alice's key is allowed by UNS path only. */
    const char *stdin_args[] = {"--stdin", "--json", NULL};
    char *again = verify(stdin_args, exported, summary, sizeof summary);
    json_t *again_lines = json_array();
    assert_int_equal(count_verdicts(again, "valid", &again_lines), 2);
    assert_int_equal(json_array_size(again_lines), 2);
    assert_non_null(strstr(summary, "valid=2"));
    assert_null(strstr(summary, "expired"));
    json_t *old_again = find_cid(again_lines, G.old_cid);
    assert_non_null(old_again);
    assert_int_equal(json_integer_value(json_object_get(old_again, "kafka_time_us")),
                     json_integer_value(json_object_get(oldl, "kafka_time_us")));
    assert_string_equal(jstr(old_again, "uns"), jstr(oldl, "uns"));
    free(again);
    json_decref(again_lines);

    /* The same records as key<TAB>record are judged now and without UNS paths: what the export's
     * time and path make the difference for. */
    char tabbed[16384];
    snprintf(tabbed, sizeof tabbed, "%s\t%s\n%s\t%s\n", TARGET, jstr(oldl, "record"), TARGET,
             jstr(live, "record"));
    const char *tab_args[] = {"--stdin", "--json", NULL};
    char *now_out = verify(tab_args, tabbed, summary, sizeof summary);
    assert_int_equal(count_verdicts(now_out, "expired", NULL), 1);
    assert_int_equal(count_verdicts(now_out, "policy_denied", NULL), 1);
    free(now_out);

    /* A changed record fails; the export's claims cannot mend a signature. */
    json_t *forged = json_deep_copy(live);
    char *rec = strdup(jstr(forged, "record"));
    char *at = strstr(rec, "MANUAL");
    assert_non_null(at);
    memcpy(at, "AUTO__", 6);
    json_object_set_new(forged, "record", json_string(rec));
    free(rec);
    char *forged_line = export_of(forged);
    json_decref(forged);
    char *bad = verify(stdin_args, forged_line, summary, sizeof summary);
    assert_int_equal(count_verdicts(bad, "bad_signature", NULL), 1);
    assert_int_equal(count_verdicts(bad, "valid", NULL), 0);
    free(bad);
    free(forged_line);

    /* Newest first (as an export of several partitions may be): judged the same. */
    char *first = export_of(oldl), *second = export_of(live);
    char reversed[16384];
    snprintf(reversed, sizeof reversed, "%s%s", second, first);
    free(first);
    free(second);
    char *rev = verify(stdin_args, reversed, summary, sizeof summary);
    assert_int_equal(count_verdicts(rev, "valid", NULL), 2);
    assert_non_null(strstr(summary, "valid=2"));
    free(rev);

    /* One stdin run remembers correlation ids: the same line twice is a replay. */
    char *one = export_of(live);
    char twice[16384];
    snprintf(twice, sizeof twice, "%s%s", one, one);
    free(one);
    char *rep = verify(stdin_args, twice, summary, sizeof summary);
    assert_int_equal(count_verdicts(rep, "valid", NULL), 1);
    assert_int_equal(count_verdicts(rep, "replayed", NULL), 1);
    free(rep);

    json_decref(lines);
    free(exported);
}

/* From stdin too: the empty start-up record is counted, not listed; a _CMD record whose VALUE is
 * not an envelope is listed with its target, method and why (as the TUI and web audits list it). */
static void test_empty_and_unreadable_command_records(void **state)
{
    const char *input = TARGET
        "\t{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"\",\"TAG\":\"Method.Command\","
        "\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":\"2026-08-10T09:15:02.000Z\"}}"
        "\n" TARGET "\t{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"garbage\",\"TAG\":\"Method.Command\","
        "\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":\"2026-08-10T09:15:02.000Z\"}}\n";
    char summary[512];
    const char *text_args[] = {"--stdin", NULL};
    char *out = verify(text_args, input, summary, sizeof summary);
    assert_non_null(strstr(summary, "bad_envelope=1"));
    assert_non_null(strstr(summary, "skipped_empty=1"));
    assert_int_equal(strcspn(out, "\n"), strlen(out) - 1); /* one line */
    assert_non_null(strstr(out, " bad_envelope - " TARGET " SwitchMode "));
    free(out);
    const char *json_args[] = {"--stdin", "--json", NULL};
    out = verify(json_args, input, summary, sizeof summary);
    json_t *v = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(v);
    assert_string_equal(jstr(v, "verdict"), "bad_envelope");
    assert_string_equal(jstr(v, "target"), TARGET);
    assert_string_equal(jstr(v, "method"), "SwitchMode"); /* the method it asked, as listed */
    json_decref(v);
    free(out);

    /* Every line handed in is accounted for: a record that is no command is counted; an export
     * line whose record was too large to keep is listed again as oversized; one whose record
     * had no Kafka key (target null) is judged, not skipped. */
    const char *more =
        TARGET "\t{\"ID\":\"Temp\",\"VALUE\":\"21.5\",\"TYPE\":\"Samples\"}\n"
               "{\"status\":\"invalid\",\"verdict\":\"oversized\",\"target\":\"" TARGET
               "\",\"method\":\"SwitchMode\",\"kafka_time_us\":1786353302417000,\"record\":null}\n"
               "{\"verdict\":\"bad_record\",\"target\":null,\"kafka_time_us\":1786353302417000,"
               "\"record\":\"{\\\"ID\\\":\\\"SwitchMode_CMD\\\",\\\"VALUE\\\":\\\"x\\\"}\"}\n";
    out = verify(text_args, more, summary, sizeof summary);
    assert_non_null(strstr(summary, "not_commands=1"));
    assert_non_null(strstr(summary, "oversized=1"));
    assert_non_null(strstr(summary, "bad_record=1"));
    assert_null(strstr(summary, "skipped_lines"));
    assert_non_null(strstr(out, " oversized - " TARGET " SwitchMode "));
    free(out);
}

static size_t file_lines(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    return lines;
}

/* --follow into a file: each verdict is there while ofc verify runs, not only at its exit. */
static void test_follow_writes_each_verdict_while_running(void **state)
{
    char path[160], cmd[1024];
    snprintf(path, sizeof path, "%s/follow.txt", G.dir);
    snprintf(cmd, sizeof cmd, "exec '%s' verify -b '%s' --trust '%s' --follow > '%s'", OFC_BINARY,
             G.boot, G.trust, path);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    proc p;
    assert_true(proc_spawn(&p, argv, false, false));
    static char buf[65536];
    int64_t deadline = proc_mono_ms() + 30000;
    while (file_lines(path, buf, sizeof buf) < 2 && proc_mono_ms() < deadline)
        proc_sleep_ms(200);
    assert_true(file_lines(path, buf, sizeof buf) >= 2); /* the two commands in the log */
    assert_non_null(strstr(buf, G.live_cid));
    assert_non_null(strstr(buf, " partition="));
    assert_null(strstr(buf, "bad_envelope")); /* the empty record is not listed */

    char *send[] = {OFC_BINARY, "send",     "-b",        G.boot,       "--key",  G.alice,
                    "--asset",  TARGET,     "--method",  "SwitchMode", "--arg",  "NewMode=AUTO",
                    "--reason", "followed", "--timeout", "30s",        "--json", NULL};
    int st;
    char *out = run(send, NULL, &st);
    json_t *r = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(r);
    char cid[40];
    snprintf(cid, sizeof cid, "%s", jstr(r, "correlation_id"));
    json_decref(r);
    deadline = proc_mono_ms() + 30000;
    while (file_lines(path, buf, sizeof buf) < 3 && proc_mono_ms() < deadline)
        proc_sleep_ms(200);
    assert_non_null(strstr(buf, cid));
    char line[1024];
    const char *l = strstr(buf, cid);
    while (l > buf && l[-1] != '\n')
        l--;
    snprintf(line, sizeof line, "%.*s", (int)strcspn(l, "\n"), l);
    assert_non_null(strstr(line, " valid alice " TARGET " SwitchMode "));
    assert_int_equal(proc_stop(&p, 5000), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_export_is_judged_again_as_of_its_kafka_time),
        cmocka_unit_test(test_empty_and_unreadable_command_records),
        cmocka_unit_test(test_follow_writes_each_verdict_while_running),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
