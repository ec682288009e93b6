/* test_command_signing: operator keys (files, permissions, passphrases), the trust store and its
 * deny-by-default policy, the canonical bytes against the committed test vectors, and the
 * verifier's tamper matrix: every way of altering, replaying or forging a command is rejected
 * with its own reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit.h"
#include "command.h"
#include "op_key.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static ofc_op_key *alice, *bob, *mallory;
static ofc_trust *trust;
static const int64_t NOW = 1786353302417000LL; /* 2026-08-10T09:15:02.417Z */

/* Write a clear (kdf=none) key file for a fixed seed, as `ofc keygen --no-passphrase` would. */
static void write_seed_key(const char *path, const char *operator_id, const unsigned char seed[32])
{
    unsigned char pk[32], sk[64];
    char pk64[64], seed64[64], kid[17];
    crypto_sign_seed_keypair(pk, sk, seed);
    ofc_key_id(pk, kid);
    sodium_bin2base64(pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(seed64, sizeof seed64, seed, 32, sodium_base64_VARIANT_ORIGINAL);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "ofconsole-operator-key-v1\noperator=%s\nkey-id=%s\npublic=%s\nkdf=none\nsecret=%s\n",
            operator_id, kid, pk64, seed64);
    fclose(f);
    chmod(path, 0600);
}

static ofc_op_key *seed_key(const char *name, unsigned char fill)
{
    unsigned char seed[32];
    char path[128], err[256];
    memset(seed, fill, sizeof seed);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    write_seed_key(path, name, seed);
    ofc_op_key *k = NULL;
    assert_int_equal(ofc_op_key_load(path, NULL, &k, err, sizeof err), OFC_OK);
    return k;
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/ofc-sign-XXXXXX");
    if (!mkdtemp(dir) || !ofc_crypto_init())
        return -1;
    alice = seed_key("alice", 0x11);
    bob = seed_key("bob", 0x22);
    mallory = seed_key("mallory", 0x33);
    char text[2048], line[256], err[256];
    size_t n = 0;
    ofc_trust_line(ofc_op_key_public(alice), "alice", line, sizeof line);
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "# test store\n%s roles=operator methods=* uns=Demofactory/Machining "
                          "assets=LAB-1\n",
                          line);
    ofc_trust_line(ofc_op_key_public(bob), "bob", line, sizeof line);
    n += (size_t)snprintf(text + n, sizeof text - n, "%s roles=viewer methods=* uns=*\n", line);
    return ofc_trust_parse(text, n, "test", &trust, err, sizeof err) == OFC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    ofc_op_key_destroy(alice);
    ofc_op_key_destroy(bob);
    ofc_op_key_destroy(mallory);
    ofc_trust_destroy(trust);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- keys ---- */

