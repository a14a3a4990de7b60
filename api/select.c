/* api/select.c — id lists to index arrays. */
#include "select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

static int add(struct selection *sel, uint32_t ix, size_t cap)
{
    for (size_t k = 0; k < sel->n; k++)
        if (sel->items[k] == ix)
            return 0;
    if (sel->n == cap)
        return -1;
    sel->items[sel->n++] = ix;
    return 0;
}

/* ---- suggestions for an unknown id --------------------------------------------------------- */

enum id_kind { ID_INDICATOR, ID_REGION, ID_GROUP };

/* The id and names of entry K of KIND (names may be NULL). */
static size_t id_count(const struct store *s, enum id_kind kind)
{
    return kind == ID_INDICATOR ? store_indicator_count(s)
           : kind == ID_REGION  ? store_region_count(s)
                                : store_group_count(s);
}

static void id_texts(const struct store *s, enum id_kind kind, uint32_t k, const char *t[3])
{
    if (kind == ID_INDICATOR) {
        const struct indicator *i = store_indicator_at(s, k);
        t[0] = i->id, t[1] = i->name_en, t[2] = i->name_zh;
    } else if (kind == ID_REGION) {
        const struct region *r = store_region_at(s, k);
        t[0] = r->id, t[1] = r->name_en, t[2] = r->name_zh;
    } else {
        const struct group *g = store_group_at(s, k);
        t[0] = g->id, t[1] = g->name_en, t[2] = g->name_zh;
    }
}

struct near {
    uint32_t k;
    unsigned d;
};

