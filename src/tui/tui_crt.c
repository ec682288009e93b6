/* tui_crt: ncurses set-up, colour roles, cell drawing and key decoding (see tui_crt.h).
 *
 * Colours follow ISA-101 high-performance HMI practice: the screen is neutral (the terminal's
 * own foreground and background, greys for secondary text and bars), amber means warning, red
 * means fault, and nothing relies on colour alone, because every state also has a glyph and a
 * word (cell_format.c). With fewer colours the same roles degrade to the nearest of 16 or 8,
 * and without colour (NO_COLOR, --no-color, TERM=vt100) to bold, reverse and underline.
 */
#include "tui_crt.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The only global: whether endwin() is still owed, read by the fatal-signal path. */
static volatile sig_atomic_t crt_active;

struct tui_crt {
    SCREEN *screen;
    bool ascii;
    tui_color_level level;
    attr_t role_attr[CF_ROLE__COUNT];
    char *buf; /* cf_fit() output, sized for the screen width */
    size_t buf_size;
};

typedef struct role_style {
    short fg, bg; /* -1: the terminal's default */
    attr_t attr;
} role_style;

/* Indexed by cf_role. */
static const role_style style_256[CF_ROLE__COUNT] = {
    [CF_ROLE_NORMAL] = {-1, -1, A_NORMAL},        [CF_ROLE_DIM] = {245, -1, A_NORMAL},
    [CF_ROLE_HEADER] = {16, 250, A_BOLD},         [CF_ROLE_HEADER_DIM] = {252, 239, A_NORMAL},
    [CF_ROLE_SECTION] = {253, -1, A_BOLD},        [CF_ROLE_SELECTED] = {231, 24, A_NORMAL},
    [CF_ROLE_SELECTED_DIM] = {-1, 237, A_NORMAL}, [CF_ROLE_WARNING] = {214, -1, A_BOLD},
    [CF_ROLE_FAULT] = {196, -1, A_BOLD},          [CF_ROLE_UNAVAILABLE] = {80, -1, A_NORMAL},
    [CF_ROLE_STALE] = {242, -1, A_NORMAL},        [CF_ROLE_STATUS] = {252, 236, A_NORMAL},
    [CF_ROLE_STATUS_BAD] = {231, 124, A_BOLD},    [CF_ROLE_KEY] = {16, 250, A_BOLD},
    [CF_ROLE_KEY_LABEL] = {-1, -1, A_NORMAL},     [CF_ROLE_INPUT] = {231, -1, A_BOLD},
    [CF_ROLE_ERROR] = {196, -1, A_BOLD},
};

static const role_style style_16[CF_ROLE__COUNT] = {
    [CF_ROLE_NORMAL] = {-1, -1, A_NORMAL},      [CF_ROLE_DIM] = {8, -1, A_NORMAL},
    [CF_ROLE_HEADER] = {0, 7, A_BOLD},          [CF_ROLE_HEADER_DIM] = {7, 8, A_NORMAL},
    [CF_ROLE_SECTION] = {-1, -1, A_BOLD},       [CF_ROLE_SELECTED] = {15, 4, A_NORMAL},
    [CF_ROLE_SELECTED_DIM] = {-1, 8, A_NORMAL}, [CF_ROLE_WARNING] = {11, -1, A_BOLD},
    [CF_ROLE_FAULT] = {9, -1, A_BOLD},          [CF_ROLE_UNAVAILABLE] = {6, -1, A_NORMAL},
    [CF_ROLE_STALE] = {8, -1, A_NORMAL},        [CF_ROLE_STATUS] = {0, 7, A_NORMAL},
    [CF_ROLE_STATUS_BAD] = {15, 1, A_BOLD},     [CF_ROLE_KEY] = {0, 7, A_BOLD},
    [CF_ROLE_KEY_LABEL] = {-1, -1, A_NORMAL},   [CF_ROLE_INPUT] = {-1, -1, A_BOLD},
    [CF_ROLE_ERROR] = {9, -1, A_BOLD},
};

