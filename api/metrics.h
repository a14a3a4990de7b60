/* api/metrics.h — the metrics library: arithmetic only (no JSON, no I/O, no regions).
 *
 * This header has the error codes every family returns and the first families: two values
 * (api/metrics/gaps.c), dispersion and the Theil decomposition (api/metrics/inequality.c),
 * regression and convergence (api/metrics/regression.c). The analyses have a header each in
 * api/metrics/: dagum.h, density.h, composite.h, markov.h, spatial.h, segments.h, stats.h.
 *
 * Every function returns METRICS_OK and writes *OUT, or a METRICS_E_* code and leaves *OUT
 * alone; no function ever produces NaN or an infinity. Weights W may be NULL (all equal);
 * otherwise they must be finite, >= 0 and sum to more than 0. Sums are compensated
 * (Neumaier), so the order of the inputs does not change the result beyond rounding. */
#ifndef PROSPERITY_METRICS_H
#define PROSPERITY_METRICS_H

#include <stddef.h>

/* On every metrics function: its return code says whether *OUT was written, so a caller that
 * ignores it prints a stale or uninitialised value. The compiler enforces the check. */
#define METRICS_MUST_CHECK __attribute__((warn_unused_result))

enum metrics_status {
    METRICS_OK = 0,
    METRICS_E_TOO_FEW,     /* fewer values than the metric needs */
    METRICS_E_NONPOSITIVE, /* a value must be > 0 (a log, a ratio's divisor) or >= 0 */
    METRICS_E_ZERO,        /* division by zero (a zero reference, a zero mean) */
    METRICS_E_WEIGHTS,     /* a weight is negative or not finite, or the weights sum to 0 */
    METRICS_E_DEGENERATE,  /* e.g. all x equal in a regression */
    METRICS_E_DOMAIN,      /* a parameter out of range (T <= 0, a non-finite input ...) */
    METRICS_E_NOMEM
};

/* A short English phrase for CODE ("needs positive values"); static string. */
const char *metrics_strerror(int code);

/* ---- two values ---- */
/* ratio = a / b (b != 0). */
METRICS_MUST_CHECK int metrics_ratio(double a, double b, double *out);
/* difference = a - b. */
METRICS_MUST_CHECK int metrics_difference(double a, double b, double *out);
/* relative gap = (ref - x) / ref (ref != 0). */
METRICS_MUST_CHECK int metrics_relative_gap(double ref, double x, double *out);
/* growth % = 100 (v1 / v0 - 1) (v0 != 0). */
METRICS_MUST_CHECK int metrics_growth_pct(double v0, double v1, double *out);
/* multiple = v1 / v0 (v0 != 0). */
METRICS_MUST_CHECK int metrics_multiple(double v0, double v1, double *out);
/* CAGR = (v1 / v0)^(1 / T) - 1, T in years > 0, v0 > 0, v1 >= 0. */
METRICS_MUST_CHECK int metrics_cagr(double v0, double v1, double years, double *out);
/* percentage-point change = p1 - p0 (a difference of two percentages, never a ratio). */
METRICS_MUST_CHECK int metrics_pp_change(double p0, double p1, double *out);

/* ---- dispersion of x[0..n) with weights w (NULL: equal) ---- */
/* Weighted mean (1/W) sum w_i x_i. n >= 1. */
METRICS_MUST_CHECK int metrics_mean(const double *x, const double *w, size_t n, double *out);
/* Coefficient of variation sd / mean, sd with divisor W (population) or, when SAMPLE,
 * n - 1 (only without weights: METRICS_E_DOMAIN otherwise). With population weights this is
 * the Williamson index. n >= 2, mean != 0. */
METRICS_MUST_CHECK int metrics_cv(const double *x, const double *w, size_t n, int sample,
                                  double *out);
/* Gini = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), no small-sample correction, computed in
 * O(n log n) by sorting. n >= 2, x >= 0, mu > 0. */
METRICS_MUST_CHECK int metrics_gini(const double *x, const double *w, size_t n, double *out);
/* Theil T = GE(1) = (1/W) sum w_i (x_i/mu) ln(x_i/mu); x >= 0 (0 ln 0 = 0), mu > 0, n >= 2. */
METRICS_MUST_CHECK int metrics_theil_t(const double *x, const double *w, size_t n, double *out);
/* Theil L = mean log deviation = GE(0) = (1/W) sum w_i ln(mu/x_i); x > 0, n >= 2. */
METRICS_MUST_CHECK int metrics_theil_l(const double *x, const double *w, size_t n, double *out);
/* GE(a) = [(1/W) sum w_i (x_i/mu)^a - 1] / (a (a - 1)); a = 0 and a = 1 give Theil L and T;
 * x > 0 when a <= 0, x >= 0 otherwise; n >= 2. */
