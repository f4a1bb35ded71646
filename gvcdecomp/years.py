"""Time series in one call: run a per-table function over a Panel, keep every year's source."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import xarray as xr

from .errors import LabelError, OptionError


def is_years(data) -> bool:
    """A Panel or a mapping {year: IOTable} (an xarray Dataset is a Mapping too: excluded)."""
    return isinstance(data, Mapping) and not isinstance(data, xr.Dataset)


def concat_years(results: list, years: list, arrays: dict | None = None):
    """Concatenate one result per year along ``year``.

    Each result gets its year as a coordinate if it has none. An attribute
    that differs between years (the ``source`` file, ``gap_world``, the
    zero-output sectors, ...) lists every year's value
    (``"1995: <file>; 1996: <file>"``) instead of keeping only the first
    year's. A result whose own ``year`` differs from its key (a mapping
    ``{2001: table of 2000}``) is a :class:`~gvcdecomp.errors.LabelError`, as
    in a Panel: the data would carry one year and its source another.
    ``arrays``: see :class:`~gvcdecomp.panel.YearStacker`.
    """
    from .panel import check_same_labels, same_attr, stack_years

    for r, y in zip(results, years):
        if "year" in r.coords and r["year"].ndim == 0 and r["year"].item() != y:
            raise LabelError(f"year {y} holds a table or result of year {r['year'].item()}")
    check_same_labels(results, years)  # concat would fill the labels of other years with NaN
    parts = [r if "year" in r.coords else r.assign_coords(year=y) for r, y in zip(results, years)]
    if isinstance(parts[0], xr.Dataset):
        out = stack_years(parts, arrays)  # xr.concat(parts, "year", combine_attrs="drop_conflicts"), faster
    else:  # a DataArray (vax_ratio, rca_va, upstreamness, ...)
        out = xr.concat(parts, dim="year", combine_attrs="drop_conflicts")
    keys = dict.fromkeys(k for r in results for k in r.attrs)
    for k in keys:
        values = [r.attrs.get(k) for r in results]
        if not all(same_attr(v, values[0]) for v in values):
            out.attrs[k] = "; ".join(f"{y}: {v}" for y, v in zip(years, values))
    return out


def over_years(fn=None, *, results: bool = False):
    """Let ``fn(table, ...)`` also take a Panel (or {year: table}): one result per year,
    concatenated along a ``year`` dimension (tables are loaded one at a time).

    Anything but an IOTable, a result Dataset (only with ``results=True``, for
    functions that read one) or a non-empty mapping of years is an
    :class:`~gvcdecomp.errors.OptionError` naming ``fn`` and what was passed,
    not an AttributeError or IndexError from deep inside ``fn``.
    """
    if fn is None:  # @over_years(results=True)
        return functools.partial(over_years, results=results)

    @functools.wraps(fn)
    def wrapper(data, *args, **kwargs):
        if not is_years(data):
            return fn(_checked(fn, data, results), *args, **kwargs)
        years = list(data)
        if not years:
            raise OptionError(f"{fn.__name__}: no years (an empty Panel or mapping)")
        return concat_years(
            [fn(_checked(fn, data[y], results, y), *args, **kwargs) for y in years], years
        )

    return wrapper


def _checked(fn, data, results, year=None):
    from .table import IOTable

    if isinstance(data, IOTable) or (results and isinstance(data, xr.Dataset)):
        return data
    what = f"{type(data).__name__} {data!r}"[:120]
    at = "" if year is None else f" for year {year!r}"
    also = ", a result Dataset" if results else ""
    raise OptionError(
        f"{fn.__name__}: expected an IOTable{also}, a Panel or {{year: IOTable}}{at}, got {what}"
    )