static void test_keygen_passphrase_and_permissions(void **state)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/op.key", dir);
    assert_int_equal(ofc_op_key_generate("op-1", path, "correct horse", err, sizeof err), OFC_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(ofc_op_key_is_encrypted(path));
    /* Never overwrites. */
    assert_int_equal(ofc_op_key_generate("op-1", path, NULL, err, sizeof err), OFC_ERR_IO);

    ofc_op_key *k = NULL;
    assert_int_equal(ofc_op_key_load(path, "wrong", &k, err, sizeof err), OFC_ERR_INVALID_ARG);
    assert_non_null(strstr(err, "wrong passphrase"));
    assert_int_equal(ofc_op_key_load(path, NULL, &k, err, sizeof err), OFC_ERR_INVALID_ARG);
    assert_int_equal(ofc_op_key_load(path, "correct horse", &k, err, sizeof err), OFC_OK);
    assert_string_equal(ofc_op_key_operator(k), "op-1");
    assert_int_equal(strlen(ofc_op_key_id(k)), OFC_KEY_ID_LEN);

    /* The .pub file is a trust-store line for this key. */
    char pub[160], text[512];
    snprintf(pub, sizeof pub, "%s.pub", path);
    FILE *f = fopen(pub, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    ofc_trust *t = NULL;
    assert_int_equal(ofc_trust_parse(text, n, pub, &t, err, sizeof err), OFC_OK);
    assert_non_null(ofc_trust_find(t, ofc_op_key_id(k)));
    ofc_trust_destroy(t);
    ofc_op_key_destroy(k);

    /* Like ssh: a key file others can read is refused. */
    chmod(path, 0640);
    assert_int_equal(ofc_op_key_load(path, "correct horse", &k, err, sizeof err), OFC_ERR_CONFIG);
    assert_non_null(strstr(err, "too open"));
    assert_null(k);
}

static void test_key_file_tampering_detected(void **state)
{
    char path[128], err[256];
    unsigned char seed[32];
    memset(seed, 0x44, sizeof seed);
    snprintf(path, sizeof path, "%s/t.key", dir);
    write_seed_key(path, "eve", seed);
    /* Swap the operator name: the key id still matches, but load must keep the file's word;
     * swap the public key instead, and the secret no longer matches it. */
    FILE *f = fopen(path, "r+");
    char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    char *pub = strstr(text, "public=");
    pub[7] = pub[7] == 'A' ? 'B' : 'A';
    rewind(f);
    fwrite(text, 1, n, f);
    fclose(f);
    ofc_op_key *k = NULL;
    assert_int_not_equal(ofc_op_key_load(path, NULL, &k, err, sizeof err), OFC_OK);
    assert_null(k);
    f = fopen(path, "w");
    fprintf(f, "not a key\n");
    fclose(f);
    assert_int_equal(ofc_op_key_load(path, NULL, &k, err, sizeof err), OFC_ERR_PARSE);
}

/* ---- trust store ---- */

static void test_trust_store_parse_errors(void **state)
{
    char err[256];
    ofc_trust *t = NULL;
    const char *bad[] = {
        "rsa AAAA operator=x\n",
        "ed25519 notbase64 operator=x\n",
        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= roles=operator\n",
        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x colour=blue\n",
        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x methods=a,,b\n",
        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x methods=a methods=b\n",
        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=a b\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ofc_trust_parse(bad[i], strlen(bad[i]), "ts", &t, err, sizeof err),
                         OFC_ERR_PARSE);
        assert_non_null(strstr(err, "ts:1:"));
    }
    const char *twice = "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x\n"
                        "# comment\n\n"
                        "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=y\n";
    assert_int_equal(ofc_trust_parse(twice, strlen(twice), "ts", &t, err, sizeof err),
                     OFC_ERR_PARSE);
    assert_non_null(strstr(err, "ts:4:"));

    /* A comment after the options, as after any line of ofc.conf. */
    const char *commented = "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x "
                            "roles=operator\t# night shift, until March\n";
    assert_int_equal(ofc_trust_parse(commented, strlen(commented), "ts", &t, err, sizeof err),
                     OFC_OK);
    assert_string_equal(ofc_trust_entry_operator(ofc_trust_at(t, 0)), "x");
    assert_true(ofc_trust_entry_has_role(ofc_trust_at(t, 0), "operator"));
    ofc_trust_destroy(t);

    /* 32 bytes of base64 that no signature could verify with: said when the store is read. */
    const char *not_keys[][2] = {
        {"ed25519 ESERERERERERERERERERERERERERERERERERERERERE= operator=x\n",
         "not a point of the curve"},
        {"ed25519 AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= operator=x\n", "small-order"},
        {"ed25519 8P///////////////////////////////////////38= operator=x\n",
         "not a canonical point encoding"},
    };
    for (size_t i = 0; i < sizeof not_keys / sizeof not_keys[0]; i++) {
        assert_int_equal(
            ofc_trust_parse(not_keys[i][0], strlen(not_keys[i][0]), "ts", &t, err, sizeof err),
            OFC_ERR_PARSE);
        assert_null(t);
        assert_non_null(strstr(err, "ts:1: the public key is"));
        assert_non_null(strstr(err, not_keys[i][1]));
    }
}

/* A trust store names people: more than 4,096 keys (each ~30 KB of verification table) is an
 * error at the line that overflows, not 120 MB and growing. */
static void test_trust_store_key_limit(void **state)
{
    char err[256];
    size_t cap = 4097 * 120, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < 4097; i++) {
        unsigned char pk[32], sk[64];
        crypto_sign_keypair(pk, sk);
        char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
        len += (size_t)snprintf(text + len, cap - len, "ed25519 %s operator=op%d\n", b64, i);
    }
    ofc_trust *t = NULL;
    assert_int_equal(ofc_trust_parse(text, len, "ts", &t, err, sizeof err), OFC_ERR_PARSE);
    assert_null(t);
    assert_non_null(strstr(err, "ts:4097: more than 4096 keys"));
    size_t last = (size_t)(strrchr(text, 'e') - text); /* drop the 4,097th line */
    while (last && text[last - 1] != '\n')
        last--;
    assert_int_equal(ofc_trust_parse(text, last, "ts", &t, err, sizeof err), OFC_OK);
    assert_int_equal(ofc_trust_count(t), 4096);
    ofc_trust_destroy(t);
    free(text);
}

static void test_policy_denies_by_default(void **state)
{
    char err[256];
    ofc_trust *t = NULL;
    const char *text = "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=x\n";
    assert_int_equal(ofc_trust_parse(text, strlen(text), "ts", &t, err, sizeof err), OFC_OK);
    const ofc_trust_entry *e = ofc_trust_at(t, 0);
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "PID-1", "Demofactory/x"),
                     OFC_POLICY_ROLE);
    ofc_trust_destroy(t);

    e = ofc_trust_find(trust, ofc_op_key_id(alice));
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "PID-1", "Demofactory/Machining/a"),
                     OFC_POLICY_ALLOW);
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "PID-1", "Demofactory/MachiningX/a"),
                     OFC_POLICY_SCOPE);
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "PID-1", NULL), OFC_POLICY_SCOPE);
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "LAB-1", NULL), OFC_POLICY_ALLOW);
    e = ofc_trust_find(trust, ofc_op_key_id(bob));
    assert_int_equal(ofc_trust_entry_allows(e, "SwitchMode", "LAB-1", "x"), OFC_POLICY_ROLE);
}

