/* tests/test_import.c — the importer: the default data imports; every kind of bad input is
 * refused with FILE:LINE: reason, and the target database stays byte-identical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <sqlite3.h>

#include "import.h"
#include "testutil.h"

static char *dir; /* a copy of data/ */
static char dbpath[600];

/* Keeps the observations of regions that are not provinces (the paper's 400 rows): the
 * refusals below need valid data around one bad row, not the whole panel, which imported 34
 * times under valgrind outlasted the suite's time. test_import_whole_folder imports all of it.
 * (regions.csv has no quoted fields: its 4th column is the kind.) */
static void keep_national_observations(void)
{
    char path[700], provinces[4096] = ",";
    size_t used = 1;
    char *regions = tu_read(PROSPERITY_SOURCE_DIR "/data/regions.csv", NULL);
    ck_assert_ptr_nonnull(regions);
    for (char *l = strtok(regions, "\n"); l; l = strtok(NULL, "\n")) {
        char id[64], kind[64];
        if (sscanf(l, "%63[^,],%*[^,],%*[^,],%63[^,]", id, kind) == 2 &&
            strcmp(kind, "province") == 0)
            used += (size_t)snprintf(provinces + used, sizeof provinces - used, "%s,", id);
        ck_assert_uint_lt(used, sizeof provinces);
    }
    free(regions);
    snprintf(path, sizeof path, "%s/observations.csv", dir);
    char *text = tu_read(path, NULL);
    ck_assert_ptr_nonnull(text);
    FILE *out = fopen(path, "wb");
    ck_assert_ptr_nonnull(out);
    for (char *at = text; *at;) {
        size_t len = strcspn(at, "\n");
        const char *comma = memchr(at, ',', len);
        char region[66] = ",";
        if (comma)
            snprintf(region + 1, sizeof region - 1, "%.*s,", (int)strcspn(comma + 1, ","),
                     comma + 1);
        if (at == text || !strstr(provinces, region))
            fprintf(out, "%.*s\n", (int)len, at);
        at += len + (at[len] == '\n');
    }
    fclose(out);
    free(text);
}

static void setup(void)
{
    dir = tu_tmpdir();
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(tu_copy_data(dir), 0);
    keep_national_observations();
    snprintf(dbpath, sizeof dbpath, "%s/target.db", dir);
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

/* Runs the importer, returning its exit code; *MSG gets what it wrote (free it). */
static int run_import(const char *db, char **msg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&text, &len);
    int rc = import_dir(dir, db, errs);
    fclose(errs);
    *msg = text;
    return rc;
}

static void append(const char *file, const char *line)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ck_assert_int_eq(tu_append(path, line), 0);
}

/* Appends indicator rows written with the columns of TU_INDICATOR_COLUMNS, whatever the
 * columns of data/'s indicators.csv are. */
static void append_indicator(const char *rows)
{
    char path[700];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    ck_assert_int_eq(tu_append_rows(path, TU_INDICATOR_COLUMNS, rows), 0);
}

/* Replaces the first occurrence of FROM in FILE by TO. */
static void replace(const char *file, const char *from, const char *to)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = tu_read(path, NULL);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "'%s' not in %s", from, file);
    char *out = NULL;
    ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)), 0);
    ck_assert_int_eq(tu_write(path, out), 0);
    free(out);
    free(text);
}

static int count_lines(const char *file)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = tu_read(path, NULL);
    int n = 0;
    for (char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* The bad import must fail, say EXPECT, and leave an existing database untouched with no
 * temporary file beside it. */
static void expect_rejected(const char *expect)
{
    char *msg = NULL;
    /* The target already holds a good import made before the folder was broken. */
    size_t before_len, after_len;
    char *before = tu_read(dbpath, &before_len);
    ck_assert_msg(before != NULL, "no prior database");
    int rc = run_import(dbpath, &msg);
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(msg, expect) != NULL, "expected '%s' in:\n%s", expect, msg);
    char *after = tu_read(dbpath, &after_len);
    ck_assert_uint_eq(before_len, after_len);
    ck_assert_int_eq(memcmp(before, after, before_len), 0);
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        ck_assert_msg(strstr(de->d_name, ".tmp-") == NULL, "left behind: %s", de->d_name);
    closedir(d);
    free(before);
    free(after);
    free(msg);
}

