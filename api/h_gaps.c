/* api/h_gaps.c — gap metrics: pairs against a reference region, dispersion across regions,
 * and convergence. Arithmetic lives in metrics.c; this file picks the data, checks that each
 * metric is defined for it (naming the region and year when not), and shapes the answer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "metrics.h"
#include "metrics/dagum.h"
#include "metrics/segments.h"
#include "out.h"
#include "panel.h"
#include "render.h"
#include "select.h"

/* A trend counts as movement when the fitted line changes by at least 1 % of the gap it
 * measures (its distance from neutral) over the period; below that the gap is "stable". */
#define STABLE_SHARE 0.01

static int undefined(struct api_error *err, const char *param, const char *what, const char *region,
                     int year, int code)
{
    if (region)
        return api_fail(err, 422, "undefined", param, "%s is undefined for %s in %d: %s", what,
                        region, year, metrics_strerror(code));
    return api_fail(err, 422, "undefined", param, "%s is undefined in %d: %s", what, year,
                    metrics_strerror(code));
}

static const char *region_id(const struct store *s, uint32_t r)
{
    return store_region_at(s, r)->id;
}

/* Reads a fitted line of a gap measure (a ratio, whose neutral value is parity, 1; or a
 * dispersion, whose neutral value is 0) over SPAN years with LEVEL its value mid-period.
 * "stable" when the line moves by less than STABLE_SHARE of the gap |LEVEL - NEUTRAL| (a ratio
 * going 1.02 -> 1.01 halves its gap: 0.01 against 0.015, narrowing; 2.50 -> 2.49 moves 0.01
 * against 1.5, stable); else "narrowing" when the line ends nearer NEUTRAL than it starts and
 * "widening" when farther. For a line that stays on one side of NEUTRAL that is "moves toward
 * it"; one that crosses it is judged by its two ends. Measuring against the level instead of
 * the gap called a halving gap near parity stable. */
static const char *direction(double slope, double span, double level, double neutral)
{
    double move = slope * span;
    if (move == 0 || fabs(move) < STABLE_SHARE * fabs(level - neutral))
        return "stable";
    double start = fabs(level - move / 2 - neutral), end = fabs(level + move / 2 - neutral);
    if (end == start)
        return "stable"; /* crosses NEUTRAL mid-period: as far from it at both ends */
    return end < start ? "narrowing" : "widening";
}

/* A fitted line: {slope_per_year, intercept, se, r2, n}. */
static void ols_doc(struct doc *d, const struct metrics_ols *o)
{
    doc_object_begin(d);
    doc_set_num(d, "slope_per_year", o->slope);
    doc_set_num(d, "intercept", o->intercept);
    if (o->has_se)
        doc_set_num(d, "se", o->se_slope);
    else
        doc_set_null(d, "se");
    if (o->has_r2)
        doc_set_num(d, "r2", o->r2);
    else
        doc_set_null(d, "r2");
    doc_set_int(d, "n", (long long)o->n);
    doc_object_end(d);
}

/* Words for a trend's direction: a ratio's gap narrows or widens, a dispersion converges or
 * diverges. */
struct trend_words {
    const char *closer, *farther;
};
static const struct trend_words ratio_words = {"narrowing", "widening"};
static const struct trend_words sigma_words = {"converging", "diverging"};

static const char *direction_word(const struct trend_words *w, double slope, double span,
                                  double level, double neutral)
{
    const char *d = direction(slope, span, level, neutral);
    return strcmp(d, "narrowing") == 0 ? w->closer : strcmp(d, "widening") == 0 ? w->farther : d;
}

/* Reads min_segment= (the shortest segment of a segmented trend, in observations): 0 when not
 * given (the default, max(3, floor(0.15 n))). Returns 0, or -1 with a 400. */
static int parse_min_segment(const struct query *q, size_t *h, struct api_error *err)
{
    double v = 0;
    *h = 0;
    int given = query_number(q, "min_segment", &v, err);
    if (given < 0)
        return -1;
    if (given && (v != floor(v) || v < 3 || v > 1000))
        return api_fail(err, 400, "bad_parameter", "min_segment",
                        "min_segment must be a whole number of years from 3 to 1000");
    *h = given ? (size_t)v : 0;
    return 0;
}

/* The segmented trend of Y over the years X (N points; Bai-Perron least squares, breaks by
 * BIC, minimum segment H or the default): members direction (of the last segment),
 * direction_overall (from WHOLE, the whole period's line), segments[] and breaks[] of the open
 * object. A period too short to split (fewer than twice the minimum segment) or a line that
 * fits exactly is one segment. *LAST receives the last segment's line. Returns 0, or -1 with a
 * 503 (memory). */
static int segments_doc(struct doc *d, const double *x, const double *y, size_t n, size_t h,
                        const struct metrics_ols *whole, double neutral,
                        const struct trend_words *w, struct metrics_ols *last,
                        struct api_error *err)
{
    struct segments_fit fit;
    size_t len = segments_work_size(n);
    double *work = malloc((len + 1) * sizeof *work);
    if (!work)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    int code = segments_fit(x, y, n, h, work, len, &fit);
    free(work);
    if (code != METRICS_OK) { /* one segment: the whole period */
        fit.n_breaks = 0;
        fit.segments[0] = (struct segments_segment){
            .from = 0, .to = n - 1, .slope = whole->slope, .intercept = whole->intercept};
    }
    const struct segments_segment *cur = &fit.segments[fit.n_breaks];
    double mid = whole->intercept + whole->slope * (x[0] + x[n - 1]) / 2;
    doc_set_str(d, "direction",
                direction_word(w, cur->slope, x[cur->to] - x[cur->from],
                               cur->intercept + cur->slope * (x[cur->from] + x[cur->to]) / 2,
                               neutral));
    doc_set_str(d, "direction_overall",
                direction_word(w, whole->slope, x[n - 1] - x[0], mid, neutral));
    doc_key(d, "segments");
    doc_array_begin(d);
    for (size_t k = 0; k <= fit.n_breaks; k++) {
        const struct segments_segment *sg = &fit.segments[k];
        double span = x[sg->to] - x[sg->from];
        double smid = sg->intercept + sg->slope * (x[sg->from] + x[sg->to]) / 2;
        doc_object_begin(d);
        doc_set_int(d, "from", (long long)x[sg->from]);
        doc_set_int(d, "to", (long long)x[sg->to]);
        doc_set_num(d, "slope", sg->slope);
        doc_set_num(d, "intercept", sg->intercept);
        doc_set_str(d, "direction", direction_word(w, sg->slope, span, smid, neutral));
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "breaks");
    doc_array_begin(d);
    for (size_t k = 0; k < fit.n_breaks; k++)
        doc_int(d, (long long)x[fit.segments[k].to]);
    doc_array_end(d);
    *last = *whole;
    last->slope = cur->slope;
    last->intercept = cur->intercept;
    return 0;
}

