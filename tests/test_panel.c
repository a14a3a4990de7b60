/* tests/test_panel.c — the balanced region × year panel: which regions and years it keeps,
 * what it reports as left out and why, on a small data set written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "panel.h"
#include "testutil.h"

static struct store *st;
static char *dir;

/* Regions a, b, c, d under r. x: a and c in 2000-2003 but c not in 2001, b in 2000-2003, d has
 * none. pop: a and c every year, b in 2000, 2001, 2005 and 2006 (as many years as x has, not
 * the same ones). */
static void setup(void)
{
    dir = tu_tmpdir();
    char path[512], db[512];
    snprintf(path, sizeof path, "%s/regions.csv", dir);
    ck_assert_int_eq(tu_write(path, "id,name_en,name_zh,kind,parent,code\n"
                                    "r,R,,national,,\na,A,,province,r,\nb,B,,province,r,\n"
                                    "c,C,,province,r,\nd,D,,province,r,\n"),
                     0);
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    ck_assert_int_eq(tu_write(path, "id,name_en,name_zh,unit,category,higher_is_better,"
                                    "aggregation,weight_indicator,description\n"
                                    "pop,Population,,people,population,,sum,,\n"
                                    "x,X,,yuan,income,1,weighted_mean,pop,\n"),
                     0);
    char obs[4096];
    size_t at = (size_t)snprintf(obs, sizeof obs,
                                 "indicator_id,region_id,year,value,status,source_id,note\n");
    for (int y = 2000; y <= 2003; y++) {
        at += (size_t)snprintf(obs + at, sizeof obs - at,
                               "x,a,%d,%d,,,\nx,b,%d,%d,%s,,\npop,a,%d,10,,,\npop,c,%d,30,,,\n", y,
                               100 + y - 2000, y, 200 + y - 2000, y == 2002 ? "suspect" : "", y, y);
        if (y != 2001)
            at += (size_t)snprintf(obs + at, sizeof obs - at, "x,c,%d,%d,,,\n", y, 300 + y - 2000);
        ck_assert_uint_lt(at, sizeof obs);
    }
    at += (size_t)snprintf(obs + at, sizeof obs - at,
                           "pop,b,2000,20,,,\npop,b,2001,21,,,\npop,b,2005,25,,,\n"
                           "pop,b,2006,26,,,\n");
    ck_assert_uint_lt(at, sizeof obs);
    snprintf(path, sizeof path, "%s/observations.csv", dir);
    ck_assert_int_eq(tu_write(path, obs), 0);
    snprintf(db, sizeof db, "%s/panel.db", dir);
    ck_assert_int_eq(import_dir(dir, db, stderr), 0);
    struct api_error err;
    st = store_load(db, &err);
    ck_assert_msg(st != NULL, "%s", err.detail);
}

static void teardown(void)
{
    store_free(st);
    tu_rmrf(dir);
    free(dir);
}

static struct panel build(const char *regions, int weighted, int from, int to)
{
    struct api_error err;
    struct selection sel;
    ck_assert_int_eq(select_regions(st, regions, "regions", &sel, &err), 0);
    struct year_range yr = {.from = from, .to = to};
    uint32_t x = store_indicator_index(st, "x", 1);
    uint32_t pop = weighted ? store_indicator_index(st, "pop", 3) : STORE_NONE;
    struct panel p;
    ck_assert_int_eq(panel_build(st, x, pop, &sel, &yr, &p, &err), 0);
    selection_free(&sel);
    return p;
}

static const char *id(uint32_t r)
{
    return store_region_at(st, r)->id;
}

