/* web_metrics: /metrics in the Prometheus text format (version 0.0.4). Names follow
 * Prometheus conventions: ofc_ prefix, _total for counters, base units (bytes, seconds). */
#include "web_internal.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const refuse_labels[] = {
#define WEB_REFUSE_LABEL(name, label) label,
    WEB_REFUSE_LIST(WEB_REFUSE_LABEL)
#undef WEB_REFUSE_LABEL
};

static const char *const close_labels[] = {
#define WEB_CLOSE_LABEL(name, label) label,
    WEB_CLOSE_LIST(WEB_CLOSE_LABEL)
#undef WEB_CLOSE_LABEL
};

static void metric(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static long resident_bytes(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

char *web_metrics__render(web_server *srv, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        abort();
    const ofc_feed_status *st = ofc_feed_get_status(srv->feed);
    const web_hub_stats *hs = web_hub_get_stats(srv->hub);

    metric(f, "ofc_broker_connected", "gauge", "1 while a Kafka broker connection is up");
    fprintf(f, "ofc_broker_connected %d\n", st->connected ? 1 : 0);
    metric(f, "ofc_caught_up", "gauge", "1 once every partition was read to its end");
    fprintf(f, "ofc_caught_up %d\n", st->caught_up ? 1 : 0);
    metric(f, "ofc_records_per_second", "gauge", "records applied per second, last second");
    fprintf(f, "ofc_records_per_second %.3f\n", st->records_per_s);
    metric(f, "ofc_records_total", "counter", "records read (accepted and rejected)");
    fprintf(f, "ofc_records_total %llu\n", (unsigned long long)st->records);
    metric(f, "ofc_consumer_lag", "gauge", "records behind the high watermarks (-1 unknown)");
    fprintf(f, "ofc_consumer_lag %lld\n", (long long)st->lag);
    metric(f, "ofc_rejected_records_total", "counter", "records rejected, by reason");
    for (int r = 1; r < OFC_REJECT__COUNT; r++)
        fprintf(f, "ofc_rejected_records_total{reason=\"%s\"} %llu\n",
                ofc_reject_name((ofc_reject)r), (unsigned long long)st->rejected_by[r]);
    metric(f, "ofc_partitions", "gauge", "partitions assigned");
    fprintf(f, "ofc_partitions %zu\n", st->partitions);

    metric(f, "ofc_model_assets", "gauge", "assets in the model");
    fprintf(f, "ofc_model_assets %zu\n", ofc_model_asset_count(srv->model));
    metric(f, "ofc_model_attributes", "gauge", "attributes in the model");
    fprintf(f, "ofc_model_attributes %zu\n", ofc_model_attr_count(srv->model));
    metric(f, "ofc_alarms_active", "gauge", "active warning and fault conditions");
    fprintf(f, "ofc_alarms_active %zu\n", ofc_model_active_conditions(srv->model));

    metric(f, "ofc_web_clients", "gauge", "WebSocket clients connected");
    fprintf(f, "ofc_web_clients %zu\n", srv->live_count);
    metric(f, "ofc_web_subscriptions", "gauge", "distinct subscriptions (UNS prefixes) followed");
    fprintf(f, "ofc_web_subscriptions %zu\n", hs->channels);
    metric(f, "ofc_web_connections_total", "counter", "WebSocket connections accepted");
    fprintf(f, "ofc_web_connections_total %llu\n", (unsigned long long)srv->counters.ws_accepted);
    metric(f, "ofc_web_refused_total", "counter", "requests and upgrades refused, by reason");
    for (int i = 0; i < WEB_REFUSE__COUNT; i++)
        fprintf(f, "ofc_web_refused_total{reason=\"%s\"} %llu\n", refuse_labels[i],
                (unsigned long long)srv->counters.refused[i]);
    metric(f, "ofc_web_closed_total", "counter", "WebSockets closed by the server, by reason");
    for (int i = 0; i < WEB_CLOSE__COUNT; i++)
        fprintf(f, "ofc_web_closed_total{reason=\"%s\"} %llu\n", close_labels[i],
                (unsigned long long)srv->counters.closed[i]);
    metric(f, "ofc_web_logins_total", "counter", "login attempts, by result");
    fprintf(f, "ofc_web_logins_total{result=\"ok\"} %llu\n",
            (unsigned long long)srv->counters.logins_ok);
    fprintf(f, "ofc_web_logins_total{result=\"failed\"} %llu\n",
            (unsigned long long)srv->counters.logins_failed);
    metric(f, "ofc_web_http_requests_total", "counter", "HTTP requests to dynamic routes");
    fprintf(f, "ofc_web_http_requests_total %llu\n",
            (unsigned long long)srv->counters.http_requests);
    metric(f, "ofc_web_client_messages_total", "counter", "messages received from clients");
    fprintf(f, "ofc_web_client_messages_total %llu\n",
            (unsigned long long)srv->counters.client_messages);
    metric(f, "ofc_web_sent_bytes_total", "counter", "WebSocket payload bytes sent");
    fprintf(f, "ofc_web_sent_bytes_total %llu\n", (unsigned long long)hs->bytes);
    metric(f, "ofc_web_sent_messages_total", "counter", "WebSocket messages sent");
    fprintf(f, "ofc_web_sent_messages_total %llu\n", (unsigned long long)hs->messages);
    metric(f, "ofc_web_sent_frames_total", "counter", "WebSocket frames sent");
    fprintf(f, "ofc_web_sent_frames_total %llu\n", (unsigned long long)hs->frames);
    metric(f, "ofc_web_deltas_total", "counter", "delta messages made (one per subscription)");
    fprintf(f, "ofc_web_deltas_total %llu\n", (unsigned long long)hs->deltas);
    metric(f, "ofc_web_delta_bytes_total", "counter", "bytes of delta messages made");
    fprintf(f, "ofc_web_delta_bytes_total %llu\n", (unsigned long long)hs->delta_bytes);
    metric(f, "ofc_web_snapshots_total", "counter", "snapshots sent");
    fprintf(f, "ofc_web_snapshots_total %llu\n", (unsigned long long)hs->snapshots);
    metric(f, "ofc_web_resyncs_total", "counter", "fresh snapshots instead of a backlog, by cause");
    fprintf(f, "ofc_web_resyncs_total{cause=\"behind\"} %llu\n",
            (unsigned long long)hs->resyncs_behind);
    fprintf(f, "ofc_web_resyncs_total{cause=\"asked\"} %llu\n",
            (unsigned long long)hs->resyncs_asked);
    metric(f, "ofc_web_ring_dropped_total", "counter", "deltas dropped over a ring's budget");
    fprintf(f, "ofc_web_ring_dropped_total %llu\n", (unsigned long long)hs->ring_dropped);
    metric(f, "ofc_web_ring_bytes", "gauge", "bytes of deltas held for slow clients");
    fprintf(f, "ofc_web_ring_bytes %zu\n", hs->ring_bytes);
    web_command__metrics(srv, f);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    metric(f, "process_cpu_seconds_total", "counter", "user and system CPU time");
    fprintf(f, "process_cpu_seconds_total %.3f\n",
            (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    metric(f, "process_resident_memory_bytes", "gauge", "resident memory");
    fprintf(f, "process_resident_memory_bytes %ld\n", resident_bytes());
    metric(f, "process_start_time_seconds", "gauge", "start time, seconds since the epoch");
    fprintf(f, "process_start_time_seconds %lld\n", (long long)(srv->started_us / 1000000));
    fclose(f);
    *len = size;
    return buf;
}
