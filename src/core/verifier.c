/* verifier: the core's strict scanner (json_scan) reads command records and their envelopes in
 * one pass each, building nothing, so that the Ed25519 verification is nearly all a check
 * costs; the canonical bytes come from command.c, so signer and verifier cannot disagree on
 * them. */
#include "verifier.h"

#include "command.h"
#include "json_scan.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const verdict_names[] = {
#define OFC_VERDICT_NAME(name, label, desc) label,
    OFC_VERDICT_LIST(OFC_VERDICT_NAME)
#undef OFC_VERDICT_NAME
};

static const char *const verdict_desc[] = {
#define OFC_VERDICT_DESC(name, label, desc) desc,
    OFC_VERDICT_LIST(OFC_VERDICT_DESC)
#undef OFC_VERDICT_DESC
};

const char *ofc_verdict_name(ofc_verdict v)
{
    return (unsigned)v < OFC_VERDICT__COUNT ? verdict_names[v] : "unknown";
}

const char *ofc_verdict_str(ofc_verdict v)
{
    return (unsigned)v < OFC_VERDICT__COUNT ? verdict_desc[v] : "unknown verdict";
}

typedef struct seen_id {
    int64_t ts_us; /* the command's own timestamp: the window is checked against it */
    char id[37];
} seen_id;

/* Commands are small and flat: deeper nesting is hostile, not an OpenFactory command. */
#define VERIFIER_MAX_DEPTH 16

struct ofc_verifier {
    const ofc_trust *trust;
    ofc_verifier_opts opts;
    strmap seen;    /* correlation id -> seen_id (keys point into the value) */
    seen_id **fifo; /* oldest first from fifo_head */
    size_t fifo_head, fifo_len, fifo_cap;
    int64_t floor_us;         /* commands older than this are expired (raised by eviction) */
    json_scan *record_scan;   /* the record; its views live until the next check */
    json_scan *envelope_scan; /* the envelope inside the record's VALUE string */
    char *stripped;           /* stripped copies of the info strings */
    size_t stripped_cap;
    json_writer canon;
    char key_id[OFC_KEY_ID_LEN + 1]; /* of the last check (info->key_id) */
};

ofc_verifier *ofc_verifier_new(const ofc_trust *trust, const ofc_verifier_opts *opts)
{
    ofc_verifier *v = xcalloc(1, sizeof *v);
    v->trust = trust;
    v->opts.window_us = 120 * 1000000LL;
    v->opts.future_us = 30 * 1000000LL;
    v->opts.max_record_bytes = 65536;
    v->opts.max_remembered = 1000000;
    if (opts) {
        if (opts->window_us > 0)
            v->opts.window_us = opts->window_us;
        if (opts->future_us > 0)
            v->opts.future_us = opts->future_us;
        if (opts->max_record_bytes)
            v->opts.max_record_bytes = opts->max_record_bytes;
        if (opts->max_remembered)
            v->opts.max_remembered = opts->max_remembered;
        v->opts.any_order = opts->any_order;
    }
    strmap_init(&v->seen);
    jw_init(&v->canon);
    v->record_scan = json_scan_new(VERIFIER_MAX_DEPTH);
    v->envelope_scan = json_scan_new(VERIFIER_MAX_DEPTH);
    ofc_crypto_init();
    return v;
}

void ofc_verifier_set_trust(ofc_verifier *v, const ofc_trust *trust)
{
    v->trust = trust;
}

static void forget_oldest(ofc_verifier *v)
{
    seen_id *s = v->fifo[v->fifo_head];
    strmap_remove(&v->seen, s->id, strlen(s->id));
    if (s->ts_us > v->floor_us)
        v->floor_us = s->ts_us;
    free(s);
    v->fifo_head = (v->fifo_head + 1) % v->fifo_cap;
    v->fifo_len--;
}

void ofc_verifier_destroy(ofc_verifier *v)
{
    if (!v)
        return;
    while (v->fifo_len)
        forget_oldest(v);
    free(v->fifo);
    strmap_fini(&v->seen);
    json_scan_destroy(v->record_scan);
    json_scan_destroy(v->envelope_scan);
    free(v->stripped);
    jw_fini(&v->canon);
    free(v);
}

static void remember(ofc_verifier *v, const char *id, int64_t ts_us, int64_t now_us);

/* A UUID is the same whatever the case of its hex digits: the replay cache keys on lower case,
 * or an upper-cased copy of an accepted id would pass as new. */
