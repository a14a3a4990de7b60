/* api/h_mobility.c — GET /v1/gaps/mobility: the Markov chain of the regions' classes (by
 * default of their values relative to each year's mean) from year to year over a balanced
 * panel, and with spatial=1 the spatial Markov chain conditioned on the class of the
 * neighbours' mean (as PySAL giddy's Markov and Spatial_Markov, with the Bickenbach-Bode
 * homogeneity tests). Cut points, classes, counts, steady states and tests are api/metrics/markov;
 * this file picks the data and the weights, checks the parameters and shapes the answer. */
#include <stdlib.h>
#include <string.h>

#include "contiguity.h"
#include "handlers.h"
#include "import.h"
#include "metrics/markov.h"
#include "out.h"
#include "panel.h"
#include "select.h"

#define MOBILITY_DEFAULT_REGIONS "group:provinces"
#define MOBILITY_DEFAULT_CLASSES 4
#define MAX_CUTS                 (MARKOV_MAX_CLASSES - 1)

/* How one variable (the values, or their spatial lag) is cut into classes. */
struct class_spec {
    const char *count_param, *breaks_param; /* "classes", "breaks" or the lag_ pair */
    size_t k_asked;                         /* classes=K, or breaks + 1 */
    int given;                              /* breaks= given */
    double breaks[MAX_CUTS];
};

/* The cut points of one variable: one set (pooled or given), or one per year (by_year). */
struct classes {
    size_t k;     /* classes that came back: ncuts + 1 */
    size_t ncuts; /* the same in every year */
    double *cuts; /* MAX_CUTS per set: 1 set, or ny sets when by_year; owned */
    size_t *ids;  /* ny * nr class ids (0 = lowest), year by year; owned */
};

struct mobility_req {
    uint32_t ind;
    struct selection sel;
    struct year_range yr;
    int relative; /* index in relative_choices: 0 mean, 1 none */
    int by_year;  /* quantiles=by_year */
    int spatial;
    struct class_spec cls, lag;
    struct contiguity_opts opts;
};

static const char *const relative_choices[] = {"mean", "none", NULL};
static const char *const quantile_choices[] = {"pooled", "by_year", NULL};
static const char *const flag_choices[] = {"0", "1", "false", "true", NULL};

/* breaks=b1,b2,...: 1 to MAX_CUTS finite numbers, strictly increasing. */
static int parse_breaks(const char *list, struct class_spec *cs, struct api_error *err)
{
    const char *p = list, *item;
    size_t len, n = 0;
    while (query_list_next(&p, &item, &len)) {
        char text[64];
        if (n == MAX_CUTS)
            return api_fail(err, 400, "bad_parameter", cs->breaks_param,
                            "%s lists more than %d cut points (at most %d classes)",
                            cs->breaks_param, MAX_CUTS, MARKOV_MAX_CLASSES);
        if (len == 0 || len >= sizeof text)
            return api_fail(err, 400, "bad_parameter", cs->breaks_param,
                            "%s must list finite numbers separated by commas; item %zu is %s",
                            cs->breaks_param, n + 1, len ? "too long" : "empty");
        memcpy(text, item, len);
        text[len] = '\0';
        if (import_parse_number(text, &cs->breaks[n]) != 0)
            return api_fail(err, 400, "bad_parameter", cs->breaks_param,
                            "%s must list finite numbers; '%s' is not one", cs->breaks_param, text);
        if (n > 0 && !(cs->breaks[n] > cs->breaks[n - 1]))
            return api_fail(err, 400, "bad_parameter", cs->breaks_param,
                            "%s must be strictly increasing; %g follows %g", cs->breaks_param,
                            cs->breaks[n], cs->breaks[n - 1]);
        n++;
    }
    cs->k_asked = n + 1;
    cs->given = 1;
    return 0;
}

/* classes=K (2..10, default 4) or breaks=..., not both. */
static int parse_class_spec(const struct query *q, struct class_spec *cs, struct api_error *err)
{
    int bad;
    double k = MOBILITY_DEFAULT_CLASSES;
    const char *breaks = query_value(q, cs->breaks_param, err, &bad);
    if (bad)
        return -1;
    int has_k = query_number(q, cs->count_param, &k, err);
    if (has_k < 0)
        return -1;
    if (has_k && breaks)
        return api_fail(err, 400, "conflicting_parameters", cs->breaks_param,
                        "give either %s= (quantile classes) or %s= (the cut points)",
                        cs->count_param, cs->breaks_param);
    if (breaks)
        return parse_breaks(breaks, cs, err);
    if (!(k >= 2 && k <= MARKOV_MAX_CLASSES && k == (double)(size_t)k))
        return api_fail(err, 400, "bad_parameter", cs->count_param,
                        "%s must be a whole number from 2 to %d, not %g", cs->count_param,
                        MARKOV_MAX_CLASSES, k);
    cs->k_asked = (size_t)k;
    return 0;
}

