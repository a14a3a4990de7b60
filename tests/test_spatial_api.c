/* tests/test_spatial_api.c — /v1/gaps/spatial and /v1/gaps/mobility through the route table
 * (in process). Moran's I against R spdep (tests/metrics/references/spatial-expected.h: the 31
 * provinces' GDP per capita in 2019, with and without the added links); the Markov chain against
 * counts made here from the store's raw values with type-7 quantiles written out in the test, and
 * the spatial Markov chain against the numpy re-computation of giddy in
 * tests/metrics/references/markov-expected.h (2005-2024, k = m = 4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "metrics/spatial.h"
#include "testutil.h"

/* The two reference headers both name the provinces' contiguity china_offsets and
 * china_neighbours, and each holds arrays this suite does not read. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#define china_offsets    sp_china_offsets
#define china_neighbours sp_china_neighbours
#include "metrics/references/spatial-expected.h"
#undef china_offsets
#undef china_neighbours
#include "metrics/references/markov-expected.h"
#pragma GCC diagnostic pop

#define N_PROV 31

/* The provinces in the references' order (sorted ids, as the headers' comments list them). */
static const char *const ref_provinces[N_PROV] = {
    "anhui",          "beijing",  "chongqing", "fujian",       "gansu",    "guangdong", "guangxi",
    "guizhou",        "hainan",   "hebei",     "heilongjiang", "henan",    "hubei",     "hunan",
    "inner_mongolia", "jiangsu",  "jiangxi",   "jilin",        "liaoning", "ningxia",   "qinghai",
    "shaanxi",        "shandong", "shanghai",  "shanxi",       "sichuan",  "tianjin",   "tibet",
    "xinjiang",       "yunnan",   "zhejiang"};

static uint32_t indicator(const char *id)
{
    uint32_t i = store_indicator_index(tu_store(), id, strlen(id));
    ck_assert_uint_ne(i, STORE_NONE);
    return i;
}

static uint32_t region(const char *id)
{
    uint32_t r = store_region_index(tu_store(), id, strlen(id));
    ck_assert_uint_ne(r, STORE_NONE);
    return r;
}

static double raw(const char *ind, const char *reg, int year)
{
    const struct observation *o = store_get(tu_store(), indicator(ind), region(reg), year);
    ck_assert_msg(o != NULL, "no %s of %s in %d", ind, reg, year);
    return o->value;
}

static size_t ref_index(const char *id)
{
    for (size_t k = 0; k < N_PROV; k++)
        if (strcmp(ref_provinces[k], id) == 0)
            return k;
    ck_abort_msg("%s is not a reference province", id);
    return 0;
}

/* ---------------------------------------------------------------- spatial ----------- */

struct moran_ref {
    const double *x, *moran, *local_i, *local_e, *local_var, *local_z, *local_p, *lag;
    const enum spatial_quadrant *quadrant;
};

static const char *const moran_fields[] = {
    "i",        "expected",         "variance_normal",  "variance_random",    "z_normal",
    "z_random", "p_greater_normal", "p_greater_random", "p_two_sided_normal", "p_two_sided_random"};

static const char *quadrant_text(enum spatial_quadrant q)
{
    return q == SPATIAL_HH ? "HH" : q == SPATIAL_LH ? "LH" : q == SPATIAL_LL ? "LL" : "HL";
}

/* One year's entry E against spdep's figures REF; ISLAND is the province without neighbours
 * (or NULL). */
static void year_eq_spdep(json_t *e, const struct moran_ref *ref, size_t n_used, const char *island)
{
    char what[96];
    ck_assert_int_eq(tu_num(e, "n"), N_PROV);
    ck_assert_int_eq(tu_num(e, "n_used"), (double)n_used);
    for (size_t f = 0; f < 10; f++) {
        snprintf(what, sizeof what, "moran.%s", moran_fields[f]);
        tu_assert_rel(what, tu_num(e, what), ref->moran[f], 1e-10);
    }
    json_t *local = tu_at(e, "local");
    ck_assert_uint_eq(json_array_size(local), N_PROV);
    for (size_t k = 0; k < N_PROV; k++) {
        json_t *l = json_array_get(local, k);
        const char *id = tu_str(l, "region");
        size_t r = ref_index(id);
        /* the reference's input is the store's value: the same data, in the same order */
        ck_assert_double_eq(tu_num(l, "value"), ref->x[r]);
        snprintf(what, sizeof what, "%s i", id);
        tu_assert_rel(what, tu_num(l, "i"), ref->local_i[r], 1e-10);
        snprintf(what, sizeof what, "%s lag", id);
        tu_assert_rel(what, tu_num(l, "lag"), ref->lag[r], 1e-10);
        snprintf(what, sizeof what, "%s expected", id);
        tu_assert_rel(what, tu_num(l, "expected"), ref->local_e[r], 1e-10);
        snprintf(what, sizeof what, "%s variance", id);
        tu_assert_rel(what, tu_num(l, "variance"), ref->local_var[r], 1e-10);
        ck_assert_str_eq(tu_str(l, "quadrant"), quadrant_text(ref->quadrant[r]));
        if (island && strcmp(id, island) == 0) {
            /* spdep: NaN (variance 0); the answer: null */
            ck_assert(json_is_null(tu_at(l, "z")));
            ck_assert(json_is_null(tu_at(l, "p_two_sided")));
            continue;
        }
        snprintf(what, sizeof what, "%s z", id);
        tu_assert_rel(what, tu_num(l, "z"), ref->local_z[r], 1e-10);
        snprintf(what, sizeof what, "%s p", id);
        tu_assert_rel(what, tu_num(l, "p_two_sided"), ref->local_p[r], 1e-10);
    }
}

#define MORAN_REF(name)                                                                            \
    {                                                                                              \
        name##_x, name##_moran, name##_local_i, name##_local_e, name##_local_var, name##_local_z,  \
            name##_local_p, name##_lag, name##_quadrant                                            \
    }

