/* op_key: key file writing and strict parsing. The file is small text so an operator can see
 * which identity a key holds without tools; every field is checked, unknown ones are errors. */
#include "op_key.h"

#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAGIC "ofconsole-operator-key-v1"
#define KEY_FILE_MAX   4096
#define SEED_LEN       crypto_sign_SEEDBYTES

struct ofc_op_key {
    char operator_id[OFC_OPERATOR_MAX + 1];
    char key_id[OFC_KEY_ID_LEN + 1];
    unsigned char pk[OFC_PUBLIC_KEY_LEN];
    unsigned char *sk; /* sodium_malloc'd, crypto_sign_SECRETKEYBYTES */
};

bool ofc_crypto_init(void)
{
    return sodium_init() >= 0;
}

bool ofc_operator_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > OFC_OPERATOR_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

void ofc_key_id(const unsigned char pk[OFC_PUBLIC_KEY_LEN], char *out)
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, pk, OFC_PUBLIC_KEY_LEN, NULL, 0);
    sodium_bin2hex(out, OFC_KEY_ID_LEN + 1, digest, OFC_KEY_ID_LEN / 2);
}

static void b64(char *out, size_t out_size, const unsigned char *bin, size_t len)
{
    sodium_bin2base64(out, out_size, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

size_t ofc_trust_line(const unsigned char pk[OFC_PUBLIC_KEY_LEN], const char *operator_id,
                      char *buf, size_t size)
{
    char pk64[64];
    b64(pk64, sizeof pk64, pk, OFC_PUBLIC_KEY_LEN);
    int n = snprintf(buf, size, "ed25519 %s operator=%s", pk64, operator_id);
    return n < 0 ? 0 : (size_t)n;
}

static bool write_all(int fd, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

ofc_err ofc_op_key_generate(const char *operator_id, const char *path, const char *passphrase,
                            char *errstr, size_t errstr_size)
{
    unsigned char pk[OFC_PUBLIC_KEY_LEN], seed[SEED_LEN];
    unsigned char *sk = NULL;
    char text[KEY_FILE_MAX], kid[OFC_KEY_ID_LEN + 1], pk64[64];
    ofc_err err = OFC_ERR_IO;

    if (!ofc_crypto_init()) {
        snprintf(errstr, errstr_size, "libsodium failed to initialise");
        return OFC_ERR_STATE;
    }
    if (!ofc_operator_id_valid(operator_id)) {
        snprintf(errstr, errstr_size,
                 "operator id \"%s\": use 1-128 characters of A-Z a-z 0-9 . _ @ : -", operator_id);
        return OFC_ERR_INVALID_ARG;
    }
    sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!sk) {
        snprintf(errstr, errstr_size, "cannot allocate secure memory");
        return OFC_ERR_STATE;
    }
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    ofc_key_id(pk, kid);
    b64(pk64, sizeof pk64, pk, sizeof pk);

    int n = snprintf(text, sizeof text, KEY_FILE_MAGIC "\noperator=%s\nkey-id=%s\npublic=%s\n",
                     operator_id, kid, pk64);
    if (passphrase) {
        unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
        unsigned char box[SEED_LEN + crypto_secretbox_MACBYTES], kek[crypto_secretbox_KEYBYTES];
        unsigned long long ops = crypto_pwhash_OPSLIMIT_MODERATE;
        size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        char salt64[64], nonce64[64], box64[128];
        randombytes_buf(salt, sizeof salt);
        randombytes_buf(nonce, sizeof nonce);
        if (crypto_pwhash(kek, sizeof kek, passphrase, strlen(passphrase), salt, ops, mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            snprintf(errstr, errstr_size, "key derivation ran out of memory");
            err = OFC_ERR_STATE;
            goto out;
        }
        crypto_secretbox_easy(box, seed, sizeof seed, nonce, kek);
        sodium_memzero(kek, sizeof kek);
        b64(salt64, sizeof salt64, salt, sizeof salt);
        b64(nonce64, sizeof nonce64, nonce, sizeof nonce);
        b64(box64, sizeof box64, box, sizeof box);
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "kdf=argon2id13\nopslimit=%llu\nmemlimit=%zu\nsalt=%s\nnonce=%s\nsecret=%s\n",
                      ops, mem, salt64, nonce64, box64);
    } else {
        char seed64[64];
        b64(seed64, sizeof seed64, seed, sizeof seed);
        n += snprintf(text + n, sizeof text - (size_t)n, "kdf=none\nsecret=%s\n", seed64);
        sodium_memzero(seed64, sizeof seed64);
    }

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        goto out;
    }
    bool ok = write_all(fd, text) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        snprintf(errstr, errstr_size, "%s: write failed: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    char pub_path[4096], line[256];
    snprintf(pub_path, sizeof pub_path, "%s.pub", path);
    ofc_trust_line(pk, operator_id, line, sizeof line);
    FILE *f = fopen(pub_path, "w");
    if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", pub_path, strerror(errno));
        goto out;
    }
    err = OFC_OK;
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    sodium_free(sk);
    return err;
}

/* ---- loading ---- */

typedef struct key_fields {
    char operator_id[OFC_OPERATOR_MAX + 1];
    char key_id[OFC_KEY_ID_LEN + 1];
    char pub[64], kdf[32], salt[64], nonce[64], secret[128];
    unsigned long long ops;
    size_t mem;
    unsigned seen; /* bit per field */
} key_fields;

static bool copy_field(char *dst, size_t size, const char *v)
{
    size_t n = strlen(v);
    if (n >= size)
        return false;
    memcpy(dst, v, n + 1);
    return true;
}

static ofc_err parse_key_text(char *text, key_fields *kf, char *errstr, size_t errstr_size)
{
    static const char *const names[] = {"operator", "key-id", "public", "kdf",   "opslimit",
                                        "memlimit", "salt",   "nonce",  "secret"};
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    unsigned lineno = 1;
    if (!line || strcmp(line, KEY_FILE_MAGIC) != 0) {
        snprintf(errstr, errstr_size, "not an ofconsole operator key (first line)");
        return OFC_ERR_PARSE;
    }
    memset(kf, 0, sizeof *kf);
    while ((line = strtok_r(NULL, "\n", &save))) {
        lineno++;
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(errstr, errstr_size, "line %u: expected name=value", lineno);
            return OFC_ERR_PARSE;
        }
        *eq = '\0';
        const char *v = eq + 1;
        int idx = -1;
        for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
            if (strcmp(line, names[i]) == 0)
                idx = i;
        if (idx < 0 || (kf->seen & (1u << idx))) {
            snprintf(errstr, errstr_size, "line %u: %s field \"%s\"", lineno,
                     idx < 0 ? "unknown" : "repeated", line);
            return OFC_ERR_PARSE;
        }
        kf->seen |= 1u << idx;
        bool ok = true;
        char *end;
        switch (idx) {
        case 0: ok = copy_field(kf->operator_id, sizeof kf->operator_id, v); break;
        case 1: ok = copy_field(kf->key_id, sizeof kf->key_id, v); break;
        case 2: ok = copy_field(kf->pub, sizeof kf->pub, v); break;
        case 3: ok = copy_field(kf->kdf, sizeof kf->kdf, v); break;
        case 4:
            kf->ops = strtoull(v, &end, 10);
            ok = *v && !*end;
            break;
        case 5:
            kf->mem = (size_t)strtoull(v, &end, 10);
            ok = *v && !*end;
            break;
        case 6: ok = copy_field(kf->salt, sizeof kf->salt, v); break;
        case 7: ok = copy_field(kf->nonce, sizeof kf->nonce, v); break;
        case 8: ok = copy_field(kf->secret, sizeof kf->secret, v); break;
        }
        if (!ok) {
            snprintf(errstr, errstr_size, "line %u: bad value for %s", lineno, line);
            return OFC_ERR_PARSE;
        }
    }
    const unsigned need = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 8);
    if ((kf->seen & need) != need) {
        snprintf(errstr, errstr_size, "missing fields (operator, key-id, public, kdf, secret)");
        return OFC_ERR_PARSE;
    }
    return OFC_OK;
}