/* ------------------------------------------------------------------ pairs ----------- */

struct pair_point {
    int year;
    double ref, value, ratio, difference, relative_gap;
    int has_difference;         /* reference - value can overflow where the ratio does not */
    uint8_t ref_status, status; /* the flags of the two values (enum obs_status) */
};

/* The years where both the reference and R have data, with the three measures. */
static int pair_points(const struct store *s, uint32_t ind, uint32_t ref, uint32_t r,
                       const struct year_range *yr, struct pair_point **out, size_t *n,
                       struct api_error *err)
{
    const struct series *se = store_series(s, ind, r);
    *out = NULL;
    *n = 0;
    if (!se)
        return 0;
    struct pair_point *p = malloc((se->count + 1) * sizeof *p);
    if (!p)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    const struct observation *o = store_observations(s, se);
    size_t m = 0;
    for (uint32_t k = store_lower_bound(s, se, yr->from); k < se->count && o[k].year <= yr->to;
         k++) {
        const struct observation *ro = store_get(s, ind, ref, o[k].year);
        if (!ro)
            continue;
        struct pair_point *pt = &p[m];
        int code;
        pt->year = o[k].year;
        pt->ref = ro->value;
        pt->value = o[k].value;
        pt->ref_status = ro->status;
        pt->status = o[k].status;
        pt->has_difference = metrics_difference(pt->ref, pt->value, &pt->difference) == METRICS_OK;
        if ((code = metrics_ratio(pt->ref, pt->value, &pt->ratio)) != METRICS_OK) {
            free(p);
            return undefined(err, "regions", "the ratio", region_id(s, r), o[k].year, code);
        }
        if ((code = metrics_relative_gap(pt->ref, pt->value, &pt->relative_gap)) != METRICS_OK) {
            free(p);
            return undefined(err, "reference", "the relative gap", region_id(s, ref), o[k].year,
                             code);
        }
        m++;
    }
    *out = p;
    *n = m;
    return 0;
}

/* A number, or null when the metric that made it failed. */
static void num_if(struct doc *d, int ok, double v)
{
    if (ok)
        doc_num(d, v);
    else
        doc_null(d);
}

/* Members first, last, change of the open object; each is null when it is undefined (HAS_*
 * false, or the change overflows). */
static void change_members(struct doc *d, int has_first, double first, int has_last, double last)
{
    double change = 0;
    int has_change =
        has_first && has_last && metrics_difference(last, first, &change) == METRICS_OK;
    doc_key(d, "first");
    num_if(d, has_first, first);
    doc_key(d, "last");
    num_if(d, has_last, last);
    doc_key(d, "change");
    num_if(d, has_change, change);
}

static void change_doc(struct doc *d, int has_first, double first, int has_last, double last)
{
    doc_object_begin(d);
    change_members(d, has_first, first, has_last, last);
    doc_object_end(d);
}

/* Who is ahead in the last year, by the indicator's higher_is_better; null when neutral. */
static void leader_doc(struct doc *d, int higher_is_better, const struct pair_point *last)
{
    if (higher_is_better < 0 || last->ref == last->value) {
        doc_null(d);
        return;
    }
    int ref_higher = last->ref > last->value;
    doc_str(d, ref_higher == (higher_is_better == 1) ? "reference" : "region");
}

/* {ratio, year}: the year the fitted ratio reaches TARGET, or null when the trend moves away
 * from it. */
static void target_doc(struct doc *d, const struct metrics_ols *fit, int last_year, double target)
{
    doc_object_begin(d);
    doc_set_num(d, "ratio", target);
    double fitted_last = fit->intercept + fit->slope * last_year;
    double y = NAN;
    if (fit->slope != 0 && (target - fitted_last) / fit->slope >= 0)
        y = (target - fit->intercept) / fit->slope;
    doc_key(d, "year");
    num_if(d, isfinite(y), round(y * 10) / 10);
    doc_object_end(d);
}

/* The summary of a pair's N points P (N >= 1) as the next value. 0, or -1 with a 503. */
static int pair_summary_doc(struct doc *d, const struct pair_point *p, size_t n,
                            int higher_is_better, const double *target, size_t min_segment,
                            struct api_error *err)
{
    const struct pair_point *a = &p[0], *b = &p[n - 1];
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    struct metrics_ols fit, current = {0};
    int rc = -1;
    if (!x || !y) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        x[k] = p[k].year;
        y[k] = p[k].ratio;
    }
    doc_object_begin(d);
    doc_set_int(d, "first_year", a->year);
    doc_set_int(d, "last_year", b->year);
    doc_set_int(d, "years", (long long)n);
    doc_key(d, "ratio");
    change_doc(d, 1, a->ratio, 1, b->ratio);
    doc_key(d, "difference");
    change_doc(d, a->has_difference, a->difference, b->has_difference, b->difference);
    /* a difference of two percentages is a change in percentage points */
    double pp = 0;
    int has_pp = metrics_pp_change(100 * a->relative_gap, 100 * b->relative_gap, &pp) == METRICS_OK;
    doc_key(d, "relative_gap");
    doc_object_begin(d);
    change_members(d, 1, a->relative_gap, 1, b->relative_gap);
    doc_key(d, "change_pp");
    num_if(d, has_pp, pp);
    doc_object_end(d);
    doc_key(d, "leader");
    leader_doc(d, higher_is_better, b);
    if (n >= 2 && metrics_ols(x, y, n, &fit) == METRICS_OK) {
        doc_key(d, "trend");
        ols_doc(d, &fit);
        if (segments_doc(d, x, y, n, min_segment, &fit, 1, &ratio_words, &current, err) != 0)
            goto done;
        if (target) { /* where the current segment's line reaches the target */
            doc_key(d, "target");
            target_doc(d, &current, b->year, *target);
        }
    } else {
        doc_set_null(d, "trend");
        doc_set_null(d, "direction");
        doc_set_null(d, "direction_overall");
        doc_key(d, "segments");
        doc_array_begin(d);
        doc_array_end(d);
        doc_key(d, "breaks");
        doc_array_begin(d);
        doc_array_end(d);
        if (target)
            doc_set_null(d, "target");
    }
    doc_object_end(d);
    rc = 0;
