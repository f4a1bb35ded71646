"""The multi-regional input-output table every method reads from."""

from __future__ import annotations

import _collections_abc
import contextvars
import os
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from .errors import (
    LabelError,
    OutputError,
    ShapeError,
    UnknownLabelError,
    ValueNotFiniteError,
)

#: Relative gap between stored and row-sum output above which a warning is given.
OUTPUT_GAP_WARN = 1e-3
#: A row sum within this many units of round-off (machine epsilon) of the
#: absolute flows through its sector counts as zero output, see :class:`IOTable`.
ROUNDOFF_ULPS = 64
#: Largest absolute cell value accepted. Its square is still finite in float64
#: (max 1.8e308), so no sum over sectors nor product of a flow with a flow or a
#: multiplier overflows; no economy reaches it in any currency unit.
MAX_MAGNITUDE = 1e150
#: Validation reads large arrays in blocks of rows of about this many bytes,
#: so that checking a table never allocates a temporary of its size.
CHUNK_BYTES = 1 << 20
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# (the code's own file name: "<frozen _collections_abc>" when the module is frozen)
_PASS_OVER = (_PACKAGE_DIR, _collections_abc.ItemsView.__iter__.__code__.co_filename)
_USER_ARRAYS = "user-supplied arrays"
#: Balance warnings already given in this process, by table source, year and
#: text: a file reloaded, or read again from the parsed-table cache, is not warned twice.
_WARNED: set[tuple] = set()
#: True while a panel collects its tables' findings for one summary (see defer_warnings).
_DEFER = contextvars.ContextVar("gvcdecomp_defer_balance_warnings", default=False)
#: What each warned kind of finding counts, for summaries: (unit, description).
KINDS = {
    "negative_row_sums": (
        "row", "with a negative sum (negative final demand, no inputs; zero coefficients)"
    ),
    "output_gap": ("row", "differing from stored output beyond 0.1 % and the data's rounding"),
    "inputs_reclassified": ("sector", "without output but buying inputs (counted as final use)"),
    "negative_value_added": ("column", "with negative value added"),
}


class BalanceWarning(UserWarning):
    """Stored gross output differs from the row sums, or value added is negative."""


