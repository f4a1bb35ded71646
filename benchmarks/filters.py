"""Seconds of decompose with and without exporter= on WIOD 2013, 2011 (issue #15 §4).

Each timing starts from a fresh table whose Leontief core (the LU, shared by
every method and by both calls) is already computed, so that it measures what
the filter saves: WWZ's kernel over the asked exporter's rows and its solves for
that exporter's final-demand columns (no diagonal blocks of B); Leontief's
columns of B for that exporter (no dense B); KWW and BM compute everything and
select. Best of ``--repeat`` runs. Run: python benchmarks/filters.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import gvcdecomp as gd

CASES = [
    ("wwz", {}),
    ("leontief", {"post": "exports"}),
    ("leontief", {"post": "final"}),
    ("kww", {}),
    ("bm", {"approach": "source", "perspective": "exporter"}),
]


def seconds(method, options, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = gd.load_wiod2013(2011)
        t.core  # the factorisation: the same with or without a filter
        start = time.perf_counter()
        gd.decompose(t, method, **options)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--exporter", default="USA")
    args = ap.parse_args()
    gd.decompose(gd.load_wiod2013(2011), "wwz", exporter=args.exporter)  # compile the kernel
    print(f"{'method':<32} {'all (s)':>9} {args.exporter + ' (s)':>9} {'ratio':>7}")
    for method, options in CASES:
        full = seconds(method, options, args.repeat)
        one = seconds(method, {**options, "exporter": args.exporter}, args.repeat)
        label = method + "".join(f" {k}={v}" for k, v in options.items())
        print(f"{label:<32} {full:9.3f} {one:9.3f} {full / one:7.1f}")


if __name__ == "__main__":
    main()
