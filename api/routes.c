/* api/routes.c — the route table of the data API, path matching, and rendering. */
#include "routes.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "out.h"

#define PARAMS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_PARAMS   ((const char *const[]){NULL})
#define NO_REQUIRED NO_PARAMS
#define CSV(...)    (&(const struct csv_spec){__VA_ARGS__})

#define INDICATOR_COLUMNS                                                                          \
    "id", "name", "name_en", "name_zh", "unit", "category", "higher_is_better", "aggregation",     \
        "weight_indicator", "description", "coverage.regions", "coverage.first_year",              \
        "coverage.last_year", "coverage.observations"
#define REGION_COLUMNS "id", "name", "name_en", "name_zh", "kind", "code", "parent", "children"

const struct route routes[] = {
    {.name = "index",
     .pattern = "/v1",
     .emit = catalog_index,
     .params = NO_PARAMS,
     .csv = CSV(.rows = {"links"}, .columns = {"name", "href", "summary", "params", "csv"}),
     .required = NO_REQUIRED,
     .summary = "Links to every endpoint with its parameters",
     .example = "/v1"},
    {.name = "meta",
     .pattern = "/v1/meta",
     .emit = catalog_meta,
     .params = NO_PARAMS,
     .csv = CSV(.columns = {"dataset.version", "dataset.loaded_at", "dataset.imported_at",
                            "dataset.counts.indicators", "dataset.counts.regions",
                            "dataset.counts.groups", "dataset.counts.sources",
                            "dataset.counts.benchmarks", "dataset.counts.observations",
                            "dataset.counts.series", "server.version"}),
     .required = NO_REQUIRED,
     .summary = "Dataset version (content hash), load time, counts; server version",
     .example = "/v1/meta"},
    {.name = "indicators",
     .pattern = "/v1/indicators",
     .emit = catalog_indicators,
     .params = PARAMS("category", "q"),
     .csv = CSV(.rows = {"indicators"}, .columns = {INDICATOR_COLUMNS}),
     .required = NO_REQUIRED,
     .summary = "Indicators with coverage; filter by category or a text in id, names or "
                "description",
     .example = "/v1/indicators?category=health"},
    {.name = "indicator",
     .pattern = "/v1/indicators/{id}",
     .emit = catalog_indicator,
     .params = NO_PARAMS,
     .csv = CSV(.columns = {INDICATOR_COLUMNS}),
     .required = NO_REQUIRED,
     .summary = "One indicator: metadata, coverage by region, benchmarks, sources",
     .example = "/v1/indicators/urban_rural_income_ratio"},
    {.name = "regions",
     .pattern = "/v1/regions",
     .emit = catalog_regions,
     .params = PARAMS("kind"),
     .csv = CSV(.rows = {"regions"}, .columns = {REGION_COLUMNS}),
     .required = NO_REQUIRED,
     .summary = "Regions (national, urban_rural, settlement, macro_region, province, ...)",
     .example = "/v1/regions?kind=macro_region"},
    {.name = "region",
     .pattern = "/v1/regions/{id}",
     .emit = catalog_region,
     .params = NO_PARAMS,
     .csv = CSV(.columns = {REGION_COLUMNS, "groups"}),
     .required = NO_REQUIRED,
     .summary = "One region with its parent, children and groups",
     .example = "/v1/regions/east"},
    {.name = "groups",
     .pattern = "/v1/groups",
     .emit = catalog_groups,
     .params = NO_PARAMS,
     .csv = CSV(.rows = {"groups"}, .columns = {"id", "name", "name_en", "name_zh", "regions"}),
     .required = NO_REQUIRED,
     .summary = "Named sets of regions that are compared with each other",
     .example = "/v1/groups"},
    {.name = "sources",
     .pattern = "/v1/sources",
     .emit = catalog_sources,
     .params = NO_PARAMS,
     .csv = CSV(.rows = {"sources"}, .columns = {"id", "citation"}),
     .required = NO_REQUIRED,
     .summary = "Citations of the data",
     .example = "/v1/sources"},
    {.name = "series",
     .pattern = "/v1/series",
     .emit = series_get,
     .params = PARAMS("indicator", "regions", "from", "to", "year", "transform", "base"),
     .csv = CSV(.rows = {"series", "observations"},
                .columns = {"indicator", "region", "year", "value", "status", "source"},
                .labels = {"transform", "base"}),
     .required = PARAMS("indicator"),
     .summary = "Observations of one indicator for regions; parents without data are computed "
                "from their children",
     .example = "/v1/series?indicator=hospital_beds_per_1000&regions=urban,rural&from=2018"},
    {.name = "pairs",
     .pattern = "/v1/gaps/pairs",
     .emit = gaps_pairs,
     .params = PARAMS("indicator", "reference", "regions", "from", "to", "target", "min_segment"),
     .csv = CSV(.rows = {"pairs", "years"},
                .columns = {"indicator", "reference", "region", "year", "reference_value", "value",
                            "ratio", "difference", "relative_gap", "reference_status", "status"}),
     .required = PARAMS("indicator", "reference"),
     .summary = "Ratio, difference and relative gap of regions to a reference region by year, "
                "with trend and direction",
     .example =
         "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&from=2017&to=2019&target=2"},
    {.name = "dispersion",
     .pattern = "/v1/gaps/dispersion",
     .emit = gaps_dispersion,
     .params = PARAMS("indicator", "regions", "from", "to", "year", "weights", "cv", "group_by",
                      "epsilon", "measures", "min_segment"),
     .csv = CSV(.rows = {"years"}, .columns = {"indicator",
                                               "year",
                                               "n",
                                               "mean",
                                               "min.region",
                                               "min.value",
                                               "max.region",
                                               "max.value",
                                               "range",
                                               "max_min_ratio",
                                               "cv",
                                               "gini",
                                               "theil_t",
                                               "theil_l",
                                               "atkinson",
                                               "weights",
                                               "dagum.gini",
                                               "dagum.within",
                                               "dagum.net_between",
                                               "dagum.transvariation",
                                               "dagum.between",
                                               "min.status",
                                               "max.status"}),
     .required = PARAMS("indicator", "regions"),
     .summary = "Dispersion across regions by year: CV, Gini, Theil, Atkinson, range; Theil "
                "decomposition by parent; sigma convergence",
     .example = "/v1/gaps/"
                "dispersion?indicator=gdp_per_capita&regions=group:four_regions&year=2019&group_by="
                "parent"},
    {.name = "convergence",
     .pattern = "/v1/gaps/convergence",
     .emit = gaps_convergence,
     .params = PARAMS("indicator", "regions", "from", "to"),
     .csv = CSV(.rows = {"regions"}, .columns = {"indicator", "from", "to", "region", "start_value",
                                                 "end_value", "growth_rate", "beta.beta", "beta.se",
                                                 "beta.r2", "beta.speed", "beta.half_life"}),
     .required = PARAMS("indicator", "regions"),
     .summary = "Beta convergence (speed, half-life) and sigma convergence of regions",
     .example = "/v1/gaps/convergence?indicator=schooling_years&regions=group:four_regions"},
    {.name = "density",
     .pattern = "/v1/gaps/density",
     .emit = gaps_density,
     .params = PARAMS("indicator", "regions", "from", "to", "year", "bandwidth", "relative", "at",
                      "points"),
     .csv = CSV(.rows = {"years", "points"},
                .columns = {"indicator", "year", "n", "bandwidth", "x", "density"}),
     .required = PARAMS("indicator", "regions"),
     .summary = "Gaussian kernel density of the regions' values per year, exact, on one grid "
                "for every year (R, scipy and Stata bandwidth rules)",
     .example = "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces&year=2019"
                "&points=5"},
    {.name = "mobility",
     .pattern = "/v1/gaps/mobility",
     .emit = gaps_mobility,
     .params = PARAMS("indicator", "regions", "from", "to", "relative", "classes", "quantiles",
                      "breaks", "spatial", "lag_classes", "lag_breaks", "links", "isolated"),
     .csv = CSV(.rows = {"cells"}, .columns = {"indicator", "lag_class", "from_class", "to_class",
                                               "count", "probability"}),
     .required = PARAMS("indicator"),
     .summary = "Markov chain of the regions' classes (relative to the yearly mean) from year "
                "to year; spatial=1 conditions it on the neighbours' class (giddy Markov, "
                "Spatial_Markov)",
     .example = "/v1/gaps/mobility?indicator=gdp_per_capita&from=2017&to=2019&classes=3"
                "&spatial=1&lag_classes=2"},
    {.name = "spatial",
     .pattern = "/v1/gaps/spatial",
     .emit = gaps_spatial,
     .params = PARAMS("indicator", "regions", "from", "to", "year", "links", "isolated"),
     .csv = CSV(.rows = {"years", "local"},
                .columns = {"indicator",
                            "year",
                            "n",
                            "n_used",
                            "region",
                            "value",
                            "i",
                            "lag",
                            "expected",
                            "variance",
                            "z",
                            "p_two_sided",
                            "quadrant",
                            "moran.i",
                            "moran.expected",
                            "moran.variance_normal",
                            "moran.variance_random",
                            "moran.z_normal",
                            "moran.z_random",
                            "moran.p_greater_normal",
                            "moran.p_greater_random",
                            "moran.p_two_sided_normal",
                            "moran.p_two_sided_random"}),
     .required = PARAMS("indicator"),
     .summary = "Global and local Moran's I of the regions' values per year over binary "
                "contiguity (R spdep moran.test, localmoran)",
     .example = "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019"},
    {.name = "compare",
     .pattern = "/v1/compare",
     .emit = compare_get,
     .params = PARAMS("indicators", "regions", "year", "since", "reference"),
     .csv = CSV(.rows = {"rows"}, .columns = {"indicator",
                                              "region",
                                              "year",
                                              "value",
                                              "unit",
                                              "status",
                                              "rank",
                                              "rank_of",
                                              "share",
                                              "vs_mean",
                                              "vs_reference.ratio",
                                              "vs_reference.difference",
                                              "vs_reference.relative_gap",
                                              "change.from_year",
                                              "change.from_value",
                                              "change.absolute",
                                              "change.absolute_unit",
                                              "change.percent",
                                              "change.multiple",
                                              "change.cagr"}),
     .required = PARAMS("indicators", "regions"),
     .summary = "A ranked table per indicator and region for one year: share, ratio to the "
                "mean and to a reference, change since a year",
     .example = "/v1/"
                "compare?indicators=patent_applications&regions=central,west&reference=east&year="
                "2020&since=2011"},
    {.name = "composite",
     .pattern = "/v1/index",
     .emit = index_get,
     .params = PARAMS("indicators", "regions", "from", "to", "year", "directions", "weights",
                      "normalise"),
     .csv = CSV(.rows = {"rows"},
                .columns = {"region", "year", "score", "rank", "topsis", "topsis_rank"}),
     .required = PARAMS("indicators", "regions"),
     .summary = "A composite index of several indicators per region and year: min-max "
                "normalisation, entropy (or equal, or given) weights, score and TOPSIS, ranks",
     .example = "/v1/index?indicators=gdp_per_capita,gdp&regions=group:four_regions&year=2019"},
    {.name = "profile",
     .pattern = "/v1/regions/{id}/profile",
     .emit = profile_get,
     .params = PARAMS("year", "from", "to"),
     .csv = CSV(.rows = {"indicators"},
                .columns = {"region", "indicator", "year", "value", "status", "rank", "rank_of",
                            "vs_parent.reference", "vs_parent.ratio", "vs_parent.difference"}),
     .required = NO_REQUIRED,
     .summary = "Every indicator of a region: latest value, rank among its kind, gap to its "
                "parent",
     .example = "/v1/regions/rural/profile"},
    {.name = "observations",
     .pattern = "/v1/observations",
     .table = &observations_table,
     .params = PARAMS("indicators", "regions", "from", "to", "computed"),
     .required = NO_REQUIRED,
     .summary = "The whole panel in long form, one row per indicator, region and year (all "
                "filters optional; computed=1 adds computed aggregates); streamed when large",
     .example = "/v1/observations?indicators=gdp_per_capita&regions=beijing,shanghai&from=2018"},
    {.name = "openapi",
     .pattern = "/v1/openapi.json",
     .emit = openapi_get,
     .params = NO_PARAMS,
     .required = NO_REQUIRED,
     .summary = "This API as an OpenAPI 3.1 document, with an example answer per endpoint"},
};

