/* snapshot_json: serialisation of the model through its public accessors only. */
#include "snapshot_json.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static void write_time_or_null(json_writer *jw, int64_t us)
{
    char buf[40];
    if (!us) {
        jw_null(jw);
        return;
    }
    size_t n = ofc_time_format_iso(us, 6, buf, sizeof buf);
    jw_string_n(jw, buf, n);
}

static void write_string_or_null(json_writer *jw, const char *s)
{
    if (s)
        jw_string(jw, s);
    else
        jw_null(jw);
}

void ofc_snapshot_write_value(json_writer *jw, const ofc_attr *at)
{
    const char *v = ofc_attr_value(at);
    switch (ofc_attr_value_kind(at)) {
    case OFC_VALUE_NULL: jw_null(jw); break;
    case OFC_VALUE_STRING: jw_string(jw, v); break;
    case OFC_VALUE_NUMBER:
    case OFC_VALUE_BOOL: jw_raw(jw, v, strlen(v)); break;
    }
}

static const char *origin_name(ofc_origin_topic t)
{
    switch (t) {
    case OFC_ORIGIN_STREAM: return "stream";
    case OFC_ORIGIN_TABLE: return "table";
    case OFC_ORIGIN_STATE: return "state";
    case OFC_ORIGIN_NONE: break;
    }
    return "none";
}

void ofc_snapshot_write_attr(json_writer *jw, const ofc_attr *at, bool include_history)
{
    jw_object_begin(jw);
    jw_key(jw, "id");
    jw_string(jw, ofc_attr_id(at));
    jw_key(jw, "type");
    jw_string(jw, ofc_attr_type_text(at));
    jw_key(jw, "tag");
    jw_string(jw, ofc_attr_tag(at));
    jw_key(jw, "value");
    ofc_snapshot_write_value(jw, at);
    jw_key(jw, "timestamp");
    write_time_or_null(jw, ofc_attr_timestamp_us(at));
    jw_key(jw, "received");
    write_time_or_null(jw, ofc_attr_received_us(at));
    ofc_origin o = ofc_attr_origin(at);
    jw_key(jw, "kafka");
    jw_object_begin(jw);
    jw_key(jw, "source");
    jw_string(jw, origin_name(o.topic));
    jw_key(jw, "partition");
    jw_int(jw, o.partition);
    jw_key(jw, "offset");
    jw_int(jw, o.offset);
    jw_key(jw, "timestamp");
    write_time_or_null(jw, o.timestamp_ms > 0 ? o.timestamp_ms * 1000 : 0);
    jw_object_end(jw);
    jw_key(jw, "updates");
    jw_int(jw, (int64_t)ofc_attr_update_count(at));
    if (ofc_attr_condition_level(at) != OFC_COND_NONE) {
        jw_key(jw, "condition");
        jw_object_begin(jw);
        jw_key(jw, "level");
        jw_string(jw, ofc_cond_level_name(ofc_attr_condition_level(at)));
        jw_key(jw, "severity");
        if (ofc_attr_condition_severity(at) >= 0)
            jw_int(jw, ofc_attr_condition_severity(at));
        else
            jw_null(jw);
        jw_object_end(jw);
    }
    if (ofc_attr_is_method(at)) {
        jw_key(jw, "method");
        jw_object_begin(jw);
        jw_key(jw, "description");
        jw_string(jw, ofc_attr_method_description(at));
        jw_key(jw, "legacy");
        jw_bool(jw, ofc_attr_method_legacy(at));
        jw_key(jw, "arguments");
        jw_array_begin(jw);
        for (size_t i = 0; i < ofc_attr_method_arg_count(at); i++) {
            jw_object_begin(jw);
            jw_key(jw, "name");
            jw_string(jw, ofc_attr_method_arg_name(at, i));
            jw_key(jw, "description");
            jw_string(jw, ofc_attr_method_arg_description(at, i));
            jw_object_end(jw);
        }
        jw_array_end(jw);
        jw_object_end(jw);
    }
    if (include_history && ofc_attr_history_count(at)) {
        jw_key(jw, "history");
        jw_array_begin(jw);
        for (size_t i = 0; i < ofc_attr_history_count(at); i++) {
            int64_t t;
            double v;
            ofc_attr_history_at(at, i, &t, &v);
            jw_array_begin(jw);
            jw_int(jw, t / 1000);
            jw_double(jw, v);
            jw_array_end(jw);
        }
        jw_array_end(jw);
    }
    jw_object_end(jw);
}