/* The spatial-only parameters need spatial=1. */
static int parse_spatial_part(const struct query *q, struct mobility_req *rq, struct api_error *err)
{
    static const char *const only[] = {"lag_classes", "lag_breaks", "links", "isolated", NULL};
    if (!rq->spatial) {
        for (const char *const *p = only; *p; p++)
            if (query_get(q, *p))
                return api_fail(err, 400, "conflicting_parameters", *p,
                                "%s applies to the spatial Markov chain: give spatial=1", *p);
        return 0;
    }
    return parse_class_spec(q, &rq->lag, err) != 0 || contiguity_parse(q, &rq->opts, err) != 0 ? -1
                                                                                               : 0;
}

static int parse_mobility(const struct store *s, const struct query *q, struct mobility_req *rq,
                          struct api_error *err)
{
    int bad, flag;
    const char *id = query_require(q, "indicator", err);
    if (!id)
        return -1;
    const char *list = query_value(q, "regions", err, &bad);
    if (bad)
        return -1;
    rq->cls = (struct class_spec){.count_param = "classes", .breaks_param = "breaks"};
    rq->lag = (struct class_spec){.count_param = "lag_classes", .breaks_param = "lag_breaks"};
    rq->ind = select_indicator(s, id, "indicator", err);
    if (rq->ind == STORE_NONE || select_year_range(q, 0, &rq->yr, err) != 0 ||
        query_choice(q, "relative", relative_choices, 0, &rq->relative, err) != 0 ||
        query_choice(q, "quantiles", quantile_choices, 0, &rq->by_year, err) != 0 ||
        query_choice(q, "spatial", flag_choices, 0, &flag, err) != 0)
        return -1;
    rq->spatial = flag & 1;
    if (parse_class_spec(q, &rq->cls, err) != 0 || parse_spatial_part(q, rq, err) != 0)
        return -1;
    if (query_get(q, "quantiles") && rq->cls.given && (!rq->spatial || rq->lag.given))
        return api_fail(err, 400, "conflicting_parameters", "quantiles",
                        "quantiles= applies to quantile classes; breaks= gives the cut points");
    return select_regions(s, list ? list : MOBILITY_DEFAULT_REGIONS, "regions", &rq->sel, err);
}

/* V: the panel's values, divided by each year's mean unless relative=none. */
static int mobility_values(const struct mobility_req *rq, const struct panel *p, double *v,
                           struct api_error *err)
{
    for (size_t y = 0; y < p->ny; y++) {
        const double *x = panel_row(p, y);
        if (rq->relative == 1) {
            memcpy(&v[y * p->nr], x, p->nr * sizeof *v);
            continue;
        }
        int code = markov_relative(x, p->nr, 1, &v[y * p->nr]);
        if (code != METRICS_OK)
            return api_fail(err, 422, "undefined", "relative",
                            "values relative to the mean are undefined in %d: %s (give "
                            "relative=none)",
                            p->years[y], metrics_strerror(code));
    }
    return 0;
}

static void classes_free(struct classes *c)
{
    free(c->cuts);
    free(c->ids);
    memset(c, 0, sizeof *c);
}

/* Cuts V (ny * nr values, year by year) into classes by CS: the given breaks, pooled type-7
 * quantiles, or quantiles per year (BY_YEAR; a year whose cuts tie is a 422). WHAT names the
 * variable in messages. */
