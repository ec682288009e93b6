/* tui_app: lifecycle, the loop wiring, signals and the paced redraw (see tui_app.h).
 * Keys, input lines and navigation are in tui_nav.c. */
#include "tui_app_internal.h"

#include "actions.h"
#include "function_bar.h"
#include "log.h"
#include "status_line.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FRAME_US         33000 /* at most ~30 redraws a second */
#define DEFAULT_PER_TURN 2048  /* records per loop turn: keys are read between turns */
#define MSG_TTL_US       (15 * 1000000LL)

/* ---- signals: the only globals; handlers set a flag and write a byte to wake poll() ---- */

static volatile sig_atomic_t sig_stop, sig_winch;
static int sig_pipe[2] = {-1, -1};
static bool signals_installed;
static const int fatal_signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE};
static struct sigaction fatal_old[sizeof fatal_signals / sizeof fatal_signals[0]];

static void wake_pipe(void)
{
    int saved = errno;
    if (sig_pipe[1] >= 0)
        (void)!write(sig_pipe[1], "s", 1);
    errno = saved;
}

static void on_stop_signal(int sig)
{
    sig_stop = sig;
    wake_pipe();
}

static void on_winch(int sig)
{
    sig_winch = 1;
    wake_pipe();
}

/* A crash must not leave the operator's terminal in raw mode on the alternate screen. endwin()
 * is not async-signal-safe, but the process is going down anyway and a usable shell is worth
 * it (htop does the same). The signal then goes on to whoever handled it before (the default
 * action, or a sanitizer's report). */
static void on_fatal(int sig)
{
    tui_crt_restore();
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &fatal_old[i], NULL);
    raise(sig);
}

static void on_oom(size_t size)
{
    tui_crt_restore();
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_fatal;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &fatal_old[i]);
    signals_installed = true;
}

static void restore_signals(void)
{
    if (!signals_installed)
        return;
    signals_installed = false;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &fatal_old[i], NULL);
}

/* ---- messages and logs ---- */

void tui_app_message(tui_app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->msg, sizeof app->msg, fmt, ap);
    va_end(ap);
    app->msg_error = error;
    app->msg_mono = ofc_time_mono_us();
    app->msg_dirty = true;
}

/* Core and librdkafka log lines belong on the message line, never on stderr under curses. The
 * feed serves librdkafka's logs on the loop thread; a line from any other thread is dropped
 * rather than racing the screen. */
static void log_sink(void *opaque, ofc_log_level level, const char *line)
{
    tui_app *app = opaque;
    if (!pthread_equal(pthread_self(), app->loop_thread))
        return;
    tui_app_message(app, level <= OFC_LOG_WARN, "%s", line);
}

/* ---- model changes ---- */

static void on_batch(void *opaque, const ofc_change_batch *batch)
{
    tui_app *app = opaque;
    if (!batch->count && !batch->tree_changed)
        return;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        int64_t t = ch->attr ? ofc_attr_received_us(ch->attr) : ofc_asset_last_update_us(ch->asset);
        if (t && (!app->oldest_change_us || t < app->oldest_change_us))
            app->oldest_change_us = t;
        int64_t src = ch->attr ? ofc_attr_timestamp_us(ch->attr) : 0;
        if (src && (!app->oldest_source_us || src < app->oldest_source_us))
            app->oldest_source_us = src;
    }
    uns_tree_panel_on_batch(app->tree, batch);
    asset_panel_on_batch(app->detail, batch);
    alarm_panel_on_batch(app->alarms, batch);
    if (app->bottom == PANE_COMMANDS)
        tui_panel_touch(app->panes[PANE_COMMANDS]); /* its header counts the plant's alarms */
    app->changes_pending = true;
}

/* ---- layout and drawing ---- */

void tui_app__touch_all(tui_app *app)
{
    for (int i = 0; i < PANE__COUNT; i++)
        tui_panel_touch(app->panes[i]);
    app->status_dirty = app->msg_dirty = app->legend_dirty = app->frame_dirty = true;
    app->help_dirty = true;
}