const size_t routes_count = sizeof routes / sizeof routes[0];

/* Compares PATH with PATTERN segment by segment; "{id}" takes one non-empty segment. */
static int match(const char *pattern, const char *path, const char **arg, size_t *arglen)
{
    *arg = NULL;
    *arglen = 0;
    while (*pattern && *path) {
        if (*pattern == '{' && strncmp(pattern, "{id}", 4) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return 0;
            *arg = path;
            *arglen = n;
            path += n;
            pattern += 4;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

const struct route *routes_match(const char *path, char *argbuf, size_t argsize, const char **arg)
{
    *arg = NULL;
    for (size_t k = 0; k < routes_count; k++) {
        const char *a;
        size_t n;
        if (!match(routes[k].pattern, path, &a, &n))
            continue;
        if (a) {
            if (n >= argsize)
                n = argsize - 1;
            memcpy(argbuf, a, n);
            argbuf[n] = '\0';
            *arg = argbuf;
        }
        return &routes[k];
    }
    return NULL;
}

/* "series-gdp_per_capita.csv": the route and its main id, in filename-safe characters. */
static void csv_filename(const struct route *r, const struct query *q, char *out, size_t size)
{
    const char *id = q->path_arg ? q->path_arg : query_get(q, "indicator");
    if (!id)
        id = query_get(q, "indicators");
    int n = snprintf(out, size, "%s%s%.60s", r->name, id ? "-" : "", id ? id : "");
    for (int i = 0; i < n && (size_t)i < size; i++) {
        char c = out[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            out[i] = '_';
    }
    strncat(out, ".csv", size - strlen(out) - 1);
}

int routes_check(const struct route *r, struct query *q, enum query_format default_format,
                 struct api_error *err)
{
    if (query_check(q, r->params, default_format, err) != 0)
        return -1;
    if (q->format != FORMAT_JSON && !r->csv && !r->table)
        return api_fail(err, 400, "bad_parameter", "format", "%s has no CSV or records form",
                        r->pattern);
    return 0;
}

/* labels=1: names and units in the language asked, from the snapshot. */
struct label_ctx {
    const struct store *s;
    const struct query *q;
};

static const char *region_name(void *ctx, const char *id)
{
    const struct label_ctx *c = ctx;
    uint32_t r = store_region_index(c->s, id, strlen(id));
    if (r == STORE_NONE)
        return NULL;
    const struct region *reg = store_region_at(c->s, r);
    return out_text(reg->name_en, reg->name_zh, c->q);
}

static const struct indicator *indicator_of(const struct label_ctx *c, const char *id)
{
    uint32_t i = store_indicator_index(c->s, id, strlen(id));
    return i == STORE_NONE ? NULL : store_indicator_at(c->s, i);
}

static const char *indicator_name(void *ctx, const char *id)
{
    const struct indicator *ind = indicator_of(ctx, id);
    return ind ? out_text(ind->name_en, ind->name_zh, ((struct label_ctx *)ctx)->q) : NULL;
}

static const char *indicator_unit(void *ctx, const char *id)
{
    const struct indicator *ind = indicator_of(ctx, id);
    return ind ? out_text(ind->unit, ind->unit_zh, ((struct label_ctx *)ctx)->q) : NULL;
}

/* A table route's answer being written: the cursor, the writer, how far it got. */
struct answer_stream {
    const struct route_table *t;
    void *cursor;
    const char *const *names;
    size_t ncols, rows;
    enum query_format format;
    int pretty;
    int stage; /* 0 not begun, 1 rows, 2 done */
    struct render_writer w;
    struct render_cell cells[ROUTE_TABLE_MAX_COLUMNS];
};

static int stream_open(const struct route *r, const struct store *s, const struct query *q,
                       struct answer_stream **out, struct api_error *err)
{
    *out = NULL;
    struct answer_stream *st = calloc(1, sizeof *st);
    if (!st) {
        api_fail(err, 503, "out_of_memory", NULL, "out of memory");
        return -1;
    }
    st->t = r->table;
    st->format = q->format;
    st->pretty = q->pretty;
    if (st->t->open(s, q, &st->cursor, &st->rows, &st->names, &st->ncols, err) != 0) {
        free(st);
        return -1;
    }
    if (st->ncols > ROUTE_TABLE_MAX_COLUMNS) {
        routes_stream_free(st);
        api_fail(err, 500, "internal", NULL, "too many columns");
        return -1;
    }
    *out = st;
    return 0;
}

int routes_stream_fill(struct answer_stream *st, struct buf *out, size_t want)
{
    size_t start = out->len;
    int json = st->format == FORMAT_JSON;
    if (st->stage == 0) {
        if (json)
            render_envelope_begin(out, st->pretty, st->rows, st->t->rows_key);
        render_writer_begin(&st->w, st->format != FORMAT_CSV, st->pretty, json, st->names,
                            st->ncols, out);
        st->stage = 1;
    }
    while (st->stage == 1 && out->len - start < want && !out->failed) {
        if (!st->t->next(st->cursor, st->cells)) {
            render_writer_end(&st->w);
            if (json)
                render_envelope_end(out, st->pretty);
            st->stage = 2;
            break;
        }
        render_writer_row(&st->w, st->cells);
    }
    return st->stage != 2 && !out->failed;
}

void routes_stream_free(struct answer_stream *st)
{
    if (!st)
        return;
    st->t->close(st->cursor);
    free(st);
}

static void answer_type(const struct route *r, const struct query *q, struct answer *a)
{
    a->stream = NULL;
    a->filename[0] = '\0';
    if (q->format == FORMAT_CSV) {
        a->content_type = "text/csv; charset=utf-8";
        csv_filename(r, q, a->filename, sizeof a->filename);
    } else {
        a->content_type = "application/json";
    }
}

/* B's bytes as A's body (B is emptied): 0, or -1 with a 503 when memory ran out. */
static int take_body(struct buf *b, struct answer *a, struct api_error *err)
{
    a->body = buf_steal(b, &a->len);
    if (!a->body)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    return 0;
}

static int answer_table(const struct route *r, const struct store *s, const struct query *q,
                        struct answer *a, int may_stream, struct api_error *err)
{
    struct answer_stream *st = NULL;
    if (stream_open(r, s, q, &st, err) != 0 || !st) /* (the analyzer cannot see api_fail is -1) */
        return -1;
    answer_type(r, q, a);
    if (may_stream && st->rows > ROUTES_STREAM_ROWS) {
        a->body = NULL;
        a->len = 0;
        a->stream = st;
        return 0;
    }
    struct buf b = BUF_INIT;
    while (routes_stream_fill(st, &b, SIZE_MAX))
        ;
    routes_stream_free(st);
    return take_body(&b, a, err);
}

/* Each route's last JSON answer length: the next answer's buffer starts a little above it, so
 * that a 130 KB answer is not copied through ten doublings from 256 bytes (66 k instructions of
 * realloc's copying per uncached spatial answer); buf_steal gives back what is left over. */
#define ROUTES_LEN_HINTS 64
static _Atomic size_t last_json_len[ROUTES_LEN_HINTS];

/* Q's JSON written without a tree (the route's document as bytes): 0, or -1. */
static int answer_bytes(const struct route *r, const struct store *s, const struct query *q,
                        struct answer *a, struct api_error *err)
{
    struct buf b = BUF_INIT;
    size_t k = (size_t)(r - routes);
    size_t hint =
        k < ROUTES_LEN_HINTS ? atomic_load_explicit(&last_json_len[k], memory_order_relaxed) : 0;
    if (hint)
        (void)buf_reserve(&b, hint + hint / 8); /* a failure shows in the writing */
    int rc = doc_bytes_of(r->emit, s, q, q->pretty, &b, err);
    if (rc == 0 && k < ROUTES_LEN_HINTS)
        atomic_store_explicit(&last_json_len[k], b.len, memory_order_relaxed);
    if (rc != 0) {
        buf_free(&b);
        return -1;
    }
    answer_type(r, q, a);
    return take_body(&b, a, err);
}

static int answer_doc(const struct route *r, const struct store *s, const struct query *q,
                      struct answer *a, struct api_error *err)
{
    json_t *doc = NULL;
    struct buf b = BUF_INIT;
    struct label_ctx lc = {s, q};
    const struct render_labels labels = {region_name, indicator_name, indicator_unit, &lc};
    if (q->format == FORMAT_JSON)
        return answer_bytes(r, s, q, a, err);
    if (routes_tree(r, s, q, &doc, err) != 0)
        return -1;
    answer_type(r, q, a);
    render_table(doc, r->csv, q->format == FORMAT_RECORDS, q->pretty, q->labels ? &labels : NULL,
                 &b);
    json_decref(doc);
    return take_body(&b, a, err);
}

int routes_tree(const struct route *r, const struct store *s, const struct query *q, json_t **out,
                struct api_error *err)
{
    return doc_tree_of(r->emit, s, q, out, err);
}

int routes_answer(const struct route *r, const struct store *s, const struct query *q,
                  struct answer *a, struct api_error *err)
{
    return r->table ? answer_table(r, s, q, a, 0, err) : answer_doc(r, s, q, a, err);
}

int routes_answer_stream(const struct route *r, const struct store *s, const struct query *q,
                         struct answer *a, struct api_error *err)
{
    return r->table ? answer_table(r, s, q, a, 1, err) : answer_doc(r, s, q, a, err);
}

char *routes_problem(const struct api_error *err, const char *instance, size_t *len)
{
    char type[96];
    json_t *o = json_object();
    snprintf(type, sizeof type, "urn:prosperity:problem:%s", err->code ? err->code : "error");
    out_set(o, "type", json_string(type));
    out_set(o, "title", json_string(api_status_title(err->status)));
    out_set(o, "status", json_integer(err->status));
    /* The detail may quote what the client sent: keep it valid UTF-8 for jansson. */
    json_t *detail = json_string(err->detail);
    out_set(o, "detail", detail ? detail : json_string("(detail is not valid UTF-8)"));
    out_set(o, "code", out_str(err->code));
    out_set(o, "param", err->param ? json_string(err->param) : json_null());
    if (err->n_suggestions > 0) {
        json_t *list = json_array();
        for (int k = 0; k < err->n_suggestions; k++) {
            json_t *one = json_string(err->suggestions[k]);
            if (one)
                json_array_append_new(list, one);
        }
        out_set(o, "suggestions", list);
    }
    if (instance) {
        json_t *inst = json_string(instance);
        out_set(o, "instance", inst ? inst : json_null());
    }
    struct buf b = BUF_INIT;
    render_json(o, 0, &b);
    json_decref(o);
    return buf_steal(&b, len);
}
