/* test_asset_model: applying records to the model: values, history bounds, conditions, methods,
 * availability, registration and tombstones, UNS placement and re-mapping, helper links, batched
 * notification, limits and table seeding. Records are built directly (the parser has its own
 * tests), so these assert the model's rules alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "asset_model.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ofc_str S(const char *s)
{
    return (ofc_str){s, strlen(s)};
}

static ofa_event event(const char *uuid, const char *id, ofc_attr_type type, const char *type_text,
                       const char *tag, ofc_value_kind kind, const char *value, int64_t ts_us)
{
    ofa_event ev;
    memset(&ev, 0, sizeof ev);
    ev.asset_uuid = S(uuid);
    ev.id = S(id);
    ev.type = type;
    ev.type_text = S(type_text);
    ev.tag = S(tag);
    ev.value_kind = kind;
    ev.value = S(value ? value : "");
    ev.timestamp_us = ts_us;
    return ev;
}

static ofc_reject sample(ofc_model *m, const char *uuid, const char *id, const char *num,
                         int64_t ts_us)
{
    ofa_event ev =
        event(uuid, id, OFC_TYPE_SAMPLES, "Samples", "Temperature", OFC_VALUE_NUMBER, num, ts_us);
    ofc_origin o = {OFC_ORIGIN_STREAM, 2, 41, ts_us / 1000};
    return ofc_model_apply_event(m, &ev, &o);
}

static ofc_reject map_uns(ofc_model *m, const char *uuid, const char *uns)
{
    ofa_uns_map map;
    memset(&map, 0, sizeof map);
    map.asset_uuid = S(uuid);
    map.mapped = uns != NULL;
    map.uns_id = S(uns ? uns : "");
    if (uns) {
        map.level_count = 2;
        map.level_names[0] = S("inc");
        map.level_values[0] = S("Demofactory");
        map.level_names[1] = S("asset");
        map.level_values[1] = S("x");
    }
    return ofc_model_apply_uns_map(m, &map);
}

static void test_value_kinds_and_origin(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    assert_int_equal(sample(m, "TEMP-1", "Temp", "21.50", 1000000), OFC_REJECT_NONE);
    ofa_event ev = event("TEMP-1", "avail", OFC_TYPE_EVENTS, "Events",
                         "{urn:mtconnect.org:MTConnectStreams:2.2}Availability", OFC_VALUE_STRING,
                         "AVAILABLE", 2000000);
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
    ev = event("TEMP-1", "ready", OFC_TYPE_EVENTS, "Events", "Ready", OFC_VALUE_BOOL, "true", 0);
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
    ev = event("TEMP-1", "empty", OFC_TYPE_EVENTS, "Events", "X", OFC_VALUE_NULL, NULL, 0);
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);

    const ofc_asset *a = ofc_model_find_asset(m, "TEMP-1");
    assert_non_null(a);
    assert_int_equal(ofc_asset_attr_count(a), 4);
    const ofc_attr *t = ofc_asset_find_attr(a, "Temp");
    assert_string_equal(ofc_attr_value(t), "21.50");
    assert_int_equal(ofc_attr_value_kind(t), OFC_VALUE_NUMBER);
    double d;
    assert_true(ofc_attr_number(t, &d));
    assert_true(d > 21.49 && d < 21.51);
    assert_int_equal(ofc_attr_origin(t).partition, 2);
    assert_int_equal(ofc_attr_origin(t).offset, 41);
    assert_int_equal(ofc_attr_timestamp_us(t), 1000000);

    const ofc_attr *av = ofc_asset_find_attr(a, "avail");
    assert_string_equal(ofc_attr_tag_local(av), "Availability");
    assert_int_equal(ofc_asset_availability(a), OFC_AVAIL_AVAILABLE);
    assert_false(ofc_attr_number(av, &d));
    assert_int_equal(ofc_attr_value_kind(ofc_asset_find_attr(a, "ready")), OFC_VALUE_BOOL);
    assert_int_equal(ofc_attr_value_kind(ofc_asset_find_attr(a, "empty")), OFC_VALUE_NULL);
    assert_string_equal(ofc_attr_value(ofc_asset_find_attr(a, "empty")), "");
    ofc_model_destroy(m);
}

static void test_mtconnect_string_numbers_and_long_values(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event ev = event("CNC", "Xact", OFC_TYPE_SAMPLES, "Samples", "{urn:x}PathPosition",
                         OFC_VALUE_STRING, "104.37", 5);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_attr *at = ofc_asset_find_attr(ofc_model_find_asset(m, "CNC"), "Xact");
    double d;
    assert_true(ofc_attr_number(at, &d));
    assert_int_equal(ofc_attr_history_count(at), 1);
    ev = event("CNC", "Xact", OFC_TYPE_SAMPLES, "Samples", "{urn:x}PathPosition", OFC_VALUE_STRING,
               "UNAVAILABLE", 6);
    ofc_model_apply_event(m, &ev, NULL);
    assert_false(ofc_attr_number(at, &d));
    assert_int_equal(ofc_attr_history_count(at), 1);

    char big[3000];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ev = event("CNC", "msg", OFC_TYPE_EVENTS, "Events", "Message", OFC_VALUE_STRING, big, 7);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_attr *msg = ofc_asset_find_attr(ofc_model_find_asset(m, "CNC"), "msg");
    assert_string_equal(ofc_attr_value(msg), big);
    ev = event("CNC", "msg", OFC_TYPE_EVENTS, "Events", "Message", OFC_VALUE_STRING, "short", 8);
    ofc_model_apply_event(m, &ev, NULL);
    assert_string_equal(ofc_attr_value(msg), "short");
    ofc_model_destroy(m);
}

static void test_numbers_parse_exactly(void **state)
{
    /* The fast path must give strtod's correctly rounded double, bit for bit. */
    const char *cases[] = {"0",
                           "-0.5",
                           "104.37",
                           "7166",
                           "0.1",
                           "-19.391",
                           "123456789012345",
                           "1.000000000000001",
                           "00042.50",
                           "1e3",
                           "12345678901234567",
                           ".5",
                           "5.",
                           "-"};
    ofc_model *m = ofc_model_new(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ofa_event ev =
            event("N", "v", OFC_TYPE_SAMPLES, "Samples", "x", OFC_VALUE_STRING, cases[i], 1);
        ofc_model_apply_event(m, &ev, NULL);
        const ofc_attr *at = ofc_asset_find_attr(ofc_model_find_asset(m, "N"), "v");
        char *end;
        double want = strtod(cases[i], &end);
        double got;
        bool numeric = ofc_attr_number(at, &got);
        if (*end || end == cases[i]) {
            assert_false(numeric);
        } else {
            assert_true(numeric);
            assert_memory_equal(&got, &want, sizeof got);
        }
    }
    ofc_model_destroy(m);
}