static int classes_build(const struct class_spec *cs, int by_year, const double *v,
                         const struct panel *p, const char *what, struct classes *out,
                         struct api_error *err)
{
    size_t nr = p->nr, ny = p->ny, sets = by_year && !cs->given ? ny : 1;
    double *work = malloc(ny * nr * sizeof *work);
    int rc = -1, code = METRICS_OK;
    memset(out, 0, sizeof *out);
    out->cuts = malloc(sets * MAX_CUTS * sizeof *out->cuts);
    out->ids = malloc(ny * nr * sizeof *out->ids);
    if (!work || !out->cuts || !out->ids) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (cs->given) {
        memcpy(out->cuts, cs->breaks, (cs->k_asked - 1) * sizeof *out->cuts);
        out->ncuts = cs->k_asked - 1;
    } else if (sets == 1) {
        code = markov_quantile_cuts(v, ny * nr, cs->k_asked, work, out->cuts, &out->ncuts);
    }
    for (size_t y = 0; code == METRICS_OK && y < ny; y++) {
        double *cuts = &out->cuts[(sets == 1 ? 0 : y) * MAX_CUTS];
        size_t nc = out->ncuts;
        if (sets > 1) {
            code = markov_quantile_cuts(&v[y * nr], nr, cs->k_asked, work, cuts, &nc);
            if (code == METRICS_OK && nc != cs->k_asked - 1) {
                api_fail(err, 422, "undefined", "quantiles",
                         "quantiles=by_year: the %zu quantile classes of %s tie in %d (%zu "
                         "distinct); use quantiles=pooled or fewer %s",
                         cs->k_asked, what, p->years[y], nc + 1, cs->count_param);
                goto done;
            }
            out->ncuts = nc;
        }
        if (code == METRICS_OK)
            code = markov_classify(&v[y * nr], nr, cuts, nc, &out->ids[y * nr]);
    }
    if (code != METRICS_OK) {
        api_fail(err, 422, "undefined", cs->count_param, "the classes of %s are undefined: %s",
                 what, metrics_strerror(code));
        goto done;
    }
    out->k = out->ncuts + 1;
    rc = 0;
done:
    free(work);
    return rc;
}

/* classes[] {class, upper}: class 1 is the lowest; the last upper (and every upper when the
 * cuts differ by year) is null. */
static json_t *classes_json(const struct classes *c, int per_year)
{
    json_t *list = json_array();
    for (size_t k = 0; k < c->k; k++) {
        json_t *e = json_object();
        out_set(e, "class", json_integer((json_int_t)k + 1));
        out_set(e, "upper", k < c->ncuts && !per_year ? out_num(c->cuts[k]) : json_null());
        json_array_append_new(list, e);
    }
    return list;
}

/* [{year, cuts: [...]}] of per-year cut points. */
static json_t *cuts_by_year_json(const struct classes *c, const struct panel *p)
{
    json_t *list = json_array();
    for (size_t y = 0; y < p->ny; y++) {
        json_t *e = json_object(), *cuts = json_array();
        for (size_t k = 0; k < c->ncuts; k++)
            json_array_append_new(cuts, out_num(c->cuts[y * MAX_CUTS + k]));
        out_set(e, "year", json_integer(p->years[y]));
        out_set(e, "cuts", cuts);
        json_array_append_new(list, e);
    }
    return list;
}

static json_t *matrix_json(const double (*m)[MARKOV_MAX_CLASSES], size_t rows, size_t k, int counts)
{
    json_t *outer = json_array();
    for (size_t i = 0; i < rows; i++) {
        json_t *row = json_array();
        for (size_t j = 0; j < k; j++)
            json_array_append_new(row,
                                  counts ? json_integer((json_int_t)m[i][j]) : out_num(m[i][j]));
        json_array_append_new(outer, row);
    }
    return outer;
}

/* transitions, probabilities, steady_states of chain C into OBJ. */
static void chain_json(json_t *obj, const struct markov_chain *c)
{
    out_set(obj, "transitions", matrix_json(c->transitions, c->k, c->k, 1));
    out_set(obj, "probabilities", matrix_json(c->probabilities, c->k, c->k, 0));
    out_set(obj, "steady_states", matrix_json(c->steady_states, c->n_recurrent, c->k, 0));
}

/* The chain's cells as rows (the CSV form): lag_class is null for the pooled chain. */
static void cells_json(json_t *cells, const struct markov_chain *c, size_t lag_class)
{
    for (size_t i = 0; i < c->k; i++)
        for (size_t j = 0; j < c->k; j++) {
            json_t *e = json_object();
            out_set(e, "lag_class", lag_class ? json_integer((json_int_t)lag_class) : json_null());
            out_set(e, "from_class", json_integer((json_int_t)i + 1));
            out_set(e, "to_class", json_integer((json_int_t)j + 1));
            out_set(e, "count", json_integer((json_int_t)c->transitions[i][j]));
            out_set(e, "probability", out_num(c->probabilities[i][j]));
            json_array_append_new(cells, e);
        }
}

