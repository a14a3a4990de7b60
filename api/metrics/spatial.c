/* api/metrics/spatial.c — spatial lag and Moran's I (global and local) on row-standardised
 * binary contiguity, following R spdep 1.2 (moran.test, spweights.constants, localmoran). */
#include "spatial.h"

#include <math.h>

#include "stats.h"

/* A list in strictly ascending order (as api/contiguity gives them) cannot name a neighbour
 * twice: only a list out of order is scanned for one, O(d^2). */
int spatial_weights_check(const struct spatial_weights *w, size_t *n_isolated)
{
    if (!w || w->n == 0 || !w->offsets || (w->offsets[w->n] > 0 && !w->neighbours))
        return METRICS_E_DOMAIN;
    if (w->offsets[0] != 0)
        return METRICS_E_DOMAIN;
    size_t isolated = 0;
    for (size_t i = 0; i < w->n; i++) {
        size_t a = w->offsets[i], b = w->offsets[i + 1];
        if (b < a)
            return METRICS_E_DOMAIN;
        if (a == b)
            isolated++;
        int ascending = 1;
        for (size_t p = a; p < b; p++) {
            size_t j = w->neighbours[p];
            if (j >= w->n || j == i)
                return METRICS_E_DOMAIN;
            ascending &= p == a || w->neighbours[p - 1] < j;
        }
        for (size_t p = a; !ascending && p < b; p++)
            for (size_t q = a; q < p; q++)
                if (w->neighbours[q] == w->neighbours[p])
                    return METRICS_E_DOMAIN;
    }
    if (n_isolated)
        *n_isolated = isolated;
    return METRICS_OK;
}

static size_t degree(const struct spatial_weights *w, size_t i)
{
    return w->offsets[i + 1] - w->offsets[i];
}

