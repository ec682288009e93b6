/* command_line: the line editor behind `:` and `/` (see command_line.h). */
#include "command_line.h"

#include "cell_format.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define CL_MAX (COMMAND_LINE_MAX + 1) /* with the NUL; longer text is refused (CL_FULL) */

struct command_line {
    char *prompt;
    char text[CL_MAX];
    size_t len, cursor; /* bytes */
    char **history;
    size_t hcount, hmax;
    size_t hpos;        /* == hcount: editing a new line */
    char draft[CL_MAX]; /* the new line, kept while walking the history */
};

command_line *command_line_new(const char *prompt, size_t history_max)
{
    command_line *cl = xcalloc(1, sizeof *cl);
    cl->prompt = xstrdup(prompt);
    cl->hmax = history_max ? history_max : 1;
    cl->history = xcalloc(cl->hmax, sizeof *cl->history);
    return cl;
}

void command_line_destroy(command_line *cl)
{
    if (!cl)
        return;
    for (size_t i = 0; i < cl->hcount; i++)
        free(cl->history[i]);
    free(cl->history);
    free(cl->prompt);
    free(cl);
}

static void set_text(command_line *cl, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= CL_MAX)
        n = CL_MAX - 1;
    memcpy(cl->text, s ? s : "", n);
    cl->text[n] = '\0';
    cl->len = cl->cursor = n;
}

void command_line_begin(command_line *cl, const char *initial)
{
    set_text(cl, initial);
    cl->hpos = cl->hcount;
    cl->draft[0] = '\0';
}

const char *command_line_text(const command_line *cl)
{
    return cl->text;
}

size_t command_line_history_count(const command_line *cl)
{
    return cl->hcount;
}

void command_line_remember(command_line *cl, const char *text)
{
    if (!text || !*text)
        return;
    if (cl->hcount && strcmp(cl->history[cl->hcount - 1], text) == 0)
        return;
    if (cl->hcount == cl->hmax) {
        free(cl->history[0]);
        memmove(cl->history, cl->history + 1, (cl->hmax - 1) * sizeof *cl->history);
        cl->hcount--;
    }
    cl->history[cl->hcount++] = xstrdup(text);
}

static size_t prev_char(const command_line *cl, size_t at)
{
    if (at == 0)
        return 0;
    at--;
    while (at > 0 && ((unsigned char)cl->text[at] & 0xc0) == 0x80)
        at--;
    return at;
}

static size_t next_char(const command_line *cl, size_t at)
{
    if (at >= cl->len)
        return cl->len;
    at++;
    while (at < cl->len && ((unsigned char)cl->text[at] & 0xc0) == 0x80)
        at++;
    return at;
}

static void erase_range(command_line *cl, size_t from, size_t to)
{
    memmove(cl->text + from, cl->text + to, cl->len - to + 1);
    cl->len -= to - from;
    cl->cursor = from;
}

static void history_step(command_line *cl, int dir)
{
    if (dir < 0 && cl->hpos == 0)
        return;
    if (dir > 0 && cl->hpos >= cl->hcount)
        return;
    if (cl->hpos == cl->hcount)
        memcpy(cl->draft, cl->text, cl->len + 1);
    cl->hpos = dir < 0 ? cl->hpos - 1 : cl->hpos + 1;
    set_text(cl, cl->hpos == cl->hcount ? cl->draft : cl->history[cl->hpos]);
}

cl_result command_line_key(command_line *cl, const tui_key *key)
{
    switch (key->code) {
    case TUI_KEY_ENTER: return CL_ACCEPTED;
    case TUI_KEY_ESC: return CL_CANCELLED;
    case TUI_KEY_LEFT: cl->cursor = prev_char(cl, cl->cursor); return CL_MOVED;
    case TUI_KEY_RIGHT: cl->cursor = next_char(cl, cl->cursor); return CL_MOVED;
    case TUI_KEY_HOME: cl->cursor = 0; return CL_MOVED;
    case TUI_KEY_END: cl->cursor = cl->len; return CL_MOVED;
    case TUI_KEY_UP: history_step(cl, -1); return CL_EDITED;
    case TUI_KEY_DOWN: history_step(cl, +1); return CL_EDITED;
    case TUI_KEY_BACKSPACE:
        if (cl->cursor == 0)
            return CL_MOVED;
        erase_range(cl, prev_char(cl, cl->cursor), cl->cursor);
        return CL_EDITED;
    case TUI_KEY_DELETE:
        if (cl->cursor >= cl->len)
            return CL_MOVED;
        erase_range(cl, cl->cursor, next_char(cl, cl->cursor));
        return CL_EDITED;
    case TUI_KEY_CHAR: break;
    default: return CL_IGNORED;
    }
    if (key->ctrl) {
        switch (key->ch) {
        case 'a': cl->cursor = 0; return CL_MOVED;
        case 'e': cl->cursor = cl->len; return CL_MOVED;
        case 'u': erase_range(cl, 0, cl->cursor); return CL_EDITED;
        case 'w': {
            size_t at = cl->cursor;
            while (at > 0 && cl->text[at - 1] == ' ')
                at--;
            while (at > 0 && cl->text[at - 1] != ' ')
                at--;
            erase_range(cl, at, cl->cursor);
            return CL_EDITED;
        }
        default: return CL_IGNORED;
        }
    }
    char enc[4];
    size_t n = cf_utf8_encode(key->ch, enc);
    if (n == 0 || key->ch < 0x20)
        return CL_IGNORED;
    if (cl->len + n >= CL_MAX)
        return CL_FULL; /* said, not silently dropped: a reason cut short would be signed */
    memmove(cl->text + cl->cursor + n, cl->text + cl->cursor, cl->len - cl->cursor + 1);
    memcpy(cl->text + cl->cursor, enc, n);
    cl->len += n;
    cl->cursor += n;
    return CL_EDITED;
}

int command_line_draw(const command_line *cl, tui_crt *crt, int y, int x, int width)
{
    bool ascii = tui_crt_ascii(crt);
    int pw = cf_width(cl->prompt, ascii);
    if (pw > width)
        pw = width;
    tui_crt_put(crt, y, x, pw, cl->prompt, CF_ROLE_INPUT);
    int room = width - pw - 1; /* one column for the cursor after the last character */
    if (room < 1) {
        tui_crt_put(crt, y, x + pw, width - pw, "", CF_ROLE_INPUT);
        return x + pw;
    }
    /* Scroll so the cursor stays visible: drop characters from the left. */
    char before[CL_MAX];
    memcpy(before, cl->text, cl->cursor);
    before[cl->cursor] = '\0';
    size_t start = 0;
    while (cf_width(before + start, ascii) > room) {
        size_t next = start + 1;
        while (next < cl->cursor && ((unsigned char)before[next] & 0xc0) == 0x80)
            next++;
        start = next;
    }
    int cx = x + pw + cf_width(before + start, ascii);
    tui_crt_put(crt, y, x + pw, width - pw, cl->text + start, CF_ROLE_INPUT);
    return cx;
}