START_TEST(test_panel_keeps_years_every_region_has)
{
    struct panel p = build("a,b,c,d", 0, 1000, 9999);
    ck_assert_uint_eq(p.nr, 3); /* d has no data */
    ck_assert_str_eq(id(p.regions[0]), "a");
    ck_assert_str_eq(id(p.regions[2]), "c");
    ck_assert_uint_eq(p.ny, 3); /* 2001 lacks c */
    ck_assert_int_eq(p.years[0], 2000);
    ck_assert_int_eq(p.years[1], 2002);
    ck_assert_int_eq(p.years[2], 2003);
    ck_assert_ptr_null(panel_weights(&p, 0));
    /* x[y][r] is the CSV's value: 100 + (year - 2000) for a, 200 + ... for b, 300 + ... for c */
    ck_assert_double_eq(panel_row(&p, 1)[0], 102);
    ck_assert_double_eq(panel_row(&p, 1)[1], 202);
    ck_assert_double_eq(panel_row(&p, 2)[2], 303);
    ck_assert_int_eq(p.status[1 * p.nr + 1], STATUS_SUSPECT); /* b 2002 */
    ck_assert_int_eq(p.status[1 * p.nr + 0], STATUS_NONE);
    ck_assert_uint_eq(p.n_left_regions, 1);
    ck_assert_str_eq(id(p.left_regions[0].region), "d");
    ck_assert_int_eq(p.left_regions[0].reason, PANEL_NO_DATA);
    ck_assert_uint_eq(p.n_left_years, 1);
    ck_assert_int_eq(p.left_years[0].year, 2001);
    ck_assert_uint_eq(p.left_years[0].n_missing, 1);
    ck_assert_str_eq(id(p.missing[p.left_years[0].first_missing]), "c");
    ck_assert_int_eq(panel_year_index(&p, 2002), 1);
    ck_assert_int_eq(panel_year_index(&p, 2001), -1);
    panel_free(&p);
}
END_TEST

START_TEST(test_panel_weighted_leaves_regions_without_weight)
{
    struct panel p = build("a,b,c", 1, 2002, 2003);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert_uint_eq(p.n_left_regions, 1);
    ck_assert_str_eq(id(p.left_regions[0].region), "b");
    ck_assert_int_eq(p.left_regions[0].reason, PANEL_NO_WEIGHT);
    ck_assert_str_eq(panel_reason_text(PANEL_NO_WEIGHT),
                     "no weight (population) in the years of its data");
    ck_assert_uint_eq(p.ny, 2);
    ck_assert_double_eq(panel_weights(&p, 0)[0], 10);
    ck_assert_double_eq(panel_weights(&p, 1)[1], 30);
    ck_assert_uint_eq(p.n_left_years, 0);
    panel_free(&p);
}
END_TEST

START_TEST(test_panel_empty_range_is_empty_not_an_error)
{
    struct panel p = build("a,b", 0, 1990, 1995);
    ck_assert_uint_eq(p.ny, 0);
    ck_assert_uint_eq(p.nr, 0);
    ck_assert_uint_eq(p.n_left_regions, 2);
    panel_free(&p);
}
END_TEST

static size_t years_of(const char *regions, int from, int to, int *out, size_t room)
{
    struct api_error err;
    struct selection sel;
    ck_assert_int_eq(select_regions(st, regions, "regions", &sel, &err), 0);
    struct year_range yr = {.from = from, .to = to};
    int *years;
    size_t n;
    ck_assert_int_eq(
        select_years(st, store_indicator_index(st, "x", 1), &sel, &yr, &years, &n, &err), 0);
    ck_assert_uint_le(n, room);
    memcpy(out, years, n * sizeof *years);
    free(years);
    selection_free(&sel);
    return n;
}

/* The union of the selected series' years, ascending and distinct, whatever the order of the
 * regions: c (no 2001) first, then a region without data, then a with every year. */
