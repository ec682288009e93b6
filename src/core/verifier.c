/* verifier: jansson reads the (rare) command records strictly; the canonical bytes come from
 * command.c, so signer and verifier cannot disagree on them. */
#include "verifier.h"

#include "command.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <jansson.h>
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

struct ofc_verifier {
    const ofc_trust *trust;
    ofc_verifier_opts opts;
    strmap seen;    /* correlation id -> seen_id (keys point into the value) */
    seen_id **fifo; /* oldest first from fifo_head */
    size_t fifo_head, fifo_len, fifo_cap;
    int64_t floor_us; /* commands older than this are expired (raised by eviction) */
    json_t *record;   /* parsed record of the last check (info points into it) */
    json_t *envelope;
    char *stripped; /* stripped copies of the info strings */
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
    }
    strmap_init(&v->seen);
    jw_init(&v->canon);
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
    json_decref(v->record);
    json_decref(v->envelope);
    free(v->stripped);
    jw_fini(&v->canon);
    free(v);
}

static void remember(ofc_verifier *v, const char *id, int64_t ts_us, int64_t now_us)
{
    /* Ids of commands older than the window can never pass the time check again. Forgetting
     * them raises the floor only to where the window already is. */
    int64_t keep_after = now_us - v->opts.window_us;
    while (v->fifo_len && v->fifo[v->fifo_head]->ts_us < keep_after)
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

/* Field of a JSON object by name ignoring ASCII case; *dup set if two keys match. */
static json_t *get_ci(json_t *obj, const char *name, bool *dup)
{
    const char *k;
    json_t *val, *found = NULL;
    json_object_foreach(obj, k, val)
    {
        if (strcasecmp(k, name) == 0) {
            if (found)
                *dup = true;
            found = val;
        }
    }
    return found;
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

static bool is_string_or_absent(json_t *j)
{
    return !j || json_is_string(j);
}

ofc_verdict ofc_verifier_check(ofc_verifier *v, const void *key, size_t key_len,
                               const void *payload, size_t payload_len, const char *uns_id,
                               int64_t now_us, ofc_command_info *info)
{
    ofc_command_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    json_decref(v->record);
    json_decref(v->envelope);
    v->record = v->envelope = NULL;

    if (payload_len > v->opts.max_record_bytes || key_len > 1024)
        return OFC_VERDICT_OVERSIZED;
    if (!key || !key_len || !payload || memchr(key, '\0', key_len))
        return OFC_VERDICT_BAD_RECORD;

    json_error_t jerr;
    v->record = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v->record))
        return OFC_VERDICT_BAD_RECORD;
    bool dup = false;
    json_t *jid = get_ci(v->record, "ID", &dup);
    json_t *jval = get_ci(v->record, "VALUE", &dup);
    json_t *jtag = get_ci(v->record, "TAG", &dup);
    json_t *jtype = get_ci(v->record, "TYPE", &dup);
    json_t *jattrs = get_ci(v->record, "attributes", &dup);
    if (dup || !json_is_string(jid) || !json_is_string(jtag) || !json_is_string(jtype) ||
        (jattrs && !json_is_object(jattrs)))
        return OFC_VERDICT_BAD_RECORD;
    const char *id = json_string_value(jid);
    size_t id_len = strlen(id);
    if (id_len <= 4 || strcmp(id + id_len - 4, "_CMD") != 0)
        return OFC_VERDICT_NOT_COMMAND;
    if (strcmp(json_string_value(jtype), "OpenFactory") != 0 ||
        strcmp(json_string_value(jtag), "Method.Command") != 0)
        return OFC_VERDICT_BAD_RECORD;
    json_t *jreason = jattrs ? json_object_get(jattrs, OFC_REASON_ATTR) : NULL;
    if (!is_string_or_absent(jreason))
        return OFC_VERDICT_BAD_RECORD;
    if (!json_is_string(jval))
        return OFC_VERDICT_BAD_ENVELOPE;

    v->envelope = json_loads(json_string_value(jval), JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v->envelope))
        return OFC_VERDICT_BAD_ENVELOPE;
    json_t *header = json_object_get(v->envelope, "header");
    json_t *args = json_object_get(v->envelope, "arguments");
    size_t expected = 1 + (args != NULL);
    if (json_object_size(v->envelope) != expected)
        return header ? OFC_VERDICT_EXTRA_FIELD : OFC_VERDICT_MISSING_FIELD;
    if (!json_is_object(header) || (args && !json_is_object(args)))
        return OFC_VERDICT_BAD_ENVELOPE;
    json_t *jcid = json_object_get(header, "correlation_id");
    json_t *jsender = json_object_get(header, "sender_uuid");
    json_t *jts = json_object_get(header, "timestamp");
    json_t *jsig = json_object_get(header, "signature");
    size_t known = (jcid != NULL) + (jsender != NULL) + (jts != NULL) + (jsig != NULL);
    if (json_object_size(header) != known)
        return OFC_VERDICT_EXTRA_FIELD;
    if (!jcid || !jsender || !jts)
        return OFC_VERDICT_MISSING_FIELD;
    if (!json_is_string(jcid) || !json_is_string(jsender) || !json_is_string(jts))
        return OFC_VERDICT_BAD_ENVELOPE;
    if (json_object_size(args) > OFC_CMD_MAX_ARGS)
        return OFC_VERDICT_OVERSIZED;

    /* Fill info with stripped copies, as the receiver sees them. */
    size_t used = 0, off[8 + 2 * OFC_CMD_MAX_ARGS], k = 0;
    char method[256];
    snprintf(method, sizeof method, "%.*s", (int)(id_len - 4 < 255 ? id_len - 4 : 255), id);
    char *target = xstrndup(key, key_len);
    off[k++] = keep_stripped(v, &used, target);
    off[k++] = keep_stripped(v, &used, method);
    off[k++] = keep_stripped(v, &used, json_string_value(jcid));
    off[k++] = keep_stripped(v, &used, json_string_value(jsender));
    off[k++] = keep_stripped(v, &used, json_string_value(jts));
    off[k++] = keep_stripped(v, &used, jreason ? json_string_value(jreason) : "");
    free(target);
    const char *an;
    json_t *av;
    bool non_string = false;
    json_object_foreach(args, an, av)
    {
        if (!json_is_string(av)) {
            non_string = true;
            break;
        }
        off[k++] = keep_stripped(v, &used, an);
        off[k++] = keep_stripped(v, &used, json_string_value(av));
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
    if (!ofc_time_parse(info->timestamp, strlen(info->timestamp), &info->timestamp_us))
        return OFC_VERDICT_BAD_TIMESTAMP;

    if (!jsig || json_is_null(jsig))
        return OFC_VERDICT_UNSIGNED;
    const char *sig = json_is_string(jsig) ? json_string_value(jsig) : NULL;
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
    if (crypto_sign_verify_detached(raw, (const unsigned char *)v->canon.buf, v->canon.len,
                                    ofc_trust_entry_public(entry)) != 0)
        return OFC_VERDICT_BAD_SIGNATURE;

    if (info->timestamp_us < now_us - v->opts.window_us ||
        (v->floor_us && info->timestamp_us <= v->floor_us))
        return OFC_VERDICT_EXPIRED;
    if (info->timestamp_us > now_us + v->opts.future_us)
        return OFC_VERDICT_FUTURE;
    if (strmap_get(&v->seen, info->correlation_id, strlen(info->correlation_id)))
        return OFC_VERDICT_REPLAYED;
    /* Remembered once genuine, before policy: a denied command must not be retried either. */
    remember(v, info->correlation_id, info->timestamp_us, now_us);
    info->policy = ofc_trust_entry_allows(entry, info->method, info->target, uns_id);
    if (info->policy != OFC_POLICY_ALLOW)
        return OFC_VERDICT_POLICY_DENIED;
    return OFC_VERDICT_VALID;
}
