/* tests/metrics/test_composite.c — composite index against published entropy / TOPSIS results
 * (as pyrepo-mcda's tests assert them) and an independent Python computation
 * (tests/metrics/references/gen_composite.py; how in references/README.md). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/composite.h"
#include "references/composite_ref.h"
#include "metrics_assert.h"

#define ERR(call, code) ck_assert_int_eq((call), (code))

static void assert_rel(const char *what, size_t i, double got, double want)
{
    double tol = want == 0 ? 1e-14 : 1e-10 * fabs(want);
    ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s[%zu] = %.17g, want %.17g", what, i,
                  got, want);
}

/* Published figures carry 2 to 4 decimals: half a unit of the last one. */
static void assert_printed(const char *what, size_t i, double got, double want, double half_unit)
{
    ck_assert_msg(fabs(got - want) <= half_unit, "%s[%zu] = %.17g, published %.4f", what, i, got,
                  want);
}

/* Entropy weights of the raw matrix (p = x / sum x), as the three papers do. */
static void check_entropy(const char *name, const double *x, size_t rows, size_t cols,
                          const double *entropy, const double *weights, const double *published,
                          double half_unit)
{
    struct metrics_index_indicator ind[8] = {{0}};
    double w[8];
    ck_assert_uint_le(cols, 8);
    OK(metrics_index_entropy(x, rows, cols, ind));
    OK(metrics_index_weights(ind, cols, METRICS_INDEX_ENTROPY, NULL, w));
    for (size_t c = 0; c < cols; c++) {
        assert_rel("entropy", c, ind[c].entropy, entropy[c]);
        assert_rel("weight", c, w[c], weights[c]);
        assert_printed(name, c, w[c], published[c], half_unit);
    }
}

/* Xu (2004), Zavadskas & Podvezko (2016), Ersoy (2021). */
START_TEST(test_entropy_weights_published)
{
    check_entropy("xu2004", xu_x, XU_ROWS, XU_COLS, xu_entropy, xu_weights, xu_published_weights,
                  5e-5);
    check_entropy("zp2016", zp_x, ZP_ROWS, ZP_COLS, zp_entropy, zp_weights, zp_published_weights,
                  5e-5);
    check_entropy("ersoy2021", ersoy_x, ERSOY_ROWS, ERSOY_COLS, ersoy_entropy, ersoy_weights,
                  ersoy_published_weights, 5e-4);
}
END_TEST

/* Ersoy (2021) TOPSIS on the vector-normalised matrix with the paper's weights (pyrepo-mcda
 * asserts 2 decimals); D+, D-, closeness and ranks to 1e-10 against the Python computation. */
START_TEST(test_topsis_published)
{
    double cl[ERSOY_ROWS], dp[ERSOY_ROWS], dm[ERSOY_ROWS];
    size_t rank[ERSOY_ROWS];
    OK(metrics_topsis(ersoy_vector_z, ERSOY_ROWS, ERSOY_COLS, ersoy_topsis_weights, cl, dp, dm));
    OK(metrics_index_rank(cl, ERSOY_ROWS, rank));
    for (size_t r = 0; r < ERSOY_ROWS; r++) {
        assert_printed("ersoy topsis", r, cl[r], ersoy_published_topsis[r], 5e-3);
        assert_rel("topsis", r, cl[r], ersoy_topsis[r]);
        assert_rel("dplus", r, dp[r], ersoy_topsis_dplus[r]);
        assert_rel("dminus", r, dm[r], ersoy_topsis_dminus[r]);
        ck_assert_uint_eq(rank[r], ersoy_topsis_rank[r]);
    }
}
END_TEST

/* The whole chain on 62 province-years (2005 and 2019 pooled): a cost indicator, and a constant
 * one that must get weight 0 and its flag. */