static void test_history_is_bounded(void **state)
{
    ofc_model_limits lim = {120, 0, 0};
    ofc_model *m = ofc_model_new(&lim);
    char num[32];
    for (int i = 0; i < 500; i++) {
        snprintf(num, sizeof num, "%d", i);
        sample(m, "S", "temp", num, 1000000LL * (i + 1));
    }
    const ofc_attr *at = ofc_asset_find_attr(ofc_model_find_asset(m, "S"), "temp");
    assert_int_equal(ofc_attr_history_count(at), 120);
    double v;
    int64_t t;
    assert_true(ofc_attr_history_at(at, 0, &t, &v));
    assert_true(v == 380.0);
    assert_int_equal(t, 381 * 1000000LL);
    assert_true(ofc_attr_history_at(at, 119, &t, &v));
    assert_true(v == 499.0);
    assert_false(ofc_attr_history_at(at, 120, &t, &v));
    assert_int_equal(ofc_attr_update_count(at), 500);
    ofc_model_destroy(m);
}

static void test_conditions_mtconnect_and_opcua(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event ev = event("CNC", "motion", OFC_TYPE_CONDITION, "Condition",
                         "{urn:mtconnect.org:MTConnectStreams:2.2}Fault", OFC_VALUE_STRING,
                         "Soft limit exceeded", 1);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_asset *cnc = ofc_model_find_asset(m, "CNC");
    const ofc_attr *motion = ofc_asset_find_attr(cnc, "motion");
    assert_int_equal(ofc_attr_condition_level(motion), OFC_COND_FAULT);
    assert_int_equal(ofc_asset_state(cnc), OFC_STATE_FAULT);
    assert_int_equal(ofc_model_active_conditions(m), 1);

    ev = event("CNC", "motion", OFC_TYPE_CONDITION, "Condition", "{urn:x}Normal", OFC_VALUE_NULL,
               NULL, 2);
    ofc_model_apply_event(m, &ev, NULL);
    assert_int_equal(ofc_attr_condition_level(motion), OFC_COND_NORMAL);
    assert_int_equal(ofc_asset_state(cnc), OFC_STATE_NORMAL);
    assert_int_equal(ofc_model_active_conditions(m), 0);

    ev = event("OPCUA-1", "OverTemp_event", OFC_TYPE_CONDITION, "Condition", "AlarmConditionType",
               OFC_VALUE_STRING, "Temperature too high (Severity: 900)", 3);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_asset *opc = ofc_model_find_asset(m, "OPCUA-1");
    const ofc_attr *c = ofc_asset_find_attr(opc, "OverTemp_event");
    assert_int_equal(ofc_attr_condition_level(c), OFC_COND_FAULT);
    assert_int_equal(ofc_attr_condition_severity(c), 900);
    ev = event("OPCUA-1", "OverTemp_event", OFC_TYPE_CONDITION, "Condition", "AlarmConditionType",
               OFC_VALUE_STRING, "Sensor malfunction detected (Severity: 500)", 4);
    ofc_model_apply_event(m, &ev, NULL);
    assert_int_equal(ofc_attr_condition_level(c), OFC_COND_WARNING);
    assert_int_equal(ofc_asset_state(opc), OFC_STATE_WARNING);
    ev = event("OPCUA-1", "OverTemp_event", OFC_TYPE_CONDITION, "Condition", "AlarmConditionType",
               OFC_VALUE_STRING, "Temperature normal (Severity: 0)", 5);
    ofc_model_apply_event(m, &ev, NULL);
    assert_int_equal(ofc_attr_condition_level(c), OFC_COND_NORMAL);
    assert_int_equal(ofc_asset_state(opc), OFC_STATE_NORMAL);

    ev = event("CNC", "grbl", OFC_TYPE_CONDITION, "Condition", "{urn:x}Unavailable", OFC_VALUE_NULL,
               NULL, 6);
    ofc_model_apply_event(m, &ev, NULL);
    assert_int_equal(ofc_asset_state(cnc), OFC_STATE_UNAVAILABLE);
    ofc_model_destroy(m);
}

