/* web_msg: strict parsing of client messages with the core's JSON scanner. */
#include "web_msg.h"

#include "json_scan.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct web_msg_parser {
    json_scan *js;
};

web_msg_parser *web_msg_parser_new(void)
{
    web_msg_parser *p = xcalloc(1, sizeof *p);
    p->js = json_scan_new(1); /* one flat object: nothing nested */
    return p;
}

void web_msg_parser_destroy(web_msg_parser *p)
{
    if (!p)
        return;
    json_scan_destroy(p->js);
    free(p);
}

/* Printable text: no C0 controls, no DEL (the scanner already checked UTF-8 and NUL). */
static bool printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            return false;
    return true;
}

bool web_msg_uns_valid(const char *s, size_t len)
{
    return len <= WEB_UNS_MAX && !memchr(s, '\0', len) && json_scan_utf8_valid(s, len) &&
           printable(s, len);
}

static bool key_is(const char *key, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(key, name, len) == 0;
}

/* An integer id in [-(2^53 - 1), 2^53 - 1]. */
static bool parse_id(const json_scan_val *v, int64_t *out)
{
    if (v->type != JSON_SCAN_NUMBER || !v->integer)
        return false;
    long long x = strtoll(v->ptr, NULL, 10);
    if (x > WEB_PING_ID_MAX || x < -WEB_PING_ID_MAX)
        return false;
    *out = x;
    return true;
}

enum {
    F_TYPE = 1,
    F_UNS = 2,
    F_ASSET = 4,
    F_ID = 8,
    F_TARGET = 16,
    F_RECORD = 32,
    F_KEY_ID = 64,
    F_METHOD = 128,
};

