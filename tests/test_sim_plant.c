/* test_sim_plant: the virtual plant without Kafka (src/sim/plant*.c).
 *
 * Records are captured from the emit callback and checked as a console would read them: casing
 * per producer style, ASSETS rows mirroring ofa_assets, UNS registration, derived tables,
 * conditions and outages over virtual time, command and write execution, strict envelope
 * validation, the truth file, deregistration and determinism by seed. White-box where a state
 * must be forced (an active alarm), through plant_internal.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "command.h"
#include "commander.h"
#include "op_key.h"
#include "plant.h"
#include "plant_internal.h"
#include "trust_store.h"
#include "verifier.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NOW 1786353301208311LL /* 2026-08-10T09:15:01.208311Z */

/* ---- capture ---- */

typedef struct rec {
    plant_topic topic;
    char *key;
    char *value; /* NULL: tombstone */
    char *id;
    size_t n_headers;
    char *hname[4], *hvalue[4];
} rec;

typedef struct recs {
    rec *v;
    size_t n, cap;
} recs;

static void collect(void *opaque, const plant_record *r)
{
    recs *rs = opaque;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        assert_non_null(rs->v);
    }
    rec *c = &rs->v[rs->n++];
    memset(c, 0, sizeof *c);
    c->topic = r->topic;
    assert_int_equal(strlen(r->key), r->key_len);
    c->key = strdup(r->key);
    c->value = r->value ? strndup(r->value, r->value_len) : NULL;
    c->id = r->id ? strdup(r->id) : NULL;
    assert_true(r->header_count <= 3);
    c->n_headers = r->header_count;
    for (size_t i = 0; i < r->header_count; i++) {
        c->hname[i] = strdup(r->headers[i].name);
        c->hvalue[i] = strdup(r->headers[i].value);
    }
}

static void recs_clear(recs *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        rec *c = &rs->v[i];
        free(c->key);
        free(c->value);
        free(c->id);
        for (size_t h = 0; h < c->n_headers; h++) {
            free(c->hname[h]);
            free(c->hvalue[h]);
        }
    }
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

static plant *make_plant(size_t devices, uint64_t seed)
{
    char err[256];
    plant_options o = {.devices = devices, .seed = seed, .rate = 50};
    plant *p = plant_new(&o, err, sizeof err);
    assert_non_null(p);
    return p;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    return j;
}

/* Case-insensitive field lookup, as a console reads records. */
static json_t *field(json_t *obj, const char *name)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcasecmp(k, name) == 0)
            return v;
    }
    return NULL;
}

/* The last ofa_assets record of uuid/id among the captured ones, parsed; NULL if none. */
static json_t *last_record(const recs *rs, const char *uuid, const char *id)
{
    for (size_t i = rs->n; i-- > 0;)
        if (rs->v[i].topic == PLANT_TOPIC_ASSETS && strcmp(rs->v[i].key, uuid) == 0 &&
            strcmp(rs->v[i].id, id) == 0)
            return parse(rs->v[i].value);
    return NULL;
}

static const char *value_str(json_t *record)
{
    return json_string_value(field(record, "value"));
}

/* ---- tests ---- */

static void test_bad_options(void **state)
{
    (void)state;
    char err[256] = "";
    plant_options o = {.devices = 0, .seed = 1, .rate = 50};
    assert_null(plant_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "assets"));
    o.devices = PLANT_MAX_DEVICES + 1;
    assert_null(plant_new(&o, err, sizeof err));
}

static void test_every_kind_with_its_items(void **state)
{
    (void)state;
    plant *p = make_plant(12, 1);
    recs rs = {0};
    size_t reg = plant_register(p, NOW, collect, &rs);
    assert_true(reg > 100);
    assert_int_equal(plant_produced(p), reg);
    /* 12 devices, two of each kind; the 6 MTConnect devices bring 2 helpers each. */
    assert_int_equal(plant_asset_count(p), 12 + 2 * 6);

    static const struct {
        const char *uuid, *id, *type, *tag;
    } expect[] = {
        {"TEMP-SENS-001", "Temp", "Samples", SIM_MTC_NS "Temperature"},
        {"TEMP-SENS-002", "avail", "Events", SIM_MTC_NS "Availability"},
        {"EVENT-GEN-001", "event_id", "Events", SIM_MTC_NS "Message"},
        {"EVENT-GEN-001", "event_time", "Events", SIM_MTC_NS "Time"},
        {"DHT-SENSOR-001", "temp", "Samples", "Temperature"},
        {"DHT-SENSOR-001", "hum", "Samples", "Humidity"},
        {"DHT-SENSOR-001", "Calibrate", "Method", "Method"},
        {"DHT-SENSOR-002", "sensor_model", "Events", "SensorModel"},
        {"BARCODE-READER-001", "last_code", "Events", "LastCode"},
        {"BARCODE-READER-001", "read_success", "Events", "ReadSuccess"},
        {"BARCODE-READER-001", "simulation_mode", "Events", "Mode"},
        {"BARCODE-READER-001", "SetAutomaticMode", "Method", "Method"},
        {"BARCODE-READER-001", "SetManualMode", "Method", "Method"},
        {"BARCODE-READER-001", "GenerateCode", "Method", "Method"},
        {"TEMP-CTRL-001", "current_temp", "Samples", "Temperature"},
        {"TEMP-CTRL-001", "setpoint", "Samples", "SetPoint"},
        {"TEMP-CTRL-001", "mode", "Events", "Mode"},
        {"TEMP-CTRL-001", "ResetController", "Method", "Method"},
        {"TEMP-CTRL-001", "SwitchMode", "Method", "Method"},
        {"CNC-001", "Xact", "Samples", SIM_MTC_NS "Position"},
        {"CNC-001", "Yact", "Samples", SIM_MTC_NS "Position"},
        {"CNC-001", "Zact", "Samples", SIM_MTC_NS "Position"},
        {"CNC-001", "Sspeed", "Samples", SIM_MTC_NS "SpindleSpeed"},
        {"CNC-001", "Frt", "Samples", SIM_MTC_NS "PathFeedrate"},
        {"CNC-001", "exec", "Events", SIM_MTC_NS "Execution"},
        {"CNC-001", "mode", "Events", SIM_MTC_NS "ControllerMode"},
        {"CNC-002", "prog", "Events", SIM_MTC_NS "Program"},
        {"CNC-002", "tool_id", "Events", SIM_MTC_NS "ToolNumber"},
        {"CNC-001-AGENT", "agent_avail", "Events", SIM_MTC_NS "Availability"},
        {"CNC-001-PRODUCER", "avail", "Events", "Availability"},
        {"CNC-001-PRODUCER", "producer_software_version", "Events", "ProducerSoftwareVersion"},
        {"CNC-001", "AssetType", "OpenFactory", "AssetType"},
        {"CNC-001-AGENT", "AssetType", "OpenFactory", "AssetType"},
        {"CNC-001", "DockerService", "OpenFactory", "DockerService"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        json_t *r = last_record(&rs, expect[i].uuid, expect[i].id);
        if (!r)
            fail_msg("%s has no %s", expect[i].uuid, expect[i].id);
        assert_string_equal(json_string_value(field(r, "type")), expect[i].type);
        assert_string_equal(json_string_value(field(r, "tag")), expect[i].tag);
        json_decref(r);
    }

    /* Conditions: MTConnect grbl/motion and the OPC UA `<Source>_event` items. */
    json_t *r = last_record(&rs, "CNC-001", "grbl");
    assert_string_equal(json_string_value(field(r, "type")), "Condition");
    assert_non_null(strstr(json_string_value(field(r, "tag")), SIM_MTC_NS));
    assert_string_equal(json_string_value(json_object_get(field(r, "attributes"), "type_mtc")),
                        "SYSTEM");
    json_decref(r);
    r = last_record(&rs, "DHT-SENSOR-001", "TemperatureSensor_event");
    assert_string_equal(json_string_value(field(r, "type")), "Condition");
    assert_non_null(strstr(value_str(r), "(Severity: "));
    json_decref(r);

    /* Method contracts (wire §6.1): JSON text with description and named arguments. */
    r = last_record(&rs, "BARCODE-READER-001", "GenerateCode");
    json_t *contract = parse(value_str(r));
    json_t *args = json_object_get(contract, "arguments");
    assert_true(json_is_string(json_object_get(contract, "description")));
    assert_int_equal(json_array_size(args), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(args, 0), "name")),
                        "Code");
    json_decref(contract);
    json_decref(r);
    r = last_record(&rs, "TEMP-CTRL-002", "SwitchMode");
    contract = parse(value_str(r));
    args = json_object_get(contract, "arguments");
    assert_string_equal(json_string_value(json_object_get(json_array_get(args, 0), "name")),
                        "NewMode");
    json_decref(contract);
    json_decref(r);
    r = last_record(&rs, "TEMP-CTRL-002", "ResetController");
    contract = parse(value_str(r));
    assert_int_equal(json_array_size(json_object_get(contract, "arguments")), 0);
    json_decref(contract);
    json_decref(r);

    recs_clear(&rs);
    plant_destroy(p);
}

