/* server/http.c — the answer to every request, and the libmicrohttpd glue. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "dataset.h"
#include "idmap.h"
#include "log.h"
#include "prom.h"
#include "query.h"
#include "routes.h"
#include "statics.h"
#include "stream.h"

/* Metrics labels after the data routes. */
enum { L_STATIC = 0, L_HEALTHZ, L_READYZ, L_METRICS, L_NOT_FOUND, L_REJECTED, L_COUNT };
static const char *const extra_labels[L_COUNT] = {"static",  "healthz",   "readyz",
                                                  "metrics", "not_found", "rejected"};

static const struct config *cfg;
static char cache_control[64];
static struct config_cidr proxies[CONFIG_MAX_CIDRS]; /* trusted_proxies, parsed */
static int nproxies;

static int label(int extra)
{
    return (int)routes_count + extra;
}

void http_setup(const struct config *c)
{
    cfg = c;
    snprintf(cache_control, sizeof cache_control, "public, max-age=%d", c->cache_max_age);
    char why[256];
    /* config_set checked the list; a struct filled otherwise trusts no one */
    nproxies = config_cidrs(c->trusted_proxies, proxies, why, sizeof why);
    if (nproxies < 0) {
        log_msg(LOG_WARN, "trusted_proxies: %s; trusting none", why);
        nproxies = 0;
    }
    for (size_t k = 0; k < routes_count; k++)
        prom_route_name((int)k, routes[k].name);
    for (int k = 0; k < L_COUNT; k++)
        prom_route_name(label(k), extra_labels[k]);
}

static void set_owned(struct http_reply *rp, int status, char *body, size_t len, const char *type)
{
    free(rp->owned);
    rp->owned = body;
    rp->body = body ? body : "";
    rp->len = body ? len : 0;
    rp->status = status;
    rp->content_type = type;
}

/* The one place an api_error becomes a response. */
static void problem(struct http_reply *rp, const struct api_error *err, const char *instance)
{
    size_t len = 0;
    char *body = routes_problem(err, instance, &len);
    set_owned(rp, err->status, body, len, "application/problem+json");
    rp->cache_control = "no-store";
    rp->etag = NULL;
    if (rp->entry) {
        cache_entry_release(rp->entry);
        rp->entry = NULL;
    }
}

static int fail(struct http_reply *rp, int status, const char *code, const char *instance,
                const char *fmt, const char *arg)
{
    struct api_error err;
    api_fail(&err, status, code, NULL, fmt, arg);
    problem(rp, &err, instance);
    return -1;
}

/* CORS: "*" allows everyone; a list echoes a listed Origin. */
/* Is WORD an item of the comma-separated LIST? */
static int listed(const char *list, const char *word)
{
    const char *item;
    size_t len, n = strlen(word);
    while (query_list_next(&list, &item, &len))
        if (len == n && strncmp(item, word, n) == 0)
            return 1;
    return 0;
}

static const char *cors_origin(const char *origin)
{
    const char *list = cfg ? cfg->cors_origins : "*";
    if (strcmp(list, "*") == 0)
        return "*";
    if (!origin || !*origin)
        return NULL;
    return listed(list, origin) ? origin : NULL;
}

/* True when the comma-separated header VALUE has TOKEN with a nonzero q. */
static int accepts(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = value; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncasecmp(p, token, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ';' || p[n] == ' ')) {
            const char *q = strstr(p + n, "q=");
            const char *comma = strchr(p + n, ',');
            if (q && (!comma || q < comma) && strtod(q + 2, NULL) <= 0)
                return 0;
            return 1;
        }
        p = strchr(p, ',');
    }
    return 0;
}

/* If-None-Match: weak comparison, '*' matches anything. */
static int etag_matches(const char *header, const char *etag)
{
    if (!header || !etag)
        return 0;
    const char *bare = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
    size_t n = strlen(bare);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, bare, n) == 0)
            return 1;
        p = strchr(p, ',');
        if (!p)
            break;
    }
    return 0;
}

/* A 304 repeats the validators and caching headers of the 200, not its body's headers. It keeps
 * the 200's body and length: libmicrohttpd 0.9.75 always sends a 304 the Content-Length of its
 * response (and never its body), and RFC 9110 8.6 allows only the length the 200 would have. */
static void not_modified(struct http_reply *rp)
{
    rp->status = 304;
    rp->content_encoding = NULL;
    rp->disposition = NULL;
}

