/* api/metrics/dagum.c — Dagum (1997) Gini decomposition by groups: arithmetic only.
 *
 * One sort and one sweep instead of the n^2 double sums: with the units in ascending order and,
 * per group h, the weight and weighted sum of the units already passed (all <= y_i), unit i of
 * group j adds w_i (y_i W_h - S_h) = sum over those r of w_i w_r (y_i - y_r) to up[j][h]. So
 * up[j][h] is the weighted sum of the positive differences y_i - y_r, i in j, r in h (ties add
 * 0 either way), and sum sum |y_i - y_r| over i in j, r in h is up[j][h] + up[h][j]. */
#include "metrics/dagum.h"

#include "metrics/core.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Inputs up to these sizes use stack scratch (the API's 31 provinces in 4 regions, or 8
 * urban-rural groups, never allocate). */
enum { DAGUM_STACK_N = 256, DAGUM_STACK_K = 16 };

struct unit {
    double y, w;
    size_t g;
};

struct group_sums {
    double weight, value; /* W_j, sum w y */
    size_t n;
};

static int unit_cmp(const void *a, const void *b)
{
    double x = ((const struct unit *)a)->y, y = ((const struct unit *)b)->y;
    return (x > y) - (x < y);
}

/* The scratch block of a large input: pieces laid end to end, each rounded up to a multiple of
 * PIECE_ALIGN so that every piece starts aligned for any type. */
enum { PIECE_ALIGN = _Alignof(max_align_t) };

/* The bytes a piece of COUNT items of SIZE bytes takes; add_piece has checked the product. */
static size_t piece_bytes(size_t count, size_t size)
{
    return (count * size + PIECE_ALIGN - 1) / PIECE_ALIGN * PIECE_ALIGN;
}

/* Adds to *TOTAL a piece of COUNT items of SIZE bytes; 0 when the block would outgrow size_t. */
static int add_piece(size_t *total, size_t count, size_t size)
{
    if (count > (SIZE_MAX - PIECE_ALIGN) / size || piece_bytes(count, size) > SIZE_MAX - *total)
        return 0;
    *total += piece_bytes(count, size);
    return 1;
}

/* The next piece of COUNT items of SIZE bytes from the block at *P (counted by add_piece). */
static void *carve(unsigned char **p, size_t count, size_t size)
{
    void *piece = *p;
    *p += piece_bytes(count, size);
    return piece;
}

size_t metrics_dagum_npairs(size_t ngroups)
{
    return ngroups < 2 ? 0 : ngroups * (ngroups - 1) / 2;
}

static int check_inputs(const double *x, const double *w, const size_t *group, size_t n,
                        size_t ngroups)
{
    int below = 0;
    if (!x || !group || ngroups == 0)
        return METRICS_E_DOMAIN;
    if (n < 2 || ngroups > n)
        return METRICS_E_TOO_FEW;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || group[i] >= ngroups)
            return METRICS_E_DOMAIN;
        if (x[i] < 0)
            below = 1;
        if (w && (!isfinite(w[i]) || w[i] < 0))
            return METRICS_E_WEIGHTS;
    }
    return below ? METRICS_E_NONPOSITIVE : METRICS_OK;
}

/* check_inputs of the values of SET (opened on X, W, N): when its scan found every value finite
 * and every weight valid, only the groups are left to look at, and a value below 0 is the
 * set's flag (the same codes: check_inputs can then fail on nothing else). Otherwise
 * check_inputs itself, which names the first fault in index order. */
static int check_set_inputs(const struct metrics_set *set, const double *x, const double *w,
                            const size_t *group, size_t n, size_t ngroups)
{
    if (!x || set->values != METRICS_OK || set->weights != METRICS_OK)
        return check_inputs(x, w, group, n, ngroups);
    if (!group || ngroups == 0)
        return METRICS_E_DOMAIN;
    if (n < 2 || ngroups > n)
        return METRICS_E_TOO_FEW;
    size_t out_of_range = 0;
    for (size_t i = 0; i < n; i++)
        out_of_range |= group[i] >= ngroups;
    if (out_of_range)
        return METRICS_E_DOMAIN;
    return set->negative ? METRICS_E_NONPOSITIVE : METRICS_OK;
}

/* Fills SUMS[0..k) and the sorted UNITS: in ORDER (the units' indexes in ascending order of x,
 * ties by index) when not NULL, else sorted here. METRICS_E_* for an empty or weightless
 * group. */
