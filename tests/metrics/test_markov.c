/* tests/metrics/test_markov.c — Markov and spatial Markov chains against PySAL giddy.
 *
 * Two kinds of reference: (1) the values printed in giddy's docstrings (giddy/markov.py,
 * Markov and Spatial_Markov on the US state incomes usjoin.csv with states48.gal, 1929-2009),
 * typed in below and asserted to their printed precision; (2) references/markov-expected.h,
 * an independent numpy/scipy re-computation (references/markov-make.py) of the same cases and of
 * the 31 provinces' GDP per capita 2005-2024, asserted to 1e-10 relative. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/markov.h"
#include "testutil.h"

#include "references/markov-expected.h"
#include "metrics_assert.h"

/* numpy prints 8 decimals: half a unit of the last one, and a hair for the binary value */
#define PRINTED8 5.000001e-9

enum { US_N = 48, US_T = 81, CN_N = 31, CN_T = 20 };

static double rpci[US_N * US_T];

/* M: a k x k block of a MARKOV_MAX_CLASSES-wide matrix; WANT: k x k, row by row. */
static void matrix_eq_at(const double *m, size_t k, const double *want, double tol, int relative)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            if (relative)
                ASSERT_REL(m[i * MARKOV_MAX_CLASSES + j], want[i * k + j], tol);
            else
                ASSERT_ABS(m[i * MARKOV_MAX_CLASSES + j], want[i * k + j], tol);
        }
}
#define matrix_eq(mat, k, want, tol, rel) matrix_eq_at(&(mat)[0][0], k, want, tol, rel)

static void chain_eq_reference(const struct markov_chain *c, const double *t, const double *p,
                               size_t nrec, const double *steady)
{
    matrix_eq(c->transitions, c->k, t, 0, 0);
    matrix_eq(c->probabilities, c->k, p, 1e-10, 1);
    ck_assert_uint_eq(c->n_recurrent, nrec);
    for (size_t r = 0; r < nrec; r++)
        for (size_t j = 0; j < c->k; j++)
            ASSERT_ABS(c->steady_states[r][j], steady[r * c->k + j],
                       1e-10 * fabs(steady[r * c->k + j]) + 1e-15);
}

/* Pooled quantile classes of a whole panel, as Spatial_Markov(fixed=True). */
static size_t pooled_classes(const double *y, size_t count, size_t k, double *cuts, size_t *ids)
{
    static double work[US_N * US_T];
    size_t ncuts;
    ck_assert_uint_le(count, N_OF(work));
    OK(markov_quantile_cuts(y, count, k, work, cuts, &ncuts));
    OK(markov_classify(y, count, cuts, ncuts, ids));
    return ncuts + 1;
}

static void setup(void)
{
    OK(markov_relative(us_pci, US_N, US_T, rpci));
}

/* ---- giddy Markov docstring ---- */

static const double doc_q5_transitions[] = {729, 71, 1, 0, 0,  72,  567, 80, 3, 0, 0,  81, 631,
                                            86,  2,  0, 3, 86, 573, 56,  0,  0, 1, 57, 741};
static const double doc_q5_p[] = {0.91011236, 0.0886392,  0.00124844, 0.,         0.,
                                  0.09972299, 0.78531856, 0.11080332, 0.00415512, 0.,
                                  0.,         0.10125,    0.78875,    0.1075,     0.0025,
                                  0.,         0.00417827, 0.11977716, 0.79805014, 0.07799443,
                                  0.,         0.,         0.00125156, 0.07133917, 0.92740926};
static const double doc_q5_steady[] = {0.20774716, 0.18725774, 0.20740537, 0.18821787, 0.20937187};

