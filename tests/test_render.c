/* tests/test_render.c — JSON text (shortest numbers, escapes) and CSV flattening. */
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "out.h"
#include "query.h"
#include "render.h"
#include "routes.h"
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

/* Keys and strings of 0 to 20 bytes, each with a byte to escape (or none) at every position:
 * the document's in-place copies (two overlapping words, or first, middle and last byte) must
 * see it wherever it is, and write what render_json_string writes. */
START_TEST(test_doc_short_strings_escaped_anywhere)
{
    static const char special[] = {'"', '\\', '\n', 0x1f, 'q'};
    for (size_t len = 0; len <= 20; len++)
        for (int pos = -1; pos < (int)len; pos++)
            for (size_t c = 0; c < sizeof special; c++) {
                char text[24];
                for (size_t k = 0; k < len; k++)
                    text[k] = (char)('a' + k);
                if (pos >= 0)
                    text[pos] = special[c];
                text[len] = '\0';
                struct buf want = BUF_INIT, got = BUF_INIT;
                buf_putc(&want, '{');
                render_json_string(&want, text, len);
                buf_putc(&want, ':');
                render_json_string(&want, text, len);
                buf_puts(&want, ",\"k\":[");
                render_json_string(&want, text, len);
                buf_puts(&want, "]}");
                struct doc d;
                doc_begin_bytes(&d, 0, &got);
                doc_object_begin(&d);
                doc_key_n(&d, text, len);
                doc_str(&d, text);
                doc_key(&d, "k");
                doc_array_begin(&d);
                doc_str(&d, text);
                doc_array_end(&d);
                doc_object_end(&d);
                ck_assert_int_eq(doc_finish(&d), 0);
                ck_assert_str_eq(buf_cstr(&got), buf_cstr(&want));
                buf_free(&want);
                buf_free(&got);
            }
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

/* fmt_double must print exactly what snprintf("%.15g") prints (glibc's correctly rounded
 * conversion is the reference), whatever shortcut it takes: many magnitudes and digit
 * patterns, halfway cases at the 15th digit, carries into a new digit, both signs. */
static void expect_as_printf(double x)
{
    char want[64], got[64];
    snprintf(want, sizeof want, "%.15g", x);
    int n = fmt_double(got, sizeof got, x);
    if (strcmp(got, want) != 0 || n != (int)strlen(want))
        ck_abort_msg("fmt_double(%a) = \"%s\" (%d), snprintf says \"%s\"", x, got, n, want);
    /* and buf_put_double, in place in a buffer with room, after other bytes */
    char room[64];
    struct buf b = BUF_STACK(room);
    buf_putc(&b, 'x');
    buf_put_double(&b, x);
    if (b.len != strlen(want) + 1 || strcmp(buf_cstr(&b) + 1, want) != 0)
        ck_abort_msg("buf_put_double(%a) = \"%s\", snprintf says \"%s\"", x, buf_cstr(&b), want);
    buf_free(&b);
}

START_TEST(test_fmt_double_as_printf)
{
    static const double fixed[] = {4.8,
                                   0.1 + 0.2,
                                   0.5,
                                   2.5,
                                   1.5e-5,
                                   0.0001,
                                   0.00001,
                                   1e-5,
                                   123456789012345.5,
                                   99999999999999.95,
                                   9.999999999999995,
                                   0.99999999999999994,
                                   999999999999999.4,
                                   1e15,
                                   1e16,
                                   1e21,
                                   1e22,
                                   1e23,
                                   1.2345678901234567e-8,
                                   5e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   0.3,
                                   2.675,
                                   1.0000000000000002,
                                   6.9 - 3.1,
                                   0.15,
                                   0.25,
                                   1e-7,
                                   123.456,
                                   737289.5,
                                   1.25e-6};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        expect_as_printf(fixed[k]);
        expect_as_printf(-fixed[k]);
    }
    /* halfway at the 15th significant digit in decimal: d.dddddddddddddd5 x 10^e */
    for (int e = -9; e <= 25; e++)
        for (int k = 0; k < 200; k++) {
            double x = (1e14 + k * 7919.0 + 0.5) * pow(10, e - 14);
            expect_as_printf(x);
            expect_as_printf(nextafter(x, 0));
            expect_as_printf(nextafter(x, INFINITY));
        }
    /* random bit patterns over the whole range, and random values of data-like magnitude */
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (int k = 0; k < 100000; k++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double x;
        uint64_t bits = state;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x))
            expect_as_printf(x);
        double y = (double)(state >> 11) / 9007199254740992.0; /* [0, 1) */
        expect_as_printf(y * pow(10, (int)(state % 30) - 10));
        expect_as_printf(round(y * 1e6) / 100); /* two decimals, as in the data */
    }
}
END_TEST

