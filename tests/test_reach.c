/* tests/test_reach.c — answers a dashboard or a script reads without reshaping: format=records
 * (the CSV's rows as flat JSON objects), labels=1, the whole panel at /v1/observations (also
 * streamed, over HTTP), suggestions for a mistyped id and enumerated values that are not one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "csv.h"
#include "import.h"
#include "routes.h"
#include "testutil.h"

static json_t *get(const char *target, int expect_status)
{
    int status = 0;
    json_t *j = tu_api(tu_store(), target, &status);
    ck_assert_msg(j != NULL, "no JSON for %s", target);
    if (status != expect_status) {
        char *text = json_dumps(j, 0);
        ck_abort_msg("%s: status %d, wanted %d: %.300s", target, status, expect_status, text);
    }
    return j;
}

/* The CSV answer to TARGET, parsed: rows of fields (the header first). */
struct table {
    size_t n;
    char **cells[20000];
    size_t width[20000];
    struct csv_file f;
};

static void table_read(struct table *t, const char *text, size_t len)
{
    char err[128];
    memset(t, 0, sizeof *t);
    ck_assert_int_eq(csv_open_mem(&t->f, "answer", text, len, err, sizeof err), 0);
    struct csv_row row;
    int rc;
    while ((rc = csv_next(&t->f, &row, err, sizeof err)) == 1) {
        ck_assert_uint_lt(t->n, 20000);
        t->cells[t->n] = malloc(row.n * sizeof(char *));
        memcpy(t->cells[t->n], row.fields, row.n * sizeof(char *));
        t->width[t->n++] = row.n;
    }
    ck_assert_msg(rc == 0, "CSV does not parse: %s", err);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->cells[i]);
    csv_close(&t->f);
}

static struct table *csv_of(const char *target)
{
    json_t *j = get(target, 200);
    ck_assert_msg(json_is_string(j), "%s: not CSV", target);
    struct table *t = malloc(sizeof *t);
    table_read(t, json_string_value(j), json_string_length(j));
    json_decref(j);
    return t;
}

static int column(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->width[0]; c++)
        if (strcmp(t->cells[0][c], name) == 0)
            return (int)c;
    return -1;
}

/* One records value against its CSV cell: null is an empty cell, a number the same number, a
 * boolean true/false, a string the same text. */
static void same_cell(const json_t *v, const char *cell, const char *where)
{
    if (json_is_null(v)) {
        ck_assert_msg(*cell == '\0', "%s: null against '%s'", where, cell);
    } else if (json_is_integer(v)) {
        char text[32];
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        ck_assert_msg(strcmp(text, cell) == 0, "%s: %s against '%s'", where, text, cell);
    } else if (json_is_real(v)) {
        char *end;
        double x = strtod(cell, &end);
        ck_assert_msg(*cell && !*end, "%s: number against '%s'", where, cell);
        ck_assert_msg(fabs(x - json_real_value(v)) <= 1e-13 * fabs(x), "%s: %.17g against %s",
                      where, json_real_value(v), cell);
    } else if (json_is_boolean(v)) {
        ck_assert_str_eq(json_is_true(v) ? "true" : "false", cell);
    } else {
        ck_assert_msg(json_is_string(v), "%s: not flat", where);
        ck_assert_msg(strcmp(json_string_value(v), cell) == 0, "%s: '%s' against '%s'", where,
                      json_string_value(v), cell);
    }
}

/* records of TARGET == its CSV: same rows, same columns in the same order, same values. */
static size_t records_equal_csv(const char *target)
{
    char t_csv[600], t_rec[600];
    const char *sep = strchr(target, '?') ? "&" : "?";
    snprintf(t_csv, sizeof t_csv, "%s%sformat=csv", target, sep);
    snprintf(t_rec, sizeof t_rec, "%s%sformat=records", target, sep);
    struct table *t = csv_of(t_csv);
    json_t *rec = get(t_rec, 200);
    ck_assert_msg(json_is_array(rec), "%s: records is not an array", t_rec);
    ck_assert_uint_eq(json_array_size(rec), t->n - 1);
    for (size_t i = 0; i < json_array_size(rec); i++) {
        json_t *o = json_array_get(rec, i);
        ck_assert_msg(json_is_object(o), "%s: row %zu is not an object", t_rec, i);
        ck_assert_uint_eq(json_object_size(o), t->width[0]);
        ck_assert_uint_eq(t->width[i + 1], t->width[0]);
        size_t c = 0;
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
            char where[700];
            snprintf(where, sizeof where, "%s row %zu %s", t_rec, i, key);
            ck_assert_msg(strcmp(key, t->cells[0][c]) == 0, "%s: key %s, CSV column %s", where, key,
                          t->cells[0][c]);
            same_cell(v, t->cells[i + 1][c], where);
            c++;
        }
    }
    size_t n = json_array_size(rec);
    json_decref(rec);
    table_free(t);
    free(t);
    return n;
}

