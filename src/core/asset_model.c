/* asset_model: applies parsed OpenFactory records to assets and attributes, keeps the UNS tree
 * and per-state counts current, and batches changes for subscribers.
 *
 * Cross-topic ordering: the stream and the ksqlDB tables are separate topics read in parallel,
 * so a replay may see a table row before an older stream record about the same thing. Asset type
 * and availability therefore keep the Kafka timestamp of the record that set them and ignore an
 * older one; registration comes from assets_types_topic alone; a value seeded from the ASSETS
 * table is not overwritten by a stream record with an older source timestamp.
 */
#include "asset_model.h"

#include "condition.h"
#include "history.h"
#include "method_contract.h"
#include "strmap.h"
#include "strpool.h"
#include "timeutil.h"
#include "uns_tree.h"
#include "xmalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_INLINE 24

enum attr_flags {
    ATTR_FROM_TABLE =
        1 << 0,            /* value seeded from ASSETS; an older stream record won't replace it */
    ATTR_NUMERIC = 1 << 1, /* number holds the value */
};

struct ofc_attr {
    /* written on every update: kept together at the front */
    const char *id; /* pooled */
    uint32_t value_len;
    uint8_t type;
    uint8_t value_kind;
    uint8_t cond_level;
    uint8_t flags;
    uint64_t updates;
    uint64_t batch_gen;
    int64_t source_ts_us;
    int64_t received_us;
    double number;
    history *hist; /* owned; Samples only */
    char value_inline[VALUE_INLINE];
    int64_t offset;
    int64_t kafka_ts_ms;
    int32_t partition;
    uint8_t origin_topic;
    int16_t severity;
    /* rarely changing */
    const char *tag;       /* pooled */
    const char *type_text; /* pooled */
    char *value_heap;      /* owned; NULL while the value fits value_inline */
    uint32_t value_cap;    /* of value_heap */
    const ofc_asset *asset;
    method_contract *method; /* owned; Method only */
    int64_t cond_since_us;   /* when the condition entered its current level */
    int32_t alarm_slot;      /* index in the model's active alarms, or -1 */
};

/* The id is kept in the slot so probing never touches attributes that do not match. */
typedef struct attr_slot {
    const char *id;
    ofc_attr *attr;
} attr_slot;

struct ofc_asset {
    const ofc_model *model;
    size_t uuid_len;
    size_t index;
    attr_slot *attr_slots;  /* open addressing keyed by the pooled id address */
    uint32_t attr_slot_cap; /* power of two, or 0 */
    ofc_attr **attrs;
    size_t attr_count, attr_cap;
    char *asset_type; /* owned */
    int64_t asset_type_ts;
    char *avail_text; /* owned */
    int64_t avail_ts;
    ofc_availability avail;
    ofc_registration reg;
    char *uns_id; /* owned */
    size_t level_count;
    char **level_names;  /* owned */
    char **level_values; /* owned */
    ofc_asset *device;
    ofc_asset **helpers;
    size_t helper_count;
    ofc_uns_node *node;
    ofc_state state;
    uint32_t cond_counts[5]; /* by ofc_cond_level */
    int64_t last_update_us;
    uint64_t batch_gen;
    char uuid[]; /* inline: the by-uuid lookup compares keys in memory it then uses */
};

typedef struct observer {
    int id;
    ofc_model_observer_fn fn;
    void *opaque;
    unsigned flags;
    bool dead;
} observer;

struct ofc_model {
    ofc_model_limits limits;
    strmap by_uuid;
    ofc_asset **assets;
    size_t asset_count, asset_cap;
    size_t attr_count;
    size_t active_conditions;
    ofc_attr **alarms; /* active Warning/Fault conditions, unordered; attr->alarm_slot indexes */
    size_t alarm_count, alarm_cap;
    strpool pool;
    uns_tree tree;
    ofc_change *pending;
    size_t pending_count, pending_cap;
    uint64_t batch_gen;
    uint64_t seq;
    observer *observers;
    size_t observer_count, observer_cap;
    int next_observer_id;
    int dispatching;
    int64_t now_us; /* set by the feed once per batch; 0 = read the clock per record */
};

static const char *const state_names[] = {"normal", "unavailable", "warning", "fault"};
static const char *const level_names[] = {"none", "normal", "warning", "fault", "unavailable"};
static const char *const reg_names[] = {"unknown", "deployed", "removed"};

const char *ofc_state_name(ofc_state state)
{
    return (unsigned)state < OFC_STATE__COUNT ? state_names[state] : "unknown";
}

const char *ofc_cond_level_name(ofc_cond_level level)
{
    return (unsigned)level <= OFC_COND_UNAVAILABLE ? level_names[level] : "unknown";
}

const char *ofc_registration_name(ofc_registration reg)
{
    return (unsigned)reg <= OFC_REG_REMOVED ? reg_names[reg] : "unknown";
}

