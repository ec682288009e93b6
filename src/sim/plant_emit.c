/* plant_emit: the bytes of every record the virtual plant writes.
 *
 * One item write becomes an `ofa_assets` record in its producer's casing (wire §3.1: SDK,
 * OPC UA connector or mtc2kafka), the ASSETS table row ksqlDB would derive from it (wire §3.2)
 * and, for AssetType / avail / DockerService, the row of the derived table (wire §3.3). What was
 * written is remembered on the item: that is the plant's ground truth.
 */
#include "plant_internal.h"

#include "timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static sim_style item_style(const sim_asset *a, const sim_item *it)
{
    return it->desc->style != SIM_STYLE_KIND ? it->desc->style : a->kind->style;
}

static void send(plant *p, plant_topic topic, const char *key, size_t key_len, const char *value,
                 size_t value_len, const plant_header *headers, size_t n_headers,
                 const sim_asset *a, const char *id)
{
    plant_record rec = {
        .topic = topic,
        .key = key,
        .key_len = key_len,
        .value = value,
        .value_len = value_len,
        .headers = headers,
        .header_count = n_headers,
        .timestamp_ms = p->now_us / 1000,
        .asset = a->uuid,
        .id = id,
    };
    p->emit(p->opaque, &rec);
}

static void write_value(json_writer *jw, sim_vkind kind, const char *text, uint32_t len)
{
    switch (kind) {
    case SIM_V_NULL: jw_null(jw); break;
    case SIM_V_STRING: jw_string_n(jw, text, len); break;
    case SIM_V_NUMBER:
    case SIM_V_BOOL: jw_raw(jw, text, len); break;
    }
}

void plant__emit_table_row(plant *p, const sim_asset *a, const char *id, sim_vkind kind,
                           const char *value, const char *type, const char *tag,
                           const char *timestamp)
{
    json_writer *key = &p->jw2, *jw = &p->jw;
    jw_reset(key);
    jw_append(key, a->uuid, a->uuid_len);
    jw_append(key, "|", 1);
    jw_append(key, id, strlen(id));
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, "ASSET_UUID");
    jw_string_n(jw, a->uuid, a->uuid_len);
    jw_key(jw, "ID");
    jw_string(jw, id);
    /* ksqlDB's VALUE column is VARCHAR: numbers and bools become their text; null stays. */
    jw_key(jw, "VALUE");
    if (kind == SIM_V_NULL)
        jw_null(jw);
    else
        jw_string(jw, value);
    jw_key(jw, "TYPE");
    if (type)
        jw_string(jw, type);
    else
        jw_null(jw);
    jw_key(jw, "TAG");
    if (tag)
        jw_string(jw, tag);
    else
        jw_null(jw);
    jw_key(jw, "TIMESTAMP");
    jw_string(jw, timestamp ? timestamp : "UNAVAILABLE");
    jw_object_end(jw);
    send(p, PLANT_TOPIC_ASSETS_TABLE, key->buf, key->len, jw->buf, jw->len, NULL, 0, a, id);
}

static void emit_derived(plant *p, const sim_asset *a, sim_derive derive, const char *value)
{
    static const struct {
        plant_topic topic;
        const char *column;
    } tables[] = {
        [SIM_DERIVE_TYPES] = {PLANT_TOPIC_TYPES, "TYPE"},
        [SIM_DERIVE_AVAIL] = {PLANT_TOPIC_AVAIL, "AVAILABILITY"},
        [SIM_DERIVE_DOCKER] = {PLANT_TOPIC_DOCKER, "DOCKER_SERVICE"},
    };
    json_writer *jw = &p->jw;
    jw_reset(jw);
    jw_object_begin(jw);
    jw_key(jw, tables[derive].column);
    jw_string(jw, value);
    jw_object_end(jw);
    send(p, tables[derive].topic, a->uuid, a->uuid_len, jw->buf, jw->len, NULL, 0, a, NULL);
}

