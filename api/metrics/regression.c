/* api/metrics/regression.c — least squares, beta and sigma convergence: arithmetic only (no JSON,
 * no I/O, no regions).
 *
 * Every public function validates all of its inputs before it computes anything, computes into
 * locals, and writes *OUT only after checking that each result is finite. A result that is
 * not finite despite finite inputs (an overflow) is reported as METRICS_E_DOMAIN. */
#include "metrics/core.h"
#include "metrics/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- regression and convergence ---- */

int metrics_ols(const double *x, const double *y, size_t n, struct metrics_ols *out)
{
    if (!out)
        return METRICS_E_DOMAIN;
    if (n < 2)
        return METRICS_E_TOO_FEW;
    if (!x || !y)
        return METRICS_E_DOMAIN;
    int rc = metrics_check_values(x, n, METRICS_FLOOR_NONE);
    if (rc == METRICS_OK)
        rc = metrics_check_values(y, n, METRICS_FLOOR_NONE);
    if (rc != METRICS_OK)
        return rc;

    /* Centred sums: Sxx = sum x^2 - n xbar^2 would cancel catastrophically for years. */
    struct metrics_nsum sx = {0, 0}, sy = {0, 0};
    for (size_t i = 0; i < n; i++) {
        metrics_nsum_add(&sx, x[i]);
        metrics_nsum_add(&sy, y[i]);
    }
    double xbar = metrics_nsum_value(&sx) / (double)n, ybar = metrics_nsum_value(&sy) / (double)n;
    struct metrics_nsum sxx = {0, 0}, sxy = {0, 0}, syy = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - xbar, dy = y[i] - ybar;
        metrics_nsum_add(&sxx, dx * dx);
        metrics_nsum_add(&sxy, dx * dy);
        metrics_nsum_add(&syy, dy * dy);
    }
    double s_xx = metrics_nsum_value(&sxx), s_xy = metrics_nsum_value(&sxy),
           s_yy = metrics_nsum_value(&syy);
    if (!isfinite(xbar) || !isfinite(ybar) || !isfinite(s_xx) || !isfinite(s_yy))
        return METRICS_E_DOMAIN;
    if (!(s_xx > 0))
        return METRICS_E_DEGENERATE;

    struct metrics_ols r = {.n = n};
    r.slope = s_xy / s_xx;
    r.intercept = ybar - r.slope * xbar;
    struct metrics_nsum sse = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double e = (y[i] - ybar) - r.slope * (x[i] - xbar);
        metrics_nsum_add(&sse, e * e);
    }
    double s_ee = metrics_nsum_value(&sse);
    if (n >= 3) {
        double s2 = s_ee / (double)(n - 2);
        r.has_se = 1;
        r.se_slope = sqrt(s2 / s_xx);
        r.se_intercept = sqrt(s2 * (1 / (double)n + xbar * xbar / s_xx));
    }
    if (s_yy > 0) {
        r.has_r2 = 1;
        r.r2 = 1 - s_ee / s_yy;
    }
    if (!isfinite(r.slope) || !isfinite(r.intercept) || !isfinite(r.se_slope) ||
        !isfinite(r.se_intercept) || !isfinite(r.r2))
        return METRICS_E_DOMAIN;
    *out = r;
    return METRICS_OK;
}

/* Fills the speed of convergence and the half-life implied by B's beta over B's years. */
/* The slope's t and two-sided p-value with n - 2 degrees of freedom. An exact fit (se = 0,
 * possible only when every point lies on the line) leaves no doubt about the slope: p = 0. */
static int beta_significance(struct metrics_beta *b)
{
    b->has_t = b->se > 0;
    b->p_value = 0;
    if (b->has_t) {
        b->t = b->beta / b->se;
        int rc = stats_t_two_sided(b->t, (double)b->n - 2, &b->p_value);
        if (rc != METRICS_OK)
            return rc;
    }
    b->significant = b->p_value < 0.05;
    return METRICS_OK;
}

static void beta_speed(struct metrics_beta *b)
{
    double bt = b->beta * b->years;
    /* a negative beta that chance explains as well (t = -0.62 over 31 provinces) is not
     * convergence */
    b->converging = b->beta < 0 && b->significant;
    /* 1 + beta T <= 0 means the gap more than closed: no exponential path gives that. */
    b->has_speed = 1 + bt > 0;
    if (!b->has_speed)
        return;
    b->speed = -log1p(bt) / b->years;
    b->has_half_life = b->speed > 0;
    if (b->has_half_life)
        b->half_life = log(2.0) / b->speed;
}

int metrics_beta_convergence(const double *y0, const double *yT, size_t n, double years,
                             struct metrics_beta *out)
{
    double *lx = NULL;
    if (!out)
        return METRICS_E_DOMAIN;
    if (n < 3)
        return METRICS_E_TOO_FEW;
    if (!y0 || !yT || !isfinite(years) || !(years > 0))
        return METRICS_E_DOMAIN;
    int rc = metrics_check_values(y0, n, METRICS_FLOOR_POSITIVE);
    if (rc == METRICS_OK)
        rc = metrics_check_values(yT, n, METRICS_FLOOR_POSITIVE);
    if (rc != METRICS_OK)
        return rc;

    rc = METRICS_E_NOMEM;
    if (n > SIZE_MAX / (2 * sizeof *lx))
        goto fail;
    lx = malloc(2 * n * sizeof *lx);
    if (!lx)
        goto fail;
    double *growth = lx + n;
    for (size_t i = 0; i < n; i++) {
        lx[i] = log(y0[i]);
        growth[i] = metrics_log_ratio(yT[i], y0[i]) / years;
    }
    struct metrics_ols fit;
    rc = metrics_ols(lx, growth, n, &fit);
    if (rc != METRICS_OK)
        goto fail;
    /* Equal growth everywhere leaves nothing for the regression to explain. */
    rc = METRICS_E_DEGENERATE;
    if (!fit.has_r2)
        goto fail;

    struct metrics_beta b = {
        .beta = fit.slope,
        .alpha = fit.intercept,
        .se = fit.se_slope,
        .r2 = fit.r2,
        .n = n,
        .years = years,
    };
    rc = beta_significance(&b);
    if (rc != METRICS_OK)
        goto fail;
    beta_speed(&b);
    rc = METRICS_E_DOMAIN;
    if (!isfinite(b.speed) || !isfinite(b.half_life))
        goto fail;
    *out = b;
    rc = METRICS_OK;
fail:
    free(lx);
    return rc;
}

int metrics_sigma_convergence(const double *years, const double *dispersion, size_t n,
                              struct metrics_ols *out)
{
    return metrics_ols(years, dispersion, n, out);
}
