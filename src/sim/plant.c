/* plant: building the virtual plant, its scheduler and its virtual clock.
 *
 * The live stream hands out turns round-robin over the devices; a device spends its turn on one
 * of its items, picked by weight, and writes it. Things that happen at a moment rather than on a
 * turn (conditions rising and clearing, outages, barcode reads) are timers in a min-heap on the
 * virtual clock; what they change is queued and written before the next turn. The virtual clock
 * moves 1/rate s per ofa_assets record, so dynamics do not depend on how fast the caller runs.
 */
#include "plant_internal.h"

#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Outages: a device is up for ~5 minutes on average, then down for 5..15 s (docs/sim.md). */
#define SIM_OUTAGE_MEAN_UP_S 300.0
#define SIM_OUTAGE_MIN_S     5.0
#define SIM_OUTAGE_MAX_S     15.0
#define SIM_ALARM_RAISE      0x80

static const char *const sim_areas[] = {"Machining", "Assembly"};
static const char *const sim_workcenters[] = {"WC001", "WC002", "WC003"};

/* ---- small helpers ---- */

void plant__text_set(sim_text *t, sim_vkind kind, const char *s, size_t len)
{
    if (len + 1 > t->cap) {
        uint32_t cap = t->cap ? t->cap : 16;
        while (cap < len + 1)
            cap *= 2;
        t->s = xrealloc(t->s, cap);
        t->cap = cap;
    }
    memcpy(t->s, s, len);
    t->s[len] = '\0';
    t->len = (uint32_t)len;
    t->kind = kind;
}

