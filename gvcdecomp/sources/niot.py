"""WIOD 2016 national input-output tables and the import content of exports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from numbers import Real
from pathlib import Path

import numpy as np
import xarray as xr

from ..core import _inverse
from ..errors import (
    FileFormatError,
    GVCError,
    OutputError,
    ShapeError,
    UnknownLabelError,
    ValueNotFiniteError,
)
from ..panel import check_year
from ..table import _labels, repeated
from .paths import find_file

SOURCE = "wiod2016_niot"
YEARS = range(2000, 2015)
UNITS = "millions of US dollars, current prices"
SHEET = "National IO-tables"
FD_CATEGORIES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
#: Header codes of the label columns and of the exports and output columns.
LABEL_HEADERS = ("Year", "Code", "Origin")
DESCRIPTION = "Description"
EXPORTS, OUTPUT = "EXP", "GO"
#: Origin of the rows: domestic output, imports and the total (valuation) rows.
DOMESTIC, IMPORTS, TOTAL = "Domestic", "Imports", "TOT"
VA_ROW = "VA"
#: TOT rows that are neither value added nor totals (II_fob, GO): the valuation
#: items between basic prices and total inputs.
VALUATION_ROWS = ("TXSP", "EXP_adj", "PURR", "PURNR", "IntTTM")
#: Every TOT row of a year, each required once.
TOT_ROWS = ("II_fob", *VALUATION_ROWS, VA_ROW, "GO")
#: Header codes that are not industries; every other code of row 1 is one.
NOT_INDUSTRY = (*LABEL_HEADERS, DESCRIPTION, *FD_CATEGORIES, EXPORTS, OUTPUT)
HINT = (
    "The national tables of the WIOD 2016 release ({CCC}_NIOT_nov16.xlsx) are distributed "
    "at wiod.org / the GGDC (University of Groningen)"
)
VS_REFERENCE = (
    "Hummels, D., Ishii, J. and Yi, K.-M. (2001), The nature and growth of vertical "
    "specialization in world trade, Journal of International Economics 54: 75-96, eq. (2)"
)


class NationalTable:
    """A national input-output table with domestic and imported use kept apart.

    Parameters
    ----------
    Zd, Zm : array (N, N)
        Intermediate use of domestic output and of imports; ``Zd[i, j]`` is the
        use of product i made at home by industry j.
    Yd, Ym : array (N, K)
        Domestic final use of domestic output and of imports, by category.
    exports : array (N,)
        Exports of domestic output.
    x : array (N,)
        Gross output at basic prices (non-negative; zero for an industry absent
        from the economy).
    va : array (N,)
        Value added at basic prices.
    sectors : sequence of str
        The N industry codes.
    fd_categories : sequence of str, optional
        The K final-use category codes (default ``FD_CATEGORIES`` when K = 5).
    valuation : array (N,), optional
        Other primary inputs (taxes less subsidies on products, cif/fob
        adjustments, purchases by (non-)residents, international transport
        margins), so that ``Zd.sum(0) + Zm.sum(0) + va + valuation = x``.
        Default zeros.
    year : int, optional
    country : str, optional
    source, units : str, optional

    Balance: rows ``Zd.sum(1) + Yd.sum(1) + exports = x``; columns as above.
    :meth:`balance` reports both; the constructor checks shapes, labels, finite
    values and non-negative output and raises
    :class:`~gvcdecomp.errors.TableError` subclasses.
    """

    def __init__(
        self,
        Zd,
        Zm,
        Yd,
        Ym,
        exports,
        x,
        va,
        sectors: Sequence[str],
        fd_categories: Sequence[str] | None = None,
        valuation=None,
        year: int | None = None,
        country: str | None = None,
        source: str | None = None,
        units: str = "units of the data",
    ):
        self.sectors = _labels(sectors, "sectors")
        self.year = None if year is None else int(year)
        self.country = None if country is None else str(country)
        self.source = source or "user-supplied arrays"
        self.units = units
        N = len(self.sectors)
        self.Zd = self._array(Zd, "Zd", (N, N))
        self.Zm = self._array(Zm, "Zm", (N, N))
        Yd = np.array(Yd, dtype=np.float64)
        if Yd.ndim == 1:
            Yd = Yd[:, None]
        K = Yd.shape[1] if Yd.ndim == 2 else 0
        self.Yd = self._array(Yd, "Yd", (N, K))
        Ym = np.array(Ym, dtype=np.float64)
        self.Ym = self._array(Ym[:, None] if Ym.ndim == 1 else Ym, "Ym", (N, K))
        if fd_categories is None:
            default = [f"FD{k + 1}" for k in range(K)]
            fd_categories = FD_CATEGORIES if K == len(FD_CATEGORIES) else default
        self.fd_categories = _labels(fd_categories, "fd_categories")
        if len(self.fd_categories) != K:
            raise ShapeError(
                f"{self._name}: {len(self.fd_categories)} final-use categories named, Yd has {K}"
            )
        self.exports = self._array(exports, "exports", (N,))
        self.x = self._array(x, "x", (N,))
        self.va = self._array(va, "va", (N,))
        valuation = np.zeros(N) if valuation is None else valuation
        self.valuation = self._array(valuation, "valuation", (N,))
        neg = np.flatnonzero(self.x < 0)
        if neg.size:
            raise OutputError(
                f"{self._name}: gross output is negative for "
                + ", ".join(f"{self.sectors[i]}={self.x[i]:g}" for i in neg[:5])
            )
        if not (self.x > 0).any():
            raise OutputError(f"{self._name}: gross output is zero for every industry")

    @property
    def _name(self) -> str:
        who = " ".join(str(p) for p in (self.country, self.year) if p is not None)
        return f"national table {self.source!r}" + (f" ({who})" if who else "")

    def _array(self, a, what, shape):
        a = np.array(a, dtype=np.float64)
        if a.shape != shape:
            raise ShapeError(f"{self._name}: {what} has shape {a.shape}, expected {shape}")
        bad = ~np.isfinite(a)
        if bad.any():
            i = np.unravel_index(np.flatnonzero(bad)[0], a.shape)
            raise ValueNotFiniteError(
                f"{self._name}: {what} holds {int(bad.sum())} NaN or infinite value(s), "
                f"first for industry {self.sectors[i[0]]}"
            )
        return a

    @property
    def N(self) -> int:
        return len(self.sectors)

    def _coefficients(self, Z):
        inv_x = np.divide(1.0, self.x, out=np.zeros(self.N), where=self.x > 0)
        return Z * inv_x

    @property
    def A_D(self) -> np.ndarray:
        """Domestic input coefficients ``Zd x̂⁻¹`` (N, N); zero columns where x = 0."""
        return self._coefficients(self.Zd)

    @property
    def A_M(self) -> np.ndarray:
        """Imported input coefficients ``Zm x̂⁻¹`` (N, N); zero columns where x = 0."""
        return self._coefficients(self.Zm)

    def balance(self) -> dict:
        """Largest relative gaps of the row and column identities.

        ``rows``: ``|Zd.sum(1) + Yd.sum(1) + exports - x| / x``; ``columns``:
        ``|Zd.sum(0) + Zm.sum(0) + va + valuation - x| / x`` (industries with
        zero output compared in absolute terms).
        """
        scale = np.where(self.x > 0, self.x, 1.0)
        rows = self.Zd.sum(1) + self.Yd.sum(1) + self.exports - self.x
        cols = self.Zd.sum(0) + self.Zm.sum(0) + self.va + self.valuation - self.x
        return {
            "rows": float(np.max(np.abs(rows) / scale)),
            "columns": float(np.max(np.abs(cols) / scale)),
        }

    def __repr__(self) -> str:
        who = " ".join(str(p) for p in (self.country, self.year) if p is not None)
        return f"<NationalTable {who}: {self.N} industries; {self.source}>"


def import_content_of_exports(nt: NationalTable) -> xr.Dataset:
    r"""Import content of exports (vertical specialisation) of Hummels, Ishii & Yi (2001).

    .. math::

        VS_j = \big(u\, A_M (I - A_D)^{-1}\big)_j \, e_j, \qquad
        VS = \sum_j VS_j = u\, A_M (I - A_D)^{-1} e

    with ``A_D = Zd x̂⁻¹`` and ``A_M = Zm x̂⁻¹`` the domestic and imported
    input coefficients, ``u`` a row of ones and ``e`` the exports by industry.
    ``(u A_M (I - A_D)^{-1})_j`` is the imported-input content of one unit of
    industry j's exports, direct and through domestic intermediates.

    Reference: Hummels, Ishii & Yi (2001), Journal of International Economics
    54: 75–96, eq. (2) (VS share ``u A_M (I - A_D)^{-1} X^v / X``).

    Parameters
    ----------
    nt : NationalTable

    Returns
    -------
    xarray.Dataset
        Dimension ``sector``: ``vs`` (VS_j, units of the table, WIOD: millions of
        US dollars), ``exports`` (e_j), ``vs_share`` (import content per unit of
        exports, a share; defined also where e_j = 0). Scalars: ``vs_total``,
        ``exports_total`` and ``vs_share_total = vs_total / exports_total`` (NaN
        when there are no exports). Attributes: method, reference, units,
        country, source; scalar coordinate ``year`` when known.

    Raises :class:`~gvcdecomp.errors.SingularMatrixError` when I - A_D cannot be
    inverted.
    """
    L, _ = _inverse(np.eye(nt.N) - nt.A_D, f"{nt._name}: I - A_D")
    content = nt.A_M.sum(axis=0) @ L
    vs = content * nt.exports
    e_total = float(nt.exports.sum())
    ds = xr.Dataset(
        {
            "vs": ("sector", vs),
            "exports": ("sector", nt.exports.copy()),
            "vs_share": ("sector", content),
            "vs_total": float(vs.sum()),
            "exports_total": e_total,
            "vs_share_total": float(vs.sum()) / e_total if e_total != 0 else np.nan,
        },
        coords={"sector": list(nt.sectors)},
    )
    if nt.year is not None:
        ds = ds.assign_coords(year=nt.year)
    ds.attrs = {
        "method": "import_content_of_exports",
        "reference": VS_REFERENCE,
        "units": nt.units,
        "country": nt.country or "",
        "source": nt.source,
    }
    return ds


def load_niot(country: str, years, path=None):
    """Load WIOD 2016 national input-output tables of one economy.

    Parameters
    ----------
    country : str
        Three-letter code of the workbook, e.g. ``"KOR"`` for ``KOR_NIOT_nov16.xlsx``.
    years : int or iterable of int
        One year (returns a :class:`NationalTable`) or several (returns a dict
        ``{year: NationalTable}``, the workbook read once), within 2000–2014.
    path : str or Path, optional
        The workbook, or a folder holding it. Default: ``$GVCDECOMP_DATA_DIR/wiod2016_niot/``
        then the per-user cache ``~/.cache/gvcdecomp/wiod2016_niot/``.

    Returns
    -------
    NationalTable or dict
        56 industries (A01 … U), final-use categories CONS_h, CONS_np, CONS_g,
        GFCF, INVEN; ``va`` the row VA (value added at basic prices);
        ``valuation`` the sum of the TOT rows TXSP, EXP_adj, PURR, PURNR and
        IntTTM. Millions of US dollars, current prices.

    The sheet 'National IO-tables' is read; columns are located by their codes
    in row 1 and rows by their Year, Code and Origin (Domestic, Imports, TOT).
    Every industry of row 1 must have one Domestic and one Imports row, every
    TOT row (II_fob, TXSP, EXP_adj, PURR, PURNR, VA, IntTTM, GO) must be
    there once, and every cell read must hold a number: a workbook that is
    corrupt, or whose sheet, header code, year, row or cell is missing or
    repeated, raises :class:`~gvcdecomp.errors.FileFormatError` naming the file.
    An empty year list, or a year asked for twice, raises
    :class:`~gvcdecomp.errors.UnknownLabelError`.

    Reference: Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and
    de Vries, G. J. (2015), Review of International Economics 23: 575–605.
    """
    if not isinstance(country, str) or not re.fullmatch(r"[A-Za-z]{3}", country):
        raise UnknownLabelError(
            f"country must be a three-letter code such as 'KOR', got {country!r}"
        )
    country = country.upper()
    what = "the WIOD 2016 national tables"
    single = (
        isinstance(years, str)
        or not isinstance(years, Iterable)
        or (isinstance(years, np.ndarray) and years.ndim == 0)
    )
    wanted = [check_year(y, YEARS, what) for y in ([years] if single else years)]
    if not wanted:
        raise UnknownLabelError(f"no year asked for; {what} have {YEARS[0]}–{YEARS[-1]}")
    if len(set(wanted)) < len(wanted):
        raise UnknownLabelError(f"a year is asked for twice: {wanted}")
    f = find_file(SOURCE, [rf"{country}_NIOT_nov16\.xlsx"], path, HINT.replace("{CCC}", country))
    tables = read_niot(f, wanted, country)
    return tables[wanted[0]] if single else tables


def read_niot(file, years, country: str | None = None) -> dict:
    """``{year: NationalTable}`` for the given years of one NIOT workbook."""
    import openpyxl

    file = Path(file)
    try:
        # read-only mode parses the sheet while it is iterated: errors come from both
        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
        try:
            if SHEET not in wb.sheetnames:
                raise FileFormatError(f"{file}: no sheet {SHEET!r}; sheets are {wb.sheetnames}")
            rows = wb[SHEET].iter_rows(values_only=True)
            header = [None if h is None else str(h).strip() for h in next(rows, ())]
            wanted = set(years)
            body = [r for r in rows if r and _year_of(r, header) in wanted]
        finally:
            wb.close()
    except GVCError:
        raise
    except Exception as e:  # openpyxl, zipfile, zlib and the XML parser raise many types
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise FileFormatError(
            f"{file}: not a readable Excel workbook ({type(e).__name__}: {first})"
        ) from e
    return {
        y: _table(file, header, [r for r in body if _year_of(r, header) == y], y, country)
        for y in years
    }


def _year_of(row, header):
    try:
        v = row[header.index("Year")]
    except ValueError:
        return None
    return int(v) if isinstance(v, Real) and float(v).is_integer() else None


def _table(file, header, rows, year, country) -> NationalTable:
    missing = [h for h in (*LABEL_HEADERS, *FD_CATEGORIES, EXPORTS, OUTPUT) if h not in header]
    if missing:
        raise FileFormatError(
            f"{file}: sheet {SHEET!r} lacks the header code(s) {missing} in row 1"
        )
    dup = repeated(h for h in header if h is not None)
    if dup:
        raise FileFormatError(f"{file}: sheet {SHEET!r} repeats the header code(s) {dup[:5]} in row 1")
    if not rows:
        raise FileFormatError(f"{file}: sheet {SHEET!r} holds no rows for the year {year}")
    col = {h: k for k, h in enumerate(header) if h is not None}
    code_at, origin_at = col["Code"], col["Origin"]
    blocks = {DOMESTIC: {}, IMPORTS: {}, TOTAL: {}}
    for r in rows:
        origin, code = (None if r[k] is None else str(r[k]).strip() for k in (origin_at, code_at))
        if origin not in blocks:
            raise FileFormatError(f"{file}: {year}, row {code!r} has an unknown Origin {origin!r}")
        if code in blocks[origin]:
            raise FileFormatError(f"{file}: {year}, row {origin} {code!r} appears more than once")
        blocks[origin][code] = r
    sectors = list(blocks[DOMESTIC])
    if not sectors:
        raise FileFormatError(f"{file}: {year} has no Domestic rows")
    if set(blocks[IMPORTS]) != set(sectors):
        diff = sorted(set(blocks[IMPORTS]) ^ set(sectors))
        raise FileFormatError(f"{file}: {year}, Imports and Domestic rows differ in {diff[:5]}")
    no_col = [s for s in sectors if s not in col]
    if no_col:
        raise FileFormatError(
            f"{file}: sheet {SHEET!r} lacks the industry column(s) {no_col[:5]} in row 1"
        )
    no_row = [h for h in col if h not in NOT_INDUSTRY and h not in blocks[DOMESTIC]]
    if no_row:
        raise FileFormatError(
            f"{file}: {year} has no Domestic or Imports row for {len(no_row)} industry "
            f"column(s) of row 1: {no_row[:5]}"
        )
    tot_missing = [c for c in TOT_ROWS if c not in blocks[TOTAL]]
    tot_unknown = [c for c in blocks[TOTAL] if c not in TOT_ROWS]
    if tot_missing or tot_unknown:
        raise FileFormatError(
            f"{file}: {year}, TOT rows "
            + "; ".join(f"{w} {', '.join(c)}" for w, c in (("missing", tot_missing), ("unknown", tot_unknown)) if c)
        )

    def grid(block, codes, cols):
        """Cells of rows ``codes`` of ``block`` in columns ``cols``, each a number."""
        at = [col[h] for h in cols]
        cells = np.array(
            [(blocks[block][c] + (None,) * len(header))[: len(header)] for c in codes], dtype=object
        )[:, at]
        empty = np.equal(cells, None)
        if empty.any():
            i, j = np.argwhere(empty)[0]
            raise FileFormatError(
                f"{file}: {year}, {int(empty.sum())} empty cell(s) where numbers belong, e.g. "
                f"row {block} {codes[i]}, column {cols[j]}"
            )
        text = ~_IS_NUMBER(cells).astype(bool)
        if text.any():
            i, j = np.argwhere(text)[0]
            raise FileFormatError(
                f"{file}: {year}, row {block} {codes[i]}, column {cols[j]} holds "
                f"{cells[i, j]!r}, not a number ({int(text.sum())} such cell(s))"
            )
        return cells.astype(np.float64)

    fd = list(FD_CATEGORIES)
    tot = grid(TOTAL, list(TOT_ROWS), sectors)  # all of them: II_fob and GO must be complete too
    return NationalTable(
        Zd=grid(DOMESTIC, sectors, sectors),
        Zm=grid(IMPORTS, sectors, sectors),
        Yd=grid(DOMESTIC, sectors, fd),
        Ym=grid(IMPORTS, sectors, fd),
        exports=grid(DOMESTIC, sectors, [EXPORTS])[:, 0],
        x=grid(DOMESTIC, sectors, [OUTPUT])[:, 0],
        va=tot[TOT_ROWS.index(VA_ROW)],
        valuation=tot[[TOT_ROWS.index(c) for c in VALUATION_ROWS]].sum(axis=0),
        sectors=sectors,
        fd_categories=FD_CATEGORIES,
        year=year,
        country=country,
        source=f"WIOD 2016 national table ({file.name})",
        units=UNITS,
    )


#: Elementwise "is a cell value a number" over an object array (bool is not).
_IS_NUMBER = np.frompyfunc(lambda v: isinstance(v, Real) and not isinstance(v, bool), 1, 1)
