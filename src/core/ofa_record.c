/* ofa_record: the record shapes of wire §3 on top of json_scan.
 *
 * One walk per record: the top-level object's keys are classified by length and then compared
 * ignoring ASCII case; wanted fields are read into slots, everything else is validated and
 * dropped by the scanner. Field errors are only judged after the whole document has been
 * validated, so a record that is not JSON is always reported as such (json_syntax, bad_utf8,
 * bad_number, too_deep) whatever else is wrong with it; then not_object, then duplicate_field,
 * then the fields in a fixed order (documented per function in ofa_record.h). The fuzz target
 * re-implements these rules on jansson and compares.
 */
#include "ofa_record.h"

#include "json_scan.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_KEY_BYTES   1024
#define DEFAULT_MAX_VALUE_BYTES 65536
#define DEFAULT_MAX_DEPTH       32

typedef enum field {
    F_OTHER = 0,
    F_ID,
    F_VALUE,
    F_TAG,
    F_TYPE,
    F_ATTRIBUTES,
    F_ASSET_UUID,
    F_TIMESTAMP, /* TIMESTAMP (table rows) or attributes.timestamp (events) */
    F_UNS_ID,
    F_UNS_LEVELS,
    F_UPDATED_AT,
    F__COUNT
} field;

#define BIT(f)       (1u << (f))
#define EVENT_FIELDS (BIT(F_ID) | BIT(F_VALUE) | BIT(F_TAG) | BIT(F_TYPE) | BIT(F_ATTRIBUTES))
#define TABLE_FIELDS \
    (BIT(F_ASSET_UUID) | BIT(F_ID) | BIT(F_VALUE) | BIT(F_TAG) | BIT(F_TYPE) | BIT(F_TIMESTAMP))
#define UNS_FIELDS (BIT(F_ASSET_UUID) | BIT(F_UNS_ID) | BIT(F_UNS_LEVELS) | BIT(F_UPDATED_AT))

typedef struct slot {
    bool present;
    const json_scan_val *v; /* in record.pool; containers are recorded by type and skipped */
} slot;

typedef struct level {
    const char *name;
    size_t name_len;
    json_scan_val v;
} level;

/* Field slots of one record. Only the flags are reset per record (record_init): the slots and
 * levels are ~1 KiB that clearing would cost as much as a quarter of the parse. */
#define POOL (F__COUNT + 2)

typedef struct record {
    slot f[F__COUNT];
    /* Members are read straight into the pool and kept by pointer: copying the value out of a
     * temporary stalled on store forwarding (~15% of a parse). Known fields take an entry each;
     * a field named twice may reuse the last one, which is fine as the record is then rejected
     * as duplicate_field. */
    json_scan_val pool[POOL];
    size_t npool;
    size_t level_count; /* all members of UNS_LEVELS, including those beyond the limit */
    level levels[OFA_UNS_MAX_LEVELS];
    bool level_not_string; /* a level value that is neither a string nor null */
    bool level_null;       /* a level value that is null */
} record;

static void record_init(record *rec)
{
    for (int i = 0; i < F__COUNT; i++)
        rec->f[i].present = false;
    rec->npool = 0;
    rec->level_count = 0;
    rec->level_not_string = false;
    rec->level_null = false;
}

static inline unsigned upper(unsigned c)
{
    return c - 'a' < 26 ? c - 32 : c;
}

/* a[0..n) equals b[0..n), ignoring ASCII case on both sides. */
static bool names_equal(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (upper((unsigned char)a[i]) != upper((unsigned char)b[i]))
            return false;
    return true;
}

/* Field names are matched a word at a time: keys lie in the scanner's padded copy, so 16 bytes
 * from a key's start are readable (JSON_SCAN_PAD), and byte loops over candidate names with
 * early exits cost more than the rest of a record's bookkeeping together. */
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const void *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* The first n (1..8) bytes of a word (in memory order); the rest zero. */
static inline uint64_t head8(uint64_t x, size_t n)
{
    if (n >= 8)
        return x;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return x & ~(~0ULL >> (8 * n));
#else
    return x & ((1ULL << (8 * n)) - 1);
#endif
}

/* A field name as the parser compares it: the lower-case name as two zero-padded words, and
 * 0x20 in each byte that is a letter. A key matches when (key | mask) == name word by word: OR
 * with 0x20 maps exactly 'A' and 'a' to 'a', and leaves '_' alone (so DEL is not '_'). */
