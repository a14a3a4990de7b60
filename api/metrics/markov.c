/* api/metrics/markov.c — class cut points, transition counts and probabilities, steady states
 * of every recurrent class, and the spatial Markov chain with its homogeneity tests. */
#include "markov.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define K_MAX MARKOV_MAX_CLASSES

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile j/k of SORTED[0 .. n): the position (n - 1) j / k split into an integer part
 * and a fraction with integer arithmetic, so 0.5 or 0.25 land exactly on the order statistic. */
static double quantile7(const double *sorted, size_t n, size_t j, size_t k)
{
    size_t num = (n - 1) * j;
    size_t lo = num / k;
    double h = (double)(num % k) / (double)k;
    if (h == 0 || sorted[lo + 1] == sorted[lo])
        return sorted[lo];
    return (1 - h) * sorted[lo] + h * sorted[lo + 1];
}

static void swap_doubles(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Puts the order statistics at the positions WANT[0 .. nw) (ascending, inside [lo, hi)) of A
 * where a full sort would put them, by quickselect partitioning only the parts that hold a
 * wanted position: the cut points need at most 2 (k - 1) + 1 of the n, and sorting all of them
 * was most of an answer's arithmetic. Hoare partition around the median of three, so runs of
 * equal values split evenly; past DEPTH levels (an unlucky input) the part is sorted, so the
 * cost stays O(n log n). The values found are the same as a sort's (they are order statistics);
 * only the order of the other elements differs. */
static void select_positions(double *a, size_t lo, size_t hi, const size_t *want, size_t nw,
                             int depth)
{
    while (nw > 0) {
        size_t n = hi - lo;
        if (n <= 16) {
            insertion_sort(a + lo, n);
            return;
        }
        if (depth-- == 0) {
            qsort(a + lo, n, sizeof *a, compare_doubles);
            return;
        }
        size_t mid = lo + n / 2;
        if (a[mid] < a[lo])
            swap_doubles(&a[mid], &a[lo]);
        if (a[hi - 1] < a[mid]) {
            swap_doubles(&a[hi - 1], &a[mid]);
            if (a[mid] < a[lo])
                swap_doubles(&a[mid], &a[lo]);
        }
        /* a[lo] <= pivot = a[mid] <= a[hi - 1]: both scans stop inside, and the split J falls
         * in [lo, hi - 2], so each side is shorter than the range */
        double pivot = a[mid];
        size_t i = lo, j = hi - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap_doubles(&a[i], &a[j]);
            i++;
            j--;
        }
        /* [lo, j] <= pivot <= [j + 1, hi) */
        size_t left = 0;
        while (left < nw && want[left] <= j)
            left++;
        if (left == 0) {
            lo = j + 1;
        } else if (left == nw) {
            hi = j + 1;
        } else { /* both sides: the left one by recursion, the right one by the loop */
            select_positions(a, lo, j + 1, want, left, depth);
            want += left;
            nw -= left;
            lo = j + 1;
        }
    }
}

int markov_quantile_cuts(const double *x, size_t n, size_t k, double *work, double *cuts,
                         size_t *ncuts)
{
    if (!x || !work || !cuts || !ncuts || k < 1 || k > K_MAX)
        return METRICS_E_DOMAIN;
    if (n < 1)
        return METRICS_E_TOO_FEW;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return METRICS_E_DOMAIN;
        work[i] = x[i];
    }
    /* the positions quantile7 reads: floor((n - 1) j / k) and the next, and the maximum */
    size_t want[2 * K_MAX + 1], nw = 0;
    for (size_t j = 1; j < k; j++) {
        size_t pos = (n - 1) * j / k;
        for (size_t p = pos; p <= pos + 1 && p < n; p++)
            if (nw == 0 || want[nw - 1] < p)
                want[nw++] = p;
    }
    if (nw == 0 || want[nw - 1] < n - 1)
        want[nw++] = n - 1;
    select_positions(work, 0, n, want, nw, 2 * 64);
    double max = work[n - 1];
    size_t c = 0;
    for (size_t j = 1; j < k; j++) {
        double q = quantile7(work, n, j, k);
        /* merged: equal to the previous cut, or to the maximum (the last bin's edge) */
        if (q >= max || (c > 0 && q <= cuts[c - 1]))
            continue;
        cuts[c++] = q;
    }
    *ncuts = c;
    return METRICS_OK;
}

