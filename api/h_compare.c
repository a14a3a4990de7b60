/* api/h_compare.c — ranked comparison tables (/v1/compare) and region profiles. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "metrics.h"
#include "out.h"
#include "select.h"

/* Does A beat B for an indicator with this higher_is_better (neutral: larger first)? */
static int better(double a, double b, int higher_is_better)
{
    return higher_is_better == 0 ? a < b : a > b;
}

/* Competition ranking ("1224"): one plus the number of values that beat X. */
static int rank_in(double x, const double *values, size_t n, int hib)
{
    int rank = 1;
    for (size_t k = 0; k < n; k++)
        rank += better(values[k], x, hib);
    return rank;
}

static int is_percent(const struct indicator *ind)
{
    return ind->unit && strcmp(ind->unit, "%") == 0;
}

/* Member KEY: *X, the result of a metric that returned RC, or null when it is undefined. X is a
 * pointer so that it is read after the metric (in the call's arguments) has written it. */
static void metric_member(struct doc *d, const char *key, int rc, const double *x)
{
    doc_key(d, key);
    if (rc == METRICS_OK)
        doc_num(d, *x);
    else
        doc_null(d);
}

/* The members {reference_value, ratio, difference, relative_gap} of REF against X, into the
 * open object: reference / x, reference - x, (reference - x) / reference; a part that is
 * undefined (a division by zero, an overflow) is null. */
static void versus_members(struct doc *d, double ref, double x)
{
    double v;
    doc_set_num(d, "reference_value", ref);
    metric_member(d, "ratio", metrics_ratio(ref, x, &v), &v);
    metric_member(d, "difference", metrics_difference(ref, x, &v), &v);
    metric_member(d, "relative_gap", metrics_relative_gap(ref, x, &v), &v);
}

static void change_doc(struct doc *d, const struct indicator *ind, int y0, double v0, int y1,
                       double v1)
{
    double v;
    doc_object_begin(d);
    doc_set_int(d, "from_year", y0);
    doc_set_num(d, "from_value", v0);
    metric_member(d, "absolute", metrics_difference(v1, v0, &v), &v);
    /* for an indicator in % the absolute change is in percentage points */
    doc_set_str(d, "absolute_unit", is_percent(ind) ? "percentage points" : ind->unit);
    metric_member(d, "percent", metrics_growth_pct(v0, v1, &v), &v);
    metric_member(d, "multiple", metrics_multiple(v0, v1, &v), &v);
    metric_member(d, "cagr", metrics_cagr(v0, v1, y1 - y0, &v), &v);
    doc_object_end(d);
}

/* The id of source SOURCE, or NULL (written as null). */
static const char *source_id(const struct store *s, uint32_t source)
{
    return source == STORE_NONE ? NULL : store_source_at(s, source)->id;
}

struct compare_req {
    struct selection inds, regs;
    struct year_range yr;
    int since, has_since;
    uint32_t ref;
};

static int parse_compare(const struct store *s, const struct query *q, struct compare_req *rq,
                         struct api_error *err)
{
    int bad;
    const char *ilist = query_require(q, "indicators", err);
    const char *rlist = ilist ? query_require(q, "regions", err) : NULL;
    if (!rlist)
        return -1;
    if (select_year_range(q, 1, &rq->yr, err) != 0)
        return -1;
    if (!rq->yr.single) /* year defaults to latest */
        rq->yr.latest = rq->yr.single = 1;
    rq->has_since = query_year(q, "since", &rq->since, err);
    if (rq->has_since < 0)
        return -1;
    if (rq->has_since && !rq->yr.latest && rq->since >= rq->yr.from)
        return api_fail(err, 400, "bad_range", "since", "since (%d) must be before year (%d)",
                        rq->since, rq->yr.from);
    const char *ref = query_value(q, "reference", err, &bad);
    if (bad)
        return -1;
    rq->ref = STORE_NONE;
    if (ref && (rq->ref = select_region(s, ref, "reference", err)) == STORE_NONE)
        return -1;
    if (select_indicators(s, ilist, "indicators", &rq->inds, err) != 0)
        return -1;
    return select_regions(s, rlist, "regions", &rq->regs, err);
}

/* The year of the table for indicator IND: year=Y, or the latest common year. */
static int table_year(const struct store *s, const struct compare_req *rq, uint32_t ind,
                      struct api_error *err)
{
    const char *id = store_indicator_at(s, ind)->id;
    if (!rq->yr.latest) {
        for (size_t k = 0; k < rq->regs.n; k++)
            if (!store_get(s, ind, rq->regs.items[k], rq->yr.from))
                return api_fail(err, 422, "no_data", "year", "%s has no value of %s in %d",
                                store_region_at(s, rq->regs.items[k])->id, id, rq->yr.from);
        return rq->yr.from;
    }
    struct year_range any = {.from = 1000, .to = 9999};
    int y = select_latest_year(s, ind, &rq->regs, &any);
    if (!y)
        return api_fail(err, 422, "no_common_year", "year",
                        "no year has a value of %s for every selected region", id);
    if (rq->has_since && rq->since >= y)
        return api_fail(err, 400, "bad_range", "since",
                        "since (%d) must be before the latest common year of %s (%d)", rq->since,
                        id, y);
    return y;
}

