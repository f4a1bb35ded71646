"""Benchmark suite of gvcdecomp: time and memory of every method against a bare inverse.

Usage::

    python benchmarks/run.py [--quick] [--out benchmarks/RESULTS.md]

Prints a Markdown report (and writes it to ``--out``): the machine; the real
WIOD 2013 tables (``$GVCDECOMP_DATA_DIR/wiod2013``, default ``../shared/data``
next to the repository) — one year method by method and the 17-year panel end
to end; the 36-year long-run WIOD panel (``wiod_longrun``); numba compilation;
synthetic tables up to GN = 9800 with peak memory and fitted scaling exponents;
the performance targets, met or missed.

Every time is a wall-clock ``time.perf_counter`` interval, the minimum of
``repeat`` runs (``timeit``'s convention: on a shared machine the other runs
measure the neighbours' load, not the code), and every ratio divides by the time of a bare
``numpy.linalg.inv(I - A)`` of the same matrix measured in the same run, so
ratios are comparable across machines and loads. "End to end" starts from a
table whose Leontief core is not yet computed (the user's cost of one call);
"method only" reuses a cached ``table.core``. Methods are called through
``gd.decompose`` (with the library's thread coordination, gvcdecomp/threads.py)
unless a row says otherwise. Nothing here asserts a speed.

What is timed is stated in the report's first section ("What is timed"): all
in-process times are taken after ``import gvcdecomp``, with the numba cache and
the parsed-table cache warm (both filled by an untimed first pass), with every
core usable (2 threads on the reference machine) unless a column says
"1 thread"; the whole-process panel times run ``python -c`` as a user does,
import and interpreter start included. The load average (``os.getloadavg``) is
recorded at the start, at the end and beside every whole-process measurement.
"""

from __future__ import annotations

import argparse
import copy
import gc
import inspect
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from functools import cached_property
from pathlib import Path

from contextlib import contextmanager

import numba
import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
# Benchmark the checkout this script sits in, not another installed copy.
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import gvcdecomp as gd  # noqa: E402
from gvcdecomp.methods import METHODS  # noqa: E402
from synthetic import synthetic_table  # noqa: E402

MB = 2**20

#: Synthetic sizes (G, N): GN = 1435 (WIOD 2013), 2464 (WIOD 2016), 3645 (OECD ICIO
#: 2018), 7987 (EORA-like), 9800; --quick uses tiny ones.
SIZES = [(41, 35), (44, 56), (81, 45), (49, 163), (49, 200)]
QUICK_SIZES = [(4, 15), (10, 30)]
#: Above this GN an inverse takes tens of seconds: one run instead of three.
SINGLE_RUN_ABOVE = 4000
#: Targets are checked on tables at least this large (below, Python overheads dominate).
TARGET_MIN_GN = 1000
PANEL_YEARS = range(1995, 2012)
LONGRUN_YEARS = range(1965, 2001)
REAL_YEAR = 2011
#: Runs per measurement on the real year: one WIOD 2013 inverse takes ~0.1 s, so a
#: stray pause of the machine can disturb a few runs by tens of percent.
REAL_REPEAT = 9

#: Keyword options of a method whose every value is benchmarked, and the
#: module-level tuple of the method's module listing them.
OPTION_LISTS = {"approach": "APPROACHES", "perspective": "PERSPECTIVES", "post": "POSTS"}

