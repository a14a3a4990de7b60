/* api/metrics/inequality.c — dispersion and inequality indexes (CV, Gini, Theil, GE, Atkinson,
 * range) and the Theil decomposition: arithmetic only (no JSON, no I/O, no regions).
 *
 * Every public function validates all of its inputs before it computes anything, computes into
 * locals, and writes *OUT only after checking that each result is finite. A result that is
 * not finite despite finite inputs (an overflow) is reported as METRICS_E_DOMAIN.
 *
 * Each formula is written once, on an opened sample (the *_of functions); the one-measure
 * functions open the sample themselves, a metrics_set opens it once for all of them and hands
 * them the logs it keeps. */
#include "metrics/core.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ln(x_i / mu) of S: LOGS[i] when the caller keeps them, else computed. */
static inline double log_rel(const struct metrics_sample *s, const double *logs, size_t i)
{
    return logs ? logs[i] : metrics_log_ratio(s->x[i], s->mean);
}

/* ---- the formulas, on an opened sample ---- */

/* sd / mean (divisor W, or n - 1 when SAMPLE), keeping the sign of the mean. */
static double cv_of(const struct metrics_sample *s, int sample)
{
    /* Deviations relative to the mean, so that squaring large values cannot overflow. */
    struct metrics_nsum ss = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double d = (s->x[i] - s->mean) / s->mean;
        metrics_nsum_add(&ss, metrics_weight_at(s->w, i) * d * d);
    }
    double divisor = sample ? (double)(s->n - 1) : s->total_weight;
    double cv = sqrt(metrics_nsum_value(&ss) / divisor);
    /* sd / mean keeps the sign of the mean, as the definition does. */
    return s->mean < 0 ? -cv : cv;
}

struct pair {
    double x, w;
};

/* Sorted ascending, sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (2 C_i - w_i - W) with C_i the
 * weight up to and including i: unit i lies above the C_i - w_i weight before it and below the
 * W - C_i after it. Ties cancel, so their order does not matter. Each factor is divided by W
 * first so that no term exceeds w_i x_i, which is bounded by the finite total.
 * 2 W sum(...) / (2 W^2 mu) = sum(...) / (W mu) = sum(...) / sum_i w_i x_i. */

/* The side (2 C_i - w_i - W) / W of unit I of N with unit weights: the compensated sum of i + 1
 * ones is i + 1 exactly (a carry of +0), so C_i needs no chain of additions and each side is
 * divided on its own, not after the last one (the same bits as gini_weighted with weights 1). */
static inline double gini_unit_side(size_t i, double n)
{
    return (2 * (double)(i + 1) - 1.0 - n) / n;
}

/* The Gini of S (unit weights) from its values XS[0..n) sorted ascending, and SIDES[i] =
 * gini_unit_side(i, n) when not NULL. */
static double gini_unit(const struct metrics_sample *s, const double *xs, const double *sides)
{
    struct metrics_nsum acc = {0, 0};
    double total = s->total_weight;
    for (size_t i = 0; i < s->n; i++) {
        double side = sides ? sides[i] : gini_unit_side(i, total);
        metrics_nsum_add(&acc, 1.0 * xs[i] * side);
    }
    return metrics_nsum_value(&acc) / s->total_value;
}

/* The Gini of S (weighted) from its values XS and weights WS[0..n) sorted ascending by x. */
static double gini_weighted(const struct metrics_sample *s, const double *xs, const double *ws)
{
    double total = s->total_weight;
    struct metrics_nsum cum = {0, 0}, acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        metrics_nsum_add(&cum, ws[i]);
        double side = (2 * metrics_nsum_value(&cum) - ws[i] - total) / total;
        metrics_nsum_add(&acc, ws[i] * xs[i] * side);
    }
    return metrics_nsum_value(&acc) / s->total_value;
}

static double theil_t_of(const struct metrics_sample *s, const double *logs)
{
    struct metrics_nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        if (s->x[i] == 0)
            continue; /* 0 ln 0 = 0 */
        double r = s->x[i] / s->mean;
        metrics_nsum_add(&acc, metrics_weight_at(s->w, i) * r * log_rel(s, logs, i));
    }
    return metrics_nsum_value(&acc) / s->total_weight;
}

/* (1/W) sum w_i ln(mu / x_i) = -(1/W) sum w_i l_i: the logs Theil T and Atkinson take, so a
 * set takes them once for all three. */
static double theil_l_of(const struct metrics_sample *s, const double *logs)
{
    struct metrics_nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++)
        metrics_nsum_add(&acc, metrics_weight_at(s->w, i) * log_rel(s, logs, i));
    return -metrics_nsum_value(&acc) / s->total_weight;
}

