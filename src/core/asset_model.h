/* asset_model: the live plant as OpenFactory's topics describe it.
 *
 * Assets by uuid, each with its attributes (value, type, tag, source time, Kafka origin, a
 * history ring for Samples), conditions with a level, advertised methods with their argument
 * contracts, asset type, availability, registration, helper assets linked to their device, and
 * a UNS tree built from asset_to_uns_map_topic with unmapped assets in a branch of their own.
 *
 * Writers: the feed (and tests) call ofc_model_apply_*() with parsed records. Readers: front
 * ends read through the accessors below and never see the structs. Changes are collected into
 * a batch and delivered to subscribers once per loop turn by ofc_model_flush(); subscribers must
 * not apply records while being notified (asserted).
 *
 * Lifetimes: assets and attributes are never freed while the model lives (a deregistered asset
 * becomes OFC_REG_REMOVED and leaves the tree), so their pointers stay valid until
 * ofc_model_destroy(). UNS node pointers are valid until the next flush whose batch has
 * tree_changed set: empty nodes are pruned just before such a batch is delivered.
 * Thread: everything here belongs to the one loop thread that owns the model.
 */
#ifndef OFC_ASSET_MODEL_H
#define OFC_ASSET_MODEL_H

#include "ofa_record.h"
#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ofc_model ofc_model;
typedef struct ofc_asset ofc_asset;
typedef struct ofc_attr ofc_attr;
typedef struct ofc_uns_node ofc_uns_node;

/* Worst-first ordering lets a roll-up take the maximum. */
typedef enum ofc_state {
    OFC_STATE_NORMAL = 0,
    OFC_STATE_UNAVAILABLE,
    OFC_STATE_WARNING,
    OFC_STATE_FAULT,
    OFC_STATE__COUNT
} ofc_state;

typedef enum ofc_cond_level {
    OFC_COND_NONE = 0, /* not a condition */
    OFC_COND_NORMAL,
    OFC_COND_WARNING,
    OFC_COND_FAULT,
    OFC_COND_UNAVAILABLE,
} ofc_cond_level;

typedef enum ofc_availability {
    OFC_AVAIL_UNKNOWN = 0,
    OFC_AVAIL_AVAILABLE,
    OFC_AVAIL_UNAVAILABLE,
} ofc_availability;

typedef enum ofc_registration {
    OFC_REG_UNKNOWN = 0, /* never seen on assets_types_topic */
    OFC_REG_DEPLOYED,
    OFC_REG_REMOVED, /* tombstoned or AssetType "delete": hidden from the tree */
} ofc_registration;

/* Where a value came from. */
typedef enum ofc_origin_topic {
    OFC_ORIGIN_NONE = 0,
    OFC_ORIGIN_STREAM, /* ofa_assets */
    OFC_ORIGIN_TABLE,  /* the ksqlDB ASSETS table */
    OFC_ORIGIN_STATE,  /* types/avail/UNS map topics */
} ofc_origin_topic;

typedef struct ofc_origin {
    ofc_origin_topic topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* Kafka record timestamp */
} ofc_origin;

const char *ofc_state_name(ofc_state state);           /* "normal", "warning", ... */
const char *ofc_cond_level_name(ofc_cond_level level); /* "none", "normal", ... */
const char *ofc_registration_name(ofc_registration reg);

/* ---- construction and writing (the feed and tests) ---- */

typedef struct ofc_model_limits {
    size_t history_points; /* per Samples attribute; default 120 */
    size_t max_assets;     /* default 100000 */
    size_t max_attributes; /* per asset; default 4096 */
} ofc_model_limits;

/* limits may be NULL for defaults. Owned by the caller; free with ofc_model_destroy(). */
ofc_model *ofc_model_new(const ofc_model_limits *limits);
void ofc_model_destroy(ofc_model *model);

/* An ofa_assets event. Returns OFC_REJECT_NONE or the limit that refused it. */
ofc_reject ofc_model_apply_event(ofc_model *model, const ofa_event *ev, const ofc_origin *origin);
/* An ASSETS table row: seeds a value that an older stream record will not overwrite. */
ofc_reject ofc_model_apply_table_event(ofc_model *model, const ofa_event *ev,
                                       const ofc_origin *origin);
ofc_reject ofc_model_apply_uns_map(ofc_model *model, const ofa_uns_map *map);
/* assets_types_topic and assets_avail_topic rows; origin->timestamp_ms orders them against
 * the stream's AssetType/avail records. origin may be NULL. */
