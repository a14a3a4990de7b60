/* tests/test_handlers.c — every data endpoint called in process through the route table:
 * shapes, values from the paper, and the errors each one gives. */
#include <math.h>
#include <string.h>

#include "doc.h"
#include "import.h"
#include "out.h"
#include "query.h"
#include "store.h"
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

/* out_region_memo_doc writes what out_region_doc writes: into its slots (the first regions),
 * copied from them (the second round), past them (the slots full), in both languages, compact
 * and pretty (where it writes through out_region_doc). */
START_TEST(test_region_memo_as_region_doc)
{
    const struct store *s = tu_store();
    uint32_t nr = (uint32_t)store_region_count(s);
    ck_assert_uint_gt(nr, OUT_REGION_MEMO_SLOTS);
    for (int zh = 0; zh <= 1; zh++)
        for (int pretty = 0; pretty <= 1; pretty++) {
            struct query q = {0};
            q.zh = zh;
            struct out_region_memo m = {0};
            struct buf a = BUF_INIT, b = BUF_INIT;
            struct doc da, db;
            doc_begin_bytes(&da, pretty, &a);
            doc_begin_bytes(&db, pretty, &b);
            doc_array_begin(&da);
            doc_array_begin(&db);
            for (int round = 0; round < 2; round++)
                for (uint32_t r = 0; r < nr; r++) {
                    out_region_memo_doc(&da, &m, s, r, &q);
                    out_region_doc(&db, s, r, &q);
                }
            doc_array_end(&da);
            doc_array_end(&db);
            ck_assert_int_eq(doc_finish(&da), 0);
            ck_assert_int_eq(doc_finish(&db), 0);
            ck_assert_msg(strcmp(buf_cstr(&a), buf_cstr(&b)) == 0,
                          "zh %d pretty %d: the memo wrote other bytes", zh, pretty);
            ck_assert_uint_eq(m.n, pretty ? 0 : OUT_REGION_MEMO_SLOTS);
            buf_free(&a);
            buf_free(&b);
        }
}
END_TEST

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
    ck_assert_int_eq((int)tu_num(j, "dataset.counts.observations"),
                     (int)tu_csv_count("observations.csv", NULL, NULL, NULL, NULL));
    ck_assert_int_eq((int)tu_num(j, "dataset.counts.indicators"),
                     (int)tu_csv_count("indicators.csv", NULL, NULL, NULL, NULL));
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
    size_t health = tu_csv_count("indicators.csv", "category", "health", NULL, NULL);
    ck_assert_uint_ge(health, 9);
    ck_assert_uint_eq(n, health);
    ck_assert_int_eq((int)tu_num(j, "count"), (int)health);
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
    /* groups.csv: the first group is urban_rural, 城镇和农村 */
    ck_assert_str_eq(tu_str(j, "groups.0.id"), "urban_rural");
    ck_assert_uint_eq(
        tu_csv_count("groups.csv", "group_id", "urban_rural", "name_zh", "城镇和农村"), 2);
    ck_assert_str_eq(tu_str(j, "groups.0.name_zh"), "城镇和农村");
    json_decref(j);
    j = get("/v1/sources", 200);
    ck_assert_int_eq((int)tu_num(j, "count"),
                     (int)tu_csv_count("sources.csv", NULL, NULL, NULL, NULL));
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

/* ---- gaps ---- */