void plant__text_setf(sim_text *t, sim_vkind kind, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    plant__text_set(t, kind, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void plant__set_number(sim_item *it, double v)
{
    int dec = it->desc->decimals;
    /* Keep "-0.00" off the wire: it parses, but no device prints it. */
    if (fabs(v) < 0.5 * pow(10.0, -dec))
        v = 0.0;
    it->x = v;
    plant__text_setf(&it->cur, SIM_V_NUMBER, "%.*f", dec, v);
}

static uint64_t hash_key(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

sim_asset *plant__find(const plant *p, const char *key, size_t key_len)
{
    if (!key)
        return NULL;
    for (size_t i = hash_key(key, key_len) & p->hash_mask;; i = (i + 1) & p->hash_mask) {
        uint32_t slot = p->hash[i];
        if (!slot)
            return NULL;
        sim_asset *a = &p->assets[slot - 1];
        if (a->uuid_len == key_len && memcmp(a->uuid, key, key_len) == 0)
            return a;
    }
}

sim_item *plant__item(sim_asset *a, const char *id)
{
    for (size_t i = 0; i < a->n_items; i++)
        if (strcmp(a->items[i].desc->id, id) == 0)
            return &a->items[i];
    return NULL;
}

static char *lower_dup(const char *s)
{
    char *out = xstrdup(s);
    for (char *c = out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

/* ---- timers: a binary min-heap on due time ---- */

static bool timer_before(const sim_timer *a, const sim_timer *b)
{
    /* Ties broken by asset and item so the order never depends on heap history. */
    if (a->due != b->due)
        return a->due < b->due;
    if (a->asset != b->asset)
        return a->asset < b->asset;
    return a->item < b->item;
}

void plant__timer_push(plant *p, double due, size_t asset, size_t item, int what, int alarm)
{
    if (p->n_timers == p->cap_timers) {
        p->cap_timers = p->cap_timers ? p->cap_timers * 2 : 64;
        p->timers = xreallocarray(p->timers, p->cap_timers, sizeof *p->timers);
    }
    sim_timer t = {due, (uint32_t)asset, (uint16_t)item, (uint8_t)what, (uint8_t)alarm};
    size_t i = p->n_timers++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(&t, &p->timers[parent]))
            break;
        p->timers[i] = p->timers[parent];
        i = parent;
    }
    p->timers[i] = t;
}

static sim_timer timer_pop(plant *p)
{
    sim_timer top = p->timers[0];
    sim_timer last = p->timers[--p->n_timers];
    size_t i = 0, n = p->n_timers;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && timer_before(&p->timers[c + 1], &p->timers[c]))
            c++;
        if (!timer_before(&p->timers[c], &last))
            break;
        p->timers[i] = p->timers[c];
        i = c;
    }
    if (n)
        p->timers[i] = last;
    return top;
}

/* ---- the queue of items to write before the next turn ---- */

void plant__queue(plant *p, sim_asset *a, size_t item, bool force)
{
    if (p->assets[a->device].down && !force)
        return; /* republished when the device comes back */
    if (p->pend_len == p->pend_cap) {
        size_t cap = p->pend_cap ? p->pend_cap * 2 : 64;
        sim_pending *ring = xreallocarray(NULL, cap, sizeof *ring);
        for (size_t i = 0; i < p->pend_len; i++)
            ring[i] = p->pending[(p->pend_head + i) % p->pend_cap];
        free(p->pending);
        p->pending = ring;
        p->pend_cap = cap;
        p->pend_head = 0;
    }
    size_t tail = (p->pend_head + p->pend_len) % p->pend_cap;
    p->pending[tail] = (sim_pending){(uint32_t)(a - p->assets), (uint16_t)item};
    p->pend_len++;
}

/* ---- construction ---- */

static void item_init(plant *p, sim_item *it, const sim_item_desc *d)
{
    it->desc = d;
    const char *init = d->init ? d->init : "";
    switch (d->beh) {
    case SIM_BEH_REG:
    case SIM_BEH_OUTCOME:
    case SIM_BEH_TIME: plant__text_set(&it->cur, SIM_V_STRING, "", 0); break;
    case SIM_BEH_AVAIL: plant__text_set(&it->cur, SIM_V_STRING, "AVAILABLE", 9); break;
    case SIM_BEH_METHOD: {
        /* The contract as the SDK advertises it (wire §6.1): JSON text inside a string. */
        json_writer jw;
        jw_init(&jw);
        jw_object_begin(&jw);
        jw_key(&jw, "description");
        jw_string(&jw, init);
        jw_key(&jw, "arguments");
        jw_array_begin(&jw);
        for (size_t i = 0; i < d->n_args; i++) {
            jw_object_begin(&jw);
            jw_key(&jw, "name");
            jw_string(&jw, d->args[i].name);
            jw_key(&jw, "description");
            jw_string(&jw, d->args[i].description);
            jw_object_end(&jw);
        }
        jw_array_end(&jw);
        jw_object_end(&jw);
        plant__text_set(&it->cur, SIM_V_STRING, jw.buf, jw.len);
        jw_fini(&jw);
        break;
    }
    case SIM_BEH_WALK:
        plant__set_number(it, sim_rng_uniform(&p->rng, d->lo + (d->hi - d->lo) * 0.25,
                                              d->hi - (d->hi - d->lo) * 0.25));
        break;
    case SIM_BEH_ENUM: {
        const char *c = d->choices[sim_rng_below(&p->rng, d->n_choices)];
        plant__text_set(&it->cur, SIM_V_STRING, c, strlen(c));
        break;
    }
    case SIM_BEH_COUNTER:
        it->counter = 1;
        plant__text_setf(&it->cur, SIM_V_STRING, *init ? "%s%06" PRIu64 : "%s%" PRIu64, init,
                         it->counter);
        break;
    case SIM_BEH_COND_UA:
    case SIM_BEH_COND_MTC: plant__refresh_cond(it); break;
    case SIM_BEH_CONST:
    case SIM_BEH_STATE:
    case SIM_BEH_TOGGLE:
    case SIM_BEH_PID:
        plant__text_set(&it->cur, d->vkind, init, strlen(init));
        if (d->vkind == SIM_V_NUMBER)
            it->x = strtod(init, NULL);
        break;
    }
}

/* Conditions start from their long-run distribution, so a console sees abnormal states at
 * once; each alarm then has exactly one pending timer, toward the other state. */
static void cond_init(plant *p, size_t ai, size_t ii)
{
    sim_item *it = &p->assets[ai].items[ii];
    const sim_cond_desc *c = it->desc->cond;
    if (it->desc->beh == SIM_BEH_COND_MTC) {
        bool on = sim_rng_unit(&p->rng) < c->mean_on_s / (c->mean_on_s + c->mean_off_s);
        if (on)
            it->active = (uint32_t)sim_rng_below(&p->rng, c->n_faults) + 1;
        plant__timer_push(p, sim_rng_exp(&p->rng, on ? c->mean_on_s : c->mean_off_s), ai, ii,
                          SIM_TIMER_ALARM, on ? 0 : SIM_ALARM_RAISE);
    } else {
        for (size_t k = 0; k < c->n_alarms; k++) {
            const sim_alarm_desc *al = &c->alarms[k];
            if (al->mean_off_s <= 0.0)
                continue; /* driven by kind logic */
            bool on = sim_rng_unit(&p->rng) < al->mean_on_s / (al->mean_on_s + al->mean_off_s);
            if (on)
                it->active |= 1u << k;
            plant__timer_push(p, sim_rng_exp(&p->rng, on ? al->mean_on_s : al->mean_off_s), ai, ii,
                              SIM_TIMER_ALARM, (int)k | (on ? 0 : SIM_ALARM_RAISE));
        }
    }
    plant__refresh_cond(it);
}

static void set_reg(sim_asset *a, size_t idx, const sim_item_desc *d, const char *value)
{
    a->items[idx].desc = d;
    plant__text_set(&a->items[idx].cur, SIM_V_STRING, value, strlen(value));
}

static size_t make_device(plant *p, size_t ai, size_t d)
{
    const sim_kind *k = &sim_kinds[d % sim_kind_count];
    sim_asset *a = &p->assets[ai];
    char buf[160];
    snprintf(buf, sizeof buf, "%s-%03zu", k->uuid_prefix, d / sim_kind_count + 1);
    a->uuid = xstrdup(buf);
    a->uuid_len = strlen(buf);
    a->kind = k;
    a->role = SIM_ROLE_DEVICE;
    a->device = ai;
    a->asset_level = lower_dup(a->uuid);
    /* Demo UNS schema Demofactory/<area>/<workcenter>/<asset> (wire §4). */
    a->levels[0] = "Demofactory";
    a->levels[1] = sim_areas[(d / sim_kind_count) % 2];
    a->levels[2] = sim_workcenters[d % 3];
    a->levels[3] = a->asset_level;
    snprintf(buf, sizeof buf, "%s/%s/%s/%s", a->levels[0], a->levels[1], a->levels[2],
             a->levels[3]);
    a->uns_id = xstrdup(buf);

    /* Every device reports command outcomes, those without methods too: a command sent to one
     * is refused, and the sender must hear why rather than wait for a timeout. */
    size_t n_reg = (k->mtconnect ? 8 : 7) + 1;
    a->n_items = n_reg + k->n_items;
    a->items = xcalloc(a->n_items, sizeof *a->items);
    a->kind_base = n_reg;
    set_reg(a, 0, &sim_reg_items[SIM_REG_ASSET_TYPE], k->asset_type);
    snprintf(buf, sizeof buf, "%s%s", a->asset_level, k->mtconnect ? "-adapter" : "");
    set_reg(a, 1, &sim_reg_items[SIM_REG_DOCKER], buf);
    for (int l = 0; l < 4; l++)
        set_reg(a, 2 + (size_t)l, &sim_reg_items[SIM_REG_INC + l], a->levels[l]);
    set_reg(a, 6, &sim_reg_items[SIM_REG_UNS_ID], a->uns_id);
    if (k->mtconnect) {
        /* Newest first, as the SDK's _add_reference writes it (wire §5). */
        snprintf(buf, sizeof buf, "%s-PRODUCER, %s-AGENT", a->uuid, a->uuid);
        set_reg(a, 7, &sim_reg_items[SIM_REG_REF_BELOW], buf);
    }
    set_reg(a, n_reg - 1, &sim_reg_items[SIM_REG_OUTCOME], "");
    a->avail_item = -1;
    for (size_t i = 0; i < k->n_items; i++) {
        size_t idx = n_reg + i;
        item_init(p, &a->items[idx], &k->items[i]);
        if (k->items[i].beh == SIM_BEH_AVAIL)
            a->avail_item = (int)idx;
        if (k->items[i].beh == SIM_BEH_COND_UA || k->items[i].beh == SIM_BEH_COND_MTC)
            cond_init(p, ai, idx);
    }
    plant__kind_init(a);
    plant__timer_push(p, sim_rng_exp(&p->rng, SIM_OUTAGE_MEAN_UP_S), ai, 0, SIM_TIMER_OUTAGE, 0);
    if (plant__kind_is_barcode(a))
        plant__timer_push(p, sim_rng_exp(&p->rng, plant__item(a, "mean_arrival_time")->x), ai, 0,
                          SIM_TIMER_READ, 0);
    return ai + 1;
}

static size_t make_helper(plant *p, size_t ai, size_t device, const sim_kind *k, const char *suffix)
{
    sim_asset *a = &p->assets[ai];
    const sim_asset *dev = &p->assets[device];
    char buf[160];
    snprintf(buf, sizeof buf, "%s-%s", dev->uuid, suffix);
    a->uuid = xstrdup(buf);
    a->uuid_len = strlen(buf);
    a->kind = k;
    a->role = k == &sim_agent_kind ? SIM_ROLE_AGENT : SIM_ROLE_PRODUCER;
    a->device = device;
    a->asset_level = lower_dup(a->uuid);
    a->n_items = 3 + k->n_items;
    a->items = xcalloc(a->n_items, sizeof *a->items);
    a->kind_base = 3;
    set_reg(a, 0, &sim_reg_items[SIM_REG_ASSET_TYPE], k->asset_type);
    set_reg(a, 1, &sim_reg_items[SIM_REG_DOCKER], a->asset_level);
    set_reg(a, 2, &sim_reg_items[SIM_REG_REF_ABOVE], dev->uuid);
    a->avail_item = -1;
    for (size_t i = 0; i < k->n_items; i++) {
        item_init(p, &a->items[3 + i], &k->items[i]);
        if (k->items[i].beh == SIM_BEH_AVAIL)
            a->avail_item = (int)(3 + i);
    }
    return ai + 1;
}

static int cmp_uuid(const void *x, const void *y, void *ctx)
{
    const plant *p = ctx;
    return strcmp(p->assets[*(const size_t *)x].uuid, p->assets[*(const size_t *)y].uuid);
}

/* qsort_r is not POSIX: a small insertion-merge sort keeps the plant portable. */
static void sort_indexes(size_t *v, size_t n, plant *p)
{
    if (n < 2)
        return;
    size_t *tmp = xreallocarray(NULL, n, sizeof *tmp);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = cmp_uuid(&v[j], &v[i], p) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
}

plant *plant_new(const plant_options *opts, char *errstr, size_t errstr_size)
{
    if (opts->devices < 1 || opts->devices > PLANT_MAX_DEVICES) {
        snprintf(errstr, errstr_size, "the number of assets must be from 1 to %d, got %zu",
                 PLANT_MAX_DEVICES, opts->devices);
        return NULL;
    }
    plant *p = xcalloc(1, sizeof *p);
    p->seed = opts->seed;
    sim_rng_seed(&p->rng, opts->seed);
    p->dt = 1.0 / (opts->rate > 0.0 ? opts->rate : 1000.0);
    p->refresh_s = opts->refresh_s > 0.0 ? opts->refresh_s : 0.0;
    /* mtc2kafka's instanceID header is the agent's start time; derive one from the seed. */
    snprintf(p->instance_id, sizeof p->instance_id, "%" PRIu64,
             (uint64_t)1700000000 + opts->seed % 100000000);
    jw_init(&p->jw);
    jw_init(&p->jw2);

    p->n_devices = opts->devices;
    size_t n = 0;
    for (size_t d = 0; d < p->n_devices; d++)
        n += sim_kinds[d % sim_kind_count].mtconnect ? 3 : 1;
    p->assets = xcalloc(n, sizeof *p->assets);
    p->devices = xreallocarray(NULL, p->n_devices, sizeof *p->devices);
    size_t ai = 0;
    for (size_t d = 0; d < p->n_devices; d++) {
        size_t dev = ai;
        p->devices[d] = dev;
        ai = make_device(p, ai, d);
        if (sim_kinds[d % sim_kind_count].mtconnect) {
            /* The agent registers first, so the device's references list the producer first. */
            ai = make_helper(p, ai, dev, &sim_agent_kind, "AGENT");
            ai = make_helper(p, ai, dev, &sim_producer_kind, "PRODUCER");
        }
    }
    p->n_assets = ai;
    /* Staggered, so the plant's refreshes spread over a whole period instead of bursting. */
    for (size_t i = 0; p->refresh_s > 0.0 && i < p->n_assets; i++)
        plant__timer_push(p, p->refresh_s * (1.0 + (double)i / (double)p->n_assets), i, 0,
                          SIM_TIMER_REFRESH, 0);

    size_t cap = 16;
    while (cap < 2 * p->n_assets)
        cap *= 2;
    p->hash = xcalloc(cap, sizeof *p->hash);
    p->hash_mask = cap - 1;
    for (size_t i = 0; i < p->n_assets; i++) {
        size_t h = hash_key(p->assets[i].uuid, p->assets[i].uuid_len) & p->hash_mask;
        while (p->hash[h])
            h = (h + 1) & p->hash_mask;
        p->hash[h] = (uint32_t)(i + 1);
    }
    p->sorted = xreallocarray(NULL, p->n_assets, sizeof *p->sorted);
    for (size_t i = 0; i < p->n_assets; i++)
        p->sorted[i] = i;
    sort_indexes(p->sorted, p->n_assets, p);
    return p;
}

void plant_destroy(plant *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_assets; i++) {
        sim_asset *a = &p->assets[i];
        for (size_t j = 0; j < a->n_items; j++) {
            free(a->items[j].cur.s);
            free(a->items[j].last.s);
        }
        free(a->items);
        free(a->uuid);
        free(a->uns_id);
        free(a->asset_level);
    }
    free(p->assets);
    free(p->devices);
    free(p->hash);
    free(p->sorted);
    free(p->timers);
    free(p->pending);
    jw_fini(&p->jw);
    jw_fini(&p->jw2);
    free(p);
}

