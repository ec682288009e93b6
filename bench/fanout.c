/* bench/fanout: how `ofc web` fans the live plant out to many browsers.
 *
 * Real processes on loopback: `ofc broker`, `ofc sim` at --rate records/s (10,000 by default)
 * and `ofc web`; then 100 and 1,000 WebSocket clients (this program, one epoll loop) that
 * follow the whole plant. For each client count, over --seconds of steady state:
 *   - updates delivered per second: attribute entries in deltas, summed over all clients (the
 *     sample clients count entries per delta; every client gets the same deltas);
 *   - produce-to-client latency p50/p99: the client's wall clock at receipt minus the Kafka
 *     timestamp of the record (its CreateTime, stamped by the producer; same machine, same
 *     clock) carried in every attribute of a delta, measured on a sample of clients;
 *   - server CPU (utime + stime of the ofc web process over the window) and resident memory per
 *     client (RSS with the clients minus RSS before any connected, divided by their number).
 * Clients that fall behind are counted (snapshots with reason "behind").
 *
 * usage: fanout [--clients 100,1000] [--rate 10000] [--assets 12] [--seconds 20]
 *               [--sample 20] [--delta-interval D] [--web-arg ARG]... [--ofc PATH]
 */
#define _GNU_SOURCE /* memmem */
#include "support/proc.h"
#include "support/ws_client.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct samples {
    int32_t *v;
    size_t n, cap;
    bool sorted;
} samples;

typedef struct bclient {
    int fd;
    unsigned char *in; /* bytes read, not yet parsed */
    size_t in_len, in_cap;
    char *msg; /* a fragmented message being assembled */
    size_t msg_len, msg_cap;
    bool in_msg;
    bool snapshot; /* got its first snapshot */
    bool sample;   /* measures latency */
    bool closed;
} bclient;

static struct {
    bclient *clients;
    size_t count;
    int ep;
    /* counters of the current window */
    uint64_t updates, deltas, messages, bytes, behind;
    uint64_t sampled_deltas; /* deltas whose updates were counted (the sample clients') */
    samples lat;             /* Kafka timestamp to client: produce-to-client */
    samples ingest;          /* Kafka timestamp to applied by ofc web */
    samples pace;            /* applied to delta made (coalescing) */
    samples fan;             /* delta made to client (fan-out) */
} B;

static int64_t wall_us(void)
{
    return ofc_time_now_us();
}

/* The latency of every attribute entry of a delta (the top-level "attributes" array is last). */
static void add(samples *s, int64_t us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1 << 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->sorted = false;
    s->v[s->n++] = (int32_t)(us > INT32_MAX ? INT32_MAX : us < INT32_MIN ? INT32_MIN : us);
}

static bool time_after(const char *p, const char *end, const char *key, size_t klen, int64_t *us,
                       const char **next)
{
    const char *t = memmem(p, (size_t)(end - p), key, klen);
    if (!t)
        return false;
    t += klen;
    const char *q = memchr(t, '"', (size_t)(end - t));
    *next = q ? q : end;
    return q && ofc_time_parse(t, (size_t)(q - t), us);
}

/* The latency of every attribute entry of a delta (the top-level "attributes" array is last),
 * split in three: Kafka timestamp -> applied by ofc web ("received"), -> delta made ("time"),
 * -> here. */
static void measure(const char *m, size_t len, int64_t now)
{
    static const char key[] = "\"attributes\":[";
    const char *top = NULL, *end = m + len, *next;
    for (const char *p = m; (p = memmem(p, len - (size_t)(p - m), key, sizeof key - 1)); p++)
        top = p;
    int64_t made, received, kafka;
    if (!top || !time_after(m, end, "\"time\":\"", 8, &made, &next))
        return;
    add(&B.fan, now - made);
    for (const char *p = top; time_after(p, end, "\"received\":\"", 12, &received, &next);) {
        p = next;
        const char *k = memmem(p, (size_t)(end - p), "\"kafka\":{", 9);
        if (!k || !time_after(k, end, "\"timestamp\":\"", 13, &kafka, &next))
            break;
        p = next;
        add(&B.lat, now - kafka);
        add(&B.ingest, received - kafka);
        add(&B.pace, made - received);
    }
}

