/* plant_internal: the virtual plant's descriptors and state, shared by src/sim/plant*.c only.
 *
 * Asset kinds are const data (sim_kind with a table of sim_item_desc), in the way tmux keeps
 * commands as cmd_entry tables; plant_kinds.c holds the tables and the little behaviour that does
 * not fit a table (PID model, barcode reads, method execution). Each asset instantiates its kind's
 * items after a few registration items (AssetType, DockerService, UNS, references) that every
 * OpenFactory asset gets.
 */
#ifndef OFC_SIM_PLANT_INTERNAL_H
#define OFC_SIM_PLANT_INTERNAL_H

#include "plant.h"
#include "verifier.h"
#include "sim_rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MTC_NS "{urn:mtconnect.org:MTConnectStreams:2.2}"

/* How a record is written (wire §3.1). */
typedef enum sim_style {
    SIM_STYLE_KIND = 0,  /* use the kind's style */
    SIM_STYLE_SDK,       /* OpenFactory SDK: ID/VALUE/TAG/TYPE, ms timestamp, JSON scalars */
    SIM_STYLE_OPCUA,     /* connector: SDK shape plus attributes.ingestion_timestamp */
    SIM_STYLE_MTC,       /* mtc2kafka: lower case, string values, us timestamp, agent headers */
    SIM_STYLE_MTC_NOHDR, /* mtc2kafka's own producer records: no agent headers */
} sim_style;

typedef enum sim_vkind {
    SIM_V_NULL = 0,
    SIM_V_STRING,
    SIM_V_NUMBER,
    SIM_V_BOOL,
} sim_vkind;

typedef enum sim_beh {
    SIM_BEH_REG,      /* registration attribute, value set per asset at creation */
    SIM_BEH_CONST,    /* metadata from desc->init */
    SIM_BEH_METHOD,   /* method contract (wire §6.1), JSON built from desc->args */
    SIM_BEH_AVAIL,    /* avail / agent_avail */
    SIM_BEH_WALK,     /* bounded random walk in [lo, hi] */
    SIM_BEH_ENUM,     /* random pick from desc->choices on each turn */
    SIM_BEH_TIME,     /* time of the update */
    SIM_BEH_COUNTER,  /* desc->init prefix + a number that grows each turn */
    SIM_BEH_TOGGLE,   /* bool flipped each turn */
    SIM_BEH_STATE,    /* changed only by kind logic, commands or writes */
    SIM_BEH_OUTCOME,  /* ofc_command_outcome: written only when a command is handled */
    SIM_BEH_PID,      /* PID model output (current_temp, output) */
    SIM_BEH_COND_UA,  /* OPC UA `<Source>_event`, fed by desc->cond->alarms */
    SIM_BEH_COND_MTC, /* MTConnect condition, Normal/Warning/Fault */
} sim_beh;

/* Which ksqlDB table a record of this item also lands in (wire §3.3). */
typedef enum sim_derive {
    SIM_DERIVE_NONE = 0,
    SIM_DERIVE_TYPES,
    SIM_DERIVE_AVAIL,
    SIM_DERIVE_DOCKER,
} sim_derive;

/* One OPC UA alarm behind a `<Source>_event` condition item. mean_off_s == 0: driven by kind
 * logic (barcode NoRead) instead of a timer. */
typedef struct sim_alarm_desc {
    const char *name; /* OverTemperature */
    const char *tag;  /* event type: AlarmConditionType, NoReadEvent, ... */
    const char *message;
    int severity;
    double mean_off_s, mean_on_s;
} sim_alarm_desc;

/* One active state an MTConnect condition can take. */
typedef struct sim_fault_desc {
    const char *level; /* Warning | Fault */
    const char *native_code;
    const char *message;
} sim_fault_desc;

typedef struct sim_cond_desc {
    /* OPC UA */
    const sim_alarm_desc *alarms;
    size_t n_alarms;
    const char *clear_message; /* "Temperature normal" -> "Temperature normal (Severity: 0)" */
    const char *clear_tag;
    /* MTConnect */
    const char *type_mtc;
    const sim_fault_desc *faults;
    size_t n_faults;
    double mean_off_s, mean_on_s;
} sim_cond_desc;