START_TEST(test_select_years_is_the_sorted_union)
{
    int y[8];
    ck_assert_uint_eq(years_of("c", 1000, 9999, y, 8), 3);
    ck_assert_int_eq(y[0], 2000);
    ck_assert_int_eq(y[1], 2002);
    ck_assert_int_eq(y[2], 2003);
    ck_assert_uint_eq(years_of("c,d,a", 1000, 9999, y, 8), 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(y[i], 2000 + i);
    ck_assert_uint_eq(years_of("a,c,b", 1000, 9999, y, 8), 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(y[i], 2000 + i);
    ck_assert_uint_eq(years_of("c,a", 2001, 2002, y, 8), 2);
    ck_assert_int_eq(y[0], 2001);
    ck_assert_int_eq(y[1], 2002);
    ck_assert_uint_eq(years_of("c", 2001, 2001, y, 8), 0);
    ck_assert_uint_eq(years_of("d", 1000, 9999, y, 8), 0);
}
END_TEST

/* Regions in another order: c first, so the left-out year's missing region is still c. */
START_TEST(test_panel_region_order_does_not_change_years)
{
    struct panel p = build("c,a,b", 0, 1000, 9999);
    ck_assert_uint_eq(p.nr, 3);
    ck_assert_uint_eq(p.ny, 3);
    ck_assert_int_eq(p.years[0], 2000);
    ck_assert_int_eq(p.years[1], 2002);
    ck_assert_int_eq(p.years[2], 2003);
    ck_assert_double_eq(panel_row(&p, 2)[0], 303); /* c 2003 */
    ck_assert_double_eq(panel_row(&p, 2)[1], 103); /* a 2003 */
    ck_assert_uint_eq(p.n_left_years, 1);
    ck_assert_int_eq(p.left_years[0].year, 2001);
    ck_assert_uint_eq(p.left_years[0].n_missing, 1);
    ck_assert_str_eq(id(p.missing[p.left_years[0].first_missing]), "c");
    panel_free(&p);
}
END_TEST

/* Every region with a point in every year: every candidate year kept, each value, weight and
 * status where the year and the region put it. */
START_TEST(test_panel_every_region_every_year)
{
    struct panel p = build("b,a", 0, 1000, 9999);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert_uint_eq(p.ny, 4);
    ck_assert_uint_eq(p.n_left_years, 0);
    for (size_t y = 0; y < 4; y++) {
        ck_assert_int_eq(p.years[y], 2000 + (int)y);
        ck_assert_double_eq(panel_row(&p, y)[0], 200 + (double)y); /* b */
        ck_assert_double_eq(panel_row(&p, y)[1], 100 + (double)y); /* a */
        ck_assert_int_eq(p.status[y * p.nr], y == 2 ? STATUS_SUSPECT : STATUS_NONE);
        ck_assert_int_eq(p.status[y * p.nr + 1], STATUS_NONE);
    }
    panel_free(&p);
    p = build("c,a", 1, 2002, 2003);
    ck_assert_uint_eq(p.ny, 2);
    ck_assert_uint_eq(p.n_left_years, 0);
    ck_assert_int_eq(p.years[1], 2003);
    ck_assert_double_eq(panel_row(&p, 1)[0], 303);
    ck_assert_double_eq(panel_weights(&p, 1)[0], 30);
    ck_assert_double_eq(panel_weights(&p, 1)[1], 10);
    panel_free(&p);
}
END_TEST

/* b's weights are as many as the candidate years but not in them: 2002 and 2003 have no weight
 * of b and are left out, and 2000 and 2001 get b's weights of those years. */
START_TEST(test_panel_weights_of_other_years_leave_years_out)
{
    struct panel p = build("a,b", 1, 1000, 9999);
    ck_assert_uint_eq(p.nr, 2);
    ck_assert_uint_eq(p.ny, 2);
    ck_assert_int_eq(p.years[0], 2000);
    ck_assert_int_eq(p.years[1], 2001);
    ck_assert_double_eq(panel_weights(&p, 0)[1], 20);
    ck_assert_double_eq(panel_weights(&p, 1)[1], 21);
    ck_assert_double_eq(panel_row(&p, 1)[1], 201);
    ck_assert_uint_eq(p.n_left_years, 2);
    ck_assert_int_eq(p.left_years[0].year, 2002);
    ck_assert_int_eq(p.left_years[1].year, 2003);
    ck_assert_uint_eq(p.left_years[1].n_missing, 1);
    ck_assert_str_eq(id(p.missing[p.left_years[1].first_missing]), "b");
    panel_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("panel");
    TCase *tc = tcase_create("panel");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_panel_keeps_years_every_region_has);
    tcase_add_test(tc, test_panel_weighted_leaves_regions_without_weight);
    tcase_add_test(tc, test_panel_empty_range_is_empty_not_an_error);
    tcase_add_test(tc, test_select_years_is_the_sorted_union);
    tcase_add_test(tc, test_panel_region_order_does_not_change_years);
    tcase_add_test(tc, test_panel_every_region_every_year);
    tcase_add_test(tc, test_panel_weights_of_other_years_leave_years_out);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