START_TEST(test_records_equal_csv_on_every_route)
{
    size_t routes_with_csv = 0;
    for (size_t k = 0; k < routes_count; k++) {
        const struct route *r = &routes[k];
        if ((!r->csv && !r->table) || !r->example)
            continue;
        routes_with_csv++;
        size_t n = records_equal_csv(r->example);
        ck_assert_msg(n > 0, "%s: no rows to compare", r->example);
    }
    ck_assert_uint_ge(routes_with_csv, 18);
    /* nested rows, labels, Chinese names and computed rows too */
    records_equal_csv("/v1/series?indicator=gdp_per_capita&regions=east,beijing&labels=1&lang=zh");
    records_equal_csv("/v1/gaps/pairs?indicator=income_per_capita&reference=urban&labels=1");
    records_equal_csv("/v1/observations?regions=group:four_regions&computed=1&labels=1");
}
END_TEST

/* The data's own row for (indicator, region, year), from data/observations.csv. */
static double data_value(const char *ind, const char *region, const char *year)
{
    char v[64];
    const char *match[] = {"indicator_id", ind, "region_id", region, "year", year, NULL};
    ck_assert_uint_eq(tu_csv_get("observations.csv", match, "value", v, sizeof v), 1);
    return strtod(v, NULL);
}

START_TEST(test_records_numbers_nulls_and_pretty)
{
    json_t *j = get("/v1/series?indicator=gdp_per_capita&regions=beijing&transform=pct_change"
                    "&format=records",
                    200);
    ck_assert_uint_gt(json_array_size(j), 2);
    ck_assert(json_is_integer(tu_at(j, "0.year")));
    ck_assert(json_is_null(tu_at(j, "0.value"))); /* no earlier year: null, not "" */
    char y0[8], y1[8];
    snprintf(y0, sizeof y0, "%d", (int)tu_num(j, "0.year"));
    snprintf(y1, sizeof y1, "%d", (int)tu_num(j, "1.year"));
    double v0 = data_value("gdp_per_capita", "beijing", y0);
    double v1 = data_value("gdp_per_capita", "beijing", y1);
    ck_assert(json_is_real(tu_at(j, "1.value")));
    ck_assert_double_eq_tol(tu_num(j, "1.value"), 100 * (v1 / v0 - 1), 1e-9);
    json_decref(j);
    /* pretty=1 indents records as render_json indents the same array */
    j = get("/v1/groups?format=records", 200);
    ck_assert_str_eq(tu_str(j, "0.id"), "urban_rural");
    struct buf want = BUF_INIT;
    render_json(j, 1, &want);
    json_decref(j);
    const struct route *r = routes_match("/v1/groups", (char[8]){0}, 8, &(const char *){NULL});
    struct query q;
    struct api_error err;
    struct answer a;
    ck_assert_int_eq(query_parse(&q, "format=records&pretty=1", 23, &err), 0);
    ck_assert_int_eq(routes_check(r, &q, FORMAT_JSON, &err), 0);
    ck_assert_int_eq(routes_answer(r, tu_store(), &q, &a, &err), 0);
    ck_assert_uint_eq(a.len, want.len);
    ck_assert(memcmp(a.body, want.data, a.len) == 0);
    free(a.body);
    buf_free(&want);
    query_free(&q);
    /* a route without a CSV form has no records form either */
    j = get("/v1/openapi.json?format=records", 400);
    ck_assert_str_eq(tu_str(j, "param"), "format");
    json_decref(j);
}
END_TEST

