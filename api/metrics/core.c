/* api/metrics/core.c — the shared validated sample and the error messages of the metrics
 * library. */
#include "metrics/core.h"

int metrics_sample_sums(struct metrics_sample *s)
{
    struct metrics_nsum sw = {0, 0}, swx = {0, 0};
    if (s->w) {
        for (size_t i = 0; i < s->n; i++) {
            metrics_nsum_add(&sw, s->w[i]);
            metrics_nsum_add(&swx, s->w[i] * s->x[i]);
        }
    } else {
        /* Unit weights: their compensated sum is N exactly (N < 2^53), and 1 * x is x. */
        sw.sum = (double)s->n;
        for (size_t i = 0; i < s->n; i++)
            metrics_nsum_add(&swx, s->x[i]);
    }
    return metrics_sample_totals(s, metrics_nsum_value(&sw), metrics_nsum_value(&swx));
}

int metrics_sample_totals(struct metrics_sample *s, double total_weight, double total_value)
{
    s->total_weight = total_weight;
    s->total_value = total_value;
    if (!isfinite(s->total_weight))
        return METRICS_E_WEIGHTS;
    if (!(s->total_weight > 0))
        return METRICS_E_WEIGHTS;
    s->mean = s->total_value / s->total_weight;
    if (!isfinite(s->total_value) || !isfinite(s->mean))
        return METRICS_E_DOMAIN;
    return METRICS_OK;
}

int metrics_sample_open(struct metrics_sample *s, const double *x, const double *w, size_t n,
                        size_t min_n, enum metrics_floor floor, int nonzero_mean)
{
    if (n < min_n)
        return METRICS_E_TOO_FEW;
    if (!x)
        return METRICS_E_DOMAIN;
    int rc = metrics_check_values(x, n, floor);
    if (rc == METRICS_OK)
        rc = metrics_check_weights(w, n);
    if (rc != METRICS_OK)
        return rc;
    *s = (struct metrics_sample){.x = x, .w = w, .n = n};
    rc = metrics_sample_sums(s);
    if (rc == METRICS_OK && nonzero_mean && s->mean == 0)
        rc = METRICS_E_ZERO;
    return rc;
}

/* ---- messages ---- */

const char *metrics_strerror(int code)
{
    switch (code) {
    case METRICS_OK:
        return "ok";
    case METRICS_E_TOO_FEW:
        return "too few values";
    case METRICS_E_NONPOSITIVE:
        return "needs positive values";
    case METRICS_E_ZERO:
        return "division by zero";
    case METRICS_E_WEIGHTS:
        return "invalid weights";
    case METRICS_E_DEGENERATE:
        return "degenerate data";
    case METRICS_E_DOMAIN:
        return "value out of range";
    case METRICS_E_NOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}