static void test_methods_json_and_legacy(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event ev =
        event("BARCODE", "GenerateCode", OFC_TYPE_METHOD, "Method", "Method", OFC_VALUE_STRING,
              "{\"description\": \"Generate a code\", \"arguments\": [{\"name\": "
              "\"Code\", \"description\": \"Barcode (empty for random)\"}]}",
              1);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_attr *gc = ofc_asset_find_attr(ofc_model_find_asset(m, "BARCODE"), "GenerateCode");
    assert_true(ofc_attr_is_method(gc));
    assert_false(ofc_attr_method_legacy(gc));
    assert_string_equal(ofc_attr_method_description(gc), "Generate a code");
    assert_int_equal(ofc_attr_method_arg_count(gc), 1);
    assert_string_equal(ofc_attr_method_arg_name(gc, 0), "Code");
    assert_string_equal(ofc_attr_method_arg_description(gc, 0), "Barcode (empty for random)");

    ev = event("OLD", "Reset", OFC_TYPE_METHOD, "Method", "Method", OFC_VALUE_STRING,
               "reset the counters", 1);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_attr *r = ofc_asset_find_attr(ofc_model_find_asset(m, "OLD"), "Reset");
    assert_true(ofc_attr_method_legacy(r));
    assert_string_equal(ofc_attr_method_description(r), "reset the counters");
    assert_int_equal(ofc_attr_method_arg_count(r), 0);
    ofc_model_destroy(m);
}

