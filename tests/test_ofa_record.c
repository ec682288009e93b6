/* test_ofa_record: the record parsers and the JSON scanner behind them.
 *
 * Most cases are recorded records under tests/data/records/: one file per payload and one line
 * per case in manifest.json (parser, key, payload file, limits, expected reason and fields);
 * see the README there. The remaining tests cover what a table of cases cannot: every casing of
 * the field names, the timestamp fast path against ofc_time_parse() over many generated times,
 * the default limits at their exact boundaries, view lifetime across parses, and the scanner's
 * number rules against strtod()/strtoll().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json_scan.h"
#include "ofa_record.h"
#include "timeutil.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS OFC_TEST_DATA "/records"

/* ---- helpers ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool str_is(ofc_str s, const char *want, size_t want_len)
{
    return s.len == want_len && memcmp(s.ptr, want, want_len) == 0;
}

static bool terminated(ofc_str s)
{
    return s.ptr != NULL && s.ptr[s.len] == '\0';
}

static const char *kind_name(ofc_value_kind k)
{
    switch (k) {
    case OFC_VALUE_NULL: return "null";
    case OFC_VALUE_STRING: return "string";
    case OFC_VALUE_NUMBER: return "number";
    case OFC_VALUE_BOOL: return "bool";
    }
    return "?";
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ---- the manifest ---- */

typedef struct mcase {
    const char *name;
    json_t *fields;
    char key[4096];
    size_t key_len;
    bool key_null;
} mcase;

/* One mismatch report per failing check; the test fails after all cases ran. */
static int failures;