/* spatial_moran_both over a plan made once: spdep's figures for each reference set (the grid
 * with and without an island, the provinces with the added links and by land only, where
 * Hainan is an island), the plan's S0 the units with neighbours (each row sums to 1), and the
 * same numbers to the bit as spatial_moran and spatial_local_moran called one by one. */
struct both_case {
    const char *name;
    size_t n, n_isolated;
    const size_t *offsets, *neighbours;
    struct moran_ref ref;
};

static void both_eq(const struct both_case *c)
{
    char what[96];
    struct spatial_weights w = {c->n, c->offsets, c->neighbours};
    struct spatial_plan k;
    ck_assert_int_eq(spatial_plan_make(&w, &k), METRICS_OK);
    ck_assert_uint_eq(k.n_isolated, c->n_isolated);
    ck_assert_double_eq(k.s0, (double)(c->n - c->n_isolated));
    struct spatial_moran m, m1;
    struct spatial_local *l = calloc(c->n, sizeof *l), *l1 = calloc(c->n, sizeof *l1);
    ck_assert(l && l1);
    ck_assert_int_eq(spatial_moran_both(&k, c->ref.x, &m, l), METRICS_OK);
    ck_assert_int_eq(spatial_moran(&w, c->ref.x, &m1), METRICS_OK);
    ck_assert_int_eq(spatial_local_moran(&w, c->ref.x, l1), METRICS_OK);
    const double got[10] = {m.i,
                            m.expected,
                            m.variance_normal,
                            m.variance_random,
                            m.z_normal,
                            m.z_random,
                            m.p_greater_normal,
                            m.p_greater_random,
                            m.p_two_sided_normal,
                            m.p_two_sided_random};
    const double one[10] = {m1.i,
                            m1.expected,
                            m1.variance_normal,
                            m1.variance_random,
                            m1.z_normal,
                            m1.z_random,
                            m1.p_greater_normal,
                            m1.p_greater_random,
                            m1.p_two_sided_normal,
                            m1.p_two_sided_random};
    ck_assert_uint_eq(m.n, c->n);
    ck_assert_uint_eq(m.n_used, c->n - c->n_isolated);
    for (size_t f = 0; f < 10; f++) {
        snprintf(what, sizeof what, "%s moran.%s", c->name, moran_fields[f]);
        tu_assert_rel(what, got[f], c->ref.moran[f], 1e-10);
        ck_assert_msg(got[f] == one[f], "%s: %.17g, one by one %.17g", what, got[f], one[f]);
    }
    for (size_t r = 0; r < c->n; r++) {
        snprintf(what, sizeof what, "%s unit %zu", c->name, r);
        tu_assert_rel(what, l[r].i, c->ref.local_i[r], 1e-10);
        tu_assert_rel(what, l[r].lag, c->ref.lag[r], 1e-10);
        tu_assert_rel(what, l[r].expected, c->ref.local_e[r], 1e-10);
        tu_assert_rel(what, l[r].variance, c->ref.local_var[r], 1e-10);
        ck_assert_int_eq(l[r].quadrant, c->ref.quadrant[r]);
        if (l[r].has_z) {
            tu_assert_rel(what, l[r].z, c->ref.local_z[r], 1e-10);
            tu_assert_rel(what, l[r].p_two_sided, c->ref.local_p[r], 1e-10);
        }
        ck_assert_msg(l[r].i == l1[r].i && l[r].lag == l1[r].lag &&
                          l[r].expected == l1[r].expected && l[r].variance == l1[r].variance &&
                          l[r].has_z == l1[r].has_z && l[r].z == l1[r].z &&
                          l[r].p_two_sided == l1[r].p_two_sided && l[r].quadrant == l1[r].quadrant,
                      "%s differs from spatial_local_moran", what);
    }
    free(l);
    free(l1);
}