static void test_availability_orders_sources_by_kafka_time(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_table_value row = {S("A"), false, S("AVAILABLE")};
    ofc_origin newer = {OFC_ORIGIN_STATE, 0, 9, 2000};
    ofc_model_apply_availability(m, &row, &newer);
    const ofc_asset *a = ofc_model_find_asset(m, "A");
    assert_int_equal(ofc_asset_availability(a), OFC_AVAIL_AVAILABLE);
    /* An older stream record read later (other topic) does not win. */
    ofa_event ev = event("A", "avail", OFC_TYPE_EVENTS, "Events", "Availability", OFC_VALUE_STRING,
                         "UNAVAILABLE", 0);
    ofc_origin older = {OFC_ORIGIN_STREAM, 0, 3, 1000};
    ofc_model_apply_event(m, &ev, &older);
    assert_int_equal(ofc_asset_availability(a), OFC_AVAIL_AVAILABLE);
    ofc_origin later = {OFC_ORIGIN_STREAM, 0, 4, 3000};
    ofc_model_apply_event(m, &ev, &later);
    assert_int_equal(ofc_asset_availability(a), OFC_AVAIL_UNAVAILABLE);
    assert_int_equal(ofc_asset_state(a), OFC_STATE_UNAVAILABLE);
    /* A tombstone on assets_avail_topic removes the row. */
    ofa_table_value tomb = {S("A"), true, S("")};
    ofc_origin latest = {OFC_ORIGIN_STATE, 0, 10, 4000};
    ofc_model_apply_availability(m, &tomb, &latest);
    assert_int_equal(ofc_asset_availability(a), OFC_AVAIL_UNKNOWN);
    assert_null(ofc_asset_availability_text(a));
    ofc_model_destroy(m);
}

static void test_registration_tombstone_hides_and_reregisters(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_table_value reg = {S("DEV"), false, S("Device")};
    ofc_model_apply_asset_type(m, &reg, NULL);
    map_uns(m, "DEV", "Demofactory/Machining/WC001/dev");
    ofc_model_flush(m);
    const ofc_asset *a = ofc_model_find_asset(m, "DEV");
    assert_int_equal(ofc_asset_registration(a), OFC_REG_DEPLOYED);
    assert_string_equal(ofc_asset_type(a), "Device");
    assert_non_null(ofc_model_find_uns(m, "Demofactory/Machining/WC001/dev"));

    ofa_table_value tomb = {S("DEV"), true, S("")};
    ofc_model_apply_asset_type(m, &tomb, NULL);
    assert_int_equal(ofc_asset_registration(a), OFC_REG_REMOVED);
    assert_null(ofc_asset_uns_node(a));
    ofc_model_flush(m);
    /* Empty nodes are pruned at the flush. */
    assert_null(ofc_model_find_uns(m, "Demofactory"));
    assert_int_equal(ofc_uns_node_total_assets(ofc_model_uns_root(m)), 0);

    ofc_model_apply_asset_type(m, &reg, NULL);
    ofc_model_flush(m);
    assert_int_equal(ofc_asset_registration(a), OFC_REG_DEPLOYED);
    assert_non_null(ofc_model_find_uns(m, "Demofactory/Machining/WC001/dev"));
    ofc_model_destroy(m);
}

