/* api/metrics.c — gap and inequality metrics: arithmetic only (no JSON, no I/O, no regions).
 *
 * Every public function validates all of its inputs before it computes anything, computes into
 * locals, and writes *OUT only after checking that each result is finite. A result that is
 * not finite despite finite inputs (an overflow) is reported as METRICS_E_DOMAIN. */
#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- compensated summation ---- */

/* Neumaier's variant of Kahan summation: unlike Kahan's, it stays exact when an addend is larger
 * than the running sum, which happens with mixed-sign terms (the Gini's cumulative weights, the
 * centred sums of OLS). Needs strict IEEE evaluation: do not build this file with -ffast-math. */
struct nsum {
    double sum, carry;
};

static void nsum_add(struct nsum *a, double v)
{
    double t = a->sum + v;
    if (fabs(a->sum) >= fabs(v))
        a->carry += (a->sum - t) + v;
    else
        a->carry += (v - t) + a->sum;
    a->sum = t;
}

static double nsum_value(const struct nsum *a)
{
    return a->sum + a->carry;
}

/* ---- input validation ---- */

/* The smallest value a metric accepts. */
enum value_floor { FLOOR_NONE, FLOOR_NONNEG, FLOOR_POSITIVE };

/* METRICS_E_DOMAIN for a non-finite value, else METRICS_E_NONPOSITIVE for one below FLOOR. All
 * values are scanned first, so the code does not depend on the order of the inputs. */
static int check_values(const double *x, size_t n, enum value_floor floor)
{
    int below = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return METRICS_E_DOMAIN;
        if ((floor == FLOOR_NONNEG && x[i] < 0) || (floor == FLOOR_POSITIVE && !(x[i] > 0)))
            below = 1;
    }
    return below ? METRICS_E_NONPOSITIVE : METRICS_OK;
}

static int check_weights(const double *w, size_t n)
{
    if (!w)
        return METRICS_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i]) || w[i] < 0)
            return METRICS_E_WEIGHTS;
    return METRICS_OK;
}

static double weight_at(const double *w, size_t i)
{
    return w ? w[i] : 1.0;
}

/* A validated sample: W = sum w_i and mu = (1/W) sum w_i x_i, both finite, W > 0. */
struct sample {
    const double *x, *w;
    size_t n;
    double total_weight, total_value, mean;
};

static int sample_sums(struct sample *s)
{
    struct nsum sw = {0, 0}, swx = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = weight_at(s->w, i);
        nsum_add(&sw, wi);
        nsum_add(&swx, wi * s->x[i]);
    }
    s->total_weight = nsum_value(&sw);
    s->total_value = nsum_value(&swx);
    if (!isfinite(s->total_weight))
        return METRICS_E_WEIGHTS;
    if (!(s->total_weight > 0))
        return METRICS_E_WEIGHTS;
    s->mean = s->total_value / s->total_weight;
    if (!isfinite(s->total_value) || !isfinite(s->mean))
        return METRICS_E_DOMAIN;
    return METRICS_OK;
}

/* Validates X and W (n >= MIN_N, values at or above FLOOR, weights as in the header) and fills S.
 * NONZERO_MEAN: every index divides by mu, so a zero mean is METRICS_E_ZERO. */
static int sample_open(struct sample *s, const double *x, const double *w, size_t n, size_t min_n,
                       enum value_floor floor, int nonzero_mean)
{
    if (n < min_n)
        return METRICS_E_TOO_FEW;
    if (!x)
        return METRICS_E_DOMAIN;
    int rc = check_values(x, n, floor);
    if (rc == METRICS_OK)
        rc = check_weights(w, n);
    if (rc != METRICS_OK)
        return rc;
    *s = (struct sample){.x = x, .w = w, .n = n};
    rc = sample_sums(s);
    if (rc == METRICS_OK && nonzero_mean && s->mean == 0)
        rc = METRICS_E_ZERO;
    return rc;
}

/* ln(a / b) for a, b > 0. The quotient rounds once, which keeps ln accurate when a is close to b;
 * the difference of logs is the fallback for quotients that overflow or underflow. */
static double log_ratio(double a, double b)
{
    double r = a / b;
    if (isfinite(r) && r > 0)
        return log(r);
    return log(a) - log(b);
}

