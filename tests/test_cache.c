/* tests/test_cache.c — what the server holds in memory: the answer cache of one snapshot
 * (entries by canonical key, ETags, the remembered request targets, what a full cache evicts
 * and what it counts) and the static files. */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "idmap.h"
#include "statics.h"
#include "testutil.h"

/* An answer whose body (owned, as the cache expects) is TEXT repeated to LEN bytes. */
static struct answer answer_of(const char *text, size_t len)
{
    struct answer a = {.len = len, .content_type = "application/json"};
    a.body = malloc(len + 1);
    ck_assert_ptr_nonnull(a.body);
    for (size_t i = 0; i < len; i++)
        a.body[i] = text[i % strlen(text)];
    a.body[len] = '\0';
    return a;
}

static struct cache_entry *put(struct cache *c, const char *key, const char *version, size_t len)
{
    struct answer a = answer_of(key, len);
    struct cache_entry *e =
        cache_put(c, key, strlen(key), hash_bytes(HASH_SEED, key, strlen(key)), version, &a);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_null(a.body); /* taken */
    return e;
}

static struct cache_entry *get(struct cache *c, const char *key)
{
    return cache_get(c, key, strlen(key), hash_bytes(HASH_SEED, key, strlen(key)));
}

START_TEST(test_cache_entries_and_etags)
{
    struct cache *c = cache_new(1 << 20);
    struct cache_entry *e = put(c, "series&indicator=gdp", "v1", 100);
    ck_assert_uint_eq(strlen(e->etag), 20); /* W/"16 hex digits" */
    ck_assert_int_eq(strncmp(e->etag, "W/\"", 3), 0);
    struct cache_entry *again = get(c, "series&indicator=gdp");
    ck_assert_ptr_eq(again, e);
    ck_assert_ptr_null(get(c, "series&indicator=gdpx"));
    /* the tag depends on the data version and the key (and the server's version), nothing else */
    struct cache *other = cache_new(1 << 20), *reloaded = cache_new(1 << 20);
    struct cache_entry *same = put(other, "series&indicator=gdp", "v1", 7);
    struct cache_entry *newer = put(reloaded, "series&indicator=gdp", "v2", 100);
    ck_assert_str_eq(same->etag, e->etag);
    ck_assert_str_ne(newer->etag, e->etag);
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    cache_entry_release(e);
    cache_entry_release(again);
    cache_entry_release(same);
    cache_entry_release(newer);
    cache_free(c);
    cache_free(other);
    cache_free(reloaded);
}
END_TEST