/* ---- registration, stream, deregistration ---- */

static void enter(plant *p, int64_t now_us, plant_emit_fn emit, void *opaque)
{
    p->now_us = now_us;
    p->emit = emit;
    p->opaque = opaque;
}

static void set_time(plant *p, sim_item *it)
{
    char ts[40];
    size_t n = ofc_time_format_iso(p->now_us, 3, ts, sizeof ts);
    plant__text_set(&it->cur, SIM_V_STRING, ts, n);
}

size_t plant_register(plant *p, int64_t now_us, plant_emit_fn emit, void *opaque)
{
    enter(p, now_us, emit, opaque);
    uint64_t before = p->produced;
    /* Registration before methods, metadata and values, in OpenFactory's deployment order;
     * the UNS mapping first so no record precedes it (wire §3.5). */
    static const sim_beh phases[] = {SIM_BEH_REG, SIM_BEH_METHOD, SIM_BEH_CONST, SIM_BEH_AVAIL};
    for (size_t ai = 0; ai < p->n_assets; ai++) {
        sim_asset *a = &p->assets[ai];
        if (a->uns_id)
            plant__emit_uns_map(p, a, true);
        for (size_t i = 0; i < a->n_items; i++)
            if (a->items[i].desc->beh == SIM_BEH_TIME)
                set_time(p, &a->items[i]);
        for (size_t ph = 0; ph < sizeof phases / sizeof phases[0]; ph++)
            for (size_t i = 0; i < a->n_items; i++)
                if (a->items[i].desc->beh == phases[ph])
                    plant__emit_item(p, a, i);
        for (size_t i = 0; i < a->n_items; i++) {
            sim_beh b = a->items[i].desc->beh;
            if (b != SIM_BEH_REG && b != SIM_BEH_METHOD && b != SIM_BEH_CONST &&
                b != SIM_BEH_AVAIL && b != SIM_BEH_OUTCOME)
                plant__emit_item(p, a, i);
        }
    }
    return (size_t)(p->produced - before);
}