START_TEST(test_spatial_moran_both_against_spdep)
{
    const struct both_case cases[] = {
        {"grid", 9, 0, grid_offsets, grid_neighbours, MORAN_REF(grid)},
        {"grid_island", 10, 1, grid_island_offsets, grid_island_neighbours, MORAN_REF(grid_island)},
        {"china", N_PROV, 0, sp_china_offsets, sp_china_neighbours, MORAN_REF(china)},
        {"china_land", N_PROV, 1, china_land_offsets, china_land_neighbours, MORAN_REF(china_land)},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        both_eq(&cases[k]);
}
END_TEST

/* The refusals of spatial_moran_both are those of the two functions one by one: every value
 * equal, fewer than 4 units with neighbours, a non-finite value, a bad plan. */
START_TEST(test_spatial_moran_both_refusals)
{
    struct spatial_weights w = {9, grid_offsets, grid_neighbours};
    struct spatial_plan k;
    ck_assert_int_eq(spatial_plan_make(&w, &k), METRICS_OK);
    struct spatial_moran m;
    struct spatial_local l[10];
    double flat[9] = {2, 2, 2, 2, 2, 2, 2, 2, 2}, inf[9] = {1, 2, 3, 4, 5, 6, 7, 8, INFINITY};
    ck_assert_int_eq(spatial_moran_both(&k, flat, &m, l), METRICS_E_DEGENERATE);
    ck_assert_int_eq(spatial_moran(&w, flat, &m), METRICS_E_DEGENERATE);
    ck_assert_int_eq(spatial_moran_both(&k, inf, &m, l), METRICS_E_DOMAIN);
    /* a NaN, and infinities whose sum is NaN; finite values whose sum overflows are finite */
    double with_nan[9] = {1, 2, NAN, 4, 5, 6, 7, 8, 9},
           both[9] = {INFINITY, 2, 3, 4, 5, 6, 7, 8, -INFINITY};
    double big[9] = {1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1};
    ck_assert_int_eq(spatial_moran_both(&k, with_nan, &m, l), METRICS_E_DOMAIN);
    ck_assert_int_eq(spatial_moran_both(&k, both, &m, l), METRICS_E_DOMAIN);
    ck_assert_int_ne(spatial_moran(&w, big, &m), METRICS_E_DOMAIN);
    ck_assert_int_eq(spatial_moran_both(&k, big, &m, l), spatial_moran(&w, big, &m));
    ck_assert_int_eq(spatial_moran_both(NULL, flat, &m, l), METRICS_E_DOMAIN);
    /* units 0-2 of a path 0-1-2 and four islands: 3 with neighbours */
    static const size_t off[] = {0, 1, 3, 4, 4, 4, 4, 4}, nb[] = {1, 0, 2, 1};
    struct spatial_weights few = {7, off, nb};
    double x[7] = {1, 2, 3, 4, 5, 6, 7};
    ck_assert_int_eq(spatial_plan_make(&few, &k), METRICS_OK);
    ck_assert_uint_eq(k.n_isolated, 4);
    ck_assert_int_eq(spatial_moran_both(&k, x, &m, l), METRICS_E_TOO_FEW);
    ck_assert_int_eq(spatial_moran(&few, x, &m), METRICS_E_TOO_FEW);
    /* a unit its own neighbour: the plan refuses it, as spatial_weights_check */
    static const size_t self_nb[] = {0, 0, 2, 1};
    struct spatial_weights bad = {7, off, self_nb};
    ck_assert_int_eq(spatial_plan_make(&bad, &k), METRICS_E_DOMAIN);
}
END_TEST

START_TEST(test_spatial_provinces_2019_against_spdep)
{
    const struct moran_ref ref = MORAN_REF(china);
    json_t *j = tu_get(tu_store(), "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 1);
    ck_assert_int_eq(tu_num(j, "years.0.year"), 2019);
    ck_assert_str_eq(tu_str(j, "weights.links"), "include");
    /* 68 land pairs plus guangdong-hainan, all among the provinces */
    ck_assert_int_eq(tu_num(j, "weights.pairs"), (double)store_neighbour_pair_count(tu_store()));
    ck_assert_int_eq(tu_num(j, "weights.link_pairs"), 1);
    ck_assert_uint_eq(json_array_size(tu_at(j, "weights.isolated_regions")), 0);
    ck_assert_int_eq(sp_china_offsets[N_PROV] / 2, tu_num(j, "weights.pairs"));
    year_eq_spdep(json_array_get(tu_at(j, "years"), 0), &ref, N_PROV, NULL);
    json_decref(j);
}
END_TEST

/* Without the links Hainan has no neighbours: a 422 naming it, unless isolated=keep, which is
 * spdep's zero.policy with the reduced n. */
START_TEST(test_spatial_without_links_hainan_isolated)
{
    const struct moran_ref ref = MORAN_REF(china_land);
    tu_expect_problem(tu_store(),
                      "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&links=exclude", 422,
                      "isolated_region", "isolated", "hainan has no neighbours");
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&links=exclude"
                       "&isolated=keep",
                       200);
    ck_assert_int_eq(tu_num(j, "weights.link_pairs"), 0);
    ck_assert_int_eq(tu_num(j, "weights.pairs"), china_land_offsets[N_PROV] / 2);
    ck_assert_str_eq(tu_str(j, "weights.isolated_regions.0"), "hainan");
    year_eq_spdep(json_array_get(tu_at(j, "years"), 0), &ref, N_PROV - 1, "hainan");
    json_decref(j);
    /* several: the first four by name, and how many more */
    tu_expect_problem(tu_store(),
                      "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019"
                      "&regions=hainan,beijing,shanghai,heilongjiang,yunnan,fujian",
                      422, "isolated_region", "isolated",
                      "hainan, beijing, shanghai, heilongjiang and 2 more have no neighbours");
    /* a region whose only neighbours are not selected is isolated too */
    tu_expect_problem(tu_store(),
                      "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019"
                      "&regions=beijing,tianjin,hebei,hainan,guangxi,yunnan",
                      422, "isolated_region", "isolated", "hainan");
}
END_TEST

/* from/to gives one entry per year, each its own Moran's I (here: 2018 differs from 2019). */
START_TEST(test_spatial_years_and_regions)
{
    json_t *j =
        tu_get(tu_store(), "/v1/gaps/spatial?indicator=gdp_per_capita&from=2018&to=2019", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 2);
    ck_assert_int_eq(tu_num(j, "years.0.year"), 2018);
    ck_assert_int_eq(tu_num(j, "years.1.year"), 2019);
    tu_assert_rel("2019 I", tu_num(j, "years.1.moran.i"), china_moran[0], 1e-10);
    ck_assert(tu_num(j, "years.0.moran.i") != tu_num(j, "years.1.moran.i"));
    ck_assert_uint_eq(json_array_size(tu_at(j, "regions")), N_PROV);
    json_decref(j);
    /* the lag is the mean of the selected neighbours' values: beijing's are tianjin and hebei */
    j = tu_get(tu_store(),
               "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019"
               "&regions=beijing,tianjin,hebei,shanxi,inner_mongolia,liaoning,shandong,henan",
               200);
    json_t *bj = json_array_get(tu_at(j, "years.0.local"), 0);
    ck_assert_str_eq(tu_str(bj, "region"), "beijing");
    tu_assert_rel(
        "beijing lag", tu_num(bj, "lag"),
        (raw("gdp_per_capita", "tianjin", 2019) + raw("gdp_per_capita", "hebei", 2019)) / 2, 1e-14);
    json_decref(j);
}
END_TEST

START_TEST(test_spatial_csv_one_row_per_year_and_region)
{
    json_t *j = tu_get(
        tu_store(), "/v1/gaps/spatial?indicator=gdp_per_capita&from=2018&to=2019&format=csv", 200);
    const char *text = json_string_value(j);
    ck_assert_ptr_nonnull(text);
    const char *head = "indicator,year,n,n_used,region,value,i,lag,expected,variance,z,"
                       "p_two_sided,quadrant,moran_i,moran_expected,moran_variance_normal,"
                       "moran_variance_random,moran_z_normal,moran_z_random,"
                       "moran_p_greater_normal,moran_p_greater_random,moran_p_two_sided_normal,"
                       "moran_p_two_sided_random\r\n";
    ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "%.400s", text);
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    ck_assert_uint_eq(lines, 1 + 2 * N_PROV);
    /* a 2019 row carries the year's global I (printed with 15 digits) */
    const char *row = strstr(text, "\r\ngdp_per_capita,2019,31,31,");
    ck_assert_ptr_nonnull(row);
    char want[64];
    snprintf(want, sizeof want, ",%.15g,", china_moran[0]);
    ck_assert_msg(strstr(row, want) != NULL, "no %s in %.300s", want, row);
    json_decref(j);
}
END_TEST

