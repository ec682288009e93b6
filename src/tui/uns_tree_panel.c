/* uns_tree_panel: the UNS tree pane (see uns_tree_panel.h).
 *
 * State glyphs come from the model's incrementally kept roll-ups (ofc_uns_node_state), so a
 * redraw costs the visible rows only. Stale is a function of time, which the model does not
 * roll up; it is re-derived for the rows once a second (and when the rows are rebuilt), a walk
 * of the shown subtrees that only marks the pane dirty when a mark actually changed.
 */
#include "uns_tree_panel.h"

#include "strmap.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct tree_row {
    const ofc_uns_node *node; /* the node, or an asset row's UNS node */
    const ofc_asset *asset;   /* set for asset rows */
    int depth;
    bool expandable;
    bool stale;
} tree_row;

struct uns_tree_panel {
    tui_panel base;
    tree_row *rows;
    size_t nrows, cap;
    strmap collapsed; /* paths the operator closed; keys owned (value == key) */
    bool rebuild;
    bool values_changed; /* while filtering: values changed since the last re-filter */
    char *sel_key;       /* "n:<path>" or "a:<uuid>": the cursor row across rebuilds */
};

static uns_tree_panel *tree_of(tui_panel *p)
{
    return (uns_tree_panel *)p;
}

/* ---- building the rows ---- */

static void push_row(uns_tree_panel *t, const ofc_uns_node *node, const ofc_asset *asset, int depth,
                     bool expandable)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->rows = xreallocarray(t->rows, t->cap, sizeof *t->rows);
    }
    t->rows[t->nrows++] = (tree_row){node, asset, depth, expandable, false};
}

static bool is_collapsed(const uns_tree_panel *t, const ofc_uns_node *n)
{
    const char *path = ofc_uns_node_path(n);
    return strmap_get(&t->collapsed, path, strlen(path)) != NULL;
}

/* A UNS leaf with exactly one asset is that asset: one row, not a node and its only child. */
static const ofc_asset *leaf_asset(const ofc_uns_node *n)
{
    if (ofc_uns_node_child_count(n) == 0 && ofc_uns_node_asset_count(n) == 1 &&
        !ofc_uns_node_is_unmapped(n))
        return ofc_uns_node_asset_at(n, 0);
    return NULL;
}

/* Adds n's rows; returns whether anything was added. While filtering, a node stays only if
 * its path matches (then its whole subtree shows) or something below it matches. */
static bool add_node(uns_tree_panel *t, const ofc_uns_node *n, int depth, bool show_all)
{
    const char *filter = t->base.ctx->filter;
    bool filtering = filter && *filter && !show_all;
    const ofc_asset *leaf = leaf_asset(n);
    if (leaf) {
        if (filtering && !cf_match(ofc_uns_node_path(n), filter) && !cf_match_asset(leaf, filter))
            return false;
        push_row(t, n, leaf, depth, false);
        return true;
    }
    size_t mark = t->nrows;
    bool self_match = filtering && cf_match(ofc_uns_node_path(n), filter);
    bool below_all = show_all || self_match;
    push_row(t, n, NULL, depth, true);
    if (!filtering && is_collapsed(t, n))
        return true;
    bool any = false;
    for (size_t i = 0; i < ofc_uns_node_child_count(n); i++)
        any |= add_node(t, ofc_uns_node_child_at(n, i), depth + 1, below_all);
    for (size_t i = 0; i < ofc_uns_node_asset_count(n); i++) {
        const ofc_asset *a = ofc_uns_node_asset_at(n, i);
        if (filtering && !self_match && !cf_match_asset(a, filter))
            continue;
        push_row(t, n, a, depth + 1, false);
        any = true;
    }
    if (filtering && !self_match && !any) {
        t->nrows = mark;
        return false;
    }
    return true;
}

static void row_key(const tree_row *r, char *buf, size_t size)
{
    if (r->asset)
        snprintf(buf, size, "a:%s", ofc_asset_uuid(r->asset));
    else
        snprintf(buf, size, "n:%s", ofc_uns_node_path(r->node));
}

static void remember_selection(uns_tree_panel *t)
{
    if (t->base.selected >= t->nrows)
        return;
    char key[1024];
    row_key(&t->rows[t->base.selected], key, sizeof key);
    free(t->sel_key);
    t->sel_key = xstrdup(key);
}

static bool subtree_stale(const uns_tree_panel *t, const ofc_uns_node *n)
{
    const tui_ctx *ctx = t->base.ctx;
    for (size_t i = 0; i < ofc_uns_node_asset_count(n); i++)
        if (ofc_asset_stale(ofc_uns_node_asset_at(n, i), ctx->now_us, ctx->connected,
                            ctx->stale_after_us))
            return true;
    for (size_t i = 0; i < ofc_uns_node_child_count(n); i++)
        if (subtree_stale(t, ofc_uns_node_child_at(n, i)))
            return true;
    return false;
}

