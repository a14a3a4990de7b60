/* api/store.c — loads one SQLite file into an immutable snapshot; adds computed aggregates. */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "buf.h"
#include "idmap.h"
#include "import.h"

struct chunk {
    struct chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct store {
    struct chunk *arena;
    struct indicator *indicators;
    struct region *regions;
    struct group *groups;
    struct source *sources;
    struct benchmark *benchmarks;
    struct observation *obs;
    struct series *series;
    size_t n_indicators, n_regions, n_groups, n_sources, n_benchmarks, n_neighbour_pairs;
    size_t n_obs, n_own_obs, cap_obs;
    size_t n_series, cap_series;
    struct idmap indicator_ix, region_ix, group_ix, source_ix;
    struct keymap series_ix; /* (indicator << 32 | region) -> series index */
    uint64_t hash;
    char version[17];
    char loaded_at[32];
    char imported_at[32];
    double load_seconds;
};

static const char *const status_names[STATUS_COUNT] = {NULL, "derived", "break", "suspect",
                                                       "lower_bound"};

const char *store_status_name(int status)
{
    return status > 0 && status < STATUS_COUNT ? status_names[status] : NULL;
}

int store_status_parse(const char *word)
{
    if (!word || !*word)
        return 0;
    for (int i = 1; i < STATUS_COUNT; i++)
        if (strcmp(word, status_names[i]) == 0)
            return i;
    return -1;
}

const char *store_neighbour_kind_name(int kind)
{
    return kind == NEIGHBOUR_LINK ? "link" : "land";
}

const char *store_aggregation_name(enum aggregation a)
{
    return a == AGG_SUM ? "sum" : a == AGG_WEIGHTED_MEAN ? "weighted_mean" : "none";
}

/* Bump allocation: everything in a snapshot is freed at once with the snapshot. */
static void *arena_alloc(struct store *s, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!s->arena || s->arena->size - s->arena->used < size) {
        size_t want = size > 65536 ? size : 65536;
        struct chunk *c = malloc(sizeof *c + want);
        if (!c)
            return NULL;
        c->next = s->arena;
        c->used = 0;
        c->size = want;
        s->arena = c;
    }
    void *p = (char *)s->arena->data + s->arena->used;
    s->arena->used += size;
    return p;
}

/* Copies column COL of the current row; NULL for SQL NULL or an empty string. */
static const char *column_text(struct store *s, sqlite3_stmt *st, int col, int *oom)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t || !*t)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *p = arena_alloc(s, n + 1);
    if (!p) {
        *oom = 1;
        return NULL;
    }
    memcpy(p, t, n);
    p[n] = '\0';
    s->hash = hash_bytes(s->hash, p, n + 1);
    return p;
}

struct loader {
    struct store *s;
    sqlite3 *db;
    const char *path;
    struct api_error *err;
    int oom;
};

static int load_fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int load_fail(struct loader *ld, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return api_fail(ld->err, 500, "bad_database", NULL, "%s: %s", ld->path, msg);
}

static int prepare(struct loader *ld, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(ld->db, sql, -1, st, NULL) == SQLITE_OK)
        return 0;
    return load_fail(ld, "%s (is it a database written by 'prosperity import'?)",
                     sqlite3_errmsg(ld->db));
}

/* What the store reads of one table: the schema check and the SELECT use the same columns. */
struct table_spec {
    const char *name;
    const char *columns; /* ", "-separated, as in the SELECT */
    const char *order;   /* ORDER BY; NULL for none */
};

static const struct table_spec t_meta = {"meta", "key, value", NULL};
static const struct table_spec t_sources = {"sources", "id, citation", "rowid"};
static const struct table_spec t_indicators = {
    "indicators",
    "id, name_en, name_zh, unit, category, higher_is_better, aggregation, weight_indicator, "
    "description, unit_zh, description_zh",
    "rowid"};
static const struct table_spec t_regions = {"regions", "id, name_en, name_zh, kind, parent, code",
                                            "rowid"};
static const struct table_spec t_groups = {"groups", "group_id, name_en, name_zh, region_id",
                                           "rowid"};
/* Rows in file order; each unordered pair once (the importer refuses a pair twice). */
static const struct table_spec t_neighbours = {"neighbours", "region_id, neighbour_id, kind",
                                               "rowid"};
static const struct table_spec t_benchmarks = {
    "benchmarks", "indicator_id, label, value, source_id, note", "rowid"};
/* In primary-key order: each run of (indicator_id, region_id) is one series. */
static const struct table_spec t_observations = {
    "observations", "indicator_id, region_id, year, value, status, source_id, note",
    "indicator_id, region_id, year"};

/* Steps ST of table T, of which I rows were read and N counted. Returns 1 for a row, 0 at the
 * end (after exactly N rows), -1 with the load error set: a failing step is a broken table,
 * never its end. */
static int next_row(struct loader *ld, sqlite3_stmt *st, const struct table_spec *t, size_t i,
                    size_t n)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && i < n)
        return 1;
    if (rc == SQLITE_DONE && i == n)
        return 0;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return load_fail(ld, "table '%s': %zu rows counted but %s", t->name, n,
                         rc == SQLITE_ROW ? "more read" : "fewer read");
    return load_fail(ld, "table '%s': reading row %zu: %s", t->name, i + 1, sqlite3_errmsg(ld->db));
}

/* 0 when T is a real table; else the load error says what it is. */
static int check_is_table(struct loader *ld, const struct table_spec *t)
{
    sqlite3_stmt *st = NULL;
    if (prepare(ld,
                "SELECT type, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master "
                "WHERE name = ?1 COLLATE NOCASE AND type IN ('table', 'view')",
                &st) != 0)
        return -1;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    int rc = 0, step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = load_fail(ld, "table '%s' is missing", t->name);
    else if (step != SQLITE_ROW)
        rc = load_fail(ld, "table '%s': %s", t->name, sqlite3_errmsg(ld->db));
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "view") == 0)
        rc = load_fail(ld, "'%s' is a view, not a table", t->name);
    else if (sqlite3_column_int(st, 1))
        rc = load_fail(ld, "'%s' is a virtual table, not a table", t->name);
    sqlite3_finalize(st);
    return rc;
}

