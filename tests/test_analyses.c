/* tests/test_analyses.c — the field's analyses through the route table: the Dagum decomposition
 * of dispersion, kernel density and the composite index. Every expected value is recomputed
 * here from the store's raw observations (data/observations.csv) by the formulas of DESIGN.md,
 * written out as brute-force loops, never through api/metrics; bandwidths also against R. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "testutil.h"

static uint32_t indicator(const char *id)
{
    uint32_t i = store_indicator_index(tu_store(), id, strlen(id));
    ck_assert_uint_ne(i, STORE_NONE);
    return i;
}

/* The 31 provinces (group provinces, in file order). */
static const struct group *provinces(void)
{
    const struct store *s = tu_store();
    return store_group_at(s, store_group_index(s, "provinces", 9));
}

/* ------------------------------------------------------------------ Dagum ----------- */

#define MAXG 8

/* Dagum (1997) by brute force over every ordered pair of units, from DESIGN.md: the n^2 form
 * with pair weights w_i w_r (all 1 unweighted). */
struct bf_dagum {
    double gini, within, net_between, transvariation;
    size_t k;
    uint32_t id[MAXG]; /* the group's region index */
    size_t n[MAXG];
    double weight[MAXG], mean[MAXG], p[MAXG], s[MAXG];
    double g[MAXG][MAXG]; /* G_jh */
    double d[MAXG][MAXG]; /* D_jh, j the richer: D_jh = D_hj here, both >= 0 */
};

static void brute_dagum(const double *y, const double *w, const uint32_t *grp, size_t n,
                        struct bf_dagum *o)
{
    size_t gi[64];
    double W = 0, mu = 0;
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < o->k && o->id[g] != grp[i])
            g++;
        if (g == o->k)
            o->id[o->k++] = grp[i];
        gi[i] = g;
        o->n[g]++;
        o->weight[g] += w[i];
        o->mean[g] += w[i] * y[i];
        W += w[i];
        mu += w[i] * y[i];
    }
    mu /= W;
    for (size_t g = 0; g < o->k; g++)
        o->mean[g] /= o->weight[g];
    for (size_t g = 0; g < o->k; g++) {
        o->p[g] = o->weight[g] / W;
        o->s[g] = o->weight[g] * o->mean[g] / (W * mu);
    }
    double all = 0, absd[MAXG][MAXG] = {{0}}, pos[MAXG][MAXG] = {{0}};
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < n; r++) {
            double ww = w[i] * w[r], diff = y[i] - y[r];
            all += ww * fabs(diff);
            absd[gi[i]][gi[r]] += ww * fabs(diff);
            if (diff > 0)
                pos[gi[i]][gi[r]] += ww * diff; /* y_i > y_r, i in j, r in h */
        }
    o->gini = all / (2 * W * W * mu);
    for (size_t j = 0; j < o->k; j++)
        for (size_t h = 0; h < o->k; h++) {
            o->g[j][h] = absd[j][h] / (o->weight[j] * o->weight[h] * (o->mean[j] + o->mean[h]));
            size_t rich = o->mean[j] >= o->mean[h] ? j : h, poor = rich == j ? h : j;
            double djh = pos[rich][poor] / (o->weight[j] * o->weight[h]);
            double pjh = pos[poor][rich] / (o->weight[j] * o->weight[h]);
            o->d[j][h] = o->mean[j] == o->mean[h] || djh + pjh == 0 ? 0 : (djh - pjh) / (djh + pjh);
        }
    for (size_t j = 0; j < o->k; j++) {
        o->within += o->g[j][j] * o->p[j] * o->s[j];
        for (size_t h = j + 1; h < o->k; h++) {
            double f = o->g[j][h] * (o->p[j] * o->s[h] + o->p[h] * o->s[j]);
            o->net_between += f * o->d[j][h];
            o->transvariation += f * (1 - o->d[j][h]);
        }
    }
}

static size_t bf_group(const struct bf_dagum *b, const char *id)
{
    for (size_t g = 0; g < b->k; g++)
        if (strcmp(store_region_at(tu_store(), b->id[g])->id, id) == 0)
            return g;
    ck_abort_msg("group %s not in the brute force", id);
    return 0;
}

/* The dagum object of one year of the provinces' gdp_per_capita against the brute force. Returns
 * how many pairs put a group first that comes later in the provinces' order (the richer-first
 * rule at work). */