/* GE and Atkinson are 0/0 at their limits (GE at a = 0 and 1, Atkinson at e = 1): written with
 * powers, the numerator is the difference of two numbers close to 1 and loses as many digits as
 * the parameter is close to the limit (7 of them at 1e-6 from it). So both are written with
 * l_i = ln(x_i / mu) and expm1, which gives r^p - 1 = expm1(p l) to full precision for any small
 * p, and the sums below are what is left of the numerator after the 1s cancel exactly. */

/* (1/W) sum w_i expm1(POWER l_i) = (1/W) sum w_i (x_i / mu)^POWER - 1. A zero x_i (POWER > 0)
 * has l_i = ln 0 = -inf and adds -w_i, as 0^POWER - 1 does. Units of weight 0 are skipped so
 * that an overflowing power of theirs cannot make 0 * inf. Not finite when a power overflows. */
static double power_mean_minus_1(const struct metrics_sample *s, const double *logs, double power)
{
    struct metrics_nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = metrics_weight_at(s->w, i);
        if (wi > 0)
            metrics_nsum_add(&acc, wi * expm1(power * log_rel(s, logs, i)));
    }
    return metrics_nsum_value(&acc) / s->total_weight;
}

/* (1/W) sum w_i r_i expm1(P l_i) = (1/W) sum w_i (r_i^(1 + P) - r_i) with r_i = x_i / mu: the
 * same quantity as power_mean_minus_1(s, 1 + P), since (1/W) sum w_i r_i = 1 exactly, but it
 * tends to P times Theil T as P -> 0 instead of cancelling. A zero x_i adds nothing. */
static double power_mean_minus_1_near_1(const struct metrics_sample *s, double p)
{
    struct metrics_nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = metrics_weight_at(s->w, i);
        if (s->x[i] == 0 || !(wi > 0))
            continue; /* 0^(1 + P) - 0 = 0 for 1 + P > 0 */
        double r = s->x[i] / s->mean;
        metrics_nsum_add(&acc, wi * r * expm1(p * metrics_log_ratio(s->x[i], s->mean)));
    }
    return metrics_nsum_value(&acc) / s->total_weight;
}

/* ln[(1/W) sum w_i (x_i / mu)^POWER] by log-sum-exp, for powers whose terms overflow: the
 * largest term is factored out, so every exp is at most 1. x > 0. */
static double log_power_mean(const struct metrics_sample *s, const double *logs, double power)
{
    double top = -INFINITY;
    for (size_t i = 0; i < s->n; i++)
        if (metrics_weight_at(s->w, i) > 0)
            top = fmax(top, power * log_rel(s, logs, i));
    struct metrics_nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = metrics_weight_at(s->w, i);
        if (wi > 0)
            metrics_nsum_add(&acc, wi * exp(power * log_rel(s, logs, i) - top));
    }
    return top + log(metrics_nsum_value(&acc) / s->total_weight);
}

/* Atkinson(EPSILON > 0) of S. */
static double atkinson_of(const struct metrics_sample *s, const double *logs, double epsilon)
{
    if (epsilon == 1) {
        /* 1 - geomean / mu = 1 - exp(mean of ln(x_i / mu)); expm1 keeps small indices exact. */
        struct metrics_nsum acc = {0, 0};
        for (size_t i = 0; i < s->n; i++)
            metrics_nsum_add(&acc, metrics_weight_at(s->w, i) * log_rel(s, logs, i));
        return -expm1(metrics_nsum_value(&acc) / s->total_weight);
    }
    /* A = 1 - M^(1/b) with b = 1 - e and M the power mean of x_i / mu (relative values, so that
     * x^b cannot overflow for large x): A = -expm1(ln(M) / b) with ln M = log1p(M - 1). M - 1
     * is a sum of expm1(b l_i) ~ b l_i, so ln(M) / b tends to the mean of l_i, the e = 1 case,
     * instead of 0/0. For a large e the powers of small values overflow; log-sum-exp does not. */
    double b = 1 - epsilon;
    double m1 = power_mean_minus_1(s, logs, b);
    double log_m = isfinite(m1) ? log1p(m1) : log_power_mean(s, logs, b);
    return -expm1(log_m / b);
}

/* ---- one measure ---- */

int metrics_mean(const double *x, const double *w, size_t n, double *out)
{
    struct metrics_sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 1, METRICS_FLOOR_NONE, 0);
    if (rc != METRICS_OK)
        return rc;
    return metrics_finish(s.mean, out);
}

int metrics_cv(const double *x, const double *w, size_t n, int sample, double *out)
{
    struct metrics_sample s;
    if (!out || (sample && w))
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 2, METRICS_FLOOR_NONE, 1);
    if (rc != METRICS_OK)
        return rc;
    return metrics_finish(cv_of(&s, sample), out);
}

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