/* T must be a real table (a view could hide rows) with at least the columns the store reads;
 * columns and tables it does not read may be added. */
static int check_table(struct loader *ld, const struct table_spec *t)
{
    sqlite3_stmt *st = NULL;
    if (check_is_table(ld, t) != 0 ||
        prepare(ld, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2 COLLATE NOCASE", &st) != 0)
        return -1;
    int rc = 0;
    for (const char *c = t->columns; *c && rc == 0;) {
        int len = (int)strcspn(c, ",");
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c, len, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            rc = load_fail(ld, "table '%s' has no column '%.*s'", t->name, len, c);
        else if (step != SQLITE_ROW)
            rc = load_fail(ld, "table '%s': %s", t->name, sqlite3_errmsg(ld->db));
        c += len;
        c += strspn(c, ", ");
    }
    sqlite3_finalize(st);
    return rc;
}

static int count_rows(struct loader *ld, const struct table_spec *t, size_t *n)
{
    char sql[96];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t->name);
    if (prepare(ld, sql, &st) != 0)
        return -1;
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return load_fail(ld, "table '%s': %s", t->name, sqlite3_errmsg(ld->db));
    return 0;
}

/* Checks table T, counts its rows into *N and prepares the SELECT of its columns into *ST. */
static int query_table(struct loader *ld, const struct table_spec *t, size_t *n, sqlite3_stmt **st)
{
    char sql[512];
    if (check_table(ld, t) != 0 || count_rows(ld, t, n) != 0)
        return -1;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s%s%s", t->columns, t->name,
             t->order ? " ORDER BY " : "", t->order ? t->order : "");
    return prepare(ld, sql, st);
}

/* query_table, and room for the rows (ELEM bytes each) in the snapshot. Returns the room, or
 * NULL with the load error set. */
static void *open_table(struct loader *ld, const struct table_spec *t, size_t *n, size_t elem,
                        sqlite3_stmt **st)
{
    if (query_table(ld, t, n, st) != 0)
        return NULL;
    void *room = arena_alloc(ld->s, (*n + 1) * elem);
    if (!room)
        load_fail(ld, "out of memory");
    return room;
}

static uint32_t lookup(const struct idmap *map, const char *id)
{
    return id ? idmap_get(map, id, strlen(id)) : STORE_NONE;
}

/* Resolves a required reference; a missing or unknown id fails the load with the row named. */
static int resolve(struct loader *ld, const struct idmap *map, const char *id, const char *what,
                   const char *row, uint32_t *out)
{
    *out = lookup(map, id);
    if (*out != STORE_NONE)
        return 0;
    return load_fail(ld, "%s: unknown %s '%s'", row, what, id ? id : "");
}

static int index_ids(struct loader *ld, struct idmap *map, size_t n,
                     const char *(*id_at)(const struct store *, size_t), const char *table)
{
    if (idmap_init(map, n) != 0)
        return load_fail(ld, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *id = id_at(ld->s, i);
        if (!id)
            return load_fail(ld, "%s row %zu has no id", table, i + 1);
        if (idmap_put(map, id, (uint32_t)i) != 0)
            return load_fail(ld, "%s: duplicate id '%s'", table, id);
    }
    return 0;
}

static const char *source_id_at(const struct store *s, size_t i)
{
    return s->sources[i].id;
}
static const char *indicator_id_at(const struct store *s, size_t i)
{
    return s->indicators[i].id;
}
static const char *region_id_at(const struct store *s, size_t i)
{
    return s->regions[i].id;
}

static int load_sources(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    s->sources = open_table(ld, &t_sources, &s->n_sources, sizeof *s->sources, &st);
    if (!s->sources)
        goto fail;
    size_t i = 0;
    int row;
    while ((row = next_row(ld, st, &t_sources, i, s->n_sources)) > 0) {
        s->sources[i].id = column_text(s, st, 0, &ld->oom);
        s->sources[i].citation = column_text(s, st, 1, &ld->oom);
        i++;
    }
    if (row < 0)
        goto fail;
    if (ld->oom)
        goto oom;
    rc = index_ids(ld, &s->source_ix, s->n_sources, source_id_at, "sources");
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    sqlite3_finalize(st);
    return rc;
}

static int parse_aggregation(const char *a, enum aggregation *out)
{
    if (!a || strcmp(a, "none") == 0)
        *out = AGG_NONE;
    else if (strcmp(a, "sum") == 0)
        *out = AGG_SUM;
    else if (strcmp(a, "weighted_mean") == 0)
        *out = AGG_WEIGHTED_MEAN;
    else
        return -1;
    return 0;
}

