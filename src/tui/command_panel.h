/* command_panel: the commands this session sent, newest first, each with its live state.
 *
 * A row per command: when it was sent, its state word (PENDING, SENT, FAILED, ECHOED, EXECUTED,
 * REJECTED, TIMEOUT), the correlation id's first 8 digits (to find it in the audit; on rows 100
 * columns wide or more), the target, the call with its arguments, then the executor's reason or
 * the delivery error, and the delivery report (partition, offset). The state comes from the
 * commander's change callback (commander.h), so SENT appears only after the broker's delivery
 * report. Enter opens the target asset; `:save` writes the history.
 */
#ifndef OFC_TUI_COMMAND_PANEL_H
#define OFC_TUI_COMMAND_PANEL_H

#include "commander.h"
#include "tui_panel.h"

typedef struct command_panel command_panel;

/* Owned by the caller; destroy through tui_panel_destroy(command_panel_base(c)). */
command_panel *command_panel_new(tui_ctx *ctx);
tui_panel *command_panel_base(command_panel *c);

/* Who is sending, for the header ("as alice", "read-only: ..."); copied. */
void command_panel_set_who(command_panel *c, const char *who);
/* A command about to be produced; call is its one-line form, reason the operator's. */
void command_panel_add(command_panel *c, const char *correlation_id, const char *target,
                       const char *method, const char *call, const char *reason,
                       int64_t created_us);
/* A state change from the commander; false when the command is not one of this pane's. */
bool command_panel_update(command_panel *c, const ofc_cmd_status *st);
size_t command_panel_count(const command_panel *c);
/* The target of the command on the cursor row, or NULL. */
const char *command_panel_selected_target(const command_panel *c);

#endif
