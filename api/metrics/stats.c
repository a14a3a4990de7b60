/* api/metrics/stats.c — normal, chi-square and Student t tails from erfc and the regularized
 * incomplete gamma and beta functions (series and Lentz continued fractions, as in Numerical
 * Recipes §6.2 and §6.4, iterated to double precision). */
#include "stats.h"

#include <math.h>

#define STATS_EPS      1e-16
#define STATS_TINY     1e-300
#define STATS_MAX_ITER 10000

static int put_probability(double p, double *out)
{
    if (!isfinite(p))
        return METRICS_E_DOMAIN;
    /* rounding can leave a hair outside [0, 1] */
    *out = p < 0 ? 0 : (p > 1 ? 1 : p);
    return METRICS_OK;
}

int stats_normal_cdf(double x, double *out)
{
    if (!isfinite(x))
        return METRICS_E_DOMAIN;
    return put_probability(0.5 * erfc(-x * M_SQRT1_2), out);
}

int stats_normal_upper(double x, double *out)
{
    if (!isfinite(x))
        return METRICS_E_DOMAIN;
    return put_probability(0.5 * erfc(x * M_SQRT1_2), out);
}

/* P(a, x) by its series, for x < a + 1, where it converges fast. */
static double gamma_p_series(double a, double x)
{
    double ap = a, term = 1.0 / a, sum = term;
    for (int i = 0; i < STATS_MAX_ITER; i++) {
        ap += 1;
        term *= x / ap;
        sum += term;
        if (fabs(term) < fabs(sum) * STATS_EPS)
            break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* One step of the modified Lentz method for the term AN / (BN + ...): updates the running C and
 * D (both carried from step to step, kept off zero) and returns the factor the value takes. */
static double lentz_step(double an, double bn, double *c, double *d)
{
    *d = an * *d + bn;
    if (fabs(*d) < STATS_TINY)
        *d = STATS_TINY;
    *c = bn + an / *c;
    if (fabs(*c) < STATS_TINY)
        *c = STATS_TINY;
    *d = 1 / *d;
    return *d * *c;
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double gamma_q_fraction(double a, double x)
{
    double b = x + 1 - a, c = 1 / STATS_TINY, d = 1 / b, h = d;
    for (int i = 1; i < STATS_MAX_ITER; i++) {
        b += 2;
        double del = lentz_step(-i * (i - a), b, &c, &d);
        h *= del;
        if (fabs(del - 1) < STATS_EPS)
            break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

int stats_gamma_q(double a, double x, double *out)
{
    if (!isfinite(a) || !isfinite(x) || a <= 0 || x < 0)
        return METRICS_E_DOMAIN;
    if (x == 0)
        return put_probability(1, out);
    if (x < a + 1)
        return put_probability(1 - gamma_p_series(a, x), out);
    return put_probability(gamma_q_fraction(a, x), out);
}

/* The continued fraction of I_x(a, b) (without its prefactor); converges for x < (a+1)/(a+b+2). */
static double beta_fraction(double a, double b, double x)
{
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < STATS_TINY)
        d = STATS_TINY;
    d = 1 / d;
    double h = d;
    for (int m = 1; m < STATS_MAX_ITER; m++) {
        int m2 = 2 * m;
        h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), 1, &c, &d);
        double del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), 1, &c, &d);
        h *= del;
        if (fabs(del - 1) < STATS_EPS)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x passed in, so a caller that knows y exactly (the t test's
 * t^2 / (df + t^2)) does not lose it to the subtraction. */
static double beta_i(double a, double b, double x, double y)
{
    if (x <= 0)
        return 0;
    if (y <= 0)
        return 1;
    double front = exp(a * log(x) + b * log(y) - (lgamma(a) + lgamma(b) - lgamma(a + b)));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_fraction(a, b, x) / a;
    return 1 - front * beta_fraction(b, a, y) / b;
}

int stats_beta_i(double a, double b, double x, double *out)
{
    if (!isfinite(a) || !isfinite(b) || !isfinite(x) || a <= 0 || b <= 0 || x < 0 || x > 1)
        return METRICS_E_DOMAIN;
    return put_probability(beta_i(a, b, x, 1 - x), out);
}

int stats_chisq_upper(double x, double dof, double *out)
{
    if (!isfinite(x) || !isfinite(dof) || dof <= 0)
        return METRICS_E_DOMAIN;
    if (x <= 0)
        return put_probability(1, out);
    return stats_gamma_q(dof / 2, x / 2, out);
}

int stats_t_two_sided(double t, double df, double *out)
{
    if (!isfinite(t) || !isfinite(df) || df <= 0)
        return METRICS_E_DOMAIN;
    /* P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2) */
    double t2 = t * t, s = df + t2;
    return put_probability(beta_i(df / 2, 0.5, df / s, t2 / s), out);
}
