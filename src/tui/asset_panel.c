/* asset_panel: the detail pane (see asset_panel.h). */
#include "asset_panel.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum row_kind {
    ROW_IDENT,   /* type, availability, state */
    ROW_UNS,     /* the UNS path */
    ROW_LINK,    /* the device or a helper asset, or an asset of the shown node */
    ROW_SECTION, /* a section title (text) */
    ROW_ATTR,    /* an attribute */
    ROW_COND,    /* a condition */
    ROW_METHOD,  /* a method */
    ROW_NODE,    /* node summary: path and counts */
    ROW_CHILD,   /* a child node of the shown node (text = its path) */
    ROW_NOTHING, /* a hint when nothing is selected */
} row_kind;

typedef struct detail_row {
    row_kind kind;
    const ofc_attr *attr;
    const ofc_asset *link;
    char *text;  /* owned: section title or child path */
    int section; /* ROW_SECTION: 0 attributes, 1 conditions, 2 methods, 3 other */
} detail_row;

struct asset_panel {
    tui_panel base;
    const ofc_asset *asset;
    char *node_path; /* when a node is shown */
    detail_row *rows;
    size_t nrows, cap;
    bool rebuild;
};

/* Column layout of attribute rows for a width; 0 means the column is left out. */
typedef struct cols {
    int id, value, type, tag, age, trend;
} cols;

static asset_panel *ap_of(tui_panel *p)
{
    return (asset_panel *)p;
}

static cols layout(int width)
{
    cols c = {0, 0, 0, 0, 6, 0};
    int w = width - 1; /* a leading space */
    if (w >= 46)
        c.trend = w / 6 < 8 ? 8 : w / 6 > 24 ? 24 : w / 6;
    if (w >= 64)
        c.type = 11; /* "OpenFactory", "Condition" */
    if (w >= 80)
        c.tag = w / 6 < 12 ? 12 : w / 6 > 24 ? 24 : w / 6;
    int gaps = 2 + (c.type ? 1 : 0) + (c.tag ? 1 : 0) + (c.trend ? 1 : 0);
    int rest = w - gaps - c.age - c.type - c.tag - c.trend;
    c.id = rest * 45 / 100;
    if (c.id > 32)
        c.id = 32;
    if (c.id < 6)
        c.id = 6;
    c.value = rest - c.id;
    return c;
}

/* ---- rows ---- */

static void clear_rows(asset_panel *a)
{
    for (size_t i = 0; i < a->nrows; i++)
        free(a->rows[i].text);
    a->nrows = 0;
}

static detail_row *push(asset_panel *a, row_kind kind)
{
    if (a->nrows == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->rows = xreallocarray(a->rows, a->cap, sizeof *a->rows);
    }
    detail_row *r = &a->rows[a->nrows++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    return r;
}

static void section(asset_panel *a, int which, const char *title, size_t n)
{
    char buf[160];
    if (which == 2)
        snprintf(buf, sizeof buf, "%s (%zu)  %s", title, n,
                 a->base.ctx->can_command ? "Enter or x: send"
                                          : "read-only: no operator key (--key)");
    else
        snprintf(buf, sizeof buf, "%s (%zu)", title, n);
    detail_row *r = push(a, ROW_SECTION);
    r->text = xstrdup(buf);
    r->section = which;
}

static int attr_section(const ofc_attr *at)
{
    if (ofc_attr_is_method(at))
        return 2;
    if (ofc_attr_condition_level(at) != OFC_COND_NONE)
        return 1;
    return 0;
}

static void build_asset(asset_panel *a)
{
    const ofc_asset *as = a->asset;
    const char *filter = a->base.ctx->filter;
    bool all = !filter || !*filter || cf_match(ofc_asset_uuid(as), filter) ||
               cf_match(ofc_asset_uns_id(as), filter);
    push(a, ROW_IDENT);
    push(a, ROW_UNS);
    if (ofc_asset_device(as))
        push(a, ROW_LINK)->link = ofc_asset_device(as);
    for (size_t i = 0; i < ofc_asset_helper_count(as); i++)
        push(a, ROW_LINK)->link = ofc_asset_helper_at(as, i);

    static const char *const titles[] = {"Attributes", "Conditions", "Methods"};
    static const row_kind kinds[] = {ROW_ATTR, ROW_COND, ROW_METHOD};
    for (int s = 0; s < 3; s++) {
        size_t n = 0;
        for (size_t i = 0; i < ofc_asset_attr_count(as); i++) {
            const ofc_attr *at = ofc_asset_attr_at(as, i);
            n += attr_section(at) == s && (all || cf_match_attr(at, filter));
        }
        if (n == 0 && s > 0)
            continue;
        section(a, s, titles[s], n);
        /* The plant's data first, OpenFactory's registration attributes (AssetType, UNS
         * levels, ...) after: on a small screen the first rows are the ones that move. */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < ofc_asset_attr_count(as); i++) {
                const ofc_attr *at = ofc_asset_attr_at(as, i);
                bool reg = ofc_attr_type_of(at) == OFC_TYPE_OPENFACTORY;
                if (reg == (pass == 1) && attr_section(at) == s &&
                    (all || cf_match_attr(at, filter)))
                    push(a, kinds[s])->attr = at;
            }
        }
    }
}

