/* plant_kinds: the asset kinds of the virtual plant as const tables, and their behaviour.
 *
 * The kinds follow OpenFactory's own virtual assets (openfactory-virtual-assets: temperature
 * sensor, event generator, OPC UA DHT sensor, barcode reader, PID temperature controller) and an
 * MTConnect CNC shaped like the PROVER3018 (wire §8). Item ids, types and tags are those the real
 * devices publish; ranges are realistic but invented. What a table cannot say lives here as code:
 * the PID model, barcode reads and the execution of methods.
 */
#include "commander.h"
#include "plant_internal.h"

#include "log.h"
#include "timeutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- items every asset kind shares ---- */

#define AVAIL_MTC                                                                                \
    {                                                                                            \
        .id = "avail", .type = "Events", .tag = SIM_MTC_NS "Availability", .beh = SIM_BEH_AVAIL, \
        .vkind = SIM_V_STRING, .derive = SIM_DERIVE_AVAIL                                        \
    }
#define AVAIL_UA                                                                      \
    {                                                                                 \
        .id = "avail", .type = "Events", .tag = "Availability", .beh = SIM_BEH_AVAIL, \
        .vkind = SIM_V_STRING, .derive = SIM_DERIVE_AVAIL                             \
    }

/* Written by OpenFactory's registration (SDK style, TYPE OpenFactory), wire §5. */
const sim_item_desc sim_reg_items[SIM_REG__COUNT] = {
    [SIM_REG_ASSET_TYPE] = {.id = "AssetType",
                            .type = "OpenFactory",
                            .tag = "AssetType",
                            .beh = SIM_BEH_REG,
                            .style = SIM_STYLE_SDK,
                            .vkind = SIM_V_STRING,
                            .derive = SIM_DERIVE_TYPES},
    [SIM_REG_DOCKER] = {.id = "DockerService",
                        .type = "OpenFactory",
                        .tag = "DockerService",
                        .beh = SIM_BEH_REG,
                        .style = SIM_STYLE_SDK,
                        .vkind = SIM_V_STRING,
                        .derive = SIM_DERIVE_DOCKER},
    [SIM_REG_INC] = {.id = "inc",
                     .type = "OpenFactory",
                     .tag = "UNSLevel",
                     .beh = SIM_BEH_REG,
                     .style = SIM_STYLE_SDK,
                     .vkind = SIM_V_STRING},
    [SIM_REG_AREA] = {.id = "area",
                      .type = "OpenFactory",
                      .tag = "UNSLevel",
                      .beh = SIM_BEH_REG,
                      .style = SIM_STYLE_SDK,
                      .vkind = SIM_V_STRING},
    [SIM_REG_WORKCENTER] = {.id = "workcenter",
                            .type = "OpenFactory",
                            .tag = "UNSLevel",
                            .beh = SIM_BEH_REG,
                            .style = SIM_STYLE_SDK,
                            .vkind = SIM_V_STRING},
    [SIM_REG_ASSET] = {.id = "asset",
                       .type = "OpenFactory",
                       .tag = "UNSLevel",
                       .beh = SIM_BEH_REG,
                       .style = SIM_STYLE_SDK,
                       .vkind = SIM_V_STRING},
    [SIM_REG_UNS_ID] = {.id = "uns_id",
                        .type = "OpenFactory",
                        .tag = "UNSId",
                        .beh = SIM_BEH_REG,
                        .style = SIM_STYLE_SDK,
                        .vkind = SIM_V_STRING},
    [SIM_REG_REF_BELOW] = {.id = "references_below",
                           .type = "OpenFactory",
                           .tag = "AssetsReferences",
                           .beh = SIM_BEH_REG,
                           .style = SIM_STYLE_SDK,
                           .vkind = SIM_V_STRING},
    [SIM_REG_REF_ABOVE] = {.id = "references_above",
                           .type = "OpenFactory",
                           .tag = "AssetsReferences",
                           .beh = SIM_BEH_REG,
                           .style = SIM_STYLE_SDK,
                           .vkind = SIM_V_STRING},
    /* ofconsole's outcome extension (commander.h), reported by this reference executor. */
    [SIM_REG_OUTCOME] = {.id = OFC_OUTCOME_ATTR,
                         .type = "OpenFactory",
                         .tag = OFC_OUTCOME_TAG,
                         .beh = SIM_BEH_OUTCOME,
                         .style = SIM_STYLE_SDK,
                         .vkind = SIM_V_STRING},
};

/* ---- temperature sensor (MTConnect, va:virtual_assets/temp_sensor/device.xml) ---- */

