/* bench/tui_latency: does `ofc tui` keep up with a flooding plant, how soon does a record reach
 * the screen, and what does the console cost, under load and idle?
 *
 * Real processes throughout: `ofc broker`, `ofc tui` in a tmux pane (120x40, 256 colours, the
 * detail pane on a CNC whose axes change all the time), and `ofc sim --assets 2000 --rate 20000`.
 * Measured:
 *   - lag: the consumer lag the TUI itself shows on its status line, read every second with
 *     `tmux capture-pane`; keeping up means it does not grow over the window;
 *   - latency: with OFC_TUI_LATENCY_LOG the TUI appends, per redraw that follows model changes,
 *     the delay from the oldest change's arrival (the receive time the feed records) to the
 *     doupdate() that put it on screen; p50/p99 over every redraw in the window. Also, for the
 *     whole way (producer, broker, fetch, console), the delay from the oldest change's source
 *     timestamp (the sim's clock, on the same machine);
 *   - CPU of the TUI process (all its threads, librdkafka's included) from /proc/<pid>/stat
 *     over the window, then over an idle window with the sim stopped.
 * Targets (issue 3): p99 < 50 ms, CPU < 0.5 core under the flood, idle < 1 %.
 *
 * usage: tui_latency [--assets N] [--rate R] [--seconds S] [--idle-seconds S] [--warmup S]
 *                    [-X PROP=VALUE]...   (passed to ofc tui, e.g. -X fetch.wait.max.ms=100)
 */
#define _GNU_SOURCE
#include "bench_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char sock[64], dir[64];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Run tmux on our socket; stdout into buf (if given). */
static int tmux(char *buf, size_t size, const char *first, ...)
{
    char *argv[24] = {"tmux", "-L", sock};
    int n = 3;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < 23; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t pid = bench_spawn(argv, fds[1]);
    close(fds[1]);
    size_t len = 0;
    ssize_t r;
    char sink[4096];
    while ((r = read(fds[0], buf ? buf + len : sink, buf ? size - 1 - len : sizeof sink)) > 0)
        if (buf)
            len += (size_t)r;
    close(fds[0]);
    if (buf)
        buf[len] = '\0';
    return bench_wait(pid);
}

/* utime + stime of a process in seconds. */
static double cpu_seconds(pid_t pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')');
    unsigned long long ut = 0, st = 0;
    /* After the comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime (fields 3..15). */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the process's threads, split: the loop thread (named like the process) and
 * librdkafka's own threads ("rdk:..."). */
static void thread_cpu(pid_t pid, double *loop, double *rdk)
{
    char cmd[128], line[256];
    *loop = *rdk = 0;
    snprintf(cmd, sizeof cmd, "cat /proc/%d/task/*/stat 2>/dev/null", (int)pid);
    FILE *f = popen(cmd, "r");
    while (f && fgets(line, sizeof line, f)) {
        const char *open = strchr(line, '('), *close = strrchr(line, ')');
        unsigned long long ut = 0, st = 0;
        if (!open || !close ||
            sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) !=
                2)
            continue;
        double s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
        if (strncmp(open + 1, "rdk:", 4) == 0)
            *rdk += s;
        else
            *loop += s;
    }
    if (f)
        pclose(f);
}

/* The lag the TUI shows on its status line; -1 if not found. */
static long shown_lag(void)
{
    static char scr[1 << 16];
    if (tmux(scr, sizeof scr, "capture-pane", "-p", "-t", "tui", NULL) != 0)
        return -1;
    const char *l = strstr(scr, "lag ");
    return l && l[4] >= '0' && l[4] <= '9' ? strtol(l + 4, NULL, 10) : -1;
}

/* The records/s the TUI shows; -1 if not found. */
static double shown_rate(void)
{
    static char scr[1 << 16];
    if (tmux(scr, sizeof scr, "capture-pane", "-p", "-t", "tui", NULL) != 0)
        return -1;
    const char *r = strstr(scr, " rec/s");
    if (!r)
        return -1;
    while (r > scr && r[-1] >= '0' && r[-1] <= '9')
        r--;
    return atof(r);
}

