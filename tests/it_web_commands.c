/* it_web_commands: signed commands through `ofc web --trust` over real sockets, with the
 * hand-written WebSocket client, against `ofc broker` and `ofc sim --trust`.
 *
 * The browser test (tests/web/commands.test.mjs) drives the page; this one speaks the protocol
 * directly, so it can send what no page would: a record signed by the core in C (the server
 * takes any correct signer, not only the page's JavaScript), stale and future-dated commands, a
 * key the trust store does not know, and command messages that are malformed or too large. It
 * asserts the states relayed to the sender (PENDING, SENT with partition and offset, ECHOED,
 * EXECUTED, in that order), each refusal's reason and id, the closing codes, the metrics, the
 * read-only server without --trust, GET /audit, and the policy questions a page asks before
 * signing (answered to operators only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "command.h"
#include "op_key.h"
#include "support/proc.h"
#include "support/web_proc.h"
#include "support/ws_client.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TARGET "TEMP-CTRL-001"

static struct {
    proc broker, web, sim, ro;
    char boot[256], dir[64], users[128], trust[128], truth[128];
    char op[64], vic[64]; /* tokens */
    char bearer_hdr[128];
    int port, ro_port;
    ofc_op_key *alice, *stranger;
} G;

static bool add_user(const char *name, const char *role, char *token, size_t size)
{
    return web_proc_add_user(OFC_BINARY, G.users, name, role, token, size);
}

static bool start_web(proc *p, int *port, const char *trust)
{
    char *argv[] = {OFC_BINARY,        "web",         "-b",       G.boot,
                    "--users",         G.users,       "--listen", "127.0.0.1:0",
                    (char *)"--trust", (char *)trust, NULL};
    if (!trust)
        argv[8] = NULL;
    return web_proc_start(p, argv, port, NULL, 20000);
}

static ofc_op_key *make_key(const char *name)
{
    char path[160], err[256];
    snprintf(path, sizeof path, "%s/%s.key", G.dir, name);
    ofc_op_key *k = NULL;
    if (ofc_op_key_generate(name, path, NULL, err, sizeof err) != OFC_OK ||
        ofc_op_key_load(path, NULL, &k, err, sizeof err) != OFC_OK)
        return NULL;
    return k;
}

static int group_setup(void **state)
{
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-it-webcmd-XXXXXX");
    if (!mkdtemp(G.dir) || !ofc_crypto_init())
        return -1;
    snprintf(G.users, sizeof G.users, "%s/users", G.dir);
    snprintf(G.trust, sizeof G.trust, "%s/trust", G.dir);
    snprintf(G.truth, sizeof G.truth, "%s/truth.json", G.dir);
    G.alice = make_key("alice");
    G.stranger = make_key("stranger");
    if (!G.alice || !G.stranger || !add_user("op", "operator", G.op, sizeof G.op) ||
        !add_user("vic", "viewer", G.vic, sizeof G.vic))
        return -1;
    snprintf(G.bearer_hdr, sizeof G.bearer_hdr, "Authorization: Bearer %s\r\n", G.op);
    char line[256];
    ofc_trust_line(ofc_op_key_public(G.alice), "alice", line, sizeof line);
    FILE *f = fopen(G.trust, "w");
    if (!f)
        return -1;
    fprintf(f, "%s roles=operator methods=SwitchMode assets=" TARGET "\n", line);
    fclose(f);
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    char *sim[] = {OFC_BINARY, "sim", "-b",      G.boot,  "--assets",     "6",     "--rate", "20",
                   "--seed",   "3",   "--trust", G.trust, "--truth-file", G.truth, NULL};
    if (!proc_spawn(&G.sim, sim, false, false) || !start_web(&G.web, &G.port, G.trust) ||
        !start_web(&G.ro, &G.ro_port, NULL))
        return -1;
    /* The plant registered and the server read it. */
    for (int i = 0; i < 100 && access(G.truth, R_OK) != 0; i++)
        proc_sleep_ms(200);
    proc_sleep_ms(2000);
    return 0;
}

