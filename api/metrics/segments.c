/* api/metrics/segments.c — Bai-Perron least-squares segmentation of a linear trend, following
 * strucchange 1.5 breakpoints.formula step by step: the RSS of every admissible segment, the
 * dynamic programme over the end of the m-th segment, the first minimum on ties (R's
 * which.min), and the summary's BIC. */
#include "segments.h"

#include <math.h>
#include <string.h>

#define B_MAX SEGMENTS_MAX_BREAKS

size_t segments_work_size(size_t n)
{
    return n * n + 2 * n * (B_MAX + 1);
}

/* RSS[i * n + j] = residual sum of squares of the OLS line over observations i .. j (0-based,
 * j - i + 1 >= h), by centred running moments (Welford), which keep their digits where raw sums
 * of x^2 for years near 2000 would not. */
static void segment_rss_table(const double *x, const double *y, size_t n, size_t h, double *rss)
{
    for (size_t i = 0; i + h <= n; i++) {
        double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
        for (size_t j = i; j < n; j++) {
            double c = (double)(j - i + 1);
            double dx = x[j] - mx, dy = y[j] - my;
            mx += dx / c;
            my += dy / c;
            sxx += dx * (x[j] - mx);
            sxy += dx * (y[j] - my);
            syy += dy * (y[j] - my);
            if (j - i + 1 >= h) {
                double r = syy - sxy * sxy / sxx;
                rss[i * n + j] = r > 0 ? r : 0;
            }
        }
    }
}

/* OLS of y on x over FROM .. TO, two-pass. */
static void segment_line(const double *x, const double *y, size_t from, size_t to,
                         struct segments_segment *s)
{
    double c = (double)(to - from + 1), mx = 0, my = 0;
    for (size_t j = from; j <= to; j++) {
        mx += x[j];
        my += y[j];
    }
    mx /= c;
    my /= c;
    double sxx = 0, sxy = 0;
    for (size_t j = from; j <= to; j++) {
        sxx += (x[j] - mx) * (x[j] - mx);
        sxy += (x[j] - mx) * (y[j] - my);
    }
    s->from = from;
    s->to = to;
    s->slope = sxy / sxx;
    s->intercept = my - s->slope * mx;
    double r = 0;
    for (size_t j = from; j <= to; j++) {
        double e = y[j] - s->intercept - s->slope * x[j];
        r += e * e;
    }
    s->rss = r;
}

int segments_fit(const double *x, const double *y, size_t n, size_t h, double *work,
                 size_t work_len, struct segments_fit *out)
{
    if (!x || !y || !out)
        return METRICS_E_DOMAIN;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]) || (i > 0 && !(x[i] > x[i - 1])))
            return METRICS_E_DOMAIN;
    if (h == 0) {
        h = (size_t)floor(0.15 * (double)n);
        if (h < 3)
            h = 3;
    }
    if (h < 3)
        return METRICS_E_DOMAIN;
    if (h > n / 2)
        return METRICS_E_TOO_FEW;
    if (!work || work_len < segments_work_size(n))
        return METRICS_E_NOMEM;

    size_t max_breaks = (n + h - 1) / h - 2; /* ceiling(n / h) - 2 >= 0 since h <= n / 2 */
    if (max_breaks > B_MAX)
        max_breaks = B_MAX;
    double *rss = work;          /* n x n, upper triangle */
    double *cost = work + n * n; /* cost[m * n + i]: best m breaks, last segment ends at i */
    double *arg = cost + n * (B_MAX + 1); /* the end of the previous segment, as a double */
    segment_rss_table(x, y, n, h, rss);

    /* In 1-based terms as strucchange: break b means a segment ends at observation b. Here
     * indices are 0-based ends e = b - 1. cost[1][e] = RSS(0, e) for e = h-1 .. n-h-1; cost[m][e]
     * for e = m h - 1 .. n - h - 1 is min over the previous end p = (m-1) h - 1 .. e - h of
     * cost[m-1][p] + RSS(p + 1, e). */
    for (size_t e = h - 1; e + h < n; e++)
        cost[1 * n + e] = rss[0 * n + e];
    for (size_t m = 2; m <= max_breaks; m++)
        for (size_t e = m * h - 1; e + h < n; e++) {
            size_t best = 0;
            double bv = 0;
            int have = 0;
            for (size_t p = (m - 1) * h - 1; p + h <= e; p++) {
                double v = cost[(m - 1) * n + p] + rss[(p + 1) * n + e];
                if (!have || v < bv) {
                    bv = v;
                    best = p;
                    have = 1;
                }
            }
            cost[m * n + e] = bv;
            arg[m * n + e] = (double)best;
        }

    struct segments_fit f;
    memset(&f, 0, sizeof f);
    f.n = n;
    f.h = h;
    f.max_breaks = max_breaks;
    size_t ends[B_MAX + 1][B_MAX]; /* the breaks of the best m-break partition */
    f.rss[0] = rss[0 * n + (n - 1)];
    for (size_t m = 1; m <= max_breaks; m++) {
        size_t best = 0;
        double bv = 0;
        int have = 0;
        for (size_t e = m * h - 1; e + h < n; e++) {
            double v = cost[m * n + e] + rss[(e + 1) * n + (n - 1)];
            if (!have || v < bv) {
                bv = v;
                best = e;
                have = 1;
            }
        }
        ends[m][m - 1] = best;
        for (size_t r = m - 1; r > 0; r--)
            ends[m][r - 1] = (size_t)arg[(r + 1) * n + ends[m][r]];
        /* strucchange's RSS of the partition: the sum of its segments' RSS */
        double total = 0;
        size_t from = 0;
        for (size_t r = 0; r <= m; r++) {
            size_t to = r < m ? ends[m][r] : n - 1;
            total += rss[from * n + to];
            from = to + 1;
        }
        f.rss[m] = total;
    }
    double dn = (double)n;
    size_t chosen = 0;
    for (size_t m = 0; m <= max_breaks; m++) {
        if (!(f.rss[m] > 0))
            return METRICS_E_DEGENERATE;
        f.bic[m] =
            dn * (log(f.rss[m]) + 1 - log(dn) + log(2 * M_PI)) + log(dn) * 3.0 * (double)(m + 1);
        if (f.bic[m] < f.bic[chosen])
            chosen = m;
    }
    f.n_breaks = chosen;
    size_t from = 0;
    for (size_t r = 0; r <= chosen; r++) {
        size_t to = r < chosen ? ends[chosen][r] : n - 1;
        if (r < chosen)
            f.breaks[r] = to;
        segment_line(x, y, from, to, &f.segments[r]);
        if (!isfinite(f.segments[r].slope) || !isfinite(f.segments[r].intercept))
            return METRICS_E_DOMAIN;
        from = to + 1;
    }
    *out = f;
    return METRICS_OK;
}
