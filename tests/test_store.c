/* tests/test_store.c — loading a database into a snapshot: counts, O(1) lookups, year search,
 * computed aggregates against an independent computation from the CSV, and refusals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "import.h"
#include "testutil.h"

static uint32_t ind(const char *id)
{
    uint32_t i = store_indicator_index(tu_store(), id, strlen(id));
    ck_assert_msg(i != STORE_NONE, "no indicator %s", id);
    return i;
}

static uint32_t reg(const char *id)
{
    uint32_t r = store_region_index(tu_store(), id, strlen(id));
    ck_assert_msg(r != STORE_NONE, "no region %s", id);
    return r;
}

static double value(const char *indicator, const char *region, int year)
{
    const struct store *s = tu_store();
    const struct observation *o =
        store_value_at(s, store_series(s, ind(indicator), reg(region)), year);
    ck_assert_msg(o != NULL, "no %s/%s/%d", indicator, region, year);
    return o->value;
}

START_TEST(test_store_counts)
{
    const struct store *s = tu_store();
    ck_assert_uint_eq(store_indicator_count(s), 43);
    ck_assert_uint_eq(store_region_count(s), 47);
    ck_assert_uint_eq(store_group_count(s), 4);
    ck_assert_uint_eq(store_source_count(s), 9);
    ck_assert_uint_eq(store_benchmark_count(s), 2);
    ck_assert_uint_eq(store_observation_count(s), 2260);
    ck_assert_uint_eq(strlen(store_version(s)), 16);
}
END_TEST

/* The paper's Table 1: rural beds per 1,000 in 2019 is 4.8; urban health technicians per
 * 10,000 in 2012 is 85. */
START_TEST(test_store_table1_values)
{
    ck_assert_double_eq(value("hospital_beds_per_1000", "rural", 2019), 4.8);
    ck_assert_double_eq(value("health_technicians_per_10000", "urban", 2012), 85);
    ck_assert_double_eq(value("kindergarten_teachers", "rural", 2012), 229563);
}
END_TEST

START_TEST(test_store_lookups)
{
    const struct store *s = tu_store();
    ck_assert_uint_eq(store_indicator_index(s, "gdpx", 4), STORE_NONE);
    ck_assert_uint_eq(store_indicator_index(s, "gdp_per_capita", 3), ind("gdp"));
    ck_assert_uint_eq(store_region_index(s, "", 0), STORE_NONE);
    const struct region *east = store_region_at(s, reg("east"));
    ck_assert_str_eq(east->name_zh, "东部地区");
    ck_assert_uint_eq(east->n_children, 10);
    ck_assert_str_eq(store_region_at(s, east->parent)->id, "china");
    uint32_t g = store_group_index(s, "four_regions", 12);
    ck_assert_uint_eq(store_group_at(s, g)->n_members, 4);
    ck_assert_ptr_null(store_series(s, ind("gdp"), reg("usa")));
}
END_TEST

START_TEST(test_store_series_sorted_and_searchable)
{
    const struct store *s = tu_store();
    const struct series *se = store_series(s, ind("income_per_capita"), reg("urban"));
    ck_assert_ptr_nonnull(se);
    ck_assert_uint_eq(se->count, 43); /* 1978..2020 */
    const struct observation *o = store_observations(s, se);
    for (uint32_t k = 1; k < se->count; k++)
        ck_assert_int_lt(o[k - 1].year, o[k].year);
    ck_assert_uint_eq(store_lower_bound(s, se, 1000), 0);
    ck_assert_uint_eq(store_lower_bound(s, se, 2000), 22);
    ck_assert_uint_eq(store_lower_bound(s, se, 9999), 43);
    ck_assert_ptr_null(store_value_at(s, se, 1977));
    ck_assert_int_eq(store_value_at(s, se, 2013)->status, STATUS_BREAK);
}
END_TEST

/* An independent reading of data/observations.csv: sum of VALUE over the provinces of PARENT
 * in YEAR, optionally multiplied by population (for the weighted mean). */
struct csv_sums {
    double gdp, pop, gdppc_x_pop;
    int n;
};

static int province_of(const char *region, const char *parent)
{
    /* regions.csv rows are id,name_en,name_zh,kind,parent,code */
    static char *regions;
    if (!regions) {
        char path[512];
        snprintf(path, sizeof path, "%s/data/regions.csv", PROSPERITY_SOURCE_DIR);
        regions = tu_read(path, NULL);
    }
    char needle[128];
    snprintf(needle, sizeof needle, "\n%s,", region);
    const char *line = strstr(regions, needle);
    if (!line)
        return 0;
    const char *eol = strchr(line + 1, '\n');
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)(eol - line - 1), line + 1);
    char *fields[6] = {0}, *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok && n < 6; tok = strtok_r(NULL, ",", &save))
        fields[n++] = tok;
    /* name_zh is never empty for provinces, so the kind is field 3 and parent field 4 */
    return n >= 5 && strcmp(fields[3], "province") == 0 &&
           (!parent || strcmp(fields[4], parent) == 0);
}

