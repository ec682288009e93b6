/* json_writer: an append-only JSON emitter into a growable buffer.
 *
 * Used for `ofc snapshot`, `ofc watch --json`, the virtual plant's records and, later, the web
 * deltas. jansson cannot emit a number token verbatim, and OpenFactory values must round-trip
 * exactly ("65.0" stays "65.0"), so numbers can be written raw. Commas are inserted automatically.
 * An embedded value: jw_init()/jw_fini(); the buffer is owned by the writer until jw_take().
 */
#ifndef OFC_JSON_WRITER_H
#define OFC_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 64

typedef struct json_writer {
    char *buf;
    size_t len;
    size_t cap;
    int depth;
    bool after_key;
    bool has_items[JW_MAX_DEPTH];
} json_writer;

void jw_init(json_writer *jw);
void jw_fini(json_writer *jw);
/* Forget the content but keep the allocation. */
void jw_reset(json_writer *jw);
/* Hand the NUL-terminated buffer to the caller (free() it); the writer is reset to empty. */
char *jw_take(json_writer *jw, size_t *len);

void jw_object_begin(json_writer *jw);
void jw_object_end(json_writer *jw);
void jw_array_begin(json_writer *jw);
void jw_array_end(json_writer *jw);
void jw_key(json_writer *jw, const char *key);
void jw_key_n(json_writer *jw, const char *key, size_t len);
void jw_string(json_writer *jw, const char *s);
/* Writes s[0..len) escaped. Bytes that are not valid UTF-8, and NUL, are written as U+FFFD, so
 * the output is always JSON that readers accept (text from the wire that no parser checked, e.g.
 * a rejected record kept raw); jw_string_is_exact() tells when that happens. */
void jw_string_n(json_writer *jw, const char *s, size_t len);
/* Whether jw_string_n() writes s exactly, so that a JSON reader gets the same bytes back: valid
 * UTF-8 and no NUL (which readers such as jansson refuse by default). */
bool jw_string_is_exact(const char *s, size_t len);
/* Writes already-valid JSON text verbatim (a number token, a nested document). */
void jw_raw(json_writer *jw, const char *json, size_t len);
void jw_int(json_writer *jw, int64_t v);
void jw_double(json_writer *jw, double v);
void jw_bool(json_writer *jw, bool v);
void jw_null(json_writer *jw);
/* Append bytes with no separator logic (e.g. a newline between NDJSON documents). */
void jw_append(json_writer *jw, const char *s, size_t len);

#endif