static int load_indicators(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    const char **weights = NULL;
    int rc = -1;
    s->indicators = open_table(ld, &t_indicators, &s->n_indicators, sizeof *s->indicators, &st);
    if (!s->indicators)
        goto fail;
    weights = calloc(s->n_indicators + 1, sizeof *weights);
    if (!weights)
        goto oom;
    size_t i = 0;
    int row;
    while ((row = next_row(ld, st, &t_indicators, i, s->n_indicators)) > 0) {
        struct indicator *ind = &s->indicators[i];
        memset(ind, 0, sizeof *ind);
        ind->id = column_text(s, st, 0, &ld->oom);
        ind->name_en = column_text(s, st, 1, &ld->oom);
        ind->name_zh = column_text(s, st, 2, &ld->oom);
        ind->unit = column_text(s, st, 3, &ld->oom);
        ind->category = column_text(s, st, 4, &ld->oom);
        ind->higher_is_better =
            sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5) != 0;
        s->hash = hash_bytes(s->hash, &ind->higher_is_better, sizeof ind->higher_is_better);
        const char *agg = column_text(s, st, 6, &ld->oom);
        weights[i] = column_text(s, st, 7, &ld->oom);
        ind->description = column_text(s, st, 8, &ld->oom);
        ind->unit_zh = column_text(s, st, 9, &ld->oom);
        ind->description_zh = column_text(s, st, 10, &ld->oom);
        ind->weight = STORE_NONE;
        ind->first_year = ind->last_year = 0;
        if (!ld->oom && (!ind->name_en || parse_aggregation(agg, &ind->aggregation) != 0)) {
            rc = load_fail(ld, "indicator '%s': missing name_en or unknown aggregation",
                           ind->id ? ind->id : "");
            goto fail;
        }
        i++;
    }
    if (row < 0)
        goto fail;
    if (ld->oom)
        goto oom;
    if (index_ids(ld, &s->indicator_ix, s->n_indicators, indicator_id_at, "indicators") != 0)
        goto fail;
    for (i = 0; i < s->n_indicators; i++) {
        struct indicator *ind = &s->indicators[i];
        if (weights[i] && resolve(ld, &s->indicator_ix, weights[i], "weight_indicator", ind->id,
                                  &ind->weight) != 0)
            goto fail;
        if (ind->aggregation == AGG_WEIGHTED_MEAN &&
            (ind->weight == STORE_NONE || ind->weight == (uint32_t)i)) {
            rc = load_fail(ld, "indicator '%s': weighted_mean needs another weight_indicator",
                           ind->id);
            goto fail;
        }
    }
    rc = 0;
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    free(weights);
    sqlite3_finalize(st);
    return rc;
}

static int link_children(struct loader *ld)
{
    struct store *s = ld->s;
    uint32_t *counts = calloc(s->n_regions + 1, sizeof *counts);
    if (!counts)
        return load_fail(ld, "out of memory");
    for (size_t i = 0; i < s->n_regions; i++)
        if (s->regions[i].parent != STORE_NONE)
            counts[s->regions[i].parent]++;
    for (size_t i = 0; i < s->n_regions; i++) {
        uint32_t *kids = arena_alloc(s, (counts[i] + 1) * sizeof *kids);
        if (!kids) {
            free(counts);
            return load_fail(ld, "out of memory");
        }
        s->regions[i].children = kids;
        s->regions[i].n_children = 0;
    }
    for (size_t i = 0; i < s->n_regions; i++) {
        struct region *p =
            s->regions[i].parent != STORE_NONE ? &s->regions[s->regions[i].parent] : NULL;
        if (p)
            ((uint32_t *)p->children)[p->n_children++] = (uint32_t)i;
    }
    free(counts);
    /* A parent chain longer than the number of regions is a loop. */
    for (size_t i = 0; i < s->n_regions; i++) {
        uint32_t at = (uint32_t)i;
        size_t steps = 0;
        while (at != STORE_NONE && steps <= s->n_regions) {
            at = s->regions[at].parent;
            steps++;
        }
        if (at != STORE_NONE)
            return load_fail(ld, "region '%s': parent chain loops", s->regions[i].id);
    }
    return 0;
}

static int load_regions(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    const char **parents = NULL;
    int rc = -1;
    s->regions = open_table(ld, &t_regions, &s->n_regions, sizeof *s->regions, &st);
    if (!s->regions)
        goto fail;
    parents = calloc(s->n_regions + 1, sizeof *parents);
    if (!parents)
        goto oom;
    size_t i = 0;
    int row;
    while ((row = next_row(ld, st, &t_regions, i, s->n_regions)) > 0) {
        struct region *r = &s->regions[i];
        memset(r, 0, sizeof *r);
        r->id = column_text(s, st, 0, &ld->oom);
        r->name_en = column_text(s, st, 1, &ld->oom);
        r->name_zh = column_text(s, st, 2, &ld->oom);
        r->kind = column_text(s, st, 3, &ld->oom);
        parents[i] = column_text(s, st, 4, &ld->oom);
        r->code = column_text(s, st, 5, &ld->oom);
        if (!ld->oom && (!r->name_en || !r->kind)) {
            rc = load_fail(ld, "region '%s': missing name_en or kind", r->id ? r->id : "");
            goto fail;
        }
        i++;
    }
    if (row < 0)
        goto fail;
    if (ld->oom)
        goto oom;
    if (index_ids(ld, &s->region_ix, s->n_regions, region_id_at, "regions") != 0)
        goto fail;
    for (i = 0; i < s->n_regions; i++) {
        s->regions[i].parent = STORE_NONE;
        if (parents[i] && resolve(ld, &s->region_ix, parents[i], "parent", s->regions[i].id,
                                  &s->regions[i].parent) != 0)
            goto fail;
    }
    rc = link_children(ld);
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    free(parents);
    sqlite3_finalize(st);
    return rc;
}

/* Region A's adjacency list gains B (of KIND); both arrays were sized by a first pass. */
static void add_neighbour(struct region *a, uint32_t b, uint8_t kind)
{
    ((uint32_t *)a->neighbours)[a->n_neighbours] = b;
    ((uint8_t *)a->neighbour_kinds)[a->n_neighbours] = kind;
    a->n_neighbours++;
}

/* Sorts each region's adjacency by neighbour index, so answers do not depend on file order. */
static void sort_neighbours(struct region *r)
{
    uint32_t *nb = (uint32_t *)r->neighbours;
    uint8_t *kind = (uint8_t *)r->neighbour_kinds;
    for (uint32_t i = 1; i < r->n_neighbours; i++)
        for (uint32_t j = i; j > 0 && nb[j - 1] > nb[j]; j--) {
            uint32_t t = nb[j];
            nb[j] = nb[j - 1];
            nb[j - 1] = t;
            uint8_t k = kind[j];
            kind[j] = kind[j - 1];
            kind[j - 1] = k;
        }
}

