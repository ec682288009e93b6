/* app_registration: the records an OpenFactory app writes about itself, produced with the
 * manager's and SDK's exact field values (deployment notes §2.1-§2.4). */
#include "app_registration.h"

#include "json_writer.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ofc_app {
    rd_kafka_t *rk;
    char uuid[256];
    char docker_service[256];
    char *topic_assets, *topic_types, *topic_avail, *topic_docker, *topic_uns, *topic_metrics;
    ofc_app_info info;
    char *version, *manufacturer, *license, *metrics_host, *metrics_path;
    int failures; /* delivery failures */
};

bool ofc_app_identity(const ofc_config *cfg, char *out, size_t size)
{
    const char *uuid = ofc_config_get(cfg, "app.uuid");
    if (!*uuid)
        return false;
    int64_t slot = ofc_config_get_int(cfg, "app.task_slot");
    int64_t replicas = ofc_config_get_int(cfg, "app.replicas");
    /* The SDK's rule: replicas register as <uuid>-<slot> (deployment notes §1.4). */
    if (replicas > 1 && slot > 0)
        snprintf(out, size, "%s-%lld", uuid, (long long)slot);
    else
        snprintf(out, size, "%s", uuid);
    return true;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    ofc_app *app = opaque;
    if (m->err) {
        app->failures++;
        ofc_log_warn("app registration: a record was not delivered: %s", rd_kafka_err2str(m->err));
    }
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    ofc_log(level <= 4 ? OFC_LOG_INFO : OFC_LOG_DEBUG, "librdkafka %s: %s", fac, buf);
}

ofc_app *ofc_app_new(const ofc_config *cfg, const ofc_app_info *info, char *errstr,
                     size_t errstr_size)
{
    char uuid[256], rderr[512];
    if (errstr_size)
        errstr[0] = '\0';
    if (!ofc_app_identity(cfg, uuid, sizeof uuid))
        return NULL;
    ofc_app *app = xcalloc(1, sizeof *app);
    snprintf(app->uuid, sizeof app->uuid, "%s", uuid);
    for (size_t i = 0; uuid[i] && i + 1 < sizeof app->docker_service; i++)
        app->docker_service[i] = (char)(uuid[i] >= 'A' && uuid[i] <= 'Z' ? uuid[i] + 32 : uuid[i]);
    app->topic_assets = xstrdup(ofc_config_get(cfg, "topic.assets"));
    app->topic_types = xstrdup(ofc_config_get(cfg, "topic.types"));
    app->topic_avail = xstrdup(ofc_config_get(cfg, "topic.avail"));
    app->topic_docker = xstrdup(ofc_config_get(cfg, "topic.docker_services"));
    app->topic_uns = xstrdup(ofc_config_get(cfg, "topic.uns_map"));
    app->topic_metrics = xstrdup(ofc_config_get(cfg, "topic.metrics_targets"));
    app->version = xstrdup(info && info->version ? info->version : OFC_VERSION);
    app->manufacturer = xstrdup(info && info->manufacturer ? info->manufacturer : "ofconsole");
    app->license = xstrdup(info && info->license ? info->license : "MIT");
    app->metrics_host =
        xstrdup(info && info->metrics_host ? info->metrics_host : app->docker_service);
    app->metrics_path = xstrdup(info && info->metrics_path ? info->metrics_path : "/metrics");
    app->info.metrics_port = info ? info->metrics_port : 0;

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    static const char *const defaults[][2] = {
        {"partitioner", "murmur2_random"},
        {"acks", "all"},
        {"linger.ms", "5"},
        {"message.timeout.ms", "8000"},
        {"enable.idempotence", "true"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], rderr, sizeof rderr);
    if (ofc_config_apply_kafka(cfg, conf, errstr, errstr_size) != OFC_OK) {
        rd_kafka_conf_destroy(conf);
        ofc_app_destroy(app);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, app);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    app->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rderr, sizeof rderr);
    if (!app->rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errstr_size, "kafka producer: %s", rderr);
        ofc_app_destroy(app);
        return NULL;
    }
    return app;
}

void ofc_app_destroy(ofc_app *app)
{
    if (!app)
        return;
    if (app->rk) {
        rd_kafka_flush(app->rk, 2000);
        rd_kafka_destroy(app->rk);
    }
    free(app->topic_assets);
    free(app->topic_types);
    free(app->topic_avail);
    free(app->topic_docker);
    free(app->topic_uns);
    free(app->topic_metrics);
    free(app->version);
    free(app->manufacturer);
    free(app->license);
    free(app->metrics_host);
    free(app->metrics_path);
    free(app);
}

const char *ofc_app_uuid(const ofc_app *app)
{
    return app->uuid;
}

