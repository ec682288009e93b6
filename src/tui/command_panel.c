/* command_panel: this session's commands and their states (see command_panel.h). */
#include "command_panel.h"

#include "cmd_format.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMMANDS 1000

typedef struct cmd_entry {
    ofc_cmd_status st;
    char *call, *reason;
} cmd_entry;

struct command_panel {
    tui_panel base;
    cmd_entry *v; /* oldest first; shown newest first */
    size_t n, cap;
    char who[256];
};

static command_panel *cp_of(tui_panel *p)
{
    return (command_panel *)p;
}

void command_panel_set_who(command_panel *c, const char *who)
{
    snprintf(c->who, sizeof c->who, "%s", who);
    c->base.dirty = true;
}

void command_panel_add(command_panel *c, const char *correlation_id, const char *target,
                       const char *method, const char *call, const char *reason, int64_t created_us)
{
    if (c->n == MAX_COMMANDS) {
        free(c->v[0].call);
        free(c->v[0].reason);
        memmove(c->v, c->v + 1, (c->n - 1) * sizeof *c->v);
        c->n--;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
    }
    cmd_entry *e = &c->v[c->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->st.correlation_id, sizeof e->st.correlation_id, "%s", correlation_id);
    snprintf(e->st.target, sizeof e->st.target, "%s", target);
    snprintf(e->st.method, sizeof e->st.method, "%s", method);
    e->st.state = OFC_CMD_PENDING;
    e->st.partition = -1;
    e->st.offset = -1;
    e->st.created_us = created_us;
    e->call = xstrdup(call);
    e->reason = xstrdup(reason);
    /* The newest is the top row: the cursor goes there so its state is in view. */
    c->base.selected = c->base.top = 0;
    c->base.dirty = true;
}

bool command_panel_update(command_panel *c, const ofc_cmd_status *st)
{
    for (size_t i = c->n; i-- > 0;) {
        cmd_entry *e = &c->v[i];
        if (strcmp(e->st.correlation_id, st->correlation_id) == 0) {
            e->st = *st;
            c->base.dirty = true;
            return true;
        }
    }
    return false;
}

size_t command_panel_count(const command_panel *c)
{
    return c->n;
}

static const cmd_entry *row_entry(const command_panel *c, size_t row)
{
    return row < c->n ? &c->v[c->n - 1 - row] : NULL;
}

const char *command_panel_selected_target(const command_panel *c)
{
    const cmd_entry *e = row_entry(c, c->base.selected);
    return e ? e->st.target : NULL;
}

/* ---- drawing ---- */

static size_t cp_count(tui_panel *p)
{
    size_t n = cp_of(p)->n;
    return n ? n : 1; /* a hint row when empty */
}

static void cp_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    command_panel *c = cp_of(p);
    size_t failed = 0;
    for (size_t i = 0; i < c->n; i++)
        failed += c->v[i].st.state == OFC_CMD_FAILED || c->v[i].st.state == OFC_CMD_REJECTED ||
                  c->v[i].st.state == OFC_CMD_TIMEOUT;
    snprintf(left, lsize, " Commands %zu  this session  %s", c->n, c->who);
    /* This pane stands in for the alarm list: the plant's alarms stay counted in view. */
    size_t alarms = ofc_model_active_conditions(p->ctx->model);
    size_t n = 0;
    if (failed)
        n = (size_t)snprintf(right, rsize, "%zu not executed  ", failed);
    if (n < rsize && alarms)
        snprintf(right + n, rsize - n, "%zu alarms (a) ", alarms);
    else if (n < rsize)
        snprintf(right + n, rsize - n, "newest first ");
}