static bool seen_before(const ofc_verifier *v, const char *id, char key[37])
{
    size_t n = 0;
    for (; id[n] && n < 36; n++)
        key[n] = (char)(id[n] >= 'A' && id[n] <= 'F' ? id[n] - 'A' + 'a' : id[n]);
    key[n] = '\0';
    return strmap_get(&v->seen, key, n) != NULL;
}

void ofc_verifier_note_seen(ofc_verifier *v, const char *correlation_id, int64_t timestamp_us,
                            int64_t now_us)
{
    if (!correlation_id || !ofc_uuid_valid(correlation_id, strlen(correlation_id)))
        return;
    if (timestamp_us < now_us - v->opts.window_us)
        return; /* the time check refuses it anyway */
    char key[37];
    if (seen_before(v, correlation_id, key))
        return;
    remember(v, key, timestamp_us, now_us);
}

static void remember(ofc_verifier *v, const char *id, int64_t ts_us, int64_t now_us)
{
    /* Ids of commands older than the window can never pass the time check again. Forgetting
     * them raises the floor only to where the window already is. Not when records come out of
     * time order (any_order): a clock that went ahead must not forget an id a record judged at
     * an earlier time could replay. */
    int64_t keep_after = now_us - v->opts.window_us;
    while (!v->opts.any_order && v->fifo_len && v->fifo[v->fifo_head]->ts_us < keep_after)
        forget_oldest(v);
    while (v->fifo_len >= v->opts.max_remembered)
        forget_oldest(v);
    if (v->fifo_len == v->fifo_cap) {
        size_t cap = v->fifo_cap ? v->fifo_cap * 2 : 1024;
        seen_id **fifo = xcalloc(cap, sizeof *fifo);
        for (size_t i = 0; i < v->fifo_len; i++)
            fifo[i] = v->fifo[(v->fifo_head + i) % v->fifo_cap];
        free(v->fifo);
        v->fifo = fifo;
        v->fifo_cap = cap;
        v->fifo_head = 0;
    }
    seen_id *s = xmalloc(sizeof *s);
    s->ts_us = ts_us;
    snprintf(s->id, sizeof s->id, "%s", id);
    strmap_put(&v->seen, s->id, strlen(s->id), s);
    v->fifo[(v->fifo_head + v->fifo_len) % v->fifo_cap] = s;
    v->fifo_len++;
}

/* The record's fields an executor reads (names matched ignoring case, wire §1) and, inside
 * attributes, the operator's reason: views into the record scanner's copy. */
enum { REC_ID, REC_VALUE, REC_TAG, REC_TYPE, REC_ATTRS, REC__COUNT };
static const char *const record_field_names[REC__COUNT] = {"ID", "VALUE", "TAG", "TYPE",
                                                           "attributes"};

typedef struct scanned_record {
    bool has[REC__COUNT];
    json_scan_val field[REC__COUNT];
    bool dup; /* one of those fields twice, ignoring case */
    bool has_reason;
    json_scan_val reason;
} scanned_record;

/* The envelope's header fields and arguments (wire §6.2): views into the envelope scanner. */
enum { HDR_CORRELATION_ID, HDR_SENDER, HDR_TIMESTAMP, HDR_SIGNATURE, HDR__COUNT };
static const char *const header_field_names[HDR__COUNT] = {"correlation_id", "sender_uuid",
                                                           "timestamp", "signature"};

typedef struct scanned_envelope {
    size_t members;
    bool has_header, has_args;
    json_scan_type header_type, args_type;
    size_t header_members;
    bool has[HDR__COUNT];
    json_scan_val header[HDR__COUNT];
    size_t arg_count; /* all of them; the first OFC_CMD_MAX_ARGS are kept */
    const char *arg_name[OFC_CMD_MAX_ARGS];
    json_scan_val arg_value[OFC_CMD_MAX_ARGS];
} scanned_envelope;

static bool is_container(const json_scan_val *val)
{
    return val->type == JSON_SCAN_OBJECT || val->type == JSON_SCAN_ARRAY;
}

/* A value just read that is not looked into: drop it whole (it is still validated). */
static bool drop(json_scan *js, const json_scan_val *val)
{
    return !is_container(val) || json_scan_skip(js);
}

/* Walk the members of the object just opened; each member's value is read or dropped by the
 * callback. False on a document error or when the callback says so. */
typedef bool (*member_fn)(json_scan *js, void *ctx, const char *key, const json_scan_val *val);

static bool walk_members(json_scan *js, member_fn each, void *ctx)
{
    const char *key;
    size_t key_len;
    json_scan_val val;
    int rc;
    while ((rc = json_scan_member(js, &key, &key_len, &val)) == 1)
        if (!each(js, ctx, key, &val))
            return false;
    return rc == 0;
}

