/* api/h_index.c — GET /v1/index: a composite index of several indicators per region and year
 * (min-max normalisation, entropy, equal or given weights, the weighted score and TOPSIS), over
 * a panel balanced across every indicator. The arithmetic is api/metrics/composite; this file
 * picks the data, checks the parameters and shapes the answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "import.h"
#include "metrics.h"
#include "metrics/composite.h"
#include "out.h"
#include "panel.h"
#include "select.h"

#define LEFT_REASON "no year in which every indicator has a value"

enum weighting { W_ENTROPY, W_EQUAL, W_GIVEN };
static const char *const weighting_names[] = {"entropy", "equal", "given"};
static const char *const normalise_choices[] = {"pooled", "by_year", NULL};

struct index_req {
    struct selection inds, sel;
    struct year_range yr;
    int *dir;      /* +1 or -1 per indicator */
    double *given; /* weights=LIST, one per indicator; NULL otherwise */
    enum weighting weighting;
    int by_year;
};

/* One comma-separated item of LIST starting at *P into TEXT (NUL-terminated, untrimmed);
 * returns its length, or -1 when it does not fit or the list is used up (*P NULL), TEXT then
 * "". *P moves past the comma (NULL at the end). */
static long next_item(const char **p, char *text, size_t size)
{
    text[0] = '\0';
    if (!*p)
        return -1;
    const char *s = *p, *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    *p = end ? end + 1 : NULL;
    if (n >= size)
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    return (long)n;
}

static size_t count_items(const char *list)
{
    size_t n = 1;
    for (; *list; list++)
        n += *list == ',';
    return n;
}

/* directions=+,-,...: one per indicator. A '+' arrives as a space (form encoding) unless it was
 * sent as %2B, so an item of spaces is '+' too. Without it, each indicator's higher_is_better. */
static int parse_directions(const struct store *s, const struct query *q, struct index_req *rq,
                            struct api_error *err)
{
    int bad;
    const char *v = query_value(q, "directions", err, &bad);
    size_t m = rq->inds.n;
    if (bad)
        return -1;
    if (!v) {
        for (size_t c = 0; c < m; c++) {
            const struct indicator *ind = store_indicator_at(s, rq->inds.items[c]);
            if (ind->higher_is_better < 0)
                return api_fail(err, 400, "missing_parameter", "directions",
                                "%s is neutral (no higher_is_better): give directions=+,-,... "
                                "one per indicator (+ when higher is better; + may be sent as "
                                "%%2B)",
                                ind->id);
            rq->dir[c] = ind->higher_is_better ? 1 : -1;
        }
        return 0;
    }
    if (count_items(v) != m)
        return api_fail(err, 400, "bad_parameter", "directions",
                        "directions lists %zu items; it needs one per indicator (%zu), each + or -",
                        count_items(v), m);
    for (size_t c = 0; v; c++) {
        char text[16];
        long n = next_item(&v, text, sizeof text);
        size_t spaces = n > 0 ? strspn(text, " ") : 0;
        if (n > 0 && (spaces == (size_t)n || strcmp(text + spaces, "+") == 0))
            rq->dir[c] = 1;
        else if (n > 0 && strcmp(text + spaces, "-") == 0)
            rq->dir[c] = -1;
        else
            return api_fail(err, 400, "bad_parameter", "directions",
                            "directions lists + or - per indicator; '%.15s' is neither",
                            n < 0 ? "(too long)" : text);
    }
    return 0;
}

/* weights=entropy (default), equal, or a list of non-negative numbers, one per indicator. */
static int parse_weights(const struct query *q, struct index_req *rq, struct api_error *err)
{
    int bad;
    const char *v = query_value(q, "weights", err, &bad);
    size_t m = rq->inds.n;
    rq->weighting = W_ENTROPY;
    if (bad)
        return -1;
    if (!v || strcmp(v, "entropy") == 0)
        return 0;
    if (strcmp(v, "equal") == 0) {
        rq->weighting = W_EQUAL;
        return 0;
    }
    char text[64];
    const char *p = v;
    double first;
    if (next_item(&p, text, sizeof text) < 0 || import_parse_number(text, &first) != 0) {
        api_fail(err, 400, "bad_parameter", "weights",
                 "weights must be one of entropy, equal, or a list of numbers, one per "
                 "indicator; not '%.40s'",
                 v);
        query_suggest(err, v, strlen(v), weighting_names, 2);
        return -1;
    }
    if (count_items(v) != m)
        return api_fail(err, 400, "bad_parameter", "weights",
                        "weights lists %zu numbers; it needs one per indicator (%zu)",
                        count_items(v), m);
    rq->given = malloc(m * sizeof *rq->given);
    if (!rq->given)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    int positive = 0;
    p = v;
    for (size_t c = 0; c < m; c++) {
        long n = next_item(&p, text, sizeof text);
        if (n < 0 || import_parse_number(text, &rq->given[c]) != 0 || rq->given[c] < 0)
            return api_fail(err, 400, "bad_parameter", "weights",
                            "weights must be numbers >= 0; '%.40s' is not",
                            n < 0 ? "(too long)" : text);
        positive |= rq->given[c] > 0;
    }
    if (!positive)
        return api_fail(err, 400, "bad_parameter", "weights",
                        "at least one of the weights must be positive");
    rq->weighting = W_GIVEN;
    return 0;
}

