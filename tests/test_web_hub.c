/* test_web_hub: what dashboard clients are sent, without sockets. A model is fed records
 * directly; clients take frames as a socket would. Asserts: hello then a snapshot that equals
 * `ofc snapshot`'s document, then deltas numbered seq+1, seq+2... holding exactly what changed;
 * subscriptions to a UNS subtree see only it (and hear when an asset leaves it); large messages
 * go out in frames that rebuild the message; a client that stops reading gets a fresh snapshot
 * (reason "behind") instead of the backlog while the server holds no more than its budget;
 * replies a client does not read are bounded; the ring frees what every client has sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "asset_model.h"
#include "snapshot_json.h"
#include "web_buf.h"
#include "web_hub.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ofc_str S(const char *s)
{
    return (ofc_str){s, strlen(s)};
}

static int64_t ts = 1795550118000000;

static void sample(ofc_model *m, const char *uuid, const char *id, const char *num)
{
    ofa_event ev;
    memset(&ev, 0, sizeof ev);
    ev.asset_uuid = S(uuid);
    ev.id = S(id);
    ev.type = OFC_TYPE_SAMPLES;
    ev.type_text = S("Samples");
    ev.tag = S("Temperature");
    ev.value_kind = OFC_VALUE_NUMBER;
    ev.value = S(num);
    ev.timestamp_us = (ts += 1000);
    ofc_origin o = {OFC_ORIGIN_STREAM, 1, 7, ts / 1000};
    assert_int_equal(ofc_model_apply_event(m, &ev, &o), OFC_REJECT_NONE);
}

static void condition(ofc_model *m, const char *uuid, const char *id, const char *level,
                      const char *text)
{
    ofa_event ev;
    memset(&ev, 0, sizeof ev);
    ev.asset_uuid = S(uuid);
    ev.id = S(id);
    ev.type = OFC_TYPE_CONDITION;
    ev.type_text = S("Condition");
    ev.tag = S(level);
    ev.value_kind = text ? OFC_VALUE_STRING : OFC_VALUE_NULL;
    ev.value = S(text ? text : "");
    ev.timestamp_us = (ts += 1000);
    assert_int_equal(ofc_model_apply_event(m, &ev, NULL), OFC_REJECT_NONE);
}

static void map_uns(ofc_model *m, const char *uuid, const char *uns)
{
    ofa_uns_map map;
    memset(&map, 0, sizeof map);
    map.asset_uuid = S(uuid);
    map.mapped = true;
    map.uns_id = S(uns);
    map.level_count = 1;
    map.level_names[0] = S("inc");
    map.level_values[0] = S("Demofactory");
    assert_int_equal(ofc_model_apply_uns_map(m, &map), OFC_REJECT_NONE);
}

/* Take whole messages from a client the way a socket would, frame by frame. */
static json_t *next_msg(web_client *c, size_t cap)
{
    unsigned char *buf = malloc(cap);
    char *msg = NULL;
    size_t len = 0;
    unsigned flags;
    bool first = true;
    for (;;) {
        size_t n = web_client_next_frame(c, buf, cap, &flags, 0);
        if (!n) {
            assert_true(first); /* never stops in the middle of a message */
            free(buf);
            return NULL;
        }
        assert_int_equal(!!(flags & WEB_FRAME_FIRST), first);
        first = false;
        msg = realloc(msg, len + n + 1);
        memcpy(msg + len, buf, n);
        len += n;
        if (flags & WEB_FRAME_FIN)
            break;
        assert_int_equal(n, cap); /* only the last frame is short */
    }
    free(buf);
    msg[len] = '\0';
    json_error_t err;
    json_t *doc = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        fail_msg("not JSON (%s): %.200s", err.text, msg);
    free(msg);
    return doc;
}

static const char *type_of(const json_t *m)
{
    return json_string_value(json_object_get(m, "type"));
}

/* Take messages until one of `type` comes; others are dropped. */
static json_t *next_of(web_client *c, const char *type)
{
    json_t *m;
    while ((m = next_msg(c, 4096))) {
        if (strcmp(type_of(m), type) == 0)
            return m;
        json_decref(m);
    }
    return NULL;
}

static void drain(web_client *c)
{
    json_t *m;
    while ((m = next_msg(c, 65536)))
        json_decref(m);
}