typedef struct field_name {
    uint64_t w0, w1;
    uint64_t m0, m1;
    field f;
} field_name;

#define NAME_SLOTS 18

static const struct {
    const char *name;
    field f;
} field_names[] = {
    {"id", F_ID},
    {"tag", F_TAG},
    {"type", F_TYPE},
    {"value", F_VALUE},
    {"uns_id", F_UNS_ID},
    {"timestamp", F_TIMESTAMP},
    {"attributes", F_ATTRIBUTES},
    {"asset_uuid", F_ASSET_UUID},
    {"uns_levels", F_UNS_LEVELS},
    {"updated_at", F_UPDATED_AT},
};

/* One candidate per key: by length, and for the four 10-byte names by their second letter
 * (t, s, n, p fall in distinct slots), so classifying takes no loop and no jump table. */
static inline size_t name_slot(const char *k, size_t n)
{
    return n < 10 ? n : 10 + (size_t)(((unsigned char)k[1] | 0x20) & 7);
}

static void field_names_init(field_name *table)
{
    for (size_t i = 0; i < NAME_SLOTS; i++) {
        table[i].w0 = table[i].m0 = table[i].m1 = 0;
        table[i].w1 = ~0ULL; /* never matches: no valid UTF-8 key holds 0xff bytes */
        table[i].f = F_OTHER;
    }
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++) {
        const char *name = field_names[i].name;
        size_t n = strlen(name);
        char lower[16] = {0}, mask[16] = {0};
        for (size_t j = 0; j < n; j++) {
            lower[j] = name[j];
            mask[j] = name[j] >= 'a' && name[j] <= 'z' ? 0x20 : 0;
        }
        field_name *fn = &table[name_slot(name, n)];
        fn->w0 = load8(lower);
        fn->w1 = load8(lower + 8);
        fn->m0 = load8(mask);
        fn->m1 = load8(mask + 8);
        fn->f = field_names[i].f;
    }
}

/* The date, hour and minute of the last timestamp iso_fast() parsed, as its first 16 bytes. */
typedef struct time_cache {
    bool valid;
    uint64_t w0, w1;
    int64_t base_us;
} time_cache;

struct ofa_parser {
    ofa_limits limits;
    json_scan *js;
    field_name names[NAME_SLOTS];
    time_cache tc;
    char *key; /* NUL-terminated copy of the last Kafka key */
    size_t key_cap;
};

static field classify(const field_name *table, const char *k, size_t n)
{
    if (n - 2 > 8) /* every field name has 2..10 bytes */
        return F_OTHER;
    const field_name *fn = &table[name_slot(k, n)];
    uint64_t w0 = load8(k), w1 = 0;
    if (n <= 8)
        w0 = head8(w0, n);
    else
        w1 = head8(load8(k + 8), n - 8);
    return (((w0 | fn->m0) == fn->w0) & ((w1 | fn->m1) == fn->w1)) ? fn->f : F_OTHER;
}

static inline ofc_str str_of(const char *ptr, size_t len)
{
    ofc_str s = {ptr, len};
    return s;
}

static inline bool is_container(const json_scan_val *v)
{
    return v->type == JSON_SCAN_OBJECT || v->type == JSON_SCAN_ARRAY;
}

/* The pool entry the next member is read into. */
static inline json_scan_val *pool_next(record *rec)
{
    return &rec->pool[rec->npool];
}

/* Keep a value read into pool_next(); a container is dropped after validation. */
static bool keep_slot(json_scan *js, record *rec, slot *s, const json_scan_val *v)
{
    s->present = true;
    s->v = v;
    if (rec->npool < POOL - 1)
        rec->npool++;
    return is_container(v) ? json_scan_skip(js) : true;
}

/* Drop a value already read by json_scan_member(). */
static bool drop_value(json_scan *js, const json_scan_val *v)
{
    return is_container(v) ? json_scan_skip(js) : true;
}

/* attributes (already opened if an object, v in the pool): only `timestamp` matters; the keys
 * are compared ignoring case. */
