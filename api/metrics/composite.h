/* api/metrics/composite.h — a composite index of several indicators: min-max normalisation,
 * entropy (or equal, or given) weights, the weighted score, TOPSIS and ranks. Arithmetic only.
 *
 * Matrices are row-major, ROWS x COLS: x[r * cols + c] is indicator c of row r (a region-year).
 * Which rows are passed decides pooled or by-year normalisation (all region-years at once, or
 * one year's rows per call). The usual chain:
 *   metrics_index_normalise(x, ...) -> z and ind[] (min, max, constant)
 *   metrics_index_entropy(z, ...)   -> ind[].entropy
 *   metrics_index_weights(ind, ...) -> w[]
 *   metrics_index_scores(z, w, ...) -> score[];  metrics_topsis(z, w, ...) -> closeness[]
 *   metrics_index_rank(score, ...)  -> rank[]
 * Nothing allocates for cols <= 64 and n <= 1024 rows to rank; beyond, one scratch block
 * freed before return. The caller owns every array. */
#ifndef PROSPERITY_METRICS_COMPOSITE_H
#define PROSPERITY_METRICS_COMPOSITE_H

#include <stddef.h>

#include "metrics.h"

struct metrics_index_indicator {
    double min, max; /* over the rows given */
    double entropy;  /* e, 0..1; 1 for a constant indicator (it carries no information) */
    int constant;    /* max == min: z = 0, weight 0 under every weighting; the caller warns */
};

enum metrics_index_weighting {
    METRICS_INDEX_ENTROPY, /* w = (1 - e) / sum (1 - e) */
    METRICS_INDEX_EQUAL,   /* 1 / (number of non-constant indicators) */
    METRICS_INDEX_GIVEN    /* the caller's weights, normalised to sum 1 */
};

/* z = (x - min) / (max - min) for direction[c] = +1 (higher is better), (max - x) / (max - min)
 * for -1; a constant indicator gets z = 0 and ind[c].constant = 1. Writes Z (rows x cols) and
 * IND[0..cols) (min, max, constant; entropy set to 1 until metrics_index_entropy). rows >= 2,
 * cols >= 1 (METRICS_E_TOO_FEW), finite x, directions +1 or -1 (METRICS_E_DOMAIN). Z may alias
 * X. */
METRICS_MUST_CHECK int metrics_index_normalise(const double *x, size_t rows, size_t cols,
                                               const int *direction, double *z,
                                               struct metrics_index_indicator *ind);

/* Entropy of each column of Z (z >= 0, METRICS_E_NONPOSITIVE otherwise): p = z / sum z,
 * e = -sum p ln p / ln rows, 0 ln 0 = 0; a column summing to 0 has e = 1. Writes only
 * IND[c].entropy. rows >= 2. Works on any non-negative matrix (the raw one gives the textbook
 * p = x / sum x). */
METRICS_MUST_CHECK int metrics_index_entropy(const double *z, size_t rows, size_t cols,
                                             struct metrics_index_indicator *ind);

/* W[0..cols) by WEIGHTING from IND (entropy and constant flags). Constant indicators get 0 and
 * the rest sum to 1. ENTROPY: w = (1 - e) / sum (1 - e) (1 - e below 0 by rounding counts as
 * 0). GIVEN: GIVEN[c] finite and >= 0 (METRICS_E_WEIGHTS), scaled to sum 1 over the
 * non-constant indicators, so 2,1,1 gives 0.5,0.25,0.25. Every indicator constant (or every
 * given weight of a non-constant one 0) is METRICS_E_DEGENERATE (METRICS_E_WEIGHTS). */
METRICS_MUST_CHECK int metrics_index_weights(const struct metrics_index_indicator *ind, size_t cols,
                                             enum metrics_index_weighting weighting,
                                             const double *given, double *w);

/* SCORE[r] = sum_c w[c] z[r][c], r < rows. Finite inputs. */
METRICS_MUST_CHECK int metrics_index_scores(const double *z, size_t rows, size_t cols,
                                            const double *w, double *score);

/* TOPSIS on v = w z: D+ and D- are the Euclidean distances of each row to the column maxima
 * and minima of v, CLOSENESS[r] = D- / (D+ + D-), 0..1, higher is better. D+ + D- = 0 (all
 * rows equal in every weighted column) gives 0.5: no row is closer to either. DPLUS and DMINUS
 * (rows each) may be NULL. rows >= 1, finite inputs, w >= 0. */
METRICS_MUST_CHECK int metrics_topsis(const double *z, size_t rows, size_t cols, const double *w,
                                      double *closeness, double *dplus, double *dminus);

/* RANK[i] = 1 + the number of values greater than v[i]: 1 = highest, ties share the lowest
 * rank number (3, 1, 3, 2 -> 1, 4, 1, 3), equality exact. O(n log n); an insertion sort up to
 * 64 values. Finite v. */
METRICS_MUST_CHECK int metrics_index_rank(const double *v, size_t n, size_t *rank);

#endif