/* neighbours.csv as a symmetric adjacency list per region (each row read in both directions). */
static int load_neighbours(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    uint32_t *pairs = NULL, *counts = NULL;
    uint8_t *kinds = NULL;
    size_t rows = 0, n = 0;
    int rc = -1, row;
    if (query_table(ld, &t_neighbours, &rows, &st) != 0)
        goto fail;
    pairs = malloc((2 * rows + 1) * sizeof *pairs);
    kinds = malloc(rows + 1);
    counts = calloc(s->n_regions + 1, sizeof *counts);
    if (!pairs || !kinds || !counts)
        goto oom;
    while ((row = next_row(ld, st, &t_neighbours, n, rows)) > 0) {
        const char *a = (const char *)sqlite3_column_text(st, 0);
        const char *b = (const char *)sqlite3_column_text(st, 1);
        const char *kind = (const char *)sqlite3_column_text(st, 2);
        uint8_t k = kind && strcmp(kind, "link") == 0 ? NEIGHBOUR_LINK : NEIGHBOUR_LAND;
        if (!kind || (strcmp(kind, "land") != 0 && strcmp(kind, "link") != 0)) {
            rc = load_fail(ld, "table 'neighbours': unknown kind '%s'", kind ? kind : "");
            goto fail;
        }
        if (resolve(ld, &s->region_ix, a, "region", "neighbours", &pairs[2 * n]) != 0 ||
            resolve(ld, &s->region_ix, b, "region", "neighbours", &pairs[2 * n + 1]) != 0)
            goto fail;
        s->hash = hash_bytes(s->hash, &pairs[2 * n], 2 * sizeof *pairs);
        s->hash = hash_bytes(s->hash, &k, 1);
        kinds[n] = k;
        counts[pairs[2 * n]]++;
        counts[pairs[2 * n + 1]]++;
        n++;
    }
    if (row < 0)
        goto fail;
    for (size_t i = 0; i < s->n_regions; i++) {
        struct region *r = &s->regions[i];
        r->neighbours = arena_alloc(s, (counts[i] + 1) * sizeof *r->neighbours);
        r->neighbour_kinds = arena_alloc(s, counts[i] + 1);
        if (!r->neighbours || !r->neighbour_kinds)
            goto oom;
        r->n_neighbours = 0;
    }
    for (size_t i = 0; i < n; i++) {
        add_neighbour(&s->regions[pairs[2 * i]], pairs[2 * i + 1], kinds[i]);
        add_neighbour(&s->regions[pairs[2 * i + 1]], pairs[2 * i], kinds[i]);
    }
    for (size_t i = 0; i < s->n_regions; i++)
        sort_neighbours(&s->regions[i]);
    s->n_neighbour_pairs = n;
    rc = 0;
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    free(pairs);
    free(kinds);
    free(counts);
    sqlite3_finalize(st);
    return rc;
}

static int load_groups(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    uint32_t *group_of = NULL, *region_of = NULL;
    size_t rows = 0;
    int rc = -1;
    s->groups = open_table(ld, &t_groups, &rows, sizeof *s->groups, &st);
    if (!s->groups)
        goto fail;
    group_of = calloc(rows + 1, sizeof *group_of);
    region_of = calloc(rows + 1, sizeof *region_of);
    if (!group_of || !region_of || idmap_init(&s->group_ix, rows) != 0)
        goto oom;
    size_t n = 0;
    int row;
    while ((row = next_row(ld, st, &t_groups, n, rows)) > 0) {
        const char *gid = column_text(s, st, 0, &ld->oom);
        const char *name_en = column_text(s, st, 1, &ld->oom);
        const char *name_zh = column_text(s, st, 2, &ld->oom);
        const char *rid = column_text(s, st, 3, &ld->oom);
        if (ld->oom)
            goto oom;
        if (!gid) {
            rc = load_fail(ld, "groups row %zu has no group_id", n + 1);
            goto fail;
        }
        if (resolve(ld, &s->region_ix, rid, "region", gid, &region_of[n]) != 0)
            goto fail;
        uint32_t g = lookup(&s->group_ix, gid);
        if (g == STORE_NONE) {
            g = (uint32_t)s->n_groups++;
            s->groups[g] =
                (struct group){.id = gid, .name_en = name_en ? name_en : gid, .name_zh = name_zh};
            idmap_put(&s->group_ix, gid, g);
        }
        group_of[n] = g;
        s->groups[g].n_members++;
        n++;
    }
    if (row < 0)
        goto fail;
    for (size_t g = 0; g < s->n_groups; g++) {
        s->groups[g].members = arena_alloc(s, (s->groups[g].n_members + 1) * sizeof(uint32_t));
        if (!s->groups[g].members)
            goto oom;
        s->groups[g].n_members = 0;
    }
    for (size_t r = 0; r < n; r++) {
        struct group *g = &s->groups[group_of[r]];
        ((uint32_t *)g->members)[g->n_members++] = region_of[r];
    }
    rc = 0;
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    free(group_of);
    free(region_of);
    sqlite3_finalize(st);
    return rc;
}

