/* tests/test_metrics.c — the metrics module against published reference values (collected with
 * their sources in tests/metric_references.md), hand-computed small cases, every error code, and
 * an O(n^2) Gini as an independent check of the sorted O(n log n) one. Self-contained: Check and
 * libm only. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics/dagum.h"
#include "references/beta_t.h"
#include "metrics_assert.h"

/* ---- shared reference data ---- */

/* R package ineq, man/ineq.Rd example (cran/ineq, tests/Examples/ineq-Ex.Rout.save). */
static const double ineq_x[] = {541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261};

/* JosepER/Inequality.jl, test/runtests.jl: v, w = collect(0.1:0.1:0.9), v5. */
static const double julia_v[] = {8, 5, 1, 3, 5, 6, 7, 6, 3};
static const double julia_w[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
static const double julia_v5[] = {8, 5, 1, 3, 5};

/* mmngreco/IneqPy, README.md: the 24-row DataFrame d (renta, factor). */
static const double ineqpy_renta[] = {-13004.12, 141656.97, 1400.38, 415080.96, 69165.22, 9673.83,
                                      55057.72,  -466.73,   3431.86, 423.24,    0.00,     -344.41,
                                      56254.09,  60543.33,  2041.70, 581.38,    55646.05, 0.00,
                                      69650.24,  -2770.88,  4088.63, 0.00,      10662.63, 3281.95};
static const double ineqpy_factor[] = {1.0031, 1.4145, 4.4122, 1.3295, 1.3282,  19.4605,
                                       1.2923, 1.0050, 2.2861, 1.1552, 1.0048,  1.0028,
                                       1.2752, 2.0159, 2.7381, 7.9426, 1.2818,  1.0281,
                                       1.2315, 1.0035, 1.1256, 1.0251, 28.0409, 1.1670};

/* pysal/pysal, pysal/examples/mexico/mexico.csv (commit 19998cf2): per-capita GDP of the 32
 * states for 1940, 1950, ..., 2000, then the hanson98 region (1..5), in file order. */
#define MEXICO_YEARS 7
static const double mexico[32][MEXICO_YEARS + 1] = {
    {10384, 6234, 8714, 16078, 21022, 20787, 27782, 2},
    {22361, 20977, 17865, 25321, 29283, 26839, 29855, 1},
    {9573, 16013, 16707, 24384, 29038, 25842, 26103, 2},
    {3758, 4929, 5925, 10274, 12166, 51123, 36163, 5},
    {2934, 4138, 5280, 7015, 16200, 8637, 8684, 5},
    {8578, 13997, 16265, 19178, 23399, 25332, 30735, 1},
    {8537, 9673, 12318, 20562, 25688, 26084, 28460, 1},
    {6909, 6049, 6036, 12551, 17427, 18313, 21358, 3},
    {17816, 17119, 23174, 32386, 42028, 43810, 54349, 4},
    {12132, 8859, 9323, 12700, 16726, 17353, 17379, 2},
    {4359, 5686, 8209, 11635, 13864, 13607, 15585, 3},
    {2181, 3629, 4991, 6497, 8727, 9084, 11820, 5},
    {4414, 5194, 6399, 7767, 12391, 13091, 12348, 3},
    {5309, 8232, 9953, 16288, 20659, 20133, 21610, 3},
    {3408, 4972, 9053, 17164, 20165, 18547, 16322, 4},
    {3327, 5272, 5244, 8109, 11206, 10980, 11838, 3},
    {6936, 8962, 10499, 13892, 16513, 17701, 18170, 3},
    {4836, 7515, 7621, 10880, 13354, 12757, 11478, 2},
    {9073, 11490, 20117, 28206, 34856, 34726, 38672, 1},
    {1892, 4538, 4140, 5230, 7730, 8465, 9010, 5},
    {3569, 6415, 6542, 9775, 13374, 11895, 15685, 3},
    {11016, 5560, 7110, 14073, 20088, 22441, 26149, 3},
    {21965, 28747, 9677, 17046, 26695, 25049, 33442, 5},
    {4372, 7533, 6440, 9721, 12691, 15436, 15866, 2},
    {4840, 6663, 9613, 14477, 15312, 15823, 15242, 2},
    {6399, 10345, 12134, 22662, 23181, 24784, 24068, 1},
    {2459, 3857, 6494, 9367, 42361, 16055, 13360, 5},
    {7508, 8536, 8383, 17128, 21937, 19983, 23546, 1},
    {3605, 4178, 4357, 6245, 9882, 10339, 11701, 3},
    {5203, 10143, 11404, 12240, 14252, 13796, 12191, 3},
    {7990, 8428, 10067, 11665, 15239, 13979, 17509, 5},
    {3734, 6435, 5821, 7426, 8876, 11656, 11130, 2},
};

/* Column YEAR (0 = 1940 ... 6 = 2000) of the Mexico table, and the hanson98 groups as 0..4. */
static void mexico_column(size_t year, double *x, size_t *group)
{
    for (size_t i = 0; i < N_OF(mexico); i++) {
        x[i] = mexico[i][year];
        if (group)
            group[i] = (size_t)mexico[i][MEXICO_YEARS] - 1;
    }
}

/* A fixed-seed generator (64-bit LCG, Knuth's MMIX constants), so failures reproduce. */
static double uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) / 9007199254740992.0; /* [0, 1) with 53 bits */
}

/* ======================================================================================== */
/* pairwise                                                                                 */

/* Hand-computed: 6 / 4 = 1.5; -3 / 2 = -1.5; the multiple 4 -> 6 is 6 / 4 = 1.5. */
START_TEST(test_pairwise_ratio_and_multiple)
{
    double r;
    OK(metrics_ratio(6, 4, &r));
    ck_assert_double_eq(r, 1.5);
    OK(metrics_ratio(-3, 2, &r));
    ck_assert_double_eq(r, -1.5);
    OK(metrics_multiple(4, 6, &r));
    ck_assert_double_eq(r, 1.5);
}
END_TEST

/* Hand-computed: 7.5 - 2.25 = 5.25; a share going from 12.5 % to 15 % is +2.5 points (not the
 * +20 % a ratio would say), and back down is -2.5 points. */
START_TEST(test_pairwise_difference_and_pp_change)
{
    double r;
    OK(metrics_difference(7.5, 2.25, &r));
    ck_assert_double_eq(r, 5.25);
    OK(metrics_pp_change(12.5, 15.0, &r));
    ck_assert_double_eq(r, 2.5);
    OK(metrics_pp_change(15.0, 12.5, &r));
    ck_assert_double_eq(r, -2.5);
}
END_TEST

/* Hand-computed: (200 - 150) / 200 = 0.25; a unit above the reference has a negative gap,
 * (80 - 100) / 80 = -0.25. */
START_TEST(test_pairwise_relative_gap)
{
    double r;
    OK(metrics_relative_gap(200, 150, &r));
    ck_assert_double_eq(r, 0.25);
    OK(metrics_relative_gap(80, 100, &r));
    ck_assert_double_eq(r, -0.25);
}
END_TEST

/* Hand-computed: 100 -> 121 is 100 (121 / 100 - 1) = 21 %; 80 -> 60 is -25 %; no change is 0. */
START_TEST(test_pairwise_growth_pct)
{
    double r;
    OK(metrics_growth_pct(100, 121, &r));
    ck_assert_double_eq(r, 21);
    OK(metrics_growth_pct(80, 60, &r));
    ck_assert_double_eq(r, -25);
    OK(metrics_growth_pct(3.7, 3.7, &r));
    ck_assert_double_eq(r, 0);
}
END_TEST

/* Hand-computed: (121 / 100)^(1/2) - 1 = 1.1 - 1 = 0.1; (400 / 50)^(1/3) - 1 = 2 - 1 = 1;
 * a fall to 0 is -100 % a year; 1e-300 -> 1e300 over 100 years is (1e600)^(1/100) - 1 =
 * 1e6 - 1 = 999999, although the quotient 1e600 itself overflows a double. */
START_TEST(test_pairwise_cagr)
{
    double r;
    OK(metrics_cagr(100, 121, 2, &r));
    ASSERT_REL(r, 0.1, 1e-15);
    OK(metrics_cagr(50, 400, 3, &r));
    ASSERT_REL(r, 1.0, 1e-15);
    OK(metrics_cagr(100, 100, 7, &r));
    ck_assert_double_eq(r, 0);
    OK(metrics_cagr(100, 0, 5, &r));
    ck_assert_double_eq(r, -1);
    OK(metrics_cagr(1e-300, 1e300, 100, &r));
    ASSERT_REL(r, 999999.0, 1e-12);
}
END_TEST

/* ======================================================================================== */
/* dispersion                                                                               */

/* Hand-computed: (1*1 + 1*2 + 2*3) / 4 = 2.25. IneqPy README (mmngreco/IneqPy, README.md)
 * prints the weighted mean of renta with weights factor as 20444.700666031338. */
START_TEST(test_dispersion_mean)
{
    const double x[] = {1, 2, 3}, w[] = {1, 1, 2};
    double m;
    OK(metrics_mean(x, w, 3, &m));
    ck_assert_double_eq(m, 2.25);
    OK(metrics_mean(x, NULL, 3, &m));
    ck_assert_double_eq(m, 2);
    OK(metrics_mean(ineqpy_renta, ineqpy_factor, N_OF(ineqpy_renta), &m));
    ASSERT_REL(m, 20444.700666031338, 1e-12);
}
END_TEST

/* Hand-computed: {1e16, 1, 1, -1e16} sums to 2, so the mean is 0.5 in every order. Naive
 * left-to-right summation loses both 1s to 1e16 (its spacing there is 2) and returns 0. */
START_TEST(test_dispersion_mean_is_compensated)
{
    const double a[] = {1e16, 1, 1, -1e16}, b[] = {1, 1e16, -1e16, 1}, c[] = {-1e16, 1, 1e16, 1};
    double m;
    OK(metrics_mean(a, NULL, 4, &m));
    ck_assert_double_eq(m, 0.5);
    OK(metrics_mean(b, NULL, 4, &m));
    ck_assert_double_eq(m, 0.5);
    OK(metrics_mean(c, NULL, 4, &m));
    ck_assert_double_eq(m, 0.5);
}
END_TEST

/* SciPy docs, scipy.stats.mstats.variation "Examples"
 * (https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.mstats.variation.html):
 * variation([2, 8, 4]) = 0.5345224838248487 = sqrt(2/7) (population sd, ddof = 0). With the
 * sample sd (ddof = 1): sqrt(28/3 / 2) / (14/3) = 0.654653670707977
 * (tests/metric_references.md section 6a). */
START_TEST(test_dispersion_cv_scipy)
{
    const double x[] = {2, 8, 4};
    double cv;
    OK(metrics_cv(x, NULL, 3, 0, &cv));
    ASSERT_REL(cv, 0.5345224838248487, 1e-12);
    ASSERT_REL(cv, sqrt(2.0 / 7.0), 1e-12);
    OK(metrics_cv(x, NULL, 3, 1, &cv));
    ASSERT_REL(cv, 0.654653670707977, 1e-12);
}
END_TEST

/* mmngreco/IneqPy, README.md: weighted mean 20444.700666031338 and population weighted variance
 * 2982220948.7413292, so the weighted CV (the Williamson form) is sqrt(var) / mean =
 * 2.6710938778521434. The incomes include negatives and zeros, which the CV allows. */
START_TEST(test_dispersion_cv_weighted_ineqpy)
{
    double cv;
    OK(metrics_cv(ineqpy_renta, ineqpy_factor, N_OF(ineqpy_renta), 0, &cv));
    ASSERT_REL(cv, 2.6710938778521434, 1e-12);
    ASSERT_REL(cv, sqrt(2982220948.7413292) / 20444.700666031338, 1e-12);
}
END_TEST

/* JosepER/Inequality.jl (test/runtests.jl): gen_entropy(v, 2) = 0.09039256198347094, and
 * CV^2 / 2 = GE(2), so the population CV of v is sqrt(2 GE(2)) = 0.42518833940612966
 * (derived in tests/metric_references.md section 3). Scaling the weights changes nothing. */
