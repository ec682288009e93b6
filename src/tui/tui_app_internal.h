/* tui_app_internal: the app's state, shared by its three files only: tui_app.c (lifecycle, loop,
 * signals, drawing), tui_nav.c (keys, input lines, navigation, `:` commands' effects) and
 * tui_cmd.c (the operator key, sending commands, the commands pane and the audit view).
 * Cross-file functions are named tui_app__verb (mosquitto's module__verb). {loop thread only}
 */
#ifndef OFC_TUI_APP_INTERNAL_H
#define OFC_TUI_APP_INTERNAL_H

#include "alarm_panel.h"
#include "asset_panel.h"
#include "audit.h"
#include "audit_panel.h"
#include "command_dialog.h"
#include "command_line.h"
#include "command_panel.h"
#include "commander.h"
#include "event_loop.h"
#include "feed.h"
#include "op_key.h"
#include "text_panel.h"
#include "trust_store.h"
#include "tui_app.h"
#include "tui_crt.h"
#include "tui_panel.h"
#include "uns_tree_panel.h"

#include <pthread.h>
#include <stdio.h>

/* The bottom pane is the alarm list or this session's commands; the audit view replaces the
 * whole body with its list and the selected record. */
enum {
    PANE_TREE = 0,
    PANE_DETAIL,
    PANE_ALARMS,
    PANE_COMMANDS,
    PANE_AUDIT,
    PANE_RECORD,
    PANE__COUNT
};

typedef enum input_mode {
    INPUT_NONE = 0,
    INPUT_FILTER,
    INPUT_COMMAND,
} input_mode;

/* Where the operator was, for `-`. */
typedef struct nav_entry {
    char *asset_uuid; /* or NULL */
    char *uns_path;   /* or NULL */
    int focus;
} nav_entry;

#define NAV_DEPTH 32

struct tui_app {
    tui_options opts;
    char *brokers;
    ofc_model *model;
    ofc_feed *feed;
    ofc_loop *loop;
    tui_crt *crt;
    tui_ctx ctx;
    pthread_t loop_thread;
    int sub_id;

    uns_tree_panel *tree;
    asset_panel *detail;
    alarm_panel *alarms;
    tui_panel *panes[PANE__COUNT];
    int focus;
    int tree_width, top_height; /* layout */
    bool too_small;

    command_line *filter_cl, *command_cl;
    input_mode input;
    char filter[1024];       /* the live / filter of the view on screen (ctx.filter) */
    char other_filter[1024]; /* the other view's: the plant's and the audit's are their own */
    bool help_open;
    char followed[1100]; /* the tree selection the detail pane last followed ("a:"/"n:" key) */

    char msg[512];
    bool msg_error;
    int64_t msg_mono;

    /* What the next redraw must paint besides dirty panes. */
    bool changes_pending; /* a model batch arrived since the last redraw */
    bool status_dirty, msg_dirty, legend_dirty, frame_dirty, ages_dirty, help_dirty;
    bool urgent;         /* a key was pressed: draw now, not at the next 33 ms slot */
    bool seen_connected; /* the broker state the clock tick last acted on */
    bool keys_pending;   /* the key drain stopped at its bound; ncurses may hold more */
    int64_t last_draw_mono;
    int pace_timer;           /* -1 when not armed */
    int64_t oldest_change_us; /* receive time of the oldest change not yet on screen; 0 none */
    int64_t oldest_source_us; /* its source (plant) time, for the end-to-end figure; 0 none */
    FILE *latency;

    nav_entry nav[NAV_DEPTH];
    int nav_count;

    /* Commands and the audit (tui_cmd.c). */
    char *key_path;           /* NULL: read-only */
    ofc_op_key *key;          /* NULL until unlocked (once a session) */
    ofc_trust *trust;         /* NULL without --trust */
    ofc_commander *commander; /* NULL when read-only */
    ofc_audit *audit;
    char *topic;            /* where commands go (topic.assets) */
    command_dialog *dialog; /* the open command flow, or NULL */
    int unlock_timer;       /* -1 when not armed */
    command_panel *commands;
    audit_panel *audit_pane;
    text_panel *record;
    int bottom; /* PANE_ALARMS or PANE_COMMANDS */
    bool audit_open;
    bool audit_from_start; /* ofa_assets is read from its beginning (start.since) */
    int focus_before_audit;
    int64_t record_shown; /* the audit entry the record pane shows (partition, offset) */
    char who[160];        /* for the status line: "read-only", "key locked", "as alice" */

    bool quit;
};

/* tui_nav.c */
void tui_app__handle_key(tui_app *app, const tui_key *key);
/* The detail pane shows what the tree's cursor is on. */
void tui_app__follow_tree(tui_app *app);
void tui_app__nav_clear(tui_app *app);
void tui_app__set_focus(tui_app *app, int pane);
/* The panes on screen now, in Tab order; returns how many. */
int tui_app__visible(const tui_app *app, int out[PANE__COUNT]);
/* tui_app.c */
void tui_app__layout(tui_app *app);
void tui_app__touch_all(tui_app *app);
/* The live filter changed (typed, cleared, or the view switched): every panel applies it. */
void tui_app__filter_changed(tui_app *app);
/* tui_cmd.c */
/* Before the screen starts: trust store, key (unlocked now if it needs no passphrase or one was
 * given), commander, audit. False with errstr set. cfg is borrowed for the call. */
bool tui_app__cmd_open(tui_app *app, const ofc_config *cfg, const tui_options *opts, char *errstr,
                       size_t errstr_size);
/* After the loop and the screen exist: panes, callbacks, the commander on the loop. */
void tui_app__cmd_attach(tui_app *app);
/* Stop callbacks (first thing in destroy), then free (after the feed is gone). */
void tui_app__cmd_detach(tui_app *app);
void tui_app__cmd_close(tui_app *app);
void tui_app__dialog_key(tui_app *app, const tui_key *key);
void tui_app__dialog_draw(tui_app *app, int *cursor_y, int *cursor_x);
/* Open or close the audit view. */
void tui_app__audit_show(tui_app *app, bool open);
/* The record pane follows the audit's selection. */
void tui_app__audit_follow(tui_app *app);

#endif