START_TEST(test_spatial_bad_parameters)
{
    const struct store *s = tu_store();
    const char *base = "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019";
    char t[256];
    snprintf(t, sizeof t, "%s&links=maybe", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "links", "include, exclude");
    snprintf(t, sizeof t, "%s&isolated=drop", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "isolated", "error, keep");
    snprintf(t, sizeof t, "%s&classes=4", base);
    tu_expect_problem(s, t, 400, "unknown_parameter", "classes", NULL);
    tu_expect_problem(s, "/v1/gaps/spatial?year=2019", 400, "missing_parameter", "indicator", NULL);
    tu_expect_problem(s, "/v1/gaps/spatial?indicator=nope", 404, "unknown_indicator", "indicator",
                      NULL);
    tu_expect_problem(s, "/v1/gaps/spatial?indicator=gdp_per_capita&regions=", 400,
                      "empty_parameter", "regions", NULL);
    tu_expect_problem(
        s, "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&regions=beijing,tianjin,hebei", 422,
        "too_few_regions", "regions", "at least 4");
    tu_expect_problem(s, "/v1/gaps/spatial?indicator=gdp_per_capita&year=1900", 422,
                      "too_few_regions", "regions", NULL);
    tu_expect_problem(s, "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&from=2018", 400, NULL,
                      NULL, NULL);
}
END_TEST