START_TEST(test_labels_add_names_units_and_transform)
{
    struct table *t = csv_of("/v1/series?indicator=gdp_per_capita&regions=beijing&from=2019"
                             "&to=2019&transform=index&base=2015&labels=1&lang=zh&format=csv");
    const char *want[] = {"indicator",   "indicator_name", "unit",  "region",
                          "region_name", "year",           "value", "status",
                          "source",      "transform",      "base"};
    ck_assert_uint_eq(t->width[0], sizeof want / sizeof want[0]);
    for (size_t c = 0; c < t->width[0]; c++)
        ck_assert_str_eq(t->cells[0][c], want[c]);
    ck_assert_uint_eq(t->n, 2);
    char name_zh[64], unit_zh[64];
    const char *region[] = {"id", "beijing", NULL}, *ind[] = {"id", "gdp_per_capita", NULL};
    tu_csv_get("regions.csv", region, "name_zh", name_zh, sizeof name_zh);
    tu_csv_get("indicators.csv", ind, "unit_zh", unit_zh, sizeof unit_zh);
    ck_assert_str_eq(t->cells[1][column(t, "region_name")], name_zh);
    ck_assert_str_eq(t->cells[1][column(t, "unit")], unit_zh);
    ck_assert_str_eq(t->cells[1][column(t, "transform")], "index");
    ck_assert_str_eq(t->cells[1][column(t, "base")], "2015");
    double v15 = data_value("gdp_per_capita", "beijing", "2015");
    double v19 = data_value("gdp_per_capita", "beijing", "2019");
    ck_assert_double_eq_tol(strtod(t->cells[1][column(t, "value")], NULL), 100 * v19 / v15, 1e-9);
    table_free(t);
    free(t);
    /* English names by default; ids in other columns get names too (pairs: reference) */
    json_t *j = get("/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural"
                    "&labels=1&format=records",
                    200);
    ck_assert_str_eq(tu_str(j, "0.reference_name"), "Urban");
    ck_assert_str_eq(tu_str(j, "0.region_name"), "Rural");
    ck_assert_ptr_nonnull(tu_str(j, "0.indicator_name"));
    json_decref(j);
    /* without labels=1 nothing changes; with JSON labels are a 400 (objects carry names) */
    t = csv_of("/v1/series?indicator=gdp_per_capita&regions=beijing&format=csv");
    ck_assert_int_eq(column(t, "region_name"), -1);
    table_free(t);
    free(t);
    j = get("/v1/series?indicator=gdp_per_capita&labels=1", 400);
    ck_assert_str_eq(tu_str(j, "param"), "labels");
    json_decref(j);
}
END_TEST

/* Rows of data/observations.csv matching INDICATOR (or any) with a year in [FROM, TO]. */
static size_t data_rows(const char *indicator, const char *const *regions, int from, int to)
{
    char path[512], err[128];
    snprintf(path, sizeof path, "%s/data/observations.csv", PROSPERITY_SOURCE_DIR);
    struct csv_file f;
    struct csv_row row;
    ck_assert_int_eq(csv_open(&f, path, err, sizeof err), 0);
    size_t n = 0;
    int header = 1;
    while (csv_next(&f, &row, err, sizeof err) == 1) {
        if (header) {
            header = 0;
            continue;
        }
        int year = (int)strtol(row.fields[2], NULL, 10);
        int region_ok = !regions;
        for (const char *const *r = regions; r && *r; r++)
            region_ok |= strcmp(*r, row.fields[1]) == 0;
        if ((!indicator || strcmp(indicator, row.fields[0]) == 0) && region_ok && year >= from &&
            year <= to)
            n++;
    }
    csv_close(&f);
    return n;
}