ofc_model *ofc_model_new(const ofc_model_limits *limits)
{
    ofc_model *m = xcalloc(1, sizeof *m);
    m->limits.history_points = 120;
    m->limits.max_assets = 100000;
    m->limits.max_attributes = 4096;
    if (limits) {
        if (limits->history_points >= 2)
            m->limits.history_points = limits->history_points;
        if (limits->max_assets)
            m->limits.max_assets = limits->max_assets;
        if (limits->max_attributes)
            m->limits.max_attributes = limits->max_attributes;
    }
    strmap_init(&m->by_uuid);
    strpool_init(&m->pool);
    uns_tree_init(&m->tree);
    m->batch_gen = 1;
    m->next_observer_id = 1;
    return m;
}

static void attr_free(ofc_attr *a)
{
    free(a->value_heap);
    history_destroy(a->hist);
    method_contract_destroy(a->method);
    free(a);
}

static void asset_free(ofc_asset *a)
{
    for (size_t i = 0; i < a->attr_count; i++)
        attr_free(a->attrs[i]);
    free(a->attrs);
    free(a->attr_slots);
    for (size_t i = 0; i < a->level_count; i++) {
        free(a->level_names[i]);
        free(a->level_values[i]);
    }
    free(a->level_names);
    free(a->level_values);
    free(a->helpers);
    free(a->asset_type);
    free(a->avail_text);
    free(a->uns_id);
    free(a);
}

void ofc_model_destroy(ofc_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->asset_count; i++)
        asset_free(m->assets[i]);
    free(m->assets);
    strmap_fini(&m->by_uuid);
    uns_tree_fini(&m->tree);
    strpool_fini(&m->pool);
    free(m->pending);
    free(m->observers);
    free(m->alarms);
    free(m);
}

/* ---- change batching ---- */

static void dispatch_each(ofc_model *m, const ofc_change *ch)
{
    ofc_change_batch one = {ch, 1, m->seq, false};
    m->dispatching++;
    for (size_t i = 0; i < m->observer_count; i++) {
        observer *o = &m->observers[i];
        if (!o->dead && (o->flags & OFC_SUB_EACH))
            o->fn(o->opaque, &one);
    }
    m->dispatching--;
}

static void push_change(ofc_model *m, ofc_change_kind kind, ofc_asset *asset, ofc_attr *attr)
{
    uint64_t *gen = attr ? &attr->batch_gen : &asset->batch_gen;
    ofc_change ch = {kind, asset, attr};
    if (*gen != m->batch_gen) {
        *gen = m->batch_gen;
        if (m->pending_count == m->pending_cap) {
            m->pending_cap = m->pending_cap ? m->pending_cap * 2 : 256;
            m->pending = xreallocarray(m->pending, m->pending_cap, sizeof *m->pending);
        }
        m->pending[m->pending_count++] = ch;
    }
    for (size_t i = 0; i < m->observer_count; i++) {
        if (m->observers[i].flags & OFC_SUB_EACH) {
            dispatch_each(m, &ch);
            break;
        }
    }
}

static void assert_not_dispatching(const ofc_model *m)
{
    if (m->dispatching) {
        fprintf(stderr, "ofc: internal error: model changed from inside a change observer\n");
        abort();
    }
}

int ofc_model_subscribe(ofc_model *m, ofc_model_observer_fn fn, void *opaque, unsigned flags)
{
    if (m->observer_count == m->observer_cap) {
        m->observer_cap = m->observer_cap ? m->observer_cap * 2 : 4;
        m->observers = xreallocarray(m->observers, m->observer_cap, sizeof *m->observers);
    }
    observer *o = &m->observers[m->observer_count++];
    o->id = m->next_observer_id++;
    o->fn = fn;
    o->opaque = opaque;
    o->flags = flags;
    o->dead = false;
    return o->id;
}

static void compact_observers(ofc_model *m)
{
    size_t kept = 0;
    for (size_t i = 0; i < m->observer_count; i++)
        if (!m->observers[i].dead)
            m->observers[kept++] = m->observers[i];
    m->observer_count = kept;
}

void ofc_model_unsubscribe(ofc_model *m, int id)
{
    for (size_t i = 0; i < m->observer_count; i++)
        if (m->observers[i].id == id)
            m->observers[i].dead = true;
    if (!m->dispatching)
        compact_observers(m);
}

size_t ofc_model_pending(const ofc_model *m)
{
    return m->pending_count + (m->tree.changed ? 1 : 0);
}

size_t ofc_model_flush(ofc_model *m)
{
    assert_not_dispatching(m);
    if (m->pending_count == 0 && !m->tree.changed)
        return 0;
    if (m->tree.changed)
        uns_tree_prune(&m->tree);
    ofc_change_batch batch = {m->pending, m->pending_count, ++m->seq,
                              uns_tree_take_changed(&m->tree)};
    m->dispatching++;
    for (size_t i = 0; i < m->observer_count; i++) {
        observer *o = &m->observers[i];
        if (!o->dead && !(o->flags & OFC_SUB_EACH))
            o->fn(o->opaque, &batch);
    }
    m->dispatching--;
    compact_observers(m);
    size_t n = m->pending_count;
    m->pending_count = 0;
    m->batch_gen++;
    return n;
}

