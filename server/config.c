/* server/config.c — one table of settings; four sources. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_INT, K_STR, K_ENUM };

struct key {
    const char *name;
    enum kind kind;
    size_t offset;
    size_t size;   /* K_STR, K_ENUM: buffer size */
    long min, max; /* K_INT */
    const char *const *choices;
    const char *def;
    const char *help;
};

#define FIELD(f)     offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define CHOICES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- free-text settings, checked when they are set --------------------------------------- */

/* The next comma-separated item of *P with spaces around it trimmed (as the server splits
 * lists), its length in LEN; 0 after the last. */
static int next_item(const char **p, const char **item, size_t *len)
{
    const char *s = *p;
    if (!s)
        return 0;
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    while (n && *s == ' ') {
        s++;
        n--;
    }
    while (n && s[n - 1] == ' ')
        n--;
    *item = s;
    *len = n;
    *p = end ? end + 1 : NULL;
    return 1;
}

int config_addr(const char *text, unsigned char out[16])
{
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

/* ITEM (LEN bytes): ADDRESS or ADDRESS/BITS, BITS decimal without sign or leading zero. */
static int parse_cidr(const char *item, size_t len, struct config_cidr *out, char *why,
                      size_t whylen)
{
    char text[64];
    const char *slash = memchr(item, '/', len);
    size_t alen = slash ? (size_t)(slash - item) : len;
    if (alen == 0 || alen >= sizeof text)
        goto bad_addr;
    memcpy(text, item, alen);
    text[alen] = '\0';
    if (config_addr(text, out->net) != 0)
        goto bad_addr;
    int v4 = strchr(text, ':') == NULL, max = v4 ? 32 : 128;
    out->bits = 128;
    if (!slash)
        return 0;
    const char *d = slash + 1, *end = item + len;
    long bits = 0;
    if (d == end || end - d > 3 || (*d == '0' && end - d > 1))
        goto bad_bits;
    for (const char *c = d; c < end; c++) {
        if (*c < '0' || *c > '9')
            goto bad_bits;
        bits = bits * 10 + (*c - '0');
    }
    if (bits > max)
        goto bad_bits;
    out->bits = (int)bits + (v4 ? 96 : 0);
    return 0;
bad_addr:
    snprintf(why, whylen, "'%.*s' is not an IPv4 or IPv6 address", (int)alen, item);
    return -1;
bad_bits:
    snprintf(why, whylen, "'%.*s' needs a prefix length from 0 to %d after the '/'", (int)len, item,
             slash && strchr(text, ':') ? 128 : 32);
    return -1;
}

int config_cidrs(const char *list, struct config_cidr out[CONFIG_MAX_CIDRS], char *why,
                 size_t whylen)
{
    const char *p = list, *item;
    size_t len;
    int n = 0;
    if (!*list)
        return 0;
    while (next_item(&p, &item, &len)) {
        if (len == 0) {
            snprintf(why, whylen, "'%s' has an empty item between commas", list);
            return -1;
        }
        if (n == CONFIG_MAX_CIDRS) {
            snprintf(why, whylen, "'%s' has more than %d items", list, CONFIG_MAX_CIDRS);
            return -1;
        }
        if (parse_cidr(item, len, &out[n], why, whylen) != 0)
            return -1;
        n++;
    }
    return n;
}

static int check_proxies(const char *value, char *why, size_t whylen)
{
    static struct config_cidr scratch[CONFIG_MAX_CIDRS];
    return config_cidrs(value, scratch, why, whylen) < 0 ? -1 : 0;
}

/* A character a path segment may hold as it is (RFC 3986 pchar without '%'): the prefix is
 * compared with the decoded path, and it is sent back in Location. */
static int segment_char(unsigned char c)
{
    return isalnum(c) || (c && strchr("-._~!$&'()*+,;=:@", c));
}

static int check_base_path(const char *value, char *why, size_t whylen)
{
    size_t n = strlen(value);
    if (n == 0)
        return 0;
    if (value[0] != '/') {
        snprintf(why, whylen, "'%s' must start with '/' (or be empty for none)", value);
        return -1;
    }
    if (value[n - 1] == '/') {
        snprintf(why, whylen, "'%s' must not end with '/' (/prosperity, not /prosperity/)", value);
        return -1;
    }
    for (const char *seg = value + 1; seg;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') ||
            (len == 2 && seg[0] == '.' && seg[1] == '.')) {
            snprintf(why, whylen, "'%s' must not have empty, '.' or '..' segments", value);
            return -1;
        }
        for (size_t i = 0; i < len; i++)
            if (!segment_char((unsigned char)seg[i])) {
                snprintf(why, whylen,
                         "'%s' may hold letters, digits and -._~!$&'()*+,;=:@ between "
                         "slashes, not '%c' (no query, fragment, spaces or percent-encoding)",
                         value, seg[i]);
                return -1;
            }
        seg = slash ? slash + 1 : NULL;
    }
    return 0;
}

