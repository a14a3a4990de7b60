/* tests/test_openapi.c — /v1/openapi.json against the route table and the live server: every
 * route and allowed parameter is documented, and every example and live answer matches the
 * documented schema (a small JSON Schema checker below: $ref, type, enum, properties,
 * required, additionalProperties, items, anyOf). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "testutil.h"

static json_t *doc;

static void start(void)
{
    tu_srv_start();
    long status = 0;
    doc = tu_get_json(&tu_srv, "/v1/openapi.json", &status);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(doc);
}

static void stop(void)
{
    json_decref(doc);
    tu_srv_stop();
}

static json_t *resolve(json_t *schema)
{
    const char *ref = json_string_value(json_object_get(schema, "$ref"));
    for (int hops = 0; ref && hops < 8; hops++) {
        ck_assert_msg(strncmp(ref, "#/components/schemas/", 21) == 0, "bad $ref %s", ref);
        schema = tu_at(tu_at(doc, "components.schemas"), ref + 21);
        ck_assert_msg(schema != NULL, "dangling $ref %s", ref);
        ref = json_string_value(json_object_get(schema, "$ref"));
    }
    return schema;
}

static int type_matches(const char *type, json_t *v)
{
    if (strcmp(type, "object") == 0)
        return json_is_object(v);
    if (strcmp(type, "array") == 0)
        return json_is_array(v);
    if (strcmp(type, "string") == 0)
        return json_is_string(v);
    if (strcmp(type, "integer") == 0)
        return json_is_integer(v);
    if (strcmp(type, "number") == 0)
        return json_is_number(v);
    if (strcmp(type, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(type, "null") == 0)
        return json_is_null(v);
    return 0;
}

/* Returns NULL when V matches SCHEMA, else a description of the first mismatch at PATH. */
static char *check(json_t *schema, json_t *v, const char *path)
{
    char sub[512], *why;
    schema = resolve(schema);
    json_t *any = json_object_get(schema, "anyOf");
    if (any) {
        for (size_t i = 0; i < json_array_size(any); i++) {
            why = check(json_array_get(any, i), v, path);
            if (!why)
                return NULL;
            free(why);
        }
        return strdup(path);
    }
    json_t *type = json_object_get(schema, "type");
    if (type) {
        int ok = 0;
        if (json_is_string(type))
            ok = type_matches(json_string_value(type), v);
        for (size_t i = 0; json_is_array(type) && i < json_array_size(type); i++)
            ok |= type_matches(json_string_value(json_array_get(type, i)), v);
        if (!ok) {
            char *d = json_dumps(v, JSON_ENCODE_ANY);
            snprintf(sub, sizeof sub, "%s: %.80s is not of the documented type", path, d);
            free(d);
            return strdup(sub);
        }
    }
    json_t *en = json_object_get(schema, "enum");
    if (en) {
        int ok = 0;
        for (size_t i = 0; i < json_array_size(en); i++)
            ok |= json_equal(json_array_get(en, i), v);
        if (!ok) {
            snprintf(sub, sizeof sub, "%s: value not in enum", path);
            return strdup(sub);
        }
    }
    if (json_is_object(v)) {
        json_t *props = json_object_get(schema, "properties"),
               *req = json_object_get(schema, "required");
        json_t *extra = json_object_get(schema, "additionalProperties");
        for (size_t i = 0; i < json_array_size(req); i++)
            if (!json_object_get(v, json_string_value(json_array_get(req, i)))) {
                snprintf(sub, sizeof sub, "%s: required '%s' missing", path,
                         json_string_value(json_array_get(req, i)));
                return strdup(sub);
            }
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val)
        {
            json_t *ps = json_object_get(props, key);
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            if (!ps && json_is_false(extra)) {
                char *msg = NULL;
                return asprintf(&msg, "%s: not documented", sub) < 0 ? strdup(sub) : msg;
            }
            if (!ps && json_is_object(extra))
                ps = extra;
            if (ps && (why = check(ps, val, sub)))
                return why;
        }
    }
    if (json_is_array(v)) {
        json_t *items = json_object_get(schema, "items");
        for (size_t i = 0; items && i < json_array_size(v); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if ((why = check(items, json_array_get(v, i), sub)))
                return why;
        }
    }
    return NULL;
}

static json_t *operation(const struct route *r)
{
    json_t *item = json_object_get(tu_at(doc, "paths"), r->pattern);
    ck_assert_msg(item != NULL, "route %s (%s) is not in the document", r->name, r->pattern);
    return json_object_get(item, "get");
}

