/* test_tui_commands: the console's command side without a terminal: the wording of command
 * states (SENT only with a partition and offset, FAILED "never sent"), calls and what a method
 * obviously affects (cmd_format); the audit view's filters, statuses and live matching on real
 * entries judged by the core's audit; the record wrap that the review relies on (joined lines
 * give the record back byte for byte); the status line saying who commands (or read-only); and
 * the command dialog's keys: a form built from the method's advertised arguments, the required
 * reason, the passphrase typed without being kept, and a review that only `y` confirms (F2, which
 * finishes the form, pressed twice must not send an unreviewed record). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "asset_model.h"
#include "audit.h"
#include "cell_format.h"
#include "cmd_format.h"
#include "command.h"
#include "command_dialog.h"
#include "command_line.h"
#include "op_key.h"
#include "status_line.h"
#include "timeutil.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    setenv("TZ", "UTC", 1);
    snprintf(dir, sizeof dir, "/tmp/ofc-test-tuicmd-XXXXXX");
    return mkdtemp(dir) && ofc_crypto_init() ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- command states ---- */

static ofc_cmd_status status(ofc_cmd_state state, int32_t partition, int64_t offset,
                             const char *detail)
{
    ofc_cmd_status st;
    memset(&st, 0, sizeof st);
    snprintf(st.correlation_id, sizeof st.correlation_id, "9614b622-0000-4000-8000-000000000001");
    snprintf(st.target, sizeof st.target, "TEMP-CTRL-001");
    snprintf(st.method, sizeof st.method, "SwitchMode");
    st.state = state;
    st.partition = partition;
    st.offset = offset;
    snprintf(st.detail, sizeof st.detail, "%s", detail);
    return st;
}

