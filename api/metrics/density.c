/* api/metrics/density.c — exact Gaussian kernel density and bandwidth rules. */
#include "metrics/density.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BW_STACK_N = 256, GRID_BLOCK = 64, GRID_STACK_N = 256 };

static const char *const rule_names[] = {
    [METRICS_BW_NRD0] = "nrd0",
    [METRICS_BW_NRD] = "nrd",
    [METRICS_BW_SCIPY_SCOTT] = "scipy_scott",
    [METRICS_BW_SCIPY_SILVERMAN] = "scipy_silverman",
    [METRICS_BW_STATA] = "stata",
};
#define NRULES (sizeof rule_names / sizeof rule_names[0])

const char *metrics_bw_name(enum metrics_bw_rule rule)
{
    return (size_t)rule < NRULES ? rule_names[rule] : NULL;
}

int metrics_bw_from_name(const char *name, enum metrics_bw_rule *rule)
{
    if (!name || !rule)
        return METRICS_E_DOMAIN;
    for (size_t i = 0; i < NRULES; i++)
        if (strcmp(name, rule_names[i]) == 0) {
            *rule = (enum metrics_bw_rule)i;
            return METRICS_OK;
        }
    return METRICS_E_DOMAIN;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted S[0..n): index (n - 1) p, interpolated as R writes it. */
static double quantile7(const double *s, size_t n, double p)
{
    double index = (double)(n - 1) * p;
    size_t lo = (size_t)floor(index), hi = (size_t)ceil(index);
    double h = index - (double)lo;
    if (hi == lo || s[hi] == s[lo])
        return s[lo];
    return (1 - h) * s[lo] + h * s[hi];
}

/* Sample sd (n - 1), two passes. */
static double sample_sd(const double *x, size_t n)
{
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

static int iqr(const double *x, size_t n, double *out)
{
    double stack[BW_STACK_N];
    double *s = stack;
    if (n > BW_STACK_N) {
        if (n > SIZE_MAX / sizeof *s)
            return METRICS_E_NOMEM;
        s = malloc(n * sizeof *s);
        if (!s)
            return METRICS_E_NOMEM;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, double_cmp);
    *out = quantile7(s, n, 0.75) - quantile7(s, n, 0.25);
    if (s != stack)
        free(s);
    return METRICS_OK;
}

int metrics_bw(const double *x, size_t n, enum metrics_bw_rule rule, double *h)
{
    if (!x || !h || (size_t)rule >= NRULES)
        return METRICS_E_DOMAIN;
    if (n < 2)
        return METRICS_E_TOO_FEW;
    if (!all_finite(x, n))
        return METRICS_E_DOMAIN;
    double sd = sample_sd(x, n), spread = sd, q = 0, factor;
    if (!isfinite(sd))
        return METRICS_E_DOMAIN;
    if (!(sd > 0))
        return METRICS_E_DEGENERATE;
    double n5 = pow((double)n, -0.2);
    if (rule == METRICS_BW_NRD0 || rule == METRICS_BW_NRD || rule == METRICS_BW_STATA) {
        int rc = iqr(x, n, &q);
        if (rc != METRICS_OK)
            return rc;
        spread = fmin(sd, q / (rule == METRICS_BW_STATA ? 1.349 : 1.34));
    }
    switch (rule) {
    case METRICS_BW_NRD0:
        /* R: if (!(lo <- min(hi, IQR/1.34))) lo <- hi (sd > 0 here, so R's later guards, |x1|
         * and 1, are never reached). */
        if (!(spread > 0))
            spread = sd;
        factor = 0.9 * n5;
        break;
    case METRICS_BW_NRD:
        factor = 1.06 * n5;
        break;
    case METRICS_BW_STATA:
        factor = 0.9 * n5;
        break;
    case METRICS_BW_SCIPY_SCOTT:
        factor = n5;
        break;
    default: /* METRICS_BW_SCIPY_SILVERMAN */
        factor = pow((double)n * 3.0 / 4.0, -0.2);
        break;
    }
    double v = factor * spread;
    if (!(v > 0))
        return METRICS_E_DEGENERATE;
    if (!isfinite(v))
        return METRICS_E_DOMAIN;
    *h = v;
    return METRICS_OK;
}

static int kde_args(const double *x, size_t n, double h)
{
    if (!x)
        return METRICS_E_DOMAIN;
    if (n < 1)
        return METRICS_E_TOO_FEW;
    if (!isfinite(h) || !(h > 0) || !all_finite(x, n))
        return METRICS_E_DOMAIN;
    return METRICS_OK;
}

int metrics_kde_span(const double *x, size_t n, double h, double *lo, double *hi)
{
    int rc = kde_args(x, n, h);
    if (rc != METRICS_OK)
        return rc;
    if (!lo || !hi)
        return METRICS_E_DOMAIN;
    double mn = x[0], mx = x[0];
    for (size_t i = 1; i < n; i++) {
        mn = fmin(mn, x[i]);
        mx = fmax(mx, x[i]);
    }
    double a = mn - 3 * h, b = mx + 3 * h;
    if (!isfinite(a) || !isfinite(b))
        return METRICS_E_DOMAIN;
    *lo = a;
    *hi = b;
    return METRICS_OK;
}

static int grid_args(double lo, double hi, size_t points)
{
    if (points < 2)
        return METRICS_E_TOO_FEW;
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi) || !isfinite(hi - lo))
        return METRICS_E_DOMAIN;
    return METRICS_OK;
}

