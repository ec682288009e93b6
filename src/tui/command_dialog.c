/* command_dialog: form, passphrase and review of one command (see command_dialog.h). */
#include "command_dialog.h"

#include "cell_format.h"
#include "cmd_format.h"
#include "command_line.h"
#include "commander.h"
#include "text_panel.h"
#include "xmalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS_MAX   512
#define MAX_SHOWN  6 /* attributes listed as affected */
#define LABEL_MAX  24
#define REASON_TAG "Reason"

struct command_dialog {
    dlg_stage stage;
    char *target, *method, *method_desc;
    size_t nargs;
    char **arg_names, **arg_descs;
    command_line **fields; /* nargs + 1: the reason is last */
    size_t focus;
    char pass[PASS_MAX];
    size_t pass_len;
    char signer[256];
    char error[512];
    /* review */
    ofc_signed_command cmd;
    bool has_cmd;
    char *topic, *operator_id, *key_id, *policy_note;
    bool policy_ok;
    int64_t signed_mono;
    int scroll; /* first review line shown */
    tui_lines lines;
};

command_dialog *command_dialog_new(const ofc_asset *asset, const ofc_attr *method)
{
    command_dialog *d = xcalloc(1, sizeof *d);
    d->target = xstrdup(ofc_asset_uuid(asset));
    d->method = xstrdup(ofc_attr_id(method));
    const char *desc = ofc_attr_method_description(method);
    d->method_desc = xstrdup(desc ? desc : "");
    d->nargs = ofc_attr_method_arg_count(method);
    if (d->nargs > OFC_CMD_MAX_ARGS)
        d->nargs = OFC_CMD_MAX_ARGS;
    d->arg_names = xcalloc(d->nargs + 1, sizeof *d->arg_names);
    d->arg_descs = xcalloc(d->nargs + 1, sizeof *d->arg_descs);
    d->fields = xcalloc(d->nargs + 1, sizeof *d->fields);
    for (size_t i = 0; i < d->nargs; i++) {
        const char *n = ofc_attr_method_arg_name(method, i);
        const char *ad = ofc_attr_method_arg_description(method, i);
        d->arg_names[i] = xstrdup(n ? n : "");
        d->arg_descs[i] = xstrdup(ad ? ad : "");
    }
    for (size_t i = 0; i <= d->nargs; i++)
        d->fields[i] = command_line_new("", 1);
    return d;
}

static void drop_review(command_dialog *d)
{
    if (d->has_cmd)
        ofc_signed_command_fini(&d->cmd);
    d->has_cmd = false;
    OFC_FREE(d->topic);
    OFC_FREE(d->operator_id);
    OFC_FREE(d->key_id);
    OFC_FREE(d->policy_note);
    d->scroll = 0;
}

void command_dialog_destroy(command_dialog *d)
{
    if (!d)
        return;
    command_dialog_wipe_passphrase(d);
    drop_review(d);
    for (size_t i = 0; i < d->nargs; i++) {
        free(d->arg_names[i]);
        free(d->arg_descs[i]);
    }
    for (size_t i = 0; i <= d->nargs; i++)
        command_line_destroy(d->fields[i]);
    free(d->arg_names);
    free(d->arg_descs);
    free(d->fields);
    free(d->target);
    free(d->method);
    free(d->method_desc);
    tui_lines_fini(&d->lines);
    free(d);
}

dlg_stage command_dialog_stage(const command_dialog *d)
{
    return d->stage;
}

void command_dialog_set_stage(command_dialog *d, dlg_stage stage)
{
    if (stage == DLG_FORM)
        drop_review(d);
    if (stage == DLG_PASSPHRASE)
        command_dialog_wipe_passphrase(d);
    d->stage = stage;
}

const char *command_dialog_target(const command_dialog *d)
{
    return d->target;
}

const char *command_dialog_method(const command_dialog *d)
{
    return d->method;
}

size_t command_dialog_arg_count(const command_dialog *d)
{
    return d->nargs;
}

const char *const *command_dialog_arg_names(const command_dialog *d)
{
    return (const char *const *)d->arg_names;
}

void command_dialog_arg_values(const command_dialog *d, const char **values)
{
    for (size_t i = 0; i < d->nargs; i++)
        values[i] = command_line_text(d->fields[i]);
}

