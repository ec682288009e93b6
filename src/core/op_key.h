/* op_key: an operator's Ed25519 signing key, in a file of its own, encrypted at rest.
 *
 * `ofc keygen` writes a key file (mode 0600, created exclusively) holding the operator identity,
 * the key id, the public key and the 32-byte seed sealed with a key derived from a passphrase
 * (Argon2id, libsodium crypto_pwhash; crypto_secretbox). `--no-passphrase` stores the seed in
 * clear for demos. Like ssh, loading refuses a file that group or others can access. The loaded
 * secret key lives in sodium_malloc() memory (guarded, locked, wiped on free).
 *
 * The key id names a key in signatures: the first 8 bytes of BLAKE2b-256 of the raw public key,
 * as 16 lower-case hex digits (docs/command-signing.md).
 */
#ifndef OFC_OP_KEY_H
#define OFC_OP_KEY_H

#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>

#define OFC_KEY_ID_LEN     16 /* hex digits */
#define OFC_PUBLIC_KEY_LEN 32
#define OFC_SIGNATURE_LEN  64
#define OFC_OPERATOR_MAX   128

typedef struct ofc_op_key ofc_op_key;

/* libsodium must be initialised once before any key or signature call (idempotent). */
bool ofc_crypto_init(void);

/* Operator identities: 1-128 characters of [A-Za-z0-9._@:-] (they appear in trust-store lines
 * and in header.sender_uuid). */
bool ofc_operator_id_valid(const char *id);

/* Key id of a raw public key into out[OFC_KEY_ID_LEN + 1]. */
void ofc_key_id(const unsigned char pk[OFC_PUBLIC_KEY_LEN], char *out);

/* Generate a key pair for operator and write it to path (refusing an existing file) and its
 * trust-store line to path + ".pub". passphrase NULL = stored in clear (demos). */
ofc_err ofc_op_key_generate(const char *operator_id, const char *path, const char *passphrase,
                            char *errstr, size_t errstr_size);

/* Does the key file need a passphrase? (false also when it cannot be read; load says why.) */
bool ofc_op_key_is_encrypted(const char *path);

/* Load and unlock. passphrase is ignored for a clear key. Refuses files others can access,
 * malformed files and wrong passphrases, each with its own message. Owned by the caller. */
ofc_err ofc_op_key_load(const char *path, const char *passphrase, ofc_op_key **out, char *errstr,
                        size_t errstr_size);
void ofc_op_key_destroy(ofc_op_key *key);

const char *ofc_op_key_operator(const ofc_op_key *key);
const char *ofc_op_key_id(const ofc_op_key *key);
const unsigned char *ofc_op_key_public(const ofc_op_key *key);
void ofc_op_key_sign(const ofc_op_key *key, const void *msg, size_t len,
                     unsigned char sig[OFC_SIGNATURE_LEN]);

/* The trust-store line for a public key: "ed25519 <base64> operator=<id>". Into buf. */
size_t ofc_trust_line(const unsigned char pk[OFC_PUBLIC_KEY_LEN], const char *operator_id,
                      char *buf, size_t size);

#endif
