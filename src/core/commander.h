/* commander: sends signed commands to ofa_assets and follows each one to its outcome.
 *
 * States, in order: PENDING (handed to librdkafka), then SENT (the broker acknowledged it: the
 * delivery report gives partition and offset) or FAILED (no delivery; never shown as sent),
 * then ECHOED (read back from ofa_assets by the feed), then EXECUTED or REJECTED when an executor
 * reports, or TIMEOUT when none does in time. Upstream OpenFactory executors report nothing
 * (wire §6.3); ofconsole's reference executor (the virtual plant) and any executor that adopts
 * the extension report an outcome attribute:
 *
 *   ID "ofc_command_outcome", TYPE "OpenFactory", TAG "Method.Outcome", VALUE the JSON text
 *   {"correlation_id": .., "method": .., "outcome": "executed"|"rejected", "reason": ..,
 *    "operator": ..}
 *
 * on the target asset. Producing uses partitioner=murmur2_random (wire §2) and idempotence, so
 * a retried command cannot be duplicated by the client. The commander learns echoes and outcomes
 * from the model it is given (it subscribes for every change), so it needs a running feed.
 */
#ifndef OFC_COMMANDER_H
#define OFC_COMMANDER_H

#include "asset_model.h"
#include "command.h"
#include "config.h"

#include <stdint.h>

#define OFC_OUTCOME_ATTR "ofc_command_outcome"
#define OFC_OUTCOME_TAG  "Method.Outcome"

typedef enum ofc_cmd_state {
    OFC_CMD_PENDING = 0,
    OFC_CMD_SENT,
    OFC_CMD_FAILED,
    OFC_CMD_ECHOED,
    OFC_CMD_EXECUTED,
    OFC_CMD_REJECTED,
    OFC_CMD_TIMEOUT,
} ofc_cmd_state;

const char *ofc_cmd_state_name(ofc_cmd_state s); /* "SENT", ... */
/* No further change is expected (FAILED, EXECUTED, REJECTED); TIMEOUT may still turn. */
bool ofc_cmd_state_final(ofc_cmd_state s);

typedef struct ofc_cmd_status {
    char correlation_id[37];
    char target[256];
    char method[128];
    ofc_cmd_state state;
    int32_t partition; /* from the delivery report, -1 before */
    int64_t offset;
    char detail[256]; /* delivery error or the executor's reason */
    int64_t created_us, sent_us, echoed_us, outcome_us;
} ofc_cmd_status;

typedef struct ofc_commander ofc_commander;
typedef void (*ofc_commander_fn)(void *opaque, const ofc_cmd_status *status);

/* A producer from cfg (brokers, kafka.*). model is borrowed and must outlive the commander.
 * outcome_timeout_us: how long after SENT to wait for an executor (0 = 15 s). */
ofc_commander *ofc_commander_new(const ofc_config *cfg, ofc_model *model,
                                 int64_t outcome_timeout_us, char *errstr, size_t errstr_size);
/* Waits up to 2 s for deliveries still in flight. */
void ofc_commander_destroy(ofc_commander *c);

/* Produce a signed command (the record is copied). Fails at once if librdkafka refuses it. */
ofc_err ofc_commander_send(ofc_commander *c, const ofc_signed_command *cmd, char *errstr,
                           size_t errstr_size);

/* Serve delivery reports and timeouts; readable wake fd; attach does both in a loop. */
int ofc_commander_wake_fd(const ofc_commander *c);
void ofc_commander_service(ofc_commander *c);
struct ofc_loop;
void ofc_commander_attach(ofc_commander *c, struct ofc_loop *loop);

/* Tell fn about every state change. */
void ofc_commander_on_change(ofc_commander *c, ofc_commander_fn fn, void *opaque);

/* The most recent commands (bounded), oldest first. */
size_t ofc_commander_count(const ofc_commander *c);
const ofc_cmd_status *ofc_commander_at(const ofc_commander *c, size_t i);
const ofc_cmd_status *ofc_commander_find(const ofc_commander *c, const char *correlation_id);

#endif