void tui_app__layout(tui_app *app)
{
    int h = tui_crt_lines(app->crt), w = tui_crt_cols(app->crt);
    app->too_small = h < 12 || w < 40;
    int body = h - 3; /* status line, message line, legend */
    int alarm_h = body / 3 < 4 ? 4 : body / 3;
    app->top_height = body - alarm_h;
    app->tree_width = w * 3 / 10 < 20 ? 20 : w * 3 / 10 > 44 ? 44 : w * 3 / 10;
    tui_panel_move(app->panes[PANE_TREE], 1, 0, app->top_height, app->tree_width);
    tui_panel_move(app->panes[PANE_DETAIL], 1, app->tree_width + 1, app->top_height,
                   w - app->tree_width - 1);
    tui_panel_move(app->panes[PANE_ALARMS], 1 + app->top_height, 0, alarm_h, w);
    tui_panel_move(app->panes[PANE_COMMANDS], 1 + app->top_height, 0, alarm_h, w);
    /* The audit view: its list over the selected record, the whole width. */
    int list_h = body * 3 / 5;
    tui_panel_move(app->panes[PANE_AUDIT], 1, 0, list_h, w);
    tui_panel_move(app->panes[PANE_RECORD], 1 + list_h, 0, body - list_h, w);
    tui_app__touch_all(app);
}

static const function_key keys_browse_utc[] = {
    {"?", "Help"},     {"/", "Filter"}, {":", "Cmd"},   {"Tab", "Pane"},
    {"Enter", "Open"}, {"-", "Back"},   {"t", "Local"}, {"c", "Cmds"},
    {"A", "Audit"},    {"q", "Quit"},   {NULL, NULL},
};
static const function_key keys_browse_local[] = {
    {"?", "Help"},     {"/", "Filter"}, {":", "Cmd"}, {"Tab", "Pane"},
    {"Enter", "Open"}, {"-", "Back"},   {"t", "UTC"}, {"c", "Cmds"},
    {"A", "Audit"},    {"q", "Quit"},   {NULL, NULL},
};
static const function_key keys_alarms[] = {
    {"?", "Help"},   {"/", "Filter"}, {":", "Cmd"},   {"Tab", "Pane"}, {"Enter", "Asset"},
    {"f", "Follow"}, {"c", "Cmds"},   {"A", "Audit"}, {"q", "Quit"},   {NULL, NULL},
};
static const function_key keys_method[] = {
    {"Enter", "Send"}, {"x", "Send"}, {"?", "Help"}, {"/", "Filter"}, {":", "Cmd"},
    {"Tab", "Pane"},   {"-", "Back"}, {"c", "Cmds"}, {"q", "Quit"},   {NULL, NULL},
};
static const function_key keys_method_ro[] = {
    {"", " read-only: no operator key (ofc tui --key FILE) "},
    {"?", "Help"},
    {"Tab", "Pane"},
    {"q", "Quit"},
    {NULL, NULL},
};
static const function_key keys_audit[] = {
    {"Esc", "Close"},  {"/", "Filter"},        {":audit", " op= asset= since="},
    {"Tab", "Record"}, {":save", " F.ndjson"}, {"?", "Help"},
    {"q", "Quit"},     {NULL, NULL},
};
static const function_key keys_form[] = {
    {"Tab/Dn", "Next"}, {"Up", "Prev"},    {"Enter", "Next/Review"},
    {"F2", "Review"},   {"Esc", "Cancel"}, {NULL, NULL},
};
static const function_key keys_passphrase[] = {
    {"Enter", "Unlock"},
    {"Esc", "Cancel"},
    {"", " the passphrase is not shown"},
    {NULL, NULL},
};
static const function_key keys_unlocking[] = {{"", " unlocking the key..."}, {NULL, NULL}};
static const function_key keys_review[] = {
    {"y", "Send"},     {"F2", "Send"},      {"e", "Edit"},
    {"Esc", "Cancel"}, {"Up/Dn", "Scroll"}, {NULL, NULL},
};
static const function_key keys_filtered[] = {
    {"Esc", "Unfilter"}, {"/", "Filter"}, {":", "Cmd"},  {"Tab", "Pane"}, {"Enter", "Open"},
    {"-", "Back"},       {"?", "Help"},   {"q", "Quit"}, {NULL, NULL},
};
static const function_key keys_filter[] = {
    {"Enter", "Keep"},       {"Esc", "Clear"}, {"Up/Dn", "History"},
    {"", " filtering live"}, {NULL, NULL},
};
static const function_key keys_command[] = {
    {"Enter", "Run"},     {"Esc", "Cancel"},
    {"Up/Dn", "History"}, {"", " :asset ID  :uns PATH  :alarms  :save FILE  :q"},
    {NULL, NULL},
};
static const function_key keys_help[] = {{"Esc", "Close (any key)"}, {NULL, NULL}};

