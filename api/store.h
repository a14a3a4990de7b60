/* api/store.h — the immutable in-memory snapshot of one database.
 *
 * store_load builds every array once; afterwards nothing changes, so any number of threads
 * may read a snapshot at the same time without locks. All returned pointers are borrowed and
 * valid while the snapshot lives. */
#ifndef PROSPERITY_STORE_H
#define PROSPERITY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define STORE_NONE UINT32_MAX

enum obs_status {
    STATUS_NONE = 0, /* as published */
    STATUS_DERIVED,
    STATUS_BREAK,
    STATUS_SUSPECT,
    STATUS_LOWER_BOUND,
    STATUS_COUNT
};

enum aggregation { AGG_NONE, AGG_SUM, AGG_WEIGHTED_MEAN };

struct indicator {
    const char *id, *name_en, *name_zh, *unit, *category, *description; /* NULL when empty */
    const char *unit_zh, *description_zh;                               /* NULL when empty */
    int higher_is_better; /* 1, 0, or -1 when neutral */
    enum aggregation aggregation;
    uint32_t weight; /* weight_indicator's index, or STORE_NONE */
    /* Coverage of the indicator's own (not computed) observations. */
    uint32_t n_regions, n_obs;
    int first_year, last_year;
    /* Every series of this indicator (own and computed), in region order. */
    const uint32_t *series;
    uint32_t n_series;
    const uint32_t *benchmarks; /* benchmark indexes */
    uint32_t n_benchmarks;
};

enum neighbour_kind { NEIGHBOUR_LAND, NEIGHBOUR_LINK };

struct region {
    const char *id, *name_en, *name_zh, *kind, *code;
    uint32_t parent; /* region index, or STORE_NONE */
    const uint32_t *children;
    uint32_t n_children;
    /* The regions it touches (neighbours.csv read in both directions), ascending by index, and
     * the enum neighbour_kind of each: a shared land border or a link added by hand. */
    const uint32_t *neighbours;
    const uint8_t *neighbour_kinds;
    uint32_t n_neighbours;
};

struct group {
    const char *id, *name_en, *name_zh;
    const uint32_t *members; /* region indexes, in file order */
    uint32_t n_members;
};

struct source {
    const char *id, *citation;
};

struct benchmark {
    uint32_t indicator;
    const char *label;
    double value;
    uint32_t source; /* or STORE_NONE */
    const char *note;
};

/* A computed observation (its series has members) has no source; its status is the strongest
 * flag of the members' values and weights (break, then suspect, then lower_bound; "derived"
 * does not carry over), and then its note names them: "computed from 4 macro_region members;
 * flagged: northeast suspect". */
struct observation {
    int32_t year;
    uint8_t status;  /* enum obs_status */
    uint32_t source; /* or STORE_NONE */
    double value;    /* always finite */
    const char *note;
};

struct series {
    uint32_t indicator, region;
    uint32_t start, count;   /* observations[start .. start+count), sorted by year */
    uint32_t members;        /* computed: how many child regions were added up; else 0 */
    const char *member_kind; /* computed: the kind of those children; else NULL */
};

struct store;

/* Loads PATH read-only into a new snapshot. Returns it, or NULL with ERR filled (status 500,
 * detail naming the file, the table and the problem). The file must say schema_version
 * IMPORT_SCHEMA_VERSION in its meta table; each table read must be a table (not a view) with
 * the columns read (more may be there); a row that cannot be read fails the load. The file is
 * never written. */
struct store *store_load(const char *path, struct api_error *err);
void store_free(struct store *s);

size_t store_indicator_count(const struct store *s);
size_t store_region_count(const struct store *s);
size_t store_group_count(const struct store *s);
size_t store_source_count(const struct store *s);
size_t store_benchmark_count(const struct store *s);
size_t store_neighbour_pair_count(const struct store *s); /* rows of neighbours.csv */
size_t store_observation_count(const struct store *s);    /* own observations only */
size_t store_series_count(const struct store *s);         /* own and computed */

const struct indicator *store_indicator_at(const struct store *s, uint32_t i);
const struct region *store_region_at(const struct store *s, uint32_t i);
const struct group *store_group_at(const struct store *s, uint32_t i);
const struct source *store_source_at(const struct store *s, uint32_t i);
const struct benchmark *store_benchmark_at(const struct store *s, uint32_t i);
const struct series *store_series_at(const struct store *s, uint32_t i);

/* Index of the id (LEN bytes), or STORE_NONE. O(1). */
uint32_t store_indicator_index(const struct store *s, const char *id, size_t len);
uint32_t store_region_index(const struct store *s, const char *id, size_t len);
uint32_t store_group_index(const struct store *s, const char *id, size_t len);
uint32_t store_source_index(const struct store *s, const char *id, size_t len);

/* The series of (indicator, region), or NULL when there is none. O(1). */
const struct series *store_series(const struct store *s, uint32_t indicator, uint32_t region);
/* The first observation of SERIES; SERIES->count of them follow, year-sorted. */
const struct observation *store_observations(const struct store *s, const struct series *series);
/* The observation of SERIES in YEAR, or NULL. Binary search. */
const struct observation *store_value_at(const struct store *s, const struct series *series,
                                         int year);
/* The observation of (INDICATOR, REGION) in YEAR, or NULL. */
const struct observation *store_get(const struct store *s, uint32_t indicator, uint32_t region,
                                    int year);
/* Position of the first observation with year >= YEAR in SERIES (0..count). */
uint32_t store_lower_bound(const struct store *s, const struct series *series, int year);

/* The content hash of what was loaded (16 hex digits), load and import times (ISO 8601 UTC). */
const char *store_version(const struct store *s);
const char *store_loaded_at(const struct store *s);
const char *store_imported_at(const struct store *s); /* "" when the file does not say */
double store_load_seconds(const struct store *s);

/* "derived" ... for STATUS_*; NULL for STATUS_NONE. */
const char *store_status_name(int status);
/* STATUS_* for a status word, 0 for "", -1 when unknown. */
int store_status_parse(const char *word);
const char *store_aggregation_name(enum aggregation a);
/* "land" or "link". */
const char *store_neighbour_kind_name(int kind);

#endif