static bool unb64(unsigned char *out, size_t want, const char *text)
{
    size_t len = 0;
    if (sodium_base642bin(out, want, text, strlen(text), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return len == want;
}

static ofc_err read_key_file(const char *path, char *text, size_t size, char *errstr,
                             size_t errstr_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return OFC_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errstr, errstr_size, "%s: not a regular file", path);
        close(fd);
        return OFC_ERR_IO;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(errstr, errstr_size,
                 "%s: permissions %04o are too open: a private key must not be accessible by "
                 "others (chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return OFC_ERR_CONFIG;
    }
    ssize_t n = read(fd, text, size - 1);
    close(fd);
    if (n < 0 || (size_t)n >= size - 1) {
        snprintf(errstr, errstr_size, "%s: %s", path, n < 0 ? strerror(errno) : "too large");
        return OFC_ERR_IO;
    }
    text[n] = '\0';
    if (memchr(text, '\0', (size_t)n)) {
        snprintf(errstr, errstr_size, "%s: binary content", path);
        return OFC_ERR_PARSE;
    }
    return OFC_OK;
}

bool ofc_op_key_is_encrypted(const char *path)
{
    char text[KEY_FILE_MAX], err[256];
    key_fields kf;
    if (read_key_file(path, text, sizeof text, err, sizeof err) != OFC_OK)
        return false;
    bool enc = parse_key_text(text, &kf, err, sizeof err) == OFC_OK && strcmp(kf.kdf, "none");
    sodium_memzero(text, sizeof text);
    sodium_memzero(&kf, sizeof kf);
    return enc;
}

ofc_err ofc_op_key_load(const char *path, const char *passphrase, ofc_op_key **out, char *errstr,
                        size_t errstr_size)
{
    char text[KEY_FILE_MAX], inner[200];
    key_fields kf;
    unsigned char seed[SEED_LEN], pk[OFC_PUBLIC_KEY_LEN], listed_pk[OFC_PUBLIC_KEY_LEN];
    ofc_op_key *key = NULL;
    ofc_err err;

    *out = NULL;
    if (!ofc_crypto_init()) {
        snprintf(errstr, errstr_size, "libsodium failed to initialise");
        return OFC_ERR_STATE;
    }
    if ((err = read_key_file(path, text, sizeof text, errstr, errstr_size)) != OFC_OK)
        return err;
    if ((err = parse_key_text(text, &kf, inner, sizeof inner)) != OFC_OK) {
        snprintf(errstr, errstr_size, "%s: %s", path, inner);
        goto out;
    }
    err = OFC_ERR_PARSE;
    if (!ofc_operator_id_valid(kf.operator_id) || !unb64(listed_pk, sizeof listed_pk, kf.pub)) {
        snprintf(errstr, errstr_size, "%s: bad operator or public key", path);
        goto out;
    }
    if (strcmp(kf.kdf, "none") == 0) {
        if (!unb64(seed, sizeof seed, kf.secret)) {
            snprintf(errstr, errstr_size, "%s: bad secret", path);
            goto out;
        }
    } else if (strcmp(kf.kdf, "argon2id13") == 0) {
        unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
        unsigned char box[SEED_LEN + crypto_secretbox_MACBYTES], kek[crypto_secretbox_KEYBYTES];
        if (!unb64(salt, sizeof salt, kf.salt) || !unb64(nonce, sizeof nonce, kf.nonce) ||
            !unb64(box, sizeof box, kf.secret) || kf.ops < crypto_pwhash_OPSLIMIT_MIN ||
            kf.ops > 64 || kf.mem < crypto_pwhash_MEMLIMIT_MIN || kf.mem > (size_t)1 << 31) {
            snprintf(errstr, errstr_size, "%s: bad kdf parameters", path);
            goto out;
        }
        if (!passphrase) {
            snprintf(errstr, errstr_size, "%s: the key is encrypted: a passphrase is needed", path);
            err = OFC_ERR_INVALID_ARG;
            goto out;
        }
        if (crypto_pwhash(kek, sizeof kek, passphrase, strlen(passphrase), salt, kf.ops, kf.mem,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            snprintf(errstr, errstr_size, "%s: key derivation ran out of memory", path);
            err = OFC_ERR_STATE;
            goto out;
        }
        int bad = crypto_secretbox_open_easy(seed, box, sizeof box, nonce, kek);
        sodium_memzero(kek, sizeof kek);
        if (bad) {
            snprintf(errstr, errstr_size, "%s: wrong passphrase", path);
            err = OFC_ERR_INVALID_ARG;
            goto out;
        }
    } else {
        snprintf(errstr, errstr_size, "%s: unknown kdf \"%s\"", path, kf.kdf);
        goto out;
    }

    key = xcalloc(1, sizeof *key);
    key->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!key->sk) {
        snprintf(errstr, errstr_size, "cannot allocate secure memory");
        err = OFC_ERR_STATE;
        goto out;
    }
    crypto_sign_seed_keypair(pk, key->sk, seed);
    if (memcmp(pk, listed_pk, sizeof pk) != 0) {
        snprintf(errstr, errstr_size, "%s: the secret does not match the public key", path);
        goto out;
    }
    memcpy(key->pk, pk, sizeof pk);
    snprintf(key->operator_id, sizeof key->operator_id, "%s", kf.operator_id);
    ofc_key_id(pk, key->key_id);
    if (strcmp(key->key_id, kf.key_id) != 0) {
        snprintf(errstr, errstr_size, "%s: key-id does not match the public key", path);
        goto out;
    }
    sodium_mprotect_readonly(key->sk);
    *out = key;
    key = NULL;
    err = OFC_OK;
out:
    ofc_op_key_destroy(key);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(text, sizeof text);
    sodium_memzero(&kf, sizeof kf);
    return err;
}

void ofc_op_key_destroy(ofc_op_key *key)
{
    if (!key)
        return;
    sodium_free(key->sk);
    free(key);
}

const char *ofc_op_key_operator(const ofc_op_key *key)
{
    return key->operator_id;
}

const char *ofc_op_key_id(const ofc_op_key *key)
{
    return key->key_id;
}

const unsigned char *ofc_op_key_public(const ofc_op_key *key)
{
    return key->pk;
}

void ofc_op_key_sign(const ofc_op_key *key, const void *msg, size_t len,
                     unsigned char sig[OFC_SIGNATURE_LEN])
{
    crypto_sign_detached(sig, NULL, msg, len, key->sk);
}
