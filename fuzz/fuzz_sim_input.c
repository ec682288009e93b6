/* fuzz_sim_input: plant_handle_record() on hostile ofa_assets records (src/sim/plant_input.c).
 *
 * `ofc sim` executes what anyone writes to ofa_assets for its assets: commands (checked by the
 * verifier with --trust, by pydantic's rules without), writes of writable variables, anything
 * else mirrored into the ASSETS table; a record too broken to read is still answered by
 * correlation id when its text names one. Input: byte 0 picks the asset (of a 12-device plant)
 * and whether the plant verifies (trust store of docs/command-signing.md's vector keys); the
 * rest is the record. Oracle: no crash, leak or read out of bounds; a result in range, with a
 * reason for every rejection; the plant keeps stepping afterwards.
 */
#include "log.h"
#include "plant.h"
#include "trust_store.h"
#include "verifier.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TRUST[] =
    "ed25519 0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc= operator=alice roles=operator "
    "methods=* assets=*\n";
static const char *const ASSETS[] = {"TEMP-CTRL-001",      "BARCODE-READER-001", "CNC-001",
                                     "DHT-SENSOR-001",     "TEMP-SENS-001",      "EVENT-GEN-001",
                                     "BARCODE-READER-002", "CNC-001-AGENT"};
#define NOW 1786353302417000LL /* the vectors' time */

static void quiet(void *opaque, ofc_log_level level, const char *line)
{
    (void)opaque;
    (void)level;
    (void)line;
}

static void drop(void *opaque, const plant_record *rec)
{
    (void)opaque;
    (void)rec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static plant *plain, *verifying;
    static ofc_trust *trust;
    static ofc_verifier *verifier;
    if (!plain) {
        char err[256];
        ofc_log_set_sink(quiet, NULL); /* every rejection is logged */
        plant_options o = {.devices = 12, .seed = 1, .rate = 50};
        plain = plant_new(&o, err, sizeof err);
        verifying = plant_new(&o, err, sizeof err);
        if (!plain || !verifying ||
            ofc_trust_parse(TRUST, sizeof TRUST - 1, "fuzz", &trust, err, sizeof err) != OFC_OK)
            abort();
        verifier = ofc_verifier_new(trust, NULL);
        plant_set_verifier(verifying, verifier);
        plant_register(plain, NOW, drop, NULL);
        plant_register(verifying, NOW, drop, NULL);
    }
    if (size < 1)
        return 0;
    plant *p = data[0] & 0x80 ? verifying : plain;
    const char *asset = ASSETS[(data[0] & 0x7f) % (sizeof ASSETS / sizeof ASSETS[0])];
    char why[256] = "";
    plant_input r = plant_handle_record(p, asset, strlen(asset), data + 1, size - 1, NOW, drop,
                                        NULL, why, sizeof why);
    if ((unsigned)r > PLANT_INPUT_REJECTED || (r == PLANT_INPUT_REJECTED && !why[0]))
        abort();
    plant_step(p, 4, NOW, drop, NULL);
    return 0;
}