done:
    free(x);
    free(y);
    return rc;
}

static int pair_doc(struct doc *d, const struct store *s, const struct query *q, uint32_t r,
                    const struct pair_point *p, size_t n, int hib, const double *target,
                    size_t min_segment, struct api_error *err)
{
    doc_object_begin(d);
    doc_key(d, "region");
    out_region_doc(d, s, r, q);
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t k = 0; k < n; k++) {
        doc_object_begin(d);
        doc_set_int(d, "year", p[k].year);
        doc_set_num(d, "reference_value", p[k].ref);
        doc_set_num(d, "value", p[k].value);
        doc_set_num(d, "ratio", p[k].ratio);
        doc_key(d, "difference");
        num_if(d, p[k].has_difference, p[k].difference);
        doc_set_num(d, "relative_gap", p[k].relative_gap);
        doc_set_str(d, "reference_status", store_status_name(p[k].ref_status));
        doc_set_str(d, "status", store_status_name(p[k].status));
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "summary");
    if (!n)
        doc_null(d);
    else if (pair_summary_doc(d, p, n, hib, target, min_segment, err) != 0)
        return -1;
    doc_object_end(d);
    return 0;
}

/* Without regions=, the reference's siblings of the same kind (urban -> rural). */
static int sibling_regions(const struct store *s, uint32_t ref, struct selection *sel,
                           struct api_error *err)
{
    const struct region *rr = store_region_at(s, ref);
    const struct region *parent = rr->parent == STORE_NONE ? NULL : store_region_at(s, rr->parent);
    sel->n = 0;
    sel->items = malloc(((parent ? parent->n_children : 0) + 1) * sizeof *sel->items);
    if (!sel->items)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (uint32_t k = 0; parent && k < parent->n_children; k++) {
        uint32_t c = parent->children[k];
        if (c != ref && strcmp(store_region_at(s, c)->kind, rr->kind) == 0)
            sel->items[sel->n++] = c;
    }
    if (sel->n == 0) {
        selection_free(sel);
        return api_fail(err, 400, "missing_parameter", "regions",
                        "%s has no siblings to compare with; give regions=", rr->id);
    }
    return 0;
}

int gaps_pairs(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct selection sel = {0};
    struct year_range yr;
    int rc = -1, bad;
    double target = 0;
    const char *id = query_require(q, "indicator", err);
    const char *ref_id = id ? query_require(q, "reference", err) : NULL;
    if (!ref_id)
        return -1;
    uint32_t ind = select_indicator(s, id, "indicator", err);
    uint32_t ref = ind == STORE_NONE ? STORE_NONE : select_region(s, ref_id, "reference", err);
    if (ref == STORE_NONE || select_year_range(q, 0, &yr, err) != 0)
        return -1;
    int has_target = query_number(q, "target", &target, err);
    size_t min_segment;
    if (has_target < 0 || parse_min_segment(q, &min_segment, err) != 0)
        return -1;
    const char *list = query_value(q, "regions", err, &bad);
    if (bad || (list ? select_regions(s, list, "regions", &sel, err)
                     : sibling_regions(s, ref, &sel, err)) != 0)
        return -1;
    if (!store_series(s, ind, ref)) {
        api_fail(err, 422, "no_data", "reference", "%s has no data for %s", ref_id, id);
        goto done;
    }
    int hib = store_indicator_at(s, ind)->higher_is_better;
    doc_object_begin(d);
    doc_key(d, "indicator");
    out_indicator_doc(d, s, ind, q);
    doc_key(d, "reference");
    out_region_doc(d, s, ref, q);
    doc_key(d, "from");
    if (yr.from > 1000)
        doc_int(d, yr.from);
    else
        doc_null(d);
    doc_key(d, "to");
    if (yr.to < 9999)
        doc_int(d, yr.to);
    else
        doc_null(d);
    static const char *const conv[] = {
        "ratio",
        "reference / value",
        "difference",
        "reference - value",
        "relative_gap",
        "(reference - value) / reference",
        "change_pp",
        "change of the relative gap in percentage points",
        "trend",
        "ordinary least squares slope of the ratio per year",
        "direction",
        "of the last segment: narrowing when its fitted ratio ends nearer 1 than it starts, "
        "widening when farther; stable when it moves less than 1 % of its distance from 1 "
        "(|ratio - 1|); direction_overall: the same of the whole period's trend",
        "segments",
        "least-squares segmented linear trend of the ratio (Bai-Perron, exact dynamic "
        "programming), minimum segment min_segment (default max(3, floor(0.15 n))) years, "
        "number of breaks by BIC, as R strucchange::breakpoints(y ~ year, h = 0.15); breaks: "
        "the last year of each segment but the last",
        "target",
        "the year the last segment's line reaches the target ratio",
        NULL};
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "pairs");
    doc_array_begin(d);
    for (size_t k = 0; k < sel.n; k++) {
        struct pair_point *p;
        size_t n;
        if (sel.items[k] == ref)
            continue;
        if (pair_points(s, ind, ref, sel.items[k], &yr, &p, &n, err) != 0)
            goto done;
        int failed = pair_doc(d, s, q, sel.items[k], p, n, hib, has_target ? &target : NULL,
                              min_segment, err);
        free(p);
        if (failed)
            goto done;
    }
    doc_array_end(d);
    doc_object_end(d);
    rc = 0;
done:
    selection_free(&sel);
    return rc;
}

/* ------------------------------------------------------------- dispersion ----------- */

enum measure {
    M_MEAN,
    M_MIN,
    M_MAX,
    M_RANGE,
    M_MAX_MIN_RATIO,
    M_CV,
    M_GINI,
    M_THEIL_T,
    M_THEIL_L,
    M_ATKINSON,
    M_COUNT
};
static const char *const measure_names[M_COUNT] = {
    "mean", "min", "max", "range", "max_min_ratio", "cv", "gini", "theil_t", "theil_l", "atkinson"};

struct dispersion_req {
    uint32_t ind, wind;
    struct selection sel;
    struct year_range yr;
    int sample_cv;
    int by_parent;
    double epsilon;
    int want[M_COUNT];
    size_t min_segment; /* of sigma_convergence's segments; 0: the default */
};

