/* tests/test_import.c — the importer: the default data imports; every kind of bad input is
 * refused with FILE:LINE: reason, and the target database stays byte-identical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "import.h"
#include "testutil.h"

static char *dir; /* a copy of data/ */
static char dbpath[600];

static void setup(void)
{
    dir = tu_tmpdir();
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(tu_copy_data(dir), 0);
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
    append("indicators.csv", "x1,X,,unit,economy,1,average,,\n");
    expect_rejected("aggregation 'average' must be sum, weighted_mean or none");
    teardown();
    setup();
    import_good_first();
    append("indicators.csv", "x2,X,,unit,economy,2,none,,\n");
    expect_rejected("higher_is_better '2' must be 1, 0 or empty");
    teardown();
    setup();
    import_good_first();
    append("indicators.csv", "x3,X,,unit,economy,1,weighted_mean,,\n");
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
    suite_add_tcase(s, bad);
    return tu_run(s);
}