METRICS_MUST_CHECK int metrics_ge(const double *x, const double *w, size_t n, double alpha,
                                  double *out);
/* Atkinson(e) = 1 - [(1/W) sum w_i x_i^(1-e)]^(1/(1-e)) / mu (e != 1), 1 - geomean / mu (e = 1);
 * e >= 0; x > 0 when e >= 1, x >= 0 otherwise; n >= 2. */
METRICS_MUST_CHECK int metrics_atkinson(const double *x, const double *w, size_t n, double epsilon,
                                        double *out);
/* Range max - min and the ratio max / min (min > 0 for the ratio, else METRICS_E_NONPOSITIVE
 * from metrics_max_min_ratio). */
METRICS_MUST_CHECK int metrics_range(const double *x, size_t n, double *out);
METRICS_MUST_CHECK int metrics_max_min_ratio(const double *x, size_t n, double *out);

/* ---- several measures of one sample ----
 * What a dispersion answer asks of each year: the sample opened once (its values and weights
 * checked, its sums and mean taken, its extremes found, ln(x_i / mu) taken once for the first
 * measure that needs it, the sort order of the Gini kept for the next sample) and read by each
 * measure (the Gini's and metrics_set_dagum_decompose's: whichever comes first sorts). Each
 * metrics_set_* gives exactly the result bits and the error code of the
 * one-measure function of the same name on the same X and W. Samples of more than
 * METRICS_SET_MAX values are computed as the one-measure functions compute them. */
#define METRICS_SET_MAX 64

/* The members are the library's (read none of them). X and W are borrowed until the set is
 * reopened; nothing is allocated, so there is nothing to close. */
struct metrics_set {
    const double *x, *w;
    size_t n;
    int values;                /* METRICS_OK, or METRICS_E_DOMAIN (a value is not finite) */
    int negative, nonpositive; /* some value is < 0; some value is not > 0 */
    int weights;               /* METRICS_OK or METRICS_E_WEIGHTS */
    int sums;                  /* the code of the sums and mean (when values and weights are OK) */
    double total_weight, total_value, mean, lo, hi;
    size_t min_at, max_at;
    int has_logs;
    double logs[METRICS_SET_MAX]; /* ln(x_i / mu), when has_logs */
    size_t order_n; /* the Gini's sort order of the last sample of ORDER_N values, or 0 */
    int has_order;  /* ORDER is this sample's (sorted since the last open) */
    int has_theil[2];
    double theil[2]; /* Theil L [0] and T [1] of this sample, when has_theil */
    /* The last decomposition's groups of this sample (GROUP_OF, GROUP_LOGS_NG of them), for the
     * other kind of the same groups: the values and weights regrouped (group k in
     * GROUP_FIRST[k] .. GROUP_FIRST[k + 1]), each group's weight and weighted value, and
     * ln(x_i / group mean) in the grouped order. */
    int has_group_logs;
    size_t group_logs_ng;
    unsigned char group_of[METRICS_SET_MAX];
    double group_logs[METRICS_SET_MAX];
    double group_x[METRICS_SET_MAX], group_w[METRICS_SET_MAX];
    size_t group_first[METRICS_SET_MAX + 1];
    double group_weight[METRICS_SET_MAX], group_value[METRICS_SET_MAX];
    unsigned char order[METRICS_SET_MAX];
    double sorted[METRICS_SET_MAX]; /* x in ORDER, when has_order */
    size_t sides_n;                 /* the unweighted Gini's sides of SIDES_N units, or 0 */
    double sides[METRICS_SET_MAX];
};

/* Opens S on X and W[0..n). Zero S ({0}) before its first open; reopening it for the next
 * sample keeps the Gini's last sort order as the start of the next sort (the result does not
 * depend on it). */