START_TEST(test_pairs_default_siblings_and_summary)
{
    json_t *j = get("/v1/gaps/pairs?indicator=schooling_years&reference=east", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "pairs")), 3);
    ck_assert_str_eq(tu_str(j, "pairs.0.region.id"), "central");
    ck_assert_str_eq(tu_str(j, "pairs.2.region.id"), "northeast");
    /* east 9.16 -> 11.17, west 8.36 -> 9.42: the gap widened */
    ck_assert_double_eq_tol(tu_num(j, "pairs.1.summary.ratio.first"), 9.16 / 8.36, 1e-12);
    ck_assert_double_eq_tol(tu_num(j, "pairs.1.summary.difference.change"),
                            (11.17 - 9.42) - (9.16 - 8.36), 1e-12);
    double rg0 = (9.16 - 8.36) / 9.16, rg1 = (11.17 - 9.42) / 11.17;
    ck_assert_double_eq_tol(tu_num(j, "pairs.1.summary.relative_gap.change_pp"), 100 * (rg1 - rg0),
                            1e-10);
    ck_assert_str_eq(tu_str(j, "pairs.1.summary.direction"), "widening");
    ck_assert_str_eq(tu_str(j, "pairs.1.summary.leader"), "reference");
    ck_assert(json_is_null(tu_at(j, "pairs.1.summary.trend.se"))); /* two points */
    json_decref(j);
}
END_TEST

START_TEST(test_pairs_target_year)
{
    /* rural beds ratio falls 2.226 -> 1.833 over 2012-2019; the last segment's line reaches 1.5
     * later */
    json_t *j =
        get("/v1/gaps/pairs?indicator=hospital_beds_per_1000&reference=urban&target=1.5", 200);
    json_t *segs = tu_at(j, "pairs.0.summary.segments");
    json_t *last = json_array_get(segs, json_array_size(segs) - 1);
    double slope = tu_num(last, "slope");
    double icpt = tu_num(last, "intercept");
    ck_assert_double_lt(slope, 0);
    ck_assert_double_eq_tol(tu_num(j, "pairs.0.summary.target.year"),
                            round((1.5 - icpt) / slope * 10) / 10, 1e-9);
    json_decref(j);
    /* a target the trend moves away from has no year */
    j = get("/v1/gaps/pairs?indicator=hospital_beds_per_1000&reference=urban&target=3", 200);
    ck_assert(json_is_null(tu_at(j, "pairs.0.summary.target.year")));
    json_decref(j);
}
END_TEST

START_TEST(test_pairs_errors)
{
    expect_problem("/v1/gaps/pairs?indicator=gdp", 400, "missing_parameter", "reference");
    expect_problem("/v1/gaps/pairs?indicator=gdp&reference=mars", 404, "unknown_region",
                   "reference");
    expect_problem("/v1/gaps/pairs?indicator=gdp&reference=usa&regions=east", 422, "no_data",
                   "reference");
    expect_problem("/v1/gaps/pairs?indicator=gdp&reference=china", 400, "missing_parameter",
                   "regions");
    expect_problem("/v1/gaps/pairs?indicator=gdp&reference=east&target=x", 400, "bad_number",
                   "target");
    expect_problem("/v1/gaps/pairs?indicator=gdp&reference=east&year=2019", 400,
                   "unknown_parameter", "year");
}
END_TEST

/* An independent Theil T of population-weighted per-capita values. */
static double theil_t(const double *x, const double *w, int n)
{
    double W = 0, mu = 0, t = 0;
    for (int i = 0; i < n; i++)
        W += w[i];
    for (int i = 0; i < n; i++)
        mu += w[i] * x[i] / W;
    for (int i = 0; i < n; i++)
        t += w[i] / W * (x[i] / mu) * log(x[i] / mu);
    return t;
}