/* Up to this many values Gini sorts on the stack by insertion (a year of 31 provinces), above
 * it on the heap with qsort. */
#define GINI_STACK_N METRICS_SET_MAX

/* Stable binary insertion sort by x: the same order as glibc's qsort (a merge sort, stable), so
 * that tied values with different weights are summed in the same order either way. Each value
 * goes after the sorted ones not above it (an upper bound), the rest move up in one memmove. */
static void pair_insertion_sort(struct pair *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct pair v = p[i];
        if (!(p[i - 1].x > v.x))
            continue; /* already in place */
        size_t lo = 0, hi = i - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p[mid].x > v.x)
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(&p[lo + 1], &p[lo], (i - lo) * sizeof *p);
        p[lo] = v;
    }
}

int metrics_gini(const double *x, const double *w, size_t n, double *out)
{
    struct metrics_sample s;
    struct pair stack[GINI_STACK_N], *heap = NULL, *p = stack;
    double stack_x[GINI_STACK_N], stack_w[GINI_STACK_N], *xs = stack_x, *ws = stack_w;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 2, METRICS_FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    if (n > GINI_STACK_N) {
        /* one block: the pairs, then the sorted values and weights */
        rc = METRICS_E_NOMEM;
        if (n > SIZE_MAX / (sizeof *p + 2 * sizeof *xs))
            goto fail;
        p = heap = malloc(n * (sizeof *p + 2 * sizeof *xs));
        if (!p)
            goto fail;
        xs = (double *)(void *)(heap + n);
        ws = xs + n;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pair){.x = x[i], .w = metrics_weight_at(w, i)};
    if (heap)
        qsort(p, n, sizeof *p, pair_cmp);
    else
        pair_insertion_sort(p, n);
    for (size_t i = 0; i < n; i++) {
        xs[i] = p[i].x;
        ws[i] = p[i].w;
    }
    rc = metrics_finish(w ? gini_weighted(&s, xs, ws) : gini_unit(&s, xs, NULL), out);
fail:
    free(heap);
    return rc;
}

int metrics_theil_t(const double *x, const double *w, size_t n, double *out)
{
    struct metrics_sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 2, METRICS_FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    return metrics_finish(theil_t_of(&s, NULL), out);
}

int metrics_theil_l(const double *x, const double *w, size_t n, double *out)
{
    struct metrics_sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 2, METRICS_FLOOR_POSITIVE, 1);
    if (rc != METRICS_OK)
        return rc;
    return metrics_finish(theil_l_of(&s, NULL), out);
}

