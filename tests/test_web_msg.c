/* test_web_msg: the messages a browser may send on ofc-live.v1, accepted exactly as documented
 * in docs/protocol.md and refused, with a reason, in every other shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "web_json.h"
#include "web_msg.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static web_msg_parser *P;

static int setup(void **state)
{
    P = web_msg_parser_new();
    return 0;
}

static int teardown(void **state)
{
    web_msg_parser_destroy(P);
    return 0;
}

static bool parse(const char *text, web_msg *m, char *why)
{
    return web_msg_parse(P, text, strlen(text), m, why, 100);
}

static void test_accepted(void **state)
{
    web_msg m;
    char why[100];
    assert_true(parse("{\"type\":\"subscribe\",\"uns\":\"Demofactory/Machining/\"}", &m, why));
    assert_int_equal(m.type, WEB_MSG_SUBSCRIBE);
    assert_string_equal(m.uns, "Demofactory/Machining");
    assert_true(parse("{\"uns\":\"\",\"type\":\"subscribe\"}", &m, why));
    assert_string_equal(m.uns, "");
    assert_true(parse(" {\"type\" : \"resync\"} \n", &m, why));
    assert_int_equal(m.type, WEB_MSG_RESYNC);
    assert_true(parse("{\"type\":\"history\",\"asset\":\"CNC-001\"}", &m, why));
    assert_int_equal(m.type, WEB_MSG_HISTORY);
    assert_string_equal(m.asset, "CNC-001");
    assert_true(
        parse("{\"type\":\"history\",\"asset\":\"<img src=x onerror=alert(1)>\"}", &m, why));
    assert_string_equal(m.asset, "<img src=x onerror=alert(1)>");
    assert_true(parse("{\"type\":\"ping\",\"id\":9007199254740991}", &m, why));
    assert_int_equal(m.type, WEB_MSG_PING);
    assert_int_equal(m.id, 9007199254740991LL);
    assert_true(parse("{\"type\":\"ping\"}", &m, why));
    assert_int_equal(m.id, 0);
    assert_true(parse("{\"type\":\"subscribe\",\"uns\":\"Fabrik/Halle \\u00e9\"}", &m, why));
    assert_string_equal(m.uns, "Fabrik/Halle \xc3\xa9");
}

static void expect_refused(const char *text, size_t len, const char *reason)
{
    web_msg m;
    char why[100];
    if (web_msg_parse(P, text, len, &m, why, sizeof why))
        fail_msg("accepted %.*s", (int)len, text);
    if (!strstr(why, reason))
        fail_msg("%.*s: reason \"%s\", wanted \"%s\"", (int)len, text, why, reason);
    assert_true(strlen(why) < 100);
}

#define REFUSED(text, reason) expect_refused(text, strlen(text), reason)

static void test_refused_with_reason(void **state)
{
    REFUSED("", "syntax");
    REFUSED("null", "object");
    REFUSED("[\"ping\"]", "object");
    REFUSED("\"ping\"", "object");
    REFUSED("{\"type\":\"ping\"", "syntax");
    REFUSED("{\"type\":\"ping\"} {}", "syntax");
    REFUSED("{\"type\":\"ping\",}", "syntax");
    REFUSED("{'type':'ping'}", "syntax");
    REFUSED("{}", "missing \"type\"");
    REFUSED("{\"type\":\"shutdown\"}", "unknown type");
    REFUSED("{\"type\":\"subscribeeeeeeeeeeeeeeeeee\"}", "unknown type");
    REFUSED("{\"type\":1}", "must be a string");
    REFUSED("{\"type\":\"ping\",\"extra\":1}", "unknown field \"extra\"");
    REFUSED("{\"type\":\"ping\",\"Type\":\"ping\"}", "unknown field");
    REFUSED("{\"type\":\"ping\",\"type\":\"resync\"}", "twice");
    REFUSED("{\"type\":\"ping\",\"id\":1.5}", "integer");
    REFUSED("{\"type\":\"ping\",\"id\":9007199254740992}", "integer");
    REFUSED("{\"type\":\"ping\",\"id\":\"1\"}", "integer");
    REFUSED("{\"type\":\"ping\",\"id\":1e3}", "integer");
    REFUSED("{\"type\":\"ping\",\"id\":99999999999999999999999}", "range");
    REFUSED("{\"type\":\"ping\",\"uns\":\"\"}", "not allowed");
    REFUSED("{\"type\":\"resync\",\"asset\":\"x\"}", "not allowed");
    REFUSED("{\"type\":\"subscribe\"}", "missing");
    REFUSED("{\"type\":\"history\"}", "missing");
    REFUSED("{\"type\":\"history\",\"asset\":\"\"}", "1 to");
    REFUSED("{\"type\":\"history\",\"asset\":null}", "must be a string");
    REFUSED("{\"type\":\"subscribe\",\"uns\":{\"a\":1}}", "nested");
    REFUSED("{\"type\":\"subscribe\",\"uns\":[]}", "nested");
    REFUSED("{\"type\":\"subscribe\",\"uns\":\"a\\nb\"}", "control character");
    REFUSED("{\"type\":\"subscribe\",\"uns\":\"a\\u0000b\"}", "UTF-8 or NUL");
    REFUSED("{\"type\":\"subscribe\",\"uns\":\"\xff\"}", "UTF-8");
    REFUSED("{\"type\":\"subscribe\",\"uns\":\"\xed\xa0\x80\"}", "UTF-8");
    REFUSED("{\"type\":\"subscribe\",\"uns\":\"\\ud800\"}", "UTF-8");
    REFUSED("{\"type\":\"ping\",\"\\u001b[2J\":1}", "unknown field \"?\"");
    char nul[] = "{\"type\":\"ping\"}\0";
    expect_refused(nul, sizeof nul - 1, "syntax");

    /* Sizes: a uns of the limit passes, one byte more does not; the message has its own cap. */
    char *big = malloc(WEB_MSG_MAX + 64);
    int n = snprintf(big, WEB_MSG_MAX + 64, "{\"type\":\"subscribe\",\"uns\":\"");
    memset(big + n, 'a', WEB_UNS_MAX);
    snprintf(big + n + WEB_UNS_MAX, 64, "\"}");
    web_msg m;
    char why[100];
    assert_true(web_msg_parse(P, big, strlen(big), &m, why, sizeof why));
    assert_int_equal(strlen(m.uns), WEB_UNS_MAX);
    memset(big + n, 'a', WEB_UNS_MAX + 1);
    snprintf(big + n + WEB_UNS_MAX + 1, 64, "\"}");
    REFUSED(big, "longer than");
    memset(big, ' ', WEB_MSG_MAX + 1);
    expect_refused(big, WEB_MSG_MAX + 1, "larger than");
    free(big);
}

