/* tests/testutil.c — helpers shared by the suites. */
#include "testutil.h"

#include "import.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "query.h"
#include "routes.h"

const struct store *tu_store(void)
{
    static struct store *s;
    if (!s) {
        struct api_error err;
        s = store_load(PROSPERITY_TEST_DB, &err);
        if (!s) {
            fprintf(stderr, "cannot load %s: %s\n", PROSPERITY_TEST_DB, err.detail);
            abort();
        }
    }
    return s;
}

json_t *tu_api(const struct store *s, const char *target, int *status)
{
    struct api_error err = {0};
    struct query q = {0};
    char argbuf[128];
    const char *arg = NULL;
    const char *qm = strchr(target, '?');
    size_t plen = qm ? (size_t)(qm - target) : strlen(target);
    char *path = strndup(target, plen);
    json_t *out = NULL;
    const struct route *r = routes_match(path, argbuf, sizeof argbuf, &arg);
    if (!r) {
        api_fail(&err, 404, "not_found", NULL, "no route");
        goto problem;
    }
    if (query_parse(&q, qm ? qm + 1 : "", qm ? strlen(qm + 1) : 0, &err) != 0)
        goto problem;
    q.path_arg = arg;
    struct answer a;
    if (routes_check(r, &q, FORMAT_JSON, &err) != 0 || routes_answer(r, s, &q, &a, &err) != 0)
        goto problem;
    *status = 200;
    if (q.format == FORMAT_CSV) {
        out = json_stringn(a.body, a.len);
    } else {
        json_error_t je;
        out = json_loadb(a.body, a.len, 0, &je);
        if (!out)
            fprintf(stderr, "bad JSON from %s: %s\n", target, je.text);
    }
    free(a.body);
    goto done;
problem : {
    size_t len;
    char *body = routes_problem(&err, path, &len);
    out = json_loadb(body, len, 0, NULL);
    free(body);
    *status = err.status;
}
done:
    query_free(&q);
    free(path);
    return out;
}

json_t *tu_at(json_t *j, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j)) {
            char *end;
            long i = strtol(tok, &end, 10);
            j = *end ? NULL : json_array_get(j, (size_t)i);
        } else {
            j = json_object_get(j, tok);
        }
    }
    return j;
}

