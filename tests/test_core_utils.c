/* test_core_utils: the small core modules: hash map (incl. backward-shift deletion), history
 * ring, time parsing/formatting and durations, the JSON writer's escaping and commas, config
 * validation and file errors, error/reject name tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "history.h"
#include "json_writer.h"
#include "ofc_err.h"
#include "strmap.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_strmap_put_get_remove(void **state)
{
    strmap m;
    strmap_init(&m);
    enum { N = 5000 };
    char *keys[N];
    for (int i = 0; i < N; i++) {
        keys[i] = malloc(16);
        snprintf(keys[i], 16, "k%d", i);
        assert_null(strmap_put(&m, keys[i], strlen(keys[i]), keys[i]));
    }
    assert_int_equal(m.count, N);
    for (int i = 0; i < N; i += 2)
        assert_ptr_equal(strmap_remove(&m, keys[i], strlen(keys[i])), keys[i]);
    assert_int_equal(m.count, N / 2);
    /* Every survivor is still reachable after the backward shifts. */
    for (int i = 0; i < N; i++) {
        void *v = strmap_get(&m, keys[i], strlen(keys[i]));
        if (i % 2)
            assert_ptr_equal(v, keys[i]);
        else
            assert_null(v);
    }
    assert_null(strmap_get(&m, "nope", 4));
    assert_null(strmap_remove(&m, "nope", 4));
    /* Lookups by length-delimited views. */
    assert_ptr_equal(strmap_get(&m, "k1xyz", 2), keys[1]);
    for (int i = 0; i < N; i++)
        free(keys[i]);
    strmap_fini(&m);
}

static void test_history_wraps_and_rebases(void **state)
{
    history *h = history_new(4);
    for (int i = 0; i < 10; i++)
        history_push(&h, (int64_t)(i + 1) * 1000, i);
    assert_int_equal(history_count(h), 4);
    int64_t t;
    double v;
    assert_true(history_at(h, 0, &t, &v));
    assert_true(v == 6.0);
    assert_int_equal(t, 7000);
    /* 30 days later cannot be an int32 ms offset: the ring restarts rather than lying. */
    history_push(&h, 30LL * 86400 * 1000000, 99);
    assert_int_equal(history_count(h), 1);
    assert_true(history_at(h, 0, &t, &v));
    assert_true(v == 99.0);
    assert_int_equal(t, 30LL * 86400 * 1000000);
    history_destroy(h);

    history *big = history_new(120);
    for (int i = 0; i < 120; i++)
        history_push(&big, i * 1000000LL, i);
    assert_true(history_bytes(big) <= 1000); /* the memory budget of a trend */
    history_destroy(big);
}

static void test_time_parse_forms(void **state)
{
    int64_t us;
    assert_true(ofc_time_parse("2026-08-10T09:15:01.208Z", 24, &us));
    assert_int_equal(us, 1786353301208000LL);
    assert_true(ofc_time_parse("2026-08-10T09:15:01.208311Z", 27, &us));
    assert_int_equal(us, 1786353301208311LL);
    const char *off = "2026-08-10T11:15:01.208+02:00";
    assert_true(ofc_time_parse(off, strlen(off), &us));
    assert_int_equal(us, 1786353301208000LL);
    const char *nozone = "2026-08-10T09:15:01";
    assert_true(ofc_time_parse(nozone, strlen(nozone), &us));
    assert_int_equal(us, 1786353301000000LL);
    assert_true(ofc_time_parse("1786353301208", 13, &us)); /* epoch ms */
    assert_int_equal(us, 1786353301208000LL);
    assert_true(ofc_time_parse("1786353301208311", 16, &us)); /* epoch us */
    assert_int_equal(us, 1786353301208311LL);
    assert_true(ofc_time_parse("1786353301", 10, &us));           /* epoch s */
    assert_int_equal(ofc_time_epoch_to_us(INT64_MIN), INT64_MIN); /* no overflow on negation */
    assert_int_equal(us, 1786353301000000LL);
    const char *bad[] = {"",
                         "UNAVAILABLE",
                         "2026-13-10T09:15:01Z",
                         "2026-08-10T25:00:00Z",
                         "2026-08-10T09:15:01.Z",
                         "2026-08-10T09:15:01Zjunk",
                         "2026-02-30T09:15:01Z", /* dates that do not exist */
                         "2026-02-29T09:15:01Z",
                         "2100-02-29T09:15:01Z",
                         "2026-04-31T09:15:01Z",
                         "12ab"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ofc_time_parse(bad[i], strlen(bad[i]), &us));
    assert_true(ofc_time_parse("2028-02-29T09:15:01Z", 20, &us)); /* leap years */
    assert_true(ofc_time_parse("2000-02-29T09:15:01Z", 20, &us));
}

