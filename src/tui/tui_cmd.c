/* tui_cmd: the console's command side (issue 5 parts 4, 5 and 8): the operator key, unlocked
 * once a session; the command dialog's events (sign, unlock, send); the commander's state
 * changes in the commands pane and on the message line; and the audit view. Part of tui_app
 * (tui_app_internal.h).
 *
 * What the review shows is what is sent: the record is signed once, before the review, and that
 * very record is produced on confirmation. A review left open longer than REVIEW_MAX_US is
 * signed again and shown again rather than sent stale (verifiers accept 120 s of age).
 */
#include "tui_app_internal.h"

#include "cmd_format.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REVIEW_MAX_US (60 * 1000000LL)

/* ---- who is sending ---- */

static void update_who(tui_app *app)
{
    if (!app->key_path)
        snprintf(app->who, sizeof app->who, "read-only");
    else if (!app->key)
        snprintf(app->who, sizeof app->who, "key locked");
    else
        snprintf(app->who, sizeof app->who, "as %s", ofc_op_key_operator(app->key));
    if (app->commands) {
        char who[256];
        if (!app->key_path)
            snprintf(who, sizeof who, "read-only: no operator key (start with --key FILE)");
        else if (!app->key)
            snprintf(who, sizeof who, "key %s locked until the first command", app->key_path);
        else
            snprintf(who, sizeof who, "as %s, key %s", ofc_op_key_operator(app->key),
                     ofc_op_key_id(app->key));
        command_panel_set_who(app->commands, who);
    }
    app->status_dirty = true;
}

/* ---- lifecycle ---- */

static void on_command_change(void *opaque, const ofc_cmd_status *st)
{
    tui_app *app = opaque;
    if (!command_panel_update(app->commands, st))
        return; /* not one of this session's */
    char msg[512];
    cmdf_state_message(st, msg, sizeof msg);
    bool bad = st->state == OFC_CMD_FAILED || st->state == OFC_CMD_REJECTED ||
               st->state == OFC_CMD_TIMEOUT;
    tui_app_message(app, bad, "%s", msg);
}

static void on_audit_entry(void *opaque, const ofc_audit_entry *e)
{
    tui_app *app = opaque;
    audit_panel_refresh(app->audit_pane);
    if (app->audit_open)
        tui_panel_touch(audit_panel_base(app->audit_pane));
}

bool tui_app__cmd_open(tui_app *app, const ofc_config *cfg, const tui_options *opts, char *errstr,
                       size_t errstr_size)
{
    app->unlock_timer = -1;
    app->bottom = PANE_ALARMS;
    app->record_shown = -1;
    app->topic = xstrdup(ofc_config_get(cfg, "topic.assets"));
    ofc_start_kind since;
    int64_t since_us;
    app->audit_from_start =
        ofc_start_parse(ofc_config_get(cfg, "start.since"), 0, &since, &since_us) &&
        since == OFC_START_BEGINNING;
    if (opts->trust_path &&
        ofc_trust_load(opts->trust_path, &app->trust, errstr, errstr_size) != OFC_OK)
        return false;
    if (opts->key_path) {
        if (!ofc_crypto_init()) {
            snprintf(errstr, errstr_size, "libsodium could not be initialised");
            return false;
        }
        app->key_path = xstrdup(opts->key_path);
        /* A key in clear, or one whose passphrase came from a file or the environment, is
         * unlocked now (a wrong passphrase is an error before the screen starts); otherwise the
         * first command asks for the passphrase inside the console. */
        if (!ofc_op_key_is_encrypted(opts->key_path) || opts->passphrase) {
            char err[512];
            if (ofc_op_key_load(opts->key_path, opts->passphrase ? opts->passphrase : "", &app->key,
                                err, sizeof err) != OFC_OK) {
                snprintf(errstr, errstr_size, "%s", err);
                return false;
            }
        }
        app->commander = ofc_commander_new(cfg, app->model, 0, errstr, errstr_size);
        if (!app->commander)
            return false;
    }
    app->audit = ofc_audit_new(app->trust, app->model, 0);
    ofc_audit_attach(app->audit, app->feed);
    return true;
}