/* ITEM (LEN bytes) is an origin as browsers send it: scheme://host[:port], lower case, no
 * default port, no path. */
static int check_origin(const char *item, size_t len, char *why, size_t whylen)
{
    const char *p = item, *end = item + len;
    while (p < end && (islower((unsigned char)*p) ||
                       (p > item && (isdigit((unsigned char)*p) || strchr("+-.", *p)))))
        p++;
    if (p == item || end - p < 3 || strncmp(p, "://", 3) != 0) {
        snprintf(why, whylen, "'%.*s' is not a lower-case scheme://host[:port]", (int)len, item);
        return -1;
    }
    size_t scheme = (size_t)(p - item);
    const char *host = p += 3;
    if (p < end && *p == '[') { /* an IPv6 address, lower case as browsers write it */
        const char *close = memchr(p, ']', (size_t)(end - p));
        char text[64];
        unsigned char a6[16];
        size_t n = close ? (size_t)(close - p - 1) : 0;
        if (!n || n >= sizeof text)
            goto bad;
        memcpy(text, p + 1, n);
        text[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (isupper((unsigned char)text[i]))
                goto bad;
        if (inet_pton(AF_INET6, text, a6) != 1)
            goto bad;
        p = close + 1;
    } else {
        while (p < end && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
                           *p == '-' || *p == '_'))
            p++;
    }
    if (p == host)
        goto bad;
    if (p < end && *p == ':') {
        const char *d = ++p;
        long port = 0;
        while (p < end && isdigit((unsigned char)*p) && p - d < 6)
            port = port * 10 + (*p++ - '0');
        if (p == d || *d == '0' || port > 65535)
            goto bad;
        if ((scheme == 5 && strncmp(item, "https", 5) == 0 && port == 443) ||
            (scheme == 4 && strncmp(item, "http", 4) == 0 && port == 80)) {
            snprintf(why, whylen, "'%.*s': browsers leave the default port out of Origin", (int)len,
                     item);
            return -1;
        }
    }
    if (p == end)
        return 0;
bad:
    snprintf(why, whylen,
             "'%.*s' is not an origin as browsers send it: lower-case scheme://host[:port], "
             "no path, not even '/'",
             (int)len, item);
    return -1;
}

static int check_origins(const char *value, char *why, size_t whylen)
{
    const char *p = value, *item;
    size_t len;
    if (strcmp(value, "*") == 0)
        return 0;
    while (next_item(&p, &item, &len)) {
        if (len == 1 && item[0] == '*') {
            snprintf(why, whylen, "'%s': '*' allows every origin, alone, not in a list", value);
            return -1;
        }
        if (len == 0) {
            snprintf(why, whylen, "'%s' has an empty item between commas", value);
            return -1;
        }
        if (check_origin(item, len, why, whylen) != 0)
            return -1;
    }
    return 0;
}

/* The free-text keys that are parsed: each check returns 0, or -1 with the reason in WHY. */
static const struct {
    const char *name;
    int (*check)(const char *value, char *why, size_t whylen);
} checks[] = {
    {"cors_origins", check_origins},
    {"base_path", check_base_path},
    {"trusted_proxies", check_proxies},
};

static int check(const char *name, const char *value, char *why, size_t whylen)
{
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (strcmp(checks[i].name, name) == 0)
            return checks[i].check(value, why, whylen);
    return 0;
}