static void build_node(asset_panel *a)
{
    const ofc_uns_node *n = ofc_model_find_uns(a->base.ctx->model, a->node_path);
    if (!n) {
        push(a, ROW_NOTHING);
        return;
    }
    push(a, ROW_NODE);
    section(a, 3, "Contents", ofc_uns_node_child_count(n) + ofc_uns_node_asset_count(n));
    for (size_t i = 0; i < ofc_uns_node_child_count(n); i++)
        push(a, ROW_CHILD)->text = xstrdup(ofc_uns_node_path(ofc_uns_node_child_at(n, i)));
    for (size_t i = 0; i < ofc_uns_node_asset_count(n); i++)
        push(a, ROW_LINK)->link = ofc_uns_node_asset_at(n, i);
}

static bool same_row(const detail_row *x, const detail_row *y)
{
    if (x->kind != y->kind || x->attr != y->attr || x->link != y->link)
        return false;
    if (x->kind == ROW_CHILD || x->kind == ROW_SECTION)
        return strcmp(x->text, y->text) == 0;
    return true;
}

static void rebuild(asset_panel *a)
{
    detail_row keep = {0};
    bool had = a->base.selected < a->nrows;
    if (had) {
        keep = a->rows[a->base.selected];
        keep.text = keep.text ? xstrdup(keep.text) : NULL;
    }
    clear_rows(a);
    if (a->asset)
        build_asset(a);
    else if (a->node_path)
        build_node(a);
    else
        push(a, ROW_NOTHING);
    /* The cursor stays on the same attribute or link when rows move around it. */
    for (size_t i = 0; had && i < a->nrows; i++) {
        if (same_row(&a->rows[i], &keep)) {
            a->base.selected = i;
            break;
        }
    }
    free(keep.text);
    tui_panel_clamp(&a->base);
    a->rebuild = false;
    a->base.dirty = true;
}

void asset_panel_sync(asset_panel *a)
{
    if (a->rebuild)
        rebuild(a);
}

void asset_panel_show_asset(asset_panel *a, const ofc_asset *asset)
{
    if (asset && asset == a->asset && !a->node_path)
        return;
    OFC_FREE(a->node_path);
    a->asset = asset;
    a->base.selected = a->base.top = 0;
    clear_rows(a);
    rebuild(a);
}

void asset_panel_show_node(asset_panel *a, const char *path)
{
    if (!a->asset && a->node_path && strcmp(a->node_path, path) == 0)
        return;
    free(a->node_path);
    a->node_path = xstrdup(path);
    a->asset = NULL;
    a->base.selected = a->base.top = 0;
    clear_rows(a);
    rebuild(a);
}

const ofc_asset *asset_panel_asset(const asset_panel *a)
{
    return a->asset;
}

void asset_panel_on_batch(asset_panel *a, const ofc_change_batch *batch)
{
    if (a->node_path) {
        /* A node's summary counts and contents: any asset change may move them. */
        for (size_t i = 0; i < batch->count; i++)
            if (batch->tree_changed || batch->changes[i].kind == OFC_CHANGE_ASSET)
                a->rebuild = true;
        return;
    }
    if (!a->asset)
        return;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->asset == a->asset ||
            (ch->kind == OFC_CHANGE_ASSET && (ofc_asset_device(ch->asset) == a->asset ||
                                              ofc_asset_device(a->asset) == ch->asset))) {
            /* New attributes, sections and links come with the asset's own changes; a
             * rebuild is a walk of one asset's attributes, at most once a redraw. */
            a->rebuild = true;
            return;
        }
    }
}

