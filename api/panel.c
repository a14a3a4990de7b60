/* api/panel.c — the balanced region × year panel (see panel.h). */
#include "panel.h"

#include <stdlib.h>
#include <string.h>

/* The series of one region: the value's and the weight's (NULL when unweighted or absent), and
 * a cursor into each. The candidate years are visited in ascending order, so each cursor only
 * moves forward: one walk over a series instead of a binary search per year. */
struct lookup {
    const struct series *v, *w;
    const struct observation *ov, *ow;
    uint32_t iv, iw;
    uint32_t iv0, iw0; /* the cursors' start: the first observations in or after cand[0] */
};

/* Puts L's cursors at the first observations in or after YEAR (the first candidate year); IV,
 * the value series' start, select_years_of found already. */
static void lookup_start(const struct store *s, struct lookup *l, uint32_t iv, int year)
{
    l->ov = l->v ? store_observations(s, l->v) : NULL;
    l->iv = l->iv0 = iv;
    l->ow = l->w ? store_observations(s, l->w) : NULL;
    l->iw = l->iw0 = l->w ? store_lower_bound(s, l->w, year) : 0;
}

/* The observation of YEAR in series SE from cursor *I on (as store_value_at finds it: the first
 * at or after YEAR, if it is YEAR's), or NULL; *I moves to it. YEAR never decreases. */
static const struct observation *advance(const struct series *se, const struct observation *o,
                                         uint32_t *i, int year)
{
    if (!se)
        return NULL;
    while (*i < se->count && o[*i].year < year)
        (*i)++;
    return *i < se->count && o[*i].year == year ? &o[*i] : NULL;
}

/* The value, weight and status of a region in YEAR; 0 when value or weight is missing. */
static int point(struct lookup *l, int weighted, int year, double *x, double *weight,
                 uint8_t *status)
{
    const struct observation *o = advance(l->v, l->ov, &l->iv, year);
    const struct observation *ow = weighted ? advance(l->w, l->ow, &l->iw, year) : NULL;
    if (!o || (weighted && !ow))
        return 0;
    *x = o->value;
    *weight = ow ? ow->value : 1;
    *status = o->status;
    return 1;
}

/* Room for every array of a panel over N regions and NC candidate years. */
static int allocate(struct panel *p, size_t n, size_t nc, int weighted)
{
    p->regions = malloc((n + 1) * sizeof *p->regions);
    p->years = malloc((nc + 1) * sizeof *p->years);
    p->x = malloc((nc * n + 1) * sizeof *p->x);
    p->w = weighted ? malloc((nc * n + 1) * sizeof *p->w) : NULL;
    p->status = malloc(nc * n + 1);
    p->left_regions = malloc((n + 1) * sizeof *p->left_regions);
    p->left_years = malloc((nc + 1) * sizeof *p->left_years);
    p->missing = malloc((nc * n + 1) * sizeof *p->missing);
    return p->regions && p->years && p->x && (!weighted || p->w) && p->status && p->left_regions &&
                   p->left_years && p->missing
               ? 0
               : -1;
}

/* Keeps the regions of SEL with at least one point among the candidate years; L receives the
 * kept regions' series, in order: l[0..p->nr). */
static void keep_regions(const struct store *s, struct panel *p, uint32_t wind,
                         const struct selection *sel, const struct series *const *vs,
                         const uint32_t *first, const int *cand, size_t nc, struct lookup *l)
{
    int weighted = wind != STORE_NONE;
    double x, w;
    uint8_t st;
    p->nr = p->n_left_regions = 0; /* counted here from 0: they say how much of L is written */
    for (size_t k = 0; k < sel->n; k++) {
        uint32_t r = sel->items[k];
        struct lookup one = {.v = vs[k], .w = weighted ? store_series(s, wind, r) : NULL};
        int hit = 0;
        if (nc > 0)
            lookup_start(s, &one, first[k], cand[0]);
        for (size_t y = 0; y < nc && !hit; y++)
            hit = point(&one, weighted, cand[y], &x, &w, &st);
        if (hit) {
            l[p->nr] = one;
            p->regions[p->nr++] = r;
            continue;
        }
        struct panel_left_region *e = &p->left_regions[p->n_left_regions++];
        e->region = r;
        e->reason = !weighted || !one.v ? PANEL_NO_DATA : PANEL_NO_WEIGHT;
    }
}

/* The index of YEAR's observation in O[0..COUNT) from I on (the first at or after YEAR, if it
 * is YEAR's), or COUNT when there is none; *I moves to the first at or after YEAR. In locals:
 * the panel's status bytes may alias anything, so a cursor kept in memory would be reloaded
 * after every store. */
static inline uint32_t seek(const struct observation *o, uint32_t count, uint32_t *i, int year)
{
    uint32_t k = *i;
    while (k < count && o[k].year < year)
        k++;
    *i = k;
    return k < count && o[k].year == year ? k : count;
}

/* The panel when every kept region has a point in every candidate year, as most panels are:
 * each region's observations from its start are then exactly the candidate years, so the
 * region's column is copied in one walk with no search. Returns 0 at the first region that is
 * not so (some of X, W and STATUS written; keep_years writes them all again). */
