"""The multi-regional input-output table every method reads from."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
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

    Notes
    -----
    A sector whose row sum is negative (negative final demand, a stock
    draw-down, with no intermediate inputs, as in a few cells of WIOD) or zero
    gets zero input coefficients; a warning names it. Inputs bought by a sector
    with no output are moved to the buying country's last final-demand category
    (for WIOD: changes in inventories), with a warning, so that x = BY holds.

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
    ):
        self.countries = _labels(countries, "countries")
        self.sectors = _labels(sectors, "sectors")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int | np.integer)):
            raise LabelError(f"year must be an integer, got {year!r}")
        self.year = None if year is None else int(year)
        self.source = source or "user-supplied arrays"
        self.units = units
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
        self.fd_categories = _labels(fd_categories, "fd_categories")
        if len(self.fd_categories) != K:
            raise LabelError(
                f"{self._name}: {len(self.fd_categories)} final-demand categories "
                f"named but Y has {K} per destination"
            )
        self.Z, self.Y = Z, Y
        self._check_finite("Z", Z)
        self._check_finite("Y", Y)

        rowsum = Z.sum(axis=1) + Y.sum(axis=(1, 2))
        self.x_stored = None if x is None else self._vector(x, "x")
        self.va_stored = None if va is None else self._vector(va, "va")
        if output == "rowsum":
            self.x = rowsum
        elif output == "stored":
            if self.x_stored is None:
                raise OutputError(f'{self._name}: output="stored" but no x was given')
            self.x = self.x_stored
        else:
            raise OutputError(f'output must be "rowsum" or "stored", got {output!r}')
        self.output = output
        self._check_output(rowsum)
        self._reclassify_inputs_without_output()

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

    def _check_finite(self, what, a):
        bad = ~np.isfinite(a)
        if bad.any():
            idx = np.unravel_index(np.flatnonzero(bad)[0], a.shape)
            raise ValueNotFiniteError(
                f"{self._name}: {what} holds {int(bad.sum())} NaN or infinite value(s); "
                f"first at row {self.row_labels[idx[0]]}: {a[idx]}"
            )

    def _check_output(self, rowsum):
        x = self.x
        neg = np.flatnonzero(x < 0)
        # A negative row sum with no inputs is negative final demand (a stock
        # draw-down) of a sector that produces nothing: it gets zero
        # coefficients. Anything else negative is an error.
        producing = np.abs(self.Z[:, neg]).sum(axis=0) > 0
        if neg.size and (self.output == "stored" or producing.any()):
            bad = neg if self.output == "stored" else neg[producing]
            raise OutputError(
                f"{self._name}: gross output is negative in {bad.size} row(s), e.g. "
                + ", ".join(f"{self.row_labels[i]}={x[i]:g}" for i in bad[:5])
            )
        if neg.size:
            warnings.warn(
                f"{self._name}: row sums are negative (negative final demand, no inputs) "
                "in " + ", ".join(f"{self.row_labels[i]}={x[i]:g}" for i in neg[:10])
                + "; these sectors get zero coefficients",
                BalanceWarning,
                stacklevel=3,
            )
        if not (x > 0).any():
            raise OutputError(f"{self._name}: gross output is zero in every row")
        if self.x_stored is not None:
            diff = np.abs(self.x_stored - rowsum)
            gap = (diff > OUTPUT_GAP_WARN * np.abs(self.x_stored)) & (diff > 1e-9)
            if gap.any():
                rows = np.flatnonzero(gap)
                warnings.warn(
                    f"{self._name}: stored gross output and row sums differ by more than "
                    f"{OUTPUT_GAP_WARN:.1%} in {rows.size} row(s): "
                    + ", ".join(self.row_labels[i] for i in rows[:10])
                    + (" ..." if rows.size > 10 else "")
                    + f' (the model uses output="{self.output}")',
                    BalanceWarning,
                    stacklevel=3,
                )
        va = self.value_added
        uses_inputs = np.abs(self.Z).sum(axis=0) > 0
        neg = np.flatnonzero((va < -1e-9 * np.maximum(self.x, 1.0)) & uses_inputs)
        if neg.size:
            warnings.warn(
                f"{self._name}: intermediate inputs exceed gross output (negative value "
                f"added) in {neg.size} column(s): "
                + ", ".join(f"{self.row_labels[i]}={va[i]:g}" for i in neg[:5]),
                BalanceWarning,
                stacklevel=3,
            )

    def _reclassify_inputs_without_output(self):
        # Inputs bought by a sector with no output cannot enter A (x_j = 0), and
        # dropping them would break x = BY; they are treated as final use
        # (stock building) of the buying country, in the last category.
        cols = np.flatnonzero((self.x <= 0) & (np.abs(self.Z).sum(axis=0) > 0))
        if not cols.size:
            return
        for j in cols:
            self.Y[:, j // self.N, -1] += self.Z[:, j]
            self.Z[:, j] = 0.0
        warnings.warn(
            f"{self._name}: sector(s) "
            + ", ".join(self.row_labels[j] for j in cols[:10])
            + f" have no output but buy inputs; those inputs are counted as final use "
            f"({self.fd_categories[-1]}) of the buying country",
            BalanceWarning,
            stacklevel=3,
        )

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

    def balance(self) -> dict:
        """How far the table is from balance.

        Returns a dict with the largest absolute and relative gaps between
        stored output and row sums (``rows``) and, when ``va`` was given,
        between stored output and column sums plus value added (``columns``).
        """
        report = {}
        rowsum = self.Z.sum(axis=1) + self.Y.sum(axis=(1, 2))
        ref = self.x_stored if self.x_stored is not None else self.x
        report["rows"] = _gap(ref, rowsum, self.row_labels)
        if self.va_stored is not None:
            report["columns"] = _gap(ref, self.Z.sum(axis=0) + self.va_stored, self.row_labels)
        report["negative_value_added"] = int((self.value_added < 0).sum())
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
    """A float64 copy of ``a``; anything that is not a rectangular array of real
    numbers (text, ragged lists, complex values) is a :class:`ShapeError`."""
    bad = f"{name}: {what} is not a rectangular array of real numbers"
    try:
        arr = np.asarray(a)
    except ValueError as e:  # ragged
        raise ShapeError(f"{bad} ({e})") from None
    if np.iscomplexobj(arr):
        raise ShapeError(f"{name}: {what} holds complex numbers")
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError) as e:  # text, objects
        raise ShapeError(f"{bad} ({e})") from None


def _labels(seq, what) -> tuple[str, ...]:
    if isinstance(seq, str) or not isinstance(seq, Sequence | np.ndarray):
        raise LabelError(f"{what} must be a sequence of codes, got {type(seq).__name__}")
    labels = tuple(str(s) for s in seq)
    if not labels:
        raise LabelError(f"{what} is empty")
    dup = repeated(labels)
    if dup:
        raise LabelError(f"{what} has duplicated codes: {', '.join(sorted(dup))}")
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
