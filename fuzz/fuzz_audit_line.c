/* fuzz_audit_line: ofc_audit_line_parse() on hostile export lines (src/core/audit_line.c).
 *
 * `ofc verify --stdin` reads audit exports back from files anyone may have edited. Oracle: the
 * status is in range and has a message; an OK line has a target and a record of the stated
 * lengths (from base64 when the line has it), NUL-terminated, a positive Kafka time, a partition
 * and offset that are either unknown (-1) or in range, and a UNS path only when the line has one;
 * and parsing is deterministic.
 */
#include "audit_line.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ofc_audit_line a, b;
    ofc_audit_line_status sa = ofc_audit_line_parse((const char *)data, size, &a);
    ofc_audit_line_status sb = ofc_audit_line_parse((const char *)data, size, &b);
    if (sa != sb || (unsigned)sa > OFC_AUDIT_LINE_NO_TIME || !ofc_audit_line_status_str(sa))
        abort();
    if (sa == OFC_AUDIT_LINE_OK) {
        if (!a.target || !a.record || a.target[a.target_len] != '\0' ||
            a.record[a.record_len] != '\0' || a.kafka_time_us <= 0 || a.partition < -1 ||
            a.offset < -1 || (a.uns && !a.has_uns))
            abort();
        if (a.target_len != b.target_len || memcmp(a.target, b.target, a.target_len) != 0 ||
            a.record_len != b.record_len || memcmp(a.record, b.record, a.record_len) != 0 ||
            a.kafka_time_us != b.kafka_time_us)
            abort();
    }
    ofc_audit_line_fini(&a);
    ofc_audit_line_fini(&b);
    return 0;
}