static void produce(ofc_app *app, const char *topic, const char *value, size_t len)
{
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(
                app->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(app->uuid, strlen(app->uuid)),
                RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(app->rk, 10);
    if (err) {
        app->failures++;
        ofc_log_warn("app registration: %s: %s", topic, rd_kafka_err2str(err));
    }
    rd_kafka_poll(app->rk, 0);
}

/* One ofa_assets record in the SDK's shape (upper-case fields, ms timestamp). */
static void attribute(ofc_app *app, const char *id, const char *value, const char *tag,
                      const char *type)
{
    char ts[40];
    json_writer jw;
    ofc_time_format_iso(ofc_time_now_us(), 3, ts, sizeof ts);
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "ID");
    jw_string(&jw, id);
    jw_key(&jw, "VALUE");
    jw_string(&jw, value);
    jw_key(&jw, "TAG");
    jw_string(&jw, tag);
    jw_key(&jw, "TYPE");
    jw_string(&jw, type);
    jw_key(&jw, "attributes");
    jw_object_begin(&jw);
    jw_key(&jw, "timestamp");
    jw_string(&jw, ts);
    jw_object_end(&jw);
    jw_object_end(&jw);
    produce(app, app->topic_assets, jw.buf, jw.len);
    jw_fini(&jw);
}

static ofc_err flush(ofc_app *app, int timeout_ms, char *errstr, size_t errstr_size)
{
    rd_kafka_resp_err_t err = rd_kafka_flush(app->rk, timeout_ms);
    if (err || app->failures) {
        snprintf(errstr, errstr_size, "%s",
                 err ? rd_kafka_err2str(err) : "some registration records were not delivered");
        app->failures = 0;
        return OFC_ERR_KAFKA;
    }
    return OFC_OK;
}

ofc_err ofc_app_register(ofc_app *app, int timeout_ms, char *errstr, size_t errstr_size)
{
    /* What the manager writes at deploy (register_asset), then what the SDK app writes. */
    attribute(app, "AssetType", "OpenFactoryApp", "AssetType", "OpenFactory");
    attribute(app, "DockerService", app->docker_service, "DockerService", "OpenFactory");
    attribute(app, "references_below", "", "AssetsReferences", "OpenFactory");
    attribute(app, "references_above", "", "AssetsReferences", "OpenFactory");
    attribute(app, "avail", "UNAVAILABLE", "Availability", "Events");
    attribute(app, "application_version", app->version, "Application.Version", "Events");
    attribute(app, "application_manufacturer", app->manufacturer, "Application.Manufacturer",
              "Events");
    attribute(app, "application_license", app->license, "Application.License", "Events");
    if (app->info.metrics_port > 0) {
        json_writer jw;
        jw_init(&jw);
        jw_object_begin(&jw);
        jw_key(&jw, "HOST");
        jw_string(&jw, app->metrics_host);
        jw_key(&jw, "PORT");
        jw_int(&jw, app->info.metrics_port); /* the table's column is an INTEGER */
        jw_key(&jw, "PATH");
        jw_string(&jw, app->metrics_path);
        jw_object_end(&jw);
        produce(app, app->topic_metrics, jw.buf, jw.len);
        jw_fini(&jw);
    }
    return flush(app, timeout_ms, errstr, errstr_size);
}

ofc_err ofc_app_set_available(ofc_app *app, bool available)
{
    attribute(app, "avail", available ? "AVAILABLE" : "UNAVAILABLE", "Availability", "Events");
    return OFC_OK;
}

static void tombstone(ofc_app *app, const char *topic)
{
    produce(app, topic, NULL, 0);
}

ofc_err ofc_app_shutdown(ofc_app *app, int timeout_ms, char *errstr, size_t errstr_size)
{
    /* The SDK's shutdown(): UNAVAILABLE first, then deregister_asset (deployment notes §2.4). */
    attribute(app, "avail", "UNAVAILABLE", "Availability", "Events");
    if (app->info.metrics_port > 0)
        tombstone(app, app->topic_metrics);
    attribute(app, "references_below", "", "AssetsReferences", "OpenFactory");
    attribute(app, "references_above", "", "AssetsReferences", "OpenFactory");
    tombstone(app, app->topic_types);
    tombstone(app, app->topic_avail);
    tombstone(app, app->topic_docker);
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "asset_uuid");
    jw_string(&jw, app->uuid);
    jw_key(&jw, "uns_id");
    jw_null(&jw);
    jw_key(&jw, "uns_levels");
    jw_null(&jw);
    jw_key(&jw, "updated_at");
    jw_int(&jw, ofc_time_now_us() / 1000);
    jw_object_end(&jw);
    produce(app, app->topic_uns, jw.buf, jw.len);
    jw_fini(&jw);
    return flush(app, timeout_ms, errstr, errstr_size);
}
