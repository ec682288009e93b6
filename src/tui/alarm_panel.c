/* alarm_panel: the plant's active alarms (see alarm_panel.h). */
#include "alarm_panel.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct alarm_panel {
    tui_panel base;
    const ofc_attr **all; /* owned array from ofc_model_alarms(), newest first */
    size_t nall, warnings, faults;
    const ofc_attr **rows; /* owned: the filtered view of all */
    size_t nrows;
    bool refresh;
    bool following;
    int64_t paused_at_since; /* the newest alarm's time when following stopped */
    size_t new_count;        /* alarms newer than that */
    const ofc_attr *sel;     /* the alarm under the cursor while paused */
};

static alarm_panel *al_of(tui_panel *p)
{
    return (alarm_panel *)p;
}

static bool alarm_matches(const ofc_attr *at, const char *filter)
{
    const ofc_asset *as = ofc_attr_asset(at);
    return cf_match_attr(at, filter) || cf_match(ofc_asset_uuid(as), filter) ||
           cf_match(ofc_asset_uns_id(as), filter);
}

void alarm_panel_sync(alarm_panel *a)
{
    if (!a->refresh)
        return;
    a->refresh = false;
    free(a->all);
    a->nall = ofc_model_alarms(a->base.ctx->model, &a->all, &a->warnings, &a->faults);
    a->rows = xreallocarray(a->rows, a->nall + 1, sizeof *a->rows);
    a->nrows = 0;
    const char *filter = a->base.ctx->filter;
    for (size_t i = 0; i < a->nall; i++)
        if (alarm_matches(a->all[i], filter))
            a->rows[a->nrows++] = a->all[i];
    if (a->following) {
        a->base.selected = a->base.top = 0;
    } else {
        a->new_count = 0;
        for (size_t i = 0; i < a->nrows; i++)
            a->new_count += ofc_attr_condition_since_us(a->rows[i]) > a->paused_at_since;
        for (size_t i = 0; a->sel && i < a->nrows; i++) {
            if (a->rows[i] == a->sel) {
                a->base.selected = i;
                break;
            }
        }
    }
    tui_panel_clamp(&a->base);
    a->base.dirty = true;
}

void alarm_panel_on_batch(alarm_panel *a, const ofc_change_batch *batch)
{
    for (size_t i = 0; i < batch->count && !a->refresh; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind == OFC_CHANGE_ASSET || ofc_attr_condition_level(ch->attr) != OFC_COND_NONE)
            a->refresh = true;
    }
}

void alarm_panel_on_filter(alarm_panel *a)
{
    a->refresh = true;
}

void alarm_panel_follow(alarm_panel *a)
{
    a->following = true;
    a->new_count = 0;
    a->sel = NULL;
    a->base.selected = a->base.top = 0;
    a->base.dirty = true;
}

bool alarm_panel_following(const alarm_panel *a)
{
    return a->following;
}

const ofc_attr *alarm_panel_selected(const alarm_panel *a)
{
    return a->base.selected < a->nrows ? a->rows[a->base.selected] : NULL;
}

/* ---- drawing ---- */

static size_t al_count(tui_panel *p)
{
    return al_of(p)->nrows;
}

static void al_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    alarm_panel *a = al_of(p);
    bool asc = p->ctx->ascii;
    const char *filter = p->ctx->filter;
    char shown[64] = "";
    if (filter && *filter)
        snprintf(shown, sizeof shown, "  (%zu match /%s)", a->nrows, filter);
    snprintf(left, lsize, " Alarms %zu  %s %zu fault  %s %zu warning%s", a->nall,
             cf_state_glyph(CF_STATE_FAULT, asc), a->faults, cf_state_glyph(CF_STATE_WARNING, asc),
             a->warnings, shown);
    const char *stale = p->ctx->connected ? "" : "stale, ";
    if (a->following)
        snprintf(right, rsize, "%sfollowing ", stale);
    else
        snprintf(right, rsize, "%spaused, %zu new (f: follow) ", stale, a->new_count);
}

