/* api/metrics/composite.c — composite index: min-max, entropy weights, score, TOPSIS, ranks. */
#include "metrics/composite.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* RANK_INSERTION: up to this many values (a year's regions) an insertion sort on the stack beats
 * qsort's merge sort and its indirect compares several times over. */
enum { COLS_STACK = 64, RANK_STACK = 1024, RANK_INSERTION = 64 };

static int finite_matrix(const double *m, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(m[i]))
            return 0;
    return 1;
}

/* rows * cols without overflow, or 0. */
static size_t cells(size_t rows, size_t cols)
{
    if (cols && rows > SIZE_MAX / sizeof(double) / cols)
        return 0;
    return rows * cols;
}

int metrics_index_normalise(const double *x, size_t rows, size_t cols, const int *direction,
                            double *z, struct metrics_index_indicator *ind)
{
    if (rows < 2 || cols < 1)
        return METRICS_E_TOO_FEW;
    size_t count = cells(rows, cols);
    if (!x || !direction || !z || !ind || !count)
        return METRICS_E_DOMAIN;
    if (!finite_matrix(x, count))
        return METRICS_E_DOMAIN;
    for (size_t c = 0; c < cols; c++)
        if (direction[c] != 1 && direction[c] != -1)
            return METRICS_E_DOMAIN;
    for (size_t c = 0; c < cols; c++) {
        double lo = x[c], hi = x[c];
        for (size_t r = 1; r < rows; r++) {
            lo = fmin(lo, x[r * cols + c]);
            hi = fmax(hi, x[r * cols + c]);
        }
        double range = hi - lo;
        /* A range that overflows (opposite extremes near DBL_MAX) has no finite z. */
        if (!isfinite(range))
            return METRICS_E_DOMAIN;
        ind[c] = (struct metrics_index_indicator){
            .min = lo, .max = hi, .entropy = 1, .constant = !(range > 0)};
        for (size_t r = 0; r < rows; r++) {
            double v = x[r * cols + c];
            if (ind[c].constant)
                z[r * cols + c] = 0;
            else
                z[r * cols + c] = direction[c] > 0 ? (v - lo) / range : (hi - v) / range;
        }
    }
    return METRICS_OK;
}

int metrics_index_entropy(const double *z, size_t rows, size_t cols,
                          struct metrics_index_indicator *ind)
{
    if (rows < 2 || cols < 1)
        return METRICS_E_TOO_FEW;
    size_t count = cells(rows, cols);
    if (!z || !ind || !count)
        return METRICS_E_DOMAIN;
    if (!finite_matrix(z, count))
        return METRICS_E_DOMAIN;
    for (size_t i = 0; i < count; i++)
        if (z[i] < 0)
            return METRICS_E_NONPOSITIVE;
    double ln_rows = log((double)rows);
    for (size_t c = 0; c < cols; c++) {
        double sum = 0, h = 0;
        for (size_t r = 0; r < rows; r++)
            sum += z[r * cols + c];
        if (!isfinite(sum))
            return METRICS_E_DOMAIN;
        if (!(sum > 0)) {
            ind[c].entropy = 1;
            continue;
        }
        for (size_t r = 0; r < rows; r++) {
            double p = z[r * cols + c] / sum;
            if (p > 0) /* 0 ln 0 = 0 */
                h += p * log(p);
        }
        ind[c].entropy = fmin(1.0, -h / ln_rows);
    }
    return METRICS_OK;
}

int metrics_index_weights(const struct metrics_index_indicator *ind, size_t cols,
                          enum metrics_index_weighting weighting, const double *given, double *w)
{
    if (cols < 1)
        return METRICS_E_TOO_FEW;
    if (!ind || !w || (weighting == METRICS_INDEX_GIVEN && !given))
        return METRICS_E_DOMAIN;
    if (weighting != METRICS_INDEX_ENTROPY && weighting != METRICS_INDEX_EQUAL &&
        weighting != METRICS_INDEX_GIVEN)
        return METRICS_E_DOMAIN;
    double total = 0;
    size_t live = 0;
    for (size_t c = 0; c < cols; c++) {
        if (weighting == METRICS_INDEX_GIVEN && (!isfinite(given[c]) || given[c] < 0))
            return METRICS_E_WEIGHTS;
        if (ind[c].constant)
            continue;
        live++;
        if (weighting == METRICS_INDEX_ENTROPY) {
            if (!isfinite(ind[c].entropy))
                return METRICS_E_DOMAIN;
            total += fmax(0.0, 1 - ind[c].entropy);
        } else if (weighting == METRICS_INDEX_GIVEN) {
            total += given[c];
        }
    }
    if (live == 0)
        return METRICS_E_DEGENERATE;
    if (weighting == METRICS_INDEX_EQUAL)
        total = (double)live;
    if (!(total > 0))
        return weighting == METRICS_INDEX_GIVEN ? METRICS_E_WEIGHTS : METRICS_E_DEGENERATE;
    if (!isfinite(total))
        return METRICS_E_WEIGHTS;
    for (size_t c = 0; c < cols; c++) {
        double raw = 0;
        if (!ind[c].constant) {
            if (weighting == METRICS_INDEX_ENTROPY)
                raw = fmax(0.0, 1 - ind[c].entropy);
            else if (weighting == METRICS_INDEX_EQUAL)
                raw = 1;
            else
                raw = given[c];
        }
        w[c] = raw / total;
    }
    return METRICS_OK;
}

