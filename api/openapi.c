/* api/openapi.c — GET /v1/openapi.json: the compiled-in template (api/openapi.json: schemas
 * and parameter texts) plus one path per route of the route table, each with an example
 * answered by the live data. Built per snapshot and cached like any answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "out.h"

struct embedded_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
};
extern const struct embedded_asset openapi_template[];

static int listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* A parameter object from the template's x-parameters text for NAME: "ROUTE.NAME" when the
 * route gives the name a meaning of its own (index.weights), else "NAME". */
static json_t *parameter(json_t *defs, const char *route, const char *name, int required)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", route, name);
    json_t *def = json_object_get(defs, key);
    if (!def)
        def = json_object_get(defs, name);
    json_t *p = def ? json_deep_copy(def) : json_object();
    out_set(p, "name", json_string(name));
    if (!def) { /* the openapi test fails on this: every parameter needs a text */
        out_set(p, "in", json_string("query"));
        out_set(p, "schema", json_pack("{s:s}", "type", "string"));
    }
    if (required)
        out_set(p, "required", json_true());
    return p;
}

/* Answers the route's example request on the live data; NULL when it has none. */
static json_t *example_of(const struct store *s, const struct route *r)
{
    char argbuf[128];
    const char *arg = NULL;
    if (!r->example)
        return NULL;
    const char *qm = strchr(r->example, '?');
    size_t plen = qm ? (size_t)(qm - r->example) : strlen(r->example);
    char *path = strndup(r->example, plen);
    struct query q = {0};
    struct api_error err;
    struct answer a = {0};
    json_t *doc = NULL;
    if (path && routes_match(path, argbuf, sizeof argbuf, &arg) == r &&
        query_parse(&q, qm ? qm + 1 : "", qm ? strlen(qm + 1) : 0, &err) == 0) {
        q.path_arg = arg;
        if (routes_check(r, &q, FORMAT_JSON, &err) == 0 && routes_answer(r, s, &q, &a, &err) == 0)
            doc = json_loadb(a.body, a.len, 0, NULL);
    }
    free(a.body);
    query_free(&q);
    free(path);
    return doc;
}

static json_t *problem_ref(void)
{
    return json_pack("{s:s}", "$ref", "#/components/responses/Problem");
}

static json_t *operation(const struct store *s, const struct route *r, json_t *defs,
                         json_t *answers)
{
    json_t *op = json_object(), *params = json_array();
    out_set(op, "operationId", json_string(r->name));
    out_set(op, "summary", json_string(r->summary));
    if (strstr(r->pattern, "{id}"))
        json_array_append_new(params, parameter(defs, r->name, "id", 1));
    for (const char *const *p = r->params; p && *p; p++)
        json_array_append_new(params, parameter(defs, r->name, *p, listed(r->required, *p)));
    static const char *const common[] = {"format", "pretty", "lang", "labels", NULL};
    int flat = r->csv || r->table; /* has CSV and records */
    for (const char *const *p = common; *p; p++)
        if (flat || (strcmp(*p, "format") != 0 && strcmp(*p, "labels") != 0))
            json_array_append_new(params, parameter(defs, r->name, *p, 0));
    out_set(op, "parameters", params);
    const char *schema = json_string_value(json_object_get(answers, r->name));
    json_t *json_media = json_object();
    out_set(json_media, "schema",
            schema ? json_pack("{s:s+}", "$ref", "#/components/schemas/", schema)
                   : json_pack("{s:s}", "type", "object"));
    json_t *example = r->emit == openapi_get ? NULL : example_of(s, r);
    if (example)
        out_set(json_media, "example", example);
    json_t *content = json_object();
    out_set(content, "application/json", json_media);
    if (flat)
        out_set(content, "text/csv", json_pack("{s:{s:s}}", "schema", "type", "string"));
    json_t *ok = json_object();
    out_set(ok, "description", json_string("OK"));
    out_set(ok, "headers",
            json_pack("{s:{s:s,s:{s:s}},s:{s:s,s:{s:s}}}", "ETag", "description",
                      "from the server version, the dataset version and the query", "schema",
                      "type", "string", "Cache-Control", "description",
                      "public, max-age=N (cache_max_age)", "schema", "type", "string"));
    out_set(ok, "content", content);
    json_t *responses = json_object();
    out_set(responses, "200", ok);
    out_set(responses, "304", json_pack("{s:s}", "description", "Not Modified (If-None-Match)"));
    out_set(responses, "400", problem_ref());
    if (strstr(r->pattern, "{id}") || r->params[0])
        out_set(responses, "404", problem_ref());
    if (r->params[0])
        out_set(responses, "422", problem_ref());
    out_set(op, "responses", responses);
    if (r->example)
        out_set(op, "x-example-request", json_string(r->example));
    return op;
}

static json_t *system_paths(void)
{
    json_t *text = json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string");
    json_t *p = json_object();
    out_set(p, "/healthz",
            json_pack("{s:{s:s,s:s,s:{s:{s:s,s:O}}}}", "get", "operationId", "healthz", "summary",
                      "liveness: the process answers", "responses", "200", "description", "ok",
                      "content", text));
    out_set(p, "/readyz",
            json_pack("{s:{s:s,s:s,s:{s:{s:s,s:O},s:{s:s}}}}", "get", "operationId", "readyz",
                      "summary", "readiness: a dataset is loaded", "responses", "200",
                      "description", "ready", "content", text, "503", "description",
                      "no dataset loaded"));
    out_set(p, "/metrics",
            json_pack("{s:{s:s,s:s,s:{s:{s:s,s:O}}}}", "get", "operationId", "metrics", "summary",
                      "Prometheus text format", "responses", "200", "description", "metrics",
                      "content", text));
    out_set(p, "/",
            json_pack("{s:{s:s,s:s,s:{s:{s:s}}}}", "get", "operationId", "page", "summary",
                      "the browsing page (HTML)", "responses", "200", "description", "text/html"));
    json_decref(text);
    return p;
}

/* The document is the template with the paths made from the route table: built as a tree
 * (it is parsed from the template, and always cached) and written whole. */
int openapi_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    (void)q;
    json_error_t je;
    json_t *doc =
        json_loadb((const char *)openapi_template[0].data, openapi_template[0].len, 0, &je);
    if (!doc)
        return api_fail(err, 500, "internal", NULL, "the OpenAPI template does not parse: %s",
                        je.text);
    json_t *defs = json_incref(json_object_get(doc, "x-parameters"));
    json_t *answers = json_incref(json_object_get(doc, "x-answers"));
    json_object_del(doc, "x-parameters");
    json_object_del(doc, "x-answers");
    json_t *info = json_object_get(doc, "info");
    out_set(info, "version", json_string(PROSPERITY_VERSION));
    json_t *paths = system_paths();
    for (size_t k = 0; k < routes_count; k++) {
        json_t *item = json_object();
        out_set(item, "get", operation(s, &routes[k], defs, answers));
        out_set(paths, routes[k].pattern, item);
    }
    out_set(doc, "paths", paths);
    json_t *components = json_object_get(doc, "components");
    out_set(components, "responses",
            json_pack("{s:{s:s,s:{s:{s:{s:s}}}}}", "Problem", "description",
                      "an error (RFC 9457): 400 bad or unknown parameter, 404 unknown id, 422 a "
                      "metric undefined for the data",
                      "content", "application/problem+json", "schema", "$ref",
                      "#/components/schemas/Problem"));
    json_decref(defs);
    json_decref(answers);
    doc_tree(d, doc);
    return 0;
}
