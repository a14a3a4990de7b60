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
static void classes_doc(struct doc *d, const struct classes *c, int per_year)
{
    doc_array_begin(d);
    for (size_t k = 0; k < c->k; k++) {
        doc_object_begin(d);
        doc_set_int(d, "class", (long long)k + 1);
        if (k < c->ncuts && !per_year)
            doc_set_num(d, "upper", c->cuts[k]);
        else
            doc_set_null(d, "upper");
        doc_object_end(d);
    }
    doc_array_end(d);
}

/* [{year, cuts: [...]}] of per-year cut points. */
static void cuts_by_year_doc(struct doc *d, const struct classes *c, const struct panel *p)
{
    doc_array_begin(d);
    for (size_t y = 0; y < p->ny; y++) {
        doc_object_begin(d);
        doc_set_int(d, "year", p->years[y]);
        doc_key(d, "cuts");
        doc_array_begin(d);
        for (size_t k = 0; k < c->ncuts; k++)
            doc_num(d, c->cuts[y * MAX_CUTS + k]);
        doc_array_end(d);
        doc_object_end(d);
    }
    doc_array_end(d);
}

static void matrix_doc(struct doc *d, const double (*m)[MARKOV_MAX_CLASSES], size_t rows, size_t k,
                       int counts)
{
    doc_array_begin(d);
    for (size_t i = 0; i < rows; i++) {
        doc_array_begin(d);
        for (size_t j = 0; j < k; j++) {
            if (counts)
                doc_int(d, (long long)m[i][j]);
            else
                doc_num(d, m[i][j]);
        }
        doc_array_end(d);
    }
    doc_array_end(d);
}

/* Members transitions, probabilities, steady_states of chain C. */
static void chain_doc(struct doc *d, const struct markov_chain *c)
{
    doc_key(d, "transitions");
    matrix_doc(d, c->transitions, c->k, c->k, 1);
    doc_key(d, "probabilities");
    matrix_doc(d, c->probabilities, c->k, c->k, 0);
    doc_key(d, "steady_states");
    matrix_doc(d, c->steady_states, c->n_recurrent, c->k, 0);
}

/* The chain's cells as rows (the CSV form), elements of the open array: lag_class is null for
 * the pooled chain. */
static void cells_doc(struct doc *d, const struct markov_chain *c, size_t lag_class)
{
    for (size_t i = 0; i < c->k; i++)
        for (size_t j = 0; j < c->k; j++) {
            doc_object_begin(d);
            if (lag_class)
                doc_set_int(d, "lag_class", (long long)lag_class);
            else
                doc_set_null(d, "lag_class");
            doc_set_int(d, "from_class", (long long)i + 1);
            doc_set_int(d, "to_class", (long long)j + 1);
            doc_set_int(d, "count", (long long)c->transitions[i][j]);
            doc_set_num(d, "probability", c->probabilities[i][j]);
            doc_object_end(d);
        }
}

static void paths_doc(struct doc *d, const struct store *s, const struct panel *p,
                      const size_t *ids)
{
    doc_array_begin(d);
    for (size_t r = 0; r < p->nr; r++) {
        doc_object_begin(d);
        doc_set_str(d, "region", store_region_at(s, p->regions[r])->id);
        doc_key(d, "path");
        doc_array_begin(d);
        for (size_t y = 0; y < p->ny; y++) {
            doc_object_begin(d);
            doc_set_int(d, "year", p->years[y]);
            doc_set_int(d, "class", (long long)ids[y * p->nr + r] + 1);
            doc_object_end(d);
        }
        doc_array_end(d);
        doc_object_end(d);
    }
    doc_array_end(d);
}

/* The warning when tied quantile cuts merged classes, as an element of the open array. */
static void tie_warning_doc(struct doc *d, const struct class_spec *cs, const struct classes *c)
{
    if (cs->given || c->k == cs->k_asked)
        return;
    char text[200];
    snprintf(text, sizeof text,
             "%s=%zu: tied quantile cuts merged, so %zu class%s came back (equal cut points, or "
             "a cut at the maximum, are dropped)",
             cs->count_param, cs->k_asked, c->k, c->k == 1 ? "" : "es");
    doc_str(d, text);
}