static void mismatch(const mcase *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mismatch(const mcase *c, const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "case %s: %s: ", c->name, what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures++;
}

static void check_str(const mcase *c, const char *field, ofc_str got)
{
    json_t *want = json_object_get(c->fields, field);
    if (!want)
        return;
    if (!terminated(got))
        mismatch(c, field, "view not NUL-terminated");
    if (!str_is(got, json_string_value(want), json_string_length(want)))
        mismatch(c, field, "got \"%.*s\", want \"%s\"", (int)got.len, got.ptr,
                 json_string_value(want));
}

static void check_int(const mcase *c, const char *field, long long got)
{
    json_t *want = json_object_get(c->fields, field);
    if (want && json_integer_value(want) != got)
        mismatch(c, field, "got %lld, want %lld", got, (long long)json_integer_value(want));
}

static void check_event(const mcase *c, const ofa_event *ev)
{
    check_str(c, "asset_uuid", ev->asset_uuid);
    check_str(c, "id", ev->id);
    check_str(c, "type_text", ev->type_text);
    check_str(c, "tag", ev->tag);
    check_str(c, "value", ev->value);
    check_int(c, "timestamp_us", ev->timestamp_us);
    json_t *type = json_object_get(c->fields, "type");
    if (type && strcmp(json_string_value(type), ofc_attr_type_name(ev->type)) != 0)
        mismatch(c, "type", "got %s", ofc_attr_type_name(ev->type));
    json_t *kind = json_object_get(c->fields, "value_kind");
    if (kind && strcmp(json_string_value(kind), kind_name(ev->value_kind)) != 0)
        mismatch(c, "value_kind", "got %s", kind_name(ev->value_kind));
    /* The local tag name is a view into the tag, so it stays terminated too. */
    if (!terminated(ofa_tag_local_name(ev->tag)))
        mismatch(c, "tag", "local name not terminated");
}

static void check_uns(const mcase *c, const ofa_uns_map *m)
{
    check_str(c, "asset_uuid", m->asset_uuid);
    check_str(c, "uns_id", m->uns_id);
    check_int(c, "updated_at_us", m->updated_at_us);
    json_t *mapped = json_object_get(c->fields, "mapped");
    if (mapped && json_boolean_value(mapped) != m->mapped)
        mismatch(c, "mapped", "got %d", m->mapped);
    json_t *levels = json_object_get(c->fields, "levels");
    if (!levels)
        return;
    if (json_array_size(levels) != m->level_count) {
        mismatch(c, "levels", "got %zu levels, want %zu", m->level_count, json_array_size(levels));
        return;
    }
    for (size_t i = 0; i < m->level_count; i++) {
        json_t *name = json_array_get(json_array_get(levels, i), 0);
        json_t *value = json_array_get(json_array_get(levels, i), 1);
        if (!terminated(m->level_names[i]) || !terminated(m->level_values[i]) ||
            !str_is(m->level_names[i], json_string_value(name), json_string_length(name)) ||
            !str_is(m->level_values[i], json_string_value(value), json_string_length(value)))
            mismatch(c, "levels", "level %zu is %.*s=%.*s", i, (int)m->level_names[i].len,
                     m->level_names[i].ptr, (int)m->level_values[i].len, m->level_values[i].ptr);
    }
}

static void check_table_value(const mcase *c, const ofa_table_value *tv)
{
    check_str(c, "asset_uuid", tv->asset_uuid);
    check_str(c, "value", tv->value);
    json_t *tomb = json_object_get(c->fields, "tombstone");
    if (tomb && json_boolean_value(tomb) != tv->tombstone)
        mismatch(c, "tombstone", "got %d", tv->tombstone);
}

static void load_key(mcase *c, json_t *key)
{
    c->key_null = json_is_null(key);
    c->key_len = 0;
    if (json_is_string(key)) {
        c->key_len = json_string_length(key);
        assert_true(c->key_len < sizeof c->key);
        memcpy(c->key, json_string_value(key), c->key_len);
    } else if (json_is_object(key)) {
        const char *hex = json_string_value(json_object_get(key, "hex"));
        assert_non_null(hex);
        for (size_t i = 0; hex[2 * i]; i++)
            c->key[c->key_len++] = (char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
    }
}

static void run_case(json_t *jc)
{
    mcase c = {0};
    json_error_t err;
    c.name = json_string_value(json_object_get(jc, "name"));
    c.fields = json_object_get(jc, "fields");
    const char *parser = json_string_value(json_object_get(jc, "parser"));
    const char *expect = json_string_value(json_object_get(jc, "expect"));
    const char *payload_file = json_string_value(json_object_get(jc, "payload"));
    json_t *limits = json_object_get(jc, "limits");
    assert_non_null(c.name);
    assert_non_null(parser);
    assert_non_null(expect);
    load_key(&c, json_object_get(jc, "key"));

    ofa_limits lim = {0, 0, 0};
    if (limits) {
        lim.max_key_bytes = (size_t)json_integer_value(json_object_get(limits, "max_key_bytes"));
        lim.max_value_bytes =
            (size_t)json_integer_value(json_object_get(limits, "max_value_bytes"));
        lim.max_depth = (int)json_integer_value(json_object_get(limits, "max_depth"));
    }
    ofa_parser *ps = ofa_parser_new(limits ? &lim : NULL);

    char *payload = NULL;
    size_t payload_len = 0;
    if (payload_file) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", RECORDS, payload_file);
        payload = read_file(path, &payload_len);
        if (!payload) {
            mismatch(&c, "payload", "cannot read %s", path);
            ofa_parser_destroy(ps);
            return;
        }
    }
    const void *key = c.key_null ? NULL : c.key;

    ofc_reject got;
    if (strcmp(parser, "event") == 0 || strcmp(parser, "table_event") == 0) {
        ofa_event ev;
        got = strcmp(parser, "event") == 0
                  ? ofa_parse_event(ps, key, c.key_len, payload, payload_len, &ev)
                  : ofa_parse_table_event(ps, key, c.key_len, payload, payload_len, &ev);
        if (got == OFC_REJECT_NONE)
            check_event(&c, &ev);
        else if (ev.id.len || ev.value.len || ev.asset_uuid.len || !terminated(ev.id))
            mismatch(&c, "rejected event", "fields not reset");
    } else if (strcmp(parser, "uns_map") == 0) {
        ofa_uns_map m;
        got = ofa_parse_uns_map(ps, key, c.key_len, payload, payload_len, &m);
        if (got == OFC_REJECT_NONE)
            check_uns(&c, &m);
    } else if (strcmp(parser, "table_value") == 0) {
        ofa_table_value tv;
        const char *column = json_string_value(json_object_get(jc, "column"));
        got = ofa_parse_table_value(ps, column, key, c.key_len, payload, payload_len, &tv);
        if (got == OFC_REJECT_NONE)
            check_table_value(&c, &tv);
    } else {
        mismatch(&c, "parser", "unknown parser %s", parser);
        got = OFC_REJECT_NONE;
    }
    if (strcmp(ofc_reject_name(got), expect) != 0)
        mismatch(&c, "reason", "got %s, want %s", ofc_reject_name(got), expect);
    (void)err;
    free(payload);
    ofa_parser_destroy(ps);
}

static void test_manifest(void **state)
{
    (void)state;
    json_error_t err;
    json_t *cases = json_load_file(RECORDS "/manifest.json", JSON_REJECT_DUPLICATES, &err);
    if (!cases)
        fail_msg("manifest.json:%d: %s", err.line, err.text);
    assert_true(json_array_size(cases) > 150);
    failures = 0;
    size_t i;
    json_t *jc;
    json_array_foreach(cases, i, jc)
    {
        run_case(jc);
    }
    json_decref(cases);
    assert_int_equal(failures, 0);
}

/* ---- field names in every casing ---- */

static void test_case_insensitive_fields(void **state)
{
    (void)state;
    static const char *const ids[] = {"ID", "id", "Id", "iD"};
    static const char *const values[] = {"VALUE", "value", "Value", "vAlUe"};
    static const char *const types[] = {"TYPE", "type", "Type", "tYpE"};
    static const char *const tags[] = {"TAG", "tag", "Tag", "tAg"};
    static const char *const attrs[] = {"attributes", "ATTRIBUTES", "Attributes", "aTTRIBUTEs"};
    static const char *const stamps[] = {"timestamp", "TIMESTAMP", "TimeStamp", "tImEsTaMp"};
    ofa_parser *ps = ofa_parser_new(NULL);
    char doc[512];
    ofa_event ev;
    for (int i = 0; i < 4 * 4 * 4; i++) {
        int a = i % 4, b = i / 4 % 4, c = i / 16;
        int n = snprintf(doc, sizeof doc,
                         "{\"%s\":\"x\",\"%s\":\"v\",\"%s\":\"events\",\"%s\":\"t\","
                         "\"%s\":{\"%s\":\"2026-08-10T09:15:01.208Z\"}}",
                         ids[a], values[b], types[c], tags[(a + b) % 4], attrs[(b + c) % 4],
                         stamps[(a + c) % 4]);
        assert_int_equal(ofa_parse_event(ps, "A", 1, doc, (size_t)n, &ev), OFC_REJECT_NONE);
        assert_string_equal(ev.id.ptr, "x");
        assert_string_equal(ev.value.ptr, "v");
        assert_int_equal(ev.type, OFC_TYPE_EVENTS);
        assert_string_equal(ev.type_text.ptr, "events");
        assert_string_equal(ev.tag.ptr, "t");
        assert_int_equal(ev.timestamp_us, 1786353301208000LL);
    }
    /* Near misses are unknown fields, not matches: '_' and DEL, '@' and '`' differ by 0x20. */
    static const char *const near[] = {
        "{\"I\\u0044\":\"x\",\"VALUE\":1,\"TYPE\":\"a\"}",     /* escaped "ID" still matches */
        "{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"a\",\"T@G\":5}", /* not TAG */
        "{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"a\",\"TA\\u0007\":5}", /* not TAG */
    };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
        assert_int_equal(ofa_parse_event(ps, "A", 1, near[i], strlen(near[i]), &ev),
                         OFC_REJECT_NONE);
    const char *del = "{\"ASSET\x7fUUID\":\"B\",\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"a\"}";
    assert_int_equal(ofa_parse_table_event(ps, "A|x", 3, del, strlen(del), &ev), OFC_REJECT_NONE);
    assert_string_equal(ev.asset_uuid.ptr, "A"); /* ASSET<DEL>UUID is not ASSET_UUID */
    ofa_parser_destroy(ps);
}

/* ---- value kinds, types, tags ---- */

static void test_value_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        ofc_value_kind kind;
        const char *text;
    } cases[] = {
        {"null", OFC_VALUE_NULL, ""},           {"true", OFC_VALUE_BOOL, "true"},
        {"false", OFC_VALUE_BOOL, "false"},     {"0", OFC_VALUE_NUMBER, "0"},
        {"-0.0", OFC_VALUE_NUMBER, "-0.0"},     {"65.0", OFC_VALUE_NUMBER, "65.0"},
        {"1E3", OFC_VALUE_NUMBER, "1E3"},       {"\"65.0\"", OFC_VALUE_STRING, "65.0"},
        {"\"\"", OFC_VALUE_STRING, ""},         {"\"a\\u00e9\"", OFC_VALUE_STRING, "a\xc3\xa9"},
        {"\"null\"", OFC_VALUE_STRING, "null"},
    };
    ofa_parser *ps = ofa_parser_new(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[256];
        ofa_event ev;
        int n = snprintf(doc, sizeof doc, "{\"ID\":\"x\",\"TYPE\":\"Samples\",\"VALUE\":%s}",
                         cases[i].json);
        assert_int_equal(ofa_parse_event(ps, "A", 1, doc, (size_t)n, &ev), OFC_REJECT_NONE);
        assert_int_equal(ev.value_kind, cases[i].kind);
        assert_string_equal(ev.value.ptr, cases[i].text);
        assert_int_equal(ev.value.len, strlen(cases[i].text));
    }
    ofa_parser_destroy(ps);
}

