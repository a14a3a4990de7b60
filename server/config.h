/* server/config.h — settings from defaults, a key = value file, PROSPERITY_* environment
 * variables and command-line flags (in rising precedence), checked against one table. */
#ifndef PROSPERITY_CONFIG_H
#define PROSPERITY_CONFIG_H

#include <stdio.h>

#define CONFIG_STR 256

struct config {
    char listen[64];
    int port;
    char db[CONFIG_STR];
    int threads;
    int connection_limit;
    int per_ip_connection_limit;
    int connection_timeout;
    int connection_memory_limit;
    int max_url_bytes;
    int max_header_bytes;
    int cache_max_age;
    int cache_bytes_mb;
    char log_level[8];
    char log_format[8];
    char access_log[8];
    char cors_origins[CONFIG_STR];
    char base_path[128];
    char trusted_proxies[CONFIG_STR];
    int shutdown_grace;
    char static_dir[CONFIG_STR];
    char chartjs[CONFIG_STR];
};

/* Fills CFG from defaults, then the file named by --config (or PROSPERITY_CONFIG), then the
 * environment, then the flags in ARGV (ARGV[0] is the command name, e.g. "serve").
 * Returns 0, 1 when --help was printed to OUT, or -1 after one line on ERRS naming the key. */
int config_load(struct config *cfg, int argc, char **argv, FILE *out, FILE *errs);

/* Sets setting NAME to VALUE; ORIGIN names where it came from for the message. Returns 0 or -1. */
int config_set(struct config *cfg, const char *name, const char *value, const char *origin,
               FILE *errs);

/* One range of trusted_proxies: an address (all bits) or ADDRESS/BITS, with IPv4 mapped into
 * ::ffff:0:0/96 as IPv6 sockets see IPv4 peers. */
struct config_cidr {
    unsigned char net[16];
    int bits; /* leading bits of NET an address must share, 0..128 */
};

/* Enough for any list that fits the setting (every item takes at least two bytes with its
 * comma). */
#define CONFIG_MAX_CIDRS (CONFIG_STR / 2)

/* Parses LIST (trusted_proxies: comma-separated, spaces around items allowed) into OUT.
 * Returns the number of ranges, or -1 with the reason (naming the bad item) in WHY. */
int config_cidrs(const char *list, struct config_cidr out[CONFIG_MAX_CIDRS], char *why,
                 size_t whylen);

/* Parses an IPv4 or IPv6 address (no range) into OUT, IPv4 mapped as above. 0 or -1. */
int config_addr(const char *text, unsigned char out[16]);

/* Prints every key with its flag, environment variable, default and meaning. */
void config_usage(FILE *out);

#endif
