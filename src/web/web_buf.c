/* web_buf, web_ring: shared messages and the delta ring. */
#include "web_buf.h"

#include "xmalloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

web_buf *web_buf_wrap(char *data, size_t len)
{
    web_buf *b = xmalloc(sizeof *b);
    b->refs = 1;
    b->len = len;
    b->data = data;
    return b;
}

web_buf *web_buf_copy(const char *data, size_t len)
{
    char *d = xmalloc(len + 1);
    memcpy(d, data, len);
    d[len] = '\0';
    return web_buf_wrap(d, len);
}

web_buf *web_buf_ref(web_buf *b)
{
    b->refs++;
    return b;
}

void web_buf_unref(web_buf *b)
{
    if (!b)
        return;
    assert(b->refs > 0);
    if (--b->refs == 0) {
        free(b->data);
        free(b);
    }
}

void web_ring_init(web_ring *r, size_t max_msgs, size_t max_bytes, uint64_t start)
{
    memset(r, 0, sizeof *r);
    r->max_msgs = max_msgs ? max_msgs : 1;
    r->max_bytes = max_bytes;
    r->slots = xcalloc(r->max_msgs, sizeof *r->slots);
    r->first = r->next = start;
}

static void drop_oldest(web_ring *r)
{
    web_buf **slot = &r->slots[r->first % r->max_msgs];
    r->bytes -= (*slot)->len;
    web_buf_unref(*slot);
    *slot = NULL;
    r->first++;
}

void web_ring_fini(web_ring *r)
{
    while (r->first < r->next)
        drop_oldest(r);
    free(r->slots);
    r->slots = NULL;
}

uint64_t web_ring_push(web_ring *r, web_buf *b)
{
    while (r->first < r->next &&
           (r->next - r->first >= r->max_msgs || r->bytes + b->len > r->max_bytes)) {
        drop_oldest(r);
        r->dropped++;
    }
    r->slots[r->next % r->max_msgs] = b;
    r->bytes += b->len;
    return r->next++;
}

web_buf *web_ring_get(const web_ring *r, uint64_t seq)
{
    if (seq < r->first || seq >= r->next)
        return NULL;
    return r->slots[seq % r->max_msgs];
}

void web_ring_trim(web_ring *r, uint64_t seq)
{
    while (r->first < r->next && r->first < seq)
        drop_oldest(r);
}

size_t web_ring_count(const web_ring *r)
{
    return (size_t)(r->next - r->first);
}