START_TEST(test_dispersion_weighted_decomposition)
{
    json_t *j = get("/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                    "&year=2019&weights=population&group_by=parent",
                    200);
    ck_assert_str_eq(tu_str(j, "weights"), "population");
    ck_assert_str_eq(tu_str(j, "weight_indicator"), "population");
    json_t *row = tu_at(j, "years.0");
    const struct store *s = tu_store();
    uint32_t pc = store_indicator_index(s, "gdp_per_capita", 14);
    uint32_t pop = store_indicator_index(s, "population", 10);
    const struct group *g = store_group_at(s, store_group_index(s, "provinces", 9));
    double x[31], w[31], mean = 0, W = 0;
    for (int k = 0; k < 31; k++) {
        x[k] = store_get(s, pc, g->members[k], 2019)->value;
        w[k] = store_get(s, pop, g->members[k], 2019)->value;
        W += w[k];
    }
    for (int k = 0; k < 31; k++)
        mean += w[k] * x[k] / W;
    ck_assert_double_eq_tol(tu_num(row, "mean"), mean, 1e-9 * mean);
    double t = theil_t(x, w, 31);
    ck_assert_double_eq_tol(tu_num(row, "theil_t"), t, 1e-12);
    ck_assert_double_eq_tol(tu_num(row, "decomposition.theil_t.total"), t, 1e-12);
    double between = tu_num(row, "decomposition.theil_t.between");
    double within = tu_num(row, "decomposition.theil_t.within");
    ck_assert_double_eq_tol(between + within, t, 1e-12);
    ck_assert_uint_eq(json_array_size(tu_at(row, "decomposition.theil_t.groups")), 4);
    ck_assert_double_eq_tol(tu_num(row, "decomposition.theil_l.between") +
                                tu_num(row, "decomposition.theil_l.within"),
                            tu_num(row, "theil_l"), 1e-12);
    json_decref(j);
}
END_TEST

START_TEST(test_dispersion_left_out_and_sigma)
{
    json_t *j = get("/v1/gaps/dispersion?indicator=railway_per_capita&regions=east,west,usa"
                    "&measures=cv",
                    200);
    /* usa has 2012-2014 only: the balanced panel keeps those three years */
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 3);
    ck_assert_uint_eq(json_array_size(tu_at(j, "left_out.years")), 5);
    ck_assert_str_eq(tu_str(j, "left_out.years.0.missing.0"), "usa");
    ck_assert_ptr_null(tu_at(j, "years.0.gini"));
    ck_assert_ptr_nonnull(tu_at(j, "sigma_convergence.trend"));
    json_decref(j);
    j = get("/v1/gaps/dispersion?indicator=railway_per_capita&regions=east,west,beijing", 200);
    ck_assert_str_eq(tu_str(j, "left_out.regions.0.region"), "beijing");
    json_decref(j);
}
END_TEST

START_TEST(test_dispersion_errors)
{
    const char *base = "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces";
    char t[256];
    snprintf(t, sizeof t, "%s&weights=population&cv=sample", base);
    expect_problem(t, 400, "conflicting_parameters", "cv");
    snprintf(t, sizeof t, "%s&measures=cv,median", base);
    expect_problem(t, 400, "bad_parameter", "measures");
    snprintf(t, sizeof t, "%s&epsilon=-1", base);
    expect_problem(t, 400, "bad_parameter", "epsilon");
    snprintf(t, sizeof t, "%s&group_by=kind", base);
    expect_problem(t, 400, "bad_parameter", "group_by");
    expect_problem("/v1/gaps/dispersion?indicator=gdp&regions=beijing", 422, "too_few_regions",
                   "regions");
    expect_problem("/v1/gaps/dispersion?indicator=gdp", 400, "missing_parameter", "regions");
    expect_problem("/v1/gaps/dispersion?indicator=gdp&regions=china&group_by=parent", 400,
                   "bad_parameter", "group_by");
}
END_TEST

START_TEST(test_convergence_beta)
{
    json_t *j =
        get("/v1/gaps/convergence?indicator=schooling_years&regions=group:four_regions", 200);
    ck_assert_int_eq((int)tu_num(j, "from"), 2011);
    ck_assert_int_eq((int)tu_num(j, "years"), 8);
    /* growth ln(y19/y11)/8 regressed on ln y11, recomputed here */
    static const double y0[] = {9.16, 8.75, 8.36, 9.25}, y1[] = {11.17, 9.82, 9.42, 10.17};
    double mx = 0, my = 0, sxx = 0, sxy = 0, gx[4], gy[4];
    for (int i = 0; i < 4; i++) {
        gx[i] = log(y0[i]);
        gy[i] = log(y1[i] / y0[i]) / 8;
        mx += gx[i] / 4;
        my += gy[i] / 4;
    }
    for (int i = 0; i < 4; i++) {
        sxx += (gx[i] - mx) * (gx[i] - mx);
        sxy += (gx[i] - mx) * (gy[i] - my);
    }
    ck_assert_double_eq_tol(tu_num(j, "beta.beta"), sxy / sxx, 1e-12);
    ck_assert_int_eq((int)tu_num(j, "beta.n"), 4);
    json_decref(j);
    expect_problem("/v1/gaps/convergence?indicator=hospital_beds_per_1000&regions=urban,rural", 422,
                   "too_few_regions", "regions");
    expect_problem("/v1/gaps/convergence?indicator=gdp&regions=group:provinces&year=2019", 400,
                   "unknown_parameter", "year");
}
END_TEST

