"""Tables from your own data: pandas DataFrames, plain arrays, the Stata ``icio`` CSV layout.

Three ways in, one way out:

(a) :func:`from_dataframes` — a ``Z`` frame labelled (country, sector) on both
    axes and a ``Y`` frame with (country, category) columns, as pandas
    MultiIndexes or as ``"CCC_sector"`` strings split at ``sep``;
(b) plain arrays: :class:`~gvcdecomp.table.IOTable` takes them directly,
    ``IOTable(Z, Y, countries, sectors, fd_categories)`` with ``Z`` (GN, GN)
    and ``Y`` (GN, G, K) or (GN, G·K), rows and columns country-major (row
    ``g*N + i`` is industry i of country g), final-demand columns
    destination-major (destination r's K categories side by side);
(c) :func:`read_stata_icio` — the headerless matrix and country list that the
    Stata command ``icio`` loads with ``icio_load, iciotable(user,
    userpath() tablename() countrylistname())`` (Belotti, Borin and Mancini
    2021, The Stata Journal 21(3): 708–755);

and :func:`to_dataframes`, the inverse of (a).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError, LabelError, ShapeError, ValueNotFiniteError
from ..table import IOTable, repeated

#: pandas reads decimal text to the nearest double by default from version 3;
#: earlier versions need the round-trip parser for that.
CSV_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def error_text(e: BaseException) -> str:
    """``Type: message`` of a parser's exception on one line (pandas ends some with a newline)."""
    return f"{type(e).__name__}: {' '.join(str(e).split())}"


def from_dataframes(
    Z: pd.DataFrame,
    Y: pd.DataFrame,
    x=None,
    sep: str | None = None,
    *,
    output: str = "rowsum",
    year: int | None = None,
    source: str = "pandas DataFrames",
    units: str = "units of the data",
) -> IOTable:
    """Build an :class:`IOTable` from labelled pandas frames.

    Parameters
    ----------
    Z : DataFrame (GN, GN)
        Intermediate use, rows selling to columns. Both axes labelled by
        (country, sector): a two-level MultiIndex, or strings
        ``"<country><sep><sector>"`` split at the first ``sep``. The columns
        must be the rows (in any order); every country must have every sector.
    Y : DataFrame (GN, G·K)
        Final use: rows labelled as ``Z``'s, columns by (destination country,
        category) in the same way. Destinations must be countries of ``Z``;
        a (country, category) pair without a column is zero.
    x : Series or array (GN,), optional
        Published gross output, labelled as ``Z``'s rows or, as an array, in
        the order of ``Z``'s rows. Kept as ``x_stored``; used when
        ``output="stored"``.
    sep : str, optional
        Separator of string labels, e.g. ``"_"`` for ``"AUS_C26"``; needed
        unless the axes are MultiIndexes.
    output, year, source, units
        As in :class:`IOTable`.

    Returns
    -------
    IOTable
        Countries in order of first appearance in ``Z``'s rows, sectors in
        order of first appearance, categories in order of first appearance in
        ``Y``'s columns; rows and columns rearranged country-major. Values as
        given (units of the data).

    Raises
    ------
    LabelError
        Labels missing, duplicated, not splittable, or not matching between
        ``Z``'s rows, ``Z``'s columns, ``Y``'s rows and ``x``.
    ShapeError
        ``Z`` not square, or ``Y`` or ``x`` of another length than ``Z``.
    ValueNotFiniteError
        A cell is not a number (text, empty).
    """
    for what, f in (("Z", Z), ("Y", Y)):
        if not isinstance(f, pd.DataFrame):
            raise ShapeError(f"{what} must be a pandas DataFrame, got {type(f).__name__}")
    if Z.shape[0] != Z.shape[1]:
        raise ShapeError(f"Z must be square, got shape {Z.shape}")
    if Y.shape[0] != Z.shape[0]:
        raise ShapeError(f"Y has {Y.shape[0]} rows but Z has {Z.shape[0]}")
    rows = _keys(Z.index, sep, "Z rows")
    cols = _keys(Z.columns, sep, "Z columns")
    _same_set(rows, cols, "Z rows", "Z columns")
    yrows = _keys(Y.index, sep, "Y rows")
    _same_set(rows, yrows, "Z rows", "Y rows")
    ycols = _keys(Y.columns, sep, "Y columns")

    countries = list(dict.fromkeys(c for c, _ in rows))
    sectors = list(dict.fromkeys(s for _, s in rows))
    have = set(rows)
    missing = [f"{c}{sep or ', '}{s}" for c in countries for s in sectors if (c, s) not in have]
    if missing:
        raise LabelError(
            f"Z rows are not every country x every sector: {len(missing)} missing, e.g. "
            + "; ".join(missing[:5])
        )
    order = [(c, s) for c in countries for s in sectors]
    at_row = {k: i for i, k in enumerate(rows)}
    at_col = {k: j for j, k in enumerate(cols)}
    at_yrow = {k: i for i, k in enumerate(yrows)}
    perm = np.array([at_row[k] for k in order])

    z = _values(Z, "Z")[np.ix_(perm, [at_col[k] for k in order])]
    yv = _values(Y, "Y")[[at_yrow[k] for k in order]]
    foreign = sorted({c for c, _ in ycols} - set(countries))
    if foreign:
        raise LabelError(f"Y has final demand of countries not in Z: {', '.join(foreign)}")
    cats = list(dict.fromkeys(k for _, k in ycols))
    y = np.zeros((len(order), len(countries), len(cats)))
    for j, (c, k) in enumerate(ycols):
        y[:, countries.index(c), cats.index(k)] = yv[:, j]

    xs = None
    if x is not None:
        if isinstance(x, pd.Series):
            xk = _keys(x.index, sep, "x")
            _same_set(rows, xk, "Z rows", "x")
            at_x = {k: i for i, k in enumerate(xk)}
            xs = _values(x.to_frame(), "x")[[at_x[k] for k in order], 0]
        else:
            xa = np.asarray(x)
            if xa.shape != (len(rows),):
                raise ShapeError(f"x has shape {xa.shape}, expected ({len(rows)},)")
            xs = _values(pd.DataFrame(xa), "x")[perm, 0]
    return IOTable(
        z, y, countries, sectors, cats, x=xs, output=output, year=year, source=source, units=units
    )