static void from_entry(struct http_reply *rp, struct cache_entry *e, const char *accept_encoding)
{
    rp->entry = e;
    rp->status = 200;
    rp->body = e->body;
    rp->len = e->len;
    rp->content_type = e->content_type;
    rp->etag = e->etag;
    rp->cache_control = cache_control;
    rp->disposition = e->disposition[0] ? e->disposition : NULL;
    size_t gzlen;
    const char *gz;
    if (e->len > 1024 && accept_encoding && accepts(accept_encoding, "gzip") &&
        (gz = cache_gzip(e, &gzlen))) {
        rp->body = gz;
        rp->len = gzlen;
        rp->content_encoding = "gzip";
    }
}

/* A cache miss: runs the handler and keeps the answer. NULL with the problem in RP, or with
 * *STREAMED filled: an answer too large to build, sent as it is made (see stream_reply). */
static struct cache_entry *compute(const struct route *r, struct dataset *d, const struct query *q,
                                   const struct buf *key, uint64_t h, struct http_reply *rp,
                                   const char *path, struct answer *streamed)
{
    struct api_error err = {0};
    struct answer a;
    if (routes_answer_stream(r, d->store, q, &a, &err) != 0) {
        problem(rp, &err, path);
        return NULL;
    }
    if (a.stream) {
        *streamed = a;
        return NULL;
    }
    struct cache_entry *e =
        cache_put(d->cache, key->data, key->len, h, store_version(d->store), &a);
    if (!e)
        fail(rp, 503, "out_of_memory", path, "out of memory%s", "");
    return e;
}

static int method_is(const char *m, const char *want)
{
    return m && strcmp(m, want) == 0;
}

static void serve_entry(struct http_reply *rp, struct cache_entry *e, const struct http_request *rq)
{
    from_entry(rp, e, rq->accept_encoding);
    if (etag_matches(rq->if_none_match, e->etag))
        not_modified(rp);
}

static enum query_format default_format(const struct http_request *rq)
{
    return rq->accept && accepts(rq->accept, "text/csv") && !accepts(rq->accept, "application/json")
               ? FORMAT_CSV
               : FORMAT_JSON;
}

/* A streamed answer: never cached, its ETag that of the same answer cached; D's reference goes
 * to the stream. */
static void stream_reply(struct http_reply *rp, struct answer *a, struct dataset *d,
                         const struct buf *key, const struct http_request *rq)
{
    int gz = rq->accept_encoding && accepts(rq->accept_encoding, "gzip");
    struct stream_body *b = stream_body_new(a, d, key->data, key->len, gz);
    if (!b) {
        fail(rp, 503, "out_of_memory", NULL, "out of memory%s", "");
        return;
    }
    rp->stream = b;
    rp->status = 200;
    rp->body = "";
    rp->len = 0;
    rp->content_type = a->content_type;
    rp->etag = stream_body_etag(b);
    rp->cache_control = cache_control;
    rp->disposition = stream_body_disposition(b);
    rp->content_encoding = gz ? "gzip" : NULL;
    if (etag_matches(rq->if_none_match, rp->etag))
        not_modified(rp);
}

/* What decides a data answer besides the data: the target as sent and, from Accept, the default
 * format. Written to KEY, when the target is short enough to remember (0: it is not). */
static int target_key(const struct http_request *rq, char key[CACHE_TARGET_MAX], size_t *len)
{
    if (rq->uri_len >= CACHE_TARGET_MAX)
        return 0;
    key[0] = default_format(rq) == FORMAT_CSV ? 'c' : 'j';
    memcpy(key + 1, rq->uri, rq->uri_len);
    *len = rq->uri_len + 1;
    return 1;
}

/* A GET or HEAD of a target answered before from the cache: the same entry, without parsing. */
static int answer_known(const struct http_request *rq, struct http_reply *rp)
{
    char key[CACHE_TARGET_MAX];
    size_t n;
    if (method_is(rq->method, "OPTIONS") || !target_key(rq, key, &n))
        return 0;
    int route = 0;
    struct dataset *d = dataset_acquire();
    /* the entry is reference-counted on its own: it outlives a reload that drops D */
    struct cache_entry *e = d ? cache_recall(d->cache, key, n, &route) : NULL;
    dataset_release(d);
    if (!e)
        return 0;
    rp->route = route;
    rp->route_name = routes[route].name;
    rp->cached = 1;
    serve_entry(rp, e, rq);
    return 1;
}