static void set_avail(sim_item *it, bool up)
{
    const char *v = up ? "AVAILABLE" : "UNAVAILABLE";
    plant__text_set(&it->cur, SIM_V_STRING, v, strlen(v));
}

static void outage(plant *p, size_t ai)
{
    sim_asset *a = &p->assets[ai];
    if (!a->down) {
        a->down = true;
        set_avail(&a->items[a->avail_item], false);
        plant__queue(p, a, (size_t)a->avail_item, true);
        /* An MTConnect agent reports every item UNAVAILABLE when its adapter is lost. */
        if (a->kind->style == SIM_STYLE_MTC)
            for (size_t i = a->kind_base; i < a->n_items; i++)
                if (a->items[i].desc->beh != SIM_BEH_AVAIL)
                    plant__queue(p, a, i, true);
        plant__timer_push(p, p->vt + sim_rng_uniform(&p->rng, SIM_OUTAGE_MIN_S, SIM_OUTAGE_MAX_S),
                          ai, 0, SIM_TIMER_OUTAGE, 0);
        return;
    }
    a->down = false;
    set_avail(&a->items[a->avail_item], true);
    plant__kind_advance(p, a);
    plant__queue(p, a, (size_t)a->avail_item, false);
    for (size_t i = a->kind_base; i < a->n_items; i++) {
        sim_beh b = a->items[i].desc->beh;
        if (b != SIM_BEH_AVAIL && b != SIM_BEH_METHOD)
            plant__queue(p, a, i, false);
    }
    plant__timer_push(p, p->vt + sim_rng_exp(&p->rng, SIM_OUTAGE_MEAN_UP_S), ai, 0,
                      SIM_TIMER_OUTAGE, 0);
}

