/* fuzz_trust: ofc_trust_parse() on hostile trust-store files (src/core/trust_store.c).
 *
 * An admin edits the trust store by hand, and `ofc web`/`ofc sim` reload it while running, so a
 * typo must give a clear error naming the line, never a crash or a key trusted by mistake.
 * Oracle: a parse either fails with a message naming the input, or yields entries that each
 * have a valid operator id, a 16-digit key id matching their public key, a verification key,
 * distinct key ids, and a policy answer for any method and asset that ofc_policy_str names.
 */
#include "trust_store.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        ready = true;
    }
    char err[256];
    err[0] = '\0';
    ofc_trust *trust = NULL;
    ofc_err rc = ofc_trust_parse((const char *)data, size, "fuzz", &trust, err, sizeof err);
    if (rc != OFC_OK) {
        if (trust || strncmp(err, "fuzz", 4) != 0)
            abort(); /* a failure without its message, or with a store anyway */
        return 0;
    }
    if (!trust)
        abort();
    static const char *const methods[] = {"SwitchMode", "ResetController", "*", ""};
    static const char *const assets[] = {"CNC-001", "PID-001", "*"};
    for (size_t i = 0; i < ofc_trust_count(trust); i++) {
        const ofc_trust_entry *e = ofc_trust_at(trust, i);
        char kid[OFC_KEY_ID_LEN + 1];
        ofc_key_id(ofc_trust_entry_public(e), kid);
        if (!ofc_operator_id_valid(ofc_trust_entry_operator(e)) ||
            strcmp(kid, ofc_trust_entry_key_id(e)) != 0 || !ofc_trust_entry_vkey(e) ||
            ofc_trust_find(trust, kid) != e)
            abort();
        for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
            for (size_t a = 0; a < sizeof assets / sizeof assets[0]; a++) {
                ofc_policy p = ofc_trust_entry_allows(e, methods[m], assets[a],
                                                      a == 0 ? "Demofactory/Machining" : NULL);
                if (!ofc_policy_str(p))
                    abort();
            }
    }
    ofc_trust_destroy(trust);
    return 0;
}
