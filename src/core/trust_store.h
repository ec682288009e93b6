/* trust_store: which operator keys are trusted, and for what. One key per line, in the spirit of
 * ssh's authorized_keys:
 *
 *   ed25519 <base64 public key> operator=<id> roles=operator methods=SwitchMode,GenerateCode
 *           uns=Demofactory/Machining assets=PID-001
 *
 * (one line; '#' starts a comment, at the start of a line or after the options). The key id
 * (op_key.h) is derived from the public key, so a signature names its key without the store having
 * to. Policy denies by default: a key may command only with the role "operator", only the listed
 * methods ("*" = any), and only assets listed in assets= or lying under a UNS prefix in uns= ("*" =
 * any). A key without those options may sign nothing.
 */
#ifndef OFC_TRUST_STORE_H
#define OFC_TRUST_STORE_H

#include "ed25519_vkey.h"
#include "ofc_err.h"
#include "op_key.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ofc_trust ofc_trust;
typedef struct ofc_trust_entry ofc_trust_entry;

/* Why the policy refused (or OFC_POLICY_ALLOW). */
typedef enum ofc_policy {
    OFC_POLICY_ALLOW = 0,
    OFC_POLICY_ROLE,   /* the key lacks the operator role */
    OFC_POLICY_METHOD, /* the method is not in methods= */
    OFC_POLICY_SCOPE,  /* the asset is neither in assets= nor under a uns= prefix */
} ofc_policy;

const char *ofc_policy_str(ofc_policy p);

/* Parse a trust store: at most 4,096 keys (each holds a ~30 KB verification table). Errors name
 * the line (name is used in messages). Owned by the caller. */
ofc_err ofc_trust_parse(const char *text, size_t len, const char *name, ofc_trust **out,
                        char *errstr, size_t errstr_size);
ofc_err ofc_trust_load(const char *path, ofc_trust **out, char *errstr, size_t errstr_size);
void ofc_trust_destroy(ofc_trust *trust);

/* Following a trust store file for changes (an admin appends a key, or a chmod opens it to
 * others): its size, mtime and ctime when last read. Zero-initialise before the first
 * ofc_trust_reload(). */
typedef struct ofc_trust_stamp {
    long long mtime_ns;
    long long ctime_ns; /* changes with permissions and owner too */
    long long size;
    bool valid;
} ofc_trust_stamp;
/* Load path again if it changed since *stamp (size, mtime or ctime), or the first time. Returns
 * OFC_OK with *out NULL when unchanged; OFC_OK with a new store in *out (owned by the caller) when
 * it changed; an error (errstr) when it changed but cannot be read or parsed (deleted, unreadable,
 * a bad line): the caller then stops trusting anyone (ofc_trust_empty()) until the file is
 * fixed, since a security control fails closed (an admin who deletes the file or breaks it
 * while removing a key must not leave the old keys in force). The next call tries again only
 * after a further change. */
ofc_err ofc_trust_reload(const char *path, ofc_trust_stamp *stamp, ofc_trust **out, char *errstr,
                         size_t errstr_size);

/* A store that trusts nobody (policy denies by default), owned by the caller. */
ofc_trust *ofc_trust_empty(void);

size_t ofc_trust_count(const ofc_trust *trust);
const ofc_trust_entry *ofc_trust_at(const ofc_trust *trust, size_t i);
const ofc_trust_entry *ofc_trust_find(const ofc_trust *trust, const char *key_id);

const char *ofc_trust_entry_operator(const ofc_trust_entry *e);
const char *ofc_trust_entry_key_id(const ofc_trust_entry *e);
const unsigned char *ofc_trust_entry_public(const ofc_trust_entry *e);
/* The key decoded for verification (ed25519_vkey.h), borrowed from the store. */
const ed25519_vkey *ofc_trust_entry_vkey(const ofc_trust_entry *e);
bool ofc_trust_entry_has_role(const ofc_trust_entry *e, const char *role);

/* May this key invoke method on asset target, whose UNS path is uns_id (NULL if unknown)? */
ofc_policy ofc_trust_entry_allows(const ofc_trust_entry *e, const char *method, const char *target,
                                  const char *uns_id);

#endif
