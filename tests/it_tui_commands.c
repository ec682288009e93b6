/* it_tui_commands: identity-bound commands from the terminal console (issue 5 parts 4, 5, 8, 9),
 * with real processes: `ofc keygen` makes the operators' keys (alice's with a passphrase), the
 * virtual plant is a verifying executor (`ofc sim --trust`), `ofc broker` is the Kafka, and the
 * real `ofc tui` runs in tmux, driven by keys. Asserted, as an operator sees it:
 *   - without --key the console is read-only and says so (status line, methods section, legend,
 *     and on any attempt to send: no form opens);
 *   - a passphrase from $OFC_PASSPHRASE unlocks the key at start; a wrong --passphrase-file
 *     stops `ofc tui` before the screen, saying why;
 *   - a method opened with Enter shows a form from its advertised arguments plus a required
 *     reason; the passphrase is asked inside the console and never echoed; the review shows the
 *     topic, the key, the exact signed record and the current value of what it affects
 *     (`mode`); Enter does not send, `y` does; the command then shows EXECUTED, the plant's own
 *     truth file says the mode changed, and the record in the log is byte for byte the one the
 *     review showed;
 *   - the second command of the session asks no passphrase;
 *   - a key outside the trust policy is warned about in the review, and the plant's refusal
 *     shows REJECTED with its reason; the mode is unchanged;
 *   - with the broker down (SIGUSR1) a command ends FAILED and is never shown SENT;
 *   - the audit view lists every command record in the log with its status (valid, invalid and
 *     why, unsigned; unknown key without --trust), filters by operator and live text, and
 *     `:save` writes NDJSON whose signed records `ofc verify` finds valid;
 *   - `q` exits 0, which under the sanitizers also means no leak in the TUI process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"
#include "support/tmux_driver.h"

#include "timeutil.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIDTH      120
#define HEIGHT     40
#define PASSPHRASE "correct horse battery"
#define TARGET     "TEMP-CTRL-001"

static struct {
    proc broker, sim;
    char boot[256];
    char dir[64];
    char truth[128], trust[128], pass[128];
    char alice[128], mallory[128];
    char record1[4096]; /* the record alice's first review showed */
    char cid1[40];
} G;

/* ---- setup ---- */

static bool keygen(const char *operator_id, bool passphrase, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.key", G.dir, operator_id);
    char *argv[] = {OFC_BINARY,
                    "keygen",
                    "--operator",
                    (char *)operator_id,
                    passphrase ? "--passphrase-file" : "--no-passphrase",
                    passphrase ? G.pass : "--out",
                    passphrase ? "--out" : path,
                    passphrase ? path : NULL,
                    NULL};
    int st;
    free(proc_run(argv, NULL, 60000, &st));
    return st == 0;
}

static bool append_trust(const char *key_path, const char *grants)
{
    char pub[160], line[512];
    snprintf(pub, sizeof pub, "%s.pub", key_path);
    FILE *f = fopen(pub, "r");
    if (!f || !fgets(line, sizeof line, f))
        return false;
    fclose(f);
    line[strcspn(line, "\n")] = '\0';
    FILE *t = fopen(G.trust, "a");
    if (!t)
        return false;
    fprintf(t, "%s %s\n", line, grants);
    return fclose(t) == 0;
}

/* `ofc tui` in a new session; a shell records its exit status afterwards. OFC_PASSPHRASE is
 * removed so the console has to ask. */
static void start_tui(const char *session, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -u OFC_PASSPHRASE LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color %s tui -b %s "
             "%s; echo $? > %s/%s.exit",
             OFC_BINARY, G.boot, args, G.dir, session);
    tt_start(session, WIDTH, HEIGHT, cmd);
}

