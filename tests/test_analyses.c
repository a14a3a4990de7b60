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

static json_t *get(const struct store *s, const char *target, int expect_status)
{
    int status = 0;
    json_t *j = tu_api(s, target, &status);
    ck_assert_msg(j != NULL, "no JSON for %s", target);
    if (status != expect_status) {
        char *text = json_dumps(j, JSON_ENCODE_ANY);
        ck_abort_msg("%s: status %d, wanted %d: %.600s", target, status, expect_status, text);
    }
    return j;
}

static void expect_problem(const struct store *s, const char *target, int status, const char *code,
                           const char *param, const char *says)
{
    json_t *j = get(s, target, status);
    ck_assert_str_eq(tu_str(j, "code"), code);
    if (param)
        ck_assert_str_eq(tu_str(j, "param"), param);
    if (says)
        ck_assert_msg(strstr(tu_str(j, "detail"), says) != NULL, "%s: '%s' lacks '%s'", target,
                      tu_str(j, "detail"), says);
    json_decref(j);
}

static void assert_rel(const char *what, double got, double want, double rel)
{
    double tol = want == 0 ? 1e-14 : rel * fabs(want);
    ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s = %.17g, want %.17g", what, got,
                  want);
}

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
    json_t *j = get(s, t, 200);
    json_t *d = tu_at(j, "years.0.dagum");
    ck_assert_msg(json_is_object(d), "%s: no dagum", t);
    const double rel = 1e-10;
    assert_rel("gini", tu_num(d, "gini"), b.gini, rel);
    assert_rel("gini = years.gini", tu_num(d, "gini"), tu_num(j, "years.0.gini"), rel);
    assert_rel("within", tu_num(d, "within"), b.within, rel);
    assert_rel("net_between", tu_num(d, "net_between"), b.net_between, rel);
    assert_rel("transvariation", tu_num(d, "transvariation"), b.transvariation, rel);
    assert_rel("between", tu_num(d, "between"), b.net_between + b.transvariation, rel);
    assert_rel("shares.within", tu_num(d, "shares.within"), 100 * b.within / b.gini, rel);
    assert_rel("shares.net_between", tu_num(d, "shares.net_between"), 100 * b.net_between / b.gini,
               rel);
    assert_rel("shares.transvariation", tu_num(d, "shares.transvariation"),
               100 * b.transvariation / b.gini, rel);
    json_t *groups = tu_at(d, "groups");
    ck_assert_uint_eq(json_array_size(groups), 4);
    for (size_t k = 0; k < 4; k++) {
        json_t *e = json_array_get(groups, k);
        size_t bg = bf_group(&b, tu_str(e, "group.id"));
        ck_assert_int_eq((int)tu_num(e, "n"), (int)b.n[bg]);
        assert_rel("group mean", tu_num(e, "mean"), b.mean[bg], rel);
        assert_rel("population_share", tu_num(e, "population_share"), b.p[bg], rel);
        assert_rel("income_share", tu_num(e, "income_share"), b.s[bg], rel);
        assert_rel("group gini", tu_num(e, "gini"), b.g[bg][bg], rel);
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
        assert_rel("pair gini", tu_num(e, "gini"), b.g[a][c], rel);
        assert_rel("relative_affluence", D, b.d[a][c], rel);
        double f = b.g[a][c] * (b.p[a] * b.s[c] + b.p[c] * b.s[a]);
        assert_rel("pair net_between", tu_num(e, "net_between"), f * b.d[a][c], rel);
        assert_rel("pair transvariation", tu_num(e, "transvariation"), f * (1 - b.d[a][c]), rel);
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
    json_t *j = get(tu_store(),
                    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                    "&year=2019",
                    200);
    ck_assert_ptr_null(tu_at(j, "years.0.dagum"));
    json_decref(j);
    j = get(tu_store(),
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
    json_t *j = get(tu_store(),
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
    json_t *j = get(tu_store(),
                    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                    "&year=2019&group_by=parent&format=csv",
                    200);
    const char *text = json_string_value(j);
    ck_assert_ptr_nonnull(strstr(text, "dagum_gini,dagum_within,dagum_net_between,"
                                       "dagum_transvariation,dagum_between"));
    json_decref(j);
}
END_TEST

/* ---- a fixture database: data/ plus made-up indicators ---- */

static struct store *fx;
static char *fx_dir;

/* Imports data/ with INDICATORS and OBSERVATIONS (CSV rows) appended, in a new folder. */
static struct store *fixture_store(const char *indicators, const char *observations, char **dir)
{
    *dir = tu_tmpdir();
    ck_assert_int_eq(tu_copy_data(*dir), 0);
    char path[512], db[512];
    snprintf(path, sizeof path, "%s/indicators.csv", *dir);
    ck_assert_int_eq(tu_append(path, indicators), 0);
    snprintf(path, sizeof path, "%s/observations.csv", *dir);
    ck_assert_int_eq(tu_append(path, observations), 0);
    snprintf(db, sizeof db, "%s/fixture.db", *dir);
    char *msg = NULL;
    size_t len;
    FILE *errs = open_memstream(&msg, &len);
    int rc = import_dir(*dir, db, errs);
    fclose(errs);
    ck_assert_msg(rc == 0, "%s", msg);
    free(msg);
    struct api_error err;
    struct store *s = store_load(db, &err);
    ck_assert_ptr_nonnull(s);
    return s;
}

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
    fx = fixture_store("zeroeast,Zero east,,count,health,1,none,,\n"
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
START_TEST(test_dagum_zero_group_mean_is_422)
{
    expect_problem(fx,
                   "/v1/gaps/dispersion?indicator=zeroeast&regions=group:provinces"
                   "&group_by=parent&measures=gini",
                   422, "undefined", "group_by", "dagum");
    /* the plain Gini is defined */
    json_t *j = get(fx,
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
    TCase *f = tcase_create("fixture");
    tcase_add_unchecked_fixture(f, fx_setup, fx_teardown);
    tcase_add_test(f, test_dagum_zero_group_mean_is_422);
    suite_add_tcase(s, f);
    return tu_run(s);
}
