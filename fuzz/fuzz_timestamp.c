/* fuzz_timestamp: ofc_time_parse() and ofc_time_format_iso() on hostile text.
 *
 * Byte 0 picks the mode:
 *   even: the rest is text for ofc_time_parse(). It must not crash; a time it accepts in years
 *         1..9999 must survive format -> parse at 6, 3 and 0 fraction digits (truncating to
 *         ms and s). Printable text is also parsed as attributes.timestamp of a record, whose
 *         fast path for the SDK and mtc2kafka forms must agree with ofc_time_parse().
 *   odd:  the next 8 bytes are a time in us, folded into years 1..9999, formatted and parsed
 *         back.
 */
#include "ofa_record.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN_US (-62135596800000000LL) /* 0001-01-01T00:00:00Z */
#define MAX_US (253402300799999999LL) /* 9999-12-31T23:59:59.999999Z */

static int64_t floor_to(int64_t us, int64_t unit)
{
    int64_t q = us / unit;
    if (us % unit < 0)
        q--;
    return q * unit;
}

static void round_trip(int64_t us)
{
    static const struct {
        int digits;
        int64_t unit;
    } forms[] = {{6, 1}, {3, 1000}, {0, 1000000}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char buf[64];
        int64_t back = 0;
        size_t n = ofc_time_format_iso(us, forms[i].digits, buf, sizeof buf);
        if (!ofc_time_parse(buf, n, &back) || back != floor_to(us, forms[i].unit)) {
            fprintf(stderr, "round trip of %lld via \"%s\" gave %lld\n", (long long)us, buf,
                    (long long)back);
            abort();
        }
    }
}

/* "UNAVAILABLE" in any ASCII case: the record parser's marker for an unknown time. */
static bool is_unavailable(const char *s, size_t n)
{
    const char *want = "unavailable";
    if (n != 11)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        if (c != want[i])
            return false;
    }
    return true;
}

/* The record parser's timestamp must equal ofc_time_parse()'s verdict on the same text. */
static void via_record(const char *s, size_t n)
{
    static ofa_parser *ps;
    char doc[320];
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] > 0x7e)
            return;
    if (n > 200)
        return;
    if (!ps)
        ps = ofa_parser_new(NULL);
    int len = snprintf(
        doc, sizeof doc,
        "{\"ID\":\"x\",\"VALUE\":1,\"TYPE\":\"a\",\"attributes\":{\"timestamp\":\"%.*s\"}}", (int)n,
        s);
    ofa_event ev;
    ofc_reject r = ofa_parse_event(ps, "A", 1, doc, (size_t)len, &ev);
    int64_t want = 0;
    bool unavailable = is_unavailable(s, n);
    bool ok = unavailable || ofc_time_parse(s, n, &want);
    if (ok != (r == OFC_REJECT_NONE) || (ok && ev.timestamp_us != (unavailable ? 0 : want))) {
        fprintf(stderr, "record timestamp \"%.*s\": %s %lld, ofc_time_parse %d %lld\n", (int)n, s,
                ofc_reject_name(r), (long long)ev.timestamp_us, ok, (long long)want);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1) {
        int64_t us = 0;
        memcpy(&us, data + 1, size - 1 < sizeof us ? size - 1 : sizeof us);
        uint64_t span = (uint64_t)(MAX_US - MIN_US) + 1;
        round_trip(MIN_US + (int64_t)((uint64_t)us % span));
        return 0;
    }
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    int64_t us = 0;
    if (ofc_time_parse(s, n, &us) && us >= MIN_US && us <= MAX_US)
        round_trip(us);
    via_record(s, n);
    return 0;
}
