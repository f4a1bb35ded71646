"""WIOD 2013 release (1995–2011): R-package RData files and the official Excel files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..panel import table_or_panel
from ..table import IOTable, repeated
from .cache import cached_parts
from .download import find_or_fetch

SOURCE = "wiod2013"
YEARS = range(1995, 2012)
FD_CATEGORIES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
UNITS = "millions of US dollars, current prices"
HINT = (
    "The official Excel files WIOT{yy}_ROW_Apr12.xlsx / WIOT{yy}_ROW_Sep12.xlsx are "
    "distributed at wiod.org (2013 release); the R package 'wiod' (GitHub bquast/wiod, "
    "folder data/) ships them as wiot_YYYY.RData"
)
#: A known property of the R package's files, stated in every table read from them.
RDATA_NOTE = (
    "WIOD 2013 as redistributed in the R package wiod: every value is a whole number of "
    "millions of US dollars, truncated toward zero (32-bit integers), so the stored gross "
    "output exceeds the row sums by some tens of millions in most rows; the model uses "
    "the row sums, which balance exactly"
)


def load_wiod2013(years, path=None, output: str = "rowsum", download: bool = True):
    """Load WIOD 2013 world input-output tables.

    Parameters
    ----------
    years : int or iterable of int
        One year (returns an :class:`IOTable`) or several (returns a
        :class:`~gvcdecomp.panel.Panel`), within 1995–2011.
    path : str or Path, optional
        A file, or a folder holding the files. Default: ``$GVCDECOMP_DATA_DIR/wiod2013/``
        then the per-user cache ``~/.cache/gvcdecomp/wiod2013/``.
    output : {"rowsum", "stored"}
        Gross output used by the model (see :class:`IOTable`).
    download : bool
        When no file of a year is found (and no ``path`` is given), download
        ``wiot_YYYY.RData`` (about 0.4 MB) into the per-user cache, checked
        against its SHA-256 (:func:`gvcdecomp.sources.download.find_or_fetch`).
        ``False``, or ``GVCDECOMP_OFFLINE=1``, forbids it.

    Notes
    -----
    Files are recognised by name, case-insensitively: ``wiot_YYYY.RData`` (R
    package ``wiod``, values rounded to whole millions) or the official
    ``WIOTyy_ROW_Apr12.xlsx`` (1995–2007) / ``WIOTyy_ROW_Sep12.xlsx`` (2008–2011).

    The RData values are whole millions, truncated: each of a row's 1,640
    values (and its stored output) lost less than 1 M$, and the stored output
    exceeds the row sum by 35–44 M$ on average, -7 to 113 M$ at the extremes
    (1995–2011), more than 0.1 % in 850–1,050 of the 1,435 rows. That is a
    property of the files, not a fault: it is stated in ``table.notes`` (with
    the year's own figures) and the rows are in
    ``table.diagnostics["output_gap_rounding"]``, without a warning. Gaps larger
    than the truncation can explain (1,641 M$ in a row), negative row sums and
    negative value added are warned (:class:`~gvcdecomp.table.BalanceWarning`).
    Tables: 40 countries + RoW, 35 industries c1…c35, five final-demand
    categories; millions of US dollars, current prices. Parsed tables are kept
    in the per-user cache (:mod:`gvcdecomp.sources.cache`; ``GVCDECOMP_NO_CACHE=1``
    turns that off).
    """
    return table_or_panel(
        years, YEARS, "WIOD 2013", lambda y: _load_year(y, path, output, download), SOURCE
    )


def _load_year(year: int, path, output: str, download: bool) -> IOTable:
    yy = f"{year % 100:02d}"
    patterns = [rf"wiot_{year}\.rdata", rf"wiot{yy}_row_(apr|sep)12\.xlsx"]
    f = find_or_fetch(SOURCE, patterns, path, HINT, f"wiot_{year}.RData", download)

    def parse():
        if f.suffix.lower() in (".rdata", ".rda"):
            parts = read_rdata(f)
        else:
            from .wiot_excel import read_wiot_excel

            parts = read_wiot_excel(f)
        if parts["year"] is not None and parts["year"] != year:
            raise FileFormatError(f"{f}: holds the year {parts['year']}, not {year}")
        parts["year"] = year
        return parts

    # the year is part of the key: a file asked for as another year is parsed (and refused)
    parts = cached_parts(SOURCE, f, parse, part=str(year))
    rdata = f.suffix.lower() in (".rdata", ".rda")
    table = IOTable(**parts, output=output, source=f"WIOD 2013 ({f.name})", units=UNITS,
                    resolution=1.0 if rdata else None)  # fmt: skip
    if rdata:
        table.notes.insert(0, RDATA_NOTE)
    return table


def read_rdata(file: Path) -> dict:
    """Parts of an IOTable from one ``wiot_YYYY.RData`` of the R package ``wiod``.

    The object ``wiot_YYYY`` must be an R list with ``inter`` (n x n),
    ``final`` (n x G*K), ``output`` (n) as numbers without NA, and
    ``countries`` (G) and ``industries`` (N) as distinct strings, n = G*N;
    anything else raises :class:`~gvcdecomp.errors.FileFormatError` naming the file.
    """
    import rdata

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # class 'iot' has no constructor: a plain list is fine
            obj = rdata.read_rda(str(file))
    except Exception as e:  # rdata raises many types on corrupt input
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise FileFormatError(f"{file}: not a readable R data file ({type(e).__name__}: {first})") from e
    names = [k for k in obj if str(k).startswith("wiot_")] if isinstance(obj, dict) else []
    if len(names) != 1 or not isinstance(obj[names[0]], dict):
        found = list(obj) if isinstance(obj, dict) else type(obj).__name__
        raise FileFormatError(f"{file}: expected one R list 'wiot_YYYY', found {found}")
    name = str(names[0])
    w = {str(k): v for k, v in obj[names[0]].items()}
    missing = {"inter", "final", "output", "countries", "industries"} - set(w)
    if missing:
        raise FileFormatError(f"{file}: object {name} lacks {sorted(missing)}")
    where = f"{file}: {name}$"
    countries = _codes(where + "countries", w["countries"])
    industries = _codes(where + "industries", w["industries"])
    n = len(countries) * len(industries)
    final = _numbers(where + "final", w["final"], 2)
    K, rest = divmod(final.shape[1], len(countries))
    if final.shape[0] != n or K == 0 or rest:
        raise FileFormatError(
            f"{where}final is {final.shape[0]} x {final.shape[1]}, expected {n} rows "
            f"({len(countries)} countries x {len(industries)} industries) and a multiple "
            f"of {len(countries)} columns"
        )
    inter = _numbers(where + "inter", w["inter"], 2)
    if inter.shape != (n, n):
        raise FileFormatError(f"{where}inter is {inter.shape[0]} x {inter.shape[1]}, expected {n} x {n}")
    output = _numbers(where + "output", w["output"], 1)
    if output.shape != (n,):
        raise FileFormatError(f"{where}output has {output.size} values, expected {n}")
    return {
        "Z": inter,
        "Y": final,
        "countries": countries,
        "sectors": industries,
        "fd_categories": FD_CATEGORIES if K == len(FD_CATEGORIES) else None,
        "x": output,
        "year": _year(file, name, w.get("year")),
    }


def _codes(where: str, value) -> list[str]:
    """Distinct, non-empty labels from an R character vector."""
    a = np.asarray(value) if isinstance(value, np.ndarray) else None
    if a is None or a.ndim != 1 or a.size == 0 or a.dtype.kind != "U" or np.ma.isMaskedArray(value):
        raise FileFormatError(f"{where} must be a non-empty character vector, got {_what(value)}")
    codes = [str(c) for c in a]
    dup = repeated(codes)
    if dup or "" in codes:
        raise FileFormatError(f"{where}: " + (f"repeated codes {dup[:5]}" if dup else "an empty code"))
    return codes


def _numbers(where: str, value, ndim: int) -> np.ndarray:
    """A float64 copy of an R numeric vector or matrix; NA (masked or NaN) is refused."""
    import xarray as xr

    if isinstance(value, xr.DataArray):  # matrices with dimnames come as DataArrays
        value = value.data
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf" or value.ndim != ndim:
        kind = "vector" if ndim == 1 else "matrix"
        raise FileFormatError(f"{where} must be a numeric {kind}, got {_what(value)}")
    # R's NA_integer_ arrives masked (its bits are INT_MIN, a number once unmasked)
    na = np.ma.getmaskarray(value) | np.isnan(np.ma.getdata(value))
    if na.any():
        first = tuple(int(i) + 1 for i in np.argwhere(na)[0])
        raise FileFormatError(
            f"{where} has {int(na.sum())} missing (NA) value(s), first at R index {list(first)}"
        )
    return np.asarray(np.ma.getdata(value), dtype=np.float64)


def _year(file, name: str, value) -> int | None:
    """The year the object says it holds: its element ``year``, else its name."""
    from_name = int(name[5:]) if name[5:].isdigit() else None
    if value is None:
        return from_name
    ok = isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf"
    a = np.ma.filled(value.astype(np.float64), np.nan).ravel() if ok else None
    if a is None or not float(a[0]).is_integer():
        raise FileFormatError(f"{file}: {name}$year must be one whole number, got {_what(value)}")
    year = int(a[0])
    if from_name is not None and year != from_name:
        raise FileFormatError(f"{file}: object {name} says its year is {year}")
    return year


def _what(value) -> str:
    """A short description of an R object as converted by rdata, for messages."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__
