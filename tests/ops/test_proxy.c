/* tests/ops/test_proxy.c — two replicas behind the real nginx, configured by config/nginx.conf
 * itself (ports and file paths changed): the /prosperity/ prefix, headers, compression,
 * X-Forwarded-For in the replicas' access logs, /metrics kept private, and no failed request
 * while a replica dies or stops. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opsutil.h"

static const char *const targets[] = {
    "/prosperity/v1/meta",
    "/prosperity/v1/series?indicator=hospital_beds_per_1000&regions=rural",
    "/prosperity/v1/indicators",
    "/prosperity/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces",
    "/prosperity/v1/regions/rural/profile",
    NULL,
};

struct proxy {
    char dir[300];
    char conf[400], access_log[400], error_log[400];
    struct tu_server a, b, nginx; /* nginx: pid and port, for tu_http */
};

/* Replaces every OLD in *TEXT with NEW; returns how many. */
static int replace_all(char **text, const char *old, const char *new_text)
{
    int n = 0;
    size_t ol = strlen(old), nl = strlen(new_text);
    for (char *at = strstr(*text, old); at; at = strstr(at, old)) {
        size_t pos = (size_t)(at - *text), len = strlen(*text);
        char *out = malloc(len - ol + nl + 1);
        memcpy(out, *text, pos);
        memcpy(out + pos, new_text, nl);
        memcpy(out + pos + nl, *text + pos + ol, len - pos - ol + 1);
        free(*text);
        *text = out;
        at = out + pos + nl;
        n++;
    }
    return n;
}

/* config/nginx.conf with the replicas on PORT_A and PORT_B, listening on 127.0.0.1:LISTEN and
 * every file in P->dir. Fails when the example no longer has what is replaced. */
static void write_conf(struct proxy *p, int port_a, int port_b, int listen)
{
    char *text = tu_read(PROSPERITY_SOURCE_DIR "/config/nginx.conf", NULL);
    ck_assert_ptr_nonnull(text);
    struct {
        const char *old;
        char new_text[2048];
    } subs[] = {
        {"127.0.0.1:8081", ""},      {"127.0.0.1:8082", ""},  {"listen 80;", ""},
        {"pid /run/nginx.pid;", ""}, {"/var/log/nginx/", ""}, {"user www-data;", ""},
        {"\nhttp {\n", ""},
    };
    snprintf(subs[0].new_text, sizeof subs[0].new_text, "127.0.0.1:%d", port_a);
    snprintf(subs[1].new_text, sizeof subs[1].new_text, "127.0.0.1:%d", port_b);
    snprintf(subs[2].new_text, sizeof subs[2].new_text, "listen 127.0.0.1:%d;", listen);
    snprintf(subs[3].new_text, sizeof subs[3].new_text, "pid %s/nginx.pid;", p->dir);
    snprintf(subs[4].new_text, sizeof subs[4].new_text, "%s/", p->dir);
    /* Only root can switch users; root keeps its own, so it can write into p->dir. */
    snprintf(subs[5].new_text, sizeof subs[5].new_text, "%s", geteuid() == 0 ? "user root;" : "");
    snprintf(subs[6].new_text, sizeof subs[6].new_text,
             "\nhttp {\n    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n"
             "    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n"
             "    scgi_temp_path %s/scgi;\n",
             p->dir, p->dir, p->dir, p->dir, p->dir);
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        ck_assert_msg(replace_all(&text, subs[i].old, subs[i].new_text) > 0,
                      "config/nginx.conf has no '%s' any more: update tests/ops/test_proxy.c",
                      subs[i].old);
    ck_assert_msg(strstr(text, "/var/") == NULL && strstr(text, "/run/") == NULL,
                  "config/nginx.conf names a system path the test does not move");
    snprintf(p->conf, sizeof p->conf, "%s/nginx.conf", p->dir);
    snprintf(p->access_log, sizeof p->access_log, "%s/access.log", p->dir);
    snprintf(p->error_log, sizeof p->error_log, "%s/error.log", p->dir);
    ck_assert_int_eq(tu_write(p->conf, text), 0);
    free(text);
}

