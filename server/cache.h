/* server/cache.h — rendered answers of one snapshot, by canonical request. Bodies are built
 * once and then served from memory to every thread; a gzip copy is made on first demand. */
#ifndef PROSPERITY_CACHE_H
#define PROSPERITY_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "routes.h"

struct gz_body;

struct cache_entry {
    atomic_int refs;
    uint64_t hash;
    char *key; /* owned */
    size_t keylen;
    char *body; /* owned */
    size_t len;
    _Atomic(struct gz_body *) gz; /* owned once set; NULL until first asked for */
    const char *content_type;
    char disposition[128]; /* Content-Disposition value ("" for none), made once here */
    char etag[24];         /* W/"16 hex digits" */
    int kept;              /* in the table (not an answer too big to keep) */
    struct cache_entry *next;
};

struct cache;

/* A cache that holds at most MAX_BYTES of bodies (0: holds nothing). NULL when out of memory. */
struct cache *cache_new(size_t max_bytes);
void cache_free(struct cache *c);

/* The entry for KEY, retained (release it), or NULL. */
struct cache_entry *cache_get(struct cache *c, const char *key, size_t keylen, uint64_t hash);
/* Makes an entry of answer A (its body is taken) for KEY, ETag from VERSION and KEY, and keeps
 * it when there is room. Returns it retained, or NULL when out of memory (A freed). */
struct cache_entry *cache_put(struct cache *c, const char *key, size_t keylen, uint64_t hash,
                              const char *version, struct answer *a);
/* Request targets as sent, remembered with the entry that answered them, so that a repeated
 * request skips parsing and the canonical key. A fixed number of slots, each overwritten by
 * the next target that hashes to it: targets that vary on every request (cache busters) cost
 * no memory. KEY is at most CACHE_TARGET_MAX bytes. */
#define CACHE_TARGET_MAX 256
/* The entry remembered for KEY, retained (release it), and its ROUTE; or NULL. */
struct cache_entry *cache_recall(struct cache *c, const char *key, size_t keylen, int *route);
/* Remembers E (not taken over) and ROUTE for KEY, when E is kept and KEY is short enough. */
void cache_remember(struct cache *c, const char *key, size_t keylen, struct cache_entry *e,
                    int route);
/* The gzip body of E (made on first call); NULL when it does not compress or on failure. */
const char *cache_gzip(struct cache_entry *e, size_t *len);
void cache_entry_release(struct cache_entry *e);

struct cache_stats {
    size_t entries, bytes;
};
void cache_stats(struct cache *c, struct cache_stats *out);

#endif
