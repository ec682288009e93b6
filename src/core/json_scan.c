/* json_scan: the scanner behind ofa_record, tuned for ~200-byte flat records.
 *
 * Why it looks the way it does:
 * - The document is copied once into scratch space followed by a zero pad. Strings are then
 *   decoded in place (an escape never decodes to more bytes than it takes) and terminated by
 *   overwriting their closing quote with NUL, so views need no further copies; numbers, which
 *   have no spare byte after them, are copied to a second area when a caller asks for them.
 * - The pad makes a NUL the sentinel at the end: NUL is never valid outside a string and never
 *   raw inside one, so the loops stop on it without comparing against the end pointer, and the
 *   string loop reads 8 bytes at a time.
 * - Acceptance mirrors jansson 2.14 (fuzz/fuzz_ofa_record.c checks it): integers must fit int64
 *   (strtoll would set ERANGE) and reals must not round to infinity (strtod would return
 *   HUGE_VAL). The real check is exact, decided on the decimal digits against the rounding
 *   threshold 2^1024 - 2^970, so it does not depend on strtod or the process locale.
 * - Duplicate keys: up to LINEAR_KEYS keys per object are compared as they come (records have
 *   5-8); an object with more is sorted once when it closes, so hostile objects with thousands
 *   of keys cost O(n log n) and there is no hash to flood.
 */
#include "json_scan.h"

#include "xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PAD         JSON_SCAN_PAD /* zero bytes after the copy: 8-byte reads, look-ahead */
#define LINEAR_KEYS 16

typedef struct scan_frame {
    size_t key_start; /* index in keys[] of this object's first key */
    size_t count;     /* members or elements read so far */
    bool is_object;
    bool fold; /* compare keys ignoring ASCII case */
} scan_frame;

typedef struct scan_key {
    const char *ptr;
    size_t len;
} scan_key;

struct json_scan {
    char *buf; /* document copy, PAD zero bytes, then the number area */
    size_t cap;
    char *p;   /* cursor */
    char *end; /* buf + document length: the first pad byte */
    char *num; /* next free byte of the number area */
    int depth, max_depth;
    scan_frame *frames;
    int frame_cap;
    scan_key *keys; /* keys of the open objects, innermost last */
    size_t nkeys, key_cap;
    ofc_reject err;
    size_t err_off;
    bool dup;
};

/* Byte classes. */
static const unsigned char ws_class[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static inline unsigned ascii_lower(unsigned c)
{
    return c - 'A' < 26 ? c + 32 : c;
}

/* The decimal digits of 2^1024 - 2^970: the smallest magnitude strtod rounds to infinity (it is
 * the midpoint between DBL_MAX and 2^1024, and ties go to the even significand, 2^1024). */
static const char overflow_digits[] =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797"
    "75872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548"
    "45817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711"
    "559699508093042880177904174497792";

#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD       __attribute__((cold, noinline))
#define LIKELY(x)  __builtin_expect(!!(x), 1)
#else
#define HOT_INLINE static inline
#define COLD
#define LIKELY(x) (x)
#endif

COLD static bool fail(json_scan *js, const void *at, ofc_reject why)
{
    if (js->err == OFC_REJECT_NONE) {
        js->err = why;
        js->err_off = (size_t)((const char *)at - js->buf);
    }
    return false;
}

/* fail() for the scanning helpers, which return the next position or NULL. */
COLD static char *fail_at(json_scan *js, const void *at, ofc_reject why)
{
    fail(js, at, why);
    return NULL;
}

/* fail() for the stepping functions, which return -1 on error. */
COLD static int fail_step(json_scan *js, const void *at)
{
    fail(js, at, OFC_REJECT_JSON_SYNTAX);
    return -1;
}

/* Structural bytes are all above ' ', so one compare settles the usual case. (A branch-free
 * step over one space measured slower: it puts a load on the position's dependency chain.) */
HOT_INLINE char *skip_ws(char *p)
{
    while ((unsigned char)*p <= ' ' && ws_class[(unsigned char)*p])
        p++;
    return p;
}

/* Length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), 0 if ill-formed. Reads at
 * most 4 bytes, and stops at the first bad one, so a NUL sentinel bounds it. */
static inline size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0xC2)
        return 0; /* continuation byte, or C0/C1 (overlong ASCII) */
    if (c < 0xE0)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80; /* E0 80..9F would be overlong */
        unsigned hi = c == 0xED ? 0x9F : 0xBF; /* ED A0..BF would encode a surrogate */
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80; /* F0 80..8F would be overlong */
        unsigned hi = c == 0xF4 ? 0x8F : 0xBF; /* F4 90.. would exceed U+10FFFF */
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

