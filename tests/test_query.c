/* tests/test_query.c — strict query-string parsing, typed parameters, id lists and the
 * canonical form that keys the response cache. */
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "select.h"
#include "testutil.h"

static int parse(struct query *q, const char *raw, struct api_error *err)
{
    return query_parse(q, raw, strlen(raw), err);
}

START_TEST(test_query_decodes_values)
{
    struct query q;
    struct api_error err;
    ck_assert_int_eq(parse(&q, "a=1&b=x%2Cy&c=%E4%B8%AD+z&d&_=123", &err), 0);
    ck_assert_uint_eq(q.n, 4); /* _ is dropped */
    ck_assert_str_eq(query_get(&q, "a"), "1");
    ck_assert_str_eq(query_get(&q, "b"), "x,y");
    ck_assert_str_eq(query_get(&q, "c"), "中 z");
    ck_assert_str_eq(query_get(&q, "d"), "");
    ck_assert_ptr_null(query_get(&q, "e"));
    query_free(&q);
}
END_TEST

START_TEST(test_query_empty_pieces_are_nothing)
{
    struct query q;
    struct api_error err;
    ck_assert_int_eq(parse(&q, "&&a=1&&", &err), 0);
    ck_assert_uint_eq(q.n, 1);
    query_free(&q);
    ck_assert_int_eq(parse(&q, "", &err), 0);
    ck_assert_uint_eq(q.n, 0);
    query_free(&q);
}
END_TEST

static void expect_bad(const char *raw, const char *code)
{
    struct query q;
    struct api_error err = {0};
    ck_assert_msg(parse(&q, raw, &err) != 0, "accepted %s", raw);
    ck_assert_int_eq(err.status, 400);
    ck_assert_str_eq(err.code, code);
    query_free(&q);
}

START_TEST(test_query_rejects_bad_encoding)
{
    expect_bad("a=%", "bad_encoding");
    expect_bad("a=%4", "bad_encoding");
    expect_bad("a=%zz", "bad_encoding");
    expect_bad("a=%00", "bad_encoding");       /* NUL */
    expect_bad("a=%0A", "bad_encoding");       /* newline */
    expect_bad("a=%C0%AF", "bad_encoding");    /* overlong '/' */
    expect_bad("a=%ED%A0%80", "bad_encoding"); /* surrogate */
    expect_bad("a=%FF", "bad_encoding");
    expect_bad("a%00=1", "bad_encoding");
    expect_bad("=1", "bad_parameter");
    expect_bad("a%20b=1", "bad_parameter");
    expect_bad("a=1&a=2", "repeated_parameter");
}
END_TEST

START_TEST(test_query_limits_parameter_count)
{
    char raw[4096] = "";
    size_t n = 0;
    for (int i = 0; i < QUERY_MAX_PARAMS + 1; i++)
        n += (size_t)snprintf(raw + n, sizeof raw - n, "p%d=1&", i);
    expect_bad(raw, "too_many_parameters");
}
END_TEST

static const char *const allowed[] = {"indicator", "from", NULL};

START_TEST(test_query_check_unknown_and_common)
{
    struct query q;
    struct api_error err = {0};
    ck_assert_int_eq(parse(&q, "indicator=x&format=csv&pretty=1&lang=zh", &err), 0);
    ck_assert_int_eq(query_check(&q, allowed, FORMAT_JSON, &err), 0);
    ck_assert_int_eq(q.format, FORMAT_CSV);
    ck_assert_int_eq(q.pretty, 1);
    ck_assert_int_eq(q.zh, 1);
    query_free(&q);
    ck_assert_int_eq(parse(&q, "indicator=x&color=red", &err), 0);
    ck_assert_int_eq(query_check(&q, allowed, FORMAT_JSON, &err), -1);
    ck_assert_str_eq(err.code, "unknown_parameter");
    ck_assert_str_eq(err.param, "color");
    ck_assert_ptr_nonnull(strstr(err.detail, "indicator, from, format, pretty, lang"));
    query_free(&q);
    ck_assert_int_eq(parse(&q, "format=xml", &err), 0);
    ck_assert_int_eq(query_check(&q, allowed, FORMAT_JSON, &err), -1);
    ck_assert_str_eq(err.param, "format");
    query_free(&q);
    ck_assert_int_eq(parse(&q, "lang=fr", &err), 0);
    ck_assert_int_eq(query_check(&q, allowed, FORMAT_CSV, &err), -1);
    query_free(&q);
    ck_assert_int_eq(parse(&q, "", &err), 0);
    ck_assert_int_eq(query_check(&q, allowed, FORMAT_CSV, &err), 0);
    ck_assert_int_eq(q.format, FORMAT_CSV); /* from Accept */
    query_free(&q);
}
END_TEST