/* A data route: canonical key -> cache -> handler. */
static void answer_api(const struct route *r, const char *arg, const char *raw_query, size_t qlen,
                       const struct http_request *rq, struct http_reply *rp, const char *path)
{
    struct api_error err = {0};
    struct query q = {0};
    char keybuf[512];
    struct buf key = BUF_STACK(keybuf);
    struct dataset *d = dataset_acquire();
    rp->route = (int)(r - routes);
    rp->route_name = r->name;
    if (!d) {
        fail(rp, 503, "not_ready", path, "no dataset is loaded yet%s", "");
        return;
    }
    int parsed = query_parse(&q, raw_query, qlen, &err);
    q.path_arg = arg;
    if (parsed != 0 || routes_check(r, &q, default_format(rq), &err) != 0) {
        problem(rp, &err, path);
        goto done;
    }
    buf_puts(&key, r->name);
    query_canonical(&q, &key);
    if (!buf_cstr(&key)) {
        fail(rp, 503, "out_of_memory", path, "out of memory%s", "");
        goto done;
    }
    uint64_t h = hash_bytes(HASH_SEED, key.data, key.len);
    struct cache_entry *e = cache_get(d->cache, key.data, key.len, h);
    rp->cached = e != NULL;
    struct answer streamed = {0};
    if (!e && (e = compute(r, d, &q, &key, h, rp, path, &streamed)) == NULL) {
        if (streamed.stream) {
            stream_reply(rp, &streamed, d, &key, rq);
            d = NULL; /* the stream's now */
        }
        goto done;
    }
    char target[CACHE_TARGET_MAX];
    size_t n;
    if (target_key(rq, target, &n))
        cache_remember(d->cache, target, n, e, rp->route);
    serve_entry(rp, e, rq);
done:
    buf_free(&key);
    query_free(&q);
    dataset_release(d);
}

static void answer_text(struct http_reply *rp, int status, const char *text, int lbl)
{
    rp->status = status;
    rp->body = text;
    rp->len = strlen(text);
    rp->content_type = "text/plain; charset=utf-8";
    rp->cache_control = "no-store";
    rp->route = label(lbl);
}

static void answer_system(const char *path, struct http_reply *rp, int *done)
{
    *done = 1;
    if (strcmp(path, "/healthz") == 0) {
        answer_text(rp, 200, "ok\n", L_HEALTHZ);
    } else if (strcmp(path, "/readyz") == 0) {
        struct dataset *d = dataset_acquire();
        answer_text(rp, d ? 200 : 503, d ? "ready\n" : "no dataset loaded\n", L_READYZ);
        dataset_release(d);
    } else if (strcmp(path, "/metrics") == 0) {
        struct buf b = BUF_INIT;
        struct dataset *d = dataset_acquire();
        prom_render(&b, d, http_in_flight());
        dataset_release(d);
        size_t len;
        char *text = buf_steal(&b, &len);
        set_owned(rp, text ? 200 : 503, text, len, "text/plain; version=0.0.4; charset=utf-8");
        rp->cache_control = "no-store";
        rp->route = label(L_METRICS);
    } else {
        *done = 0;
    }
}

static int answer_static(const char *path, const struct http_request *rq, struct http_reply *rp)
{
    const struct static_file *f = statics_find(path);
    if (!f)
        return 0;
    rp->route = label(L_STATIC);
    rp->route_name = "static";
    rp->status = 200;
    rp->body = f->data;
    rp->len = f->len;
    rp->content_type = f->content_type;
    rp->etag = f->etag;
    if (f->gz && rq->accept_encoding && accepts(rq->accept_encoding, "gzip")) {
        rp->body = f->gz;
        rp->len = f->gzlen;
        rp->etag = f->gz_etag;
        rp->content_encoding = "gzip";
    }
    /* Revalidate every time: an upgrade must never mix an old page with a new script. */
    rp->cache_control = "no-cache";
    if (etag_matches(rq->if_none_match, rp->etag))
        not_modified(rp);
    return 1;
}

/* Strips base_path (when configured) and one trailing slash; NULL when outside base_path. */
static char *normal_path(char *path)
{
    const char *base = cfg ? cfg->base_path : "";
    size_t bl = strlen(base);
    if (bl) {
        if (strncmp(path, base, bl) != 0 || (path[bl] != '/' && path[bl] != '\0'))
            return NULL;
        path += bl;
        if (*path == '\0')
            return (char *)"/";
    }
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/')
        path[n - 1] = '\0';
    return path;
}

