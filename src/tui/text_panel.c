/* text_panel: a pane of lines (see text_panel.h). */
#include "text_panel.h"

#include "xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tui_lines_clear(tui_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
    l->n = 0;
}

void tui_lines_fini(tui_lines *l)
{
    tui_lines_clear(l);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void push(tui_lines *l, cf_role role, char *text)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
    }
    l->v[l->n++] = (tui_line){text, role};
}

void tui_lines_add(tui_lines *l, cf_role role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = xmalloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    push(l, role, text);
}

void tui_lines_add_wrapped(tui_lines *l, cf_role role, int indent, const char *text, int width,
                           bool ascii)
{
    int room = width - indent;
    if (!text || room < 1)
        return;
    while (*text) {
        size_t n = cf_wrap(text, room, ascii);
        tui_lines_add(l, role, "%*s%.*s", indent, "", (int)n, text);
        text += n;
    }
}

struct text_panel {
    tui_panel base;
    tui_panel_ops ops; /* the shared ops with this pane's name and help */
    tui_lines lines;
    text_panel_fill_fn fill;
    void *opaque;
    int filled_width; /* -1: refill */
    char title[256];
};

static text_panel *tp_of(tui_panel *p)
{
    return (text_panel *)p;
}

static void refill(text_panel *t)
{
    if (t->filled_width == t->base.width)
        return;
    tui_lines_clear(&t->lines);
    t->fill(t->opaque, &t->lines, t->base.width);
    t->filled_width = t->base.width;
    t->base.dirty = true;
}

static size_t tp_count(tui_panel *p)
{
    text_panel *t = tp_of(p);
    refill(t);
    return t->lines.n;
}

static void tp_draw_row(tui_panel *p, size_t i, int y, int x, int width, bool selected)
{
    text_panel *t = tp_of(p);
    /* The cursor is a reading mark: shown only while the pane has the focus. */
    tui_row row = tui_row_begin(p, y, x, width, selected && p->focused);
    tui_row_fill(&row, t->lines.v[i].text, t->lines.v[i].role);
}

static void tp_header(tui_panel *p, char *left, size_t lsize, char *right, size_t rsize)
{
    text_panel *t = tp_of(p);
    snprintf(left, lsize, " %s", t->title);
    if (t->lines.n > (size_t)tui_panel_rows(p))
        snprintf(right, rsize, "%zu/%zu ", p->selected + 1, t->lines.n);
}

static void tp_destroy(tui_panel *p)
{
    text_panel *t = tp_of(p);
    tui_lines_fini(&t->lines);
    free(t);
}

text_panel *text_panel_new(tui_ctx *ctx, const char *name, const tui_help_line *help,
                           text_panel_fill_fn fill, void *opaque)
{
    static const tui_panel_ops base_ops = {
        .name = "text",
        .count = tp_count,
        .draw_row = tp_draw_row,
        .header = tp_header,
        .destroy = tp_destroy,
    };
    text_panel *t = xcalloc(1, sizeof *t);
    t->ops = base_ops;
    t->ops.name = name;
    t->ops.help = help;
    tui_panel_init(&t->base, &t->ops, ctx);
    t->fill = fill;
    t->opaque = opaque;
    t->filled_width = -1;
    return t;
}

tui_panel *text_panel_base(text_panel *t)
{
    return &t->base;
}

void text_panel_refresh(text_panel *t, bool reset)
{
    t->filled_width = -1;
    if (reset)
        t->base.selected = t->base.top = 0;
    t->base.dirty = true;
}

void text_panel_set_title(text_panel *t, const char *title)
{
    snprintf(t->title, sizeof t->title, "%s", title);
    t->base.dirty = true;
}
