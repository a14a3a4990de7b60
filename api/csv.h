/* api/csv.h — RFC 4180 reading (for import) and writing (for format=csv answers). */
#ifndef PROSPERITY_CSV_H
#define PROSPERITY_CSV_H

#include <stddef.h>

#include "buf.h"

#define CSV_MAX_FIELDS 64

struct csv_file {
    const char *path; /* borrowed, for messages */
    char *text;       /* owned: the whole file, unquoted in place as records are read */
    size_t len;
    size_t pos;
    unsigned line; /* physical line where the next record starts (1-based) */
};

struct csv_row {
    unsigned line;                /* physical line where this record starts */
    size_t n;                     /* number of fields */
    char *fields[CSV_MAX_FIELDS]; /* borrowed from the file's text, NUL-terminated */
};

/* Reads PATH whole into F. Returns 0, or -1 with a message in ERR (ERRLEN bytes). A leading
 * UTF-8 byte order mark is skipped; a NUL byte anywhere is an error. */
int csv_open(struct csv_file *f, const char *path, char *err, size_t errlen);
/* Same from memory (copied). */
int csv_open_mem(struct csv_file *f, const char *name, const char *data, size_t len, char *err,
                 size_t errlen);
/* Reads the next record into ROW. Returns 1, 0 at the end, or -1 with the reason in ERR and
 * ROW->line the line where the bad record starts. */
int csv_next(struct csv_file *f, struct csv_row *row, char *err, size_t errlen);
void csv_close(struct csv_file *f);

/* Returns 1 if the LEN bytes at STR are well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *str, size_t len);

/* Appends S as one CSV field, quoted when it holds a comma, quote, CR or LF. */
void csv_put_field(struct buf *b, const char *s);
/* The same for the LEN bytes at S. */
void csv_put_fieldn(struct buf *b, const char *s, size_t len);

#endif