static const sim_item_desc temp_sensor_items[] = {
    AVAIL_MTC,
    {.id = "Temp",
     .type = "Samples",
     .tag = SIM_MTC_NS "Temperature",
     .beh = SIM_BEH_WALK,
     .vkind = SIM_V_NUMBER,
     .lo = 20.0,
     .hi = 110.0,
     .step = 1.5,
     .decimals = 2,
     .weight = 1},
};

/* ---- event generator (MTConnect, va:virtual_assets/event_generator/device.xml) ---- */

static const sim_item_desc event_gen_items[] = {
    AVAIL_MTC,
    {.id = "event_id",
     .type = "Events",
     .tag = SIM_MTC_NS "Message",
     .beh = SIM_BEH_COUNTER,
     .vkind = SIM_V_STRING,
     .init = "EVT-",
     .subtype = "INFO",
     .weight = 1},
    {.id = "event_time",
     .type = "Events",
     .tag = SIM_MTC_NS "Time",
     .beh = SIM_BEH_TIME,
     .vkind = SIM_V_STRING,
     .weight = 1},
};

/* ---- OPC UA DHT sensor (va:virtual_assets/opcua_sensor/opcua_device.py) ---- */

enum { DHT_AVAIL, DHT_TEMP, DHT_HUM, DHT_MODEL, DHT_UNIT, DHT_CALIBRATE, DHT_EVENT };
enum { DHT_ALARM_OVERTEMP, DHT_ALARM_FAULT };

/* Both alarms have SourceName "TemperatureSensor" upstream, so both arrive on one item. */
static const sim_alarm_desc dht_alarms[] = {
    [DHT_ALARM_OVERTEMP] = {"OverTemperature", "AlarmConditionType", "Temperature too high", 900,
                            80.0, 25.0},
    [DHT_ALARM_FAULT] = {"SensorFault", "AlarmConditionType", "Sensor malfunction detected", 500,
                         100.0, 20.0},
};
static const sim_cond_desc dht_cond = {.alarms = dht_alarms,
                                       .n_alarms = N_OF(dht_alarms),
                                       .clear_message = "Temperature normal",
                                       .clear_tag = "AlarmConditionType"};

static const sim_item_desc dht_items[] = {
    [DHT_AVAIL] = AVAIL_UA,
    [DHT_TEMP] = {.id = "temp",
                  .type = "Samples",
                  .tag = "Temperature",
                  .beh = SIM_BEH_WALK,
                  .vkind = SIM_V_NUMBER,
                  .lo = 21.0,
                  .hi = 25.0,
                  .step = 0.2,
                  .decimals = 1,
                  .weight = 2},
    [DHT_HUM] = {.id = "hum",
                 .type = "Samples",
                 .tag = "Humidity",
                 .beh = SIM_BEH_WALK,
                 .vkind = SIM_V_NUMBER,
                 .lo = 40.0,
                 .hi = 60.0,
                 .step = 0.8,
                 .decimals = 1,
                 .weight = 1},
    [DHT_MODEL] = {.id = "sensor_model",
                   .type = "Events",
                   .tag = "SensorModel",
                   .beh = SIM_BEH_CONST,
                   .vkind = SIM_V_STRING,
                   .init = "Virtual DHT Sensor"},
    [DHT_UNIT] = {.id = "temp_unit",
                  .type = "Events",
                  .tag = "TemperatureUnit",
                  .beh = SIM_BEH_CONST,
                  .vkind = SIM_V_STRING,
                  .init = "C"},
    [DHT_CALIBRATE] = {.id = "Calibrate",
                       .type = "Method",
                       .tag = "Method",
                       .beh = SIM_BEH_METHOD,
                       .vkind = SIM_V_STRING,
                       .init = "Recalibrate the sensor (clears a sensor fault)"},
    [DHT_EVENT] = {.id = "TemperatureSensor_event",
                   .type = "Condition",
                   .tag = "AlarmConditionType",
                   .beh = SIM_BEH_COND_UA,
                   .vkind = SIM_V_STRING,
                   .cond = &dht_cond},
};

/* ---- barcode reader (va:virtual_assets/barcode_reader/src/barcode_reader_setup.py) ---- */

enum {
    BR_AVAIL,
    BR_LAST_CODE,
    BR_LAST_TS,
    BR_SUCCESS,
    BR_READY,
    BR_TRIGGER,
    BR_MODE,
    BR_MEAN,
    BR_FAILURE,
    BR_MODEL,
    BR_AUTO,
    BR_MANUAL,
    BR_GENERATE,
    BR_EVENT
};
enum { BR_ALARM_ERROR, BR_ALARM_NOREAD };

