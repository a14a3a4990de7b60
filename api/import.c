/* api/import.c — CSV folder -> validated -> new SQLite file -> rename into place. */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "csv.h"
#include "idmap.h"
#include "store.h"

/* Foreign keys are deferred: a region may name a parent that comes later in the file. */
const char import_schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);\n"
    "CREATE TABLE sources(id TEXT PRIMARY KEY NOT NULL, citation TEXT NOT NULL);\n"
    "CREATE TABLE indicators(id TEXT PRIMARY KEY NOT NULL,\n"
    "  name_en TEXT NOT NULL CHECK(name_en <> ''), name_zh TEXT, unit TEXT, category TEXT,\n"
    "  higher_is_better INTEGER CHECK(higher_is_better IN (0, 1)),\n"
    "  aggregation TEXT NOT NULL CHECK(aggregation IN ('sum', 'weighted_mean', 'none')),\n"
    "  weight_indicator TEXT REFERENCES indicators(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  description TEXT, unit_zh TEXT, description_zh TEXT,\n"
    "  CHECK(aggregation <> 'weighted_mean' OR weight_indicator IS NOT NULL));\n"
    "CREATE TABLE regions(id TEXT PRIMARY KEY NOT NULL,\n"
    "  name_en TEXT NOT NULL CHECK(name_en <> ''), name_zh TEXT, kind TEXT NOT NULL,\n"
    "  parent TEXT REFERENCES regions(id) DEFERRABLE INITIALLY DEFERRED, code TEXT);\n"
    "CREATE TABLE groups(group_id TEXT NOT NULL, name_en TEXT NOT NULL, name_zh TEXT,\n"
    "  region_id TEXT NOT NULL REFERENCES regions(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  PRIMARY KEY(group_id, region_id));\n"
    /* One row per unordered pair, stored as written; the index refuses B,A beside A,B. */
    "CREATE TABLE neighbours(\n"
    "  region_id TEXT NOT NULL REFERENCES regions(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  neighbour_id TEXT NOT NULL REFERENCES regions(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  kind TEXT NOT NULL CHECK(kind IN ('land', 'link')),\n"
    "  CHECK(region_id <> neighbour_id), PRIMARY KEY(region_id, neighbour_id));\n"
    "CREATE UNIQUE INDEX neighbours_pair\n"
    "  ON neighbours(min(region_id, neighbour_id), max(region_id, neighbour_id));\n"
    "CREATE TABLE observations(\n"
    "  indicator_id TEXT NOT NULL REFERENCES indicators(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  region_id TEXT NOT NULL REFERENCES regions(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  year INTEGER NOT NULL CHECK(year BETWEEN 1000 AND 9999),\n"
    "  value REAL NOT NULL\n"
    "    CHECK(value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),\n"
    "  status TEXT CHECK(status IN ('derived', 'break', 'suspect', 'lower_bound')),\n"
    "  source_id TEXT REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED, note TEXT,\n"
    "  PRIMARY KEY(indicator_id, region_id, year)) WITHOUT ROWID;\n"
    "CREATE TABLE benchmarks(\n"
    "  indicator_id TEXT NOT NULL REFERENCES indicators(id) DEFERRABLE INITIALLY DEFERRED,\n"
    "  label TEXT NOT NULL CHECK(label <> ''),\n"
    "  value REAL NOT NULL\n"
    "    CHECK(value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),\n"
    "  source_id TEXT REFERENCES sources(id) DEFERRABLE INITIALLY DEFERRED, note TEXT,\n"
    "  PRIMARY KEY(indicator_id, label));\n";

enum col_type { COL_TEXT, COL_OPT, COL_INT, COL_REAL };

struct column {
    const char *name;
    enum col_type type;
    int required; /* must be a header column */
};

struct table_spec {
    const char *file;  /* e.g. "observations.csv" */
    const char *table; /* SQL table */
    int required;      /* the file must exist */
    const struct column *cols;
    size_t ncols;
};

#define SPEC(file_, table_, req_, cols_)                                                           \
    {                                                                                              \
        .file = file_, .table = table_, .required = req_, .cols = cols_,                           \
        .ncols = sizeof cols_ / sizeof cols_[0]                                                    \
    }

