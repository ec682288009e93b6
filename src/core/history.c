/* history: ring storage as two parallel arrays in one allocation, grown by doubling. */
#include "history.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct history {
    int64_t base_ms;
    uint32_t head; /* index of the oldest point */
    uint32_t count;
    uint32_t alloc; /* slots allocated, <= capacity */
    uint32_t capacity;
    /* float values[alloc]; int32_t offsets_ms[alloc]; follow the header */
};

static float *values(history *h)
{
    return (float *)(h + 1);
}

static int32_t *offsets(history *h)
{
    return (int32_t *)(values(h) + h->alloc);
}

static const float *cvalues(const history *h)
{
    return (const float *)(h + 1);
}

static const int32_t *coffsets(const history *h)
{
    return (const int32_t *)(cvalues(h) + h->alloc);
}

static history *alloc_ring(uint32_t alloc, uint32_t capacity)
{
    history *h = xmalloc(sizeof *h + (size_t)alloc * (sizeof(float) + sizeof(int32_t)));
    h->base_ms = 0;
    h->head = 0;
    h->count = 0;
    h->alloc = alloc;
    h->capacity = capacity;
    return h;
}

history *history_new(size_t capacity)
{
    if (capacity < 2)
        capacity = 2;
    if (capacity > 1000000)
        capacity = 1000000;
    uint32_t first = capacity < 8 ? (uint32_t)capacity : 8;
    return alloc_ring(first, (uint32_t)capacity);
}

void history_destroy(history *h)
{
    free(h);
}

/* Grow a non-wrapped ring (count == alloc, head == 0 guaranteed by the caller). */
static history *grow(history *h)
{
    uint32_t alloc = h->alloc * 2 < h->capacity ? h->alloc * 2 : h->capacity;
    history *g = alloc_ring(alloc, h->capacity);
    g->base_ms = h->base_ms;
    g->count = h->count;
    memcpy(values(g), values(h), h->count * sizeof(float));
    memcpy(offsets(g), offsets(h), h->count * sizeof(int32_t));
    free(h);
    return g;
}

void history_push(history **hp, int64_t time_us, double value)
{
    history *h = *hp;
    int64_t ms = time_us / 1000;
    if (h->count == 0)
        h->base_ms = ms;
    int64_t off = ms - h->base_ms;
    if (off > INT32_MAX || off < INT32_MIN) {
        h->count = 0;
        h->head = 0;
        h->base_ms = ms;
        off = 0;
    }
    if (h->count == h->alloc && h->alloc < h->capacity)
        *hp = h = grow(h);
    uint32_t slot;
    if (h->count < h->alloc) {
        slot = (h->head + h->count) % h->alloc;
        h->count++;
    } else {
        slot = h->head;
        h->head = (h->head + 1) % h->alloc;
    }
    values(h)[slot] = (float)value;
    offsets(h)[slot] = (int32_t)off;
}

size_t history_count(const history *h)
{
    return h ? h->count : 0;
}

size_t history_capacity(const history *h)
{
    return h ? h->capacity : 0;
}

bool history_at(const history *h, size_t i, int64_t *time_us, double *value)
{
    if (!h || i >= h->count)
        return false;
    uint32_t slot = (uint32_t)((h->head + i) % h->alloc);
    if (time_us)
        *time_us = (h->base_ms + coffsets(h)[slot]) * 1000;
    if (value)
        *value = cvalues(h)[slot];
    return true;
}

size_t history_bytes(const history *h)
{
    return h ? sizeof *h + (size_t)h->alloc * (sizeof(float) + sizeof(int32_t)) : 0;
}
