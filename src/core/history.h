/* history: a bounded ring of (time, value) points for trends of one Samples attribute.
 *
 * Sized for the memory target (a live Samples attribute with 120 points under 1.5 KB): values
 * are floats (7 significant digits, enough to draw a trend; the exact current value is kept as
 * text by the model) and times are int32 milliseconds from a per-ring base, so a point is 8
 * bytes. The ring starts small and grows to its capacity, so short-lived attributes stay cheap.
 */
#ifndef OFC_HISTORY_H
#define OFC_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct history history;

/* capacity >= 2. Owned by the caller; free with history_destroy(). */
history *history_new(size_t capacity);
void history_destroy(history *h);

/* Append a point; the oldest is dropped once full. A point whose time is more than ~24 days
 * from the ring's base restarts the ring (older points would not be representable). */
void history_push(history **h, int64_t time_us, double value);

size_t history_count(const history *h);
size_t history_capacity(const history *h);
/* i = 0 is the oldest point. Returns false if i is out of range. */
bool history_at(const history *h, size_t i, int64_t *time_us, double *value);
/* Bytes allocated for this ring (for memory accounting). */
size_t history_bytes(const history *h);

#endif