static void test_casing_per_style(void **state)
{
    (void)state;
    plant *p = make_plant(12, 3);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    size_t mtc = 0, sdk = 0;
    for (size_t i = 0; i < rs.n; i++) {
        rec *c = &rs.v[i];
        if (c->topic != PLANT_TOPIC_ASSETS)
            continue;
        json_t *j = parse(c->value);
        bool lower = json_object_get(j, "id") != NULL;
        json_t *attrs = json_object_get(j, "attributes");
        const char *ts = json_string_value(json_object_get(attrs, "timestamp"));
        assert_non_null(ts);
        if (lower) {
            /* mtc2kafka: lower case, values are strings or null, us timestamps. */
            mtc++;
            assert_int_equal(json_object_size(j), 5);
            assert_non_null(json_object_get(j, "tag"));
            assert_non_null(json_object_get(j, "type"));
            json_t *v = json_object_get(j, "value");
            assert_true(json_is_string(v) || json_is_null(v));
            assert_string_equal(ts, "2026-08-10T09:15:01.208311Z");
            bool producer = strstr(c->key, "-PRODUCER") != NULL;
            assert_int_equal(c->n_headers, producer ? 0 : 3);
            if (!producer) {
                assert_string_equal(c->hname[0], "agent");
                assert_string_equal(c->hname[1], "instanceID");
                assert_string_equal(c->hname[2], "sequence");
                assert_non_null(strstr(c->hvalue[0], "-agent:5000"));
                assert_true(atoll(c->hvalue[2]) > 0);
            } else {
                assert_null(strchr(json_string_value(json_object_get(j, "tag")), '{'));
            }
        } else {
            /* SDK and connectors: upper case, JSON scalars, ms timestamps. */
            sdk++;
            assert_non_null(json_object_get(j, "ID"));
            assert_non_null(json_object_get(j, "VALUE"));
            assert_non_null(json_object_get(j, "TAG"));
            assert_non_null(json_object_get(j, "TYPE"));
            assert_int_equal(json_object_size(j), 5);
            assert_string_equal(ts, "2026-08-10T09:15:01.208Z");
            assert_int_equal(c->n_headers, 0);
            bool opcua = strncmp(c->key, "DHT-", 4) == 0 || strncmp(c->key, "BARCODE-", 8) == 0 ||
                         strncmp(c->key, "TEMP-CTRL-", 10) == 0;
            bool registration =
                strcmp(json_string_value(json_object_get(j, "TYPE")), "OpenFactory") == 0;
            assert_int_equal(json_object_get(attrs, "ingestion_timestamp") != NULL,
                             opcua && !registration);
        }
        json_decref(j);
    }
    assert_true(mtc > 20);
    assert_true(sdk > 50);

    /* Numbers: JSON numbers in SDK style, the same text as a string over MTConnect. */
    json_t *r = last_record(&rs, "DHT-SENSOR-001", "temp");
    assert_true(json_is_real(json_object_get(r, "VALUE")));
    json_decref(r);
    r = last_record(&rs, "BARCODE-READER-001", "read_success");
    assert_true(json_is_boolean(json_object_get(r, "VALUE")));
    json_decref(r);
    r = last_record(&rs, "CNC-001", "Xact");
    const char *x = json_string_value(json_object_get(r, "value"));
    assert_non_null(x);
    assert_non_null(strchr(x, '.'));
    assert_int_equal(strlen(strchr(x, '.')), 4); /* %.3f */
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "attributes"), "subType")), "ACTUAL");
    json_decref(r);
    recs_clear(&rs);
    plant_destroy(p);
}

/* Every ofa_assets record is followed by its ASSETS row, as ksqlDB derives it (wire §3.2). */
static void check_table_rows(const recs *rs)
{
    size_t rows = 0;
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->v[i].topic != PLANT_TOPIC_ASSETS)
            continue;
        assert_true(i + 1 < rs->n);
        const rec *row = &rs->v[i + 1];
        assert_int_equal(row->topic, PLANT_TOPIC_ASSETS_TABLE);
        json_t *e = parse(rs->v[i].value), *t = parse(row->value);
        char key[256];
        const char *id = json_string_value(field(e, "id"));
        snprintf(key, sizeof key, "%s|%s", rs->v[i].key, id);
        assert_string_equal(row->key, key);
        assert_int_equal(json_object_size(t), 6);
        assert_string_equal(json_string_value(json_object_get(t, "ASSET_UUID")), rs->v[i].key);
        assert_string_equal(json_string_value(json_object_get(t, "ID")), id);
        assert_string_equal(json_string_value(json_object_get(t, "TYPE")),
                            json_string_value(field(e, "type")));
        assert_string_equal(json_string_value(json_object_get(t, "TAG")),
                            json_string_value(field(e, "tag")));
        assert_string_equal(
            json_string_value(json_object_get(t, "TIMESTAMP")),
            json_string_value(json_object_get(field(e, "attributes"), "timestamp")));
        json_t *ev = field(e, "value"), *tv = json_object_get(t, "VALUE");
        if (json_is_null(ev)) {
            assert_true(json_is_null(tv));
        } else {
            /* VARCHAR: the value's text, whatever its JSON kind. */
            assert_true(json_is_string(tv));
            char *text = json_is_string(ev) ? strdup(json_string_value(ev))
                                            : json_dumps(ev, JSON_ENCODE_ANY);
            if (json_is_real(ev))
                assert_true(strtod(json_string_value(tv), NULL) == json_real_value(ev));
            else
                assert_string_equal(json_string_value(tv), text);
            free(text);
        }
        json_decref(e);
        json_decref(t);
        rows++;
    }
    assert_true(rows > 0);
}

