/* api/query.c — strict query-string parsing. */
#include "query.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "import.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [S, S+LEN) into OUT (NUL-terminated). Returns the decoded length, or -1. */
static long decode(const char *s, size_t len, char *out, int plus_is_space, struct api_error *err,
                   const char *what)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                return api_fail(err, 400, "bad_encoding", NULL,
                                "%s has a '%%' that is not followed by two hex digits", what);
            c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            return api_fail(err, 400, "bad_encoding", NULL,
                            "%s contains a control character (byte 0x%02x)", what, c);
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (!utf8_valid(out, o))
        return api_fail(err, 400, "bad_encoding", NULL, "%s is not valid UTF-8", what);
    return (long)o;
}

int query_list_next(const char **p, const char **item, size_t *len)
{
    const char *s = *p;
    if (!s)
        return 0;
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    while (n && *s == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    *item = s;
    *len = n;
    *p = end ? end + 1 : NULL;
    return 1;
}

long query_decode_path(const char *raw, size_t len, char *out, struct api_error *err)
{
    return decode(raw, len, out, 0, err, "the path");
}

int query_parse(struct query *q, const char *raw, size_t len, struct api_error *err)
{
    memset(q, 0, sizeof *q);
    /* each piece adds at most two NULs; most queries fit the inline buffer */
    q->buf = 2 * len + 2 <= sizeof q->small ? q->small : malloc(2 * len + 2);
    if (!q->buf)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    char *out = q->buf;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && raw[end] != '&')
            end++;
        if (end == i) { /* "a=1&&b=2": an empty piece is nothing */
            i++;
            continue;
        }
        size_t eq = i;
        while (eq < end && raw[eq] != '=')
            eq++;
        char *name = out;
        long nlen = decode(raw + i, eq - i, name, 1, err, "a parameter name");
        if (nlen < 0)
            return -1;
        out += nlen + 1;
        if (nlen == 0)
            return api_fail(err, 400, "bad_parameter", NULL, "a parameter has no name");
        if (nlen > QUERY_MAX_NAME || !import_id_valid(name, (size_t)nlen))
            return api_fail(err, 400, "bad_parameter", NULL,
                            "parameter names are letters, digits, '_', '.' and '-'");
        char *value = out;
        long vlen = eq < end ? decode(raw + eq + 1, end - eq - 1, value, 1, err, name) : 0;
        if (vlen < 0) {
            err->param = name;
            return -1;
        }
        value[vlen] = '\0';
        out += vlen + 1;
        i = end;
        /* decode always writes NAME (nlen > 0 was checked); the analyzer cannot see that */
        if (name[0] == '_') // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
            continue;
        for (size_t k = 0; k < q->n; k++)
            if (strcmp(q->params[k].name, name) == 0)
                return api_fail(err, 400, "repeated_parameter", q->params[k].name,
                                "parameter '%s' is given more than once", name);
        if (q->n == QUERY_MAX_PARAMS)
            return api_fail(err, 400, "too_many_parameters", NULL,
                            "at most %d parameters are allowed", QUERY_MAX_PARAMS);
        q->params[q->n].name = name;
        q->params[q->n].value = value;
        q->n++;
    }
    return 0;
}

void query_free(struct query *q)
{
    if (q->buf != q->small)
        free(q->buf);
    q->buf = NULL;
    q->n = 0;
}

const char *query_get(const struct query *q, const char *name)
{
    for (size_t k = 0; k < q->n; k++)
        if (strcmp(q->params[k].name, name) == 0)
            return q->params[k].value;
    return NULL;
}

/* The parameter's own name string, so that ERR->param stays valid while Q lives. */
static const char *param_name(const struct query *q, const char *name)
{
    for (size_t k = 0; k < q->n; k++)
        if (strcmp(q->params[k].name, name) == 0)
            return q->params[k].name;
    return name;
}

const char *query_value(const struct query *q, const char *name, struct api_error *err, int *bad)
{
    const char *v = query_get(q, name);
    *bad = 0;
    if (v && !*v) {
        *bad = 1;
        api_fail(err, 400, "empty_parameter", param_name(q, name), "parameter '%s' is empty", name);
        return NULL;
    }
    return v;
}