static void test_state_wording(void **state)
{
    char buf[512];
    ofc_cmd_status st = status(OFC_CMD_PENDING, -1, -1, "");
    cmdf_state_detail(&st, buf, sizeof buf);
    assert_string_equal(buf, "");
    cmdf_state_message(&st, buf, sizeof buf);
    assert_string_equal(buf,
                        "SwitchMode on TEMP-CTRL-001: PENDING (waiting for the broker's delivery "
                        "report)");
    assert_int_equal(cmdf_state_role(OFC_CMD_PENDING), CF_ROLE_DIM);

    st = status(OFC_CMD_SENT, 3, 1842, "");
    cmdf_state_detail(&st, buf, sizeof buf);
    assert_string_equal(buf, "partition 3 offset 1842");
    cmdf_state_message(&st, buf, sizeof buf);
    assert_string_equal(buf, "SwitchMode on TEMP-CTRL-001: SENT partition 3 offset 1842");

    st = status(OFC_CMD_EXECUTED, 3, 1842, "verified");
    cmdf_state_detail(&st, buf, sizeof buf);
    assert_string_equal(buf, "verified  partition 3 offset 1842");
    cmdf_state_message(&st, buf, sizeof buf);
    assert_string_equal(buf, "SwitchMode on TEMP-CTRL-001: EXECUTED (verified)");
    assert_int_equal(cmdf_state_role(OFC_CMD_EXECUTED), CF_ROLE_NORMAL);

    st = status(OFC_CMD_REJECTED, 0, 7, "policy_denied: the method is not allowed for this key");
    cmdf_state_message(&st, buf, sizeof buf);
    assert_string_equal(buf, "SwitchMode on TEMP-CTRL-001: REJECTED (policy_denied: the method "
                             "is not allowed for this key)");
    assert_int_equal(cmdf_state_role(OFC_CMD_REJECTED), CF_ROLE_FAULT);

    /* FAILED never claims a partition, even if one were somehow set. */
    st = status(OFC_CMD_FAILED, 2, 10, "Local: Message timed out");
    cmdf_state_detail(&st, buf, sizeof buf);
    assert_string_equal(buf, "Local: Message timed out");
    cmdf_state_message(&st, buf, sizeof buf);
    assert_string_equal(
        buf, "SwitchMode on TEMP-CTRL-001: FAILED, never sent (Local: Message timed out)");
    assert_int_equal(cmdf_state_role(OFC_CMD_FAILED), CF_ROLE_FAULT);
    assert_int_equal(cmdf_state_role(OFC_CMD_TIMEOUT), CF_ROLE_WARNING);

    /* A small buffer cuts, never overflows. */
    char small[12];
    cmdf_state_message(&st, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_call_text_and_affects(void **state)
{
    char buf[256];
    const char *names[] = {"NewMode", "Ramp"}, *values[] = {"MANUAL", "5"};
    cmdf_call_text("SwitchMode", 2, names, values, buf, sizeof buf);
    assert_string_equal(buf, "SwitchMode(NewMode=MANUAL, Ramp=5)");
    cmdf_call_text("Calibrate", 0, NULL, NULL, buf, sizeof buf);
    assert_string_equal(buf, "Calibrate()");
    char tiny[8];
    cmdf_call_text("SwitchMode", 2, names, values, tiny, sizeof tiny);
    assert_string_equal(tiny, "SwitchM");

    const char *nm[] = {"NewMode"}, *code[] = {"Code"};
    /* An argument named after the attribute, with or without New/Target/Set. */
    assert_true(cmdf_affects("SwitchMode", 1, nm, "mode"));
    assert_true(cmdf_affects("SwitchMode", 1, nm, "Mode"));
    assert_true(cmdf_affects("GenerateCode", 1, code, "last_code"));
    /* The method without its verb, or its last word, also as the end of an ID. */
    assert_true(cmdf_affects("SetManualMode", 0, NULL, "simulation_mode"));
    assert_true(cmdf_affects("SetSetpoint", 0, NULL, "setpoint"));
    /* Nothing named so: nothing claimed. */
    assert_false(cmdf_affects("SwitchMode", 1, nm, "current_temp"));
    assert_false(cmdf_affects("SwitchMode", 1, nm, "model")); /* "mode" is not a prefix match */
    assert_false(cmdf_affects("ResetController", 0, NULL, "output"));
    assert_false(cmdf_affects("ResetController", 0, NULL, "TemperatureController_event"));
    assert_false(cmdf_affects("Calibrate", 0, NULL, "calibrate"));
    assert_false(cmdf_affects("SwitchMode", 1, nm, ""));
    const char *one[] = {"X"};
    assert_false(cmdf_affects("Go", 1, one, "x")); /* one-letter names match nothing */
}

/* ---- the audit ---- */

static ofc_op_key *make_key(const char *operator_id)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s.key", dir, operator_id);
    assert_int_equal(ofc_op_key_generate(operator_id, path, NULL, err, sizeof err), OFC_OK);
    ofc_op_key *key = NULL;
    assert_int_equal(ofc_op_key_load(path, NULL, &key, err, sizeof err), OFC_OK);
    return key;
}

static void add_signed(ofc_audit *audit, const ofc_op_key *key, const char *target,
                       const char *mode, const char *reason, int64_t now_us, int64_t offset)
{
    const char *names[] = {"NewMode"}, *values[] = {mode};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(key, target, "SwitchMode", 1, names, values, reason, now_us,
                                      &cmd, err, sizeof err),
                     OFC_OK);
    ofc_origin o = {OFC_ORIGIN_STREAM, 0, offset, now_us / 1000};
    ofc_audit_add_record(audit, cmd.target, strlen(cmd.target), cmd.record, cmd.record_len, &o);
    ofc_signed_command_fini(&cmd);
}

