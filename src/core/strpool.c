/* strpool: a strmap whose keys are the pooled copies themselves. */
#include "strpool.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

void strpool_init(strpool *pool)
{
    strmap_init(&pool->map);
    pool->bytes = 0;
}

void strpool_fini(strpool *pool)
{
    for (size_t i = 0; i < pool->map.cap; i++)
        if (pool->map.slots[i].hash)
            free(pool->map.slots[i].value);
    strmap_fini(&pool->map);
    pool->bytes = 0;
}

const char *strpool_intern(strpool *pool, const char *s, size_t len)
{
    uint64_t hash = strmap_hash(s, len);
    char *found = strmap_get_hashed(&pool->map, hash, s, len);
    if (found)
        return found;
    char *copy = xstrndup(s, len);
    strmap_put_hashed(&pool->map, hash, copy, len, copy);
    pool->bytes += len + 1;
    return copy;
}
