/* tests/test_handlers.c — every data endpoint called in process through the route table:
 * shapes, values from the paper, and the errors each one gives. */
#include <math.h>
#include <string.h>

#include "testutil.h"

static json_t *get(const char *target, int expect_status)
{
    int status = 0;
    json_t *j = tu_api(tu_store(), target, &status);
    ck_assert_msg(j != NULL, "no JSON for %s", target);
    ck_assert_msg(status == expect_status, "%s: status %d, wanted %d: %s", target, status,
                  expect_status, json_dumps(j, 0));
    return j;
}

static void expect_problem(const char *target, int status, const char *code, const char *param)
{
    json_t *j = get(target, status);
    ck_assert_str_eq(tu_str(j, "code"), code);
    ck_assert_int_eq((int)tu_num(j, "status"), status);
    ck_assert_ptr_nonnull(tu_str(j, "type"));
    ck_assert_ptr_nonnull(tu_str(j, "title"));
    ck_assert_ptr_nonnull(tu_str(j, "detail"));
    if (param)
        ck_assert_str_eq(tu_str(j, "param"), param);
    else
        ck_assert(json_is_null(tu_at(j, "param")));
    json_decref(j);
}

START_TEST(test_index_lists_every_route)
{
    json_t *j = get("/v1", 200);
    json_t *links = tu_at(j, "links");
    ck_assert_uint_ge(json_array_size(links), 9);
    ck_assert_str_eq(tu_str(j, "links.0.href"), "v1");
    json_decref(j);
}
END_TEST

START_TEST(test_meta_counts)
{
    json_t *j = get("/v1/meta", 200);
    ck_assert_int_eq((int)tu_num(j, "dataset.counts.observations"), 2260);
    ck_assert_str_eq(tu_str(j, "dataset.version"), store_version(tu_store()));
    ck_assert_ptr_nonnull(tu_str(j, "dataset.loaded_at"));
    ck_assert_ptr_nonnull(tu_str(j, "server.version"));
    json_decref(j);
}
END_TEST

START_TEST(test_indicators_filters)
{
    json_t *j = get("/v1/indicators?category=health", 200);
    size_t n = json_array_size(tu_at(j, "indicators"));
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq((int)tu_num(j, "count"), 9);
    json_decref(j);
    j = get("/v1/indicators?q=RAILWAY", 200);
    ck_assert_int_eq((int)tu_num(j, "count"), 2);
    json_decref(j);
    j = get("/v1/indicators?q=%E5%BA%8A%E4%BD%8D", 200); /* 床位 */
    ck_assert_int_eq((int)tu_num(j, "count"), 2);
    json_decref(j);
    expect_problem("/v1/indicators?category=", 400, "empty_parameter", "category");
}
END_TEST

START_TEST(test_indicator_detail)
{
    json_t *j = get("/v1/indicators/urban_rural_income_ratio", 200);
    ck_assert_str_eq(tu_str(j, "benchmarks.0.label"), "International reference level");
    ck_assert_double_eq(tu_num(j, "benchmarks.0.value"), 2.0);
    ck_assert_str_eq(tu_str(j, "sources.0.id"), "ouyang2022");
    json_decref(j);
    j = get("/v1/indicators/gdp_per_capita?lang=zh", 200);
    ck_assert_str_eq(tu_str(j, "name"), "人均地区生产总值");
    ck_assert_str_eq(tu_str(j, "name_en"), "Per-capita gross regional product");
    ck_assert_int_eq((int)tu_num(j, "coverage.regions"), 31);
    ck_assert_int_eq((int)tu_num(j, "coverage.first_year"), 2005);
    ck_assert_int_eq((int)tu_num(j, "coverage.last_year"), 2024);
    ck_assert_int_eq((int)tu_num(j, "coverage.observations"), 620);
    ck_assert_str_eq(tu_str(j, "weight_indicator"), "population");
    json_decref(j);
    expect_problem("/v1/indicators/nope", 404, "unknown_indicator", NULL);
}
END_TEST

