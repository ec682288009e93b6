/* it_tui: the real `ofc tui` in a real terminal (tmux), against real `ofc broker` and `ofc sim`
 * processes. Keys are typed with `tmux send-keys`, the screen is read with `capture-pane`, and
 * the assertions are about what an operator sees:
 *   - the sim's assets appear in the tree under their UNS paths (the truth file's uns_id);
 *   - the filter narrows the tree (by UNS path and by attribute value);
 *   - an alarm the sim raised (active in its truth file) shows up in the alarm list;
 *   - values on screen equal the sim's ground truth once it has stopped;
 *   - `:save` writes a CSV whose rows match the screen (NDJSON for the alarm list), and refuses
 *     to overwrite without `:save!`;
 *   - at 80x24 the tree, detail, alarms, status line and legend are all there;
 *   - monochrome (NO_COLOR=1, TERM=vt100) sends no colour and spells out state words;
 *   - a broker outage (ofc broker's SIGUSR1/SIGUSR2) is shown with stale marks and survived:
 *     the console reconnects by itself and new values arrive;
 *   - keys are answered while the sim floods;
 *   - the terminal is restored after `q`, SIGTERM, SIGHUP and fatal signals (SIGSEGV, SIGABRT):
 *     exit status, alternate screen off, `stty` back to canonical mode with echo; after `q` the
 *     exit status 0 also means the sanitizers' leak check passed in the TUI process.
 * Each run uses its own tmux server socket, killed at the end. Timeouts are generous: tests prove
 * behaviour; bench/tui_latency proves speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"
#include "support/tmux_driver.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VRULE    "\xe2\x94\x82" /* the column between tree and detail */
#define ELLIPSIS "\xe2\x80\xa6" /* a cut cell */
#define CUT      '\x01'         /* the ellipsis, one byte wide like on screen */

static struct {
    proc broker, sim;
    char boot[256];
    char dir[64];
    char truth_path[128];
} G;

/* ---- the TUI in tmux (support/tmux_driver.h) ---- */

/* Start `ofc tui` in a new session; env is extra NAME=VALUE words (may be ""). A shell runs
 * it and, after it exits, prints its exit status and saves `stty -a` of the terminal, so the
 * tests can tell whether the terminal modes were restored. */
static void start_tui(const char *name, int w, int h, const char *env, const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env LANG=C.UTF-8 LC_ALL=C.UTF-8 %s %s tui -b %s %s; echo $? > %s/%s.exit; "
             "stty -a > %s/%s.stty",
             env, OFC_BINARY, G.boot, args, G.dir, name, G.dir, name);
    tt_start(name, w, h, cmd);
}

/* After the TUI has ended: its exit status as the shell saw it, the terminal's modes back to
 * canonical with echo, and the alternate screen left. */
