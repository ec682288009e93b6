/* tui_panel: cursor, scrolling, header and list keys shared by every pane (see tui_panel.h). */
#include "tui_panel.h"

#include <string.h>

void tui_row_cell(tui_row *r, int width, const char *text, cf_role role, cf_align align)
{
    if (width > r->end - r->x)
        width = r->end - r->x;
    if (width <= 0)
        return;
    char buf[CF_CELL_BYTES(256)];
    if (width > 256) {
        tui_crt_put(r->p->ctx->crt, r->y, r->x, width, text,
                    tui_panel_row_role(r->p, r->selected, role));
    } else {
        cf_fit(buf, sizeof buf, text, width, align, r->p->ctx->ascii);
        tui_crt_put_raw(r->p->ctx->crt, r->y, r->x, buf,
                        tui_panel_row_role(r->p, r->selected, role));
    }
    r->x += width;
}

void tui_row_fill(tui_row *r, const char *text, cf_role role)
{
    tui_row_cell(r, r->end - r->x, text, role, CF_LEFT);
}

void tui_panel_init(tui_panel *p, const tui_panel_ops *ops, tui_ctx *ctx)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    p->ctx = ctx;
    p->dirty = true;
}

void tui_panel_destroy(tui_panel *p)
{
    if (p && p->ops->destroy)
        p->ops->destroy(p);
}

void tui_panel_move(tui_panel *p, int y, int x, int height, int width)
{
    p->y = y;
    p->x = x;
    p->height = height > 0 ? height : 0;
    p->width = width > 0 ? width : 0;
    p->dirty = true;
    tui_panel_clamp(p);
}

void tui_panel_set_focus(tui_panel *p, bool focused)
{
    if (p->focused != focused)
        p->dirty = true;
    p->focused = focused;
}

int tui_panel_rows(const tui_panel *p)
{
    return p->height > 1 ? p->height - 1 : 0;
}

void tui_panel_clamp(tui_panel *p)
{
    size_t n = p->ops->count(p);
    size_t rows = (size_t)tui_panel_rows(p);
    if (n == 0) {
        p->selected = p->top = 0;
        return;
    }
    if (p->selected >= n)
        p->selected = n - 1;
    if (rows == 0) {
        p->top = p->selected;
        return;
    }
    if (p->selected < p->top)
        p->top = p->selected;
    if (p->selected >= p->top + rows)
        p->top = p->selected - rows + 1;
    /* No empty space below the last row while there are rows above the first. */
    if (p->top + rows > n)
        p->top = n > rows ? n - rows : 0;
}

void tui_panel_select(tui_panel *p, size_t row)
{
    size_t rows = (size_t)tui_panel_rows(p);
    /* A jump (not a step) to a row out of view puts it mid-pane, with context around it. */
    if (rows && (row < p->top || row >= p->top + rows) && row != p->selected + 1 &&
        row + 1 != p->selected)
        p->top = row > rows / 2 ? row - rows / 2 : 0;
    p->selected = row;
    tui_panel_clamp(p);
    p->dirty = true;
}

static unsigned list_key(tui_panel *p, const tui_key *key)
{
    size_t n = p->ops->count(p);
    size_t page = tui_panel_rows(p) > 1 ? (size_t)tui_panel_rows(p) - 1 : 1;
    size_t old = p->selected;
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    if (n == 0)
        return TUI_IGNORED;
    if (key->code == TUI_KEY_UP || (ch && key->ch == 'k')) {
        if (p->selected > 0)
            p->selected--;
    } else if (key->code == TUI_KEY_DOWN || (ch && key->ch == 'j')) {
        if (p->selected + 1 < n)
            p->selected++;
    } else if (key->code == TUI_KEY_PGUP || (key->ctrl && key->ch == 'b')) {
        p->selected = p->selected > page ? p->selected - page : 0;
    } else if (key->code == TUI_KEY_PGDN || (key->ctrl && key->ch == 'f')) {
        p->selected = p->selected + page < n ? p->selected + page : n - 1;
    } else if (key->code == TUI_KEY_HOME || (ch && key->ch == 'g')) {
        p->selected = 0;
    } else if (key->code == TUI_KEY_END || (ch && key->ch == 'G')) {
        p->selected = n - 1;
    } else {
        return TUI_IGNORED;
    }
    tui_panel_clamp(p);
    unsigned r = TUI_HANDLED | TUI_REDRAW;
    if (p->selected != old && p->ops->on_move)
        r |= p->ops->on_move(p);
    return r;
}

unsigned tui_panel_on_key(tui_panel *p, const tui_key *key)
{
    unsigned r = p->ops->on_key ? p->ops->on_key(p, key) : TUI_IGNORED;
    if (r & TUI_HANDLED)
        return r;
    return list_key(p, key);
}

void tui_panel_draw(tui_panel *p)
{
    tui_crt *crt = p->ctx->crt;
    if (p->height <= 0 || p->width <= 0) {
        p->dirty = false;
        return;
    }
    tui_panel_clamp(p);
    char left[512] = "", right[256] = "";
    p->ops->header(p, left, sizeof left, right, sizeof right);
    cf_role hrole = p->focused ? CF_ROLE_HEADER : CF_ROLE_HEADER_DIM;
    int rw = right[0] ? cf_width(right, p->ctx->ascii) + 1 : 0;
    if (rw > p->width / 2)
        rw = p->width / 2;
    tui_crt_put(crt, p->y, p->x, p->width - rw, left, hrole);
    if (rw)
        tui_crt_put(crt, p->y, p->x + p->width - rw, rw, right, hrole);

    size_t n = p->ops->count(p);
    int rows = tui_panel_rows(p);
    for (int r = 0; r < rows; r++) {
        size_t i = p->top + (size_t)r;
        int y = p->y + 1 + r;
        if (i < n)
            p->ops->draw_row(p, i, y, p->x, p->width, i == p->selected);
        else
            tui_crt_put(crt, y, p->x, p->width, "", CF_ROLE_NORMAL);
    }
    p->dirty = false;
}
