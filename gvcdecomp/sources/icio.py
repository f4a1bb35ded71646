"""OECD Inter-Country Input-Output (ICIO) tables: the 2016, 2018, 2021 and 2023 editions.

Files read (one CSV per year, comma-separated, a header row of column labels
and a first column of row labels; millions of US dollars, current prices):

- ``icio2016`` (1995–2011): ``ICIO2016_yyyy.csv``, or ``ICIO2016_yyyy.zip``
  holding it; final demand labelled category first (``HFCE_AUS``), a ``DISC``
  column, rows ``VA+TAXSUB`` and ``OUT``, no output column;
- ``icio2018`` (2005–2015): ``ICIO2018_yyyy.CSV`` (or ``ICIO2018_yyyy.zip``);
  final demand ``AUS_HFCE``; rows ``AUS_TAXSUB`` … (one per country),
  ``VALU``, ``OUTPUT``; column ``TOTAL``; first industry ``01T03``;
- ``icio2021`` (1995–2018): ``ICIO2021_yyyy.csv``, or the bundles
  ``ICIO_1995-1999.zip`` … ``ICIO_2015-2018.zip``; labels as in 2018, first
  industry ``01T02`` (with or without a leading ``D``);
- ``icio2023`` (1995–2020): ``yyyy.csv`` and ``yyyy_SML.csv``, or the bundles
  ``1995-2000.zip`` … ``2016-2020.zip`` and ``…_SML.zip``; final demand
  ``AUS_HFCE``; rows ``TLS``, ``VA``, ``OUT``; column ``OUT``.

Nothing depends on cell positions. Each label is classified by its name:

- intermediate rows and columns ``CCC_industry`` (country code of three
  letters or digits, an underscore, the industry code, which may itself hold
  underscores, e.g. ``AUS_A01_02``); the rows must be the columns, in the same
  order, and every country must have the same industries in the same order;
- final-demand columns ``CCC_CAT`` or ``CAT_CCC`` (the 2016 edition's order;
  either order is read in every edition, but not both in one file), with CAT
  one of :data:`FD_CODES` (households HFCE, NPISH/NPS, government GGFC, GFCF,
  inventories INVNT/INV, direct purchases abroad DPABR/DIRP/DIRPA/P33, a
  discrepancy DISC); a single statistical-discrepancy column ``DISC`` (2016)
  becomes the category ``DISC`` of the row's own country, so that rows still
  add up to output and exports are unchanged;
- the output row and column (:data:`OUTPUT_LABELS`: OUT, OUTPUT, TOTAL);
- value-added rows (:data:`VA_LABELS` and ``CCC_TAXSUB``): VA and TLS (2023),
  VALU and the per-country TAXSUB rows (2018, 2021), VA+TAXSUB (2016). Their
  cells under final-demand columns (taxes on final products) are not used.

Any other label is an error. Labels are compared without surrounding blanks,
byte-order marks or case (``aus_hfce`` is ``AUS_HFCE``); columns without a
label at the right end and rows without a label are dropped when they hold
no value (spreadsheet re-exports add them); numbers may be quoted. The
edition is recognised from the names (:func:`detect_edition`) and must be the
one asked for.

Completeness: every country x industry row and column exactly once and in the
same order, the final demand of every country that is not a split part in
every category, the value-added rows of the edition (TLS and VA; VALU and a
TAXSUB row per country with final demand; VA+TAXSUB), the output row, and a
finite number in every cell that is used; anything else is a
:class:`~gvcdecomp.errors.FileFormatError` naming the file and what is missing.

A CSV inside a zip bundle is streamed (never inflated whole); a member
declaring more than :data:`MEMBER_LIMIT` bytes is refused before reading.

China and Mexico are split: CN1, CN2 (2016: CN1…CN4) and MX1, MX2 (2016:
MX1…MX3) hold their processing / global-manufacturing and other activities,
while the rows and columns CHN and MEX of the intermediate block are empty
and final demand is recorded for CHN and MEX only. The table is kept split:
the Leontief inverse of the split table is the one the OECD intends, merging
first would change it. The merge happens in the results, through the country
partition ``{"CHN": ["CHN", "CN1", "CN2"], "MEX": ["MEX", "MX1", "MX2"]}``
(:func:`split_groups`), stored on the loaded table as ``table.default_groups``
(empty with ``split="keep"``). The ``_SML`` files of 2023 are not split.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataNotFoundError, FileFormatError, OptionError, UnknownLabelError
from ..panel import table_or_panel
from ..table import IOTable, repeated
from .cache import cached_parts
from . import archive
from .archive import GiB
from .generic import CSV_FLOATS, error_text
from .labelled import shown
from .paths import ENV_VAR, search_dirs

UNITS = "millions of US dollars, current prices"
#: Final-demand category codes met in the editions' column labels.
FD_CODES = frozenset(
    {"HFCE", "NPISH", "NPS", "GGFC", "GFCF", "INVNT", "INV", "DPABR", "DIRP", "DIRPA", "P33",
     "DISC"}
)  # fmt: skip
#: Statistical-discrepancy column (2016 edition).
DISC = "DISC"
#: Labels of the gross-output row and column.
OUTPUT_LABELS = frozenset({"OUT", "OUTPUT", "TOTAL"})
#: Value-added rows besides the per-country ``CCC_TAXSUB`` rows.
VA_LABELS = frozenset({"VA", "TLS", "VALU", "TAXSUB", "VA+TAXSUB"})
#: Parent country of the split parts of China and Mexico.
SPLIT_PARTS = {"CHN": re.compile(r"CN\d"), "MEX": re.compile(r"MX\d")}
#: Largest inflated size accepted for a CSV in a zip bundle, in bytes. A year of
#: the largest edition (2023: about 3,700 rows x 4,200 columns, 16 million cells
#: of at most ~20 characters) is a few hundred MB; 2 GiB leaves room and stops
#: a damaged or hostile member before it is streamed.
MEMBER_LIMIT = 2 * GiB
HINT = (
    "The tables are distributed on the OECD page 'Inter-Country Input-Output tables' "
    "(oecd.org, Data > Inter-Country Input-Output tables), one CSV per year or zip bundles"
)

_COUNTRY = r"[A-Za-z0-9]{3}"
_INDUSTRY = re.compile(rf"({_COUNTRY})_(.+)")
_TAXSUB = re.compile(rf"{_COUNTRY}_TAXSUB")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Edition:
    """File names of one ICIO edition: plain CSV names and zip-bundle names (regexes)."""

    years: range
    csv: tuple  # member/file name patterns, ``{y}`` the year; preferred first
    zips: tuple  # bundle name patterns


EDITIONS = {
    "icio2016": Edition(range(1995, 2012), (r"ICIO2016_{y}\.csv",), (r"ICIO2016_{y}\.zip",)),
    "icio2018": Edition(range(2005, 2016), (r"ICIO2018_{y}\.csv",), (r"ICIO2018_{y}\.zip",)),
    "icio2021": Edition(
        range(1995, 2019), (r"ICIO2021_{y}\.csv",), (r"ICIO(?:2021)?_?\d{{4}}-\d{{4}}\.zip",)
    ),
    "icio2023": Edition(
        range(1995, 2021),
        (r"(?:ICIO2023_)?{y}\.csv", r"(?:ICIO2023_)?{y}_SML\.csv"),
        (r"(?:ICIO2023_)?\d{{4}}-\d{{4}}\.zip", r"(?:ICIO2023_)?\d{{4}}-\d{{4}}_SML\.zip"),
    ),
}


def load_icio(edition: str, years, path=None, output: str = "rowsum", split: str = "merge"):
    """Load OECD ICIO tables of one edition.

    Parameters
    ----------
    edition : {"icio2016", "icio2018", "icio2021", "icio2023"}
        The release (the year it was published); years: 2016 edition
        1995–2011, 2018 edition 2005–2015, 2021 edition 1995–2018, 2023
        edition 1995–2020.
    years : int or iterable of int
        One year (returns an :class:`~gvcdecomp.table.IOTable`) or several
        (returns a :class:`~gvcdecomp.panel.Panel`).
    path : str or Path, optional
        A CSV file, a zip bundle, or a folder holding them. Default:
        ``$GVCDECOMP_DATA_DIR/<edition>/`` then ``~/.cache/gvcdecomp/<edition>/``.
        A folder is searched for the year's CSV first, then for zip bundles
        holding it (read from the archive, nothing is extracted); for 2023 the
        split file ``yyyy.csv`` is preferred to ``yyyy_SML.csv``.
    output : {"rowsum", "stored"}
        Gross output used by the model (see :class:`~gvcdecomp.table.IOTable`);
        ``x_stored`` is the output column (row totals), or the output row when
        the file has no output column (2016).
    split : {"merge", "keep"}
        China and Mexico stay split in the table either way (CHN, CN1, CN2, …);
        ``"merge"`` sets ``table.default_groups`` to :func:`split_groups`, the
        partition that reports them as CHN and MEX; ``"keep"`` sets it to ``{}``.

    Returns
    -------
    IOTable or Panel
        Countries as in the file (split parts included), industries as coded in
        the file (the part of the label after the country), final-demand
        categories as coded in the file (plus ``DISC`` in 2016); ``va_stored``
        is the sum of the value-added rows, so that ``Z.sum(0) + va_stored``
        is the output row. Millions of US dollars, current prices.

    Raises
    ------
    DataNotFoundError
        No file of the year was found.
    FileFormatError
        The file is unreadable, truncated, holds unknown, duplicated or
        incomplete labels, lacks the output or value-added rows, or is of
        another edition than ``edition``.
    UnknownLabelError
        Unknown edition or year.

    Notes
    -----
    Reference: OECD (2016, 2018, 2021, 2023), Inter-Country Input-Output
    Tables, ReadMe files of each edition (Paris: OECD); Yamano, N. and J.
    Guilhoto (2020), "CO2 emissions embodied in international trade and
    domestic final demand", OECD STI Working Papers 2020/11 (construction of
    the tables). Parsed tables are cached (see :mod:`gvcdecomp.sources.cache`).
    """
    spec = _edition(edition)
    if split not in ("merge", "keep"):
        raise OptionError(f'split must be "merge" or "keep", got {split!r}')
    return table_or_panel(
        years, spec.years, edition, lambda y: _load_year(edition, y, path, output, split),
        edition,
    )


def load_icio2016(years, path=None, output: str = "rowsum", split: str = "merge"):
    """OECD ICIO 2016 edition (1995–2011): :func:`load_icio` with ``edition="icio2016"``."""
    return load_icio("icio2016", years, path, output, split)


def load_icio2018(years, path=None, output: str = "rowsum", split: str = "merge"):
    """OECD ICIO 2018 edition (2005–2015): :func:`load_icio` with ``edition="icio2018"``."""
    return load_icio("icio2018", years, path, output, split)


def load_icio2021(years, path=None, output: str = "rowsum", split: str = "merge"):
    """OECD ICIO 2021 edition (1995–2018): :func:`load_icio` with ``edition="icio2021"``."""
    return load_icio("icio2021", years, path, output, split)


def load_icio2023(years, path=None, output: str = "rowsum", split: str = "merge"):
    """OECD ICIO 2023 edition (1995–2020): :func:`load_icio` with ``edition="icio2023"``."""
    return load_icio("icio2023", years, path, output, split)


def split_groups(table_or_countries) -> dict:
    """The partition merging China's and Mexico's split parts into CHN and MEX.

    ``{"CHN": ["CHN", "CN1", "CN2"], "MEX": ["MEX", "MX1", "MX2"]}`` for a
    table with those countries: the parent (when it is a country of the table)
    and every part named ``CN<digit>`` / ``MX<digit>``. Empty when the table
    has no split parts. Pass it as ``groups=`` to methods that take country
    groups, e.g. ``gd.decompose(t, "wwz", groups=split_groups(t))``.
    """
    countries = getattr(table_or_countries, "countries", table_or_countries)
    groups = {}
    for parent, part in SPLIT_PARTS.items():
        parts = [c for c in countries if part.fullmatch(c)]
        if parts:
            groups[parent] = ([parent] if parent in countries else []) + parts
    return groups


def detect_edition(fd_country_first: bool, va_rows, sectors) -> str | None:
    """The ICIO edition whose label scheme a file uses, or None.

    From names only: value-added rows ``VA``/``TLS`` → 2023; ``VA+TAXSUB``
    → 2016; ``VALU``/``TAXSUB`` → 2018 or 2021, told apart by the first
    industry code (agriculture ``01T03`` in 2018, ``01T02`` in 2021, with or
    without a leading letter); failing those, final-demand labels ``CAT_CCC``
    (``fd_country_first`` false) → 2016. The order of the final-demand labels
    is only the last clue, because re-exports of other editions use either.
    """
    va_rows = set(va_rows)
    if va_rows & {"VA", "TLS"}:
        return "icio2023"
    if "VA+TAXSUB" in va_rows:
        return "icio2016"
    if va_rows & {"VALU", "TAXSUB"} or any(_TAXSUB.fullmatch(r) for r in va_rows):
        first = re.sub(r"^[A-Za-z](?=\d)", "", sectors[0]) if sectors else ""
        if first.startswith("01T03"):
            return "icio2018"
        if first.startswith("01T02"):
            return "icio2021"
    if not fd_country_first:
        return "icio2016"
    return None


def read_icio_csv(stream, name: str, edition: str | None = None) -> dict:
    """Parts of an :class:`IOTable` (``Z``, ``Y``, labels, ``x``, ``va``) from one ICIO CSV.

    ``stream`` is a text stream positioned at the header row; ``name`` names
    the file in messages. When ``edition`` is given, the file's label scheme
    must be that edition's (:func:`detect_edition`).

    Returns
    -------
    dict
        Keyword arguments of :class:`~gvcdecomp.table.IOTable`: ``Z`` (GN, GN),
        ``Y`` (GN, G, K), ``countries`` (split parts included, plus a split
        parent that only has final demand), ``sectors``, ``fd_categories``,
        ``x`` (output column, else output row) and ``va`` (sum of the
        value-added rows); units of the file (millions of US dollars).

    Raises
    ------
    FileFormatError
        Unreadable or truncated text, unknown or duplicated labels, missing
        output or value-added rows, an incomplete country x industry grid,
        empty or non-numeric cells, or another edition than ``edition``.
    """
    header, frame = _read_frame(stream, name)
    rows = [_clean(r) for r in frame.index]
    _no_duplicates(header, "column", name)
    _no_duplicates(rows, "row", name)

    out_col, disc_col, fd_cols, z_cols, orient = None, None, [], [], set()
    for j, lab in enumerate(header):
        fd = _fd_label(lab)
        if lab in OUTPUT_LABELS:
            out_col = j
        elif lab == DISC:
            disc_col = j
        elif fd is not None:
            fd_cols.append((j, fd[0], fd[1]))
            orient.add(fd[2])
        elif _INDUSTRY.fullmatch(lab):
            z_cols.append(j)
        else:
            raise FileFormatError(f"{name}: unrecognised column label {lab!r}")
    out_row, va_rows, z_rows = None, [], []
    for i, lab in enumerate(rows):
        if lab in OUTPUT_LABELS:
            out_row = i
        elif lab in VA_LABELS or _TAXSUB.fullmatch(lab):
            va_rows.append(i)
        elif _INDUSTRY.fullmatch(lab):
            z_rows.append(i)
        else:
            raise FileFormatError(f"{name}: unrecognised row label {lab!r}")
    if out_row is None:
        raise FileFormatError(f"{name}: no output row (one of {sorted(OUTPUT_LABELS)})")
    if not va_rows:
        raise FileFormatError(
            f"{name}: no value-added row (VA, TLS, VALU, TAXSUB, VA+TAXSUB or CCC_TAXSUB)"
        )
    if not fd_cols:
        raise FileFormatError(f"{name}: no final-demand columns (codes {sorted(FD_CODES)})")
    if len(orient) > 1:
        raise FileFormatError(f"{name}: final-demand labels mix CCC_CAT and CAT_CCC")
    if disc_col is not None and any(k == DISC for _, _, k in fd_cols):
        raise FileFormatError(f"{name}: both a DISC column and per-country DISC columns")
    z_labels = [rows[i] for i in z_rows]
    z_col_labels = [header[j] for j in z_cols]
    if z_labels != z_col_labels:
        bad = next((a, b) for a, b in zip(z_labels + [None], z_col_labels + [None]) if a != b)
        raise FileFormatError(
            f"{name}: intermediate rows and columns differ ({len(z_labels)} rows, "
            f"{len(z_cols)} columns; first difference: row {bad[0]!r}, column {bad[1]!r})"
        )
    countries, sectors = _grid(z_labels, name)
    va_labels = [rows[i] for i in va_rows]
    found = detect_edition("country" in orient, va_labels, sectors)
    if found is None:
        raise FileFormatError(
            f"{name}: unknown ICIO edition (value-added rows {va_labels[:3]}, "
            f"first industry {sectors[0]!r})"
        )
    if edition is not None and found != edition:
        raise FileFormatError(f"{name}: is laid out as {found}, not {edition}")

    # destinations of final demand: the table's countries, plus a split
    # parent that has final demand but no intermediate rows
    extra = []
    for _, c, _ in fd_cols:
        if c not in countries and c not in extra:
            if c in SPLIT_PARTS and any(SPLIT_PARTS[c].fullmatch(p) for p in countries):
                extra.append(c)
            else:
                raise FileFormatError(
                    f"{name}: final demand of {c!r}, which has no intermediate rows or columns"
                )
    countries = countries + extra
    cats = list(dict.fromkeys(k for _, _, k in fd_cols))
    _complete(name, countries, cats, fd_cols, va_labels, found)
    G, N, K = len(countries), len(sectors), len(cats) + (disc_col is not None)
    n_in, n = len(z_rows), G * N

    demand_cols = z_cols + [j for j, _, _ in fd_cols]
    used_cols = demand_cols + [j for j in (out_col, disc_col) if j is not None]
    body = _numeric(frame, z_rows, used_cols, rows, header, name)
    at = {j: k for k, j in enumerate(used_cols)}
    Z = np.zeros((n, n))
    Z[:n_in, :n_in] = body[:, [at[j] for j in z_cols]]
    Y = np.zeros((n, G, K))
    for j, c, k in fd_cols:
        Y[:n_in, countries.index(c), cats.index(k)] = body[:, at[j]]
    if disc_col is not None:
        # a row's discrepancy is final use at home: it stays out of exports
        Y[np.arange(n_in), np.arange(n_in) // N, K - 1] = body[:, at[disc_col]]
    x = np.zeros(n)
    va = np.zeros(n)
    # the total rows' cells under final demand are not used, but one missing
    # there is a file cut short or damaged all the same
    totals = _numeric(frame, [out_row, *va_rows], demand_cols, rows, header, name)[:, : len(z_cols)]
    x[:n_in] = body[:, at[out_col]] if out_col is not None else totals[0]
    va[:n_in] = totals[1:].sum(axis=0)
    return {
        "Z": Z,
        "Y": Y,
        "countries": countries,
        "sectors": sectors,
        "fd_categories": cats + ([DISC] if disc_col is not None else []),
        "x": x,
        "va": va,
    }


# -- internals ---------------------------------------------------------------------


def _edition(edition) -> Edition:
    try:
        return EDITIONS[edition]
    except (KeyError, TypeError):
        raise UnknownLabelError(
            f"unknown ICIO edition {edition!r}; available: {', '.join(EDITIONS)}"
        ) from None


def _load_year(edition: str, year: int, path, output: str, split: str) -> IOTable:
    f, member = _locate(edition, year, path)

    def parse():
        with _open_text(f, member) as text:
            return read_icio_csv(text, f"{f}" + (f" [{member}]" if member else ""), edition)

    parts = cached_parts(edition, f, parse, part=f"{member or ''}{year}")
    t = IOTable(
        **parts,
        output=output,
        year=year,
        source=f"OECD ICIO {edition[-4:]} edition ({Path(member).name if member else f.name})",
        units=UNITS,
    )
    t.default_groups = split_groups(t) if split == "merge" else {}
    return t


def _locate(edition: str, year: int, path) -> tuple[Path, str | None]:
    """The year's CSV file, or a zip bundle and the member holding the year."""
    spec = EDITIONS[edition]
    members = [re.compile(p.format(y=year), re.IGNORECASE) for p in spec.csv]
    if path is not None and Path(path).is_file():
        f = Path(path)
        if f.suffix.lower() == ".zip":
            member = _member(f, members)
            if member is None:
                raise DataNotFoundError(
                    f"{f}: holds no member named like {' or '.join(spec.csv).format(y=year)}"
                )
            return f, member
        named = _YEAR_IN_NAME.findall(f.name)
        if named and str(year) not in named:
            raise FileFormatError(f"{f}: the file name is not that of the year {year}")
        return f, None
    bundles = [re.compile(p.format(y=year), re.IGNORECASE) for p in spec.zips]
    dirs = search_dirs(edition, path)
    for d in dirs:
        if not d.is_dir():
            continue
        files = sorted(p for p in d.iterdir() if p.is_file())
        for rx in members:
            for f in files:
                if rx.fullmatch(f.name):
                    return f, None
        for rx in bundles:
            for f in files:
                if rx.fullmatch(f.name):
                    member = _member(f, members)
                    if member is not None:
                        return f, member
    raise DataNotFoundError(
        f"no {edition} file for {year} ({' or '.join(spec.csv).format(y=year)}, or a zip "
        f"bundle holding it) in {', '.join(str(d) for d in dirs)}"
        + ("" if path is not None else f" (set {ENV_VAR} or pass path=)")
        + f". {HINT}"
    )


