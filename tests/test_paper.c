/* tests/test_paper.c — the source paper's figures, asked of the real server over HTTP with the
 * default data: every ratio, gap and change the paper prints must come out the same to its
 * rounding. (Ouyang, Li, Li 2022, ../shared/seed/.) */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static json_t *get(const char *target)
{
    long status = 0;
    json_t *j = tu_get_json(&tu_srv, target, &status);
    ck_assert_msg(j != NULL && status == 200, "%s: status %ld", target, status);
    return j;
}

/* The paper rounds half away from zero to DECIMALS places. */
static double rounded(double x, int decimals)
{
    double f = pow(10, decimals);
    return round(x * f) / f;
}

#define ck_assert_rounds_to(x, printed, decimals)                                                  \
    ck_assert_msg(fabs(rounded((x), (decimals)) - (printed)) < 1e-9,                               \
                  "%s = %.6f does not round to %.*f", #x, (x), (decimals), (printed))

/* Table 1, the three urban/rural ratio columns, 2012-2019 (24 values), from the ratio of
 * urban to rural that /v1/gaps/pairs computes. */
START_TEST(test_paper_table1_ratios)
{
    static const struct {
        const char *indicator;
        double ratio[8];
    } table1[] = {
        {"hospital_beds_per_1000", {2.2, 2.2, 2.2, 2.2, 2.2, 2.1, 1.9, 1.8}},
        {"health_technicians_per_10000", {2.5, 2.6, 2.6, 2.6, 2.7, 2.5, 2.4, 2.2}},
        {"kindergarten_teachers", {3.2, 3.0, 2.9, 2.8, 2.8, 2.8, 2.9, 3.0}},
    };
    int checked = 0;
    for (size_t i = 0; i < 3; i++) {
        char target[256];
        snprintf(target, sizeof target, "/v1/gaps/pairs?indicator=%s&reference=urban&regions=rural",
                 table1[i].indicator);
        json_t *j = get(target);
        json_t *years = tu_at(j, "pairs.0.years");
        ck_assert_uint_eq(json_array_size(years), 8);
        for (size_t k = 0; k < 8; k++) {
            json_t *row = json_array_get(years, k);
            ck_assert_int_eq((int)tu_num(row, "year"), 2012 + (int)k);
            double ratio = tu_num(row, "ratio");
            ck_assert_double_eq_tol(ratio, tu_num(row, "reference_value") / tu_num(row, "value"),
                                    1e-12);
            ck_assert_rounds_to(ratio, table1[i].ratio[k], 1);
            checked++;
        }
        json_decref(j);
    }
    ck_assert_int_eq(checked, 24);
}
END_TEST

/* "2012-2019, the city-village and city-township gaps narrowed by 22 and 12.2 points" */
START_TEST(test_paper_water_coverage_gaps)
{
    json_t *j = get("/v1/gaps/pairs?indicator=water_coverage_rate&reference=city"
                    "&regions=village,township&from=2012&to=2019");
    ck_assert_str_eq(tu_str(j, "pairs.0.region.id"), "village");
    ck_assert_rounds_to(tu_num(j, "pairs.0.summary.difference.change"), -22.0, 1);
    ck_assert_rounds_to(tu_num(j, "pairs.1.summary.difference.change"), -12.2, 1);
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "narrowing");
    json_decref(j);
}
END_TEST

/* "the urban/rural income gap peaked at 3.33 in 2009 and fell to 2.64 in 2019", computed
 * from per-capita income, not from a stored ratio */