/* Eight colours have no grey: secondary text is dim, amber is yellow. */
static const role_style style_8[CF_ROLE__COUNT] = {
    [CF_ROLE_NORMAL] = {-1, -1, A_NORMAL},
    [CF_ROLE_DIM] = {-1, -1, A_DIM},
    [CF_ROLE_HEADER] = {0, 7, A_BOLD},
    [CF_ROLE_HEADER_DIM] = {0, 7, A_NORMAL},
    [CF_ROLE_SECTION] = {-1, -1, A_BOLD},
    [CF_ROLE_SELECTED] = {7, 4, A_BOLD},
    [CF_ROLE_SELECTED_DIM] = {-1, -1, A_REVERSE},
    [CF_ROLE_WARNING] = {3, -1, A_BOLD},
    [CF_ROLE_FAULT] = {1, -1, A_BOLD},
    [CF_ROLE_UNAVAILABLE] = {6, -1, A_NORMAL},
    [CF_ROLE_STALE] = {-1, -1, A_DIM},
    [CF_ROLE_STATUS] = {0, 7, A_NORMAL},
    [CF_ROLE_STATUS_BAD] = {7, 1, A_BOLD},
    [CF_ROLE_KEY] = {0, 7, A_NORMAL},
    [CF_ROLE_KEY_LABEL] = {-1, -1, A_NORMAL},
    [CF_ROLE_INPUT] = {-1, -1, A_BOLD},
    [CF_ROLE_ERROR] = {1, -1, A_BOLD},
};

static const attr_t style_mono[CF_ROLE__COUNT] = {
    [CF_ROLE_NORMAL] = A_NORMAL,
    [CF_ROLE_DIM] = A_NORMAL,
    [CF_ROLE_HEADER] = A_REVERSE | A_BOLD,
    [CF_ROLE_HEADER_DIM] = A_REVERSE,
    [CF_ROLE_SECTION] = A_BOLD | A_UNDERLINE,
    [CF_ROLE_SELECTED] = A_REVERSE,
    [CF_ROLE_SELECTED_DIM] = A_UNDERLINE,
    [CF_ROLE_WARNING] = A_BOLD,
    [CF_ROLE_FAULT] = A_BOLD | A_UNDERLINE,
    [CF_ROLE_UNAVAILABLE] = A_NORMAL,
    [CF_ROLE_STALE] = A_DIM,
    [CF_ROLE_STATUS] = A_REVERSE,
    [CF_ROLE_STATUS_BAD] = A_REVERSE | A_BOLD,
    [CF_ROLE_KEY] = A_REVERSE,
    [CF_ROLE_KEY_LABEL] = A_NORMAL,
    [CF_ROLE_INPUT] = A_BOLD,
    [CF_ROLE_ERROR] = A_BOLD,
};

static void setup_colors(tui_crt *crt, bool no_color)
{
    crt->level = TUI_COLOR_MONO;
    if (!no_color && has_colors() && start_color() == OK) {
        use_default_colors();
        if (COLORS >= 256)
            crt->level = TUI_COLOR_256;
        else if (COLORS >= 16)
            crt->level = TUI_COLOR_16;
        else if (COLORS >= 8)
            crt->level = TUI_COLOR_8;
    }
    if (crt->level == TUI_COLOR_MONO || COLOR_PAIRS <= CF_ROLE__COUNT) {
        crt->level = TUI_COLOR_MONO;
        for (int r = 0; r < CF_ROLE__COUNT; r++)
            crt->role_attr[r] = style_mono[r];
        return;
    }
    const role_style *table = crt->level == TUI_COLOR_256  ? style_256
                              : crt->level == TUI_COLOR_16 ? style_16
                                                           : style_8;
    for (int r = 0; r < CF_ROLE__COUNT; r++) {
        init_pair((short)(r + 1), table[r].fg, table[r].bg);
        crt->role_attr[r] = COLOR_PAIR(r + 1) | table[r].attr;
    }
}

static void size_buffer(tui_crt *crt)
{
    size_t want = CF_CELL_BYTES(COLS > 0 ? COLS : 80);
    if (want > crt->buf_size) {
        crt->buf = xrealloc(crt->buf, want);
        crt->buf_size = want;
    }
}

tui_crt *tui_crt_new(const tui_crt_opts *opts, char *errstr, size_t errstr_size)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(errstr, errstr_size, "standard input and output must be a terminal");
        return NULL;
    }
    const char *term = getenv("TERM");
    if (!term || !*term) {
        snprintf(errstr, errstr_size, "TERM is not set");
        return NULL;
    }
    tui_crt *crt = xcalloc(1, sizeof *crt);
    crt->ascii = opts->ascii;
    /* newterm, not initscr: an unknown terminal is an error to report, not an exit. */
    crt->screen = newterm(NULL, stdout, stdin);
    if (!crt->screen) {
        snprintf(errstr, errstr_size, "cannot use terminal type \"%s\"", term);
        free(crt);
        return NULL;
    }
    crt_active = 1;
    set_escdelay(25); /* Esc cancels input promptly; escape sequences arrive well within this */
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE); /* keys are read when poll() says so, never waited for */
    curs_set(0);
    setup_colors(crt, opts->no_color);
    size_buffer(crt);
    erase();
    return crt;
}

