/* tests/metrics/test_segments.c — segmented linear trends against R strucchange 1.5.3
 * breakpoints(y ~ x, h) and its summary (references/segments-expected.h, made by
 * references/segments-make.R): the urban/rural income ratio 1978-2020 of data/observations.csv,
 * the Nile flow 1871-1970 with a trend per segment, a made-up rise-flat-fall series with h = 3,
 * and a 10-point series at the smallest segment. Asserted to 1e-10 relative. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "metrics/segments.h"
#include "testutil.h"

#include "references/segments-expected.h"
#include "metrics_assert.h"

struct seg_case {
    const char *name;
    size_t n, h, max_breaks, n_breaks;
    const double *x, *y;
    const size_t *breaks;
    const double *rss, *bic;
    const double (*segments)[5];
    const size_t (*breaks_by_m)[8];
    size_t h_arg; /* what the caller passes: 0 for the default */
};

#define CASE(nm, harg)                                                                             \
    {                                                                                              \
#nm, N_OF(nm##_x), nm##_h, nm##_max_breaks, nm##_n_breaks, nm##_x, nm##_y, nm##_breaks,    \
            nm##_rss, nm##_bic, nm##_segments, nm##_breaks_by_m, harg                              \
    }

static const struct seg_case cases[] = {CASE(ratio, 0), CASE(nile, 0), CASE(made, 3),
                                        CASE(short, 0)};

static double work[100 * 100 + 2 * 100 * (SEGMENTS_MAX_BREAKS + 1)];

START_TEST(test_segments_match_strucchange)
{
    const struct seg_case *c = &cases[_i];
    struct segments_fit f;
    ck_assert_uint_le(segments_work_size(c->n), N_OF(work));
    OK(segments_fit(c->x, c->y, c->n, c->h_arg, work, N_OF(work), &f));
    ck_assert_uint_eq(f.n, c->n);
    ck_assert_uint_eq(f.h, c->h);
    ck_assert_uint_eq(f.max_breaks, c->max_breaks);
    ck_assert_uint_eq(f.n_breaks, c->n_breaks);
    for (size_t r = 0; r < c->n_breaks; r++)
        ck_assert_uint_eq(f.breaks[r], c->breaks[r]);
    for (size_t m = 0; m <= c->max_breaks; m++) {
        ASSERT_REL(f.rss[m], c->rss[m], 1e-10);
        ASSERT_REL(f.bic[m], c->bic[m], 1e-10);
    }
    for (size_t r = 0; r <= c->n_breaks; r++) {
        ck_assert_uint_eq(f.segments[r].from, (size_t)c->segments[r][0]);
        ck_assert_uint_eq(f.segments[r].to, (size_t)c->segments[r][1]);
        ASSERT_REL(f.segments[r].slope, c->segments[r][2], 1e-10);
        ASSERT_REL(f.segments[r].intercept, c->segments[r][3], 1e-10);
        ASSERT_REL(f.segments[r].rss, c->segments[r][4], 1e-9);
    }
}
END_TEST

/* The partition for every m, not only the chosen one: refit with the breaks forced by a larger
 * h is not possible through the API, so compare the RSS of R's m-break partition (summed from
 * segment fits here, an independent path) with ours. */
START_TEST(test_segments_rss_of_every_partition)
{
    const struct seg_case *c = &cases[_i];
    struct segments_fit f;
    OK(segments_fit(c->x, c->y, c->n, c->h_arg, work, N_OF(work), &f));
    for (size_t m = 1; m <= c->max_breaks; m++) {
        double total = 0;
        size_t from = 0;
        for (size_t r = 0; r <= m; r++) {
            size_t to = r < m ? c->breaks_by_m[m - 1][r] : c->n - 1;
            /* OLS over from .. to, worked directly */
            double k = (double)(to - from + 1), mx = 0, my = 0, sxx = 0, sxy = 0, e2 = 0;
            for (size_t j = from; j <= to; j++) {
                mx += c->x[j] / k;
                my += c->y[j] / k;
            }
            for (size_t j = from; j <= to; j++) {
                sxx += (c->x[j] - mx) * (c->x[j] - mx);
                sxy += (c->x[j] - mx) * (c->y[j] - my);
            }
            for (size_t j = from; j <= to; j++) {
                double e = c->y[j] - my - sxy / sxx * (c->x[j] - mx);
                e2 += e * e;
            }
            total += e2;
            from = to + 1;
        }
        ASSERT_REL(f.rss[m], total, 1e-9);
    }
}
END_TEST

