/* api/error.c — typed errors. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int api_fail(struct api_error *err, int status, const char *code, const char *param,
             const char *fmt, ...)
{
    if (!err)
        return -1;
    err->status = status;
    err->code = code;
    err->param = param;
    err->n_suggestions = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return -1;
}

void api_suggest(struct api_error *err, const char *text)
{
    size_t n = strlen(text);
    if (!err)
        return;
    if (err->n_suggestions < 0)
        err->n_suggestions = 0;
    if (err->n_suggestions >= API_MAX_SUGGESTIONS || n >= API_SUGGESTION_MAX)
        return;
    memcpy(err->suggestions[err->n_suggestions++], text, n + 1);
}

void api_did_you_mean(struct api_error *err)
{
    size_t len = strlen(err->detail);
    for (int k = 0; k < err->n_suggestions && len < sizeof err->detail; k++) {
        const char *sep = k == 0 ? "; did you mean " : k + 1 == err->n_suggestions ? " or " : ", ";
        int n = snprintf(err->detail + len, sizeof err->detail - len, "%s'%s'%s", sep,
                         err->suggestions[k], k + 1 == err->n_suggestions ? "?" : "");
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

const char *api_status_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 422:
        return "Unprocessable Content";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Server Error" : "Client Error";
    }
}
