/* strpool: interned strings for the model (attribute IDs, tags, TYPE texts).
 *
 * A plant repeats the same few hundred IDs and tags across thousands of assets; interning keeps
 * one copy and makes the memory target (a live Samples attribute under 1.5 KB) reachable.
 * Strings are never freed before the pool: the model never frees attributes either, and the
 * model's limits bound how many distinct strings hostile input can add.
 */
#ifndef OFC_STRPOOL_H
#define OFC_STRPOOL_H

#include "strmap.h"

#include <stddef.h>

typedef struct strpool {
    strmap map;
    size_t bytes;
} strpool;

void strpool_init(strpool *pool);
void strpool_fini(strpool *pool);
/* The pooled copy of s[0..len) (NUL-terminated), valid until strpool_fini(). */
const char *strpool_intern(strpool *pool, const char *s, size_t len);

#endif
