/* trust_store: a strict line parser (unknown options and repeated keys are errors, since a
 * silently ignored typo in a security file grants or denies the wrong thing) and the policy. */
#include "trust_store.h"

#include "xmalloc.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TRUST_LINE_MAX 4096
#define TRUST_FILE_MAX (4 * 1024 * 1024)
#define LIST_MAX       256
/* Each key costs ~30 KB of verification table (ed25519_vkey.h) and ~0.15 ms to load: 4,096 keys
 * is 120 MB, far more people than one plant's trust store names. */
#define TRUST_KEYS_MAX 4096

typedef struct name_list {
    char **items;
    size_t count;
    bool any; /* "*" */
} name_list;

struct ofc_trust_entry {
    unsigned char pk[OFC_PUBLIC_KEY_LEN];
    ed25519_vkey *vkey; /* owned: the decoded key and its verification table */
    char key_id[OFC_KEY_ID_LEN + 1];
    char *operator_id;
    name_list roles, methods, uns, assets;
};

struct ofc_trust {
    ofc_trust_entry *entries;
    size_t count;
};

const char *ofc_policy_str(ofc_policy p)
{
    switch (p) {
    case OFC_POLICY_ALLOW: return "allowed";
    case OFC_POLICY_ROLE: return "the key does not have the operator role";
    case OFC_POLICY_METHOD: return "the method is not allowed for this key";
    case OFC_POLICY_SCOPE: return "the asset is outside the key's assets and UNS subtrees";
    }
    return "denied";
}

static void list_free(name_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void entry_free(ofc_trust_entry *e)
{
    ed25519_vkey_destroy(e->vkey);
    free(e->operator_id);
    list_free(&e->roles);
    list_free(&e->methods);
    list_free(&e->uns);
    list_free(&e->assets);
}

void ofc_trust_destroy(ofc_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        entry_free(&t->entries[i]);
    free(t->entries);
    free(t);
}

static bool parse_list(const char *v, name_list *l)
{
    if (strcmp(v, "*") == 0) {
        l->any = true;
        return true;
    }
    const char *s = v;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n == 0 || l->count == LIST_MAX)
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x21 || s[i] == '*')
                return false;
        l->items = xreallocarray(l->items, l->count + 1, sizeof *l->items);
        l->items[l->count++] = xstrndup(s, n);
        s += n + (comma ? 1 : 0);
        if (comma && !*s)
            return false;
    }
    return l->count > 0;
}

static ofc_err parse_line(char *line, ofc_trust_entry *e, char *why, size_t why_size)
{
    char *save = NULL;
    char *alg = strtok_r(line, " \t", &save);
    char *pk64 = strtok_r(NULL, " \t", &save);
    if (!alg || strcmp(alg, "ed25519") != 0) {
        snprintf(why, why_size, "expected \"ed25519 <public key> operator=<id> ...\"");
        return OFC_ERR_PARSE;
    }
    size_t len = 0;
    if (!pk64 ||
        sodium_base642bin(e->pk, sizeof e->pk, pk64, strlen(pk64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != sizeof e->pk) {
        snprintf(why, why_size, "the public key is not 32 bytes of base64");
        return OFC_ERR_PARSE;
    }
    ofc_key_id(e->pk, e->key_id);
    ed25519_vkey_err bad_key;
    e->vkey = ed25519_vkey_new(e->pk, &bad_key);
    if (!e->vkey) {
        /* No signature could ever verify with it (libsodium refuses it too): say so now. */
        snprintf(why, why_size, "the public key is %s, not an Ed25519 public key",
                 ed25519_vkey_err_str(bad_key));
        return OFC_ERR_PARSE;
    }
    char *opt;
    while ((opt = strtok_r(NULL, " \t", &save))) {
        if (opt[0] == '#')
            break; /* the rest of the line is a comment */
        char *eq = strchr(opt, '=');
        if (!eq || eq == opt || !eq[1]) {
            snprintf(why, why_size, "option \"%s\" is not name=value", opt);
            return OFC_ERR_PARSE;
        }
        *eq = '\0';
        const char *v = eq + 1;
        name_list *target = NULL;
        if (strcmp(opt, "operator") == 0) {
            if (e->operator_id || !ofc_operator_id_valid(v)) {
                snprintf(why, why_size, "operator= repeated or not a valid operator id");
                return OFC_ERR_PARSE;
            }
            e->operator_id = xstrdup(v);
            continue;
        }
        if (strcmp(opt, "roles") == 0)
            target = &e->roles;
        else if (strcmp(opt, "methods") == 0)
            target = &e->methods;
        else if (strcmp(opt, "uns") == 0)
            target = &e->uns;
        else if (strcmp(opt, "assets") == 0)
            target = &e->assets;
        if (!target) {
            snprintf(why, why_size, "unknown option \"%s\"", opt);
            return OFC_ERR_PARSE;
        }
        if (target->count || target->any || !parse_list(v, target)) {
            snprintf(why, why_size, "%s= repeated or not a comma-separated list", opt);
            return OFC_ERR_PARSE;
        }
    }
    if (!e->operator_id) {
        snprintf(why, why_size, "operator= is required");
        return OFC_ERR_PARSE;
    }
    return OFC_OK;
}

ofc_err ofc_trust_parse(const char *text, size_t len, const char *name, ofc_trust **out,
                        char *errstr, size_t errstr_size)
{
    ofc_trust *t = xcalloc(1, sizeof *t);
    size_t pos = 0;
    unsigned lineno = 0;
    *out = NULL;
    if (len > TRUST_FILE_MAX || memchr(text, '\0', len)) {
        snprintf(errstr, errstr_size, "%s: too large or binary", name);
        ofc_trust_destroy(t);
        return OFC_ERR_PARSE;
    }
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char line[TRUST_LINE_MAX], why[200];
        lineno++;
        if (n >= sizeof line) {
            snprintf(errstr, errstr_size, "%s:%u: line too long", name, lineno);
            ofc_trust_destroy(t);
            return OFC_ERR_PARSE;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl ? 1 : 0);
        char *s = line;
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        size_t sl = strlen(s);
        while (sl && (s[sl - 1] == ' ' || s[sl - 1] == '\t' || s[sl - 1] == '\r'))
            s[--sl] = '\0';
        if (!*s || *s == '#')
            continue;
        if (t->count == TRUST_KEYS_MAX) {
            snprintf(errstr, errstr_size, "%s:%u: more than %d keys", name, lineno, TRUST_KEYS_MAX);
            ofc_trust_destroy(t);
            return OFC_ERR_PARSE;
        }
        ofc_trust_entry e;
        memset(&e, 0, sizeof e);
        if (parse_line(s, &e, why, sizeof why) != OFC_OK) {
            snprintf(errstr, errstr_size, "%s:%u: %s", name, lineno, why);
            entry_free(&e);
            ofc_trust_destroy(t);
            return OFC_ERR_PARSE;
        }
        if (ofc_trust_find(t, e.key_id)) {
            snprintf(errstr, errstr_size, "%s:%u: key %s is listed twice", name, lineno, e.key_id);
            entry_free(&e);
            ofc_trust_destroy(t);
            return OFC_ERR_PARSE;
        }
        t->entries = xreallocarray(t->entries, t->count + 1, sizeof *t->entries);
        t->entries[t->count++] = e;
    }
    *out = t;
    return OFC_OK;
}

ofc_err ofc_trust_load(const char *path, ofc_trust **out, char *errstr, size_t errstr_size)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return OFC_ERR_IO;
    }
    /* The store grants command rights: if others may write it, anyone on the machine could
     * enrol their own key (like ssh with authorized_keys). */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        fclose(f);
        snprintf(errstr, errstr_size,
                 "%s: writable by group or others, so anyone could add a key: refused "
                 "(chmod go-w %s)",
                 path, path);
        return OFC_ERR_IO;
    }
    size_t cap = 8192, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > TRUST_FILE_MAX)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(errstr, errstr_size, "%s: read error", path);
        free(buf);
        return OFC_ERR_IO;
    }
    ofc_err err = ofc_trust_parse(buf, n, path, out, errstr, errstr_size);
    free(buf);
    return err;
}

