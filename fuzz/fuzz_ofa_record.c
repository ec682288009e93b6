/* fuzz_ofa_record: differential fuzzing of the record parsers against jansson.
 *
 * Every input is parsed twice: by ofa_record (the hand-written scanner on the hot path) and by
 * an oracle written independently on jansson 2.14 (json_loadb with JSON_DECODE_ANY |
 * JSON_REJECT_DUPLICATES) that applies the same field rules through jansson's API. The target
 * aborts when they disagree on acceptance, on the rejection reason, or on any extracted field
 * (strings byte for byte; number tokens must be verbatim substrings of the payload that jansson
 * parses to the value it found). Where jansson rejects, it only says where it stopped, not why
 * in our terms, so the reason must fall in the class its error code allows.
 *
 * One jansson 2.14 quirk is not mirrored: its byte reader uses NUL as its "buffer empty" mark,
 * so a NUL right after a number or literal that it pushes back is dropped ("[1\0]" and "42\0"
 * load). A raw NUL is never valid JSON, so the oracle requires a rejection whenever the payload
 * holds one (found by this target; recorded as tests/data/records/syntax_nul_after_number*).
 *
 * Input layout, so the fuzzer steers every branch:
 *   byte 0: bits 0-1 parser (event, table_event, uns_map, table_value), bits 2-3 the column for
 *           table_value, bit 4 null key, bit 5 null payload, bits 6-7 the limits variant
 *   byte 1: key length (capped by what is left), then the key, then the payload.
 */
#include "ofa_record.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { P_EVENT, P_TABLE_EVENT, P_UNS, P_TABLE_VALUE };

static const char *const columns[] = {"TYPE", "AVAILABILITY", "DOCKER_SERVICE", "type"};

static const ofa_limits limit_variants[] = {
    {0, 0, 0},   /* defaults: 1024, 65536, 32 */
    {0, 0, 3},   /* shallow */
    {8, 200, 0}, /* short keys, small records */
    {0, 64, 1},  /* flat only, tiny */
};

/* ---- what the oracle expects ---- */

#define CLASS(r) (1u << (r))

typedef struct expect {
    unsigned allowed; /* CLASS() bits of acceptable reasons; exactly one unless jansson failed */
    /* fields when accepted */
    ofa_event ev;
    ofa_uns_map uns;
    ofa_table_value tv;
    const json_t *value; /* the VALUE jansson found (events) */
} expect;

static void die(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_ofa_record: mismatch: %s\ninput (%zu bytes):", what, size);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", data[i]);
    fputc('\n', stderr);
    abort();
}

static ofc_str view(const char *p, size_t n)
{
    ofc_str s = {p, n};
    return s;
}

static unsigned ascii_fold(unsigned c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool same_name(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (ascii_fold((unsigned char)a[i]) != ascii_fold((unsigned char)b[i]))
            return false;
    return true;
}

/* The member named `name` ignoring ASCII case (the caller has ruled out duplicates). */
static json_t *find(const json_t *obj, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (same_name(k, strlen(k), name))
            return v;
    }
    return NULL;
}

/* Two keys of one object equal ignoring ASCII case. */
static bool has_folded_duplicate(const json_t *obj)
{
    const char *k1, *k2;
    json_t *v1, *v2;
    size_t i = 0;
    json_object_foreach((json_t *)obj, k1, v1)
    {
        size_t j = 0;
        json_object_foreach((json_t *)obj, k2, v2)
        {
            if (j > i && same_name(k1, strlen(k1), k2))
                return true;
            j++;
        }
        i++;
    }
    return false;
}

static int depth_of(const json_t *j)
{
    int d = 0;
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            int c = depth_of(v);
            d = c > d ? c : d;
        }
        return d + 1;
    }
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            int c = depth_of(v);
            d = c > d ? c : d;
        }
        return d + 1;
    }
    return 0;
}

/* Key rules, written against jansson's own UTF-8 validator (json_stringn refuses bad UTF-8). */
static ofc_reject key_rules(const char *k, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return OFC_REJECT_BAD_KEY;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] == 0x7f)
            return OFC_REJECT_BAD_KEY;
    json_t *s = json_stringn(k, n);
    if (!s)
        return OFC_REJECT_BAD_KEY;
    json_decref(s);
    return OFC_REJECT_NONE;
}

