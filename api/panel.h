/* api/panel.h — the balanced region × year panel that every cross-section analysis reads
 * (dispersion, convergence, density, mobility, spatial, the composite index).
 *
 * A panel keeps the selected regions that have data in the years asked for, then the years in
 * which every kept region has a value (and, when weighted, a weight). What it leaves out it
 * records, region by region and year by year, so that an answer can say so. Data only: no JSON;
 * the endpoint renders what was left out. */
#ifndef PROSPERITY_PANEL_H
#define PROSPERITY_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "select.h"
#include "store.h"

enum panel_left_reason {
    PANEL_NO_DATA,  /* no value in any of the years asked for */
    PANEL_NO_WEIGHT /* values, but no weight (population) in any year of them */
};

struct panel_left_region {
    uint32_t region;
    enum panel_left_reason reason;
};

/* A candidate year dropped because some kept regions have no value in it: MISSING[0..N_MISSING)
 * of PANEL.missing are their region indexes. */
struct panel_left_year {
    int year;
    size_t first_missing, n_missing;
};

struct panel {
    uint32_t *regions; /* nr kept region indexes, in selection order */
    size_t nr;
    int *years; /* ny kept years, ascending */
    size_t ny;
    double *x;       /* ny rows of nr values: x[y * nr + r] */
    double *w;       /* same shape; NULL when unweighted */
    uint8_t *status; /* same shape: the enum obs_status of each value */
    struct panel_left_region *left_regions;
    size_t n_left_regions;
    struct panel_left_year *left_years;
    size_t n_left_years;
    uint32_t *missing; /* region indexes that the left years point into */
};

/* Builds the balanced panel of indicator IND over the regions of SEL and the years of YR,
 * weighted by indicator WIND (STORE_NONE: unweighted). The arrays of OUT are new: release them
 * with panel_free (also after a failure; OUT is zeroed first). Returns 0, or -1 with a 503 in
 * ERR when memory runs out. An empty panel (nr or ny 0) is not an error here: the endpoint says
 * what it needs. */
__attribute__((warn_unused_result)) int panel_build(const struct store *s, uint32_t ind,
                                                    uint32_t wind, const struct selection *sel,
                                                    const struct year_range *yr, struct panel *out,
                                                    struct api_error *err);

/* The row of year index Y (nr values), and its weights (NULL when unweighted). Borrowed. */
const double *panel_row(const struct panel *p, size_t y);
const double *panel_weights(const struct panel *p, size_t y);

/* Index of YEAR among the kept years, or -1. */
long panel_year_index(const struct panel *p, int year);

/* Whether P has at least MIN_REGIONS regions and MIN_YEARS years. Returns 0, or -1 with a 422
 * in ERR (too_few_regions, or too_few_years when only years are short) that says what WHAT
 * ("a density", "Moran's I") needs and what was found. */
__attribute__((warn_unused_result)) int panel_require(const struct panel *p, size_t min_regions,
                                                      size_t min_years, const char *what,
                                                      struct api_error *err);

/* "no data in the years asked for" ...: static string. */
const char *panel_reason_text(enum panel_left_reason reason);

void panel_free(struct panel *p);

#endif