static void alarm_fire(plant *p, const sim_timer *t)
{
    sim_asset *a = &p->assets[t->asset];
    sim_item *it = &a->items[t->item];
    const sim_cond_desc *c = it->desc->cond;
    bool raise = (t->alarm & SIM_ALARM_RAISE) != 0;
    unsigned k = t->alarm & ~SIM_ALARM_RAISE;
    bool mtc = it->desc->beh == SIM_BEH_COND_MTC;
    double on = mtc ? c->mean_on_s : c->alarms[k].mean_on_s;
    double off = mtc ? c->mean_off_s : c->alarms[k].mean_off_s;
    uint32_t before = it->active;
    if (raise && a->down) {
        /* Nothing rises on a device that is off line; try again later. */
        plant__timer_push(p, p->vt + sim_rng_exp(&p->rng, off), t->asset, t->item, SIM_TIMER_ALARM,
                          t->alarm);
        return;
    }
    if (mtc)
        it->active = raise ? (uint32_t)sim_rng_below(&p->rng, c->n_faults) + 1 : 0;
    else if (raise)
        it->active |= 1u << k;
    else
        it->active &= ~(1u << k);
    plant__timer_push(p, p->vt + sim_rng_exp(&p->rng, raise ? on : off), t->asset, t->item,
                      SIM_TIMER_ALARM, (int)k | (raise ? 0 : SIM_ALARM_RAISE));
    if (it->active != before) {
        plant__refresh_cond(it);
        plant__queue(p, a, t->item, false);
        plant__kind_alarm_changed(p, a, t->item);
    }
}