/* ---------------------------------------------------------------- mobility ---------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* R quantile(type = 7) of sorted S[0 .. n): h = (n - 1) p, linear between neighbours. */
static double type7(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return s[n - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

/* The 1-based right-closed class of X among NCUTS ascending cuts. */
static size_t class_of(double x, const double *cuts, size_t ncuts)
{
    size_t c = 1;
    for (size_t k = 0; k < ncuts; k++)
        c += x > cuts[k];
    return c;
}

#define MAXY 40

/* The answer's provinces and years; V[y][r] their values from the store, relative to the
 * year's mean unless RELATIVE is 0. */
struct hand_panel {
    size_t nr, ny;
    const char *ids[N_PROV];
    int years[MAXY];
    double v[MAXY][N_PROV];
};

static void hand_panel(json_t *j, const char *ind, int relative, struct hand_panel *hp)
{
    json_t *regions = tu_at(j, "regions");
    hp->nr = json_array_size(regions);
    ck_assert_uint_eq(hp->nr, N_PROV);
    hp->ny = json_array_size(tu_at(json_array_get(regions, 0), "path"));
    ck_assert_uint_le(hp->ny, MAXY);
    for (size_t y = 0; y < hp->ny; y++)
        hp->years[y] =
            (int)tu_num(json_array_get(tu_at(json_array_get(regions, 0), "path"), y), "year");
    for (size_t r = 0; r < hp->nr; r++)
        hp->ids[r] = tu_str(json_array_get(regions, r), "region");
    for (size_t y = 0; y < hp->ny; y++) {
        double sum = 0;
        for (size_t r = 0; r < hp->nr; r++)
            sum += hp->v[y][r] = raw(ind, hp->ids[r], hp->years[y]);
        for (size_t r = 0; relative && r < hp->nr; r++)
            hp->v[y][r] /= sum / (double)hp->nr;
    }
}

static size_t reported_cuts(json_t *classes, double *cuts)
{
    size_t k = json_array_size(classes);
    for (size_t c = 0; c + 1 < k; c++)
        cuts[c] = tu_num(json_array_get(classes, c), "upper");
    ck_assert(json_is_null(tu_at(json_array_get(classes, k - 1), "upper")));
    return k - 1;
}

/* The answer's paths, transitions, probabilities and cells against counts by hand of the
 * classes that CUTS (per year when BY_YEAR, ncuts each) give to HP's values. The callers pass
 * the cuts computed here, after checking the reported ones against them to 1e-12: a type-7 cut
 * is often a value itself (h = (n - 1) p whole), and its 15-digit print can fall on either side
 * of that value. */
static void chain_eq_hand(json_t *j, const struct hand_panel *hp, const double *cuts, size_t ncuts,
                          int by_year)
{
    size_t k = ncuts + 1, cls[MAXY][N_PROV];
    double T[10][10] = {{0}};
    for (size_t y = 0; y < hp->ny; y++)
        for (size_t r = 0; r < hp->nr; r++) {
            cls[y][r] = class_of(hp->v[y][r], by_year ? &cuts[y * ncuts] : cuts, ncuts);
            ck_assert_int_eq(
                tu_num(json_array_get(tu_at(json_array_get(tu_at(j, "regions"), r), "path"), y),
                       "class"),
                (double)cls[y][r]);
        }
    for (size_t y = 0; y + 1 < hp->ny; y++)
        for (size_t r = 0; r < hp->nr; r++)
            T[cls[y][r] - 1][cls[y + 1][r] - 1]++;
    ck_assert_uint_eq(json_array_size(tu_at(j, "transitions")), k);
    json_t *cells = tu_at(j, "cells");
    for (size_t a = 0; a < k; a++) {
        double sum = 0;
        for (size_t b = 0; b < k; b++)
            sum += T[a][b];
        for (size_t b = 0; b < k; b++) {
            json_t *row = json_array_get(tu_at(j, "transitions"), a);
            ck_assert_uint_eq(json_array_size(row), k);
            ck_assert_int_eq(json_integer_value(json_array_get(row, b)), (json_int_t)T[a][b]);
            double p = sum ? T[a][b] / sum : 0;
            double got =
                json_number_value(json_array_get(json_array_get(tu_at(j, "probabilities"), a), b));
            tu_assert_rel("probability", got, p, 1e-14); /* printed with 15 digits */
            json_t *cell = json_array_get(cells, a * k + b);
            ck_assert(json_is_null(tu_at(cell, "lag_class")));
            ck_assert_int_eq(tu_num(cell, "from_class"), (double)a + 1);
            ck_assert_int_eq(tu_num(cell, "to_class"), (double)b + 1);
            ck_assert_int_eq(tu_num(cell, "count"), T[a][b]);
            tu_assert_rel("cell probability", tu_num(cell, "probability"), p, 1e-14);
        }
    }
}

/* Each steady state pi is a distribution with pi P = pi. */
static void steady_states_stationary(json_t *chain)
{
    json_t *P = tu_at(chain, "probabilities"), *S = tu_at(chain, "steady_states");
    size_t k = json_array_size(P);
    ck_assert_uint_ge(json_array_size(S), 1);
    for (size_t s = 0; s < json_array_size(S); s++) {
        json_t *pi = json_array_get(S, s);
        double total = 0;
        for (size_t b = 0; b < k; b++) {
            double next = 0;
            total += json_number_value(json_array_get(pi, b));
            for (size_t a = 0; a < k; a++)
                next += json_number_value(json_array_get(pi, a)) *
                        json_number_value(json_array_get(json_array_get(P, a), b));
            ck_assert_msg(fabs(next - json_number_value(json_array_get(pi, b))) < 1e-12,
                          "steady state %zu not stationary at %zu", s, b);
        }
        ck_assert_msg(fabs(total - 1) < 1e-12, "steady state %zu sums to %.17g", s, total);
    }
}

/* Default: K = 4 pooled type-7 quantiles of the values relative to each year's mean. */
START_TEST(test_mobility_pooled_quantiles_by_hand)
{
    json_t *j =
        tu_get(tu_store(), "/v1/gaps/mobility?indicator=gdp_per_capita&from=2010&to=2019", 200);
    struct hand_panel hp;
    hand_panel(j, "gdp_per_capita", 1, &hp);
    ck_assert_uint_eq(hp.ny, 10);
    ck_assert_int_eq(tu_num(j, "from"), 2010);
    ck_assert_int_eq(tu_num(j, "to"), 2019);
    ck_assert_str_eq(tu_str(j, "relative"), "mean");
    double all[MAXY * N_PROV], cuts[9];
    size_t n = 0;
    for (size_t y = 0; y < hp.ny; y++)
        for (size_t r = 0; r < hp.nr; r++)
            all[n++] = hp.v[y][r];
    qsort(all, n, sizeof all[0], cmp_double);
    ck_assert_uint_eq(reported_cuts(tu_at(j, "classes"), cuts), 3);
    for (size_t c = 0; c < 3; c++) {
        tu_assert_rel("pooled cut", cuts[c], type7(all, n, (double)(c + 1) / 4), 1e-12);
        cuts[c] = type7(all, n, (double)(c + 1) / 4);
    }
    chain_eq_hand(j, &hp, cuts, 3, 0);
    steady_states_stationary(j);
    ck_assert_uint_eq(json_array_size(tu_at(j, "warnings")), 0);
    ck_assert_ptr_null(tu_at(j, "spatial"));
    json_decref(j);
}
END_TEST

/* breaks= on the raw values: right-closed, so a value equal to a cut is in the lower class. */
START_TEST(test_mobility_breaks_right_closed)
{
    char t[256];
    double anhui = raw("gdp_per_capita", "anhui", 2019);
    double beijing = raw("gdp_per_capita", "beijing", 2019);
    snprintf(t, sizeof t,
             "/v1/gaps/mobility?indicator=gdp_per_capita&from=2018&to=2020&relative=none"
             "&breaks=%.17g,%.17g",
             anhui, beijing);
    json_t *j = tu_get(tu_store(), t, 200);
    struct hand_panel hp;
    hand_panel(j, "gdp_per_capita", 0, &hp);
    double cuts[9];
    ck_assert_uint_eq(reported_cuts(tu_at(j, "classes"), cuts), 2);
    ck_assert_double_eq(cuts[0], anhui);
    ck_assert_double_eq(cuts[1], beijing);
    ck_assert_str_eq(tu_str(j, "method"), "breaks");
    chain_eq_hand(j, &hp, cuts, 2, 0);
    for (size_t r = 0; r < hp.nr; r++) {
        json_t *path = tu_at(json_array_get(tu_at(j, "regions"), r), "path");
        if (strcmp(hp.ids[r], "anhui") == 0)
            ck_assert_int_eq(tu_num(json_array_get(path, 1), "class"), 1);
        if (strcmp(hp.ids[r], "beijing") == 0)
            ck_assert_int_eq(tu_num(json_array_get(path, 1), "class"), 2);
    }
    json_decref(j);
}
END_TEST

/* quantiles=by_year: each year's own type-7 cuts, listed in cuts_by_year. */
START_TEST(test_mobility_quantiles_by_year)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/mobility?indicator=gdp_per_capita&from=2015&to=2019&classes=3"
                       "&quantiles=by_year",
                       200);
    struct hand_panel hp;
    hand_panel(j, "gdp_per_capita", 1, &hp);
    double cuts[MAXY * 2];
    ck_assert_uint_eq(json_array_size(tu_at(j, "classes")), 3);
    ck_assert(json_is_null(tu_at(j, "classes.0.upper")));
    ck_assert_uint_eq(json_array_size(tu_at(j, "cuts_by_year")), hp.ny);
    for (size_t y = 0; y < hp.ny; y++) {
        double row[N_PROV];
        memcpy(row, hp.v[y], sizeof row);
        qsort(row, N_PROV, sizeof row[0], cmp_double);
        json_t *e = json_array_get(tu_at(j, "cuts_by_year"), y);
        ck_assert_int_eq(tu_num(e, "year"), hp.years[y]);
        for (size_t c = 0; c < 2; c++) {
            cuts[y * 2 + c] = type7(row, N_PROV, (double)(c + 1) / 3);
            tu_assert_rel("year cut", json_number_value(json_array_get(tu_at(e, "cuts"), c)),
                          cuts[y * 2 + c], 1e-12);
        }
    }
    chain_eq_hand(j, &hp, cuts, 2, 1);
    json_decref(j);
}
END_TEST

