/* ofc verify: check OpenFactory command records against a trust store, from Kafka or stdin, and
 * print one verdict per command. The gateway's or auditor's view of who asked for what.
 *
 * --json prints the audit's NDJSON (ofc_audit_write_json), and --stdin takes that form back, as
 * well as kcat's key<TAB>record lines: an export of the TUI, the web or this command is judged
 * again at the Kafka time and with the UNS path it carries. Upstream's empty <method>_CMD
 * start-up records are not commands: they are counted, not listed. */
#include "audit.h"
#include "audit_line.h"
#include "cli_common.h"
#include "commands.h"
#include "json_writer.h"
#include "plant_session.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"
#include "xmalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct verify_ctx {
    ofc_verifier *verifier;
    ofc_model *model; /* for UNS paths of targets; NULL when reading stdin */
    bool json;
    bool at_record_time; /* judge the time window at the record's Kafka time (audit) */
    uint64_t counts[OFC_VERDICT__COUNT];
    uint64_t skipped_empty; /* upstream's empty <method>_CMD start-up records (wire §6.2) */
    uint64_t skipped_lines; /* stdin lines that hold no record to judge */
    bool warned_no_uns;
    bool from_stdin;       /* records are what someone chose to hand in: count all of them */
    uint64_t not_commands; /* stdin records that are not <method>_CMD commands */
    json_writer jw;
} verify_ctx;

/* Where a record came from and what the verdict depended on besides the record itself. */
typedef struct judged_at {
    const char *uns;          /* the target's UNS path, for uns= policies */
    int64_t now_us;           /* the verifier's clock */
    int64_t kafka_time_us;    /* the record's Kafka time, for the export (0: now_us) */
    const ofc_origin *origin; /* partition and offset; NULL when unknown */
} judged_at;

/* The record's ID and whether its VALUE is an empty string, read leniently (any key case) for
 * records the verifier could not read as commands. */
static void peek_record(const void *value, size_t len, char *id, size_t id_size, bool *empty)
{
    *id = '\0';
    *empty = false;
    json_t *doc = json_loadb(value, len, 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcasecmp(k, "ID") == 0 && json_is_string(v))
            snprintf(id, id_size, "%s", json_string_value(v));
        if (strcasecmp(k, "VALUE") == 0 && json_is_string(v)) {
            const char *t = json_string_value(v);
            *empty = t[strspn(t, " \t\r\n")] == '\0';
        }
    }
    json_decref(doc);
}

static void report(verify_ctx *vc, ofc_verdict v, const ofc_command_info *info, const void *key,
                   size_t key_len, const void *value, size_t value_len, const char *id,
                   const judged_at *at)
{
    vc->counts[v]++;
    /* A record whose envelope could not be read still has a target (its key) and an ID. */
    char target[160] = "-", method[160] = "-";
    if (info->target)
        snprintf(target, sizeof target, "%s", info->target);
    else if (key && key_len)
        snprintf(target, sizeof target, "%.*s", (int)(key_len < 159 ? key_len : 159),
                 (const char *)key);
    if (info->method)
        snprintf(method, sizeof method, "%s", info->method);
    else if (id && *id)
        snprintf(method, sizeof method, "%s", id);
    if (!vc->json) {
        char ts[40] = "-";
        if (info->timestamp_us)
            ofc_time_format_iso(info->timestamp_us, 3, ts, sizeof ts);
        /* Sender, target, method, id and reason come from the wire: escaped (cli_common.h). */
        const char *words[] = {info->sender ? info->sender : "-", target, method,
                               info->correlation_id ? info->correlation_id : "-"};
        printf("%s %s", ts, ofc_verdict_name(v));
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            fputc(' ', stdout);
            cli_put_wire_text(stdout, words[w], false);
        }
        if (v == OFC_VERDICT_POLICY_DENIED)
            printf(" (%s)", ofc_policy_str(info->policy));
        if (info->reason && *info->reason) {
            fputs(" reason=", stdout);
            cli_put_wire_text(stdout, info->reason, true);
        }
        if (at->origin && at->origin->partition >= 0)
            printf(" partition=%d offset=%lld", (int)at->origin->partition,
                   (long long)at->origin->offset);
        printf("\n");
    } else {
        /* The audit's own form, so that this output can be checked again with --stdin. */
        ofc_audit_entry e;
        ofc_audit_entry_init(&e, key, key_len, value, value_len, v, info, at->uns,
                             at->kafka_time_us ? at->kafka_time_us : at->now_us, at->origin);
        if (!e.method && strcmp(method, "-") != 0)
            e.method = xstrdup(method);
        jw_reset(&vc->jw);
        ofc_audit_write_json(&e, &vc->jw);
        printf("%s\n", vc->jw.buf);
        ofc_audit_entry_fini(&e);
    }
    /* One line at a time even into a file or a pipe: --follow is read while it runs. */
    fflush(stdout);
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