START_TEST(test_paper_income_ratio_peak)
{
    json_t *j = get("/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural");
    json_t *years = tu_at(j, "pairs.0.years");
    int peak_year = 0;
    double peak = 0, y2019 = 0;
    for (size_t k = 0; k < json_array_size(years); k++) {
        json_t *row = json_array_get(years, k);
        double r = tu_num(row, "ratio");
        if (r > peak) {
            peak = r;
            peak_year = (int)tu_num(row, "year");
        }
        if ((int)tu_num(row, "year") == 2019)
            y2019 = r;
    }
    ck_assert_int_eq(peak_year, 2009);
    ck_assert_rounds_to(peak, 3.33, 2);
    ck_assert_rounds_to(y2019, 2.64, 2);
    json_decref(j);
    /* and the income ratio against the international reference level of 2.0 */
    j = get("/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural"
            "&from=2009&to=2019&target=2");
    ck_assert_str_eq(tu_str(j, "pairs.0.summary.direction"), "narrowing");
    ck_assert_double_gt(tu_num(j, "pairs.0.summary.target.year"), 2019);
    json_decref(j);
}
END_TEST

/* "the highest (east) and lowest (west) average years of schooling differ by 1.75 years" */
START_TEST(test_paper_schooling_spread)
{
    json_t *j = get("/v1/gaps/dispersion?indicator=schooling_years&regions=group:four_regions"
                    "&year=2019");
    ck_assert_rounds_to(tu_num(j, "years.0.range"), 1.75, 2);
    ck_assert_str_eq(tu_str(j, "years.0.max.region"), "east");
    ck_assert_str_eq(tu_str(j, "years.0.min.region"), "west");
    json_decref(j);
}
END_TEST

/* Provincial per-capita GDP CV. The default data are the current NBS revision, not the
 * paper's vintage (data/README.md), so the values differ from its Figure 3 (0.483 in 2011,
 * 0.450 in 2014, 0.477 in 2018, 0.472 in 2019) by up to about 0.02. With the sample standard
 * deviation (n - 1), the one closer to the paper, the default data give 0.4816, 0.4396, 0.4568
 * and 0.4512 (README). The test recomputes each from data/observations.csv independently. */
static double csv_cv(int year)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/observations.csv", PROSPERITY_SOURCE_DIR);
    char *text = tu_read(path, NULL), *save = NULL;
    double v[40];
    int n = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char region[40];
        int y;
        double x;
        if (sscanf(line, "gdp_per_capita,%39[^,],%d,%lf", region, &y, &x) == 3 && y == year &&
            n < 40)
            v[n++] = x;
    }
    free(text);
    ck_assert_int_eq(n, 31);
    double mean = 0, ss = 0;
    for (int i = 0; i < n; i++)
        mean += v[i] / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (n - 1)) / mean;
}

