/* uns_tree: nodes with sorted child and asset arrays; binary search keeps inserts and lookups
 * logarithmic for wide levels (a work centre with hundreds of assets). */
#include "uns_tree.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct ofc_uns_node {
    char *name;
    char *path;
    ofc_uns_node *parent;
    ofc_uns_node **children;
    size_t child_count, child_cap;
    const ofc_asset **assets;
    size_t asset_count, asset_cap;
    size_t total;
    size_t state_counts[OFC_STATE__COUNT];
    bool unmapped;
};

static ofc_uns_node *node_new(ofc_uns_node *parent, const char *name, size_t name_len,
                              bool unmapped)
{
    ofc_uns_node *n = xcalloc(1, sizeof *n);
    n->name = xstrndup(name, name_len);
    if (parent && parent->path[0]) {
        size_t plen = strlen(parent->path);
        n->path = xmalloc(plen + 1 + name_len + 1);
        memcpy(n->path, parent->path, plen);
        n->path[plen] = '/';
        memcpy(n->path + plen + 1, name, name_len);
        n->path[plen + 1 + name_len] = '\0';
    } else {
        n->path = xstrndup(name, name_len);
    }
    n->parent = parent;
    n->unmapped = unmapped;
    return n;
}

static void node_free(ofc_uns_node *n)
{
    for (size_t i = 0; i < n->child_count; i++)
        node_free(n->children[i]);
    free(n->children);
    free(n->assets);
    free(n->name);
    free(n->path);
    free(n);
}

void uns_tree_init(uns_tree *tree)
{
    memset(tree, 0, sizeof *tree);
    tree->root = node_new(NULL, "", 0, false);
    strmap_init(&tree->by_path);
    tree->node_count = 1;
}

void uns_tree_fini(uns_tree *tree)
{
    node_free(tree->root);
    strmap_fini(&tree->by_path);
    memset(tree, 0, sizeof *tree);
}

/* Children sorted by name, except the unmapped branch, which is kept last. */
static size_t sorted_child_count(const ofc_uns_node *n)
{
    return n->child_count && n->children[n->child_count - 1]->unmapped ? n->child_count - 1
                                                                       : n->child_count;
}

/* Index of the first child whose name is >= name (name_len bytes). */
static size_t child_lower_bound(const ofc_uns_node *n, const char *name, size_t len)
{
    size_t lo = 0, hi = sorted_child_count(n);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *cn = n->children[mid]->name;
        size_t clen = strlen(cn);
        int c = memcmp(cn, name, clen < len ? clen : len);
        if (c < 0 || (c == 0 && clen < len))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void insert_child(uns_tree *tree, ofc_uns_node *parent, size_t at, ofc_uns_node *child)
{
    if (parent->child_count == parent->child_cap) {
        parent->child_cap = parent->child_cap ? parent->child_cap * 2 : 4;
        parent->children =
            xreallocarray(parent->children, parent->child_cap, sizeof *parent->children);
    }
    memmove(parent->children + at + 1, parent->children + at,
            (parent->child_count - at) * sizeof *parent->children);
    parent->children[at] = child;
    parent->child_count++;
    tree->node_count++;
}

static ofc_uns_node *child_get_or_add(uns_tree *tree, ofc_uns_node *parent, const char *name,
                                      size_t len)
{
    size_t at = child_lower_bound(parent, name, len);
    if (at < sorted_child_count(parent)) {
        ofc_uns_node *c = parent->children[at];
        if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
            return c;
    }
    ofc_uns_node *c = node_new(parent, name, len, false);
    insert_child(tree, parent, at, c);
    strmap_put(&tree->by_path, c->path, strlen(c->path), c);
    return c;
}

static ofc_uns_node *unmapped_node(uns_tree *tree)
{
    if (!tree->unmapped) {
        size_t len = strlen(UNS_UNMAPPED_NAME);
        ofc_uns_node *n = node_new(tree->root, UNS_UNMAPPED_NAME, len, true);
        /* Always last among the root's children, whatever the plant's names sort as. */
        insert_child(tree, tree->root, tree->root->child_count, n);
        tree->unmapped = n;
    }
    return tree->unmapped;
}

size_t uns_path_depth(const char *path)
{
    size_t depth = 0;
    const char *s = path;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        depth++;
        while (*s && *s != '/')
            s++;
    }
    return depth;
}

static ofc_uns_node *find_or_create(uns_tree *tree, const char *path)
{
    ofc_uns_node *n = strmap_get(&tree->by_path, path, strlen(path));
    if (n)
        return n;
    n = tree->root;
    const char *s = path;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        n = child_get_or_add(tree, n, s, len);
        s += len;
    }
    return n;
}

