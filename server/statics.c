/* server/statics.c — static files by exact name: a list made once at start (before the first
 * request; never changed while serving), sorted by path for a binary search. */
#include "statics.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gzip.h"
#include "idmap.h"

struct embedded_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
};
extern const struct embedded_asset embedded_assets[];

#define MAX_FILES      1024
#define MAX_FILE_BYTES (8u << 20)

static struct static_file *files; /* grown while the list is made, then fixed */
static size_t nfiles, capacity;

static const char *type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".mjs", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".json", "application/json"},
                 {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* A new slot at the end of the list, or NULL when it is full or out of memory. */
static struct static_file *grow(void)
{
    if (nfiles == capacity) {
        size_t want = capacity ? 2 * capacity : 16;
        struct static_file *more = want <= MAX_FILES ? realloc(files, want * sizeof *files) : NULL;
        if (!more)
            return NULL;
        files = more;
        capacity = want;
    }
    return &files[nfiles++];
}

/* NAME gives the content type (the page at "/" is index.html). DATA is owned when OWNED, and
 * then freed here on failure. Returns 0, or -1 when the list is full or out of memory. */
static int add(const char *url, const char *name, const char *data, size_t len, int owned)
{
    struct static_file *f = grow();
    if (!f) {
        if (owned)
            free((char *)data);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s", url);
    f->data = data;
    f->len = len;
    f->owned = owned;
    f->content_type = type_of(name);
    unsigned long long tag = hash_bytes(HASH_SEED, data, len);
    snprintf(f->etag, sizeof f->etag, "\"%016llx\"", tag);
    /* compressed once at start; a strong tag of its own, since the bytes differ */
    f->gz = NULL;
    f->gzlen = 0;
    if (len > 1024 && (f->gz = malloc(gzip_bound(len))) != NULL &&
        (f->gzlen = gzip_into(data, len, f->gz, gzip_bound(len))) == 0) {
        free(f->gz);
        f->gz = NULL;
    }
    snprintf(f->gz_etag, sizeof f->gz_etag, "\"%016llx-gz\"", tag);
    return 0;
}

/* index.html is also the page at "/", which borrows the bytes of /static/index.html: both
 * are added, or neither (a "/" left behind would point at freed bytes). */
static int add_named(const char *name, const char *data, size_t len, int owned)
{
    char url[96];
    snprintf(url, sizeof url, "/static/%s", name);
    if (add(url, name, data, len, owned) != 0)
        return -1;
    if (strcmp(name, "index.html") == 0 && add("/", name, data, len, 0) != 0) {
        nfiles--;
        if (owned)
            free((char *)data);
        free(files[nfiles].gz);
        return -1;
    }
    return 0;
}

static int too_many(char *err, size_t errlen)
{
    snprintf(err, errlen, "static files: more than %d, or out of memory", MAX_FILES);
    return -1;
}

/* FOLLOW: the operator named the file (Chart.js may be a link); files of a folder are not. */
static int read_file(const char *path, int follow, char **data, size_t *len, char *err,
                     size_t errlen)
{
    struct stat sb;
    FILE *fp = NULL;
    *data = NULL;
    if ((follow ? stat(path, &sb) : lstat(path, &sb)) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > (off_t)MAX_FILE_BYTES)
        goto fail;
    fp = fopen(path, "rb");
    *data = malloc((size_t)sb.st_size + 1);
    if (!fp || !*data || fread(*data, 1, (size_t)sb.st_size, fp) != (size_t)sb.st_size)
        goto fail;
    fclose(fp);
    *len = (size_t)sb.st_size;
    return 0;
fail:
    snprintf(err, errlen, "%s: not a readable regular file under %u bytes", path, MAX_FILE_BYTES);
    if (fp)
        fclose(fp);
    free(*data);
    *data = NULL;
    return -1;
}

static int load_dir(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "static_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char path[1024], *data;
        size_t len;
        struct stat sb;
        if (de->d_name[0] == '.' || strlen(de->d_name) > 60)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        /* Links and folders are skipped: nothing outside DIR can be served. */
        if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (read_file(path, 0, &data, &len, err, errlen) != 0) {
            closedir(d);
            return -1;
        }
        if (add_named(de->d_name, data, len, 1) != 0) {
            closedir(d);
            return too_many(err, errlen);
        }
    }
    closedir(d);
    return 0;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

int statics_init(const char *dir, const char *chartjs, char *err, size_t errlen)
{
    statics_free();
    if (dir && *dir) {
        if (load_dir(dir, err, errlen) != 0)
            goto fail;
    } else {
        for (const struct embedded_asset *a = embedded_assets; a->name; a++)
            if (add_named(a->name, (const char *)a->data, a->len, 0) != 0) {
                too_many(err, errlen);
                goto fail;
            }
    }
    char *data;
    size_t len;
    char ignored[256];
    if (chartjs && *chartjs && read_file(chartjs, 1, &data, &len, ignored, sizeof ignored) == 0 &&
        add("/static/vendor/chart.min.js", "chart.min.js", data, len, 1) != 0) {
        too_many(err, errlen);
        goto fail;
    }
    if (nfiles) /* an empty folder leaves FILES NULL, which qsort may not get even for 0 items */
        qsort(files, nfiles, sizeof *files, by_path);
    return 0;
fail:
    statics_free();
    return -1;
}

static int path_is(const void *path, const void *f)
{
    return strcmp(path, ((const struct static_file *)f)->path);
}

const struct static_file *statics_find(const char *path)
{
    return nfiles ? bsearch(path, files, nfiles, sizeof *files, path_is) : NULL;
}

void statics_free(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].owned)
            free((char *)files[i].data);
        free(files[i].gz);
    }
    free(files);
    files = NULL;
    nfiles = capacity = 0;
}
