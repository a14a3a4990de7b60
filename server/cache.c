/* server/cache.c — a hash table under a read-write lock; entries are reference-counted so a
 * full cache can drop its table while responses still send from the old entries. */
#include "cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"

#include "idmap.h"

#define BUCKETS 4096
#define TARGETS 2048

struct target {
    uint64_t hash;
    struct cache_entry *e; /* a reference; NULL: empty slot */
    int route;
    size_t keylen;
    char key[CACHE_TARGET_MAX];
};

struct cache {
    pthread_rwlock_t lock;
    struct cache_entry *buckets[BUCKETS];
    struct target *targets; /* TARGETS slots */
    size_t bytes, entries, max_bytes;
};

struct cache *cache_new(size_t max_bytes)
{
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (!(c->targets = calloc(TARGETS, sizeof *c->targets))) {
        free(c);
        return NULL;
    }
    pthread_rwlock_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void entry_free(struct cache_entry *e)
{
    free(e->key);
    free(e->body);
    free(atomic_load(&e->gz));
    free(e);
}

void cache_entry_release(struct cache_entry *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        entry_free(e);
}

/* Drops every entry from the table (callers in flight keep theirs). Lock held for writing. */
static void clear_locked(struct cache *c)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        struct cache_entry *e = c->buckets[b];
        while (e) {
            struct cache_entry *next = e->next;
            e->kept = 0;
            cache_entry_release(e);
            e = next;
        }
        c->buckets[b] = NULL;
    }
    for (size_t t = 0; t < TARGETS; t++) {
        cache_entry_release(c->targets[t].e);
        c->targets[t].e = NULL;
    }
    c->bytes = c->entries = 0;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    clear_locked(c);
    pthread_rwlock_destroy(&c->lock);
    free(c->targets);
    free(c);
}

static struct cache_entry *find_locked(struct cache *c, const char *key, size_t keylen,
                                       uint64_t hash)
{
    for (struct cache_entry *e = c->buckets[hash % BUCKETS]; e; e = e->next)
        if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    return NULL;
}

struct cache_entry *cache_get(struct cache *c, const char *key, size_t keylen, uint64_t hash)
{
    pthread_rwlock_rdlock(&c->lock);
    struct cache_entry *e = find_locked(c, key, keylen, hash);
    if (e)
        atomic_fetch_add(&e->refs, 1);
    pthread_rwlock_unlock(&c->lock);
    return e;
}

struct cache_entry *cache_put(struct cache *c, const char *key, size_t keylen, uint64_t hash,
                              const char *version, struct answer *a)
{
    struct cache_entry *e = calloc(1, sizeof *e);
    if (!e || !(e->key = malloc(keylen + 1))) {
        free(e);
        free(a->body);
        a->body = NULL;
        return NULL;
    }
    memcpy(e->key, key, keylen);
    e->key[keylen] = '\0';
    e->keylen = keylen;
    e->hash = hash;
    e->body = a->body;
    e->len = a->len;
    a->body = NULL;
    e->content_type = a->content_type;
    if (a->filename[0])
        snprintf(e->disposition, sizeof e->disposition, "inline; filename=\"%s\"", a->filename);
    uint64_t tag = hash_bytes(hash_bytes(HASH_SEED, version, strlen(version)), key, keylen);
    snprintf(e->etag, sizeof e->etag, "W/\"%016llx\"", (unsigned long long)tag);
    atomic_init(&e->refs, 1);
    atomic_init(&e->gz, NULL);
    size_t cost = e->len + keylen + sizeof *e;
    if (cost > c->max_bytes)
        return e; /* too big to keep: the caller's reference is the only one */
    pthread_rwlock_wrlock(&c->lock);
    struct cache_entry *old = find_locked(c, key, keylen, hash);
    if (old) { /* another thread made it first: use theirs */
        atomic_fetch_add(&old->refs, 1);
        pthread_rwlock_unlock(&c->lock);
        cache_entry_release(e);
        return old;
    }
    if (c->bytes + cost > c->max_bytes)
        clear_locked(c);
    atomic_fetch_add(&e->refs, 1); /* the table's reference */
    e->kept = 1;
    e->next = c->buckets[hash % BUCKETS];
    c->buckets[hash % BUCKETS] = e;
    c->bytes += cost;
    c->entries++;
    pthread_rwlock_unlock(&c->lock);
    return e;
}

/* The one slot KEY may occupy; its hash in *HASH. */
static struct target *slot(struct cache *c, const char *key, size_t keylen, uint64_t *hash)
{
    *hash = hash_bytes(HASH_SEED, key, keylen);
    return &c->targets[*hash % TARGETS];
}

struct cache_entry *cache_recall(struct cache *c, const char *key, size_t keylen, int *route)
{
    if (keylen > CACHE_TARGET_MAX)
        return NULL;
    uint64_t h;
    struct target *t = slot(c, key, keylen, &h);
    struct cache_entry *e = NULL;
    pthread_rwlock_rdlock(&c->lock);
    if (t->e && t->hash == h && t->keylen == keylen && memcmp(t->key, key, keylen) == 0) {
        e = t->e;
        *route = t->route;
        atomic_fetch_add(&e->refs, 1);
    }
    pthread_rwlock_unlock(&c->lock);
    return e;
}

void cache_remember(struct cache *c, const char *key, size_t keylen, struct cache_entry *e,
                    int route)
{
    if (keylen > CACHE_TARGET_MAX)
        return;
    uint64_t h;
    struct target *t = slot(c, key, keylen, &h);
    pthread_rwlock_wrlock(&c->lock);
    if (!e->kept) { /* too big for the table, or dropped from it since: not worth a slot */
        pthread_rwlock_unlock(&c->lock);
        return;
    }
    struct cache_entry *old = t->e;
    atomic_fetch_add(&e->refs, 1);
    t->e = e;
    t->hash = h;
    t->route = route;
    t->keylen = keylen;
    memcpy(t->key, key, keylen);
    pthread_rwlock_unlock(&c->lock);
    cache_entry_release(old);
}

/* The compressed copy carries its own length so that one atomic pointer publishes both. */
struct gz_body {
    size_t len; /* 0: gzip is not smaller, serve the plain body */
    char data[];
};

const char *cache_gzip(struct cache_entry *e, size_t *len)
{
    struct gz_body *gz = atomic_load(&e->gz);
    if (!gz) {
        size_t cap = gzip_bound(e->len);
        gz = malloc(sizeof *gz + cap);
        if (!gz)
            return NULL;
        gz->len = gzip_into(e->body, e->len, gz->data, cap);
        struct gz_body *expected = NULL;
        if (!atomic_compare_exchange_strong(&e->gz, &expected, gz)) {
            free(gz); /* another thread published first: use theirs */
            gz = expected;
        }
    }
    *len = gz->len;
    return gz->len ? gz->data : NULL;
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
    pthread_rwlock_rdlock(&c->lock);
    out->entries = c->entries;
    out->bytes = c->bytes;
    pthread_rwlock_unlock(&c->lock);
}