static int check_dagum_year(int year, int weighted)
{
    const struct store *s = tu_store();
    const struct group *g = provinces();
    uint32_t pc = indicator("gdp_per_capita"), pop = indicator("population");
    double y[31], w[31];
    uint32_t parent[31];
    ck_assert_uint_eq(g->n_members, 31);
    for (size_t k = 0; k < 31; k++) {
        y[k] = store_get(s, pc, g->members[k], year)->value;
        w[k] = weighted ? store_get(s, pop, g->members[k], year)->value : 1;
        parent[k] = store_region_at(s, g->members[k])->parent;
    }
    struct bf_dagum b;
    brute_dagum(y, w, parent, 31, &b);
    ck_assert_uint_eq(b.k, 4);
    char t[256];
    snprintf(t, sizeof t,
             "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces&year=%d"
             "&group_by=parent%s",
             year, weighted ? "&weights=population" : "");
    json_t *j = tu_get(s, t, 200);
    json_t *d = tu_at(j, "years.0.dagum");
    ck_assert_msg(json_is_object(d), "%s: no dagum", t);
    const double rel = 1e-10;
    tu_assert_rel("gini", tu_num(d, "gini"), b.gini, rel);
    tu_assert_rel("gini = years.gini", tu_num(d, "gini"), tu_num(j, "years.0.gini"), rel);
    tu_assert_rel("within", tu_num(d, "within"), b.within, rel);
    tu_assert_rel("net_between", tu_num(d, "net_between"), b.net_between, rel);
    tu_assert_rel("transvariation", tu_num(d, "transvariation"), b.transvariation, rel);
    tu_assert_rel("between", tu_num(d, "between"), b.net_between + b.transvariation, rel);
    tu_assert_rel("shares.within", tu_num(d, "shares.within"), 100 * b.within / b.gini, rel);
    tu_assert_rel("shares.net_between", tu_num(d, "shares.net_between"),
                  100 * b.net_between / b.gini, rel);
    tu_assert_rel("shares.transvariation", tu_num(d, "shares.transvariation"),
                  100 * b.transvariation / b.gini, rel);
    json_t *groups = tu_at(d, "groups");
    ck_assert_uint_eq(json_array_size(groups), 4);
    for (size_t k = 0; k < 4; k++) {
        json_t *e = json_array_get(groups, k);
        size_t bg = bf_group(&b, tu_str(e, "group.id"));
        ck_assert_int_eq((int)tu_num(e, "n"), (int)b.n[bg]);
        tu_assert_rel("group mean", tu_num(e, "mean"), b.mean[bg], rel);
        tu_assert_rel("population_share", tu_num(e, "population_share"), b.p[bg], rel);
        tu_assert_rel("income_share", tu_num(e, "income_share"), b.s[bg], rel);
        tu_assert_rel("group gini", tu_num(e, "gini"), b.g[bg][bg], rel);
    }
    json_t *pairs = tu_at(d, "pairs");
    ck_assert_uint_eq(json_array_size(pairs), 6);
    int swapped = 0;
    for (size_t k = 0; k < 6; k++) {
        json_t *e = json_array_get(pairs, k);
        ck_assert_uint_eq(json_array_size(tu_at(e, "groups")), 2);
        size_t a = bf_group(&b, tu_str(e, "groups.0")), c = bf_group(&b, tu_str(e, "groups.1"));
        ck_assert_uint_ne(a, c);
        /* the richer group first, so D is in [0, 1] */
        ck_assert_msg(b.mean[a] >= b.mean[c], "%d pair %zu: %s (%g) before %s (%g)", year, k,
                      tu_str(e, "groups.0"), b.mean[a], tu_str(e, "groups.1"), b.mean[c]);
        swapped += a > c;
        double D = tu_num(e, "relative_affluence");
        ck_assert(D >= 0 && D <= 1);
        tu_assert_rel("pair gini", tu_num(e, "gini"), b.g[a][c], rel);
        tu_assert_rel("relative_affluence", D, b.d[a][c], rel);
        double f = b.g[a][c] * (b.p[a] * b.s[c] + b.p[c] * b.s[a]);
        tu_assert_rel("pair net_between", tu_num(e, "net_between"), f * b.d[a][c], rel);
        tu_assert_rel("pair transvariation", tu_num(e, "transvariation"), f * (1 - b.d[a][c]), rel);
    }
    json_decref(j);
    return swapped;
}

START_TEST(test_dagum_provinces_by_macro_region)
{
    /* 2005: the northeast (last in the provinces' order but for none) is richer than central
     * and west; 2019 it is poorer than both */
    int swapped = check_dagum_year(2005, 0) + check_dagum_year(2019, 0);
    ck_assert_int_gt(swapped, 0);
}
END_TEST

START_TEST(test_dagum_population_weights)
{
    check_dagum_year(2019, 1);
    check_dagum_year(2012, 1);
}
END_TEST

/* Without group_by there is no dagum; with it and measures without gini neither. */
START_TEST(test_dagum_only_with_group_by_and_gini)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019",
                       200);
    ck_assert_ptr_null(tu_at(j, "years.0.dagum"));
    json_decref(j);
    j = tu_get(tu_store(),
               "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
               "&year=2019&group_by=parent&measures=cv",
               200);
    ck_assert_ptr_null(tu_at(j, "years.0.dagum"));
    json_decref(j);
}
END_TEST

/* The min and max are values taken from the data: they carry its status. */
START_TEST(test_dispersion_extremes_keep_status)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019",
                       200);
    int flagged = 0;
    for (int m = 0; m < 2; m++) {
        const char *key = m ? "years.0.max" : "years.0.min";
        json_t *e = tu_at(j, key);
        const char *id = tu_str(e, "region");
        const struct observation *o =
            store_get(tu_store(), indicator("gdp_per_capita"),
                      store_region_index(tu_store(), id, strlen(id)), 2019);
        const char *want = store_status_name(o->status);
        json_t *got = tu_at(e, "status");
        ck_assert_msg(got != NULL, "%s has no status", key);
        if (want)
            ck_assert_str_eq(json_string_value(got), want);
        else
            ck_assert(json_is_null(got));
        flagged += want != NULL;
    }
    ck_assert_int_gt(flagged, 0); /* at least one of them is derived in the data */
    json_decref(j);
}
END_TEST

START_TEST(test_dagum_csv_columns)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019&group_by=parent&format=csv",
                       200);
    const char *text = json_string_value(j);
    ck_assert_ptr_nonnull(strstr(text, "dagum_gini,dagum_within,dagum_net_between,"
                                       "dagum_transvariation,dagum_between"));
    json_decref(j);
}
END_TEST

/* ---------------------------------------------------------------- density ----------- */