static int group_teardown(void **state)
{
    proc_stop(&G.sim, 5000);
    proc_stop(&G.web, 5000);
    proc_stop(&G.ro, 5000);
    proc_stop(&G.broker, 5000);
    ofc_op_key_destroy(G.alice);
    ofc_op_key_destroy(G.stranger);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A connection whose hello says whether the server takes commands. */
static void open_as(ws_client *c, int port, const char *token, bool commands)
{
    ws_opts o = {.bearer = token};
    assert_int_equal(ws_client_connect(c, port, &o, 10000, NULL), 101);
    char *msg;
    size_t len;
    assert_int_equal(ws_client_recv(c, &msg, &len, 10000), 1);
    json_t *hello = json_loads(msg, 0, NULL);
    free(msg);
    assert_string_equal(json_string_value(json_object_get(hello, "type")), "hello");
    assert_true(json_is_boolean(json_object_get(hello, "commands")));
    assert_int_equal(json_is_true(json_object_get(hello, "commands")), commands);
    json_decref(hello);
}

static char *signed_record(const ofc_op_key *k, const char *value, int64_t now_us, char *cid)
{
    const char *names[] = {"NewMode"}, *values[] = {value};
    ofc_signed_command cmd;
    char err[256];
    assert_int_equal(ofc_command_sign(k, TARGET, "SwitchMode", 1, names, values, "it_web_commands",
                                      now_us, &cmd, err, sizeof err),
                     OFC_OK);
    if (cid)
        strcpy(cid, cmd.correlation_id);
    char *rec = strdup(cmd.record);
    ofc_signed_command_fini(&cmd);
    return rec;
}

static void send_command(ws_client *c, int64_t id, const char *target, const char *record)
{
    json_t *m = json_pack("{s:s, s:I, s:s, s:s}", "type", "command", "id", (json_int_t)id, "target",
                          target, "record", record);
    char *text = json_dumps(m, JSON_COMPACT);
    assert_true(ws_client_send_text(c, text));
    free(text);
    json_decref(m);
}

/* The next command_state / command_refused for id (other messages skipped); NULL on timeout. */
static json_t *next_reply(ws_client *c, int64_t id, int timeout_ms)
{
    int64_t end = proc_mono_ms() + timeout_ms;
    while (proc_mono_ms() < end) {
        char *msg;
        size_t len;
        int r = ws_client_recv(c, &msg, &len, (int)(end - proc_mono_ms()));
        if (r <= 0)
            return NULL;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        const char *type = json_string_value(json_object_get(m, "type"));
        if (type && (strcmp(type, "command_state") == 0 || strcmp(type, "command_refused") == 0) &&
            json_integer_value(json_object_get(m, "id")) == id)
            return m;
        json_decref(m);
    }
    return NULL;
}

static const char *current_mode(void)
{
    static char mode[32];
    json_t *t = json_load_file(G.truth, 0, NULL);
    size_t i, k;
    json_t *a, *at;
    mode[0] = '\0';
    json_array_foreach(json_object_get(t, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), TARGET) != 0)
            continue;
        json_array_foreach(json_object_get(a, "attributes"), k, at)
        {
            if (strcmp(json_string_value(json_object_get(at, "id")), "mode") == 0)
                snprintf(mode, sizeof mode, "%s", json_string_value(json_object_get(at, "value")));
        }
    }
    json_decref(t);
    return mode;
}

/* A record signed in C goes PENDING, SENT (partition, offset), ECHOED, EXECUTED, in order. */
static void test_c_signed_command_is_executed(void **state)
{
    ws_client c;
    open_as(&c, G.port, G.op, true);
    const char *want = strcmp(current_mode(), "MANUAL") == 0 ? "AUTO" : "MANUAL";
    char cid[37];
    char *rec = signed_record(G.alice, want, ofc_time_now_us(), cid);
    send_command(&c, 1, TARGET, rec);
    const char *order[] = {"PENDING", "SENT", "ECHOED", "EXECUTED"};
    size_t seen = 0;
    for (json_t *m; seen < 4 && (m = next_reply(&c, 1, 30000));) {
        assert_string_equal(json_string_value(json_object_get(m, "type")), "command_state");
        assert_string_equal(json_string_value(json_object_get(m, "correlation_id")), cid);
        const char *st = json_string_value(json_object_get(m, "state"));
        while (seen < 4 && strcmp(st, order[seen]) != 0)
            seen++; /* a state may be skipped (ECHOED can come with the outcome), never reordered */
        assert_true(seen < 4);
        if (strcmp(st, "SENT") == 0) {
            assert_true(json_integer_value(json_object_get(m, "partition")) >= 0);
            assert_true(json_integer_value(json_object_get(m, "offset")) >= 0);
        }
        if (strcmp(st, "EXECUTED") == 0)
            assert_non_null(strstr(json_string_value(json_object_get(m, "detail")), "verified"));
        seen++;
        json_decref(m);
    }
    assert_int_equal(seen, 4);
    /* The plant writes the new mode after its outcome, and a device the sim has off line (its
     * random outages) only when it comes back; the truth file is rewritten every 2 s. */
    for (int i = 0; i < 30 && strcmp(current_mode(), want) != 0; i++)
        proc_sleep_ms(2000);
    assert_string_equal(current_mode(), want);
    free(rec);
    ws_client_close(&c);
}