/* base_path itself, without the slash: the page is at base_path/, and its relative links
 * would resolve outside base_path. 308 to base_path/ with the query as sent (bytes that a
 * header may not hold percent-encoded). */
static int redirect_to_base(const char *path, const char *query, size_t qlen, struct http_reply *rp)
{
    const char *base = cfg ? cfg->base_path : "";
    size_t bl = strlen(base);
    if (!bl || strcmp(path, base) != 0)
        return 0;
    static const char hex[] = "0123456789ABCDEF";
    char *loc = malloc(bl + 1 + 3 * qlen + 1);
    rp->route = label(L_STATIC);
    rp->route_name = "static";
    if (!loc) {
        fail(rp, 503, "out_of_memory", NULL, "out of memory%s", "");
        return 1;
    }
    memcpy(loc, base, bl);
    size_t n = bl;
    loc[n++] = '/';
    for (size_t i = 0; i < qlen; i++) {
        unsigned char c = (unsigned char)query[i];
        if (c > 0x20 && c < 0x7f) {
            loc[n++] = (char)c;
        } else {
            loc[n++] = '%';
            loc[n++] = hex[c >> 4];
            loc[n++] = hex[c & 15];
        }
    }
    loc[n] = '\0';
    set_owned(rp, 308, loc, 0, NULL);
    rp->body = "";
    rp->location = loc;
    rp->cache_control = "no-cache"; /* base_path may change; the redirect follows at once */
    return 1;
}

/* OPTIONS: a preflight of a target that exists, counted under that target's route. */
static int preflight(const char *path, char *argbuf, size_t argsize, struct http_reply *rp)
{
    const struct route *r;
    const char *arg;
    if (statics_find(path)) {
        rp->route = label(L_STATIC);
        rp->route_name = "static";
    } else if ((r = routes_match(path, argbuf, argsize, &arg)) != NULL) {
        rp->route = (int)(r - routes);
        rp->route_name = r->name;
    } else if (strcmp(path, "/healthz") == 0) {
        rp->route = label(L_HEALTHZ);
    } else if (strcmp(path, "/readyz") == 0) {
        rp->route = label(L_READYZ);
    } else if (strcmp(path, "/metrics") == 0) {
        rp->route = label(L_METRICS);
    } else {
        return 0;
    }
    rp->status = 204;
    rp->body = "";
    rp->preflight = 1;
    rp->allow = "GET, HEAD, OPTIONS";
    return 1;
}

/* The checks every request passes before routing: size, method, body, target form. */
static int admit(const struct http_request *rq, struct http_reply *rp)
{
    rp->route = label(L_REJECTED);
    if (cfg && rq->uri_len > (size_t)cfg->max_url_bytes)
        return fail(rp, 414, "uri_too_long", NULL,
                    "the request target is longer than the %s bytes this server answers",
                    "max_url_bytes");
    if (cfg && rq->header_bytes > (size_t)cfg->max_header_bytes)
        return fail(rp, 431, "headers_too_large", NULL,
                    "the request headers are larger than the %s bytes this server answers",
                    "max_header_bytes");
    if (!method_is(rq->method, "GET") && !method_is(rq->method, "HEAD") &&
        !method_is(rq->method, "OPTIONS")) {
        fail(rp, 405, "method_not_allowed", NULL, "this API is read-only: use GET or HEAD%s", "");
        rp->allow = "GET, HEAD, OPTIONS";
        return -1;
    }
    if (rq->bad_framing == 400)
        return fail(rp, 400, "bad_framing", NULL,
                    "Transfer-Encoding, a repeated Content-Length or Host and headers without "
                    "a name are refused%s",
                    "");
    if (rq->has_body || rq->bad_framing == 413)
        return fail(rp, 413, "body_not_allowed", NULL, "requests to this API carry no body%s", "");
    if (!rq->uri || rq->uri[0] != '/')
        return fail(rp, 400, "bad_target", NULL, "the request target must start with '/'%s", "");
    return 0;
}

