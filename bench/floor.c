/* prosperity_floor: what this kernel charges per request for sending a cached answer one way or
 * another, with nothing else done, beside the servers in bench/run's cached cases (nginx's CPU
 * over it is the most a server sending that way could show). One thread, epoll, keep-alive:
 * each request is read to its blank line and answered with the same bytes, a whole response
 * (head and body) read once from a file, sent
 *   (default)   by one send() of head and body;
 *   --sendfile  the head by send(MSG_MORE), the body by sendfile() from a memory file;
 *   --cork      as our server sends a large cached answer (server/http.c): TCP_CORK on, the
 *               head by send(), the body by sendfile(), TCP_CORK off.
 * No parsing, no routing, no header built, no logging: not a server, a measuring stick
 * (bench/README, "the floor"). A request split across two reads is not seen: wrk writes each
 * request whole.
 *
 * Usage: prosperity_floor PORT RESPONSE_FILE [--sendfile | --cork]
 * RESPONSE_FILE holds the response as sent, CRLFs kept (bench/run writes curl -D's head and then
 * the body). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

enum send_mode { SEND_ONE, SEND_SENDFILE, SEND_CORK };

struct reply {
    char *bytes;         /* head and body */
    size_t len;          /* of BYTES */
    size_t head;         /* bytes of the head, to the blank line included */
    enum send_mode mode; /* how it is sent */
    int body_fd;         /* the body in a memory file, for SEND_SENDFILE and SEND_CORK */
};

/* Reads PATH whole into R, finds the end of its head and, for MODE other than one send(),
 * writes its body into a memory file; 0 when done. */
static int reply_load(const char *path, struct reply *r, enum send_mode mode)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n;
    r->bytes = malloc(cap);
    r->len = 0;
    while (r->bytes && (n = fread(r->bytes + r->len, 1, cap - r->len, f)) > 0) {
        if ((r->len += n) < cap)
            continue;
        char *more = realloc(r->bytes, cap *= 2);
        if (!more)
            free(r->bytes);
        r->bytes = more;
    }
    fclose(f);
    char *end = r->bytes ? memmem(r->bytes, r->len, "\r\n\r\n", 4) : NULL;
    if (!end)
        return -1;
    r->head = (size_t)(end - r->bytes) + 4;
    r->mode = mode;
    r->body_fd = -1;
    if (mode != SEND_ONE) {
        r->body_fd = memfd_create("floor", 0);
        if (r->body_fd < 0 ||
            write(r->body_fd, r->bytes + r->head, r->len - r->head) != (ssize_t)(r->len - r->head))
            return -1;
    }
    return 0;
}

/* Sends R on FD. A short send on a full socket is not expected at these sizes on loopback; it
 * closes the connection, which wrk reports as a socket error (bench/run's floor table shows
 * them), so that it is seen and not taken for a speed. */
static int reply_send(int fd, const struct reply *r)
{
    if (r->mode == SEND_ONE)
        return send(fd, r->bytes, r->len, MSG_NOSIGNAL) == (ssize_t)r->len ? 0 : -1;
    int on = 1, off_ = 0, cork = r->mode == SEND_CORK;
    if (cork && setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) != 0)
        return -1;
    if (send(fd, r->bytes, r->head, MSG_NOSIGNAL | (cork ? 0 : MSG_MORE)) != (ssize_t)r->head)
        return -1;
    off_t off = 0;
    size_t body = r->len - r->head;
    while ((size_t)off < body)
        if (sendfile(fd, r->body_fd, &off, body - (size_t)off) <= 0)
            return -1;
    return cork ? setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off_, sizeof off_) : 0;
}

/* Reads what FD has; answers once per blank line seen (wrk sends one request at a time).
 * -1 when the connection is done. */
static int on_readable(int fd, const struct reply *r)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return -1;
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        for (char *p = buf; (p = memmem(p, (size_t)(buf + n - p), "\r\n\r\n", 4)); p += 4)
            if (reply_send(fd, r) != 0)
                return -1;
        if ((size_t)n < sizeof buf)
            return 0;
    }
}

/* A non-blocking socket listening on 127.0.0.1:PORT (text, 1-65535), or -1. */
static int listen_loopback(const char *text)
{
    char *end;
    errno = 0;
    long port = strtol(text, &end, 10);
    if (errno || end == text || *end || port < 1 || port > 65535) {
        fprintf(stderr, "prosperity_floor: '%s' is not a port (1-65535)\n", text);
        return -1;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1024) != 0) {
        perror("prosperity_floor: listen");
        return -1;
    }
    return ls;
}

/* Accepts every pending connection on LS into EP, edge-triggered, TCP_NODELAY on as in both
 * servers. -1 when accepting fails for another reason than an empty queue (out of descriptors:
 * the listening socket would stay readable and the loop spin, so the floor stops instead). */
static int accept_all(int ep, int ls)
{
    int c, one = 1;
    while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = c};
        if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
            epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0)
            close(c);
    }
    return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT RESPONSE_FILE [--sendfile | --cork]\n", argv[0]);
        return 2;
    }
    struct reply r;
    const char *flag = argc > 3 ? argv[3] : "";
    enum send_mode mode = strcmp(flag, "--sendfile") == 0 ? SEND_SENDFILE
                          : strcmp(flag, "--cork") == 0   ? SEND_CORK
                                                          : SEND_ONE;
    if (reply_load(argv[2], &r, mode) != 0) {
        fprintf(stderr, "%s: cannot read a response (head, blank line, body)\n", argv[2]);
        return 1;
    }
    int ls = listen_loopback(argv[1]), ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    if (ls < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) != 0)
        return 1;
    struct epoll_event evs[256];
    for (;;) {
        int k = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls && accept_all(ep, ls) != 0) {
                perror("prosperity_floor: accept");
                return 1;
            }
            if (fd != ls && on_readable(fd, &r) != 0)
                close(fd);
        }
    }
}