static const tui_help_line record_help[] = {
    {"Up/Down PgUp/PgDn", "scroll the record"},
    {"Tab", "back to the audit list"},
    {"Esc A -", "close the audit view"},
    {NULL, NULL},
};

void tui_app__cmd_attach(tui_app *app)
{
    app->commands = command_panel_new(&app->ctx);
    app->audit_pane =
        audit_panel_new(&app->ctx, app->audit, app->trust != NULL, app->audit_from_start);
    app->record =
        text_panel_new(&app->ctx, "record", record_help, audit_panel_describe, app->audit_pane);
    text_panel_set_title(app->record, "Record");
    app->panes[PANE_COMMANDS] = command_panel_base(app->commands);
    app->panes[PANE_AUDIT] = audit_panel_base(app->audit_pane);
    app->panes[PANE_RECORD] = text_panel_base(app->record);
    ofc_audit_on_entry(app->audit, on_audit_entry, app);
    if (app->commander) {
        ofc_commander_on_change(app->commander, on_command_change, app);
        ofc_commander_attach(app->commander, app->loop);
    }
    update_who(app);
}

void tui_app__cmd_detach(tui_app *app)
{
    if (app->commander)
        ofc_commander_on_change(app->commander, NULL, NULL);
    if (app->audit)
        ofc_audit_on_entry(app->audit, NULL, NULL);
    command_dialog_destroy(app->dialog);
    app->dialog = NULL;
}

void tui_app__cmd_close(tui_app *app)
{
    /* Waits up to 2 s for a command still in flight, so a quit right after `y` still sends. */
    ofc_commander_destroy(app->commander);
    ofc_audit_destroy(app->audit);
    ofc_trust_destroy(app->trust);
    ofc_op_key_destroy(app->key);
    free(app->key_path);
    free(app->topic);
}

/* ---- opening the dialog ---- */

static bool open_dialog(tui_app *app, const ofc_asset *asset, const ofc_attr *method)
{
    if (!app->key_path) {
        tui_app_message(app, true,
                        "read-only: no operator key loaded, nothing can be sent (start ofc tui "
                        "with --key FILE)");
        return false;
    }
    if (ofc_asset_registration(asset) == OFC_REG_REMOVED) {
        tui_app_message(app, true, "%s is deregistered: it takes no commands",
                        ofc_asset_uuid(asset));
        return false;
    }
    app->dialog = command_dialog_new(asset, method);
    char signer[256];
    if (app->key)
        snprintf(signer, sizeof signer, "signed as %s with key %s", ofc_op_key_operator(app->key),
                 ofc_op_key_id(app->key));
    else
        snprintf(signer, sizeof signer,
                 "key %s is locked: its passphrase is asked once, when you go on", app->key_path);
    command_dialog_set_signer(app->dialog, signer);
    app->msg[0] = '\0';
    tui_app__touch_all(app);
    return true;
}

unsigned tui_app_invoke(tui_app *app)
{
    const ofc_asset *asset = asset_panel_asset(app->detail);
    const ofc_attr *m = !app->audit_open && app->focus == PANE_DETAIL
                            ? asset_panel_selected_method(app->detail)
                            : NULL;
    if (!m) {
        if (!app->key_path)
            tui_app_message(app, true,
                            "read-only: no operator key loaded (start ofc tui with --key FILE)");
        else
            tui_app_message(app, true,
                            "x sends a method: in an asset's detail put the cursor on a row of "
                            "its Methods section (or :call METHOD)");
        return TUI_HANDLED;
    }
    open_dialog(app, asset, m);
    return TUI_HANDLED;
}

bool tui_app_call(tui_app *app, const char *method)
{
    const ofc_asset *asset = asset_panel_asset(app->detail);
    if (!asset) {
        tui_app_message(app, true, ":call needs an asset shown in the detail (:asset ID first)");
        return false;
    }
    for (size_t i = 0; i < ofc_asset_attr_count(asset); i++) {
        const ofc_attr *at = ofc_asset_attr_at(asset, i);
        if (ofc_attr_is_method(at) && strcasecmp(ofc_attr_id(at), method) == 0)
            return open_dialog(app, asset, at);
    }
    tui_app_message(app, true, "%s advertises no method %s", ofc_asset_uuid(asset), method);
    return false;
}

/* ---- the dialog's events ---- */