static void test_type_names(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        ofc_attr_type type;
    } cases[] = {
        {"Samples", OFC_TYPE_SAMPLES},
        {"SAMPLES", OFC_TYPE_SAMPLES},
        {"events", OFC_TYPE_EVENTS},
        {"Condition", OFC_TYPE_CONDITION},
        {"METHOD", OFC_TYPE_METHOD},
        {"OpenFactory", OFC_TYPE_OPENFACTORY},
        {"openfactory", OFC_TYPE_OPENFACTORY},
        {"UNAVAILABLE", OFC_TYPE_UNAVAILABLE},
        {"Sample", OFC_TYPE_OTHER},
        {"", OFC_TYPE_OTHER},
        {"Eventss", OFC_TYPE_OTHER},
        {"Method ", OFC_TYPE_OTHER},
    };
    ofa_parser *ps = ofa_parser_new(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[256];
        ofa_event ev;
        int n =
            snprintf(doc, sizeof doc, "{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"%s\"}", cases[i].text);
        assert_int_equal(ofa_parse_event(ps, "A", 1, doc, (size_t)n, &ev), OFC_REJECT_NONE);
        assert_int_equal(ev.type, cases[i].type);
        assert_string_equal(ev.type_text.ptr, cases[i].text);
    }
    ofa_parser_destroy(ps);
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_SAMPLES), "Samples");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_EVENTS), "Events");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_CONDITION), "Condition");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_METHOD), "Method");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_OPENFACTORY), "OpenFactory");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_UNAVAILABLE), "UNAVAILABLE");
    assert_string_equal(ofc_attr_type_name(OFC_TYPE_OTHER), "Other");
    assert_string_equal(ofc_attr_type_name((ofc_attr_type)99), "Other");
}