static void expect_restored(const char *name, int want_status)
{
    int64_t end = proc_mono_ms() + 30000;
    while (tt_display(name, "#{pane_dead}") != 1 && proc_mono_ms() < end)
        proc_sleep_ms(100);
    assert_int_equal(tt_display(name, "#{pane_dead}"), 1);
    char path[128];
    snprintf(path, sizeof path, "%s/%s.exit", G.dir, name);
    FILE *ef = fopen(path, "r");
    assert_non_null(ef);
    int status = -1;
    assert_int_equal(fscanf(ef, "%d", &status), 1);
    fclose(ef);
    if (want_status < 0)
        assert_true(status != 0); /* a crash: whatever the signal's handler chain made of it */
    else
        assert_int_equal(status, want_status);
    assert_int_equal(tt_display(name, "#{alternate_on}"), 0);
    snprintf(path, sizeof path, "%s/%s.stty", G.dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char stty[4096] = "";
    size_t n = fread(stty, 1, sizeof stty - 1, f);
    stty[n] = '\0';
    fclose(f);
    /* curses ran the terminal in cbreak without echo; both must be undone. */
    assert_non_null(strstr(stty, " icanon"));
    assert_null(strstr(stty, "-icanon"));
    assert_non_null(strstr(stty, " echo "));
    assert_null(strstr(stty, "-echo "));
}

static void expect_text(const char *s, const char *text, int timeout_ms)
{
    bool ok;
    free(tt_wait(s, tt_has_text, (void *)text, timeout_ms, &ok));
    if (!ok)
        fprintf(stderr, "waiting for \"%s\" on %s\n", text, s);
    assert_true(ok);
}

/* ---- screen parsing ---- */

/* The tree part (left of the rule) and the detail part (right of it) of a body line. */
static bool split_rule(const char *line, char *left, size_t lsize, char *right, size_t rsize)
{
    const char *r = strstr(line, VRULE);
    if (!r)
        return false;
    snprintf(left, lsize, "%.*s", (int)(r - line), line);
    snprintf(right, rsize, "%s", r + strlen(VRULE));
    return true;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    size_t k = strspn(s, " ");
    memmove(s, s + k, strlen(s + k) + 1);
}

typedef struct tree_view {
    char paths[512][256]; /* every node and asset path shown, "a/b/c" */
    int count;
    int rows;
} tree_view;

/* Rebuild UNS paths from the tree's indentation: node rows are "<2*depth+1 spaces>▾ name",
 * asset rows "<2*depth+3 spaces>name". */
static void parse_tree(const char *scr, tree_view *tv)
{
    char line[2048], left[1024], right[1024], stack[16][128];
    memset(tv, 0, sizeof *tv);
    for (int i = 2; tt_line_at(scr, i, line, sizeof line); i++) {
        if (!split_rule(line, left, sizeof left, right, sizeof right))
            break;
        size_t sp = strspn(left, " ");
        const char *p = left + sp;
        if (!*p)
            continue;
        int depth;
        bool node = strncmp(p, "\xe2\x96\xbe", 3) == 0 || strncmp(p, "\xe2\x96\xb8", 3) == 0;
        if (node) {
            depth = ((int)sp - 1) / 2;
            p += 3;
            p += strspn(p, " ");
        } else {
            depth = ((int)sp - 3) / 2;
        }
        if (depth < 0 || depth >= 16)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(p, " "), p);
        snprintf(stack[depth], sizeof stack[depth], "%s", name);
        char path[256] = "";
        for (int d = 0; d <= depth; d++)
            snprintf(path + strlen(path), sizeof path - strlen(path), "%s%s", d ? "/" : "",
                     stack[d]);
        if (tv->count < 512)
            snprintf(tv->paths[tv->count++], sizeof tv->paths[0], "%s", path);
        tv->rows++;
    }
}

static bool tree_has(const tree_view *tv, const char *path)
{
    for (int i = 0; i < tv->count; i++)
        if (strcmp(tv->paths[i], path) == 0)
            return true;
    return false;
}

typedef struct attr_row {
    char id[128], value[256];
} attr_row;

/* The attribute rows of the detail pane: columns from its "Attributes (n)  VALUE  TYPE" row. */
static int parse_attrs(const char *scr, attr_row *rows, int max)
{
    char line[2048], left[1024], right[1024];
    int n = 0, vcol = -1, tcol = -1;
    for (int i = 2; tt_line_at(scr, i, line, sizeof line); i++) {
        if (!split_rule(line, left, sizeof left, right, sizeof right))
            break;
        /* Columns are screen columns: make the 3-byte ellipsis one byte before slicing. */
        for (char *e = strstr(right, ELLIPSIS); e; e = strstr(e, ELLIPSIS)) {
            *e = CUT;
            memmove(e + 1, e + 3, strlen(e + 3) + 1);
        }
        if (vcol < 0) {
            const char *v = strstr(right, "Attributes (");
            const char *vv = v ? strstr(right, " VALUE ") : NULL;
            const char *tt = vv ? strstr(vv, " TYPE ") : NULL;
            if (vv && tt) {
                vcol = (int)(vv - right) + 1;
                tcol = (int)(tt - right) + 1;
            }
            continue;
        }
        if (strncmp(right, " Conditions (", 13) == 0 || strncmp(right, " Methods (", 10) == 0)
            break;
        if ((int)strlen(right) < tcol || n >= max)
            continue;
        snprintf(rows[n].id, sizeof rows[n].id, "%.*s", vcol, right);
        trim(rows[n].id);
        snprintf(rows[n].value, sizeof rows[n].value, "%.*s", tcol - vcol, right + vcol);
        trim(rows[n].value);
        if (rows[n].id[0])
            n++;
    }
    return n;
}

/* ---- the sim's truth ---- */

static json_t *load_truth(void)
{
    return json_load_file(G.truth_path, 0, NULL);
}

static const json_t *truth_asset(const json_t *truth, const char *uuid)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(truth, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) == 0)
            return a;
    }
    return NULL;
}

