/* audit_panel: the audit view (issue 5 part 8): every command record (<method>_CMD) the console
 * read on ofa_assets, newest first, with its verification status.
 *
 * Rows come from the core's audit (audit.h), which judges each record with the verifier at the
 * record's own Kafka time: valid, invalid and why, unsigned, or unknown key (no --trust). A row
 * shows time, status, operator, target, the call with its arguments, and the reason; the pane
 * below (a text_panel filled by audit_panel_describe) shows the selected record in full,
 * signature included. Filters: operator, asset and time (`:audit operator=alice asset=PID-1
 * since=2h`) and the live `/` text. `:save FILE.ndjson` writes the filtered entries with
 * ofc_audit_write_json, so every signature can be verified again; CSV otherwise.
 */
#ifndef OFC_TUI_AUDIT_PANEL_H
#define OFC_TUI_AUDIT_PANEL_H

#include "audit.h"
#include "cmd_format.h"
#include "text_panel.h"
#include "tui_panel.h"

typedef struct audit_panel audit_panel;

/* audit is borrowed and must outlive the panel; trusted: a trust store judges the entries;
 * from_start: the feed read ofa_assets from its beginning (else from --since, which the header
 * says). Owned by the caller; destroy through tui_panel_destroy(audit_panel_base(a)). */
audit_panel *audit_panel_new(tui_ctx *ctx, const ofc_audit *audit, bool trusted, bool from_start);
tui_panel *audit_panel_base(audit_panel *a);

/* New entries arrived (the audit's callback) or the live filter changed. */
void audit_panel_refresh(audit_panel *a);
/* Re-read the audit if needed; call before keys and drawing. */
void audit_panel_sync(audit_panel *a);
void audit_panel_set_filter(audit_panel *a, const cmdf_audit_filter *f);
const cmdf_audit_filter *audit_panel_filter(const audit_panel *a);
size_t audit_panel_shown(const audit_panel *a);
/* The entry on the cursor row, or NULL. */
const ofc_audit_entry *audit_panel_selected(const audit_panel *a);

/* The selected entry in full, for the detail pane (a text_panel fill function). */
void audit_panel_describe(void *opaque, tui_lines *lines, int width);

/* Write the shown entries, oldest first: NDJSON (ofc_audit_write_json, the signed record
 * kept) when path ends in .ndjson/.jsonl, else CSV. Never overwrites unless force. */
bool audit_panel_save(audit_panel *a, const char *path, bool force, char *msg, size_t msg_size);

#endif