class IOTable:
    """A multi-regional input-output table of G countries x N industries.

    Rows and columns of ``Z`` are ordered country-major (country 1's N
    industries, then country 2's, ...), as in WIOD and the OECD ICIO.

    Parameters
    ----------
    Z : array (GN, GN)
        Intermediate use; ``Z[i, j]`` is the sale of row sector i to column sector j.
    Y : array (GN, G, K), (GN, G*K) or (GN, G)
        Final use of each row sector's output by destination country and
        final-demand category (country-major when given as 2-D).
    countries, sectors : sequences of str
        Country and industry codes (the table's own), G and N long.
    fd_categories : sequence of str, optional
        K final-demand category codes; defaults to ``("FD",)`` when K = 1.
    x : array (GN,), optional
        Gross output as published. Used only when ``output="stored"``;
        otherwise kept to report balance.
    va : array (GN,), optional
        Published value added (plus valuation rows) by column, for the balance
        report. The model always uses the residual ``x - Z.sum(0)``, so that
        value-added coefficients and the columns of A add up to one.
    output : {"rowsum", "stored"}
        Gross output used by the model: the row sums ``Z.sum(1) + Y.sum``
        (default; every accounting identity then holds exactly) or ``x``.
    year : int, optional
    source : str, optional
        Where the data came from (file, release), kept in result attributes.
    units : str, optional
        Units of the flows, e.g. ``"millions of US dollars, current prices"``.
    resolution : float, optional
        The values are stored cut to multiples of this (e.g. 1 for whole
        millions, rounded or truncated), a known property of the source. Each
        value of a row, and its stored output, is then off by less than
        ``resolution``, so a gap ``|x_i - sum_j Z_ij - sum Y_i|`` below
        ``resolution * (GN + G*K + 1)`` (one unit per value of the row) is
        explained by it: such gaps are stated in ``notes`` and kept in
        ``diagnostics["output_gap_rounding"]``, not warned; larger ones are.

    Notes
    -----
    A sector whose row sum is negative (negative final demand, a stock
    draw-down, with no intermediate inputs, as in a few cells of WIOD) or zero
    gets zero input coefficients and value added per unit v = 1; a warning
    names the negative ones, and every result lists them with their exports
    (``docs/numerics.md`` compares this convention with the others in use).
    Inputs bought by a sector with no output are moved to the buying country's
    last final-demand category (for WIOD: changes in inventories), with a
    warning, so that x = BY holds.

    A model output within round-off of zero counts as exactly zero:
    ``|x_i| <= ROUNDOFF_ULPS * eps * (sum_j |Z_ij| + sum |Y_i| + sum_k |Z_ki|)``
    (eps = 2.2e-16; the bracket is every flow through sector i, the scale of
    the rounding error of a sum of them), or ``|x_i|`` below the smallest
    normal float64 (2.2e-308, whose reciprocal overflows). A row whose flows
    cancel to 1e-16 instead of 0 is then treated as the zero it stands for.

    Arrays: ``Z`` and ``Y`` given as float64 arrays (C-ordered for ``Z``) are
    used without copying, so a table costs its own size; the table then owns
    them and they must not be changed afterwards (its core is computed once).
    Only when inputs of a sector without output are reclassified are ``Z`` and
    ``Y`` copied first, so the caller's arrays are never modified. Masked
    arrays with masked cells, date/time and complex arrays are refused; values
    beyond ``MAX_MAGNITUDE`` (1e150) are refused as overflowing.

    Balance warnings (:class:`BalanceWarning`) are one line per table with
    counts, point at the caller's line, and are given once per source file and
    year in a process; the full detail (every row concerned and its value) is
    kept in ``diagnostics``, and known properties of the data in ``notes``.

    Units are those of the data (WIOD: millions of US dollars, current prices).
    Raises :class:`~gvcdecomp.errors.TableError` subclasses on malformed input.
    """

    def __init__(
        self,
        Z,
        Y,
        countries: Sequence[str],
        sectors: Sequence[str],
        fd_categories: Sequence[str] | None = None,
        x=None,
        va=None,
        output: str = "rowsum",
        year: int | None = None,
        source: str | None = None,
        units: str = "units of the data",
        resolution: float | None = None,
    ):
        self.countries = _labels(countries, "countries", source)
        self.sectors = _labels(sectors, "sectors", source)
        self.year = None if year is None else as_year(year, "year")
        self.source = source or _USER_ARRAYS
        self.units = units
        self.resolution = resolution
        #: What the balance checks found, by kind, in full (warnings give counts):
        #: ``rows``, ``values``, ``message`` and ``warn`` (False: a known property).
        self.diagnostics: dict[str, dict] = {}
        #: Known properties of the data, stated once here rather than warned on each load.
        self.notes: list[str] = []
        # Country groups every method applies unless given groups= (OECD ICIO:
        # the China/Mexico processing splits merged back); loaders set it.
        self.default_groups: dict[str, list[str]] = {}
        G, N = len(self.countries), len(self.sectors)
        n = G * N

        Z = _numbers(Z, "Z", self._name)
        if Z.ndim != 2 or Z.shape[0] != Z.shape[1]:
            raise ShapeError(f"{self._name}: Z must be square, got shape {Z.shape}")
        if Z.shape[0] != n:
            raise ShapeError(
                f"{self._name}: Z is {Z.shape[0]} x {Z.shape[1]} but {G} countries x "
                f"{N} sectors = {n} rows"
            )
        Y = _numbers(Y, "Y", self._name)
        if Y.ndim == 2 and Y.shape[0] == n and Y.shape[1] % G == 0:
            Y = Y.reshape(n, G, Y.shape[1] // G)
        if Y.ndim != 3 or Y.shape[:2] != (n, G):
            raise ShapeError(
                f"{self._name}: final demand Y must have {n} rows and a multiple of "
                f"{G} columns (destination x category), got shape {Y.shape}"
            )
        K = Y.shape[2]
        if fd_categories is None:
            fd_categories = ["FD"] if K == 1 else [f"FD{k + 1}" for k in range(K)]
        self.fd_categories = _labels(fd_categories, "fd_categories", source)
        if len(self.fd_categories) != K:
            raise LabelError(
                f"{self._name}: {len(self.fd_categories)} final-demand categories "
                f"named but Y has {K} per destination"
            )
        self.Z, self.Y = Z, Y
        Yf = Y.reshape(n, -1)
        # sums are finite iff every cell is (NaN and inf propagate) and nothing
        # overflows: no full-size boolean temporary is needed
        with np.errstate(over="ignore"):  # an overflow is reported below, as an error
            zrow, zcol, yrow, ycol = Z.sum(axis=1), Z.sum(axis=0), Yf.sum(axis=1), Yf.sum(axis=0)
        self._check_finite("Z", Z, zrow, zcol)
        self._check_finite("Y", Yf, yrow, ycol)

        rowsum = zrow + yrow
        self.x_stored = None if x is None else self._vector(x, "x")
        self.va_stored = None if va is None else self._vector(va, "va")
        if output == "rowsum":
            x = rowsum.copy()
        elif output == "stored":
            if self.x_stored is None:
                raise OutputError(f'{self._name}: output="stored" but no x was given')
            x = self.x_stored.copy()
        else:
            raise OutputError(f'output must be "rowsum" or "stored", got {output!r}')
        self.output = output
        zabs_row, zabs_col = _abs_sums(Z)
        self._zero_roundoff(x, zabs_row + _abs_sums(Yf)[0] + zabs_col)
        self.x = x
        self._check_output(rowsum, zabs_col)
        self._warn()

    # -- construction helpers -------------------------------------------------
    @property
    def _name(self) -> str:
        return f"table {self.source!r}" + ("" if self.year is None else f" ({self.year})")

    def _vector(self, a, what):
        a = _numbers(a, what, self._name).ravel()
        if a.shape != (self.n,):
            raise ShapeError(f"{self._name}: {what} has {a.size} values, expected {self.n}")
        self._check_finite(what, a)
        return a

    def _check_finite(self, what, a, *sums):
        """Refuse NaN, infinite or overflowing values of ``a`` (1-D or 2-D by rows).

        ``sums`` are sums of ``a`` along its axes: when they are finite every
        cell is, and only then is ``a`` itself scanned, block by block.
        """
        if a.size and max(a.max(), -a.min()) > MAX_MAGNITUDE and np.isfinite(a.max() - a.min()):
            i = int(np.argmax(np.abs(a).reshape(a.shape[0], -1).max(axis=1)))
            raise ValueNotFiniteError(
                f"{self._name}: {what} holds values beyond {MAX_MAGNITUDE:g} in absolute value "
                f"(first row {self.row_labels[i]}), whose sums and products overflow float64; "
                "rescale the table (e.g. to millions)"
            )
        if all(np.isfinite(s).all() for s in sums) and (sums or np.isfinite(a).all()):
            return
        count, first = 0, None
        step = max(1, CHUNK_BYTES // max(1, a[:1].nbytes))
        for i in range(0, a.shape[0], step):
            bad = ~np.isfinite(a[i : i + step])
            if bad.any():
                count += int(bad.sum())
                if first is None:
                    first = np.unravel_index(np.flatnonzero(bad)[0], bad.shape)
                    first = (first[0] + i, *first[1:])
        if count:
            raise ValueNotFiniteError(
                f"{self._name}: {what} holds {count} NaN or infinite value(s); "
                f"first at row {self.row_labels[first[0]]}: {a[first]}"
            )
        raise ValueNotFiniteError(  # cells finite, a sum is not: unreachable below MAX_MAGNITUDE
            f"{self._name}: the sums of {what} overflow float64; rescale the table"
        )

    def _zero_roundoff(self, x, scale):
        """Set to 0 the outputs within round-off of zero (see the class notes)."""
        tiny = (np.abs(x) <= ROUNDOFF_ULPS * np.finfo(float).eps * scale) | (
            np.abs(x) < np.finfo(float).tiny
        )
        rows = np.flatnonzero(tiny & (x != 0))
        if rows.size:
            self.diagnostics["output_rounded_to_zero"] = {
                "rows": [self.row_labels[i] for i in rows],
                "values": x[rows].tolist(),
            }
            x[rows] = 0.0

    def _check_output(self, rowsum, zabs_col):
        x = self.x
        neg = np.flatnonzero(x < 0)
        # A negative row sum with no inputs is negative final demand (a stock
        # draw-down) of a sector that produces nothing: it gets zero
        # coefficients. Anything else negative is an error.
        producing = zabs_col[neg] > 0
        if neg.size and (self.output == "stored" or producing.any()):
            bad = neg if self.output == "stored" else neg[producing]
            raise OutputError(
                f"{self._name}: gross output is negative in {bad.size} row(s), e.g. "
                + ", ".join(f"{self.row_labels[i]}={x[i]:g}" for i in bad[:5])
            )
        if neg.size:
            i = neg[np.argmin(x[neg])]
            self._note(
                "negative_row_sums", neg, x[neg],
                f"{neg.size} row sum(s) negative (negative final demand, no inputs), "
                f"lowest {self.row_labels[i]}={x[i]:g}; these sectors get zero coefficients",
            )  # fmt: skip
        if not (x > 0).any():
            raise OutputError(f"{self._name}: gross output is zero in every row")
        if self.x_stored is not None:
            self._check_gap(rowsum)
        self._reclassify_inputs_without_output(zabs_col)
        va = self.value_added
        neg = np.flatnonzero((va < -1e-9 * np.maximum(self.x, 1.0)) & (zabs_col > 0))
        if neg.size:
            i = neg[np.argmin(va[neg])]
            self._note(
                "negative_value_added", neg, va[neg],
                f"intermediate inputs exceed gross output (negative value added) in "
                f"{neg.size} column(s), lowest {self.row_labels[i]}={va[i]:g}",
            )  # fmt: skip

    def _check_gap(self, rowsum):
        """Note rows whose stored output differs from the row sum by more than
        ``OUTPUT_GAP_WARN``; those within what ``resolution`` explains are not warned."""
        gap = rowsum - self.x_stored
        rows = np.flatnonzero(
            (np.abs(gap) > OUTPUT_GAP_WARN * np.abs(self.x_stored)) & (np.abs(gap) > 1e-9)
        )
        if not rows.size:
            return
        uses = "row sums" if self.output == "rowsum" else "stored output"
        if self.resolution:
            bound = self.resolution * (self.n + self.Y.shape[1] * self.Y.shape[2] + 1)
            known = rows[np.abs(gap[rows]) < bound]
            rows = rows[np.abs(gap[rows]) >= bound]
            if known.size:
                text = (
                    f"values are rounded or truncated, each off by less than "
                    f"{self.resolution:g} ({self.units}): {known.size} row(s) differ from stored output by more than "
                    f"{OUTPUT_GAP_WARN:.1%}, by {np.abs(gap[known]).max():g} at most (below "
                    f"{bound:g}, one unit per value of the row), "
                    f"{self._largest_gap(known, rowsum)}; the model uses {uses}"
                )  # fmt: skip
                self._note("output_gap_rounding", known, gap[known], text, warn=False)
                self.notes.append(f"{text} (rows: table.diagnostics['output_gap_rounding'])")
            if not rows.size:
                return
            beyond = f"more than rounding to {self.resolution:g} explains (>= {bound:g})"
        else:
            beyond = f"more than {OUTPUT_GAP_WARN:.1%}"
        self._note(
            "output_gap", rows, gap[rows],
            f"{rows.size} row(s) differ from stored output by {beyond}, "
            f"{self._largest_gap(rows, rowsum)}; the model uses {uses}",
        )  # fmt: skip

    def _largest_gap(self, rows, rowsum) -> str:
        """The largest relative gap among ``rows`` with the values behind it, and the
        largest gap in value when that is another row (a 100 % gap of a tiny row says little)."""
        stored, gap = self.x_stored[rows], (rowsum - self.x_stored)[rows]
        rel = np.abs(gap) / np.where(stored != 0, np.abs(stored), np.abs(rowsum[rows]))
        i, j = int(np.argmax(rel)), int(np.argmax(np.abs(gap)))
        text = (
            f"largest {rel[i]:.2%} at {self.row_labels[rows[i]]} "
            f"(stored {stored[i]:g}, row sum {rowsum[rows[i]]:g})"
        )
        if j != i:
            where = self.row_labels[rows[j]]
            text += f", largest in value {abs(gap[j]):g} at {where} ({rel[j]:.2%})"
        return text

    def _reclassify_inputs_without_output(self, zabs_col):
        # Inputs bought by a sector with no output cannot enter A (x_j = 0), and
        # dropping them would break x = BY; they are treated as final use
        # (stock building) of the buying country, in the last category. The
        # arrays may be the caller's (taken without copying): copy before writing.
        cols = np.flatnonzero((self.x <= 0) & (zabs_col > 0))
        if not cols.size:
            return
        self.Z, self.Y = self.Z.copy(), self.Y.copy()
        moved = self.Z[:, cols].sum(axis=0)
        for j in cols:
            self.Y[:, j // self.N, -1] += self.Z[:, j]
            self.Z[:, j] = 0.0
        zabs_col[cols] = 0.0
        self._note(
            "inputs_reclassified", cols, moved,
            f"{cols.size} sector(s) have no output but buy inputs (e.g. {self.row_labels[cols[0]]}); "
            f"those inputs are counted as final use ({self.fd_categories[-1]}) of the buying country",
        )  # fmt: skip

    def _note(self, kind: str, rows, values, message: str, warn: bool = True):
        """Keep a finding in ``diagnostics``, in full; ``warn``: part of the warning."""
        self.diagnostics[kind] = {
            "rows": [self.row_labels[i] for i in rows],
            "values": np.asarray(values, dtype=float).tolist(),
            "message": message,
            "warn": warn,
        }

    def _warn(self):
        """One :class:`BalanceWarning` for every warned finding, at the caller's line,
        once per source and year in a process; none while a panel collects them."""
        found = [d["message"] for d in self.diagnostics.values() if d.get("warn")]
        if not found:
            return
        text = f"{self._name}: {'; '.join(found)} (details: table.diagnostics)"
        if self.source == _USER_ARRAYS:  # arrays, not a file: every table is new
            if not _DEFER.get():
                warnings.warn(text, BalanceWarning, stacklevel=caller_stacklevel())
        elif _DEFER.get():  # summarised by the panel: a later single load is not warned
            _WARNED.add((self.source, self.year, text))
        else:
            warn_once(text, (self.source, self.year, text))

    # -- shape and labels -------------------------------------------------------
    @property
    def G(self) -> int:
        return len(self.countries)

    @property
    def N(self) -> int:
        return len(self.sectors)

    @property
    def n(self) -> int:
        return self.G * self.N

    @cached_property
    def row_labels(self) -> list[str]:
        """``"COUNTRY_sector"`` for each of the GN rows, for messages."""
        return [f"{c}_{s}" for c in self.countries for s in self.sectors]

    def country_index(self, code: str) -> int:
        """Position of a country code; :class:`UnknownLabelError` if absent."""
        try:
            return self.countries.index(code)
        except ValueError:
            raise UnknownLabelError(
                f"unknown country {code!r}; the table has {', '.join(self.countries)}"
            ) from None

    def sector_index(self, code: str) -> int:
        """Position of an industry code; :class:`UnknownLabelError` if absent."""
        try:
            return self.sectors.index(code)
        except ValueError:
            raise UnknownLabelError(
                f"unknown sector {code!r}; the table has {', '.join(self.sectors)}"
            ) from None

    # -- derived flows (units of the data) --------------------------------------
    @cached_property
    def Yc(self) -> np.ndarray:
        """Final demand by destination country, summed over categories: (GN, G)."""
        return self.Y.sum(axis=2)

    @cached_property
    def Zc(self) -> np.ndarray:
        """Intermediate use by using country, summed over its industries: (GN, G)."""
        return self.Z.reshape(self.n, self.G, self.N).sum(axis=2)

    @property
    def value_added(self) -> np.ndarray:
        """Value added (with valuation rows) as the residual ``x - Z.sum(0)``: (GN,)."""
        return self.x - self.Z.sum(axis=0)

    @cached_property
    def exports(self) -> np.ndarray:
        """Gross bilateral exports E[i, r] of row sector i to country r: (GN, G).

        ``E^{sr} = Z^{sr} u + Y^{sr}`` for r != s and zero for r = s.
        """
        E = self.Zc + self.Yc
        for s in range(self.G):
            E[s * self.N : (s + 1) * self.N, s] = 0.0
        return E

    @cached_property
    def zero_output(self) -> np.ndarray:
        """Rows whose model output is zero or negative: (k,) indices.

        They get zero coefficients and value added per unit v = 1 (see
        :class:`~gvcdecomp.core.LeontiefCore`); every result lists them.
        """
        return np.flatnonzero(self.x <= 0)

    def balance(self) -> dict:
        """How far the table is from balance.

        Returns a dict with the largest absolute and relative gaps between
        stored output and row sums (``rows``) and, when ``va`` was given,
        between stored output and column sums plus value added (``columns``),
        the count of columns whose intermediate inputs exceed gross output
        (``negative_value_added``, the columns of that warning), and
        ``diagnostics`` (every row each balance warning was about, with its value).
        """
        report = {}
        rowsum = self.Z.sum(axis=1) + self.Y.sum(axis=(1, 2))
        ref = self.x_stored if self.x_stored is not None else self.x
        report["rows"] = _gap(ref, rowsum, self.row_labels)
        if self.va_stored is not None:
            report["columns"] = _gap(ref, self.Z.sum(axis=0) + self.va_stored, self.row_labels)
        # as warned: columns with inputs; a row without inputs and a negative sum has
        # value added x - 0 < 0 too, but is reported as a negative row sum
        report["negative_value_added"] = len(
            self.diagnostics.get("negative_value_added", {}).get("rows", ())
        )
        report["diagnostics"] = self.diagnostics
        return report

    @cached_property
    def core(self):
        """The :class:`~gvcdecomp.core.LeontiefCore` of this table, computed once."""
        from .core import LeontiefCore

        return LeontiefCore(self)

    def __repr__(self) -> str:
        yr = "" if self.year is None else f" {self.year}"
        return (
            f"<IOTable{yr}: {self.G} countries x {self.N} sectors, "
            f"{len(self.fd_categories)} final-demand categories; {self.source}>"
        )


def _numbers(a, what: str, name: str) -> np.ndarray:
    """``a`` as a C-ordered float64 array, not copied when it already is one.

    Anything that is not a rectangular array of real numbers (text, ragged
    lists, complex, dates or durations) is a :class:`ShapeError`; a masked array
    with masked cells is a :class:`ValueNotFiniteError` (its cells are missing).
    """
    bad = f"{name}: {what} is not a rectangular array of real numbers"
    if isinstance(a, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(a))
        if masked:
            raise ValueNotFiniteError(
                f"{name}: {what} is a masked array with {masked} masked (missing) cell(s); "
                "fill them (e.g. numpy.ma.filled) or drop the rows first"
            )
        a = a.data
    try:
        arr = np.asarray(a)
    except ValueError as e:  # ragged
        raise ShapeError(f"{bad} ({e})") from None
    if np.iscomplexobj(arr):
        raise ShapeError(f"{name}: {what} holds complex numbers")
    if arr.dtype.kind in "mM":
        raise ShapeError(f"{name}: {what} holds dates or durations ({arr.dtype}), not numbers")
    try:
        return np.ascontiguousarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as e:  # text, objects
        raise ShapeError(f"{bad} ({e})") from None


def _abs_sums(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of ``|a|`` (2-D), read in blocks of rows (no full-size temporary)."""
    rows, cols = np.empty(a.shape[0]), np.zeros(a.shape[1])
    step = max(1, CHUNK_BYTES // max(1, a[:1].nbytes))
    buf = np.empty((min(step, a.shape[0]), a.shape[1]))  # one block, reused
    for i in range(0, a.shape[0], step):
        block = np.abs(a[i : i + step], out=buf[: min(step, a.shape[0] - i)])
        block.sum(axis=1, out=rows[i : i + step])
        cols += block.sum(axis=0)
    return rows, cols


def as_year(year, what: str = "year") -> int:
    """``year`` as an int: ints, integral floats (2011.0) and 0-d arrays are accepted.

    Anything else (2011.5, NaN, text, booleans) is a :class:`LabelError`.
    """
    if isinstance(year, np.ndarray) and year.ndim == 0:
        year = year.item()
    if isinstance(year, bool | np.bool_):
        raise LabelError(f"{what} must be an integer, got {year!r}")
    if isinstance(year, int | np.integer):
        return int(year)
    if isinstance(year, float | np.floating) and np.isfinite(year) and float(year).is_integer():
        return int(year)
    raise LabelError(f"{what} must be an integer, got {year!r}")


@contextmanager
def defer_warnings():
    """Tables built inside give no :class:`BalanceWarning`; their findings stay in
    ``diagnostics`` for the caller to summarise (:meth:`gvcdecomp.panel.Panel.collecting`)."""
    token = _DEFER.set(True)
    try:
        yield
    finally:
        _DEFER.reset(token)


def warn_once(text: str, key) -> None:
    """A :class:`BalanceWarning` at the caller's line, unless ``key`` was warned before."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(text, BalanceWarning, stacklevel=caller_stacklevel())


def caller_stacklevel() -> int:
    """``stacklevel`` for a warning raised in gvcdecomp, pointing at the first
    frame outside the package: the user's line that called the library.

    Frames of the Mapping views (``panel.items()`` calls the panel's iterator)
    are passed over too; at the outermost frame the search stops.
    """
    frame, level = sys._getframe(1), 1  # 1: the function calling warnings.warn
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PASS_OVER):
        frame, level = frame.f_back, level + 1
    return level


def _labels(seq, what, source: str | None = None) -> tuple[str, ...]:
    """``seq`` as a tuple of valid codes; a fault names ``source`` (the file) when given."""
    try:
        return _codes(seq, what)
    except LabelError as e:
        if source is None:
            raise
        raise LabelError(f"table {source!r}: {e}") from None


def _codes(seq, what) -> tuple[str, ...]:
    if isinstance(seq, str) or not isinstance(seq, Sequence | np.ndarray):
        raise LabelError(f"{what} must be a sequence of codes, got {type(seq).__name__}")
    # a missing value (None, NaN, pd.NA, NaT) would become the code 'None', 'nan', ...
    missing = [i for i, s in enumerate(seq)
               if not isinstance(s, str) and str(s) in ("None", "nan", "<NA>", "NaT")]  # fmt: skip
    if missing:
        raise LabelError(f"{what} has a missing code (None/NaN) at position {missing[0]}")
    labels = tuple(str(s) for s in seq)
    if not labels:
        raise LabelError(f"{what} is empty")
    blank = [i for i, lab in enumerate(labels) if not lab.strip()]
    if blank:
        raise LabelError(f"{what} has a blank code at position {blank[0]}")
    control = [lab for lab in labels if any(unicodedata.category(ch) == "Cc" for ch in lab)]
    if control:
        raise LabelError(
            f"{what} has codes with control characters (NUL, tab, newline, ...): "
            + ", ".join(repr(lab) for lab in control[:5])
        )
    dup = repeated(labels)
    if dup:
        raise LabelError(f"{what} has duplicated codes: {', '.join(sorted(dup))}")
    # codes that print the same but differ ('C0' and 'C0 ', 'Å' composed and decomposed)
    alike = repeated(unicodedata.normalize("NFKC", lab).strip() for lab in labels)
    if alike:
        same = [repr(lab) for lab in labels if unicodedata.normalize("NFKC", lab).strip() in alike]
        raise LabelError(
            f"{what} has codes that differ only by surrounding blanks or Unicode form: "
            + ", ".join(same[:6])
        )
    # invisible characters would make 'DEU' and 'DEU\u200b' two countries that print alike
    for i, lab in enumerate(labels):
        hidden = [f"U+{ord(ch):04X}" for ch in lab if unicodedata.category(ch) == "Cf"]
        if hidden or lab != lab.strip():
            fault = "surrounding blanks"
            if hidden:
                fault = f"invisible format characters ({', '.join(hidden)})"
            raise LabelError(f"{what} has a code with {fault} at position {i}: {lab!r}")
    return labels


def repeated(items) -> list:
    """The items that occur more than once, each listed once, in order of first repeat."""
    seen, dup = set(), {}
    for k in items:
        if k in seen:
            dup[k] = None
        seen.add(k)
    return list(dup)


def _gap(ref, other, labels) -> dict:
    diff = other - ref
    i = int(np.argmax(np.abs(diff)))
    rel = np.abs(diff) / np.where(ref != 0, np.abs(ref), 1.0)
    j = int(np.argmax(rel))
    return {
        "max_abs": float(abs(diff[i])),
        "at": labels[i],
        "max_rel": float(rel[j]),
        "at_rel": labels[j],
    }
