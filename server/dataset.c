/* server/dataset.c — reference-counted snapshots behind one short lock. */
#include "dataset.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct holder {
    struct dataset d; /* first: a dataset pointer is a holder pointer */
    atomic_int refs;
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct holder *current;

struct dataset *dataset_open(const char *path, size_t cache_bytes, struct api_error *err)
{
    struct holder *h = calloc(1, sizeof *h);
    if (!h) {
        api_fail(err, 500, "out_of_memory", NULL, "%s: out of memory", path);
        return NULL;
    }
    h->d.store = store_load(path, err);
    h->d.cache = h->d.store ? cache_new(cache_bytes) : NULL;
    if (!h->d.cache) {
        if (h->d.store)
            api_fail(err, 500, "out_of_memory", NULL, "%s: out of memory", path);
        store_free(h->d.store);
        free(h);
        return NULL;
    }
    atomic_init(&h->refs, 1);
    return &h->d;
}

/* The lock covers only reading the pointer and counting: a swap cannot free the holder
 * between the two. */
struct dataset *dataset_acquire(void)
{
    pthread_mutex_lock(&current_lock);
    struct holder *h = current;
    if (h)
        atomic_fetch_add(&h->refs, 1);
    pthread_mutex_unlock(&current_lock);
    return h ? &h->d : NULL;
}

void dataset_release(struct dataset *d)
{
    struct holder *h = (struct holder *)d;
    if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    cache_free(h->d.cache);
    store_free(h->d.store);
    free(h);
}

void dataset_publish(struct dataset *d)
{
    pthread_mutex_lock(&current_lock);
    struct holder *old = current;
    current = (struct holder *)d;
    pthread_mutex_unlock(&current_lock);
    if (old)
        dataset_release(&old->d);
}
