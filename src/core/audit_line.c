/* audit_line: an export line read back with jansson (rare, not the hot path), field by field. */
#include "audit_line.h"

#include "timeutil.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *ofc_audit_line_status_str(ofc_audit_line_status status)
{
    switch (status) {
    case OFC_AUDIT_LINE_OK: return "an export line";
    case OFC_AUDIT_LINE_NOT_EXPORT: return "not an export line";
    case OFC_AUDIT_LINE_NO_RECORD: return "its record (too large to keep?)";
    case OFC_AUDIT_LINE_NO_TARGET: return "a target";
    case OFC_AUDIT_LINE_NO_TIME: return "a Kafka time";
    }
    return "unknown";
}

/* The bytes of a "<field>_base64" member into an owned buffer (NUL-terminated), or NULL. */
static char *decode_base64(json_t *doc, const char *field, size_t *len)
{
    char name[32];
    snprintf(name, sizeof name, "%s_base64", field);
    json_t *b64 = json_object_get(doc, name);
    if (!json_is_string(b64))
        return NULL;
    size_t cap = json_string_length(b64) / 4 * 3 + 3, got = 0;
    char *out = malloc(cap + 1);
    if (!out || sodium_base642bin((unsigned char *)out, cap, json_string_value(b64),
                                  json_string_length(b64), NULL, &got, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(out);
        return NULL;
    }
    out[got] = '\0';
    *len = got;
    return out;
}

ofc_audit_line_status ofc_audit_line_parse(const char *text, size_t n, ofc_audit_line *line)
{
    memset(line, 0, sizeof *line);
    line->partition = -1;
    line->offset = -1;
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
    line->doc = doc;
    json_t *record = json_object_get(doc, "record");
    if (!json_is_object(doc) || !record)
        return OFC_AUDIT_LINE_NOT_EXPORT;
    line->verdict = json_string_value(json_object_get(doc, "verdict"));
    line->method = json_string_value(json_object_get(doc, "method"));
    json_t *uns = json_object_get(doc, "uns");
    line->has_uns = uns != NULL;
    line->uns = json_string_value(uns);
    json_t *part = json_object_get(doc, "partition"), *off = json_object_get(doc, "offset");
    if (json_is_integer(part) && json_integer_value(part) >= 0 &&
        json_integer_value(part) <= INT32_MAX)
        line->partition = (int32_t)json_integer_value(part);
    if (json_is_integer(off) && json_integer_value(off) >= 0)
        line->offset = (int64_t)json_integer_value(off);
    json_t *target = json_object_get(doc, "target");
    line->target = json_is_null(target) ? "" : json_string_value(target);
    line->target_len = json_is_string(target) ? json_string_length(target) : 0;
    if ((line->decoded[0] = decode_base64(doc, "target", &line->target_len)))
        line->target = line->decoded[0];
    json_t *kt = json_object_get(doc, "kafka_time_us");
    const char *iso = json_string_value(json_object_get(doc, "time"));
    int64_t when = 0;
    if (json_is_integer(kt))
        when = (int64_t)json_integer_value(kt);
    else if (iso && !ofc_time_parse(iso, strlen(iso), &when))
        when = 0;
    line->kafka_time_us = when > 0 ? when : 0;
    if (!json_is_string(record))
        return OFC_AUDIT_LINE_NO_RECORD;
    line->record = json_string_value(record);
    line->record_len = json_string_length(record);
    if ((line->decoded[1] = decode_base64(doc, "record", &line->record_len)))
        line->record = line->decoded[1];
    if (!line->target)
        return OFC_AUDIT_LINE_NO_TARGET;
    if (when <= 0)
        return OFC_AUDIT_LINE_NO_TIME;
    return OFC_AUDIT_LINE_OK;
}

void ofc_audit_line_fini(ofc_audit_line *line)
{
    json_decref(line->doc);
    free(line->decoded[0]);
    free(line->decoded[1]);
    line->doc = NULL;
    line->decoded[0] = line->decoded[1] = NULL;
}