typedef struct sim_arg_desc {
    const char *name;
    const char *description;
} sim_arg_desc;

typedef struct sim_item_desc {
    const char *id;
    const char *type; /* Samples | Events | Condition | Method | OpenFactory */
    const char *tag;  /* full TAG as written (MTConnect tags carry SIM_MTC_NS) */
    sim_beh beh;
    sim_style style;
    sim_vkind vkind; /* JSON kind in SDK style (MTConnect writes every value as a string) */
    double lo, hi, step;
    int decimals;
    const char *init; /* initial text; counter prefix; method description */
    const char *const *choices;
    size_t n_choices;
    const char *subtype; /* MTConnect subType attribute */
    const sim_cond_desc *cond;
    const sim_arg_desc *args; /* methods */
    size_t n_args;
    unsigned weight; /* share of the device's turns in the live stream; 0 = none */
    bool writable;   /* accepts writes of the same ID from others (wire §6.2) */
    sim_derive derive;
} sim_item_desc;

typedef enum sim_role {
    SIM_ROLE_DEVICE = 0,
    SIM_ROLE_AGENT,    /* <UUID>-AGENT, AssetType MTConnectAgent */
    SIM_ROLE_PRODUCER, /* <UUID>-PRODUCER, AssetType KafkaProducer */
} sim_role;

typedef struct sim_asset sim_asset;
typedef struct sim_item sim_item;

/* Command arguments after validation: names borrowed, values stripped copies. */
#define SIM_MAX_ARGS 16
/* A command's arguments, stripped as the receiver strips (ofc_strip_py): owned copies. */
typedef struct sim_args {
    size_t n;
    char *name[SIM_MAX_ARGS];
    char *value[SIM_MAX_ARGS];
} sim_args;

typedef bool (*sim_exec_fn)(plant *p, sim_asset *a, const sim_item_desc *method,
                            const sim_args *args, char *why, size_t why_size);

typedef struct sim_kind {
    const char *name;        /* "cnc" */
    const char *uuid_prefix; /* "CNC" */
    sim_style style;
    const char *asset_type;
    bool mtconnect; /* has -AGENT and -PRODUCER helpers and agent headers */
    const sim_item_desc *items;
    size_t n_items;
    sim_exec_fn exec; /* NULL: no methods */
} sim_kind;

/* A value as text: the JSON token kind and its text (string contents, number token,
 * "true"/"false"). */
typedef struct sim_text {
    char *s;
    uint32_t len, cap;
    sim_vkind kind;
} sim_text;

struct sim_item {
    const sim_item_desc *desc;
    sim_text cur;         /* current state */
    sim_text last;        /* last written on ofa_assets (the truth) */
    const char *last_tag; /* TAG last written */
    double x;             /* numeric state (walks, PID, setpoint) */
    uint64_t counter;
    uint32_t active; /* OPC UA: bit per active alarm; MTConnect: fault index + 1, 0 = Normal */
    bool written;
};

struct sim_asset {
    char *uuid;
    size_t uuid_len;
    const sim_kind *kind; /* the device's kind (helpers: their device's) */
    sim_role role;
    size_t device; /* index of the device asset (itself for devices) */
    sim_item *items;
    size_t n_items;
    size_t kind_base; /* index of the kind's first item (devices) */
    int avail_item;   /* index of avail / agent_avail, -1 if none */
    bool down;
    char *uns_id; /* NULL for helpers */
    const char *levels[4];
    char *asset_level; /* lower-case uuid, the `asset` UNS level */
    uint64_t mtc_sequence;
    double model_vt; /* PID: virtual time of the last model update */
};

typedef struct sim_timer {
    double due;
    uint32_t asset;
    uint16_t item;
    uint8_t what;
    uint8_t alarm;
} sim_timer;

enum { SIM_TIMER_OUTAGE = 1, SIM_TIMER_ALARM, SIM_TIMER_READ, SIM_TIMER_REFRESH };