static int finish(double v, double *out)
{
    if (!isfinite(v))
        return METRICS_E_DOMAIN;
    *out = v;
    return METRICS_OK;
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

/* ---- two values ---- */

int metrics_ratio(double a, double b, double *out)
{
    if (!out || !isfinite(a) || !isfinite(b))
        return METRICS_E_DOMAIN;
    if (b == 0)
        return METRICS_E_ZERO;
    return finish(a / b, out);
}

int metrics_difference(double a, double b, double *out)
{
    if (!out || !isfinite(a) || !isfinite(b))
        return METRICS_E_DOMAIN;
    return finish(a - b, out);
}

/* SCALE (to - from) / from. The difference form rounds once on exact data (100 -> 121 gives 21
 * per cent, where 100 (1.21 - 1) gives 20.999999999999996); it overflows only when both values
 * are near DBL_MAX with opposite signs, and then the quotient form takes over. */
static int relative_change(double from, double to, double scale, double *out)
{
    if (!out || !isfinite(from) || !isfinite(to))
        return METRICS_E_DOMAIN;
    if (from == 0)
        return METRICS_E_ZERO;
    double r = scale * (to - from) / from;
    if (!isfinite(r))
        r = scale * (to / from - 1.0);
    return finish(r, out);
}

int metrics_relative_gap(double ref, double x, double *out)
{
    /* (ref - x) / ref = -(x - ref) / ref; the negation is exact. */
    return relative_change(ref, x, -1.0, out);
}

int metrics_growth_pct(double v0, double v1, double *out)
{
    return relative_change(v0, v1, 100.0, out);
}

int metrics_multiple(double v0, double v1, double *out)
{
    return metrics_ratio(v1, v0, out);
}

int metrics_cagr(double v0, double v1, double years, double *out)
{
    if (!out || !isfinite(v0) || !isfinite(v1) || !isfinite(years) || !(years > 0))
        return METRICS_E_DOMAIN;
    if (!(v0 > 0) || v1 < 0)
        return METRICS_E_NONPOSITIVE;
    if (v1 == 0)
        return finish(-1.0, out);
    /* expm1(log1p(.)) rather than pow(v1 / v0, 1 / T) - 1: a rate of a few per cent keeps all
     * its digits instead of losing them to the subtraction of 1. */
    double growth = log1p((v1 - v0) / v0);
    if (!isfinite(growth))
        growth = log(v1) - log(v0);
    return finish(expm1(growth / years), out);
}

int metrics_pp_change(double p0, double p1, double *out)
{
    return metrics_difference(p1, p0, out);
}

/* ---- dispersion ---- */

int metrics_mean(const double *x, const double *w, size_t n, double *out)
{
    struct sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 1, FLOOR_NONE, 0);
    if (rc != METRICS_OK)
        return rc;
    return finish(s.mean, out);
}

int metrics_cv(const double *x, const double *w, size_t n, int sample, double *out)
{
    struct sample s;
    if (!out || (sample && w))
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 2, FLOOR_NONE, 1);
    if (rc != METRICS_OK)
        return rc;
    /* Deviations relative to the mean, so that squaring large values cannot overflow. */
    struct nsum ss = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double d = (x[i] - s.mean) / s.mean;
        nsum_add(&ss, weight_at(w, i) * d * d);
    }
    double divisor = sample ? (double)(n - 1) : s.total_weight;
    double cv = sqrt(nsum_value(&ss) / divisor);
    /* sd / mean keeps the sign of the mean, as the definition does. */
    return finish(s.mean < 0 ? -cv : cv, out);
}

struct pair {
    double x, w;
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

int metrics_gini(const double *x, const double *w, size_t n, double *out)
{
    struct sample s;
    struct pair *p = NULL;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 2, FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    rc = METRICS_E_NOMEM;
    if (n > SIZE_MAX / sizeof *p)
        goto fail;
    p = malloc(n * sizeof *p);
    if (!p)
        goto fail;
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pair){.x = x[i], .w = weight_at(w, i)};
    qsort(p, n, sizeof *p, pair_cmp);
    /* Sorted ascending, sum_ij w_i w_j |x_i - x_j| = 2 sum_i w_i x_i (2 C_i - w_i - W) with C_i
     * the weight up to and including i: unit i lies above the C_i - w_i weight before it and
     * below the W - C_i after it. Ties cancel, so their order does not matter. Each factor is
     * divided by W first so that no term exceeds w_i x_i, which is bounded by the finite total. */
    double total = s.total_weight;
    struct nsum cum = {0, 0}, acc = {0, 0};
    for (size_t i = 0; i < n; i++) {
        nsum_add(&cum, p[i].w);
        double side = (2 * nsum_value(&cum) - p[i].w - total) / total;
        nsum_add(&acc, p[i].w * p[i].x * side);
    }
    /* 2 W sum(...) / (2 W^2 mu) = sum(...) / (W mu) = sum(...) / sum_i w_i x_i. */
    rc = finish(nsum_value(&acc) / s.total_value, out);
fail:
    free(p);
    return rc;
}