int metrics_ge(const double *x, const double *w, size_t n, double alpha, double *out)
{
    struct metrics_sample s;
    if (!out || !isfinite(alpha))
        return METRICS_E_DOMAIN;
    /* The general formula is 0/0 at these two points; their limits are Theil L and T. */
    if (alpha == 0)
        return metrics_theil_l(x, w, n, out);
    if (alpha == 1)
        return metrics_theil_t(x, w, n, out);
    int rc = metrics_sample_open(&s, x, w, n, 2,
                                 alpha < 0 ? METRICS_FLOOR_POSITIVE : METRICS_FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    /* Near 0 the numerator tends to -a L, near 1 to (a - 1) T; each form divides out its own
     * vanishing factor without subtracting. */
    double numerator = alpha < 0.5 ? power_mean_minus_1(&s, NULL, alpha)
                                   : power_mean_minus_1_near_1(&s, alpha - 1);
    return metrics_finish(numerator / (alpha * (alpha - 1)), out);
}

int metrics_atkinson(const double *x, const double *w, size_t n, double epsilon, double *out)
{
    struct metrics_sample s;
    if (!out || !isfinite(epsilon) || epsilon < 0)
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(&s, x, w, n, 2,
                                 epsilon >= 1 ? METRICS_FLOOR_POSITIVE : METRICS_FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    /* e = 0: the equally distributed equivalent is the mean itself, so the index is exactly 0;
     * computing it would only leave rounding noise of either sign. */
    if (epsilon == 0)
        return metrics_finish(0.0, out);
    return metrics_finish(atkinson_of(&s, NULL, epsilon), out);
}

/* HI - LO, and +0 for -0: a range has no sign. -0 came out of -0 - +0 when the extremes of a
 * sample of zeros were taken as -0 and +0, and which zero each fold keeps differs between
 * builds (seen in Release, -O3, not in RelWithDebInfo): the range must not depend on it. */
static double range_of(double lo, double hi)
{
    return (hi - lo) + 0.0;
}

static int extremes(const double *x, size_t n, double *lo, double *hi)
{
    if (n < 1)
        return METRICS_E_TOO_FEW;
    if (!x)
        return METRICS_E_DOMAIN;
    int rc = metrics_check_values(x, n, METRICS_FLOOR_NONE);
    if (rc != METRICS_OK)
        return rc;
    *lo = *hi = x[0];
    for (size_t i = 1; i < n; i++) {
        *lo = fmin(*lo, x[i]);
        *hi = fmax(*hi, x[i]);
    }
    return METRICS_OK;
}

int metrics_range(const double *x, size_t n, double *out)
{
    double lo, hi;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = extremes(x, n, &lo, &hi);
    if (rc != METRICS_OK)
        return rc;
    return metrics_finish(range_of(lo, hi), out);
}

int metrics_max_min_ratio(const double *x, size_t n, double *out)
{
    double lo, hi;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = extremes(x, n, &lo, &hi);
    if (rc != METRICS_OK)
        return rc;
    if (!(lo > 0))
        return METRICS_E_NONPOSITIVE;
    return metrics_finish(hi / lo, out);
}

/* ---- several measures of one sample ---- */

void metrics_set_open(struct metrics_set *s, const double *x, const double *w, size_t n)
{
    s->x = x;
    s->w = w;
    s->n = n;
    s->weights = METRICS_OK;
    s->sums = METRICS_E_DOMAIN;
    s->has_logs = 0;
    s->has_order = 0;
    s->has_theil[0] = s->has_theil[1] = 0;
    s->has_group_logs = 0;
    s->min_at = s->max_at = 0;
    s->values = METRICS_OK;
    s->negative = s->nonpositive = 0;
    if (!x || n == 0)
        return; /* every measure fails before it reads anything else */
    /* metrics_check_values for the three floors at once, the first strict extremes (their
     * values kept in registers: x[min_at] would be a load in the loop's dependency chain), and
     * extremes()'s folds for the range and its ratio, which read no weights. glibc's fmin(a, b)
     * on numbers is minsd, a < b ? a : b (fmax: a > b ? a : b), which picks b when a == b:
     * written so, it keeps fmin's choice between -0 and +0 without a call per value. In locals,
     * which the stores into S would otherwise make the compiler reload. Finiteness is one sum:
     * v * 0 is a zero for every finite v and NaN for an infinite or NaN one, so the sum of them
     * is a zero exactly when every value is finite. The floors read only the smallest value: a
     * value below 0 or not above it exists when the smallest is so (read only when every value
     * is finite: set_check answers a non-finite one first). Without weights the value total
     * (metrics_sample_sums': the compensated sum of x in order) is taken in the same pass. */
    size_t min_at = 0, max_at = 0;
    double min_v = x[0], max_v = x[0], lo = x[0], hi = x[0], probe = 0;
    struct metrics_nsum swx = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        probe += v * 0;
        if (!w)
            metrics_nsum_add(&swx, v);
        min_at = v < min_v ? i : min_at;
        min_v = v < min_v ? v : min_v;
        max_at = v > max_v ? i : max_at;
        max_v = v > max_v ? v : max_v;
        lo = lo < v ? lo : v;
        hi = hi > v ? hi : v;
    }
    int finite = probe == 0;
    s->values = finite ? METRICS_OK : METRICS_E_DOMAIN;
    s->negative = lo < 0;
    s->nonpositive = !(lo > 0);
    s->min_at = min_at;
    s->max_at = max_at;
    if (!finite)
        return;
    s->lo = lo;
    s->hi = hi;
    s->weights = metrics_check_weights(w, n);
    if (s->weights != METRICS_OK)
        return;
    struct metrics_sample smp = {.x = x, .w = w, .n = n};
    /* unit weights: their compensated sum is N exactly, as metrics_sample_sums takes it */
    s->sums = w ? metrics_sample_sums(&smp)
                : metrics_sample_totals(&smp, (double)n, metrics_nsum_value(&swx));
    s->total_weight = smp.total_weight;
    s->total_value = smp.total_value;
    s->mean = smp.mean;
}

size_t metrics_set_argmin(const struct metrics_set *s)
{
    return s->min_at;
}

size_t metrics_set_argmax(const struct metrics_set *s)
{
    return s->max_at;
}

/* What metrics_sample_open(..., MIN_N, FLOOR, NONZERO_MEAN) says of S's values, from what
 * metrics_set_open found, in its order; *SMP receives the sample when METRICS_OK. */
static int set_check(const struct metrics_set *s, size_t min_n, enum metrics_floor floor,
                     int nonzero_mean, struct metrics_sample *smp)
{
    if (s->n < min_n)
        return METRICS_E_TOO_FEW;
    if (!s->x || s->values != METRICS_OK)
        return METRICS_E_DOMAIN;
    if ((floor == METRICS_FLOOR_NONNEG && s->negative) ||
        (floor == METRICS_FLOOR_POSITIVE && s->nonpositive))
        return METRICS_E_NONPOSITIVE;
    if (s->weights != METRICS_OK)
        return s->weights;
    if (s->sums != METRICS_OK)
        return s->sums;
    if (nonzero_mean && s->mean == 0)
        return METRICS_E_ZERO;
    *smp = (struct metrics_sample){.x = s->x,
                                   .w = s->w,
                                   .n = s->n,
                                   .total_weight = s->total_weight,
                                   .total_value = s->total_value,
                                   .mean = s->mean};
    return METRICS_OK;
}

/* ln(x_i / mu) of every value of an opened S, taken on the first call; NULL above
 * METRICS_SET_MAX values (each measure takes them itself then). */
static const double *set_logs(struct metrics_set *s)
{
    if (s->n > METRICS_SET_MAX)
        return NULL;
    if (!s->has_logs) {
        for (size_t i = 0; i < s->n; i++)
            s->logs[i] = metrics_log_ratio(s->x[i], s->mean);
        s->has_logs = 1;
    }
    return s->logs;
}

int metrics_set_mean(const struct metrics_set *s, double *out)
{
    struct metrics_sample smp;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 1, METRICS_FLOOR_NONE, 0, &smp);
    return rc != METRICS_OK ? rc : metrics_finish(smp.mean, out);
}

