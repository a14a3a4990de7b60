/* api/metrics/segments.h — segmented linear trend: least-squares segments of y on (1, x) with
 * the number of breaks chosen by BIC, as R strucchange::breakpoints(y ~ x, h = 0.15) (Bai and
 * Perron 2003, exact dynamic programming over every partition). Arithmetic only; the caller
 * provides the workspace, nothing here allocates. Returns METRICS_OK or a METRICS_E_* code,
 * writes *OUT only on success, never produces NaN or an infinity. */
#ifndef PROSPERITY_METRICS_SEGMENTS_H
#define PROSPERITY_METRICS_SEGMENTS_H

#include <stddef.h>

#include "metrics.h"

#define SEGMENTS_MAX_BREAKS 8

struct segments_segment {
    size_t from, to;         /* 0-based indices of its first and last observation */
    double slope, intercept; /* OLS of y on x over the segment; intercept at x = 0 */
    double rss;
};

struct segments_fit {
    size_t n;
    size_t h;          /* minimum segment length used */
    size_t max_breaks; /* min(ceiling(n / h) - 2, SEGMENTS_MAX_BREAKS), as strucchange */
    size_t n_breaks;   /* chosen by the lowest BIC (the fewest breaks on a tie) */
    /* 0-based index of the last observation of each segment but the last */
    size_t breaks[SEGMENTS_MAX_BREAKS];
    struct segments_segment segments[SEGMENTS_MAX_BREAKS + 1]; /* n_breaks + 1 of them */
    /* for m = 0 .. max_breaks: the least RSS over every partition with m breaks, and
     * BIC(m) = n (ln(RSS_m) + 1 - ln n + ln 2 pi) + ln(n) 3 (m + 1) (strucchange's summary) */
    double rss[SEGMENTS_MAX_BREAKS + 1];
    double bic[SEGMENTS_MAX_BREAKS + 1];
};

/* The workspace segments_fit needs for N observations, in doubles:
 * n^2 + 2 n (SEGMENTS_MAX_BREAKS + 1). 31 KiB for n = 43. */
size_t segments_work_size(size_t n);

/* Fits y[0 .. n) on x[0 .. n) (x strictly increasing, e.g. years; all finite, else
 * METRICS_E_DOMAIN). H is the minimum segment length, 0 for the default max(3, floor(0.15 n))
 * (strucchange's h = 0.15 is floor(0.15 n); below 3 it would refuse, here 3 is used); H < 3 is
 * METRICS_E_DOMAIN and H > floor(n / 2) METRICS_E_TOO_FEW (so n >= 6). WORK has WORK_LEN >=
 * segments_work_size(n) doubles (METRICS_E_NOMEM otherwise). A y that a single line fits
 * exactly (RSS 0) is METRICS_E_DEGENERATE: its BIC would be -infinity. */
METRICS_MUST_CHECK int segments_fit(const double *x, const double *y, size_t n, size_t h,
                                    double *work, size_t work_len, struct segments_fit *out);

#endif