/* Publish an asset again (plant_options.refresh_s): its UNS mapping now, then every item but
 * the last command outcome through the queue, even while it is off line (what an off-line device
 * does not send is masked when written). */
static void refresh(plant *p, size_t ai)
{
    sim_asset *a = &p->assets[ai];
    if (a->uns_id)
        plant__emit_uns_map(p, a, true);
    for (size_t i = 0; i < a->n_items; i++)
        if (a->items[i].desc->beh != SIM_BEH_OUTCOME)
            plant__queue(p, a, i, true);
    plant__timer_push(p, p->vt + p->refresh_s, ai, 0, SIM_TIMER_REFRESH, 0);
}

static void fire_timers(plant *p)
{
    while (p->n_timers && p->timers[0].due <= p->vt) {
        sim_timer t = timer_pop(p);
        sim_asset *a = &p->assets[t.asset];
        switch (t.what) {
        case SIM_TIMER_OUTAGE: outage(p, t.asset); break;
        case SIM_TIMER_ALARM: alarm_fire(p, &t); break;
        case SIM_TIMER_REFRESH: refresh(p, t.asset); break;
        case SIM_TIMER_READ: {
            sim_item *mode = plant__item(a, "simulation_mode");
            if (!a->down && strcmp(mode->cur.s, "AUTOMATIC") == 0)
                plant__barcode_read(p, a, NULL, false);
            sim_item *mean = plant__item(a, "mean_arrival_time");
            plant__timer_push(p, p->vt + sim_rng_exp(&p->rng, mean->x), t.asset, 0, SIM_TIMER_READ,
                              0);
            break;
        }
        }
    }
}

