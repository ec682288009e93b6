/* timeutil: the time formats OpenFactory puts on the wire, and durations typed by users.
 *
 * All times inside ofconsole are int64 microseconds since the Unix epoch, UTC. Wire forms
 * (wire §3.1, §3.4): ISO-8601 with 0-9 fraction digits and Z or an offset (SDK ms, mtc2kafka us,
 * pydantic us), and epoch numbers (UPDATED_AT in ms; us and s told apart by magnitude).
 */
#ifndef OFC_TIMEUTIL_H
#define OFC_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse an ISO-8601 date-time ("2026-08-10T09:15:01.208Z", "...208311Z", "...+02:00", no zone =
 * UTC, space instead of T accepted; dates must exist) or an epoch number of seconds, ms or us (by
 * magnitude).
 * Returns false on anything else, leaving *us untouched. s need not be NUL-terminated. */
bool ofc_time_parse(const char *s, size_t len, int64_t *us);

/* The strict form a signed command's header.timestamp must have (RFC 3339, as pydantic and
 * JavaScript write it): "2026-08-10T09:15:02.417000Z" or "...+02:00"; 0-9 fraction digits; a
 * zone is required; a real calendar date; no leap second. */
bool ofc_time_parse_rfc3339(const char *s, size_t len, int64_t *us);

/* Days since 1970-01-01 of a proleptic Gregorian date, and the days in a month (1-12). */
int64_t ofc_days_from_civil(int64_t year, unsigned mon, unsigned day);
unsigned ofc_days_in_month(unsigned year, unsigned mon);

/* Classify an epoch number as s / ms / us by magnitude and convert to us. */
int64_t ofc_time_epoch_to_us(int64_t epoch);

/* Format as UTC ISO-8601 with `digits` fraction digits (0, 3 or 6): "2026-08-10T09:15:01.208Z".
 * Returns the length written (excluding NUL); buf must hold at least 32 bytes. */
size_t ofc_time_format_iso(int64_t us, int digits, char *buf, size_t size);

/* Parse a duration: "500ms", "90s", "15m", "2h", "1d", "1h30m"; a bare number is seconds. */
bool ofc_duration_parse(const char *s, int64_t *us);

/* Format an elapsed time compactly, two units at most, for ages shown to operators (the TUI's
 * value ages, the web's): "4s", "2m05s", "1h02m", "3d04h". Negative ages (clock skew between
 * plant and console) show as "0s"; truncated, never rounded up. Returns the length written;
 * buf should hold at least 16 bytes. */
size_t ofc_duration_format_short(int64_t us, char *buf, size_t size);

/* Wall clock (UTC) and monotonic clock, both in microseconds. */
int64_t ofc_time_now_us(void);
int64_t ofc_time_mono_us(void);

#endif