static int load_benchmarks(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    s->benchmarks = open_table(ld, &t_benchmarks, &s->n_benchmarks, sizeof *s->benchmarks, &st);
    if (!s->benchmarks)
        goto fail;
    size_t i = 0;
    int row;
    while ((row = next_row(ld, st, &t_benchmarks, i, s->n_benchmarks)) > 0) {
        struct benchmark *b = &s->benchmarks[i];
        const char *ind = column_text(s, st, 0, &ld->oom);
        b->label = column_text(s, st, 1, &ld->oom);
        b->value = sqlite3_column_double(st, 2);
        const char *src = column_text(s, st, 3, &ld->oom);
        b->note = column_text(s, st, 4, &ld->oom);
        if (ld->oom)
            goto oom;
        s->hash = hash_bytes(s->hash, &b->value, sizeof b->value);
        if (resolve(ld, &s->indicator_ix, ind, "indicator", "benchmarks", &b->indicator) != 0 ||
            (src && resolve(ld, &s->source_ix, src, "source", "benchmarks", &b->source) != 0))
            goto fail;
        if (!src)
            b->source = STORE_NONE;
        if (!b->label || !isfinite(b->value)) {
            rc = load_fail(ld, "benchmark of '%s': empty label or non-finite value", ind);
            goto fail;
        }
        s->indicators[b->indicator].n_benchmarks++;
        i++;
    }
    if (row < 0)
        goto fail;
    for (size_t k = 0; k < s->n_indicators; k++) {
        struct indicator *ind = &s->indicators[k];
        ind->benchmarks = arena_alloc(s, (ind->n_benchmarks + 1) * sizeof(uint32_t));
        if (!ind->benchmarks)
            goto oom;
        ind->n_benchmarks = 0;
    }
    for (i = 0; i < s->n_benchmarks; i++) {
        struct indicator *ind = &s->indicators[s->benchmarks[i].indicator];
        ((uint32_t *)ind->benchmarks)[ind->n_benchmarks++] = (uint32_t)i;
    }
    rc = 0;
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    sqlite3_finalize(st);
    return rc;
}

static int grow_obs(struct store *s, size_t extra)
{
    if (s->n_obs + extra <= s->cap_obs)
        return 0;
    size_t cap = s->cap_obs ? s->cap_obs : 1024;
    while (cap < s->n_obs + extra)
        cap *= 2;
    struct observation *p = realloc(s->obs, cap * sizeof *p);
    if (!p)
        return -1;
    s->obs = p;
    s->cap_obs = cap;
    return 0;
}

static int add_series(struct store *s, uint32_t ind, uint32_t reg, uint32_t start, uint32_t n)
{
    if (s->n_series == s->cap_series) {
        size_t cap = s->cap_series ? s->cap_series * 2 : 256;
        struct series *p = realloc(s->series, cap * sizeof *p);
        if (!p)
            return -1;
        s->series = p;
        s->cap_series = cap;
    }
    s->series[s->n_series] =
        (struct series){.indicator = ind, .region = reg, .start = start, .count = n};
    s->n_series++;
    return 0;
}

/* Observations arrive sorted by (indicator_id, region_id, year): each run is one series. */
static int load_observations(struct loader *ld)
{
    struct store *s = ld->s;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    char row[160];
    if (query_table(ld, &t_observations, &s->n_own_obs, &st) != 0)
        goto fail;
    if (s->n_own_obs == 0) {
        rc = load_fail(ld, "contains no observations");
        goto fail;
    }
    if (grow_obs(s, s->n_own_obs) != 0)
        goto oom;
    uint32_t cur_ind = STORE_NONE, cur_reg = STORE_NONE;
    int step;
    while ((step = next_row(ld, st, &t_observations, s->n_obs, s->n_own_obs)) > 0) {
        const unsigned char *ind_id = sqlite3_column_text(st, 0);
        const unsigned char *reg_id = sqlite3_column_text(st, 1);
        sqlite3_int64 year = sqlite3_column_int64(st, 2);
        snprintf(row, sizeof row, "observation %s/%s/%lld", ind_id ? (const char *)ind_id : "",
                 reg_id ? (const char *)reg_id : "", (long long)year);
        if (!ind_id || !reg_id) {
            rc = load_fail(ld, "%s: no indicator or region id", row);
            goto fail;
        }
        uint32_t ind, reg;
        if (resolve(ld, &s->indicator_ix, (const char *)ind_id, "indicator", row, &ind) != 0 ||
            resolve(ld, &s->region_ix, (const char *)reg_id, "region", row, &reg) != 0)
            goto fail;
        struct observation *o = &s->obs[s->n_obs];
        o->year = (int32_t)year;
        o->value = sqlite3_column_double(st, 3);
        const char *status = (const char *)sqlite3_column_text(st, 4);
        int sv = store_status_parse(status);
        const char *src = column_text(s, st, 5, &ld->oom);
        o->note = column_text(s, st, 6, &ld->oom);
        if (ld->oom)
            goto oom;
        if (year < 1000 || year > 9999 || sqlite3_column_type(st, 3) == SQLITE_NULL ||
            !isfinite(o->value) || sv < 0) {
            rc = load_fail(ld, "%s: year, value or status out of range", row);
            goto fail;
        }
        o->status = (uint8_t)sv;
        o->source = STORE_NONE;
        if (src && resolve(ld, &s->source_ix, src, "source", row, &o->source) != 0)
            goto fail;
        s->hash = hash_bytes(s->hash, ind_id, strlen((const char *)ind_id) + 1);
        s->hash = hash_bytes(s->hash, reg_id, strlen((const char *)reg_id) + 1);
        s->hash = hash_bytes(s->hash, &o->year, sizeof o->year);
        s->hash = hash_bytes(s->hash, &o->value, sizeof o->value);
        s->hash = hash_bytes(s->hash, &o->status, sizeof o->status);
        if (ind != cur_ind || reg != cur_reg) {
            if (add_series(s, ind, reg, (uint32_t)s->n_obs, 0) != 0)
                goto oom;
            cur_ind = ind;
            cur_reg = reg;
        } else if (o[-1].year == o->year) {
            rc = load_fail(ld, "%s: duplicate", row);
            goto fail;
        }
        s->series[s->n_series - 1].count++;
        s->n_obs++;
    }
    if (step < 0)
        goto fail;
    rc = 0;
    goto fail;
oom:
    rc = load_fail(ld, "out of memory");
fail:
    sqlite3_finalize(st);
    return rc;
}