#: Targets of the project issue: (key, description, limit).
TARGETS = [
    ("wwz", "full WWZ end to end ≤ 1.5 × bare inv", 1.5),
    ("bm", "every Borin–Mancini approach/perspective, all exporters, end to end ≤ 2 × bare inv", 2.0),
    ("leontief", "Leontief origin of exports end to end ≤ 1.2 × bare inv", 1.2),
    ("panel", "WIOD 2013 panel 1995–2011, every method, load + decompose < 15 s", 15.0),
    ("panel_lr", "long-run WIOD panel 1965–2000, every method, load + decompose < 15 s", 15.0),
    ("memory", "peak memory for one table ≤ 6 GN×GN float64 matrices", 6.0),
    ("threads", "every step: time with 2 threads ÷ time with 1 thread ≤ 1 (WIOD 2013, core cached)", 1.0),
    ("panel_process", "WIOD 2013 panel, four default methods in one pass, whole process ≤ 1.5 × floor "
     "(load + bare inv per year, whole process)", 1.5),
    ("bm_pairs", "Borin–Mancini bilateral perimeters, core cached, ≤ 0.3 × bare inv at GN ≥ 2464", 0.3),
]
#: Runs per cell of the 1- vs 2-thread table.
THREAD_REPEAT = 7
WHAT_IS_TIMED = (
    "- **In-process times** (every table but the whole-process one): wall clock "
    "(`time.perf_counter`) in this Python process, after `import gvcdecomp`; numba kernels "
    "compiled and loaded before any timing; WIOD tables loaded from the parsed-table cache "
    "(filled by an untimed first load) unless a row says `GVCDECOMP_NO_CACHE=1`; least of "
    "the repeated runs stated beside each table.\n"
    "- **Threads**: every core usable (2 on the reference machine), numba's default thread "
    "count, BLAS threads as the library sets them (gvcdecomp/threads.py: as many as cores are "
    "idle at the start of each O(n³) step — LU, dense B, diagonal blocks —, one beside "
    "numba's kernels in the methods below GN = 3000), unless a column says "
    "\"1 thread\" (numba and BLAS limited to one thread in this process).\n"
    "- **Methods** are called as `gd.decompose(table, name, **options)`; \"end to end\" on a "
    "copy of the table without its core (core computed inside the timing), \"method only\" / "
    "\"core cached\" with `table.core` already computed.\n"
    "- **Whole process**: `python -c \"...\"` run by `subprocess`, timed from outside: "
    "interpreter start, imports, loading from the parsed-table cache and every computation, "
    "as a user runs it.\n"
    "- **Ratios** divide by a bare `numpy.linalg.inv(I − A)` of the same matrix timed in the "
    "same run and thread setting: on a shared machine compare ratios, not seconds.\n"
    "- **Load**: `os.getloadavg()` (1, 5, 15 minutes) at the start, the end and beside the "
    "thread and whole-process tables; a load above the core count means other processes "
    "competed for the cores during the run."
)
#: Figures measured before issue 17's changes (published here, or measured in the
#: session that made them); the same-run "before" columns are above.
BEFORE = (
    "Same-run comparisons are in the tables above: \"uncoordinated\" (methods called "
    "without the thread coordination) and \"decompose(panel, m) for each of the four "
    "methods\" (a pass per method). Figures from before the changes, for reference:\n\n"
    + "| what | before | how it was measured |\n|---|---|---|\n"
    "| 2 threads ÷ 1 thread, core cached, WIOD 2013: wwz / kww / bm source exporter / "
    "bm source bilateral / bm sink bilateral / bm sink sectoral-bilateral / leontief "
    "| speed-up 0.75 / 0.65 / 0.63 / 0.71 / 0.73 / 0.51 / 0.93 (every step slower with "
    "2 threads) | in-process, least of 7, commit 26d42be, load average 1.45–3.95 |\n"
    "| WIOD 2013 panel, four default methods, whole process | 20.5 s, against 10.4 s for a "
    "per-year loop and a 4.6 s floor (4.5 × floor) | issue 17, `python -c` |\n"
    "| WIOD 2013 panel, published \"end to end\" | 4.38 s (in-process sum of steps, "
    "import and Python overhead between steps excluded); 8.7 s measured in-process after "
    "import | RESULTS.md at 25178b6; issue 17 |\n"
    "| Borin–Mancini bilateral, core cached, ÷ bare inv | WIOD 2013: 0.458 (source), 0.462 "
    "(sink); GN = 2464: 0.184 / 0.187; 3645: 0.152 / 0.162; 9800: 0.087 / 0.090 (2 threads); "
    "14–18 s at GN = 9800 single-threaded | RESULTS.md at 25178b6; issue 17 |"
)
#: The four methods with default options, as the panel targets run them.
FOUR = ["wwz", "kww", "bm", "leontief"]
#: Whole-process runs of each panel probe (the least is reported).
PROCESS_REPEAT = 3


# -- helpers -------------------------------------------------------------------
def method_variants():
    """(label, registry name, function, options) for every method and option value.

    Iterates ``METHODS``, so new methods are timed automatically; a keyword of
    the method named in ``OPTION_LISTS`` whose list exists in the method's
    module is looped over (bm: approach x perspective, leontief: post).
    """
    out = []
    for name, fn in METHODS.items():
        module = sys.modules[fn.__module__]
        params = inspect.signature(fn).parameters
        axes = [(p, getattr(module, OPTION_LISTS[p])) for p in params
                if p in OPTION_LISTS and hasattr(module, OPTION_LISTS[p])]  # fmt: skip
        for values in itertools.product(*(v for _, v in axes)):
            opts = dict(zip((p for p, _ in axes), values))
            label = name + "".join(f" {k}={v}" for k, v in opts.items())
            out.append((label, name, fn, opts))
    return out


def is_default(fn, opts) -> bool:
    params = inspect.signature(fn).parameters
    return all(params[k].default == v for k, v in opts.items())


def fresh(table):
    """A shallow copy of ``table`` without its cached core and derived flows."""
    t = copy.copy(table)
    for name, attr in vars(type(table)).items():
        if isinstance(attr, cached_property):
            t.__dict__.pop(name, None)
    return t


