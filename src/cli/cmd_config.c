/* ofc config: show the effective configuration after file and flags, or the property list. */
#include "cli_common.h"
#include "commands.h"

#include <stdio.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: ofc config [--dump] [options]\n\n"
                 "--dump prints the effective configuration (defaults, then the config file, then\n"
                 "flags) as a valid config file, secrets masked. Properties:\n\n");
    ofc_config_print_help(out);
    fprintf(
        out,
        "\noptions:\n  --dump                 print the effective configuration\n" CLI_START_HELP
            CLI_COMMON_HELP);
}

int cmd_config(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"dump", no_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    cli_ctx ctx;
    bool dump = false;
    int opt, rc = 0;

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
        if (opt == 'd') {
            dump = true;
            continue;
        }
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (ctx.help || !dump) {
        usage(ctx.help ? stdout : stderr);
        rc = ctx.help ? 0 : 2;
        goto out;
    }
    ofc_config_dump(ctx.cfg, stdout);
out:
    cli_ctx_fini(&ctx);
    return rc;
}