/* The same over every decimal exponent a double has (fmt_double scales by a double-double power
 * of ten from the smallest subnormal to the largest double): per exponent, values near a half
 * at the 15th digit and their neighbours, the powers of ten and their neighbours (the edges of
 * the 15-digit range), 9.99...9x (carries into a new digit), random mantissas; subnormals;
 * exact ties (dyadic values, integers above 10^15 ending in 5), which need the exact rounding. */
START_TEST(test_fmt_double_every_exponent_as_printf)
{
    uint64_t state = 0x2545f4914f6cdd1du;
    for (int e = -324; e <= 308; e++) {
        double p = pow(10, e); /* within an ulp or so of 10^e; 0 below the subnormals */
        for (int k = -2; k <= 2; k++) {
            double x = p;
            for (int s = 0; s < (k < 0 ? -k : k); s++)
                x = nextafter(x, k < 0 ? 0 : INFINITY);
            if (isfinite(x) && x > 0)
                expect_as_printf(x);
        }
        for (int k = 0; k < 60; k++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            double y = (double)(state >> 11) / 9007199254740992.0; /* [0, 1) */
            double base = 1e14 + floor(y * 9e14);                  /* 15 digits */
            double h = (base + 0.5) * 1e-14 * p;                   /* d.dd...d5 x 10^e */
            if (!isfinite(h) || h == 0)
                continue;
            expect_as_printf(h);
            expect_as_printf(-nextafter(h, 0));
            expect_as_printf(nextafter(h, INFINITY));
            expect_as_printf((1 + y * 9) * p);
            expect_as_printf(9.999999999999995 * p);
            expect_as_printf(nextafter(9.999999999999995 * p, 0));
        }
    }
    /* whole numbers, written without scaling: every digit count, both signs, zeros */
    expect_as_printf(0.0);
    expect_as_printf(-0.0);
    for (double p10 = 1; p10 <= 1e16; p10 *= 10)
        for (double d = -2; d <= 2; d++) {
            expect_as_printf(p10 + d);
            expect_as_printf(-(p10 + d));
            expect_as_printf(9 * p10 + d);
        }
    for (int k = 0; k < 20000; k++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        expect_as_printf((double)(state % 1000000000000000ULL >> (state % 50)));
        expect_as_printf(-(double)(state % 100000000ULL));
    }
    /* subnormals: random mantissas under the smallest normal */
    for (int k = 0; k < 20000; k++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        uint64_t bits = state >> (12 + state % 52);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (x != 0)
            expect_as_printf(x);
    }
    /* exact ties at the 15th digit: odd / 2^j with 16 significant digits ending in 5, and
     * integers 10n + 5 between 10^15 and 2^53 */
    for (int j = 1; j <= 60; j++)
        for (int k = 0; k < 300; k++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            expect_as_printf(ldexp((double)((state >> 20) | 1), -j));
            expect_as_printf(ldexp((double)((state >> 40) | 1), -j));
        }
    for (int k = 0; k < 20000; k++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double n = 1e14 + (double)(state % 800000000000000ULL);
        expect_as_printf(n * 10 + 5);
        expect_as_printf(-(n * 10 + 5));
    }
}
END_TEST

