/* ofa_record: parse the records OpenFactory writes to Kafka into flat, borrowed views.
 *
 * Covers every topic the console reads (wire §3): `ofa_assets` events in all producer casings
 * (SDK upper case, mtc2kafka lower case with namespaced tags, connectors), ksqlDB's ASSETS table
 * (key "ASSET|ID", upper-case columns, string VALUE, TIMESTAMP), the UNS map (upper-case
 * registration, lower-case null deregistration) and the single-column ksqlDB tables
 * (`{"TYPE":..}`, `{"AVAILABILITY":..}`, tombstones).
 *
 * Every byte is hostile until parsed: the parser validates the whole document as strict JSON
 * (RFC 8259, UTF-8, no NUL in strings, bounded depth), matches field names ignoring ASCII case,
 * rejects a field named twice (ignoring case), and returns an ofc_reject reason instead of
 * crashing. It is a purpose-built scanner for the flat record shape (jansson is ~30x slower on the
 * replay path); fuzz/fuzz_ofa_record.c checks it against jansson, byte for byte.
 *
 * Ownership: views point into the payload or into the parser's scratch space; they are valid
 * until the next parse call on the same parser or until the payload is freed.
 * Thread: a parser belongs to one thread.
 */
#ifndef OFC_OFA_RECORD_H
#define OFC_OFA_RECORD_H

#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed byte range; also NUL-terminated when produced by the parser (ptr[len] == 0). */
typedef struct ofc_str {
    const char *ptr;
    size_t len;
} ofc_str;

typedef enum ofc_value_kind {
    OFC_VALUE_NULL = 0,
    OFC_VALUE_STRING,
    OFC_VALUE_NUMBER,
    OFC_VALUE_BOOL,
} ofc_value_kind;

/* TYPE of an attribute (wire §5). Matched ignoring case; anything else is OTHER (kept). */
typedef enum ofc_attr_type {
    OFC_TYPE_SAMPLES = 0,
    OFC_TYPE_EVENTS,
    OFC_TYPE_CONDITION,
    OFC_TYPE_METHOD,
    OFC_TYPE_OPENFACTORY,
    OFC_TYPE_UNAVAILABLE, /* SDK placeholder */
    OFC_TYPE_OTHER,
} ofc_attr_type;

const char *ofc_attr_type_name(ofc_attr_type type); /* "Samples", ... "Other" */

/* One attribute event: an `ofa_assets` record or an ASSETS table row. */
typedef struct ofa_event {
    ofc_str asset_uuid;        /* key (ofa_assets) or ASSET_UUID / key before '|' (table) */
    ofc_str id;                /* ID, non-empty */
    ofc_attr_type type;        /* from TYPE */
    ofc_str type_text;         /* TYPE as sent (for OTHER) */
    ofc_str tag;               /* TAG as sent, may carry "{urn:...}"; empty if absent */
    ofc_value_kind value_kind; /* VALUE's JSON kind */
    ofc_str value;        /* decoded string, number token verbatim, "true"/"false"; "" if null */
    int64_t timestamp_us; /* attributes.timestamp / TIMESTAMP; 0 if absent or "UNAVAILABLE" */
} ofa_event;

#define OFA_UNS_MAX_LEVELS 16

/* One `asset_to_uns_map_topic` record (wire §3.4). */
typedef struct ofa_uns_map {
    ofc_str asset_uuid; /* key, or ASSET_UUID when the key is null */
    bool mapped;        /* false for deregistration (UNS_ID null) */
    ofc_str uns_id;     /* "" when not mapped */
    size_t level_count;
    ofc_str level_names[OFA_UNS_MAX_LEVELS];  /* in the order sent */
    ofc_str level_values[OFA_UNS_MAX_LEVELS]; /* non-string level values are rejected */
    int64_t updated_at_us;                    /* UPDATED_AT (epoch ms on the wire); 0 if absent */
} ofa_uns_map;

/* One row of a single-column ksqlDB table: assets_types_topic {"TYPE":..},
 * assets_avail_topic {"AVAILABILITY":..}, docker_services_topic {"DOCKER_SERVICE":..}. */
typedef struct ofa_table_value {
    ofc_str asset_uuid; /* key */
    bool tombstone;     /* null value: the row was deleted */
    ofc_str value;      /* the column's string value; "" for tombstones */
} ofa_table_value;

typedef struct ofa_limits {
    size_t max_key_bytes;   /* default 1024 */
    size_t max_value_bytes; /* whole payload; default 65536 */
    int max_depth;          /* nesting of containers in the payload; default 32 */
} ofa_limits;

typedef struct ofa_parser ofa_parser;