/* Imports the untouched copy first, so that there is a target to protect. */
static void import_good_first(void)
{
    char *msg = NULL;
    ck_assert_int_eq(run_import(dbpath, &msg), 0);
    free(msg);
}

START_TEST(test_import_default_data)
{
    char *msg = NULL;
    ck_assert_int_eq(run_import(dbpath, &msg), 0);
    ck_assert_str_eq(msg, "");
    free(msg);
    struct api_error err;
    struct store *s = store_load(dbpath, &err);
    ck_assert_ptr_nonnull(s);
    /* Every data row of observations.csv arrives (the header is the one other line). */
    ck_assert_uint_eq(store_observation_count(s), (size_t)count_lines("observations.csv") - 1);
    ck_assert_uint_eq(store_indicator_count(s), (size_t)count_lines("indicators.csv") - 1);
    ck_assert_uint_eq(store_region_count(s), (size_t)count_lines("regions.csv") - 1);
    store_free(s);
}
END_TEST

START_TEST(test_import_replaces_atomically)
{
    import_good_first();
    append("observations.csv", "gdp,beijing,2030,1.5,,nbs_provinces,\n");
    char *msg = NULL;
    ck_assert_int_eq(run_import(dbpath, &msg), 0);
    free(msg);
    struct api_error err;
    struct store *s = store_load(dbpath, &err);
    ck_assert_ptr_nonnull(s);
    uint32_t gdp = store_indicator_index(s, "gdp", 3);
    uint32_t bj = store_region_index(s, "beijing", 7);
    const struct observation *o = store_value_at(s, store_series(s, gdp, bj), 2030);
    ck_assert_ptr_nonnull(o);
    ck_assert_double_eq(o->value, 1.5);
    store_free(s);
}
END_TEST

START_TEST(test_import_rejects_missing_column)
{
    import_good_first();
    replace("observations.csv", "indicator_id,region_id,year,value",
            "indicator_id,region,year,value");
    expect_rejected("observations.csv:1: unknown column 'region'");
}
END_TEST

START_TEST(test_import_rejects_missing_required_column)
{
    import_good_first();
    replace("regions.csv", ",kind,", ",");
    expect_rejected("regions.csv:1: missing column 'kind'");
}
END_TEST

START_TEST(test_import_rejects_unknown_region)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "gdp,atlantis,2019,1,,nbs_provinces,\n");
    char expect[128];
    snprintf(expect, sizeof expect,
             "observations.csv:%d: region_id 'atlantis' is not in regions.csv", line);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_unknown_indicator_and_source)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "nope,beijing,2019,1,,nbs_provinces,\n");
    append("observations.csv", "gdp,beijing,2030,1,,nosuchsource,\n");
    char expect[128];
    snprintf(expect, sizeof expect, "observations.csv:%d: indicator_id 'nope' is not in", line);
    expect_rejected(expect);
    snprintf(expect, sizeof expect, "observations.csv:%d: source_id 'nosuchsource' is not in",
             line + 1);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_duplicate_key)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "hospital_beds_per_1000,rural,2019,4.9,,ouyang2022_t1,\n");
    char expect[160];
    snprintf(expect, sizeof expect,
             "observations.csv:%d: duplicate observation hospital_beds_per_1000/rural/2019", line);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_duplicate_id)
{
    import_good_first();
    append("regions.csv", "beijing,Beijing again,北京,province,east,CN-BJ\n");
    expect_rejected("duplicate id 'beijing'");
}
END_TEST

START_TEST(test_import_rejects_non_numeric_value)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "gdp,beijing,2030,12x,,nbs_provinces,\n");
    char expect[128];
    snprintf(expect, sizeof expect, "observations.csv:%d: value '12x' is not a finite number",
             line);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_non_finite_value)
{
    static const char *const bad[] = {"inf", "nan", "1e999", "-Infinity", "0x10", " 1", ""};
    import_good_first();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        teardown();
        setup();
        import_good_first();
        char row[128];
        snprintf(row, sizeof row, "gdp,beijing,2030,%s,,nbs_provinces,\n", bad[i]);
        append("observations.csv", row);
        expect_rejected("is not a finite number");
    }
}
END_TEST

START_TEST(test_import_rejects_bad_year)
{
    static const char *const bad[] = {"999", "10000", "20x9", "-2019", "2019.0", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        teardown();
        setup();
        import_good_first();
        char row[128];
        snprintf(row, sizeof row, "gdp,beijing,%s,1,,nbs_provinces,\n", bad[i]);
        append("observations.csv", row);
        expect_rejected("is not a year from 1000 to 9999");
    }
}
END_TEST