/* snprintf is ~3,700 instructions a number: fmt_double's own conversion must take every finite
 * magnitude (density's values under 1e-8, subnormals, the largest doubles), but for the rare
 * values within 2^-40 of a half that it leaves to snprintf. */
START_TEST(test_fmt_double_fast_at_every_exponent)
{
    static const double edges[] = {5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                   1e-300, 3.92069414437312e-08,    1e300};
    char out[64];
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
        ck_assert_msg(fmt_fast(out, edges[k]) > 0, "%a left to snprintf", edges[k]);
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (int e = -320; e <= 307; e++)
        for (int k = 0; k < 20; k++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            /* 15 digits and a fraction of 0.1 to 0.4: far from a half */
            double digits = 1e14 + (double)(state % 900000000000000ULL) + 0.1 + 0.3 * k / 20;
            double x = digits * pow(10, e - 14);
            if (x > 0 && isfinite(x))
                ck_assert_msg(fmt_fast(out, x) > 0, "%a (10^%d) left to snprintf", x, e);
        }
}
END_TEST

START_TEST(test_buf_put_int_as_printf)
{
    static const long long v[] = {
        0, 7, -7, 2019, -2019, 1000000, 9223372036854775807LL, -9223372036854775807LL - 1};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        char want[32];
        struct buf b = BUF_INIT;
        snprintf(want, sizeof want, "%lld", v[k]);
        buf_put_int(&b, v[k]);
        ck_assert_str_eq(buf_cstr(&b), want);
        buf_free(&b);
    }
    /* into a buffer with room (the in-place path), after other bytes, every small value */
    for (long long x = -100; x <= 20000; x++) {
        char want[40], room[64];
        struct buf b = BUF_STACK(room);
        buf_puts(&b, "x");
        snprintf(want, sizeof want, "x%lld", x);
        buf_put_int(&b, x);
        ck_assert_str_eq(buf_cstr(&b), want);
        ck_assert_uint_eq(b.len, strlen(want));
        buf_free(&b);
    }
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

/* A grown buffer handed over keeps no more than a quarter (and 4 KiB) beyond its bytes: a
 * cached body is counted by its length, and doubling left up to half of its memory unused
 * (70,000 bytes in 131,072). The contents are the same after the shrink; a small buffer is
 * handed over as it is. */
START_TEST(test_buf_steal_gives_back_what_is_left_over)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < 7000; i++)
        buf_puts(&b, "0123456789");
    ck_assert_uint_ge(b.cap, 131072);
    size_t len;
    char *s = buf_steal(&b, &len);
    ck_assert_uint_eq(len, 70000);
    ck_assert_uint_le(malloc_usable_size(s), 70000 + 70000 / 4 + 4096 + 64);
    ck_assert_int_eq(s[69999], '9');
    ck_assert_int_eq(s[70000], '\0');
    ck_assert_int_eq(memcmp(s + 69990, "0123456789", 10), 0);
    free(s);
    struct buf c = BUF_INIT;
    ck_assert_int_eq(buf_reserve(&c, 100000), 0);
    ck_assert_uint_ge(c.cap, 100001);
    buf_puts(&c, "short");
    s = buf_steal(&c, &len);
    ck_assert_str_eq(s, "short");
    ck_assert_uint_le(malloc_usable_size(s), 5 + 4096 + 64);
    free(s);
}
END_TEST

/* TARGET answered as the server answers it (routes_answer: a route's document
 * written as bytes for JSON) and the way every answer was made before: a jansson tree rendered
 * by render_json or render_table. The bytes must be the same, or the same error. */