static int group_setup(void **state)
{
    unsetenv("OFC_PASSPHRASE");
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-it-tuicmd-XXXXXX");
    if (!mkdtemp(G.dir) || !tt_init(G.dir, "ofc-it-tuicmd"))
        return -1;
    snprintf(G.truth, sizeof G.truth, "%s/truth.json", G.dir);
    snprintf(G.trust, sizeof G.trust, "%s/trust", G.dir);
    snprintf(G.pass, sizeof G.pass, "%s/pass", G.dir);
    FILE *f = fopen(G.pass, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", PASSPHRASE);
    fclose(f);
    if (!keygen("alice", true, G.alice, sizeof G.alice) ||
        !keygen("mallory", false, G.mallory, sizeof G.mallory))
        return -1;
    /* alice may command the plant (by UNS subtree; the asset by name too, so `ofc verify
     * --stdin`, which knows no UNS paths, judges her records alike); mallory only
     * ResetController. */
    if (!append_trust(G.alice, "roles=operator methods=* uns=Demofactory assets=" TARGET) ||
        !append_trust(G.mallory, "roles=operator methods=ResetController uns=Demofactory"))
        return -1;
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    char *sim[] = {OFC_BINARY, "sim", "-b",      G.boot,  "--assets",     "6",     "--rate", "20",
                   "--seed",   "5",   "--trust", G.trust, "--truth-file", G.truth, NULL};
    if (!proc_spawn(&G.sim, sim, false, false))
        return -1;
    char args[512];
    snprintf(args, sizeof args, "--key %s --trust %s", G.alice, G.trust);
    start_tui("alice", args);
    start_tui("ro", "");
    return 0;
}

static int group_teardown(void **state)
{
    tt_fini();
    proc_stop(&G.sim, 10000);
    proc_stop(&G.broker, 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *read_text(const char *path);

/* ---- the plant's truth ---- */

/* The value the plant last wrote for uuid/id, as text (malloc'd), or NULL. */
static char *truth_value(const char *uuid, const char *id)
{
    json_t *truth = json_load_file(G.truth, 0, NULL);
    char *out = NULL;
    size_t i, j;
    json_t *a, *at;
    json_array_foreach(json_object_get(truth, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) != 0)
            continue;
        json_array_foreach(json_object_get(a, "attributes"), j, at)
        {
            const char *v = json_string_value(json_object_get(at, "value"));
            if (strcmp(json_string_value(json_object_get(at, "id")), id) == 0 && v)
                out = strdup(v);
        }
    }
    json_decref(truth);
    return out;
}

static bool truth_becomes(const char *uuid, const char *id, const char *want, int timeout_ms)
{
    long long end = proc_mono_ms() + timeout_ms;
    char *v = NULL;
    do {
        free(v);
        v = truth_value(uuid, id);
        if (v && strcmp(v, want) == 0) {
            free(v);
            return true;
        }
        proc_sleep_ms(250);
    } while (proc_mono_ms() < end);
    fprintf(stderr, "truth %s/%s is \"%s\", not \"%s\"\n", uuid, id, v ? v : "(none)", want);
    free(v);
    return false;
}

/* ---- the operator's flow, by keys ---- */

/* Show the asset, then walk up from its last row (the Methods section is last) opening each
 * method with Enter until the form is the wanted one. */
static void open_method(const char *s, const char *asset, const char *method)
{
    char cmd[128], head[128], want[160];
    snprintf(cmd, sizeof cmd, "asset %s", asset);
    snprintf(head, sizeof head, " %s  Device", asset);
    snprintf(want, sizeof want, " Command  %s on %s", method, asset);
    tt_command(s, cmd);
    assert_true(tt_wait_text(s, head, 60000));
    tt_keys(s, "G"); /* the last row: a method */
    assert_true(tt_wait_text(s, "Methods (", 30000));
    for (int tries = 0; tries < 6; tries++) {
        tt_keys(s, "Enter");
        assert_true(tt_wait_text(s, " Command  ", 10000));
        char *scr = tt_screen(s);
        bool found = scr && strstr(scr, want);
        free(scr);
        if (found)
            return;
        tt_keys(s, "Escape");
        assert_true(tt_wait_text(s, "Methods (", 10000));
        tt_keys(s, "k");
    }
    fail_msg("no method %s on %s", method, asset);
}

/* Type the one argument and the reason; Enter on the reason finishes the form. */
static void fill_form(const char *s, const char *value, const char *reason)
{
    tt_type(s, value);
    tt_keys(s, "Tab");
    tt_type(s, reason);
    tt_keys(s, "Enter");
}

/* The correlation id the review shows. */
static void review_cid(const char *scr, char *cid, size_t size)
{
    char line[512];
    assert_true(tt_line_with(scr, "  Correlation  ", line, sizeof line));
    const char *p = strstr(line, "Correlation") + strlen("Correlation");
    p += strspn(p, " ");
    snprintf(cid, size, "%.36s", p);
    assert_int_equal(strlen(cid), 36);
}

/* The record as the review shows it: the lines after its title, each indented 2 and cut at
 * WIDTH - 3 columns (cf_wrap, so rejoined they give the record back; capture-pane drops the
 * trailing spaces of a line, which are put back on every line but the last). */
static void review_record(const char *scr, char *out, size_t size)
{
    char line[512];
    int i = 0;
    out[0] = '\0';
    while (tt_line_at(scr, i, line, sizeof line) && !strstr(line, "Record, exactly as it will"))
        i++;
    char prev[512] = "";
    bool have_prev = false;
    for (i++; tt_line_at(scr, i, line, sizeof line) && line[0]; i++) {
        if (have_prev) {
            size_t n = strlen(prev);
            while (n < WIDTH - 3 && n + 1 < sizeof prev)
                prev[n++] = ' ';
            prev[n] = '\0';
            snprintf(out + strlen(out), size - strlen(out), "%s", prev);
        }
        assert_true(strncmp(line, "  ", 2) == 0);
        snprintf(prev, sizeof prev, "%s", line + 2);
        have_prev = true;
    }
    snprintf(out + strlen(out), size - strlen(out), "%s", prev);
}

typedef struct row_watch {
    const char *cid;
    const char *want; /* a state word */
    bool saw_sent;    /* SENT (or beyond) seen for this command at any poll */
    char row[512];
} row_watch;

/* The commands pane's row of a command: "HH:MM:SS STATE cid8 ...". */
static bool command_row(const char *scr, const char *cid, char *row, size_t size)
{
    char head[16];
    snprintf(head, sizeof head, " %.8s ", cid);
    const char *p = scr;
    char line[512];
    for (int i = 0; tt_line_at(p, i, line, sizeof line); i++) {
        if (strstr(line, head) && !strstr(line, "Correlation")) {
            snprintf(row, size, "%s", line);
            return true;
        }
    }
    return false;
}

static bool row_in_state(const char *scr, void *arg)
{
    row_watch *w = arg;
    if (!command_row(scr, w->cid, w->row, sizeof w->row))
        return false;
    if (strstr(w->row, " SENT ") || strstr(w->row, " ECHOED ") || strstr(w->row, " EXECUTED "))
        w->saw_sent = true;
    char want[32];
    snprintf(want, sizeof want, " %s ", w->want);
    return strstr(w->row, want) != NULL;
}

/* Confirm the review with y and wait until the command's row shows want. */
static void confirm_and_expect(const char *s, const char *cid, const char *want, row_watch *w)
{
    tt_keys(s, "y");
    *w = (row_watch){cid, want, false, ""};
    bool ok;
    free(tt_wait(s, row_in_state, w, 60000, &ok));
    assert_true(ok);
    fprintf(stderr, "%s: %s\n", s, w->row);
}

/* ---- tests ---- */

static int exit_status(const char *session)
{
    long long end = proc_mono_ms() + 30000;
    while (tt_display(session, "#{pane_dead}") != 1 && proc_mono_ms() < end)
        proc_sleep_ms(100);
    char path[160];
    snprintf(path, sizeof path, "%s/%s.exit", G.dir, session);
    FILE *f = fopen(path, "r");
    int status = -1;
    if (f) {
        if (fscanf(f, "%d", &status) != 1)
            status = -1;
        fclose(f);
    }
    return status;
}

static void test_read_only_without_key(void **state)
{
    assert_true(tt_wait_text("ro", "Demofactory", 60000));
    assert_true(tt_wait_text("ro", "read-only", 10000)); /* the status line */
    tt_command("ro", "asset " TARGET);
    assert_true(tt_wait_text("ro", " " TARGET "  Device", 30000));
    tt_keys("ro", "G");                                                           /* a method row */
    assert_true(tt_wait_text("ro", "read-only: no operator key (--key)", 30000)); /* Methods */
    assert_true(tt_wait_text("ro", "read-only: no operator key (ofc tui --key FILE)", 10000));
    tt_keys("ro", "Enter");
    assert_true(tt_wait_text("ro", "read-only: no operator key loaded", 10000));
    tt_keys("ro", "x");
    assert_true(tt_wait_text("ro", "read-only: no operator key loaded", 10000));
    char *scr = tt_screen("ro");
    assert_null(strstr(scr, " Command  "));
    assert_null(strstr(scr, " Review  "));
    free(scr);
    tt_command("ro", "call SwitchMode");
    assert_true(tt_wait_text("ro", "read-only: no operator key loaded", 10000));
    tt_keys("ro", "c");
    assert_true(tt_wait_text("ro", "Commands 0  this session  read-only", 10000));
}

/* --passphrase-file and $OFC_PASSPHRASE unlock the key before the screen starts; a wrong one
 * stops `ofc tui` there, with the reason, and never reaches the terminal's modes. */
static void test_passphrase_from_environment_or_file(void **state)
{
    char cmd[1024], bad[160];
    snprintf(cmd, sizeof cmd,
             "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color OFC_PASSPHRASE='%s' %s tui -b %s "
             "--key %s; echo $? > %s/envpass.exit",
             PASSPHRASE, OFC_BINARY, G.boot, G.alice, G.dir);
    tt_start("envpass", WIDTH, HEIGHT, cmd);
    assert_true(tt_wait_text("envpass", "as alice", 60000));
    char *scr = tt_screen("envpass");
    assert_null(strstr(scr, "key locked"));
    free(scr);
    tt_keys("envpass", "q");
    assert_int_equal(exit_status("envpass"), 0);

    snprintf(bad, sizeof bad, "%s/bad-pass", G.dir);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("not it\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "env -u OFC_PASSPHRASE LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color %s tui -b %s "
             "--key %s --passphrase-file %s 2> %s/badpass.err; echo $? > %s/badpass.exit",
             OFC_BINARY, G.boot, G.alice, bad, G.dir, G.dir);
    tt_start("badpass", WIDTH, HEIGHT, cmd);
    assert_int_equal(exit_status("badpass"), 1);
    char path[160];
    snprintf(path, sizeof path, "%s/badpass.err", G.dir);
    char *err = read_text(path);
    assert_non_null(err);
    assert_non_null(strstr(err, "wrong passphrase"));
    assert_null(strstr(err, "Sanitizer")); /* the error path frees what it made */
    free(err);
}

static void test_command_executed_after_passphrase_prompt(void **state)
{
    const char *s = "alice";
    assert_true(tt_wait_text(s, "key locked", 60000));
    open_method(s, TARGET, "SwitchMode");
    char *scr = tt_screen(s);
    assert_non_null(strstr(scr, "NewMode")); /* the advertised argument */
    assert_non_null(strstr(scr, "Reason"));
    assert_non_null(strstr(scr, "its passphrase is asked once"));
    free(scr);

    /* The reason is required. */
    tt_type(s, "MANUAL");
    tt_keys(s, "Tab");
    tt_keys(s, "Enter");
    assert_true(tt_wait_text(s, "a reason is required", 10000));
    tt_type(s, "tui e2e first");
    tt_keys(s, "Enter");

    assert_true(tt_wait_text(s, "Passphrase (not shown as you type)", 10000));
    tt_type(s, "not the passphrase");
    tt_keys(s, "Enter");
    assert_true(tt_wait_text(s, "alice.key: wrong passphrase", 60000)); /* asked again */
    assert_true(tt_wait_text(s, "Passphrase (not shown as you type)", 10000));
    tt_type(s, PASSPHRASE);
    scr = tt_screen(s);
    assert_null(strstr(scr, "correct horse")); /* never echoed */
    free(scr);
    tt_keys(s, "Enter");

    assert_true(tt_wait_text(s, " Review  SwitchMode on " TARGET ": signed, not sent yet", 60000));
    scr = tt_screen(s);
    assert_null(strstr(scr, "correct horse"));
    assert_non_null(strstr(scr, "as alice")); /* the status line: unlocked */
    assert_non_null(strstr(scr, "  Topic        ofa_assets"));
    assert_non_null(strstr(scr, "  Key          " TARGET));
    assert_non_null(strstr(scr, "  Call         SwitchMode(NewMode=MANUAL)"));
    assert_non_null(strstr(scr, "  Reason       tui e2e first"));
    assert_non_null(strstr(scr, "mode = AUTO")); /* what it affects, now */
    assert_non_null(strstr(scr, "allowed by the trust store for alice"));
    review_cid(scr, G.cid1, sizeof G.cid1);
    review_record(scr, G.record1, sizeof G.record1);
    free(scr);
    json_t *rec = json_loads(G.record1, 0, NULL);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "ID")), "SwitchMode_CMD");
    assert_non_null(strstr(json_string_value(json_object_get(rec, "VALUE")), "ed25519:"));
    assert_non_null(strstr(json_string_value(json_object_get(rec, "VALUE")), G.cid1));
    json_decref(rec);

    /* The Enter that finished the form does not send; y does. */
    tt_keys(s, "Enter");
    assert_true(tt_wait_text(s, "Enter does not send", 10000));
    scr = tt_screen(s);
    assert_non_null(strstr(scr, " Review  "));
    free(scr);
    row_watch w;
    confirm_and_expect(s, G.cid1, "EXECUTED", &w);
    assert_non_null(strstr(w.row, "SwitchMode(NewMode=MANUAL)"));
    assert_non_null(strstr(w.row, "partition "));
    assert_non_null(strstr(w.row, "verified"));
    assert_true(truth_becomes(TARGET, "mode", "MANUAL", 30000));
}

