"""Command line: ``gvcdecomp reproduce``, ``check PATH`` and ``cache info|clear``.

A library error ends the command with one line on stderr and exit code 2, never
a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from .errors import GVCError, OptionError

# The library (numpy, xarray, numba) is imported by the commands that use it, so
# that ``gvcdecomp --help`` and argument errors answer at once.

#: The 2014 ICT GVC study: DVA share of IT-manufacturing (c14) exports, WIOD 2011, in %.
STUDY = {"USA": 80.5, "JPN": 82.2}


def measure(sector: str) -> str:
    """What ``reproduce`` prints: the study's measure, its WWZ terms and its units."""
    from .methods.wwz import GROUPS

    return (
        "DVA share = domestic value added absorbed abroad (WWZ 2013 terms 1-5: "
        + " + ".join(GROUPS["DVA"])
        + f") / gross exports of {sector}, in %; gross output = row sums"
    )


def dva_shares(table, sector: str, countries: list[str]) -> dict[str, float]:
    """The study's measure for one table: {country: % of the sector's exports}."""
    from .methods import decompose
    from .methods.wwz import summarize

    table.sector_index(sector)
    for c in countries:
        table.country_index(c)
    sm = summarize(decompose(table, "wwz").sel(sector=sector, exporter=countries).sum("importer"))
    return {c: 100 * float(sm["DVA_absorbed_abroad_share"].sel(exporter=c)) for c in countries}


def _years(spec: str) -> list[int]:
    """``YYYY``, ``YYYY,YYYY`` or ``YYYY-YYYY`` as a list of distinct years, in order."""
    try:
        if "-" in spec:
            a, b = (int(y) for y in spec.split("-"))
        else:
            years = [int(y) for y in spec.split(",")]
    except ValueError:
        raise OptionError(f"--year takes YYYY, YYYY,YYYY or YYYY-YYYY, not {spec!r}") from None
    if not all(1000 <= y <= 9999 for y in ((a, b) if "-" in spec else years)):
        raise OptionError(f"--year {spec}: years have four digits (YYYY)")  # bounds any range
    if "-" in spec:
        if a > b:
            raise OptionError(f"--year {spec}: the range runs backwards (write {b}-{a})")
        return list(range(a, b + 1))
    _distinct("--year", spec, years)
    return years


def _countries(spec: str) -> list[str]:
    codes = [c.strip() for c in spec.split(",")]
    if not all(codes):
        raise OptionError(f"--countries {spec!r}: an empty code (write codes like USA,JPN)")
    _distinct("--countries", spec, codes)
    return codes


def _distinct(option: str, spec: str, items: list) -> None:
    repeated = sorted({str(i) for i in items if items.count(i) > 1})
    if repeated:
        raise OptionError(f"{option} {spec}: {', '.join(repeated)} given more than once")


def reproduce(args) -> int:
    """The study's figure from WIOD 2013 (downloaded on first use), or the demo with --demo.

    Warnings (one summary of the years' balance findings) are printed after the
    figures, one line each, never across the progress bar, which is drawn only
    on a terminal.
    """
    if args.demo:
        return demo()
    from .sources.paths import path_named

    with path_named("--path"):  # messages name the flag, not the Python keyword
        return _reproduce(args)


def _reproduce(args) -> int:
    from tqdm import tqdm

    from .sources.download import on_terminal
    from .sources.wiod2013 import load_wiod2013

    countries = _countries(args.countries)
    years = _years(args.year)
    panel = load_wiod2013(years, path=args.path)
    rows = {}
    with warnings.catch_warnings(record=True) as caught, panel.collecting():
        first = panel[years[0]]  # fail fast if the data is missing
        first.sector_index(args.sector)  # and on unknown codes, before any output
        for c in countries:
            first.country_index(c)
        print(measure(args.sector))
        bar = len(years) > 1 and on_terminal(sys.stderr)  # elsewhere it leaves fragments
        for y in tqdm(years, desc="WIOD 2013", disable=not bar, file=sys.stderr):
            rows[y] = dva_shares(first if y == years[0] else panel[y], args.sector, countries)
    width = max(len(c) for c in countries)
    with_study = args.sector == "c14" and 2011 in years  # the study's figures are for 2011
    print(f"{'':{width}} " + " ".join(f"{y:>7}" for y in years) + ("   study" if with_study else ""))
    for c in countries:
        study = STUDY.get(c) if with_study else None
        line = f"{c:{width}} " + " ".join(f"{rows[y][c]:7.1f}" for y in years)
        print(line + (f"   {study:5.1f}" if study is not None else ""))
    for w in caught:
        print(f"gvcdecomp: {w.category.__name__}: {w.message}", file=sys.stderr)
    return 0


def demo() -> int:
    from .examples import tiny_table

    t = tiny_table()
    print(f"Demo on {t!r} (made-up numbers): DVA share of 'man' exports, %")
    for c, v in dva_shares(t, "man", list(t.countries)).items():
        print(f"  {c}  {v:5.1f}")
    return 0