START_TEST(test_observations_whole_panel)
{
    struct table *t = csv_of("/v1/observations?format=csv");
    const char *want[] = {"indicator", "region", "year",   "value",
                          "unit",      "status", "source", "note"};
    ck_assert_uint_eq(t->width[0], 8);
    for (size_t c = 0; c < 8; c++)
        ck_assert_str_eq(t->cells[0][c], want[c]);
    ck_assert_uint_eq(t->n - 1, tu_csv_count("observations.csv", NULL, NULL, NULL, NULL));
    /* every row is the data's own row */
    for (size_t i = 1; i < t->n; i += 997) {
        double v = data_value(t->cells[i][0], t->cells[i][1], t->cells[i][2]);
        ck_assert_double_eq_tol(strtod(t->cells[i][3], NULL), v, 1e-9 * fabs(v));
    }
    table_free(t);
    free(t);
    json_t *j = get("/v1/observations", 200);
    ck_assert_int_eq((int)tu_num(j, "count"),
                     (int)tu_csv_count("observations.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(json_array_size(tu_at(j, "observations")), (size_t)tu_num(j, "count"));
    json_decref(j);
}
END_TEST

START_TEST(test_observations_filters_and_computed)
{
    const char *two[] = {"beijing", "shanghai", NULL};
    json_t *j = get("/v1/observations?indicators=gdp_per_capita,population&regions=beijing,"
                    "shanghai&from=2010&to=2015",
                    200);
    ck_assert_int_eq((int)tu_num(j, "count"), (int)(data_rows("gdp_per_capita", two, 2010, 2015) +
                                                    data_rows("population", two, 2010, 2015)));
    ck_assert_str_eq(tu_str(j, "observations.0.indicator"), "gdp_per_capita");
    ck_assert_str_eq(tu_str(j, "observations.0.region"), "beijing");
    ck_assert_int_eq((int)tu_num(j, "observations.0.year"), 2010);
    json_decref(j);
    /* groups expand as everywhere; children: too */
    j = get("/v1/observations?indicators=gdp&regions=children:east&format=records", 200);
    ck_assert_uint_gt(json_array_size(j), 0);
    json_decref(j);
    /* computed=1 adds the computed aggregates, flagged; the own rows stay as they are */
    json_t *own = get("/v1/observations?indicators=gdp_per_capita&format=records", 200);
    json_t *all = get("/v1/observations?indicators=gdp_per_capita&computed=1&format=records", 200);
    size_t computed = 0, n = json_array_size(all);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(all, i);
        if (json_is_true(json_object_get(row, "computed"))) {
            computed++;
            ck_assert(json_is_null(json_object_get(row, "source")));
        }
    }
    ck_assert_uint_gt(computed, 0);
    ck_assert_uint_eq(n - computed, json_array_size(own));
    ck_assert_uint_eq(json_array_size(own), tu_csv_count("observations.csv", "indicator_id",
                                                         "gdp_per_capita", NULL, NULL));
    ck_assert_ptr_null(json_object_get(json_array_get(own, 0), "computed"));
    json_decref(own);
    json_decref(all);
    j = get("/v1/observations?regions=bejing", 404);
    ck_assert_str_eq(tu_str(j, "suggestions.0"), "beijing");
    json_decref(j);
    j = get("/v1/observations?from=2020&to=2010", 400);
    json_decref(j);
}
END_TEST

static void expect_suggestion(const char *target, int status, const char *code, const char *first)
{
    json_t *j = get(target, status);
    ck_assert_str_eq(tu_str(j, "code"), code);
    json_t *s = tu_at(j, "suggestions");
    if (!first) { /* nothing close: no list, no guess */
        ck_assert_ptr_null(s);
        ck_assert_ptr_null(strstr(tu_str(j, "detail"), "did you mean"));
        json_decref(j);
        return;
    }
    ck_assert_msg(json_is_array(s), "%s: no suggestions", target);
    ck_assert_uint_le(json_array_size(s), 5);
    {
        ck_assert_msg(json_array_size(s) > 0, "%s: no suggestion", target);
        ck_assert_str_eq(tu_str(j, "suggestions.0"), first);
        char quoted[80];
        snprintf(quoted, sizeof quoted, "'%s'", first);
        ck_assert_msg(strstr(tu_str(j, "detail"), "did you mean") &&
                          strstr(tu_str(j, "detail"), quoted),
                      "%s: detail '%s'", target, tu_str(j, "detail"));
    }
    json_decref(j);
}

START_TEST(test_suggestions_for_unknown_ids)
{
    expect_suggestion("/v1/series?indicator=gdp_per_capta", 404, "unknown_indicator",
                      "gdp_per_capita");
    expect_suggestion("/v1/series?indicator=gdp&regions=bejing", 404, "unknown_region", "beijing");
    expect_suggestion("/v1/series?indicator=gdp&regions=Bejing", 404, "unknown_region", "beijing");
    /* a typo of the Chinese name: 北京市 is one character from 北京 */
    expect_suggestion("/v1/series?indicator=gdp&regions=%E5%8C%97%E4%BA%AC%E5%B8%82", 404,
                      "unknown_region", "beijing");
    /* the English name */
    expect_suggestion("/v1/series?indicator=gdp&regions=Shanghi", 404, "unknown_region",
                      "shanghai");
    expect_suggestion("/v1/series?indicator=gdp&regions=group:provinse", 404, "unknown_group",
                      "provinces");
    expect_suggestion("/v1/series?indicator=gdp&regions=children:chna", 404, "unknown_region",
                      "china");
    expect_suggestion("/v1/compare?indicators=gdp,gdp_per_capita_x&regions=east", 404,
                      "unknown_indicator", "gdp_per_capita");
    expect_suggestion("/v1/regions/bejing", 404, "unknown_region", "beijing");
    expect_suggestion("/v1/indicators/gdp_per_capta", 404, "unknown_indicator", "gdp_per_capita");
    expect_suggestion("/v1/regions/tianjing/profile", 404, "unknown_region", "tianjin");
    /* nothing close: no list, and no guess in the detail */
    expect_suggestion("/v1/series?indicator=zzzzzzzzzzzz", 404, "unknown_indicator", NULL);
    /* a mistyped parameter name */
    expect_suggestion("/v1/series?indicatr=gdp", 400, "unknown_parameter", "indicator");
}
END_TEST

/* The values of COLUMN in data/FILE, distinct. */
static size_t distinct_values(const char *file, const char *col, char values[][40], size_t max)
{
    char path[512], err[128];
    snprintf(path, sizeof path, "%s/data/%s", PROSPERITY_SOURCE_DIR, file);
    struct csv_file f;
    struct csv_row row;
    ck_assert_int_eq(csv_open(&f, path, err, sizeof err), 0);
    ck_assert_int_eq(csv_next(&f, &row, err, sizeof err), 1);
    int c = -1;
    for (size_t k = 0; k < row.n; k++)
        if (strcmp(row.fields[k], col) == 0)
            c = (int)k;
    ck_assert_int_ge(c, 0);
    size_t n = 0;
    while (csv_next(&f, &row, err, sizeof err) == 1) {
        size_t k = 0;
        while (k < n && strcmp(values[k], row.fields[c]) != 0)
            k++;
        if (k == n && n < max && *row.fields[c])
            snprintf(values[n++], 40, "%s", row.fields[c]);
    }
    csv_close(&f);
    return n;
}

static void expect_enum(const char *target, const char *param, const char *closest)
{
    json_t *j = get(target, 400);
    ck_assert_str_eq(tu_str(j, "param"), param);
    ck_assert_str_eq(tu_str(j, "suggestions.0"), closest);
    ck_assert_msg(strstr(tu_str(j, "detail"), "did you mean"), "%s: %s", target,
                  tu_str(j, "detail"));
    json_decref(j);
}

START_TEST(test_enumerated_values_name_allowed_and_closest)
{
    /* kind and category: the allowed values are those of the data */
    char values[32][40];
    size_t n = distinct_values("regions.csv", "kind", values, 32);
    json_t *j = get("/v1/regions?kind=provinces", 400);
    ck_assert_str_eq(tu_str(j, "param"), "kind");
    ck_assert_str_eq(tu_str(j, "suggestions.0"), "province");
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(strstr(tu_str(j, "detail"), values[k]), "kind %s not named: %s", values[k],
                      tu_str(j, "detail"));
    json_decref(j);
    n = distinct_values("indicators.csv", "category", values, 32);
    j = get("/v1/indicators?category=Health", 400);
    ck_assert_str_eq(tu_str(j, "suggestions.0"), "health");
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(strstr(tu_str(j, "detail"), values[k]), "category %s not named: %s",
                      values[k], tu_str(j, "detail"));
    json_decref(j);
    /* a value the data has is still answered */
    j = get("/v1/regions?kind=province", 200);
    ck_assert_uint_gt(json_array_size(tu_at(j, "regions")), 0);
    json_decref(j);
    expect_enum("/v1/series?indicator=gdp&transform=indx", "transform", "index");
    expect_enum("/v1/gaps/dispersion?indicator=gdp&regions=group:provinces&weights=populaton",
                "weights", "population");
    expect_enum("/v1/gaps/dispersion?indicator=gdp&regions=group:provinces&cv=sampel", "cv",
                "sample");
    expect_enum("/v1/gaps/dispersion?indicator=gdp&regions=group:provinces&group_by=parnt",
                "group_by", "parent");
    expect_enum("/v1/gaps/dispersion?indicator=gdp&regions=group:provinces&measures=ginni",
                "measures", "gini");
    expect_enum("/v1/gaps/density?indicator=gdp&regions=group:provinces&bandwidth=nrd00",
                "bandwidth", "nrd0");
    expect_enum("/v1/gaps/density?indicator=gdp&regions=group:provinces&relative=men", "relative",
                "mean");
    expect_enum("/v1/index?indicators=gdp,gdp_per_capita&regions=group:provinces&weights=entropie",
                "weights", "entropy");
    expect_enum("/v1/index?indicators=gdp,gdp_per_capita&regions=group:provinces&normalise=pooled_",
                "normalise", "pooled");
    expect_enum("/v1/gaps/mobility?indicator=gdp&quantiles=byyear", "quantiles", "by_year");
    expect_enum("/v1/gaps/spatial?indicator=gdp&links=exlude", "links", "exclude");
    expect_enum("/v1/gaps/spatial?indicator=gdp&isolated=kep", "isolated", "keep");
    expect_enum("/v1/series?indicator=gdp&format=cvs", "format", "csv");
    expect_enum("/v1/series?indicator=gdp&format=record", "format", "records");
}
END_TEST

/* ---- over HTTP: negotiation, caching, ETag, gzip, the streamed panel --------------------- */

static struct tu_response request(const struct tu_server *srv, const char *target,
                                  const char *const *headers)
{
    struct tu_response r;
    ck_assert_int_eq(tu_http(srv, "GET", target, headers, &r), 0);
    return r;
}

static const char *hdr(const struct tu_response *r, const char *name)
{
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    return tu_header(r, name, buf[slot], sizeof buf[slot]);
}

START_TEST(test_http_records_negotiation_and_cache)
{
    const char *json_h[] = {"Accept: application/json", NULL};
    const char *csv_h[] = {"Accept: text/csv", NULL};
    const char *target = "/v1/groups?format=records";
    struct tu_response r = request(&tu_srv, "/v1/groups", json_h);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(r.body[0], '{'); /* Accept: application/json keeps today's JSON */
    tu_response_free(&r);
    r = request(&tu_srv, "/v1/groups", csv_h);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "text/csv; charset=utf-8");
    tu_response_free(&r);
    /* format=records wins over Accept, and is cached and tagged on its own */
    r = request(&tu_srv, target, csv_h);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "application/json");
    ck_assert_int_eq(r.body[0], '[');
    char etag[64];
    snprintf(etag, sizeof etag, "%s", hdr(&r, "ETag"));
    tu_response_free(&r);
    r = request(&tu_srv, "/v1/groups", NULL);
    ck_assert_str_ne(hdr(&r, "ETag"), etag);
    tu_response_free(&r);
    double hits = tu_metric(&tu_srv, "prosperity_cache_hits_total");
    char inm[100];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    r = request(&tu_srv, target, h);
    ck_assert_int_eq(r.status, 304);
    tu_response_free(&r);
    ck_assert_double_eq(tu_metric_settles(&tu_srv, "prosperity_cache_hits_total", hits + 1),
                        hits + 1);
}
END_TEST