static const char *const br_modes[] = {"AUTOMATIC", "MANUAL"};
static const sim_alarm_desc br_alarms[] = {
    [BR_ALARM_ERROR] = {"ReaderError", "ReaderErrorEvent", "Reader error detected", 700, 150.0,
                        20.0},
    /* NoRead follows the reads: raised by a failed read, cleared by the next good one. */
    [BR_ALARM_NOREAD] = {"NoRead", "NoReadEvent", "No code detected during trigger", 200, 0.0, 0.0},
};
static const sim_cond_desc br_cond = {.alarms = br_alarms,
                                      .n_alarms = N_OF(br_alarms),
                                      .clear_message = "Reader ready",
                                      .clear_tag = "BaseEventType"};
static const sim_arg_desc br_generate_args[] = {
    {"Code", "Barcode to generate (empty for random)"},
};

static const sim_item_desc barcode_items[] = {
    [BR_AVAIL] = AVAIL_UA,
    [BR_LAST_CODE] = {.id = "last_code",
                      .type = "Events",
                      .tag = "LastCode",
                      .beh = SIM_BEH_STATE,
                      .vkind = SIM_V_STRING,
                      .init = ""},
    [BR_LAST_TS] = {.id = "last_timestamp",
                    .type = "Events",
                    .tag = "LastTimestamp",
                    .beh = SIM_BEH_TIME,
                    .vkind = SIM_V_STRING},
    [BR_SUCCESS] = {.id = "read_success",
                    .type = "Events",
                    .tag = "ReadSuccess",
                    .beh = SIM_BEH_STATE,
                    .vkind = SIM_V_BOOL,
                    .init = "true"},
    [BR_READY] = {.id = "device_ready",
                  .type = "Events",
                  .tag = "DeviceReady",
                  .beh = SIM_BEH_STATE,
                  .vkind = SIM_V_BOOL,
                  .init = "true",
                  .weight = 1},
    [BR_TRIGGER] = {.id = "trigger_input_active",
                    .type = "Events",
                    .tag = "TriggerInputActive",
                    .beh = SIM_BEH_TOGGLE,
                    .vkind = SIM_V_BOOL,
                    .init = "true",
                    .weight = 2},
    [BR_MODE] = {.id = "simulation_mode",
                 .type = "Events",
                 .tag = "Mode",
                 .beh = SIM_BEH_STATE,
                 .vkind = SIM_V_STRING,
                 .init = "AUTOMATIC",
                 .choices = br_modes,
                 .n_choices = N_OF(br_modes),
                 .writable = true},
    [BR_MEAN] = {.id = "mean_arrival_time",
                 .type = "Samples",
                 .tag = "MeanArrivalTime",
                 .beh = SIM_BEH_CONST,
                 .vkind = SIM_V_NUMBER,
                 .init = "2.0"},
    [BR_FAILURE] = {.id = "failure_rate",
                    .type = "Samples",
                    .tag = "FailureRate",
                    .beh = SIM_BEH_CONST,
                    .vkind = SIM_V_NUMBER,
                    .init = "0.10"},
    [BR_MODEL] = {.id = "model",
                  .type = "Events",
                  .tag = "Model",
                  .beh = SIM_BEH_CONST,
                  .vkind = SIM_V_STRING,
                  .init = "Virtual Barcode Reader"},
    [BR_AUTO] = {.id = "SetAutomaticMode",
                 .type = "Method",
                 .tag = "Method",
                 .beh = SIM_BEH_METHOD,
                 .vkind = SIM_V_STRING,
                 .init = "Switch the reader to AUTOMATIC mode (reads arrive on their own)"},
    [BR_MANUAL] = {.id = "SetManualMode",
                   .type = "Method",
                   .tag = "Method",
                   .beh = SIM_BEH_METHOD,
                   .vkind = SIM_V_STRING,
                   .init = "Switch the reader to MANUAL mode (reads only on GenerateCode)"},
    [BR_GENERATE] = {.id = "GenerateCode",
                     .type = "Method",
                     .tag = "Method",
                     .beh = SIM_BEH_METHOD,
                     .vkind = SIM_V_STRING,
                     .init = "GenerateCode",
                     .args = br_generate_args,
                     .n_args = N_OF(br_generate_args)},
    [BR_EVENT] = {.id = "BarcodeReader_event",
                  .type = "Condition",
                  .tag = "BaseEventType",
                  .beh = SIM_BEH_COND_UA,
                  .vkind = SIM_V_STRING,
                  .cond = &br_cond},
};

