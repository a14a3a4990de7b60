/* api/select.h — resolving id lists of a query ("east,group:provinces,children:china"). */
#ifndef PROSPERITY_SELECT_H
#define PROSPERITY_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "query.h"
#include "store.h"

#define SELECT_MAX_ITEMS 200 /* list items as written, before groups expand */

struct selection {
    uint32_t *items; /* owned; indexes in the order written, no repeats */
    size_t n;
};

/* Resolves LIST (from parameter PARAM) into region indexes. Items: an id, `group:NAME` (its
 * members), `children:ID` (the region's children). Returns 0, or -1 with ERR: 400 for syntax or
 * too many items, 404 unknown_region / unknown_group. */
int select_regions(const struct store *s, const char *list, const char *param,
                   struct selection *out, struct api_error *err);
/* Resolves a comma-separated list of indicator ids (404 unknown_indicator). */
int select_indicators(const struct store *s, const char *list, const char *param,
                      struct selection *out, struct api_error *err);
/* One id: the index, or STORE_NONE with a 404 in ERR. */
uint32_t select_indicator(const struct store *s, const char *id, const char *param,
                          struct api_error *err);
uint32_t select_region(const struct store *s, const char *id, const char *param,
                       struct api_error *err);
void selection_free(struct selection *sel);

/* The years a query asks for: from/to bounds (inclusive), or one year, or the latest year in
 * which every selected region has data. */
struct year_range {
    int from, to; /* 1000..9999 when not bounded */
    int latest;   /* year=latest: resolve with select_latest_year */
    int single;   /* year=Y (from == to == Y) or year=latest */
};

/* Reads from, to and (when ALLOW_YEAR) year. Returns 0, or -1 with a 400: a bad year, from
 * after to, or year together with from/to. */
int select_year_range(const struct query *q, int allow_year, struct year_range *yr,
                      struct api_error *err);
/* The latest year within YR in which every region in SEL has a value of indicator IND, or 0. */
int select_latest_year(const struct store *s, uint32_t ind, const struct selection *sel,
                       const struct year_range *yr);

/* For year=latest: sets YR to the latest year within it in which every region of SEL has a
 * value of IND. Returns 0 (also when YR is not `latest`), or -1 with a 422 naming ID. */
int select_resolve_latest(const struct store *s, uint32_t ind, const struct selection *sel,
                          struct year_range *yr, const char *id, struct api_error *err);

/* The sorted distinct years within YR in which at least one region of SEL has a value of
 * indicator IND. *YEARS is new (free it); *N its length. Returns 0, or -1 with a 503. */
int select_years(const struct store *s, uint32_t ind, const struct selection *sel,
                 const struct year_range *yr, int **years, size_t *n, struct api_error *err);
/* select_years over SERIES[0..N) (NULL: a region without data), looked up by the caller. When
 * FIRST is not NULL, FIRST[k] receives the index of series k's first observation at or after
 * YR->from (0 for NULL), which is also its first at or after the first year found: no series
 * has an observation between the two. */
int select_years_of(const struct store *s, const struct series *const *series, size_t n,
                    const struct year_range *yr, int **years, size_t *nyears, uint32_t *first,
                    struct api_error *err);

#endif
