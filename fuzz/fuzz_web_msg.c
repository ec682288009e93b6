/* fuzz_web_msg: web_msg_parse() on hostile WebSocket messages (src/web/web_msg.c).
 *
 * Must never crash, leak or read out of bounds; an accepted message must satisfy what the
 * server relies on: a known type, a subscription prefix without trailing '/', within its size
 * limit and printable, an asset id of 1..WEB_ASSET_MAX bytes for history, a ping id within
 * +-2^53, a command's target of 1..WEB_ASSET_MAX bytes and its record of 2..WEB_MSG_MAX printable
 * bytes whose length is record_len, a policy question's 16-digit key id. Parsing is deterministic:
 * the same bytes give the same result twice.
 */
#include "web_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static web_msg_parser *parser;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static web_msg a, b;
    char why[100], why2[100];
    if (!parser)
        parser = web_msg_parser_new();
    bool ok = web_msg_parse(parser, (const char *)data, size, &a, why, sizeof why);
    bool again = web_msg_parse(parser, (const char *)data, size, &b, why2, sizeof why2);
    if (ok != again || (ok && memcmp(&a, &b, sizeof a) != 0) || (!ok && strcmp(why, why2) != 0))
        abort();
    if (!ok) {
        if (strlen(why) == 0 || strlen(why) >= sizeof why)
            abort();
        return 0;
    }
    size_t ulen = strlen(a.uns), alen = strlen(a.asset);
    switch (a.type) {
    case WEB_MSG_SUBSCRIBE:
        if (ulen > WEB_UNS_MAX || (ulen && a.uns[ulen - 1] == '/') ||
            !web_msg_uns_valid(a.uns, ulen))
            abort();
        break;
    case WEB_MSG_HISTORY:
        if (alen == 0 || alen > WEB_ASSET_MAX)
            abort();
        break;
    case WEB_MSG_PING:
        if (a.id > WEB_PING_ID_MAX || a.id < -WEB_PING_ID_MAX)
            abort();
        break;
    case WEB_MSG_COMMAND:
        if (alen == 0 || alen > WEB_ASSET_MAX || a.record_len < 2 || a.record_len > WEB_MSG_MAX ||
            strlen(a.record) != a.record_len || a.id > WEB_PING_ID_MAX || a.id < -WEB_PING_ID_MAX)
            abort();
        for (size_t i = 0; i < a.record_len; i++)
            if ((unsigned char)a.record[i] < 0x20 || a.record[i] == 0x7f)
                abort();
        break;
    case WEB_MSG_POLICY:
        if (strlen(a.key_id) != 16 || alen > WEB_ASSET_MAX || strlen(a.method) > WEB_METHOD_MAX)
            abort();
        break;
    case WEB_MSG_RESYNC: break;
    default: abort();
    }
    return 0;
}