/* R's bandwidths for the 31 provinces' gdp_per_capita in 2019 (nrd0, nrd, scipy_scott,
 * scipy_silverman, stata), printed by tests/metrics/references/gen_density.py. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "metrics/references/density_ref.h"
#pragma GCC diagnostic pop

static const double SQRT_2PI = 2.50662827463100050242;

/* (1 / (n h)) sum phi((at - x_i) / h), written out. */
static double direct_density(const double *x, size_t n, double h, double at)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double u = (at - x[i]) / h;
        sum += exp(-u * u / 2) / SQRT_2PI;
    }
    return sum / (n * h);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R's bw.nrd0 written out: 0.9 min(sd, IQR / 1.34) n^-1/5, sd with n - 1, type-7 quartiles. */
static double nrd0(const double *x, size_t n)
{
    double s[64], mean = 0, ss = 0;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    for (size_t i = 0; i < n; i++)
        mean += s[i] / n;
    for (size_t i = 0; i < n; i++)
        ss += (s[i] - mean) * (s[i] - mean);
    double sd = sqrt(ss / (n - 1)), q[2];
    for (int k = 0; k < 2; k++) {
        double pos = (n - 1) * (k ? 0.75 : 0.25);
        size_t lo = (size_t)floor(pos);
        q[k] = s[lo] + (pos - lo) * (lo + 1 < n ? s[lo + 1] - s[lo] : 0);
    }
    double lo = fmin(sd, (q[1] - q[0]) / 1.34);
    return 0.9 * (lo > 0 ? lo : sd) * pow((double)n, -0.2);
}

/* The provinces' gdp_per_capita in YEAR into X[31]; returns the min and max. */
static void province_values(int year, double *x, double *min, double *max)
{
    const struct group *g = provinces();
    uint32_t pc = indicator("gdp_per_capita");
    for (size_t k = 0; k < 31; k++)
        x[k] = store_get(tu_store(), pc, g->members[k], year)->value;
    *min = *max = x[0];
    for (size_t k = 1; k < 31; k++) {
        *min = fmin(*min, x[k]);
        *max = fmax(*max, x[k]);
    }
}

/* Every point of year object E against the direct sum over X with bandwidth H. */
static void check_points(json_t *e, const double *x, size_t n, double h)
{
    json_t *pts = tu_at(e, "points");
    for (size_t k = 0; k < json_array_size(pts); k++) {
        json_t *pt = json_array_get(pts, k);
        double at = tu_num(pt, "x");
        char what[64];
        snprintf(what, sizeof what, "density at %g", at);
        tu_assert_rel(what, tu_num(pt, "density"), direct_density(x, n, h, at), 1e-10);
    }
}

START_TEST(test_density_provinces_nrd0_against_r)
{
    double x[31], min, max;
    province_values(2019, x, &min, &max);
    double sum = 0, rsum = 0;
    for (size_t k = 0; k < 31; k++) {
        sum += x[k];
        rsum += gdp_x[k];
    }
    ck_assert_double_eq(sum, rsum); /* R saw the same 31 values */
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 1);
    json_t *e = tu_at(j, "years.0");
    ck_assert_int_eq((int)tu_num(e, "year"), 2019);
    ck_assert_int_eq((int)tu_num(e, "n"), 31);
    double h = tu_num(e, "bandwidth");
    tu_assert_rel("nrd0", h, gdp_bw[0], 1e-10);
    ck_assert_uint_eq(json_array_size(tu_at(e, "points")), 512);
    tu_assert_rel("first x", tu_num(e, "points.0.x"), min - 3 * gdp_bw[0], 1e-12);
    tu_assert_rel("last x", tu_num(e, "points.511.x"), max + 3 * gdp_bw[0], 1e-12);
    tu_assert_rel("grid step", tu_num(e, "points.1.x") - tu_num(e, "points.0.x"),
                  (max - min + 6 * gdp_bw[0]) / 511, 1e-9);
    check_points(e, x, 31, gdp_bw[0]);
    /* R's own exact sums on R's grid (the same grid: min - 3h .. max + 3h, 512 points) */
    for (size_t k = 0; k < 512; k += 37)
        tu_assert_rel("R density", tu_num(json_array_get(tu_at(e, "points"), k), "density"),
                      gdp_dens_nrd0[k], 1e-10);
    ck_assert_str_eq(tu_str(j, "bandwidth"), "nrd0");
    ck_assert_str_eq(tu_str(j, "relative"), "none");
    json_decref(j);
}
END_TEST

START_TEST(test_density_bandwidth_rules_against_r)
{
    static const char *const rules[] = {"nrd0", "nrd", "scipy_scott", "scipy_silverman", "stata"};
    double x[31], min, max;
    province_values(2019, x, &min, &max);
    for (size_t r = 0; r < 5; r++) {
        char t[256];
        snprintf(t, sizeof t,
                 "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces&year=2019"
                 "&bandwidth=%s&points=16",
                 rules[r]);
        json_t *j = tu_get(tu_store(), t, 200);
        tu_assert_rel(rules[r], tu_num(j, "years.0.bandwidth"), gdp_bw[r], 1e-10);
        ck_assert_str_eq(tu_str(j, "bandwidth"), rules[r]);
        ck_assert_uint_eq(json_array_size(tu_at(j, "years.0.points")), 16);
        check_points(tu_at(j, "years.0"), x, 31, gdp_bw[r]);
        json_decref(j);
    }
}
END_TEST