/* ---- compare and profile ---- */

START_TEST(test_compare_rank_share_latest)
{
    json_t *j = get("/v1/compare?indicators=gdp&regions=group:four_regions", 200);
    ck_assert_str_eq(tu_str(j, "year"), "latest");
    ck_assert_int_eq((int)tu_num(j, "rows.0.year"), 2024);
    double share = 0;
    for (size_t k = 0; k < 4; k++)
        share += tu_num(json_array_get(tu_at(j, "rows"), k), "share");
    ck_assert_double_eq_tol(share, 1, 1e-12);
    ck_assert_int_eq((int)tu_num(j, "rows.0.rank"), 1); /* east */
    ck_assert(json_is_true(tu_at(j, "rows.0.computed")));
    json_decref(j);
    /* lower is better: fewer pupils per teacher ranks first; no share for a ratio */
    j = get("/v1/compare?indicators=primary_pupil_teacher_ratio&regions=group:four_regions"
            "&year=2019",
            200);
    ck_assert_int_eq((int)tu_num(j, "rows.2.rank"), 1); /* west 16.82 */
    ck_assert(json_is_null(tu_at(j, "rows.2.share")));
    json_decref(j);
}
END_TEST

START_TEST(test_compare_ties_share_a_rank)
{
    /* internet penetration 2016: east 62.2, central 46.1, west 46.1, northeast 54.8 */
    json_t *j = get("/v1/compare?indicators=internet_penetration&regions=group:four_regions"
                    "&year=2016",
                    200);
    ck_assert_int_eq((int)tu_num(j, "rows.0.rank"), 1);
    ck_assert_int_eq((int)tu_num(j, "rows.1.rank"), 3);
    ck_assert_int_eq((int)tu_num(j, "rows.2.rank"), 3);
    ck_assert_int_eq((int)tu_num(j, "rows.3.rank"), 2);
    json_decref(j);
}
END_TEST

START_TEST(test_compare_errors)
{
    expect_problem("/v1/compare?indicators=gdp&regions=east&year=2019&since=2020", 400, "bad_range",
                   "since");
    expect_problem("/v1/compare?indicators=gdp&regions=east&year=2019&since=2019", 400, "bad_range",
                   "since");
    expect_problem("/v1/compare?indicators=patent_applications&regions=east&year=2015", 422,
                   "no_data", "year");
    expect_problem("/v1/compare?indicators=patent_applications&regions=east&reference=pluto", 404,
                   "unknown_region", "reference");
    expect_problem("/v1/compare?indicators=patent_applications&regions=east&reference=usa", 422,
                   "no_data", "reference");
    expect_problem("/v1/compare?indicators=patent_applications&regions=east&since=2000", 422,
                   "no_data", "since");
    expect_problem("/v1/compare?indicators=nope&regions=east", 404, "unknown_indicator",
                   "indicators");
    expect_problem("/v1/compare?regions=east", 400, "missing_parameter", "indicators");
}
END_TEST