/* A command carries a whole signed record as a JSON string: unescaped once here, judged later
 * by the verifier (so a record that is not a command still parses as a message). */
static void test_command_message(void **state)
{
    web_msg m;
    char why[100];
    const char *rec =
        "{\\\"ID\\\":\\\"SwitchMode_CMD\\\",\\\"VALUE\\\":\\\"{\\\\\\\"header\\\\\\\":{}}\\\"}";
    char text[512];
    snprintf(text, sizeof text,
             "{\"type\":\"command\",\"id\":7,\"target\":\"TEMP-CTRL-001\",\"record\":\"%s\"}", rec);
    assert_true(parse(text, &m, why));
    assert_int_equal(m.type, WEB_MSG_COMMAND);
    assert_int_equal(m.id, 7);
    assert_string_equal(m.asset, "TEMP-CTRL-001");
    assert_string_equal(m.record, "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":\"{\\\"header\\\":{}}\"}");
    assert_int_equal(m.record_len, strlen(m.record));
    /* id is optional (0) */
    assert_true(parse("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\"}", &m, why));
    assert_int_equal(m.id, 0);

    REFUSED("{\"type\":\"command\",\"target\":\"X\"}", "missing");
    REFUSED("{\"type\":\"command\",\"record\":\"{}\"}", "missing");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{\"}", "2 to");
    REFUSED("{\"type\":\"command\",\"target\":\"\",\"record\":\"{}\"}",
            "\"target\" must hold 1 to");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":{}}", "nested");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":1}", "must be a string");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"asset\":\"X\"}",
            "not allowed");
    REFUSED("{\"type\":\"history\",\"target\":\"X\"}", "not allowed");
    REFUSED("{\"type\":\"ping\",\"record\":\"{}\"}", "not allowed");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"record\":\"{}\"}", "twice");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{\\n}\"}", "control character");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"signature\":\"x\"}",
            "unknown field");
    REFUSED("{\"type\":\"command\",\"id\":\"7\",\"target\":\"X\",\"record\":\"{}\"}", "integer");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"id\":1,\"id\":2}", "twice");
}

