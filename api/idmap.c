/* api/idmap.c — open-addressing hash indexes with linear probing, load factor <= 1/2. */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static size_t capacity_for(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 1)
        cap *= 2;
    return cap;
}

int idmap_init(struct idmap *map, size_t n)
{
    size_t cap = capacity_for(n);
    memset(map, 0, sizeof *map);
    map->keys = calloc(cap, sizeof *map->keys);
    map->vals = malloc(cap * sizeof *map->vals);
    if (!map->keys || !map->vals) {
        idmap_free(map);
        return -1;
    }
    map->mask = cap - 1;
    return 0;
}

int idmap_put(struct idmap *map, const char *key, uint32_t val)
{
    if (2 * (map->count + 1) > map->mask + 1)
        return -1;
    size_t len = strlen(key);
    size_t i = hash_bytes(HASH_SEED, key, len) & map->mask;
    while (map->keys[i]) {
        if (strcmp(map->keys[i], key) == 0)
            return 1;
        i = (i + 1) & map->mask;
    }
    map->keys[i] = key;
    map->vals[i] = val;
    map->count++;
    return 0;
}

uint32_t idmap_get(const struct idmap *map, const char *key, size_t len)
{
    if (!map->keys)
        return IDMAP_NONE;
    size_t i = hash_bytes(HASH_SEED, key, len) & map->mask;
    while (map->keys[i]) {
        if (strncmp(map->keys[i], key, len) == 0 && map->keys[i][len] == '\0')
            return map->vals[i];
        i = (i + 1) & map->mask;
    }
    return IDMAP_NONE;
}

void idmap_free(struct idmap *map)
{
    free(map->keys);
    free(map->vals);
    memset(map, 0, sizeof *map);
}

/* A 64-bit mixer (splitmix64's finaliser) spreads packed (indicator, region) keys. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

int keymap_init(struct keymap *map, size_t n)
{
    size_t cap = capacity_for(n);
    memset(map, 0, sizeof *map);
    map->keys = malloc(cap * sizeof *map->keys);
    map->vals = malloc(cap * sizeof *map->vals);
    if (!map->keys || !map->vals) {
        keymap_free(map);
        return -1;
    }
    memset(map->keys, 0xff, cap * sizeof *map->keys);
    map->mask = cap - 1;
    return 0;
}

int keymap_put(struct keymap *map, uint64_t key, uint32_t val)
{
    if (key == UINT64_MAX || 2 * (map->count + 1) > map->mask + 1)
        return -1;
    size_t i = mix64(key) & map->mask;
    while (map->keys[i] != UINT64_MAX) {
        if (map->keys[i] == key)
            return 1;
        i = (i + 1) & map->mask;
    }
    map->keys[i] = key;
    map->vals[i] = val;
    map->count++;
    return 0;
}

uint32_t keymap_get(const struct keymap *map, uint64_t key)
{
    if (!map->keys)
        return IDMAP_NONE;
    size_t i = mix64(key) & map->mask;
    while (map->keys[i] != UINT64_MAX) {
        if (map->keys[i] == key)
            return map->vals[i];
        i = (i + 1) & map->mask;
    }
    return IDMAP_NONE;
}

void keymap_free(struct keymap *map)
{
    free(map->keys);
    free(map->vals);
    memset(map, 0, sizeof *map);
}
