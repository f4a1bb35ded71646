"""Recompute every number of docs/validation.md from the WIOD 2013 tables and print them.

    GVCDECOMP_DATA_DIR=../shared/data python scripts/validation.py [--years 1995-2011]

Reads ``$GVCDECOMP_DATA_DIR/wiod2013/`` (default: ``../shared/data`` beside the
repository). Prints four blocks: the study's headline figures, two comparisons
with published figures, and the identity checks on every year. Takes a few
minutes (one WWZ and one Borin–Mancini decomposition per year).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
os.environ.setdefault("GVCDECOMP_DATA_DIR", str(DEFAULT_DATA))

import gvcdecomp as gd  # noqa: E402  (after the data folder is set)
from gvcdecomp.methods import kww, wwz  # noqa: E402
from gvcdecomp.table import BalanceWarning  # noqa: E402


def load(year: int):
    # WIOD 2013's RData values are whole millions, so stored and row-sum output differ
    # slightly on many rows; the model uses row sums (documented), no need to list them.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(year)


def study(t) -> dict:
    """Domestic value added absorbed abroad, share of gross exports, WIOD c14 (WWZ DVA)."""
    s = gd.wwz_summary(gd.decompose(t, "wwz").sum("importer"))
    share = s.DVA_absorbed_abroad_share.sel(sector="c14")
    return {c: float(share.sel(exporter=c)) for c in ("USA", "JPN", "CHN", "DEU", "KOR")}


def german_transport(t) -> float:
    """German value added in the final output of German transport equipment (c15), share.

    Timmer, Erumban, Los, Stehrer & de Vries (2014), JEP 28(2), p. 101: 79 % in
    1995 and 66 % in 2008 (WIOD, value added of all countries in the final
    output of the product, by origin).
    """
    va = gd.decompose(t, "leontief", post="final").va_origin.sel(country="DEU", sector="c15")
    return float(va.sel(source_country="DEU").sum() / va.sum())


def us_china(t) -> dict:
    """Gross and value-added bilateral balance of the US with China (millions of US dollars).

    Gross exports E^{sr} summed over sectors; value-added exports are the value
    added of s absorbed in final demand of r (Johnson & Noguera 2012, VAX_sr).
    """
    lt = gd.decompose(t, "leontief", post="exports")
    gexp = lt.gexp.sum("sector")
    vax = gd.decompose(t, "leontief", post="final").va_destination.sum("source_sector")
    gross = float(gexp.sel(exporter="USA", importer="CHN") - gexp.sel(exporter="CHN", importer="USA"))
    va = float(vax.sel(source_country="USA", destination="CHN") - vax.sel(source_country="CHN", destination="USA"))
    return {"gross": gross, "value_added": va, "ratio": va / gross}


def identities(t) -> dict:
    """Largest departures from the accounting identities, relative to the largest flow."""
    c = t.core
    n = c.n
    out = {"B(I-A)=I": float(np.abs(c.B @ (np.eye(n) - c.A) - np.eye(n)).max())}
    w = gd.decompose(t, "wwz")
    terms = sum(w[v] for v in wwz.TERMS)
    out["WWZ 16 terms = gexp"] = _rel(terms, w.gexp)
    k = gd.decompose(t, "kww")
    out["KWW 9 terms = exports"] = _rel(sum(k[v] for v in kww.TERMS), k.gexp)
    out["KWW = WWZ by exporter"] = _rel(k.DDC, gd.kww_from_wwz(w).DDC)
    b = gd.decompose(t, "bm", level="bilateral")
    out["BM dva+ddc+fva+fdc = gexp"] = _rel(b.dva + b.ddc + b.fva + b.fdc, b.gexp)
    out["BM gvcb+gvcf+davax = gexp"] = _rel(b.gvcb + b.gvcf + b.davax, b.gexp)
    le = gd.decompose(t, "leontief", post="exports")
    out["Leontief dc+fc = gexp"] = _rel(le.dc + le.fc, le.gexp)
    return out


def _rel(a, b) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())


def _years(text: str) -> list[int]:
    a, _, b = text.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", default="1995-2011", help="identity checks over these years")
    years = _years(p.parse_args(argv).years)
    print(f"data: {os.environ['GVCDECOMP_DATA_DIR']}/wiod2013, gvcdecomp {gd.__version__}\n")

    t2011 = load(2011)
    print("1. DVA share of gross exports, WIOD c14 (Electrical and optical equipment), 2011")
    for c, v in study(t2011).items():
        print(f"   {c}: {100 * v:.1f} %")

    print("\n2. German value added in German transport-equipment (c15) final output")
    for y in (1995, 2008, 2011):
        print(f"   {y}: {100 * german_transport(load(y)):.1f} %   (Timmer et al. 2014: 79 % 1995, 66 % 2008)")

    print("\n3. US balance with China, millions of US dollars: gross vs value added")
    for y in (2004, 2005, 2006, 2007):
        b = us_china(load(y))
        print(f"   {y}: gross {b['gross']:,.0f}, value added {b['value_added']:,.0f}, "
              f"VA/gross {b['ratio']:.2f} ({100 * (1 - b['ratio']):.0f} % smaller)")  # fmt: skip

    print("\n4. Identities, largest relative departure over years " f"{years[0]}-{years[-1]}")
    worst: dict[str, tuple[float, int]] = {}
    for y in years:
        for name, v in identities(t2011 if y == 2011 else load(y)).items():
            if v >= worst.get(name, (-1.0, 0))[0]:
                worst[name] = (v, y)
        print(f"   {y} done", file=sys.stderr)
    for name, (v, y) in worst.items():
        print(f"   {name}: {v:.1e} (worst year {y})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
