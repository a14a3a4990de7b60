/* tests/test_http.c — the real binary on a free port, over HTTP: headers, caching, CORS, gzip,
 * limits, errors, start-up failures. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <unistd.h>
#include <zlib.h>

#include "query.h"
#include "rawhttp.h"
#include "routes.h"
#include "testutil.h"

static struct tu_response request(const char *method, const char *target,
                                  const char *const *headers)
{
    struct tu_response r;
    ck_assert_int_eq(tu_http(&tu_srv, method, target, headers, &r), 0);
    return r;
}

static const char *hdr(const struct tu_response *r, const char *name)
{
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    return tu_header(r, name, buf[slot], sizeof buf[slot]);
}

START_TEST(test_http_health)
{
    struct tu_response r = request("GET", "/healthz", NULL);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    r = request("GET", "/readyz", NULL);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
}
END_TEST

START_TEST(test_http_series_json_headers)
{
    struct tu_response r =
        request("GET", "/v1/series?indicator=hospital_beds_per_1000&regions=rural&year=2019", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "application/json");
    ck_assert_str_eq(hdr(&r, "Cache-Control"), "public, max-age=300");
    ck_assert_str_eq(hdr(&r, "Vary"), "Accept, Accept-Encoding, Origin");
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin"), "*");
    ck_assert_ptr_nonnull(hdr(&r, "ETag"));
    ck_assert_ptr_nonnull(hdr(&r, "X-Request-Id"));
    json_t *j = json_loads(r.body, 0, NULL);
    ck_assert_double_eq(tu_num(j, "series.0.observations.0.value"), 4.8);
    json_decref(j);
    tu_response_free(&r);
}
END_TEST

START_TEST(test_http_etag_304)
{
    struct tu_response r = request("GET", "/v1/regions", NULL);
    char etag[128], inm[160];
    snprintf(etag, sizeof etag, "%s", hdr(&r, "ETag"));
    tu_response_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, "Origin: https://dash.example", "Accept-Encoding: gzip", NULL};
    r = request("GET", "/v1/regions", h);
    ck_assert_int_eq(r.status, 304);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_ptr_null(hdr(&r, "Content-Encoding")); /* the 200's body headers stay out */
    ck_assert_str_eq(hdr(&r, "Vary"), "Accept, Accept-Encoding, Origin");
    ck_assert_str_eq(hdr(&r, "ETag"), etag);
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin"), "*");
    tu_response_free(&r);
    /* a different query has a different tag */
    r = request("GET", "/v1/regions?kind=province", h);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_ne(hdr(&r, "ETag"), etag);
    tu_response_free(&r);
}
END_TEST

/* The header block of the one answer in RAW (a Connection: close exchange): the number of
 * NAME lines and the last one's value in OUT. */
static int raw_header_count(const struct raw_reply *raw, const char *name, char *out, size_t size)
{
    const char *end = strstr(raw->data, "\r\n\r\n");
    size_t n = strlen(name);
    int count = 0;
    out[0] = '\0';
    for (const char *p = strstr(raw->data, "\r\n"); p && end && p < end; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n, *eol = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(out, size, "%.*s", (int)(eol - v), v);
            count++;
        }
    return count;
}

/* RFC 9110 8.6: a 304 may carry Content-Length only as the length the 200 would have sent. */
static void expect_304_length(const char *target, const char *extra)
{
    char req[1024], cl200[32], cl304[32], etag[128];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n",
             target, extra);
    struct raw_reply r;
    ck_assert_int_eq(raw_exchange(tu_srv.port, req, strlen(req), RAW_UNTIL_CLOSE, 5000, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(raw_header_count(&r, "Content-Length", cl200, sizeof cl200), 1);
    ck_assert_uint_eq(strtoul(cl200, NULL, 10), r.body_len);
    ck_assert_int_eq(raw_header_count(&r, "ETag", etag, sizeof etag), 1);
    raw_reply_free(&r);
    snprintf(
        req, sizeof req,
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sIf-None-Match: %s\r\nConnection: close\r\n\r\n",
        target, extra, etag);
    ck_assert_int_eq(raw_exchange(tu_srv.port, req, strlen(req), RAW_UNTIL_CLOSE, 5000, &r), 0);
    ck_assert_int_eq(r.status, 304);
    int n = raw_header_count(&r, "Content-Length", cl304, sizeof cl304);
    ck_assert_msg(n == 0 || (n == 1 && strcmp(cl304, cl200) == 0),
                  "%s: 304 with %d Content-Length (%s), the 200 had %s", target, n, cl304, cl200);
    ck_assert_int_eq(raw_header_count(&r, "Transfer-Encoding", cl304, sizeof cl304), 0);
    /* and no body: the header block is all that came before the close */
    ck_assert_ptr_nonnull(strstr(r.data, "\r\n\r\n"));
    ck_assert_uint_eq(r.len, (size_t)(strstr(r.data, "\r\n\r\n") + 4 - r.data));
    raw_reply_free(&r);
}

START_TEST(test_http_304_content_length)
{
    expect_304_length("/v1/regions", "");
    expect_304_length("/v1/indicators", "Accept-Encoding: gzip\r\n");
    expect_304_length("/static/app.js", "");
    expect_304_length("/static/app.js", "Accept-Encoding: gzip\r\n");
}
END_TEST

/* Preflights are counted under the route they ask about, like the requests that follow them. */
START_TEST(test_http_preflight_metrics)
{
    const char *pre[] = {"Origin: https://dash.example", "Access-Control-Request-Method: GET",
                         NULL};
    const char *series = "prosperity_requests_total{route=\"series\",status=\"204\"}";
    const char *meta = "prosperity_requests_total{route=\"meta\",status=\"204\"}";
    const char *stat = "prosperity_requests_total{route=\"static\",status=\"204\"}";
    double s0 = tu_metric(&tu_srv, series), m0 = tu_metric(&tu_srv, meta);
    double st0 = tu_metric(&tu_srv, stat);
    for (int i = 0; i < 3; i++) {
        struct tu_response r = request("OPTIONS", "/v1/series?indicator=gdp", pre);
        ck_assert_int_eq(r.status, 204);
        tu_response_free(&r);
    }
    struct tu_response r = request("OPTIONS", "/v1/meta", pre);
    ck_assert_int_eq(r.status, 204);
    tu_response_free(&r);
    ck_assert_double_eq(tu_metric_settles(&tu_srv, series, (s0 < 0 ? 0 : s0) + 3),
                        (s0 < 0 ? 0 : s0) + 3);
    ck_assert_double_eq(tu_metric_settles(&tu_srv, meta, (m0 < 0 ? 0 : m0) + 1),
                        (m0 < 0 ? 0 : m0) + 1);
    ck_assert_double_eq(tu_metric(&tu_srv, stat), st0); /* unchanged (-1: never counted) */
    r = request("OPTIONS", "/static/app.js", pre);
    ck_assert_int_eq(r.status, 204);
    tu_response_free(&r);
    ck_assert_double_eq(tu_metric_settles(&tu_srv, stat, (st0 < 0 ? 0 : st0) + 1),
                        (st0 < 0 ? 0 : st0) + 1);
}
END_TEST

START_TEST(test_http_cors_on_errors_and_preflight)
{
    const char *h[] = {"Origin: https://dash.example", NULL};
    struct tu_response r = request("GET", "/v1/series?indicator=nope", h);
    ck_assert_int_eq(r.status, 404);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "application/problem+json");
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin"), "*");
    tu_response_free(&r);
    const char *pre[] = {"Origin: https://dash.example", "Access-Control-Request-Method: GET",
                         NULL};
    r = request("OPTIONS", "/v1/series", pre);
    ck_assert_int_eq(r.status, 204);
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
    ck_assert_str_eq(hdr(&r, "Access-Control-Max-Age"), "86400");
    ck_assert_ptr_nonnull(strstr(hdr(&r, "Access-Control-Expose-Headers"), "ETag"));
    tu_response_free(&r);
}
END_TEST

