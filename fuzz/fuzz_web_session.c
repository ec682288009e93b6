/* fuzz_web_session: Cookie headers and session values (src/web/web_session.c).
 *
 * Two properties. Whatever the Cookie header, parsing it never crashes and a value it finds
 * lies inside the header; that value is never accepted as a session unless it is exactly one
 * this key issued (nobody forges one without the key). And a genuine session with any bytes
 * of the input XORed into it is refused unless the input changed nothing.
 */
#include "web_session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static web_session_key key;
static web_users users;
static char genuine[WEB_SESSION_MAX];
static size_t genuine_len;
static const int64_t now = 1800000000;

static void init(void)
{
    memset(key.k, 0x5a, sizeof key.k);
    users.users = calloc(1, sizeof *users.users);
    users.count = 1;
    strcpy(users.users[0].name, "alice");
    users.users[0].role = WEB_ROLE_OPERATOR;
    web_token_hash("ofc_fuzz", 8, users.users[0].hash);
    genuine_len = web_session_issue(&key, &users.users[0], now - 10, 3600, genuine, sizeof genuine);
    if (!genuine_len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why, *value;
    size_t vlen;
    if (!genuine_len)
        init();
    if (size && data[0] & 1) {
        /* a genuine session, tampered with */
        char s[WEB_SESSION_MAX];
        bool changed = false;
        memcpy(s, genuine, genuine_len);
        for (size_t i = 1; i < size && i - 1 < genuine_len; i++) {
            s[i - 1] = (char)(s[i - 1] ^ data[i]);
            changed |= data[i] != 0;
        }
        const web_user *u = web_session_verify(&key, &users, s, genuine_len, now, &why);
        if ((u != NULL) == changed)
            abort();
        return 0;
    }
    const char *header = (const char *)data + (size ? 1 : 0);
    size_t len = size ? size - 1 : 0;
    if (web_cookie_find(header, len, "ofc_session", &value, &vlen)) {
        if (value < header || value + vlen > header + len)
            abort();
        const web_user *u = web_session_verify(&key, &users, value, vlen, now, &why);
        if (u && (vlen != genuine_len || memcmp(value, genuine, vlen) != 0))
            abort();
    }
    return 0;
}