START_TEST(test_dispersion_cv_julia_and_weight_scale)
{
    double cv, cv_w, cv_w10, w10[N_OF(julia_w)];
    OK(metrics_cv(julia_v, NULL, N_OF(julia_v), 0, &cv));
    ASSERT_REL(cv, 0.42518833940612966, 1e-12);
    ASSERT_REL(cv, sqrt(2 * 0.09039256198347094), 1e-12);
    for (size_t i = 0; i < N_OF(julia_w); i++)
        w10[i] = 10 * julia_w[i];
    OK(metrics_cv(julia_v, julia_w, N_OF(julia_v), 0, &cv_w));
    OK(metrics_cv(julia_v, w10, N_OF(julia_v), 0, &cv_w10));
    ASSERT_REL(cv_w10, cv_w, 1e-14);
    ASSERT_REL(cv_w, sqrt(2 * 0.0709746654322026), 1e-12);
}
END_TEST

/* Hand-computed: for {3, 9, 1.5, 6} the range is 9 - 1.5 = 7.5 and max / min = 9 / 1.5 = 6; a
 * single value has range 0 and ratio 1. */
START_TEST(test_dispersion_range_and_ratio)
{
    const double x[] = {3, 9, 1.5, 6};
    double r;
    OK(metrics_range(x, 4, &r));
    ck_assert_double_eq(r, 7.5);
    OK(metrics_max_min_ratio(x, 4, &r));
    ck_assert_double_eq(r, 6);
    OK(metrics_range(x, 1, &r));
    ck_assert_double_eq(r, 0);
    OK(metrics_max_min_ratio(x, 1, &r));
    ck_assert_double_eq(r, 1);
}
END_TEST

/* ======================================================================================== */
/* gini                                                                                     */

/* The textbook definition, O(n^2): the test-only reference for the sorted computation. */
static double gini_double_loop(const double *x, const double *w, size_t n)
{
    double sum_w = 0, sum_wx = 0, pairs = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sum_w += wi;
        sum_wx += wi * x[i];
        for (size_t j = 0; j < n; j++)
            pairs += wi * (w ? w[j] : 1) * fabs(x[i] - x[j]);
    }
    double mu = sum_wx / sum_w;
    return pairs / (2 * sum_w * sum_w * mu);
}

/* cran/ineq, tests/Examples/ineq-Ex.Rout.save: ineq(x) = 0.4620911 (R prints 7 digits); the
 * exact value is 76922/166465 (tests/metric_references.md section 1). */
START_TEST(test_gini_ineq_example)
{
    double g;
    OK(metrics_gini(ineq_x, NULL, N_OF(ineq_x), &g));
    ASSERT_ABS(g, 0.4620911, 5e-8);
    ASSERT_REL(g, 76922.0 / 166465.0, 1e-12);
}
END_TEST

/* JosepER/Inequality.jl, test/runtests.jl: gini(v) = 0.237373737373737 (= 47/198) and
 * gini(v, w) = 0.2065239551478077. */
START_TEST(test_gini_julia)
{
    double g;
    OK(metrics_gini(julia_v, NULL, N_OF(julia_v), &g));
    ASSERT_REL(g, 0.237373737373737, 1e-12);
    ASSERT_REL(g, 47.0 / 198.0, 1e-12);
    OK(metrics_gini(julia_v, julia_w, N_OF(julia_v), &g));
    ASSERT_REL(g, 0.2065239551478077, 1e-12);
}
END_TEST

/* JosepER/Inequality.jl, test/runtests.jl asserts gini([8,5,1,3,5],[1,2,1,3,1]) ==
 * gini([8,5,5,1,3,3,3,5]): integer weights are repetitions. By hand, sorted 1,3,3,3,5,5,5,8
 * (sum 33, n = 8): sum_i (2i - n - 1) x_(i) = -7 - 15 - 9 - 3 + 5 + 15 + 25 + 56 = 67, and
 * G = 67 / (8 * 33) = 67/264 = 0.2537878787878788. */
START_TEST(test_gini_integer_weights_repeat_values)
{
    const double w[] = {1, 2, 1, 3, 1};
    const double repeated[] = {8, 5, 5, 1, 3, 3, 3, 5};
    double gw, gr;
    OK(metrics_gini(julia_v5, w, N_OF(julia_v5), &gw));
    OK(metrics_gini(repeated, NULL, N_OF(repeated), &gr));
    ASSERT_REL(gw, 0.2537878787878788, 1e-12);
    ASSERT_REL(gr, 67.0 / 264.0, 1e-12);
    ASSERT_REL(gw, gr, 1e-14);
}
END_TEST

/* pysal/inequality, inequality/tests/test_gini.py: Gini of Mexico pcgdp1940 (data
 * pysal/pysal, pysal/examples/mexico/mexico.csv) = 0.35372371173452849. */
START_TEST(test_gini_pysal_mexico_1940)
{
    double x[N_OF(mexico)], g;
    mexico_column(0, x, NULL);
    OK(metrics_gini(x, NULL, N_OF(x), &g));
    ASSERT_REL(g, 0.35372371173452849, 1e-12);
}
END_TEST

/* cran/ineq, tests/Examples/ineq-Ex.Rout.save, section Lasym: Gini(x, corr = TRUE) = 0.4444444
 * for x = nine times 50/9 then 50, and for y = five 2s then five 18s. That figure carries the
 * n/(n-1) = 10/9 correction; without it both are exactly 2/5 = 0.4. */
START_TEST(test_gini_lasym_without_correction)
{
    double x[10], y[10], gx, gy;
    for (size_t i = 0; i < 10; i++) {
        x[i] = i < 9 ? 50.0 / 9.0 : 50.0;
        y[i] = i < 5 ? 2.0 : 18.0;
    }
    OK(metrics_gini(x, NULL, 10, &gx));
    OK(metrics_gini(y, NULL, 10, &gy));
    ASSERT_REL(gx, 0.4, 1e-14);
    ASSERT_REL(gy, 0.4, 1e-14);
    ASSERT_ABS(gx * 10 / 9, 0.4444444, 5e-8);
    ASSERT_ABS(gy * 10 / 9, 0.4444444, 5e-8);
}
END_TEST

/* The O(n log n) identity against the O(n^2) definition on 200 pseudo-random values (with ties
 * and zeros), unweighted and weighted; also independent of the input order. */
START_TEST(test_gini_matches_double_loop)
{
    enum { N = 200 };
    double x[N], w[N], rev[N], g, ref;
    uint64_t seed = 20240611;
    for (size_t i = 0; i < N; i++) {
        x[i] = floor(uniform(&seed) * 1000) / 4; /* quarter steps: ties */
        w[i] = uniform(&seed) * 5;
    }
    x[17] = 0;
    w[42] = 0;
    OK(metrics_gini(x, NULL, N, &g));
    ref = gini_double_loop(x, NULL, N);
    ASSERT_REL(g, ref, 1e-12);
    OK(metrics_gini(x, w, N, &g));
    ref = gini_double_loop(x, w, N);
    ASSERT_REL(g, ref, 1e-12);
    for (size_t i = 0; i < N; i++)
        rev[i] = x[N - 1 - i];
    OK(metrics_gini(rev, NULL, N, &g));
    ASSERT_REL(g, gini_double_loop(x, NULL, N), 1e-12);
}
END_TEST

/* No weights and unit weights are the same sample: every measure gives the same double, bit
 * for bit (the unweighted sums take N as the total weight instead of adding N ones). */
START_TEST(test_unweighted_equals_unit_weights_exactly)
{
    enum { N = 40 };
    double x[N], ones[N], a, b;
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++) {
        x[i] = 0.1 + uniform(&seed) * 1e5;
        ones[i] = 1;
    }
    static const size_t sizes[] = {2, 31, 40};
    for (size_t k = 0; k < N_OF(sizes); k++) {
        size_t n = sizes[k];
        OK(metrics_mean(x, NULL, n, &a));
        OK(metrics_mean(x, ones, n, &b));
        ck_assert(a == b);
        OK(metrics_cv(x, NULL, n, 0, &a));
        OK(metrics_cv(x, ones, n, 0, &b));
        ck_assert(a == b);
        OK(metrics_gini(x, NULL, n, &a));
        OK(metrics_gini(x, ones, n, &b));
        ck_assert(a == b);
        OK(metrics_theil_t(x, NULL, n, &a));
        OK(metrics_theil_t(x, ones, n, &b));
        ck_assert(a == b);
        OK(metrics_theil_l(x, NULL, n, &a));
        OK(metrics_theil_l(x, ones, n, &b));
        ck_assert(a == b);
    }
}
END_TEST

/* The sizes around the switch from the stack (insertion sort) to the heap (qsort), with ties,
 * a zero value, a zero weight and values in descending order. */
START_TEST(test_gini_small_n_matches_double_loop)
{
    enum { N = 70 };
    double x[N], w[N], rev[N], g;
    uint64_t seed = 20261201;
    for (size_t i = 0; i < N; i++) {
        x[i] = floor(uniform(&seed) * 40) / 4; /* quarter steps: many ties */
        w[i] = uniform(&seed) * 5;
    }
    x[5] = 0;
    w[7] = 0;
    static const size_t sizes[] = {2, 3, 8, 31, 63, 64, 65, 70};
    for (size_t k = 0; k < N_OF(sizes); k++) {
        size_t n = sizes[k];
        OK(metrics_gini(x, NULL, n, &g));
        ASSERT_REL(g, gini_double_loop(x, NULL, n), 1e-12);
        OK(metrics_gini(x, w, n, &g));
        ASSERT_REL(g, gini_double_loop(x, w, n), 1e-12);
        for (size_t i = 0; i < n; i++)
            rev[i] = x[n - 1 - i];
        OK(metrics_gini(rev, NULL, n, &g));
        ASSERT_REL(g, gini_double_loop(x, NULL, n), 1e-12);
    }
}
END_TEST

/* Hand-computed: equal values have Gini 0; one unit owning everything among 4 has
 * sum |x_i - x_j| = 2 * 3 * 4 = 24 over 2 * 16 * 1 = 32, so 3/4 (no small-sample correction). */
START_TEST(test_gini_extremes)
{
    const double equal[] = {7, 7, 7}, one[] = {0, 0, 0, 4};
    double g;
    OK(metrics_gini(equal, NULL, 3, &g));
    ck_assert_double_eq(g, 0);
    OK(metrics_gini(one, NULL, 4, &g));
    ASSERT_REL(g, 0.75, 1e-15);
}
END_TEST

/* ======================================================================================== */
/* theil                                                                                    */

/* JosepER/Inequality.jl, test/runtests.jl: theil(v) = 0.10494562214323544,
 * theil(v, w) = 0.08120013911680612. */
START_TEST(test_theil_t_julia)
{
    double t;
    OK(metrics_theil_t(julia_v, NULL, N_OF(julia_v), &t));
    ASSERT_REL(t, 0.10494562214323544, 1e-12);
    OK(metrics_theil_t(julia_v, julia_w, N_OF(julia_v), &t));
    ASSERT_REL(t, 0.08120013911680612, 1e-12);
}
END_TEST

/* pysal/inequality, inequality/tests/test_theil.py: Theil T of Mexico pcgdp1940..2000, printed
 * to 8 decimals. */
START_TEST(test_theil_t_pysal_mexico)
{
    static const double published[MEXICO_YEARS] = {0.20894344, 0.15222451, 0.10472941, 0.10194725,
                                                   0.09560113, 0.10511256, 0.10660832};
    double x[N_OF(mexico)], t;
    for (size_t y = 0; y < MEXICO_YEARS; y++) {
        mexico_column(y, x, NULL);
        OK(metrics_theil_t(x, NULL, N_OF(x), &t));
        ASSERT_ABS(t, published[y], 5e-9);
    }
}
END_TEST

/* Hand-computed: {0, 2, 4} has mu = 2; the terms (x/mu) ln(x/mu) are 0 (0 ln 0 = 0), 1 ln 1 = 0
 * and 2 ln 2, so T = 2 ln 2 / 3. */
START_TEST(test_theil_t_zero_value)
{
    const double x[] = {0, 2, 4};
    double t;
    OK(metrics_theil_t(x, NULL, 3, &t));
    ASSERT_REL(t, 2 * log(2.0) / 3, 1e-15);
}
END_TEST

