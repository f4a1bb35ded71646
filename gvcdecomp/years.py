"""Time series in one call: run a per-table function over a Panel, keep every year's source."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import xarray as xr


def is_years(data) -> bool:
    """A Panel or a mapping {year: IOTable} (an xarray Dataset is a Mapping too: excluded)."""
    return isinstance(data, Mapping) and not isinstance(data, xr.Dataset)


def concat_years(results: list, years: list):
    """Concatenate one result per year along ``year``.

    Each result gets its year as a coordinate if it has none; the ``source``
    attribute lists every year's source (``"1995: <file>; 1996: <file>"``), not
    only the first one's, when they differ.
    """
    parts = [r if "year" in r.coords else r.assign_coords(year=y) for r, y in zip(results, years)]
    out = xr.concat(parts, dim="year", combine_attrs="drop_conflicts")
    sources = [r.attrs.get("source") for r in results]
    if any(s is not None for s in sources) and len(set(sources)) > 1:
        out.attrs["source"] = "; ".join(f"{y}: {s}" for y, s in zip(years, sources))
    return out


def over_years(fn):
    """Let ``fn(table, ...)`` also take a Panel (or {year: table}): one result per year,
    concatenated along a ``year`` dimension (tables are loaded one at a time)."""

    @functools.wraps(fn)
    def wrapper(data, *args, **kwargs):
        if not is_years(data):
            return fn(data, *args, **kwargs)
        years = list(data)
        return concat_years([fn(data[y], *args, **kwargs) for y in years], years)

    return wrapper
