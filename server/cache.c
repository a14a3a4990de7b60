/* server/cache.c — a hash table under a read-write lock, with a CLOCK ring for eviction.
 * Readers (get, recall) take the lock shared and only set an entry's `used` flag; everything
 * that changes the table takes it exclusive. Entries are reference-counted, so an evicted entry
 * still sends from the responses that hold it. */
#include "cache.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"

#include "idmap.h"

#define BUCKETS 4096
#define TARGETS 2048
/* Counted per allocation besides what was asked for: glibc's chunk header and rounding. */
#define MALLOC_OVERHEAD 16

struct target {
    uint64_t hash;
    struct cache_entry *e; /* a kept entry (the table's reference covers it); NULL: empty */
    int prev, next;        /* the other slots pointing at E; -1 ends */
    int route;
    size_t keylen;
    char key[CACHE_TARGET_MAX];
};

struct cache {
    pthread_rwlock_t lock;
    atomic_int refs; /* the owner's, plus one per entry made */
    struct cache_entry *buckets[BUCKETS];
    struct target *targets;   /* TARGETS slots */
    struct cache_entry *hand; /* the clock hand: next entry looked at; NULL when empty */
    size_t bytes, entries, max_bytes;
};

/* The compressed copy carries its own length so that one atomic pointer publishes both. */
struct gz_body {
    size_t len; /* 0: gzip is not smaller, serve the plain body */
    char data[];
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
    atomic_init(&c->refs, 1);
    c->max_bytes = max_bytes;
    return c;
}

static void cache_unref(struct cache *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1) {
        pthread_rwlock_destroy(&c->lock);
        free(c->targets);
        free(c);
    }
}

static void entry_free(struct cache_entry *e)
{
    struct cache *c = e->cache;
    free(e->key);
    free(e->body);
    free(atomic_load(&e->gz));
    if (atomic_load(&e->fd) >= 0)
        close(atomic_load(&e->fd));
    free(e);
    cache_unref(c);
}

void cache_entry_release(struct cache_entry *e)
{
    if (e && atomic_fetch_sub(&e->refs, 1) == 1)
        entry_free(e);
}

/* Slot I, one of E's (so t->e == E), forgets E. Lock held for writing. */
static void target_unlink(struct cache *c, struct cache_entry *e, int i)
{
    struct target *t = &c->targets[i];
    if (t->prev >= 0)
        c->targets[t->prev].next = t->next;
    else
        e->targets = t->next;
    if (t->next >= 0)
        c->targets[t->next].prev = t->prev;
    t->e = NULL;
    t->prev = t->next = -1;
}

/* Takes E out of the table, its ring and its target slots, and puts it on *VICTIMS, whose
 * table references the caller releases after unlocking (freeing under the lock would make
 * every reader wait for it). Lock held for writing. */
static void drop_locked(struct cache *c, struct cache_entry *e, struct cache_entry **victims)
{
    struct cache_entry **p = &c->buckets[e->hash % BUCKETS];
    while (*p != e)
        p = &(*p)->next;
    *p = e->next;
    if (e->ring_next == e) {
        c->hand = NULL;
    } else {
        e->ring_prev->ring_next = e->ring_next;
        e->ring_next->ring_prev = e->ring_prev;
        if (c->hand == e)
            c->hand = e->ring_next;
    }
    while (e->targets >= 0)
        target_unlink(c, e, e->targets);
    c->bytes -= e->cost;
    c->entries--;
    e->kept = 0;
    e->next = *victims;
    *victims = e;
}

/* Evicts entries until NEED more bytes fit: the hand clears the `used` flag of entries asked
 * for since it last passed and takes the first one that was not. Lock held for writing. */
static void make_room_locked(struct cache *c, size_t need, struct cache_entry **victims)
{
    while (c->hand && c->bytes + need > c->max_bytes) {
        struct cache_entry *e = c->hand;
        c->hand = e->ring_next;
        if (atomic_exchange_explicit(&e->used, 0, memory_order_relaxed))
            continue;
        drop_locked(c, e, victims);
    }
}