static char *gunzip(const char *data, size_t len, size_t *out_len)
{
    z_stream zs = {0};
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    inflateEnd(&zs);
    ck_assert_int_eq(rc, Z_STREAM_END);
    return out;
}

START_TEST(test_http_gzip_round_trip)
{
    struct tu_response plain = request("GET", "/v1/indicators", NULL);
    const char *h[] = {"Accept-Encoding: gzip", NULL};
    struct tu_response gz = request("GET", "/v1/indicators", h);
    ck_assert_str_eq(hdr(&gz, "Content-Encoding"), "gzip");
    ck_assert_uint_lt(gz.len, plain.len);
    size_t n;
    char *body = gunzip(gz.body, gz.len, &n);
    ck_assert_uint_eq(n, plain.len);
    ck_assert_int_eq(memcmp(body, plain.body, n), 0);
    free(body);
    ck_assert_ptr_null(hdr(&plain, "Content-Encoding"));
    tu_response_free(&plain);
    tu_response_free(&gz);
    /* small bodies are sent as they are */
    struct tu_response small = request("GET", "/v1/sources?format=csv", h);
    ck_assert_ptr_nonnull(small.body);
    tu_response_free(&small);
}
END_TEST

/* Static files: gzip when asked (Chart.js is 200 KB), with an ETag of their own; 304 on it. */
START_TEST(test_static_gzip_and_revalidation)
{
    struct tu_response plain = request("GET", "/static/app.js", NULL);
    ck_assert_int_eq(plain.status, 200);
    ck_assert_str_eq(hdr(&plain, "Content-Type"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(hdr(&plain, "Cache-Control"), "no-cache");
    const char *h[] = {"Accept-Encoding: gzip", NULL};
    struct tu_response gz = request("GET", "/static/app.js", h);
    ck_assert_str_eq(hdr(&gz, "Content-Encoding"), "gzip");
    size_t n;
    char *body = gunzip(gz.body, gz.len, &n);
    ck_assert_uint_eq(n, plain.len);
    ck_assert_int_eq(memcmp(body, plain.body, n), 0);
    free(body);
    char etag[64], inm[96];
    snprintf(etag, sizeof etag, "%s", hdr(&gz, "ETag"));
    ck_assert_str_ne(etag, hdr(&plain, "ETag"));
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *again[] = {"Accept-Encoding: gzip", inm, NULL};
    struct tu_response r = request("GET", "/static/app.js", again);
    ck_assert_int_eq(r.status, 304);
    tu_response_free(&r);
    tu_response_free(&plain);
    tu_response_free(&gz);
}
END_TEST

START_TEST(test_http_csv_by_accept)
{
    const char *h[] = {"Accept: text/csv", NULL};
    struct tu_response r =
        request("GET", "/v1/series?indicator=patent_applications&regions=east", h);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "text/csv; charset=utf-8");
    ck_assert_str_eq(hdr(&r, "Content-Disposition"),
                     "inline; filename=\"series-patent_applications.csv\"");
    ck_assert_str_eq(r.body, "indicator,region,year,value,status,source\r\n"
                             "patent_applications,east,2011,653832,,ouyang2022\r\n"
                             "patent_applications,east,2020,2464110,,ouyang2022\r\n");
    tu_response_free(&r);
}
END_TEST

/* A target asked for again is answered from what it was answered with before, without being
 * parsed again: the format Accept chose, HEAD, OPTIONS and revalidation still apply, and
 * targets that vary on every request (cache busters) add no cache entries. */
START_TEST(test_http_repeated_targets)
{
    const char *t = "/v1/series?indicator=patent_applications&regions=east&from=2011";
    const char *csv[] = {"Accept: text/csv", NULL};
    const char *pre[] = {"Origin: https://dash.example", "Access-Control-Request-Method: GET",
                         NULL};
    struct tu_response first = request("GET", t, NULL);
    ck_assert_int_eq(first.status, 200);
    double hits = tu_metric(&tu_srv, "prosperity_cache_hits_total");
    for (int i = 0; i < 3; i++) {
        struct tu_response r = request("GET", t, NULL);
        ck_assert_str_eq(hdr(&r, "Content-Type"), "application/json");
        ck_assert_str_eq(r.body, first.body);
        ck_assert_str_eq(hdr(&r, "ETag"), hdr(&first, "ETag"));
        tu_response_free(&r);
        r = request("GET", t, csv);
        ck_assert_str_eq(hdr(&r, "Content-Type"), "text/csv; charset=utf-8");
        ck_assert_str_eq(r.body, "indicator,region,year,value,status,source\r\n"
                                 "patent_applications,east,2011,653832,,ouyang2022\r\n"
                                 "patent_applications,east,2020,2464110,,ouyang2022\r\n");
        tu_response_free(&r);
    }
    /* 3 JSON hits, the first CSV computed, 2 CSV hits */
    ck_assert_double_eq(tu_metric_settles(&tu_srv, "prosperity_cache_hits_total", hits + 5),
                        hits + 5);
    struct tu_response r = request("HEAD", t, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_str_eq(hdr(&r, "Content-Length"), hdr(&first, "Content-Length"));
    tu_response_free(&r);
    r = request("OPTIONS", t, pre);
    ck_assert_int_eq(r.status, 204);
    tu_response_free(&r);
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s", hdr(&first, "ETag"));
    const char *h[] = {inm, NULL};
    r = request("GET", t, h);
    ck_assert_int_eq(r.status, 304);
    tu_response_free(&r);
    double entries = tu_metric(&tu_srv, "prosperity_cache_entries");
    for (int i = 0; i < 300; i++) {
        char busted[160];
        snprintf(busted, sizeof busted, "%s&_=%d", t, i);
        r = request("GET", busted, NULL);
        ck_assert_str_eq(r.body, first.body);
        tu_response_free(&r);
    }
    ck_assert_double_eq(tu_metric(&tu_srv, "prosperity_cache_entries"), entries);
    tu_response_free(&first);
}
END_TEST

START_TEST(test_http_head_and_methods)
{
    struct tu_response get = request("GET", "/v1/groups", NULL);
    struct tu_response head = request("HEAD", "/v1/groups", NULL);
    ck_assert_int_eq(head.status, 200);
    ck_assert_uint_eq(head.len, 0);
    ck_assert_str_eq(hdr(&head, "Content-Length"), hdr(&get, "Content-Length"));
    tu_response_free(&get);
    tu_response_free(&head);
    static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "TRACE"};
    for (size_t i = 0; i < 5; i++) {
        struct tu_response r = request(methods[i], "/v1/groups", NULL);
        ck_assert_int_eq(r.status, 405);
        ck_assert_str_eq(hdr(&r, "Allow"), "GET, HEAD, OPTIONS");
        ck_assert_str_eq(hdr(&r, "Content-Type"), "application/problem+json");
        tu_response_free(&r);
    }
}
END_TEST

/* Raw bytes over a socket, for requests curl will not send. Returns the status line's code. */
static int raw_status(const char *req, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tu_srv.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, req + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    char buf[256] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    int status = 0;
    if (n > 0)
        sscanf(buf, "HTTP/1.%*d %d", &status);
    return status;
}

/* TARGET's answer as routes_answer makes it (NEW bytes in *LEN). */
static char *answer_of(const char *path, const char *query, size_t *len)
{
    struct api_error err = {0};
    char argbuf[128];
    const char *arg = NULL;
    const struct route *r = routes_match(path, argbuf, sizeof argbuf, &arg);
    struct query q;
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(query_parse(&q, query, strlen(query), &err), 0);
    q.path_arg = arg;
    ck_assert_int_eq(routes_check(r, &q, FORMAT_JSON, &err), 0);
    struct answer a;
    ck_assert_int_eq(routes_answer(r, tu_store(), &q, &a, &err), 0);
    query_free(&q);
    *len = a.len;
    return a.body;
}

/* Large cached answers go out by sendfile from a memory file (the rest from memory): the bytes
 * are the answer's, the first time and from the cache, and HEAD sends the headers alone. */
START_TEST(test_http_large_answers_whole)
{
    static const char *const q[] = {
        "indicator=gdp_per_capita&regions=group:provinces&from=2005&to=2023", /* 130 KB */
        "indicator=gdp_per_capita&regions=group:provinces&from=2018&to=2019", /* small */
    };
    for (int k = 0; k < 2; k++) {
        char target[256];
        size_t len;
        char *want = answer_of("/v1/gaps/spatial", q[k], &len);
        snprintf(target, sizeof target, "/v1/gaps/spatial?%s", q[k]);
        for (int round = 0; round < 3; round++) {
            struct tu_response r = request("GET", target, NULL);
            ck_assert_int_eq(r.status, 200);
            ck_assert_uint_eq(r.len, len);
            ck_assert(memcmp(r.body, want, len) == 0);
            char cl[32];
            snprintf(cl, sizeof cl, "%zu", len);
            ck_assert_str_eq(hdr(&r, "Content-Length"), cl);
            tu_response_free(&r);
        }
        struct tu_response h;
        ck_assert_int_eq(tu_http(&tu_srv, "HEAD", target, NULL, &h), 0);
        ck_assert_int_eq(h.status, 200);
        ck_assert_uint_eq(h.len, 0);
        tu_response_free(&h);
        free(want);
    }
}
END_TEST

/* TCP_CORK on the server's end of the client socket CLIENT (found among the server's open
 * files by its peer address, through pidfd_getfd), -1 when it is not found, or 0 under
 * valgrind 3.19, which does not know pidfd_open (the other stages check it). */
static int server_cork(int client)
{
    struct sockaddr_in mine, peer;
    socklen_t l = sizeof mine;
    ck_assert_int_eq(getsockname(client, (struct sockaddr *)&mine, &l), 0);
    int pidfd = (int)syscall(SYS_pidfd_open, tu_srv.pid, 0);
    const char *preload = getenv("LD_PRELOAD");
    if (pidfd < 0 && errno == ENOSYS && preload && strstr(preload, "valgrind"))
        return 0;
    ck_assert_int_ge(pidfd, 0);
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", tu_srv.pid);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int cork = -1;
    for (struct dirent *e; cork < 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') /* "." and ".." */
            continue;
        /* a copy of the server's descriptor in this process, closed below */
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
        if (fd < 0)
            continue;
        l = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &l) == 0 && peer.sin_family == AF_INET &&
            peer.sin_port == mine.sin_port && peer.sin_addr.s_addr == mine.sin_addr.s_addr) {
            int v = 0;
            l = sizeof v;
            ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, &l), 0);
            cork = v;
        }
        close(fd);
    }
    closedir(d);
    close(pidfd);
    return cork;
}