START_TEST(test_import_rejects_bad_utf8)
{
    import_good_first();
    int line = count_lines("regions.csv") + 1;
    append("regions.csv", "nowhere,Nowhere,\xC0\xAF,province,east,\n"); /* overlong '/' */
    char expect[96];
    snprintf(expect, sizeof expect, "regions.csv:%d: field 3 is not valid UTF-8", line);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_wrong_column_count)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "gdp,beijing,2030,1\n");
    char expect[96];
    snprintf(expect, sizeof expect, "observations.csv:%d: 4 fields, the header has 7", line);
    expect_rejected(expect);
}
END_TEST

START_TEST(test_import_rejects_bad_status_and_aggregation)
{
    import_good_first();
    append("observations.csv", "gdp,beijing,2030,1,guessed,nbs_provinces,\n");
    expect_rejected("status 'guessed' must be empty, derived, break, suspect or lower_bound");
    teardown();
    setup();
    import_good_first();
    append_indicator("x1,X,,unit,economy,1,average,,\n");
    expect_rejected("aggregation 'average' must be sum, weighted_mean or none");
    teardown();
    setup();
    import_good_first();
    append_indicator("x2,X,,unit,economy,2,none,,\n");
    expect_rejected("higher_is_better '2' must be 1, 0 or empty");
    teardown();
    setup();
    import_good_first();
    append_indicator("x3,X,,unit,economy,1,weighted_mean,,\n");
    expect_rejected("aggregation weighted_mean needs weight_indicator");
}
END_TEST

START_TEST(test_import_rejects_parent_loop)
{
    import_good_first();
    append("regions.csv", "a1,A1,,test,a2,\n");
    append("regions.csv", "a2,A2,,test,a1,\n");
    expect_rejected("parent chain of 'a1' loops");
}
END_TEST

START_TEST(test_import_rejects_broken_quoting)
{
    import_good_first();
    int line = count_lines("sources.csv") + 1;
    append("sources.csv", "s1,\"never closed\n");
    char expect[96];
    snprintf(expect, sizeof expect, "sources.csv:%d: quoted field is not closed", line);
    expect_rejected(expect);
    teardown();
    setup();
    import_good_first();
    append("sources.csv", "s2,ab\"c\n");
    expect_rejected("quote inside an unquoted field");
}
END_TEST

START_TEST(test_import_accepts_rfc4180_quoting)
{
    import_good_first();
    append("sources.csv", "s3,\"Line one\r\nline \"\"two\"\", with comma\"\r\n");
    char *msg = NULL;
    ck_assert_int_eq(run_import(dbpath, &msg), 0);
    free(msg);
    struct api_error err;
    struct store *s = store_load(dbpath, &err);
    uint32_t i = store_source_index(s, "s3", 2);
    ck_assert_uint_ne(i, STORE_NONE);
    ck_assert_str_eq(store_source_at(s, i)->citation, "Line one\r\nline \"two\", with comma");
    store_free(s);
}
END_TEST

START_TEST(test_import_rejects_missing_file)
{
    import_good_first();
    char path[700];
    snprintf(path, sizeof path, "%s/observations.csv", dir);
    unlink(path);
    expect_rejected("observations.csv: No such file or directory");
}
END_TEST

START_TEST(test_import_rejects_empty_file)
{
    import_good_first();
    char path[700];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    tu_write(path, "");
    expect_rejected("indicators.csv:1: empty file");
}
END_TEST

START_TEST(test_import_rejects_nul_byte)
{
    import_good_first();
    char path[700];
    snprintf(path, sizeof path, "%s/groups.csv", dir);
    FILE *f = fopen(path, "ab");
    fwrite("a\0b,x,china\n", 1, 12, f);
    fclose(f);
    expect_rejected("groups.csv: contains a NUL byte");
}
END_TEST

START_TEST(test_import_rejects_bad_ids)
{
    import_good_first();
    append("regions.csv", "has space,X,,province,east,\n");
    expect_rejected("id 'has space' is not valid");
    teardown();
    setup();
    import_good_first();
    append("regions.csv", "a:b,X,,province,east,\n");
    expect_rejected("id 'a:b' is not valid");
}
END_TEST

