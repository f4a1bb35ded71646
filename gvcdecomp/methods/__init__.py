"""Decomposition methods and the one entry point, :func:`decompose`."""

from __future__ import annotations

import inspect

import xarray as xr
from tqdm import tqdm

from ..errors import OptionError
from ..panel import Panel
from ..table import IOTable
from . import bm, kww, leontief, wwz

METHODS = {"wwz": wwz.wwz, "kww": kww.kww, "bm": bm.bm, "leontief": leontief.leontief}


def decompose(
    data, method: str = "wwz", *, progress: bool | None = None, client=None, **options
) -> xr.Dataset:
    """Decompose the gross exports (or flows) of a table or a panel of tables.

    Parameters
    ----------
    data : IOTable or Panel
        One table, or a :class:`~gvcdecomp.panel.Panel` of years.
    method : str
        One of ``METHODS``: ``"wwz"`` (Wang–Wei–Zhu 2013, 16 terms by
        exporter, sector and importer), ``"kww"`` (Koopman–Wang–Wei 2014, 9
        terms by exporter), ``"bm"`` (Borin–Mancini 2019/2023, ``approach=``
        source/sink, ``perspective=`` and ``level=``), ``"leontief"``
        (value-added origin, ``post=`` exports/final/output).
    progress : bool, optional
        Show a progress bar over the years of a panel (default: when more than
        one year).
    client : dask.distributed.Client or "local", optional
        Run the years of a panel as tasks on a Dask cluster, each worker loading
        its own years; ``"local"`` starts (and afterwards closes) a
        ``LocalCluster`` with one single-threaded worker per core. Results equal
        the in-process path's up to the rounding of multi-threaded BLAS (~1e-15
        relative).
    **options
        Passed to the method. Every method takes ``groups={name: [countries]}``
        (a set of countries treated as one exporter, trade among members
        domestic). Methods that take ``groups=`` get the table's
        ``default_groups`` (e.g. ICIO's China/Mexico splits merged) unless
        ``groups`` is given; ``groups=None`` keeps every country separate.

    Returns
    -------
    xarray.Dataset
        As documented by each method; a panel adds a leading ``year`` dimension.
    """
    try:
        fn = METHODS[method]
    except (KeyError, TypeError):
        raise OptionError(
            f"unknown method {method!r}; available: {', '.join(METHODS)}"
        ) from None
    if isinstance(data, IOTable):
        return run(fn, data, options)
    if not isinstance(data, Panel):
        raise TypeError(f"decompose expects an IOTable or a Panel, got {type(data).__name__}")
    show = progress if progress is not None else len(data) > 1
    if client is None:
        years = tqdm(data.years, desc=method, disable=not show)
        results = [run(fn, data[y], options) for y in years]
    else:
        from ..distributed import map_years

        results = map_years(data, fn, options, client, show, desc=method)
    return xr.concat(results, dim="year")


def run(fn, table, options: dict) -> xr.Dataset:
    """``fn(table, **options)``, with the table's default groups unless overridden."""
    params = inspect.signature(fn).parameters
    unknown = set(options) - set(params) - {"table"}
    if unknown:
        accepted = [p for p in params if p != "table"]
        raise OptionError(
            f"{fn.__name__}: unknown option(s) {', '.join(sorted(unknown))}; "
            f"accepted: {', '.join(accepted) or 'none'}"
        )
    if table.default_groups and "groups" not in options and "groups" in params:
        options = {**options, "groups": table.default_groups}
    return fn(table, **options)