/* ---- assets ---- */

static ofc_state asset_compute_state(const ofc_asset *a)
{
    if (a->cond_counts[OFC_COND_FAULT])
        return OFC_STATE_FAULT;
    if (a->cond_counts[OFC_COND_WARNING])
        return OFC_STATE_WARNING;
    if (a->avail == OFC_AVAIL_UNAVAILABLE || a->cond_counts[OFC_COND_UNAVAILABLE])
        return OFC_STATE_UNAVAILABLE;
    return OFC_STATE_NORMAL;
}

static void asset_restate(ofc_model *m, ofc_asset *a)
{
    ofc_state st = asset_compute_state(a);
    if (st == a->state)
        return;
    if (a->node)
        uns_tree_restate(a->node, a->state, st);
    a->state = st;
    push_change(m, OFC_CHANGE_ASSET, a, NULL);
}

/* Put the asset where it belongs in the tree: its UNS node, nowhere (removed, or a helper
 * shown with its device), or the unmapped branch. */
static void asset_place(ofc_model *m, ofc_asset *a)
{
    bool hidden = a->reg == OFC_REG_REMOVED || (!a->uns_id && a->device);
    const char *want = hidden ? NULL : a->uns_id;
    if (a->node) {
        const char *have = ofc_uns_node_is_unmapped(a->node) ? NULL : ofc_uns_node_path(a->node);
        bool same = !hidden && ((!have && !want) || (have && want && strcmp(have, want) == 0));
        if (same)
            return;
        uns_tree_detach(&m->tree, a->node, a, a->state);
        a->node = NULL;
    }
    if (!hidden)
        a->node = uns_tree_attach(&m->tree, want, a, a->state);
    push_change(m, OFC_CHANGE_ASSET, a, NULL);
}

static bool ends_with(const char *s, size_t len, const char *suffix, size_t *prefix_len)
{
    size_t n = strlen(suffix);
    if (len <= n || memcmp(s + len - n, suffix, n) != 0)
        return false;
    *prefix_len = len - n;
    return true;
}

static void link_helper(ofc_model *m, ofc_asset *device, ofc_asset *helper)
{
    if (helper->device)
        return;
    helper->device = device;
    device->helpers =
        xreallocarray(device->helpers, device->helper_count + 1, sizeof *device->helpers);
    /* Kept sorted by uuid: helpers arrive from different partitions in any interleaving, and
     * the same log must give the same model (replicas compare equal). */
    size_t at = device->helper_count;
    while (at > 0 && strcmp(device->helpers[at - 1]->uuid, helper->uuid) > 0) {
        device->helpers[at] = device->helpers[at - 1];
        at--;
    }
    device->helpers[at] = helper;
    device->helper_count++;
    push_change(m, OFC_CHANGE_ASSET, device, NULL);
    asset_place(m, helper);
}

static void asset_link_helpers(ofc_model *m, ofc_asset *a)
{
    static const char *const suffixes[] = {"-AGENT", "-PRODUCER"};
    size_t plen;
    for (size_t i = 0; i < 2; i++) {
        if (ends_with(a->uuid, a->uuid_len, suffixes[i], &plen)) {
            ofc_asset *dev = strmap_get(&m->by_uuid, a->uuid, plen);
            if (dev)
                link_helper(m, dev, a);
            return;
        }
    }
    for (size_t i = 0; i < 2; i++) {
        char name[1100];
        int n = snprintf(name, sizeof name, "%s%s", a->uuid, suffixes[i]);
        if (n <= 0 || (size_t)n >= sizeof name)
            continue;
        ofc_asset *helper = strmap_get(&m->by_uuid, name, (size_t)n);
        if (helper)
            link_helper(m, a, helper);
    }
}

static ofc_asset *asset_get(ofc_model *m, ofc_str uuid, ofc_reject *reject)
{
    uint64_t h = strmap_hash(uuid.ptr, uuid.len);
    ofc_asset *a = strmap_get_hashed(&m->by_uuid, h, uuid.ptr, uuid.len);
    if (a)
        return a;
    if (m->asset_count >= m->limits.max_assets) {
        *reject = OFC_REJECT_LIMIT_ASSETS;
        return NULL;
    }
    a = xcalloc(1, sizeof *a + uuid.len + 1);
    memcpy(a->uuid, uuid.ptr, uuid.len);
    a->model = m;
    a->uuid_len = uuid.len;
    a->index = m->asset_count;
    if (m->asset_count == m->asset_cap) {
        m->asset_cap = m->asset_cap ? m->asset_cap * 2 : 64;
        m->assets = xreallocarray(m->assets, m->asset_cap, sizeof *m->assets);
    }
    m->assets[m->asset_count++] = a;
    strmap_put_hashed(&m->by_uuid, h, a->uuid, a->uuid_len, a);
    push_change(m, OFC_CHANGE_ASSET, a, NULL);
    asset_link_helpers(m, a);
    asset_place(m, a);
    return a;
}

