#!/usr/bin/env python3
"""Reference vectors for api/metrics/dagum.c: Dagum (1997) Gini decomposition, n^2 form.

Independent brute force: exact rational arithmetic (fractions.Fraction) over every ordered pair
of units, following Dagum's formulas literally; no sorting, no shortcut the C code uses.
Weights w_i (population) count unit i w_i times; without weights every unit counts once.

  mu_j   = sum_i w_i y_i / W_j                          (group mean)
  G      = sum_i sum_r w_i w_r |y_i - y_r| / (2 W^2 mu)  (total Gini)
  G_jh   = sum_{i in j} sum_{r in h} w_i w_r |y_i - y_r| / (W_j W_h (mu_j + mu_h))   (G_jj too)
  p_j    = W_j / W,  s_j = W_j mu_j / (W mu)
  d_jh   = sum sum w_i w_r (y_i - y_r) over y_i > y_r,  i in the richer group j, r in h, / (W_j W_h)
  p_jh   = sum sum w_i w_r (y_r - y_i) over y_r > y_i, / (W_j W_h)
  D_jh   = (d_jh - p_jh) / (d_jh + p_jh), richer group (higher mean) first; equal means or
           d + p = 0: D = 0
  Gw     = sum_j G_jj p_j s_j
  Gnb    = sum_{j<h} G_jh (p_j s_h + p_h s_j) D_jh
  Gt     = sum_{j<h} G_jh (p_j s_h + p_h s_j) (1 - D_jh)

Run from the repository root: python3 tests/metrics/references/gen_dagum.py
It reads data/ (gdp_per_capita and population of the 31 provinces, groups = the four
macro-regions) and writes tests/metrics/references/dagum_ref.h.
"""
import csv
import os
import sys
from fractions import Fraction as F

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(ROOT, "..", "..", ".."))


def dagum(y, g, w, k):
    n = len(y)
    w = [F(1)] * n if w is None else w
    W = sum(w)
    mu = sum(wi * yi for wi, yi in zip(w, y)) / W
    tot = sum(w[i] * w[r] * abs(y[i] - y[r]) for i in range(n) for r in range(n))
    G = tot / (2 * W * W * mu)
    Wg = [sum(w[i] for i in range(n) if g[i] == j) for j in range(k)]
    mug = [sum(w[i] * y[i] for i in range(n) if g[i] == j) / Wg[j] for j in range(k)]
    p = [Wg[j] / W for j in range(k)]
    s = [Wg[j] * mug[j] / (W * mu) for j in range(k)]

    def cross(j, h):
        """(sum of w w |y_i - y_r|, sum over y_i > y_r of w w (y_i - y_r)), i in j, r in h."""
        a = up = F(0)
        for i in range(n):
            if g[i] != j:
                continue
            for r in range(n):
                if g[r] != h:
                    continue
                d = y[i] - y[r]
                a += w[i] * w[r] * abs(d)
                if d > 0:
                    up += w[i] * w[r] * d
        return a, up

    groups = []
    Gw = F(0)
    for j in range(k):
        a, _ = cross(j, j)
        Gjj = a / (Wg[j] * Wg[j] * 2 * mug[j])
        Gw += Gjj * p[j] * s[j]
        groups.append(dict(n=sum(1 for x in g if x == j), mean=mug[j], p=p[j], s=s[j], gini=Gjj))
    pairs = []
    Gnb = Gt = F(0)
    for j in range(k):
        for h in range(j + 1, k):
            a, b = (j, h) if mug[j] >= mug[h] else (h, j)   # the richer first; ties: lower index
            tot_ab, up_ab = cross(a, b)
            Gjh = tot_ab / (Wg[a] * Wg[b] * (mug[a] + mug[b]))
            d = up_ab / (Wg[a] * Wg[b])
            pp = (tot_ab - up_ab) / (Wg[a] * Wg[b])
            D = F(0) if (mug[a] == mug[b] or d + pp == 0) else (d - pp) / (d + pp)
            wgt = p[j] * s[h] + p[h] * s[j]
            nb = Gjh * wgt * D
            tr = Gjh * wgt * (1 - D)
            Gnb += nb
            Gt += tr
            pairs.append(dict(a=a, b=b, gini=Gjh, D=D, nb=nb, tr=tr))
    assert G == Gw + Gnb + Gt, "Dagum identity"
    return dict(G=G, Gw=Gw, Gnb=Gnb, Gt=Gt, groups=groups, pairs=pairs)