bool json_scan_utf8_valid(const void *s, size_t len)
{
    const unsigned char *p = s, *end = p + len;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        /* Copy the tail into a zeroed buffer so utf8_seq never reads past the end. */
        unsigned char seq[4] = {0, 0, 0, 0};
        size_t avail = (size_t)(end - p) < 4 ? (size_t)(end - p) : 4;
        memcpy(seq, p, avail);
        size_t n = utf8_seq(seq);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

#if !defined(__SSE2__)
/* High bit set in each byte of x that is '"' (also returned in *quotes), '\\', < 0x20 or >= 0x80.
 * Borrows may also flag bytes after the first such byte, never before it, so the lowest flag is
 * exact, in both masks. */
static inline uint64_t string_specials(uint64_t x, uint64_t *quotes)
{
    uint64_t q = x ^ (ONES * '"');
    uint64_t b = x ^ (ONES * '\\');
    *quotes = (q - ONES) & ~q & HIGHS;
    return (*quotes | ((b - ONES) & ~b) | (x - ONES * 0x20) | x) & HIGHS;
}
#endif

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HAVE_CTZ 1
#else
#define HAVE_CTZ 0
#endif

static inline bool is_string_special(unsigned c)
{
    return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

COLD static char *fail_control(json_scan *js, const unsigned char *p)
{
    if (*p == '\0' && (const char *)p == js->end)
        return fail_at(js, p, OFC_REJECT_JSON_SYNTAX); /* the document ends inside the string */
    return fail_at(js, p, *p == '\0' ? OFC_REJECT_BAD_UTF8 : OFC_REJECT_JSON_SYNTAX);
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        int d;
        if (c >= '0' && c <= '9')
            d = (int)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (int)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (int)(c - 'A' + 10);
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(unsigned char *w, unsigned cp)
{
    if (cp < 0x80) {
        w[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (unsigned char)(0xC0 | (cp >> 6));
        w[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (unsigned char)(0xE0 | (cp >> 12));
        w[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (unsigned char)(0xF0 | (cp >> 18));
    w[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    w[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    w[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The rest of a string from its first backslash at p, decoding into w = p onwards. Returns the
 * position after the closing quote, or NULL on a document error. */
static char *scan_escaped(json_scan *js, unsigned char *s, unsigned char *p, const char **out,
                          size_t *out_len)
{
    unsigned char *w = p;
    for (;;) {
        unsigned c = *p;
        if (!is_string_special(c)) {
            *w++ = *p++;
            continue;
        }
        if (c == '"') {
            *w = '\0';
            *out = (const char *)s;
            *out_len = (size_t)(w - s);
            return (char *)p + 1;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq(p);
            if (n == 0)
                return fail_at(js, p, OFC_REJECT_BAD_UTF8);
            for (size_t i = 0; i < n; i++)
                *w++ = *p++;
            continue;
        }
        if (c != '\\')
            return fail_control(js, p);
        switch (p[1]) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            int cp = hex4(p + 2);
            if (cp < 0)
                return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail_at(js, p, OFC_REJECT_BAD_UTF8); /* lone low surrogate */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (p[6] != '\\' || p[7] != 'u')
                    return fail_at(js, p, OFC_REJECT_BAD_UTF8); /* lone high surrogate */
                int lo = hex4(p + 8);
                if (lo < 0)
                    return fail_at(js, p + 6, OFC_REJECT_JSON_SYNTAX);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(js, p + 6, OFC_REJECT_BAD_UTF8);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp == 0) {
                return fail_at(js, p, OFC_REJECT_BAD_UTF8); /* no NUL in strings */
            }
            w += put_utf8(w, (unsigned)cp);
            p += 6;
            continue;
        }
        default: return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
        }
        p += 2;
    }
}

/* A string whose opening quote is just before s. On success the view is s[0..len),
 * NUL-terminated, and the result is the position after the closing quote; NULL on error. */
HOT_INLINE char *scan_string(json_scan *js, char *s, const char **out, size_t *out_len)
{
    unsigned char *p = (unsigned char *)s;
    for (;;) {
#if defined(__SSE2__) && HAVE_CTZ
        /* 16 bytes a step (the pad covers the read). A signed compare flags both the control
         * bytes (< 0x20) and the non-ASCII ones (>= 0x80, negative). */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned quotes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
        unsigned t = quotes | (unsigned)_mm_movemask_epi8(
                                  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
                                               _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
        if (t == 0) {
            p += 16;
            continue;
        }
        unsigned low = t & (0 - t);
        p += __builtin_ctz(low);
        if (low & quotes) {
#else
        uint64_t x, quotes;
        memcpy(&x, p, sizeof x);
        uint64_t t = string_specials(x, &quotes);
        if (t == 0) {
            p += 8;
            continue;
        }
#if HAVE_CTZ
        /* Decide on the masks rather than reload the byte: a shorter dependency chain. */
        uint64_t low = t & (0 - t);
        p += (unsigned)__builtin_ctzll(low) >> 3;
        if (low & quotes) {
#else
        while (!is_string_special(*p))
            p++;
        if (*p == '"') {
#endif
#endif
            *p = '\0';
            *out = s;
            *out_len = (size_t)((char *)p - s);
            return (char *)p + 1;
        }
        if (*p >= 0x80) {
            size_t n = utf8_seq(p);
            if (n == 0)
                return fail_at(js, p, OFC_REJECT_BAD_UTF8);
            p += n;
            continue;
        }
        if (*p == '\\')
            return scan_escaped(js, (unsigned char *)s, p, out, out_len);
        return fail_control(js, p);
    }
}

static inline bool is_digit(unsigned c)
{
    return c - '0' < 10;
}

/* Whether a real with these digits rounds to a finite double. ip/n_int: integer digits;
 * fp/n_frac: fraction digits; exp: the exponent, saturated. */
static bool real_is_finite(const char *ip, size_t n_int, const char *fp, size_t n_frac, int64_t exp)
{
    size_t k = 0; /* index of the first non-zero digit in int digits followed by frac digits */
    while (k < n_int && ip[k] == '0')
        k++;
    if (k == n_int) {
        size_t j = 0;
        while (j < n_frac && fp[j] == '0')
            j++;
        if (j == n_frac)
            return true; /* zero */
        k = n_int + j;
    }
    /* value = 0.d1d2... * 10^e10 with d1 non-zero, so 10^(e10-1) <= value < 10^e10 */
    int64_t e10 = (int64_t)n_int - (int64_t)k + exp;
    const int64_t limit = (int64_t)sizeof overflow_digits - 1; /* 309: 10^308 < threshold */
    if (e10 != limit)
        return e10 < limit;
    size_t total = n_int + n_frac;
    for (size_t i = 0; i < (size_t)limit; i++) {
        size_t at = k + i;
        char d = at < total ? (at < n_int ? ip[at] : fp[at - n_int]) : '0';
        if (d != overflow_digits[i])
            return d < overflow_digits[i];
    }
    return false; /* equal to the threshold or above it: rounds to infinity */
}

/* A number starting at s. When val is non-NULL the token is copied to the number area.
 * Returns the position after the token, NULL on error. */
static char *scan_number(json_scan *js, char *s, json_scan_val *val)
{
    char *p = s;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    char *ip = p;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        do
            p++;
        while (is_digit((unsigned char)*p));
    } else {
        return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
    }
    size_t n_int = (size_t)(p - ip);
    bool integer = true;
    char *fp = NULL;
    size_t n_frac = 0;
    int64_t exp = 0;
    if (*p == '.') {
        integer = false;
        fp = ++p;
        if (!is_digit((unsigned char)*p))
            return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
        do
            p++;
        while (is_digit((unsigned char)*p));
        n_frac = (size_t)(p - fp);
    }
    if (*p == 'e' || *p == 'E') {
        integer = false;
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!is_digit((unsigned char)*p))
            return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
        do {
            if (exp < 1000000000) /* saturate: any larger exponent decides the same */
                exp = exp * 10 + (*p - '0');
            p++;
        } while (is_digit((unsigned char)*p));
        if (eneg)
            exp = -exp;
    }
    if (integer) {
        if (n_int > 19 || (n_int == 19 &&
                           memcmp(ip, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0))
            return fail_at(js, s, OFC_REJECT_BAD_NUMBER); /* jansson: "too big integer" */
    } else if (!real_is_finite(ip, n_int, fp, n_frac, exp)) {
        return fail_at(js, s, OFC_REJECT_BAD_NUMBER); /* jansson: "real number overflow" */
    }
    if (val) {
        size_t len = (size_t)(p - s);
        memcpy(js->num, s, len);
        js->num[len] = '\0';
        val->ptr = js->num;
        val->len = len;
        val->integer = integer;
        js->num += len + 1;
    }
    return p;
}

static char *open_container(json_scan *js, char *at, bool is_object)
{
    if (js->depth >= js->max_depth)
        return fail_at(js, at, OFC_REJECT_TOO_DEEP);
    if (js->depth == js->frame_cap) {
        int cap = js->frame_cap * 2 < js->max_depth ? js->frame_cap * 2 : js->max_depth;
        js->frames = xreallocarray(js->frames, (size_t)cap, sizeof *js->frames);
        js->frame_cap = cap;
    }
    scan_frame *f = &js->frames[js->depth++];
    f->key_start = js->nkeys;
    f->count = 0;
    f->is_object = is_object;
    f->fold = false;
    return at + 1;
}

static char *literal(json_scan *js, char *p, const char *lit, size_t len, json_scan_type type,
                     json_scan_val *val)
{
    if (memcmp(p, lit, len) != 0)
        return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
    val->type = type;
    val->ptr = lit;
    val->len = len;
    return p + len;
}

/* Read one value at p (after optional whitespace); numbers are copied only when copy is set
 * (json_scan_value, not skipping). Returns the position after it, NULL on error. */
HOT_INLINE char *read_value(json_scan *js, char *p, json_scan_val *val, bool copy)
{
    p = skip_ws(p);
    val->integer = false;
    if (*p == '"') {
        val->type = JSON_SCAN_STRING;
        return scan_string(js, p + 1, &val->ptr, &val->len);
    }
    switch (*p) {
    case '{':
    case '[':
        val->type = *p == '{' ? JSON_SCAN_OBJECT : JSON_SCAN_ARRAY;
        val->ptr = "";
        val->len = 0;
        return open_container(js, p, *p == '{');
    case 't': return literal(js, p, "true", 4, JSON_SCAN_TRUE, val);
    case 'f': return literal(js, p, "false", 5, JSON_SCAN_FALSE, val);
    case 'n': return literal(js, p, "null", 4, JSON_SCAN_NULL, val);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        val->type = JSON_SCAN_NUMBER;
        val->ptr = "";
        val->len = 0;
        return scan_number(js, p, copy ? val : NULL);
    default: return fail_at(js, p, OFC_REJECT_JSON_SYNTAX);
    }
}

static bool keys_equal(const char *a, const char *b, size_t len, bool fold)
{
    if (!fold)
        return memcmp(a, b, len) == 0;
    for (size_t i = 0; i < len; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

static int key_cmp(const scan_key *a, const scan_key *b, bool fold)
{
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    for (size_t i = 0; i < a->len; i++) {
        unsigned ca = (unsigned char)a->ptr[i], cb = (unsigned char)b->ptr[i];
        if (fold) {
            ca = ascii_lower(ca);
            cb = ascii_lower(cb);
        }
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return 0;
}

static int key_cmp_exact(const void *a, const void *b)
{
    return key_cmp(a, b, false);
}

static int key_cmp_fold(const void *a, const void *b)
{
    return key_cmp(a, b, true);
}

static void grow_keys(json_scan *js)
{
    js->key_cap = js->key_cap ? js->key_cap * 2 : 64;
    js->keys = xreallocarray(js->keys, js->key_cap, sizeof *js->keys);
}

/* Record a key of the innermost object; the first LINEAR_KEYS are checked at once. */
HOT_INLINE void note_key(json_scan *js, scan_frame *f, const char *key, size_t len)
{
    if (js->nkeys - f->key_start < LINEAR_KEYS) {
        for (size_t i = f->key_start; i < js->nkeys; i++) {
            if (js->keys[i].len == len && keys_equal(js->keys[i].ptr, key, len, f->fold)) {
                js->dup = true;
                return;
            }
        }
    }
    if (js->nkeys == js->key_cap)
        grow_keys(js);
    js->keys[js->nkeys].ptr = key;
    js->keys[js->nkeys].len = len;
    js->nkeys++;
}

/* An object with more keys than the linear check covers is sorted and checked when it closes. */
static void check_big_object(json_scan *js, scan_frame *f)
{
    size_t n = js->nkeys - f->key_start;
    scan_key *k = js->keys + f->key_start;
    int (*cmp)(const void *, const void *) = f->fold ? key_cmp_fold : key_cmp_exact;
    qsort(k, n, sizeof *k, cmp);
    for (size_t i = 1; i < n; i++) {
        if (cmp(&k[i - 1], &k[i]) == 0) {
            js->dup = true;
            return;
        }
    }
}

/* The next key of the innermost object at *pp: 1 with the key read and ':' consumed, 0 when the
 * object closed, -1 on error. */
HOT_INLINE int step_key(json_scan *js, char **pp, const char **key, size_t *key_len)
{
    scan_frame *f = &js->frames[js->depth - 1];
    char *p = skip_ws(*pp);
    if (*p == '}') {
        if (js->nkeys - f->key_start > LINEAR_KEYS && !js->dup)
            check_big_object(js, f);
        js->nkeys = f->key_start;
        js->depth--;
        *pp = p + 1;
        return 0;
    }
    if (f->count) {
        if (*p != ',')
            return fail_step(js, p);
        p = skip_ws(p + 1);
    }
    if (*p != '"')
        return fail_step(js, p);
    p = scan_string(js, p + 1, key, key_len);
    if (!p)
        return -1;
    p = skip_ws(p);
    if (*p != ':')
        return fail_step(js, p);
    *pp = p + 1;
    f->count++;
    if (!js->dup)
        note_key(js, f, *key, *key_len);
    return 1;
}

/* The next element of the innermost array at *pp: 1 if one follows, 0 when closed, -1 error. */
static inline int step_item(json_scan *js, char **pp)
{
    scan_frame *f = &js->frames[js->depth - 1];
    char *p = skip_ws(*pp);
    if (*p == ']') {
        js->depth--;
        *pp = p + 1;
        return 0;
    }
    if (f->count) {
        if (*p != ',')
            return fail_step(js, p);
        p++;
    }
    *pp = p;
    f->count++;
    return 1;
}

static bool in_container(const json_scan *js, bool object)
{
    return js->depth > 0 && js->frames[js->depth - 1].is_object == object;
}

int json_scan_key(json_scan *js, const char **key, size_t *key_len)
{
    if (js->err)
        return -1;
    if (!in_container(js, true))
        return fail_step(js, js->p); /* caller bug: not inside an object */
    return step_key(js, &js->p, key, key_len);
}

int json_scan_member(json_scan *js, const char **key, size_t *key_len, json_scan_val *val)
{
    if (js->err)
        return -1;
    if (!in_container(js, true))
        return fail_step(js, js->p); /* caller bug: not inside an object */
    char *p = js->p;
    int r = step_key(js, &p, key, key_len);
    if (r > 0) {
        p = read_value(js, p, val, true);
        if (!p)
            return -1;
    }
    js->p = p;
    return r;
}

int json_scan_item(json_scan *js)
{
    if (js->err)
        return -1;
    if (!in_container(js, false))
        return fail_step(js, js->p); /* caller bug: not inside an array */
    return step_item(js, &js->p);
}

bool json_scan_value(json_scan *js, json_scan_val *val)
{
    if (js->err)
        return false;
    char *p = read_value(js, js->p, val, true);
    if (!p)
        return false;
    js->p = p;
    return true;
}

bool json_scan_skip(json_scan *js)
{
    if (js->err)
        return false;
    int target = js->depth - 1;
    char *p = js->p;
    while (js->depth > target) {
        int r;
        if (js->frames[js->depth - 1].is_object) {
            const char *key;
            size_t len;
            r = step_key(js, &p, &key, &len);
        } else {
            r = step_item(js, &p);
        }
        if (r < 0)
            return false;
        if (r > 0) {
            json_scan_val val;
            p = read_value(js, p, &val, false);
            if (!p)
                return false;
        }
    }
    js->p = p;
    return true;
}

bool json_scan_skip_value(json_scan *js)
{
    json_scan_val val;
    if (js->err)
        return false;
    char *p = read_value(js, js->p, &val, false);
    if (!p)
        return false;
    js->p = p;
    if (val.type == JSON_SCAN_OBJECT || val.type == JSON_SCAN_ARRAY)
        return json_scan_skip(js);
    return true;
}

void json_scan_fold_keys(json_scan *js)
{
    if (js->depth > 0)
        js->frames[js->depth - 1].fold = true;
}

bool json_scan_end(json_scan *js)
{
    if (js->err)
        return false;
    if (js->depth != 0)
        return fail(js, js->p, OFC_REJECT_JSON_SYNTAX);
    char *p = skip_ws(js->p);
    if (p != js->end)
        return fail(js, p, OFC_REJECT_JSON_SYNTAX);
    js->p = p;
    return true;
}

json_scan *json_scan_new(int max_depth)
{
    json_scan *js = xcalloc(1, sizeof *js);
    js->max_depth = max_depth < 1 ? 1 : max_depth;
    js->frame_cap = js->max_depth < 16 ? js->max_depth : 16;
    js->frames = xcalloc((size_t)js->frame_cap, sizeof *js->frames);
    json_scan_begin(js, "", 0);
    return js;
}

void json_scan_destroy(json_scan *js)
{
    if (!js)
        return;
    free(js->buf);
    free(js->frames);
    free(js->keys);
    free(js);
}

void json_scan_begin(json_scan *js, const void *doc, size_t len)
{
    /* Copy, pad, then room for every number token plus its NUL (tokens are separated, so at most
     * len + len / 2 + 1 bytes). */
    if (len > (SIZE_MAX - 4 * PAD) / 3)
        abort(); /* callers bound documents far below this */
    size_t need = 3 * len + 4 * PAD;
    if (need > js->cap) {
        size_t cap = js->cap * 2 > need ? js->cap * 2 : need;
        free(js->buf);
        js->buf = xmalloc(cap);
        js->cap = cap;
    }
    if (len)
        memcpy(js->buf, doc, len);
    memset(js->buf + len, 0, PAD);
    js->p = js->buf;
    js->end = js->buf + len;
    js->num = js->end + PAD;
    js->depth = 0;
    js->nkeys = 0;
    js->err = OFC_REJECT_NONE;
    js->err_off = 0;
    js->dup = false;
}

ofc_reject json_scan_document(json_scan *js, const void *doc, size_t len)
{
    json_scan_begin(js, doc, len);
    if (json_scan_skip_value(js))
        json_scan_end(js);
    return js->err;
}

ofc_reject json_scan_error(const json_scan *js)
{
    return js->err;
}

size_t json_scan_error_offset(const json_scan *js)
{
    return js->err_off;
}

bool json_scan_duplicate(const json_scan *js)
{
    return js->dup;
}

int json_scan_depth(const json_scan *js)
{
    return js->depth;
}