void tui_crt_destroy(tui_crt *crt)
{
    if (!crt)
        return;
    if (crt_active) {
        crt_active = 0;
        curs_set(1);
        endwin();
    }
    delscreen(crt->screen);
    free(crt->buf);
    free(crt);
}

void tui_crt_restore(void)
{
    if (crt_active) {
        crt_active = 0;
        endwin();
    }
}

int tui_crt_lines(const tui_crt *crt)
{
    return LINES;
}

int tui_crt_cols(const tui_crt *crt)
{
    return COLS;
}

bool tui_crt_ascii(const tui_crt *crt)
{
    return crt->ascii;
}

tui_color_level tui_crt_color_level(const tui_crt *crt)
{
    return crt->level;
}

void tui_crt_put_raw(tui_crt *crt, int y, int x, const char *text, cf_role role)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS)
        return;
    attrset(crt->role_attr[role]);
    /* Writing into the bottom-right cell reports ERR (the cursor cannot advance) although the
     * cell is drawn; nothing to handle. */
    (void)mvaddstr(y, x, text);
    attrset(A_NORMAL);
}

void tui_crt_put(tui_crt *crt, int y, int x, int width, const char *text, cf_role role)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || width <= 0)
        return;
    if (width > COLS - x)
        width = COLS - x;
    size_buffer(crt);
    cf_fit(crt->buf, crt->buf_size, text, width, CF_LEFT, crt->ascii);
    tui_crt_put_raw(crt, y, x, crt->buf, role);
}

void tui_crt_clear(tui_crt *crt, int y, int x, int height, int width, cf_role role)
{
    for (int i = 0; i < height; i++)
        tui_crt_put(crt, y + i, x, width, "", role);
}

void tui_crt_cursor(tui_crt *crt, int y, int x, bool visible)
{
    if (visible && y >= 0 && y < LINES && x >= 0 && x < COLS) {
        move(y, x);
        curs_set(1);
    } else {
        curs_set(0);
    }
}

int64_t tui_crt_flush(tui_crt *crt)
{
    wnoutrefresh(stdscr);
    doupdate();
    return ofc_time_now_us();
}

void tui_crt_invalidate(tui_crt *crt)
{
    clearok(curscr, TRUE);
}

void tui_crt_resize(tui_crt *crt)
{
    struct winsize ws;
    /* resize_term(), not resizeterm(): the latter also queues a KEY_RESIZE, which would come
     * back through the key path and resize again, forever. */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != LINES || ws.ws_col != COLS))
        resize_term(ws.ws_row, ws.ws_col);
    size_buffer(crt);
    erase();
    clearok(curscr, TRUE);
}

int tui_crt_input_fd(const tui_crt *crt)
{
    return STDIN_FILENO;
}

static int map_function_key(wint_t k)
{
    switch (k) {
    case KEY_UP: return TUI_KEY_UP;
    case KEY_DOWN: return TUI_KEY_DOWN;
    case KEY_LEFT: return TUI_KEY_LEFT;
    case KEY_RIGHT: return TUI_KEY_RIGHT;
    case KEY_PPAGE: return TUI_KEY_PGUP;
    case KEY_NPAGE: return TUI_KEY_PGDN;
    case KEY_HOME: return TUI_KEY_HOME;
    case KEY_END: return TUI_KEY_END;
    case KEY_ENTER: return TUI_KEY_ENTER;
    case KEY_BTAB: return TUI_KEY_BTAB;
    case KEY_BACKSPACE: return TUI_KEY_BACKSPACE;
    case KEY_DC: return TUI_KEY_DELETE;
    case KEY_F(1): return TUI_KEY_F1;
    case KEY_F(2): return TUI_KEY_F2;
    case KEY_F(10): return TUI_KEY_F10;
    case KEY_RESIZE: return TUI_KEY_RESIZE;
    default: return TUI_KEY_NONE;
    }
}

bool tui_crt_read_key(tui_crt *crt, tui_key *key)
{
    wint_t wch;
    int rc = get_wch(&wch);
    memset(key, 0, sizeof *key);
    if (rc == ERR)
        return false;
    if (rc == KEY_CODE_YES) {
        key->code = map_function_key(wch);
        return true;
    }
    switch (wch) {
    case '\r':
    case '\n': key->code = TUI_KEY_ENTER; return true;
    case '\t': key->code = TUI_KEY_TAB; return true;
    case 27: key->code = TUI_KEY_ESC; return true;
    case 127:
    case 8: key->code = TUI_KEY_BACKSPACE; return true;
    default: break;
    }
    key->code = TUI_KEY_CHAR;
    if (wch >= 1 && wch <= 26) {
        key->ctrl = true;
        key->ch = 'a' + (unsigned)wch - 1;
    } else {
        key->ch = (unsigned)wch;
    }
    return true;
}