/* A key id: 16 lower-case hex digits (op_key.h). */
static bool key_id_ok(const char *s, size_t len)
{
    if (len != 16)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* A method name: what command.c accepts ([A-Za-z0-9_], 1..200). */
static bool method_ok(const char *s, size_t len)
{
    if (len == 0 || len > WEB_METHOD_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

bool web_msg_parse(web_msg_parser *p, const char *data, size_t len, web_msg *out, char *why,
                   size_t why_size)
{
    json_scan_val v;
    const char *key;
    size_t klen;
    unsigned seen = 0;
    char type[16] = "";

    memset(out, 0, sizeof *out);
    if (len > WEB_MSG_MAX) {
        snprintf(why, why_size, "message larger than %d bytes", WEB_MSG_MAX);
        return false;
    }
    json_scan_begin(p->js, data, len);
    if (!json_scan_value(p->js, &v))
        goto syntax;
    if (v.type != JSON_SCAN_OBJECT) {
        snprintf(why, why_size, "a message is a JSON object");
        return false;
    }
    for (;;) {
        int r = json_scan_member(p->js, &key, &klen, &v);
        if (r < 0)
            goto syntax;
        if (r == 0)
            break;
        unsigned f = key_is(key, klen, "type")     ? F_TYPE
                     : key_is(key, klen, "uns")    ? F_UNS
                     : key_is(key, klen, "asset")  ? F_ASSET
                     : key_is(key, klen, "id")     ? F_ID
                     : key_is(key, klen, "target") ? F_TARGET
                     : key_is(key, klen, "record") ? F_RECORD
                     : key_is(key, klen, "key_id") ? F_KEY_ID
                     : key_is(key, klen, "method") ? F_METHOD
                                                   : 0;
        if (!f || !printable(key, klen)) {
            snprintf(why, why_size, "unknown field \"%.32s\"", printable(key, klen) ? key : "?");
            return false;
        }
        if (seen & f) {
            snprintf(why, why_size, "field \"%s\" twice", key);
            return false;
        }
        seen |= f;
        if (f == F_ID) {
            if (!parse_id(&v, &out->id)) {
                snprintf(why, why_size, "\"id\" must be an integer within +-2^53");
                return false;
            }
            continue;
        }
        if (v.type != JSON_SCAN_STRING) {
            snprintf(why, why_size, "\"%s\" must be a string", key);
            return false;
        }
        if (!printable(v.ptr, v.len)) {
            snprintf(why, why_size, "control character in \"%s\"", key);
            return false;
        }
        if (f == F_TYPE) {
            if (v.len >= sizeof type) {
                snprintf(why, why_size, "unknown type");
                return false;
            }
            memcpy(type, v.ptr, v.len + 1);
        } else if (f == F_UNS) {
            if (v.len > WEB_UNS_MAX) {
                snprintf(why, why_size, "\"uns\" longer than %d bytes", WEB_UNS_MAX);
                return false;
            }
            size_t n = v.len;
            while (n && v.ptr[n - 1] == '/')
                n--;
            memcpy(out->uns, v.ptr, n);
            out->uns[n] = '\0';
        } else if (f == F_KEY_ID) {
            if (!key_id_ok(v.ptr, v.len)) {
                snprintf(why, why_size, "\"key_id\" must be 16 lower-case hex digits");
                return false;
            }
            memcpy(out->key_id, v.ptr, v.len + 1);
        } else if (f == F_METHOD) {
            if (!method_ok(v.ptr, v.len)) {
                snprintf(why, why_size, "\"method\" must be 1 to %d of A-Z a-z 0-9 _",
                         WEB_METHOD_MAX);
                return false;
            }
            memcpy(out->method, v.ptr, v.len + 1);
        } else if (f == F_RECORD) {
            /* a record is at least {} and fits the message it came in */
            if (v.len < 2 || v.len > WEB_MSG_MAX) {
                snprintf(why, why_size, "\"record\" must hold 2 to %d bytes", WEB_MSG_MAX);
                return false;
            }
            memcpy(out->record, v.ptr, v.len + 1);
            out->record_len = v.len;
        } else {
            if (v.len == 0 || v.len > WEB_ASSET_MAX) {
                snprintf(why, why_size, "\"%s\" must hold 1 to %d bytes", key, WEB_ASSET_MAX);
                return false;
            }
            memcpy(out->asset, v.ptr, v.len + 1);
        }
    }
    if (!json_scan_end(p->js))
        goto syntax;

    unsigned allowed, required;
    if (strcmp(type, "subscribe") == 0) {
        out->type = WEB_MSG_SUBSCRIBE;
        allowed = required = F_TYPE | F_UNS;
    } else if (strcmp(type, "resync") == 0) {
        out->type = WEB_MSG_RESYNC;
        allowed = required = F_TYPE;
    } else if (strcmp(type, "history") == 0) {
        out->type = WEB_MSG_HISTORY;
        allowed = required = F_TYPE | F_ASSET;
    } else if (strcmp(type, "ping") == 0) {
        out->type = WEB_MSG_PING;
        allowed = F_TYPE | F_ID;
        required = F_TYPE;
    } else if (strcmp(type, "command") == 0) {
        out->type = WEB_MSG_COMMAND;
        allowed = F_TYPE | F_ID | F_TARGET | F_RECORD;
        required = F_TYPE | F_TARGET | F_RECORD;
    } else if (strcmp(type, "policy") == 0) {
        out->type = WEB_MSG_POLICY;
        allowed = F_TYPE | F_KEY_ID | F_TARGET | F_METHOD;
        required = F_TYPE | F_KEY_ID;
    } else {
        snprintf(why, why_size, (seen & F_TYPE) ? "unknown type" : "missing \"type\"");
        return false;
    }
    if (seen & ~allowed) {
        snprintf(why, why_size, "field not allowed in a %s message", type);
        return false;
    }
    if ((seen & required) != required) {
        snprintf(why, why_size, "field missing in a %s message", type);
        return false;
    }
    return true;

syntax:
    switch (json_scan_error(p->js)) {
    case OFC_REJECT_BAD_UTF8: snprintf(why, why_size, "invalid UTF-8 or NUL"); break;
    case OFC_REJECT_TOO_DEEP: snprintf(why, why_size, "nested values are not allowed"); break;
    case OFC_REJECT_BAD_NUMBER: snprintf(why, why_size, "number out of range"); break;
    default:
        snprintf(why, why_size, "JSON syntax error at byte %zu", json_scan_error_offset(p->js));
        break;
    }
    return false;
}
