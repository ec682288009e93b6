/* cell_format: pure text shaping for the console (see cell_format.h). Nothing here touches the
 * terminal, so every width, glyph and age is unit-tested (tests/test_cell_format.c). */
#include "cell_format.h"

#include "timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* ---- UTF-8 ---- */

/* Decode one character. Returns its length in bytes (at least 1); *cp is -1 for a byte that
 * does not start a valid, shortest-form, non-surrogate sequence. */
static size_t utf8_decode(const unsigned char *s, long *cp)
{
    unsigned c = s[0];
    size_t len;
    long min, v;
    if (c < 0x80) {
        *cp = (long)c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
        v = c & 0x07;
    } else {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return len;
}

/* One character as it will be drawn: its bytes (possibly a replacement) and its columns. */
typedef struct glyph {
    const char *bytes;
    size_t len;
    int width;
} glyph;

static glyph shape(const char *s, size_t len, long cp, bool ascii)
{
    /* Tabs and line breaks inside values read best as spaces; every other control character
     * (ESC above all) is replaced so the wire cannot drive the terminal. */
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return (glyph){" ", 1, 1};
    if (cp < 0)
        return ascii ? (glyph){"?", 1, 1} : (glyph){"\xef\xbf\xbd", 3, 1};
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return (glyph){"?", 1, 1};
    if (cp < 0x80)
        return (glyph){s, 1, 1};
    if (ascii)
        return (glyph){"?", 1, 1};
    int w = wcwidth((wchar_t)cp);
    if (w < 0)
        return (glyph){"?", 1, 1};
    return (glyph){s, len, w};
}

int cf_width(const char *text, bool ascii)
{
    int w = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        long cp;
        size_t n = utf8_decode(p, &cp);
        w += shape((const char *)p, n, cp, ascii).width;
        p += n;
    }
    return w;
}

size_t cf_wrap(const char *text, int width, bool ascii)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t used = 0;
    int w = 0;
    while (p[used]) {
        long cp;
        size_t n = utf8_decode(p + used, &cp);
        int cw = shape((const char *)p + used, n, cp, ascii).width;
        if (w + cw > width && used > 0)
            break;
        w += cw;
        used += n;
    }
    return used;
}

static size_t put(char *out, size_t size, size_t pos, const char *bytes, size_t len)
{
    if (pos + len < size) {
        memcpy(out + pos, bytes, len);
        pos += len;
    }
    return pos;
}

static size_t pad(char *out, size_t size, size_t pos, int n)
{
    while (n-- > 0)
        pos = put(out, size, pos, " ", 1);
    return pos;
}

size_t cf_fit(char *out, size_t out_size, const char *text, int width, cf_align align, bool ascii)
{
    size_t pos = 0;
    if (out_size == 0)
        return 0;
    if (width <= 0 || !text) {
        pos = pad(out, out_size, 0, width);
        out[pos] = '\0';
        return pos;
    }
    int total = cf_width(text, ascii);
    bool cut = total > width;
    int room = cut ? width - 1 : width; /* columns for text; one is kept for the ellipsis */
    int used = 0;
    if (!cut && align == CF_RIGHT)
        pos = pad(out, out_size, pos, width - total);
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        long cp;
        size_t n = utf8_decode(p, &cp);
        glyph g = shape((const char *)p, n, cp, ascii);
        if (used + g.width > room)
            break;
        pos = put(out, out_size, pos, g.bytes, g.len);
        used += g.width;
        p += n;
    }
    if (cut) {
        pos = pad(out, out_size, pos, room - used); /* half a wide character becomes a space */
        const char *e = cf_glyph_ellipsis(ascii);
        pos = put(out, out_size, pos, e, strlen(e));
    } else if (align == CF_LEFT) {
        pos = pad(out, out_size, pos, width - used);
    }
    out[pos] = '\0';
    return pos;
}

/* ---- values ---- */

void cf_age(char *out, size_t out_size, int64_t now_us, int64_t then_us)
{
    if (!then_us) {
        snprintf(out, out_size, "-");
        return;
    }
    ofc_duration_format_short(now_us - then_us, out, out_size);
}

void cf_clock(char *out, size_t out_size, int64_t us, bool utc)
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    struct tm tm;
    if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
        strftime(out, out_size, "%H:%M:%S", &tm) == 0)
        snprintf(out, out_size, "--:--:--");
}

static const char *const spark_utf8[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                         "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                         "\xe2\x96\x87", "\xe2\x96\x88"};
static const char *const spark_ascii[] = {"_", ".", "-", "=", "#"};

void cf_sparkline(char *out, size_t out_size, const double *values, size_t n, int width, bool ascii)
{
    const char *const *levels = ascii ? spark_ascii : spark_utf8;
    int nlevels = ascii ? 5 : 8;
    size_t pos = 0;
    if (out_size == 0)
        return;
    if (width < 0)
        width = 0;
    size_t shown = n < (size_t)width ? n : (size_t)width;
    const double *v = values + (n - shown);
    double lo = 0, hi = 0;
    bool any = false;
    for (size_t i = 0; i < shown; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!any || v[i] < lo)
            lo = v[i];
        if (!any || v[i] > hi)
            hi = v[i];
        any = true;
    }
    pos = pad(out, out_size, pos, width - (int)shown);
    for (size_t i = 0; i < shown; i++) {
        if (!isfinite(v[i])) {
            pos = put(out, out_size, pos, " ", 1);
            continue;
        }
        int level;
        /* A flat series has no scale: it sits mid-height rather than dividing by zero. */
        if (!(hi - lo > 0) || !isfinite(hi - lo)) {
            level = (nlevels - 1) / 2;
        } else {
            double f = (v[i] - lo) / (hi - lo);
            level = (int)lrint(f * (nlevels - 1));
            if (level < 0)
                level = 0;
            if (level >= nlevels)
                level = nlevels - 1;
        }
        pos = put(out, out_size, pos, levels[level], strlen(levels[level]));
    }
    out[pos] = '\0';
}

