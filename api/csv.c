/* api/csv.c — an in-place RFC 4180 reader and a field writer. */
#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int adopt(struct csv_file *f, const char *name, char *text, size_t len, char *err,
                 size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->path = name;
    f->text = text;
    f->len = len;
    f->line = 1;
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", name);
        free(text);
        f->text = NULL;
        return -1;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        f->pos = 3;
    return 0;
}

int csv_open(struct csv_file *f, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    memset(f, 0, sizeof *f);
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 65536 * 2;
            char *p = realloc(text, cap);
            if (!p) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            text = p;
        }
        size_t n = fread(text + len, 1, cap - len - 1, fp);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error", path);
        goto fail;
    }
    fclose(fp);
    text[len] = '\0';
    return adopt(f, path, text, len, err, errlen);
fail:
    fclose(fp);
    free(text);
    return -1;
}

int csv_open_mem(struct csv_file *f, const char *name, const char *data, size_t len, char *err,
                 size_t errlen)
{
    char *text = malloc(len + 1);
    memset(f, 0, sizeof *f);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    memcpy(text, data, len);
    text[len] = '\0';
    return adopt(f, name, text, len, err, errlen);
}

void csv_close(struct csv_file *f)
{
    free(f->text);
    memset(f, 0, sizeof *f);
}

/* Fields are rewritten in place: an unquoted copy is never longer than its source. */
int csv_next(struct csv_file *f, struct csv_row *row, char *err, size_t errlen)
{
    char *s = f->text;
    size_t i = f->pos;
    row->n = 0;
    row->line = f->line;
    if (!s)
        return 0;
    /* Blank lines at the very end are not records. */
    size_t j = i;
    while (j < f->len && (s[j] == '\r' || s[j] == '\n'))
        j++;
    if (j >= f->len)
        return 0;
    for (;;) {
        if (row->n == CSV_MAX_FIELDS) {
            snprintf(err, errlen, "more than %d fields", CSV_MAX_FIELDS);
            return -1;
        }
        char *out = s + i;
        row->fields[row->n++] = out;
        if (i < f->len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= f->len) {
                    snprintf(err, errlen, "quoted field is not closed");
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < f->len && s[i + 1] == '"') {
                        *out++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (s[i] == '\n')
                    f->line++;
                *out++ = s[i++];
            }
            if (i < f->len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                snprintf(err, errlen, "text after a closing quote");
                return -1;
            }
        } else {
            while (i < f->len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                if (s[i] == '"') {
                    snprintf(err, errlen, "quote inside an unquoted field");
                    return -1;
                }
                *out++ = s[i++];
            }
        }
        char end = i < f->len ? s[i] : '\n';
        *out = '\0';
        if (end == ',') {
            i++;
            continue;
        }
        if (end == '\r') {
            i++;
            if (i < f->len && s[i] == '\n')
                i++;
        } else if (i < f->len) {
            i++;
        }
        f->line++;
        f->pos = i;
        return 1;
    }
}

int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + n >= len)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

void csv_put_field(struct buf *b, const char *s)
{
    csv_put_fieldn(b, s, strlen(s));
}

void csv_put_fieldn(struct buf *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] != ',' && s[i] != '"' && s[i] != '\r' && s[i] != '\n')
        i++;
    if (i == len) {
        buf_append(b, s, len);
        return;
    }
    buf_putc(b, '"');
    for (size_t k = 0; k < len; k++) {
        if (s[k] == '"')
            buf_putc(b, '"');
        buf_putc(b, s[k]);
    }
    buf_putc(b, '"');
}
