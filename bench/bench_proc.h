/* bench_proc: the benchmarks' way of running their peers and ofconsole's programs (kcat, python3,
 * ofc broker, ofc sim) as child processes. */
#ifndef OFC_BENCH_PROC_H
#define OFC_BENCH_PROC_H

#include <sys/types.h>

/* Start argv[0] (searched in PATH), its stdout into out_fd when out_fd >= 0 (the child closes
 * its copy of out_fd). Returns the child's pid. */
pid_t bench_spawn(char *const argv[], int out_fd);
/* Wait for the child: its exit status, 128 + the signal if killed, -1 if it cannot be waited. */
int bench_wait(pid_t pid);

#endif
