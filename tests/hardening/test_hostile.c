/* tests/hardening/test_hostile.c — a catalog of hostile requests against the real binary.
 *
 * Every data endpoint of the route table, the page (/ and /static/...), /healthz, /readyz and
 * /metrics get requests with bad percent-encoding, NUL bytes, overlong UTF-8, absurd years,
 * empty, repeated and thousands of parameters or list items, path traversal, unknown methods
 * and malformed HTTP, sent byte for byte over a plain socket. The application must answer a 4xx
 * with a problem+json body; for HTTP it cannot parse, a 4xx or a closed connection will do;
 * never a 5xx, never a crash. Where libmicrohttpd answers in a way the application cannot see
 * or change, the item asserts exactly that answer, so that a change of the library fails too.
 * Then the server must still be ready and right, and sending the catalog five more times must
 * not grow its resident memory by more than a few MB. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "rawhttp.h"
#include "routes.h"
#include "testutil.h"

/* What a request must get. */
enum expect {
    PROBLEM, /* a 4xx with an application/problem+json body from the application */
    REFUSED, /* unparseable HTTP: any 4xx, or the connection closed without an answer */
    EXACT,   /* tolerated by design, or libmicrohttpd's answer the application cannot see or
              * change: exactly these statuses, in order (a change either way fails) */
};

struct item {
    char what[160];
    enum expect expect;
    char *req; /* owned; may hold NUL bytes */
    size_t len;
    int flags;     /* RAW_* */
    int slow;      /* held until the connection timeout: only in the first pass */
    int allow_505; /* an HTTP version the server does not speak (libmicrohttpd answers) */
    int check_id;  /* the echoed X-Request-Id must not carry what was sent */
    int exact[4];  /* EXACT: the statuses of the answers, 0-terminated */
};

struct catalog {
    struct item *items;
    size_t n, cap;
};

/* The server is built with the same flags as this test: under AddressSanitizer its quarantine
 * keeps freed memory resident, so resident memory says nothing about leaks there (LeakSanitizer
 * checks those when the server exits). */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define HOST_CLOSE           "Host: 127.0.0.1\r\nConnection: close\r\n"
#define RSS_GROWTH_LIMIT_KIB 4096
#define CONNECTION_TIMEOUT   "3"

static struct item *add_raw(struct catalog *c, enum expect e, const char *bytes, size_t len,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static struct item *add_raw(struct catalog *c, enum expect e, const char *bytes, size_t len,
                            const char *fmt, ...)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->items = realloc(c->items, c->cap * sizeof *c->items);
        ck_assert_ptr_nonnull(c->items);
    }
    struct item *it = &c->items[c->n++];
    memset(it, 0, sizeof *it);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->what, sizeof it->what, fmt, ap);
    va_end(ap);
    it->expect = e;
    it->req = malloc(len + 1);
    ck_assert_ptr_nonnull(it->req);
    memcpy(it->req, bytes, len);
    it->req[len] = '\0';
    it->len = len;
    return it;
}

/* METHOD TARGET HTTP/1.1 with Host, Connection: close, EXTRA header lines ("A: b\r\n") and
 * BODY (both may be NULL). */
