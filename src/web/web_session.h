/* web_session: stateless login sessions that any replica can check, and the small parsers
 * around them (the Cookie header, the login request body).
 *
 * A session is a cookie value that carries its own proof, so replicas behind a load balancer
 * need no sticky sessions and share nothing but the users file and one secret file:
 *
 *     v1.<base64url(payload)>.<base64url(HMAC-SHA-256(key, "ofc-session-v1." payload-b64))>
 *     payload = "<user>\n<issued, unix s>\n<expires, unix s>\n<fingerprint>"
 *
 * The fingerprint is the first 8 bytes (hex) of the user's token hash: replacing or removing a
 * user's token in the users file ends their sessions everywhere, at the next check. The role is
 * never taken from the cookie, always from the users file. Everything here parses input from
 * the network: strict, bounded, and fuzzed (fuzz/fuzz_web_session.c, fuzz_web_login.c).
 */
#ifndef OFC_WEB_SESSION_H
#define OFC_WEB_SESSION_H

#include "ofc_err.h"
#include "web_users.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_SESSION_KEY_SIZE 32
/* Upper bound of an issued session value, NUL included. */
#define WEB_SESSION_MAX 320
/* Largest login request body accepted. */
#define WEB_LOGIN_BODY_MAX 1024

typedef struct web_session_key {
    unsigned char k[WEB_SESSION_KEY_SIZE];
} web_session_key;

/* A random key, for a single process that shares sessions with nobody. */
void web_session_key_random(web_session_key *key);
/* The key from a secret file shared by replicas: the BLAKE2b-256 of its content, which must be
 * at least 32 bytes. A missing file is created with 32 random bytes (hex) and mode 0600 when
 * create is set. A file that group or others can read is refused, as ssh refuses keys. */
ofc_err web_session_key_load(web_session_key *key, const char *path, bool create, char *errstr,
                             size_t errstr_size);

/* Issue a session for user valid from now_s for ttl_s seconds into out[WEB_SESSION_MAX].
 * Returns its length. */
size_t web_session_issue(const web_session_key *key, const web_user *user, int64_t now_s,
                         int64_t ttl_s, char *out, size_t out_size);

/* Check a session value: well formed, MAC valid (constant time), not expired, issued not in
 * the future (beyond a minute of clock skew), its user still in users with the same token.
 * Returns that user, or NULL with *why set to a short reason. */
const web_user *web_session_verify(const web_session_key *key, const web_users *users,
                                   const char *value, size_t len, int64_t now_s, const char **why);

/* Find cookie `name` in a Cookie header ("a=1; b=2"). The value is returned as a view into
 * header. False if absent or the header is malformed around it; a cookie named twice is
 * refused (a sibling site could plant a second one). */
bool web_cookie_find(const char *header, size_t len, const char *name, const char **value,
                     size_t *value_len);

/* Parse a login request body: exactly {"token": "<token>"} as strict JSON (no other field, no
 * duplicate, token printable ASCII, at most WEB_TOKEN_SIZE - 1 bytes). Writes the token,
 * NUL-terminated, into token[WEB_TOKEN_SIZE]. */
bool web_login_parse(const char *body, size_t len, char *token, const char **why);

/* Parse "Authorization: Bearer <token>"; the token as a view into the header. */
bool web_bearer_find(const char *header, size_t len, const char **token, size_t *token_len);

#endif
