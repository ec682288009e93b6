/* ofc snapshot: read every partition up to its high watermark, print the model as JSON, exit.
 * The plain-data view for scripts and tests; format in docs/snapshot-format.md. */
#include "cli_common.h"
#include "commands.h"
#include "plant_session.h"
#include "snapshot_json.h"
#include "timeutil.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: ofc snapshot -b BROKERS [options]\n\n"
                 "Read OpenFactory's topics up to their current end, print the whole plant as one\n"
                 "JSON document (format ofconsole-snapshot/1) on stdout and exit.\n\n"
                 "options:\n"
                 "  --uns PREFIX           only the UNS subtree under PREFIX ('(unmapped)' for\n"
                 "                         assets without a UNS path)\n"
                 "  --history              include the trend points of Samples\n"
                 "  --include-removed      include deregistered assets\n"
                 "  --timeout DURATION     give up if not caught up by then (default 60s)\n"
                 "  --allow-partial        on timeout print what was read (\"complete\": "
                 "false)\n" CLI_START_HELP CLI_COMMON_HELP
                 "\nexit status: 0 ok, 1 error, 2 usage, 3 timed out or no ofa_assets topic\n");
}

int cmd_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"uns", required_argument, NULL, 'u'},
        {"history", no_argument, NULL, 'H'},
        {"include-removed", no_argument, NULL, 'R'},
        {"timeout", required_argument, NULL, 't'},
        {"allow-partial", no_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    cli_ctx ctx;
    ofc_snapshot_opts opts = {NULL, false, false};
    int64_t timeout_us = 60 * 1000000LL;
    bool allow_partial = false;
    int opt, rc = 1;

    if (!cli_ctx_init(&ctx, argc, argv))
        return 1;
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int h = cli_handle_common(&ctx, opt, optarg);
        if (h < 0) {
            rc = 2;
            goto out;
        }
        if (h > 0)
            continue;
        switch (opt) {
        case 'u': opts.uns_prefix = optarg; break;
        case 'H': opts.include_history = true; break;
        case 'R': opts.include_removed = true; break;
        case 'P': allow_partial = true; break;
        case 't':
            if (!ofc_duration_parse(optarg, &timeout_us)) {
                fprintf(stderr, "ofc snapshot: --timeout expects a duration such as 30s\n");
                rc = 2;
                goto out;
            }
            break;
        default:
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "snapshot", usage)) >= 0)
        goto out;
    rc = 1;

    cli_install_stop_signals();
    plant_session ps;
    if (!plant_session_open(&ps, ctx.cfg, "snapshot"))
        goto out;
    int64_t deadline = ofc_time_mono_us() + timeout_us;
    const ofc_feed_status *st = ofc_feed_get_status(ps.feed);
    while (!st->caught_up && !cli_stop_requested() && ofc_time_mono_us() < deadline)
        ofc_loop_run_once(ps.loop, 100);
    ofc_model_flush(ps.model);
    ofc_feed_tick(ps.feed); /* current lag and rates for the status section */
    if (cli_stop_requested()) {
        rc = 128 + cli_stop_signal();
    } else if (!st->caught_up && !allow_partial) {
        fprintf(stderr, "ofc snapshot: not caught up after the timeout (%s%s%s)\n",
                st->connected ? "connected" : "broker not reachable", st->last_error[0] ? ": " : "",
                st->last_error);
        for (size_t i = 0; i < ofc_feed_partition_count(ps.feed); i++) {
            ofc_feed_topic t;
            int32_t p;
            int64_t next, end;
            ofc_feed_partition_at(ps.feed, i, &t, &p, &next, &end);
            if (next < end)
                fprintf(stderr, "  %s [%d]: at offset %lld of %lld\n",
                        ofc_feed_topic_name(ps.feed, t), (int)p, (long long)next, (long long)end);
        }
        rc = 3;
    } else {
        json_writer jw;
        jw_init(&jw);
        ofc_snapshot_write(&jw, ps.model, ps.feed, &opts);
        jw_append(&jw, "\n", 1);
        rc = fwrite(jw.buf, 1, jw.len, stdout) == jw.len && fflush(stdout) == 0 ? 0 : 1;
        jw_fini(&jw);
        if (rc == 0 && !st->caught_up)
            rc = 3;
        /* No ofa_assets at all is not an empty plant but the wrong cluster or a misspelt name:
         * say so, and do not let a script take it for success. */
        if (st->topic_missing[OFC_FEED_ASSETS]) {
            fprintf(stderr,
                    "ofc snapshot: topic %s does not exist on this cluster: not an OpenFactory "
                    "cluster, or topic.assets is misspelt\n",
                    ofc_feed_topic_name(ps.feed, OFC_FEED_ASSETS));
            if (rc == 0)
                rc = 3;
        }
    }
    plant_session_close(&ps);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
