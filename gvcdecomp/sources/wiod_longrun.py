"""Long-run WIOD (1965–2000): per-year R data files and the publisher's long CSV."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError
from ..panel import table_or_panel
from ..table import IOTable
from . import labelled
from .cache import cached_parts
from .download import find_or_fetch

SOURCE = "wiod_longrun"
YEARS = range(1965, 2001)
UNITS = "millions of US dollars, current prices"
#: Final-demand categories per destination, in the order of the table's columns.
FD_CATEGORIES = ("CONS_h", "CONS_g", "GFCF", "INV")
#: Pseudo-country of the total rows and memo columns.
TOTAL = "xTOT"
#: Rows that, added to the intermediate inputs, make up gross output (xGO):
#: value added, taxes less subsidies on products, statistical discrepancy,
#: purchases by non-residents and by residents abroad, international margins.
VA_ROWS = ("xVA", "xTXSP", "xSD", "xPURNR", "xPURR", "xMRG_int")
#: Total rows and memo columns that are read or knowingly ignored.
TOTAL_ROWS = ("xII", *VA_ROWS, "xGO")
MEMO_COLUMNS = ("xX", "xM", "xMRG_int", "xGO")
SCHEME = labelled.Scheme(
    total=TOTAL, fd_categories=FD_CATEGORIES, fd_codes=tuple("x" + k for k in FD_CATEGORIES),
    output="xGO", va_rows=VA_ROWS, total_rows=TOTAL_ROWS, total_cols=MEMO_COLUMNS, sep="_",
)
#: Label columns of the R data frames.
RDA_LABELS = ("IndustryCode_isic3", "IndustryDescription", "Country", "Year")
#: Columns of the publisher's long CSV that are read.
CSV_COLUMNS = ("row_country", "row_isic3", "col_country", "col_isic3", "year", "value")
HINT = (
    "The publisher's long CSV lr_wiod_wiot_final_filled.csv is distributed on the Long-run "
    "WIOD page of the University of Groningen (GGDC); per-year R files WIODlr_WIOT_YYYY.rda "
    "are in the GitHub repository Carol-seven/ionet_ext, folder 'WIOD long-run/'"
)


def load_wiod_longrun(years, path=None, output: str = "rowsum", download: bool = True):
    """Load long-run WIOD world input-output tables (Woltjer, Gouma & Timmer 2021).

    Parameters
    ----------
    years : int or iterable of int
        One year (returns an :class:`~gvcdecomp.table.IOTable`) or several
        (returns a :class:`~gvcdecomp.panel.Panel`), within 1965–2000.
    path : str or Path, optional
        A file, or a folder holding the files. Default: ``$GVCDECOMP_DATA_DIR/wiod_longrun/``
        then the per-user cache ``~/.cache/gvcdecomp/wiod_longrun/``.
    output : {"rowsum", "stored"}
        Gross output used by the model (see :class:`~gvcdecomp.table.IOTable`).
    download : bool
        When no file of a year is found (and no ``path`` is given), download
        ``WIODlr_WIOT_YYYY.rda`` (about 2.8 MB) into the per-user cache, checked
        against its SHA-256 (:func:`gvcdecomp.sources.download.find_or_fetch`).
        ``False``, or ``GVCDECOMP_OFFLINE=1``, forbids it.

    Returns
    -------
    IOTable or Panel
        25 countries plus the rest of the world (``xROW``) x 23 industries
        (ISIC Rev. 3 based: AtB, C, D15t16, ..., LtQ); ``Z`` intermediate use;
        ``Y`` final use by destination and category ``CONS_h`` (households),
        ``CONS_g`` (government), ``GFCF`` (fixed capital formation), ``INV``
        (inventory changes); ``x_stored`` the published gross output
        ``xTOT_xGO``; ``va_stored`` the sum of the rows xVA, xTXSP, xSD, xPURNR,
        xPURR and xMRG_int, so that ``Z.sum(0) + va_stored = xGO``.
        Millions of US dollars, current prices.

    Notes
    -----
    Files are recognised by name, case-insensitively: ``WIODlr_WIOT_YYYY.rda``
    (one R data.frame per year; preferred when both are present) or the
    publisher's long CSV ``lr_wiod_wiot_final_filled.csv`` with columns
    ``row_country, row_isic3, col_country, col_isic3, year, value`` (others,
    such as ``row_id``/``col_id``, are ignored). Every cell of the year must be
    in the long file exactly once, zeros included, and the file must end with
    a line break: a file cut short or with lines missing is refused, never read
    as zeros. The CSV is scanned in full for every year asked for, so a panel
    read from it costs one pass over the file per year.

    Countries, industries and columns are identified by their labels, never by
    position, with surrounding blanks removed (``"AUS "`` is AUS); a file whose
    labels do not form a complete table raises
    :class:`~gvcdecomp.errors.FileFormatError`.

    Parsed tables are kept in the per-user cache (:mod:`gvcdecomp.sources.cache`;
    ``GVCDECOMP_NO_CACHE=1`` turns that off), so only the first load of a year
    scans the long CSV.

    Reference: Woltjer, P., Gouma, R. and Timmer, M. P. (2021), "Long-run World
    Input-Output Database: Version 1.0 Sources and Methods", GGDC Research
    Memorandum 190, University of Groningen.
    """
    return table_or_panel(
        years, YEARS, "the long-run WIOD", lambda y: _load_year(y, path, output, download), SOURCE
    )


def _load_year(year: int, path, output: str, download: bool) -> IOTable:
    patterns = [rf"wiodlr_wiot_{year}\.rda", r"lr_wiod_wiot_final_filled\.csv"]
    f = find_or_fetch(SOURCE, patterns, path, HINT, f"WIODlr_WIOT_{year}.rda", download)
    csv_file = f.suffix.lower() == ".csv"

    def parse():
        if csv_file:
            rows, cols, values = read_long_csv(f, year)
        else:
            rows, cols, values = read_rda(f, year)
        return assemble(f, rows, cols, values)

    # the year tells the long CSV's tables apart, and keeps a file asked for as
    # another year from being served (unchecked) from the cache
    parts = cached_parts(SOURCE, f, parse, part=str(year))
    return IOTable(
        **parts, output=output, year=year, source=f"long-run WIOD ({f.name})", units=UNITS
    )


def read_rda(file: Path, year: int):
    """Row labels, column labels and values of one ``WIODlr_WIOT_YYYY.rda``.

    Returns ``(rows, cols, values)``: rows and columns as lists of
    ``(country, code)`` pairs and the (rows, cols) float array.
    """
    import rdata

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = rdata.read_rda(str(file))
    except Exception as e:  # rdata raises many types on corrupt input
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise FileFormatError(
            f"{file}: not a readable R data file ({type(e).__name__}: {first})"
        ) from e
    name = f"WIODlr_WIOT_{year}"
    if name not in obj:
        raise FileFormatError(f"{file}: expected an object {name!r}, found {list(obj)}")
    df = obj[name]
    if not isinstance(df, pd.DataFrame):
        raise FileFormatError(f"{file}: object {name} is a {type(df).__name__}, not a data.frame")
    df.columns = [str(c) for c in df.columns]
    missing = [c for c in RDA_LABELS if c not in df.columns]
    if missing:
        raise FileFormatError(f"{file}: object {name} lacks the label column(s) {missing}")
    years = pd.to_numeric(df["Year"], errors="coerce").to_numpy()
    if not (years == year).all():
        found = sorted({str(y) for y in years if y != year})[:5]
        raise FileFormatError(f"{file}: column Year holds {', '.join(found)}, not only {year}")
    value_cols = [c for c in df.columns if c not in RDA_LABELS]
    bad = [c for c in value_cols if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise FileFormatError(f"{file}: non-numeric value column(s) {bad[:5]}")
    labels = {}
    for label in ("Country", "IndustryCode_isic3"):
        # labels padded to a fixed width ("AUS ") name the same country or industry
        labels[label] = df[label].astype("string").str.strip()
        empty = np.flatnonzero((labels[label].isna() | (labels[label] == "")).to_numpy())
        if empty.size:
            raise FileFormatError(
                f"{file}: {empty.size} row(s) without a {label}, e.g. row {empty[0] + 1}"
            )
    cols = [_split_column(file, c) for c in value_cols]
    rows = list(zip(labels["Country"].astype(str), labels["IndustryCode_isic3"].astype(str)))
    values = df[value_cols].to_numpy(dtype=np.float64, na_value=np.nan)
    # every cell of the frame is a number, memo cells included: an NA is a damaged file
    na = np.argwhere(np.isnan(values))
    if na.size:
        i, j = na[0]
        raise FileFormatError(
            f"{file}: {len(na)} missing (NA) value(s), e.g. row {rows[i][0]}_{rows[i][1]}, "
            f"column {value_cols[j]}"
        )
    return rows, cols, values


def _split_column(file, name: str) -> tuple[str, str]:
    country, sep, code = (part.strip() for part in name.strip().partition("_"))
    if not sep or not country or not code:
        raise FileFormatError(f"{file}: column {name!r} is not named COUNTRY_code")
    return country, code


def _cell(label) -> str:
    """COUNTRY_code as messages print it (escaped when it holds invisible characters,
    which would make a mislabelled cell look like a missing one)."""
    return labelled.shown(f"{label[0]}_{label[1]}")


def read_long_csv(file: Path, year: int, chunksize: int = 2_000_000):
    """Row labels, column labels and values of one year of the publisher's long CSV.

    Same return value as :func:`read_rda`; rows and columns are ordered as they
    first appear in the file. The year must be complete: every row label
    crossed with every column label of that year exactly once (zeros written
    out, as the publisher's "filled" file has them), each with a number; the
    file must end with a line break. A file cut short, or with lines lost,
    garbled or repeated, raises :class:`~gvcdecomp.errors.FileFormatError`
    rather than reading absent cells as zeros.
    """
    try:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            head = fh.readline()
        sep = csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
        header = [h.strip().strip('"') for h in head.rstrip("\r\n").split(sep)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise FileFormatError(f"{file}: cannot read a CSV header ({type(e).__name__}: {e})") from e
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise FileFormatError(
            f"{file}: the long CSV lacks the column(s) {missing}; header is {header[:10]}"
        )
    _check_last_line(file)
    labels = dict.fromkeys(CSV_COLUMNS[:4], str)
    parts = []
    try:
        reader = pd.read_csv(
            file, sep=sep, usecols=list(CSV_COLUMNS), dtype=labels, chunksize=chunksize,
            encoding="utf-8-sig",
        )  # fmt: skip
        for chunk in reader:
            y = pd.to_numeric(chunk["year"], errors="coerce")
            bad = np.flatnonzero(y.isna().to_numpy())
            if bad.size:  # a garbled line could belong to any year
                raise FileFormatError(
                    f"{file}: {bad.size} line(s) without a numeric year, e.g. line "
                    f"{chunk.index[bad[0]] + 2}: {chunk.iloc[bad[0]].tolist()}"
                )
            parts.append(chunk[y == year])
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise FileFormatError(f"{file}: unreadable long CSV ({type(e).__name__}: {e})") from e
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CSV_COLUMNS)
    if long.empty:
        raise FileFormatError(f"{file}: holds no rows for the year {year}")
    value = pd.to_numeric(long["value"], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(value).any():
        i = int(np.flatnonzero(np.isnan(value))[0])
        raise FileFormatError(
            f"{file}: {int(np.isnan(value).sum())} missing or non-numeric value(s) in {year}, "
            f"e.g. row {long['row_country'].iat[i]}_{long['row_isic3'].iat[i]}, column "
            f"{long['col_country'].iat[i]}_{long['col_isic3'].iat[i]}"
        )
    for label in CSV_COLUMNS[:4]:  # padded labels ("AUS ") name the same country or industry
        stripped = long[label].str.strip()
        long[label] = stripped.mask(stripped == "")
    unlabelled = long[list(CSV_COLUMNS[:4])].isna().any(axis=1).to_numpy()
    if unlabelled.any():
        raise FileFormatError(
            f"{file}: {int(unlabelled.sum())} line(s) of {year} with an empty country or "
            f"industry label, e.g. "
            + ", ".join(
                f"{k} {labelled.shown(v) if isinstance(v, str) else 'empty'}"
                for k, v in long.loc[unlabelled, list(CSV_COLUMNS[:4])].iloc[0].items()
            )
        )
    ri, rows = pd.factorize(pd.MultiIndex.from_arrays([long["row_country"], long["row_isic3"]]))
    ci, cols = pd.factorize(pd.MultiIndex.from_arrays([long["col_country"], long["col_isic3"]]))
    flat = ri.astype(np.int64) * len(cols) + ci
    if np.unique(flat).size != flat.size:
        _, first, counts = np.unique(flat, return_index=True, return_counts=True)
        i = int(first[np.argmax(counts > 1)])
        raise FileFormatError(
            f"{file}: the cell row {_cell(rows[ri[i]])}, column "
            f"{_cell(cols[ci[i]])} appears more than once in {year}"
        )
    if flat.size != len(rows) * len(cols):
        absent = np.ones(len(rows) * len(cols), dtype=bool)
        absent[flat] = False
        r, c = divmod(int(np.flatnonzero(absent)[0]), len(cols))
        raise FileFormatError(
            f"{file}: {int(absent.sum())} of the {absent.size} cells of {year} "
            f"({len(rows)} rows x {len(cols)} columns) are absent, e.g. row "
            f"{_cell(rows[r])}, column {_cell(cols[c])}; is the file cut short?"
        )
    values = np.empty((len(rows), len(cols)))
    values[ri, ci] = value
    return list(rows), list(cols), values


def _check_last_line(file: Path) -> None:
    """Refuse a file whose last line has no line break: it was cut mid-line."""
    try:
        with open(file, "rb") as fh:
            fh.seek(0, 2)
            if fh.tell() == 0:
                raise FileFormatError(f"{file}: the file is empty")
            fh.seek(-1, 2)
            last = fh.read(1)
    except OSError as e:
        raise FileFormatError(f"{file}: cannot be read ({type(e).__name__}: {e})") from e
    if last not in (b"\n", b"\r"):
        raise FileFormatError(
            f"{file}: the last line has no line break: the file was cut short mid-line"
        )


def assemble(file, rows, cols, values) -> dict:
    """Z, Y, x and va (keyword arguments of IOTable) from a labelled wide table.

    ``rows``/``cols`` are ``(country, code)`` pairs; besides the blocks only the
    totals rows ``TOTAL_ROWS`` and the memo columns ``MEMO_COLUMNS`` may be
    there. See :func:`~gvcdecomp.sources.labelled.assemble`.
    """
    return labelled.assemble(file, rows, cols, values, SCHEME)
