/* cmd_format: pure wording for commands and the audit view (see cmd_format.h). */
#include "cmd_format.h"

#include "config.h"
#include "timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- commands ---- */

cf_role cmdf_state_role(ofc_cmd_state state)
{
    switch (state) {
    case OFC_CMD_PENDING: return CF_ROLE_DIM;
    case OFC_CMD_FAILED:
    case OFC_CMD_REJECTED: return CF_ROLE_FAULT;
    case OFC_CMD_TIMEOUT: return CF_ROLE_WARNING;
    default: return CF_ROLE_NORMAL;
    }
}

void cmdf_state_detail(const ofc_cmd_status *st, char *out, size_t size)
{
    /* The executor's reason or the delivery error first: on a narrow row it is what matters. */
    size_t n = (size_t)snprintf(out, size, "%s", st->detail);
    if (st->partition >= 0 && st->state != OFC_CMD_FAILED && n < size)
        snprintf(out + n, size - n, "%spartition %d offset %lld", n ? "  " : "", (int)st->partition,
                 (long long)st->offset);
}

void cmdf_state_message(const ofc_cmd_status *st, char *out, size_t size)
{
    const char *state = ofc_cmd_state_name(st->state);
    switch (st->state) {
    case OFC_CMD_PENDING:
        snprintf(out, size, "%s on %s: PENDING (waiting for the broker's delivery report)",
                 st->method, st->target);
        break;
    case OFC_CMD_SENT:
        snprintf(out, size, "%s on %s: SENT partition %d offset %lld", st->method, st->target,
                 (int)st->partition, (long long)st->offset);
        break;
    case OFC_CMD_FAILED:
        snprintf(out, size, "%s on %s: FAILED, never sent (%s)", st->method, st->target,
                 st->detail[0] ? st->detail : "no delivery");
        break;
    default:
        snprintf(out, size, "%s on %s: %s%s%s%s", st->method, st->target, state,
                 st->detail[0] ? " (" : "", st->detail, st->detail[0] ? ")" : "");
        break;
    }
}

void cmdf_stripped(const char *text, char *out, size_t size)
{
    ofc_str st = ofc_strip_py((ofc_str){text, strlen(text)});
    snprintf(out, size, "%.*s", (int)st.len, st.ptr);
}

void cmdf_call_text(const char *method, size_t n, const char *const names[],
                    const char *const values[], char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "%s(", method);
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s=%s", i ? ", " : "", names[i],
                                values ? values[i] : "");
    if (len < size)
        snprintf(out + len, size - len, ")");
}

/* Lower case, without '_': "Simulation_Mode" -> "simulationmode". */
static void norm(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s && n + 1 < size; s++)
        if (*s != '_')
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = '\0';
}

/* The CamelCase word starting at s: up to the next upper-case letter after the first. */
static size_t camel_word(const char *s)
{
    size_t n = 1;
    while (s[0] && s[n] && !isupper((unsigned char)s[n]) && s[n] != '_')
        n++;
    return s[0] ? n : 0;
}

static bool matches_candidate(const char *attr_id, const char *cand)
{
    char a[256], c[256];
    norm(attr_id, a, sizeof a);
    norm(cand, c, sizeof c);
    if (strlen(c) < 2)
        return false;
    if (strcmp(a, c) == 0)
        return true;
    /* "last_code" for "Code": a word of its own at the end of the ID. */
    size_t an = strlen(attr_id), cn = strlen(c);
    if (an <= cn + 1 || attr_id[an - cn - 1] != '_')
        return false;
    char tail[256];
    norm(attr_id + an - cn, tail, sizeof tail);
    return strcmp(tail, c) == 0;
}

bool cmdf_affects(const char *method, size_t n, const char *const arg_names[], const char *attr_id)
{
    static const char *const prefixes[] = {"New", "Target", "Desired", "Set", "Requested"};
    if (!attr_id || !*attr_id)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *name = arg_names[i];
        if (matches_candidate(attr_id, name))
            return true;
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
            size_t pl = strlen(prefixes[k]);
            if (strncmp(name, prefixes[k], pl) == 0 && isupper((unsigned char)name[pl]) &&
                matches_candidate(attr_id, name + pl))
                return true;
        }
    }
    if (!method || !*method)
        return false;
    size_t first = camel_word(method);
    if (!method[first])
        return false; /* one word ("Calibrate"): nothing it names */
    if (matches_candidate(attr_id, method + first))
        return true;
    const char *last = method;
    for (const char *p = method; *p; p++)
        if (p > method && isupper((unsigned char)*p))
            last = p;
    return matches_candidate(attr_id, last);
}

/* ---- the audit view ---- */

bool cmdf_audit_filter_empty(const cmdf_audit_filter *f)
{
    return !f->operator_id[0] && !f->asset[0] && !f->since_us && !f->until_us;
}