START_TEST(test_cache_targets)
{
    struct cache *c = cache_new(1 << 20);
    struct cache_entry *e = put(c, "series&indicator=gdp", "v1", 100);
    const char *target = "j/v1/series?indicator=gdp";
    int route = -1;
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    cache_remember(c, target, strlen(target), e, 3);
    struct cache_entry *r = cache_recall(c, target, strlen(target), &route);
    ck_assert_ptr_eq(r, e);
    ck_assert_int_eq(route, 3);
    cache_entry_release(r);
    /* another format, or another spelling, is another target */
    ck_assert_ptr_null(cache_recall(c, "c/v1/series?indicator=gdp", strlen(target), &route));
    ck_assert_ptr_null(cache_recall(c, target, strlen(target) - 1, &route));
    /* too long to remember */
    char longer[CACHE_TARGET_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    cache_remember(c, longer, strlen(longer), e, 3);
    ck_assert_ptr_null(cache_recall(c, longer, strlen(longer), &route));
    cache_entry_release(e);
    cache_free(c); /* releases the remembered reference too (valgrind, ASan) */
}
END_TEST

/* A full cache evicts what nobody asked for since it was made, remembered targets included;
 * what was asked for stays; callers keep their entries. */
START_TEST(test_cache_full_drops_targets)
{
    struct cache *c = cache_new(4096);
    struct cache_entry *a = put(c, "a", "v1", 1500);
    const char *target = "j/v1/a";
    int route;
    cache_remember(c, target, strlen(target), a, 1);
    struct cache_entry *b = put(c, "b", "v1", 1500);
    struct cache_entry *again = get(c, "b");             /* b is in use */
    struct cache_entry *third = put(c, "c", "v1", 1500); /* over 4096: one entry goes */
    ck_assert_ptr_null(get(c, "a"));
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    ck_assert_ptr_eq(get(c, "b"), b);
    cache_entry_release(b);
    /* an entry dropped before it is remembered does not come back through a target */
    cache_remember(c, target, strlen(target), a, 1);
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    ck_assert_uint_eq(a->len, 1500); /* still ours to read */
    ck_assert_int_eq(a->body[0], 'a');
    cache_entry_release(a);
    cache_entry_release(b);
    cache_entry_release(again);
    cache_entry_release(third);
    cache_free(c);
}
END_TEST

/* An answer larger than the whole cache is served once and neither kept nor remembered. */
START_TEST(test_cache_too_big)
{
    struct cache *c = cache_new(1000);
    struct cache_entry *e = put(c, "big", "v1", 5000);
    ck_assert_ptr_null(get(c, "big"));
    const char *target = "j/v1/big";
    int route;
    cache_remember(c, target, strlen(target), e, 1);
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    cache_entry_release(e);
    cache_free(c);
}
END_TEST

/* 64-bit FNV-1a written out from its definition (offset basis 14695981039346656037, prime
 * 2^40 + 2^8 + 0xb3), so the ETag's inputs are checked against something not ours. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The tag of a cached answer is FNV-1a of the server version, NUL, the data version, NUL and the
 * key: an upgrade that changes the output changes every tag, so revalidating clients get the
 * new body rather than a 304 for their stale one. */
START_TEST(test_cache_etag_mixes_server_version)
{
    const char *key = "series&indicator=gdp";
    struct cache *c = cache_new(1 << 20);
    struct cache_entry *e = put(c, key, "v1", 100);
    uint64_t h = 14695981039346656037ULL;
    h = fnv1a(h, PROSPERITY_VERSION, strlen(PROSPERITY_VERSION) + 1);
    h = fnv1a(h, "v1", 3);
    h = fnv1a(h, key, strlen(key));
    char want[32];
    snprintf(want, sizeof want, "W/\"%016llx\"", (unsigned long long)h);
    ck_assert_str_eq(e->etag, want);
    /* an upgrade changes it; the separators keep the inputs apart */
    char a[CACHE_ETAG_SIZE], b[CACHE_ETAG_SIZE], c2[CACHE_ETAG_SIZE];
    cache_etag(a, "0.1.0", "v1", key, strlen(key));
    cache_etag(b, "0.2.0", "v1", key, strlen(key));
    ck_assert_str_ne(a, b);
    cache_etag(b, "0.1.0v", "1", key, strlen(key));
    ck_assert_str_ne(a, b);
    cache_etag(c2, PROSPERITY_VERSION, "v1", key, strlen(key));
    ck_assert_str_eq(c2, want);
    cache_entry_release(e);
    cache_free(c);
}
END_TEST

/* Bodies of LEN bytes that gzip to about half: letters from a fixed LCG, not one repeated
 * text (which would compress to nothing and hide what gzip copies cost). */
static struct answer answer_random(unsigned seed, size_t len)
{
    struct answer a = {.len = len, .content_type = "application/json"};
    a.body = malloc(len + 1);
    ck_assert_ptr_nonnull(a.body);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        a.body[i] = (char)('a' + (x >> 28));
    }
    a.body[len] = '\0';
    return a;
}

/* One request as http.c makes it: the remembered target, else the key, else a new answer
 * (remembered afterwards). Returns the entry (retained) and whether it was a hit. */
static struct cache_entry *serve(struct cache *c, unsigned id, size_t len, int *hit)
{
    char key[64], target[64];
    int route = 0;
    snprintf(key, sizeof key, "series&from=%u", id);
    snprintf(target, sizeof target, "j/v1/series?from=%u", id);
    struct cache_entry *e = cache_recall(c, target, strlen(target), &route);
    *hit = e != NULL;
    if (e) {
        ck_assert_int_eq(route, 7);
        ck_assert_str_eq(e->key, key); /* never another entry's slot */
        return e;
    }
    uint64_t h = hash_bytes(HASH_SEED, key, strlen(key));
    if ((e = cache_get(c, key, strlen(key), h)) != NULL) {
        *hit = 1;
    } else {
        struct answer a = answer_random(id, len);
        ck_assert_ptr_nonnull(e = cache_put(c, key, strlen(key), h, "v1", &a));
    }
    cache_remember(c, target, strlen(target), e, 7);
    return e;
}