START_TEST(test_import_reports_every_problem)
{
    import_good_first();
    int line = count_lines("observations.csv") + 1;
    append("observations.csv", "gdp,beijing,2030,x,,nbs_provinces,\n");
    append("observations.csv", "gdp,nowhere,2030,1,,nbs_provinces,\n");
    char expect[96];
    snprintf(expect, sizeof expect, "observations.csv:%d:", line);
    expect_rejected(expect);
    snprintf(expect, sizeof expect, "observations.csv:%d:", line + 1);
    expect_rejected(expect);
    expect_rejected("2 problems");
}
END_TEST

START_TEST(test_import_unwritable_target)
{
    char *msg = NULL;
    int rc = run_import("/nonexistent-folder/x.db", &msg);
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(msg, "/nonexistent-folder/x.db") != NULL, "%s", msg);
    free(msg);
}
END_TEST

START_TEST(test_import_cli_exit_code)
{
    append("observations.csv", "gdp,beijing,2030,oops,,nbs_provinces,\n");
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "%s import --db %s %s 2>%s/err.txt", PROSPERITY_BIN, dbpath, dir,
             dir);
    int status = system(cmd);
    ck_assert_int_ne(status, 0);
    char path[700];
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *err = tu_read(path, NULL);
    ck_assert_msg(strstr(err, "value 'oops' is not a finite number") != NULL, "%s", err);
    ck_assert_int_ne(access(dbpath, F_OK), 0); /* no database appeared */
    free(err);
}
END_TEST

/* ---- neighbours.csv and the columns that came with the provincial panel (issue #13) ---- */

static void write_file(const char *file, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ck_assert_int_eq(tu_write(path, text), 0);
}

/* A good neighbours.csv (lines 2-3) imported first, so that the target holds it. */
static void neighbours_good_first(void)
{
    write_file("neighbours.csv", "region_id,neighbour_id,kind\n"
                                 "beijing,tianjin,land\n"
                                 "hebei,beijing,land\n");
    import_good_first();
}

START_TEST(test_import_rejects_neighbour_unknown_region)
{
    neighbours_good_first();
    append("neighbours.csv", "beijing,atlantis,land\n");
    expect_rejected("neighbours.csv:4: neighbour_id 'atlantis' is not in regions.csv");
    teardown();
    setup();
    neighbours_good_first();
    append("neighbours.csv", "atlantis,beijing,land\n");
    expect_rejected("neighbours.csv:4: region_id 'atlantis' is not in regions.csv");
    teardown();
    setup();
    neighbours_good_first();
    append("neighbours.csv", ",beijing,land\n");
    expect_rejected("neighbours.csv:4: region_id is empty");
}
END_TEST

START_TEST(test_import_rejects_neighbour_itself)
{
    neighbours_good_first();
    append("neighbours.csv", "tianjin,tianjin,land\n");
    expect_rejected("neighbours.csv:4: region 'tianjin' is paired with itself");
}
END_TEST

START_TEST(test_import_rejects_neighbour_pair_twice)
{
    /* Either order names the same unordered pair: hebei,beijing is on line 3. */
    neighbours_good_first();
    append("neighbours.csv", "beijing,hebei,link\n");
    expect_rejected("neighbours.csv:4: pair beijing/hebei is listed twice (first on line 3)");
    teardown();
    setup();
    neighbours_good_first();
    append("neighbours.csv", "beijing,tianjin,land\n");
    expect_rejected("neighbours.csv:4: pair beijing/tianjin is listed twice (first on line 2)");
}
END_TEST

START_TEST(test_import_rejects_neighbour_kind)
{
    static const char *const bad[] = {"sea", "", "Land", "land "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        teardown();
        setup();
        neighbours_good_first();
        char row[64], expect[96];
        snprintf(row, sizeof row, "tianjin,hebei,%s\n", bad[i]);
        append("neighbours.csv", row);
        snprintf(expect, sizeof expect, "neighbours.csv:4: kind '%s' must be land or link", bad[i]);
        expect_rejected(expect);
    }
}
END_TEST

