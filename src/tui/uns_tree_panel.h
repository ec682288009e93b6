/* uns_tree_panel: the plant's UNS tree, each node with the worst state of its subtree.
 *
 * Rows are the tree flattened (expanded nodes only, or every match while filtering); a UNS
 * leaf holding one asset is shown as that asset. Node pointers from the model are only valid
 * until a batch with tree_changed, so the rows are rebuilt by uns_tree_panel_sync() right after
 * such a batch, before any key or draw can use them; the selection survives by its path.
 */
#ifndef OFC_TUI_UNS_TREE_PANEL_H
#define OFC_TUI_UNS_TREE_PANEL_H

#include "tui_panel.h"

typedef struct uns_tree_panel uns_tree_panel;

/* Owned by the caller; destroy through tui_panel_destroy(uns_tree_panel_base(t)). */
uns_tree_panel *uns_tree_panel_new(tui_ctx *ctx);
tui_panel *uns_tree_panel_base(uns_tree_panel *t);

/* A model batch arrived (called from the app's observer). */
void uns_tree_panel_on_batch(uns_tree_panel *t, const ofc_change_batch *batch);
/* The filter text changed. */
void uns_tree_panel_on_filter(uns_tree_panel *t);
/* Rebuild the rows if the tree or the filter changed; call after every flush, before keys. */
void uns_tree_panel_sync(uns_tree_panel *t);
/* Once a second: re-check stale marks (and, while filtering, values). True if rows changed. */
bool uns_tree_panel_tick(uns_tree_panel *t);

/* The asset on the cursor row, or NULL for a node row. */
const ofc_asset *uns_tree_panel_selected_asset(uns_tree_panel *t);
/* The node on the cursor row (an asset row's own UNS node), or NULL when empty. */
const ofc_uns_node *uns_tree_panel_selected_node(uns_tree_panel *t);
/* Move the cursor to an asset or a UNS path, expanding what hides it. False if not shown
 * (unknown, or filtered out). */
bool uns_tree_panel_select_asset(uns_tree_panel *t, const ofc_asset *asset);
bool uns_tree_panel_select_path(uns_tree_panel *t, const char *path);
/* Rows shown, for tests of the filter through the header. */
size_t uns_tree_panel_row_count(uns_tree_panel *t);

#endif
