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
    ofc_str value;             /* decoded string, number token verbatim, "true"/"false"; "" if null */
    int64_t timestamp_us;      /* attributes.timestamp / TIMESTAMP; 0 if absent or "UNAVAILABLE" */
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

/* limits may be NULL for the defaults. Owned by the caller; free with ofa_parser_destroy(). */
ofa_parser *ofa_parser_new(const ofa_limits *limits);
void ofa_parser_destroy(ofa_parser *parser);

/* An `ofa_assets` record. key is the Kafka key (NULL when absent), payload the Kafka value
 * (NULL for a tombstone). VALUE must be present (null allowed) and a scalar; ID a non-empty
 * string; TYPE a string; TAG a string when present; attributes an object when present, whose
 * `timestamp` (any case) is an ISO-8601 string, "UNAVAILABLE", or an epoch number. Unknown
 * fields are validated and ignored. Returns OFC_REJECT_NONE on success. */
ofc_reject ofa_parse_event(ofa_parser *parser, const void *key, size_t key_len,
                           const void *payload, size_t payload_len, ofa_event *out);

/* An ASSETS table (or enriched stream) row: key "ASSET|ID"; value with ASSET_UUID, ID, VALUE,
 * TYPE, TAG, TIMESTAMP (upper case on the wire, matched ignoring case). A tombstone (NULL
 * payload) is reported as OFC_REJECT_NULL_VALUE; the caller may treat it as a deletion. */
ofc_reject ofa_parse_table_event(ofa_parser *parser, const void *key, size_t key_len,
                                 const void *payload, size_t payload_len, ofa_event *out);

/* An asset_to_uns_map_topic record. A null payload is rejected (upstream never tombstones). */
ofc_reject ofa_parse_uns_map(ofa_parser *parser, const void *key, size_t key_len,
                             const void *payload, size_t payload_len, ofa_uns_map *out);

/* A single-column table row; column is the expected field name ("TYPE", "AVAILABILITY", ...),
 * matched ignoring case. A NULL payload is a tombstone (accepted). */
ofc_reject ofa_parse_table_value(ofa_parser *parser, const char *column, const void *key,
                                 size_t key_len, const void *payload, size_t payload_len,
                                 ofa_table_value *out);

/* Strip a "{namespace}" prefix from a TAG: "{urn:mtconnect.org:MTConnectStreams:2.2}Fault" ->
 * "Fault". Returns a view into tag. */
ofc_str ofa_tag_local_name(ofc_str tag);

#endif
