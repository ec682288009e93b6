/* bench_parse: ns per record for ofa_parse_event against jansson's json_loadb.
 *
 * The records are the producer variants of wire §3.1 (~210 bytes each, as on a real plant),
 * parsed round-robin so branch predictors see the mix a replay sees. jansson is timed doing the
 * least it could on the ingest path: json_loadb with JSON_REJECT_DUPLICATES, then json_decref
 * (no field lookups), so the ratio understates what a jansson-based ingest would cost.
 *
 * Not registered in CMake (bench/CMakeLists.txt is someone else's); built and run with:
 *   gcc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Isrc/core bench/bench_parse.c \
 *       src/core/json_scan.c src/core/ofa_record.c src/core/ofc_err.c src/core/xmalloc.c \
 *       src/core/timeutil.c -ljansson -o /tmp/bench_parse && /tmp/bench_parse [seconds]
 * Measured on the project's 2-core EPYC VM (median of three 1 s runs): ofa_parse_event ~156 ns,
 * json_loadb ~2600 ns, ratio ~16.7x.
 */
#include "ofa_record.h"
#include "timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
    const char *key;
    const char *json;
    size_t len;
} rec;

static rec records[] = {
    {"VIRTUAL-OPCUA-TEMP-CTRL",
     "{\"ID\": \"setpoint\", \"VALUE\": 65.0, \"TAG\": \"SetPoint\", \"TYPE\": \"Samples\", "
     "\"attributes\": {\"timestamp\": \"2026-08-10T09:15:01.208Z\", \"ingestion_timestamp\": "
     "\"2026-08-10T09:15:01.214Z\"}}",
     0},
    {"VIRTUAL-TEMP-SENS-001",
     "{\"id\": \"Temp\", \"tag\": \"{urn:mtconnect.org:MTConnectStreams:2.2}Temperature\", "
     "\"type\": \"Samples\", \"attributes\": {\"timestamp\": \"2026-08-10T09:15:01.208311Z\", "
     "\"name\": \"Temp\", \"subType\": \"ACTUAL\"}, \"value\": \"104.37\"}",
     0},
    {"PROVER3018",
     "{\"id\": \"motion\", \"tag\": \"{urn:mtconnect.org:MTConnectStreams:2.2}Fault\", \"type\": "
     "\"Condition\", \"attributes\": {\"timestamp\": \"2026-08-10T09:15:03.004112Z\", "
     "\"type_mtc\": \"MOTION_PROGRAM\", \"nativeCode\": \"ALARM:2\"}, \"value\": \"Soft limit "
     "exceeded\"}",
     0},
    {"OPCUA-SENSOR-001",
     "{\"ID\": \"temp\", \"VALUE\": 23.71, \"TAG\": \"Temperature\", \"TYPE\": \"Samples\", "
     "\"attributes\": {\"timestamp\": \"2026-08-10T09:15:01.208Z\", \"ingestion_timestamp\": "
     "\"2026-08-10T09:15:01.214Z\"}}",
     0},
    {"VIRTUAL-BARCODE-READER",
     "{\"ID\": \"last_code\", \"VALUE\": \"400638133393\", \"TAG\": \"LastCode\", \"TYPE\": "
     "\"Events\", \"attributes\": {\"timestamp\": \"2026-08-10T09:15:02.417Z\", "
     "\"ingestion_timestamp\": \"2026-08-10T09:15:02.420Z\"}}",
     0},
};
#define NREC (sizeof records / sizeof records[0])

static double run_ours(ofa_parser *ps, long iters)
{
    ofa_event ev;
    int64_t sum = 0;
    int64_t t0 = ofc_time_mono_us();
    for (long i = 0; i < iters; i++) {
        const rec *r = &records[(size_t)i % NREC];
        if (ofa_parse_event(ps, r->key, strlen(r->key), r->json, r->len, &ev) != OFC_REJECT_NONE)
            abort();
        sum += ev.timestamp_us + (int64_t)ev.value.len;
    }
    int64_t t1 = ofc_time_mono_us();
    if (sum == 42)
        puts("");
    return (double)(t1 - t0) * 1000.0 / (double)iters;
}

static double run_jansson(long iters)
{
    json_error_t err;
    int64_t t0 = ofc_time_mono_us();
    for (long i = 0; i < iters; i++) {
        const rec *r = &records[(size_t)i % NREC];
        json_t *j = json_loadb(r->json, r->len, JSON_REJECT_DUPLICATES, &err);
        if (!j)
            abort();
        json_decref(j);
    }
    int64_t t1 = ofc_time_mono_us();
    return (double)(t1 - t0) * 1000.0 / (double)iters;
}

static double median3(double a, double b, double c)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b > c)
        b = c;
    return a > b ? a : b;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    size_t total = 0;
    for (size_t i = 0; i < NREC; i++) {
        records[i].len = strlen(records[i].json);
        total += records[i].len;
    }
    ofa_parser *ps = ofa_parser_new(NULL);

    /* Calibrate the iteration counts to about `seconds` per run. */
    long ours_iters = 100000, jansson_iters = 10000;
    double ns = run_ours(ps, ours_iters);
    ours_iters = (long)(seconds * 1e9 / ns) + 1;
    ns = run_jansson(jansson_iters);
    jansson_iters = (long)(seconds * 1e9 / ns) + 1;

    double o[3], j[3];
    for (int i = 0; i < 3; i++) {
        o[i] = run_ours(ps, ours_iters);
        j[i] = run_jansson(jansson_iters);
    }
    double om = median3(o[0], o[1], o[2]), jm = median3(j[0], j[1], j[2]);
    printf("records: %zu variants, mean %zu bytes\n", NREC, total / NREC);
    printf("ofa_parse_event: %.1f ns/record (%.2f M records/s)\n", om, 1e3 / om);
    printf("jansson json_loadb+decref: %.1f ns/record (%.2f M records/s)\n", jm, 1e3 / jm);
    printf("ratio jansson/ofa_parse_event: %.1fx\n", jm / om);
    ofa_parser_destroy(ps);
    return 0;
}