/* The attribute shown as id (which may be cut: then the first one it starts). */
static const json_t *truth_attr(const json_t *asset, const char *id)
{
    size_t i, n = strcspn(id, (char[]){CUT, 0});
    bool cut = id[n] == CUT;
    const json_t *at;
    json_array_foreach(json_object_get(asset, "attributes"), i, at)
    {
        const char *have = json_string_value(json_object_get(at, "id"));
        if (cut ? strncmp(have, id, n) == 0 : strcmp(have, id) == 0)
            return json_object_get(at, "value");
    }
    return NULL;
}

/* Is a screen id (maybe cut) this full id? */
static bool id_matches(const char *shown, const char *full)
{
    size_t n = strcspn(shown, (char[]){CUT, 0});
    return shown[n] == CUT ? strncmp(shown, full, n) == 0 : strcmp(shown, full) == 0;
}

/* Does the screen's text (maybe cut with an ellipsis) show the truth's value? */
static bool value_shows(const char *shown, const json_t *want)
{
    char text[256];
    const char *ell = strchr(shown, CUT);
    size_t n = ell ? (size_t)(ell - shown) : strlen(shown);
    if (json_is_string(want)) {
        snprintf(text, sizeof text, "%s", json_string_value(want));
    } else if (json_is_null(want)) {
        snprintf(text, sizeof text, "null");
    } else if (json_is_boolean(want)) {
        snprintf(text, sizeof text, "%s", json_is_true(want) ? "true" : "false");
    } else if (json_is_number(want)) {
        char *end;
        double d = strtod(shown, &end);
        return !ell && *end == '\0' && d == json_number_value(want);
    } else {
        return false;
    }
    trim(text);
    return ell ? strncmp(shown, text, n) == 0 : strcmp(shown, text) == 0;
}

/* ---- setup ---- */

static bool start_sim(const char *assets, const char *rate, const char *seed, bool truth,
                      const char *duration)
{
    char *argv[20] = {OFC_BINARY,     "sim",    "-b",         G.boot,   "--assets",
                      (char *)assets, "--rate", (char *)rate, "--seed", (char *)seed};
    int n = 10;
    if (truth) {
        argv[n++] = "--truth-file";
        argv[n++] = G.truth_path;
    }
    if (duration) {
        argv[n++] = "--duration";
        argv[n++] = (char *)duration;
    }
    argv[n] = NULL;
    return proc_spawn(&G.sim, argv, false, false);
}

static int group_setup(void **state)
{
    unsetenv("TMUX");
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-it-tui-XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.truth_path, sizeof G.truth_path, "%s/truth.json", G.dir);
    /* A dead pane stays (remain-on-exit), so exit status and terminal modes can be read after
     * the TUI ends. */
    if (!tt_init(G.dir, "ofc-it-tui"))
        return -1;
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    /* 12 devices in every kind, in two areas of three work centres; seed 3 starts with active
     * conditions. */
    if (!start_sim("12", "50", "3", true, NULL))
        return -1;
    start_tui("main", 120, 40, "TERM=tmux-256color", "");
    return 0;
}

static int group_teardown(void **state)
{
    tt_fini();
    if (G.sim.pid > 0)
        proc_stop(&G.sim, 5000);
    proc_stop(&G.broker, 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", G.dir);
    return 0;
}

/* ---- tests ---- */

static bool tree_complete(const char *scr, void *arg)
{
    const json_t *truth = arg;
    tree_view tv;
    parse_tree(scr, &tv);
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(truth, "assets"), i, a)
    {
        const char *uns = json_string_value(json_object_get(a, "uns_id"));
        if (uns && !tree_has(&tv, uns))
            return false;
    }
    return true;
}

static void test_tree_shows_assets_under_uns_paths(void **state)
{
    json_t *truth = NULL;
    for (int64_t end = proc_mono_ms() + 30000; !truth && proc_mono_ms() < end; proc_sleep_ms(200))
        truth = load_truth();
    assert_non_null(truth);
    assert_true(json_array_size(json_object_get(truth, "assets")) >= 24);
    bool ok;
    char *scr = tt_wait("main", tree_complete, truth, 60000, &ok);
    assert_true(ok);
    tree_view tv;
    parse_tree(scr, &tv);
    /* Every level of every path is a row: the tree is the UNS, not a flat list. */
    assert_true(tree_has(&tv, "Demofactory"));
    assert_true(tree_has(&tv, "Demofactory/Machining/WC001"));
    assert_true(tree_has(&tv, "Demofactory/Assembly/WC003"));
    assert_true(tree_has(&tv, "Demofactory/Machining/WC003/cnc-001"));
    assert_non_null(strstr(scr, "rec/s"));
    free(scr);
    json_decref(truth);
}

