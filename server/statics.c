/* server/statics.c — static files by exact name. */
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

#define MAX_FILES      64
#define MAX_FILE_BYTES (8u << 20)

static struct static_file files[MAX_FILES];
static size_t nfiles;

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

/* NAME gives the content type (the page at "/" is index.html). */
static void add(const char *url, const char *name, const char *data, size_t len, int owned)
{
    if (nfiles == MAX_FILES) {
        if (owned)
            free((char *)data);
        return;
    }
    struct static_file *f = &files[nfiles++];
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
}

/* index.html is also the page at "/". */
static void add_named(const char *name, const char *data, size_t len, int owned)
{
    char url[96];
    snprintf(url, sizeof url, "/static/%s", name);
    if (strcmp(name, "index.html") == 0)
        add("/", name, data, len, 0);
    add(url, name, data, len, owned);
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
        add_named(de->d_name, data, len, 1);
    }
    closedir(d);
    return 0;
}

int statics_init(const char *dir, const char *chartjs, char *err, size_t errlen)
{
    statics_free();
    if (dir && *dir) {
        if (load_dir(dir, err, errlen) != 0)
            return -1;
    } else {
        for (const struct embedded_asset *a = embedded_assets; a->name; a++)
            add_named(a->name, (const char *)a->data, a->len, 0);
    }
    char *data;
    size_t len;
    char ignored[256];
    if (chartjs && *chartjs && read_file(chartjs, 1, &data, &len, ignored, sizeof ignored) == 0)
        add("/static/vendor/chart.min.js", "chart.min.js", data, len, 1);
    return 0;
}

const struct static_file *statics_find(const char *path)
{
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].path, path) == 0)
            return &files[i];
    return NULL;
}

void statics_free(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].owned)
            free((char *)files[i].data);
        free(files[i].gz);
    }
    nfiles = 0;
}