static bool review_or_passphrase(const char *scr, void *arg)
{
    if (strstr(scr, "Passphrase"))
        *(bool *)arg = true;
    return strstr(scr, " Review  ") || *(bool *)arg;
}

static void test_second_command_asks_no_passphrase(void **state)
{
    const char *s = "alice";
    open_method(s, TARGET, "SwitchMode");
    assert_true(tt_wait_text(s, "signed as alice with key ", 10000));
    fill_form(s, "AUTO", "tui e2e second");
    bool asked = false, ok;
    free(tt_wait(s, review_or_passphrase, &asked, 30000, &ok));
    assert_true(ok);
    assert_false(asked);
    char *scr = tt_screen(s);
    char cid[40];
    review_cid(scr, cid, sizeof cid);
    assert_string_not_equal(cid, G.cid1);
    assert_non_null(strstr(scr, "mode = MANUAL"));
    free(scr);
    row_watch w;
    confirm_and_expect(s, cid, "EXECUTED", &w);
    assert_true(truth_becomes(TARGET, "mode", "AUTO", 30000));
    /* Both commands are in the session's history, newest first. */
    scr = tt_screen(s);
    char row1[512], row2[512];
    assert_true(command_row(scr, G.cid1, row1, sizeof row1));
    assert_true(command_row(scr, cid, row2, sizeof row2));
    assert_true(strstr(scr, row2) < strstr(scr, row1));
    assert_non_null(strstr(scr, "Commands 2  this session  as alice"));
    free(scr);
}

