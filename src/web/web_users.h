/* web_users: who may use the web dashboard, from a users file of token hashes.
 *
 * Each user has a name, a role (viewer or operator) and a bearer token that ofconsole makes
 * once (`ofc web --add-user`), prints once and never stores: the file keeps only a hash of it.
 * Tokens are 256 random bits, so a fast keyed hash (BLAKE2b-256 under a fixed domain key) is
 * as strong as a slow password hash here and costs microseconds, which keeps the login
 * endpoint cheap to defend. The file format, one user a line:
 *
 *     # comment
 *     alice  operator  blake2b:<64 hex digits>
 *
 * The file is hostile until parsed (it may be edited by hand or mounted from elsewhere):
 * parsing is strict, bounded and names the line of the first error. Replicas that share the
 * file share the users; a changed file is picked up by ofc web within a second.
 */
#ifndef OFC_WEB_USERS_H
#define OFC_WEB_USERS_H

#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_USER_NAME_MAX   64
#define WEB_TOKEN_HASH_SIZE 32
/* "ofc_" + 43 base64url characters (256 bits) + NUL. */
#define WEB_TOKEN_SIZE     48
#define WEB_USERS_MAX      10000
#define WEB_USERS_FILE_MAX (1024 * 1024)

typedef enum web_role {
    WEB_ROLE_NONE = 0,
    WEB_ROLE_VIEWER,
    WEB_ROLE_OPERATOR,
} web_role;

typedef struct web_user {
    char name[WEB_USER_NAME_MAX + 1];
    web_role role;
    unsigned char hash[WEB_TOKEN_HASH_SIZE];
} web_user;

/* An embedded value: web_users_init()/web_users_fini(). */
typedef struct web_users {
    web_user *users;
    size_t count;
} web_users;

const char *web_role_name(web_role role); /* "viewer", "operator", "none" */
/* Parses "viewer" or "operator" (exact). */
bool web_role_parse(const char *s, size_t len, web_role *out);
/* A user name: 1..64 characters from [A-Za-z0-9._@-]. */
bool web_user_name_valid(const char *s, size_t len);

void web_users_init(web_users *u);
void web_users_fini(web_users *u);

/* Parse a users file's text. On failure u is left empty and errstr names the line. */
ofc_err web_users_parse(web_users *u, const char *text, size_t len, char *errstr,
                        size_t errstr_size);
/* Read and parse a file. Refuses one that others may write (mode & 022) or larger than
 * WEB_USERS_FILE_MAX. */
ofc_err web_users_load(web_users *u, const char *path, char *errstr, size_t errstr_size);

const web_user *web_users_find(const web_users *u, const char *name);
/* The user whose token this is, comparing hashes in constant time; NULL if none. */
const web_user *web_users_by_token(const web_users *u, const char *token, size_t len);

/* The stored hash of a token. */
void web_token_hash(const char *token, size_t len, unsigned char out[WEB_TOKEN_HASH_SIZE]);
/* A fresh random token ("ofc_..."), NUL-terminated, into out[WEB_TOKEN_SIZE]. */
void web_token_new(char out[WEB_TOKEN_SIZE]);

/* Add a user to the file (created mode 0600 if missing; rewritten atomically, comments kept)
 * and write the new token into token_out[WEB_TOKEN_SIZE]. Fails if the name exists. */
ofc_err web_users_add(const char *path, const char *name, web_role role, char *token_out,
                      char *errstr, size_t errstr_size);
/* Remove a user from the file (atomically). Fails if the name is not there. */
ofc_err web_users_remove(const char *path, const char *name, char *errstr, size_t errstr_size);

/* Read a whole small regular file (NUL-terminated copy, malloc'd), refusing one larger than
 * max or whose mode has any of forbidden_mode's bits (e.g. 022: writable by others). */
char *web_file_read(const char *path, size_t max, unsigned forbidden_mode, size_t *len,
                    char *errstr, size_t errstr_size);

#endif