def timed(fn, repeat: int, setup=None) -> float:
    """Least wall time of ``fn(setup())`` (setup not timed) over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        arg = setup() if setup else None
        gc.collect()
        t0 = time.perf_counter()
        out = fn(arg)
        times.append(time.perf_counter() - t0)
        del out, arg
    gc.collect()
    return min(times)


def traced(fn):
    """Run ``fn()`` under tracemalloc: (result, peak bytes, bytes still held).

    Counts allocations made through numpy and Python (numpy reports its data
    buffers to tracemalloc); memory allocated inside numba kernels or by BLAS
    threads is not seen.
    """
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak, current


def bare_inverse_time(table, repeat: int) -> float:
    """Least time of ``numpy.linalg.inv(I - A)``, I - A built outside the timing."""
    x = table.x
    M = -(table.Z * np.divide(1.0, x, out=np.zeros_like(x), where=x > 0))
    M[np.diag_indices_from(M)] += 1.0
    return timed(np.linalg.inv, repeat, setup=lambda: M)


def fmt(x, digits=3) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:.0f}"


def md_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def fit_exponent(sizes, times) -> float:
    """Slope b of the least-squares fit log t = a + b log GN."""
    ok = [(s, t) for s, t in zip(sizes, times) if t and t > 0]
    if len(ok) < 2:
        return float("nan")
    s, t = np.log(np.array(ok, dtype=float)).T
    return float(np.polyfit(s, t, 1)[0])


def loadavg() -> str:
    """1, 5 and 15-minute load averages (runnable processes; 2 = both cores busy)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


@contextmanager
def one_thread():
    """Numba and every BLAS library on one thread (the "1 thread" columns)."""
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(saved)


def decompose_call(name, opts):
    """``table -> gd.decompose(table, name, **opts)``: the user's call, threads coordinated."""
    return lambda table: gd.decompose(table, name, **opts)


# -- 1. machine ------------------------------------------------------------------
def machine() -> str:
    import numba
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "n/a"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rows = [
        ("CPU", cpu),
        ("cores", f"{os.cpu_count()} logical, {usable} usable by this process"),
        ("RAM", ram),
        ("Python", platform.python_version()),
        ("numpy / scipy / numba", f"{np.__version__} / {scipy.__version__} / {numba.__version__}"),
        ("numba threads", str(numba.get_num_threads())),
        ("BLAS", blas_summary()),
        ("gvcdecomp", f"{Path(gd.__file__).parent} ({git_head()})"),
        ("load average at start", loadavg()),
    ]
    return md_table(["", ""], rows)


def git_head() -> str:
    try:
        p = subprocess.run(["git", "-C", str(Path(gd.__file__).parent), "describe", "--always",
                            "--dirty"], capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
        return f"git {p.stdout.strip()}" if p.returncode == 0 else "not a git checkout"
    except (OSError, subprocess.SubprocessError):
        return "git unavailable"


def blas_summary() -> str:
    try:
        from threadpoolctl import threadpool_info

        return "; ".join(
            f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
            for i in threadpool_info()
        )
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]
        return "; ".join(
            f"{k}: {v.get('name')} {v.get('version')}" for k, v in cfg.items() if k in ("blas", "lapack")
        ) + " (numpy build config; threadpoolctl not installed)"
    except (TypeError, KeyError, AttributeError) as exc:  # numpy < 1.25: no mode="dicts"
        return f"unknown ({exc})"


# -- 2. real WIOD 2013 -----------------------------------------------------------
def data_dir() -> Path:
    return Path(os.environ.get("GVCDECOMP_DATA_DIR") or REPO.parent / "shared" / "data")


def load(year, folder, loader=gd.load_wiod2013):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WIOD's known imbalances warn on every load
        return loader(year, path=folder)


def load_cold(year, folder):
    """Load bypassing the parsed-table cache (``GVCDECOMP_NO_CACHE=1``)."""
    old = os.environ.get("GVCDECOMP_NO_CACHE")
    os.environ["GVCDECOMP_NO_CACHE"] = "1"
    try:
        return load(year, folder)
    finally:
        if old is None:
            del os.environ["GVCDECOMP_NO_CACHE"]
        else:
            os.environ["GVCDECOMP_NO_CACHE"] = old


def bench_table(table, variants, repeat: int, fresh_runs: bool) -> dict:
    """Times and peak memory of the core and of every method variant on one table.

    ``fresh_runs``: time end to end directly on fresh copies of the table (cheap
    tables); otherwise end to end is the core's time plus the method-only time,
    which is what a fresh call does (the core is computed once, then the method).
    """
    res = {"n": table.n, "G": table.G, "N": table.N, "repeat": repeat}
    res["inv"] = bare_inverse_time(table, repeat)
    res["core"] = timed(lambda t: t.core, repeat, setup=lambda: fresh(table))
    unit = table.n**2 * 8
    res["unit_mb"] = unit / MB
    res["table_units"] = (table.Z.nbytes + table.Y.nbytes) / unit
    table = fresh(table)
    core, peak, held = traced(lambda: table.core)
    res["condition"] = core.condition
    res["core_peak"], res["core_held"] = peak / unit, held / unit
    res["methods"] = {}
    for label, name, fn, opts in variants:
        r = {"name": name, "default": is_default(fn, opts)}
        call = decompose_call(name, opts)
        r["cached"] = timed(call, repeat, setup=lambda: table)
        if fresh_runs:
            r["fresh"] = timed(call, repeat, setup=lambda: fresh(table))
        else:
            r["fresh"] = res["core"] + r["cached"]
        _, peak, _ = traced(lambda: call(table))
        r["peak_mb"] = peak / MB
        r["peak"] = peak / unit
        # end to end: the core's own peak, or what it keeps plus the method's peak
        r["peak_e2e"] = max(res["core_peak"], res["core_held"] + r["peak"])
        r["peak_total"] = r["peak_e2e"] + res["table_units"]
        res["methods"][label] = r
        gc.collect()
    return res