ofc_err ofc_trust_reload(const char *path, ofc_trust_stamp *stamp, ofc_trust **out, char *errstr,
                         size_t errstr_size)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        if (stamp->valid && stamp->size == -1)
            return OFC_OK; /* still missing: said once already */
        stamp->valid = true;
        stamp->size = -1;
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return OFC_ERR_IO;
    }
    long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    /* ctime too: a chmod that lets others write the file changes nothing else, and the store
     * must then be refused at once (ofc_trust_load's permission check). */
    long long ctime = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
    if (stamp->valid && stamp->mtime_ns == mtime && stamp->ctime_ns == ctime &&
        stamp->size == (long long)st.st_size)
        return OFC_OK;
    stamp->valid = true;
    stamp->mtime_ns = mtime;
    stamp->ctime_ns = ctime;
    stamp->size = (long long)st.st_size;
    return ofc_trust_load(path, out, errstr, errstr_size);
}

ofc_trust *ofc_trust_empty(void)
{
    ofc_trust *t = NULL;
    char err[64];
    ofc_trust_parse("", 0, "empty", &t, err, sizeof err);
    return t;
}

size_t ofc_trust_count(const ofc_trust *t)
{
    return t->count;
}

const ofc_trust_entry *ofc_trust_at(const ofc_trust *t, size_t i)
{
    return i < t->count ? &t->entries[i] : NULL;
}

const ofc_trust_entry *ofc_trust_find(const ofc_trust *t, const char *key_id)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->entries[i].key_id, key_id) == 0)
            return &t->entries[i];
    return NULL;
}

const char *ofc_trust_entry_operator(const ofc_trust_entry *e)
{
    return e->operator_id;
}

const char *ofc_trust_entry_key_id(const ofc_trust_entry *e)
{
    return e->key_id;
}

const unsigned char *ofc_trust_entry_public(const ofc_trust_entry *e)
{
    return e->pk;
}

const ed25519_vkey *ofc_trust_entry_vkey(const ofc_trust_entry *e)
{
    return e->vkey;
}

static bool list_has(const name_list *l, const char *name)
{
    if (l->any)
        return true;
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], name) == 0)
            return true;
    return false;
}

bool ofc_trust_entry_has_role(const ofc_trust_entry *e, const char *role)
{
    return list_has(&e->roles, role);
}

static bool under_prefix(const char *uns_id, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n && prefix[n - 1] == '/')
        n--;
    return strncmp(uns_id, prefix, n) == 0 && (uns_id[n] == '\0' || uns_id[n] == '/');
}

ofc_policy ofc_trust_entry_allows(const ofc_trust_entry *e, const char *method, const char *target,
                                  const char *uns_id)
{
    if (!ofc_trust_entry_has_role(e, "operator"))
        return OFC_POLICY_ROLE;
    if (!list_has(&e->methods, method))
        return OFC_POLICY_METHOD;
    if (list_has(&e->assets, target) || e->uns.any)
        return OFC_POLICY_ALLOW;
    for (size_t i = 0; uns_id && i < e->uns.count; i++)
        if (under_prefix(uns_id, e->uns.items[i]))
            return OFC_POLICY_ALLOW;
    return OFC_POLICY_SCOPE;
}
