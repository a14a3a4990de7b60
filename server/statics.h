/* server/statics.h — the browsing page: an allow-list of files held in memory. A URL is only
 * ever looked up in this list, never joined to a filesystem path. */
#ifndef PROSPERITY_STATICS_H
#define PROSPERITY_STATICS_H

#include <stddef.h>

struct static_file {
    char path[96];    /* URL path: "/" or "/static/app.js" */
    const char *data; /* borrowed (built in) or owned (read at start) */
    size_t len;
    const char *content_type; /* static */
    char etag[24];
    int owned;
    char *gz; /* owned gzip copy, or NULL when it would not be smaller */
    size_t gzlen;
    char gz_etag[28];
};

/* Builds the list from the files built in, or from DIR when it is not empty (regular files
 * only, no links), plus Chart.js from CHARTJS when that file exists. Called before serving,
 * never while requests run. Returns 0, or -1 with a message in ERR (a file unreadable, more
 * than 1024 files, out of memory). */
int statics_init(const char *dir, const char *chartjs, char *err, size_t errlen);
/* The file served at PATH (borrowed, valid until statics_free), or NULL. */
const struct static_file *statics_find(const char *path);
void statics_free(void);

#endif