START_TEST(test_markov_us_quintiles_by_year)
{
    static size_t ids[US_N * US_T];
    double work[US_N], cuts[4];
    for (size_t t = 0; t < US_T; t++) {
        size_t ncuts;
        OK(markov_quantile_cuts(us_pci + t * US_N, US_N, 5, work, cuts, &ncuts));
        ck_assert_uint_eq(ncuts, 4);
        OK(markov_classify(us_pci + t * US_N, US_N, cuts, ncuts, ids + t * US_N));
    }
    struct markov_chain c;
    OK(markov_chain_estimate(ids, US_N, US_T, 5, &c));
    matrix_eq(c.transitions, 5, doc_q5_transitions, 0, 0);
    matrix_eq(c.probabilities, 5, doc_q5_p, PRINTED8, 0);
    ck_assert_uint_eq(c.n_recurrent, 1);
    for (size_t j = 0; j < 5; j++)
        ASSERT_ABS(c.steady_states[0][j], doc_q5_steady[j], PRINTED8);
    chain_eq_reference(&c, us_q5_transitions, us_q5_p, us_q5_n_recurrent, us_q5_steady);
}
END_TEST

static const double doc_rq5_transitions[] = {707, 58, 7, 1, 0,  50,  629, 80, 1, 1, 4,  79, 610,
                                             73,  2,  0, 7, 72, 650, 37,  0,  0, 0, 48, 724};
static const double doc_rq5_steady[] = {0.17957376, 0.21631443, 0.21499942, 0.21134662, 0.17776576};

START_TEST(test_markov_us_relative_pooled_quintiles)
{
    static size_t ids[US_N * US_T];
    double cuts[4];
    size_t k = pooled_classes(rpci, US_N * US_T, 5, cuts, ids);
    ck_assert_uint_eq(k, 5);
    struct markov_chain c;
    OK(markov_chain_estimate(ids, US_N, US_T, k, &c));
    matrix_eq(c.transitions, 5, doc_rq5_transitions, 0, 0);
    for (size_t j = 0; j < 5; j++)
        ASSERT_ABS(c.steady_states[0][j], doc_rq5_steady[j], PRINTED8);
    chain_eq_reference(&c, us_rq5_transitions, us_rq5_p, us_rq5_n_recurrent, us_rq5_steady);
}
END_TEST

/* giddy's first examples: c = [[b,a,c],[c,c,a],[c,b,c],[a,a,b],[a,b,c]] (a = 0), one row per
 * unit; our panels are year by year, so the columns are written as rows here. */