static struct item *add_msg(struct catalog *c, enum expect e, const char *method,
                            const char *target, const char *extra, const char *body)
{
    size_t n = strlen(method) + strlen(target) + (extra ? strlen(extra) : 0) +
               (body ? strlen(body) : 0) + 128;
    char *buf = malloc(n);
    ck_assert_ptr_nonnull(buf);
    int len = snprintf(buf, n, "%s %s HTTP/1.1\r\n" HOST_CLOSE "%s\r\n%s", method, target,
                       extra ? extra : "", body ? body : "");
    struct item *it = add_raw(c, e, buf, (size_t)len, "%.60s %.100s%s%.60s%s", method, target,
                              extra ? " + " : "", extra ? extra : "", body ? " + body" : "");
    for (char *p = it->what; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    if (strcmp(method, "HEAD") == 0)
        it->flags |= RAW_NO_BODY;
    free(buf);
    return it;
}

/* IT must get exactly the answer FIRST (and then SECOND, when nonzero) on its connection. */
static struct item *answers(struct item *it, int first, int second)
{
    it->expect = EXACT;
    it->exact[0] = first;
    it->exact[1] = second;
    it->exact[2] = 0;
    return it;
}

static struct item *add_req(struct catalog *c, enum expect e, const char *method,
                            const char *target, const char *extra)
{
    return add_msg(c, e, method, target, extra, NULL);
}

static struct item *get(struct catalog *c, enum expect e, const char *target)
{
    return add_msg(c, e, "GET", target, NULL, NULL);
}

/* PREFIX, then N copies of UNIT joined by SEP (UNIT may hold one %d for the copy's number),
 * then SUFFIX: new string. */
static char *repeat(const char *prefix, const char *unit, const char *sep, int n,
                    const char *suffix)
{
    size_t cap =
        strlen(prefix) + strlen(suffix) + (size_t)n * (strlen(unit) + strlen(sep) + 12) + 1;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    size_t len = (size_t)snprintf(s, cap, "%s", prefix);
    for (int i = 0; i < n; i++) {
        if (i)
            len += (size_t)snprintf(s + len, cap - len, "%s", sep);
        len += (size_t)snprintf(s + len, cap - len, unit, i);
    }
    snprintf(s + len, cap - len, "%s", suffix);
    return s;
}

/* A path the route answers: {id} becomes a region for /v1/regions, else an indicator. */
static void sample_path(const struct route *r, char *out, size_t size)
{
    const char *id = strncmp(r->pattern, "/v1/regions/", 12) == 0 ? "east" : "gdp";
    const char *brace = strstr(r->pattern, "{id}");
    if (brace)
        snprintf(out, size, "%.*s%s%s", (int)(brace - r->pattern), r->pattern, id, brace + 4);
    else
        snprintf(out, size, "%s", r->pattern);
}

/* The same hostile requests against every data endpoint of the route table. */
static void per_route(struct catalog *c)
{
    static const char *const queries[] = {
        "bogus=1",                   /* a parameter the endpoint does not know */
        "format=xml",                /* a bad choice */
        "format=",                   /* an empty choice */
        "pretty=maybe",              /* not a boolean */
        "lang=fr",                   /* a language not offered */
        "format=json&format=json",   /* repeated */
        "lang=zh&lang=en",           /* repeated, different */
        "x=%ZZ",                     /* bad percent-encoding */
        "x=%4",                      /* truncated escape */
        "x=%",                       /* lone percent */
        "format=json%00csv",         /* NUL byte */
        "x=%0d%0aSet-Cookie:%20a=1", /* CR LF (header injection) */
        "x=%C0%AE%C0%AE",            /* overlong UTF-8 */
        "x=%ED%A0%80",               /* UTF-16 surrogate in UTF-8 */
        "%E2%80%AE=1",               /* a name that is not an identifier (RLO) */
        "=1",                        /* a value without a name */
        "a%00b=1",                   /* NUL in a name */
    };
    for (size_t k = 0; k < routes_count; k++) {
        char path[256], target[1024];
        sample_path(&routes[k], path, sizeof path);
        for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
            snprintf(target, sizeof target, "%s?%s", path, queries[q]);
            get(c, PROBLEM, target);
        }
        snprintf(target, sizeof target, "%s%%ZZ", path);
        get(c, PROBLEM, target);
        snprintf(target, sizeof target, "%s%%00", path);
        get(c, PROBLEM, target);
        snprintf(target, sizeof target, "%s%%C0%%AF", path);
        get(c, PROBLEM, target);
        snprintf(target, sizeof target, "%s/..%%2f..%%2f..%%2fetc%%2fpasswd", path);
        get(c, PROBLEM, target);
        snprintf(target, sizeof target, "%s?%s", path, "bogus=1");
        add_req(c, PROBLEM, "HEAD", target, NULL);
        add_req(c, PROBLEM, "POST", path, "Content-Length: 0\r\n");
        add_req(c, PROBLEM, "DELETE", path, NULL);
        add_msg(c, PROBLEM, "GET", path, "Content-Length: 4\r\n", "abcd");
        /* 33 parameters: more than a query may have */
        char *many = repeat("", "p%d=1", "&", 33, "");
        snprintf(target, sizeof target, "%s?%s", path, many);
        get(c, PROBLEM, target);
        free(many);
    }
}

static void encodings(struct catalog *c)
{
    static const char *const targets[] = {
        "/v1/series?indicator=%ZZ",
        "/v1/series?indicator=gdp%",
        "/v1/series?indicator=gdp%4",
        "/v1/series?indicator=gdp%%41",
        "/v1/regions/%G1",
        "/v1/indicators/%",
        "/%%%",
        "/v1/meta?%=1",
        "/v1/compare?indicators=gdp&regions=east%2",
        "/v1/series?indicator=gdp%00",
        "/v1/series?indicator=gdp&regions=east%00,west",
        "/v1/regions/east%00",
        "/v1/regions/east%00/profile",
        "/v1/indicators?q=%00",
        "/v1/indicators?q=%01",
        "/v1/indicators?q=%7f",
        "/v1/regions/%0a",
        "/v1/regions/%C0%AE%C0%AE",
        "/v1/indicators?q=%C0%AF",
        "/v1/indicators?q=%E0%80%AF",
        "/v1/indicators?q=%F0%80%80%AF",
        "/v1/indicators?q=%ED%A0%80",
        "/v1/indicators?q=%F4%90%80%80",
        "/v1/indicators?q=%FF",
        "/v1/indicators?q=%C3",
        "/v1/indicators?q=%80",
        "/v1/indicators/%C0%80",
        "/v1/series?indicator=gdp&regions=group:%C0%AE",
        "/v1/series?indicator=gdp&regions=children:%00",
    };
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
        get(c, PROBLEM, targets[k]);
    /* Raw bytes the client did not encode: the application decodes those too. */
    static const char overlong[] =
        "GET /v1/regions/\xC0\xAE\xC0\xAE HTTP/1.1\r\n" HOST_CLOSE "\r\n";
    add_raw(c, PROBLEM, overlong, sizeof overlong - 1, "GET /v1/regions/<raw C0 AE C0 AE>");
    static const char latin1[] = "GET /v1/indicators?q=\xE9t\xE9 HTTP/1.1\r\n" HOST_CLOSE "\r\n";
    add_raw(c, PROBLEM, latin1, sizeof latin1 - 1, "GET /v1/indicators?q=<raw Latin-1>");
    static const char ctl[] = "GET /v1/indicators?q=a\x01"
                              "b HTTP/1.1\r\n" HOST_CLOSE "\r\n";
    add_raw(c, PROBLEM, ctl, sizeof ctl - 1, "GET /v1/indicators?q=<raw 0x01>");
}