static uint64_t series_key(uint32_t ind, uint32_t reg)
{
    return (uint64_t)ind << 32 | reg;
}

const struct series *store_series(const struct store *s, uint32_t indicator, uint32_t region)
{
    uint32_t i = keymap_get(&s->series_ix, series_key(indicator, region));
    return i == IDMAP_NONE ? NULL : &s->series[i];
}

const struct observation *store_observations(const struct store *s, const struct series *series)
{
    return &s->obs[series->start];
}

uint32_t store_lower_bound(const struct store *s, const struct series *series, int year)
{
    const struct observation *o = &s->obs[series->start];
    uint32_t lo = 0, hi = series->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (o[mid].year < year)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct observation *store_value_at(const struct store *s, const struct series *series,
                                         int year)
{
    if (!series)
        return NULL;
    uint32_t i = store_lower_bound(s, series, year);
    const struct observation *o = &s->obs[series->start];
    return i < series->count && o[i].year == year ? &o[i] : NULL;
}

const struct observation *store_get(const struct store *s, uint32_t indicator, uint32_t region,
                                    int year)
{
    return store_value_at(s, store_series(s, indicator, region), year);
}

static int region_depth(const struct store *s, uint32_t r)
{
    int d = 0;
    while (s->regions[r].parent != STORE_NONE) {
        r = s->regions[r].parent;
        d++;
    }
    return d;
}

/* One candidate way to add up a parent: all its children of one kind. */
struct partition {
    const struct region *parent;
    const char *kind;
    uint32_t n;     /* members */
    uint32_t first; /* the first member (its years are the candidates) */
    uint32_t years; /* complete years */
};

/* How strongly a member's status marks what is computed from it: a break in the series, over a
 * suspect value, over a lower bound. "derived" does not count: a computed value is derived by
 * nature, and `computed: true` says so. */
static int flag_rank(int status)
{
    return status == STATUS_BREAK ? 3 : status == STATUS_SUSPECT ? 2 : status == STATUS_LOWER_BOUND;
}

/* The flags of one computed value: the strongest status among its members' values and weights,
 * and who carries one ("northeast suspect, hebei population suspect"), in member order. */
struct member_flags {
    int status;
    struct buf who;
};

static void add_flag(const struct store *s, struct member_flags *f, uint32_t m,
                     const struct indicator *weight, int status)
{
    if (!f || !flag_rank(status))
        return;
    if (flag_rank(status) > flag_rank(f->status))
        f->status = status;
    buf_printf(&f->who, "%s%s%s%s %s", f->who.len ? ", " : "", s->regions[m].id, weight ? " " : "",
               weight ? weight->id : "", store_status_name(status));
}

/* The value of member M in YEAR for indicator IND (and its weight), or -1 when missing; a
 * flagged value or weight is added to FLAGS (may be NULL). */
static int member_value(const struct store *s, const struct indicator *ind, uint32_t ind_ix,
                        uint32_t m, int year, double *x, double *w, struct member_flags *flags)
{
    const struct observation *o = store_value_at(s, store_series(s, ind_ix, m), year);
    if (!o)
        return -1;
    *x = o->value;
    *w = 1;
    add_flag(s, flags, m, NULL, o->status);
    if (ind->aggregation == AGG_WEIGHTED_MEAN) {
        const struct observation *wo = store_value_at(s, store_series(s, ind->weight, m), year);
        if (!wo || !(wo->value >= 0))
            return -1;
        *w = wo->value;
        add_flag(s, flags, m, &s->indicators[ind->weight], wo->status);
    }
    return 0;
}

/* Sum (or weighted mean) of the members in YEAR; -1 unless every member has data. The members'
 * flags go into FLAGS (may be NULL). */
static int aggregate_year(const struct store *s, const struct indicator *ind, uint32_t ind_ix,
                          const struct partition *p, int year, double *out,
                          struct member_flags *flags)
{
    double sum = 0, comp = 0, wsum = 0;
    for (uint32_t c = 0; c < p->parent->n_children; c++) {
        uint32_t m = p->parent->children[c];
        double x, w;
        if (strcmp(s->regions[m].kind, p->kind) != 0)
            continue;
        if (member_value(s, ind, ind_ix, m, year, &x, &w, flags) != 0)
            return -1;
        /* Kahan summation keeps sums of many members exact to the last digit. */
        double y = x * w - comp;
        double t = sum + y;
        comp = (t - sum) - y;
        sum = t;
        wsum += w;
    }
    if (ind->aggregation == AGG_WEIGHTED_MEAN) {
        if (!(wsum > 0))
            return -1;
        sum /= wsum;
    }
    if (!isfinite(sum))
        return -1;
    *out = sum;
    return 0;
}

static uint32_t count_years(const struct store *s, const struct indicator *ind, uint32_t ind_ix,
                            const struct partition *p)
{
    const struct series *first = store_series(s, ind_ix, p->first);
    if (!first)
        return 0;
    uint32_t n = 0;
    double v;
    for (uint32_t k = 0; k < first->count; k++)
        if (aggregate_year(s, ind, ind_ix, p, s->obs[first->start + k].year, &v, NULL) == 0)
            n++;
    return n;
}

static size_t partitions_of(const struct store *s, const struct region *r, struct partition *out,
                            size_t max)
{
    size_t n = 0;
    for (uint32_t c = 0; c < r->n_children; c++) {
        const char *kind = s->regions[r->children[c]].kind;
        size_t k = 0;
        while (k < n && strcmp(out[k].kind, kind) != 0)
            k++;
        if (k == n) {
            if (n == max)
                continue;
            out[n] = (struct partition){.parent = r, .kind = kind, .first = r->children[c]};
            n++;
        }
        out[k].n++;
    }
    /* A lone child of its kind is a subset of the parent, not a partition of it. */
    size_t kept = 0;
    for (size_t k = 0; k < n; k++)
        if (out[k].n >= 2)
            out[kept++] = out[k];
    return kept;
}

/* The note of a computed value with flagged members, in the snapshot; NULL when out of memory
 * (WHO NULL: its buffer could not grow). */
static const char *flag_note(struct store *s, const struct partition *p, const char *who)
{
    if (!who)
        return NULL;
    size_t size = strlen(who) + strlen(p->kind) + 64;
    char *note = arena_alloc(s, size);
    if (note)
        snprintf(note, size, "computed from %u %s members; flagged: %s", p->n, p->kind, who);
    return note;
}

/* Adds a computed series for (IND, R) from the partition with the most complete years. Its
 * values carry the strongest flag of their members (flag_rank) and a note naming them. */
static int compute_one(struct store *s, uint32_t ind_ix, uint32_t r)
{
    const struct indicator *ind = &s->indicators[ind_ix];
    struct partition parts[8];
    size_t np = partitions_of(s, &s->regions[r], parts, 8);
    struct partition *best = NULL;
    for (size_t k = 0; k < np; k++) {
        parts[k].years = count_years(s, ind, ind_ix, &parts[k]);
        if (parts[k].years && (!best || parts[k].years > best->years ||
                               (parts[k].years == best->years && parts[k].n > best->n)))
            best = &parts[k];
    }
    if (!best)
        return 0;
    const struct series *first = store_series(s, ind_ix, best->first);
    uint32_t first_start = first->start, first_count = first->count;
    if (grow_obs(s, best->years) != 0)
        return -1;
    uint32_t start = (uint32_t)s->n_obs;
    for (uint32_t k = 0; k < first_count; k++) {
        int year = s->obs[first_start + k].year;
        double v;
        char space[256];
        struct member_flags flags = {.status = STATUS_NONE, .who = BUF_STACK(space)};
        if (aggregate_year(s, ind, ind_ix, best, year, &v, &flags) != 0) {
            buf_free(&flags.who);
            continue;
        }
        const char *note = flags.status ? flag_note(s, best, buf_cstr(&flags.who)) : NULL;
        buf_free(&flags.who);
        if (flags.status && !note)
            return -1;
        s->obs[s->n_obs++] = (struct observation){.year = year,
                                                  .value = v,
                                                  .status = (uint8_t)flags.status,
                                                  .source = STORE_NONE,
                                                  .note = note};
    }
    if (add_series(s, ind_ix, r, start, (uint32_t)s->n_obs - start) != 0)
        return -1;
    s->series[s->n_series - 1].members = best->n;
    s->series[s->n_series - 1].member_kind = best->kind;
    return keymap_put(&s->series_ix, series_key(ind_ix, r), (uint32_t)s->n_series - 1) < 0 ? -1 : 0;
}

static int by_depth_desc(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? 1 : -1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Parents without data of their own get the sum or weighted mean of a partition of their
 * children, deepest regions first so that a parent can build on computed children. */
static int compute_aggregates(struct loader *ld)
{
    struct store *s = ld->s;
    size_t parents = 0, n_agg = 0;
    for (size_t r = 0; r < s->n_regions; r++)
        parents += s->regions[r].n_children >= 2;
    for (size_t i = 0; i < s->n_indicators; i++)
        n_agg += s->indicators[i].aggregation != AGG_NONE;
    if (keymap_init(&s->series_ix, s->n_series + parents * n_agg) != 0)
        return load_fail(ld, "out of memory");
    for (size_t k = 0; k < s->n_series; k++)
        keymap_put(&s->series_ix, series_key(s->series[k].indicator, s->series[k].region),
                   (uint32_t)k);
    int(*order)[2] = malloc((parents + 1) * sizeof *order);
    if (!order)
        return load_fail(ld, "out of memory");
    size_t n = 0;
    for (size_t r = 0; r < s->n_regions; r++)
        if (s->regions[r].n_children >= 2) {
            order[n][0] = region_depth(s, (uint32_t)r);
            order[n][1] = (int)r;
            n++;
        }
    qsort(order, n, sizeof *order, by_depth_desc);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        uint32_t r = (uint32_t)order[k][1];
        /* Sums first: a weighted mean of this region may be weighted by one of them. */
        for (int pass = 0; pass < 2 && rc == 0; pass++)
            for (size_t i = 0; i < s->n_indicators && rc == 0; i++) {
                enum aggregation want = pass == 0 ? AGG_SUM : AGG_WEIGHTED_MEAN;
                if (s->indicators[i].aggregation == want && !store_series(s, (uint32_t)i, r))
                    rc = compute_one(s, (uint32_t)i, r);
            }
    }
    free(order);
    return rc == 0 ? 0 : load_fail(ld, "out of memory");
}

static int by_region(const void *a, const void *b, void *ctx)
{
    const struct store *s = ctx;
    uint32_t x = s->series[*(const uint32_t *)a].region, y = s->series[*(const uint32_t *)b].region;
    return (x > y) - (x < y);
}

/* Per indicator: its series in region order, and the coverage of its own observations. */
static int index_series(struct loader *ld)
{
    struct store *s = ld->s;
    for (size_t k = 0; k < s->n_series; k++)
        s->indicators[s->series[k].indicator].n_series++;
    for (size_t i = 0; i < s->n_indicators; i++) {
        struct indicator *ind = &s->indicators[i];
        ind->series = arena_alloc(s, (ind->n_series + 1) * sizeof(uint32_t));
        if (!ind->series)
            return load_fail(ld, "out of memory");
        ind->n_series = 0;
    }
    for (size_t k = 0; k < s->n_series; k++) {
        const struct series *se = &s->series[k];
        struct indicator *ind = &s->indicators[se->indicator];
        ((uint32_t *)ind->series)[ind->n_series++] = (uint32_t)k;
        if (se->members)
            continue;
        const struct observation *o = &s->obs[se->start];
        ind->n_regions++;
        ind->n_obs += se->count;
        if (!ind->first_year || o[0].year < ind->first_year)
            ind->first_year = o[0].year;
        if (o[se->count - 1].year > ind->last_year)
            ind->last_year = o[se->count - 1].year;
    }
    for (size_t i = 0; i < s->n_indicators; i++)
        qsort_r((uint32_t *)s->indicators[i].series, s->indicators[i].n_series, sizeof(uint32_t),
                by_region, s);
    return 0;
}

/* The value of KEY in the meta table into OUT: 1, 0 when there is none, -1 on error. */
static int meta_value(struct loader *ld, const char *key, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    if (prepare(ld, "SELECT value FROM meta WHERE key = ?1", &st) != 0)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", v ? (const char *)v : "");
        rc = 1;
    } else if (step != SQLITE_DONE) {
        rc = load_fail(ld, "table 'meta': %s", sqlite3_errmsg(ld->db));
    }
    sqlite3_finalize(st);
    return rc;
}