static bool str_equals(const char *s, ofc_str v)
{
    return s && strlen(s) == v.len && memcmp(s, v.ptr, v.len) == 0;
}

static void set_owned(char **dst, ofc_str v)
{
    if (str_equals(*dst, v))
        return;
    free(*dst);
    *dst = xstrndup(v.ptr, v.len);
}

static bool str_is_ci(ofc_str v, const char *word)
{
    size_t n = strlen(word);
    if (v.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v.ptr[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        char w = word[i];
        if (w >= 'A' && w <= 'Z')
            w = (char)(w - 'A' + 'a');
        if (c != w)
            return false;
    }
    return true;
}

/* Availability from avail/agent_avail or assets_avail_topic; ts orders the two sources. */
static void asset_set_availability(ofc_model *m, ofc_asset *a, ofc_str text, bool removed,
                                   int64_t ts)
{
    if (ts && a->avail_ts && ts < a->avail_ts)
        return;
    a->avail_ts = ts;
    ofc_availability av = OFC_AVAIL_UNKNOWN;
    if (removed || str_is_ci(text, "delete")) {
        OFC_FREE(a->avail_text);
    } else {
        set_owned(&a->avail_text, text);
        av = str_is_ci(text, "AVAILABLE") ? OFC_AVAIL_AVAILABLE : OFC_AVAIL_UNAVAILABLE;
    }
    if (av != a->avail) {
        a->avail = av;
        push_change(m, OFC_CHANGE_ASSET, a, NULL);
        asset_restate(m, a);
    }
}

static void asset_set_type(ofc_model *m, ofc_asset *a, ofc_str text, int64_t ts)
{
    if (str_is_ci(text, "delete") || (ts && a->asset_type_ts && ts < a->asset_type_ts))
        return;
    a->asset_type_ts = ts;
    if (str_equals(a->asset_type, text))
        return;
    set_owned(&a->asset_type, text);
    push_change(m, OFC_CHANGE_ASSET, a, NULL);
}

/* ---- attributes ---- */

static const char *pooled(ofc_model *m, const char *current, ofc_str v)
{
    if (str_equals(current, v))
        return current;
    return strpool_intern(&m->pool, v.ptr, v.len);
}

/* Attribute IDs are interned, so within an asset an ID is identified by its address: the index
 * compares pointers and never touches key bytes. */
static uint32_t id_slot(const char *pooled_id, uint32_t mask)
{
    uint64_t h = (uint64_t)(uintptr_t)pooled_id * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 40) & mask;
}

static ofc_attr *attr_index_find(const ofc_asset *a, const char *pooled_id)
{
    if (!a->attr_slot_cap)
        return NULL;
    uint32_t mask = a->attr_slot_cap - 1;
    for (uint32_t i = id_slot(pooled_id, mask);; i = (i + 1) & mask) {
        const attr_slot *slot = &a->attr_slots[i];
        if (slot->id == pooled_id || !slot->id)
            return slot->attr;
    }
}

static void attr_index_insert(ofc_asset *a, ofc_attr *at)
{
    if ((a->attr_count + 1) * 2 > a->attr_slot_cap) {
        uint32_t cap = a->attr_slot_cap ? a->attr_slot_cap * 2 : 16;
        free(a->attr_slots);
        a->attr_slots = xcalloc(cap, sizeof *a->attr_slots);
        a->attr_slot_cap = cap;
        for (size_t k = 0; k < a->attr_count; k++)
            attr_index_insert(a, a->attrs[k]);
    }
    uint32_t mask = a->attr_slot_cap - 1, i = id_slot(at->id, mask);
    while (a->attr_slots[i].id)
        i = (i + 1) & mask;
    a->attr_slots[i] = (attr_slot){at->id, at};
}

static ofc_attr *attr_get(ofc_model *m, ofc_asset *a, ofc_str id, ofc_reject *reject)
{
    const char *pooled_id = strpool_intern(&m->pool, id.ptr, id.len);
    ofc_attr *at = attr_index_find(a, pooled_id);
    if (at)
        return at;
    if (a->attr_count >= m->limits.max_attributes) {
        *reject = OFC_REJECT_LIMIT_ATTRIBUTES;
        return NULL;
    }
    at = xcalloc(1, sizeof *at);
    at->asset = a;
    at->id = pooled_id;
    at->severity = -1;
    at->alarm_slot = -1;
    at->tag = "";
    at->type_text = "";
    if (a->attr_count == a->attr_cap) {
        a->attr_cap = a->attr_cap ? a->attr_cap * 2 : 8;
        a->attrs = xreallocarray(a->attrs, a->attr_cap, sizeof *a->attrs);
    }
    attr_index_insert(a, at);
    a->attrs[a->attr_count++] = at;
    m->attr_count++;
    return at;
}

