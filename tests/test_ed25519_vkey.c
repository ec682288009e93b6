/* Tests for ed25519_vkey: the verifier's own Ed25519 check must give libsodium's verdict on
 * every input, honest or crafted. libsodium is the oracle throughout: random signatures with
 * random damage, non-canonical scalars, keys with a torsion component (which libsodium's
 * cofactorless check accepts when the torsion cancels), small-order R and A, and every kind of
 * bad key encoding.
 */
#include "ed25519_vkey.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static const unsigned char group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static const unsigned char identity[32] = {1};

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static bool sodium_verifies(const unsigned char sig[64], const unsigned char *msg, size_t len,
                            const unsigned char pk[32])
{
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

/* Random keys and messages, then the signature or message damaged in one of several ways. */
static void test_same_verdict_as_libsodium_on_random_signatures(void **state)
{
    (void)state;
    unsigned char pk[32], sk[64], other_pk[32], other_sk[64], sig[64], msg[400];
    int accepted = 0, rejected = 0;
    crypto_sign_keypair(other_pk, other_sk);
    for (int round = 0; round < 400; round++) {
        crypto_sign_keypair(pk, sk);
        ed25519_vkey_err err;
        ed25519_vkey *key = ed25519_vkey_new(pk, &err);
        assert_non_null(key);
        assert_int_equal(err, ED25519_VKEY_OK);
        size_t len = (size_t)round % sizeof msg;
        randombytes_buf(msg, sizeof msg);
        for (int damage = 0; damage < 6; damage++) {
            unsigned char s[64], m[sizeof msg];
            size_t mlen = len;
            crypto_sign_detached(sig, NULL, msg, len, sk);
            memcpy(s, sig, 64);
            memcpy(m, msg, sizeof msg);
            switch (damage) {
            case 0: break; /* intact */
            case 1:
                s[randombytes_uniform(32)] ^= (unsigned char)(1u << randombytes_uniform(8));
                break;
            case 2:
                s[32 + randombytes_uniform(32)] ^= (unsigned char)(1u << randombytes_uniform(8));
                break;
            case 3:
                if (len)
                    m[randombytes_uniform((uint32_t)len)] ^= 1;
                else
                    mlen = 1;
                break;
            case 4: crypto_sign_detached(s, NULL, msg, len, other_sk); break; /* another key */
            case 5: mlen = len + 1; break;                                    /* one more byte */
            }
            bool ours = ed25519_vkey_verify(key, s, m, mlen);
            bool theirs = sodium_verifies(s, m, mlen, pk);
            assert_int_equal(ours, theirs);
            if (ours)
                accepted++;
            else
                rejected++;
        }
        ed25519_vkey_destroy(key);
    }
    assert_int_equal(accepted, 400); /* every intact one, no damaged one */
    assert_int_equal(rejected, 400 * 5);
}

/* s + L is the same point but not a canonical scalar: libsodium refuses it, so must we. */
static void test_rejects_scalar_at_or_above_the_group_order(void **state)
{
    (void)state;
    unsigned char pk[32], sk[64], sig[64];
    const unsigned char msg[] = "ResetController";
    crypto_sign_keypair(pk, sk);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    ed25519_vkey *key = ed25519_vkey_new(pk, NULL);
    assert_non_null(key);
    assert_true(ed25519_vkey_verify(key, sig, msg, sizeof msg));
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned v = sig[32 + i] + group_order[i] + carry;
        sig[32 + i] = (unsigned char)v;
        carry = v >> 8;
    }
    assert_int_equal(carry, 0);
    assert_false(sodium_verifies(sig, msg, sizeof msg, pk));
    assert_false(ed25519_vkey_verify(key, sig, msg, sizeof msg));
    memcpy(sig + 32, group_order, 32); /* s = L exactly */
    assert_false(sodium_verifies(sig, msg, sizeof msg, pk));
    assert_false(ed25519_vkey_verify(key, sig, msg, sizeof msg));
    ed25519_vkey_destroy(key);
}

