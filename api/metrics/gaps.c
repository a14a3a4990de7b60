/* api/metrics/gaps.c — two values: ratio, difference, relative gap, growth, multiple, CAGR,
 * percentage points: arithmetic only (no JSON, no I/O, no regions).
 *
 * Every public function validates all of its inputs before it computes anything, computes into
 * locals, and writes *OUT only after checking that each result is finite. A result that is
 * not finite despite finite inputs (an overflow) is reported as METRICS_E_DOMAIN. */
#include "metrics/core.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- two values ---- */

int metrics_ratio(double a, double b, double *out)
{
    if (!out || !isfinite(a) || !isfinite(b))
        return METRICS_E_DOMAIN;
    if (b == 0)
        return METRICS_E_ZERO;
    return metrics_finish(a / b, out);
}

int metrics_difference(double a, double b, double *out)
{
    if (!out || !isfinite(a) || !isfinite(b))
        return METRICS_E_DOMAIN;
    return metrics_finish(a - b, out);
}

/* SCALE (to - from) / from. The difference form rounds once on exact data (100 -> 121 gives 21
 * per cent, where 100 (1.21 - 1) gives 20.999999999999996); it overflows only when both values
 * are near DBL_MAX with opposite signs, and then the quotient form takes over. */
static int relative_change(double from, double to, double scale, double *out)
{
    if (!out || !isfinite(from) || !isfinite(to))
        return METRICS_E_DOMAIN;
    if (from == 0)
        return METRICS_E_ZERO;
    double r = scale * (to - from) / from;
    if (!isfinite(r))
        r = scale * (to / from - 1.0);
    return metrics_finish(r, out);
}

int metrics_relative_gap(double ref, double x, double *out)
{
    /* (ref - x) / ref = -(x - ref) / ref; the negation is exact. */
    return relative_change(ref, x, -1.0, out);
}

int metrics_growth_pct(double v0, double v1, double *out)
{
    return relative_change(v0, v1, 100.0, out);
}

int metrics_multiple(double v0, double v1, double *out)
{
    return metrics_ratio(v1, v0, out);
}

int metrics_cagr(double v0, double v1, double years, double *out)
{
    if (!out || !isfinite(v0) || !isfinite(v1) || !isfinite(years) || !(years > 0))
        return METRICS_E_DOMAIN;
    if (!(v0 > 0) || v1 < 0)
        return METRICS_E_NONPOSITIVE;
    if (v1 == 0)
        return metrics_finish(-1.0, out);
    /* expm1(log1p(.)) rather than pow(v1 / v0, 1 / T) - 1: a rate of a few per cent keeps all
     * its digits instead of losing them to the subtraction of 1. */
    double growth = log1p((v1 - v0) / v0);
    if (!isfinite(growth))
        growth = log(v1) - log(v0);
    return metrics_finish(expm1(growth / years), out);
}

int metrics_pp_change(double p0, double p1, double *out)
{
    return metrics_difference(p1, p0, out);
}
