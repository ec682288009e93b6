/* alarm_panel: every active Warning/Fault condition in the plant, newest first.
 *
 * The list is the model's incrementally kept alarm list (ofc_model_alarms), re-read only after
 * a batch that touched a condition or an asset. The cursor follows the newest alarm until the
 * operator scrolls away; then the view holds still on the alarm under the cursor and the header
 * counts what arrived since ("paused, 3 new"); `f` (or Home) resumes following.
 */
#ifndef OFC_TUI_ALARM_PANEL_H
#define OFC_TUI_ALARM_PANEL_H

#include "tui_panel.h"

typedef struct alarm_panel alarm_panel;

/* Owned by the caller; destroy through tui_panel_destroy(alarm_panel_base(a)). */
alarm_panel *alarm_panel_new(tui_ctx *ctx);
tui_panel *alarm_panel_base(alarm_panel *a);

void alarm_panel_on_batch(alarm_panel *a, const ofc_change_batch *batch);
void alarm_panel_on_filter(alarm_panel *a);
/* Re-read the alarm list if it may have changed; call after every flush, before keys. */
void alarm_panel_sync(alarm_panel *a);
/* Follow the newest alarm again. */
void alarm_panel_follow(alarm_panel *a);
bool alarm_panel_following(const alarm_panel *a);
/* The alarm on the cursor row, or NULL. */
const ofc_attr *alarm_panel_selected(const alarm_panel *a);

#endif