static const char *attr_value_ptr(const ofc_attr *at)
{
    return at->value_heap ? at->value_heap : at->value_inline;
}

/* Returns true if the text changed. */
static bool attr_set_value(ofc_attr *at, ofc_value_kind kind, ofc_str v)
{
    if (at->value_kind == kind && at->value_len == v.len && at->updates &&
        memcmp(attr_value_ptr(at), v.ptr, v.len) == 0)
        return false;
    at->value_kind = (uint8_t)kind;
    if (v.len < VALUE_INLINE) {
        OFC_FREE(at->value_heap);
        at->value_cap = 0;
        memcpy(at->value_inline, v.ptr, v.len);
        at->value_inline[v.len] = '\0';
    } else {
        if (at->value_cap < v.len + 1) {
            free(at->value_heap);
            at->value_heap = xmalloc(v.len + 1);
            at->value_cap = (uint32_t)(v.len + 1);
        }
        memcpy(at->value_heap, v.ptr, v.len);
        at->value_heap[v.len] = '\0';
    }
    at->value_len = (uint32_t)v.len;
    return true;
}

/* A number token, or a string that is exactly a finite decimal number (MTConnect sends text). */
/* Plain decimals ("-12.375", "7166") are most Samples values. With at most 15 significant digits
 * the integer mantissa and a power of ten up to 1e22 are exact doubles, so one division gives
 * the correctly rounded result (Clinger's fast path); anything else goes to strtod. */
static bool parse_plain_decimal(const char *s, size_t len, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    uint64_t mant = 0;
    int digits = 0, frac = 0;
    bool dot = false, any = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (mant || c != '0')
                digits++;
            if (digits > 15)
                return false;
            mant = mant * 10 + (uint64_t)(c - '0');
            frac += dot;
            any = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    if (!any || frac > 22)
        return false;
    double d = (double)mant / pow10[frac];
    *out = neg ? -d : d;
    return true;
}