int metrics_theil_t(const double *x, const double *w, size_t n, double *out)
{
    struct sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 2, FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    struct nsum acc = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (x[i] == 0)
            continue; /* 0 ln 0 = 0 */
        double r = x[i] / s.mean;
        nsum_add(&acc, weight_at(w, i) * r * log_ratio(x[i], s.mean));
    }
    return finish(nsum_value(&acc) / s.total_weight, out);
}

int metrics_theil_l(const double *x, const double *w, size_t n, double *out)
{
    struct sample s;
    if (!out)
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 2, FLOOR_POSITIVE, 1);
    if (rc != METRICS_OK)
        return rc;
    struct nsum acc = {0, 0};
    for (size_t i = 0; i < n; i++)
        nsum_add(&acc, weight_at(w, i) * log_ratio(s.mean, x[i]));
    return finish(nsum_value(&acc) / s.total_weight, out);
}

/* GE and Atkinson are 0/0 at their limits (GE at a = 0 and 1, Atkinson at e = 1): written with
 * powers, the numerator is the difference of two numbers close to 1 and loses as many digits as
 * the parameter is close to the limit (7 of them at 1e-6 from it). So both are written with
 * l_i = ln(x_i / mu) and expm1, which gives r^p - 1 = expm1(p l) to full precision for any small
 * p, and the sums below are what is left of the numerator after the 1s cancel exactly. */

/* (1/W) sum w_i expm1(POWER l_i) = (1/W) sum w_i (x_i / mu)^POWER - 1. A zero x_i (POWER > 0)
 * has l_i = ln 0 = -inf and adds -w_i, as 0^POWER - 1 does. Units of weight 0 are skipped so
 * that an overflowing power of theirs cannot make 0 * inf. Not finite when a power overflows. */
static double power_mean_minus_1(const struct sample *s, double power)
{
    struct nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = weight_at(s->w, i);
        if (wi > 0)
            nsum_add(&acc, wi * expm1(power * log_ratio(s->x[i], s->mean)));
    }
    return nsum_value(&acc) / s->total_weight;
}

/* (1/W) sum w_i r_i expm1(P l_i) = (1/W) sum w_i (r_i^(1 + P) - r_i) with r_i = x_i / mu: the
 * same quantity as power_mean_minus_1(s, 1 + P), since (1/W) sum w_i r_i = 1 exactly, but it
 * tends to P times Theil T as P -> 0 instead of cancelling. A zero x_i adds nothing. */
static double power_mean_minus_1_near_1(const struct sample *s, double p)
{
    struct nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = weight_at(s->w, i);
        if (s->x[i] == 0 || !(wi > 0))
            continue; /* 0^(1 + P) - 0 = 0 for 1 + P > 0 */
        double r = s->x[i] / s->mean;
        nsum_add(&acc, wi * r * expm1(p * log_ratio(s->x[i], s->mean)));
    }
    return nsum_value(&acc) / s->total_weight;
}

/* ln[(1/W) sum w_i (x_i / mu)^POWER] by log-sum-exp, for powers whose terms overflow: the
 * largest term is factored out, so every exp is at most 1. x > 0. */
static double log_power_mean(const struct sample *s, double power)
{
    double top = -INFINITY;
    for (size_t i = 0; i < s->n; i++)
        if (weight_at(s->w, i) > 0)
            top = fmax(top, power * log_ratio(s->x[i], s->mean));
    struct nsum acc = {0, 0};
    for (size_t i = 0; i < s->n; i++) {
        double wi = weight_at(s->w, i);
        if (wi > 0)
            nsum_add(&acc, wi * exp(power * log_ratio(s->x[i], s->mean) - top));
    }
    return top + log(nsum_value(&acc) / s->total_weight);
}

