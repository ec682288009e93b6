/* ofc keygen: make an operator's Ed25519 key pair and print its trust-store line. */
#include "cli_common.h"
#include "commands.h"
#include "op_key.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: ofc keygen --operator ID [--out FILE] [--no-passphrase | --passphrase-file F]\n\n"
        "Write an Ed25519 key pair for the operator ID: the private key to FILE (default\n"
        "~/.config/ofconsole/ID.key, mode 0600, encrypted with a passphrase by Argon2id and\n"
        "secretbox) and its trust-store line to FILE.pub. Give that line to whoever keeps the\n"
        "trust store, who adds what the key may do (roles=operator methods=... uns=...).\n\n"
        "options:\n"
        "  --operator ID          the identity the key signs as (header.sender_uuid)\n"
        "  --out FILE             where to write the private key (never overwritten)\n"
        "  --no-passphrase        store the key unencrypted (demos only)\n"
        "  --passphrase-file F    read the passphrase from F (else $OFC_PASSPHRASE or a\n"
        "                         prompt on the terminal)\n"
        "  -h, --help             this help\n");
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"operator", required_argument, NULL, 'o'},
        {"out", required_argument, NULL, 'f'},
        {"no-passphrase", no_argument, NULL, 'n'},
        {"passphrase-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *operator_id = NULL, *out = NULL, *pass_file = NULL;
    bool no_pass = false;
    char path[4096], err[512], pass[512];
    int opt;

    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': operator_id = optarg; break;
        case 'f': out = optarg; break;
        case 'n': no_pass = true; break;
        case 'p': pass_file = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!operator_id || optind < argc || (no_pass && pass_file)) {
        usage(stderr);
        return 2;
    }
    if (!out) {
        const char *home = getenv("HOME");
        if (!home) {
            fprintf(stderr, "ofc keygen: no $HOME: give --out FILE\n");
            return 2;
        }
        snprintf(path, sizeof path, "%s/.config", home);
        mkdir(path, 0700);
        snprintf(path, sizeof path, "%s/.config/ofconsole", home);
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "ofc keygen: %s: %s\n", path, strerror(errno));
            return 1;
        }
        snprintf(path, sizeof path, "%s/.config/ofconsole/%s.key", home, operator_id);
        out = path;
    }
    if (!no_pass &&
        !cli_read_passphrase(pass_file, "Passphrase for the new key: ", true, pass, sizeof pass))
        return 1;
    ofc_err e = ofc_op_key_generate(operator_id, out, no_pass ? NULL : pass, err, sizeof err);
    sodium_memzero(pass, sizeof pass);
    if (e != OFC_OK) {
        fprintf(stderr, "ofc keygen: %s\n", err);
        return 1;
    }
    char pub[4200], line[512];
    snprintf(pub, sizeof pub, "%s.pub", out);
    FILE *f = fopen(pub, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "ofc keygen: cannot read back %s\n", pub);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    printf("private key: %s%s\npublic key:  %s\ntrust-store line (add roles, methods, uns):\n%s",
           out, no_pass ? " (NOT encrypted)" : "", pub, line);
    return 0;
}
