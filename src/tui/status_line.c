/* status_line: the connection and throughput line (see status_line.h). */
#include "status_line.h"

#include <stdio.h>
#include <string.h>

status_view status_view_from(const ofc_feed_status *st, const char *brokers, int64_t now_us,
                             bool utc, bool ascii)
{
    status_view v = {
        st->connected,
        st->ever_connected,
        st->state_since_us,
        st->caught_up,
        st->records_per_s,
        st->lag,
        st->rejected,
        brokers,
        now_us,
        utc,
        ascii,
        NULL,
    };
    return v;
}

static void format_lag(char *buf, size_t size, int64_t lag)
{
    if (lag < 0)
        snprintf(buf, size, "?");
    else
        snprintf(buf, size, "%lld", (long long)lag);
}

void status_line_format(const status_view *v, int width, char *left, size_t left_size, char *right,
                        size_t right_size, bool *bad)
{
    char since[32], age[32], lag[32];
    cf_clock(since, sizeof since, v->since_us, v->utc);
    cf_age(age, sizeof age, v->now_us, v->since_us);
    format_lag(lag, sizeof lag, v->lag);
    const char *up = v->ascii ? "*" : "\xe2\x97\x8f";
    const char *down = cf_state_glyph(CF_STATE_FAULT, v->ascii);
    const char *sep = v->ascii ? "|" : "\xe2\x94\x82";
    size_t rn = 0;
    right[0] = '\0';
    if (v->who && *v->who)
        rn = (size_t)snprintf(right, right_size, "%s %s ", v->who, sep);
    if (rn < right_size)
        cf_clock(right + rn, right_size - rn, v->now_us, v->utc);
    rn = strlen(right);
    snprintf(right + rn, right_size - rn, " %s ", v->utc ? "UTC" : "local");
    char state[256], state_short[128];
    *bad = false;
    if (v->connected) {
        snprintf(state, sizeof state, "%s connected since %s%s", up, since,
                 v->caught_up ? "" : ", replaying");
        snprintf(state_short, sizeof state_short, "%s up %s%s", up, since,
                 v->caught_up ? "" : " replay");
    } else if (v->ever_connected) {
        *bad = true;
        snprintf(state, sizeof state, "%s BROKER DOWN since %s (%s), last known plant, STALE", down,
                 since, age);
        snprintf(state_short, sizeof state_short, "%s BROKER DOWN %s (%s) STALE", down, since, age);
    } else {
        *bad = v->now_us - v->since_us > 10 * 1000000LL;
        snprintf(state, sizeof state, "%s connecting to %s (%s)", down,
                 v->brokers ? v->brokers : "?", age);
        snprintf(state_short, sizeof state_short, "%s connecting (%s)", down, age);
    }
    int room = width - cf_width(right, v->ascii) - 1;
    snprintf(left, left_size, " %s  %s %.0f rec/s  %s lag %s  %s rejected %llu", state, sep,
             v->records_per_s, sep, lag, sep, (unsigned long long)v->rejected);
    if (cf_width(left, v->ascii) <= room)
        return;
    snprintf(left, left_size, " %s %s %.0f/s %s lag %s %s rej %llu", state_short, sep,
             v->records_per_s, sep, lag, sep, (unsigned long long)v->rejected);
}

void status_line_draw(tui_crt *crt, int y, int width, const status_view *v)
{
    char left[512], right[256];
    bool bad;
    status_line_format(v, width, left, sizeof left, right, sizeof right, &bad);
    int rw = cf_width(right, v->ascii);
    if (rw > width)
        rw = width;
    cf_role role = bad ? CF_ROLE_STATUS_BAD : CF_ROLE_STATUS;
    tui_crt_put(crt, y, 0, width - rw, left, role);
    tui_crt_put(crt, y, width - rw, rw, right, CF_ROLE_STATUS);
}