int metrics_index_scores(const double *z, size_t rows, size_t cols, const double *w, double *score)
{
    if (rows < 1 || cols < 1)
        return METRICS_E_TOO_FEW;
    size_t count = cells(rows, cols);
    if (!z || !w || !score || !count || !finite_matrix(z, count) || !finite_matrix(w, cols))
        return METRICS_E_DOMAIN;
    for (size_t r = 0; r < rows; r++) {
        double s = 0;
        for (size_t c = 0; c < cols; c++)
            s += w[c] * z[r * cols + c];
        if (!isfinite(s))
            return METRICS_E_DOMAIN;
        score[r] = s;
    }
    return METRICS_OK;
}

int metrics_topsis(const double *z, size_t rows, size_t cols, const double *w, double *closeness,
                   double *dplus, double *dminus)
{
    double stack[2 * COLS_STACK];
    if (rows < 1 || cols < 1)
        return METRICS_E_TOO_FEW;
    size_t count = cells(rows, cols);
    if (!z || !w || !closeness || !count || !finite_matrix(z, count) || !finite_matrix(w, cols))
        return METRICS_E_DOMAIN;
    for (size_t c = 0; c < cols; c++)
        if (w[c] < 0)
            return METRICS_E_WEIGHTS;
    double *best = stack;
    if (cols > COLS_STACK) {
        if (cols > SIZE_MAX / 2 / sizeof *best)
            return METRICS_E_NOMEM;
        best = malloc(2 * cols * sizeof *best);
        if (!best)
            return METRICS_E_NOMEM;
    }
    double *worst = best + cols;
    for (size_t c = 0; c < cols; c++) {
        best[c] = worst[c] = w[c] * z[c];
        for (size_t r = 1; r < rows; r++) {
            double v = w[c] * z[r * cols + c];
            best[c] = fmax(best[c], v);
            worst[c] = fmin(worst[c], v);
        }
    }
    int rc = METRICS_OK;
    for (size_t r = 0; r < rows; r++) {
        double sp = 0, sm = 0;
        for (size_t c = 0; c < cols; c++) {
            double v = w[c] * z[r * cols + c];
            sp += (v - best[c]) * (v - best[c]);
            sm += (v - worst[c]) * (v - worst[c]);
        }
        double dp = sqrt(sp), dm = sqrt(sm);
        double cl = dp + dm > 0 ? dm / (dp + dm) : 0.5;
        if (!isfinite(dp) || !isfinite(dm) || !isfinite(cl)) {
            rc = METRICS_E_DOMAIN;
            break;
        }
        closeness[r] = cl;
        if (dplus)
            dplus[r] = dp;
        if (dminus)
            dminus[r] = dm;
    }
    if (best != stack)
        free(best);
    return rc;
}

struct ranked {
    double v;
    size_t i;
};

/* Descending by value; equal values in input order (qsort is not stable, so the index breaks
 * ties and the result does not depend on the libc). */
static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

int metrics_index_rank(const double *v, size_t n, size_t *rank)
{
    struct ranked stack[RANK_STACK];
    if (n < 1)
        return METRICS_E_TOO_FEW;
    if (!v || !rank || !finite_matrix(v, n))
        return METRICS_E_DOMAIN;
    struct ranked *s = stack;
    if (n > RANK_STACK) {
        if (n > SIZE_MAX / sizeof *s)
            return METRICS_E_NOMEM;
        s = malloc(n * sizeof *s);
        if (!s)
            return METRICS_E_NOMEM;
    }
    if (n <= RANK_INSERTION) {
        /* descending and stable, so the order is ranked_cmp's (a total order) exactly */
        for (size_t i = 0; i < n; i++) {
            size_t k = i;
            while (k > 0 && s[k - 1].v < v[i]) {
                s[k] = s[k - 1];
                k--;
            }
            s[k] = (struct ranked){.v = v[i], .i = i};
        }
    } else {
        for (size_t i = 0; i < n; i++)
            s[i] = (struct ranked){.v = v[i], .i = i};
        qsort(s, n, sizeof *s, ranked_cmp);
    }
    size_t current = 1;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && s[k].v != s[k - 1].v)
            current = k + 1;
        rank[s[k].i] = current;
    }
    if (s != stack)
        free(s);
    return METRICS_OK;
}