int metrics_ge(const double *x, const double *w, size_t n, double alpha, double *out)
{
    struct sample s;
    if (!out || !isfinite(alpha))
        return METRICS_E_DOMAIN;
    /* The general formula is 0/0 at these two points; their limits are Theil L and T. */
    if (alpha == 0)
        return metrics_theil_l(x, w, n, out);
    if (alpha == 1)
        return metrics_theil_t(x, w, n, out);
    int rc = sample_open(&s, x, w, n, 2, alpha < 0 ? FLOOR_POSITIVE : FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    /* Near 0 the numerator tends to -a L, near 1 to (a - 1) T; each form divides out its own
     * vanishing factor without subtracting. */
    double numerator =
        alpha < 0.5 ? power_mean_minus_1(&s, alpha) : power_mean_minus_1_near_1(&s, alpha - 1);
    return finish(numerator / (alpha * (alpha - 1)), out);
}

int metrics_atkinson(const double *x, const double *w, size_t n, double epsilon, double *out)
{
    struct sample s;
    if (!out || !isfinite(epsilon) || epsilon < 0)
        return METRICS_E_DOMAIN;
    int rc = sample_open(&s, x, w, n, 2, epsilon >= 1 ? FLOOR_POSITIVE : FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    /* e = 0: the equally distributed equivalent is the mean itself, so the index is exactly 0;
     * computing it would only leave rounding noise of either sign. */
    if (epsilon == 0)
        return finish(0.0, out);
    if (epsilon == 1) {
        /* 1 - geomean / mu = 1 - exp(mean of ln(x_i / mu)); expm1 keeps small indices exact. */
        struct nsum acc = {0, 0};
        for (size_t i = 0; i < n; i++)
            nsum_add(&acc, weight_at(w, i) * log_ratio(x[i], s.mean));
        return finish(-expm1(nsum_value(&acc) / s.total_weight), out);
    }
    /* A = 1 - M^(1/b) with b = 1 - e and M the power mean of x_i / mu (relative values, so that
     * x^b cannot overflow for large x): A = -expm1(ln(M) / b) with ln M = log1p(M - 1). M - 1
     * is a sum of expm1(b l_i) ~ b l_i, so ln(M) / b tends to the mean of l_i, the e = 1 case,
     * instead of 0/0. For a large e the powers of small values overflow; log-sum-exp does not. */
    double b = 1 - epsilon;
    double m1 = power_mean_minus_1(&s, b);
    double log_m = isfinite(m1) ? log1p(m1) : log_power_mean(&s, b);
    return finish(-expm1(log_m / b), out);
}

static int extremes(const double *x, size_t n, double *lo, double *hi)
{
    if (n < 1)
        return METRICS_E_TOO_FEW;
    if (!x)
        return METRICS_E_DOMAIN;
    int rc = check_values(x, n, FLOOR_NONE);
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
    return finish(hi - lo, out);
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
    return finish(hi / lo, out);
}

/* ---- Theil decomposition ---- */

/* The units regrouped so that each group's members are contiguous: group k holds
 * x[first[k] .. first[k + 1]) and, with weights, w over the same slots. */
struct grouping {
    double *x, *w;
    size_t *first;
};

static void grouping_free(struct grouping *g)
{
    free(g->x);
    free(g->w);
    free(g->first);
}

/* A counting sort by group: O(n + ngroups), stable, so a group's members keep input order. */
static int grouping_build(struct grouping *g, const double *x, const double *w, const size_t *group,
                          size_t n, size_t ngroups)
{
    *g = (struct grouping){0};
    if (n > SIZE_MAX / sizeof(double) || ngroups == SIZE_MAX)
        return METRICS_E_NOMEM;
    g->x = malloc(n * sizeof *g->x);
    g->w = w ? malloc(n * sizeof *g->w) : NULL;
    g->first = calloc(ngroups + 1, sizeof *g->first);
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

static int theil_index(enum metrics_theil_kind kind, const double *x, const double *w, size_t n,
                       double *out)
{
    return kind == METRICS_THEIL_T ? metrics_theil_t(x, w, n, out) : metrics_theil_l(x, w, n, out);
}

/* Fills one group's shares, mean and own index from its members GX, GW[0..m). */
static int group_describe(const struct sample *all, enum metrics_theil_kind kind, const double *gx,
                          const double *gw, size_t m, struct metrics_group *out)
{
    struct nsum sw = {0, 0}, swx = {0, 0};
    for (size_t i = 0; i < m; i++) {
        nsum_add(&sw, weight_at(gw, i));
        nsum_add(&swx, weight_at(gw, i) * gx[i]);
    }
    double weight = nsum_value(&sw), value = nsum_value(&swx);
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
        int rc = theil_index(kind, gx, gw, m, &g.index);
        if (rc != METRICS_OK)
            return rc;
    }
    *out = g;
    return METRICS_OK;
}

int metrics_theil_decompose(const double *x, const double *w, const size_t *group, size_t n,
                            size_t ngroups, enum metrics_theil_kind kind,
                            struct metrics_decomposition *out, struct metrics_group *groups)
{
    struct sample s;
    struct grouping gr = {0};
    struct metrics_group *desc = NULL;
    if (!out || !group || (kind != METRICS_THEIL_T && kind != METRICS_THEIL_L))
        return METRICS_E_DOMAIN;
    int rc =
        sample_open(&s, x, w, n, 2, kind == METRICS_THEIL_L ? FLOOR_POSITIVE : FLOOR_NONNEG, 1);
    if (rc != METRICS_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (group[i] >= ngroups)
            return METRICS_E_DOMAIN;
    if (ngroups > n)
        return METRICS_E_TOO_FEW; /* some group is empty */

    struct metrics_decomposition d;
    rc = theil_index(kind, x, w, n, &d.total);
    if (rc != METRICS_OK)
        goto fail;
    rc = grouping_build(&gr, x, w, group, n, ngroups);
    if (rc != METRICS_OK)
        goto fail;
    rc = METRICS_E_NOMEM;
    desc = calloc(ngroups, sizeof *desc);
    if (!desc)
        goto fail;

    struct nsum between = {0, 0}, within = {0, 0};
    for (size_t k = 0; k < ngroups; k++) {
        size_t m = gr.first[k + 1] - gr.first[k];
        rc = METRICS_E_TOO_FEW;
        if (m == 0)
            goto fail;
        const double *gw = gr.w ? gr.w + gr.first[k] : NULL;
        rc = group_describe(&s, kind, gr.x + gr.first[k], gw, m, &desc[k]);
        if (rc != METRICS_OK)
            goto fail;
        double v = desc[k].population_share, sh = desc[k].value_share;
        if (kind == METRICS_THEIL_T) {
            nsum_add(&between, sh * log_ratio(sh, v));
            nsum_add(&within, sh * desc[k].index);
        } else {
            nsum_add(&between, v * log_ratio(v, sh));
            nsum_add(&within, v * desc[k].index);
        }
    }
    d.between = nsum_value(&between);
    d.within = nsum_value(&within);
    rc = METRICS_E_DOMAIN;
    if (!isfinite(d.between) || !isfinite(d.within))
        goto fail;
    *out = d;
    if (groups)
        memcpy(groups, desc, ngroups * sizeof *desc);
    rc = METRICS_OK;
fail:
    free(desc);
    grouping_free(&gr);
    return rc;
}

/* ---- regression and convergence ---- */

int metrics_ols(const double *x, const double *y, size_t n, struct metrics_ols *out)
{
    if (!out)
        return METRICS_E_DOMAIN;
    if (n < 2)
        return METRICS_E_TOO_FEW;
    if (!x || !y)
        return METRICS_E_DOMAIN;
    int rc = check_values(x, n, FLOOR_NONE);
    if (rc == METRICS_OK)
        rc = check_values(y, n, FLOOR_NONE);
    if (rc != METRICS_OK)
        return rc;

    /* Centred sums: Sxx = sum x^2 - n xbar^2 would cancel catastrophically for years. */
    struct nsum sx = {0, 0}, sy = {0, 0};
    for (size_t i = 0; i < n; i++) {
        nsum_add(&sx, x[i]);
        nsum_add(&sy, y[i]);
    }
    double xbar = nsum_value(&sx) / (double)n, ybar = nsum_value(&sy) / (double)n;
    struct nsum sxx = {0, 0}, sxy = {0, 0}, syy = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - xbar, dy = y[i] - ybar;
        nsum_add(&sxx, dx * dx);
        nsum_add(&sxy, dx * dy);
        nsum_add(&syy, dy * dy);
    }
    double s_xx = nsum_value(&sxx), s_xy = nsum_value(&sxy), s_yy = nsum_value(&syy);
    if (!isfinite(xbar) || !isfinite(ybar) || !isfinite(s_xx) || !isfinite(s_yy))
        return METRICS_E_DOMAIN;
    if (!(s_xx > 0))
        return METRICS_E_DEGENERATE;

    struct metrics_ols r = {.n = n};
    r.slope = s_xy / s_xx;
    r.intercept = ybar - r.slope * xbar;
    struct nsum sse = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double e = (y[i] - ybar) - r.slope * (x[i] - xbar);
        nsum_add(&sse, e * e);
    }
    double s_ee = nsum_value(&sse);
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
static void beta_speed(struct metrics_beta *b)
{
    double bt = b->beta * b->years;
    b->converging = b->beta < 0;
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
    int rc = check_values(y0, n, FLOOR_POSITIVE);
    if (rc == METRICS_OK)
        rc = check_values(yT, n, FLOOR_POSITIVE);
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
        growth[i] = log_ratio(yT[i], y0[i]) / years;
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