static void test_uns_remap_deregister_and_rollup(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    map_uns(m, "A", "Demofactory/Machining/WC001/a");
    map_uns(m, "B", "Demofactory/Machining/WC002/b");
    sample(m, "C", "temp", "1", 1); /* never mapped */
    ofc_model_flush(m);
    const ofc_uns_node *root = ofc_model_uns_root(m);
    assert_int_equal(ofc_uns_node_total_assets(root), 3);
    const ofc_uns_node *unm = ofc_model_unmapped_node(m);
    assert_non_null(unm);
    assert_true(ofc_uns_node_is_unmapped(unm));
    assert_int_equal(ofc_uns_node_asset_count(unm), 1);
    assert_string_equal(ofc_asset_uuid(ofc_uns_node_asset_at(unm, 0)), "C");
    /* The unmapped branch sorts last whatever the names. */
    assert_ptr_equal(ofc_uns_node_child_at(root, ofc_uns_node_child_count(root) - 1), unm);

    /* Fault on A rolls up to every ancestor. */
    ofa_event ev =
        event("A", "c", OFC_TYPE_CONDITION, "Condition", "Fault", OFC_VALUE_STRING, "boom", 1);
    ofc_model_apply_event(m, &ev, NULL);
    const ofc_uns_node *mach = ofc_model_find_uns(m, "Demofactory/Machining");
    assert_int_equal(ofc_uns_node_state(mach), OFC_STATE_FAULT);
    assert_int_equal(ofc_uns_node_state_count(mach, OFC_STATE_FAULT), 1);
    assert_int_equal(ofc_uns_node_state(ofc_model_find_uns(m, "Demofactory/Machining/WC002")),
                     OFC_STATE_NORMAL);

    /* Re-mapping moves A and its fault count; the old branch empties and is pruned. */
    map_uns(m, "A", "Demofactory/Assembly/WC003/a");
    ofc_model_flush(m);
    assert_null(ofc_model_find_uns(m, "Demofactory/Machining/WC001"));
    assert_int_equal(ofc_uns_node_state(ofc_model_find_uns(m, "Demofactory/Machining")),
                     OFC_STATE_NORMAL);
    assert_int_equal(ofc_uns_node_state(ofc_model_find_uns(m, "Demofactory/Assembly")),
                     OFC_STATE_FAULT);
    assert_string_equal(ofc_uns_node_path(ofc_asset_uns_node(ofc_model_find_asset(m, "A"))),
                        "Demofactory/Assembly/WC003/a");

    /* Deregistration (null uns_id) moves it to the unmapped branch. */
    map_uns(m, "A", NULL);
    ofc_model_flush(m);
    assert_null(ofc_asset_uns_id(ofc_model_find_asset(m, "A")));
    assert_int_equal(ofc_uns_node_asset_count(ofc_model_unmapped_node(m)), 2);
    assert_int_equal(ofc_uns_node_state(ofc_model_unmapped_node(m)), OFC_STATE_FAULT);
    assert_int_equal(ofc_uns_node_total_assets(ofc_model_uns_root(m)), 3);
    ofc_model_destroy(m);
}

static void test_replicas_share_a_node(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    map_uns(m, "APP-2", "OpenFactory/WC2/app");
    map_uns(m, "APP-1", "OpenFactory/WC2/app");
    const ofc_uns_node *n = ofc_model_find_uns(m, "OpenFactory/WC2/app");
    assert_int_equal(ofc_uns_node_asset_count(n), 2);
    assert_string_equal(ofc_asset_uuid(ofc_uns_node_asset_at(n, 0)), "APP-1");
    ofc_model_destroy(m);
}

static void test_helpers_link_to_device_in_any_order(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    sample(m, "CNC-1-AGENT", "agent_avail", "1", 1); /* helper first */
    map_uns(m, "CNC-1", "Demofactory/Machining/WC001/cnc");
    sample(m, "CNC-1-PRODUCER", "avail", "1", 1); /* helper after */
    ofc_model_flush(m);
    const ofc_asset *dev = ofc_model_find_asset(m, "CNC-1");
    assert_int_equal(ofc_asset_helper_count(dev), 2);
    const ofc_asset *agent = ofc_model_find_asset(m, "CNC-1-AGENT");
    assert_ptr_equal(ofc_asset_device(agent), dev);
    /* Helpers are shown with their device, not in the unmapped branch. */
    assert_null(ofc_asset_uns_node(agent));
    assert_null(ofc_model_unmapped_node(m));
    assert_int_equal(ofc_uns_node_total_assets(ofc_model_uns_root(m)), 1);
    /* An orphan helper is unmapped. */
    sample(m, "LONE-PRODUCER", "avail", "1", 1);
    assert_non_null(ofc_asset_uns_node(ofc_model_find_asset(m, "LONE-PRODUCER")));
    ofc_model_destroy(m);
}

typedef struct recorder {
    int batches;
    size_t last_count;
    size_t attr_changes;
    bool tree_changed;
    uint64_t last_seq;
} recorder;

static void record_batch(void *opaque, const ofc_change_batch *b)
{
    recorder *r = opaque;
    r->batches++;
    r->last_count = b->count;
    r->tree_changed = b->tree_changed;
    r->last_seq = b->seq;
    for (size_t i = 0; i < b->count; i++)
        if (b->changes[i].kind == OFC_CHANGE_ATTR)
            r->attr_changes++;
}