/* A signed command's header.timestamp: RFC 3339 only (what pydantic and JavaScript write). */
static void test_time_parse_rfc3339_is_strict(void **state)
{
    int64_t us = 0;
    static const struct {
        const char *s;
        int64_t us;
    } good[] = {
        {"2026-08-10T09:15:01.208311Z", 1786353301208311LL},
        {"2026-08-10T09:15:01.208Z", 1786353301208000LL},
        {"2026-08-10T09:15:01Z", 1786353301000000LL},
        {"2026-08-10T11:15:01.208+02:00", 1786353301208000LL},
        {"2026-08-10T07:15:01-02:00", 1786353301000000LL},
        {"2026-08-10t09:15:01.123456789z", 1786353301123456LL},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(ofc_time_parse_rfc3339(good[i].s, strlen(good[i].s), &us));
        assert_int_equal(us, good[i].us);
    }
    static const char *const bad[] = {
        "1795569900000",                   /* epoch ms: ofc_time_parse takes it, not here */
        "2026-08-10T09:15:01",             /* no zone */
        "2026-08-10T09:15:01.208",         /* no zone */
        "2026-08-10 09:15:01Z",            /* space */
        "2026-08-10T09:15Z",               /* no seconds */
        "2026-08-10T09:15:60Z",            /* leap second */
        "2026-02-30T09:15:01Z",            /* no such day */
        "2026-08-10T09:15:01.Z",           /* empty fraction */
        "2026-08-10T09:15:01.1234567890Z", /* 10 digits */
        "2026-08-10T09:15:01+0200",        /* offset without colon */
        "2026-08-10T09:15:01+02",          /* offset without minutes */
        "2026-08-10T09:15:01+24:00",       /* no such offset */
        "2026-08-10T09:15:01Z ",           /* trailing */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        us = 7;
        assert_false(ofc_time_parse_rfc3339(bad[i], strlen(bad[i]), &us));
        assert_int_equal(us, 7); /* untouched */
    }
}

