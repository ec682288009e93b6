/* plant_input: what the virtual plant does with records others write to `ofa_assets`.
 *
 * Commands are `<method>_CMD` records whose VALUE is a CommandEnvelope serialised to a JSON
 * string (wire §6.2). The envelope is checked as strictly as OpenFactory's pydantic model does
 * (extra="forbid", correlation_id a UUID, string arguments only, whitespace stripped); anything
 * else is logged and dropped, as upstream executors do. Writes of a writable variable (setpoint,
 * simulation_mode) set it and the plant republishes it. Every record for one of our assets is
 * also mirrored into the ASSETS table, as ksqlDB would.
 *
 * Record fields are matched ignoring case (SDK upper case, mtc2kafka lower case, wire §3.1).
 */
#include "plant_internal.h"

#include "command.h"
#include "log.h"
#include "timeutil.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIM_CMD_SUFFIX  "_CMD"
#define SIM_MAX_ARG_LEN 256

static plant_input reject(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static plant_input reject(char *why, size_t why_size, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ofc_log_warn("sim: %s", buf);
    if (why && why_size)
        snprintf(why, why_size, "%s", buf);
    return PLANT_INPUT_REJECTED;
}

/* 8-4-4-4-12 hex digits, or the 32 digits alone (both accepted by Python's UUID()). */
static bool is_uuid(const char *s)
{
    size_t n = strlen(s), digits = 0;
    if (n == 32) {
        for (size_t i = 0; i < n; i++)
            if (!isxdigit((unsigned char)s[i]))
                return false;
        return true;
    }
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (isxdigit((unsigned char)s[i])) {
            digits++;
        } else {
            return false;
        }
    }
    return digits == 32;
}

/* A field of a record, matched ignoring case; *dup is set when the name appears twice. */
static json_t *field(json_t *obj, const char *name, bool *dup)
{
    json_t *found = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcasecmp(k, name) == 0) {
            if (found)
                *dup = true;
            found = v;
        }
    }
    return found;
}

static void args_free(sim_args *args)
{
    for (size_t i = 0; i < args->n; i++) {
        free(args->name[i]);
        free(args->value[i]);
    }
    args->n = 0;
}

static char *strip_copy(const char *s, size_t len)
{
    ofc_str t = ofc_strip_py((ofc_str){s, len});
    char *copy = malloc(t.len + 1);
    if (copy) {
        memcpy(copy, t.ptr, t.len);
        copy[t.len] = '\0';
    }
    return copy;
}

static bool args_add(sim_args *args, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
    if (args->n == SIM_MAX_ARGS || value_len > SIM_MAX_ARG_LEN)
        return false;
    char *n = strip_copy(name, name_len), *v = strip_copy(value, value_len);
    if (!n || !v) {
        free(n);
        free(v);
        return false;
    }
    args->name[args->n] = n;
    args->value[args->n++] = v;
    return true;
}

/* Validate a CommandEnvelope (wire §6.2). On success args holds the arguments, names and values
 * stripped as pydantic's str_strip_whitespace (Python's str.strip()) strips them, the same rule
 * the verifier applies. Returns NULL or the reason it is invalid. */
