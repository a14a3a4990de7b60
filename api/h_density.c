/* api/h_density.c — GET /v1/gaps/density: the Gaussian kernel density of the regions'
 * cross-section in each year of a balanced panel, evaluated exactly on one grid common to every
 * year (or at the points given), so that years can be drawn on one axis (distribution
 * dynamics). Bandwidths, spans, grid, sums and the mean of relative=mean are api/metrics; this
 * file picks the data, checks the parameters and shapes the answer. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "import.h"
#include "metrics.h"
#include "metrics/density.h"
#include "out.h"
#include "panel.h"
#include "select.h"

#define DENSITY_DEFAULT_POINTS 512
#define DENSITY_MAX_POINTS     4096 /* per year: 20 years of 4096 points is ~2 MB of JSON */

#define RULE_LIST "nrd0, nrd, scipy_scott, scipy_silverman, stata"

struct density_req {
    uint32_t ind;
    struct selection sel;
    struct year_range yr;
    int has_rule; /* else H_GIVEN */
    enum metrics_bw_rule rule;
    double h_given;
    int relative; /* 0 none, 1 mean */
    size_t points;
    double *at; /* at= (owned), NULL for the even grid */
    size_t n_at;
};

static const char *const relative_choices[] = {"none", "mean", NULL};

/* bandwidth=RULE or a positive number; nrd0 when absent. */
static int parse_bandwidth(const struct query *q, struct density_req *rq, struct api_error *err)
{
    int bad;
    const char *v = query_value(q, "bandwidth", err, &bad);
    rq->has_rule = 1;
    rq->rule = METRICS_BW_NRD0;
    if (bad)
        return -1;
    if (!v || metrics_bw_from_name(v, &rq->rule) == METRICS_OK)
        return 0;
    if (import_parse_number(v, &rq->h_given) != 0) {
        static const char *const rules[] = {"nrd0", "nrd", "scipy_scott", "scipy_silverman",
                                            "stata"};
        api_fail(err, 400, "bad_parameter", "bandwidth",
                 "bandwidth must be one of " RULE_LIST " or a positive number, not '%.40s'", v);
        query_suggest(err, v, strlen(v), rules, sizeof rules / sizeof rules[0]);
        return -1;
    }
    if (!(rq->h_given > 0))
        return api_fail(err, 400, "bad_parameter", "bandwidth",
                        "a numeric bandwidth must be positive, not %g (or one of " RULE_LIST ")",
                        rq->h_given);
    rq->has_rule = 0;
    return 0;
}

/* at=x1,x2,...: finite numbers, at most DENSITY_MAX_POINTS. */
static int parse_at(const char *list, struct density_req *rq, struct api_error *err)
{
    const char *p = list, *item;
    size_t len, n = 1;
    for (const char *c = list; *c; c++)
        n += *c == ',';
    if (n > DENSITY_MAX_POINTS)
        return api_fail(err, 400, "bad_parameter", "at", "at lists %zu points; at most %d", n,
                        DENSITY_MAX_POINTS);
    rq->at = malloc(n * sizeof *rq->at);
    if (!rq->at)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    while (query_list_next(&p, &item, &len)) {
        char text[64];
        if (len == 0 || len >= sizeof text)
            return api_fail(err, 400, "bad_parameter", "at",
                            "at must list finite numbers separated by commas; item %zu is %s",
                            rq->n_at + 1, len ? "too long" : "empty");
        memcpy(text, item, len);
        text[len] = '\0';
        if (import_parse_number(text, &rq->at[rq->n_at]) != 0)
            return api_fail(err, 400, "bad_parameter", "at",
                            "at must list finite numbers; '%s' is not one", text);
        rq->n_at++;
    }
    return 0;
}

/* points=N (2..DENSITY_MAX_POINTS, default 512) or at=..., not both. */
static int parse_grid(const struct query *q, struct density_req *rq, struct api_error *err)
{
    int bad;
    double points = DENSITY_DEFAULT_POINTS;
    const char *at = query_value(q, "at", err, &bad);
    if (bad)
        return -1;
    int has_points = query_number(q, "points", &points, err);
    if (has_points < 0)
        return -1;
    if (has_points && at)
        return api_fail(err, 400, "conflicting_parameters", "points",
                        "give either points= (an even grid) or at= (the points themselves)");
    if (!(points >= 2 && points <= DENSITY_MAX_POINTS && points == (double)(size_t)points))
        return api_fail(err, 400, "bad_parameter", "points",
                        "points must be a whole number from 2 to %d, not %g", DENSITY_MAX_POINTS,
                        points);
    rq->points = (size_t)points;
    return at ? parse_at(at, rq, err) : 0;
}

