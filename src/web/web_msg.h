/* web_msg: the messages a browser may send on the ofc-live.v1 WebSocket, parsed strictly.
 *
 * Every client message is hostile until parsed: one JSON object, at most WEB_MSG_MAX bytes,
 * valid UTF-8 (json_scan's rules, the same as the record parser's), a known "type", only the
 * fields that type allows, each of the right kind and size, no key twice, nothing nested.
 * Anything else is refused with a reason, and the connection is closed with code 4400 (see
 * docs/protocol.md). Pure; fuzzed by fuzz/fuzz_web_msg.c.
 *
 *   {"type":"subscribe","uns":"Demofactory/Machining"}   "" = the whole plant
 *   {"type":"resync"}                                    a fresh snapshot, please
 *   {"type":"history","asset":"CNC-001"}                 the asset with its trend points
 *   {"type":"ping","id":42}                              answered by a pong with the same id
 *   {"type":"command","id":7,"target":"TEMP-CTRL-001","record":"{\"ID\":...}"}
 *                                                        a command record signed in the
 *                                                        browser, to verify and produce as is
 *   {"type":"policy","key_id":"d3bd75fcd7676504","target":"TEMP-CTRL-001","method":"SwitchMode"}
 *                                                        may this key do this? (target and
 *                                                        method optional: is it trusted at all?)
 *
 * A command's record is only checked here for being bounded, printable text: what it says is
 * the verifier's business (verifier.h), which names every way it can be wrong.
 */
#ifndef OFC_WEB_MSG_H
#define OFC_WEB_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_PROTOCOL    "ofc-live.v1"
#define WEB_MSG_MAX     4096 /* bytes of one client message */
#define WEB_UNS_MAX     1024 /* bytes of a UNS prefix */
#define WEB_ASSET_MAX   1024 /* bytes of an asset uuid (the record parser's key limit) */
#define WEB_PING_ID_MAX 9007199254740991LL /* 2^53 - 1: exact in a JavaScript number */
#define WEB_METHOD_MAX  200                /* bytes of a method name (command.c's rule) */

typedef enum web_msg_type {
    WEB_MSG_SUBSCRIBE,
    WEB_MSG_RESYNC,
    WEB_MSG_HISTORY,
    WEB_MSG_PING,
    WEB_MSG_COMMAND,
    WEB_MSG_POLICY,
} web_msg_type;

typedef struct web_msg {
    web_msg_type type;
    char uns[WEB_UNS_MAX + 1];     /* subscribe: the prefix, trailing '/' removed */
    char asset[WEB_ASSET_MAX + 1]; /* history: the asset; command: the target (Kafka key) */
    int64_t id;                    /* ping, command: 0 if absent */
    char record[WEB_MSG_MAX + 1];  /* command: the ofa_assets record as JSON text */
    size_t record_len;
    char key_id[17];                 /* policy: 16 lower-case hex digits */
    char method[WEB_METHOD_MAX + 1]; /* policy: "" if absent */
} web_msg;

typedef struct web_msg_parser web_msg_parser;

/* A parser owns scratch space for one message at a time. Free with web_msg_parser_destroy(). */
web_msg_parser *web_msg_parser_new(void);
void web_msg_parser_destroy(web_msg_parser *p);

/* Whether text may be a subscription prefix: at most WEB_UNS_MAX bytes of UTF-8 without
 * control characters (the rule "uns" follows in a subscribe message and in /live?uns=). */
bool web_msg_uns_valid(const char *s, size_t len);

/* Parse one message. On failure returns false with a reason (fits a WebSocket close reason,
 * under 100 bytes) in why. */
bool web_msg_parse(web_msg_parser *p, const char *data, size_t len, web_msg *out, char *why,
                   size_t why_size);

#endif