/* relative=mean: each value over that year's unweighted mean; the bandwidth scales with it. */
START_TEST(test_density_relative_to_mean)
{
    double x[31], min, max, mean = 0;
    province_values(2019, x, &min, &max);
    for (size_t k = 0; k < 31; k++)
        mean += x[k] / 31;
    for (size_t k = 0; k < 31; k++)
        x[k] /= mean;
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019&relative=mean&points=64",
                       200);
    ck_assert_str_eq(tu_str(j, "relative"), "mean");
    double h = tu_num(j, "years.0.bandwidth");
    tu_assert_rel("relative bandwidth", h, gdp_bw[0] / mean, 1e-10);
    tu_assert_rel("relative first x", tu_num(j, "years.0.points.0.x"), min / mean - 3 * h, 1e-12);
    tu_assert_rel("mean", tu_num(j, "years.0.mean"), mean, 1e-12);
    check_points(tu_at(j, "years.0"), x, 31, h);
    json_decref(j);
}
END_TEST

/* Several years share one grid: from the smallest min - 3h to the largest max + 3h. */
START_TEST(test_density_years_share_one_grid)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                       "&from=2010&to=2012&points=40",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 3);
    double lo = INFINITY, hi = -INFINITY;
    double xs[3][31], hs[3];
    for (int y = 0; y < 3; y++) {
        double min, max;
        province_values(2010 + y, xs[y], &min, &max);
        hs[y] = nrd0(xs[y], 31);
        lo = fmin(lo, min - 3 * hs[y]);
        hi = fmax(hi, max + 3 * hs[y]);
    }
    for (int y = 0; y < 3; y++) {
        json_t *e = json_array_get(tu_at(j, "years"), (size_t)y);
        ck_assert_int_eq((int)tu_num(e, "year"), 2010 + y);
        tu_assert_rel("bandwidth", tu_num(e, "bandwidth"), hs[y], 1e-10);
        tu_assert_rel("grid from", tu_num(e, "points.0.x"), lo, 1e-12);
        tu_assert_rel("grid to", tu_num(e, "points.39.x"), hi, 1e-12);
        check_points(e, xs[y], 31, hs[y]);
    }
    json_decref(j);
}
END_TEST

/* at= evaluates exactly there; a numeric bandwidth is used as given. */
START_TEST(test_density_at_points_and_numeric_bandwidth)
{
    double x[31], min, max;
    province_values(2019, x, &min, &max);
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                       "&year=2019&at=50000,%20100000,1e5,-3&bandwidth=12500.5",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years.0.points")), 4);
    ck_assert_double_eq(tu_num(j, "years.0.points.0.x"), 50000);
    ck_assert_double_eq(tu_num(j, "years.0.points.1.x"), 100000);
    ck_assert_double_eq(tu_num(j, "years.0.points.3.x"), -3);
    ck_assert_double_eq(tu_num(j, "years.0.bandwidth"), 12500.5);
    ck_assert_double_eq(tu_num(j, "bandwidth"), 12500.5);
    check_points(tu_at(j, "years.0"), x, 31, 12500.5);
    json_decref(j);
}
END_TEST

START_TEST(test_density_csv_one_row_per_year_and_x)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                       "&from=2018&to=2019&points=8&format=csv",
                       200);
    const char *text = json_string_value(j);
    ck_assert_msg(strncmp(text, "indicator,year,n,bandwidth,x,density\r\n", 38) == 0, "%s", text);
    size_t lines = 0;
    for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    ck_assert_uint_eq(lines, 1 + 2 * 8);
    ck_assert_ptr_nonnull(strstr(text, "\r\ngdp_per_capita,2019,31,"));
    json_decref(j);
}
END_TEST

START_TEST(test_density_bad_parameters)
{
    const struct store *s = tu_store();
    const char *base = "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces";
    char t[256];
    snprintf(t, sizeof t, "%s&bandwidth=silverman", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "bandwidth",
                      "nrd0, nrd, scipy_scott, scipy_silverman, stata");
    snprintf(t, sizeof t, "%s&bandwidth=0", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "bandwidth", "positive");
    snprintf(t, sizeof t, "%s&bandwidth=-2", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "bandwidth", "positive");
    snprintf(t, sizeof t, "%s&relative=median", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "relative", "none, mean");
    snprintf(t, sizeof t, "%s&points=1", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "points", "2 to 4096");
    snprintf(t, sizeof t, "%s&points=4097", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "points", "2 to 4096");
    snprintf(t, sizeof t, "%s&points=2.5", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "points", "2 to 4096");
    snprintf(t, sizeof t, "%s&at=1,x", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "at", "'x'");
    snprintf(t, sizeof t, "%s&at=1,,2", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "at", NULL);
    snprintf(t, sizeof t, "%s&at=1&points=8", base);
    tu_expect_problem(s, t, 400, "conflicting_parameters", "points", NULL);
    snprintf(t, sizeof t, "%s&year=2019&from=2018", base);
    tu_expect_problem(s, t, 400, "conflicting_parameters", "year", NULL);
    tu_expect_problem(s, "/v1/gaps/density?indicator=gdp_per_capita", 400, "missing_parameter",
                      "regions", NULL);
    tu_expect_problem(s, "/v1/gaps/density?regions=east", 400, "missing_parameter", "indicator",
                      NULL);
    tu_expect_problem(s, "/v1/gaps/density?indicator=nope&regions=east", 404, "unknown_indicator",
                      "indicator", NULL);
    tu_expect_problem(s, "/v1/gaps/density?indicator=gdp_per_capita&regions=beijing", 422,
                      "too_few_regions", "regions", NULL);
    tu_expect_problem(s,
                      "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces&shape=x",
                      400, "unknown_parameter", "shape", NULL);
}
END_TEST

/* ---------------------------------------------------------- composite index ----------- */

#define MAXROWS 700
#define MAXCOLS 4

/* The composite index of DESIGN.md, written out for ROWS x COLS values X (row-major) with
 * directions DIR (+1, -1) and weights: GIVEN (NULL: entropy; all 1: equal). */