START_TEST(test_openapi_version_and_servers)
{
    ck_assert_str_eq(tu_str(doc, "openapi"), "3.1.0");
    ck_assert_ptr_nonnull(tu_str(doc, "info.version"));
    ck_assert_ptr_nonnull(tu_at(doc, "paths./healthz"));
    ck_assert_ptr_null(tu_at(doc, "x-parameters"));
}
END_TEST

/* RFC 3986 section 5.2.4: removes "." and ".." segments from the path IN. */
static void remove_dot_segments(const char *in, char *out, size_t size)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    char *input = buf;
    size_t n = 0;
    out[0] = '\0';
    while (*input) {
        if (strncmp(input, "../", 3) == 0) { /* A */
            input += 3;
        } else if (strncmp(input, "./", 2) == 0) {
            input += 2;
        } else if (strncmp(input, "/./", 3) == 0) { /* B */
            input += 2;
        } else if (strcmp(input, "/.") == 0) {
            input[1] = '\0';
        } else if (strncmp(input, "/../", 4) == 0 || strcmp(input, "/..") == 0) { /* C */
            if (input[3] == '/')
                input += 3;
            else
                input[1] = '\0';
            char *last = strrchr(out, '/');
            n = last ? (size_t)(last - out) : 0;
            out[n] = '\0';
        } else if (strcmp(input, ".") == 0 || strcmp(input, "..") == 0) { /* D */
            input += strlen(input);
        } else { /* E: the first segment, with its leading "/" */
            size_t seg = strcspn(input + 1, "/") + 1;
            ck_assert_uint_lt(n + seg, size);
            memcpy(out + n, input, seg);
            n += seg;
            out[n] = '\0';
            input += seg;
        }
    }
}

/* The path a client calls: the servers URL SERVER resolved against the document's path DOC
 * (RFC 3986 5.2.2: a relative-path reference is merged with the base path up to its last "/",
 * 5.2.3, then the dot segments go), and the operation's PATH appended as OpenAPI says, after
 * the server URL's trailing slash (as clients do: swagger-client, openapi-generator). */
static void client_url(const char *doc_path, const char *server, const char *path, char *out,
                       size_t size)
{
    char merged[512], resolved[512];
    if (server[0] == '/')
        snprintf(merged, sizeof merged, "%s", server);
    else
        snprintf(merged, sizeof merged, "%.*s%s", (int)(strrchr(doc_path, '/') - doc_path + 1),
                 doc_path, server);
    remove_dot_segments(merged, resolved, sizeof resolved);
    size_t n = strlen(resolved);
    if (n && resolved[n - 1] == '/')
        resolved[n - 1] = '\0';
    snprintf(out, size, "%s%s", resolved, path);
}

/* The resolver above on the examples of RFC 3986 section 5.4.1 (base http://a/b/c/d;p?q). */
START_TEST(test_openapi_rfc3986_resolver)
{
    static const char *const cases[][2] = {
        {"g", "/b/c/g"},      {"./g", "/b/c/g"},     {"g/", "/b/c/g/"},    {".", "/b/c/"},
        {"./", "/b/c/"},      {"..", "/b/"},         {"../", "/b/"},       {"../g", "/b/g"},
        {"../..", "/"},       {"../../", "/"},       {"../../g", "/g"},    {"../../../g", "/g"},
        {"/./g", "/g"},       {"/../g", "/g"},       {"g.", "/b/c/g."},    {"./../g", "/b/g"},
        {"./g/.", "/b/c/g/"}, {"g/./h", "/b/c/g/h"}, {"g/../h", "/b/c/h"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char merged[256], got[256];
        if (cases[i][0][0] == '/')
            snprintf(merged, sizeof merged, "%s", cases[i][0]);
        else
            snprintf(merged, sizeof merged, "/b/c/%s", cases[i][0]);
        remove_dot_segments(merged, got, sizeof got);
        ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s: %s, not %s", cases[i][0], got,
                      cases[i][1]);
    }
}
END_TEST

/* A generated client takes the servers URL relative to where it read the document and appends
 * the paths: it must reach /v1/series, at the root and under a proxy's prefix, not
 * /v1/v1/series. */
