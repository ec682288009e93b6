/* ofc send: sign one command with an operator key, send it, and follow it to its outcome. For
 * scripts: non-interactive (key and passphrase from files or the environment), one line out. */
#include "cli_common.h"
#include "commander.h"
#include "commands.h"
#include "json_writer.h"
#include "op_key.h"
#include "plant_session.h"
#include "timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ofc send -b BROKERS --key FILE --asset UUID --method NAME [--arg NAME=VALUE]...\n"
        "                [--reason TEXT] [options]\n\n"
        "Sign a command with the operator's key (docs/command-signing.md), produce it to\n"
        "ofa_assets as an OpenFactory <method>_CMD record, and wait for its outcome. Prints\n"
        "the correlation id, the final state (SENT, FAILED, ECHOED, EXECUTED, REJECTED or\n"
        "TIMEOUT), the partition and offset, and the executor's reason.\n\n"
        "options:\n"
        "  --key FILE             the operator's private key (ofc keygen)\n"
        "  --passphrase-file F    its passphrase (else $OFC_PASSPHRASE or a prompt)\n"
        "  --asset UUID           the target asset\n"
        "  --method NAME          the advertised method to invoke\n"
        "  --arg NAME=VALUE       an argument (repeatable; values are strings)\n"
        "  --reason TEXT          why: signed, and kept with the command for the audit\n"
        "  --wait STATE           sent, echoed or outcome (default outcome)\n"
        "  --timeout DURATION     how long to wait in all (default 20s)\n"
        "  --json                 print the result as one JSON object\n"
        "  --dry-run              print the signed record as JSON and send "
        "nothing\n" CLI_COMMON_HELP
        "\nexit status: 0 the awaited state was reached (EXECUTED for outcome), 1 FAILED or\n"
        "REJECTED or an error, 2 usage, 3 timed out\n");
}

static void print_result(const ofc_cmd_status *st, bool json)
{
    if (json) {
        json_writer jw;
        jw_init(&jw);
        jw_object_begin(&jw);
        jw_key(&jw, "correlation_id");
        jw_string(&jw, st->correlation_id);
        jw_key(&jw, "state");
        jw_string(&jw, ofc_cmd_state_name(st->state));
        jw_key(&jw, "target");
        jw_string(&jw, st->target);
        jw_key(&jw, "method");
        jw_string(&jw, st->method);
        jw_key(&jw, "partition");
        jw_int(&jw, st->partition);
        jw_key(&jw, "offset");
        jw_int(&jw, st->offset);
        jw_key(&jw, "detail");
        jw_string(&jw, st->detail);
        jw_object_end(&jw);
        printf("%s\n", jw.buf);
        jw_fini(&jw);
        return;
    }
    printf("%s %s", st->correlation_id, ofc_cmd_state_name(st->state));
    if (st->partition >= 0)
        printf(" partition=%d offset=%lld", (int)st->partition, (long long)st->offset);
    if (st->detail[0]) {
        fputc(' ', stdout);
        cli_put_wire_text(stdout, st->detail, false); /* an executor's words, from the wire */
    }
    printf("\n");
}