static bool tree_rows_at_most(const char *scr, void *arg)
{
    tree_view tv;
    parse_tree(scr, &tv);
    return tv.rows <= *(int *)arg && tv.rows > 0;
}

static void test_filter_narrows_tree(void **state)
{
    char *scr = tt_screen("main");
    tree_view all;
    parse_tree(scr, &all);
    free(scr);
    assert_true(all.rows >= 21);

    /* By path: only the temperature sensors and the levels above them. */
    tt_keys("main", "/");
    tt_type("main", "temp-sens");
    int max = 7; /* Demofactory, 2 areas, 2 work centres, 2 sensors */
    bool ok;
    scr = tt_wait("main", tree_rows_at_most, &max, 15000, &ok);
    assert_true(ok);
    tree_view tv;
    parse_tree(scr, &tv);
    assert_true(tv.rows < all.rows);
    assert_true(tree_has(&tv, "Demofactory/Machining/WC001/temp-sens-001"));
    assert_true(tree_has(&tv, "Demofactory/Assembly/WC001/temp-sens-002"));
    assert_false(tree_has(&tv, "Demofactory/Machining/WC003/cnc-001"));
    assert_non_null(strstr(scr, "/temp-sens"));
    free(scr);
    tt_keys("main", "Escape");
    expect_text("main", "12 assets", 10000);

    /* By an attribute value: only DHT sensors say "Virtual DHT Sensor". */
    tt_keys("main", "/");
    tt_type("main", "virtual dht");
    scr = tt_wait("main", tree_rows_at_most, &max, 15000, &ok);
    assert_true(ok);
    parse_tree(scr, &tv);
    assert_true(tree_has(&tv, "Demofactory/Machining/WC003/dht-sensor-001"));
    assert_false(tree_has(&tv, "Demofactory/Machining/WC001/temp-sens-001"));
    free(scr);
    tt_keys("main", "Enter"); /* keep it */
    expect_text("main", "Esc", 5000);
    tt_keys("main", "Escape"); /* clears it */
    expect_text("main", "12 assets", 10000);
}

typedef struct alarm_want {
    const json_t *truth;
    char seen[256];
} alarm_want;

/* Active per the truth: MTConnect Warning/Fault tags, or OPC UA "(Severity: n)" with n > 0. */
static bool condition_active(const json_t *at)
{
    const char *type = json_string_value(json_object_get(at, "type"));
    const char *tag = json_string_value(json_object_get(at, "tag"));
    const char *value = json_string_value(json_object_get(at, "value"));
    if (!type || strcmp(type, "Condition") != 0)
        return false;
    size_t n = tag ? strlen(tag) : 0;
    if (n >= 5 &&
        (strcmp(tag + n - 5, "Fault") == 0 || (n >= 7 && strcmp(tag + n - 7, "Warning") == 0)))
        return true;
    const char *sev = value ? strstr(value, "(Severity: ") : NULL;
    return sev && atoi(sev + 11) > 0;
}