static bool parse_number(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 64)
        return false;
    if (parse_plain_decimal(s, len, out))
        return true;
    char c = s[0];
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.'))
        return false;
    char *end;
    double d = strtod(s, &end);
    if (end != s + len || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static void attr_update_condition(ofc_model *m, ofc_asset *a, ofc_attr *at)
{
    ofc_cond_level old = (ofc_cond_level)at->cond_level;
    ofc_cond_level level = OFC_COND_NONE;
    int severity = -1;
    if (at->type == OFC_TYPE_CONDITION) {
        ofc_str local = ofa_tag_local_name((ofc_str){at->tag, strlen(at->tag)});
        level =
            condition_classify(local.ptr, local.len, attr_value_ptr(at), at->value_len, &severity);
    }
    at->severity = (int16_t)severity;
    if (level == old)
        return;
    if (old != OFC_COND_NONE)
        a->cond_counts[old]--;
    if (level != OFC_COND_NONE)
        a->cond_counts[level]++;
    bool was_active = old == OFC_COND_WARNING || old == OFC_COND_FAULT;
    bool is_active = level == OFC_COND_WARNING || level == OFC_COND_FAULT;
    m->active_conditions = m->active_conditions - was_active + is_active;
    at->cond_level = (uint8_t)level;
    at->cond_since_us = at->source_ts_us ? at->source_ts_us : at->received_us;
    if (is_active && at->alarm_slot < 0) {
        if (m->alarm_count == m->alarm_cap) {
            m->alarm_cap = m->alarm_cap ? m->alarm_cap * 2 : 64;
            m->alarms = xreallocarray(m->alarms, m->alarm_cap, sizeof *m->alarms);
        }
        at->alarm_slot = (int32_t)m->alarm_count;
        m->alarms[m->alarm_count++] = at;
    } else if (!is_active && at->alarm_slot >= 0) {
        ofc_attr *last = m->alarms[--m->alarm_count];
        m->alarms[at->alarm_slot] = last;
        last->alarm_slot = at->alarm_slot;
        at->alarm_slot = -1;
    }
    asset_restate(m, a);
}

static void attr_update_method(ofc_attr *at, bool changed)
{
    if (at->type != OFC_TYPE_METHOD) {
        if (at->method) {
            method_contract_destroy(at->method);
            at->method = NULL;
        }
        return;
    }
    if (at->method && !changed)
        return;
    method_contract_destroy(at->method);
    at->method = method_contract_parse(attr_value_ptr(at), at->value_len);
}

static int64_t model_now_of(const ofc_model *m)
{
    return m->now_us ? m->now_us : ofc_time_now_us();
}

void ofc_model_set_now(ofc_model *m, int64_t now_us)
{
    m->now_us = now_us;
}

static ofc_reject apply_event(ofc_model *m, const ofa_event *ev, const ofc_origin *origin,
                              bool from_table)
{
    ofc_reject reject = OFC_REJECT_NONE;
    assert_not_dispatching(m);

    ofc_asset *a = asset_get(m, ev->asset_uuid, &reject);
    if (!a)
        return reject;
    ofc_attr *at = attr_get(m, a, ev->id, &reject);
    if (!at)
        return reject;

    int64_t now = model_now_of(m);
    int64_t point_time = ev->timestamp_us                     ? ev->timestamp_us
                         : origin && origin->timestamp_ms > 0 ? origin->timestamp_ms * 1000
                                                              : now;
    a->last_update_us = now;

    /* A stream record older than a table-seeded value only adds to the trend. */
    bool older_than_table = !from_table && (at->flags & ATTR_FROM_TABLE) && ev->timestamp_us &&
                            at->source_ts_us && ev->timestamp_us < at->source_ts_us;
    double number = 0;
    bool numeric = ev->value_kind != OFC_VALUE_BOOL && ev->value_kind != OFC_VALUE_NULL &&
                   parse_number(ev->value.ptr, ev->value.len, &number);
    if (older_than_table) {
        if (ev->type == OFC_TYPE_SAMPLES && numeric && at->hist)
            history_push(&at->hist, point_time, number);
        return OFC_REJECT_NONE;
    }

    at->type = (uint8_t)ev->type;
    at->type_text = pooled(m, at->type_text, ev->type_text);
    at->tag = pooled(m, at->tag, ev->tag);
    bool changed = attr_set_value(at, ev->value_kind, ev->value);
    at->flags = (uint8_t)((numeric ? ATTR_NUMERIC : 0) | (from_table ? ATTR_FROM_TABLE : 0));
    at->number = numeric ? number : 0;
    at->source_ts_us = ev->timestamp_us;
    at->received_us = now;
    if (origin) {
        at->origin_topic = (uint8_t)origin->topic;
        at->partition = origin->partition;
        at->offset = origin->offset;
        at->kafka_ts_ms = origin->timestamp_ms;
    }
    at->updates++;

    if (at->type == OFC_TYPE_SAMPLES && numeric) {
        if (!at->hist)
            at->hist = history_new(m->limits.history_points);
        history_push(&at->hist, point_time, number);
    }
    attr_update_condition(m, a, at);
    attr_update_method(at, changed);

    int64_t kts = origin ? origin->timestamp_ms : 0;
    if (str_is_ci(ev->id, "avail") || str_is_ci(ev->id, "agent_avail"))
        asset_set_availability(m, a, ev->value, ev->value_kind == OFC_VALUE_NULL, kts);
    else if (ev->type == OFC_TYPE_OPENFACTORY && str_is_ci(ev->id, "AssetType") &&
             ev->value_kind == OFC_VALUE_STRING)
        asset_set_type(m, a, ev->value, kts);

    push_change(m, OFC_CHANGE_ATTR, a, at);
    return OFC_REJECT_NONE;
}

ofc_reject ofc_model_apply_event(ofc_model *m, const ofa_event *ev, const ofc_origin *origin)
{
    return apply_event(m, ev, origin, false);
}

ofc_reject ofc_model_apply_table_event(ofc_model *m, const ofa_event *ev, const ofc_origin *origin)
{
    return apply_event(m, ev, origin, true);
}

/* Every writer starts here: no writes from inside an observer, and the asset is touched now. */
static ofc_asset *asset_for_write(ofc_model *m, ofc_str uuid, ofc_reject *reject)
{
    assert_not_dispatching(m);
    ofc_asset *a = asset_get(m, uuid, reject);
    if (a)
        a->last_update_us = model_now_of(m);
    return a;
}

ofc_reject ofc_model_apply_uns_map(ofc_model *m, const ofa_uns_map *map)
{
    ofc_reject reject = OFC_REJECT_NONE;
    if (map->mapped && (map->uns_id.len > 1024 || uns_path_depth(map->uns_id.ptr) > UNS_MAX_DEPTH))
        return OFC_REJECT_TOO_LARGE;
    ofc_asset *a = asset_for_write(m, map->asset_uuid, &reject);
    if (!a)
        return reject;
    for (size_t i = 0; i < a->level_count; i++) {
        free(a->level_names[i]);
        free(a->level_values[i]);
    }
    a->level_count = 0;
    if (!map->mapped) {
        OFC_FREE(a->uns_id);
    } else {
        set_owned(&a->uns_id, map->uns_id);
        a->level_names = xreallocarray(a->level_names, map->level_count + 1, sizeof(char *));
        a->level_values = xreallocarray(a->level_values, map->level_count + 1, sizeof(char *));
        for (size_t i = 0; i < map->level_count; i++) {
            a->level_names[i] = xstrndup(map->level_names[i].ptr, map->level_names[i].len);
            a->level_values[i] = xstrndup(map->level_values[i].ptr, map->level_values[i].len);
        }
        a->level_count = map->level_count;
    }
    push_change(m, OFC_CHANGE_ASSET, a, NULL);
    asset_place(m, a);
    return OFC_REJECT_NONE;
}

ofc_reject ofc_model_apply_asset_type(ofc_model *m, const ofa_table_value *row,
                                      const ofc_origin *origin)
{
    ofc_reject reject = OFC_REJECT_NONE;
    ofc_asset *a = asset_for_write(m, row->asset_uuid, &reject);
    if (!a)
        return reject;
    ofc_registration reg =
        row->tombstone || str_is_ci(row->value, "delete") ? OFC_REG_REMOVED : OFC_REG_DEPLOYED;
    if (reg == OFC_REG_DEPLOYED)
        asset_set_type(m, a, row->value, origin ? origin->timestamp_ms : 0);
    if (reg != a->reg) {
        a->reg = reg;
        push_change(m, OFC_CHANGE_ASSET, a, NULL);
        asset_place(m, a);
    }
    return OFC_REJECT_NONE;
}

ofc_reject ofc_model_apply_availability(ofc_model *m, const ofa_table_value *row,
                                        const ofc_origin *origin)
{
    ofc_reject reject = OFC_REJECT_NONE;
    ofc_asset *a = asset_for_write(m, row->asset_uuid, &reject);
    if (!a)
        return reject;
    asset_set_availability(m, a, row->value, row->tombstone, origin ? origin->timestamp_ms : 0);
    return OFC_REJECT_NONE;
}

/* ---- reading ---- */

size_t ofc_model_asset_count(const ofc_model *m)
{
    return m->asset_count;
}

const ofc_asset *ofc_model_asset_at(const ofc_model *m, size_t i)
{
    return i < m->asset_count ? m->assets[i] : NULL;
}

const ofc_asset *ofc_model_find_asset(const ofc_model *m, const char *uuid)
{
    return strmap_get(&m->by_uuid, uuid, strlen(uuid));
}

const ofc_uns_node *ofc_model_uns_root(const ofc_model *m)
{
    return m->tree.root;
}

const ofc_uns_node *ofc_model_unmapped_node(const ofc_model *m)
{
    return m->tree.unmapped;
}

const ofc_uns_node *ofc_model_find_uns(const ofc_model *m, const char *path)
{
    if (!*path)
        return m->tree.root;
    if (strcmp(path, UNS_UNMAPPED_NAME) == 0 && m->tree.unmapped)
        return m->tree.unmapped;
    return strmap_get(&m->tree.by_path, path, strlen(path));
}

size_t ofc_model_attr_count(const ofc_model *m)
{
    return m->attr_count;
}

size_t ofc_model_active_conditions(const ofc_model *m)
{
    return m->active_conditions;
}

static int alarm_newest_first(const void *pa, const void *pb)
{
    const ofc_attr *a = *(const ofc_attr *const *)pa, *b = *(const ofc_attr *const *)pb;
    if (a->cond_since_us != b->cond_since_us)
        return a->cond_since_us > b->cond_since_us ? -1 : 1;
    int c = strcmp(a->asset->uuid, b->asset->uuid);
    return c ? c : strcmp(a->id, b->id);
}

size_t ofc_model_alarms(const ofc_model *m, const ofc_attr ***out, size_t *warnings, size_t *faults)
{
    size_t n = 0, w = 0, f = 0;
    const ofc_attr **list = xcalloc(m->alarm_count ? m->alarm_count : 1, sizeof *list);
    for (size_t i = 0; i < m->alarm_count; i++) {
        const ofc_attr *at = m->alarms[i];
        if (at->asset->reg == OFC_REG_REMOVED)
            continue;
        list[n++] = at;
        if (at->cond_level == OFC_COND_FAULT)
            f++;
        else
            w++;
    }
    qsort(list, n, sizeof *list, alarm_newest_first);
    if (warnings)
        *warnings = w;
    if (faults)
        *faults = f;
    if (out)
        *out = list;
    else
        free(list);
    return n;
}

bool ofc_asset_stale(const ofc_asset *a, int64_t now_us, bool connected, int64_t stale_after_us)
{
    if (!connected)
        return true;
    return stale_after_us > 0 && a->last_update_us && now_us - a->last_update_us > stale_after_us;
}

int64_t ofc_attr_condition_since_us(const ofc_attr *at)
{
    return at->cond_since_us;
}

const char *ofc_asset_uuid(const ofc_asset *a)
{
    return a->uuid;
}

const char *ofc_asset_type(const ofc_asset *a)
{
    return a->asset_type;
}

ofc_availability ofc_asset_availability(const ofc_asset *a)
{
    return a->avail;
}

const char *ofc_asset_availability_text(const ofc_asset *a)
{
    return a->avail_text;
}

ofc_registration ofc_asset_registration(const ofc_asset *a)
{
    return a->reg;
}

const char *ofc_asset_uns_id(const ofc_asset *a)
{
    return a->uns_id;
}

size_t ofc_asset_uns_level_count(const ofc_asset *a)
{
    return a->level_count;
}

const char *ofc_asset_uns_level_name(const ofc_asset *a, size_t i)
{
    return i < a->level_count ? a->level_names[i] : NULL;
}

const char *ofc_asset_uns_level_value(const ofc_asset *a, size_t i)
{
    return i < a->level_count ? a->level_values[i] : NULL;
}

const ofc_asset *ofc_asset_device(const ofc_asset *a)
{
    return a->device;
}

size_t ofc_asset_helper_count(const ofc_asset *a)
{
    return a->helper_count;
}

const ofc_asset *ofc_asset_helper_at(const ofc_asset *a, size_t i)
{
    return i < a->helper_count ? a->helpers[i] : NULL;
}

ofc_state ofc_asset_state(const ofc_asset *a)
{
    return a->state;
}

const ofc_uns_node *ofc_asset_uns_node(const ofc_asset *a)
{
    return a->node;
}

int64_t ofc_asset_last_update_us(const ofc_asset *a)
{
    return a->last_update_us;
}

size_t ofc_asset_attr_count(const ofc_asset *a)
{
    return a->attr_count;
}

const ofc_attr *ofc_asset_attr_at(const ofc_asset *a, size_t i)
{
    return i < a->attr_count ? a->attrs[i] : NULL;
}

const ofc_attr *ofc_asset_find_attr(const ofc_asset *a, const char *id)
{
    const ofc_model *m = a->model;
    const char *pooled_id = strmap_get(&m->pool.map, id, strlen(id));
    return pooled_id ? attr_index_find(a, pooled_id) : NULL;
}

const ofc_asset *ofc_attr_asset(const ofc_attr *at)
{
    return at->asset;
}

const char *ofc_attr_id(const ofc_attr *at)
{
    return at->id;
}

ofc_attr_type ofc_attr_type_of(const ofc_attr *at)
{
    return (ofc_attr_type)at->type;
}

const char *ofc_attr_type_text(const ofc_attr *at)
{
    return at->type_text;
}

const char *ofc_attr_tag(const ofc_attr *at)
{
    return at->tag;
}

const char *ofc_attr_tag_local(const ofc_attr *at)
{
    return ofa_tag_local_name((ofc_str){at->tag, strlen(at->tag)}).ptr;
}

ofc_value_kind ofc_attr_value_kind(const ofc_attr *at)
{
    return (ofc_value_kind)at->value_kind;
}

const char *ofc_attr_value(const ofc_attr *at)
{
    return attr_value_ptr(at);
}

bool ofc_attr_number(const ofc_attr *at, double *out)
{
    if (!(at->flags & ATTR_NUMERIC))
        return false;
    *out = at->number;
    return true;
}

int64_t ofc_attr_timestamp_us(const ofc_attr *at)
{
    return at->source_ts_us;
}

int64_t ofc_attr_received_us(const ofc_attr *at)
{
    return at->received_us;
}

ofc_origin ofc_attr_origin(const ofc_attr *at)
{
    ofc_origin o = {(ofc_origin_topic)at->origin_topic, at->partition, at->offset, at->kafka_ts_ms};
    return o;
}

uint64_t ofc_attr_update_count(const ofc_attr *at)
{
    return at->updates;
}

ofc_cond_level ofc_attr_condition_level(const ofc_attr *at)
{
    return (ofc_cond_level)at->cond_level;
}

int ofc_attr_condition_severity(const ofc_attr *at)
{
    return at->severity;
}

bool ofc_attr_is_method(const ofc_attr *at)
{
    return at->method != NULL;
}

bool ofc_attr_method_legacy(const ofc_attr *at)
{
    return at->method && at->method->legacy;
}

const char *ofc_attr_method_description(const ofc_attr *at)
{
    return at->method ? at->method->description : NULL;
}

size_t ofc_attr_method_arg_count(const ofc_attr *at)
{
    return at->method ? at->method->arg_count : 0;
}

const char *ofc_attr_method_arg_name(const ofc_attr *at, size_t i)
{
    return at->method && i < at->method->arg_count ? at->method->args[i].name : NULL;
}

const char *ofc_attr_method_arg_description(const ofc_attr *at, size_t i)
{
    return at->method && i < at->method->arg_count ? at->method->args[i].description : NULL;
}

size_t ofc_attr_history_count(const ofc_attr *at)
{
    return history_count(at->hist);
}

bool ofc_attr_history_at(const ofc_attr *at, size_t i, int64_t *time_us, double *value)
{
    return history_at(at->hist, i, time_us, value);
}