START_TEST(test_markov_giddy_small_chains)
{
    const size_t irreducible[] = {1, 2, 2, 0, 0, 0, 2, 1, 0, 1, 2, 0, 2, 1, 2};
    struct markov_chain c;
    OK(markov_chain_estimate(irreducible, 5, 3, 3, &c));
    const double p[] = {0.25, 0.5, 0.25, 1.0 / 3, 0, 2.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    matrix_eq(c.probabilities, 3, p, 1e-15, 0);
    ck_assert_uint_eq(c.n_recurrent, 1);
    /* by hand: pi = (16, 15, 21) / 52 solves pi P = pi */
    ASSERT_REL(c.steady_states[0][0], 16.0 / 52, 1e-14);
    ASSERT_REL(c.steady_states[0][1], 15.0 / 52, 1e-14);
    ASSERT_REL(c.steady_states[0][2], 21.0 / 52, 1e-14);
    ASSERT_ABS(c.steady_states[0][0], 0.30769231, PRINTED8);
    ASSERT_ABS(c.steady_states[0][1], 0.28846154, PRINTED8);
    ASSERT_ABS(c.steady_states[0][2], 0.40384615, PRINTED8);

    /* reducible: [[b,a,a],[c,c,a],[c,b,c]]: one recurrent class {a} (absorbing), {b, c} transient
     */
    const size_t reducible[] = {1, 2, 2, 0, 2, 1, 0, 0, 2};
    OK(markov_chain_estimate(reducible, 3, 3, 3, &c));
    ck_assert_uint_eq(c.n_recurrent, 1);
    ck_assert(c.steady_states[0][0] == 1 && c.steady_states[0][1] == 0 &&
              c.steady_states[0][2] == 0);
}
END_TEST

START_TEST(test_markov_two_recurrent_classes)
{
    /* states 0 <-> 1 and 2 <-> 3 never mix, 4 never starts a transition (absorbing by
     * convention), so three recurrent classes, ordered by their lowest state */
    struct markov_chain c = {.k = 5};
    c.probabilities[0][1] = 1;
    c.probabilities[1][0] = 0.25;
    c.probabilities[1][1] = 0.75;
    c.probabilities[2][3] = 0.5;
    c.probabilities[2][2] = 0.5;
    c.probabilities[3][2] = 1;
    OK(markov_steady_states(&c));
    ck_assert_uint_eq(c.n_recurrent, 3);
    /* by hand: pi0 = 0.25 pi1, so (0.2, 0.8); pi3 = 0.5 pi2, so (2/3, 1/3) */
    ASSERT_REL(c.steady_states[0][0], 0.2, 1e-14);
    ASSERT_REL(c.steady_states[0][1], 0.8, 1e-14);
    ASSERT_REL(c.steady_states[1][2], 2.0 / 3, 1e-14);
    ASSERT_REL(c.steady_states[1][3], 1.0 / 3, 1e-14);
    ck_assert(c.steady_states[2][4] == 1);
    ck_assert(c.steady_states[0][2] == 0 && c.steady_states[1][0] == 0);
    c.probabilities[0][1] = 0.9; /* a row summing to 0.9 */
    ck_assert_int_eq(markov_steady_states(&c), METRICS_E_DOMAIN);
}
END_TEST

START_TEST(test_markov_cuts_ties_and_right_closed)
{
    double work[9], cuts[4]; /* work: n doubles, 9 for the last case */
    size_t ncuts, ids[6];
    /* type 7 at 1/4, 2/4, 3/4 of {1,1,1,1,2,3}: 1, 1, 1.75; the tied 1s merge */
    const double x[] = {1, 1, 1, 1, 2, 3};
    OK(markov_quantile_cuts(x, 6, 4, work, cuts, &ncuts));
    ck_assert_uint_eq(ncuts, 2);
    ck_assert(cuts[0] == 1 && cuts[1] == 1.75);
    OK(markov_classify(x, 6, cuts, ncuts, ids));
    /* a value equal to a cut goes to the lower class */
    ck_assert_uint_eq(ids[0], 0);
    ck_assert_uint_eq(ids[4], 2);
    /* {1,2,3,3,3,3}: 2.25, 3, 3; a cut equal to the maximum is the last bin's edge, dropped */
    const double y[] = {3, 1, 3, 2, 3, 3};
    OK(markov_quantile_cuts(y, 6, 4, work, cuts, &ncuts));
    ck_assert_uint_eq(ncuts, 1);
    ck_assert(cuts[0] == 2.25);
    /* quartiles of 1..5 fall on order statistics exactly: 2, 3, 4 */
    const double z[] = {5, 4, 3, 2, 1};
    OK(markov_quantile_cuts(z, 5, 4, work, cuts, &ncuts));
    ck_assert_uint_eq(ncuts, 3);
    ck_assert(cuts[0] == 2 && cuts[1] == 3 && cuts[2] == 4);
    OK(markov_classify(z, 5, cuts, ncuts, ids));
    ck_assert(ids[0] == 3 && ids[1] == 2 && ids[2] == 1 && ids[3] == 0 && ids[4] == 0);
    /* quintile positions (n - 1) j / 5 of 1..9: 2.6, 4.2, 5.8, 7.4 */
    const double u[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    OK(markov_quantile_cuts(u, 9, 5, work, cuts, &ncuts));
    ck_assert_uint_eq(ncuts, 4);
    ASSERT_REL(cuts[0], 2.6, 1e-15);
    ASSERT_REL(cuts[3], 7.4, 1e-15);
}
END_TEST

/* ---- giddy Spatial_Markov docstring ---- */

static const double doc_k5m5_cuts[] = {0.83999133, 0.94707545, 1.03242697, 1.14911154};
static const double doc_k5m5_lag_cuts[] = {0.88973386, 0.95891917, 1.01469758, 1.1183566};
static const double doc_k5m5_P[5][25] = {
    {0.96341463, 0.0304878,  0.00609756, 0.,   0.,   0.06040268, 0.83221477, 0.10738255, 0.,
     0.,         0.,         0.14,       0.74, 0.12, 0.,         0.,         0.03571429, 0.32142857,
     0.57142857, 0.07142857, 0.,         0.,   0.,   0.16666667, 0.83333333},
    {0.79831933, 0.16806723, 0.03361345, 0.,         0.,         0.0754717,  0.88207547,
     0.04245283, 0.,         0.,         0.00537634, 0.06989247, 0.8655914,  0.05913978,
     0.,         0.,         0.,         0.06372549, 0.90196078, 0.03431373, 0.,
     0.,         0.,         0.19444444, 0.80555556},
    {0.84693878, 0.15306122, 0.,         0.,         0.,         0.08133971, 0.78947368,
     0.1291866,  0.,         0.,         0.00518135, 0.0984456,  0.79274611, 0.0984456,
     0.00518135, 0.,         0.,         0.09411765, 0.87058824, 0.03529412, 0.,
     0.,         0.,         0.10204082, 0.89795918},
    {0.8852459,  0.09836066, 0.,         0.01639344, 0.,         0.03875969, 0.81395349,
     0.13953488, 0.,         0.00775194, 0.0049505,  0.09405941, 0.77722772, 0.11881188,
     0.0049505,  0.,         0.02339181, 0.12865497, 0.75438596, 0.09356725, 0.,
     0.,         0.,         0.09661836, 0.90338164},
    {0.33333333, 0.66666667, 0.,         0.,         0.,         0.0483871,  0.77419355,
     0.16129032, 0.01612903, 0.,         0.01149425, 0.16091954, 0.74712644, 0.08045977,
     0.,         0.,         0.01036269, 0.06217617, 0.89637306, 0.03108808, 0.,
     0.,         0.,         0.02352941, 0.97647059}};
static const double doc_k5m5_S[5][5] = {
    {0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278},
    {0.13391287, 0.33993305, 0.25153036, 0.23343016, 0.04119356},
    {0.12124869, 0.21137444, 0.2635101, 0.29013417, 0.1137326},
    {0.0776413, 0.19748806, 0.25352636, 0.22480415, 0.24654013},
    {0.01776781, 0.19964349, 0.19009833, 0.25524697, 0.3372434}};
static const double doc_k5m5_p[] = {0.91461837, 0.07503234, 0.00905563, 0.00129366, 0.,
                                    0.06570302, 0.82654402, 0.10512484, 0.00131406, 0.00131406,
                                    0.00520833, 0.10286458, 0.79427083, 0.09505208, 0.00260417,
                                    0.,         0.00913838, 0.09399478, 0.84856397, 0.04830287,
                                    0.,         0.,         0.,         0.06217617, 0.93782383};

/* The pipeline the mobility endpoint runs: lag every year, pooled quantile classes of the
 * values and of the lags, the spatial chain. */
static void spatial_pipeline(const double *y, size_t n, size_t years,
                             const struct spatial_weights *w, size_t k, size_t m, double *cuts,
                             double *lag_cuts, struct markov_spatial *out,
                             struct markov_chain *pooled)
{
    static double lag[US_N * US_T];
    static size_t ids[US_N * US_T], lids[US_N * US_T];
    OK(markov_panel_lag(w, y, years, lag));
    size_t kk = pooled_classes(y, n * years, k, cuts, ids);
    size_t mm = pooled_classes(lag, n * years, m, lag_cuts, lids);
    OK(markov_spatial_estimate(ids, lids, n, years, kk, mm, out));
    OK(markov_chain_estimate(ids, n, years, kk, pooled));
}

static const struct spatial_weights us_w = {US_N, us_offsets, us_neighbours};

START_TEST(test_markov_us_spatial_k5_m5)
{
    static struct markov_spatial sm;
    struct markov_chain pooled;
    double cuts[4], lag_cuts[4];
    spatial_pipeline(rpci, US_N, US_T, &us_w, 5, 5, cuts, lag_cuts, &sm, &pooled);
    ck_assert_uint_eq(sm.k, 5);
    ck_assert_uint_eq(sm.m, 5);
    for (size_t j = 0; j < 4; j++) {
        ASSERT_ABS(cuts[j], doc_k5m5_cuts[j], PRINTED8);
        ASSERT_ABS(lag_cuts[j], doc_k5m5_lag_cuts[j], PRINTED8);
        ASSERT_REL(cuts[j], us_k5m5_cuts[j], 1e-12);
        ASSERT_REL(lag_cuts[j], us_k5m5_lag_cuts[j], 1e-12);
    }
    for (size_t l = 0; l < 5; l++) {
        matrix_eq(sm.conditional[l].probabilities, 5, doc_k5m5_P[l], PRINTED8, 0);
        ck_assert_uint_eq(sm.conditional[l].n_recurrent, 1);
        for (size_t j = 0; j < 5; j++)
            ASSERT_ABS(sm.conditional[l].steady_states[0][j], doc_k5m5_S[l][j], PRINTED8);
    }
    matrix_eq(pooled.probabilities, 5, doc_k5m5_p, PRINTED8, 0);
    /* "%.3f" of LR and Q, and dof_hom */
    ASSERT_ABS(sm.homogeneity.lr, 170.659, 0.0005);
    ASSERT_ABS(sm.homogeneity.q, 200.624, 0.0005);
    ck_assert_uint_eq(sm.homogeneity.dof, 60);
    ck_assert(sm.homogeneity.has_p_value);
    ck_assert(sm.homogeneity.q_p_value < 0.0005 && sm.homogeneity.lr_p_value < 0.0005);

    const double *T[] = {us_k5m5_T0, us_k5m5_T1, us_k5m5_T2, us_k5m5_T3, us_k5m5_T4};
    const double *P[] = {us_k5m5_P0, us_k5m5_P1, us_k5m5_P2, us_k5m5_P3, us_k5m5_P4};
    const double *S[] = {us_k5m5_S0, us_k5m5_S1, us_k5m5_S2, us_k5m5_S3, us_k5m5_S4};
    const size_t Sn[] = {us_k5m5_S0_n, us_k5m5_S1_n, us_k5m5_S2_n, us_k5m5_S3_n, us_k5m5_S4_n};
    for (size_t l = 0; l < 5; l++)
        chain_eq_reference(&sm.conditional[l], T[l], P[l], Sn[l], S[l]);
    chain_eq_reference(&pooled, us_k5m5_pooled_transitions, us_k5m5_pooled_p,
                       us_k5m5_pooled_n_recurrent, us_k5m5_pooled_steady);
    ASSERT_REL(sm.homogeneity.q, us_k5m5_hom[0], 1e-10);
    ASSERT_REL(sm.homogeneity.lr, us_k5m5_hom[1], 1e-10);
    ASSERT_REL(sm.homogeneity.q_p_value, us_k5m5_hom[3], 1e-9);
    ASSERT_REL(sm.homogeneity.lr_p_value, us_k5m5_hom[4], 1e-9);
}
END_TEST

START_TEST(test_markov_us_spatial_k5_m4)
{
    static struct markov_spatial sm;
    struct markov_chain pooled;
    double cuts[4], lag_cuts[3];
    const double doc_lag_cuts[] = {0.91440247, 0.98583079, 1.08698351};
    const double doc_P0_row0[] = {0.95708955, 0.03544776, 0.00746269, 0., 0.};
    const double doc_P3_row0[] = {0.16666667, 0.66666667, 0., 0.16666667, 0.};
    spatial_pipeline(rpci, US_N, US_T, &us_w, 5, 4, cuts, lag_cuts, &sm, &pooled);
    ck_assert_uint_eq(sm.m, 4);
    for (size_t j = 0; j < 3; j++)
        ASSERT_ABS(lag_cuts[j], doc_lag_cuts[j], PRINTED8);
    for (size_t j = 0; j < 5; j++) {
        ASSERT_ABS(sm.conditional[0].probabilities[0][j], doc_P0_row0[j], PRINTED8);
        ASSERT_ABS(sm.conditional[3].probabilities[0][j], doc_P3_row0[j], PRINTED8);
    }
    ASSERT_ABS(sm.homogeneity.lr, 172.105, 0.0005);
    ASSERT_ABS(sm.homogeneity.q, 321.128, 0.0005);
    ck_assert_uint_eq(sm.homogeneity.dof, 45);
    const double *T[] = {us_k5m4_T0, us_k5m4_T1, us_k5m4_T2, us_k5m4_T3};
    const double *P[] = {us_k5m4_P0, us_k5m4_P1, us_k5m4_P2, us_k5m4_P3};
    const double *S[] = {us_k5m4_S0, us_k5m4_S1, us_k5m4_S2, us_k5m4_S3};
    const size_t Sn[] = {us_k5m4_S0_n, us_k5m4_S1_n, us_k5m4_S2_n, us_k5m4_S3_n};
    for (size_t l = 0; l < 4; l++)
        chain_eq_reference(&sm.conditional[l], T[l], P[l], Sn[l], S[l]);
    ASSERT_REL(sm.homogeneity.q, us_k5m4_hom[0], 1e-10);
    ASSERT_REL(sm.homogeneity.lr, us_k5m4_hom[1], 1e-10);
    ASSERT_REL(sm.homogeneity.q_p_value, us_k5m4_hom[3], 1e-9);
    ASSERT_REL(sm.homogeneity.lr_p_value, us_k5m4_hom[4], 1e-9);
}
END_TEST

/* giddy's chi2 docstring: Spatial_Markov(rpci, w, fixed=True) (k = m = 4): T[0] and the
 * a-spatial transitions. */
START_TEST(test_markov_us_spatial_default_quartiles)
{
    static struct markov_spatial sm;
    struct markov_chain pooled;
    double cuts[3], lag_cuts[3];
    const double doc_T0[] = {562, 22, 1, 0, 12, 201, 22, 0, 0, 17, 97, 4, 0, 0, 3, 19};
    const double doc_T[] = {884, 77, 4, 0, 68, 794, 87, 3, 1, 92, 815, 51, 1, 0, 60, 903};
    spatial_pipeline(rpci, US_N, US_T, &us_w, 4, 4, cuts, lag_cuts, &sm, &pooled);
    matrix_eq(sm.conditional[0].transitions, 4, doc_T0, 0, 0);
    matrix_eq(pooled.transitions, 4, doc_T, 0, 0);
    chain_eq_reference(&sm.conditional[0], us_k4m4_T0, us_k4m4_P0, us_k4m4_S0_n, us_k4m4_S0);
    ASSERT_REL(sm.homogeneity.q, us_k4m4_hom[0], 1e-10);
    ASSERT_REL(sm.homogeneity.lr, us_k4m4_hom[1], 1e-10);
    ck_assert_uint_eq(sm.homogeneity.dof, (size_t)us_k4m4_hom[2]);
}
END_TEST

/* Spatial_Markov(rpci, w, cutoffs=cc, lag_cutoffs=cc) with cc = [0.8, 0.9, 1, 1.2]: the last
 * lag class has empty rows (all zero), and with them as absorbing states (fill_empty_classes)
 * the first lag class has two recurrent classes. */
START_TEST(test_markov_us_spatial_user_breaks)
{
    static double lag[US_N * US_T];
    static size_t ids[US_N * US_T], lids[US_N * US_T];
    static struct markov_spatial sm;
    const double cc[] = {0.8, 0.9, 1, 1.2};
    OK(markov_panel_lag(&us_w, rpci, US_T, lag));
    OK(markov_classify(rpci, US_N * US_T, cc, 4, ids));
    OK(markov_classify(lag, US_N * US_T, cc, 4, lids));
    OK(markov_spatial_estimate(ids, lids, US_N, US_T, 5, 5, &sm));
    const double doc_P4[] = {0., 0., 0.,         0.,         0.,         0.,         0.,
                             0., 0., 0.,         0.,         0.06666667, 0.9,        0.03333333,
                             0., 0., 0.,         0.05660377, 0.90566038, 0.03773585, 0.,
                             0., 0., 0.03932584, 0.96067416};
    matrix_eq(sm.conditional[4].probabilities, 5, doc_P4, PRINTED8, 0);
    const double doc_S0[2][5] = {{0.54148249, 0.16780007, 0.24991499, 0.04080245, 0.},
                                 {0., 0., 0., 0., 1.}};
    const double doc_S2[] = {0.036076, 0.22667277, 0.25883041, 0.43607249, 0.04234777};
    ck_assert_uint_eq(sm.conditional[0].n_recurrent, 2);
    for (size_t j = 0; j < 5; j++) {
        ASSERT_ABS(sm.conditional[0].steady_states[0][j], doc_S0[0][j], PRINTED8);
        ASSERT_ABS(sm.conditional[0].steady_states[1][j], doc_S0[1][j], PRINTED8);
        ASSERT_ABS(sm.conditional[2].steady_states[0][j], doc_S2[j], j ? PRINTED8 : 1e-6);
    }
    const double *T[] = {us_cc_T0, us_cc_T1, us_cc_T2, us_cc_T3, us_cc_T4};
    const double *P[] = {us_cc_P0, us_cc_P1, us_cc_P2, us_cc_P3, us_cc_P4};
    const double *S[] = {us_cc_S0, us_cc_S1, us_cc_S2, us_cc_S3, us_cc_S4};
    const size_t Sn[] = {us_cc_S0_n, us_cc_S1_n, us_cc_S2_n, us_cc_S3_n, us_cc_S4_n};
    for (size_t l = 0; l < 5; l++)
        chain_eq_reference(&sm.conditional[l], T[l], P[l], Sn[l], S[l]);
    ASSERT_REL(sm.homogeneity.q, us_cc_hom[0], 1e-10);
    ASSERT_REL(sm.homogeneity.lr, us_cc_hom[1], 1e-10);
    ck_assert_uint_eq(sm.homogeneity.dof, (size_t)us_cc_hom[2]);
}
END_TEST

static const struct spatial_weights china_w = {CN_N, china_offsets, china_neighbours};

START_TEST(test_markov_china_gdp_spatial)
{
    static struct markov_spatial sm;
    struct markov_chain pooled;
    double rel[CN_N * CN_T], cuts[3], lag_cuts[3];
    OK(markov_relative(china_gdp, CN_N, CN_T, rel));
    spatial_pipeline(rel, CN_N, CN_T, &china_w, 4, 4, cuts, lag_cuts, &sm, &pooled);
    for (size_t j = 0; j < 3; j++) {
        ASSERT_REL(cuts[j], china_k4m4_cuts[j], 1e-12);
        ASSERT_REL(lag_cuts[j], china_k4m4_lag_cuts[j], 1e-12);
    }
    const double *T[] = {china_k4m4_T0, china_k4m4_T1, china_k4m4_T2, china_k4m4_T3};
    const double *P[] = {china_k4m4_P0, china_k4m4_P1, china_k4m4_P2, china_k4m4_P3};
    const double *S[] = {china_k4m4_S0, china_k4m4_S1, china_k4m4_S2, china_k4m4_S3};
    const size_t Sn[] = {china_k4m4_S0_n, china_k4m4_S1_n, china_k4m4_S2_n, china_k4m4_S3_n};
    for (size_t l = 0; l < 4; l++)
        chain_eq_reference(&sm.conditional[l], T[l], P[l], Sn[l], S[l]);
    chain_eq_reference(&pooled, china_k4m4_pooled_transitions, china_k4m4_pooled_p,
                       china_k4m4_pooled_n_recurrent, china_k4m4_pooled_steady);
    ASSERT_REL(sm.homogeneity.q, china_k4m4_hom[0], 1e-10);
    ASSERT_REL(sm.homogeneity.lr, china_k4m4_hom[1], 1e-10);
    ck_assert_uint_eq(sm.homogeneity.dof, (size_t)china_k4m4_hom[2]);
    ASSERT_REL(sm.homogeneity.q_p_value, china_k4m4_hom[3], 1e-10);
    ASSERT_REL(sm.homogeneity.lr_p_value, china_k4m4_hom[4], 1e-10);
}
END_TEST

START_TEST(test_markov_rejects_bad_input)
{
    double work[4], cuts[4], x[] = {1, 2, NAN};
    size_t ncuts = 99, ids[3] = {0, 1, 7};
    ck_assert_int_eq(markov_quantile_cuts(x, 3, 4, work, cuts, &ncuts), METRICS_E_DOMAIN);
    ck_assert_int_eq(markov_quantile_cuts(x, 2, MARKOV_MAX_CLASSES + 1, work, cuts, &ncuts),
                     METRICS_E_DOMAIN);
    ck_assert_int_eq(markov_quantile_cuts(x, 0, 4, work, cuts, &ncuts), METRICS_E_TOO_FEW);
    ck_assert_uint_eq(ncuts, 99);
    const double unsorted[] = {2, 1};
    ck_assert_int_eq(markov_classify(x, 2, unsorted, 2, ids), METRICS_E_DOMAIN);
    struct markov_chain c = {.k = 42};
    ck_assert_int_eq(markov_chain_estimate(ids, 1, 3, 4, &c), METRICS_E_DOMAIN); /* id 7 */
    ck_assert_int_eq(markov_chain_estimate(ids, 3, 1, 8, &c), METRICS_E_TOO_FEW);
    ck_assert_uint_eq(c.k, 42);
    const double zero_mean[] = {1, -1, 2, 3};
    double rel[4];
    ck_assert_int_eq(markov_relative(zero_mean, 2, 2, rel), METRICS_E_ZERO);
}
END_TEST

/* Budget: the whole spatial Markov for 31 provinces x 20 years (relative values, lags, pooled
 * quantile classes of both, conditional chains, steady states, tests) well under 200 us;
 * loosely asserted so that a busy machine does not fail it. */
START_TEST(test_markov_budget)
{
    static struct markov_spatial sm;
    struct markov_chain pooled;
    double rel[CN_N * CN_T], cuts[3], lag_cuts[3];
    struct timespec t0, t1;
    int reps = 200;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++) {
        OK(markov_relative(china_gdp, CN_N, CN_T, rel));
        spatial_pipeline(rel, CN_N, CN_T, &china_w, 4, 4, cuts, lag_cuts, &sm, &pooled);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / reps;
    fprintf(stderr, "markov: 31 x 20 spatial Markov in %.1f us\n", us);
    /* not under valgrind or a sanitizer build's slowness: there only correctness counts */
    const char *pre = getenv("LD_PRELOAD");
    if (!(pre && strstr(pre, "vgpreload")))
        ck_assert_msg(us < 2000, "31 x 20 took %.1f us", us);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("markov");
    TCase *tc = tcase_create("markov");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_markov_us_quintiles_by_year);
    tcase_add_test(tc, test_markov_us_relative_pooled_quintiles);
    tcase_add_test(tc, test_markov_giddy_small_chains);
    tcase_add_test(tc, test_markov_two_recurrent_classes);
    tcase_add_test(tc, test_markov_cuts_ties_and_right_closed);
    tcase_add_test(tc, test_markov_us_spatial_k5_m5);
    tcase_add_test(tc, test_markov_us_spatial_k5_m4);
    tcase_add_test(tc, test_markov_us_spatial_default_quartiles);
    tcase_add_test(tc, test_markov_us_spatial_user_breaks);
    tcase_add_test(tc, test_markov_china_gdp_spatial);
    tcase_add_test(tc, test_markov_rejects_bad_input);
    tcase_add_test(tc, test_markov_budget);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