static void years_and_numbers(struct catalog *c)
{
    static const char *const targets[] = {
        "/v1/series?indicator=gdp&from=99999999999999999999",
        "/v1/series?indicator=gdp&from=-2019",
        "/v1/series?indicator=gdp&from=2019.5",
        "/v1/series?indicator=gdp&to=1e3",
        "/v1/series?indicator=gdp&from=0999",
        "/v1/series?indicator=gdp&from=+2019",
        "/v1/series?indicator=gdp&from=%202019",
        "/v1/series?indicator=gdp&from=2019%20",
        "/v1/series?indicator=gdp&from=0x7e3",
        "/v1/series?indicator=gdp&from=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%99", /* fullwidth */
        "/v1/series?indicator=gdp&year=10000",
        "/v1/series?indicator=gdp&year=-1",
        "/v1/series?indicator=gdp&year=2019.0",
        "/v1/series?indicator=gdp&year=LATEST",
        "/v1/series?indicator=gdp&year=",
        "/v1/series?indicator=gdp&from=2019&to=2018",
        "/v1/series?indicator=gdp&from=2019&year=2019",
        "/v1/series?indicator=gdp&year=latest&to=2000",
        "/v1/series?indicator=gdp&regions=beijing&transform=index&base=-1",
        "/v1/series?indicator=gdp&regions=beijing&transform=index&base=2019.5",
        "/v1/series?indicator=gdp&transform=",
        "/v1/compare?indicators=gdp&regions=east&year=2019&since=2019",
        "/v1/compare?indicators=gdp&regions=east&since=99999",
        "/v1/compare?indicators=gdp&regions=east&year=1",
        "/v1/regions/east/profile?year=1e4",
        "/v1/regions/east/profile?year=abc",
        "/v1/regions/east/profile?from=9999&to=1000",
        "/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces&from=2019&to=2019",
        "/v1/gaps/convergence?indicator=gdp_per_capita&regions=group:provinces&from=-5",
        "/v1/gaps/dispersion?indicator=gdp&year=0x7e3",
        "/v1/gaps/dispersion?indicator=gdp&epsilon=-1",
        "/v1/gaps/dispersion?indicator=gdp&epsilon=1e400",
        "/v1/gaps/dispersion?indicator=gdp&epsilon=nan",
        "/v1/gaps/dispersion?indicator=gdp&weights=everyone",
        "/v1/gaps/dispersion?indicator=gdp&cv=both",
        "/v1/gaps/dispersion?indicator=gdp&group_by=grandparent",
        "/v1/gaps/dispersion?indicator=gdp&measures=",
        "/v1/gaps/dispersion?indicator=gdp&measures=mean,,gini",
        "/v1/gaps/dispersion?indicator=gdp&measures=variance",
        "/v1/gaps/pairs?indicator=gdp&reference=east&target=nan",
        "/v1/gaps/pairs?indicator=gdp&reference=east&target=inf",
        "/v1/gaps/pairs?indicator=gdp&reference=east&target=1e999",
        "/v1/gaps/pairs?indicator=gdp&reference=east&target=0x10",
        "/v1/gaps/pairs?indicator=gdp&reference=east&target=-",
        "/v1/gaps/pairs?indicator=gdp&reference=",
        "/v1/gaps/pairs?indicator=gdp",
    };
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
        get(c, PROBLEM, targets[k]);
}

