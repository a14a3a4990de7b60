/* api/metrics/core.h — what every metrics family shares, inside the metrics library only:
 * compensated sums, input validation, a validated weighted sample, finite results. Not for
 * endpoints (they include metrics.h or a family's header). */
#ifndef PROSPERITY_METRICS_CORE_H
#define PROSPERITY_METRICS_CORE_H

#include <math.h>
#include <stddef.h>

#include "metrics.h"

/* ---- compensated summation ---- */

/* Neumaier's variant of Kahan summation: unlike Kahan's, it stays exact when an addend is larger
 * than the running sum, which happens with mixed-sign terms (the Gini's cumulative weights, the
 * centred sums of OLS). Needs strict IEEE evaluation: do not build this file with -ffast-math. */
struct metrics_nsum {
    double sum, carry;
};

static inline void metrics_nsum_add(struct metrics_nsum *a, double v)
{
    double t = a->sum + v;
    if (fabs(a->sum) >= fabs(v))
        a->carry += (a->sum - t) + v;
    else
        a->carry += (v - t) + a->sum;
    a->sum = t;
}

static inline double metrics_nsum_value(const struct metrics_nsum *a)
{
    return a->sum + a->carry;
}

/* ---- input validation ---- */

/* The smallest value a metric accepts. */
enum metrics_floor { METRICS_FLOOR_NONE, METRICS_FLOOR_NONNEG, METRICS_FLOOR_POSITIVE };

/* METRICS_E_DOMAIN for a non-finite value, else METRICS_E_NONPOSITIVE for one below FLOOR. All
 * values are scanned first, so the code does not depend on the order of the inputs. */
static inline int metrics_check_values(const double *x, size_t n, enum metrics_floor floor)
{
    int below = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return METRICS_E_DOMAIN;
        if ((floor == METRICS_FLOOR_NONNEG && x[i] < 0) ||
            (floor == METRICS_FLOOR_POSITIVE && !(x[i] > 0)))
            below = 1;
    }
    return below ? METRICS_E_NONPOSITIVE : METRICS_OK;
}

static inline int metrics_check_weights(const double *w, size_t n)
{
    if (!w)
        return METRICS_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i]) || w[i] < 0)
            return METRICS_E_WEIGHTS;
    return METRICS_OK;
}

static inline double metrics_weight_at(const double *w, size_t i)
{
    return w ? w[i] : 1.0;
}

/* A validated sample: W = sum w_i and mu = (1/W) sum w_i x_i, both finite, W > 0. */
struct metrics_sample {
    const double *x, *w;
    size_t n;
    double total_weight, total_value, mean;
};

/* ln(a / b) for a, b > 0. The quotient rounds once, which keeps ln accurate when a is close to b;
 * the difference of logs is the fallback for quotients that overflow or underflow. */
static inline double metrics_log_ratio(double a, double b)
{
    double r = a / b;
    if (isfinite(r) && r > 0)
        return log(r);
    return log(a) - log(b);
}

static inline int metrics_finish(double v, double *out)
{
    if (!isfinite(v))
        return METRICS_E_DOMAIN;
    *out = v;
    return METRICS_OK;
}

/* The units of the opened set S in ascending order of x, ties by index (the order of a stable
 * sort by x from the input order, which glibc's qsort is): sorted on the first call after an
 * open, borrowed from S. Only for S->n <= METRICS_SET_MAX finite values. */
const unsigned char *metrics_set_order(struct metrics_set *s);

/* S's total weight, total value and mean from its X, W and N (checked already): METRICS_OK, or
 * METRICS_E_WEIGHTS (the weights do not sum to a finite W > 0) or METRICS_E_DOMAIN (the value
 * total or the mean is not finite). */
int metrics_sample_sums(struct metrics_sample *s);
/* metrics_sample_sums after its sums: S's totals are TOTAL_WEIGHT and TOTAL_VALUE (summed as it
 * sums them), checked and divided into the mean; the same codes. */
int metrics_sample_totals(struct metrics_sample *s, double total_weight, double total_value);

/* Validates X and W (n >= MIN_N, values at or above FLOOR, weights as in metrics.h) and fills
 * S. NONZERO_MEAN: every index divides by mu, so a zero mean is METRICS_E_ZERO. */
int metrics_sample_open(struct metrics_sample *s, const double *x, const double *w, size_t n,
                        size_t min_n, enum metrics_floor floor, int nonzero_mean);

#endif