def check(args) -> int:
    """Validate a table file and print a report of its balance, known properties and problems.

    The report goes to stdout (exit code 0); a file that cannot be read as a
    table is one line on stderr and exit code 1.
    """
    from .sources.registry import open_table
    from .table import BalanceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = open_table(args.path)
            cond = t.core.condition
        except GVCError as e:  # a failure, not a result: stderr, one line
            failure = f"{args.path}: FAILED: {type(e).__name__}: {_one_line(e)}"
            print(f"gvcdecomp: {failure}", file=sys.stderr)
            return 1
    b = t.balance()
    print(f"{args.path}: {t!r}")
    print(f"  gross output used: {t.output} (x > 0 in {int((t.x > 0).sum())} of {t.n} rows)")
    print(f"  rows: largest gap to published output {b['rows']['max_abs']:.6g} at {b['rows']['at']}, "
          f"relative {b['rows']['max_rel']:.3g} at {b['rows']['at_rel']}")
    if "columns" in b:
        print(f"  columns: largest gap {b['columns']['max_abs']:.6g} at {b['columns']['at']}")
    neg = t.diagnostics.get("negative_value_added", {"rows": [], "values": []})
    listed = ", ".join(f"{r}={v:g}" for r, v in zip(neg["rows"], neg["values"]))
    print(f"  negative value added (intermediate inputs exceed gross output): "
          f"{b['negative_value_added']} column(s){': ' + listed if listed else ''}")
    print(f"  condition number of I - A (1-norm): {cond:.4g}")
    for note in t.notes:
        print(f"  note: {note}")
    # the balance findings from the table (a file already loaded in this process is
    # not warned again), every other warning as caught
    found = [d["message"] for d in t.diagnostics.values() if d.get("warn")]
    found += [str(w.message) for w in caught if not issubclass(w.category, BalanceWarning)]
    for message in found:
        print(f"  warning: {message}")
    print("  OK" if not found else f"  OK with {len(found)} warning(s)")
    return 0


def cache_info(args) -> int:
    """Size of the per-user cache: data files and parsed tables per source, compiled kernels."""
    from .sources import cache, download
    from .sources.paths import cache_dir, numba_cache_dir

    data = {s: (len(f), sum(b for _, b in f)) for s, f in download.data_files().items()}
    parsed = {s: (u["entries"], u["bytes"]) for s, u in cache.info().items()}
    print(f"cache folder: {cache_dir()}")
    print(f"{'source':<16}{'data files':>12}{'MB':>9}{'parsed tables':>15}{'MB':>9}")
    for s in sorted(set(data) | set(parsed)):
        (nd, bd), (np_, bp) = data.get(s, (0, 0)), parsed.get(s, (0, 0))
        print(f"{s:<16}{nd:>12}{bd / 1e6:>9.1f}{np_:>15}{bp / 1e6:>9.1f}")
    kernels = Path(os.environ.get("NUMBA_CACHE_DIR") or numba_cache_dir())
    size = sum(f.stat().st_size for f in kernels.rglob("*") if f.is_file())
    print(f"compiled kernels (numba): {size / 1e6:.1f} MB in {kernels}")
    return 0


def cache_clear(args) -> int:
    """Delete the parsed tables (of one source or all) and, with --data, the data files."""
    from .sources import cache, download

    if args.source is not None:  # a mistyped name must not report "0.0 MB freed" and succeed
        from .errors import OptionError
        from .sources.registry import SOURCES

        cached = sorted(p.name for p in cache.folder().glob("*") if p.is_dir())
        if args.source not in SOURCES and args.source not in cached:
            raise OptionError(
                f"unknown source {args.source!r}; sources: {', '.join(SOURCES)}"
                + (f"; in the cache: {', '.join(cached)}" if cached else "")
            )
    files = download.data_files(args.source) if args.data else {}  # checks the name first
    freed = cache.clear(args.source)
    for f, size in (item for listed in files.values() for item in listed):
        f.unlink(missing_ok=True)
        freed += size
    what = "parsed tables" + (" and data files" if args.data else "")
    print(f"removed {what} of {args.source or 'every source'}: {freed / 1e6:.1f} MB freed")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="gvcdecomp", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="the study's DVA share of ICT-manufacturing exports, WIOD 2013")
    r.add_argument("--year", default="2011", help="YYYY, YYYY,YYYY or YYYY-YYYY (default 2011)")
    r.add_argument("--countries", default="USA,JPN,KOR,CHN,DEU", help="comma-separated codes")
    r.add_argument("--sector", default="c14", help="WIOD 2013 industry (default c14, Electrical and optical equipment)")
    r.add_argument("--path", default=None, help="WIOD 2013 file or folder (default: $GVCDECOMP_DATA_DIR/wiod2013, "
                   "then the per-user cache, where a missing year is downloaded)")  # fmt: skip
    r.add_argument("--demo", action="store_true", help="run on a made-up three-country table instead")
    r.set_defaults(func=reproduce)
    c = sub.add_parser("check", help="validate a table file and report its balance and problems")
    c.add_argument("path", help="a table file (WIOD 2013 RData/xlsx, long-run WIOD .rda, gvcdecomp .nc)")
    c.set_defaults(func=check)
    k = sub.add_parser("cache", help="show or empty the per-user cache")
    k = k.add_subparsers(dest="action", required=True)
    k.add_parser("info", help="sizes per source").set_defaults(func=cache_info)
    kc = k.add_parser("clear", help="delete parsed tables (and with --data the data files)")
    kc.add_argument("source", nargs="?", default=None, help="one source (default: all)")
    kc.add_argument("--data", action="store_true", help="also delete the data files in the cache")
    kc.set_defaults(func=cache_clear)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (GVCError, OSError) as e:
        print(f"gvcdecomp: {type(e).__name__}: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(e: Exception) -> str:
    """The message on one line, whatever it holds."""
    return " ".join(str(e).split())


if __name__ == "__main__":
    sys.exit(main())