def method_rows(res) -> list:
    inv = res["inv"]
    return [
        (label, fmt(r["fresh"]), f"{r['fresh'] / inv:.3f}", fmt(r["cached"]),
         f"{r['cached'] / inv:.3f}", f"{r['peak_mb']:.1f}", f"{r['peak']:.2f}",
         f"{r['peak_total']:.2f}")
        for label, r in res["methods"].items()
    ]  # fmt: skip


METHOD_HEADER = [
    "method", "end to end (s)", "end to end / inv", "method only (s)", "method only / inv",
    "peak method (MB)", "peak method (GN² units)", "peak total (GN² units)",
]  # fmt: skip


def real_year(folder: Path, variants, repeat: int) -> tuple[str, dict]:
    load_warm = timed(lambda _: load(REAL_YEAR, folder), repeat)
    load_raw = timed(lambda _: load_cold(REAL_YEAR, folder), 1)
    table = load(REAL_YEAR, folder)
    res = bench_table(table, variants, repeat, fresh_runs=True)
    res["load"], res["load_cold"] = load_warm, load_raw
    text = [
        f"Year {REAL_YEAR}: G = {table.G} countries × N = {table.N} industries, "
        f"GN = {table.n}; 1-norm condition number of I − A: {res['condition']:.3g}.",
        "",
        md_table(["step", "seconds", "÷ bare inv"], [
            ("load_wiod2013 (parsed-table cache warm)", fmt(load_warm), f"{load_warm / res['inv']:.3f}"),
            ("load_wiod2013 (GVCDECOMP_NO_CACHE=1, parse RData)", fmt(load_raw), f"{load_raw / res['inv']:.3f}"),
            ("bare numpy.linalg.inv(I − A)", fmt(res["inv"]), "1.000"),
            ("table.core (A, v, B with condition check)", fmt(res["core"]), f"{res['core'] / res['inv']:.3f}"),
        ]),
        "",
        f"Peak memory of table.core: {res['core_peak']:.2f} GN×GN matrices, of which "
        f"{res['core_held']:.2f} stay held by the core.",
        "",
        f"Least of {repeat} run(s). End to end = a copy of the table without its core "
        "(core computed inside the timing); method only = core cached. Peak memory: "
        "tracemalloc peak of new allocations, in MB and in units of one GN×GN float64 "
        f"matrix ({res['unit_mb']:.1f} MB); total = table (Z, Y) + peak of core and method. "
        "The first method run on a table (the first row) also builds the core's cached block "
        "quantities (local inverses, value added by country), which later rows reuse.",
        "",
        md_table(METHOD_HEADER, method_rows(res)),
    ]
    return "\n".join(text), res


def panel_memory(folder: Path, counts=(2, 8)) -> str:
    """Peak memory of ``decompose(panel, "wwz")`` for panels of different lengths.

    A panel loads one year at a time and keeps no table, so the peak beyond the
    result itself (which grows with the years) should not depend on the years.
    """
    rows = []
    for k in counts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = gd.load_wiod2013(list(PANEL_YEARS)[:k], path=folder)
            out, peak, _ = traced(lambda: gd.decompose(data, "wwz", progress=False))
        unit = (1435**2) * 8
        res = sum(v.nbytes for v in out.variables.values())
        rows.append((k, f"{peak / unit:.2f}", f"{res / unit:.2f}", f"{(peak - res) / unit:.2f}"))
        del out
        gc.collect()
    return (
        "Peak memory of `gd.decompose(panel, \"wwz\")`, loading included, in GN×GN "
        "float64 units (tracemalloc):\n\n"
        + md_table(["years", "peak", "result", "peak − result (working memory)"], rows)
    )


def thread_steps(table, variants, repeat: int) -> tuple[str, dict]:
    """Each step on one table with 1 thread and with 2 (every core), in this process.

    "1 thread": numba and BLAS limited to one thread. "2 threads": the library's
    own coordination (BLAS threads for the inverse, one BLAS thread beside
    numba's parallel kernels in the methods). "uncoordinated": the method
    function called directly, outside ``decompose``, so that BLAS keeps its
    threads while numba's kernels run (how every method ran before issue 17; the
    Borin–Mancini pair kernel limits BLAS itself). Core cached for the methods.
    """
    M = -(table.Z * np.divide(1.0, table.x, out=np.zeros(table.n), where=table.x > 0))
    M[np.diag_indices_from(M)] += 1.0
    steps = [("bare numpy.linalg.inv(I − A)", lambda _: np.linalg.inv(M), None, None),
             ("table.core (LU inverse, condition)", lambda t: t.core, lambda: fresh(table), None)]
    for label, name, fn, opts in variants:
        steps.append((label + " (core cached)", decompose_call(name, opts), lambda: table,
                      lambda t, fn=fn, opts=opts: fn(t, **opts)))  # fmt: skip
    rows, ratios = [], {}
    for label, call, setup, direct in steps:
        with one_thread():
            t1 = timed(call, repeat, setup=setup)
        t2 = timed(call, repeat, setup=setup)
        raw = timed(direct, repeat, setup=setup) if direct else None
        ratios[label] = t2 / t1
        rows.append((label, fmt(t1), fmt(t2), f"{t1 / t2:.2f}", fmt(raw),
                     f"{t1 / raw:.2f}" if raw else ""))  # fmt: skip
    text = (
        f"GN = {table.n}, least of {repeat} runs per cell, in this process (load average "
        f"now {loadavg()}). Speed-up = 1-thread time ÷ 2-thread time (above 1: the "
        "second core helps). \"Uncoordinated\": the method function called directly "
        "with BLAS keeping its threads beside numba's (the behaviour before issue 17).\n\n"
        + md_table(["step", "1 thread (s)", "2 threads (s)", "speed-up", "2 threads, "
                    "uncoordinated (s)", "speed-up uncoordinated"], rows)  # fmt: skip
    )
    return text, ratios


