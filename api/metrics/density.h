/* api/metrics/density.h — Gaussian kernel density, evaluated exactly (no binning, no FFT), and
 * the usual bandwidth rules: arithmetic only.
 *
 *   density(p) = (1 / (n h)) sum_i phi((p - x_i) / h),  phi the standard normal density.
 *
 * sd is the sample sd (divisor n - 1); IQR is the difference of the type-7 quantiles (R's
 * default) at 0.75 and 0.25. Nothing here allocates for n <= 256; beyond, metrics_bw (a sorted
 * copy for the quartiles) and metrics_kde_on_grid take scratch freed before return. The caller
 * owns every array. */
#ifndef PROSPERITY_METRICS_DENSITY_H
#define PROSPERITY_METRICS_DENSITY_H

#include <stddef.h>

#include "metrics.h"

enum metrics_bw_rule {
    METRICS_BW_NRD0,            /* R bw.nrd0: 0.9 min(sd, IQR/1.34) n^-1/5; IQR = 0: sd */
    METRICS_BW_NRD,             /* R bw.nrd: 1.06 min(sd, IQR/1.34) n^-1/5 */
    METRICS_BW_SCIPY_SCOTT,     /* scipy gaussian_kde 'scott': sd n^-1/5 */
    METRICS_BW_SCIPY_SILVERMAN, /* scipy gaussian_kde 'silverman': sd (3n/4)^-1/5 */
    METRICS_BW_STATA            /* Stata kdensity: 0.9 min(sd, IQR/1.349) n^-1/5 */
};

/* The rule's query name ("nrd0", "nrd", "scipy_scott", "scipy_silverman", "stata"), static;
 * NULL for a value outside the enum. */
const char *metrics_bw_name(enum metrics_bw_rule rule);
/* The rule called NAME (exact, case-sensitive), or METRICS_E_DOMAIN. */
METRICS_MUST_CHECK int metrics_bw_from_name(const char *name, enum metrics_bw_rule *rule);

/* Bandwidth of x[0..n) by RULE into *H (> 0). n >= 2 (METRICS_E_TOO_FEW), finite x
 * (METRICS_E_DOMAIN). Zero spread is METRICS_E_DEGENERATE: all values equal (sd = 0) for
 * every rule (R's bw.nrd0 would fall back to |x_1| or 1; a density of one repeated value says
 * nothing), and IQR = 0 for nrd and stata (R's bw.nrd returns 0 there, which density()
 * rejects). nrd0 keeps R's guard for IQR = 0 with sd > 0: it uses sd. */
METRICS_MUST_CHECK int metrics_bw(const double *x, size_t n, enum metrics_bw_rule rule, double *h);

/* [*LO, *HI] = [min x - 3h, max x + 3h], the span of R's density(cut = 3). For a grid common
 * to several samples the caller takes the smallest LO and the largest HI. n >= 1, h > 0. */
METRICS_MUST_CHECK int metrics_kde_span(const double *x, size_t n, double h, double *lo,
                                        double *hi);

/* GRID[0..points) = lo + k (hi - lo) / (points - 1), as R's seq(lo, hi, length.out = points).
 * points >= 2, finite lo < hi. */
METRICS_MUST_CHECK int metrics_kde_grid(double lo, double hi, size_t points, double *grid);

/* DENSITY[k] at AT[k], k < m, by the direct sum (n m exp calls). n >= 1, finite h > 0, finite
 * x and AT. DENSITY may not alias AT. */
METRICS_MUST_CHECK int metrics_kde(const double *x, size_t n, double h, const double *at, size_t m,
                                   double *density);

/* DENSITY[0..points) at the points of metrics_kde_grid(lo, hi, points). The same sum, but along
 * the grid each kernel is stepped by two multiplications (exp(-u^2/2) times a ratio that is
 * itself a geometric sequence), restarted from exp() every 64 points: about 2n exp calls per
 * 64 points instead of 64n. Agrees with metrics_kde to about 1e-13 relative (kernels coming out
 * of underflow mid-block are summed directly; a grid step above h uses the direct sum).
 * Allocates 2n doubles for n > 256. */
METRICS_MUST_CHECK int metrics_kde_on_grid(const double *x, size_t n, double h, double lo,
                                           double hi, size_t points, double *density);

#endif
