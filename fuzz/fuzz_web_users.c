/* fuzz_web_users: web_users_parse() on hostile users files (src/web/web_users.c).
 *
 * Must not crash, leak or read out of bounds. On success every user has a valid name and role,
 * names are unique and found by web_users_find(); on failure the error names a line and the
 * list is empty.
 */
#include "web_users.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    web_users u;
    char err[256];
    web_users_init(&u);
    if (web_users_parse(&u, (const char *)data, size, err, sizeof err) != OFC_OK) {
        if (u.count || u.users || (size <= WEB_USERS_FILE_MAX && strncmp(err, "line ", 5) != 0))
            abort();
        return 0;
    }
    for (size_t i = 0; i < u.count; i++) {
        const web_user *w = &u.users[i];
        if (!web_user_name_valid(w->name, strlen(w->name)) ||
            (w->role != WEB_ROLE_VIEWER && w->role != WEB_ROLE_OPERATOR) ||
            web_users_find(&u, w->name) != w)
            abort();
    }
    web_users_fini(&u);
    return 0;
}