_FLOOR_PROBE = """
import sys, warnings
import numpy as np
import gvcdecomp as gd
warnings.simplefilter("ignore")
for y in range({y0}, {y1}):
    t = gd.load_wiod2013(y, path=sys.argv[1])
    M = -(t.Z * np.divide(1.0, t.x, out=np.zeros(t.n), where=t.x > 0))
    M[np.diag_indices_from(M)] += 1.0
    np.linalg.inv(M)
    del t, M
"""
_ONE_PASS_PROBE = """
import sys, warnings
import gvcdecomp as gd
warnings.simplefilter("ignore")
out = gd.decompose(gd.load_wiod2013(range({y0}, {y1}), path=sys.argv[1]), {four!r}, progress=False)
"""
_PER_METHOD_PROBE = """
import sys, warnings
import gvcdecomp as gd
warnings.simplefilter("ignore")
panel = gd.load_wiod2013(range({y0}, {y1}), path=sys.argv[1])
out = {{m: gd.decompose(panel, m, progress=False) for m in {four!r}}}
"""


def whole_process(folder: Path, years=PANEL_YEARS, repeat=PROCESS_REPEAT) -> tuple[str, dict]:
    """The panel as a user runs it: ``python -c`` from start to results, timed from outside.

    Probes alternate (floor, one pass, one call per method) so that a change of
    the machine's load hits all of them; each probe's least time is reported.
    """
    fill = dict(y0=years[0], y1=years[-1] + 1, four=FOUR)
    probes = {
        "floor: load + bare numpy.linalg.inv per year": _FLOOR_PROBE,
        f"decompose(panel, {FOUR}) (one pass)": _ONE_PASS_PROBE,
        "decompose(panel, m) for each of the four methods (before: four passes)": _PER_METHOD_PROBE,
    }
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    times = {k: [] for k in probes}
    loads = []
    for _ in range(repeat):
        for label, code in probes.items():
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code.format(**fill), str(folder)], env=env,
                           check=True, capture_output=True)  # fmt: skip
            times[label].append(time.perf_counter() - t0)
    best = {k: min(v) for k, v in times.items()}
    floor = best[next(iter(probes))]
    rows = [(k, fmt(best[k]), f"{best[k] / floor:.2f}", ", ".join(fmt(t) for t in v))
            for k, v in times.items()]  # fmt: skip
    text = (
        f"Whole processes, {years[0]}–{years[-1]} ({len(years)} years): `python -c` timed "
        "from outside, interpreter start and `import gvcdecomp` included, parsed-table and "
        "numba caches warm, every core usable (threads as the library sets them). Least of "
        f"{repeat} runs, probes alternating; 1-minute load average before the runs: "
        f"{min(loads):.2f}–{max(loads):.2f}.\n\n"
        + md_table(["process", "seconds (least)", "÷ floor", "every run (s)"], rows)
    )
    labels = list(probes)
    return text, {"floor": floor, "one_pass": best[labels[1]], "per_method": best[labels[2]]}


def in_process_panel(folder: Path, years=PANEL_YEARS) -> str:
    """The same panel in this process after import: floor and one pass, 1 and 2 threads."""
    def floor(_):
        for y in years:
            t = load(y, folder)
            M = -(t.Z * np.divide(1.0, t.x, out=np.zeros(t.n), where=t.x > 0))
            M[np.diag_indices_from(M)] += 1.0
            np.linalg.inv(M)

    def one_pass(_):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gd.decompose(gd.load_wiod2013(years, path=folder), FOUR, progress=False)

    rows = []
    for label, fn in (("floor: load + bare inv per year", floor),
                      (f"decompose(panel, {FOUR})", one_pass)):  # fmt: skip
        with one_thread():
            t1 = timed(fn, 1)
        t2 = timed(fn, 1)
        rows.append((label, fmt(t1), fmt(t2)))
    ratio = [float(rows[1][i]) / float(rows[0][i]) for i in (1, 2)]
    rows.append(("one pass ÷ floor", f"{ratio[0]:.2f}", f"{ratio[1]:.2f}"))
    return (
        "The same in this process, after import (one run each; caches warm; load average "
        f"now {loadavg()}):\n\n" + md_table(["", "1 thread (s)", "2 threads (s)"], rows)
    )


