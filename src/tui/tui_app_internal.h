/* tui_app_internal: the app's state, shared by its two files only: tui_app.c (lifecycle, loop,
 * signals, drawing) and tui_nav.c (keys, input lines, navigation, commands' effects).
 * Cross-file functions are named tui_app__verb (mosquitto's module__verb). {loop thread only}
 */
#ifndef OFC_TUI_APP_INTERNAL_H
#define OFC_TUI_APP_INTERNAL_H

#include "alarm_panel.h"
#include "asset_panel.h"
#include "command_line.h"
#include "event_loop.h"
#include "feed.h"
#include "tui_app.h"
#include "tui_crt.h"
#include "tui_panel.h"
#include "uns_tree_panel.h"

#include <pthread.h>
#include <stdio.h>

enum { PANE_TREE = 0, PANE_DETAIL, PANE_ALARMS, PANE__COUNT };

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
    char filter[1024];
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

    bool quit;
};

/* tui_nav.c */
void tui_app__handle_key(tui_app *app, const tui_key *key);
/* The detail pane shows what the tree's cursor is on. */
void tui_app__follow_tree(tui_app *app);
void tui_app__nav_clear(tui_app *app);
/* tui_app.c */
void tui_app__layout(tui_app *app);
void tui_app__touch_all(tui_app *app);

#endif