static const struct key keys[] = {
    {"listen", K_STR, FIELD(listen), 0, 0, NULL, "0.0.0.0",
     "address to listen on (0.0.0.0 or :: for all, 127.0.0.1 for local only)"},
    {"port", K_INT, FIELD(port), 0, 65535, NULL, "8080", "TCP port (0: any free port)"},
    {"db", K_STR, FIELD(db), 0, 0, NULL, "",
     "database file written by 'prosperity import' (empty: the default database)"},
    {"threads", K_INT, FIELD(threads), 0, 256, NULL, "0", "worker threads (0: one per usable CPU)"},
    {"connection_limit", K_INT, FIELD(connection_limit), 1, 100000, NULL, "1000",
     "open connections at most"},
    {"per_ip_connection_limit", K_INT, FIELD(per_ip_connection_limit), 0, 100000, NULL, "0",
     "open connections per client address (0: unlimited; behind a proxy limit in the proxy)"},
    {"connection_timeout", K_INT, FIELD(connection_timeout), 1, 3600, NULL, "15",
     "seconds of inactivity before a connection is closed"},
    {"connection_memory_limit", K_INT, FIELD(connection_memory_limit), 16384, 1048576, NULL,
     "32768", "bytes per connection for the request line and headers (hold both request limits)"},
    {"max_url_bytes", K_INT, FIELD(max_url_bytes), 256, 65536, NULL, "8192",
     "longest request URL answered (longer: 414)"},
    {"max_header_bytes", K_INT, FIELD(max_header_bytes), 1024, 65536, NULL, "16384",
     "largest total of request headers answered (larger: 431)"},
    {"cache_max_age", K_INT, FIELD(cache_max_age), 0, 31536000, NULL, "300",
     "Cache-Control max-age of data answers, in seconds"},
    {"cache_bytes_mb", K_INT, FIELD(cache_bytes_mb), 0, 65536, NULL, "64",
     "memory for cached response bodies, in MiB (0: no cache)"},
    {"log_level", K_ENUM, FIELD(log_level), 0, 0, CHOICES("debug", "info", "warn", "error"), "info",
     "least severe message written to stderr"},
    {"log_format", K_ENUM, FIELD(log_format), 0, 0, CHOICES("text", "json"), "text",
     "access and error log lines as text or JSON"},
    {"access_log", K_ENUM, FIELD(access_log), 0, 0, CHOICES("on", "off"), "on",
     "one line per request on stdout"},
    {"cors_origins", K_STR, FIELD(cors_origins), 0, 0, NULL, "*",
     "Access-Control-Allow-Origin: * or a comma-separated list of origins (https://a.example, "
     "http://localhost:8080)"},
    {"base_path", K_STR, FIELD(base_path), 0, 0, NULL, "",
     "path prefix to strip, for proxies that do not strip it (e.g. /prosperity, no trailing /)"},
    {"trusted_proxies", K_STR, FIELD(trusted_proxies), 0, 0, NULL, "",
     "comma-separated proxy addresses or CIDR ranges (10.0.0.0/8, fd00::/8) whose "
     "X-Forwarded-For names the client"},
    {"shutdown_grace", K_INT, FIELD(shutdown_grace), 0, 3600, NULL, "10",
     "seconds to finish requests in flight after SIGTERM"},
    {"static_dir", K_STR, FIELD(static_dir), 0, 0, NULL, "",
     "serve the page from this folder instead of the copy built in"},
    {"chartjs", K_STR, FIELD(chartjs), 0, 0, NULL, PROSPERITY_CHARTJS_DEFAULT,
     "Chart.js file (Debian libjs-chart.js) served as static/vendor/chart.min.js"},
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const struct key *find(const char *name)
{
    for (size_t k = 0; k < NKEYS; k++)
        if (strcmp(keys[k].name, name) == 0)
            return &keys[k];
    return NULL;
}

static int parse_int(const char *s, long *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int config_set(struct config *cfg, const char *name, const char *value, const char *origin,
               FILE *errs)
{
    const struct key *k = find(name);
    char *field = (char *)cfg;
    if (!k) {
        fprintf(errs, "prosperity: %s: unknown setting '%s' (see 'prosperity serve --help')\n",
                origin, name);
        return -1;
    }
    field += k->offset;
    switch (k->kind) {
    case K_INT: {
        long v;
        if (parse_int(value, &v) != 0 || v < k->min || v > k->max) {
            fprintf(errs, "prosperity: %s: %s must be a whole number from %ld to %ld, not '%s'\n",
                    origin, name, k->min, k->max, value);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case K_ENUM:
        for (const char *const *c = k->choices; *c; c++)
            if (strcmp(*c, value) == 0)
                goto copy;
        fprintf(errs, "prosperity: %s: %s must be one of", origin, name);
        for (const char *const *c = k->choices; *c; c++)
            fprintf(errs, " %s", *c);
        fprintf(errs, ", not '%s'\n", value);
        return -1;
    default:
    copy:
        if (strlen(value) >= k->size) {
            fprintf(errs, "prosperity: %s: %s is longer than %zu bytes\n", origin, name,
                    k->size - 1);
            return -1;
        }
        char why[256];
        if (check(name, value, why, sizeof why) != 0) {
            fprintf(errs, "prosperity: %s: %s: %s\n", origin, name, why);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int load_file(struct config *cfg, const char *path, FILE *errs)
{
    FILE *fp = fopen(path, "r");
    char line[1024], origin[300];
    unsigned n = 0;
    int rc = 0;
    if (!fp) {
        fprintf(errs, "prosperity: config file %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, fp)) {
        n++;
        snprintf(origin, sizeof origin, "%s:%u", path, n);
        if (!strchr(line, '\n') && !feof(fp)) {
            fprintf(errs, "prosperity: %s: line is too long\n", origin);
            rc = -1;
            break;
        }
        /* A '#' at the start or after a blank starts a comment; other '#' are text. */
        for (char *h = strchr(line, '#'); h; h = strchr(h + 1, '#'))
            if (h == line || h[-1] == ' ' || h[-1] == '\t') {
                *h = '\0';
                break;
            }
        char *s = trim(line);
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(errs, "prosperity: %s: expected 'key = value'\n", origin);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (config_set(cfg, trim(s), trim(eq + 1), origin, errs) != 0) {
            rc = -1;
            break;
        }
    }
    fclose(fp);
    return rc;
}

static int load_env(struct config *cfg, FILE *errs)
{
    char var[96];
    for (size_t k = 0; k < NKEYS; k++) {
        size_t n = (size_t)snprintf(var, sizeof var, "PROSPERITY_%s", keys[k].name);
        for (size_t i = 11; i < n; i++)
            var[i] = (char)toupper((unsigned char)var[i]);
        const char *v = getenv(var);
        if (v && config_set(cfg, keys[k].name, v, var, errs) != 0)
            return -1;
    }
    return 0;
}

/* "--connection-timeout" -> "connection_timeout" in OUT; NULL when ARG is not a flag. */
static const char *flag_key(const char *arg, char *out, size_t size)
{
    if (strncmp(arg, "--", 2) != 0 || strlen(arg + 2) >= size)
        return NULL;
    size_t i = 0;
    for (const char *p = arg + 2; *p && *p != '='; p++)
        out[i++] = *p == '-' ? '_' : *p;
    out[i] = '\0';
    return out;
}

int config_load(struct config *cfg, int argc, char **argv, FILE *out, FILE *errs)
{
    const char *file = getenv("PROSPERITY_CONFIG");
    char key[96];
    memset(cfg, 0, sizeof *cfg);
    for (size_t k = 0; k < NKEYS; k++)
        if (config_set(cfg, keys[k].name, keys[k].def, "default", errs) != 0)
            return -1;
    /* First pass: --help and --config, which decide what the other passes read. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_usage(out);
            return 1;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    if (file && *file && load_file(cfg, file, errs) != 0)
        return -1;
    if (load_env(cfg, errs) != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (!flag_key(arg, key, sizeof key)) {
            fprintf(errs, "prosperity: unexpected argument '%s' (see --help)\n", arg);
            return -1;
        }
        const char *eq = strchr(arg, '=');
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(errs, "prosperity: flag %s needs a value\n", arg);
            return -1;
        }
        if (strcmp(key, "config") == 0)
            continue;
        char origin[128];
        snprintf(origin, sizeof origin, "flag --%.*s",
                 (int)(eq ? eq - arg - 2 : (long)strlen(arg + 2)), arg + 2);
        if (config_set(cfg, key, value, origin, errs) != 0)
            return -1;
    }
    return 0;
}

void config_usage(FILE *out)
{
    fprintf(out, "usage: prosperity serve [--config FILE] [--KEY VALUE ...]\n\n"
                 "Serves the API. Each setting comes from, in rising precedence: its default,\n"
                 "the config file (key = value lines, # comments), the environment variable\n"
                 "PROSPERITY_KEY, and the flag --key (dashes or underscores).\n\n");
    for (size_t k = 0; k < NKEYS; k++) {
        char flag[64], env[64];
        size_t n = (size_t)snprintf(flag, sizeof flag, "--%s", keys[k].name);
        for (size_t i = 2; i < n; i++)
            if (flag[i] == '_')
                flag[i] = '-';
        n = (size_t)snprintf(env, sizeof env, "PROSPERITY_%s", keys[k].name);
        for (size_t i = 11; i < n; i++)
            env[i] = (char)toupper((unsigned char)env[i]);
        fprintf(out, "  %s %s  (%s, default: %s)\n      %s\n", flag,
                keys[k].kind == K_INT    ? "N"
                : keys[k].kind == K_ENUM ? "WORD"
                                         : "TEXT",
                env, *keys[k].def ? keys[k].def : "empty", keys[k].help);
    }
    fprintf(out, "  --config FILE  (PROSPERITY_CONFIG)\n      read settings from FILE\n");
}
