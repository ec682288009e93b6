/* truth_compare: field-by-field comparison with readable mismatch reports. */
#include "truth_compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct report_ctx {
    char *buf;
    size_t size, used;
    size_t mismatches;
} report_ctx;

static void mismatch(report_ctx *r, const char *fmt, ...)
{
    r->mismatches++;
    if (r->mismatches > 12 || r->used + 2 >= r->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->used, r->size - r->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->used += (size_t)n < r->size - r->used ? (size_t)n : r->size - r->used - 1;
    if (r->used + 1 < r->size) {
        r->buf[r->used++] = '\n';
        r->buf[r->used] = '\0';
    }
}

static const json_t *find_by(const json_t *array, const char *field, const char *value)
{
    size_t i;
    const json_t *item;
    json_array_foreach(array, i, item)
    {
        const char *v = json_string_value(json_object_get(item, field));
        if (v && strcmp(v, value) == 0)
            return item;
    }
    return NULL;
}

static bool nullable_string_equal(const json_t *a, const json_t *b)
{
    if (json_is_null(a) || !a)
        return json_is_null(b) || !b;
    return json_is_string(a) && json_is_string(b) &&
           strcmp(json_string_value(a), json_string_value(b)) == 0;
}

static char *text_of(const json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_null(v) || !v)
        return NULL;
    return json_dumps(v, JSON_ENCODE_ANY);
}

static bool values_equal(const json_t *got, const json_t *want, truth_mode mode)
{
    if (mode == TRUTH_EXACT)
        return json_equal(got, want);
    if (json_is_null(want))
        return json_is_null(got);
    if (json_is_number(want) && json_is_string(got)) {
        char *end;
        double d = strtod(json_string_value(got), &end);
        return *end == '\0' && fabs(d - json_number_value(want)) <= 1e-9 * fmax(1, fabs(d));
    }
    char *a = text_of(got), *b = text_of(want);
    bool eq = a && b && strcmp(a, b) == 0;
    free(a);
    free(b);
    return eq;
}

static bool is_command(const char *id)
{
    size_t n = strlen(id);
    return n > 4 && strcmp(id + n - 4, "_CMD") == 0;
}

static void compare_asset(report_ctx *r, const json_t *got, const json_t *want, truth_mode mode)
{
    const char *uuid = json_string_value(json_object_get(want, "uuid"));
    static const char *const fields[] = {"asset_type", "availability", "uns_id", "device"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const json_t *w = json_object_get(want, fields[i]);
        const json_t *g = json_object_get(got, fields[i]);
        if (!nullable_string_equal(g, w)) {
            char *ws = text_of(w), *gs = text_of(g);
            mismatch(r, "%s: %s is %s, plant says %s", uuid, fields[i], gs ? gs : "null",
                     ws ? ws : "null");
            free(ws);
            free(gs);
        }
    }
    const json_t *gattrs = json_object_get(got, "attributes");
    const json_t *wattrs = json_object_get(want, "attributes");
    size_t i;
    const json_t *wa;
    json_array_foreach(wattrs, i, wa)
    {
        const char *id = json_string_value(json_object_get(wa, "id"));
        const json_t *ga = find_by(gattrs, "id", id);
        if (!ga) {
            mismatch(r, "%s/%s: missing", uuid, id);
            continue;
        }
        if (!nullable_string_equal(json_object_get(ga, "type"), json_object_get(wa, "type")))
            mismatch(r, "%s/%s: type differs", uuid, id);
        if (!nullable_string_equal(json_object_get(ga, "tag"), json_object_get(wa, "tag")))
            mismatch(r, "%s/%s: tag differs", uuid, id);
        if (!values_equal(json_object_get(ga, "value"), json_object_get(wa, "value"), mode)) {
            char *gs = text_of(json_object_get(ga, "value"));
            char *ws = text_of(json_object_get(wa, "value"));
            mismatch(r, "%s/%s: value %s, plant says %s", uuid, id, gs ? gs : "null",
                     ws ? ws : "null");
            free(gs);
            free(ws);
        }
    }
    const json_t *ga;
    json_array_foreach(gattrs, i, ga)
    {
        const char *id = json_string_value(json_object_get(ga, "id"));
        if (id && !is_command(id) && !find_by(wattrs, "id", id))
            mismatch(r, "%s/%s: not produced by the plant", uuid, id);
    }
}

size_t truth_compare(const json_t *snapshot, const json_t *truth, truth_mode mode, char *report,
                     size_t report_size)
{
    report_ctx r = {report, report_size, 0, 0};
    if (report_size)
        report[0] = '\0';
    const json_t *gassets = json_object_get(snapshot, "assets");
    const json_t *wassets = json_object_get(truth, "assets");
    if (!json_is_array(gassets) || !json_is_array(wassets)) {
        mismatch(&r, "snapshot or truth has no assets array");
        return r.mismatches;
    }
    size_t i;
    const json_t *wa;
    json_array_foreach(wassets, i, wa)
    {
        const char *uuid = json_string_value(json_object_get(wa, "uuid"));
        const json_t *ga = find_by(gassets, "uuid", uuid);
        if (!ga)
            mismatch(&r, "%s: asset missing from the snapshot", uuid);
        else
            compare_asset(&r, ga, wa, mode);
    }
    const json_t *ga;
    json_array_foreach(gassets, i, ga)
    {
        const char *uuid = json_string_value(json_object_get(ga, "uuid"));
        if (!find_by(wassets, "uuid", uuid))
            mismatch(&r, "%s: in the snapshot but not made by the plant", uuid);
    }
    return r.mismatches;
}