static bool screen_has(const char *text)
{
    static char scr[1 << 16];
    return tmux(scr, sizeof scr, "capture-pane", "-p", "-t", "tui", NULL) == 0 &&
           strstr(scr, text) != NULL;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Redraw latencies (us) logged between two wall-clock times: column 1 arrival -> screen,
 * column 2 source timestamp -> screen (lines without a source time are skipped there). */
static long *latencies(const char *path, int column, int64_t from_us, int64_t to_us, size_t *count)
{
    FILE *f = fopen(path, "r");
    size_t n = 0, cap = 1024;
    long *v = malloc(cap * sizeof *v);
    long long t, d, e;
    while (f && fscanf(f, "%lld %lld %lld", &t, &d, &e) == 3) {
        if (t < from_us || t > to_us || (column == 2 && e <= 0))
            continue;
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = (long)(column == 2 ? e : d);
    }
    if (f)
        fclose(f);
    qsort(v, n, sizeof *v, cmp_long);
    *count = n;
    return v;
}

static long pct(const long *v, size_t n, double p)
{
    if (!n)
        return -1;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static const char *verdict(bool ok)
{
    return ok ? "ok" : "MISSED";
}

int main(int argc, char **argv)
{
    const char *assets = "2000", *rate = "20000";
    double seconds = 20, idle_seconds = 20, warmup = 10;
    char xprops[512] = ""; /* -X properties for ofc tui, to see what a setting costs */
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--assets") == 0)
            assets = argv[i + 1];
        else if (strcmp(argv[i], "--rate") == 0)
            rate = argv[i + 1];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--idle-seconds") == 0)
            idle_seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = atof(argv[i + 1]);
        else if (strcmp(argv[i], "-X") == 0 &&
                 strlen(xprops) + strlen(argv[i + 1]) + 5 < sizeof xprops)
            snprintf(xprops + strlen(xprops), sizeof xprops - strlen(xprops), " -X %s",
                     argv[i + 1]);
        else {
            fprintf(stderr, "usage: tui_latency [--assets N] [--rate R] [--seconds S] "
                            "[--idle-seconds S] [--warmup S] [-X PROP=VALUE]...\n");
            return 2;
        }
    }
    snprintf(dir, sizeof dir, "/tmp/ofc-tui-bench-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(sock, sizeof sock, "ofc-tui-bench-%d", (int)getpid());
    char lat_path[128], boot[256];
    snprintf(lat_path, sizeof lat_path, "%s/latency.log", dir);

    int fds[2];
    if (pipe(fds))
        return 1;
    char *broker_argv[] = {OFC_BINARY, "broker", NULL};
    pid_t broker = bench_spawn(broker_argv, fds[1]);
    close(fds[1]);
    size_t n = 0;
    while (n < sizeof boot - 1 && read(fds[0], boot + n, 1) == 1 && boot[n] != '\n')
        n++;
    boot[n] = '\0';
    close(fds[0]);

    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color OFC_TUI_LATENCY_LOG=%s "
             "%s tui -b %s --since end%s 2>%s/tui.err",
             lat_path, OFC_BINARY, boot, xprops, dir);
    tmux(NULL, 0, "-f", "/dev/null", "new-session", "-d", "-s", "tui", "-x", "120", "-y", "40", cmd,
         NULL);
    tmux(NULL, 0, "set", "-g", "status", "off", NULL);
    char pidbuf[64];
    tmux(pidbuf, sizeof pidbuf, "display", "-p", "-t", "tui", "#{pane_pid}", NULL);
    pid_t tui = (pid_t)strtol(pidbuf, NULL, 10);
    for (double t0 = now_s(); !screen_has("connected since") && now_s() - t0 < 30;)
        sleep_s(0.2);

    char *sim_argv[] = {OFC_BINARY, "sim",        "-b",     boot, "--assets", (char *)assets,
                        "--rate",   (char *)rate, "--seed", "1",  NULL};
    pid_t sim = bench_spawn(sim_argv, -1);
    printf("ofc tui%s under ofc sim --assets %s --rate %s (warm-up %.0f s, window %.0f s)\n",
           xprops, assets, rate, warmup, seconds);
    fflush(stdout);
    sleep_s(warmup / 2);
    tmux(NULL, 0, "send-keys", "-t", "tui", ":asset CNC-001", "Enter", NULL);
    sleep_s(warmup / 2);

    /* The flood window. */
    long lags[600];
    double rates[600];
    int nlags = 0;
    int64_t from_us = wall_us();
    double c0 = cpu_seconds(tui), t0 = now_s(), fl0, fr0, fl1, fr1;
    thread_cpu(tui, &fl0, &fr0);
    while (now_s() - t0 < seconds && nlags < 600) {
        lags[nlags] = shown_lag();
        rates[nlags++] = shown_rate();
        sleep_s(1.0);
    }
    double c1 = cpu_seconds(tui), t1 = now_s();
    thread_cpu(tui, &fl1, &fr1);
    int64_t to_us = wall_us();
    double flood_cpu = (c1 - c0) / (t1 - t0);

    kill(sim, SIGTERM);
    int sim_status = bench_wait(sim);
    /* Let the console drain what the sim flushed on exit, then measure it doing nothing. */
    sleep_s(5);
    size_t idle_before = 0;
    free(latencies(lat_path, 1, 0, INT64_MAX, &idle_before));
    double i0 = cpu_seconds(tui), it0 = now_s(), il0, ir0, il1, ir1;
    thread_cpu(tui, &il0, &ir0);
    sleep_s(idle_seconds);
    double i1 = cpu_seconds(tui), it1 = now_s();
    thread_cpu(tui, &il1, &ir1);
    size_t idle_after = 0;
    free(latencies(lat_path, 1, 0, INT64_MAX, &idle_after));
    double idle_cpu = (i1 - i0) / (it1 - it0);

    size_t nlat;
    long *lat = latencies(lat_path, 1, from_us, to_us, &nlat);
    long p50 = pct(lat, nlat, 0.50), p99 = pct(lat, nlat, 0.99), pmax = nlat ? lat[nlat - 1] : -1;
    free(lat);
    size_t nsrc;
    long *src = latencies(lat_path, 2, from_us, to_us, &nsrc);
    long s50 = pct(src, nsrc, 0.50), s99 = pct(src, nsrc, 0.99);
    free(src);

    /* Keeping up: the lag does not trend upwards; the median of the last third of the window
     * is no higher than that of the first (or than one second of records / 10, for noise).
     * Single-second blips, which a shared machine makes, do not count as growth. */
    long first[200], last[200], all_max = 0;
    int nf = 0, nl = 0;
    for (int i = 0; i < nlags; i++) {
        if (lags[i] > all_max)
            all_max = lags[i];
        if (i < nlags / 3)
            first[nf++] = lags[i];
        if (i >= nlags - nlags / 3)
            last[nl++] = lags[i];
    }
    qsort(first, (size_t)nf, sizeof *first, cmp_long);
    qsort(last, (size_t)nl, sizeof *last, cmp_long);
    long first_med = nf ? first[nf / 2] : 0, last_med = nl ? last[nl / 2] : 0;
    long allowance = atol(rate) / 10;
    bool kept_up = nlags > 3 && last_med <= (first_med > allowance ? first_med : allowance);
    printf("\nlag shown on the status line, every second:");
    for (int i = 0; i < nlags; i++)
        printf(" %ld", lags[i]);
    double rate_sum = 0;
    for (int i = 0; i < nlags; i++)
        rate_sum += rates[i];
    printf("\nrecords/s shown, mean over the window: %.0f\n", nlags ? rate_sum / nlags : 0);
    char v0[64];
    printf("\n%-44s %-14s %-12s %s\n", "measure", "value", "target", "");
    snprintf(v0, sizeof v0, "%s (%ld->%ld)", kept_up ? "yes" : "no", first_med, last_med);
    printf("%-44s %-14s %-12s %s\n", "keeps up (median lag, first->last third)", v0, "no growth",
           verdict(kept_up));
    snprintf(v0, sizeof v0, "%ld", all_max);
    printf("%-44s %-14s\n", "lag, highest second", v0);
    char v[64];
    snprintf(v, sizeof v, "%.1f ms", (double)p50 / 1000);
    printf("%-44s %-14s %-12s\n", "arrival -> screen, p50", v, "");
    snprintf(v, sizeof v, "%.1f ms", (double)p99 / 1000);
    printf("%-44s %-14s %-12s %s\n", "arrival -> screen, p99", v, "< 50 ms",
           verdict(p99 >= 0 && p99 < 50000));
    snprintf(v, sizeof v, "%.1f ms", (double)pmax / 1000);
    printf("%-44s %-14s\n", "arrival -> screen, max", v);
    snprintf(v, sizeof v, "%.1f / %.1f ms", (double)s50 / 1000, (double)s99 / 1000);
    printf("%-44s %-14s\n", "plant timestamp -> screen, p50 / p99", v);
    snprintf(v, sizeof v, "%zu (%.1f/s)", nlat, (double)nlat / (t1 - t0));
    printf("%-44s %-14s %-12s %s\n", "redraws following changes", v, "<= ~30/s",
           verdict((double)nlat / (t1 - t0) <= 31));
    snprintf(v, sizeof v, "%.3f core", flood_cpu);
    printf("%-44s %-14s %-12s %s\n", "TUI CPU under the flood", v, "< 0.5 core",
           verdict(flood_cpu < 0.5));
    snprintf(v, sizeof v, "%.2f %%", idle_cpu * 100);
    printf("%-44s %-14s %-12s %s\n", "TUI CPU idle (sim stopped)", v, "< 1 %",
           verdict(idle_cpu < 0.01));
    snprintf(v, sizeof v, "%.3f / %.3f", (fl1 - fl0) / (t1 - t0), (fr1 - fr0) / (t1 - t0));
    printf("%-44s %-14s\n", "  flood: loop thread / librdkafka threads", v);
    snprintf(v, sizeof v, "%.2f / %.2f %%", (il1 - il0) / (it1 - it0) * 100,
             (ir1 - ir0) / (it1 - it0) * 100);
    printf("%-44s %-14s\n", "  idle: loop thread / librdkafka threads", v);
    snprintf(v, sizeof v, "%zu", idle_after - idle_before);
    printf("%-44s %-14s %-12s %s\n", "redraws following changes while idle", v, "0",
           verdict(idle_after == idle_before));
    printf("(sim exit status %d)\n", sim_status);

    tmux(NULL, 0, "send-keys", "-t", "tui", "q", NULL);
    for (double q0 = now_s(); kill(tui, 0) == 0 && now_s() - q0 < 10;)
        sleep_s(0.1);
    tmux(NULL, 0, "kill-server", NULL);
    const char *tmp = getenv("TMUX_TMPDIR");
    snprintf(cmd, sizeof cmd, "%s/tmux-%ld/%s", tmp && *tmp ? tmp : "/tmp", (long)getuid(), sock);
    unlink(cmd); /* tmux leaves its socket file behind */
    kill(broker, SIGTERM);
    bench_wait(broker);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