/* A large cached answer goes out corked (head and body as one segment, see http.c); the cork
 * comes off once it is sent, or a next answer's last segment on the connection would wait for
 * the kernel's 200 ms timer. Checked on the server's own socket, on one kept-alive
 * connection: after a GET and after a HEAD of the 130 KB spatial answer. */
START_TEST(test_http_large_answer_uncorked)
{
    const char *target = "/v1/gaps/spatial?indicator=gdp_per_capita&regions=group:provinces"
                         "&from=2005&to=2023";
    struct tu_response warm = request("GET", target, NULL); /* cached from now on */
    ck_assert_int_eq(warm.status, 200);
    int fd = raw_connect(tu_srv.port);
    ck_assert_int_ge(fd, 0);
    for (int round = 0; round < 3; round++) {
        int head = round == 2;
        char req[512];
        int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n",
                         head ? "HEAD" : "GET", target);
        struct raw_reply got;
        ck_assert_int_eq(raw_exchange_fd(fd, req, (size_t)n, head ? RAW_NO_BODY : 0, 5000, &got),
                         0);
        ck_assert_int_eq(got.status, 200);
        ck_assert(!got.closed && !got.timed_out);
        ck_assert_uint_eq(got.body_len, head ? 0 : warm.len);
        ck_assert(head || memcmp(got.body, warm.body, warm.len) == 0);
        raw_reply_free(&got);
        ck_assert_int_eq(server_cork(fd), 0);
    }
    close(fd);
    tu_response_free(&warm);
}
END_TEST

