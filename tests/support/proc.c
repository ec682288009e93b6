/* proc: fork/exec with pipes, poll()-based timed reads, and a registry of live children. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 64
static pid_t children[MAX_CHILDREN];
static bool atexit_done;

static void remember(pid_t pid)
{
    if (!atexit_done) {
        atexit(proc_kill_all);
        atexit_done = true;
    }
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (!children[i]) {
            children[i] = pid;
            return;
        }
    }
}

static void forget(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

void proc_kill_all(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i]) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool proc_spawn(proc *p, char *const argv[], bool capture, bool pipe_stdin)
{
    int out[2] = {-1, -1}, in[2] = {-1, -1};
    p->pid = -1;
    p->out_fd = p->in_fd = -1;
    if (capture && pipe(out) != 0)
        return false;
    if (pipe_stdin && pipe(in) != 0)
        return false;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (capture) {
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            close(out[1]);
        }
        if (pipe_stdin) {
            dup2(in[0], STDIN_FILENO);
            close(in[0]);
            close(in[1]);
        }
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    remember(pid);
    p->pid = pid;
    if (capture) {
        close(out[1]);
        p->out_fd = out[0];
    }
    if (pipe_stdin) {
        close(in[0]);
        p->in_fd = in[1];
    }
    return true;
}

bool proc_read_line(proc *p, char *buf, size_t size, int timeout_ms)
{
    size_t n = 0;
    long long deadline = now_ms() + timeout_ms;
    while (n + 1 < size) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        char c;
        ssize_t r = read(p->out_fd, &c, 1);
        if (r <= 0)
            return false;
        if (c == '\n') {
            buf[n] = '\0';
            return true;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    return true;
}

char *proc_read_all(proc *p, int timeout_ms, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        if (n + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(p->out_fd, buf + n, cap - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int proc_wait(proc *p, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int st;
    for (;;) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            forget(p->pid);
            if (p->out_fd >= 0)
                close(p->out_fd);
            if (p->in_fd >= 0)
                close(p->in_fd);
            p->out_fd = p->in_fd = -1;
            p->pid = -1;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (now_ms() >= deadline)
            return -1;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void proc_signal(proc *p, int sig)
{
    if (p->pid > 0)
        kill(p->pid, sig);
}

int proc_stop(proc *p, int grace_ms)
{
    if (p->pid <= 0)
        return -1;
    proc_signal(p, SIGTERM);
    int st = proc_wait(p, grace_ms);
    if (st < 0) {
        proc_signal(p, SIGKILL);
        st = proc_wait(p, 5000);
    }
    return st;
}

char *proc_run(char *const argv[], const char *input, int timeout_ms, int *status)
{
    proc p;
    if (!proc_spawn(&p, argv, true, input != NULL)) {
        *status = -1;
        return NULL;
    }
    if (input) {
        size_t len = strlen(input), off = 0;
        while (off < len) {
            ssize_t w = write(p.in_fd, input + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        close(p.in_fd);
        p.in_fd = -1;
    }
    char *out = proc_read_all(&p, timeout_ms, NULL);
    *status = proc_wait(&p, 2000);
    if (*status < 0) {
        proc_signal(&p, SIGKILL);
        proc_wait(&p, 2000);
        *status = -1;
    }
    return out;
}

bool proc_start_broker(proc *p, const char *ofc, char *bootstrap, size_t size,
                       char *const extra_args[])
{
    char *argv[16] = {(char *)ofc, "broker"};
    int n = 2;
    for (int i = 0; extra_args && extra_args[i] && n < 15; i++)
        argv[n++] = extra_args[i];
    argv[n] = NULL;
    if (!proc_spawn(p, argv, true, false))
        return false;
    return proc_read_line(p, bootstrap, size, 10000) && strstr(bootstrap, ":") != NULL;
}

int64_t proc_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void proc_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
