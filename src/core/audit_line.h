/* audit_line: one line of an audit export read back, for `ofc verify --stdin`.
 *
 * Exports are what ofc_audit_write_json (audit.h) writes: the TUI's :save, the web's
 * GET /audit?format=ndjson, `ofc verify --json`. A line comes back from a file anyone may have
 * edited, so it is parsed as hostile: every field is checked for its type and range, and a line
 * that lacks what a verdict needs says which.
 */
#ifndef OFC_AUDIT_LINE_H
#define OFC_AUDIT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What ofc_audit_write_json wrote, or any JSON object with a "record". */
typedef enum ofc_audit_line_status {
    OFC_AUDIT_LINE_OK = 0,
    OFC_AUDIT_LINE_NOT_EXPORT, /* not a JSON object with "record" (kcat's key<TAB>record?) */
    OFC_AUDIT_LINE_NO_RECORD,  /* "record" is not a string (null: too large to keep) */
    OFC_AUDIT_LINE_NO_TARGET,  /* "target" is neither a string nor null (no Kafka key) */
    OFC_AUDIT_LINE_NO_TIME,    /* neither a positive "kafka_time_us" nor an ISO-8601 "time" */
} ofc_audit_line_status;

/* Says what an export line lacks, e.g. "a Kafka time". */
const char *ofc_audit_line_status_str(ofc_audit_line_status status);

typedef struct ofc_audit_line {
    const char *target; /* target_len bytes, NUL-terminated; "" for null */
    size_t target_len;
    const char *record; /* the record as exported, record_len bytes (record_base64 if any) */
    size_t record_len;
    int64_t kafka_time_us; /* kafka_time_us, else time; > 0 */
    bool has_uns;          /* false in exports older than the "uns" field */
    const char *uns;       /* NULL: unmapped (or absent) */
    int32_t partition;     /* -1 when absent or out of range */
    int64_t offset;        /* -1 when absent or negative */
    const char *verdict;   /* as exported, NULL if absent: tells a record too large to keep */
    const char *method;    /* as exported, NULL if absent */
    void *doc;             /* private: the parsed line the views point into */
    char *decoded[2];      /* private: target_base64 and record_base64 decoded */
} ofc_audit_line;

/* Parse one line (n bytes). Whatever the status, release with ofc_audit_line_fini(); the views
 * are valid until then, and those read before the failing field are set (a NO_RECORD line still
 * has its target, time, position, verdict and method). */
ofc_audit_line_status ofc_audit_line_parse(const char *text, size_t n, ofc_audit_line *line);
void ofc_audit_line_fini(ofc_audit_line *line);

#endif
