/* ed25519_vkey: variable-time Ed25519 verification with a fixed-base table per public key.
 *
 * Field elements of GF(2^255 - 19) are five 51-bit limbs, multiplied with 128-bit products. Points
 * are twisted Edwards (a = -1) in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, T = XY/Z;
 * table entries are affine (y+x, y-x, 2dxy), so adding one costs 7 multiplications
 * (Hisil-Wong-Carter-Dawson 2008). A scalar is read as 64 signed radix-16 digits in [-8, 8]; the
 * table of a point P holds (k+1) * 16^(2j) * P for j < 32, k < 8, and
 *   [a]P = 16 * sum_j e[2j+1] 16^(2j) P + sum_j e[2j] 16^(2j) P,
 * so [s]B + [h](-A) is 128 table additions and 4 doublings. The curve constants (d, sqrt(-1), the
 * base point from y = 4/5) are derived at start-up from their definitions, not typed in.
 */
#include "ed25519_vkey.h"

#include "xmalloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;
typedef uint64_t fe[5];

#define LIMB_MASK ((((uint64_t)1) << 51) - 1)
#define ROWS      32 /* 16^(2j) for j < 32 covers 256-bit scalars */
#define COLS      8  /* digit magnitudes 1..8 */

typedef struct ge_ext {
    fe X, Y, Z, T;
} ge_ext;

typedef struct ge_niels {
    fe ypx, ymx, xy2d;
} ge_niels;

struct ed25519_vkey {
    unsigned char pk[32];
    ge_niels table[ROWS][COLS]; /* of -A: verification adds [h](-A) */
};

/* ---- field arithmetic ---------------------------------------------------------------------- */

/* Limbs may grow past 51 bits between reductions; every function below accepts limbs below 2^52
 * and leaves them there (fe_carry's output is below 2^51 + 2^18). */
static void fe_carry(fe h)
{
    uint64_t c;
    c = h[0] >> 51, h[0] &= LIMB_MASK, h[1] += c;
    c = h[1] >> 51, h[1] &= LIMB_MASK, h[2] += c;
    c = h[2] >> 51, h[2] &= LIMB_MASK, h[3] += c;
    c = h[3] >> 51, h[3] &= LIMB_MASK, h[4] += c;
    c = h[4] >> 51, h[4] &= LIMB_MASK, h[0] += 19 * c;
}

static void fe_set_small(fe h, uint64_t v)
{
    memset(h, 0, sizeof(fe));
    h[0] = v;
}

static void fe_copy(fe h, const fe f)
{
    memcpy(h, f, sizeof(fe));
}

static void fe_add(fe h, const fe f, const fe g)
{
    for (int i = 0; i < 5; i++)
        h[i] = f[i] + g[i];
    fe_carry(h);
}

/* f - g computed as f + 4p - g, which keeps every limb positive for g below 2^53 - 76. */
static void fe_sub(fe h, const fe f, const fe g)
{
    h[0] = f[0] + ((((uint64_t)1) << 53) - 76) - g[0];
    for (int i = 1; i < 5; i++)
        h[i] = f[i] + ((((uint64_t)1) << 53) - 4) - g[i];
    fe_carry(h);
}

static void fe_neg(fe h, const fe f)
{
    static const fe zero = {0, 0, 0, 0, 0};
    fe_sub(h, zero, f);
}

/* Reduce five 128-bit column sums into h. */
static void fe_reduce_wide(fe h, u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
    r1 += (uint64_t)(r0 >> 51);
    r2 += (uint64_t)(r1 >> 51);
    r3 += (uint64_t)(r2 >> 51);
    r4 += (uint64_t)(r3 >> 51);
    uint64_t top = (uint64_t)(r4 >> 51);
    u128 low = (u128)((uint64_t)r0 & LIMB_MASK) + (u128)top * 19;
    h[0] = (uint64_t)low & LIMB_MASK;
    h[1] = ((uint64_t)r1 & LIMB_MASK) + (uint64_t)(low >> 51);
    h[2] = (uint64_t)r2 & LIMB_MASK;
    h[3] = (uint64_t)r3 & LIMB_MASK;
    h[4] = (uint64_t)r4 & LIMB_MASK;
}