static const function_key *legend_for(const tui_app *app)
{
    if (app->help_open)
        return keys_help;
    if (app->dialog) {
        switch (command_dialog_stage(app->dialog)) {
        case DLG_FORM: return keys_form;
        case DLG_PASSPHRASE: return keys_passphrase;
        case DLG_UNLOCKING: return keys_unlocking;
        case DLG_REVIEW: return keys_review;
        }
    }
    if (app->input == INPUT_FILTER)
        return keys_filter;
    if (app->input == INPUT_COMMAND)
        return keys_command;
    if (app->audit_open)
        return keys_audit;
    if (app->filter[0])
        return keys_filtered;
    if (app->focus == PANE_DETAIL && asset_panel_selected_method(app->detail))
        return app->key_path ? keys_method : keys_method_ro;
    if (app->focus == PANE_ALARMS)
        return keys_alarms;
    return app->ctx.utc ? keys_browse_utc : keys_browse_local;
}

static void draw_help(tui_app *app)
{
    int y0 = 1, h = tui_crt_lines(app->crt) - 3, w = tui_crt_cols(app->crt);
    tui_panel *pane = app->panes[app->focus];
    tui_crt_clear(app->crt, y0, 0, h, w, CF_ROLE_NORMAL);
    char line[512];
    snprintf(line, sizeof line, " Keys: %s pane (any key closes)", pane->ops->name);
    tui_crt_put(app->crt, y0, 0, w, line, CF_ROLE_HEADER);
    /* Two columns when there is room: this pane's keys and the commands, then the global keys. */
    int colw = w >= 70 ? w / 2 : w, y = y0 + 1, x = 0, bottom = y0 + h;
    const int keyw = 16;
    for (const tui_help_line *l = pane->ops->help; l && l->keys && y < bottom; l++, y++) {
        tui_crt_put(app->crt, y, x + 1, keyw, l->keys, CF_ROLE_KEY);
        tui_crt_put(app->crt, y, x + 2 + keyw, colw - keyw - 3, l->what, CF_ROLE_NORMAL);
    }
    size_t n;
    const tui_command *cmds = actions_commands(&n);
    if (y + 1 < bottom)
        tui_crt_put(app->crt, ++y, x + 1, colw - 2, "Commands (after :)", CF_ROLE_SECTION);
    for (size_t i = 0; i < n && ++y < bottom; i++) {
        snprintf(line, sizeof line, ":%s%s%s", cmds[i].name, cmds[i].args[0] ? " " : "",
                 cmds[i].args);
        tui_crt_put(app->crt, y, x + 1, keyw, line, CF_ROLE_KEY);
        tui_crt_put(app->crt, y, x + 2 + keyw, colw - keyw - 3, cmds[i].help, CF_ROLE_NORMAL);
    }
    if (colw < w) {
        x = colw;
        y = y0 + 1;
    } else {
        y += 2;
    }
    if (y < bottom)
        tui_crt_put(app->crt, y++, x + 1, colw - 2, "Everywhere", CF_ROLE_SECTION);
    const tui_action *acts = actions_table(&n);
    for (size_t i = 0; i < n && y < bottom; i++) {
        /* Keys bound to the same action share a line: "q F10  quit". */
        if (i > 0 && acts[i - 1].fn == acts[i].fn)
            continue;
        snprintf(line, sizeof line, "%s", acts[i].keys);
        for (size_t j = i + 1; j < n && acts[j].fn == acts[i].fn; j++)
            snprintf(line + strlen(line), sizeof line - strlen(line), " %s", acts[j].keys);
        tui_crt_put(app->crt, y, x + 1, keyw, line, CF_ROLE_KEY);
        tui_crt_put(app->crt, y++, x + 2 + keyw, colw - keyw - 3, acts[i].help, CF_ROLE_NORMAL);
    }
}

static void draw_message_line(tui_app *app, int *cursor_x)
{
    int y = tui_crt_lines(app->crt) - 2, w = tui_crt_cols(app->crt);
    *cursor_x = -1;
    if (app->input == INPUT_FILTER) {
        *cursor_x = command_line_draw(app->filter_cl, app->crt, y, 0, w);
    } else if (app->input == INPUT_COMMAND) {
        *cursor_x = command_line_draw(app->command_cl, app->crt, y, 0, w);
    } else if (app->msg[0]) {
        tui_crt_put(app->crt, y, 0, w, app->msg, app->msg_error ? CF_ROLE_ERROR : CF_ROLE_NORMAL);
    } else if (app->filter[0]) {
        char line[1100];
        snprintf(line, sizeof line, " filter /%s  (Esc clears, / edits)", app->filter);
        tui_crt_put(app->crt, y, 0, w, line, CF_ROLE_DIM);
    } else {
        tui_crt_put(app->crt, y, 0, w, "", CF_ROLE_NORMAL);
    }
}

