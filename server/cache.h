/* server/cache.h — rendered answers of one snapshot, by canonical request. Bodies are built
 * once and then served from memory to every thread; a gzip copy is made on first demand. */
#ifndef PROSPERITY_CACHE_H
#define PROSPERITY_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "routes.h"

struct gz_body;

/* What http.c reads of an entry: key, body, len, gz (through cache_gzip), content_type,
 * disposition and etag, all fixed once it is returned. The rest is cache.c's, under the
 * cache's lock unless atomic. */
struct cache_entry {
    atomic_int refs;
    uint64_t hash;
    char *key; /* owned */
    size_t keylen;
    char *body; /* owned */
    size_t len;
    _Atomic(struct gz_body *) gz; /* owned once set; NULL until first asked for */
    atomic_int fd;                /* a memory file holding BODY (owned), -1 until asked for */
    const char *content_type;
    char disposition[128];    /* Content-Disposition value ("" for none), made once here */
    char etag[24];            /* W/"16 hex digits" */
    struct cache *cache;      /* the cache it was made in, referenced: outlives cache_free */
    int kept;                 /* in the table (not an answer too big to keep, nor evicted) */
    atomic_int used;          /* asked for since the clock hand last passed it */
    size_t cost;              /* bytes counted for it: itself, key, body, gzip copy */
    int targets;              /* first remembered target slot that points at it; -1: none */
    struct cache_entry *next; /* in its bucket */
    struct cache_entry *ring_prev, *ring_next; /* in the clock's ring */
};

struct cache;

/* A cache that holds at most MAX_BYTES (0: holds nothing), counting every byte its entries
 * hold: the entry, its key, body and gzip copy, with malloc's overhead. When an answer does not
 * fit, entries are evicted one at a time (CLOCK: the hand skips, once, each entry asked for
 * since it last passed). The remembered targets (below) are a fixed table made here, about
 * 600 KB, not counted. NULL when out of memory. */
struct cache *cache_new(size_t max_bytes);
/* Drops every entry; entries still retained by callers stay valid until released. */
void cache_free(struct cache *c);

/* The entry for KEY, retained (release it), or NULL. */
struct cache_entry *cache_get(struct cache *c, const char *key, size_t keylen, uint64_t hash);
/* Makes an entry of answer A (its body is taken) for KEY, ETag from this server's version
 * (PROSPERITY_VERSION), the data VERSION and KEY, and keeps it, evicting others to make room,
 * unless it is larger than the whole cache. Returns it retained, or NULL when out of memory
 * (A freed). */
struct cache_entry *cache_put(struct cache *c, const char *key, size_t keylen, uint64_t hash,
                              const char *version, struct answer *a);
/* Writes to TAG the weak ETag of the answer for KEY: 64-bit FNV-1a of SERVER_VERSION, a NUL,
 * DATA_VERSION, a NUL and KEY, as W/"16 hex digits". The server's version is in it because an
 * upgrade may change the answer to the same query on the same data. */
#define CACHE_ETAG_SIZE 24
void cache_etag(char tag[CACHE_ETAG_SIZE], const char *server_version, const char *data_version,
                const char *key, size_t keylen);
/* Request targets as sent, remembered with the entry that answered them, so that a repeated
 * request skips parsing and the canonical key. A fixed number of slots, each overwritten by
 * the next target that hashes to it: targets that vary on every request (cache busters) cost
 * no memory. An evicted entry's slots are emptied. KEY is at most CACHE_TARGET_MAX bytes. */
#define CACHE_TARGET_MAX 256
/* The entry remembered for KEY, retained (release it), and its ROUTE; or NULL. */
struct cache_entry *cache_recall(struct cache *c, const char *key, size_t keylen, int *route);
/* Remembers E (not taken over) and ROUTE for KEY, when E is kept and KEY is short enough. */
void cache_remember(struct cache *c, const char *key, size_t keylen, struct cache_entry *e,
                    int route);
/* The gzip body of E (made on first call, and then counted against the cache's budget); NULL
 * when it does not compress or on failure. */
const char *cache_gzip(struct cache_entry *e, size_t *len);
/* A memory file holding E's body, for sendfile (made on first call and counted against the
 * cache's budget; owned by E: dup it to hand it on); -1 on failure. */
int cache_body_fd(struct cache_entry *e);
void cache_entry_release(struct cache_entry *e);

struct cache_stats {
    size_t entries, bytes;
};
void cache_stats(struct cache *c, struct cache_stats *out);

#endif
