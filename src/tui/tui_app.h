/* tui_app: `ofc tui`, the terminal console: model + feed + loop + screen, and the panes.
 *
 * The app owns the one loop (src/core/event_loop.c): the feed's wake fd and tick, the terminal's
 * input fd, a self-pipe for signals (SIGWINCH, SIGINT, SIGTERM, SIGHUP handlers only set flags
 * and write a byte), a one-second clock, and a before-sleep hook that runs after the model
 * flush. Drawing is event driven: model batches and keys mark panes dirty; the hook redraws
 * what is dirty at most every 33 ms (a timer is armed for the rest of a 33 ms slice), so an
 * idle console draws nothing but the clock once a second, and a flood costs ~30 redraws a
 * second while keys are read every loop turn (records per turn are capped).
 *
 * Commands (tui_cmd.c): with --key the operator can send an asset's methods through a form, a
 * review of the exact signed record and a separate confirmation key; the key is unlocked once a
 * session (its passphrase asked without echo when first needed) and kept in sodium_malloc()
 * memory. Without a key the console is read-only and says so. Every command record the feed
 * reads goes to the audit view (`:audit`, `A`).
 *
 * The terminal is restored on every exit path: normal quit, the stop signals (flags), fatal
 * signals (SIGSEGV, SIGABRT, SIGBUS, SIGFPE: endwin() then the signal goes on to its previous
 * handler) and out of memory (the xmalloc hook). Core logs go to the message line.
 */
#ifndef OFC_TUI_APP_H
#define OFC_TUI_APP_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tui_app tui_app;

typedef struct tui_options {
    bool ascii;                  /* --ascii (also forced by a non-UTF-8 locale) */
    bool no_color;               /* --no-color, or NO_COLOR in the environment */
    bool utc;                    /* --utc: times in UTC from the start */
    int64_t stale_after_us;      /* --stale-after; 0: stale only while the broker is away */
    size_t max_records_per_turn; /* 0: the default (2048) */
    const char *latency_log;     /* OFC_TUI_LATENCY_LOG: per-redraw latency lines, or NULL */
    const char *key_path;        /* --key: the operator's key file; NULL: read-only */
    /* The key's passphrase from --passphrase-file or $OFC_PASSPHRASE, borrowed for
     * tui_app_new() only; NULL: asked inside the TUI (no echo) when the first command needs it. */
    const char *passphrase;
    const char *trust_path; /* --trust: the trust store behind the audit's verdicts and the
                             * policy pre-check; NULL: signed commands audit as "unknown key" */
} tui_options;

/* Build model, feed, loop and screen. cfg is borrowed for the call. On failure returns NULL
 * with errstr set and the terminal untouched. Owned by the caller. */
tui_app *tui_app_new(const ofc_config *cfg, const tui_options *opts, char *errstr,
                     size_t errstr_size);
/* Run until quit or a stop signal. Returns the exit status: 0, or 128 + the signal. */
int tui_app_run(tui_app *app);
/* Restores the terminal, then frees everything. */
void tui_app_destroy(tui_app *app);

/* ---- what actions and commands do (actions.c); each returns TUI_* flags ---- */

unsigned tui_app_quit(tui_app *app);
unsigned tui_app_help(tui_app *app);
unsigned tui_app_start_filter(tui_app *app);
unsigned tui_app_clear_filter(tui_app *app);
unsigned tui_app_start_command(tui_app *app);
unsigned tui_app_focus_step(tui_app *app, int dir);
unsigned tui_app_focus_alarms(tui_app *app);
unsigned tui_app_back(tui_app *app);
unsigned tui_app_toggle_clock(tui_app *app);
unsigned tui_app_follow_alarms(tui_app *app);
unsigned tui_app_repaint(tui_app *app);
/* Show an asset (by uuid, exact or ignoring case) or a UNS path; false with a message if none. */
bool tui_app_goto_asset(tui_app *app, const char *id);
bool tui_app_goto_uns(tui_app *app, const char *path);
/* Save the focused pane to path; the outcome goes to the message line. */
bool tui_app_save(tui_app *app, const char *path, bool force);
/* Commands and the audit (tui_cmd.c). */
/* x, or Enter on a method row: open the command form for the method under the cursor. */
unsigned tui_app_invoke(tui_app *app);
/* :call METHOD: the same for a method of the asset shown. */
bool tui_app_call(tui_app *app, const char *method);
/* c: this session's commands in the bottom pane. */
unsigned tui_app_show_commands(tui_app *app);
/* A: open or close the audit view; :audit FILTERS opens it filtered (false on a bad filter). */
unsigned tui_app_toggle_audit(tui_app *app);
bool tui_app_audit(tui_app *app, const char *filters);
/* Put a line on the message line (error: in the error role). */
void tui_app_message(tui_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
