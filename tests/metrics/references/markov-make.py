#!/usr/bin/env python3
"""tests/metrics/references/markov-make.py — reference values for tests/metrics/test_markov.c.

An independent re-computation (numpy 1.24, scipy 1.10; Debian 12's python3-numpy and
python3-scipy) of what PySAL giddy's Markov and Spatial_Markov compute, written from giddy's
documented algorithm (giddy/markov.py): mapclassify.Quantiles bins (numpy type-7 percentiles,
np.unique, right-closed bins), transition counts t -> t+1, row-normalised probabilities, the
spatial lag with row-standardised weights, Bickenbach-Bode Q, LR and dof as giddy's
Homogeneity_Results. Steady states come from eigenvectors (numpy.linalg.eig) of each closed
class, a different method from the C code's elimination. p-values: scipy.stats.chi2.sf.

Inputs: markov-usjoin.csv and markov-states48.gal (copied from the PySAL example data,
pysal/pysal pysal/examples/us_income/usjoin.csv and pysal/examples/states48.gal) and, for
the Chinese case, DATA_DIR/{regions,neighbours,observations}.csv (default /work/shared/data).
Run from this folder: python3 markov-make.py [DATA_DIR] > markov-expected.h
"""
import csv
import sys

import numpy as np
from scipy import stats

DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"


def f(v):
    return ", ".join("%.17g" % x for x in np.asarray(v, dtype=float).ravel())


def quantile_cuts(x, k):
    q = np.unique(np.percentile(np.asarray(x, float), [100.0 * j / k for j in range(1, k + 1)]))
    return q[:-1]  # the last bin edge is the maximum


def classify(x, cuts):
    return np.searchsorted(np.asarray(cuts), np.asarray(x), side="left")  # right-closed


def transitions(ids, k):
    T = np.zeros((k, k))
    for t in range(ids.shape[0] - 1):
        for a, b in zip(ids[t], ids[t + 1]):
            T[a, b] += 1
    return T


def probabilities(T):
    rs = T.sum(axis=1)
    return T / np.where(rs == 0, 1, rs)[:, None]


def steady_states(P):
    k = P.shape[0]
    P = P.copy()
    for i in range(k):
        if P[i].sum() == 0:
            P[i, i] = 1
    R = (P > 0) | np.eye(k, dtype=bool)
    for m in range(k):
        R = R | (R[:, [m]] & R[[m], :])
    out, seen = [], set()
    for i in range(k):
        if i in seen:
            continue
        cls = [j for j in range(k) if R[i, j] and R[j, i]]
        seen.update(cls)
        if any(R[i, j] and not R[j, i] for j in range(k)):
            continue
        sub = P[np.ix_(cls, cls)]
        vals, vecs = np.linalg.eig(sub.T)
        v = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
        v = v / v.sum()
        full = np.zeros(k)
        full[cls] = v
        out.append(full)
    return np.array(out)


def homogeneity(Ts):
    M = np.array(Ts)
    T = M.sum(axis=0)
    n_i = T.sum(axis=1)
    A_i = (T > 0).sum(axis=1)
    p_ij = T / np.where(n_i == 0, 1, n_i)[:, None]
    den = np.where(p_ij == 0, 1, p_ij)
    b_i = np.zeros(T.shape[0])
    Q = LR = 0.0
    for nijm in M:
        nim = nijm.sum(axis=1)
        b_i += nim > 0
        p_ijm = nijm / np.where(nim == 0, 1, nim)[:, None]
        Q += (nim[:, None] * (p_ijm - p_ij) ** 2 / den).sum()
        mask = (nijm > 0) & (p_ij > 0)
        LR += (nijm[mask] * np.log(p_ijm[mask] / p_ij[mask])).sum()
    dof = int(sum((b - 1) * (a - 1) for b, a in zip(b_i, A_i) if b > 0 and a > 0))
    LR *= 2
    return Q, LR, dof, stats.chi2.sf(Q, dof), stats.chi2.sf(LR, dof)


def lag(W, y):  # y: years x n; W: list of neighbour lists
    out = np.zeros_like(y)
    for i, nb in enumerate(W):
        if nb:
            out[:, i] = y[:, nb].mean(axis=1)
    return out


def emit_chain(name, ids, k):
    T = transitions(ids, k)
    P = probabilities(T)
    S = steady_states(P)
    print("static const double %s_transitions[] = {%s};" % (name, f(T)))
    print("static const double %s_p[] = {%s};" % (name, f(P)))
    print("static const size_t %s_n_recurrent = %d;" % (name, len(S)))
    print("static const double %s_steady[] = {%s};" % (name, f(S)))
    return T