void asset_panel_on_filter(asset_panel *a)
{
    a->rebuild = true;
}

const ofc_attr *asset_panel_selected_method(const asset_panel *a)
{
    if (!a->asset || a->base.selected >= a->nrows)
        return NULL;
    const detail_row *r = &a->rows[a->base.selected];
    return r->kind == ROW_METHOD ? r->attr : NULL;
}

bool asset_panel_link(asset_panel *a, const ofc_asset **asset, const char **path)
{
    if (a->base.selected >= a->nrows)
        return false;
    const detail_row *r = &a->rows[a->base.selected];
    *asset = r->kind == ROW_LINK ? r->link : NULL;
    *path = r->kind == ROW_CHILD ? r->text : NULL;
    return *asset || *path;
}

/* ---- drawing ---- */

static size_t ap_count(tui_panel *p)
{
    return ap_of(p)->nrows;
}

static bool shown_stale(const tui_ctx *ctx, const ofc_asset *as)
{
    return ofc_asset_stale(as, ctx->now_us, ctx->connected, ctx->stale_after_us);
}

static cf_state asset_cf_state(const tui_ctx *ctx, const ofc_asset *as)
{
    return cf_state_from_model(ofc_asset_state(as), shown_stale(ctx, as));
}

static void ap_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    asset_panel *a = ap_of(p);
    const tui_ctx *ctx = p->ctx;
    if (a->asset) {
        const char *type = ofc_asset_type(a->asset);
        snprintf(left, lsize, " %s%s%s", ofc_asset_uuid(a->asset), type ? "  " : "",
                 type ? type : "");
        cf_state st = asset_cf_state(ctx, a->asset);
        snprintf(right, rsize, "%s %s ", cf_state_glyph(st, ctx->ascii), cf_state_word(st));
    } else if (a->node_path) {
        snprintf(left, lsize, " %s", a->node_path);
    } else {
        snprintf(left, lsize, " Detail");
    }
}

/* Where a value's age is measured from: its source time, else when it arrived. */
static int64_t value_time(const ofc_attr *at)
{
    return ofc_attr_timestamp_us(at) ? ofc_attr_timestamp_us(at) : ofc_attr_received_us(at);
}

static void age_text(const tui_ctx *ctx, const ofc_attr *at, bool stale, char *buf, size_t size)
{
    char age[32];
    cf_age(age, sizeof age, ctx->now_us, value_time(at));
    snprintf(buf, size, "%s%s", stale ? cf_state_glyph(CF_STATE_STALE, ctx->ascii) : "", age);
}

static void draw_attr(tui_panel *p, tui_row *row, const ofc_attr *at, bool stale)
{
    const tui_ctx *ctx = p->ctx;
    cols c = layout(p->width);
    cf_role vrole;
    const char *value = cf_attr_value(at, &vrole);
    if (stale && vrole == CF_ROLE_NORMAL)
        vrole = CF_ROLE_STALE;
    char buf[64];
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, c.id, ofc_attr_id(at), CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, c.value, value, vrole, CF_LEFT);
    if (c.type) {
        tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
        tui_row_cell(row, c.type, ofc_attr_type_text(at), CF_ROLE_DIM, CF_LEFT);
    }
    if (c.tag) {
        tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
        tui_row_cell(row, c.tag, ofc_attr_tag_local(at), CF_ROLE_DIM, CF_LEFT);
    }
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    age_text(ctx, at, stale, buf, sizeof buf);
    tui_row_cell(row, c.age, buf, stale ? CF_ROLE_STALE : CF_ROLE_DIM, CF_RIGHT);
    if (c.trend && ofc_attr_type_of(at) == OFC_TYPE_SAMPLES) {
        double v[64];
        size_t hn = ofc_attr_history_count(at), n = 0;
        size_t want = (size_t)c.trend < 64 ? (size_t)c.trend : 64;
        for (size_t i = hn > want ? hn - want : 0; i < hn; i++) {
            int64_t t;
            if (ofc_attr_history_at(at, i, &t, &v[n]))
                n++;
        }
        char spark[CF_CELL_BYTES(64)];
        cf_sparkline(spark, sizeof spark, v, n, (int)want, ctx->ascii);
        tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
        tui_row_cell(row, c.trend, spark, CF_ROLE_DIM, CF_LEFT);
    }
    tui_row_fill(row, "", CF_ROLE_NORMAL);
}

