/* web_json: ofc-live.v1 server messages. */
#include "web_json.h"

#include "snapshot_json.h"
#include "timeutil.h"
#include "web_msg.h"

#include <string.h>

static void write_time(json_writer *jw, int64_t us)
{
    char buf[40];
    if (!us) {
        jw_null(jw);
        return;
    }
    size_t n = ofc_time_format_iso(us, 3, buf, sizeof buf);
    jw_string_n(jw, buf, n);
}

bool web_asset_set_has(const web_asset_set *set, const ofc_asset *asset)
{
    uintptr_t key = (uintptr_t)asset;
    size_t lo = 0, hi = set->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->items[mid] == key)
            return true;
        if (set->items[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool in_view(const ofc_asset *a, const char *prefix)
{
    return ofc_asset_registration(a) != OFC_REG_REMOVED && ofc_snapshot_asset_matches(a, prefix);
}

bool web_json_delta(json_writer *jw, const ofc_change_batch *batch, const web_asset_set *assets,
                    const char *prefix, uint64_t seq, int64_t now_us)
{
    bool any = false;
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "delta");
    jw_key(jw, "seq");
    jw_int(jw, (int64_t)seq);
    jw_key(jw, "time");
    write_time(jw, now_us);
    jw_key(jw, "assets");
    jw_array_begin(jw);
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind != OFC_CHANGE_ASSET)
            continue;
        bool view = in_view(ch->asset, prefix);
        jw_object_begin(jw);
        jw_key(jw, "uuid");
        jw_string(jw, ofc_asset_uuid(ch->asset));
        jw_key(jw, "in_view");
        jw_bool(jw, view);
        if (view) {
            jw_key(jw, "asset");
            ofc_snapshot_write_asset(jw, ch->asset, false);
        }
        jw_object_end(jw);
        any = true;
    }
    jw_array_end(jw);
    jw_key(jw, "attributes");
    jw_array_begin(jw);
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind != OFC_CHANGE_ATTR || web_asset_set_has(assets, ch->asset) ||
            !in_view(ch->asset, prefix))
            continue;
        jw_object_begin(jw);
        jw_key(jw, "asset");
        jw_string(jw, ofc_asset_uuid(ch->asset));
        jw_key(jw, "attr");
        ofc_snapshot_write_attr(jw, ch->attr, false);
        jw_object_end(jw);
        any = true;
    }
    jw_array_end(jw);
    jw_object_end(jw);
    if (!any)
        jw_reset(jw);
    return any;
}

void web_json_alarms(json_writer *jw, const ofc_attr *const *alarms, size_t count,
                     const char *prefix, size_t max)
{
    size_t warnings = 0, faults = 0, listed = 0;
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "alarms");
    jw_key(jw, "alarms");
    jw_array_begin(jw);
    for (size_t i = 0; i < count; i++) {
        const ofc_attr *at = alarms[i];
        const ofc_asset *a = ofc_attr_asset(at);
        if (!ofc_snapshot_asset_matches(a, prefix))
            continue;
        ofc_cond_level level = ofc_attr_condition_level(at);
        if (level == OFC_COND_FAULT)
            faults++;
        else
            warnings++;
        if (listed == max)
            continue;
        listed++;
        jw_object_begin(jw);
        jw_key(jw, "asset");
        jw_string(jw, ofc_asset_uuid(a));
        jw_key(jw, "uns_id");
        if (ofc_asset_uns_id(a))
            jw_string(jw, ofc_asset_uns_id(a));
        else
            jw_null(jw);
        jw_key(jw, "id");
        jw_string(jw, ofc_attr_id(at));
        jw_key(jw, "level");
        jw_string(jw, ofc_cond_level_name(level));
        jw_key(jw, "severity");
        if (ofc_attr_condition_severity(at) >= 0)
            jw_int(jw, ofc_attr_condition_severity(at));
        else
            jw_null(jw);
        jw_key(jw, "tag");
        jw_string(jw, ofc_attr_tag_local(at));
        jw_key(jw, "value");
        ofc_snapshot_write_value(jw, at);
        jw_key(jw, "since");
        write_time(jw, ofc_attr_condition_since_us(at));
        jw_object_end(jw);
    }
    jw_array_end(jw);
    jw_key(jw, "warnings");
    jw_int(jw, (int64_t)warnings);
    jw_key(jw, "faults");
    jw_int(jw, (int64_t)faults);
    jw_key(jw, "truncated");
    jw_bool(jw, listed < warnings + faults);
    jw_object_end(jw);
}

void web_json_stale(json_writer *jw, const ofc_model *model, const char *prefix, int64_t now_us,
                    bool connected, int64_t stale_after_us)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "stale");
    jw_key(jw, "all");
    jw_bool(jw, !connected);
    jw_key(jw, "after_s");
    jw_int(jw, stale_after_us / 1000000);
    jw_key(jw, "assets");
    jw_array_begin(jw);
    for (size_t i = 0; connected && stale_after_us > 0 && i < ofc_model_asset_count(model); i++) {
        const ofc_asset *a = ofc_model_asset_at(model, i);
        if (in_view(a, prefix) && ofc_asset_stale(a, now_us, connected, stale_after_us))
            jw_string(jw, ofc_asset_uuid(a));
    }
    jw_array_end(jw);
    jw_object_end(jw);
}

