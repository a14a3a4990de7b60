/* bench/micro.c — what an uncached answer costs: calls the route handler and the renderer of
 * api/ in a loop, without HTTP and without the response cache.
 *
 *   prosperity_micro [--seconds S] [--loads N] DB [TARGET ...]
 *
 * TARGET is a request path with its query, e.g.
 * "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces" (the default set is
 * below). For each target it prints the body size and the time per call of
 *   answer   routes_answer: the whole answer as the server makes it on a cache miss;
 *   handler  the computation without rendering, measured one of two ways (the "split" column):
 *              doc   a route written through api/doc (route->emit) asked for JSON: its doc_fn
 *                    run into a doc_begin_nothing() document, where every write is a no-op;
 *              tree  any other route: routes_tree, the jansson tree built and freed;
 *   render   doc:  answer - handler, what writing the bytes adds over the nothing form;
 *            tree: render_json of that tree into bytes (render_csv for format=csv).
 * Each figure is CPU time of this thread per call (CLOCK_THREAD_CPUTIME_ID, so time spent
 * descheduled does not count), the best of 10 rounds of at least S/10 seconds (default S = 1).
 * --loads N also times store_load of DB (N times, best and mean), the part of start-up and
 * SIGHUP reload that grows with the data.
 *
 * --json prints one JSON object instead of the table (bench/run reads it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "doc.h"
#include "query.h"
#include "render.h"
#include "routes.h"
#include "store.h"

static const char *const default_targets[] = {
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces",
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces&weights=population&"
    "group_by=parent",
    "/v1/series?indicator=gdp_per_capita&regions=beijing",
    "/v1/series?indicator=gdp_per_capita&regions=group:provinces",
    "/v1/compare?indicators=gdp_per_capita&regions=group:provinces",
    /* the analyses over 31 provinces x 20 years (issue budget: 200 us of CPU each) */
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2024&"
    "group_by=parent&measures=gini",
    "/v1/gaps/density?indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2024",
    "/v1/gaps/mobility?indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2024&"
    "spatial=1",
    "/v1/gaps/spatial?indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2023",
    "/v1/index?indicators=residents_disposable_income,residents_consumption,urbanization_rate,"
    "public_expenditure_per_capita&regions=group:provinces&from=2016&to=2019&"
    "directions=%2B,%2B,%2B,%2B",
    "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural",
    "/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2024",
    NULL};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

enum mode { M_HANDLER, M_NOTHING, M_RENDER, M_ANSWER };

struct target {
    const char *text;
    const struct route *r;
    struct query q;
    char argbuf[128];
    json_t *doc; /* kept for M_RENDER */
    size_t bytes;
    int via_doc; /* handler timed as the doc_fn into a nothing document (see the head) */
};