static int keep_all_years(struct panel *p, int weighted, const int *cand, size_t nc,
                          const struct lookup *l)
{
    size_t nr = p->nr;
    for (size_t k = 0; k < nr; k++) {
        const struct lookup *lk = &l[k];
        const struct observation *o = lk->ov + lk->iv0, *ow = NULL;
        if (lk->v->count - lk->iv0 < nc)
            return 0;
        if (weighted) {
            if (!lk->w || lk->w->count - lk->iw0 < nc)
                return 0;
            ow = lk->ow + lk->iw0;
        }
        for (size_t y = 0; y < nc; y++) {
            if (o[y].year != cand[y] || (ow && ow[y].year != cand[y]))
                return 0;
            p->x[y * nr + k] = o[y].value;
            p->status[y * nr + k] = o[y].status;
            if (ow)
                p->w[y * nr + k] = ow[y].value;
        }
    }
    memcpy(p->years, cand, nc * sizeof *cand);
    p->ny = nc;
    return 1;
}

/* Keeps the candidate years in which every kept region has a point; records the others with
 * the regions missing in them. */
static void keep_years(struct panel *p, int weighted, const int *cand, size_t nc, struct lookup *l)
{
    size_t nmissing = 0, nr = p->nr;
    if (nr > 0 && keep_all_years(p, weighted, cand, nc, l))
        return;
    for (size_t k = 0; k < nr; k++) {
        l[k].iv = l[k].iv0;
        l[k].iw = l[k].iw0;
    }
    for (size_t y = 0; y < nc; y++) {
        size_t at = p->ny * nr, first = nmissing;
        int year = cand[y];
        double *x = &p->x[at], *w = p->w ? &p->w[at] : NULL;
        uint8_t *status = &p->status[at];
        for (size_t k = 0; k < nr; k++) {
            struct lookup *lk = &l[k];
            /* every kept region has a value series (keep_regions found a point in it) */
            uint32_t nv = lk->v->count, iv = lk->iv, kv = seek(lk->ov, nv, &iv, year);
            lk->iv = iv;
            int ok = kv < nv;
            double weight = 1;
            if (weighted) {
                uint32_t nw = lk->w ? lk->w->count : 0, iw = lk->iw;
                uint32_t kw = lk->w ? seek(lk->ow, nw, &iw, year) : 0;
                lk->iw = iw;
                ok = ok && kw < nw;
                if (ok)
                    weight = lk->ow[kw].value;
            }
            if (ok) {
                x[k] = lk->ov[kv].value;
                status[k] = lk->ov[kv].status;
                if (w)
                    w[k] = weight;
                continue;
            }
            p->missing[nmissing++] = p->regions[k];
        }
        if (nmissing == first) {
            p->years[p->ny++] = year;
            continue;
        }
        struct panel_left_year *e = &p->left_years[p->n_left_years++];
        e->year = year;
        e->first_missing = first;
        e->n_missing = nmissing - first;
    }
}

int panel_build(const struct store *s, uint32_t ind, uint32_t wind, const struct selection *sel,
                const struct year_range *yr, struct panel *out, struct api_error *err)
{
    int rc = -1;
    int *cand = NULL;
    size_t nc = 0;
    struct lookup *l = NULL;
    uint32_t *first = NULL;
    memset(out, 0, sizeof *out);
    /* the value series of the regions, looked up once for the years and the panel */
    const struct series **vs = malloc((sel->n + 1) * sizeof *vs);
    first = malloc((sel->n + 1) * sizeof *first);
    if (!vs || !first) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < sel->n; k++)
        vs[k] = store_series(s, ind, sel->items[k]);
    if (select_years_of(s, vs, sel->n, yr, &cand, &nc, first, err) != 0)
        goto done;
    l = malloc((sel->n + 1) * sizeof *l);
    if (!l || allocate(out, sel->n, nc, wind != STORE_NONE) != 0) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        goto done;
    }
    keep_regions(s, out, wind, sel, vs, first, cand, nc, l);
    keep_years(out, wind != STORE_NONE, cand, nc, l);
    rc = 0;
done:
    free(vs);
    free(first);
    free(cand);
    free(l);
    return rc;
}

const double *panel_row(const struct panel *p, size_t y)
{
    return &p->x[y * p->nr];
}

const double *panel_weights(const struct panel *p, size_t y)
{
    return p->w ? &p->w[y * p->nr] : NULL;
}

long panel_year_index(const struct panel *p, int year)
{
    size_t lo = 0, hi = p->ny;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->years[mid] < year)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ny && p->years[lo] == year ? (long)lo : -1;
}

int panel_require(const struct panel *p, size_t min_regions, size_t min_years, const char *what,
                  struct api_error *err)
{
    if (p->nr >= min_regions && p->ny >= min_years)
        return 0;
    int years_short = p->nr >= min_regions;
    return api_fail(err, 422, years_short ? "too_few_years" : "too_few_regions",
                    years_short ? "from" : "regions",
                    "%s needs at least %zu regions with data in %s%zu common year%s; %zu region%s "
                    "and %zu such year%s found",
                    what, min_regions, min_years > 1 ? "at least " : "", min_years,
                    min_years == 1 ? "" : "s", p->nr, p->nr == 1 ? "" : "s", p->ny,
                    p->ny == 1 ? "" : "s");
}

const char *panel_reason_text(enum panel_left_reason reason)
{
    return reason == PANEL_NO_WEIGHT ? "no weight (population) in the years of its data"
                                     : "no data in the years asked for";
}

void panel_free(struct panel *p)
{
    free(p->regions);
    free(p->years);
    free(p->x);
    free(p->w);
    free(p->status);
    free(p->left_regions);
    free(p->left_years);
    free(p->missing);
    memset(p, 0, sizeof *p);
}