static bool attribute_member(json_scan *js, void *ctx, const char *key, const json_scan_val *val)
{
    scanned_record *r = ctx;
    if (strcmp(key, OFC_REASON_ATTR) == 0) {
        r->has_reason = true;
        r->reason = *val;
    }
    return drop(js, val);
}

static bool record_member(json_scan *js, void *ctx, const char *key, const json_scan_val *val)
{
    scanned_record *r = ctx;
    int f = -1;
    for (int i = 0; i < REC__COUNT && f < 0; i++)
        if (strcasecmp(key, record_field_names[i]) == 0)
            f = i;
    if (f >= 0) {
        r->dup |= r->has[f];
        r->has[f] = true;
        r->field[f] = *val;
    }
    if (f == REC_ATTRS && val->type == JSON_SCAN_OBJECT)
        return walk_members(js, attribute_member, r);
    return drop(js, val);
}

static bool header_member(json_scan *js, void *ctx, const char *key, const json_scan_val *val)
{
    scanned_envelope *e = ctx;
    e->header_members++;
    for (int i = 0; i < HDR__COUNT; i++)
        if (strcmp(key, header_field_names[i]) == 0) {
            e->has[i] = true;
            e->header[i] = *val;
        }
    return drop(js, val);
}

static bool argument_member(json_scan *js, void *ctx, const char *key, const json_scan_val *val)
{
    scanned_envelope *e = ctx;
    if (e->arg_count < OFC_CMD_MAX_ARGS) {
        e->arg_name[e->arg_count] = key;
        e->arg_value[e->arg_count] = *val;
    }
    e->arg_count++;
    return drop(js, val);
}

static bool envelope_member(json_scan *js, void *ctx, const char *key, const json_scan_val *val)
{
    scanned_envelope *e = ctx;
    e->members++;
    bool opened = val->type == JSON_SCAN_OBJECT;
    if (strcmp(key, "header") == 0) {
        e->has_header = true;
        e->header_type = val->type;
        return opened ? walk_members(js, header_member, e) : drop(js, val);
    }
    if (strcmp(key, "arguments") == 0) {
        e->has_args = true;
        e->args_type = val->type;
        return opened ? walk_members(js, argument_member, e) : drop(js, val);
    }
    return drop(js, val);
}

/* One pass over a document that must be a strict JSON object without duplicate keys. */
static bool scan_object(json_scan *js, const void *doc, size_t len, member_fn each, void *ctx)
{
    json_scan_begin(js, doc, len);
    json_scan_val top;
    if (!json_scan_value(js, &top) || top.type != JSON_SCAN_OBJECT)
        return false;
    return walk_members(js, each, ctx) && json_scan_end(js) && !json_scan_duplicate(js);
}

static bool is_string(const bool *has, const json_scan_val *vals, int i)
{
    return has[i] && vals[i].type == JSON_SCAN_STRING;
}

/* Keep a stripped copy; returns its offset in v->stripped (pointers fixed up at the end). */
static size_t keep_stripped(ofc_verifier *v, size_t *used, const char *s)
{
    ofc_str t = ofc_strip_py((ofc_str){s, strlen(s)});
    if (*used + t.len + 1 > v->stripped_cap) {
        v->stripped_cap = (*used + t.len + 1) * 2;
        v->stripped = xrealloc(v->stripped, v->stripped_cap);
    }
    size_t at = *used;
    memcpy(v->stripped + at, t.ptr, t.len);
    v->stripped[at + t.len] = '\0';
    *used += t.len + 1;
    return at;
}

