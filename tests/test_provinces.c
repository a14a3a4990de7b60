/* tests/test_provinces.c — the provincial panel served whole: Chinese units, descriptions and
 * group names under lang=zh, neighbours on region answers, computed aggregates of the new
 * indicators and their flags. Expected values come from data/'s CSV files (tu_csv_get), never
 * from the answers themselves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/references/segments-expected.h"
#include "references/beta_t.h"
#include "testutil.h"

static json_t *get(const char *target, int want)
{
    return tu_get(tu_store(), target, want);
}

/* The CSV field COLUMN of the row of FILE whose KEY column is ID. */
static void csv_field(const char *file, const char *key, const char *id, const char *column,
                      char *out, size_t size)
{
    const char *match[] = {key, id, NULL};
    ck_assert_uint_eq(tu_csv_get(file, match, column, out, size), 1);
}

/* The value of INDICATOR in REGION and YEAR in observations.csv; NAN when there is none. */
static double csv_value(const char *indicator, const char *region, int year)
{
    char y[16], v[64] = "";
    snprintf(y, sizeof y, "%d", year);
    const char *match[] = {"indicator_id", indicator, "region_id", region, "year", y, NULL};
    return tu_csv_get("observations.csv", match, "value", v, sizeof v) == 1 ? strtod(v, NULL) : NAN;
}

START_TEST(test_indicator_texts_in_both_languages)
{
    char unit_zh[256], desc_zh[2048], unit[256];
    csv_field("indicators.csv", "id", "residents_disposable_income", "unit_zh", unit_zh,
              sizeof unit_zh);
    csv_field("indicators.csv", "id", "residents_disposable_income", "description_zh", desc_zh,
              sizeof desc_zh);
    csv_field("indicators.csv", "id", "residents_disposable_income", "unit", unit, sizeof unit);
    ck_assert(unit_zh[0] && desc_zh[0]);
    json_t *j = get("/v1/indicators/residents_disposable_income", 200);
    ck_assert_str_eq(tu_str(j, "unit"), unit);
    ck_assert_str_eq(tu_str(j, "unit_en"), unit);
    ck_assert_str_eq(tu_str(j, "unit_zh"), unit_zh);
    ck_assert_str_eq(tu_str(j, "description_zh"), desc_zh);
    json_decref(j);
    j = get("/v1/indicators/residents_disposable_income?lang=zh", 200);
    ck_assert_str_eq(tu_str(j, "unit"), unit_zh);
    ck_assert_str_eq(tu_str(j, "description"), desc_zh);
    ck_assert_str_eq(tu_str(j, "unit_en"), unit);
    json_decref(j);
    /* the indicator reference in data answers too, and the compare CSV's unit column */
    j = get("/v1/series?indicator=residents_disposable_income&regions=beijing&year=2019&lang=zh",
            200);
    ck_assert_str_eq(tu_str(j, "indicator.unit"), unit_zh);
    json_decref(j);
    j = get("/v1/compare?indicators=residents_disposable_income&regions=beijing,shanghai&year=2019&"
            "lang=zh&format=csv",
            200);
    ck_assert_msg(strstr(json_string_value(j), unit_zh), "%s", json_string_value(j));
    json_decref(j);
    /* q= finds Chinese descriptions */
    j = get("/v1/indicators?q=%E5%8F%AF%E6%94%AF%E9%85%8D", 200); /* 可支配 */
    ck_assert_int_gt((int)tu_num(j, "count"), 0);
    json_decref(j);
}
END_TEST

START_TEST(test_group_names_in_chinese)
{
    char zh[256];
    const char *match[] = {"group_id", "four_regions", NULL};
    ck_assert_uint_ge(tu_csv_get("groups.csv", match, "name_zh", zh, sizeof zh), 1);
    json_t *j = get("/v1/groups?lang=zh", 200);
    json_t *list = tu_at(j, "groups");
    int seen = 0;
    for (size_t k = 0; k < json_array_size(list); k++) {
        json_t *g = json_array_get(list, k);
        if (strcmp(tu_str(g, "id"), "four_regions") != 0)
            continue;
        seen = 1;
        ck_assert_str_eq(tu_str(g, "name"), zh);
        ck_assert_str_eq(tu_str(g, "name_zh"), zh);
        ck_assert_ptr_nonnull(tu_str(g, "name_en"));
    }
    ck_assert(seen);
    json_decref(j);
}
END_TEST

