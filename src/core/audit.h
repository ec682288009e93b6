/* audit: every command record (<method>_CMD) the feed reads on ofa_assets, with who sent it, what
 * it asked, why, and whether its signature and policy hold: the audit view of the TUI and web.
 *
 * Records come through the feed's raw tap, so the audit covers what the console read: from the
 * beginning of the retained log by default, and it is rebuilt the same way after a restart.
 * Each is judged by the verifier at the record's own Kafka time (an old command is judged as of
 * when it was sent, not as expired today). Without a trust store every signed command shows as
 * unknown_key and unsigned ones as unsigned: the status is still true. The raw record is kept so
 * an NDJSON export carries the signature for anyone to re-verify, with the two things the
 * verdict depended on besides the record: the Kafka time it was judged at and the target's UNS
 * path (for uns= policies). `ofc verify --stdin` judges an export line again with exactly those.
 *
 * Not listed: the empty `_CMD` records upstream writes at start-up (wire §6.2, §11.4), and
 * records too broken to name a method; ofc_audit_skips() says which.
 */
#ifndef OFC_AUDIT_H
#define OFC_AUDIT_H

#include "asset_model.h"
#include "feed.h"
#include "json_writer.h"
#include "trust_store.h"
#include "verifier.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ofc_audit_entry {
    int64_t kafka_time_us; /* when the record was written (Kafka timestamp), the verdict's clock */
    int32_t partition;
    int64_t offset;
    ofc_verdict verdict;
    ofc_policy policy; /* for OFC_VERDICT_POLICY_DENIED */
    char *target, *method, *correlation_id, *sender, *key_id, *reason, *timestamp;
    size_t arg_count;
    char **arg_names, **arg_values;
    char *uns;         /* the target's UNS path the verdict used; NULL if unmapped then */
    char *record;      /* the record as read (JSON), signature included; NUL-terminated copy */
    size_t record_len; /* its bytes, which may hold NULs a record should not have */
    size_t target_len; /* target's (the Kafka key's) bytes, likewise */
} ofc_audit_entry;

/* Fill e from one check: key and value are the record, v and info what ofc_verifier_check
 * returned for it, uns_id the UNS path and when_us the clock it was given; origin may be NULL.
 * e gets its own copies; release them with ofc_audit_entry_fini(). For tools that judge records
 * themselves and export them in the audit's form (`ofc verify --json`). */
void ofc_audit_entry_init(ofc_audit_entry *e, const void *key, size_t key_len, const void *value,
                          size_t value_len, ofc_verdict v, const ofc_command_info *info,
                          const char *uns_id, int64_t when_us, const ofc_origin *origin);
void ofc_audit_entry_fini(ofc_audit_entry *e);

/* Whether the audit leaves out a record so judged: not a command, upstream's empty start-up
 * `_CMD` records, or a record too broken to name its method. A `_CMD` record with a broken
 * envelope is listed (invalid, with its reason). */
bool ofc_audit_skips(ofc_verdict v, const ofc_command_info *info);

typedef struct ofc_audit ofc_audit;
typedef void (*ofc_audit_fn)(void *opaque, const ofc_audit_entry *entry);

/* trust may be NULL (statuses as above); it and model are borrowed. Keeps the newest max_entries
 * (0 = 100,000). Owned by the caller. */
ofc_audit *ofc_audit_new(const ofc_trust *trust, const ofc_model *model, size_t max_entries);
void ofc_audit_destroy(ofc_audit *audit);
/* Judge records read from now on with another trust store (a reloaded file; NULL: none).
 * Entries already listed keep their verdicts. trust is borrowed. */
void ofc_audit_set_trust(ofc_audit *audit, const ofc_trust *trust);

/* Take the feed's ofa_assets tap (one tap per feed). */
void ofc_audit_attach(ofc_audit *audit, ofc_feed *feed);
/* Feed one record by hand (tests, stdin tools). */
void ofc_audit_add_record(ofc_audit *audit, const void *key, size_t key_len, const void *value,
                          size_t value_len, const ofc_origin *origin);
void ofc_audit_on_entry(ofc_audit *audit, ofc_audit_fn fn, void *opaque);

size_t ofc_audit_count(const ofc_audit *audit);
/* Oldest first; valid until the entry is pushed out or the audit destroyed. */
const ofc_audit_entry *ofc_audit_at(const ofc_audit *audit, size_t i);

/* A one-word status for screens: "valid", "unsigned", "unknown key", or "invalid". */
const char *ofc_audit_status(const ofc_audit_entry *e);
/* Filters: NULL or 0 matches all. operator and asset match exactly; times are Kafka times. */
bool ofc_audit_matches(const ofc_audit_entry *e, const char *operator_id, const char *asset,
                       int64_t since_us, int64_t until_us);
/* One NDJSON object: status, verdict, who, what, why, when (time, kafka_time_us), where
 * (partition, offset, uns) and the raw record. A target or record that JSON text cannot carry
 * byte for byte (invalid UTF-8, NUL) is also written exactly as target_base64 / record_base64,
 * so that checking the export again judges the very bytes that were judged. */
void ofc_audit_write_json(const ofc_audit_entry *e, json_writer *jw);

#endif
