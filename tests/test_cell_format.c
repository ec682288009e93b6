/* test_cell_format: the console's pure formatting, without a terminal: fixed-width cells with
 * UTF-8, wide characters and hostile control bytes; ages and clocks; sparklines including flat,
 * short, non-finite and overflowing series; state glyphs and words in UTF-8 and ASCII; value
 * cells from a real model; the status line's outage wording; the line editor; and `:save`'s CSV
 * (RFC 4180) and NDJSON output with its no-overwrite rule. Also the core helper the ages use,
 * ofc_duration_format_short(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "asset_model.h"
#include "cell_format.h"
#include "command_line.h"
#include "export.h"
#include "status_line.h"
#include "timeutil.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIT(buf, text, width, align, ascii) cf_fit(buf, sizeof buf, text, width, align, ascii)

static int setup(void **state)
{
    /* Widths of non-ASCII text come from wcwidth(), which needs a UTF-8 LC_CTYPE. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    setenv("TZ", "UTC", 1);
    return 0;
}

static void test_fit_ascii(void **state)
{
    char buf[CF_CELL_BYTES(40)];
    FIT(buf, "Xact", 8, CF_LEFT, false);
    assert_string_equal(buf, "Xact    ");
    FIT(buf, "Xact", 8, CF_RIGHT, false);
    assert_string_equal(buf, "    Xact");
    FIT(buf, "Xact", 4, CF_LEFT, false);
    assert_string_equal(buf, "Xact");
    FIT(buf, "references_below", 8, CF_LEFT, false);
    assert_string_equal(buf, "referen\xe2\x80\xa6"); /* 7 columns and the ellipsis */
    assert_int_equal(cf_width(buf, false), 8);
    FIT(buf, "references_below", 8, CF_LEFT, true);
    assert_string_equal(buf, "referen~");
    FIT(buf, "abc", 1, CF_LEFT, false);
    assert_string_equal(buf, "\xe2\x80\xa6");
    FIT(buf, "abc", 0, CF_LEFT, false);
    assert_string_equal(buf, "");
    FIT(buf, "", 3, CF_LEFT, false);
    assert_string_equal(buf, "   ");
    FIT(buf, NULL, 2, CF_LEFT, false);
    assert_string_equal(buf, "  ");
}

