/* condition: the level of a TYPE=Condition record (wire §5).
 *
 * MTConnect puts the level in the tag ({ns}Normal|Warning|Fault|Unavailable) and the message in
 * the value. OPC UA events have no level: the gateway writes "<message> (Severity: <n>)" with
 * OPC UA severity 1..1000, which ofconsole maps as: 0 -> Normal, 1..699 -> Warning,
 * 700..1000 -> Fault (the reference sensor uses 500 for a malfunction and 900 for
 * over-temperature). A value of "UNAVAILABLE" means the data item itself is unavailable.
 */
#ifndef OFC_CONDITION_H
#define OFC_CONDITION_H

#include "asset_model.h"

#define OFC_SEVERITY_FAULT_MIN 700

/* Classify from the tag's local name and the value text. *severity is -1 when none was given. */
ofc_cond_level condition_classify(const char *tag_local, size_t tag_len, const char *value,
                                  size_t value_len, int *severity);

#endif