ofc_reject ofc_model_apply_asset_type(ofc_model *model, const ofa_table_value *row,
                                      const ofc_origin *origin);
ofc_reject ofc_model_apply_availability(ofc_model *model, const ofa_table_value *row,
                                        const ofc_origin *origin);

/* Reading the clock for every record costs more than the rest of an update's bookkeeping, so a
 * writer applying a batch may set "now" once (the local receive time recorded per attribute);
 * 0 restores a clock read per record. */
void ofc_model_set_now(ofc_model *model, int64_t now_us);

/* ---- change notification ---- */

typedef enum ofc_change_kind {
    OFC_CHANGE_ASSET, /* new asset, or its type, availability, registration, UNS or state */
    OFC_CHANGE_ATTR,  /* an attribute's value (or contract) changed */
} ofc_change_kind;

typedef struct ofc_change {
    ofc_change_kind kind;
    const ofc_asset *asset;
    const ofc_attr *attr; /* NULL for OFC_CHANGE_ASSET */
} ofc_change;

/* One batch: each asset and attribute appears at most once (latest state is read through the
 * accessors). Valid only during the callback. */
typedef struct ofc_change_batch {
    const ofc_change *changes;
    size_t count;
    uint64_t seq;      /* increases by one per delivered batch */
    bool tree_changed; /* UNS tree structure changed: re-resolve node pointers by path */
} ofc_change_batch;

typedef void (*ofc_model_observer_fn)(void *opaque, const ofc_change_batch *batch);

/* Subscribe; flags 0 = batched (once per flush). OFC_SUB_EACH also delivers every applied
 * change at once as a batch of one (for `ofc watch`, which must not coalesce). Returns an id. */
#define OFC_SUB_EACH 1u
int ofc_model_subscribe(ofc_model *model, ofc_model_observer_fn fn, void *opaque, unsigned flags);
void ofc_model_unsubscribe(ofc_model *model, int id);

/* Deliver the pending batch (if any) to batched subscribers, then start a new one. Call once per
 * loop turn. Returns the number of changes delivered. */
size_t ofc_model_flush(ofc_model *model);
/* Changes waiting for the next flush. */
size_t ofc_model_pending(const ofc_model *model);

/* ---- reading ---- */

size_t ofc_model_asset_count(const ofc_model *model);
/* Assets in the order they were first seen; index is stable. */
const ofc_asset *ofc_model_asset_at(const ofc_model *model, size_t i);
const ofc_asset *ofc_model_find_asset(const ofc_model *model, const char *uuid);
const ofc_uns_node *ofc_model_uns_root(const ofc_model *model);
/* The branch holding assets without a UNS mapping (a child of the root), or NULL if none. */
const ofc_uns_node *ofc_model_unmapped_node(const ofc_model *model);
const ofc_uns_node *ofc_model_find_uns(const ofc_model *model, const char *path);
/* Number of live attributes (across assets) and of Samples ones, for status and benchmarks. */
size_t ofc_model_attr_count(const ofc_model *model);
/* Active (Warning/Fault) conditions across the plant, from the incrementally kept count. */
size_t ofc_model_active_conditions(const ofc_model *model);
/* The alarm list: active Warning/Fault conditions of assets not deregistered, newest first (by
 * the time each entered its level), kept incrementally so this costs O(alarms log alarms).
 * *out receives a malloc'd array the caller frees (pass NULL to only count). */
size_t ofc_model_alarms(const ofc_model *model, const ofc_attr ***out, size_t *warnings,
                        size_t *faults);

const char *ofc_asset_uuid(const ofc_asset *asset);
const char *ofc_asset_type(const ofc_asset *asset); /* NULL if unknown */
ofc_availability ofc_asset_availability(const ofc_asset *asset);
const char *ofc_asset_availability_text(const ofc_asset *asset); /* NULL if unknown */
ofc_registration ofc_asset_registration(const ofc_asset *asset);
const char *ofc_asset_uns_id(const ofc_asset *asset); /* NULL if unmapped */
size_t ofc_asset_uns_level_count(const ofc_asset *asset);
const char *ofc_asset_uns_level_name(const ofc_asset *asset, size_t i);
const char *ofc_asset_uns_level_value(const ofc_asset *asset, size_t i);
/* For a -AGENT/-PRODUCER helper: its device (if seen); else NULL. */
const ofc_asset *ofc_asset_device(const ofc_asset *asset);
size_t ofc_asset_helper_count(const ofc_asset *asset);
const ofc_asset *ofc_asset_helper_at(const ofc_asset *asset, size_t i);
/* Worst of its conditions and its availability. */
ofc_state ofc_asset_state(const ofc_asset *asset);
/* The UNS node listing this asset (its mapped node or the unmapped branch), or NULL. */
const ofc_uns_node *ofc_asset_uns_node(const ofc_asset *asset);
/* Local wall-clock time of the last record applied to this asset (us). */
int64_t ofc_asset_last_update_us(const ofc_asset *asset);
/* Stale: what is shown may no longer be true. Everything is stale while the broker is away;
 * otherwise an asset is stale when nothing arrived for it in stale_after_us (0 = never). One
 * rule for every front end. */
