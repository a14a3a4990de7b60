/* api/metrics/stats.h — distribution functions for the analyses' p-values: the normal, the
 * chi-square and Student's t. Arithmetic only; no state, no allocation.
 *
 * Every function returns METRICS_OK and writes *OUT (a probability in [0, 1]), or
 * METRICS_E_DOMAIN for a non-finite argument or degrees of freedom <= 0, leaving *OUT alone.
 * Upper tails are computed directly (never as 1 - cdf), so a tiny p-value keeps its digits:
 * relative error about 1e-13 against R's pnorm, pchisq and pt for degrees of freedom up to 1e4. */
#ifndef PROSPERITY_METRICS_STATS_H
#define PROSPERITY_METRICS_STATS_H

#include "metrics.h"

/* Standard normal: P(Z <= x) and P(Z > x) (R pnorm(x), pnorm(x, lower.tail = FALSE)). */
METRICS_MUST_CHECK int stats_normal_cdf(double x, double *out);
METRICS_MUST_CHECK int stats_normal_upper(double x, double *out);

/* Chi-square with DOF > 0 degrees of freedom: P(X > x) (R pchisq(x, dof, lower.tail = FALSE));
 * x <= 0 gives 1. */
METRICS_MUST_CHECK int stats_chisq_upper(double x, double dof, double *out);

/* Student t with DF > 0 degrees of freedom: the two-sided p-value P(|T| >= |t|)
 * (R 2 * pt(-abs(t), df)). For a regression slope df = n - 2. */
METRICS_MUST_CHECK int stats_t_two_sided(double t, double df, double *out);

/* Regularized incomplete functions behind the above, a > 0, b > 0:
 * gamma Q(a, x) = Gamma(a, x) / Gamma(a) for x >= 0 (upper tail);
 * beta I_x(a, b) for 0 <= x <= 1. */
METRICS_MUST_CHECK int stats_gamma_q(double a, double x, double *out);
METRICS_MUST_CHECK int stats_beta_i(double a, double b, double x, double *out);

#endif
