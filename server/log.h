/* server/log.h — access log lines on stdout, error lines on stderr; text or JSON. */
#ifndef PROSPERITY_LOG_H
#define PROSPERITY_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* FORMAT "text" or "json"; LEVEL "debug".."error"; ACCESS nonzero to write access lines. */
void log_setup(const char *format, const char *level, int access);

/* One line on stderr at LEVEL (dropped below the configured level). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct access_entry {
    const char *client; /* address, or the X-Forwarded-For of a trusted proxy */
    const char *method;
    const char *target; /* path and query as sent */
    int status;
    size_t bytes; /* body bytes sent */
    long micros;  /* from request line to the answer queued */
    const char *request_id;
    const char *route; /* route name, or NULL */
    int cached;        /* served from the response cache */
};

void log_access(const struct access_entry *e);
/* Whether access lines are written (access_log = on). */
int log_access_enabled(void);
/* Writes buffered access lines out (called about once a second and at exit). */
void log_flush(void);

#endif
