/* plant_truth: the plant's ground truth, the reference integration tests compare with what a
 * console shows (`ofc snapshot`).
 *
 * Format "ofconsole-sim-truth/1" (docs/sim.md): every asset sorted by uuid, and for each the
 * JSON value last written on ofa_assets for every attribute ID, sorted by ID. Values are the very
 * tokens that went on the wire (numbers keep their fixed decimals), so a comparison can be
 * exact. The file is replaced atomically so a reader never sees half of it.
 */
#include "plant_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_text(json_writer *jw, const sim_text *t)
{
    switch (t->kind) {
    case SIM_V_NULL: jw_null(jw); break;
    case SIM_V_STRING: jw_string_n(jw, t->s, t->len); break;
    case SIM_V_NUMBER:
    case SIM_V_BOOL: jw_raw(jw, t->s, t->len); break;
    }
}

static const sim_item *written(const sim_asset *a, const char *id)
{
    for (size_t i = 0; i < a->n_items; i++)
        if (a->items[i].written && strcmp(a->items[i].desc->id, id) == 0)
            return &a->items[i];
    return NULL;
}

static void write_asset(const plant *p, const sim_asset *a, json_writer *jw)
{
    static const char *const level_names[4] = {"inc", "area", "workcenter", "asset"};
    const sim_item *type = written(a, "AssetType");
    const sim_item *avail =
        a->avail_item >= 0 && a->items[a->avail_item].written ? &a->items[a->avail_item] : NULL;
    jw_object_begin(jw);
    jw_key(jw, "uuid");
    jw_string_n(jw, a->uuid, a->uuid_len);
    /* After --deregister-on-exit the type row is a tombstone and the UNS mapping null. */
    jw_key(jw, "asset_type");
    if (type && !p->deregistered)
        write_text(jw, &type->last);
    else
        jw_null(jw);
    jw_key(jw, "availability");
    if (avail)
        write_text(jw, &avail->last);
    else
        jw_null(jw);
    bool mapped = a->uns_id && !p->deregistered;
    jw_key(jw, "uns_id");
    if (mapped)
        jw_string(jw, a->uns_id);
    else
        jw_null(jw);
    jw_key(jw, "uns_levels");
    if (mapped) {
        jw_object_begin(jw);
        for (int i = 0; i < 4; i++) {
            jw_key(jw, level_names[i]);
            jw_string(jw, a->levels[i]);
        }
        jw_object_end(jw);
    } else {
        jw_null(jw);
    }
    jw_key(jw, "device");
    if (a->role == SIM_ROLE_DEVICE)
        jw_null(jw);
    else
        jw_string(jw, p->assets[a->device].uuid);

    /* Attribute IDs sorted with strcmp; an asset has a few dozen at most. */
    const sim_item *order[64];
    size_t n = 0;
    for (size_t i = 0; i < a->n_items && n < sizeof order / sizeof order[0]; i++) {
        const sim_item *it = &a->items[i];
        if (!it->written)
            continue;
        size_t j = n++;
        while (j > 0 && strcmp(order[j - 1]->desc->id, it->desc->id) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = it;
    }
    jw_key(jw, "attributes");
    jw_array_begin(jw);
    for (size_t i = 0; i < n; i++) {
        jw_object_begin(jw);
        jw_key(jw, "id");
        jw_string(jw, order[i]->desc->id);
        jw_key(jw, "type");
        jw_string(jw, order[i]->desc->type);
        jw_key(jw, "tag");
        jw_string(jw, order[i]->last_tag);
        jw_key(jw, "value");
        write_text(jw, &order[i]->last);
        jw_object_end(jw);
    }
    jw_array_end(jw);
    jw_object_end(jw);
}

void plant_truth_write(const plant *p, json_writer *jw)
{
    jw_object_begin(jw);
    jw_key(jw, "format");
    jw_string(jw, "ofconsole-sim-truth/1");
    jw_key(jw, "seed");
    jw_int(jw, (int64_t)p->seed);
    jw_key(jw, "produced");
    jw_int(jw, (int64_t)p->produced);
    jw_key(jw, "assets");
    jw_array_begin(jw);
    for (size_t i = 0; i < p->n_assets; i++) {
        jw_append(jw, i ? ",\n" : "\n", i ? 2 : 1); /* one asset a line, for diff and grep */
        jw->has_items[jw->depth] = false;           /* the comma was written by hand */
        write_asset(p, &p->assets[p->sorted[i]], jw);
    }
    jw_array_end(jw);
    jw_object_end(jw);
    jw_append(jw, "\n", 1);
}

bool plant_last_value(const plant *p, const char *uuid, const char *id, char *buf, size_t size)
{
    const sim_asset *a = plant__find(p, uuid, strlen(uuid));
    const sim_item *it = a ? written(a, id) : NULL;
    if (!it)
        return false;
    json_writer jw;
    jw_init(&jw);
    write_text(&jw, &it->last);
    snprintf(buf, size, "%s", jw.buf ? jw.buf : "");
    jw_fini(&jw);
    return true;
}

ofc_err plant_truth_save(const plant *p, const char *path, char *errstr, size_t errstr_size)
{
    json_writer jw;
    jw_init(&jw);
    plant_truth_write(p, &jw);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", tmp, strerror(errno));
        jw_fini(&jw);
        return OFC_ERR_IO;
    }
    bool ok = fwrite(jw.buf, 1, jw.len, f) == jw.len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    jw_fini(&jw);
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            saved = errno;
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(saved));
        unlink(tmp);
        return OFC_ERR_IO;
    }
    return OFC_OK;
}