static bool alarm_listed(const char *scr, void *arg)
{
    alarm_want *w = arg;
    const char *list = strstr(scr, " Alarms ");
    if (!list)
        return false;
    char line[2048];
    size_t i, j;
    const json_t *a, *at;
    json_array_foreach(json_object_get(w->truth, "assets"), i, a)
    {
        const char *uuid = json_string_value(json_object_get(a, "uuid"));
        json_array_foreach(json_object_get(a, "attributes"), j, at)
        {
            if (!condition_active(at))
                continue;
            const char *id = json_string_value(json_object_get(at, "id"));
            /* Rows below the header: the asset, then (maybe cut) the condition id. */
            char head[11];
            snprintf(head, sizeof head, "%s", id);
            for (const char *p = strchr(list, '\n'); p && *p; p = strchr(p + 1, '\n')) {
                snprintf(line, sizeof line, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
                const char *u = strstr(line, uuid);
                if (u && u[strlen(uuid)] == ' ' && strstr(u, head)) {
                    snprintf(w->seen, sizeof w->seen, "%s %s", uuid, id);
                    return true;
                }
            }
        }
    }
    return false;
}

static void test_alarm_from_sim_in_alarm_list(void **state)
{
    long long deadline = proc_mono_ms() + 180000;
    bool ok = false;
    while (!ok && proc_mono_ms() < deadline) {
        json_t *truth = load_truth();
        if (!truth) {
            proc_sleep_ms(200);
            continue;
        }
        alarm_want w = {truth, ""};
        char *scr = tt_screen("main");
        ok = scr && alarm_listed(scr, &w);
        if (ok)
            fprintf(stderr, "alarm on screen: %s\n", w.seen);
        free(scr);
        json_decref(truth);
        if (!ok)
            proc_sleep_ms(500);
    }
    assert_true(ok);
    char *scr = tt_screen("main");
    assert_non_null(strstr(scr, " fault "));
    assert_non_null(strstr(scr, " warning"));
    free(scr);
}

typedef struct value_check {
    const json_t *asset;
    int compared;
    char why[512];
} value_check;

static bool values_match(const char *scr, void *arg)
{
    value_check *vc = arg;
    attr_row rows[64];
    int n = parse_attrs(scr, rows, 64);
    vc->compared = 0;
    for (int i = 0; i < n; i++) {
        const json_t *want = truth_attr(vc->asset, rows[i].id);
        if (!want) {
            snprintf(vc->why, sizeof vc->why, "%.100s not in the truth", rows[i].id);
            return false;
        }
        if (!value_shows(rows[i].value, want)) {
            char *w = json_dumps(want, JSON_ENCODE_ANY);
            snprintf(vc->why, sizeof vc->why, "%.100s shows \"%.150s\", truth %.150s", rows[i].id,
                     rows[i].value, w ? w : "?");
            free(w);
            return false;
        }
        vc->compared++;
    }
    return vc->compared >= 5;
}

static void check_asset_values(const json_t *truth, const char *uuid)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "asset %s", uuid);
    tt_command("main", cmd);
    value_check vc = {truth_asset(truth, uuid), 0, ""};
    assert_non_null(vc.asset);
    bool ok;
    char *scr = tt_wait("main", values_match, &vc, 30000, &ok);
    if (!ok)
        fprintf(stderr, "%s: %s\n", uuid, vc.why);
    assert_true(ok);
    fprintf(stderr, "%s: %d values on screen equal the truth\n", uuid, vc.compared);
    free(scr);
}

static void test_values_equal_ground_truth(void **state)
{
    /* Stop the plant: its final truth file describes every record it wrote. */
    assert_int_equal(proc_stop(&G.sim, 15000), 0);
    json_t *truth = load_truth();
    assert_non_null(truth);
    check_asset_values(truth, "CNC-001");        /* MTConnect: strings, namespaced tags */
    check_asset_values(truth, "TEMP-CTRL-002");  /* OPC UA: numbers as sent */
    check_asset_values(truth, "DHT-SENSOR-001"); /* numbers, strings */
    json_decref(truth);
}

/* A minimal RFC 4180 reader: fields may be quoted, quotes doubled, CRLF line ends. */
static int csv_read(const char *text, char fields[][8][256], int max_rows)
{
    int row = 0, col = 0;
    size_t len = 0;
    bool quoted = false;
    for (const char *p = text; *p && row < max_rows; p++) {
        if (quoted) {
            if (*p == '"' && p[1] == '"') {
                p++;
            } else if (*p == '"') {
                quoted = false;
                continue;
            }
        } else if (*p == '"') {
            quoted = true;
            continue;
        } else if (*p == ',' || *p == '\r' || *p == '\n') {
            if (col < 8)
                fields[row][col][len] = '\0';
            if (*p == ',') {
                col++;
            } else if (*p == '\n') {
                row++;
                col = 0;
            }
            len = 0;
            continue;
        }
        if (col < 8 && len + 1 < 256)
            fields[row][col][len++] = *p;
    }
    return row;
}

static char *read_file(const char *path)
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