static void on_message(bclient *c, const char *m, size_t len)
{
    B.messages++;
    if (len > 15 && memcmp(m, "{\"type\":\"delta\"", 15) == 0) {
        B.deltas++;
        /* Every client of the subscription gets the same deltas, so the sample clients count
         * the attribute entries for all (scanning every copy would cost this process more CPU
         * than the server spends sending them). */
        if (c->sample && c->snapshot) {
            int64_t now = wall_us();
            B.sampled_deltas++;
            for (const char *p = m; (p = memmem(p, len - (size_t)(p - m), "\"attr\":{", 8)); p += 8)
                B.updates++;
            measure(m, len, now);
        }
    } else if (len > 18 && memcmp(m, "{\"type\":\"snapshot\"", 18) == 0) {
        c->snapshot = true;
        if (memmem(m, len < 200 ? len : 200, "\"reason\":\"behind\"", 17))
            B.behind++;
    }
}

static void send_pong(bclient *c, const unsigned char *payload, size_t n)
{
    unsigned char f[2 + 4 + 125];
    f[0] = 0x8a;
    f[1] = (unsigned char)(0x80 | n);
    memset(f + 2, 0, 4); /* a zero mask is a valid mask */
    memcpy(f + 6, payload, n);
    if (send(c->fd, f, 6 + n, MSG_NOSIGNAL) < 0)
        c->closed = true;
}

