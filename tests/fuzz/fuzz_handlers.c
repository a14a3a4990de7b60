/* tests/fuzz/fuzz_handlers.c — every data handler behind the route table, on the default store.
 *
 * The first byte picks the route in table order: 'a' is routes[0] (/v1), 'b' routes[1] ...,
 * any other byte wraps around; an upper-case letter makes CSV the default format (as an
 * Accept: text/csv would). For a route with an {id}, the bytes up to the first '?' are the
 * percent-encoded id and the rest is the query; for the others the rest is the query.
 *
 * Errors must be 4xx (or 503 out of memory) with a code; JSON answers must parse; CSV answers
 * must be valid UTF-8 and end with a newline; a second answer must be the same bytes;
 * everything is freed. */
#include <jansson.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"
#include "query.h"
#include "routes.h"
#include "store.h"

static struct store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    store = fuzz_load_store("fuzz_handlers");
    return 0;
}

static void check_error(const struct route *r, const struct api_error *err)
{
    FUZZ_CHECK(fuzz_status_ok(err->status), "%s: status %d (%s): %s", r->pattern, err->status,
               err->code ? err->code : "-", err->detail);
    FUZZ_CHECK(err->code != NULL, "%s: no code: %s", r->pattern, err->detail);
    size_t len = 0;
    char *body = routes_problem(err, r->pattern, &len);
    json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
    FUZZ_CHECK(json_is_object(j), "%s: problem body is not JSON", r->pattern);
    json_decref(j);
    free(body);
}

static void check_answer(const struct route *r, const struct query *q, const struct answer *a)
{
    FUZZ_CHECK(a->body != NULL, "%s: no body", r->pattern);
    if (q->format == FORMAT_CSV) {
        FUZZ_CHECK(utf8_valid(a->body, a->len), "%s: CSV is not UTF-8", r->pattern);
        FUZZ_CHECK(a->len == 0 || a->body[a->len - 1] == '\n', "%s: CSV without final newline",
                   r->pattern);
        FUZZ_CHECK(a->filename[0] != '\0', "%s: CSV without a file name", r->pattern);
        for (const char *c = a->filename; *c; c++)
            FUZZ_CHECK(*c != '"' && *c != '/' && *c != '\\' && (unsigned char)*c >= 0x20,
                       "%s: file name '%s'", r->pattern, a->filename);
    } else {
        json_error_t je;
        json_t *j = json_loadb(a->body, a->len, 0, &je);
        FUZZ_CHECK(j != NULL, "%s: JSON does not parse (%s) at %d", r->pattern, je.text,
                   je.position);
        json_decref(j);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned c = data[0];
    int csv = c >= 'A' && c <= 'Z';
    if (csv)
        c += 'a' - 'A';
    long k = ((long)c - 'a') % (long)routes_count;
    const struct route *r = &routes[k < 0 ? k + (long)routes_count : k];
    const char *rest = (const char *)data + 1;
    size_t len = size - 1;

    char *arg = NULL;
    if (strstr(r->pattern, "{id}")) {
        /* The id as the server would see it: one decoded path segment. */
        const char *qm = memchr(rest, '?', len);
        size_t idlen = qm ? (size_t)(qm - rest) : len;
        arg = malloc(idlen + 1);
        struct api_error e = {0};
        if (!arg || query_decode_path(rest, idlen, arg, &e) < 0 || !*arg || strchr(arg, '/') ||
            strlen(arg) > 127) {
            free(arg);
            return 0;
        }
        rest = qm ? qm + 1 : rest + len;
        len = qm ? len - idlen - 1 : 0;
    }

    struct query q;
    struct api_error err = {0};
    if (query_parse(&q, rest, len, &err) != 0) {
        check_error(r, &err);
        goto done;
    }
    q.path_arg = arg;
    if (routes_check(r, &q, csv ? FORMAT_CSV : FORMAT_JSON, &err) != 0) {
        check_error(r, &err);
        goto done;
    }
    struct answer a;
    memset(&a, 0, sizeof a);
    if (routes_answer(r, store, &q, &a, &err) != 0) {
        check_error(r, &err);
        FUZZ_CHECK(a.body == NULL, "%s: a failed answer has a body", r->pattern);
        goto done;
    }
    check_answer(r, &q, &a);
    /* A pure function of (store, query): the same bytes again (catches reads of uninitialised
     * memory that change between calls). */
    struct answer b;
    memset(&b, 0, sizeof b);
    struct api_error err2 = {0};
    FUZZ_CHECK(routes_answer(r, store, &q, &b, &err2) == 0, "%s: second answer failed: %s",
               r->pattern, err2.detail);
    FUZZ_CHECK(a.len == b.len && memcmp(a.body, b.body, a.len) == 0 &&
                   strcmp(a.filename, b.filename) == 0,
               "%s: two answers to one query differ", r->pattern);
    free(b.body);
    free(a.body);
done:
    query_free(&q);
    free(arg);
    return 0;
}