const char *query_require(const struct query *q, const char *name, struct api_error *err)
{
    int bad;
    const char *v = query_value(q, name, err, &bad);
    if (!v && !bad)
        api_fail(err, 400, "missing_parameter", name, "parameter '%s' is required", name);
    return v;
}

static const char *const common_params[] = {"format", "pretty", "lang", "labels", NULL};
static const char *const formats[] = {"json", "csv", "records", NULL};
static const char *const pretty_values[] = {"0", "1", "false", "true", NULL};
static const char *const langs[] = {"en", "zh", NULL};

static int listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

static void suggest_names(const char *name, const char *const *allowed, struct api_error *err)
{
    const char *const *lists[] = {allowed, common_params};
    for (unsigned d = 0; query_close(d, name); d++)
        for (int l = 0; l < 2; l++)
            for (const char *const *a = lists[l]; a && *a; a++)
                if (query_distance(name, *a) == d)
                    api_suggest(err, *a);
    api_did_you_mean(err);
}

int query_check(struct query *q, const char *const *allowed, enum query_format default_format,
                struct api_error *err)
{
    for (size_t k = 0; k < q->n; k++) {
        const char *name = q->params[k].name;
        if (listed(allowed, name) || listed(common_params, name))
            continue;
        struct buf b = BUF_INIT;
        for (const char *const *a = allowed; a && *a; a++)
            buf_printf(&b, "%s%s", b.len ? ", " : "", *a);
        for (const char *const *a = common_params; *a; a++)
            buf_printf(&b, "%s%s", b.len ? ", " : "", *a);
        api_fail(err, 400, "unknown_parameter", name,
                 "unknown parameter '%.64s'; this endpoint takes: %.250s", name,
                 b.data ? b.data : "");
        buf_free(&b);
        suggest_names(name, allowed, err);
        return -1;
    }
    int format, pretty, lang, labels;
    if (query_choice(q, "format", formats, (int)default_format, &format, err) != 0 ||
        query_choice(q, "pretty", pretty_values, 0, &pretty, err) != 0 ||
        query_choice(q, "lang", langs, 0, &lang, err) != 0 ||
        query_choice(q, "labels", pretty_values, 0, &labels, err) != 0)
        return -1;
    q->format = (enum query_format)format;
    q->pretty = pretty == 1 || pretty == 3;
    q->zh = lang == 1;
    q->labels = labels == 1 || labels == 3;
    if (q->labels && q->format == FORMAT_JSON)
        return api_fail(err, 400, "conflicting_parameters", param_name(q, "labels"),
                        "labels=1 is for format=csv or format=records; JSON objects carry "
                        "name, name_en and name_zh already");
    return 0;
}

/* The value for a typed read; *RC is 0 when absent, -1 when empty (400), 1 when present. */
static const char *typed_value(const struct query *q, const char *name, struct api_error *err,
                               int *rc)
{
    int bad;
    const char *v = query_value(q, name, err, &bad);
    *rc = bad ? -1 : v != NULL;
    return v;
}

int query_year(const struct query *q, const char *name, int *out, struct api_error *err)
{
    int rc;
    const char *v = typed_value(q, name, err, &rc);
    if (rc <= 0)
        return rc;
    if (import_parse_year(v, out) != 0)
        return api_fail(err, 400, "bad_year", param_name(q, name),
                        "%s must be a year from 1000 to 9999, not '%.40s'", name, v);
    return 1;
}

int query_number(const struct query *q, const char *name, double *out, struct api_error *err)
{
    int rc;
    const char *v = typed_value(q, name, err, &rc);
    if (rc <= 0)
        return rc;
    if (import_parse_number(v, out) != 0)
        return api_fail(err, 400, "bad_number", param_name(q, name),
                        "%s must be a finite decimal number, not '%.40s'", name, v);
    return 1;
}

/* Decodes up to MAX code points of UTF-8 S into CP (ASCII folded to lower case). Returns the
 * count, or MAX + 1 when S is longer. */
static size_t code_points(const char *s, unsigned *cp, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        if (n == max)
            return max + 1;
        unsigned c = *p++;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (extra)
            c &= 0x3Fu >> extra;
        for (; extra && (*p & 0xC0) == 0x80; extra--)
            c = (c << 6) | (*p++ & 0x3Fu);
        cp[n++] = c < 0x80 ? (unsigned)tolower((int)c) : c;
    }
    return n;
}