/* guangdong in neighbours.csv: every row naming it, either way round, with its kind */
START_TEST(test_region_lists_neighbours)
{
    json_t *j = get("/v1/regions/guangdong?lang=zh", 200);
    json_t *near = tu_at(j, "neighbours");
    size_t rows = tu_csv_count("neighbours.csv", "region_id", "guangdong", NULL, NULL) +
                  tu_csv_count("neighbours.csv", "neighbour_id", "guangdong", NULL, NULL);
    ck_assert_uint_eq(json_array_size(near), rows);
    for (size_t k = 0; k < json_array_size(near); k++) {
        json_t *e = json_array_get(near, k);
        const char *id = tu_str(e, "id");
        size_t kinds =
            tu_csv_count("neighbours.csv", "region_id", "guangdong", "neighbour_id", id) +
            tu_csv_count("neighbours.csv", "region_id", id, "neighbour_id", "guangdong");
        ck_assert_uint_eq(kinds, 1);
        const char *kind = tu_str(e, "kind");
        ck_assert_uint_eq(
            tu_csv_count("neighbours.csv", "region_id", "guangdong", "neighbour_id", id) > 0
                ? tu_csv_count("neighbours.csv", "neighbour_id", id, "kind", kind) >= 1
                : tu_csv_count("neighbours.csv", "region_id", id, "kind", kind) >= 1,
            1);
        char zh[128];
        csv_field("regions.csv", "id", id, "name_zh", zh, sizeof zh);
        ck_assert_str_eq(tu_str(e, "name"), zh);
    }
    json_decref(j);
    j = get("/v1/meta", 200);
    ck_assert_int_eq((int)tu_num(j, "dataset.counts.neighbour_pairs"),
                     (int)tu_csv_count("neighbours.csv", NULL, NULL, NULL, NULL));
    json_decref(j);
}
END_TEST

/* residents_disposable_income for east in 2019: the population-weighted mean of the provinces
 * whose parent is east in regions.csv, from observations.csv. */
START_TEST(test_east_income_is_population_weighted_mean)
{
    json_t *j = get("/v1/regions?kind=province", 200);
    json_t *list = tu_at(j, "regions");
    double sum_wx = 0, sum_w = 0;
    int members = 0;
    for (size_t k = 0; k < json_array_size(list); k++) {
        const char *id = tu_str(json_array_get(list, k), "id");
        char parent[64];
        csv_field("regions.csv", "id", id, "parent", parent, sizeof parent);
        if (strcmp(parent, "east") != 0)
            continue;
        double x = csv_value("residents_disposable_income", id, 2019);
        double w = csv_value("population", id, 2019);
        ck_assert(isfinite(x) && isfinite(w));
        sum_wx += w * x;
        sum_w += w;
        members++;
    }
    json_decref(j);
    ck_assert_int_eq(members, 10);
    j = get("/v1/series?indicator=residents_disposable_income&regions=east&year=2019", 200);
    ck_assert(json_is_true(tu_at(j, "series.0.computed")));
    ck_assert_int_eq((int)tu_num(j, "series.0.members"), 10);
    double got = tu_num(j, "series.0.observations.0.value");
    ck_assert_double_eq_tol(got, sum_wx / sum_w, 1e-9 * got);
    json_decref(j);
}
END_TEST

/* A break in the data keeps its flag where it is shown: 2024 GDP (fifth economic census) in
 * the series and the compare answer, and China's computed 2024 GDP says so. */
START_TEST(test_break_flags_travel)
{
    char status[32];
    const char *match[] = {"indicator_id", "gdp", "region_id", "beijing", "year", "2024", NULL};
    ck_assert_uint_eq(tu_csv_get("observations.csv", match, "status", status, sizeof status), 1);
    ck_assert_str_eq(status, "break");
    json_t *j = get("/v1/series?indicator=gdp&regions=beijing&year=2024", 200);
    ck_assert_str_eq(tu_str(j, "series.0.observations.0.status"), "break");
    json_decref(j);
    j = get("/v1/compare?indicators=gdp&regions=beijing,shanghai&year=2024", 200);
    ck_assert_str_eq(tu_str(j, "rows.0.status"), "break");
    json_decref(j);
    j = get("/v1/series?indicator=gdp&regions=east&year=2024", 200);
    ck_assert(json_is_true(tu_at(j, "series.0.computed")));
    ck_assert_str_eq(tu_str(j, "series.0.observations.0.status"), "break");
    ck_assert_ptr_nonnull(strstr(tu_str(j, "series.0.observations.0.note"), "beijing break"));
    json_decref(j);
}
END_TEST