int metrics_kde_grid(double lo, double hi, size_t points, double *grid)
{
    int rc = grid_args(lo, hi, points);
    if (rc != METRICS_OK)
        return rc;
    if (!grid)
        return METRICS_E_DOMAIN;
    double step = (hi - lo) / (double)(points - 1);
    for (size_t k = 0; k < points; k++)
        grid[k] = lo + (double)k * step;
    return METRICS_OK;
}

/* 1 / sqrt(2 pi) */
#define INV_SQRT_2PI 0.398942280401432677939946059934

static int scale_out(double *density, size_t m, double scale)
{
    for (size_t k = 0; k < m; k++) {
        density[k] *= scale;
        if (!isfinite(density[k]))
            return METRICS_E_DOMAIN;
    }
    return METRICS_OK;
}

int metrics_kde(const double *x, size_t n, double h, const double *at, size_t m, double *density)
{
    int rc = kde_args(x, n, h);
    if (rc != METRICS_OK)
        return rc;
    if ((m && (!at || !density)) || !all_finite(at, m))
        return METRICS_E_DOMAIN;
    for (size_t k = 0; k < m; k++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            double u = (at[k] - x[i]) / h;
            s += exp(-0.5 * u * u);
        }
        density[k] = s;
    }
    return scale_out(density, m, INV_SQRT_2PI / ((double)n * h));
}

/* The grid in blocks of GRID_BLOCK points. At a block's first point every kernel starts from
 * exp(): e_i = exp(-u^2 / 2) and the ratio r_i = exp(-u delta - delta^2 / 2) to the next
 * point; then e_i <- e_i r_i and r_i <- r_i q with q = exp(-delta^2) (exact identities of
 * exp(-(u + delta)^2 / 2)), so a block costs 2n exp() calls instead of n GRID_BLOCK, with a
 * rounding error of about GRID_BLOCK^2 / 2 ulps. The inner loop runs over the data, four
 * independent sums (two lanes of two), so it pipelines. A kernel that underflows to 0 at the
 * block's start but comes out of underflow within the block (a grid coarse against h, or a gap in
 * the data) is summed with exp() for that block. E and R hold n doubles each. */
enum { UNDERFLOW_U = 39 }; /* exp(-u^2 / 2) is 0 in double beyond |u| = 38.6 */

/* Two doubles in one SSE register (GCC and Clang): each lane is the scalar IEEE operation, so the
 * sums are those of four scalar accumulators, bit for bit, in about half the instructions. */
typedef double v2d __attribute__((vector_size(16)));

