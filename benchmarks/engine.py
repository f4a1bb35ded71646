"""The factor-once engine against a bare inverse and against the dense path, in one process.

For each table (WIOD 2013's 2011 table, GN = 1435; synthetic tables of GN =
2464 and 3645; with ``--gloria`` one of 164 x 120 = 19,680 rows) this prints
and writes to ``benchmarks/ENGINE.md``:

- the least wall time over ``--repeat`` rounds of a bare
  ``numpy.linalg.inv(I - A)`` of the table's matrix (I - A built outside the
  timing), the reference of every ratio; each round times the inverse and
  then every method, so that all see the same spells of load;
- per method, end to end from the loaded table (core built inside the timing,
  as a user's first call): least wall time and its ratio to the bare inverse,
  with the engine and with the dense path (the same code with the engine's
  solves, diagonal blocks and V B routed through the dense inverse B, as the
  package computed them before the engine: B from the LU by a solve with the
  identity, then products with it);
- peak memory of table + core + one method, excluding the result: the
  table's Z and Y, plus the tracemalloc peak of the call less what the call
  still holds at its end (the result), in units of GN² float64 (8 GN² bytes).
  numba kernels' own allocations are not seen (they are O(GN G'), small).

Usage: ``python benchmarks/engine.py [--repeat 3] [--gloria] [--no-dense-gloria]``.
Machine, date and load averages (2 cores shared with other work: the ratios
are measured in the same run, so they are steadier than the seconds) are
written with the results.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path

import numpy as np

import gvcdecomp as gd
# the engine's solves, blocks and V B through the dense B (the path before the engine)
from gvcdecomp.core import dense_solves as dense_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import fresh, traced  # noqa: E402
from synthetic import synthetic_table  # noqa: E402

METHODS = {
    "wwz": lambda t: gd.decompose(t, "wwz"),
    "kww": lambda t: gd.decompose(t, "kww"),
    "tiva": lambda t: gd.indicators.tiva(t),
    "bm": lambda t: gd.decompose(t, "bm"),
    "leontief": lambda t: gd.decompose(t, "leontief"),
    # every method of the table from one factorisation, as decompose(table, [...]) shares it
    "all": lambda t: (gd.decompose(t, list(DEFAULT)), gd.indicators.tiva(t)),
}
#: The default methods, run together on every year of a panel.
DEFAULT = ("wwz", "kww", "bm", "leontief")
#: Methods run at the GLORIA size, and those whose dense path is measured there
#: (each dense run costs about an inverse: 10 minutes or more on this machine).
GLORIA_METHODS, GLORIA_DENSE = ("wwz", "bm", "kww"), ("wwz",)


def least_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        del out
    gc.collect()
    return best


def peak_gn2(table, fn) -> float:
    """(table's Z and Y + tracemalloc peak of fn() - what fn's result holds) / 8 GN²."""
    _, peak, current = traced(fn)
    return (table.Z.nbytes + table.Y.nbytes + peak - current) / (8.0 * table.n**2)


def bench(name, table, repeat, methods, dense_methods, once=False):
    """Rounds of (bare inverse, each method with the engine, with the dense path):
    the least of each over the rounds, so that every timing sees the same spells
    of load on a shared machine; memory from one further traced run each."""
    print(f"\n{name}: GN = {table.n} (load {os.getloadavg()[0]:.2f})", flush=True)
    x = table.x
    M = -(table.Z * np.divide(1.0, x, out=np.zeros_like(x), where=x > 0))
    M[np.diag_indices_from(M)] += 1.0
    hold = [M]  # dropped after the inverse's last run: I − A is GN² that the methods must not share
    del M
    runs = [("inv", None, lambda: np.linalg.inv(hold[0]), False)]
    for m in methods:
        runs.append((m, "engine_s", METHODS[m], False))
        if m in dense_methods:
            runs.append((m, "dense_s", METHODS[m], True))
    if once:
        return bench_once(name, table, hold, runs)
    best = {}
    for _ in range(repeat):
        for m, key, fn, dense in runs:
            with dense_path() if dense else nullcontext():
                call = fn if key is None else (lambda fn=fn: fn(fresh(table)))
                t = least_time(call, 1)
            best[m, key] = min(best.get((m, key), float("inf")), t)
    hold.clear()
    inv = best["inv", None]
    print(f"  bare inv {inv:.3f} s", flush=True)
    rows = []
    for m in methods:
        r = {"method": m, "engine_s": best[m, "engine_s"]}
        r["engine_mem"] = peak_gn2(table, lambda: METHODS[m](fresh(table)))
        if m in dense_methods:
            r["dense_s"] = best[m, "dense_s"]
            with dense_path():
                r["dense_mem"] = peak_gn2(table, lambda: METHODS[m](fresh(table)))
        rows.append(r)
        print(
            f"  {m:9s} engine {r['engine_s']:.3f} s = {r['engine_s'] / inv:.3f} x inv, "
            f"{r['engine_mem']:.2f} GN²"
            + (f" | dense {r['dense_s']:.3f} s = {r['dense_s'] / inv:.3f} x inv, {r['dense_mem']:.2f} GN²"
               if "dense_s" in r else ""),
            flush=True,
        )  # fmt: skip
    return {"name": name, "n": table.n, "inv": inv, "rows": rows, "load": os.getloadavg()}


def bench_once(name, table, hold, runs):
    """One traced run of each (inverse, methods): time and memory from the same
    run, for tables where every run costs minutes (tracemalloc's overhead is
    per allocation, negligible beside GN³ work). Each line is printed as it
    comes, so a stopped run keeps what it measured."""
    best, mem = {}, {}
    for m, key, fn, dense in runs:
        call = (lambda: fn()) if key is None else (lambda fn=fn: fn(fresh(table)))
        with dense_path() if dense else nullcontext():
            t0 = time.perf_counter()
            _, peak, current = traced(call)
            best[m, key] = time.perf_counter() - t0
        if key is None:
            hold.clear()
        mem[m, key] = (table.Z.nbytes + table.Y.nbytes + peak - current) / (8.0 * table.n**2)
        print(f"  {m} {key or ''}: {best[m, key]:.1f} s, {mem[m, key]:.2f} GN² "
              f"(load {os.getloadavg()[0]:.2f})", flush=True)  # fmt: skip
    inv = best["inv", None]
    rows = []
    for m in dict.fromkeys(m for m, key, _, _ in runs if key):
        r = {"method": m, "engine_s": best[m, "engine_s"], "engine_mem": mem[m, "engine_s"]}
        if (m, "dense_s") in best:
            r["dense_s"], r["dense_mem"] = best[m, "dense_s"], mem[m, "dense_s"]
        rows.append(r)
    return {"name": name, "n": table.n, "inv": inv, "inv_mem": mem["inv", None], "rows": rows,
            "load": os.getloadavg()}


def bench_panel(name, tables):
    """Every year of a panel, loaded beforehand: the bare inverses, and the default
    methods in one ``decompose(table, [...])`` call with the engine and with the
    dense path, each year's three timed one after the other; seconds summed."""
    print(f"\n{name}: {len(tables)} years (load {os.getloadavg()[0]:.2f})", flush=True)
    total = {"inv": 0.0, "engine": 0.0, "dense": 0.0}
    for t in tables:
        x = t.x
        M = -(t.Z * np.divide(1.0, x, out=np.zeros_like(x), where=x > 0))
        M[np.diag_indices_from(M)] += 1.0
        total["inv"] += least_time(lambda: np.linalg.inv(M), 1)
        del M
        total["engine"] += least_time(lambda: gd.decompose(fresh(t), list(DEFAULT)), 1)
        with dense_path():
            total["dense"] += least_time(lambda: gd.decompose(fresh(t), list(DEFAULT)), 1)
    print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in total.items()), flush=True)
    return {"name": name, "years": len(tables), "n": tables[0].n, **total, "load": os.getloadavg()}