def to_dataframes(table: IOTable) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """A table as labelled frames, the inverse of :func:`from_dataframes`.

    Returns
    -------
    Z : DataFrame (GN, GN)
        Rows and columns a (country, sector) MultiIndex.
    Y : DataFrame (GN, G·K)
        Rows as ``Z``'s, columns a (country, category) MultiIndex.
    x : Series (GN,)
        Gross output: the published output ``x_stored`` when the table has
        one, else the output the model uses.

    ``from_dataframes(*to_dataframes(t))`` gives back ``t.Z``, ``t.Y`` and
    ``t.x_stored`` exactly. Units of the table.
    """
    rows = pd.MultiIndex.from_product([table.countries, table.sectors], names=["country", "sector"])
    fd = pd.MultiIndex.from_product(
        [table.countries, table.fd_categories], names=["country", "category"]
    )
    Z = pd.DataFrame(table.Z.copy(), index=rows, columns=rows.copy())
    Y = pd.DataFrame(table.Y.reshape(table.n, -1).copy(), index=rows.copy(), columns=fd)
    x = table.x_stored if table.x_stored is not None else table.x
    return Z, Y, pd.Series(x.copy(), index=rows.copy(), name="x")


def read_stata_icio(
    table_file,
    countries_file,
    sectors=None,
    fd_categories=None,
    *,
    year: int | None = None,
    units: str = "units of the data",
) -> IOTable:
    """Read a user table in the layout of the Stata command ``icio``.

    Layout (``icio`` help, "Remarks on user-provided tables"): the table file
    is a CSV holding only one matrix of GN rows and GN + G·U columns — the
    intermediate block, then U final uses per destination country,
    destination-major — with no labels, no total output and no value added;
    the country-list file is a CSV with the G country codes, one per line, in
    the table's order. Gross output is therefore the row sums.

    Parameters
    ----------
    table_file, countries_file : str or Path
    sectors : int or sequence of str, optional
        The number of industries N (checked against the file) or their codes;
        default: ``"1"`` … ``"N"`` (``icio`` numbers sectors), N = rows / G.
    fd_categories : sequence of str, optional
        Codes of the U final uses; default ``"FD"`` (U = 1) or ``"FD1"`` ….
    year, units
        As in :class:`IOTable`.

    Raises
    ------
    FileFormatError
        Unreadable or ragged file, empty or non-numeric cells, a row count
        that is not a multiple of G, a column count that is not GN + G·U, or
        sector labels or final-use codes that do not match N and U.

    The file has no labels, so a table cut exactly at a line end can only be
    told from a complete one through its shape: pass ``sectors`` or
    ``fd_categories`` to have the row and column counts checked against them.
    """
    table_file, countries_file = Path(table_file), Path(countries_file)
    countries = _read_countries(countries_file)
    try:
        # only an empty field is missing: "NaN" written in a cell is reported as text
        frame = pd.read_csv(
            table_file, header=None, keep_default_na=False, na_values=[""], **CSV_FLOATS
        )
    except (ValueError, OSError) as e:
        raise FileFormatError(f"{table_file}: unreadable CSV ({error_text(e)})") from e
    M = _values(frame, str(table_file), error=FileFormatError)
    R, C = M.shape
    G = len(countries)
    if R % G:
        raise FileFormatError(
            f"{table_file}: {R} rows is not a multiple of the {G} countries in {countries_file}"
        )
    N = R // G
    if C <= R or (C - R) % G:
        raise FileFormatError(
            f"{table_file}: {C} columns; expected {R} intermediate columns plus a multiple "
            f"of {G} final-use columns"
        )
    if fd_categories is not None and len(fd_categories) * G != C - R:
        # a file cut at a line end keeps its width: the final-use count shows it
        raise FileFormatError(
            f"{table_file}: {C - R} final-use columns for {G} countries, not the "
            f"{len(fd_categories)} per country given ({R} rows: truncated file?)"
        )
    if sectors is None:
        sectors = [str(i + 1) for i in range(N)]
    elif isinstance(sectors, int | np.integer):
        if sectors != N:
            raise FileFormatError(f"{table_file}: holds {N} sectors per country, not {sectors}")
        sectors = [str(i + 1) for i in range(N)]
    elif len(sectors) != N:
        raise FileFormatError(
            f"{table_file}: holds {N} sectors per country but {len(sectors)} sector codes "
            "were given"
        )
    return IOTable(
        M[:, :R],
        M[:, R:],
        countries,
        sectors,
        fd_categories,
        year=year,
        source=f"Stata icio table ({table_file.name})",
        units=units,
    )