/* The rows of one indicator, written into the open array. On -1 (ERR) the document is left
 * open: the caller throws it away. */
static int indicator_rows(const struct store *s, const struct query *q,
                          const struct compare_req *rq, uint32_t ind, struct doc *d,
                          struct api_error *err)
{
    const struct indicator *in = store_indicator_at(s, ind);
    int year = table_year(s, rq, ind, err);
    if (year < 0)
        return -1;
    size_t n = rq->regs.n;
    double *v = malloc((n + 1) * sizeof *v), mean = 0, total = 0;
    if (!v)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (size_t k = 0; k < n; k++)
        v[k] = store_get(s, ind, rq->regs.items[k], year)->value;
    int have_mean = metrics_mean(v, NULL, n, &mean) == METRICS_OK;
    for (size_t k = 0; k < n; k++)
        total += v[k];
    const struct observation *ref = rq->ref == STORE_NONE ? NULL : store_get(s, ind, rq->ref, year);
    if (rq->ref != STORE_NONE && !ref) {
        free(v);
        return api_fail(err, 422, "no_data", "reference", "%s has no value of %s in %d",
                        store_region_at(s, rq->ref)->id, in->id, year);
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t r = rq->regs.items[k];
        const struct observation *o = store_get(s, ind, r, year);
        const struct series *se = store_series(s, ind, r);
        double x;
        doc_object_begin(d);
        doc_key(d, "indicator");
        out_indicator_doc(d, s, ind, q);
        doc_key(d, "region");
        out_region_doc(d, s, r, q);
        doc_set_int(d, "year", year);
        doc_set_num(d, "value", o->value);
        doc_set_str(d, "unit", out_text(in->unit, in->unit_zh, q));
        doc_set_str(d, "status", store_status_name(o->status));
        doc_set_str(d, "source", source_id(s, o->source));
        doc_key(d, "computed");
        doc_bool(d, se->members > 0);
        doc_set_int(d, "rank", rank_in(o->value, v, n, in->higher_is_better));
        doc_set_int(d, "rank_of", (long long)n);
        /* a sum that overflowed is not finite, and metrics_ratio refuses it: no share */
        doc_key(d, "share");
        if (in->aggregation == AGG_SUM && metrics_ratio(o->value, total, &x) == METRICS_OK)
            doc_num(d, x);
        else
            doc_null(d);
        doc_key(d, "vs_mean");
        if (have_mean && metrics_ratio(o->value, mean, &x) == METRICS_OK)
            doc_num(d, x);
        else
            doc_null(d);
        doc_key(d, "vs_reference");
        if (ref) {
            doc_object_begin(d);
            versus_members(d, ref->value, o->value);
            doc_object_end(d);
        } else {
            doc_null(d);
        }
        doc_key(d, "change");
        if (rq->has_since) {
            const struct observation *o0 = store_get(s, ind, r, rq->since);
            if (!o0) {
                free(v);
                return api_fail(err, 422, "no_data", "since", "%s has no value of %s in %d",
                                store_region_at(s, r)->id, in->id, rq->since);
            }
            change_doc(d, in, rq->since, o0->value, year, o->value);
        } else {
            doc_null(d);
        }
        doc_object_end(d);
    }
    free(v);
    return 0;
}

int compare_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct compare_req rq;
    int rc = -1;
    memset(&rq, 0, sizeof rq);
    if (parse_compare(s, q, &rq, err) != 0)
        goto done;
    doc_object_begin(d);
    doc_key(d, "year");
    if (rq.yr.latest)
        doc_str(d, "latest");
    else
        doc_int(d, rq.yr.from);
    doc_key(d, "since");
    if (rq.has_since)
        doc_int(d, rq.since);
    else
        doc_null(d);
    doc_key(d, "reference");
    if (rq.ref == STORE_NONE)
        doc_null(d);
    else
        out_region_doc(d, s, rq.ref, q);
    static const char *const conv[] = {
        "rank",
        "1 = best by the indicator's higher_is_better (larger first when neutral); "
        "ties share a rank",
        "share",
        "value / sum over the selected regions, for indicators that add up "
        "(aggregation sum)",
        "vs_mean",
        "value / mean of the selected regions",
        "vs_reference",
        "ratio = reference / value, difference = reference - value, "
        "relative_gap = (reference - value) / reference",
        "change",
        "absolute = value - from_value (percentage points for indicators in %), "
        "percent = 100 (value / from_value - 1), multiple = value / from_value, "
        "cagr = multiple^(1 / years) - 1",
        NULL};
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "rows");
    doc_array_begin(d);
    for (size_t k = 0; k < rq.inds.n; k++)
        if (indicator_rows(s, q, &rq, rq.inds.items[k], d, err) != 0)
            goto done;
    doc_array_end(d);
    doc_object_end(d);
    rc = 0;