static int attr_by_id(const void *a, const void *b)
{
    return strcmp(ofc_attr_id(*(const ofc_attr *const *)a),
                  ofc_attr_id(*(const ofc_attr *const *)b));
}

static int asset_by_uuid(const void *a, const void *b)
{
    return strcmp(ofc_asset_uuid(*(const ofc_asset *const *)a),
                  ofc_asset_uuid(*(const ofc_asset *const *)b));
}

void ofc_snapshot_write_asset(json_writer *jw, const ofc_asset *a, bool include_history)
{
    jw_object_begin(jw);
    jw_key(jw, "uuid");
    jw_string(jw, ofc_asset_uuid(a));
    jw_key(jw, "asset_type");
    write_string_or_null(jw, ofc_asset_type(a));
    jw_key(jw, "availability");
    write_string_or_null(jw, ofc_asset_availability_text(a));
    jw_key(jw, "registration");
    jw_string(jw, ofc_registration_name(ofc_asset_registration(a)));
    jw_key(jw, "state");
    jw_string(jw, ofc_state_name(ofc_asset_state(a)));
    jw_key(jw, "uns_id");
    write_string_or_null(jw, ofc_asset_uns_id(a));
    jw_key(jw, "uns_levels");
    if (ofc_asset_uns_id(a)) {
        jw_object_begin(jw);
        for (size_t i = 0; i < ofc_asset_uns_level_count(a); i++) {
            jw_key(jw, ofc_asset_uns_level_name(a, i));
            jw_string(jw, ofc_asset_uns_level_value(a, i));
        }
        jw_object_end(jw);
    } else {
        jw_null(jw);
    }
    jw_key(jw, "device");
    write_string_or_null(jw, ofc_asset_device(a) ? ofc_asset_uuid(ofc_asset_device(a)) : NULL);
    jw_key(jw, "helpers");
    jw_array_begin(jw);
    for (size_t i = 0; i < ofc_asset_helper_count(a); i++)
        jw_string(jw, ofc_asset_uuid(ofc_asset_helper_at(a, i)));
    jw_array_end(jw);
    jw_key(jw, "attributes");
    jw_array_begin(jw);
    size_t n = ofc_asset_attr_count(a);
    const ofc_attr **sorted = xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = ofc_asset_attr_at(a, i);
    qsort(sorted, n, sizeof *sorted, attr_by_id);
    for (size_t i = 0; i < n; i++)
        ofc_snapshot_write_attr(jw, sorted[i], include_history);
    free(sorted);
    jw_array_end(jw);
    jw_object_end(jw);
}

bool ofc_snapshot_asset_matches(const ofc_asset *a, const char *prefix)
{
    if (!prefix || !*prefix)
        return true;
    const ofc_uns_node *node = ofc_asset_uns_node(a);
    if (strcmp(prefix, "(unmapped)") == 0)
        return node && ofc_uns_node_is_unmapped(node);
    const char *uns = ofc_asset_uns_id(a);
    if (!uns) {
        /* A helper follows its device. */
        const ofc_asset *dev = ofc_asset_device(a);
        uns = dev ? ofc_asset_uns_id(dev) : NULL;
    }
    if (!uns)
        return false;
    size_t n = strlen(prefix);
    while (n && prefix[n - 1] == '/')
        n--;
    return strncmp(uns, prefix, n) == 0 && (uns[n] == '\0' || uns[n] == '/');
}

static void write_node(json_writer *jw, const ofc_uns_node *node)
{
    jw_object_begin(jw);
    jw_key(jw, "name");
    jw_string(jw, ofc_uns_node_name(node));
    jw_key(jw, "path");
    jw_string(jw, ofc_uns_node_path(node));
    jw_key(jw, "unmapped");
    jw_bool(jw, ofc_uns_node_is_unmapped(node));
    jw_key(jw, "state");
    jw_string(jw, ofc_state_name(ofc_uns_node_state(node)));
    jw_key(jw, "total_assets");
    jw_int(jw, (int64_t)ofc_uns_node_total_assets(node));
    jw_key(jw, "assets");
    jw_array_begin(jw);
    for (size_t i = 0; i < ofc_uns_node_asset_count(node); i++)
        jw_string(jw, ofc_asset_uuid(ofc_uns_node_asset_at(node, i)));
    jw_array_end(jw);
    jw_key(jw, "children");
    jw_array_begin(jw);
    for (size_t i = 0; i < ofc_uns_node_child_count(node); i++)
        write_node(jw, ofc_uns_node_child_at(node, i));
    jw_array_end(jw);
    jw_object_end(jw);
}