int cmd_send(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'p'},
        {"asset", required_argument, NULL, 'a'},
        {"method", required_argument, NULL, 'm'},
        {"arg", required_argument, NULL, 'A'},
        {"reason", required_argument, NULL, 'r'},
        {"wait", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"dry-run", no_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    const char *key_file = NULL, *pass_file = NULL, *asset = NULL, *method = NULL, *reason = "";
    const char *names[OFC_CMD_MAX_ARGS], *values[OFC_CMD_MAX_ARGS];
    char *arg_copies[OFC_CMD_MAX_ARGS];
    size_t nargs = 0;
    ofc_cmd_state wait_for = OFC_CMD_EXECUTED;
    int64_t timeout_us = 20 * 1000000LL;
    bool json = false, dry_run = false;
    cli_ctx ctx;
    char err[512], pass[512] = "";
    int opt, rc = 2;

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
        case 'k': key_file = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'a': asset = optarg; break;
        case 'm': method = optarg; break;
        case 'r': reason = optarg; break;
        case 'j': json = true; break;
        case 'd': dry_run = true; break;
        case 'A': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || nargs == OFC_CMD_MAX_ARGS) {
                fprintf(stderr, "ofc send: --arg expects NAME=VALUE\n");
                goto out;
            }
            arg_copies[nargs] = strdup(optarg);
            arg_copies[nargs][eq - optarg] = '\0';
            names[nargs] = arg_copies[nargs];
            values[nargs] = arg_copies[nargs] + (eq - optarg) + 1;
            nargs++;
            break;
        }
        case 'w':
            if (strcmp(optarg, "sent") == 0)
                wait_for = OFC_CMD_SENT;
            else if (strcmp(optarg, "echoed") == 0)
                wait_for = OFC_CMD_ECHOED;
            else if (strcmp(optarg, "outcome") == 0)
                wait_for = OFC_CMD_EXECUTED;
            else {
                fprintf(stderr, "ofc send: --wait expects sent, echoed or outcome\n");
                goto out;
            }
            break;
        case 't':
            if (!ofc_duration_parse(optarg, &timeout_us)) {
                fprintf(stderr, "ofc send: --timeout expects a duration such as 20s\n");
                goto out;
            }
            break;
        default: usage(stderr); goto out;
        }
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "send", usage)) >= 0)
        goto out;
    rc = 2;
    if (!key_file || !asset || !method) {
        fprintf(stderr, "ofc send: --key, --asset and --method are required\n");
        goto out;
    }
    rc = 1;
    ofc_op_key *key = NULL;
    if (ofc_op_key_is_encrypted(key_file) &&
        !cli_read_passphrase(pass_file, "Passphrase: ", false, pass, sizeof pass))
        goto out;
    ofc_err e = ofc_op_key_load(key_file, pass, &key, err, sizeof err);
    sodium_memzero(pass, sizeof pass);
    if (e != OFC_OK) {
        fprintf(stderr, "ofc send: %s\n", err);
        goto out;
    }
    ofc_signed_command cmd;
    e = ofc_command_sign(key, asset, method, nargs, names, values, reason, ofc_time_now_us(), &cmd,
                         err, sizeof err);
    ofc_op_key_destroy(key);
    if (e != OFC_OK) {
        fprintf(stderr, "ofc send: %s\n", err);
        goto out;
    }
    if (dry_run) {
        json_writer jw;
        jw_init(&jw);
        jw_object_begin(&jw);
        jw_key(&jw, "topic");
        jw_string(&jw, ofc_config_get(ctx.cfg, "topic.assets"));
        jw_key(&jw, "key");
        jw_string(&jw, cmd.target);
        jw_key(&jw, "correlation_id");
        jw_string(&jw, cmd.correlation_id);
        jw_key(&jw, "record");
        jw_string_n(&jw, cmd.record, cmd.record_len);
        jw_object_end(&jw);
        printf("%s\n", jw.buf);
        jw_fini(&jw);
        ofc_signed_command_fini(&cmd);
        rc = 0;
        goto out;
    }

    cli_install_stop_signals();
    char since_err[64];
    ofc_config_set(ctx.cfg, "start.since", "end", since_err, sizeof since_err);
    plant_session ps;
    if (!plant_session_open(&ps, ctx.cfg, "send")) {
        ofc_signed_command_fini(&cmd);
        goto out;
    }
    ofc_commander *cm = ofc_commander_new(ctx.cfg, ps.model, timeout_us, err, sizeof err);
    if (!cm) {
        fprintf(stderr, "ofc send: %s\n", err);
        plant_session_close(&ps);
        ofc_signed_command_fini(&cmd);
        goto out;
    }
    ofc_commander_attach(cm, ps.loop);
    /* Follow ofa_assets from its end before sending, so the echo cannot be missed; but a broker
     * that is away must not stop the command from being tried (it will end FAILED). */
    int64_t start = ofc_time_mono_us();
    int64_t catch_up_until = start + (timeout_us < 5000000 ? timeout_us : 5000000);
    while (!ofc_feed_get_status(ps.feed)->caught_up && ofc_time_mono_us() < catch_up_until &&
           !cli_stop_requested())
        ofc_loop_run_once(ps.loop, 100);
    if (ofc_commander_send(cm, &cmd, err, sizeof err) != OFC_OK)
        fprintf(stderr, "ofc send: %s\n", err);
    const ofc_cmd_status *st = ofc_commander_find(cm, cmd.correlation_id);
    int64_t deadline = ofc_time_mono_us() + timeout_us;
    /* Until delivered or failed there is no honest answer: librdkafka reports within its
     * message.timeout.ms (10 s by default), so wait for that even past --timeout. */
    int64_t report_deadline = ofc_time_mono_us() + 15 * 1000000LL;
    while (st && !cli_stop_requested()) {
        int64_t now = ofc_time_mono_us();
        if (ofc_cmd_state_final(st->state) || st->state >= wait_for)
            break;
        if (st->state == OFC_CMD_PENDING ? now >= report_deadline && now >= deadline
                                         : now >= deadline)
            break;
        ofc_loop_run_once(ps.loop, 100);
    }
    if (st && st->state == OFC_CMD_PENDING)
        fprintf(stderr, "ofc send: no delivery report: the command may still be delivered\n");
    if (st && st->state == OFC_CMD_FAILED && !ofc_feed_get_status(ps.feed)->ever_connected)
        fprintf(stderr, "ofc send: no broker answered at %s: the command was not sent\n",
                ofc_config_get(ctx.cfg, "brokers"));
    if (st)
        print_result(st, json);
    if (st && !ofc_cmd_state_final(st->state) && st->state < wait_for &&
        st->state != OFC_CMD_PENDING && !cli_stop_requested())
        fprintf(stderr,
                "ofc send: %s within --timeout and no outcome: an upstream OpenFactory executor "
                "reports none (use --wait echoed there); ofc sim and verifying executors do\n",
                ofc_cmd_state_name(st->state));
    rc = !st                             ? 1
         : st->state == OFC_CMD_FAILED   ? 1
         : st->state == OFC_CMD_REJECTED ? 1
         : st->state == OFC_CMD_TIMEOUT  ? 3
         : st->state >= wait_for         ? 0
                                         : 3;
    ofc_commander_destroy(cm);
    plant_session_close(&ps);
    ofc_signed_command_fini(&cmd);
out:
    for (size_t i = 0; i < nargs; i++)
        free(arg_copies[i]);
    cli_ctx_fini(&ctx);
    return rc;
}