const char *command_dialog_reason(const command_dialog *d)
{
    return command_line_text(d->fields[d->nargs]);
}

void command_dialog_call_text(const command_dialog *d, char *out, size_t size)
{
    char **values = xcalloc(d->nargs + 1, sizeof *values);
    for (size_t i = 0; i < d->nargs; i++) {
        const char *v = command_line_text(d->fields[i]);
        size_t n = strlen(v) + 1;
        values[i] = xmalloc(n);
        cmdf_stripped(v, values[i], n);
    }
    cmdf_call_text(d->method, d->nargs, (const char *const *)d->arg_names,
                   (const char *const *)values, out, size);
    for (size_t i = 0; i < d->nargs; i++)
        free(values[i]);
    free(values);
}

void command_dialog_reason_text(const command_dialog *d, char *out, size_t size)
{
    cmdf_stripped(command_dialog_reason(d), out, size);
}

const char *command_dialog_passphrase(const command_dialog *d)
{
    return d->pass;
}

void command_dialog_wipe_passphrase(command_dialog *d)
{
    sodium_memzero(d->pass, sizeof d->pass);
    d->pass_len = 0;
}

void command_dialog_set_signer(command_dialog *d, const char *text)
{
    snprintf(d->signer, sizeof d->signer, "%s", text);
}

void command_dialog_set_error(command_dialog *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error, sizeof d->error, fmt, ap);
    va_end(ap);
}

void command_dialog_review(command_dialog *d, ofc_signed_command *cmd, const char *topic,
                           const char *operator_id, const char *key_id, const char *policy_note,
                           bool policy_ok, int64_t signed_mono_us)
{
    drop_review(d);
    d->cmd = *cmd;
    memset(cmd, 0, sizeof *cmd);
    d->has_cmd = true;
    d->topic = xstrdup(topic);
    d->operator_id = xstrdup(operator_id);
    d->key_id = xstrdup(key_id);
    d->policy_note = xstrdup(policy_note);
    d->policy_ok = policy_ok;
    d->signed_mono = signed_mono_us;
    d->stage = DLG_REVIEW;
}

const ofc_signed_command *command_dialog_signed(const command_dialog *d)
{
    return d->stage == DLG_REVIEW && d->has_cmd ? &d->cmd : NULL;
}

int64_t command_dialog_signed_mono(const command_dialog *d)
{
    return d->signed_mono;
}

/* ---- keys ---- */

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

static dlg_event form_key(command_dialog *d, const tui_key *key)
{
    size_t last = d->nargs;
    switch (key->code) {
    case TUI_KEY_ESC: return DLG_EV_CANCEL;
    case TUI_KEY_TAB:
    case TUI_KEY_DOWN:
        if (d->focus < last)
            d->focus++;
        return DLG_EV_NONE;
    case TUI_KEY_BTAB:
    case TUI_KEY_UP:
        if (d->focus > 0)
            d->focus--;
        return DLG_EV_NONE;
    case TUI_KEY_ENTER:
        if (d->focus < last) {
            d->focus++;
            return DLG_EV_NONE;
        }
        break; /* Enter on the reason: the form is done */
    case TUI_KEY_F2: break;
    default:
        if (command_line_key(d->fields[d->focus], key) == CL_FULL)
            command_dialog_set_error(d, "%s is full (%d bytes): nothing more is typed",
                                     d->focus == last ? "the reason" : "this argument",
                                     COMMAND_LINE_MAX);
        return DLG_EV_NONE;
    }
    if (blank(command_dialog_reason(d))) {
        d->focus = last;
        command_dialog_set_error(d, "a reason is required: it is signed with the command and "
                                    "kept in the audit");
        return DLG_EV_NONE;
    }
    return DLG_EV_SUBMIT;
}