static void test_save_csv_matches_screen(void **state)
{
    char path[128], cmd[200];
    snprintf(path, sizeof path, "%s/cnc.csv", G.dir);
    snprintf(cmd, sizeof cmd, "save %s", path);
    tt_command("main", "asset CNC-001");
    expect_text("main", " CNC-001  Device", 10000);
    char *scr = tt_screen("main");
    attr_row rows[64];
    int n = parse_attrs(scr, rows, 64);
    free(scr);
    assert_true(n >= 5);

    tt_command("main", cmd);
    expect_text("main", "saved ", 10000);
    char *csv = read_file(path);
    assert_non_null(csv);
    static char fields[256][8][256];
    int nrows = csv_read(csv, fields, 256);
    free(csv);
    assert_string_equal(fields[0][0], "asset");
    assert_string_equal(fields[0][1], "id");
    assert_string_equal(fields[0][2], "value");
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int r = 1; r < nrows && !found; r++) {
            if (!id_matches(rows[i].id, fields[r][1]))
                continue;
            found = true;
            assert_string_equal(fields[r][0], "CNC-001");
            json_t *v = fields[r][2][0] ? json_string(fields[r][2]) : json_null();
            if (!value_shows(rows[i].value, v))
                fprintf(stderr, "%s: screen \"%s\", csv \"%s\"\n", rows[i].id, rows[i].value,
                        fields[r][2]);
            assert_true(value_shows(rows[i].value, v));
            json_decref(v);
        }
        assert_true(found);
    }
    /* No silent overwrite; :save! does it. */
    tt_command("main", cmd);
    expect_text("main", "exists", 10000);
    snprintf(cmd, sizeof cmd, "save! %s", path);
    tt_command("main", cmd);
    expect_text("main", "saved ", 10000);

    /* The alarm list as NDJSON: one object per listed alarm. */
    char apath[128];
    snprintf(apath, sizeof apath, "%s/alarms.ndjson", G.dir);
    snprintf(cmd, sizeof cmd, "save %s", apath);
    tt_command("main", "alarms");
    tt_command("main", cmd);
    expect_text("main", "NDJSON", 10000);
    scr = tt_screen("main");
    const char *hdr = strstr(scr, " Alarms ");
    assert_non_null(hdr);
    long listed = strtol(hdr + 8, NULL, 10);
    free(scr);
    char *nd = read_file(apath);
    assert_non_null(nd);
    long lines = 0;
    for (char *line = strtok(nd, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_t *o = json_loads(line, 0, NULL);
        assert_non_null(o);
        assert_non_null(json_string_value(json_object_get(o, "asset")));
        const char *level = json_string_value(json_object_get(o, "level"));
        assert_true(strcmp(level, "FAULT") == 0 || strcmp(level, "WARN") == 0);
        json_decref(o);
    }
    free(nd);
    assert_int_equal(lines, listed);
    tt_keys("main", "Tab"); /* back to the tree */
}

static bool small_layout_ok(const char *scr, void *arg)
{
    char line[2048];
    int lines = 0;
    for (int i = 0; tt_line_at(scr, i, line, sizeof line); i++)
        lines++;
    return lines == 24 && strstr(scr, " UNS ") && strstr(scr, " Alarms ") && strstr(scr, "lag ") &&
           strstr(scr, "Quit") && strstr(scr, " CNC-001") && strstr(scr, VRULE);
}

static void test_resize_to_80x24_stays_usable(void **state)
{
    tt_do("resize-window", "-t", "main", "-x", "80", "-y", "24", NULL);
    bool ok;
    char *scr = tt_wait("main", small_layout_ok, NULL, 15000, &ok);
    assert_true(ok);
    /* Still navigable: the tree moves and the detail follows. */
    tree_view tv;
    parse_tree(scr, &tv);
    assert_true(tv.rows >= 10);
    free(scr);
    tt_command("main", "asset TEMP-SENS-001");
    expect_text("main", " TEMP-SENS-001  Device", 10000);
    tt_keys("main", "?");
    expect_text("main", "Keys: asset pane", 10000);
    tt_keys("main", "Escape");
    tt_do("resize-window", "-t", "main", "-x", "120", "-y", "40", NULL);
    scr = tt_wait("main", tt_has_text, "Attributes (", 15000, &ok);
    free(scr);
    assert_true(ok);
}

static bool no_colour(const char *esc)
{
    /* SGR foreground/background colours: 3x, 4x, 9x, 10x, 38;5, 48;5 (39 and 49 are the
     * defaults tmux writes around plain text). */
    for (const char *p = strstr(esc, "\x1b["); p; p = strstr(p + 1, "\x1b[")) {
        const char *q = p + 2;
        while (*q && *q != 'm' && (size_t)(q - p) < 32) {
            int v = atoi(q);
            if ((v >= 30 && v <= 37) || (v >= 40 && v <= 47) || v == 38 || v == 48 ||
                (v >= 90 && v <= 97) || (v >= 100 && v <= 107))
                return false;
            q += strspn(q, "0123456789");
            if (*q == ';')
                q++;
            else
                break;
        }
    }
    return true;
}

