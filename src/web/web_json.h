/* web_json: the server -> browser messages of ofc-live.v1 as JSON (docs/protocol.md).
 *
 * Assets and attributes are written by the core's snapshot_json, so the dashboard and
 * `ofc snapshot` describe the plant with the same objects. Pure: reads the model and the feed
 * through their public accessors, writes into a json_writer, knows nothing of sockets.
 */
#ifndef OFC_WEB_JSON_H
#define OFC_WEB_JSON_H

#include "asset_model.h"
#include "commander.h"
#include "feed.h"
#include "json_writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Asset pointers sorted for lookup: the assets whose whole object a delta carries. */
typedef struct web_asset_set {
    uintptr_t *items;
    size_t count;
} web_asset_set;

bool web_asset_set_has(const web_asset_set *set, const ofc_asset *asset);

/* A delta for the subscription `prefix` ("" = everything): the assets of `assets` (whole
 * objects, with in_view telling whether they belong to the subscription) and every attribute
 * change of an asset in view not already covered by its whole object. Returns false (jw left
 * empty) when nothing of the batch concerns the subscription. */
bool web_json_delta(json_writer *jw, const ofc_change_batch *batch, const web_asset_set *assets,
                    const char *prefix, uint64_t seq, int64_t now_us);

/* The alarm list of the subscription, newest first, at most max entries (counts cover all). */
void web_json_alarms(json_writer *jw, const ofc_attr *const *alarms, size_t count,
                     const char *prefix, size_t max);

/* The assets of the subscription that are stale now (ofc_asset_stale). */
void web_json_stale(json_writer *jw, const ofc_model *model, const char *prefix, int64_t now_us,
                    bool connected, int64_t stale_after_us);

/* Feed status: connection, rates, lag, rejections by reason, positions. feed may be NULL. */
void web_json_status(json_writer *jw, const ofc_feed *feed, size_t clients, const char *replica,
                     int64_t now_us);

/* The start of a snapshot message up to "snapshot": (the document and "}" follow). */
void web_json_snapshot_head(json_writer *jw, uint64_t seq, const char *reason, const char *prefix);

/* commands: whether this server takes signed commands (it has a trust store). */
void web_json_hello(json_writer *jw, const char *user, const char *role, bool auth,
                    const char *replica, bool commands, int64_t now_us);
/* The asset with its trend points, or "asset": null when unknown. */
void web_json_history(json_writer *jw, const ofc_model *model, const char *uuid);
void web_json_pong(json_writer *jw, int64_t id, int64_t now_us);
void web_json_error(json_writer *jw, const char *code, const char *message);
/* A command's state for the page that sent it (id: the page's number for it). */
void web_json_command_state(json_writer *jw, int64_t id, const ofc_cmd_status *st, int64_t now_us);
/* A command the server would not produce: reason is a stable name (read_only, not_operator, or
 * a verifier verdict), message says it in words. correlation_id may be NULL (unreadable). */
void web_json_command_refused(json_writer *jw, int64_t id, const char *correlation_id,
                              const char *reason, const char *message);
/* The answer to a policy question: whether the server's trust store knows the key (and as whom)
 * and, when target and method were asked ("" otherwise), whether it allows that; why in words.
 * operator may be NULL (unknown key). */
void web_json_policy(json_writer *jw, const char *key_id, const char *target, const char *method,
                     bool trusted, const char *operator_id, bool allowed, const char *why);

#endif