/* Returns true if any row's stale mark changed. */
static bool restale(uns_tree_panel *t)
{
    const tui_ctx *ctx = t->base.ctx;
    /* Connected and no --stale-after: nothing can be stale, no need to walk the subtrees. */
    bool possible = !ctx->connected || ctx->stale_after_us > 0;
    bool changed = false;
    for (size_t i = 0; i < t->nrows; i++) {
        tree_row *r = &t->rows[i];
        bool s = false;
        if (possible && r->asset)
            s = ofc_asset_stale(r->asset, ctx->now_us, ctx->connected, ctx->stale_after_us);
        else if (possible)
            s = subtree_stale(t, r->node);
        changed |= s != r->stale;
        r->stale = s;
    }
    return changed;
}

static void rebuild(uns_tree_panel *t)
{
    t->nrows = 0;
    const ofc_uns_node *root = ofc_model_uns_root(t->base.ctx->model);
    for (size_t i = 0; root && i < ofc_uns_node_child_count(root); i++)
        add_node(t, ofc_uns_node_child_at(root, i), 0, false);
    restale(t);
    if (t->sel_key) {
        char key[1024];
        for (size_t i = 0; i < t->nrows; i++) {
            row_key(&t->rows[i], key, sizeof key);
            if (strcmp(key, t->sel_key) == 0) {
                t->base.selected = i;
                break;
            }
        }
    }
    tui_panel_clamp(&t->base);
    t->rebuild = false;
    t->values_changed = false;
    t->base.dirty = true;
}

void uns_tree_panel_sync(uns_tree_panel *t)
{
    if (t->rebuild)
        rebuild(t);
}

void uns_tree_panel_on_batch(uns_tree_panel *t, const ofc_change_batch *batch)
{
    if (batch->tree_changed) {
        t->rebuild = true;
        return;
    }
    for (size_t i = 0; i < batch->count; i++) {
        if (batch->changes[i].kind == OFC_CHANGE_ASSET)
            t->base.dirty = true; /* a state roll-up may have moved */
        else
            t->values_changed = true;
    }
}

void uns_tree_panel_on_filter(uns_tree_panel *t)
{
    t->rebuild = true;
}

bool uns_tree_panel_tick(uns_tree_panel *t)
{
    const char *filter = t->base.ctx->filter;
    /* Values matched by the filter change all the time under load: re-filtering on every batch
     * would cost a scan of every attribute per redraw, so values are re-checked once a second
     * (paths and structure immediately). */
    if (filter && *filter && t->values_changed) {
        rebuild(t);
        return true;
    }
    if (restale(t)) {
        t->base.dirty = true;
        return true;
    }
    return false;
}

/* ---- drawing ---- */

static size_t tree_count(tui_panel *p)
{
    return tree_of(p)->nrows;
}

static void tree_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    uns_tree_panel *t = tree_of(p);
    const ofc_uns_node *root = ofc_model_uns_root(p->ctx->model);
    size_t total = root ? ofc_uns_node_total_assets(root) : 0;
    if (p->ctx->filter && *p->ctx->filter)
        snprintf(left, lsize, " UNS  /%s  %zu rows", p->ctx->filter, t->nrows);
    else
        snprintf(left, lsize, " UNS  %zu assets", total);
    size_t f = root ? ofc_uns_node_state_count(root, OFC_STATE_FAULT) : 0;
    size_t w = root ? ofc_uns_node_state_count(root, OFC_STATE_WARNING) : 0;
    bool a = p->ctx->ascii;
    snprintf(right, rsize, "%s%zu %s%zu ", cf_state_glyph(CF_STATE_FAULT, a), f,
             cf_state_glyph(CF_STATE_WARNING, a), w);
}