static json_t *paths_json(const struct store *s, const struct panel *p, const size_t *ids)
{
    json_t *list = json_array();
    for (size_t r = 0; r < p->nr; r++) {
        json_t *e = json_object(), *path = json_array();
        for (size_t y = 0; y < p->ny; y++) {
            json_t *step = json_object();
            out_set(step, "year", json_integer(p->years[y]));
            out_set(step, "class", json_integer((json_int_t)ids[y * p->nr + r] + 1));
            json_array_append_new(path, step);
        }
        out_set(e, "region", json_string(store_region_at(s, p->regions[r])->id));
        out_set(e, "path", path);
        json_array_append_new(list, e);
    }
    return list;
}

/* A warning when tied quantile cuts merged classes. */
static void tie_warning(json_t *warnings, const struct class_spec *cs, const struct classes *c)
{
    if (cs->given || c->k == cs->k_asked)
        return;
    char text[200];
    snprintf(text, sizeof text,
             "%s=%zu: tied quantile cuts merged, so %zu class%s came back (equal cut points, or "
             "a cut at the maximum, are dropped)",
             cs->count_param, cs->k_asked, c->k, c->k == 1 ? "" : "es");
    json_array_append_new(warnings, json_string(text));
}

static json_t *homogeneity_json(const struct markov_homogeneity *h)
{
    json_t *o = json_object();
    out_set(o, "q", out_num(h->q));
    out_set(o, "lr", out_num(h->lr));
    out_set(o, "dof", json_integer((json_int_t)h->dof));
    out_set(o, "q_p_value", h->has_p_value ? out_num(h->q_p_value) : json_null());
    out_set(o, "lr_p_value", h->has_p_value ? out_num(h->lr_p_value) : json_null());
    return o;
}

/* The spatial part: weights, lag classes, conditional chains, homogeneity; their cells go into
 * CELLS. */
static int spatial_json(const struct store *s, const struct mobility_req *rq, const struct panel *p,
                        const double *v, const struct classes *cls, json_t *doc, json_t *cells,
                        json_t *warnings, struct api_error *err)
{
    struct contiguity c = {0};
    struct classes lag = {0};
    struct markov_spatial *sm = malloc(sizeof *sm);
    double *lagv = malloc(p->ny * p->nr * sizeof *lagv);
    int rc = -1, code;
    if (!sm || !lagv) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (contiguity_build(s, p->regions, p->nr, &rq->opts, &c, err) != 0 ||
        contiguity_require_neighbours(s, p->regions, &c, &rq->opts, err) != 0)
        goto done;
    if ((code = markov_panel_lag(&c.w, v, p->ny, lagv)) != METRICS_OK) {
        api_fail(err, 422, "undefined", "spatial", "the spatial lag is undefined: %s",
                 metrics_strerror(code));
        goto done;
    }
    if (classes_build(&rq->lag, rq->by_year, lagv, p, "the spatial lag", &lag, err) != 0)
        goto done;
    code = markov_spatial_estimate(cls->ids, lag.ids, p->nr, p->ny, cls->k, lag.k, sm);
    if (code != METRICS_OK) {
        api_fail(err, 422, "undefined", "spatial", "the spatial Markov chain is undefined: %s",
                 metrics_strerror(code));
        goto done;
    }
    tie_warning(warnings, &rq->lag, &lag);
    json_t *sp = json_object(), *cond = json_array();
    out_set(sp, "weights", contiguity_json(s, p->regions, &c, &rq->opts));
    out_set(sp, "lag_classes", classes_json(&lag, rq->by_year && !rq->lag.given));
    if (rq->by_year && !rq->lag.given)
        out_set(sp, "lag_cuts_by_year", cuts_by_year_json(&lag, p));
    for (size_t l = 0; l < lag.k; l++) {
        json_t *e = json_object();
        out_set(e, "lag_class", json_integer((json_int_t)l + 1));
        chain_json(e, &sm->conditional[l]);
        json_array_append_new(cond, e);
        cells_json(cells, &sm->conditional[l], l + 1);
    }
    out_set(sp, "conditional", cond);
    out_set(sp, "homogeneity", homogeneity_json(&sm->homogeneity));
    out_set(doc, "spatial", sp);
    rc = 0;
done:
    classes_free(&lag);
    contiguity_free(&c);
    free(lagv);
    free(sm);
    return rc;
}