static ofc_reject time_rules(const json_t *t, int64_t *us)
{
    *us = 0;
    if (!t || json_is_null(t))
        return OFC_REJECT_NONE;
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        size_t n = json_string_length(t);
        if (same_name(s, n, "unavailable"))
            return OFC_REJECT_NONE;
        return ofc_time_parse(s, n, us) ? OFC_REJECT_NONE : OFC_REJECT_BAD_TIMESTAMP;
    }
    if (json_is_integer(t) && json_integer_value(t) != INT64_MIN) {
        *us = ofc_time_epoch_to_us(json_integer_value(t));
        return OFC_REJECT_NONE;
    }
    return OFC_REJECT_BAD_TIMESTAMP;
}

static ofc_attr_type type_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        ofc_attr_type type;
    } names[] = {{"samples", OFC_TYPE_SAMPLES},         {"events", OFC_TYPE_EVENTS},
                 {"condition", OFC_TYPE_CONDITION},     {"method", OFC_TYPE_METHOD},
                 {"openfactory", OFC_TYPE_OPENFACTORY}, {"unavailable", OFC_TYPE_UNAVAILABLE}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (same_name(s, n, names[i].name))
            return names[i].type;
    return OFC_TYPE_OTHER;
}

static ofc_str jstr(const json_t *s)
{
    return view(json_string_value(s), json_string_length(s));
}

/* TYPE, VALUE, TAG (and for events attributes) in the documented order. */
static ofc_reject event_tail(const json_t *doc, const json_t *ts, bool attrs_bad, expect *e)
{
    const json_t *type = find(doc, "TYPE"), *value = find(doc, "VALUE"), *tag = find(doc, "TAG");
    if (!type)
        return OFC_REJECT_MISSING_TYPE;
    if (!json_is_string(type))
        return OFC_REJECT_BAD_TYPE;
    if (!value)
        return OFC_REJECT_MISSING_VALUE;
    if (json_is_object(value) || json_is_array(value))
        return OFC_REJECT_BAD_VALUE;
    if (tag && !json_is_string(tag) && !json_is_null(tag))
        return OFC_REJECT_BAD_TAG;
    if (attrs_bad)
        return OFC_REJECT_BAD_ATTRIBUTES;
    ofc_reject r = time_rules(ts, &e->ev.timestamp_us);
    if (r)
        return r;
    e->ev.type_text = jstr(type);
    e->ev.type = type_of(e->ev.type_text.ptr, e->ev.type_text.len);
    e->ev.tag = json_is_string(tag) ? jstr(tag) : view("", 0);
    e->value = value;
    if (json_is_string(value)) {
        e->ev.value_kind = OFC_VALUE_STRING;
        e->ev.value = jstr(value);
    } else if (json_is_boolean(value)) {
        e->ev.value_kind = OFC_VALUE_BOOL;
        e->ev.value = json_is_true(value) ? view("true", 4) : view("false", 5);
    } else if (json_is_number(value)) {
        e->ev.value_kind = OFC_VALUE_NUMBER; /* the token is checked separately */
    } else {
        e->ev.value_kind = OFC_VALUE_NULL;
        e->ev.value = view("", 0);
    }
    return OFC_REJECT_NONE;
}

