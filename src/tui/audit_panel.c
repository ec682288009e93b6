/* audit_panel: the audit view's list and its record detail (see audit_panel.h). */
#include "audit_panel.h"

#include "export.h"
#include "json_writer.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct audit_panel {
    tui_panel base;
    const ofc_audit *audit; /* borrowed */
    bool trusted;           /* a trust store was given: statuses are verdicts */
    bool from_start;        /* the log was read from its beginning */
    cmdf_audit_filter filter;
    size_t *rows; /* audit indices of the shown entries, newest first */
    size_t nrows, cap;
    int status_w, op_w, target_w; /* columns as wide as what they show (capped) */
    bool refresh;
};

static int fit_column(int have, const char *text, bool ascii, int cap)
{
    int w = text ? cf_width(text, ascii) : 1;
    if (w > cap)
        w = cap;
    return w > have ? w : have;
}

static audit_panel *au_of(tui_panel *p)
{
    return (audit_panel *)p;
}

static const ofc_audit_entry *row_entry(const audit_panel *a, size_t row)
{
    return row < a->nrows ? ofc_audit_at(a->audit, a->rows[row]) : NULL;
}

void audit_panel_refresh(audit_panel *a)
{
    a->refresh = true;
}

void audit_panel_sync(audit_panel *a)
{
    if (!a->refresh)
        return;
    a->refresh = false;
    /* The cursor stays on its entry as new ones arrive above it (the top row follows the
     * newest). Entries are told apart by where they were read. */
    const ofc_audit_entry *sel = a->base.selected > 0 ? row_entry(a, a->base.selected) : NULL;
    int32_t sel_part = sel ? sel->partition : -1;
    int64_t sel_off = sel ? sel->offset : -1;
    size_t n = ofc_audit_count(a->audit);
    if (a->cap < n + 1) {
        a->cap = n + 64;
        a->rows = xreallocarray(a->rows, a->cap, sizeof *a->rows);
    }
    a->nrows = 0;
    a->status_w = 8;
    a->op_w = a->target_w = 6;
    const char *live = a->base.ctx->filter;
    bool ascii = a->base.ctx->ascii;
    for (size_t i = n; i-- > 0;) {
        const ofc_audit_entry *e = ofc_audit_at(a->audit, i);
        if (!cmdf_audit_entry_matches(e, &a->filter, live))
            continue;
        char status[96];
        cmdf_audit_status(e, status, sizeof status);
        a->status_w = fit_column(a->status_w, status, ascii, 32);
        a->op_w = fit_column(a->op_w, e->sender, ascii, 16);
        a->target_w = fit_column(a->target_w, e->target, ascii, 24);
        if (sel && e->partition == sel_part && e->offset == sel_off)
            a->base.selected = a->nrows;
        a->rows[a->nrows++] = i;
    }
    tui_panel_clamp(&a->base);
    a->base.dirty = true;
}

void audit_panel_set_filter(audit_panel *a, const cmdf_audit_filter *f)
{
    a->filter = *f;
    a->base.selected = a->base.top = 0;
    a->refresh = true;
}

const cmdf_audit_filter *audit_panel_filter(const audit_panel *a)
{
    return &a->filter;
}

size_t audit_panel_shown(const audit_panel *a)
{
    return a->nrows;
}

const ofc_audit_entry *audit_panel_selected(const audit_panel *a)
{
    return row_entry(a, a->base.selected);
}

/* ---- drawing ---- */

static size_t au_count(tui_panel *p)
{
    audit_panel *a = au_of(p);
    return a->nrows ? a->nrows : 1; /* a hint row when empty */
}

static void au_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    audit_panel *a = au_of(p);
    char filt[512];
    cmdf_audit_filter_describe(&a->filter, filt, sizeof filt);
    const char *live = p->ctx->filter;
    snprintf(left, lsize, " Audit  %zu of %zu commands  %s%s%s%s", a->nrows,
             ofc_audit_count(a->audit), filt, live && *live ? "  /" : "", live ? live : "",
             cmdf_audit_filter_empty(&a->filter) && !(live && *live) ? "from the start of the log"
                                                                     : "");
    snprintf(right, rsize, "%s",
             a->trusted ? "verified with --trust " : "no --trust: unknown key ");
}

static void call_and_reason(const ofc_audit_entry *e, char *out, size_t size)
{
    cmdf_call_text(e->method ? e->method : "?", e->arg_count, (const char *const *)e->arg_names,
                   (const char *const *)e->arg_values, out, size);
    size_t n = strlen(out);
    if (e->reason && *e->reason && n < size)
        snprintf(out + n, size - n, "  \"%s\"", e->reason);
}