void http_answer(const struct http_request *rq, struct http_reply *rp)
{
    memset(rp, 0, sizeof *rp);
    rp->cached = -1;
    rp->cors_origin = cors_origin(rq->origin);
    if (admit(rq, rp) != 0 || answer_known(rq, rp))
        return;
    const char *qmark = memchr(rq->uri, '?', rq->uri_len);
    size_t plen = qmark ? (size_t)(qmark - rq->uri) : rq->uri_len;
    char small[1024], argbuf[128];
    char *pathbuf = plen < sizeof small ? small : malloc(plen + 1);
    struct api_error err = {0};
    if (!pathbuf) {
        fail(rp, 503, "out_of_memory", NULL, "out of memory%s", "");
        return;
    }
    if (query_decode_path(rq->uri, plen, pathbuf, &err) < 0) {
        problem(rp, &err, NULL);
        goto done;
    }
    const struct route *r = NULL;
    const char *arg = NULL;
    int done = 0;
    /* Probes answer with or without base_path: a kubelet asks for /readyz on the pod. */
    if (!method_is(rq->method, "OPTIONS")) {
        answer_system(pathbuf, rp, &done);
        if (done)
            goto done;
    }
    const char *raw_query = qmark ? qmark + 1 : "";
    size_t qlen = qmark ? rq->uri_len - plen - 1 : 0;
    if (redirect_to_base(pathbuf, qmark ? qmark : "", qmark ? qlen + 1 : 0, rp))
        goto done;
    char *path = normal_path(pathbuf);
    if (path && method_is(rq->method, "OPTIONS")) {
        if (preflight(path, argbuf, sizeof argbuf, rp))
            goto done;
    } else if (path) {
        answer_system(path, rp, &done);
        if (done || answer_static(path, rq, rp))
            goto done;
        r = routes_match(path, argbuf, sizeof argbuf, &arg);
    }
    if (!r) {
        rp->route = label(L_NOT_FOUND);
        fail(rp, 404, "not_found", path ? path : NULL, "no such endpoint; GET /v1 lists them%s",
             "");
        goto done;
    }
    answer_api(r, arg, raw_query, qlen, rq, rp, path);
done:
    if (pathbuf != small)
        free(pathbuf);
}

void http_reply_free(struct http_reply *rp)
{
    free(rp->owned);
    rp->owned = NULL;
    cache_entry_release(rp->entry);
    rp->entry = NULL;
    stream_body_free(rp->stream);
    rp->stream = NULL;
}

/* ---- libmicrohttpd glue ------------------------------------------------------------------ */

/* One per connection, reused by each request on it: MHD calls the URI callback for requests
 * it may then answer itself (431) without the completion callback, so per-request memory
 * would leak; per-connection memory is freed when the connection closes. */
struct request {
    struct timespec t0;
    int calls;
    int has_body;
    int bad_framing;
    int status;
    size_t bytes;
    int route;
    int cached;
    const char *route_name;
    char method[16];
    char request_id[72];
    char client[64];
    size_t uri_len; /* as sent; uri holds at most max_url_bytes of it */
    size_t uri_cap;
    char *uri;      /* owned */
    int in_request; /* counted in in_flight */
    int corked;     /* TCP_CORK set on the connection for this answer: cleared when it is sent */
};

static atomic_int in_flight;
static atomic_int draining;

void http_drain_begin(void)
{
    atomic_store(&draining, 1);
}

int http_in_flight(void)
{
    return atomic_load(&in_flight);
}

/* A request starts at its request line and ends at completion, or when its connection closes
 * (MHD answers some bad requests itself and never reports their completion). */
static void request_begins(struct request *r)
{
    if (!r->in_request)
        atomic_fetch_add(&in_flight, 1);
    r->in_request = 1;
}

static void request_ends(struct request *r)
{
    if (r->in_request)
        atomic_fetch_sub(&in_flight, 1);
    r->in_request = 0;
}

static atomic_uint_fast64_t request_counter;
static unsigned request_seed;

/* The handler parses its own copy of the target, never MHD's parsed arguments. MHD parses the
 * query string right after this callback into one record per parameter in the connection's
 * memory pool: unused work on every request, and ~1000 parameters exhausted a 64 KiB pool (no
 * answer at all). Ending the string after its '?' leaves MHD nothing to parse. URI points into
 * MHD's own read buffer of the request, writable memory (libmicrohttpd 0.9.75 through 1.0);
 * only the const of the callback's signature is cast away. */
