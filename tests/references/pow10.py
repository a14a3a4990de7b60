#!/usr/bin/env python3
"""Writes api/pow10.h: 10^k as double-double pairs (hi + lo, each rounded to nearest, so the pair
is within 2^-106 of 10^k relative), for fmt_double's scaling of any finite double to 15 digits.

Exact rational arithmetic (fractions.Fraction): hi is 10^k rounded to the nearest double, lo the
exact remainder 10^k - hi rounded to the nearest double. Entries whose 10^k does not fit a
double's normal range are kept scaled by a power of two (the reader scales its operand the other
way, which is exact):
    k >  POW10_SCALE_UP   (tiny operands):  10^k * 2^-128
    k <  POW10_SCALE_DOWN (huge operands):  10^k * 2^128
Run: python3 tests/references/pow10.py | clang-format --assume-filename=api/pow10.h > api/pow10.h
"""
from fractions import Fraction

KMIN, KMAX = -300, 345
UP, DOWN = 290, -270  # thresholds on k for the scaled entries


def scale(k):
    return Fraction(1, 2**128) if k > UP else Fraction(2**128) if k < DOWN else Fraction(1)


print("/* Made by tests/references/pow10.py (exact rationals), then clang-format: do not edit. */")
print("#ifndef PROSPERITY_POW10_H")
print("#define PROSPERITY_POW10_H")
print()
print(f"#define POW10_MIN {KMIN}")
print(f"#define POW10_MAX {KMAX}")
print(f"#define POW10_SCALE_UP {UP}   /* k above: the entry is 10^k * 2^-128 */")
print(f"#define POW10_SCALE_DOWN {DOWN} /* k below: the entry is 10^k * 2^128 */")
print()
print("/* 10^k (scaled as above) = hi + lo, index k - POW10_MIN */")
print("static const struct pow10_dd {")
print("    double hi, lo;")
print("} pow10_dd[] = {")
for k in range(KMIN, KMAX + 1):
    exact = Fraction(10) ** k * scale(k)
    hi = float(exact)  # Fraction -> float rounds to nearest (ties to even) in CPython
    lo = float(exact - Fraction(hi))
    assert abs(hi) > 2.0 ** -1022 and (lo == 0 or abs(lo) > 2.0 ** -1022), k
    assert abs(exact - Fraction(hi) - Fraction(lo)) <= exact * Fraction(1, 2**106), k
    print(f"    {{{hi.hex()}, {lo.hex()}}}, /* 1e{k} */")
print("};")
print()
print("#endif")
