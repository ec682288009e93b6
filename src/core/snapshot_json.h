/* snapshot_json: the model as JSON, the stable plain-data view of the plant.
 *
 * Format "ofconsole-snapshot/1", documented in docs/snapshot-format.md; scripts and tests depend
 * on it, so fields are only ever added. Values keep their JSON kind as produced (a number stays
 * a number token verbatim, MTConnect text stays a string). Assets are sorted by uuid and
 * attributes by ID so two snapshots of the same log are byte-identical apart from times.
 */
#ifndef OFC_SNAPSHOT_JSON_H
#define OFC_SNAPSHOT_JSON_H

#include "asset_model.h"
#include "feed.h"
#include "json_writer.h"

#include <stdbool.h>

typedef struct ofc_snapshot_opts {
    const char *uns_prefix; /* NULL or "" for the whole plant; "(unmapped)" for that branch */
    bool include_removed;   /* deregistered assets too */
    bool include_history;   /* trend points of Samples */
} ofc_snapshot_opts;

/* Write the whole document. feed may be NULL (no positions or status then). */
void ofc_snapshot_write(json_writer *jw, const ofc_model *model, const ofc_feed *feed,
                        const ofc_snapshot_opts *opts);
/* One asset object, as inside "assets". */
void ofc_snapshot_write_asset(json_writer *jw, const ofc_asset *asset, bool include_history);
/* One attribute object, as inside an asset's "attributes". */
void ofc_snapshot_write_attr(json_writer *jw, const ofc_attr *attr, bool include_history);
/* The value with its JSON kind. */
void ofc_snapshot_write_value(json_writer *jw, const ofc_attr *attr);
/* "positions": the Kafka offsets the model reflects, one {topic, partition, next_offset} per
 * assigned partition (a snapshot's, and a web status's, so clients can compare replicas). */
void ofc_snapshot_write_positions(json_writer *jw, const ofc_feed *feed);
/* "rejected" (records refused, by reason) and "missing_topics" (configured topics not found):
 * members of a status object, the snapshot's and the web status's alike. */
void ofc_snapshot_write_rejects(json_writer *jw, const ofc_feed *feed);
/* Does the asset fall under the UNS prefix? */
bool ofc_snapshot_asset_matches(const ofc_asset *asset, const char *uns_prefix);

#endif
