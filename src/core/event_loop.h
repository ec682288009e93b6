/* event_loop: a small poll() loop in the shape of redis's ae: fds, repeating timers and a
 * before-sleep hook, all run on the one thread that owns the loop.
 *
 * The before-sleep hook is where batched work happens (flush model changes, redraw once), so a
 * burst of wake-ups costs one notification. ofc_loop_wake_soon() makes the next poll not wait,
 * for sources that stopped at a batch limit with more to do. Signal handlers only set flags; the
 * loop's stop check reads them after poll() returns with EINTR.
 */
#ifndef OFC_EVENT_LOOP_H
#define OFC_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ofc_loop ofc_loop;

typedef void (*ofc_loop_fd_fn)(ofc_loop *loop, int fd, short revents, void *opaque);
typedef void (*ofc_loop_timer_fn)(ofc_loop *loop, void *opaque);
typedef void (*ofc_loop_hook_fn)(ofc_loop *loop, void *opaque);
/* Returns true when the loop should stop (e.g. a signal flag was set). */
typedef bool (*ofc_loop_stop_fn)(void *opaque);

ofc_loop *ofc_loop_new(void);
void ofc_loop_destroy(ofc_loop *loop);

/* events: POLLIN and/or POLLOUT. Returns an id for removal, or -1. */
int ofc_loop_add_fd(ofc_loop *loop, int fd, short events, ofc_loop_fd_fn fn, void *opaque);
void ofc_loop_remove_fd(ofc_loop *loop, int id);
/* A repeating timer; the first run is interval_ms from now. Returns an id, or -1. */
int ofc_loop_add_timer(ofc_loop *loop, int64_t interval_ms, ofc_loop_timer_fn fn, void *opaque);
void ofc_loop_remove_timer(ofc_loop *loop, int id);
/* Hooks run in order of addition before every sleep. */
int ofc_loop_add_before_sleep(ofc_loop *loop, ofc_loop_hook_fn fn, void *opaque);
void ofc_loop_set_stop_check(ofc_loop *loop, ofc_loop_stop_fn fn, void *opaque);

void ofc_loop_wake_soon(ofc_loop *loop);
void ofc_loop_stop(ofc_loop *loop);
/* Run until ofc_loop_stop() or the stop check says so. */
void ofc_loop_run(ofc_loop *loop);
/* One iteration with at most timeout_ms of waiting (for tests and bounded waits). */
void ofc_loop_run_once(ofc_loop *loop, int timeout_ms);

#endif
