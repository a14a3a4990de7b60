/* api/idmap.h — an open-addressing hash index from string ids to array positions, and one
 * from 64-bit keys to positions. Both are built once and then only read (safe to share). */
#ifndef PROSPERITY_IDMAP_H
#define PROSPERITY_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#define IDMAP_NONE UINT32_MAX

struct idmap {
    const char **keys; /* borrowed: the strings must outlive the map */
    uint32_t *vals;
    size_t mask; /* capacity - 1 (capacity is a power of two) */
    size_t count;
};

/* Prepares MAP for up to N entries. Returns 0, or -1 when out of memory. */
int idmap_init(struct idmap *map, size_t n);
/* Adds KEY -> VAL; KEY is borrowed. Returns 0, 1 if KEY was present (unchanged), -1 if full. */
int idmap_put(struct idmap *map, const char *key, uint32_t val);
/* Returns the value for KEY (LEN bytes, not necessarily NUL-terminated), or IDMAP_NONE. */
uint32_t idmap_get(const struct idmap *map, const char *key, size_t len);
void idmap_free(struct idmap *map);

struct keymap {
    uint64_t *keys; /* UINT64_MAX marks an empty slot */
    uint32_t *vals;
    size_t mask;
    size_t count;
};

int keymap_init(struct keymap *map, size_t n);
int keymap_put(struct keymap *map, uint64_t key, uint32_t val);
uint32_t keymap_get(const struct keymap *map, uint64_t key);
void keymap_free(struct keymap *map);

/* 64-bit FNV-1a of LEN bytes, continuing from H (start with HASH_SEED). */
#define HASH_SEED 0xcbf29ce484222325ULL
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

#endif