static void test_snapshot_then_numbered_deltas(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    map_uns(m, "CNC-001", "Demofactory/Machining/WC001/cnc-001");
    sample(m, "CNC-001", "Xact", "1.000");
    sample(m, "TEMP-1", "Temp", "20.5");
    ofc_model_flush(m);
    web_hub *hub = web_hub_new(m, NULL, NULL);
    web_client *c = web_client_new(hub, "alice", "viewer", true, NULL);

    json_t *hello = next_msg(c, 100); /* small frames: the hello comes in several */
    assert_string_equal(type_of(hello), "hello");
    assert_string_equal(json_string_value(json_object_get(hello, "protocol")), "ofc-live.v1");
    assert_string_equal(json_string_value(json_object_get(hello, "user")), "alice");
    json_decref(hello);

    json_t *snap = next_msg(c, 64);
    assert_string_equal(type_of(snap), "snapshot");
    assert_string_equal(json_string_value(json_object_get(snap, "reason")), "connect");
    int64_t seq = json_integer_value(json_object_get(snap, "seq"));
    /* The document is `ofc snapshot`'s, byte for byte apart from the time it was made. */
    json_writer jw;
    jw_init(&jw);
    ofc_snapshot_write(&jw, m, NULL, NULL);
    json_t *want = json_loads(jw.buf, 0, NULL);
    jw_fini(&jw);
    json_t *doc = json_object_get(snap, "snapshot");
    json_object_del(want, "generated_at");
    json_object_del(doc, "generated_at");
    assert_true(json_equal(want, doc));
    json_decref(want);
    json_decref(snap);
    drain(c); /* alarms, stale, status */

    for (int round = 1; round <= 3; round++) {
        char v[16];
        snprintf(v, sizeof v, "%d.000", round * 10);
        sample(m, "CNC-001", "Xact", v);
        sample(m, "CNC-001", "Xact", v); /* twice in one batch: coalesced into one entry */
        assert_true(web_hub_flush(hub) > 0);
        assert_true(web_client_has_output(c));
        json_t *d = next_of(c, "delta");
        assert_non_null(d);
        assert_int_equal(json_integer_value(json_object_get(d, "seq")), seq + round);
        json_t *attrs = json_object_get(d, "attributes");
        assert_int_equal(json_array_size(attrs), 1);
        json_t *e = json_array_get(attrs, 0);
        assert_string_equal(json_string_value(json_object_get(e, "asset")), "CNC-001");
        json_t *at = json_object_get(e, "attr");
        assert_string_equal(json_string_value(json_object_get(at, "id")), "Xact");
        assert_true(json_number_value(json_object_get(at, "value")) == round * 10.0);
        assert_int_equal(json_array_size(json_object_get(d, "assets")), 0);
        json_decref(d);
    }
    /* Nothing changed: nothing sent. */
    assert_int_equal(web_hub_flush(hub), 0);
    assert_null(next_msg(c, 4096));

    /* A condition raises the alarm list; the asset's state change carries the whole asset. */
    condition(m, "CNC-001", "grbl", "Fault", "Hard limit triggered");
    web_hub_flush(hub);
    json_t *d = next_of(c, "delta");
    json_t *assets = json_object_get(d, "assets");
    assert_int_equal(json_array_size(assets), 1);
    json_t *a = json_array_get(assets, 0);
    assert_true(json_is_true(json_object_get(a, "in_view")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "asset"), "state")),
                        "fault");
    assert_int_equal(json_array_size(json_object_get(d, "attributes")), 0); /* in the asset */
    json_decref(d);
    json_t *al = next_of(c, "alarms");
    assert_non_null(al);
    assert_int_equal(json_integer_value(json_object_get(al, "faults")), 1);
    json_t *first = json_array_get(json_object_get(al, "alarms"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "asset")), "CNC-001");
    assert_string_equal(json_string_value(json_object_get(first, "value")), "Hard limit triggered");
    json_decref(al);

    web_client_destroy(c);
    web_hub_destroy(hub);
    ofc_model_destroy(m);
}

