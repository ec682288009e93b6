/* tmux_driver: run the real `ofc tui` in a real terminal for tests, tmux regress style.
 *
 * One private tmux server per test program (its own socket and config: dead panes remain so an
 * exit status can be read, no status bar so the pane is the whole window). Keys go in with
 * `send-keys`, the screen comes out with `capture-pane`. Every wait has a timeout. No cmocka
 * here: callers assert on what these return.
 */
#ifndef OFC_TEST_TMUX_DRIVER_H
#define OFC_TEST_TMUX_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write the config under dir and name the socket after prefix and the pid. */
bool tt_init(const char *dir, const char *prefix);
/* Kill the server and remove the socket file it leaves. */
void tt_fini(void);

/* `tmux args...` (NULL-terminated): its stdout (malloc'd), or NULL when it failed. */
char *tt_run(const char *first, ...) __attribute__((sentinel));
void tt_do(const char *first, ...) __attribute__((sentinel));

/* Start a session of w x h running `sh -c cmdline`. */
void tt_start(const char *session, int w, int h, const char *cmdline);
char *tt_screen(const char *session);                  /* capture-pane -p (malloc'd) */
long tt_display(const char *session, const char *fmt); /* display -p FORMAT as a number */
void tt_keys(const char *session, const char *key);    /* one key name: "Enter", "F2", "G" */
void tt_type(const char *session, const char *text);   /* literal text */
void tt_command(const char *session, const char *cmd); /* ":" cmd Enter */
/* The pid of the program the pane's shell runs (its only child). */
pid_t tt_child_pid(const char *session);

typedef bool (*tt_pred)(const char *screen, void *arg);
/* Poll the screen every 200 ms until pred holds or timeout: the last screen (malloc'd), *ok. */
char *tt_wait(const char *session, tt_pred pred, void *arg, int timeout_ms, bool *ok);
bool tt_has_text(const char *screen, void *text);
/* Wait for text; prints the screen on timeout. */
bool tt_wait_text(const char *session, const char *text, int timeout_ms);

/* Line i (0-based) of a screen into buf; false past the end. */
bool tt_line_at(const char *screen, int i, char *buf, size_t size);
/* The first line holding needle, into buf; false if none. */
bool tt_line_with(const char *screen, const char *needle, char *buf, size_t size);

#endif