static void test_changes_are_batched_per_flush(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    recorder batched = {0}, each = {0};
    ofc_model_subscribe(m, record_batch, &batched, 0);
    int id = ofc_model_subscribe(m, record_batch, &each, OFC_SUB_EACH);
    sample(m, "S", "t", "1", 1);
    sample(m, "S", "t", "2", 2);
    sample(m, "S", "t", "3", 3);
    assert_int_equal(batched.batches, 0);
    assert_int_equal(each.attr_changes, 3);
    assert_int_equal(ofc_model_flush(m), 2); /* the asset and its attribute, once each */
    assert_int_equal(batched.batches, 1);
    assert_int_equal(batched.attr_changes, 1);
    assert_true(batched.tree_changed);
    assert_int_equal(batched.last_seq, 1);
    assert_int_equal(ofc_model_flush(m), 0); /* nothing new: no batch */
    assert_int_equal(batched.batches, 1);
    ofc_model_unsubscribe(m, id);
    sample(m, "S", "t", "4", 4);
    assert_int_equal(each.attr_changes, 3);
    assert_int_equal(ofc_model_flush(m), 1);
    assert_false(batched.tree_changed);
    assert_int_equal(batched.last_seq, 2);
    ofc_model_destroy(m);
}

static void test_limits_reject(void **state)
{
    ofc_model_limits lim = {120, 2, 3};
    ofc_model *m = ofc_model_new(&lim);
    assert_int_equal(sample(m, "A", "a", "1", 1), OFC_REJECT_NONE);
    assert_int_equal(sample(m, "B", "a", "1", 1), OFC_REJECT_NONE);
    assert_int_equal(sample(m, "C", "a", "1", 1), OFC_REJECT_LIMIT_ASSETS);
    assert_int_equal(sample(m, "A", "b", "1", 1), OFC_REJECT_NONE);
    assert_int_equal(sample(m, "A", "c", "1", 1), OFC_REJECT_NONE);
    assert_int_equal(sample(m, "A", "d", "1", 1), OFC_REJECT_LIMIT_ATTRIBUTES);
    assert_int_equal(sample(m, "A", "a", "2", 2), OFC_REJECT_NONE); /* existing still update */
    assert_int_equal(ofc_model_asset_count(m), 2);
    ofc_model_destroy(m);
}

static void test_table_seed_is_not_overwritten_by_older_stream(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event row = event("PID", "setpoint", OFC_TYPE_SAMPLES, "Samples", "SetPoint",
                          OFC_VALUE_STRING, "70.0", 5000000);
    ofc_origin tab = {OFC_ORIGIN_TABLE, 1, 7, 5000};
    ofc_model_apply_table_event(m, &row, &tab);
    const ofc_attr *sp = ofc_asset_find_attr(ofc_model_find_asset(m, "PID"), "setpoint");
    assert_int_equal(ofc_attr_origin(sp).topic, OFC_ORIGIN_TABLE);
    sample(m, "PID", "setpoint", "65.0", 4000000); /* older, read after */
    assert_string_equal(ofc_attr_value(sp), "70.0");
    assert_int_equal(ofc_attr_history_count(sp), 2);
    sample(m, "PID", "setpoint", "72.0", 6000000); /* newer */
    assert_string_equal(ofc_attr_value(sp), "72.0");
    assert_int_equal(ofc_attr_origin(sp).topic, OFC_ORIGIN_STREAM);
    sample(m, "PID", "setpoint", "60.0", 1000000); /* older again, but no longer seeded */
    assert_string_equal(ofc_attr_value(sp), "60.0");
    ofc_model_destroy(m);
}

static void test_asset_type_from_stream(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofa_event ev = event("X", "AssetType", OFC_TYPE_OPENFACTORY, "OpenFactory", "AssetType",
                         OFC_VALUE_STRING, "Device", 1);
    ofc_origin o = {OFC_ORIGIN_STREAM, 0, 0, 10};
    ofc_model_apply_event(m, &ev, &o);
    const ofc_asset *a = ofc_model_find_asset(m, "X");
    assert_string_equal(ofc_asset_type(a), "Device");
    /* "delete" is a removal marker, never shown as a type; registration is the table's. */
    ev.value = S("delete");
    o.timestamp_ms = 20;
    ofc_model_apply_event(m, &ev, &o);
    assert_string_equal(ofc_asset_type(a), "Device");
    assert_int_equal(ofc_asset_registration(a), OFC_REG_UNKNOWN);
    ofc_model_destroy(m);
}