static dlg_event pass_key(command_dialog *d, const tui_key *key)
{
    switch (key->code) {
    case TUI_KEY_ESC: return DLG_EV_CANCEL;
    case TUI_KEY_ENTER:
        if (d->pass_len == 0) {
            command_dialog_set_error(d, "type the key's passphrase, then Enter (Esc cancels)");
            return DLG_EV_NONE;
        }
        return DLG_EV_UNLOCK;
    case TUI_KEY_BACKSPACE:
        while (d->pass_len > 0) {
            unsigned char c = (unsigned char)d->pass[--d->pass_len];
            d->pass[d->pass_len] = '\0';
            if ((c & 0xc0) != 0x80)
                break;
        }
        return DLG_EV_NONE;
    case TUI_KEY_CHAR: break;
    default: return DLG_EV_NONE;
    }
    if (key->ctrl) {
        if (key->ch == 'u')
            command_dialog_wipe_passphrase(d);
        return DLG_EV_NONE;
    }
    char enc[4];
    size_t n = key->ch >= 0x20 ? cf_utf8_encode(key->ch, enc) : 0;
    if (n && d->pass_len + n < sizeof d->pass) {
        memcpy(d->pass + d->pass_len, enc, n);
        d->pass_len += n;
        d->pass[d->pass_len] = '\0';
    }
    sodium_memzero(enc, sizeof enc);
    return DLG_EV_NONE;
}

static dlg_event review_key(command_dialog *d, const tui_key *key)
{
    bool ch = key->code == TUI_KEY_CHAR && !key->ctrl;
    if (ch && (key->ch == 'y' || key->ch == 'Y'))
        return DLG_EV_CONFIRM;
    if (key->code == TUI_KEY_F2) {
        /* F2 finished the form: pressed twice it must not also send what nobody reviewed. */
        command_dialog_set_error(d, "F2 does not send: y sends this record, e edits, Esc cancels");
        return DLG_EV_NONE;
    }
    if (key->code == TUI_KEY_ESC || (ch && key->ch == 'n'))
        return DLG_EV_CANCEL;
    if (ch && key->ch == 'e') {
        command_dialog_set_stage(d, DLG_FORM);
        return DLG_EV_NONE;
    }
    if (key->code == TUI_KEY_ENTER) {
        /* The Enter that finished the form must not also send: confirming is a key of its own. */
        command_dialog_set_error(d, "Enter does not send: y sends this record, Esc cancels");
        return DLG_EV_NONE;
    }
    if (key->code == TUI_KEY_UP || (ch && key->ch == 'k'))
        d->scroll--;
    else if (key->code == TUI_KEY_DOWN || (ch && key->ch == 'j'))
        d->scroll++;
    else if (key->code == TUI_KEY_PGUP)
        d->scroll -= 10;
    else if (key->code == TUI_KEY_PGDN)
        d->scroll += 10;
    else if (key->code == TUI_KEY_HOME || (ch && key->ch == 'g'))
        d->scroll = 0;
    else if (key->code == TUI_KEY_END || (ch && key->ch == 'G'))
        d->scroll = 1 << 20;
    return DLG_EV_NONE; /* clamped when drawn */
}

dlg_event command_dialog_key(command_dialog *d, const tui_key *key)
{
    d->error[0] = '\0';
    switch (d->stage) {
    case DLG_FORM: return form_key(d, key);
    case DLG_PASSPHRASE: return pass_key(d, key);
    case DLG_UNLOCKING: return DLG_EV_NONE; /* Argon2id is about to run; keys wait for it */
    case DLG_REVIEW: return review_key(d, key);
    }
    return DLG_EV_NONE;
}

/* ---- drawing ---- */

static int label_width(const command_dialog *d, bool ascii)
{
    int w = cf_width(REASON_TAG, ascii);
    for (size_t i = 0; i < d->nargs; i++) {
        int aw = cf_width(d->arg_names[i], ascii);
        if (aw > w)
            w = aw;
    }
    return w > LABEL_MAX ? LABEL_MAX : w;
}

