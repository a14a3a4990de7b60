/* tests/testutil.h — shared helpers: the default database, in-process requests, a real server
 * on a free port, and files. */
#ifndef PROSPERITY_TESTUTIL_H
#define PROSPERITY_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>

#include "store.h"

/* The default database the build imported from data/ (loaded once per process). */
const struct store *tu_store(void);

/* Answers TARGET ("/v1/series?indicator=...") in process through the route table, as the
 * server would. Returns the parsed JSON (new reference; a problem on error) and the status. For
 * format=csv the text is returned as a JSON string. */
json_t *tu_api(const struct store *s, const char *target, int *status);

/* Follows a path of keys and array indexes ("series.0.observations.3.value") in J. */
json_t *tu_at(json_t *j, const char *path);
double tu_num(json_t *j, const char *path); /* NAN when absent or not a number */
const char *tu_str(json_t *j, const char *path);

/* tu_api with the status asserted to be WANT (the answer printed otherwise); new reference. */
json_t *tu_get(const struct store *s, const char *target, int want);
/* Asserts that TARGET answers a problem with STATUS and CODE (unless NULL), naming PARAM
 * (unless NULL), whose detail contains SAYS (unless NULL). */
void tu_expect_problem(const struct store *s, const char *target, int status, const char *code,
                       const char *param, const char *says);
/* Asserts |GOT - WANT| <= REL |WANT| (1e-14 absolute when WANT is 0), naming WHAT. */
void tu_assert_rel(const char *what, double got, double want, double rel);
/* Imports data/ with INDICATORS (rows of TU_INDICATOR_COLUMNS) and OBSERVATIONS (CSV rows)
 * appended, in a new folder *DIR (free() it; tu_rmrf it). Returns the loaded store (free it with
 * store_free). */
struct store *tu_fixture_store(const char *indicators, const char *observations, char **dir);
/* Runs suite S (CK_NORMAL); EXIT_SUCCESS when every test passed. */
int tu_run_suite(Suite *s);

/* A running `prosperity serve` on 127.0.0.1 and a free port. */
struct tu_server {
    int pid;
    int port;
    char log[300]; /* its stdout and stderr */
    char dir[256]; /* scratch folder for this server */
};

/* The suite's server with the default flags, for tcase_add_unchecked_fixture(tc,
 * tu_srv_start, tu_srv_stop): started once, stopped with SIGTERM (which must exit 0). */
extern struct tu_server tu_srv;
void tu_srv_start(void);
void tu_srv_stop(void);

/* Starts the server with EXTRA flags (NULL-terminated, may be NULL), waits for /readyz. */
int tu_server_start(struct tu_server *srv, const char *const *extra);
/* Sends SIG and waits; returns the exit status (or 128+signal). */
int tu_server_stop(struct tu_server *srv, int sig);

struct tu_response {
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    char *headers; /* raw header block */
};

/* One request; HEADERS is NULL-terminated "Name: value" strings (may be NULL). Returns 0 or -1
 * when the connection failed. */
int tu_http(const struct tu_server *srv, const char *method, const char *target,
            const char *const *headers, struct tu_response *resp);
/* The value of header NAME (case-insensitive) in RESP, copied into OUT; NULL when absent. */
const char *tu_header(const struct tu_response *resp, const char *name, char *out, size_t size);
void tu_response_free(struct tu_response *resp);
/* The value of the /metrics line that starts with NAME and a space; -1 when there is none. */
double tu_metric(const struct tu_server *srv, const char *name);
/* The value of metric NAME once it is WANT, or what it is after 5 s: a request is counted when
 * its answer has been sent, which may be after the client has read it, and a reload runs in the
 * server's main loop. */
double tu_metric_settles(const struct tu_server *srv, const char *name, double want);
/* GET and parse as JSON (new reference or NULL). */
json_t *tu_get_json(const struct tu_server *srv, const char *target, long *status);

/* Files. */
char *tu_tmpdir(void);             /* new folder; free() the path */
int tu_copy_data(const char *dir); /* the CSV files of data/ into DIR */
int tu_write(const char *path, const char *text);
int tu_append(const char *path, const char *text);
char *tu_read(const char *path, size_t *len); /* whole file, NUL-terminated; free() it */
/* Appends CSV ROWS ("a,b\nc,d\n"), whose columns are named by COLUMNS ("id,name_en,..."), to
 * the CSV file PATH in the order of its header; its other columns stay empty. So a fixture
 * written for the columns it knows stays valid when data/ gains columns. */
int tu_append_rows(const char *path, const char *columns, const char *rows);
/* Rows of data/FILE (a CSV of the default data set, read line by line here, not by the
 * importer) whose COLUMN is VALUE and, when COLUMN2 is not NULL, COLUMN2 is VALUE2; every row
 * when COLUMN is NULL. For expected values that follow the data. */
size_t tu_csv_count(const char *file, const char *column, const char *value, const char *column2,
                    const char *value2);
/* Rows of data/FILE whose columns match MATCH (NULL-terminated "column", "value" pairs; NULL
 * or empty: every row); the COLUMN field of the first such row is copied into OUT (SIZE bytes)
 * when OUT is not NULL. */
size_t tu_csv_get(const char *file, const char *const *match, const char *column, char *out,
                  size_t size);
/* The columns of indicators.csv that fixtures write rows for. */
#define TU_INDICATOR_COLUMNS                                                                       \
    "id,name_en,name_zh,unit,category,higher_is_better,aggregation,weight_indicator,description"
void tu_rmrf(const char *dir);

/* Database fixtures for the loader's refusals. Copies the default database to PATH and runs SQL
 * (may be NULL) on the copy. 0 or -1. */
int tu_db_copy(const char *path, const char *sql);
/* Overwrites the cell area of the last leaf page of TABLE's b-tree in the file PATH with 0xFF:
 * the page headers stay intact (count(*) still counts every row), reading the last rows fails.
 * TABLE must span more than one page. 0, or -1 (also when TABLE fits in one page). */
int tu_db_corrupt_last_page(const char *path, const char *table);

/* Runs a Check suite and returns the exit status (0 when all passed). */
int tu_run(Suite *s);

#endif