/* JosepER/Inequality.jl, test/runtests.jl: mld(v) = 0.1397460530936332,
 * mld(v, w) = 0.10375545537468207. */
START_TEST(test_theil_l_julia)
{
    double l;
    OK(metrics_theil_l(julia_v, NULL, N_OF(julia_v), &l));
    ASSERT_REL(l, 0.1397460530936332, 1e-12);
    OK(metrics_theil_l(julia_v, julia_w, N_OF(julia_v), &l));
    ASSERT_REL(l, 0.10375545537468207, 1e-12);
}
END_TEST

/* JosepER/Inequality.jl, test/runtests.jl: gen_entropy(v, 2) = 0.09039256198347094 (exactly
 * 175/1936: mu = 44/9, sum x^2 = 314, (9 * 314 / 44^2 - 1) / 2 = 175/1936) and
 * gen_entropy(v, w, 2) = 0.0709746654322026. */
START_TEST(test_theil_ge2_julia)
{
    double g;
    OK(metrics_ge(julia_v, NULL, N_OF(julia_v), 2, &g));
    ASSERT_REL(g, 0.09039256198347094, 1e-12);
    ASSERT_REL(g, 175.0 / 1936.0, 1e-12);
    OK(metrics_ge(julia_v, julia_w, N_OF(julia_v), 2, &g));
    ASSERT_REL(g, 0.0709746654322026, 1e-12);
}
END_TEST

/* The header: GE(0) is Theil L and GE(1) Theil T, by delegation, so bit-for-bit equal; values
 * from JosepER/Inequality.jl, test/runtests.jl. */
START_TEST(test_theil_ge_delegates_at_0_and_1)
{
    double ge, direct;
    OK(metrics_ge(julia_v, julia_w, N_OF(julia_v), 0, &ge));
    OK(metrics_theil_l(julia_v, julia_w, N_OF(julia_v), &direct));
    ck_assert_double_eq(ge, direct);
    ASSERT_REL(ge, 0.10375545537468207, 1e-12);
    OK(metrics_ge(julia_v, julia_w, N_OF(julia_v), 1, &ge));
    OK(metrics_theil_t(julia_v, julia_w, N_OF(julia_v), &direct));
    ck_assert_double_eq(ge, direct);
    ASSERT_REL(ge, 0.08120013911680612, 1e-12);
}
END_TEST

/* GE(-1) of the cran/ineq example vector: not published anywhere; 0.8477490531206326 is the
 * standard-library re-computation in tests/metric_references.md (coverage summary). Hand check
 * of a negative alpha on {1, 2}: mu = 3/2, mean of (x/mu)^-1 = (3/2 + 3/4) / 2 = 9/8, so
 * GE(-1) = (9/8 - 1) / 2 = 1/16. */
START_TEST(test_theil_ge_negative_alpha)
{
    const double x[] = {1, 2};
    double g;
    OK(metrics_ge(ineq_x, NULL, N_OF(ineq_x), -1, &g));
    ASSERT_REL(g, 0.8477490531206326, 1e-12);
    OK(metrics_ge(x, NULL, 2, -1, &g));
    ASSERT_REL(g, 1.0 / 16.0, 1e-15);
}
END_TEST

/* ======================================================================================== */
/* atkinson                                                                                 */

/* cran/ineq, tests/Examples/ineq-Ex.Rout.save: ineq(x, parameter = 0.5, type = "Atkinson") =
 * 0.1796591 (7 digits). */
START_TEST(test_atkinson_ineq_half)
{
    double a;
    OK(metrics_atkinson(ineq_x, NULL, N_OF(ineq_x), 0.5, &a));
    ASSERT_ABS(a, 0.1796591, 5e-8);
}
END_TEST

/* JosepER/Inequality.jl, test/runtests.jl: atkinson(v5, 0.8) = 0.14249378376024,
 * atkinson(v5, 1) = 0.183083677559 and atkinson(v5, 1.2) = 0.2248733447899. Those figures are
 * truncated, not rounded (the full values are ...2418, ...559540 and ...8997234), so the
 * tolerance is one unit of the last printed digit. */
START_TEST(test_atkinson_julia_v5)
{
    double a;
    OK(metrics_atkinson(julia_v5, NULL, N_OF(julia_v5), 0.8, &a));
    ASSERT_ABS(a, 0.14249378376024, 1e-14);
    OK(metrics_atkinson(julia_v5, NULL, N_OF(julia_v5), 1, &a));
    ASSERT_ABS(a, 0.183083677559, 1e-12);
    OK(metrics_atkinson(julia_v5, NULL, N_OF(julia_v5), 1.2, &a));
    ASSERT_ABS(a, 0.2248733447899, 1e-13);
}
END_TEST

/* JosepER/Inequality.jl, docstrings of src/Atkinson.jl: atkinson(v, 1.2) = 0.1631765870035865
 * and atkinson([8,5,1,3], [0.1,0.5,0.3,0.8], 1.2) = 0.1681319821792493. */
START_TEST(test_atkinson_julia_docstrings)
{
    const double x[] = {8, 5, 1, 3}, w[] = {0.1, 0.5, 0.3, 0.8};
    double a;
    OK(metrics_atkinson(julia_v, NULL, N_OF(julia_v), 1.2, &a));
    ASSERT_REL(a, 0.1631765870035865, 1e-12);
    OK(metrics_atkinson(x, w, 4, 1.2, &a));
    ASSERT_REL(a, 0.1681319821792493, 1e-12);
}
END_TEST

/* pysal/inequality, inequality/tests/test_atkinson.py on [10, 20, 30, 40, 50] (mean 30):
 * A(0.5) = 0.06315 with EDE 28.105398233, A(1) = 0.1316096 with EDE 26.0517108, A(0) = 0. The
 * EDE is (1 - A) mu. */
START_TEST(test_atkinson_pysal)
{
    const double x[] = {10, 20, 30, 40, 50};
    double a;
    OK(metrics_atkinson(x, NULL, 5, 0.5, &a));
    ASSERT_ABS(a, 0.06315, 5e-6);
    ASSERT_ABS((1 - a) * 30, 28.105398233, 5e-10);
    OK(metrics_atkinson(x, NULL, 5, 1, &a));
    ASSERT_ABS(a, 0.1316096, 5e-8);
    ASSERT_ABS((1 - a) * 30, 26.0517108, 5e-8);
    OK(metrics_atkinson(x, NULL, 5, 0, &a));
    ck_assert_double_eq(a, 0);
}
END_TEST

/* Hand-computed: e = 2 compares the harmonic mean with the mean. For {1, 3}: mu = 2, harmonic
 * mean 2 / (1 + 1/3) = 3/2, A(2) = 1 - (3/2) / 2 = 1/4. Equal values give A = 0 at any e. */
START_TEST(test_atkinson_hand)
{
    const double x[] = {1, 3}, equal[] = {5, 5, 5};
    double a;
    OK(metrics_atkinson(x, NULL, 2, 2, &a));
    ASSERT_REL(a, 0.25, 1e-15);
    OK(metrics_atkinson(equal, NULL, 3, 1.5, &a));
    ASSERT_ABS(a, 0, 1e-15);
}
END_TEST

/* Near the limits e = 1 (Atkinson) and a = 0, a = 1 (GE) the textbook formulas subtract nearly
 * equal numbers; the indices must keep 12 digits there. References: mpmath at 60 digits from the
 * textbook formulas with the parameters' exact double values (tests/metric_references.md,
 * section 8). */
struct near_limit {
    double param, ineq, julia;
};

static const struct near_limit atkinson_near_1[] = {
    {1 - 1e-6, 0.35182472878698007382, 0.09855416746265820247},
    {1 + 1e-6, 0.35182539068310160901, 0.098554404190070690901},
    {1 + 1e-9, 0.35182506006602368597, 0.098554285944706313235},
    {1 - 1e-12, 0.35182505973474465711, 0.098554285826224236085},
};

static const struct near_limit ge_near_0_and_1[] = {
    {1e-6, 0.43359447852860245281, 0.10375542244324521918},
    {-1e-6, 0.43359482051257101518, 0.1037554883061462062},
    {1e-9, 0.43359464934945401426, 0.10375545534175051796},
    {1 - 1e-6, 0.36234124009366301318, 0.081200153904652624523},
    {1 + 1e-6, 0.36234124459424321795, 0.081200124328971325806},
    {1 + 1e-9, 0.36234124234614530015, 0.081200139102018365831},
};

START_TEST(test_atkinson_near_1)
{
    double a;
    for (size_t i = 0; i < N_OF(atkinson_near_1); i++) {
        const struct near_limit *c = &atkinson_near_1[i];
        OK(metrics_atkinson(ineq_x, NULL, N_OF(ineq_x), c->param, &a));
        ASSERT_REL(a, c->ineq, 1e-12);
        OK(metrics_atkinson(julia_v, julia_w, N_OF(julia_v), c->param, &a));
        ASSERT_REL(a, c->julia, 1e-12);
    }
}
END_TEST

START_TEST(test_theil_ge_near_0_and_1)
{
    double g;
    for (size_t i = 0; i < N_OF(ge_near_0_and_1); i++) {
        const struct near_limit *c = &ge_near_0_and_1[i];
        OK(metrics_ge(ineq_x, NULL, N_OF(ineq_x), c->param, &g));
        ASSERT_REL(g, c->ineq, 1e-12);
        OK(metrics_ge(julia_v, julia_w, N_OF(julia_v), c->param, &g));
        ASSERT_REL(g, c->julia, 1e-12);
    }
}
END_TEST

/* Hand-computed: for {1, 1e4} and e = 100, (x/mu)^(1 - e) = (5000.5)^99 overflows a double, but
 * the index does not: the second term (1e4)^-99 times smaller is negligible, so
 * [(r1^-99 + r2^-99) / 2]^(-1/99) = r1 2^(1/99) and A = 1 - 2^(1/99) / 5000.5 = 0.99979861...
 * (mpmath at 60 digits: 0.99979861492763053715). */
START_TEST(test_atkinson_large_aversion_does_not_overflow)
{
    const double x[] = {1, 1e4};
    double a;
    OK(metrics_atkinson(x, NULL, 2, 100, &a));
    ASSERT_REL(a, 1 - pow(2, 1.0 / 99) / 5000.5, 1e-13);
    ASSERT_REL(a, 0.99979861492763053715, 1e-13);
}
END_TEST

/* ======================================================================================== */
/* decomposition                                                                            */

/* pysal/inequality, inequality/theil.py (TheilD docstring) and inequality/tests/test_theil.py:
 * Theil T of Mexico by decade split by hanson98 (data pysal/pysal,
 * pysal/examples/mexico/mexico.csv): T, bg and wg printed to 8 decimals. Also: bg + wg = T to
 * rounding, shares sum to 1, and the five regions have 6, 7, 10, 2 and 7 states. */
START_TEST(test_decomposition_pysal_mexico_hanson98)
{
    static const double t_pub[MEXICO_YEARS] = {0.20894344, 0.15222451, 0.10472941, 0.10194725,
                                               0.09560113, 0.10511256, 0.10660832};
    static const double bg_pub[MEXICO_YEARS] = {0.0345889,  0.02816853, 0.05260921, 0.05931219,
                                                0.03205257, 0.02963731, 0.03635872};
    static const double wg_pub[MEXICO_YEARS] = {0.17435454, 0.12405598, 0.0521202, 0.04263506,
                                                0.06354856, 0.07547525, 0.0702496};
    static const size_t members[5] = {6, 7, 10, 2, 7};
    double x[N_OF(mexico)];
    size_t group[N_OF(mexico)];
    for (size_t y = 0; y < MEXICO_YEARS; y++) {
        struct metrics_decomposition d;
        struct metrics_group g[5];
        mexico_column(y, x, group);
        OK(metrics_theil_decompose(x, NULL, group, N_OF(x), 5, METRICS_THEIL_T, &d, g));
        ASSERT_ABS(d.total, t_pub[y], 5e-9);
        ASSERT_ABS(d.between, bg_pub[y], 5e-9);
        ASSERT_ABS(d.within, wg_pub[y], 5e-9);
        ASSERT_REL(d.between + d.within, d.total, 1e-12);
        double v = 0, s = 0;
        for (size_t k = 0; k < 5; k++) {
            ck_assert_uint_eq(g[k].n, members[k]);
            ASSERT_REL(g[k].population_share, (double)members[k] / 32.0, 1e-15);
            v += g[k].population_share;
            s += g[k].value_share;
        }
        ASSERT_REL(v, 1, 1e-14);
        ASSERT_REL(s, 1, 1e-14);
    }
}
END_TEST

