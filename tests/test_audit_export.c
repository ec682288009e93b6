/* test_audit_export: the audit's NDJSON export carries what its verdict depended on besides the
 * record (the Kafka time it was judged at and the target's UNS path), so `ofc verify --stdin`
 * reaches the same verdict on it a day later; older exports without those fields still parse;
 * upstream's empty <method>_CMD start-up records are left out of the audit; the line reader
 * takes what the writer wrote and checks what an edited file may hold instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "asset_model.h"
#include "audit.h"
#include "audit_line.h"
#include "command.h"
#include "json_writer.h"
#include "op_key.h"
#include "timeutil.h"
#include "trust_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64], trust_path[128];
static ofc_op_key *alice;
static ofc_trust *trust;
static ofc_model *model;

#define S(s) ((ofc_str){(s), strlen(s)})

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/ofc-audit-XXXXXX");
    if (!mkdtemp(dir) || !ofc_crypto_init())
        return -1;
    char path[128], err[256], line[256], text[512];
    snprintf(path, sizeof path, "%s/alice.key", dir);
    if (ofc_op_key_generate("alice", path, NULL, err, sizeof err) != OFC_OK ||
        ofc_op_key_load(path, NULL, &alice, err, sizeof err) != OFC_OK)
        return -1;
    /* alice may command only what lies under Demofactory/Lab: the UNS path decides. */
    ofc_trust_line(ofc_op_key_public(alice), "alice", line, sizeof line);
    int n = snprintf(text, sizeof text, "%s roles=operator methods=* uns=Demofactory/Lab\n", line);
    snprintf(trust_path, sizeof trust_path, "%s/trust", dir);
    FILE *f = fopen(trust_path, "w");
    fputs(text, f);
    fclose(f);
    if (ofc_trust_parse(text, (size_t)n, "test", &trust, err, sizeof err) != OFC_OK)
        return -1;
    model = ofc_model_new(NULL);
    ofa_uns_map map;
    memset(&map, 0, sizeof map);
    map.asset_uuid = S("LAB-1");
    map.mapped = true;
    map.uns_id = S("Demofactory/Lab/LAB-1");
    map.level_count = 2;
    map.level_names[0] = S("inc");
    map.level_values[0] = S("Demofactory");
    map.level_names[1] = S("area");
    map.level_values[1] = S("Lab");
    return ofc_model_apply_uns_map(model, &map) == OFC_REJECT_NONE ? 0 : -1;
}