/* Names the first region and year whose value a requested measure cannot take. */
static int check_domain(const struct store *s, const struct dispersion_req *rq,
                        const struct panel *p, struct api_error *err)
{
    int need_positive = rq->want[M_THEIL_L] || (rq->want[M_ATKINSON] && rq->epsilon >= 1) ||
                        rq->want[M_MAX_MIN_RATIO];
    int need_nonneg = rq->want[M_GINI] || rq->want[M_THEIL_T] || rq->want[M_ATKINSON];
    /* Most panels are all positive: one pass that looks for no region or year first. */
    int some_not_positive = 0;
    for (size_t i = 0; i < p->ny * p->nr; i++)
        some_not_positive |= !(p->x[i] > 0);
    if (!some_not_positive)
        return 0;
    for (size_t y = 0; y < p->ny; y++)
        for (size_t k = 0; k < p->nr; k++) {
            double v = p->x[y * p->nr + k];
            const char *what = NULL;
            if (need_positive && v <= 0)
                what = rq->want[M_THEIL_L]         ? "theil_l"
                       : rq->want[M_MAX_MIN_RATIO] ? "max_min_ratio"
                                                   : "atkinson";
            else if (need_nonneg && v < 0)
                what = rq->want[M_GINI] ? "gini" : rq->want[M_THEIL_T] ? "theil_t" : "atkinson";
            if (what)
                return api_fail(err, 422, "undefined", "measures",
                                "%s is undefined: %s has the value %g in %d, and %s needs %s "
                                "values (leave it out with measures=...)",
                                what, region_id(s, p->regions[k]), v, p->years[y], what,
                                v < 0 ? "non-negative" : "positive");
        }
    return 0;
}

/* Member KEY = *V when CODE (of the call that wrote *V) is METRICS_OK; else -1 with the 422
 * naming the measure WHAT and YEAR. V is read here, after the call: an argument's value would
 * be read in no fixed order with the call's. Inline, so that each KEY is the literal of its
 * call, which doc_key writes without looking at its bytes (160 keys of an answer of 20 years). */
__attribute__((always_inline)) static inline int measure_doc(struct doc *d, const char *key,
                                                             const char *what, int code,
                                                             const double *v, int year,
                                                             struct api_error *err)
{
    if (code != METRICS_OK)
        return undefined(err, "measures", what, NULL, year, code);
    doc_set_num(d, key, *v);
    return 0;
}

/* Region BEST of year row Y (the one with the smallest or largest value), its value and the
 * value's status: a value shown from the data keeps its flag. */
static void extreme_doc(struct doc *d, const struct store *s, const struct panel *p, size_t y,
                        size_t best)
{
    doc_object_begin(d);
    doc_set_str(d, "region", region_id(s, p->regions[best]));
    doc_set_num(d, "value", panel_row(p, y)[best]);
    doc_set_str(d, "status", store_status_name(p->status[y * p->nr + best]));
    doc_object_end(d);
}

/* GROUP[k] = the index of region k's parent among PARENTS[0..*NG), in order of first
 * appearance. */
static void parent_groups(const struct store *s, const struct panel *p, size_t *group,
                          uint32_t *parents, size_t *ng)
{
    *ng = 0;
    for (size_t k = 0; k < p->nr; k++) {
        uint32_t parent = store_region_at(s, p->regions[k])->parent;
        size_t g = 0;
        while (g < *ng && parents[g] != parent)
            g++;
        if (g == *ng)
            parents[(*ng)++] = parent;
        group[k] = g;
    }
}

/* The groups of group_by=parent, the same in every year: made once per answer, with room for
 * each year's decompositions (no allocation per year). */
struct by_parent {
    size_t *group;     /* the group index of each region */
    uint32_t *parents; /* the region index of each group */
    size_t ng, np;
    struct metrics_group *theil;       /* NG */
    struct metrics_dagum_group *dagum; /* NG */
    struct metrics_dagum_pair *pairs;  /* NP */
    struct out_region_memo *regions;   /* the groups' objects, written once per answer */
};

static void by_parent_free(struct by_parent *bp)
{
    free(bp->group);
    free(bp->parents);
    free(bp->theil);
    free(bp->dagum);
    free(bp->pairs);
}

/* Fills BP for the panel's regions (release it with by_parent_free, also after a failure).
 * Returns 0, or -1 with a 503. Allocations stay in locals until the end: the analyzer loses
 * pointers kept in a struct across a call into another file. */
static int by_parent_make(const struct store *s, const struct panel *p, struct by_parent *bp,
                          struct api_error *err)
{
    struct by_parent b = {0};
    memset(bp, 0, sizeof *bp);
    b.group = malloc((p->nr + 1) * sizeof *b.group);
    b.parents = malloc((p->nr + 1) * sizeof *b.parents);
    b.theil = malloc((p->nr + 1) * sizeof *b.theil);
    b.dagum = malloc((p->nr + 1) * sizeof *b.dagum);
    if (!b.group || !b.parents || !b.theil || !b.dagum)
        goto fail;
    parent_groups(s, p, b.group, b.parents, &b.ng);
    b.np = metrics_dagum_npairs(b.ng);
    b.pairs = malloc((b.np + 1) * sizeof *b.pairs);
    if (!b.pairs)
        goto fail;
    *bp = b;
    return 0;
fail:
    by_parent_free(&b);
    return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
}

/* Theil T or L between and within the parents of the panel's regions, for the year SET holds,
 * as member KEY. */