/* One turn of a device: move one item, picked by weight, and write it. */
static bool turn(plant *p, sim_asset *a)
{
    unsigned total = 0;
    for (size_t i = a->kind_base; i < a->n_items; i++)
        total += a->items[i].desc->weight;
    if (!total)
        return false;
    uint64_t r = sim_rng_below(&p->rng, total);
    size_t idx = a->kind_base;
    for (; idx < a->n_items; idx++) {
        unsigned w = a->items[idx].desc->weight;
        if (r < w)
            break;
        r -= w;
    }
    sim_item *it = &a->items[idx];
    const sim_item_desc *d = it->desc;
    switch (d->beh) {
    case SIM_BEH_WALK: {
        /* A bounded random walk with a slight pull to the middle of the range. */
        double mid = (d->lo + d->hi) / 2.0;
        double x = it->x + sim_rng_uniform(&p->rng, -d->step, d->step) + 0.02 * (mid - it->x);
        if (x > d->hi)
            x = 2 * d->hi - x;
        if (x < d->lo)
            x = 2 * d->lo - x;
        plant__set_number(it, x);
        break;
    }
    case SIM_BEH_ENUM: {
        const char *c = d->choices[sim_rng_below(&p->rng, d->n_choices)];
        plant__text_set(&it->cur, SIM_V_STRING, c, strlen(c));
        break;
    }
    case SIM_BEH_TIME: set_time(p, it); break;
    case SIM_BEH_COUNTER:
        it->counter++;
        plant__text_setf(&it->cur, SIM_V_STRING, *d->init ? "%s%06" PRIu64 : "%s%" PRIu64, d->init,
                         it->counter);
        break;
    case SIM_BEH_TOGGLE:
        if (strcmp(it->cur.s, "true") == 0)
            plant__text_set(&it->cur, SIM_V_BOOL, "false", 5);
        else
            plant__text_set(&it->cur, SIM_V_BOOL, "true", 4);
        break;
    case SIM_BEH_PID: plant__kind_advance(p, a); break;
    default: break; /* state and constants are written again as they are */
    }
    return plant__emit_item(p, a, idx);
}