int metrics_set_cv(const struct metrics_set *s, int sample, double *out)
{
    struct metrics_sample smp;
    if (!out || (sample && s->w))
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 2, METRICS_FLOOR_NONE, 1, &smp);
    return rc != METRICS_OK ? rc : metrics_finish(cv_of(&smp, sample), out);
}

/* S's units in ascending order of x (ties by index: the order of a stable sort by x, whatever
 * order the sort starts from) in S->order, their values in S->sorted. The last sample's order
 * is the start when it had as many units (only this function writes it, so it is a permutation
 * of them): from one year to the next the ranking of regions barely moves, and an insertion
 * sort of an almost sorted order is one comparison per unit. Anything else starts from 0, 1,
 * ..., n - 1. The values are compared in SORTED, beside the order, not through it. */
static void set_sort(struct metrics_set *s)
{
    if (s->has_order)
        return;
    s->has_order = 1;
    size_t n = s->n;
    unsigned char *o = s->order;
    double *v = s->sorted;
    const double *x = s->x;
    if (s->order_n != n)
        for (size_t i = 0; i < n; i++)
            o[i] = (unsigned char)i;
    s->order_n = n;
    for (size_t i = 0; i < n; i++)
        v[i] = x[o[i]];
    for (size_t i = 1; i < n; i++) {
        unsigned char u = o[i];
        double xu = v[i];
        size_t j = i;
        while (j > 0 && (xu < v[j - 1] || (xu == v[j - 1] && u < o[j - 1]))) {
            o[j] = o[j - 1];
            v[j] = v[j - 1];
            j--;
        }
        o[j] = u;
        v[j] = xu;
    }
}

const unsigned char *metrics_set_order(struct metrics_set *s)
{
    set_sort(s);
    return s->order;
}

int metrics_set_gini(struct metrics_set *s, double *out)
{
    struct metrics_sample smp;
    double ws[METRICS_SET_MAX];
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 2, METRICS_FLOOR_NONNEG, 1, &smp);
    if (rc != METRICS_OK)
        return rc;
    if (smp.n > METRICS_SET_MAX)
        return metrics_gini(s->x, s->w, s->n, out);
    set_sort(s);
    if (!s->w) {
        /* the sides depend on n alone: kept for the next sample of as many units */
        if (s->sides_n != smp.n)
            for (size_t i = 0; i < smp.n; i++)
                s->sides[i] = gini_unit_side(i, smp.total_weight);
        s->sides_n = smp.n;
        return metrics_finish(gini_unit(&smp, s->sorted, s->sides), out);
    }
    for (size_t i = 0; i < smp.n; i++)
        ws[i] = s->w[s->order[i]];
    return metrics_finish(gini_weighted(&smp, s->sorted, ws), out);
}

/* Theil T or L (KIND) of the opened S, checked as SMP: taken once per sample for the index
 * and its decomposition alike (the same sums). Not finite when it overflows. */
static double set_theil(struct metrics_set *s, const struct metrics_sample *smp,
                        enum metrics_theil_kind kind)
{
    int t = kind == METRICS_THEIL_T;
    if (!s->has_theil[t]) {
        s->theil[t] = t ? theil_t_of(smp, set_logs(s)) : theil_l_of(smp, set_logs(s));
        s->has_theil[t] = 1;
    }
    return s->theil[t];
}