def panel(folder: Path, variants, years=PANEL_YEARS, loader=gd.load_wiod2013) -> tuple[str, dict]:
    """Every year: load, core, every method variant; and a bare inverse of the same I - A.

    The years are loaded once before timing, so that the timed loads read the
    parsed-table cache (the target is "including loading from the cache").
    """
    for year in years:
        load(year, folder, loader)
    per_year, t_all = [], time.perf_counter()
    inv_total = 0.0
    for year in years:
        t0 = time.perf_counter()
        table = load(year, folder, loader)
        t1 = time.perf_counter()
        _ = table.core
        t2 = time.perf_counter()
        default = extra = 0.0
        for _, name, fn, opts in variants:
            s = time.perf_counter()
            gd.decompose(table, name, **opts)
            dt = time.perf_counter() - s
            if is_default(fn, opts):
                default += dt
            else:
                extra += dt
        inv = bare_inverse_time(table, 1)
        inv_total += inv
        per_year.append((year, t1 - t0, t2 - t1, default, extra, inv))
        per_n = table.n
        del table
        gc.collect()
    wall = time.perf_counter() - t_all
    a = np.array([r[1:] for r in per_year])
    load_s, core_s, default_s, extra_s, inv_s = a.sum(axis=0)
    res = {
        "default": load_s + core_s + default_s,
        "all": load_s + core_s + default_s + extra_s,
        "inv": inv_s,
        "wall": wall,
    }
    k = len(years)
    rows = [
        (f"load ({k} years)", fmt(load_s), ""),
        (f"table.core ({k} years)", fmt(core_s), f"{core_s / inv_s:.3f}"),
        ("every method, default options", fmt(default_s), f"{default_s / inv_s:.3f}"),
        ("the other options (bm approach × perspective, leontief post)", fmt(extra_s), f"{extra_s / inv_s:.3f}"),
        ("**end to end: load + core + every method (default options)**", f"**{fmt(res['default'])}**",
         f"{res['default'] / inv_s:.3f}"),
        ("end to end: load + core + every method and option", fmt(res["all"]), f"{res['all'] / inv_s:.3f}"),
        (f"{k} bare numpy.linalg.inv(I − A)", fmt(inv_s), "1.000"),
    ]  # fmt: skip
    text = [
        f"Years {years[0]}–{years[-1]}, one after the other in this process (parsed-table "
        "cache filled by an untimed first pass; `decompose` on a Panel does the same loop). Seconds summed over "
        f"years; ratio to the sum of {k} bare inverses of the same matrices. GN = {per_n}.",
        "",
        md_table(["step", "seconds", f"÷ {k} bare inv"], rows),
        "",
        f"Wall time of the whole loop, bare inverses included: {wall:.2f} s.",
        "",
        md_table(["year", "load", "core", "methods (default)", "other options", "bare inv"],
                 [(y, *(fmt(v) for v in r)) for y, *r in per_year]),
    ]  # fmt: skip
    return "\n".join(text), res


# -- numba -----------------------------------------------------------------------
_NUMBA_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import numba
import gvcdecomp as gd
from gvcdecomp.methods import METHODS
imp = time.perf_counter() - t0
kernels = sorted({
    f"{v.py_func.__module__}.{v.py_func.__qualname__}"
    for m, mod in list(sys.modules.items()) if m.startswith("gvcdecomp")
    for v in vars(mod).values() if isinstance(v, numba.core.registry.CPUDispatcher)
})
t = gd.tiny_table()
t.core
out = {"import": imp, "kernels": kernels, "methods": {}}
for name, fn in METHODS.items():
    s = time.perf_counter(); fn(t); first = time.perf_counter() - s
    steady = []
    for _ in range(3):
        s = time.perf_counter(); fn(t); steady.append(time.perf_counter() - s)
    out["methods"][name] = [first, min(steady)]
