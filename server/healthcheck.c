/* server/healthcheck.c — one HTTP/1.0 GET over loopback with a timeout. */
#include "healthcheck.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr, "usage: prosperity healthcheck [--port N] [--host ADDR] [--path /readyz]\n"
                    "  (defaults: PROSPERITY_PORT or 8080, 127.0.0.1, /readyz)\n");
    return 2;
}

int healthcheck_main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *path = "/readyz", *env = getenv("PROSPERITY_PORT");
    long port = env ? strtol(env, NULL, 10) : 8080;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--port") == 0)
            port = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--host") == 0)
            host = argv[++i];
        else if (strcmp(argv[i], "--path") == 0)
            path = argv[++i];
        else
            return usage();
    }
    if (port < 1 || port > 65535 || path[0] != '/')
        return usage();
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "prosperity healthcheck: '%s' is not an IPv4 address\n", host);
        return 1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "prosperity healthcheck: %s:%ld: %s\n", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    char req[512], resp[256];
    int n = snprintf(req, sizeof req, "GET %.400s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    ssize_t got = write(fd, req, (size_t)n) == n ? read(fd, resp, sizeof resp - 1) : -1;
    close(fd);
    if (got <= 0) {
        fprintf(stderr, "prosperity healthcheck: no answer from %s:%ld\n", host, port);
        return 1;
    }
    resp[got] = '\0';
    /* "HTTP/1.1 200 OK": the status is the second word */
    const char *sp = strchr(resp, ' ');
    long status = strncmp(resp, "HTTP/", 5) == 0 && sp ? strtol(sp + 1, NULL, 10) : 0;
    if (status != 200) {
        fprintf(stderr, "prosperity healthcheck: %s answered %ld\n", path, status);
        return 1;
    }
    return 0;
}
