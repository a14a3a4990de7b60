/* server/prom.h — counters for /metrics in the Prometheus text format. Every update is one or
 * two relaxed atomic additions, safe from any thread. */
#ifndef PROSPERITY_PROM_H
#define PROSPERITY_PROM_H

#include <stddef.h>

#include "buf.h"
#include "dataset.h"

#define PROM_MAX_ROUTES 48

/* Registers the route label of index I (a static string). */
void prom_route_name(int i, const char *name);
void prom_request(int route, int status, long micros, size_t bytes, int cached);
void prom_connection(int delta);
void prom_reload(int ok);
/* Appends the exposition text; D (may be NULL) describes the dataset being served, IN_FLIGHT
 * requests are between their request line and their answer (the one asking included). */
void prom_render(struct buf *out, struct dataset *d, int in_flight);

#endif