def load_provinces(year):
    regions = []
    with open(os.path.join(REPO, "data", "regions.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "province":
                regions.append((row["id"], row["parent"]))
    parents = []
    for _, p in regions:
        if p not in parents:
            parents.append(p)
    vals = {}
    with open(os.path.join(REPO, "data", "observations.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["year"] == str(year) and row["indicator_id"] in ("gdp_per_capita", "population"):
                vals[(row["indicator_id"], row["region_id"])] = row["value"]
    y = [vals[("gdp_per_capita", r)] for r, _ in regions]
    w = [vals[("population", r)] for r, _ in regions]
    g = [parents.index(p) for _, p in regions]
    return [r for r, _ in regions], parents, y, w, g


def c_num(x):
    return repr(float(x))


def c_array(name, ctype, vals):
    body = ", ".join(vals)
    return "static const %s %s[] = {%s};\n" % (ctype, name, body)


def emit(out, name, y_text, w_text, g, k, res):
    out.write("/* %s */\n" % name)
    out.write("#define %s_N %d\n#define %s_K %d\n" % (name.upper(), len(y_text), name.upper(), k))
    out.write(c_array(name + "_x", "double", y_text))
    if w_text is not None:
        out.write(c_array(name + "_w", "double", w_text))
    out.write(c_array(name + "_group", "size_t", [str(x) for x in g]))
    out.write("static const double %s_total[5] = {%s, %s, %s, %s, %s}; /* G Gw Gnb Gt Gb */\n" % (
        name, c_num(res["G"]), c_num(res["Gw"]), c_num(res["Gnb"]), c_num(res["Gt"]),
        c_num(res["Gnb"] + res["Gt"])))
    out.write("static const double %s_shares[3] = {%s, %s, %s}; /* percent */\n" % (
        name, c_num(100 * res["Gw"] / res["G"]), c_num(100 * res["Gnb"] / res["G"]),
        c_num(100 * res["Gt"] / res["G"])))
    out.write("static const struct ref_group %s_groups[] = {\n" % name)
    for gr in res["groups"]:
        out.write("    {%d, %s, %s, %s, %s},\n" % (gr["n"], c_num(gr["mean"]), c_num(gr["p"]),
                                                   c_num(gr["s"]), c_num(gr["gini"])))
    out.write("};\n")
    out.write("static const struct ref_pair %s_pairs[] = {\n" % name)
    for pr in res["pairs"]:
        out.write("    {%d, %d, %s, %s, %s, %s},\n" % (pr["a"], pr["b"], c_num(pr["gini"]),
                                                       c_num(pr["D"]), c_num(pr["nb"]),
                                                       c_num(pr["tr"])))
    out.write("};\n\n")


def case(out, name, y_text, w_text, g, k):
    y = [F(v) for v in y_text]
    w = None if w_text is None else [F(v) for v in w_text]
    res = dagum(y, g, w, k)
    emit(out, name, y_text, w_text, g, k, res)
    return res


def main():
    path = os.path.join(ROOT, "dagum_ref.h")
    with open(path, "w") as out:
        out.write("/* Generated by tests/metrics/references/gen_dagum.py: do not edit. Exact\n"
                  " * rational brute force of Dagum (1997), printed with repr(). */\n"
                  "struct ref_group { size_t n; double mean, population_share, income_share, gini; };\n"
                  "/* a = the richer group (higher mean; equal means: the lower index), b the other;\n"
                  " * pairs in the order (j, h), j < h. */\n"
                  "struct ref_pair { size_t a, b; double gini, relative_affluence, net_between, "
                  "transvariation; };\n\n")
        # Hand case: group 0 is the poorest, group 1 the richest, so index order and wealth order
        # disagree for (0,1) and (0,2) but agree for (1,2); the groups overlap (transvariation).
        case(out, "small", ["3", "7", "1", "9", "12", "4", "6", "5", "8"], None,
             [0, 0, 0, 1, 1, 1, 2, 2, 2], 3)
        case(out, "small_w", ["3", "7", "1", "9", "12", "4", "6", "5", "8"],
             ["2", "0.5", "1", "3", "1", "0.25", "1.5", "2", "1"], [0, 0, 0, 1, 1, 1, 2, 2, 2], 3)
        # Equal means in groups 0 and 1 (D = 0); group 2 has one member (G_22 = 0).
        case(out, "ties", ["2", "6", "3", "5", "10"], None, [0, 0, 1, 1, 2], 3)
        for year in (2005, 2019):
            ids, parents, y, w, g = load_provinces(year)
            out.write("/* provinces %d: groups %s */\n" % (year, ", ".join(
                "%d = %s" % (i, p) for i, p in enumerate(parents))))
            case(out, "prov%d" % year, y, None, g, len(parents))
            case(out, "prov%d_w" % year, y, w, g, len(parents))
    print("wrote", path)


if __name__ == "__main__":
    sys.exit(main())
