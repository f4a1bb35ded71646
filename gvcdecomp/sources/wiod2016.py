"""WIOD 2016 release (2000–2014): the R data files and the Excel binary workbooks.

Layouts read (both hold the same table: 43 countries + ``ROW`` x 56 industries,
five final-demand categories, millions of US dollars at current prices):

**R** ``WIOT{yyyy}_October16_ROW.RData`` — one data frame ``wiot`` of 2472 rows:

- label columns ``IndustryCode`` (A01 … U; for the total rows II_fob, TXSP, …),
  ``IndustryDescription``, ``Country`` (AUS … ROW; ``TOT`` on the total rows),
  ``RNr`` (the row's number within its country, 1…56) and ``Year``;
- value columns named country + number: ``AUS1`` … ``AUS56``, ``AUT1`` …,
  ``ROW56`` (intermediate use, the number being the using industry's ``RNr``),
  then ``AUS57`` … ``AUS61``, …, ``ROW61`` (final use by destination: 57
  CONS_h, 58 CONS_np, 59 CONS_g, 60 GFCF, 61 INVEN), then ``TOT`` (gross
  output);
- 2464 country-industry rows, then the rows coded II_fob, TXSP, EXP_adj, PURR,
  PURNR, VA, IntTTM, GO with ``Country == "TOT"``.

**Excel** ``WIOT{yyyy}_Nov16_ROW.xlsb`` — one sheet named after the year:

- header rows 3-6 over the data columns: the **codes** (row 3: industry codes
  A01 … U, then ``CONS_h CONS_np CONS_g GFCF INVEN`` per destination, then
  ``GO``), descriptions (row 4), the **country** of each column (row 5; ``TOT``
  over GO) and column numbers c1 … c62 (row 6);
- label columns A-D on the data rows: **industry code** (A), description (B),
  **country** (C), row number r1 … (D);
- the data from E7: 2464 rows x (2464 + 220 + 1) columns, then the total rows
  II_fob … GO (code in A, ``TOT`` in C).

Nothing here depends on those positions: the header is the row holding the
codes ``CONS_h`` and ``GO`` and the row holding ``TOT`` over ``GO``; the
columns of the row labels are those whose cells equal the first column's
country and code. Every row and column is then placed by its (country, code)
label, so a table of any size in these layouts is read.

Value added: the rows TXSP (taxes less subsidies on products), EXP_adj (cif/fob
adjustments on exports), PURR (direct purchases abroad by residents), PURNR
(purchases on the domestic territory by non-residents), VA (value added at
basic prices) and IntTTM (international transport margins) are added up into
``va``, because ``Z.sum(0) + va = GO`` column by column (II_fob is the column
sum of ``Z``, GO the output; checked on the release's national tables: the
gap is below 1e-7 of output).

Variants read as the canonical layout: labels with stray blanks, a byte-order
mark or another case (``cons_h``, ``go``, ``tot``); a gross-output column
whose code cell is empty, found by ``TOT`` or "Total output" over it, or by
its position right after the last final-demand block; total rows whose code
cell is empty, recognised by their description ("Value added at basic
prices", ...); numbers stored as text (``"1234.5"``); empty rows and columns
around the table. Text that is not a plain decimal number (``1,234``,
``NaN``, ``n/a``) is refused.

The bundles ``WIOTS_in_R.zip`` and ``WIOTS_in_EXCEL.zip`` of the release are
read directly: the year's member is read into memory (both R data and xlsb
readers need the whole file), nothing is unzipped to disk; a member declaring
more than :data:`MEMBER_LIMIT` bytes is refused before it is inflated, and
every part of an ``.xlsb`` workbook is held to the same limit. Parsed tables
are cached (see :mod:`gvcdecomp.sources.cache`).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, FileFormatError
from ..panel import table_or_panel
from ..table import IOTable
from . import archive, labelled
from .cache import cached_parts
from .generic import error_text
from .paths import find_file
from .wiot_excel import HEAD_ROWS, _text, _year, as_number

SOURCE = "wiod2016"
YEARS = range(2000, 2015)
UNITS = "millions of US dollars, current prices"
#: Final-demand categories, in the order of each destination's columns (c57 … c61).
FD_CATEGORIES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
#: Pseudo-country of the total rows and of the gross-output column.
TOTAL = "TOT"
#: Total rows that, added to the intermediate inputs, make up gross output.
VA_ROWS = ("TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM")
#: Every total row: intermediate consumption, the value-added rows, output.
TOTAL_ROWS = ("II_fob", *VA_ROWS, "GO")
#: Code of the gross-output column.
OUTPUT = "GO"
SCHEME = labelled.Scheme(
    total=TOTAL, fd_categories=FD_CATEGORIES, fd_codes=FD_CATEGORIES, output=OUTPUT,
    va_rows=VA_ROWS, total_rows=TOTAL_ROWS, total_cols=(OUTPUT,),
)
#: Label columns of the R data frame ``wiot``.
RDA_LABELS = ("IndustryCode", "IndustryDescription", "Country", "RNr", "Year")
R_BUNDLE = "WIOTS_in_R.zip"
EXCEL_BUNDLE = "WIOTS_in_EXCEL.zip"
#: Publisher's copies (DataverseNL, dataset doi:10.34894/PJ2M1C): file -> (URL, digest, bytes).
#: The digest is the one DataverseNL lists (SHA-1); the Excel bundle (datafile 199104)
#: is not offered because no published checksum for it could be established.
DOWNLOADS = {
    R_BUNDLE: (
        "https://dataverse.nl/api/access/datafile/199101",
        "sha1:51efc2a6c0358cff485e24d6b4b96ffe27f4e23a",
        641_578_409,
    ),
}
HINT = (
    "The WIOD 2016 release (doi:10.34894/PJ2M1C on DataverseNL) has the bundles "
    f"{R_BUNDLE} and {EXCEL_BUNDLE}; put one of them (or the per-year files "
    "WIOTyyyy_October16_ROW.RData / WIOTyyyy_Nov16_ROW.xlsb) there, or pass download=True"
)
_COLUMN = re.compile(r"([A-Za-z]+)(\d+)")
#: Largest inflated size accepted for a year's file in a bundle, or for a part
#: of an .xlsb workbook, in bytes. A year is 2,472 rows x 2,685 columns, 6.6
#: million numbers: 53 MB as plain doubles, and the release's compressed R file
#: and binary workbook are each smaller than that; 512 MiB leaves a wide margin.
MEMBER_LIMIT = 512 * archive.MiB
#: Codes in their published case, looked up case-insensitively.
_CANONICAL = {c.upper(): c for c in (*FD_CATEGORIES, *TOTAL_ROWS, TOTAL)}
#: Descriptions of the total rows, for a row whose code cell is empty.
_TOTAL_DESCRIPTIONS = (
    (re.compile(r"intermediate", re.I), "II_fob"),
    (re.compile(r"taxes less subsidies", re.I), "TXSP"),
    (re.compile(r"cif\s*/\s*fob", re.I), "EXP_adj"),
    (re.compile(r"purchases abroad", re.I), "PURR"),
    (re.compile(r"non-?residents", re.I), "PURNR"),
    (re.compile(r"value added", re.I), "VA"),
    (re.compile(r"transport margins", re.I), "IntTTM"),
    (re.compile(r"output", re.I), "GO"),
)


def load_wiod2016(years, path=None, output: str = "rowsum", download: bool = False):
    """Load WIOD 2016 world input-output tables (Timmer et al. 2015; release of November 2016).

    Parameters
    ----------
    years : int or iterable of int
        One year (returns an :class:`~gvcdecomp.table.IOTable`) or several
        (returns a :class:`~gvcdecomp.panel.Panel`), within 2000–2014.
    path : str or Path, optional
        A file (per-year file or bundle), or a folder holding them. Default:
        ``$GVCDECOMP_DATA_DIR/wiod2016/`` then the per-user cache
        ``~/.cache/gvcdecomp/wiod2016/``.
    output : {"rowsum", "stored"}
        Gross output used by the model (see :class:`~gvcdecomp.table.IOTable`).
    download : bool
        When no file is found, download ``WIOTS_in_R.zip`` (641.6 MB) from
        DataverseNL into the per-user cache, checked against its published size
        and SHA-1 (:func:`gvcdecomp.sources.download.fetch`), and read it from
        there. The publisher may answer scripts with a browser check page; the
        checksum then fails and nothing is kept: download the bundle in a
        browser and put it in the cache folder instead.

    Returns
    -------
    IOTable or Panel
        44 countries (43 and ``ROW``) x 56 industries (ISIC Rev. 4 based:
        A01 … U); ``Y`` by destination and category CONS_h, CONS_np, CONS_g,
        GFCF, INVEN; ``x_stored`` the published gross output (column/row GO);
        ``va_stored`` the sum of the rows TXSP, EXP_adj, PURR, PURNR, VA and
        IntTTM, so that ``Z.sum(0) + va_stored = GO``. Millions of US dollars,
        current prices.

    Notes
    -----
    Files are looked for, case-insensitively, in this order: the year's
    ``WIOT{yyyy}_October16_ROW.RData``, ``WIOT{yyyy}_Nov16_ROW.xlsb``, then the
    bundles ``WIOTS_in_R.zip`` and ``WIOTS_in_EXCEL.zip`` (read without
    unzipping to disk). The layouts are described in the module docstring; a
    file that does not follow them (truncated, another object or sheet, a
    missing header row, duplicated or missing labels, empty cells) raises
    :class:`~gvcdecomp.errors.FileFormatError` naming the file and the problem.
    Reading an ``.xlsb`` needs the package ``pyxlsb``.

    Reference: Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and de
    Vries, G. J. (2015), "An Illustrated User Guide to the World Input-Output
    Database: the Case of Global Automotive Production", Review of
    International Economics 23: 575-605.
    """
    return table_or_panel(
        years, YEARS, "WIOD 2016", lambda y: _load_year(y, path, output, download),
        SOURCE,
    )


def _patterns(year: int) -> dict[str, str]:
    return {"rdata": rf"wiot{year}_october16_row\.rdata", "xlsb": rf"wiot{year}_nov16_row\.xlsb"}


def _load_year(year: int, path, output: str, download: bool) -> IOTable:
    per_year = list(_patterns(year).values())
    bundles = [re.escape(R_BUNDLE.lower()), re.escape(EXCEL_BUNDLE.lower())]
    try:
        f = find_file(SOURCE, per_year + bundles, path, HINT)
    except DataNotFoundError:
        if not download:
            raise
        from .download import fetch

        url, digest, size = DOWNLOADS[R_BUNDLE]
        f = fetch(SOURCE, R_BUNDLE, url, digest, size=size)
    member = _member(f, year) if f.suffix.lower() == ".zip" else None

    def parse():
        parts = read_table(f, member)
        if parts.pop("year") not in (None, year):
            raise FileFormatError(f"{_where(f, member)}: does not hold the table of {year}")
        return parts

    parts = cached_parts(SOURCE, f, parse, part=f"{member or ''}{year}")  # year: see wiod2013
    name = f.name if member is None else f"{f.name}:{member}"
    return IOTable(**parts, output=output, year=year, source=f"WIOD 2016 ({name})", units=UNITS)


def _member(bundle: Path, year: int) -> str:
    """Name (``/``-separated) of the year's table inside a release bundle."""
    with archive.open_zip(bundle) as zf:
        names = list(archive.members(zf))
    for pattern in _patterns(year).values():
        hits = [n for n in names if re.fullmatch(pattern, n.rsplit("/", 1)[-1], re.IGNORECASE)]
        if hits:
            return hits[0]
    raise FileFormatError(
        f"{bundle}: holds no table of {year} (WIOT{year}_October16_ROW.RData or "
        f"WIOT{year}_Nov16_ROW.xlsb); members: {', '.join(names[:8])}"
        + (" ..." if len(names) > 8 else "")
    )