static int decomposition_doc(struct doc *d, const char *key, const struct store *s,
                             const struct query *q, const struct by_parent *bp,
                             struct metrics_set *set, enum metrics_theil_kind kind, int year,
                             struct api_error *err)
{
    struct metrics_decomposition dc;
    int code = metrics_set_theil_decompose(set, bp->group, bp->ng, kind, &dc, bp->theil);
    if (code != METRICS_OK)
        return undefined(err, "group_by",
                         kind == METRICS_THEIL_T ? "the theil_t decomposition"
                                                 : "the theil_l decomposition",
                         NULL, year, code);
    doc_key(d, key);
    doc_object_begin(d);
    doc_set_num(d, "total", dc.total);
    doc_set_num(d, "between", dc.between);
    doc_set_num(d, "within", dc.within);
    if (dc.has_between_share)
        doc_set_num(d, "between_share", dc.between_share);
    else
        doc_set_null(d, "between_share");
    doc_key(d, "groups");
    doc_array_begin(d);
    for (size_t g = 0; g < bp->ng; g++) {
        const struct metrics_group *e = &bp->theil[g];
        doc_object_begin(d);
        doc_key(d, "group");
        out_region_memo_doc(d, bp->regions, s, bp->parents[g], q);
        doc_set_int(d, "n", (long long)e->n);
        doc_set_num(d, "population_share", e->population_share);
        doc_set_num(d, "value_share", e->value_share);
        doc_set_num(d, "mean", e->mean);
        doc_set_num(d, "index", e->index);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

/* The Dagum (1997) Gini decomposition by the parents of the panel's regions, for the year SET
 * holds (in the order its Gini sorted), as member "dagum". */
static int dagum_doc(struct doc *d, const struct store *s, const struct query *q,
                     const struct by_parent *bp, struct metrics_set *set, int year,
                     struct api_error *err)
{
    struct metrics_dagum dg;
    int code = metrics_set_dagum_decompose(set, bp->group, bp->ng, &dg, bp->dagum, bp->pairs);
    if (code != METRICS_OK) {
        undefined(err, "group_by", "the dagum decomposition", NULL, year, code);
        if (code == METRICS_E_ZERO)
            snprintf(err->detail + strlen(err->detail), sizeof err->detail - strlen(err->detail),
                     " (a group whose mean is 0 has no Gini of its own)");
        return -1;
    }
    doc_key(d, "dagum");
    doc_object_begin(d);
    doc_set_num(d, "gini", dg.gini);
    doc_set_num(d, "within", dg.within);
    doc_set_num(d, "net_between", dg.net_between);
    doc_set_num(d, "transvariation", dg.transvariation);
    doc_set_num(d, "between", dg.between);
    doc_key(d, "shares");
    if (dg.has_shares) {
        doc_object_begin(d);
        doc_set_num(d, "within", dg.share_within);
        doc_set_num(d, "net_between", dg.share_net_between);
        doc_set_num(d, "transvariation", dg.share_transvariation);
        doc_object_end(d);
    } else {
        doc_null(d); /* gini 0: every value equal, no part of nothing */
    }
    doc_key(d, "groups");
    doc_array_begin(d);
    for (size_t g = 0; g < bp->ng; g++) {
        const struct metrics_dagum_group *e = &bp->dagum[g];
        doc_object_begin(d);
        doc_key(d, "group");
        out_region_memo_doc(d, bp->regions, s, bp->parents[g], q);
        doc_set_int(d, "n", (long long)e->n);
        doc_set_num(d, "mean", e->mean);
        doc_set_num(d, "population_share", e->population_share);
        doc_set_num(d, "income_share", e->income_share);
        doc_set_num(d, "gini", e->gini);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "pairs");
    doc_array_begin(d);
    for (size_t k = 0; k < bp->np; k++) {
        const struct metrics_dagum_pair *e = &bp->pairs[k];
        doc_object_begin(d);
        /* the richer group first (metrics_dagum_decompose orders them), so D is in [0, 1] */
        doc_key(d, "groups");
        doc_array_begin(d);
        doc_str(d, region_id(s, bp->parents[e->a]));
        doc_str(d, region_id(s, bp->parents[e->b]));
        doc_array_end(d);
        doc_set_num(d, "gini", e->gini);
        doc_set_num(d, "relative_affluence", e->relative_affluence);
        doc_set_num(d, "net_between", e->net_between);
        doc_set_num(d, "transvariation", e->transvariation);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

/* The members of year Y's row, its measures read from SET (opened on the year). Its CV goes to
 * *CV with *HAS_CV = 1, or *HAS_CV = 0 when the CV is undefined in that year. */
static int year_doc(struct doc *d, const struct store *s, const struct query *q,
                    const struct dispersion_req *rq, const struct panel *p,
                    const struct by_parent *bp, size_t y, struct metrics_set *set, double *cv,
                    int *has_cv, struct api_error *err)
{
    int year = p->years[y];
    double v = 0;
    int code;
    doc_set_int(d, "year", year);
    doc_set_int(d, "n", (long long)p->nr);
    if (rq->want[M_MEAN] &&
        measure_doc(d, "mean", "mean", metrics_set_mean(set, &v), &v, year, err) != 0)
        return -1;
    if (rq->want[M_MIN]) {
        doc_key(d, "min");
        extreme_doc(d, s, p, y, metrics_set_argmin(set));
    }
    if (rq->want[M_MAX]) {
        doc_key(d, "max");
        extreme_doc(d, s, p, y, metrics_set_argmax(set));
    }
    if ((rq->want[M_RANGE] &&
         measure_doc(d, "range", "range", metrics_set_range(set, &v), &v, year, err) != 0) ||
        (rq->want[M_MAX_MIN_RATIO] &&
         measure_doc(d, "max_min_ratio", "max_min_ratio", metrics_set_max_min_ratio(set, &v), &v,
                     year, err) != 0))
        return -1;
    /* The CV is also the series of sigma_convergence, so it is computed in every year; but
     * only a CV that was asked for (measures=) makes the answer fail when it is undefined (a
     * zero mean); otherwise sigma_convergence is null. */
    code = metrics_set_cv(set, rq->sample_cv, cv);
    *has_cv = code == METRICS_OK;
    if (rq->want[M_CV] &&
        measure_doc(d, "cv", "the coefficient of variation", code, cv, year, err) != 0)
        return -1;
    if ((rq->want[M_GINI] &&
         measure_doc(d, "gini", "gini", metrics_set_gini(set, &v), &v, year, err) != 0) ||
        (rq->want[M_THEIL_T] &&
         measure_doc(d, "theil_t", "theil_t", metrics_set_theil_t(set, &v), &v, year, err) != 0) ||
        (rq->want[M_THEIL_L] &&
         measure_doc(d, "theil_l", "theil_l", metrics_set_theil_l(set, &v), &v, year, err) != 0) ||
        (rq->want[M_ATKINSON] &&
         measure_doc(d, "atkinson", "atkinson", metrics_set_atkinson(set, rq->epsilon, &v), &v,
                     year, err) != 0))
        return -1;
    if (!rq->by_parent)
        return 0;
    doc_key(d, "decomposition");
    doc_object_begin(d);
    if (rq->want[M_THEIL_T] &&
        decomposition_doc(d, "theil_t", s, q, bp, set, METRICS_THEIL_T, year, err) != 0)
        return -1;
    if (rq->want[M_THEIL_L] &&
        decomposition_doc(d, "theil_l", s, q, bp, set, METRICS_THEIL_L, year, err) != 0)
        return -1;
    doc_object_end(d);
    if (rq->want[M_GINI] && dagum_doc(d, s, q, bp, set, year, err) != 0)
        return -1;
    return 0;
}

/* The trend of the CV over the years (converging when it falls) as the next value: null
 * for fewer than two years or no line. With BY_YEAR_N (regions per year) the object ends with
 * by_year: [{year, cv, n}]. Returns 0, or -1 with a 503. */
static int sigma_doc(struct doc *d, const int *years, const double *cv, size_t n,
                     size_t min_segment, size_t by_year_n, struct api_error *err)
{
    struct metrics_ols fit, current;
    double stack[64], *x = n <= 64 ? stack : malloc(n * sizeof *x);
    int rc = 0;
    if (!x)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (size_t k = 0; k < n; k++)
        x[k] = years[k];
    if (n < 2 || metrics_sigma_convergence(x, cv, n, &fit) != METRICS_OK) {
        doc_null(d);
        goto done;
    }
    doc_object_begin(d);
    doc_set_str(d, "measure", "cv");
    doc_set_int(d, "first_year", years[0]);
    doc_set_int(d, "last_year", years[n - 1]);
    doc_set_num(d, "first", cv[0]);
    doc_set_num(d, "last", cv[n - 1]);
    doc_key(d, "trend");
    ols_doc(d, &fit);
    rc = segments_doc(d, x, cv, n, min_segment, &fit, 0, &sigma_words, &current, err);
    if (by_year_n) {
        doc_key(d, "by_year");
        doc_array_begin(d);
        for (size_t k = 0; k < n; k++) {
            doc_object_begin(d);
            doc_set_int(d, "year", years[k]);
            doc_set_num(d, "cv", cv[k]);
            doc_set_int(d, "n", (long long)by_year_n);
            doc_object_end(d);
        }
        doc_array_end(d);
    }
    doc_object_end(d);
done:
    if (x != stack)
        free(x);
    return rc;
}

static const char *const weight_choices[] = {"none", "population", NULL};
static const char *const cv_choices[] = {"population", "sample", NULL};
static const char *const group_choices[] = {"none", "parent", NULL};

/* Measures named in measures=LIST (all by default). */
static int parse_measures(const struct query *q, int *want, struct api_error *err)
{
    int bad;
    const char *list = query_value(q, "measures", err, &bad);
    if (bad)
        return -1;
    for (int m = 0; m < M_COUNT; m++)
        want[m] = list == NULL;
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        int m = 0;
        while (m < M_COUNT &&
               (strlen(measure_names[m]) != len || strncmp(measure_names[m], p, len) != 0))
            m++;
        if (m == M_COUNT) {
            api_fail(err, 400, "bad_parameter", "measures",
                     "unknown measure '%.*s'; measures are mean, min, max, range, "
                     "max_min_ratio, cv, gini, theil_t, theil_l, atkinson",
                     (int)(len > 40 ? 40 : len), p);
            query_suggest(err, p, len, measure_names, M_COUNT);
            return -1;
        }
        want[m] = 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* The weight indicator: the indicator's own, else `population`. */
static uint32_t weight_indicator(const struct store *s, uint32_t ind)
{
    uint32_t w = store_indicator_at(s, ind)->weight;
    return w != STORE_NONE ? w : store_indicator_index(s, "population", 10);
}

static int parse_dispersion(const struct store *s, const struct query *q, struct dispersion_req *rq,
                            struct api_error *err)
{
    int weights, cv, group;
    const char *id = query_require(q, "indicator", err);
    const char *list = id ? query_require(q, "regions", err) : NULL;
    if (!list)
        return -1;
    rq->ind = select_indicator(s, id, "indicator", err);
    if (rq->ind == STORE_NONE || select_year_range(q, 1, &rq->yr, err) != 0 ||
        query_choice(q, "weights", weight_choices, 0, &weights, err) != 0 ||
        query_choice(q, "cv", cv_choices, 0, &cv, err) != 0 ||
        query_choice(q, "group_by", group_choices, 0, &group, err) != 0 ||
        parse_measures(q, rq->want, err) != 0)
        return -1;
    rq->epsilon = 0.5;
    if (parse_min_segment(q, &rq->min_segment, err) != 0 ||
        query_number(q, "epsilon", &rq->epsilon, err) < 0)
        return -1;
    if (rq->epsilon < 0 || rq->epsilon > 100)
        return api_fail(err, 400, "bad_parameter", "epsilon",
                        "epsilon (inequality aversion) must be from 0 to 100");
    rq->sample_cv = cv == 1;
    rq->by_parent = group == 1;
    rq->wind = STORE_NONE;
    if (weights == 1) {
        if (rq->sample_cv)
            return api_fail(err, 400, "conflicting_parameters", "cv",
                            "cv=sample is for unweighted data; with weights=population the CV "
                            "is the population-weighted (Williamson) index");
        rq->wind = weight_indicator(s, rq->ind);
        if (rq->wind == STORE_NONE)
            return api_fail(err, 422, "no_weights", "weights",
                            "%s has no weight_indicator and there is no population indicator", id);
    }
    if (select_regions(s, list, "regions", &rq->sel, err) != 0)
        return -1;
    if (select_resolve_latest(s, rq->ind, &rq->sel, &rq->yr, id, err) != 0)
        return -1;
    for (size_t k = 0; rq->by_parent && k < rq->sel.n; k++)
        if (store_region_at(s, rq->sel.items[k])->parent == STORE_NONE)
            return api_fail(err, 400, "bad_parameter", "group_by",
                            "group_by=parent: %s has no parent region",
                            region_id(s, rq->sel.items[k]));
    return 0;
}

/* Definitions of the measures, as KEY, TEXT pairs (out_conventions). */
static const char *const dispersion_conventions[] = {
    "balanced",
    "every year listed has a value (and a weight) for every region listed; the rest is in "
    "left_out",
    "cv",
    "standard deviation / mean; population: divisor n (or the weight total), sample: "
    "n - 1; weighted by population it is the Williamson index",
    "gini",
    "sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mean), no small-sample correction",
    "theil_t",
    "GE(1) = (1/W) sum w_i (x_i/mean) ln(x_i/mean)",
    "theil_l",
    "GE(0), the mean log deviation = (1/W) sum w_i ln(mean/x_i)",
    "atkinson",
    "1 - (equally distributed equivalent / mean) with inequality aversion "
    "epsilon",
    "decomposition",
    "T: within = sum s_k T_k, between = sum s_k ln(s_k/v_k); L: within = "
    "sum v_k L_k, between = sum v_k ln(v_k/s_k); v = population share, s = "
    "value share",
    "dagum",
    "Dagum (1997), n^2 form: gini = within + net_between + transvariation, between = "
    "net_between + transvariation; G_jh = sum_i sum_r w_i w_r |x_i - x_r| / (W_j W_h "
    "(mean_j + mean_h)); relative_affluence D_jh = (d_jh - p_jh) / (d_jh + p_jh) with the "
    "richer group j first (equal means: 0); shares in percent of gini; every region weight 1 "
    "unless weights=population",
    "sigma_convergence",
    "ordinary least squares trend of the CV per year; segments as R "
    "strucchange::breakpoints(cv ~ year, h = 0.15) (min_segment); direction of the last "
    "segment, direction_overall of the whole trend",
    NULL};

/* The members before the year rows: the request as understood and what the panel left out. */
static void head_doc(struct doc *d, const struct store *s, const struct query *q,
                     const struct dispersion_req *rq, const struct panel *p)
{
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq->ind, q);
    doc_key(d, "regions");
    out_region_ids_doc(d, s, p->regions, p->nr);
    doc_key(d, "measures");
    doc_array_begin(d);
    for (int m = 0; m < M_COUNT; m++)
        if (rq->want[m])
            doc_str(d, measure_names[m]);
    doc_array_end(d);
    doc_set_str(d, "weights", rq->wind == STORE_NONE ? "none" : "population");
    doc_set_str(d, "weight_indicator",
                rq->wind == STORE_NONE ? NULL : store_indicator_at(s, rq->wind)->id);
    doc_set_str(d, "cv", rq->sample_cv ? "sample" : "population");
    doc_set_num(d, "epsilon", rq->epsilon);
    doc_set_str(d, "group_by", rq->by_parent ? "parent" : NULL);
    doc_key(d, "conventions");
    out_conventions_doc(d, dispersion_conventions);
    doc_key(d, "left_out");
    out_left_out_doc(d, s, p, NULL);
}

/* What both forms of the answer start from: the request, its balanced panel (checked for the
 * measures asked), and room for the CV of each year. 0, or -1 with ERR (free what is set with
 * dispersion_free). */
static int dispersion_prepare(const struct store *s, const struct query *q,
                              struct dispersion_req *rq, struct panel *p, double **cvs,
                              struct api_error *err)
{
    memset(rq, 0, sizeof *rq);
    *cvs = NULL;
    if (parse_dispersion(s, q, rq, err) != 0 ||
        panel_build(s, rq->ind, rq->wind, &rq->sel, &rq->yr, p, err) != 0)
        return -1;
    if (panel_require(p, 2, 1, "dispersion", err) != 0 || check_domain(s, rq, p, err) != 0)
        return -1;
    *cvs = malloc(p->ny * sizeof **cvs);
    if (!*cvs)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    return 0;
}

static void dispersion_free(struct dispersion_req *rq, struct panel *p, double *cvs)
{
    free(cvs);
    panel_free(p);
    selection_free(&rq->sel);
}

int gaps_dispersion(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err)
{
    struct dispersion_req rq;
    struct panel p = {0};
    double *cvs = NULL;
    struct metrics_set set = {0}; /* reopened year by year: no allocation per year */
    struct by_parent bp = {0};
    struct out_region_memo regions = {0};
    int rc = -1, all_cv = 1;
    if (dispersion_prepare(s, q, &rq, &p, &cvs, err) != 0 ||
        (rq.by_parent && by_parent_make(s, &p, &bp, err) != 0))
        goto done;
    bp.regions = &regions;
    doc_object_begin(d);
    head_doc(d, s, q, &rq, &p);
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t y = 0; y < p.ny; y++) {
        int has_cv = 0;
        doc_object_begin(d);
        metrics_set_open(&set, &p.x[y * p.nr], p.w ? &p.w[y * p.nr] : NULL, p.nr);
        if (year_doc(d, s, q, &rq, &p, &bp, y, &set, &cvs[y], &has_cv, err) != 0)
            goto done;
        doc_object_end(d);
        all_cv = all_cv && has_cv;
    }
    doc_array_end(d);
    doc_key(d, "sigma_convergence");
    if (sigma_doc(d, p.years, cvs, all_cv ? p.ny : 0, rq.min_segment, 0, err) != 0)
        goto done;
    doc_object_end(d);
    rc = 0;
done:
    by_parent_free(&bp);
    dispersion_free(&rq, &p, cvs);
    return rc;
}

/* ------------------------------------------------------------ convergence ----------- */

struct convergence_req {
    uint32_t ind;
    struct selection sel;
    struct year_range yr;
};

/* From and to default to the first and last year with data of any selected region. */
static int convergence_years(const struct store *s, struct convergence_req *rq,
                             struct api_error *err)
{
    int *years = NULL;
    size_t n = 0;
    if (select_years(s, rq->ind, &rq->sel, &rq->yr, &years, &n, err) != 0)
        return -1;
    if (n >= 2) {
        rq->yr.from = years[0];
        rq->yr.to = years[n - 1];
    }
    free(years);
    if (n < 2)
        return api_fail(err, 422, "too_few_years", "from",
                        "beta convergence needs data in two different years");
    return 0;
}

static const char *const convergence_conventions[] = {
    "beta",
    "ordinary least squares of ln(y_to / y_from) / T on ln y_from; converging when "
    "beta < 0 and significant",
    "t",
    "beta / se; p_value two-sided from Student t with n - 2 degrees of freedom; "
    "significant when p_value < 0.05 (an exact fit, se = 0: t null, p_value 0)",
    "speed",
    "lambda = -ln(1 + beta T) / T per year",
    "half_life",
    "ln 2 / lambda, in years",
    "growth_rate",
    "ln(y_to / y_from) / T, per year",
    "sigma",
    "coefficient of variation (population sd) of the regions with data in both "
    "years, in every year between where all of them have data; its OLS trend",
    NULL};

/* The regions with data in both years into USED, Y0 and YT (room for every selected region);
 * 0, or -1 with a 422 for a value that has no logarithm. */
static int convergence_used(const struct store *s, const struct convergence_req *rq,
                            struct selection *used, double *y0, double *yT, struct api_error *err)
{
    for (size_t k = 0; k < rq->sel.n; k++) {
        uint32_t r = rq->sel.items[k];
        const struct observation *a = store_get(s, rq->ind, r, rq->yr.from),
                                 *b = store_get(s, rq->ind, r, rq->yr.to);
        if (!a || !b)
            continue;
        if (a->value <= 0 || b->value <= 0)
            return api_fail(err, 422, "undefined", "regions",
                            "beta convergence takes logarithms: %s has %g in %d", region_id(s, r),
                            a->value <= 0 ? a->value : b->value,
                            a->value <= 0 ? rq->yr.from : rq->yr.to);
        y0[used->n] = a->value;
        yT[used->n] = b->value;
        used->items[used->n++] = r;
    }
    return 0;
}

static void beta_doc(struct doc *d, const struct metrics_beta *beta)
{
    doc_object_begin(d);
    doc_set_num(d, "beta", beta->beta);
    doc_set_num(d, "alpha", beta->alpha);
    doc_set_num(d, "se", beta->se);
    doc_set_num(d, "r2", beta->r2);
    doc_set_int(d, "n", (long long)beta->n);
    doc_key(d, "t");
    num_if(d, beta->has_t, beta->t);
    doc_set_num(d, "p_value", beta->p_value);
    doc_key(d, "significant");
    doc_bool(d, beta->significant);
    doc_key(d, "converging");
    doc_bool(d, beta->converging);
    doc_key(d, "speed");
    num_if(d, beta->has_speed, beta->speed);
    doc_key(d, "half_life");
    num_if(d, beta->has_half_life, beta->half_life);
    doc_object_end(d);
}

/* regions[] (with data in both years: USED, Y0, YT) and left_out[] (the others). */
static void convergence_regions_doc(struct doc *d, const struct store *s, const struct query *q,
                                    const struct convergence_req *rq, const struct selection *used,
                                    const double *y0, const double *yT)
{
    int from = rq->yr.from, to = rq->yr.to;
    doc_key(d, "regions");
    doc_array_begin(d);
    for (size_t k = 0; k < used->n; k++) {
        doc_object_begin(d);
        doc_key(d, "region");
        out_region_doc(d, s, used->items[k], q);
        doc_set_num(d, "start_value", y0[k]);
        doc_set_num(d, "end_value", yT[k]);
        /* ln b - ln a when the quotient of two extreme values overflows or underflows */
        double ratio = yT[k] / y0[k];
        double growth = isfinite(ratio) && ratio > 0 ? log(ratio) : log(yT[k]) - log(y0[k]);
        doc_set_num(d, "growth_rate", growth / (to - from));
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "left_out");
    doc_array_begin(d);
    for (size_t k = 0; k < rq->sel.n; k++) {
        uint32_t r = rq->sel.items[k];
        int has_a = store_get(s, rq->ind, r, from) != NULL,
            has_b = store_get(s, rq->ind, r, to) != NULL;
        if (has_a && has_b)
            continue;
        doc_object_begin(d);
        doc_set_str(d, "region", region_id(s, r));
        doc_set_str(d, "reason",
                    !has_a ? "no value in the first year" : "no value in the last year");
        doc_object_end(d);
    }
    doc_array_end(d);
}

/* Everything is computed before anything is written, so every failure is one cleanup path. */
int gaps_convergence(const struct store *s, const struct query *q, struct doc *d,
                     struct api_error *err)
{
    struct convergence_req rq;
    struct panel p = {0};
    struct selection used = {0};
    double *y0 = NULL, *yT = NULL, *cvs = NULL;
    int rc = -1, code;
    memset(&rq, 0, sizeof rq);
    const char *id = query_require(q, "indicator", err);
    const char *list = id ? query_require(q, "regions", err) : NULL;
    if (!list)
        return -1;
    rq.ind = select_indicator(s, id, "indicator", err);
    if (rq.ind == STORE_NONE || select_year_range(q, 0, &rq.yr, err) != 0 ||
        select_regions(s, list, "regions", &rq.sel, err) != 0 ||
        convergence_years(s, &rq, err) != 0)
        goto done;
    int from = rq.yr.from, to = rq.yr.to;
    y0 = malloc((rq.sel.n + 1) * sizeof *y0);
    yT = malloc((rq.sel.n + 1) * sizeof *yT);
    used.items = malloc((rq.sel.n + 1) * sizeof *used.items);
    if (!y0 || !yT || !used.items) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (convergence_used(s, &rq, &used, y0, yT, err) != 0)
        goto done;
    struct metrics_beta beta;
    code = metrics_beta_convergence(y0, yT, used.n, to - from, &beta);
    if (code != METRICS_OK) {
        api_fail(err, 422, code == METRICS_E_TOO_FEW ? "too_few_regions" : "undefined", "regions",
                 "beta convergence %s-%d: %s (%zu regions have data in both years; it needs 3)", id,
                 to, metrics_strerror(code), used.n);
        goto done;
    }
    struct year_range span = {.from = from, .to = to};
    if (panel_build(s, rq.ind, STORE_NONE, &used, &span, &p, err) != 0)
        goto done;
    cvs = malloc((p.ny + 1) * sizeof *cvs);
    if (!cvs) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    for (size_t y = 0; y < p.ny; y++)
        if ((code = metrics_cv(&p.x[y * p.nr], NULL, p.nr, 0, &cvs[y])) != METRICS_OK) {
            undefined(err, "regions", "the coefficient of variation", NULL, p.years[y], code);
            goto done;
        }
    doc_object_begin(d);
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq.ind, q);
    doc_set_int(d, "from", from);
    doc_set_int(d, "to", to);
    doc_set_int(d, "years", to - from);
    doc_key(d, "conventions");
    out_conventions_doc(d, convergence_conventions);
    convergence_regions_doc(d, s, q, &rq, &used, y0, yT);
    doc_key(d, "beta");
    beta_doc(d, &beta);
    doc_key(d, "sigma");
    if (sigma_doc(d, p.years, cvs, p.ny, 0, p.nr, err) != 0)
        goto done;
    doc_object_end(d);
    rc = 0;
done:
    free(y0);
    free(yT);
    free(cvs);
    selection_free(&used);
    panel_free(&p);
    selection_free(&rq.sel);
    return rc;
}