int markov_classify(const double *x, size_t n, const double *cuts, size_t ncuts, size_t *class_ids)
{
    if (!x || !class_ids || (ncuts && !cuts) || ncuts >= K_MAX)
        return METRICS_E_DOMAIN;
    for (size_t c = 0; c < ncuts; c++)
        if (!isfinite(cuts[c]) || (c > 0 && !(cuts[c] > cuts[c - 1])))
            return METRICS_E_DOMAIN;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return METRICS_E_DOMAIN;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < ncuts && x[i] > cuts[c]) /* right-closed: x == cut stays below */
            c++;
        class_ids[i] = c;
    }
    return METRICS_OK;
}

int markov_relative(const double *y, size_t n, size_t years, double *out)
{
    if (!y || !out)
        return METRICS_E_DOMAIN;
    if (n < 1 || years < 1)
        return METRICS_E_TOO_FEW;
    for (size_t i = 0; i < n * years; i++)
        if (!isfinite(y[i]))
            return METRICS_E_DOMAIN;
    for (size_t t = 0; t < years; t++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += y[t * n + i];
        if (s == 0)
            return METRICS_E_ZERO;
    }
    for (size_t t = 0; t < years; t++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += y[t * n + i];
        double mean = s / (double)n;
        for (size_t i = 0; i < n; i++)
            out[t * n + i] = y[t * n + i] / mean;
    }
    return METRICS_OK;
}

int markov_panel_lag(const struct spatial_weights *w, const double *y, size_t years, double *lag)
{
    if (!w || !y || !lag)
        return METRICS_E_DOMAIN;
    /* spatial_lag checks the weights on every call, which over a panel cost more than the lags
     * (20 checks of the same weights per answer): year 0 checks them, the other years use the
     * checked weights with the same sum in the same order (so the same bits). */
    size_t n = w->n;
    for (size_t i = n; i < years * n; i++) /* before anything is written */
        if (!isfinite(y[i]))
            return METRICS_E_DOMAIN;
    int rc = years > 0 ? spatial_lag(w, y, lag) : METRICS_OK;
    if (rc != METRICS_OK)
        return rc;
    for (size_t t = 1; t < years; t++) {
        const double *x = y + t * n;
        double *out = lag + t * n;
        for (size_t i = 0; i < n; i++) {
            size_t a = w->offsets[i], b = w->offsets[i + 1];
            double s = 0;
            for (size_t p = a; p < b; p++)
                s += x[w->neighbours[p]];
            out[i] = a == b ? 0 : s / (double)(b - a);
        }
    }
    return METRICS_OK;
}

/* Solves the stationary distribution of the closed class MEMBERS[0 .. s) of P: pi P = pi,
 * sum pi = 1, by Gaussian elimination with partial pivoting on (P_C^T - I) with its last
 * equation replaced by the sum. */
static int stationary(const double p[K_MAX][K_MAX], const size_t *members, size_t s, double *pi)
{
    double a[K_MAX][K_MAX + 1];
    for (size_t r = 0; r < s; r++) {
        for (size_t c = 0; c < s; c++)
            a[r][c] = p[members[c]][members[r]] - (r == c ? 1.0 : 0.0);
        a[r][s] = 0;
    }
    for (size_t c = 0; c < s; c++)
        a[s - 1][c] = 1;
    a[s - 1][s] = 1;
    for (size_t col = 0; col < s; col++) {
        size_t piv = col;
        for (size_t r = col + 1; r < s; r++)
            if (fabs(a[r][col]) > fabs(a[piv][col]))
                piv = r;
        if (!(fabs(a[piv][col]) > 1e-300))
            return METRICS_E_DEGENERATE;
        if (piv != col)
            for (size_t c = 0; c <= s; c++) {
                double t = a[col][c];
                a[col][c] = a[piv][c];
                a[piv][c] = t;
            }
        for (size_t r = col + 1; r < s; r++) {
            double f = a[r][col] / a[col][col];
            for (size_t c = col; c <= s; c++)
                a[r][c] -= f * a[col][c];
        }
    }
    for (size_t r = s; r-- > 0;) {
        double v = a[r][s];
        for (size_t c = r + 1; c < s; c++)
            v -= a[r][c] * pi[c];
        pi[r] = v / a[r][r];
    }
    for (size_t r = 0; r < s; r++) {
        if (!isfinite(pi[r]))
            return METRICS_E_DEGENERATE;
        if (pi[r] < 0) /* rounding around a true 0 */
            pi[r] = 0;
    }
    return METRICS_OK;
}