START_TEST(test_regions_and_region)
{
    json_t *j = get("/v1/regions?kind=province", 200);
    ck_assert_int_eq((int)tu_num(j, "count"), 31);
    ck_assert_str_eq(tu_str(j, "regions.0.parent"), "east");
    json_decref(j);
    j = get("/v1/regions/east", 200);
    ck_assert_str_eq(tu_str(j, "parent.id"), "china");
    ck_assert_uint_eq(json_array_size(tu_at(j, "children")), 10);
    ck_assert_str_eq(tu_str(j, "children.0.id"), "beijing");
    ck_assert_str_eq(tu_str(j, "groups.0"), "four_regions");
    json_decref(j);
    expect_problem("/v1/regions/atlantis", 404, "unknown_region", NULL);
}
END_TEST

START_TEST(test_groups_and_sources)
{
    json_t *j = get("/v1/groups", 200);
    ck_assert_str_eq(tu_str(j, "groups.1.id"), "four_regions");
    ck_assert_uint_eq(json_array_size(tu_at(j, "groups.3.regions")), 31);
    ck_assert(json_is_null(tu_at(j, "groups.0.name_zh")));
    json_decref(j);
    j = get("/v1/sources", 200);
    ck_assert_int_eq((int)tu_num(j, "count"), 9);
    json_decref(j);
}
END_TEST

/* The paper's Table 1 through the series endpoint. */
START_TEST(test_series_table1)
{
    json_t *j = get("/v1/series?indicator=hospital_beds_per_1000&regions=urban,rural", 200);
    ck_assert_str_eq(tu_str(j, "series.1.region.id"), "rural");
    ck_assert_uint_eq(json_array_size(tu_at(j, "series.1.observations")), 8);
    ck_assert_int_eq((int)tu_num(j, "series.1.observations.7.year"), 2019);
    ck_assert_double_eq(tu_num(j, "series.1.observations.7.value"), 4.8);
    ck_assert_str_eq(tu_str(j, "series.1.observations.7.source"), "ouyang2022_t1");
    ck_assert(json_is_false(tu_at(j, "series.1.computed")));
    json_decref(j);
    j = get("/v1/series?indicator=health_technicians_per_10000&regions=urban&year=2012", 200);
    ck_assert_double_eq(tu_num(j, "series.0.observations.0.value"), 85);
    json_decref(j);
}
END_TEST

START_TEST(test_series_default_regions_and_range)
{
    json_t *j = get("/v1/series?indicator=water_coverage_rate&from=2018&to=2019", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "series")), 5);
    ck_assert_uint_eq(json_array_size(tu_at(j, "series.4.observations")), 2);
    ck_assert_double_eq(tu_num(j, "series.4.observations.1.value"), 81);
    json_decref(j);
}
END_TEST

START_TEST(test_series_computed_parent)
{
    json_t *j = get("/v1/series?indicator=gdp_per_capita&regions=east,beijing&year=2019", 200);
    ck_assert(json_is_true(tu_at(j, "series.0.computed")));
    ck_assert_int_eq((int)tu_num(j, "series.0.members"), 10);
    ck_assert_str_eq(tu_str(j, "series.0.member_kind"), "province");
    double v = tu_num(j, "series.0.observations.0.value");
    ck_assert_int_eq((int)round(v), 90911);
    ck_assert(json_is_false(tu_at(j, "series.1.computed")));
    json_decref(j);
}
END_TEST

START_TEST(test_series_latest_common_year)
{
    json_t *j = get("/v1/series?indicator=railway_per_capita&regions=east,world&year=latest", 200);
    ck_assert_int_eq((int)tu_num(j, "series.0.observations.0.year"), 2016);
    ck_assert_int_eq((int)tu_num(j, "from"), 2016);
    json_decref(j);
    expect_problem("/v1/series?indicator=patent_applications&regions=east,usa&year=latest", 422,
                   "no_common_year", "year");
}
END_TEST