static void hide_query(const char *uri)
{
    char *q = strchr(uri, '?');
    if (q)
        q[1] = '\0';
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct request *r = ci ? ci->socket_context : NULL;
    if (!r)
        return NULL;
    size_t n = strlen(uri);
    size_t keep = cfg && n > (size_t)cfg->max_url_bytes ? (size_t)cfg->max_url_bytes : n;
    if (keep + 1 > r->uri_cap) {
        char *p = realloc(r->uri, keep + 1);
        if (!p)
            return NULL;
        r->uri = p;
        r->uri_cap = keep + 1;
    }
    request_ends(r); /* a request MHD ended without telling us */
    char *buf = r->uri;
    size_t cap = r->uri_cap;
    memset(r, 0, sizeof *r);
    r->uri = buf;
    r->uri_cap = cap;
    request_begins(r);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    memcpy(r->uri, uri, keep);
    r->uri[keep] = '\0';
    r->uri_len = n;
    hide_query(uri);
    return r;
}

static enum MHD_Result sum_headers(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

static int id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

/* Echo a sane X-Request-Id; otherwise make one. */
static void request_id(struct MHD_Connection *conn, struct request *r)
{
    const char *sent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    size_t n = sent ? strlen(sent) : 0;
    int ok = n > 0 && n < sizeof r->request_id;
    for (size_t i = 0; ok && i < n; i++)
        ok = id_char(sent[i]);
    if (ok) {
        memcpy(r->request_id, sent, n + 1);
        return;
    }
    /* 16 hex digits of seed + counter: distinct for every request of this process */
    static const char hex[] = "0123456789abcdef";
    uint64_t v = ((uint64_t)request_seed << 32) + atomic_fetch_add(&request_counter, 1);
    for (int i = 15; i >= 0; i--, v >>= 4)
        r->request_id[i] = hex[v & 15];
    r->request_id[16] = '\0';
}

/* Is the address TEXT one of trusted_proxies? */
static int trusted(const char *text)
{
    unsigned char a[16];
    if (!nproxies || config_addr(text, a) != 0)
        return 0;
    for (int k = 0; k < nproxies; k++) {
        /* whole bytes of the prefix first, then the leading bits of the next byte */
        int bits = proxies[k].bits, i = 0;
        for (; i + 8 <= bits && a[i / 8] == proxies[k].net[i / 8]; i += 8)
            ;
        if (i + 8 <= bits)
            continue;
        unsigned mask = (0xff00u >> (bits - i)) & 0xff;
        if (i == bits || ((a[i / 8] ^ proxies[k].net[i / 8]) & mask) == 0)
            return 1;
    }
    return 0;
}

/* Finds the WANT-th X-Forwarded-For line (from 0); counts them in SEEN. */
struct xff_line {
    int want, seen;
    const char *value;
};

static enum MHD_Result find_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct xff_line *x = cls;
    (void)kind;
    if (!key || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    if (x->seen++ == x->want) {
        x->value = value ? value : "";
        return MHD_NO;
    }
    return MHD_YES;
}

/* Walks the hops of VALUE from its right end, in place: copies each into OUT and stops at the
 * first that is not a trusted proxy (returns 1), or after the leftmost (returns 0). */
static int untrusted_hop(const char *value, char *out, size_t size)
{
    const char *end = value + strlen(value);
    for (;;) {
        const char *start = end;
        while (start > value && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t n = (size_t)(b - a);
        snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), a);
        /* no address is as long as OUT: a longer hop is not a proxy's */
        if (n >= size || !trusted(out))
            return 1;
        if (start == value)
            return 0;
        end = start - 1;
    }
}

/* The peer address, or the nearest untrusted X-Forwarded-For hop behind trusted proxies. The
 * header is read from its right end, where each trusted proxy appended the address it saw,
 * across repeated lines (one list, RFC 9110 5.3) and however long the client made it. */
static void client_address(struct MHD_Connection *conn, struct request *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    r->client[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client,
                  sizeof r->client);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client,
                  sizeof r->client);
    if (!trusted(r->client))
        return;
    struct xff_line x = {.want = -1};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, find_xff, &x);
    for (int line = x.seen - 1; line >= 0; line--) {
        x = (struct xff_line){.want = line};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, find_xff, &x);
        if (!x.value || untrusted_hop(x.value, r->client, sizeof r->client))
            return;
    }
}

static void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
    if (value)
        MHD_add_response_header(resp, name, value);
}

static void release_entry(void *cls)
{
    cache_entry_release(cls);
}

/* A cached body this large goes out by sendfile from a memory file made once per entry, not
 * copied from the heap into the socket, with the connection corked while libmicrohttpd sends
 * the head (its own send, without MSG_MORE) and the body, so that both leave as one segment.
 * Measured pinned against nginx (bench/README): without the cork, 62 KB cost more by sendfile
 * than by one sendmsg (19 -> 23 us of server CPU); with it, 18.2 -> 16.3 us at 62 KB (the
 * copy was 30 % of the request) and 16.5 -> 17.4 at 27 KB (five more system calls), hence
 * the threshold between the two; the 541 KB density 114 -> 80 us before the cork. */
