/* tests/ops/slow_epoll.c — an LD_PRELOAD shim for test_shutdown: every EPOLL_CTL_DEL waits
 * 20 ms before it is made. libmicrohttpd 0.9.75's MHD_quiesce_daemon and a worker thread's
 * MHD_epoll can both remove the listening socket from the worker's epoll set, unguarded; the
 * one that comes second gets ENOENT and libmicrohttpd aborts the process ("Failed to remove
 * listen FD from epoll set"). The window is a few instructions wide, seen once in CI; the wait
 * widens it to where a SIGTERM under new connections reaches it in most runs, so the test
 * sees the server's drain avoid it, not luck. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/epoll.h>
#include <time.h>

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
    static int (*real)(int, int, int, struct epoll_event *);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "epoll_ctl");
    if (op == EPOLL_CTL_DEL) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return real(epfd, op, fd, event);
}
