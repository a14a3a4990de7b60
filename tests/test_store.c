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
    /* the counts of data/'s CSV files, read by a line reader of the test's own */
    ck_assert_uint_eq(store_indicator_count(s),
                      tu_csv_count("indicators.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_region_count(s), tu_csv_count("regions.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_source_count(s), tu_csv_count("sources.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_benchmark_count(s),
                      tu_csv_count("benchmarks.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_observation_count(s),
                      tu_csv_count("observations.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_neighbour_pair_count(s),
                      tu_csv_count("neighbours.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_group_count(s), 7); /* distinct group_id values of groups.csv */
    ck_assert_uint_eq(strlen(store_version(s)), 16);
}
END_TEST

/* neighbours.csv read both ways: guangdong has fujian, guangxi, hunan, jiangxi (land) and
 * hainan (link, across the Qiongzhou Strait); hainan has only guangdong. */
START_TEST(test_store_neighbours)
{
    const struct store *s = tu_store();
    const struct region *gd = store_region_at(s, reg("guangdong"));
    ck_assert_uint_eq(gd->n_neighbours, 5);
    static const char *const want[] = {"fujian", "guangxi", "hunan", "jiangxi", "hainan"};
    size_t lands = 0;
    for (size_t k = 0; k < 5; k++) {
        int found = 0;
        for (uint32_t i = 0; i < gd->n_neighbours; i++) {
            if (strcmp(store_region_at(s, gd->neighbours[i])->id, want[k]) != 0)
                continue;
            found = 1;
            ck_assert_int_eq(gd->neighbour_kinds[i], k == 4 ? NEIGHBOUR_LINK : NEIGHBOUR_LAND);
            lands += gd->neighbour_kinds[i] == NEIGHBOUR_LAND;
        }
        ck_assert_msg(found, "guangdong should touch %s", want[k]);
    }
    ck_assert_uint_eq(lands, 4);
    for (uint32_t i = 1; i < gd->n_neighbours; i++)
        ck_assert_uint_lt(gd->neighbours[i - 1], gd->neighbours[i]);
    const struct region *hn = store_region_at(s, reg("hainan"));
    ck_assert_uint_eq(hn->n_neighbours, 1);
    ck_assert_str_eq(store_region_at(s, hn->neighbours[0])->id, "guangdong");
    ck_assert_str_eq(store_neighbour_kind_name(hn->neighbour_kinds[0]), "link");
    /* every pair counted twice: the degrees add up to twice the rows */
    size_t degrees = 0;
    for (uint32_t r = 0; r < store_region_count(s); r++)
        degrees += store_region_at(s, r)->n_neighbours;
    ck_assert_uint_eq(degrees, 2 * tu_csv_count("neighbours.csv", NULL, NULL, NULL, NULL));
    ck_assert_uint_eq(store_region_at(s, reg("china"))->n_neighbours, 0);
}
END_TEST

/* unit_zh and description_zh come through (indicators.csv has them for the provincial panel) */
START_TEST(test_store_chinese_texts)
{
    const struct store *s = tu_store();
    const struct indicator *in = store_indicator_at(s, ind("residents_disposable_income"));
    ck_assert_ptr_nonnull(in->unit_zh);
    ck_assert_ptr_nonnull(in->description_zh);
    ck_assert_uint_eq(
        tu_csv_count("indicators.csv", "id", "residents_disposable_income", "unit_zh", in->unit_zh),
        1);
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

/* The meta table of a hand-made database that the store accepts. */
#define META                                                                                       \
    "CREATE TABLE meta(key TEXT, value TEXT);"                                                     \
    "INSERT INTO meta VALUES('schema_version', '" IMPORT_SCHEMA_VERSION "');"

START_TEST(test_store_rejects_empty_database)
{
    char path[512];
    snprintf(path, sizeof path, "%s/empty.db", dir);
    make_db(path, "CREATE TABLE unrelated(x);");
    expect_load_error(path, "table 'meta' is missing");
}
END_TEST

START_TEST(test_store_rejects_wrong_shape)
{
    char path[512];
    snprintf(path, sizeof path, "%s/shape.db", dir);
    make_db(path, META "CREATE TABLE sources(id, citation); CREATE TABLE indicators(id, name_en);");
    expect_load_error(path, "table 'indicators' has no column 'name_zh'");
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
    make_db(path, META "CREATE TABLE sources(id TEXT, citation TEXT);"
                       "CREATE TABLE indicators(id, name_en, name_zh, unit, category, "
                       "higher_is_better, aggregation, weight_indicator, description, unit_zh, "
                       "description_zh);"
                       "CREATE TABLE regions(id, name_en, name_zh, kind, parent, code);"
                       "CREATE TABLE neighbours(region_id, neighbour_id, kind);"
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
    make_db(path, META "CREATE TABLE sources(id TEXT, citation TEXT);"
                       "CREATE TABLE indicators(id, name_en, name_zh, unit, category, "
                       "higher_is_better, aggregation, weight_indicator, description, unit_zh, "
                       "description_zh);"
                       "INSERT INTO indicators VALUES('i','I',NULL,NULL,NULL,1,'none',NULL,NULL,"
                       "NULL,NULL);"
                       "CREATE TABLE regions(id, name_en, name_zh, kind, parent, code);"
                       "INSERT INTO regions VALUES('r','R',NULL,'k',NULL,NULL);"
                       "CREATE TABLE neighbours(region_id, neighbour_id, kind);"
                       "CREATE TABLE groups(group_id, name_en, name_zh, region_id);"
                       "CREATE TABLE benchmarks(indicator_id, label, value, source_id, note);"
                       "CREATE TABLE observations(indicator_id, region_id, year, value, status, "
                       "source_id, note);"
                       "INSERT INTO observations VALUES('i','zz',2000,1,NULL,NULL,NULL);");
    expect_load_error(path, "unknown region 'zz'");
}
END_TEST

/* Every table the store reads, with SQL that makes it span several pages of the file (the
 * default data fit some of them in one) without making the data invalid, and a column it reads
 * that can be dropped. */
static const struct {
    const char *table, *grow, *column;
} tables[] = {
    {"sources", "INSERT INTO sources(id, citation) SELECT 'pad' || i, 'A padding citation' FROM n",
     "citation"},
    {"indicators",
     "INSERT INTO indicators(id, name_en, aggregation) SELECT 'pad' || i, 'Pad', 'none' FROM n",
     "description"},
    {"regions", "INSERT INTO regions(id, name_en, kind) SELECT 'pad' || i, 'Pad', 'pad' FROM n",
     "code"},
    {"groups",
     "INSERT INTO groups(group_id, name_en, region_id) SELECT 'pad' || i, 'Pad', 'east' FROM n",
     "name_zh"},
    {"benchmarks",
     "INSERT INTO benchmarks(indicator_id, label, value) SELECT 'gdp', 'pad' || i, 1 FROM n",
     "note"},
    {"observations", NULL, "note"},
};

/* A table whose later rows cannot be read (a damaged page after the first) fails the load
 * naming the file and the table; it used to load as the rows before the damage. */
START_TEST(test_store_rejects_table_failing_midway)
{
    char path[512], sql[512];
    snprintf(path, sizeof path, "%s/midway.db", dir);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) %s",
             tables[_i].grow ? tables[_i].grow : "SELECT 1");
    ck_assert_int_eq(tu_db_copy(path, sql), 0);
    struct api_error err = {0};
    struct store *grown = store_load(path, &err); /* the padding alone is valid data */
    ck_assert_msg(grown != NULL, "%s", err.detail);
    store_free(grown);
    ck_assert_int_eq(tu_db_corrupt_last_page(path, tables[_i].table), 0);
    char name[64];
    snprintf(name, sizeof name, "table '%s'", tables[_i].table);
    expect_load_error(path, name);
    expect_load_error(path, "malformed");
}
END_TEST

/* A view in place of a table (here one that hides rows) is refused, not read. */
START_TEST(test_store_rejects_view)
{
    char path[512], sql[512], expect[64];
    const char *t = tables[_i].table;
    snprintf(path, sizeof path, "%s/view.db", dir);
    snprintf(sql, sizeof sql,
             "ALTER TABLE %s RENAME TO %s_data;"
             "CREATE VIEW %s AS SELECT rowid AS rowid, * FROM %s_data WHERE rowid %% 2 = 0;",
             t, t, t, t);
    if (strcmp(t, "observations") == 0) /* WITHOUT ROWID */
        snprintf(sql, sizeof sql,
                 "ALTER TABLE observations RENAME TO observations_data;"
                 "CREATE VIEW observations AS SELECT * FROM observations_data WHERE year > 2000;");
    ck_assert_int_eq(tu_db_copy(path, sql), 0);
    snprintf(expect, sizeof expect, "'%s' is a view, not a table", t);
    expect_load_error(path, expect);
}
END_TEST

START_TEST(test_store_rejects_missing_column)
{
    char path[512], sql[256], expect[128];
    snprintf(path, sizeof path, "%s/column.db", dir);
    snprintf(sql, sizeof sql, "ALTER TABLE %s DROP COLUMN %s;", tables[_i].table,
             tables[_i].column);
    ck_assert_int_eq(tu_db_copy(path, sql), 0);
    snprintf(expect, sizeof expect, "table '%s' has no column '%s'", tables[_i].table,
             tables[_i].column);
    expect_load_error(path, expect);
}
END_TEST

/* Columns and tables the store does not read may be added (a newer importer adds some). */
START_TEST(test_store_accepts_added_columns_and_tables)
{
    char path[512];
    snprintf(path, sizeof path, "%s/added.db", dir);
    ck_assert_int_eq(tu_db_copy(path, "ALTER TABLE indicators ADD COLUMN extra TEXT;"
                                      "ALTER TABLE groups ADD COLUMN extra TEXT;"
                                      "CREATE TABLE extra(a, b);"),
                     0);
    struct api_error err = {0};
    struct store *s = store_load(path, &err);
    ck_assert_msg(s != NULL, "%s", err.detail);
    ck_assert_str_eq(store_version(s), store_version(tu_store()));
    store_free(s);
}
END_TEST

/* The file must say which schema it has, and it must be the importer's. */
START_TEST(test_store_rejects_schema_version)
{
    static const char *const cases[][2] = {
        {"UPDATE meta SET value = '999' WHERE key = 'schema_version';",
         "schema_version is '999', this server reads '" IMPORT_SCHEMA_VERSION "'"},
        {"UPDATE meta SET value = '' WHERE key = 'schema_version';", "schema_version is ''"},
        {"DELETE FROM meta WHERE key = 'schema_version';", "table 'meta' has no schema_version"},
        {"DROP TABLE meta;", "table 'meta' is missing"},
    };
    char path[512];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(path, sizeof path, "%s/schema%zu.db", dir, k);
        ck_assert_int_eq(tu_db_copy(path, cases[k][0]), 0);
        expect_load_error(path, cases[k][1]);
    }
}
END_TEST

/* The rows of data/observations.csv for INDICATOR in YEAR whose region is a child of PARENT of
 * KIND (from data/regions.csv) and whose status is not empty: "region status" joined by ", ",
 * into OUT. Returns the number of members found. */
static int flagged_members_from_csv(const char *indicator, int year, const char *parent,
                                    const char *kind, char *out, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/regions.csv", PROSPERITY_SOURCE_DIR);
    char *regions = tu_read(path, NULL);
    snprintf(path, sizeof path, "%s/data/observations.csv", PROSPERITY_SOURCE_DIR);
    char *obs = tu_read(path, NULL);
    ck_assert_ptr_nonnull(regions);
    ck_assert_ptr_nonnull(obs);
    int members = 0;
    out[0] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(obs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char ind_id[64], region[64], status[32] = "";
        int y;
        double v;
        if (sscanf(line, "%63[^,],%63[^,],%d,%lf,%31[^,]", ind_id, region, &y, &v, status) < 4 ||
            y != year || strcmp(ind_id, indicator) != 0)
            continue;
        /* the region's row in regions.csv: id,name_en,name_zh,kind,parent,code */
        char needle[128];
        snprintf(needle, sizeof needle, "\n%s,", region);
        const char *row = strstr(regions, needle);
        ck_assert_ptr_nonnull(row);
        char want[128];
        snprintf(want, sizeof want, ",%s,%s,", kind, parent);
        const char *eol = strchr(row + 1, '\n');
        const char *hit = strstr(row, want);
        if (!hit || hit > eol)
            continue;
        members++;
        if (status[0])
            snprintf(out + strlen(out), size - strlen(out), "%s%s %s", out[0] ? ", " : "", region,
                     status);
    }
    free(regions);
    free(obs);
    return members;
}

/* China's 2020 secondary value added is the sum of the four macro-regions, one of them flagged
 * in the CSV: the sum carries the flag and names the member. */
START_TEST(test_store_computed_carries_member_flags)
{
    char flagged[256];
    int members = flagged_members_from_csv("secondary_value_added", 2020, "china", "macro_region",
                                           flagged, sizeof flagged);
    ck_assert_int_eq(members, 4);
    ck_assert_str_eq(flagged, "northeast suspect");
    const struct store *s = tu_store();
    const struct observation *o = store_get(s, ind("secondary_value_added"), reg("china"), 2020);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(store_status_name(o->status), "suspect");
    ck_assert_ptr_nonnull(o->note);
    ck_assert_msg(strstr(o->note, "4 macro_region members") != NULL, "note: %s", o->note);
    ck_assert_msg(strstr(o->note, "flagged: northeast suspect") != NULL, "note: %s", o->note);
    /* a computed value whose members carry no flag has none */
    char none[256];
    ck_assert_int_eq(flagged_members_from_csv("gdp", 2019, "east", "province", none, sizeof none),
                     10);
    ck_assert_str_eq(none, "");
    o = store_get(s, ind("gdp"), reg("east"), 2019);
    ck_assert_int_eq(o->status, STATUS_NONE);
    ck_assert_ptr_null(o->note);
}
END_TEST

/* The same through the handler, as JSON and CSV. */
START_TEST(test_store_computed_flags_in_series_answer)
{
    int status;
    json_t *j = tu_api(
        tu_store(), "/v1/series?indicator=secondary_value_added&regions=china&year=2020", &status);
    ck_assert_int_eq(status, 200);
    ck_assert(json_is_true(tu_at(j, "series.0.computed")));
    ck_assert_str_eq(tu_str(j, "series.0.observations.0.status"), "suspect");
    const char *note = tu_str(j, "series.0.observations.0.note");
    ck_assert_msg(note && strstr(note, "northeast suspect"), "note: %s", note ? note : "null");
    json_decref(j);
    j = tu_api(tu_store(),
               "/v1/series?indicator=secondary_value_added&regions=china&year=2020&format=csv",
               &status);
    ck_assert_int_eq(status, 200);
    ck_assert_msg(strstr(json_string_value(j), ",china,2020,") &&
                      strstr(json_string_value(j), ",suspect,"),
                  "%s", json_string_value(j));
    json_decref(j);
}
END_TEST

/* Precedence when members differ: break over suspect over lower_bound; every flagged member
 * is named, in the order of regions.csv, and flagged weights of a weighted mean count too. */
START_TEST(test_store_computed_flag_precedence)
{
    static const char *const cases[][3] = {
        {"UPDATE observations SET status = 'break' WHERE indicator_id = "
         "'secondary_value_added' AND region_id = 'east' AND year = 2020;",
         "break", "east break, northeast suspect"},
        {"UPDATE observations SET status = 'lower_bound' WHERE indicator_id = "
         "'secondary_value_added' AND region_id = 'west' AND year = 2020;",
         "suspect", "west lower_bound, northeast suspect"},
        {"UPDATE observations SET status = NULL WHERE indicator_id = 'secondary_value_added';"
         "UPDATE observations SET status = 'lower_bound' WHERE indicator_id = "
         "'secondary_value_added' AND region_id = 'central' AND year = 2020;",
         "lower_bound", "central lower_bound"},
    };
    char path[512];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(path, sizeof path, "%s/flags%zu.db", dir, k);
        ck_assert_int_eq(tu_db_copy(path, cases[k][0]), 0);
        struct api_error err = {0};
        struct store *s = store_load(path, &err);
        ck_assert_msg(s != NULL, "%s", err.detail);
        uint32_t i = store_indicator_index(s, "secondary_value_added", 21);
        uint32_t china = store_region_index(s, "china", 5);
        const struct observation *o = store_get(s, i, china, 2020);
        ck_assert_str_eq(store_status_name(o->status), cases[k][1]);
        ck_assert_msg(o->note && strstr(o->note, cases[k][2]), "case %zu: note %s", k,
                      o->note ? o->note : "null");
        store_free(s);
    }
    /* east's gdp_per_capita is weighted by population: a suspect population of one province */
    snprintf(path, sizeof path, "%s/weights.db", dir);
    ck_assert_int_eq(tu_db_copy(path, "UPDATE observations SET status = 'suspect' WHERE "
                                      "indicator_id = 'population' AND region_id = 'hebei' AND "
                                      "year = 2019;"),
                     0);
    struct api_error err = {0};
    struct store *s = store_load(path, &err);
    ck_assert_msg(s != NULL, "%s", err.detail);
    const struct observation *o = store_get(s, store_indicator_index(s, "gdp_per_capita", 14),
                                            store_region_index(s, "east", 4), 2019);
    ck_assert_str_eq(store_status_name(o->status), "suspect");
    ck_assert_msg(o->note && strstr(o->note, "hebei population suspect"), "note %s",
                  o->note ? o->note : "null");
    /* the year before is not touched */
    o = store_get(s, store_indicator_index(s, "gdp_per_capita", 14),
                  store_region_index(s, "east", 4), 2018);
    ck_assert_int_eq(o->status, STATUS_NONE);
    store_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *load = tcase_create("default");
    tcase_add_test(load, test_store_counts);
    tcase_add_test(load, test_store_neighbours);
    tcase_add_test(load, test_store_chinese_texts);
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
    tcase_add_test(agg, test_store_computed_carries_member_flags);
    tcase_add_test(agg, test_store_computed_flags_in_series_answer);
    suite_add_tcase(s, agg);
    TCase *flags = tcase_create("computed_flags");
    tcase_add_checked_fixture(flags, setup, teardown);
    tcase_add_test(flags, test_store_computed_flag_precedence);
    suite_add_tcase(s, flags);
    TCase *bad = tcase_create("refuses");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_store_rejects_missing_file);
    tcase_add_test(bad, test_store_rejects_non_sqlite);
    tcase_add_test(bad, test_store_rejects_empty_database);
    tcase_add_test(bad, test_store_rejects_wrong_shape);
    tcase_add_test(bad, test_store_rejects_no_observations);
    tcase_add_test(bad, test_store_rejects_bad_rows);
    tcase_add_test(bad, test_store_rejects_locked_database);
    size_t n_tables = sizeof tables / sizeof tables[0];
    tcase_add_loop_test(bad, test_store_rejects_table_failing_midway, 0, (int)n_tables);
    tcase_add_loop_test(bad, test_store_rejects_view, 0, (int)n_tables);
    tcase_add_loop_test(bad, test_store_rejects_missing_column, 0, (int)n_tables);
    tcase_add_test(bad, test_store_accepts_added_columns_and_tables);
    tcase_add_test(bad, test_store_rejects_schema_version);
    suite_add_tcase(s, bad);
    return tu_run(s);
}
