/* actions: the key table and the `:` command table (see actions.h). */
#include "actions.h"

#include "tui_panel.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static unsigned act_quit(tui_app *app)
{
    return tui_app_quit(app);
}

static unsigned act_help(tui_app *app)
{
    return tui_app_help(app);
}

static unsigned act_filter(tui_app *app)
{
    return tui_app_start_filter(app);
}

static unsigned act_clear_filter(tui_app *app)
{
    return tui_app_clear_filter(app);
}

static unsigned act_command(tui_app *app)
{
    return tui_app_start_command(app);
}

static unsigned act_next_pane(tui_app *app)
{
    return tui_app_focus_step(app, +1);
}

static unsigned act_prev_pane(tui_app *app)
{
    return tui_app_focus_step(app, -1);
}

static unsigned act_back(tui_app *app)
{
    return tui_app_back(app);
}

static unsigned act_clock(tui_app *app)
{
    return tui_app_toggle_clock(app);
}

static unsigned act_follow(tui_app *app)
{
    return tui_app_follow_alarms(app);
}

static unsigned act_alarms(tui_app *app)
{
    return tui_app_focus_alarms(app);
}

static unsigned act_repaint(tui_app *app)
{
    return tui_app_repaint(app);
}

static unsigned act_invoke(tui_app *app)
{
    return tui_app_invoke(app);
}

static unsigned act_commands(tui_app *app)
{
    return tui_app_show_commands(app);
}

static unsigned act_audit(tui_app *app)
{
    return tui_app_toggle_audit(app);
}

static const tui_action actions[] = {
    {TUI_KEY_CHAR, 'q', false, "q", "quit", act_quit},
    {TUI_KEY_F10, 0, false, "F10", "quit", act_quit},
    {TUI_KEY_CHAR, '?', false, "?", "keys of the current pane", act_help},
    {TUI_KEY_F1, 0, false, "F1", "keys of the current pane", act_help},
    {TUI_KEY_CHAR, '/', false, "/", "filter live across UNS path, attribute ID, value, alarm text",
     act_filter},
    {TUI_KEY_ESC, 0, false, "Esc", "clear the filter", act_clear_filter},
    {TUI_KEY_CHAR, ':', false, ":",
     "command line (:asset :uns :alarms :call :audit :save :q), with history", act_command},
    {TUI_KEY_TAB, 0, false, "Tab", "next pane (tree, detail, alarms)", act_next_pane},
    {TUI_KEY_BTAB, 0, false, "S-Tab", "previous pane", act_prev_pane},
    {TUI_KEY_CHAR, '-', false, "-", "back to where you were", act_back},
    {TUI_KEY_CHAR, 't', false, "t", "clock and times in local time / UTC", act_clock},
    {TUI_KEY_CHAR, 'f', false, "f", "alarm list follows the newest again", act_follow},
    {TUI_KEY_CHAR, 'a', false, "a", "go to the alarm list", act_alarms},
    {TUI_KEY_CHAR, 'x', false, "x",
     "send the method on the cursor row (detail pane): form, review, y confirms", act_invoke},
    {TUI_KEY_CHAR, 'c', false, "c", "this session's commands and their states", act_commands},
    {TUI_KEY_CHAR, 'A', false, "A", "audit view: every command in the log, verified (again: close)",
     act_audit},
    {TUI_KEY_CHAR, 'l', true, "^L", "repaint the screen", act_repaint},
};

const tui_action *actions_find(const tui_key *key)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        const tui_action *a = &actions[i];
        if (a->code != key->code)
            continue;
        if (a->code != TUI_KEY_CHAR || (a->ch == key->ch && a->ctrl == key->ctrl))
            return a;
    }
    return NULL;
}

const tui_action *actions_table(size_t *count)
{
    *count = sizeof actions / sizeof actions[0];
    return actions;
}

/* ---- `:` commands ---- */

static bool cmd_asset(tui_app *app, const char *arg, bool force)
{
    if (!*arg) {
        tui_app_message(app, true, ":asset needs an asset id, e.g. :asset CNC-001");
        return false;
    }
    return tui_app_goto_asset(app, arg);
}