static bool read_attributes(json_scan *js, const field_name *names, record *rec,
                            const json_scan_val *v)
{
    slot *s = &rec->f[F_ATTRIBUTES];
    s->present = true;
    s->v = v;
    if (rec->npool < POOL - 1)
        rec->npool++;
    if (v->type == JSON_SCAN_ARRAY)
        return json_scan_skip(js);
    if (v->type != JSON_SCAN_OBJECT)
        return true;
    json_scan_fold_keys(js);
    const char *k;
    size_t n;
    int r;
    json_scan_val *m = pool_next(rec);
    while ((r = json_scan_member(js, &k, &n, m)) > 0) {
        bool ok = classify(names, k, n) == F_TIMESTAMP ? keep_slot(js, rec, &rec->f[F_TIMESTAMP], m)
                                                       : drop_value(js, m);
        if (!ok)
            return false;
        m = pool_next(rec);
    }
    return r == 0;
}

static bool read_levels(json_scan *js, record *rec, const json_scan_val *v)
{
    slot *s = &rec->f[F_UNS_LEVELS];
    s->present = true;
    s->v = v;
    if (rec->npool < POOL - 1)
        rec->npool++;
    if (v->type == JSON_SCAN_ARRAY)
        return json_scan_skip(js);
    if (v->type != JSON_SCAN_OBJECT)
        return true;
    json_scan_fold_keys(js);
    const char *k;
    size_t n;
    json_scan_val m;
    int r;
    while ((r = json_scan_member(js, &k, &n, &m)) > 0) {
        if (!drop_value(js, &m))
            return false;
        if (m.type == JSON_SCAN_NULL)
            rec->level_null = true;
        else if (m.type != JSON_SCAN_STRING)
            rec->level_not_string = true;
        if (rec->level_count < OFA_UNS_MAX_LEVELS) {
            level *l = &rec->levels[rec->level_count];
            l->name = k;
            l->name_len = n;
            l->v = m;
        }
        rec->level_count++;
    }
    return r == 0;
}

/* Validate the whole document and collect the wanted top-level fields. */
static ofc_reject walk(ofa_parser *ps, const void *payload, size_t len, unsigned wanted,
                       record *rec)
{
    json_scan *js = ps->js;
    json_scan_val top;

    json_scan_begin(js, payload, len);
    if (!json_scan_value(js, &top))
        return json_scan_error(js);
    if (top.type != JSON_SCAN_OBJECT) {
        if ((top.type == JSON_SCAN_ARRAY && !json_scan_skip(js)) || !json_scan_end(js))
            return json_scan_error(js);
        return OFC_REJECT_NOT_OBJECT;
    }
    json_scan_fold_keys(js);

    const char *k;
    size_t n;
    int r;
    json_scan_val *v = pool_next(rec);
    while ((r = json_scan_member(js, &k, &n, v)) > 0) {
        field f = classify(ps->names, k, n);
        if (!(wanted & BIT(f)))
            f = F_OTHER;
        bool ok;
        switch (f) {
        case F_OTHER: ok = drop_value(js, v); break;
        case F_ATTRIBUTES: ok = read_attributes(js, ps->names, rec, v); break;
        case F_UNS_LEVELS: ok = read_levels(js, rec, v); break;
        default: ok = keep_slot(js, rec, &rec->f[f], v); break;
        }
        if (!ok)
            return json_scan_error(js);
        v = pool_next(rec);
    }
    if (r < 0 || !json_scan_end(js))
        return json_scan_error(js);
    if (json_scan_duplicate(js))
        return OFC_REJECT_DUPLICATE_FIELD;
    return OFC_REJECT_NONE;
}

/* Key rules: 1..max_key_bytes of UTF-8 without C0 controls or DEL. */
static ofc_reject check_key(const ofa_parser *ps, const char *k, size_t len)
{
    bool high = false;
    if (len == 0 || len > ps->limits.max_key_bytes)
        return OFC_REJECT_BAD_KEY;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)k[i];
        if (c < 0x20 || c == 0x7f)
            return OFC_REJECT_BAD_KEY;
        high |= c >= 0x80;
    }
    if (high && !json_scan_utf8_valid(k, len))
        return OFC_REJECT_BAD_KEY;
    return OFC_REJECT_NONE;
}