static void draw_form(command_dialog *d, const tui_ctx *ctx, int y, int x, int h, int w, int *cy,
                      int *cx)
{
    tui_crt *crt = ctx->crt;
    bool ascii = ctx->ascii;
    int bottom = y + h;
    char line[1024];
    snprintf(line, sizeof line, " Command  %s on %s", d->method, d->target);
    tui_crt_put(crt, y++, x, w, line, CF_ROLE_HEADER);
    if (d->method_desc[0] && y < bottom) {
        snprintf(line, sizeof line, "  %s", d->method_desc);
        tui_crt_put(crt, y++, x, w, line, CF_ROLE_DIM);
    }
    if (y < bottom) {
        snprintf(line, sizeof line, "  %s", d->signer);
        tui_crt_put(crt, y++, x, w, line, CF_ROLE_DIM);
    }
    y++;
    int lw = label_width(d, ascii);
    int fx = x + 3 + lw + 2, fw = w - (fx - x) - 1;
    /* Two lines a field (value, description); scroll so the focused one is in view. */
    int room = (bottom - y - 3) / 2;
    size_t first = room > 0 && d->focus >= (size_t)room ? d->focus - (size_t)room + 1 : 0;
    for (size_t i = first; i <= d->nargs && y + 1 < bottom - 2; i++) {
        bool focused = i == d->focus && d->stage == DLG_FORM;
        const char *label = i < d->nargs ? d->arg_names[i] : REASON_TAG;
        const char *desc = i < d->nargs ? d->arg_descs[i]
                                        : "required: why you send it (signed, kept in the audit)";
        tui_crt_put(crt, y, x, 3, focused ? (ascii ? " > " : " \xe2\x96\xb8 ") : "", CF_ROLE_INPUT);
        tui_crt_put(crt, y, x + 3, lw + 2, label, focused ? CF_ROLE_INPUT : CF_ROLE_NORMAL);
        int c = command_line_draw(d->fields[i], crt, y, fx, fw > 1 ? fw : 1);
        if (focused) {
            *cy = y;
            *cx = c;
        }
        y++;
        tui_crt_put(crt, y, x, w, "", CF_ROLE_NORMAL);
        tui_crt_put(crt, y++, fx, fw, desc && *desc ? desc : "", CF_ROLE_DIM);
    }
    if (y < bottom)
        tui_crt_put(crt, y++, x, w, "", CF_ROLE_NORMAL);
    if (d->stage == DLG_PASSPHRASE && y < bottom) {
        const char *prompt = " Passphrase (not shown as you type): ";
        tui_crt_put(crt, y, x, w, prompt, CF_ROLE_INPUT);
        *cy = y++;
        *cx = x + cf_width(prompt, ascii);
    } else if (d->stage == DLG_UNLOCKING && y < bottom) {
        tui_crt_put(crt, y++, x, w, " Unlocking the key (Argon2id)...", CF_ROLE_INPUT);
    }
    if (d->error[0] && y < bottom) {
        snprintf(line, sizeof line, " %s", d->error);
        tui_crt_put(crt, y++, x, w, line, CF_ROLE_ERROR);
    }
}

/* Prose breaks after a space when one is in the second half of the line (the record, by
 * contrast, is cut exactly: see tui_lines_add_wrapped). */
static size_t wrap_words(const char *text, int room, bool ascii)
{
    size_t n = cf_wrap(text, room, ascii);
    if (!text[n])
        return n;
    for (size_t k = n; k > n / 2; k--)
        if (text[k - 1] == ' ')
            return k;
    return n;
}

/* "  Label        value", the value wrapped under itself when it is long. */
static void add_labeled(tui_lines *l, cf_role role, const char *label, const char *text, int w,
                        bool ascii)
{
    enum { INDENT = 15 };
    int room = w - 1 - INDENT;
    bool first = true;
    if (room < 8)
        room = 8;
    do {
        size_t n = wrap_words(text, room, ascii);
        tui_lines_add(l, role, "  %-12s %.*s", first ? label : "", (int)n, text);
        text += n;
        first = false;
    } while (*text);
}