/* The L decomposition (within = sum v_k L_k, between = sum v_k ln(v_k / s_k)) on the same data:
 * between + within equals the Theil L of all states, and the weighted form (populations as
 * weights) equals the unweighted form with integer weights 1. */
START_TEST(test_decomposition_theil_l_identity)
{
    double x[N_OF(mexico)], ones[N_OF(mexico)], l;
    size_t group[N_OF(mexico)];
    for (size_t i = 0; i < N_OF(ones); i++)
        ones[i] = 1;
    for (size_t y = 0; y < MEXICO_YEARS; y++) {
        struct metrics_decomposition d, dw;
        mexico_column(y, x, group);
        OK(metrics_theil_decompose(x, NULL, group, N_OF(x), 5, METRICS_THEIL_L, &d, NULL));
        OK(metrics_theil_l(x, NULL, N_OF(x), &l));
        ck_assert_double_eq(d.total, l);
        ASSERT_REL(d.between + d.within, d.total, 1e-12);
        ck_assert(d.between > 0 && d.within > 0);
        OK(metrics_theil_decompose(x, ones, group, N_OF(x), 5, METRICS_THEIL_L, &dw, NULL));
        ASSERT_REL(dw.between, d.between, 1e-13);
        ASSERT_REL(dw.within, d.within, 1e-13);
    }
}
END_TEST

/* Hand-computed: x = {1, 3, 4}, groups {0, 0, 1}, no weights: mu = 8/3, v = (2/3, 1/3),
 * s = (4/8, 4/8), group means 2 and 4. The single-member group has index 0. Group 0's own T is
 * (1/2) [(1/2) ln(1/2) + (3/2) ln(3/2)]. between = (1/2) ln((1/2)/(2/3)) + (1/2) ln((1/2)/(1/3))
 * = (1/2) ln(9/8); within = (1/2) T_0 + (1/2) 0. */
START_TEST(test_decomposition_single_member_group)
{
    const double x[] = {1, 3, 4};
    const size_t group[] = {0, 0, 1};
    struct metrics_decomposition d;
    struct metrics_group g[2];
    double t0 = 0.5 * (0.5 * log(0.5) + 1.5 * log(1.5)), total;
    OK(metrics_theil_decompose(x, NULL, group, 3, 2, METRICS_THEIL_T, &d, g));
    ck_assert_uint_eq(g[1].n, 1);
    ck_assert_double_eq(g[1].index, 0);
    ASSERT_REL(g[1].mean, 4, 1e-15);
    ASSERT_REL(g[0].mean, 2, 1e-15);
    ASSERT_REL(g[0].index, t0, 1e-14);
    ASSERT_REL(g[0].population_share, 2.0 / 3.0, 1e-15);
    ASSERT_REL(g[0].value_share, 0.5, 1e-15);
    ASSERT_REL(d.between, 0.5 * log(9.0 / 8.0), 1e-14);
    ASSERT_REL(d.within, 0.5 * t0, 1e-14);
    OK(metrics_theil_t(x, NULL, 3, &total));
    ASSERT_REL(d.total, total, 1e-15);
    ASSERT_REL(d.between + d.within, d.total, 1e-12);
}
END_TEST

/* Population weights are frequencies: per-capita values with populations {2, 1, 3} decompose
 * exactly as the same values repeated 2, 1 and 3 times (T and L). */
START_TEST(test_decomposition_weighted_equals_repeated)
{
    const double x[] = {5, 2, 9, 4}, w[] = {2, 1, 3, 1};
    const size_t group[] = {0, 1, 0, 1};
    const double rx[] = {5, 5, 2, 9, 9, 9, 4};
    const size_t rgroup[] = {0, 0, 1, 0, 0, 0, 1};
    for (int kind = METRICS_THEIL_T; kind <= METRICS_THEIL_L; kind++) {
        struct metrics_decomposition a, b;
        struct metrics_group ga[2], gb[2];
        OK(metrics_theil_decompose(x, w, group, 4, 2, (enum metrics_theil_kind)kind, &a, ga));
        OK(metrics_theil_decompose(rx, NULL, rgroup, 7, 2, (enum metrics_theil_kind)kind, &b, gb));
        ASSERT_REL(a.total, b.total, 1e-13);
        ASSERT_REL(a.between, b.between, 1e-13);
        ASSERT_REL(a.within, b.within, 1e-13);
        ASSERT_REL(a.between + a.within, a.total, 1e-12);
        for (size_t k = 0; k < 2; k++) {
            ASSERT_REL(ga[k].index, gb[k].index, 1e-13);
            ASSERT_REL(ga[k].value_share, gb[k].value_share, 1e-14);
        }
    }
}
END_TEST

/* ======================================================================================== */
/* ols                                                                                      */

/* R datasets women (wch/r-source, src/library/datasets/data/women.R), summary(lm(weight ~
 * height)) as printed in the RStudio Pubs slide
 * https://rstudio-pubs-static.s3.amazonaws.com/1369887_08aca4f106d1414c9de078ae67b943b8.html:
 * intercept -87.51667 (se 5.93694), height 3.45000 (se 0.09114), R^2 0.9910098. Exact:
 * slope 69/20, intercept -5251/60, R^2 99981/100888; se(slope) 0.09113649546620062 and
 * se(intercept) 5.9369440489029905 (tests/metric_references.md section 7a). */
START_TEST(test_ols_women)
{
    double height[15],
        weight[15] = {115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154, 159, 164};
    struct metrics_ols r;
    for (size_t i = 0; i < 15; i++)
        height[i] = 58 + (double)i;
    OK(metrics_ols(height, weight, 15, &r));
    ck_assert_uint_eq(r.n, 15);
    ck_assert(r.has_se && r.has_r2);
    ASSERT_REL(r.slope, 3.45, 1e-12);
    ASSERT_REL(r.intercept, -5251.0 / 60.0, 1e-12);
    ASSERT_REL(r.se_slope, 0.09113649546620062, 1e-12);
    ASSERT_REL(r.se_intercept, 5.9369440489029905, 1e-12);
    ASSERT_REL(r.r2, 99981.0 / 100888.0, 1e-12);
    ASSERT_ABS(r.intercept, -87.51667, 5e-6);
    ASSERT_ABS(r.se_intercept, 5.93694, 5e-6);
    ASSERT_ABS(r.se_slope, 0.09114, 5e-6);
    ASSERT_ABS(r.r2, 0.9910098, 5e-8);
}
END_TEST

/* https://how-to-data.org/how-to-compute-r-squared-for-a-simple-linear-model-in-r/ :
 * summary(lm(ys ~ xs)) prints intercept -37.32142 (se 18.99544), slope 0.13272 (se 0.02959),
 * r.squared 0.8009488. Exact: slope 28673/216042, intercept -4031497/108021,
 * R^2 4110704645/5132293752 (tests/metric_references.md section 7b). */
START_TEST(test_ols_how_to_data)
{
    const double xs[] = {393, 453, 553, 679, 729, 748, 817};
    const double ys[] = {24, 25, 27, 36, 55, 68, 84};
    struct metrics_ols r;
    OK(metrics_ols(xs, ys, 7, &r));
    ASSERT_ABS(r.intercept, -37.32142, 5e-6);
    ASSERT_ABS(r.se_intercept, 18.99544, 5e-6);
    ASSERT_ABS(r.slope, 0.13272, 5e-6);
    ASSERT_ABS(r.se_slope, 0.02959, 5e-6);
    ASSERT_ABS(r.r2, 0.8009488, 5e-8);
    ASSERT_REL(r.slope, 28673.0 / 216042.0, 1e-12);
    ASSERT_REL(r.intercept, -4031497.0 / 108021.0, 1e-12);
    ASSERT_REL(r.r2, 4110704645.0 / 5132293752.0, 1e-12);
    ASSERT_REL(r.se_slope, 0.02958897584559432, 1e-12);
    ASSERT_REL(r.se_intercept, 18.99544431776809, 1e-12);
}
END_TEST

/* R datasets cars (wch/r-source, src/library/datasets/data/cars.R), summary(lm(dist ~ speed))
 * as printed at https://r-statistics.co/Simple-Linear-Regression-in-R.html: intercept -17.5791
 * (se 6.7584), speed 3.9324 (se 0.4155), R^2 0.6511. Exact: slope 26937/6850, intercept
 * -301042/17125 (tests/metric_references.md section 7c). */
START_TEST(test_ols_cars)
{
    const double speed[] = {4,  4,  7,  7,  8,  9,  10, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13,
                            13, 13, 14, 14, 14, 14, 15, 15, 15, 16, 16, 17, 17, 17, 18, 18, 18,
                            18, 19, 19, 19, 20, 20, 20, 20, 20, 22, 23, 24, 24, 24, 24, 25};
    const double dist[] = {2,  10, 4,  22, 16, 10, 18, 26, 34, 17, 28, 14, 20, 24, 28,  26, 34,
                           34, 46, 26, 36, 60, 80, 20, 26, 54, 32, 40, 32, 40, 50, 42,  56, 76,
                           84, 36, 46, 68, 32, 48, 52, 56, 64, 66, 54, 70, 92, 93, 120, 85};
    struct metrics_ols r;
    ck_assert_uint_eq(N_OF(speed), 50);
    ck_assert_uint_eq(N_OF(dist), 50);
    OK(metrics_ols(speed, dist, 50, &r));
    ASSERT_ABS(r.intercept, -17.5791, 5e-5);
    ASSERT_ABS(r.se_intercept, 6.7584, 5e-5);
    ASSERT_ABS(r.slope, 3.9324, 5e-5);
    ASSERT_ABS(r.se_slope, 0.4155, 5e-5);
    ASSERT_ABS(r.r2, 0.6511, 5e-5);
    ASSERT_REL(r.slope, 26937.0 / 6850.0, 1e-12);
    ASSERT_REL(r.intercept, -301042.0 / 17125.0, 1e-12);
    ASSERT_REL(r.se_slope, 0.4155127766571223, 1e-12);
    ASSERT_REL(r.r2, 0.6510793807582509, 1e-12);
}
END_TEST

/* Hand-computed: (1, 3) and (3, 7) lie on y = 1 + 2x; with two points there are no degrees of
 * freedom for standard errors, and R^2 = 1 - 0/8 = 1. A flat y = 5 gives slope 0 and no R^2
 * (SST = 0), but with three points the standard errors exist (and are 0). */
START_TEST(test_ols_small_cases)
{
    const double x2[] = {1, 3}, y2[] = {3, 7};
    const double x3[] = {1, 2, 4}, y3[] = {5, 5, 5};
    struct metrics_ols r;
    OK(metrics_ols(x2, y2, 2, &r));
    ASSERT_REL(r.slope, 2, 1e-15);
    ASSERT_REL(r.intercept, 1, 1e-15);
    ck_assert_int_eq(r.has_se, 0);
    ck_assert_int_eq(r.has_r2, 1);
    ASSERT_REL(r.r2, 1, 1e-15);
    OK(metrics_ols(x3, y3, 3, &r));
    ck_assert_double_eq(r.slope, 0);
    ck_assert_double_eq(r.intercept, 5);
    ck_assert_int_eq(r.has_r2, 0);
    ck_assert_int_eq(r.has_se, 1);
    ck_assert_double_eq(r.se_slope, 0);
}
END_TEST

/* Hand-computed: a CV falling by 0.02 a year from 0.50 in 2000 has trend slope -0.02 and
 * intercept 0.50 + 0.02 * 2000 = 40.5; the years are centred, so 2000s cost no precision. */