void metrics_set_open(struct metrics_set *s, const double *x, const double *w, size_t n);
METRICS_MUST_CHECK int metrics_set_mean(const struct metrics_set *s, double *out);
METRICS_MUST_CHECK int metrics_set_cv(const struct metrics_set *s, int sample, double *out);
METRICS_MUST_CHECK int metrics_set_gini(struct metrics_set *s, double *out);
METRICS_MUST_CHECK int metrics_set_theil_t(struct metrics_set *s, double *out);
METRICS_MUST_CHECK int metrics_set_theil_l(struct metrics_set *s, double *out);
METRICS_MUST_CHECK int metrics_set_atkinson(struct metrics_set *s, double epsilon, double *out);
/* The first unit with the smallest (largest) value, scanning for a strictly smaller (larger)
 * one: 0 when there are no values. */
size_t metrics_set_argmin(const struct metrics_set *s);
size_t metrics_set_argmax(const struct metrics_set *s);
METRICS_MUST_CHECK int metrics_set_range(const struct metrics_set *s, double *out);
METRICS_MUST_CHECK int metrics_set_max_min_ratio(const struct metrics_set *s, double *out);

/* ---- Theil decomposition into groups ----
 * x[i] is a per-capita value and w[i] the population of unit i; group[i] in 0..ngroups-1.
 * T: within = sum_k s_k T_k, between = sum_k s_k ln(s_k / v_k);
 * L: within = sum_k v_k L_k, between = sum_k v_k ln(v_k / s_k);
 * v_k = population share, s_k = value share (sum w x of the group / total). total equals
 * between + within. A group with one member has index 0. */
enum metrics_theil_kind { METRICS_THEIL_T, METRICS_THEIL_L };

struct metrics_group {
    double population_share, value_share, mean, index;
    size_t n;
};

struct metrics_decomposition {
    double total, between, within;
    int has_between_share; /* total > 0 (every value equal: no share of nothing) */
    double between_share;  /* between / total, when has_between_share */
};

/* GROUPS receives NGROUPS entries (may be NULL). Every group must have a member. */
METRICS_MUST_CHECK int metrics_theil_decompose(const double *x, const double *w,
                                               const size_t *group, size_t n, size_t ngroups,
                                               enum metrics_theil_kind kind,
                                               struct metrics_decomposition *out,
                                               struct metrics_group *groups);

/* metrics_theil_decompose of the values of S (opened by metrics_set_open): the same bits and
 * codes, the sample's checks and its own index not taken again. */
METRICS_MUST_CHECK int metrics_set_theil_decompose(struct metrics_set *s, const size_t *group,
                                                   size_t ngroups, enum metrics_theil_kind kind,
                                                   struct metrics_decomposition *out,
                                                   struct metrics_group *groups);

/* ---- regression and convergence ---- */
struct metrics_ols {
    double slope, intercept;
    int has_se;                    /* n >= 3 */
    double se_slope, se_intercept; /* residual variance SSE / (n - 2) */
    int has_r2;                    /* y not all equal (SST > 0) */
    double r2;                     /* 1 - SSE / SST */
    size_t n;
};
/* Ordinary least squares of y on x with an intercept. n >= 2, x not all equal
 * (METRICS_E_DEGENERATE). Standard errors need n >= 3, R^2 needs y not all equal. */
METRICS_MUST_CHECK int metrics_ols(const double *x, const double *y, size_t n,
                                   struct metrics_ols *out);

struct metrics_beta {
    double beta, alpha, se, r2; /* OLS of ln(yT/y0)/T on ln y0 */
    size_t n;
    double years;      /* T */
    int has_t;         /* se > 0 (an exact fit has no t: its p-value is 0) */
    double t;          /* beta / se, when has_t */
    double p_value;    /* two-sided, Student t with n - 2 degrees of freedom */
    int significant;   /* p_value < 0.05 */
    int converging;    /* beta < 0 and significant */
    int has_speed;     /* 1 + beta T > 0 */
    double speed;      /* lambda = -ln(1 + beta T) / T, when has_speed */
    int has_half_life; /* has_speed and lambda > 0 */
    double half_life;  /* ln 2 / lambda, in years, when has_half_life */
};
/* Beta convergence of n units between y0 (start) and yT (end), T years apart. n >= 3, T > 0,
 * all values > 0. */
METRICS_MUST_CHECK int metrics_beta_convergence(const double *y0, const double *yT, size_t n,
                                                double years, struct metrics_beta *out);
/* Sigma convergence: the OLS trend of a dispersion series (e.g. the CV by year). n >= 2. */
METRICS_MUST_CHECK int metrics_sigma_convergence(const double *years, const double *dispersion,
                                                 size_t n, struct metrics_ols *out);

#endif