static void kde_block(const double *restrict x, size_t n, double h, double lo, double step,
                      double delta, double q, size_t k0, size_t kn, double *restrict e,
                      double *restrict r, double *restrict density)
{
    double half_d2 = 0.5 * delta * delta;
    int late = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (lo + (double)k0 * step - x[i]) / h;
        e[i] = exp(-0.5 * u * u);
        r[i] = e[i] > 0 ? exp(-u * delta - half_d2) : 0;
        if (e[i] == 0 && u < 0 && u + (double)(kn - 1) * delta > -UNDERFLOW_U)
            late = 1;
    }
    v2d qq = {q, q};
    for (size_t k = 0; k < kn; k++) {
        v2d s01 = {0, 0}, s23 = {0, 0};
        size_t i = 0;
        for (; i + 4 <= n; i += 4) {
            v2d e01, e23, r01, r23;
            memcpy(&e01, e + i, sizeof e01);
            memcpy(&e23, e + i + 2, sizeof e23);
            memcpy(&r01, r + i, sizeof r01);
            memcpy(&r23, r + i + 2, sizeof r23);
            s01 += e01;
            s23 += e23;
            e01 *= r01;
            e23 *= r23;
            r01 *= qq;
            r23 *= qq;
            memcpy(e + i, &e01, sizeof e01);
            memcpy(e + i + 2, &e23, sizeof e23);
            memcpy(r + i, &r01, sizeof r01);
            memcpy(r + i + 2, &r23, sizeof r23);
        }
        double s0 = s01[0];
        for (; i < n; i++) {
            s0 += e[i];
            e[i] *= r[i];
            r[i] *= q;
        }
        density[k0 + k] = (s0 + s01[1]) + (s23[0] + s23[1]);
    }
    if (!late)
        return;
    for (size_t i = 0; i < n; i++) {
        double u = (lo + (double)k0 * step - x[i]) / h;
        if (!(u < -UNDERFLOW_U + 1 && exp(-0.5 * u * u) == 0))
            continue;
        for (size_t k = 0; k < kn; k++) {
            double v = (lo + (double)(k0 + k) * step - x[i]) / h;
            density[k0 + k] += exp(-0.5 * v * v);
        }
    }
}

int metrics_kde_on_grid(const double *x, size_t n, double h, double lo, double hi, size_t points,
                        double *density)
{
    double stack[2 * GRID_STACK_N];
    int rc = kde_args(x, n, h);
    if (rc == METRICS_OK)
        rc = grid_args(lo, hi, points);
    if (rc != METRICS_OK)
        return rc;
    if (!density)
        return METRICS_E_DOMAIN;
    double step = (hi - lo) / (double)(points - 1);
    double delta = step / h;
    /* Beyond a step of h the ratios could overflow and stepping saves nothing: direct sums. */
    if (!(delta <= 1)) {
        double *at = density;
        rc = metrics_kde_grid(lo, hi, points, at);
        if (rc == METRICS_OK) {
            for (size_t k = 0; k < points; k++) {
                double s = 0;
                for (size_t i = 0; i < n; i++) {
                    double u = (at[k] - x[i]) / h;
                    s += exp(-0.5 * u * u);
                }
                density[k] = s;
            }
        }
        return rc == METRICS_OK ? scale_out(density, points, INV_SQRT_2PI / ((double)n * h)) : rc;
    }
    double *e = stack;
    if (n > GRID_STACK_N) {
        if (n > SIZE_MAX / 2 / sizeof *e)
            return METRICS_E_NOMEM;
        e = malloc(2 * n * sizeof *e);
        if (!e)
            return METRICS_E_NOMEM;
    }
    double q = exp(-delta * delta);
    for (size_t k0 = 0; k0 < points; k0 += GRID_BLOCK) {
        size_t kn = points - k0 < GRID_BLOCK ? points - k0 : GRID_BLOCK;
        kde_block(x, n, h, lo, step, delta, q, k0, kn, e, e + n, density);
    }
    if (e != stack)
        free(e);
    return scale_out(density, points, INV_SQRT_2PI / ((double)n * h));
}
