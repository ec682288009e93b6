/* json_writer: comma bookkeeping with one flag per open container; escaping per RFC 8259. */
#include "json_writer.h"

#include "xmalloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(json_writer *jw)
{
    memset(jw, 0, sizeof *jw);
}

void jw_fini(json_writer *jw)
{
    free(jw->buf);
    memset(jw, 0, sizeof *jw);
}

void jw_reset(json_writer *jw)
{
    jw->len = 0;
    jw->depth = 0;
    jw->after_key = false;
    jw->has_items[0] = false;
    if (jw->buf)
        jw->buf[0] = '\0';
}

char *jw_take(json_writer *jw, size_t *len)
{
    char *out = jw->buf ? jw->buf : xstrdup("");
    if (len)
        *len = jw->len;
    jw->buf = NULL;
    jw->cap = 0;
    jw_reset(jw);
    return out;
}

static void reserve(json_writer *jw, size_t extra)
{
    if (jw->len + extra + 1 <= jw->cap)
        return;
    size_t cap = jw->cap ? jw->cap : 256;
    while (cap < jw->len + extra + 1)
        cap *= 2;
    jw->buf = xrealloc(jw->buf, cap);
    jw->cap = cap;
}

void jw_append(json_writer *jw, const char *s, size_t len)
{
    reserve(jw, len);
    memcpy(jw->buf + jw->len, s, len);
    jw->len += len;
    jw->buf[jw->len] = '\0';
}

static void putc1(json_writer *jw, char c)
{
    reserve(jw, 1);
    jw->buf[jw->len++] = c;
    jw->buf[jw->len] = '\0';
}

/* Called before every value or key: a comma unless first in its container or right after a key. */
static void before_item(json_writer *jw)
{
    if (jw->after_key) {
        jw->after_key = false;
        return;
    }
    if (jw->has_items[jw->depth])
        putc1(jw, ',');
    jw->has_items[jw->depth] = true;
}

static void open_container(json_writer *jw, char c)
{
    before_item(jw);
    putc1(jw, c);
    if (jw->depth < JW_MAX_DEPTH - 1)
        jw->depth++;
    jw->has_items[jw->depth] = false;
}

static void close_container(json_writer *jw, char c)
{
    if (jw->depth > 0)
        jw->depth--;
    putc1(jw, c);
}

void jw_object_begin(json_writer *jw)
{
    open_container(jw, '{');
}

void jw_object_end(json_writer *jw)
{
    close_container(jw, '}');
}

void jw_array_begin(json_writer *jw)
{
    open_container(jw, '[');
}

void jw_array_end(json_writer *jw)
{
    close_container(jw, ']');
}

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF), or 0 if the bytes there are not one. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

bool jw_string_is_exact(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return false;
        if (c >= 0x80) {
            size_t n = c ? utf8_sequence((const unsigned char *)s + i, len - i) : 0;
            if (!n)
                return false;
            i += n - 1;
        }
    }
    return true;
}

static void write_escaped(json_writer *jw, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    reserve(jw, len + 2);
    jw->buf[jw->len++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            reserve(jw, 1);
            jw->buf[jw->len++] = (char)c;
            continue;
        }
        if (c >= 0x80 || c == 0) {
            /* Whatever the caller hands in, the output stays JSON that readers take: a byte
             * that starts no valid UTF-8 sequence becomes U+FFFD, as a decoder would show it,
             * and so does NUL (\u0000 is JSON, but jansson and others refuse it by default). */
            size_t n = utf8_sequence((const unsigned char *)s + i, len - i);
            reserve(jw, 4);
            if (n) {
                memcpy(jw->buf + jw->len, s + i, n);
                jw->len += n;
                i += n - 1;
            } else {
                memcpy(jw->buf + jw->len, "\xef\xbf\xbd", 3);
                jw->len += 3;
            }
            continue;
        }
        reserve(jw, 6);
        jw->buf[jw->len++] = '\\';
        switch (c) {
        case '"': jw->buf[jw->len++] = '"'; break;
        case '\\': jw->buf[jw->len++] = '\\'; break;
        case '\n': jw->buf[jw->len++] = 'n'; break;
        case '\r': jw->buf[jw->len++] = 'r'; break;
        case '\t': jw->buf[jw->len++] = 't'; break;
        case '\b': jw->buf[jw->len++] = 'b'; break;
        case '\f': jw->buf[jw->len++] = 'f'; break;
        default:
            jw->buf[jw->len++] = 'u';
            jw->buf[jw->len++] = '0';
            jw->buf[jw->len++] = '0';
            jw->buf[jw->len++] = hex[c >> 4];
            jw->buf[jw->len++] = hex[c & 15];
        }
    }
    reserve(jw, 1);
    jw->buf[jw->len++] = '"';
    jw->buf[jw->len] = '\0';
}

void jw_key(json_writer *jw, const char *key)
{
    jw_key_n(jw, key, strlen(key));
}

void jw_key_n(json_writer *jw, const char *key, size_t len)
{
    before_item(jw);
    write_escaped(jw, key, len);
    putc1(jw, ':');
    jw->after_key = true;
}

void jw_string(json_writer *jw, const char *s)
{
    jw_string_n(jw, s, strlen(s));
}

void jw_string_n(json_writer *jw, const char *s, size_t len)
{
    before_item(jw);
    write_escaped(jw, s, len);
}

void jw_raw(json_writer *jw, const char *json, size_t len)
{
    before_item(jw);
    jw_append(jw, json, len);
}

void jw_int(json_writer *jw, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    jw_raw(jw, tmp, (size_t)n);
}

void jw_double(json_writer *jw, double v)
{
    char tmp[40];
    if (!isfinite(v)) {
        jw_null(jw);
        return;
    }
    int n = snprintf(tmp, sizeof tmp, "%.15g", v);
    jw_raw(jw, tmp, (size_t)n);
}

void jw_bool(json_writer *jw, bool v)
{
    jw_raw(jw, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(json_writer *jw)
{
    jw_raw(jw, "null", 4);
}