START_TEST(test_segments_urban_rural_ratio_story)
{
    /* the headline: the ratio peaked in 2009 and has narrowed since; strucchange puts the
     * breaks at 1983, 1992, 1998, 2004 and 2012, and both segments since 2005 fall */
    struct segments_fit f;
    OK(segments_fit(ratio_x, ratio_y, N_OF(ratio_x), 0, work, N_OF(work), &f));
    const double years[] = {1983, 1992, 1998, 2004, 2012};
    ck_assert_uint_eq(f.n_breaks, 5);
    for (size_t r = 0; r < 5; r++)
        ck_assert(ratio_x[f.breaks[r]] == years[r]);
    ck_assert(f.segments[4].slope < 0 && f.segments[5].slope < 0);
    size_t peak = 0;
    for (size_t i = 0; i < N_OF(ratio_y); i++)
        if (ratio_y[i] > ratio_y[peak])
            peak = i;
    ck_assert(ratio_x[peak] == 2009);
    ck_assert(fabs(ratio_y[peak] - 3.33) < 0.005);
}
END_TEST

START_TEST(test_segments_rejects_bad_input)
{
    struct segments_fit f = {.n = 42};
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {1, 3, 2, 5, 4, 6, 8, 7};
    double line[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    double back[8] = {1, 2, 3, 3, 5, 6, 7, 8};
    ck_assert_int_eq(segments_fit(x, y, 8, 2, work, N_OF(work), &f), METRICS_E_DOMAIN);
    ck_assert_int_eq(segments_fit(x, y, 8, 5, work, N_OF(work), &f), METRICS_E_TOO_FEW);
    ck_assert_int_eq(segments_fit(x, y, 5, 0, work, N_OF(work), &f), METRICS_E_TOO_FEW);
    ck_assert_int_eq(segments_fit(back, y, 8, 0, work, N_OF(work), &f), METRICS_E_DOMAIN);
    ck_assert_int_eq(segments_fit(x, y, 8, 0, work, segments_work_size(8) - 1, &f),
                     METRICS_E_NOMEM);
    ck_assert_int_eq(segments_fit(x, line, 8, 0, work, N_OF(work), &f), METRICS_E_DEGENERATE);
    ck_assert_uint_eq(f.n, 42);
    OK(segments_fit(x, y, 8, 0, work, N_OF(work), &f));
    ck_assert_uint_eq(f.h, 3);
    ck_assert_uint_eq(f.max_breaks, 1); /* ceiling(8 / 3) - 2 */
}
END_TEST

/* Budget: 31 series of 20 years (one per province) well under 200 us in all. */
START_TEST(test_segments_budget)
{
    struct segments_fit f;
    struct timespec t0, t1;
    int reps = 100;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++)
        for (int s = 0; s < 31; s++)
            OK(segments_fit(ratio_x + s % 20, ratio_y + s % 20, 20, 0, work, N_OF(work), &f));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / reps;
    fprintf(stderr, "segments: 31 series x 20 years in %.1f us\n", us);
    /* not under valgrind or a sanitizer build's slowness: there only correctness counts */
    const char *pre = getenv("LD_PRELOAD");
    if (!(pre && strstr(pre, "vgpreload")))
        ck_assert_msg(us < 2000, "31 x 20 took %.1f us", us);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("segments");
    TCase *tc = tcase_create("segments");
    tcase_add_loop_test(tc, test_segments_match_strucchange, 0, (int)N_OF(cases));
    tcase_add_loop_test(tc, test_segments_rss_of_every_partition, 0, (int)N_OF(cases));
    tcase_add_test(tc, test_segments_urban_rural_ratio_story);
    tcase_add_test(tc, test_segments_rejects_bad_input);
    tcase_add_test(tc, test_segments_budget);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
