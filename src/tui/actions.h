/* actions: what keys and `:` commands do, as const tables (htop's key bindings, tmux's
 * cmd_entry). The help screen and `ofc tui --help` are generated from the same tables, so the
 * keys listed are the keys that work.
 */
#ifndef OFC_TUI_ACTIONS_H
#define OFC_TUI_ACTIONS_H

#include "tui_app.h"
#include "tui_crt.h"

#include <stdio.h>

typedef unsigned (*tui_action_fn)(tui_app *app);

typedef struct tui_action {
    int code;         /* TUI_KEY_* */
    unsigned ch;      /* for TUI_KEY_CHAR */
    bool ctrl;        /* for TUI_KEY_CHAR with Ctrl */
    const char *keys; /* as shown in help: "q", "Tab", "^L" */
    const char *help;
    tui_action_fn fn;
} tui_action;

typedef struct tui_command {
    const char *name; /* typed after ':' */
    const char *args; /* for help: "ID", "FILE", "" */
    const char *help;
    /* arg is the rest of the line (trimmed, may be ""); force is set by a trailing '!'. */
    bool (*exec)(tui_app *app, const char *arg, bool force);
} tui_command;

/* The global action for a key, or NULL. Panels see keys first (tui_panel_on_key). */
const tui_action *actions_find(const tui_key *key);
const tui_action *actions_table(size_t *count);
const tui_command *actions_commands(size_t *count);

/* Run one `:` command line (without the ':'); unknown commands are reported as errors. */
void actions_run_command(tui_app *app, const char *line);

/* Every key and command, for `ofc tui --help`. */
void actions_print_help(FILE *out);

#endif
