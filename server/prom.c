/* server/prom.c — request counters, latency histograms, cache and dataset gauges. */
#include "prom.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

static const int statuses[] = {200, 204, 304, 308, 400, 404, 405, 413, 414, 422, 431, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1) /* last: any other */
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
#define NBUCKET (sizeof bounds / sizeof bounds[0])

static const char *route_names[PROM_MAX_ROUTES];
static atomic_uint_fast64_t requests[PROM_MAX_ROUTES][NSTATUS];
static atomic_uint_fast64_t buckets[PROM_MAX_ROUTES][NBUCKET];
static atomic_uint_fast64_t duration_us[PROM_MAX_ROUTES];
static atomic_uint_fast64_t bytes_out, cache_hits, cache_misses, reloads, reload_failures;
static atomic_int connections;

void prom_route_name(int i, const char *name)
{
    if (i >= 0 && i < PROM_MAX_ROUTES)
        route_names[i] = name;
}

void prom_request(int route, int status, long micros, size_t bytes, int cached)
{
    if (route < 0 || route >= PROM_MAX_ROUTES)
        return;
    size_t s = 0;
    while (s < NSTATUS - 1 && statuses[s] != status)
        s++;
    atomic_fetch_add_explicit(&requests[route][s], 1, memory_order_relaxed);
    double secs = (double)micros / 1e6;
    for (size_t b = 0; b < NBUCKET; b++)
        if (secs <= bounds[b]) {
            /* Buckets are stored non-cumulative and summed when rendered. */
            atomic_fetch_add_explicit(&buckets[route][b], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&duration_us[route], (uint_fast64_t)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes_out, bytes, memory_order_relaxed);
    if (cached >= 0)
        atomic_fetch_add_explicit(cached ? &cache_hits : &cache_misses, 1, memory_order_relaxed);
}

void prom_connection(int delta)
{
    atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

void prom_reload(int ok)
{
    atomic_fetch_add(ok ? &reloads : &reload_failures, 1);
}

static uint64_t load(atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_requests(struct buf *out)
{
    buf_puts(out, "# HELP prosperity_requests_total Requests answered, by route and status.\n"
                  "# TYPE prosperity_requests_total counter\n");
    for (int r = 0; r < PROM_MAX_ROUTES; r++)
        for (size_t s = 0; route_names[r] && s < NSTATUS; s++) {
            uint64_t n = load(&requests[r][s]);
            if (!n)
                continue;
            if (s < NSTATUS - 1)
                buf_printf(out, "prosperity_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                           route_names[r], statuses[s], (unsigned long long)n);
            else
                buf_printf(out, "prosperity_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                           route_names[r], (unsigned long long)n);
        }
    buf_puts(out, "# HELP prosperity_request_duration_seconds Time from request line to answer "
                  "queued.\n# TYPE prosperity_request_duration_seconds histogram\n");
    for (int r = 0; r < PROM_MAX_ROUTES; r++) {
        uint64_t total = 0, cum = 0;
        for (size_t s = 0; s < NSTATUS; s++)
            total += load(&requests[r][s]);
        if (!route_names[r] || !total)
            continue;
        for (size_t b = 0; b < NBUCKET; b++) {
            cum += load(&buckets[r][b]);
            buf_printf(out,
                       "prosperity_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                       route_names[r], bounds[b], (unsigned long long)cum);
        }
        buf_printf(out,
                   "prosperity_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                   "prosperity_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                   "prosperity_request_duration_seconds_count{route=\"%s\"} %llu\n",
                   route_names[r], (unsigned long long)total, route_names[r],
                   (double)load(&duration_us[r]) / 1e6, route_names[r], (unsigned long long)total);
    }
}

void prom_render(struct buf *out, struct dataset *d, int in_flight)
{
    render_requests(out);
    buf_printf(out,
               "# HELP prosperity_response_bytes_total Body bytes sent.\n"
               "# TYPE prosperity_response_bytes_total counter\n"
               "prosperity_response_bytes_total %llu\n"
               "# HELP prosperity_cache_hits_total Data answers served from the response cache.\n"
               "# TYPE prosperity_cache_hits_total counter\n"
               "prosperity_cache_hits_total %llu\n"
               "# HELP prosperity_cache_misses_total Data answers computed.\n"
               "# TYPE prosperity_cache_misses_total counter\n"
               "prosperity_cache_misses_total %llu\n"
               "# HELP prosperity_open_connections Connections open now.\n"
               "# TYPE prosperity_open_connections gauge\n"
               "prosperity_open_connections %d\n"
               "# HELP prosperity_requests_in_flight Requests begun (request line read) and not "
               "yet answered.\n"
               "# TYPE prosperity_requests_in_flight gauge\n"
               "prosperity_requests_in_flight %d\n"
               "# HELP prosperity_reloads_total Successful reloads of the database (SIGHUP).\n"
               "# TYPE prosperity_reloads_total counter\n"
               "prosperity_reloads_total %llu\n"
               "# HELP prosperity_reload_failures_total Reloads that failed; the old data "
               "stayed.\n"
               "# TYPE prosperity_reload_failures_total counter\n"
               "prosperity_reload_failures_total %llu\n",
               (unsigned long long)load(&bytes_out), (unsigned long long)load(&cache_hits),
               (unsigned long long)load(&cache_misses), atomic_load(&connections), in_flight,
               (unsigned long long)load(&reloads), (unsigned long long)load(&reload_failures));
    buf_printf(out,
               "# HELP prosperity_build_info Server version.\n"
               "# TYPE prosperity_build_info gauge\n"
               "prosperity_build_info{version=\"%s\"} 1\n",
               PROSPERITY_VERSION);
    if (!d)
        return;
    struct cache_stats cs;
    cache_stats(d->cache, &cs);
    buf_printf(out,
               "# HELP prosperity_dataset_info The dataset being served (content hash).\n"
               "# TYPE prosperity_dataset_info gauge\n"
               "prosperity_dataset_info{version=\"%s\",loaded_at=\"%s\"} 1\n"
               "# HELP prosperity_dataset_load_seconds Time the last load took.\n"
               "# TYPE prosperity_dataset_load_seconds gauge\n"
               "prosperity_dataset_load_seconds %.6f\n"
               "# HELP prosperity_dataset_observations Observations loaded.\n"
               "# TYPE prosperity_dataset_observations gauge\n"
               "prosperity_dataset_observations %zu\n"
               "# HELP prosperity_cache_entries Responses in the cache.\n"
               "# TYPE prosperity_cache_entries gauge\n"
               "prosperity_cache_entries %zu\n"
               "# HELP prosperity_cache_bytes Bytes held by the cache.\n"
               "# TYPE prosperity_cache_bytes gauge\n"
               "prosperity_cache_bytes %zu\n",
               store_version(d->store), store_loaded_at(d->store), store_load_seconds(d->store),
               store_observation_count(d->store), cs.entries, cs.bytes);
}