static void parse(bclient *c)
{
    size_t off = 0;
    while (c->in_len - off >= 2) {
        const unsigned char *p = c->in + off;
        uint64_t n = p[1] & 0x7f;
        size_t h = 2;
        if (n == 126) {
            if (c->in_len - off < 4)
                break;
            n = (uint64_t)p[2] << 8 | p[3];
            h = 4;
        } else if (n == 127) {
            if (c->in_len - off < 10)
                break;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | p[2 + i];
            h = 10;
        }
        if (c->in_len - off < h + n)
            break;
        int op = p[0] & 0x0f;
        bool fin = p[0] & 0x80;
        const char *payload = (const char *)p + h;
        if (op == 9) {
            send_pong(c, p + h, n < 125 ? n : 125);
        } else if (op == 8) {
            c->closed = true;
        } else if (op == 1 && fin) {
            on_message(c, payload, n);
        } else if (op == 1 || op == 0) {
            if (op == 1)
                c->msg_len = 0;
            if (c->msg_len + n > c->msg_cap) {
                c->msg_cap = (c->msg_len + n) * 2;
                c->msg = realloc(c->msg, c->msg_cap);
            }
            memcpy(c->msg + c->msg_len, payload, n);
            c->msg_len += n;
            if (fin) {
                on_message(c, c->msg, c->msg_len);
                if (c->msg_cap > 256 * 1024) { /* a snapshot: do not keep its buffer */
                    free(c->msg);
                    c->msg = NULL;
                    c->msg_cap = c->msg_len = 0;
                }
            }
        }
        off += h + n;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
}

static void on_readable(bclient *c)
{
    for (;;) {
        if (c->in_cap - c->in_len < 65536) {
            c->in_cap = c->in_len + 65536 * 2;
            c->in = realloc(c->in, c->in_cap);
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n > 0) {
            B.bytes += (uint64_t)n;
            c->in_len += (size_t)n;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            c->closed = true;
        break;
    }
    parse(c);
}

static void pump(int ms)
{
    struct epoll_event ev[256];
    int64_t end = ofc_time_mono_us() + (int64_t)ms * 1000;
    for (;;) {
        int64_t left = (end - ofc_time_mono_us()) / 1000;
        if (left <= 0)
            break;
        int n = epoll_wait(B.ep, ev, 256, (int)left);
        for (int i = 0; i < n; i++)
            on_readable(&B.clients[ev[i].data.u32]);
    }
}

static bool connect_clients(size_t upto, int port, size_t sample)
{
    for (size_t i = B.count; i < upto; i++) {
        ws_client wc;
        ws_opts o = {0};
        if (ws_client_connect(&wc, port, &o, 10000, NULL) != 101) {
            fprintf(stderr, "fanout: client %zu could not connect\n", i);
            return false;
        }
        bclient *c = &B.clients[i];
        memset(c, 0, sizeof *c);
        c->fd = wc.fd;
        c->sample = i < sample;
        /* whatever arrived with the handshake */
        c->in_cap = wc.in_len + 65536 * 2;
        c->in = malloc(c->in_cap);
        memcpy(c->in, wc.in, wc.in_len);
        c->in_len = wc.in_len;
        wc.fd = -1;
        ws_client_close(&wc);
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {EPOLLIN, {.u32 = (uint32_t)i}};
        epoll_ctl(B.ep, EPOLL_CTL_ADD, c->fd, &ev);
        parse(c);
        B.count++;
        if (i % 50 == 49)
            pump(1); /* keep reading while connecting */
    }
    int64_t deadline = ofc_time_mono_us() + 120 * 1000000LL;
    for (;;) {
        size_t ready = 0;
        for (size_t i = 0; i < B.count; i++)
            ready += B.clients[i].snapshot;
        if (ready == B.count)
            return true;
        if (ofc_time_mono_us() > deadline) {
            fprintf(stderr, "fanout: %zu of %zu clients have their snapshot\n", ready, B.count);
            return false;
        }
        pump(100);
    }
}

static bool proc_cpu(pid_t pid, double *cpu_s)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return false;
    *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return true;
}

static long proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* A percentile in ms (the samples get sorted once, whichever percentile is asked first: the
 * arguments of one printf are evaluated in no fixed order). */
static double pct(samples *s, double q)
{
    if (!s->n)
        return -1;
    if (!s->sorted) {
        qsort(s->v, s->n, sizeof *s->v, cmp_i32);
        s->sorted = true;
    }
    return s->v[(size_t)(q * (double)(s->n - 1))] / 1000.0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fanout [--clients 100,1000] [--rate 10000] [--assets 12] "
            "[--seconds 20] [--sample 20] [--delta-interval D] [--web-arg ARG]... [--ofc PATH]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *ofc = OFC_BINARY, *clients_arg = "100,1000", *rate = "10000", *assets = "12";
    const char *interval = NULL;
    char *web_args[8];
    int nweb_args = 0;
    int seconds = 20;
    size_t sample = 20;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--clients") == 0)
            clients_arg = argv[++i];
        else if (strcmp(argv[i], "--rate") == 0)
            rate = argv[++i];
        else if (strcmp(argv[i], "--assets") == 0)
            assets = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--sample") == 0)
            sample = (size_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--delta-interval") == 0)
            interval = argv[++i];
        else if (strcmp(argv[i], "--ofc") == 0)
            ofc = argv[++i];
        else if (strcmp(argv[i], "--web-arg") == 0 && nweb_args < 8)
            web_args[nweb_args++] = argv[++i];
        else
            usage();
    }
    size_t steps[8], nsteps = 0, max_clients = 0;
    for (const char *p = clients_arg; *p && nsteps < 8;) {
        steps[nsteps] = (size_t)strtoul(p, (char **)&p, 10);
        if (steps[nsteps] > max_clients)
            max_clients = steps[nsteps];
        nsteps++;
        if (*p == ',')
            p++;
    }
    signal(SIGPIPE, SIG_IGN);
    /* 1,000 clients need 1,000 descriptors here too. */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);

    proc broker, web, sim;
    char boot[256], line[256], maxc[32];
    if (!proc_start_broker(&broker, ofc, boot, sizeof boot, NULL)) {
        fprintf(stderr, "fanout: no broker\n");
        return 1;
    }
    snprintf(maxc, sizeof maxc, "%zu", max_clients + 16);
    char *wargv[16] = {(char *)ofc,   "web",           "-b", boot, "--no-auth", "--listen",
                       "127.0.0.1:0", "--max-clients", maxc};
    int wn = 9;
    if (interval) {
        wargv[wn++] = "--delta-interval";
        wargv[wn++] = (char *)interval;
    }
    wargv[wn] = NULL;
    if (!proc_spawn(&web, wargv, true, false) || !proc_read_line(&web, line, sizeof line, 20000)) {
        fprintf(stderr, "fanout: ofc web did not start\n");
        proc_kill_all();
        return 1;
    }
    int port = atoi(strrchr(line, ':') + 1);
    char *sargv[] = {(char *)ofc, "sim",        "-b",     boot, "--assets", (char *)assets,
                     "--rate",    (char *)rate, "--seed", "1",  NULL};
    if (!proc_spawn(&sim, sargv, false, false)) {
        proc_kill_all();
        return 1;
    }
    B.ep = epoll_create1(EPOLL_CLOEXEC);
    B.clients = calloc(max_clients, sizeof *B.clients);
    sleep(6); /* the registration burst, then the stream at its rate */
    long rss0 = proc_rss_kb(web.pid);

    printf("fanout: sim --assets %s --rate %s, ofc web delta interval %s%s%s, %d s windows\n",
           assets, rate, interval ? interval : "default", nweb_args ? ", web args " : "",
           nweb_args ? web_args[0] : "", seconds);
    printf("%8s %14s %12s %10s %10s %10s %12s %10s %10s\n", "clients", "updates/s", "deltas/s",
           "MB/s", "p50 ms", "p99 ms", "server CPU", "RSS MB", "KB/client");
    int rc = 0;
    for (size_t s = 0; s < nsteps; s++) {
        if (!connect_clients(steps[s], port, sample)) {
            rc = 1;
            break;
        }
        pump(3000);
        B.updates = B.deltas = B.messages = B.bytes = B.behind = B.sampled_deltas = 0;
        B.lat.n = B.ingest.n = B.pace.n = B.fan.n = 0;
        double cpu0, cpu1;
        proc_cpu(web.pid, &cpu0);
        int64_t t0 = ofc_time_mono_us();
        pump(seconds * 1000);
        double wall = (double)(ofc_time_mono_us() - t0) / 1e6;
        proc_cpu(web.pid, &cpu1);
        long rss = proc_rss_kb(web.pid);
        size_t closed = 0;
        for (size_t i = 0; i < B.count; i++)
            closed += B.clients[i].closed;
        printf("%8zu %14.0f %12.0f %10.1f %10.1f %10.1f %11.0f%% %10.1f %10.1f\n", B.count,
               B.sampled_deltas
                   ? (double)B.updates * (double)B.deltas / (double)B.sampled_deltas / wall
                   : 0.0,
               (double)B.deltas / wall, (double)B.bytes / wall / 1e6, pct(&B.lat, 0.5),
               pct(&B.lat, 0.99), 100.0 * (cpu1 - cpu0) / wall, rss / 1024.0,
               (double)(rss - rss0) / (double)B.count);
        printf("         %zu latency samples from %zu clients; p50/p99 ms of the parts: Kafka to "
               "ofc web %.1f/%.1f, coalescing %.1f/%.1f, delta to client %.1f/%.1f; %llu "
               "behind-snapshots; %zu closed\n",
               B.lat.n, sample < B.count ? sample : B.count, pct(&B.ingest, 0.5),
               pct(&B.ingest, 0.99), pct(&B.pace, 0.5), pct(&B.pace, 0.99), pct(&B.fan, 0.5),
               pct(&B.fan, 0.99), (unsigned long long)B.behind, closed);
        fflush(stdout);
    }
    for (size_t i = 0; i < B.count; i++) {
        close(B.clients[i].fd);
        free(B.clients[i].in);
        free(B.clients[i].msg);
    }
    free(B.clients);
    free(B.lat.v);
    free(B.ingest.v);
    free(B.pace.v);
    free(B.fan.v);
    proc_stop(&sim, 5000);
    proc_stop(&web, 5000);
    proc_stop(&broker, 5000);
    return rc;
}
