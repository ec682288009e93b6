/* log: levelled diagnostics with a pluggable sink.
 *
 * Core logs through here and never writes to a terminal itself: the CLI sends lines to stderr,
 * the TUI to its message line, the web server to stderr for journald.
 */
#ifndef OFC_LOG_H
#define OFC_LOG_H

typedef enum ofc_log_level {
    OFC_LOG_ERROR = 0,
    OFC_LOG_WARN,
    OFC_LOG_INFO,
    OFC_LOG_DEBUG,
} ofc_log_level;

/* A sink gets one formatted line without trailing newline. */
typedef void (*ofc_log_sink)(void *opaque, ofc_log_level level, const char *line);

/* Install a sink (NULL restores stderr) and the most verbose level that is passed on. */
void ofc_log_set_sink(ofc_log_sink sink, void *opaque);
void ofc_log_set_level(ofc_log_level level);
ofc_log_level ofc_log_get_level(void);
const char *ofc_log_level_name(ofc_log_level level);

void ofc_log(ofc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ofc_log_error(...) ofc_log(OFC_LOG_ERROR, __VA_ARGS__)
#define ofc_log_warn(...)  ofc_log(OFC_LOG_WARN, __VA_ARGS__)
#define ofc_log_info(...)  ofc_log(OFC_LOG_INFO, __VA_ARGS__)
#define ofc_log_debug(...) ofc_log(OFC_LOG_DEBUG, __VA_ARGS__)

#endif