static void expect_same_bytes(const char *target)
{
    const struct store *s = tu_store();
    struct api_error e1 = {0}, e2 = {0};
    char path[128], argbuf[128];
    const char *qm = strchr(target, '?'), *arg = NULL;
    size_t plen = (size_t)(qm - target);
    ck_assert(qm && plen < sizeof path);
    memcpy(path, target, plen);
    path[plen] = '\0';
    const struct route *r = routes_match(path, argbuf, sizeof argbuf, &arg);
    ck_assert_msg(r && r->emit, "%s is written from a tree only", path);
    struct query q;
    ck_assert_int_eq(query_parse(&q, qm + 1, strlen(qm + 1), &e1), 0);
    q.path_arg = arg;
    ck_assert_int_eq(routes_check(r, &q, FORMAT_JSON, &e1), 0);

    struct answer a;
    int rc1 = routes_answer(r, s, &q, &a, &e1);
    json_t *doc = NULL;
    int rc2 = routes_tree(r, s, &q, &doc, &e2);
    ck_assert_msg(rc1 == rc2, "%s: answer %d, tree %d (%s / %s)", target, rc1, rc2, e1.detail,
                  e2.detail);
    if (rc1 != 0) {
        ck_assert_int_eq(e1.status, e2.status);
        ck_assert_str_eq(e1.detail, e2.detail);
        ck_assert_pstr_eq(e1.param, e2.param);
        query_free(&q);
        return;
    }
    struct buf b = BUF_INIT;
    if (q.format == FORMAT_JSON)
        render_json(doc, q.pretty, &b);
    else
        render_table(doc, r->csv, q.format == FORMAT_RECORDS, q.pretty, NULL, &b);
    json_decref(doc);
    ck_assert_uint_gt(a.len, 100);
    if (a.len != b.len || memcmp(a.body, b.data, a.len) != 0) {
        size_t k = 0;
        while (k < a.len && k < b.len && a.body[k] == b.data[k])
            k++;
        ck_abort_msg("%s: %zu bytes written, %zu from the tree; first difference at %zu: "
                     "\"%.60s\" against \"%.60s\"",
                     target, a.len, b.len, k, a.body + k, b.data + k);
    }
    free(a.body);
    buf_free(&b);
    query_free(&q);
}

/* Every kind of call, nested, in either form. */
static void sample_doc(struct doc *d)
{
    static const char *const conv[] = {"a", "first", "b", "second", NULL};
    doc_object_begin(d);
    doc_set_str(d, "id", "beijing");
    doc_set_str(d, "none", NULL);
    doc_set_num(d, "x", 4.8);
    doc_set_num(d, "inf", 1.0 / 0.0);
    doc_set_int(d, "n", -31);
    doc_set_null(d, "nothing");
    doc_key(d, "flags");
    doc_array_begin(d);
    doc_bool(d, 1);
    doc_bool(d, 0);
    doc_tristate(d, -1);
    doc_tristate(d, 1);
    doc_array_end(d);
    doc_key(d, "empty");
    doc_array_begin(d);
    doc_array_end(d);
    doc_key(d, "ids"); /* strings as elements: each after the first with its comma */
    doc_array_begin(d);
    doc_str(d, "a");
    doc_str(d, "beijing");
    doc_str(d, NULL);
    doc_str(d, "x\"y");
    doc_str(d, "a string longer than sixteen bytes");
    doc_array_end(d);
    doc_key(d, "nested");
    doc_array_begin(d);
    doc_object_begin(d);
    doc_set_str(d, "\u4e2d\u6587 \"q\"", "\u5317\u4eac\n");
    doc_object_end(d);
    doc_object_begin(d);
    doc_object_end(d);
    doc_array_end(d);
    doc_key(d, "conventions");
    out_conventions_doc(d, conv);
    doc_set_int(d, "a_key_of_exactly_forty_eight_bytes_for_the_fast_", 48);
    doc_set_int(d, "a_key_longer_than_the_fast_path_of_the_writer_takes_in_one_go", 62);
    doc_set_tree(d, "subtree", json_pack("{s:[i,f]}", "k", 1, 0.5));
    doc_object_end(d);
}

