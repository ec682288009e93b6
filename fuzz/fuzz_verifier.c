/* fuzz_verifier: ofc_verifier_check() on hostile command records (src/core/verifier.c).
 *
 * `ofc web --trust` hands the verifier whatever a browser sends in a "command" message, and
 * `ofc sim --trust` and `ofc verify` whatever is on ofa_assets, so it must never crash, leak or
 * read out of bounds. Input: the Kafka key, a NUL byte, the record (no NUL: the whole input is
 * the record, for the key LAB-1). The trust store holds the three keys of
 * docs/command-signing.md's vectors, allowed everything, so the vectors (the corpus) are valid at
 * their own times. Invariants: a verdict in range; the same input gives the same verdict to a
 * fresh verifier; a valid command names its method, sender and a 16-digit key id, and is
 * replayed the second time.
 */
#include "trust_store.h"
#include "verifier.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TRUST[] =
    "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=alice roles=operator "
    "methods=* assets=*\n"
    "ed25519 A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg= operator=ops.night-shift@plant "
    "roles=operator methods=* uns=Demofactory\n"
    "ed25519 KeWDOpFaZCmk46eUhHXDOO9Dbrgr6JyS8FlwRAPbnVU= operator=bob roles=operator "
    "methods=ResetController assets=CNC-001\n";

/* The vectors' times: 2026-08-10T09:15:02.417Z and 2026-11-24T21:03:00Z. */
static const int64_t CLOCKS[] = {1786353302417000LL, 1795554180000000LL};

static ofc_trust *trust;

static ofc_verdict check(ofc_verifier *v, const uint8_t *key, size_t klen, const uint8_t *rec,
                         size_t rlen, int64_t now, ofc_command_info *info)
{
    return ofc_verifier_check(v, key, klen, rec, rlen, "Demofactory/Machining/WC002/temp-ctrl-001",
                              now, info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!trust &&
        ofc_trust_parse(TRUST, sizeof TRUST - 1, "fuzz", &trust, err, sizeof err) != OFC_OK)
        abort();
    const uint8_t *key = (const uint8_t *)"LAB-1", *rec = data;
    size_t klen = 5, rlen = size;
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        key = data;
        klen = (size_t)(nul - data);
        rec = nul + 1;
        rlen = size - klen - 1;
    }
    for (size_t c = 0; c < sizeof CLOCKS / sizeof CLOCKS[0]; c++) {
        ofc_verifier *a = ofc_verifier_new(trust, NULL), *b = ofc_verifier_new(trust, NULL);
        ofc_command_info info;
        ofc_verdict va = check(a, key, klen, rec, rlen, CLOCKS[c], &info);
        if ((unsigned)va >= OFC_VERDICT__COUNT || !ofc_verdict_name(va) || !ofc_verdict_str(va))
            abort();
        if (va == OFC_VERDICT_VALID) {
            if (!info.method || !info.sender || !info.correlation_id || !info.key_id ||
                strlen(info.key_id) != 16)
                abort();
            if (check(a, key, klen, rec, rlen, CLOCKS[c], NULL) != OFC_VERDICT_REPLAYED)
                abort();
        }
        if (check(b, key, klen, rec, rlen, CLOCKS[c], NULL) != va)
            abort();
        ofc_verifier_destroy(a);
        ofc_verifier_destroy(b);
    }
    return 0;
}