static void draw_cond(tui_panel *p, tui_row *row, const ofc_attr *at, bool stale)
{
    const tui_ctx *ctx = p->ctx;
    cols c = layout(p->width);
    cf_state st = cf_state_from_condition(ofc_attr_condition_level(at));
    char mark[48], age[48];
    snprintf(mark, sizeof mark, "%s %s", cf_state_glyph(st, ctx->ascii), cf_state_word(st));
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 9, mark, cf_state_role(st), CF_LEFT);
    tui_row_cell(row, c.id - 9 > 8 ? c.id - 9 : 8, ofc_attr_id(at), CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    int msg = tui_row_left(row) - c.age - 1;
    const char *text = ofc_attr_value_kind(at) == OFC_VALUE_NULL ? "" : ofc_attr_value(at);
    tui_row_cell(row, msg, text, stale ? CF_ROLE_STALE : CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    age_text(ctx, at, stale, age, sizeof age);
    tui_row_cell(row, c.age, age, stale ? CF_ROLE_STALE : CF_ROLE_DIM, CF_RIGHT);
    tui_row_fill(row, "", CF_ROLE_NORMAL);
}

static void draw_method(tui_panel *p, tui_row *row, const ofc_attr *at)
{
    char sig[512];
    size_t n = (size_t)snprintf(sig, sizeof sig, "%s(", ofc_attr_id(at));
    for (size_t i = 0; i < ofc_attr_method_arg_count(at) && n < sizeof sig; i++)
        n += (size_t)snprintf(sig + n, sizeof sig - n, "%s%s", i ? ", " : "",
                              ofc_attr_method_arg_name(at, i));
    if (n < sizeof sig)
        snprintf(sig + n, sizeof sig - n, ")");
    const char *desc = ofc_attr_method_description(at);
    int sw = cf_width(sig, p->ctx->ascii) + 2;
    if (sw > tui_row_left(row) / 2)
        sw = tui_row_left(row) / 2;
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, sw, sig, CF_ROLE_NORMAL, CF_LEFT);
    tui_row_fill(row, desc ? desc : "", CF_ROLE_DIM);
}

static void draw_link(tui_panel *p, tui_row *row, const ofc_asset *link, const ofc_asset *owner)
{
    const tui_ctx *ctx = p->ctx;
    const char *rel = owner && ofc_asset_device(owner) == link ? "device"
                      : owner                                  ? "helper"
                                                               : "asset";
    cf_state st = asset_cf_state(ctx, link);
    char text[512], mark[48];
    const char *type = ofc_asset_type(link), *avail = ofc_asset_availability_text(link);
    snprintf(text, sizeof text, "%-7s %s  %s  %s", rel, ofc_asset_uuid(link), type ? type : "",
             avail ? avail : "");
    snprintf(mark, sizeof mark, "%s %s", cf_state_glyph(st, ctx->ascii), cf_state_word(st));
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, tui_row_left(row) - 10, text, CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 9, mark, cf_state_role(st), CF_RIGHT);
    tui_row_fill(row, "", CF_ROLE_NORMAL);
}

static void draw_section(tui_panel *p, tui_row *row, const detail_row *r)
{
    if (r->section != 0) {
        tui_row_cell(row, 1, "", CF_ROLE_SECTION, CF_LEFT);
        tui_row_fill(row, r->text, CF_ROLE_SECTION);
        return;
    }
    cols c = layout(p->width);
    tui_row_cell(row, 1, "", CF_ROLE_SECTION, CF_LEFT);
    tui_row_cell(row, c.id + 1, r->text, CF_ROLE_SECTION, CF_LEFT);
    tui_row_cell(row, c.value + 1, "VALUE", CF_ROLE_SECTION, CF_LEFT);
    if (c.type)
        tui_row_cell(row, c.type + 1, "TYPE", CF_ROLE_SECTION, CF_LEFT);
    if (c.tag)
        tui_row_cell(row, c.tag + 1, "TAG", CF_ROLE_SECTION, CF_LEFT);
    tui_row_cell(row, c.age, "AGE", CF_ROLE_SECTION, CF_RIGHT);
    tui_row_fill(row, c.trend ? " TREND" : "", CF_ROLE_SECTION);
}