static const struct column source_cols[] = {{"id", COL_TEXT, 1}, {"citation", COL_TEXT, 1}};
static const struct column indicator_cols[] = {
    {"id", COL_TEXT, 1},           {"name_en", COL_TEXT, 1},
    {"name_zh", COL_OPT, 1},       {"unit", COL_OPT, 1},
    {"category", COL_OPT, 1},      {"higher_is_better", COL_INT, 1},
    {"aggregation", COL_TEXT, 1},  {"weight_indicator", COL_OPT, 1},
    {"description", COL_OPT, 0},   {"unit_zh", COL_OPT, 0},
    {"description_zh", COL_OPT, 0}};
static const struct column region_cols[] = {{"id", COL_TEXT, 1},     {"name_en", COL_TEXT, 1},
                                            {"name_zh", COL_OPT, 1}, {"kind", COL_TEXT, 1},
                                            {"parent", COL_OPT, 1},  {"code", COL_OPT, 0}};
static const struct column group_cols[] = {{"group_id", COL_TEXT, 1},
                                           {"name_en", COL_TEXT, 1},
                                           {"name_zh", COL_OPT, 0},
                                           {"region_id", COL_TEXT, 1}};
static const struct column neighbour_cols[] = {
    {"region_id", COL_TEXT, 1}, {"neighbour_id", COL_TEXT, 1}, {"kind", COL_TEXT, 1}};
static const struct column obs_cols[] = {{"indicator_id", COL_TEXT, 1}, {"region_id", COL_TEXT, 1},
                                         {"year", COL_INT, 1},          {"value", COL_REAL, 1},
                                         {"status", COL_OPT, 0},        {"source_id", COL_OPT, 0},
                                         {"note", COL_OPT, 0}};
static const struct column benchmark_cols[] = {{"indicator_id", COL_TEXT, 1},
                                               {"label", COL_TEXT, 1},
                                               {"value", COL_REAL, 1},
                                               {"source_id", COL_OPT, 0},
                                               {"note", COL_OPT, 0}};

enum {
    T_SOURCES,
    T_INDICATORS,
    T_REGIONS,
    T_GROUPS,
    T_OBSERVATIONS,
    T_BENCHMARKS,
    T_NEIGHBOURS,
    T_COUNT
};

static const struct table_spec specs[T_COUNT] = {
    SPEC("sources.csv", "sources", 0, source_cols),
    SPEC("indicators.csv", "indicators", 1, indicator_cols),
    SPEC("regions.csv", "regions", 1, region_cols),
    SPEC("groups.csv", "groups", 0, group_cols),
    SPEC("observations.csv", "observations", 1, obs_cols),
    SPEC("benchmarks.csv", "benchmarks", 0, benchmark_cols),
    SPEC("neighbours.csv", "neighbours", 0, neighbour_cols),
};

struct table {
    const struct table_spec *spec;
    struct csv_file csv;
    char *path;
    size_t nrows;
    size_t cap;
    const char **cells; /* nrows * spec->ncols, borrowed from csv.text */
    unsigned *lines;
    struct idmap ids; /* first column -> row, for tables keyed by one id */
};

struct importer {
    FILE *errs;
    unsigned nerrors;
    struct table t[T_COUNT];
};

static const char empty[] = "";

static void problem(struct importer *im, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct importer *im, const char *file, unsigned line, const char *fmt, ...)
{
    im->nerrors++;
    if (im->nerrors > IMPORT_MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (line)
        fprintf(im->errs, "%s:%u: ", file, line);
    else
        fprintf(im->errs, "%s: ", file);
    vfprintf(im->errs, fmt, ap);
    fputc('\n', im->errs);
    va_end(ap);
}

int import_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > 64 || s[0] == '.' || s[0] == '-')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-')
            return 0;
    }
    return 1;
}

