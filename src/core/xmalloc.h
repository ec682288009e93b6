/* xmalloc: allocation that never returns NULL.
 *
 * Out of memory is not recoverable for a console that must keep a consistent model, so these
 * call a fatal hook and abort. Front ends set the hook to restore the terminal first (the TUI
 * calls endwin()); core itself never touches a screen.
 */
#ifndef OFC_XMALLOC_H
#define OFC_XMALLOC_H

#include <stddef.h>

typedef void (*xmalloc_fatal_hook)(size_t size);

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow an array of n elements of elem_size bytes to new_n elements, checking for overflow. */
void *xreallocarray(void *ptr, size_t new_n, size_t elem_size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Called with the failed size before abort(). Pass NULL to restore the default (a message). */
void xmalloc_set_fatal_hook(xmalloc_fatal_hook hook);

#define OFC_FREE(p) \
    do {            \
        free(p);    \
        (p) = NULL; \
    } while (0)

#endif