/* The row-standardised lag of X at unit I; 0 for an island. */
static double lag_at(const struct spatial_weights *w, const double *x, size_t i)
{
    size_t a = w->offsets[i], b = w->offsets[i + 1];
    if (a == b)
        return 0;
    double s = 0;
    for (size_t p = a; p < b; p++)
        s += x[w->neighbours[p]];
    return s / (double)(b - a);
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int spatial_lag(const struct spatial_weights *w, const double *x, double *lag)
{
    int rc = spatial_weights_check(w, NULL);
    if (rc != METRICS_OK)
        return rc;
    if (!x || !lag || !all_finite(x, w->n))
        return METRICS_E_DOMAIN;
    for (size_t i = 0; i < w->n; i++)
        lag[i] = lag_at(w, x, i);
    return METRICS_OK;
}

static double sum_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

/* The mean of X from S = sum_of(X). */
static double mean_with_sum(const double *x, size_t n, double s)
{
    double m = s / (double)n;
    /* a second pass, as R's mean(), so the centred values sum to zero more exactly */
    double r = 0;
    for (size_t i = 0; i < n; i++)
        r += x[i] - m;
    return m + r / (double)n;
}

static double mean_of(const double *x, size_t n)
{
    return mean_with_sum(x, n, sum_of(x, n));
}

/* w_ji: 1 / d_j when i is a neighbour of j, else 0. */
static double weight_back(const struct spatial_weights *w, size_t j, size_t i)
{
    for (size_t p = w->offsets[j]; p < w->offsets[j + 1]; p++)
        if (w->neighbours[p] == i)
            return 1.0 / (double)degree(w, j);
    return 0;
}

/* spdep's spweights.constants: S0 = sum w_ij, S1 = sum_ij (w_ij^2 + w_ij w_ji),
 * S2 = sum_i (row sum_i + column sum_i)^2. With a symmetric neighbour relation (contiguity) the
 * column sum of i is sum over its own list of 1 / d_j, O(edges); otherwise the lists are
 * scanned for every unit, O(n * edges). No scratch either way. */
static void weight_constants(const struct spatial_weights *w, double *s0, double *s1, double *s2)
{
    double a0 = 0, a1 = 0, a2 = 0;
    int symmetric = 1;
    for (size_t i = 0; i < w->n; i++) {
        size_t d = degree(w, i);
        if (!d)
            continue;
        double wij = 1.0 / (double)d;
        a0 += 1;
        for (size_t p = w->offsets[i]; p < w->offsets[i + 1]; p++) {
            double wji = weight_back(w, w->neighbours[p], i);
            symmetric &= wji > 0;
            a1 += wij * wij + wij * wji;
        }
    }
    for (size_t i = 0; i < w->n; i++) {
        double row = degree(w, i) ? 1.0 : 0.0, col = 0;
        if (symmetric) {
            for (size_t p = w->offsets[i]; p < w->offsets[i + 1]; p++)
                col += 1.0 / (double)degree(w, w->neighbours[p]);
        } else {
            for (size_t j = 0; j < w->n; j++)
                if (j != i)
                    col += weight_back(w, j, i);
        }
        a2 += (row + col) * (row + col);
    }
    *s0 = a0;
    *s1 = a1;
    *s2 = a2;
}

int spatial_plan_make(const struct spatial_weights *w, struct spatial_plan *out)
{
    size_t isolated;
    int rc = spatial_weights_check(w, &isolated);
    if (rc != METRICS_OK)
        return rc;
    if (!out)
        return METRICS_E_DOMAIN;
    struct spatial_plan k = {.w = w, .n_isolated = isolated};
    weight_constants(w, &k.s0, &k.s1, &k.s2);
    *out = k;
    return METRICS_OK;
}

/* The sums of X's centred values Z = x - XBAR that the global Moran needs: sum z^2, sum z^4 and
 * sum_i z_i lag(z)_i. */
struct moran_sums {
    double zz, z4, zlz;
};

/* The sums' terms of unit I, with L the sum of its neighbours' centred values. */
static inline void moran_add(struct moran_sums *s, double z, double l, size_t d)
{
    s->zz += z * z;
    s->z4 += z * z * z * z;
    if (d)
        s->zlz += z * (l / (double)d);
}

/* Global Moran's I over the plan from the sums of N_FULL values (spatial_moran's refusals). */
static int moran_finish(const struct spatial_plan *k, size_t nfull, const struct moran_sums *s,
                        struct spatial_moran *out)
{
    size_t nu = nfull - k->n_isolated;
    double zz = s->zz;
    if (!(zz > 0))
        return METRICS_E_DEGENERATE;

    double s0 = k->s0, s1 = k->s1, s2 = k->s2;
    double n = (double)nu, nn = n * n, s02 = s0 * s0;
    double kurt = (double)nfull * s->z4 / (zz * zz);
    double I = (n / s0) * (s->zlz / zz);
    double EI = -1.0 / (n - 1);
    double vn = (nn * s1 - n * s2 + 3 * s02) / (s02 * (nn - 1)) - EI * EI;
    double vr = n * (s1 * (nn - 3 * n + 3) - n * s2 + 3 * s02);
    vr -= kurt * (s1 * (nn - n) - 2 * n * s2 + 6 * s02);
    vr = vr / ((n - 1) * (n - 2) * (n - 3) * s02) - EI * EI;
    if (!(vn > 0) || !(vr > 0) || !isfinite(vn) || !isfinite(vr))
        return METRICS_E_DEGENERATE;

    struct spatial_moran m = {.n = nfull, .n_used = nu, .i = I, .expected = EI};
    m.variance_normal = vn;
    m.variance_random = vr;
    m.z_normal = (I - EI) / sqrt(vn);
    m.z_random = (I - EI) / sqrt(vr);
    if (!isfinite(m.i) || !isfinite(m.z_normal) || !isfinite(m.z_random))
        return METRICS_E_DOMAIN;
    int rc;
    if ((rc = stats_normal_upper(m.z_normal, &m.p_greater_normal)) != METRICS_OK ||
        (rc = stats_normal_upper(m.z_random, &m.p_greater_random)) != METRICS_OK)
        return rc;
    /* Both z have the sign of I - EI. Where it is not negative, |z| is z and the two-sided tail
     * is twice the upper one already worked out (the same erfc of the same argument). */
    if (m.z_normal >= 0 && m.z_random >= 0) {
        m.p_two_sided_normal = m.p_greater_normal;
        m.p_two_sided_random = m.p_greater_random;
    } else if ((rc = stats_normal_upper(fabs(m.z_normal), &m.p_two_sided_normal)) != METRICS_OK ||
               (rc = stats_normal_upper(fabs(m.z_random), &m.p_two_sided_random)) != METRICS_OK)
        return rc;
    m.p_two_sided_normal *= 2;
    m.p_two_sided_random *= 2;
    *out = m;
    return METRICS_OK;
}

/* Global Moran's I of X (finite, checked) with mean XBAR; *ZZ receives sum (x - xbar)^2. */
static int moran_core(const struct spatial_plan *k, const double *x, double xbar,
                      struct spatial_moran *out, double *zz_out)
{
    const struct spatial_weights *w = k->w;
    struct moran_sums s = {0, 0, 0};
    for (size_t i = 0; i < w->n; i++) {
        double l = 0;
        for (size_t p = w->offsets[i]; p < w->offsets[i + 1]; p++)
            l += x[w->neighbours[p]] - xbar;
        moran_add(&s, x[i] - xbar, l, degree(w, i));
    }
    int rc = moran_finish(k, w->n, &s, out);
    if (rc == METRICS_OK)
        *zz_out = s.zz;
    return rc;
}

/* Centred values below 1e100 cannot overflow the local Moran's products (z^4 / m2^2 at most),
 * so after this check every result is finite. */
static int centred_in_range(double z)
{
    return fabs(z) < 1e100;
}

/* What every unit's local Moran shares in one vector: N = w->n, M2 = sum z^2 / n, and the
 * divisions that do not depend on the unit. */
struct local_consts {
    double xbar, n, m2, n_n2, inv_n1, n1_m2;
};

static struct local_consts local_consts_of(double xbar, double n, double m2)
{
    return (struct local_consts){.xbar = xbar,
                                 .n = n,
                                 .m2 = m2,
                                 .n_n2 = n / (n - 2),
                                 .inv_n1 = 1.0 / (n - 1),
                                 .n1_m2 = (n - 1) * m2};
}

/* Local Moran of unit I from its centred value ZI, its lag LX (of x itself) and its D
 * neighbours. With W_i = 1 for a unit with neighbours, z^2 W_i is z^2 and W_i^2 / (n - 1) is
 * 1 / (n - 1) to the bit; an island's W_i = W2_i = 0 give E = -0 (-(z^2 0) / ...) and a
 * factor W2_i - W_i^2 / (n - 1) of +0. */
static inline void local_unit(struct spatial_local *r, double zi, double lx, size_t d,
                              const struct local_consts *c)
{
    double m2 = c->m2;
    double lz = d ? lx - c->xbar : 0;
    double w_term = d ? 1.0 / (double)d - c->inv_n1 : 0.0;
    double i = zi / m2 * lz;
    double expected = d ? -(zi * zi) / c->n1_m2 : -0.0;
    double variance = (zi / m2) * (zi / m2) * c->n_n2 * w_term * (m2 - zi * zi / (c->n - 1));
    /* field by field into R: a whole struct built and then copied costs more */
    r->i = i;
    r->lag = lx;
    r->expected = expected;
    r->variance = variance;
    r->has_z = variance > 0;
    r->z = variance > 0 ? (i - expected) / sqrt(variance) : 0;
    r->p_two_sided = 1; /* local_p_values' */
    if (zi > 0)
        r->quadrant = lz > 0 ? SPATIAL_HH : SPATIAL_HL;
    else
        r->quadrant = lz > 0 ? SPATIAL_LH : SPATIAL_LL;
}

/* The two-sided p-values of the N units of OUT that have a z: a loop of its own, so that each
 * erfc call has nothing of the statistics' loop to keep across it. */
static void local_p_values(struct spatial_local *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i].has_z)
            out[i].p_two_sided = erfc(fabs(out[i].z) * M_SQRT1_2); /* 2 P(Z > |z|) */
}

