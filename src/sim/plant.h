/* plant: the virtual OpenFactory plant behind `ofc sim`, without Kafka.
 *
 * A plant is a set of simulated assets (OpenFactory's own virtual assets plus an MTConnect CNC,
 * wire §8) that produce exactly the records a real OpenFactory cluster holds: attribute events on
 * `ofa_assets` in the SDK/connector and mtc2kafka casings (wire §3.1), the ksqlDB-derived ASSETS
 * rows and type/availability/docker tables (wire §3.2, §3.3) and UNS registrations (wire §3.4).
 * It also executes the commands and attribute writes it is sent (wire §6.2) and keeps the ground
 * truth of everything it wrote (docs/sim.md).
 *
 * The plant never touches a socket or a clock: records leave through a callback, and every call
 * is given the wall time to print in timestamps. Its dynamics run on a virtual clock that advances
 * a fixed step per `ofa_assets` record, so the same seed and options give the same sequence of
 * asset ids, attribute ids and values whatever the machine's speed (timestamps aside).
 *
 * Thread: a plant belongs to one thread. Callbacks must not call back into the plant.
 */
#ifndef OFC_SIM_PLANT_H
#define OFC_SIM_PLANT_H

#include "json_writer.h"
#include "ofc_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plant plant;

/* The topics a plant writes; the Kafka layer maps each role to a configured topic name. */
typedef enum plant_topic {
    PLANT_TOPIC_ASSETS = 0,   /* ofa_assets (topic.assets) */
    PLANT_TOPIC_ASSETS_TABLE, /* ksqlDB ASSETS table sink (topic.assets_table) */
    PLANT_TOPIC_TYPES,        /* assets_types_topic (topic.types) */
    PLANT_TOPIC_AVAIL,        /* assets_avail_topic (topic.avail) */
    PLANT_TOPIC_DOCKER,       /* docker_services_topic */
    PLANT_TOPIC_UNS_MAP,      /* asset_to_uns_map_topic (topic.uns_map) */
    PLANT_TOPIC__COUNT
} plant_topic;

typedef struct plant_header {
    const char *name;
    const char *value;
} plant_header;

/* One record to produce. Every pointer is borrowed and valid only during the callback. */
typedef struct plant_record {
    plant_topic topic;
    const char *key; /* NUL-terminated as well */
    size_t key_len;
    const char *value; /* NULL for a tombstone; NUL-terminated otherwise */
    size_t value_len;
    const plant_header *headers; /* mtc2kafka's agent/instanceID/sequence, else none */
    size_t header_count;
    int64_t timestamp_ms; /* Kafka record timestamp (the observation time) */
    const char *asset;    /* the asset this record is about */
    const char *id;       /* attribute ID for ofa_assets and ASSETS records, else NULL */
} plant_record;

typedef void (*plant_emit_fn)(void *opaque, const plant_record *rec);

typedef struct plant_options {
    size_t devices; /* devices, spread round-robin over the kinds; helpers come on top */
    uint64_t seed;
    /* Virtual records per second: the virtual clock advances 1/rate s per ofa_assets record.
     * Give the real pacing rate so plant time runs like wall time; <= 0 means 1000. */
    double rate;
    /* Every refresh_s virtual seconds each asset publishes what it is again (registration, UNS
     * mapping, methods, current values): a console that starts after a size-capped log dropped
     * the registration (the embedded broker keeps 5 MiB a partition) still learns it. 0 = never. */
    double refresh_s;
} plant_options;

/* Largest --assets accepted. */
#define PLANT_MAX_DEVICES 200000

/* Build a plant; NULL with a message in errstr for bad options. Free with plant_destroy(). */
plant *plant_new(const plant_options *opts, char *errstr, size_t errstr_size);
void plant_destroy(plant *p);

/* The registration burst (docs/sim.md): for every asset its UNS mapping, AssetType,
 * DockerService, UNS attributes, references, methods, metadata, availability and initial
 * values, with the derived table records. Call once, before plant_step(). Returns the number of
 * ofa_assets records emitted. */
size_t plant_register(plant *p, int64_t now_us, plant_emit_fn emit, void *opaque);

/* The live stream: emit up to max ofa_assets records (each with its ASSETS row and derived
 * records), advancing the virtual clock. Returns how many were emitted (max unless every
 * device is down, in which case virtual time still passes). */
size_t plant_step(plant *p, size_t max, int64_t now_us, plant_emit_fn emit, void *opaque);

/* OpenFactory's shutdown for every asset (wire §3.3): avail UNAVAILABLE, tombstones on the
 * types/avail/docker topics, null UNS mapping in lower case, references reset to "". */
size_t plant_deregister(plant *p, int64_t now_us, plant_emit_fn emit, void *opaque);

typedef enum plant_input {
    PLANT_INPUT_IGNORED = 0, /* not for one of our assets, or nothing to do */
    PLANT_INPUT_EXECUTED,    /* a valid <method>_CMD was executed */
    PLANT_INPUT_WRITTEN,     /* a writable variable was set and republished */
    PLANT_INPUT_REJECTED,    /* a command or write for us that was invalid (logged) */
} plant_input;

/* An `ofa_assets` record written by someone else (the caller drops the plant's own records).
 * Commands and writes addressed to our assets are executed and their effects emitted; like
 * ksqlDB, every parseable record for our assets is mirrored into the ASSETS table. why (may be
 * NULL) receives the reason of a rejection. */
plant_input plant_handle_record(plant *p, const void *key, size_t key_len, const void *payload,
                                size_t payload_len, int64_t now_us, plant_emit_fn emit,
                                void *opaque, char *why, size_t why_size);

/* Make the plant a verifying executor: every command must pass the verifier (borrowed; NULL
 * restores upstream behaviour, executing valid unsigned envelopes). Either way each handled
 * command's outcome is reported as the ofc_command_outcome attribute (commander.h). */
struct ofc_verifier;
void plant_set_verifier(plant *p, struct ofc_verifier *verifier);

/* True if key names one of the plant's assets (a cheap filter before parsing). */
bool plant_has_asset(const plant *p, const void *key, size_t key_len);

/* ofa_assets records emitted so far (registration, stream, command effects, deregistration). */
uint64_t plant_produced(const plant *p);
/* Assets including helpers, and one asset's uuid by index (borrowed, valid with the plant). */
size_t plant_asset_count(const plant *p);
const char *plant_asset_uuid(const plant *p, size_t index);
/* Seconds of virtual plant time elapsed. */
double plant_virtual_time(const plant *p);

/* The JSON value last written on ofa_assets for uuid/id as it appears in the truth file
 * (`"AVAILABLE"`, `23.40`, `true`, `null`), copied into buf; false if never written. */
bool plant_last_value(const plant *p, const char *uuid, const char *id, char *buf, size_t size);

/* The ground truth (format ofconsole-sim-truth/1, docs/sim.md) appended to jw. */
void plant_truth_write(const plant *p, json_writer *jw);
/* Write the truth to path atomically (temporary file in the same directory, fsync, rename). */
ofc_err plant_truth_save(const plant *p, const char *path, char *errstr, size_t errstr_size);

#endif