static void test_assets_table_mirrors_stream(void **state)
{
    (void)state;
    plant *p = make_plant(12, 4);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    assert_int_equal(plant_step(p, 3000, NOW + 1000000, collect, &rs), 3000);
    check_table_rows(&rs);
    /* A number keeps its exact token in the row: setpoint 65.0 -> "65.0". */
    for (size_t i = 0; i < rs.n; i++) {
        if (rs.v[i].topic == PLANT_TOPIC_ASSETS_TABLE &&
            strcmp(rs.v[i].key, "TEMP-CTRL-001|setpoint") == 0) {
            assert_non_null(strstr(rs.v[i].value, "\"VALUE\":\"65.0\""));
        }
    }
    recs_clear(&rs);
    plant_destroy(p);
}

static const rec *find_rec(const recs *rs, plant_topic topic, const char *key)
{
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].topic == topic && strcmp(rs->v[i].key, key) == 0)
            return &rs->v[i];
    return NULL;
}

static void test_registration_and_uns(void **state)
{
    (void)state;
    plant *p = make_plant(12, 5);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    for (size_t ai = 0; ai < plant_asset_count(p); ai++) {
        const char *uuid = plant_asset_uuid(p, ai);
        bool helper = strstr(uuid, "-AGENT") || strstr(uuid, "-PRODUCER");
        const rec *map = find_rec(&rs, PLANT_TOPIC_UNS_MAP, uuid);
        const rec *first = find_rec(&rs, PLANT_TOPIC_ASSETS, uuid);
        assert_non_null(first);
        /* Every asset is in the derived tables ksqlDB would build. */
        const rec *type = find_rec(&rs, PLANT_TOPIC_TYPES, uuid);
        const rec *avail = find_rec(&rs, PLANT_TOPIC_AVAIL, uuid);
        const rec *docker = find_rec(&rs, PLANT_TOPIC_DOCKER, uuid);
        assert_non_null(type);
        assert_non_null(avail);
        assert_non_null(docker);
        assert_string_equal(avail->value, "{\"AVAILABILITY\":\"AVAILABLE\"}");
        const char *want = strstr(uuid, "-AGENT")      ? "{\"TYPE\":\"MTConnectAgent\"}"
                           : strstr(uuid, "-PRODUCER") ? "{\"TYPE\":\"KafkaProducer\"}"
                                                       : "{\"TYPE\":\"Device\"}";
        assert_string_equal(type->value, want);
        assert_non_null(strstr(docker->value, "\"DOCKER_SERVICE\":"));

        json_t *lvl = last_record(&rs, uuid, "inc"), *uid = last_record(&rs, uuid, "uns_id");
        if (helper) {
            /* Helpers get no UNS (uns=None upstream), and point at their device. */
            assert_null(map);
            assert_null(lvl);
            assert_null(uid);
            json_t *above = last_record(&rs, uuid, "references_above");
            char dev[64];
            snprintf(dev, sizeof dev, "%.*s", (int)(strrchr(uuid, '-') - uuid), uuid);
            assert_string_equal(json_string_value(json_object_get(above, "VALUE")), dev);
            json_decref(above);
            continue;
        }
        assert_non_null(map);
        assert_true(map < first); /* the mapping precedes every record of the asset */
        json_t *m = parse(map->value);
        assert_int_equal(json_object_size(m), 4);
        assert_string_equal(json_string_value(json_object_get(m, "ASSET_UUID")), uuid);
        assert_int_equal(json_integer_value(json_object_get(m, "UPDATED_AT")), NOW / 1000);
        json_t *levels = json_object_get(m, "UNS_LEVELS");
        const char *uns = json_string_value(json_object_get(m, "UNS_ID"));
        char built[256];
        snprintf(built, sizeof built, "%s/%s/%s/%s",
                 json_string_value(json_object_get(levels, "inc")),
                 json_string_value(json_object_get(levels, "area")),
                 json_string_value(json_object_get(levels, "workcenter")),
                 json_string_value(json_object_get(levels, "asset")));
        assert_string_equal(uns, built);
        assert_string_equal(json_string_value(json_object_get(levels, "inc")), "Demofactory");
        const char *area = json_string_value(json_object_get(levels, "area"));
        assert_true(strcmp(area, "Machining") == 0 || strcmp(area, "Assembly") == 0);
        assert_int_equal(
            strncmp(json_string_value(json_object_get(levels, "workcenter")), "WC00", 4), 0);
        /* ... and the same on ofa_assets as OpenFactory attributes (wire §5). */
        assert_string_equal(json_string_value(json_object_get(lvl, "TAG")), "UNSLevel");
        assert_string_equal(json_string_value(json_object_get(lvl, "TYPE")), "OpenFactory");
        assert_string_equal(json_string_value(json_object_get(uid, "TAG")), "UNSId");
        assert_string_equal(json_string_value(json_object_get(uid, "VALUE")), uns);
        json_decref(m);
        json_decref(lvl);
        json_decref(uid);
    }
    json_t *below = last_record(&rs, "CNC-002", "references_below");
    assert_string_equal(json_string_value(json_object_get(below, "VALUE")),
                        "CNC-002-PRODUCER, CNC-002-AGENT");
    json_decref(below);
    recs_clear(&rs);
    plant_destroy(p);
}

/* A reader that starts with ReaderError active is not ready (a bug found in review). */
static void test_barcode_ready_follows_reader_error(void **state)
{
    (void)state;
    plant *p = make_plant(600, 14);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    size_t errors = 0, readers = 0;
    for (size_t i = 0; i < plant_asset_count(p); i++) {
        const char *uuid = plant_asset_uuid(p, i);
        if (strncmp(uuid, "BARCODE-READER-", 15) != 0)
            continue;
        readers++;
        json_t *ev = last_record(&rs, uuid, "BarcodeReader_event");
        json_t *ready = last_record(&rs, uuid, "device_ready");
        bool error = strstr(value_str(ev), "Reader error detected (Severity: 700)") != NULL;
        errors += error;
        assert_int_equal(json_is_true(json_object_get(ready, "VALUE")), !error);
        assert_string_equal(json_string_value(json_object_get(ev, "TAG")),
                            error ? "ReaderErrorEvent" : "BaseEventType");
        json_decref(ev);
        json_decref(ready);
    }
    assert_int_equal(readers, 100);
    assert_true(errors > 0 && errors < readers / 2);
    recs_clear(&rs);
    plant_destroy(p);
}

/* ---- dynamics over virtual time, analysed as the records stream by ---- */