static void draw(tui_app *app)
{
    tui_crt *crt = app->crt;
    int h = tui_crt_lines(crt), w = tui_crt_cols(crt);
    const ofc_feed_status *st = ofc_feed_get_status(app->feed);
    app->ctx.now_us = ofc_time_now_us();
    app->ctx.connected = st->connected;
    asset_panel_sync(app->detail);
    alarm_panel_sync(app->alarms);
    audit_panel_sync(app->audit_pane);
    if (app->audit_open)
        tui_app__audit_follow(app);

    if (app->too_small) {
        tui_crt_clear(crt, 0, 0, h, w, CF_ROLE_NORMAL);
        tui_crt_put(crt, 0, 0, w, "Terminal too small for ofc tui (needs 40x12); q quits",
                    CF_ROLE_ERROR);
    } else {
        if (app->frame_dirty && !app->audit_open) {
            const char *rule = cf_glyph_vrule(app->ctx.ascii);
            for (int y = 1; y < 1 + app->top_height; y++)
                tui_crt_put(crt, y, app->tree_width, 1, rule, CF_ROLE_DIM);
        }
        if (app->status_dirty) {
            status_view v =
                status_view_from(st, app->brokers, app->ctx.now_us, app->ctx.utc, app->ctx.ascii);
            v.who = app->who;
            status_line_draw(crt, 0, w, &v);
        }
        int cursor_y = h - 2, cursor_x = -1;
        if (app->help_open) {
            if (app->help_dirty)
                draw_help(app);
        } else if (app->dialog) {
            /* Drawn whole every time: its review shows live values, and it is one screen. */
            tui_app__dialog_draw(app, &cursor_y, &cursor_x);
        } else {
            int vis[PANE__COUNT], n = tui_app__visible(app, vis);
            for (int k = 0; k < n; k++) {
                int i = vis[k];
                if (app->panes[i]->dirty)
                    tui_panel_draw(app->panes[i]);
                else if (i == PANE_DETAIL && app->ages_dirty)
                    asset_panel_draw_ages(app->detail);
            }
        }
        if (app->msg_dirty || app->input != INPUT_NONE) {
            int line_x;
            draw_message_line(app, &line_x);
            if (line_x >= 0) {
                cursor_y = h - 2;
                cursor_x = line_x;
            }
        }
        if (app->legend_dirty)
            function_bar_draw(crt, h - 1, w, legend_for(app));
        tui_crt_cursor(crt, cursor_y, cursor_x, cursor_x >= 0);
    }
    int64_t shown = tui_crt_flush(crt);
    if (app->latency && app->oldest_change_us) {
        /* time shown, arrival -> screen, and source time -> screen (0 when no change carried
         * a source time); all wall clock, in us */
        fprintf(app->latency, "%lld %lld %lld\n", (long long)shown,
                (long long)(shown - app->oldest_change_us),
                (long long)(app->oldest_source_us ? shown - app->oldest_source_us : 0));
    }
    app->oldest_change_us = app->oldest_source_us = 0;
    app->changes_pending = app->urgent = false;
    app->status_dirty = app->msg_dirty = app->legend_dirty = app->frame_dirty = false;
    app->ages_dirty = app->help_dirty = false;
    app->last_draw_mono = ofc_time_mono_us();
}

static bool needs_draw(const tui_app *app)
{
    if (app->changes_pending || app->status_dirty || app->msg_dirty || app->legend_dirty ||
        app->frame_dirty || app->ages_dirty || app->help_dirty || app->urgent)
        return true;
    /* Panes under the help screen or the dialog, and hidden ones, wait until they are shown
     * (showing them touches them). */
    if (app->help_open || app->dialog)
        return false;
    int vis[PANE__COUNT], n = tui_app__visible(app, vis);
    for (int k = 0; k < n; k++)
        if (app->panes[vis[k]]->dirty)
            return true;
    return false;
}

/* ---- loop callbacks ---- */

static void on_input(ofc_loop *loop, int fd, short revents, void *opaque);