START_TEST(test_profile_ranks_and_parent_gap)
{
    json_t *j = get("/v1/regions/guangdong/profile?year=2019", 200);
    ck_assert_str_eq(tu_str(j, "region.parent.id"), "east");
    json_t *rows = tu_at(j, "indicators");
    /* every indicator with a value for guangdong in 2019, counted in observations.csv */
    size_t with_2019 = tu_csv_count("observations.csv", "region_id", "guangdong", "year", "2019");
    ck_assert_uint_ge(with_2019, 17);
    ck_assert_uint_eq(json_array_size(rows), with_2019);
    json_t *gdp = json_array_get(rows, 0);
    ck_assert_str_eq(tu_str(gdp, "indicator.id"), "gdp");
    ck_assert_int_eq((int)tu_num(gdp, "rank"), 1);
    ck_assert_int_eq((int)tu_num(gdp, "rank_of"), 31);
    ck_assert_str_eq(tu_str(gdp, "vs_parent.reference"), "east");
    ck_assert_double_eq_tol(tu_num(gdp, "vs_parent.share"),
                            tu_num(gdp, "value") / tu_num(gdp, "vs_parent.reference_value"), 1e-12);
    json_decref(j);
    j = get("/v1/regions/rural/profile", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "indicators")), 12);
    json_decref(j);
    expect_problem("/v1/regions/pluto/profile", 404, "unknown_region", NULL);
}
END_TEST

START_TEST(test_csv_everywhere)
{
    static const char *const targets[] = {
        "/v1?format=csv",
        "/v1/meta?format=csv",
        "/v1/indicators?format=csv",
        "/v1/indicators/gdp?format=csv",
        "/v1/regions?format=csv",
        "/v1/regions/east?format=csv",
        "/v1/groups?format=csv",
        "/v1/sources?format=csv",
        "/v1/series?indicator=gdp&format=csv",
        "/v1/gaps/pairs?indicator=gdp&reference=east&format=csv",
        "/v1/gaps/dispersion?indicator=gdp&regions=group:provinces&format=csv",
        "/v1/gaps/convergence?indicator=gdp&regions=group:provinces&format=csv",
        "/v1/compare?indicators=gdp&regions=group:provinces&format=csv",
        "/v1/regions/east/profile?format=csv",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        json_t *j = get(targets[i], 200);
        const char *text = json_string_value(j);
        ck_assert_msg(text && strstr(text, "\r\n") && strchr(text, ','), "%s", targets[i]);
        /* one header and at least one row */
        ck_assert_msg(strstr(strstr(text, "\r\n") + 2, "\r\n") != NULL, "%s: no rows", targets[i]);
        json_decref(j);
    }
}
END_TEST

/* ---- fixture databases: data/ plus a few made-up indicators ---- */

/* ---- undefined metrics: a data set with a zero in it ---- */

static struct store *zero_store;
static char *zero_dir;

static void zero_setup(void)
{
    zero_store = tu_fixture_store("clinics,Clinics,,count,health,1,sum,,\n",
                                  "clinics,east,2019,0,,,\nclinics,central,2019,5,,,\n"
                                  "clinics,west,2019,7,,,\nclinics,northeast,2019,2,,,\n",
                                  &zero_dir);
}

static void zero_teardown(void)
{
    store_free(zero_store);
    tu_rmrf(zero_dir);
    free(zero_dir);
}

static void expect_zero_problem(const char *target, const char *code, const char *says)
{
    int status = 0;
    json_t *j = tu_api(zero_store, target, &status);
    ck_assert_int_eq(status, 422);
    ck_assert_str_eq(tu_str(j, "code"), code);
    ck_assert_msg(strstr(tu_str(j, "detail"), says) != NULL, "%s: %s", target, tu_str(j, "detail"));
    json_decref(j);
}