/* Region R has a value of every indicator in YEAR. */
static int complete(const struct store *s, const struct index_req *rq, uint32_t r, int year)
{
    for (size_t c = 0; c < rq->inds.n; c++)
        if (!store_get(s, rq->inds.items[c], r, year))
            return 0;
    return 1;
}

/* year=latest: the latest year in which every selected region has every indicator. */
static int resolve_latest(const struct store *s, struct index_req *rq, struct api_error *err)
{
    int *years = NULL;
    size_t n = 0;
    if (!rq->yr.latest)
        return 0;
    if (select_years(s, rq->inds.items[0], &rq->sel, &rq->yr, &years, &n, err) != 0)
        return -1;
    int found = 0;
    for (size_t k = n; k-- > 0 && !found;) {
        size_t r = 0;
        while (r < rq->sel.n && complete(s, rq, rq->sel.items[r], years[k]))
            r++;
        if (r == rq->sel.n)
            found = years[k];
    }
    free(years);
    if (!found)
        return api_fail(err, 422, "no_common_year", "year",
                        "no year in which every selected region has every indicator");
    rq->yr.from = rq->yr.to = found;
    rq->yr.latest = 0;
    return 0;
}

static int parse_index(const struct store *s, const struct query *q, struct index_req *rq,
                       struct api_error *err)
{
    int normalise;
    const char *ids = query_require(q, "indicators", err);
    const char *list = ids ? query_require(q, "regions", err) : NULL;
    if (!list || select_indicators(s, ids, "indicators", &rq->inds, err) != 0)
        return -1;
    rq->dir = malloc(rq->inds.n * sizeof *rq->dir);
    if (!rq->dir)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    if (select_year_range(q, 1, &rq->yr, err) != 0 ||
        query_choice(q, "normalise", normalise_choices, 0, &normalise, err) != 0 ||
        parse_directions(s, q, rq, err) != 0 || parse_weights(q, rq, err) != 0 ||
        select_regions(s, list, "regions", &rq->sel, err) != 0 || resolve_latest(s, rq, err) != 0)
        return -1;
    rq->by_year = normalise == 1;
    return 0;
}

/* Fills GRID[(k * nc + y) * m + c] with indicator c of region k of SEL in candidate year
 * CAND[y] and HAVE[k * nc + y] with how many of the M indicators have a value there: each
 * series walked once alongside the (ascending) candidate years. */
static void index_grid(const struct store *s, const struct index_req *rq, const int *cand,
                       size_t nc, double *grid, uint16_t *have)
{
    size_t m = rq->inds.n;
    memset(have, 0, rq->sel.n * nc * sizeof *have);
    for (size_t k = 0; k < rq->sel.n; k++)
        for (size_t c = 0; c < m; c++) {
            const struct series *se = store_series(s, rq->inds.items[c], rq->sel.items[k]);
            if (!se || !nc)
                continue;
            const struct observation *o = store_observations(s, se);
            uint32_t j = store_lower_bound(s, se, cand[0]);
            for (size_t y = 0; y < nc && j < se->count; y++) {
                while (j < se->count && o[j].year < cand[y])
                    j++;
                if (j < se->count && o[j].year == cand[y]) {
                    grid[(k * nc + y) * m + c] = o[j].value;
                    have[k * nc + y]++;
                }
            }
        }
}

/* The panel balanced across every indicator, in P (regions, years, what was left out, as
 * panel_build records them) and *X: rows (year, region) of one value per indicator. */