START_TEST(test_doc_bytes_are_the_tree_rendered)
{
    for (int pretty = 0; pretty <= 1; pretty++) {
        struct buf bytes = BUF_INIT, rendered = BUF_INIT;
        struct doc d;
        doc_begin_bytes(&d, pretty, &bytes);
        sample_doc(&d);
        ck_assert_int_eq(doc_finish(&d), 0);
        doc_begin_tree(&d);
        sample_doc(&d);
        ck_assert_int_eq(doc_finish(&d), 0);
        json_t *t = doc_take_tree(&d);
        doc_free(&d);
        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(json_integer_value(json_object_get(t, "n")), -31);
        ck_assert(json_is_null(json_object_get(t, "inf")));
        ck_assert_uint_eq(json_array_size(json_object_get(t, "flags")), 4);
        render_json(t, pretty, &rendered);
        json_decref(t);
        ck_assert_str_eq(buf_cstr(&bytes), buf_cstr(&rendered));
        if (!pretty)
            ck_assert_str_eq(buf_cstr(&bytes),
                             "{\"id\":\"beijing\",\"none\":null,\"x\":4.8,\"inf\":null,\"n\":-31,"
                             "\"nothing\":null,\"flags\":[true,false,null,true],\"empty\":[],"
                             "\"ids\":[\"a\",\"beijing\",null,\"x\\\"y\",\"a string longer than "
                             "sixteen bytes\"],"
                             "\"nested\":[{\"\u4e2d\u6587 \\\"q\\\"\":\"\u5317\u4eac\\n\"},{}],"
                             "\"conventions\":{\"a\":\"first\",\"b\":\"second\"},"
                             "\"a_key_of_exactly_forty_eight_bytes_for_the_fast_\":48,"
                             "\"a_key_longer_than_the_fast_path_of_the_writer_takes_in_one_go\":62,"
                             "\"subtree\":{\"k\":[1,0.5]}}");
        buf_free(&bytes);
        buf_free(&rendered);
    }
}
END_TEST

/* The in-place paths test the room left before they write: a document written into a buffer
 * filled to every length of its first storage (a stack array with a guard after it) is the tree
 * rendered after the same bytes, and nothing is written past the storage. */
START_TEST(test_doc_bytes_at_every_fill)
{
    for (int pretty = 0; pretty <= 1; pretty++) {
        struct doc d;
        doc_begin_tree(&d);
        sample_doc(&d);
        ck_assert_int_eq(doc_finish(&d), 0);
        json_t *t = doc_take_tree(&d);
        doc_free(&d);
        struct buf rendered = BUF_INIT;
        render_json(t, pretty, &rendered);
        json_decref(t);
        for (size_t fill = 0; fill <= 256; fill++) {
            struct {
                char data[256];
                char guard[64];
            } st;
            memset(st.guard, 'G', sizeof st.guard);
            struct buf b = BUF_STACK(st.data), want = BUF_INIT;
            for (size_t k = 0; k < fill; k++) {
                buf_putc(&b, 'x');
                buf_putc(&want, 'x');
            }
            buf_append(&want, rendered.data, rendered.len);
            doc_begin_bytes(&d, pretty, &b);
            sample_doc(&d);
            ck_assert_int_eq(doc_finish(&d), 0);
            for (size_t k = 0; k < sizeof st.guard; k++)
                ck_assert_msg(st.guard[k] == 'G', "fill %zu pretty %d: byte %zu past the storage",
                              fill, pretty, k);
            ck_assert_str_eq(buf_cstr(&b), buf_cstr(&want));
            buf_free(&b);
            buf_free(&want);
        }
        buf_free(&rendered);
    }
}
END_TEST

