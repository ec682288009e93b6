/* test_web_auth: who may use the web dashboard. The users file (strict parsing, errors naming
 * the line, atomic add/remove, permissions), bearer tokens, stateless sessions (issue, verify,
 * tampering, expiry, revocation by token rotation, replicas sharing one secret file), the
 * Cookie header, the login body, listen addresses and the Origin/Host rules, and the web.*
 * configuration properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "web_addr.h"
#include "web_session.h"
#include "web_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char hash_a[] =
    "blake2b:0000000000000000000000000000000000000000000000000000000000000001";

static char tmpdir[64];

static int setup_dir(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ofc-test-web-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static ofc_err parse(web_users *u, const char *text, char *err, size_t size)
{
    return web_users_parse(u, text, strlen(text), err, size);
}

static void expect_bad(const char *text, const char *line_and_reason)
{
    web_users u;
    char err[256];
    web_users_init(&u);
    assert_int_equal(parse(&u, text, err, sizeof err), OFC_ERR_PARSE);
    if (!strstr(err, line_and_reason))
        fail_msg("error \"%s\" does not contain \"%s\"", err, line_and_reason);
    assert_int_equal(u.count, 0);
    web_users_fini(&u);
}

static void test_users_file_parses_strictly(void **state)
{
    web_users u;
    char err[256], text[512];
    web_users_init(&u);
    snprintf(text, sizeof text,
             "# a comment\n\n  alice  operator  %s\r\nbob\tviewer\t%.71s2\n# end", hash_a, hash_a);
    assert_int_equal(parse(&u, text, err, sizeof err), OFC_OK);
    assert_int_equal(u.count, 2);
    assert_string_equal(u.users[0].name, "alice");
    assert_int_equal(u.users[0].role, WEB_ROLE_OPERATOR);
    assert_int_equal(u.users[0].hash[31], 1);
    assert_int_equal(u.users[1].role, WEB_ROLE_VIEWER);
    assert_int_equal(u.users[1].hash[31], 2);
    assert_non_null(web_users_find(&u, "bob"));
    assert_null(web_users_find(&u, "carol"));
    web_users_fini(&u);

    snprintf(text, sizeof text, "alice admin %s\n", hash_a);
    expect_bad(text, "line 1: role must be viewer or operator");
    snprintf(text, sizeof text, "#\nalice viewer %s extra\n", hash_a);
    expect_bad(text, "line 2: expected \"NAME ROLE HASH\"");
    snprintf(text, sizeof text, "alice viewer %s\nalice operator %s\n", hash_a, hash_a);
    expect_bad(text, "line 2: user named twice");
    expect_bad("alice viewer sha256:00\n", "line 1: hash must be");
    expect_bad(
        "alice viewer blake2b:000000000000000000000000000000000000000000000000000000000000000G\n",
        "line 1: hash must be");
    expect_bad(
        "alice viewer blake2b:000000000000000000000000000000000000000000000000000000000000000A\n",
        "line 1: hash must be"); /* upper-case hex: one spelling only */
    snprintf(text, sizeof text, "al ice viewer %s\n", hash_a);
    expect_bad(text, "line 1: expected");
    snprintf(text, sizeof text, "<script> viewer %s\n", hash_a);
    expect_bad(text, "line 1: bad user name");
    snprintf(text, sizeof text, "alice viewer %s\x1b[2J\n", hash_a);
    expect_bad(text, "line 1: control character");
    expect_bad("viewer\n", "line 1: expected");

    char nul[] = "alice viewer x\0y\n";
    web_users_init(&u);
    assert_int_equal(web_users_parse(&u, nul, sizeof nul - 1, err, sizeof err), OFC_ERR_PARSE);
    assert_non_null(strstr(err, "NUL"));
    web_users_fini(&u);
}

static void test_tokens_hash_and_match(void **state)
{
    char t1[WEB_TOKEN_SIZE], t2[WEB_TOKEN_SIZE];
    web_token_new(t1);
    web_token_new(t2);
    assert_int_equal(strlen(t1), 47);
    assert_memory_equal(t1, "ofc_", 4);
    assert_string_not_equal(t1, t2);
    for (const char *p = t1 + 4; *p; p++)
        assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));

    web_users u = {NULL, 0};
    u.users = calloc(2, sizeof *u.users);
    u.count = 2;
    snprintf(u.users[0].name, sizeof u.users[0].name, "alice");
    snprintf(u.users[1].name, sizeof u.users[1].name, "bob");
    web_token_hash(t1, strlen(t1), u.users[0].hash);
    web_token_hash(t2, strlen(t2), u.users[1].hash);
    assert_ptr_equal(web_users_by_token(&u, t1, strlen(t1)), &u.users[0]);
    assert_ptr_equal(web_users_by_token(&u, t2, strlen(t2)), &u.users[1]);
    assert_null(web_users_by_token(&u, t1, strlen(t1) - 1));
    assert_null(web_users_by_token(&u, "", 0));
    web_users_fini(&u);
}