static bool parse_when(const char *text, int64_t now_us, int64_t *out)
{
    ofc_start_kind kind;
    int64_t t;
    if (!ofc_start_parse(text, now_us, &kind, &t))
        return false;
    *out = kind == OFC_START_BEGINNING ? 0 : t;
    return true;
}

bool cmdf_audit_filter_parse(const char *text, int64_t now_us, cmdf_audit_filter *f, char *err,
                             size_t err_size)
{
    cmdf_audit_filter out;
    memset(&out, 0, sizeof out);
    const char *p = text ? text : "";
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        char word[512];
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        p += n;
        char *eq = strchr(word, '=');
        if (!eq || eq == word || !eq[1]) {
            snprintf(err, err_size,
                     "\"%s\": expected operator=ID, asset=UUID, since=WHEN, until=WHEN", word);
            return false;
        }
        *eq = '\0';
        const char *key = word, *value = eq + 1;
        if (strcmp(key, "operator") == 0 || strcmp(key, "op") == 0) {
            if (strlen(value) >= sizeof out.operator_id) {
                snprintf(err, err_size, "operator=: too long");
                return false;
            }
            snprintf(out.operator_id, sizeof out.operator_id, "%s", value);
        } else if (strcmp(key, "asset") == 0 || strcmp(key, "target") == 0) {
            if (strlen(value) >= sizeof out.asset) {
                snprintf(err, err_size, "asset=: too long");
                return false;
            }
            snprintf(out.asset, sizeof out.asset, "%s", value);
        } else if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
            int64_t *t = key[0] == 's' ? &out.since_us : &out.until_us;
            if (!parse_when(value, now_us, t)) {
                snprintf(err, err_size,
                         "%s=%.100s: expected a duration ago (2h, 15m) or an ISO-8601 time", key,
                         value);
                return false;
            }
        } else {
            snprintf(err, err_size, "unknown filter \"%.100s\" (operator, asset, since, until)",
                     key);
            return false;
        }
    }
    *f = out;
    return true;
}

void cmdf_audit_filter_describe(const cmdf_audit_filter *f, char *out, size_t size)
{
    size_t n = 0;
    char when[40];
    out[0] = '\0';
    if (f->operator_id[0] && n < size)
        n += (size_t)snprintf(out + n, size - n, "operator=%s", f->operator_id);
    if (f->asset[0] && n < size)
        n += (size_t)snprintf(out + n, size - n, "%sasset=%s", n ? " " : "", f->asset);
    if (f->since_us && n < size) {
        ofc_time_format_iso(f->since_us, 0, when, sizeof when);
        n += (size_t)snprintf(out + n, size - n, "%ssince=%s", n ? " " : "", when);
    }
    if (f->until_us && n < size) {
        ofc_time_format_iso(f->until_us, 0, when, sizeof when);
        snprintf(out + n, size - n, "%suntil=%s", n ? " " : "", when);
    }
}

bool cmdf_audit_entry_matches(const ofc_audit_entry *e, const cmdf_audit_filter *f,
                              const char *live)
{
    if (!ofc_audit_matches(e, f->operator_id, f->asset, f->since_us, f->until_us))
        return false;
    if (!live || !*live)
        return true;
    if (cf_match(e->sender, live) || cf_match(e->target, live) || cf_match(e->method, live) ||
        cf_match(e->reason, live) || cf_match(ofc_audit_status(e), live) ||
        cf_match(ofc_verdict_name(e->verdict), live))
        return true;
    for (size_t i = 0; i < e->arg_count; i++)
        if (cf_match(e->arg_names[i], live) || cf_match(e->arg_values[i], live))
            return true;
    return false;
}

cf_role cmdf_audit_status(const ofc_audit_entry *e, char *out, size_t size)
{
    switch (e->verdict) {
    case OFC_VERDICT_VALID: snprintf(out, size, "valid"); return CF_ROLE_NORMAL;
    case OFC_VERDICT_UNSIGNED: snprintf(out, size, "unsigned"); return CF_ROLE_WARNING;
    case OFC_VERDICT_UNKNOWN_KEY: snprintf(out, size, "unknown key"); return CF_ROLE_WARNING;
    case OFC_VERDICT_POLICY_DENIED: {
        static const char *const part[] = {"", "role", "method", "scope"};
        snprintf(out, size, "invalid: policy_denied (%s)",
                 (unsigned)e->policy < sizeof part / sizeof part[0] ? part[e->policy] : "?");
        return CF_ROLE_FAULT;
    }
    default: snprintf(out, size, "invalid: %s", ofc_verdict_name(e->verdict)); return CF_ROLE_FAULT;
    }
}

const char *cmdf_audit_why(const ofc_audit_entry *e)
{
    return e->verdict == OFC_VERDICT_POLICY_DENIED ? ofc_policy_str(e->policy)
                                                   : ofc_verdict_str(e->verdict);
}