static void expect_refused(ws_client *c, int64_t id, const char *target, const char *record,
                           const char *reason)
{
    send_command(c, id, target, record);
    json_t *m = next_reply(c, id, 10000);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "command_refused");
    assert_string_equal(json_string_value(json_object_get(m, "reason")), reason);
    assert_true(strlen(json_string_value(json_object_get(m, "message"))) > 0);
    json_decref(m);
}

static void test_refusals_are_named(void **state)
{
    ws_client c;
    int64_t now = ofc_time_now_us();
    char *ok = signed_record(G.alice, "AUTO", now, NULL);
    char *stale = signed_record(G.alice, "AUTO", now - 10 * 60 * 1000000LL, NULL);
    char *ahead = signed_record(G.alice, "AUTO", now + 10 * 60 * 1000000LL, NULL);
    char *unknown = signed_record(G.stranger, "AUTO", now, NULL);

    open_as(&c, G.port, G.vic, true);
    expect_refused(&c, 2, TARGET, ok, "not_operator");
    ws_client_close(&c);

    open_as(&c, G.port, G.op, true);
    expect_refused(&c, 3, TARGET, stale, "expired");
    expect_refused(&c, 4, TARGET, ahead, "future");
    expect_refused(&c, 5, TARGET, unknown, "unknown_key");
    expect_refused(&c, 6, "CNC-001", ok, "bad_signature");
    expect_refused(&c, 7, TARGET, "{\"ID\":\"SwitchMode_CMD\"}", "bad_record");
    expect_refused(&c, 8, TARGET, "[]", "bad_record");
    ws_client_close(&c);

    open_as(&c, G.ro_port, G.op, false);
    expect_refused(&c, 9, TARGET, ok, "read_only");
    ws_client_close(&c);
    free(ok);
    free(stale);
    free(ahead);
    free(unknown);

    char *body = NULL;
    assert_int_equal(
        http_request(G.port, "GET", "/metrics", G.bearer_hdr, NULL, 10000, NULL, &body), 200);
    assert_non_null(strstr(body, "ofc_web_commands_refused_total{reason=\"not_operator\"} 1\n"));
    assert_non_null(strstr(body, "ofc_web_commands_refused_total{reason=\"expired\"} 1\n"));
    assert_non_null(strstr(body, "ofc_web_commands_refused_total{reason=\"bad_record\"} 2\n"));
    free(body);
}

/* The server follows its trust store: deleted, or opened to others by a chmod alone, it trusts
 * nobody (fail closed), not the keys it read before, and says so (trust_unavailable, not
 * unknown_key: the operator's key is fine); mended, it takes commands again, without a
 * restart. */
static void test_broken_trust_store_refuses_every_command(void **state)
{
    char moved[160];
    snprintf(moved, sizeof moved, "%s.away", G.trust);
    struct stat st;
    assert_int_equal(stat(G.trust, &st), 0);
    ws_client c;
    open_as(&c, G.port, G.op, true);
    for (int how = 0; how < 2; how++) {
        if (how == 0)
            assert_int_equal(rename(G.trust, moved), 0);
        else
            assert_int_equal(chmod(G.trust, 0666), 0);
        sleep(3); /* looked at once a second */
        char *rec = signed_record(G.alice, "AUTO", ofc_time_now_us(), NULL);
        expect_refused(&c, 60 + 2 * how, TARGET, rec, "trust_unavailable");
        free(rec);
        if (how == 0)
            assert_int_equal(rename(moved, G.trust), 0);
        else
            assert_int_equal(chmod(G.trust, st.st_mode & 0777), 0);
        sleep(3);
        rec = signed_record(G.alice, "AUTO", ofc_time_now_us(), NULL);
        send_command(&c, 61 + 2 * how, TARGET, rec);
        json_t *m = next_reply(&c, 61 + 2 * how, 10000);
        assert_non_null(m);
        assert_string_equal(json_string_value(json_object_get(m, "type")), "command_state");
        json_decref(m);
        free(rec);
    }
    ws_client_close(&c);
}