static void parameters_and_lists(struct catalog *c)
{
    static const char *const targets[] = {
        "/v1/series",
        "/v1/series?indicator=",
        "/v1/series?indicator",
        "/v1/series?indicator=gdp&indicator=gdp",
        "/v1/series?indicator=gdp&indicator=population",
        "/v1/series?indicator=gdp&regions=",
        "/v1/series?indicator=gdp&regions=,,,",
        "/v1/series?indicator=gdp&regions=east,,west",
        "/v1/series?indicator=gdp&regions=group:",
        "/v1/series?indicator=gdp&regions=children:",
        "/v1/series?indicator=gdp&regions=group:group:provinces",
        "/v1/series?indicator=gdp&regions=east:west",
        "/v1/series?indicator=gdp&regions=../etc",
        "/v1/series?indicator=gdp,population",
        "/v1/compare?indicators=,",
        "/v1/compare?indicators=gdp&regions=east&reference=east,west",
        "/v1/series?=gdp",
        "/v1/series?indicator=gdp&=",
        "/v1/series?indicator=gdp&a=1&a=2",
        "/v1/indicators?category=",
        "/v1/indicators?q=",
        "/v1/regions?kind=",
        "/v1/groups?kind=province",
        "/v1/sources?q=x",
        "/v1?x=1",
        "/v1/indicators/gdp?category=health",
        "/v1/regions/east?kind=province",
        "/v1/indicators/gdp_per_capita%20",
        "/v1/regions/%20east",
        "/v1/indicators/..%2Fmeta",
        "/v1/regions/..%2F..%2F",
        "/v1//meta",
        "/v1/meta//",
        "/V1/META",
        "/v1/regions//profile",
        "/v1/regions/east/profile/extra",
        "/v2/meta",
        "/nope",
        "/v1/openapi.yaml",
        "/v1/series?indicator=gdp&format=csv&format=json",
    };
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
        get(c, PROBLEM, targets[k]);

    char pad[301];
    memset(pad, 'a', 300);
    pad[300] = '\0';
    char target[512];
    snprintf(target, sizeof target, "/v1/indicators/%s", pad);
    get(c, PROBLEM, target);
    snprintf(target, sizeof target, "/v1/regions/%s/profile", pad);
    get(c, PROBLEM, target);

    /* Thousands of list items and parameters, inside the URL limit. */
    char *s = repeat("/v1/series?indicator=gdp&regions=", "east", ",", 1000, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/series?indicator=gdp&regions=", "group:provinces", ",", 300, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/compare?regions=east&indicators=", "gdp", ",", 1500, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/gaps/dispersion?indicator=gdp&measures=", "mean", ",", 1000, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/series?indicator=gdp&regions=", "", ",", 5000, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/series?indicator=gdp&", "p%d=1", "&", 40, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/series?", "indicator=gdp", "&", 500, "");
    get(c, PROBLEM, s);
    free(s);
    /* Longer than max_url_bytes (8192): the application's 414. */
    s = repeat("/v1/meta?q=", "a", "", 9000, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/healthz?", "a", "", 9000, "");
    get(c, PROBLEM, s);
    free(s);
    /* Thousands of query arguments: libmicrohttpd would parse them into its per-connection
     * pool, which ran out at ~1000 before the application was called (no answer at all). */
    s = repeat("/v1/meta?", "a%d=1", "&", 1000, "");
    get(c, PROBLEM, s);
    free(s);
    s = repeat("/v1/series?indicator=gdp&", "a", "&", 4000, "");
    get(c, PROBLEM, s);
    free(s);
    /* Far beyond the connection memory: libmicrohttpd answers (or closes) itself. */
    s = repeat("/v1/meta?q=", "a", "", 70000, "");
    get(c, REFUSED, s);
    free(s);
}

static void statics_and_system(struct catalog *c)
{
    static const char *const targets[] = {
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2E%2E/%2E%2E/CMakeLists.txt",
        "/static/%252e%252e/%252e%252e/etc/passwd",
        "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static/..%5c..%5c..%5cetc%5cpasswd",
        "/static/.%2e/.%2e/server/http.c",
        "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/static/%e0%80%ae%e0%80%ae/etc/passwd",
        "/static//etc/passwd",
        "/static/./index.html",
        "/static/index.html%00",
        "/static/index.html%00.png",
        "/static/INDEX.HTML",
        "/static/index.html;.js",
        "/static/index.html/..",
        "/static/vendor/../../../server/http.c",
        "/static/vendor/chart.min.js/../../index.html",
        "/static",
        "/static/",
        "/..%2f..%2fetc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/../../etc/passwd",
        "/.git/config",
        "/data/observations.csv",
        "/prosperity.db",
        "/healthz%00",
        "/healthz/..",
        "/readyz%ZZ",
        "/readyz/x",
        "/metrics%C0%AE",
        "/metrics/../v1",
        "/metrics.txt",
    };
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
        get(c, PROBLEM, targets[k]);
    static const char *const pages[] = {"/", "/static/index.html", "/healthz", "/readyz",
                                        "/metrics"};
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
        add_msg(c, PROBLEM, "POST", pages[k], "Content-Length: 2\r\n", "hi");
        add_req(c, PROBLEM, "PUT", pages[k], NULL);
        add_msg(c, PROBLEM, "GET", pages[k], "Content-Length: 3\r\n", "abc");
        add_msg(c, PROBLEM, "GET", pages[k], "Transfer-Encoding: chunked\r\n",
                "3\r\nabc\r\n0\r\n\r\n");
    }
    /* The page and the probes do not read the query: answered as without it, by design. */
    answers(get(c, EXACT, "/healthz?x=%ZZ"), 200, 0);
    answers(get(c, EXACT, "/readyz?%00"), 200, 0);
    answers(get(c, EXACT, "/metrics?bogus=1"), 200, 0);
    answers(get(c, EXACT, "/static/index.html?x=%ZZ"), 200, 0);
    answers(get(c, EXACT, "/?%C0%AE"), 200, 0);
}