/* The grammar is checked by hand because strtod also takes "inf", "nan", hex and spaces. */
int import_parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p != '\0')
        return -1;
    errno = 0;
    double v = strtod(s, NULL);
    if (!isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int import_parse_year(const char *s, int *out)
{
    if (strlen(s) != 4)
        return -1;
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        y = y * 10 + (s[i] - '0');
    }
    if (y < 1000)
        return -1;
    *out = y;
    return 0;
}

static const char *cell(const struct table *t, size_t row, size_t col)
{
    return t->cells[row * t->spec->ncols + col];
}

static int push_row(struct table *t, const struct csv_row *row, const int *map)
{
    size_t nc = t->spec->ncols;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        const char **cells = realloc(t->cells, cap * nc * sizeof *cells);
        if (!cells)
            return -1;
        t->cells = cells;
        unsigned *lines = realloc(t->lines, cap * sizeof *lines);
        if (!lines)
            return -1;
        t->lines = lines;
        t->cap = cap;
    }
    for (size_t c = 0; c < nc; c++)
        t->cells[t->nrows * nc + c] = map[c] >= 0 ? row->fields[map[c]] : empty;
    t->lines[t->nrows++] = row->line;
    return 0;
}

/* Reads one file: header, column count, UTF-8 and the per-column type of every field. */
static int read_table(struct importer *im, const char *dir, int which)
{
    struct table *t = &im->t[which];
    const struct table_spec *spec = &specs[which];
    char err[512];
    struct csv_row row;
    int map[CSV_MAX_FIELDS];
    size_t header_n;
    t->spec = spec;
    if (asprintf(&t->path, "%s/%s", dir, spec->file) < 0) {
        t->path = NULL;
        problem(im, spec->file, 0, "out of memory");
        return -1;
    }
    if (access(t->path, F_OK) != 0 && !spec->required)
        return 0;
    if (csv_open(&t->csv, t->path, err, sizeof err) != 0) {
        im->nerrors++;
        fprintf(im->errs, "%s\n", err);
        return -1;
    }
    int rc = csv_next(&t->csv, &row, err, sizeof err);
    if (rc <= 0) {
        if (rc == 0)
            problem(im, t->path, 1, "empty file: a header row is required");
        else
            problem(im, t->path, row.line, "%s", err);
        return -1;
    }
    header_n = row.n;
    for (size_t c = 0; c < CSV_MAX_FIELDS; c++)
        map[c] = -1;
    for (size_t f = 0; f < row.n; f++) {
        size_t c = 0;
        while (c < spec->ncols && strcmp(spec->cols[c].name, row.fields[f]) != 0)
            c++;
        if (c == spec->ncols) {
            problem(im, t->path, 1, "unknown column '%s'", row.fields[f]);
        } else if (map[c] >= 0) {
            problem(im, t->path, 1, "column '%s' appears twice", row.fields[f]);
        } else {
            map[c] = (int)f;
        }
    }
    int header_ok = 1;
    for (size_t c = 0; c < spec->ncols; c++) {
        if (map[c] < 0 && spec->cols[c].required) {
            problem(im, t->path, 1, "missing column '%s'", spec->cols[c].name);
            header_ok = 0;
        }
    }
    if (!header_ok)
        return -1;
    while ((rc = csv_next(&t->csv, &row, err, sizeof err)) == 1) {
        if (row.n != header_n) {
            problem(im, t->path, row.line, "%zu fields, the header has %zu", row.n, header_n);
            continue;
        }
        int ok = 1;
        for (size_t f = 0; f < row.n; f++) {
            if (!utf8_valid(row.fields[f], strlen(row.fields[f]))) {
                problem(im, t->path, row.line, "field %zu is not valid UTF-8", f + 1);
                ok = 0;
            }
        }
        if (ok && push_row(t, &row, map) != 0) {
            problem(im, t->path, row.line, "out of memory");
            return -1;
        }
    }
    if (rc < 0) {
        problem(im, t->path, row.line, "%s", err);
        return -1;
    }
    if (spec->required && t->nrows == 0 && which == T_OBSERVATIONS)
        problem(im, t->path, 0, "no observations");
    return 0;
}