static void test_key_outside_policy_is_rejected(void **state)
{
    const char *s = "mallory";
    char args[512];
    snprintf(args, sizeof args, "--key %s --trust %s", G.mallory, G.trust);
    start_tui(s, args);
    assert_true(tt_wait_text(s, "as mallory", 60000)); /* a key in clear: unlocked at start */
    open_method(s, TARGET, "SwitchMode");
    fill_form(s, "MANUAL", "not mine to switch");
    assert_true(tt_wait_text(s, " Review  ", 30000));
    char *scr = tt_screen(s);
    assert_null(strstr(scr, "Passphrase"));
    assert_non_null(strstr(scr, "warning: the trust store denies it"));
    assert_non_null(strstr(scr, "(policy_denied)"));
    char cid[40];
    review_cid(scr, cid, sizeof cid);
    free(scr);
    row_watch w;
    confirm_and_expect(s, cid, "REJECTED", &w);
    assert_non_null(strstr(w.row, "policy_denied"));
    assert_true(tt_wait_text(s, "REJECTED (policy_denied", 10000)); /* the message line */
    char *mode = truth_value(TARGET, "mode");
    assert_non_null(mode);
    assert_string_equal(mode, "AUTO");
    free(mode);
    tt_keys(s, "q");
}

static void test_broker_down_command_failed_never_sent(void **state)
{
    const char *s = "alice";
    proc_signal(&G.broker, SIGUSR1);
    assert_true(tt_wait_text(s, "BROKER DOWN", 60000));
    open_method(s, TARGET, "SwitchMode");
    fill_form(s, "MANUAL", "during the outage");
    assert_true(tt_wait_text(s, " Review  ", 30000));
    char *scr = tt_screen(s);
    char cid[40];
    review_cid(scr, cid, sizeof cid);
    free(scr);
    row_watch w;
    confirm_and_expect(s, cid, "FAILED", &w);
    assert_false(w.saw_sent); /* no poll ever saw it SENT */
    assert_true(tt_wait_text(s, "FAILED, never sent", 10000));
    assert_null(strstr(w.row, "partition"));
    proc_signal(&G.broker, SIGUSR2);
    assert_true(tt_wait_text(s, "connected since", 90000));
}