/* Local Moran of X (finite, checked, n >= 3) with mean XBAR and ZZ = sum (x - xbar)^2. */
static int local_core(const struct spatial_weights *w, const double *x, double xbar, double zz,
                      struct spatial_local *out)
{
    size_t nfull = w->n;
    double n = (double)nfull;
    double m2 = zz / n;
    if (!(m2 > 0))
        return METRICS_E_DEGENERATE;
    for (size_t i = 0; i < nfull; i++)
        if (!centred_in_range(x[i] - xbar))
            return METRICS_E_DOMAIN;
    const struct local_consts c = local_consts_of(xbar, n, m2);
    for (size_t i = 0; i < nfull; i++) {
        size_t d = degree(w, i);
        double lx = 0;
        if (d) {
            for (size_t p = w->offsets[i]; p < w->offsets[i + 1]; p++)
                lx += x[w->neighbours[p]];
            lx /= (double)d;
        }
        local_unit(&out[i], x[i] - xbar, lx, d, &c);
    }
    local_p_values(out, nfull);
    return METRICS_OK;
}

int spatial_moran(const struct spatial_weights *w, const double *x, struct spatial_moran *out)
{
    struct spatial_plan k;
    int rc = spatial_plan_make(w, &k);
    if (rc != METRICS_OK)
        return rc;
    if (!x || !out || !all_finite(x, w->n))
        return METRICS_E_DOMAIN;
    if (w->n - k.n_isolated < 4)
        return METRICS_E_TOO_FEW;
    double zz;
    return moran_core(&k, x, mean_of(x, w->n), out, &zz);
}