/* Checks every id in column COL of table T is unique and well-formed; indexes them. */
static void index_ids(struct importer *im, struct table *t)
{
    if (idmap_init(&t->ids, t->nrows) != 0) {
        problem(im, t->path ? t->path : t->spec->file, 0, "out of memory");
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const char *id = cell(t, r, 0);
        if (!import_id_valid(id, strlen(id))) {
            problem(im, t->path, t->lines[r],
                    "id '%s' is not valid (1-64 characters of A-Z a-z 0-9 _ . -)", id);
            continue;
        }
        if (idmap_put(&t->ids, id, (uint32_t)r) == 1)
            problem(im, t->path, t->lines[r], "duplicate id '%s'", id);
    }
}

static int known(const struct table *t, const char *id)
{
    return idmap_get(&t->ids, id, strlen(id)) != IDMAP_NONE;
}

/* A reference column: empty allowed when OPTIONAL, otherwise it must name a row of TARGET. */
static int check_ref(struct importer *im, const struct table *t, size_t r, size_t col,
                     const struct table *target, int optional)
{
    const char *v = cell(t, r, col);
    if (*v == '\0') {
        if (optional)
            return 0;
        problem(im, t->path, t->lines[r], "%s is empty", t->spec->cols[col].name);
        return -1;
    }
    if (!known(target, v)) {
        problem(im, t->path, t->lines[r], "%s '%s' is not in %s", t->spec->cols[col].name, v,
                target->spec->file);
        return -1;
    }
    return 0;
}

static int check_nonempty(struct importer *im, const struct table *t, size_t r, size_t col)
{
    if (*cell(t, r, col) != '\0')
        return 0;
    problem(im, t->path, t->lines[r], "%s is empty", t->spec->cols[col].name);
    return -1;
}

static int check_number(struct importer *im, const struct table *t, size_t r, size_t col)
{
    double v;
    if (import_parse_number(cell(t, r, col), &v) == 0)
        return 0;
    problem(im, t->path, t->lines[r], "%s '%s' is not a finite number", t->spec->cols[col].name,
            cell(t, r, col));
    return -1;
}

static void check_indicators(struct importer *im)
{
    struct table *t = &im->t[T_INDICATORS];
    for (size_t r = 0; r < t->nrows; r++) {
        const char *hib = cell(t, r, 5), *agg = cell(t, r, 6), *w = cell(t, r, 7);
        check_nonempty(im, t, r, 1);
        if (strcmp(hib, "") != 0 && strcmp(hib, "0") != 0 && strcmp(hib, "1") != 0)
            problem(im, t->path, t->lines[r], "higher_is_better '%s' must be 1, 0 or empty", hib);
        if (strcmp(agg, "sum") != 0 && strcmp(agg, "weighted_mean") != 0 &&
            strcmp(agg, "none") != 0)
            problem(im, t->path, t->lines[r], "aggregation '%s' must be sum, weighted_mean or none",
                    agg);
        if (strcmp(agg, "weighted_mean") == 0 && *w == '\0')
            problem(im, t->path, t->lines[r], "aggregation weighted_mean needs weight_indicator");
        if (*w && check_ref(im, t, r, 7, t, 1) == 0 && strcmp(w, cell(t, r, 0)) == 0)
            problem(im, t->path, t->lines[r], "weight_indicator '%s' is the indicator itself", w);
    }
}

static void check_regions(struct importer *im)
{
    struct table *t = &im->t[T_REGIONS];
    for (size_t r = 0; r < t->nrows; r++) {
        const char *kind = cell(t, r, 3);
        check_nonempty(im, t, r, 1);
        if (!import_id_valid(kind, strlen(kind)))
            problem(im, t->path, t->lines[r], "kind '%s' is not a valid name", kind);
        if (check_ref(im, t, r, 4, t, 1) != 0)
            continue;
        /* Walk up the parents: more steps than regions means a cycle. */
        size_t at = r, steps = 0;
        while (*cell(t, at, 4) && steps <= t->nrows) {
            const char *p = cell(t, at, 4);
            uint32_t up = idmap_get(&t->ids, p, strlen(p));
            if (up == IDMAP_NONE)
                break;
            at = up;
            steps++;
        }
        if (steps > t->nrows)
            problem(im, t->path, t->lines[r], "parent chain of '%s' loops", cell(t, r, 0));
    }
}