START_TEST(test_openapi_servers_url_resolves_to_the_api)
{
    const char *server = tu_str(doc, "servers.0.url");
    ck_assert_ptr_nonnull(server);
    char url[512];
    client_url("/v1/openapi.json", server, "/v1/series", url, sizeof url);
    ck_assert_str_eq(url, "/v1/series");
    client_url("/prosperity/v1/openapi.json", server, "/v1/series", url, sizeof url);
    ck_assert_str_eq(url, "/prosperity/v1/series");
    client_url("/prosperity/v1/openapi.json", server, "/healthz", url, sizeof url);
    ck_assert_str_eq(url, "/prosperity/healthz");
    /* and the server answers there, with the prefix configured */
    struct tu_server own;
    const char *extra[] = {"--base-path", "/prosperity", NULL};
    ck_assert_int_eq(tu_server_start(&own, extra), 0);
    long status = 0;
    json_t *served = tu_get_json(&own, "/prosperity/v1/openapi.json", &status);
    ck_assert_int_eq(status, 200);
    client_url("/prosperity/v1/openapi.json", tu_str(served, "servers.0.url"),
               "/v1/series?indicator=hospital_beds_per_1000&regions=rural", url, sizeof url);
    json_t *answer = tu_get_json(&own, url, &status);
    ck_assert_msg(status == 200, "%s: %ld", url, status);
    json_decref(answer);
    json_decref(served);
    ck_assert_int_eq(tu_server_stop(&own, SIGTERM), 0);
    tu_rmrf(own.dir);
}
END_TEST

/* Every route and every parameter it allows is in the document, with a text of its own. */
START_TEST(test_openapi_documents_every_route_and_parameter)
{
    for (size_t k = 0; k < routes_count; k++) {
        const struct route *r = &routes[k];
        json_t *op = operation(r);
        ck_assert_str_eq(tu_str(op, "operationId"), r->name);
        json_t *params = json_object_get(op, "parameters");
        for (const char *const *p = r->params; *p; p++) {
            json_t *found = NULL;
            for (size_t i = 0; i < json_array_size(params); i++)
                if (strcmp(tu_str(json_array_get(params, i), "name"), *p) == 0)
                    found = json_array_get(params, i);
            ck_assert_msg(found != NULL, "%s: parameter %s missing", r->pattern, *p);
            ck_assert_msg(tu_str(found, "description") != NULL, "%s: %s has no description",
                          r->pattern, *p);
            ck_assert_ptr_nonnull(tu_at(found, "schema"));
            int required = 0;
            for (const char *const *q = r->required; *q; q++)
                required |= strcmp(*q, *p) == 0;
            ck_assert_int_eq(json_is_true(json_object_get(found, "required")), required);
        }
        ck_assert_ptr_nonnull(tu_at(op, "responses.200"));
        /* the enums of choice parameters are spelled out */
        if (strcmp(r->name, "dispersion") == 0) {
            json_t *weights = NULL;
            for (size_t i = 0; i < json_array_size(params); i++)
                if (strcmp(tu_str(json_array_get(params, i), "name"), "weights") == 0)
                    weights = json_array_get(params, i);
            ck_assert_str_eq(tu_str(weights, "schema.enum.1"), "population");
            ck_assert_str_eq(tu_str(weights, "schema.default"), "none");
        }
        /* a name with another meaning on another route has a text of its own there */
        const char *own = strcmp(r->name, "composite") == 0 ? "weights"
                          : strcmp(r->name, "density") == 0 ? "relative"
                                                            : NULL;
        for (size_t i = 0; own && i < json_array_size(params); i++) {
            json_t *par = json_array_get(params, i);
            if (strcmp(tu_str(par, "name"), own) == 0)
                ck_assert_str_eq(tu_str(par, "schema.default"),
                                 strcmp(own, "weights") == 0 ? "entropy" : "none");
        }
    }
}
END_TEST

static json_t *answer_schema(const struct route *r)
{
    return tu_at(operation(r), "responses.200.content.application/json.schema");
}

/* The example in the document and the live answer to the same request both fit the schema,
 * and are the same data. */
START_TEST(test_openapi_examples_match_live_answers)
{
    int checked = 0;
    for (size_t k = 0; k < routes_count; k++) {
        const struct route *r = &routes[k];
        if (!r->example)
            continue;
        json_t *schema = answer_schema(r);
        json_t *example = tu_at(operation(r), "responses.200.content.application/json.example");
        ck_assert_msg(example != NULL, "%s has no example", r->pattern);
        char *why = check(schema, example, r->name);
        ck_assert_msg(why == NULL, "example of %s: %s", r->pattern, why);
        long status = 0;
        json_t *live = tu_get_json(&tu_srv, r->example, &status);
        ck_assert_int_eq(status, 200);
        why = check(schema, live, r->name);
        ck_assert_msg(why == NULL, "live answer of %s: %s", r->example, why);
        if (strcmp(r->name, "meta") != 0) /* meta holds the load time */
            ck_assert_msg(json_equal(live, example), "%s: example differs from live", r->name);
        json_decref(live);
        checked++;
    }
    ck_assert_int_ge(checked, 14);
}
END_TEST