static void homogeneity_doc(struct doc *d, const struct markov_homogeneity *h)
{
    doc_object_begin(d);
    doc_set_num(d, "q", h->q);
    doc_set_num(d, "lr", h->lr);
    doc_set_int(d, "dof", (long long)h->dof);
    if (h->has_p_value) {
        doc_set_num(d, "q_p_value", h->q_p_value);
        doc_set_num(d, "lr_p_value", h->lr_p_value);
    } else {
        doc_set_null(d, "q_p_value");
        doc_set_null(d, "lr_p_value");
    }
    doc_object_end(d);
}

/* Everything the answer shows, computed before a byte of it is written (so that every failure
 * comes first, and the warnings, which come early in the answer, are known). */
struct mobility_result {
    struct classes cls, lag;
    struct markov_chain chain;
    struct contiguity c;       /* spatial=1 */
    struct markov_spatial *sm; /* spatial=1; owned */
    double *v, *lagv;          /* ny * nr each; owned */
};

static void result_free(struct mobility_result *m)
{
    classes_free(&m->cls);
    classes_free(&m->lag);
    contiguity_free(&m->c);
    free(m->sm);
    free(m->v);
    free(m->lagv);
}

/* The spatial part: weights, the lag and its classes, the conditional chains. */
static int spatial_compute(const struct store *s, const struct mobility_req *rq,
                           const struct panel *p, struct mobility_result *m, struct api_error *err)
{
    int code;
    m->sm = malloc(sizeof *m->sm);
    m->lagv = malloc(p->ny * p->nr * sizeof *m->lagv);
    if (!m->sm || !m->lagv) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        return -1;
    }
    if (contiguity_build(s, p->regions, p->nr, &rq->opts, &m->c, err) != 0 ||
        contiguity_require_neighbours(s, p->regions, &m->c, &rq->opts, err) != 0)
        return -1;
    if ((code = markov_panel_lag(&m->c.w, m->v, p->ny, m->lagv)) != METRICS_OK) {
        api_fail(err, 422, "undefined", "spatial", "the spatial lag is undefined: %s",
                 metrics_strerror(code));
        return -1;
    }
    if (classes_build(&rq->lag, rq->by_year, m->lagv, p, "the spatial lag", &m->lag, err) != 0)
        return -1;
    code = markov_spatial_estimate(m->cls.ids, m->lag.ids, p->nr, p->ny, m->cls.k, m->lag.k, m->sm);
    if (code != METRICS_OK) {
        api_fail(err, 422, "undefined", "spatial", "the spatial Markov chain is undefined: %s",
                 metrics_strerror(code));
        return -1;
    }
    return 0;
}

/* The values, their classes, the pooled chain and (spatial=1) the spatial part into M. */
static int mobility_compute(const struct store *s, const struct mobility_req *rq,
                            const struct panel *p, struct mobility_result *m, struct api_error *err)
{
    int code;
    m->v = malloc(p->ny * p->nr * sizeof *m->v);
    if (!m->v) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        return -1;
    }
    /* the classes and the chain are made in locals and then stored: clang-analyzer took a write
     * through &m->cls or &m->chain for one that may overwrite m->v, and reported m->v leaked */
    struct classes cls = {0};
    int bad = mobility_values(rq, p, m->v, err) != 0 ||
              classes_build(&rq->cls, rq->by_year, m->v, p, "the values", &cls, err) != 0;
    m->cls = cls; /* (freed with M, also when it failed half made) */
    if (bad)
        return -1;
    struct markov_chain chain;
    if ((code = markov_chain_estimate(m->cls.ids, p->nr, p->ny, m->cls.k, &chain)) != METRICS_OK) {
        api_fail(err, 422, "undefined", "classes", "the Markov chain is undefined: %s",
                 metrics_strerror(code));
        return -1;
    }
    m->chain = chain;
    return rq->spatial ? spatial_compute(s, rq, p, m, err) : 0;
}

