/* api/h_observations.c — GET /v1/observations: the whole panel (or a slice of it) in long form,
 * one row per (indicator, region, year), made row by row from the snapshot: no JSON tree, so
 * that the answer can be streamed at any size (see routes_answer_stream). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "out.h"
#include "select.h"

static const char *const flag_choices[] = {"0", "1", "false", "true", NULL};

enum column {
    C_INDICATOR,
    C_INDICATOR_NAME,
    C_REGION,
    C_REGION_NAME,
    C_YEAR,
    C_VALUE,
    C_UNIT,
    C_STATUS,
    C_SOURCE,
    C_NOTE,
    C_COMPUTED,
    C_COUNT
};

static const char *const column_names[C_COUNT] = {
    "indicator", "indicator_name", "region", "region_name", "year",    "value",
    "unit",      "status",         "source", "note",        "computed"};

struct obs_cursor {
    const struct store *s;
    int zh, computed;
    struct year_range yr;
    struct selection inds, regions; /* owned; indexes in the order rows come */
    enum column cols[C_COUNT];      /* the columns this answer has, in order */
    const char *names[C_COUNT];
    size_t ncols;
    /* where the next row comes from */
    size_t ki, kr;
    const struct series *se;
    uint32_t k, end; /* the next row of SE, and the end of its years asked */
};

static const char *text(const struct obs_cursor *c, const char *en, const char *zh)
{
    return c->zh && zh ? zh : en;
}

/* The next series to read, from (KI, KR) on, or NULL after the last. */
static const struct series *next_series(struct obs_cursor *c)
{
    for (; c->ki < c->inds.n; c->ki++, c->kr = 0)
        while (c->kr < c->regions.n) {
            const struct series *se =
                store_series(c->s, c->inds.items[c->ki], c->regions.items[c->kr++]);
            if (se && (!se->members || c->computed))
                return se;
        }
    return NULL;
}

/* Rows of SE within the years asked: [*FIRST, *END). */
static void series_span(const struct obs_cursor *c, const struct series *se, uint32_t *first,
                        uint32_t *end)
{
    *first = store_lower_bound(c->s, se, c->yr.from);
    *end = store_lower_bound(c->s, se, c->yr.to + 1);
}

static int all_of(struct selection *sel, size_t n, struct api_error *err)
{
    sel->n = 0;
    sel->items = malloc((n + 1) * sizeof *sel->items);
    if (!sel->items)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (size_t k = 0; k < n; k++)
        sel->items[sel->n++] = (uint32_t)k;
    return 0;
}

static void obs_close(void *vc)
{
    struct obs_cursor *c = vc;
    if (!c)
        return;
    selection_free(&c->inds);
    selection_free(&c->regions);
    free(c);
}

static void plan_columns(struct obs_cursor *c, int labels)
{
    for (int k = 0; k < C_COUNT; k++) {
        if ((k == C_INDICATOR_NAME || k == C_REGION_NAME) && !labels)
            continue;
        if (k == C_COMPUTED && !c->computed)
            continue;
        c->cols[c->ncols] = (enum column)k;
        c->names[c->ncols++] = column_names[k];
    }
}

static int parse(const struct store *s, const struct query *q, struct obs_cursor *c,
                 struct api_error *err)
{
    int bad;
    if (select_year_range(q, 0, &c->yr, err) != 0 ||
        query_choice(q, "computed", flag_choices, 0, &c->computed, err) != 0)
        return -1;
    c->computed = c->computed == 1 || c->computed == 3;
    const char *inds = query_value(q, "indicators", err, &bad);
    if (bad || (inds ? select_indicators(s, inds, "indicators", &c->inds, err)
                     : all_of(&c->inds, store_indicator_count(s), err)) != 0)
        return -1;
    const char *regions = query_value(q, "regions", err, &bad);
    if (bad || (regions ? select_regions(s, regions, "regions", &c->regions, err)
                        : all_of(&c->regions, store_region_count(s), err)) != 0)
        return -1;
    return 0;
}

static int obs_open(const struct store *s, const struct query *q, void **cursor, size_t *rows,
                    const char *const **names, size_t *ncols, struct api_error *err)
{
    struct obs_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    c->s = s;
    c->zh = q->zh;
    if (parse(s, q, c, err) != 0) {
        obs_close(c);
        return -1;
    }
    plan_columns(c, q->labels);
    /* count the rows first: the JSON answer starts with the count, and a large answer is
     * streamed */
    size_t n = 0;
    const struct series *se;
    while ((se = next_series(c)) != NULL) {
        uint32_t first, end;
        series_span(c, se, &first, &end);
        n += end - first;
    }
    c->ki = c->kr = 0;
    *rows = n;
    *names = c->names;
    *ncols = c->ncols;
    *cursor = c;
    return 0;
}

static void cell_text(struct render_cell *cell, const char *s)
{
    if (s)
        *cell = (struct render_cell){.kind = CELL_TEXT, .text = s, .len = strlen(s)};
    else
        *cell = (struct render_cell){.kind = CELL_NULL};
}

static int obs_next(void *vc, struct render_cell *cells)
{
    struct obs_cursor *c = vc;
    while (!c->se || c->k >= c->end) {
        c->se = next_series(c);
        if (!c->se)
            return 0;
        series_span(c, c->se, &c->k, &c->end);
    }
    const struct series *se = c->se;
    const struct observation *o = &store_observations(c->s, se)[c->k++];
    const struct indicator *ind = store_indicator_at(c->s, se->indicator);
    const struct region *reg = store_region_at(c->s, se->region);
    for (size_t k = 0; k < c->ncols; k++) {
        struct render_cell *cell = &cells[k];
        switch (c->cols[k]) {
        case C_INDICATOR:
            cell_text(cell, ind->id);
            break;
        case C_INDICATOR_NAME:
            cell_text(cell, text(c, ind->name_en, ind->name_zh));
            break;
        case C_REGION:
            cell_text(cell, reg->id);
            break;
        case C_REGION_NAME:
            cell_text(cell, text(c, reg->name_en, reg->name_zh));
            break;
        case C_YEAR:
            *cell = (struct render_cell){.kind = CELL_INTEGER, .integer = o->year};
            break;
        case C_VALUE:
            *cell = (struct render_cell){.kind = CELL_REAL, .real = o->value};
            break;
        case C_UNIT:
            cell_text(cell, text(c, ind->unit, ind->unit_zh));
            break;
        case C_STATUS:
            cell_text(cell, store_status_name(o->status));
            break;
        case C_SOURCE:
            cell_text(cell, o->source == STORE_NONE ? NULL : store_source_at(c->s, o->source)->id);
            break;
        case C_NOTE:
            cell_text(cell, o->note);
            break;
        default:
            *cell = (struct render_cell){.kind = CELL_BOOL, .integer = se->members > 0};
            break;
        }
    }
    return 1;
}

const struct route_table observations_table = {
    .rows_key = "observations",
    .open = obs_open,
    .next = obs_next,
    .close = obs_close,
};