static ofc_str S(const char *s)
{
    ofc_str v = {s, strlen(s)};
    return v;
}

static void test_tag_local_name(void **state)
{
    (void)state;
    ofc_str r = ofa_tag_local_name(S("{urn:mtconnect.org:MTConnectStreams:2.2}Fault"));
    assert_string_equal(r.ptr, "Fault");
    assert_int_equal(r.len, 5);
    r = ofa_tag_local_name(S("{urn:mtconnect.org:MTConnectStreams:1.7}Normal"));
    assert_string_equal(r.ptr, "Normal");
    r = ofa_tag_local_name(S("AlarmConditionType"));
    assert_string_equal(r.ptr, "AlarmConditionType");
    r = ofa_tag_local_name(S("{}X"));
    assert_string_equal(r.ptr, "X");
    r = ofa_tag_local_name(S("{ns}"));
    assert_int_equal(r.len, 0);
    assert_string_equal(r.ptr, "");
    r = ofa_tag_local_name(S("{unclosed"));
    assert_string_equal(r.ptr, "{unclosed");
    r = ofa_tag_local_name(S("Method.{x}Command"));
    assert_string_equal(r.ptr, "Method.{x}Command");
    r = ofa_tag_local_name(S(""));
    assert_int_equal(r.len, 0);
    /* The prefix is only looked for within len. */
    ofc_str part = {"{ns}Tag", 3};
    r = ofa_tag_local_name(part);
    assert_int_equal(r.len, 3);
    assert_ptr_equal(r.ptr, part.ptr);
}

/* ---- timestamps ---- */

static int64_t parse_ts(ofa_parser *ps, const char *ts_json)
{
    char doc[256];
    ofa_event ev;
    int n = snprintf(doc, sizeof doc,
                     "{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"a\",\"attributes\":{\"timestamp\":%s}}",
                     ts_json);
    ofc_reject r = ofa_parse_event(ps, "A", 1, doc, (size_t)n, &ev);
    return r == OFC_REJECT_NONE ? ev.timestamp_us : -1;
}

