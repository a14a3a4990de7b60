/* tests/fuzz/fuzz_http.c — the whole request -> reply decision (http_answer) in process.
 *
 * The input reads like a request without the version: the first line is "METHOD URI" (the URI
 * as sent, still percent-encoded: everything after the first space), the next lines are
 * "Name: value" headers. Accept, Accept-Encoding, If-None-Match, Origin and
 * Access-Control-Request-Method are passed on; every header line counts towards the header
 * bytes; a Content-Length other than 0 means a body; "X-Fuzz-Config: 1" answers with a second
 * configuration (base path, an Origin list, the smallest URL and header limits).
 *
 * Every reply must be 200, 204, 304, 308 (with a Location), a 4xx or 503, errors as problem+json
 * with the same status, JSON bodies must parse, and http_reply_free must release everything. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dataset.h"
#include "fuzz.h"
#include "http.h"
#include "statics.h"

static struct config cfgs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char *args[] = {(char *)"serve", NULL};
    if (config_load(&cfgs[0], 1, args, stdout, stderr) != 0)
        abort();
    cfgs[1] = cfgs[0];
    if (config_set(&cfgs[1], "base_path", "/prosperity", "fuzz", stderr) != 0 ||
        config_set(&cfgs[1], "cors_origins", "https://a.example, https://b.example", "fuzz",
                   stderr) != 0 ||
        config_set(&cfgs[1], "max_url_bytes", "256", "fuzz", stderr) != 0 ||
        config_set(&cfgs[1], "max_header_bytes", "1024", "fuzz", stderr) != 0 ||
        config_set(&cfgs[1], "cache_max_age", "0", "fuzz", stderr) != 0)
        abort();
    char err[256];
    if (statics_init("", cfgs[0].chartjs, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_http: %s\n", err);
        abort();
    }
    /* A small cache: answers are cached and the cache fills up, as in a long-running server. */
    struct api_error e = {0};
    struct dataset *d = dataset_open(fuzz_db_path(), 1u << 20, &e);
    if (!d) {
        fprintf(stderr, "fuzz_http: cannot load %s: %s\n", fuzz_db_path(), e.detail);
        abort();
    }
    dataset_publish(d);
    http_setup(&cfgs[0]);
    return 0;
}

struct parsed {
    char *method, *uri;
    char *accept, *accept_encoding, *if_none_match, *origin;
    size_t header_bytes;
    int has_body, config;
};

/* Header values are C strings in the server (MHD stops at a NUL): so here too. */
static char *copy(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        abort();
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void set(char **slot, const char *v, size_t len)
{
    free(*slot);
    *slot = copy(v, len);
}

static void header_line(struct parsed *p, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vlen = len - nlen - 1;
    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    p->header_bytes += nlen + vlen + 4;
#define IS(name) (nlen == sizeof name - 1 && strncasecmp(line, name, nlen) == 0)
    if (IS("Accept"))
        set(&p->accept, v, vlen);
    else if (IS("Accept-Encoding"))
        set(&p->accept_encoding, v, vlen);
    else if (IS("If-None-Match"))
        set(&p->if_none_match, v, vlen);
    else if (IS("Origin"))
        set(&p->origin, v, vlen);
    else if (IS("Content-Length"))
        p->has_body = !(vlen == 1 && v[0] == '0');
    else if (IS("X-Fuzz-Config"))
        p->config = vlen > 0 && v[0] == '1';
#undef IS
}

static void parse(struct parsed *p, const char *s, size_t size)
{
    memset(p, 0, sizeof *p);
    size_t pos = 0;
    for (int first = 1; pos < size || first; first = 0) {
        const char *nl = memchr(s + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - s) : size;
        size_t len = end - pos;
        if (len && s[pos + len - 1] == '\r')
            len--;
        if (first) {
            const char *sp = memchr(s + pos, ' ', len);
            size_t mlen = sp ? (size_t)(sp - (s + pos)) : len;
            p->method = copy(s + pos, mlen);
            p->uri = sp ? copy(sp + 1, len - mlen - 1) : copy("", 0);
        } else {
            header_line(p, s + pos, len);
        }
        pos = end + 1;
    }
}

static void parsed_free(struct parsed *p)
{
    free(p->method);
    free(p->uri);
    free(p->accept);
    free(p->accept_encoding);
    free(p->if_none_match);
    free(p->origin);
}

static void check_reply(const struct http_request *rq, const struct http_reply *rp)
{
    int st = rp->status;
    FUZZ_CHECK(st == 200 || st == 204 || st == 304 || st == 308 || (st >= 400 && st < 500) ||
                   st == 503,
               "status %d for %s %s", st, rq->method, rq->uri);
    if (st == 308) /* base_path without its slash: a target a header can hold */
        for (const char *c = rp->location; c && *c; c++)
            FUZZ_CHECK(*c > 0x20 && *c < 0x7f, "Location byte 0x%02x", (unsigned char)*c);
    FUZZ_CHECK((st == 308) == (rp->location != NULL), "%d with Location %s", st,
               rp->location ? rp->location : "(none)");
    FUZZ_CHECK(rp->body != NULL || rp->len == 0, "no body but %zu bytes", rp->len);
    /* Touch every byte so that ASan sees a body shorter than its length. */
    unsigned sum = 0;
    for (size_t i = 0; i < rp->len; i++)
        sum += (unsigned char)rp->body[i];
    (void)sum;
    if (rp->etag)
        (void)strlen(rp->etag);
    if (rp->cors_origin)
        (void)strlen(rp->cors_origin);
    if (rp->disposition)
        FUZZ_CHECK(strncmp(rp->disposition, "inline; filename=\"", 18) == 0 &&
                       rp->disposition[strlen(rp->disposition) - 1] == '"',
                   "disposition");
    if (st == 405)
        FUZZ_CHECK(rp->allow != NULL, "405 without Allow");
    if (st >= 400) {
        FUZZ_CHECK(rp->content_type && strcmp(rp->content_type, "application/problem+json") == 0,
                   "%d as %s", st, rp->content_type ? rp->content_type : "(none)");
        json_error_t je;
        json_t *j = json_loadb(rp->body, rp->len, 0, &je);
        FUZZ_CHECK(json_is_object(j), "problem is not a JSON object (%s): %.*s", je.text,
                   (int)rp->len, rp->body);
        FUZZ_CHECK(json_integer_value(json_object_get(j, "status")) == st, "status differs");
        FUZZ_CHECK(json_is_string(json_object_get(j, "code")), "problem without code");
        json_decref(j);
    } else if (st == 200 && !rp->content_encoding && rp->content_type &&
               strncmp(rp->content_type, "application/json", 16) == 0) {
        json_error_t je;
        json_t *j = json_loadb(rp->body, rp->len, 0, &je);
        FUZZ_CHECK(j != NULL, "200 JSON does not parse (%s) for %s", je.text, rq->uri);
        json_decref(j);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct parsed p;
    parse(&p, data ? (const char *)data : "", size);
    http_setup(&cfgs[p.config]);
    struct http_request rq = {
        .method = p.method,
        .uri = p.uri,
        .uri_len = strlen(p.uri),
        .accept = p.accept,
        .accept_encoding = p.accept_encoding,
        .if_none_match = p.if_none_match,
        .origin = p.origin,
        .header_bytes = p.header_bytes,
        .has_body = p.has_body,
    };
    struct http_reply rp;
    http_answer(&rq, &rp);
    check_reply(&rq, &rp);
    http_reply_free(&rp);
    FUZZ_CHECK(rp.owned == NULL && rp.entry == NULL, "http_reply_free left something");
    parsed_free(&p);
    return 0;
}