START_TEST(test_query_years)
{
    static const char *const bad[] = {
        "from=999", "from=10000", "from=-2019",   "from=2019.5", "from=2e3",
        "from=",    "from=abc",   "from=%2B2019", "from=02019",  "from=99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct query q;
        struct api_error err = {0};
        int y;
        ck_assert_int_eq(parse(&q, bad[i], &err), 0);
        ck_assert_msg(query_year(&q, "from", &y, &err) == -1, "accepted %s", bad[i]);
        ck_assert_int_eq(err.status, 400);
        ck_assert_str_eq(err.param, "from");
        query_free(&q);
    }
    struct query q;
    struct api_error err;
    int y = 0;
    ck_assert_int_eq(parse(&q, "from=2019", &err), 0);
    ck_assert_int_eq(query_year(&q, "from", &y, &err), 1);
    ck_assert_int_eq(y, 2019);
    ck_assert_int_eq(query_year(&q, "to", &y, &err), 0);
    query_free(&q);
}
END_TEST

START_TEST(test_query_year_range_conflicts)
{
    struct query q;
    struct api_error err = {0};
    struct year_range yr;
    ck_assert_int_eq(parse(&q, "from=2019&to=2012", &err), 0);
    ck_assert_int_eq(select_year_range(&q, 1, &yr, &err), -1);
    ck_assert_str_eq(err.code, "bad_range");
    query_free(&q);
    ck_assert_int_eq(parse(&q, "from=2012&year=2019", &err), 0);
    ck_assert_int_eq(select_year_range(&q, 1, &yr, &err), -1);
    ck_assert_str_eq(err.code, "conflicting_parameters");
    query_free(&q);
    ck_assert_int_eq(parse(&q, "year=latest", &err), 0);
    ck_assert_int_eq(select_year_range(&q, 1, &yr, &err), 0);
    ck_assert_int_eq(yr.latest, 1);
    query_free(&q);
    ck_assert_int_eq(parse(&q, "year=newest", &err), 0);
    ck_assert_int_eq(select_year_range(&q, 1, &yr, &err), -1);
    ck_assert_str_eq(err.code, "bad_year");
    query_free(&q);
}
END_TEST

START_TEST(test_query_canonical_ignores_order_and_busters)
{
    struct query a, b, c;
    struct api_error err;
    struct buf ka = BUF_INIT, kb = BUF_INIT, kc = BUF_INIT;
    ck_assert_int_eq(parse(&a, "indicator=x&from=2012&_=1", &err), 0);
    ck_assert_int_eq(parse(&b, "from=2012&indicator=x&format=json", &err), 0);
    ck_assert_int_eq(parse(&c, "from=2012&indicator=x%26from%3D1%25", &err), 0);
    query_check(&a, allowed, FORMAT_JSON, &err);
    query_check(&b, allowed, FORMAT_JSON, &err);
    query_check(&c, allowed, FORMAT_JSON, &err);
    query_canonical(&a, &ka);
    query_canonical(&b, &kb);
    query_canonical(&c, &kc);
    ck_assert_str_eq(buf_cstr(&ka), buf_cstr(&kb));
    ck_assert_str_ne(buf_cstr(&ka), buf_cstr(&kc));
    /* the separators inside a value stay escaped: no two queries share a key */
    ck_assert_str_eq(buf_cstr(&kc),
                     "&from=2012&indicator=x%26from%3D1%25&format=json&pretty=0&lang=en");
    buf_free(&ka);
    buf_free(&kb);
    buf_free(&kc);
    query_free(&a);
    query_free(&b);
    query_free(&c);
}
END_TEST