#define HTTP_SENDFILE_MIN (48 * 1024)

/* Sets or clears TCP_CORK on CONN's socket; 0 when done. */
static int cork(struct MHD_Connection *conn, int on)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) : -1;
}

/* RP's cached body as a file response on CONN, corked (R->corked), or NULL to send it from
 * memory. */
static struct MHD_Response *file_response(const struct http_reply *rp, struct MHD_Connection *conn,
                                          struct request *r)
{
    if (!rp->entry || rp->status != 200 || rp->body != rp->entry->body ||
        rp->len < HTTP_SENDFILE_MIN)
        return NULL;
    int fd = cache_body_fd(rp->entry);
    if (fd < 0 || (fd = dup(fd)) < 0)
        return NULL;
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(rp->len, fd, 0);
    if (!resp) { /* else libmicrohttpd closes FD when it is done with the response */
        close(fd);
        return NULL;
    }
    r->corked = cork(conn, 1) == 0; /* uncorked, it still works: head and body apart */
    return resp;
}

static struct MHD_Response *make_response(struct http_reply *rp, struct MHD_Connection *conn,
                                          struct request *r)
{
    struct MHD_Response *resp;
    int streamed = rp->stream != NULL;
    if (rp->stream && (rp->status == 200 || rp->status == 304)) {
        /* a 304 too: libmicrohttpd sends it no body, and no length the 200 would not have */
        stream_body_count(rp->stream, &r->bytes);
        resp = stream_body_response(rp->stream);
        rp->stream = NULL;
    } else if ((resp = file_response(rp, conn, r)) != NULL) {
        /* the bytes are the memory file's: the entry is released with the reply */
    } else if (rp->entry && (rp->status == 200 || rp->status == 304)) {
        /* The entry is released when MHD is done sending its bytes. */
        resp = MHD_create_response_from_buffer_with_free_callback_cls(rp->len, (void *)rp->body,
                                                                      release_entry, rp->entry);
        if (resp)
            rp->entry = NULL;
    } else if (rp->owned) {
        resp = MHD_create_response_from_buffer_with_free_callback_cls(rp->len, rp->owned, free,
                                                                      rp->owned);
        if (resp)
            rp->owned = NULL;
    } else {
        resp = MHD_create_response_from_buffer(rp->len, (void *)rp->body, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return NULL;
    if (rp->status != 304 && rp->status != 204)
        add_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, rp->content_type);
    add_header(resp, MHD_HTTP_HEADER_ETAG, rp->etag);
    add_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, rp->cache_control);
    add_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, rp->content_encoding);
    add_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
    add_header(resp, MHD_HTTP_HEADER_LOCATION, rp->location);
    add_header(resp, "Content-Disposition", rp->disposition);
    add_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding, Origin");
    if ((rp->len || streamed) && rp->status != 304)
        add_header(resp, "X-Content-Type-Options", "nosniff");
    add_header(resp, "X-Request-Id", r->request_id);
    /* while shutting down, no connection stays open for another request */
    if (atomic_load(&draining))
        add_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (rp->cors_origin) {
        add_header(resp, "Access-Control-Allow-Origin", rp->cors_origin);
        add_header(resp, "Access-Control-Expose-Headers",
                   "ETag, X-Request-Id, Content-Disposition");
    }
    if (rp->preflight) {
        add_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        add_header(resp, "Access-Control-Allow-Headers",
                   "Accept, Accept-Encoding, If-None-Match, X-Request-Id, Content-Type");
        add_header(resp, "Access-Control-Max-Age", "86400");
    }
    return resp;
}

struct framing {
    int transfer_encoding, content_lengths, nonzero_length, empty_name, hosts;
};

static enum MHD_Result note_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct framing *f = cls;
    (void)kind;
    if (!key || !*key)
        f->empty_name = 1;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        f->transfer_encoding = 1;
    else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        f->hosts++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->content_lengths++;
        f->nonzero_length |= !value || strcmp(value, "0") != 0;
    }
    return MHD_YES;
}

