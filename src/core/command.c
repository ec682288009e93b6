/* command: canonical bytes and record building. The record is written with json_writer so the
 * envelope's key order and escaping are ours, predictable, and what we signed. */
#include "command.h"

#include "json_scan.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 code point at s (valid UTF-8 assumed; invalid bytes count as one). */
static uint32_t utf8_at(const unsigned char *s, size_t len, size_t *adv)
{
    if (s[0] < 0x80 || len < 2) {
        *adv = 1;
        return s[0];
    }
    if ((s[0] & 0xe0) == 0xc0) {
        *adv = 2;
        return ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
    }
    if ((s[0] & 0xf0) == 0xe0 && len >= 3) {
        *adv = 3;
        return ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    }
    if ((s[0] & 0xf8) == 0xf0 && len >= 4) {
        *adv = 4;
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
               ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
    }
    *adv = 1;
    return s[0];
}

/* Python's str.isspace(): Unicode White_Space plus the ASCII separators \x1c-\x1f. */
static bool py_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

ofc_str ofc_strip_py(ofc_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t start = 0, end = s.len, adv;
    while (start < end && py_space(utf8_at(p + start, end - start, &adv)))
        start += adv;
    /* Backwards: step to the start of the last code point, test it, repeat. */
    while (end > start) {
        size_t k = end - 1;
        while (k > start && (p[k] & 0xc0) == 0x80)
            k--;
        if (!py_space(utf8_at(p + k, end - k, &adv)) || k + adv != end)
            break;
        end = k;
    }
    return (ofc_str){s.ptr + start, end - start};
}

/* Decimal digits of n into buf (no NUL); returns the count. snprintf was a visible share of
 * verification time. */
static size_t put_decimal(char *buf, size_t n)
{
    char tmp[24];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t i = 0; i < k; i++)
        buf[i] = tmp[k - 1 - i];
    return k;
}

static void put_len(json_writer *out, const char *before, size_t n, const char *after)
{
    char buf[24];
    jw_append(out, before, strlen(before));
    jw_append(out, buf, put_decimal(buf, n));
    jw_append(out, after, strlen(after));
}

static void put_field(json_writer *out, const char *label, ofc_str v)
{
    jw_append(out, label, strlen(label));
    put_len(out, ":", v.len, ":");
    jw_append(out, v.ptr, v.len);
    jw_append(out, "\n", 1);
}