static void on_pace_timer(ofc_loop *loop, void *opaque)
{
    tui_app *app = opaque;
    ofc_loop_remove_timer(loop, app->pace_timer);
    app->pace_timer = -1; /* the next before-sleep draws */
}

/* Runs after the feed's hook has flushed the model. */
static void on_before_sleep(ofc_loop *loop, void *opaque)
{
    tui_app *app = opaque;
    if (app->keys_pending) {
        app->keys_pending = false;
        on_input(loop, tui_crt_input_fd(app->crt), 0, app);
    }
    /* After a batch with tree_changed the tree's node pointers are stale until this runs;
     * it must precede any key handling or drawing. */
    uns_tree_panel_sync(app->tree);
    if (app->changes_pending)
        tui_app__follow_tree(app);
    if (!needs_draw(app))
        return;
    int64_t since = ofc_time_mono_us() - app->last_draw_mono;
    if (app->urgent || since >= FRAME_US) {
        draw(app);
    } else if (app->pace_timer < 0) {
        int64_t ms = (FRAME_US - since + 999) / 1000;
        app->pace_timer = ofc_loop_add_timer(loop, ms > 0 ? ms : 1, on_pace_timer, app);
    }
}

static void on_clock(ofc_loop *loop, void *opaque)
{
    tui_app *app = opaque;
    const ofc_feed_status *st = ofc_feed_get_status(app->feed);
    app->ctx.now_us = ofc_time_now_us();
    if (st->connected != app->seen_connected) {
        /* Stale marks everywhere come and go with the broker. (Not compared with
         * ctx.connected: a redraw may have picked the change up first.) */
        app->seen_connected = st->connected;
        app->ctx.connected = st->connected;
        tui_app__touch_all(app);
    }
    uns_tree_panel_tick(app->tree);
    app->status_dirty = true;
    app->ages_dirty = true;
    if (app->msg[0] && ofc_time_mono_us() - app->msg_mono > MSG_TTL_US) {
        app->msg[0] = '\0';
        app->msg_dirty = true;
    }
}

static void on_input(ofc_loop *loop, int fd, short revents, void *opaque)
{
    tui_app *app = opaque;
    tui_key key;
    /* ncurses buffers what one read() brought, so drain it: poll() will not report it again.
     * Bounded, so a terminal that never stops sending cannot starve the feed. */
    int n = 0;
    while (n < 512 && !app->quit && tui_crt_read_key(app->crt, &key)) {
        tui_app__handle_key(app, &key);
        n++;
    }
    if (n == 512) {
        app->keys_pending = true; /* ncurses may hold more: read them next turn */
        ofc_loop_wake_soon(loop);
    }
    if (revents & (POLLHUP | POLLERR | POLLNVAL))
        app->quit = true; /* the terminal went away */
}

static void on_signal_pipe(ofc_loop *loop, int fd, short revents, void *opaque)
{
    tui_app *app = opaque;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
    if (sig_winch) {
        sig_winch = 0;
        tui_crt_resize(app->crt);
        tui_app__layout(app);
        app->urgent = true;
    }
}

static bool stop_check(void *opaque)
{
    tui_app *app = opaque;
    return app->quit || sig_stop;
}

/* ---- lifecycle ---- */

