/* api/h_spatial.c — GET /v1/gaps/spatial: global Moran's I (Cliff-Ord, both variances, as R
 * spdep moran.test) and local Moran (as spdep localmoran) of the regions' values in each year
 * of a balanced panel, over binary contiguity, row-standardised (api/contiguity). The
 * statistics are api/metrics/spatial; this file picks the data and the weights, checks the
 * parameters and shapes the answer. */
#include <stdlib.h>
#include <string.h>

#include "contiguity.h"
#include "handlers.h"
#include "metrics/spatial.h"
#include "out.h"
#include "panel.h"
#include "select.h"

#define SPATIAL_DEFAULT_REGIONS "group:provinces"

struct spatial_req {
    uint32_t ind;
    struct selection sel;
    struct year_range yr;
    struct contiguity_opts opts;
};

static int parse_spatial(const struct store *s, const struct query *q, struct spatial_req *rq,
                         struct api_error *err)
{
    int bad;
    const char *id = query_require(q, "indicator", err);
    if (!id)
        return -1;
    const char *list = query_value(q, "regions", err, &bad);
    if (bad)
        return -1;
    rq->ind = select_indicator(s, id, "indicator", err);
    if (rq->ind == STORE_NONE || select_year_range(q, 1, &rq->yr, err) != 0 ||
        contiguity_parse(q, &rq->opts, err) != 0 ||
        select_regions(s, list ? list : SPATIAL_DEFAULT_REGIONS, "regions", &rq->sel, err) != 0)
        return -1;
    return select_resolve_latest(s, rq->ind, &rq->sel, &rq->yr, id, err);
}

static int all_equal(const double *x, size_t n)
{
    for (size_t k = 1; k < n; k++)
        if (x[k] != x[0])
            return 0;
    return 1;
}

/* The metrics' refusal for year YEAR as a 422. */
static int moran_error(int code, const struct panel *p, size_t y, const struct contiguity *c,
                       struct api_error *err)
{
    int year = p->years[y];
    if (code == METRICS_E_TOO_FEW)
        return api_fail(err, 422, "too_few_regions", "regions",
                        "Moran's I needs at least 4 regions with neighbours; %d has %zu "
                        "(%zu region%s, %zu without neighbours)",
                        year, p->nr - c->n_isolated, p->nr, p->nr == 1 ? "" : "s", c->n_isolated);
    if (code == METRICS_E_DEGENERATE && all_equal(panel_row(p, y), p->nr))
        return api_fail(err, 422, "undefined", "indicator",
                        "Moran's I is undefined in %d: every region has the same value (zero "
                        "variance)",
                        year);
    if (code == METRICS_E_DEGENERATE)
        return api_fail(err, 422, "undefined", "indicator",
                        "Moran's I is undefined in %d: the randomisation variance is not "
                        "positive (the values' kurtosis is too extreme)",
                        year);
    return api_fail(err, 422, "undefined", "indicator", "Moran's I is undefined in %d: %s", year,
                    metrics_strerror(code));
}

static void moran_doc(struct doc *d, const struct spatial_moran *m)
{
    doc_object_begin(d);
    doc_set_num(d, "i", m->i);
    doc_set_num(d, "expected", m->expected);
    doc_set_num(d, "variance_normal", m->variance_normal);
    doc_set_num(d, "variance_random", m->variance_random);
    doc_set_num(d, "z_normal", m->z_normal);
    doc_set_num(d, "z_random", m->z_random);
    doc_set_num(d, "p_greater_normal", m->p_greater_normal);
    doc_set_num(d, "p_greater_random", m->p_greater_random);
    doc_set_num(d, "p_two_sided_normal", m->p_two_sided_normal);
    doc_set_num(d, "p_two_sided_random", m->p_two_sided_random);
    doc_object_end(d);
}

static void local_doc(struct doc *d, const char *region, double value,
                      const struct spatial_local *l)
{
    /* spatial_quadrant_name's texts, without a call per unit */
    static const char *const quadrant[] = {
        [SPATIAL_HH] = "HH", [SPATIAL_LH] = "LH", [SPATIAL_LL] = "LL", [SPATIAL_HL] = "HL"};
    doc_object_begin(d);
    doc_set_str(d, "region", region);
    doc_set_num(d, "value", value);
    doc_set_num(d, "i", l->i);
    doc_set_num(d, "lag", l->lag);
    doc_set_num(d, "expected", l->expected);
    doc_set_num(d, "variance", l->variance);
    /* spdep gives NaN here (a zero variance); the conventions say why it is null */
    if (l->has_z) {
        doc_set_num(d, "z", l->z);
        doc_set_num(d, "p_two_sided", l->p_two_sided);
    } else {
        doc_set_null(d, "z");
        doc_set_null(d, "p_two_sided");
    }
    doc_set_str(d, "quadrant", quadrant[l->quadrant]);
    doc_object_end(d);
}

