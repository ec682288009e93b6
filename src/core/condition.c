/* condition: level classification, tolerant of case and of the surrounding message text. */
#include "condition.h"

#include <string.h>
#include <strings.h>

static bool equals_ci(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Find "(Severity: <n>)" (any case, optional spaces) and return n, or -1. */
static int parse_severity(const char *v, size_t len)
{
    static const char key[] = "severity";
    const size_t klen = sizeof key - 1;
    for (size_t i = 0; i + klen <= len; i++) {
        if (strncasecmp(v + i, key, klen) != 0)
            continue;
        size_t j = i + klen;
        while (j < len && (v[j] == ' ' || v[j] == ':' || v[j] == '='))
            j++;
        int n = 0, digits = 0;
        while (j < len && v[j] >= '0' && v[j] <= '9' && digits < 5) {
            n = n * 10 + (v[j] - '0');
            j++;
            digits++;
        }
        if (digits)
            return n;
    }
    return -1;
}

ofc_cond_level condition_classify(const char *tag_local, size_t tag_len, const char *value,
                                  size_t value_len, int *severity)
{
    *severity = -1;
    if (equals_ci(tag_local, tag_len, "Normal"))
        return OFC_COND_NORMAL;
    if (equals_ci(tag_local, tag_len, "Warning"))
        return OFC_COND_WARNING;
    if (equals_ci(tag_local, tag_len, "Fault"))
        return OFC_COND_FAULT;
    if (equals_ci(tag_local, tag_len, "Unavailable"))
        return OFC_COND_UNAVAILABLE;
    if (equals_ci(value, value_len, "UNAVAILABLE"))
        return OFC_COND_UNAVAILABLE;
    int sev = parse_severity(value, value_len);
    if (sev >= 0) {
        *severity = sev;
        if (sev == 0)
            return OFC_COND_NORMAL;
        return sev >= OFC_SEVERITY_FAULT_MIN ? OFC_COND_FAULT : OFC_COND_WARNING;
    }
    /* No level anywhere: an empty message is a cleared condition, any text an active one. */
    return value_len == 0 ? OFC_COND_NORMAL : OFC_COND_WARNING;
}