/* 2^255 = 19 (mod p): a product's columns 5..8 fold into 0..3 times 19. */
static void fe_mul(fe h, const fe f, const fe g)
{
    uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
    uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    u128 r0 =
        (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
    u128 r1 =
        (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
    u128 r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
    u128 r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
    u128 r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
    fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

static void fe_sq(fe h, const fe f)
{
    uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3;
    uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    u128 r0 = (u128)f0 * f0 + (u128)f1_2 * f4_19 + (u128)f2_2 * f3_19;
    u128 r1 = (u128)f0_2 * f1 + (u128)f2_2 * f4_19 + (u128)f3 * f3_19;
    u128 r2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_2 * f4_19;
    u128 r3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4 * f4_19;
    u128 r4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
    fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

static void fe_sq_times(fe h, const fe f, int n)
{
    fe_sq(h, f);
    while (--n > 0)
        fe_sq(h, h);
}

static uint64_t load_le64(const unsigned char *s)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | s[i];
    return v;
}

static void store_le64(unsigned char *s, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        s[i] = (unsigned char)v;
}

/* The low 255 bits of s; the top bit (a point's sign of x) is the caller's. */
static void fe_frombytes(fe h, const unsigned char s[32])
{
    h[0] = load_le64(s) & LIMB_MASK;
    h[1] = (load_le64(s + 6) >> 3) & LIMB_MASK;
    h[2] = (load_le64(s + 12) >> 6) & LIMB_MASK;
    h[3] = (load_le64(s + 19) >> 1) & LIMB_MASK;
    h[4] = (load_le64(s + 24) >> 12) & LIMB_MASK;
}

/* The unique representative below p, little-endian. */
static void fe_tobytes(unsigned char s[32], const fe f)
{
    fe t;
    fe_copy(t, f);
    fe_carry(t);
    fe_carry(t); /* now t < 2^255 + 2^18 < 2p */
    /* q = 1 exactly when t >= p, i.e. when t + 19 reaches 2^255. */
    uint64_t q = (t[0] + 19) >> 51;
    q = (t[1] + q) >> 51;
    q = (t[2] + q) >> 51;
    q = (t[3] + q) >> 51;
    q = (t[4] + q) >> 51;
    t[0] += 19 * q;
    t[1] += t[0] >> 51, t[0] &= LIMB_MASK;
    t[2] += t[1] >> 51, t[1] &= LIMB_MASK;
    t[3] += t[2] >> 51, t[2] &= LIMB_MASK;
    t[4] += t[3] >> 51, t[3] &= LIMB_MASK;
    t[4] &= LIMB_MASK; /* drops q * 2^255: t - q * p */
    store_le64(s, t[0] | (t[1] << 51));
    store_le64(s + 8, (t[1] >> 13) | (t[2] << 38));
    store_le64(s + 16, (t[2] >> 26) | (t[3] << 25));
    store_le64(s + 24, (t[3] >> 39) | (t[4] << 12));
}

static bool fe_is_zero(const fe f)
{
    unsigned char s[32];
    fe_tobytes(s, f);
    unsigned char any = 0;
    for (int i = 0; i < 32; i++)
        any |= s[i];
    return any == 0;
}

static bool fe_is_negative(const fe f)
{
    unsigned char s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

/* z^(2^250 - 1), and z^11 on the way (both exponents below need it). */
static void fe_pow_2_250_minus_1(fe out, fe z11, const fe z)
{
    fe z2, z9, t, z_5_0, z_10_0, z_20_0, z_50_0, z_100_0;
    fe_sq(z2, z);                 /* 2 */
    fe_sq_times(t, z2, 2);        /* 8 */
    fe_mul(z9, t, z);             /* 9 */
    fe_mul(z11, z9, z2);          /* 11 */
    fe_sq(t, z11);                /* 22 */
    fe_mul(z_5_0, t, z9);         /* 31 = 2^5 - 1 */
    fe_sq_times(t, z_5_0, 5);     /* 2^10 - 2^5 */
    fe_mul(z_10_0, t, z_5_0);     /* 2^10 - 1 */
    fe_sq_times(t, z_10_0, 10);   /* 2^20 - 2^10 */
    fe_mul(z_20_0, t, z_10_0);    /* 2^20 - 1 */
    fe_sq_times(t, z_20_0, 20);   /* 2^40 - 2^20 */
    fe_mul(t, t, z_20_0);         /* 2^40 - 1 */
    fe_sq_times(t, t, 10);        /* 2^50 - 2^10 */
    fe_mul(z_50_0, t, z_10_0);    /* 2^50 - 1 */
    fe_sq_times(t, z_50_0, 50);   /* 2^100 - 2^50 */
    fe_mul(z_100_0, t, z_50_0);   /* 2^100 - 1 */
    fe_sq_times(t, z_100_0, 100); /* 2^200 - 2^100 */
    fe_mul(t, t, z_100_0);        /* 2^200 - 1 */
    fe_sq_times(t, t, 50);        /* 2^250 - 2^50 */
    fe_mul(out, t, z_50_0);       /* 2^250 - 1 */
}

/* z^(p - 2) = z^(2^255 - 21) = z^-1 for z != 0. */
static void fe_invert(fe out, const fe z)
{
    fe t, z11;
    fe_pow_2_250_minus_1(t, z11, z);
    fe_sq_times(t, t, 5); /* 2^255 - 32 */
    fe_mul(out, t, z11);  /* 2^255 - 21 */
}

/* z^((p - 5) / 8) = z^(2^252 - 3): the square-root exponent for p = 5 (mod 8). */
static void fe_pow_p58(fe out, const fe z)
{
    fe t, z11;
    fe_pow_2_250_minus_1(t, z11, z);
    fe_sq_times(t, t, 2); /* 2^252 - 4 */
    fe_mul(out, t, z);    /* 2^252 - 3 */
}

/* ---- curve constants ----------------------------------------------------------------------- */

static fe curve_d, curve_2d, sqrt_m1;
static ge_niels base_table[ROWS][COLS];
static pthread_once_t constants_once = PTHREAD_ONCE_INIT;

/* ---- group operations ---------------------------------------------------------------------- */

static void ge_identity(ge_ext *r)
{
    fe_set_small(r->X, 0);
    fe_set_small(r->Y, 1);
    fe_set_small(r->Z, 1);
    fe_set_small(r->T, 0);
}

/* dbl-2008-hwcd with a = -1: 4M + 4S. */
static void ge_double(ge_ext *r, const ge_ext *p)
{
    fe a, b, c, e, f, g, h, t;
    fe_sq(a, p->X);
    fe_sq(b, p->Y);
    fe_sq(c, p->Z);
    fe_add(c, c, c);
    fe_add(t, p->X, p->Y);
    fe_sq(e, t);
    fe_sub(e, e, a);
    fe_sub(e, e, b); /* 2XY */
    fe_sub(g, b, a); /* -A + B */
    fe_sub(f, g, c);
    fe_add(h, a, b);
    fe_neg(h, h); /* -A - B */
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

/* add-2008-hwcd-3, a = -1, k = 2d, with both points in extended coordinates (table building). */
static void ge_add(ge_ext *r, const ge_ext *p, const ge_ext *q)
{
    fe a, b, c, d, e, f, g, h, t;
    fe_sub(a, p->Y, p->X);
    fe_sub(t, q->Y, q->X);
    fe_mul(a, a, t);
    fe_add(b, p->Y, p->X);
    fe_add(t, q->Y, q->X);
    fe_mul(b, b, t);
    fe_mul(c, p->T, q->T);
    fe_mul(c, c, curve_2d);
    fe_mul(d, p->Z, q->Z);
    fe_add(d, d, d);
    fe_sub(e, b, a);
    fe_sub(f, d, c);
    fe_add(g, d, c);
    fe_add(h, b, a);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

/* r = p + q (negate: p - q) for an affine table entry q: 7M. */
static void ge_add_niels(ge_ext *r, const ge_ext *p, const ge_niels *q, bool negate)
{
    fe a, b, c, d, e, f, g, h;
    fe_sub(a, p->Y, p->X);
    fe_mul(a, a, negate ? q->ypx : q->ymx);
    fe_add(b, p->Y, p->X);
    fe_mul(b, b, negate ? q->ymx : q->ypx);
    fe_mul(c, p->T, q->xy2d);
    fe_add(d, p->Z, p->Z);
    fe_sub(e, b, a);
    fe_add(h, b, a);
    if (negate) {
        fe_add(f, d, c);
        fe_sub(g, d, c);
    } else {
        fe_sub(f, d, c);
        fe_add(g, d, c);
    }
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

static void ge_encode(unsigned char s[32], const ge_ext *p)
{
    fe zinv, x, y;
    fe_invert(zinv, p->Z);
    fe_mul(x, p->X, zinv);
    fe_mul(y, p->Y, zinv);
    fe_tobytes(s, y);
    s[31] |= (unsigned char)(fe_is_negative(x) << 7);
}

static ed25519_vkey_err ge_decode(ge_ext *r, const unsigned char s[32])
{
    unsigned char canon[32];
    fe y, u, v, v3, x, check;
    fe_frombytes(y, s);
    fe_tobytes(canon, y);
    canon[31] |= s[31] & 0x80;
    if (memcmp(canon, s, 32) != 0)
        return ED25519_VKEY_NONCANONICAL;
    /* x^2 = u / v with u = y^2 - 1, v = d y^2 + 1; x = u v^3 (u v^7)^((p-5)/8), up to sqrt(-1). */
    fe one;
    fe_set_small(one, 1);
    fe_sq(u, y);
    fe_mul(v, u, curve_d);
    fe_sub(u, u, one);
    fe_add(v, v, one);
    fe_sq(v3, v);
    fe_mul(v3, v3, v); /* v^3 */
    fe_sq(x, v3);
    fe_mul(x, x, v);
    fe_mul(x, x, u); /* u v^7 */
    fe_pow_p58(x, x);
    fe_mul(x, x, v3);
    fe_mul(x, x, u);
    fe_sq(check, x);
    fe_mul(check, check, v);
    fe_sub(check, check, u);
    if (!fe_is_zero(check)) {
        fe_add(check, check, u);
        fe_add(check, check, u); /* v x^2 + u */
        if (!fe_is_zero(check))
            return ED25519_VKEY_NOT_ON_CURVE;
        fe_mul(x, x, sqrt_m1);
    }
    if (fe_is_negative(x) != (bool)(s[31] >> 7))
        fe_neg(x, x);
    fe_copy(r->X, x);
    fe_copy(r->Y, y);
    fe_set_small(r->Z, 1);
    fe_mul(r->T, x, y);
    return ED25519_VKEY_OK;
}

/* The 8 torsion points' y, as encodings with the sign bit cleared, plus the two non-canonical
 * encodings of y = 0 and y = 1 (p and p + 1): libsodium refuses R and A among these. The tests
 * derive the list again from the group (L * P for points P off the prime-order subgroup). */
static const unsigned char small_order_y[7][32] = {
    {0}, /* y = 0: (+-sqrt(-1), 0), order 4 */
    {1}, /* y = 1: the identity */
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
};

static bool has_small_order(const unsigned char s[32])
{
    for (size_t i = 0; i < sizeof small_order_y / sizeof small_order_y[0]; i++)
        if (memcmp(s, small_order_y[i], 31) == 0 && (s[31] & 0x7f) == small_order_y[i][31])
            return true;
    return false;
}

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const unsigned char group_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static bool scalar_is_canonical(const unsigned char s[32])
{
    for (int i = 31; i >= 0; i--)
        if (s[i] != group_order[i])
            return s[i] < group_order[i];
    return false; /* s == L */
}

/* Signed radix-16 digits e[0..63] in [-8, 8], sum e[i] 16^i = a, for a < 2^255 (callers pass
 * scalars below L < 2^253: the top digit is then at most 2, and every |digit| indexes a column). */
static void scalar_recode(signed char e[64], const unsigned char a[32])
{
    for (int i = 0; i < 32; i++) {
        e[2 * i] = (signed char)(a[i] & 15);
        e[2 * i + 1] = (signed char)(a[i] >> 4);
    }
    signed char carry = 0;
    for (int i = 0; i < 63; i++) {
        e[i] = (signed char)(e[i] + carry);
        carry = (signed char)((e[i] + 8) >> 4);
        e[i] = (signed char)(e[i] - carry * 16);
    }
    e[63] = (signed char)(e[63] + carry);
}

/* table[j][k] = (k + 1) 16^(2j) P, normalised to affine with one shared inversion. */
static void table_build(ge_niels table[ROWS][COLS], const ge_ext *p)
{
    ge_ext *points = xreallocarray(NULL, ROWS * COLS, sizeof *points);
    fe *prefix = xreallocarray(NULL, ROWS * COLS, sizeof *prefix);
    ge_ext row = *p;
    for (int j = 0; j < ROWS; j++) {
        points[j * COLS] = row;
        for (int k = 1; k < COLS; k++)
            ge_add(&points[j * COLS + k], &points[j * COLS + k - 1], &row);
        for (int n = 0; n < 8; n++)
            ge_double(&row, &row);
    }
    /* Montgomery's trick: one inversion for all Z. */
    int n = ROWS * COLS;
    fe_copy(prefix[0], points[0].Z);
    for (int i = 1; i < n; i++)
        fe_mul(prefix[i], prefix[i - 1], points[i].Z);
    fe inv, zinv, x, y;
    fe_invert(inv, prefix[n - 1]);
    for (int i = n - 1; i >= 0; i--) {
        if (i > 0) {
            fe_mul(zinv, inv, prefix[i - 1]);
            fe_mul(inv, inv, points[i].Z);
        } else {
            fe_copy(zinv, inv);
        }
        fe_mul(x, points[i].X, zinv);
        fe_mul(y, points[i].Y, zinv);
        ge_niels *t = &table[i / COLS][i % COLS];
        fe_add(t->ypx, y, x);
        fe_sub(t->ymx, y, x);
        fe_mul(t->xy2d, x, y);
        fe_mul(t->xy2d, t->xy2d, curve_2d);
    }
    free(prefix);
    free(points);
}

static void add_digit(ge_ext *acc, const ge_niels row[COLS], signed char digit)
{
    if (digit > 0)
        ge_add_niels(acc, acc, &row[digit - 1], false);
    else if (digit < 0)
        ge_add_niels(acc, acc, &row[-digit - 1], true);
}

static void constants_init(void)
{
    fe t;
    fe_set_small(t, 121666);
    fe_invert(t, t);
    fe_set_small(curve_d, 121665);
    fe_mul(curve_d, curve_d, t);
    fe_neg(curve_d, curve_d); /* d = -121665 / 121666 */
    fe_add(curve_2d, curve_d, curve_d);
    /* sqrt(-1) = 2^((p - 1) / 4) = (2^((p - 5) / 8))^2 * 2 */
    fe_set_small(t, 2);
    fe_pow_p58(sqrt_m1, t);
    fe_sq(sqrt_m1, sqrt_m1);
    fe_add(sqrt_m1, sqrt_m1, sqrt_m1);
    /* B: y = 4/5, x positive (even). */
    fe_set_small(t, 5);
    fe_invert(t, t);
    fe four;
    fe_set_small(four, 4);
    fe_mul(t, t, four);
    unsigned char enc[32];
    fe_tobytes(enc, t);
    ge_ext base;
    if (ge_decode(&base, enc) != ED25519_VKEY_OK)
        abort(); /* cannot happen unless the arithmetic is broken; the tests would say so */
    table_build(base_table, &base);
}

/* ---- public API ---------------------------------------------------------------------------- */

const char *ed25519_vkey_err_str(ed25519_vkey_err err)
{
    switch (err) {
    case ED25519_VKEY_OK: return "valid";
    case ED25519_VKEY_NONCANONICAL: return "not a canonical point encoding";
    case ED25519_VKEY_NOT_ON_CURVE: return "not a point of the curve";
    case ED25519_VKEY_SMALL_ORDER: return "a small-order point";
    }
    return "unknown";
}

ed25519_vkey *ed25519_vkey_new(const unsigned char pk[32], ed25519_vkey_err *err)
{
    pthread_once(&constants_once, constants_init);
    ed25519_vkey_err why = ED25519_VKEY_OK;
    ge_ext a;
    if (has_small_order(pk))
        why = ED25519_VKEY_SMALL_ORDER;
    else
        why = ge_decode(&a, pk);
    if (err)
        *err = why;
    if (why != ED25519_VKEY_OK)
        return NULL;
    ed25519_vkey *key = xmalloc(sizeof *key);
    memcpy(key->pk, pk, 32);
    fe_neg(a.X, a.X);
    fe_neg(a.T, a.T);
    table_build(key->table, &a);
    return key;
}

void ed25519_vkey_destroy(ed25519_vkey *key)
{
    free(key);
}

bool ed25519_vkey_verify(const ed25519_vkey *key, const unsigned char sig[64],
                         const unsigned char *msg, size_t len)
{
    const unsigned char *r = sig, *s = sig + 32;
    if (!scalar_is_canonical(s) || has_small_order(r))
        return false;
    unsigned char digest[64], h[32];
    crypto_hash_sha512_state hs;
    crypto_hash_sha512_init(&hs);
    crypto_hash_sha512_update(&hs, r, 32);
    crypto_hash_sha512_update(&hs, key->pk, 32);
    crypto_hash_sha512_update(&hs, msg, len);
    crypto_hash_sha512_final(&hs, digest);
    crypto_core_ed25519_scalar_reduce(h, digest);

    signed char es[64], eh[64];
    scalar_recode(es, s);
    scalar_recode(eh, h);
    ge_ext acc;
    ge_identity(&acc);
    for (int j = 0; j < ROWS; j++) {
        add_digit(&acc, base_table[j], es[2 * j + 1]);
        add_digit(&acc, key->table[j], eh[2 * j + 1]);
    }
    for (int i = 0; i < 4; i++)
        ge_double(&acc, &acc);
    for (int j = 0; j < ROWS; j++) {
        add_digit(&acc, base_table[j], es[2 * j]);
        add_digit(&acc, key->table[j], eh[2 * j]);
    }
    unsigned char check[32];
    ge_encode(check, &acc);
    return memcmp(check, r, 32) == 0;
}