static void au_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    audit_panel *a = au_of(p);
    tui_row row = tui_row_begin(p, y, x, width, selected);
    const ofc_audit_entry *e = row_entry(a, i);
    if (!e) {
        tui_row_fill(&row,
                     ofc_audit_count(a->audit)
                         ? " No command matches the filter (:audit with no filter shows all)"
                         : " No command record read yet",
                     CF_ROLE_DIM);
        return;
    }
    char clock[32], status[96], call[1024];
    cf_clock(clock, sizeof clock, e->kafka_time_us, p->ctx->utc);
    cf_role srole = cmdf_audit_status(e, status, sizeof status);
    call_and_reason(e, call, sizeof call);
    /* On a narrow screen the call keeps at least a third of the row; the detail below has
     * everything in full. */
    int status_w = a->status_w, op_w = a->op_w, target_w = a->target_w;
    while (width - 14 - status_w - op_w - target_w < width / 3 && status_w > 11)
        status_w--;
    while (width - 14 - status_w - op_w - target_w < width / 3 && target_w > 8) {
        target_w--;
        if (op_w > 8)
            op_w--;
    }
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 9, clock, CF_ROLE_DIM, CF_LEFT);
    tui_row_cell(&row, status_w, status, srole, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, op_w, e->sender ? e->sender : "-", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, target_w, e->target ? e->target : "-", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_cell(&row, 1, "", CF_ROLE_NORMAL, CF_LEFT);
    tui_row_fill(&row, call, CF_ROLE_NORMAL);
}

void audit_panel_describe(void *opaque, tui_lines *l, int width)
{
    audit_panel *a = opaque;
    audit_panel_sync(a);
    const ofc_audit_entry *e = row_entry(a, a->base.selected);
    bool ascii = a->base.ctx->ascii;
    if (!e) {
        tui_lines_add(l, CF_ROLE_DIM, " (no command selected)");
        return;
    }
    char status[96], when[40], ts[40];
    cf_role srole = cmdf_audit_status(e, status, sizeof status);
    ofc_time_format_iso(e->kafka_time_us, 3, when, sizeof when);
    tui_lines_add(l, srole, " Status     %s: %s", status, cmdf_audit_why(e));
    tui_lines_add(l, CF_ROLE_NORMAL, " Operator   %s   key %s", e->sender ? e->sender : "-",
                  e->key_id ? e->key_id : "(none)");
    tui_lines_add(l, CF_ROLE_NORMAL, " Target     %s   method %s", e->target ? e->target : "-",
                  e->method ? e->method : "-");
    char call[1024];
    cmdf_call_text(e->method ? e->method : "?", e->arg_count, (const char *const *)e->arg_names,
                   (const char *const *)e->arg_values, call, sizeof call);
    tui_lines_add(l, CF_ROLE_NORMAL, " Call       %s", call);
    tui_lines_add(l, CF_ROLE_NORMAL, " Reason     %s",
                  e->reason && *e->reason ? e->reason : "(none given)");
    snprintf(ts, sizeof ts, "%s", e->timestamp ? e->timestamp : "-");
    tui_lines_add(l, CF_ROLE_NORMAL, " Signed at  %s   written %s   partition %d offset %lld", ts,
                  when, (int)e->partition, (long long)e->offset);
    tui_lines_add(l, CF_ROLE_NORMAL, " Corr. id   %s", e->correlation_id ? e->correlation_id : "-");
    tui_lines_add(l, CF_ROLE_SECTION, " Record (as read, signature included)");
    if (e->record)
        tui_lines_add_wrapped(l, CF_ROLE_DIM, 2, e->record, width - 1, ascii);
    else
        tui_lines_add(l, CF_ROLE_DIM, "  (too large to keep)");
}

/* ---- keys, export ---- */

static unsigned au_on_move(tui_panel *p)
{
    return TUI_SELECT | TUI_REDRAW;
}

static const char *const csv_cols[] = {
    "time",      "status",         "verdict",   "why",    "operator",
    "key_id",    "target",         "method",    "call",   "reason",
    "timestamp", "correlation_id", "partition", "offset", "record",
};

