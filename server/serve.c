/* server/serve.c — the process around the HTTP daemon. */
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config.h"
#include "dataset.h"
#include "drain.h"
#include "http.h"
#include "log.h"
#include "prom.h"
#include "statics.h"

int serve_default_db(char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    const char *const candidates[] = {"%s/prosperity.db", "%s/../share/prosperity/prosperity.db"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, size, candidates[i], exe);
        if (access(out, F_OK) == 0)
            return 0;
    }
    snprintf(out, size, candidates[1], exe);
    return -1;
}

/* The CPU limit of a cgroup v2 container ("200000 100000" in cpu.max is 2 CPUs), or 0. */
static int cgroup_cpus(void)
{
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    char line[64];
    if (!f)
        return 0;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    if (!got || strncmp(line, "max", 3) == 0)
        return 0;
    char *end;
    long quota = strtol(line, &end, 10);
    long period = strtol(end, NULL, 10);
    return quota > 0 && period > 0 ? (int)((quota + period - 1) / period) : 0;
}

/* Usable CPUs of this process: its affinity mask, capped by a container's CPU limit. */
static int usable_cpus(void)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (int)online : 1;
    }
    int limit = cgroup_cpus();
    return limit > 0 && limit < n ? limit : n;
}

/* Binds and listens on ADDR:PORT; "::" listens on IPv6 and IPv4 where the host allows. */
static int listen_on(const char *addr, int port, int *bound_port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(*addr ? addr : NULL, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "listen address '%s': %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
    int one = 1, zero = 0;
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (res->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    *bound_port = port;
    /* getsockname fills SS; the analyzer does not model it */
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *bound_port = ntohs(ss.ss_family == AF_INET6 // NOLINT(clang-analyzer-core.CallAndMessage)
                                ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void reload(const struct config *cfg, const char *path)
{
    struct api_error err = {0};
    log_msg(LOG_INFO, "SIGHUP: loading %s", path);
    struct dataset *d = dataset_open(path, (size_t)cfg->cache_bytes_mb << 20, &err);
    if (!d) {
        prom_reload(0);
        log_msg(LOG_ERROR, "reload failed, still serving the previous data: %s", err.detail);
        return;
    }
    log_msg(LOG_INFO, "reloaded %s: version %s, %zu observations, %.3f s", path,
            store_version(d->store), store_observation_count(d->store),
            store_load_seconds(d->store));
    dataset_publish(d);
    prom_reload(1);
}

/* SIGTERM: stop accepting, let requests in flight finish (up to the grace time), stop. */
static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* SIGTERM: stop accepting, answer what is in flight with Connection: close (up to the grace
 * time), then stop; idle keep-alive connections are closed then, not waited for. */
static void drain(struct MHD_Daemon *daemon, int listen_fd, int grace)
{
    http_drain_begin();
    drain_stop_listening(listen_fd); /* not MHD_quiesce_daemon: see drain.c */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int open;
    while ((open = http_in_flight()) > 0) {
        if (seconds_since(&start) >= grace) {
            log_msg(LOG_WARN, "grace time over with %d requests unfinished", open);
            break;
        }
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    MHD_stop_daemon(daemon);
}

int serve_main(int argc, char **argv)
{
    struct config cfg;
    char db[PATH_MAX], err[512];
    /* Blocked first, before anything slow: a SIGHUP during the first load would otherwise kill
     * the process (its default action). Held, it is taken by sigtimedwait below once the data
     * are served, and reloads once (pending signals coalesce); a SIGTERM stops the server then.
     * Threads inherit this mask, so the signals reach only sigtimedwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* Answer buffers of 128 KB to a few MB (a spatial or density answer, grown by doubling)
     * were each a fresh mmap: glibc's threshold follows the last such block freed, often below
     * the next buffer, and its trimming hands the heap's top back after an answer. Fixed
     * thresholds keep them in the heap for the next answer: 32 page faults per uncached 130 KB
     * answer before, none after (bench/README). */
    mallopt(M_MMAP_THRESHOLD, 8 << 20);
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    int rc = config_load(&cfg, argc, argv, stdout, stderr);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    log_setup(cfg.log_format, cfg.log_level, strcmp(cfg.access_log, "on") == 0);
    if (cfg.db[0])
        snprintf(db, sizeof db, "%s", cfg.db);
    else if (serve_default_db(db, sizeof db) != 0) {
        fprintf(stderr,
                "prosperity: no database given and no default database at %s "
                "(build it with cmake, or pass --db FILE)\n",
                db);
        return 1;
    }
    if (cfg.threads == 0)
        cfg.threads = usable_cpus();
    if (statics_init(cfg.static_dir, cfg.chartjs, err, sizeof err) != 0) {
        fprintf(stderr, "prosperity: %s\n", err);
        return 1;
    }
    struct api_error aerr = {0};
    log_msg(LOG_INFO, "loading %s", db);
    struct dataset *d = dataset_open(db, (size_t)cfg.cache_bytes_mb << 20, &aerr);
    if (!d) {
        fprintf(stderr, "prosperity: %s\n", aerr.detail);
        return 1;
    }
    dataset_publish(d);
    signal(SIGPIPE, SIG_IGN);
    int port = 0;
    int fd = listen_on(cfg.listen, cfg.port, &port, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "prosperity: %s\n", err);
        dataset_publish(NULL);
        return 1;
    }
    struct MHD_Daemon *daemon = http_start(&cfg, fd, err, sizeof err);
    if (!daemon) {
        fprintf(stderr, "prosperity: %s\n", err);
        close(fd);
        dataset_publish(NULL);
        return 1;
    }
    log_msg(LOG_INFO, "serving %s (version %s, %zu observations, loaded in %.3f s)", db,
            store_version(d->store), store_observation_count(d->store),
            store_load_seconds(d->store));
    log_msg(LOG_INFO, "listening on http://%s:%d/ with %d threads",
            strchr(cfg.listen, ':') ? "[::]" : cfg.listen, port, cfg.threads);
    /* libmicrohttpd reads the request line and headers into this memory, and also builds the
     * answer's headers there: without room for both limits, its own HTML 414/431 come first */
    if (cfg.max_url_bytes + cfg.max_header_bytes + 4096 > cfg.connection_memory_limit)
        log_msg(LOG_WARN,
                "connection_memory_limit %d is less than max_url_bytes + max_header_bytes + "
                "4096: larger requests get libmicrohttpd's HTML 414/431, not problem+json",
                cfg.connection_memory_limit);
    log_flush();
    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&set, NULL, &tick);
        log_flush();
        if (sig == SIGHUP)
            reload(&cfg, db);
        else if (sig == SIGTERM || sig == SIGINT)
            break;
    }
    log_msg(LOG_INFO, "stopping: finishing requests in flight (up to %d s)", cfg.shutdown_grace);
    drain(daemon, fd, cfg.shutdown_grace);
    dataset_publish(NULL);
    statics_free();
    log_msg(LOG_INFO, "stopped");
    log_flush();
    return 0;
}