# -- internals ---------------------------------------------------------------------


def _keys(index: pd.Index, sep, what) -> list[tuple[str, str]]:
    """(country, code) pairs of an axis: a two-level MultiIndex or split strings."""
    if isinstance(index, pd.MultiIndex):
        if index.nlevels != 2:
            raise LabelError(
                f"{what}: a (country, code) MultiIndex has 2 levels, not {index.nlevels}"
            )
        keys = [(str(a), str(b)) for a, b in index]
    elif sep is None:
        raise LabelError(f"{what}: label the axis with a (country, code) MultiIndex or pass sep=")
    else:
        keys = []
        for lab in index:
            c, s, rest = str(lab).partition(sep)
            if not s or not c or not rest:
                raise LabelError(f"{what}: label {lab!r} is not <country>{sep}<code>")
            keys.append((c, rest))
    dup = repeated(keys)
    if dup:
        raise LabelError(f"{what}: duplicated labels " + ", ".join(map(str, dup[:5])))
    return keys


def _same_set(a, b, what_a, what_b):
    if set(a) != set(b):
        only_a = [k for k in a if k not in set(b)][:3]
        only_b = [k for k in b if k not in set(a)][:3]
        raise LabelError(
            f"{what_a} and {what_b} differ: only in {what_a} {only_a}, only in {what_b} {only_b}"
        )


def _values(frame: pd.DataFrame, what, error=ValueNotFiniteError) -> np.ndarray:
    """Cells as float64; a non-numeric or empty cell raises ``error`` naming it."""
    if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        values = frame.to_numpy(dtype=np.float64)
        bad = np.isnan(values)
    else:
        values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values) & frame.notna().to_numpy()
    if error is FileFormatError:  # in a file, an empty cell is a defect too
        bad = np.isnan(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        cell = frame.iat[i, j]
        desc = "an empty cell" if pd.isna(cell) else f"non-numeric value {cell!r}"
        raise error(
            f"{what}: {desc} at row {frame.index[i]!r}, column {frame.columns[j]!r} "
            f"({int(bad.sum())} such cell(s))"
        )
    # frames store columns contiguously; row order keeps sums as for arrays
    return np.ascontiguousarray(values)


def _read_countries(file: Path) -> list[str]:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise FileFormatError(f"{file}: unreadable country list ({e})") from e
    countries = [line.split(",")[0].strip().strip('"') for line in text.splitlines()]
    countries = [c for c in countries if c]
    if not countries:
        raise FileFormatError(f"{file}: the country list is empty")
    return countries