START_TEST(test_http_limits)
{
    size_t big = 9000;
    char *target = malloc(big + 32);
    int n = snprintf(target, 32, "/v1/series?indicator=");
    memset(target + n, 'a', big);
    target[n + big] = '\0';
    struct tu_response r = request("GET", target, NULL);
    ck_assert_int_eq(r.status, 414);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "application/problem+json");
    tu_response_free(&r);
    free(target);
    char *huge = malloc(20000);
    n = snprintf(huge, 16, "X-Big: ");
    memset(huge + n, 'b', 17000);
    huge[n + 17000] = '\0';
    const char *h[] = {huge, NULL};
    r = request("GET", "/v1/meta", h);
    ck_assert_int_eq(r.status, 431);
    tu_response_free(&r);
    free(huge);
    const char body[] = "GET /v1/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    ck_assert_int_eq(raw_status(body, sizeof body - 1), 413);
    const char absolute[] = "GET http://x/v1/meta HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert_int_eq(raw_status(absolute, sizeof absolute - 1), 400);
}
END_TEST

START_TEST(test_http_not_found_and_prefix_tolerance)
{
    struct tu_response r = request("GET", "/v2/series", NULL);
    ck_assert_int_eq(r.status, 404);
    json_t *j = json_loads(r.body, 0, NULL);
    ck_assert_str_eq(tu_str(j, "code"), "not_found");
    json_decref(j);
    tu_response_free(&r);
    r = request("GET", "/v1/meta/", NULL); /* one trailing slash is forgiven */
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    r = request("GET", "/v1/regions/%2e%2e", NULL);
    ck_assert_int_eq(r.status, 404);
    tu_response_free(&r);
}
END_TEST

START_TEST(test_http_request_id)
{
    const char *h[] = {"X-Request-Id: abc-123", NULL};
    struct tu_response r = request("GET", "/v1/meta", h);
    ck_assert_str_eq(hdr(&r, "X-Request-Id"), "abc-123");
    tu_response_free(&r);
    const char *bad[] = {"X-Request-Id: has spaces and \"quotes\"", NULL};
    r = request("GET", "/v1/meta", bad);
    ck_assert_str_ne(hdr(&r, "X-Request-Id"), "has spaces and \"quotes\"");
    tu_response_free(&r);
}
END_TEST

