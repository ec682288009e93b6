/* proc: start real programs from tests (ofc broker, ofc sim, kcat) and talk to them.
 *
 * Integration tests run the same binaries a user runs, as separate processes on loopback; this
 * is the only way they touch them. Every wait has a timeout so a hung child fails a test instead
 * of hanging the suite; proc_kill_all() at exit leaves no strays.
 */
#ifndef OFC_TEST_PROC_H
#define OFC_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct proc {
    pid_t pid;
    int out_fd; /* child's stdout when captured, else -1 */
    int in_fd;  /* child's stdin when piped, else -1 */
} proc;

/* Start argv[0] (searched in PATH) with stdout captured into a pipe if capture is set, and
 * stdin from a pipe if pipe_stdin is set. stderr is inherited (shown in test logs). */
bool proc_spawn(proc *p, char *const argv[], bool capture, bool pipe_stdin);
/* Read one line from the captured stdout; false on timeout or EOF. The newline is removed. */
bool proc_read_line(proc *p, char *buf, size_t size, int timeout_ms);
/* Read whatever stdout has until EOF or timeout; returns a malloc'd NUL-terminated buffer. */
char *proc_read_all(proc *p, int timeout_ms, size_t *len);
/* Wait for exit; returns the exit status (128+signal if killed), or -1 on timeout. */
int proc_wait(proc *p, int timeout_ms);
void proc_signal(proc *p, int sig);
/* SIGTERM, then SIGKILL after grace_ms; returns the exit status. */
int proc_stop(proc *p, int grace_ms);

/* Run to completion with stdout captured (and stdin fed from `input` if not NULL). Returns the
 * stdout (malloc'd) and sets *status (-1 on timeout, after which the child is killed). */
char *proc_run(char *const argv[], const char *input, int timeout_ms, int *status);

/* Start `ofc broker` and read its bootstrap line. */
bool proc_start_broker(proc *p, const char *ofc, char *bootstrap, size_t size,
                       char *const extra_args[]);

/* The monotonic clock in ms, and a sleep, for the waits of tests. */
int64_t proc_mono_ms(void);
void proc_sleep_ms(int ms);

/* Kill every child still running (registered at spawn); called at exit. */
void proc_kill_all(void);

#endif