static void close_dialog(tui_app *app)
{
    command_dialog_destroy(app->dialog);
    app->dialog = NULL;
    tui_app__touch_all(app);
}

/* What the trust store (if any) will say about this command, before it is sent. */
static bool policy_note(tui_app *app, const char *target, const char *method, char *out,
                        size_t size)
{
    if (!app->trust) {
        snprintf(out, size, "not checked here (no --trust); the executor decides");
        return true;
    }
    const char *op = ofc_op_key_operator(app->key);
    const ofc_trust_entry *e = ofc_trust_find(app->trust, ofc_op_key_id(app->key));
    if (!e) {
        snprintf(out, size,
                 "warning: key %s is not in the trust store: a verifying executor will reject it "
                 "(unknown_key)",
                 ofc_op_key_id(app->key));
        return false;
    }
    if (strcmp(ofc_trust_entry_operator(e), op) != 0) {
        snprintf(out, size, "warning: the trust store binds this key to %s, not %s (key_not_bound)",
                 ofc_trust_entry_operator(e), op);
        return false;
    }
    const ofc_asset *as = ofc_model_find_asset(app->model, target);
    ofc_policy p = ofc_trust_entry_allows(e, method, target, as ? ofc_asset_uns_id(as) : NULL);
    if (p != OFC_POLICY_ALLOW) {
        snprintf(out, size, "warning: the trust store denies it, %s (policy_denied)",
                 ofc_policy_str(p));
        return false;
    }
    snprintf(out, size, "allowed by the trust store for %s", op);
    return true;
}

static void sign_and_review(tui_app *app, const char *notice)
{
    command_dialog *d = app->dialog;
    const char *values[OFC_CMD_MAX_ARGS];
    command_dialog_arg_values(d, values);
    ofc_signed_command cmd;
    char err[512], note[512];
    ofc_err e =
        ofc_command_sign(app->key, command_dialog_target(d), command_dialog_method(d),
                         command_dialog_arg_count(d), command_dialog_arg_names(d), values,
                         command_dialog_reason(d), ofc_time_now_us(), &cmd, err, sizeof err);
    if (e != OFC_OK) {
        command_dialog_set_stage(d, DLG_FORM);
        command_dialog_set_error(d, "cannot sign: %s", err);
        return;
    }
    bool ok =
        policy_note(app, command_dialog_target(d), command_dialog_method(d), note, sizeof note);
    command_dialog_review(d, &cmd, app->topic, ofc_op_key_operator(app->key),
                          ofc_op_key_id(app->key), note, ok, ofc_time_mono_us());
    if (notice)
        command_dialog_set_error(d, "%s", notice);
}

/* Argon2id takes about a second: it runs from a timer armed after "Unlocking..." is drawn. */
static void on_unlock_timer(ofc_loop *loop, void *opaque)
{
    tui_app *app = opaque;
    ofc_loop_remove_timer(loop, app->unlock_timer);
    app->unlock_timer = -1;
    command_dialog *d = app->dialog;
    if (!d || command_dialog_stage(d) != DLG_UNLOCKING)
        return;
    char err[512];
    ofc_op_key *key = NULL;
    ofc_err e = ofc_op_key_load(app->key_path, command_dialog_passphrase(d), &key, err, sizeof err);
    command_dialog_wipe_passphrase(d);
    app->urgent = app->legend_dirty = true;
    if (e != OFC_OK) {
        command_dialog_set_stage(d, DLG_PASSPHRASE);
        command_dialog_set_error(d, "%s", err);
        return;
    }
    app->key = key;
    update_who(app);
    char signer[256];
    snprintf(signer, sizeof signer, "signed as %s with key %s", ofc_op_key_operator(key),
             ofc_op_key_id(key));
    command_dialog_set_signer(d, signer);
    sign_and_review(app, NULL);
}