/* A province's profile covers every indicator it has a value of in that year. */
START_TEST(test_profile_covers_provincial_indicators)
{
    json_t *j = get("/v1/regions/zhejiang/profile?year=2019", 200);
    size_t want = tu_csv_count("observations.csv", "region_id", "zhejiang", "year", "2019");
    ck_assert_uint_ge(want, 15);
    ck_assert_uint_eq(json_array_size(tu_at(j, "indicators")), want);
    json_decref(j);
}
END_TEST

/* Beta convergence through the endpoint: t and p as R's lm gives them (tests/references/
 * beta_t.h), and a negative beta that is not significant does not read "converging". */
START_TEST(test_beta_convergence_needs_significance)
{
    json_t *j = get("/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces&"
                    "from=2015&to=2019",
                    200);
    const struct beta_t_case *c = &beta_t_cases[1];
    ck_assert_str_eq(c->name, "gdp_per_capita 2015-2019");
    ck_assert_double_eq_tol(tu_num(j, "beta.t"), c->t, 1e-10 * fabs(c->t));
    ck_assert_double_eq_tol(tu_num(j, "beta.p_value"), c->p, 1e-10 * c->p);
    ck_assert(json_is_false(tu_at(j, "beta.significant")));
    ck_assert(json_is_false(tu_at(j, "beta.converging")));
    ck_assert_double_lt(tu_num(j, "beta.beta"), 0);
    json_decref(j);
    j = get("/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces&"
            "from=2005&to=2019",
            200);
    ck_assert(json_is_true(tu_at(j, "beta.significant")));
    ck_assert(json_is_true(tu_at(j, "beta.converging")));
    json_decref(j);
}
END_TEST

/* The headline: the urban/rural income ratio over 1978-2020 rose overall but has narrowed in
 * its last segment, 2013-2020. Segments through the endpoint as R strucchange::breakpoints
 * gives them on the same ratios (tests/metrics/references/segments-make.R). */
START_TEST(test_income_ratio_narrowing_since_2013)
{
    json_t *j =
        get("/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural", 200);
    json_t *sm = tu_at(j, "pairs.0.summary");
    ck_assert_str_eq(tu_str(sm, "direction"), "narrowing");
    ck_assert_str_eq(tu_str(sm, "direction_overall"), "widening");
    json_t *breaks = tu_at(sm, "breaks"), *segs = tu_at(sm, "segments");
    ck_assert_uint_eq(json_array_size(breaks), ratio_n_breaks);
    ck_assert_uint_eq(json_array_size(segs), ratio_n_breaks + 1);
    for (size_t k = 0; k < ratio_n_breaks; k++)
        ck_assert_int_eq(json_integer_value(json_array_get(breaks, k)),
                         (json_int_t)ratio_x[ratio_breaks[k]]);
    for (size_t k = 0; k <= ratio_n_breaks; k++) {
        json_t *g = json_array_get(segs, k);
        ck_assert_int_eq((int)tu_num(g, "from"), (int)ratio_x[(size_t)ratio_segments[k][0]]);
        ck_assert_int_eq((int)tu_num(g, "to"), (int)ratio_x[(size_t)ratio_segments[k][1]]);
        double slope = ratio_segments[k][2], icpt = ratio_segments[k][3];
        ck_assert_double_eq_tol(tu_num(g, "slope"), slope, 1e-10 * fabs(slope));
        ck_assert_double_eq_tol(tu_num(g, "intercept"), icpt, 1e-10 * fabs(icpt));
    }
    ck_assert_int_eq((int)tu_num(json_array_get(segs, ratio_n_breaks), "from"), 2013);
    /* the ratios the reference was made from are the answer's ratios */
    for (size_t k = 0; k < sizeof ratio_y / sizeof ratio_y[0]; k++)
        ck_assert_double_eq_tol(tu_num(json_array_get(tu_at(j, "pairs.0.years"), k), "ratio"),
                                ratio_y[k], 1e-13 * ratio_y[k]); /* 15 digits printed */
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("provinces");
    TCase *tc = tcase_create("served");
    tcase_add_test(tc, test_indicator_texts_in_both_languages);
    tcase_add_test(tc, test_group_names_in_chinese);
    tcase_add_test(tc, test_region_lists_neighbours);
    tcase_add_test(tc, test_east_income_is_population_weighted_mean);
    tcase_add_test(tc, test_break_flags_travel);
    tcase_add_test(tc, test_profile_covers_provincial_indicators);
    tcase_add_test(tc, test_beta_convergence_needs_significance);
    tcase_add_test(tc, test_income_ratio_narrowing_since_2013);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