START_TEST(test_ols_sigma_convergence)
{
    const double years[] = {2000, 2001, 2002, 2003, 2004};
    const double cv[] = {0.50, 0.48, 0.46, 0.44, 0.42};
    struct metrics_ols r;
    OK(metrics_sigma_convergence(years, cv, 5, &r));
    ASSERT_REL(r.slope, -0.02, 1e-12);
    ASSERT_REL(r.intercept, 40.5, 1e-12);
    ASSERT_REL(r.r2, 1, 1e-12);
}
END_TEST

/* ======================================================================================== */
/* convergence                                                                              */

/* Constructed: y0 = 2^{0,2,4,6} = {1, 4, 16, 64}, yT = 100 * 2^{0,1,2,3} = {100, 200, 400, 800},
 * T = 10. Then ln(yT/y0) = ln 100 - (i/2) ln 2 with ln y0 = i ln 2, so
 * g = ln(100)/10 - (1/20) ln y0 exactly: beta = -0.05, alpha = ln(100)/10, R^2 = 1, se = 0.
 * 1 + beta T = 1/2, speed = -ln(1/2)/10 = ln(2)/10, half-life = ln 2 / speed = 10 years. */
START_TEST(test_convergence_constructed_converging)
{
    const double y0[] = {1, 4, 16, 64}, yT[] = {100, 200, 400, 800};
    struct metrics_beta b;
    OK(metrics_beta_convergence(y0, yT, 4, 10, &b));
    ASSERT_REL(b.beta, -0.05, 1e-13);
    ASSERT_REL(b.alpha, log(100.0) / 10, 1e-13);
    ASSERT_ABS(b.se, 0, 1e-15);
    ASSERT_REL(b.r2, 1, 1e-13);
    ck_assert_uint_eq(b.n, 4);
    ck_assert_double_eq(b.years, 10);
    ck_assert_int_eq(b.converging, 1);
    ck_assert_int_eq(b.has_speed, 1);
    ASSERT_REL(b.speed, log(2.0) / 10, 1e-12);
    ck_assert_int_eq(b.has_half_life, 1);
    ASSERT_REL(b.half_life, 10, 1e-12);
}
END_TEST

/* beta's t = beta / se and its two-sided p-value (Student t, n - 2 degrees of freedom) as R's
 * summary(lm) prints them for four provincial cases (tests/references/beta_t.R); converging
 * only when beta < 0 and p < 0.05: gdp per capita 2015-2019 has beta < 0 but t = -0.62. */
START_TEST(test_convergence_t_and_p_as_r)
{
    for (size_t k = 0; k < sizeof beta_t_cases / sizeof beta_t_cases[0]; k++) {
        const struct beta_t_case *c = &beta_t_cases[k];
        struct metrics_beta b;
        OK(metrics_beta_convergence(c->y0, c->yT, c->n, c->years, &b));
        ASSERT_REL(b.beta, c->beta, 1e-10);
        ASSERT_REL(b.se, c->se, 1e-10);
        ck_assert_msg(b.has_t, "%s: no t", c->name);
        ASSERT_REL(b.t, c->t, 1e-10);
        ASSERT_REL(b.p_value, c->p, 1e-10);
        ck_assert_int_eq(b.significant, c->p < 0.05);
        ck_assert_msg(b.converging == (c->beta < 0 && c->p < 0.05), "%s: converging %d", c->name,
                      b.converging);
    }
}
END_TEST

/* Constructed: y0 = {1, 4, 16}, yT = 100 * 2^{0,-2,-4} = {100, 25, 6.25}, T = 10:
 * ln(yT/y0) = ln 100 - 2 i ln 2 = ln 100 - 2 ln y0, so beta = -2/10 = -0.2. The ranking
 * reversed: 1 + beta T = -1 <= 0, so there is no speed and no half-life. */
START_TEST(test_convergence_overshoot_has_no_speed)
{
    const double y0[] = {1, 4, 16}, yT[] = {100, 25, 6.25};
    struct metrics_beta b;
    OK(metrics_beta_convergence(y0, yT, 3, 10, &b));
    ASSERT_REL(b.beta, -0.2, 1e-13);
    ck_assert_int_eq(b.converging, 1);
    ck_assert_int_eq(b.has_speed, 0);
    ck_assert_int_eq(b.has_half_life, 0);
}
END_TEST

/* Constructed: y0 = {1, 4, 16}, yT = 100 y0^2 = {100, 1600, 25600}, T = 10:
 * ln(yT/y0) = ln 100 + ln y0, so beta = 1/10. Diverging: 1 + beta T = 2, speed = -ln(2)/10 < 0, so
 * a speed but no half-life. */
START_TEST(test_convergence_diverging)
{
    const double y0[] = {1, 4, 16}, yT[] = {100, 1600, 25600};
    struct metrics_beta b;
    OK(metrics_beta_convergence(y0, yT, 3, 10, &b));
    ASSERT_REL(b.beta, 0.1, 1e-13);
    ck_assert_int_eq(b.converging, 0);
    ck_assert_int_eq(b.has_speed, 1);
    ASSERT_REL(b.speed, -log(2.0) / 10, 1e-12);
    ck_assert_int_eq(b.has_half_life, 0);
}
END_TEST

/* Hand-computed with residuals: y0 = {1, 2, 4}, yT = {1, 2, 8}, T = 1. With L = ln 2:
 * x = ln y0 = {0, L, 2L}, g = {0, 0, L}. xbar = L, gbar = L/3, Sxx = 2L^2, Sxg = L^2, so
 * beta = 1/2 and alpha = L/3 - L/2 = -L/6. Residuals g - (alpha + beta x) = {L/6, -L/3, L/6}:
 * SSE = L^2/6, s^2 = SSE/(3 - 2) = L^2/6, se = sqrt(s^2 / Sxx) = sqrt(1/12).
 * SST = L^2 (1/9 + 1/9 + 4/9) = 2L^2/3, R^2 = 1 - (1/6)/(2/3) = 3/4. */
START_TEST(test_convergence_hand_with_residuals)
{
    const double y0[] = {1, 2, 4}, yT[] = {1, 2, 8};
    struct metrics_beta b;
    OK(metrics_beta_convergence(y0, yT, 3, 1, &b));
    ASSERT_REL(b.beta, 0.5, 1e-14);
    ASSERT_REL(b.alpha, -log(2.0) / 6, 1e-14);
    ASSERT_REL(b.se, sqrt(1.0 / 12.0), 1e-14);
    ASSERT_REL(b.r2, 0.75, 1e-14);
    ck_assert_int_eq(b.converging, 0);
    ck_assert_int_eq(b.has_speed, 1);
    ASSERT_REL(b.speed, -log(1.5), 1e-14);
    ck_assert_int_eq(b.has_half_life, 0);
}
END_TEST

/* ======================================================================================== */
/* errors                                                                                   */

#define ERR(call, code)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == (code), "%s returned %d (%s), want %d (%s)", #call, rc_,              \
                      metrics_strerror(rc_), (int)(code), metrics_strerror(code));                 \
    } while (0)

static const double one_value[] = {3};

START_TEST(test_errors_too_few)
{
    struct metrics_ols o;
    struct metrics_beta b;
    struct metrics_decomposition d;
    const size_t g[] = {0};
    const double three[] = {1, 2, 3};
    double r;
    ERR(metrics_mean(one_value, NULL, 0, &r), METRICS_E_TOO_FEW);
    ERR(metrics_cv(one_value, NULL, 1, 0, &r), METRICS_E_TOO_FEW);
    ERR(metrics_gini(one_value, NULL, 1, &r), METRICS_E_TOO_FEW);
    ERR(metrics_theil_t(one_value, NULL, 1, &r), METRICS_E_TOO_FEW);
    ERR(metrics_theil_l(one_value, NULL, 1, &r), METRICS_E_TOO_FEW);
    ERR(metrics_ge(one_value, NULL, 1, 2, &r), METRICS_E_TOO_FEW);
    ERR(metrics_ge(one_value, NULL, 1, 0, &r), METRICS_E_TOO_FEW);
    ERR(metrics_atkinson(one_value, NULL, 1, 0.5, &r), METRICS_E_TOO_FEW);
    ERR(metrics_range(one_value, 0, &r), METRICS_E_TOO_FEW);
    ERR(metrics_max_min_ratio(one_value, 0, &r), METRICS_E_TOO_FEW);
    ERR(metrics_theil_decompose(one_value, NULL, g, 1, 1, METRICS_THEIL_T, &d, NULL),
        METRICS_E_TOO_FEW);
    ERR(metrics_ols(one_value, one_value, 1, &o), METRICS_E_TOO_FEW);
    ERR(metrics_sigma_convergence(one_value, one_value, 1, &o), METRICS_E_TOO_FEW);
    ERR(metrics_beta_convergence(three, three, 2, 10, &b), METRICS_E_TOO_FEW);
}
END_TEST

