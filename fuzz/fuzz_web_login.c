/* fuzz_web_login: the login request body and the Authorization header (src/web/web_session.c).
 *
 * web_login_parse() must accept only {"token":"<printable, no space>"} and hand back a token
 * shorter than WEB_TOKEN_SIZE; web_bearer_find() must return a view inside the header that
 * holds no space or control character. Neither may crash, leak or read out of bounds.
 */
#include "web_session.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char token[WEB_TOKEN_SIZE];
    const char *why, *t;
    size_t n;
    if (web_login_parse((const char *)data, size, token, &why)) {
        size_t len = strlen(token);
        if (len == 0 || len >= WEB_TOKEN_SIZE || why)
            abort();
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f)
                abort();
    } else if (!why) {
        abort();
    }
    if (web_bearer_find((const char *)data, size, &t, &n)) {
        if (t < (const char *)data || t + n > (const char *)data + size || n == 0 ||
            n >= WEB_TOKEN_SIZE)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
                abort();
    }
    return 0;
}