START_TEST(test_undefined_metrics_name_region_and_year)
{
    expect_zero_problem("/v1/gaps/dispersion?indicator=clinics&regions=group:four_regions",
                        "undefined", "east has the value 0 in 2019");
    expect_zero_problem("/v1/gaps/pairs?indicator=clinics&reference=central&regions=east",
                        "undefined", "the ratio is undefined for east in 2019");
    expect_zero_problem("/v1/gaps/pairs?indicator=clinics&reference=east", "undefined",
                        "relative gap is undefined for east in 2019");
    expect_zero_problem("/v1/series?indicator=clinics&regions=east&transform=log", "undefined",
                        "east is 0 in 2019");
    /* leaving the measures that need positive values out makes the answer defined */
    int status = 0;
    json_t *j = tu_api(zero_store,
                       "/v1/gaps/dispersion?indicator=clinics&regions=group:four_regions"
                       "&measures=mean,cv,gini,theil_t",
                       &status);
    ck_assert_int_eq(status, 200);
    ck_assert_double_eq_tol(tu_num(j, "years.0.mean"), 3.5, 1e-12);
    /* 0, 5, 7, 2: the six pairs differ by 5+7+2+2+3+5 = 24; the double sum counts each
     * twice: Gini = 48 / (2 * 4^2 * 3.5) */
    ck_assert_double_eq_tol(tu_num(j, "years.0.gini"), 48.0 / 112.0, 1e-12);
    json_decref(j);
}
END_TEST

/* ---- numbers at the edges: values near +-DBL_MAX, tiny references, ratios near parity ---- */

static struct store *edge_store;
static char *edge_dir;

static void edge_setup(void)
{
    edge_store = tu_fixture_store(
        "huge,Huge,,count,health,1,none,,\n"
        "tiny,Tiny,,count,health,1,none,,\n"
        "parity,Parity,,count,health,1,none,,\n"
        "balance,Balance,,count,health,1,none,,\n"
        "hugesum,Huge sum,,count,health,1,sum,,\n",
        /* 1.5e308 - (-1.5e308) overflows a double */
        "huge,east,2018,1.5e308,,,\nhuge,east,2019,1.5e308,,,\n"
        "huge,central,2018,1.5e308,,,\nhuge,central,2019,-1.5e308,,,\n"
        /* relative gap (1e-300 - 1e7) / 1e-300 = -1e307: in percentage points it overflows */
        "tiny,east,2018,1e-300,,,\ntiny,east,2019,1e-300,,,\n"
        "tiny,central,2018,1e-300,,,\ntiny,central,2019,1e7,,,\n"
        /* east / central: 1.02 -> 1.01, the gap to parity halves; northeast barely moves */
        "parity,east,2018,102,,,\nparity,east,2019,101,,,\n"
        "parity,central,2018,100,,,\nparity,central,2019,100,,,\n"
        "parity,northeast,2018,200,,,\nparity,northeast,2019,199.99,,,\n"
        "parity,west,2018,200,,,\nparity,west,2019,204,,,\n"
        /* mean 0: the CV is undefined, the range is not */
        "balance,east,2019,-2,,,\nbalance,central,2019,2,,,\n"
        "balance,west,2019,-1,,,\nbalance,northeast,2019,1,,,\n"
        /* an indicator that adds up, whose sum over two regions overflows */
        "hugesum,east,2019,1e308,,,\nhugesum,central,2019,1e308,,,\n",
        &edge_dir);
}

static void edge_teardown(void)
{
    store_free(edge_store);
    tu_rmrf(edge_dir);
    free(edge_dir);
}

static json_t *edge_get(const char *target, int expect_status)
{
    int status = 0;
    json_t *j = tu_api(edge_store, target, &status);
    ck_assert_ptr_nonnull(j);
    char *text = json_dumps(j, 0);
    ck_assert_msg(status == expect_status, "%s: status %d, wanted %d: %s", target, status,
                  expect_status, text);
    free(text);
    return j;
}

/* ck_assert_msg with the value found, for a key that must be JSON null. */
static void expect_null(json_t *j, const char *path)
{
    json_t *v = tu_at(j, path);
    ck_assert_msg(v != NULL, "%s is missing", path);
    ck_assert_msg(json_is_null(v), "%s is %g, not null", path, json_number_value(v));
}