size_t plant_step(plant *p, size_t max, int64_t now_us, plant_emit_fn emit, void *opaque)
{
    enter(p, now_us, emit, opaque);
    size_t n = 0;
    while (n < max) {
        fire_timers(p);
        if (p->pend_len) {
            sim_pending e = p->pending[p->pend_head];
            p->pend_head = (p->pend_head + 1) % p->pend_cap;
            p->pend_len--;
            if (plant__emit_item(p, &p->assets[e.asset], e.item)) {
                n++;
                p->vt += p->dt;
            }
            continue;
        }
        sim_asset *a = NULL;
        for (size_t tries = 0; tries < p->n_devices && !a; tries++) {
            sim_asset *cand = &p->assets[p->devices[p->cursor]];
            p->cursor = (p->cursor + 1) % p->n_devices;
            if (!cand->down)
                a = cand;
        }
        if (a && turn(p, a))
            n++;
        /* Time passes even when every device is down, so they come back. */
        p->vt += p->dt;
        if (!a && !p->n_timers)
            break;
    }
    return n;
}

size_t plant_deregister(plant *p, int64_t now_us, plant_emit_fn emit, void *opaque)
{
    enter(p, now_us, emit, opaque);
    uint64_t before = p->produced;
    for (size_t ai = 0; ai < p->n_assets; ai++) {
        sim_asset *a = &p->assets[ai];
        /* An app's shutdown: UNAVAILABLE first, then the deregistration (wire §3.3). */
        if (a->avail_item >= 0) {
            a->down = false; /* the record must go out even if the device was off line */
            set_avail(&a->items[a->avail_item], false);
            plant__emit_item(p, a, (size_t)a->avail_item);
            a->down = true;
        }
        plant__emit_tombstone(p, PLANT_TOPIC_TYPES, a);
        plant__emit_tombstone(p, PLANT_TOPIC_AVAIL, a);
        plant__emit_tombstone(p, PLANT_TOPIC_DOCKER, a);
        if (a->uns_id)
            plant__emit_uns_map(p, a, false);
        for (size_t i = 0; i < a->n_items; i++) {
            const sim_item_desc *d = a->items[i].desc;
            if (d == &sim_reg_items[SIM_REG_REF_ABOVE] || d == &sim_reg_items[SIM_REG_REF_BELOW]) {
                plant__text_set(&a->items[i].cur, SIM_V_STRING, "", 0);
                plant__emit_item(p, a, i);
            }
        }
    }
    p->deregistered = true;
    p->pend_len = 0;
    return (size_t)(p->produced - before);
}

/* ---- accessors ---- */

bool plant_has_asset(const plant *p, const void *key, size_t key_len)
{
    return plant__find(p, key, key_len) != NULL;
}

uint64_t plant_produced(const plant *p)
{
    return p->produced;
}

size_t plant_asset_count(const plant *p)
{
    return p->n_assets;
}

const char *plant_asset_uuid(const plant *p, size_t index)
{
    return index < p->n_assets ? p->assets[index].uuid : NULL;
}

double plant_virtual_time(const plant *p)
{
    return p->vt;
}

void plant_set_verifier(plant *p, ofc_verifier *verifier)
{
    p->verifier = verifier;
}