static void test_fit_utf8_and_wide(void **state)
{
    char buf[CF_CELL_BYTES(40)];
    assert_int_equal(cf_width("Temp\xc3\xa9rature", false), 11);
    FIT(buf, "Temp\xc3\xa9rature", 6, CF_LEFT, false);
    assert_string_equal(buf, "Temp\xc3\xa9\xe2\x80\xa6");
    /* Japanese: two columns a character. A wide character never straddles the edge: when
     * only one column is left before the ellipsis, a space takes it. */
    const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xad";
    assert_int_equal(cf_width(jp, false), 10);
    FIT(buf, jp, 5, CF_LEFT, false);
    assert_string_equal(buf, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
    assert_int_equal(cf_width(buf, false), 5);
    FIT(buf, jp, 6, CF_LEFT, false);
    assert_string_equal(buf, "\xe6\x97\xa5\xe6\x9c\xac \xe2\x80\xa6");
    assert_int_equal(cf_width(buf, false), 6);
    FIT(buf, jp, 12, CF_RIGHT, false);
    assert_int_equal(cf_width(buf, false), 12);
    assert_memory_equal(buf, "  ", 2);
    /* Combining accent: zero columns, kept with its letter. */
    FIT(buf, "e\xcc\x81x", 3, CF_LEFT, false);
    assert_string_equal(buf, "e\xcc\x81x ");
    /* ASCII mode shows every non-ASCII character as one '?', wide or not. */
    FIT(buf,
        "22\xc2\xb0"
        "C",
        5, CF_LEFT, true);
    assert_string_equal(buf, "22?C ");
    FIT(buf, jp, 4, CF_LEFT, true);
    assert_string_equal(buf, "???~");
}

static void test_fit_neutralises_control_and_invalid_bytes(void **state)
{
    char buf[CF_CELL_BYTES(40)];
    /* An ESC from the wire would start a terminal sequence: it becomes '?'. */
    FIT(buf, "a\x1b]0;pwned\x07z", 14, CF_LEFT, false);
    assert_string_equal(buf, "a?]0;pwned?z  ");
    assert_null(strchr(buf, 0x1b));
    FIT(buf, "a\tb\nc\rd", 7, CF_LEFT, false);
    assert_string_equal(buf, "a b c d");
    FIT(buf, "x\x7f\xc2\x9by", 4, CF_LEFT, false); /* DEL and the C1 CSI */
    assert_string_equal(buf, "x??y");
    /* Invalid UTF-8 (a lone continuation, an overlong '/', a surrogate) shows a replacement. */
    FIT(buf,
        "\x80"
        "a\xc0\xaf"
        "b\xed\xa0\x80",
        9, CF_LEFT, false);
    assert_int_equal(cf_width(buf, false), 9);
    assert_non_null(strstr(buf, "\xef\xbf\xbd"
                                "a"));
    FIT(buf, "\xff\xfe", 3, CF_LEFT, true);
    assert_string_equal(buf, "?? ");
    /* A truncated sequence at the end of the text. */
    FIT(buf, "ab\xe2\x82", 4, CF_LEFT, true);
    assert_string_equal(buf, "ab??");
}

static void test_ages(void **state)
{
    char buf[32];
    const int64_t s = 1000000, now = 1000000 * s;
    cf_age(buf, sizeof buf, now, 0);
    assert_string_equal(buf, "-");
    cf_age(buf, sizeof buf, now, now);
    assert_string_equal(buf, "0s");
    cf_age(buf, sizeof buf, now, now - 4 * s - 999999);
    assert_string_equal(buf, "4s"); /* truncated, never rounded up */
    cf_age(buf, sizeof buf, now, now - 59 * s);
    assert_string_equal(buf, "59s");
    cf_age(buf, sizeof buf, now, now - 60 * s);
    assert_string_equal(buf, "1m00s");
    cf_age(buf, sizeof buf, now, now - 125 * s);
    assert_string_equal(buf, "2m05s");
    cf_age(buf, sizeof buf, now, now - 3720 * s);
    assert_string_equal(buf, "1h02m");
    cf_age(buf, sizeof buf, now, now - (3 * 86400 + 4 * 3600 + 59) * s);
    assert_string_equal(buf, "3d04h");
    cf_age(buf, sizeof buf, now, now + 30 * s); /* plant clock ahead of the console */
    assert_string_equal(buf, "0s");

    assert_int_equal(ofc_duration_format_short(3599 * s, buf, sizeof buf), 6);
    assert_string_equal(buf, "59m59s");
    ofc_duration_format_short(86399 * s, buf, sizeof buf);
    assert_string_equal(buf, "23h59m");
    ofc_duration_format_short(INT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "106751991d04h");
    ofc_duration_format_short(INT64_MIN, buf, sizeof buf);
    assert_string_equal(buf, "0s");
    char tiny[3];
    assert_int_equal(ofc_duration_format_short(125 * s, tiny, sizeof tiny), 2);
    assert_string_equal(tiny, "2m");
}

static void test_clock(void **state)
{
    char buf[16];
    cf_clock(buf, sizeof buf, 0, true);
    assert_string_equal(buf, "00:00:00");
    cf_clock(buf, sizeof buf, 1700000000LL * 1000000 + 999999, true);
    assert_string_equal(buf, "22:13:20");
    cf_clock(buf, sizeof buf, 1700000000LL * 1000000, false); /* TZ=UTC in setup */
    assert_string_equal(buf, "22:13:20");
    cf_clock(buf, sizeof buf, -1, true);
    assert_string_equal(buf, "23:59:59");
}

static void test_sparklines(void **state)
{
    char buf[CF_CELL_BYTES(16)];
    const double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7};
    cf_sparkline(buf, sizeof buf, ramp, 8, 8, false);
    assert_string_equal(buf, "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x83\xe2\x96\x84\xe2\x96\x85"
                             "\xe2\x96\x86\xe2\x96\x87\xe2\x96\x88");
    cf_sparkline(buf, sizeof buf, ramp, 5, 5, true);
    assert_string_equal(buf, "_.-=#");
    /* Only the newest `width` values, scaled among themselves. */
    cf_sparkline(buf, sizeof buf, ramp, 8, 3, true);
    assert_string_equal(buf, "_-#");
    /* Fewer values than columns: right-aligned, padded on the left. */
    cf_sparkline(buf, sizeof buf, ramp, 2, 5, true);
    assert_string_equal(buf, "   _#");
    /* A flat series sits mid-height (no division by zero, no NaN). */
    const double flat[] = {21.5, 21.5, 21.5, 21.5};
    cf_sparkline(buf, sizeof buf, flat, 4, 4, true);
    assert_string_equal(buf, "----");
    cf_sparkline(buf, sizeof buf, flat, 4, 4, false);
    assert_string_equal(buf, "\xe2\x96\x84\xe2\x96\x84\xe2\x96\x84\xe2\x96\x84");
    cf_sparkline(buf, sizeof buf, flat, 1, 3, true);
    assert_string_equal(buf, "  -");
    cf_sparkline(buf, sizeof buf, NULL, 0, 4, true);
    assert_string_equal(buf, "    ");
    cf_sparkline(buf, sizeof buf, ramp, 8, 0, true);
    assert_string_equal(buf, "");
    /* Non-finite points are gaps and do not poison the scale. */
    const double holes[] = {0, NAN, 4, INFINITY, -INFINITY, 2};
    cf_sparkline(buf, sizeof buf, holes, 6, 6, true);
    assert_string_equal(buf, "_ #  -");
    const double none[] = {NAN, NAN};
    cf_sparkline(buf, sizeof buf, none, 2, 2, true);
    assert_string_equal(buf, "  ");
    /* A range too wide for a double (max - min overflows) is drawn flat, not as NaN. */
    const double huge[] = {-1.7e308, 1.7e308};
    cf_sparkline(buf, sizeof buf, huge, 2, 2, true);
    assert_string_equal(buf, "--");
}