/* Misuse and failed allocations are reported by doc_finish, in both forms, and leak nothing. */
START_TEST(test_doc_reports_failures)
{
    struct buf b = BUF_INIT;
    struct doc d;
    doc_begin_bytes(&d, 0, &b); /* an object left open */
    doc_object_begin(&d);
    ck_assert_int_eq(doc_finish(&d), -1);
    buf_free(&b);
    doc_begin_tree(&d); /* a member without a key, then more members */
    doc_object_begin(&d);
    doc_num(&d, 1);
    doc_set_num(&d, "after", 2);
    doc_object_end(&d);
    ck_assert_int_eq(doc_finish(&d), -1);
    doc_free(&d);
    doc_begin_tree(&d); /* closed once too often */
    doc_array_begin(&d);
    doc_array_end(&d);
    doc_array_end(&d);
    ck_assert_int_eq(doc_finish(&d), -1);
    doc_free(&d);
    doc_begin_tree(&d); /* a subtree that could not be made */
    doc_object_begin(&d);
    doc_set_tree(&d, "t", NULL);
    doc_object_end(&d);
    ck_assert_int_eq(doc_finish(&d), -1);
    doc_free(&d);
    doc_begin_tree(&d); /* nested deeper than RENDER_JSON_MAX_DEPTH */
    for (int k = 0; k < RENDER_JSON_MAX_DEPTH + 2; k++)
        doc_array_begin(&d);
    for (int k = 0; k < RENDER_JSON_MAX_DEPTH + 2; k++)
        doc_array_end(&d);
    ck_assert_int_eq(doc_finish(&d), -1);
    doc_free(&d);
    doc_begin_nothing(&d);
    sample_doc(&d);
    ck_assert_int_eq(doc_finish(&d), 0);
}
END_TEST

START_TEST(test_dispersion_written_as_tree)
{
#define D "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:provinces"
    static const char *const targets[] = {
        D, D "&pretty=1", D "&lang=zh&pretty=1", D "&weights=population", D "&cv=sample",
        D "&measures=gini,cv,min,max_min_ratio", D "&measures=max",
        D "&epsilon=2&measures=atkinson,theil_l", D "&weights=population&group_by=parent",
        D "&weights=population&group_by=parent&pretty=1&lang=zh",
        D "&from=2005&to=2024&group_by=parent&measures=gini",
        D "&group_by=parent&measures=theil_t,theil_l", D "&year=2019",
        D "&year=2019&group_by=parent", D "&from=2018&to=2020&min_segment=3", D "&from=1990",
        D "&format=csv", D "&format=records&weights=population&group_by=parent",
        "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=group:four_regions&year=2019"
        "&group_by=parent",
        "/v1/gaps/dispersion?indicator=income_per_capita&regions=urban,rural",
        "/v1/gaps/dispersion?indicator=urban_rural_income_ratio&regions=group:provinces",
        /* errors: the same status and detail both ways */
        "/v1/gaps/dispersion?indicator=gdp_per_capita&regions=beijing",
        D "&cv=sample&weights=population", D "&year=1900", NULL};
#undef D
    for (const char *const *t = targets; *t; t++)
        expect_same_bytes(*t);
}
END_TEST

/* Every other route written through api/doc: its bytes for format=json are its tree rendered,
 * in each language and layout, and CSV and records (made from the tree) still come out. */