/* Logs of zero, x^(1-e) with e >= 1, negative incomes. */
START_TEST(test_errors_nonpositive)
{
    const double zero[] = {0, 2, 4}, neg[] = {-1, 2, 4}, pos[] = {1, 2, 4};
    struct metrics_beta b;
    double r;
    ERR(metrics_theil_l(zero, NULL, 3, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_atkinson(zero, NULL, 3, 1, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_atkinson(zero, NULL, 3, 2, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_ge(zero, NULL, 3, 0, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_ge(zero, NULL, 3, -1, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_gini(neg, NULL, 3, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_theil_t(neg, NULL, 3, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_ge(neg, NULL, 3, 2, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_atkinson(neg, NULL, 3, 0.5, &r), METRICS_E_NONPOSITIVE);
    /* IneqPy's renta has negative incomes: no standard Gini (mmngreco/IneqPy, README.md). */
    ERR(metrics_gini(ineqpy_renta, ineqpy_factor, N_OF(ineqpy_renta), &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_max_min_ratio(zero, 3, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_cagr(0, 121, 2, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_cagr(-100, 121, 2, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_cagr(100, -1, 2, &r), METRICS_E_NONPOSITIVE);
    ERR(metrics_beta_convergence(zero, pos, 3, 10, &b), METRICS_E_NONPOSITIVE);
    ERR(metrics_beta_convergence(pos, neg, 3, 10, &b), METRICS_E_NONPOSITIVE);
    /* zeros are allowed where the header says x >= 0 */
    OK(metrics_gini(zero, NULL, 3, &r));
    OK(metrics_ge(zero, NULL, 3, 0.5, &r));
    OK(metrics_atkinson(zero, NULL, 3, 0.5, &r));
}
END_TEST

START_TEST(test_errors_zero)
{
    const double balanced[] = {-1, 1}, zeros[] = {0, 0, 0};
    double r;
    ERR(metrics_cv(balanced, NULL, 2, 0, &r), METRICS_E_ZERO);
    ERR(metrics_cv(balanced, NULL, 2, 1, &r), METRICS_E_ZERO);
    ERR(metrics_gini(zeros, NULL, 3, &r), METRICS_E_ZERO);
    ERR(metrics_theil_t(zeros, NULL, 3, &r), METRICS_E_ZERO);
    ERR(metrics_atkinson(zeros, NULL, 3, 0.5, &r), METRICS_E_ZERO);
    ERR(metrics_ge(zeros, NULL, 3, 2, &r), METRICS_E_ZERO);
    ERR(metrics_ratio(1, 0, &r), METRICS_E_ZERO);
    ERR(metrics_ratio(0, -0.0, &r), METRICS_E_ZERO);
    ERR(metrics_relative_gap(0, 5, &r), METRICS_E_ZERO);
    ERR(metrics_growth_pct(0, 5, &r), METRICS_E_ZERO);
    ERR(metrics_multiple(0, 5, &r), METRICS_E_ZERO);
}
END_TEST

START_TEST(test_errors_weights)
{
    const double x[] = {1, 2, 3};
    const double negative[] = {1, -1, 1}, zero_sum[] = {0, 0, 0}, not_finite[] = {1, NAN, 1};
    const double infinite[] = {1, INFINITY, 1};
    const size_t group[] = {0, 0, 1};
    struct metrics_decomposition d;
    double r;
    ERR(metrics_mean(x, negative, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_mean(x, zero_sum, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_cv(x, zero_sum, 3, 0, &r), METRICS_E_WEIGHTS);
    ERR(metrics_gini(x, negative, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_gini(x, zero_sum, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_gini(x, not_finite, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_theil_t(x, infinite, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_theil_l(x, negative, 3, &r), METRICS_E_WEIGHTS);
    ERR(metrics_ge(x, zero_sum, 3, 2, &r), METRICS_E_WEIGHTS);
    ERR(metrics_atkinson(x, negative, 3, 0.5, &r), METRICS_E_WEIGHTS);
    ERR(metrics_theil_decompose(x, negative, group, 3, 2, METRICS_THEIL_T, &d, NULL),
        METRICS_E_WEIGHTS);
    /* a group whose members all weigh 0 has no population share to compare */
    const double empty_group[] = {1, 1, 0};
    ERR(metrics_theil_decompose(x, empty_group, group, 3, 2, METRICS_THEIL_T, &d, NULL),
        METRICS_E_WEIGHTS);
}
END_TEST

START_TEST(test_errors_domain)
{
    const double x[] = {1, 2, 3}, with_nan[] = {1, NAN, 3}, with_inf[] = {1, 2, INFINITY};
    const double with_ninf[] = {-INFINITY, 2, 3}, w[] = {1, 1, 1};
    const size_t group[] = {0, 0, 1}, bad_group[] = {0, 2, 1};
    struct metrics_decomposition d;
    struct metrics_ols o;
    struct metrics_beta b;
    double r;
    const double *bad[] = {with_nan, with_inf, with_ninf};
    const double bad_scalar[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < N_OF(bad); i++) {
        double nf = bad_scalar[i];
        ERR(metrics_mean(bad[i], NULL, 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_cv(bad[i], NULL, 3, 0, &r), METRICS_E_DOMAIN);
        ERR(metrics_gini(bad[i], NULL, 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_theil_t(bad[i], NULL, 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_theil_l(bad[i], NULL, 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_ge(bad[i], NULL, 3, 2, &r), METRICS_E_DOMAIN);
        ERR(metrics_atkinson(bad[i], NULL, 3, 0.5, &r), METRICS_E_DOMAIN);
        ERR(metrics_range(bad[i], 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_max_min_ratio(bad[i], 3, &r), METRICS_E_DOMAIN);
        ERR(metrics_theil_decompose(bad[i], NULL, group, 3, 2, METRICS_THEIL_T, &d, NULL),
            METRICS_E_DOMAIN);
        ERR(metrics_ols(bad[i], x, 3, &o), METRICS_E_DOMAIN);
        ERR(metrics_ols(x, bad[i], 3, &o), METRICS_E_DOMAIN);
        ERR(metrics_beta_convergence(x, bad[i], 3, 10, &b), METRICS_E_DOMAIN);
        ERR(metrics_beta_convergence(bad[i], x, 3, 10, &b), METRICS_E_DOMAIN);
        ERR(metrics_ratio(nf, 2, &r), METRICS_E_DOMAIN);
        ERR(metrics_ratio(2, nf, &r), METRICS_E_DOMAIN);
        ERR(metrics_difference(nf, 2, &r), METRICS_E_DOMAIN);
        ERR(metrics_relative_gap(2, nf, &r), METRICS_E_DOMAIN);
        ERR(metrics_growth_pct(nf, 2, &r), METRICS_E_DOMAIN);
        ERR(metrics_multiple(2, nf, &r), METRICS_E_DOMAIN);
        ERR(metrics_cagr(100, nf, 2, &r), METRICS_E_DOMAIN);
        ERR(metrics_cagr(100, 121, nf, &r), METRICS_E_DOMAIN);
        ERR(metrics_pp_change(nf, 2, &r), METRICS_E_DOMAIN);
    }
    /* T <= 0 */
    ERR(metrics_cagr(100, 121, 0, &r), METRICS_E_DOMAIN);
    ERR(metrics_cagr(100, 121, -2, &r), METRICS_E_DOMAIN);
    ERR(metrics_beta_convergence(x, x, 3, 0, &b), METRICS_E_DOMAIN);
    ERR(metrics_beta_convergence(x, x, 3, -5, &b), METRICS_E_DOMAIN);
    /* parameters out of range */
    ERR(metrics_atkinson(x, NULL, 3, -0.5, &r), METRICS_E_DOMAIN);
    ERR(metrics_atkinson(x, NULL, 3, NAN, &r), METRICS_E_DOMAIN);
    ERR(metrics_ge(x, NULL, 3, INFINITY, &r), METRICS_E_DOMAIN);
    ERR(metrics_cv(x, w, 3, 1, &r), METRICS_E_DOMAIN); /* sample CV is unweighted only */
    ERR(metrics_theil_decompose(x, NULL, bad_group, 3, 2, METRICS_THEIL_T, &d, NULL),
        METRICS_E_DOMAIN);
    /* results that overflow are refused rather than written as infinities */
    ERR(metrics_ratio(1e308, 1e-10, &r), METRICS_E_DOMAIN);
    ERR(metrics_difference(1e308, -1e308, &r), METRICS_E_DOMAIN);
    ERR(metrics_difference(1.5e308, -1.5e308, &r), METRICS_E_DOMAIN);
    ERR(metrics_pp_change(-1e308, 1e308, &r), METRICS_E_DOMAIN);
    ERR(metrics_relative_gap(1e-300, 1e10, &r), METRICS_E_DOMAIN);
    ERR(metrics_growth_pct(1e-300, 1e300, &r), METRICS_E_DOMAIN);
    ERR(metrics_multiple(1e-300, 1e300, &r), METRICS_E_DOMAIN);
    ERR(metrics_cagr(1e-300, 1e300, 1e-3, &r), METRICS_E_DOMAIN);
    const double huge[] = {1e308, 1.5e308, 1.7e308};
    ERR(metrics_mean(huge, NULL, 3, &r), METRICS_E_DOMAIN);
}
END_TEST

START_TEST(test_errors_degenerate)
{
    const double same_x[] = {4, 4, 4}, y[] = {1, 2, 3};
    const double y0[] = {1, 2, 4}, doubled[] = {2, 4, 8}, equal0[] = {5, 5, 5};
    struct metrics_ols o;
    struct metrics_beta b;
    ERR(metrics_ols(same_x, y, 3, &o), METRICS_E_DEGENERATE);
    ERR(metrics_sigma_convergence(same_x, y, 3, &o), METRICS_E_DEGENERATE);
    /* every unit doubled: equal growth, nothing to regress */
    ERR(metrics_beta_convergence(y0, doubled, 3, 10, &b), METRICS_E_DEGENERATE);
    /* every unit started equal: ln y0 has no spread */
    ERR(metrics_beta_convergence(equal0, y, 3, 10, &b), METRICS_E_DEGENERATE);
}
END_TEST

/* Every group named must have a member; a multi-member group with no income has no Theil T. */
START_TEST(test_errors_decomposition_groups)
{
    const double x[] = {1, 2, 3, 4}, poor[] = {0, 0, 3, 4};
    const size_t group[] = {0, 0, 2, 2};
    struct metrics_decomposition d;
    ERR(metrics_theil_decompose(x, NULL, group, 4, 3, METRICS_THEIL_T, &d, NULL),
        METRICS_E_TOO_FEW);
    ERR(metrics_theil_decompose(x, NULL, group, 4, 5, METRICS_THEIL_T, &d, NULL),
        METRICS_E_TOO_FEW);
    const size_t two[] = {0, 0, 1, 1};
    ERR(metrics_theil_decompose(poor, NULL, two, 4, 2, METRICS_THEIL_T, &d, NULL), METRICS_E_ZERO);
    ERR(metrics_theil_decompose(poor, NULL, two, 4, 2, METRICS_THEIL_L, &d, NULL),
        METRICS_E_NONPOSITIVE);
}
END_TEST

/* The header: on error *OUT is left alone. */
START_TEST(test_errors_leave_output_alone)
{
    const double x[] = {1, NAN, 3};
    const size_t group[] = {0, 0, 1};
    double r = 42;
    struct metrics_ols o, o_before;
    struct metrics_beta b, b_before;
    struct metrics_decomposition d = {1, 2, 3, 1, 4};
    struct metrics_group g[2] = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
    memset(&o, 0x5a, sizeof o);
    memset(&b, 0x5a, sizeof b);
    o_before = o;
    b_before = b;
    ck_assert_int_ne(metrics_gini(x, NULL, 3, &r), METRICS_OK);
    ck_assert_int_ne(metrics_ratio(1, 0, &r), METRICS_OK);
    ck_assert_int_ne(metrics_cagr(100, 121, 0, &r), METRICS_OK);
    ck_assert_double_eq(r, 42);
    ck_assert_int_ne(metrics_ols(x, x, 3, &o), METRICS_OK);
    ck_assert_int_eq(memcmp(&o, &o_before, sizeof o), 0);
    ck_assert_int_ne(metrics_beta_convergence(x, x, 3, 1, &b), METRICS_OK);
    ck_assert_int_eq(memcmp(&b, &b_before, sizeof b), 0);
    /* fails in the second group, after the first was described */
    const double w[] = {1, 1, 0};
    const double y[] = {1, 2, 3};
    ck_assert_int_ne(metrics_theil_decompose(y, w, group, 3, 2, METRICS_THEIL_T, &d, g),
                     METRICS_OK);
    ck_assert_double_eq(d.total, 1);
    ck_assert_double_eq(g[0].population_share, 1);
    ck_assert_uint_eq(g[1].n, 10);
}
END_TEST

START_TEST(test_errors_strerror)
{
    for (int a = METRICS_OK; a <= METRICS_E_NOMEM; a++) {
        const char *sa = metrics_strerror(a);
        ck_assert_ptr_nonnull(sa);
        ck_assert_uint_gt(strlen(sa), 0);
        for (int b = a + 1; b <= METRICS_E_NOMEM; b++)
            ck_assert_str_ne(sa, metrics_strerror(b));
    }
    ck_assert_str_eq(metrics_strerror(METRICS_E_NONPOSITIVE), "needs positive values");
    ck_assert_ptr_nonnull(metrics_strerror(999));
    ck_assert_ptr_nonnull(metrics_strerror(-1));
}
END_TEST

static void assert_finite_or_untouched(int rc, double v, const char *what)
{
    if (rc == METRICS_OK)
        ck_assert_msg(isfinite(v), "%s wrote %g", what, v);
    else
        ck_assert_msg(v == -7.0, "%s failed with %d but wrote %g", what, rc, v);
}

/* Fixed-seed random vectors over many magnitudes, with zeros, ties and extreme values: every
 * metric either succeeds with a finite value or fails and writes nothing. */
START_TEST(test_errors_outputs_always_finite)
{
    enum { N = 12 };
    static const double scales[] = {1e-300, 1e-10, 1, 1e5, 1e150, 1e300};
    static const double params[] = {-2, -0.5, 0, 0.5, 1, 1.5, 2, 3};
    uint64_t seed = 7;
    for (size_t round = 0; round < 300; round++) {
        double x[N], w[N], x2[N];
        size_t group[N];
        double scale = scales[round % N_OF(scales)];
        for (size_t i = 0; i < N; i++) {
            double u = uniform(&seed);
            x[i] = u < 0.1 ? 0 : scale * uniform(&seed) * 10;
            if (round % 7 == 3)
                x[i] -= scale * 3; /* some negatives */
            w[i] = uniform(&seed) < 0.1 ? 0 : uniform(&seed) * 1e3;
            x2[i] = scales[(size_t)(uniform(&seed) * N_OF(scales))] * (uniform(&seed) + 0.1);
            group[i] = i % 3;
        }
        const double *wt = round % 2 ? w : NULL;
        double v;
#define PROBE(call)                                                                                \
    do {                                                                                           \
        v = -7.0;                                                                                  \
        assert_finite_or_untouched((call), v, #call);                                              \
    } while (0)
        PROBE(metrics_mean(x, wt, N, &v));
        PROBE(metrics_cv(x, wt, N, 0, &v));
        PROBE(metrics_cv(x, NULL, N, 1, &v));
        PROBE(metrics_gini(x, wt, N, &v));
        PROBE(metrics_gini(x2, wt, N, &v));
        PROBE(metrics_theil_t(x, wt, N, &v));
        PROBE(metrics_theil_t(x2, wt, N, &v));
        PROBE(metrics_theil_l(x2, wt, N, &v));
        PROBE(metrics_range(x2, N, &v));
        PROBE(metrics_max_min_ratio(x2, N, &v));
        for (size_t p = 0; p < N_OF(params); p++) {
            PROBE(metrics_ge(x, wt, N, params[p], &v));
            PROBE(metrics_ge(x2, wt, N, params[p], &v));
            if (params[p] >= 0) {
                PROBE(metrics_atkinson(x, wt, N, params[p], &v));
                PROBE(metrics_atkinson(x2, wt, N, params[p], &v));
            }
        }
        PROBE(metrics_ratio(x2[0], x2[1], &v));
        PROBE(metrics_relative_gap(x2[0], x2[1], &v));
        PROBE(metrics_growth_pct(x2[0], x2[1], &v));
        PROBE(metrics_cagr(x2[0], x2[1], 0.5, &v));
        PROBE(metrics_cagr(x2[0], x2[1], 40, &v));
#undef PROBE
        struct metrics_decomposition d;
        struct metrics_group g[3];
        for (int kind = METRICS_THEIL_T; kind <= METRICS_THEIL_L; kind++) {
            const double *xs[] = {x, x2};
            for (size_t k = 0; k < 2; k++) {
                if (metrics_theil_decompose(xs[k], wt, group, N, 3, (enum metrics_theil_kind)kind,
                                            &d, g) != METRICS_OK)
                    continue;
                ck_assert(isfinite(d.total) && isfinite(d.between) && isfinite(d.within));
                for (size_t j = 0; j < 3; j++)
                    ck_assert(isfinite(g[j].index) && isfinite(g[j].mean) &&
                              isfinite(g[j].value_share) && isfinite(g[j].population_share));
            }
        }
        struct metrics_ols o;
        if (metrics_ols(x2, x, N, &o) == METRICS_OK)
            ck_assert(isfinite(o.slope) && isfinite(o.intercept) && isfinite(o.se_slope) &&
                      isfinite(o.se_intercept) && isfinite(o.r2));
        struct metrics_beta b;
        if (metrics_beta_convergence(x2, x, N, 25, &b) == METRICS_OK)
            ck_assert(isfinite(b.beta) && isfinite(b.alpha) && isfinite(b.se) && isfinite(b.r2) &&
                      isfinite(b.speed) && isfinite(b.half_life));
    }
}
END_TEST

/* ======================================================================================== */
/* one sample, several measures                                                             */

/* A deterministic sample of N values of shape KIND into X (and W when weighted). */
static void set_sample(uint64_t *seed, int kind, size_t n, double *x, double *w)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(*seed >> 11) / 9007199254740992.0;
        x[i] = 1000 + 50000 * u;
        w[i] = 0.5 + 100 * u * u;
        if (kind == 1 && i % 3 == 0)
            x[i] = 7777; /* ties, with different weights */
        if (kind == 2 && i == n / 2)
            x[i] = 0;
        if (kind == 3 && i == n / 3)
            x[i] = -5;
        if (kind == 4 && i == n - 1)
            x[i] = (i % 2) ? INFINITY : NAN;
        if (kind == 5)
            x[i] = 42; /* all equal */
        if (kind == 6)
            x[i] = (i % 2) ? 3 : -3; /* mean 0 for even n */
        if (kind == 7 && i == 0)
            w[i] = -1;
        if (kind == 8)
            w[i] = 0;
        if (kind == 9 && i == 1)
            x[i] = 1e308; /* sums overflow */
        if (kind == 10)
            x[i] = 1e-300 * (1 + u); /* powers that overflow */
        if (kind == 11)
            x[i] = (i % 3) ? 0.0 : -0.0; /* the range's sign of zero follows fmin's choice */
        if (kind == 12)
            x[i] = (i % 2) ? -0.0 : 0.0;
    }
}

/* Same code, and the same bits when OK. The calls come first: the order in which a function's
 * arguments are evaluated is unspecified. */
#define SAME(what, set_call, one_call)                                                             \
    do {                                                                                           \
        double a_ = -1, b_ = -2;                                                                   \
        int rs_ = (set_call), ro_ = (one_call);                                                    \
        ck_assert_msg(rs_ == ro_, "%s n=%zu kind=%d w=%d: set %d, one %d", what, n, kind,          \
                      weighted, rs_, ro_);                                                         \
        ck_assert_msg(ro_ != METRICS_OK || memcmp(&a_, &b_, sizeof b_) == 0,                       \
                      "%s n=%zu kind=%d w=%d: set %.17g, one %.17g", what, n, kind, weighted, a_,  \
                      b_);                                                                         \
    } while (0)

/* Every number of two decompositions bit for bit (their padding is not compared). */
static int same_decomposition(const struct metrics_decomposition *a,
                              const struct metrics_decomposition *b, const struct metrics_group *ga,
                              const struct metrics_group *gb, size_t ng)
{
    int same = memcmp(&a->total, &b->total, sizeof(double)) == 0 &&
               memcmp(&a->between, &b->between, sizeof(double)) == 0 &&
               memcmp(&a->within, &b->within, sizeof(double)) == 0 &&
               a->has_between_share == b->has_between_share &&
               memcmp(&a->between_share, &b->between_share, sizeof(double)) == 0;
    for (size_t k = 0; same && k < ng; k++)
        same = ga[k].n == gb[k].n &&
               memcmp(&ga[k].population_share, &gb[k].population_share, sizeof(double)) == 0 &&
               memcmp(&ga[k].value_share, &gb[k].value_share, sizeof(double)) == 0 &&
               memcmp(&ga[k].mean, &gb[k].mean, sizeof(double)) == 0 &&
               memcmp(&ga[k].index, &gb[k].index, sizeof(double)) == 0;
    return same;
}

/* A group's own index in a decomposition is the one-measure Theil of its members, bit for bit
 * (the decomposition takes it from the sums it has, without opening the group's sample). */
static void assert_group_index(const double *x, const double *w, const size_t *group, size_t n,
                               size_t g, enum metrics_theil_kind kind, double index)
{
    double gx[100], gw[100], want = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (group[i] == g) {
            gx[m] = x[i];
            gw[m++] = w ? w[i] : 1;
        }
    if (m >= 2)
        OK(kind == METRICS_THEIL_T ? metrics_theil_t(gx, w ? gw : NULL, m, &want)
                                   : metrics_theil_l(gx, w ? gw : NULL, m, &want));
    ck_assert_msg(memcmp(&index, &want, sizeof want) == 0, "group %zu of %zu: %.17g, want %.17g", g,
                  n, index, want);
}

/* Every measure of a metrics_set gives what its one-measure function gives on the same values:
 * the same error code and the same bits, for sizes around METRICS_SET_MAX, ties, zeros,
 * negatives, non-finite values, bad weights, a zero mean and overflows, with one set reopened
 * sample after sample (its sort order from the last sample must not leak into the next). */
START_TEST(test_set_equals_one_measure)
{
    static const size_t sizes[] = {0, 1, 2, 3, 5, 31, 31, 31, 64, 65, 100};
    static const double eps[] = {0, 0.25, 0.5, 1, 2, 20};
    double x[100], w[100];
    uint64_t seed = 17;
    struct metrics_set set = {0};
    for (size_t si = 0; si < N_OF(sizes); si++)
        for (int kind = 0; kind <= 12; kind++)
            for (int weighted = 0; weighted <= 1; weighted++) {
                size_t n = sizes[si];
                set_sample(&seed, kind, n, x, w);
                const double *wt = weighted ? w : NULL;
                metrics_set_open(&set, x, wt, n);
                SAME("mean", metrics_set_mean(&set, &a_), metrics_mean(x, wt, n, &b_));
                for (int sample = 0; sample <= 1; sample++)
                    SAME("cv", metrics_set_cv(&set, sample, &a_),
                         metrics_cv(x, wt, n, sample, &b_));
                SAME("gini", metrics_set_gini(&set, &a_), metrics_gini(x, wt, n, &b_));
                SAME("theil_t", metrics_set_theil_t(&set, &a_), metrics_theil_t(x, wt, n, &b_));
                SAME("theil_l", metrics_set_theil_l(&set, &a_), metrics_theil_l(x, wt, n, &b_));
                for (size_t e = 0; e < N_OF(eps); e++)
                    SAME("atkinson", metrics_set_atkinson(&set, eps[e], &a_),
                         metrics_atkinson(x, wt, n, eps[e], &b_));
                /* 4 groups of 3 values: one empty. T, L, then T and L of other groups of as many:
                 * the set's logs of its groups, kept from one kind for the other, must not
                 * serve other groups. */
                for (size_t ng = 1; ng <= 4; ng++)
                    for (int kind_t = 0; kind_t <= 3; kind_t++) {
                        size_t group[100];
                        struct metrics_decomposition da, db;
                        struct metrics_group ga[4], gb[4];
                        enum metrics_theil_kind k = kind_t % 2 ? METRICS_THEIL_L : METRICS_THEIL_T;
                        for (size_t i = 0; i < n; i++)
                            group[i] = kind_t < 2 ? (i * 7) % ng : (i * 5 + 1) % ng;
                        memset(ga, 0x5a, sizeof ga);
                        memset(gb, 0x5a, sizeof gb);
                        int ra = metrics_set_theil_decompose(&set, group, ng, k, &da, ga);
                        int rb = metrics_theil_decompose(x, wt, group, n, ng, k, &db, gb);
                        ck_assert_msg(ra == rb, "decompose n=%zu kind=%d w=%d ng=%zu: %d, %d", n,
                                      kind, weighted, ng, ra, rb);
                        ck_assert(ra != METRICS_OK || same_decomposition(&da, &db, ga, gb, ng));
                        for (size_t g = 0; ra == METRICS_OK && g < ng; g++)
                            assert_group_index(x, wt, group, n, g, k, ga[g].index);
                    }
                size_t lo = 0, hi = 0; /* the first strict minimum and maximum */
                for (size_t i = 1; i < n; i++) {
                    lo = x[i] < x[lo] ? i : lo;
                    hi = x[i] > x[hi] ? i : hi;
                }
                ck_assert_uint_eq(metrics_set_argmin(&set), lo);
                ck_assert_uint_eq(metrics_set_argmax(&set), hi);
                SAME("range", metrics_set_range(&set, &a_), metrics_range(x, n, &b_));
                SAME("max_min_ratio", metrics_set_max_min_ratio(&set, &a_),
                     metrics_max_min_ratio(x, n, &b_));
            }
}
END_TEST

/* Every number of two Dagum decompositions bit for bit (their padding is not compared). */
static int same_dagum(const struct metrics_dagum *a, const struct metrics_dagum *b,
                      const struct metrics_dagum_group *ga, const struct metrics_dagum_group *gb,
                      const struct metrics_dagum_pair *pa, const struct metrics_dagum_pair *pb,
                      size_t ng)
{
    const double da[] = {
        a->gini,    a->within,       a->net_between,       a->transvariation,
        a->between, a->share_within, a->share_net_between, a->share_transvariation};
    const double db[] = {
        b->gini,    b->within,       b->net_between,       b->transvariation,
        b->between, b->share_within, b->share_net_between, b->share_transvariation};
    int same = a->has_shares == b->has_shares && memcmp(da, db, sizeof da) == 0;
    for (size_t k = 0; same && k < ng; k++)
        same = ga[k].n == gb[k].n && memcmp(&ga[k].mean, &gb[k].mean, sizeof(double)) == 0 &&
               memcmp(&ga[k].population_share, &gb[k].population_share, sizeof(double)) == 0 &&
               memcmp(&ga[k].income_share, &gb[k].income_share, sizeof(double)) == 0 &&
               memcmp(&ga[k].gini, &gb[k].gini, sizeof(double)) == 0;
    for (size_t k = 0; same && k < metrics_dagum_npairs(ng); k++)
        same = pa[k].a == pb[k].a && pa[k].b == pb[k].b &&
               memcmp(&pa[k].gini, &pb[k].gini, sizeof(double)) == 0 &&
               memcmp(&pa[k].relative_affluence, &pb[k].relative_affluence, sizeof(double)) == 0 &&
               memcmp(&pa[k].net_between, &pb[k].net_between, sizeof(double)) == 0 &&
               memcmp(&pa[k].transvariation, &pb[k].transvariation, sizeof(double)) == 0;
    return same;
}

/* The Dagum decomposition of a set (the units in the order its Gini sorted them, or sorts
 * them) gives what metrics_dagum_decompose gives on the same values: the same code and bits,
 * for ties with different weights (their order changes the sweep's rounding), zeros,
 * negatives, non-finite values, bad weights, overflows, up to 20 groups (past the stack
 * scratch of 16), before and after the set's Gini, with one set reopened sample after sample. */
START_TEST(test_set_dagum_equals_one)
{
    static const size_t sizes[] = {0, 1, 2, 3, 5, 31, 31, 31, 64, 65, 100};
    static const size_t ngs[] = {1, 2, 4, 20};
    double x[100], w[100];
    uint64_t seed = 29;
    struct metrics_set set = {0};
    for (size_t si = 0; si < N_OF(sizes); si++)
        for (int kind = 0; kind <= 12; kind++)
            for (int weighted = 0; weighted <= 1; weighted++)
                for (int gini_first = 0; gini_first <= 1; gini_first++) {
                    size_t n = sizes[si];
                    set_sample(&seed, kind, n, x, w);
                    const double *wt = weighted ? w : NULL;
                    metrics_set_open(&set, x, wt, n);
                    double g;
                    if (gini_first)
                        (void)!metrics_set_gini(&set, &g);
                    for (size_t gi = 0; gi < N_OF(ngs); gi++) {
                        size_t ng = ngs[gi], group[100];
                        struct metrics_dagum da, db;
                        struct metrics_dagum_group ga[20], gb[20];
                        struct metrics_dagum_pair pa[190], pb[190];
                        for (size_t i = 0; i < n; i++)
                            group[i] = (i * 7) % ng;
                        memset(ga, 0x5a, sizeof ga);
                        memset(gb, 0x5a, sizeof gb);
                        memset(pa, 0x5a, sizeof pa);
                        memset(pb, 0x5a, sizeof pb);
                        int ra = metrics_set_dagum_decompose(&set, group, ng, &da, ga, pa);
                        int rb = metrics_dagum_decompose(x, wt, group, n, ng, &db, gb, pb);
                        ck_assert_msg(ra == rb, "dagum n=%zu kind=%d w=%d ng=%zu: %d, %d", n, kind,
                                      weighted, ng, ra, rb);
                        ck_assert_msg(ra != METRICS_OK || same_dagum(&da, &db, ga, gb, pa, pb, ng),
                                      "dagum n=%zu kind=%d w=%d ng=%zu: other bits", n, kind,
                                      weighted, ng);
                    }
                }
}
END_TEST

/* The Gini of a set reopened on the same values in another order is the Gini of those values
 * sorted afresh: the order kept from the last sample is only where the sort starts. Reversed
 * values are the sort's worst start. Against the O(n^2) definition, sum_ij |x_i - x_j| /
 * (2 n^2 mu). */
START_TEST(test_set_gini_reopened_reversed)
{
    double up[31], down[31], g_up, g_down;
    struct metrics_set set = {0};
    for (size_t i = 0; i < 31; i++) {
        up[i] = (double)((i * 7) % 31) + 1;
        down[30 - i] = up[i];
    }
    double num = 0, sum = 0;
    for (size_t i = 0; i < 31; i++) {
        sum += up[i];
        for (size_t j = 0; j < 31; j++)
            num += fabs(up[i] - up[j]);
    }
    metrics_set_open(&set, up, NULL, 31);
    OK(metrics_set_gini(&set, &g_up));
    metrics_set_open(&set, down, NULL, 31);
    OK(metrics_set_gini(&set, &g_down));
    ASSERT_REL(g_up, num / (2 * 31.0 * 31.0 * (sum / 31)), 1e-14);
    ck_assert_double_eq(g_up, g_down);
}
END_TEST

/* Without weights the Gini's cumulative weight i + 1 is taken as a number, not summed: the
 * same bits as with explicit weights of 1 (whose compensated sum is exact), for the set and the
 * one-measure function, with ties, zeros and sizes on both sides of METRICS_SET_MAX. */
START_TEST(test_gini_unweighted_equals_unit_weights)
{
    static const size_t sizes[] = {2, 3, 5, 31, 64, 65, 100};
    double x[100], w[100], ones[100];
    uint64_t seed = 5;
    struct metrics_set set = {0};
    for (size_t i = 0; i < 100; i++)
        ones[i] = 1;
    for (size_t si = 0; si < N_OF(sizes); si++)
        for (int kind = 0; kind <= 2; kind++) {
            size_t n = sizes[si];
            int weighted = 0;
            set_sample(&seed, kind, n, x, w);
            metrics_set_open(&set, x, NULL, n);
            SAME("gini (set)", metrics_set_gini(&set, &a_), metrics_gini(x, ones, n, &b_));
            SAME("gini", metrics_gini(x, NULL, n, &a_), metrics_gini(x, ones, n, &b_));
        }
}
END_TEST

/* Theil L of the 31 provinces' per-capita GDP in 2005 (data/, in the order of regions.csv)
 * against mpmath at 60 digits from the same doubles: 0.15515419879298265156. Written as
 * -(1/W) sum w_i ln(x_i / mu), with the logs Theil T and Atkinson share, it is within one ulp
 * (0.15515419879298267); the earlier sum of ln(mu / x_i) gave 0.1551541987929827, 1.7 ulps off.
 * Over 242 panels of seven indicators (weighted and not) the two forms were equally close to
 * mpmath (mean 177 against 181 ulps: the sum cancels), the new one closer in 106, the old in 89. */
START_TEST(test_theil_l_provinces_mpmath)
{
    static const double x[] = {46488, 30284, 12806, 12159, 14664, 17202, 10223, 12451,
                               48662, 23882, 26104, 9274,  18036, 9142,  17244, 10921,
                               11330, 10069, 23888, 8030,  10687, 12325, 8763,  5201,
                               7860,  8682,  10345, 7327,  9197,  9730,  12540};
    double l;
    OK(metrics_theil_l(x, NULL, N_OF(x), &l));
    ASSERT_REL(l, 0.15515419879298265156, 2e-16);
}
END_TEST

/* between_share = between / total, and none when total is 0 (every value equal): the x = {1, 3,
 * 4} case of test_decomposition_single_member_group, between = (1/2) ln(9/8) and total its T by
 * the definition. */
START_TEST(test_decomposition_between_share)
{
    const double x[] = {1, 3, 4}, equal[] = {2, 2, 2};
    const size_t group[] = {0, 0, 1};
    struct metrics_decomposition d;
    double mu = 8.0 / 3.0, t = 0;
    for (size_t i = 0; i < 3; i++)
        t += (x[i] / mu) * log(x[i] / mu) / 3;
    OK(metrics_theil_decompose(x, NULL, group, 3, 2, METRICS_THEIL_T, &d, NULL));
    ck_assert_int_eq(d.has_between_share, 1);
    ASSERT_REL(d.between_share, 0.5 * log(9.0 / 8.0) / t, 1e-13);
    OK(metrics_theil_decompose(equal, NULL, group, 3, 2, METRICS_THEIL_L, &d, NULL));
    ck_assert_int_eq(d.has_between_share, 0);
}
END_TEST

/* ======================================================================================== */

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc;

    tc = tcase_create("pairwise");
    tcase_add_test(tc, test_pairwise_ratio_and_multiple);
    tcase_add_test(tc, test_pairwise_difference_and_pp_change);
    tcase_add_test(tc, test_pairwise_relative_gap);
    tcase_add_test(tc, test_pairwise_growth_pct);
    tcase_add_test(tc, test_pairwise_cagr);
    suite_add_tcase(s, tc);

    tc = tcase_create("dispersion");
    tcase_add_test(tc, test_dispersion_mean);
    tcase_add_test(tc, test_dispersion_mean_is_compensated);
    tcase_add_test(tc, test_dispersion_cv_scipy);
    tcase_add_test(tc, test_dispersion_cv_weighted_ineqpy);
    tcase_add_test(tc, test_dispersion_cv_julia_and_weight_scale);
    tcase_add_test(tc, test_dispersion_range_and_ratio);
    suite_add_tcase(s, tc);

    tc = tcase_create("gini");
    tcase_add_test(tc, test_gini_ineq_example);
    tcase_add_test(tc, test_gini_julia);
    tcase_add_test(tc, test_gini_integer_weights_repeat_values);
    tcase_add_test(tc, test_gini_pysal_mexico_1940);
    tcase_add_test(tc, test_gini_lasym_without_correction);
    tcase_add_test(tc, test_gini_matches_double_loop);
    tcase_add_test(tc, test_gini_small_n_matches_double_loop);
    tcase_add_test(tc, test_unweighted_equals_unit_weights_exactly);
    tcase_add_test(tc, test_gini_extremes);
    suite_add_tcase(s, tc);

    tc = tcase_create("theil");
    tcase_add_test(tc, test_theil_t_julia);
    tcase_add_test(tc, test_theil_t_pysal_mexico);
    tcase_add_test(tc, test_theil_t_zero_value);
    tcase_add_test(tc, test_theil_l_julia);
    tcase_add_test(tc, test_theil_ge2_julia);
    tcase_add_test(tc, test_theil_ge_delegates_at_0_and_1);
    tcase_add_test(tc, test_theil_ge_negative_alpha);
    tcase_add_test(tc, test_theil_ge_near_0_and_1);
    suite_add_tcase(s, tc);

    tc = tcase_create("atkinson");
    tcase_add_test(tc, test_atkinson_ineq_half);
    tcase_add_test(tc, test_atkinson_julia_v5);
    tcase_add_test(tc, test_atkinson_julia_docstrings);
    tcase_add_test(tc, test_atkinson_pysal);
    tcase_add_test(tc, test_atkinson_hand);
    tcase_add_test(tc, test_atkinson_near_1);
    tcase_add_test(tc, test_atkinson_large_aversion_does_not_overflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("decomposition");
    tcase_add_test(tc, test_decomposition_pysal_mexico_hanson98);
    tcase_add_test(tc, test_decomposition_theil_l_identity);
    tcase_add_test(tc, test_decomposition_single_member_group);
    tcase_add_test(tc, test_decomposition_weighted_equals_repeated);
    suite_add_tcase(s, tc);

    tc = tcase_create("set");
    tcase_add_test(tc, test_set_equals_one_measure);
    tcase_add_test(tc, test_set_gini_reopened_reversed);
    tcase_add_test(tc, test_gini_unweighted_equals_unit_weights);
    tcase_add_test(tc, test_set_dagum_equals_one);
    tcase_add_test(tc, test_decomposition_between_share);
    tcase_add_test(tc, test_theil_l_provinces_mpmath);
    suite_add_tcase(s, tc);

    tc = tcase_create("ols");
    tcase_add_test(tc, test_ols_women);
    tcase_add_test(tc, test_ols_how_to_data);
    tcase_add_test(tc, test_ols_cars);
    tcase_add_test(tc, test_ols_small_cases);
    tcase_add_test(tc, test_ols_sigma_convergence);
    suite_add_tcase(s, tc);

    tc = tcase_create("convergence");
    tcase_add_test(tc, test_convergence_constructed_converging);
    tcase_add_test(tc, test_convergence_overshoot_has_no_speed);
    tcase_add_test(tc, test_convergence_diverging);
    tcase_add_test(tc, test_convergence_t_and_p_as_r);
    tcase_add_test(tc, test_convergence_hand_with_residuals);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_errors_too_few);
    tcase_add_test(tc, test_errors_nonpositive);
    tcase_add_test(tc, test_errors_zero);
    tcase_add_test(tc, test_errors_weights);
    tcase_add_test(tc, test_errors_domain);
    tcase_add_test(tc, test_errors_degenerate);
    tcase_add_test(tc, test_errors_decomposition_groups);
    tcase_add_test(tc, test_errors_leave_output_alone);
    tcase_add_test(tc, test_errors_strerror);
    tcase_add_test(tc, test_errors_outputs_always_finite);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