def markdown_panels(panels) -> list:
    out = [
        "## Panels: every year, the default methods in one call",
        "",
        f"`decompose(table, {list(DEFAULT)})` per year (tables loaded beforehand, not "
        "timed; core built inside the timing), with the engine and with the dense path; "
        "seconds summed over the years, ratios to the sum of the years' bare inverses.",
        "",
        "| panel | years | GN | Σ bare inv (s) | engine (s) | ÷ inv | dense path (s) | ÷ inv | load averages |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in panels:
        out.append(
            f"| {p['name']} | {p['years']} | {p['n']:,} | {p['inv']:.2f} | {p['engine']:.2f} | "
            f"{p['engine'] / p['inv']:.3f} | {p['dense']:.2f} | {p['dense'] / p['inv']:.3f} | "
            + " ".join(f"{x:.2f}" for x in p["load"]) + " |"
        )
    return out + [""]


def markdown(results, repeat) -> str:
    f = lambda x: "—" if x is None else f"{x:.3f}"  # noqa: E731
    out = [
        "# The factor-once engine: benchmark",
        "",
        f"Written by `python benchmarks/engine.py` on {datetime.date.today()}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}. "
        f"Least of {repeat} rounds (1 at GN = 19,680), each round timing the inverse "
        "and then every method. The machine is shared: load "
        "averages (1, 5, 15 min) are recorded per table; ratios are to a bare "
        "`numpy.linalg.inv(I − A)` of the same matrix timed in the same run.",
        "",
        "End to end = from a loaded table, the core (LU, or before: LU and inverse) "
        "built inside the timing. *Dense path* = the same code with the engine's "
        "solves, diagonal blocks and V B taken from the dense B (as before the "
        "engine). Memory = table (Z, Y) + peak of the call − its result, in GN² "
        "float64.",
        "",
    ]
    for res in results:
        out += [
            f"## {res['name']}: GN = {res['n']:,}",
            "",
            f"Bare inverse {res['inv']:.3f} s"
            + (f" (memory {res['inv_mem']:.2f} GN², counted as for the methods; one traced run of each)"
               if "inv_mem" in res else "")
            + "; load averages " + " ".join(f"{x:.2f}" for x in res["load"]) + ".",
            "",
            "| method | engine (s) | ÷ inv | memory (GN²) | dense path (s) | ÷ inv | memory (GN²) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in res["rows"]:
            d, dm = r.get("dense_s"), r.get("dense_mem")
            out.append(
                f"| {r['method']} | {f(r['engine_s'])} | {f(r['engine_s'] / res['inv'])} | "
                f"{r['engine_mem']:.2f} | {f(d)} | {f(d / res['inv'] if d else None)} | "
                f"{'—' if dm is None else f'{dm:.2f}'} |"
            )
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gloria", action="store_true", help="also 164 x 120 = 19,680 rows")
    ap.add_argument("--no-dense-gloria", action="store_true", help="skip the dense path at 19,680")
    ap.add_argument("--only-gloria", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).with_name("ENGINE.md")))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    results = []
    if not args.only_gloria:
        tables = [
            ("WIOD 2013, 2011", lambda: gd.load_wiod2013(2011)),
            ("synthetic 44 x 56", lambda: synthetic_table(44, 56)),
            ("synthetic 81 x 45", lambda: synthetic_table(81, 45)),
        ]
        for name, load in tables:
            t = load()
            results.append(bench(name, t, args.repeat, list(METHODS), list(METHODS)))
            del t
        # EORA26's size: one traced run of each step (an inverse costs seconds here)
        t = synthetic_table(190, 26)
        results.append(bench("EORA26-sized synthetic 190 x 26", t, 1, list(METHODS), list(METHODS), once=True))
        del t
        panels = [
            bench_panel("WIOD 2013, 1995–2011", [gd.load_wiod2013(y) for y in range(1995, 2012)]),
            bench_panel("long-run WIOD, 1965–2000", [gd.load_wiod_longrun(y) for y in range(1965, 2001)]),
        ]
    if args.gloria or args.only_gloria:
        t = synthetic_table(164, 120)
        dense = () if args.no_dense_gloria else GLORIA_DENSE
        results.append(bench("GLORIA-sized synthetic 164 x 120", t, 1, list(GLORIA_METHODS), dense, once=True))
    text = markdown(results, args.repeat)
    if not args.only_gloria:
        text += "\n" + "\n".join(markdown_panels(panels))
    Path(args.out).write_text(text + "\n")
    print("\n" + text)


if __name__ == "__main__":
    main()