const char *cf_attr_value(const ofc_attr *attr, cf_role *role)
{
    cf_role r = CF_ROLE_NORMAL;
    const char *text;
    if (ofc_attr_value_kind(attr) == OFC_VALUE_NULL) {
        text = "null";
        r = CF_ROLE_DIM;
    } else {
        text = ofc_attr_value(attr);
        if (strcmp(text, "UNAVAILABLE") == 0)
            r = CF_ROLE_UNAVAILABLE;
    }
    ofc_cond_level lvl = ofc_attr_condition_level(attr);
    if (lvl != OFC_COND_NONE && lvl != OFC_COND_NORMAL)
        r = cf_state_role(cf_state_from_condition(lvl));
    if (role)
        *role = r;
    return text;
}

/* ---- states ---- */

cf_state cf_state_from_model(ofc_state state, bool stale)
{
    switch (state) {
    case OFC_STATE_FAULT: return CF_STATE_FAULT;
    case OFC_STATE_WARNING: return CF_STATE_WARNING;
    case OFC_STATE_UNAVAILABLE: return CF_STATE_UNAVAILABLE;
    default: return stale ? CF_STATE_STALE : CF_STATE_NORMAL;
    }
}

cf_state cf_state_from_condition(ofc_cond_level level)
{
    switch (level) {
    case OFC_COND_FAULT: return CF_STATE_FAULT;
    case OFC_COND_WARNING: return CF_STATE_WARNING;
    case OFC_COND_UNAVAILABLE: return CF_STATE_UNAVAILABLE;
    default: return CF_STATE_NORMAL;
    }
}

static const struct {
    const char *utf8, *ascii, *word;
    cf_role role;
} states[CF_STATE__COUNT] = {
    [CF_STATE_NORMAL] = {"\xc2\xb7", ".", "OK", CF_ROLE_NORMAL},
    [CF_STATE_STALE] = {"\xe2\x97\x8c", "?", "STALE", CF_ROLE_STALE},
    [CF_STATE_UNAVAILABLE] = {"\xe2\x8a\x98", "U", "UNAVAIL", CF_ROLE_UNAVAILABLE},
    [CF_STATE_WARNING] = {"\xe2\x96\xb2", "!", "WARN", CF_ROLE_WARNING},
    [CF_STATE_FAULT] = {"\xe2\x9c\x96", "X", "FAULT", CF_ROLE_FAULT},
};

const char *cf_state_glyph(cf_state state, bool ascii)
{
    if ((unsigned)state >= CF_STATE__COUNT)
        state = CF_STATE_NORMAL;
    return ascii ? states[state].ascii : states[state].utf8;
}

const char *cf_state_word(cf_state state)
{
    return (unsigned)state < CF_STATE__COUNT ? states[state].word : "OK";
}

cf_role cf_state_role(cf_state state)
{
    return (unsigned)state < CF_STATE__COUNT ? states[state].role : CF_ROLE_NORMAL;
}

const char *cf_glyph_expander(bool open, bool ascii)
{
    if (ascii)
        return open ? "-" : "+";
    return open ? "\xe2\x96\xbe" : "\xe2\x96\xb8";
}

const char *cf_glyph_ellipsis(bool ascii)
{
    return ascii ? "~" : "\xe2\x80\xa6";
}

const char *cf_glyph_vrule(bool ascii)
{
    return ascii ? "|" : "\xe2\x94\x82";
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool cf_match(const char *haystack, const char *needle)
{
    if (!needle || !*needle)
        return true;
    if (!haystack)
        return false;
    int first = lower((unsigned char)needle[0]);
    for (const char *h = haystack; *h; h++) {
        if (lower((unsigned char)*h) != first)
            continue;
        size_t i = 1;
        while (needle[i] && lower((unsigned char)h[i]) == lower((unsigned char)needle[i]))
            i++;
        if (!needle[i])
            return true;
    }
    return false;
}

bool cf_match_attr(const ofc_attr *attr, const char *filter)
{
    return cf_match(ofc_attr_id(attr), filter) || cf_match(ofc_attr_value(attr), filter);
}

bool cf_match_asset(const ofc_asset *asset, const char *filter)
{
    if (!filter || !*filter)
        return true;
    if (cf_match(ofc_asset_uuid(asset), filter) || cf_match(ofc_asset_uns_id(asset), filter))
        return true;
    for (size_t i = 0; i < ofc_asset_attr_count(asset); i++)
        if (cf_match_attr(ofc_asset_attr_at(asset, i), filter))
            return true;
    return false;
}

size_t cf_utf8_encode(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            return 0;
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp > 0x10ffff)
        return 0;
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}
