/* text_panel: lines of text in a pane, scrollable, refilled for the pane's width.
 *
 * tui_lines is a small list of (text, role) lines with a wrapping helper; the command dialog's
 * review builds one, and text_panel shows one as a pane (the audit view's record detail). The
 * owner supplies a fill function; the panel calls it again when its width changes or the owner
 * says the content is stale, so wrapped text always fits. No ncurses here beyond tui_panel's.
 */
#ifndef OFC_TUI_TEXT_PANEL_H
#define OFC_TUI_TEXT_PANEL_H

#include "tui_panel.h"

typedef struct tui_line {
    char *text; /* owned */
    cf_role role;
} tui_line;

typedef struct tui_lines {
    tui_line *v;
    size_t n, cap;
} tui_lines;

void tui_lines_clear(tui_lines *l);
void tui_lines_fini(tui_lines *l);
void tui_lines_add(tui_lines *l, cf_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* text cut into lines of width - indent columns (cf_wrap, so joined they give text back), each
 * after `indent` spaces. Nothing for NULL or "". */
void tui_lines_add_wrapped(tui_lines *l, cf_role role, int indent, const char *text, int width,
                           bool ascii);

typedef struct text_panel text_panel;
typedef void (*text_panel_fill_fn)(void *opaque, tui_lines *lines, int width);

/* name and help are static; fill is called with the panel's width. Owned by the caller;
 * destroy through tui_panel_destroy(text_panel_base(t)). */
text_panel *text_panel_new(tui_ctx *ctx, const char *name, const tui_help_line *help,
                           text_panel_fill_fn fill, void *opaque);
tui_panel *text_panel_base(text_panel *t);
/* The content changed: refill before the next draw, back at the top when reset. */
void text_panel_refresh(text_panel *t, bool reset);
/* The header's text. */
void text_panel_set_title(text_panel *t, const char *title);

#endif