def _member(f: Path, members) -> str | None:
    """Normalised name of the first member matching one of ``members`` (tried in order)."""
    with archive.open_zip(f) as zf:
        names = list(archive.members(zf))
    for rx in members:
        for m in names:
            if rx.fullmatch(m.rsplit("/", 1)[-1]):
                return m
    return None


class _open_text:
    """Text stream over a CSV file or a zip member (inflated on the fly, within MEMBER_LIMIT)."""

    def __init__(self, f: Path, member: str | None):
        self.f, self.member, self._zip = f, member, None

    def __enter__(self):
        if self.member is None:
            try:
                raw = open(self.f, "rb")
            except OSError as e:
                raise FileFormatError(f"{self.f}: cannot be opened ({error_text(e)})") from e
        else:
            self._zip = archive.open_zip(self.f)
            try:
                info = archive.members(self._zip)[self.member]
                raw = io.BufferedReader(
                    archive.open_member(self._zip, info, str(self.f), MEMBER_LIMIT)
                )
            except BaseException:
                self._zip.close()
                raise
        self.text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        return self.text

    def __exit__(self, *exc):
        self.text.close()
        if self._zip is not None:
            self._zip.close()


def _read_frame(stream, name):
    """Header labels (without the row-label column) and the body as a DataFrame.

    Trailing unlabelled columns and unlabelled rows are dropped when empty.
    Only empty fields are missing values: ``NaN`` or ``n/a`` written in a
    cell is text, reported as such.
    """
    try:
        line = stream.readline()
        header = [_clean(h) for h in next(csv.reader([line]))] if line.strip() else []
        if len(header) < 2:
            raise FileFormatError(f"{name}: empty file or no header row")
        frame = pd.read_csv(
            stream, header=None, index_col=0, low_memory=False, keep_default_na=False,
            na_values=[""], **CSV_FLOATS,
        )  # fmt: skip
    except FileFormatError:
        raise
    except (ValueError, OSError, EOFError, csv.Error, UnicodeError) as e:
        # pandas ParserError/EmptyDataError are ValueErrors; csv.Error: a header
        # cell past csv.field_size_limit() or a NUL byte
        raise FileFormatError(f"{name}: unreadable CSV ({error_text(e)})") from e
    header = header[1:]
    while header and not header[-1]:
        header.pop()
    spare = frame.iloc[:, len(header) :]
    if spare.notna().any().any():
        j = int(np.flatnonzero(spare.notna().any().to_numpy())[0])
        raise FileFormatError(
            f"{name}: values in data column {len(header) + j + 2}, which has no label"
        )
    frame = frame.iloc[:, : len(header)]
    if frame.shape[1] != len(header):
        raise FileFormatError(
            f"{name}: {len(header)} column labels but {frame.shape[1]} data columns"
        )
    unlabelled = np.array([not _clean(r) for r in frame.index], dtype=bool)
    if unlabelled.any():
        if frame[unlabelled].notna().any().any():
            raise FileFormatError(f"{name}: a row with values but without a label")
        frame = frame[~unlabelled]
    return header, frame


