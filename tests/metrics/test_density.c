/* tests/metrics/test_density.c — bandwidth rules and the exact Gaussian KDE against R and scipy
 * (tests/metrics/references/gen_density.py; how in references/README.md). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/density.h"
#include "references/density_ref.h"
#include "metrics_assert.h"

#define ERR(call, code) ck_assert_int_eq((call), (code))

static void assert_rel_tol(const char *what, size_t i, double got, double want, double rel)
{
    double tol = want == 0 ? 1e-300 : rel * fabs(want);
    ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s[%zu] = %.17g, want %.17g", what, i,
                  got, want);
}

static void assert_rel(const char *what, size_t i, double got, double want)
{
    assert_rel_tol(what, i, got, want, 1e-10);
}

static const enum metrics_bw_rule rules[] = {METRICS_BW_NRD0, METRICS_BW_NRD,
                                             METRICS_BW_SCIPY_SCOTT, METRICS_BW_SCIPY_SILVERMAN,
                                             METRICS_BW_STATA};

/* Every rule against R's bw.nrd0 / bw.nrd, scipy's factor * sd and Stata's rule in R. */
static void check_rules(const char *name, const double *x, size_t n, const double *want)
{
    for (size_t r = 0; r < 5; r++) {
        double h = -1;
        if (want[r] == 0) {
            ERR(metrics_bw(x, n, rules[r], &h), METRICS_E_DEGENERATE);
            ck_assert(h == -1);
            continue;
        }
        OK(metrics_bw(x, n, rules[r], &h));
        ck_assert_msg(fabs(h - want[r]) <= 1e-10 * want[r], "%s %s: h = %.17g, want %.17g", name,
                      metrics_bw_name(rules[r]), h, want[r]);
    }
}

START_TEST(test_bw_rules_gdp)
{
    check_rules("gdp", gdp_x, GDP_N, gdp_bw);
}
END_TEST

/* n = 272 (R's faithful$eruptions): the quartiles' sorted copy is on the heap. */
START_TEST(test_bw_rules_faithful)
{
    check_rules("faithful", faithful_x, FAITHFUL_N, faithful_bw);
}
END_TEST

/* IQR = 0, sd > 0: R's bw.nrd0 falls back to sd; bw.nrd (and Stata's rule) give 0, an error. */
START_TEST(test_bw_nrd0_guard_iqr_zero)
{
    check_rules("iqr0", iqr0_x, IQR0_N, iqr0_bw);
}
END_TEST

/* On R's grid seq(min - 3h, max + 3h, length.out = N) with h = bw.nrd0: the exact sum in R. */
static void check_grid(const char *name, const double *x, size_t n, double h, const double *grid,
                       const double *want, size_t points)
{
    double lo, hi;
    double *g = malloc(points * sizeof *g), *d = malloc(points * sizeof *d);
    double *e = malloc(points * sizeof *e);
    ck_assert(g && d && e);
    OK(metrics_kde_span(x, n, h, &lo, &hi));
    assert_rel("lo", 0, lo, grid[0]);
    assert_rel("hi", 0, hi, grid[points - 1]);
    OK(metrics_kde_grid(lo, hi, points, g));
    for (size_t k = 0; k < points; k++)
        ck_assert_msg(fabs(g[k] - grid[k]) <= 1e-12 * (hi - lo), "%s grid[%zu] = %.17g, want %.17g",
                      name, k, g[k], grid[k]);
    OK(metrics_kde(x, n, h, grid, points, d));
    OK(metrics_kde_on_grid(x, n, h, lo, hi, points, e));
    for (size_t k = 0; k < points; k++) {
        assert_rel("kde", k, d[k], want[k]);
        assert_rel("kde_on_grid", k, e[k], want[k]);
    }
    free(g);
    free(d);
    free(e);
}

START_TEST(test_kde_matches_r_exact_sum)
{
    check_grid("gdp", gdp_x, GDP_N, gdp_bw[0], gdp_grid, gdp_dens_nrd0, GDP_GRID_N);
    check_grid("faithful", faithful_x, FAITHFUL_N, faithful_bw[0], faithful_grid,
               faithful_dens_nrd0, FAITHFUL_GRID_N);
    check_grid("iqr0", iqr0_x, IQR0_N, iqr0_bw[0], iqr0_grid, iqr0_dens_nrd0, IQR0_GRID_N);
}
END_TEST

