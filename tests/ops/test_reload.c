/* tests/ops/test_reload.c — SIGHUP: a new database file is swapped in while clients keep
 * requesting, without one failed request; a broken file leaves the old data serving (and stops
 * the server at start); a SIGHUP during the first load is held for after it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "import.h"
#include "opsutil.h"

/* A few endpoints of different weight; /v1/meta records which data answered. */
static const char *const targets[] = {
    "/v1/meta",
    "/v1/series?indicator=hospital_beds_per_1000&regions=rural",
    "/v1/indicators",
    "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces",
    "/v1/regions/rural/profile",
    "/v1/compare?indicators=gdp_per_capita&regions=group:provinces&year=latest",
    NULL,
};

#define SERIES "/v1/series?indicator=hospital_beds_per_1000&regions=rural&from=2019&to=2019"

struct fixture {
    char dir[300];
    char served[400]; /* the path the server was started with */
    struct tu_server srv;
};

/* A server on a database of its own in a fresh folder. */
static void start(struct fixture *f)
{
    ops_mkdir(f->dir, sizeof f->dir, "reload");
    snprintf(f->served, sizeof f->served, "%s/served.db", f->dir);
    ck_assert_int_eq(ops_copy_file(PROSPERITY_TEST_DB, f->served), 0);
    const char *extra[] = {"--db", f->served, "--access-log", "off", "--threads", "2", NULL};
    ck_assert_msg(ops_server_start(&f->srv, NULL, f->dir, "server", extra, NULL) == 0,
                  "server did not start: %s", ops_log_tail(f->srv.log));
}

static void stop(struct fixture *f)
{
    ck_assert_int_eq(ops_stop(f->srv.pid, SIGTERM, 15), 0);
}

/* The data of data/ with one value changed (rural hospital beds 2019: 4.8 -> 9.9), imported
 * into DIR/NAME. */
static void make_changed_db(const char *dir, const char *name, char *out, size_t size)
{
    char csv[400];
    snprintf(csv, sizeof csv, "%s/csv-%s", dir, name);
    ck_assert_int_eq(mkdir(csv, 0755), 0);
    ck_assert_int_eq(tu_copy_data(csv), 0);
    char obs[500];
    snprintf(obs, sizeof obs, "%s/observations.csv", csv);
    ck_assert_msg(ops_replace_in_file(obs, "\nhospital_beds_per_1000,rural,2019,4.8,",
                                      "\nhospital_beds_per_1000,rural,2019,9.9,") == 0,
                  "data/observations.csv no longer has rural hospital beds 2019 = 4.8");
    snprintf(out, size, "%s/%s", dir, name);
    ck_assert_int_eq(import_dir(csv, out, stderr), 0);
}

/* Files that SQLite opens but the store must refuse, made in DIR: the default database with
 * the groups table grown past one page and its last page damaged (reading stops after the first
 * rows; the loader used to keep those), and one written for another schema. */
static void make_midway_db(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/midway.db", dir);
    ck_assert_int_eq(tu_db_copy(out, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                     "FROM n WHERE i < 2000) INSERT INTO groups(group_id, "
                                     "name_en, region_id) SELECT 'pad' || i, 'Pad', 'east' FROM n"),
                     0);
    ck_assert_int_eq(tu_db_corrupt_last_page(out, "groups"), 0);
}

static void make_other_schema_db(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/schema.db", dir);
    ck_assert_int_eq(tu_db_copy(out, "UPDATE meta SET value = '999' WHERE key = 'schema_version';"),
                     0);
}