def _where(file: Path, member: str | None) -> str:
    return str(file) if member is None else f"{file} (member {member})"


def read_table(file, member: str | None = None) -> dict:
    """Parts of an IOTable (and ``year``) from a WIOD 2016 file or a bundle member.

    ``file`` is an ``.RData`` or ``.xlsb`` file, or a zip bundle with
    ``member`` naming one of those inside it. Returns the keyword arguments of
    :class:`~gvcdecomp.table.IOTable` (``Z``, ``Y``, ``countries``, ``sectors``,
    ``fd_categories``, ``x``, ``va``) plus ``year`` as found in the file (None
    when the file does not say).
    """
    file = Path(file)
    where = _where(file, member)
    name = file.name if member is None else Path(member).name
    source = file if member is None else io.BytesIO(archive.read_member(file, member, MEMBER_LIMIT))
    if name.lower().endswith(".xlsb"):
        rows, cols, values, year = read_xlsb(source, where)
    else:
        rows, cols, values, year = read_rdata(source, where)
    return {**assemble(where, rows, cols, values), "year": year}


# -- R data ---------------------------------------------------------------------
def read_rdata(source, where: str):
    """Row labels, column labels, values and year of one ``WIOT{yyyy}_October16_ROW.RData``.

    ``source`` is a path or a binary file object. Rows and columns are lists of
    ``(country, code)`` pairs; value columns ``AUS7`` are labelled with the
    industry whose ``RNr`` is 7 (``AUS57`` … ``AUS61`` with the final-demand
    categories, ``TOT`` with ``(TOT, GO)``).
    """
    import rdata

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data.table has no constructor: a data.frame is fine
            obj = rdata.read_rda(source)
    except Exception as e:  # rdata raises many types on corrupt input
        raise FileFormatError(
            f"{where}: not a readable R data file ({error_text(e)})"
        ) from e
    if "wiot" not in obj:
        raise FileFormatError(f"{where}: expected a data frame 'wiot', found {list(obj)}")
    df = obj["wiot"]
    if not isinstance(df, pd.DataFrame):
        raise FileFormatError(f"{where}: object wiot is a {type(df).__name__}, not a data frame")
    df.columns = [str(c) for c in df.columns]
    missing = [c for c in RDA_LABELS if c not in df.columns]
    if missing:
        raise FileFormatError(f"{where}: data frame wiot lacks the label column(s) {missing}")
    years = pd.to_numeric(df["Year"], errors="coerce").dropna().unique()
    if len(years) > 1:
        raise FileFormatError(f"{where}: column Year holds several years {sorted(years)[:5]}")
    year = int(years[0]) if len(years) else None
    value_cols = [c for c in df.columns if c not in RDA_LABELS]
    bad = [c for c in value_cols if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise FileFormatError(f"{where}: non-numeric value column(s) {bad[:5]}")
    country, code = (df[c].astype(str).str.strip() for c in ("Country", "IndustryCode"))
    rows = list(zip(country, code))
    number_to_code = _industry_numbers(where, rows, df["RNr"])
    cols = [_column_label(where, c, number_to_code) for c in value_cols]
    return rows, cols, df[value_cols].to_numpy(dtype=np.float64), year


def _industry_numbers(where, rows, rnr) -> dict[int, str]:
    """Industry code of each row number (``RNr``) of the country-industry rows."""
    numbers = pd.to_numeric(pd.Series(rnr).astype(str).str.extract(r"(\d+)")[0], errors="coerce")
    code_of = {}
    for (country, code), n in zip(rows, numbers):
        if country == TOTAL:
            continue
        if pd.isna(n):
            raise FileFormatError(f"{where}: row {country} {code} has no row number RNr")
        n = int(n)
        if code_of.setdefault(n, code) != code:
            raise FileFormatError(
                f"{where}: row number RNr {n} is industry {code_of[n]!r} in one country "
                f"and {code!r} in {country}"
            )
    return code_of


def _column_label(where, name: str, code_of: dict[int, str]) -> tuple[str, str]:
    if name == TOTAL:
        return TOTAL, OUTPUT
    m = _COLUMN.fullmatch(name)
    if not m:
        raise FileFormatError(f"{where}: column {name!r} is not named country + number")
    country, n = m.group(1), int(m.group(2))
    if n in code_of:
        return country, code_of[n]
    k = n - max(code_of, default=0) - 1
    if 0 <= k < len(FD_CATEGORIES):
        return country, FD_CATEGORIES[k]
    raise FileFormatError(
        f"{where}: column {name!r}: {n} is neither an industry's row number nor one of the "
        f"{len(FD_CATEGORIES)} final-demand numbers after the last industry"
    )


# -- Excel binary workbook ---------------------------------------------------------
def read_xlsb(source, where: str):
    """Row labels, column labels, values and year of one ``WIOT{yyyy}_Nov16_ROW.xlsb``.

    ``source`` is a path or a binary file object. The first sheet that has the
    header (see :func:`read_grid`) is read.
    """
    from pyxlsb import open_workbook

    with archive.open_zip(source, ".xlsb workbook", where) as zf:
        archive.check_archive(zf, where, MEMBER_LIMIT)
    try:
        wb = open_workbook(source)
    except Exception as e:  # zipfile, struct and KeyError on a foreign or corrupt file
        raise FileFormatError(
            f"{where}: not a readable .xlsb workbook ({error_text(e)})"
        ) from e
    try:
        with wb:
            for name in wb.sheets:
                with wb.get_sheet(name) as sheet:
                    rows = ([c.v for c in row] for row in sheet.rows(sparse=False))
                    found = read_grid(rows, f"{where}: sheet {name!r}", title=name)
                if found is not None:
                    return found
    except FileFormatError:
        raise
    except Exception as e:  # a sheet stream cut short or mangled
        raise FileFormatError(f"{where}: corrupt worksheet ({error_text(e)})") from e
    raise FileFormatError(
        f"{where}: no sheet has the WIOT header (a row with the code CONS_h within "
        f"its first {HEAD_ROWS} rows); sheets: {', '.join(map(repr, wb.sheets))}"
    )


def read_grid(rows: Iterable[Sequence], where: str, title: str = ""):
    """Find the table in a sheet given as rows of cell values, and read it.

    Parameters
    ----------
    rows : iterable of sequences
        The sheet's rows from the first, each the list of its cell values
        (str, int, float or None); any row source will do (a workbook reader,
        or lists in memory).
    where : str
        File and sheet, for messages.
    title : str
        Sheet name, searched for the year.

    Returns
    -------
    tuple or None
        ``(rows, cols, values, year)`` as :func:`read_rdata`, or None when the
        first ``HEAD_ROWS`` rows have no row holding the code ``CONS_h`` (not
        a WIOT sheet).

    The header is found from its labels (compared without case): the code row
    holds ``CONS_h`` and ``GO`` (or an empty code cell right after the last
    final-demand column); the country row holds ``TOT`` over ``GO`` (or
    country codes over every final-demand column); the data columns run from
    the first of the contiguous labelled cells of both rows that end at ``GO``.
    The label columns of the data rows are those whose cells equal the first
    data column's country and code. Rows below with labels are kept (the total
    rows among them); unlabelled rows must be empty.
    """
    rows = iter(rows)
    head = [list(r) for _, r in zip(range(HEAD_ROWS), rows)]
    header = _header(head, where)
    if header is None:
        return None
    r_code, r_country, c0, g = header
    codes, countries = head[r_code], head[r_country]
    cols = [(_key(countries, j), _key(codes, j)) for j in range(c0, g)] + [(TOTAL, OUTPUT)]
    first, j_country, j_code = _first_data_row(head, max(r_code, r_country) + 1, c0, cols[0], where)
    titles = [_text(r, j) for r in head[:first] for j in range(min(c0, len(r)))]
    year = _year(title, *filter(None, titles))
    labels, data = [], []
    width = g + 1 - c0
    for i, row in enumerate(chain(head[first:], rows), start=first):
        label = (_key(row, j_country), _key(row, j_code))
        if label[0] == TOTAL and label[1] is None:  # a total row known by its description
            text = " ".join(filter(None, (_text(row, j) for j in range(min(c0, len(row))))))
            label = (TOTAL, next((k for rx, k in _TOTAL_DESCRIPTIONS if rx.search(text)), None))
        values = _numbers(row[c0 : g + 1], width)
        if label[0] is None or label[1] is None:
            if not np.isnan(values).all():
                raise FileFormatError(
                    f"{where}: row {i + 1} has values but no country and code label "
                    f"(columns {_column_name(j_country)} and {_column_name(j_code)})"
                )
            continue
        labels.append(label)
        data.append(values)
    values = np.vstack(data) if data else np.empty((0, width))
    return labels, cols, values, year


def _key(row, j):
    """Label of a cell compared without case: known codes as published, others in capitals."""
    t = _text(row, j)
    return None if t is None else _CANONICAL.get(t.upper(), t.upper())


def _header(head, where):
    """(code row, country row, first data column, GO column), None without a code row.

    The GO column is the one coded GO or, when that cell is empty, the one right
    after the last final-demand code. The country row holds TOT over it, or else
    three-letter country codes over every final-demand column.
    """
    for r, row in enumerate(head):
        keys = [_key(row, j) for j in range(len(row))]
        if "CONS_h" in keys:
            break
    else:
        return None
    if OUTPUT in keys:
        g = len(keys) - 1 - keys[::-1].index(OUTPUT)
    else:
        g = max(j for j, k in enumerate(keys) if k is not None) + 1
        if keys[g - 1] not in FD_CATEGORIES:
            raise FileFormatError(
                f"{where}: row {r + 1} has the column codes but no {OUTPUT} column (coded "
                f"{OUTPUT}, or uncoded right after the last final-demand column)"
            )
    others = [q for q in range(len(head)) if q != r]
    fd = range(keys.index("CONS_h"), g)
    q = next((q for q in others if _key(head[q], g) == TOTAL), None)
    if q is None:
        def coded(q):
            return all(re.fullmatch("[A-Z]{3}", _key(head[q], j) or "") for j in fd)

        q = next(filter(coded, others), None)
    if q is None:
        raise FileFormatError(
            f"{where}: missing header row: row {r + 1} has the column codes, but no row has "
            f"{TOTAL!r} over the {OUTPUT} column {_column_name(g)} (the row of country codes)"
        )
    c0 = g
    while c0 > 0 and _text(head[r], c0 - 1) and _text(head[q], c0 - 1):
        c0 -= 1
    return r, q, c0, g


def _first_data_row(head, start, c0, first_col, where):
    """Index of the first data row and the columns of its country and code labels."""
    country, code = first_col
    for i in range(start, len(head)):
        cells = [_key(head[i], j) for j in range(min(c0, len(head[i])))]
        if country in cells and code in cells:
            j_country = cells.index(country)
            j_code = next((j for j, c in enumerate(cells) if c == code and j != j_country), None)
            if j_code is not None:
                return i, j_country, j_code
    raise FileFormatError(
        f"{where}: no data row below the header (rows {start}-{len(head)}) is labelled with "
        f"the first column's country {country!r} and code {code!r}"
    )


def _numbers(cells, width) -> np.ndarray:
    """Cell values as floats (numbers stored as text included); other cells are NaN."""
    out = np.full(width, np.nan)
    for j, v in enumerate(cells):
        x = as_number(v)
        if x is not None:
            out[j] = x
    return out


def _column_name(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


# -- assembly -----------------------------------------------------------------------
def assemble(where, rows, cols, values) -> dict:
    """Z, Y, x and va (keyword arguments of IOTable) from a labelled WIOD 2016 table.

    ``rows``/``cols`` are ``(country, code)`` pairs and ``values`` the
    (rows, cols) array; besides the blocks only the rows II_fob and GO may be
    there. See :func:`~gvcdecomp.sources.labelled.assemble`.
    """
    return labelled.assemble(where, rows, cols, values, SCHEME)