def _numeric(frame, rows, cols, row_labels, header, name) -> np.ndarray:
    """The cells (rows, cols) as floats; an empty or non-numeric cell is an error."""
    block = frame.iloc[rows, cols]
    if all(pd.api.types.is_numeric_dtype(t) for t in block.dtypes):
        values = block.to_numpy(dtype=np.float64)
    else:  # a column holding text: numbers with blanks are numbers, the rest is refused
        values = block.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        cell = block.iat[i, j]
        what = "empty cell" if pd.isna(cell) else f"non-numeric value {cell!r}"
        raise FileFormatError(
            f"{name}: {what} at row {row_labels[rows[i]]}, column {header[cols[j]]} "
            f"({int(bad.sum())} such cell(s); truncated file?)"
        )
    return values


def _complete(name, countries, cats, fd_cols, va_labels, edition):
    """Refuse missing final-demand columns and value-added rows (nothing is assumed zero)."""
    have = {(c, k) for _, c, k in fd_cols}
    buyers = [c for c in countries if not any(rx.fullmatch(c) for rx in SPLIT_PARTS.values())]
    missing = [f"{c}_{k}" for c in buyers for k in cats if (c, k) not in have]
    if missing:
        raise FileFormatError(
            f"{name}: {len(missing)} final-demand column(s) missing, e.g. {', '.join(missing[:5])}"
        )
    need = {"icio2023": ("TLS", "VA"), "icio2016": ("VA+TAXSUB",)}.get(edition, ("VALU",))
    taxsub = {lab[:-7] for lab in va_labels if _TAXSUB.fullmatch(lab)}
    absent = [r for r in need if r not in va_labels]
    if taxsub:  # per-country tax rows: one for every country with final demand
        buying = dict.fromkeys(c for _, c, _ in fd_cols)
        absent += [f"{c}_TAXSUB" for c in buying if c not in taxsub]
    if absent:
        raise FileFormatError(
            f"{name}: value-added row(s) missing for {edition}: {', '.join(absent[:5])}"
            + (" ..." if len(absent) > 5 else "")
        )


