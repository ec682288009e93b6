/* fuzz_ed25519: ed25519_vkey (src/core/ed25519_vkey.c) against libsodium, the oracle.
 *
 * The verifier's own Ed25519 check must accept exactly what crypto_sign_verify_detached
 * accepts. Random bytes almost never make a valid signature, so most inputs sign for real and
 * then damage what they signed. Byte 0 picks the mode:
 *   even: raw. 32-byte public key, 64-byte signature, the rest is the message;
 *   odd:  signed. A 32-byte seed makes a key that signs the message (the input after byte 97);
 *         bytes 33..96 are XORed into the signature; bit 1 of byte 0 adds L to s (the same
 *         point, a non-canonical scalar); bits 2-4 choose one of the small-order R encodings
 *         to put in place of R when bit 5 is set.
 * Oracle: same verdict as libsodium; a key ed25519_vkey_new refuses is one libsodium never
 * verifies with.
 */
#include "ed25519_vkey.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static const unsigned char small_r[8][32] = {
    {0},
    {1},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}, /* identity, "negative" x */
};

static void check(const unsigned char pk[32], const unsigned char sig[64], const unsigned char *msg,
                  size_t len)
{
    ed25519_vkey_err err = ED25519_VKEY_OK;
    ed25519_vkey *key = ed25519_vkey_new(pk, &err);
    bool theirs = crypto_sign_verify_detached(sig, msg, len, pk) == 0;
    bool ours = key ? ed25519_vkey_verify(key, sig, msg, len) : false;
    if (!key && (err == ED25519_VKEY_OK || !ed25519_vkey_err_str(err)))
        abort();
    if (ours != theirs)
        abort(); /* a verdict libsodium does not share */
    ed25519_vkey_destroy(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        ready = true;
    }
    if (size < 97)
        return 0;
    uint8_t mode = data[0];
    if (!(mode & 1)) {
        check(data + 1, data + 33, data + 97, size - 97);
        return 0;
    }
    unsigned char pk[32], sk[64], sig[64];
    crypto_sign_seed_keypair(pk, sk, data + 1);
    crypto_sign_detached(sig, NULL, data + 97, size - 97, sk);
    for (int i = 0; i < 64; i++)
        sig[i] ^= data[33 + i];
    if (mode & 2) {
        unsigned carry = 0;
        for (int i = 0; i < 32; i++) {
            unsigned v = sig[32 + i] + group_order[i] + carry;
            sig[32 + i] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    if (mode & 32)
        memcpy(sig, small_r[(mode >> 2) & 7], 32);
    check(pk, sig, data + 97, size - 97);
    sodium_memzero(sk, sizeof sk);
    return 0;
}