static void test_monochrome_spells_out_states(void **state)
{
    start_tui("mono", 100, 30, "NO_COLOR=1 TERM=vt100", "--ascii");
    expect_text("mono", "12 assets", 60000);
    tt_command("mono", "asset CNC-001");
    expect_text("mono", " CNC-001  Device", 10000);
    char *esc = tt_run("capture-pane", "-p", "-e", "-t", "mono", NULL);
    assert_non_null(esc);
    assert_true(no_colour(esc));
    free(esc);
    char *scr = tt_screen("mono");
    /* The detail's state is a word; every abnormal tree row carries its word; alarm rows too. */
    assert_true(strstr(scr, " OK") || strstr(scr, "WARN") || strstr(scr, "FAULT") ||
                strstr(scr, "UNAVAIL"));
    char line[1024];
    int abnormal = 0;
    for (int i = 2; tt_line_at(scr, i, line, sizeof line); i++) {
        char *bar = strchr(line, '|');
        if (!bar)
            break;
        *bar = '\0';
        size_t n = strlen(line);
        while (n && line[n - 1] == ' ')
            line[--n] = '\0';
        if (n && strchr("X!U", line[n - 1])) {
            /* A glyph alone at the end would be the colour-mode form. */
            fprintf(stderr, "mono row without a word: %s\n", line);
            fail();
        }
        if (strstr(line, "FAULT") || strstr(line, "WARN") || strstr(line, "UNAVAIL"))
            abnormal++;
    }
    const char *hdr = strstr(scr, " Alarms ");
    assert_non_null(hdr);
    if (strtol(hdr + 8, NULL, 10) > 0) {
        assert_true(abnormal > 0);
        const char *row = strchr(hdr, '\n');
        assert_true(strstr(row, "X FAULT") || strstr(row, "! WARN"));
    }
    free(scr);
    tt_keys("mono", "q");
    expect_restored("mono", 0);
}

typedef struct stale_check {
    bool want_down;
} stale_check;

static bool outage_shown(const char *scr, void *arg)
{
    stale_check *sc = arg;
    bool down = strstr(scr, "BROKER DOWN") && strstr(scr, "STALE") && strstr(scr, "\xe2\x97\x8c") &&
                strstr(scr, "stale, ");
    bool up = strstr(scr, "connected since") && !strstr(scr, "\xe2\x97\x8c") &&
              !strstr(scr, "BROKER DOWN");
    return sc->want_down ? down : up;
}

static bool value_changed(const char *scr, void *arg)
{
    attr_row rows[64];
    int n = parse_attrs(scr, rows, 64);
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].id, "Xact") == 0)
            return strcmp(rows[i].value, (const char *)arg) != 0;
    return false;
}

static bool records_flowing(const char *scr, void *arg)
{
    const char *r = strstr(scr, " rec/s");
    if (!r)
        return false;
    while (r > scr && r[-1] >= '0' && r[-1] <= '9')
        r--;
    return atoi(r) > 0;
}

static void test_broker_outage_shown_and_survived(void **state)
{
    assert_true(start_sim("12", "50", "3", false, NULL));
    tt_command("main", "asset CNC-001");
    bool ok;
    free(tt_wait("main", records_flowing, NULL, 30000, &ok));
    assert_true(ok);

    proc_signal(&G.broker, SIGUSR1);
    stale_check sc = {true};
    char *scr = tt_wait("main", outage_shown, &sc, 30000, &ok);
    assert_true(ok);
    /* The last known plant stays on screen, marked. */
    tree_view tv;
    parse_tree(scr, &tv);
    assert_true(tree_has(&tv, "Demofactory/Machining/WC003/cnc-001"));
    attr_row rows[64];
    int n = parse_attrs(scr, rows, 64);
    char xact[256] = "";
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].id, "Xact") == 0)
            snprintf(xact, sizeof xact, "%s", rows[i].value);
    assert_true(xact[0]);
    free(scr);
    proc_sleep_ms(3000); /* an outage that lasts */

    proc_signal(&G.broker, SIGUSR2);
    sc.want_down = false;
    free(tt_wait("main", outage_shown, &sc, 90000, &ok));
    assert_true(ok);
    /* New values arrive by themselves. */
    free(tt_wait("main", value_changed, xact, 90000, &ok));
    assert_true(ok);
    free(tt_wait("main", records_flowing, NULL, 30000, &ok));
    assert_true(ok);
    assert_int_equal(proc_stop(&G.sim, 15000), 0);
}

