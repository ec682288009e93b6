/* event_loop: arrays scanned linearly; a console has a handful of fds and timers. Removal during
 * dispatch marks an entry dead and compacts after the pass, so handlers may remove themselves. */
#include "event_loop.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_MAX 32

typedef struct loop_fd {
    int id, fd;
    short events;
    ofc_loop_fd_fn fn;
    void *opaque;
    bool dead;
} loop_fd;

typedef struct loop_timer {
    int id;
    int64_t interval_us, due_us;
    ofc_loop_timer_fn fn;
    void *opaque;
    bool dead;
} loop_timer;

typedef struct loop_hook {
    ofc_loop_hook_fn fn;
    void *opaque;
} loop_hook;

struct ofc_loop {
    loop_fd fds[LOOP_MAX];
    int nfds;
    loop_timer timers[LOOP_MAX];
    int ntimers;
    loop_hook hooks[LOOP_MAX];
    int nhooks;
    ofc_loop_stop_fn stop_fn;
    void *stop_opaque;
    int next_id;
    bool stop;
    bool wake_soon;
};

ofc_loop *ofc_loop_new(void)
{
    ofc_loop *loop = xcalloc(1, sizeof *loop);
    loop->next_id = 1;
    return loop;
}

void ofc_loop_destroy(ofc_loop *loop)
{
    free(loop);
}

int ofc_loop_add_fd(ofc_loop *loop, int fd, short events, ofc_loop_fd_fn fn, void *opaque)
{
    if (loop->nfds == LOOP_MAX)
        return -1;
    loop->fds[loop->nfds++] = (loop_fd){loop->next_id, fd, events, fn, opaque, false};
    return loop->next_id++;
}

void ofc_loop_remove_fd(ofc_loop *loop, int id)
{
    for (int i = 0; i < loop->nfds; i++)
        if (loop->fds[i].id == id)
            loop->fds[i].dead = true;
}

int ofc_loop_add_timer(ofc_loop *loop, int64_t interval_ms, ofc_loop_timer_fn fn, void *opaque)
{
    if (loop->ntimers == LOOP_MAX)
        return -1;
    int64_t iv = interval_ms > 0 ? interval_ms * 1000 : 1000;
    loop->timers[loop->ntimers++] =
        (loop_timer){loop->next_id, iv, ofc_time_mono_us() + iv, fn, opaque, false};
    return loop->next_id++;
}

void ofc_loop_remove_timer(ofc_loop *loop, int id)
{
    for (int i = 0; i < loop->ntimers; i++)
        if (loop->timers[i].id == id)
            loop->timers[i].dead = true;
}

int ofc_loop_add_before_sleep(ofc_loop *loop, ofc_loop_hook_fn fn, void *opaque)
{
    if (loop->nhooks == LOOP_MAX)
        return -1;
    loop->hooks[loop->nhooks++] = (loop_hook){fn, opaque};
    return 0;
}

void ofc_loop_set_stop_check(ofc_loop *loop, ofc_loop_stop_fn fn, void *opaque)
{
    loop->stop_fn = fn;
    loop->stop_opaque = opaque;
}

void ofc_loop_wake_soon(ofc_loop *loop)
{
    loop->wake_soon = true;
}

void ofc_loop_stop(ofc_loop *loop)
{
    loop->stop = true;
}

static void compact(ofc_loop *loop)
{
    int k = 0;
    for (int i = 0; i < loop->nfds; i++)
        if (!loop->fds[i].dead)
            loop->fds[k++] = loop->fds[i];
    loop->nfds = k;
    k = 0;
    for (int i = 0; i < loop->ntimers; i++)
        if (!loop->timers[i].dead)
            loop->timers[k++] = loop->timers[i];
    loop->ntimers = k;
}

static bool should_stop(ofc_loop *loop)
{
    if (!loop->stop && loop->stop_fn && loop->stop_fn(loop->stop_opaque))
        loop->stop = true;
    return loop->stop;
}

void ofc_loop_run_once(ofc_loop *loop, int timeout_ms)
{
    struct pollfd pfds[LOOP_MAX];
    int ids[LOOP_MAX];
    int n = 0;

    for (int i = 0; i < loop->nhooks; i++)
        loop->hooks[i].fn(loop, loop->hooks[i].opaque);
    if (should_stop(loop))
        return;

    int64_t now = ofc_time_mono_us();
    int wait_ms = timeout_ms;
    for (int i = 0; i < loop->ntimers; i++) {
        int64_t ms = (loop->timers[i].due_us - now + 999) / 1000;
        if (ms < 0)
            ms = 0;
        if (wait_ms < 0 || ms < wait_ms)
            wait_ms = (int)ms;
    }
    if (loop->wake_soon)
        wait_ms = 0;
    loop->wake_soon = false;

    for (int i = 0; i < loop->nfds; i++) {
        pfds[n] = (struct pollfd){loop->fds[i].fd, loop->fds[i].events, 0};
        ids[n++] = loop->fds[i].id;
    }
    int rc = poll(pfds, (nfds_t)n, wait_ms);
    if (rc < 0 && errno != EINTR)
        return;
    for (int j = 0; rc > 0 && j < n; j++) {
        if (!pfds[j].revents)
            continue;
        for (int i = 0; i < loop->nfds; i++)
            if (loop->fds[i].id == ids[j] && !loop->fds[i].dead)
                loop->fds[i].fn(loop, pfds[j].fd, pfds[j].revents, loop->fds[i].opaque);
    }
    now = ofc_time_mono_us();
    for (int i = 0; i < loop->ntimers; i++) {
        loop_timer *t = &loop->timers[i];
        if (t->dead || t->due_us > now)
            continue;
        t->due_us = now + t->interval_us;
        t->fn(loop, t->opaque);
    }
    compact(loop);
}

void ofc_loop_run(ofc_loop *loop)
{
    loop->stop = false;
    while (!should_stop(loop))
        ofc_loop_run_once(loop, -1);
}
