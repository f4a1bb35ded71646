"""WIOD 2013 release (1995–2011): R-package RData files and the official Excel files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..panel import table_or_panel
from ..table import IOTable
from .cache import cached_parts
from .paths import find_file

SOURCE = "wiod2013"
YEARS = range(1995, 2012)
FD_CATEGORIES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
UNITS = "millions of US dollars, current prices"
HINT = (
    "The official Excel files WIOT{yy}_ROW_Apr12.xlsx / WIOT{yy}_ROW_Sep12.xlsx are "
    "distributed at wiod.org (2013 release); the R package 'wiod' (GitHub bquast/wiod, "
    "folder data/) ships them as wiot_YYYY.RData"
)


def load_wiod2013(years, path=None, output: str = "rowsum"):
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

    Notes
    -----
    Files are recognised by name, case-insensitively: ``wiot_YYYY.RData`` (R
    package ``wiod``, values rounded to whole millions) or the official
    ``WIOTyy_ROW_Apr12.xlsx`` (1995–2007) / ``WIOTyy_ROW_Sep12.xlsx`` (2008–2011).
    Tables: 40 countries + RoW, 35 industries c1…c35, five final-demand
    categories; millions of US dollars, current prices. Parsed tables are kept
    in the per-user cache (:mod:`gvcdecomp.sources.cache`; ``GVCDECOMP_NO_CACHE=1``
    turns that off).
    """
    return table_or_panel(
        years, YEARS, "WIOD 2013", lambda y: _load_year(y, path, output), SOURCE
    )


def _load_year(year: int, path, output: str) -> IOTable:
    yy = f"{year % 100:02d}"
    patterns = [rf"wiot_{year}\.rdata", rf"wiot{yy}_row_(apr|sep)12\.xlsx"]
    f = find_file(SOURCE, patterns, path, HINT)

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
    return IOTable(**parts, output=output, source=f"WIOD 2013 ({f.name})", units=UNITS)


def read_rdata(file: Path) -> dict:
    """Parts of an IOTable from one ``wiot_YYYY.RData`` of the R package ``wiod``."""
    import rdata

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # class 'iot' has no constructor: a plain list is fine
            obj = rdata.read_rda(str(file))
    except Exception as e:  # rdata raises many types on corrupt input
        raise FileFormatError(f"{file}: not a readable R data file ({type(e).__name__}: {e})") from e
    names = [k for k in obj if str(k).startswith("wiot_")]
    if len(names) != 1 or not isinstance(obj[names[0]], dict):
        raise FileFormatError(f"{file}: expected one object 'wiot_YYYY', found {list(obj)}")
    w = {str(k): v for k, v in obj[names[0]].items()}
    missing = {"inter", "final", "output", "countries", "industries"} - set(w)
    if missing:
        raise FileFormatError(f"{file}: object {names[0]} lacks {sorted(missing)}")
    countries = [str(c) for c in np.asarray(w["countries"])]
    industries = [str(i) for i in np.asarray(w["industries"])]
    final = np.asarray(w["final"], dtype=np.float64)
    K = final.shape[1] // max(len(countries), 1)
    year = int(np.asarray(w["year"]).ravel()[0]) if "year" in w else None
    return {
        "Z": np.asarray(w["inter"], dtype=np.float64),
        "Y": final,
        "countries": countries,
        "sectors": industries,
        "fd_categories": FD_CATEGORIES if K == len(FD_CATEGORIES) else None,
        "x": np.asarray(w["output"], dtype=np.float64),
        "year": year,
    }
