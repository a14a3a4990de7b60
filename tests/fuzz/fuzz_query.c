/* tests/fuzz/fuzz_query.c — the query-string parser and what reads its parameters.
 *
 * The input is a raw query string (the bytes after '?', still percent-encoded). It goes
 * through query_parse, query_check against every endpoint's parameter list, the year range
 * and the id lists resolved on the default store, and the canonical form. Every error must be
 * a 4xx (or 503 out of memory) with a code, and must render as problem+json. */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "query.h"
#include "routes.h"
#include "select.h"
#include "store.h"

static struct store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = fuzz_load_store("fuzz_query");
    return 0;
}

/* An error must be a client error with a machine-readable code and a problem+json body. */
static void check_error(const struct api_error *err)
{
    FUZZ_CHECK(fuzz_status_ok(err->status), "status %d (%s): %s", err->status,
               err->code ? err->code : "-", err->detail);
    FUZZ_CHECK(err->code != NULL, "no code: %s", err->detail);
    size_t len = 0;
    char *body = routes_problem(err, "/fuzz", &len);
    FUZZ_CHECK(body != NULL, "no problem body for %s", err->code);
    json_error_t je;
    json_t *j = json_loadb(body, len, 0, &je);
    FUZZ_CHECK(j != NULL, "problem body is not JSON (%s): %.*s", je.text, (int)len, body);
    FUZZ_CHECK(json_integer_value(json_object_get(j, "status")) == err->status, "status differs");
    json_decref(j);
    free(body);
}

static void check_selection(const struct selection *sel, size_t count)
{
    for (size_t k = 0; k < sel->n; k++) {
        FUZZ_CHECK(sel->items[k] < count, "item %zu is index %u of %zu", k, sel->items[k], count);
        for (size_t m = 0; m < k; m++)
            FUZZ_CHECK(sel->items[m] != sel->items[k], "index %u selected twice", sel->items[k]);
    }
}

static void regions(const struct query *q, const char *name)
{
    const char *v = query_get(q, name);
    if (!v)
        return;
    struct selection sel = {0};
    struct api_error err = {0};
    if (select_regions(store, v, name, &sel, &err) == 0) {
        check_selection(&sel, store_region_count(store));
        selection_free(&sel);
    } else {
        check_error(&err);
        FUZZ_CHECK(sel.items == NULL, "a failed selection keeps its items");
    }
}

static void indicators(const struct query *q, const char *name)
{
    const char *v = query_get(q, name);
    if (!v)
        return;
    struct selection sel = {0};
    struct api_error err = {0};
    if (select_indicators(store, v, name, &sel, &err) == 0) {
        check_selection(&sel, store_indicator_count(store));
        selection_free(&sel);
    } else {
        check_error(&err);
    }
}

static void years(const struct query *q, int allow_year)
{
    struct year_range yr;
    struct api_error err = {0};
    if (select_year_range(q, allow_year, &yr, &err) != 0) {
        check_error(&err);
        return;
    }
    FUZZ_CHECK(yr.from >= 1000 && yr.to <= 9999 && yr.from <= yr.to, "range %d..%d", yr.from,
               yr.to);
    FUZZ_CHECK(!yr.single || yr.latest || yr.from == yr.to, "single year %d..%d", yr.from, yr.to);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct query q;
    struct api_error err = {0};
    if (query_parse(&q, (const char *)data, size, &err) != 0) {
        check_error(&err);
        query_free(&q);
        return 0;
    }
    FUZZ_CHECK(q.n <= QUERY_MAX_PARAMS, "%zu parameters", q.n);
    for (size_t k = 0; k < q.n; k++) {
        const char *name = q.params[k].name;
        FUZZ_CHECK(name[0] != '_' && strlen(name) <= QUERY_MAX_NAME, "name '%s' kept", name);
        for (size_t m = 0; m < k; m++)
            FUZZ_CHECK(strcmp(q.params[m].name, name) != 0, "'%s' kept twice", name);
    }

    /* Each endpoint's parameter list, with JSON and CSV as the Accept default. */
    for (size_t r = 0; r < routes_count; r++) {
        struct api_error e = {0};
        if (query_check(&q, routes[r].params, r & 1 ? FORMAT_CSV : FORMAT_JSON, &e) != 0)
            check_error(&e);
    }

    years(&q, 0);
    years(&q, 1);
    regions(&q, "regions");
    regions(&q, "reference");
    indicators(&q, "indicators");
    indicators(&q, "indicator");
    const char *ind = query_get(&q, "indicator");
    if (ind) {
        struct api_error e = {0};
        if (select_indicator(store, ind, "indicator", &e) == STORE_NONE)
            check_error(&e);
    }
    static const char *const numbers[] = {"target", "epsilon", "base"};
    for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++) {
        double x = 0;
        struct api_error e = {0};
        int rc = query_number(&q, numbers[k], &x, &e);
        if (rc < 0)
            check_error(&e);
        else if (rc == 1)
            FUZZ_CHECK(isfinite(x), "%s=%g accepted", numbers[k], x);
    }

    /* The canonical form is a function of the query. */
    struct buf a = BUF_INIT, b = BUF_INIT;
    query_canonical(&q, &a);
    query_canonical(&q, &b);
    FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0),
               "canonical form differs");
    buf_free(&a);
    buf_free(&b);

    /* The path decoder has the same rules. */
    char *path = malloc(size + 1);
    if (path) {
        struct api_error pe = {0};
        long n = query_decode_path((const char *)data, size, path, &pe);
        if (n < 0)
            check_error(&pe);
        else
            FUZZ_CHECK((size_t)n <= size && path[n] == '\0', "decoded %ld of %zu", n, size);
        free(path);
    }
    query_free(&q);
    return 0;
}