static void judge(verify_ctx *vc, const void *key, size_t key_len, const void *value,
                  size_t value_len, const judged_at *at)
{
    /* On ofa_assets most records are not commands; on stdin each was handed in on purpose, so
     * those are counted, and what is not even a record is bad_record, not dropped. */
    if (!vc->from_stdin && !looks_like_command(value, value_len))
        return; /* the pre-filter of the live log; on stdin the verifier says what a line is */
    ofc_command_info info;
    ofc_verdict v = ofc_verifier_check(vc->verifier, key, key_len, value, value_len, at->uns,
                                       at->now_us, &info);
    if (v == OFC_VERDICT_NOT_COMMAND) {
        vc->not_commands += vc->from_stdin;
        return;
    }
    if (info.empty_value) {
        vc->skipped_empty++; /* upstream's start-up record, not a command (wire §11.4) */
        return;
    }
    char id[160] = "";
    if (!info.method) {
        bool empty;
        peek_record(value, value_len, id, sizeof id, &empty);
    }
    report(vc, v, &info, key, key_len, value, value_len, id, at);
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
    int64_t kafka_us = origin->timestamp_ms > 0 ? origin->timestamp_ms * 1000 : 0;
    judged_at at = {uns, vc->at_record_time && kafka_us ? kafka_us : ofc_time_now_us(), kafka_us,
                    origin};
    judge(vc, key, key_len, value, value_len, &at);
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
        "be audited; UNS paths for uns= policies come from asset_to_uns_map_topic. Empty\n"
        "<method>_CMD records (VALUE \"\", written by upstream at start-up) are not commands:\n"
        "they are not listed but counted in the summary as skipped_empty=N.\n\n"
        "options:\n"
        "  --trust FILE           the trust store (docs/command-signing.md)\n"
        "  --stdin                read lines from stdin, each either an audit export line (the\n"
        "                         NDJSON of --json, the console's :save, the web's GET /audit):\n"
        "                         judged again at the Kafka time and with the UNS path it\n"
        "                         carries; or key<TAB>record as kcat -K'\\t' prints them,\n"
        "                         judged at the current time. Replays are found across lines,\n"
        "                         in any order.\n"
        "  --follow               keep verifying new commands until interrupted\n"
        "  --window DURATION      oldest accepted command age (default 120s)\n"
        "  --json                 one JSON object per command, in the audit's export form\n"
        "                         (verifiable again with --stdin)\n" CLI_START_HELP CLI_COMMON_HELP
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
    if (!any)
        fprintf(stderr, " no commands");
    if (vc->skipped_empty)
        fprintf(stderr, " skipped_empty=%llu", (unsigned long long)vc->skipped_empty);
    if (vc->skipped_lines)
        fprintf(stderr, " skipped_lines=%llu", (unsigned long long)vc->skipped_lines);
    if (vc->not_commands)
        fprintf(stderr, " not_commands=%llu", (unsigned long long)vc->not_commands);
    fprintf(stderr, "\n");
}

