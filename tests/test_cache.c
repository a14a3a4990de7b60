/* tests/test_cache.c — the answer cache of one snapshot: entries by canonical key, ETags,
 * the remembered request targets, and what a full cache drops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "idmap.h"
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
    /* the tag depends on the data version and the key, nothing else */
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

/* A full cache drops everything, remembered targets included; callers keep their entries. */
START_TEST(test_cache_full_drops_targets)
{
    struct cache *c = cache_new(4096);
    struct cache_entry *a = put(c, "a", "v1", 1500);
    const char *target = "j/v1/a";
    int route;
    cache_remember(c, target, strlen(target), a, 1);
    struct cache_entry *b = put(c, "b", "v1", 1500);
    struct cache_entry *third = put(c, "c", "v1", 1500); /* over 4096: the table is emptied */
    ck_assert_ptr_null(get(c, "a"));
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    /* an entry dropped before it is remembered does not come back through a target */
    cache_remember(c, target, strlen(target), a, 1);
    ck_assert_ptr_null(cache_recall(c, target, strlen(target), &route));
    ck_assert_uint_eq(a->len, 1500); /* still ours to read */
    ck_assert_int_eq(a->body[0], 'a');
    cache_entry_release(a);
    cache_entry_release(b);
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

int main(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");
    tcase_add_test(tc, test_cache_entries_and_etags);
    tcase_add_test(tc, test_cache_targets);
    tcase_add_test(tc, test_cache_full_drops_targets);
    tcase_add_test(tc, test_cache_too_big);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
