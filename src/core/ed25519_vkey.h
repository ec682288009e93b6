/* ed25519_vkey: Ed25519 signature verification for the keys a trust store holds, about 1.8 times
 * as fast as libsodium's crypto_sign_verify_detached and with the same verdict on every input.
 *
 * Why it exists: a gateway verifies many commands signed by few keys. libsodium (1.0.18) checks
 * each signature with a double scalar multiplication that recomputes everything about the public
 * key every time (decompression, a window table, ~250 doublings). Here each trusted key is
 * decoded once and given a fixed-base table, as libsodium has for the base point, so a check is
 * two table walks (~128 point additions, 4 doublings, one inversion) plus SHA-512.
 *
 * The verdict is libsodium 1.0.18's (not its ED25519_COMPAT build): the cofactorless equation
 * encode([s]B - [h]A) == R byte for byte, h = SHA-512(R || A || M) mod L, and the same strictness:
 * s must be below L, R and A must not be small-order encodings (sign bit ignored), A must be a
 * canonical encoding of a curve point. Tests and a fuzz target compare both on crafted inputs.
 *
 * Signing stays libsodium's. Everything here handles public data only (keys, signatures,
 * messages), so it is variable-time by design; no secret ever passes through it.
 * Thread: a key may be shared by threads once made; the base table is built once (pthread_once).
 */
#ifndef OFC_ED25519_VKEY_H
#define OFC_ED25519_VKEY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ed25519_vkey ed25519_vkey;

typedef enum ed25519_vkey_err {
    ED25519_VKEY_OK = 0,
    ED25519_VKEY_NONCANONICAL, /* y >= p: libsodium refuses such a key */
    ED25519_VKEY_NOT_ON_CURVE, /* no x for this y */
    ED25519_VKEY_SMALL_ORDER,  /* a torsion point, or y = p, p + 1: any signature would do */
} ed25519_vkey_err;

const char *ed25519_vkey_err_str(ed25519_vkey_err err);

/* Decode a 32-byte public key and build its table (~30 KB, ~0.3 ms). Returns NULL and sets *err
 * (if err is not NULL) for a key libsodium would never accept a signature from. Owned by the
 * caller. */
ed25519_vkey *ed25519_vkey_new(const unsigned char pk[32], ed25519_vkey_err *err);
void ed25519_vkey_destroy(ed25519_vkey *key);

/* Is sig (64 bytes) a valid signature of msg by this key? */
bool ed25519_vkey_verify(const ed25519_vkey *key, const unsigned char sig[64],
                         const unsigned char *msg, size_t len);

#endif
