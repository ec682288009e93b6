/* log: formats a line and hands it to the installed sink (stderr by default).
 *
 * The sink and level are process-wide settings made once at start-up by the front end; they are
 * the only mutable globals in core besides signal flags, and are not changed while threads run.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static ofc_log_sink log_sink;
static void *log_opaque;
static ofc_log_level log_level = OFC_LOG_WARN;

void ofc_log_set_sink(ofc_log_sink sink, void *opaque)
{
    log_sink = sink;
    log_opaque = opaque;
}

void ofc_log_set_level(ofc_log_level level)
{
    log_level = level;
}

ofc_log_level ofc_log_get_level(void)
{
    return log_level;
}

const char *ofc_log_level_name(ofc_log_level level)
{
    switch (level) {
    case OFC_LOG_ERROR: return "error";
    case OFC_LOG_WARN: return "warning";
    case OFC_LOG_INFO: return "info";
    case OFC_LOG_DEBUG: return "debug";
    }
    return "log";
}

void ofc_log(ofc_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (level > log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Lines quote names and values from the wire: no control character (C0, DEL, C1 in UTF-8)
     * reaches a terminal or a line-oriented log, where it could move the cursor or forge lines. */
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            p[0] = p[1] = '?';
    }
    if (log_sink)
        log_sink(log_opaque, level, line);
    else
        fprintf(stderr, "ofc: %s: %s\n", ofc_log_level_name(level), line);
}
