/* strmap: string-keyed open-addressing hash map (linear probing, backward-shift deletion).
 *
 * Used for assets by uuid, attributes by ID within an asset, UNS children and the string pool.
 * The map never copies keys: each entry's key must stay valid while the entry exists, which is
 * natural when the key is owned by the value (asset->uuid). Lookups take a (ptr, len) pair so
 * parser views can be looked up without making a C string.
 */
#ifndef OFC_STRMAP_H
#define OFC_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap_entry {
    uint64_t hash; /* 0 = empty slot */
    const char *key;
    size_t key_len;
    void *value;
} strmap_entry;

typedef struct strmap {
    strmap_entry *slots;
    size_t cap; /* power of two, or 0 */
    size_t count;
} strmap;

void strmap_init(strmap *map);
/* Frees the slot array only; keys and values belong to the caller. */
void strmap_fini(strmap *map);

uint64_t strmap_hash(const char *key, size_t len);

void *strmap_get(const strmap *map, const char *key, size_t len);
void *strmap_get_hashed(const strmap *map, uint64_t hash, const char *key, size_t len);
/* Insert or replace; the key is borrowed (see above). Returns the previous value or NULL. */
void *strmap_put(strmap *map, const char *key, size_t len, void *value);
void *strmap_put_hashed(strmap *map, uint64_t hash, const char *key, size_t len, void *value);
/* Remove and return the value, or NULL if absent. */
void *strmap_remove(strmap *map, const char *key, size_t len);

#endif
