/* tests/test_readme.c — every curl example in README.md, against the real server: each must
 * answer (200, or the status its shown output has), and an output shown in full right below
 * its command must be exactly what the server says. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct block {
    char *text; /* lines joined with '\n' */
    int curls;  /* lines that are curl commands */
};

static int read_blocks(struct block *out, int max)
{
    char *readme = tu_read(PROSPERITY_SOURCE_DIR "/README.md", NULL), *save = NULL;
    ck_assert_ptr_nonnull(readme);
    int n = 0, inside = 0;
    for (char *line = strtok_r(readme, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "```", 3) == 0) {
            if (!inside && n < max)
                out[n] = (struct block){calloc(1, 1), 0};
            else if (inside)
                n++;
            inside = !inside;
            continue;
        }
        if (!inside || n >= max)
            continue;
        struct block *b = &out[n];
        char *joined = NULL;
        ck_assert_int_ge(asprintf(&joined, "%s%s%s", b->text, *b->text ? "\n" : "", line), 0);
        free(b->text);
        b->text = joined;
        b->curls += strncmp(line, "curl '", 6) == 0;
    }
    free(readme);
    return n;
}

/* The path and query of a line "curl 'localhost:8080/...'". */
static const char *target_of(const char *line, char *out, size_t size)
{
    const char *p = strstr(line, "localhost:8080");
    ck_assert_msg(p != NULL, "README curl without localhost:8080: %s", line);
    p += strlen("localhost:8080");
    size_t n = strcspn(p, "'");
    snprintf(out, size, "%.*s", (int)n, p);
    return out;
}

START_TEST(test_readme_curl_examples)
{
    struct block blocks[64];
    int n = read_blocks(blocks, 64), run = 0, compared = 0;
    ck_assert_int_gt(n, 5);
    for (int b = 0; b < n; b++) {
        if (!blocks[b].curls)
            continue;
        /* an output block right after a single command */
        const char *shown = b + 1 < n && !blocks[b + 1].curls && blocks[b].curls == 1 &&
                                    !strstr(blocks[b + 1].text, "build/prosperity")
                                ? blocks[b + 1].text
                                : NULL;
        char *save = NULL, *copy = strdup(blocks[b].text);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (strncmp(line, "curl '", 6) != 0)
                continue;
            char target[1024];
            struct tu_response r;
            ck_assert_int_eq(
                tu_http(&tu_srv, "GET", target_of(line, target, sizeof target), NULL, &r), 0);
            int want = shown && strstr(shown, "\"status\":404") ? 404 : 200;
            ck_assert_msg(r.status == want, "%s: %ld", line, r.status);
            run++;
            /* abbreviated outputs ("...") show the shape only */
            if (shown && !strstr(shown, "...")) {
                size_t len = r.len;
                while (len && (r.body[len - 1] == '\n' || r.body[len - 1] == '\r'))
                    len--;
                char *body = strndup(r.body, len);
                for (char *c = body; (c = strstr(c, "\r\n"));)
                    memmove(c, c + 1, strlen(c));
                ck_assert_msg(strcmp(body, shown) == 0, "%s:\nREADME shows:\n%s\nserver says:\n%s",
                              line, shown, body);
                free(body);
                compared++;
            }
            tu_response_free(&r);
        }
        free(copy);
    }
    for (int b = 0; b < n; b++)
        free(blocks[b].text);
    ck_assert_int_ge(run, 25);
    ck_assert_int_ge(compared, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("readme");
    TCase *tc = tcase_create("examples");
    tcase_add_unchecked_fixture(tc, tu_srv_start, tu_srv_stop);
    tcase_add_test(tc, test_readme_curl_examples);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
