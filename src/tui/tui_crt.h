/* tui_crt: the one module that talks to ncurses.
 *
 * It starts and ends curses, maps colour roles (cell_format.h) to attributes for the colours
 * the terminal has (256, 16, 8, none), draws cells, decodes keys and follows the window size.
 * Every other module draws through tui_crt_put() and never includes <curses.h>, so the screen
 * library is replaceable and the rest is testable.
 *
 * Terminal restoration: tui_crt_restore() may be called from a fatal-signal handler or the
 * out-of-memory hook; it only runs endwin() when curses is active, once.
 */
#ifndef OFC_TUI_CRT_H
#define OFC_TUI_CRT_H

#include "cell_format.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct tui_crt tui_crt;

typedef enum tui_color_level {
    TUI_COLOR_MONO = 0,
    TUI_COLOR_8,
    TUI_COLOR_16,
    TUI_COLOR_256,
} tui_color_level;

typedef struct tui_crt_opts {
    bool ascii;    /* --ascii, or a locale that is not UTF-8 */
    bool no_color; /* --no-color or NO_COLOR */
} tui_crt_opts;

/* Key codes beyond Unicode characters (ch) in tui_key.code. */
enum {
    TUI_KEY_NONE = 0,
    TUI_KEY_CHAR, /* ch holds a Unicode character (including Tab, Enter, Esc, Backspace) */
    TUI_KEY_UP,
    TUI_KEY_DOWN,
    TUI_KEY_LEFT,
    TUI_KEY_RIGHT,
    TUI_KEY_PGUP,
    TUI_KEY_PGDN,
    TUI_KEY_HOME,
    TUI_KEY_END,
    TUI_KEY_ENTER,
    TUI_KEY_TAB,
    TUI_KEY_BTAB,
    TUI_KEY_ESC,
    TUI_KEY_BACKSPACE,
    TUI_KEY_DELETE,
    TUI_KEY_F1,
    TUI_KEY_F2,
    TUI_KEY_F10,
    TUI_KEY_RESIZE,
};

typedef struct tui_key {
    int code;    /* TUI_KEY_* */
    unsigned ch; /* the character for TUI_KEY_CHAR */
    bool ctrl;   /* ch was typed with Ctrl (ch is then the letter, 'l' for ^L) */
} tui_key;

/* Start curses on the controlling terminal. Fails (NULL, errstr) when stdin/stdout is not a
 * terminal or the terminal type is unknown. Owned by the caller; tui_crt_destroy() ends it. */
tui_crt *tui_crt_new(const tui_crt_opts *opts, char *errstr, size_t errstr_size);
void tui_crt_destroy(tui_crt *crt);

/* endwin() if curses is active; safe in a fatal-signal handler or the OOM hook. */
void tui_crt_restore(void);

int tui_crt_lines(const tui_crt *crt);
int tui_crt_cols(const tui_crt *crt);
bool tui_crt_ascii(const tui_crt *crt);
tui_color_level tui_crt_color_level(const tui_crt *crt);

/* Draw text fitted to exactly width columns at (y, x); clipped to the screen. */
void tui_crt_put(tui_crt *crt, int y, int x, int width, const char *text, cf_role role);
/* Same, for text already shaped by cf_fit(). */
void tui_crt_put_raw(tui_crt *crt, int y, int x, const char *text, cf_role role);
/* Blank a rectangle in a role. */
void tui_crt_clear(tui_crt *crt, int y, int x, int height, int width, cf_role role);
/* Where the terminal cursor rests (visible for text input), or hidden. */
void tui_crt_cursor(tui_crt *crt, int y, int x, bool visible);
/* Put what was drawn on the screen: one doupdate(). Returns the time it finished (us). */
int64_t tui_crt_flush(tui_crt *crt);
/* Repaint everything on the next flush (after a resize or ^L). */
void tui_crt_invalidate(tui_crt *crt);

/* Follow the terminal's size after SIGWINCH or KEY_RESIZE (TIOCGWINSZ -> resize_term). */
void tui_crt_resize(tui_crt *crt);

/* The terminal input fd, for the loop. */
int tui_crt_input_fd(const tui_crt *crt);
/* Decode one key without waiting; false when none is buffered. */
bool tui_crt_read_key(tui_crt *crt, tui_key *key);

#endif