static void methods(struct catalog *c)
{
    static const char *const names[] = {
        "POST", "PUT", "DELETE", "PATCH", "TRACE",    "PROPFIND", "FOO",
        "get",  "Get", "HEADX",  "GETT",  "OPTIONSX", "M-SEARCH", "BREW",
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        add_req(c, PROBLEM, names[k], "/v1/meta", NULL);
    char *m = repeat("", "G", "", 5000, "");
    add_req(c, PROBLEM, m, "/v1/meta", NULL);
    free(m);
    add_req(c, PROBLEM, "CONNECT", "127.0.0.1:80", NULL);
    add_req(c, PROBLEM, "OPTIONS", "*", NULL);
    add_req(c, PROBLEM, "OPTIONS", "/nope", NULL);
    add_req(c, PROBLEM, "OPTIONS", "/v1/regions/%ZZ", NULL);
    add_req(c, PROBLEM, "GET", "http://127.0.0.1/v1/meta", NULL);
    add_req(c, PROBLEM, "GET", "v1/meta", NULL);
    add_req(c, PROBLEM, "GET", "?x=1", NULL);
    add_req(c, PROBLEM, "HEAD", "/v1/series?indicator=nope", NULL);
    /* Errors stay problem+json whatever the client asks for. */
    add_req(c, PROBLEM, "GET", "/v1/series?indicator=nope", "Accept: text/csv\r\n");
    add_req(c, PROBLEM, "GET", "/v1/series?indicator=nope", "Accept-Encoding: gzip\r\n");
    add_req(c, PROBLEM, "GET", "/v1/series?indicator=nope", "If-None-Match: *\r\n");
    add_req(c, PROBLEM, "GET", "/v1/series?indicator=nope", "Origin: null\r\n");
}

static void headers(struct catalog *c)
{
    char *big = repeat("X-Pad: ", "a", "", 20000, "\r\n");
    add_req(c, PROBLEM, "GET", "/v1/meta", big); /* over max_header_bytes: the app's 431 */
    /* both just over the application's limits: the connection memory holds them together */
    char *long_url = repeat("/v1/meta?q=", "a", "", 8200, "");
    add_req(c, PROBLEM, "GET", long_url, big);
    free(long_url);
    free(big);
    big = repeat("X-Pad: ", "a", "", 100000, "\r\n");
    add_req(c, REFUSED, "GET", "/v1/meta", big); /* over the connection memory */
    free(big);
    big = repeat("", "X-A%d: 1", "\r\n", 3000, "\r\n");
    add_req(c, REFUSED, "GET", "/v1/meta", big);
    free(big);
    big = repeat("", "X-A%d: 1", "\r\n", 1500, "\r\n");
    add_req(c, REFUSED, "GET", "/v1/meta", big);
    free(big);
    /* answered, with a request id of the server's own */
    struct item *it = add_req(c, EXACT, "GET", "/v1/meta", "X-Request-Id: abc<script>\"\r\n");
    answers(it, 200, 0)->check_id = 1;
    it = add_req(c, EXACT, "GET", "/v1/meta", "X-Request-Id: ../../etc/passwd\r\n");
    answers(it, 200, 0)->check_id = 1;
}

static struct item *raw_text(struct catalog *c, enum expect e, const char *text, const char *what)
{
    return add_raw(c, e, text, strlen(text), "%s", what);
}

static void malformed(struct catalog *c)
{
    raw_text(c, REFUSED, "garbage\r\n\r\n", "garbage request line");
    raw_text(c, REFUSED, "GET /v1/meta\r\n\r\n", "no HTTP version (HTTP/0.9 style)");
    raw_text(c, REFUSED, "GET\r\n\r\n", "method only");
    raw_text(c, REFUSED, "\r\n\r\n\r\n\r\n", "empty lines")->slow = 1;
    raw_text(c, REFUSED, "GET\t/v1/meta\tHTTP/1.1\r\n" HOST_CLOSE "\r\n",
             "tabs in the request line");
    raw_text(c, REFUSED, "GET /v1/meta HTTP/1.1 extra\r\n" HOST_CLOSE "\r\n",
             "four words in the request line");
    raw_text(c, REFUSED, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Bad Header Line\r\n\r\n",
             "header line without a colon");
    /* libmicrohttpd 0.9.75 ends the header section at a line with an empty name, before the
     * application sees any header: the lines before it make the request (answered), the lines
     * after it are read as the next request on the connection. The application cannot tell
     * (the line never reaches it), so the items record that exact behaviour: a change fails. */
    struct item *it = raw_text(c, EXACT,
                               "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n: no name\r\n"
                               "Connection: close\r\n\r\n",
                               "header without a name: the request ends there (200), the rest "
                               "is a second, malformed request (libmicrohttpd's 400)");
    answers(it, 200, 400)->flags |= RAW_UNTIL_CLOSE;
    it = raw_text(c, EXACT,
                  "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\n: x\r\nGET /v1/nope HTTP/1.1\r\n"
                  "Host: 127.0.0.1\r\nConnection: close\r\n\r\n",
                  "header without a name before a request line: both answered (200, then the "
                  "application's 404); a proxy in front must drop such lines (nginx does)");
    answers(it, 200, 404)->flags |= RAW_UNTIL_CLOSE;
    raw_text(c, REFUSED, "HTTP/1.1 200 OK\r\n" HOST_CLOSE "\r\n", "a response as a request");
    raw_text(c, REFUSED, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: -1\r\n\r\n",
             "negative Content-Length");
    raw_text(c, REFUSED, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: 1e3\r\n\r\n",
             "Content-Length 1e3");
    raw_text(c, REFUSED, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: abc\r\n\r\n",
             "Content-Length abc");
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: 99999999999999999999\r\n\r\n",
             "absurd Content-Length");
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: 18446744073709551615\r\n\r\n",
             "Content-Length 2^64-1 (waits for the body)")
        ->slow = 1;
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Content-Length: 5\r\nContent-Length: 6\r\n"
             "\r\nhello!",
             "two different Content-Length");
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
             "chunked body with a bad chunk size");
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE
             "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
             "chunk size beyond 2^64");
    raw_text(c, REFUSED,
             "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Expect: 100-continue\r\nContent-Length: 5"
             "\r\n\r\nhello",
             "Expect: 100-continue with a body");
    /* Request smuggling: both framings; the second request hides in the body. */
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/smuggled HTTP/1.1\r\n"
                  "Host: 127.0.0.1\r\nConnection: close\r\n\r\n",
                  "smuggling: Content-Length + Transfer-Encoding (CL.TE)");
    it->flags |= RAW_UNTIL_CLOSE;
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Length: 40\r\n\r\n0\r\n\r\nGET /v1/smuggled HTTP/1.1\r\n"
                  "Host: 127.0.0.1\r\nConnection: close\r\n\r\n",
                  "smuggling: Transfer-Encoding + Content-Length (TE.CL)");
    it->flags |= RAW_UNTIL_CLOSE;
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                  "Content-Length: 44\r\n\r\nGET /v1/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Connection: close\r\n\r\n",
                  "smuggling: two Content-Length (0 then 44)");
    it->flags |= RAW_UNTIL_CLOSE;
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Transfer-Encoding: gzip, chunked\r\n\r\n"
                  "0\r\n\r\n",
                  "Transfer-Encoding gzip, chunked");
    it->slow = 1;
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Transfer-Encoding: xchunked\r\n\r\n",
                  "unknown Transfer-Encoding");
    it->slow = 1;
    it = raw_text(c, REFUSED,
                  "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Transfer-Encoding:\tchunked\r\n"
                  "Content-Length: 3\r\n\r\n0\r\n\r\n",
                  "Transfer-Encoding with a tab + Content-Length");
    /* What libmicrohttpd 0.9.75 makes of these, exactly: the application never sees the
     * difference (RFC 9112 tolerates bare LF; obs-fold is joined with spaces; a target or
     * value ends at a NUL; HTTP/1.2 is answered as the highest 1.x, RFC 9110 2.5), or the
     * library answers 400 itself in its strict mode. */
    static const char nul_line[] = "GET /v1/\0meta HTTP/1.1\r\n" HOST_CLOSE "\r\n";
    it = add_raw(c, EXACT, nul_line, sizeof nul_line - 1,
                 "raw NUL byte in the request line: the target ends there (GET /v1/)");
    answers(it, 200, 0);
    static const char nul_hdr[] = "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "X-A: a\0b\r\n\r\n";
    answers(add_raw(c, EXACT, nul_hdr, sizeof nul_hdr - 1, "raw NUL byte in a header value"), 200,
            0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.1\r\nHost : x\r\nConnection: close\r\n\r\n",
                     "space before the colon of a header name (the library's 400)"),
            400, 0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "X-Fold: a\r\n b\r\n\r\n",
                     "obsolete line folding"),
            200, 0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.1\nHost: x\nConnection: close\n\n",
                     "bare LF lines"),
            200, 0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.1\r\n\xff\xfe: x\r\n" HOST_CLOSE "\r\n",
                     "non-ASCII header name (an unknown header, ignored)"),
            200, 0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.1\r\nConnection: close\r\n\r\n",
                     "HTTP/1.1 without Host (the library's 400)"),
            400, 0);
    answers(raw_text(c, EXACT, "GET /v1/meta HTTP/1.2\r\n" HOST_CLOSE "\r\n", "HTTP/1.2"), 200, 0);
    /* RFC 9112 3.2: more than one Host line is a 400; the library takes the first, we refuse */
    raw_text(c, PROBLEM, "GET /v1/meta HTTP/1.1\r\n" HOST_CLOSE "Host: other\r\n\r\n",
             "two Host headers");
    static const char *const versions[] = {"HTTP/0.9", "HTTP/2.0", "HTTP/9.9", "HTTP/1.10",
                                           "http/1.1", "HTTP/1",   "HTTP/-1.1"};
    for (size_t k = 0; k < sizeof versions / sizeof versions[0]; k++) {
        char buf[256];
        snprintf(buf, sizeof buf, "GET /v1/meta %s\r\n" HOST_CLOSE "\r\n", versions[k]);
        it = raw_text(c, REFUSED, buf, buf);
        snprintf(it->what, sizeof it->what, "version %s", versions[k]);
        it->allow_505 = 1;
    }
    it = raw_text(c, REFUSED, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/2 connection preface");
    it->allow_505 = 1;
    static const char tls[] = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"
                              "0123456789abcdef0123456789abcdef";
    it = add_raw(c, REFUSED, tls, sizeof tls - 1, "TLS ClientHello on the plain port");
    it->slow = 1;
}