static void count_up(ofc_uns_node *n, ofc_state st, int delta)
{
    for (; n; n = n->parent) {
        n->total = (size_t)((long)n->total + delta);
        n->state_counts[st] = (size_t)((long)n->state_counts[st] + delta);
    }
}

static size_t asset_lower_bound(const ofc_uns_node *n, const char *uuid)
{
    size_t lo = 0, hi = n->asset_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(ofc_asset_uuid(n->assets[mid]), uuid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

ofc_uns_node *uns_tree_attach(uns_tree *tree, const char *path, const ofc_asset *asset,
                              ofc_state st)
{
    ofc_uns_node *n =
        path && uns_path_depth(path) ? find_or_create(tree, path) : unmapped_node(tree);
    size_t at = asset_lower_bound(n, ofc_asset_uuid(asset));
    if (n->asset_count == n->asset_cap) {
        n->asset_cap = n->asset_cap ? n->asset_cap * 2 : 2;
        n->assets = xreallocarray(n->assets, n->asset_cap, sizeof *n->assets);
    }
    memmove(n->assets + at + 1, n->assets + at, (n->asset_count - at) * sizeof *n->assets);
    n->assets[at] = asset;
    n->asset_count++;
    count_up(n, st, +1);
    tree->changed = true;
    return n;
}

void uns_tree_detach(uns_tree *tree, ofc_uns_node *n, const ofc_asset *asset, ofc_state st)
{
    for (size_t i = 0; i < n->asset_count; i++) {
        if (n->assets[i] == asset) {
            memmove(n->assets + i, n->assets + i + 1, (n->asset_count - i - 1) * sizeof *n->assets);
            n->asset_count--;
            count_up(n, st, -1);
            tree->changed = true;
            return;
        }
    }
}

void uns_tree_restate(ofc_uns_node *n, ofc_state old_state, ofc_state new_state)
{
    for (; n; n = n->parent) {
        n->state_counts[old_state]--;
        n->state_counts[new_state]++;
    }
}

/* Returns true if n itself should be freed by its parent. */
static bool prune_node(uns_tree *tree, ofc_uns_node *n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n->child_count; i++) {
        ofc_uns_node *c = n->children[i];
        if (prune_node(tree, c)) {
            if (!c->unmapped)
                strmap_remove(&tree->by_path, c->path, strlen(c->path));
            else
                tree->unmapped = NULL;
            node_free(c);
            tree->node_count--;
            tree->changed = true;
        } else {
            n->children[kept++] = c;
        }
    }
    n->child_count = kept;
    return n->parent && n->total == 0 && n->child_count == 0;
}

void uns_tree_prune(uns_tree *tree)
{
    prune_node(tree, tree->root);
}

bool uns_tree_take_changed(uns_tree *tree)
{
    bool c = tree->changed;
    tree->changed = false;
    return c;
}

const char *ofc_uns_node_name(const ofc_uns_node *node)
{
    return node->name;
}

const char *ofc_uns_node_path(const ofc_uns_node *node)
{
    return node->path;
}

const ofc_uns_node *ofc_uns_node_parent(const ofc_uns_node *node)
{
    return node->parent;
}

bool ofc_uns_node_is_unmapped(const ofc_uns_node *node)
{
    return node->unmapped;
}

size_t ofc_uns_node_child_count(const ofc_uns_node *node)
{
    return node->child_count;
}

const ofc_uns_node *ofc_uns_node_child_at(const ofc_uns_node *node, size_t i)
{
    return i < node->child_count ? node->children[i] : NULL;
}

size_t ofc_uns_node_asset_count(const ofc_uns_node *node)
{
    return node->asset_count;
}

const ofc_asset *ofc_uns_node_asset_at(const ofc_uns_node *node, size_t i)
{
    return i < node->asset_count ? node->assets[i] : NULL;
}

size_t ofc_uns_node_total_assets(const ofc_uns_node *node)
{
    return node->total;
}

size_t ofc_uns_node_state_count(const ofc_uns_node *node, ofc_state state)
{
    return (unsigned)state < OFC_STATE__COUNT ? node->state_counts[state] : 0;
}

ofc_state ofc_uns_node_state(const ofc_uns_node *node)
{
    for (int s = OFC_STATE__COUNT - 1; s > 0; s--)
        if (node->state_counts[s])
            return (ofc_state)s;
    return OFC_STATE_NORMAL;
}
