/* command: OpenFactory commands (wire §6.2), signed by the operator (wire §7).
 *
 * A command is an ordinary ofa_assets record: key = target asset uuid, ID "<method>_CMD", TYPE
 * "OpenFactory", TAG "Method.Command", VALUE = the CommandEnvelope serialised to a JSON string,
 * attributes.timestamp set. The envelope forbids extra fields, so the signature travels inside
 * header.signature as "ed25519:<key id>:<base64 signature>", and the operator's reason in the
 * record's attributes map as "ofc_reason", which executors ignore.
 *
 * The signed bytes are a canonical, length-prefixed form of target, method, correlation id,
 * sender, timestamp, reason and the arguments sorted by name, every string stripped of the
 * whitespace Python's str.strip() removes (the receiver strips, so signer and verifier must
 * agree on the stripped text). docs/command-signing.md specifies it with test vectors.
 */
#ifndef OFC_COMMAND_H
#define OFC_COMMAND_H

#include "json_writer.h"
#include "ofa_record.h"
#include "ofc_err.h"
#include "op_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFC_CMD_MAX_ARGS  64
#define OFC_CMD_MAX_TEXT  4096 /* any one string: target, argument value, reason */
#define OFC_CMD_DOMAIN    "ofconsole-command-v1"
#define OFC_SIGNATURE_ALG "ed25519"
#define OFC_REASON_ATTR   "ofc_reason"

/* What a signature covers. Views are borrowed; they need not be stripped (canonical strips). */
typedef struct ofc_command_content {
    ofc_str target;
    ofc_str method; /* without the _CMD suffix */
    ofc_str correlation_id;
    ofc_str sender;
    ofc_str timestamp; /* header.timestamp exactly as written in the envelope */
    ofc_str reason;
    size_t arg_count;
    ofc_str arg_names[OFC_CMD_MAX_ARGS];
    ofc_str arg_values[OFC_CMD_MAX_ARGS];
} ofc_command_content;

/* Strip what Python's str.strip() strips (Unicode White_Space and \x1c-\x1f) from both ends of
 * UTF-8 text. */
ofc_str ofc_strip_py(ofc_str s);

/* Append the canonical bytes of c to out (its buffer is used as a plain byte buffer). Fails
 * with OFC_ERR_INVALID_ARG when two arguments have the same name after stripping. */
ofc_err ofc_command_canonical(const ofc_command_content *c, json_writer *out);

/* A random (version 4) UUID, lower case: out[37]. */
void ofc_uuid4(char *out);
/* Is s a UUID in the 8-4-4-4-12 hex form? */
bool ofc_uuid_valid(const char *s, size_t len);

typedef struct ofc_signed_command {
    char correlation_id[37];
    char timestamp[40]; /* header.timestamp */
    char *target;       /* the record key */
    char *record;       /* the whole ofa_assets record as JSON */
    size_t record_len;
} ofc_signed_command;

/* Build and sign a command with key (the sender is the key's operator). Arguments and reason are
 * stripped first so what is sent is what is signed. now_us gives the timestamps. On success
 * out owns its strings: ofc_signed_command_fini(). */
ofc_err ofc_command_sign(const ofc_op_key *key, const char *target, const char *method,
                         size_t arg_count, const char *const arg_names[],
                         const char *const arg_values[], const char *reason, int64_t now_us,
                         ofc_signed_command *out, char *errstr, size_t errstr_size);
void ofc_signed_command_fini(ofc_signed_command *cmd);

#endif
