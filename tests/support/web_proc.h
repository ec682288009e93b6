/* web_proc: `ofc web` as the integration tests start it: users added with `ofc web --add-user`,
 * then the server spawned and its ports read from the lines it prints when it listens.
 */
#ifndef OFC_TEST_WEB_PROC_H
#define OFC_TEST_WEB_PROC_H

#include "support/proc.h"

#include <stdbool.h>
#include <stddef.h>

/* Add a user to the users file and put its bearer token (ofc_...) in token. */
bool web_proc_add_user(const char *ofc, const char *users, const char *name, const char *role,
                       char *token, size_t size);

/* Spawn argv (an `ofc web` command line, stdout captured) and wait up to timeout_ms for its
 * "listening on ...:PORT" line, then, if metrics_port is not NULL, for its "metrics on ...:PORT"
 * line. False if it did not get that far. */
bool web_proc_start(proc *p, char *const argv[], int *port, int *metrics_port, int timeout_ms);

#endif