static json_t *mobility_head(const struct store *s, const struct query *q,
                             const struct mobility_req *rq, const struct panel *p)
{
    json_t *doc = json_object();
    out_set(doc, "indicator", out_indicator_ref(s, rq->ind, q));
    out_set(doc, "from", json_integer(p->years[0]));
    out_set(doc, "to", json_integer(p->years[p->ny - 1]));
    out_set(doc, "relative", json_string(relative_choices[rq->relative]));
    out_set(doc, "method", json_string(rq->cls.given ? "breaks" : "quantiles"));
    out_set(doc, "quantiles", json_string(quantile_choices[rq->by_year]));
    static const char *const conv[] = {
        "balanced",
        "every year listed has a value for every region listed; the rest is in left_out",
        "relative",
        "mean (default): each value divided by that year's unweighted mean; none: the values",
        "classes",
        "cut points at the type-7 quantiles j/K of every region-year at once (quantiles=pooled) "
        "or of each year (by_year), as mapclassify.Quantiles; tied cuts and a cut at the maximum "
        "are dropped, so fewer classes may come back (warnings says so); or breaks=. Intervals "
        "are right-closed: class c holds upper(c-1) < x <= upper(c); class 1 is the lowest",
        "transitions",
        "counts of region-years in class i in year t and j in t + 1 (consecutive years of the "
        "panel), pooled over t; probabilities: each row divided by its sum, an empty row all 0",
        "steady_states",
        "one stationary distribution per recurrent (closed communicating) class of states, an "
        "empty row counting as absorbing (as giddy)",
        "spatial",
        "spatial=1: the same transitions split by the class of the region's spatial lag (the mean "
        "of its neighbours' values, binary contiguity row-standardised) in the start year, with "
        "its own cut points; homogeneity: Bickenbach-Bode Q and LR against the pooled chain, "
        "chi-square p-values (null when dof = 0), as giddy Spatial_Markov",
        NULL};
    out_set(doc, "conventions", out_conventions(conv));
    out_set(doc, "left_out", out_left_out(s, p));
    return doc;
}

/* Classes, the pooled chain, paths, cells and (spatial=1) the spatial part into DOC. */
static int mobility_body(const struct store *s, const struct mobility_req *rq,
                         const struct panel *p, const double *v, json_t *doc, struct api_error *err)
{
    struct classes cls = {0};
    struct markov_chain *chain = malloc(sizeof *chain);
    json_t *cells = json_array(), *warnings = json_array();
    int rc = -1, code;
    out_set(doc, "warnings", warnings);
    if (!chain) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (classes_build(&rq->cls, rq->by_year, v, p, "the values", &cls, err) != 0)
        goto done;
    if ((code = markov_chain_estimate(cls.ids, p->nr, p->ny, cls.k, chain)) != METRICS_OK) {
        api_fail(err, 422, "undefined", "classes", "the Markov chain is undefined: %s",
                 metrics_strerror(code));
        goto done;
    }
    tie_warning(warnings, &rq->cls, &cls);
    int per_year = rq->by_year && !rq->cls.given;
    out_set(doc, "classes", classes_json(&cls, per_year));
    if (per_year)
        out_set(doc, "cuts_by_year", cuts_by_year_json(&cls, p));
    chain_json(doc, chain);
    cells_json(cells, chain, 0);
    out_set(doc, "regions", paths_json(s, p, cls.ids));
    if (rq->spatial && spatial_json(s, rq, p, v, &cls, doc, cells, warnings, err) != 0)
        goto done;
    out_set(doc, "cells", json_incref(cells));
    rc = 0;
done:
    json_decref(cells);
    classes_free(&cls);
    free(chain);
    return rc;
}

int gaps_mobility(const struct store *s, const struct query *q, json_t **out, struct api_error *err)
{
    struct mobility_req rq;
    struct panel p = {0};
    double *v = NULL;
    json_t *doc = NULL;
    int rc = -1;
    memset(&rq, 0, sizeof rq);
    if (parse_mobility(s, q, &rq, err) != 0 ||
        panel_build(s, rq.ind, STORE_NONE, &rq.sel, &rq.yr, &p, err) != 0)
        goto done;
    if (panel_require(&p, 2, 2, "a Markov chain", err) != 0)
        goto done;
    v = malloc(p.ny * p.nr * sizeof *v);
    if (!v) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (mobility_values(&rq, &p, v, err) != 0)
        goto done;
    doc = mobility_head(s, q, &rq, &p);
    if (mobility_body(s, &rq, &p, v, doc, err) != 0)
        goto done;
    *out = doc;
    doc = NULL;
    rc = 0;
done:
    json_decref(doc);
    free(v);
    panel_free(&p);
    selection_free(&rq.sel);
    return rc;
}