START_TEST(test_http_metrics_and_access_log)
{
    struct tu_response r = request("GET", "/v1/meta?_=1", NULL);
    tu_response_free(&r);
    r = request("GET", "/metrics", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(
        strstr(r.body, "prosperity_requests_total{route=\"meta\",status=\"200\"}"));
    ck_assert_ptr_nonnull(strstr(r.body, "prosperity_dataset_info{version=\""));
    ck_assert_ptr_nonnull(strstr(r.body, "prosperity_request_duration_seconds_bucket"));
    tu_response_free(&r);
    usleep(1200 * 1000); /* the access log is flushed about once a second */
    char *log = tu_read(tu_srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "GET /v1/meta?_=1 200"));
    free(log);
}
END_TEST

START_TEST(test_http_json_lang)
{
    long status;
    json_t *j = tu_get_json(&tu_srv, "/v1/regions/rural?lang=zh", &status);
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(tu_str(j, "name"), "农村");
    json_decref(j);
}
END_TEST

/* Runs the binary with ARGS; returns its exit status and what it printed (free it). */
static int run(const char *args, char **output)
{
    char cmd[2048], out[256];
    char *dir = tu_tmpdir();
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>&1", PROSPERITY_BIN, args, out);
    int status = system(cmd);
    *output = tu_read(out, NULL);
    tu_rmrf(dir);
    free(dir);
    return WEXITSTATUS(status);
}

static void expect_start_failure(const char *args, const char *expect)
{
    char *out = NULL;
    int rc = run(args, &out);
    ck_assert_msg(rc != 0, "'%s' exited 0", args);
    ck_assert_msg(strstr(out, expect) != NULL, "'%s': expected '%s' in: %s", args, expect, out);
    free(out);
}

START_TEST(test_start_failures)
{
    expect_start_failure("serve --db /nonexistent/x.db", "/nonexistent/x.db: cannot open");
    expect_start_failure("serve --port 99999", "port must be a whole number from 0 to 65535");
    expect_start_failure("serve --threads -3", "threads must be a whole number");
    expect_start_failure("serve --log-format xml", "log_format must be one of text json");
    expect_start_failure("serve --colour blue", "unknown setting 'colour'");
    expect_start_failure("serve --config /nonexistent.conf", "/nonexistent.conf");
    expect_start_failure("serve --db " PROSPERITY_SOURCE_DIR "/data/README.md", "not a database");
    char *out = NULL;
    char args[128];
    snprintf(args, sizeof args, "serve --listen 127.0.0.1 --port %d", tu_srv.port);
    ck_assert_int_ne(run(args, &out), 0);
    ck_assert_msg(strstr(out, "Address already in use") != NULL, "%s", out);
    free(out);
    ck_assert_int_eq(run("serve --help", &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "PROSPERITY_CONNECTION_TIMEOUT"));
    free(out);
}
END_TEST

START_TEST(test_config_file_and_env_precedence)
{
    char *dir = tu_tmpdir(), conf[512], args[1024];
    snprintf(conf, sizeof conf, "%s/p.conf", dir);
    tu_write(conf, "# comment\nport = 1\nthreads = 2\nbogus_key = 3\n");
    snprintf(args, sizeof args, "serve --config %s", conf);
    char *out = NULL;
    ck_assert_int_ne(run(args, &out), 0);
    ck_assert_msg(strstr(out, "p.conf:4: unknown setting 'bogus_key'") != NULL, "%s", out);
    free(out);
    /* environment over file, flag over environment: the flag's bad value is the one named */
    tu_write(conf, "threads = 2\n");
    snprintf(args, sizeof args, "PROSPERITY_THREADS=x %s serve --config %s", PROSPERITY_BIN, conf);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s >%s/o 2>&1", args, dir);
    ck_assert_int_ne(system(cmd), 0);
    snprintf(conf, sizeof conf, "%s/o", dir);
    out = tu_read(conf, NULL);
    ck_assert_msg(strstr(out, "PROSPERITY_THREADS: threads must be") != NULL, "%s", out);
    free(out);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

/* Runs `serve` on a free port with ENV (may be "") and ARGS for at most 3 seconds: a value that
 * is accepted leaves the server running until timeout stops it (exit 124). */
static int run_serve(const char *env, const char *args, char **output)
{
    char full[1500];
    snprintf(full, sizeof full, "serve --listen 127.0.0.1 --port 0 %s", args);
    char cmd[2048], out[256];
    char *dir = tu_tmpdir();
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "%s timeout 3 %s %s >%s 2>&1", env, PROSPERITY_BIN, full, out);
    int status = system(cmd);
    *output = tu_read(out, NULL);
    tu_rmrf(dir);
    free(dir);
    return WEXITSTATUS(status);
}

static void expect_refused(const char *env, const char *args, const char *expect)
{
    char *out = NULL;
    int rc = run_serve(env, args, &out);
    ck_assert_msg(rc != 0 && rc != 124, "'%s%s' was accepted (exit %d): %s", env, args, rc, out);
    ck_assert_msg(strstr(out, expect) != NULL, "'%s%s': expected '%s' in: %s", env, args, expect,
                  out);
    free(out);
}

/* Free-text settings are parsed at start: a bad one stops the server with the key and where it
 * came from, instead of a server that trusts every peer or 404s every data request. */