static int gather(const double *x, const double *w, const size_t *group, size_t n, size_t k,
                  const unsigned char *order, struct unit *units, struct group_sums *sums)
{
    memset(sums, 0, k * sizeof *sums);
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        size_t at = order ? order[i] : i;
        units[i] = (struct unit){.y = x[at], .w = w ? w[at] : 1.0, .g = group[at]};
        sums[group[i]].weight += wi;
        sums[group[i]].value += wi * x[i];
        sums[group[i]].n++;
    }
    for (size_t j = 0; j < k; j++) {
        if (sums[j].n == 0)
            return METRICS_E_TOO_FEW;
        if (!(sums[j].weight > 0) || !isfinite(sums[j].weight))
            return METRICS_E_WEIGHTS;
        if (!isfinite(sums[j].value))
            return METRICS_E_DOMAIN;
        /* G_jj divides by the group's mean (x >= 0, so a zero sum means all zero). */
        if (!(sums[j].value > 0))
            return METRICS_E_ZERO;
    }
    /* glibc's qsort is a merge sort (stable): ties stay in index order, as in ORDER */
    if (!order)
        qsort(units, n, sizeof *units, unit_cmp);
    return METRICS_OK;
}

/* UP[j*k + h] as in the file comment; BELOW_W, BELOW_V are k running sums. */
static void sweep(const struct unit *units, size_t n, size_t k, double *up, double *below_w,
                  double *below_v)
{
    memset(up, 0, k * k * sizeof *up);
    memset(below_w, 0, k * sizeof *below_w);
    memset(below_v, 0, k * sizeof *below_v);
    for (size_t i = 0; i < n; i++) {
        const struct unit *u = &units[i];
        double *row = up + u->g * k;
        for (size_t h = 0; h < k; h++) {
            double d = u->y * below_w[h] - below_v[h];
            /* Exact arithmetic gives d >= 0 (every passed value is <= y); rounding may not. */
            if (d > 0)
                row[h] += u->w * d;
        }
        below_w[u->g] += u->w;
        below_v[u->g] += u->w * u->y;
    }
}

