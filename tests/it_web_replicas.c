/* it_web_replicas: `ofc web` replicas share nothing but Kafka, and an app identity makes a
 * replica a good OpenFactory citizen. Real processes on loopback: `ofc broker`, `ofc sim`, and
 * several `ofc web`, spoken to by the test's WebSocket client (support/ws_client.c).
 *
 * Asserts: two replicas reading the same log give identical snapshots (assets, attributes with
 * their Kafka origins, conditions, UNS tree, and the offsets the snapshot reflects); a replica
 * killed with SIGKILL and started again rebuilds exactly the state it had; a session cookie
 * issued by one replica opens a WebSocket on the other (no sticky sessions); with APP_UUID
 * (and a task slot when replicated) a replica registers as an OpenFactoryApp, says UNAVAILABLE
 * before AVAILABLE, registers its Prometheus target with its metrics port, and on SIGTERM closes
 * its browsers with 1001, reports UNAVAILABLE and deregisters, exiting well within Swarm's
 * 10 s grace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/live_json.h"
#include "support/proc.h"
#include "support/web_proc.h"
#include "support/ws_client.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct replica {
    proc p;
    const char *name;
    int port, metrics_port;
} replica;

static struct {
    proc broker;
    char boot[256];
    char dir[64], users[128], secret[128];
    char alice[64];
    replica a, b;
} G;

/* Every replica the same way a Swarm service starts its tasks: same users, same secret. */
static bool start_replica(replica *r, const char *name)
{
    char *argv[] = {OFC_BINARY,
                    "web",
                    "-b",
                    G.boot,
                    "--users",
                    G.users,
                    "--listen",
                    "127.0.0.1:0",
                    "--session-secret",
                    G.secret,
                    "--metrics-listen",
                    "127.0.0.1:0",
                    "--replica",
                    (char *)name,
                    NULL};
    r->name = name;
    return web_proc_start(&r->p, argv, &r->port, &r->metrics_port, 30000);
}

/* What a replica's state is, without what only says when or where it was read: the local
 * arrival times, the moment the document was made and the connection's own status. */
static void strip_local(json_t *v)
{
    if (json_is_object(v)) {
        json_object_del(v, "received");
        json_object_del(v, "generated_at");
        json_object_del(v, "status");
        const char *k;
        json_t *child;
        json_object_foreach(v, k, child) strip_local(child);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) strip_local(child);
    }
}

/* The plant as a fresh browser on replica r gets it (complete: the replica caught up). */
static json_t *replica_snapshot(const replica *r)
{
    int64_t deadline = proc_mono_ms() + 60000;
    while (proc_mono_ms() < deadline) {
        ws_client c;
        ws_opts o = {.bearer = G.alice};
        if (ws_client_connect(&c, r->port, &o, 10000, NULL) != 101) {
            proc_sleep_ms(200);
            continue;
        }
        json_t *m = live_recv_type(&c, "snapshot", 20000);
        ws_client_close(&c);
        json_t *doc = m ? json_incref(json_object_get(m, "snapshot")) : NULL;
        json_decref(m);
        if (doc && json_is_true(json_object_get(doc, "complete"))) {
            strip_local(doc);
            return doc;
        }
        json_decref(doc);
        proc_sleep_ms(300);
    }
    return NULL;
}

/* Snapshots of two replicas taken when both reflect the same offsets (a replica may lag). */
static void expect_same_plant(json_t *a, json_t *b, const char *what)
{
    assert_non_null(a);
    assert_non_null(b);
    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
        char *sb = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
        size_t i = 0;
        while (sa[i] && sa[i] == sb[i])
            i++;
        size_t from = i > 200 ? i - 200 : 0;
        fprintf(stderr, "%s: differ at byte %zu:\n  %.400s\n  %.400s\n", what, i, sa + from,
                sb + from);
        free(sa);
        free(sb);
    }
    assert_true(json_equal(a, b));
}

static bool same_positions(const json_t *a, const json_t *b)
{
    return json_equal(json_object_get(a, "positions"), json_object_get(b, "positions"));
}

