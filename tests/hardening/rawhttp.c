/* tests/hardening/rawhttp.c — a deliberately small HTTP/1.1 client over a plain socket. */
#include "rawhttp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* The value of header NAME in the head [H, H+N), copied into OUT. */
static void header_value(const char *h, size_t n, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *p = h; p < h + n;) {
        const char *eol = memchr(p, '\n', (size_t)(h + n - p));
        size_t len = eol ? (size_t)(eol - p) : (size_t)(h + n - p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            while (vl && (*v == ' ' || *v == '\t')) {
                v++;
                vl--;
            }
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            snprintf(out, size, "%.*s", (int)vl, v);
            return;
        }
        if (!eol)
            break;
        p = eol + 1;
    }
}

/* Parses the answers in R->data; returns 1 when the last final answer is complete. */
static int parse(struct raw_reply *r, int no_body)
{
    size_t pos = 0;
    int complete = 0;
    r->answers = 0;
    while (pos < r->len) {
        char *end = strstr(r->data + pos, "\r\n\r\n");
        if (!end || strncmp(r->data + pos, "HTTP/", 5) != 0)
            return 0;
        size_t head_len = (size_t)(end - (r->data + pos)) + 4;
        const char *sp = memchr(r->data + pos, ' ', head_len);
        int status = sp ? (int)strtol(sp + 1, NULL, 10) : 0;
        char cl[32];
        header_value(r->data + pos, head_len, "Content-Length", cl, sizeof cl);
        size_t body_len = no_body || status == 204 || status == 304 || status < 200
                              ? 0
                              : (cl[0] ? (size_t)strtoul(cl, NULL, 10) : r->len - pos - head_len);
        if (status >= 200) {
            if (r->answers < RAW_MAX_ANSWERS)
                r->statuses[r->answers] = status;
            r->answers++;
            r->status = status;
            header_value(r->data + pos, head_len, "Content-Type", r->content_type,
                         sizeof r->content_type);
            header_value(r->data + pos, head_len, "Access-Control-Allow-Origin", r->cors,
                         sizeof r->cors);
            header_value(r->data + pos, head_len, "X-Request-Id", r->request_id,
                         sizeof r->request_id);
            r->body = r->data + pos + head_len;
            r->body_len = body_len;
        }
        if (pos + head_len + body_len > r->len)
            return 0;
        complete = status >= 200 && (cl[0] || no_body || status == 204 || status == 304);
        pos += head_len + body_len;
    }
    return complete;
}

int raw_exchange(int port, const char *req, size_t len, int flags, int timeout_ms,
                 struct raw_reply *out)
{
    memset(out, 0, sizeof *out);
    int fd = raw_connect(port);
    if (fd < 0)
        return -1;
    int rc = raw_exchange_fd(fd, req, len, flags, timeout_ms, out);
    close(fd);
    return rc;
}

int raw_exchange_fd(int fd, const char *req, size_t len, int flags, int timeout_ms,
                    struct raw_reply *out)
{
    int no_body = flags & RAW_NO_BODY;
    memset(out, 0, sizeof *out);
    long deadline = now_ms() + timeout_ms;
    size_t sent = 0, cap = 4096;
    out->data = malloc(cap);
    if (!out->data)
        return -1;
    out->data[0] = '\0';
    int writing = 1;
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) {
            out->timed_out = 1;
            break;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN | (writing && sent < len ? POLLOUT : 0)};
        if (poll(&p, 1, (int)(left > 100 ? 100 : left)) < 0 && errno != EINTR)
            break;
        if (p.revents & POLLOUT) {
            ssize_t n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                writing = 0; /* the server stopped reading: read what it said */
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            if (cap - out->len < 2048) {
                char *np = realloc(out->data, cap * 2);
                if (!np)
                    break;
                out->data = np;
                cap *= 2;
            }
            ssize_t n = recv(fd, out->data + out->len, cap - out->len - 1, 0);
            if (n <= 0) {
                if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                    out->closed = 1;
                    break;
                }
                continue;
            }
            out->len += (size_t)n;
            out->data[out->len] = '\0';
            if (parse(out, no_body) && !(flags & RAW_UNTIL_CLOSE))
                break;
        }
    }
    parse(out, no_body);
    return 0;
}

void raw_reply_free(struct raw_reply *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

long raw_rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}