int markov_steady_states(struct markov_chain *c)
{
    if (!c || c->k < 1 || c->k > K_MAX)
        return METRICS_E_DOMAIN;
    size_t k = c->k;
    double p[K_MAX][K_MAX];
    unsigned char reach[K_MAX][K_MAX];
    for (size_t i = 0; i < k; i++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) {
            double v = c->probabilities[i][j];
            if (!(v >= 0 && v <= 1))
                return METRICS_E_DOMAIN;
            s += v;
        }
        if (s != 0 && fabs(s - 1) > 1e-9)
            return METRICS_E_DOMAIN;
        for (size_t j = 0; j < k; j++) {
            /* an empty row: absorbing, as giddy's fill_empty_classes */
            p[i][j] = s == 0 ? (i == j ? 1.0 : 0.0) : c->probabilities[i][j];
            reach[i][j] = i == j || p[i][j] > 0;
        }
    }
    for (size_t m = 0; m < k; m++) /* transitive closure (Warshall) */
        for (size_t i = 0; i < k; i++)
            if (reach[i][m])
                for (size_t j = 0; j < k; j++)
                    reach[i][j] |= reach[m][j];

    double ss[K_MAX][K_MAX] = {{0}};
    size_t nrec = 0;
    unsigned char seen[K_MAX] = {0};
    for (size_t i = 0; i < k; i++) {
        if (seen[i])
            continue;
        size_t members[K_MAX], s = 0;
        int closed = 1;
        for (size_t j = 0; j < k; j++) {
            if (reach[i][j] && reach[j][i]) {
                members[s++] = j;
                seen[j] = 1;
            } else if (reach[i][j]) {
                closed = 0; /* leads somewhere it cannot come back from: transient */
            }
        }
        if (!closed)
            continue;
        double pi[K_MAX];
        int rc = stationary((const double(*)[K_MAX])p, members, s, pi);
        if (rc != METRICS_OK)
            return rc;
        for (size_t r = 0; r < s; r++)
            ss[nrec][members[r]] = pi[r];
        nrec++;
    }
    c->n_recurrent = nrec;
    memcpy(c->steady_states, ss, sizeof ss);
    return METRICS_OK;
}

static int check_ids(const size_t *ids, size_t count, size_t k)
{
    for (size_t i = 0; i < count; i++)
        if (ids[i] >= k)
            return 0;
    return 1;
}

/* Rows of counts / row sums; empty rows stay zero. */
static void fill_probabilities(struct markov_chain *c)
{
    for (size_t i = 0; i < c->k; i++) {
        double s = 0;
        for (size_t j = 0; j < c->k; j++)
            s += c->transitions[i][j];
        for (size_t j = 0; j < c->k; j++)
            c->probabilities[i][j] = s > 0 ? c->transitions[i][j] / s : 0;
    }
}

int markov_chain_estimate(const size_t *class_ids, size_t n, size_t years, size_t k,
                          struct markov_chain *out)
{
    if (!class_ids || !out || k < 1 || k > K_MAX)
        return METRICS_E_DOMAIN;
    if (n < 1 || years < 2)
        return METRICS_E_TOO_FEW;
    if (!check_ids(class_ids, n * years, k))
        return METRICS_E_DOMAIN;
    struct markov_chain c;
    memset(&c, 0, sizeof c);
    c.k = k;
    for (size_t t = 0; t + 1 < years; t++)
        for (size_t i = 0; i < n; i++)
            c.transitions[class_ids[t * n + i]][class_ids[(t + 1) * n + i]] += 1;
    fill_probabilities(&c);
    int rc = markov_steady_states(&c);
    if (rc != METRICS_OK)
        return rc;
    *out = c;
    return METRICS_OK;
}