static int finite_all(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static int decompose(const struct group_sums *sums, const double *up, size_t k,
                     struct metrics_dagum *out, struct metrics_dagum_group *groups,
                     struct metrics_dagum_pair *pairs)
{
    double total_w = 0, total_v = 0, all = 0;
    for (size_t j = 0; j < k; j++) {
        total_w += sums[j].weight;
        total_v += sums[j].value;
        for (size_t h = 0; h < k; h++)
            all += up[j * k + h];
    }
    double mu = total_v / total_w;
    struct metrics_dagum d = {0};
    /* sum_i sum_r |y_i - y_r| counts every unordered pair twice: 2 * all. */
    d.gini = 2 * all / (2 * total_w * total_w * mu);

    for (size_t j = 0; j < k; j++) {
        double wj = sums[j].weight, mj = sums[j].value / wj;
        double gjj = 2 * up[j * k + j] / (wj * wj * 2 * mj);
        double p = wj / total_w, s = sums[j].value / total_v;
        d.within += gjj * p * s;
        groups[j] = (struct metrics_dagum_group){
            .n = sums[j].n, .mean = mj, .population_share = p, .income_share = s, .gini = gjj};
    }
    size_t np = 0;
    for (size_t j = 0; j < k; j++) {
        for (size_t h = j + 1; h < k; h++) {
            /* D in index order would be signed and still satisfy G = Gw + Gnb + Gt (Gnb + Gt
             * does not depend on D), so the identity cannot catch the order: the richer first. */
            size_t a = j, b = h;
            if (groups[h].mean > groups[j].mean) {
                a = h;
                b = j;
            }
            double wa = sums[a].weight, wb = sums[b].weight;
            double ma = groups[a].mean, mb = groups[b].mean;
            double ab = up[a * k + b], ba = up[b * k + a];
            double gab = (ab + ba) / (wa * wb * (ma + mb));
            /* d_ab - p_ab = mu_a - mu_b exactly; the means give its sign and value without the
             * cancellation of ab - ba. d + p = 0 (all values equal) or equal means: D = 0. */
            double dab = 0;
            if (ma > mb && ab + ba > 0)
                dab = fmin(1.0, (ma - mb) * wa * wb / (ab + ba));
            double pw = groups[a].population_share * groups[b].income_share +
                        groups[b].population_share * groups[a].income_share;
            struct metrics_dagum_pair pr = {.a = a,
                                            .b = b,
                                            .gini = gab,
                                            .relative_affluence = dab,
                                            .net_between = gab * pw * dab,
                                            .transvariation = gab * pw * (1 - dab)};
            d.net_between += pr.net_between;
            d.transvariation += pr.transvariation;
            pairs[np++] = pr;
        }
    }
    d.between = d.net_between + d.transvariation;
    if (d.gini > 0) {
        d.has_shares = 1;
        d.share_within = 100 * d.within / d.gini;
        d.share_net_between = 100 * d.net_between / d.gini;
        d.share_transvariation = 100 * d.transvariation / d.gini;
    }
    double check[] = {d.gini,    d.within,       d.net_between,       d.transvariation,
                      d.between, d.share_within, d.share_net_between, d.share_transvariation};
    if (!finite_all(check, sizeof check / sizeof check[0]))
        return METRICS_E_DOMAIN;
    for (size_t i = 0; i < np; i++)
        if (!isfinite(pairs[i].gini) || !isfinite(pairs[i].net_between) ||
            !isfinite(pairs[i].transvariation))
            return METRICS_E_DOMAIN;
    *out = d;
    return METRICS_OK;
}

/* metrics_dagum_decompose, with the units' sorted order from SET (opened on X, W, N) when not
 * NULL. */
static int dagum_run(const double *x, const double *w, const size_t *group, size_t n,
                     size_t ngroups, struct metrics_set *set, struct metrics_dagum *out,
                     struct metrics_dagum_group *groups, struct metrics_dagum_pair *pairs)
{
    struct unit stack_units[DAGUM_STACK_N];
    struct group_sums stack_sums[DAGUM_STACK_K];
    double stack_up[DAGUM_STACK_K * DAGUM_STACK_K], stack_bw[DAGUM_STACK_K],
        stack_bv[DAGUM_STACK_K];
    struct metrics_dagum_group stack_groups[DAGUM_STACK_K];
    struct metrics_dagum_pair stack_pairs[DAGUM_STACK_K * (DAGUM_STACK_K - 1) / 2];
    void *heap = NULL;

    if (!out)
        return METRICS_E_DOMAIN;
    int rc = set ? check_set_inputs(set, x, w, group, n, ngroups)
                 : check_inputs(x, w, group, n, ngroups);
    if (rc != METRICS_OK)
        return rc;

    size_t k = ngroups, npairs = metrics_dagum_npairs(k);
    struct unit *units = stack_units;
    struct group_sums *sums = stack_sums;
    double *up = stack_up, *bw = stack_bw, *bv = stack_bv;
    struct metrics_dagum_group *gs = stack_groups;
    struct metrics_dagum_pair *ps = stack_pairs;
    if (n > DAGUM_STACK_N || k > DAGUM_STACK_K) {
        /* One block: units, sums, up, bw, bv, groups, pairs. */
        size_t bytes = 0;
        if (k > SIZE_MAX / k || !add_piece(&bytes, n, sizeof *units) ||
            !add_piece(&bytes, k, sizeof *sums) || !add_piece(&bytes, k * k, sizeof *up) ||
            !add_piece(&bytes, k, sizeof *bw) || !add_piece(&bytes, k, sizeof *bv) ||
            !add_piece(&bytes, k, sizeof *gs) || !add_piece(&bytes, npairs, sizeof *ps))
            return METRICS_E_NOMEM;
        heap = malloc(bytes);
        if (!heap)
            return METRICS_E_NOMEM;
        unsigned char *p = heap;
        units = carve(&p, n, sizeof *units);
        sums = carve(&p, k, sizeof *sums);
        up = carve(&p, k * k, sizeof *up);
        bw = carve(&p, k, sizeof *bw);
        bv = carve(&p, k, sizeof *bv);
        gs = carve(&p, k, sizeof *gs);
        ps = carve(&p, npairs, sizeof *ps);
    }

    /* after check_inputs: the set sorts finite values only */
    rc = gather(x, w, group, n, k, set ? metrics_set_order(set) : NULL, units, sums);
    if (rc != METRICS_OK)
        goto fail;
    sweep(units, n, k, up, bw, bv);
    rc = decompose(sums, up, k, out, gs, ps);
    if (rc != METRICS_OK)
        goto fail;
    if (groups)
        memcpy(groups, gs, k * sizeof *gs);
    if (pairs && npairs)
        memcpy(pairs, ps, npairs * sizeof *ps);
fail:
    free(heap);
    return rc;
}

int metrics_dagum_decompose(const double *x, const double *w, const size_t *group, size_t n,
                            size_t ngroups, struct metrics_dagum *out,
                            struct metrics_dagum_group *groups, struct metrics_dagum_pair *pairs)
{
    return dagum_run(x, w, group, n, ngroups, NULL, out, groups, pairs);
}

int metrics_set_dagum_decompose(struct metrics_set *s, const size_t *group, size_t ngroups,
                                struct metrics_dagum *out, struct metrics_dagum_group *groups,
                                struct metrics_dagum_pair *pairs)
{
    return dagum_run(s->x, s->w, group, s->n, ngroups, s->n <= METRICS_SET_MAX ? s : NULL, out,
                     groups, pairs);
}