/* Count a line that holds nothing to judge, and say why for the first few: a binary file piped
 * in by mistake must not bury the verdicts under thousands of messages. */
static void skip_line(verify_ctx *vc, const char *what, const char *detail)
{
    enum { SAID_MAX = 10 };
    if (vc->skipped_lines < SAID_MAX)
        fprintf(stderr, "ofc verify: %s%s%s was skipped\n", what, *detail ? " " : "", detail);
    else if (vc->skipped_lines == SAID_MAX)
        fprintf(stderr, "ofc verify: further skipped lines are only counted\n");
    vc->skipped_lines++;
}

/* One line of an audit export (ofc_audit_write_json: the TUI's :save, GET /audit?format=ndjson,
 * ofc verify --json): the record is judged again at the Kafka time the export carries, with the
 * UNS path the audit used, so a command valid then is valid now, and a changed record is not.
 * Returns false if the line is not such an object. */
static bool judge_export_line(verify_ctx *vc, const char *text, size_t n)
{
    ofc_audit_line line;
    ofc_audit_line_status st = ofc_audit_line_parse(text, n, &line);
    if (st == OFC_AUDIT_LINE_NOT_EXPORT) {
        ofc_audit_line_fini(&line);
        return false;
    }
    if (st == OFC_AUDIT_LINE_NO_RECORD && line.verdict &&
        strcmp(line.verdict, ofc_verdict_name(OFC_VERDICT_OVERSIZED)) == 0 && line.target &&
        line.kafka_time_us > 0) {
        /* Too large for the export to keep: listed again as it was, not dropped. */
        ofc_command_info info;
        memset(&info, 0, sizeof info);
        ofc_origin origin = {OFC_ORIGIN_STREAM, line.partition, line.offset,
                             line.kafka_time_us / 1000};
        judged_at at = {line.uns, line.kafka_time_us, line.kafka_time_us, &origin};
        report(vc, OFC_VERDICT_OVERSIZED, &info, line.target, line.target_len, NULL, 0,
               line.method ? line.method : "", &at);
        ofc_audit_line_fini(&line);
        return true;
    }
    if (st != OFC_AUDIT_LINE_OK) {
        skip_line(vc, "an export line without", ofc_audit_line_status_str(st));
        ofc_audit_line_fini(&line);
        return true;
    }
    if (!line.has_uns && !vc->warned_no_uns) {
        fprintf(stderr, "ofc verify: export lines without \"uns\" (an older export): uns= "
                        "policies are judged without the target's UNS path\n");
        vc->warned_no_uns = true;
    }
    int64_t when = line.kafka_time_us;
    ofc_origin origin = {OFC_ORIGIN_STREAM, line.partition, line.offset, when / 1000};
    judged_at at = {line.uns, when, when, &origin};
    judge(vc, line.target, line.target_len, line.record, line.record_len, &at);
    ofc_audit_line_fini(&line);
    return true;
}

static int verify_stdin(verify_ctx *vc)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        size_t lead = strspn(line, " \t");
        if (lead == (size_t)n)
            continue; /* blank */
        if (line[lead] == '{' && judge_export_line(vc, line, (size_t)n))
            continue;
        char *tab = memchr(line, '\t', (size_t)n);
        if (!tab) {
            skip_line(vc, "a line that is neither an audit export line nor key<TAB>record", "");
            continue;
        }
        ofc_origin origin = {OFC_ORIGIN_STREAM, -1, -1, 0};
        judged_at at = {NULL, ofc_time_now_us(), 0, &origin};
        judge(vc, line, (size_t)(tab - line), tab + 1, (size_t)(n - (tab - line) - 1), &at);
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
    ofc_verifier_opts vopts = {0, 0, 0, 0, false};
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
    /* An audit reads partition after partition, and export lines come in any order: replays
     * must be found whatever the order (verifier.h). A live --follow judges at the clock. */
    vopts.any_order = from_stdin || !follow;
    vc.from_stdin = from_stdin;
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