START_TEST(test_paper_provincial_gdp_cv)
{
    static const struct {
        int year;
        double ours, paper;
    } cv[] = {
        {2011, 0.4816, 0.483}, {2014, 0.4396, 0.450}, {2018, 0.4568, 0.477}, {2019, 0.4512, 0.472}};
    json_t *j = get("/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                    "&from=2011&to=2019&cv=sample&measures=cv");
    ck_assert_str_eq(tu_str(j, "cv"), "sample");
    for (size_t i = 0; i < 4; i++) {
        json_t *row = json_array_get(tu_at(j, "years"), (size_t)(cv[i].year - 2011));
        ck_assert_int_eq((int)tu_num(row, "year"), cv[i].year);
        ck_assert_int_eq((int)tu_num(row, "n"), 31);
        double x = tu_num(row, "cv");
        ck_assert_double_eq_tol(x, csv_cv(cv[i].year), 1e-12);
        ck_assert_rounds_to(x, cv[i].ours, 4);
        ck_assert_double_le(fabs(x - cv[i].paper), 0.021);
    }
    json_decref(j);
}
END_TEST

/* Patent applications: the east's are 6.7, 8.58 and 17.99 times those of the centre, west and
 * northeast in 2011, and 4.57, 6.34 and 21.88 times in 2020. (17.996 is printed 17.99: the
 * paper truncates there, so that one is checked to within one unit of its last digit.) */
START_TEST(test_paper_patent_ratios)
{
    static const double y2011[] = {6.70, 8.58, 17.99}, y2020[] = {4.57, 6.34, 21.88};
    const char *base = "/v1/compare?indicators=patent_applications&regions=central,west,"
                       "northeast&reference=east&year=";
    char target[256];
    for (int pass = 0; pass < 2; pass++) {
        snprintf(target, sizeof target, "%s%d", base, pass ? 2020 : 2011);
        json_t *j = get(target);
        for (size_t k = 0; k < 3; k++) {
            json_t *row = json_array_get(tu_at(j, "rows"), k);
            double ratio = tu_num(row, "vs_reference.ratio");
            double printed = pass ? y2020[k] : y2011[k];
            ck_assert_double_le(fabs(ratio - printed), 0.0099);
            if (!(pass == 0 && k == 2))
                ck_assert_rounds_to(ratio, printed, 2);
        }
        json_decref(j);
    }
}
END_TEST

/* Value added 2011-2020: secondary grew 1.61, 1.67, 1.85 times (east, centre, west); tertiary
 * 2.51, 2.95, 2.82, 2.02 times (and the northeast's secondary figure fell, as published). */
START_TEST(test_paper_value_added_multiples)
{
    json_t *j = get("/v1/compare?indicators=secondary_value_added,tertiary_value_added"
                    "&regions=group:four_regions&year=2020&since=2011");
    static const double expect[8] = {1.61, 1.67, 1.85, -1, 2.51, 2.95, 2.82, 2.02};
    json_t *rows = tu_at(j, "rows");
    ck_assert_uint_eq(json_array_size(rows), 8);
    for (size_t k = 0; k < 8; k++) {
        double m = tu_num(json_array_get(rows, k), "change.multiple");
        if (expect[k] > 0)
            ck_assert_rounds_to(m, expect[k], 2);
        else
            ck_assert_double_lt(m, 1);
    }
    ck_assert_str_eq(tu_str(json_array_get(rows, 3), "status"), "suspect");
    json_decref(j);
}
END_TEST

/* "rural beds per 1,000 and health technicians per 10,000 reached 4.8 and 50 in 2019, up
 * 54.8 % and 47.1 % on 2012" */
START_TEST(test_paper_rural_health_growth)
{
    json_t *j = get("/v1/compare?indicators=hospital_beds_per_1000,health_technicians_per_10000"
                    "&regions=rural&year=2019&since=2012");
    ck_assert_double_eq(tu_num(j, "rows.0.value"), 4.8);
    ck_assert_double_eq(tu_num(j, "rows.1.value"), 50);
    ck_assert_rounds_to(tu_num(j, "rows.0.change.percent"), 54.8, 1);
    ck_assert_rounds_to(tu_num(j, "rows.1.change.percent"), 47.1, 1);
    json_decref(j);
}
END_TEST

/* Percentage points, not percent: water coverage of townships +13.8 and villages +23.6 points
 * 2012-2019; forgone hospitalization -14.3 (rural) and -9.3 (urban) points 2013-2018, the
 * rural fall 5 points larger; hospitalization rates +5.7 (rural) and +3.8 (urban) points. */
START_TEST(test_paper_percentage_points)
{
    json_t *j = get("/v1/compare?indicators=water_coverage_rate&regions=township,village"
                    "&year=2019&since=2012");
    ck_assert_rounds_to(tu_num(j, "rows.0.change.absolute"), 13.8, 1);
    ck_assert_rounds_to(tu_num(j, "rows.1.change.absolute"), 23.6, 1);
    ck_assert_str_eq(tu_str(j, "rows.0.change.absolute_unit"), "percentage points");
    json_decref(j);
    j = get("/v1/compare?indicators=forgone_hospitalization,hospitalization_rate"
            "&regions=rural,urban&year=2018&since=2013");
    double rural = tu_num(j, "rows.0.change.absolute"), urban = tu_num(j, "rows.1.change.absolute");
    ck_assert_rounds_to(rural, -14.3, 1);
    ck_assert_rounds_to(urban, -9.3, 1);
    ck_assert_rounds_to(urban - rural, 5.0, 1);
    ck_assert_rounds_to(tu_num(j, "rows.2.change.absolute"), 5.7, 1);
    ck_assert_rounds_to(tu_num(j, "rows.3.change.absolute"), 3.8, 1);
    json_decref(j);
}
END_TEST

/* "railway length per capita rose 1.7, 2.6, 4.3 and 2.9 cm in the east, centre, west and
 * northeast 2012-2019" */
START_TEST(test_paper_railway_per_capita)
{
    json_t *j = get("/v1/compare?indicators=railway_per_capita&regions=group:four_regions"
                    "&year=2019&since=2012");
    static const double rise[] = {1.7, 2.6, 4.3, 3.0};
    for (size_t k = 0; k < 3; k++)
        ck_assert_rounds_to(tu_num(json_array_get(tu_at(j, "rows"), k), "change.absolute"), rise[k],
                            1);
    /* the northeast's printed rise (2.9) does not match its own table (14.0 -> 17.0) */
    ck_assert_rounds_to(tu_num(json_array_get(tu_at(j, "rows"), 3), "change.absolute"), 3.0, 1);
    json_decref(j);
}
END_TEST

/* "beds per 10,000 rose from 37, 37, 39 and 46 to 57, 64, 68 and 69 (east, centre, west,
 * northeast) 2011-2019": the west's rise is the fastest but the northeast stays first. */
START_TEST(test_paper_regional_beds_rank)
{
    json_t *j = get("/v1/compare?indicators=hospital_beds_per_10000&regions=group:four_regions"
                    "&year=2019&since=2011");
    ck_assert_int_eq((int)tu_num(j, "rows.3.rank"), 1); /* northeast, 69 */
    ck_assert_int_eq((int)tu_num(j, "rows.0.rank"), 4); /* east, 57 */
    ck_assert_double_eq(tu_num(j, "rows.2.change.absolute"), 29);
    json_decref(j);
}
END_TEST

/* The provincial GDP per capita has converged since 2005 (beta < 0 with a finite half-life)
 * and the sigma trend to 2019 is downward over the period (direction_overall; its last segment
 * rises again, as the CVs of README's table show: 0.4325 in 2014, 0.4494 in 2018). */
START_TEST(test_paper_convergence)
{
    json_t *j = get("/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces"
                    "&from=2005&to=2019");
    ck_assert_int_eq((int)tu_num(j, "beta.n"), 31);
    ck_assert_double_lt(tu_num(j, "beta.beta"), 0);
    ck_assert(json_is_true(tu_at(j, "beta.converging")));
    ck_assert_double_gt(tu_num(j, "beta.half_life"), 0);
    ck_assert_str_eq(tu_str(j, "sigma.direction_overall"), "converging");
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paper");
    TCase *tc = tcase_create("figures");
    tcase_add_unchecked_fixture(tc, tu_srv_start, tu_srv_stop);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_paper_table1_ratios);
    tcase_add_test(tc, test_paper_water_coverage_gaps);
    tcase_add_test(tc, test_paper_income_ratio_peak);
    tcase_add_test(tc, test_paper_schooling_spread);
    tcase_add_test(tc, test_paper_provincial_gdp_cv);
    tcase_add_test(tc, test_paper_patent_ratios);
    tcase_add_test(tc, test_paper_value_added_multiples);
    tcase_add_test(tc, test_paper_rural_health_growth);
    tcase_add_test(tc, test_paper_percentage_points);
    tcase_add_test(tc, test_paper_railway_per_capita);
    tcase_add_test(tc, test_paper_regional_beds_rank);
    tcase_add_test(tc, test_paper_convergence);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