static void test_timestamps(void **state)
{
    (void)state;
    ofa_parser *ps = ofa_parser_new(NULL);
    /* ms (SDK), us (mtc2kafka), epoch numbers of s, ms and us */
    assert_int_equal(parse_ts(ps, "\"2026-08-10T09:15:01.208Z\""), 1786353301208000LL);
    assert_int_equal(parse_ts(ps, "\"2026-08-10T09:15:01.208311Z\""), 1786353301208311LL);
    assert_int_equal(parse_ts(ps, "1786353301"), 1786353301000000LL);
    assert_int_equal(parse_ts(ps, "1786353301208"), 1786353301208000LL);
    assert_int_equal(parse_ts(ps, "1786353301208311"), 1786353301208311LL);
    assert_int_equal(parse_ts(ps, "\"1786353301208\""), 1786353301208000LL);
    assert_int_equal(parse_ts(ps, "0"), 0);
    assert_int_equal(parse_ts(ps, "\"UNAVAILABLE\""), 0);
    assert_int_equal(parse_ts(ps, "\"Unavailable\""), 0);
    assert_int_equal(parse_ts(ps, "\"1970-01-01T00:00:00.000Z\""), 0);
    assert_int_equal(parse_ts(ps, "\"1969-12-31T23:59:59.999Z\""), -1000);
    assert_int_equal(parse_ts(ps, "\"UNAVAILABLEX\""), -1);
    assert_int_equal(parse_ts(ps, "\"2026-08-10T09:15:01.2083Z\""), 1786353301208300LL);
    assert_int_equal(parse_ts(ps, "\"2026-08-10t09:15:01.208z\""), 1786353301208000LL);
    assert_int_equal(parse_ts(ps, "\"2026-08-10 09:15:01.208Z\""), 1786353301208000LL);
    assert_int_equal(parse_ts(ps, "\"2026-08-10T09:15:01.20AZ\""), -1);
    assert_int_equal(parse_ts(ps, "\"2026-08-10T09:15:01.208Y\""), -1);
    assert_int_equal(parse_ts(ps, "\"2026-02-31T00:00:00.000Z\""), -1); /* no such day */
    assert_int_equal(parse_ts(ps, "\"2024-02-29T00:00:00.000Z\""), 1709164800000000LL);
    assert_int_equal(parse_ts(ps, "\"0000-01-01T00:00:00.000Z\""), -62167219200000000LL);
    assert_int_equal(parse_ts(ps, "\"9999-12-31T23:59:60.999999Z\""), 253402300800999999LL);

    /* The fast path caches the date, hour and minute of the last time: records of the same
     * minute, then a bad second after a cached prefix, then a new day. */
    static const char *const seq[] = {
        "\"2026-08-10T09:15:01.208Z\"",    "\"2026-08-10T09:15:59.999Z\"",
        "\"2026-08-10T09:15:02.417000Z\"", "\"2026-08-10T09:15:60.000Z\"",
        "\"2026-08-10T09:15:61.000Z\"",    "\"2026-08-10T09:15:0x.000Z\"",
        "\"2026-08-10T09:15:01.2O8Z\"",    "\"2026-08-11T09:15:01.208Z\"",
        "\"2026-08-10T09:15:01.208Z\"",
    };
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        char text[64];
        int64_t want;
        snprintf(text, sizeof text, "%.*s", (int)strlen(seq[i]) - 2, seq[i] + 1);
        if (!ofc_time_parse(text, strlen(text), &want))
            want = -1;
        assert_int_equal(parse_ts(ps, seq[i]), want);
    }

    /* The fast path for the two common forms must agree with ofc_time_parse() everywhere,
     * including the edges of the checks it repeats. */
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = seed >> 11;
        unsigned year = (unsigned)(r % 10000), mon = (unsigned)(r / 10000 % 14),
                 day = (unsigned)(r / 140000 % 33), hh = (unsigned)(r / 4620000 % 25),
                 mm = (unsigned)(r / 115500000 % 61), ss = (unsigned)(r / 7045500000ULL % 62);
        unsigned frac = (unsigned)(seed % 1000000);
        char iso[64], doc[80];
        if (i & 1)
            snprintf(iso, sizeof iso, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", year, mon, day, hh, mm,
                     ss, frac % 1000);
        else
            snprintf(iso, sizeof iso, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", year, mon, day, hh, mm,
                     ss, frac);
        int64_t want = -1;
        if (!ofc_time_parse(iso, strlen(iso), &want))
            want = -1;
        snprintf(doc, sizeof doc, "\"%s\"", iso);
        int64_t got = parse_ts(ps, doc);
        if (got != want)
            fail_msg("%s: ofa %lld, ofc_time_parse %lld", iso, (long long)got, (long long)want);
    }
    ofa_parser_destroy(ps);
}

