/* tmux_driver: a private tmux server driven from tests (see tmux_driver.h). */
#include "tmux_driver.h"

#include "proc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
    char sock[96];
    char conf[160];
} T;

bool tt_init(const char *dir, const char *prefix)
{
    unsetenv("TMUX");
    snprintf(T.sock, sizeof T.sock, "%s-%ld", prefix, (long)getpid());
    snprintf(T.conf, sizeof T.conf, "%s/tmux.conf", dir);
    FILE *f = fopen(T.conf, "w");
    if (!f)
        return false;
    fputs("set -g remain-on-exit on\nset -g status off\nset -g history-limit 100\n", f);
    return fclose(f) == 0;
}

void tt_fini(void)
{
    tt_do("kill-server", NULL);
    const char *tmp = getenv("TMUX_TMPDIR");
    char path[256];
    snprintf(path, sizeof path, "%s/tmux-%ld/%s", tmp && *tmp ? tmp : "/tmp", (long)getuid(),
             T.sock);
    unlink(path);
}

static char *run_va(const char *first, va_list ap, int *status)
{
    char *argv[40] = {"tmux", "-L", T.sock, "-f", T.conf};
    int n = 5;
    for (const char *a = first; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    argv[n] = NULL;
    return proc_run(argv, NULL, 10000, status);
}

char *tt_run(const char *first, ...)
{
    va_list ap;
    int status;
    va_start(ap, first);
    char *out = run_va(first, ap, &status);
    va_end(ap);
    if (status != 0) {
        fprintf(stderr, "tmux %s failed (%d)\n", first, status);
        free(out);
        return NULL;
    }
    return out;
}

void tt_do(const char *first, ...)
{
    va_list ap;
    int status;
    va_start(ap, first);
    free(run_va(first, ap, &status));
    va_end(ap);
}

void tt_start(const char *session, int w, int h, const char *cmdline)
{
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", w);
    snprintf(hs, sizeof hs, "%d", h);
    tt_do("new-session", "-d", "-s", session, "-x", ws, "-y", hs, cmdline, NULL);
}

char *tt_screen(const char *session)
{
    return tt_run("capture-pane", "-p", "-t", session, NULL);
}

long tt_display(const char *session, const char *fmt)
{
    char *out = tt_run("display", "-p", "-t", session, fmt, NULL);
    long v = out ? strtol(out, NULL, 10) : -1;
    free(out);
    return v;
}

void tt_keys(const char *session, const char *key)
{
    tt_do("send-keys", "-t", session, key, NULL);
}

void tt_type(const char *session, const char *text)
{
    tt_do("send-keys", "-t", session, "-l", text, NULL);
}

void tt_command(const char *session, const char *cmd)
{
    tt_keys(session, ":");
    tt_type(session, cmd);
    tt_keys(session, "Enter");
}

pid_t tt_child_pid(const char *session)
{
    char pane[32];
    snprintf(pane, sizeof pane, "%ld", tt_display(session, "#{pane_pid}"));
    char *argv[] = {"pgrep", "-P", pane, NULL};
    int status;
    char *out = proc_run(argv, NULL, 5000, &status);
    pid_t pid = out ? (pid_t)strtol(out, NULL, 10) : 0;
    free(out);
    return pid;
}

char *tt_wait(const char *session, tt_pred pred, void *arg, int timeout_ms, bool *ok)
{
    long long deadline = proc_mono_ms() + timeout_ms;
    char *scr = NULL;
    *ok = false;
    for (;;) {
        free(scr);
        scr = tt_screen(session);
        if (scr && pred(scr, arg)) {
            *ok = true;
            return scr;
        }
        if (proc_mono_ms() > deadline)
            break;
        proc_sleep_ms(200);
    }
    fprintf(stderr, "---- screen of %s at timeout ----\n%s\n----\n", session, scr ? scr : "(none)");
    return scr;
}

bool tt_has_text(const char *screen, void *text)
{
    return strstr(screen, (const char *)text) != NULL;
}

bool tt_wait_text(const char *session, const char *text, int timeout_ms)
{
    bool ok;
    free(tt_wait(session, tt_has_text, (void *)text, timeout_ms, &ok));
    if (!ok)
        fprintf(stderr, "waited for \"%s\" on %s\n", text, session);
    return ok;
}

bool tt_line_at(const char *screen, int i, char *buf, size_t size)
{
    const char *p = screen;
    for (int k = 0; k < i; k++) {
        p = strchr(p, '\n');
        if (!p)
            return false;
        p++;
    }
    if (!*p)
        return false;
    size_t n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

bool tt_line_with(const char *screen, const char *needle, char *buf, size_t size)
{
    const char *hit = strstr(screen, needle);
    if (!hit)
        return false;
    const char *start = hit;
    while (start > screen && start[-1] != '\n')
        start--;
    size_t n = strcspn(start, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    return true;
}