static void release_victims(struct cache_entry *victims)
{
    while (victims) {
        struct cache_entry *next = victims->next;
        cache_entry_release(victims);
        victims = next;
    }
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    struct cache_entry *victims = NULL;
    /* locked: a request that recalled an entry before a reload may be gzipping it now */
    pthread_rwlock_wrlock(&c->lock);
    while (c->hand)
        drop_locked(c, c->hand, &victims);
    pthread_rwlock_unlock(&c->lock);
    release_victims(victims);
    cache_unref(c);
}

static struct cache_entry *find_locked(struct cache *c, const char *key, size_t keylen,
                                       uint64_t hash)
{
    for (struct cache_entry *e = c->buckets[hash % BUCKETS]; e; e = e->next)
        if (e->hash == hash && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    return NULL;
}

/* A hit: retained, and marked for the clock hand (a plain load first, so that hot entries
 * are not written on every request). */
static void hit(struct cache_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
    if (!atomic_load_explicit(&e->used, memory_order_relaxed))
        atomic_store_explicit(&e->used, 1, memory_order_relaxed);
}

struct cache_entry *cache_get(struct cache *c, const char *key, size_t keylen, uint64_t hash)
{
    pthread_rwlock_rdlock(&c->lock);
    struct cache_entry *e = find_locked(c, key, keylen, hash);
    if (e)
        hit(e);
    pthread_rwlock_unlock(&c->lock);
    return e;
}

void cache_etag(char tag[CACHE_ETAG_SIZE], const char *server_version, const char *data_version,
                const char *key, size_t keylen)
{
    /* the NULs keep ("1.0", "1x") and ("1.01", "x") apart */
    uint64_t h = hash_bytes(HASH_SEED, server_version, strlen(server_version) + 1);
    h = hash_bytes(h, data_version, strlen(data_version) + 1);
    h = hash_bytes(h, key, keylen);
    snprintf(tag, CACHE_ETAG_SIZE, "W/\"%016llx\"", (unsigned long long)h);
}

/* Links E into the table, its bucket and the ring just behind the hand (so the hand reaches
 * it last). Lock held for writing. */
static void insert_locked(struct cache *c, struct cache_entry *e)
{
    e->next = c->buckets[e->hash % BUCKETS];
    c->buckets[e->hash % BUCKETS] = e;
    if (!c->hand) {
        e->ring_prev = e->ring_next = e;
        c->hand = e;
    } else {
        e->ring_next = c->hand;
        e->ring_prev = c->hand->ring_prev;
        c->hand->ring_prev->ring_next = e;
        c->hand->ring_prev = e;
    }
    e->kept = 1;
    c->bytes += e->cost;
    c->entries++;
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
    atomic_init(&e->fd, -1);
    /* the renderer's buffer may be twice the body: give back what is held for years (when
     * realloc fails, the buffer stays as it was, whole) */
    char *fit = realloc(a->body, a->len + 1);
    if (fit)
        a->body = fit;
    e->body = a->body;
    e->len = a->len;
    a->body = NULL;
    e->content_type = a->content_type;
    if (a->filename[0])
        snprintf(e->disposition, sizeof e->disposition, "inline; filename=\"%s\"", a->filename);
    cache_etag(e->etag, PROSPERITY_VERSION, version, key, keylen);
    atomic_init(&e->refs, 1);
    atomic_init(&e->gz, NULL);
    atomic_init(&e->used, 0);
    e->targets = -1;
    e->cache = c;
    atomic_fetch_add(&c->refs, 1);
    e->cost = sizeof *e + keylen + 1 + e->len + 1 + 3 * MALLOC_OVERHEAD;
    if (e->cost > c->max_bytes)
        return e; /* too big to keep: the caller's reference is the only one */
    struct cache_entry *victims = NULL;
    pthread_rwlock_wrlock(&c->lock);
    struct cache_entry *old = find_locked(c, key, keylen, hash);
    if (old) { /* another thread made it first: use theirs */
        hit(old);
        pthread_rwlock_unlock(&c->lock);
        cache_entry_release(e);
        return old;
    }
    make_room_locked(c, e->cost, &victims);
    atomic_fetch_add(&e->refs, 1); /* the table's reference */
    insert_locked(c, e);
    pthread_rwlock_unlock(&c->lock);
    release_victims(victims);
    return e;
}

/* The one slot KEY may occupy; its hash in *HASH. */
static int slot(const char *key, size_t keylen, uint64_t *hash)
{
    *hash = hash_bytes(HASH_SEED, key, keylen);
    return (int)(*hash % TARGETS);
}

struct cache_entry *cache_recall(struct cache *c, const char *key, size_t keylen, int *route)
{
    if (keylen > CACHE_TARGET_MAX)
        return NULL;
    uint64_t h;
    struct target *t = &c->targets[slot(key, keylen, &h)];
    struct cache_entry *e = NULL;
    pthread_rwlock_rdlock(&c->lock);
    if (t->e && t->hash == h && t->keylen == keylen && memcmp(t->key, key, keylen) == 0) {
        e = t->e;
        *route = t->route;
        hit(e);
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
    int i = slot(key, keylen, &h);
    struct target *t = &c->targets[i];
    pthread_rwlock_wrlock(&c->lock);
    /* too big for the table, or evicted since: its slots would outlive it */
    if (e->cache == c && e->kept) {
        if (t->e)
            target_unlink(c, t->e, i);
        t->e = e;
        t->hash = h;
        t->route = route;
        t->keylen = keylen;
        memcpy(t->key, key, keylen);
        t->prev = -1;
        t->next = e->targets;
        if (e->targets >= 0)
            c->targets[e->targets].prev = i;
        e->targets = i;
    }
    pthread_rwlock_unlock(&c->lock);
}

/* Counts E's new copy of COST bytes (its gzip body, its memory file), evicting others (or E,
 * when E alone is now over the budget) to stay within it. */
static void count_copy(struct cache_entry *e, size_t cost)
{
    struct cache *c = e->cache;
    struct cache_entry *victims = NULL;
    pthread_rwlock_wrlock(&c->lock);
    if (e->kept) { /* else it was never counted, or its count is gone with it */
        e->cost += cost;
        c->bytes += cost;
        if (e->cost > c->max_bytes)
            drop_locked(c, e, &victims);
        make_room_locked(c, 0, &victims);
    }
    pthread_rwlock_unlock(&c->lock);
    release_victims(victims);
}

const char *cache_gzip(struct cache_entry *e, size_t *len)
{
    struct gz_body *gz = atomic_load(&e->gz);
    if (!gz) {
        size_t cap = gzip_bound(e->len);
        gz = malloc(sizeof *gz + cap);
        if (!gz)
            return NULL;
        gz->len = gzip_into(e->body, e->len, gz->data, cap);
        struct gz_body *fit = realloc(gz, sizeof *gz + gz->len); /* the bound is over the size */
        if (fit)
            gz = fit;
        struct gz_body *expected = NULL;
        if (!atomic_compare_exchange_strong(&e->gz, &expected, gz)) {
            free(gz); /* another thread published first: use theirs */
            gz = expected;
        } else {
            count_copy(e, sizeof *gz + gz->len + MALLOC_OVERHEAD);
        }
    }
    *len = gz->len;
    return gz->len ? gz->data : NULL;
}

int cache_body_fd(struct cache_entry *e)
{
    int fd = atomic_load(&e->fd);
    if (fd >= 0)
        return fd;
    fd = memfd_create("answer", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < e->len) {
        ssize_t w = write(fd, e->body + done, e->len - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    int expected = -1;
    if (!atomic_compare_exchange_strong(&e->fd, &expected, fd)) {
        close(fd);
        return expected;
    }
    count_copy(e, e->len + MALLOC_OVERHEAD);
    return fd;
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
    pthread_rwlock_rdlock(&c->lock);
    out->entries = c->entries;
    out->bytes = c->bytes;
    pthread_rwlock_unlock(&c->lock);
}