static void nginx_check(struct proxy *p)
{
    char log[400], startup[400];
    snprintf(log, sizeof log, "%s/nginx-t.log", p->dir);
    snprintf(startup, sizeof startup, "%s/startup.log", p->dir);
    ck_assert_msg(access(PROSPERITY_NGINX, X_OK) == 0,
                  "nginx is not installed (%s): .ci/deps --test installs nginx-light",
                  PROSPERITY_NGINX);
    const char *argv[] = {PROSPERITY_NGINX, "-t", "-p", p->dir, "-c", p->conf, "-e", startup, NULL};
    pid_t pid = ops_spawn(argv, NULL, log);
    ck_assert_int_gt(pid, 0);
    int rc = ops_wait(pid, 10);
    char *out = tu_read(log, NULL);
    ck_assert_msg(rc == 0, "nginx -t rejects config/nginx.conf: %s", out ? out : "");
    ck_assert_ptr_nonnull(strstr(out, "syntax is ok"));
    free(out);
}

static void replica(struct proxy *p, struct tu_server *srv, const char *name, const char *grace)
{
    const char *extra[] = {"--trusted-proxies", "127.0.0.1", "--threads", "2",
                           "--shutdown-grace",  grace,       NULL};
    ck_assert_msg(ops_server_start(srv, NULL, p->dir, name, extra, NULL) == 0,
                  "replica %s did not start: %s", name, ops_log_tail(srv->log));
}

static void up(struct proxy *p, const char *grace)
{
    ops_mkdir(p->dir, sizeof p->dir, "proxy");
    replica(p, &p->a, "replica-a", grace);
    replica(p, &p->b, "replica-b", grace);
    memset(&p->nginx, 0, sizeof p->nginx);
    p->nginx.port = ops_free_port();
    write_conf(p, p->a.port, p->b.port, p->nginx.port);
    nginx_check(p);
    char log[400], startup[400];
    snprintf(log, sizeof log, "%s/nginx.out", p->dir);
    snprintf(startup, sizeof startup, "%s/startup.log", p->dir);
    /* One process, in the foreground: it dies with the test (see ops_spawn). */
    const char *argv[] = {PROSPERITY_NGINX,
                          "-p",
                          p->dir,
                          "-c",
                          p->conf,
                          "-e",
                          startup,
                          "-g",
                          "daemon off; master_process off;",
                          NULL};
    p->nginx.pid = ops_spawn(argv, NULL, log);
    ck_assert_int_gt(p->nginx.pid, 0);
    double end = ops_now() + 10;
    long status = 0;
    while (ops_now() < end && status != 200) {
        ops_sleep(0.05);
        ck_assert_msg(ops_wait(p->nginx.pid, 0) == -1, "nginx stopped: %s %s",
                      ops_log_tail(startup), ops_log_tail(p->error_log));
        struct tu_response r;
        if (tu_http(&p->nginx, "GET", "/prosperity/readyz", NULL, &r) == 0)
            status = r.status;
        tu_response_free(&r);
    }
    ck_assert_msg(status == 200, "nginx did not answer /prosperity/readyz (%ld): %s", status,
                  ops_log_tail(p->error_log));
}

static void down(struct proxy *p)
{
    /* nginx first: it holds keep-alive connections to the replicas. */
    ck_assert_int_eq(ops_stop(p->nginx.pid, SIGQUIT, 10), 0);
    if (p->a.pid)
        ck_assert_int_eq(ops_stop(p->a.pid, SIGTERM, 15), 0);
    if (p->b.pid)
        ck_assert_int_eq(ops_stop(p->b.pid, SIGTERM, 15), 0);
}

static struct tu_response get(struct proxy *p, const char *target, const char *const *headers)
{
    struct tu_response r;
    ck_assert_msg(tu_http(&p->nginx, "GET", target, headers, &r) == 0, "GET %s failed", target);
    return r;
}