static void draw_node(tui_panel *p, tui_row *row, const char *path)
{
    const ofc_uns_node *n = ofc_model_find_uns(p->ctx->model, path);
    char text[512];
    if (!n) {
        tui_row_fill(row, path, CF_ROLE_STALE);
        return;
    }
    snprintf(text, sizeof text, " %zu assets: %zu fault, %zu warning, %zu unavailable",
             ofc_uns_node_total_assets(n), ofc_uns_node_state_count(n, OFC_STATE_FAULT),
             ofc_uns_node_state_count(n, OFC_STATE_WARNING),
             ofc_uns_node_state_count(n, OFC_STATE_UNAVAILABLE));
    tui_row_fill(row, text, CF_ROLE_NORMAL);
}

static void draw_child(tui_panel *p, tui_row *row, const char *path)
{
    const tui_ctx *ctx = p->ctx;
    const ofc_uns_node *n = ofc_model_find_uns(ctx->model, path);
    cf_state st = n ? cf_state_from_model(ofc_uns_node_state(n), !ctx->connected) : CF_STATE_STALE;
    char text[512], mark[48];
    snprintf(text, sizeof text, "node    %s  %zu assets", n ? ofc_uns_node_name(n) : path,
             n ? ofc_uns_node_total_assets(n) : 0);
    snprintf(mark, sizeof mark, "%s %s", cf_state_glyph(st, ctx->ascii), cf_state_word(st));
    tui_row_cell(row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, tui_row_left(row) - 10, text, CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(row, 9, mark, cf_state_role(st), CF_RIGHT);
    tui_row_fill(row, "", CF_ROLE_NORMAL);
}

static void ap_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    asset_panel *a = ap_of(p);
    const tui_ctx *ctx = p->ctx;
    const detail_row *r = &a->rows[i];
    tui_row row = tui_row_begin(p, y, x, width, selected);
    bool stale = a->asset && shown_stale(ctx, a->asset);
    char text[1024];
    switch (r->kind) {
    case ROW_IDENT: {
        const char *type = ofc_asset_type(a->asset);
        const char *avail = ofc_asset_availability_text(a->asset);
        cf_state st = asset_cf_state(ctx, a->asset);
        snprintf(text, sizeof text, " type %s  availability %s  ", type ? type : "?",
                 avail ? avail : "unknown");
        tui_row_cell(&row, cf_width(text, ctx->ascii), text, CF_ROLE_NORMAL, CF_LEFT);
        snprintf(text, sizeof text, "%s %s%s", cf_state_glyph(st, ctx->ascii), cf_state_word(st),
                 stale && st != CF_STATE_STALE ? " (stale)" : "");
        tui_row_fill(&row, text, cf_state_role(st));
        break;
    }
    case ROW_UNS: {
        const char *uns = ofc_asset_uns_id(a->asset);
        snprintf(text, sizeof text, " uns  %s", uns ? uns : "(not mapped)");
        tui_row_fill(&row, text, CF_ROLE_NORMAL);
        break;
    }
    case ROW_LINK: draw_link(p, &row, r->link, a->asset); break;
    case ROW_SECTION: draw_section(p, &row, r); break;
    case ROW_ATTR: draw_attr(p, &row, r->attr, stale); break;
    case ROW_COND: draw_cond(p, &row, r->attr, stale); break;
    case ROW_METHOD: draw_method(p, &row, r->attr); break;
    case ROW_NODE: draw_node(p, &row, a->node_path); break;
    case ROW_CHILD: draw_child(p, &row, r->text); break;
    case ROW_NOTHING:
        tui_row_fill(&row, " Select an asset in the tree (Enter), or :asset ID", CF_ROLE_DIM);
        break;
    }
}

void asset_panel_draw_ages(asset_panel *a)
{
    tui_panel *p = &a->base;
    if (!a->asset || p->height <= 1)
        return;
    const tui_ctx *ctx = p->ctx;
    bool stale = shown_stale(ctx, a->asset);
    cols c = layout(p->width);
    int rows = tui_panel_rows(p);
    char buf[64];
    for (int k = 0; k < rows; k++) {
        size_t i = p->top + (size_t)k;
        if (i >= a->nrows)
            break;
        const detail_row *r = &a->rows[i];
        if (r->kind != ROW_ATTR && r->kind != ROW_COND)
            continue;
        /* The same arithmetic as draw_attr() (lead, id, value, type, tag, gaps) and
         * draw_cond() (age last, flush right). */
        int x = r->kind == ROW_COND ? p->x + p->width - c.age
                                    : p->x + 1 + c.id + 1 + c.value + (c.type ? 1 + c.type : 0) +
                                          (c.tag ? 1 + c.tag : 0) + 1;
        tui_row row = tui_row_begin(p, p->y + 1 + k, x, c.age, i == p->selected);
        age_text(ctx, r->attr, stale, buf, sizeof buf);
        tui_row_cell(&row, c.age, buf, stale ? CF_ROLE_STALE : CF_ROLE_DIM, CF_RIGHT);
    }
}