START_TEST(test_config_validated)
{
    static const char *const bad_proxies[] = {
        "1.2.3.4/9223372036854775807", /* was a signed overflow: every peer trusted */
        "1.2.3.4/33",
        "::1/129",
        "10.0.0.0/8x",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/08",
        "300.1.2.3",
        "10.0.0",
        "localhost",
        "10.0.0.0/8,,127.0.0.1",
        "10.0.0.0/8,",
        "10.0.0.0 /8",
    };
    for (size_t i = 0; i < sizeof bad_proxies / sizeof bad_proxies[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--trusted-proxies '%s'", bad_proxies[i]);
        expect_refused("", args, "flag --trusted-proxies: trusted_proxies");
    }
    static const char *const bad_bases[] = {
        "no-leading-slash", "/",   "/prosperity/", "/a?b", "/a#b",   "/a b",
        "/a/../b",          "/..", "/a/./b",       "//a",  "/a%20b", "/a\\b",
    };
    for (size_t i = 0; i < sizeof bad_bases / sizeof bad_bases[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--base-path '%s'", bad_bases[i]);
        expect_refused("", args, "flag --base-path: base_path");
    }
    static const char *const bad_origins[] = {
        "https://a.example/", "https://a.example/path", "a.example",
        "https://",           "*, https://a.example",   "https://a.example:99999",
        "https://a.example:", "https://a.example?x",    "https://user@a.example",
        "https://A.example",  "https://a.example,",     "null",
    };
    for (size_t i = 0; i < sizeof bad_origins / sizeof bad_origins[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--cors-origins '%s'", bad_origins[i]);
        expect_refused("", args, "flag --cors-origins: cors_origins");
    }
    /* the other sources name themselves too */
    expect_refused("PROSPERITY_BASE_PATH=x", "", "PROSPERITY_BASE_PATH: base_path");
    char *dir = tu_tmpdir(), conf[512], args[600];
    snprintf(conf, sizeof conf, "%s/p.conf", dir);
    tu_write(conf, "# proxies\ntrusted_proxies = 10.0.0.0/8, 10.0.0.1/99\n");
    snprintf(args, sizeof args, "--config %s", conf);
    expect_refused("", args, "p.conf:2: trusted_proxies");
    tu_rmrf(dir);
    free(dir);
    /* good values of each form start */
    struct tu_server good;
    const char *extra[] = {"--trusted-proxies",
                           "127.0.0.1, ::1, 10.0.0.0/8, fd00::/8, 0.0.0.0/0, ::ffff:0:0/96",
                           "--base-path",
                           "/a/b-c_d.e~f",
                           "--cors-origins",
                           "https://a.example, http://localhost:8080, http://[::1]:3000",
                           NULL};
    ck_assert_int_eq(tu_server_start(&good, extra), 0);
    ck_assert_int_eq(tu_server_stop(&good, SIGTERM), 0);
    tu_rmrf(good.dir);
}
END_TEST

/* config/prosperity.conf documents every key that `serve --help` lists, and is accepted. */
START_TEST(test_shipped_config_lists_every_key)
{
    char *help = NULL;
    ck_assert_int_eq(run("serve --help", &help), 0);
    char *conf = tu_read(PROSPERITY_SOURCE_DIR "/config/prosperity.conf", NULL);
    ck_assert_ptr_nonnull(conf);
    int keys = 0;
    for (char *p = strstr(help, "\n  --"); p; p = strstr(p + 1, "\n  --")) {
        char key[64], line[80];
        if (sscanf(p + 5, "%63[a-z-]", key) != 1 || strcmp(key, "config") == 0)
            continue;
        for (char *c = key; *c; c++)
            *c = *c == '-' ? '_' : *c;
        snprintf(line, sizeof line, "\n%s = ", key);
        ck_assert_msg(strstr(conf, line) != NULL, "config/prosperity.conf lacks '%s'", key);
        keys++;
    }
    ck_assert_int_ge(keys, 20);
    free(help);
    free(conf);
    struct tu_server other;
    const char *extra[] = {"--config", PROSPERITY_SOURCE_DIR "/config/prosperity.conf", NULL};
    ck_assert_int_eq(tu_server_start(&other, extra), 0);
    ck_assert_int_eq(tu_server_stop(&other, SIGTERM), 0);
    tu_rmrf(other.dir);
}
END_TEST

/* A second server: an origin allow-list, a base path, JSON logs, a tiny cache. */
static struct tu_server opt;

static void opt_start(void)
{
    const char *extra[] = {"--cors-origins",
                           "https://a.example, https://b.example",
                           "--base-path",
                           "/prosperity",
                           "--log-format",
                           "json",
                           "--cache-max-age",
                           "60",
                           "--cache-bytes-mb",
                           "0",
                           "--trusted-proxies",
                           "10.0.0.0/8, 127.0.0.0/8, 198.51.100.128/25",
                           NULL};
    ck_assert_int_eq(tu_server_start(&opt, extra), 0);
}

static void opt_stop(void)
{
    ck_assert_int_eq(tu_server_stop(&opt, SIGTERM), 0);
    tu_rmrf(opt.dir);
}

START_TEST(test_cors_allow_list)
{
    struct tu_response r;
    const char *listed[] = {"Origin: https://b.example", NULL};
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/v1/meta", listed, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin"), "https://b.example");
    ck_assert_str_eq(hdr(&r, "Cache-Control"), "public, max-age=60");
    tu_response_free(&r);
    const char *other[] = {"Origin: https://evil.example", NULL};
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/v1/meta", other, &r), 0);
    ck_assert_ptr_null(hdr(&r, "Access-Control-Allow-Origin"));
    tu_response_free(&r);
}
END_TEST

START_TEST(test_base_path)
{
    struct tu_response r;
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/v1/regions/east", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    /* the page is at /prosperity/: its relative links need the slash */
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "text/html; charset=utf-8");
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity", NULL, &r), 0);
    ck_assert_int_eq(r.status, 308);
    ck_assert_str_eq(hdr(&r, "Location"), "/prosperity/");
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&opt, "HEAD", "/prosperity?lang=zh&ind=gdp", NULL, &r), 0);
    ck_assert_int_eq(r.status, 308);
    ck_assert_str_eq(hdr(&r, "Location"), "/prosperity/?lang=zh&ind=gdp");
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/static/app.js", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&opt, "GET", "/v1/regions/east", NULL, &r), 0);
    ck_assert_int_eq(r.status, 404); /* outside the base path */
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperityx/v1/meta", NULL, &r), 0);
    ck_assert_int_eq(r.status, 404);
    tu_response_free(&r);
    /* probes work without the prefix too: a kubelet or load balancer asks /readyz */
    ck_assert_int_eq(tu_http(&opt, "GET", "/readyz", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
}
END_TEST

START_TEST(test_json_access_log)
{
    struct tu_response r;
    /* the peer 127.0.0.1 is in a trusted range, and so is the proxy hop 10.1.2.3 */
    const char *h[] = {"X-Request-Id: json-log-1", "X-Forwarded-For: 198.51.100.7, 10.1.2.3", NULL};
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/v1/groups?_=x", h, &r), 0);
    tu_response_free(&r);
    usleep(1200 * 1000);
    char *log = tu_read(opt.log, NULL), *save = NULL;
    int found = 0;
    for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "not a JSON line: %s", line);
        if (tu_str(j, "request_id") && strcmp(tu_str(j, "request_id"), "json-log-1") == 0) {
            ck_assert_str_eq(tu_str(j, "target"), "/prosperity/v1/groups?_=x");
            ck_assert_int_eq((int)tu_num(j, "status"), 200);
            ck_assert_str_eq(tu_str(j, "route"), "groups");
            ck_assert_str_eq(tu_str(j, "client"), "198.51.100.7");
            found = 1;
        }
        json_decref(j);
    }
    free(log);
    ck_assert(found);
}
END_TEST

