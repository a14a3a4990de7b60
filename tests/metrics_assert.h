/* tests/metrics_assert.h — the assertions every metrics suite uses (Check), so reference
 * vectors are compared the same way everywhere. */
#ifndef PROSPERITY_METRICS_ASSERT_H
#define PROSPERITY_METRICS_ASSERT_H

#include <check.h>
#include <math.h>

#include "metrics.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= rel |want|: for reference values printed with 15 or more digits. */
#define ASSERT_REL(got, want, rel)                                                                 \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        ck_assert_msg(fabs(g_ - w_) <= (rel)*fabs(w_), "%s = %.17g, want %.17g (rel %g)", #got,    \
                      g_, w_, (double)(rel));                                                      \
    } while (0)

/* |got - want| <= tol: for values printed with fewer digits (half a unit of the last digit). */
#define ASSERT_ABS(got, want, tol)                                                                 \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        ck_assert_msg(fabs(g_ - w_) <= (tol), "%s = %.17g, want %.17g (tol %g)", #got, g_, w_,     \
                      (double)(tol));                                                              \
    } while (0)

/* A metrics call that must succeed. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == METRICS_OK, "%s returned %d (%s)", #call, rc_,                        \
                      metrics_strerror(rc_));                                                      \
    } while (0)

#endif
