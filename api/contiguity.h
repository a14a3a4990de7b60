/* api/contiguity.h — the binary contiguity among a set of regions (a panel's), from the store's
 * neighbours, in the CSR form that api/metrics/spatial.h reads (row-standardised there).
 *
 * Only neighbours inside the set count: a region whose neighbours were all left out of it is
 * isolated. Which neighbours count (`links=include|exclude`) and what an isolated region does
 * (`isolated=error|keep`) are the query's; the spatial endpoints share them through here. */
#ifndef PROSPERITY_CONTIGUITY_H
#define PROSPERITY_CONTIGUITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "error.h"
#include "metrics/spatial.h"
#include "query.h"
#include "store.h"

struct contiguity_opts {
    int exclude_links; /* links=exclude: land borders only */
    int keep_isolated; /* isolated=keep: spdep's zero.policy (lag 0, n reduced) */
};

struct contiguity {
    struct spatial_weights w; /* n, offsets, neighbours below (positions in the set) */
    size_t *offsets;          /* n + 1, owned */
    size_t *neighbours;       /* offsets[n] used, owned; ascending per region */
    size_t *isolated;         /* positions of the regions without neighbours, owned */
    size_t n_isolated;
    size_t n_pairs, n_link_pairs; /* unordered pairs used, and those of kind link */
};

/* Reads links= and isolated= into O (defaults include, error). Returns 0, or -1 with a 400
 * naming the allowed values. */
int contiguity_parse(const struct query *q, struct contiguity_opts *o, struct api_error *err);

/* 1 when the query gives links= or isolated= (for endpoints where they need another
 * parameter). */
int contiguity_asked(const struct query *q);

/* Builds the contiguity among REGIONS[0 .. n) (store region indexes; a position in this array
 * is a unit of OUT->w). OUT is zeroed first; release it with contiguity_free, also after a
 * failure. Returns 0, or -1 with a 503 when memory runs out. */
int contiguity_build(const struct store *s, const uint32_t *regions, size_t n,
                     const struct contiguity_opts *o, struct contiguity *out,
                     struct api_error *err);

/* Unless O keeps them, an isolated region is a 422 (code isolated_region) naming it (the first
 * few of them). Returns 0 or -1. */
int contiguity_require_neighbours(const struct store *s, const uint32_t *regions,
                                  const struct contiguity *c, const struct contiguity_opts *o,
                                  struct api_error *err);

/* {style, links, isolated, pairs, link_pairs, isolated_regions: [ids]}: what the answer used,
 * written into D. */
void contiguity_doc(struct doc *d, const struct store *s, const uint32_t *regions,
                    const struct contiguity *c, const struct contiguity_opts *o);
void contiguity_free(struct contiguity *c);

#endif
