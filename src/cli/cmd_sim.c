/* cmd_sim: `ofc sim`, a virtual OpenFactory plant producing to any Kafka (docs/sim.md).
 *
 * Only option parsing and help live here; the plant is src/sim/plant*.c and the Kafka loop
 * src/sim/sim_kafka.c.
 */
#include "cli_common.h"
#include "commands.h"
#include "plant.h"
#include "sim_kafka.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_ASSETS = 256,
    OPT_RATE,
    OPT_COUNT,
    OPT_SEED,
    OPT_DURATION,
    OPT_TRUTH,
    OPT_DEREGISTER,
    OPT_TRUST,
    OPT_CONNECT_TIMEOUT,
    OPT_REFRESH,
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ofc sim [options]\n\n"
            "Run a virtual OpenFactory plant that produces to Kafka, embedded (`ofc broker`) or\n"
            "real: temperature sensors, event generators and CNCs over MTConnect (each with its\n"
            "-AGENT and -PRODUCER helper assets), DHT sensors, barcode readers and PID\n"
            "temperature controllers over OPC UA. It registers every asset (types, availability,\n"
            "UNS map, ASSETS table), streams values, raises and clears conditions, takes assets\n"
            "off line now and then, and executes the commands it is sent. See docs/sim.md.\n\n"
            "options:\n"
            "  --assets N             devices to simulate, spread round-robin over the 6 kinds\n"
            "                         (default 12, at most %d); MTConnect devices add 2 helpers\n"
            "  --rate R               ofa_assets records per second in total (default 50;\n"
            "                         0 = as fast as the cluster takes them)\n"
            "  --count N              stop after N ofa_assets records, registration included\n"
            "                         (the registration burst is always completed)\n"
            "  --duration D           stop after D, e.g. 30s, 5m, 1h30m\n"
            "  --seed S               seed of the plant's random numbers (default 1): the same\n"
            "                         seed and options give the same assets, ids and values\n"
            "  --truth-file PATH      write the plant's ground truth as JSON to PATH every 2 s\n"
            "                         and, last, after every record was acknowledged on exit\n"
            "  --deregister-on-exit   on exit, remove the plant as OpenFactory's shutdown does\n"
            "                         (avail UNAVAILABLE, tombstones, null UNS mappings)\n"
            "  --trust FILE           act as a verifying executor: run only commands signed by a\n"
            "                         key in this trust store and allowed by its policy\n"
            "                         (docs/command-signing.md); without it, unsigned commands\n"
            "                         run as upstream OpenFactory executors run them. Every\n"
            "                         outcome is reported as the ofc_command_outcome attribute\n"
            "  --connect-timeout D    give up when Kafka does not answer within D at start\n"
            "                         (default 10s)\n"
            "  --refresh D            publish every asset again (registration, methods, values)\n"
            "                         every D of plant time (default 5m; 0 never), so consoles\n"
            "                         started later learn it even from a size-capped log\n"
            "%s\n"
            "Stops cleanly on SIGINT/SIGTERM (exit 0); exits 1 if Kafka is unreachable, a record\n"
            "could not be delivered or the truth file could not be written.\n",
            PLANT_MAX_DEVICES, CLI_COMMON_HELP);
}

static bool parse_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
        fprintf(stderr,
                "ofc sim: %s expects an integer from %" PRIu64 " to %" PRIu64 ", got \"%s\"\n", opt,
                min, max, arg);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_duration(const char *opt, const char *arg, int64_t *us)
{
    if (!ofc_duration_parse(arg, us) || *us <= 0) {
        fprintf(stderr, "ofc sim: %s expects a duration such as 30s, 5m or 1h30m, got \"%s\"\n",
                opt, arg);
        return false;
    }
    return true;
}

int cmd_sim(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"assets", required_argument, NULL, OPT_ASSETS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"count", required_argument, NULL, OPT_COUNT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"truth-file", required_argument, NULL, OPT_TRUTH},
        {"deregister-on-exit", no_argument, NULL, OPT_DEREGISTER},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"refresh", required_argument, NULL, OPT_REFRESH},
        {NULL, 0, NULL, 0},
    };
    sim_run_options o = {
        .devices = 12,
        .seed = 1,
        .rate = 50.0,
        .connect_timeout_us = 10 * 1000000LL,
        .refresh_s = 300,
        .stop_requested = cli_stop_requested,
        .stop_insisted = cli_stop_insisted,
    };
    cli_ctx ctx;
    if (!cli_ctx_init(&ctx, argc, argv))
        return 2;
    cli_getopt_reset();
    int opt, status = 2;
    uint64_t u;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int common = cli_handle_common(&ctx, opt, optarg);
        if (common < 0)
            goto out;
        if (common > 0)
            continue;
        switch (opt) {
        case OPT_ASSETS:
            if (!parse_u64("--assets", optarg, 1, PLANT_MAX_DEVICES, &u))
                goto out;
            o.devices = (size_t)u;
            break;
        case OPT_RATE: {
            char *end;
            errno = 0;
            o.rate = strtod(optarg, &end);
            if (errno || end == optarg || *end || !isfinite(o.rate) || o.rate < 0 ||
                o.rate > 10000000) {
                fprintf(stderr,
                        "ofc sim: --rate expects records per second from 0 to 10000000, got "
                        "\"%s\"\n",
                        optarg);
                goto out;
            }
            break;
        }
        case OPT_COUNT:
            if (!parse_u64("--count", optarg, 1, UINT64_MAX, &o.count))
                goto out;
            break;
        case OPT_SEED:
            if (!parse_u64("--seed", optarg, 0, UINT64_MAX, &o.seed))
                goto out;
            break;
        case OPT_DURATION:
            if (!parse_duration("--duration", optarg, &o.duration_us))
                goto out;
            break;
        case OPT_TRUTH: o.truth_path = optarg; break;
        case OPT_DEREGISTER: o.deregister_on_exit = true; break;
        case OPT_TRUST: o.trust_path = optarg; break;
        case OPT_CONNECT_TIMEOUT:
            if (!parse_duration("--connect-timeout", optarg, &o.connect_timeout_us))
                goto out;
            break;
        case OPT_REFRESH: {
            int64_t us;
            if (strcmp(optarg, "0") == 0)
                us = 0;
            else if (!parse_duration("--refresh", optarg, &us))
                goto out;
            o.refresh_s = (double)us / 1e6;
            break;
        }
        default: usage(stderr); goto out;
        }
    }
    if (ctx.help) {
        usage(stdout);
        status = 0;
        goto out;
    }
    if (optind < argc) {
        fprintf(stderr, "ofc sim: unexpected argument \"%s\"\n", argv[optind]);
        goto out;
    }
    cli_install_stop_signals();
    status = sim_kafka_run(ctx.cfg, &o);
out:
    cli_ctx_fini(&ctx);
    return status;
}