/* One call of the measured step; returns bytes produced (to keep the work observable). */
static size_t step(enum mode m, const struct store *s, struct target *t)
{
    struct api_error err;
    if (m == M_HANDLER) {
        json_t *doc = NULL;
        if (routes_tree(t->r, s, &t->q, &doc, &err) != 0)
            return 0;
        json_decref(doc);
        return 1;
    }
    if (m == M_NOTHING) {
        struct doc d;
        doc_begin_nothing(&d);
        int rc = t->r->emit(s, &t->q, &d, &err);
        int fin = doc_finish(&d);
        doc_free(&d);
        return rc == 0 && fin == 0;
    }
    if (m == M_RENDER) {
        struct buf b = BUF_INIT;
        if (t->q.format == FORMAT_CSV)
            render_csv(t->doc, t->r->csv, &b);
        else
            render_json(t->doc, t->q.pretty, &b);
        size_t n = b.len;
        buf_free(&b);
        return n;
    }
    struct answer a;
    if (routes_answer(t->r, s, &t->q, &a, &err) != 0)
        return 0;
    free(a.body);
    return a.len;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best of ROUNDS rounds of CPU microseconds per call (this thread's CPU time, so the time
 * other processes hold the core does not count), each round at least SECONDS/ROUNDS long. */
#define ROUNDS 10
static double time_mode(enum mode m, const struct store *s, struct target *t, double seconds)
{
    double best = 1e30;
    volatile size_t sink = 0;
    for (int round = 0; round < ROUNDS; round++) {
        long calls = 0;
        double t0 = now(), c0 = cpu_now();
        do {
            for (int k = 0; k < 8; k++)
                sink += step(m, s, t);
            calls += 8;
        } while (now() - t0 < seconds / ROUNDS);
        double us = (cpu_now() - c0) * 1e6 / (double)calls;
        if (us < best)
            best = us;
    }
    (void)sink;
    return best;
}

static int prepare(const struct store *s, struct target *t)
{
    struct api_error err = {0};
    const char *qmark = strchr(t->text, '?');
    size_t plen = qmark ? (size_t)(qmark - t->text) : strlen(t->text);
    char path[512];
    if (plen >= sizeof path) {
        fprintf(stderr, "prosperity_micro: path too long: %s\n", t->text);
        return -1;
    }
    memcpy(path, t->text, plen);
    path[plen] = '\0';
    const char *arg = NULL;
    t->r = routes_match(path, t->argbuf, sizeof t->argbuf, &arg);
    if (!t->r) {
        fprintf(stderr, "prosperity_micro: no route for %s\n", path);
        return -1;
    }
    const char *raw = qmark ? qmark + 1 : "";
    if (query_parse(&t->q, raw, strlen(raw), &err) != 0) {
        fprintf(stderr, "prosperity_micro: %s: %s\n", t->text, err.detail);
        return -1;
    }
    t->q.path_arg = arg;
    if (routes_check(t->r, &t->q, FORMAT_JSON, &err) != 0 ||
        routes_tree(t->r, s, &t->q, &t->doc, &err) != 0) {
        fprintf(stderr, "prosperity_micro: %s: %d %s\n", t->text, err.status, err.detail);
        return -1;
    }
    struct answer a;
    if (routes_answer(t->r, s, &t->q, &a, &err) != 0)
        return -1;
    t->bytes = a.len;
    free(a.body);
    /* routes_answer writes format=json of an emit route as bytes, never as a tree; CSV and
     * records of it still walk the tree, which the tree way times. */
    t->via_doc = t->r->emit && t->q.format == FORMAT_JSON;
    if (t->via_doc && step(M_NOTHING, s, t) != 1) {
        fprintf(stderr, "prosperity_micro: %s: its doc_fn failed into a nothing document\n",
                t->text);
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: prosperity_micro [--seconds S] [--loads N] [--json] DB [TARGET ...]\n");
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    int loads = 0, as_json = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--loads") == 0 && i + 1 < argc)
            loads = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else {
            usage();
            return 2;
        }
    }
    if (i >= argc || seconds <= 0) {
        usage();
        return 2;
    }
    const char *db = argv[i++];
    struct api_error err = {0};
    double t0 = now();
    struct store *s = store_load(db, &err);
    double first_load = now() - t0;
    if (!s) {
        fprintf(stderr, "prosperity_micro: %s\n", err.detail);
        return 1;
    }
    double load_best = first_load, load_sum = first_load;
    for (int k = 1; k < loads; k++) {
        double a = now();
        struct store *s2 = store_load(db, &err);
        double dt = now() - a;
        if (!s2)
            return 1;
        store_free(s2);
        load_sum += dt;
        if (dt < load_best)
            load_best = dt;
    }
    const char *const *list = i < argc ? (const char *const *)&argv[i] : default_targets;
    size_t n = 0;
    while (list[n])
        n++;
    struct target *targets = calloc(n, sizeof *targets);
    if (!targets)
        return 1;
    if (as_json) {
        printf("{\"db\":\"%s\",\"observations\":%zu,", db, store_observation_count(s));
        if (loads > 0)
            printf("\"store_load_s\":{\"n\":%d,\"best\":%.6f,\"mean\":%.6f},", loads, load_best,
                   load_sum / loads);
        printf("\"targets\":[");
    } else {
        printf("%s: %zu observations, %zu series\n", db, store_observation_count(s),
               store_series_count(s));
        if (loads > 0)
            printf("store_load: best %.3f s, mean %.3f s over %d loads\n", load_best,
                   load_sum / loads, loads);
        printf("split: doc = handler is the route's doc_fn into a nothing document, render = "
               "answer - handler;\n       tree = handler builds and frees the jansson tree, "
               "render is render_json of it\n");
        printf("%10s %10s %10s %5s %9s  %s\n", "answer µs", "handler µs", "render µs", "split",
               "bytes", "target");
    }
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        struct target *t = &targets[k];
        t->text = list[k];
        if (prepare(s, t) != 0) {
            rc = 1;
            continue;
        }
        double h = time_mode(t->via_doc ? M_NOTHING : M_HANDLER, s, t, seconds);
        double a = time_mode(M_ANSWER, s, t, seconds);
        double r = t->via_doc ? a - h : time_mode(M_RENDER, s, t, seconds);
        const char *split = t->via_doc ? "doc" : "tree";
        if (as_json) {
            json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:s, s:I}", "target", t->text, "answer_us",
                                  a, "handler_us", h, "render_us", r, "split", split, "bytes",
                                  (json_int_t)t->bytes);
            char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
            printf("%s%s", k ? "," : "", text ? text : "null");
            free(text);
            json_decref(o);
        } else {
            printf("%10.1f %10.1f %10.1f %5s %9zu  %s\n", a, h, r, split, t->bytes, t->text);
        }
        json_decref(t->doc);
        query_free(&t->q);
    }
    if (as_json)
        printf("]}\n");
    free(targets);
    store_free(s);
    return rc;
}