START_TEST(test_series_transforms)
{
    json_t *j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&transform=index"
                    "&base=2012&to=2019",
                    200);
    ck_assert_double_eq_tol(tu_num(j, "series.0.observations.7.value"), 4.8 / 3.1 * 100, 1e-9);
    ck_assert_double_eq(tu_num(j, "series.0.observations.7.raw_value"), 4.8);
    ck_assert_int_eq((int)tu_num(j, "base"), 2012);
    json_decref(j);
    /* 54.8 %: the paper's growth of rural beds 2012-2019 */
    j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&transform=index", 200);
    ck_assert_double_eq_tol(tu_num(j, "series.0.observations.7.value") - 100, 54.8, 0.05);
    json_decref(j);
    j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&transform=pct_change", 200);
    ck_assert(json_is_null(tu_at(j, "series.0.observations.0.value")));
    ck_assert_double_eq_tol(tu_num(j, "series.0.observations.1.value"), 100 * (3.4 / 3.1 - 1),
                            1e-9);
    ck_assert_int_eq((int)tu_num(j, "series.0.observations.1.previous_year"), 2012);
    json_decref(j);
    j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&transform=diff", 200);
    ck_assert_double_eq_tol(tu_num(j, "series.0.observations.7.value"), 0.2, 1e-12);
    json_decref(j);
    j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&transform=log", 200);
    ck_assert_double_eq_tol(tu_num(j, "series.0.observations.7.value"), log(4.8), 1e-13);
    json_decref(j);
}
END_TEST

START_TEST(test_series_errors)
{
    expect_problem("/v1/series", 400, "missing_parameter", "indicator");
    expect_problem("/v1/series?indicator=", 400, "empty_parameter", "indicator");
    expect_problem("/v1/series?indicator=nope", 404, "unknown_indicator", "indicator");
    expect_problem("/v1/series?indicator=gdp&regions=atlantis", 404, "unknown_region", "regions");
    expect_problem("/v1/series?indicator=gdp&regions=group:x", 404, "unknown_group", "regions");
    expect_problem("/v1/series?indicator=gdp&from=20x", 400, "bad_year", "from");
    expect_problem("/v1/series?indicator=gdp&from=2019&to=2010", 400, "bad_range", "from");
    expect_problem("/v1/series?indicator=gdp&year=2019&from=2010", 400, "conflicting_parameters",
                   "year");
    expect_problem("/v1/series?indicator=gdp&transform=square", 400, "bad_parameter", "transform");
    expect_problem("/v1/series?indicator=gdp&base=2019", 400, "conflicting_parameters", "base");
    expect_problem("/v1/series?indicator=gdp&regions=beijing&transform=index&base=1990", 422,
                   "missing_base", "base");
    expect_problem("/v1/series?indicator=gdp&bogus=1", 400, "unknown_parameter", "bogus");
    expect_problem("/v1/series?indicator=gdp&indicator=gdp", 400, "repeated_parameter",
                   "indicator");
}
END_TEST

START_TEST(test_series_csv)
{
    json_t *j = get("/v1/series?indicator=hospital_beds_per_1000&regions=rural&from=2018"
                    "&format=csv",
                    200);
    ck_assert_str_eq(json_string_value(j),
                     "indicator,region,year,value,status,source\r\n"
                     "hospital_beds_per_1000,rural,2018,4.6,,ouyang2022_t1\r\n"
                     "hospital_beds_per_1000,rural,2019,4.8,,ouyang2022_t1\r\n");
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("handlers");
    TCase *c = tcase_create("catalog");
    tcase_add_test(c, test_index_lists_every_route);
    tcase_add_test(c, test_meta_counts);
    tcase_add_test(c, test_indicators_filters);
    tcase_add_test(c, test_indicator_detail);
    tcase_add_test(c, test_regions_and_region);
    tcase_add_test(c, test_groups_and_sources);
    suite_add_tcase(s, c);
    TCase *se = tcase_create("series");
    tcase_add_test(se, test_series_table1);
    tcase_add_test(se, test_series_default_regions_and_range);
    tcase_add_test(se, test_series_computed_parent);
    tcase_add_test(se, test_series_latest_common_year);
    tcase_add_test(se, test_series_transforms);
    tcase_add_test(se, test_series_errors);
    tcase_add_test(se, test_series_csv);
    suite_add_tcase(s, se);
    return tu_run(s);
}