START_TEST(test_import_rejects_neighbour_column_count)
{
    neighbours_good_first();
    append("neighbours.csv", "tianjin,hebei\n");
    expect_rejected("neighbours.csv:4: 2 fields, the header has 3");
    teardown();
    setup();
    neighbours_good_first();
    write_file("neighbours.csv", "region_id,neighbour_id\nbeijing,tianjin\n");
    expect_rejected("neighbours.csv:1: missing column 'kind'");
    teardown();
    setup();
    neighbours_good_first();
    write_file("neighbours.csv", "region_id,neighbour_id,kind,length_km\nbeijing,tianjin,land,1\n");
    expect_rejected("neighbours.csv:1: unknown column 'length_km'");
}
END_TEST

START_TEST(test_import_rejects_bad_chinese_columns)
{
    /* The new columns are checked like every other: UTF-8, and a group keeps one name. */
    import_good_first();
    replace("indicators.csv", ",description_zh\n", "\n"); /* one column fewer in the header */
    expect_rejected("indicators.csv:2: 11 fields, the header has 10");
    teardown();
    setup();
    import_good_first();
    write_file("indicators.csv",
               "id,name_en,name_zh,unit,unit_zh,category,higher_is_better,aggregation,"
               "weight_indicator,description,description_zh\n"
               "gdp,GDP,,yuan,\xE5\x85\x83,economy,1,sum,,,\xC0\xAF\n");
    expect_rejected("indicators.csv:2: field 11 is not valid UTF-8");
    teardown();
    setup();
    import_good_first();
    write_file("groups.csv", "group_id,name_en,name_zh,region_id\n"
                             "g,G,\xE7\x94\xB2,beijing\n"
                             "g,G,\xE4\xB9\x99,tianjin\n");
    expect_rejected("groups.csv:3: group 'g' has another name on line 2");
}
END_TEST

/* Runs SQL that yields one integer (a count) on the database at PATH. */
static long long db_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

START_TEST(test_import_old_format)
{
    /* Files as they were before the panel: no unit_zh, description_zh, groups.name_zh, no
     * description or code column at all, and no neighbours.csv. */
    char *old = tu_tmpdir();
    ck_assert_ptr_nonnull(old);
    static const char *const files[][2] = {
        {"indicators.csv", "id,name_en,name_zh,unit,category,higher_is_better,aggregation,"
                           "weight_indicator\n"
                           "gdp,GDP,,yuan,economy,1,sum,\n"},
        {"regions.csv", "id,name_en,name_zh,kind,parent\n"
                        "china,China,,national,\n"
                        "beijing,Beijing,,province,china\n"},
        {"groups.csv", "group_id,name_en,region_id\nall,All,china\nall,All,beijing\n"},
        {"observations.csv", "indicator_id,region_id,year,value\ngdp,beijing,2019,1.5\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/%s", old, files[i][0]);
        ck_assert_int_eq(tu_write(path, files[i][1]), 0);
    }
    char db[700], *text = NULL;
    size_t len = 0;
    snprintf(db, sizeof db, "%s/old.db", old);
    FILE *errs = open_memstream(&text, &len);
    int rc = import_dir(old, db, errs);
    fclose(errs);
    ck_assert_msg(rc == 0, "%s", text);
    free(text);
    ck_assert_int_eq(db_int(db, "SELECT count(*) FROM indicators WHERE unit_zh IS NULL AND "
                                "description_zh IS NULL AND description IS NULL"),
                     1);
    ck_assert_int_eq(db_int(db, "SELECT count(*) FROM groups WHERE name_zh IS NULL"), 2);
    ck_assert_int_eq(db_int(db, "SELECT count(*) FROM neighbours"), 0);
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM meta WHERE key = 'schema_version' AND value = '%s'",
             IMPORT_SCHEMA_VERSION);
    ck_assert_int_eq(db_int(db, sql), 1);
    struct api_error err;
    struct store *s = store_load(db, &err);
    ck_assert_msg(s != NULL, "%s", err.detail);
    ck_assert_uint_eq(store_observation_count(s), 1);
    store_free(s);
    tu_rmrf(old);
    free(old);
}
END_TEST

