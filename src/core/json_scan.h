/* json_scan: a strict, pull-style JSON scanner for the flat records on the ingest hot path.
 *
 * It accepts exactly what jansson 2.14 accepts with JSON_DECODE_ANY | JSON_REJECT_DUPLICATES and
 * without JSON_ALLOW_NUL: RFC 8259 syntax, UTF-8 checked byte by byte (no overlongs, no encoded
 * surrogates, nothing above U+10FFFF), \uXXXX escapes with paired surrogates only, no NUL in
 * strings, integers that fit int64, reals that do not overflow a double, whitespace only
 * space/tab/CR/LF, nothing after the value. A key named twice in one object is reported through
 * json_scan_duplicate() rather than as a failure, so callers can rank it after syntax errors;
 * objects marked with json_scan_fold_keys() compare their keys ignoring ASCII case.
 *
 * The caller walks the document: json_scan_value() reads a scalar or opens a container,
 * json_scan_key()/json_scan_item() step through it (json_scan_member() reads a key and its value
 * at once), json_scan_skip() validates and drops the rest of it, json_scan_end() checks that
 * nothing follows. Nothing is built.
 *
 * The document is copied into the scanner's scratch space once, then decoded in place: every
 * returned view is NUL-terminated (ptr[len] == 0) and stays valid until the next
 * json_scan_begin() or json_scan_destroy(). The copy also leaves a zero pad after the text, so
 * the inner loops read 8 bytes at a time and need no end-of-buffer checks.
 * Thread: a scanner belongs to one thread.
 */
#ifndef OFC_JSON_SCAN_H
#define OFC_JSON_SCAN_H

#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>

/* Keys and STRING views lie in the scanner's copy of the document, which stays readable for
 * JSON_SCAN_PAD bytes past the document's end: ptr[0..len + JSON_SCAN_PAD) may be read, so
 * callers can compare short names a machine word at a time. (Not for NUMBER views.) */
#define JSON_SCAN_PAD 16

typedef enum json_scan_type {
    JSON_SCAN_NULL = 0,
    JSON_SCAN_FALSE,
    JSON_SCAN_TRUE,
    JSON_SCAN_NUMBER,
    JSON_SCAN_STRING,
    JSON_SCAN_OBJECT, /* opened: walk it with json_scan_key() or drop it with json_scan_skip() */
    JSON_SCAN_ARRAY,  /* opened: walk it with json_scan_item() or drop it with json_scan_skip() */
} json_scan_type;

/* One value. ptr is NUL-terminated and borrowed (see above): a STRING decoded, a NUMBER token
 * verbatim, the literal "null" / "true" / "false", "" for a container. */
typedef struct json_scan_val {
    json_scan_type type;
    const char *ptr;
    size_t len;
    bool integer; /* NUMBER without fraction or exponent; it fits int64 */
} json_scan_val;

typedef struct json_scan json_scan;

/* max_depth bounds the nesting of containers (the outermost container is depth 1); beyond it the
 * document fails with OFC_REJECT_TOO_DEEP. Values below 1 mean 1. Free with json_scan_destroy(). */
json_scan *json_scan_new(int max_depth);
void json_scan_destroy(json_scan *js);

/* Start a document: copy len bytes of doc into scratch space and reset all state. */
void json_scan_begin(json_scan *js, const void *doc, size_t len);

/* Read the next value: the document's top-level value, an object member's value after
 * json_scan_key() returned 1, or an array element after json_scan_item() returned 1.
 * Returns false on a document error (json_scan_error() says which). */
bool json_scan_value(json_scan *js, json_scan_val *val);

/* Step to the next member of the innermost open object. Returns 1 with *key set (decoded,
 * NUL-terminated) and the ':' consumed, 0 when the object closed, -1 on a document error. */
int json_scan_key(json_scan *js, const char **key, size_t *key_len);

/* json_scan_key() and json_scan_value() in one call, the fast path for flat objects: 1 with the
 * key and its value read (a container value is opened, as by json_scan_value()), 0 when the
 * object closed, -1 on a document error. */
int json_scan_member(json_scan *js, const char **key, size_t *key_len, json_scan_val *val);

/* Step to the next element of the innermost open array: 1 if one follows, 0 when the array
 * closed, -1 on a document error. */
int json_scan_item(json_scan *js);

/* Validate and drop the rest of the innermost open container (and everything inside it). */
bool json_scan_skip(json_scan *js);

/* Validate and drop the next value whole (what json_scan_value() would have read). */
bool json_scan_skip_value(json_scan *js);

/* Compare the keys of the innermost open object ignoring ASCII case when looking for duplicates.
 * Call it right after json_scan_value() opened the object. */
void json_scan_fold_keys(json_scan *js);

/* After the top-level value: only whitespace may follow. False (a document error) otherwise. */
bool json_scan_end(json_scan *js);

/* Validate a whole document in one call; OFC_REJECT_NONE if it is valid JSON. Duplicate keys are
 * reported through json_scan_duplicate(), not in the result. */
ofc_reject json_scan_document(json_scan *js, const void *doc, size_t len);

/* The document error: OFC_REJECT_JSON_SYNTAX, _BAD_UTF8, _BAD_NUMBER or _TOO_DEEP; NONE if none
 * so far. After an error every call fails until the next json_scan_begin(). */
ofc_reject json_scan_error(const json_scan *js);

/* Byte offset in the document where the error was found (for diagnostics). */
size_t json_scan_error_offset(const json_scan *js);

/* Whether some object so far held a key twice (ignoring ASCII case where folded). */
bool json_scan_duplicate(const json_scan *js);

/* Containers currently open (0 at the top level). */
int json_scan_depth(const json_scan *js);

/* Whether s[0..len) is well-formed UTF-8 by the same rules the scanner applies to documents
 * (NUL bytes count as valid here; callers that forbid them check separately). */
bool json_scan_utf8_valid(const void *s, size_t len);

#endif
