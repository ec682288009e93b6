/* web_buf and web_ring: serialized messages shared by many clients, and the bounded ring of
 * deltas each subscription keeps for them.
 *
 * A message is serialized once and sent to every client that needs it, so it is reference
 * counted: the ring holds one reference, each client that is in the middle of sending it holds
 * another. The ring is the libwebsockets pattern (one ring, a tail per client) with a budget
 * in messages and bytes: pushing past the budget drops the oldest message, and a client whose
 * tail points before the oldest message left is behind and is sent a fresh snapshot instead of
 * the backlog. Memory is therefore bounded by the budget whatever the clients do.
 * Thread: the loop thread only.
 */
#ifndef OFC_WEB_BUF_H
#define OFC_WEB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct web_buf {
    unsigned refs;
    size_t len;
    char *data; /* owned, NUL-terminated */
} web_buf;

/* Takes ownership of data (malloc'd, len bytes plus a NUL). One reference. */
web_buf *web_buf_wrap(char *data, size_t len);
/* Copies. One reference. */
web_buf *web_buf_copy(const char *data, size_t len);
web_buf *web_buf_ref(web_buf *b);
/* Drops a reference; frees on the last. NULL is ignored. */
void web_buf_unref(web_buf *b);

/* Messages numbered by a sequence: seq first..next-1 are held. */
typedef struct web_ring {
    web_buf **slots; /* capacity max_msgs; message seq lives at slots[seq % max_msgs] */
    size_t max_msgs;
    size_t max_bytes;
    size_t bytes;     /* sum of held messages' lengths */
    uint64_t first;   /* oldest held seq */
    uint64_t next;    /* seq the next push gets */
    uint64_t dropped; /* messages dropped over budget (not trimmed after delivery) */
} web_ring;

/* The first push gets seq `start`. */
void web_ring_init(web_ring *r, size_t max_msgs, size_t max_bytes, uint64_t start);
void web_ring_fini(web_ring *r);
/* Append; takes the caller's reference. Drops the oldest messages while over budget (the newest
 * is always kept, however large). Returns the seq it got. */
uint64_t web_ring_push(web_ring *r, web_buf *b);
/* The message with this seq, borrowed; NULL if dropped or not yet pushed. */
web_buf *web_ring_get(const web_ring *r, uint64_t seq);
/* Release messages below seq (every client has sent them). */
void web_ring_trim(web_ring *r, uint64_t seq);
size_t web_ring_count(const web_ring *r);

#endif