static ofc_reject oracle_fields(int parser, const char *column, const json_t *doc, const char *key,
                                size_t key_len, size_t max_key, expect *e)
{
    switch (parser) {
    case P_EVENT: {
        const json_t *id = find(doc, "ID"), *attrs = find(doc, "ATTRIBUTES");
        if (!id)
            return OFC_REJECT_MISSING_ID;
        if (!json_is_string(id))
            return OFC_REJECT_BAD_ID;
        if (json_string_length(id) == 0)
            return OFC_REJECT_MISSING_ID;
        bool attrs_bad = attrs && !json_is_object(attrs) && !json_is_null(attrs);
        const json_t *ts = json_is_object(attrs) ? find(attrs, "TIMESTAMP") : NULL;
        ofc_reject r = event_tail(doc, ts, attrs_bad, e);
        if (r)
            return r;
        e->ev.asset_uuid = view(key, key_len);
        e->ev.id = jstr(id);
        return OFC_REJECT_NONE;
    }
    case P_TABLE_EVENT: {
        const json_t *au = find(doc, "ASSET_UUID"), *id = find(doc, "ID");
        const char *bar = key ? memchr(key, '|', key_len) : NULL;
        ofc_reject r;
        if (au && !json_is_null(au)) {
            if (!json_is_string(au))
                return OFC_REJECT_BAD_FIELD;
            if ((r = key_rules(json_string_value(au), json_string_length(au), max_key)))
                return r;
            e->ev.asset_uuid = jstr(au);
        } else {
            if (!key)
                return OFC_REJECT_NULL_KEY;
            size_t n = bar ? (size_t)(bar - key) : key_len;
            if (n == 0)
                return OFC_REJECT_BAD_KEY;
            e->ev.asset_uuid = view(key, n);
        }
        if (id) {
            if (!json_is_string(id))
                return OFC_REJECT_BAD_ID;
            e->ev.id = jstr(id);
        } else if (bar) {
            e->ev.id = view(bar + 1, key_len - (size_t)(bar + 1 - key));
        } else {
            return OFC_REJECT_MISSING_ID;
        }
        if (e->ev.id.len == 0)
            return OFC_REJECT_MISSING_ID;
        return event_tail(doc, find(doc, "TIMESTAMP"), false, e);
    }
    case P_UNS: {
        const json_t *au = find(doc, "ASSET_UUID"), *uid = find(doc, "UNS_ID");
        const json_t *lv = find(doc, "UNS_LEVELS");
        ofc_reject r;
        if (au && !json_is_string(au) && !json_is_null(au))
            return OFC_REJECT_BAD_FIELD;
        if (!key) {
            if (!json_is_string(au))
                return OFC_REJECT_NULL_KEY;
            if ((r = key_rules(json_string_value(au), json_string_length(au), max_key)))
                return r;
        }
        bool mapped = uid && !json_is_null(uid);
        if (mapped && (!json_is_string(uid) || json_string_length(uid) == 0))
            return OFC_REJECT_BAD_FIELD;
        bool lv_object = json_is_object(lv);
        if (mapped ? !lv_object : (lv && !lv_object && !json_is_null(lv)))
            return OFC_REJECT_BAD_FIELD;
        if (lv_object && json_object_size(lv) > OFA_UNS_MAX_LEVELS)
            return OFC_REJECT_TOO_LARGE;
        if (lv_object) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)lv, k, v)
            {
                if (!json_is_string(v) && (mapped || !json_is_null(v)))
                    return OFC_REJECT_BAD_FIELD;
            }
        }
        if ((r = time_rules(find(doc, "UPDATED_AT"), &e->uns.updated_at_us)))
            return r;
        e->uns.asset_uuid = key ? view(key, key_len) : jstr(au);
        e->uns.mapped = mapped;
        e->uns.uns_id = mapped ? jstr(uid) : view("", 0);
        if (lv_object) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)lv, k, v)
            {
                e->uns.level_names[e->uns.level_count] = view(k, strlen(k));
                e->uns.level_values[e->uns.level_count] = json_is_string(v) ? jstr(v) : view("", 0);
                e->uns.level_count++;
            }
        }
        return OFC_REJECT_NONE;
    }
    default: {
        const json_t *col = find(doc, column);
        if (!col || (!json_is_string(col) && !json_is_null(col)))
            return OFC_REJECT_BAD_FIELD;
        e->tv.asset_uuid = view(key, key_len);
        e->tv.tombstone = json_is_null(col);
        e->tv.value = json_is_string(col) ? jstr(col) : view("", 0);
        return OFC_REJECT_NONE;
    }
    }
}

/* Reasons allowed when jansson rejected the document, by its error code. */
static unsigned jansson_failure_class(const json_error_t *err)
{
    unsigned deep = CLASS(OFC_REJECT_TOO_DEEP);
    switch (json_error_code(err)) {
    case json_error_numeric_overflow:
        /* jansson lexes a token before checking the grammar, so the number may sit where no
         * value may go ("{\"a\" 1e999}"): we stop at the grammar error first. */
        return CLASS(OFC_REJECT_BAD_NUMBER) | CLASS(OFC_REJECT_JSON_SYNTAX) | deep;
    case json_error_null_character:
    case json_error_null_byte_in_key: return CLASS(OFC_REJECT_BAD_UTF8) | deep;
    case json_error_stack_overflow: return deep;
    case json_error_invalid_utf8:
        /* jansson reads the byte after a number before judging its range; we judge first. */
        return CLASS(OFC_REJECT_BAD_UTF8) | CLASS(OFC_REJECT_JSON_SYNTAX) |
               CLASS(OFC_REJECT_BAD_NUMBER) | deep;
    default:
        /* invalid syntax, premature end, trailing data. Lone surrogates and raw NUL in strings
         * are syntax errors to jansson and bad_utf8 to us. */
        return CLASS(OFC_REJECT_JSON_SYNTAX) | CLASS(OFC_REJECT_BAD_UTF8) | deep;
    }
}