static void matrix_eq(json_t *m, const double *want, size_t k, const char *what, int counts)
{
    ck_assert_uint_eq(json_array_size(m), k);
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double got = json_number_value(json_array_get(json_array_get(m, a), b));
            if (counts)
                ck_assert_msg(got == want[a * k + b], "%s[%zu][%zu] = %g, want %g", what, a, b, got,
                              want[a * k + b]);
            else
                tu_assert_rel(what, got, want[a * k + b], 1e-10);
        }
}

static void steady_eq(json_t *s, const double *want, size_t n, size_t k, const char *what)
{
    ck_assert_uint_eq(json_array_size(s), n);
    for (size_t r = 0; r < n; r++)
        for (size_t b = 0; b < k; b++)
            tu_assert_rel(what, json_number_value(json_array_get(json_array_get(s, r), b)),
                          want[r * k + b], 1e-10);
}

/* spatial=1 on the provinces' GDP per capita 2005-2024, k = m = 4, with the links: what
 * markov-make.py computed as giddy's Spatial_Markov (pooled quantiles of the relative values
 * and of their lag). */
START_TEST(test_mobility_spatial_against_giddy)
{
    json_t *j = tu_get(
        tu_store(), "/v1/gaps/mobility?indicator=gdp_per_capita&from=2005&to=2024&spatial=1", 200);
    /* the reference's data are the store's */
    json_t *regions = tu_at(j, "regions");
    ck_assert_uint_eq(json_array_size(regions), N_PROV);
    for (size_t r = 0; r < N_PROV; r++) {
        const char *id = tu_str(json_array_get(regions, r), "region");
        for (int y = 2005; y <= 2024; y++)
            ck_assert_double_eq(raw("gdp_per_capita", id, y),
                                china_gdp[(size_t)(y - 2005) * N_PROV + ref_index(id)]);
    }
    double cuts[9];
    ck_assert_uint_eq(reported_cuts(tu_at(j, "classes"), cuts), 3);
    ck_assert_uint_eq(reported_cuts(tu_at(j, "spatial.lag_classes"), cuts + 3), 3);
    for (size_t c = 0; c < 3; c++) {
        tu_assert_rel("cut", cuts[c], china_k4m4_cuts[c], 1e-12);
        tu_assert_rel("lag cut", cuts[3 + c], china_k4m4_lag_cuts[c], 1e-12);
    }
    matrix_eq(tu_at(j, "transitions"), china_k4m4_pooled_transitions, 4, "T", 1);
    matrix_eq(tu_at(j, "probabilities"), china_k4m4_pooled_p, 4, "P", 0);
    steady_eq(tu_at(j, "steady_states"), china_k4m4_pooled_steady, china_k4m4_pooled_n_recurrent, 4,
              "steady");
    const double *T[] = {china_k4m4_T0, china_k4m4_T1, china_k4m4_T2, china_k4m4_T3};
    const double *P[] = {china_k4m4_P0, china_k4m4_P1, china_k4m4_P2, china_k4m4_P3};
    const double *S[] = {china_k4m4_S0, china_k4m4_S1, china_k4m4_S2, china_k4m4_S3};
    const size_t Sn[] = {china_k4m4_S0_n, china_k4m4_S1_n, china_k4m4_S2_n, china_k4m4_S3_n};
    json_t *cond = tu_at(j, "spatial.conditional");
    ck_assert_uint_eq(json_array_size(cond), 4);
    for (size_t l = 0; l < 4; l++) {
        json_t *c = json_array_get(cond, l);
        ck_assert_int_eq(tu_num(c, "lag_class"), (double)l + 1);
        matrix_eq(tu_at(c, "transitions"), T[l], 4, "T|l", 1);
        matrix_eq(tu_at(c, "probabilities"), P[l], 4, "P|l", 0);
        steady_eq(tu_at(c, "steady_states"), S[l], Sn[l], 4, "steady|l");
        /* the cells carry the conditional counts after the pooled ones */
        for (size_t a = 0; a < 16; a++) {
            json_t *cell = json_array_get(tu_at(j, "cells"), 16 * (l + 1) + a);
            ck_assert_int_eq(tu_num(cell, "lag_class"), (double)l + 1);
            ck_assert_int_eq(tu_num(cell, "count"), T[l][a]);
        }
    }
    ck_assert_uint_eq(json_array_size(tu_at(j, "cells")), 16 * 5);
    tu_assert_rel("Q", tu_num(j, "spatial.homogeneity.q"), china_k4m4_hom[0], 1e-10);
    tu_assert_rel("LR", tu_num(j, "spatial.homogeneity.lr"), china_k4m4_hom[1], 1e-10);
    ck_assert_int_eq(tu_num(j, "spatial.homogeneity.dof"), china_k4m4_hom[2]);
    tu_assert_rel("Q p", tu_num(j, "spatial.homogeneity.q_p_value"), china_k4m4_hom[3], 1e-10);
    tu_assert_rel("LR p", tu_num(j, "spatial.homogeneity.lr_p_value"), china_k4m4_hom[4], 1e-10);
    ck_assert_str_eq(tu_str(j, "spatial.weights.links"), "include");
    json_decref(j);
}
END_TEST

