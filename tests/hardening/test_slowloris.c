/* tests/hardening/test_slowloris.c — slow and idle clients must not lock out a normal one.
 *
 * Hundreds of connections send half a request and stall (slowloris), more connect and send
 * nothing, a few drip one byte a second. While they are held open, a normal client must be
 * answered within a second, before and after the server's connection timeout closes the
 * stalled ones. The server runs with its default connection_limit (1000) and a connection
 * timeout of 5 s to keep the test short. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawhttp.h"
#include "testutil.h"

#define HALF           300  /* half a request, then nothing */
#define IDLE           100  /* nothing at all */
#define DRIP           20   /* half a request, then a byte a second */
#define TIMEOUT_S      5    /* --connection-timeout */
#define RUN_MS         9000 /* how long the normal client keeps asking */
#define MAX_LATENCY_MS 1000

static const char half_request[] = "GET /v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* 1 when the server has closed (or reset) FD; 0 while it is open. */
static int closed_by_server(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    char b[256];
    ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int count_closed(const int *fds, int n)
{
    int closed = 0;
    for (int i = 0; i < n; i++)
        closed += fds[i] >= 0 && closed_by_server(fds[i]);
    return closed;
}

/* One normal request; returns its latency in ms, or -1 when it failed or was wrong. */
static long normal_request(const struct tu_server *srv)
{
    long t0 = now_ms();
    long status = 0;
    json_t *j = tu_get_json(
        srv, "/v1/series?indicator=hospital_beds_per_1000&regions=rural&year=2019", &status);
    long ms = now_ms() - t0;
    int ok = status == 200 && tu_num(j, "series.0.observations.0.value") == 4.8;
    json_decref(j);
    return ok ? ms : -1;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

/* Opens N connections; with HALF_REQUEST each sends half a request. Returns how many failed. */
static int open_all(int *fds, int n, int port, int half_request_too)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        fds[i] = raw_connect(port);
        if (fds[i] >= 0 && half_request_too &&
            send(fds[i], half_request, sizeof half_request - 1, MSG_NOSIGNAL) !=
                (ssize_t)(sizeof half_request - 1)) {
            close(fds[i]);
            fds[i] = -1;
        }
        failed += fds[i] < 0;
    }
    return failed;
}

START_TEST(test_slowloris_normal_client_still_answered)
{
    struct tu_server srv;
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", TIMEOUT_S);
    const char *extra[] = {"--connection-timeout", timeout, NULL};
    ck_assert_int_eq(tu_server_start(&srv, extra), 0);

    /* Everything is measured first and judged after the sockets are closed and the server is
     * stopped, so that a failure leaves nothing behind. */
    static int half[HALF], idle[IDLE], drip[DRIP];
    int open_failed = open_all(half, HALF, srv.port, 1) + open_all(idle, IDLE, srv.port, 0) +
                      open_all(drip, DRIP, srv.port, 1);
    long start = now_ms(), worst = 0, next_drip = start + 1000, failed_at = -1, slow_at = -1;
    int requests = 0;
    while (now_ms() - start < RUN_MS) {
        long ms = normal_request(&srv);
        if (ms < 0 && failed_at < 0)
            failed_at = now_ms() - start;
        if (ms > MAX_LATENCY_MS && slow_at < 0)
            slow_at = now_ms() - start;
        worst = ms > worst ? ms : worst;
        requests++;
        if (now_ms() >= next_drip) {
            for (int i = 0; i < DRIP; i++)
                if (drip[i] >= 0 && send(drip[i], "a", 1, MSG_NOSIGNAL) != 1) {
                    close(drip[i]);
                    drip[i] = -1;
                }
            next_drip += 1000;
        }
        sleep_ms(250);
    }
    /* The connection timeout closed the stalled and idle connections. */
    int half_closed = count_closed(half, HALF), idle_closed = count_closed(idle, IDLE);
    int drip_closed = 0;
    for (int i = 0; i < DRIP; i++)
        drip_closed += drip[i] < 0 || closed_by_server(drip[i]);
    printf("slowloris: %d normal requests, worst %ld ms; after %d s closed by the server: "
           "%d/%d half requests, %d/%d idle, %d/%d dripping\n",
           requests, worst, RUN_MS / 1000, half_closed, HALF, idle_closed, IDLE, drip_closed, DRIP);
    fflush(stdout);
    close_all(half, HALF);
    close_all(idle, IDLE);
    close_all(drip, DRIP);
    long after = normal_request(&srv);
    int exit_status = tu_server_stop(&srv, SIGTERM);

    ck_assert_int_eq(open_failed, 0);
    ck_assert_msg(failed_at < 0, "a normal request failed at %ld ms with %d connections held",
                  failed_at, HALF + IDLE + DRIP);
    ck_assert_msg(slow_at < 0, "a normal request took %ld ms (at %ld ms)", worst, slow_at);
    ck_assert_int_eq(half_closed, HALF);
    ck_assert_int_eq(idle_closed, IDLE);
    ck_assert_int_ge(after, 0);
    ck_assert_msg(exit_status == 0, "the server exited with %d; see %s", exit_status, srv.log);
    tu_rmrf(srv.dir);
}
END_TEST

static Suite *slowloris_suite(void)
{
    Suite *s = suite_create("slowloris");
    TCase *tc = tcase_create("held connections");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_slowloris_normal_client_still_answered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(slowloris_suite());
}
