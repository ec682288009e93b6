/* ofc_err: the one error enum of ofconsole, and the reasons a record from Kafka is rejected.
 *
 * Both lists are X-macros so the enum, its name table and its description table cannot drift.
 * OFC_OK is 0 and every failure is positive. Rejection reasons are counted per reason by the feed
 * and shown to users (status line, /metrics, `ofc snapshot`), so their names are a stable
 * interface.
 */
#ifndef OFC_ERR_H
#define OFC_ERR_H

#define OFC_ERR_LIST(X)                \
    X(OK, "success")                   \
    X(INVALID_ARG, "invalid argument") \
    X(CONFIG, "invalid configuration") \
    X(KAFKA, "Kafka client error")     \
    X(IO, "input/output error")        \
    X(PARSE, "malformed input")        \
    X(TIMEOUT, "timed out")            \
    X(NOT_FOUND, "not found")          \
    X(LIMIT, "limit reached")          \
    X(STATE, "operation not valid in this state")

typedef enum ofc_err {
#define OFC_ERR_ENUM(name, desc) OFC_ERR_##name,
    OFC_ERR_LIST(OFC_ERR_ENUM)
#undef OFC_ERR_ENUM
        OFC_ERR__COUNT
} ofc_err;

#define OFC_OK OFC_ERR_OK

/* Why a record was rejected. Each is counted; ingest goes on with the next record. */
#define OFC_REJECT_LIST(X)                                                                         \
    X(NONE, "none", "accepted")                                                                    \
    X(NULL_KEY, "null_key", "record has no key (asset uuid)")                                      \
    X(BAD_KEY, "bad_key", "key is empty, too long, not UTF-8 or has control characters")           \
    X(NULL_VALUE, "null_value", "record has no value where one is required")                       \
    X(TOO_LARGE, "too_large", "record or field exceeds the size limit")                            \
    X(JSON_SYNTAX, "json_syntax", "value is not valid JSON")                                       \
    X(BAD_UTF8, "bad_utf8", "string is not valid UTF-8 or holds a NUL")                            \
    X(BAD_NUMBER, "bad_number", "number out of range: integer beyond int64 or real beyond double") \
    X(NOT_OBJECT, "not_object", "value is not a JSON object")                                      \
    X(TOO_DEEP, "too_deep", "JSON nesting exceeds the depth limit")                                \
    X(DUPLICATE_FIELD, "duplicate_field", "a field appears twice (names compared ignoring case)")  \
    X(MISSING_ID, "missing_id", "ID field missing or empty")                                       \
    X(BAD_ID, "bad_id", "ID is not a string")                                                      \
    X(MISSING_TYPE, "missing_type", "TYPE field missing")                                          \
    X(BAD_TYPE, "bad_type", "TYPE is not a string")                                                \
    X(MISSING_VALUE, "missing_value", "VALUE field missing")                                       \
    X(BAD_VALUE, "bad_value", "VALUE is an object or array, not a scalar")                         \
    X(BAD_TAG, "bad_tag", "TAG is not a string")                                                   \
    X(BAD_ATTRIBUTES, "bad_attributes", "attributes is not an object")                             \
    X(BAD_TIMESTAMP, "bad_timestamp", "timestamp is neither ISO-8601 nor epoch ms/us")             \
    X(BAD_FIELD, "bad_field", "a table field has the wrong type")                                  \
    X(LIMIT_ASSETS, "limit_assets", "too many distinct assets (max_assets)")                       \
    X(LIMIT_ATTRIBUTES, "limit_attributes", "too many attributes on one asset")

typedef enum ofc_reject {
#define OFC_REJECT_ENUM(name, label, desc) OFC_REJECT_##name,
    OFC_REJECT_LIST(OFC_REJECT_ENUM)
#undef OFC_REJECT_ENUM
        OFC_REJECT__COUNT
} ofc_reject;

/* Short description of an error, e.g. "timed out". Never NULL. */
const char *ofc_err_str(ofc_err err);
/* Symbolic name, e.g. "OFC_ERR_TIMEOUT". Never NULL. */
const char *ofc_err_name(ofc_err err);

/* Stable snake_case label of a rejection reason, e.g. "json_syntax". Never NULL. */
const char *ofc_reject_name(ofc_reject reason);
/* One-line explanation of a rejection reason. Never NULL. */
const char *ofc_reject_str(ofc_reject reason);

#endif