int metrics_set_theil_t(struct metrics_set *s, double *out)
{
    struct metrics_sample smp;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 2, METRICS_FLOOR_NONNEG, 1, &smp);
    return rc != METRICS_OK ? rc : metrics_finish(set_theil(s, &smp, METRICS_THEIL_T), out);
}

int metrics_set_theil_l(struct metrics_set *s, double *out)
{
    struct metrics_sample smp;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 2, METRICS_FLOOR_POSITIVE, 1, &smp);
    return rc != METRICS_OK ? rc : metrics_finish(set_theil(s, &smp, METRICS_THEIL_L), out);
}

int metrics_set_atkinson(struct metrics_set *s, double epsilon, double *out)
{
    struct metrics_sample smp;
    if (!out || !isfinite(epsilon) || epsilon < 0)
        return METRICS_E_DOMAIN;
    int rc = set_check(s, 2, epsilon >= 1 ? METRICS_FLOOR_POSITIVE : METRICS_FLOOR_NONNEG, 1, &smp);
    if (rc != METRICS_OK)
        return rc;
    if (epsilon == 0) /* as metrics_atkinson */
        return metrics_finish(0.0, out);
    return metrics_finish(atkinson_of(&smp, set_logs(s), epsilon), out);
}

/* extremes(): the same codes. */
static int set_extremes(const struct metrics_set *s)
{
    if (s->n < 1)
        return METRICS_E_TOO_FEW;
    if (!s->x || s->values != METRICS_OK)
        return METRICS_E_DOMAIN;
    return METRICS_OK;
}

int metrics_set_range(const struct metrics_set *s, double *out)
{
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_extremes(s);
    return rc != METRICS_OK ? rc : metrics_finish(range_of(s->lo, s->hi), out);
}

int metrics_set_max_min_ratio(const struct metrics_set *s, double *out)
{
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set_extremes(s);
    if (rc != METRICS_OK)
        return rc;
    if (!(s->lo > 0))
        return METRICS_E_NONPOSITIVE;
    return metrics_finish(s->hi / s->lo, out);
}

/* ---- Theil decomposition ---- */

/* The units regrouped so that each group's members are contiguous: group k holds
 * x[first[k] .. first[k + 1]) and, with weights, w over the same slots. Up to METRICS_SET_MAX
 * units (a year of provinces) in the inline arrays, more on the heap. */
struct grouping {
    double *x, *w;
    size_t *first;
    double xs[METRICS_SET_MAX], ws[METRICS_SET_MAX];
    size_t firsts[METRICS_SET_MAX + 1];
};

static void grouping_free(struct grouping *g)
{
    if (g->x != g->xs)
        free(g->x);
    if (g->w != g->ws)
        free(g->w);
    if (g->first != g->firsts)
        free(g->first);
}

/* A counting sort by group: O(n + ngroups), stable, so a group's members keep input order.
 * N >= 1 (the caller's sample has at least two units; no units would be malloc(0)), NGROUPS <=
 * N. Release G with grouping_free, also after a failure. */
static int grouping_build(struct grouping *g, const double *x, const double *w, const size_t *group,
                          size_t n, size_t ngroups)
{
    g->x = g->w = NULL;
    g->first = NULL;
    if (n == 0)
        return METRICS_E_TOO_FEW;
    if (n > SIZE_MAX / sizeof(double) || ngroups == SIZE_MAX)
        return METRICS_E_NOMEM;
    if (n <= METRICS_SET_MAX && ngroups <= METRICS_SET_MAX) {
        g->x = g->xs;
        g->w = w ? g->ws : NULL;
        g->first = g->firsts;
        memset(g->first, 0, (ngroups + 1) * sizeof *g->first);
    } else {
        g->x = malloc(n * sizeof *g->x);
        g->w = w ? malloc(n * sizeof *g->w) : NULL;
        g->first = calloc(ngroups + 1, sizeof *g->first);
    }
    if (!g->x || (w && !g->w) || !g->first)
        return METRICS_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        g->first[group[i] + 1]++;
    for (size_t k = 0; k < ngroups; k++)
        g->first[k + 1] += g->first[k];
    /* Fill with first[k] as the cursor of group k, which leaves it at the start of group k + 1;
     * shifting back by one slot restores the starts. */
    for (size_t i = 0; i < n; i++) {
        size_t slot = g->first[group[i]]++;
        g->x[slot] = x[i];
        if (w)
            g->w[slot] = w[i];
    }
    memmove(g->first + 1, g->first, ngroups * sizeof *g->first);
    g->first[0] = 0;
    return METRICS_OK;
}