done:
    selection_free(&rq.inds);
    selection_free(&rq.regs);
    return rc;
}

/* ---------------------------------------------------------------- profile ----------- */

/* Rank of region R among the regions of its kind with a value of IND in YEAR. */
static void kind_rank(const struct store *s, uint32_t ind, uint32_t r, int year, double x,
                      int *rank, int *of)
{
    const struct indicator *in = store_indicator_at(s, ind);
    const char *kind = store_region_at(s, r)->kind;
    *rank = 1;
    *of = 0;
    for (uint32_t k = 0; k < in->n_series; k++) {
        const struct series *se = store_series_at(s, in->series[k]);
        if (strcmp(store_region_at(s, se->region)->kind, kind) != 0)
            continue;
        const struct observation *o = store_value_at(s, se, year);
        if (!o)
            continue;
        (*of)++;
        *rank += better(o->value, x, in->higher_is_better);
    }
}

/* The parent's value in YEAR, else china's (the national figure). */
static uint32_t gap_reference(const struct store *s, uint32_t ind, uint32_t r, int year)
{
    uint32_t parent = store_region_at(s, r)->parent;
    if (parent != STORE_NONE && store_get(s, ind, parent, year))
        return parent;
    uint32_t china = store_region_index(s, "china", 5);
    if (china != STORE_NONE && china != r && store_get(s, ind, china, year))
        return china;
    return STORE_NONE;
}

static void profile_row(struct doc *d, const struct store *s, const struct query *q, uint32_t ind,
                        uint32_t r, const struct series *se, const struct observation *o)
{
    int rank, of;
    doc_object_begin(d);
    doc_key(d, "indicator");
    out_indicator_doc(d, s, ind, q);
    doc_set_int(d, "year", o->year);
    doc_set_num(d, "value", o->value);
    doc_set_str(d, "status", store_status_name(o->status));
    doc_set_str(d, "source", source_id(s, o->source));
    doc_key(d, "computed");
    doc_bool(d, se->members > 0);
    kind_rank(s, ind, r, o->year, o->value, &rank, &of);
    doc_set_int(d, "rank", rank);
    doc_set_int(d, "rank_of", of);
    uint32_t ref = gap_reference(s, ind, r, o->year);
    doc_key(d, "vs_parent");
    if (ref != STORE_NONE) {
        double rv = store_get(s, ind, ref, o->year)->value;
        doc_object_begin(d);
        versus_members(d, rv, o->value);
        doc_set_str(d, "reference", store_region_at(s, ref)->id);
        /* for an indicator that adds up, the part of the parent this region makes */
        double share;
        doc_key(d, "share");
        if (store_indicator_at(s, ind)->aggregation == AGG_SUM &&
            metrics_ratio(o->value, rv, &share) == METRICS_OK)
            doc_num(d, share);
        else
            doc_null(d);
        doc_object_end(d);
    } else {
        doc_null(d);
    }
    doc_object_end(d);
}

int profile_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct year_range yr;
    uint32_t r = select_region(s, q->path_arg, NULL, err);
    if (r == STORE_NONE || select_year_range(q, 1, &yr, err) != 0)
        return -1;
    const struct region *reg = store_region_at(s, r);
    doc_object_begin(d);
    /* out_region_doc's members and the parent's */
    doc_key(d, "region");
    doc_object_begin(d);
    doc_set_str(d, "id", reg->id);
    out_texts_doc(d, "name", reg->name_en, reg->name_zh, q);
    doc_set_str(d, "kind", reg->kind);
    doc_key(d, "parent");
    if (reg->parent == STORE_NONE)
        doc_null(d);
    else
        out_region_doc(d, s, reg->parent, q);
    doc_object_end(d);
    doc_key(d, "year");
    if (yr.single && !yr.latest)
        doc_int(d, yr.from);
    else
        doc_str(d, "latest");
    static const char *const conv[] = {
        "rank",
        "among regions of the same kind with a value in that year; 1 = best by "
        "higher_is_better",
        "vs_parent",
        "against the parent region's value in the same year (or china's): ratio = "
        "reference / value, difference = reference - value; share = value / "
        "reference for indicators that add up",
        NULL};
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "indicators");
    doc_array_begin(d);
    for (uint32_t i = 0; i < store_indicator_count(s); i++) {
        const struct series *se = store_series(s, i, r);
        if (!se)
            continue;
        const struct observation *o;
        if (yr.single && !yr.latest) {
            o = store_value_at(s, se, yr.from);
        } else { /* the latest value within from..to */
            uint32_t k = store_lower_bound(s, se, yr.to + 1);
            o = k > 0 && store_observations(s, se)[k - 1].year >= yr.from
                    ? &store_observations(s, se)[k - 1]
                    : NULL;
        }
        if (o)
            profile_row(d, s, q, i, r, se, o);
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}