/* The oracle: the expected reason(s) and fields. doc_out keeps the jansson tree alive. */
static void oracle(int parser, const char *column, const char *key, size_t key_len,
                   const char *payload, size_t len, const ofa_limits *lim, expect *e,
                   json_t **doc_out)
{
    size_t max_key = lim->max_key_bytes ? lim->max_key_bytes : 1024;
    size_t max_value = lim->max_value_bytes ? lim->max_value_bytes : 65536;
    int max_depth = lim->max_depth > 0 ? lim->max_depth : 32;
    ofc_reject r;
    *doc_out = NULL;

    /* key first: events and single-column rows need one; table rows and the UNS map may
     * take the asset from the payload instead. */
    if (!key && (parser == P_EVENT || parser == P_TABLE_VALUE)) {
        e->allowed = CLASS(OFC_REJECT_NULL_KEY);
        return;
    }
    if (key && (r = key_rules(key, key_len, max_key))) {
        e->allowed = CLASS(r);
        return;
    }
    if (!payload) {
        if (parser == P_TABLE_VALUE) {
            e->allowed = CLASS(OFC_REJECT_NONE);
            e->tv.asset_uuid = view(key, key_len);
            e->tv.tombstone = true;
            e->tv.value = view("", 0);
        } else {
            e->allowed = CLASS(OFC_REJECT_NULL_VALUE);
        }
        return;
    }
    if (len > max_value) {
        e->allowed = CLASS(OFC_REJECT_TOO_LARGE);
        return;
    }

    if (memchr(payload, '\0', len)) {
        e->allowed = CLASS(OFC_REJECT_JSON_SYNTAX) | CLASS(OFC_REJECT_BAD_UTF8) |
                     CLASS(OFC_REJECT_BAD_NUMBER) | CLASS(OFC_REJECT_TOO_DEEP);
        return;
    }
    json_error_t err;
    json_t *doc = json_loadb(payload, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    bool exact_dup = false;
    if (!doc) {
        if (json_error_code(&err) != json_error_duplicate_key) {
            e->allowed = jansson_failure_class(&err);
            return;
        }
        /* Some object holds a key twice: without the flag jansson tells whether the document
         * is otherwise valid, which decides between a document error and duplicate_field. */
        doc = json_loadb(payload, len, JSON_DECODE_ANY, &err);
        if (!doc) {
            e->allowed = jansson_failure_class(&err) | CLASS(OFC_REJECT_DUPLICATE_FIELD);
            return;
        }
        exact_dup = true;
    }
    *doc_out = doc;
    if (depth_of(doc) > max_depth) {
        e->allowed = CLASS(OFC_REJECT_TOO_DEEP);
        return;
    }
    if (!json_is_object(doc)) {
        e->allowed = CLASS(OFC_REJECT_NOT_OBJECT);
        return;
    }
    /* Names ignoring case at the record level and in the objects the parser reads. */
    bool dup = exact_dup || has_folded_duplicate(doc);
    if (!dup && parser == P_EVENT) {
        json_t *attrs = find(doc, "ATTRIBUTES");
        dup = json_is_object(attrs) && has_folded_duplicate(attrs);
    }
    if (!dup && parser == P_UNS) {
        json_t *lv = find(doc, "UNS_LEVELS");
        dup = json_is_object(lv) && has_folded_duplicate(lv);
    }
    if (dup) {
        e->allowed = CLASS(OFC_REJECT_DUPLICATE_FIELD);
        return;
    }
    e->allowed = CLASS(oracle_fields(parser, column, doc, key, key_len, max_key, e));
}

/* ---- comparison ---- */

static void same_str(const char *what, ofc_str got, ofc_str want, const uint8_t *data, size_t size)
{
    if (got.ptr == NULL || got.ptr[got.len] != '\0')
        die(what, data, size); /* every view is NUL-terminated */
    if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len) != 0) {
        fprintf(stderr, "%s: got \"%.*s\" want \"%.*s\"\n", what, (int)got.len, got.ptr,
                (int)want.len, want.ptr);
        die(what, data, size);
    }
}