/* ln(x_i / group mean) of a group's members, in LOGS: taken when READY is 0, else read (a set's
 * logs from its last decomposition of the same groups: the other kind has the same means). */
struct group_logs {
    double *logs;
    int ready;
};

/* metrics_theil_t or metrics_theil_l (KIND) of a group's M >= 2 members GX, GW whose sums
 * WEIGHT and VALUE group_describe took: its values and weights passed the whole sample's checks
 * of the same floor, and those sums are metrics_sample_sums' (the same terms in the same
 * order; unit weights sum to M exactly either way), so only the checks of the sums are left. */
static int group_index(enum metrics_theil_kind kind, const double *gx, const double *gw, size_t m,
                       double weight, double value, const struct group_logs *gl, double *out)
{
    struct metrics_sample g = {
        .x = gx, .w = gw, .n = m, .total_weight = weight, .total_value = value};
    if (!isfinite(weight) || !(weight > 0))
        return METRICS_E_WEIGHTS;
    g.mean = value / weight;
    if (!isfinite(value) || !isfinite(g.mean))
        return METRICS_E_DOMAIN;
    if (g.mean == 0)
        return METRICS_E_ZERO;
    double *logs = gl ? gl->logs : NULL;
    if (logs && !gl->ready)
        for (size_t i = 0; i < m; i++)
            logs[i] = metrics_log_ratio(gx[i], g.mean);
    return metrics_finish(kind == METRICS_THEIL_T ? theil_t_of(&g, logs) : theil_l_of(&g, logs),
                          out);
}

/* The weight and the weighted value of a group's members GX, GW[0..m). */
static void group_sums(const double *gx, const double *gw, size_t m, double *weight, double *value)
{
    struct metrics_nsum sw = {0, 0}, swx = {0, 0};
    for (size_t i = 0; i < m; i++) {
        metrics_nsum_add(&sw, metrics_weight_at(gw, i));
        metrics_nsum_add(&swx, metrics_weight_at(gw, i) * gx[i]);
    }
    *weight = metrics_nsum_value(&sw);
    *value = metrics_nsum_value(&swx);
}

/* Fills one group's shares, mean and own index from its members GX, GW[0..m), whose sums
 * group_sums took. */
static int group_describe(const struct metrics_sample *all, enum metrics_theil_kind kind,
                          const double *gx, const double *gw, size_t m, double weight, double value,
                          const struct group_logs *gl, struct metrics_group *out)
{
    /* A group nobody lives in has no mean and no share to compare. */
    if (!(weight > 0))
        return METRICS_E_WEIGHTS;
    /* Theil T of a group divides by its mean: a group with no income has none. */
    if (kind == METRICS_THEIL_T && value == 0)
        return METRICS_E_ZERO;
    struct metrics_group g = {
        .population_share = weight / all->total_weight,
        .value_share = value / all->total_value,
        .mean = value / weight,
        .index = 0,
        .n = m,
    };
    if (m >= 2) {
        int rc = group_index(kind, gx, gw, m, weight, value, gl, &g.index);
        if (rc != METRICS_OK)
            return rc;
    }
    *out = g;
    return METRICS_OK;
}

/* The decomposition of the opened sample S, whose own Theil index of KIND is TOTAL, after the
 * checks of the sample itself. */
static int decompose(const struct metrics_sample *s, double total, const size_t *group,
                     size_t ngroups, enum metrics_theil_kind kind, struct metrics_set *set,
                     struct metrics_decomposition *out, struct metrics_group *groups)
{
    struct grouping gr;
    struct metrics_group inline_desc[METRICS_SET_MAX], *desc = inline_desc;
    size_t n = s->n;
    gr.x = gr.w = NULL;
    gr.first = NULL;
    /* SET's last decomposition of this sample had these groups (the other kind, or the same
     * again): its grouping, sums and logs serve, and its groups passed the checks below. */
    int ready = 0;
    if (set) {
        ready = set->has_group_logs && set->group_logs_ng == ngroups;
        for (size_t i = 0; ready && i < n; i++)
            ready = set->group_of[i] == group[i];
        set->has_group_logs = 0;
    }
    for (size_t i = 0; !ready && i < n; i++)
        if (group[i] >= ngroups)
            return METRICS_E_DOMAIN;
    if (ngroups > n)
        return METRICS_E_TOO_FEW; /* some group is empty */

