"""Reader of the official WIOD 2013 world input-output tables in Excel.

The release files ``WIOTyy_ROW_Apr12.xlsx`` (1995–2007) and
``WIOTyy_ROW_Sep12.xlsx`` (2008–2011) hold one table on one sheet:

- a title (``World Input-Output Table <year>``) in A1, units in the first rows;
- four header rows over the data columns, rows 3-6: an ISIC-based industry
  code, a description, the **country code** (row 5) and the **column code**
  (row 6): ``c1``…``c35`` for the industries, ``c37 c38 c39 c41 c42`` for the
  five final-demand categories of each destination country, ``c62`` for the
  total (gross output);
- four label columns A-D on the data rows: ISIC-based code, description,
  **country code** (C) and **industry code** (D);
- the data from E7: 1435 rows (41 countries x 35 industries, country-major) by
  1435 intermediate-use columns, 41 x 5 final-demand columns and the total;
- below the intermediate rows, rows coded ``r60`` (total intermediate
  consumption) to ``r69`` (output at basic prices), between them taxes less
  subsidies on products, cif/fob adjustments on exports, direct purchases abroad
  by residents, purchases on the domestic territory by non-residents, value added
  at basic prices and international transport margins.

Nothing here depends on those sizes or positions: the first data cell is the
one whose column header (country, code) equals the labels of its row (country
in the column two to the left of the data, code in the column just left of it),
and the extent of each block is read from the labels, so a table of G
countries x N industries of any size in the same layout is read as well.

Variants read as the canonical layout: labels with stray blanks, a byte-order
mark or another case than the header's (``C14`` under ``c14``; the header's
spelling is kept); a total column whose code cell is empty, recognised by its
description ("Total output"), by ``TOT`` over it, or by its position right
after the last final-demand block; valuation rows recognised by code or
description; numbers stored as text (``"1234.5"``); empty rows and columns
around the table. Text that is not a plain decimal number (``1,234``,
``NaN``) is refused, as are an empty cell in the data and value-added rows
that do not end with the output row ``r69`` (a table cut short).

Bounds: the workbook is a zip; each of its parts must declare at most
:data:`PART_LIMIT` bytes, and encrypted workbooks are refused, before
openpyxl reads anything; the sheet is then streamed row by row.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from itertools import chain, islice
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np

from ..errors import FileFormatError, GVCError
from . import archive
from .generic import error_text

#: Rows of each sheet searched for the header.
HEAD_ROWS = 60
#: Largest inflated size accepted for a part of the workbook, in bytes. The
#: sheet of a release year (1,441 rows x 1,640 columns, 2.4 million cells of
#: about 40 bytes of XML each) is about 100 MB; 1 GiB leaves a wide margin.
PART_LIMIT = 1 * archive.GiB

#: WIOD 2013 final-demand column codes -> category codes used by gvcdecomp.
FD_CODES = {"c37": "CONS_h", "c38": "CONS_np", "c39": "CONS_g", "c41": "GFCF", "c42": "INVEN"}

# Description keywords, for tables that label final demand by text only; the
# NPISH test comes before the households one ("... serving households").
_FD_WORDS = (
    (re.compile(r"non-?profit|npish", re.I), "CONS_np"),
    (re.compile(r"household", re.I), "CONS_h"),
    (re.compile(r"government", re.I), "CONS_g"),
    (re.compile(r"fixed capital", re.I), "GFCF"),
    (re.compile(r"inventor", re.I), "INVEN"),
)
_TOTAL_INTERMEDIATE = re.compile(r"\br60\b|total intermediate", re.I)
_OUTPUT = re.compile(r"\br69\b|\boutput\b", re.I)
_VALUE_ADDED = re.compile(r"value added", re.I)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# What a corrupt or foreign file makes zipfile / the XML parser raise while the
# sheet is read; opening the workbook may raise more (see read_wiot_excel).
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ParseError)


def read_wiot_excel(path) -> dict:
    """Read a world input-output table in the WIOD 2013 Excel layout.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` file, e.g. ``WIOT11_ROW_Sep12.xlsx``. The first sheet that
        has the header is read; its name does not matter.

    Returns
    -------
    dict
        The parts of an :class:`~gvcdecomp.table.IOTable`:

        ``Z`` (GN, GN)
            intermediate use, rows and columns country-major;
        ``Y`` (GN, G*K)
            final use by destination country then category (country-major);
        ``countries``, ``sectors``
            the country codes (column C / row 5) and industry codes
            (column D / row 6, ``c1``…``c35``), in the order of the table;
        ``fd_categories``
            K codes: ``CONS_h, CONS_np, CONS_g, GFCF, INVEN`` mapped from the
            WIOD column codes ``c37, c38, c39, c41, c42`` (or, failing that,
            from the descriptions); other codes are kept as in the file;
        ``x`` (GN,)
            gross output, the total column (``c62``);
        ``va`` (GN,) or None
            value added plus valuation, by column: the sum over the rows below
            the intermediate block of every row other than total intermediate
            consumption (``r60``) and output (``r69``), that is taxes less
            subsidies on products, cif/fob adjustments on exports, direct
            purchases abroad by residents, purchases on the domestic territory
            by non-residents, value added at basic prices and international
            transport margins, so that ``x = Z.sum(0) + va`` in a balanced
            table; None when there are no such rows;
        ``year``
            int from the sheet name, else from the title cells above the
            header, else None.

    Units are those of the file (WIOD: millions of US dollars, current prices).

    Raises
    ------
    FileFormatError
        Naming the file and the problem: not an xlsx file or a corrupt one, no
        sheet with the header, a missing header row, duplicated labels, rows or
        columns out of order, a non-numeric or empty cell in the data, or a
        block with fewer rows than the header announces.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    with archive.open_zip(path, ".xlsx workbook") as zf:
        archive.check_archive(zf, str(path), PART_LIMIT)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (*_CORRUPT, InvalidFileException, ValueError, TypeError) as e:
        # openpyxl raises TypeError / ValueError on workbook parts it cannot parse
        raise FileFormatError(
            f"{path}: not a readable .xlsx workbook ({error_text(e)})"
        ) from e
    try:
        return _read_workbook(path, wb)
    except GVCError:
        raise
    except (*_CORRUPT, ValueError, IndexError, TypeError, AttributeError) as e:
        # openpyxl turns what it finds in the sheet XML into Python values and
        # coordinates: text in a numeric cell, a shared-string index out of
        # range, an impossible cell reference ("A0", "ZZZZ1") raise these
        raise FileFormatError(f"{path}: corrupt worksheet ({error_text(e)})") from e
    finally:
        wb.close()


def _read_workbook(path: Path, wb) -> dict:
    near_miss = None
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        head = list(islice(rows, HEAD_ROWS))
        corner = _find_corner(head)
        if corner is not None:
            return _Sheet(path, ws.title, head, rows, *corner).read()
        near_miss = near_miss or _find_code_row(head, ws.title)
    if near_miss:
        raise FileFormatError(f"{path}: {near_miss}")
    raise FileFormatError(
        f"{path}: no sheet has the WIOT header (a row of country codes over a row of "
        "industry codes, whose first code matches the country and industry labels "
        f"of the first data row) in its first {HEAD_ROWS} rows; sheets: "
        + ", ".join(repr(ws.title) for ws in wb.worksheets)
    )


def _label(row, j):
    """Stripped text of a label cell (byte-order mark removed), None when empty or outside."""
    v = row[j] if 0 <= j < len(row) else None
    if v is None:
        return None
    s = str(v).replace("\ufeff", "").strip()
    return s or None


def _text(row, j):
    """Like :func:`_label` for text cells only (a number is not a label here)."""
    v = row[j] if 0 <= j < len(row) else None
    return _label(row, j) if isinstance(v, str) else None


def _same(a, b) -> bool:
    """Labels equal but for case (None equals nothing)."""
    return a is not None and b is not None and a.casefold() == b.casefold()


def _fold(label):
    return None if label is None else tuple(x and x.casefold() for x in label)


def as_number(v) -> float | None:
    """A cell as a finite float: a number, or text holding a plain decimal number; else None.

    ``"1,234"`` is None: the comma may separate thousands or decimals.
    """
    if isinstance(v, int | float) and not isinstance(v, bool):
        x = float(v)
    elif isinstance(v, str) and _DECIMAL.fullmatch(v.strip()):
        x = float(v)
    else:
        return None
    return x if np.isfinite(x) else None


def _find_corner(head):
    """(h, c0): index of the industry-code header row and of the first data column.

    The corner is where the column header (country in row h-1, code in row h)
    equals the labels of the next row (country in column c0-2, code in c0-1).
    """
    for h in range(1, len(head) - 1):
        codes, below = head[h], head[h + 1]
        for c0 in range(2, len(codes)):
            code = _text(codes, c0)
            if (
                code is not None
                and _same(code, _text(below, c0 - 1))
                and _same(_text(head[h - 1], c0), _text(below, c0 - 2))
            ):
                return h, c0
    return None


def _find_code_row(head, title):
    """Message for a sheet whose industry-code row is there but the country row is not."""
    for h in range(0, len(head) - 1):
        codes, below = head[h], head[h + 1]
        for c0 in range(2, len(codes)):
            code = _text(codes, c0)
            if _same(code, _text(below, c0 - 1)) and _text(below, c0 - 2):
                return (
                    f"sheet {title!r}: the header row of country codes is missing above "
                    f"the industry codes in row {h + 1} (cell {_cell(h, c0)} holds {code!r}; "
                    f"expected {_text(below, c0 - 2)!r} above it, as in {_cell(h + 1, c0 - 2)})"
                )
    return None


def _cell(i, j):
    """Excel name of the cell at 0-based row i, column j."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(j + 1)}{i + 1}"


def _year(*texts):
    for t in texts:
        m = _YEAR.search(t or "")
        if m:
            return int(m.group(1))
    return None


class _Sheet:
    """One sheet being read: the header at (h, c0), then the rows streamed once."""

    def __init__(self, path, title, head, rows, h, c0):
        self.path, self.title, self.h, self.c0 = path, title, h, c0
        self.head = head
        self.rows = chain(head[h + 1 :], rows)
        self.i = h  # 0-based index of the last row taken from self.rows

    def fail(self, msg):
        raise FileFormatError(f"{self.path}: sheet {self.title!r}: {msg}")

    def next_row(self):
        row = next(self.rows, None)
        if row is not None:
            self.i += 1
        return row

    # -- header ---------------------------------------------------------------
    def columns(self):
        """(country, code) of each data column, from c0 to the first empty code."""
        codes, ctry = self.head[self.h], self.head[self.h - 1]
        desc = self.head[self.h - 2] if self.h >= 2 else ()
        cols, descs = [], []
        j = self.c0
        while _label(codes, j) is not None:
            cols.append((_label(ctry, j), _label(codes, j)))
            descs.append(_label(desc, j))
            j += 1
        # a total column without its code: told by its description, TOT over
        # it, or its place right after a final-demand column
        if cols and (
            _OUTPUT.search(_label(desc, j) or "")
            or _same(_label(ctry, j), "TOT")
            or _fd_code(cols[-1][1])
        ):
            cols.append((_label(ctry, j) or "TOT", "c62"))
            descs.append(_label(desc, j))
        return cols, descs

    def industries(self, cols):
        """Countries, industries and GN from the intermediate-use column headers."""
        first = cols[0][0]
        N = 0
        while N < len(cols) and cols[N][0] == first:
            N += 1
        if N == len(cols) or cols[N][1] != cols[0][1]:
            # one country only: its final-demand columns carry its code too, so
            # the industries are those of its rows
            N = self.single_country_rows(first)
        sectors = [c for _, c in cols[:N]]
        dup = sorted({s for s in sectors if sectors.count(s) > 1})
        if dup:
            self.fail(f"duplicated industry codes in the header row {self.h + 1}: {', '.join(dup)}")
        countries = [first]
        p = N
        while p < len(cols) and cols[p][1] == sectors[0]:
            country = cols[p][0]
            if country is None:
                self.fail(f"no country code above column {_cell(self.h, self.c0 + p)}")
            if country in countries:
                self.fail(
                    f"duplicated labels: country {country!r} heads two blocks of industry "
                    f"columns (again from {_cell(self.h - 1, self.c0 + p)})"
                )
            block = cols[p : p + N]
            if [c for c, _ in block] != [country] * N or [s for _, s in block] != sectors:
                self.fail(
                    f"the industry columns of {country!r} from {_cell(self.h, self.c0 + p)} "
                    f"are not the {N} industries {sectors[0]}…{sectors[-1]} of "
                    f"{first!r} in the same order"
                )
            countries.append(country)
            p += N
        return countries, sectors

    def single_country_rows(self, country):
        buffer = []
        while (row := next(self.rows, None)) is not None and _label(row, self.c0 - 2) == country:
            buffer.append(row)
        self.rows = chain(buffer, [] if row is None else [row], self.rows)
        if not buffer:
            self.fail(f"no data rows below the header row {self.h + 1}")
        return len(buffer)

    def final_demand(self, cols, descs, countries, n):
        """K category codes and the position of the total column."""
        G = len(countries)
        fd = cols[n:]
        if len(fd) < 2:
            self.fail(
                f"the header has {len(fd)} column(s) after the {n} intermediate-use columns; "
                "expected final-demand columns and a total column"
            )
        if G == 1:
            K = len(fd) - 1
        else:
            K = 0
            while K < len(fd) and fd[K][0] == fd[0][0]:
                K += 1
        codes = [c for _, c in fd[:K]]
        expected = [(c, k) for c in countries for k in codes]
        if len(fd) < G * K + 1 or fd[: G * K] != expected:
            got = fd[: G * K]
            j = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), len(got))
            where = _cell(self.h, self.c0 + n + j)
            if j == len(got):
                self.fail(
                    f"the header announces {G} countries x {K} final-demand categories "
                    f"{codes} plus a total column, but has only {len(fd)} columns after the "
                    "intermediate block"
                )
            self.fail(
                f"final-demand column {where} is labelled {got[j]}, expected {expected[j]} "
                f"({G} destination countries x {K} categories {codes}, country-major)"
            )
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            self.fail(
                f"duplicated final-demand codes {', '.join(dup)} in the header row {self.h + 1}"
            )
        return _fd_categories(codes, descs[n : n + K]), n + G * K

    # -- data -----------------------------------------------------------------
    def numbers(self, row, width, total=None):
        """The row's cells as floats; ``total``: index of the total column, for messages."""
        vals = row[self.c0 : self.c0 + width]
        if len(vals) == width and {type(v) for v in vals} <= {int, float}:
            out = np.array(vals, dtype=np.float64)
            if np.isfinite(out).all():
                return out
        vals = tuple(vals) + (None,) * (width - len(vals))
        out = np.array([as_number(v) for v in vals], dtype=np.float64)  # None -> NaN
        bad = np.flatnonzero(np.isnan(out))
        if not bad.size:
            return out
        j = int(bad[0])
        what = "an empty cell" if vals[j] is None else f"the non-numeric value {vals[j]!r}"
        where = " (the total column, gross output)" if j == total else ""
        self.fail(f"the data block holds {what} at {_cell(self.i, self.c0 + j)}{where}")

    def read(self) -> dict:
        cols, descs = self.columns()
        countries, sectors = self.industries(cols)
        G, N = len(countries), len(sectors)
        n = G * N
        fd_categories, total = self.final_demand(cols, descs, countries, n)
        width = total + 1
        labels = cols[:n]
        index = {_fold(lab): i for i, lab in enumerate(labels)}

        data = np.empty((n, width))
        seen = set()
        for i in range(n):
            row = self.next_row()
            lab = None if row is None else (_label(row, self.c0 - 2), _label(row, self.c0 - 1))
            if _fold(lab) not in index:
                end = "the sheet ends" if row is None else f"row {self.i + 1} is labelled {lab}"
                self.fail(
                    f"truncated data block: the header announces {n} rows ({G} countries x "
                    f"{N} industries) from row {self.h + 2}, but after {i} rows {end}"
                )
            if _fold(lab) in seen:
                self.fail(f"duplicated labels: row {self.i + 1} repeats {lab}")
            if index[_fold(lab)] != i:
                self.fail(
                    f"row {self.i + 1} is labelled {lab}, expected {labels[i]}: the rows must "
                    "be in the order of the columns"
                )
            seen.add(_fold(lab))
            data[i] = self.numbers(row, width, total)

        va = self.valuation_rows(index, n)
        # the title ("World Input-Output Table 2011") is in the label columns above the header
        titles = [_text(r, j) for r in self.head[: self.h] for j in range(min(self.c0, len(r)))]
        year = _year(self.title, *filter(None, titles))
        return {
            "Z": data[:, :n],
            "Y": data[:, n:total],
            "countries": countries,
            "sectors": sectors,
            "fd_categories": fd_categories,
            "x": data[:, total],
            "va": va,
            "year": year,
        }

    def valuation_rows(self, index, n):
        """Sum of the rows below the block other than total intermediate use and output.

        A value-added row and the output row after it must be there: a table
        cut inside these rows would otherwise give a smaller value added.
        """
        va, has_va, has_output = None, False, False
        while (row := self.next_row()) is not None:
            text = " ".join(t for j in range(min(self.c0, len(row))) if (t := _label(row, j)))
            values = row[self.c0 : self.c0 + n]
            if not text:
                if any(v is not None for v in values):
                    self.fail(f"row {self.i + 1} below the data block has values but no label")
                continue
            if _fold((_label(row, self.c0 - 2), _label(row, self.c0 - 1))) in index:
                self.fail(
                    f"duplicated labels: row {self.i + 1} below the data block repeats "
                    f"{(_label(row, self.c0 - 2), _label(row, self.c0 - 1))}"
                )
            if _TOTAL_INTERMEDIATE.search(text):
                continue
            if _OUTPUT.search(text):
                has_output = has_va
                continue
            if all(v is None for v in values):
                continue  # a note, not a row of values
            v = self.numbers(row, n)
            va = v if va is None else va + v
            has_va = has_va or bool(_VALUE_ADDED.search(text))
        if not has_output:
            self.fail(
                "the rows below the data block lack "
                + ("the output row (r69) after the value-added rows" if has_va else
                   "the value-added row ('Value added at basic prices')")
                + f" (the sheet ends at row {self.i + 1}; truncated file?)"
            )
        return va


def _fd_code(code) -> bool:
    """A WIOD final-demand column code (``c37`` … or ``CONS_h`` …), in any case."""
    return code is not None and (
        code.lower() in FD_CODES or code.casefold() in {c.casefold() for c in FD_CODES.values()}
    )


def _fd_categories(codes, descs):
    """WIOD category codes for the final-demand columns, when they can be told apart."""
    mapped = []
    for code, desc in zip(codes, descs):
        cat = FD_CODES.get(code.lower(), code if code in FD_CODES.values() else None)
        if cat is None and desc:
            cat = next((c for rx, c in _FD_WORDS if rx.search(desc)), None)
        mapped.append(cat)
    if None in mapped or len(set(mapped)) != len(mapped):
        return list(codes)
    return mapped
