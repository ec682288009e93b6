/* fuzz_ed25519: ed25519_vkey (src/core/ed25519_vkey.c) against libsodium, the oracle.
 *
 * The verifier's own Ed25519 check must accept exactly what crypto_sign_verify_detached
 * accepts. Random bytes almost never make a valid signature, so most inputs sign for real and
 * then damage what they signed. Byte 0 picks the mode:
 *   even: raw. 32-byte public key, 64-byte signature, the rest is the message;
 *   odd:  signed. A 32-byte seed makes a key that signs the message (the input after byte 97);
 *         bytes 33..96 are XORed into the signature; bit 1 of byte 0 adds L to s (the same
 *         point, a non-canonical scalar); bits 2-5 choose one of the small-order R encodings
 *         to put in place of R when bit 6 is set.
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

/* The small-order R encodings libsodium refuses, derived rather than copied from the module
 * under test: the 8 multiples of one order-8 point, computed with libsodium's own point addition,
 * and the non-canonical y = p and y = p + 1. */
#define SMALL_R_COUNT 10
static unsigned char small_r[SMALL_R_COUNT][32];

static void small_r_init(void)
{
    static const unsigned char order8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
                                             0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
                                             0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
                                             0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
    memcpy(small_r[0], order8, 32);
    for (int k = 1; k < 8; k++)
        if (crypto_core_ed25519_add(small_r[k], small_r[k - 1], order8) != 0)
            abort();
    for (int k = 8; k < 10; k++) {
        memset(small_r[k], 0xff, 32);
        small_r[k][0] = (unsigned char)(0xed + (k - 8));
        small_r[k][31] = 0x7f;
    }
}

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
        small_r_init();
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
    if (mode & 64)
        memcpy(sig, small_r[((mode >> 2) & 15) % SMALL_R_COUNT], 32);
    check(pk, sig, data + 97, size - 97);
    sodium_memzero(sk, sizeof sk);
    return 0;
}