START_TEST(test_index_panel_chain)
{
    static double z[PANEL_ROWS * PANEL_COLS], score[PANEL_ROWS], cl[PANEL_ROWS];
    static size_t rank[PANEL_ROWS], trank[PANEL_ROWS];
    struct metrics_index_indicator ind[PANEL_COLS];
    double w[PANEL_COLS];
    OK(metrics_index_normalise(panel_x, PANEL_ROWS, PANEL_COLS, panel_direction, z, ind));
    for (size_t c = 0; c < PANEL_COLS; c++) {
        assert_rel("min", c, ind[c].min, panel_min[c]);
        assert_rel("max", c, ind[c].max, panel_max[c]);
        ck_assert_int_eq(ind[c].constant, panel_constant[c]);
    }
    for (size_t i = 0; i < PANEL_ROWS * PANEL_COLS; i++)
        assert_rel("z", i, z[i], panel_z[i]);
    OK(metrics_index_entropy(z, PANEL_ROWS, PANEL_COLS, ind));
    OK(metrics_index_weights(ind, PANEL_COLS, METRICS_INDEX_ENTROPY, NULL, w));
    for (size_t c = 0; c < PANEL_COLS; c++) {
        assert_rel("entropy", c, ind[c].entropy, panel_entropy[c]);
        assert_rel("weight", c, w[c], panel_weights[c]);
    }
    ck_assert(w[3] == 0 && ind[3].constant);
    OK(metrics_index_scores(z, PANEL_ROWS, PANEL_COLS, w, score));
    OK(metrics_index_rank(score, PANEL_ROWS, rank));
    OK(metrics_topsis(z, PANEL_ROWS, PANEL_COLS, w, cl, NULL, NULL));
    OK(metrics_index_rank(cl, PANEL_ROWS, trank));
    for (size_t r = 0; r < PANEL_ROWS; r++) {
        assert_rel("score", r, score[r], panel_score[r]);
        ck_assert_uint_eq(rank[r], panel_score_rank[r]);
        assert_rel("topsis", r, cl[r], panel_topsis[r]);
        ck_assert_uint_eq(trank[r], panel_topsis_rank[r]);
    }

    OK(metrics_index_weights(ind, PANEL_COLS, METRICS_INDEX_EQUAL, NULL, w));
    for (size_t c = 0; c < PANEL_COLS; c++)
        assert_rel("equal", c, w[c], panel_weights_equal[c]);
    OK(metrics_index_weights(ind, PANEL_COLS, METRICS_INDEX_GIVEN, panel_given, w));
    for (size_t c = 0; c < PANEL_COLS; c++)
        assert_rel("given", c, w[c], panel_weights_given[c]);
}
END_TEST

/* Ties share the lowest rank number: 3, 1, 3, 2, 1, 0.5, 3 -> 1, 5, 1, 4, 5, 7, 1. */
START_TEST(test_rank_ties)
{
    size_t rank[7];
    OK(metrics_index_rank(ties_v, 7, rank));
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(rank[i], ties_rank[i]);
}
END_TEST

/* Beyond the stack scratch: 3000 values in 1500 tied pairs, descending by pair. */
START_TEST(test_rank_large)
{
    enum { N = 3000 };
    static double v[N];
    static size_t rank[N];
    for (size_t i = 0; i < N; i++)
        v[i] = (double)((i * 7919) % N / 2);
    OK(metrics_index_rank(v, N, rank));
    for (size_t i = 0; i < N; i++)
        ck_assert_uint_eq(rank[i], N - 1 - 2 * (size_t)v[i]);
}
END_TEST

/* Direction -1 mirrors direction +1: z_minus = 1 - z_plus. */
START_TEST(test_normalise_direction)
{
    double x[] = {10, 3, 20, 3, 15, 3}, zp[6], zm[6];
    int plus[] = {1, 1}, minus[] = {-1, -1};
    struct metrics_index_indicator ind[2];
    OK(metrics_index_normalise(x, 3, 2, plus, zp, ind));
    ck_assert_int_eq(ind[1].constant, 1);
    ck_assert_int_eq(ind[0].constant, 0);
    OK(metrics_index_normalise(x, 3, 2, minus, zm, ind));
    for (size_t r = 0; r < 3; r++) {
        assert_rel("z-", r, zm[r * 2], 1 - zp[r * 2]);
        ck_assert(zm[r * 2 + 1] == 0 && zp[r * 2 + 1] == 0);
    }
    assert_rel("z+", 0, zp[0], 0);
    assert_rel("z+", 1, zp[2], 1);
    assert_rel("z+", 2, zp[4], 0.5);
}
END_TEST