/* A number token must be verbatim from the payload and denote what jansson parsed. */
static void same_number(ofc_str tok, const json_t *value, const char *payload, size_t len,
                        const uint8_t *data, size_t size)
{
    if (tok.ptr == NULL || tok.ptr[tok.len] != '\0' || tok.len == 0 || tok.len > len)
        die("number token", data, size);
    bool found = false;
    for (size_t i = 0; i + tok.len <= len && !found; i++)
        found = memcmp(payload + i, tok.ptr, tok.len) == 0;
    if (!found)
        die("number token not in payload", data, size);
    json_error_t err;
    json_t *j = json_loadb(tok.ptr, tok.len, JSON_DECODE_ANY, &err);
    if (!j || !json_equal(j, (json_t *)value) ||
        (strpbrk(tok.ptr, ".eE") == NULL) != json_is_integer(value))
        die("number token value", data, size);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ofa_parser *parsers[4];
    if (size < 2)
        return 0;
    unsigned sel = data[0];
    int parser = (int)(sel & 3);
    const char *column = columns[(sel >> 2) & 3];
    bool null_key = sel & 0x10, null_payload = sel & 0x20;
    unsigned variant = sel >> 6;
    size_t key_len = data[1] < size - 2 ? data[1] : size - 2;
    const char *key = null_key ? NULL : (const char *)data + 2;
    if (null_key)
        key_len = 0;
    const char *payload = null_payload ? NULL : (const char *)data + 2 + (null_key ? 0 : key_len);
    size_t len = null_payload ? 0 : size - 2 - (null_key ? 0 : key_len);

    /* Copy the payload so the parser sees a buffer of exactly len bytes (ASan checks reads). */
    char *copy = NULL;
    if (payload) {
        copy = malloc(len ? len : 1);
        memcpy(copy, payload, len);
        payload = copy;
    }

    const ofa_limits *lim = &limit_variants[variant];
    if (!parsers[variant])
        parsers[variant] = ofa_parser_new(lim);
    ofa_parser *ps = parsers[variant];

    expect e;
    memset(&e, 0, sizeof e);
    json_t *doc;
    oracle(parser, column, key, key_len, payload, len, lim, &e, &doc);

    ofa_event ev;
    ofa_uns_map uns;
    ofa_table_value tv;
    ofc_reject got;
    switch (parser) {
    case P_EVENT: got = ofa_parse_event(ps, key, key_len, payload, len, &ev); break;
    case P_TABLE_EVENT: got = ofa_parse_table_event(ps, key, key_len, payload, len, &ev); break;
    case P_UNS: got = ofa_parse_uns_map(ps, key, key_len, payload, len, &uns); break;
    default: got = ofa_parse_table_value(ps, column, key, key_len, payload, len, &tv); break;
    }

    if (!(e.allowed & CLASS(got))) {
        fprintf(stderr, "parser %d: ofa_record says %s; oracle allows", parser,
                ofc_reject_name(got));
        for (int r = 0; r < OFC_REJECT__COUNT; r++)
            if (e.allowed & CLASS(r))
                fprintf(stderr, " %s", ofc_reject_name((ofc_reject)r));
        fputc('\n', stderr);
        die("reason", data, size);
    }
    if (got == OFC_REJECT_NONE) {
        switch (parser) {
        case P_EVENT:
        case P_TABLE_EVENT:
            same_str("asset_uuid", ev.asset_uuid, e.ev.asset_uuid, data, size);
            same_str("id", ev.id, e.ev.id, data, size);
            same_str("type_text", ev.type_text, e.ev.type_text, data, size);
            same_str("tag", ev.tag, e.ev.tag, data, size);
            if (ev.type != e.ev.type || ev.value_kind != e.ev.value_kind ||
                ev.timestamp_us != e.ev.timestamp_us)
                die("type, value kind or timestamp", data, size);
            if (ev.value_kind == OFC_VALUE_NUMBER)
                same_number(ev.value, e.value, payload, len, data, size);
            else
                same_str("value", ev.value, e.ev.value, data, size);
            break;
        case P_UNS:
            same_str("asset_uuid", uns.asset_uuid, e.uns.asset_uuid, data, size);
            same_str("uns_id", uns.uns_id, e.uns.uns_id, data, size);
            if (uns.mapped != e.uns.mapped || uns.level_count != e.uns.level_count ||
                uns.updated_at_us != e.uns.updated_at_us)
                die("mapped, level count or updated_at", data, size);
            for (size_t i = 0; i < uns.level_count; i++) {
                same_str("level name", uns.level_names[i], e.uns.level_names[i], data, size);
                same_str("level value", uns.level_values[i], e.uns.level_values[i], data, size);
            }
            break;
        default:
            same_str("asset_uuid", tv.asset_uuid, e.tv.asset_uuid, data, size);
            same_str("value", tv.value, e.tv.value, data, size);
            if (tv.tombstone != e.tv.tombstone)
                die("tombstone", data, size);
            break;
        }
    }
    json_decref(doc);
    free(copy);
    return 0;
}
