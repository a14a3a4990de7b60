/* tests/metrics/test_spatial.c — spatial lag and Moran's I against R spdep 1.2.7 (moran.test,
 * localmoran; references/spatial-expected.h, made by references/spatial-make.R): a 3 x 3 rook
 * grid, the same grid with an island (spdep's reduced n), and the 31 provinces' GDP per capita
 * in 2019 with the neighbours of data/neighbours.csv, with and without the added links (without
 * them Hainan is an island). Asserted to 1e-10 relative. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/spatial.h"
#include "testutil.h"

#include "references/spatial-expected.h"
#include "metrics_assert.h"

struct spatial_case {
    const char *name;
    size_t n;
    const size_t *offsets, *neighbours;
    const double *x, *moran, *local_i, *local_e, *local_var, *local_z, *local_p, *lag;
    const enum spatial_quadrant *quadrant;
    size_t isolated;
};

#define CASE(nm, iso)                                                                              \
    {                                                                                              \
#nm, N_OF(nm##_x), nm##_offsets, nm##_neighbours, nm##_x, nm##_moran, nm##_local_i,        \
            nm##_local_e, nm##_local_var, nm##_local_z, nm##_local_p, nm##_lag, nm##_quadrant, iso \
    }

static const struct spatial_case cases[] = {CASE(grid, 0), CASE(grid_island, 1), CASE(china, 0),
                                            CASE(china_land, 1)};

static struct spatial_weights weights_of(const struct spatial_case *c)
{
    return (struct spatial_weights){.n = c->n, .offsets = c->offsets, .neighbours = c->neighbours};
}

START_TEST(test_spatial_moran_matches_spdep)
{
    const struct spatial_case *c = &cases[_i];
    struct spatial_weights w = weights_of(c);
    size_t iso;
    OK(spatial_weights_check(&w, &iso));
    ck_assert_uint_eq(iso, c->isolated);
    struct spatial_moran m;
    OK(spatial_moran(&w, c->x, &m));
    ck_assert_uint_eq(m.n, c->n);
    ck_assert_uint_eq(m.n_used, c->n - c->isolated);
    const double *r = c->moran;
    ASSERT_REL(m.i, r[0], 1e-10);
    ASSERT_REL(m.expected, r[1], 1e-10);
    ASSERT_REL(m.variance_normal, r[2], 1e-10);
    ASSERT_REL(m.variance_random, r[3], 1e-10);
    ASSERT_REL(m.z_normal, r[4], 1e-10);
    ASSERT_REL(m.z_random, r[5], 1e-10);
    ASSERT_REL(m.p_greater_normal, r[6], 1e-10);
    ASSERT_REL(m.p_greater_random, r[7], 1e-10);
    ASSERT_REL(m.p_two_sided_normal, r[8], 1e-10);
    ASSERT_REL(m.p_two_sided_random, r[9], 1e-10);
}
END_TEST

START_TEST(test_spatial_local_moran_matches_spdep)
{
    const struct spatial_case *c = &cases[_i];
    struct spatial_weights w = weights_of(c);
    struct spatial_local out[64];
    double lag[64];
    ck_assert_uint_le(c->n, N_OF(out));
    OK(spatial_local_moran(&w, c->x, out));
    OK(spatial_lag(&w, c->x, lag));
    for (size_t i = 0; i < c->n; i++) {
        ASSERT_REL(out[i].i, c->local_i[i], 1e-10);
        ASSERT_REL(out[i].expected, c->local_e[i], 1e-10);
        ASSERT_REL(out[i].variance, c->local_var[i], 1e-10);
        ASSERT_REL(out[i].z, c->local_z[i], 1e-10);
        ASSERT_REL(out[i].p_two_sided, c->local_p[i], 1e-10);
        ASSERT_REL(out[i].lag, c->lag[i], 1e-12);
        ASSERT_REL(lag[i], c->lag[i], 1e-12);
        ck_assert_int_eq(out[i].has_z, c->local_var[i] > 0);
        ck_assert_msg(out[i].quadrant == c->quadrant[i], "%s unit %zu: quadrant %s, want %s",
                      c->name, i, spatial_quadrant_name(out[i].quadrant),
                      spatial_quadrant_name(c->quadrant[i]));
    }
}
END_TEST

START_TEST(test_spatial_weights_rejected)
{
    size_t off[] = {0, 1, 2}, self[] = {0, 0}, out_of_range[] = {1, 2}, dup_off[] = {0, 2, 3},
           dup[] = {1, 1, 0}, bad_start[] = {1, 1, 2};
    struct spatial_weights w = {.n = 2, .offsets = off, .neighbours = self};
    ck_assert_int_eq(spatial_weights_check(&w, NULL), METRICS_E_DOMAIN);
    w.neighbours = out_of_range;
    ck_assert_int_eq(spatial_weights_check(&w, NULL), METRICS_E_DOMAIN);
    w.offsets = dup_off;
    w.neighbours = dup;
    ck_assert_int_eq(spatial_weights_check(&w, NULL), METRICS_E_DOMAIN);
    w.offsets = bad_start;
    ck_assert_int_eq(spatial_weights_check(&w, NULL), METRICS_E_DOMAIN);
    w.n = 0;
    ck_assert_int_eq(spatial_weights_check(&w, NULL), METRICS_E_DOMAIN);
    /* a neighbour twice in a list out of order, apart or at its end; a list out of order
     * without one is fine (only ascending lists skip the scan for them) */
    size_t off4[] = {0, 3, 4, 5, 6}, apart[] = {3, 1, 3, 0, 0, 0}, at_end[] = {1, 2, 2, 0, 0, 0},
           unsorted[] = {3, 1, 2, 0, 0, 0}, isolated = 9;
    struct spatial_weights w4 = {.n = 4, .offsets = off4, .neighbours = apart};
    ck_assert_int_eq(spatial_weights_check(&w4, NULL), METRICS_E_DOMAIN);
    w4.neighbours = at_end;
    ck_assert_int_eq(spatial_weights_check(&w4, NULL), METRICS_E_DOMAIN);
    w4.neighbours = unsorted;
    ck_assert_int_eq(spatial_weights_check(&w4, &isolated), METRICS_OK);
    ck_assert_uint_eq(isolated, 0);
}
END_TEST

