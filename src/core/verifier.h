/* verifier: decide whether an ofa_assets command record may be executed, and say why not.
 *
 * For a gateway or executor (the virtual plant is the reference one) and for `ofc verify`. In
 * order, a record must be: within the size limit; a strict OpenFactory command record (ID
 * "<method>_CMD", TYPE OpenFactory, TAG Method.Command, VALUE a JSON envelope with exactly
 * header{correlation_id, sender_uuid, timestamp, signature} and arguments{string: string});
 * signed ("ed25519:<key id>:<base64>"); by a trusted key; bound to the sender it claims; with a
 * valid signature over the canonical bytes (command.h); timestamped within the window; never
 * seen before (correlation id); and allowed by the key's policy for this method and asset.
 * The first failure is the verdict; each has a stable name.
 *
 * Correlation ids are compared as UUIDs (ignoring the case of hex digits). The replay cache
 * remembers them for window + future skew (any_order: up to its bound). Past its size bound the
 * oldest ids are dropped and the window's floor rises with them, so a dropped id can never be
 * replayed: a command older than the floor is expired.
 */
#ifndef OFC_VERIFIER_H
#define OFC_VERIFIER_H

#include "trust_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFC_VERDICT_LIST(X)                                                                       \
    X(VALID, "valid", "signed by a trusted operator and allowed")                                 \
    X(OVERSIZED, "oversized", "the record exceeds the size limit")                                \
    X(BAD_RECORD, "bad_record", "not a well-formed OpenFactory command record")                   \
    X(NOT_COMMAND, "not_command", "the record's ID does not end in _CMD")                         \
    X(BAD_ENVELOPE, "bad_envelope", "VALUE is not a JSON CommandEnvelope")                        \
    X(EXTRA_FIELD, "extra_field", "the envelope has a field it must not have")                    \
    X(MISSING_FIELD, "missing_field", "the envelope lacks a required field")                      \
    X(BAD_ARGUMENT, "bad_argument", "an argument is not a string")                                \
    X(BAD_CORRELATION_ID, "bad_correlation_id", "header.correlation_id is not a UUID")            \
    X(BAD_TIMESTAMP, "bad_timestamp", "header.timestamp is not an ISO-8601 time")                 \
    X(UNSIGNED, "unsigned", "header.signature is missing or null")                                \
    X(BAD_SIGNATURE_FORMAT, "bad_signature_format", "header.signature is not ed25519:<id>:<b64>") \
    X(UNKNOWN_KEY, "unknown_key", "the signing key is not in the trust store")                    \
    X(KEY_NOT_BOUND, "key_not_bound", "the key belongs to another operator than sender_uuid")     \
    X(BAD_SIGNATURE, "bad_signature", "the signature does not match the command")                 \
    X(EXPIRED, "expired", "the command is older than the window")                                 \
    X(FUTURE, "future", "the command is dated in the future beyond the allowed skew")             \
    X(REPLAYED, "replayed", "this correlation id was seen before")                                \
    X(POLICY_DENIED, "policy_denied", "the key may not invoke this method on this asset")

typedef enum ofc_verdict {
#define OFC_VERDICT_ENUM(name, label, desc) OFC_VERDICT_##name,
    OFC_VERDICT_LIST(OFC_VERDICT_ENUM)
#undef OFC_VERDICT_ENUM
        OFC_VERDICT__COUNT
} ofc_verdict;

const char *ofc_verdict_name(ofc_verdict v); /* "valid", "replayed", ... */
const char *ofc_verdict_str(ofc_verdict v);

typedef struct ofc_verifier_opts {
    int64_t window_us;       /* oldest accepted age; default 120 s */
    int64_t future_us;       /* largest accepted clock skew ahead; default 30 s */
    size_t max_record_bytes; /* default 65536 */
    size_t max_remembered;   /* replay cache bound; default 1,000,000 ids */
    /* Records are judged out of time order (an audit reading partition after partition, or an
     * export's lines): keep ids up to max_remembered whatever their age, instead of for the
     * window only, so a replay is found in any order. */
    bool any_order;
} ofc_verifier_opts;

/* What the record says, as far as it could be read. Borrowed from the verifier: valid until the
 * next check. Strings are stripped as the receiver strips them. */
typedef struct ofc_command_info {
    const char *target;
    const char *method;
    const char *correlation_id;
    const char *sender;
    const char *timestamp;
    const char *reason;
    const char *key_id;
    int64_t timestamp_us;
    size_t arg_count;
    const char *arg_names[64];
    const char *arg_values[64];
    ofc_policy policy; /* why, for OFC_VERDICT_POLICY_DENIED */
    bool empty_value;  /* VALUE was "": upstream's start-up records (wire §6.2), not a command */
} ofc_command_info;

typedef struct ofc_verifier ofc_verifier;

/* trust is borrowed and must outlive the verifier; opts may be NULL. Owned by the caller. */
ofc_verifier *ofc_verifier_new(const ofc_trust *trust, const ofc_verifier_opts *opts);
void ofc_verifier_destroy(ofc_verifier *v);
/* Judge from now on with another trust store (a reloaded file), keeping the replay cache: a
 * reload must not reopen the window for commands already accepted. trust is borrowed. */
void ofc_verifier_set_trust(ofc_verifier *v, const ofc_trust *trust);

/* Check one record. uns_id is the target's UNS path if known (for uns= policies). now_us is
 * the verifier's clock: the current time for an executor, the record's Kafka time for an audit
 * of an old log. A valid command's correlation id is remembered. info may be NULL. */
ofc_verdict ofc_verifier_check(ofc_verifier *v, const void *key, size_t key_len,
                               const void *payload, size_t payload_len, const char *uns_id,
                               int64_t now_us, ofc_command_info *info);

/* Remember a correlation id that a genuine command used elsewhere (read back from the log,
 * e.g. accepted by another gateway replica), so that a replay of it here is refused as well.
 * Ids older than the window are not kept: the time check refuses them. */
void ofc_verifier_note_seen(ofc_verifier *v, const char *correlation_id, int64_t timestamp_us,
                            int64_t now_us);

#endif
