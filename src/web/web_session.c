/* web_session: session values (issue, verify), the secret file, Cookie and login parsing. */
#include "web_session.h"

#include "json_scan.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAC_LABEL       "ofc-session-v1."
#define PAYLOAD_MAX     160 /* decoded payload bytes */
#define FINGERPRINT_LEN 16  /* hex digits */
#define CLOCK_SKEW_S    60

void web_session_key_random(web_session_key *key)
{
    if (sodium_init() < 0)
        abort();
    randombytes_buf(key->k, sizeof key->k);
}

static ofc_err create_secret(const char *path, char *errstr, size_t errstr_size)
{
    unsigned char raw[32];
    char hex[65];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    hex[64] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, hex, sizeof hex) == (ssize_t)sizeof hex && fsync(fd) == 0;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (!ok) {
        snprintf(errstr, errstr_size, "%s: cannot create: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(path);
    }
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(hex, sizeof hex);
    return ok ? OFC_OK : OFC_ERR_IO;
}

ofc_err web_session_key_load(web_session_key *key, const char *path, bool create, char *errstr,
                             size_t errstr_size)
{
    size_t len;
    if (sodium_init() < 0)
        abort();
    if (create && access(path, F_OK) != 0 && errno == ENOENT) {
        ofc_err err = create_secret(path, errstr, errstr_size);
        if (err)
            return err;
    }
    char *text = web_file_read(path, 4096, 077, &len, errstr, errstr_size);
    if (!text)
        return OFC_ERR_IO;
    if (len < 32) {
        snprintf(errstr, errstr_size, "%s: a session secret needs at least 32 bytes", path);
        free(text);
        return OFC_ERR_CONFIG;
    }
    crypto_generichash(key->k, sizeof key->k, (unsigned char *)text, len, NULL, 0);
    sodium_memzero(text, len);
    free(text);
    return OFC_OK;
}

static void fingerprint(const web_user *user, char out[FINGERPRINT_LEN + 1])
{
    sodium_bin2hex(out, FINGERPRINT_LEN + 1, user->hash, FINGERPRINT_LEN / 2);
}

static void mac_of(const web_session_key *key, const char *payload_b64, size_t len,
                   unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key->k, sizeof key->k);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)MAC_LABEL, sizeof MAC_LABEL - 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)payload_b64, len);
    crypto_auth_hmacsha256_final(&st, mac);
}