static const char *const mobility_conventions[] = {
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

static void spatial_doc(struct doc *d, const struct store *s, const struct mobility_req *rq,
                        const struct panel *p, const struct mobility_result *m)
{
    int per_year = rq->by_year && !rq->lag.given;
    doc_key(d, "spatial");
    doc_object_begin(d);
    doc_key(d, "weights");
    contiguity_doc(d, s, p->regions, &m->c, &rq->opts);
    doc_key(d, "lag_classes");
    classes_doc(d, &m->lag, per_year);
    if (per_year) {
        doc_key(d, "lag_cuts_by_year");
        cuts_by_year_doc(d, &m->lag, p);
    }
    doc_key(d, "conditional");
    doc_array_begin(d);
    for (size_t l = 0; l < m->lag.k; l++) {
        doc_object_begin(d);
        doc_set_int(d, "lag_class", (long long)l + 1);
        chain_doc(d, &m->sm->conditional[l]);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "homogeneity");
    homogeneity_doc(d, &m->sm->homogeneity);
    doc_object_end(d);
}

/* The answer, members in their order: the head, then what M holds. */
static void mobility_doc(struct doc *d, const struct store *s, const struct query *q,
                         const struct mobility_req *rq, const struct panel *p,
                         const struct mobility_result *m)
{
    int per_year = rq->by_year && !rq->cls.given;
    doc_object_begin(d);
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq->ind, q);
    doc_set_int(d, "from", p->years[0]);
    doc_set_int(d, "to", p->years[p->ny - 1]);
    doc_set_str(d, "relative", relative_choices[rq->relative]);
    doc_set_str(d, "method", rq->cls.given ? "breaks" : "quantiles");
    doc_set_str(d, "quantiles", quantile_choices[rq->by_year]);
    doc_key(d, "conventions");
    out_conventions_doc(d, mobility_conventions);
    doc_key(d, "left_out");
    out_left_out_doc(d, s, p, NULL);
    doc_key(d, "warnings");
    doc_array_begin(d);
    tie_warning_doc(d, &rq->cls, &m->cls);
    if (rq->spatial)
        tie_warning_doc(d, &rq->lag, &m->lag);
    doc_array_end(d);
    doc_key(d, "classes");
    classes_doc(d, &m->cls, per_year);
    if (per_year) {
        doc_key(d, "cuts_by_year");
        cuts_by_year_doc(d, &m->cls, p);
    }
    chain_doc(d, &m->chain);
    doc_key(d, "regions");
    paths_doc(d, s, p, m->cls.ids);
    if (rq->spatial)
        spatial_doc(d, s, rq, p, m);
    doc_key(d, "cells");
    doc_array_begin(d);
    cells_doc(d, &m->chain, 0);
    if (rq->spatial)
        for (size_t l = 0; l < m->lag.k; l++)
            cells_doc(d, &m->sm->conditional[l], l + 1);
    doc_array_end(d);
    doc_object_end(d);
}

int gaps_mobility(const struct store *s, const struct query *q, struct doc *d,
                  struct api_error *err)
{
    struct mobility_req rq;
    struct mobility_result m;
    struct panel p = {0};
    int rc = -1;
    memset(&rq, 0, sizeof rq);
    memset(&m, 0, sizeof m);
    if (parse_mobility(s, q, &rq, err) != 0 ||
        panel_build(s, rq.ind, STORE_NONE, &rq.sel, &rq.yr, &p, err) != 0)
        goto done;
    if (panel_require(&p, 2, 2, "a Markov chain", err) != 0 ||
        mobility_compute(s, &rq, &p, &m, err) != 0)
        goto done;
    mobility_doc(d, s, q, &rq, &p, &m);
    rc = 0;
done:
    result_free(&m);
    panel_free(&p);
    selection_free(&rq.sel);
    return rc;
}