/* scipy gaussian_kde(x, 'scott' | 'silverman').evaluate(points) with our rule's bandwidth. */
static void check_scipy(const double *x, size_t n, const double *at, size_t m, const double *scott,
                        const double *silverman)
{
    double h, d[64];
    ck_assert_uint_le(m, 64);
    OK(metrics_bw(x, n, METRICS_BW_SCIPY_SCOTT, &h));
    OK(metrics_kde(x, n, h, at, m, d));
    for (size_t k = 0; k < m; k++)
        assert_rel("scott", k, d[k], scott[k]);
    OK(metrics_bw(x, n, METRICS_BW_SCIPY_SILVERMAN, &h));
    OK(metrics_kde(x, n, h, at, m, d));
    for (size_t k = 0; k < m; k++)
        assert_rel("silverman", k, d[k], silverman[k]);
}

START_TEST(test_kde_matches_scipy)
{
    check_scipy(gdp_x, GDP_N, gdp_at, GDP_AT_N, gdp_dens_scott, gdp_dens_silverman);
    check_scipy(faithful_x, FAITHFUL_N, faithful_at, FAITHFUL_AT_N, faithful_dens_scott,
                faithful_dens_silverman);
    check_scipy(iqr0_x, IQR0_N, iqr0_at, IQR0_AT_N, iqr0_dens_scott, iqr0_dens_silverman);
}
END_TEST

/* The stepped evaluation against the direct sum on grids that are coarse (few points, big
 * steps), fine, and that do not cover the data (the kernel centre is clamped to an end). */
START_TEST(test_kde_on_grid_agrees_with_direct_sum)
{
    static const size_t sizes[] = {2, 3, 7, 50, 513, 4096};
    static const double spans[][2] = {{-2e5, 3e5}, {0, 150000}, {60000, 70000}, {-9e5, -8e5}};
    double h;
    OK(metrics_bw(gdp_x, GDP_N, METRICS_BW_NRD0, &h));
    double *g = malloc(4096 * sizeof *g), *d = malloc(4096 * sizeof *d),
           *e = malloc(4096 * sizeof *e);
    ck_assert(g && d && e);
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            size_t m = sizes[z];
            OK(metrics_kde_grid(spans[s][0], spans[s][1], m, g));
            OK(metrics_kde(gdp_x, GDP_N, h, g, m, d));
            OK(metrics_kde_on_grid(gdp_x, GDP_N, h, spans[s][0], spans[s][1], m, e));
            for (size_t k = 0; k < m; k++) {
                /* Far tails underflow in both; below 1e-290 the relative error is moot. */
                if (d[k] < 1e-290) {
                    ck_assert(e[k] < 1e-280);
                    continue;
                }
                assert_rel_tol("on_grid", k, e[k], d[k], 1e-11);
            }
        }
    free(g);
    free(d);
    free(e);
}
END_TEST

/* Two values 1000 h apart: on the stepped grid the second kernel comes out of underflow in the
 * middle of a block, which the block sums with exp(). */
START_TEST(test_kde_on_grid_gap_in_data)
{
    static double g[2000], d[2000], e[2000];
    double x[] = {0, 1000};
    OK(metrics_kde_grid(-5, 1005, 2000, g));
    OK(metrics_kde(x, 2, 1, g, 2000, d));
    OK(metrics_kde_on_grid(x, 2, 1, -5, 1005, 2000, e));
    size_t compared = 0;
    for (size_t k = 0; k < 2000; k++) {
        if (d[k] < 1e-290) {
            ck_assert(e[k] < 1e-280);
            continue;
        }
        assert_rel_tol("gap", k, e[k], d[k], 1e-11);
        compared++;
    }
    ck_assert_uint_gt(compared, 100);
}
END_TEST

/* The density integrates to 1 (trapezoid rule on a fine grid over +-3h beyond the data: the
 * tails hold about 0.27% at most, so 1 within 0.01). A check of the 1/(n h sqrt(2 pi)) scale. */