static void test_state_glyphs_and_words(void **state)
{
    static const struct {
        cf_state st;
        const char *utf8, *ascii, *word;
        cf_role role;
    } want[] = {
        {CF_STATE_NORMAL, "\xc2\xb7", ".", "OK", CF_ROLE_NORMAL},
        {CF_STATE_STALE, "\xe2\x97\x8c", "?", "STALE", CF_ROLE_STALE},
        {CF_STATE_UNAVAILABLE, "\xe2\x8a\x98", "U", "UNAVAIL", CF_ROLE_UNAVAILABLE},
        {CF_STATE_WARNING, "\xe2\x96\xb2", "!", "WARN", CF_ROLE_WARNING},
        {CF_STATE_FAULT, "\xe2\x9c\x96", "X", "FAULT", CF_ROLE_FAULT},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(cf_state_glyph(want[i].st, false), want[i].utf8);
        assert_string_equal(cf_state_glyph(want[i].st, true), want[i].ascii);
        assert_string_equal(cf_state_word(want[i].st), want[i].word);
        assert_int_equal(cf_state_role(want[i].st), want[i].role);
        /* One column each, so the tree's mark column lines up. */
        assert_int_equal(cf_width(cf_state_glyph(want[i].st, false), false), 1);
    }
    /* Glyphs are all distinct: no state is told apart by colour alone. */
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++) {
            assert_string_not_equal(cf_state_glyph(want[i].st, false),
                                    cf_state_glyph(want[j].st, false));
            assert_string_not_equal(cf_state_glyph(want[i].st, true),
                                    cf_state_glyph(want[j].st, true));
        }
    /* Stale only shows through when nothing worse is going on. */
    assert_int_equal(cf_state_from_model(OFC_STATE_NORMAL, true), CF_STATE_STALE);
    assert_int_equal(cf_state_from_model(OFC_STATE_NORMAL, false), CF_STATE_NORMAL);
    assert_int_equal(cf_state_from_model(OFC_STATE_WARNING, true), CF_STATE_WARNING);
    assert_int_equal(cf_state_from_model(OFC_STATE_UNAVAILABLE, true), CF_STATE_UNAVAILABLE);
    assert_int_equal(cf_state_from_condition(OFC_COND_FAULT), CF_STATE_FAULT);
    assert_int_equal(cf_state_from_condition(OFC_COND_NORMAL), CF_STATE_NORMAL);
    assert_string_equal(cf_glyph_expander(true, true), "-");
    assert_string_equal(cf_glyph_expander(false, true), "+");
    assert_string_equal(cf_glyph_ellipsis(true), "~");
    assert_string_equal(cf_glyph_vrule(true), "|");
}

