/* tui_panel: a scrollable list in a rectangle of the screen, the base of every pane.
 *
 * htop's shape: a panel owns a cursor and a scroll offset, a small vtable supplies the rows and
 * handles the keys that are its own, and every handler returns flags (TUI_HANDLED, TUI_REDRAW,
 * ...) so panels never refresh the screen themselves: the app redraws once, before sleeping.
 * Concrete panels embed tui_panel as their first member.
 */
#ifndef OFC_TUI_PANEL_H
#define OFC_TUI_PANEL_H

#include "cell_format.h"
#include "export.h"
#include "tui_crt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the app reads while drawing: the model, the clock and the display options. Owned by
 * the app; panels borrow it for their lifetime. {loop thread only} */
typedef struct tui_ctx {
    ofc_model *model;
    tui_crt *crt;
    bool ascii;
    bool mono;              /* no colour: state words are spelled out */
    bool utc;               /* times in UTC rather than local time */
    int64_t stale_after_us; /* 0: assets go stale only while the broker is away */
    bool connected;         /* the feed's view of the broker */
    int64_t now_us;         /* wall clock of this redraw */
    const char *filter;     /* the live filter, "" when none */
    bool can_command;       /* an operator key was given (--key): methods can be sent */
} tui_ctx;

/* Handler results, or'ed. */
enum {
    TUI_IGNORED = 0,
    TUI_HANDLED = 1u << 0,
    TUI_REDRAW = 1u << 1, /* this panel must be drawn again */
    TUI_SELECT = 1u << 2, /* the selection changed: others may follow it */
    TUI_OPEN = 1u << 3,   /* open the selection (Enter) */
    TUI_LEAVE = 1u << 4,  /* give focus back (h / Left on the first level) */
    TUI_INVOKE = 1u << 5, /* send the method on the cursor row (the command dialog) */
};

typedef struct tui_panel tui_panel;

typedef struct tui_help_line {
    const char *keys;
    const char *what;
} tui_help_line;

typedef struct tui_panel_ops {
    const char *name; /* "tree", "asset", "alarms" */
    size_t (*count)(tui_panel *p);
    /* Draw row i (i < count) into width columns at (y, x). */
    void (*draw_row)(tui_panel *p, size_t i, int y, int x, int width, bool selected);
    /* The header line's text (left) and an optional right-aligned part. */
    void (*header)(tui_panel *p, char *left, size_t left_size, char *right, size_t right_size);
    /* Keys of its own, before the list keys; may be NULL. */
    unsigned (*on_key)(tui_panel *p, const tui_key *key);
    /* Called after the cursor moved by a list key (to follow it), may be NULL. */
    unsigned (*on_move)(tui_panel *p);
    /* What `:save` writes for this pane; NULL or false: nothing to save here. */
    bool (*export_table)(tui_panel *p, tui_table *t, char *why, size_t why_size);
    const tui_help_line *help; /* ends with {NULL, NULL} */
    void (*destroy)(tui_panel *p);
} tui_panel_ops;

struct tui_panel {
    const tui_panel_ops *ops;
    tui_ctx *ctx;
    int y, x, height, width; /* including the header line */
    size_t top;              /* first row shown */
    size_t selected;         /* cursor row */
    bool focused;
    bool dirty;
};

void tui_panel_init(tui_panel *p, const tui_panel_ops *ops, tui_ctx *ctx);
void tui_panel_destroy(tui_panel *p); /* through ops->destroy */

void tui_panel_move(tui_panel *p, int y, int x, int height, int width);
void tui_panel_set_focus(tui_panel *p, bool focused);
/* Rows visible below the header. */
int tui_panel_rows(const tui_panel *p);
/* Clamp the cursor and scroll it into view (after the row count changed). */
void tui_panel_clamp(tui_panel *p);
void tui_panel_select(tui_panel *p, size_t row);

/* The panel's keys, then the list keys (arrows, j/k, PgUp/PgDn, Home/End, g/G). */
unsigned tui_panel_on_key(tui_panel *p, const tui_key *key);
/* Draw the header and the visible rows, and clear the dirty flag. */
void tui_panel_draw(tui_panel *p);

static inline void tui_panel_touch(tui_panel *p)
{
    p->dirty = true;
}

/* The role a cell takes in a row: the cursor row is one colour, whatever its cells are. */
static inline cf_role tui_panel_row_role(const tui_panel *p, bool selected, cf_role role)
{
    if (!selected)
        return role;
    return p->focused ? CF_ROLE_SELECTED : CF_ROLE_SELECTED_DIM;
}

/* Drawing a row cell by cell, left to right. */
typedef struct tui_row {
    tui_panel *p;
    int y, x, end;
    bool selected;
} tui_row;

static inline tui_row tui_row_begin(tui_panel *p, int y, int x, int width, bool selected)
{
    return (tui_row){p, y, x, x + width, selected};
}

/* The columns left in the row. */
static inline int tui_row_left(const tui_row *r)
{
    return r->end - r->x;
}

/* A cell of width columns (clipped to what is left), aligned, in a role. */
void tui_row_cell(tui_row *r, int width, const char *text, cf_role role, cf_align align);
/* The rest of the row. */
void tui_row_fill(tui_row *r, const char *text, cf_role role);

#endif