static int index_panel(const struct store *s, const struct index_req *rq, struct panel *p,
                       double **x, struct api_error *err)
{
    int *cand = NULL;
    size_t nc = 0, n = rq->sel.n, m = rq->inds.n;
    double *grid = NULL;
    uint16_t *have = NULL;
    uint32_t *kept = NULL; /* the selection index of each kept region */
    int rc = -1;
    memset(p, 0, sizeof *p);
    *x = NULL;
    /* a complete region-year has the first indicator: its years are the candidates */
    if (select_years(s, rq->inds.items[0], &rq->sel, &rq->yr, &cand, &nc, err) != 0)
        return -1;
    p->regions = malloc((n + 1) * sizeof *p->regions);
    p->years = malloc((nc + 1) * sizeof *p->years);
    p->left_regions = malloc((n + 1) * sizeof *p->left_regions);
    p->left_years = malloc((nc + 1) * sizeof *p->left_years);
    p->missing = malloc((nc * n + 1) * sizeof *p->missing);
    *x = malloc((nc * n * m + 1) * sizeof **x);
    grid = malloc((nc * n * m + 1) * sizeof *grid);
    have = malloc((nc * n + 1) * sizeof *have);
    kept = malloc((n + 1) * sizeof *kept);
    if (!p->regions || !p->years || !p->left_regions || !p->left_years || !p->missing || !*x ||
        !grid || !have || !kept) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    index_grid(s, rq, cand, nc, grid, have);
    for (size_t k = 0; k < n; k++) {
        size_t y = 0;
        while (y < nc && have[k * nc + y] != m)
            y++;
        if (y < nc) {
            kept[p->nr] = (uint32_t)k;
            p->regions[p->nr++] = rq->sel.items[k];
        } else {
            p->left_regions[p->n_left_regions++] =
                (struct panel_left_region){.region = rq->sel.items[k], .reason = PANEL_NO_DATA};
        }
    }
    size_t nmissing = 0;
    for (size_t y = 0; y < nc; y++) {
        size_t first = nmissing;
        for (size_t k = 0; k < p->nr; k++)
            if (have[kept[k] * nc + y] != m)
                p->missing[nmissing++] = p->regions[k];
        if (nmissing > first) {
            p->left_years[p->n_left_years++] = (struct panel_left_year){
                .year = cand[y], .first_missing = first, .n_missing = nmissing - first};
            continue;
        }
        double *row = *x + p->ny * p->nr * m;
        for (size_t k = 0; k < p->nr; k++)
            memcpy(row + k * m, grid + (kept[k] * nc + y) * m, m * sizeof *row);
        p->years[p->ny++] = cand[y];
    }
    rc = 0;
done:
    free(kept);
    free(have);
    free(grid);
    free(cand);
    return rc;
}

/* What the index computes, for all rows at once (pooled) or one year's rows (by_year). */
struct index_work {
    size_t m;
    double *z, *w, *score, *topsis;
    size_t *rank, *topsis_rank;
    struct metrics_index_indicator *ind;
};

/* Fills ERR with a 422 for WHAT failing with CODE; returns -1. */
static int index_fail(struct api_error *err, const char *param, const char *what, int year,
                      int code)
{
    if (year)
        api_fail(err, 422, "undefined", param, "%s is undefined in %d: %s", what, year,
                 metrics_strerror(code));
    else
        api_fail(err, 422, "undefined", param, "%s is undefined: %s", what, metrics_strerror(code));
    return -1; /* written here, not api_fail's result, so the analyzer sees compute() fail */
}

/* Normalises, weighs and scores ROWS rows of X from row FIRST on, into the work arrays at the
 * same rows and at indicator block BLOCK (the year's for by_year, 0 pooled); YEAR names the
 * year in messages (0 pooled). */