static double series_value(const struct tu_server *srv, char *etag, size_t size)
{
    struct tu_response r;
    ck_assert_int_eq(tu_http(srv, "GET", SERIES, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    if (etag)
        ck_assert_ptr_nonnull(tu_header(&r, "ETag", etag, size));
    json_t *j = json_loads(r.body, 0, NULL);
    double v = tu_num(j, "series.0.observations.0.value");
    json_decref(j);
    tu_response_free(&r);
    return v;
}

/* Runs the load for SECONDS and calls ACT after AT seconds. */
static void under_load(struct ops_load *load, int port, double seconds, double at,
                       void (*act)(void *), void *cls)
{
    memset(load, 0, sizeof *load);
    load->port = port;
    load->targets = targets;
    load->threads = 4;
    load->seconds = seconds;
    ck_assert_int_eq(ops_load_start(load), 0);
    ops_sleep(at);
    act(cls);
    ops_load_join(load);
}

struct swap {
    const char *from, *to;
    pid_t pid;
};

/* What an operator does: rename the new file over the served one, then SIGHUP. */
static void swap_and_hup(void *cls)
{
    struct swap *s = cls;
    if (s->from)
        ck_assert_int_eq(rename(s->from, s->to), 0);
    ck_assert_int_eq(kill(s->pid, SIGHUP), 0);
}

static void assert_no_failures(struct ops_load *load, const char *what)
{
    long total = atomic_load(&load->total), failed = atomic_load(&load->failed);
    ck_assert_msg(failed == 0, "%s: %ld of %ld requests failed; first: %s", what, failed, total,
                  load->first_failure);
    fprintf(stderr, "%s: %ld requests, none failed\n", what, total);
    /* The load must really have run: a few hundred requests a second even on a slow machine. */
    ck_assert_msg(total >= 200, "%s: only %ld requests were made", what, total);
}

START_TEST(test_sighup_swaps_data_under_load)
{
    struct fixture f;
    start(&f);
    char v0[64], v1[64], etag0[128], etag1[128], next[400];
    ck_assert_ptr_nonnull(ops_version(&f.srv, v0, sizeof v0));
    ck_assert_double_eq(series_value(&f.srv, etag0, sizeof etag0), 4.8);
    make_changed_db(f.dir, "next.db", next, sizeof next);

    struct ops_load load;
    struct swap s = {next, f.served, f.srv.pid};
    under_load(&load, f.srv.port, 3.0, 1.0, swap_and_hup, &s);
    assert_no_failures(&load, "SIGHUP with a new database");

    ck_assert_ptr_nonnull(ops_version(&f.srv, v1, sizeof v1));
    ck_assert_str_ne(v1, v0);
    ck_assert_msg(ops_load_saw_version(&load, v0) && ops_load_saw_version(&load, v1),
                  "the clients should have seen both versions (%s then %s); saw %d", v0, v1,
                  load.nversions);
    ck_assert_int_eq(load.nversions, 2);
    ck_assert_double_eq(series_value(&f.srv, etag1, sizeof etag1), 9.9);
    ck_assert_msg(strcmp(etag0, etag1) != 0, "the ETag must change with the data (%s)", etag0);
    ck_assert_double_eq(tu_metric(&f.srv, "prosperity_reloads_total"), 1);
    ck_assert_double_eq(tu_metric(&f.srv, "prosperity_reload_failures_total"), 0);
    char *log = tu_read(f.srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "reloaded"));
    free(log);
    stop(&f);
}
END_TEST

/* Puts BAD (a path of a broken file, or NULL to delete the served file) in place, sends SIGHUP
 * under load and checks that nothing changed but the failure counter. */
static void reload_broken(struct fixture *f, const char *bad, const char *version, double value,
                          double failures_before, const char *what)
{
    struct ops_load load;
    struct swap s = {bad, f->served, f->srv.pid};
    if (!bad)
        ck_assert_int_eq(unlink(f->served), 0);
    under_load(&load, f->srv.port, 1.5, 0.5, swap_and_hup, &s);
    ck_assert_double_eq(
        tu_metric_settles(&f->srv, "prosperity_reload_failures_total", failures_before + 1),
        failures_before + 1);
    assert_no_failures(&load, what);
    ck_assert_int_eq(load.nversions, 1);
    ck_assert_str_eq(load.versions[0], version);
    char v[64];
    ck_assert_ptr_nonnull(ops_version(&f->srv, v, sizeof v));
    ck_assert_str_eq(v, version);
    ck_assert_double_eq(series_value(&f->srv, NULL, 0), value);
    struct tu_response r;
    ck_assert_int_eq(tu_http(&f->srv, "GET", "/readyz", NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    tu_response_free(&r);
    ck_assert_double_eq(tu_metric(&f->srv, "prosperity_reloads_total"), 0);
}

START_TEST(test_sighup_with_broken_file_keeps_old_data)
{
    struct fixture f;
    start(&f);
    char v0[64], path[400];
    ck_assert_ptr_nonnull(ops_version(&f.srv, v0, sizeof v0));

    /* Not a database at all, behind a valid SQLite header. */
    snprintf(path, sizeof path, "%s/garbage.db", f.dir);
    static const char garbage[] = "SQLite format 3\0this is not a database, just some bytes";
    ck_assert_int_eq(ops_write_bytes(path, garbage, sizeof garbage), 0);
    reload_broken(&f, path, v0, 4.8, 0, "SIGHUP with a corrupt file");
    ck_assert_double_eq(tu_metric(&f.srv, "prosperity_reload_failures_total"), 1);

    /* A copy cut short, as a half-finished upload leaves it. */
    size_t len;
    char *db = tu_read(PROSPERITY_TEST_DB, &len);
    ck_assert_ptr_nonnull(db);
    snprintf(path, sizeof path, "%s/truncated.db", f.dir);
    ck_assert_int_eq(ops_write_bytes(path, db, len / 2), 0);
    free(db);
    reload_broken(&f, path, v0, 4.8, 1, "SIGHUP with a truncated file");

    /* No file at all. */
    reload_broken(&f, NULL, v0, 4.8, 2, "SIGHUP with the file missing");

    /* A valid SQLite file whose groups table cannot be read to the end. */
    make_midway_db(f.dir, path, sizeof path);
    reload_broken(&f, path, v0, 4.8, 3, "SIGHUP with a table failing midway");

    /* A file of another schema version. */
    make_other_schema_db(f.dir, path, sizeof path);
    reload_broken(&f, path, v0, 4.8, 4, "SIGHUP with another schema_version");

    /* A good file again: the next SIGHUP takes it. */
    char next[400], v1[64];
    make_changed_db(f.dir, "next.db", next, sizeof next);
    ck_assert_int_eq(rename(next, f.served), 0);
    ck_assert_int_eq(kill(f.srv.pid, SIGHUP), 0);
    ck_assert_double_eq(tu_metric_settles(&f.srv, "prosperity_reloads_total", 1), 1);
    ck_assert_ptr_nonnull(ops_version(&f.srv, v1, sizeof v1));
    ck_assert_str_ne(v1, v0);
    ck_assert_double_eq(series_value(&f.srv, NULL, 0), 9.9);
    ck_assert_double_eq(tu_metric(&f.srv, "prosperity_reload_failures_total"), 5);
    char *log = tu_read(f.srv.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "reload failed, still serving the previous data"));
    /* the log says which file and which table */
    char why[600];
    snprintf(why, sizeof why, "%s: table 'groups': reading row", f.served);
    ck_assert_msg(strstr(log, why) != NULL, "no '%s' in the log: %s", why, ops_log_tail(f.srv.log));
    snprintf(why, sizeof why, "%s: table 'meta': schema_version is '999'", f.served);
    ck_assert_msg(strstr(log, why) != NULL, "no '%s' in the log: %s", why, ops_log_tail(f.srv.log));
    free(log);
    stop(&f);
}
END_TEST

/* At start a file the store refuses stops the server: exit status 1, the reason on stderr
 * naming the file and the table. */
START_TEST(test_start_refuses_broken_file)
{
    char dir[300], db[400], log[400];
    ops_mkdir(dir, sizeof dir, "refuse");
    snprintf(log, sizeof log, "%s/server.log", dir);
    for (int k = 0; k < 2; k++) {
        if (k == 0)
            make_midway_db(dir, db, sizeof db);
        else
            make_other_schema_db(dir, db, sizeof db);
        const char *argv[] = {PROSPERITY_BIN, "serve", "--port", "0", "--listen",
                              "127.0.0.1",    "--db",  db,       NULL};
        pid_t pid = ops_spawn(argv, NULL, log);
        ck_assert_int_gt(pid, 0);
        int rc = ops_wait(pid, 20);
        if (rc == -1)
            ops_stop(pid, SIGKILL, 5);
        ck_assert_msg(rc == 1, "exit status %d, expected 1: %s", rc, ops_log_tail(log));
        char want[600];
        snprintf(want, sizeof want, "prosperity: %s: table '%s'", db, k == 0 ? "groups" : "meta");
        char *text = tu_read(log, NULL);
        ck_assert_msg(strstr(text, want) != NULL, "no '%s' in: %s", want, ops_log_tail(log));
        free(text);
    }
}
END_TEST

/* A SIGHUP that arrives while the first load is still running must not kill the process: it
 * is held until the data are served and then reloads once. The load is held up by a write lock
 * on the file (the store waits for it), so the signal surely lands in it. */
START_TEST(test_sighup_during_first_load)
{
    struct fixture f;
    ops_mkdir(f.dir, sizeof f.dir, "early");
    snprintf(f.served, sizeof f.served, "%s/served.db", f.dir);
    ck_assert_int_eq(ops_copy_file(PROSPERITY_TEST_DB, f.served), 0);
    sqlite3 *lock;
    ck_assert_int_eq(sqlite3_open(f.served, &lock), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

    memset(&f.srv, 0, sizeof f.srv);
    const char *log = f.srv.log;
    ck_assert_int_lt(snprintf(f.srv.log, sizeof f.srv.log, "%s/server.log", f.dir),
                     (int)sizeof f.srv.log);
    const char *argv[] = {PROSPERITY_BIN, "serve",  "--port",       "0",   "--listen", "127.0.0.1",
                          "--db",         f.served, "--access-log", "off", NULL};
    f.srv.pid = ops_spawn(argv, NULL, log);
    ck_assert_int_gt(f.srv.pid, 0);
    char *text = ops_wait_for_text(log, "loading", 20);
    ck_assert_msg(text != NULL, "the server did not start loading: %s", ops_log_tail(log));
    ck_assert_msg(strstr(text, "serving") == NULL, "already serving: %s", text);
    free(text);
    ck_assert_int_eq(kill(f.srv.pid, SIGHUP), 0);
    ops_sleep(0.3);
    int rc = ops_wait(f.srv.pid, 0);
    ck_assert_msg(rc == -1, "the server died of the SIGHUP during its first load (status %d): %s",
                  rc, ops_log_tail(log));
    sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(lock);

    ck_assert_msg(ops_server_wait_ready(&f.srv, 20) == 0, "not ready: %s", ops_log_tail(log));
    ck_assert_double_eq(series_value(&f.srv, NULL, 0), 4.8);
    ck_assert_double_eq(tu_metric_settles(&f.srv, "prosperity_reloads_total", 1), 1);
    ck_assert_double_eq(tu_metric(&f.srv, "prosperity_reload_failures_total"), 0);
    /* one reload, after the first load was served */
    text = tu_read(log, NULL);
    const char *serving = strstr(text, "serving");
    ck_assert_ptr_nonnull(serving);
    ck_assert_ptr_nonnull(strstr(serving, "SIGHUP: loading"));
    ck_assert_ptr_null(strstr(strstr(serving, "SIGHUP: loading") + 1, "SIGHUP: loading"));
    free(text);
    stop(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reload");
    TCase *tc = tcase_create("sighup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sighup_swaps_data_under_load);
    tcase_add_test(tc, test_sighup_with_broken_file_keeps_old_data);
    tcase_add_test(tc, test_start_refuses_broken_file);
    tcase_add_test(tc, test_sighup_during_first_load);
    suite_add_tcase(s, tc);
    return ops_run(s);
}
