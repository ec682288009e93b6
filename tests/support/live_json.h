/* live_json: ofc-live.v1 server messages as JSON, read over a support/ws_client connection, for
 * the web integration tests. */
#ifndef OFC_TEST_LIVE_JSON_H
#define OFC_TEST_LIVE_JSON_H

#include "ws_client.h"

#include <jansson.h>

/* The next message, parsed (duplicate keys refused); NULL on timeout, close or bad JSON (said
 * on stderr). The caller owns the result. */
json_t *live_recv_json(ws_client *c, int timeout_ms);
/* Messages until one whose "type" is `type` (others dropped); NULL on timeout or close. */
json_t *live_recv_type(ws_client *c, const char *type, int timeout_ms);
/* A message's "type", "" when it has none. */
const char *live_type_of(const json_t *m);

#endif