static void test_keys_answer_during_flood(void **state)
{
    assert_true(start_sim("200", "20000", "9", false, "40s"));
    bool ok;
    free(tt_wait("main", records_flowing, NULL, 30000, &ok));
    assert_true(ok);
    proc_sleep_ms(2000);
    const char *targets[] = {"TEMP-SENS-001", "CNC-002", "BARCODE-READER-001"};
    for (int i = 0; i < 3; i++) {
        char cmd[64], want[64];
        snprintf(cmd, sizeof cmd, "asset %s", targets[i]);
        snprintf(want, sizeof want, " %s  Device", targets[i]);
        long long t0 = proc_mono_ms();
        tt_command("main", cmd);
        expect_text("main", want, 20000);
        fprintf(stderr, "under flood: :asset %s answered in %lld ms\n", targets[i],
                proc_mono_ms() - t0);
    }
    /* The help screen answers too, and closes. */
    tt_keys("main", "?");
    expect_text("main", "Keys: asset pane", 20000);
    tt_keys("main", "Escape");
    expect_text("main", "Attributes (", 20000);
}

static void test_quit_restores_terminal(void **state)
{
    assert_int_equal(tt_display("main", "#{alternate_on}"), 1);
    tt_keys("main", "q");
    expect_restored("main", 0);
    if (G.sim.pid > 0)
        proc_stop(&G.sim, 15000);
}

static void test_sigterm_restores_terminal(void **state)
{
    /* From the end of ofa_assets: the flood before made a long log to replay. The plant is
     * quiet now, so with --stale-after every asset goes stale while the broker is up. */
    start_tui("term", 100, 30, "TERM=tmux-256color", "--utc --since end --stale-after 2s");
    expect_text("term", " UTC", 60000);
    expect_text("term", "connected since", 60000);
    expect_text("term", "Demofactory", 60000);
    expect_text("term", "\xe2\x97\x8c", 30000); /* the stale mark */
    char *scr = tt_screen("term");
    assert_null(strstr(scr, "BROKER DOWN"));
    free(scr);
    assert_int_equal(tt_display("term", "#{alternate_on}"), 1);
    pid_t pid = tt_child_pid("term");
    assert_true(pid > 1);
    kill(pid, SIGTERM);
    expect_restored("term", 128 + SIGTERM);
}

/* A crash (here a SIGSEGV from outside, then SIGABRT) and a hang-up also give the terminal
 * back: the fatal-signal handler runs endwin() before the signal goes on. */
static void test_fatal_signals_and_hangup_restore_terminal(void **state)
{
    static const struct {
        const char *session;
        int sig;
        int status;
    } cases[] = {
        {"segv", SIGSEGV, -1},
        {"abrt", SIGABRT, -1},
        {"hup", SIGHUP, 128 + SIGHUP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start_tui(cases[i].session, 90, 26, "TERM=tmux-256color", "--since end");
        expect_text(cases[i].session, "connected since", 60000);
        expect_text(cases[i].session, "Demofactory", 60000);
        assert_int_equal(tt_display(cases[i].session, "#{alternate_on}"), 1);
        pid_t pid = tt_child_pid(cases[i].session);
        assert_true(pid > 1);
        kill(pid, cases[i].sig);
        expect_restored(cases[i].session, cases[i].status);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_shows_assets_under_uns_paths),
        cmocka_unit_test(test_filter_narrows_tree),
        cmocka_unit_test(test_alarm_from_sim_in_alarm_list),
        cmocka_unit_test(test_values_equal_ground_truth),
        cmocka_unit_test(test_save_csv_matches_screen),
        cmocka_unit_test(test_resize_to_80x24_stays_usable),
        cmocka_unit_test(test_monochrome_spells_out_states),
        cmocka_unit_test(test_broker_outage_shown_and_survived),
        cmocka_unit_test(test_keys_answer_during_flood),
        cmocka_unit_test(test_quit_restores_terminal),
        cmocka_unit_test(test_sigterm_restores_terminal),
        cmocka_unit_test(test_fatal_signals_and_hangup_restore_terminal),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
