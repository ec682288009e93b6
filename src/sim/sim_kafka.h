/* sim_kafka: runs a virtual plant against Kafka (`ofc sim`).
 *
 * Owns one producer (murmur2_random on every keyed write, idempotent, lz4, small linger) and one
 * consumer that follows `ofa_assets` live for commands, by manual assignment of every partition
 * from the end with a group id unique to this instance and no commits, so it never joins or
 * disturbs a service's consumer group (wire §9). One loop, one thread: a token bucket paces the
 * stream in ticks of a few milliseconds, delivery reports and commands are served each tick, and
 * the truth file is refreshed every 2 s and written last after the final flush.
 */
#ifndef OFC_SIM_KAFKA_H
#define OFC_SIM_KAFKA_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_run_options {
    size_t devices;               /* --assets */
    uint64_t seed;                /* --seed */
    double rate;                  /* --rate: ofa_assets records/s; 0 = as fast as possible */
    double refresh_s;             /* --refresh: publish every asset again this often; 0 never */
    uint64_t count;               /* --count: stop after this many ofa_assets records; 0 = never */
    int64_t duration_us;          /* --duration; 0 = until stopped */
    const char *truth_path;       /* --truth-file or NULL */
    bool deregister_on_exit;      /* --deregister-on-exit */
    int64_t connect_timeout_us;   /* give up when the cluster does not answer at start */
    const char *trust_path;       /* --trust: verify every command against this trust store */
    bool (*stop_requested)(void); /* polled every tick (the CLI's signal flag) */
    bool (*stop_insisted)(void);  /* a second signal: stop delivering at once (may be NULL) */
} sim_run_options;

/* Run until --count, --duration or stop_requested(). Returns the process exit status: 0 on a
 * clean stop with every record acknowledged, 1 on an unreachable cluster, undelivered records
 * or an unwritable truth file (each explained on stderr through log.h). cfg is borrowed. */
int sim_kafka_run(const ofc_config *cfg, const sim_run_options *opts);

#endif