struct bf_index {
    double min[MAXCOLS], max[MAXCOLS], entropy[MAXCOLS], w[MAXCOLS];
    double score[MAXROWS], topsis[MAXROWS];
};

static void brute_index(const double *x, size_t rows, size_t cols, const int *dir,
                        const double *given, struct bf_index *o)
{
    static double z[MAXROWS * MAXCOLS];
    double total = 0;
    for (size_t c = 0; c < cols; c++) {
        o->min[c] = o->max[c] = x[c];
        for (size_t r = 0; r < rows; r++) {
            o->min[c] = fmin(o->min[c], x[r * cols + c]);
            o->max[c] = fmax(o->max[c], x[r * cols + c]);
        }
        double range = o->max[c] - o->min[c], sum = 0, h = 0;
        for (size_t r = 0; r < rows; r++) {
            double v = x[r * cols + c];
            z[r * cols + c] = range == 0   ? 0
                              : dir[c] > 0 ? (v - o->min[c]) / range
                                           : (o->max[c] - v) / range;
            sum += z[r * cols + c];
        }
        for (size_t r = 0; r < rows; r++) {
            double p = sum > 0 ? z[r * cols + c] / sum : 0;
            if (p > 0)
                h -= p * log(p);
        }
        o->entropy[c] = sum > 0 ? h / log((double)rows) : 1;
        double raw = range == 0 ? 0 : given ? given[c] : 1 - o->entropy[c];
        o->w[c] = raw;
        total += raw;
    }
    for (size_t c = 0; c < cols; c++)
        o->w[c] /= total;
    double best[MAXCOLS], worst[MAXCOLS];
    for (size_t c = 0; c < cols; c++) {
        best[c] = -INFINITY;
        worst[c] = INFINITY;
        for (size_t r = 0; r < rows; r++) {
            best[c] = fmax(best[c], o->w[c] * z[r * cols + c]);
            worst[c] = fmin(worst[c], o->w[c] * z[r * cols + c]);
        }
    }
    for (size_t r = 0; r < rows; r++) {
        double s = 0, dp = 0, dm = 0;
        for (size_t c = 0; c < cols; c++) {
            double v = o->w[c] * z[r * cols + c];
            s += v;
            dp += (v - best[c]) * (v - best[c]);
            dm += (v - worst[c]) * (v - worst[c]);
        }
        o->score[r] = s;
        o->topsis[r] = sqrt(dm) / (sqrt(dp) + sqrt(dm));
    }
}

/* 1 + the number of values of V[0..n) greater than V[i]. */
static int rank_of(const double *v, size_t n, size_t i)
{
    int rank = 1;
    for (size_t k = 0; k < n; k++)
        rank += v[k] > v[i];
    return rank;
}

static const char *const index_ids[] = {"gdp_per_capita", "gdp", "population"};
static const int index_dirs[] = {1, 1, -1};

/* The provinces' three indicators of YEAR into rows Y0 .. Y0 + 30 of X (3 columns). */
static void index_values(int year, size_t y0, double *x)
{
    const struct group *g = provinces();
    for (size_t k = 0; k < 31; k++)
        for (size_t c = 0; c < 3; c++)
            x[(y0 + k) * 3 + c] =
                store_get(tu_store(), indicator(index_ids[c]), g->members[k], year)->value;
}

/* The answer's indicators[] from entry FIRST on, and its rows of YEAR (rows Y0 ..) against B. */
static void check_index(json_t *j, size_t first, const struct bf_index *b, size_t b0, int year,
                        size_t y0)
{
    const double rel = 1e-10;
    for (size_t c = 0; c < 3; c++) {
        json_t *e = json_array_get(tu_at(j, "indicators"), first + c);
        ck_assert_str_eq(tu_str(e, "indicator.id"), index_ids[c]);
        ck_assert_str_eq(tu_str(e, "direction"), index_dirs[c] > 0 ? "+" : "-");
        tu_assert_rel("min", tu_num(e, "min"), b->min[c], rel);
        tu_assert_rel("max", tu_num(e, "max"), b->max[c], rel);
        tu_assert_rel("entropy", tu_num(e, "entropy"), b->entropy[c], rel);
        tu_assert_rel("weight", tu_num(e, "weight"), b->w[c], rel);
    }
    const struct group *g = provinces();
    json_t *rows = tu_at(j, "rows");
    size_t found = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i);
        if ((int)tu_num(row, "year") != year)
            continue;
        const char *id = tu_str(row, "region.id");
        size_t k = 0;
        while (k < 31 && strcmp(store_region_at(tu_store(), g->members[k])->id, id) != 0)
            k++;
        ck_assert_uint_lt(k, 31);
        found++;
        tu_assert_rel("score", tu_num(row, "score"), b->score[b0 + y0 + k], rel);
        tu_assert_rel("topsis", tu_num(row, "topsis"), b->topsis[b0 + y0 + k], rel);
        /* ranks among the regions of the same year */
        ck_assert_int_eq((int)tu_num(row, "rank"), rank_of(&b->score[b0 + y0], 31, k));
        ck_assert_int_eq((int)tu_num(row, "topsis_rank"), rank_of(&b->topsis[b0 + y0], 31, k));
    }
    ck_assert_uint_eq(found, 31);
}