static int compute(const struct index_req *rq, const double *x, size_t first, size_t rows,
                   size_t block, int year, struct index_work *wk, struct api_error *err)
{
    size_t m = wk->m;
    double *z = wk->z + first * m, *w = wk->w + block * m;
    struct metrics_index_indicator *ind = wk->ind + block * m;
    static const enum metrics_index_weighting how[] = {[W_ENTROPY] = METRICS_INDEX_ENTROPY,
                                                       [W_EQUAL] = METRICS_INDEX_EQUAL,
                                                       [W_GIVEN] = METRICS_INDEX_GIVEN};
    int code = metrics_index_normalise(x + first * m, rows, m, rq->dir, z, ind);
    if (code != METRICS_OK)
        return index_fail(err, "indicators", "the min-max normalisation", year, code);
    if ((code = metrics_index_entropy(z, rows, m, ind)) != METRICS_OK)
        return index_fail(err, "indicators", "the entropy", year, code);
    code = metrics_index_weights(ind, m, how[rq->weighting], rq->given, w);
    if (code == METRICS_E_DEGENERATE) {
        api_fail(err, 422, "undefined", "indicators",
                 "the weights are undefined%s: every indicator is constant over the "
                 "region-years, so none tells them apart",
                 year ? " in that year" : "");
        return -1; /* not api_fail's result: see index_fail */
    }
    if (code != METRICS_OK) {
        api_fail(err, 422, "undefined", "weights",
                 "the weights are undefined: the given weights of the indicators that vary are "
                 "all 0 (%s)",
                 metrics_strerror(code));
        return -1;
    }
    if ((code = metrics_index_scores(z, rows, m, w, wk->score + first)) != METRICS_OK ||
        (code = metrics_topsis(z, rows, m, w, wk->topsis + first, NULL, NULL)) != METRICS_OK)
        return index_fail(err, "indicators", "the score", year, code);
    return 0;
}

/* Ranks within each year of the panel (1 = highest). */
static int rank_years(const struct panel *p, struct index_work *wk, struct api_error *err)
{
    for (size_t y = 0; y < p->ny; y++) {
        size_t at = y * p->nr;
        int code = metrics_index_rank(wk->score + at, p->nr, wk->rank + at);
        if (code == METRICS_OK)
            code = metrics_index_rank(wk->topsis + at, p->nr, wk->topsis_rank + at);
        if (code != METRICS_OK)
            return index_fail(err, "indicators", "the rank", p->years[y], code);
    }
    return 0;
}

/* One entry per indicator of each block (each year under by_year, one pooled): its range,
 * entropy and weight. */
static void indicators_doc(struct doc *d, const struct store *s, const struct query *q,
                           const struct index_req *rq, const struct panel *p,
                           const struct index_work *wk)
{
    size_t blocks = rq->by_year ? p->ny : 1;
    doc_array_begin(d);
    for (size_t b = 0; b < blocks; b++)
        for (size_t c = 0; c < wk->m; c++) {
            const struct metrics_index_indicator *ind = &wk->ind[b * wk->m + c];
            doc_object_begin(d);
            doc_key(d, "indicator");
            out_indicator_doc(d, s, rq->inds.items[c], q);
            if (rq->by_year)
                doc_set_int(d, "year", p->years[b]);
            else
                doc_set_null(d, "year");
            doc_set_str(d, "direction", rq->dir[c] > 0 ? "+" : "-");
            doc_set_num(d, "min", ind->min);
            doc_set_num(d, "max", ind->max);
            doc_set_num(d, "entropy", ind->entropy);
            doc_set_num(d, "weight", wk->w[b * wk->m + c]);
            doc_object_end(d);
        }
    doc_array_end(d);
}

/* One warning per indicator constant over the rows normalised together, in the order of the
 * indicators' entries. */
static void warnings_doc(struct doc *d, const struct store *s, const struct index_req *rq,
                         const struct panel *p, const struct index_work *wk)
{
    size_t blocks = rq->by_year ? p->ny : 1;
    doc_array_begin(d);
    for (size_t b = 0; b < blocks; b++)
        for (size_t c = 0; c < wk->m; c++) {
            if (!wk->ind[b * wk->m + c].constant)
                continue;
            doc_object_begin(d);
            doc_set_str(d, "indicator", store_indicator_at(s, rq->inds.items[c])->id);
            if (rq->by_year)
                doc_set_int(d, "year", p->years[b]);
            else
                doc_set_null(d, "year");
            doc_set_str(d, "detail",
                        "constant over the region-years (min = max): it tells none "
                        "apart and gets weight 0");
            doc_object_end(d);
        }
    doc_array_end(d);
}

static void rows_doc(struct doc *d, const struct store *s, const struct query *q,
                     const struct panel *p, const struct index_work *wk)
{
    doc_array_begin(d);
    for (size_t y = 0; y < p->ny; y++)
        for (size_t k = 0; k < p->nr; k++) {
            size_t i = y * p->nr + k;
            doc_object_begin(d);
            doc_key(d, "region");
            out_region_doc(d, s, p->regions[k], q);
            doc_set_int(d, "year", p->years[y]);
            doc_set_num(d, "score", wk->score[i]);
            doc_set_int(d, "rank", (long long)wk->rank[i]);
            doc_set_num(d, "topsis", wk->topsis[i]);
            doc_set_int(d, "topsis_rank", (long long)wk->topsis_rank[i]);
            doc_object_end(d);
        }
    doc_array_end(d);
}