static const char *hdr(const struct tu_response *r, const char *name)
{
    static char buf[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    return tu_header(r, name, buf[slot], sizeof buf[slot]);
}

START_TEST(test_nginx_accepts_the_example_config)
{
    struct proxy p;
    ops_mkdir(p.dir, sizeof p.dir, "nginx-t");
    write_conf(&p, ops_free_port(), ops_free_port(), ops_free_port());
    nginx_check(&p);
    char *conf = tu_read(PROSPERITY_SOURCE_DIR "/config/nginx.conf", NULL);
    /* What the example is for: keep-alive upstream, retries, forwarding, compression. */
    static const char *const needed[] = {
        "keepalive ",
        "proxy_http_version 1.1;",
        "proxy_set_header Connection \"\";",
        "proxy_next_upstream error timeout http_502 http_503;",
        "proxy_next_upstream_tries",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "gzip_types application/json",
        "limit_conn",
        "location /prosperity/",
        "proxy_pass http://prosperity/;",
    };
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        ck_assert_msg(strstr(conf, needed[i]) != NULL, "config/nginx.conf lacks '%s'", needed[i]);
    free(conf);
}
END_TEST

START_TEST(test_proxy_prefix_headers_and_forwarded_for)
{
    struct proxy p;
    up(&p, "5");
    struct tu_response r = get(&p, "/prosperity", NULL);
    ck_assert_int_eq(r.status, 301);
    const char *loc = hdr(&r, "Location");
    ck_assert_ptr_nonnull(loc);
    ck_assert_str_eq(loc + strlen(loc) - strlen("/prosperity/"), "/prosperity/");
    tu_response_free(&r);

    r = get(&p, "/prosperity/", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(hdr(&r, "Content-Type"), "text/html"));
    tu_response_free(&r);

    r = get(&p, "/prosperity/v1/no-such-thing", NULL);
    ck_assert_int_eq(r.status, 404);
    ck_assert_str_eq(hdr(&r, "Content-Type"), "application/problem+json");
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin"), "*");
    tu_response_free(&r);

    /* Compressed when asked (by the replica or by nginx), plain otherwise. */
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    r = get(&p, "/prosperity/v1/indicators", gz);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "Content-Encoding"), "gzip");
    ck_assert_uint_gt(r.len, 100);
    tu_response_free(&r);
    r = get(&p, "/prosperity/v1/indicators", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(hdr(&r, "Content-Encoding"));
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    tu_response_free(&r);

    /* nginx makes a request id when the client sends none... */
    r = get(&p, "/prosperity/v1/meta", NULL);
    ck_assert_int_eq(r.status, 200);
    const char *id = hdr(&r, "X-Request-Id");
    ck_assert_ptr_nonnull(id);
    ck_assert_uint_eq(strlen(id), 32);
    ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 32);
    tu_response_free(&r);

    /* ...and keeps the client's; the replica logs the client named by X-Forwarded-For, since
     * it trusts the proxy's address. */
    const char *fwd[] = {"X-Forwarded-For: 203.0.113.7", "X-Request-Id: ops-forwarded-1", NULL};
    r = get(&p, "/prosperity/v1/meta?_=forwarded", fwd);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(hdr(&r, "X-Request-Id"), "ops-forwarded-1");
    tu_response_free(&r);
    const char *needle = "203.0.113.7 GET /v1/meta?_=forwarded 200";
    char *la = NULL, *lb = NULL;
    double end = ops_now() + 5;
    int found = 0;
    while (!found && ops_now() < end) {
        free(la);
        free(lb);
        la = tu_read(p.a.log, NULL);
        lb = tu_read(p.b.log, NULL);
        found = (la && strstr(la, needle)) || (lb && strstr(lb, needle));
        if (!found)
            ops_sleep(0.1);
    }
    ck_assert_msg(found, "no access line '%s' in either replica's log", needle);
    const char *line = strstr(la, needle) ? strstr(la, needle) : strstr(lb, needle);
    const char *eol = strchr(line, '\n');
    const char *id_at = strstr(line, "id=ops-forwarded-1");
    ck_assert_msg(id_at && (!eol || id_at < eol), "the access line lacks the request id");
    free(la);
    free(lb);
    down(&p);
}
END_TEST

/* /metrics is for the operator's scraper, which asks each replica directly: through the proxy
 * it is refused however the path is spelled, while the API and the page are served. */