/* All rows identical in every weighted column: D+ = D- = 0, closeness 0.5 by definition. */
START_TEST(test_topsis_all_equal)
{
    double z[] = {0.5, 1, 0.5, 1}, w[] = {0.5, 0.5}, cl[2];
    OK(metrics_topsis(z, 2, 2, w, cl, NULL, NULL));
    ck_assert(cl[0] == 0.5 && cl[1] == 0.5);
}
END_TEST

START_TEST(test_composite_errors)
{
    double x[] = {1, 2, 3, 4}, bad[] = {1, NAN, 3, 4}, neg[] = {1, -1, 3, 4}, z[4], w[2];
    double given_neg[] = {1, -1}, given_zero[] = {0, 0}, wneg[] = {1, -1};
    int dir[] = {1, -1}, bad_dir[] = {1, 0};
    struct metrics_index_indicator ind[2];
    size_t rank[2];
    ERR(metrics_index_normalise(x, 1, 2, dir, z, ind), METRICS_E_TOO_FEW);
    ERR(metrics_index_normalise(x, 2, 0, dir, z, ind), METRICS_E_TOO_FEW);
    ERR(metrics_index_normalise(bad, 2, 2, dir, z, ind), METRICS_E_DOMAIN);
    ERR(metrics_index_normalise(x, 2, 2, bad_dir, z, ind), METRICS_E_DOMAIN);
    ERR(metrics_index_entropy(neg, 2, 2, ind), METRICS_E_NONPOSITIVE);
    ERR(metrics_index_entropy(x, 1, 4, ind), METRICS_E_TOO_FEW);

    double same[] = {5, 5, 5, 5};
    OK(metrics_index_normalise(same, 2, 2, dir, z, ind));
    OK(metrics_index_entropy(z, 2, 2, ind));
    ck_assert(ind[0].entropy == 1 && ind[1].entropy == 1);
    ERR(metrics_index_weights(ind, 2, METRICS_INDEX_ENTROPY, NULL, w), METRICS_E_DEGENERATE);
    ERR(metrics_index_weights(ind, 2, METRICS_INDEX_EQUAL, NULL, w), METRICS_E_DEGENERATE);

    OK(metrics_index_normalise(x, 2, 2, dir, z, ind));
    ERR(metrics_index_weights(ind, 2, METRICS_INDEX_GIVEN, given_neg, w), METRICS_E_WEIGHTS);
    ERR(metrics_index_weights(ind, 2, METRICS_INDEX_GIVEN, given_zero, w), METRICS_E_WEIGHTS);
    ERR(metrics_index_weights(ind, 2, METRICS_INDEX_GIVEN, NULL, w), METRICS_E_DOMAIN);
    ERR(metrics_index_weights(ind, 2, (enum metrics_index_weighting)9, NULL, w), METRICS_E_DOMAIN);
    ERR(metrics_topsis(x, 2, 2, wneg, z, NULL, NULL), METRICS_E_WEIGHTS);
    ERR(metrics_topsis(bad, 2, 2, w, z, NULL, NULL), METRICS_E_DOMAIN);
    ERR(metrics_index_scores(bad, 2, 2, w, z), METRICS_E_DOMAIN);
    ERR(metrics_index_rank(bad, 2, rank), METRICS_E_DOMAIN);
    ERR(metrics_index_rank(x, 0, rank), METRICS_E_TOO_FEW);
}
END_TEST

static Suite *composite_suite(void)
{
    Suite *s = suite_create("composite");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_entropy_weights_published);
    tcase_add_test(tc, test_topsis_published);
    tcase_add_test(tc, test_index_panel_chain);
    tcase_add_test(tc, test_rank_ties);
    tcase_add_test(tc, test_rank_large);
    tcase_add_test(tc, test_normalise_direction);
    tcase_add_test(tc, test_topsis_all_equal);
    tcase_add_test(tc, test_composite_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(composite_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
