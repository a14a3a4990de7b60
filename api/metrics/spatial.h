/* api/metrics/spatial.h — spatial weights, the spatial lag, and Moran's I: global (Cliff-Ord,
 * as R spdep moran.test) and local (as R spdep localmoran, default options). Arithmetic only.
 *
 * The weights are binary contiguity, row-standardised: unit i with d_i > 0 neighbours gives each
 * weight 1 / d_i; a unit without neighbours (an island) has an all-zero row and a lag of 0
 * (spdep's zero.policy = TRUE). Neighbour lists are adjacency lists in CSR form, borrowed from
 * the caller; nothing here allocates. Functions return METRICS_OK or a METRICS_E_* code, write
 * their outputs only on success, and never produce NaN or an infinity. */
#ifndef PROSPERITY_METRICS_SPATIAL_H
#define PROSPERITY_METRICS_SPATIAL_H

#include <stddef.h>

#include "metrics.h"

/* The neighbours of unit i (0-based) are neighbours[offsets[i] .. offsets[i + 1]).
 * offsets has n + 1 entries with offsets[0] = 0; both arrays are the caller's. */
struct spatial_weights {
    size_t n;
    const size_t *offsets;
    const size_t *neighbours;
};

/* Checks W: n >= 1, offsets start at 0 and never decrease, every neighbour < n, no unit is its
 * own neighbour, no neighbour is listed twice for a unit (METRICS_E_DOMAIN otherwise). Writes
 * the number of units without neighbours to *N_ISOLATED (may be NULL). Symmetry is not
 * required: the Moran statistics use the general S1 and S2. */
METRICS_MUST_CHECK int spatial_weights_check(const struct spatial_weights *w, size_t *n_isolated);

/* LAG[i] = mean of X over the neighbours of i (0 for an island). X and LAG have w->n entries
 * and may not overlap. X must be finite. */
METRICS_MUST_CHECK int spatial_lag(const struct spatial_weights *w, const double *x, double *lag);

/* Global Moran's I of x[0 .. w->n), as spdep moran.test(x, nb2listw(nb, style = "W",
 * zero.policy = TRUE), randomisation = TRUE or FALSE, zero.policy = TRUE) with adjust.n = TRUE:
 * the mean, z = x - mean and the kurtosis use all n values; n_used = the units with
 * neighbours replaces n in I, E[I] and the variances. p_greater is the one-sided upper tail,
 * p_two_sided = 2 P(Z > |z|). Needs n_used >= 4 (METRICS_E_TOO_FEW), x not all equal
 * (METRICS_E_DEGENERATE), and positive variances (a negative randomisation variance from an
 * extreme kurtosis is METRICS_E_DEGENERATE too). */
struct spatial_moran {
    size_t n, n_used;
    double i, expected;
    double variance_normal, variance_random;
    double z_normal, z_random;
    double p_greater_normal, p_greater_random;
    double p_two_sided_normal, p_two_sided_random;
};
METRICS_MUST_CHECK int spatial_moran(const struct spatial_weights *w, const double *x,
                                     struct spatial_moran *out);

/* Local Moran (LISA) of each unit, as spdep localmoran(x, listw) with its defaults
 * (conditional = TRUE, mlvar = TRUE, two-sided): with z = x - mean(x) over all n units,
 * m2 = sum z^2 / n, W_i = sum_j w_ij, W2_i = sum_j w_ij^2:
 *   i = z_i lag(z)_i / m2, expected = -z_i^2 W_i / ((n - 1) m2),
 *   variance = (z_i / m2)^2 n / (n - 2) (W2_i - W_i^2 / (n - 1)) (m2 - z_i^2 / (n - 1)),
 *   z = (i - expected) / sqrt(variance), p_two_sided = 2 P(Z > |z|).
 * lag is the spatial lag of x itself (the mean of the neighbours' values, 0 for an island).
 * When the variance is 0 (an island, or z_i = 0) has_z is 0, z is 0 and p_two_sided is 1.
 * quadrant: own centred value z_i and lag of z, each High when > 0, else Low (spdep's
 * attr(, "quadr")$pysal): HH, LH (low value, high neighbours), LL, HL.
 * OUT has w->n entries. Needs n >= 3 (METRICS_E_TOO_FEW) and x not all equal
 * (METRICS_E_DEGENERATE). */
enum spatial_quadrant { SPATIAL_HH, SPATIAL_LH, SPATIAL_LL, SPATIAL_HL };

struct spatial_local {
    double i, lag, expected, variance;
    int has_z;
    double z, p_two_sided;
    enum spatial_quadrant quadrant;
};
METRICS_MUST_CHECK int spatial_local_moran(const struct spatial_weights *w, const double *x,
                                           struct spatial_local *out);

/* What the Moran statistics need of W that does not depend on the values, worked out once for
 * many vectors (the years of a panel): W checked as spatial_weights_check does, its islands,
 * and spdep's spweights.constants S0, S1, S2. W stays the caller's and must outlive the plan. */
struct spatial_plan {
    const struct spatial_weights *w;
    size_t n_isolated;
    double s0, s1, s2;
};
METRICS_MUST_CHECK int spatial_plan_make(const struct spatial_weights *w, struct spatial_plan *out);

/* spatial_moran and spatial_local_moran of X over the plan's W in one call (the mean, the
 * centred sum of squares and one walk of the neighbours shared), with the same results to the
 * bit and the code the first of the two to fail would give. GLOBAL is written only when both
 * succeed; LOCAL (w->n entries) holds the results then, and anything after a failure (it is
 * the lags' scratch). */
METRICS_MUST_CHECK int spatial_moran_both(const struct spatial_plan *k, const double *x,
                                          struct spatial_moran *global,
                                          struct spatial_local *local);

/* "HH", "LH", "LL" or "HL": static string. */
const char *spatial_quadrant_name(enum spatial_quadrant q);

#endif