double tu_num(json_t *j, const char *path)
{
    json_t *v = tu_at(j, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *tu_str(json_t *j, const char *path)
{
    return json_string_value(tu_at(j, path));
}

static int read_port(const char *log)
{
    char *text = tu_read(log, NULL);
    int port = 0;
    const char *p = text ? strstr(text, "listening on http://") : NULL;
    if (p) {
        p = strchr(p + strlen("listening on http://"), ':');
        if (p)
            port = (int)strtol(p + 1, NULL, 10);
    }
    free(text);
    return port;
}

int tu_server_start(struct tu_server *srv, const char *const *extra)
{
    /* The server binds port 0 itself and logs the port it got. */
    memset(srv, 0, sizeof *srv);
    char *dir = tu_tmpdir();
    snprintf(srv->dir, sizeof srv->dir, "%s", dir);
    free(dir);
    snprintf(srv->log, sizeof srv->log, "%s/server.log", srv->dir);
    const char *argv[64] = {PROSPERITY_BIN, "serve",     "--port", "0",
                            "--listen",     "127.0.0.1", "--db",   PROSPERITY_TEST_DB};
    int n = 8;
    for (const char *const *e = extra; e && *e && n < 62; e++)
        argv[n++] = *e;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        FILE *f = freopen(srv->log, "w", stdout);
        (void)f;
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    srv->pid = pid;
    /* 60 s: under valgrind a loaded 2-core machine needs 10 s and more to load the panel */
    for (int i = 0; i < 2400; i++) {
        struct timespec t = {0, 25 * 1000 * 1000};
        nanosleep(&t, NULL);
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            srv->pid = 0;
            return -1;
        }
        if (!srv->port)
            srv->port = read_port(srv->log);
        if (srv->port) {
            struct tu_response r;
            if (tu_http(srv, "GET", "/readyz", NULL, &r) == 0 && r.status == 200) {
                tu_response_free(&r);
                return 0;
            }
            tu_response_free(&r);
        }
    }
    tu_server_stop(srv, SIGKILL);
    return -1;
}

struct tu_server tu_srv;

void tu_srv_start(void)
{
    ck_assert_int_eq(tu_server_start(&tu_srv, NULL), 0);
}

void tu_srv_stop(void)
{
    ck_assert_int_eq(tu_server_stop(&tu_srv, SIGTERM), 0);
    tu_rmrf(tu_srv.dir);
}

int tu_server_stop(struct tu_server *srv, int sig)
{
    int status = 0;
    if (srv->pid <= 0)
        return -1;
    kill(srv->pid, sig);
    waitpid(srv->pid, &status, 0);
    srv->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static size_t collect(char *data, size_t size, size_t n, void *cls)
{
    struct tu_response *r = cls;
    size_t add = size * n;
    char *p = realloc(r->body, r->len + add + 1);
    if (!p)
        return 0;
    memcpy(p + r->len, data, add);
    r->len += add;
    p[r->len] = '\0';
    r->body = p;
    return add;
}

static size_t collect_header(char *data, size_t size, size_t n, void *cls)
{
    char **h = cls;
    size_t add = size * n, old = *h ? strlen(*h) : 0;
    char *p = realloc(*h, old + add + 1);
    if (!p)
        return 0;
    memcpy(p + old, data, add);
    p[old + add] = '\0';
    *h = p;
    return add;
}

int tu_http(const struct tu_server *srv, const char *method, const char *target,
            const char *const *headers, struct tu_response *resp)
{
    memset(resp, 0, sizeof *resp);
    char url[8192 + 64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv->port, target);
    CURL *c = curl_easy_init();
    struct curl_slist *list = NULL;
    for (const char *const *h = headers; h && *h; h++)
        list = curl_slist_append(list, *h);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp->headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    if (!resp->body)
        resp->body = calloc(1, 1);
    return rc == CURLE_OK ? 0 : -1;
}

const char *tu_header(const struct tu_response *resp, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *p = resp->headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t len = eol ? (size_t)(eol - v) : strlen(v);
            while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
                len--;
            snprintf(out, size, "%.*s", (int)len, v);
            return out;
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

void tu_response_free(struct tu_response *resp)
{
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}

json_t *tu_get_json(const struct tu_server *srv, const char *target, long *status)
{
    struct tu_response r;
    json_t *j = NULL;
    if (tu_http(srv, "GET", target, NULL, &r) == 0)
        j = json_loadb(r.body, r.len, 0, NULL);
    if (status)
        *status = r.status;
    tu_response_free(&r);
    return j;
}

char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/prosperity-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

int tu_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int tu_append(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Splits one CSV line (LEN bytes) at commas outside quotes: START[k], LEN_OF[k] of up to MAX
 * fields; returns the count. */
static size_t csv_split(const char *line, size_t len, const char **start, size_t *len_of,
                        size_t max)
{
    size_t n = 0, from = 0;
    int quoted = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i < len && line[i] == '"')
            quoted = !quoted;
        if (i == len || (line[i] == ',' && !quoted)) {
            start[n] = line + from;
            len_of[n++] = i - from;
            from = i + 1;
        }
    }
    return n;
}

int tu_append_rows(const char *path, const char *columns, const char *rows)
{
    enum { MAXF = 64 };
    const char *head[MAXF], *mine[MAXF], *field[MAXF];
    size_t head_len[MAXF], mine_len[MAXF], field_len[MAXF], pos[MAXF];
    char *text = tu_read(path, NULL);
    if (!text)
        return -1;
    size_t nh = csv_split(text, strcspn(text, "\r\n"), head, head_len, MAXF);
    size_t nm = csv_split(columns, strlen(columns), mine, mine_len, MAXF);
    for (size_t h = 0; h < nh; h++) { /* where the target's column H is among COLUMNS */
        pos[h] = SIZE_MAX;
        for (size_t m = 0; m < nm; m++)
            if (head_len[h] == mine_len[m] && memcmp(head[h], mine[m], head_len[h]) == 0)
                pos[h] = m;
    }
    FILE *f = fopen(path, "ab");
    int ok = f != NULL;
    for (const char *line = rows; ok && *line;) {
        size_t len = strcspn(line, "\n");
        size_t nf = csv_split(line, len, field, field_len, MAXF);
        for (size_t h = 0; h < nh; h++) {
            if (h)
                ok &= fputc(',', f) != EOF;
            if (pos[h] < nf)
                ok &= fwrite(field[pos[h]], 1, field_len[pos[h]], f) == field_len[pos[h]];
        }
        ok &= fputc('\n', f) != EOF;
        line += len + (line[len] == '\n');
    }
    free(text);
    return f && fclose(f) == 0 && ok ? 0 : -1;
}

/* Index of column NAME among the NH header fields F/FL, or -1. */
static long csv_column(const char *const *f, const size_t *fl, size_t nh, const char *name)
{
    for (size_t k = 0; name && k < nh; k++)
        if (strlen(name) == fl[k] && memcmp(f[k], name, fl[k]) == 0)
            return (long)k;
    return -1;
}

/* Whether field C of the N fields F/FL is VALUE. */
static int csv_is(const char *const *f, const size_t *fl, size_t n, long c, const char *value)
{
    return c >= 0 && (size_t)c < n && strlen(value) == fl[c] && memcmp(f[c], value, fl[c]) == 0;
}

size_t tu_csv_get(const char *file, const char *const *match, const char *column, char *out,
                  size_t size)
{
    enum { MAXF = 64, MAXM = 8 };
    char path[600];
    snprintf(path, sizeof path, "%s/data/%s", PROSPERITY_SOURCE_DIR, file);
    char *text = tu_read(path, NULL);
    if (!text)
        return 0;
    const char *f[MAXF];
    size_t fl[MAXF], count = 0, nm = 0;
    size_t nh = csv_split(text, strcspn(text, "\r\n"), f, fl, MAXF);
    long want[MAXM], col = csv_column(f, fl, nh, column);
    for (; match && match[2 * nm] && nm < MAXM; nm++)
        want[nm] = csv_column(f, fl, nh, match[2 * nm]);
    const char *line = text + strcspn(text, "\n");
    while (*line == '\n' && line[1]) {
        line++;
        size_t len = strcspn(line, "\r\n");
        size_t n = csv_split(line, len, f, fl, MAXF);
        int ok = len > 0;
        for (size_t m = 0; m < nm; m++)
            ok &= csv_is(f, fl, n, want[m], match[2 * m + 1]);
        if (ok && count++ == 0 && out && col >= 0 && (size_t)col < n) {
            size_t k = fl[col] < size ? fl[col] : size - 1;
            memcpy(out, f[col], k);
            out[k] = '\0';
        }
        line += len;
        line += strspn(line, "\r");
    }
    free(text);
    return count;
}

size_t tu_csv_count(const char *file, const char *column, const char *value, const char *column2,
                    const char *value2)
{
    const char *match[] = {column, value, column2, value2, NULL};
    if (!column)
        match[0] = NULL;
    else if (!column2)
        match[2] = NULL;
    return tu_csv_get(file, match, NULL, NULL, 0);
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int tu_copy_data(const char *dir)
{
    static const char *const files[] = {"indicators.csv", "regions.csv",      "groups.csv",
                                        "sources.csv",    "observations.csv", "benchmarks.csv",
                                        "neighbours.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char from[512], to[512];
        snprintf(from, sizeof from, "%s/data/%s", PROSPERITY_SOURCE_DIR, files[i]);
        snprintf(to, sizeof to, "%s/%s", dir, files[i]);
        char *text = tu_read(from, NULL);
        int rc = text ? tu_write(to, text) : -1;
        free(text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

void tu_rmrf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            tu_rmrf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

double tu_metric(const struct tu_server *srv, const char *name)
{
    struct tu_response r;
    double v = -1;
    if (tu_http(srv, "GET", "/metrics", NULL, &r) == 0 && r.status == 200) {
        size_t n = strlen(name);
        for (const char *p = r.body; p && *p;) {
            if (strncmp(p, name, n) == 0 && p[n] == ' ') {
                v = strtod(p + n + 1, NULL);
                break;
            }
            p = strchr(p, '\n');
            p = p ? p + 1 : NULL;
        }
    }
    tu_response_free(&r);
    return v;
}

double tu_metric_settles(const struct tu_server *srv, const char *name, double want)
{
    double v = tu_metric(srv, name);
    for (int i = 0; i < 250 && v != want; i++) {
        usleep(20 * 1000);
        v = tu_metric(srv, name);
    }
    return v;
}

int tu_db_copy(const char *path, const char *sql)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = -1;
    if (sqlite3_open_v2(PROSPERITY_TEST_DB, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open(path, &dst) != SQLITE_OK)
        goto done;
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
        goto done;
    if (sql && sqlite3_exec(dst, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "tu_db_copy: %s\n", sqlite3_errmsg(dst));
        goto done;
    }
    rc = 0;
done:
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc;
}

static unsigned be(const unsigned char *p, int bytes)
{
    unsigned v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* Follows the right-most child pointers from the root (SQLite's file format, section 1.6:
 * interior pages 0x02/0x05 keep it at header offset 8) down to a leaf page (0x0a/0x0d). */
int tu_db_corrupt_last_page(const char *path, const char *table)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    unsigned page_size = 0, page = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM "
                           "sqlite_master WHERE type = 'table' AND name = ?1",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        page = (unsigned)sqlite3_column_int(st, 0);
        page_size = (unsigned)sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    FILE *f = fopen(path, "r+b");
    unsigned char *buf = page_size ? malloc(page_size) : NULL;
    int rc = -1, depth = 0;
    while (f && buf && page > 1 && depth++ < 20) {
        if (fseek(f, (long)(page - 1) * (long)page_size, SEEK_SET) != 0 ||
            fread(buf, 1, page_size, f) != page_size)
            break;
        if (buf[0] == 0x02 || buf[0] == 0x05) {
            page = be(buf + 8, 4);
            continue;
        }
        unsigned content = be(buf + 5, 2);
        if ((buf[0] != 0x0a && buf[0] != 0x0d) || depth == 1 || content == 0 ||
            content >= page_size)
            break;
        memset(buf + content, 0xff, page_size - content);
        if (fseek(f, (long)(page - 1) * (long)page_size, SEEK_SET) == 0 &&
            fwrite(buf, 1, page_size, f) == page_size)
            rc = 0;
        break;
    }
    free(buf);
    if (f && fclose(f) != 0)
        rc = -1;
    return rc;
}

json_t *tu_get(const struct store *s, const char *target, int want)
{
    int status = 0;
    json_t *j = tu_api(s, target, &status);
    ck_assert_msg(j != NULL, "no JSON for %s", target);
    if (status != want) {
        char *text = json_dumps(j, JSON_ENCODE_ANY);
        ck_abort_msg("%s: status %d, wanted %d: %.600s", target, status, want, text);
    }
    return j;
}

void tu_expect_problem(const struct store *s, const char *target, int status, const char *code,
                       const char *param, const char *says)
{
    json_t *j = tu_get(s, target, status);
    ck_assert_msg(!code || (tu_str(j, "code") && strcmp(tu_str(j, "code"), code) == 0),
                  "%s: code %s, wanted %s (%s)", target, tu_str(j, "code"), code,
                  tu_str(j, "detail"));
    if (param)
        ck_assert_msg(tu_str(j, "param") && strcmp(tu_str(j, "param"), param) == 0,
                      "%s: param %s, wanted %s", target, tu_str(j, "param"), param);
    if (says)
        ck_assert_msg(strstr(tu_str(j, "detail"), says) != NULL, "%s: '%s' lacks '%s'", target,
                      tu_str(j, "detail"), says);
    json_decref(j);
}

void tu_assert_rel(const char *what, double got, double want, double rel)
{
    double tol = want == 0 ? 1e-14 : rel * fabs(want);
    ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "%s = %.17g, want %.17g", what, got,
                  want);
}

struct store *tu_fixture_store(const char *indicators, const char *observations, char **dir)
{
    *dir = tu_tmpdir();
    ck_assert_int_eq(tu_copy_data(*dir), 0);
    char path[512], db[512];
    snprintf(path, sizeof path, "%s/indicators.csv", *dir);
    ck_assert_int_eq(tu_append_rows(path, TU_INDICATOR_COLUMNS, indicators), 0);
    snprintf(path, sizeof path, "%s/observations.csv", *dir);
    ck_assert_int_eq(tu_append(path, observations), 0);
    snprintf(db, sizeof db, "%s/fixture.db", *dir);
    char *msg = NULL;
    size_t len;
    FILE *errs = open_memstream(&msg, &len);
    int rc = import_dir(*dir, db, errs);
    fclose(errs);
    ck_assert_msg(rc == 0, "%s", msg);
    free(msg);
    struct api_error err;
    struct store *st = store_load(db, &err);
    ck_assert_msg(st != NULL, "%s", err.detail);
    return st;
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