static void al_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    alarm_panel *a = al_of(p);
    const tui_ctx *ctx = p->ctx;
    const ofc_attr *at = a->rows[i];
    const ofc_asset *as = ofc_attr_asset(at);
    tui_row row = tui_row_begin(p, y, x, width, selected);
    cf_state st = cf_state_from_condition(ofc_attr_condition_level(at));
    char clock[32], mark[48];
    cf_clock(clock, sizeof clock, ofc_attr_condition_since_us(at), ctx->utc);
    snprintf(mark, sizeof mark, "%s %s", cf_state_glyph(st, ctx->ascii), cf_state_word(st));
    /* The asset is what an operator acts on: its column gives way last. */
    int asset_w = width / 5 < 14 ? 14 : width / 5 > 24 ? 24 : width / 5;
    int cond_w = width / 7 < 10 ? 10 : width / 7 > 28 ? 28 : width / 7;
    cf_role text_role = ctx->connected ? CF_ROLE_NORMAL : CF_ROLE_STALE;
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 9, clock, CF_ROLE_DIM, CF_LEFT);
    tui_row_cell(&row, 9, mark, cf_state_role(st), CF_LEFT);
    tui_row_cell(&row, asset_w, ofc_asset_uuid(as), text_role, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, cond_w, ofc_attr_id(at), text_role, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_fill(&row, ofc_attr_value_kind(at) == OFC_VALUE_NULL ? "" : ofc_attr_value(at),
                 text_role);
}

/* ---- keys ---- */

static unsigned al_on_move(tui_panel *p)
{
    alarm_panel *a = al_of(p);
    if (p->selected == 0) {
        alarm_panel_follow(a);
        return TUI_REDRAW;
    }
    if (a->following) {
        a->following = false;
        a->new_count = 0;
        a->paused_at_since = a->nrows ? ofc_attr_condition_since_us(a->rows[0]) : 0;
    }
    a->sel = alarm_panel_selected(a);
    return TUI_REDRAW;
}

static unsigned al_on_key(tui_panel *p, const tui_key *key)
{
    alarm_panel *a = al_of(p);
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    if (ch && key->ch == 'f') {
        alarm_panel_follow(a);
        return TUI_HANDLED | TUI_REDRAW;
    }
    if (key->code == TUI_KEY_ENTER || key->code == TUI_KEY_RIGHT || (ch && key->ch == 'l'))
        return alarm_panel_selected(a) ? TUI_HANDLED | TUI_OPEN : TUI_HANDLED;
    return TUI_IGNORED;
}

static const char *const export_cols[] = {"since",    "level",     "asset",
                                          "uns_path", "condition", "text"};

static bool al_export(tui_panel *p, tui_table *t, char *why, size_t why_size)
{
    alarm_panel *a = al_of(p);
    tui_table_init(t, export_cols, sizeof export_cols / sizeof export_cols[0]);
    for (size_t i = 0; i < a->nrows; i++) {
        const ofc_attr *at = a->rows[i];
        const ofc_asset *as = ofc_attr_asset(at);
        char ts[40];
        ofc_time_format_iso(ofc_attr_condition_since_us(at), 3, ts, sizeof ts);
        tui_table_add(t, TUI_CELL_TEXT, ts);
        tui_table_add(t, TUI_CELL_TEXT,
                      cf_state_word(cf_state_from_condition(ofc_attr_condition_level(at))));
        tui_table_add(t, TUI_CELL_TEXT, ofc_asset_uuid(as));
        tui_table_add(t, TUI_CELL_TEXT, ofc_asset_uns_id(as));
        tui_table_add(t, TUI_CELL_TEXT, ofc_attr_id(at));
        tui_table_add(t, TUI_CELL_TEXT,
                      ofc_attr_value_kind(at) == OFC_VALUE_NULL ? NULL : ofc_attr_value(at));
    }
    return true;
}

static const tui_help_line al_help[] = {
    {"Up/Down j/k", "move; leaving the top pauses following"},
    {"f Home g", "follow the newest alarm again"},
    {"Enter Right l", "open the alarm's asset"},
    {":save FILE", "save the alarm list (CSV, or NDJSON for .ndjson/.jsonl)"},
    {NULL, NULL},
};

static void al_destroy(tui_panel *p)
{
    alarm_panel *a = al_of(p);
    free(a->all);
    free(a->rows);
    free(a);
}

static const tui_panel_ops al_ops = {
    .name = "alarms",
    .count = al_count,
    .draw_row = al_draw_row,
    .header = al_header,
    .on_key = al_on_key,
    .on_move = al_on_move,
    .export_table = al_export,
    .help = al_help,
    .destroy = al_destroy,
};

alarm_panel *alarm_panel_new(tui_ctx *ctx)
{
    alarm_panel *a = xcalloc(1, sizeof *a);
    tui_panel_init(&a->base, &al_ops, ctx);
    a->following = true;
    a->refresh = true;
    return a;
}

tui_panel *alarm_panel_base(alarm_panel *a)
{
    return &a->base;
}