/* Rules common to the four parsers, in the order a record is judged (the first failing rule
 * gives the reason, so every record has exactly one):
 *  1. the key: NULL -> null_key where one is required; otherwise 1..max_key_bytes of UTF-8 with
 *     no byte below 0x20 and no DEL, else bad_key (ASSET_UUID standing in for a key obeys the
 *     same rules);
 *  2. the payload: NULL -> null_value (tombstone for ofa_parse_table_value); longer than
 *     max_value_bytes -> too_large;
 *  3. the document: json_syntax, bad_utf8 (also \u0000, raw NUL in a string, lone surrogates),
 *     bad_number (an integer token beyond int64, a real that overflows a double) or too_deep,
 *     whichever comes first in the text; then not_object;
 *  4. duplicate_field: a key twice in any object, and at the record level, in attributes and in
 *     UNS_LEVELS also twice ignoring ASCII case;
 *  5. the fields, in the order listed at each parser.
 * JSON null counts as absent for optional fields (TAG, attributes, timestamps). Timestamps: an
 * ISO-8601 string (ofc_time_parse), "UNAVAILABLE" in any case (0), or a JSON integer read as
 * epoch s/ms/us by magnitude (ofc_time_epoch_to_us); reals, booleans and INT64_MIN are
 * bad_timestamp.
 *
 * limits may be NULL for the defaults (a zero field also means its default). Owned by the
 * caller; free with ofa_parser_destroy(). */
ofa_parser *ofa_parser_new(const ofa_limits *limits);
void ofa_parser_destroy(ofa_parser *parser);

/* An `ofa_assets` record. key is the Kafka key (NULL when absent), payload the Kafka value
 * (NULL for a tombstone). VALUE must be present (null allowed) and a scalar; ID a non-empty
 * string; TYPE a string; TAG a string when present; attributes an object when present, whose
 * `timestamp` (any case) is an ISO-8601 string, "UNAVAILABLE", or an epoch number. Unknown
 * fields are validated and ignored. Returns OFC_REJECT_NONE on success. Fields are judged in this
 * order: ID (missing_id when absent or "", bad_id when not a string), TYPE (missing_type,
 * bad_type), VALUE (missing_value, bad_value), TAG (bad_tag), attributes (bad_attributes),
 * timestamp (bad_timestamp). On rejection *out is reset to empty views. */
ofc_reject ofa_parse_event(ofa_parser *parser, const void *key, size_t key_len, const void *payload,
                           size_t payload_len, ofa_event *out);

/* An ASSETS table (or enriched stream) row: key "ASSET|ID"; value with ASSET_UUID, ID, VALUE,
 * TYPE, TAG, TIMESTAMP (upper case on the wire, matched ignoring case). A tombstone (NULL
 * payload) is reported as OFC_REJECT_NULL_VALUE; the caller may treat it as a deletion. The asset
 * is ASSET_UUID (bad_field when not a string or null), else the key up to its first '|' (all of
 * it without one; null_key without a key, bad_key when empty); the ID is the ID field, else the
 * key after the '|' (missing_id when neither or empty); then TYPE, VALUE, TAG and TIMESTAMP as
 * for events. A key is optional when both columns are present. */
ofc_reject ofa_parse_table_event(ofa_parser *parser, const void *key, size_t key_len,
                                 const void *payload, size_t payload_len, ofa_event *out);

/* An asset_to_uns_map_topic record. A null payload is rejected (upstream never tombstones).
 * The asset is the key, else ASSET_UUID (null_key when both are missing; bad_field when
 * ASSET_UUID is neither a string nor null). UNS_ID null or absent means deregistered (mapped =
 * false); otherwise it must be a non-empty string (bad_field). UNS_LEVELS must be an object
 * when mapped and may be null or absent otherwise (bad_field); more than OFA_UNS_MAX_LEVELS
 * levels is too_large; level values must be strings, or null when deregistering (bad_field,
 * reported as ""). UPDATED_AT is a timestamp as above (epoch ms on the wire). */
ofc_reject ofa_parse_uns_map(ofa_parser *parser, const void *key, size_t key_len,
                             const void *payload, size_t payload_len, ofa_uns_map *out);

/* A single-column table row; column is the expected field name ("TYPE", "AVAILABILITY", ...),
 * matched ignoring case. A NULL payload is a tombstone (accepted), and so is the column set to
 * JSON null; a missing column or one that is not a string is bad_field. */
ofc_reject ofa_parse_table_value(ofa_parser *parser, const char *column, const void *key,
                                 size_t key_len, const void *payload, size_t payload_len,
                                 ofa_table_value *out);

/* Strip a "{namespace}" prefix from a TAG: "{urn:mtconnect.org:MTConnectStreams:2.2}Fault" ->
 * "Fault". Returns a view into tag. */
ofc_str ofa_tag_local_name(ofc_str tag);

#endif