static void test_users_add_remove_file(void **state)
{
    char path[128], token[WEB_TOKEN_SIZE], token2[WEB_TOKEN_SIZE], err[512];
    struct stat st;
    web_users u;
    snprintf(path, sizeof path, "%s/users", tmpdir);
    unlink(path);
    assert_int_equal(web_users_add(path, "alice", WEB_ROLE_OPERATOR, token, err, sizeof err),
                     OFC_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(web_users_add(path, "bob", WEB_ROLE_VIEWER, token2, err, sizeof err), OFC_OK);
    assert_int_equal(web_users_add(path, "bob", WEB_ROLE_VIEWER, token2, err, sizeof err),
                     OFC_ERR_STATE);
    assert_non_null(strstr(err, "exists"));
    assert_int_equal(web_users_add(path, "b b", WEB_ROLE_VIEWER, token2, err, sizeof err),
                     OFC_ERR_INVALID_ARG);

    /* The token is not in the file; its hash is, and it finds its user. */
    FILE *f = fopen(path, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_null(strstr(text, token + 4));
    assert_non_null(strstr(text, "# ofconsole web users"));
    web_users_init(&u);
    assert_int_equal(web_users_load(&u, path, err, sizeof err), OFC_OK);
    assert_int_equal(u.count, 2);
    const web_user *alice = web_users_by_token(&u, token, strlen(token));
    assert_non_null(alice);
    assert_string_equal(alice->name, "alice");
    assert_int_equal(alice->role, WEB_ROLE_OPERATOR);

    assert_int_equal(web_users_remove(path, "alice", err, sizeof err), OFC_OK);
    assert_int_equal(web_users_remove(path, "alice", err, sizeof err), OFC_ERR_NOT_FOUND);
    assert_int_equal(web_users_load(&u, path, err, sizeof err), OFC_OK);
    assert_int_equal(u.count, 1);
    assert_null(web_users_by_token(&u, token, strlen(token)));
    assert_non_null(web_users_by_token(&u, token2, strlen(token2)));

    /* A users file others can write is refused. */
    chmod(path, 0666);
    assert_int_equal(web_users_load(&u, path, err, sizeof err), OFC_ERR_IO);
    assert_non_null(strstr(err, "too much"));
    assert_int_equal(u.count, 0);
    web_users_fini(&u);
    unlink(path);
}

static web_users one_user(const char *name, const char *token)
{
    web_users u = {calloc(1, sizeof(web_user)), 1};
    snprintf(u.users[0].name, sizeof u.users[0].name, "%s", name);
    u.users[0].role = WEB_ROLE_VIEWER;
    web_token_hash(token, strlen(token), u.users[0].hash);
    return u;
}

static void test_sessions_verify_and_refuse(void **state)
{
    web_session_key key, other;
    char s[WEB_SESSION_MAX];
    const char *why;
    web_session_key_random(&key);
    web_session_key_random(&other);
    web_users u = one_user("alice", "ofc_token-one");
    int64_t now = 1800000000;

    size_t n = web_session_issue(&key, &u.users[0], now, 3600, s, sizeof s);
    assert_true(n > 10 && n < WEB_SESSION_MAX);
    assert_memory_equal(s, "v1.", 3);
    assert_ptr_equal(web_session_verify(&key, &u, s, n, now + 10, &why), &u.users[0]);
    assert_null(why);

    /* Another service's key, expiry, the future, a changed byte anywhere. */
    assert_null(web_session_verify(&other, &u, s, n, now, &why));
    assert_string_equal(why, "session not signed by this service");
    assert_null(web_session_verify(&key, &u, s, n, now + 3600, &why));
    assert_string_equal(why, "session expired");
    assert_null(web_session_verify(&key, &u, s, n, now - 3600, &why));
    assert_string_equal(why, "session from the future");
    for (size_t i = 0; i < n; i++) {
        char t[WEB_SESSION_MAX];
        memcpy(t, s, n);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        assert_null(web_session_verify(&key, &u, t, n, now, &why));
    }
    assert_null(web_session_verify(&key, &u, s, n - 1, now, &why));
    assert_null(web_session_verify(&key, &u, "", 0, now, &why));
    assert_null(web_session_verify(&key, &u, "v1.", 3, now, &why));
    assert_null(web_session_verify(&key, &u, "v1.a.b", 6, now, &why));

    /* Revocation: the user's token replaced, or the user gone. */
    web_users rotated = one_user("alice", "ofc_token-two");
    assert_null(web_session_verify(&key, &rotated, s, n, now, &why));
    assert_string_equal(why, "user's token was replaced");
    web_users other_user = one_user("bob", "ofc_token-one");
    assert_null(web_session_verify(&key, &other_user, s, n, now, &why));
    assert_string_equal(why, "user no longer exists");
    web_users_fini(&u);
    web_users_fini(&rotated);
    web_users_fini(&other_user);
}

static void test_secret_file_shared_by_replicas(void **state)
{
    char path[128], err[512];
    struct stat st;
    web_session_key a, b;
    snprintf(path, sizeof path, "%s/secret", tmpdir);
    unlink(path);
    assert_int_equal(web_session_key_load(&a, path, false, err, sizeof err), OFC_ERR_IO);
    assert_int_equal(web_session_key_load(&a, path, true, err, sizeof err), OFC_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    /* A second replica reading the same file gets the same key, so it accepts the session. */
    assert_int_equal(web_session_key_load(&b, path, true, err, sizeof err), OFC_OK);
    assert_memory_equal(a.k, b.k, sizeof a.k);
    web_users u = one_user("alice", "ofc_t");
    char s[WEB_SESSION_MAX];
    const char *why;
    size_t n = web_session_issue(&a, &u.users[0], 1000, 60, s, sizeof s);
    assert_non_null(web_session_verify(&b, &u, s, n, 1001, &why));
    web_users_fini(&u);

    chmod(path, 0640);
    assert_int_equal(web_session_key_load(&a, path, true, err, sizeof err), OFC_ERR_IO);
    chmod(path, 0600);
    FILE *f = fopen(path, "w");
    fputs("short\n", f);
    fclose(f);
    assert_int_equal(web_session_key_load(&a, path, true, err, sizeof err), OFC_ERR_CONFIG);
    unlink(path);
}

static void test_cookie_header(void **state)
{
    const char *v;
    size_t n;
    const char *h = "theme=dark; ofc_session=v1.abc.def;x=\"q\"";
    assert_true(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    assert_int_equal(n, 10);
    assert_memory_equal(v, "v1.abc.def", n);
    assert_true(web_cookie_find(h, strlen(h), "x", &v, &n));
    assert_memory_equal(v, "q", 1);
    assert_false(web_cookie_find(h, strlen(h), "ofc", &v, &n));
    h = "xofc_session=1; a=2";
    assert_false(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    h = "ofc_session=1; ofc_session=2"; /* a planted second cookie: refuse, do not guess */
    assert_false(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    h = "ofc_session=a b";
    assert_false(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    h = "novalue; ofc_session=1";
    assert_false(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    h = "ofc_session=\"unterminated";
    assert_false(web_cookie_find(h, strlen(h), "ofc_session", &v, &n));
    assert_false(web_cookie_find("", 0, "ofc_session", &v, &n));
}

static void test_login_body_and_bearer(void **state)
{
    char token[WEB_TOKEN_SIZE];
    const char *why, *t;
    size_t n;
    static const char *const bad[] = {
        "",
        "{}",
        "[]",
        "{\"token\":1}",
        "{\"token\":\"\"}",
        "{\"token\":\"a\",\"token\":\"b\"}",
        "{\"token\":\"a\",\"user\":\"b\"}",
        "{\"token\":\"a b\"}",
        "{\"token\":\"a\"} x",
        "{\"token\":{\"a\":1}}",
        "{\"token\":\"\\u0000\"}",
        "{\"token\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
        "{\"Token\":\"a\"}",
    };
    assert_true(web_login_parse("{\"token\":\"ofc_abc\"}", 19, token, &why));
    assert_string_equal(token, "ofc_abc");
    const char *spaced = " { \"token\" : \"x\" } ";
    assert_true(web_login_parse(spaced, strlen(spaced), token, &why));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (web_login_parse(bad[i], strlen(bad[i]), token, &why))
            fail_msg("accepted %s", bad[i]);

    assert_true(web_bearer_find("Bearer ofc_x", 12, &t, &n));
    assert_int_equal(n, 5);
    assert_true(web_bearer_find("bearer  ofc_x ", 14, &t, &n));
    assert_false(web_bearer_find("Basic abc", 9, &t, &n));
    assert_false(web_bearer_find("Bearer a b", 10, &t, &n));
    assert_false(web_bearer_find("Bearer ", 7, &t, &n));
}

static void test_listen_addresses(void **state)
{
    web_addr a;
    char err[128];
    assert_true(web_addr_parse("127.0.0.1:8080", &a, err, sizeof err));
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 8080);
    assert_true(a.loopback);
    assert_true(web_addr_parse("localhost:0", &a, err, sizeof err));
    assert_true(a.loopback);
    assert_int_equal(a.port, 0);
    assert_true(web_addr_parse("9000", &a, err, sizeof err));
    assert_true(a.loopback);
    assert_true(web_addr_parse("127.8.9.10:1", &a, err, sizeof err));
    assert_true(a.loopback);
    assert_true(web_addr_parse("[::1]:443", &a, err, sizeof err));
    assert_true(a.loopback && a.ipv6);
    assert_true(web_addr_parse("0.0.0.0:80", &a, err, sizeof err));
    assert_false(a.loopback);
    assert_string_equal(a.host, "");
    assert_true(web_addr_parse(":80", &a, err, sizeof err));
    assert_false(a.loopback);
    assert_true(web_addr_parse("[::]:80", &a, err, sizeof err));
    assert_false(a.loopback);
    assert_true(web_addr_parse("192.168.1.5:80", &a, err, sizeof err));
    assert_false(a.loopback);
    assert_false(web_addr_parse("example.com:80", &a, err, sizeof err));
    assert_false(web_addr_parse("127.0.0.1:65536", &a, err, sizeof err));
    assert_false(web_addr_parse("127.0.0.1:", &a, err, sizeof err));
    assert_false(web_addr_parse("127.0.0.1:-1", &a, err, sizeof err));
    assert_false(web_addr_parse("::1:80", &a, err, sizeof err));
    assert_false(web_addr_parse("[::1]80", &a, err, sizeof err));
}

static void test_origin_and_host(void **state)
{
    const char *host = "127.0.0.1:8080";
    const char *allowed[] = {"https://console.example.com"};
#define ORIGIN_OK(o, tls) web_origin_ok(o, strlen(o), host, strlen(host), tls, allowed, 1)
    assert_true(ORIGIN_OK("http://127.0.0.1:8080", false));
    assert_true(ORIGIN_OK("HTTP://127.0.0.1:8080", false));
    assert_false(ORIGIN_OK("https://127.0.0.1:8080", false));
    assert_true(ORIGIN_OK("https://127.0.0.1:8080", true));
    assert_false(ORIGIN_OK("http://127.0.0.1:8081", false));
    assert_false(ORIGIN_OK("http://evil.example", false));
    assert_false(ORIGIN_OK("http://127.0.0.1:8080.evil.example", false));
    assert_false(ORIGIN_OK("null", false));
    assert_true(ORIGIN_OK("https://console.example.com", false));
    assert_false(ORIGIN_OK("https://console.example.com.evil", false));
    assert_false(web_origin_ok("http://", 7, "", 0, false, NULL, 0));
#undef ORIGIN_OK
    assert_true(web_host_is_loopback("127.0.0.1:8080", 14));
    assert_true(web_host_is_loopback("localhost", 9));
    assert_true(web_host_is_loopback("LOCALHOST:1", 11));
    assert_true(web_host_is_loopback("[::1]:8080", 10));
    assert_false(web_host_is_loopback("evil.example:8080", 17));
    assert_false(web_host_is_loopback("127.0.0.1.evil.example", 22));
    assert_false(web_host_is_loopback("10.0.0.1", 8));
    assert_false(web_host_is_loopback("", 0));
}

static void test_web_properties(void **state)
{
    char err[256];
    ofc_config *cfg = ofc_config_new();
    assert_string_equal(ofc_config_get(cfg, "web.listen"), "127.0.0.1:8080");
    assert_string_equal(ofc_config_get(cfg, "web.users"), "");
    assert_int_equal(ofc_config_get_int(cfg, "web.max_clients"), 4096);
    assert_int_equal(ofc_config_get_int(cfg, "web.delta_interval_ms"), 50);
    assert_int_equal(ofc_config_set(cfg, "web.max_clients", "0", err, sizeof err), OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "web.max_clients", "1000", err, sizeof err), OFC_OK);
    assert_int_equal(ofc_config_set(cfg, "web.delta_interval_ms", "10001", err, sizeof err),
                     OFC_ERR_CONFIG);
    assert_int_equal(ofc_config_set(cfg, "web.stale_after_s", "300", err, sizeof err), OFC_OK);
    assert_int_equal(ofc_config_set(cfg, "web.users", "/etc/ofconsole/users", err, sizeof err),
                     OFC_OK);
    assert_int_equal(ofc_config_get_int(cfg, "web.stale_after_s"), 300);
    ofc_config_destroy(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users_file_parses_strictly),
        cmocka_unit_test(test_tokens_hash_and_match),
        cmocka_unit_test(test_users_add_remove_file),
        cmocka_unit_test(test_sessions_verify_and_refuse),
        cmocka_unit_test(test_secret_file_shared_by_replicas),
        cmocka_unit_test(test_cookie_header),
        cmocka_unit_test(test_login_body_and_bearer),
        cmocka_unit_test(test_listen_addresses),
        cmocka_unit_test(test_origin_and_host),
        cmocka_unit_test(test_web_properties),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
