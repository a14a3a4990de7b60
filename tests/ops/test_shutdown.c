/* tests/ops/test_shutdown.c — SIGTERM: stop accepting, finish what is in flight, exit 0; never
 * before the work is done and never later than shutdown_grace. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "opsutil.h"

#define REQUEST_LINE                                                                               \
    "GET /v1/series?indicator=hospital_beds_per_1000&regions=rural HTTP/1.1\r\n"                   \
    "Host: 127.0.0.1\r\n"                                                                          \
    "User-Agent: prosperity-shutdown-test\r\n"
#define REQUEST_END "Accept: application/json\r\n\r\n"

static void start(struct tu_server *srv, const char *grace)
{
    char dir[300];
    ops_mkdir(dir, sizeof dir, "shutdown");
    const char *extra[] = {"--shutdown-grace", grace, NULL};
    ck_assert_msg(ops_server_start(srv, NULL, dir, "server", extra, NULL) == 0,
                  "server did not start: %s", ops_log_tail(srv->log));
}

/* Waits until the server has accepted every connection the test opened (N of them): the
 * connection gauge counts them plus the one asking. */
static void wait_accepted(const struct tu_server *srv, int n)
{
    double end = ops_now() + 5, open = -1;
    while (ops_now() < end && (open = tu_metric(srv, "prosperity_open_connections")) < n + 1)
        ops_sleep(0.01);
    ck_assert_msg(open >= n + 1, "the server accepted %g of %d connections", open - 1, n);
}

/* Waits until N requests the test began are in flight (their request line read): the gauge
 * counts them plus the one asking. Before that a SIGTERM finds nothing to wait for. */
static void wait_in_flight(const struct tu_server *srv, int n)
{
    double end = ops_now() + 5, now = -1;
    while (ops_now() < end && (now = tu_metric(srv, "prosperity_requests_in_flight")) < n + 1)
        ops_sleep(0.01);
    ck_assert_msg(now >= n + 1, "the server began %g of %d requests", now - 1, n);
}

/* Reads the answer to REQUEST_LINE: 200 with the series as JSON. Returns the header block. */
static char *read_series(int fd)
{
    char *head, *body;
    size_t len;
    int status = ops_read_response(fd, 5, &head, &body, &len);
    ck_assert_msg(status == 200, "the request in flight got %d: %s", status, head ? head : "");
    ck_assert_uint_gt(len, 0);
    json_t *j = json_loadb(body, len, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(tu_str(j, "series.0.region.id"), "rural");
    json_decref(j);
    free(body);
    return head;
}

START_TEST(test_sigterm_finishes_request_in_flight)
{
    struct tu_server srv;
    start(&srv, "5");
    int fd = ops_connect(srv.port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ops_send(fd, REQUEST_LINE), 0); /* no blank line yet: still in flight */
    wait_in_flight(&srv, 1);

    double t0 = ops_now();
    ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
    ops_sleep(0.3);
    ck_assert_msg(ops_wait(srv.pid, 0) == -1, "the server exited with a request in flight");
    int again = ops_connect(srv.port);
    ck_assert_msg(again < 0 && errno == ECONNREFUSED,
                  "a new connection after SIGTERM must be refused (got %s)",
                  again < 0 ? strerror(errno) : "accepted");

    ck_assert_int_eq(ops_send(fd, REQUEST_END), 0);
    free(read_series(fd));
    close(fd); /* what a client does when it has its answer */

    int rc = ops_wait(srv.pid, 6);
    double took = ops_now() - t0;
    ck_assert_msg(rc == 0, "exit status %d after SIGTERM", rc);
    ck_assert_msg(took < 5, "exit took %.2f s, more than shutdown_grace (5 s)", took);
    char *log = tu_read(srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "stopping: finishing requests in flight"));
    ck_assert_ptr_nonnull(strstr(log, "GET /v1/series?indicator=hospital_beds_per_1000"));
    ck_assert_ptr_nonnull(strstr(log, "stopped"));
    free(log);
}
END_TEST