static int str_cmp(ofc_str a, ofc_str b)
{
    int c = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

ofc_err ofc_command_canonical(const ofc_command_content *c, json_writer *out)
{
    size_t order[OFC_CMD_MAX_ARGS];
    ofc_str names[OFC_CMD_MAX_ARGS];
    if (c->arg_count > OFC_CMD_MAX_ARGS)
        return OFC_ERR_LIMIT;
    for (size_t i = 0; i < c->arg_count; i++) {
        names[i] = ofc_strip_py(c->arg_names[i]);
        order[i] = i;
    }
    /* Insertion sort by stripped name bytes: at most 64 arguments. */
    for (size_t i = 1; i < c->arg_count; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && str_cmp(names[order[j - 1]], names[k]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    for (size_t i = 1; i < c->arg_count; i++)
        if (str_cmp(names[order[i - 1]], names[order[i]]) == 0)
            return OFC_ERR_INVALID_ARG;

    jw_append(out, OFC_CMD_DOMAIN "\n", sizeof OFC_CMD_DOMAIN);
    put_field(out, "target", ofc_strip_py(c->target));
    put_field(out, "method", ofc_strip_py(c->method));
    put_field(out, "correlation_id", ofc_strip_py(c->correlation_id));
    put_field(out, "sender", ofc_strip_py(c->sender));
    put_field(out, "timestamp", ofc_strip_py(c->timestamp));
    put_field(out, "reason", ofc_strip_py(c->reason));
    put_len(out, "arguments:", c->arg_count, "\n");
    for (size_t i = 0; i < c->arg_count; i++) {
        ofc_str v = ofc_strip_py(c->arg_values[order[i]]);
        put_len(out, "arg:", names[order[i]].len, ":");
        jw_append(out, names[order[i]].ptr, names[order[i]].len);
        put_len(out, "=", v.len, ":");
        jw_append(out, v.ptr, v.len);
        jw_append(out, "\n", 1);
    }
    return OFC_OK;
}

void ofc_uuid4(char *out)
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

bool ofc_uuid_valid(const char *s, size_t len)
{
    if (len != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static ofc_str S(const char *s)
{
    return (ofc_str){s, strlen(s)};
}

static bool text_ok(const char *s, bool allow_empty)
{
    size_t n = strlen(s);
    return (allow_empty || n > 0) && n <= OFC_CMD_MAX_TEXT && json_scan_utf8_valid(s, n);
}

static bool method_ok(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = m[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static bool target_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 1024 || !json_scan_utf8_valid(t, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
            return false;
    /* OpenFactory asset uuids never hold these (wire §4): '|' is ksqlDB's composite-key
     * separator, and '.', '*', '>' are NATS subject tokens upstream. */
    return strpbrk(t, ".*>|") == NULL;
}

void ofc_signed_command_fini(ofc_signed_command *cmd)
{
    free(cmd->target);
    free(cmd->record);
    memset(cmd, 0, sizeof *cmd);
}

ofc_err ofc_command_sign(const ofc_op_key *key, const char *target, const char *method,
                         size_t arg_count, const char *const arg_names[],
                         const char *const arg_values[], const char *reason, int64_t now_us,
                         ofc_signed_command *out, char *errstr, size_t errstr_size)
{
    ofc_command_content c;
    json_writer canon, env, rec;
    unsigned char sig[OFC_SIGNATURE_LEN];
    char sig64[128], signature[160], ts_ms[40];

    memset(out, 0, sizeof *out);
    if (!target_ok(target) || !method_ok(method)) {
        snprintf(errstr, errstr_size,
                 "bad target asset or method name (an asset uuid is never empty and holds no "
                 "'.', '*', '>', '|' or control character)");
        return OFC_ERR_INVALID_ARG;
    }
    if (arg_count > OFC_CMD_MAX_ARGS || !text_ok(reason ? reason : "", true)) {
        snprintf(errstr, errstr_size, "too many arguments or a bad reason");
        return OFC_ERR_INVALID_ARG;
    }
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < arg_count; i++) {
        if (!text_ok(arg_names[i], false) || !text_ok(arg_values[i], true) ||
            ofc_strip_py(S(arg_names[i])).len == 0) {
            snprintf(errstr, errstr_size, "argument %zu: bad name or value", i + 1);
            return OFC_ERR_INVALID_ARG;
        }
        c.arg_names[i] = ofc_strip_py(S(arg_names[i]));
        c.arg_values[i] = ofc_strip_py(S(arg_values[i]));
    }
    ofc_uuid4(out->correlation_id);
    ofc_time_format_iso(now_us, 6, out->timestamp, sizeof out->timestamp);
    ofc_time_format_iso(now_us, 3, ts_ms, sizeof ts_ms);
    c.target = S(target);
    c.method = S(method);
    c.correlation_id = S(out->correlation_id);
    c.sender = S(ofc_op_key_operator(key));
    c.timestamp = S(out->timestamp);
    c.reason = ofc_strip_py(S(reason ? reason : ""));
    c.arg_count = arg_count;

    jw_init(&canon);
    if (ofc_command_canonical(&c, &canon) != OFC_OK) {
        snprintf(errstr, errstr_size, "two arguments have the same name");
        jw_fini(&canon);
        return OFC_ERR_INVALID_ARG;
    }
    ofc_op_key_sign(key, canon.buf, canon.len, sig);
    jw_fini(&canon);
    sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    snprintf(signature, sizeof signature, OFC_SIGNATURE_ALG ":%s:%s", ofc_op_key_id(key), sig64);

    /* The envelope, in the field order pydantic emits. */
    jw_init(&env);
    jw_object_begin(&env);
    jw_key(&env, "header");
    jw_object_begin(&env);
    jw_key(&env, "correlation_id");
    jw_string(&env, out->correlation_id);
    jw_key(&env, "sender_uuid");
    jw_string(&env, ofc_op_key_operator(key));
    jw_key(&env, "timestamp");
    jw_string(&env, out->timestamp);
    jw_key(&env, "signature");
    jw_string(&env, signature);
    jw_object_end(&env);
    jw_key(&env, "arguments");
    jw_object_begin(&env);
    for (size_t i = 0; i < arg_count; i++) {
        jw_key_n(&env, c.arg_names[i].ptr, c.arg_names[i].len);
        jw_string_n(&env, c.arg_values[i].ptr, c.arg_values[i].len);
    }
    jw_object_end(&env);
    jw_object_end(&env);

    char id[256];
    snprintf(id, sizeof id, "%s_CMD", method);
    jw_init(&rec);
    jw_object_begin(&rec);
    jw_key(&rec, "ID");
    jw_string(&rec, id);
    jw_key(&rec, "VALUE");
    jw_string_n(&rec, env.buf, env.len);
    jw_key(&rec, "TAG");
    jw_string(&rec, "Method.Command");
    jw_key(&rec, "TYPE");
    jw_string(&rec, "OpenFactory");
    jw_key(&rec, "attributes");
    jw_object_begin(&rec);
    jw_key(&rec, "timestamp");
    jw_string(&rec, ts_ms);
    jw_key(&rec, OFC_REASON_ATTR);
    jw_string_n(&rec, c.reason.ptr, c.reason.len);
    jw_object_end(&rec);
    jw_object_end(&rec);
    jw_fini(&env);

    out->target = xstrdup(target);
    out->record = jw_take(&rec, &out->record_len);
    jw_fini(&rec);
    return OFC_OK;
}