static void tree_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    uns_tree_panel *t = tree_of(p);
    const tree_row *r = &t->rows[i];
    const tui_ctx *ctx = p->ctx;
    tui_row row = tui_row_begin(p, y, x, width, selected);
    ofc_state ms = r->asset ? ofc_asset_state(r->asset) : ofc_uns_node_state(r->node);
    cf_state st = cf_state_from_model(ms, r->stale);
    bool stale_too = r->stale && st != CF_STATE_STALE;

    /* Right-hand marks: the state glyph, a second glyph when an abnormal state is also stale,
     * and in monochrome the word, because there the glyph is all that tells states apart. */
    char marks[64];
    if (ctx->mono && st != CF_STATE_NORMAL)
        snprintf(marks, sizeof marks, "%s%s %s", cf_state_glyph(st, ctx->ascii),
                 stale_too ? cf_state_glyph(CF_STATE_STALE, ctx->ascii) : "", cf_state_word(st));
    else
        snprintf(marks, sizeof marks, "%s%s", cf_state_glyph(st, ctx->ascii),
                 stale_too ? cf_state_glyph(CF_STATE_STALE, ctx->ascii) : " ");
    int mw = cf_width(marks, ctx->ascii) + 1;

    int indent = r->depth * (width < 30 ? 1 : 2); /* narrow panes keep room for names */
    if (indent > width / 2)
        indent = width / 2;
    tui_row_cell(&row, indent + 1, "", CF_ROLE_NORMAL, CF_LEFT);
    if (r->expandable) {
        bool open = (ctx->filter && *ctx->filter) || !is_collapsed(t, r->node);
        tui_row_cell(&row, 2, cf_glyph_expander(open, ctx->ascii), CF_ROLE_DIM, CF_LEFT);
    } else {
        tui_row_cell(&row, 2, "", CF_ROLE_NORMAL, CF_LEFT);
    }

    char label[512];
    cf_role lrole = r->stale ? CF_ROLE_STALE : CF_ROLE_NORMAL;
    if (r->asset) {
        const char *uuid = ofc_asset_uuid(r->asset);
        const char *name = ofc_uns_node_is_unmapped(r->node) || !leaf_asset(r->node)
                               ? uuid
                               : ofc_uns_node_name(r->node);
        if (strcasecmp(name, uuid) != 0)
            snprintf(label, sizeof label, "%s (%s)", name, uuid);
        else
            snprintf(label, sizeof label, "%s", name);
    } else {
        size_t total = ofc_uns_node_total_assets(r->node);
        if (width >= 28)
            snprintf(label, sizeof label, "%s  %zu", ofc_uns_node_name(r->node), total);
        else
            snprintf(label, sizeof label, "%s", ofc_uns_node_name(r->node));
    }
    tui_row_cell(&row, tui_row_left(&row) - mw, label, lrole, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_fill(&row, marks, cf_state_role(st));
}

/* ---- keys ---- */

static void clear_collapsed(uns_tree_panel *t)
{
    for (size_t i = 0; i < t->collapsed.cap; i++)
        if (t->collapsed.slots[i].hash)
            free(t->collapsed.slots[i].value);
    strmap_fini(&t->collapsed);
    strmap_init(&t->collapsed);
}

static void set_collapsed(uns_tree_panel *t, const ofc_uns_node *n, bool collapsed)
{
    const char *path = ofc_uns_node_path(n);
    char *have = strmap_get(&t->collapsed, path, strlen(path));
    if (collapsed && !have) {
        char *key = xstrdup(path);
        strmap_put(&t->collapsed, key, strlen(key), key);
    } else if (!collapsed && have) {
        strmap_remove(&t->collapsed, path, strlen(path));
        free(have);
    }
    remember_selection(t);
    rebuild(t);
}

static unsigned tree_on_move(tui_panel *p)
{
    remember_selection(tree_of(p));
    return TUI_SELECT;
}