bool plant__emit_item(plant *p, sim_asset *a, size_t idx)
{
    sim_item *it = &a->items[idx];
    const sim_item_desc *d = it->desc;
    sim_style style = item_style(a, it);
    bool mtc = style == SIM_STYLE_MTC || style == SIM_STYLE_MTC_NOHDR;
    /* An outcome is the executor's answer, given even while the device itself is off line. */
    bool masked =
        a->down && d->beh != SIM_BEH_AVAIL && d->beh != SIM_BEH_REG && d->beh != SIM_BEH_OUTCOME;
    bool cond = d->beh == SIM_BEH_COND_UA || d->beh == SIM_BEH_COND_MTC;
    if (masked && !mtc)
        return false; /* an OPC UA device that is off line sends nothing */

    sim_vkind kind = it->cur.kind;
    const char *text = it->cur.s;
    uint32_t len = it->cur.len;
    const char *tag = cond ? plant__cond_tag(it) : d->tag;
    if (masked) {
        if (d->beh == SIM_BEH_COND_MTC) {
            tag = SIM_MTC_NS "Unavailable";
            kind = SIM_V_NULL;
        } else {
            kind = SIM_V_STRING;
        }
        text = kind == SIM_V_NULL ? "" : "UNAVAILABLE";
        len = (uint32_t)strlen(text);
    }
    if (mtc && kind != SIM_V_NULL)
        kind = SIM_V_STRING; /* mtc2kafka writes the XML text */

    char ts[40], ingest[40];
    ofc_time_format_iso(p->now_us, mtc ? 6 : 3, ts, sizeof ts);
    json_writer *jw = &p->jw;
    jw_reset(jw);
    jw_object_begin(jw);
    if (mtc) {
        jw_key(jw, "id");
        jw_string(jw, d->id);
        jw_key(jw, "tag");
        jw_string(jw, tag);
        jw_key(jw, "type");
        jw_string(jw, d->type);
        jw_key(jw, "attributes");
        jw_object_begin(jw);
        jw_key(jw, "timestamp");
        jw_string(jw, ts);
        if (d->subtype) {
            jw_key(jw, "subType");
            jw_string(jw, d->subtype);
        }
        if (d->beh == SIM_BEH_COND_MTC) {
            jw_key(jw, "type_mtc");
            jw_string(jw, d->cond->type_mtc);
            if (it->active && !masked) {
                jw_key(jw, "nativeCode");
                jw_string(jw, d->cond->faults[it->active - 1].native_code);
            }
        }
        jw_object_end(jw);
        jw_key(jw, "value");
        write_value(jw, kind, text, len);
    } else {
        jw_key(jw, "ID");
        jw_string(jw, d->id);
        jw_key(jw, "VALUE");
        write_value(jw, kind, text, len);
        jw_key(jw, "TAG");
        jw_string(jw, tag);
        jw_key(jw, "TYPE");
        jw_string(jw, d->type);
        jw_key(jw, "attributes");
        jw_object_begin(jw);
        jw_key(jw, "timestamp");
        jw_string(jw, ts);
        if (style == SIM_STYLE_OPCUA) {
            /* The gateway stamps its own ingestion a moment after the device's timestamp. */
            ofc_time_format_iso(p->now_us + 1000, 3, ingest, sizeof ingest);
            jw_key(jw, "ingestion_timestamp");
            jw_string(jw, ingest);
        }
        jw_object_end(jw);
    }
    jw_object_end(jw);

    plant_header hdr[3];
    size_t n_hdr = 0;
    char agent[200], seq[24];
    if (style == SIM_STYLE_MTC) {
        sim_asset *dev = &p->assets[a->device];
        snprintf(agent, sizeof agent, "%s-agent:5000", dev->asset_level);
        snprintf(seq, sizeof seq, "%" PRIu64, ++dev->mtc_sequence);
        hdr[0] = (plant_header){"agent", agent};
        hdr[1] = (plant_header){"instanceID", p->instance_id};
        hdr[2] = (plant_header){"sequence", seq};
        n_hdr = 3;
    }
    send(p, PLANT_TOPIC_ASSETS, a->uuid, a->uuid_len, jw->buf, jw->len, hdr, n_hdr, a, d->id);
    p->produced++;

    plant__text_set(&it->last, kind, text, len);
    it->last_tag = tag;
    it->written = true;

    plant__emit_table_row(p, a, d->id, kind, it->last.s, d->type, tag, ts);
    if (d->derive != SIM_DERIVE_NONE)
        emit_derived(p, a, d->derive, it->last.s);
    return true;
}

void plant__emit_uns_map(plant *p, const sim_asset *a, bool registered)
{
    static const char *const names[4] = {"inc", "area", "workcenter", "asset"};
    json_writer *jw = &p->jw;
    jw_reset(jw);
    jw_object_begin(jw);
    if (registered) {
        /* register_asset writes upper-case fields and epoch ms (wire §3.4). */
        jw_key(jw, "ASSET_UUID");
        jw_string_n(jw, a->uuid, a->uuid_len);
        jw_key(jw, "UNS_ID");
        jw_string(jw, a->uns_id);
        jw_key(jw, "UNS_LEVELS");
        jw_object_begin(jw);
        for (int i = 0; i < 4; i++) {
            jw_key(jw, names[i]);
            jw_string(jw, a->levels[i]);
        }
        jw_object_end(jw);
        jw_key(jw, "UPDATED_AT");
    } else {
        /* ... and deregister_asset lower-case fields with nulls, not a tombstone. */
        jw_key(jw, "asset_uuid");
        jw_string_n(jw, a->uuid, a->uuid_len);
        jw_key(jw, "uns_id");
        jw_null(jw);
        jw_key(jw, "uns_levels");
        jw_null(jw);
        jw_key(jw, "updated_at");
    }
    jw_int(jw, p->now_us / 1000);
    jw_object_end(jw);
    send(p, PLANT_TOPIC_UNS_MAP, a->uuid, a->uuid_len, jw->buf, jw->len, NULL, 0, a, NULL);
}

void plant__emit_tombstone(plant *p, plant_topic topic, const sim_asset *a)
{
    send(p, topic, a->uuid, a->uuid_len, NULL, 0, NULL, 0, a, NULL);
}
