#!/usr/bin/env python3
"""Writes api/pow10.h: 10^k as 128-bit significands with binary exponents, for fmt_double's
scaling of any finite double to 15 digits in integer arithmetic.

For each k, exact integer arithmetic: s = floor(log2(10^k)) - 127 and P = 10^k / 2^s rounded to
the nearest integer (ties to even), so 2^127 <= P < 2^128 and 10^k = P * 2^s within 2^-128
relative. P is written as two 64-bit halves (hi, lo) and s beside them.
The range covers the decimal exponents of every finite double: fmt_double scales |x| by 10^k
with k = 14 - e, e = floor(log10 of its leading binary power) from -324 to 308.
Run: python3 tests/references/pow10.py | clang-format --assume-filename=api/pow10.h > api/pow10.h
"""
from fractions import Fraction

KMIN, KMAX = -300, 345


def significand(k):
    exact = Fraction(10) ** k
    s = exact.numerator.bit_length() - exact.denominator.bit_length()
    # floor(log2(exact)): 2^s <= exact < 2^(s+1) after the correction
    if Fraction(2) ** s > exact:
        s -= 1
    assert Fraction(2) ** s <= exact < Fraction(2) ** (s + 1)
    s -= 127
    scaled = exact / Fraction(2) ** s  # in [2^127, 2^128)
    p = round(scaled)  # Fraction round: to nearest, ties to even
    if p == 2**128:  # cannot happen for 10^k, kept as a guard
        p //= 2
        s += 1
    assert 2**127 <= p < 2**128
    assert abs(Fraction(p) - scaled) <= Fraction(1, 2)
    return p, s


print("/* Made by tests/references/pow10.py (exact integers), then clang-format: do not edit. */")
print("#ifndef PROSPERITY_POW10_H")
print("#define PROSPERITY_POW10_H")
print()
print("#include <stdint.h>")
print()
print(f"#define POW10_MIN {KMIN}")
print(f"#define POW10_MAX {KMAX}")
print()
print("/* 10^k = (hi 2^64 + lo) 2^exp within 2^-128 relative, hi >= 2^63; index k - POW10_MIN */")
print("static const struct pow10_m {")
print("    uint64_t hi, lo;")
print("} pow10_m[] = {")
exps = []
for k in range(KMIN, KMAX + 1):
    p, s = significand(k)
    exps.append(s)
    print(f"    {{0x{p >> 64:016x}u, 0x{p & (2**64 - 1):016x}u}}, /* 1e{k} */")
print("};")
print()
print("static const int16_t pow10_exp[] = {")
print("    " + ", ".join(str(s) for s in exps) + ",")
print("};")
print()
print("#endif")