#define DISTANCE_MAX_LEN 64

unsigned query_distance(const char *a, const char *b)
{
    unsigned x[DISTANCE_MAX_LEN], y[DISTANCE_MAX_LEN], row[DISTANCE_MAX_LEN + 1];
    size_t n = code_points(a, x, DISTANCE_MAX_LEN), m = code_points(b, y, DISTANCE_MAX_LEN);
    if (n > DISTANCE_MAX_LEN || m > DISTANCE_MAX_LEN)
        return UINT_MAX;
    /* one row of the dynamic programme: row[j] = distance(x[0..i), y[0..j)) */
    for (size_t j = 0; j <= m; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned up = row[j];
            unsigned best = diag + (x[i - 1] != y[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

int query_close(unsigned d, const char *typed)
{
    unsigned cp[DISTANCE_MAX_LEN];
    size_t len = code_points(typed, cp, DISTANCE_MAX_LEN);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    return d <= limit;
}

void query_suggest(struct api_error *err, const char *v, size_t len, const char *const *choices,
                   size_t n)
{
    char text[128];
    if (!n || len >= sizeof text)
        return;
    memcpy(text, v, len);
    text[len] = '\0';
    size_t best = 0;
    unsigned dbest = UINT_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned d = query_distance(text, choices[i]);
        if (d < dbest) {
            dbest = d;
            best = i;
        }
    }
    /* the closest always, then others that query_close allows, nearest first */
    api_suggest(err, choices[best]);
    for (unsigned d = dbest; query_close(d, text); d++)
        for (size_t i = 0; i < n; i++)
            if (i != best && query_distance(text, choices[i]) == d)
                api_suggest(err, choices[i]);
    api_did_you_mean(err);
}

int query_one_of(const struct query *q, const char *name, const char *v, const char *const *choices,
                 size_t n, struct api_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(choices[i], v) == 0)
            return (int)i;
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", choices[i]);
    api_fail(err, 400, "bad_parameter", param_name(q, name),
             "%s must be one of %.240s, not '%.40s'", name, b.data ? b.data : "", v);
    buf_free(&b);
    query_suggest(err, v, strlen(v), choices, n);
    return -1;
}

int query_choice(const struct query *q, const char *name, const char *const *choices, int def,
                 int *out, struct api_error *err)
{
    const char *v = query_get(q, name);
    *out = def;
    if (!v)
        return 0;
    size_t n = 0;
    while (choices[n])
        n++;
    int i = query_one_of(q, name, v, choices, n, err);
    if (i < 0)
        return -1;
    *out = i;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const struct query_param *x = *(const struct query_param *const *)a;
    const struct query_param *y = *(const struct query_param *const *)b;
    return strcmp(x->name, y->name);
}

/* Values are appended with '&' and '=' escaped so that two different queries never collide. */
static void put_escaped(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (;;) {
        size_t n = strcspn(s, "&=%");
        buf_append(out, s, n);
        if (!s[n])
            return;
        char esc[3] = {'%', hex[(unsigned char)s[n] >> 4], hex[s[n] & 15]};
        buf_append(out, esc, sizeof esc);
        s += n + 1;
    }
}

void query_canonical(const struct query *q, struct buf *out)
{
    const struct query_param *sorted[QUERY_MAX_PARAMS] = {0};
    size_t n = 0;
    for (size_t k = 0; k < q->n; k++)
        if (!listed(common_params, q->params[k].name))
            sorted[n++] = &q->params[k];
    qsort(sorted, n, sizeof sorted[0], by_name);
    if (q->path_arg) {
        buf_puts(out, "{");
        put_escaped(out, q->path_arg);
        buf_puts(out, "}");
    }
    for (size_t k = 0; k < n; k++) {
        buf_putc(out, '&');
        put_escaped(out, sorted[k]->name);
        buf_putc(out, '=');
        put_escaped(out, sorted[k]->value);
    }
    /* pieces, not printf: this runs on every request, cache hits included */
    buf_puts(out, "&format=");
    buf_puts(out, formats[q->format]);
    buf_puts(out, q->pretty ? "&pretty=1" : "&pretty=0");
    buf_puts(out, q->zh ? "&lang=zh" : "&lang=en");
    if (q->labels)
        buf_puts(out, "&labels=1");
}
