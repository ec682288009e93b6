/* status_line: the top line: broker connection and since when, records/s, consumer lag,
 * rejected records, who the console commands as (or that it is read-only), and the clock (local
 * or UTC, labelled).
 *
 * status_line_format() is pure (testable); status_line_draw() puts it on the screen. When the
 * broker is away the line turns into an outage banner that says the plant shown is the last
 * known one and stale.
 */
#ifndef OFC_TUI_STATUS_LINE_H
#define OFC_TUI_STATUS_LINE_H

#include "cell_format.h"
#include "feed.h"
#include "tui_crt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct status_view {
    bool connected;
    bool ever_connected;
    int64_t since_us; /* wall clock of the last connection change */
    bool caught_up;
    double records_per_s;
    int64_t lag; /* -1 unknown */
    uint64_t rejected;
    const char *brokers;
    int64_t now_us;
    bool utc;
    bool ascii;
    const char *who; /* who the console commands as ("as alice", "read-only"); NULL: not shown */
} status_view;

status_view status_view_from(const ofc_feed_status *st, const char *brokers, int64_t now_us,
                             bool utc, bool ascii);

/* The left part (connection, rates) and the right part (clock) for a width; *bad is set when
 * the line should read as an outage. Shorter forms are chosen when the long one does not fit. */
void status_line_format(const status_view *v, int width, char *left, size_t left_size, char *right,
                        size_t right_size, bool *bad);

void status_line_draw(tui_crt *crt, int y, int width, const status_view *v);

#endif