START_TEST(test_import_neighbours_both_orders_in_db)
{
    /* The importer is not the only guard: the schema itself keeps one row per unordered pair. */
    neighbours_good_first();
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO neighbours VALUES('tianjin','beijing','land')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(
        sqlite3_exec(db, "INSERT INTO neighbours VALUES('hebei','hebei','land')", NULL, NULL, NULL),
        SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "INSERT INTO neighbours VALUES('tianjin','hebei','sea')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO neighbours VALUES('tianjin','hebei','link')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}
END_TEST

/* A reader of its own (not api/csv.c): splits TEXT into records and fields, RFC 4180 quotes.
 * Returns the number of data records; *NONEMPTY gets how many have a non-empty field in the
 * column named COL (-1 when there is no such column). When ROWS is set, each record's fields
 * joined by '\x1f' go there (free each, then the array). */
static long csv_count(const char *path, const char *col, long *nonempty, char ***rows)
{
    char *text = tu_read(path, NULL);
    if (!text) {
        *nonempty = -1;
        return 0;
    }
    long records = -1, want = -1, field = 0, found = 0, cap = 0;
    int quoted = 0;
    *nonempty = 0;
    char name[128], cur[4096];
    size_t nlen = 0, clen = 0;
    if (rows)
        *rows = NULL;
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;; p++) {
        char c = *p;
        int end_field = 0, end_record = 0;
        if (quoted) {
            if (c == '"' && p[1] == '"') {
                p++;
            } else if (c == '"') {
                quoted = 0;
                continue;
            }
        } else if (c == '"') {
            quoted = 1;
            continue;
        } else if (c == ',') {
            end_field = 1;
        } else if (c == '\n' || c == '\0') {
            end_record = end_field = 1;
        } else if (c == '\r') {
            continue;
        }
        if (!end_field) {
            if (nlen < sizeof name - 1)
                name[nlen++] = c;
            found = 1;
            if (clen < sizeof cur - 1)
                cur[clen++] = c;
            continue;
        }
        if (c == '\0' && field == 0 && !found)
            break;
        name[nlen] = '\0';
        if (records < 0 && strcmp(name, col) == 0)
            want = field;
        if (records >= 0 && field == want && found)
            (*nonempty)++;
        nlen = 0;
        found = 0;
        field++;
        if (!end_record) {
            if (clen < sizeof cur - 1)
                cur[clen++] = '\x1f';
            continue;
        }
        if (rows && records >= 0) {
            if (records >= cap) {
                cap = cap ? cap * 2 : 64;
                *rows = realloc(*rows, (size_t)cap * sizeof **rows);
            }
            (*rows)[records] = strndup(cur, clen);
        }
        clen = 0;
        field = 0;
        records++;
        if (c == '\0')
            break;
    }
    if (want < 0)
        *nonempty = -1;
    free(text);
    return records < 0 ? 0 : records;
}

/* Imports FOLDER and checks that every row of every file and every non-empty cell of the new
 * columns arrives, counted by the reader above. */
static void import_whole(const char *folder)
{
    char db[700], path[700], *text = NULL;
    size_t len = 0;
    snprintf(db, sizeof db, "%s/whole.db", dir);
    FILE *errs = open_memstream(&text, &len);
    int rc = import_dir(folder, db, errs);
    fclose(errs);
    ck_assert_msg(rc == 0, "%s: %s", folder, text);
    ck_assert_str_eq(text, "");
    free(text);
    static const char *const tables[][3] = {
        {"indicators.csv", "indicators", "unit_zh"},
        {"indicators.csv", "indicators", "description_zh"},
        {"indicators.csv", "indicators", "name_zh"},
        {"regions.csv", "regions", "name_zh"},
        {"groups.csv", "groups", "name_zh"},
        {"observations.csv", "observations", "note"},
        {"sources.csv", "sources", "citation"},
        {"benchmarks.csv", "benchmarks", "note"},
        {"neighbours.csv", "neighbours", "kind"},
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        long nonempty;
        snprintf(path, sizeof path, "%s/%s", folder, tables[i][0]);
        long n = csv_count(path, tables[i][2], &nonempty, NULL);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i][1]);
        ck_assert_msg(db_int(db, sql) == n, "%s: %lld rows, the CSV has %ld", tables[i][1],
                      db_int(db, sql), n);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s IS NOT NULL", tables[i][1],
                 tables[i][2]);
        long long got = db_int(db, sql);
        ck_assert_msg(got == (nonempty < 0 ? 0 : nonempty), "%s.%s: %lld set, the CSV has %ld",
                      tables[i][1], tables[i][2], got, nonempty);
    }
    /* Every pair as written, with its kind. */
    char **rows = NULL;
    long nonempty;
    snprintf(path, sizeof path, "%s/neighbours.csv", folder);
    long n = csv_count(path, "kind", &nonempty, &rows);
    for (long r = 0; r < n; r++) {
        char a[80], b[80], k[16], sql[320];
        ck_assert_int_eq(sscanf(rows[r], "%79[^\x1f]\x1f%79[^\x1f]\x1f%15s", a, b, k), 3);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM neighbours WHERE region_id = '%s' AND neighbour_id = '%s' "
                 "AND kind = '%s'",
                 a, b, k);
        ck_assert_msg(db_int(db, sql) == 1, "%s", sql);
        free(rows[r]);
    }
    free(rows);
    fprintf(stderr, "import_whole %s: %ld neighbour rows\n", folder, n);
    unlink(db);
}