print(json.dumps(out))
"""


def numba_compile() -> str:
    """First call vs steady state of every method, in fresh processes.

    Run 1 uses an empty ``NUMBA_CACHE_DIR``: the first call compiles the kernels
    and writes them to disk (``cache=True``). Run 2 reuses that folder: the
    first call only loads the compiled code, as every session after the first does.
    """
    runs = {}
    with tempfile.TemporaryDirectory() as cache:
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=path)
        for run in ("compile (empty cache)", "cache hit"):
            p = subprocess.run([sys.executable, "-c", _NUMBA_PROBE], env=env,
                               capture_output=True, text=True, check=True)  # fmt: skip
            runs[run] = json.loads(p.stdout.strip().splitlines()[-1])
    compiled, hit = runs["compile (empty cache)"], runs["cache hit"]
    rows = []
    for name in METHODS:
        (c1, _), (h1, h2) = compiled["methods"][name], hit["methods"][name]
        # differences below the noise of the steady state read as zero
        rows.append((name, fmt(c1), fmt(h1), fmt(h2), fmt(max(c1 - h2, 0.0)), fmt(max(h1 - h2, 0.0))))
    kernels = ", ".join(f"`{k}`" for k in compiled["kernels"]) or "none"
    return "\n".join([
        f"Numba kernels found after `import gvcdecomp`: {kernels}. Each method called "
        "on `tiny_table()` (core cached) in a new process, the first time and then three "
        "times (steady state: the fastest); a method that reuses a kernel another method "
        "already compiled for the same argument types shows no compilation. Import of gvcdecomp "
        f"took {compiled['import']:.2f} s (empty cache) and {hit['import']:.2f} s (cache hit).",
        "",
        md_table(["method", "first call, empty cache (s)", "first call, cache hit (s)",
                  "steady state (s)", "compilation (s)", "cache load (s)"], rows),
    ])  # fmt: skip


# -- 3. synthetic ----------------------------------------------------------------
def synthetic(sizes, variants, log) -> tuple[str, list]:
    results = []
    for G, N in sizes:
        t0 = time.perf_counter()
        table = synthetic_table(G, N, seed=G * 1000 + N)
        gen = time.perf_counter() - t0
        repeat = 1 if table.n > SINGLE_RUN_ABOVE else 3
        log(f"synthetic GN={table.n}: generated in {gen:.1f} s, timing ({repeat} run(s) each)")
        res = bench_table(table, variants, repeat, fresh_runs=False)
        res["generate"] = gen
        results.append(res)
        del table
        gc.collect()

    header = ["G × N = GN", "runs", "cond(I − A)", "bare inv (s)", "table.core (s)",
              "core / inv", "core peak (GN² units)"]  # fmt: skip
    rows = [(f"{r['G']} × {r['N']} = {r['n']}", r["repeat"], f"{r['condition']:.3g}", fmt(r["inv"]),
             fmt(r["core"]), f"{r['core'] / r['inv']:.3f}", f"{r['core_peak']:.2f}")
            for r in results]  # fmt: skip
    text = [
        "Balanced random tables (`benchmarks/synthetic.py`, `numpy.random.default_rng`, "
        "seed 1000 G + N; WIOD-like density and value-added share, 5 final-demand "
        f"categories). Least of 3 runs up to GN = {SINGLE_RUN_ABOVE}, one run above. "
        "End to end = table.core + method only (each timed separately: a fresh call "
        "computes the core once, then the method).",
        "",
        md_table(header, rows),
    ]
    for r in results:
        text += ["", f"**GN = {r['n']}** ({r['G']} × {r['N']}; one GN×GN matrix = "
                 f"{r['unit_mb']:.0f} MB)", "", md_table(METHOD_HEADER, method_rows(r))]  # fmt: skip

    ns = [r["n"] for r in results]
    exp_rows = [("bare inv", f"{fit_exponent(ns, [r['inv'] for r in results]):.2f}", ""),
                ("table.core", f"{fit_exponent(ns, [r['core'] for r in results]):.2f}", "")]  # fmt: skip
    for label, *_ in variants:
        only = fit_exponent(ns, [r["methods"][label]["cached"] for r in results])
        e2e = fit_exponent(ns, [r["methods"][label]["fresh"] for r in results])
        exp_rows.append((label, f"{only:.2f}", f"{e2e:.2f}"))
    text += ["", "Fitted exponent b of time ∝ GN^b (least squares on log–log over "
             f"GN = {', '.join(map(str, ns))}):", "",
             md_table(["", "method only", "end to end"], exp_rows)]  # fmt: skip
    return "\n".join(text), results


# -- 4. targets ------------------------------------------------------------------
def targets(real, panel_res, synth, longrun_res=None, thread_res=None, process_res=None):
    tables = ([("WIOD 2013 " + str(REAL_YEAR), real)] if real else []) + [
        (f"synthetic GN={r['n']}", r) for r in synth if r["n"] >= TARGET_MIN_GN
    ]

    def worst(select, value):
        cands = [(value(r, rr), f"{where}, {label}") for where, r in tables
                 for label, rr in r["methods"].items() if select(rr)]  # fmt: skip
        return max(cands) if cands else (None, "not measured")

    def ratio(r, rr):
        return rr["fresh"] / r["inv"]

    measured = {
        "wwz": worst(lambda m: m["name"] == "wwz", ratio),
        "bm": worst(lambda m: m["name"] == "bm", ratio),
        "leontief": worst(lambda m: m["name"] == "leontief" and m["default"], ratio),
        "memory": worst(lambda m: True, lambda r, rr: rr["peak_total"]),
        "panel": (panel_res["default"], "WIOD 2013, 17 years") if panel_res else (None, "not measured"),
        "panel_lr": ((longrun_res["default"], "long-run WIOD, 36 years") if longrun_res
                     else (None, "not measured")),
        "threads": (max((v, k) for k, v in thread_res.items()) if thread_res
                    else (None, "not measured")),
        "panel_process": ((process_res["one_pass"] / process_res["floor"], "WIOD 2013, 17 years")
                          if process_res else (None, "not measured")),
        "bm_pairs": max(((r["methods"][lbl]["cached"] / r["inv"], f"synthetic GN={r['n']}, {lbl}")
                         for r in synth if r["n"] >= 2464 for lbl in r["methods"]
                         if "bilateral" in lbl and r["methods"][lbl]["name"] == "bm"),
                        default=(None, "not measured (no synthetic table with GN ≥ 2464)")),
    }
    rows, status = [], []
    for key, desc, limit in TARGETS:
        value, where = measured[key]
        if value is None:
            rows.append((desc, fmt(limit), "—", where, "not measured", ""))
            status.append((key, None))
            continue
        met = value < limit if key.startswith("panel") else value <= limit
        margin = (f"{(1 - value / limit) * 100:.0f} % under" if met
                  else f"missed by {(value / limit - 1) * 100:.0f} %")  # fmt: skip
        rows.append((desc, fmt(limit), f"{value:.3g}", where, "met" if met else "**missed**", margin))
        status.append((key, met))
    text = ("Worst case over the real year and every synthetic size with GN ≥ "
            f"{TARGET_MIN_GN} (ratios: end to end "
            "÷ bare inv of the same matrix, except the Borin–Mancini pair target, with the core "
            "cached; the thread target: the step whose 2-thread time is largest relative to "
            "its 1-thread time; "
            "memory: table + peak of core and method, in "
            "GN×GN float64 units).\n\n"
            + md_table(["target", "limit", "worst measured", "where", "status", "margin"], rows))  # fmt: skip
    return text, status


# -- main ------------------------------------------------------------------------
def main(argv=None) -> str:
    """Run the benchmarks, print the Markdown report and write it to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="tiny synthetic sizes, one real year timed once, no panel (< 1 min)")
    ap.add_argument("--out", type=Path, help="also write the report to this file")
    ap.add_argument("--max-gn", type=int, default=None,
                    help="skip synthetic sizes above this GN (e.g. on a loaded machine)")
    args = ap.parse_args(argv)

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    variants = method_variants()
    tiny = gd.tiny_table()
    for _, _, fn, opts in variants:  # numba kernels loaded before any timing
        fn(tiny, **opts)

    sections = [f"# gvcdecomp benchmarks{' (--quick)' if args.quick else ''}",
                "", f"Generated {time.strftime('%Y-%m-%d %H:%M')} by `python benchmarks/run.py"
                f"{' --quick' if args.quick else ''}`.", "", "## What is timed", "", WHAT_IS_TIMED,
                "", "## Machine", "", machine()]  # fmt: skip

    folder = data_dir() / "wiod2013"
    real = panel_res = longrun_res = thread_res = process_res = None
    sections += ["", "## Real tables: WIOD 2013", ""]
    if folder.is_dir():
        log(f"WIOD 2013 {REAL_YEAR} from {folder}")
        text, real = real_year(folder, variants, repeat=1 if args.quick else REAL_REPEAT)
        sections += [text]
        log("threads: 1 vs 2")
        text, thread_res = thread_steps(
            load(REAL_YEAR, folder),
            [v for v in variants if is_default(v[2], v[3])] if args.quick else variants,
            repeat=1 if args.quick else THREAD_REPEAT,
        )
        sections += ["", "### One thread or two", "", text]
        if args.quick:
            sections += ["", "Panel: skipped (--quick)."]
        else:
            log("WIOD 2013 panel 1995–2011")
            text, panel_res = panel(folder, variants)
            sections += ["", "### Panel 1995–2011", "", text, "", panel_memory(folder)]
            log("WIOD 2013 panel: whole processes")
            text, process_res = whole_process(folder)
            sections += ["", "### Panel 1995–2011, four methods in one pass, as a user runs it",
                         "", text, "", in_process_panel(folder)]  # fmt: skip
    else:
        sections += [f"Data folder {folder} not found: skipped (set GVCDECOMP_DATA_DIR)."]
    folder = data_dir() / "wiod_longrun"
    sections += ["", "## Real tables: long-run WIOD", ""]
    if args.quick:
        sections += ["Panel: skipped (--quick)."]
    elif folder.is_dir():
        log("long-run WIOD panel 1965–2000")
        text, longrun_res = panel(folder, variants, LONGRUN_YEARS, gd.load_wiod_longrun)
        sections += ["### Panel 1965–2000", "", text]
    else:
        sections += [f"Data folder {folder} not found: skipped (set GVCDECOMP_DATA_DIR)."]

    log("numba compilation")
    sections += ["", "## Numba compilation", "", numba_compile()]

    log("synthetic tables")
    sizes = [(G, N) for G, N in (QUICK_SIZES if args.quick else SIZES)
             if args.max_gn is None or G * N <= args.max_gn]  # fmt: skip
    text, synth = synthetic(sizes, variants, log)
    if len(sizes) < len(SIZES) and not args.quick:
        text += f"\n\nSizes above GN = {args.max_gn} skipped (`--max-gn {args.max_gn}`)."
    sections += ["", "## Synthetic tables", "", text]

    text, _ = targets(real, panel_res, synth, longrun_res, thread_res, process_res)
    sections += ["", "## Targets", "", text]
    sections += ["", "## Before issue 17", "", BEFORE]
    sections += ["", "## Notes", "",
                 f"Load average at the end: {loadavg()}; total run time "
                 f"{time.perf_counter() - started:.0f} s. The machine may be shared: "
                 "compare the ratios, measured against a bare inverse in the same run, "
                 "rather than the seconds."]  # fmt: skip
    report = "\n".join(sections) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return report


if __name__ == "__main__":
    main()
