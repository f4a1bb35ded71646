"""Several years of one source, loaded one year at a time."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import xarray as xr

from .errors import LabelError, UnknownLabelError
from .table import KINDS, as_year, defer_warnings, repeated, warn_once


class Panel(Mapping):
    """Tables of one source by year, each read from disk when it is asked for.

    Tables are not kept, so a loop over the years needs the memory of one
    table; ``dict(panel)`` keeps them all when that is wanted.

    The keys are the years: a loaded table without a year gets its key, and
    one whose year differs from its key is a :class:`LabelError` (results are
    labelled with the table's year, so a mismatch would mislabel them).

    Balance findings: years loaded inside :meth:`collecting` — as
    :func:`~gvcdecomp.methods.decompose` and a loop over the panel do — give
    no warning each but one :class:`~gvcdecomp.table.BalanceWarning` for all
    of them after the loop, with counts per kind and the years affected. The
    detail of each year loaded is kept in ``diagnostics[year]`` (the table's
    ``diagnostics``) and its known properties in ``notes[year]``.
    """

    def __init__(self, years: Iterable[int], load: Callable, source: str):
        self.years = tuple(as_year(y, f"{source} panel year") for y in years)
        dup = repeated(self.years)
        if dup:
            raise LabelError(f"{source} panel: year(s) {dup} given twice")
        self._load = load
        self.source = source
        #: Balance findings and known properties of each year loaded (see the class notes).
        self.diagnostics: dict[int, dict] = {}
        self.notes: dict[int, list[str]] = {}
        self._collected: list[int] | None = None  # years loaded inside collecting()

    def __getitem__(self, year):
        if year not in self.years:
            raise UnknownLabelError(
                f"year {year!r} is not in this {self.source} panel "
                f"({self.years[0]}–{self.years[-1]})" if self.years else "empty panel"
            )
        year = as_year(year)
        if self._collected is None:
            table = self._load(year)
        else:
            with defer_warnings():
                table = self._load(year)
        if table.year is None:
            table.year = year
        elif table.year != year:
            raise LabelError(
                f"{self.source} panel: the table loaded for year {year} says it is of "
                f"{table.year} ({table.source})"
            )
        self.record(year, table.diagnostics, table.notes)
        return table

    def record(self, year: int, diagnostics: dict, notes: list[str]) -> None:
        """Keep the balance findings and notes of ``year``, loaded here or elsewhere
        (a Dask worker), so that :meth:`collecting` summarises it with the others."""
        self.diagnostics[year], self.notes[year] = diagnostics, notes
        if self._collected is not None:
            self._collected.append(year)

    def __contains__(self, year):
        return year in self.years  # without loading the table (Mapping's default would)

    def __iter__(self):
        with self.collecting():  # a loop over the panel warns once, at its end
            yield from self.years

    def collecting(self, hold: bool = False) -> _Collecting:
        """Context in which loaded years give no warning each, and on leaving one
        :class:`~gvcdecomp.table.BalanceWarning` that summarises them all (once per
        process for the same text). Nested contexts: the outermost summarises.

        ``hold=True`` (for a loop of library code under a progress bar) also holds
        every other warning raised inside and gives each distinct one after the
        summary, so that none is printed across the bar.
        """
        return _Collecting(self, hold)

    def summary(self, years=None) -> str:
        """One line: what the balance checks found in ``years`` (default: every year
        loaded so far), with counts per kind and the years affected; "" if nothing."""
        years = sorted(set(self.diagnostics if years is None else years))
        found: dict[str, dict[int, int]] = {}
        for y in years:
            for kind, d in self.diagnostics[y].items():
                if d.get("warn"):
                    found.setdefault(kind, {})[y] = len(d["rows"])
        if not found:
            return ""
        parts = []
        for kind, counts in found.items():
            unit, what = KINDS.get(kind, ("row", f"({kind})"))
            lo, hi = min(counts.values()), max(counts.values())
            n = f"{lo}" if lo == hi else f"{lo}–{hi}"
            when = f" in {len(counts)} of {len(years)} years ({spans(counts)})" if len(years) > 1 else ""
            parts.append(f"{n} {unit}(s) {what}{when}")
        head = (
            f"{self.source} {years[0]}" if len(years) == 1
            else f"{self.source} panel, {len(years)} years loaded ({spans(years)})"
        )  # fmt: skip
        return f"{head}: " + "; ".join(parts) + " (details: panel.diagnostics[year])"

    def __len__(self):
        return len(self.years)

    def __repr__(self):
        return f"<Panel {self.source}: {len(self)} years {list(self.years)}>"


class _Collecting:
    # a class, not contextlib.contextmanager: the summary's stacklevel then finds
    # the caller's line past frames of this package only
    def __init__(self, panel: Panel, hold: bool):
        self.panel, self.outermost = panel, False
        self.catcher = warnings.catch_warnings(record=True) if hold else None

    def __enter__(self):
        self.outermost = self.panel._collected is None
        if self.outermost:
            self.panel._collected = []
        self.record = self.catcher.__enter__() if self.catcher else None
        return self.panel

    def __exit__(self, *exc):
        if self.catcher:
            self.catcher.__exit__(*exc)
        if self.outermost:
            years, self.panel._collected = self.panel._collected, None
            text = self.panel.summary(years) if years else ""
            if text:
                warn_once(text, (self.panel.source, "panel", text))
        held = self.record or ()
        distinct = {(w.category, str(w.message), w.filename, w.lineno): w for w in held}
        for w in distinct.values():
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return False


def spans(years) -> str:
    """Years as runs: ``1995–1997, 2001``."""
    years = sorted(years)
    runs = []
    for y in years:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def check_same_labels(items, years=None) -> None:
    """Refuse tables or results of several years whose labels differ.

    ``items`` are :class:`~gvcdecomp.table.IOTable` objects (compared on
    countries, sectors and final-demand categories) or xarray results
    (compared on every coordinate other than ``year``). Concatenating years
    whose country or industry sets differ would fill the missing cells with NaN
    without a word; align the tables first (:func:`gvcdecomp.aggregate`) or
    select common labels. ``years`` names the items in the message (default:
    their ``year``).

    Raises :class:`~gvcdecomp.errors.LabelError` naming the first two years
    that differ and the labels one has and the other lacks.
    """
    items = list(items)
    if years is None:
        years = [_year_of(it, k) for k, it in enumerate(items)]
    first = _labels_of(items[0]) if items else {}
    for item, year in zip(items[1:], years[1:]):
        these = _labels_of(item)
        for dim in dict.fromkeys([*first, *these]):
            ref, labels = first.get(dim, ()), these.get(dim, ())
            if ref != labels:
                extra = [v for v in labels if v not in ref][:5]
                lacking = [v for v in ref if v not in labels][:5]
                detail = f"has {extra}, lacks {lacking}" if extra or lacking else "order differs"
                raise LabelError(
                    f"panel: {dim} of {year} differ from those of {years[0]} ({detail}); "
                    "align the years first (same countries and sectors in every year)"
                )


def _labels_of(item) -> dict:
    if hasattr(item, "countries") and hasattr(item, "sectors"):  # an IOTable
        return {d: tuple(getattr(item, d)) for d in ("countries", "sectors", "fd_categories")}
    return {
        str(d): tuple(item[d].values.tolist())
        for d in item.coords
        if d != "year" and item[d].ndim == 1 and d in item.dims
    } | {str(d): tuple(range(item.sizes[d])) for d in item.dims if d not in item.coords}


def _year_of(item, k):
    year = getattr(item, "year", None)
    if year is not None and not isinstance(year, int):  # an xarray coordinate
        year = year.values.item() if year.size == 1 else None
    return year if year is not None else f"item {k}"


class YearStacker:
    """One result per year, stacked along ``year`` as the years come.

    :meth:`add` copies each Dataset's variables into arrays that hold every
    year (allocated at the first year) and changes the year's Dataset to hold
    views of them (the Datasets given are the stacker's to keep); :func:`stack_years` (through
    :func:`~gvcdecomp.years.concat_years`, given ``arrays``) then takes those
    arrays as they are. Why: a panel's results are held once instead of twice
    (the years' own arrays, then their stack): the four default methods on
    WIOD 2013's 17 years (448 MB of results) peaked at 1107 MB of resident
    memory before, 744 MB with. A year that does not fit (other variables or shapes) keeps its own arrays
    and the years are concatenated as before.
    """

    def __init__(self, n_years: int):
        self.n_years, self.parts, self.arrays = n_years, [], None

    def add(self, result) -> None:
        j = len(self.parts)
        if j == 0 and isinstance(result, xr.Dataset):
            self.arrays = {
                n: np.empty((self.n_years, *v.shape), v.dtype) for n, v in result.data_vars.items()
            }
        if self.arrays is not None and self._fits(result):
            for n, big in self.arrays.items():
                v = result.variables[n]  # the Variable: ds[n] would build a DataArray
                big[j] = v.values
                v.data = big[j]  # the year's own array is freed
        self.parts.append(result)

    def _fits(self, r) -> bool:
        if not (isinstance(r, xr.Dataset) and len(self.parts) < self.n_years):
            return False
        v = r.variables
        return list(r.data_vars) == list(self.arrays) and all(
            v[n].shape == a.shape[1:] and v[n].dtype == a.dtype for n, a in self.arrays.items()
        )


def _is_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` is the very memory of ``b`` (same start, shape, strides, type)."""
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
    )  # fmt: skip


def stack_years(results: list, arrays: dict | None = None) -> xr.Dataset:
    """Results of several years, each with a scalar ``year`` coordinate and the
    same labels (:func:`check_same_labels`), as one Dataset with a leading
    ``year`` dimension: ``xr.concat(results, "year", combine_attrs="drop_conflicts")``,
    built once from one ``numpy.stack`` per variable.

    Why: ``xr.concat`` aligns, compares and copies variable by variable through
    xarray's machinery, which cost more than the copy itself (0.2 s for 17 years
    of a 70 kB KWW result). An attribute (of the Dataset or of a variable) whose
    text differs between years is dropped, as ``drop_conflicts`` does. Results
    with other coordinates than their dimensions' labels and ``year``, or whose
    variables differ between years, go through ``xr.concat``.

    ``arrays`` (from :class:`YearStacker`): a variable whose years are already
    views of ``arrays[name]``, year by year, is that array, not a new stack.
    """
    first = results[0]
    names = list(first.data_vars)
    labels = [c for c in first.coords if c != "year"]

    def plain(r):
        return (
            "year" in r.coords and r["year"].ndim == 0 and "year" not in r.dims
            and list(r.data_vars) == names and [c for c in r.coords if c != "year"] == labels
            and all(r.variables[n].dims == first.variables[n].dims for n in names)
        )  # fmt: skip

    if any(first[c].dims != (c,) for c in labels) or not all(map(plain, results)):
        return xr.concat(results, dim="year", data_vars="all", coords="different",
                         compat="equals", combine_attrs="drop_conflicts")  # fmt: skip
    def stacked(n):
        values = [r.variables[n].values for r in results]
        big = (arrays or {}).get(n)
        if big is not None and len(big) == len(values) and all(map(_is_view, values, big)):
            return big
        return np.stack(values)

    data = {
        n: (("year", *first.variables[n].dims), stacked(n),
            _common_attrs([r.variables[n].attrs for r in results]))
        for n in names
    }  # fmt: skip
    coords = {c: first.coords[c].variable for c in labels}
    years = [r["year"].values for r in results]
    coords["year"] = ("year", np.stack(years), _common_attrs([r["year"].attrs for r in results]))
    return xr.Dataset(data, coords=coords, attrs=_common_attrs([r.attrs for r in results]))


def _common_attrs(dicts: list[dict]) -> dict:
    """The attributes of ``dicts`` whose text is the same wherever they are given."""
    out, dropped = {}, set()
    for d in dicts:
        for k, v in d.items():
            if k in dropped:
                continue
            if k not in out:
                out[k] = v
            elif not same_attr(out[k], v):
                del out[k]
                dropped.add(k)
    return out


def same_attr(a, b) -> bool:
    """Whether two attribute values are the same: type and text, and for arrays
    every element (an array's text rounds to 8 digits and elides long arrays,
    so years whose arrays differ there would keep the first year's)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return type(a) is type(b) and str(a) == str(b)


def check_year(year, valid: range, what: str) -> int:
    """``year`` as an int if ``valid`` has it; :class:`UnknownLabelError` otherwise."""
    try:
        y = as_year(year)
    except LabelError:
        y = None
    if y is None or y not in valid:
        raise UnknownLabelError(f"{what} has the years {valid[0]}–{valid[-1]}; got {year!r}")
    return y


def table_or_panel(years, valid: range, what: str, load: Callable, source: str):
    """``load(year)`` for one year, a :class:`Panel` of ``load`` for several.

    ``what`` names the source in messages ("WIOD 2013"), ``source`` is its key.
    """
    if isinstance(years, str) or not isinstance(years, Iterable) or np.ndim(years) == 0:
        return load(check_year(years, valid, what))  # a 0-d array is one year
    years = [check_year(y, valid, what) for y in years]
    if not years:
        raise UnknownLabelError(f"no year asked for; {what} has {valid[0]}–{valid[-1]}")
    if len(set(years)) < len(years):
        raise UnknownLabelError(f"a year is asked for twice: {years}")
    return Panel(years, load, source)