/* ---- PID temperature controller (va:virtual_assets/temp_controller) ---- */

enum {
    PID_AVAIL,
    PID_TEMP,
    PID_OUTPUT,
    PID_LAST_UPDATE,
    PID_SETPOINT,
    PID_MODE,
    PID_KP,
    PID_KI,
    PID_KD,
    PID_WINDUP,
    PID_OUT_MIN,
    PID_OUT_MAX,
    PID_MODEL,
    PID_RESET,
    PID_SWITCH,
    PID_EVENT
};

static const char *const pid_modes[] = {"AUTO", "MANUAL"};
static const sim_alarm_desc pid_alarms[] = {
    {"OverTemperature", "AlarmConditionType", "Temperature too high", 900, 100.0, 25.0},
    {"ControllerFault", "AlarmConditionType", "Controller fault detected", 500, 200.0, 20.0},
};
static const sim_cond_desc pid_cond = {.alarms = pid_alarms,
                                       .n_alarms = N_OF(pid_alarms),
                                       .clear_message = "Temperature normal",
                                       .clear_tag = "AlarmConditionType"};
static const sim_arg_desc pid_switch_args[] = {
    {"NewMode", "Controller mode: AUTO or MANUAL"},
};

static const sim_item_desc pid_items[] = {
    [PID_AVAIL] = AVAIL_UA,
    [PID_TEMP] = {.id = "current_temp",
                  .type = "Samples",
                  .tag = "Temperature",
                  .beh = SIM_BEH_PID,
                  .vkind = SIM_V_NUMBER,
                  .decimals = 2,
                  .init = "22.00",
                  .weight = 3},
    [PID_OUTPUT] = {.id = "output",
                    .type = "Samples",
                    .tag = "ControlOutput",
                    .beh = SIM_BEH_PID,
                    .vkind = SIM_V_NUMBER,
                    .decimals = 2,
                    .init = "0.00",
                    .weight = 2},
    [PID_LAST_UPDATE] = {.id = "last_update",
                         .type = "Events",
                         .tag = "LastUpdateTime",
                         .beh = SIM_BEH_TIME,
                         .vkind = SIM_V_STRING,
                         .weight = 1},
    [PID_SETPOINT] = {.id = "setpoint",
                      .type = "Samples",
                      .tag = "SetPoint",
                      .beh = SIM_BEH_STATE,
                      .vkind = SIM_V_NUMBER,
                      .lo = 0.0,
                      .hi = 100.0,
                      .decimals = 1,
                      .init = "65.0",
                      .writable = true},
    [PID_MODE] = {.id = "mode",
                  .type = "Events",
                  .tag = "Mode",
                  .beh = SIM_BEH_STATE,
                  .vkind = SIM_V_STRING,
                  .init = "AUTO",
                  .choices = pid_modes,
                  .n_choices = N_OF(pid_modes)},
    [PID_KP] = {.id = "kp",
                .type = "Samples",
                .tag = "ProportionalGain",
                .beh = SIM_BEH_CONST,
                .vkind = SIM_V_NUMBER,
                .init = "2.000"},
    [PID_KI] = {.id = "ki",
                .type = "Samples",
                .tag = "IntegralGain",
                .beh = SIM_BEH_CONST,
                .vkind = SIM_V_NUMBER,
                .init = "0.100"},
    [PID_KD] = {.id = "kd",
                .type = "Samples",
                .tag = "DerivativeGain",
                .beh = SIM_BEH_CONST,
                .vkind = SIM_V_NUMBER,
                .init = "0.000"},
    [PID_WINDUP] = {.id = "windup",
                    .type = "Samples",
                    .tag = "WindupLimit",
                    .beh = SIM_BEH_CONST,
                    .vkind = SIM_V_NUMBER,
                    .init = "50.0"},
    [PID_OUT_MIN] = {.id = "output_min",
                     .type = "Samples",
                     .tag = "OutputMin",
                     .beh = SIM_BEH_CONST,
                     .vkind = SIM_V_NUMBER,
                     .init = "0.0"},
    [PID_OUT_MAX] = {.id = "output_max",
                     .type = "Samples",
                     .tag = "OutputMax",
                     .beh = SIM_BEH_CONST,
                     .vkind = SIM_V_NUMBER,
                     .init = "100.0"},
    [PID_MODEL] = {.id = "model",
                   .type = "Events",
                   .tag = "Model",
                   .beh = SIM_BEH_CONST,
                   .vkind = SIM_V_STRING,
                   .init = "Virtual Temperature Controller"},
    [PID_RESET] = {.id = "ResetController",
                   .type = "Method",
                   .tag = "Method",
                   .beh = SIM_BEH_METHOD,
                   .vkind = SIM_V_STRING,
                   .init = "Reset the controller: output to 0, alarms cleared"},
    [PID_SWITCH] = {.id = "SwitchMode",
                    .type = "Method",
                    .tag = "Method",
                    .beh = SIM_BEH_METHOD,
                    .vkind = SIM_V_STRING,
                    .init = "Switch the controller mode",
                    .args = pid_switch_args,
                    .n_args = N_OF(pid_switch_args)},
    [PID_EVENT] = {.id = "TemperatureController_event",
                   .type = "Condition",
                   .tag = "AlarmConditionType",
                   .beh = SIM_BEH_COND_UA,
                   .vkind = SIM_V_STRING,
                   .cond = &pid_cond},
};