static struct catalog build_catalog(void)
{
    struct catalog c = {0};
    per_route(&c);
    encodings(&c);
    years_and_numbers(&c);
    parameters_and_lists(&c);
    statics_and_system(&c);
    methods(&c);
    headers(&c);
    malformed(&c);
    return c;
}

static void catalog_free(struct catalog *c)
{
    for (size_t k = 0; k < c->n; k++)
        free(c->items[k].req);
    free(c->items);
}

/* "" when R is what IT must get, else why not (in WHY). */
static const char *judge(const struct item *it, const struct raw_reply *r, char *why, size_t n)
{
    why[0] = '\0';
    if (r->status >= 500 && !(it->allow_505 && r->status == 505)) {
        snprintf(why, n, "got %d", r->status);
        return why;
    }
    if (r->status == 0 && !r->closed) {
        snprintf(why, n, "no answer and the connection still open (timed out)");
        return why;
    }
    if (it->check_id && (strchr(r->request_id, '<') || strchr(r->request_id, '/'))) {
        snprintf(why, n, "X-Request-Id echoed as '%s'", r->request_id);
        return why;
    }
    if (it->expect == EXACT) {
        int want = 0;
        while (it->exact[want])
            want++;
        int same = r->answers == want && (r->closed || !(it->flags & RAW_UNTIL_CLOSE));
        for (int k = 0; same && k < want; k++)
            same = r->statuses[k] == it->exact[k];
        if (!same)
            snprintf(why, n, "%d answers (first %d, last %d, %s), not the %d recorded (first %d)",
                     r->answers, r->statuses[0], r->status, r->closed ? "closed" : "open", want,
                     it->exact[0]);
        return why;
    }
    if (it->flags & RAW_UNTIL_CLOSE && r->answers > 1) {
        snprintf(why, n, "%d answers on one connection (the hidden request was answered)",
                 r->answers);
        return why;
    }
    switch (it->expect) {
    case EXACT:
        return why;
    case REFUSED:
        if ((r->status >= 400 && r->status < 500) || (r->status == 0 && r->closed) ||
            (it->allow_505 && r->status == 505))
            return why;
        snprintf(why, n, "got %d, not a 4xx or a close", r->status);
        return why;
    case PROBLEM:
        break;
    }
    if (r->status < 400 || r->status >= 500) {
        snprintf(why, n, "got %d, not a 4xx", r->status);
        return why;
    }
    if (strcmp(r->content_type, "application/problem+json") != 0) {
        snprintf(why, n, "%d as '%s', not application/problem+json", r->status, r->content_type);
        return why;
    }
    if (strcmp(r->cors, "*") != 0) {
        snprintf(why, n, "%d without Access-Control-Allow-Origin", r->status);
        return why;
    }
    if (it->flags & RAW_NO_BODY)
        return why;
    json_error_t je;
    json_t *j = json_loadb(r->body, r->body_len, 0, &je);
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!json_is_object(j) || json_integer_value(json_object_get(j, "status")) != r->status ||
        !json_is_string(json_object_get(j, "code")) ||
        !json_is_string(json_object_get(j, "title")) || !type ||
        strncmp(type, "urn:prosperity:problem:", 23) != 0)
        snprintf(why, n, "%d with a bad problem body: %.200s", r->status, r->body);
    json_decref(j);
    return why;
}