static void test_time_format_roundtrip(void **state)
{
    char buf[40];
    int64_t us = 1786353301208311LL, back;
    assert_int_equal(ofc_time_format_iso(us, 6, buf, sizeof buf), 27);
    assert_string_equal(buf, "2026-08-10T09:15:01.208311Z");
    assert_true(ofc_time_parse(buf, strlen(buf), &back));
    assert_int_equal(back, us);
    ofc_time_format_iso(us, 3, buf, sizeof buf);
    assert_string_equal(buf, "2026-08-10T09:15:01.208Z");
    ofc_time_format_iso(-1, 3, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

static void test_durations(void **state)
{
    int64_t us;
    assert_true(ofc_duration_parse("2h", &us));
    assert_int_equal(us, 7200LL * 1000000);
    assert_true(ofc_duration_parse("1h30m", &us));
    assert_int_equal(us, 5400LL * 1000000);
    assert_true(ofc_duration_parse("250ms", &us));
    assert_int_equal(us, 250000);
    assert_true(ofc_duration_parse("45", &us));
    assert_int_equal(us, 45000000);
    assert_false(ofc_duration_parse("", &us));
    assert_false(ofc_duration_parse("h", &us));
    assert_false(ofc_duration_parse("5x", &us));
    assert_false(ofc_duration_parse("5s5", &us));
    /* Found by fuzz_config: a huge count times a unit must not overflow. */
    assert_false(ofc_duration_parse("999999999d", &us));
    assert_false(ofc_duration_parse("36600d36600d", &us));
    assert_true(ofc_duration_parse("36500d", &us));
}

static void test_start_positions(void **state)
{
    ofc_start_kind k;
    int64_t t;
    assert_true(ofc_start_parse("beginning", 100, &k, &t));
    assert_int_equal(k, OFC_START_BEGINNING);
    assert_true(ofc_start_parse("end", 100, &k, &t));
    assert_int_equal(k, OFC_START_END);
    assert_true(ofc_start_parse("2h", 10000000000LL, &k, &t));
    assert_int_equal(k, OFC_START_TIME);
    assert_int_equal(t, 10000000000LL - 7200000000LL);
    assert_true(ofc_start_parse("2026-08-10T09:15:01Z", 0, &k, &t));
    assert_int_equal(t, 1786353301000000LL);
    assert_false(ofc_start_parse("yesterday", 0, &k, &t));
}

static void test_json_writer_escapes_and_commas(void **state)
{
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "a\"b");
    jw_string(&jw, "line\nbreak\t\x01<img>");
    jw_key(&jw, "n");
    jw_raw(&jw, "65.0", 4);
    jw_key(&jw, "list");
    jw_array_begin(&jw);
    jw_int(&jw, -3);
    jw_bool(&jw, true);
    jw_null(&jw);
    jw_object_begin(&jw);
    jw_object_end(&jw);
    jw_array_end(&jw);
    jw_object_end(&jw);
    assert_string_equal(jw.buf, "{\"a\\\"b\":\"line\\nbreak\\t\\u0001<img>\",\"n\":65.0,"
                                "\"list\":[-3,true,null,{}]}");
    size_t len;
    char *s = jw_take(&jw, &len);
    assert_int_equal(len, strlen(s));
    free(s);
    assert_int_equal(jw.len, 0);
    jw_fini(&jw);
}

/* Text from the wire that no parser checked (a rejected record kept raw) must still make JSON:
 * valid UTF-8 passes through, anything else becomes U+FFFD, byte by byte. */
static void test_json_writer_keeps_output_valid_utf8(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xad",
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xad\""},
        {"\xff\xfe", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                 /* never UTF-8 */
        {"a\xc3", "\"a\xef\xbf\xbd\""},                               /* cut short */
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                 /* overlong '/' */
        {"\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* overlong */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* surrogate */
        {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},
        {"\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""}, /* U+10FFFF */
        {"\xe2\x28\xa1", "\"\xef\xbf\xbd(\xef\xbf\xbd\""},
    };
    json_writer jw;
    jw_init(&jw);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jw_reset(&jw);
        jw_string(&jw, cases[i].in);
        assert_string_equal(jw.buf, cases[i].out);
        json_error_t jerr;
        json_t *back = json_loads(jw.buf, JSON_DECODE_ANY, &jerr); /* jansson checks UTF-8 */
        assert_non_null(back);
        json_decref(back);
    }
    jw_reset(&jw);
    jw_string_n(&jw, "a\0b", 3); /* NUL too: readers refuse \u0000 */
    assert_string_equal(jw.buf, "\"a\xef\xbf\xbd"
                                "b\"");
    assert_false(jw_string_is_exact("a\0b", 3));
    assert_false(jw_string_is_exact("\xff", 1));
    assert_true(jw_string_is_exact("caf\xc3\xa9", 5));
    jw_fini(&jw);
}

static void test_config_validation(void **state)
{
    char err[512];
    ofc_config *cfg = ofc_config_new();
    assert_string_equal(ofc_config_get(cfg, "topic.assets"), "ofa_assets");
    assert_int_equal(ofc_config_get_int(cfg, "history.points"), 120);
    assert_int_equal(ofc_config_set(cfg, "history.points", "1", err, sizeof err), OFC_ERR_CONFIG);
    assert_non_null(strstr(err, "history.points"));
    assert_int_equal(ofc_config_set(cfg, "history.points", "12x", err, sizeof err), OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "no.such", "1", err, sizeof err), OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "kafka.no.such.property", "1", err, sizeof err),
                     OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "kafka.security.protocol", "SASL_SSL", err, sizeof err),
                     OFC_OK);
    assert_int_equal(ofc_config_set(cfg, "kafka.sasl.password", "hunter2", err, sizeof err),
                     OFC_OK);
    assert_int_equal(ofc_config_set(cfg, "start.since", "soon", err, sizeof err), OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "start.since", "15m", err, sizeof err), OFC_OK);
    assert_int_equal(ofc_config_set(cfg, "log.level", "loud", err, sizeof err), OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "topic.assets", "", err, sizeof err), OFC_ERR_CONFIG);

    char path[] = "/tmp/ofc-dump-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w+");
    ofc_config_dump(cfg, f);
    rewind(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "kafka.security.protocol = SASL_SSL"));
    assert_null(strstr(text, "hunter2"));
    /* The dump is itself a valid config file. */
    ofc_config *again = ofc_config_new();
    assert_int_equal(ofc_config_set(again, "kafka.sasl.password", "x", err, sizeof err), OFC_OK);
    unlink(path);
    ofc_config_destroy(again);
    ofc_config_destroy(cfg);
}