static void send_reviewed(tui_app *app)
{
    command_dialog *d = app->dialog;
    if (ofc_time_mono_us() - command_dialog_signed_mono(d) > REVIEW_MAX_US) {
        sign_and_review(app, "the review was open over a minute: signed again with a fresh "
                             "timestamp; check it and confirm again");
        return;
    }
    const ofc_signed_command *cmd = command_dialog_signed(d);
    char call[8192], reason[OFC_CMD_MAX_TEXT + 1], err[512];
    command_dialog_call_text(d, call, sizeof call);
    command_dialog_reason_text(d, reason, sizeof reason);
    command_panel_add(app->commands, cmd->correlation_id, cmd->target, command_dialog_method(d),
                      call, reason, ofc_time_now_us());
    /* The state (PENDING, then SENT only with a delivery report, or FAILED) comes back through
     * on_command_change, which also writes the message line. */
    if (ofc_commander_send(app->commander, cmd, err, sizeof err) != OFC_OK)
        tui_app_message(app, true, "%s on %s: FAILED, never sent (%s)", command_dialog_method(d),
                        cmd->target, err);
    close_dialog(app);
    app->bottom = PANE_COMMANDS;
}

void tui_app__dialog_key(tui_app *app, const tui_key *key)
{
    command_dialog *d = app->dialog;
    switch (command_dialog_key(d, key)) {
    case DLG_EV_NONE: break;
    case DLG_EV_CANCEL:
        close_dialog(app);
        tui_app_message(app, false, "cancelled: nothing was sent");
        break;
    case DLG_EV_SUBMIT:
        if (app->key)
            sign_and_review(app, NULL);
        else
            command_dialog_set_stage(d, DLG_PASSPHRASE);
        break;
    case DLG_EV_UNLOCK:
        command_dialog_set_stage(d, DLG_UNLOCKING);
        if (app->unlock_timer < 0)
            app->unlock_timer = ofc_loop_add_timer(app->loop, 1, on_unlock_timer, app);
        break;
    case DLG_EV_CONFIRM: send_reviewed(app); break;
    }
    app->legend_dirty = true;
}

void tui_app__dialog_draw(tui_app *app, int *cursor_y, int *cursor_x)
{
    int h = tui_crt_lines(app->crt) - 3, w = tui_crt_cols(app->crt);
    command_dialog_draw(app->dialog, &app->ctx, 1, 0, h, w, cursor_y, cursor_x);
}

/* ---- the commands pane and the audit view ---- */

unsigned tui_app_show_commands(tui_app *app)
{
    if (app->audit_open)
        tui_app__audit_show(app, false);
    app->bottom = PANE_COMMANDS;
    tui_app__touch_all(app);
    tui_app__set_focus(app, PANE_COMMANDS);
    return TUI_HANDLED;
}

void tui_app__audit_follow(tui_app *app)
{
    audit_panel_sync(app->audit_pane);
    const ofc_audit_entry *e = audit_panel_selected(app->audit_pane);
    int64_t shown = e ? ((int64_t)e->partition << 48) ^ e->offset : -1;
    if (shown != app->record_shown) {
        app->record_shown = shown;
        text_panel_refresh(app->record, true);
    }
}

void tui_app__audit_show(tui_app *app, bool open)
{
    if (open == app->audit_open)
        return;
    /* Each view keeps its own / filter: one typed in the audit must not empty the plant. */
    char swap[sizeof app->filter];
    memcpy(swap, app->filter, sizeof swap);
    memcpy(app->filter, app->other_filter, sizeof swap);
    memcpy(app->other_filter, swap, sizeof swap);
    if (strcmp(app->filter, app->other_filter) != 0)
        tui_app__filter_changed(app);
    if (open) {
        app->focus_before_audit = app->focus;
        app->audit_open = true;
        audit_panel_refresh(app->audit_pane);
        tui_app__set_focus(app, PANE_AUDIT);
    } else {
        app->audit_open = false;
        tui_app__set_focus(app, app->focus_before_audit);
    }
    tui_app__layout(app);
}

unsigned tui_app_toggle_audit(tui_app *app)
{
    tui_app__audit_show(app, !app->audit_open);
    return TUI_HANDLED;
}

bool tui_app_audit(tui_app *app, const char *filters)
{
    cmdf_audit_filter f;
    char err[256];
    if (!cmdf_audit_filter_parse(filters, ofc_time_now_us(), &f, err, sizeof err)) {
        tui_app_message(app, true, ":audit %s", err);
        return false;
    }
    audit_panel_set_filter(app->audit_pane, &f);
    tui_app__audit_show(app, true);
    tui_panel_touch(audit_panel_base(app->audit_pane));
    return true;
}