/* ---- MTConnect CNC (apps:apps/hmi/debug/prover.xml, PROVER3018) ---- */

static const char *const cnc_exec[] = {"ACTIVE", "ACTIVE",    "ACTIVE",     "ACTIVE",
                                       "READY",  "FEED_HOLD", "INTERRUPTED"};
static const char *const cnc_mode[] = {"AUTOMATIC", "AUTOMATIC", "AUTOMATIC", "MANUAL",
                                       "MANUAL_DATA_INPUT"};
static const char *const cnc_prog[] = {"O1001.nc", "O2034.nc", "bracket.ngc", "face_plate.ngc"};
static const char *const cnc_tool[] = {"1", "2", "3", "4", "5", "6"};
static const sim_fault_desc cnc_grbl_faults[] = {
    {"Warning", "DOOR", "Safety door open"},
    {"Fault", "ALARM:1", "Hard limit triggered"},
    {"Fault", "ALARM:9", "Homing fail"},
};
static const sim_fault_desc cnc_motion_faults[] = {
    {"Warning", "WARN:1", "Soft limit approaching"},
    {"Fault", "ALARM:2", "Soft limit exceeded"},
};
static const sim_cond_desc cnc_grbl = {.type_mtc = "SYSTEM",
                                       .faults = cnc_grbl_faults,
                                       .n_faults = N_OF(cnc_grbl_faults),
                                       .mean_off_s = 90.0,
                                       .mean_on_s = 30.0};
static const sim_cond_desc cnc_motion = {.type_mtc = "MOTION_PROGRAM",
                                         .faults = cnc_motion_faults,
                                         .n_faults = N_OF(cnc_motion_faults),
                                         .mean_off_s = 90.0,
                                         .mean_on_s = 30.0};

#define CNC_AXIS(name, lo_, hi_)                                                          \
    {                                                                                     \
        .id = name, .type = "Samples", .tag = SIM_MTC_NS "Position", .beh = SIM_BEH_WALK, \
        .vkind = SIM_V_NUMBER, .lo = lo_, .hi = hi_, .step = 4.0, .decimals = 3,          \
        .subtype = "ACTUAL", .weight = 30                                                 \
    }
#define CNC_ENUM(name, tag_, list, w)                                                \
    {                                                                                \
        .id = name, .type = "Events", .tag = SIM_MTC_NS tag_, .beh = SIM_BEH_ENUM,   \
        .vkind = SIM_V_STRING, .choices = list, .n_choices = N_OF(list), .weight = w \
    }

static const sim_item_desc cnc_items[] = {
    AVAIL_MTC,
    CNC_AXIS("Xact", 0.0, 300.0),
    CNC_AXIS("Yact", 0.0, 180.0),
    CNC_AXIS("Zact", -45.0, 0.0),
    {.id = "Sspeed",
     .type = "Samples",
     .tag = SIM_MTC_NS "SpindleSpeed",
     .beh = SIM_BEH_WALK,
     .vkind = SIM_V_NUMBER,
     .lo = 0.0,
     .hi = 12000.0,
     .step = 400.0,
     .decimals = 0,
     .subtype = "ACTUAL",
     .weight = 20},
    {.id = "Frt",
     .type = "Samples",
     .tag = SIM_MTC_NS "PathFeedrate",
     .beh = SIM_BEH_WALK,
     .vkind = SIM_V_NUMBER,
     .lo = 0.0,
     .hi = 2000.0,
     .step = 60.0,
     .decimals = 1,
     .subtype = "ACTUAL",
     .weight = 20},
    CNC_ENUM("exec", "Execution", cnc_exec, 4),
    CNC_ENUM("mode", "ControllerMode", cnc_mode, 1),
    CNC_ENUM("prog", "Program", cnc_prog, 1),
    CNC_ENUM("tool_id", "ToolNumber", cnc_tool, 2),
    {.id = "line",
     .type = "Events",
     .tag = SIM_MTC_NS "LineNumber",
     .beh = SIM_BEH_COUNTER,
     .vkind = SIM_V_STRING,
     .init = "",
     .subtype = "ABSOLUTE",
     .weight = 10},
    {.id = "grbl",
     .type = "Condition",
     .tag = SIM_MTC_NS "Normal",
     .beh = SIM_BEH_COND_MTC,
     .vkind = SIM_V_STRING,
     .cond = &cnc_grbl},
    {.id = "motion",
     .type = "Condition",
     .tag = SIM_MTC_NS "Normal",
     .beh = SIM_BEH_COND_MTC,
     .vkind = SIM_V_STRING,
     .cond = &cnc_motion},
};