static void test_audit_filters_and_statuses(void **state)
{
    ofc_op_key *alice = make_key("alice"), *bob = make_key("bob");
    char err[256];
    /* alice is trusted for everything; bob only for ResetController. */
    char trust_text[1024], a_line[256], b_line[256];
    ofc_trust_line(ofc_op_key_public(alice), "alice", a_line, sizeof a_line);
    ofc_trust_line(ofc_op_key_public(bob), "bob", b_line, sizeof b_line);
    snprintf(trust_text, sizeof trust_text,
             "%s roles=operator methods=* assets=*\n%s roles=operator methods=ResetController "
             "assets=*\n",
             a_line, b_line);
    ofc_trust *trust = NULL;
    assert_int_equal(ofc_trust_parse(trust_text, strlen(trust_text), "t", &trust, err, sizeof err),
                     OFC_OK);
    ofc_audit *audit = ofc_audit_new(trust, NULL, 0);
    int64_t t0 = 1700000000LL * 1000000;
    add_signed(audit, alice, "PID-1", "MANUAL", "hold", t0, 1);
    add_signed(audit, bob, "PID-1", "AUTO", "mine now", t0 + 60 * 1000000LL, 2);
    add_signed(audit, alice, "PID-2", "AUTO", "", t0 + 3600 * 1000000LL, 3);
    const char *unsigned_rec =
        "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"{\\\"header\\\":{\\\"correlation_id\\\":"
        "\\\"11111111-2222-4333-8444-555555555555\\\",\\\"sender_uuid\\\":\\\"eve\\\","
        "\\\"timestamp\\\":\\\"2023-11-14T22:13:20.000000Z\\\",\\\"signature\\\":null},"
        "\\\"arguments\\\":{\\\"NewMode\\\":\\\"AUTO\\\"}}\",\"TAG\":\"Method.Command\","
        "\"TYPE\":\"OpenFactory\",\"attributes\":{\"timestamp\":\"2023-11-14T22:13:20.000Z\"}}";
    ofc_origin o = {OFC_ORIGIN_STREAM, 1, 4, t0 / 1000};
    ofc_audit_add_record(audit, "PID-1", 5, unsigned_rec, strlen(unsigned_rec), &o);
    assert_int_equal(ofc_audit_count(audit), 4);

    char buf[128];
    const ofc_audit_entry *e0 = ofc_audit_at(audit, 0), *e1 = ofc_audit_at(audit, 1);
    const ofc_audit_entry *e2 = ofc_audit_at(audit, 2), *e3 = ofc_audit_at(audit, 3);
    assert_int_equal(cmdf_audit_status(e0, buf, sizeof buf), CF_ROLE_NORMAL);
    assert_string_equal(buf, "valid");
    assert_int_equal(cmdf_audit_status(e1, buf, sizeof buf), CF_ROLE_FAULT);
    assert_string_equal(buf, "invalid: policy_denied (method)");
    assert_string_equal(cmdf_audit_why(e1), "the method is not allowed for this key");
    assert_int_equal(cmdf_audit_status(e3, buf, sizeof buf), CF_ROLE_WARNING);
    assert_string_equal(buf, "unsigned");

    /* Filters: parsed, described, applied. */
    cmdf_audit_filter f;
    assert_true(cmdf_audit_filter_parse("", t0, &f, err, sizeof err));
    assert_true(cmdf_audit_filter_empty(&f));
    assert_true(cmdf_audit_entry_matches(e2, &f, ""));
    assert_true(
        cmdf_audit_filter_parse("  operator=alice   asset=PID-1 ", t0, &f, err, sizeof err));
    cmdf_audit_filter_describe(&f, buf, sizeof buf);
    assert_string_equal(buf, "operator=alice asset=PID-1");
    assert_true(cmdf_audit_entry_matches(e0, &f, NULL));
    assert_false(cmdf_audit_entry_matches(e1, &f, NULL)); /* bob */
    assert_false(cmdf_audit_entry_matches(e2, &f, NULL)); /* PID-2 */
    /* since=: a duration before now, or a time; until= too. */
    int64_t now = t0 + 2 * 3600 * 1000000LL;
    assert_true(cmdf_audit_filter_parse("since=90m", now, &f, err, sizeof err));
    assert_int_equal(f.since_us, now - 90 * 60 * 1000000LL);
    assert_false(cmdf_audit_entry_matches(e0, &f, NULL));
    assert_true(cmdf_audit_entry_matches(e2, &f, NULL));
    assert_true(
        cmdf_audit_filter_parse("op=bob until=2023-11-14T22:15:00Z", now, &f, err, sizeof err));
    cmdf_audit_filter_describe(&f, buf, sizeof buf);
    assert_string_equal(buf, "operator=bob until=2023-11-14T22:15:00Z");
    assert_true(cmdf_audit_entry_matches(e1, &f, NULL));
    assert_true(cmdf_audit_filter_parse("since=beginning target=PID-2", now, &f, err, sizeof err));
    assert_int_equal(f.since_us, 0);
    assert_true(cmdf_audit_entry_matches(e2, &f, NULL));
    /* Errors name what was wrong, and leave the filter as it was. */
    cmdf_audit_filter keep = f;
    assert_false(cmdf_audit_filter_parse("operator=alice colour=red", now, &f, err, sizeof err));
    assert_non_null(strstr(err, "unknown filter \"colour\""));
    assert_int_equal(memcmp(&keep, &f, sizeof f), 0);
    assert_false(cmdf_audit_filter_parse("alice", now, &f, err, sizeof err));
    assert_non_null(strstr(err, "\"alice\""));
    assert_false(cmdf_audit_filter_parse("since=yesterday", now, &f, err, sizeof err));
    assert_non_null(strstr(err, "since=yesterday"));
    assert_false(cmdf_audit_filter_parse("asset=", now, &f, err, sizeof err));

    /* The live filter: operator, target, method, arguments, reason, status, verdict. */
    memset(&f, 0, sizeof f);
    assert_true(cmdf_audit_entry_matches(e1, &f, "POLICY"));
    assert_true(cmdf_audit_entry_matches(e1, &f, "mine now"));
    assert_true(cmdf_audit_entry_matches(e0, &f, "manual"));
    assert_true(cmdf_audit_entry_matches(e3, &f, "unsigned"));
    assert_true(cmdf_audit_entry_matches(e3, &f, "eve"));
    assert_false(cmdf_audit_entry_matches(e0, &f, "bob"));

    ofc_audit_destroy(audit);
    ofc_trust_destroy(trust);
    ofc_op_key_destroy(alice);
    ofc_op_key_destroy(bob);
}

/* ---- the review's wrap, the status line ---- */

static void test_wrap_gives_the_text_back(void **state)
{
    const char *text = "{\"ID\":\"SwitchMode_CMD\",\"ofc_reason\":\"été à l'usine\"}";
    char joined[256] = "";
    int lines = 0;
    for (const char *p = text; *p; lines++) {
        size_t n = cf_wrap(p, 10, false);
        assert_true(n > 0);
        char piece[64];
        snprintf(piece, sizeof piece, "%.*s", (int)n, p);
        assert_true(cf_width(piece, false) <= 10);
        strncat(joined, p, n);
        p += n;
    }
    assert_string_equal(joined, text);
    assert_true(lines > 1);
    /* Never a character split; a wide character that does not fit goes to the next line. */
    assert_int_equal(cf_wrap("ab\xe7\x95\x8c", 3, false), 2);
    assert_int_equal(cf_wrap("\xe7\x95\x8c", 1, false), 3); /* progress on a too-narrow width */
    assert_int_equal(cf_wrap("", 5, false), 0);
}

static void test_status_line_says_who(void **state)
{
    ofc_feed_status st;
    memset(&st, 0, sizeof st);
    st.connected = st.ever_connected = st.caught_up = true;
    st.state_since_us = 1700000000LL * 1000000;
    status_view v = status_view_from(&st, "k1:9092", st.state_since_us + 5000000, true, true);
    v.who = "read-only";
    char left[512], right[256];
    bool bad;
    status_line_format(&v, 120, left, sizeof left, right, sizeof right, &bad);
    assert_string_equal(right, "read-only | 22:13:25 UTC ");
    v.who = "as alice";
    status_line_format(&v, 80, left, sizeof left, right, sizeof right, &bad);
    assert_string_equal(right, "as alice | 22:13:25 UTC ");
    assert_true(cf_width(left, true) + cf_width(right, true) <= 80);
}

/* ---- the dialog's keys ---- */

static tui_key ch(unsigned c)
{
    return (tui_key){TUI_KEY_CHAR, c, false};
}

static tui_key code(int k)
{
    return (tui_key){k, 0, false};
}

static void type(command_dialog *d, const char *s)
{
    for (; *s; s++) {
        tui_key k = ch((unsigned char)*s);
        assert_int_equal(command_dialog_key(d, &k), DLG_EV_NONE);
    }
}

static dlg_event key(command_dialog *d, int k)
{
    tui_key tk = code(k);
    return command_dialog_key(d, &tk);
}

static ofc_model *plant(void)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event ev;
    memset(&ev, 0, sizeof ev);
    ev.asset_uuid = (ofc_str){"PID-1", 5};
    ev.id = (ofc_str){"SwitchMode", 10};
    ev.type = OFC_TYPE_METHOD;
    ev.type_text = (ofc_str){"Method", 6};
    ev.tag = (ofc_str){"Method", 6};
    ev.value_kind = OFC_VALUE_STRING;
    const char *contract = "{\"description\": \"Switch the mode\", \"arguments\": [{\"name\": "
                           "\"NewMode\", \"description\": \"AUTO or MANUAL\"}, {\"name\": "
                           "\"Ramp\", \"description\": \"seconds\"}]}";
    ev.value = (ofc_str){contract, strlen(contract)};
    ev.timestamp_us = 1000000;
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
    const char *none = "{\"description\": \"Recentre\", \"arguments\": []}";
    ev.id = (ofc_str){"Calibrate", 9};
    ev.value = (ofc_str){none, strlen(none)};
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
    return m;
}