size_t web_session_issue(const web_session_key *key, const web_user *user, int64_t now_s,
                         int64_t ttl_s, char *out, size_t out_size)
{
    char payload[PAYLOAD_MAX], fp[FINGERPRINT_LEN + 1];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    fingerprint(user, fp);
    int plen = snprintf(payload, sizeof payload, "%s\n%lld\n%lld\n%s", user->name, (long long)now_s,
                        (long long)(now_s + ttl_s), fp);
    if (plen < 0 || (size_t)plen >= sizeof payload || out_size < WEB_SESSION_MAX)
        return 0;
    memcpy(out, "v1.", 3);
    sodium_bin2base64(out + 3, out_size - 3, (unsigned char *)payload, (size_t)plen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t n = strlen(out);
    mac_of(key, out + 3, n - 3, mac);
    out[n++] = '.';
    sodium_bin2base64(out + n, out_size - n, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strlen(out);
}

/* Strict base64url without padding: every character must be decoded. */
static bool b64_decode(const char *s, size_t len, unsigned char *out, size_t cap, size_t *out_len)
{
    const char *end = NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    if (len % 4 == 1)
        return false;
    if (sodium_base642bin(out, cap, s, len, NULL, out_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    return end == s + len;
}

/* A decimal number of at most 18 digits, no sign, no leading zero. */
static bool parse_seconds(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;
    if (len == 0 || len > 18 || (len > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

const web_user *web_session_verify(const web_session_key *key, const web_users *users,
                                   const char *value, size_t len, int64_t now_s, const char **why)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES], want[crypto_auth_hmacsha256_BYTES];
    unsigned char payload[PAYLOAD_MAX + 1];
    size_t mac_len, plen;
    *why = "malformed session";
    if (len < 4 || len >= WEB_SESSION_MAX || memcmp(value, "v1.", 3) != 0)
        return NULL;
    const char *p = value + 3, *end = value + len;
    const char *dot = memchr(p, '.', (size_t)(end - p));
    if (!dot)
        return NULL;
    if (!b64_decode(dot + 1, (size_t)(end - dot - 1), mac, sizeof mac, &mac_len) ||
        mac_len != sizeof mac)
        return NULL;
    mac_of(key, p, (size_t)(dot - p), want);
    if (sodium_memcmp(mac, want, sizeof mac) != 0) {
        *why = "session not signed by this service";
        return NULL;
    }
    /* Authentic from here on; still parsed strictly. */
    if (!b64_decode(p, (size_t)(dot - p), payload, PAYLOAD_MAX, &plen))
        return NULL;
    payload[plen] = '\0';
    const char *f[4];
    size_t fl[4], nf = 0, start = 0;
    for (size_t i = 0; i <= plen && nf < 4; i++) {
        if (i == plen || payload[i] == '\n') {
            f[nf] = (const char *)payload + start;
            fl[nf++] = i - start;
            start = i + 1;
        }
    }
    int64_t issued, expires;
    if (nf != 4 || start != plen + 1 || !web_user_name_valid(f[0], fl[0]) ||
        !parse_seconds(f[1], fl[1], &issued) || !parse_seconds(f[2], fl[2], &expires) ||
        fl[3] != FINGERPRINT_LEN)
        return NULL;
    if (expires <= now_s) {
        *why = "session expired";
        return NULL;
    }
    if (issued > now_s + CLOCK_SKEW_S || expires < issued) {
        *why = "session from the future";
        return NULL;
    }
    char name[WEB_USER_NAME_MAX + 1], fp[FINGERPRINT_LEN + 1];
    memcpy(name, f[0], fl[0]);
    name[fl[0]] = '\0';
    const web_user *user = web_users_find(users, name);
    if (!user) {
        *why = "user no longer exists";
        return NULL;
    }
    fingerprint(user, fp);
    if (sodium_memcmp(fp, f[3], FINGERPRINT_LEN) != 0) {
        *why = "user's token was replaced";
        return NULL;
    }
    *why = NULL;
    return user;
}

static bool is_cookie_octet(unsigned char c)
{
    /* RFC 6265 cookie-octet: no CTLs, whitespace, DQUOTE, comma, semicolon or backslash. */
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static bool is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

bool web_cookie_find(const char *header, size_t len, const char *name, const char **value,
                     size_t *value_len)
{
    size_t nlen = strlen(name), i = 0;
    bool found = false;
    while (i < len) {
        while (i < len && (header[i] == ' ' || header[i] == '\t'))
            i++;
        size_t ns = i;
        while (i < len && is_token_char((unsigned char)header[i]))
            i++;
        size_t ne = i;
        if (ne == ns || i >= len || header[i] != '=')
            return false;
        i++;
        bool quoted = i < len && header[i] == '"';
        if (quoted)
            i++;
        size_t vs = i;
        while (i < len && is_cookie_octet((unsigned char)header[i]))
            i++;
        size_t ve = i;
        if (quoted) {
            if (i >= len || header[i] != '"')
                return false;
            i++;
        }
        if (ne - ns == nlen && memcmp(header + ns, name, nlen) == 0) {
            if (found)
                return false; /* named twice: refuse rather than guess which is ours */
            found = true;
            *value = header + vs;
            *value_len = ve - vs;
        }
        while (i < len && (header[i] == ' ' || header[i] == '\t'))
            i++;
        if (i == len)
            break;
        if (header[i] != ';')
            return false;
        i++;
    }
    return found;
}

bool web_login_parse(const char *body, size_t len, char *token, const char **why)
{
    json_scan_val v;
    const char *key;
    size_t klen;
    bool have = false, ok = false;
    *why = "malformed login request";
    if (len == 0 || len > WEB_LOGIN_BODY_MAX)
        return false;
    json_scan *js = json_scan_new(2);
    json_scan_begin(js, body, len);
    if (!json_scan_value(js, &v) || v.type != JSON_SCAN_OBJECT)
        goto out;
    for (;;) {
        int r = json_scan_member(js, &key, &klen, &v);
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        if (klen != 5 || memcmp(key, "token", 5) != 0) {
            *why = "unknown field in login request";
            goto out;
        }
        if (have || v.type != JSON_SCAN_STRING || v.len == 0 || v.len >= WEB_TOKEN_SIZE)
            goto out;
        for (size_t i = 0; i < v.len; i++)
            if ((unsigned char)v.ptr[i] <= 0x20 || (unsigned char)v.ptr[i] >= 0x7f)
                goto out;
        memcpy(token, v.ptr, v.len);
        token[v.len] = '\0';
        have = true;
    }
    if (!json_scan_end(js) || json_scan_duplicate(js) || !have)
        goto out;
    ok = true;
    *why = NULL;
out:
    json_scan_destroy(js);
    if (!ok && have)
        sodium_memzero(token, WEB_TOKEN_SIZE);
    return ok;
}

bool web_bearer_find(const char *header, size_t len, const char **token, size_t *token_len)
{
    if (len < 8 || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    size_t i = 7;
    while (i < len && header[i] == ' ')
        i++;
    size_t s = i;
    while (i < len && (unsigned char)header[i] > 0x20 && (unsigned char)header[i] < 0x7f)
        i++;
    size_t e = i;
    while (i < len && header[i] == ' ')
        i++;
    if (e == s || i != len || e - s >= WEB_TOKEN_SIZE)
        return false;
    *token = header + s;
    *token_len = e - s;
    return true;
}
