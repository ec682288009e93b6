/* strmap: linear probing keeps lookups to one or two cache lines for the short keys OpenFactory
 * uses (asset uuids, attribute IDs); load factor stays at or below 1/2. */
#include "strmap.h"

#include "xmalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void strmap_init(strmap *map)
{
    memset(map, 0, sizeof *map);
}

void strmap_fini(strmap *map)
{
    free(map->slots);
    memset(map, 0, sizeof *map);
}

uint64_t strmap_hash(const char *key, size_t len)
{
    /* FNV-1a over the bytes, then a final avalanche so linear probing spreads well. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static bool entry_matches(const strmap_entry *e, uint64_t hash, const char *key, size_t len)
{
    return e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0;
}

void *strmap_get_hashed(const strmap *map, uint64_t hash, const char *key, size_t len)
{
    if (!map->cap)
        return NULL;
    size_t mask = map->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const strmap_entry *e = &map->slots[i];
        if (!e->hash)
            return NULL;
        if (entry_matches(e, hash, key, len))
            return e->value;
    }
}

void *strmap_get(const strmap *map, const char *key, size_t len)
{
    return strmap_get_hashed(map, strmap_hash(key, len), key, len);
}

static void grow(strmap *map)
{
    size_t old_cap = map->cap;
    strmap_entry *old = map->slots;
    size_t cap = old_cap ? old_cap * 2 : 8;
    map->slots = xcalloc(cap, sizeof *map->slots);
    map->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].hash)
            continue;
        size_t j = old[i].hash & (cap - 1);
        while (map->slots[j].hash)
            j = (j + 1) & (cap - 1);
        map->slots[j] = old[i];
    }
    free(old);
}

void *strmap_put_hashed(strmap *map, uint64_t hash, const char *key, size_t len, void *value)
{
    if ((map->count + 1) * 2 > map->cap)
        grow(map);
    size_t mask = map->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        strmap_entry *e = &map->slots[i];
        if (!e->hash) {
            e->hash = hash;
            e->key = key;
            e->key_len = len;
            e->value = value;
            map->count++;
            return NULL;
        }
        if (entry_matches(e, hash, key, len)) {
            void *prev = e->value;
            e->key = key;
            e->value = value;
            return prev;
        }
    }
}

void *strmap_put(strmap *map, const char *key, size_t len, void *value)
{
    return strmap_put_hashed(map, strmap_hash(key, len), key, len, value);
}

void *strmap_remove(strmap *map, const char *key, size_t len)
{
    if (!map->cap)
        return NULL;
    uint64_t hash = strmap_hash(key, len);
    size_t mask = map->cap - 1, i = hash & mask;
    for (;; i = (i + 1) & mask) {
        if (!map->slots[i].hash)
            return NULL;
        if (entry_matches(&map->slots[i], hash, key, len))
            break;
    }
    void *value = map->slots[i].value;
    /* Backward-shift: move later members of the probe run into the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; map->slots[j].hash; j = (j + 1) & mask) {
        size_t home = map->slots[j].hash & mask;
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            map->slots[hole] = map->slots[j];
            hole = j;
        }
    }
    memset(&map->slots[hole], 0, sizeof map->slots[hole]);
    map->count--;
    return value;
}