typedef struct watch {
    json_t *active; /* "uuid|id" -> true while a condition is abnormal */
    json_t *down;   /* uuid -> true while avail is UNAVAILABLE */
    size_t raised, cleared, outages, returns, bad_while_down, unavailable_items;
    size_t samples, active_sum, down_sum;
    double pid_last;
} watch;

static bool abnormal(json_t *e)
{
    const char *tag = json_string_value(field(e, "tag"));
    const char *v = json_string_value(field(e, "value"));
    if (strstr(tag, "Warning") || strstr(tag, "Fault"))
        return true;
    return v && strstr(v, "(Severity: ") && !strstr(v, "(Severity: 0)");
}

static void on_stream(void *opaque, const plant_record *r)
{
    watch *w = opaque;
    if (r->topic != PLANT_TOPIC_ASSETS)
        return;
    json_t *e = json_loadb(r->value, r->value_len, 0, NULL);
    assert_non_null(e);
    const char *id = json_string_value(field(e, "id"));
    const char *type = json_string_value(field(e, "type"));
    json_t *value = field(e, "value");
    char key[160];
    snprintf(key, sizeof key, "%s|%s", r->key, id);
    bool is_down = json_object_get(w->down, r->key) != NULL;
    if (strcmp(id, "avail") == 0) {
        bool up = strcmp(json_string_value(value), "AVAILABLE") == 0;
        if (!up && !is_down) {
            json_object_set_new(w->down, r->key, json_true());
            w->outages++;
        } else if (up && is_down) {
            json_object_del(w->down, r->key);
            w->returns++;
        }
    } else if (is_down) {
        /* While down: MTConnect items read UNAVAILABLE, OPC UA devices send nothing. */
        if (json_object_get(e, "id") == NULL)
            w->bad_while_down++;
        else if (strcmp(type, "Condition") == 0
                     ? !strstr(json_string_value(field(e, "tag")), "Unavailable")
                     : !json_is_string(value) || strcmp(json_string_value(value), "UNAVAILABLE"))
            w->bad_while_down++;
        else
            w->unavailable_items++;
    } else if (strcmp(type, "Condition") == 0) {
        bool was = json_object_get(w->active, key) != NULL, now = abnormal(e);
        if (now && !was) {
            json_object_set_new(w->active, key, json_true());
            w->raised++;
        } else if (!now && was) {
            json_object_del(w->active, key);
            w->cleared++;
        }
    }
    if (strcmp(r->key, "TEMP-CTRL-001") == 0 && strcmp(id, "current_temp") == 0)
        w->pid_last = json_real_value(value);
    json_decref(e);
}

static void test_conditions_and_outages_over_time(void **state)
{
    (void)state;
    plant *p = make_plant(12, 6);
    watch w = {.active = json_object(), .down = json_object()};
    plant_register(p, NOW, on_stream, &w);
    /* 200,000 records at the default 50/s: 4000 s of plant time. */
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(plant_step(p, 100, NOW, on_stream, &w), 100);
        w.samples++;
        w.active_sum += json_object_size(w.active);
        w.down_sum += json_object_size(w.down);
    }
    assert_true(plant_virtual_time(p) > 3900.0);
    assert_true(w.raised > 20);
    assert_true(w.cleared > 20);
    assert_true(w.outages >= 3);
    assert_true(w.returns >= 2);
    assert_true(w.unavailable_items > 0);
    assert_int_equal(w.bad_while_down, 0);
    /* At default settings a console should usually see a few abnormal conditions and now and
     * then an asset off line. */
    double mean_active = (double)w.active_sum / (double)w.samples;
    double mean_down = (double)w.down_sum / (double)w.samples;
    assert_true(mean_active >= 1.0 && mean_active <= 8.0);
    assert_true(mean_down > 0.01 && mean_down < 2.0);
    /* The PID settles on its setpoint (65.0). */
    assert_true(w.pid_last > 60.0 && w.pid_last < 70.0);
    json_decref(w.active);
    json_decref(w.down);
    plant_destroy(p);
}

/* ---- commands and writes ---- */

static char *command_record(const char *id, const char *envelope)
{
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "ID", id, "VALUE", envelope, "TAG",
                          "Method.Command", "TYPE", "OpenFactory", "attributes", "timestamp",
                          "2026-08-10T09:15:02.417Z");
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return s;
}

static char *envelope(const char *args_json)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
             "\"sender_uuid\":\"OPS-CONSOLE-01\",\"timestamp\":\"2026-08-10T09:15:02.417000Z\","
             "\"signature\":null},\"arguments\":%s}",
             args_json);
    return strdup(buf);
}

static plant_input send_cmd(plant *p, recs *rs, const char *uuid, const char *method,
                            const char *args_json)
{
    char id[128];
    snprintf(id, sizeof id, "%s_CMD", method);
    char *env = envelope(args_json);
    char *record = command_record(id, env);
    char why[256];
    plant_input r = plant_handle_record(p, uuid, strlen(uuid), record, strlen(record), NOW, collect,
                                        rs, why, sizeof why);
    free(env);
    free(record);
    return r;
}

static void expect_last(plant *p, const char *uuid, const char *id, const char *json)
{
    char buf[256];
    assert_true(plant_last_value(p, uuid, id, buf, sizeof buf));
    assert_string_equal(buf, json);
}

/* Drain what the command queued; a device that happens to be off line writes on return. */
static void drain(plant *p, recs *rs)
{
    plant_step(p, 2000, NOW, collect, rs);
}

