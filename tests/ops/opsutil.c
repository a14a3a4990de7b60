/* tests/ops/opsutil.c — see opsutil.h. */
#include "opsutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char ops_root[256];

int ops_run(Suite *s)
{
    char *dir = tu_tmpdir();
    if (!dir) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(ops_root, sizeof ops_root, "%s", dir);
    free(dir);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = tu_run(s);
    curl_global_cleanup();
    tu_rmrf(ops_root);
    return rc;
}

void ops_mkdir(char *out, size_t size, const char *prefix)
{
    static int seq;
    snprintf(out, size, "%s/%s-%d-%d", ops_root, prefix, (int)getpid(), ++seq);
    ck_assert_msg(mkdir(out, 0755) == 0, "mkdir %s: %s", out, strerror(errno));
}

double ops_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ops_sleep(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec t = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

pid_t ops_spawn(const char *const *argv, const char *const *env, const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The child: die with the test process, whatever way it ends. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0)
        dup2(in, STDIN_FILENO);
    for (const char *const *e = env; e && *e; e++)
        putenv((char *)*e);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int decode_status(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ops_wait(pid_t pid, double seconds)
{
    double end = ops_now() + seconds;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return decode_status(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (ops_now() >= end)
            return -1;
        ops_sleep(0.01);
    }
}

int ops_stop(pid_t pid, int sig, double seconds)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    int rc = ops_wait(pid, seconds);
    if (rc == -1) {
        kill(pid, SIGKILL);
        rc = ops_wait(pid, 5);
    }
    return rc;
}

static int port_from_log(const char *log)
{
    char *text = tu_read(log, NULL);
    int port = 0;
    const char *p = text ? strstr(text, "listening on http://") : NULL;
    if (p) {
        p += strlen("listening on http://");
        const char *colon = *p == '[' ? strstr(p, "]:") : strchr(p, ':');
        if (colon)
            port = (int)strtol(colon + (*p == '[' ? 2 : 1), NULL, 10);
    }
    free(text);
    return port;
}

int ops_server_spawn(struct tu_server *srv, const char *const *argv, const char *const *env,
                     const char *log)
{
    memset(srv, 0, sizeof *srv);
    snprintf(srv->log, sizeof srv->log, "%s", log);
    srv->pid = ops_spawn(argv, env, log);
    if (srv->pid < 0)
        return -1;
    return ops_server_wait_ready(srv, 10);
}

int ops_server_wait_ready(struct tu_server *srv, double seconds)
{
    double end = ops_now() + seconds;
    while (ops_now() < end) {
        ops_sleep(0.02);
        if (ops_wait(srv->pid, 0) != -1) {
            srv->pid = 0; /* it stopped: the log says why */
            return -1;
        }
        if (!srv->port)
            srv->port = port_from_log(srv->log);
        if (srv->port) {
            struct tu_response r;
            int ok = tu_http(srv, "GET", "/readyz", NULL, &r) == 0 && r.status == 200;
            tu_response_free(&r);
            if (ok)
                return 0;
        }
    }
    ops_stop(srv->pid, SIGKILL, 5);
    srv->pid = 0;
    return -1;
}

int ops_server_start(struct tu_server *srv, const char *bin, const char *dir, const char *name,
                     const char *const *extra, const char *const *env)
{
    char log[300];
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    const char *argv[64] = {
        bin ? bin : PROSPERITY_BIN, "serve", "--port", "0", "--listen", "127.0.0.1"};
    int n = 6;
    for (const char *const *e = extra; e && *e && n < 62; e++)
        argv[n++] = *e;
    argv[n] = NULL;
    int rc = ops_server_spawn(srv, argv, env, log);
    snprintf(srv->dir, sizeof srv->dir, "%s", dir);
    return rc;
}

int ops_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

int ops_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int ops_send(int fd, const char *text)
{
    size_t n = strlen(text);
    while (n) {
        ssize_t w = send(fd, text, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        text += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more bytes into *BUF within the deadline END. Returns the count, 0 at end of file, -1
 * on error or timeout. */
static ssize_t read_more(int fd, char **buf, size_t *len, size_t *cap, double end)
{
    double left = end - ops_now();
    if (left <= 0)
        return -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int pr = poll(&p, 1, (int)(left * 1000) + 1);
    if (pr <= 0)
        return -1;
    if (*cap - *len < 4096) {
        size_t ncap = *cap * 2 + 8192;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    ssize_t r = recv(fd, *buf + *len, *cap - *len - 1, 0);
    if (r > 0) {
        *len += (size_t)r;
        (*buf)[*len] = '\0';
    }
    return r;
}

int ops_read_response(int fd, double seconds, char **head, char **body, size_t *body_len)
{
    double end = ops_now() + seconds;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    *head = *body = NULL;
    *body_len = 0;
    char *sep = NULL;
    while (!(sep = buf ? strstr(buf, "\r\n\r\n") : NULL))
        if (read_more(fd, &buf, &len, &cap, end) <= 0) {
            free(buf);
            return 0;
        }
    size_t hlen = (size_t)(sep - buf) + 4;
    long want = -1;
    for (const char *p = buf; p && p < sep; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL)
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            want = strtol(p + 15, NULL, 10);
    while (want >= 0 && len - hlen < (size_t)want)
        if (read_more(fd, &buf, &len, &cap, end) <= 0)
            break;
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    if (want >= 0 && len - hlen < (size_t)want)
        status = 0; /* a short body is no answer */
    *head = strndup(buf, hlen);
    *body_len = len - hlen;
    *body = malloc(*body_len + 1);
    memcpy(*body, buf + hlen, *body_len);
    (*body)[*body_len] = '\0';
    free(buf);
    return status;
}

int ops_wait_closed(int fd, double seconds)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int pr = poll(&p, 1, (int)(seconds * 1000));
    if (pr <= 0)
        return 0;
    char c;
    ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno == ECONNRESET))
        return 1;
    return r > 0 ? -1 : 0;
}

int ops_write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int ops_copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = tu_read(from, &len);
    int rc = data ? ops_write_bytes(to, data, len) : -1;
    free(data);
    return rc;
}

int ops_replace_in_file(const char *path, const char *old, const char *new_text)
{
    size_t len;
    char *text = tu_read(path, &len);
    char *at = text ? strstr(text, old) : NULL;
    int rc = -1;
    if (at) {
        size_t ol = strlen(old), nl = strlen(new_text);
        char *out = malloc(len - ol + nl + 1);
        memcpy(out, text, (size_t)(at - text));
        memcpy(out + (at - text), new_text, nl);
        memcpy(out + (at - text) + nl, at + ol, len - (size_t)(at - text) - ol + 1);
        rc = ops_write_bytes(path, out, len - ol + nl);
        free(out);
    }
    free(text);
    return rc;
}

char *ops_wait_for_text(const char *path, const char *needle, double seconds)
{
    double end = ops_now() + seconds;
    for (;;) {
        char *text = tu_read(path, NULL);
        if (text && strstr(text, needle))
            return text;
        free(text);
        if (ops_now() >= end)
            return NULL;
        ops_sleep(0.05);
    }
}

const char *ops_log_tail(const char *path)
{
    static char out[2][1200];
    static int slot;
    slot = !slot;
    size_t len = 0;
    char *text = path ? tu_read(path, &len) : NULL;
    const char *from = text && len > sizeof out[0] - 1 ? text + len - (sizeof out[0] - 1) : text;
    snprintf(out[slot], sizeof out[0], "%s", from ? from : "(no log)");
    free(text);
    return out[slot];
}

int ops_shell(const char *cmd, const char *log, double seconds)
{
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    pid_t pid = log ? ops_spawn(argv, NULL, log) : -1;
    if (!log) {
        pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
    }
    if (pid < 0)
        return -1;
    int rc = ops_wait(pid, seconds);
    if (rc == -1) {
        kill(pid, SIGKILL);
        ops_wait(pid, 5);
    }
    return rc;
}

/* ---- load ------------------------------------------------------------------------------- */

struct sink {
    char *data;
    size_t len, cap;
};

static size_t sink_write(char *data, size_t size, size_t n, void *cls)
{
    struct sink *s = cls;
    size_t add = size * n;
    if (s->len + add + 1 > s->cap) {
        size_t ncap = (s->len + add + 1) * 2;
        char *p = realloc(s->data, ncap);
        if (!p)
            return 0;
        s->data = p;
        s->cap = ncap;
    }
    memcpy(s->data + s->len, data, add);
    s->len += add;
    s->data[s->len] = '\0';
    return add;
}

struct worker {
    struct ops_load *load;
    int index;
};

static void note_failure(struct ops_load *L, const char *target, const char *fmt, long a,
                         const char *b)
{
    atomic_fetch_add(&L->failed, 1);
    pthread_mutex_lock(&L->lock);
    if (!L->first_failure[0]) {
        char what[256];
        snprintf(what, sizeof what, fmt, a, b);
        snprintf(L->first_failure, sizeof L->first_failure, "%s at %.3f s: %s", target,
                 ops_now() - L->started, what);
    }
    pthread_mutex_unlock(&L->lock);
}

static void note_version(struct ops_load *L, const char *v)
{
    pthread_mutex_lock(&L->lock);
    int seen = 0;
    for (int i = 0; i < L->nversions; i++)
        seen |= strcmp(L->versions[i], v) == 0;
    if (!seen && L->nversions < OPS_MAX_VERSIONS)
        snprintf(L->versions[L->nversions++], sizeof L->versions[0], "%s", v);
    pthread_mutex_unlock(&L->lock);
}

static void *worker_main(void *cls)
{
    struct worker *w = cls;
    struct ops_load *L = w->load;
    CURL *c = curl_easy_init();
    struct sink body = {0};
    char url[1024];
    size_t ntargets = 0;
    while (L->targets[ntargets])
        ntargets++;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    double end = L->started + L->seconds;
    for (size_t i = (size_t)w->index; ops_now() < end; i++) {
        const char *target = L->targets[i % ntargets];
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", L->port, target);
        curl_easy_setopt(c, CURLOPT_URL, url);
        body.len = 0;
        double t0 = ops_now();
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        atomic_fetch_add(&L->total, 1);
        if (t0 > atomic_load(&L->mark))
            atomic_fetch_add(&L->after_mark, 1);
        if (rc != CURLE_OK) {
            note_failure(L, target, "curl error %ld: %s", (long)rc, curl_easy_strerror(rc));
            continue;
        }
        if (status != 200) {
            note_failure(L, target, "status %ld %s", status, "");
            continue;
        }
        json_error_t je;
        json_t *j = body.len ? json_loadb(body.data, body.len, 0, &je) : NULL;
        if (!j) {
            note_failure(L, target, "%ld bytes, not JSON: %s", (long)body.len,
                         body.len ? je.text : "empty body");
            continue;
        }
        size_t tl = strlen(target);
        if (tl >= 8 && strcmp(target + tl - 8, "/v1/meta") == 0) {
            /* not tu_str: its strtok is not for threads */
            const char *v =
                json_string_value(json_object_get(json_object_get(j, "dataset"), "version"));
            if (v)
                note_version(L, v);
            else
                note_failure(L, target, "no dataset.version in %ld bytes: %.300s", (long)body.len,
                             body.data);
        }
        json_decref(j);
    }
    free(body.data);
    curl_easy_cleanup(c);
    free(w);
    return NULL;
}

int ops_load_start(struct ops_load *L)
{
    atomic_init(&L->total, 0);
    atomic_init(&L->failed, 0);
    atomic_init(&L->after_mark, 0);
    atomic_init(&L->mark, 1e300);
    pthread_mutex_init(&L->lock, NULL);
    L->first_failure[0] = '\0';
    L->nversions = 0;
    L->started = ops_now();
    if (L->threads > OPS_MAX_THREADS)
        L->threads = OPS_MAX_THREADS;
    for (int i = 0; i < L->threads; i++) {
        struct worker *w = malloc(sizeof *w);
        w->load = L;
        w->index = i;
        if (pthread_create(&L->tids[i], NULL, worker_main, w) != 0) {
            free(w);
            L->threads = i;
            return -1;
        }
    }
    return 0;
}

void ops_load_join(struct ops_load *L)
{
    for (int i = 0; i < L->threads; i++)
        pthread_join(L->tids[i], NULL);
    pthread_mutex_destroy(&L->lock);
}

int ops_load_saw_version(struct ops_load *L, const char *version)
{
    for (int i = 0; i < L->nversions; i++)
        if (strcmp(L->versions[i], version) == 0)
            return 1;
    return 0;
}

const char *ops_version(const struct tu_server *srv, char *out, size_t size)
{
    long status = 0;
    json_t *j = tu_get_json(srv, "/v1/meta", &status);
    const char *v = status == 200 ? tu_str(j, "dataset.version") : NULL;
    if (v)
        snprintf(out, size, "%s", v);
    json_decref(j);
    return v ? out : NULL;
}