START_TEST(test_edge_pairs_overflowing_difference_is_null)
{
    json_t *j = edge_get("/v1/gaps/pairs?indicator=huge&reference=east&regions=central", 200);
    ck_assert_double_eq(tu_num(j, "pairs.0.years.0.difference"), 0);
    ck_assert_double_eq(tu_num(j, "pairs.0.years.1.ratio"), -1);
    expect_null(j, "pairs.0.years.1.difference");
    /* (1.5e308 + 1.5e308) / 1.5e308 = 2, computed without the overflowing difference */
    ck_assert_double_eq_tol(tu_num(j, "pairs.0.years.1.relative_gap"), 2, 1e-15);
    expect_null(j, "pairs.0.summary.difference.last");
    expect_null(j, "pairs.0.summary.difference.change");
    ck_assert_double_eq(tu_num(j, "pairs.0.summary.ratio.change"), -2);
    json_decref(j);
}
END_TEST

START_TEST(test_edge_pairs_overflowing_change_pp_is_null)
{
    json_t *j = edge_get("/v1/gaps/pairs?indicator=tiny&reference=east&regions=central", 200);
    ck_assert_double_eq_tol(tu_num(j, "pairs.0.summary.relative_gap.last"), -1e307, 1e293);
    expect_null(j, "pairs.0.summary.relative_gap.change_pp");
    json_decref(j);
}
END_TEST

START_TEST(test_edge_compare_overflowing_difference_is_null)
{
    json_t *j = edge_get("/v1/compare?indicators=huge&regions=central&reference=east&year=2019"
                         "&since=2018",
                         200);
    ck_assert_double_eq(tu_num(j, "rows.0.vs_reference.ratio"), -1);
    expect_null(j, "rows.0.vs_reference.difference");
    ck_assert_double_eq_tol(tu_num(j, "rows.0.vs_reference.relative_gap"), 2, 1e-15);
    /* -1.5e308 - 1.5e308 overflows; 100 (-1.5e308 / 1.5e308 - 1) = -200 does not */
    expect_null(j, "rows.0.change.absolute");
    ck_assert_double_eq_tol(tu_num(j, "rows.0.change.percent"), -200, 1e-12);
    ck_assert_double_eq(tu_num(j, "rows.0.change.multiple"), -1);
    expect_null(j, "rows.0.change.cagr");
    json_decref(j);
    /* 1e308 + 1e308 overflows: each region's share of the sum is not 0 but unknown */
    j = edge_get("/v1/compare?indicators=hugesum&regions=east,central&year=2019", 200);
    expect_null(j, "rows.0.share");
    expect_null(j, "rows.1.share");
    json_decref(j);
}
END_TEST

/* The direction of a ratio is judged against its distance from parity: 1.02 -> 1.01 halves the
 * gap (a move of 0.01 against a gap of 0.015), whatever 1 % of the ratio's level would say. */
START_TEST(test_edge_pairs_direction_against_distance_from_parity)
{
    json_t *j = edge_get("/v1/gaps/pairs?indicator=parity&reference=east&regions=central", 200);
    ck_assert_double_eq_tol(tu_num(j, "pairs.0.summary.ratio.first"), 1.02, 1e-15);
    ck_assert_double_eq_tol(tu_num(j, "pairs.0.summary.ratio.last"), 1.01, 1e-15);
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "narrowing");
    json_decref(j);
    /* from below: 100/102 = 0.980 -> 100/101 = 0.990 moves toward 1 */
    j = edge_get("/v1/gaps/pairs?indicator=parity&reference=central&regions=east", 200);
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "narrowing");
    json_decref(j);
    /* 0.5 -> 0.500025: a move of 2.5e-5 against a gap of 0.5 is stable */
    j = edge_get("/v1/gaps/pairs?indicator=parity&reference=central&regions=northeast", 200);
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "stable");
    json_decref(j);
    /* 102/200 -> 101/204: 0.51 -> 0.495 moves away from 1 */
    j = edge_get("/v1/gaps/pairs?indicator=parity&reference=east&regions=west", 200);
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "widening");
    json_decref(j);
}
END_TEST