static const char *envelope_parse(json_t *root, sim_args *args, const char **correlation_id,
                                  const char **sender, char *reason, size_t reason_size)
{
    const char *k;
    json_t *v, *header = NULL, *arguments = NULL;
    if (!json_is_object(root))
        return "envelope is not a JSON object";
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "header") == 0)
            header = v;
        else if (strcmp(k, "arguments") == 0)
            arguments = v;
        else {
            snprintf(reason, reason_size, "envelope has an extra field \"%.40s\"", k);
            return reason;
        }
    }
    if (!json_is_object(header))
        return "envelope has no header object";
    json_t *cid = NULL, *snd = NULL;
    json_object_foreach(header, k, v)
    {
        if (strcmp(k, "correlation_id") == 0)
            cid = v;
        else if (strcmp(k, "sender_uuid") == 0)
            snd = v;
        else if (strcmp(k, "timestamp") == 0) {
            int64_t us;
            if (!json_is_string(v) ||
                !ofc_time_parse(json_string_value(v), json_string_length(v), &us))
                return "header.timestamp is not an ISO-8601 time";
        } else if (strcmp(k, "signature") == 0) {
            if (!json_is_string(v) && !json_is_null(v))
                return "header.signature is neither a string nor null";
        } else {
            snprintf(reason, reason_size, "header has an extra field \"%.40s\"", k);
            return reason;
        }
    }
    if (!json_is_string(cid) || !is_uuid(json_string_value(cid)))
        return "header.correlation_id is not a UUID";
    if (!json_is_string(snd))
        return "header.sender_uuid is missing or not a string";
    *correlation_id = json_string_value(cid);
    *sender = json_string_value(snd);
    if (arguments && !json_is_object(arguments))
        return "arguments is not an object";
    args->n = 0;
    json_object_foreach(arguments, k, v)
    {
        if (!json_is_string(v)) {
            snprintf(reason, reason_size, "argument \"%.40s\" is not a string", k);
            args_free(args);
            return reason;
        }
        if (!args_add(args, k, strlen(k), json_string_value(v), json_string_length(v))) {
            args_free(args);
            return "too many or too long arguments";
        }
    }
    return NULL;
}

/* The correlation id and sender of a command record too broken for the checks above, read
 * leniently, so that its rejection still reaches the sender (who waits on that id) instead of
 * leaving it to time out. Empty when the envelope does not even hold a UUID. */
static void peek_command(json_t *value, char cid[37], char *sender, size_t sender_size)
{
    cid[0] = '\0';
    sender[0] = '\0';
    if (!json_is_string(value))
        return;
    json_t *env = json_loadb(json_string_value(value), json_string_length(value), 0, NULL);
    json_t *header = json_object_get(env, "header");
    const char *c = json_string_value(json_object_get(header, "correlation_id"));
    const char *s = json_string_value(json_object_get(header, "sender_uuid"));
    if (c && is_uuid(c))
        snprintf(cid, 37, "%s", c);
    if (s && cid[0]) {
        ofc_str t = ofc_strip_py((ofc_str){s, strlen(s)});
        snprintf(sender, sender_size, "%.*s", (int)t.len, t.ptr);
    }
    json_decref(env);
}

/* The last resort for a record too broken for JSON (bytes that are not UTF-8, junk after the
 * envelope, nesting past the parser's depth): a "correlation_id" in its text followed by a UUID,
 * inside the escaped VALUE or not. Only for text that names a _CMD at all. */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static void peek_command_text(const char *text, size_t len, char cid[37])
{
    static const char needle[] = "correlation_id";
    cid[0] = '\0';
    if (!find_bytes(text, len, SIM_CMD_SUFFIX, strlen(SIM_CMD_SUFFIX)))
        return;
    const char *at = text, *end = text + len;
    while ((at = find_bytes(at, (size_t)(end - at), needle, sizeof needle - 1))) {
        const char *c = at + sizeof needle - 1;
        for (int skipped = 0; c < end && skipped < 8 && strchr("\\\": \t", *c) && *c; skipped++)
            c++;
        if (end - c >= 36) {
            char candidate[37];
            memcpy(candidate, c, 36);
            candidate[36] = '\0';
            if (is_uuid(candidate)) {
                memcpy(cid, candidate, 37);
                return;
            }
        }
        at += sizeof needle - 1;
    }
}

/* Report a command's outcome as the ofc_command_outcome attribute of the asset (commander.h). */
static void emit_outcome(plant *p, sim_asset *a, const char *cid, const char *method, bool executed,
                         const char *reason, const char *operator_id)
{
    if (!cid || !*cid)
        return; /* nobody could match it to a command */
    for (size_t i = 0; i < a->n_items; i++) {
        sim_item *it = &a->items[i];
        if (it->desc->beh != SIM_BEH_OUTCOME)
            continue;
        json_writer *jw = &p->jw2;
        jw_reset(jw);
        jw_object_begin(jw);
        jw_key(jw, "correlation_id");
        jw_string(jw, cid);
        jw_key(jw, "method");
        jw_string(jw, method);
        jw_key(jw, "outcome");
        jw_string(jw, executed ? "executed" : "rejected");
        jw_key(jw, "reason");
        jw_string(jw, reason ? reason : "");
        jw_key(jw, "operator");
        jw_string(jw, operator_id ? operator_id : "");
        jw_object_end(jw);
        plant__text_set(&it->cur, SIM_V_STRING, jw->buf, (uint32_t)jw->len);
        plant__emit_item(p, a, i);
        return;
    }
}