typedef struct sim_pending {
    uint32_t asset;
    uint16_t item;
} sim_pending;

struct plant {
    sim_rng rng;
    uint64_t seed;
    double dt;        /* virtual seconds per ofa_assets record */
    double refresh_s; /* plant_options.refresh_s */
    double vt;
    sim_asset *assets;
    size_t n_assets;
    size_t *devices; /* asset index of each device */
    size_t n_devices;
    size_t cursor;
    size_t *sorted; /* asset indexes sorted by uuid (truth) */
    uint32_t *hash; /* open addressing, asset index + 1, 0 = empty */
    size_t hash_mask;
    sim_timer *timers; /* min-heap on due */
    size_t n_timers, cap_timers;
    sim_pending *pending; /* ring */
    size_t pend_head, pend_len, pend_cap;
    uint64_t produced;
    bool deregistered;
    char instance_id[24]; /* mtc2kafka instanceID header */
    /* set by each public entry point for the emitters */
    plant_emit_fn emit;
    void *opaque;
    int64_t now_us;
    json_writer jw, jw2;
    ofc_verifier *verifier; /* borrowed; NULL = execute unsigned commands, as upstream does */
};

/* plant_kinds.c */
extern const sim_kind sim_kinds[];
extern const size_t sim_kind_count;
extern const sim_kind sim_agent_kind, sim_producer_kind;
extern const sim_item_desc sim_reg_items[];
enum {
    SIM_REG_ASSET_TYPE,
    SIM_REG_DOCKER,
    SIM_REG_INC,
    SIM_REG_AREA,
    SIM_REG_WORKCENTER,
    SIM_REG_ASSET,
    SIM_REG_UNS_ID,
    SIM_REG_REF_BELOW,
    SIM_REG_REF_ABOVE,
    SIM_REG_OUTCOME,
    SIM_REG__COUNT
};
/* Advance kind models (PID) to the plant's virtual time before an item of a is written. */
void plant__kind_advance(plant *p, sim_asset *a);
/* A barcode read (timer or GenerateCode); code NULL or "" = a random 12-digit code. */
void plant__barcode_read(plant *p, sim_asset *a, const char *code, bool forced);
bool plant__kind_is_barcode(const sim_asset *a);
/* Make kind state consistent once every item is initialised (no records are queued). */
void plant__kind_init(sim_asset *a);
/* An alarm of a condition item changed state (kind side effects, e.g. device_ready). */
void plant__kind_alarm_changed(plant *p, sim_asset *a, size_t item);
/* Format the value of a condition item into its cur text and return its current TAG. */
const char *plant__cond_tag(const sim_item *it);

/* plant.c */
void plant__text_set(sim_text *t, sim_vkind kind, const char *s, size_t len);
void plant__text_setf(sim_text *t, sim_vkind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plant__set_number(sim_item *it, double v);
/* Queue an item for writing. Skipped while its device is down (republished on return)
 * unless force. */
void plant__queue(plant *p, sim_asset *a, size_t item, bool force);
void plant__refresh_cond(sim_item *it);
sim_asset *plant__find(const plant *p, const char *key, size_t key_len);
sim_item *plant__item(sim_asset *a, const char *id);
void plant__timer_push(plant *p, double due, size_t asset, size_t item, int what, int alarm);

/* plant_emit.c: write one item's current value to ofa_assets (+ ASSETS + derived tables).
 * Returns false if nothing was written (an SDK item of a device that is down). */
bool plant__emit_item(plant *p, sim_asset *a, size_t item);
void plant__emit_uns_map(plant *p, const sim_asset *a, bool registered);
void plant__emit_tombstone(plant *p, plant_topic topic, const sim_asset *a);
/* Mirror a foreign ofa_assets record into the ASSETS table as ksqlDB would. value_json NULL
 * means JSON null; type/tag NULL are written as null. */
void plant__emit_table_row(plant *p, const sim_asset *a, const char *id, sim_vkind kind,
                           const char *value, const char *type, const char *tag,
                           const char *timestamp);

#endif