static ofc_str S(const char *s)
{
    return (ofc_str){s, strlen(s)};
}

static void put(ofc_model *m, const char *id, ofc_attr_type type, const char *type_text,
                const char *tag, ofc_value_kind kind, const char *value)
{
    ofa_event ev;
    memset(&ev, 0, sizeof ev);
    ev.asset_uuid = S("CNC-001");
    ev.id = S(id);
    ev.type = type;
    ev.type_text = S(type_text);
    ev.tag = S(tag);
    ev.value_kind = kind;
    ev.value = S(value ? value : "");
    ev.timestamp_us = 1000000;
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
}

static void test_value_cells_and_filter(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    put(m, "Xact", OFC_TYPE_SAMPLES, "Samples", "{urn:mtconnect.org:MTConnectStreams:2.2}Position",
        OFC_VALUE_STRING, "84.566");
    put(m, "Frt", OFC_TYPE_SAMPLES, "Samples", "PathFeedrate", OFC_VALUE_STRING, "UNAVAILABLE");
    put(m, "prog", OFC_TYPE_EVENTS, "Events", "Program", OFC_VALUE_NULL, NULL);
    put(m, "ready", OFC_TYPE_EVENTS, "Events", "Ready", OFC_VALUE_BOOL, "true");
    put(m, "grbl", OFC_TYPE_CONDITION, "Condition", "{urn:x}Warning", OFC_VALUE_STRING,
        "Safety door open");
    const ofc_asset *a = ofc_model_find_asset(m, "CNC-001");
    cf_role role;
    assert_string_equal(cf_attr_value(ofc_asset_find_attr(a, "Xact"), &role), "84.566");
    assert_int_equal(role, CF_ROLE_NORMAL);
    assert_string_equal(ofc_attr_tag_local(ofc_asset_find_attr(a, "Xact")), "Position");
    assert_string_equal(cf_attr_value(ofc_asset_find_attr(a, "Frt"), &role), "UNAVAILABLE");
    assert_int_equal(role, CF_ROLE_UNAVAILABLE);
    assert_string_equal(cf_attr_value(ofc_asset_find_attr(a, "prog"), &role), "null");
    assert_int_equal(role, CF_ROLE_DIM);
    assert_string_equal(cf_attr_value(ofc_asset_find_attr(a, "ready"), NULL), "true");
    assert_string_equal(cf_attr_value(ofc_asset_find_attr(a, "grbl"), &role), "Safety door open");
    assert_int_equal(role, CF_ROLE_WARNING);

    /* The filter: UNS path or uuid, attribute ID, value or alarm text; case ignored. */
    assert_true(cf_match("Demofactory/Machining", "machin"));
    assert_false(cf_match("Demofactory", "assembly"));
    assert_true(cf_match(NULL, ""));
    assert_false(cf_match(NULL, "x"));
    assert_true(cf_match_asset(a, "cnc-0"));
    assert_true(cf_match_asset(a, "XACT"));
    assert_true(cf_match_asset(a, "84.5"));
    assert_true(cf_match_asset(a, "door"));
    assert_false(cf_match_asset(a, "spindle"));
    assert_true(cf_match_attr(ofc_asset_find_attr(a, "grbl"), "SAFETY"));
    assert_false(cf_match_attr(ofc_asset_find_attr(a, "Xact"), "door"));
    ofc_model_destroy(m);
}