/* A connection that stays open after its answer (HTTP/1.1 keep-alive: every connection from a
 * proxy's upstream pool) must not hold the process until the grace time ends: once SIGTERM has
 * come, the server closes connections as soon as they have no request in flight. */
START_TEST(test_sigterm_does_not_wait_for_idle_keepalive)
{
    struct tu_server srv;
    start(&srv, "5");
    /* IDLE: answered before SIGTERM, left open. BUSY: in flight at SIGTERM. */
    int idle = ops_connect(srv.port), busy = ops_connect(srv.port);
    ck_assert_int_ge(idle, 0);
    ck_assert_int_ge(busy, 0);
    ck_assert_int_eq(ops_send(idle, REQUEST_LINE REQUEST_END), 0);
    free(read_series(idle));
    ck_assert_int_eq(ops_send(busy, REQUEST_LINE), 0);
    wait_accepted(&srv, 2);
    wait_in_flight(&srv, 1);

    double t0 = ops_now();
    ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
    ops_sleep(0.3);
    ck_assert_int_eq(ops_send(busy, REQUEST_END), 0);
    char *head = read_series(busy);
    int says_close = strcasestr(head, "\r\nConnection: close") != NULL;
    free(head);
    int busy_closed = ops_wait_closed(busy, 1.5);
    int idle_closed = ops_wait_closed(idle, 0.5);
    int rc = ops_wait(srv.pid, 6);
    double took = ops_now() - t0;
    close(idle);
    close(busy);
    ck_assert_msg(rc == 0, "exit status %d after SIGTERM", rc);
    ck_assert_msg(busy_closed == 1,
                  "after SIGTERM the server kept the connection open once its request was "
                  "answered (Connection: close %s)",
                  says_close ? "sent" : "not sent");
    ck_assert_msg(idle_closed == 1, "after SIGTERM the server kept an idle keep-alive "
                                    "connection open");
    ck_assert_msg(took < 2.5,
                  "the server took %.2f s to exit with only idle keep-alive connections open: "
                  "it waits for them until shutdown_grace (5 s)",
                  took);
}
END_TEST

/* A request that never completes: the process still exits 0, after shutdown_grace and not
 * before. SIGTERM is sent just before a whole second of the monotonic clock turns, so a grace
 * time counted in whole seconds of the clock would end up to a second early. */
START_TEST(test_sigterm_grace_bounds_a_stuck_request)
{
    struct tu_server srv;
    start(&srv, "2");
    int fd = ops_connect(srv.port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ops_send(fd, REQUEST_LINE), 0);
    wait_in_flight(&srv, 1);
    while (fmod(ops_now(), 1.0) < 0.80 || fmod(ops_now(), 1.0) > 0.85)
        ops_sleep(0.002);
    double t0 = ops_now();
    ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
    int rc = ops_wait(srv.pid, 5);
    double took = ops_now() - t0;
    int closed = ops_wait_closed(fd, 0.5);
    close(fd);
    ck_assert_msg(rc == 0, "exit status %d after the grace time", rc);
    ck_assert_msg(closed == 1, "the stuck connection was not closed at exit");
    ck_assert_msg(took >= 1.95,
                  "the server gave up on the request after %.2f s, before "
                  "shutdown_grace (2 s)",
                  took);
    ck_assert_msg(took < 3.5, "the server took %.2f s to exit with shutdown_grace 2 s", took);
    char *log = tu_read(srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "grace time over"));
    free(log);
}
END_TEST

/* Opens and closes connections to PORT until STOP is set: each one wakes a server thread. */
struct connector {
    int port;
    atomic_int stop;
    atomic_long opened;
    pthread_t tid;
};

