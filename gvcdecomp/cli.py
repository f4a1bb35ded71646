"""Command line: ``gvcdecomp reproduce`` and ``gvcdecomp check PATH``."""

from __future__ import annotations

import argparse
import sys
import warnings

from tqdm import tqdm

from .errors import DataNotFoundError, GVCError
from .examples import tiny_table
from .methods import decompose
from .methods.wwz import GROUPS, summarize
from .sources.registry import open_table
from .sources.wiod2013 import load_wiod2013
from .table import BalanceWarning

#: The 2014 ICT GVC study: DVA share of IT-manufacturing (c14) exports, WIOD 2011, in %.
STUDY = {"USA": 80.5, "JPN": 82.2}
MEASURE = (
    "DVA share = domestic value added absorbed abroad (WWZ 2013 terms 1-5: "
    + " + ".join(GROUPS["DVA"])
    + ") / gross exports of {sector}, in %; gross output = row sums"
)


def dva_shares(table, sector: str, countries: list[str]) -> dict[str, float]:
    """The study's measure for one table: {country: % of the sector's exports}."""
    table.sector_index(sector)
    for c in countries:
        table.country_index(c)
    sm = summarize(decompose(table, "wwz").sel(sector=sector, exporter=countries).sum("importer"))
    return {c: 100 * float(sm["DVA_share"].sel(exporter=c)) for c in countries}


def _years(spec: str) -> list[int]:
    if "-" in spec:
        a, b = spec.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(y) for y in spec.split(",")]


def reproduce(args) -> int:
    countries = args.countries.split(",")
    try:
        years = _years(args.year)
    except ValueError:
        print(f"gvcdecomp: --year takes YYYY, YYYY,YYYY or YYYY-YYYY, not {args.year!r}", file=sys.stderr)
        return 2
    print(MEASURE.format(sector=args.sector))
    try:
        tables = [load_wiod2013(years[0], path=args.path)]  # fail fast if the data is missing
    except DataNotFoundError as e:
        print(f"WIOD 2013 not found: {e}\n", file=sys.stderr)
        return demo()
    rows = {}
    for y in tqdm(years, desc="WIOD 2013", disable=len(years) == 1, file=sys.stderr):
        t = tables.pop() if tables else load_wiod2013(y, path=args.path)
        rows[y] = dva_shares(t, args.sector, countries)
    width = max(len(c) for c in countries)
    print(f"{'':{width}} " + " ".join(f"{y:>7}" for y in years) + ("   study" if args.sector == "c14" else ""))
    for c in countries:
        study = STUDY.get(c) if args.sector == "c14" and years == [2011] else None
        line = f"{c:{width}} " + " ".join(f"{rows[y][c]:7.1f}" for y in years)
        print(line + (f"   {study:5.1f}" if study is not None else ""))
    return 0


def demo() -> int:
    t = tiny_table()
    print(f"Demo on {t!r} (made-up numbers): DVA share of 'man' exports, %")
    for c, v in dva_shares(t, "man", list(t.countries)).items():
        print(f"  {c}  {v:5.1f}")
    return 0


def check(args) -> int:
    """Validate a table file and print a report of its balance and problems."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t = open_table(args.path)
            cond = t.core.condition
        except GVCError as e:
            print(f"{args.path}: FAILED\n  {type(e).__name__}: {e}")
            return 1
    b = t.balance()
    print(f"{args.path}: {t!r}")
    print(f"  gross output used: {t.output} (x > 0 in {int((t.x > 0).sum())} of {t.n} rows)")
    print(f"  rows: largest gap to published output {b['rows']['max_abs']:.6g} at {b['rows']['at']}, "
          f"relative {b['rows']['max_rel']:.3g} at {b['rows']['at_rel']}")
    if "columns" in b:
        print(f"  columns: largest gap {b['columns']['max_abs']:.6g} at {b['columns']['at']}")
    print(f"  negative value added: {b['negative_value_added']} column(s)")
    print(f"  condition number of I - A (1-norm): {cond:.4g}")
    for w in caught:
        if issubclass(w.category, BalanceWarning):
            print(f"  warning: {w.message}")
    print("  OK" if not caught else f"  OK with {len(caught)} warning(s)")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="gvcdecomp", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="the study's DVA share of ICT-manufacturing exports, WIOD 2013")
    r.add_argument("--year", default="2011", help="YYYY, YYYY,YYYY or YYYY-YYYY (default 2011)")
    r.add_argument("--countries", default="USA,JPN,KOR,CHN,DEU", help="comma-separated codes")
    r.add_argument("--sector", default="c14", help="WIOD 2013 industry (default c14, Electrical and optical equipment)")
    r.add_argument("--path", default=None, help="WIOD 2013 file or folder (default: $GVCDECOMP_DATA_DIR/wiod2013)")
    r.set_defaults(func=reproduce)
    c = sub.add_parser("check", help="validate a table file and report its balance and problems")
    c.add_argument("path", help="a table file (WIOD 2013 RData/xlsx, long-run WIOD .rda, gvcdecomp .nc)")
    c.set_defaults(func=check)
    args = p.parse_args(argv)
    # WIOD 2013 as rounded to whole millions differs from its published output in
    # hundreds of small rows; the library warns, the report need not.
    warnings.simplefilter("ignore", BalanceWarning)
    try:
        return args.func(args)
    except GVCError as e:
        print(f"gvcdecomp: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
