/* ofc verify: check OpenFactory command records against a trust store, from Kafka or stdin, and
 * print one verdict per command. The gateway's or auditor's view of who asked for what. */
#include "cli_common.h"
#include "commands.h"
#include "json_writer.h"
#include "plant_session.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct verify_ctx {
    ofc_verifier *verifier;
    ofc_model *model; /* for UNS paths of targets; NULL when reading stdin */
    bool json;
    bool at_record_time; /* judge the time window at the record's Kafka time (audit) */
    uint64_t counts[OFC_VERDICT__COUNT];
    json_writer jw;
} verify_ctx;

static void report(verify_ctx *vc, ofc_verdict v, const ofc_command_info *info,
                   const ofc_origin *origin)
{
    vc->counts[v]++;
    char ts[40] = "-";
    if (info->timestamp_us)
        ofc_time_format_iso(info->timestamp_us, 3, ts, sizeof ts);
    if (!vc->json) {
        printf("%s %s %s %s %s %s", ts, ofc_verdict_name(v), info->sender ? info->sender : "-",
               info->target ? info->target : "-", info->method ? info->method : "-",
               info->correlation_id ? info->correlation_id : "-");
        if (v == OFC_VERDICT_POLICY_DENIED)
            printf(" (%s)", ofc_policy_str(info->policy));
        if (info->reason && *info->reason)
            printf(" reason=\"%s\"", info->reason);
        printf("\n");
        return;
    }
    json_writer *jw = &vc->jw;
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "verdict");
    jw_string(jw, ofc_verdict_name(v));
    jw_key(jw, "why");
    jw_string(jw,
              v == OFC_VERDICT_POLICY_DENIED ? ofc_policy_str(info->policy) : ofc_verdict_str(v));
#define STR_FIELD(name, val) \
    jw_key(jw, name);        \
    if (val)                 \
        jw_string(jw, val);  \
    else                     \
        jw_null(jw)
    STR_FIELD("operator", info->sender);
    STR_FIELD("key_id", info->key_id);
    STR_FIELD("target", info->target);
    STR_FIELD("method", info->method);
    STR_FIELD("correlation_id", info->correlation_id);
    STR_FIELD("timestamp", info->timestamp);
    STR_FIELD("reason", info->reason);
#undef STR_FIELD
    jw_key(jw, "arguments");
    jw_object_begin(jw);
    for (size_t i = 0; i < info->arg_count; i++) {
        jw_key(jw, info->arg_names[i]);
        jw_string(jw, info->arg_values[i]);
    }
    jw_object_end(jw);
    if (origin) {
        jw_key(jw, "partition");
        jw_int(jw, origin->partition);
        jw_key(jw, "offset");
        jw_int(jw, origin->offset);
    }
    jw_object_end(jw);
    printf("%s\n", jw->buf);
}

static bool looks_like_command(const void *value, size_t len)
{
    /* Cheap pre-filter before a full parse: every command record names an ID ending in _CMD. */
    const char *s = value;
    for (size_t i = 0; s && i + 5 <= len; i++)
        if (s[i] == '_' && memcmp(s + i, "_CMD\"", 5) == 0)
            return true;
    return false;
}

static void on_record(void *opaque, const void *key, size_t key_len, const void *value,
                      size_t value_len, const ofc_origin *origin)
{
    verify_ctx *vc = opaque;
    if (!looks_like_command(value, value_len))
        return;
    const char *uns = NULL;
    char uuid[1100];
    if (vc->model && key && key_len < sizeof uuid) {
        memcpy(uuid, key, key_len);
        uuid[key_len] = '\0';
        const ofc_asset *a = ofc_model_find_asset(vc->model, uuid);
        uns = a ? ofc_asset_uns_id(a) : NULL;
    }
    int64_t now = vc->at_record_time && origin->timestamp_ms > 0 ? origin->timestamp_ms * 1000
                                                                 : ofc_time_now_us();
    ofc_command_info info;
    ofc_verdict v =
        ofc_verifier_check(vc->verifier, key, key_len, value, value_len, uns, now, &info);
    if (v == OFC_VERDICT_NOT_COMMAND)
        return;
    report(vc, v, &info, origin);
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ofc verify --trust FILE (-b BROKERS [--since WHEN] [--follow] | --stdin)\n\n"
        "Check every command record (<method>_CMD) on ofa_assets, or on stdin, against the\n"
        "trust store and print one verdict each: valid, or the reason it is not (unsigned,\n"
        "unknown_key, key_not_bound, bad_signature, expired, replayed, policy_denied, ...).\n"
        "From Kafka the time window is judged at each record's Kafka time, so an old log can\n"
        "be audited; UNS paths for uns= policies come from asset_to_uns_map_topic.\n\n"
        "options:\n"
        "  --trust FILE           the trust store (docs/command-signing.md)\n"
        "  --stdin                read records as kcat -K'\\t' prints them: key<TAB>value per\n"
        "                         line, judged at the current time\n"
        "  --follow               keep verifying new commands until interrupted\n"
        "  --window DURATION      oldest accepted command age (default 120s)\n"
        "  --json                 one JSON object per command\n" CLI_START_HELP CLI_COMMON_HELP
        "\nA summary of verdict counts goes to stderr. exit status: 0 done, 1 error, 2 usage\n");
}