/* Replicas share nothing but Kafka: a command one replica accepted and produced, replayed to
 * another, is refused by that one as replayed (it learned the id from the log), not produced. */
static void test_replay_to_another_replica_is_refused(void **state)
{
    ws_client c;
    open_as(&c, G.port, G.op, true);
    char cid[37];
    char *rec = signed_record(G.alice, "AUTO", ofc_time_now_us(), cid);
    send_command(&c, 70, TARGET, rec);
    json_t *m = next_reply(&c, 70, 10000);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "command_state");
    json_decref(m);
    ws_client_close(&c);

    proc other;
    int other_port;
    assert_true(start_web(&other, &other_port, G.trust));
    /* Wait until the other replica has read the command from the log (its audit lists it). */
    bool seen = false;
    char path[96];
    snprintf(path, sizeof path, "/audit?operator=alice");
    for (int tries = 0; tries < 100 && !seen; tries++) {
        char *body = NULL;
        if (http_request(other_port, "GET", path, G.bearer_hdr, NULL, 10000, NULL, &body) == 200)
            seen = body && strstr(body, cid);
        free(body);
        if (!seen)
            proc_sleep_ms(200);
    }
    assert_true(seen);
    open_as(&c, other_port, G.op, true);
    expect_refused(&c, 71, TARGET, rec, "replayed");
    ws_client_close(&c);
    free(rec);
    assert_int_equal(proc_stop(&other, 10000), 0);
}