static uint32_t next_random(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

/* A working set 10 % larger than the budget, requested at random: a cache that empties itself
 * when full serves about 60 % from memory; one that evicts an entry at a time about 90 %. */
START_TEST(test_cache_working_set_above_budget)
{
    const size_t budget = 4u << 20, len = 16384;
    const unsigned n = (unsigned)(budget * 11 / 10 / len) + 1;
    struct cache *c = cache_new(budget);
    uint32_t x = 12345;
    long hits = 0, asked = 0;
    for (int i = 0; i < 30000; i++) {
        int hit;
        cache_entry_release(serve(c, next_random(&x) % n, len, &hit));
        struct cache_stats st;
        cache_stats(c, &st);
        ck_assert_uint_le(st.bytes, budget);
        if (i >= 5000) { /* warmed up */
            hits += hit;
            asked++;
        }
    }
    double rate = (double)hits / (double)asked;
    ck_assert_msg(rate > 0.8, "hit rate %.3f for a working set of 110 %% of the budget", rate);
    cache_free(c);
}
END_TEST

/* A hot set of half the budget takes 80 % of the requests while one client walks through
 * answers never asked for again (from=1000, 1001, ...): the walk must not push out the hot set. */
START_TEST(test_cache_walk_does_not_flush_hot_set)
{
    const size_t budget = 4u << 20, len = 16384;
    const unsigned hot = (unsigned)(budget / 2 / len);
    struct cache *c = cache_new(budget);
    uint32_t x = 777;
    unsigned walk = 1000;
    long hot_hits = 0, hot_asked = 0;
    for (int i = 0; i < 30000; i++) {
        int is_hot = next_random(&x) % 10 < 8, hit;
        unsigned id = is_hot ? next_random(&x) % hot : walk++;
        cache_entry_release(serve(c, id, len, &hit));
        if (is_hot && i >= 5000) {
            hot_hits += hit;
            hot_asked++;
        }
    }
    double rate = (double)hot_hits / (double)hot_asked;
    ck_assert_msg(rate > 0.95, "hot set hit rate %.3f while a client walks", rate);
    cache_free(c);
}
END_TEST

/* Every byte held counts against the budget, gzip copies included: after every request the
 * bodies and gzip copies of the entries still cached add up to no more than the cache says it
 * holds, and that to no more than the budget. */
START_TEST(test_cache_counts_gzip_copies)
{
    const size_t budget = 256u << 10, len = 4000;
    const unsigned n = 200;
    size_t *gzlen = calloc(n, sizeof *gzlen);
    struct cache *c = cache_new(budget);
    uint32_t x = 99;
    for (int i = 0; i < 5000; i++) {
        unsigned id = next_random(&x) % n;
        int hit;
        struct cache_entry *e = serve(c, id, len, &hit);
        if (!hit)
            gzlen[id] = 0;
        size_t before = 0, glen = 0;
        struct cache_stats st;
        cache_stats(c, &st);
        before = st.bytes;
        int fresh = gzlen[id] == 0;
        ck_assert_ptr_nonnull(cache_gzip(e, &glen));
        ck_assert_uint_lt(glen, len);
        gzlen[id] = glen;
        cache_stats(c, &st);
        ck_assert_uint_le(st.bytes, budget);
        if (fresh && st.entries > 0 && i < 20) /* room to spare: the copy is added */
            ck_assert_uint_ge(st.bytes, before + glen);
        cache_entry_release(e);
    }
    size_t held = 0;
    for (unsigned id = 0; id < n; id++) {
        char key[64];
        snprintf(key, sizeof key, "series&from=%u", id);
        struct cache_entry *e = get(c, key);
        if (e)
            held += e->len + gzlen[id];
        cache_entry_release(e);
    }
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_le(held, st.bytes);
    ck_assert_uint_le(st.bytes, budget);
    ck_assert_uint_gt(held, budget / 2); /* and the budget is used */
    free(gzlen);
    cache_free(c);
}
END_TEST

struct hammer {
    struct cache *c;
    unsigned seed;
};

static void *hammer_run(void *arg)
{
    struct hammer *hm = arg;
    uint32_t x = hm->seed;
    for (int i = 0; i < 4000; i++) {
        int hit;
        struct cache_entry *e = serve(hm->c, next_random(&x) % 300, 1000 + i % 3000, &hit);
        size_t glen;
        if (i % 2)
            cache_gzip(e, &glen);
        ck_assert_uint_ge(e->len, 1000);
        cache_entry_release(e);
    }
    return NULL;
}

/* The thread pool's pattern: four threads recalling, putting, remembering and gzipping in a
 * cache that evicts all the time (ASan and the counters watch). */
START_TEST(test_cache_threads_evicting)
{
    const size_t budget = 128u << 10;
    struct cache *c = cache_new(budget);
    pthread_t t[4];
    struct hammer hm[4];
    for (int i = 0; i < 4; i++) {
        hm[i] = (struct hammer){c, (unsigned)i + 1};
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer_run, &hm[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_le(st.bytes, budget);
    ck_assert_uint_gt(st.entries, 0);
    cache_free(c);
}
END_TEST

/* The file names in DIR in the order readdir gives them (what statics_init sees). */
static size_t listing(const char *dir, char names[][32], size_t max)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && n < max)
            snprintf(names[n++], sizeof names[0], "%.31s", de->d_name);
    closedir(d);
    return n;
}

static size_t position(char names[][32], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

/* A --static-dir of 70 files, index.html the 64th that readdir lists: the page at "/" and every
 * file are served, with their own bytes. (The list used to hold 64 entries: index.html counts
 * twice, as "/" and /static/index.html; the 64th file's "/" borrowed bytes that were then freed
 * because /static/index.html found no room, and files beyond were dropped unsaid.) Deleting
 * files keeps readdir's order of the others, so the test places index.html by adding names until
 * 63 come before it and deleting the surplus. */
START_TEST(test_statics_dir_of_70_files)
{
    static char names[1024][32];
    char *dir = tu_tmpdir(), path[512], text[64];
    snprintf(path, sizeof path, "%s/index.html", dir);
    tu_write(path, "<!doctype html><title>page</title>");
    size_t made = 0, n = 0, at = 0;
    while (made < 900) {
        for (int k = 0; k < 64; k++, made++) {
            snprintf(path, sizeof path, "%s/f%03zu.txt", dir, made);
            snprintf(text, sizeof text, "file %03zu", made);
            tu_write(path, text);
        }
        n = listing(dir, names, 1024);
        if ((at = position(names, n, "index.html")) >= 63 && n - at - 1 >= 6)
            break;
    }
    /* keep 63 before index.html and 6 after it (on a file system whose order puts index.html
     * nearly first, index.html and the first 69 others: the missing files still show) */
    int placed = at >= 63 && n - at - 1 >= 6;
    size_t others = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = i == at || (placed ? i < 63 || (i > at && i <= at + 6) : others < 69);
        others += keep && i != at;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        ck_assert(keep || unlink(path) == 0);
    }
    n = listing(dir, names, 1024);
    ck_assert_uint_eq(n, 70);
    if (placed)
        ck_assert_uint_eq(position(names, n, "index.html"), 63);
    else
        fprintf(stderr, "readdir lists index.html too early here to free the page's bytes\n");

    char err[256];
    ck_assert_int_eq(statics_init(dir, NULL, err, sizeof err), 0);
    const struct static_file *page = statics_find("/");
    ck_assert_ptr_nonnull(page);
    ck_assert_uint_eq(page->len, strlen("<!doctype html><title>page</title>"));
    ck_assert_int_eq(memcmp(page->data, "<!doctype html><title>page</title>", page->len), 0);
    for (size_t i = 0; i < n; i++) {
        char url[96];
        snprintf(url, sizeof url, "/static/%.31s", names[i]);
        const struct static_file *f = statics_find(url);
        ck_assert_msg(f != NULL, "%s is not served (%zu of %zu)", url, i, n);
        if (strcmp(names[i], "index.html") != 0) {
            snprintf(text, sizeof text, "file %.3s", names[i] + 1);
            ck_assert_uint_eq(f->len, strlen(text));
            ck_assert_int_eq(memcmp(f->data, text, f->len), 0);
        }
    }
    statics_free();
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* A --static-dir with no file in it: nothing is served, and nothing is sorted (qsort of no
 * files was handed a NULL array, undefined even for 0 items: the sanitizer build stops on it). */
START_TEST(test_statics_empty_dir)
{
    char *dir = tu_tmpdir(), err[256];
    ck_assert_int_eq(statics_init(dir, NULL, err, sizeof err), 0);
    ck_assert_ptr_null(statics_find("/"));
    ck_assert_ptr_null(statics_find("/static/app.js"));
    statics_free();
    tu_rmrf(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");
    tcase_add_test(tc, test_cache_entries_and_etags);
    tcase_add_test(tc, test_cache_targets);
    tcase_add_test(tc, test_cache_full_drops_targets);
    tcase_add_test(tc, test_cache_too_big);
    tcase_add_test(tc, test_cache_etag_mixes_server_version);
    tcase_add_test(tc, test_cache_working_set_above_budget);
    tcase_add_test(tc, test_cache_walk_does_not_flush_hot_set);
    tcase_add_test(tc, test_cache_counts_gzip_copies);
    tcase_add_test(tc, test_cache_threads_evicting);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    TCase *st = tcase_create("statics");
    tcase_add_test(st, test_statics_dir_of_70_files);
    tcase_add_test(st, test_statics_empty_dir);
    tcase_set_timeout(st, 60);
    suite_add_tcase(s, st);
    return tu_run(s);
}
