/* ofc tui: the terminal console. Options -> tui_app_new -> run -> destroy (htop's main is as
 * short); everything else lives in src/tui/. */
#include "actions.h"
#include "cli_common.h"
#include "commands.h"
#include "op_key.h"
#include "timeutil.h"
#include "tui_app.h"

#include <langinfo.h>
#include <sodium.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ofc tui -b BROKERS [options]\n\n"
        "The operator console on a terminal: the UNS tree with roll-up states, the selected\n"
        "asset's attributes, conditions and methods, the plant's active alarms, and the\n"
        "connection status. Works over SSH at 80x24, in 256/16/8 colours or monochrome.\n\n"
        "options:\n"
        "  --ascii                ASCII glyphs only (also used when the locale is not UTF-8)\n"
        "  --utc                  show times in UTC (the t key toggles)\n"
        "  --stale-after D        mark an asset stale when nothing arrived for it in D\n"
        "                         (e.g. 30s, 5m); it is always stale while the broker is away\n"
        "  --no-color             monochrome (also when NO_COLOR is set, or TERM has "
        "none)\n"
        "  --key FILE             the operator's key (ofc keygen): methods can be sent, signed\n"
        "                         (without it the console is read-only)\n"
        "  --passphrase-file F    the key's passphrase (else $OFC_PASSPHRASE, else asked once\n"
        "                         inside the console, without echo, at the first command)\n"
        "  --trust FILE           trust store: the audit view shows verdicts (valid, invalid\n"
        "                         and why) and the review pre-checks policy\n" CLI_START_HELP
            CLI_COMMON_HELP "\n"
        "environment: OFC_TUI_LATENCY_LOG=PATH appends, per redraw that follows changes, the\n"
        "wall-clock time and the delays (us) from the oldest change's arrival, and from its\n"
        "source timestamp, to the screen.\n\n");
    actions_print_help(out);
}

int cmd_tui(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"ascii", no_argument, NULL, 'A'},
        {"utc", no_argument, NULL, 'U'},
        {"stale-after", required_argument, NULL, 'S'},
        {"no-color", no_argument, NULL, 'N'},
        {"no-colour", no_argument, NULL, 'N'},
        {"key", required_argument, NULL, 'K'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {"trust", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    const char *pass_file = NULL;
    char pass[512] = "";
    tui_options opts;
    cli_ctx ctx;
    char err[512];
    int opt, rc = 1;

    memset(&opts, 0, sizeof opts);
    /* The character set only (UTF-8 output, wcwidth); LC_NUMERIC stays "C" so numbers from the
     * wire parse the same whatever the operator's locale. */
    setlocale(LC_CTYPE, "");
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
        case 'A': opts.ascii = true; break;
        case 'U': opts.utc = true; break;
        case 'N': opts.no_color = true; break;
        case 'K': opts.key_path = optarg; break;
        case 'P': pass_file = optarg; break;
        case 'T': opts.trust_path = optarg; break;
        case 'S':
            if (!ofc_duration_parse(optarg, &opts.stale_after_us)) {
                fprintf(stderr, "ofc tui: --stale-after: cannot parse \"%s\"\n", optarg);
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
    if (ctx.help) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    if (optind < argc) {
        fprintf(stderr, "ofc tui: unexpected argument \"%s\"\n", argv[optind]);
        rc = 2;
        goto out;
    }
    /* no-color.org: NO_COLOR set and not empty means no colour, whatever the terminal has. */
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        opts.no_color = true;
    const char *codeset = nl_langinfo(CODESET);
    if (!codeset || strcmp(codeset, "UTF-8") != 0)
        opts.ascii = true;
    const char *lat = getenv("OFC_TUI_LATENCY_LOG");
    opts.latency_log = lat && *lat ? lat : NULL;
    if (pass_file && !opts.key_path) {
        fprintf(stderr, "ofc tui: --passphrase-file needs --key\n");
        rc = 2;
        goto out;
    }
    /* Only the sources that need no terminal: while curses owns the screen, the console asks
     * for the passphrase itself, when the first command needs it. */
    if (opts.key_path && ofc_op_key_is_encrypted(opts.key_path) &&
        (pass_file || getenv("OFC_PASSPHRASE"))) {
        if (!cli_read_passphrase(pass_file, "Passphrase: ", false, pass, sizeof pass))
            goto out;
        opts.passphrase = pass;
    }

    tui_app *app = tui_app_new(ctx.cfg, &opts, err, sizeof err);
    sodium_memzero(pass, sizeof pass);
    if (!app) {
        fprintf(stderr, "ofc tui: %s\n", err);
        goto out;
    }
    rc = tui_app_run(app);
    tui_app_destroy(app);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