/* ---- limits at their exact boundaries ---- */

static char *record_of_size(size_t size)
{
    const char *head = "{\"ID\":\"x\",\"TYPE\":\"a\",\"VALUE\":\"";
    const char *tail = "\"}";
    char *doc = malloc(size);
    size_t h = strlen(head), t = strlen(tail);
    memcpy(doc, head, h);
    memset(doc + h, 'v', size - h - t);
    memcpy(doc + size - t, tail, t);
    return doc;
}

static void test_default_limits(void **state)
{
    (void)state;
    ofa_parser *ps = ofa_parser_new(NULL);
    ofa_event ev;
    char *doc = record_of_size(65536);
    assert_int_equal(ofa_parse_event(ps, "A", 1, doc, 65536, &ev), OFC_REJECT_NONE);
    assert_int_equal(ev.value.len, 65536 - 32);
    free(doc);
    doc = record_of_size(65537);
    assert_int_equal(ofa_parse_event(ps, "A", 1, doc, 65537, &ev), OFC_REJECT_TOO_LARGE);
    free(doc);

    const char *good = "{\"ID\":\"x\",\"TYPE\":\"a\",\"VALUE\":1}";
    char key[1100];
    memset(key, 'K', sizeof key);
    assert_int_equal(ofa_parse_event(ps, key, 1024, good, strlen(good), &ev), OFC_REJECT_NONE);
    assert_int_equal(ev.asset_uuid.len, 1024);
    assert_int_equal(ofa_parse_event(ps, key, 1025, good, strlen(good), &ev), OFC_REJECT_BAD_KEY);

    /* Depth: the record itself is the first of 32 containers. */
    char deep[256];
    for (int depth = 31; depth <= 32; depth++) {
        int n = snprintf(deep, sizeof deep, "{\"ID\":\"x\",\"TYPE\":\"a\",\"VALUE\":1,\"d\":");
        for (int i = 1; i < depth; i++)
            deep[n++] = '[';
        for (int i = 1; i < depth; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        ofc_reject want = depth <= 32 ? OFC_REJECT_NONE : OFC_REJECT_TOO_DEEP;
        assert_int_equal(ofa_parse_event(ps, "A", 1, deep, (size_t)n, &ev), want);
    }
    int n = snprintf(deep, sizeof deep, "{\"ID\":\"x\",\"TYPE\":\"a\",\"VALUE\":1,\"d\":");
    for (int i = 0; i < 32; i++)
        deep[n++] = '{', deep[n++] = '"', deep[n++] = '"', deep[n++] = ':';
    deep[n++] = '1';
    for (int i = 0; i < 33; i++)
        deep[n++] = '}';
    assert_int_equal(ofa_parse_event(ps, "A", 1, deep, (size_t)n, &ev), OFC_REJECT_TOO_DEEP);
    ofa_parser_destroy(ps);

    /* Zero fields in a limits struct mean the defaults. */
    ofa_limits lim = {0, 100, 0};
    ps = ofa_parser_new(&lim);
    assert_int_equal(ofa_parse_event(ps, key, 1024, good, strlen(good), &ev), OFC_REJECT_NONE);
    doc = record_of_size(101);
    assert_int_equal(ofa_parse_event(ps, "A", 1, doc, 101, &ev), OFC_REJECT_TOO_LARGE);
    free(doc);
    ofa_parser_destroy(ps);
}

/* ---- views: borrowed from the parser until its next parse ---- */

static void test_view_lifetime(void **state)
{
    (void)state;
    ofa_parser *ps = ofa_parser_new(NULL);
    ofa_event big, small;
    char *doc = record_of_size(60000);
    assert_int_equal(ofa_parse_event(ps, "BIG", 3, doc, 60000, &big), OFC_REJECT_NONE);
    /* The payload buffer is the caller's: overwrite it, the views must not change. */
    memset(doc, 'X', 60000);
    assert_int_equal(big.value.len, 60000 - 32);
    assert_int_equal(big.value.ptr[0], 'v');
    assert_int_equal(big.value.ptr[big.value.len - 1], 'v');
    assert_string_equal(big.asset_uuid.ptr, "BIG");
    free(doc);
    /* A record with escapes after a big one: scratch space is reused, views are fresh. */
    const char *esc = "{\"ID\":\"a\\tb\",\"TYPE\":\"a\",\"VALUE\":\"\\\"q\\\"\"}";
    assert_int_equal(ofa_parse_event(ps, "S", 1, esc, strlen(esc), &small), OFC_REJECT_NONE);
    assert_string_equal(small.id.ptr, "a\tb");
    assert_string_equal(small.value.ptr, "\"q\"");
    ofa_parser_destroy(ps);
}

/* ---- the scanner itself ---- */

static ofc_reject scan(json_scan *js, const char *doc)
{
    return json_scan_document(js, doc, strlen(doc));
}

static void test_scan_numbers(void **state)
{
    (void)state;
    static const char *const tokens[] = {
        "0",
        "-0",
        "1",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "10000000000000000000",
        "1.0",
        "1e308",
        "1e309",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "17976931348623158e292",
        "17976931348623159e292",
        "0.17976931348623158e309",
        "0.17976931348623159e309",
        "1e-400",
        "-1e-400",
        "0.000000000000000000000000000001e330",
        "0.000000000000000000000000000001e339",
        "0e999999999999999999",
        "1e-99999999999999999999",
        "1e99999999999999999999",
        "-1.7976931348623158079372897140530341507993413271e308",
        "-1.7976931348623158079372897140530341507993413270e308",
        "123.456e-7",
        "5E+2",
    };
    json_scan *js = json_scan_new(8);
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        const char *t = tokens[i];
        bool integer = strpbrk(t, ".eE") == NULL;
        bool want_ok;
        errno = 0;
        if (integer) {
            (void)strtoll(t, NULL, 10);
            want_ok = errno != ERANGE;
        } else {
            double d = strtod(t, NULL);
            want_ok = !(isinf(d) && errno == ERANGE);
        }
        ofc_reject got = scan(js, t);
        if ((got == OFC_REJECT_NONE) != want_ok || (!want_ok && got != OFC_REJECT_BAD_NUMBER))
            fail_msg("%s: scanner says %s, strtod/strtoll %s", t, ofc_reject_name(got),
                     want_ok ? "ok" : "overflow");
        /* The verbatim token comes back from json_scan_value(). */
        json_scan_val v;
        json_scan_begin(js, t, strlen(t));
        if (want_ok) {
            assert_true(json_scan_value(js, &v));
            assert_int_equal(v.type, JSON_SCAN_NUMBER);
            assert_string_equal(v.ptr, t);
            assert_int_equal(v.integer, integer);
            assert_true(json_scan_end(js));
        }
    }
    json_scan_destroy(js);
}