/* Messages that are not well-formed commands close the connection, with the code saying why. */
static void test_malformed_commands_close(void **state)
{
    struct {
        const char *text;
        int code;
        const char *why;
    } cases[] = {
        {"{\"type\":\"command\",\"target\":\"X\"}", 4400, "missing"},
        {"{\"type\":\"command\",\"target\":\"X\",\"record\":{}}", 4400, "nested"},
        {"{\"type\":\"command\",\"target\":\"X\",\"record\":\"{}\",\"key\":\"x\"}", 4400,
         "unknown field"},
        {"{\"type\":\"command\",\"target\":\"X\",\"record\":\"{\\u0007}\"}", 4400, "control"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ws_client c;
        open_as(&c, G.port, G.op, true);
        assert_true(ws_client_send_text(&c, cases[i].text));
        char *msg;
        size_t len;
        int r;
        while ((r = ws_client_recv(&c, &msg, &len, 10000)) == 1)
            free(msg);
        assert_int_equal(r, -1);
        assert_int_equal(c.close_code, cases[i].code);
        assert_non_null(strstr(c.close_reason, cases[i].why));
        ws_client_close(&c);
    }
    /* Larger than a message may be: 1009. */
    ws_client c;
    open_as(&c, G.port, G.op, true);
    char *big = malloc(6000);
    int n = snprintf(big, 6000, "{\"type\":\"command\",\"target\":\"X\",\"record\":\"");
    memset(big + n, 'a', 5000);
    snprintf(big + n + 5000, 100, "\"}");
    assert_true(ws_client_send_text(&c, big));
    free(big);
    char *msg;
    size_t len;
    int r;
    while ((r = ws_client_recv(&c, &msg, &len, 10000)) == 1)
        free(msg);
    assert_int_equal(c.close_code, 1009);
    ws_client_close(&c);
}

static json_t *ask_policy(ws_client *c, const char *key_id, const char *target, const char *method)
{
    char text[512];
    if (target)
        snprintf(text, sizeof text,
                 "{\"type\":\"policy\",\"key_id\":\"%s\",\"target\":\"%s\",\"method\":\"%s\"}",
                 key_id, target, method);
    else
        snprintf(text, sizeof text, "{\"type\":\"policy\",\"key_id\":\"%s\"}", key_id);
    assert_true(ws_client_send_text(c, text));
    int64_t end = proc_mono_ms() + 10000;
    while (proc_mono_ms() < end) {
        char *msg;
        size_t len;
        if (ws_client_recv(c, &msg, &len, 10000) != 1)
            break;
        json_t *m = json_loads(msg, 0, NULL);
        free(msg);
        if (strcmp(json_string_value(json_object_get(m, "type")), "policy") == 0)
            return m;
        json_decref(m);
    }
    fail_msg("no policy answer");
    return NULL;
}

/* What the trust store says before anything is signed: only to operators. */
static void test_policy_questions(void **state)
{
    ws_client c;
    open_as(&c, G.port, G.op, true);
    json_t *m = ask_policy(&c, ofc_op_key_id(G.alice), TARGET, "SwitchMode");
    assert_true(json_is_true(json_object_get(m, "trusted")));
    assert_true(json_is_true(json_object_get(m, "allowed")));
    assert_string_equal(json_string_value(json_object_get(m, "operator")), "alice");
    json_decref(m);
    m = ask_policy(&c, ofc_op_key_id(G.alice), TARGET, "ResetController");
    assert_true(json_is_false(json_object_get(m, "allowed")));
    assert_non_null(strstr(json_string_value(json_object_get(m, "why")), "method"));
    json_decref(m);
    m = ask_policy(&c, ofc_op_key_id(G.alice), "CNC-001", "SwitchMode");
    assert_true(json_is_false(json_object_get(m, "allowed")));
    json_decref(m);
    m = ask_policy(&c, ofc_op_key_id(G.stranger), NULL, NULL);
    assert_true(json_is_false(json_object_get(m, "trusted")));
    assert_true(json_is_null(json_object_get(m, "operator")));
    json_decref(m);
    ws_client_close(&c);

    open_as(&c, G.port, G.vic, true); /* a viewer learns nothing of the store */
    m = ask_policy(&c, ofc_op_key_id(G.alice), TARGET, "SwitchMode");
    assert_true(json_is_false(json_object_get(m, "trusted")));
    assert_true(json_is_null(json_object_get(m, "operator")));
    assert_non_null(strstr(json_string_value(json_object_get(m, "why")), "operator role"));
    json_decref(m);
    ws_client_close(&c);

    open_as(&c, G.ro_port, G.op, false);
    m = ask_policy(&c, ofc_op_key_id(G.alice), NULL, NULL);
    assert_true(json_is_false(json_object_get(m, "trusted")));
    assert_non_null(strstr(json_string_value(json_object_get(m, "why")), "no trust store"));
    json_decref(m);
    ws_client_close(&c);
}

/* GET /audit: the executed command, valid, with its signed record; NDJSON one line each. */
static void test_audit_route(void **state)
{
    char *body = NULL;
    assert_int_equal(http_request(G.port, "GET", "/audit?operator=alice", G.bearer_hdr, NULL, 10000,
                                  NULL, &body),
                     200);
    json_t *doc = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(doc);
    assert_true(json_is_true(json_object_get(doc, "trusted")));
    json_t *entries = json_object_get(doc, "entries");
    assert_true(json_array_size(entries) >= 1);
    json_t *e = json_array_get(entries, 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "valid");
    assert_string_equal(json_string_value(json_object_get(e, "target")), TARGET);
    assert_non_null(strstr(json_string_value(json_object_get(e, "record")), "ed25519:"));
    size_t n = json_array_size(entries);
    json_decref(doc);

    assert_int_equal(http_request(G.port, "GET", "/audit?operator=alice&format=ndjson",
                                  G.bearer_hdr, NULL, 10000, NULL, &body),
                     200);
    size_t lines = 0;
    for (char *p = body, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        *nl = '\0';
        json_t *o = json_loads(p, 0, NULL);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "operator")), "alice");
        json_decref(o);
        lines++;
    }
    free(body);
    assert_int_equal(lines, n);
    assert_int_equal(http_request(G.port, "GET", "/audit", NULL, NULL, 10000, NULL, NULL), 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_signed_command_is_executed),
        cmocka_unit_test(test_refusals_are_named),
        cmocka_unit_test(test_broken_trust_store_refuses_every_command),
        cmocka_unit_test(test_replay_to_another_replica_is_refused),
        cmocka_unit_test(test_malformed_commands_close),
        cmocka_unit_test(test_audit_route),
        cmocka_unit_test(test_policy_questions),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    proc_kill_all();
    return rc;
}
