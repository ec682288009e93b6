/* web_proc: starting `ofc web` for integration tests (one copy for it_web, it_web_commands and
 * it_web_replicas). */
#include "support/web_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool web_proc_add_user(const char *ofc, const char *users, const char *name, const char *role,
                       char *token, size_t size)
{
    char *argv[] = {(char *)ofc,  "web",     "--add-user",  (char *)name, "--role",
                    (char *)role, "--users", (char *)users, NULL};
    int st;
    char *out = proc_run(argv, NULL, 20000, &st);
    bool ok = st == 0 && out && strncmp(out, "ofc_", 4) == 0;
    if (ok) {
        snprintf(token, size, "%s", out);
        token[strcspn(token, "\n")] = '\0';
    }
    free(out);
    return ok;
}

static int port_of(const char *line)
{
    const char *colon = strrchr(line, ':');
    return colon ? atoi(colon + 1) : 0;
}

bool web_proc_start(proc *p, char *const argv[], int *port, int *metrics_port, int timeout_ms)
{
    if (!proc_spawn(p, argv, true, false))
        return false;
    char line[256];
    if (!proc_read_line(p, line, sizeof line, timeout_ms))
        return false;
    *port = port_of(line);
    if (metrics_port) {
        if (!proc_read_line(p, line, sizeof line, timeout_ms) || !strstr(line, "metrics on"))
            return false;
        *metrics_port = port_of(line);
        if (*metrics_port <= 0)
            return false;
    }
    return *port > 0;
}