START_TEST(test_import_whole_folder)
{
    char data[600];
    snprintf(data, sizeof data, "%s/data", PROSPERITY_SOURCE_DIR);
    import_whole(data);
    /* Another folder in the data/ format (e.g. the next default data set before it moves in). */
    const char *extra = getenv("PROSPERITY_TEST_DATA_DIR");
    if (extra && *extra)
        import_whole(extra);
}
END_TEST

START_TEST(test_parse_number_grammar)
{
    double v;
    ck_assert_int_eq(import_parse_number("12", &v), 0);
    ck_assert_double_eq(v, 12);
    ck_assert_int_eq(import_parse_number("-0.5e-3", &v), 0);
    ck_assert_double_eq(v, -0.0005);
    ck_assert_int_eq(import_parse_number(".5", &v), 0);
    ck_assert_int_eq(import_parse_number("5.", &v), 0);
    ck_assert_int_eq(import_parse_number("1e", &v), -1);
    ck_assert_int_eq(import_parse_number("e5", &v), -1);
    ck_assert_int_eq(import_parse_number("1,5", &v), -1);
    ck_assert_int_eq(import_parse_number("", &v), -1);
    ck_assert_int_eq(import_parse_number("+", &v), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("import");
    TCase *ok = tcase_create("accepts");
    tcase_add_checked_fixture(ok, setup, teardown);
    tcase_add_test(ok, test_import_default_data);
    tcase_add_test(ok, test_import_replaces_atomically);
    tcase_add_test(ok, test_import_accepts_rfc4180_quoting);
    tcase_add_test(ok, test_parse_number_grammar);
    tcase_add_test(ok, test_import_old_format);
    tcase_add_test(ok, test_import_neighbours_both_orders_in_db);
    tcase_add_test(ok, test_import_whole_folder);
    suite_add_tcase(s, ok);
    TCase *bad = tcase_create("rejects");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, test_import_rejects_missing_column);
    tcase_add_test(bad, test_import_rejects_missing_required_column);
    tcase_add_test(bad, test_import_rejects_unknown_region);
    tcase_add_test(bad, test_import_rejects_unknown_indicator_and_source);
    tcase_add_test(bad, test_import_rejects_duplicate_key);
    tcase_add_test(bad, test_import_rejects_duplicate_id);
    tcase_add_test(bad, test_import_rejects_non_numeric_value);
    tcase_add_test(bad, test_import_rejects_non_finite_value);
    tcase_add_test(bad, test_import_rejects_bad_year);
    tcase_add_test(bad, test_import_rejects_bad_utf8);
    tcase_add_test(bad, test_import_rejects_wrong_column_count);
    tcase_add_test(bad, test_import_rejects_bad_status_and_aggregation);
    tcase_add_test(bad, test_import_rejects_parent_loop);
    tcase_add_test(bad, test_import_rejects_broken_quoting);
    tcase_add_test(bad, test_import_rejects_missing_file);
    tcase_add_test(bad, test_import_rejects_empty_file);
    tcase_add_test(bad, test_import_rejects_nul_byte);
    tcase_add_test(bad, test_import_rejects_bad_ids);
    tcase_add_test(bad, test_import_reports_every_problem);
    tcase_add_test(bad, test_import_unwritable_target);
    tcase_add_test(bad, test_import_cli_exit_code);
    tcase_add_test(bad, test_import_rejects_neighbour_unknown_region);
    tcase_add_test(bad, test_import_rejects_neighbour_itself);
    tcase_add_test(bad, test_import_rejects_neighbour_pair_twice);
    tcase_add_test(bad, test_import_rejects_neighbour_kind);
    tcase_add_test(bad, test_import_rejects_neighbour_column_count);
    tcase_add_test(bad, test_import_rejects_bad_chinese_columns);
    suite_add_tcase(s, bad);
    return tu_run(s);
}