static void check_groups(struct importer *im)
{
    struct table *t = &im->t[T_GROUPS];
    struct idmap names = {0}, pairs = {0};
    char **keys = calloc(t->nrows ? t->nrows : 1, sizeof *keys);
    if (!keys || idmap_init(&names, t->nrows) != 0 || idmap_init(&pairs, t->nrows) != 0) {
        problem(im, t->spec->file, 0, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const char *g = cell(t, r, 0);
        if (!import_id_valid(g, strlen(g))) {
            problem(im, t->path, t->lines[r], "group_id '%s' is not valid", g);
            continue;
        }
        check_nonempty(im, t, r, 1);
        if (check_ref(im, t, r, 3, &im->t[T_REGIONS], 0) != 0)
            continue;
        uint32_t first = idmap_get(&names, g, strlen(g));
        if (first == IDMAP_NONE) {
            idmap_put(&names, g, (uint32_t)r);
        } else if (strcmp(cell(t, first, 1), cell(t, r, 1)) != 0 ||
                   strcmp(cell(t, first, 2), cell(t, r, 2)) != 0) {
            problem(im, t->path, t->lines[r], "group '%s' has another name on line %u", g,
                    t->lines[first]);
        }
        if (asprintf(&keys[r], "%s\x1f%s", g, cell(t, r, 3)) < 0) {
            keys[r] = NULL;
            continue;
        }
        if (idmap_put(&pairs, keys[r], (uint32_t)r) == 1)
            problem(im, t->path, t->lines[r], "region '%s' is listed twice in group '%s'",
                    cell(t, r, 3), g);
    }
done:
    if (keys)
        for (size_t r = 0; r < t->nrows; r++)
            free(keys[r]);
    free(keys);
    idmap_free(&names);
    idmap_free(&pairs);
}

/* Pairs are unordered: A,B and B,A are one pair, so the key is the two region positions with
 * the smaller first. */
static void check_neighbours(struct importer *im)
{
    struct table *t = &im->t[T_NEIGHBOURS];
    const struct table *reg = &im->t[T_REGIONS];
    struct keymap pairs;
    if (keymap_init(&pairs, t->nrows) != 0) {
        problem(im, t->spec->file, 0, "out of memory");
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const char *a = cell(t, r, 0), *b = cell(t, r, 1), *kind = cell(t, r, 2);
        int bad = check_ref(im, t, r, 0, reg, 0);
        bad |= check_ref(im, t, r, 1, reg, 0);
        if (strcmp(kind, "land") != 0 && strcmp(kind, "link") != 0)
            problem(im, t->path, t->lines[r], "kind '%s' must be land or link", kind);
        if (bad)
            continue;
        if (strcmp(a, b) == 0) {
            problem(im, t->path, t->lines[r], "region '%s' is paired with itself", a);
            continue;
        }
        uint64_t i = idmap_get(&reg->ids, a, strlen(a)), j = idmap_get(&reg->ids, b, strlen(b));
        uint64_t key = i < j ? (i << 32) | j : (j << 32) | i;
        if (keymap_put(&pairs, key, (uint32_t)r) == 1)
            problem(im, t->path, t->lines[r], "pair %s/%s is listed twice (first on line %u)", a, b,
                    t->lines[keymap_get(&pairs, key)]);
    }
    keymap_free(&pairs);
}

static int check_status(struct importer *im, const struct table *t, size_t r, size_t col)
{
    const char *s = cell(t, r, col);
    if (*s == '\0' || store_status_parse(s) > 0)
        return 0;
    problem(im, t->path, t->lines[r],
            "status '%s' must be empty, derived, break, suspect or lower_bound", s);
    return -1;
}

static void check_observations(struct importer *im)
{
    struct table *t = &im->t[T_OBSERVATIONS];
    const struct table *ind = &im->t[T_INDICATORS], *reg = &im->t[T_REGIONS];
    struct keymap seen;
    if (keymap_init(&seen, t->nrows) != 0) {
        problem(im, t->spec->file, 0, "out of memory");
        return;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        int bad = check_ref(im, t, r, 0, ind, 0);
        bad |= check_ref(im, t, r, 1, reg, 0);
        int year;
        if (import_parse_year(cell(t, r, 2), &year) != 0) {
            problem(im, t->path, t->lines[r], "year '%s' is not a year from 1000 to 9999",
                    cell(t, r, 2));
            bad = -1;
        }
        check_number(im, t, r, 3);
        check_status(im, t, r, 4);
        check_ref(im, t, r, 5, &im->t[T_SOURCES], 1);
        if (bad)
            continue;
        uint64_t i = idmap_get(&ind->ids, cell(t, r, 0), strlen(cell(t, r, 0)));
        uint64_t g = idmap_get(&reg->ids, cell(t, r, 1), strlen(cell(t, r, 1)));
        uint64_t key = (i << 38) | (g << 14) | (uint64_t)(year - 1000);
        if (keymap_put(&seen, key, (uint32_t)r) == 1) {
            uint32_t first = keymap_get(&seen, key);
            problem(im, t->path, t->lines[r], "duplicate observation %s/%s/%d (first on line %u)",
                    cell(t, r, 0), cell(t, r, 1), year, t->lines[first]);
        }
    }
    keymap_free(&seen);
}

static void check_benchmarks(struct importer *im)
{
    struct table *t = &im->t[T_BENCHMARKS];
    struct idmap pairs = {0};
    char **keys = calloc(t->nrows ? t->nrows : 1, sizeof *keys);
    if (!keys || idmap_init(&pairs, t->nrows) != 0) {
        problem(im, t->spec->file, 0, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        check_ref(im, t, r, 0, &im->t[T_INDICATORS], 0);
        check_nonempty(im, t, r, 1);
        check_number(im, t, r, 2);
        check_ref(im, t, r, 3, &im->t[T_SOURCES], 1);
        if (asprintf(&keys[r], "%s\x1f%s", cell(t, r, 0), cell(t, r, 1)) < 0) {
            keys[r] = NULL;
            continue;
        }
        if (idmap_put(&pairs, keys[r], (uint32_t)r) == 1)
            problem(im, t->path, t->lines[r], "duplicate benchmark '%s' for %s", cell(t, r, 1),
                    cell(t, r, 0));
    }
done:
    if (keys)
        for (size_t r = 0; r < t->nrows; r++)
            free(keys[r]);
    free(keys);
    idmap_free(&pairs);
}

static int exec_sql(sqlite3 *db, const char *sql, struct importer *im, const char *path)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    problem(im, path, 0, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

static int bind_cell(sqlite3_stmt *st, int pos, enum col_type type, const char *v)
{
    double d;
    if (*v == '\0' && type != COL_TEXT)
        return sqlite3_bind_null(st, pos);
    switch (type) {
    case COL_INT:
        return sqlite3_bind_int64(st, pos, strtoll(v, NULL, 10));
    case COL_REAL:
        if (import_parse_number(v, &d) != 0) /* validated before; never binds garbage */
            return SQLITE_MISMATCH;
        return sqlite3_bind_double(st, pos, d);
    default:
        return sqlite3_bind_text(st, pos, v, -1, SQLITE_STATIC);
    }
}

static int insert_table(sqlite3 *db, const struct table *t, struct importer *im, const char *path)
{
    const struct table_spec *spec = t->spec;
    char sql[512];
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s(", spec->table);
    for (size_t c = 0; c < spec->ncols; c++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s", c ? "," : "", spec->cols[c].name);
    n += snprintf(sql + n, sizeof sql - (size_t)n, ") VALUES(");
    for (size_t c = 0; c < spec->ncols; c++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", c ? "," : "");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto fail;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < spec->ncols; c++)
            if (bind_cell(st, (int)c + 1, spec->cols[c].type, cell(t, r, c)) != SQLITE_OK)
                goto fail;
        if (sqlite3_step(st) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(st);
    }
    rc = 0;
fail:
    if (rc != 0)
        problem(im, path, 0, "sqlite: %s (table %s)", sqlite3_errmsg(db), spec->table);
    sqlite3_finalize(st);
    return rc;
}

static int write_meta(sqlite3 *db, struct importer *im, const char *path)
{
    char when[32], sql[256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(sql, sizeof sql,
             "INSERT INTO meta VALUES('schema_version','%s'),('imported_at','%s'),"
             "('prosperity_version','%s');",
             IMPORT_SCHEMA_VERSION, when, PROSPERITY_VERSION);
    return exec_sql(db, sql, im, path);
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes every table into a fresh file beside DB_PATH, then renames it over DB_PATH. */
static int write_db(struct importer *im, const char *db_path)
{
    char *tmp = NULL, *dir = NULL;
    sqlite3 *db = NULL;
    int rc = -1, fd = -1;
    if (asprintf(&tmp, "%s.tmp-XXXXXX", db_path) < 0) {
        tmp = NULL;
        goto fail;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        problem(im, db_path, 0, "cannot create a temporary file beside it: %s", strerror(errno));
        free(tmp);
        tmp = NULL;
        goto fail;
    }
    /* mkstemp makes 0600; a database is read by the server's user: honour the umask. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        problem(im, tmp, 0, "sqlite: %s", db ? sqlite3_errmsg(db) : "cannot open");
        goto fail;
    }
    if (exec_sql(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;", im,
                 tmp) != 0 ||
        exec_sql(db, "BEGIN;", im, tmp) != 0 || exec_sql(db, import_schema_sql, im, tmp) != 0)
        goto fail;
    for (int i = 0; i < T_COUNT; i++)
        if (insert_table(db, &im->t[i], im, tmp) != 0)
            goto fail;
    if (write_meta(db, im, tmp) != 0 || exec_sql(db, "COMMIT;", im, tmp) != 0)
        goto fail;
    if (sqlite3_close(db) != SQLITE_OK) {
        problem(im, tmp, 0, "sqlite: cannot close");
        db = NULL;
        goto fail;
    }
    db = NULL;
    if (fsync_path(tmp, O_RDONLY) != 0 || rename(tmp, db_path) != 0) {
        problem(im, db_path, 0, "cannot replace: %s", strerror(errno));
        goto fail;
    }
    dir = strdup(db_path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        fsync_path(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    }
    rc = 0;
fail:
    if (db)
        sqlite3_close(db);
    if (rc != 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

int import_dir(const char *dir, const char *db_path, FILE *errs)
{
    struct importer im;
    int rc = -1;
    memset(&im, 0, sizeof im);
    im.errs = errs;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        problem(&im, dir, 0, "not a readable folder");
        goto done;
    }
    for (int i = 0; i < T_COUNT; i++) {
        im.t[i].spec = &specs[i];
        read_table(&im, dir, i);
    }
    /* Later checks look ids up, so index every id table before any reference is checked. */
    index_ids(&im, &im.t[T_SOURCES]);
    index_ids(&im, &im.t[T_INDICATORS]);
    index_ids(&im, &im.t[T_REGIONS]);
    for (size_t r = 0; r < im.t[T_SOURCES].nrows; r++)
        check_nonempty(&im, &im.t[T_SOURCES], r, 1);
    check_indicators(&im);
    check_regions(&im);
    check_groups(&im);
    check_observations(&im);
    check_benchmarks(&im);
    check_neighbours(&im);
    if (im.nerrors == 0)
        write_db(&im, db_path);
done:
    if (im.nerrors > IMPORT_MAX_ERRORS)
        fprintf(errs, "... and %u more problems\n", im.nerrors - IMPORT_MAX_ERRORS);
    if (im.nerrors == 0)
        rc = 0;
    else
        fprintf(errs, "import failed: %u problem%s; %s was not changed\n", im.nerrors,
                im.nerrors == 1 ? "" : "s", db_path);
    for (int i = 0; i < T_COUNT; i++) {
        csv_close(&im.t[i].csv);
        free(im.t[i].path);
        free(im.t[i].cells);
        free(im.t[i].lines);
        idmap_free(&im.t[i].ids);
    }
    return rc;
}