static void test_config_file_errors_name_the_line(void **state)
{
    char path[] = "/tmp/ofc-conf-XXXXXX", err[512];
    int fd = mkstemp(path);
    const char *text = "# comment\n\nbrokers = a:1,b:2   # the plant's cluster\n"
                       "  history.points=50\t# trend points  \n"
                       "client.id = ofc#1\nbogus line\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    ofc_config *cfg = ofc_config_new();
    assert_int_equal(ofc_config_load_file(cfg, path, err, sizeof err), OFC_ERR_CONFIG);
    assert_non_null(strstr(err, ":6:"));
    assert_string_equal(ofc_config_get(cfg, "brokers"), "a:1,b:2"); /* the comment cut off */
    assert_int_equal(ofc_config_get_int(cfg, "history.points"), 50);
    assert_string_equal(ofc_config_get(cfg, "client.id"), "ofc#1"); /* no space before it */
    unlink(path);
    assert_int_equal(ofc_config_load_file(cfg, "/nonexistent/ofc.conf", err, sizeof err),
                     OFC_ERR_IO);
    ofc_config_destroy(cfg);
}

static const char *fake_env(const char *name)
{
    if (strcmp(name, "KAFKA_BROKER") == 0)
        return "broker:29092";
    if (strcmp(name, "PORT") == 0)
        return "8081";
    if (strcmp(name, "OFC_HISTORY_POINTS") == 0)
        return "240";
    if (strcmp(name, "OFC_START_SINCE") == 0)
        return "2h";
    return NULL;
}

static const char *wrong_env(const char *name)
{
    return strcmp(name, "OFC_HISTORY_POINTS") == 0 ? "many" : NULL;
}

static const char *bad_port_env(const char *name)
{
    return strcmp(name, "PORT") == 0 ? "abc" : NULL;
}

static const char *bad_env(const char *name)
{
    return strcmp(name, "KAFKA_BROKER") == 0 ? "" : NULL;
}

static void test_config_environment_layer(void **state)
{
    char err[256];
    ofc_config *cfg = ofc_config_new();
    assert_int_equal(ofc_config_apply_env(cfg, fake_env, err, sizeof err), OFC_OK);
    assert_string_equal(ofc_config_get(cfg, "brokers"), "broker:29092");
    assert_string_equal(ofc_config_get(cfg, "web.listen"), "0.0.0.0:8081");
    assert_int_equal(ofc_config_get_int(cfg, "history.points"), 240);
    assert_string_equal(ofc_config_get(cfg, "start.since"), "2h");
    assert_int_equal(ofc_config_apply_env(cfg, wrong_env, err, sizeof err), OFC_ERR_CONFIG);
    assert_non_null(strstr(err, "OFC_HISTORY_POINTS"));
    assert_int_equal(ofc_config_apply_env(cfg, bad_port_env, err, sizeof err), OFC_ERR_CONFIG);
    assert_non_null(strstr(err, "environment PORT: expects a port number")); /* not --listen */
    /* Flags come after and win. */
    assert_int_equal(ofc_config_set(cfg, "brokers", "flag:9092", err, sizeof err), OFC_OK);
    assert_string_equal(ofc_config_get(cfg, "brokers"), "flag:9092");
    /* An empty variable is as good as unset. */
    assert_int_equal(ofc_config_apply_env(cfg, bad_env, err, sizeof err), OFC_OK);
    assert_string_equal(ofc_config_get(cfg, "brokers"), "flag:9092");
    ofc_config_destroy(cfg);
}

static void test_error_tables(void **state)
{
    assert_string_equal(ofc_err_name(OFC_ERR_TIMEOUT), "OFC_ERR_TIMEOUT");
    assert_string_equal(ofc_err_str(OFC_OK), "success");
    assert_string_equal(ofc_err_str((ofc_err)999), "unknown error");
    assert_string_equal(ofc_reject_name(OFC_REJECT_JSON_SYNTAX), "json_syntax");
    for (int r = 0; r < OFC_REJECT__COUNT; r++) {
        assert_non_null(ofc_reject_name((ofc_reject)r));
        assert_true(strlen(ofc_reject_str((ofc_reject)r)) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap_put_get_remove),
        cmocka_unit_test(test_history_wraps_and_rebases),
        cmocka_unit_test(test_time_parse_forms),
        cmocka_unit_test(test_time_parse_rfc3339_is_strict),
        cmocka_unit_test(test_time_format_roundtrip),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_start_positions),
        cmocka_unit_test(test_json_writer_escapes_and_commas),
        cmocka_unit_test(test_json_writer_keeps_output_valid_utf8),
        cmocka_unit_test(test_config_validation),
        cmocka_unit_test(test_config_file_errors_name_the_line),
        cmocka_unit_test(test_config_environment_layer),
        cmocka_unit_test(test_error_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