def emit_spatial(name, y, W, k, m, cuts=None, lag_cuts=None):
    ly = lag(W, y)
    if cuts is None:
        cuts = quantile_cuts(y.ravel(), k)
    if lag_cuts is None:
        lag_cuts = quantile_cuts(ly.ravel(), m)
    ids, lids = classify(y, cuts), classify(ly, lag_cuts)
    k, m = len(cuts) + 1, len(lag_cuts) + 1
    print("/* %s: k = %d, m = %d */" % (name, k, m))
    print("static const double %s_cuts[] = {%s};" % (name, f(cuts)))
    print("static const double %s_lag_cuts[] = {%s};" % (name, f(lag_cuts)))
    emit_chain(name + "_pooled", ids, k)
    Ts = []
    for l in range(m):
        T = np.zeros((k, k))
        for t in range(y.shape[0] - 1):
            for i in range(y.shape[1]):
                if lids[t, i] == l:
                    T[ids[t, i], ids[t + 1, i]] += 1
        Ts.append(T)
        P = probabilities(T)
        S = steady_states(P)
        print("static const double %s_T%d[] = {%s};" % (name, l, f(T)))
        print("static const double %s_P%d[] = {%s};" % (name, l, f(P)))
        print("static const size_t %s_S%d_n = %d;" % (name, l, len(S)))
        print("static const double %s_S%d[] = {%s};" % (name, l, f(S)))
    Q, LR, dof, qp, lp = homogeneity(Ts)
    print("static const double %s_hom[] = {%s};" % (name, f([Q, LR, dof, qp, lp])))


print("/* Generated by markov-make.py (numpy %s, scipy %s) - do not edit. Matrices row by row. */"
      % (np.__version__, __import__("scipy").__version__))
with open("markov-usjoin.csv") as fh:
    rows = list(csv.reader(fh))
pci = np.array([[float(v) for v in r[2:]] for r in rows[1:]]).T  # years x 48
rpci = pci / pci.mean(axis=1)[:, None]
with open("markov-states48.gal") as fh:
    lines = fh.read().split("\n")
W = [None] * 48
for a in range(48):
    head = lines[1 + 2 * a].split()
    W[int(head[0])] = [int(v) for v in lines[2 + 2 * a].split()]

print("/* usjoin.csv: 48 states x 81 years (1929-2009), year by year */")
print("static const double us_pci[] = {%s};" % f(pci))
print("static const size_t us_offsets[] = {%s};"
      % ", ".join(str(v) for v in np.cumsum([0] + [len(v) for v in W])))
print("static const size_t us_neighbours[] = {%s};" % ", ".join(str(j) for v in W for j in v))

# giddy Markov docstring: per-year quintiles of the nominal incomes
q5 = np.array([classify(y, quantile_cuts(y, 5)) for y in pci])
emit_chain("us_q5", q5, 5)
# pooled quintiles of relative incomes
emit_chain("us_rq5", classify(rpci, quantile_cuts(rpci.ravel(), 5)), 5)
emit_spatial("us_k5m5", rpci, W, 5, 5)
emit_spatial("us_k5m4", rpci, W, 5, 4)
emit_spatial("us_k4m4", rpci, W, 4, 4)
cc = np.array([0.8, 0.9, 1, 1.2])
emit_spatial("us_cc", rpci, W, 5, 5, cc, cc)

# the 31 provinces' GDP per capita relative to the yearly mean, 2005-2024, k = m = 4
with open(DATA + "/regions.csv") as fh:
    prov = sorted(r["id"] for r in csv.DictReader(fh) if r["kind"] == "province")
idx = {p: i for i, p in enumerate(prov)}
Wc = [[] for _ in prov]
with open(DATA + "/neighbours.csv") as fh:
    for r in csv.DictReader(fh):
        a, b = idx[r["region_id"]], idx[r["neighbour_id"]]
        Wc[a].append(b)
        Wc[b].append(a)
Wc = [sorted(v) for v in Wc]
years = list(range(2005, 2025))
gdp = np.full((len(years), len(prov)), np.nan)
with open(DATA + "/observations.csv") as fh:
    for r in csv.DictReader(fh):
        if r["indicator_id"] == "gdp_per_capita" and r["region_id"] in idx:
            y = int(r["year"])
            if y in years:
                gdp[years.index(y), idx[r["region_id"]]] = float(r["value"])
assert not np.isnan(gdp).any()
print("/* provinces: %s; years 2005-2024 */" % ", ".join(prov))
print("static const double china_gdp[] = {%s};" % f(gdp))
print("static const size_t china_offsets[] = {%s};"
      % ", ".join(str(v) for v in np.cumsum([0] + [len(v) for v in Wc])))
print("static const size_t china_neighbours[] = {%s};" % ", ".join(str(j) for v in Wc for j in v))
emit_spatial("china_k4m4", gdp / gdp.mean(axis=1)[:, None], Wc, 4, 4)