static void test_status_line_outage_wording(void **state)
{
    ofc_feed_status st;
    memset(&st, 0, sizeof st);
    st.connected = true;
    st.ever_connected = true;
    st.caught_up = true;
    st.state_since_us = 1700000000LL * 1000000;
    st.records_per_s = 1234.4;
    st.lag = 7;
    st.rejected = 3;
    status_view v =
        status_view_from(&st, "k1:9092", st.state_since_us + 65 * 1000000LL, true, true);
    char left[512], right[64];
    bool bad;
    status_line_format(&v, 120, left, sizeof left, right, sizeof right, &bad);
    assert_false(bad);
    assert_non_null(strstr(left, "connected since 22:13:20"));
    assert_non_null(strstr(left, "1234 rec/s"));
    assert_non_null(strstr(left, "lag 7"));
    assert_non_null(strstr(left, "rejected 3"));
    assert_string_equal(right, "22:14:25 UTC ");
    v.utc = false;
    status_line_format(&v, 120, left, sizeof left, right, sizeof right, &bad);
    assert_string_equal(right, "22:14:25 local ");

    st.connected = false;
    v = status_view_from(&st, "k1:9092", st.state_since_us + 65 * 1000000LL, true, true);
    status_line_format(&v, 120, left, sizeof left, right, sizeof right, &bad);
    assert_true(bad);
    assert_non_null(strstr(left, "BROKER DOWN since 22:13:20 (1m05s)"));
    assert_non_null(strstr(left, "STALE"));
    /* At 80 columns the short form still names the outage and the staleness. */
    status_line_format(&v, 80, left, sizeof left, right, sizeof right, &bad);
    assert_true(cf_width(left, true) + cf_width(right, true) <= 80);
    assert_non_null(strstr(left, "BROKER DOWN"));
    assert_non_null(strstr(left, "STALE"));
    st.lag = -1;
    st.ever_connected = false;
    v = status_view_from(&st, "k1:9092", st.state_since_us + 2 * 1000000LL, true, true);
    status_line_format(&v, 120, left, sizeof left, right, sizeof right, &bad);
    assert_false(bad);
    assert_non_null(strstr(left, "connecting to k1:9092"));
    assert_non_null(strstr(left, "lag ?"));
}

static cl_result type(command_line *cl, const char *s)
{
    cl_result r = CL_IGNORED;
    for (; *s; s++) {
        tui_key k = {TUI_KEY_CHAR, (unsigned char)*s, false};
        r = command_line_key(cl, &k);
    }
    return r;
}

static cl_result press(command_line *cl, int code)
{
    tui_key k = {code, 0, false};
    return command_line_key(cl, &k);
}