static unsigned tree_on_key(tui_panel *p, const tui_key *key)
{
    uns_tree_panel *t = tree_of(p);
    if (p->selected >= t->nrows)
        return TUI_IGNORED;
    const tree_row *r = &t->rows[p->selected];
    bool filtering = p->ctx->filter && *p->ctx->filter;
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    bool right = key->code == TUI_KEY_RIGHT || (ch && key->ch == 'l');
    bool left = key->code == TUI_KEY_LEFT || (ch && key->ch == 'h');
    bool enter = key->code == TUI_KEY_ENTER || (ch && key->ch == ' ');

    if (r->asset && (enter || right))
        return TUI_HANDLED | TUI_OPEN;
    if (!r->asset && !filtering && enter) {
        set_collapsed(t, r->node, !is_collapsed(t, r->node));
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (!r->asset && !filtering && right && is_collapsed(t, r->node)) {
        set_collapsed(t, r->node, false);
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (!r->asset && right) {
        if (p->selected + 1 < t->nrows && t->rows[p->selected + 1].depth > r->depth)
            tui_panel_select(p, p->selected + 1);
        return TUI_HANDLED | TUI_REDRAW | tree_on_move(p);
    }
    if (left) {
        if (!r->asset && !filtering && !is_collapsed(t, r->node)) {
            set_collapsed(t, r->node, true);
            return TUI_HANDLED | TUI_REDRAW;
        }
        for (size_t i = p->selected; i-- > 0;) {
            if (t->rows[i].depth < r->depth) {
                tui_panel_select(p, i);
                return TUI_HANDLED | TUI_REDRAW | tree_on_move(p);
            }
        }
        return TUI_HANDLED;
    }
    if (ch && (key->ch == 'E' || key->ch == 'C')) {
        clear_collapsed(t);
        if (key->ch == 'C') {
            /* Fold every node, so the top level is all that shows. */
            for (size_t i = 0; i < t->nrows; i++) {
                if (t->rows[i].asset)
                    continue;
                char *k = xstrdup(ofc_uns_node_path(t->rows[i].node));
                strmap_put(&t->collapsed, k, strlen(k), k);
            }
        }
        remember_selection(t);
        rebuild(t);
        return TUI_HANDLED | TUI_REDRAW;
    }
    return TUI_IGNORED;
}

/* ---- selection from outside ---- */

static bool select_key(uns_tree_panel *t, const char *key)
{
    char k[1024];
    for (size_t i = 0; i < t->nrows; i++) {
        row_key(&t->rows[i], k, sizeof k);
        if (strcmp(k, key) == 0) {
            tui_panel_select(&t->base, i);
            remember_selection(t);
            return true;
        }
    }
    return false;
}

/* Open every ancestor of path (a UNS path) so its row exists. */
static void expand_to(uns_tree_panel *t, const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    bool any = false;
    for (char *s = buf;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            char *have = strmap_get(&t->collapsed, buf, strlen(buf));
            if (have) {
                strmap_remove(&t->collapsed, buf, strlen(buf));
                free(have);
                any = true;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (any || t->rebuild)
        rebuild(t);
}

bool uns_tree_panel_select_asset(uns_tree_panel *t, const ofc_asset *asset)
{
    const ofc_uns_node *n = ofc_asset_uns_node(asset);
    if (!n)
        return false;
    const ofc_uns_node *parent = ofc_uns_node_parent(n);
    if (parent)
        expand_to(t, ofc_uns_node_path(parent));
    if (!ofc_uns_node_is_unmapped(n) && ofc_uns_node_child_count(n) > 0)
        expand_to(t, ofc_uns_node_path(n));
    if (ofc_uns_node_is_unmapped(n))
        expand_to(t, ofc_uns_node_path(n));
    char key[1024];
    snprintf(key, sizeof key, "a:%s", ofc_asset_uuid(asset));
    return select_key(t, key);
}

bool uns_tree_panel_select_path(uns_tree_panel *t, const char *path)
{
    const ofc_uns_node *n = ofc_model_find_uns(t->base.ctx->model, path);
    if (!n)
        return false;
    const ofc_asset *leaf = leaf_asset(n);
    if (leaf)
        return uns_tree_panel_select_asset(t, leaf);
    const ofc_uns_node *parent = ofc_uns_node_parent(n);
    if (parent)
        expand_to(t, ofc_uns_node_path(parent));
    char key[1024];
    snprintf(key, sizeof key, "n:%s", ofc_uns_node_path(n));
    return select_key(t, key);
}

const ofc_asset *uns_tree_panel_selected_asset(uns_tree_panel *t)
{
    return t->base.selected < t->nrows ? t->rows[t->base.selected].asset : NULL;
}

const ofc_uns_node *uns_tree_panel_selected_node(uns_tree_panel *t)
{
    return t->base.selected < t->nrows ? t->rows[t->base.selected].node : NULL;
}

size_t uns_tree_panel_row_count(uns_tree_panel *t)
{
    return t->nrows;
}

/* ---- lifecycle ---- */

static const tui_help_line tree_help[] = {
    {"Up/Down j/k", "move"},
    {"PgUp/PgDn ^B/^F", "page"},
    {"Home/End g/G", "first / last row"},
    {"Enter Space", "open the asset / fold or unfold the node"},
    {"Right l", "unfold, go to the first child, or open the asset"},
    {"Left h", "fold, or go to the parent"},
    {"E / C", "unfold all / fold all"},
    {NULL, NULL},
};

static void tree_destroy(tui_panel *p)
{
    uns_tree_panel *t = tree_of(p);
    clear_collapsed(t);
    strmap_fini(&t->collapsed);
    free(t->rows);
    free(t->sel_key);
    free(t);
}

static const tui_panel_ops tree_ops = {
    .name = "tree",
    .count = tree_count,
    .draw_row = tree_draw_row,
    .header = tree_header,
    .on_key = tree_on_key,
    .on_move = tree_on_move,
    .export_table = NULL,
    .help = tree_help,
    .destroy = tree_destroy,
};

uns_tree_panel *uns_tree_panel_new(tui_ctx *ctx)
{
    uns_tree_panel *t = xcalloc(1, sizeof *t);
    tui_panel_init(&t->base, &tree_ops, ctx);
    strmap_init(&t->collapsed);
    t->rebuild = true;
    return t;
}

tui_panel *uns_tree_panel_base(uns_tree_panel *t)
{
    return &t->base;
}