static void test_scan_api(void **state)
{
    (void)state;
    json_scan *js = json_scan_new(4);
    static const struct {
        const char *doc;
        ofc_reject want;
    } docs[] = {
        {"{}", OFC_REJECT_NONE},
        {"[]", OFC_REJECT_NONE},
        {"\"s\"", OFC_REJECT_NONE},
        {" 1 ", OFC_REJECT_NONE},
        {"[[[[]]]]", OFC_REJECT_NONE},
        {"[[[[[]]]]]", OFC_REJECT_TOO_DEEP},
        {"{\"a\":[1,{\"b\":[]}]}", OFC_REJECT_NONE},
        {"[1,]", OFC_REJECT_JSON_SYNTAX},
        {"[,1]", OFC_REJECT_JSON_SYNTAX},
        {"{\"a\"}", OFC_REJECT_JSON_SYNTAX},
        {"{\"a\":}", OFC_REJECT_JSON_SYNTAX},
        {"{,}", OFC_REJECT_JSON_SYNTAX},
        {"nul", OFC_REJECT_JSON_SYNTAX},
        {"\"\\ud83d\\ude00\"", OFC_REJECT_NONE},
        {"\"\xf0\x9f\x98\x80\"", OFC_REJECT_NONE},
        {"\"\xf4\x8f\xbf\xbf\"", OFC_REJECT_NONE},
        {"\"\xef\xbf\xbf\"", OFC_REJECT_NONE},
        {"\"\xe0\xa0\x80\"", OFC_REJECT_NONE},
        {"\"\xe0\x9f\xbf\"", OFC_REJECT_BAD_UTF8},
        {"\"\xf0\x8f\xbf\xbf\"", OFC_REJECT_BAD_UTF8},
        {"\"\xf4\x90\x80\x80\"", OFC_REJECT_BAD_UTF8},
        {"\"\xc2\"", OFC_REJECT_BAD_UTF8},
        {"\"abcdefgh\\u0041ijklmnop\"", OFC_REJECT_NONE},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        ofc_reject got = scan(js, docs[i].doc);
        if (got != docs[i].want)
            fail_msg("%s: got %s, want %s", docs[i].doc, ofc_reject_name(got),
                     ofc_reject_name(docs[i].want));
    }

    /* Walking by hand: keys, items, skip, depth, folding. */
    const char *doc = "{\"a\":[1,\"x\",{\"k\":null}],\"B\":{\"c\":true},\"b\":2}";
    json_scan_val v;
    const char *k;
    size_t n;
    json_scan_begin(js, doc, strlen(doc));
    assert_true(json_scan_value(js, &v));
    assert_int_equal(v.type, JSON_SCAN_OBJECT);
    json_scan_fold_keys(js);
    assert_int_equal(json_scan_depth(js), 1);
    assert_int_equal(json_scan_key(js, &k, &n), 1);
    assert_string_equal(k, "a");
    assert_true(json_scan_value(js, &v));
    assert_int_equal(v.type, JSON_SCAN_ARRAY);
    assert_int_equal(json_scan_item(js), 1);
    assert_true(json_scan_value(js, &v));
    assert_string_equal(v.ptr, "1");
    assert_int_equal(json_scan_item(js), 1);
    assert_true(json_scan_value(js, &v));
    assert_int_equal(v.type, JSON_SCAN_STRING);
    assert_string_equal(v.ptr, "x");
    assert_true(json_scan_skip(js)); /* the rest of the array */
    assert_int_equal(json_scan_depth(js), 1);
    assert_int_equal(json_scan_member(js, &k, &n, &v), 1);
    assert_string_equal(k, "B");
    assert_int_equal(v.type, JSON_SCAN_OBJECT);
    assert_true(json_scan_skip(js));
    assert_false(json_scan_duplicate(js));
    assert_int_equal(json_scan_key(js, &k, &n), 1);
    assert_true(json_scan_skip_value(js));
    assert_true(json_scan_duplicate(js)); /* "b" after "B" with folding */
    assert_int_equal(json_scan_key(js, &k, &n), 0);
    assert_true(json_scan_end(js));
    assert_int_equal(json_scan_error(js), OFC_REJECT_NONE);

    /* Misuse fails instead of reading out of bounds; errors stick until the next begin. */
    json_scan_begin(js, "[1]", 3);
    assert_int_equal(json_scan_key(js, &k, &n), -1);
    assert_int_equal(json_scan_error(js), OFC_REJECT_JSON_SYNTAX);
    assert_false(json_scan_value(js, &v));
    assert_int_equal(json_scan_item(js), -1);
    json_scan_begin(js, "{\"a\":x}", 7);
    assert_true(json_scan_value(js, &v));
    assert_int_equal(json_scan_member(js, &k, &n, &v), -1);
    assert_int_equal(json_scan_error_offset(js), 5);

    assert_true(json_scan_utf8_valid("plain", 5));
    assert_true(json_scan_utf8_valid("\xc3\xa9\xf0\x9f\x98\x80", 6));
    assert_false(json_scan_utf8_valid("\xc3", 1));
    assert_false(json_scan_utf8_valid("\xed\xbf\xbf", 3));
    assert_false(json_scan_utf8_valid("a\xf0\x9f\x98", 4));
    assert_true(json_scan_utf8_valid("", 0));
    json_scan_destroy(js);
}

static void test_reject_names(void **state)
{
    (void)state;
    assert_string_equal(ofc_reject_name(OFC_REJECT_BAD_NUMBER), "bad_number");
    assert_string_equal(ofc_reject_name(OFC_REJECT_DUPLICATE_FIELD), "duplicate_field");
    assert_string_equal(ofc_reject_name(OFC_REJECT_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest),       cmocka_unit_test(test_case_insensitive_fields),
        cmocka_unit_test(test_value_kinds),    cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_tag_local_name), cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_default_limits), cmocka_unit_test(test_view_lifetime),
        cmocka_unit_test(test_scan_numbers),   cmocka_unit_test(test_scan_api),
        cmocka_unit_test(test_reject_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