static struct csv_sums sums_from_csv(const char *parent, int year)
{
    struct csv_sums out = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/data/observations.csv", PROSPERITY_SOURCE_DIR);
    char *text = tu_read(path, NULL);
    double pop[64] = {0}, pc[64] = {0};
    char names[64][32];
    int np = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char indicator[64], region[32];
        int y;
        double v;
        if (sscanf(line, "%63[^,],%31[^,],%d,%lf", indicator, region, &y, &v) != 4 || y != year)
            continue;
        int k = 0;
        while (k < np && strcmp(names[k], region) != 0)
            k++;
        if (k == np) {
            snprintf(names[np++], sizeof names[0], "%s", region);
        }
        if (strcmp(indicator, "gdp") == 0 && province_of(region, parent))
            out.gdp += v;
        else if (strcmp(indicator, "population") == 0)
            pop[k] = v;
        else if (strcmp(indicator, "gdp_per_capita") == 0)
            pc[k] = v;
    }
    for (int k = 0; k < np; k++)
        if (province_of(names[k], parent) && pop[k] > 0) {
            out.pop += pop[k];
            out.gdppc_x_pop += pc[k] * pop[k];
            out.n++;
        }
    free(text);
    return out;
}

/* east's gdp_per_capita in 2019 is the population-weighted mean of its 10 provinces (the issue
 * quotes about 90,910 yuan); gdp is their sum. */
START_TEST(test_store_computed_weighted_mean)
{
    const struct store *s = tu_store();
    struct csv_sums c = sums_from_csv("east", 2019);
    ck_assert_int_eq(c.n, 10);
    const struct series *se = store_series(s, ind("gdp_per_capita"), reg("east"));
    ck_assert_ptr_nonnull(se);
    ck_assert_uint_eq(se->members, 10);
    ck_assert_str_eq(se->member_kind, "province");
    double v = value("gdp_per_capita", "east", 2019);
    ck_assert_double_eq_tol(v, c.gdppc_x_pop / c.pop, 1e-9 * v);
    /* gdp / population in 100 million yuan per 10,000 persons = 10,000 yuan per person */
    ck_assert_double_eq_tol(v, c.gdp / c.pop * 1e4, 1.0);
    ck_assert_int_eq((int)floor(v / 10), 9091);
    ck_assert_double_eq_tol(value("gdp", "east", 2019), c.gdp, 1e-6);
}
END_TEST

START_TEST(test_store_computed_recursive_sum)
{
    struct csv_sums all = sums_from_csv(NULL, 2019);
    ck_assert_int_eq(all.n, 31);
    const struct store *s = tu_store();
    const struct series *se = store_series(s, ind("gdp"), reg("china"));
    ck_assert_ptr_nonnull(se);
    ck_assert_str_eq(se->member_kind, "macro_region");
    ck_assert_uint_eq(se->members, 4);
    ck_assert_double_eq_tol(value("gdp", "china", 2019), all.gdp, 1e-6);
    ck_assert_uint_eq(se->count, 20); /* 2005..2024 for every province */
    /* Regions whose data stand alone are not computed (no sum indicator has them). */
    ck_assert_ptr_null(store_series(s, ind("hospital_beds_per_1000"), reg("china")));
}
END_TEST

START_TEST(test_store_computed_from_urban_rural)
{
    /* kindergarten teachers (sum) exist for urban and rural only: china = urban + rural */
    double v = value("kindergarten_teachers", "china", 2019);
    ck_assert_double_eq(v, 1336427.0 + 448416.0);
}
END_TEST

START_TEST(test_store_own_data_wins)
{
    /* patent applications have the four regions' own data; none is computed */
    const struct store *s = tu_store();
    const struct series *se = store_series(s, ind("patent_applications"), reg("east"));
    ck_assert_uint_eq(se->members, 0);
    ck_assert_double_eq(value("patent_applications", "east", 2011), 653832);
}
END_TEST

START_TEST(test_store_version_is_content_hash)
{
    struct api_error err;
    struct store *a = store_load(PROSPERITY_TEST_DB, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(store_version(a), store_version(tu_store()));
    store_free(a);
}
END_TEST

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

static void expect_load_error(const char *path, const char *expect)
{
    struct api_error err = {0};
    struct store *s = store_load(path, &err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.detail, path) != NULL, "detail lacks the path: %s", err.detail);
    ck_assert_msg(strstr(err.detail, expect) != NULL, "expected '%s' in '%s'", expect, err.detail);
}

START_TEST(test_store_rejects_missing_file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/nope.db", dir);
    expect_load_error(path, "cannot open");
}
END_TEST

START_TEST(test_store_rejects_non_sqlite)
{
    char path[512];
    snprintf(path, sizeof path, "%s/text.db", dir);
    tu_write(path, "this is not a database, just text\n");
    expect_load_error(path, "not a database");
}
END_TEST

