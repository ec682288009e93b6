/* audit: a ring of entries filled from the feed tap; the verifier supplies the judgement. */
#include "audit.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

struct ofc_audit {
    ofc_trust *empty_trust; /* owned; used when no trust store was given */
    ofc_verifier *verifier;
    const ofc_model *model;
    ofc_audit_entry *ring;
    size_t cap, head, count;
    ofc_audit_fn fn;
    void *fn_opaque;
};

void ofc_audit_entry_fini(ofc_audit_entry *e)
{
    free(e->target);
    free(e->method);
    free(e->correlation_id);
    free(e->sender);
    free(e->key_id);
    free(e->reason);
    free(e->timestamp);
    for (size_t i = 0; i < e->arg_count; i++) {
        free(e->arg_names[i]);
        free(e->arg_values[i]);
    }
    free(e->arg_names);
    free(e->arg_values);
    free(e->uns);
    free(e->record);
    memset(e, 0, sizeof *e);
}

ofc_audit *ofc_audit_new(const ofc_trust *trust, const ofc_model *model, size_t max_entries)
{
    ofc_audit *a = xcalloc(1, sizeof *a);
    char err[64];
    if (!trust) {
        ofc_trust_parse("", 0, "(none)", &a->empty_trust, err, sizeof err);
        trust = a->empty_trust;
    }
    /* Judged at each record's own time; the replay check still catches a correlation id that
     * appears twice in the log, in whichever partitions and order the feed reads them. */
    ofc_verifier_opts opts = {0, 0, 0, 0, true};
    a->verifier = ofc_verifier_new(trust, &opts);
    a->model = model;
    a->cap = max_entries ? max_entries : 100000;
    a->ring = xcalloc(a->cap, sizeof *a->ring);
    return a;
}

void ofc_audit_destroy(ofc_audit *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->count; i++)
        ofc_audit_entry_fini(&a->ring[(a->head + i) % a->cap]);
    free(a->ring);
    ofc_verifier_destroy(a->verifier);
    ofc_trust_destroy(a->empty_trust);
    free(a);
}

void ofc_audit_set_trust(ofc_audit *a, const ofc_trust *trust)
{
    if (!trust) {
        if (!a->empty_trust) {
            char err[64];
            ofc_trust_parse("", 0, "(none)", &a->empty_trust, err, sizeof err);
        }
        trust = a->empty_trust;
    }
    ofc_verifier_set_trust(a->verifier, trust);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static bool is_command_record(const char *v, size_t len)
{
    for (size_t i = 0; v && i + 5 <= len; i++)
        if (v[i] == '_' && memcmp(v + i, "_CMD\"", 5) == 0)
            return true;
    return false;
}

bool ofc_audit_skips(ofc_verdict v, const ofc_command_info *info)
{
    if (v == OFC_VERDICT_NOT_COMMAND || info->empty_value)
        return true; /* not a command, or upstream's empty start-up record */
    /* A `_CMD` record someone wrote with a broken envelope is listed, invalid with its reason:
     * the audit is where forgeries show. Only what names no method at all is left out. */
    return info->method == NULL && v != OFC_VERDICT_OVERSIZED;
}

/* A NUL-terminated copy of len bytes that may themselves hold NULs. */
static char *bytes_dup(const void *p, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, p, len);
    copy[len] = '\0';
    return copy;
}

void ofc_audit_entry_init(ofc_audit_entry *e, const void *key, size_t key_len, const void *value,
                          size_t value_len, ofc_verdict v, const ofc_command_info *info,
                          const char *uns_id, int64_t when_us, const ofc_origin *origin)
{
    memset(e, 0, sizeof *e);
    e->kafka_time_us = when_us;
    e->partition = origin ? origin->partition : -1;
    e->offset = origin ? origin->offset : -1;
    e->verdict = v;
    e->policy = info->policy;
    e->target = key ? bytes_dup(key, key_len) : NULL;
    e->target_len = key ? key_len : 0;
    e->method = dup_or_null(info->method);
    e->correlation_id = dup_or_null(info->correlation_id);
    e->sender = dup_or_null(info->sender);
    e->key_id = dup_or_null(info->key_id);
    e->reason = dup_or_null(info->reason);
    e->timestamp = dup_or_null(info->timestamp);
    e->arg_count = info->arg_count;
    e->arg_names = xcalloc(info->arg_count ? info->arg_count : 1, sizeof *e->arg_names);
    e->arg_values = xcalloc(info->arg_count ? info->arg_count : 1, sizeof *e->arg_values);
    for (size_t i = 0; i < info->arg_count; i++) {
        e->arg_names[i] = xstrdup(info->arg_names[i]);
        e->arg_values[i] = xstrdup(info->arg_values[i]);
    }
    e->uns = dup_or_null(uns_id);
    e->record = value && value_len <= 65536 ? bytes_dup(value, value_len) : NULL;
    e->record_len = e->record ? value_len : 0;
}