/* 8 * p with libsodium's point addition; false if libsodium does not take p as a point. */
static bool sodium_times8(unsigned char out[32], const unsigned char p[32])
{
    unsigned char t[32];
    memcpy(t, p, 32);
    for (int i = 0; i < 3; i++)
        if (crypto_core_ed25519_add(t, t, t) != 0)
            return false;
    memcpy(out, t, 32);
    return true;
}

/* Every encoding libsodium refuses as small order is one: 8 torsion points (5 y values, both
 * signs where x != 0) and y = p, p + 1. Each is refused as a key. */
static void test_small_order_keys_are_the_torsion_group(void **state)
{
    (void)state;
    static const char *const ys[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    unsigned char points[16][32];
    size_t distinct = 0;
    for (size_t i = 0; i < sizeof ys / sizeof ys[0]; i++) {
        for (int sign = 0; sign < 2; sign++) {
            unsigned char p[32], eight[32];
            assert_int_equal(sodium_hex2bin(p, 32, ys[i], 64, NULL, NULL, NULL), 0);
            p[31] |= (unsigned char)(sign << 7);
            ed25519_vkey_err err = ED25519_VKEY_OK;
            assert_null(ed25519_vkey_new(p, &err));
            assert_int_equal(err, ED25519_VKEY_SMALL_ORDER);
            /* x = 0 (y = +-1) has no negative: libsodium reads the sign bit as x = -0 = 0. */
            if (!sodium_times8(eight, p))
                continue;
            assert_memory_equal(eight, identity, 32);
            unsigned char canon[32];
            assert_int_equal(crypto_core_ed25519_add(canon, p, identity), 0);
            bool seen = false;
            for (size_t k = 0; k < distinct; k++)
                seen |= memcmp(points[k], canon, 32) == 0;
            if (!seen)
                memcpy(points[distinct++], canon, 32);
        }
    }
    assert_int_equal(distinct, 8); /* the whole torsion group */
    static const char *const noncanonical[] = {
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p = 0 */
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 = 1 */
    };
    for (size_t i = 0; i < 2; i++) {
        unsigned char p[32];
        assert_int_equal(sodium_hex2bin(p, 32, noncanonical[i], 64, NULL, NULL, NULL), 0);
        ed25519_vkey_err err = ED25519_VKEY_OK;
        assert_null(ed25519_vkey_new(p, &err));
        assert_int_equal(err, ED25519_VKEY_SMALL_ORDER);
    }
}

/* y values 2..199: ours decodes exactly those libsodium's point addition accepts, and refuses
 * y >= p that is not small order as non-canonical. */
static void test_key_decoding_agrees_with_libsodium(void **state)
{
    (void)state;
    int on_curve = 0, off_curve = 0;
    for (unsigned y = 2; y < 200; y++) {
        for (int sign = 0; sign < 2; sign++) {
            unsigned char p[32] = {0}, sum[32];
            p[0] = (unsigned char)y;
            p[31] = (unsigned char)(sign << 7);
            ed25519_vkey_err err = ED25519_VKEY_OK;
            ed25519_vkey *key = ed25519_vkey_new(p, &err);
            bool sodium_point = crypto_core_ed25519_add(sum, p, identity) == 0;
            assert_int_equal(key != NULL, sodium_point);
            if (key) {
                assert_memory_equal(sum, p, 32); /* P + 0 = P: same x sign, same y */
                on_curve++;
            } else {
                assert_int_equal(err, ED25519_VKEY_NOT_ON_CURVE);
                off_curve++;
            }
            ed25519_vkey_destroy(key);
        }
    }
    /* y = p + k, k = 2..18 (up to 2^255 - 1): encodings of small y that are not canonical. */
    for (unsigned k = 2; k <= 18; k++) {
        unsigned char nc[32];
        memset(nc, 0xff, 32);
        nc[31] = 0x7f;
        nc[0] = (unsigned char)(0xed + k);
        ed25519_vkey_err err = ED25519_VKEY_OK;
        assert_null(ed25519_vkey_new(nc, &err));
        assert_int_equal(err, ED25519_VKEY_NONCANONICAL);
    }
    assert_true(on_curve > 100 && off_curve > 100); /* about half of all y are on the curve */
}

/* The scalar a and the point A of a seed, as Ed25519 derives them. */
static void key_from_seed(unsigned char a[32], unsigned char pk[32], unsigned char sk[64],
                          const unsigned char seed[32])
{
    unsigned char h[64];
    crypto_hash_sha512(h, seed, 32);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    unsigned char wide[64] = {0};
    memcpy(wide, h, 32);
    crypto_core_ed25519_scalar_reduce(a, wide);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static void challenge(unsigned char h[32], const unsigned char r[32], const unsigned char pk[32],
                      const unsigned char *msg, size_t len)
{
    unsigned char digest[64];
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, r, 32);
    crypto_hash_sha512_update(&st, pk, 32);
    crypto_hash_sha512_update(&st, msg, len);
    crypto_hash_sha512_final(&st, digest);
    crypto_core_ed25519_scalar_reduce(h, digest);
}

/* A key A' = A + T with T of order 8. libsodium checks [s]B - [h]A' == R without the cofactor,
 * so a signature made with a's scalar verifies exactly when h = 0 (mod 8). And with R = the
 * identity and s = h a, the equation holds too, but libsodium refuses R as small order. */
static void test_mixed_order_key_and_small_order_r(void **state)
{
    (void)state;
    unsigned char seed[32], a[32], pk[32], sk[64], order8[32], mixed[32];
    memset(seed, 7, sizeof seed);
    key_from_seed(a, pk, sk, seed);
    assert_int_equal(
        sodium_hex2bin(order8, 32,
                       "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 64, NULL,
                       NULL, NULL),
        0);
    assert_int_equal(crypto_core_ed25519_add(mixed, pk, order8), 0);
    ed25519_vkey *key = ed25519_vkey_new(mixed, NULL);
    assert_non_null(key); /* not small order itself: a valid key for libsodium */

    int accepted = 0, rejected = 0, small_r = 0;
    for (uint32_t n = 0; n < 64 || accepted < 3 || small_r < 3; n++) {
        assert_true(n < 2000);
        unsigned char msg[16], r[32], big_r[32], h[32], ha[32], sig[64];
        memset(msg, 0, sizeof msg);
        memcpy(msg, &n, sizeof n);
        crypto_core_ed25519_scalar_random(r);
        assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(big_r, r), 0);
        challenge(h, big_r, mixed, msg, sizeof msg);
        crypto_core_ed25519_scalar_mul(ha, h, a);
        memcpy(sig, big_r, 32);
        crypto_core_ed25519_scalar_add(sig + 32, r, ha);
        bool theirs = sodium_verifies(sig, msg, sizeof msg, mixed);
        assert_int_equal(ed25519_vkey_verify(key, sig, msg, sizeof msg), theirs);
        assert_int_equal(theirs, (h[0] & 7) == 0);
        if (theirs)
            accepted++;
        else
            rejected++;

        /* R = identity, s = h a: [s]B - [h]A' = -[h]T, the identity when h = 0 (mod 8). */
        challenge(h, identity, mixed, msg, sizeof msg);
        if ((h[0] & 7) == 0) {
            memcpy(sig, identity, 32);
            crypto_core_ed25519_scalar_mul(sig + 32, h, a);
            assert_false(sodium_verifies(sig, msg, sizeof msg, mixed));
            assert_false(ed25519_vkey_verify(key, sig, msg, sizeof msg));
            small_r++;
        }
    }
    assert_true(rejected > 0);
    ed25519_vkey_destroy(key);
}

static void test_error_strings(void **state)
{
    (void)state;
    assert_string_equal(ed25519_vkey_err_str(ED25519_VKEY_OK), "valid");
    assert_string_equal(ed25519_vkey_err_str(ED25519_VKEY_SMALL_ORDER), "a small-order point");
    assert_string_equal(ed25519_vkey_err_str((ed25519_vkey_err)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_verdict_as_libsodium_on_random_signatures),
        cmocka_unit_test(test_rejects_scalar_at_or_above_the_group_order),
        cmocka_unit_test(test_small_order_keys_are_the_torsion_group),
        cmocka_unit_test(test_key_decoding_agrees_with_libsodium),
        cmocka_unit_test(test_mixed_order_key_and_small_order_r),
        cmocka_unit_test(test_error_strings),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