    struct metrics_decomposition d;
    /* theil_index on the whole sample: the same sums, so the same bits */
    int rc = metrics_finish(total, &d.total);
    if (rc != METRICS_OK)
        goto fail;
    if (ready) {
        gr.x = set->group_x;
        gr.w = s->w ? set->group_w : NULL;
        gr.first = set->group_first;
    } else {
        rc = grouping_build(&gr, s->x, s->w, group, n, ngroups);
        if (rc != METRICS_OK)
            goto fail;
    }
    rc = METRICS_E_NOMEM;
    if (ngroups > METRICS_SET_MAX && !(desc = calloc(ngroups, sizeof *desc)))
        goto fail;

    struct metrics_nsum between = {0, 0}, within = {0, 0};
    for (size_t k = 0; k < ngroups; k++) {
        size_t m = gr.first[k + 1] - gr.first[k];
        rc = METRICS_E_TOO_FEW;
        if (m == 0)
            goto fail;
        const double *gx = gr.x + gr.first[k], *gw = gr.w ? gr.w + gr.first[k] : NULL;
        double weight, value;
        if (ready) {
            weight = set->group_weight[k];
            value = set->group_value[k];
        } else {
            group_sums(gx, gw, m, &weight, &value);
            if (set) {
                set->group_weight[k] = weight;
                set->group_value[k] = value;
            }
        }
        struct group_logs gl = {set ? set->group_logs + gr.first[k] : NULL, ready};
        rc = group_describe(s, kind, gx, gw, m, weight, value, set ? &gl : NULL, &desc[k]);
        if (rc != METRICS_OK)
            goto fail;
        double v = desc[k].population_share, sh = desc[k].value_share;
        if (kind == METRICS_THEIL_T) {
            metrics_nsum_add(&between, sh * metrics_log_ratio(sh, v));
            metrics_nsum_add(&within, sh * desc[k].index);
        } else {
            metrics_nsum_add(&between, v * metrics_log_ratio(v, sh));
            metrics_nsum_add(&within, v * desc[k].index);
        }
    }
    d.between = metrics_nsum_value(&between);
    d.within = metrics_nsum_value(&within);
    rc = METRICS_E_DOMAIN;
    if (!isfinite(d.between) || !isfinite(d.within))
        goto fail;
    /* a share of nothing (every value equal) or one that overflows is none */
    d.between_share = d.total > 0 ? d.between / d.total : 0;
    d.has_between_share = d.total > 0 && isfinite(d.between_share);
    if (!d.has_between_share)
        d.between_share = 0;
    *out = d;
    if (groups)
        memcpy(groups, desc, ngroups * sizeof *desc);
    if (set && !ready) { /* every group's logs and sums taken (groups of one: no logs needed) */
        for (size_t i = 0; i < n; i++)
            set->group_of[i] = (unsigned char)group[i];
        memcpy(set->group_x, gr.x, n * sizeof *gr.x);
        if (gr.w)
            memcpy(set->group_w, gr.w, n * sizeof *gr.w);
        memcpy(set->group_first, gr.first, (ngroups + 1) * sizeof *gr.first);
        set->group_logs_ng = ngroups;
    }
    if (set)
        set->has_group_logs = 1;
    rc = METRICS_OK;
fail:
    if (desc != inline_desc)
        free(desc);
    if (!ready)
        grouping_free(&gr);
    return rc;
}

int metrics_theil_decompose(const double *x, const double *w, const size_t *group, size_t n,
                            size_t ngroups, enum metrics_theil_kind kind,
                            struct metrics_decomposition *out, struct metrics_group *groups)
{
    struct metrics_sample s;
    if (!out || !group || (kind != METRICS_THEIL_T && kind != METRICS_THEIL_L))
        return METRICS_E_DOMAIN;
    int rc = metrics_sample_open(
        &s, x, w, n, 2, kind == METRICS_THEIL_L ? METRICS_FLOOR_POSITIVE : METRICS_FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    double total = kind == METRICS_THEIL_T ? theil_t_of(&s, NULL) : theil_l_of(&s, NULL);
    return decompose(&s, total, group, ngroups, kind, NULL, out, groups);
}

int metrics_set_theil_decompose(struct metrics_set *s, const size_t *group, size_t ngroups,
                                enum metrics_theil_kind kind, struct metrics_decomposition *out,
                                struct metrics_group *groups)
{
    struct metrics_sample smp;
    if (!out || !group || (kind != METRICS_THEIL_T && kind != METRICS_THEIL_L))
        return METRICS_E_DOMAIN;
    int rc = set_check(
        s, 2, kind == METRICS_THEIL_L ? METRICS_FLOOR_POSITIVE : METRICS_FLOOR_NONNEG, 1, &smp);
    if (rc != METRICS_OK)
        return rc;
    return decompose(&smp, set_theil(s, &smp, kind), group, ngroups, kind,
                     s->n <= METRICS_SET_MAX ? s : NULL, out, groups);
}