static void test_subscription_sees_its_subtree(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    map_uns(m, "A1", "Plant/Assembly/a1");
    map_uns(m, "M1", "Plant/Machining/m1");
    sample(m, "A1", "x", "1");
    sample(m, "M1", "x", "1");
    ofc_model_flush(m);
    web_hub *hub = web_hub_new(m, NULL, NULL);
    web_client *whole = web_client_new(hub, "u", "viewer", true, "");
    web_client *sub = web_client_new(hub, "u", "viewer", true, "Plant/Assembly");
    assert_string_equal(web_client_uns(sub), "Plant/Assembly");
    json_t *snap = next_of(sub, "snapshot");
    json_t *assets = json_object_get(json_object_get(snap, "snapshot"), "assets");
    assert_int_equal(json_array_size(assets), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(assets, 0), "uuid")),
                        "A1");
    assert_string_equal(json_string_value(json_object_get(snap, "uns")), "Plant/Assembly");
    json_decref(snap);
    drain(sub);
    drain(whole);

    sample(m, "M1", "x", "2");
    web_hub_flush(hub);
    assert_null(next_of(sub, "delta")); /* not its subtree */
    json_t *d = next_of(whole, "delta");
    assert_non_null(d);
    json_decref(d);

    /* M1 moves into the subtree: it arrives whole; A1 moves out: it is told to drop it. */
    map_uns(m, "M1", "Plant/Assembly/m1");
    map_uns(m, "A1", "Plant/Machining/a1");
    web_hub_flush(hub);
    d = next_of(sub, "delta");
    assert_non_null(d);
    json_t *entries = json_object_get(d, "assets");
    assert_int_equal(json_array_size(entries), 2);
    size_t i;
    json_t *e;
    int seen = 0;
    json_array_foreach(entries, i, e)
    {
        const char *uuid = json_string_value(json_object_get(e, "uuid"));
        bool view = json_is_true(json_object_get(e, "in_view"));
        if (strcmp(uuid, "M1") == 0) {
            assert_true(view);
            assert_non_null(json_object_get(e, "asset"));
            seen |= 1;
        } else {
            assert_string_equal(uuid, "A1");
            assert_false(view);
            assert_null(json_object_get(e, "asset"));
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    json_decref(d);

    /* Re-subscribing answers with a snapshot of the new scope. */
    web_msg msg = {.type = WEB_MSG_SUBSCRIBE};
    char why[100];
    assert_true(web_client_handle(sub, &msg, why, sizeof why));
    snap = next_of(sub, "snapshot");
    assert_string_equal(json_string_value(json_object_get(snap, "reason")), "subscribe");
    assert_int_equal(json_array_size(json_object_get(json_object_get(snap, "snapshot"), "assets")),
                     2);
    json_decref(snap);
    const web_hub_stats *st = web_hub_get_stats(hub);
    assert_int_equal(st->channels, 1); /* the subtree channel went with its last client */
    assert_int_equal(st->clients, 2);
    web_client_destroy(sub);
    web_client_destroy(whole);
    web_hub_destroy(hub);
    ofc_model_destroy(m);
}

static void test_slow_client_gets_a_fresh_snapshot(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    sample(m, "T", "v", "0");
    ofc_model_flush(m);
    web_hub_opts opts = {.ring_msgs = 16, .ring_bytes = 8192};
    web_hub *hub = web_hub_new(m, NULL, &opts);
    web_client *fast = web_client_new(hub, "f", "viewer", true, NULL);
    web_client *slow = web_client_new(hub, "s", "viewer", true, NULL);
    drain(fast);
    drain(slow);

    /* The slow one reads nothing while 2,000 deltas go by; the fast one keeps up. */
    size_t max_ring = 0, made = 0;
    for (int i = 1; i <= 2000; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        sample(m, "T", "v", v);
        web_hub_flush(hub);
        drain(fast);
        const web_hub_stats *st = web_hub_get_stats(hub);
        if (st->ring_bytes > max_ring)
            max_ring = st->ring_bytes;
        made = st->delta_bytes;
    }
    /* Memory stayed within the budget however much went by. */
    assert_true(made > 50 * 8192);
    assert_true(max_ring <= 8192);
    const web_hub_stats *st = web_hub_get_stats(hub);
    assert_true(st->ring_dropped > 0);

    /* It reads again: a snapshot that says why, then deltas numbered on from it. */
    json_t *snap = next_msg(slow, 4096);
    assert_string_equal(type_of(snap), "snapshot");
    assert_string_equal(json_string_value(json_object_get(snap, "reason")), "behind");
    int64_t seq = json_integer_value(json_object_get(snap, "seq"));
    json_t *assets = json_object_get(json_object_get(snap, "snapshot"), "assets");
    json_t *attr = json_array_get(json_object_get(json_array_get(assets, 0), "attributes"), 0);
    assert_int_equal(json_integer_value(json_object_get(attr, "value")), 2000);
    json_decref(snap);
    assert_int_equal(web_hub_get_stats(hub)->resyncs_behind, 1);
    drain(slow);
    sample(m, "T", "v", "2001");
    web_hub_flush(hub);
    json_t *d = next_of(slow, "delta");
    assert_int_equal(json_integer_value(json_object_get(d, "seq")), seq + 1);
    json_decref(d);
    drain(fast);
    /* Both have everything: the next push frees all but itself. */
    sample(m, "T", "v", "2002");
    web_hub_flush(hub);
    size_t one = web_hub_get_stats(hub)->ring_bytes;
    assert_true(one > 0 && one < 1024);

    web_client_destroy(slow);
    web_client_destroy(fast);
    web_hub_destroy(hub);
    ofc_model_destroy(m);
}

static void test_replies_are_bounded(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    web_hub *hub = web_hub_new(m, NULL, NULL);
    web_client *c = web_client_new(hub, "u", "viewer", true, NULL);
    drain(c);
    web_msg ping = {.type = WEB_MSG_PING, .id = 5};
    char why[100];
    int accepted = 0;
    while (web_client_handle(c, &ping, why, sizeof why))
        accepted++;
    assert_true(accepted >= 20 && accepted <= 64); /* more than a burst, bounded */
    assert_non_null(strstr(why, "does not read"));
    json_t *pong = next_msg(c, 4096);
    assert_string_equal(type_of(pong), "pong");
    assert_int_equal(json_integer_value(json_object_get(pong, "id")), 5);
    json_decref(pong);

    web_msg hist = {.type = WEB_MSG_HISTORY};
    snprintf(hist.asset, sizeof hist.asset, "NOPE");
    drain(c);
    assert_true(web_client_handle(c, &hist, why, sizeof why));
    json_t *h = next_of(c, "history");
    assert_true(json_is_null(json_object_get(h, "asset")));
    json_decref(h);
    web_client_destroy(c);
    web_hub_destroy(hub);
    ofc_model_destroy(m);
}

static void test_history_carries_trend_points(void **state)
{
    ofc_model *m = ofc_model_new(NULL);
    for (int i = 0; i < 5; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d.5", i);
        sample(m, "T", "temp", v);
    }
    ofc_model_flush(m);
    web_hub *hub = web_hub_new(m, NULL, NULL);
    web_client *c = web_client_new(hub, "u", "viewer", true, NULL);
    drain(c);
    web_msg hist = {.type = WEB_MSG_HISTORY};
    snprintf(hist.asset, sizeof hist.asset, "T");
    char why[100];
    assert_true(web_client_handle(c, &hist, why, sizeof why));
    json_t *h = next_of(c, "history");
    json_t *attr = json_array_get(json_object_get(json_object_get(h, "asset"), "attributes"), 0);
    json_t *points = json_object_get(attr, "history");
    assert_int_equal(json_array_size(points), 5);
    assert_true(json_real_value(json_array_get(json_array_get(points, 4), 1)) == 4.5);
    json_decref(h);
    web_client_destroy(c);
    web_hub_destroy(hub);
    ofc_model_destroy(m);
}

static void test_ring_budget(void **state)
{
    web_ring r;
    web_ring_init(&r, 4, 100, 1);
    assert_int_equal(web_ring_push(&r, web_buf_copy("aaaaaaaaaa", 10)), 1);
    assert_int_equal(web_ring_push(&r, web_buf_copy("bbbbbbbbbb", 10)), 2);
    web_buf *held = web_buf_ref(web_ring_get(&r, 1)); /* a client in the middle of sending it */
    for (int i = 3; i <= 6; i++)
        web_ring_push(&r, web_buf_copy("cccccccccc", 10));
    assert_int_equal(web_ring_count(&r), 4); /* count budget */
    assert_null(web_ring_get(&r, 1));
    assert_non_null(web_ring_get(&r, 3));
    assert_memory_equal(held->data, "aaaaaaaaaa", 10); /* still alive for its sender */
    web_buf_unref(held);
    char big[90];
    memset(big, 'd', sizeof big);
    web_ring_push(&r, web_buf_copy(big, sizeof big)); /* byte budget: only it and one more fit */
    assert_true(r.bytes <= 100);
    assert_non_null(web_ring_get(&r, 7));
    assert_int_equal(r.first, 6);
    char huge[200];
    memset(huge, 'e', sizeof huge);
    web_ring_push(&r, web_buf_copy(huge, sizeof huge)); /* over budget alone: kept, alone */
    assert_int_equal(web_ring_count(&r), 1);
    web_ring_trim(&r, 9);
    assert_int_equal(web_ring_count(&r), 0);
    assert_int_equal(r.bytes, 0);
    web_ring_fini(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_then_numbered_deltas),
        cmocka_unit_test(test_subscription_sees_its_subtree),
        cmocka_unit_test(test_slow_client_gets_a_fresh_snapshot),
        cmocka_unit_test(test_replies_are_bounded),
        cmocka_unit_test(test_history_carries_trend_points),
        cmocka_unit_test(test_ring_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