/* A field that is full says so (CL_FULL) instead of dropping keys without a word: a reason cut
 * short would be signed as if the operator meant it. */
static void test_command_line_says_when_full(void **state)
{
    command_line *cl = command_line_new("reason: ", 4);
    command_line_begin(cl, NULL);
    tui_key x = ch('x'), e = ch(0xe9); /* 'é' is two bytes */
    int edited = 0, full = 0;
    for (int i = 0; i < COMMAND_LINE_MAX + 10; i++) {
        cl_result r = command_line_key(cl, &x);
        edited += r == CL_EDITED;
        full += r == CL_FULL;
    }
    assert_int_equal(edited, COMMAND_LINE_MAX);
    assert_int_equal(full, 10);
    assert_int_equal(strlen(command_line_text(cl)), COMMAND_LINE_MAX);
    tui_key bs = code(TUI_KEY_BACKSPACE);
    assert_int_equal(command_line_key(cl, &bs), CL_EDITED);
    assert_int_equal(command_line_key(cl, &e), CL_FULL); /* one byte free, two needed */
    assert_int_equal(command_line_key(cl, &x), CL_EDITED);
    command_line_destroy(cl);
}

static void test_dialog_form_passphrase_review(void **state)
{
    ofc_model *m = plant();
    const ofc_asset *a = ofc_model_find_asset(m, "PID-1");
    command_dialog *d = command_dialog_new(a, ofc_asset_find_attr(a, "SwitchMode"));
    assert_int_equal(command_dialog_stage(d), DLG_FORM);
    assert_string_equal(command_dialog_target(d), "PID-1");
    assert_string_equal(command_dialog_method(d), "SwitchMode");
    assert_int_equal(command_dialog_arg_count(d), 2);
    assert_string_equal(command_dialog_arg_names(d)[0], "NewMode");
    assert_string_equal(command_dialog_arg_names(d)[1], "Ramp");

    /* Fields in order; Enter goes on; Up comes back; editing keys work in a field. */
    type(d, "MANUALX");
    assert_int_equal(key(d, TUI_KEY_BACKSPACE), DLG_EV_NONE);
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE);
    type(d, "5");
    assert_int_equal(key(d, TUI_KEY_TAB), DLG_EV_NONE);
    /* The reason is required: Enter on an empty one does not submit, F2 neither. */
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE);
    assert_int_equal(key(d, TUI_KEY_F2), DLG_EV_NONE);
    type(d, "   ");
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE);
    type(d, "hold for maintenance");
    assert_int_equal(key(d, TUI_KEY_UP), DLG_EV_NONE);
    assert_int_equal(key(d, TUI_KEY_UP), DLG_EV_NONE);
    assert_int_equal(key(d, TUI_KEY_UP), DLG_EV_NONE); /* stays on the first */
    type(d, "!");
    const char *values[2];
    command_dialog_arg_values(d, values);
    assert_string_equal(values[0], "MANUAL!");
    assert_string_equal(values[1], "5");
    assert_string_equal(command_dialog_reason(d), "   hold for maintenance");
    /* Shown as signed: stripped as the receiver strips. */
    char text[256];
    command_dialog_call_text(d, text, sizeof text);
    assert_string_equal(text, "SwitchMode(NewMode=MANUAL!, Ramp=5)");
    command_dialog_reason_text(d, text, sizeof text);
    assert_string_equal(text, "hold for maintenance");
    cmdf_stripped(" \xc2\xa0 x y\t", text, sizeof text); /* a no-break space too */
    assert_string_equal(text, "x y");
    /* F2 finishes from any field once the reason is there. */
    assert_int_equal(key(d, TUI_KEY_F2), DLG_EV_SUBMIT);

    /* The passphrase: UTF-8, Backspace takes a whole character, ^U clears, wipe empties. */
    command_dialog_set_stage(d, DLG_PASSPHRASE);
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE); /* nothing typed */
    type(d, "p");
    tui_key e_acute = ch(0xe9);
    assert_int_equal(command_dialog_key(d, &e_acute), DLG_EV_NONE);
    assert_string_equal(command_dialog_passphrase(d), "p\xc3\xa9");
    assert_int_equal(key(d, TUI_KEY_BACKSPACE), DLG_EV_NONE);
    assert_string_equal(command_dialog_passphrase(d), "p");
    tui_key ctrl_u = {TUI_KEY_CHAR, 'u', true};
    command_dialog_key(d, &ctrl_u);
    assert_string_equal(command_dialog_passphrase(d), "");
    type(d, "secret");
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_UNLOCK);
    command_dialog_wipe_passphrase(d);
    assert_string_equal(command_dialog_passphrase(d), "");
    command_dialog_set_stage(d, DLG_UNLOCKING);
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE); /* keys wait for the unlock */

    /* The review: only y confirms; e goes back to the form and drops the record. */
    ofc_op_key *k = make_key("carol");
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(k, "PID-1", "SwitchMode", 2, command_dialog_arg_names(d),
                                      values, command_dialog_reason(d), ofc_time_now_us(), &cmd,
                                      err, sizeof err),
                     OFC_OK);
    command_dialog_review(d, &cmd, "ofa_assets", "carol", ofc_op_key_id(k), "allowed", true, 42);
    assert_null(cmd.record); /* taken over */
    assert_int_equal(command_dialog_stage(d), DLG_REVIEW);
    assert_non_null(command_dialog_signed(d));
    assert_int_equal(command_dialog_signed_mono(d), 42);
    assert_non_null(strstr(command_dialog_signed(d)->record, "\"ofc_reason\":\"hold for "));
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE);
    assert_int_equal(key(d, TUI_KEY_DOWN), DLG_EV_NONE);
    type(d, "jk");
    tui_key e = ch('e');
    assert_int_equal(command_dialog_key(d, &e), DLG_EV_NONE);
    assert_int_equal(command_dialog_stage(d), DLG_FORM);
    assert_null(command_dialog_signed(d));

    assert_int_equal(ofc_command_sign(k, "PID-1", "SwitchMode", 2, command_dialog_arg_names(d),
                                      values, command_dialog_reason(d), ofc_time_now_us(), &cmd,
                                      err, sizeof err),
                     OFC_OK);
    command_dialog_review(d, &cmd, "ofa_assets", "carol", ofc_op_key_id(k), "allowed", true, 43);
    tui_key y = ch('y'), n = ch('n');
    assert_int_equal(command_dialog_key(d, &y), DLG_EV_CONFIRM);
    assert_int_equal(key(d, TUI_KEY_F2), DLG_EV_NONE); /* F2 F2 from the form: no send */
    assert_int_equal(command_dialog_key(d, &n), DLG_EV_CANCEL);
    assert_int_equal(key(d, TUI_KEY_ESC), DLG_EV_CANCEL);
    command_dialog_destroy(d); /* frees the record on review */

    /* A method without arguments: the reason is the only field. */
    d = command_dialog_new(a, ofc_asset_find_attr(a, "Calibrate"));
    assert_int_equal(command_dialog_arg_count(d), 0);
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_NONE);
    type(d, "drift");
    assert_int_equal(key(d, TUI_KEY_ENTER), DLG_EV_SUBMIT);
    assert_string_equal(command_dialog_reason(d), "drift");
    command_dialog_destroy(d);
    ofc_op_key_destroy(k);
    ofc_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_wording),
        cmocka_unit_test(test_call_text_and_affects),
        cmocka_unit_test(test_audit_filters_and_statuses),
        cmocka_unit_test(test_wrap_gives_the_text_back),
        cmocka_unit_test(test_status_line_says_who),
        cmocka_unit_test(test_command_line_says_when_full),
        cmocka_unit_test(test_dialog_form_passphrase_review),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