void web_json_status(json_writer *jw, const ofc_feed *feed, size_t clients, const char *replica,
                     int64_t now_us)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "status");
    jw_key(jw, "time");
    write_time(jw, now_us);
    jw_key(jw, "replica");
    jw_string(jw, replica ? replica : "");
    jw_key(jw, "clients");
    jw_int(jw, (int64_t)clients);
    if (feed) {
        const ofc_feed_status *st = ofc_feed_get_status(feed);
        jw_key(jw, "connected");
        jw_bool(jw, st->connected);
        jw_key(jw, "since");
        write_time(jw, st->state_since_us);
        jw_key(jw, "ever_connected");
        jw_bool(jw, st->ever_connected);
        jw_key(jw, "caught_up");
        jw_bool(jw, st->caught_up);
        jw_key(jw, "records_per_s");
        jw_double(jw, st->records_per_s);
        jw_key(jw, "lag");
        jw_int(jw, st->lag);
        jw_key(jw, "records");
        jw_int(jw, (int64_t)st->records);
        jw_key(jw, "rejected_total");
        jw_int(jw, (int64_t)st->rejected);
        ofc_snapshot_write_rejects(jw, feed);
        jw_key(jw, "last_error");
        jw_string(jw, st->last_error);
        ofc_snapshot_write_positions(jw, feed);
    }
    jw_object_end(jw);
}

void web_json_snapshot_head(json_writer *jw, uint64_t seq, const char *reason, const char *prefix)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "snapshot");
    jw_key(jw, "seq");
    jw_int(jw, (int64_t)seq);
    jw_key(jw, "reason");
    jw_string(jw, reason);
    jw_key(jw, "uns");
    jw_string(jw, prefix);
    jw_key(jw, "snapshot");
    /* The caller sends the document and a closing brace after this (the writer is left open
     * and only its text is used). */
}

void web_json_hello(json_writer *jw, const char *user, const char *role, bool auth,
                    const char *replica, bool commands, int64_t now_us)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "hello");
    jw_key(jw, "protocol");
    jw_string(jw, WEB_PROTOCOL);
    jw_key(jw, "server");
    jw_string(jw, "ofconsole " OFC_VERSION);
    jw_key(jw, "user");
    jw_string(jw, user);
    jw_key(jw, "role");
    jw_string(jw, role);
    jw_key(jw, "auth");
    jw_bool(jw, auth);
    jw_key(jw, "replica");
    jw_string(jw, replica ? replica : "");
    jw_key(jw, "commands");
    jw_bool(jw, commands);
    jw_key(jw, "time");
    write_time(jw, now_us);
    jw_key(jw, "limits");
    jw_object_begin(jw);
    jw_key(jw, "message_bytes");
    jw_int(jw, WEB_MSG_MAX);
    jw_key(jw, "messages_per_s");
    jw_int(jw, 10);
    jw_key(jw, "burst");
    jw_int(jw, 20);
    jw_object_end(jw);
    jw_object_end(jw);
}

void web_json_history(json_writer *jw, const ofc_model *model, const char *uuid)
{
    const ofc_asset *a = ofc_model_find_asset(model, uuid);
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "history");
    jw_key(jw, "uuid");
    jw_string(jw, uuid);
    jw_key(jw, "asset");
    if (a && ofc_asset_registration(a) != OFC_REG_REMOVED)
        ofc_snapshot_write_asset(jw, a, true);
    else
        jw_null(jw);
    jw_object_end(jw);
}

void web_json_pong(json_writer *jw, int64_t id, int64_t now_us)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "pong");
    jw_key(jw, "id");
    jw_int(jw, id);
    jw_key(jw, "time");
    write_time(jw, now_us);
    jw_object_end(jw);
}

void web_json_error(json_writer *jw, const char *code, const char *message)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "error");
    jw_key(jw, "code");
    jw_string(jw, code);
    jw_key(jw, "message");
    jw_string(jw, message);
    jw_object_end(jw);
}

void web_json_command_state(json_writer *jw, int64_t id, const ofc_cmd_status *st, int64_t now_us)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "command_state");
    jw_key(jw, "id");
    jw_int(jw, id);
    jw_key(jw, "correlation_id");
    jw_string(jw, st->correlation_id);
    jw_key(jw, "target");
    jw_string(jw, st->target);
    jw_key(jw, "method");
    jw_string(jw, st->method);
    jw_key(jw, "state");
    jw_string(jw, ofc_cmd_state_name(st->state));
    jw_key(jw, "partition");
    jw_int(jw, st->partition);
    jw_key(jw, "offset");
    jw_int(jw, st->offset);
    jw_key(jw, "detail");
    jw_string(jw, st->detail);
    jw_key(jw, "time");
    write_time(jw, now_us);
    jw_object_end(jw);
}

void web_json_command_refused(json_writer *jw, int64_t id, const char *correlation_id,
                              const char *reason, const char *message)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "command_refused");
    jw_key(jw, "id");
    jw_int(jw, id);
    jw_key(jw, "correlation_id");
    if (correlation_id)
        jw_string(jw, correlation_id);
    else
        jw_null(jw);
    jw_key(jw, "reason");
    jw_string(jw, reason);
    jw_key(jw, "message");
    jw_string(jw, message);
    jw_object_end(jw);
}

void web_json_policy(json_writer *jw, const char *key_id, const char *target, const char *method,
                     bool trusted, const char *operator_id, bool allowed, const char *why)
{
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "type");
    jw_string(jw, "policy");
    jw_key(jw, "key_id");
    jw_string(jw, key_id);
    jw_key(jw, "target");
    jw_string(jw, target);
    jw_key(jw, "method");
    jw_string(jw, method);
    jw_key(jw, "trusted");
    jw_bool(jw, trusted);
    jw_key(jw, "operator");
    if (operator_id)
        jw_string(jw, operator_id);
    else
        jw_null(jw);
    jw_key(jw, "allowed");
    jw_bool(jw, allowed);
    jw_key(jw, "why");
    jw_string(jw, why);
    jw_object_end(jw);
}
