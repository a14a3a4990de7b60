/* tests/metrics/test_markov_select.c — markov_quantile_cuts on larger inputs (up to 2,000 values:
 * every pattern a quickselect can meet badly: sorted, reversed, all equal, a few distinct values,
 * organ pipe, sawtooth, random) against the textbook definition worked here: sort a copy with
 * qsort, take R's type-7 quantile x[h] + (h - floor h)(x[h + 1] - x[h]) at h = (n - 1) j / k,
 * then drop a cut at or above the maximum or not above the previous one (mapclassify's unique
 * bins). The cuts are order statistics or between two, so they must agree to rounding. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/markov.h"
#include "testutil.h"

#include "metrics_assert.h"

enum { MAX_N = 2000 };

enum pattern { RANDOM, SORTED, REVERSED, EQUAL, FEW, ORGAN, SAWTOOTH, PATTERNS };

static unsigned long long lcg_state;

static double lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static void fill(double *x, size_t n, enum pattern p)
{
    for (size_t i = 0; i < n; i++) {
        switch (p) {
        case RANDOM:
            x[i] = lcg() * 1000 - 300;
            break;
        case SORTED:
            x[i] = (double)i * 0.5;
            break;
        case REVERSED:
            x[i] = (double)(n - i);
            break;
        case EQUAL:
            x[i] = 2.5;
            break;
        case FEW:
            x[i] = (double)(int)(lcg() * 3);
            break;
        case ORGAN:
            x[i] = (double)(i < n / 2 ? i : n - i);
            break;
        default:
            x[i] = (double)(i % 7);
            break;
        }
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t reference_cuts(const double *x, size_t n, size_t k, double *cuts)
{
    static double s[MAX_N];
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp);
    size_t c = 0;
    for (size_t j = 1; j < k; j++) {
        double h = (double)(n - 1) * (double)j / (double)k;
        size_t f = (size_t)floor(h);
        double q = f + 1 < n ? s[f] + (h - (double)f) * (s[f + 1] - s[f]) : s[f];
        if (q >= s[n - 1] || (c > 0 && q <= cuts[c - 1]))
            continue;
        cuts[c++] = q;
    }
    return c;
}

START_TEST(test_markov_cuts_match_sorted_definition)
{
    static double x[MAX_N], keep[MAX_N], work[MAX_N];
    static const size_t sizes[] = {1, 2, 3, 5, 16, 17, 18, 31, 33, 100, 620, 1001, MAX_N};
    lcg_state = 12345;
    for (size_t si = 0; si < N_OF(sizes); si++)
        for (int p = 0; p < PATTERNS; p++)
            for (size_t k = 1; k <= MARKOV_MAX_CLASSES; k++) {
                size_t n = sizes[si], ncuts, nref;
                double cuts[MARKOV_MAX_CLASSES], ref[MARKOV_MAX_CLASSES];
                fill(x, n, (enum pattern)p);
                memcpy(keep, x, n * sizeof *x);
                OK(markov_quantile_cuts(x, n, k, work, cuts, &ncuts));
                nref = reference_cuts(x, n, k, ref);
                ck_assert_msg(ncuts == nref, "n %zu pattern %d k %zu: %zu cuts, want %zu", n, p, k,
                              ncuts, nref);
                for (size_t c = 0; c < ncuts; c++)
                    ck_assert_msg(fabs(cuts[c] - ref[c]) <= 1e-12 * fmax(1, fabs(ref[c])),
                                  "n %zu pattern %d k %zu cut %zu: %.17g, want %.17g", n, p, k, c,
                                  cuts[c], ref[c]);
                /* X is read only: the work is done in WORK */
                ck_assert(memcmp(keep, x, n * sizeof *x) == 0);
            }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("markov_select");
    TCase *tc = tcase_create("markov_select");
    tcase_add_test(tc, test_markov_cuts_match_sorted_definition);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