static int by_distance(const void *a, const void *b)
{
    const struct near *x = a, *y = b;
    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Fills ERR's suggestions with the ids of KIND closest to TYPED (LEN bytes) by edit distance to
 * the id, the English or the Chinese name, best first (ties in the data's order), only those
 * query_close allows; then says "did you mean" in the detail. */
static void suggest_ids(const struct store *s, enum id_kind kind, const char *typed, size_t len,
                        struct api_error *err)
{
    char text[256];
    size_t n = id_count(s, kind);
    struct near *all = malloc((n + 1) * sizeof *all);
    err->n_suggestions = 0;
    if (!all || len >= sizeof text)
        goto done;
    memcpy(text, typed, len);
    text[len] = '\0';
    size_t m = 0;
    for (uint32_t k = 0; k < n; k++) {
        const char *t[3];
        unsigned best = UINT_MAX;
        id_texts(s, kind, k, t);
        for (int i = 0; i < 3; i++) {
            unsigned d = t[i] ? query_distance(text, t[i]) : UINT_MAX;
            if (d < best)
                best = d;
        }
        if (best != UINT_MAX && query_close(best, text))
            all[m++] = (struct near){k, best};
    }
    qsort(all, m, sizeof *all, by_distance);
    for (size_t i = 0; i < m && i < API_MAX_SUGGESTIONS; i++) {
        const char *t[3];
        id_texts(s, kind, all[i].k, t);
        api_suggest(err, t[0]);
    }
    api_did_you_mean(err);
done:
    free(all);
}

static int unknown_id(const struct store *s, enum id_kind kind, const char *param, const char *item,
                      size_t len, struct api_error *err)
{
    static const char *const what[] = {"indicator", "region", "group"};
    static const char *const code[] = {"unknown_indicator", "unknown_region", "unknown_group"};
    static const char *const list[] = {"/v1/indicators", "/v1/regions", "/v1/groups"};
    api_fail(err, 404, code[kind], param, "no %s '%.*s' (see %s)", what[kind],
             (int)(len > 64 ? 64 : len), item, list[kind]);
    suggest_ids(s, kind, item, len, err);
    return -1;
}

static int bad_item(struct api_error *err, const char *param, const char *item, size_t len)
{
    return api_fail(err, 400, "bad_list", param,
                    "%s has an empty or malformed item '%.*s'; items are ids, group:NAME or "
                    "children:ID separated by commas",
                    param, (int)(len > 60 ? 60 : len), item);
}

/* Walks the comma-separated LIST, calling ONE for each trimmed item. */
static int each_item(const char *list, const char *param, struct api_error *err,
                     int (*one)(const char *item, size_t len, void *ctx), void *ctx)
{
    size_t items = 0, len;
    const char *p = list, *item;
    while (query_list_next(&p, &item, &len)) {
        if (len == 0)
            return bad_item(err, param, item, len);
        if (++items > SELECT_MAX_ITEMS)
            return api_fail(err, 400, "too_many_items", param, "%s lists more than %d items", param,
                            SELECT_MAX_ITEMS);
        if (one(item, len, ctx) != 0)
            return -1;
    }
    return 0;
}

struct region_ctx {
    const struct store *s;
    const char *param;
    struct api_error *err;
    struct selection *out;
    size_t cap;
    unsigned char *seen; /* seen[r]: region r is in OUT already (CAP of them) */
};

/* add() for regions: whether R is there already is one byte, not a scan of OUT (a group of 31
 * provinces was 465 comparisons). */
static void add_region(struct region_ctx *c, uint32_t r)
{
    if (c->seen[r] || c->out->n == c->cap)
        return;
    c->seen[r] = 1;
    c->out->items[c->out->n++] = r;
}

static int prefixed(const char *item, size_t len, const char *prefix, size_t *skip)
{
    size_t n = strlen(prefix);
    if (len > n && strncmp(item, prefix, n) == 0) {
        *skip = n;
        return 1;
    }
    return 0;
}

static int one_region(const char *item, size_t len, void *vctx)
{
    struct region_ctx *c = vctx;
    size_t skip;
    if (prefixed(item, len, "group:", &skip)) {
        uint32_t g = store_group_index(c->s, item + skip, len - skip);
        if (g == STORE_NONE)
            return unknown_id(c->s, ID_GROUP, c->param, item + skip, len - skip, c->err);
        const struct group *grp = store_group_at(c->s, g);
        for (uint32_t k = 0; k < grp->n_members; k++)
            add_region(c, grp->members[k]);
        return 0;
    }
    if (prefixed(item, len, "children:", &skip)) {
        uint32_t r = store_region_index(c->s, item + skip, len - skip);
        if (r == STORE_NONE)
            return unknown_id(c->s, ID_REGION, c->param, item + skip, len - skip, c->err);
        const struct region *reg = store_region_at(c->s, r);
        for (uint32_t k = 0; k < reg->n_children; k++)
            add_region(c, reg->children[k]);
        return 0;
    }
    if (memchr(item, ':', len))
        return bad_item(c->err, c->param, item, len);
    uint32_t r = store_region_index(c->s, item, len);
    if (r == STORE_NONE)
        return unknown_id(c->s, ID_REGION, c->param, item, len, c->err);
    add_region(c, r);
    return 0;
}

static int start(struct selection *out, size_t cap, struct api_error *err)
{
    out->n = 0;
    out->items = malloc((cap + 1) * sizeof *out->items);
    if (!out->items)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    return 0;
}

int select_regions(const struct store *s, const char *list, const char *param,
                   struct selection *out, struct api_error *err)
{
    struct region_ctx c = {s, param, err, out, store_region_count(s), NULL};
    c.seen = calloc(c.cap + 1, 1);
    if (!c.seen)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    int rc = start(out, c.cap, err);
    if (rc == 0 && each_item(list, param, err, one_region, &c) != 0) {
        selection_free(out);
        rc = -1;
    }
    free(c.seen);
    return rc;
}

struct indicator_ctx {
    const struct store *s;
    const char *param;
    struct api_error *err;
    struct selection *out;
};

static int one_indicator(const char *item, size_t len, void *vctx)
{
    struct indicator_ctx *c = vctx;
    uint32_t i = store_indicator_index(c->s, item, len);
    if (i == STORE_NONE)
        return unknown_id(c->s, ID_INDICATOR, c->param, item, len, c->err);
    add(c->out, i, store_indicator_count(c->s));
    return 0;
}

int select_indicators(const struct store *s, const char *list, const char *param,
                      struct selection *out, struct api_error *err)
{
    struct indicator_ctx c = {s, param, err, out};
    if (start(out, store_indicator_count(s), err) != 0)
        return -1;
    if (each_item(list, param, err, one_indicator, &c) != 0) {
        selection_free(out);
        return -1;
    }
    return 0;
}

uint32_t select_indicator(const struct store *s, const char *id, const char *param,
                          struct api_error *err)
{
    uint32_t i = store_indicator_index(s, id, strlen(id));
    if (i == STORE_NONE)
        unknown_id(s, ID_INDICATOR, param, id, strlen(id), err);
    return i;
}

uint32_t select_region(const struct store *s, const char *id, const char *param,
                       struct api_error *err)
{
    uint32_t r = store_region_index(s, id, strlen(id));
    if (r == STORE_NONE)
        unknown_id(s, ID_REGION, param, id, strlen(id), err);
    return r;
}

void selection_free(struct selection *sel)
{
    free(sel->items);
    sel->items = NULL;
    sel->n = 0;
}

int select_year_range(const struct query *q, int allow_year, struct year_range *yr,
                      struct api_error *err)
{
    memset(yr, 0, sizeof *yr);
    yr->from = 1000;
    yr->to = 9999;
    int has_from = query_year(q, "from", &yr->from, err);
    if (has_from < 0)
        return -1;
    int has_to = query_year(q, "to", &yr->to, err);
    if (has_to < 0)
        return -1;
    if (yr->from > yr->to)
        return api_fail(err, 400, "bad_range", "from", "from (%d) is after to (%d)", yr->from,
                        yr->to);
    const char *year = allow_year ? query_get(q, "year") : NULL;
    if (!year)
        return 0;
    if (has_from || has_to)
        return api_fail(err, 400, "conflicting_parameters", "year",
                        "give either year or from/to, not both");
    yr->single = 1;
    if (strcmp(year, "latest") == 0) {
        yr->latest = 1;
        return 0;
    }
    if (query_year(q, "year", &yr->from, err) < 0) {
        snprintf(err->detail, sizeof err->detail,
                 "year must be 'latest' or a year from 1000 to 9999, not '%.40s'", year);
        return -1;
    }
    yr->to = yr->from;
    return 0;
}

int select_latest_year(const struct store *s, uint32_t ind, const struct selection *sel,
                       const struct year_range *yr)
{
    if (sel->n == 0)
        return 0;
    const struct series *first = store_series(s, ind, sel->items[0]);
    if (!first)
        return 0;
    const struct observation *o = store_observations(s, first);
    for (uint32_t k = first->count; k-- > 0;) {
        int year = o[k].year;
        if (year > yr->to)
            continue;
        if (year < yr->from)
            break;
        size_t m = 1;
        while (m < sel->n && store_value_at(s, store_series(s, ind, sel->items[m]), year))
            m++;
        if (m == sel->n)
            return year;
    }
    return 0;
}

int select_resolve_latest(const struct store *s, uint32_t ind, const struct selection *sel,
                          struct year_range *yr, const char *id, struct api_error *err)
{
    if (!yr->latest)
        return 0;
    int y = select_latest_year(s, ind, sel, yr);
    if (!y)
        return api_fail(err, 422, "no_common_year", "year",
                        "no year has data of '%s' for every selected region", id);
    yr->from = yr->to = y;
    return 0;
}

/* Merges the sorted distinct years A[0..NA) with the years of O[0..NO) (ascending, as a series
 * stores them) into OUT, distinct and ascending; returns the count. */
static size_t merge_years(const int *a, size_t na, const struct observation *o, size_t no, int *out)
{
    size_t i = 0, j = 0, m = 0;
    while (i < na || j < no) {
        int y = j == no || (i < na && a[i] <= o[j].year) ? a[i] : o[j].year;
        if (m == 0 || out[m - 1] != y)
            out[m++] = y;
        i += i < na && a[i] == y;
        j += j < no && o[j].year == y;
    }
    return m;
}

/* How many years the union of SERIES[0..N) within YR can hold: the years are distinct integers,
 * so at most the span from the earliest to the latest year any series has within YR, and at
 * most the observations. Sized so, the union's buffers are a few dozen years, not every
 * observation (zeroed by calloc). */
static size_t union_room(const struct store *s, const struct series *const *series, size_t n,
                         const struct year_range *yr)
{
    size_t total = 0;
    long lo = LONG_MAX, hi = LONG_MIN;
    for (size_t k = 0; k < n; k++) {
        const struct series *se = series[k];
        if (!se || se->count == 0)
            continue;
        const struct observation *o = store_observations(s, se);
        total += se->count;
        long a = o[0].year > yr->from ? o[0].year : yr->from;
        long b = o[se->count - 1].year < yr->to ? o[se->count - 1].year : yr->to;
        if (a <= b) {
            lo = a < lo ? a : lo;
            hi = b > hi ? b : hi;
        }
    }
    if (lo > hi)
        return 0; /* no series has a year within YR */
    return (unsigned long)(hi - lo) < total ? (size_t)(hi - lo) + 1 : total;
}

int select_years_of(const struct store *s, const struct series *const *series, size_t n,
                    const struct year_range *yr, int **years, size_t *nyears, uint32_t *first,
                    struct api_error *err)
{
    size_t room = union_room(s, series, n, yr);
    /* Two buffers: the union so far and the next one merged from it and one more series
     * (calloc: the analyzer cannot see that only the first U of CUR are ever read). */
    int *out = calloc(2 * room + 2, sizeof *out);
    if (!out)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    int *cur = out, *next = out + room + 1;
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        const struct series *se = series[k];
        if (first)
            first[k] = 0;
        if (!se)
            continue;
        const struct observation *o = store_observations(s, se);
        /* most series start within YR: no search for where */
        uint32_t lo =
            se->count == 0 || o[0].year >= yr->from ? 0 : store_lower_bound(s, se, yr->from);
        uint32_t hi = lo;
        if (first)
            first[k] = lo;
        if (hi < se->count && o[se->count - 1].year <= yr->to)
            hi = se->count; /* the series ends within YR (an unbounded TO always) */
        else
            while (hi < se->count && o[hi].year <= yr->to)
                hi++;
        /* Most series of a selection cover the same years: then the union does not change. */
        size_t c = hi - lo, same = c == u;
        for (size_t i = 0; same && i < c; i++)
            same = cur[i] == o[lo + i].year;
        if (same)
            continue;
        u = merge_years(cur, u, o + lo, c, next);
        int *t = cur;
        cur = next;
        next = t;
    }
    if (cur != out)
        memcpy(out, cur, u * sizeof *out);
    *years = out;
    *nyears = u;
    return 0;
}

int select_years(const struct store *s, uint32_t ind, const struct selection *sel,
                 const struct year_range *yr, int **years, size_t *n, struct api_error *err)
{
    const struct series **series = malloc((sel->n + 1) * sizeof *series);
    if (!series)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (size_t k = 0; k < sel->n; k++)
        series[k] = store_series(s, ind, sel->items[k]);
    int rc = select_years_of(s, series, sel->n, yr, years, n, NULL, err);
    free(series);
    return rc;
}