void ofc_snapshot_write_positions(json_writer *jw, const ofc_feed *feed)
{
    jw_key(jw, "positions");
    jw_array_begin(jw);
    for (size_t i = 0; i < ofc_feed_partition_count(feed); i++) {
        ofc_feed_topic t;
        int32_t p;
        int64_t next, end;
        ofc_feed_partition_at(feed, i, &t, &p, &next, &end);
        jw_object_begin(jw);
        jw_key(jw, "topic");
        jw_string(jw, ofc_feed_topic_name(feed, t));
        jw_key(jw, "partition");
        jw_int(jw, p);
        jw_key(jw, "next_offset");
        jw_int(jw, next);
        jw_object_end(jw);
    }
    jw_array_end(jw);
}

void ofc_snapshot_write_rejects(json_writer *jw, const ofc_feed *feed)
{
    const ofc_feed_status *st = ofc_feed_get_status(feed);
    jw_key(jw, "rejected");
    jw_object_begin(jw);
    for (int r = 1; r < OFC_REJECT__COUNT; r++) {
        if (!st->rejected_by[r])
            continue;
        jw_key(jw, ofc_reject_name((ofc_reject)r));
        jw_int(jw, (int64_t)st->rejected_by[r]);
    }
    jw_object_end(jw);
    jw_key(jw, "missing_topics");
    jw_array_begin(jw);
    for (int t = 0; t < OFC_FEED__TOPICS; t++)
        if (st->topic_missing[t])
            jw_string(jw, ofc_feed_topic_name(feed, (ofc_feed_topic)t));
    jw_array_end(jw);
}

static void write_feed(json_writer *jw, const ofc_feed *feed)
{
    const ofc_feed_status *st = ofc_feed_get_status(feed);
    jw_key(jw, "complete");
    jw_bool(jw, st->caught_up);
    ofc_snapshot_write_positions(jw, feed);
    jw_key(jw, "status");
    jw_object_begin(jw);
    jw_key(jw, "connected");
    jw_bool(jw, st->connected);
    jw_key(jw, "records");
    jw_int(jw, (int64_t)st->records);
    jw_key(jw, "lag");
    jw_int(jw, st->lag);
    ofc_snapshot_write_rejects(jw, feed);
    jw_object_end(jw);
}

void ofc_snapshot_write(json_writer *jw, const ofc_model *m, const ofc_feed *feed,
                        const ofc_snapshot_opts *opts)
{
    static const ofc_snapshot_opts defaults = {NULL, false, false};
    char now[40];
    if (!opts)
        opts = &defaults;
    jw_object_begin(jw);
    jw_key(jw, "format");
    jw_string(jw, "ofconsole-snapshot/1");
    jw_key(jw, "generated_at");
    size_t n = ofc_time_format_iso(ofc_time_now_us(), 3, now, sizeof now);
    jw_string_n(jw, now, n);
    if (opts->uns_prefix && *opts->uns_prefix) {
        jw_key(jw, "uns_prefix");
        jw_string(jw, opts->uns_prefix);
    }
    if (feed)
        write_feed(jw, feed);

    size_t count = ofc_model_asset_count(m), k = 0;
    const ofc_asset **sorted = xcalloc(count ? count : 1, sizeof *sorted);
    for (size_t i = 0; i < count; i++) {
        const ofc_asset *a = ofc_model_asset_at(m, i);
        if (!opts->include_removed && ofc_asset_registration(a) == OFC_REG_REMOVED)
            continue;
        if (!ofc_snapshot_asset_matches(a, opts->uns_prefix))
            continue;
        sorted[k++] = a;
    }
    qsort(sorted, k, sizeof *sorted, asset_by_uuid);
    jw_key(jw, "assets");
    jw_array_begin(jw);
    for (size_t i = 0; i < k; i++)
        ofc_snapshot_write_asset(jw, sorted[i], opts->include_history);
    jw_array_end(jw);
    free(sorted);

    const ofc_uns_node *root = ofc_model_uns_root(m);
    if (opts->uns_prefix && *opts->uns_prefix) {
        char path[1100];
        snprintf(path, sizeof path, "%s", opts->uns_prefix);
        size_t len = strlen(path);
        while (len && path[len - 1] == '/')
            path[--len] = '\0';
        root = ofc_model_find_uns(m, path);
    }
    jw_key(jw, "uns");
    if (root)
        write_node(jw, root);
    else
        jw_null(jw);
    jw_object_end(jw);
}
