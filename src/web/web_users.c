/* web_users: the users file (strict parser, atomic rewrite) and bearer tokens. */
#include "web_users.h"

#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Domain separation for token hashes: not a secret, it only makes these hashes differ from
 * any other BLAKE2b use of the same bytes. */
static const unsigned char token_hash_key[] = "ofconsole web token hash v1";
static const char hash_scheme[] = "blake2b:";

const char *web_role_name(web_role role)
{
    switch (role) {
    case WEB_ROLE_VIEWER: return "viewer";
    case WEB_ROLE_OPERATOR: return "operator";
    case WEB_ROLE_NONE: break;
    }
    return "none";
}

bool web_role_parse(const char *s, size_t len, web_role *out)
{
    if (len == 6 && memcmp(s, "viewer", 6) == 0) {
        *out = WEB_ROLE_VIEWER;
        return true;
    }
    if (len == 8 && memcmp(s, "operator", 8) == 0) {
        *out = WEB_ROLE_OPERATOR;
        return true;
    }
    return false;
}

bool web_user_name_valid(const char *s, size_t len)
{
    if (len == 0 || len > WEB_USER_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

void web_users_init(web_users *u)
{
    u->users = NULL;
    u->count = 0;
}

void web_users_fini(web_users *u)
{
    if (u->users)
        sodium_memzero(u->users, u->count * sizeof *u->users);
    free(u->users);
    web_users_init(u);
}

void web_token_hash(const char *token, size_t len, unsigned char out[WEB_TOKEN_HASH_SIZE])
{
    crypto_generichash(out, WEB_TOKEN_HASH_SIZE, (const unsigned char *)token, len, token_hash_key,
                       sizeof token_hash_key - 1);
}

void web_token_new(char out[WEB_TOKEN_SIZE])
{
    unsigned char raw[32];
    if (sodium_init() < 0)
        abort();
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "ofc_", 4);
    sodium_bin2base64(out + 4, WEB_TOKEN_SIZE - 4, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool parse_hash(const char *s, size_t len, unsigned char out[WEB_TOKEN_HASH_SIZE])
{
    size_t sl = sizeof hash_scheme - 1;
    if (len != sl + 2 * WEB_TOKEN_HASH_SIZE || memcmp(s, hash_scheme, sl) != 0)
        return false;
    s += sl;
    for (size_t i = 0; i < WEB_TOKEN_HASH_SIZE; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Split a line into at most max fields separated by spaces/tabs. Returns the field count, or
 * max + 1 when there are more. */
static size_t split_fields(const char *line, size_t len, const char **f, size_t *fl, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        if (n == max)
            return max + 1;
        f[n] = line + start;
        fl[n] = i - start;
        n++;
    }
    return n;
}

/* What a line holds: nothing (blank or comment), a user, or an error. */
typedef enum line_kind { LINE_EMPTY, LINE_USER, LINE_BAD } line_kind;

static line_kind parse_line(const char *line, size_t len, web_user *out, const char **why)
{
    const char *f[3];
    size_t fl[3];
    if (memchr(line, '\0', len)) {
        *why = "NUL byte in line";
        return LINE_BAD;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t' && !(c == '\r' && i == len - 1)) || c == 0x7f) {
            *why = "control character in line";
            return LINE_BAD;
        }
    }
    if (len && line[len - 1] == '\r')
        len--;
    size_t n = split_fields(line, len, f, fl, 3);
    if (n == 0 || f[0][0] == '#')
        return LINE_EMPTY;
    if (n != 3) {
        *why = "expected \"NAME ROLE HASH\"";
        return LINE_BAD;
    }
    if (!web_user_name_valid(f[0], fl[0])) {
        *why = "bad user name (1-64 of A-Z a-z 0-9 . _ @ -)";
        return LINE_BAD;
    }
    if (!web_role_parse(f[1], fl[1], &out->role)) {
        *why = "role must be viewer or operator";
        return LINE_BAD;
    }
    if (!parse_hash(f[2], fl[2], out->hash)) {
        *why = "hash must be blake2b: and 64 lower-case hex digits";
        return LINE_BAD;
    }
    memcpy(out->name, f[0], fl[0]);
    out->name[fl[0]] = '\0';
    return LINE_USER;
}

ofc_err web_users_parse(web_users *u, const char *text, size_t len, char *errstr,
                        size_t errstr_size)
{
    web_users_fini(u);
    if (len > WEB_USERS_FILE_MAX) {
        snprintf(errstr, errstr_size, "users file larger than %d bytes", WEB_USERS_FILE_MAX);
        return OFC_ERR_LIMIT;
    }
    size_t cap = 0, pos = 0;
    unsigned lineno = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *why = NULL;
        web_user user;
        lineno++;
        memset(&user, 0, sizeof user);
        line_kind k = parse_line(text + pos, end - pos, &user, &why);
        pos = nl ? end + 1 : len;
        if (k == LINE_EMPTY)
            continue;
        if (k == LINE_USER && web_users_find(u, user.name))
            why = "user named twice";
        else if (k == LINE_USER && u->count == WEB_USERS_MAX)
            why = "too many users";
        if (why) {
            snprintf(errstr, errstr_size, "line %u: %s", lineno, why);
            web_users_fini(u);
            return OFC_ERR_PARSE;
        }
        if (u->count == cap) {
            cap = cap ? cap * 2 : 8;
            u->users = xreallocarray(u->users, cap, sizeof *u->users);
        }
        u->users[u->count++] = user;
    }
    return OFC_OK;
}

char *web_file_read(const char *path, size_t max, unsigned forbidden_mode, size_t *len,
                    char *errstr, size_t errstr_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(errstr, errstr_size, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_mode & forbidden_mode) {
        snprintf(errstr, errstr_size, "%s: mode %03o gives too much to group or others", path,
                 (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(errstr, errstr_size, "%s: larger than %zu bytes", path, max);
        close(fd);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

ofc_err web_users_load(web_users *u, const char *path, char *errstr, size_t errstr_size)
{
    size_t len;
    char inner[256];
    web_users_fini(u);
    char *text = web_file_read(path, WEB_USERS_FILE_MAX, 022, &len, errstr, errstr_size);
    if (!text)
        return OFC_ERR_IO;
    ofc_err err = web_users_parse(u, text, len, inner, sizeof inner);
    if (err)
        snprintf(errstr, errstr_size, "%s: %s", path, inner);
    sodium_memzero(text, len);
    free(text);
    return err;
}

const web_user *web_users_find(const web_users *u, const char *name)
{
    for (size_t i = 0; i < u->count; i++)
        if (strcmp(u->users[i].name, name) == 0)
            return &u->users[i];
    return NULL;
}

const web_user *web_users_by_token(const web_users *u, const char *token, size_t len)
{
    unsigned char h[WEB_TOKEN_HASH_SIZE];
    const web_user *found = NULL;
    web_token_hash(token, len, h);
    /* Every entry is compared, so the time does not tell which one matched. */
    for (size_t i = 0; i < u->count; i++)
        if (sodium_memcmp(h, u->users[i].hash, sizeof h) == 0)
            found = &u->users[i];
    return found;
}

/* Write text to path atomically: a 0600 temporary file beside it, fsync, rename. */
static ofc_err write_atomic(const char *path, const char *text, size_t len, char *errstr,
                            size_t errstr_size)
{
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return OFC_ERR_IO;
    }
    bool ok = fchmod(fd, 0600) == 0;
    size_t done = 0;
    while (ok && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            done += (size_t)w;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? OFC_OK : OFC_ERR_IO;
}

static const char file_header[] =
    "# ofconsole web users: NAME ROLE TOKEN-HASH, one a line (ofc web --add-user).\n"
    "# Roles: viewer, operator. Tokens are shown once when made and never stored.\n";

/* The current text of the users file, or the header for a new one. */
static char *current_text(const char *path, size_t *len, char *errstr, size_t errstr_size)
{
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        *len = sizeof file_header - 1;
        return xstrdup(file_header);
    }
    return web_file_read(path, WEB_USERS_FILE_MAX, 022, len, errstr, errstr_size);
}

ofc_err web_users_add(const char *path, const char *name, web_role role, char *token_out,
                      char *errstr, size_t errstr_size)
{
    web_users u;
    size_t len;
    char inner[256];
    if (!web_user_name_valid(name, strlen(name))) {
        snprintf(errstr, errstr_size, "bad user name \"%s\" (1-64 of A-Z a-z 0-9 . _ @ -)", name);
        return OFC_ERR_INVALID_ARG;
    }
    if (role != WEB_ROLE_VIEWER && role != WEB_ROLE_OPERATOR) {
        snprintf(errstr, errstr_size, "role must be viewer or operator");
        return OFC_ERR_INVALID_ARG;
    }
    char *text = current_text(path, &len, errstr, errstr_size);
    if (!text)
        return OFC_ERR_IO;
    web_users_init(&u);
    ofc_err err = web_users_parse(&u, text, len, inner, sizeof inner);
    if (err) {
        snprintf(errstr, errstr_size, "%s: %s", path, inner);
    } else if (web_users_find(&u, name)) {
        snprintf(errstr, errstr_size, "%s: user \"%s\" exists (remove it first to rotate)", path,
                 name);
        err = OFC_ERR_STATE;
    }
    web_users_fini(&u);
    if (err) {
        free(text);
        return err;
    }

    unsigned char h[WEB_TOKEN_HASH_SIZE];
    char hex[2 * WEB_TOKEN_HASH_SIZE + 1];
    web_token_new(token_out);
    web_token_hash(token_out, strlen(token_out), h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    size_t cap = len + strlen(name) + sizeof hex + 32;
    char *out = xmalloc(cap);
    int n = snprintf(out, cap, "%.*s%s%s %s %s%s\n", (int)len, text,
                     len && text[len - 1] != '\n' ? "\n" : "", name, web_role_name(role),
                     hash_scheme, hex);
    err = write_atomic(path, out, (size_t)n, errstr, errstr_size);
    free(out);
    free(text);
    if (err)
        sodium_memzero(token_out, WEB_TOKEN_SIZE);
    return err;
}

ofc_err web_users_remove(const char *path, const char *name, char *errstr, size_t errstr_size)
{
    size_t len;
    char inner[256];
    web_users u;
    char *text = web_file_read(path, WEB_USERS_FILE_MAX, 022, &len, errstr, errstr_size);
    if (!text)
        return OFC_ERR_IO;
    web_users_init(&u);
    ofc_err err = web_users_parse(&u, text, len, inner, sizeof inner);
    if (err) {
        snprintf(errstr, errstr_size, "%s: %s", path, inner);
        free(text);
        return err;
    }
    bool present = web_users_find(&u, name) != NULL;
    web_users_fini(&u);
    if (!present) {
        snprintf(errstr, errstr_size, "%s: no user \"%s\"", path, name);
        free(text);
        return OFC_ERR_NOT_FOUND;
    }
    /* Keep every line but the user's own (the file parsed, so lines are well formed). */
    char *out = xmalloc(len + 1);
    size_t olen = 0, pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        web_user user;
        const char *why;
        memset(&user, 0, sizeof user);
        if (parse_line(text + pos, end - pos - (nl ? 1 : 0), &user, &why) != LINE_USER ||
            strcmp(user.name, name) != 0) {
            memcpy(out + olen, text + pos, end - pos);
            olen += end - pos;
        }
        pos = end;
    }
    err = write_atomic(path, out, olen, errstr, errstr_size);
    free(out);
    free(text);
    return err;
}