static int group_setup(void **state)
{
    snprintf(G.dir, sizeof G.dir, "/tmp/ofc-it-replicas-XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.users, sizeof G.users, "%s/users", G.dir);
    snprintf(G.secret, sizeof G.secret, "%s/secret", G.dir);
    if (!web_proc_add_user(OFC_BINARY, G.users, "alice", "operator", G.alice, sizeof G.alice))
        return -1;
    if (!proc_start_broker(&G.broker, OFC_BINARY, G.boot, sizeof G.boot, NULL))
        return -1;
    /* A plant whose log then stands still, so that "the same log" is a fixed thing. */
    char *sargv[] = {OFC_BINARY, "sim",        "-b", G.boot,   "--assets", "12", "--rate",
                     "300",      "--duration", "5s", "--seed", "11",       NULL};
    int st;
    free(proc_run(sargv, NULL, 60000, &st));
    if (st != 0)
        return -1;
    if (!start_replica(&G.a, "replica-a") || !start_replica(&G.b, "replica-b"))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    if (G.a.p.pid > 0)
        proc_stop(&G.a.p, 5000);
    if (G.b.p.pid > 0)
        proc_stop(&G.b.p, 5000);
    proc_stop(&G.broker, 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_two_replicas_give_identical_snapshots(void **state)
{
    json_t *a = replica_snapshot(&G.a), *b = replica_snapshot(&G.b);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_array_size(json_object_get(a, "assets")) >= 12);
    assert_true(json_array_size(json_object_get(a, "positions")) > 0);
    assert_true(same_positions(a, b));
    expect_same_plant(a, b, "replica-a vs replica-b");
    json_decref(a);
    json_decref(b);
}

static void test_restarted_replica_rebuilds_the_same_state(void **state)
{
    json_t *before = replica_snapshot(&G.a);
    assert_non_null(before);
    proc_signal(&G.a.p, SIGKILL); /* a crash: nothing saved, nothing said */
    assert_int_equal(proc_wait(&G.a.p, 10000), 128 + SIGKILL);
    G.a.p.pid = 0;
    assert_true(start_replica(&G.a, "replica-a"));
    json_t *after = replica_snapshot(&G.a);
    assert_true(same_positions(before, after));
    expect_same_plant(before, after, "replica-a before vs after its restart");
    json_decref(before);
    json_decref(after);
}

static void test_session_from_one_replica_opens_the_other(void **state)
{
    char body[128], *h = NULL, *resp = NULL;
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", G.alice);
    assert_int_equal(http_request(G.a.port, "POST", "/login", "Content-Type: application/json\r\n",
                                  body, 10000, &h, &resp),
                     200);
    char *cookie = http_header(h, "set-cookie");
    assert_non_null(cookie);
    *strchr(cookie, ';') = '\0';
    free(h);
    free(resp);
    ws_client c;
    ws_opts o = {.cookie = cookie};
    assert_int_equal(ws_client_connect(&c, G.b.port, &o, 10000, NULL), 101);
    json_t *hello = live_recv_type(&c, "hello", 5000);
    assert_non_null(hello);
    assert_string_equal(json_string_value(json_object_get(hello, "user")), "alice");
    json_decref(hello);
    ws_client_close(&c);
    free(cookie);
}

/* "avail" values the app published, in log order (one key: one partition, so ordered). */
static char *avail_history(const char *uuid)
{
    char *argv[] = {"kcat", "-C", "-b", G.boot,    "-t", "ofa_assets",
                    "-e",   "-q", "-f", "%k %s\n", NULL};
    int st;
    char *out = proc_run(argv, NULL, 30000, &st);
    if (st != 0 || !out) {
        free(out);
        return NULL;
    }
    size_t cap = 1024, n = 0;
    char *hist = calloc(1, cap);
    size_t klen = strlen(uuid);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, uuid, klen) != 0 || line[klen] != ' ')
            continue;
        json_t *rec = json_loads(line + klen + 1, 0, NULL);
        const char *id = json_string_value(json_object_get(rec, "ID"));
        const char *v = json_string_value(json_object_get(rec, "VALUE"));
        if (id && v && strcmp(id, "avail") == 0 && n + strlen(v) + 2 < cap)
            n += (size_t)snprintf(hist + n, cap - n, "%s%s", n ? "," : "", v);
        json_decref(rec);
    }
    free(out);
    return hist;
}

static const json_t *find_asset(const json_t *snap, const char *uuid)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(snap, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "uuid")), uuid) == 0)
            return a;
    }
    return NULL;
}

static const char *attr_value(const json_t *asset, const char *id)
{
    size_t i;
    json_t *at;
    json_array_foreach(json_object_get(asset, "attributes"), i, at)
    {
        if (strcmp(json_string_value(json_object_get(at, "id")), id) == 0)
            return json_string_value(json_object_get(at, "value"));
    }
    return NULL;
}