/* ---- canonical bytes and vectors ---- */

static void test_strip_matches_python(void **state)
{
    const char *in = " \t\xc2\xa0\xe3\x80\x80 MANUAL \xe2\x80\x8a\n";
    ofc_str s = ofc_strip_py((ofc_str){in, strlen(in)});
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.ptr, "MANUAL", 6);
    /* Zero-width space (U+200B) is not whitespace to Python. */
    const char *zw = "\xe2\x80\x8bX";
    assert_int_equal(ofc_strip_py((ofc_str){zw, strlen(zw)}).len, strlen(zw));
    assert_int_equal(ofc_strip_py((ofc_str){"   ", 3}).len, 0);
}

static json_t *load_vectors(void)
{
    json_error_t jerr;
    json_t *v = json_load_file(OFC_TEST_DATA "/signing/vectors.json", 0, &jerr);
    if (!v)
        fprintf(stderr, "vectors: %s\n", jerr.text);
    return v;
}

static void test_canonical_bytes_match_vectors(void **state)
{
    json_t *vectors = load_vectors();
    assert_non_null(vectors);
    size_t i;
    json_t *vec;
    json_array_foreach(json_object_get(vectors, "vectors"), i, vec)
    {
        ofc_command_content c;
        memset(&c, 0, sizeof c);
#define FIELD(f, name)                                             \
    c.f = (ofc_str){json_string_value(json_object_get(vec, name)), \
                    strlen(json_string_value(json_object_get(vec, name)))}
        FIELD(target, "target");
        FIELD(method, "method");
        FIELD(correlation_id, "correlation_id");
        FIELD(sender, "sender");
        FIELD(timestamp, "timestamp");
        FIELD(reason, "reason");
#undef FIELD
        const char *name;
        json_t *val;
        json_object_foreach(json_object_get(vec, "arguments"), name, val)
        {
            c.arg_names[c.arg_count] = (ofc_str){name, strlen(name)};
            c.arg_values[c.arg_count] =
                (ofc_str){json_string_value(val), strlen(json_string_value(val))};
            c.arg_count++;
        }
        json_writer jw;
        jw_init(&jw);
        assert_int_equal(ofc_command_canonical(&c, &jw), OFC_OK);
        const char *want = json_string_value(json_object_get(vec, "canonical"));
        assert_int_equal(jw.len, strlen(want));
        assert_memory_equal(jw.buf, want, jw.len);

        /* Deterministic Ed25519: the same seed and bytes give the vector's signature. */
        unsigned char seed[32], pk[32], sk[64], sig[64];
        size_t len;
        const char *seed64 = json_string_value(json_object_get(vec, "seed"));
        assert_int_equal(sodium_base642bin(seed, 32, seed64, strlen(seed64), NULL, &len, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        crypto_sign_seed_keypair(pk, sk, seed);
        crypto_sign_detached(sig, NULL, (const unsigned char *)jw.buf, jw.len, sk);
        char sig64[128], kid[17], header[200];
        sodium_bin2base64(sig64, sizeof sig64, sig, 64, sodium_base64_VARIANT_ORIGINAL);
        ofc_key_id(pk, kid);
        snprintf(header, sizeof header, "ed25519:%s:%s", kid, sig64);
        assert_string_equal(header, json_string_value(json_object_get(vec, "signature")));
        jw_fini(&jw);

        /* The vector's whole record verifies. */
        char line[256], err[256];
        ofc_trust_line(pk, json_string_value(json_object_get(vec, "sender")), line, sizeof line);
        strcat(line, " roles=operator methods=* uns=*");
        ofc_trust *t = NULL;
        assert_int_equal(ofc_trust_parse(line, strlen(line), "v", &t, err, sizeof err), OFC_OK);
        ofc_verifier *v = ofc_verifier_new(t, NULL);
        const char *record = json_string_value(json_object_get(vec, "record"));
        const char *target = json_string_value(json_object_get(vec, "target"));
        int64_t ts;
        const char *tstext = json_string_value(json_object_get(vec, "timestamp"));
        assert_true(ofc_time_parse(tstext, strlen(tstext), &ts));
        assert_int_equal(
            ofc_verifier_check(v, target, strlen(target), record, strlen(record), NULL, ts, NULL),
            OFC_VERDICT_VALID);
        ofc_verifier_destroy(v);
        ofc_trust_destroy(t);
    }
    json_decref(vectors);
}

/* ---- the tamper matrix ---- */

typedef struct signed_rec {
    char key[64];
    json_t *record;   /* the record */
    json_t *envelope; /* its VALUE, parsed */
} signed_rec;

static void sign_rec(signed_rec *r, const ofc_op_key *k, const char *target, int64_t now)
{
    const char *names[] = {"NewMode", "Ramp"};
    const char *values[] = {"MANUAL", "5"};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(k, target, "SwitchMode", 2, names, values,
                                      "shift change: manual start-up", now, &cmd, err, sizeof err),
                     OFC_OK);
    snprintf(r->key, sizeof r->key, "%s", cmd.target);
    r->record = json_loads(cmd.record, 0, NULL);
    r->envelope = json_loads(json_string_value(json_object_get(r->record, "VALUE")), 0, NULL);
    assert_non_null(r->envelope);
    ofc_signed_command_fini(&cmd);
}

/* Re-serialise the (possibly edited) envelope into the record and check it. */
static ofc_verdict check_rec(ofc_verifier *v, signed_rec *r, const char *uns, int64_t now)
{
    /* A JSON string as the envelope stands for raw VALUE text. */
    char *env = json_is_string(r->envelope) ? strdup(json_string_value(r->envelope))
                                            : json_dumps(r->envelope, JSON_COMPACT);
    json_object_set_new(r->record, "VALUE", json_string(env));
    free(env);
    char *text = json_dumps(r->record, JSON_COMPACT);
    ofc_verdict vd =
        ofc_verifier_check(v, r->key, strlen(r->key), text, strlen(text), uns, now, NULL);
    free(text);
    json_decref(r->record);
    json_decref(r->envelope);
    return vd;
}

#define UNS "Demofactory/Machining/WC001/pid"

static void test_tamper_matrix(void **state)
{
    ofc_verifier *v = ofc_verifier_new(trust, NULL);
    signed_rec r;

    sign_rec(&r, alice, "PID-1", NOW);
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_VALID);

    sign_rec(&r, alice, "PID-1", NOW); /* changed argument */
    json_object_set_new(json_object_get(r.envelope, "arguments"), "NewMode", json_string("AUTO"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* added argument */
    json_object_set_new(json_object_get(r.envelope, "arguments"), "Extra", json_string("1"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* changed target */
    snprintf(r.key, sizeof r.key, "PID-2");
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* changed method */
    json_object_set_new(r.record, "ID", json_string("ResetController_CMD"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* changed reason */
    json_object_set_new(json_object_get(r.record, "attributes"), "ofc_reason",
                        json_string("because"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* changed timestamp */
    json_object_set_new(json_object_get(r.envelope, "header"), "timestamp",
                        json_string("2026-08-10T09:15:02.418000Z"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE);

    sign_rec(&r, alice, "PID-1", NOW); /* changed sender: alice's key in bob's name */
    json_object_set_new(json_object_get(r.envelope, "header"), "sender_uuid", json_string("bob"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_KEY_NOT_BOUND);

    sign_rec(&r, mallory, "PID-1", NOW); /* unknown key */
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_UNKNOWN_KEY);

    sign_rec(&r, alice, "PID-1", NOW); /* replay: the same record twice */
    json_t *copy_rec = json_deep_copy(r.record), *copy_env = json_deep_copy(r.envelope);
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_VALID);
    r.record = copy_rec;
    r.envelope = copy_env;
    assert_int_equal(check_rec(v, &r, UNS, NOW + 1000000), OFC_VERDICT_REPLAYED);

    sign_rec(&r, alice, "PID-1", NOW - 10 * 60 * 1000000LL); /* expired */
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_EXPIRED);
    sign_rec(&r, alice, "PID-1", NOW + 10 * 60 * 1000000LL); /* future */
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_FUTURE);

    sign_rec(&r, alice, "PID-1", NOW); /* signature stripped */
    json_object_set_new(json_object_get(r.envelope, "header"), "signature", json_null());
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_UNSIGNED);
    sign_rec(&r, alice, "PID-1", NOW);
    json_object_del(json_object_get(r.envelope, "header"), "signature");
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_UNSIGNED);
    sign_rec(&r, alice, "PID-1", NOW); /* signature malformed */
    json_object_set_new(json_object_get(r.envelope, "header"), "signature",
                        json_string("ed25519:nothex:AAAA"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE_FORMAT);
    sign_rec(&r, alice, "PID-1", NOW);
    json_object_set_new(json_object_get(r.envelope, "header"), "signature",
                        json_string("rsa:0123456789abcdef:AAAA"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_SIGNATURE_FORMAT);

    sign_rec(&r, alice, "PID-1", NOW); /* extra fields */
    json_object_set_new(json_object_get(r.envelope, "header"), "key_id", json_string("x"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_EXTRA_FIELD);
    sign_rec(&r, alice, "PID-1", NOW);
    json_object_set_new(r.envelope, "reason", json_string("x"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_EXTRA_FIELD);
    sign_rec(&r, alice, "PID-1", NOW); /* missing field */
    json_object_del(json_object_get(r.envelope, "header"), "correlation_id");
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_MISSING_FIELD);

    sign_rec(&r, alice, "PID-1", NOW); /* non-string argument */
    json_object_set_new(json_object_get(r.envelope, "arguments"), "Ramp", json_integer(5));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_ARGUMENT);

    sign_rec(&r, alice, "PID-1", NOW); /* bad correlation id */
    json_object_set_new(json_object_get(r.envelope, "header"), "correlation_id",
                        json_string("not-a-uuid"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_CORRELATION_ID);

    sign_rec(&r, alice, "PID-1", NOW); /* oversized */
    char *big = malloc(70000);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    json_object_set_new(json_object_get(r.record, "attributes"), "padding", json_string(big));
    free(big);
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_OVERSIZED);

    sign_rec(&r, alice, "PID-1", NOW); /* not a command */
    json_object_set_new(r.record, "ID", json_string("setpoint"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_NOT_COMMAND);
    sign_rec(&r, alice, "PID-1", NOW); /* envelope not JSON */
    json_decref(r.envelope);
    r.envelope = json_string("{not json");
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_BAD_ENVELOPE);

    /* Transit whitespace the receiver strips does not break the signature. */
    sign_rec(&r, alice, "PID-1", NOW);
    json_object_set_new(json_object_get(r.envelope, "arguments"), "NewMode",
                        json_string("  MANUAL\t"));
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_VALID);

    /* Policy: outside the UNS scope; a viewer key; each a policy denial. */
    ofc_command_info info;
    sign_rec(&r, alice, "PID-9", NOW);
    char *env = json_dumps(r.envelope, JSON_COMPACT);
    json_object_set_new(r.record, "VALUE", json_string(env));
    free(env);
    char *text = json_dumps(r.record, JSON_COMPACT);
    assert_int_equal(
        ofc_verifier_check(v, "PID-9", 5, text, strlen(text), "Demofactory/Assembly/x", NOW, &info),
        OFC_VERDICT_POLICY_DENIED);
    assert_int_equal(info.policy, OFC_POLICY_SCOPE);
    assert_string_equal(info.sender, "alice");
    assert_string_equal(info.method, "SwitchMode");
    assert_string_equal(info.reason, "shift change: manual start-up");
    assert_int_equal(info.arg_count, 2);
    free(text);
    json_decref(r.record);
    json_decref(r.envelope);
    sign_rec(&r, bob, "PID-1", NOW);
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_POLICY_DENIED);

    /* A record that is not even JSON, or null-keyed. */
    assert_int_equal(ofc_verifier_check(v, "K", 1, "{", 1, NULL, NOW, NULL),
                     OFC_VERDICT_BAD_RECORD);
    assert_int_equal(ofc_verifier_check(v, NULL, 0, "{}", 2, NULL, NOW, NULL),
                     OFC_VERDICT_BAD_RECORD);
    ofc_verifier_destroy(v);
}

static void test_replay_cache_bound_raises_the_floor(void **state)
{
    ofc_verifier_opts opts = {0, 0, 0, 4, false};
    ofc_verifier *v = ofc_verifier_new(trust, &opts);
    signed_rec first, r;
    sign_rec(&first, alice, "LAB-1", NOW);
    json_t *rec = json_deep_copy(first.record), *env = json_deep_copy(first.envelope);
    assert_int_equal(check_rec(v, &first, NULL, NOW), OFC_VERDICT_VALID);
    for (int i = 1; i <= 4; i++) {
        sign_rec(&r, alice, "LAB-1", NOW + i * 1000);
        assert_int_equal(check_rec(v, &r, NULL, NOW + i * 1000), OFC_VERDICT_VALID);
    }
    /* The first id was forgotten to stay within 4, so replaying it must fail as expired. */
    r.record = rec;
    r.envelope = env;
    assert_int_equal(check_rec(v, &r, NULL, NOW + 5000), OFC_VERDICT_EXPIRED);
    ofc_verifier_destroy(v);
}

/* Sign the record's (edited) content again with k: what an operator's own tool could do. */
static void resign(signed_rec *r, const ofc_op_key *k)
{
    json_t *h = json_object_get(r->envelope, "header"),
           *args = json_object_get(r->envelope, "arguments");
    ofc_command_content c;
    memset(&c, 0, sizeof c);
#define VIEW(j) ((ofc_str){json_string_value(j), json_string_length(j)})
    c.target = (ofc_str){r->key, strlen(r->key)};
    c.method = (ofc_str){"SwitchMode", 10};
    c.correlation_id = VIEW(json_object_get(h, "correlation_id"));
    c.sender = VIEW(json_object_get(h, "sender_uuid"));
    c.timestamp = VIEW(json_object_get(h, "timestamp"));
    c.reason = VIEW(json_object_get(json_object_get(r->record, "attributes"), OFC_REASON_ATTR));
    const char *name;
    json_t *val;
    json_object_foreach(args, name, val)
    {
        c.arg_names[c.arg_count] = (ofc_str){name, strlen(name)};
        c.arg_values[c.arg_count++] = VIEW(val);
    }
#undef VIEW
    json_writer canon;
    jw_init(&canon);
    assert_int_equal(ofc_command_canonical(&c, &canon), OFC_OK);
    unsigned char sig[OFC_SIGNATURE_LEN];
    ofc_op_key_sign(k, canon.buf, canon.len, sig);
    char b64[sodium_base64_ENCODED_LEN(OFC_SIGNATURE_LEN, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    char field[200];
    snprintf(field, sizeof field, "ed25519:%s:%s", ofc_op_key_id(k), b64);
    json_object_set_new(h, "signature", json_string(field));
    jw_fini(&canon);
}

/* A correlation id is a UUID: the same one in other letter case is a replay. And an audit
 * reads records out of time order (partition after partition, export lines): with any_order a
 * replay judged at an earlier time than the clock reached is still found. */
static void test_replays_found_in_any_case_and_order(void **state)
{
    ofc_verifier *v = ofc_verifier_new(trust, NULL);
    signed_rec r;
    sign_rec(&r, alice, "PID-1", NOW);
    json_t *h = json_object_get(r.envelope, "header");
    char upper[37];
    snprintf(upper, sizeof upper, "%s", json_string_value(json_object_get(h, "correlation_id")));
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    json_t *copy_rec = json_deep_copy(r.record), *copy_env = json_deep_copy(r.envelope);
    assert_int_equal(check_rec(v, &r, UNS, NOW), OFC_VERDICT_VALID);
    r.record = copy_rec;
    r.envelope = copy_env;
    snprintf(r.key, sizeof r.key, "PID-1");
    json_object_set_new(json_object_get(r.envelope, "header"), "correlation_id",
                        json_string(upper));
    resign(&r, alice);
    assert_int_equal(check_rec(v, &r, UNS, NOW + 1000), OFC_VERDICT_REPLAYED);
    ofc_verifier_destroy(v);

    for (int any_order = 0; any_order < 2; any_order++) {
        ofc_verifier_opts opts = {0, 0, 0, 0, any_order};
        v = ofc_verifier_new(trust, &opts);
        signed_rec first, later;
        sign_rec(&first, alice, "PID-1", NOW);
        json_t *again_rec = json_deep_copy(first.record),
               *again_env = json_deep_copy(first.envelope);
        assert_int_equal(check_rec(v, &first, UNS, NOW), OFC_VERDICT_VALID);
        signed_rec mid;
        sign_rec(&mid, alice, "PID-1", NOW + 3000000);
        assert_int_equal(check_rec(v, &mid, UNS, NOW + 3000000), OFC_VERDICT_VALID);
        int64_t hour = 3600LL * 1000000;
        sign_rec(&later, alice, "PID-1", NOW + hour); /* another partition, an hour on */
        assert_int_equal(check_rec(v, &later, UNS, NOW + hour), OFC_VERDICT_VALID);
        first.record = again_rec; /* the first one replayed a second after it */
        first.envelope = again_env;
        assert_int_equal(check_rec(v, &first, UNS, NOW + 1000000),
                         any_order ? OFC_VERDICT_REPLAYED : OFC_VERDICT_EXPIRED);
        /* A genuine command of that earlier time: a live gateway's clock only moves on, so it
         * forgot the early ids and raised its floor (expired); an audit must not. */
        signed_rec other;
        sign_rec(&other, alice, "PID-1", NOW + 2000000);
        assert_int_equal(check_rec(v, &other, UNS, NOW + 2000000),
                         any_order ? OFC_VERDICT_VALID : OFC_VERDICT_EXPIRED);
        ofc_verifier_destroy(v);
    }
}

/* A target that cannot be an OpenFactory asset uuid (wire §4) is refused before signing. */
static void test_sign_refuses_impossible_targets(void **state)
{
    const char *names[] = {"NewMode"}, *values[] = {"AUTO"};
    const char *bad[] = {"", "bad.asset", "A|B", "A*", "A>B", "A\nB"};
    ofc_signed_command cmd;
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ofc_command_sign(alice, bad[i], "SwitchMode", 1, names, values, "r", NOW,
                                          &cmd, err, sizeof err),
                         OFC_ERR_INVALID_ARG);
        assert_non_null(strstr(err, "asset uuid"));
    }
    assert_int_equal(ofc_command_sign(alice, "TEMP-CTRL-001", "SwitchMode", 1, names, values, "r",
                                      NOW, &cmd, err, sizeof err),
                     OFC_OK);
    ofc_signed_command_fini(&cmd);
}

/* The trust store grants command rights: a file others may write is refused, as ssh refuses
 * an authorized_keys anyone can edit. */
static void test_trust_store_writable_by_others_is_refused(void **state)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/open.keys", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "# nobody\n");
    fclose(f);
    ofc_trust *t = NULL;
    chmod(path, 0666);
    assert_int_not_equal(ofc_trust_load(path, &t, err, sizeof err), OFC_OK);
    assert_null(t);
    assert_non_null(strstr(err, "writable by group or others"));
    chmod(path, 0620);
    assert_int_not_equal(ofc_trust_load(path, &t, err, sizeof err), OFC_OK);
    chmod(path, 0644);
    assert_int_equal(ofc_trust_load(path, &t, err, sizeof err), OFC_OK);
    ofc_trust_destroy(t);
}

/* A trust store file followed for changes (ofc web --trust, ofc sim --trust): unchanged is no
 * news, an appended key is read, a broken file is an error (callers then trust nobody), and a
 * verifier switched to the new store keeps its replay cache. */
static void test_trust_reload_follows_the_file(void **state)
{
    char path[128], line[256], err[256];
    snprintf(path, sizeof path, "%s/reload.keys", dir);
    ofc_trust_line(ofc_op_key_public(mallory), "mallory", line, sizeof line);
    FILE *f = fopen(path, "w");
    fprintf(f, "# nobody yet\n");
    fclose(f);
    ofc_trust_stamp stamp = {0, 0, 0, false};
    ofc_trust *t = NULL, *next = NULL;
    assert_int_equal(ofc_trust_reload(path, &stamp, &t, err, sizeof err), OFC_OK);
    assert_non_null(t);
    assert_int_equal(ofc_trust_count(t), 0);
    assert_int_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_null(next); /* unchanged */

    ofc_verifier *v = ofc_verifier_new(t, NULL);
    signed_rec r;
    sign_rec(&r, mallory, "LAB-1", NOW);
    json_t *rec = json_deep_copy(r.record), *env = json_deep_copy(r.envelope); /* pristine */
    assert_int_equal(check_rec(v, &r, NULL, NOW), OFC_VERDICT_UNKNOWN_KEY);

    f = fopen(path, "a");
    fprintf(f, "%s roles=operator methods=* assets=LAB-1\n", line);
    fclose(f);
    assert_int_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_non_null(next);
    assert_int_equal(ofc_trust_count(next), 1);
    ofc_verifier_set_trust(v, next);
    ofc_trust_destroy(t);
    t = next;
    r.record = json_deep_copy(rec);
    r.envelope = json_deep_copy(env);
    assert_int_equal(check_rec(v, &r, NULL, NOW + 1000), OFC_VERDICT_VALID);

    /* A broken file: an error, and the caller keeps what it has; the replay cache survives. */
    f = fopen(path, "a");
    fprintf(f, "ed25519 nonsense operator=x\n");
    fclose(f);
    assert_int_not_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_null(next);
    assert_non_null(strstr(err, "reload.keys"));
    f = fopen(path, "w");
    fprintf(f, "%s roles=operator methods=* assets=LAB-1\n# fixed\n", line);
    fclose(f);
    assert_int_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_non_null(next);
    ofc_verifier_set_trust(v, next);
    ofc_trust_destroy(t);
    t = next;
    r.record = json_deep_copy(rec);
    r.envelope = json_deep_copy(env);
    assert_int_equal(check_rec(v, &r, NULL, NOW + 2000), OFC_VERDICT_REPLAYED);
    json_decref(rec);
    json_decref(env);

    /* A chmod alone that lets others write the file: noticed (ctime) and refused at once. */
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_not_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_null(next);
    assert_non_null(strstr(err, "writable by group or others"));
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_non_null(next);
    ofc_verifier_set_trust(v, next);
    ofc_trust_destroy(t);
    t = next;

    unlink(path);
    assert_int_not_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK);
    assert_int_equal(ofc_trust_reload(path, &stamp, &next, err, sizeof err), OFC_OK); /* said */
    assert_null(next);
    ofc_verifier_destroy(v);
    ofc_trust_destroy(t);
}

static void add_signed(ofc_audit *audit, const ofc_op_key *k, const char *target, int64_t when,
                       int64_t offset, char *cid_out)
{
    const char *names[] = {"NewMode"}, *values[] = {"MANUAL"};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(k, target, "SwitchMode", 1, names, values, "audit test", when,
                                      &cmd, err, sizeof err),
                     OFC_OK);
    ofc_origin o = {OFC_ORIGIN_STREAM, 1, offset, when / 1000};
    ofc_audit_add_record(audit, cmd.target, strlen(cmd.target), cmd.record, cmd.record_len, &o);
    if (cid_out)
        strcpy(cid_out, cmd.correlation_id);
    /* The same record again, later in the log: a replay. */
    if (offset == 99) {
        o.offset = 100;
        ofc_audit_add_record(audit, cmd.target, strlen(cmd.target), cmd.record, cmd.record_len, &o);
    }
    ofc_signed_command_fini(&cmd);
}

static void test_audit_judges_each_command_at_its_time(void **state)
{
    ofc_audit *audit = ofc_audit_new(trust, NULL, 4);
    char cid[37];
    /* An old command is judged as of when it was written, not as expired now. */
    add_signed(audit, alice, "LAB-1", NOW - 86400LL * 1000000, 10, cid);
    add_signed(audit, mallory, "LAB-1", NOW, 11, NULL);
    const char *unsigned_rec =
        "{\"ID\":\"Reset_CMD\",\"VALUE\":\"{\\\"header\\\":{\\\"correlation_id\\\":"
        "\\\"11111111-2222-4333-8444-555555555555\\\",\\\"sender_uuid\\\":\\\"x\\\","
        "\\\"timestamp\\\":\\\"2026-08-10T09:15:02Z\\\",\\\"signature\\\":null},"
        "\\\"arguments\\\":{}}\",\"TAG\":\"Method.Command\",\"TYPE\":\"OpenFactory\","
        "\"attributes\":{\"timestamp\":\"2026-08-10T09:15:02.000Z\"}}";
    ofc_origin o = {OFC_ORIGIN_STREAM, 0, 12, NOW / 1000};
    ofc_audit_add_record(audit, "PID-1", 5, unsigned_rec, strlen(unsigned_rec), &o);
    const char *not_cmd = "{\"ID\":\"temp\",\"VALUE\":1,\"TYPE\":\"Samples\"}";
    ofc_audit_add_record(audit, "PID-1", 5, not_cmd, strlen(not_cmd), &o);
    add_signed(audit, alice, "LAB-1", NOW, 99, NULL); /* and its replay at offset 100 */

    assert_int_equal(ofc_audit_count(audit), 4); /* bounded to 4: the oldest went */
    const ofc_audit_entry *e = ofc_audit_at(audit, 0);
    assert_string_equal(ofc_audit_status(e), "unknown key");
    assert_string_equal(e->sender, "mallory");
    e = ofc_audit_at(audit, 1);
    assert_string_equal(ofc_audit_status(e), "unsigned");
    assert_string_equal(e->method, "Reset");
    e = ofc_audit_at(audit, 2);
    assert_string_equal(ofc_audit_status(e), "valid");
    assert_string_equal(e->reason, "audit test");
    assert_int_equal(e->offset, 99);
    e = ofc_audit_at(audit, 3);
    assert_int_equal(e->verdict, OFC_VERDICT_REPLAYED);
    assert_string_equal(ofc_audit_status(e), "invalid");

    assert_true(ofc_audit_matches(ofc_audit_at(audit, 2), "alice", "LAB-1", NOW - 1, NOW + 1));
    assert_false(ofc_audit_matches(ofc_audit_at(audit, 2), "bob", NULL, 0, 0));
    assert_false(ofc_audit_matches(ofc_audit_at(audit, 2), NULL, "PID-1", 0, 0));
    assert_false(ofc_audit_matches(ofc_audit_at(audit, 2), NULL, NULL, NOW + 1, 0));

    /* The export keeps the signed record, so it can be verified again elsewhere. */
    json_writer jw;
    jw_init(&jw);
    ofc_audit_write_json(ofc_audit_at(audit, 2), &jw);
    json_t *doc = json_loads(jw.buf, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "valid");
    assert_non_null(strstr(json_string_value(json_object_get(doc, "record")), "ed25519:"));
    json_decref(doc);
    jw_fini(&jw);
    ofc_audit_destroy(audit);

    /* Without a trust store, signed commands are honestly unknown. */
    audit = ofc_audit_new(NULL, NULL, 0);
    add_signed(audit, alice, "LAB-1", NOW, 1, cid);
    assert_string_equal(ofc_audit_status(ofc_audit_at(audit, 0)), "unknown key");
    ofc_audit_destroy(audit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_passphrase_and_permissions),
        cmocka_unit_test(test_key_file_tampering_detected),
        cmocka_unit_test(test_trust_store_parse_errors),
        cmocka_unit_test(test_trust_store_key_limit),
        cmocka_unit_test(test_replays_found_in_any_case_and_order),
        cmocka_unit_test(test_policy_denies_by_default),
        cmocka_unit_test(test_strip_matches_python),
        cmocka_unit_test(test_canonical_bytes_match_vectors),
        cmocka_unit_test(test_tamper_matrix),
        cmocka_unit_test(test_replay_cache_bound_raises_the_floor),
        cmocka_unit_test(test_audit_judges_each_command_at_its_time),
        cmocka_unit_test(test_trust_reload_follows_the_file),
        cmocka_unit_test(test_trust_store_writable_by_others_is_refused),
        cmocka_unit_test(test_sign_refuses_impossible_targets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