/* Run a command the checks passed: method, arguments (stripped), correlation id and sender. */
static plant_input execute_command(plant *p, sim_asset *a, const char *method, sim_args *args,
                                   const char *cid, const char *sender, char *why, size_t why_size)
{
    const sim_item_desc *m = NULL;
    for (size_t i = 0; a->role == SIM_ROLE_DEVICE && i < a->n_items; i++)
        if (a->items[i].desc->beh == SIM_BEH_METHOD && strcmp(a->items[i].desc->id, method) == 0)
            m = a->items[i].desc;
    if (!m || !a->kind->exec) {
        /* Refused with a reason the sender hears, not left to time out. */
        emit_outcome(p, a, cid, method, false, "no such method on this asset", sender);
        return reject(why, why_size, "%s: ignoring %s_CMD: no such method", a->uuid, method);
    }
    for (size_t i = 0; i < args->n; i++) {
        bool known = false;
        for (size_t j = 0; j < m->n_args; j++)
            known |= strcmp(args->name[i], m->args[j].name) == 0;
        if (!known)
            ofc_log_warn("sim: %s: %s: ignoring unknown argument \"%s\"", a->uuid, method,
                         args->name[i]);
    }
    char reason[200] = "";
    plant__kind_advance(p, a);
    if (a->kind->exec(p, a, m, args, reason, sizeof reason)) {
        ofc_log_info("sim: %s: executed %s (correlation_id %s, from %s)", a->uuid, method, cid,
                     sender);
        emit_outcome(p, a, cid, method, true,
                     p->verifier ? "verified" : "executed without verification (no trust store)",
                     sender);
        return PLANT_INPUT_EXECUTED;
    }
    emit_outcome(p, a, cid, method, false, *reason ? reason : "invalid arguments", sender);
    return reject(why, why_size, "%s: %s not executed: %s", a->uuid, method,
                  *reason ? reason : "invalid arguments");
}

/* Without a trust store: the envelope checked as upstream's pydantic model checks it. */
static plant_input run_unverified(plant *p, sim_asset *a, const char *method, json_t *value,
                                  char *why, size_t why_size)
{
    if (!json_is_string(value))
        return reject(why, why_size, "%s: ignoring %s_CMD: VALUE is not a JSON string", a->uuid,
                      method);
    if (json_string_length(value) == 0)
        return reject(why, why_size, "%s: ignoring %s_CMD: empty command", a->uuid, method);
    json_error_t jerr;
    json_t *env = json_loadb(json_string_value(value), json_string_length(value),
                             JSON_REJECT_DUPLICATES, &jerr);
    if (!env)
        return reject(why, why_size, "%s: ignoring %s_CMD: envelope is not JSON: %s", a->uuid,
                      method, jerr.text);
    sim_args args = {0};
    const char *cid = NULL, *sender = NULL;
    char reason[200] = "";
    const char *bad = envelope_parse(env, &args, &cid, &sender, reason, sizeof reason);
    plant_input r;
    if (bad) {
        char peek_cid[37], peek_sender[OFC_OPERATOR_MAX + 1];
        peek_command(value, peek_cid, peek_sender, sizeof peek_sender);
        emit_outcome(p, a, peek_cid, method, false, bad, peek_sender);
        r = reject(why, why_size, "%s: ignoring %s_CMD: %s", a->uuid, method, bad);
    } else {
        ofc_str s = ofc_strip_py((ofc_str){sender, strlen(sender)});
        char stripped_sender[OFC_OPERATOR_MAX * 4 + 1];
        snprintf(stripped_sender, sizeof stripped_sender, "%.*s", (int)s.len, s.ptr);
        r = execute_command(p, a, method, &args, cid, stripped_sender, why, why_size);
    }
    args_free(&args);
    json_decref(env);
    return r;
}