ofc_verdict ofc_verifier_check(ofc_verifier *v, const void *key, size_t key_len,
                               const void *payload, size_t payload_len, const char *uns_id,
                               int64_t now_us, ofc_command_info *info)
{
    ofc_command_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    if (payload_len > v->opts.max_record_bytes || key_len > 1024)
        return OFC_VERDICT_OVERSIZED;
    if (!key || !key_len || !payload || memchr(key, '\0', key_len))
        return OFC_VERDICT_BAD_RECORD;

    scanned_record r;
    memset(&r, 0, sizeof r);
    if (!scan_object(v->record_scan, payload, payload_len, record_member, &r))
        return OFC_VERDICT_BAD_RECORD;
    if (r.dup || !is_string(r.has, r.field, REC_ID))
        return OFC_VERDICT_BAD_RECORD;
    const char *id = r.field[REC_ID].ptr;
    size_t id_len = r.field[REC_ID].len;
    if (id_len <= 4 || strcmp(id + id_len - 4, "_CMD") != 0)
        return OFC_VERDICT_NOT_COMMAND; /* a data record (TAG is optional there, wire §3.1) */
    if (!is_string(r.has, r.field, REC_TAG) || !is_string(r.has, r.field, REC_TYPE) ||
        (r.has[REC_ATTRS] && r.field[REC_ATTRS].type != JSON_SCAN_OBJECT))
        return OFC_VERDICT_BAD_RECORD;

    /* From here the target and method are known: a record refused below still says what it
     * asked of whom (the audit lists it). Stripped copies, as the receiver sees them; every
     * pointer into v->stripped is set again at the end, after the copies that may move it. */
    size_t used = 0, off[8 + 2 * OFC_CMD_MAX_ARGS], k = 0;
    char method[256];
    snprintf(method, sizeof method, "%.*s", (int)(id_len - 4 < 255 ? id_len - 4 : 255), id);
    char *target = xstrndup(key, key_len);
    off[k++] = keep_stripped(v, &used, target);
    off[k++] = keep_stripped(v, &used, method);
    free(target);
    info->target = v->stripped + off[0];
    info->method = v->stripped + off[1];
    info->empty_value = is_string(r.has, r.field, REC_VALUE) &&
                        r.field[REC_VALUE].ptr[strspn(r.field[REC_VALUE].ptr, " \t\r\n")] == '\0';

    if (strcmp(r.field[REC_TYPE].ptr, "OpenFactory") != 0 ||
        strcmp(r.field[REC_TAG].ptr, "Method.Command") != 0)
        return OFC_VERDICT_BAD_RECORD;
    if (r.has_reason && r.reason.type != JSON_SCAN_STRING)
        return OFC_VERDICT_BAD_RECORD;
    if (!is_string(r.has, r.field, REC_VALUE))
        return OFC_VERDICT_BAD_ENVELOPE;

    scanned_envelope e;
    memset(&e, 0, sizeof e);
    if (!scan_object(v->envelope_scan, r.field[REC_VALUE].ptr, r.field[REC_VALUE].len,
                     envelope_member, &e))
        return OFC_VERDICT_BAD_ENVELOPE;
    if (e.members != 1 + (size_t)e.has_args)
        return e.has_header ? OFC_VERDICT_EXTRA_FIELD : OFC_VERDICT_MISSING_FIELD;
    if (!e.has_header || e.header_type != JSON_SCAN_OBJECT ||
        (e.has_args && e.args_type != JSON_SCAN_OBJECT))
        return OFC_VERDICT_BAD_ENVELOPE;
    size_t known = 0;
    for (int i = 0; i < HDR__COUNT; i++)
        known += e.has[i];
    if (e.header_members != known)
        return OFC_VERDICT_EXTRA_FIELD;
    if (!e.has[HDR_CORRELATION_ID] || !e.has[HDR_SENDER] || !e.has[HDR_TIMESTAMP])
        return OFC_VERDICT_MISSING_FIELD;
    if (!is_string(e.has, e.header, HDR_CORRELATION_ID) ||
        !is_string(e.has, e.header, HDR_SENDER) || !is_string(e.has, e.header, HDR_TIMESTAMP))
        return OFC_VERDICT_BAD_ENVELOPE;
    if (e.arg_count > OFC_CMD_MAX_ARGS)
        return OFC_VERDICT_OVERSIZED;

    /* The rest of info, stripped the same way. */
    off[k++] = keep_stripped(v, &used, e.header[HDR_CORRELATION_ID].ptr);
    off[k++] = keep_stripped(v, &used, e.header[HDR_SENDER].ptr);
    off[k++] = keep_stripped(v, &used, e.header[HDR_TIMESTAMP].ptr);
    off[k++] = keep_stripped(v, &used, r.has_reason ? r.reason.ptr : "");
    bool non_string = false;
    for (size_t i = 0; i < e.arg_count; i++) {
        if (e.arg_value[i].type != JSON_SCAN_STRING) {
            non_string = true;
            break;
        }
        off[k++] = keep_stripped(v, &used, e.arg_name[i]);
        off[k++] = keep_stripped(v, &used, e.arg_value[i].ptr);
        info->arg_count++;
    }
    info->target = v->stripped + off[0];
    info->method = v->stripped + off[1];
    info->correlation_id = v->stripped + off[2];
    info->sender = v->stripped + off[3];
    info->timestamp = v->stripped + off[4];
    info->reason = v->stripped + off[5];
    for (size_t i = 0; i < info->arg_count; i++) {
        info->arg_names[i] = v->stripped + off[6 + 2 * i];
        info->arg_values[i] = v->stripped + off[7 + 2 * i];
    }
    if (non_string)
        return OFC_VERDICT_BAD_ARGUMENT;
    if (!ofc_uuid_valid(info->correlation_id, strlen(info->correlation_id)))
        return OFC_VERDICT_BAD_CORRELATION_ID;
    if (!ofc_time_parse_rfc3339(info->timestamp, strlen(info->timestamp), &info->timestamp_us))
        return OFC_VERDICT_BAD_TIMESTAMP;

    const json_scan_val *jsig = e.has[HDR_SIGNATURE] ? &e.header[HDR_SIGNATURE] : NULL;
    if (!jsig || jsig->type == JSON_SCAN_NULL)
        return OFC_VERDICT_UNSIGNED;
    const char *sig = jsig->type == JSON_SCAN_STRING ? jsig->ptr : NULL;
    static const char prefix[] = OFC_SIGNATURE_ALG ":";
    unsigned char raw[OFC_SIGNATURE_LEN + 8];
    size_t raw_len = 0;
    if (!sig || strncmp(sig, prefix, sizeof prefix - 1) != 0 ||
        strlen(sig) < sizeof prefix - 1 + OFC_KEY_ID_LEN + 1 ||
        sig[sizeof prefix - 1 + OFC_KEY_ID_LEN] != ':')
        return OFC_VERDICT_BAD_SIGNATURE_FORMAT;
    char *kid = v->key_id;
    memcpy(kid, sig + sizeof prefix - 1, OFC_KEY_ID_LEN);
    kid[OFC_KEY_ID_LEN] = '\0';
    info->key_id = kid;
    const char *b64 = sig + sizeof prefix - 1 + OFC_KEY_ID_LEN + 1;
    if (sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        raw_len != OFC_SIGNATURE_LEN)
        return OFC_VERDICT_BAD_SIGNATURE_FORMAT;

    const ofc_trust_entry *entry = ofc_trust_find(v->trust, kid);
    if (!entry)
        return OFC_VERDICT_UNKNOWN_KEY;
    if (strcmp(ofc_trust_entry_operator(entry), info->sender) != 0)
        return OFC_VERDICT_KEY_NOT_BOUND;

    ofc_command_content c;
    memset(&c, 0, sizeof c);
    c.target = (ofc_str){info->target, strlen(info->target)};
    c.method = (ofc_str){info->method, strlen(info->method)};
    c.correlation_id = (ofc_str){info->correlation_id, strlen(info->correlation_id)};
    c.sender = (ofc_str){info->sender, strlen(info->sender)};
    c.timestamp = (ofc_str){info->timestamp, strlen(info->timestamp)};
    c.reason = (ofc_str){info->reason, strlen(info->reason)};
    c.arg_count = info->arg_count;
    for (size_t i = 0; i < info->arg_count; i++) {
        c.arg_names[i] = (ofc_str){info->arg_names[i], strlen(info->arg_names[i])};
        c.arg_values[i] = (ofc_str){info->arg_values[i], strlen(info->arg_values[i])};
    }
    jw_reset(&v->canon);
    if (ofc_command_canonical(&c, &v->canon) != OFC_OK)
        return OFC_VERDICT_BAD_ENVELOPE; /* two arguments the same after stripping */
    if (!ed25519_vkey_verify(ofc_trust_entry_vkey(entry), raw, (const unsigned char *)v->canon.buf,
                             v->canon.len))
        return OFC_VERDICT_BAD_SIGNATURE;

    if (info->timestamp_us < now_us - v->opts.window_us ||
        (v->floor_us && info->timestamp_us <= v->floor_us))
        return OFC_VERDICT_EXPIRED;
    if (info->timestamp_us > now_us + v->opts.future_us)
        return OFC_VERDICT_FUTURE;
    char id_key[37];
    if (seen_before(v, info->correlation_id, id_key))
        return OFC_VERDICT_REPLAYED;
    /* Remembered once genuine, before policy: a denied command must not be retried either. */
    remember(v, id_key, info->timestamp_us, now_us);
    info->policy = ofc_trust_entry_allows(entry, info->method, info->target, uns_id);
    if (info->policy != OFC_POLICY_ALLOW)
        return OFC_VERDICT_POLICY_DENIED;
    return OFC_VERDICT_VALID;
}