/* The access-log line of request ID on S, parsed strictly (jansson refuses invalid UTF-8): a
 * new reference. Waits for the once-a-second flush. */
static json_t *log_line(const struct tu_server *s, const char *id)
{
    char needle[160];
    snprintf(needle, sizeof needle, "\"request_id\":\"%s\"", id);
    for (int tries = 0; tries < 30; tries++) {
        char *log = tu_read(s->log, NULL), *save = NULL;
        for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strstr(line, needle))
                continue;
            json_error_t je;
            json_t *j = json_loads(line, 0, &je);
            ck_assert_msg(j != NULL, "not a JSON line (%s): %s", je.text, line);
            free(log);
            return j;
        }
        free(log);
        usleep(100 * 1000);
    }
    ck_abort_msg("no access-log line for %s", id);
    return NULL;
}

static void expect_client(const char *id, const char *const *headers, const char *client)
{
    struct tu_response r;
    char idh[96];
    const char *h[8] = {idh};
    snprintf(idh, sizeof idh, "X-Request-Id: %s", id);
    for (int i = 0; headers[i]; i++)
        h[i + 1] = headers[i];
    ck_assert_int_eq(tu_http(&opt, "GET", "/prosperity/v1/meta", h, &r), 0);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    json_t *j = log_line(&opt, id);
    ck_assert_msg(strcmp(tu_str(j, "client"), client) == 0, "%s: client %s, not %s", id,
                  tu_str(j, "client"), client);
    json_decref(j);
}

/* X-Forwarded-For is read from its right end, however long: what the trusted proxy appended
 * names the client, not what the client wrote before it. */
START_TEST(test_xff_from_the_right)
{
    char *xff = malloc(8000);
    /* the client's part ends at byte 511 of the value, the proxy's hop follows */
    const char *tail = ", 6.6.6.6";
    int n = snprintf(xff, 8000, "X-Forwarded-For: ");
    size_t pad = 511 - strlen(tail);
    memset(xff + n, 'a', pad);
    snprintf(xff + n + pad, 8000 - n - pad, "%s, 198.51.100.7", tail);
    const char *h1[] = {xff, NULL};
    expect_client("xff-511", h1, "198.51.100.7");
    /* thousands of bytes, and two trusted proxies to skip (10/8 and 127/8) */
    n = snprintf(xff, 8000, "X-Forwarded-For: ");
    for (int i = 0; i < 600; i++)
        n += snprintf(xff + n, 8000 - n, "6.6.6.%d, ", i % 250);
    snprintf(xff + n, 8000 - n, "198.51.100.8, 10.1.2.3 ,127.0.0.1");
    const char *h2[] = {xff, NULL};
    expect_client("xff-long", h2, "198.51.100.8");
    /* a second header line continues the list (RFC 9110 5.3): its end is the proxy's */
    const char *h3[] = {"X-Forwarded-For: 6.6.6.6", "X-Forwarded-For: 198.51.100.9, 10.0.0.1",
                        NULL};
    expect_client("xff-lines", h3, "198.51.100.9");
    /* a range that ends inside a byte: .128/25 holds .200, not .100 */
    const char *h5[] = {"X-Forwarded-For: 198.51.100.7, 198.51.100.200", NULL};
    expect_client("xff-25-in", h5, "198.51.100.7");
    const char *h6[] = {"X-Forwarded-For: 198.51.100.7, 198.51.100.100", NULL};
    expect_client("xff-25-out", h6, "198.51.100.100");
    /* only trusted hops: the leftmost is the client */
    const char *h4[] = {"X-Forwarded-For: 10.9.9.9, 127.0.0.2", NULL};
    expect_client("xff-trusted", h4, "10.9.9.9");
    free(xff);
}
END_TEST

/* Bytes of the target (and of a forwarded address) that are not UTF-8 are escaped, so that
 * every JSON log line is JSON; valid UTF-8 passes through. */
