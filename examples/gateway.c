/* gateway: the smallest executor-side use of ofconsole's verifier library (ofc_verify).
 *
 * Reads OpenFactory command records as kcat prints them (`kcat -C -t ofa_assets -f '%k\t%s\n'`:
 * the Kafka key, a tab, the record) on stdin, and prints for each one the verdict and who asked
 * for what. A real gateway would consume ofa_assets itself and pass only "valid" commands on;
 * everything it needs from ofconsole is here: load the trust store, make a verifier, check.
 *
 *   cc gateway.c -I src/core build/src/core/libofc_verify.a -lsodium -lpthread -lm
 *   kcat -C -b kafka:9092 -t ofa_assets -f '%k\t%s\n' | ./gateway trust.keys
 *
 * Exit status: 0 when every record read was a valid command, 1 otherwise, 2 on usage errors.
 */
#include "op_key.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields come from the wire: print them so that no byte can drive the terminal. */
static void print_field(const char *name, const char *value)
{
    printf(" %s=", name);
    if (!value) {
        putchar('-');
        return;
    }
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c >= 0x21 && *c < 0x7f && *c != '\\')
            putchar(*c);
        else
            printf("\\x%02x", *c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gateway TRUST_FILE < key<TAB>record lines\n");
        return 2;
    }
    char err[512];
    ofc_trust *trust;
    if (!ofc_crypto_init() || ofc_trust_load(argv[1], &trust, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "gateway: %s\n", err);
        return 2;
    }
    ofc_verifier *verifier = ofc_verifier_new(trust, NULL); /* default window and limits */
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *tab = memchr(line, '\t', (size_t)n);
        if (!tab) {
            fprintf(stderr, "gateway: a line without key<TAB>record was skipped\n");
            status = 1;
            continue;
        }
        ofc_command_info info;
        /* An executor judges at the current time; the UNS path (for uns= rules) would come from
         * its own map of assets: none here, so only assets= rules can allow. */
        ofc_verdict verdict =
            ofc_verifier_check(verifier, line, (size_t)(tab - line), tab + 1,
                               (size_t)(n - (tab - line) - 1), NULL, ofc_time_now_us(), &info);
        printf("%s", ofc_verdict_name(verdict));
        print_field("operator", info.sender);
        print_field("method", info.method);
        print_field("target", info.target);
        print_field("correlation_id", info.correlation_id);
        printf(" (%s)\n", ofc_verdict_str(verdict));
        if (verdict != OFC_VERDICT_VALID)
            status = 1;
    }
    free(line);
    ofc_verifier_destroy(verifier);
    ofc_trust_destroy(trust);
    return status;
}