/* ---- the audit view ---- */

static bool audit_counts(const char *scr, void *arg)
{
    return strstr(scr, (const char *)arg) != NULL;
}

/* An unsigned command, as any upstream client sends one (kcat). */
static void produce_unsigned(void)
{
    char ts[40], ts_ms[40], input[2048];
    int64_t now = ofc_time_now_us();
    ofc_time_format_iso(now, 6, ts, sizeof ts);
    ofc_time_format_iso(now, 3, ts_ms, sizeof ts_ms);
    snprintf(input, sizeof input,
             "%s\t{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"{\\\"header\\\":{\\\"correlation_id\\\":"
             "\\\"11111111-2222-4333-8444-555555555555\\\",\\\"sender_uuid\\\":\\\"eve\\\","
             "\\\"timestamp\\\":\\\"%s\\\",\\\"signature\\\":null},\\\"arguments\\\":{"
             "\\\"NewMode\\\":\\\"MANUAL\\\"}}\",\"TAG\":\"Method.Command\",\"TYPE\":"
             "\"OpenFactory\",\"attributes\":{\"timestamp\":\"%s\"}}\n",
             TARGET, ts, ts_ms);
    char *kcat[] = {"kcat",       "-P", "-b", G.boot, "-t",
                    "ofa_assets", "-K", "\t", "-X",   "topic.partitioner=murmur2_random",
                    NULL};
    int st;
    free(proc_run(kcat, input, 30000, &st));
    assert_int_equal(st, 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_audit_view_lists_filters_and_saves(void **state)
{
    const char *s = "alice";
    produce_unsigned();
    /* Four records: alice's two, mallory's refused one, eve's unsigned one; the FAILED command
     * never reached the log. */
    tt_command(s, "audit");
    bool ok;
    free(tt_wait(s, audit_counts, " Audit  4 of 4 commands", 60000, &ok));
    assert_true(ok);
    char *scr = tt_screen(s);
    char line[512];
    assert_true(
        tt_line_with(scr, "SwitchMode(NewMode=MANUAL)  \"tui e2e first\"", line, sizeof line));
    assert_non_null(strstr(line, " valid "));
    assert_non_null(strstr(line, " alice "));
    assert_true(tt_line_with(scr, "\"tui e2e second\"", line, sizeof line));
    assert_non_null(strstr(line, " valid "));
    assert_true(tt_line_with(scr, "\"not mine to switch\"", line, sizeof line));
    assert_non_null(strstr(line, "invalid: policy_denied (method)"));
    assert_non_null(strstr(line, " mallory "));
    assert_true(tt_line_with(scr, " eve ", line, sizeof line));
    assert_non_null(strstr(line, " unsigned "));
    assert_null(strstr(scr, "during the outage"));
    /* Newest first: eve's, sent last, is the top row; its record is shown below. */
    assert_true(strstr(scr, " eve ") < strstr(scr, "\"tui e2e first\""));
    assert_non_null(strstr(scr, "Status     unsigned"));
    free(scr);

    /* The live filter, then a structured one. */
    tt_keys(s, "/");
    tt_type(s, "policy");
    free(tt_wait(s, audit_counts, " Audit  1 of 4 commands", 10000, &ok));
    assert_true(ok);
    tt_keys(s, "Enter");
    /* Each view keeps its own filter: the plant is not narrowed by the audit's, and the audit
     * has it again when it comes back. */
    tt_keys(s, "A");
    scr = tt_wait(s, audit_counts, " Commands 3  this session", 10000, &ok);
    assert_true(ok);
    assert_null(strstr(scr, "/policy"));
    free(scr);
    tt_keys(s, "A");
    free(tt_wait(s, audit_counts, " Audit  1 of 4 commands", 10000, &ok));
    assert_true(ok);
    tt_keys(s, "Escape");
    free(tt_wait(s, audit_counts, " Audit  4 of 4 commands", 10000, &ok));
    assert_true(ok);
    tt_command(s, "audit operator=alice since=1h");
    free(tt_wait(s, audit_counts, " Audit  2 of 4 commands  operator=alice since=", 10000, &ok));
    assert_true(ok);
    tt_command(s, "audit operator=alice bogus=1");
    assert_true(tt_wait_text(s, "unknown filter \"bogus\"", 10000));

    /* :save writes the filtered entries with their signed records. */
    char path[160], cmd[200];
    snprintf(path, sizeof path, "%s/audit.ndjson", G.dir);
    snprintf(cmd, sizeof cmd, "save %s", path);
    tt_command(s, cmd);
    assert_true(tt_wait_text(s, "saved 2 audit entries", 10000));
    char *nd = read_text(path);
    assert_non_null(nd);
    char input[16384] = "";
    int lines = 0;
    bool shown_record_sent = false;
    for (char *l = strtok(nd, "\n"); l; l = strtok(NULL, "\n"), lines++) {
        json_t *o = json_loads(l, 0, NULL);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "status")), "valid");
        assert_string_equal(json_string_value(json_object_get(o, "operator")), "alice");
        const char *record = json_string_value(json_object_get(o, "record"));
        assert_non_null(record);
        assert_non_null(strstr(record, "ed25519:"));
        if (strcmp(record, G.record1) == 0)
            shown_record_sent = true;
        snprintf(input + strlen(input), sizeof input - strlen(input), "%s\t%s\n",
                 json_string_value(json_object_get(o, "target")), record);
        json_decref(o);
    }
    free(nd);
    assert_int_equal(lines, 2);
    /* What the review showed is exactly what went to Kafka. */
    assert_true(shown_record_sent);
    /* And anyone can check the saved records again. */
    char *verify[] = {OFC_BINARY, "verify", "--stdin", "--trust", G.trust,
                      "--window", "24h",    "--json",  NULL};
    int st;
    char *out = proc_run(verify, input, 60000, &st);
    assert_int_equal(st, 0);
    int valid = 0;
    for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
        json_t *v = json_loads(l, 0, NULL);
        assert_non_null(v);
        valid += strcmp(json_string_value(json_object_get(v, "verdict")), "valid") == 0;
        json_decref(v);
    }
    free(out);
    assert_int_equal(valid, 2);
    /* No silent overwrite. */
    tt_command(s, cmd);
    assert_true(tt_wait_text(s, "exists", 10000));
    tt_keys(s, "Escape"); /* closes the view: back to the plant and this session's commands */
    assert_true(tt_wait_text(s, " Commands 3  this session  as alice", 10000));
}