/* Sends the catalog once; the first pass (VERBOSE) also sends the slow items and prints every
 * answer. Failures are appended to FAILURES. */
static void send_catalog(const struct tu_server *srv, const struct catalog *c, int verbose,
                         struct buf *failures)
{
    for (size_t k = 0; k < c->n; k++) {
        const struct item *it = &c->items[k];
        if (it->slow && !verbose)
            continue;
        struct raw_reply r;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert_int_eq(
            raw_exchange(srv->port, it->req, it->len, it->flags, it->slow ? 8000 : 5000, &r), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms > 500)
            printf("    slow: %ld ms for %s\n", ms, it->what);
        char why[512];
        judge(it, &r, why, sizeof why);
        if (verbose)
            printf("hostile %3zu: %-7s %3d %-24.24s %s%s%s\n", k,
                   it->expect == PROBLEM   ? "problem"
                   : it->expect == REFUSED ? "refused"
                                           : "exact",
                   r.status, r.closed && !r.status ? "(closed)" : r.content_type, it->what,
                   why[0] ? " -- BAD: " : "", why);
        if (why[0])
            buf_printf(failures, "  %s: %s\n", it->what, why);
        raw_reply_free(&r);
    }
    fflush(stdout);
}

/* 1 when the server runs under a memory checker that keeps freed blocks (valgrind with
 * --trace-children=yes runs it as memcheck-ARCH-linux): resident memory is then the tool's. */
