/* tests/fuzz/fuzz_import.c — the CSV importer and its promise of atomicity.
 *
 * A scratch copy of data/ and a target folder holding a valid database are made once. The
 * first byte of an input picks one of the seven CSV files ('a' indicators, 'b' regions,
 * 'c' groups, 'd' sources, 'e' observations, 'f' benchmarks, 'g' neighbours; any byte wraps
 * around); the rest replaces that file. An optional file that data/ lacks (neighbours.csv
 * before the provincial panel) is absent in the copy and removed again after each input.
 * import_dir then writes into the target:
 *   - when it fails, the target must be byte-identical and nothing else may be left beside it,
 *     and at least one problem must have been reported;
 *   - when it succeeds, the new database must load with store_load.
 * The file and the target are restored after every input. The copy of observations.csv keeps
 * its first OBSERVATION_ROWS rows. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "import.h"
#include "store.h"

static const char *const files[] = {"indicators.csv", "regions.csv",      "groups.csv",
                                    "sources.csv",    "observations.csv", "benchmarks.csv",
                                    "neighbours.csv"};
/* data/ may lack these; the others must be there. */
static const int optional_file[] = {0, 0, 0, 0, 0, 0, 1};
#define NFILES (sizeof files / sizeof files[0])

static char scratch[256], data_dir[300], target_dir[300], target[340];
static char *original[NFILES];
static size_t original_len[NFILES];
static char *golden;
static size_t golden_len;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int spit(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The panel's 11,870 observations made an import take 0.2 s: 160 inputs in 30 s. Any prefix
 * of observations.csv is valid data (nothing refers to an observation), so the copy keeps the
 * first rows, and the fuzzer spends its time on the inputs. */
#define OBSERVATION_ROWS 500

/* The length of the first N lines of TEXT (LEN bytes). */
static size_t first_lines(const char *text, size_t len, size_t n)
{
    size_t at = 0;
    while (n > 0 && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        at = nl ? (size_t)(nl - text) + 1 : len;
        n--;
    }
    return at;
}

static void remove_scratch(void)
{
    char p[600];
    for (size_t i = 0; i < NFILES; i++) {
        snprintf(p, sizeof p, "%s/%s", data_dir, files[i]);
        unlink(p);
        free(original[i]);
    }
    DIR *d = opendir(target_dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", target_dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(data_dir);
    rmdir(target_dir);
    rmdir(scratch);
    free(golden);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* tmpfs when there is one: every successful import fsyncs. */
    const char *tmp = getenv("TMPDIR");
    struct stat sb;
    if (!tmp || !*tmp)
        tmp = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(scratch, sizeof scratch, "%s/prosperity-fuzz-import-XXXXXX", tmp);
    if (!mkdtemp(scratch)) {
        perror("fuzz_import: mkdtemp");
        abort();
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", scratch);
    snprintf(target_dir, sizeof target_dir, "%s/target", scratch);
    snprintf(target, sizeof target, "%s/prosperity.db", target_dir);
    if (mkdir(data_dir, 0700) != 0 || mkdir(target_dir, 0700) != 0)
        abort();
    atexit(remove_scratch);
    for (size_t i = 0; i < NFILES; i++) {
        char from[600], to[400];
        snprintf(from, sizeof from, "%s/%s", FUZZ_DATA_DIR, files[i]);
        snprintf(to, sizeof to, "%s/%s", data_dir, files[i]);
        original[i] = slurp(from, &original_len[i]);
        if (!original[i] && optional_file[i] && errno == ENOENT)
            continue;
        if (original[i] && strcmp(files[i], "observations.csv") == 0)
            original_len[i] = first_lines(original[i], original_len[i], OBSERVATION_ROWS + 1);
        if (!original[i] || spit(to, original[i], original_len[i]) != 0) {
            fprintf(stderr, "fuzz_import: cannot copy %s\n", from);
            abort();
        }
    }
    if (import_dir(data_dir, target, stderr) != 0)
        abort();
    golden = slurp(target, &golden_len);
    if (!golden)
        abort();
    return 0;
}

/* Only the target may be in its folder: a failed import leaves no temporary file behind. */
static void check_alone(void)
{
    DIR *d = opendir(target_dir);
    struct dirent *de;
    FUZZ_CHECK(d != NULL, "%s: %s", target_dir, strerror(errno));
    while ((de = readdir(d)))
        FUZZ_CHECK(strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                       strcmp(de->d_name, "prosperity.db") == 0,
                   "left behind: %s", de->d_name);
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    long k = ((long)data[0] - 'a') % (long)NFILES;
    size_t which = (size_t)(k < 0 ? k + (long)NFILES : k);
    char path[400];
    snprintf(path, sizeof path, "%s/%s", data_dir, files[which]);
    FUZZ_CHECK(spit(path, (const char *)data + 1, size - 1) == 0, "cannot write %s", path);

    char *msgs = NULL;
    size_t msglen = 0;
    FILE *errs = open_memstream(&msgs, &msglen);
    FUZZ_CHECK(errs != NULL, "open_memstream");
    int rc = import_dir(data_dir, target, errs);
    fclose(errs);

    if (rc != 0) {
        size_t len = 0;
        char *now = slurp(target, &len);
        FUZZ_CHECK(now && len == golden_len && memcmp(now, golden, len) == 0,
                   "a failed import changed the target (%zu bytes, was %zu)", len, golden_len);
        free(now);
        FUZZ_CHECK(msglen > 0, "a failed import reported nothing");
        check_alone();
    } else {
        struct api_error err = {0};
        struct store *s = store_load(target, &err);
        FUZZ_CHECK(s != NULL, "an imported database does not load: %s\nimport said: %s", err.detail,
                   msgs ? msgs : "");
        store_free(s);
        check_alone();
        FUZZ_CHECK(spit(target, golden, golden_len) == 0, "cannot restore %s", target);
    }
    free(msgs);
    if (!original[which])
        FUZZ_CHECK(unlink(path) == 0, "cannot remove %s", path);
    else
        FUZZ_CHECK(spit(path, original[which], original_len[which]) == 0, "cannot restore %s",
                   path);
    return 0;
}