static void test_commands_change_state(void **state)
{
    (void)state;
    plant *p = make_plant(12, 7);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);

    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-001", "SwitchMode", "{\"NewMode\":\"manual\"}"),
                     PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\"");
    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-001", "SwitchMode", "{\"NewMode\":\"HEAT\"}"),
                     PLANT_INPUT_REJECTED);
    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-001", "SwitchMode", "{}"), PLANT_INPUT_REJECTED);
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\"");

    assert_int_equal(send_cmd(p, &rs, "BARCODE-READER-001", "SetManualMode", "{}"),
                     PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    expect_last(p, "BARCODE-READER-001", "simulation_mode", "\"MANUAL\"");
    /* In MANUAL mode only GenerateCode reads, so its code stays the last one. */
    assert_int_equal(
        send_cmd(p, &rs, "BARCODE-READER-001", "GenerateCode", "{\"Code\":\" 400638133393 \"}"),
        PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    expect_last(p, "BARCODE-READER-001", "last_code", "\"400638133393\""); /* stripped */
    expect_last(p, "BARCODE-READER-001", "read_success", "true");
    assert_int_equal(send_cmd(p, &rs, "BARCODE-READER-001", "GenerateCode", "{\"Code\":\"\"}"),
                     PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    char code[64];
    assert_true(plant_last_value(p, "BARCODE-READER-001", "last_code", code, sizeof code));
    assert_int_equal(strlen(code), 14); /* 12 digits in quotes */
    assert_true(strspn(code + 1, "0123456789") == 12);
    assert_string_not_equal(code, "\"400638133393\"");
    assert_int_equal(send_cmd(p, &rs, "BARCODE-READER-001", "SetAutomaticMode", "{}"),
                     PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    expect_last(p, "BARCODE-READER-001", "simulation_mode", "\"AUTOMATIC\"");

    /* Calibrate clears a sensor fault (forced active here) and re-centres the reading. */
    sim_asset *dht = plant__find(p, "DHT-SENSOR-001", 14);
    sim_item *ev = plant__item(dht, "TemperatureSensor_event");
    ev->active = 1u << 1; /* SensorFault */
    plant__refresh_cond(ev);
    assert_non_null(strstr(ev->cur.s, "Sensor malfunction detected (Severity: 500)"));
    assert_int_equal(send_cmd(p, &rs, "DHT-SENSOR-001", "Calibrate", "{}"), PLANT_INPUT_EXECUTED);
    assert_int_equal(ev->active & (1u << 1), 0);
    drain(p, &rs);
    assert_null(strstr(ev->last.s, "Sensor malfunction"));

    /* ResetController: output to 0, alarms cleared. */
    sim_asset *pid = plant__find(p, "TEMP-CTRL-002", 13);
    sim_item *pev = plant__item(pid, "TemperatureController_event");
    pev->active = 3;
    plant__refresh_cond(pev);
    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-002", "ResetController", "{}"),
                     PLANT_INPUT_EXECUTED);
    assert_int_equal(pev->active, 0);
    assert_string_equal(plant__item(pid, "output")->cur.s, "0.00");
    assert_string_equal(pev->cur.s, "Temperature normal (Severity: 0)");

    /* The command records themselves are mirrored into ASSETS, as ksqlDB keeps the last one. */
    assert_non_null(find_rec(&rs, PLANT_TOPIC_ASSETS_TABLE, "TEMP-CTRL-001|SwitchMode_CMD"));
    recs_clear(&rs);
    plant_destroy(p);
}

static void test_writable_variables(void **state)
{
    (void)state;
    plant *p = make_plant(12, 8);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    const char *w = "{\"ID\":\"setpoint\",\"VALUE\":80.5,\"TAG\":\"SetPoint\",\"TYPE\":"
                    "\"Samples\",\"attributes\":{\"timestamp\":\"2026-08-10T09:15:02.417Z\"}}";
    assert_int_equal(
        plant_handle_record(p, "TEMP-CTRL-001", 13, w, strlen(w), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_WRITTEN);
    plant_step(p, 200, NOW, collect, &rs);
    expect_last(p, "TEMP-CTRL-001", "setpoint", "80.5");
    /* lower-case field names, string for a number, out of range, wrong type */
    const char *w2 = "{\"id\":\"setpoint\",\"value\":\"70\",\"attributes\":{}}";
    assert_int_equal(
        plant_handle_record(p, "TEMP-CTRL-001", 13, w2, strlen(w2), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_WRITTEN);
    const char *bad[] = {
        "{\"ID\":\"setpoint\",\"VALUE\":1000}",
        "{\"ID\":\"setpoint\",\"VALUE\":\"hot\"}",
        "{\"ID\":\"setpoint\",\"VALUE\":true}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(plant_handle_record(p, "TEMP-CTRL-001", 13, bad[i], strlen(bad[i]), NOW,
                                             collect, &rs, NULL, 0),
                         PLANT_INPUT_REJECTED);
    /* Tracking: after 120 s of plant time current_temp sits at the new setpoint. */
    plant_step(p, 6000, NOW, collect, &rs);
    expect_last(p, "TEMP-CTRL-001", "setpoint", "70.0");
    char t[32];
    assert_true(plant_last_value(p, "TEMP-CTRL-001", "current_temp", t, sizeof t));
    assert_true(strtod(t, NULL) > 69.0 && strtod(t, NULL) < 71.0);

    const char *m = "{\"ID\":\"simulation_mode\",\"VALUE\":\"manual\"}";
    assert_int_equal(
        plant_handle_record(p, "BARCODE-READER-002", 18, m, strlen(m), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_WRITTEN);
    plant_step(p, 2000, NOW, collect, &rs);
    expect_last(p, "BARCODE-READER-002", "simulation_mode", "\"MANUAL\"");
    /* Other attributes, and assets that are not ours, are left alone. */
    const char *o = "{\"ID\":\"Temp\",\"VALUE\":\"1.0\"}";
    assert_int_equal(
        plant_handle_record(p, "TEMP-SENS-001", 13, o, strlen(o), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_IGNORED);
    assert_int_equal(
        plant_handle_record(p, "OTHER-ASSET", 11, w, strlen(w), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_IGNORED);
    assert_false(plant_has_asset(p, "OTHER-ASSET", 11));
    assert_true(plant_has_asset(p, "CNC-001-AGENT", 13));
    recs_clear(&rs);
    plant_destroy(p);
}

static void test_invalid_envelopes_rejected(void **state)
{
    (void)state;
    plant *p = make_plant(12, 9);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    static const char *const bad_values[] = {
        "",
        "not json",
        "[]",
        "{\"arguments\":{}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\"},\"arguments\":{\"NewMode\":\"AUTO\"},\"extra\":1}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\",\"key_id\":\"k\"},\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"not-a-uuid\",\"sender_uuid\":\"X\"},"
        "\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2g\","
        "\"sender_uuid\":\"X\"},\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"sender_uuid\":\"X\"},\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\"},"
        "\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\"},\"arguments\":{\"NewMode\":1}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\"},\"arguments\":[\"AUTO\"]}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\",\"timestamp\":\"yesterday\"},\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\",\"signature\":42},\"arguments\":{\"NewMode\":\"AUTO\"}}",
        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
        "\"sender_uuid\":\"X\"},\"arguments\":{\"NewMode\":\"AUTO\",\"NewMode\":\"MANUAL\"}}",
    };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        char *r = command_record("SwitchMode_CMD", bad_values[i]);
        char why[256] = "";
        assert_int_equal(plant_handle_record(p, "TEMP-CTRL-001", 13, r, strlen(r), NOW, collect,
                                             &rs, why, sizeof why),
                         PLANT_INPUT_REJECTED);
        assert_true(strlen(why) > 0);
        free(r);
    }
    /* VALUE must be a string holding the envelope, not the object itself. */
    const char *obj =
        "{\"ID\":\"SwitchMode_CMD\",\"VALUE\":{\"header\":{}},\"TYPE\":\"OpenFactory\"}";
    assert_int_equal(
        plant_handle_record(p, "TEMP-CTRL-001", 13, obj, strlen(obj), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_REJECTED);
    /* Not a method of that asset, or no record at all. */
    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-001", "GenerateCode", "{}"), PLANT_INPUT_REJECTED);
    assert_int_equal(send_cmd(p, &rs, "CNC-001", "home_cycle", "{}"), PLANT_INPUT_REJECTED);
    const char *junk = "{\"ID\":";
    assert_int_equal(
        plant_handle_record(p, "CNC-001", 7, junk, strlen(junk), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_REJECTED);
    assert_int_equal(plant_handle_record(p, "CNC-001", 7, NULL, 0, NOW, collect, &rs, NULL, 0),
                     PLANT_INPUT_IGNORED);
    /* Nothing changed; the 32-digit UUID form and a missing arguments object are valid. */
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"AUTO\"");
    char *ok = command_record(
        "SwitchMode_CMD", "{\"header\":{\"correlation_id\":\"3b0e9b8e2a414c1e9d556f1f6b7f0c2a\","
                          "\"sender_uuid\":\"X\",\"signature\":\"ed25519:k1:AAAA\"},"
                          "\"arguments\":{\"NewMode\":\"MANUAL\",\"Extra\":\"ignored\"}}");
    assert_int_equal(
        plant_handle_record(p, "TEMP-CTRL-001", 13, ok, strlen(ok), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_EXECUTED);
    free(ok);
    ok = command_record("ResetController_CMD",
                        "{\"header\":{\"correlation_id\":\"3b0e9b8e-2a41-4c1e-9d55-6f1f6b7f0c2a\","
                        "\"sender_uuid\":\"X\"}}");
    assert_int_equal(
        plant_handle_record(p, "TEMP-CTRL-001", 13, ok, strlen(ok), NOW, collect, &rs, NULL, 0),
        PLANT_INPUT_EXECUTED);
    free(ok);
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\"");
    recs_clear(&rs);
    plant_destroy(p);
}

/* Replace the first occurrence of from in *text by to (reallocated). */
static void replace_first(char **text, const char *from, const char *to)
{
    char *at = strstr(*text, from);
    assert_non_null(at);
    size_t head = (size_t)(at - *text), fl = strlen(from), tl = strlen(to), len = strlen(*text);
    char *out = malloc(len - fl + tl + 1);
    assert_non_null(out);
    memcpy(out, *text, head);
    memcpy(out + head, to, tl);
    memcpy(out + head + tl, at + fl, len - head - fl + 1);
    free(*text);
    *text = out;
}

/* As a verifying executor the plant runs what the verifier verified, stripped as the signature
 * covers it (Python's str.strip(): the no-break space too), and it answers every refusal it can
 * tie to a correlation id, an envelope with an extra field included. */
static void test_verified_commands_run_what_was_signed(void **state)
{
    (void)state;
    char dir[] = "/tmp/ofc-sim-verified-XXXXXX", path[128], err[256], line[256];
    assert_non_null(mkdtemp(dir));
    assert_true(ofc_crypto_init());
    snprintf(path, sizeof path, "%s/alice.key", dir);
    ofc_op_key *key = NULL;
    assert_int_equal(ofc_op_key_generate("alice", path, NULL, err, sizeof err), OFC_OK);
    assert_int_equal(ofc_op_key_load(path, NULL, &key, err, sizeof err), OFC_OK);
    ofc_trust_line(ofc_op_key_public(key), "alice", line, sizeof line);
    strcat(line, " roles=operator methods=* assets=*");
    ofc_trust *trust = NULL;
    assert_int_equal(ofc_trust_parse(line, strlen(line), "t", &trust, err, sizeof err), OFC_OK);
    ofc_verifier *v = ofc_verifier_new(trust, NULL);
    plant *p = make_plant(12, 21);
    plant_set_verifier(p, v);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"AUTO\"");

    /* Signed MANUAL; on the wire the value and name padded with no-break spaces, the sender
     * with spaces: the signature still holds (it covers the stripped text), and the plant must
     * act on exactly that stripped text. */
    const char *names[] = {"NewMode"}, *values[] = {"MANUAL"};
    ofc_signed_command cmd;
    assert_int_equal(ofc_command_sign(key, "TEMP-CTRL-001", "SwitchMode", 1, names, values, "t",
                                      NOW, &cmd, err, sizeof err),
                     OFC_OK);
    char *record = strdup(cmd.record);
    replace_first(&record, "\\\"MANUAL\\\"", "\\\"\xc2\xa0MANUAL\xc2\xa0\\\"");
    replace_first(&record, "\\\"NewMode\\\"", "\\\"\xc2\xa0NewMode\\\"");
    replace_first(&record, "\\\"alice\\\"", "\\\" alice \\\"");
    char why[256] = "";
    assert_int_equal(plant_handle_record(p, "TEMP-CTRL-001", 13, record, strlen(record), NOW,
                                         collect, &rs, why, sizeof why),
                     PLANT_INPUT_EXECUTED);
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\"");
    char outcome[1024];
    assert_true(plant_last_value(p, "TEMP-CTRL-001", OFC_OUTCOME_ATTR, outcome, sizeof outcome));
    assert_non_null(strstr(outcome, cmd.correlation_id));
    assert_non_null(strstr(outcome, "executed"));
    assert_non_null(strstr(outcome, "\\\"operator\\\":\\\"alice\\\"")); /* stripped */
    free(record);
    ofc_signed_command_fini(&cmd);

    /* A signed command with an extra envelope field: refused (extra_field), and the sender
     * hears it under its correlation id instead of timing out. */
    values[0] = "AUTO";
    assert_int_equal(ofc_command_sign(key, "TEMP-CTRL-001", "SwitchMode", 1, names, values, "t",
                                      NOW, &cmd, err, sizeof err),
                     OFC_OK);
    record = strdup(cmd.record);
    replace_first(&record, "\\\"arguments\\\"", "\\\"extra\\\":\\\"x\\\",\\\"arguments\\\"");
    assert_int_equal(plant_handle_record(p, "TEMP-CTRL-001", 13, record, strlen(record), NOW,
                                         collect, &rs, why, sizeof why),
                     PLANT_INPUT_REJECTED);
    assert_non_null(strstr(why, "extra_field"));
    drain(p, &rs);
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\""); /* not run */
    assert_true(plant_last_value(p, "TEMP-CTRL-001", OFC_OUTCOME_ATTR, outcome, sizeof outcome));
    assert_non_null(strstr(outcome, cmd.correlation_id));
    assert_non_null(strstr(outcome, "rejected"));
    assert_non_null(strstr(outcome, "extra_field"));
    free(record);
    ofc_signed_command_fini(&cmd);

    /* Broken beyond JSON: junk after the envelope inside VALUE (bad_envelope), a byte that is
     * not UTF-8 in the reason (the record is no JSON at all). Still answered by correlation id. */
    static const struct {
        const char *from, *to, *says;
    } broken[] = {
        {"}}\",\"TAG\"", "}} junk\",\"TAG\"", "bad_envelope"},
        {"\"ofc_reason\":\"t\"", "\"ofc_reason\":\"t\xff\"", "bad_record"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        assert_int_equal(ofc_command_sign(key, "TEMP-CTRL-001", "SwitchMode", 1, names, values, "t",
                                          NOW, &cmd, err, sizeof err),
                         OFC_OK);
        record = strdup(cmd.record);
        replace_first(&record, broken[i].from, broken[i].to);
        assert_int_equal(plant_handle_record(p, "TEMP-CTRL-001", 13, record, strlen(record), NOW,
                                             collect, &rs, why, sizeof why),
                         PLANT_INPUT_REJECTED);
        drain(p, &rs);
        assert_true(
            plant_last_value(p, "TEMP-CTRL-001", OFC_OUTCOME_ATTR, outcome, sizeof outcome));
        assert_non_null(strstr(outcome, cmd.correlation_id));
        assert_non_null(strstr(outcome, "rejected"));
        assert_non_null(strstr(outcome, broken[i].says));
        free(record);
        ofc_signed_command_fini(&cmd);
    }
    expect_last(p, "TEMP-CTRL-001", "mode", "\"MANUAL\""); /* nothing ran */

    recs_clear(&rs);
    plant_destroy(p);
    ofc_verifier_destroy(v);
    ofc_trust_destroy(trust);
    ofc_op_key_destroy(key);
    unlink(path);
    snprintf(path, sizeof path, "%s/alice.key.pub", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- truth ---- */

static void test_truth_reflects_last_values(void **state)
{
    (void)state;
    plant *p = make_plant(24, 10);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    plant_step(p, 5000, NOW, collect, &rs);
    send_cmd(p, &rs, "TEMP-CTRL-003", "SwitchMode", "{\"NewMode\":\"MANUAL\"}");
    plant_step(p, 10, NOW, collect, &rs); /* leave some queued writes unwritten, too */

    json_writer jw;
    jw_init(&jw);
    plant_truth_write(p, &jw);
    json_t *truth = parse(jw.buf);
    assert_string_equal(json_string_value(json_object_get(truth, "format")),
                        "ofconsole-sim-truth/1");
    assert_int_equal(json_integer_value(json_object_get(truth, "seed")), 10);
    size_t produced = 0;
    for (size_t i = 0; i < rs.n; i++)
        produced += rs.v[i].topic == PLANT_TOPIC_ASSETS;
    assert_int_equal(json_integer_value(json_object_get(truth, "produced")), produced);
    assert_int_equal(plant_produced(p), produced);

    json_t *assets = json_object_get(truth, "assets");
    assert_int_equal(json_array_size(assets), plant_asset_count(p));
    const char *prev_uuid = "";
    size_t ai, checked = 0;
    json_t *a;
    json_array_foreach(assets, ai, a)
    {
        const char *uuid = json_string_value(json_object_get(a, "uuid"));
        assert_true(strcmp(prev_uuid, uuid) < 0);
        prev_uuid = uuid;
        bool helper = strstr(uuid, "-AGENT") || strstr(uuid, "-PRODUCER");
        assert_int_equal(json_is_null(json_object_get(a, "device")), !helper);
        assert_int_equal(json_is_null(json_object_get(a, "uns_id")), helper);
        assert_int_equal(json_is_null(json_object_get(a, "uns_levels")), helper);
        assert_non_null(json_string_value(json_object_get(a, "asset_type")));
        const char *av = json_string_value(json_object_get(a, "availability"));
        assert_true(strcmp(av, "AVAILABLE") == 0 || strcmp(av, "UNAVAILABLE") == 0);
        const char *prev_id = "";
        size_t k;
        json_t *at;
        json_array_foreach(json_object_get(a, "attributes"), k, at)
        {
            const char *id = json_string_value(json_object_get(at, "id"));
            assert_true(strcmp(prev_id, id) < 0);
            prev_id = id;
            json_t *last = last_record(&rs, uuid, id);
            assert_non_null(last);
            assert_true(json_equal(json_object_get(at, "value"), field(last, "value")));
            assert_string_equal(json_string_value(json_object_get(at, "tag")),
                                json_string_value(field(last, "tag")));
            assert_string_equal(json_string_value(json_object_get(at, "type")),
                                json_string_value(field(last, "type")));
            json_decref(last);
            checked++;
        }
    }
    assert_true(checked > 300);
    /* Number tokens are the very ones on the wire. */
    assert_non_null(strstr(jw.buf, "{\"id\":\"setpoint\",\"type\":\"Samples\",\"tag\":\"SetPoint\","
                                   "\"value\":65.0}"));
    jw_fini(&jw);
    json_decref(truth);

    char dir[] = "/tmp/ofc-truth-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/truth.json", dir);
    assert_int_equal(plant_truth_save(p, path, err, sizeof err), OFC_OK);
    json_error_t jerr;
    json_t *file = json_load_file(path, 0, &jerr);
    assert_non_null(file);
    assert_int_equal(json_array_size(json_object_get(file, "assets")), plant_asset_count(p));
    json_decref(file);
    unlink(path);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
    snprintf(path, sizeof path, "%s/missing/truth.json", dir);
    assert_int_equal(plant_truth_save(p, path, err, sizeof err), OFC_ERR_IO);
    recs_clear(&rs);
    plant_destroy(p);
}

/* With refresh_s, every asset publishes its registration, methods and UNS mapping again each
 * period, so a console that starts after a size-capped log lost the registration learns it. */
static void test_refresh_publishes_the_registration_again(void **state)
{
    (void)state;
    char err[256];
    plant_options o = {.devices = 6, .seed = 7, .rate = 50, .refresh_s = 10};
    plant *p = plant_new(&o, err, sizeof err);
    assert_non_null(p);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    size_t from = rs.n;
    plant_step(p, 1500, NOW + 30000000, collect, &rs); /* 30 s of plant time: 2 periods at least */
    size_t methods = 0, types = 0, maps = 0;
    for (size_t i = from; i < rs.n; i++) {
        rec *c = &rs.v[i];
        if (strcmp(c->key, "TEMP-CTRL-001") != 0)
            continue;
        if (c->topic == PLANT_TOPIC_UNS_MAP)
            maps++;
        if (c->topic != PLANT_TOPIC_ASSETS)
            continue;
        json_t *e = parse(c->value);
        const char *type = json_string_value(field(e, "type"));
        const char *id = json_string_value(field(e, "id"));
        methods += type && strcmp(type, "Method") == 0;
        types += id && strcmp(id, "AssetType") == 0;
        json_decref(e);
    }
    assert_true(types >= 2);
    assert_true(maps >= 2);
    assert_true(methods >= 2);
    recs_clear(&rs);
    plant_destroy(p);

    /* Without it (the default of plant_options), the registration is said once. */
    p = make_plant(6, 7);
    plant_register(p, NOW, collect, &rs);
    from = rs.n;
    plant_step(p, 1500, NOW + 30000000, collect, &rs);
    for (size_t i = from; i < rs.n; i++)
        if (strcmp(rs.v[i].key, "TEMP-CTRL-001") == 0 && rs.v[i].topic == PLANT_TOPIC_ASSETS)
            assert_null(strstr(rs.v[i].value, "\"AssetType\""));
    recs_clear(&rs);
    plant_destroy(p);
}

static void test_deregister(void **state)
{
    (void)state;
    plant *p = make_plant(6, 12);
    recs rs = {0};
    plant_register(p, NOW, collect, &rs);
    plant_step(p, 500, NOW, collect, &rs);
    size_t from = rs.n;
    size_t n = plant_deregister(p, NOW + 5000000, collect, &rs);
    assert_true(n > 0);
    for (size_t ai = 0; ai < plant_asset_count(p); ai++) {
        const char *uuid = plant_asset_uuid(p, ai);
        bool helper = strstr(uuid, "-AGENT") || strstr(uuid, "-PRODUCER");
        size_t avail_at = 0, tomb = 0, map = 0;
        for (size_t i = from; i < rs.n; i++) {
            rec *c = &rs.v[i];
            if (strcmp(c->key, uuid) != 0)
                continue;
            if (c->topic == PLANT_TOPIC_ASSETS) {
                json_t *e = parse(c->value);
                const char *id = json_string_value(field(e, "id"));
                if (strcmp(id, "avail") == 0 || strcmp(id, "agent_avail") == 0) {
                    assert_string_equal(json_string_value(field(e, "value")), "UNAVAILABLE");
                    avail_at = i;
                } else {
                    assert_int_equal(strncmp(id, "references_", 11), 0);
                    assert_string_equal(json_string_value(field(e, "value")), "");
                }
                json_decref(e);
            } else if (c->topic == PLANT_TOPIC_TYPES || c->topic == PLANT_TOPIC_DOCKER ||
                       (c->topic == PLANT_TOPIC_AVAIL && !c->value)) {
                assert_null(c->value);
                assert_true(avail_at && avail_at < i); /* UNAVAILABLE first */
                tomb++;
            } else if (c->topic == PLANT_TOPIC_UNS_MAP) {
                json_t *m = parse(c->value);
                assert_true(json_is_null(json_object_get(m, "uns_id")));
                assert_true(json_is_null(json_object_get(m, "uns_levels")));
                assert_string_equal(json_string_value(json_object_get(m, "asset_uuid")), uuid);
                assert_int_equal(json_integer_value(json_object_get(m, "updated_at")),
                                 (NOW + 5000000) / 1000);
                json_decref(m);
                map++;
            }
        }
        assert_int_equal(tomb, 3);
        assert_int_equal(map, helper ? 0 : 1);
    }
    json_writer jw;
    jw_init(&jw);
    plant_truth_write(p, &jw);
    json_t *truth = parse(jw.buf);
    json_t *first = json_array_get(json_object_get(truth, "assets"), 0);
    assert_true(json_is_null(json_object_get(first, "asset_type")));
    assert_true(json_is_null(json_object_get(first, "uns_id")));
    assert_string_equal(json_string_value(json_object_get(first, "availability")), "UNAVAILABLE");
    json_decref(truth);
    jw_fini(&jw);
    /* Commands are no longer taken. */
    assert_int_equal(send_cmd(p, &rs, "TEMP-CTRL-001", "SwitchMode", "{\"NewMode\":\"MANUAL\"}"),
                     PLANT_INPUT_IGNORED);
    recs_clear(&rs);
    plant_destroy(p);
}

/* ---- determinism ---- */

static void run_for(plant *p, recs *rs, int64_t now, size_t batch)
{
    plant_register(p, now, collect, rs);
    for (size_t done = 0; done < 20000; done += batch)
        plant_step(p, batch, now, collect, rs);
}

static bool is_time_item(const char *id)
{
    return strcmp(id, "event_time") == 0 || strcmp(id, "last_update") == 0 ||
           strcmp(id, "last_timestamp") == 0;
}

static void test_determinism_by_seed(void **state)
{
    (void)state;
    recs a = {0}, b = {0}, c = {0}, d = {0};
    plant *pa = make_plant(30, 42), *pb = make_plant(30, 42), *pc = make_plant(30, 43),
          *pd = make_plant(30, 42);
    run_for(pa, &a, NOW, 20000);
    run_for(pb, &b, NOW, 50); /* batching must not matter */
    run_for(pc, &c, NOW, 20000);
    run_for(pd, &d, NOW + 3600000000LL, 20000); /* another hour: timestamps aside, the same */
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.v[i].key, b.v[i].key);
        assert_true(a.v[i].value && b.v[i].value ? strcmp(a.v[i].value, b.v[i].value) == 0
                                                 : a.v[i].value == b.v[i].value);
    }
    size_t differ = 0;
    for (size_t i = 0; i < a.n && i < c.n; i++)
        differ += a.v[i].value && c.v[i].value && strcmp(a.v[i].value, c.v[i].value) != 0;
    assert_true(differ > a.n / 4);
    assert_int_equal(a.n, d.n);
    for (size_t i = 0; i < a.n; i++) {
        if (a.v[i].topic != PLANT_TOPIC_ASSETS)
            continue;
        assert_string_equal(a.v[i].key, d.v[i].key);
        assert_string_equal(a.v[i].id, d.v[i].id);
        if (is_time_item(a.v[i].id))
            continue;
        json_t *x = parse(a.v[i].value), *y = parse(d.v[i].value);
        assert_true(json_equal(field(x, "value"), field(y, "value")));
        json_decref(x);
        json_decref(y);
    }
    recs_clear(&a);
    recs_clear(&b);
    recs_clear(&c);
    recs_clear(&d);
    plant_destroy(pa);
    plant_destroy(pb);
    plant_destroy(pc);
    plant_destroy(pd);
}

/* ---- scale ---- */

typedef struct counter {
    size_t assets, table, other;
} counter;

static void count_rec(void *opaque, const plant_record *r)
{
    counter *c = opaque;
    if (r->topic == PLANT_TOPIC_ASSETS)
        c->assets++;
    else if (r->topic == PLANT_TOPIC_ASSETS_TABLE)
        c->table++;
    else
        c->other++;
}

static void test_scales_to_thousands_of_assets(void **state)
{
    (void)state;
    plant *p = make_plant(2000, 13);
    /* Half the kinds are MTConnect devices with two helpers each (334 + 334 + 333 of them). */
    assert_int_equal(plant_asset_count(p), 2000 + 2 * 1001);
    for (size_t i = 0; i < plant_asset_count(p); i++)
        assert_true(plant_has_asset(p, plant_asset_uuid(p, i), strlen(plant_asset_uuid(p, i))));
    assert_true(plant_has_asset(p, "CNC-333", 7));
    assert_true(plant_has_asset(p, "TEMP-SENS-334", 13));
    assert_false(plant_has_asset(p, "CNC-334", 7));
    counter c = {0};
    plant_register(p, NOW, count_rec, &c);
    assert_int_equal(plant_step(p, 200000, NOW, count_rec, &c), 200000);
    assert_int_equal(c.assets, plant_produced(p));
    assert_int_equal(c.table, c.assets);
    assert_true(c.other >= 3 * plant_asset_count(p));
    plant_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_every_kind_with_its_items),
        cmocka_unit_test(test_casing_per_style),
        cmocka_unit_test(test_assets_table_mirrors_stream),
        cmocka_unit_test(test_registration_and_uns),
        cmocka_unit_test(test_barcode_ready_follows_reader_error),
        cmocka_unit_test(test_conditions_and_outages_over_time),
        cmocka_unit_test(test_commands_change_state),
        cmocka_unit_test(test_writable_variables),
        cmocka_unit_test(test_invalid_envelopes_rejected),
        cmocka_unit_test(test_verified_commands_run_what_was_signed),
        cmocka_unit_test(test_truth_reflects_last_values),
        cmocka_unit_test(test_refresh_publishes_the_registration_again),
        cmocka_unit_test(test_deregister),
        cmocka_unit_test(test_determinism_by_seed),
        cmocka_unit_test(test_scales_to_thousands_of_assets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