START_TEST(test_documents_written_as_trees)
{
#define P "regions=group:provinces"
    static const char *const targets[] = {
        "/v1/gaps/spatial?indicator=gdp_per_capita&" P "&from=2005&to=2023",
        "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&links=exclude&isolated=keep&lang=zh",
        "/v1/gaps/spatial?indicator=gdp_per_capita&from=2018&to=2019&pretty=1",
        "/v1/gaps/spatial?indicator=gdp_per_capita&from=2018&to=2019&format=records",
        "/v1/gaps/spatial?indicator=gdp_per_capita&year=2019&links=exclude",
        "/v1/gaps/mobility?indicator=gdp_per_capita&" P "&from=2005&to=2024&spatial=1",
        "/v1/gaps/mobility?indicator=gdp_per_capita&" P "&lang=zh&pretty=1",
        "/v1/gaps/mobility?indicator=gdp_per_capita&" P "&format=csv",
        "/v1/index?indicators=residents_disposable_income,residents_consumption,urbanization_rate,"
        "public_expenditure_per_capita&" P "&from=2016&to=2019&directions=%2B,%2B,%2B,%2B",
        "/v1/index?indicators=gdp_per_capita,life_expectancy&" P "&year=latest&lang=zh&pretty=1",
        "/v1/index?indicators=gdp_per_capita,life_expectancy&" P "&year=latest&format=records",
        "/v1/index?indicators=urbanization_rate&" P "&year=latest",
        "/v1/gaps/density?indicator=gdp_per_capita&" P "&from=2018&to=2019&points=64",
        "/v1/gaps/density?indicator=gdp_per_capita&" P "&year=2019&lang=zh&pretty=1",
        "/v1/gaps/density?indicator=gdp_per_capita&" P "&year=2019&format=csv",
        "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&regions=rural&target=2",
        "/v1/gaps/pairs?indicator=gdp_per_capita&reference=china&" P "&lang=zh&pretty=1",
        "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&from=2020&to=2020",
        "/v1/gaps/pairs?indicator=income_per_capita&reference=urban&format=records",
        "/v1/gaps/convergence?indicator=gdp_per_capita&" P "&from=2005&to=2024",
        "/v1/gaps/convergence?indicator=schooling_years&regions=group:four_regions&pretty=1",
        "/v1/gaps/convergence?indicator=gdp_per_capita&" P "&from=2018&to=2019&format=csv",
        "/v1/gaps/convergence?indicator=gdp_per_capita&regions=beijing,shanghai",
        /* and every other route written through api/doc: their literal keys are copied
         * unchecked in the bytes (doc_key), checked in the tree's rendering */
        "/v1/series?indicator=gdp_per_capita&" P "&from=2018",
        "/v1/series?indicator=hospital_beds_per_1000&regions=urban,rural&lang=zh&pretty=1",
        "/v1/compare?indicators=gdp_per_capita,life_expectancy&" P "&year=2019",
        "/v1/regions/beijing/profile?lang=zh", "/v1/regions/rural/profile?pretty=1", NULL};
#undef P
    for (const char *const *t = targets; *t; t++)
        expect_same_bytes(*t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("render");
    TCase *j = tcase_create("json");
    tcase_add_test(j, test_render_shortest_numbers);
    tcase_add_test(j, test_render_escapes_strings);
    tcase_add_test(j, test_doc_short_strings_escaped_anywhere);
    tcase_add_test(j, test_render_pretty);
    tcase_add_test(j, test_dispersion_written_as_tree);
    tcase_add_test(j, test_documents_written_as_trees);
    tcase_add_test(j, test_doc_bytes_are_the_tree_rendered);
    tcase_add_test(j, test_doc_bytes_at_every_fill);
    tcase_add_test(j, test_doc_reports_failures);
    suite_add_tcase(s, j);
    TCase *c = tcase_create("csv");
    tcase_add_test(c, test_render_csv_nested_rows);
    tcase_add_test(c, test_render_csv_dotted_and_arrays);
    suite_add_tcase(s, c);
    TCase *b = tcase_create("buf");
    tcase_add_test(b, test_buf_stack_storage_grows);
    tcase_add_test(b, test_buf_steal_gives_back_what_is_left_over);
    tcase_add_test(b, test_fmt_double_as_printf);
    tcase_add_test(b, test_fmt_double_every_exponent_as_printf);
    tcase_add_test(b, test_fmt_double_fast_at_every_exponent);
    tcase_add_test(b, test_buf_put_int_as_printf);
    tcase_set_timeout(b, 120); /* 300,000 numbers: seconds under valgrind */
    suite_add_tcase(s, b);
    return tu_run(s);
}
