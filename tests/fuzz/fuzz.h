/* tests/fuzz/fuzz.h — what the libFuzzer harnesses share: the entry points, a check that
 * aborts with a message (so the fuzzer records the input), and where the default data lives. */
#ifndef PROSPERITY_FUZZ_H
#define PROSPERITY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a failure is a finding, not a harness error. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The default database (PROSPERITY_FUZZ_DB overrides the one the build imported). */
static inline const char *fuzz_db_path(void)
{
    const char *env = getenv("PROSPERITY_FUZZ_DB");
    return env && *env ? env : FUZZ_DEFAULT_DB;
}

/* Loads the default database for harness WHO, or aborts (a harness without data is broken).
 * Returns a new snapshot kept for the whole run. */
static inline struct store *fuzz_load_store(const char *who)
{
    struct api_error err = {0};
    struct store *s = store_load(fuzz_db_path(), &err);
    if (!s) {
        fprintf(stderr, "%s: cannot load %s: %s\n", who, fuzz_db_path(), err.detail);
        abort();
    }
    return s;
}

/* An error status the data API may answer with: 4xx, or 503 when memory ran out. */
static inline int fuzz_status_ok(int status)
{
    return (status >= 400 && status < 500) || status == 503;
}

#endif