/* links=exclude leaves Hainan without neighbours: 422, or with isolated=keep a lag of 0 (the
 * lowest lag class: giddy's treatment of an island). */
START_TEST(test_mobility_spatial_isolated)
{
    tu_expect_problem(tu_store(),
                      "/v1/gaps/mobility?indicator=gdp_per_capita&from=2018&to=2019&spatial=1"
                      "&links=exclude",
                      422, "isolated_region", "isolated", "hainan");
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/mobility?indicator=gdp_per_capita&from=2018&to=2019&spatial=1"
                       "&links=exclude&isolated=keep&lag_breaks=0.9",
                       200);
    ck_assert_str_eq(tu_str(j, "spatial.weights.isolated_regions.0"), "hainan");
    ck_assert_uint_eq(json_array_size(tu_at(j, "spatial.conditional")), 2);
    json_decref(j);
}
END_TEST

START_TEST(test_mobility_csv_one_row_per_cell)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/mobility?indicator=gdp_per_capita&from=2015&to=2019&classes=2"
                       "&spatial=1&lag_classes=2&format=csv",
                       200);
    const char *text = json_string_value(j);
    ck_assert_ptr_nonnull(text);
    const char *head = "indicator,lag_class,from_class,to_class,count,probability\r\n";
    ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "%.300s", text);
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    ck_assert_uint_eq(lines, 1 + 4 + 2 * 4); /* pooled, then each lag class */
    ck_assert_ptr_nonnull(strstr(text, "\r\ngdp_per_capita,,1,1,"));
    ck_assert_ptr_nonnull(strstr(text, "\r\ngdp_per_capita,2,2,2,"));
    json_decref(j);
}
END_TEST

START_TEST(test_mobility_bad_parameters)
{
    const struct store *s = tu_store();
    const char *base = "/v1/gaps/mobility?indicator=gdp_per_capita&from=2015&to=2019";
    static const struct {
        const char *extra;
        int status;
        const char *code, *param, *says;
    } bad[] = {
        {"&classes=1", 400, "bad_parameter", "classes", "2 to 10"},
        {"&classes=11", 400, "bad_parameter", "classes", "2 to 10"},
        {"&classes=2.5", 400, "bad_parameter", "classes", NULL},
        {"&classes=3&breaks=1", 400, "conflicting_parameters", "breaks", NULL},
        {"&breaks=1,1", 400, "bad_parameter", "breaks", "strictly increasing"},
        {"&breaks=2,1", 400, "bad_parameter", "breaks", "strictly increasing"},
        {"&breaks=1,x", 400, "bad_parameter", "breaks", "'x'"},
        {"&breaks=1,,2", 400, "bad_parameter", "breaks", "empty"},
        {"&breaks=1,2,3,4,5,6,7,8,9,10", 400, "bad_parameter", "breaks", "at most 10"},
        {"&breaks=1&quantiles=by_year", 400, "conflicting_parameters", "quantiles", NULL},
        {"&quantiles=yearly", 400, "bad_parameter", "quantiles", "pooled, by_year"},
        {"&relative=median", 400, "bad_parameter", "relative", "mean, none"},
        {"&spatial=2", 400, "bad_parameter", "spatial", "0, 1"},
        {"&lag_classes=3", 400, "conflicting_parameters", "lag_classes", "spatial=1"},
        {"&lag_breaks=1", 400, "conflicting_parameters", "lag_breaks", "spatial=1"},
        {"&links=exclude", 400, "conflicting_parameters", "links", "spatial=1"},
        {"&isolated=keep", 400, "conflicting_parameters", "isolated", "spatial=1"},
        {"&spatial=1&lag_classes=0", 400, "bad_parameter", "lag_classes", NULL},
        {"&spatial=1&lag_classes=2&lag_breaks=1", 400, "conflicting_parameters", "lag_breaks",
         NULL},
        {"&spatial=1&links=none", 400, "bad_parameter", "links", "include, exclude"},
        {"&spatial=1&isolated=drop", 400, "bad_parameter", "isolated", "error, keep"},
        {"&year=2019", 400, "unknown_parameter", "year", NULL},
        {"&regions=beijing", 422, "too_few_regions", "regions", NULL},
    };
    char t[300];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(t, sizeof t, "%s%s", base, bad[i].extra);
        tu_expect_problem(s, t, bad[i].status, bad[i].code, bad[i].param, bad[i].says);
    }
    tu_expect_problem(s, "/v1/gaps/mobility?indicator=gdp_per_capita&from=2019&to=2019", 422,
                      "too_few_years", NULL, "2 common years");
    tu_expect_problem(s, "/v1/gaps/mobility?from=2019", 400, "missing_parameter", "indicator",
                      NULL);
    tu_expect_problem(s, "/v1/gaps/mobility?indicator=nope", 404, "unknown_indicator", "indicator",
                      NULL);
    /* spatial=true is spatial=1; breaks with spatial lag quantiles takes quantiles= */
    json_t *j = tu_get(s,
                       "/v1/gaps/mobility?indicator=gdp_per_capita&from=2015&to=2019&spatial=true"
                       "&breaks=1&quantiles=by_year&lag_classes=2",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "spatial.lag_cuts_by_year")), 5);
    json_decref(j);
}
END_TEST

/* ------------------------------------------------- a fixture: flat and centred values ---- */

static struct store *fx;
static char *fx_dir;