START_TEST(test_index_entropy_topsis_one_year)
{
    static double x[31 * 3];
    static struct bf_index b;
    index_values(2019, 0, x);
    brute_index(x, 31, 3, index_dirs, NULL, &b);
    /* '+' is a space in a query string: %2B, or + itself, both mean higher is better */
    const char *const targets[] = {
        "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces&year=2019"
        "&directions=%2B,%2B,-",
        "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces&year=2019"
        "&directions=+,+,-&weights=entropy&normalise=pooled"};
    for (size_t i = 0; i < 2; i++) {
        json_t *j = tu_get(tu_store(), targets[i], 200);
        ck_assert_uint_eq(json_array_size(tu_at(j, "rows")), 31);
        ck_assert_uint_eq(json_array_size(tu_at(j, "indicators")), 3);
        ck_assert_uint_eq(json_array_size(tu_at(j, "warnings")), 0);
        ck_assert_str_eq(tu_str(j, "weights"), "entropy");
        ck_assert_str_eq(tu_str(j, "normalise"), "pooled");
        check_index(j, 0, &b, 0, 2019, 0);
        json_decref(j);
    }
}
END_TEST

/* pooled: min, max and entropy over every region-year at once, so scores compare across
 * years; ranks stay within a year. */
START_TEST(test_index_pooled_over_years)
{
    static double x[93 * 3];
    static struct bf_index b;
    for (int y = 0; y < 3; y++)
        index_values(2017 + y, (size_t)y * 31, x);
    brute_index(x, 93, 3, index_dirs, NULL, &b);
    json_t *j = tu_get(tu_store(),
                       "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
                       "&from=2017&to=2019&directions=%2B,%2B,-",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "rows")), 93);
    ck_assert_uint_eq(json_array_size(tu_at(j, "indicators")), 3);
    ck_assert(json_is_null(tu_at(j, "indicators.0.year")));
    for (int y = 0; y < 3; y++)
        check_index(j, 0, &b, 0, 2017 + y, (size_t)y * 31);
    json_decref(j);
}
END_TEST

/* by_year: each year's own min, max, entropy and weights; indicators[] per year. */
START_TEST(test_index_by_year)
{
    static double x[31 * 3];
    static struct bf_index b;
    json_t *j = tu_get(tu_store(),
                       "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
                       "&from=2018&to=2019&directions=%2B,%2B,-&normalise=by_year",
                       200);
    ck_assert_str_eq(tu_str(j, "normalise"), "by_year");
    ck_assert_uint_eq(json_array_size(tu_at(j, "indicators")), 6);
    for (int y = 0; y < 2; y++) {
        index_values(2018 + y, 0, x);
        brute_index(x, 31, 3, index_dirs, NULL, &b);
        ck_assert_int_eq((int)tu_num(j, y ? "indicators.3.year" : "indicators.0.year"), 2018 + y);
        check_index(j, (size_t)y * 3, &b, 0, 2018 + y, 0);
    }
    json_decref(j);
}
END_TEST

START_TEST(test_index_equal_and_given_weights)
{
    static double x[31 * 3];
    static struct bf_index b;
    index_values(2019, 0, x);
    const double ones[3] = {1, 1, 1}, given[3] = {2, 1, 1};
    brute_index(x, 31, 3, index_dirs, ones, &b);
    json_t *j = tu_get(tu_store(),
                       "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
                       "&year=2019&directions=%2B,%2B,-&weights=equal",
                       200);
    ck_assert_str_eq(tu_str(j, "weights"), "equal");
    check_index(j, 0, &b, 0, 2019, 0);
    json_decref(j);
    brute_index(x, 31, 3, index_dirs, given, &b);
    tu_assert_rel("given weight", b.w[0], 0.5, 1e-15);
    j = tu_get(tu_store(),
               "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
               "&year=2019&directions=%2B,%2B,-&weights=2,1,1",
               200);
    ck_assert_str_eq(tu_str(j, "weights"), "given");
    check_index(j, 0, &b, 0, 2019, 0);
    json_decref(j);
}
END_TEST

/* year=latest: the latest year in which every region has every indicator. */
START_TEST(test_index_latest_common_year)
{
    const struct group *g = provinces();
    int latest = 0;
    for (int year = 2000; year <= 2030; year++) {
        int all = 1;
        for (size_t k = 0; k < 31 && all; k++)
            for (size_t c = 0; c < 3 && all; c++)
                all = store_get(tu_store(), indicator(index_ids[c]), g->members[k], year) != NULL;
        if (all)
            latest = year;
    }
    ck_assert_int_gt(latest, 0);
    json_t *j = tu_get(tu_store(),
                       "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
                       "&year=latest&directions=%2B,%2B,-",
                       200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "years")), 1);
    ck_assert_int_eq((int)tu_num(j, "years.0"), latest);
    ck_assert_uint_eq(json_array_size(tu_at(j, "rows")), 31);
    json_decref(j);
}
END_TEST