static int regions_of(const char *list, struct selection *sel, struct api_error *err)
{
    return select_regions(tu_store(), list, "regions", sel, err);
}

START_TEST(test_select_regions_lists)
{
    struct selection sel;
    struct api_error err = {0};
    const struct store *s = tu_store();
    ck_assert_int_eq(regions_of("east, west ,group:four_regions", &sel, &err), 0);
    ck_assert_uint_eq(sel.n, 4); /* no repeats, order as written */
    ck_assert_str_eq(store_region_at(s, sel.items[0])->id, "east");
    ck_assert_str_eq(store_region_at(s, sel.items[1])->id, "west");
    ck_assert_str_eq(store_region_at(s, sel.items[2])->id, "central");
    selection_free(&sel);
    ck_assert_int_eq(regions_of("children:east", &sel, &err), 0);
    ck_assert_uint_eq(sel.n, 10);
    selection_free(&sel);
    ck_assert_int_eq(regions_of("group:provinces", &sel, &err), 0);
    ck_assert_uint_eq(sel.n, 31);
    selection_free(&sel);
    /* each region once, where it first appears, through groups, children and ids alike */
    ck_assert_int_eq(regions_of("shanghai,group:provinces,children:east,shanghai,east", &sel, &err),
                     0);
    ck_assert_uint_eq(sel.n, 32);
    ck_assert_str_eq(store_region_at(s, sel.items[0])->id, "shanghai");
    ck_assert_str_eq(store_region_at(s, sel.items[1])->id, "beijing");
    ck_assert_str_eq(store_region_at(s, sel.items[31])->id, "east");
    for (size_t i = 0; i < sel.n; i++)
        for (size_t j = 0; j < i; j++)
            ck_assert_uint_ne(sel.items[i], sel.items[j]);
    selection_free(&sel);
}
END_TEST

START_TEST(test_select_regions_errors)
{
    struct selection sel;
    struct api_error err = {0};
    ck_assert_int_eq(regions_of("east,atlantis", &sel, &err), -1);
    ck_assert_int_eq(err.status, 404);
    ck_assert_str_eq(err.code, "unknown_region");
    ck_assert_ptr_nonnull(strstr(err.detail, "atlantis"));
    ck_assert_int_eq(regions_of("group:nope", &sel, &err), -1);
    ck_assert_str_eq(err.code, "unknown_group");
    ck_assert_int_eq(regions_of("children:nope", &sel, &err), -1);
    ck_assert_str_eq(err.code, "unknown_region");
    ck_assert_int_eq(regions_of("east,,west", &sel, &err), -1);
    ck_assert_int_eq(err.status, 400);
    ck_assert_int_eq(regions_of("kind:province", &sel, &err), -1);
    ck_assert_str_eq(err.code, "bad_list");
    char many[4000] = "east";
    size_t n = 4;
    for (int i = 0; i < SELECT_MAX_ITEMS; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, ",west");
    ck_assert_int_eq(regions_of(many, &sel, &err), -1);
    ck_assert_str_eq(err.code, "too_many_items");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("query");
    TCase *p = tcase_create("parse");
    tcase_add_test(p, test_query_decodes_values);
    tcase_add_test(p, test_query_empty_pieces_are_nothing);
    tcase_add_test(p, test_query_rejects_bad_encoding);
    tcase_add_test(p, test_query_limits_parameter_count);
    suite_add_tcase(s, p);
    TCase *t = tcase_create("typed");
    tcase_add_test(t, test_query_check_unknown_and_common);
    tcase_add_test(t, test_query_years);
    tcase_add_test(t, test_query_year_range_conflicts);
    tcase_add_test(t, test_query_canonical_ignores_order_and_busters);
    suite_add_tcase(s, t);
    TCase *l = tcase_create("lists");
    tcase_add_test(l, test_select_regions_lists);
    tcase_add_test(l, test_select_regions_errors);
    suite_add_tcase(s, l);
    return tu_run(s);
}