/* Copy the Kafka key so it can be NUL-terminated (and split at '|' for table rows). */
static char *copy_key(ofa_parser *ps, const void *key, size_t len)
{
    if (len + 1 > ps->key_cap) {
        ps->key_cap = len + 1 > 2 * ps->key_cap ? len + 1 : 2 * ps->key_cap;
        free(ps->key);
        ps->key = xmalloc(ps->key_cap);
    }
    memcpy(ps->key, key, len);
    ps->key[len] = '\0';
    return ps->key;
}

/* The token is valid and fits int64 (the scanner checked); accumulate negatively so INT64_MIN
 * does not overflow. */
static int64_t token_to_int64(const char *s)
{
    bool neg = *s == '-';
    int64_t v = 0;
    for (s += neg; *s; s++)
        v = v * 10 - (*s - '0');
    return neg ? v : -v;
}

/* s[0..n) (a STRING view, so 16 bytes are readable) equals a lower-case, letters-only name of
 * n bytes, ignoring ASCII case. For letters OR 0x20 folds exactly 'A' and 'a' together. */
static inline bool letters_are(const char *s, size_t n, const char name[16])
{
    size_t n0 = n < 8 ? n : 8;
    uint64_t k0 = head8(load8(s) | ONES * 0x20, n0), k1 = 0;
    if (n > 8)
        k1 = head8(load8(s + 8) | ONES * 0x20, n - 8);
    return k0 == load8(name) && k1 == load8(name + 8);
}

static const char T_EVENTS[16] = "events", T_METHOD[16] = "method", T_SAMPLES[16] = "samples",
                  T_CONDITION[16] = "condition", T_OPENFACTORY[16] = "openfactory",
                  T_UNAVAILABLE[16] = "unavailable";

