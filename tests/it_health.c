/* it_health: `ofc health`, the probe a container HEALTHCHECK runs, against a real `ofc web`:
 * healthy while the gateway answers, not healthy once it is gone, and --require-caught-up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/proc.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static int health(const char *url, bool caught_up, char **out)
{
    char *argv[] = {
        OFC_BINARY, "health", "--url", (char *)url, caught_up ? "--require-caught-up" : NULL, NULL};
    int st;
    *out = proc_run(argv, NULL, 20000, &st);
    return st;
}

static void test_health_follows_the_gateway(void **state)
{
    proc broker, web;
    char boot[256], listen[64], url[96];
    assert_true(proc_start_broker(&broker, OFC_BINARY, boot, sizeof boot, NULL));
    snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
    snprintf(url, sizeof url, "http://%s/healthz", listen);
    char *argv[] = {OFC_BINARY, "web", "-b", boot, "--listen", listen, "--no-auth", NULL};
    assert_true(proc_spawn(&web, argv, false, false));

    char *out = NULL;
    int st = 1;
    for (int i = 0; i < 100 && st != 0; i++) {
        free(out);
        st = health(url, true, &out);
        if (st)
            nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "200 "));
    assert_non_null(strstr(out, "\"caught_up\":true"));
    free(out);

    assert_int_equal(proc_stop(&web, 10000), 0);
    assert_int_equal(health(url, false, &out), 1);
    free(out);
    char *bad[] = {OFC_BINARY, "health", "--url", "https://x:1/healthz", NULL};
    free(proc_run(bad, NULL, 10000, &st));
    assert_int_equal(st, 2);
    assert_int_equal(proc_stop(&broker, 5000), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_follows_the_gateway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