START_TEST(test_proxy_refuses_metrics)
{
    struct proxy p;
    up(&p, "5");
    static const char *const spellings[] = {
        "/prosperity/metrics",     "/prosperity/metrics/",  "/prosperity//metrics",
        "/prosperity/metrics?x=1", "/prosperity/%6detrics", "/prosperity/./metrics",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        struct tu_response r = get(&p, spellings[i], NULL);
        ck_assert_msg(r.status == 403, "%s through nginx: %ld", spellings[i], r.status);
        ck_assert_ptr_null(strstr(r.body, "prosperity_"));
        tu_response_free(&r);
    }
    struct tu_response r = get(&p, "/prosperity/v1/meta", NULL);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    r = get(&p, "/prosperity/", NULL);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    ck_assert_int_eq(tu_http(&p.a, "GET", "/metrics", NULL, &r), 0); /* the scraper's way */
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "prosperity_"));
    tu_response_free(&r);
    down(&p);
}
END_TEST

static void assert_no_failures(struct ops_load *load, const char *what)
{
    long total = atomic_load(&load->total), failed = atomic_load(&load->failed);
    ck_assert_msg(failed == 0, "%s: %ld of %ld requests failed; first: %s", what, failed, total,
                  load->first_failure);
    fprintf(stderr, "%s: %ld requests through nginx, %ld after, none failed\n", what, total,
            atomic_load(&load->after_mark));
    ck_assert_msg(atomic_load(&load->after_mark) >= 100,
                  "%s: only %ld requests after the replica went away (of %ld)", what,
                  atomic_load(&load->after_mark), total);
}

static void start_load(struct ops_load *load, struct proxy *p, double seconds)
{
    memset(load, 0, sizeof *load);
    load->port = p->nginx.port;
    load->targets = targets;
    load->threads = 4;
    load->seconds = seconds;
    ck_assert_int_eq(ops_load_start(load), 0);
}

START_TEST(test_proxy_survives_killed_replica)
{
    struct proxy p;
    up(&p, "5");
    struct ops_load load;
    start_load(&load, &p, 3.0);
    ops_sleep(1.0);
    ck_assert_int_eq(ops_stop(p.a.pid, SIGKILL, 5), 128 + SIGKILL);
    atomic_store(&load.mark, ops_now());
    p.a.pid = 0;
    ops_load_join(&load);
    assert_no_failures(&load, "replica A killed");
    /* nginx's log shows requests that went to the dead replica and were answered by the
     * other: "upstream=A, B". */
    char retried[128];
    snprintf(retried, sizeof retried, "upstream=127.0.0.1:%d, 127.0.0.1:%d", p.a.port, p.b.port);
    char *log = tu_read(p.access_log, NULL);
    ck_assert_msg(log && strstr(log, retried), "no retried request ('%s') in nginx's log", retried);
    free(log);
    down(&p);
}
END_TEST

/* A rolling update stops replicas with SIGTERM: nginx must not pass on a single failure. */
START_TEST(test_proxy_survives_graceful_stop)
{
    struct proxy p;
    up(&p, "2");
    struct ops_load load;
    start_load(&load, &p, 3.5);
    ops_sleep(0.8);
    double t0 = ops_now();
    ck_assert_int_eq(kill(p.a.pid, SIGTERM), 0);
    atomic_store(&load.mark, t0);
    int rc = ops_wait(p.a.pid, 4);
    double took = ops_now() - t0;
    p.a.pid = rc == -1 ? p.a.pid : 0;
    ck_assert_msg(rc == 0, "replica A: exit status %d after SIGTERM", rc);
    fprintf(stderr, "replica A stopped %.2f s after SIGTERM (shutdown_grace 2 s)\n", took);
    ck_assert_msg(took < 3.5, "replica A took %.2f s to stop (shutdown_grace 2 s)", took);
    ops_load_join(&load);
    assert_no_failures(&load, "replica A stopped with SIGTERM");
    down(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proxy");
    TCase *tc = tcase_create("nginx");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_nginx_accepts_the_example_config);
    tcase_add_test(tc, test_proxy_prefix_headers_and_forwarded_for);
    tcase_add_test(tc, test_proxy_refuses_metrics);
    tcase_add_test(tc, test_proxy_survives_killed_replica);
    tcase_add_test(tc, test_proxy_survives_graceful_stop);
    suite_add_tcase(s, tc);
    return ops_run(s);
}
