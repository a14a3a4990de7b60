/* server/log.c — one line per event; stdout is block-buffered and flushed about once a second
 * so that logging costs no write(2) per request under load. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"

static int json_lines;
static enum log_level min_level = LOG_INFO;
static int access_on = 1;

void log_setup(const char *format, const char *level, int access)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    json_lines = format && strcmp(format, "json") == 0;
    for (int i = 0; i < 4; i++)
        if (level && strcmp(level, names[i]) == 0)
            min_level = (enum log_level)i;
    access_on = access;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
}

static void timestamp(char *out, size_t size)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

/* The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) that starts at P, or 0. P is NUL-terminated, so a truncated sequence stops at
 * the NUL, which is no continuation byte. */
static int utf8_length(const unsigned char *p)
{
    unsigned char lo = 0x80, hi = 0xbf;
    int n;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        n = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        n = 4;
    else
        return 0;
    /* the second byte's range excludes overlong forms, surrogates and beyond U+10FFFF */
    if (p[0] == 0xe0)
        lo = 0xa0;
    else if (p[0] == 0xed)
        hi = 0x9f;
    else if (p[0] == 0xf0)
        lo = 0x90;
    else if (p[0] == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* Appends S as a JSON string, or null. Valid UTF-8 passes through; every other byte >= 0x80,
 * and every control character, becomes \u00XX: the code point of the same number (the byte
 * read as ISO-8859-1, HTTP's historical charset), so that the line stays JSON (RFC 8259 8.1
 * requires UTF-8) and no byte is lost. */
static void put_json_string(struct buf *b, const char *s)
{
    if (!s) {
        buf_puts(b, "null");
        return;
    }
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p >= 0x80 ? utf8_length(p) : 1;
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f || n == 0)
            buf_printf(b, "\\u%04x", *p);
        else
            buf_append(b, (const char *)p, (size_t)n);
        p += n ? n : 1;
    }
    buf_putc(b, '"');
}

/* Text lines quote nothing but must stay one line: control characters become '?'. */
static void put_text(struct buf *b, const char *s)
{
    if (!s || !*s) {
        buf_putc(b, '-');
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        buf_putc(b, *p < 0x20 || *p == 0x7f || *p == ' ' ? '?' : (char)*p);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < min_level)
        return;
    char when[40], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    timestamp(when, sizeof when);
    char line[1536];
    struct buf b = BUF_STACK(line);
    if (json_lines) {
        buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when, names[level]);
        put_json_string(&b, msg);
        buf_puts(&b, "}\n");
    } else {
        buf_printf(&b, "%s %s %s\n", when, names[level], msg);
    }
    if (buf_cstr(&b))
        fputs(b.data, stderr);
    buf_free(&b);
}

void log_access(const struct access_entry *e)
{
    if (!access_on)
        return;
    char when[40], line[2048];
    timestamp(when, sizeof when);
    struct buf b = BUF_STACK(line);
    if (json_lines) {
        buf_printf(&b, "{\"time\":\"%s\",\"client\":", when);
        put_json_string(&b, e->client);
        buf_puts(&b, ",\"method\":");
        put_json_string(&b, e->method);
        buf_puts(&b, ",\"target\":");
        put_json_string(&b, e->target);
        buf_printf(&b, ",\"status\":%d,\"bytes\":%zu,\"us\":%ld,\"request_id\":", e->status,
                   e->bytes, e->micros);
        put_json_string(&b, e->request_id);
        buf_puts(&b, ",\"route\":");
        put_json_string(&b, e->route);
        buf_printf(&b, ",\"cached\":%s}\n", e->cached ? "true" : "false");
    } else {
        buf_printf(&b, "%s ", when);
        put_text(&b, e->client);
        buf_putc(&b, ' ');
        put_text(&b, e->method);
        buf_putc(&b, ' ');
        put_text(&b, e->target);
        buf_printf(&b, " %d %zu %ldus id=", e->status, e->bytes, e->micros);
        put_text(&b, e->request_id);
        buf_puts(&b, e->cached ? " hit\n" : " miss\n");
    }
    /* One fputs per line: stdio's lock keeps lines from different threads whole. */
    if (buf_cstr(&b))
        fputs(b.data, stdout);
    buf_free(&b);
}

int log_access_enabled(void)
{
    return access_on;
}

void log_flush(void)
{
    fflush(stdout);
    fflush(stderr);
}