def _clean(label) -> str:
    """A label without blanks, byte-order marks or case differences."""
    return "" if pd.isna(label) else str(label).replace("\ufeff", "").strip().upper()


def _fd_label(lab: str):
    """(country, category, orientation) of a final-demand label, else None."""
    a, sep, b = lab.partition("_")
    if not sep or "_" in b:
        return None
    if b in FD_CODES and re.fullmatch(_COUNTRY, a):
        return a, b, "country"
    if a in FD_CODES and re.fullmatch(_COUNTRY, b):
        return b, a, "category"
    return None


def _grid(labels, name) -> tuple[list, list]:
    """Countries and industries of country-major ``CCC_industry`` labels."""
    pairs = [_INDUSTRY.fullmatch(lab).groups() for lab in labels]
    countries = list(dict.fromkeys(c for c, _ in pairs))
    sectors = [s for c, s in pairs if c == countries[0]]
    N = len(sectors)
    expected = [(c, s) for c in countries for s in sectors]
    if pairs != expected:
        k = next(k for k, (p, e) in enumerate(zip(pairs + [None], expected + [None])) if p != e)
        got = "nothing" if k >= len(pairs) else shown("_".join(pairs[k]))
        want = "nothing" if k >= len(expected) else shown("_".join(expected[k]))
        raise FileFormatError(
            f"{name}: intermediate labels are not {len(countries)} countries x the same "
            f"{N} industries in the same order: position {k} is {got}, expected {want}"
        )
    return countries, sectors


def _no_duplicates(labels, what, name):
    dup = repeated(labels)
    if dup:
        raise FileFormatError(f"{name}: duplicated {what} label(s) {sorted(dup)[:5]}")
