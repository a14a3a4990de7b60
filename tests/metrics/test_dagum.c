/* tests/metrics/test_dagum.c — Dagum Gini decomposition against exact reference vectors
 * (tests/metrics/references/gen_dagum.py, cross-checked with a peer R implementation: see
 * references/README.md). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/dagum.h"
#include "references/dagum_ref.h"
#include "metrics_assert.h"

#define ERR(call, code) ck_assert_int_eq((call), (code))

/* |got - want| <= 1e-10 |want|; a reference 0 must come back as 0 within 1e-14. */
static void assert_rel(const char *what, size_t i, double got, double want)
{
    double tol = want == 0 ? 1e-14 : 1e-10 * fabs(want);
    ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s[%zu] = %.17g, want %.17g", what, i,
                  got, want);
}

struct ref_case {
    const char *name;
    const double *x, *w;
    const size_t *group;
    size_t n, k;
    const double *total, *shares;
    const struct ref_group *groups;
    const struct ref_pair *pairs;
};

#define REF_CASE(id, NAME, weights)                                                                \
    ((struct ref_case){#id, id##_x, weights, id##_group, NAME##_N, NAME##_K, id##_total,           \
                       id##_shares, id##_groups, id##_pairs})

static void check_case(struct ref_case c)
{
    struct metrics_dagum d;
    struct metrics_dagum_group g[8];
    struct metrics_dagum_pair p[28];
    ck_assert_uint_le(c.k, 8);
    memset(p, 0xff, sizeof p);
    OK(metrics_dagum_decompose(c.x, c.w, c.group, c.n, c.k, &d, g, p));
    assert_rel("gini", 0, d.gini, c.total[0]);
    assert_rel("within", 0, d.within, c.total[1]);
    assert_rel("net_between", 0, d.net_between, c.total[2]);
    assert_rel("transvariation", 0, d.transvariation, c.total[3]);
    assert_rel("between", 0, d.between, c.total[4]);
    ck_assert_int_eq(d.has_shares, 1);
    assert_rel("share_within", 0, d.share_within, c.shares[0]);
    assert_rel("share_net_between", 0, d.share_net_between, c.shares[1]);
    assert_rel("share_transvariation", 0, d.share_transvariation, c.shares[2]);
    for (size_t j = 0; j < c.k; j++) {
        ck_assert_uint_eq(g[j].n, c.groups[j].n);
        assert_rel("group.mean", j, g[j].mean, c.groups[j].mean);
        assert_rel("group.population_share", j, g[j].population_share,
                   c.groups[j].population_share);
        assert_rel("group.income_share", j, g[j].income_share, c.groups[j].income_share);
        assert_rel("group.gini", j, g[j].gini, c.groups[j].gini);
    }
    for (size_t i = 0; i < metrics_dagum_npairs(c.k); i++) {
        ck_assert_msg(p[i].a == c.pairs[i].a && p[i].b == c.pairs[i].b,
                      "%s pair %zu: groups (%zu, %zu), want (%zu, %zu): the richer first", c.name,
                      i, p[i].a, p[i].b, c.pairs[i].a, c.pairs[i].b);
        assert_rel("pair.gini", i, p[i].gini, c.pairs[i].gini);
        assert_rel("pair.relative_affluence", i, p[i].relative_affluence,
                   c.pairs[i].relative_affluence);
        assert_rel("pair.net_between", i, p[i].net_between, c.pairs[i].net_between);
        assert_rel("pair.transvariation", i, p[i].transvariation, c.pairs[i].transvariation);
    }
}

/* Group 0 is the poorest: index order and wealth order disagree for two of the three pairs. A
 * signed D in index order still satisfies G = Gw + Gnb + Gt, so only the per-pair values and
 * the total Gnb catch it. */
START_TEST(test_dagum_richer_group_first)
{
    check_case(REF_CASE(small, SMALL, NULL));
}
END_TEST

START_TEST(test_dagum_population_weighted)
{
    check_case(REF_CASE(small_w, SMALL, small_w_w));
}
END_TEST

/* Groups 0 and 1 have equal means (D = 0, all transvariation); group 2 has one member. */
START_TEST(test_dagum_equal_means_and_singletons)
{
    check_case(REF_CASE(ties, TIES, NULL));
}
END_TEST

/* The 31 provinces' GDP per capita by macro-region (east, central, west, northeast), every
 * region weight 1 and population-weighted; in 2005 the northeast is richer than central and
 * west, which come before it in index order. */
START_TEST(test_dagum_provinces)
{
    check_case(REF_CASE(prov2005, PROV2005, NULL));
    check_case(REF_CASE(prov2005_w, PROV2005, prov2005_w_w));
    check_case(REF_CASE(prov2019, PROV2019, NULL));
    check_case(REF_CASE(prov2019_w, PROV2019, prov2019_w_w));
}
END_TEST

/* The total is metrics_gini's Gini, weighted or not. */
START_TEST(test_dagum_total_is_metrics_gini)
{
    struct metrics_dagum d;
    double g;
    OK(metrics_dagum_decompose(prov2019_x, prov2019_w_w, prov2019_group, PROV2019_N, PROV2019_K, &d,
                               NULL, NULL));
    OK(metrics_gini(prov2019_x, prov2019_w_w, PROV2019_N, &g));
    assert_rel("gini", 0, d.gini, g);
    OK(metrics_dagum_decompose(prov2019_x, NULL, prov2019_group, PROV2019_N, PROV2019_K, &d, NULL,
                               NULL));
    OK(metrics_gini(prov2019_x, NULL, PROV2019_N, &g));
    assert_rel("gini", 0, d.gini, g);
}
END_TEST

/* Renaming the groups (k-1-j) renames the answer: the same pairs, D always >= 0. */
START_TEST(test_dagum_relabelling)
{
    size_t rev[PROV2005_N];
    for (size_t i = 0; i < PROV2005_N; i++)
        rev[i] = PROV2005_K - 1 - prov2005_group[i];
    struct metrics_dagum d, e;
    struct metrics_dagum_pair p[6], q[6];
    OK(metrics_dagum_decompose(prov2005_x, NULL, prov2005_group, PROV2005_N, PROV2005_K, &d, NULL,
                               p));
    OK(metrics_dagum_decompose(prov2005_x, NULL, rev, PROV2005_N, PROV2005_K, &e, NULL, q));
    assert_rel("net_between", 0, e.net_between, d.net_between);
    assert_rel("transvariation", 0, e.transvariation, d.transvariation);
    for (size_t i = 0; i < 6; i++) {
        int found = 0;
        for (size_t m = 0; m < 6; m++)
            if (q[m].a == PROV2005_K - 1 - p[i].a && q[m].b == PROV2005_K - 1 - p[i].b) {
                assert_rel("relative_affluence", i, q[m].relative_affluence,
                           p[i].relative_affluence);
                found = 1;
            }
        ck_assert_msg(found, "pair %zu lost its order after relabelling", i);
        ck_assert(p[i].relative_affluence >= 0);
    }
}
END_TEST

/* Beyond the stack scratch (n > 256, k > 16): against the n^2 double sums written out here. */
START_TEST(test_dagum_large_input_brute_force)
{
    enum { N = 700, K = 20 };
    static double x[N], w[N];
    static size_t grp[N];
    unsigned s = 12345;
    for (size_t i = 0; i < N; i++) {
        s = s * 1103515245u + 12345u;
        grp[i] = i % K;
        x[i] = 1000 + (double)(s % 100000) / 7 + 300.0 * (double)(i % K);
        w[i] = 1 + (double)((s >> 8) % 50);
    }
    static struct metrics_dagum_group g[K];
    static struct metrics_dagum_pair p[K * (K - 1) / 2];
    struct metrics_dagum d;
    OK(metrics_dagum_decompose(x, w, grp, N, K, &d, g, p));

    double W = 0, V = 0, all = 0, wg[K] = {0}, vg[K] = {0};
    for (size_t i = 0; i < N; i++) {
        W += w[i];
        V += w[i] * x[i];
        wg[grp[i]] += w[i];
        vg[grp[i]] += w[i] * x[i];
        for (size_t r = 0; r < N; r++)
            all += w[i] * w[r] * fabs(x[i] - x[r]);
    }
    assert_rel("gini", 0, d.gini, all / (2 * W * W * (V / W)));
    size_t m = 0;
    double gnb = 0;
    for (size_t j = 0; j < K; j++)
        for (size_t h = j + 1; h < K; h++, m++) {
            double sum = 0, pos = 0, neg = 0;
            for (size_t i = 0; i < N; i++)
                for (size_t r = 0; r < N; r++)
                    if (grp[i] == j && grp[r] == h) {
                        double diff = w[i] * w[r] * (x[i] - x[r]);
                        sum += fabs(diff);
                        if (diff > 0)
                            pos += diff;
                        else
                            neg -= diff;
                    }
            double mj = vg[j] / wg[j], mh = vg[h] / wg[h];
            double dd = mj > mh ? (pos - neg) / (pos + neg) : (neg - pos) / (pos + neg);
            double gjh = sum / (wg[j] * wg[h] * (mj + mh));
            double pw = wg[j] / W * vg[h] / V + wg[h] / W * vg[j] / V;
            assert_rel("pair.gini", m, p[m].gini, gjh);
            assert_rel("pair.relative_affluence", m, p[m].relative_affluence, dd);
            ck_assert_uint_eq(p[m].a, mj >= mh ? j : h);
            gnb += gjh * pw * dd;
        }
    assert_rel("net_between", 0, d.net_between, gnb);
    ck_assert_double_eq_tol(d.within + d.net_between + d.transvariation, d.gini, 1e-12);
}
END_TEST

START_TEST(test_dagum_all_equal_has_no_shares)
{
    double x[] = {5, 5, 5, 5};
    size_t grp[] = {0, 1, 0, 1};
    struct metrics_dagum d;
    struct metrics_dagum_pair p[1];
    OK(metrics_dagum_decompose(x, NULL, grp, 4, 2, &d, NULL, p));
    ck_assert(d.gini == 0 && d.within == 0 && d.net_between == 0 && d.transvariation == 0);
    ck_assert_int_eq(d.has_shares, 0);
    ck_assert(d.share_within == 0 && d.share_net_between == 0 && d.share_transvariation == 0);
    ck_assert(p[0].relative_affluence == 0 && p[0].gini == 0);
}
END_TEST

START_TEST(test_dagum_errors)
{
    double x[] = {1, 2, 3, 4}, neg[] = {1, -2, 3, 4}, zero[] = {0, 0, 3, 4};
    double nan_x[] = {1, NAN, 3, 4}, w0[] = {0, 0, 1, 1}, wneg[] = {1, -1, 1, 1};
    size_t grp[] = {0, 0, 1, 1}, bad[] = {0, 0, 1, 2};
    struct metrics_dagum d = {.gini = 42};
    ERR(metrics_dagum_decompose(x, NULL, grp, 1, 1, &d, NULL, NULL), METRICS_E_TOO_FEW);
    ERR(metrics_dagum_decompose(x, NULL, grp, 4, 3, &d, NULL, NULL), METRICS_E_TOO_FEW);
    ERR(metrics_dagum_decompose(x, NULL, bad, 4, 2, &d, NULL, NULL), METRICS_E_DOMAIN);
    ERR(metrics_dagum_decompose(x, NULL, grp, 4, 0, &d, NULL, NULL), METRICS_E_DOMAIN);
    ERR(metrics_dagum_decompose(neg, NULL, grp, 4, 2, &d, NULL, NULL), METRICS_E_NONPOSITIVE);
    ERR(metrics_dagum_decompose(nan_x, NULL, grp, 4, 2, &d, NULL, NULL), METRICS_E_DOMAIN);
    ERR(metrics_dagum_decompose(zero, NULL, grp, 4, 2, &d, NULL, NULL), METRICS_E_ZERO);
    ERR(metrics_dagum_decompose(x, w0, grp, 4, 2, &d, NULL, NULL), METRICS_E_WEIGHTS);
    ERR(metrics_dagum_decompose(x, wneg, grp, 4, 2, &d, NULL, NULL), METRICS_E_WEIGHTS);
    ERR(metrics_dagum_decompose(NULL, NULL, grp, 4, 2, &d, NULL, NULL), METRICS_E_DOMAIN);
    ERR(metrics_dagum_decompose(x, NULL, grp, 4, 2, NULL, NULL, NULL), METRICS_E_DOMAIN);
    ck_assert(d.gini == 42); /* untouched on error */
    ck_assert_uint_eq(metrics_dagum_npairs(0), 0);
    ck_assert_uint_eq(metrics_dagum_npairs(1), 0);
    ck_assert_uint_eq(metrics_dagum_npairs(4), 6);
}
END_TEST

static Suite *dagum_suite(void)
{
    Suite *s = suite_create("dagum");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_dagum_richer_group_first);
    tcase_add_test(tc, test_dagum_population_weighted);
    tcase_add_test(tc, test_dagum_equal_means_and_singletons);
    tcase_add_test(tc, test_dagum_provinces);
    tcase_add_test(tc, test_dagum_total_is_metrics_gini);
    tcase_add_test(tc, test_dagum_relabelling);
    tcase_add_test(tc, test_dagum_large_input_brute_force);
    tcase_add_test(tc, test_dagum_all_equal_has_no_shares);
    tcase_add_test(tc, test_dagum_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dagum_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