static int parse_density(const struct store *s, const struct query *q, struct density_req *rq,
                         struct api_error *err)
{
    const char *id = query_require(q, "indicator", err);
    const char *list = id ? query_require(q, "regions", err) : NULL;
    if (!list)
        return -1;
    rq->ind = select_indicator(s, id, "indicator", err);
    if (rq->ind == STORE_NONE || select_year_range(q, 1, &rq->yr, err) != 0 ||
        parse_bandwidth(q, rq, err) != 0 ||
        query_choice(q, "relative", relative_choices, 0, &rq->relative, err) != 0 ||
        parse_grid(q, rq, err) != 0 || select_regions(s, list, "regions", &rq->sel, err) != 0)
        return -1;
    return select_resolve_latest(s, rq->ind, &rq->sel, &rq->yr, id, err);
}

/* The values of year Y (divided by their mean for relative=mean, into *MEAN) into V. */
static int year_values(const struct density_req *rq, const struct panel *p, size_t y, double *v,
                       double *mean, struct api_error *err)
{
    const double *x = panel_row(p, y);
    memcpy(v, x, p->nr * sizeof *v);
    if (!rq->relative)
        return 0;
    int code = metrics_mean(x, NULL, p->nr, mean);
    for (size_t k = 0; code == METRICS_OK && k < p->nr; k++)
        code = metrics_ratio(x[k], *mean, &v[k]);
    if (code != METRICS_OK)
        return api_fail(err, 422, "undefined", "relative",
                        "relative=mean is undefined in %d: the mean is 0 or the quotients "
                        "overflow (%s)",
                        p->years[y], metrics_strerror(code));
    return 0;
}

static int bandwidth_of(const struct density_req *rq, const double *v, size_t n, int year,
                        double *h, struct api_error *err)
{
    if (!rq->has_rule) {
        *h = rq->h_given;
        return 0;
    }
    int code = metrics_bw(v, n, rq->rule, h);
    if (code == METRICS_E_DEGENERATE)
        return api_fail(err, 422, "undefined", "bandwidth",
                        "bandwidth %s is undefined in %d: the values have no spread (sd%s 0); "
                        "give a numeric bandwidth=",
                        metrics_bw_name(rq->rule), year,
                        rq->rule == METRICS_BW_NRD || rq->rule == METRICS_BW_STATA ? " or IQR"
                                                                                   : "");
    if (code != METRICS_OK)
        return api_fail(err, 422, "undefined", "bandwidth", "bandwidth %s is undefined in %d: %s",
                        metrics_bw_name(rq->rule), year, metrics_strerror(code));
    return 0;
}

/* The even grid common to every year: from the smallest min - 3h to the largest max + 3h. */
static int common_span(const struct panel *p, const double *v, const double *h, double *lo,
                       double *hi, struct api_error *err)
{
    for (size_t y = 0; y < p->ny; y++) {
        double a, b;
        int code = metrics_kde_span(&v[y * p->nr], p->nr, h[y], &a, &b);
        if (code != METRICS_OK)
            return api_fail(err, 422, "undefined", "bandwidth",
                            "the density's span (min - 3h, max + 3h) is undefined in %d: %s",
                            p->years[y], metrics_strerror(code));
        *lo = y == 0 || a < *lo ? a : *lo;
        *hi = y == 0 || b > *hi ? b : *hi;
    }
    return 0;
}

static void density_head(struct doc *d, const struct store *s, const struct query *q,
                         const struct density_req *rq, const struct panel *p)
{
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq->ind, q);
    doc_key(d, "regions");
    out_region_ids_doc(d, s, p->regions, p->nr);
    if (rq->has_rule)
        doc_set_str(d, "bandwidth", metrics_bw_name(rq->rule));
    else
        doc_set_num(d, "bandwidth", rq->h_given);
    doc_set_str(d, "relative", relative_choices[rq->relative]);
    static const char *const conv[] = {
        "balanced",
        "every year listed has a value for every region listed; the rest is in left_out",
        "density",
        "Gaussian kernel, evaluated exactly (no binning): (1 / (n h)) sum_i phi((x - x_i) / h)",
        "bandwidth",
        "nrd0: R bw.nrd0, 0.9 min(sd, IQR/1.34) n^-1/5 (IQR 0: sd); nrd: R bw.nrd, 1.06 min(sd, "
        "IQR/1.34) n^-1/5; scipy_scott: sd n^-1/5; scipy_silverman: sd (3n/4)^-1/5; stata: 0.9 "
        "min(sd, IQR/1.349) n^-1/5; sd with divisor n - 1, IQR of type-7 quartiles; per year",
        "grid",
        "points evenly from the smallest min - 3h to the largest max + 3h over every year, the "
        "same for every year; or the points of at=",
        "relative",
        "mean: each value divided by that year's unweighted mean (the bandwidth and the grid "
        "are then in those units)",
        NULL};
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "left_out");
    out_left_out_doc(d, s, p, NULL);
}