static void fx_setup(void)
{
    const struct store *s = tu_store();
    const struct group *g = store_group_at(s, store_group_index(s, "provinces", 9));
    char obs[16384], path[512], db[512];
    size_t at = 0;
    for (size_t k = 0; k < g->n_members; k++) {
        const char *id = store_region_at(s, g->members[k])->id;
        /* flat: 5 everywhere in 2019, k in 2020; centred: k - 15, a mean of 0 */
        at += (size_t)snprintf(obs + at, sizeof obs - at,
                               "flat,%s,2019,5,,,\nflat,%s,2020,%zu,,,\n"
                               "centred,%s,2019,%d,,,\ncentred,%s,2020,%d,,,\n",
                               id, id, k, id, (int)k - 15, id, (int)k - 14);
    }
    fx_dir = tu_tmpdir();
    ck_assert_int_eq(tu_copy_data(fx_dir), 0);
    /* tu_copy_data leaves neighbours.csv out; the spatial endpoints need it */
    char *nb = tu_read(PROSPERITY_SOURCE_DIR "/data/neighbours.csv", NULL);
    ck_assert_ptr_nonnull(nb);
    snprintf(path, sizeof path, "%s/neighbours.csv", fx_dir);
    ck_assert_int_eq(tu_write(path, nb), 0);
    free(nb);
    snprintf(path, sizeof path, "%s/indicators.csv", fx_dir);
    ck_assert_int_eq(tu_append_rows(path, TU_INDICATOR_COLUMNS,
                                    "flat,Flat,,count,health,1,none,,\n"
                                    "centred,Centred,,count,health,1,none,,\n"),
                     0);
    snprintf(path, sizeof path, "%s/observations.csv", fx_dir);
    ck_assert_int_eq(tu_append(path, obs), 0);
    snprintf(db, sizeof db, "%s/fixture.db", fx_dir);
    char *msg = NULL;
    size_t len;
    FILE *errs = open_memstream(&msg, &len);
    int rc = import_dir(fx_dir, db, errs);
    fclose(errs);
    ck_assert_msg(rc == 0, "%s", msg);
    free(msg);
    struct api_error err;
    fx = store_load(db, &err);
    ck_assert_ptr_nonnull(fx);
}

static void fx_teardown(void)
{
    store_free(fx);
    tu_rmrf(fx_dir);
    free(fx_dir);
}

/* Zero variance: a 422 naming the year, never NaN. */
START_TEST(test_spatial_zero_variance)
{
    tu_expect_problem(fx, "/v1/gaps/spatial?indicator=flat&year=2019", 422, "undefined",
                      "indicator", "2019");
    tu_expect_problem(fx, "/v1/gaps/spatial?indicator=flat&from=2019&to=2020", 422, "undefined",
                      "indicator", "same value");
    json_t *j = tu_get(fx, "/v1/gaps/spatial?indicator=flat&year=2020", 200);
    ck_assert(isfinite(tu_num(j, "years.0.moran.i")));
    json_decref(j);
}
END_TEST

/* Tied quantiles merge (a warning says so); by_year refuses a year whose cuts tie; a zero
 * mean is a 422 unless relative=none. */
START_TEST(test_mobility_ties_and_zero_mean)
{
    /* 2019 all 5 and 2020 0..30 relative to their means: 31 of 62 values are exactly 1 */
    json_t *j = tu_get(fx, "/v1/gaps/mobility?indicator=flat&classes=4", 200);
    size_t k = json_array_size(tu_at(j, "classes"));
    ck_assert_uint_lt(k, 4);
    ck_assert_uint_eq(json_array_size(tu_at(j, "transitions")), k);
    ck_assert_msg(strstr(tu_str(j, "warnings.0"), "classes=4") != NULL, "%s",
                  tu_str(j, "warnings.0"));
    json_decref(j);
    tu_expect_problem(fx, "/v1/gaps/mobility?indicator=flat&quantiles=by_year", 422, "undefined",
                      "quantiles", "2019");
    tu_expect_problem(fx, "/v1/gaps/mobility?indicator=centred", 422, "undefined", "relative",
                      "2019");
    j = tu_get(fx, "/v1/gaps/mobility?indicator=centred&relative=none&classes=2", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "classes")), 2);
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spatial_api");
    TCase *sp = tcase_create("spatial");
    tcase_add_test(sp, test_spatial_moran_both_against_spdep);
    tcase_add_test(sp, test_spatial_moran_both_refusals);
    tcase_add_test(sp, test_spatial_provinces_2019_against_spdep);
    tcase_add_test(sp, test_spatial_without_links_hainan_isolated);
    tcase_add_test(sp, test_spatial_years_and_regions);
    tcase_add_test(sp, test_spatial_csv_one_row_per_year_and_region);
    tcase_add_test(sp, test_spatial_bad_parameters);
    suite_add_tcase(s, sp);
    TCase *mo = tcase_create("mobility");
    tcase_add_test(mo, test_mobility_pooled_quantiles_by_hand);
    tcase_add_test(mo, test_mobility_breaks_right_closed);
    tcase_add_test(mo, test_mobility_quantiles_by_year);
    tcase_add_test(mo, test_mobility_spatial_against_giddy);
    tcase_add_test(mo, test_mobility_spatial_isolated);
    tcase_add_test(mo, test_mobility_csv_one_row_per_cell);
    tcase_add_test(mo, test_mobility_bad_parameters);
    tcase_set_timeout(mo, 60);
    suite_add_tcase(s, mo);
    TCase *fxc = tcase_create("fixture");
    tcase_add_unchecked_fixture(fxc, fx_setup, fx_teardown);
    tcase_add_test(fxc, test_spatial_zero_variance);
    tcase_add_test(fxc, test_mobility_ties_and_zero_mean);
    tcase_set_timeout(fxc, 120);
    suite_add_tcase(s, fxc);
    return tu_run(s);
}
