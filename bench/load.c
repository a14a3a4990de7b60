/* bench/load.c — prosperity_load: a small closed-loop HTTP/1.1 load generator for the case wrk
 * cannot measure, a 304 that carries Content-Length (wrk's http-parser then waits for a body
 * that RFC 9110 §6.4.1 says a 304 never has, so wrk reads 0 req/s; see bench/README.md).
 *
 *   prosperity_load [-c CONNECTIONS] [-d SECONDS] [-H "Name: value"]... [--timeout S] URL
 *
 * URL is http://HOST:PORT/PATH?QUERY. Like `wrk -t1`: one thread, CONNECTIONS keep-alive
 * connections (default 50) each with one request in flight, for SECONDS (default 8), driven by
 * epoll. A response ends after its headers when its status is 1xx, 204 or 304 (no body
 * whatever Content-Length says), else after Content-Length bytes; a chunked body is not
 * supported and counts as a read error. Every latency (request written -> response complete)
 * is kept, so the percentiles are exact.
 *
 * Prints one line for people on stderr and on stdout the line bench/run parses, in the shape
 * of its wrk Lua hook plus the status counts:
 *   WRKJSON {"requests":N,"duration_us":..,"bytes":..,"rps":..,...,"status_304":N,...}
 * err_status counts statuses of 400 and up, as wrk does. Exit status 0 when at least one
 * response was read. Only standard C and Linux (epoll). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS_BYTES 16384
#define MAX_EXTRA_HEADERS 16

struct conn {
    int fd;
    int connecting;
    size_t wpos;    /* bytes of the request written */
    double started; /* when the request's first byte was written (s) */
    char head[MAX_HEADERS_BYTES];
    size_t head_len; /* bytes of the response head so far */
    int in_body;     /* the head is complete */
    unsigned long long body_left;
    int status;
    int close_after; /* the server said Connection: close */
};

struct stats {
    unsigned long long requests, bytes;
    unsigned long long err_connect, err_read, err_write, err_status, err_timeout;
    unsigned long long s2xx, s304, s3xx_other, s4xx, s5xx, s_other;
    uint32_t *lat; /* µs per completed request */
    size_t nlat, cap;
};

static struct addrinfo *g_addr;
static char *g_request;
static size_t g_request_len;
static int g_epoll;
static double g_timeout = 5.0;
static struct stats g_st;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void keep_latency(double seconds)
{
    if (g_st.nlat == g_st.cap) {
        size_t cap = g_st.cap ? g_st.cap * 2 : 65536;
        uint32_t *p = realloc(g_st.lat, cap * sizeof *p);
        if (!p)
            return; /* the count still grows; only this latency is lost */
        g_st.lat = p;
        g_st.cap = cap;
    }
    double us = seconds * 1e6;
    g_st.lat[g_st.nlat++] = us > 4e9 ? UINT32_MAX : (uint32_t)us;
}

static void count_status(int status)
{
    if (status >= 200 && status < 300)
        g_st.s2xx++;
    else if (status == 304)
        g_st.s304++;
    else if (status >= 300 && status < 400)
        g_st.s3xx_other++;
    else if (status >= 400 && status < 500)
        g_st.s4xx++;
    else if (status >= 500 && status < 600)
        g_st.s5xx++;
    else
        g_st.s_other++;
    if (status >= 400)
        g_st.err_status++;
}

