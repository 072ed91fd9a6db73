#!/usr/bin/env python3
"""The summary of an alternated A/B benchmark (Benchmarks/metrics-overhead.sh,
Benchmarks/console-index-cost.sh): arguments LABEL_A LABEL_B "A_RPS…" "B_RPS…" [GOAL].

Prints both medians, their ratio, and the median of the rounds' own ratios (each round ran A and
B in the same minutes, so that one is the steadier figure on a noisy machine).
"""
import statistics
import sys

label_a, label_b = sys.argv[1], sys.argv[2]
a = [float(x) for x in sys.argv[3].split()]
b = [float(x) for x in sys.argv[4].split()]
goal = f" (goal >= {sys.argv[5]})" if len(sys.argv) > 5 else ""
median_a, median_b = statistics.median(a), statistics.median(b)
paired = statistics.median(x / y for x, y in zip(a, b))
print(f"median: {label_a} {median_a:.0f} req/s, {label_b} {median_b:.0f} req/s; {label_a} / {label_b} = {median_a / median_b:.3f}; "
      f"median of the rounds' ratios = {paired:.3f}{goal}")