/* A policy question: a key id of 16 lower-case hex digits, optionally a target and a method. */
static void test_policy_message(void **state)
{
    web_msg m;
    char why[100];
    assert_true(parse("{\"type\":\"policy\",\"key_id\":\"d3bd75fcd7676504\",\"target\":"
                      "\"TEMP-CTRL-001\",\"method\":\"SwitchMode\"}",
                      &m, why));
    assert_int_equal(m.type, WEB_MSG_POLICY);
    assert_string_equal(m.key_id, "d3bd75fcd7676504");
    assert_string_equal(m.asset, "TEMP-CTRL-001");
    assert_string_equal(m.method, "SwitchMode");
    assert_true(parse("{\"type\":\"policy\",\"key_id\":\"0123456789abcdef\"}", &m, why));
    assert_string_equal(m.asset, "");
    assert_string_equal(m.method, "");
    REFUSED("{\"type\":\"policy\"}", "missing");
    REFUSED("{\"type\":\"policy\",\"key_id\":\"D3BD75FCD7676504\"}", "16 lower-case hex");
    REFUSED("{\"type\":\"policy\",\"key_id\":\"d3bd75fcd767650\"}", "16 lower-case hex");
    REFUSED("{\"type\":\"policy\",\"key_id\":\"d3bd75fcd7676504\",\"method\":\"a-b\"}",
            "\"method\" must be");
    REFUSED("{\"type\":\"policy\",\"key_id\":\"d3bd75fcd7676504\",\"method\":\"\"}",
            "\"method\" must be");
    REFUSED("{\"type\":\"policy\",\"key_id\":\"d3bd75fcd7676504\",\"record\":\"{}\"}",
            "not allowed");
    REFUSED("{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"method\":\"M\"}",
            "not allowed");
}

static json_t *load(json_writer *jw)
{
    json_error_t err;
    json_t *o = json_loadb(jw->buf, jw->len, 0, &err);
    assert_non_null(o);
    return o;
}

/* What the page is told about its command: the documented fields, strings escaped. */
static void test_command_replies(void **state)
{
    json_writer jw;
    jw_init(&jw);
    ofc_cmd_status st;
    memset(&st, 0, sizeof st);
    snprintf(st.correlation_id, sizeof st.correlation_id, "3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a");
    snprintf(st.target, sizeof st.target, "TEMP-CTRL-001");
    snprintf(st.method, sizeof st.method, "SwitchMode");
    st.state = OFC_CMD_SENT;
    st.partition = 3;
    st.offset = 1842;
    web_json_command_state(&jw, 7, &st, 1795000000000000LL);
    json_t *o = load(&jw);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "command_state");
    assert_int_equal(json_integer_value(json_object_get(o, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "SENT");
    assert_int_equal(json_integer_value(json_object_get(o, "partition")), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "offset")), 1842);
    assert_string_equal(json_string_value(json_object_get(o, "correlation_id")), st.correlation_id);
    json_decref(o);

    st.state = OFC_CMD_REJECTED;
    snprintf(st.detail, sizeof st.detail, "policy_denied: \"quoted\" <b>");
    web_json_command_state(&jw, 7, &st, 1795000000000000LL);
    o = load(&jw);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "REJECTED");
    assert_string_equal(json_string_value(json_object_get(o, "detail")),
                        "policy_denied: \"quoted\" <b>");
    json_decref(o);

    web_json_command_refused(&jw, 9, NULL, "read_only", "no trust store");
    o = load(&jw);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "command_refused");
    assert_true(json_is_null(json_object_get(o, "correlation_id")));
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "read_only");
    json_decref(o);
    web_json_command_refused(&jw, 9, st.correlation_id, "bad_signature", "no match");
    o = load(&jw);
    assert_string_equal(json_string_value(json_object_get(o, "correlation_id")), st.correlation_id);
    json_decref(o);

    web_json_policy(&jw, "d3bd75fcd7676504", "TEMP-CTRL-001", "SwitchMode", true, "alice", false,
                    "the method is not allowed for this key");
    o = load(&jw);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "policy");
    assert_true(json_is_true(json_object_get(o, "trusted")));
    assert_true(json_is_false(json_object_get(o, "allowed")));
    assert_string_equal(json_string_value(json_object_get(o, "operator")), "alice");
    json_decref(o);
    web_json_policy(&jw, "d3bd75fcd7676504", "", "", false, NULL, false, "unknown");
    o = load(&jw);
    assert_true(json_is_null(json_object_get(o, "operator")));
    json_decref(o);
    jw_fini(&jw);
}

static void test_uns_rule(void **state)
{
    assert_true(web_msg_uns_valid("", 0));
    assert_true(web_msg_uns_valid("Demofactory/Machining", 21));
    assert_false(web_msg_uns_valid("a\tb", 3));
    assert_false(web_msg_uns_valid("a\0b", 3));
    assert_false(web_msg_uns_valid("\xc0\xaf", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),        cmocka_unit_test(test_refused_with_reason),
        cmocka_unit_test(test_uns_rule),        cmocka_unit_test(test_command_message),
        cmocka_unit_test(test_command_replies), cmocka_unit_test(test_policy_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