/* The file must have been written for the schema this build reads (api/import.h): another
 * version may mean other columns, or the same columns meaning something else. */
static int read_meta(struct loader *ld)
{
    char version[64];
    if (check_table(ld, &t_meta) != 0)
        return -1;
    int rc = meta_value(ld, "schema_version", version, sizeof version);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return load_fail(ld, "table 'meta' has no schema_version (import the CSV files again "
                             "with 'prosperity import')");
    if (strcmp(version, IMPORT_SCHEMA_VERSION) != 0)
        return load_fail(ld,
                         "table 'meta': schema_version is '%s', this server reads '%s' (import "
                         "the CSV files again with this version of 'prosperity import')",
                         version, IMPORT_SCHEMA_VERSION);
    ld->s->imported_at[0] = '\0';
    return meta_value(ld, "imported_at", ld->s->imported_at, sizeof ld->s->imported_at) < 0 ? -1
                                                                                            : 0;
}

struct store *store_load(const char *path, struct api_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct store *s = calloc(1, sizeof *s);
    struct loader ld = {.s = s, .path = path, .err = err};
    if (!s) {
        api_fail(err, 500, "out_of_memory", NULL, "%s: out of memory", path);
        return NULL;
    }
    s->hash = HASH_SEED;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        load_fail(&ld, "cannot open: %s", strerror(errno));
        goto fail;
    }
    fclose(probe);
    if (sqlite3_open_v2(path, &ld.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        load_fail(&ld, "%s", ld.db ? sqlite3_errmsg(ld.db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(ld.db, 2000);
    /* One read transaction: every table comes from the same state of the file. */
    if (sqlite3_exec(ld.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        load_fail(&ld, "%s", sqlite3_errmsg(ld.db));
        goto fail;
    }
    if (read_meta(&ld) != 0 || load_sources(&ld) != 0 || load_indicators(&ld) != 0 ||
        load_regions(&ld) != 0 || load_neighbours(&ld) != 0 || load_groups(&ld) != 0 ||
        load_benchmarks(&ld) != 0 || load_observations(&ld) != 0 || compute_aggregates(&ld) != 0 ||
        index_series(&ld) != 0)
        goto fail;
    sqlite3_exec(ld.db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(ld.db);
    snprintf(s->version, sizeof s->version, "%016llx", (unsigned long long)s->hash);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(s->loaded_at, sizeof s->loaded_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->load_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return s;
fail:
    if (ld.db)
        sqlite3_close(ld.db);
    store_free(s);
    return NULL;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    while (s->arena) {
        struct chunk *next = s->arena->next;
        free(s->arena);
        s->arena = next;
    }
    free(s->obs);
    free(s->series);
    idmap_free(&s->indicator_ix);
    idmap_free(&s->region_ix);
    idmap_free(&s->group_ix);
    idmap_free(&s->source_ix);
    keymap_free(&s->series_ix);
    free(s);
}

/* Counts and bounds-checked element access for each array of the snapshot. */
#define STORE_ARRAY(type, name, array, count)                                                      \
    size_t store_##name##_count(const struct store *s)                                             \
    {                                                                                              \
        return s->count;                                                                           \
    }                                                                                              \
    const struct type *store_##name##_at(const struct store *s, uint32_t i)                        \
    {                                                                                              \
        return i < s->count ? &s->array[i] : NULL;                                                 \
    }

STORE_ARRAY(indicator, indicator, indicators, n_indicators)
STORE_ARRAY(region, region, regions, n_regions)
STORE_ARRAY(group, group, groups, n_groups)
STORE_ARRAY(source, source, sources, n_sources)
STORE_ARRAY(benchmark, benchmark, benchmarks, n_benchmarks)
STORE_ARRAY(series, series, series, n_series)

size_t store_observation_count(const struct store *s)
{
    return s->n_own_obs;
}

size_t store_neighbour_pair_count(const struct store *s)
{
    return s->n_neighbour_pairs;
}

#define STORE_INDEX(name)                                                                          \
    uint32_t store_##name##_index(const struct store *s, const char *id, size_t len)               \
    {                                                                                              \
        return idmap_get(&s->name##_ix, id, len);                                                  \
    }

STORE_INDEX(indicator)
STORE_INDEX(region)
STORE_INDEX(group)
STORE_INDEX(source)

const char *store_version(const struct store *s)
{
    return s->version;
}
const char *store_loaded_at(const struct store *s)
{
    return s->loaded_at;
}
const char *store_imported_at(const struct store *s)
{
    return s->imported_at;
}
double store_load_seconds(const struct store *s)
{
    return s->load_seconds;
}
