/* tests/test_render.c — JSON text (shortest numbers, escapes) and CSV flattening. */
#include <string.h>

#include "render.h"
#include "testutil.h"

static char *json_of(json_t *j, int pretty)
{
    struct buf b = BUF_INIT;
    render_json(j, pretty, &b);
    json_decref(j);
    return buf_steal(&b, NULL);
}

START_TEST(test_render_shortest_numbers)
{
    char *s = json_of(
        json_pack("[f,f,f,f,f,I]", 4.8, 0.1 + 0.2, 737289.0, 1e21, -0.0, (json_int_t)2019), 0);
    ck_assert_str_eq(s, "[4.8,0.3,737289,1e+21,-0,2019]");
    free(s);
    /* beyond the integer fast path (a cast of these would be undefined) */
    s = json_of(json_pack("[f,f,f]", 8.88888888888889e31, -1e300, 999999999999999.0), 0);
    ck_assert_str_eq(s, "[8.88888888888889e+31,-1e+300,999999999999999]");
    free(s);
}
END_TEST

START_TEST(test_render_escapes_strings)
{
    char *s = json_of(json_pack("{s:s}", "k\"", "a\\b\n\x01中"), 0);
    ck_assert_str_eq(s, "{\"k\\\"\":\"a\\\\b\\n\\u0001中\"}");
    free(s);
}
END_TEST

START_TEST(test_render_pretty)
{
    char *s = json_of(json_pack("{s:[i,i],s:{}}", "a", 1, 2, "b"), 1);
    ck_assert_str_eq(s, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}\n");
    free(s);
}
END_TEST

START_TEST(test_render_csv_nested_rows)
{
    json_t *doc =
        json_pack("{s:{s:s},s:[{s:{s:s},s:[{s:i,s:f,s:n},{s:i,s:f,s:s}]}]}", "indicator", "id",
                  "gdp", "series", "region", "id", "a,b", "observations", "year", 2019, "value",
                  1.5, "status", "year", 2020, "value", 2.0, "status", "say \"hi\"");
    const struct csv_spec spec = {
        .rows = {"series", "observations"},
        .columns = {"indicator", "region", "year", "value", "status", NULL}};
    struct buf b = BUF_INIT;
    render_csv(doc, &spec, &b);
    ck_assert_str_eq(buf_cstr(&b), "indicator,region,year,value,status\r\n"
                                   "gdp,\"a,b\",2019,1.5,\r\n"
                                   "gdp,\"a,b\",2020,2,\"say \"\"hi\"\"\"\r\n");
    buf_free(&b);
    json_decref(doc);
}
END_TEST

START_TEST(test_render_csv_dotted_and_arrays)
{
    json_t *doc = json_pack("{s:{s:{s:i}},s:[s,s]}", "a", "b", "c", 7, "list", "x", "y");
    const struct csv_spec spec = {.columns = {"a.b.c", "list", "missing", NULL}};
    struct buf b = BUF_INIT;
    render_csv(doc, &spec, &b);
    ck_assert_str_eq(buf_cstr(&b), "a_b_c,list,missing\r\n7,x;y,\r\n");
    buf_free(&b);
    json_decref(doc);
}
END_TEST

START_TEST(test_buf_stack_storage_grows)
{
    char small[8];
    struct buf b = BUF_STACK(small);
    buf_puts(&b, "abc");
    ck_assert_ptr_eq(b.data, small);
    buf_puts(&b, "defghijklmnop");
    ck_assert_ptr_ne(b.data, small);
    ck_assert_str_eq(buf_cstr(&b), "abcdefghijklmnop");
    buf_free(&b);
    struct buf c = BUF_STACK(small);
    buf_puts(&c, "xy");
    size_t len;
    char *s = buf_steal(&c, &len);
    ck_assert_ptr_ne(s, small);
    ck_assert_str_eq(s, "xy");
    ck_assert_uint_eq(len, 2);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("render");
    TCase *j = tcase_create("json");
    tcase_add_test(j, test_render_shortest_numbers);
    tcase_add_test(j, test_render_escapes_strings);
    tcase_add_test(j, test_render_pretty);
    suite_add_tcase(s, j);
    TCase *c = tcase_create("csv");
    tcase_add_test(c, test_render_csv_nested_rows);
    tcase_add_test(c, test_render_csv_dotted_and_arrays);
    suite_add_tcase(s, c);
    TCase *b = tcase_create("buf");
    tcase_add_test(b, test_buf_stack_storage_grows);
    suite_add_tcase(s, b);
    return tu_run(s);
}