static void test_audit_without_trust_says_unknown_key(void **state)
{
    tt_keys("ro", "A");
    bool ok;
    free(tt_wait("ro", audit_counts, " Audit  4 of 4 commands", 60000, &ok));
    assert_true(ok);
    char *scr = tt_screen("ro");
    assert_non_null(strstr(scr, "no --trust: unknown key"));
    char line[512];
    assert_true(tt_line_with(scr, "\"tui e2e first\"", line, sizeof line));
    assert_non_null(strstr(line, " unknown key "));
    assert_true(tt_line_with(scr, " eve ", line, sizeof line));
    assert_non_null(strstr(line, " unsigned "));
    free(scr);
}

static void test_quit_is_clean(void **state)
{
    tt_keys("alice", "q");
    tt_keys("ro", "q");
    assert_int_equal(exit_status("alice"), 0);
    assert_int_equal(exit_status("ro"), 0);
    assert_int_equal(exit_status("mallory"), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_only_without_key),
        cmocka_unit_test(test_passphrase_from_environment_or_file),
        cmocka_unit_test(test_command_executed_after_passphrase_prompt),
        cmocka_unit_test(test_second_command_asks_no_passphrase),
        cmocka_unit_test(test_key_outside_policy_is_rejected),
        cmocka_unit_test(test_broker_down_command_failed_never_sent),
        cmocka_unit_test(test_audit_view_lists_filters_and_saves),
        cmocka_unit_test(test_audit_without_trust_says_unknown_key),
        cmocka_unit_test(test_quit_is_clean),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
