/* xmalloc: allocation wrappers that abort through a settable hook on exhaustion. */
#include "xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xmalloc_fatal_hook fatal_hook;

void xmalloc_set_fatal_hook(xmalloc_fatal_hook hook)
{
    fatal_hook = hook;
}

static void out_of_memory(size_t size)
{
    if (fatal_hook)
        fatal_hook(size);
    fprintf(stderr, "ofc: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        out_of_memory(nmemb * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xreallocarray(void *ptr, size_t new_n, size_t elem_size)
{
    if (elem_size && new_n > SIZE_MAX / elem_size)
        out_of_memory(SIZE_MAX);
    return xrealloc(ptr, new_n * elem_size);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
