/* api/handlers.h — the data endpoints. Each is a doc_fn (api/doc.h): a pure function of
 * (snapshot, query) that writes its answer into a document or fills ERR. */
#ifndef PROSPERITY_HANDLERS_H
#define PROSPERITY_HANDLERS_H

#include "routes.h"

int catalog_index(const struct store *s, const struct query *q, struct doc *d,
                  struct api_error *err);
int catalog_meta(const struct store *s, const struct query *q, struct doc *d,
                 struct api_error *err);
int catalog_indicators(const struct store *s, const struct query *q, struct doc *d,
                       struct api_error *err);
int catalog_indicator(const struct store *s, const struct query *q, struct doc *d,
                      struct api_error *err);
int catalog_regions(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err);
int catalog_region(const struct store *s, const struct query *q, struct doc *d,
                   struct api_error *err);
int catalog_groups(const struct store *s, const struct query *q, struct doc *d,
                   struct api_error *err);
int catalog_sources(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err);
int series_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);
int gaps_pairs(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);
int gaps_dispersion(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err);
int gaps_convergence(const struct store *s, const struct query *q, struct doc *d,
                     struct api_error *err);
int gaps_density(const struct store *s, const struct query *q, struct doc *d,
                 struct api_error *err);
int gaps_mobility(const struct store *s, const struct query *q, struct doc *d,
                  struct api_error *err);
int gaps_spatial(const struct store *s, const struct query *q, struct doc *d,
                 struct api_error *err);
int compare_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);
int index_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);
int profile_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);
/* /v1/observations: a table route (rows made one by one, streamed when large). */
extern const struct route_table observations_table;
int openapi_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err);

#endif