START_TEST(test_kde_integrates_to_one)
{
    double h, lo, hi, d[2001];
    OK(metrics_bw(faithful_x, FAITHFUL_N, METRICS_BW_NRD0, &h));
    OK(metrics_kde_span(faithful_x, FAITHFUL_N, h, &lo, &hi));
    OK(metrics_kde_on_grid(faithful_x, FAITHFUL_N, h, lo - 5 * h, hi + 5 * h, 2001, d));
    double step = (hi - lo + 10 * h) / 2000, sum = 0;
    for (size_t k = 0; k < 2001; k++)
        sum += (k == 0 || k == 2000 ? 0.5 : 1) * d[k] * step;
    ck_assert_double_eq_tol(sum, 1.0, 1e-9);
}
END_TEST

START_TEST(test_bw_names)
{
    enum metrics_bw_rule r;
    for (size_t i = 0; i < 5; i++) {
        OK(metrics_bw_from_name(metrics_bw_name(rules[i]), &r));
        ck_assert_int_eq(r, rules[i]);
    }
    ck_assert_str_eq(metrics_bw_name(METRICS_BW_SCIPY_SILVERMAN), "scipy_silverman");
    ERR(metrics_bw_from_name("silverman", &r), METRICS_E_DOMAIN);
    ERR(metrics_bw_from_name("NRD0", &r), METRICS_E_DOMAIN);
    ERR(metrics_bw_from_name(NULL, &r), METRICS_E_DOMAIN);
    ck_assert_ptr_null(metrics_bw_name((enum metrics_bw_rule)99));
}
END_TEST

START_TEST(test_density_errors)
{
    double x[] = {1, 2, 3}, same[] = {4, 4, 4, 4}, nan_x[] = {1, NAN, 3}, h = -1, lo, hi, d[3];
    double at[] = {0, 1, INFINITY};
    ERR(metrics_bw(x, 1, METRICS_BW_NRD0, &h), METRICS_E_TOO_FEW);
    ERR(metrics_bw(nan_x, 3, METRICS_BW_NRD0, &h), METRICS_E_DOMAIN);
    for (size_t r = 0; r < 5; r++)
        ERR(metrics_bw(same, 4, rules[r], &h), METRICS_E_DEGENERATE);
    ERR(metrics_bw(x, 3, (enum metrics_bw_rule)7, &h), METRICS_E_DOMAIN);
    ck_assert(h == -1);
    ERR(metrics_kde(x, 0, 1, at, 2, d), METRICS_E_TOO_FEW);
    ERR(metrics_kde(x, 3, 0, at, 2, d), METRICS_E_DOMAIN);
    ERR(metrics_kde(x, 3, NAN, at, 2, d), METRICS_E_DOMAIN);
    ERR(metrics_kde(x, 3, 1, at, 3, d), METRICS_E_DOMAIN);
    ERR(metrics_kde_span(x, 3, -1, &lo, &hi), METRICS_E_DOMAIN);
    ERR(metrics_kde_grid(1, 1, 10, d), METRICS_E_DOMAIN);
    ERR(metrics_kde_grid(2, 1, 10, d), METRICS_E_DOMAIN);
    ERR(metrics_kde_grid(0, 1, 1, d), METRICS_E_TOO_FEW);
    ERR(metrics_kde_on_grid(x, 3, 1, 0, INFINITY, 3, d), METRICS_E_DOMAIN);
    ERR(metrics_kde_on_grid(x, 3, 1, 0, 1, 1, d), METRICS_E_TOO_FEW);
    /* One value is enough for a density with a given bandwidth. */
    OK(metrics_kde(x, 1, 1, at, 2, d));
    assert_rel("one", 0, d[1], 0.3989422804014327);
}
END_TEST

static Suite *density_suite(void)
{
    Suite *s = suite_create("density");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bw_rules_gdp);
    tcase_add_test(tc, test_bw_rules_faithful);
    tcase_add_test(tc, test_bw_nrd0_guard_iqr_zero);
    tcase_add_test(tc, test_kde_matches_r_exact_sum);
    tcase_add_test(tc, test_kde_matches_scipy);
    tcase_add_test(tc, test_kde_on_grid_agrees_with_direct_sum);
    tcase_add_test(tc, test_kde_on_grid_gap_in_data);
    tcase_add_test(tc, test_kde_integrates_to_one);
    tcase_add_test(tc, test_bw_names);
    tcase_add_test(tc, test_density_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(density_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