bool audit_panel_save(audit_panel *a, const char *path, bool force, char *msg, size_t msg_size)
{
    audit_panel_sync(a);
    if (tui_export_format_for(path) == TUI_EXPORT_CSV) {
        tui_table t;
        tui_table_init(&t, csv_cols, sizeof csv_cols / sizeof csv_cols[0]);
        for (size_t r = a->nrows; r-- > 0;) {
            const ofc_audit_entry *e = row_entry(a, r);
            char when[40], status[96], call[1024], part[16], off[32];
            ofc_time_format_iso(e->kafka_time_us, 3, when, sizeof when);
            cmdf_audit_status(e, status, sizeof status);
            cmdf_call_text(e->method ? e->method : "?", e->arg_count,
                           (const char *const *)e->arg_names, (const char *const *)e->arg_values,
                           call, sizeof call);
            snprintf(part, sizeof part, "%d", (int)e->partition);
            snprintf(off, sizeof off, "%lld", (long long)e->offset);
            tui_table_add(&t, TUI_CELL_TEXT, when);
            tui_table_add(&t, TUI_CELL_TEXT, ofc_audit_status(e));
            tui_table_add(&t, TUI_CELL_TEXT, ofc_verdict_name(e->verdict));
            tui_table_add(&t, TUI_CELL_TEXT, cmdf_audit_why(e));
            tui_table_add(&t, TUI_CELL_TEXT, e->sender);
            tui_table_add(&t, TUI_CELL_TEXT, e->key_id);
            tui_table_add(&t, TUI_CELL_TEXT, e->target);
            tui_table_add(&t, TUI_CELL_TEXT, e->method);
            tui_table_add(&t, TUI_CELL_TEXT, call);
            tui_table_add(&t, TUI_CELL_TEXT, e->reason);
            tui_table_add(&t, TUI_CELL_TEXT, e->timestamp);
            tui_table_add(&t, TUI_CELL_TEXT, e->correlation_id);
            tui_table_add(&t, TUI_CELL_RAW, part);
            tui_table_add(&t, TUI_CELL_RAW, off);
            tui_table_add(&t, TUI_CELL_TEXT, e->record);
        }
        bool ok = tui_export_save(&t, path, force, msg, msg_size);
        tui_table_fini(&t);
        return ok;
    }
    char full[4096];
    FILE *out = tui_export_create(path, force, full, sizeof full, msg, msg_size);
    if (!out)
        return false;
    json_writer jw;
    jw_init(&jw);
    for (size_t r = a->nrows; r-- > 0;) {
        jw_reset(&jw);
        ofc_audit_write_json(row_entry(a, r), &jw);
        fwrite(jw.buf, 1, jw.len, out);
        fputc('\n', out);
    }
    jw_fini(&jw);
    bool ok = fflush(out) == 0 && !ferror(out);
    int saved_errno = errno;
    if (fclose(out) != 0)
        ok = false;
    if (!ok) {
        snprintf(msg, msg_size, "writing %s failed: %s", full, strerror(saved_errno));
        return false;
    }
    snprintf(msg, msg_size, "saved %zu audit entries to %s (NDJSON, signed records kept)", a->nrows,
             full);
    return true;
}

static const tui_help_line au_help[] = {
    {"Up/Down j/k", "move; the record below follows"},
    {"Tab", "to the record (scroll it), and back"},
    {":audit FILTERS", "operator=ID asset=UUID since=2h until=ISO-TIME (none: all)"},
    {"/", "filter live by operator, asset, method, arguments, reason, status"},
    {":save FILE", "NDJSON (.ndjson/.jsonl) with the signed records, else CSV"},
    {"Esc A -", "close the audit view"},
    {NULL, NULL},
};

static void au_destroy(tui_panel *p)
{
    audit_panel *a = au_of(p);
    free(a->rows);
    free(a);
}

static const tui_panel_ops au_ops = {
    .name = "audit",
    .count = au_count,
    .draw_row = au_draw_row,
    .header = au_header,
    .on_key = NULL,
    .on_move = au_on_move,
    .export_table = NULL,
    .help = au_help,
    .destroy = au_destroy,
};

audit_panel *audit_panel_new(tui_ctx *ctx, const ofc_audit *audit, bool trusted, bool from_start)
{
    audit_panel *a = xcalloc(1, sizeof *a);
    tui_panel_init(&a->base, &au_ops, ctx);
    a->audit = audit;
    a->trusted = trusted;
    a->from_start = from_start;
    a->refresh = true;
    return a;
}

tui_panel *audit_panel_base(audit_panel *a)
{
    return &a->base;
}