START_TEST(test_spatial_degenerate_inputs)
{
    struct spatial_weights w = weights_of(&cases[0]);
    double flat[9] = {2, 2, 2, 2, 2, 2, 2, 2, 2}, bad[9] = {1, 2, 3, 4, NAN, 6, 7, 8, 9};
    struct spatial_moran m = {.i = 42};
    struct spatial_local l[9] = {{.i = 42}};
    ck_assert_int_eq(spatial_moran(&w, flat, &m), METRICS_E_DEGENERATE);
    ck_assert_int_eq(spatial_local_moran(&w, flat, l), METRICS_E_DEGENERATE);
    ck_assert_int_eq(spatial_moran(&w, bad, &m), METRICS_E_DOMAIN);
    ck_assert_int_eq(spatial_local_moran(&w, bad, l), METRICS_E_DOMAIN);
    ck_assert(m.i == 42 && l[0].i == 42);
    /* three units with neighbours are too few for the randomisation variance (n - 3) */
    size_t off[] = {0, 1, 3, 4, 4, 4}, nb[] = {1, 0, 2, 1};
    struct spatial_weights small = {.n = 5, .offsets = off, .neighbours = nb};
    double x[5] = {1, 2, 4, 8, 16};
    ck_assert_int_eq(spatial_moran(&small, x, &m), METRICS_E_TOO_FEW);
}
END_TEST

/* Budget: Moran and LISA for 31 provinces x 20 years well under 200 us (measured, loosely
 * asserted so a busy machine does not fail it). */
START_TEST(test_spatial_budget)
{
    const struct spatial_case *c = &cases[2];
    struct spatial_weights w = weights_of(c);
    struct spatial_local out[31];
    struct spatial_moran m;
    struct timespec t0, t1;
    int reps = 200;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++)
        for (int y = 0; y < 20; y++) {
            OK(spatial_moran(&w, c->x, &m));
            OK(spatial_local_moran(&w, c->x, out));
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / reps;
    fprintf(stderr, "spatial: 31 x 20 Moran + LISA in %.1f us\n", us);
    /* not under valgrind or a sanitizer build's slowness: there only correctness counts */
    const char *pre = getenv("LD_PRELOAD");
    if (!(pre && strstr(pre, "vgpreload")))
        ck_assert_msg(us < 2000, "31 x 20 took %.1f us", us);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spatial");
    TCase *tc = tcase_create("moran");
    tcase_add_loop_test(tc, test_spatial_moran_matches_spdep, 0, (int)N_OF(cases));
    tcase_add_loop_test(tc, test_spatial_local_moran_matches_spdep, 0, (int)N_OF(cases));
    tcase_add_test(tc, test_spatial_weights_rejected);
    tcase_add_test(tc, test_spatial_degenerate_inputs);
    tcase_add_test(tc, test_spatial_budget);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