static bool cmd_uns(tui_app *app, const char *arg, bool force)
{
    if (!*arg) {
        tui_app_message(app, true, ":uns needs a UNS path, e.g. :uns Demofactory/Machining");
        return false;
    }
    return tui_app_goto_uns(app, arg);
}

static bool cmd_alarms(tui_app *app, const char *arg, bool force)
{
    tui_app_focus_alarms(app);
    return true;
}

static bool cmd_save(tui_app *app, const char *arg, bool force)
{
    if (!*arg) {
        tui_app_message(app, true, ":save needs a file name (.csv, or .ndjson/.jsonl)");
        return false;
    }
    return tui_app_save(app, arg, force);
}

static bool cmd_call(tui_app *app, const char *arg, bool force)
{
    if (!*arg) {
        tui_app_message(app, true,
                        ":call needs a method of the shown asset, e.g. :call SwitchMode");
        return false;
    }
    return tui_app_call(app, arg);
}

static bool cmd_commands(tui_app *app, const char *arg, bool force)
{
    tui_app_show_commands(app);
    return true;
}

static bool cmd_audit(tui_app *app, const char *arg, bool force)
{
    return tui_app_audit(app, arg);
}

static bool cmd_quit(tui_app *app, const char *arg, bool force)
{
    tui_app_quit(app);
    return true;
}

static bool cmd_help(tui_app *app, const char *arg, bool force)
{
    tui_app_help(app);
    return true;
}

static const tui_command commands[] = {
    {"asset", "ID", "show an asset (its uuid)", cmd_asset},
    {"uns", "PATH", "show a UNS node, e.g. Demofactory/Machining", cmd_uns},
    {"alarms", "", "go to the alarm list", cmd_alarms},
    {"call", "METHOD", "send a method of the shown asset (form, review, y confirms)", cmd_call},
    {"commands", "", "this session's commands and their states", cmd_commands},
    {"audit", "[FILTERS]",
     "audit view; filters operator=ID asset=UUID since=2h until=TIME (none: all)", cmd_audit},
    {"save", "FILE",
     "save the pane (the audit with signed records): CSV, or NDJSON for .ndjson/.jsonl; :save! "
     "overwrites",
     cmd_save},
    {"q", "", "quit", cmd_quit},
    {"quit", "", "quit", cmd_quit},
    {"help", "", "keys of the current pane", cmd_help},
};

const tui_command *actions_commands(size_t *count)
{
    *count = sizeof commands / sizeof commands[0];
    return commands;
}

void actions_run_command(tui_app *app, const char *line)
{
    char buf[1024], name[64];
    snprintf(buf, sizeof buf, "%s", line);
    char *s = buf;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '!' && n + 1 < sizeof name) {
        name[n] = s[n];
        n++;
    }
    name[n] = '\0';
    s += n;
    bool force = *s == '!';
    if (force)
        s++;
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    if (!*name)
        return;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0) {
            commands[i].exec(app, s, force);
            return;
        }
    tui_app_message(app, true, "unknown command :%s (try :help)", name);
}

void actions_print_help(FILE *out)
{
    fprintf(out, "keys:\n");
    fprintf(out, "  %-22s %s\n", "Up/Down j/k", "move the cursor");
    fprintf(out, "  %-22s %s\n", "PgUp/PgDn ^B/^F", "page");
    fprintf(out, "  %-22s %s\n", "Home/End g/G", "first / last row");
    fprintf(out, "  %-22s %s\n", "Left/Right h/l", "fold / unfold (tree), back / open");
    fprintf(out, "  %-22s %s\n", "Enter", "open the asset, node or alarm on the cursor row");
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        fprintf(out, "  %-22s %s\n", actions[i].keys, actions[i].help);
    fprintf(out, "  %-22s %s\n", "E / C (tree)", "unfold all / fold all");
    fprintf(out, "\ncommands (after ':'; Up/Down walk the history):\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char head[64];
        snprintf(head, sizeof head, ":%s%s%s", commands[i].name, commands[i].args[0] ? " " : "",
                 commands[i].args);
        fprintf(out, "  %-22s %s\n", head, commands[i].help);
    }
}