/* Variants the examples do not reach: other parameters change the shape. */
START_TEST(test_openapi_variants_fit_schemas)
{
    static const struct {
        const char *route, *target;
    } variants[] = {
        {"series", "/v1/series?indicator=gdp_per_capita&regions=east&transform=pct_change"},
        {"series", "/v1/series?indicator=income_per_capita&regions=rural&transform=index"},
        {"dispersion", "/v1/gaps/dispersion?indicator=railway_per_capita&regions=east,west,usa"},
        {"dispersion", "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
                       "&weights=population&group_by=parent&from=2018"},
        {"pairs", "/v1/gaps/pairs?indicator=schooling_years&reference=east"},
        {"compare", "/v1/compare?indicators=gdp,gdp_per_capita&regions=children:east"},
        {"profile", "/v1/regions/beijing/profile?year=2019"},
        {"indicator", "/v1/indicators/gdp_per_capita?lang=zh"},
        {"convergence", "/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces"},
        {"density", "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces"
                    "&from=2018&relative=mean&at=0.5,1,2&bandwidth=0.2"},
        {"composite", "/v1/index?indicators=gdp_per_capita,gdp,population&regions=group:provinces"
                      "&from=2018&directions=%2B,%2B,-&normalise=by_year&weights=1,1,2"},
        {"mobility", "/v1/gaps/mobility?indicator=gdp_per_capita&from=2015&to=2019&classes=3"
                     "&quantiles=by_year&spatial=1"},
        {"spatial", "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&links=exclude"
                    "&isolated=keep"},
        {"pairs", "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural"
                  "&target=2&min_segment=5"},
        {"convergence", "/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces"
                        "&from=2015&to=2019"},
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const struct route *r = NULL;
        for (size_t k = 0; k < routes_count; k++)
            if (strcmp(routes[k].name, variants[i].route) == 0)
                r = &routes[k];
        long status = 0;
        json_t *live = tu_get_json(&tu_srv, variants[i].target, &status);
        ck_assert_msg(status == 200, "%s: %ld", variants[i].target, status);
        char *why = check(answer_schema(r), live, r->name);
        ck_assert_msg(why == NULL, "%s: %s", variants[i].target, why);
        json_decref(live);
    }
}
END_TEST

/* Errors fit the Problem schema. */
START_TEST(test_openapi_problems_fit_schema)
{
    static const char *const bad[] = {"/v1/series", "/v1/series?indicator=x",
                                      "/v1/compare?indicators=gdp&regions=east&year=1",
                                      "/v1/nowhere", "/v1/regions/mars/profile"};
    json_t *problem = tu_at(doc, "components.schemas.Problem");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long status = 0;
        json_t *live = tu_get_json(&tu_srv, bad[i], &status);
        ck_assert_int_ge(status, 400);
        char *why = check(problem, live, "problem");
        ck_assert_msg(why == NULL, "%s: %s", bad[i], why);
        json_decref(live);
    }
}
END_TEST

/* The checker itself finds an undocumented field, a wrong type, a missing field, a bad enum. */
START_TEST(test_openapi_checker_rejects)
{
    json_t *ref = tu_at(doc, "components.schemas.RegionRef");
    json_t *ok = json_pack("{s:s,s:s,s:s,s:n,s:s}", "id", "x", "name", "X", "name_en", "X",
                           "name_zh", "kind", "k");
    ck_assert_ptr_null(check(ref, ok, "r"));
    json_object_set_new(ok, "extra", json_true());
    char *why = check(ref, ok, "r");
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "r.extra: not documented"));
    free(why);
    json_object_del(ok, "extra");
    json_object_set_new(ok, "kind", json_integer(3));
    ck_assert_ptr_nonnull(why = check(ref, ok, "r"));
    free(why);
    json_object_del(ok, "kind");
    ck_assert_ptr_nonnull(why = check(ref, ok, "r"));
    free(why);
    json_decref(ok);
    json_t *obs = tu_at(doc, "components.schemas.Observation");
    json_t *o = json_pack("{s:i,s:f,s:s,s:n,s:n}", "year", 2019, "value", 1.5, "status", "guess",
                          "source", "note");
    ck_assert_ptr_nonnull(why = check(obs, o, "o"));
    free(why);
    json_decref(o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("document");
    tcase_add_unchecked_fixture(tc, start, stop);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_openapi_version_and_servers);
    tcase_add_test(tc, test_openapi_rfc3986_resolver);
    tcase_add_test(tc, test_openapi_servers_url_resolves_to_the_api);
    tcase_add_test(tc, test_openapi_documents_every_route_and_parameter);
    tcase_add_test(tc, test_openapi_examples_match_live_answers);
    tcase_add_test(tc, test_openapi_variants_fit_schemas);
    tcase_add_test(tc, test_openapi_problems_fit_schema);
    tcase_add_test(tc, test_openapi_checker_rejects);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
