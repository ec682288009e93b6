/* cli_common: option handling shared by every `ofc` subcommand.
 *
 * kcat's habits: -b BROKERS, -X librdkafka.property=value (repeatable, passed through), plus
 * -c FILE for a config file (default: see ofc_config_default_path()). The config file is read
 * first and flags override it, whatever their order on the command line.
 */
#ifndef OFC_CLI_COMMON_H
#define OFC_CLI_COMMON_H

#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_COMMON_SHORTOPTS "b:X:c:vqh"
#define CLI_COMMON_LONGOPTS                                                              \
    {"brokers", required_argument, NULL, 'b'}, {"config", required_argument, NULL, 'c'}, \
        {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},          \
        {"help", no_argument, NULL, 'h'},                                                \
    {                                                                                    \
        "property", required_argument, NULL, 'X'                                         \
    }

#define CLI_COMMON_HELP                                                                           \
    "  -b, --brokers LIST     Kafka bootstrap servers (host:port,...)\n"                          \
    "  -X PROP=VALUE          librdkafka property, repeatable (e.g. -X security.protocol=SSL);\n" \
    "                         ofconsole properties too (-X topic.assets=ofa_assets)\n"            \
    "  -c, --config FILE      config file (default $OFC_CONFIG, ~/.config/ofconsole/ofc.conf,\n"  \
    "                         /etc/ofconsole/ofc.conf)\n"                                         \
    "  -v, --verbose          more diagnostics (repeat for debug)\n"                              \
    "  -q, --quiet            errors only\n"                                                      \
    "  -h, --help             this help\n"

/* Where to start reading ofa_assets; for commands that read the plant. */
#define CLI_START_LONGOPTS                                                        \
    {"since", required_argument, NULL, 1001}, {"table", no_argument, NULL, 1002}, \
    {                                                                             \
        "from-beginning", no_argument, NULL, 1003                                 \
    }

#define CLI_START_HELP                                                                            \
    "  --since WHEN           start reading ofa_assets at WHEN: beginning, end, a duration ago\n" \
    "                         (2h, 15m) or an ISO-8601 time\n"                                    \
    "  --from-beginning       same as --since beginning\n"                                        \
    "  --table                seed latest values from ksqlDB's ASSETS table first (large\n"       \
    "                         clusters; combine with --since)\n"

typedef struct cli_ctx {
    ofc_config *cfg; /* owned; freed by cli_ctx_fini() */
    bool help;       /* -h was given */
} cli_ctx;

/* Create defaults and load the config file named by -c/--config in argv, or the default one.
 * Prints the error and returns false on failure. */
bool cli_ctx_init(cli_ctx *ctx, int argc, char **argv);
void cli_ctx_fini(cli_ctx *ctx);

/* Handle a common option from getopt_long. Returns 1 if handled, 0 if not a common option,
 * -1 on a bad value (message printed). */
int cli_handle_common(cli_ctx *ctx, int opt, const char *arg);

/* After a subcommand's getopt loop: print usage for --help (returns 0), refuse leftover
 * arguments (returns 2), or return -1 to go on. */
int cli_finish_options(const cli_ctx *ctx, int argc, char **argv, const char *who,
                       void (*usage)(FILE *out));

/* Reset getopt for a subcommand's argv. */
void cli_getopt_reset(void);

/* A passphrase for an operator key: the first line of `file` if given, else $OFC_PASSPHRASE,
 * else asked on the terminal without echo (twice when confirm). Returns false with a message
 * printed when none can be had. */
bool cli_read_passphrase(const char *file, const char *prompt, bool confirm, char *buf,
                         size_t size);

/* Install SIGINT/SIGTERM handlers that set the flag returned by cli_stop_requested(). */
void cli_install_stop_signals(void);
bool cli_stop_requested(void);
/* A second SIGINT/SIGTERM: whatever is still being finished (a flush) is given up at once. */
bool cli_stop_insisted(void);
/* The signal number that asked to stop (0 if none); lets a command exit 128+sig. */
int cli_stop_signal(void);

/* Write text from the wire to a terminal or a line-oriented log: control characters (C0, DEL,
 * and C1 as UTF-8) would move the cursor, retitle the window or forge lines, so they are written
 * as escapes (\n, \t, \u001b...); when quoted, quotes and backslashes are escaped too and the
 * text is put in quotes, so every line stays one parseable line. */
void cli_put_wire_text(FILE *out, const char *s, bool quoted);

#endif
