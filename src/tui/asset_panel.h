/* asset_panel: the selected asset in detail, or a summary of the selected UNS node.
 *
 * For an asset: its type, availability, state and UNS path, its device or helper assets, then
 * its attributes (ID, value, type, tag without namespace, age of the value, a sparkline of the
 * recent history of Samples), its conditions (level, alarm text, since) and its advertised
 * methods with their arguments (Enter or x on one opens the command flow: TUI_INVOKE). Rows are
 * rebuilt when a batch touches the shown asset; values are read from the model at draw time. Once a
 * second only the age cells are redrawn.
 */
#ifndef OFC_TUI_ASSET_PANEL_H
#define OFC_TUI_ASSET_PANEL_H

#include "tui_panel.h"

typedef struct asset_panel asset_panel;

/* Owned by the caller; destroy through tui_panel_destroy(asset_panel_base(a)). */
asset_panel *asset_panel_new(tui_ctx *ctx);
tui_panel *asset_panel_base(asset_panel *a);

/* Show an asset (NULL: nothing), or the UNS node at path. Keeps the cursor when unchanged. */
void asset_panel_show_asset(asset_panel *a, const ofc_asset *asset);
void asset_panel_show_node(asset_panel *a, const char *path);
const ofc_asset *asset_panel_asset(const asset_panel *a);

void asset_panel_on_batch(asset_panel *a, const ofc_change_batch *batch);
void asset_panel_on_filter(asset_panel *a);
/* Rebuild the rows if something changed; call after every flush, before keys and drawing. */
void asset_panel_sync(asset_panel *a);
/* Redraw only the age cells of the visible rows (the once-a-second clock). */
void asset_panel_draw_ages(asset_panel *a);

/* The method on the cursor row (a row of the Methods section), or NULL. */
const ofc_attr *asset_panel_selected_method(const asset_panel *a);

/* What the cursor row leads to (Enter): an asset (device, helper, an asset of the node) or a
 * UNS path (a child node). False when the row leads nowhere. */
bool asset_panel_link(asset_panel *a, const ofc_asset **asset, const char **path);

#endif