static void test_command_line_editing_and_history(void **state)
{
    command_line *cl = command_line_new(":", 3);
    command_line_begin(cl, NULL);
    assert_int_equal(type(cl, "asset CNC"), CL_EDITED);
    tui_key e_acute = {TUI_KEY_CHAR, 0xe9, false};
    command_line_key(cl, &e_acute);
    assert_string_equal(command_line_text(cl), "asset CNC\xc3\xa9");
    press(cl, TUI_KEY_BACKSPACE); /* removes both bytes of the one character */
    assert_string_equal(command_line_text(cl), "asset CNC");
    press(cl, TUI_KEY_HOME);
    type(cl, "x");
    assert_string_equal(command_line_text(cl), "xasset CNC");
    press(cl, TUI_KEY_DELETE);
    assert_string_equal(command_line_text(cl), "xsset CNC");
    tui_key ctrl_w = {TUI_KEY_CHAR, 'w', true};
    press(cl, TUI_KEY_END);
    command_line_key(cl, &ctrl_w);
    assert_string_equal(command_line_text(cl), "xsset ");
    assert_int_equal(press(cl, TUI_KEY_ENTER), CL_ACCEPTED);
    assert_int_equal(press(cl, TUI_KEY_ESC), CL_CANCELLED);

    command_line_remember(cl, "one");
    command_line_remember(cl, "two");
    command_line_remember(cl, "two"); /* repeats are not kept twice */
    command_line_remember(cl, "");
    command_line_remember(cl, "three");
    command_line_remember(cl, "four"); /* the oldest drops out at 3 */
    assert_int_equal(command_line_history_count(cl), 3);
    command_line_begin(cl, NULL);
    type(cl, "draft");
    press(cl, TUI_KEY_UP);
    assert_string_equal(command_line_text(cl), "four");
    press(cl, TUI_KEY_UP);
    press(cl, TUI_KEY_UP);
    press(cl, TUI_KEY_UP);
    assert_string_equal(command_line_text(cl), "two");
    press(cl, TUI_KEY_DOWN);
    press(cl, TUI_KEY_DOWN);
    press(cl, TUI_KEY_DOWN);
    assert_string_equal(command_line_text(cl), "draft");
    command_line_destroy(cl);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void fill(tui_table *t)
{
    static const char *const cols[] = {"id", "value", "note"};
    tui_table_init(t, cols, 3);
    tui_table_add(t, TUI_CELL_TEXT, "Xact");
    tui_table_add(t, TUI_CELL_RAW, "84.566");
    tui_table_add(t, TUI_CELL_TEXT, "plain");
    tui_table_add(t, TUI_CELL_TEXT, "msg");
    tui_table_add(t, TUI_CELL_TEXT, "Door \"A\", left");
    tui_table_add(t, TUI_CELL_TEXT, "two\nlines");
    tui_table_add(t, TUI_CELL_TEXT, "prog");
    tui_table_add(t, TUI_CELL_NULL, NULL);
    tui_table_add(t, TUI_CELL_TEXT, "");
}

static void test_export_csv_and_ndjson(void **state)
{
    char dir[] = "/tmp/ofc-cell-XXXXXX", csv[64], nd[64], msg[512];
    assert_non_null(mkdtemp(dir));
    snprintf(csv, sizeof csv, "%s/a.csv", dir);
    snprintf(nd, sizeof nd, "%s/a.ndjson", dir);
    tui_table t;
    fill(&t);
    assert_int_equal(tui_table_rows(&t), 3);
    assert_int_equal(tui_export_format_for("x.jsonl"), TUI_EXPORT_NDJSON);
    assert_int_equal(tui_export_format_for("x.ndjson"), TUI_EXPORT_NDJSON);
    assert_int_equal(tui_export_format_for("x.json.csv"), TUI_EXPORT_CSV);

    assert_true(tui_export_save(&t, csv, false, msg, sizeof msg));
    assert_non_null(strstr(msg, "saved 3 rows"));
    assert_string_equal(slurp(csv), "id,value,note\r\n"
                                    "Xact,84.566,plain\r\n"
                                    "msg,\"Door \"\"A\"\", left\",\"two\nlines\"\r\n"
                                    "prog,,\r\n");
    /* Never overwritten without :save! */
    assert_false(tui_export_save(&t, csv, false, msg, sizeof msg));
    assert_non_null(strstr(msg, "exists"));
    assert_non_null(strstr(msg, ":save!"));
    tui_table_fini(&t);
    static const char *const one[] = {"id"};
    tui_table_init(&t, one, 1);
    tui_table_add(&t, TUI_CELL_TEXT, "only");
    assert_true(tui_export_save(&t, csv, true, msg, sizeof msg));
    assert_string_equal(slurp(csv), "id\r\nonly\r\n");
    tui_table_fini(&t);

    fill(&t);
    assert_true(tui_export_save(&t, nd, false, msg, sizeof msg));
    assert_non_null(strstr(msg, "NDJSON"));
    assert_string_equal(slurp(nd), "{\"id\":\"Xact\",\"value\":84.566,\"note\":\"plain\"}\n"
                                   "{\"id\":\"msg\",\"value\":\"Door \\\"A\\\", left\","
                                   "\"note\":\"two\\nlines\"}\n"
                                   "{\"id\":\"prog\",\"value\":null,\"note\":\"\"}\n");
    /* Errors are reported, not crashed on. */
    char bad[96];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.csv", dir);
    assert_false(tui_export_save(&t, bad, false, msg, sizeof msg));
    assert_non_null(strstr(msg, "cannot save"));
    tui_table_fini(&t);
    unlink(csv);
    unlink(nd);
    rmdir(dir);
}

/* Typed keys become UTF-8, except code points no UTF-8 text may hold. */
static void test_utf8_encode(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(cf_utf8_encode('A', out), 1);
    assert_int_equal(out[0], 'A');
    assert_int_equal(cf_utf8_encode(0xe9, out), 2); /* é */
    assert_memory_equal(out, "\xc3\xa9", 2);
    assert_int_equal(cf_utf8_encode(0x20ac, out), 3); /* € */
    assert_memory_equal(out, "\xe2\x82\xac", 3);
    assert_int_equal(cf_utf8_encode(0x1f600, out), 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
    assert_int_equal(cf_utf8_encode(0xd800, out), 0);
    assert_int_equal(cf_utf8_encode(0x110000, out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_ascii),
        cmocka_unit_test(test_fit_utf8_and_wide),
        cmocka_unit_test(test_fit_neutralises_control_and_invalid_bytes),
        cmocka_unit_test(test_ages),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_sparklines),
        cmocka_unit_test(test_state_glyphs_and_words),
        cmocka_unit_test(test_value_cells_and_filter),
        cmocka_unit_test(test_status_line_outage_wording),
        cmocka_unit_test(test_command_line_editing_and_history),
        cmocka_unit_test(test_export_csv_and_ndjson),
        cmocka_unit_test(test_utf8_encode),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
