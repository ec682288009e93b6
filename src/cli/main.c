/* ofc: the ofconsole program. Dispatches git-style to a subcommand from a const table. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const ofc_command commands[] = {
    {"broker", "run an embedded in-memory Kafka broker for tests and demos", cmd_broker},
    {"sim", "run a virtual OpenFactory plant that produces to Kafka", cmd_sim},
    {"snapshot", "print the whole plant model as JSON and exit", cmd_snapshot},
    {"watch", "print plant changes as they happen, one line each", cmd_watch},
    {"config", "show the effective configuration (--dump)", cmd_config},
    {"tui", "the operator console on a terminal (ncurses)", cmd_tui},
    {"web", "serve the live plant to browsers (dashboard)", cmd_web},
    {"keygen", "make an operator's signing key pair", cmd_keygen},
    {"send", "sign and send one command, and follow it to its outcome", cmd_send},
    {"verify", "check command records against a trust store", cmd_verify},
    {"health", "ask a running ofc web whether it is healthy (container probes)", cmd_health},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: ofc <command> [options]\n\n"
                 "ofconsole " OFC_VERSION ", the operator console for OpenFactory plants.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'ofc <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("ofc %s\n", OFC_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            /* getopt names the program in its messages: "ofc sim: unrecognized option ..." */
            char name[64];
            snprintf(name, sizeof name, "ofc %s", commands[i].name);
            argv[1] = name;
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "ofc: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