static inline unsigned two_digits(const char *s)
{
    return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

/* Whether the word has tmpl's bytes where tmpl is not '0' and ASCII digits where it is. */
static inline bool word_matches(uint64_t w, const char tmpl[8])
{
    const uint64_t zeros = ONES * '0', nibble_hi = ONES * 0xF0;
    uint64_t t = load8(tmpl), diff = t ^ zeros;
    uint64_t sep = ((((diff & ~HIGHS) + ~HIGHS) | diff) & HIGHS) >> 7; /* 1 per separator */
    uint64_t mask = sep * 0xFF;
    uint64_t d = (w & ~mask) | (zeros & mask);
    return (w & mask) == (t & mask) && (d & nibble_hi) == zeros &&
           ((d + ONES * 6) & nibble_hi) == zeros;
}

/* The two forms on nearly every record, "YYYY-MM-DDTHH:MM:SS.fffZ" (SDK) and ".ffffffZ"
 * (mtc2kafka), without the general parser, which costs a fifth of a record. The result equals
 * ofc_time_parse()'s (same range checks and civil-date arithmetic); the unit tests and the fuzz
 * target, whose oracle calls ofc_time_parse(), hold it to that. Anything else (year 0 too)
 * returns false and goes to ofc_time_parse(). */
static bool iso_fast(time_cache *tc, const char *s, size_t n, int64_t *us)
{
    if (n != 24 && n != 27)
        return false;
    uint64_t w0 = load8(s), w1 = load8(s + 8);
    if (n == 24
            ? !word_matches(load8(s + 16), ":00.000Z")
            : !word_matches(load8(s + 16), ":00.0000") || !word_matches(load8(s + 19), ".000000Z"))
        return false;
    unsigned ss = two_digits(s + 17);
    if (ss > 60)
        return false;
    /* Records arrive in time order, so the date, hour and minute usually repeat: reuse them. */
    if (!tc->valid || w0 != tc->w0 || w1 != tc->w1) {
        if (!word_matches(w0, "0000-00-") || !word_matches(w1, "00T00:00"))
            return false;
        unsigned year = two_digits(s) * 100 + two_digits(s + 2), mon = two_digits(s + 5),
                 day = two_digits(s + 8), hh = two_digits(s + 11), mm = two_digits(s + 14);
        if (year == 0 || mon < 1 || mon > 12 || day < 1 || day > ofc_days_in_month(year, mon) ||
            hh > 23 || mm > 59)
            return false;
        tc->w0 = w0;
        tc->w1 = w1;
        tc->base_us =
            (ofc_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60) * (int64_t)1000000;
        tc->valid = true;
    }
    int64_t frac = (int64_t)two_digits(s + 20) * 10 + (s[22] - '0');
    frac = n == 27 ? frac * 1000 + two_digits(s + 23) * 10 + (s[25] - '0') : frac * 1000;
    *us = tc->base_us + (int64_t)ss * 1000000 + frac;
    return true;
}

/* A timestamp: absent or null -> 0 (unknown); "UNAVAILABLE" in any case -> 0; an ISO-8601 or
 * epoch string via ofc_time_parse(); an integer -> epoch s/ms/us by magnitude. INT64_MIN is
 * refused because its magnitude cannot be taken. */
static ofc_reject eval_time(time_cache *tc, const slot *s, int64_t *us)
{
    *us = 0;
    if (!s->present || s->v->type == JSON_SCAN_NULL)
        return OFC_REJECT_NONE;
    if (s->v->type == JSON_SCAN_STRING) {
        if (s->v->len == 11 && letters_are(s->v->ptr, 11, T_UNAVAILABLE))
            return OFC_REJECT_NONE;
        if (iso_fast(tc, s->v->ptr, s->v->len, us) || ofc_time_parse(s->v->ptr, s->v->len, us))
            return OFC_REJECT_NONE;
        return OFC_REJECT_BAD_TIMESTAMP;
    }
    if (s->v->type == JSON_SCAN_NUMBER && s->v->integer) {
        int64_t v = token_to_int64(s->v->ptr);
        if (v == INT64_MIN)
            return OFC_REJECT_BAD_TIMESTAMP;
        *us = ofc_time_epoch_to_us(v);
        return OFC_REJECT_NONE;
    }
    return OFC_REJECT_BAD_TIMESTAMP;
}

/* The single column of a ksqlDB table row: a string, or null for a deleted row. */
static ofc_reject read_column(ofa_parser *ps, const char *column, const void *payload, size_t len,
                              ofa_table_value *out)
{
    json_scan *js = ps->js;
    json_scan_val top, v = {JSON_SCAN_NULL, "", 0, false}, m;
    bool found = false;
    size_t col_len = column ? strlen(column) : 0;

    json_scan_begin(js, payload, len);
    if (!json_scan_value(js, &top))
        return json_scan_error(js);
    if (top.type != JSON_SCAN_OBJECT) {
        if ((top.type == JSON_SCAN_ARRAY && !json_scan_skip(js)) || !json_scan_end(js))
            return json_scan_error(js);
        return OFC_REJECT_NOT_OBJECT;
    }
    json_scan_fold_keys(js);
    const char *k;
    size_t n;
    int r;
    while ((r = json_scan_member(js, &k, &n, &m)) > 0) {
        bool ok;
        ok = drop_value(js, &m);
        if (n == col_len && col_len && names_equal(k, column, n)) {
            found = true;
            v = m;
        }
        if (!ok)
            return json_scan_error(js);
    }
    if (r < 0 || !json_scan_end(js))
        return json_scan_error(js);
    if (json_scan_duplicate(js))
        return OFC_REJECT_DUPLICATE_FIELD;
    if (!found || (v.type != JSON_SCAN_STRING && v.type != JSON_SCAN_NULL))
        return OFC_REJECT_BAD_FIELD;
    if (v.type == JSON_SCAN_NULL)
        out->tombstone = true;
    else
        out->value = str_of(v.ptr, v.len);
    return OFC_REJECT_NONE;
}

static ofc_attr_type classify_type(const char *s, size_t n)
{
    switch (n) {
    case 6:
        if (letters_are(s, 6, T_EVENTS))
            return OFC_TYPE_EVENTS;
        return letters_are(s, 6, T_METHOD) ? OFC_TYPE_METHOD : OFC_TYPE_OTHER;
    case 7: return letters_are(s, 7, T_SAMPLES) ? OFC_TYPE_SAMPLES : OFC_TYPE_OTHER;
    case 9: return letters_are(s, 9, T_CONDITION) ? OFC_TYPE_CONDITION : OFC_TYPE_OTHER;
    case 11:
        if (letters_are(s, 11, T_OPENFACTORY))
            return OFC_TYPE_OPENFACTORY;
        return letters_are(s, 11, T_UNAVAILABLE) ? OFC_TYPE_UNAVAILABLE : OFC_TYPE_OTHER;
    default: return OFC_TYPE_OTHER;
    }
}

const char *ofc_attr_type_name(ofc_attr_type type)
{
    switch (type) {
    case OFC_TYPE_SAMPLES: return "Samples";
    case OFC_TYPE_EVENTS: return "Events";
    case OFC_TYPE_CONDITION: return "Condition";
    case OFC_TYPE_METHOD: return "Method";
    case OFC_TYPE_OPENFACTORY: return "OpenFactory";
    case OFC_TYPE_UNAVAILABLE: return "UNAVAILABLE";
    case OFC_TYPE_OTHER: break;
    }
    return "Other";
}

ofc_str ofa_tag_local_name(ofc_str tag)
{
    if (tag.len && tag.ptr[0] == '{') {
        const char *close = memchr(tag.ptr, '}', tag.len);
        if (close)
            return str_of(close + 1, tag.len - (size_t)(close + 1 - tag.ptr));
    }
    return tag;
}

ofa_parser *ofa_parser_new(const ofa_limits *limits)
{
    ofa_parser *ps = xcalloc(1, sizeof *ps);
    ps->limits.max_key_bytes = DEFAULT_MAX_KEY_BYTES;
    ps->limits.max_value_bytes = DEFAULT_MAX_VALUE_BYTES;
    ps->limits.max_depth = DEFAULT_MAX_DEPTH;
    if (limits) {
        if (limits->max_key_bytes)
            ps->limits.max_key_bytes = limits->max_key_bytes;
        if (limits->max_value_bytes)
            ps->limits.max_value_bytes = limits->max_value_bytes;
        if (limits->max_depth > 0)
            ps->limits.max_depth = limits->max_depth;
    }
    ps->js = json_scan_new(ps->limits.max_depth);
    field_names_init(ps->names);
    return ps;
}

void ofa_parser_destroy(ofa_parser *ps)
{
    if (!ps)
        return;
    json_scan_destroy(ps->js);
    free(ps->key);
    free(ps);
}

static void event_reset(ofa_event *out)
{
    memset(out, 0, sizeof *out);
    out->asset_uuid = out->id = out->type_text = out->tag = out->value = str_of("", 0);
    out->type = OFC_TYPE_OTHER;
}

/* The checks ofa_assets records and table rows share, from TYPE on; attrs_bad says an event's
 * `attributes` was neither an object nor null (ranked after TAG, before the timestamp). */
static ofc_reject finish_event(time_cache *tc, const record *rec, bool attrs_bad, ofa_event *out)
{
    const slot *type = &rec->f[F_TYPE], *value = &rec->f[F_VALUE], *tag = &rec->f[F_TAG];
    int64_t ts;

    if (!type->present)
        return OFC_REJECT_MISSING_TYPE;
    if (type->v->type != JSON_SCAN_STRING)
        return OFC_REJECT_BAD_TYPE;
    if (!value->present)
        return OFC_REJECT_MISSING_VALUE;
    if (is_container(value->v))
        return OFC_REJECT_BAD_VALUE;
    if (tag->present && tag->v->type != JSON_SCAN_STRING && tag->v->type != JSON_SCAN_NULL)
        return OFC_REJECT_BAD_TAG;
    if (attrs_bad)
        return OFC_REJECT_BAD_ATTRIBUTES;
    ofc_reject why = eval_time(tc, &rec->f[F_TIMESTAMP], &ts);
    if (why)
        return why;

    /* Every field but asset_uuid and id is written here, once: the callers reset *out only on
     * rejection (clearing it up front cost ~5% of a parse). */
    out->type = classify_type(type->v->ptr, type->v->len);
    out->type_text = str_of(type->v->ptr, type->v->len);
    out->tag = tag->present && tag->v->type == JSON_SCAN_STRING ? str_of(tag->v->ptr, tag->v->len)
                                                                : str_of("", 0);
    switch (value->v->type) {
    case JSON_SCAN_STRING: out->value_kind = OFC_VALUE_STRING; break;
    case JSON_SCAN_NUMBER: out->value_kind = OFC_VALUE_NUMBER; break;
    case JSON_SCAN_TRUE:
    case JSON_SCAN_FALSE: out->value_kind = OFC_VALUE_BOOL; break;
    default: out->value_kind = OFC_VALUE_NULL; break;
    }
    out->value =
        out->value_kind != OFC_VALUE_NULL ? str_of(value->v->ptr, value->v->len) : str_of("", 0);
    out->timestamp_us = ts;
    return OFC_REJECT_NONE;
}

static ofc_reject parse_event(ofa_parser *ps, const void *key, size_t key_len, const void *payload,
                              size_t payload_len, ofa_event *out)
{
    record rec;
    ofc_reject why;

    if (!key)
        return OFC_REJECT_NULL_KEY;
    if ((why = check_key(ps, key, key_len)))
        return why;
    if (!payload)
        return OFC_REJECT_NULL_VALUE;
    if (payload_len > ps->limits.max_value_bytes)
        return OFC_REJECT_TOO_LARGE;
    record_init(&rec);
    if ((why = walk(ps, payload, payload_len, EVENT_FIELDS, &rec)))
        return why;

    const slot *id = &rec.f[F_ID], *attrs = &rec.f[F_ATTRIBUTES];
    if (!id->present)
        return OFC_REJECT_MISSING_ID;
    if (id->v->type != JSON_SCAN_STRING)
        return OFC_REJECT_BAD_ID;
    if (id->v->len == 0)
        return OFC_REJECT_MISSING_ID;
    bool attrs_bad =
        attrs->present && attrs->v->type != JSON_SCAN_OBJECT && attrs->v->type != JSON_SCAN_NULL;
    if ((why = finish_event(&ps->tc, &rec, attrs_bad, out)))
        return why;
    out->asset_uuid = str_of(copy_key(ps, key, key_len), key_len);
    out->id = str_of(id->v->ptr, id->v->len);
    return OFC_REJECT_NONE;
}

ofc_reject ofa_parse_event(ofa_parser *ps, const void *key, size_t key_len, const void *payload,
                           size_t payload_len, ofa_event *out)
{
    ofc_reject why = parse_event(ps, key, key_len, payload, payload_len, out);
    if (why)
        event_reset(out);
    return why;
}

static ofc_reject parse_table_event(ofa_parser *ps, const void *key, size_t key_len,
                                    const void *payload, size_t payload_len, ofa_event *out)
{
    record rec;
    ofc_reject why;
    const char *k = NULL, *bar = NULL;

    if (key) {
        if ((why = check_key(ps, key, key_len)))
            return why;
        k = copy_key(ps, key, key_len);
        bar = memchr(k, '|', key_len);
    }
    if (!payload)
        return OFC_REJECT_NULL_VALUE;
    if (payload_len > ps->limits.max_value_bytes)
        return OFC_REJECT_TOO_LARGE;
    record_init(&rec);
    if ((why = walk(ps, payload, payload_len, TABLE_FIELDS, &rec)))
        return why;

    /* The asset: ASSET_UUID, else the key up to the first '|' (all of it without one). */
    ofc_str asset;
    const slot *au = &rec.f[F_ASSET_UUID];
    if (au->present && au->v->type != JSON_SCAN_NULL) {
        if (au->v->type != JSON_SCAN_STRING)
            return OFC_REJECT_BAD_FIELD;
        if ((why = check_key(ps, au->v->ptr, au->v->len)))
            return why;
        asset = str_of(au->v->ptr, au->v->len);
    } else {
        if (!k)
            return OFC_REJECT_NULL_KEY;
        size_t n = bar ? (size_t)(bar - k) : key_len;
        if (n == 0)
            return OFC_REJECT_BAD_KEY;
        asset = str_of(k, n);
    }

    /* The attribute: ID, else the key after the first '|'. */
    ofc_str id;
    const slot *ids = &rec.f[F_ID];
    if (ids->present) {
        if (ids->v->type != JSON_SCAN_STRING)
            return OFC_REJECT_BAD_ID;
        id = str_of(ids->v->ptr, ids->v->len);
    } else if (bar) {
        id = str_of(bar + 1, key_len - (size_t)(bar + 1 - k));
    } else {
        return OFC_REJECT_MISSING_ID;
    }
    if (id.len == 0)
        return OFC_REJECT_MISSING_ID;

    if ((why = finish_event(&ps->tc, &rec, false, out)))
        return why;
    /* Terminate the key-derived asset in the copy; the ID after the bar is already done. */
    if (asset.ptr == k && bar)
        ps->key[asset.len] = '\0';
    out->asset_uuid = asset;
    out->id = id;
    return OFC_REJECT_NONE;
}

ofc_reject ofa_parse_table_event(ofa_parser *ps, const void *key, size_t key_len,
                                 const void *payload, size_t payload_len, ofa_event *out)
{
    ofc_reject why = parse_table_event(ps, key, key_len, payload, payload_len, out);
    if (why)
        event_reset(out);
    return why;
}

ofc_reject ofa_parse_uns_map(ofa_parser *ps, const void *key, size_t key_len, const void *payload,
                             size_t payload_len, ofa_uns_map *out)
{
    record rec;
    ofc_reject why;

    memset(out, 0, sizeof *out);
    out->asset_uuid = out->uns_id = str_of("", 0);
    if (key && (why = check_key(ps, key, key_len)))
        return why;
    if (!payload)
        return OFC_REJECT_NULL_VALUE;
    if (payload_len > ps->limits.max_value_bytes)
        return OFC_REJECT_TOO_LARGE;
    record_init(&rec);
    if ((why = walk(ps, payload, payload_len, UNS_FIELDS, &rec)))
        return why;

    const slot *au = &rec.f[F_ASSET_UUID], *uid = &rec.f[F_UNS_ID], *lv = &rec.f[F_UNS_LEVELS];
    bool au_string = au->present && au->v->type == JSON_SCAN_STRING;
    if (au->present && !au_string && au->v->type != JSON_SCAN_NULL)
        return OFC_REJECT_BAD_FIELD;
    if (!key) {
        if (!au_string)
            return OFC_REJECT_NULL_KEY;
        if ((why = check_key(ps, au->v->ptr, au->v->len)))
            return why;
    }

    bool mapped = uid->present && uid->v->type != JSON_SCAN_NULL;
    if (mapped && (uid->v->type != JSON_SCAN_STRING || uid->v->len == 0))
        return OFC_REJECT_BAD_FIELD;

    /* Levels: an object when mapped; null, absent or an object when deregistering. */
    bool lv_object = lv->present && lv->v->type == JSON_SCAN_OBJECT;
    if (mapped ? !lv_object : (lv->present && !lv_object && lv->v->type != JSON_SCAN_NULL))
        return OFC_REJECT_BAD_FIELD;
    if (rec.level_count > OFA_UNS_MAX_LEVELS)
        return OFC_REJECT_TOO_LARGE;
    if (rec.level_not_string || (mapped && rec.level_null))
        return OFC_REJECT_BAD_FIELD;

    int64_t updated;
    if ((why = eval_time(&ps->tc, &rec.f[F_UPDATED_AT], &updated)))
        return why;

    out->asset_uuid =
        key ? str_of(copy_key(ps, key, key_len), key_len) : str_of(au->v->ptr, au->v->len);
    out->mapped = mapped;
    if (mapped)
        out->uns_id = str_of(uid->v->ptr, uid->v->len);
    out->level_count = rec.level_count;
    for (size_t i = 0; i < rec.level_count; i++) {
        const level *l = &rec.levels[i];
        out->level_names[i] = str_of(l->name, l->name_len);
        out->level_values[i] =
            l->v.type == JSON_SCAN_STRING ? str_of(l->v.ptr, l->v.len) : str_of("", 0);
    }
    out->updated_at_us = updated;
    return OFC_REJECT_NONE;
}

ofc_reject ofa_parse_table_value(ofa_parser *ps, const char *column, const void *key,
                                 size_t key_len, const void *payload, size_t payload_len,
                                 ofa_table_value *out)
{
    ofc_reject why;

    memset(out, 0, sizeof *out);
    out->asset_uuid = out->value = str_of("", 0);
    if (!key)
        return OFC_REJECT_NULL_KEY;
    if ((why = check_key(ps, key, key_len)))
        return why;
    if (payload) {
        if (payload_len > ps->limits.max_value_bytes)
            return OFC_REJECT_TOO_LARGE;
        if ((why = read_column(ps, column, payload, payload_len, out))) {
            out->value = str_of("", 0);
            out->tombstone = false;
            return why;
        }
    } else {
        out->tombstone = true;
    }
    out->asset_uuid = str_of(copy_key(ps, key, key_len), key_len);
    return OFC_REJECT_NONE;
}
