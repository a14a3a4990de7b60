/* api/metrics/dagum.h — Dagum (1997) decomposition of the Gini ratio by groups: arithmetic only.
 *
 * G = Gw + Gnb + Gt: within-group inequality, net between-group inequality and transvariation
 * (the overlap of the groups' distributions); between = Gnb + Gt. The n^2 form:
 *   G_jh = sum_{i in j} sum_{r in h} w_i w_r |y_i - y_r| / (W_j W_h (mu_j + mu_h)), G_jj alike
 *   p_j = W_j / W (population share), s_j = W_j mu_j / (W mu) (income share)
 *   D_jh = (d_jh - p_jh) / (d_jh + p_jh), the richer group j (higher mean) first, so D >= 0:
 *          d_jh = mean of (y_i - y_r) over y_i > y_r, p_jh = mean of (y_r - y_i) over y_r > y_i
 *          (i in j, r in h, pairs weighted w_i w_r); equal means or d + p = 0: D = 0
 *   Gw = sum_j G_jj p_j s_j,  Gnb = sum_{j<h} G_jh (p_j s_h + p_h s_j) D_jh,
 *   Gt = sum_{j<h} G_jh (p_j s_h + p_h s_j) (1 - D_jh).
 * W is the total weight; weights NULL = every unit weight 1 (the regions themselves), else
 * population weights (unit i counts w_i times). G is metrics_gini's Gini (no small-sample
 * correction). Nothing here allocates for n <= 256 and ngroups <= 16; larger inputs allocate
 * one scratch block, freed before return. The caller owns every array passed in. */
#ifndef PROSPERITY_METRICS_DAGUM_H
#define PROSPERITY_METRICS_DAGUM_H

#include <stddef.h>

#include "metrics.h"

struct metrics_dagum {
    double gini;           /* G */
    double within;         /* Gw */
    double net_between;    /* Gnb */
    double transvariation; /* Gt */
    double between;        /* Gnb + Gt */
    int has_shares;        /* 0 when gini = 0 (all values equal): shares undefined, left 0 */
    double share_within, share_net_between, share_transvariation; /* percent of gini */
};

struct metrics_dagum_group {
    size_t n;                /* members */
    double mean;             /* weighted mean mu_j */
    double population_share; /* p_j */
    double income_share;     /* s_j */
    double gini;             /* G_jj */
};

/* One pair of groups. Pairs come in the order (0,1), (0,2), ..., (0,k-1), (1,2), ...; within a
 * pair, a is the richer group (higher mean; equal means: the lower index) and b the other, so
 * relative_affluence is D_ab >= 0. net_between and transvariation are the pair's terms of Gnb
 * and Gt (they sum over the pairs to Gnb and Gt). */
struct metrics_dagum_pair {
    size_t a, b;
    double gini;               /* G_ab = G_ba */
    double relative_affluence; /* D_ab, 0..1 */
    double net_between;        /* G_ab (p_a s_b + p_b s_a) D_ab */
    double transvariation;     /* G_ab (p_a s_b + p_b s_a) (1 - D_ab) */
};

/* Number of pairs of NGROUPS groups: ngroups (ngroups - 1) / 2. */
size_t metrics_dagum_npairs(size_t ngroups);

/* Decomposes the Gini of x[0..n) (weights w, NULL: all 1) by group[i] in 0..ngroups-1.
 * Writes *OUT, GROUPS[0..ngroups) and PAIRS[0..metrics_dagum_npairs(ngroups)) (either may be
 * NULL) only on METRICS_OK. Needs n >= 2, 1 <= ngroups, every group with a member of positive
 * weight (METRICS_E_TOO_FEW / METRICS_E_WEIGHTS), finite x >= 0 (METRICS_E_DOMAIN /
 * METRICS_E_NONPOSITIVE), every group mean > 0 (METRICS_E_ZERO: G_jj would divide by 0), weights
 * finite and >= 0 (METRICS_E_WEIGHTS). O(n log n + n k) for k groups. */
METRICS_MUST_CHECK int metrics_dagum_decompose(const double *x, const double *w,
                                               const size_t *group, size_t n, size_t ngroups,
                                               struct metrics_dagum *out,
                                               struct metrics_dagum_group *groups,
                                               struct metrics_dagum_pair *pairs);

/* metrics_dagum_decompose of the values of S (opened by metrics_set_open; up to
 * METRICS_SET_MAX values): the same codes and bits, its units in the order the set's Gini sorts
 * them (sorted here when the Gini has not run since the open), so a year asked for both is
 * sorted once. */
METRICS_MUST_CHECK int metrics_set_dagum_decompose(struct metrics_set *s, const size_t *group,
                                                   size_t ngroups, struct metrics_dagum *out,
                                                   struct metrics_dagum_group *groups,
                                                   struct metrics_dagum_pair *pairs);

#endif