/* replica-b's view of the app, polled until pred holds or a minute passes. */
static json_t *wait_for_app(const char *uuid, bool want_present, const char *want_avail)
{
    int64_t deadline = proc_mono_ms() + 60000;
    while (proc_mono_ms() < deadline) {
        json_t *snap = replica_snapshot(&G.b);
        const json_t *app = snap ? find_asset(snap, uuid) : NULL;
        const char *avail = app ? attr_value(app, "avail") : NULL;
        if (want_present ? (app && avail && strcmp(avail, want_avail) == 0) : !app)
            return snap;
        json_decref(snap);
        proc_sleep_ms(300);
    }
    return NULL;
}

static void test_app_identity_registers_and_leaves_within_the_grace(void **state)
{
    const char *uuid = "OFC-WEB-IT-3";
    setenv("APP_UUID", "OFC-WEB-IT", 1);
    setenv("SWARM_REPLICAS", "2", 1);
    setenv("SWARM_TASK_SLOT", "3", 1);
    replica c;
    bool started = start_replica(&c, "replica-c");
    unsetenv("APP_UUID");
    unsetenv("SWARM_REPLICAS");
    unsetenv("SWARM_TASK_SLOT");
    assert_true(started);

    /* Seen by another replica: an OpenFactoryApp, AVAILABLE once it caught up. */
    json_t *snap = wait_for_app(uuid, true, "AVAILABLE");
    assert_non_null(snap);
    const json_t *app = find_asset(snap, uuid);
    assert_string_equal(json_string_value(json_object_get(app, "asset_type")), "OpenFactoryApp");
    assert_string_equal(attr_value(app, "DockerService"), "ofc-web-it-3");
    assert_non_null(attr_value(app, "application_version"));
    json_decref(snap);
    char *hist = avail_history(uuid);
    assert_non_null(hist);
    assert_string_equal(hist, "UNAVAILABLE,AVAILABLE");
    free(hist);

    /* Its Prometheus target is its metrics listener. */
    char *kargv[] = {"kcat", "-C", "-b", G.boot,    "-t", "metrics_targets_topic",
                     "-e",   "-q", "-f", "%k %s\n", NULL};
    int st;
    char *out = proc_run(kargv, NULL, 20000, &st);
    char want[160];
    snprintf(want, sizeof want, "%s {\"HOST\":\"ofc-web-it-3\",\"PORT\":%d,\"PATH\":\"/metrics\"}",
             uuid, c.metrics_port);
    assert_non_null(out);
    assert_non_null(strstr(out, want));
    free(out);

    /* SIGTERM, as Swarm stops a task: browsers hear 1001, then the app leaves the plant. */
    ws_client ws;
    ws_opts o = {.bearer = G.alice};
    assert_int_equal(ws_client_connect(&ws, c.port, &o, 10000, NULL), 101);
    json_decref(live_recv_type(&ws, "snapshot", 20000));
    int64_t t0 = proc_mono_ms();
    proc_signal(&c.p, SIGTERM);
    char *msg;
    size_t len;
    int r;
    while ((r = ws_client_recv(&ws, &msg, &len, 1000)) != -1 && proc_mono_ms() - t0 < 10000)
        if (r == 1)
            free(msg);
    assert_int_equal(ws.close_code, 1001);
    ws_client_close(&ws);
    assert_int_equal(proc_wait(&c.p, 10000), 0);
    int64_t took = proc_mono_ms() - t0;
    fprintf(stderr, "replica-c stopped in %lld ms\n", (long long)took);
    assert_true(took < 10000);

    hist = avail_history(uuid);
    assert_non_null(hist);
    assert_string_equal(hist, "UNAVAILABLE,AVAILABLE,UNAVAILABLE");
    free(hist);
    snap = wait_for_app(uuid, false, NULL); /* deregistered: gone from the plant */
    assert_non_null(snap);
    json_decref(snap);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_replicas_give_identical_snapshots),
        cmocka_unit_test(test_restarted_replica_rebuilds_the_same_state),
        cmocka_unit_test(test_session_from_one_replica_opens_the_other),
        cmocka_unit_test(test_app_identity_registers_and_leaves_within_the_grace),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    proc_kill_all();
    return rc;
}
