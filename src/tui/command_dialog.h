/* command_dialog: the operator's command flow on screen (issue 5 part 4), modal over the body.
 *
 *   FORM        one field per argument the method advertises (with its description) and a
 *               required reason; Tab/Up/Down move, Enter goes on, F2 finishes.
 *   PASSPHRASE  the key's passphrase, asked once per session, typed without echo.
 *   UNLOCKING   Argon2id is running (about a second): shown so the screen does not look hung.
 *   REVIEW      the record exactly as it will be produced, already signed (topic, key, JSON),
 *               and the current value of what it affects, read live from the model. Only `y`
 *               or F2 confirm: never the Enter that opened the dialog or finished the form.
 *
 * The dialog edits and draws. It holds no key and produces nothing: signing, unlocking and
 * sending are the app's (tui_cmd.c), which it tells through the events its key handler returns.
 * The passphrase buffer is wiped as soon as it has been used and when the dialog goes away.
 */
#ifndef OFC_TUI_COMMAND_DIALOG_H
#define OFC_TUI_COMMAND_DIALOG_H

#include "command.h"
#include "tui_panel.h"

#include <stdarg.h>

typedef struct command_dialog command_dialog;

typedef enum dlg_stage {
    DLG_FORM = 0,
    DLG_PASSPHRASE,
    DLG_UNLOCKING,
    DLG_REVIEW,
} dlg_stage;

typedef enum dlg_event {
    DLG_EV_NONE = 0, /* handled; stay */
    DLG_EV_CANCEL,   /* Esc: close, nothing is sent */
    DLG_EV_SUBMIT,   /* the form is complete: sign it (after the passphrase if the key is locked) */
    DLG_EV_UNLOCK,   /* a passphrase was typed: unlock the key with it */
    DLG_EV_CONFIRM,  /* y or F2 on the review: send the record shown */
} dlg_event;

/* A dialog for method (an attribute of asset for which ofc_attr_is_method() holds). Names,
 * descriptions and the target are copied: the model may change underneath. Owned by the
 * caller. */
command_dialog *command_dialog_new(const ofc_asset *asset, const ofc_attr *method);
void command_dialog_destroy(command_dialog *d);

dlg_stage command_dialog_stage(const command_dialog *d);
/* Back to the form drops the signed record; to PASSPHRASE clears what was typed. */
void command_dialog_set_stage(command_dialog *d, dlg_stage stage);
dlg_event command_dialog_key(command_dialog *d, const tui_key *key);

const char *command_dialog_target(const command_dialog *d);
const char *command_dialog_method(const command_dialog *d);
size_t command_dialog_arg_count(const command_dialog *d);
const char *const *command_dialog_arg_names(const command_dialog *d);
/* The argument values as typed, into values[command_dialog_arg_count()] (borrowed until the next
 * key). */
void command_dialog_arg_values(const command_dialog *d, const char **values);
const char *command_dialog_reason(const command_dialog *d);
/* The call and the reason as they are signed (stripped): "SwitchMode(NewMode=MANUAL)". */
void command_dialog_call_text(const command_dialog *d, char *out, size_t size);
void command_dialog_reason_text(const command_dialog *d, char *out, size_t size);
/* The passphrase typed in the DLG_PASSPHRASE stage; wipe it once used. */
const char *command_dialog_passphrase(const command_dialog *d);
void command_dialog_wipe_passphrase(command_dialog *d);

/* A line under the title saying who signs ("as alice, key d3bd75fc...", or that the key is
 * locked and its passphrase comes next). Copied. */
void command_dialog_set_signer(command_dialog *d, const char *text);
/* A problem to show until the next key (wrong passphrase, missing reason, ...). */
void command_dialog_set_error(command_dialog *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Show the review of cmd, which the dialog takes over (freed on close or on going back to the
 * form). policy_note says what the trust store thinks (policy_ok false: a warning). */
void command_dialog_review(command_dialog *d, ofc_signed_command *cmd, const char *topic,
                           const char *operator_id, const char *key_id, const char *policy_note,
                           bool policy_ok, int64_t signed_mono_us);
/* The record on review (NULL outside REVIEW) and when it was signed (monotonic us). */
const ofc_signed_command *command_dialog_signed(const command_dialog *d);
int64_t command_dialog_signed_mono(const command_dialog *d);

/* Draw into the rectangle; the cursor pointers get where the terminal cursor rests (-1: hidden).
 * ctx gives the model (current values), the clock and the display options. */
void command_dialog_draw(command_dialog *d, const tui_ctx *ctx, int y, int x, int height, int width,
                         int *cursor_y, int *cursor_x);

#endif