static int teardown(void **state)
{
    ofc_model_destroy(model);
    ofc_trust_destroy(trust);
    ofc_op_key_destroy(alice);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* `ofc verify --stdin --json` over input; returns its stdout (malloc'd). */
static char *verify_stdin(const char *input)
{
    char in_path[160], cmd[512];
    snprintf(in_path, sizeof in_path, "%s/input.ndjson", dir);
    FILE *f = fopen(in_path, "w");
    fputs(input, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' verify --stdin --json --trust '%s' < '%s'", OFC_BINARY,
             trust_path, in_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t got;
    while ((got = fread(out + len, 1, cap - 1 - len, p)) > 0)
        len += got;
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* One export line, edited by the caller (taken over), judged again by `ofc verify --stdin`. */
static void expect_stdin_verdict(json_t *edited, const char *verdict)
{
    char *text = json_dumps(edited, JSON_COMPACT);
    json_decref(edited);
    char line[16384];
    snprintf(line, sizeof line, "%s\n", text);
    free(text);
    char *out = verify_stdin(line);
    json_t *again = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(again);
    assert_string_equal(jstr(again, "verdict"), verdict);
    json_decref(again);
    free(out);
}

static void test_export_carries_time_and_uns_and_verifies_again(void **state)
{
    ofc_audit *audit = ofc_audit_new(trust, model, 0);
    /* Written a day ago: judged then, valid; today it would be expired. */
    int64_t then = ofc_time_now_us() - 86400LL * 1000000;
    const char *names[] = {"NewMode"}, *values[] = {"MANUAL"};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(alice, "LAB-1", "SwitchMode", 1, names, values, "export",
                                      then, &cmd, err, sizeof err),
                     OFC_OK);
    int64_t kafka_ms = then / 1000 + 3;
    ofc_origin o = {OFC_ORIGIN_STREAM, 2, 77, kafka_ms};
    ofc_audit_add_record(audit, cmd.target, strlen(cmd.target), cmd.record, cmd.record_len, &o);
    ofc_signed_command_fini(&cmd);
    /* Upstream's empty start-up record is not a command: not listed. */
    const char *empty = "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"\",\"TAG\":\"Method.Command\","
                        "\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":"
                        "\"2026-08-10T09:15:02.000Z\"}}";
    ofc_audit_add_record(audit, "LAB-1", 5, empty, strlen(empty), &o);
    assert_int_equal(ofc_audit_count(audit), 1);

    const ofc_audit_entry *e = ofc_audit_at(audit, 0);
    assert_int_equal(e->verdict, OFC_VERDICT_VALID);
    assert_string_equal(e->uns, "Demofactory/Lab/LAB-1");
    json_writer jw;
    jw_init(&jw);
    ofc_audit_write_json(e, &jw);
    json_t *doc = json_loads(jw.buf, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(jstr(doc, "uns"), "Demofactory/Lab/LAB-1");
    assert_int_equal(json_integer_value(json_object_get(doc, "kafka_time_us")), kafka_ms * 1000);
    assert_int_equal(json_integer_value(json_object_get(doc, "partition")), 2);

    /* Checked again today: valid, judged at the carried time with the carried path. */
    char line[16384];
    snprintf(line, sizeof line, "%s\n", jw.buf);
    char *out = verify_stdin(line);
    json_t *again = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(again);
    assert_string_equal(jstr(again, "verdict"), "valid");
    assert_string_equal(jstr(again, "uns"), "Demofactory/Lab/LAB-1");
    assert_int_equal(json_integer_value(json_object_get(again, "kafka_time_us")), kafka_ms * 1000);
    assert_int_equal(json_integer_value(json_object_get(again, "offset")), 77);
    json_decref(again);
    free(out);

    /* An export from before these fields: its ISO "time" still sets the clock (not expired);
     * without the UNS path the uns= policy cannot allow it. */
    json_t *older = json_deep_copy(doc);
    json_object_del(older, "kafka_time_us");
    json_object_del(older, "uns");
    expect_stdin_verdict(older, "policy_denied");

    /* Claiming another target cannot pass: the target is signed. */
    json_t *moved = json_deep_copy(doc);
    json_object_set_new(moved, "target", json_string("LAB-2"));
    expect_stdin_verdict(moved, "bad_signature");

    json_decref(doc);
    jw_fini(&jw);
    ofc_audit_destroy(audit);
}

static ofc_audit_line_status parse(const char *text, ofc_audit_line *line)
{
    return ofc_audit_line_parse(text, strlen(text), line);
}

static void test_export_line_reads_back_and_refuses_what_a_verdict_lacks(void **state)
{
    ofc_audit *audit = ofc_audit_new(trust, model, 0);
    const char *names[] = {"NewMode"}, *values[] = {"MANUAL"};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(alice, "LAB-1", "SwitchMode", 1, names, values, "line",
                                      ofc_time_now_us(), &cmd, err, sizeof err),
                     OFC_OK);
    ofc_origin o = {OFC_ORIGIN_STREAM, 4, 1234, ofc_time_now_us() / 1000};
    ofc_audit_add_record(audit, cmd.target, strlen(cmd.target), cmd.record, cmd.record_len, &o);
    json_writer jw;
    jw_init(&jw);
    ofc_audit_write_json(ofc_audit_at(audit, 0), &jw);

    /* What the writer wrote comes back whole. */
    ofc_audit_line line;
    assert_int_equal(ofc_audit_line_parse(jw.buf, jw.len, &line), OFC_AUDIT_LINE_OK);
    assert_string_equal(line.target, "LAB-1");
    assert_int_equal(line.record_len, cmd.record_len);
    assert_memory_equal(line.record, cmd.record, cmd.record_len);
    assert_int_equal(line.kafka_time_us, o.timestamp_ms * 1000);
    assert_true(line.has_uns);
    assert_string_equal(line.uns, "Demofactory/Lab/LAB-1");
    assert_int_equal(line.partition, 4);
    assert_int_equal(line.offset, 1234);
    ofc_audit_line_fini(&line);
    ofc_signed_command_fini(&cmd);
    jw_fini(&jw);
    ofc_audit_destroy(audit);

    /* Each lack named; ranges checked; what is not an export is said so. */
    static const struct {
        const char *text;
        ofc_audit_line_status want;
    } cases[] = {
        {"LAB-1\t{}", OFC_AUDIT_LINE_NOT_EXPORT},
        {"{\"target\":\"LAB-1\"}", OFC_AUDIT_LINE_NOT_EXPORT},
        {"[1,2]", OFC_AUDIT_LINE_NOT_EXPORT},
        {"{\"record\":\"{}\",\"record\":\"{}\"}", OFC_AUDIT_LINE_NOT_EXPORT}, /* twice */
        {"{\"record\":null,\"target\":\"LAB-1\",\"kafka_time_us\":5}", OFC_AUDIT_LINE_NO_RECORD},
        {"{\"record\":\"{}\",\"target\":7,\"kafka_time_us\":5}", OFC_AUDIT_LINE_NO_TARGET},
        {"{\"record\":\"{}\",\"target\":\"LAB-1\",\"kafka_time_us\":-5}", OFC_AUDIT_LINE_NO_TIME},
        {"{\"record\":\"{}\",\"target\":\"LAB-1\",\"time\":\"yesterday\"}", OFC_AUDIT_LINE_NO_TIME},
        {"{\"record\":\"{}\",\"target\":\"LAB-1\",\"kafka_time_us\":\"5\"}",
         OFC_AUDIT_LINE_NO_TIME},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse(cases[i].text, &line), cases[i].want);
        ofc_audit_line_fini(&line);
    }
    assert_string_equal(ofc_audit_line_status_str(OFC_AUDIT_LINE_NO_TIME), "a Kafka time");

    /* The ISO time stands in for kafka_time_us; out-of-range positions become unknown (-1); a
     * null uns is unmapped, an absent one an older export. */
    assert_int_equal(parse("{\"record\":\"{}\",\"target\":\"LAB-1\",\"time\":"
                           "\"2026-08-10T09:15:02.417Z\",\"partition\":4294967296,"
                           "\"offset\":-3,\"uns\":null}",
                           &line),
                     OFC_AUDIT_LINE_OK);
    assert_int_equal(line.kafka_time_us, 1786353302417000LL);
    assert_int_equal(line.partition, -1);
    assert_int_equal(line.offset, -1);
    assert_true(line.has_uns);
    assert_null(line.uns);
    ofc_audit_line_fini(&line);
    assert_int_equal(parse("{\"record\":\"{}\",\"target\":\"LAB-1\",\"kafka_time_us\":9,"
                           "\"partition\":\"3\"}",
                           &line),
                     OFC_AUDIT_LINE_OK);
    assert_false(line.has_uns);
    assert_int_equal(line.partition, -1);
    ofc_audit_line_fini(&line);
}

/* What the audit judged is what a later check judges: a record or key that JSON text cannot
 * carry (invalid UTF-8, a NUL) travels as base64 too, so an invalid command cannot come back
 * valid from its own export. */
static void test_export_keeps_the_exact_bytes(void **state)
{
    const char *names[] = {"NewMode"}, *values[] = {"MANUAL"};
    ofc_signed_command cmd;
    char err[256];
    int64_t now = ofc_time_now_us();
    assert_int_equal(ofc_command_sign(alice, "LAB-1", "SwitchMode", 1, names, values, "bytes", now,
                                      &cmd, err, sizeof err),
                     OFC_OK);
    /* An extra record field with a byte that is not UTF-8 (bad_record): written as U+FFFD the
     * record would be valid JSON whose unknown field the verifier ignores. And the good record
     * under a key with a NUL after the uuid: cut at the NUL, it would be valid. */
    size_t n = cmd.record_len;
    char *bad = malloc(n + 16);
    memcpy(bad, cmd.record, n - 1);
    memcpy(bad + n - 1, ",\"x\":\"\xff\"}", 9);
    const struct {
        const char *key, *value;
        size_t key_len, value_len;
        const char *exact_field;
    } cases[] = {
        {"LAB-1", bad, 5, n - 1 + 9, "record_base64"},
        {"LAB-1\0", cmd.record, 6, n, "target_base64"},
    };
    ofc_verifier *first = ofc_verifier_new(trust, NULL), *again = ofc_verifier_new(trust, NULL);
    for (size_t i = 0; i < 2; i++) {
        ofc_command_info info;
        ofc_verdict v = ofc_verifier_check(first, cases[i].key, cases[i].key_len, cases[i].value,
                                           cases[i].value_len, NULL, now, &info);
        assert_int_equal(v, OFC_VERDICT_BAD_RECORD);
        ofc_origin o = {OFC_ORIGIN_STREAM, 0, (int64_t)i, now / 1000};
        ofc_audit_entry e; /* as `ofc verify --json` exports what it judged */
        ofc_audit_entry_init(&e, cases[i].key, cases[i].key_len, cases[i].value, cases[i].value_len,
                             v, &info, NULL, now, &o);
        json_writer jw;
        jw_init(&jw);
        ofc_audit_write_json(&e, &jw);
        json_t *doc = json_loads(jw.buf, 0, NULL); /* still JSON */
        assert_non_null(doc);
        assert_non_null(json_object_get(doc, cases[i].exact_field));
        json_decref(doc);
        ofc_audit_line line;
        assert_int_equal(ofc_audit_line_parse(jw.buf, jw.len, &line), OFC_AUDIT_LINE_OK);
        assert_int_equal(line.target_len, cases[i].key_len);
        assert_memory_equal(line.target, cases[i].key, cases[i].key_len);
        assert_int_equal(line.record_len, cases[i].value_len);
        assert_memory_equal(line.record, cases[i].value, cases[i].value_len);
        assert_int_equal(ofc_verifier_check(again, line.target, line.target_len, line.record,
                                            line.record_len, line.uns, line.kafka_time_us, NULL),
                         OFC_VERDICT_BAD_RECORD);
        ofc_audit_line_fini(&line);
        jw_fini(&jw);
        ofc_audit_entry_fini(&e);
    }
    ofc_verifier_destroy(first);
    ofc_verifier_destroy(again);
    free(bad);
    ofc_signed_command_fini(&cmd);
}

static void test_skips_only_unreadable_command_records(void **state)
{
    ofc_command_info info;
    memset(&info, 0, sizeof info);
    assert_true(ofc_audit_skips(OFC_VERDICT_NOT_COMMAND, &info));
    assert_true(ofc_audit_skips(OFC_VERDICT_BAD_ENVELOPE, &info)); /* nothing could be read */
    assert_false(ofc_audit_skips(OFC_VERDICT_OVERSIZED, &info));
    info.method = "SwitchMode";
    assert_false(ofc_audit_skips(OFC_VERDICT_BAD_ENVELOPE, &info)); /* a forgery shows */
    assert_false(ofc_audit_skips(OFC_VERDICT_BAD_RECORD, &info));
    info.empty_value = true;
    assert_true(ofc_audit_skips(OFC_VERDICT_BAD_ENVELOPE, &info)); /* upstream's start-up one */
    info.empty_value = false;
    assert_false(ofc_audit_skips(OFC_VERDICT_BAD_SIGNATURE, &info));
    assert_false(ofc_audit_skips(OFC_VERDICT_VALID, &info));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_carries_time_and_uns_and_verifies_again),
        cmocka_unit_test(test_export_line_reads_back_and_refuses_what_a_verdict_lacks),
        cmocka_unit_test(test_export_keeps_the_exact_bytes),
        cmocka_unit_test(test_skips_only_unreadable_command_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