/* One year's entry: year, n, n_used, moran, local[]. */
static int year_doc(struct doc *d, const char *const *ids, const struct panel *p, size_t y,
                    const struct contiguity *c, const struct spatial_plan *plan,
                    struct spatial_local *local, struct api_error *err)
{
    const double *x = panel_row(p, y);
    struct spatial_moran m;
    int code = spatial_moran_both(plan, x, &m, local);
    if (code != METRICS_OK)
        return moran_error(code, p, y, c, err);
    doc_object_begin(d);
    doc_set_int(d, "year", p->years[y]);
    doc_set_int(d, "n", (long long)m.n);
    doc_set_int(d, "n_used", (long long)m.n_used);
    doc_key(d, "moran");
    moran_doc(d, &m);
    doc_key(d, "local");
    doc_array_begin(d);
    for (size_t k = 0; k < p->nr; k++)
        local_doc(d, ids[k], x[k], &local[k]);
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

/* The members before years: indicator, regions, weights, conventions, left_out. */
static void spatial_head(struct doc *d, const struct store *s, const struct query *q,
                         const struct spatial_req *rq, const struct panel *p,
                         const struct contiguity *c)
{
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq->ind, q);
    doc_key(d, "regions");
    out_region_ids_doc(d, s, p->regions, p->nr);
    doc_key(d, "weights");
    contiguity_doc(d, s, p->regions, c, &rq->opts);
    static const char *const conv[] = {
        "balanced",
        "every year listed has a value for every region listed; the rest is in left_out",
        "weights",
        "binary contiguity from the neighbours (land borders, and links added by hand unless "
        "links=exclude) among the regions listed, row-standardised: w_ij = 1 / d_i",
        "moran",
        "global Moran's I = (n_used / S0) z'Wz / z'z with z = x - mean(x) over all n regions, "
        "Cliff-Ord E[I] = -1/(n_used - 1) and variances under normality and randomisation, as R "
        "spdep moran.test (zero.policy, adjust.n); p_greater one-sided, p_two_sided = 2 P(Z > "
        "|z|)",
        "local",
        "local Moran as R spdep localmoran (conditional randomisation, two-sided p); lag is the "
        "mean of the neighbours' values; z and p_two_sided are null where the variance is 0 (a "
        "region without neighbours, or a value equal to the mean); quadrant: own centred value "
        "and centred lag, each H when > 0 (HH, LH, LL, HL)",
        "isolated",
        "error (default): a region without neighbours is a 422; keep: its lag is 0 and n_used "
        "(the n of I, E[I] and the variances) leaves it out, as spdep's zero.policy = TRUE",
        NULL};
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "left_out");
    out_left_out_doc(d, s, p, NULL);
}

int gaps_spatial(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct spatial_req rq;
    struct panel p = {0};
    struct contiguity c = {0};
    struct spatial_plan k;
    struct spatial_local *local = NULL;
    const char **ids = NULL;
    int rc = -1, code;
    memset(&rq, 0, sizeof rq);
    if (parse_spatial(s, q, &rq, err) != 0 ||
        panel_build(s, rq.ind, STORE_NONE, &rq.sel, &rq.yr, &p, err) != 0)
        goto done;
    if (panel_require(&p, 4, 1, "Moran's I", err) != 0)
        goto done;
    if (contiguity_build(s, p.regions, p.nr, &rq.opts, &c, err) != 0 ||
        contiguity_require_neighbours(s, p.regions, &c, &rq.opts, err) != 0)
        goto done;
    /* the weights' checks and constants once for all the years */
    if ((code = spatial_plan_make(&c.w, &k)) != METRICS_OK) {
        moran_error(code, &p, 0, &c, err);
        goto done;
    }
    local = malloc(p.nr * sizeof *local);
    ids = malloc(p.nr * sizeof *ids);
    if (!local || !ids) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    /* every year lists every region: their ids looked up once */
    for (size_t r = 0; r < p.nr; r++)
        ids[r] = store_region_at(s, p.regions[r])->id;
    doc_object_begin(d);
    spatial_head(d, s, q, &rq, &p, &c);
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t y = 0; y < p.ny; y++)
        if (year_doc(d, ids, &p, y, &c, &k, local, err) != 0)
            goto done;
    doc_array_end(d);
    doc_object_end(d);
    rc = 0;
done:
    free(ids);
    free(local);
    contiguity_free(&c);
    panel_free(&p);
    selection_free(&rq.sel);
    return rc;
}