START_TEST(test_index_csv_rows)
{
    json_t *j = tu_get(tu_store(),
                       "/v1/index?indicators=gdp_per_capita,gdp&regions=group:provinces&year=2019"
                       "&format=csv",
                       200);
    const char *text = json_string_value(j);
    ck_assert_msg(strncmp(text, "region,year,score,rank,topsis,topsis_rank\r\n", 43) == 0, "%.80s",
                  text);
    size_t lines = 0;
    for (const char *p = text; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    ck_assert_uint_eq(lines, 32);
    ck_assert_ptr_nonnull(strstr(text, "\r\nbeijing,2019,"));
    json_decref(j);
}
END_TEST

START_TEST(test_index_bad_parameters)
{
    const struct store *s = tu_store();
    const char *base = "/v1/index?indicators=gdp_per_capita,gdp&regions=group:provinces";
    char t[256];
    tu_expect_problem(s,
                      "/v1/index?indicators=gdp_per_capita,population&regions=group:provinces"
                      "&year=2019",
                      400, "missing_parameter", "directions", "population");
    snprintf(t, sizeof t, "%s&directions=%%2B", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "directions", "one per indicator");
    snprintf(t, sizeof t, "%s&directions=%%2B,up", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "directions", "'up'");
    snprintf(t, sizeof t, "%s&weights=shannon", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "weights", "entropy, equal");
    snprintf(t, sizeof t, "%s&weights=1,2,3", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "weights", "one per indicator");
    snprintf(t, sizeof t, "%s&weights=1,-2", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "weights", "-2");
    snprintf(t, sizeof t, "%s&weights=0,0", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "weights", NULL);
    /* a number longer than an item may be is named as too long, not as the item before it */
    snprintf(t, sizeof t, "%s&weights=1,0.%070d", base, 1);
    tu_expect_problem(s, t, 400, "bad_parameter", "weights", "(too long)");
    snprintf(t, sizeof t, "%s&normalise=zscore", base);
    tu_expect_problem(s, t, 400, "bad_parameter", "normalise", "pooled, by_year");
    snprintf(t, sizeof t, "%s&year=2019&to=2019", base);
    tu_expect_problem(s, t, 400, "conflicting_parameters", "year", NULL);
    tu_expect_problem(s, "/v1/index?regions=east", 400, "missing_parameter", "indicators", NULL);
    tu_expect_problem(s, "/v1/index?indicators=gdp", 400, "missing_parameter", "regions", NULL);
    tu_expect_problem(s, "/v1/index?indicators=gdp,nope&regions=east", 404, "unknown_indicator",
                      "indicators", NULL);
    tu_expect_problem(s, "/v1/index?indicators=gdp,gdp_per_capita&regions=beijing", 422,
                      "too_few_regions", "regions", NULL);
}
END_TEST

/* ---- a fixture database: data/ plus made-up indicators ---- */

static struct store *fx;
static char *fx_dir;

static void fx_setup(void)
{
    const struct store *s = tu_store();
    const struct group *g = provinces();
    char obs[8192];
    size_t at = 0;
    /* zeroeast: the northeast's provinces 0, the others 1, 2, ...: a group mean of 0 */
    for (size_t k = 0; k < g->n_members; k++) {
        const struct region *r = store_region_at(s, g->members[k]);
        int ne = strcmp(store_region_at(s, r->parent)->id, "northeast") == 0;
        at += (size_t)snprintf(obs + at, sizeof obs - at, "zeroeast,%s,2019,%d,,,\n", r->id,
                               ne ? 0 : (int)k + 1);
    }
    snprintf(obs + at, sizeof obs - at, "%s",
             /* flat: no spread in 2019 (a constant indicator), some in 2020 */
             "flat,east,2019,5,,,\nflat,central,2019,5,,,\nflat,west,2019,5,,,\n"
             "flat,northeast,2019,5,,,\n"
             "flat,east,2020,5,,,\nflat,central,2020,6,,,\nflat,west,2020,7,,,\n"
             "flat,northeast,2020,9,,,\n"
             /* lower: lower is better, with a gap (west has no 2020 value) */
             "lower,east,2019,3,,,\nlower,central,2019,1,,,\nlower,west,2019,4,,,\n"
             "lower,northeast,2019,2,,,\n"
             "lower,east,2020,2,,,\nlower,central,2020,2,,,\nlower,northeast,2020,8,,,\n"
             /* higher: higher is better */
             "higher,east,2019,10,,,\nhigher,central,2019,20,,,\nhigher,west,2019,15,,,\n"
             "higher,northeast,2019,40,,,\n"
             "higher,east,2020,12,,,\nhigher,central,2020,18,,,\nhigher,west,2020,16,,,\n"
             "higher,northeast,2020,30,,,\n");
    fx = tu_fixture_store("zeroeast,Zero east,,count,health,1,none,,\n"
                          "flat,Flat,,count,health,1,none,,\n"
                          "lower,Lower,,count,health,0,none,,\n"
                          "higher,Higher,,count,health,1,none,,\n",
                          obs, &fx_dir);
}

static void fx_teardown(void)
{
    store_free(fx);
    tu_rmrf(fx_dir);
    free(fx_dir);
}

/* A group whose mean is 0 has no Gini of its own: 422 naming group_by, never NaN. */
/* No spread and no numeric bandwidth: 422 naming the year; a number makes it defined. */
START_TEST(test_density_zero_spread)
{
    tu_expect_problem(fx, "/v1/gaps/density?indicator=flat&regions=group:four_regions&year=2019",
                      422, "undefined", "bandwidth", "2019");
    tu_expect_problem(fx,
                      "/v1/gaps/density?indicator=flat&regions=group:four_regions&from=2019"
                      "&bandwidth=scipy_scott",
                      422, "undefined", "bandwidth", "2019");
    json_t *j = tu_get(fx,
                       "/v1/gaps/density?indicator=flat&regions=group:four_regions&year=2019"
                       "&bandwidth=0.5&points=3",
                       200);
    double five[4] = {5, 5, 5, 5};
    tu_assert_rel("flat from", tu_num(j, "years.0.points.0.x"), 3.5, 1e-14);
    tu_assert_rel("flat at 5", tu_num(j, "years.0.points.1.density"),
                  direct_density(five, 4, 0.5, 5), 1e-12);
    json_decref(j);
}
END_TEST

/* A constant indicator gets weight 0 and a warning; a region-year is used only when every
 * indicator has a value, and the panel stays balanced (what was left out is said). */
START_TEST(test_index_constant_indicator_and_left_out)
{
    json_t *j = tu_get(fx,
                       "/v1/index?indicators=flat,higher,lower&regions=group:four_regions"
                       "&from=2019&to=2020",
                       200);
    /* lower has no west 2020: 2020 is left out, 2019 kept (flat is constant there) */
    ck_assert_uint_eq(json_array_size(tu_at(j, "rows")), 4);
    ck_assert_int_eq((int)tu_num(j, "left_out.years.0.year"), 2020);
    ck_assert_str_eq(tu_str(j, "left_out.years.0.missing.0"), "west");
    ck_assert_str_eq(tu_str(j, "indicators.0.indicator.id"), "flat");
    ck_assert_double_eq(tu_num(j, "indicators.0.weight"), 0);
    ck_assert_str_eq(tu_str(j, "warnings.0.indicator"), "flat");
    ck_assert_str_eq(tu_str(j, "indicators.2.direction"), "-"); /* higher_is_better 0 */
    /* by hand: higher 10, 20, 15, 40 -> z 0, 1/3, 1/6, 1; lower 3, 1, 4, 2 -> z 1/3, 1, 0, 2/3;
     * each column's z sums to 1.5 and 2, p = z / sum, e = -sum p ln p / ln 4 */
    double zh[4] = {0, 1.0 / 3, 1.0 / 6, 1}, zl[4] = {1.0 / 3, 1, 0, 2.0 / 3};
    double eh = 0, el = 0;
    for (int k = 0; k < 4; k++) {
        if (zh[k] > 0)
            eh -= zh[k] / 1.5 * log(zh[k] / 1.5);
        if (zl[k] > 0)
            el -= zl[k] / 2 * log(zl[k] / 2);
    }
    eh /= log(4);
    el /= log(4);
    double wh = (1 - eh) / (2 - eh - el), wl = (1 - el) / (2 - eh - el);
    tu_assert_rel("entropy higher", tu_num(j, "indicators.1.entropy"), eh, 1e-12);
    tu_assert_rel("weight lower", tu_num(j, "indicators.2.weight"), wl, 1e-12);
    const char *order[4] = {"east", "central", "west", "northeast"};
    for (int k = 0; k < 4; k++) {
        json_t *row = json_array_get(tu_at(j, "rows"), (size_t)k);
        ck_assert_str_eq(tu_str(row, "region.id"), order[k]);
        tu_assert_rel("fixture score", tu_num(row, "score"), wh * zh[k] + wl * zl[k], 1e-12);
    }
    json_decref(j);
    tu_expect_problem(fx, "/v1/index?indicators=flat&regions=group:four_regions&year=2019", 422,
                      "undefined", "indicators", "constant");
    /* west has no year with both: left out, with its reason */
    j = tu_get(fx, "/v1/index?indicators=flat,lower&regions=group:four_regions&year=2020", 200);
    ck_assert_uint_eq(json_array_size(tu_at(j, "rows")), 3);
    ck_assert_str_eq(tu_str(j, "left_out.regions.0.region"), "west");
    ck_assert_ptr_nonnull(strstr(tu_str(j, "left_out.regions.0.reason"), "every indicator"));
    json_decref(j);
    tu_expect_problem(fx, "/v1/index?indicators=flat,lower&regions=west,east&year=2020", 422,
                      "too_few_regions", "regions", NULL);
}
END_TEST

START_TEST(test_dagum_zero_group_mean_is_422)
{
    tu_expect_problem(fx,
                      "/v1/gaps/dispersion?indicator=zeroeast&regions=group:provinces"
                      "&group_by=parent&measures=gini",
                      422, "undefined", "group_by", "dagum");
    /* the plain Gini is defined */
    json_t *j = tu_get(fx,
                       "/v1/gaps/dispersion?indicator=zeroeast&regions=group:provinces"
                       "&measures=gini",
                       200);
    ck_assert(tu_num(j, "years.0.gini") > 0);
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyses");
    TCase *dg = tcase_create("dagum");
    tcase_add_test(dg, test_dagum_provinces_by_macro_region);
    tcase_add_test(dg, test_dagum_population_weights);
    tcase_add_test(dg, test_dagum_only_with_group_by_and_gini);
    tcase_add_test(dg, test_dispersion_extremes_keep_status);
    tcase_add_test(dg, test_dagum_csv_columns);
    suite_add_tcase(s, dg);
    TCase *de = tcase_create("density");
    tcase_add_test(de, test_density_provinces_nrd0_against_r);
    tcase_add_test(de, test_density_bandwidth_rules_against_r);
    tcase_add_test(de, test_density_relative_to_mean);
    tcase_add_test(de, test_density_years_share_one_grid);
    tcase_add_test(de, test_density_at_points_and_numeric_bandwidth);
    tcase_add_test(de, test_density_csv_one_row_per_year_and_x);
    tcase_add_test(de, test_density_bad_parameters);
    suite_add_tcase(s, de);
    TCase *ix = tcase_create("index");
    tcase_add_test(ix, test_index_entropy_topsis_one_year);
    tcase_add_test(ix, test_index_pooled_over_years);
    tcase_add_test(ix, test_index_by_year);
    tcase_add_test(ix, test_index_equal_and_given_weights);
    tcase_add_test(ix, test_index_latest_common_year);
    tcase_add_test(ix, test_index_csv_rows);
    tcase_add_test(ix, test_index_bad_parameters);
    suite_add_tcase(s, ix);
    TCase *f = tcase_create("fixture");
    tcase_add_unchecked_fixture(f, fx_setup, fx_teardown);
    tcase_add_test(f, test_dagum_zero_group_mean_is_422);
    tcase_add_test(f, test_density_zero_spread);
    tcase_add_test(f, test_index_constant_indicator_and_left_out);
    suite_add_tcase(s, f);
    return tu_run(s);
}