static void *connect_loop(void *arg)
{
    struct connector *c = arg;
    while (!atomic_load(&c->stop)) {
        int fd = ops_connect(c->port);
        if (fd >= 0) {
            atomic_fetch_add(&c->opened, 1);
            close(fd);
        } else {
            ops_sleep(0.001); /* refused: the server is draining */
        }
    }
    return NULL;
}

/* Eight rounds of: a server started with EXTRA and the shim (tests/ops/slow_epoll.c: every
 * removal from an epoll set waits 20 ms, which widens libmicrohttpd's windows below to where
 * a round reaches them often), clients connecting in a loop, SIGTERM: each must exit 0. */
static void sigterm_rounds(const char *name, const char *const *extra)
{
    char dir[300];
    ops_mkdir(dir, sizeof dir, name);
    const char *env[] = {"LD_PRELOAD=" OPS_SLOW_EPOLL, NULL};
    for (int round = 0; round < 8; round++) {
        struct tu_server srv;
        char log[32]; /* a log per round: the port is read from the log's first lines */
        snprintf(log, sizeof log, "server-%d", round);
        ck_assert_msg(ops_server_start(&srv, NULL, dir, log, extra, env) == 0,
                      "server did not start: %s", ops_log_tail(srv.log));
        struct connector c = {.port = srv.port};
        atomic_init(&c.stop, 0);
        atomic_init(&c.opened, 0);
        ck_assert_int_eq(pthread_create(&c.tid, NULL, connect_loop, &c), 0);
        while (atomic_load(&c.opened) < 50)
            ops_sleep(0.001);
        ck_assert_int_eq(kill(srv.pid, SIGTERM), 0);
        int rc = ops_wait(srv.pid, 8);
        atomic_store(&c.stop, 1);
        pthread_join(c.tid, NULL);
        ck_assert_msg(rc == 0, "%s round %d: exit status %d after SIGTERM: %s", name, round, rc,
                      ops_log_tail(srv.log));
    }
}

/* SIGTERM while clients keep connecting, with two server threads: the process drains and exits
 * 0. With libmicrohttpd's MHD_quiesce_daemon under epoll it aborted (exit 134, "Failed to
 * remove listen FD from epoll set") when a thread woken by a new connection removed the
 * listening socket from its epoll set at the same time as the quiesce did. */
START_TEST(test_sigterm_under_new_connections)
{
    const char *extra[] = {"--threads", "2", "--shutdown-grace", "5", NULL};
    sigterm_rounds("shutdown-race", extra);
}
END_TEST

/* The same with each thread at its connection limit (one connection each) again and again: a
 * thread at its limit takes the listening socket out of its epoll set, and libmicrohttpd aborts
 * when that socket is already gone (closed by the drain). */
START_TEST(test_sigterm_at_connection_limit)
{
    const char *extra[] = {"--threads", "2", "--connection-limit", "2", "--shutdown-grace",
                           "5",         NULL};
    sigterm_rounds("shutdown-limit", extra);
}
END_TEST

START_TEST(test_sigint_stops_like_sigterm)
{
    struct tu_server srv;
    start(&srv, "5");
    double t0 = ops_now();
    ck_assert_int_eq(kill(srv.pid, SIGINT), 0);
    ck_assert_int_eq(ops_wait(srv.pid, 5), 0);
    ck_assert_double_lt(ops_now() - t0, 2);
    char *log = tu_read(srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "stopped"));
    free(log);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shutdown");
    TCase *tc = tcase_create("sigterm");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sigterm_finishes_request_in_flight);
    tcase_add_test(tc, test_sigterm_does_not_wait_for_idle_keepalive);
    tcase_add_test(tc, test_sigterm_grace_bounds_a_stuck_request);
    tcase_add_test(tc, test_sigint_stops_like_sigterm);
    tcase_add_test(tc, test_sigterm_under_new_connections);
    tcase_add_test(tc, test_sigterm_at_connection_limit);
    suite_add_tcase(s, tc);
    return ops_run(s);
}
