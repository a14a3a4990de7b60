/* server/dataset.h — the snapshot being served, its response cache, and the atomic swap that
 * a reload makes. Requests hold a reference for as long as they use a dataset, so a swap
 * never frees data under a request in flight. */
#ifndef PROSPERITY_DATASET_H
#define PROSPERITY_DATASET_H

#include "cache.h"
#include "error.h"
#include "store.h"

struct dataset {
    struct store *store;
    struct cache *cache;
};

/* Loads PATH into a new dataset with a cache of CACHE_BYTES. NULL with ERR on failure. */
struct dataset *dataset_open(const char *path, size_t cache_bytes, struct api_error *err);

/* The current dataset, retained; NULL before the first publish. Release it when done. */
struct dataset *dataset_acquire(void);
void dataset_release(struct dataset *d);

/* Makes D (its reference is taken) the current dataset; the previous one is released and
 * freed when its last request finishes. */
void dataset_publish(struct dataset *d);

#endif
