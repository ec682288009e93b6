/* command_line: a one-line editor with history, for `:` commands and the `/` filter.
 *
 * Text is UTF-8 with the cursor on a character boundary. Keys: printable characters insert,
 * Backspace/Delete, Left/Right, Home/End (^A/^E), ^U clears, ^W deletes a word, Up/Down walk
 * the history, Enter accepts, Esc cancels. The caller owns the screen line it is drawn on.
 */
#ifndef OFC_TUI_COMMAND_LINE_H
#define OFC_TUI_COMMAND_LINE_H

#include "tui_crt.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct command_line command_line;

typedef enum cl_result {
    CL_IGNORED = 0,
    CL_EDITED,    /* the text changed */
    CL_MOVED,     /* only the cursor moved */
    CL_ACCEPTED,  /* Enter */
    CL_CANCELLED, /* Esc */
    CL_FULL       /* a character that does not fit was not taken (1,023 bytes at most) */
} cl_result;

/* history_max entries are kept (oldest dropped). Owned by the caller. */
command_line *command_line_new(const char *prompt, size_t history_max);
void command_line_destroy(command_line *cl);

/* Start editing with initial text (may be NULL). */
void command_line_begin(command_line *cl, const char *initial);
cl_result command_line_key(command_line *cl, const tui_key *key);
/* Bytes of text a line holds at most. */
#define COMMAND_LINE_MAX 1023
/* The text being edited; valid until the next call. */
const char *command_line_text(const command_line *cl);
/* Add to the history (not an empty line, not a repeat of the last one). */
void command_line_remember(command_line *cl, const char *text);
size_t command_line_history_count(const command_line *cl);

/* Draw prompt and text into width columns at (y, x); returns the cursor's column. */
int command_line_draw(const command_line *cl, tui_crt *crt, int y, int x, int width);

#endif