/* Inflates a gzip body. */
static char *gunzip(const char *data, size_t len, size_t *out_len)
{
    size_t cap = len * 20 + 1024;
    char *out = malloc(cap);
    z_stream z = {0};
    ck_assert_int_eq(inflateInit2(&z, 31), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (unsigned)len;
    int rc;
    do {
        if (z.total_out == cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
        z.next_out = (unsigned char *)out + z.total_out;
        z.avail_out = (unsigned)(cap - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK);
    ck_assert_int_eq(rc, Z_STREAM_END);
    *out_len = z.total_out;
    inflateEnd(&z);
    return out;
}

static size_t lines(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

START_TEST(test_http_observations_etag_gzip)
{
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    struct tu_response plain = request(&tu_srv, "/v1/observations?format=csv", NULL);
    ck_assert_int_eq(plain.status, 200);
    ck_assert_uint_eq(lines(plain.body, plain.len),
                      tu_csv_count("observations.csv", NULL, NULL, NULL, NULL) + 1);
    ck_assert_ptr_nonnull(hdr(&plain, "ETag"));
    ck_assert_ptr_nonnull(strstr(hdr(&plain, "Content-Disposition"), "observations.csv"));
    struct tu_response z = request(&tu_srv, "/v1/observations?format=csv", gz);
    ck_assert_str_eq(hdr(&z, "Content-Encoding"), "gzip");
    size_t n;
    char *body = gunzip(z.body, z.len, &n);
    ck_assert_uint_eq(n, plain.len);
    ck_assert(memcmp(body, plain.body, n) == 0);
    free(body);
    tu_response_free(&z);
    tu_response_free(&plain);
}
END_TEST

/* A panel larger than ROUTES_STREAM_ROWS, written here (the container's build, which runs this
 * suite, has neither bench/ nor python3), served by its own server. */
static struct tu_server big;
static char big_dir[512];
static size_t big_rows;

enum { BIG_INDICATORS = 6, BIG_REGIONS = 120, BIG_YEARS = 80 };

/* indicators.csv, regions.csv and observations.csv of BIG_INDICATORS x BIG_REGIONS x BIG_YEARS
 * values in DIR. */
static void big_write(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "id,name_en,name_zh,unit,category,higher_is_better,aggregation,weight_indicator,"
               "description\n");
    for (int i = 0; i < BIG_INDICATORS; i++)
        fprintf(f, "ind%d,Indicator %d,,yuan,economy,1,none,,\n", i, i);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/regions.csv", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "id,name_en,name_zh,kind,parent,code\nall,All,,national,,\n");
    for (int r = 0; r < BIG_REGIONS; r++)
        fprintf(f, "r%03d,Region %d,,province,all,\n", r, r);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/observations.csv", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "indicator_id,region_id,year,value,status,source_id,note\n");
    for (int i = 0; i < BIG_INDICATORS; i++)
        for (int r = 0; r < BIG_REGIONS; r++)
            for (int y = 0; y < BIG_YEARS; y++)
                fprintf(f, "ind%d,r%03d,%d,%d.5,,,\n", i, r, 1950 + y, 1000 + 7 * r + 3 * y + i);
    ck_assert_int_eq(fclose(f), 0);
}

static void big_start(void)
{
    char *dir = tu_tmpdir();
    snprintf(big_dir, sizeof big_dir, "%s", dir);
    free(dir);
    big_write(big_dir);
    big_rows = (size_t)BIG_INDICATORS * BIG_REGIONS * BIG_YEARS; /* 57,600 */
    char db[600];
    snprintf(db, sizeof db, "%s/big.db", big_dir);
    ck_assert_int_eq(import_dir(big_dir, db, stderr), 0);
    const char *extra[] = {"--db", db, NULL};
    ck_assert_int_eq(tu_server_start(&big, extra), 0);
}

static void big_stop(void)
{
    ck_assert_int_eq(tu_server_stop(&big, 15), 0);
    tu_rmrf(big_dir);
}

/* The bytes field of the text access-log line " STATUS BYTES USus id=ID" of request ID on S
 * (the log is flushed once a second). */
static size_t logged_bytes(const struct tu_server *s, const char *id)
{
    char needle[128];
    snprintf(needle, sizeof needle, "us id=%s", id);
    for (int tries = 0; tries < 30; tries++) {
        char *log = tu_read(s->log, NULL), *save = NULL;
        for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *at = strstr(line, needle);
            if (!at)
                continue;
            /* back over "USus", then BYTES */
            char *p = at;
            while (p > line && p[-1] != ' ')
                p--;
            char *end = p - 1, *b = end;
            while (b > line && b[-1] != ' ')
                b--;
            size_t n = (size_t)strtoull(b, NULL, 10);
            free(log);
            return n;
        }
        free(log);
        usleep(100 * 1000);
    }
    ck_abort_msg("no access-log line for %s", id);
    return 0;
}

START_TEST(test_http_streamed_panel)
{
    ck_assert_uint_gt(big_rows, ROUTES_STREAM_ROWS);
    struct tu_response r = request(&big, "/v1/observations?format=csv", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(lines(r.body, r.len), big_rows + 1);
    ck_assert_ptr_null(hdr(&r, "Content-Length")); /* streamed: chunked, no length */
    ck_assert_str_eq(hdr(&r, "Content-Type"), "text/csv; charset=utf-8");
    char etag[64];
    snprintf(etag, sizeof etag, "%s", hdr(&r, "ETag"));
    ck_assert_uint_gt(strlen(etag), 4);
    /* the same bytes gzipped */
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    struct tu_response z = request(&big, "/v1/observations?format=csv", gz);
    ck_assert_str_eq(hdr(&z, "Content-Encoding"), "gzip");
    size_t n;
    char *body = gunzip(z.body, z.len, &n);
    ck_assert_uint_eq(n, r.len);
    ck_assert(memcmp(body, r.body, n) == 0);
    free(body);
    ck_assert_str_eq(hdr(&z, "ETag"), etag);
    tu_response_free(&z);
    tu_response_free(&r);
    /* revalidation needs no body */
    char inm[100];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    r = request(&big, "/v1/observations?format=csv", h);
    ck_assert_int_eq(r.status, 304);
    ck_assert_uint_eq(r.len, 0);
    tu_response_free(&r);
    /* JSON and records streamed too, and whole */
    json_t *j = tu_get_json(&big, "/v1/observations", NULL);
    ck_assert_int_eq((int)tu_num(j, "count"), (int)big_rows);
    ck_assert_uint_eq(json_array_size(tu_at(j, "observations")), big_rows);
    json_decref(j);
    j = tu_get_json(&big, "/v1/observations?format=records", NULL);
    ck_assert_uint_eq(json_array_size(j), big_rows);
    json_decref(j);
    /* the access log counts the bytes a streamed answer sent (it said 0) */
    const char *idh[] = {"X-Request-Id: streamed-bytes-1", NULL};
    ck_assert_int_eq(tu_http(&big, "GET", "/v1/observations?format=csv", idh, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(logged_bytes(&big, "streamed-bytes-1"), r.len);
    tu_response_free(&r);
    /* HEAD answers the headers without the body */
    ck_assert_int_eq(tu_http(&big, "HEAD", "/v1/observations?format=csv", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, 0);
    tu_response_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reach");
    TCase *c = tcase_create("records");
    tcase_set_timeout(c, 120);
    tcase_add_test(c, test_records_equal_csv_on_every_route);
    tcase_add_test(c, test_records_numbers_nulls_and_pretty);
    tcase_add_test(c, test_labels_add_names_units_and_transform);
    suite_add_tcase(s, c);
    c = tcase_create("observations");
    tcase_set_timeout(c, 120);
    tcase_add_test(c, test_observations_whole_panel);
    tcase_add_test(c, test_observations_filters_and_computed);
    suite_add_tcase(s, c);
    c = tcase_create("guidance");
    tcase_add_test(c, test_suggestions_for_unknown_ids);
    tcase_add_test(c, test_enumerated_values_name_allowed_and_closest);
    suite_add_tcase(s, c);
    c = tcase_create("http");
    tcase_set_timeout(c, 120);
    tcase_add_unchecked_fixture(c, tu_srv_start, tu_srv_stop);
    tcase_add_test(c, test_http_records_negotiation_and_cache);
    tcase_add_test(c, test_http_observations_etag_gzip);
    suite_add_tcase(s, c);
    c = tcase_create("stream");
    tcase_set_timeout(c, 240);
    tcase_add_unchecked_fixture(c, big_start, big_stop);
    tcase_add_test(c, test_http_streamed_panel);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