/* With a trust store: nothing runs unless the verifier says valid, and what runs is what it
 * verified (its stripped arguments, correlation id and sender). */
static plant_input run_verified(plant *p, sim_asset *a, const char *method, const void *key,
                                size_t key_len, const void *payload, size_t payload_len,
                                json_t *value, char *why, size_t why_size)
{
    ofc_command_info info;
    ofc_verdict vd = ofc_verifier_check(p->verifier, key, key_len, payload, payload_len, a->uns_id,
                                        p->now_us, &info);
    if (vd != OFC_VERDICT_VALID) {
        char detail[200], cid[37], sender[OFC_OPERATOR_MAX + 1];
        snprintf(detail, sizeof detail, "%s: %s", ofc_verdict_name(vd),
                 vd == OFC_VERDICT_POLICY_DENIED ? ofc_policy_str(info.policy)
                                                 : ofc_verdict_str(vd));
        if (info.correlation_id) {
            snprintf(cid, sizeof cid, "%s", info.correlation_id);
            snprintf(sender, sizeof sender, "%s", info.sender ? info.sender : "");
        } else {
            peek_command(value, cid, sender, sizeof sender);
            if (!cid[0])
                peek_command_text((const char *)payload, payload_len, cid);
        }
        emit_outcome(p, a, cid, method, false, detail, sender);
        return reject(why, why_size, "%s: refusing %s_CMD: %s", a->uuid, method, detail);
    }
    sim_args args = {0};
    for (size_t i = 0; i < info.arg_count; i++)
        if (!args_add(&args, info.arg_names[i], strlen(info.arg_names[i]), info.arg_values[i],
                      strlen(info.arg_values[i]))) {
            args_free(&args);
            emit_outcome(p, a, info.correlation_id, method, false, "too many or too long arguments",
                         info.sender);
            return reject(why, why_size, "%s: ignoring %s_CMD: too many or too long arguments",
                          a->uuid, method);
        }
    plant_input r =
        execute_command(p, a, method, &args, info.correlation_id, info.sender, why, why_size);
    args_free(&args);
    return r;
}

/* A write of a writable variable: the same JSON type the device publishes (wire §12), with a
 * numeric string tolerated for numbers. */
static plant_input run_write(plant *p, sim_asset *a, size_t idx, json_t *value, char *why,
                             size_t why_size)
{
    sim_item *it = &a->items[idx];
    const sim_item_desc *d = it->desc;
    plant__kind_advance(p, a);
    if (d->vkind == SIM_V_NUMBER) {
        double v;
        char *end = NULL;
        if (json_is_number(value))
            v = json_number_value(value);
        else if (json_is_string(value) && json_string_length(value) > 0)
            v = strtod(json_string_value(value), &end);
        else
            return reject(why, why_size, "%s: ignoring write of %s: not a number", a->uuid, d->id);
        if ((end && *end) || !isfinite(v) || v < d->lo || v > d->hi)
            return reject(why, why_size, "%s: ignoring write of %s: must be a number from %g to %g",
                          a->uuid, d->id, d->lo, d->hi);
        plant__set_number(it, v);
    } else {
        const char *s = json_is_string(value) ? json_string_value(value) : NULL;
        const char *match = NULL;
        for (size_t i = 0; s && i < d->n_choices; i++)
            if (strcasecmp(s, d->choices[i]) == 0)
                match = d->choices[i];
        if (!match)
            return reject(why, why_size, "%s: ignoring write of %s: not one of the allowed values",
                          a->uuid, d->id);
        plant__text_set(&it->cur, SIM_V_STRING, match, strlen(match));
    }
    ofc_log_info("sim: %s: %s set to %s", a->uuid, d->id, it->cur.s);
    plant__queue(p, a, idx, false);
    return PLANT_INPUT_WRITTEN;
}