START_TEST(test_json_log_escapes_bytes)
{
    static const char req[] =
        "GET /prosperity/v1/meta?q=\xff\xc3\x28\xe2\x82\x28\xf0\x9f\x98\x80\xed\xa0\x80\xc0\xaf"
        "\xc3\xa9\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: bytes-log-1\r\n"
        "X-Forwarded-For: 203.0.113.5\xfe, 10.1.2.3\r\nConnection: close\r\n\r\n";
    struct raw_reply r;
    ck_assert_int_eq(raw_exchange(opt.port, req, sizeof req - 1, 0, 5000, &r), 0);
    ck_assert_int_eq(r.status, 400);
    raw_reply_free(&r);
    json_t *j = log_line(&opt, "bytes-log-1");
    /* By hand: each byte outside a valid sequence is the code point of the same number (its
     * ISO-8859-1 reading), in UTF-8: ff -> U+00FF = c3 bf, c3 -> c3 83, e2 -> c3 a2,
     * 82 -> c2 82, ed -> c3 ad, a0 -> c2 a0, 80 -> c2 80, c0 -> c3 80, af -> c2 af; the emoji
     * f0 9f 98 80 and e-acute c3 a9 are valid and stay; 0x01 is a control character. */
    ck_assert_str_eq(tu_str(j, "target"),
                     "/prosperity/v1/meta?q=\xc3\xbf\xc3\x83(\xc3\xa2\xc2\x82(\xf0\x9f\x98\x80"
                     "\xc3\xad\xc2\xa0\xc2\x80\xc3\x80\xc2\xaf\xc3\xa9\x01");
    ck_assert_str_eq(tu_str(j, "client"), "203.0.113.5\xc3\xbe");
    json_decref(j);
}
END_TEST

/* --static-dir serves the regular files of one folder: not links, not subfolders, nothing
 * outside it however the path is spelled. */
START_TEST(test_static_dir_allow_list)
{
    char *dir = tu_tmpdir(), path[512], sub[512];
    snprintf(path, sizeof path, "%s/index.html", dir);
    tu_write(path, "<!doctype html><title>mine</title>");
    snprintf(path, sizeof path, "%s/style.css", dir);
    tu_write(path, "body{}");
    snprintf(path, sizeof path, "%s/passwd", dir);
    ck_assert_int_eq(symlink("/etc/passwd", path), 0);
    snprintf(sub, sizeof sub, "%s/inner", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    snprintf(path, sizeof path, "%s/inner/secret.txt", dir);
    tu_write(path, "secret");
    struct tu_server own;
    const char *extra[] = {"--static-dir", dir, NULL};
    ck_assert_int_eq(tu_server_start(&own, extra), 0);
    static const struct {
        const char *target;
        long status;
    } cases[] = {{"/", 200},
                 {"/static/style.css", 200},
                 {"/static/passwd", 404},
                 {"/static/inner/secret.txt", 404},
                 {"/static/../../etc/passwd", 404},
                 {"/static/%2e%2e/%2e%2e/etc/passwd", 404},
                 {"/static/%252e%252e/etc/passwd", 404},
                 {"/static/inner%2fsecret.txt", 404}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tu_response r;
        ck_assert_int_eq(tu_http(&own, "GET", cases[i].target, NULL, &r), 0);
        ck_assert_msg(r.status == cases[i].status, "%s: %ld", cases[i].target, r.status);
        ck_assert_ptr_null(strstr(r.body, "root:"));
        if (i == 0)
            ck_assert_str_eq(r.body, "<!doctype html><title>mine</title>");
        tu_response_free(&r);
    }
    ck_assert_int_eq(tu_server_stop(&own, SIGTERM), 0);
    tu_rmrf(own.dir);
    tu_rmrf(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("server");
    tcase_add_unchecked_fixture(tc, tu_srv_start, tu_srv_stop);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_http_health);
    tcase_add_test(tc, test_http_large_answers_whole);
    tcase_add_test(tc, test_http_large_answer_uncorked);
    tcase_add_test(tc, test_http_series_json_headers);
    tcase_add_test(tc, test_http_etag_304);
    tcase_add_test(tc, test_http_304_content_length);
    tcase_add_test(tc, test_http_preflight_metrics);
    tcase_add_test(tc, test_http_cors_on_errors_and_preflight);
    tcase_add_test(tc, test_http_gzip_round_trip);
    tcase_add_test(tc, test_http_csv_by_accept);
    tcase_add_test(tc, test_static_gzip_and_revalidation);
    tcase_add_test(tc, test_static_dir_allow_list);
    tcase_add_test(tc, test_http_head_and_methods);
    tcase_add_test(tc, test_http_limits);
    tcase_add_test(tc, test_http_not_found_and_prefix_tolerance);
    tcase_add_test(tc, test_http_request_id);
    tcase_add_test(tc, test_http_repeated_targets);
    tcase_add_test(tc, test_http_metrics_and_access_log);
    tcase_add_test(tc, test_http_json_lang);
    tcase_add_test(tc, test_start_failures);
    tcase_add_test(tc, test_config_file_and_env_precedence);
    tcase_add_test(tc, test_config_validated);
    tcase_add_test(tc, test_shipped_config_lists_every_key);
    suite_add_tcase(s, tc);
    TCase *o = tcase_create("options");
    tcase_add_unchecked_fixture(o, opt_start, opt_stop);
    tcase_set_timeout(o, 60);
    tcase_add_test(o, test_cors_allow_list);
    tcase_add_test(o, test_base_path);
    tcase_add_test(o, test_json_access_log);
    tcase_add_test(o, test_xff_from_the_right);
    tcase_add_test(o, test_json_log_escapes_bytes);
    suite_add_tcase(s, o);
    return tu_run(s);
}
