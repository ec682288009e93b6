/* app_registration: ofconsole as a good OpenFactory citizen (deployment notes §2, §5.2, §5.3).
 *
 * With an application identity (APP_UUID, plus "-<SWARM_TASK_SLOT>" when SWARM_REPLICAS > 1, the
 * SDK's rule) the gateway publishes what the OpenFactory manager and SDK publish for an app:
 * AssetType OpenFactoryApp, DockerService, empty references, application_version /
 * _manufacturer / _license (Events, upstream tags), and `avail` UNAVAILABLE at start, AVAILABLE
 * only once it has caught up with the log. It registers its Prometheus target on
 * metrics_targets_topic. At shutdown it reports UNAVAILABLE, tombstones its metrics target and
 * deregisters as the SDK does (tombstones on the types, availability and docker-services topics,
 * a null UNS mapping in lower case). Re-publishing at every start repairs the SDK's restart gap
 * (a restarted task never re-registers its AssetType upstream).
 *
 * Writes use partitioner=murmur2_random and acks=all (wire §2). Without an identity nothing is
 * published (plain mode).
 */
#ifndef OFC_APP_REGISTRATION_H
#define OFC_APP_REGISTRATION_H

#include "config.h"
#include "ofc_err.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ofc_app ofc_app;

typedef struct ofc_app_info {
    const char *version;      /* application_version (APPLICATION_VERSION or the build's) */
    const char *manufacturer; /* application_manufacturer */
    const char *license;      /* application_license */
    const char *metrics_host; /* host Prometheus can reach; NULL: the asset uuid lower-cased */
    int metrics_port;         /* 0: no metrics target */
    const char *metrics_path; /* "/metrics" */
} ofc_app_info;

/* The asset uuid this process would register as (app.uuid, app.task_slot, app.replicas), into
 * out; false in plain mode (no identity). */
bool ofc_app_identity(const ofc_config *cfg, char *out, size_t size);

/* NULL with *errstr empty in plain mode; NULL with a message on a Kafka error. */
ofc_app *ofc_app_new(const ofc_config *cfg, const ofc_app_info *info, char *errstr,
                     size_t errstr_size);
/* Publishes AssetType, DockerService, references, metadata, avail UNAVAILABLE and the metrics
 * target; waits up to timeout_ms for delivery. */
ofc_err ofc_app_register(ofc_app *app, int timeout_ms, char *errstr, size_t errstr_size);
/* avail AVAILABLE / UNAVAILABLE (once caught up with the log; on trouble). */
ofc_err ofc_app_set_available(ofc_app *app, bool available);
/* UNAVAILABLE, metrics target tombstone, deregistration; flushed within timeout_ms. */
ofc_err ofc_app_shutdown(ofc_app *app, int timeout_ms, char *errstr, size_t errstr_size);
const char *ofc_app_uuid(const ofc_app *app);
void ofc_app_destroy(ofc_app *app);

#endif