static void cp_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    command_panel *c = cp_of(p);
    tui_row row = tui_row_begin(p, y, x, width, selected);
    const cmd_entry *e = row_entry(c, i);
    if (!e) {
        tui_row_fill(&row, " No command sent yet: on a method row of an asset press x or Enter",
                     CF_ROLE_DIM);
        return;
    }
    char clock[32], cid[16], detail[400];
    cf_clock(clock, sizeof clock, e->st.created_us, p->ctx->utc);
    snprintf(cid, sizeof cid, "%.8s", e->st.correlation_id);
    cmdf_state_detail(&e->st, detail, sizeof detail);
    int target_w = width / 6 < 14 ? 14 : width / 6 > 24 ? 24 : width / 6;
    int call_w = width / 4 < 18 ? 18 : width / 4 > 40 ? 40 : width / 4;
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 9, clock, CF_ROLE_DIM, CF_LEFT);
    tui_row_cell(&row, 9, ofc_cmd_state_name(e->st.state), cmdf_state_role(e->st.state), CF_LEFT);
    /* The correlation id's start finds the command in the audit; a narrow row gives its room
     * to the reason. */
    if (width >= 100)
        tui_row_cell(&row, 9, cid, CF_ROLE_DIM, CF_LEFT);
    tui_row_cell(&row, target_w, e->st.target, CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, call_w, e->call, CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_fill(&row, detail,
                 e->st.state == OFC_CMD_REJECTED || e->st.state == OFC_CMD_FAILED ? CF_ROLE_FAULT
                                                                                  : CF_ROLE_DIM);
}

/* ---- keys and export ---- */

static unsigned cp_on_key(tui_panel *p, const tui_key *key)
{
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    if (key->code == TUI_KEY_ENTER || key->code == TUI_KEY_RIGHT || (ch && key->ch == 'l'))
        return command_panel_selected_target(cp_of(p)) ? TUI_HANDLED | TUI_OPEN : TUI_HANDLED;
    return TUI_IGNORED;
}

static const char *const export_cols[] = {"created", "state", "correlation_id", "target",
                                          "method",  "call",  "reason",         "partition",
                                          "offset",  "detail"};

static bool cp_export(tui_panel *p, tui_table *t, char *why, size_t why_size)
{
    command_panel *c = cp_of(p);
    tui_table_init(t, export_cols, sizeof export_cols / sizeof export_cols[0]);
    for (size_t i = 0; i < c->n; i++) {
        const cmd_entry *e = row_entry(c, i);
        char ts[40], part[16], off[32];
        ofc_time_format_iso(e->st.created_us, 3, ts, sizeof ts);
        snprintf(part, sizeof part, "%d", (int)e->st.partition);
        snprintf(off, sizeof off, "%lld", (long long)e->st.offset);
        tui_table_add(t, TUI_CELL_TEXT, ts);
        tui_table_add(t, TUI_CELL_TEXT, ofc_cmd_state_name(e->st.state));
        tui_table_add(t, TUI_CELL_TEXT, e->st.correlation_id);
        tui_table_add(t, TUI_CELL_TEXT, e->st.target);
        tui_table_add(t, TUI_CELL_TEXT, e->st.method);
        tui_table_add(t, TUI_CELL_TEXT, e->call);
        tui_table_add(t, TUI_CELL_TEXT, e->reason);
        tui_table_add(t, TUI_CELL_RAW, e->st.partition >= 0 ? part : NULL);
        tui_table_add(t, TUI_CELL_RAW, e->st.partition >= 0 ? off : NULL);
        tui_table_add(t, TUI_CELL_TEXT, e->st.detail);
    }
    return true;
}

static const tui_help_line cp_help[] = {
    {"Up/Down j/k", "move"},
    {"Enter Right l", "open the command's target asset"},
    {"a", "back to the alarm list"},
    {":save FILE", "save this session's commands (CSV, or NDJSON for .ndjson/.jsonl)"},
    {"states", "PENDING, SENT (delivery report), FAILED, ECHOED, EXECUTED, REJECTED, TIMEOUT"},
    {NULL, NULL},
};

static void cp_destroy(tui_panel *p)
{
    command_panel *c = cp_of(p);
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].call);
        free(c->v[i].reason);
    }
    free(c->v);
    free(c);
}

static const tui_panel_ops cp_ops = {
    .name = "commands",
    .count = cp_count,
    .draw_row = cp_draw_row,
    .header = cp_header,
    .on_key = cp_on_key,
    .on_move = NULL,
    .export_table = cp_export,
    .help = cp_help,
    .destroy = cp_destroy,
};

command_panel *command_panel_new(tui_ctx *ctx)
{
    command_panel *c = xcalloc(1, sizeof *c);
    tui_panel_init(&c->base, &cp_ops, ctx);
    return c;
}

tui_panel *command_panel_base(command_panel *c)
{
    return &c->base;
}