int spatial_local_moran(const struct spatial_weights *w, const double *x, struct spatial_local *out)
{
    int rc = spatial_weights_check(w, NULL);
    if (rc != METRICS_OK)
        return rc;
    if (!x || !out || !all_finite(x, w->n))
        return METRICS_E_DOMAIN;
    size_t nfull = w->n;
    if (nfull < 3)
        return METRICS_E_TOO_FEW;
    double xbar = mean_of(x, nfull);
    double zz = 0;
    for (size_t i = 0; i < nfull; i++)
        zz += (x[i] - xbar) * (x[i] - xbar);
    return local_core(w, x, xbar, zz, out);
}

int spatial_moran_both(const struct spatial_plan *k, const double *x, struct spatial_moran *global,
                       struct spatial_local *local)
{
    if (!k || !k->w || !x || !global || !local)
        return METRICS_E_DOMAIN;
    const struct spatial_weights *w = k->w;
    size_t nfull = w->n;
    /* a sum is finite only when every value is: each is looked at only when it is not (a
     * value that is not finite, or finite values whose sum overflows) */
    double sum = sum_of(x, nfull);
    if (!isfinite(sum) && !all_finite(x, nfull))
        return METRICS_E_DOMAIN;
    if (nfull - k->n_isolated < 4)
        return METRICS_E_TOO_FEW;
    double xbar = mean_with_sum(x, nfull, sum);
    /* One pass over the neighbours for both statistics: the global's sum of centred values and
     * the local's lag of x itself, each summed in the order of the functions one by one (the
     * same bits); the lags wait in LOCAL until m2 is known. */
    struct moran_sums s = {0, 0, 0};
    int in_range = 1;
    for (size_t i = 0; i < nfull; i++) {
        size_t a = w->offsets[i], b = w->offsets[i + 1];
        double z = x[i] - xbar, l = 0, lx = 0;
        for (size_t p = a; p < b; p++) {
            double v = x[w->neighbours[p]];
            l += v - xbar;
            lx += v;
        }
        moran_add(&s, z, l, b - a);
        local[i].lag = a < b ? lx / (double)(b - a) : 0;
        in_range &= centred_in_range(z);
    }
    struct spatial_moran m;
    int rc = moran_finish(k, nfull, &s, &m);
    if (rc != METRICS_OK)
        return rc;
    double n = (double)nfull, m2 = s.zz / n;
    if (!(m2 > 0))
        return METRICS_E_DEGENERATE;
    if (!in_range)
        return METRICS_E_DOMAIN;
    const struct local_consts c = local_consts_of(xbar, n, m2);
    for (size_t i = 0; i < nfull; i++)
        local_unit(&local[i], x[i] - xbar, local[i].lag, degree(w, i), &c);
    local_p_values(local, nfull);
    *global = m;
    return METRICS_OK;
}

const char *spatial_quadrant_name(enum spatial_quadrant q)
{
    switch (q) {
    case SPATIAL_HH:
        return "HH";
    case SPATIAL_LH:
        return "LH";
    case SPATIAL_LL:
        return "LL";
    case SPATIAL_HL:
        return "HL";
    }
    return "?";
}
