/* api/metrics/markov.h — Markov chains of classes (distribution dynamics) and the spatial
 * Markov chain conditioned on the neighbours' class, as PySAL giddy's Markov and
 * Spatial_Markov; homogeneity tests Q and LR of Bickenbach and Bode (2003). Arithmetic only.
 *
 * A panel of n regions over T years is stored year by year: value (region i, year t) at
 * [t * n + i]. Classes are numbered from 0 (the lowest). Results go into caller-provided structs
 * of fixed size (at most MARKOV_MAX_CLASSES classes), so nothing here allocates. Functions
 * return METRICS_OK or a METRICS_E_* code, write their outputs only on success, and never
 * produce NaN or an infinity. */
#ifndef PROSPERITY_METRICS_MARKOV_H
#define PROSPERITY_METRICS_MARKOV_H

#include <stddef.h>

#include "metrics.h"
#include "spatial.h"

#define MARKOV_MAX_CLASSES 10

/* Cut points at the type-7 quantiles j/k (j = 1 .. k-1) of x[0 .. n), as R quantile(type = 7)
 * and mapclassify.Quantiles; equal cuts are merged, and a cut equal to the maximum is dropped
 * (as mapclassify's unique bins), so *NCUTS may be below k - 1 and the classes number
 * *NCUTS + 1. CUTS receives up to k - 1 ascending values. WORK is a scratch of n doubles.
 * 1 <= k <= MARKOV_MAX_CLASSES, n >= 1, x finite. */
METRICS_MUST_CHECK int markov_quantile_cuts(const double *x, size_t n, size_t k, double *work,
                                            double *cuts, size_t *ncuts);

/* The class of each x[i] for strictly ascending finite CUTS[0 .. ncuts): intervals are
 * right-closed, so a value equal to a cut goes to the lower class: class c holds
 * cuts[c-1] < x <= cuts[c]. CLASS_IDS has n entries. ncuts < MARKOV_MAX_CLASSES. */
METRICS_MUST_CHECK int markov_classify(const double *x, size_t n, const double *cuts, size_t ncuts,
                                       size_t *class_ids);

/* OUT[t * n + i] = y[t * n + i] / (unweighted mean of year t); a zero mean is METRICS_E_ZERO.
 * OUT may be Y. */
METRICS_MUST_CHECK int markov_relative(const double *y, size_t n, size_t years, double *out);

/* The row-standardised spatial lag of every year of the panel Y (n = w->n regions):
 * LAG[t * n + i] = spatial lag of year t at region i (0 for an island). LAG may not be Y. */
METRICS_MUST_CHECK int markov_panel_lag(const struct spatial_weights *w, const double *y,
                                        size_t years, double *lag);

struct markov_chain {
    size_t k;
    /* transitions[i][j]: region-years in class i at t and j at t + 1, pooled over t */
    double transitions[MARKOV_MAX_CLASSES][MARKOV_MAX_CLASSES];
    /* each row of transitions / its sum; a row without transitions is all zero */
    double probabilities[MARKOV_MAX_CLASSES][MARKOV_MAX_CLASSES];
    /* one stationary distribution per recurrent (closed communicating) class, ordered by
     * their lowest state; zeros outside the class. For this, a state whose row is empty is
     * treated as absorbing (giddy's fill_empty_classes), so it is a recurrent class of its own. */
    size_t n_recurrent;
    double steady_states[MARKOV_MAX_CLASSES][MARKOV_MAX_CLASSES];
};

/* Counts, probabilities and steady states of CLASS_IDS (a panel of n regions x YEARS, ids below
 * k). years >= 2, n >= 1, 1 <= k <= MARKOV_MAX_CLASSES. */
METRICS_MUST_CHECK int markov_chain_estimate(const size_t *class_ids, size_t n, size_t years,
                                             size_t k, struct markov_chain *out);

/* Recomputes c->n_recurrent and c->steady_states from c->k and c->probabilities (rows summing
 * to 1 or all zero, entries in [0, 1]; METRICS_E_DOMAIN otherwise). */
METRICS_MUST_CHECK int markov_steady_states(struct markov_chain *c);

/* Homogeneity of the conditional chains (Bickenbach and Bode 2003, as giddy.markov.homogeneity):
 * p_ij pooled, p_ij|m conditional, n_i|m the conditional row sums;
 *   Q  = sum_m sum_i n_i|m sum_j (p_ij|m - p_ij)^2 / p_ij   (cells with p_ij > 0),
 *   LR = 2 sum_m sum_ij n_ij|m ln(p_ij|m / p_ij)             (cells with n_ij|m > 0),
 *   dof = sum_i (b_i - 1)(A_i - 1), b_i = lag classes with transitions from i, A_i = nonzero
 *   cells of pooled row i (rows that never start a transition count 0, where giddy's formula
 *   would add 1). p-values from the chi-square upper tail; has_p_value is 0 when dof = 0
 *   (both p-values are then 1). */
struct markov_homogeneity {
    double q, lr;
    size_t dof;
    int has_p_value;
    double q_p_value, lr_p_value;
};

struct markov_spatial {
    size_t k, m;
    /* conditional[l], l < m: the transitions of region-years whose lag class in the start year
     * is l (the chains from m on are left as they were) */
    struct markov_chain conditional[MARKOV_MAX_CLASSES];
    struct markov_homogeneity homogeneity;
};

/* The spatial Markov chain: CLASS_IDS (k classes) and LAG_CLASS_IDS (m classes of the spatial
 * lag), both panels of n regions x YEARS; a transition t -> t + 1 is counted in the chain of its
 * lag class at t. years >= 2, 1 <= k, m <= MARKOV_MAX_CLASSES. */
METRICS_MUST_CHECK int markov_spatial_estimate(const size_t *class_ids, const size_t *lag_class_ids,
                                               size_t n, size_t years, size_t k, size_t m,
                                               struct markov_spatial *out);

/* The homogeneity test alone, for the M conditional chains COND of the same k. */
METRICS_MUST_CHECK int markov_homogeneity_test(const struct markov_chain *cond, size_t m,
                                               struct markov_homogeneity *out);

#endif