/* ---- method execution ---- */

static const char *arg_get(const sim_args *args, const char *name)
{
    for (size_t i = 0; i < args->n; i++)
        if (strcmp(args->name[i], name) == 0)
            return args->value[i];
    return NULL;
}

static void clear_alarm(plant *p, sim_asset *a, size_t item, unsigned alarm)
{
    sim_item *it = &a->items[item];
    if (!(it->active & (1u << alarm)))
        return;
    /* The pending timer of this alarm still targets "clear"; when it fires it finds the alarm
     * clear already and schedules the next rise (plant.c). */
    it->active &= ~(1u << alarm);
    plant__refresh_cond(it);
    plant__queue(p, a, item, false);
}

static bool dht_exec(plant *p, sim_asset *a, const sim_item_desc *method, const sim_args *args,
                     char *why, size_t why_size)
{
    (void)args;
    (void)why;
    (void)why_size;
    size_t base = a->kind_base;
    if (method != &dht_items[DHT_CALIBRATE])
        return false;
    /* Calibration re-centres the reading and clears a sensor fault. */
    sim_item *temp = &a->items[base + DHT_TEMP];
    plant__set_number(temp, (temp->desc->lo + temp->desc->hi) / 2.0);
    plant__queue(p, a, base + DHT_TEMP, false);
    clear_alarm(p, a, base + DHT_EVENT, DHT_ALARM_FAULT);
    return true;
}

static void set_text_item(plant *p, sim_asset *a, size_t item, sim_vkind kind, const char *s)
{
    sim_item *it = &a->items[item];
    if (it->cur.kind != kind || strcmp(it->cur.s, s) != 0)
        plant__text_set(&it->cur, kind, s, strlen(s));
    plant__queue(p, a, item, false);
}

bool plant__kind_is_barcode(const sim_asset *a)
{
    return a->role == SIM_ROLE_DEVICE && a->kind->items == barcode_items;
}

void plant__barcode_read(plant *p, sim_asset *a, const char *code, bool forced)
{
    size_t base = a->kind_base;
    sim_item *cond = &a->items[base + BR_EVENT];
    bool error = (cond->active & (1u << BR_ALARM_ERROR)) != 0;
    /* An operator's GenerateCode always reads; automatic reads fail at failure_rate, and not
     * at all while the reader reports an error. */
    bool ok = forced || (!error && sim_rng_unit(&p->rng) >= a->items[base + BR_FAILURE].x);
    char digits[13];
    if (ok && (!code || !*code)) {
        for (int i = 0; i < 12; i++)
            digits[i] = (char)('0' + sim_rng_below(&p->rng, 10));
        digits[12] = '\0';
        code = digits;
    }
    set_text_item(p, a, base + BR_SUCCESS, SIM_V_BOOL, ok ? "true" : "false");
    char ts[40];
    ofc_time_format_iso(p->now_us, 3, ts, sizeof ts);
    set_text_item(p, a, base + BR_LAST_TS, SIM_V_STRING, ts);
    if (ok)
        set_text_item(p, a, base + BR_LAST_CODE, SIM_V_STRING, code);
    uint32_t before = cond->active;
    if (ok || error)
        cond->active &= ~(1u << BR_ALARM_NOREAD);
    else
        cond->active |= 1u << BR_ALARM_NOREAD;
    if (cond->active != before) {
        plant__refresh_cond(cond);
        plant__queue(p, a, base + BR_EVENT, false);
    }
}