tui_app *tui_app_new(const ofc_config *cfg, const tui_options *opts, char *errstr,
                     size_t errstr_size)
{
    tui_app *app = xcalloc(1, sizeof *app);
    app->opts = *opts;
    app->pace_timer = -1;
    app->brokers = xstrdup(ofc_config_get(cfg, "brokers"));
    ofc_model_limits limits = {
        (size_t)ofc_config_get_int(cfg, "history.points"),
        (size_t)ofc_config_get_int(cfg, "limit.assets"),
        (size_t)ofc_config_get_int(cfg, "limit.attributes"),
    };
    app->model = ofc_model_new(&limits);
    app->loop = ofc_loop_new();
    app->feed = ofc_feed_new(cfg, app->model, errstr, errstr_size);
    if (!app->feed)
        goto fail;
    /* Key, trust store, commander and audit before the screen: their errors go to stderr. */
    if (!tui_app__cmd_open(app, cfg, opts, errstr, errstr_size))
        goto fail;
    if (opts->latency_log) {
        app->latency = fopen(opts->latency_log, "a");
        if (!app->latency) {
            snprintf(errstr, errstr_size, "%s: %s", opts->latency_log, strerror(errno));
            goto fail;
        }
        setvbuf(app->latency, NULL, _IOLBF, 0);
    }
    if (pipe(sig_pipe) != 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    /* Before curses starts, so ncurses sees our SIGWINCH/SIGINT/SIGTERM handlers and keeps its
     * own out of the way. */
    install_signals();
    tui_crt_opts copts = {opts->ascii, opts->no_color};
    app->crt = tui_crt_new(&copts, errstr, errstr_size);
    if (!app->crt)
        goto fail;
    xmalloc_set_fatal_hook(on_oom);
    app->loop_thread = pthread_self();
    ofc_log_set_sink(log_sink, app);

    app->ctx = (tui_ctx){
        app->model,           app->crt, opts->ascii,       false,       opts->utc,
        opts->stale_after_us, false,    ofc_time_now_us(), app->filter, opts->key_path != NULL};
    app->ctx.mono = tui_crt_color_level(app->crt) == TUI_COLOR_MONO;
    app->tree = uns_tree_panel_new(&app->ctx);
    app->detail = asset_panel_new(&app->ctx);
    app->alarms = alarm_panel_new(&app->ctx);
    app->panes[PANE_TREE] = uns_tree_panel_base(app->tree);
    app->panes[PANE_DETAIL] = asset_panel_base(app->detail);
    app->panes[PANE_ALARMS] = alarm_panel_base(app->alarms);
    tui_app__cmd_attach(app);
    app->focus = PANE_TREE;
    tui_panel_set_focus(app->panes[PANE_TREE], true);
    app->filter_cl = command_line_new("/", 50);
    app->command_cl = command_line_new(":", 100);
    tui_app__layout(app);

    ofc_feed_attach(app->feed, app->loop,
                    opts->max_records_per_turn ? opts->max_records_per_turn : DEFAULT_PER_TURN);
    app->sub_id = ofc_model_subscribe(app->model, on_batch, app, 0);
    ofc_loop_add_fd(app->loop, tui_crt_input_fd(app->crt), POLLIN, on_input, app);
    ofc_loop_add_fd(app->loop, sig_pipe[0], POLLIN, on_signal_pipe, app);
    ofc_loop_add_timer(app->loop, 1000, on_clock, app);
    /* Added after ofc_feed_attach(): runs after the model flush of the same turn. */
    ofc_loop_add_before_sleep(app->loop, on_before_sleep, app);
    ofc_loop_set_stop_check(app->loop, stop_check, app);
    app->urgent = true;
    return app;

fail:
    tui_app_destroy(app);
    return NULL;
}

int tui_app_run(tui_app *app)
{
    ofc_loop_run(app->loop);
    return sig_stop ? 128 + (int)sig_stop : 0;
}

void tui_app_destroy(tui_app *app)
{
    if (!app)
        return;
    tui_app__cmd_detach(app);
    if (app->sub_id > 0)
        ofc_model_unsubscribe(app->model, app->sub_id);
    for (int i = 0; i < PANE__COUNT; i++)
        tui_panel_destroy(app->panes[i]);
    command_line_destroy(app->filter_cl);
    command_line_destroy(app->command_cl);
    tui_app__nav_clear(app);
    /* The terminal first: whatever is logged while the feed closes goes to a normal screen. */
    tui_crt_destroy(app->crt);
    ofc_log_set_sink(NULL, NULL);
    xmalloc_set_fatal_hook(NULL);
    restore_signals();
    ofc_feed_destroy(app->feed);
    tui_app__cmd_close(app);
    ofc_loop_destroy(app->loop);
    ofc_model_destroy(app->model);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
    if (app->latency)
        fclose(app->latency);
    free(app->brokers);
    free(app);
}

/* ---- small actions that touch only the frame ---- */

unsigned tui_app_quit(tui_app *app)
{
    app->quit = true;
    return TUI_HANDLED;
}

unsigned tui_app_toggle_clock(tui_app *app)
{
    app->ctx.utc = !app->ctx.utc;
    tui_app__touch_all(app);
    tui_app_message(app, false, "times now in %s", app->ctx.utc ? "UTC" : "local time");
    return TUI_HANDLED;
}

unsigned tui_app_repaint(tui_app *app)
{
    tui_crt_invalidate(app->crt);
    tui_app__touch_all(app);
    return TUI_HANDLED;
}

unsigned tui_app_help(tui_app *app)
{
    app->help_open = true;
    app->help_dirty = app->legend_dirty = true;
    return TUI_HANDLED;
}