static void make_db(const char *path, const char *sql)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

START_TEST(test_store_rejects_empty_database)
{
    char path[512];
    snprintf(path, sizeof path, "%s/empty.db", dir);
    make_db(path, "CREATE TABLE unrelated(x);");
    expect_load_error(path, "no such table");
}
END_TEST

START_TEST(test_store_rejects_wrong_shape)
{
    char path[512];
    snprintf(path, sizeof path, "%s/shape.db", dir);
    make_db(path, "CREATE TABLE sources(id, citation); CREATE TABLE indicators(id, name_en);");
    expect_load_error(path, "no such column");
}
END_TEST

START_TEST(test_store_rejects_no_observations)
{
    char path[512], *msg = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/none.db", dir);
    ck_assert_int_eq(tu_copy_data(dir), 0);
    char obs[512];
    snprintf(obs, sizeof obs, "%s/observations.csv", dir);
    tu_write(obs, "indicator_id,region_id,year,value,status,source_id,note\n");
    FILE *errs = open_memstream(&msg, &len);
    int rc = import_dir(dir, path, errs);
    fclose(errs);
    free(msg);
    /* the importer refuses it already; a hand-made file gets the same answer from the store */
    ck_assert_int_ne(rc, 0);
    make_db(path, "CREATE TABLE sources(id TEXT, citation TEXT);"
                  "CREATE TABLE indicators(id, name_en, name_zh, unit, category, "
                  "higher_is_better, aggregation, weight_indicator, description);"
                  "CREATE TABLE regions(id, name_en, name_zh, kind, parent, code);"
                  "CREATE TABLE groups(group_id, name_en, name_zh, region_id);"
                  "CREATE TABLE benchmarks(indicator_id, label, value, source_id, note);"
                  "CREATE TABLE observations(indicator_id, region_id, year, value, status, "
                  "source_id, note);");
    expect_load_error(path, "contains no observations");
}
END_TEST

/* Another process holds the file locked for writing: the load waits briefly, then says so. */
START_TEST(test_store_rejects_locked_database)
{
    char path[512];
    snprintf(path, sizeof path, "%s/locked.db", dir);
    sqlite3 *src, *dst; /* a copy of the default database, made with SQLite's backup API */
    ck_assert_int_eq(sqlite3_open_v2(PROSPERITY_TEST_DB, &src, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_open(path, &dst), SQLITE_OK);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    sqlite3_close(src);
    ck_assert_int_eq(sqlite3_exec(dst, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    expect_load_error(path, "locked");
    sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(dst);
}
END_TEST

START_TEST(test_store_rejects_bad_rows)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bad.db", dir);
    make_db(path, "CREATE TABLE sources(id TEXT, citation TEXT);"
                  "CREATE TABLE indicators(id, name_en, name_zh, unit, category, "
                  "higher_is_better, aggregation, weight_indicator, description);"
                  "INSERT INTO indicators VALUES('i','I',NULL,NULL,NULL,1,'none',NULL,NULL);"
                  "CREATE TABLE regions(id, name_en, name_zh, kind, parent, code);"
                  "INSERT INTO regions VALUES('r','R',NULL,'k',NULL,NULL);"
                  "CREATE TABLE groups(group_id, name_en, name_zh, region_id);"
                  "CREATE TABLE benchmarks(indicator_id, label, value, source_id, note);"
                  "CREATE TABLE observations(indicator_id, region_id, year, value, status, "
                  "source_id, note);"
                  "INSERT INTO observations VALUES('i','zz',2000,1,NULL,NULL,NULL);");
    expect_load_error(path, "unknown region 'zz'");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *load = tcase_create("default");
    tcase_add_test(load, test_store_counts);
    tcase_add_test(load, test_store_table1_values);
    tcase_add_test(load, test_store_lookups);
    tcase_add_test(load, test_store_series_sorted_and_searchable);
    tcase_add_test(load, test_store_version_is_content_hash);
    suite_add_tcase(s, load);
    TCase *agg = tcase_create("computed");
    tcase_add_test(agg, test_store_computed_weighted_mean);
    tcase_add_test(agg, test_store_computed_recursive_sum);
    tcase_add_test(agg, test_store_computed_from_urban_rural);
    tcase_add_test(agg, test_store_own_data_wins);
    suite_add_tcase(s, agg);
    TCase *bad = tcase_create("refuses");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_store_rejects_missing_file);
    tcase_add_test(bad, test_store_rejects_non_sqlite);
    tcase_add_test(bad, test_store_rejects_empty_database);
    tcase_add_test(bad, test_store_rejects_wrong_shape);
    tcase_add_test(bad, test_store_rejects_no_observations);
    tcase_add_test(bad, test_store_rejects_bad_rows);
    tcase_add_test(bad, test_store_rejects_locked_database);
    suite_add_tcase(s, bad);
    return tu_run(s);
}