static void build_review(command_dialog *d, const tui_ctx *ctx, int w)
{
    tui_lines *l = &d->lines;
    bool ascii = ctx->ascii;
    char call[8192], reason[OFC_CMD_MAX_TEXT + 1];
    tui_lines_clear(l);
    command_dialog_call_text(d, call, sizeof call);
    command_dialog_reason_text(d, reason, sizeof reason);
    tui_lines_add(l, CF_ROLE_NORMAL, "  Operator     %s   key %s", d->operator_id, d->key_id);
    add_labeled(l, CF_ROLE_NORMAL, "Call", call, w, ascii);
    add_labeled(l, CF_ROLE_NORMAL, "Reason", reason, w, ascii);
    tui_lines_add(l, CF_ROLE_NORMAL, "%s", "");

    const ofc_asset *as = ofc_model_find_asset(ctx->model, d->target);
    if (!as) {
        tui_lines_add(l, CF_ROLE_WARNING, "  Now          %s is not in the console's model",
                      d->target);
    } else {
        bool stale = ofc_asset_stale(as, ctx->now_us, ctx->connected, ctx->stale_after_us);
        cf_state st = cf_state_from_model(ofc_asset_state(as), stale);
        const char *avail = ofc_asset_availability_text(as);
        tui_lines_add(l, cf_state_role(st), "  Now          %s %s   availability %s%s",
                      cf_state_glyph(st, ascii), cf_state_word(st), avail ? avail : "unknown",
                      stale ? "   (stale: the plant may have changed)" : "");
        int shown = 0;
        for (size_t i = 0; i < ofc_asset_attr_count(as) && shown < MAX_SHOWN; i++) {
            const ofc_attr *at = ofc_asset_attr_at(as, i);
            const char *id = ofc_attr_id(at);
            size_t n = strlen(id);
            if (ofc_attr_is_method(at) || (n > 4 && strcmp(id + n - 4, "_CMD") == 0) ||
                strcmp(id, OFC_OUTCOME_ATTR) == 0 ||
                !cmdf_affects(d->method, d->nargs, (const char *const *)d->arg_names, id))
                continue;
            cf_role vrole;
            const char *v = cf_attr_value(at, &vrole);
            char age[32];
            int64_t t =
                ofc_attr_timestamp_us(at) ? ofc_attr_timestamp_us(at) : ofc_attr_received_us(at);
            cf_age(age, sizeof age, ctx->now_us, t);
            tui_lines_add(l, vrole, "               %s = %s   (%s ago)", id, v, age);
            shown++;
        }
        if (!shown)
            tui_lines_add(l, CF_ROLE_DIM,
                          "               no attribute is named after %s or its arguments",
                          d->method);
    }
    add_labeled(l, d->policy_ok ? CF_ROLE_NORMAL : CF_ROLE_WARNING, "Policy", d->policy_note, w,
                ascii);
    tui_lines_add(l, CF_ROLE_NORMAL, "%s", "");
    tui_lines_add(l, CF_ROLE_NORMAL, "  Topic        %s", d->topic);
    tui_lines_add(l, CF_ROLE_NORMAL, "  Key          %s", d->cmd.target);
    tui_lines_add(l, CF_ROLE_NORMAL, "  Correlation  %s", d->cmd.correlation_id);
    tui_lines_add(l, CF_ROLE_SECTION, "  Record, exactly as it will be produced:");
    tui_lines_add_wrapped(l, CF_ROLE_NORMAL, 2, d->cmd.record, w - 1, ascii);
    tui_lines_add(l, CF_ROLE_NORMAL, "%s", "");
    tui_lines_add(l, CF_ROLE_INPUT,
                  "  y sends this record   e edits   Esc cancels (nothing is "
                  "sent)");
}

static void draw_review(command_dialog *d, const tui_ctx *ctx, int y, int x, int h, int w)
{
    tui_crt *crt = ctx->crt;
    char line[1024];
    snprintf(line, sizeof line, " Review  %s on %s: signed, not sent yet", d->method, d->target);
    tui_crt_put(crt, y++, x, w, line, CF_ROLE_HEADER);
    h--;
    build_review(d, ctx, w);
    int rows = d->error[0] ? h - 1 : h;
    int n = (int)d->lines.n;
    if (d->scroll > n - rows)
        d->scroll = n - rows;
    if (d->scroll < 0)
        d->scroll = 0;
    for (int r = 0; r < rows; r++) {
        int i = d->scroll + r;
        if (i < n)
            tui_crt_put(crt, y + r, x, w, d->lines.v[i].text, d->lines.v[i].role);
        else
            tui_crt_put(crt, y + r, x, w, "", CF_ROLE_NORMAL);
    }
    if (d->error[0]) {
        snprintf(line, sizeof line, " %s", d->error);
        tui_crt_put(crt, y + rows, x, w, line, CF_ROLE_ERROR);
    }
}

void command_dialog_draw(command_dialog *d, const tui_ctx *ctx, int y, int x, int height, int width,
                         int *cursor_y, int *cursor_x)
{
    *cursor_y = *cursor_x = -1;
    tui_crt_clear(ctx->crt, y, x, height, width, CF_ROLE_NORMAL);
    if (height < 2 || width < 10)
        return;
    if (d->stage == DLG_REVIEW && d->has_cmd)
        draw_review(d, ctx, y, x, height, width);
    else
        draw_form(d, ctx, y, x, height, width, cursor_y, cursor_x);
}
