/* commands: the `ofc` subcommand table. Each entry is const data (tmux's cmd_entry shape). */
#ifndef OFC_COMMANDS_H
#define OFC_COMMANDS_H

typedef struct ofc_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns exit status */
} ofc_command;

int cmd_broker(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_web(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_health(int argc, char **argv);

#endif