void plant__kind_init(sim_asset *a)
{
    /* Conditions may start active: a reader starting in error is not ready. */
    if (!plant__kind_is_barcode(a))
        return;
    bool error = (a->items[a->kind_base + BR_EVENT].active & (1u << BR_ALARM_ERROR)) != 0;
    plant__text_set(&a->items[a->kind_base + BR_READY].cur, SIM_V_BOOL, error ? "false" : "true",
                    error ? 5 : 4);
}

void plant__kind_alarm_changed(plant *p, sim_asset *a, size_t item)
{
    /* A reader in error is not ready; device_ready follows the ReaderError alarm. */
    if (!plant__kind_is_barcode(a) || item != a->kind_base + BR_EVENT)
        return;
    bool error = (a->items[item].active & (1u << BR_ALARM_ERROR)) != 0;
    set_text_item(p, a, a->kind_base + BR_READY, SIM_V_BOOL, error ? "false" : "true");
}

static bool barcode_exec(plant *p, sim_asset *a, const sim_item_desc *method, const sim_args *args,
                         char *why, size_t why_size)
{
    size_t base = a->kind_base;
    (void)why;
    (void)why_size;
    if (method == &barcode_items[BR_AUTO] || method == &barcode_items[BR_MANUAL]) {
        set_text_item(p, a, base + BR_MODE, SIM_V_STRING,
                      method == &barcode_items[BR_AUTO] ? "AUTOMATIC" : "MANUAL");
        return true;
    }
    if (method == &barcode_items[BR_GENERATE]) {
        plant__barcode_read(p, a, arg_get(args, "Code"), true);
        return true;
    }
    return false;
}

/* PID model: a first-order thermal plant (ambient 20 C, 0.8 C per % of output, tau 10 s) under
 * feed-forward plus proportional control, so current_temp settles on the setpoint in AUTO and
 * drifts with the frozen output in MANUAL. */
#define PID_AMBIENT 20.0
#define PID_GAIN    0.8
#define PID_TAU     10.0
#define PID_KP_EFF  2.0

static void pid_advance(plant *p, sim_asset *a)
{
    double dt = p->vt - a->model_vt;
    if (dt <= 0.0)
        return;
    a->model_vt = p->vt;
    size_t base = a->kind_base;
    sim_item *temp = &a->items[base + PID_TEMP];
    sim_item *out = &a->items[base + PID_OUTPUT];
    double sp = a->items[base + PID_SETPOINT].x;
    double t = temp->x, u = out->x;
    if (strcmp(a->items[base + PID_MODE].cur.s, "MANUAL") != 0) {
        u = (sp - PID_AMBIENT) / PID_GAIN + PID_KP_EFF * (sp - t);
        u = u < 0.0 ? 0.0 : u > 100.0 ? 100.0 : u;
    }
    double target = PID_AMBIENT + PID_GAIN * u;
    t = target + (t - target) * exp(-dt / PID_TAU) + sim_rng_uniform(&p->rng, -0.04, 0.04);
    plant__set_number(temp, t);
    plant__set_number(out, u);
}

void plant__kind_advance(plant *p, sim_asset *a)
{
    if (a->role == SIM_ROLE_DEVICE && a->kind->items == pid_items)
        pid_advance(p, a);
}

static bool pid_exec(plant *p, sim_asset *a, const sim_item_desc *method, const sim_args *args,
                     char *why, size_t why_size)
{
    size_t base = a->kind_base;
    pid_advance(p, a);
    if (method == &pid_items[PID_RESET]) {
        plant__set_number(&a->items[base + PID_OUTPUT], 0.0);
        plant__queue(p, a, base + PID_OUTPUT, false);
        for (unsigned i = 0; i < N_OF(pid_alarms); i++)
            clear_alarm(p, a, base + PID_EVENT, i);
        return true;
    }
    if (method == &pid_items[PID_SWITCH]) {
        const char *mode = arg_get(args, "NewMode");
        for (size_t i = 0; mode && i < N_OF(pid_modes); i++) {
            if (strcasecmp(mode, pid_modes[i]) == 0) {
                set_text_item(p, a, base + PID_MODE, SIM_V_STRING, pid_modes[i]);
                return true;
            }
        }
        snprintf(why, why_size, "SwitchMode: NewMode must be AUTO or MANUAL, got \"%s\"",
                 mode ? mode : "(missing)");
        return false;
    }
    return false;
}

/* ---- the kinds, in the round-robin order of --assets ---- */