static void mirror(plant *p, const sim_asset *a, const char *id, json_t *value, json_t *type,
                   json_t *tag, json_t *attrs)
{
    char num[64];
    sim_vkind kind = SIM_V_STRING;
    const char *text = "";
    if (!value || json_is_null(value)) {
        kind = SIM_V_NULL;
    } else if (json_is_string(value)) {
        text = json_string_value(value);
    } else if (json_is_boolean(value)) {
        text = json_is_true(value) ? "true" : "false";
    } else if (json_is_integer(value)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        text = num;
    } else if (json_is_real(value)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(value));
        text = num;
    } else {
        return; /* objects and arrays are not OpenFactory values */
    }
    /* ksqlDB reads attributes['timestamp'], a case-sensitive map key (wire §3.1). */
    json_t *ts = json_is_object(attrs) ? json_object_get(attrs, "timestamp") : NULL;
    plant__emit_table_row(p, a, id, kind, text,
                          json_is_string(type) ? json_string_value(type) : NULL,
                          json_is_string(tag) ? json_string_value(tag) : NULL,
                          json_is_string(ts) ? json_string_value(ts) : NULL);
}

/* A command record too broken to read still gets its refusal, if it names a correlation id. */
static void answer_broken(plant *p, sim_asset *a, const char *payload, size_t len)
{
    char cid[37];
    peek_command_text(payload, len, cid);
    emit_outcome(p, a, cid, "", false, "bad_record: not a readable OpenFactory command record", "");
}

plant_input plant_handle_record(plant *p, const void *key, size_t key_len, const void *payload,
                                size_t payload_len, int64_t now_us, plant_emit_fn emit,
                                void *opaque, char *why, size_t why_size)
{
    if (why && why_size)
        why[0] = '\0';
    sim_asset *a = plant__find(p, key, key_len);
    if (!a || !payload || p->deregistered)
        return PLANT_INPUT_IGNORED;
    p->now_us = now_us;
    p->emit = emit;
    p->opaque = opaque;

    json_error_t jerr;
    json_t *root = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        answer_broken(p, a, (const char *)payload, payload_len);
        return reject(why, why_size, "%s: ignoring a record that is not a JSON object", a->uuid);
    }
    bool dup = false;
    json_t *jid = field(root, "id", &dup), *value = field(root, "value", &dup);
    json_t *type = field(root, "type", &dup), *tag = field(root, "tag", &dup);
    json_t *attrs = field(root, "attributes", &dup);
    plant_input r = PLANT_INPUT_IGNORED;
    if (dup || !json_is_string(jid) || json_string_length(jid) == 0) {
        answer_broken(p, a, (const char *)payload, payload_len);
        r = reject(why, why_size, "%s: ignoring a record %s", a->uuid,
                   dup ? "that gives a field twice" : "without a string ID");
        goto out;
    }
    const char *id = json_string_value(jid);
    size_t id_len = json_string_length(jid);
    if (strlen(id) != id_len) {
        r = reject(why, why_size, "%s: ignoring a record whose ID holds a NUL", a->uuid);
        goto out;
    }
    mirror(p, a, id, value, type, tag, attrs);

    size_t sl = strlen(SIM_CMD_SUFFIX);
    if (id_len > sl && strcmp(id + id_len - sl, SIM_CMD_SUFFIX) == 0) {
        char method[128];
        if (id_len - sl >= sizeof method) {
            r = reject(why, why_size, "%s: ignoring %s: no such method", a->uuid, id);
            goto out;
        }
        snprintf(method, sizeof method, "%.*s", (int)(id_len - sl), id);
        if (json_is_string(value) && json_string_length(value) == 0)
            r = reject(why, why_size, "%s: ignoring %s: empty command", a->uuid, id);
        else if (p->verifier)
            r = run_verified(p, a, method, key, key_len, payload, payload_len, value, why,
                             why_size);
        else
            r = run_unverified(p, a, method, value, why, why_size);
        goto out;
    }
    if (a->role == SIM_ROLE_DEVICE) {
        for (size_t i = 0; i < a->n_items; i++) {
            if (a->items[i].desc->writable && strcmp(a->items[i].desc->id, id) == 0) {
                r = run_write(p, a, i, value, why, why_size);
                break;
            }
        }
    }
out:
    json_decref(root);
    return r;
}
