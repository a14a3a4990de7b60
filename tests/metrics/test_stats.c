/* tests/metrics/test_stats.c — the distribution functions against R's pnorm, pchisq and pt
 * (references/stats-expected.h, made by references/stats-make.R), plus identities worked by
 * hand: chi-square with 2 dof is exp(-x/2), t with 1 dof is Cauchy, t^2 with df is F(1, df). */
#include <check.h>
#include <math.h>

#include "metrics/stats.h"
#include "testutil.h"
#include "references/stats-expected.h"
#include "metrics_assert.h"

START_TEST(test_stats_normal_matches_r)
{
    for (size_t i = 0; i < N_OF(ref_norm_x); i++) {
        double lo, up;
        OK(stats_normal_cdf(ref_norm_x[i], &lo));
        OK(stats_normal_upper(ref_norm_x[i], &up));
        ASSERT_REL(lo, ref_norm_cdf[i], 1e-13);
        ASSERT_REL(up, ref_norm_upper[i], 1e-13);
    }
}
END_TEST

START_TEST(test_stats_chisq_matches_r)
{
    for (size_t i = 0; i < N_OF(ref_chisq); i++) {
        double p;
        OK(stats_chisq_upper(ref_chisq[i][0], ref_chisq[i][1], &p));
        ASSERT_REL(p, ref_chisq[i][2], 1e-12);
    }
}
END_TEST

START_TEST(test_stats_t_matches_r)
{
    for (size_t i = 0; i < N_OF(ref_t); i++) {
        double p;
        OK(stats_t_two_sided(ref_t[i][0], ref_t[i][1], &p));
        ASSERT_REL(p, ref_t[i][2], 1e-12);
    }
}
END_TEST

START_TEST(test_stats_closed_forms)
{
    double p;
    /* chi-square, 2 dof: P(X > x) = exp(-x / 2) */
    for (double x = 0.25; x < 300; x *= 1.7) {
        OK(stats_chisq_upper(x, 2, &p));
        ASSERT_REL(p, exp(-x / 2), 1e-13);
    }
    /* t, 1 dof (Cauchy): P(|T| >= t) = 1 - 2 atan(t) / pi = 2 atan(1 / t) / pi */
    for (double t = 0.1; t < 1e4; t *= 2.3) {
        OK(stats_t_two_sided(t, 1, &p));
        ASSERT_REL(p, 2 * atan(1 / t) / M_PI, 1e-13);
    }
    /* t, 2 dof: P(|T| >= t) = 1 - t / sqrt(2 + t^2) = 2 / (sqrt(2 + t^2) (sqrt(2 + t^2) + t)) */
    for (double t = 0.1; t < 1e3; t *= 2.3) {
        double s = sqrt(2 + t * t);
        OK(stats_t_two_sided(t, 2, &p));
        ASSERT_REL(p, 2 / (s * (s + t)), 1e-13);
    }
    OK(stats_chisq_upper(0, 3, &p));
    ck_assert(p == 1);
    OK(stats_chisq_upper(-1, 3, &p));
    ck_assert(p == 1);
    OK(stats_t_two_sided(0, 7, &p));
    ASSERT_REL(p, 1, 1e-15);
    OK(stats_beta_i(2, 3, 0, &p));
    ck_assert(p == 0);
    OK(stats_beta_i(2, 3, 1, &p));
    ck_assert(p == 1);
    /* I_x(1, 1) = x; I_x(2, 1) = x^2 */
    OK(stats_beta_i(1, 1, 0.3, &p));
    ASSERT_REL(p, 0.3, 1e-14);
    OK(stats_beta_i(2, 1, 0.3, &p));
    ASSERT_REL(p, 0.09, 1e-14);
    /* Q(1, x) = exp(-x) */
    OK(stats_gamma_q(1, 0.5, &p));
    ASSERT_REL(p, exp(-0.5), 1e-14);
}
END_TEST

START_TEST(test_stats_rejects_bad_arguments)
{
    double p = 42;
    ck_assert_int_eq(stats_normal_cdf(NAN, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_normal_upper(INFINITY, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_chisq_upper(1, 0, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_chisq_upper(NAN, 2, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_t_two_sided(1, -1, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_t_two_sided(INFINITY, 3, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_gamma_q(0, 1, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_gamma_q(1, -1, &p), METRICS_E_DOMAIN);
    ck_assert_int_eq(stats_beta_i(1, 1, 1.5, &p), METRICS_E_DOMAIN);
    ck_assert(p == 42);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("distributions");
    tcase_add_test(tc, test_stats_normal_matches_r);
    tcase_add_test(tc, test_stats_chisq_matches_r);
    tcase_add_test(tc, test_stats_t_matches_r);
    tcase_add_test(tc, test_stats_closed_forms);
    tcase_add_test(tc, test_stats_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
