/* server/drain.c — closing the listening socket under libmicrohttpd's feet.
 *
 * libmicrohttpd 0.9.75 (Debian 12) with epoll and a thread pool has two ways to abort the process
 * on SIGTERM, both "Failed to remove listen FD from epoll set" (MHD_PANIC):
 *  1. MHD_quiesce_daemon and a worker woken by a new connection both remove the listening socket
 *     from the worker's epoll set, unguarded; the second removal fails with ENOENT.
 *  2. A worker at its connection limit removes the listening socket from its set; once the socket
 *     has been closed the removal fails with ENOENT.
 * So the drain does not quiesce: an eventfd that never becomes readable takes over the socket's
 * descriptor number (dup2 is atomic), which closes the socket (new connections are refused) and
 * takes it out of every epoll set. And the one removal libmicrohttpd may still make of that
 * number, (2), is answered as done: epoll_ctl below stands in for libc's (the executable's
 * definition comes first for the library's calls) and turns ENOENT for the closed listening
 * descriptor into success, which is what the removal was for. test_shutdown's
 * test_sigterm_under_new_connections and test_sigterm_at_connection_limit reach both. */
#include "drain.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event *);

static atomic_int closed_listen_fd = -1;

/* libc's epoll_ctl, or a sanitizer's interceptor of it when one comes before libc. */
static epoll_ctl_fn next_epoll_ctl(void)
{
    static _Atomic(epoll_ctl_fn) next;
    epoll_ctl_fn fn = atomic_load(&next);
    if (!fn) {
        *(void **)&fn = dlsym(RTLD_NEXT, "epoll_ctl");
        atomic_store(&next, fn);
    }
    return fn;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
    epoll_ctl_fn fn = next_epoll_ctl();
    int rc = fn ? fn(epfd, op, fd, event) : (int)syscall(SYS_epoll_ctl, epfd, op, fd, event);
    if (rc != 0 && op == EPOLL_CTL_DEL && errno == ENOENT && fd >= 0 &&
        fd == atomic_load(&closed_listen_fd))
        return 0; /* the socket is closed, so in no set: the removal is done */
    return rc;
}

void drain_stop_listening(int listen_fd)
{
    atomic_store(&closed_listen_fd, listen_fd); /* before the socket goes */
    int idle = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (idle < 0 || dup2(idle, listen_fd) < 0) {
        log_msg(LOG_WARN, "drain: cannot replace the listening socket: %s", strerror(errno));
        shutdown(listen_fd, SHUT_RDWR); /* refuses too; idle threads may spin until the stop */
    }
    if (idle >= 0)
        close(idle);
}
