/* timeutil: ISO-8601 and epoch parsing without locale or libc time zone state.
 *
 * timegm() is not C11/POSIX, so civil dates are converted with the days-from-civil algorithm;
 * this also keeps parsing free of the process time zone, which the TUI may change for display.
 */
#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t ofc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

int64_t ofc_time_epoch_to_us(int64_t epoch)
{
    /* Beyond +-1e17 no magnitude class applies and the negation below could overflow. */
    if (epoch > 100000000000000000LL || epoch < -100000000000000000LL)
        return epoch;
    int64_t mag = epoch < 0 ? -epoch : epoch;
    if (mag >= 100000000000000LL) /* >= 1e14: microseconds (after 1973 in us) */
        return epoch;
    if (mag >= 100000000000LL) /* >= 1e11: milliseconds */
        return epoch * 1000;
    return epoch * 1000000;
}

static bool parse_epoch(const char *s, size_t len, int64_t *us)
{
    size_t i = 0;
    bool neg = false;
    int64_t v = 0;
    if (len && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len || len - i > 17)
        return false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *us = ofc_time_epoch_to_us(neg ? -v : v);
    return true;
}

unsigned ofc_days_in_month(unsigned year, unsigned mon)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return mon == 2 && leap ? 29 : days[mon - 1];
}

bool ofc_time_parse_rfc3339(const char *s, size_t len, int64_t *us)
{
    /* YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or +HH:MM / -HH:MM. */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (len < sizeof shape - 1 + 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if (shape[i] == 'd'   ? !digit
            : shape[i] == 'T' ? s[i] != 'T' && s[i] != 't'
                              : s[i] != shape[i])
            return false;
    }
    size_t i = sizeof shape - 1;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || i - start > 9)
            return false;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z'))
        i++;
    else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':')
        i += 6; /* the digits are checked by ofc_time_parse */
    else
        return false;
    if (i != len || (s[17] == '6' && s[18] == '0')) /* no leap second, as Python's datetime */
        return false;
    return ofc_time_parse(s, len, us);
}

bool ofc_time_parse(const char *s, size_t len, int64_t *us)
{
    unsigned year, mon, day, hh, mm, ss = 0;
    int64_t frac_us = 0;
    size_t i;

    if (len < 10 || s[4] != '-')
        return parse_epoch(s, len, us);
    if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &mon) || s[7] != '-' ||
        !digits(s + 8, 2, &day))
        return false;
    if (mon < 1 || mon > 12 || day < 1 || day > ofc_days_in_month(year, mon))
        return false;
    hh = mm = 0;
    i = 10;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        if (len < i + 6 || !digits(s + i + 1, 2, &hh) || s[i + 3] != ':' ||
            !digits(s + i + 4, 2, &mm))
            return false;
        i += 6;
        if (i < len && s[i] == ':') {
            if (len < i + 3 || !digits(s + i + 1, 2, &ss))
                return false;
            i += 3;
        }
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            size_t nd = 0;
            int64_t scale = 100000;
            i++;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (nd < 6) {
                    frac_us += (s[i] - '0') * scale;
                    scale /= 10;
                }
                nd++;
                i++;
            }
            if (nd == 0 || nd > 9)
                return false;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60)
        return false;

    int64_t offset_s = 0;
    if (i < len) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            unsigned oh, om = 0;
            int sign = s[i] == '-' ? -1 : 1;
            if (len < i + 3 || !digits(s + i + 1, 2, &oh))
                return false;
            size_t j = i + 3;
            if (j < len && s[j] == ':')
                j++;
            if (j < len) {
                if (len != j + 2 || !digits(s + j, 2, &om))
                    return false;
                j += 2;
            }
            if (oh > 23 || om > 59)
                return false;
            offset_s = sign * (int64_t)(oh * 3600 + om * 60);
            i = j;
        } else {
            return false;
        }
    }
    if (i != len)
        return false;

    int64_t days = ofc_days_from_civil((int64_t)year, mon, day);
    int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
    *us = secs * 1000000 + frac_us;
    return true;
}

size_t ofc_time_format_iso(int64_t us, int digits_wanted, char *buf, size_t size)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int n;
    if (digits_wanted >= 6)
        n = snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (long long)frac);
    else if (digits_wanted >= 3)
        n = snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02d.%03lldZ", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60),
                     (long long)(frac / 1000));
    else
        n = snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    if (n < 0)
        return 0;
    return (size_t)n < size ? (size_t)n : size - 1;
}

bool ofc_duration_parse(const char *s, int64_t *us)
{
    int64_t total = 0;
    bool any = false;
    while (*s) {
        int64_t v = 0;
        int nd = 0;
        while (*s >= '0' && *s <= '9') {
            if (v > 1000000000LL)
                return false;
            v = v * 10 + (*s++ - '0');
            nd++;
        }
        if (!nd)
            return false;
        int64_t unit;
        if (strncmp(s, "ms", 2) == 0) {
            unit = 1000;
            s += 2;
        } else if (*s == 's') {
            unit = 1000000;
            s++;
        } else if (*s == 'm') {
            unit = 60 * 1000000LL;
            s++;
        } else if (*s == 'h') {
            unit = 3600 * 1000000LL;
            s++;
        } else if (*s == 'd') {
            unit = 86400 * 1000000LL;
            s++;
        } else if (*s == '\0' && !any) {
            unit = 1000000;
        } else {
            return false;
        }
        /* Bounded to 100 years so hostile config or flags cannot overflow int64. */
        const int64_t max_us = 100LL * 366 * 86400 * 1000000;
        if (v > max_us / unit || total > max_us - v * unit)
            return false;
        total += v * unit;
        any = true;
    }
    if (!any)
        return false;
    *us = total;
    return true;
}

size_t ofc_duration_format_short(int64_t us, char *buf, size_t size)
{
    long long s = us > 0 ? (long long)(us / 1000000) : 0;
    int n;
    if (s < 60)
        n = snprintf(buf, size, "%llds", s);
    else if (s < 3600)
        n = snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        n = snprintf(buf, size, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else
        n = snprintf(buf, size, "%lldd%02lldh", s / 86400, s / 3600 % 24);
    if (n < 0 || size == 0)
        return 0;
    return (size_t)n < size ? (size_t)n : size - 1;
}

int64_t ofc_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ofc_time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
