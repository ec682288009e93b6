/* live_json: ofc-live.v1 messages as JSON over ws_client (see live_json.h). */
#include "live_json.h"

#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *live_recv_json(ws_client *c, int timeout_ms)
{
    char *msg;
    size_t len;
    if (ws_client_recv(c, &msg, &len, timeout_ms) != 1)
        return NULL;
    json_error_t err;
    json_t *doc = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fprintf(stderr, "not JSON: %s: %.200s\n", err.text, msg);
    free(msg);
    return doc;
}

const char *live_type_of(const json_t *m)
{
    const char *t = json_string_value(json_object_get(m, "type"));
    return t ? t : "";
}

json_t *live_recv_type(ws_client *c, const char *type, int timeout_ms)
{
    int64_t deadline = proc_mono_ms() + timeout_ms;
    while (proc_mono_ms() < deadline) {
        json_t *m = live_recv_json(c, (int)(deadline - proc_mono_ms()));
        if (!m)
            return NULL;
        if (strcmp(live_type_of(m), type) == 0)
            return m;
        json_decref(m);
    }
    return NULL;
}