static void points_doc(struct doc *d, const double *at, const double *density, size_t m)
{
    doc_array_begin(d);
    for (size_t k = 0; k < m; k++) {
        doc_object_begin(d);
        doc_set_num(d, "x", at[k]);
        doc_set_num(d, "density", density[k]);
        doc_object_end(d);
    }
    doc_array_end(d);
}

/* Densities of every year at the grid (or at=) as the answer's years[], then grid. */
static int years_doc(struct doc *d, const struct density_req *rq, const struct panel *p,
                     const double *v, const double *h, const double *mean, struct api_error *err)
{
    double lo = 0, hi = 0;
    size_t m = rq->at ? rq->n_at : rq->points;
    double *grid = rq->at ? NULL : malloc(m * sizeof *grid), *dens = malloc(m * sizeof *dens);
    int rc = -1, code;
    if ((!rq->at && !grid) || !dens) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (!rq->at) {
        if (common_span(p, v, h, &lo, &hi, err) != 0)
            goto done;
        if ((code = metrics_kde_grid(lo, hi, m, grid)) != METRICS_OK) {
            api_fail(err, 422, "undefined", "bandwidth",
                     "no grid from %g to %g: %s (a bandwidth too small for the values?)", lo, hi,
                     metrics_strerror(code));
            goto done;
        }
    }
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t y = 0; y < p->ny; y++) {
        const double *x = &v[y * p->nr];
        code = rq->at ? metrics_kde(x, p->nr, h[y], rq->at, m, dens)
                      : metrics_kde_on_grid(x, p->nr, h[y], lo, hi, m, dens);
        if (code != METRICS_OK) {
            api_fail(err, 422, "undefined", "bandwidth", "the density is undefined in %d: %s",
                     p->years[y], metrics_strerror(code));
            goto done;
        }
        doc_object_begin(d);
        doc_set_int(d, "year", p->years[y]);
        doc_set_int(d, "n", (long long)p->nr);
        if (rq->relative)
            doc_set_num(d, "mean", mean[y]);
        doc_set_num(d, "bandwidth", h[y]);
        doc_key(d, "points");
        points_doc(d, rq->at ? rq->at : grid, dens, m);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "grid");
    doc_object_begin(d);
    doc_set_int(d, "points", (long long)m);
    if (rq->at) {
        doc_set_null(d, "from");
        doc_set_null(d, "to");
    } else {
        doc_set_num(d, "from", lo);
        doc_set_num(d, "to", hi);
    }
    doc_object_end(d);
    rc = 0;
done:
    free(grid);
    free(dens);
    return rc;
}

int gaps_density(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct density_req rq;
    struct panel p = {0};
    double *v = NULL, *h = NULL, *mean = NULL;
    int rc = -1;
    memset(&rq, 0, sizeof rq);
    if (parse_density(s, q, &rq, err) != 0 ||
        panel_build(s, rq.ind, STORE_NONE, &rq.sel, &rq.yr, &p, err) != 0)
        goto done;
    if (panel_require(&p, 2, 1, "a density", err) != 0)
        goto done;
    v = malloc(p.ny * p.nr * sizeof *v);
    h = malloc(p.ny * sizeof *h);
    mean = malloc(p.ny * sizeof *mean);
    if (!v || !h || !mean) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    for (size_t y = 0; y < p.ny; y++)
        if (year_values(&rq, &p, y, &v[y * p.nr], &mean[y], err) != 0 ||
            bandwidth_of(&rq, &v[y * p.nr], p.nr, p.years[y], &h[y], err) != 0)
            goto done;
    doc_object_begin(d);
    density_head(d, s, q, &rq, &p);
    if (years_doc(d, &rq, &p, v, h, mean, err) != 0)
        goto done;
    doc_object_end(d);
    rc = 0;
done:
    free(v);
    free(h);
    free(mean);
    free(rq.at);
    panel_free(&p);
    selection_free(&rq.sel);
    return rc;
}