/* Opens C's socket and starts a non-blocking connect: 0, or -1 (counted). */
static int conn_open(struct conn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(g_addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        g_st.err_connect++;
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, g_addr->ai_addr, g_addr->ai_addrlen) != 0 && errno != EINPROGRESS) {
        g_st.err_connect++;
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->connecting = 1;
    c->started = now();
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        g_st.err_connect++;
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(g_epoll, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
}

static void conn_reopen(struct conn *c)
{
    conn_close(c);
    conn_open(c);
}

static void want(struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(g_epoll, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what is left of the request: 0 (all written, or waiting for EPOLLOUT), -1 on error. */
static int conn_write(struct conn *c)
{
    if (c->wpos == 0) {
        c->started = now();
        c->head_len = 0;
        c->in_body = 0;
        c->body_left = 0;
        c->status = 0;
        c->close_after = 0;
    }
    while (c->wpos < g_request_len) {
        ssize_t n = send(c->fd, g_request + c->wpos, g_request_len - c->wpos, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want(c, EPOLLOUT);
            return 0;
        }
        if (n <= 0) {
            g_st.err_write++;
            return -1;
        }
        c->wpos += (size_t)n;
    }
    want(c, EPOLLIN);
    return 0;
}

/* The value of header NAME (lower case) in C's head, copied into OUT (SIZE bytes), or 0. */
static int head_value(const struct conn *c, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    const char *p = memchr(c->head, '\n', c->head_len);
    const char *end = c->head + c->head_len;
    while (p && p + 1 < end) {
        const char *line = p + 1;
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            size_t len = (size_t)(eol - v);
            while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
                len--;
            if (len >= size)
                len = size - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
        p = eol;
    }
    return 0;
}

/* The head is complete (C->head_len bytes, ending in CRLF CRLF): status and body length.
 * 0, or -1 when the response cannot be read (no status, chunked, no length). */
static int head_done(struct conn *c)
{
    char v[64];
    if (c->head_len < 12 || strncmp(c->head, "HTTP/1.", 7) != 0)
        return -1;
    /* "HTTP/1.x NNN ": exactly three digits, else the response cannot be read */
    const char *st = c->head + 9;
    if (c->head[8] != ' ' || !isdigit((unsigned char)st[0]) || !isdigit((unsigned char)st[1]) ||
        !isdigit((unsigned char)st[2]) || isdigit((unsigned char)st[3]))
        return -1;
    c->status = (st[0] - '0') * 100 + (st[1] - '0') * 10 + (st[2] - '0');
    if (head_value(c, "connection", v, sizeof v) && strcasecmp(v, "close") == 0)
        c->close_after = 1;
    /* RFC 9110 §6.4.1: 1xx, 204 and 304 end with their head, whatever Content-Length says. */
    if (c->status < 200 || c->status == 204 || c->status == 304) {
        c->body_left = 0;
        return 0;
    }
    if (head_value(c, "transfer-encoding", v, sizeof v))
        return -1;
    if (!head_value(c, "content-length", v, sizeof v))
        return -1;
    c->body_left = strtoull(v, NULL, 10);
    return 0;
}

/* Feeds N bytes read on C: 1 when the response is complete, 0 for more, -1 on error. */
static int conn_feed(struct conn *c, const char *data, size_t n)
{
    if (!c->in_body) {
        size_t room = sizeof c->head - c->head_len, take = n < room ? n : room;
        size_t from = c->head_len > 3 ? c->head_len - 3 : 0; /* CRLF CRLF may straddle reads */
        memcpy(c->head + c->head_len, data, take);
        c->head_len += take;
        const char *e = memmem(c->head + from, c->head_len - from, "\r\n\r\n", 4);
        if (!e)
            return c->head_len == sizeof c->head ? -1 : 0;
        size_t used = (size_t)(e + 4 - c->head) - (c->head_len - take); /* of DATA */
        c->head_len = (size_t)(e + 4 - c->head);
        if (head_done(c) != 0)
            return -1;
        c->in_body = 1;
        data += used;
        n -= used;
    }
    if (n > c->body_left)
        return -1; /* bytes past the end: nothing was asked for them */
    c->body_left -= n;
    return c->body_left == 0;
}

static void on_complete(struct conn *c, double t)
{
    g_st.requests++;
    count_status(c->status);
    keep_latency(t - c->started);
    c->wpos = 0;
    if (c->close_after)
        conn_reopen(c);
    if (c->fd >= 0 && !c->connecting && conn_write(c) != 0)
        conn_reopen(c);
}

static void on_event(struct conn *c, uint32_t events)
{
    if (c->connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if ((events & (EPOLLERR | EPOLLHUP)) ||
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            g_st.err_connect++;
            conn_reopen(c);
            return;
        }
        c->connecting = 0;
        c->wpos = 0;
        if (conn_write(c) != 0)
            conn_reopen(c);
        return;
    }
    if (c->wpos < g_request_len) {
        if (conn_write(c) != 0)
            conn_reopen(c);
        return;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) { /* closed or reset with a request in flight */
            g_st.err_read++;
            conn_reopen(c);
            return;
        }
        g_st.bytes += (unsigned long long)n;
        int r = conn_feed(c, buf, (size_t)n);
        if (r < 0) {
            g_st.err_read++;
            conn_reopen(c);
            return;
        }
        if (r == 1) {
            on_complete(c, now());
            return;
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint32_t percentile(double p)
{
    if (!g_st.nlat)
        return 0;
    size_t k = (size_t)ceil(p / 100.0 * (double)g_st.nlat);
    if (k < 1)
        k = 1;
    if (k > g_st.nlat)
        k = g_st.nlat;
    return g_st.lat[k - 1];
}

static void report(double elapsed)
{
    double mean = 0, var = 0;
    if (g_st.nlat)
        qsort(g_st.lat, g_st.nlat, sizeof *g_st.lat, cmp_u32);
    for (size_t k = 0; k < g_st.nlat; k++)
        mean += g_st.lat[k];
    mean = g_st.nlat ? mean / (double)g_st.nlat : 0;
    for (size_t k = 0; k < g_st.nlat; k++)
        var += ((double)g_st.lat[k] - mean) * ((double)g_st.lat[k] - mean);
    double sd = g_st.nlat > 1 ? sqrt(var / (double)(g_st.nlat - 1)) : 0;
    double rps = (double)g_st.requests / elapsed;
    fprintf(stderr,
            "prosperity_load: %llu responses in %.2f s, %.0f req/s (2xx %llu, 304 %llu, other 3xx "
            "%llu, 4xx %llu, 5xx %llu), p50 %.2f ms, p99 %.2f ms; errors connect %llu read %llu "
            "write %llu timeout %llu\n",
            g_st.requests, elapsed, rps, g_st.s2xx, g_st.s304, g_st.s3xx_other, g_st.s4xx,
            g_st.s5xx, percentile(50) / 1000.0, percentile(99) / 1000.0, g_st.err_connect,
            g_st.err_read, g_st.err_write, g_st.err_timeout);
    printf("WRKJSON {\"requests\":%llu,\"duration_us\":%.0f,\"bytes\":%llu,\"rps\":%.1f,"
           "\"mbps\":%.2f,\"lat_mean_us\":%.1f,\"lat_stdev_us\":%.1f,\"p50_us\":%u,\"p75_us\":%u,"
           "\"p90_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,\"err_connect\":%llu,"
           "\"err_read\":%llu,\"err_write\":%llu,\"err_status\":%llu,\"err_timeout\":%llu,"
           "\"status_2xx\":%llu,\"status_304\":%llu,\"status_3xx_other\":%llu,"
           "\"status_4xx\":%llu,\"status_5xx\":%llu,\"client\":\"prosperity_load\"}\n",
           g_st.requests, elapsed * 1e6, g_st.bytes, rps, (double)g_st.bytes / elapsed / 1e6, mean,
           sd, percentile(50), percentile(75), percentile(90), percentile(99), percentile(99.9),
           g_st.nlat ? g_st.lat[g_st.nlat - 1] : 0, g_st.err_connect, g_st.err_read, g_st.err_write,
           g_st.err_status, g_st.err_timeout, g_st.s2xx, g_st.s304, g_st.s3xx_other, g_st.s4xx,
           g_st.s5xx);
}

static void usage(void)
{
    fprintf(stderr, "usage: prosperity_load [-c CONNECTIONS] [-d SECONDS] [-H \"Name: value\"]... "
                    "[--timeout S] http://HOST:PORT/PATH\n");
}

/* Splits http://HOST:PORT/PATH into its parts (HOST, PORT and PATH new strings): 0, or -1. */
static int split_url(const char *url, char **host, char **port, char **path)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7, *slash = strchr(h, '/');
    const char *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(end - h));
    *host = strndup(h, (size_t)((colon ? colon : end) - h));
    *port = colon ? strndup(colon + 1, (size_t)(end - colon - 1)) : strdup("80");
    *path = strdup(slash ? slash : "/");
    return *host && *port && *path && **host ? 0 : -1;
}

/* TEXT as a whole number (1 to 100000) or positive finite number into *OUT: 0, or -1. */
static int whole_arg(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > 100000)
        return -1;
    *out = (int)v;
    return 0;
}

static int positive_arg(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v > 0) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    int nconn = 50;
    double seconds = 8;
    const char *headers[MAX_EXTRA_HEADERS];
    int nheaders = 0;
    const char *url = NULL;
    for (int i = 1; i < argc; i++) {
        int bad = 0;
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            bad = whole_arg(argv[++i], &nconn);
        else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
            bad = positive_arg(argv[++i], &seconds);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            bad = positive_arg(argv[++i], &g_timeout);
        else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc && nheaders < MAX_EXTRA_HEADERS)
            headers[nheaders++] = argv[++i];
        else if (argv[i][0] != '-' && !url)
            url = argv[i];
        else
            bad = 1;
        if (bad) {
            usage();
            return 2;
        }
    }
    char *host = NULL, *port = NULL, *path = NULL;
    if (!url || nconn < 1 || seconds <= 0 || g_timeout <= 0 ||
        split_url(url, &host, &port, &path) != 0) {
        usage();
        return 2;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(host, port, &hints, &g_addr);
    if (gai != 0) {
        fprintf(stderr, "prosperity_load: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 1;
    }
    size_t cap = strlen(path) + strlen(host) + strlen(port) + 64;
    for (int k = 0; k < nheaders; k++)
        cap += strlen(headers[k]) + 2;
    g_request = malloc(cap);
    struct conn *conns = calloc((size_t)nconn, sizeof *conns);
    g_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (!g_request || !conns || g_epoll < 0) {
        fprintf(stderr, "prosperity_load: out of memory\n");
        return 1;
    }
    int len = snprintf(g_request, cap, "GET %s HTTP/1.1\r\nHost: %s:%s\r\n", path, host, port);
    for (int k = 0; k < nheaders; k++)
        len += snprintf(g_request + len, cap - (size_t)len, "%s\r\n", headers[k]);
    len += snprintf(g_request + len, cap - (size_t)len, "\r\n");
    g_request_len = (size_t)len;

    double t0 = now(), end = t0 + seconds, last_check = t0;
    for (int k = 0; k < nconn; k++)
        conn_open(&conns[k]);
    struct epoll_event evs[256];
    for (;;) {
        double t = now();
        if (t >= end)
            break;
        int ms = (int)((end - t) * 1000) + 1;
        int n = epoll_wait(g_epoll, evs, 256, ms < 100 ? ms : 100);
        if (n < 0 && errno != EINTR)
            break;
        for (int k = 0; k < n; k++)
            on_event(evs[k].data.ptr, evs[k].events);
        t = now();
        if (t - last_check > 0.1) { /* a request (or connect) older than --timeout is lost */
            last_check = t;
            for (int k = 0; k < nconn; k++) {
                struct conn *c = &conns[k];
                if (c->fd < 0)
                    conn_open(c);
                else if (t - c->started > g_timeout) {
                    g_st.err_timeout++;
                    conn_reopen(c);
                }
            }
        }
    }
    double elapsed = now() - t0;
    for (int k = 0; k < nconn; k++)
        conn_close(&conns[k]);
    report(elapsed);
    freeaddrinfo(g_addr);
    free(conns);
    free(g_request);
    free(g_st.lat);
    free(host);
    free(port);
    free(path);
    close(g_epoll);
    return g_st.requests > 0 ? 0 : 1;
}