static void print_summary(const verify_ctx *vc)
{
    fprintf(stderr, "ofc verify:");
    bool any = false;
    for (int v = 0; v < OFC_VERDICT__COUNT; v++) {
        if (vc->counts[v]) {
            fprintf(stderr, " %s=%llu", ofc_verdict_name((ofc_verdict)v),
                    (unsigned long long)vc->counts[v]);
            any = true;
        }
    }
    fprintf(stderr, "%s\n", any ? "" : " no commands");
}

static int verify_stdin(verify_ctx *vc)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *tab = memchr(line, '\t', (size_t)n);
        if (!tab) {
            fprintf(stderr, "ofc verify: a line without key<TAB>value was skipped\n");
            continue;
        }
        ofc_origin origin = {OFC_ORIGIN_STREAM, -1, -1, 0};
        on_record(vc, line, (size_t)(tab - line), tab + 1, (size_t)(n - (tab - line) - 1), &origin);
    }
    free(line);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"trust", required_argument, NULL, 'T'},
        {"stdin", no_argument, NULL, 's'},
        {"follow", no_argument, NULL, 'F'},
        {"window", required_argument, NULL, 'W'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *trust_path = NULL;
    bool from_stdin = false, follow = false;
    ofc_verifier_opts vopts = {0, 0, 0, 0};
    verify_ctx vc;
    cli_ctx ctx;
    char err[512];
    int opt, rc = 2;

    memset(&vc, 0, sizeof vc);
    if (!cli_ctx_init(&ctx, argc, argv))
        return 1;
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int h = cli_handle_common(&ctx, opt, optarg);
        if (h < 0)
            goto out;
        if (h > 0)
            continue;
        switch (opt) {
        case 'T': trust_path = optarg; break;
        case 's': from_stdin = true; break;
        case 'F': follow = true; break;
        case 'j': vc.json = true; break;
        case 'W':
            if (!ofc_duration_parse(optarg, &vopts.window_us)) {
                fprintf(stderr, "ofc verify: --window expects a duration\n");
                goto out;
            }
            break;
        default: usage(stderr); goto out;
        }
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "verify", usage)) >= 0)
        goto out;
    rc = 2;
    if (!trust_path) {
        fprintf(stderr, "ofc verify: --trust FILE is required\n");
        goto out;
    }
    ofc_trust *trust = NULL;
    if (ofc_trust_load(trust_path, &trust, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "ofc verify: %s\n", err);
        rc = 1;
        goto out;
    }
    vc.verifier = ofc_verifier_new(trust, &vopts);
    jw_init(&vc.jw);
    if (from_stdin) {
        rc = verify_stdin(&vc);
    } else {
        cli_install_stop_signals();
        plant_session ps;
        rc = 1;
        if (plant_session_open(&ps, ctx.cfg, "verify")) {
            vc.model = ps.model;
            vc.at_record_time = !follow;
            ofc_feed_set_assets_tap(ps.feed, on_record, &vc);
            const ofc_feed_status *st = ofc_feed_get_status(ps.feed);
            while (!cli_stop_requested() && (follow || !st->caught_up))
                ofc_loop_run_once(ps.loop, 200);
            plant_session_close(&ps);
            rc = 0;
        }
    }
    fflush(stdout);
    print_summary(&vc);
    jw_fini(&vc.jw);
    ofc_verifier_destroy(vc.verifier);
    ofc_trust_destroy(trust);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
