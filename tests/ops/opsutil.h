/* tests/ops/opsutil.h — helpers for the lifecycle, proxy and container tests: child processes
 * that die with the test, a multi-threaded load generator, raw sockets. */
#ifndef PROSPERITY_OPSUTIL_H
#define PROSPERITY_OPSUTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "testutil.h"

/* The scratch folder of this test program (made by ops_run, removed after the last test,
 * whether the tests passed or not). */
extern char ops_root[256];

/* Runs suite S with ops_root set up and torn down; returns the exit status. */
int ops_run(Suite *s);

/* Makes a new folder under ops_root named after PREFIX; its path goes into OUT. */
void ops_mkdir(char *out, size_t size, const char *prefix);

double ops_now(void); /* CLOCK_MONOTONIC seconds */
void ops_sleep(double seconds);

/* Starts ARGV (ARGV[0] a path) with stdout and stderr appended to LOG (NULL: /dev/null) and the
 * "NAME=value" strings of ENV added to the environment. The child gets SIGKILL when the test
 * process ends, so a failed assertion leaves nothing running. Returns the pid, or -1. */
pid_t ops_spawn(const char *const *argv, const char *const *env, const char *log);

/* Waits up to SECONDS for PID. Returns its exit status (128+N when killed by signal N), or -1
 * when it is still running. */
int ops_wait(pid_t pid, double seconds);

/* Sends SIG, waits up to SECONDS, then SIGKILL. Returns the status as ops_wait (after SIGKILL:
 * 128+9). */
int ops_stop(pid_t pid, int sig, double seconds);

/* Starts `prosperity serve` (the build's binary unless BIN is given) on 127.0.0.1 and any free
 * port, logging into DIR/NAME.log, with the "--flag", "value" pairs of EXTRA and the
 * environment ENV. Waits for /readyz. Fills SRV (pid, port, log, dir). Returns 0 or -1. */
int ops_server_start(struct tu_server *srv, const char *bin, const char *dir, const char *name,
                     const char *const *extra, const char *const *env);

/* Like ops_server_start but runs ARGV exactly (no flags added): the port is read from the log. */
int ops_server_spawn(struct tu_server *srv, const char *const *argv, const char *const *env,
                     const char *log);
/* Waits up to SECONDS for the server SRV (pid and log set; the port is read from the log when
 * 0) to answer /readyz with 200. 0; or -1, and the server is stopped (pid 0 when it exited). */
int ops_server_wait_ready(struct tu_server *srv, double seconds);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int ops_free_port(void);

/* Connects to 127.0.0.1:PORT. Returns the socket, or -1 with errno set. */
int ops_connect(int port);
int ops_send(int fd, const char *text);
/* Reads one HTTP/1.1 response (headers and a Content-Length body) from FD within SECONDS.
 * Returns the status (0 on a malformed or missing answer); HEAD and BODY are malloc'ed. */
int ops_read_response(int fd, double seconds, char **head, char **body, size_t *body_len);
/* 1 when the peer closed FD (read gives end of file or a reset) within SECONDS, 0 when it is
 * still open, -1 when data arrived instead. */
int ops_wait_closed(int fd, double seconds);


/* Copies file FROM to TO. 0 or -1. */
int ops_copy_file(const char *from, const char *to);
/* Writes LEN bytes of DATA to PATH. 0 or -1. */
int ops_write_bytes(const char *path, const void *data, size_t len);
/* Replaces the first occurrence of OLD in the text file PATH with NEW. 0, or -1 if absent. */
int ops_replace_in_file(const char *path, const char *old, const char *new_text);
/* Waits up to SECONDS for NEEDLE to appear in file PATH; returns the whole text (free it) or
 * NULL. */
char *ops_wait_for_text(const char *path, const char *needle, double seconds);

/* The last part of the text file PATH, for failure messages (a static buffer; the scratch
 * folder is gone when the messages are read). Two calls may share one message. */
const char *ops_log_tail(const char *path);

/* Runs the shell command CMD, output appended to LOG (NULL: inherited). Returns its exit
 * status, or -1 when it could not run or ran longer than SECONDS (then it is killed). */
int ops_shell(const char *cmd, const char *log, double seconds);

/* Load: THREADS threads, each with its own keep-alive libcurl handle, GET the TARGETS in turn
 * from http://127.0.0.1:PORT for SECONDS. A request fails unless it is answered 200 with a body
 * that parses as JSON. Answers to targets ending in "/v1/meta" record dataset.version. */
#define OPS_MAX_THREADS  8
#define OPS_MAX_VERSIONS 8
struct ops_load {
    int port;
    const char *const *targets; /* NULL-terminated */
    int threads;
    double seconds;
    /* results */
    atomic_long total, failed, after_mark;
    _Atomic double mark; /* requests started after this time count in after_mark */
    pthread_mutex_t lock;
    char first_failure[512];
    char versions[OPS_MAX_VERSIONS][64];
    int nversions;
    pthread_t tids[OPS_MAX_THREADS];
    double started;
};
int ops_load_start(struct ops_load *load);
void ops_load_join(struct ops_load *load);
int ops_load_saw_version(struct ops_load *load, const char *version);

/* dataset.version from /v1/meta (copied into OUT), or NULL. */
const char *ops_version(const struct tu_server *srv, char *out, size_t size);

#endif