static void index_doc(struct doc *d, const struct store *s, const struct query *q,
                      const struct index_req *rq, const struct panel *p,
                      const struct index_work *wk)
{
    static const char *const conv[] = {
        "balanced",
        "a region-year counts only when every indicator has a value, and every year listed has "
        "one for every region listed; the rest is in left_out",
        "normalise",
        "min-max: z = (x - min) / (max - min) for +, (max - x) / (max - min) for -; pooled: min "
        "and max (and the entropy, weights and TOPSIS ideals) over every region-year at once, so "
        "years compare; by_year: within each year",
        "entropy",
        "p = z / sum z, e = -sum p ln p / ln n (0 ln 0 = 0), n the rows normalised together",
        "weights",
        "entropy: w = (1 - e) / sum (1 - e); equal: 1 / k; given: the list scaled to sum 1; a "
        "constant indicator gets 0",
        "score",
        "sum_c w_c z_c",
        "topsis",
        "on v = w z: C = D- / (D+ + D-), D+ and D- the Euclidean distances to the best and "
        "worst v of each indicator (0.5 when both are 0)",
        "rank",
        "1 = the highest score (topsis_rank: closeness) among the regions of the same year; ties "
        "share a rank",
        NULL};
    doc_object_begin(d);
    doc_key(d, "regions");
    out_region_ids_doc(d, s, p->regions, p->nr);
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t y = 0; y < p->ny; y++)
        doc_int(d, p->years[y]);
    doc_array_end(d);
    doc_set_str(d, "normalise", normalise_choices[rq->by_year]);
    doc_set_str(d, "weights", weighting_names[rq->weighting]);
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_key(d, "indicators");
    indicators_doc(d, s, q, rq, p, wk);
    doc_key(d, "warnings");
    warnings_doc(d, s, rq, p, wk);
    doc_key(d, "left_out");
    out_left_out_doc(d, s, p, LEFT_REASON);
    doc_key(d, "rows");
    rows_doc(d, s, q, p, wk);
    doc_object_end(d);
}

static int work_alloc(struct index_work *wk, size_t m, size_t rows, size_t blocks)
{
    wk->m = m;
    wk->z = malloc((rows * m + 1) * sizeof *wk->z);
    wk->w = malloc((blocks * m + 1) * sizeof *wk->w);
    wk->ind = malloc((blocks * m + 1) * sizeof *wk->ind);
    wk->score = malloc((rows + 1) * sizeof *wk->score);
    wk->topsis = malloc((rows + 1) * sizeof *wk->topsis);
    wk->rank = malloc((rows + 1) * sizeof *wk->rank);
    wk->topsis_rank = malloc((rows + 1) * sizeof *wk->topsis_rank);
    return wk->z && wk->w && wk->ind && wk->score && wk->topsis && wk->rank && wk->topsis_rank ? 0
                                                                                               : -1;
}

static void work_free(struct index_work *wk)
{
    free(wk->z);
    free(wk->w);
    free(wk->ind);
    free(wk->score);
    free(wk->topsis);
    free(wk->rank);
    free(wk->topsis_rank);
}

int index_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct index_req rq;
    struct index_work wk = {0};
    struct panel p = {0};
    double *x = NULL;
    int rc = -1;
    memset(&rq, 0, sizeof rq);
    if (parse_index(s, q, &rq, err) != 0 || index_panel(s, &rq, &p, &x, err) != 0)
        goto done;
    if (panel_require(&p, 2, 1, "a composite index", err) != 0)
        goto done;
    if (work_alloc(&wk, rq.inds.n, p.nr * p.ny, rq.by_year ? p.ny : 1) != 0) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    if (rq.by_year) {
        for (size_t y = 0; y < p.ny; y++)
            if (compute(&rq, x, y * p.nr, p.nr, y, p.years[y], &wk, err) != 0)
                goto done;
    } else if (compute(&rq, x, 0, p.nr * p.ny, 0, 0, &wk, err) != 0) {
        goto done;
    }
    if (rank_years(&p, &wk, err) != 0)
        goto done;
    index_doc(d, s, q, &rq, &p, &wk);
    rc = 0;
done:
    work_free(&wk);
    free(x);
    free(rq.dir);
    free(rq.given);
    panel_free(&p);
    selection_free(&rq.inds);
    selection_free(&rq.sel);
    return rc;
}
