/* truth_compare: compare an `ofc snapshot` document with the virtual plant's ground truth.
 *
 * Every asset of the truth must be in the snapshot with the same type, availability, UNS path
 * and device link, and every attribute with the same TYPE, TAG and value; the snapshot must
 * hold no asset the plant did not make. Attributes whose ID ends in _CMD are commands written
 * by others (tests, operators) and are not the plant's to know.
 */
#ifndef OFC_TEST_TRUTH_COMPARE_H
#define OFC_TEST_TRUTH_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum truth_mode {
    TRUTH_EXACT, /* values keep their JSON kind (replay of ofa_assets) */
    TRUTH_TEXT,  /* values compared as text (ksqlDB's ASSETS table makes every value a string) */
} truth_mode;

/* Returns the number of mismatches; the first few are described in report. */
size_t truth_compare(const json_t *snapshot, const json_t *truth, truth_mode mode, char *report,
                     size_t report_size);

#endif