int markov_homogeneity_test(const struct markov_chain *cond, size_t m,
                            struct markov_homogeneity *out)
{
    if (!cond || !out || m < 1 || m > K_MAX)
        return METRICS_E_DOMAIN;
    size_t k = cond[0].k;
    if (k < 1 || k > K_MAX)
        return METRICS_E_DOMAIN;
    for (size_t l = 1; l < m; l++)
        if (cond[l].k != k)
            return METRICS_E_DOMAIN;
    double pooled[K_MAX][K_MAX] = {{0}}, p0[K_MAX][K_MAX] = {{0}};
    for (size_t l = 0; l < m; l++)
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                pooled[i][j] += cond[l].transitions[i][j];
    size_t dof = 0;
    for (size_t i = 0; i < k; i++) {
        double s = 0;
        size_t a = 0, b = 0;
        for (size_t j = 0; j < k; j++) {
            s += pooled[i][j];
            a += pooled[i][j] > 0;
        }
        for (size_t j = 0; j < k; j++)
            p0[i][j] = s > 0 ? pooled[i][j] / s : 0;
        for (size_t l = 0; l < m; l++) {
            double r = 0;
            for (size_t j = 0; j < k; j++)
                r += cond[l].transitions[i][j];
            b += r > 0;
        }
        if (b > 0 && a > 0)
            dof += (b - 1) * (a - 1);
    }
    double q = 0, lr = 0;
    for (size_t l = 0; l < m; l++)
        for (size_t i = 0; i < k; i++) {
            double nim = 0;
            for (size_t j = 0; j < k; j++)
                nim += cond[l].transitions[i][j];
            if (nim == 0)
                continue;
            for (size_t j = 0; j < k; j++) {
                double nijm = cond[l].transitions[i][j], pijm = nijm / nim;
                if (p0[i][j] > 0) {
                    double d = pijm - p0[i][j];
                    q += nim * d * d / p0[i][j];
                }
                if (nijm > 0)
                    lr += nijm * log(pijm / p0[i][j]);
            }
        }
    struct markov_homogeneity h = {
        .q = q, .lr = 2 * lr, .dof = dof, .q_p_value = 1, .lr_p_value = 1};
    if (!isfinite(h.q) || !isfinite(h.lr))
        return METRICS_E_DOMAIN;
    if (dof > 0) {
        int rc;
        h.has_p_value = 1;
        if ((rc = stats_chisq_upper(h.q, (double)dof, &h.q_p_value)) != METRICS_OK ||
            (rc = stats_chisq_upper(h.lr, (double)dof, &h.lr_p_value)) != METRICS_OK)
            return rc;
    }
    *out = h;
    return METRICS_OK;
}

int markov_spatial_estimate(const size_t *class_ids, const size_t *lag_class_ids, size_t n,
                            size_t years, size_t k, size_t m, struct markov_spatial *out)
{
    if (!class_ids || !lag_class_ids || !out || k < 1 || k > K_MAX || m < 1 || m > K_MAX)
        return METRICS_E_DOMAIN;
    if (n < 1 || years < 2)
        return METRICS_E_TOO_FEW;
    if (!check_ids(class_ids, n * years, k) || !check_ids(lag_class_ids, n * years, m))
        return METRICS_E_DOMAIN;
    /* Built in place (the struct is about 25 KB). The checks above are the only failures that
     * count-based probabilities can meet (a closed class always has exactly one stationary
     * distribution), so OUT is in effect written only on success. */
    memset(out->conditional, 0, m * sizeof out->conditional[0]); /* the M used; 25 KB for all */
    out->k = k;
    out->m = m;
    for (size_t l = 0; l < m; l++)
        out->conditional[l].k = k;
    for (size_t t = 0; t + 1 < years; t++)
        for (size_t i = 0; i < n; i++) {
            struct markov_chain *c = &out->conditional[lag_class_ids[t * n + i]];
            c->transitions[class_ids[t * n + i]][class_ids[(t + 1) * n + i]] += 1;
        }
    for (size_t l = 0; l < m; l++) {
        fill_probabilities(&out->conditional[l]);
        int rc = markov_steady_states(&out->conditional[l]);
        if (rc != METRICS_OK)
            return rc;
    }
    return markov_homogeneity_test(out->conditional, m, &out->homogeneity);
}