bool ofc_asset_stale(const ofc_asset *asset, int64_t now_us, bool connected,
                     int64_t stale_after_us);
size_t ofc_asset_attr_count(const ofc_asset *asset);
/* Attributes in the order first seen. */
const ofc_attr *ofc_asset_attr_at(const ofc_asset *asset, size_t i);
const ofc_attr *ofc_asset_find_attr(const ofc_asset *asset, const char *id);

const ofc_asset *ofc_attr_asset(const ofc_attr *attr);
const char *ofc_attr_id(const ofc_attr *attr);
ofc_attr_type ofc_attr_type_of(const ofc_attr *attr);
const char *ofc_attr_type_text(const ofc_attr *attr); /* as sent, e.g. "Samples" */
const char *ofc_attr_tag(const ofc_attr *attr);       /* as sent, with any {namespace} */
const char *ofc_attr_tag_local(const ofc_attr *attr); /* without the {namespace} prefix */
ofc_value_kind ofc_attr_value_kind(const ofc_attr *attr);
const char *ofc_attr_value(const ofc_attr *attr); /* text; "" for null */
/* The value as a number, if it is one or a string holding one (MTConnect sends strings). */
bool ofc_attr_number(const ofc_attr *attr, double *out);
int64_t ofc_attr_timestamp_us(const ofc_attr *attr); /* source time; 0 if unknown */
int64_t ofc_attr_received_us(const ofc_attr *attr);  /* local wall clock when applied */
ofc_origin ofc_attr_origin(const ofc_attr *attr);
uint64_t ofc_attr_update_count(const ofc_attr *attr);

/* Conditions (TYPE Condition): MTConnect level from the tag, OPC UA from "(Severity: n)". */
ofc_cond_level ofc_attr_condition_level(const ofc_attr *attr);
int ofc_attr_condition_severity(const ofc_attr *attr); /* OPC UA severity, or -1 */
/* When the condition entered its current level (source time, else receive time). */
int64_t ofc_attr_condition_since_us(const ofc_attr *attr);

/* Methods (TYPE Method, wire 6.1). Legacy advertisements are a plain description. */
bool ofc_attr_is_method(const ofc_attr *attr);
bool ofc_attr_method_legacy(const ofc_attr *attr);
const char *ofc_attr_method_description(const ofc_attr *attr);
size_t ofc_attr_method_arg_count(const ofc_attr *attr);
const char *ofc_attr_method_arg_name(const ofc_attr *attr, size_t i);
const char *ofc_attr_method_arg_description(const ofc_attr *attr, size_t i);

/* Trend of a Samples attribute: oldest first. */
size_t ofc_attr_history_count(const ofc_attr *attr);
bool ofc_attr_history_at(const ofc_attr *attr, size_t i, int64_t *time_us, double *value);

const char *ofc_uns_node_name(const ofc_uns_node *node); /* "" for the root */
const char *ofc_uns_node_path(const ofc_uns_node *node); /* "a/b/c"; "" for the root */
const ofc_uns_node *ofc_uns_node_parent(const ofc_uns_node *node);
bool ofc_uns_node_is_unmapped(const ofc_uns_node *node);
size_t ofc_uns_node_child_count(const ofc_uns_node *node);
const ofc_uns_node *ofc_uns_node_child_at(const ofc_uns_node *node, size_t i); /* by name */
size_t ofc_uns_node_asset_count(const ofc_uns_node *node);
const ofc_asset *ofc_uns_node_asset_at(const ofc_uns_node *node, size_t i); /* by uuid */
/* Assets in the subtree, and how many are in each state (kept incrementally). */
size_t ofc_uns_node_total_assets(const ofc_uns_node *node);
size_t ofc_uns_node_state_count(const ofc_uns_node *node, ofc_state state);
/* The worst state in the subtree. */
ofc_state ofc_uns_node_state(const ofc_uns_node *node);

#endif