/* Request smuggling needs two readings of where a body ends; this API takes no body, so any
 * Transfer-Encoding, a second Content-Length, a nonzero one or a header without a name is
 * refused (libmicrohttpd 0.9.75 would otherwise let Transfer-Encoding win and read on). A
 * second Host is two readings of the target's authority: 400 too (RFC 9112 3.2), where the
 * library would take the first. (0.9.75 never passes on a header without a name: it ends the
 * header section there; the test catalog records what follows.) */
static int framing_problem(struct MHD_Connection *conn)
{
    struct framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, note_framing, &f);
    if (f.transfer_encoding || f.content_lengths > 1 || f.empty_name || f.hosts > 1)
        return 400;
    return f.nonzero_length ? 413 : 0;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    (void)upload_data;
    struct request *r = *req_cls;
    if (!r)
        return MHD_NO;
    if (*upload_data_size) { /* a body: note it, drop it, answer at the end */
        r->has_body = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* Queue on the second call: queuing on the first makes MHD close the connection. A request
     * with ambiguous framing is answered at once, for that reason: whatever follows it on the
     * connection is never read as another request. */
    if (r->calls++ == 0 && !(r->bad_framing = framing_problem(conn)))
        return MHD_YES;
    size_t mlen = strnlen(method, sizeof r->method - 1);
    memcpy(r->method, method, mlen);
    r->method[mlen] = '\0';
    request_id(conn, r);
    struct http_request rq = {
        .method = method,
        .uri = r->uri,
        .uri_len = r->uri_len,
        .accept = header(conn, MHD_HTTP_HEADER_ACCEPT),
        .accept_encoding = header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING),
        .if_none_match = header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH),
        .origin = header(conn, "Origin"),
        .has_body = r->has_body,
        .bad_framing = r->bad_framing,
    };
    MHD_get_connection_values(conn, MHD_HEADER_KIND, sum_headers, &rq.header_bytes);
    struct http_reply rp;
    http_answer(&rq, &rp);
    /* (a streamed answer counts its bytes into r->bytes as they go) */
    r->bytes = strcmp(method, "HEAD") == 0 || rp.status == 304 ? 0 : rp.len;
    struct MHD_Response *resp = make_response(&rp, conn, r);
    r->status = rp.status;
    r->route = rp.route;
    r->route_name = rp.route_name;
    r->cached = rp.cached;
    enum MHD_Result ok = resp ? MHD_queue_response(conn, (unsigned)rp.status, resp) : MHD_NO;
    if (resp)
        MHD_destroy_response(resp);
    http_reply_free(&rp);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct request *r = *req_cls;
    if (!r)
        return;
    if (r->corked) /* the whole answer is with the kernel: let its last segment go */
        cork(conn, 0);
    r->corked = 0;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long us = (t1.tv_sec - r->t0.tv_sec) * 1000000L + (t1.tv_nsec - r->t0.tv_nsec) / 1000;
    if (r->status) {
        prom_request(r->route, r->status, us, r->bytes, r->cached);
        if (log_access_enabled())
            client_address(conn, r);
        struct access_entry e = {.client = r->client,
                                 .method = r->method,
                                 .target = r->uri,
                                 .status = r->status,
                                 .bytes = r->bytes,
                                 .micros = us,
                                 .request_id = r->request_id,
                                 .route = r->route_name,
                                 .cached = r->cached == 1};
        log_access(&e);
    }
    r->status = 0;
    request_ends(r);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct request));
        prom_connection(1);
        return;
    }
    struct request *r = *socket_context;
    if (r) {
        request_ends(r);
        free(r->uri);
    }
    free(r);
    *socket_context = NULL;
    prom_connection(-1);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(LOG_DEBUG, "libmicrohttpd: %s", msg);
}

struct MHD_Daemon *http_start(const struct config *c, int fd, char *err, size_t errlen)
{
    http_setup(c);
    request_seed = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    struct MHD_OptionItem opts[16];
    int n = 0;
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){o, (intptr_t)(v), p})
    OPT(MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL); /* first, to see the others' errors */
    OPT(MHD_OPTION_LISTEN_SOCKET, fd, NULL);
    OPT(MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT, c->connection_limit, NULL);
    if (c->per_ip_connection_limit)
        OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connection_limit, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->connection_memory_limit, NULL);
    OPT(MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL);
    OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
    /* refuse HTTP/1.1 without Host and spaces before a header's colon */
    OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d)
        snprintf(err, errlen, "libmicrohttpd did not start (threads %d, epoll)", c->threads);
    return d;
}