const sim_kind sim_kinds[] = {
    {"temp-sensor", "TEMP-SENS", SIM_STYLE_MTC, "Device", true, temp_sensor_items,
     N_OF(temp_sensor_items), NULL},
    {"event-gen", "EVENT-GEN", SIM_STYLE_MTC, "Device", true, event_gen_items,
     N_OF(event_gen_items), NULL},
    {"dht-sensor", "DHT-SENSOR", SIM_STYLE_OPCUA, "Device", false, dht_items, N_OF(dht_items),
     dht_exec},
    {"barcode-reader", "BARCODE-READER", SIM_STYLE_OPCUA, "Device", false, barcode_items,
     N_OF(barcode_items), barcode_exec},
    {"temp-ctrl", "TEMP-CTRL", SIM_STYLE_OPCUA, "Device", false, pid_items, N_OF(pid_items),
     pid_exec},
    {"cnc", "CNC", SIM_STYLE_MTC, "Device", true, cnc_items, N_OF(cnc_items), NULL},
};
const size_t sim_kind_count = N_OF(sim_kinds);

/* Helpers of MTConnect devices (wire §8): agent_avail comes through the agent's stream (with
 * agent headers); the producer writes its own records without them (mtc2kafka). */
static const sim_item_desc agent_items[] = {
    {.id = "agent_avail",
     .type = "Events",
     .tag = SIM_MTC_NS "Availability",
     .beh = SIM_BEH_AVAIL,
     .style = SIM_STYLE_MTC,
     .vkind = SIM_V_STRING,
     .derive = SIM_DERIVE_AVAIL},
    {.id = "agent_port",
     .type = "Events",
     .tag = "NetworkPort",
     .beh = SIM_BEH_CONST,
     .style = SIM_STYLE_SDK,
     .vkind = SIM_V_STRING,
     .init = "5000"},
};
static const sim_item_desc producer_items[] = {
    {.id = "avail",
     .type = "Events",
     .tag = "Availability",
     .beh = SIM_BEH_AVAIL,
     .style = SIM_STYLE_MTC_NOHDR,
     .vkind = SIM_V_STRING,
     .derive = SIM_DERIVE_AVAIL},
    {.id = "producer_software_version",
     .type = "Events",
     .tag = "ProducerSoftwareVersion",
     .beh = SIM_BEH_CONST,
     .style = SIM_STYLE_MTC_NOHDR,
     .vkind = SIM_V_STRING,
     .init = "1.1.0"},
};
const sim_kind sim_agent_kind = {"mtconnect-agent", "",    SIM_STYLE_MTC,
                                 "MTConnectAgent",  false, agent_items,
                                 N_OF(agent_items), NULL};
const sim_kind sim_producer_kind = {"kafka-producer",     "",    SIM_STYLE_MTC_NOHDR,
                                    "KafkaProducer",      false, producer_items,
                                    N_OF(producer_items), NULL};

/* ---- conditions ---- */

const char *plant__cond_tag(const sim_item *it)
{
    const sim_cond_desc *c = it->desc->cond;
    if (it->desc->beh == SIM_BEH_COND_MTC) {
        if (!it->active)
            return SIM_MTC_NS "Normal";
        return strcmp(c->faults[it->active - 1].level, "Fault") == 0 ? SIM_MTC_NS "Fault"
                                                                     : SIM_MTC_NS "Warning";
    }
    int best = -1;
    for (size_t i = 0; i < c->n_alarms; i++)
        if ((it->active & (1u << i)) &&
            (best < 0 || c->alarms[i].severity > c->alarms[best].severity))
            best = (int)i;
    return best < 0 ? c->clear_tag : c->alarms[best].tag;
}

void plant__refresh_cond(sim_item *it)
{
    const sim_cond_desc *c = it->desc->cond;
    if (it->desc->beh == SIM_BEH_COND_MTC) {
        if (!it->active)
            plant__text_set(&it->cur, SIM_V_NULL, "", 0);
        else
            plant__text_setf(&it->cur, SIM_V_STRING, "%s", c->faults[it->active - 1].message);
        return;
    }
    /* OPC UA: the most severe active alarm, as the gateway formats events (wire §5). */
    int best = -1;
    for (size_t i = 0; i < c->n_alarms; i++)
        if ((it->active & (1u << i)) &&
            (best < 0 || c->alarms[i].severity > c->alarms[best].severity))
            best = (int)i;
    if (best < 0)
        plant__text_setf(&it->cur, SIM_V_STRING, "%s (Severity: 0)", c->clear_message);
    else
        plant__text_setf(&it->cur, SIM_V_STRING, "%s (Severity: %d)", c->alarms[best].message,
                         c->alarms[best].severity);
}