START_TEST(test_edge_dispersion_computes_only_what_is_asked)
{
    /* mean 0: no CV, but the range, min and max are defined */
    json_t *j = edge_get("/v1/gaps/dispersion?indicator=balance&regions=group:four_regions"
                         "&measures=range,min,max",
                         200);
    ck_assert_double_eq(tu_num(j, "years.0.range"), 4);
    ck_assert_str_eq(tu_str(j, "years.0.min.region"), "east");
    ck_assert_str_eq(tu_str(j, "years.0.max.region"), "central");
    ck_assert_ptr_null(tu_at(j, "years.0.cv"));
    json_decref(j);
    /* asked for, the CV is still refused */
    int status = 0;
    j = tu_api(edge_store,
               "/v1/gaps/dispersion?indicator=balance&regions=group:four_regions&measures=cv",
               &status);
    ck_assert_int_eq(status, 422);
    ck_assert_str_eq(tu_str(j, "param"), "measures");
    json_decref(j);
    /* a range that overflows is refused, not left out */
    j = tu_api(edge_store,
               "/v1/gaps/dispersion?indicator=huge&regions=east,central&year=2019"
               "&measures=mean,range",
               &status);
    ck_assert_int_eq(status, 422);
    ck_assert_msg(strstr(tu_str(j, "detail"), "range is undefined in 2019") != NULL, "%s",
                  tu_str(j, "detail"));
    json_decref(j);
}
END_TEST

START_TEST(test_convergence_two_regions_counts_them)
{
    int status = 0;
    json_t *j = tu_api(tu_store(),
                       "/v1/gaps/convergence?indicator=hospital_beds_per_1000&regions=urban,rural",
                       &status);
    ck_assert_int_eq(status, 422);
    ck_assert_str_eq(tu_str(j, "code"), "too_few_regions");
    ck_assert_msg(strstr(tu_str(j, "detail"), "(2 regions have data in both years") != NULL, "%s",
                  tu_str(j, "detail"));
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
    TCase *g = tcase_create("gaps");
    tcase_add_test(g, test_pairs_default_siblings_and_summary);
    tcase_add_test(g, test_pairs_target_year);
    tcase_add_test(g, test_pairs_errors);
    tcase_add_test(g, test_dispersion_weighted_decomposition);
    tcase_add_test(g, test_dispersion_left_out_and_sigma);
    tcase_add_test(g, test_dispersion_errors);
    tcase_add_test(g, test_convergence_beta);
    tcase_add_test(g, test_convergence_two_regions_counts_them);
    suite_add_tcase(s, g);
    TCase *cm = tcase_create("compare");
    tcase_add_test(cm, test_compare_rank_share_latest);
    tcase_add_test(cm, test_compare_ties_share_a_rank);
    tcase_add_test(cm, test_compare_errors);
    tcase_add_test(cm, test_profile_ranks_and_parent_gap);
    tcase_add_test(cm, test_csv_everywhere);
    suite_add_tcase(s, cm);
    TCase *u = tcase_create("undefined");
    tcase_add_unchecked_fixture(u, zero_setup, zero_teardown);
    tcase_add_test(u, test_undefined_metrics_name_region_and_year);
    suite_add_tcase(s, u);
    TCase *e = tcase_create("edges");
    tcase_add_unchecked_fixture(e, edge_setup, edge_teardown);
    tcase_add_test(e, test_edge_pairs_overflowing_difference_is_null);
    tcase_add_test(e, test_edge_pairs_overflowing_change_pp_is_null);
    tcase_add_test(e, test_edge_compare_overflowing_difference_is_null);
    tcase_add_test(e, test_edge_pairs_direction_against_distance_from_parity);
    tcase_add_test(e, test_edge_dispersion_computes_only_what_is_asked);
    tcase_add_test(e, test_region_memo_as_region_doc);
    suite_add_tcase(s, e);
    return tu_run(s);
}