static ofc_reject condition(ofc_model *m, const char *uuid, const char *id, const char *level,
                            const char *text, int64_t ts)
{
    ofa_event ev = event(uuid, id, OFC_TYPE_CONDITION, "Condition", level,
                         text ? OFC_VALUE_STRING : OFC_VALUE_NULL, text, ts);
    return ofc_model_apply_event(m, &ev, NULL);
}

static void test_alarm_list_newest_first(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    condition(m, "A", "c1", "Warning", "low oil", 1000);
    condition(m, "B", "c1", "Fault", "spindle", 3000);
    condition(m, "C", "c1", "Warning", "door", 2000);
    condition(m, "C", "c2", "Normal", NULL, 2500);
    const ofc_attr **list;
    size_t w, f, n = ofc_model_alarms(m, &list, &w, &f);
    assert_int_equal(n, 3);
    assert_int_equal(w, 2);
    assert_int_equal(f, 1);
    assert_string_equal(ofc_asset_uuid(ofc_attr_asset(list[0])), "B");
    assert_string_equal(ofc_asset_uuid(ofc_attr_asset(list[1])), "C");
    assert_string_equal(ofc_asset_uuid(ofc_attr_asset(list[2])), "A");
    assert_int_equal(ofc_attr_condition_since_us(list[0]), 3000);
    free(list);

    /* Clearing removes it; a level change re-dates it; a removed asset's alarms vanish. */
    condition(m, "B", "c1", "Normal", NULL, 4000);
    condition(m, "A", "c1", "Fault", "oil gone", 5000);
    ofa_table_value tomb = {S("C"), true, S("")};
    ofc_model_apply_asset_type(m, &tomb, NULL);
    n = ofc_model_alarms(m, &list, &w, &f);
    assert_int_equal(n, 1);
    assert_int_equal(f, 1);
    assert_string_equal(ofc_asset_uuid(ofc_attr_asset(list[0])), "A");
    assert_int_equal(ofc_attr_condition_since_us(list[0]), 5000);
    free(list);
    assert_int_equal(ofc_model_alarms(m, NULL, NULL, NULL), 1);
    ofc_model_destroy(m);
}

static void test_stale_rule(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    ofc_model_set_now(m, 1000000);
    sample(m, "S", "t", "1", 1);
    const ofc_asset *a = ofc_model_find_asset(m, "S");
    assert_false(ofc_asset_stale(a, 2000000, true, 60000000));
    assert_true(ofc_asset_stale(a, 2000000, false, 60000000));
    assert_true(ofc_asset_stale(a, 62000000, true, 60000000));
    assert_false(ofc_asset_stale(a, 62000000, true, 0));
    ofc_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_kinds_and_origin),
        cmocka_unit_test(test_mtconnect_string_numbers_and_long_values),
        cmocka_unit_test(test_numbers_parse_exactly),
        cmocka_unit_test(test_history_is_bounded),
        cmocka_unit_test(test_conditions_mtconnect_and_opcua),
        cmocka_unit_test(test_methods_json_and_legacy),
        cmocka_unit_test(test_availability_orders_sources_by_kafka_time),
        cmocka_unit_test(test_registration_tombstone_hides_and_reregisters),
        cmocka_unit_test(test_uns_remap_deregister_and_rollup),
        cmocka_unit_test(test_replicas_share_a_node),
        cmocka_unit_test(test_helpers_link_to_device_in_any_order),
        cmocka_unit_test(test_changes_are_batched_per_flush),
        cmocka_unit_test(test_limits_reject),
        cmocka_unit_test(test_table_seed_is_not_overwritten_by_older_stream),
        cmocka_unit_test(test_asset_type_from_stream),
        cmocka_unit_test(test_alarm_list_newest_first),
        cmocka_unit_test(test_stale_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
