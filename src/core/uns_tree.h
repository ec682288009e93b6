/* uns_tree: the Unified Namespace as a tree of path segments, with assets hung on their nodes.
 *
 * Paths are uns_id values split on '/', the separator of every OpenFactory UNS template seen
 * (wire §4); empty segments are skipped. Several assets may share one node (replicated apps are
 * registered under one uns_id, wire §12). Assets without a mapping hang on a separate
 * "(unmapped)" branch. Each node keeps how many assets of each state its subtree holds, updated
 * incrementally, so a front end can draw roll-up glyphs without walking the tree.
 *
 * Internal to the model: asset_model.c owns the tree and calls these; front ends use the
 * read-only ofc_uns_node_* accessors declared in asset_model.h (implemented here).
 */
#ifndef OFC_UNS_TREE_H
#define OFC_UNS_TREE_H

#include "asset_model.h"
#include "strmap.h"

#include <stdbool.h>

#define UNS_UNMAPPED_NAME "(unmapped)"
#define UNS_MAX_DEPTH     32

typedef struct uns_tree {
    ofc_uns_node *root;
    ofc_uns_node *unmapped; /* NULL until first needed */
    strmap by_path;         /* path -> node, mapped nodes only */
    size_t node_count;
    bool changed; /* structure or membership changed since the last uns_tree_take_changed() */
} uns_tree;

void uns_tree_init(uns_tree *tree);
void uns_tree_fini(uns_tree *tree);

/* Hang asset on the node for path (NULL: the unmapped branch), creating nodes as needed, and
 * count it in state st up to the root. Returns the node. */
ofc_uns_node *uns_tree_attach(uns_tree *tree, const char *path, const ofc_asset *asset,
                              ofc_state st);
/* Undo uns_tree_attach(); the node stays until uns_tree_prune(). */
void uns_tree_detach(uns_tree *tree, ofc_uns_node *node, const ofc_asset *asset, ofc_state st);
/* An attached asset's state changed from old to new. */
void uns_tree_restate(ofc_uns_node *node, ofc_state old_state, ofc_state new_state);
/* Free nodes with no assets in their subtree (never the root). */
void uns_tree_prune(uns_tree *tree);
/* Return and clear the changed flag. */
bool uns_tree_take_changed(uns_tree *tree);

/* Count the segments of a path as uns_tree_attach() would split it. */
size_t uns_path_depth(const char *path);

#endif
