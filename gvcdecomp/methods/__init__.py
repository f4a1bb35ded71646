"""Decomposition methods and the one entry point, :func:`decompose`."""

from __future__ import annotations

import xarray as xr
from tqdm.auto import tqdm

from ..errors import OptionError
from ..panel import Panel
from ..table import IOTable
from . import leontief, wwz

METHODS = {"wwz": wwz.wwz, "leontief": leontief.leontief}


def decompose(data, method: str = "wwz", *, progress: bool | None = None, **options) -> xr.Dataset:
    """Decompose the gross exports (or flows) of a table or a panel of tables.

    Parameters
    ----------
    data : IOTable or Panel
        One table, or a :class:`~gvcdecomp.panel.Panel` of years.
    method : str
        One of ``METHODS``: ``"wwz"`` (Wang–Wei–Zhu 2013, 16 terms),
        ``"leontief"`` (value-added origin, ``post=`` exports/final/output).
    progress : bool, optional
        Show a progress bar over the years of a panel (default: when more than
        one year).
    **options
        Passed to the method.

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
        return fn(data, **options)
    if isinstance(data, Panel):
        years = tqdm(data.years, desc=method, disable=not (progress if progress is not None else len(data) > 1))
        return xr.concat([fn(data[y], **options) for y in years], dim="year")
    raise TypeError(f"decompose expects an IOTable or a Panel, got {type(data).__name__}")