/* ---- keys and export ---- */

static unsigned ap_on_key(tui_panel *p, const tui_key *key)
{
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    if (key->code == TUI_KEY_ENTER && asset_panel_selected_method(ap_of(p)))
        return TUI_HANDLED | TUI_INVOKE;
    if (key->code == TUI_KEY_ENTER || key->code == TUI_KEY_RIGHT || (ch && key->ch == 'l')) {
        const ofc_asset *asset;
        const char *path;
        return asset_panel_link(ap_of(p), &asset, &path) ? TUI_HANDLED | TUI_OPEN : TUI_HANDLED;
    }
    if (key->code == TUI_KEY_LEFT || (ch && key->ch == 'h'))
        return TUI_HANDLED | TUI_LEAVE;
    return TUI_IGNORED;
}

static const char *const export_cols[] = {"asset", "id",        "value", "type",
                                          "tag",   "timestamp", "age_s"};

static bool ap_export(tui_panel *p, tui_table *t, char *why, size_t why_size)
{
    asset_panel *a = ap_of(p);
    if (!a->asset) {
        snprintf(why, why_size, "select an asset (or focus the alarm list) to save");
        return false;
    }
    tui_table_init(t, export_cols, sizeof export_cols / sizeof export_cols[0]);
    for (size_t i = 0; i < a->nrows; i++) {
        const detail_row *r = &a->rows[i];
        if (r->kind != ROW_ATTR && r->kind != ROW_COND && r->kind != ROW_METHOD)
            continue;
        const ofc_attr *at = r->attr;
        char ts[40], age[32];
        ofc_value_kind k = ofc_attr_value_kind(at);
        tui_table_add(t, TUI_CELL_TEXT, ofc_asset_uuid(a->asset));
        tui_table_add(t, TUI_CELL_TEXT, ofc_attr_id(at));
        tui_table_add(t,
                      k == OFC_VALUE_NUMBER || k == OFC_VALUE_BOOL ? TUI_CELL_RAW : TUI_CELL_TEXT,
                      k == OFC_VALUE_NULL ? NULL : ofc_attr_value(at));
        tui_table_add(t, TUI_CELL_TEXT, ofc_attr_type_text(at));
        tui_table_add(t, TUI_CELL_TEXT, ofc_attr_tag_local(at));
        ofc_time_format_iso(value_time(at), 3, ts, sizeof ts);
        tui_table_add(t, TUI_CELL_TEXT, value_time(at) ? ts : NULL);
        int64_t age_us = p->ctx->now_us - value_time(at);
        snprintf(age, sizeof age, "%.3f", age_us > 0 ? (double)age_us / 1e6 : 0.0);
        tui_table_add(t, TUI_CELL_RAW, value_time(at) ? age : NULL);
    }
    return true;
}

static const tui_help_line ap_help[] = {
    {"Up/Down j/k", "move"},
    {"PgUp/PgDn Home/End", "page, first / last row"},
    {"Enter Right l", "open the device, helper or node on the cursor row"},
    {"Enter x (method)", "send the method: form, review of the signed record, y to send"},
    {"Left h", "back to the tree"},
    {":save FILE", "save these attributes (CSV, or NDJSON for .ndjson/.jsonl)"},
    {NULL, NULL},
};

static void ap_destroy(tui_panel *p)
{
    asset_panel *a = ap_of(p);
    clear_rows(a);
    free(a->rows);
    free(a->node_path);
    free(a);
}

static const tui_panel_ops ap_ops = {
    .name = "asset",
    .count = ap_count,
    .draw_row = ap_draw_row,
    .header = ap_header,
    .on_key = ap_on_key,
    .on_move = NULL,
    .export_table = ap_export,
    .help = ap_help,
    .destroy = ap_destroy,
};

asset_panel *asset_panel_new(tui_ctx *ctx)
{
    asset_panel *a = xcalloc(1, sizeof *a);
    tui_panel_init(&a->base, &ap_ops, ctx);
    rebuild(a);
    return a;
}

tui_panel *asset_panel_base(asset_panel *a)
{
    return &a->base;
}