void ofc_audit_add_record(ofc_audit *a, const void *key, size_t key_len, const void *value,
                          size_t value_len, const ofc_origin *origin)
{
    if (!is_command_record(value, value_len))
        return;
    const char *uns = NULL;
    char uuid[1100];
    if (a->model && key && key_len < sizeof uuid) {
        memcpy(uuid, key, key_len);
        uuid[key_len] = '\0';
        const ofc_asset *as = ofc_model_find_asset(a->model, uuid);
        uns = as ? ofc_asset_uns_id(as) : NULL;
    }
    int64_t when =
        origin && origin->timestamp_ms > 0 ? origin->timestamp_ms * 1000 : ofc_time_now_us();
    ofc_command_info info;
    ofc_verdict v =
        ofc_verifier_check(a->verifier, key, key_len, value, value_len, uns, when, &info);
    if (ofc_audit_skips(v, &info))
        return;

    if (a->count == a->cap) {
        ofc_audit_entry_fini(&a->ring[a->head]);
        a->head = (a->head + 1) % a->cap;
        a->count--;
    }
    ofc_audit_entry *e = &a->ring[(a->head + a->count) % a->cap];
    ofc_audit_entry_init(e, key, key_len, value, value_len, v, &info, uns, when, origin);
    a->count++;
    if (a->fn)
        a->fn(a->fn_opaque, e);
}

static void on_tap(void *opaque, const void *key, size_t key_len, const void *value,
                   size_t value_len, const ofc_origin *origin)
{
    ofc_audit_add_record(opaque, key, key_len, value, value_len, origin);
}

void ofc_audit_attach(ofc_audit *a, ofc_feed *feed)
{
    ofc_feed_set_assets_tap(feed, on_tap, a);
}

void ofc_audit_on_entry(ofc_audit *a, ofc_audit_fn fn, void *opaque)
{
    a->fn = fn;
    a->fn_opaque = opaque;
}

size_t ofc_audit_count(const ofc_audit *a)
{
    return a->count;
}

const ofc_audit_entry *ofc_audit_at(const ofc_audit *a, size_t i)
{
    return i < a->count ? &a->ring[(a->head + i) % a->cap] : NULL;
}

const char *ofc_audit_status(const ofc_audit_entry *e)
{
    switch (e->verdict) {
    case OFC_VERDICT_VALID: return "valid";
    case OFC_VERDICT_UNSIGNED: return "unsigned";
    case OFC_VERDICT_UNKNOWN_KEY: return "unknown key";
    default: return "invalid";
    }
}

bool ofc_audit_matches(const ofc_audit_entry *e, const char *operator_id, const char *asset,
                       int64_t since_us, int64_t until_us)
{
    if (operator_id && *operator_id && (!e->sender || strcmp(e->sender, operator_id) != 0))
        return false;
    if (asset && *asset && (!e->target || strcmp(e->target, asset) != 0))
        return false;
    if (since_us && e->kafka_time_us < since_us)
        return false;
    if (until_us && e->kafka_time_us > until_us)
        return false;
    return true;
}

/* key: the bytes as text, and key_base64: the same bytes exactly when text cannot hold them. */
static void bytes_field(json_writer *jw, const char *key, const char *v, size_t len)
{
    jw_key(jw, key);
    if (!v) {
        jw_null(jw);
        return;
    }
    jw_string_n(jw, v, len);
    if (jw_string_is_exact(v, len))
        return;
    char name[32];
    snprintf(name, sizeof name, "%s_base64", key);
    size_t b64_size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = xmalloc(b64_size);
    sodium_bin2base64(b64, b64_size, (const unsigned char *)v, len, sodium_base64_VARIANT_ORIGINAL);
    jw_key(jw, name);
    jw_string(jw, b64);
    free(b64);
}

static void str_or_null(json_writer *jw, const char *key, const char *v)
{
    jw_key(jw, key);
    if (v)
        jw_string(jw, v);
    else
        jw_null(jw);
}

void ofc_audit_write_json(const ofc_audit_entry *e, json_writer *jw)
{
    char when[40];
    ofc_time_format_iso(e->kafka_time_us, 3, when, sizeof when);
    jw_object_begin(jw);
    jw_key(jw, "status");
    jw_string(jw, ofc_audit_status(e));
    jw_key(jw, "verdict");
    jw_string(jw, ofc_verdict_name(e->verdict));
    jw_key(jw, "why");
    jw_string(jw, e->verdict == OFC_VERDICT_POLICY_DENIED ? ofc_policy_str(e->policy)
                                                          : ofc_verdict_str(e->verdict));
    jw_key(jw, "time");
    jw_string(jw, when);
    jw_key(jw, "kafka_time_us");
    jw_int(jw, e->kafka_time_us);
    str_or_null(jw, "operator", e->sender);
    str_or_null(jw, "key_id", e->key_id);
    bytes_field(jw, "target", e->target, e->target_len);
    str_or_null(jw, "method", e->method);
    str_or_null(jw, "correlation_id", e->correlation_id);
    str_or_null(jw, "timestamp", e->timestamp);
    str_or_null(jw, "reason", e->reason);
    jw_key(jw, "arguments");
    jw_object_begin(jw);
    for (size_t i = 0; i < e->arg_count; i++) {
        /* Two names the same after stripping (a bad_envelope command): one key each, the first,
         * so the line stays readable; the raw record below keeps both. */
        bool repeated = false;
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = strcmp(e->arg_names[j], e->arg_names[i]) == 0;
        if (repeated)
            continue;
        jw_key(jw, e->arg_names[i]);
        jw_string(jw, e->arg_values[i]);
    }
    jw_object_end(jw);
    jw_key(jw, "partition");
    jw_int(jw, e->partition);
    jw_key(jw, "offset");
    jw_int(jw, e->offset);
    str_or_null(jw, "uns", e->uns);
    bytes_field(jw, "record", e->record, e->record_len);
    jw_object_end(jw);
}