static int server_under_tool(int pid)
{
    char link[64], exe[512];
    snprintf(link, sizeof link, "/proc/%d/exe", pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    return strcmp(base ? base + 1 : exe, "prosperity") != 0;
}

/* 1 while the server runs; a dead one is reaped (and forgotten). */
static int alive(struct tu_server *srv)
{
    int status;
    if (srv->pid > 0 && waitpid(srv->pid, &status, WNOHANG) == 0)
        return 1;
    srv->pid = 0;
    return 0;
}

START_TEST(test_hostile_catalog)
{
    struct tu_server srv;
    const char *extra[] = {"--connection-timeout", CONNECTION_TIMEOUT, NULL};
    ck_assert_int_eq(tu_server_start(&srv, extra), 0);
    struct catalog c = build_catalog();
    size_t strict = 0;
    for (size_t k = 0; k < c.n; k++)
        strict += c.items[k].expect != EXACT;
    printf("hostile: %zu requests (%zu must be refused with a 4xx or a close, the other %zu get "
           "exactly the answers recorded)\n",
           c.n, strict, c.n - strict);

    /* Everything is measured first and judged after the server is stopped, so that a failure
     * never leaves a server behind. */
    struct buf failures = BUF_INIT;
    send_catalog(&srv, &c, 1, &failures);
    int alive_first = alive(&srv);
    long before = alive_first ? raw_rss_kib(srv.pid) : -1, after = -1;
    for (int pass = 0; alive_first && pass < 5; pass++)
        send_catalog(&srv, &c, 0, &failures);
    int alive_after = alive_first && alive(&srv);
    if (alive_after)
        after = raw_rss_kib(srv.pid);
    int judge_memory = !UNDER_ASAN && alive_after && !server_under_tool(srv.pid);
    printf("hostile: VmRSS %ld KiB after the first pass, %ld KiB after five more (%+ld KiB)%s\n",
           before, after, after - before,
           judge_memory ? ""
                        : "; not judged under AddressSanitizer or valgrind, whose "
                          "quarantine keeps freed memory");
    fflush(stdout);

    /* Still ready, and still right. */
    struct tu_response r = {0};
    long ready = alive_after && tu_http(&srv, "GET", "/readyz", NULL, &r) == 0 ? r.status : 0;
    tu_response_free(&r);
    long status = 0;
    json_t *j = alive_after ? tu_get_json(&srv,
                                          "/v1/series?indicator=hospital_beds_per_1000&"
                                          "regions=rural&year=2019",
                                          &status)
                            : NULL;
    double value = tu_num(j, "series.0.observations.0.value");
    json_decref(j);
    int exit_status = tu_server_stop(&srv, SIGTERM);
    catalog_free(&c);

    ck_assert_uint_ge(strict, 100);
    ck_assert_msg(alive_first, "the server died during the catalog; see %s", srv.log);
    ck_assert_msg(alive_after, "the server died during the repeats; see %s", srv.log);
    ck_assert_msg(failures.len == 0, "bad answers:\n%s", failures.data);
    buf_free(&failures);
    ck_assert_int_gt(before, 0);
    if (judge_memory)
        ck_assert_msg(after - before <= RSS_GROWTH_LIMIT_KIB,
                      "resident memory grew by %ld KiB over five passes", after - before);
    ck_assert_int_eq(ready, 200);
    ck_assert_int_eq(status, 200);
    ck_assert_double_eq(value, 4.8);
    ck_assert_msg(exit_status == 0, "the server exited with %d; see %s", exit_status, srv.log);
    tu_rmrf(srv.dir);
}
END_TEST

/* Every data endpoint of the route table is in the catalog. */
START_TEST(test_hostile_covers_every_route)
{
    struct catalog c = build_catalog();
    for (size_t k = 0; k < routes_count; k++) {
        char path[256];
        sample_path(&routes[k], path, sizeof path);
        size_t hits = 0;
        for (size_t i = 0; i < c.n; i++) {
            const char *t = strchr(c.items[i].req, ' ');
            size_t n = strlen(path);
            if (t && strncmp(t + 1, path, n) == 0 && (t[1 + n] == '?' || t[1 + n] == ' '))
                hits++;
        }
        ck_assert_msg(hits >= 10, "%s is in only %zu hostile requests", routes[k].pattern, hits);
    }
    catalog_free(&c);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("catalog");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_hostile_covers_every_route);
    tcase_add_test(tc, test_hostile_catalog);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(hostile_suite());
}
