"""Parsed tables kept as netCDF files in the per-user cache, so a year is parsed once.

Reading one year of WIOD from its R data or Excel file means decompressing and
converting millions of cells; a netCDF file holding the same arrays is read
back in a fraction of that time. Loaders call :func:`cached_parts` with the
source file and a function that parses it into the keyword arguments of
:class:`~gvcdecomp.table.IOTable` (``Z``, ``Y``, labels, ``x``, ``va``,
``year``), and build the table from what it returns. What is cached is the
parse, not the table: the table is built the same way on every load, so the
gross-output choice is applied, and its warnings given, each time.

An entry is ``<cache_dir>/parsed/<source>/<file>[-<part>]-<size>-<mtime_ns>.nc``:

- ``<file>``, ``<size>`` and ``<mtime_ns>`` are the name, size in bytes and
  modification time (nanoseconds) of the source file, so replacing or editing
  the file (any change of size or time) makes a new entry, and the stale ones
  of that file are deleted when the new one is written;
- ``<part>`` names the table inside a file that holds several (a member of a
  zip bundle, or a year of a long CSV).

Entries are written atomically through :mod:`gvcdecomp.storage` (netCDF-3,
float64, exact; temporary file, then rename). An entry that cannot be read back
(truncated, foreign, incomplete) is deleted and the source parsed again; a
cache folder that cannot be written to only costs the speed-up.

Opting out: set the environment variable ``GVCDECOMP_NO_CACHE=1`` (any value
other than empty or ``0``); loaders then parse every time and write nothing.
The cache is per user (``$XDG_CACHE_HOME/gvcdecomp``, see
:func:`~gvcdecomp.sources.paths.cache_dir`), never next to the data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FileFormatError, GVCError
from .paths import cache_dir

ENV_VAR = "GVCDECOMP_NO_CACHE"
KIND = "parsed table"
#: Version of the entry layout; entries of another version are parsed again.
VERSION = 1


def enabled() -> bool:
    """False when ``GVCDECOMP_NO_CACHE`` is set to anything but ``""`` or ``"0"``."""
    return os.environ.get(ENV_VAR, "").strip() in ("", "0")


def entry_path(source: str, file, part: str | None = None) -> Path:
    """Cache file of the table parsed from ``file`` (and ``part`` of it)."""
    file = Path(file)
    st = file.stat()
    return cache_dir() / "parsed" / source / f"{_stem(file, part)}-{st.st_size}-{st.st_mtime_ns}.nc"


def cached_parts(source: str, file, parse: Callable[[], dict], part: str | None = None) -> dict:
    """What ``parse`` returns for ``file``, from the cache when a current entry exists.

    Parameters
    ----------
    source : str
        Source name, the sub-folder of ``parsed/`` (e.g. ``"wiod2013"``).
    file : Path
        The source file the table is read from; its size and modification time
        key the entry.
    parse : callable
        Returns the keyword arguments of :class:`~gvcdecomp.table.IOTable`
        read from the file: ``Z``, ``Y`` (2-D or 3-D), ``countries``,
        ``sectors``, and optionally ``fd_categories``, ``x``, ``va`` and
        ``year`` (each may be None). Called when there is no usable entry (or
        the cache is switched off); its result is then stored.
    part : str, optional
        Which table of ``file``, for files holding several (zip member, year).

    Returns
    -------
    dict
        Equal, array for array (float64, bit for bit) and label for label, to
        what ``parse`` returns (entries that were None are left out); units are
        those of the file.
    """
    if not enabled():
        return parse()
    path = entry_path(source, file, part)
    if path.is_file():
        try:
            return _load(path)
        except GVCError:
            # a truncated or foreign entry is a cache miss, not the user's problem
            path.unlink(missing_ok=True)
    parts = parse()
    _store(parts, path, _stem(Path(file), part))
    return parts


def _store(parts: dict, path: Path, stem: str) -> None:
    from ..storage import _write_atomic

    Y = np.asarray(parts["Y"], dtype=np.float64)
    data = {
        "Z": (("row", "col"), np.asarray(parts["Z"], dtype=np.float64)),
        "Y": (("row", *(f"y{d}" for d in range(1, Y.ndim))), Y),
    }
    for name in ("x", "va"):
        if parts.get(name) is not None:
            data[name] = (("row",), np.asarray(parts[name], dtype=np.float64))
    coords = {"country": list(parts["countries"]), "sector": list(parts["sectors"])}
    if parts.get("fd_categories") is not None:
        coords["fd_category"] = list(parts["fd_categories"])
    attrs = {"gvcdecomp_kind": KIND, "gvcdecomp_cache_version": VERSION}
    if parts.get("year") is not None:
        attrs["year"] = int(parts["year"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(xr.Dataset(data, coords=coords, attrs=attrs), path)
    except OSError:
        return  # read-only or full cache folder: the parse is returned all the same
    # entries of earlier versions of the same file (other size or time)
    entry = re.compile(re.escape(stem) + r"-\d+-\d+\.nc")
    for old in path.parent.iterdir():
        if old != path and entry.fullmatch(old.name):
            old.unlink(missing_ok=True)


def _load(path: Path) -> dict:
    from ..storage import _read

    ds = _read(path)
    if ds.attrs.get("gvcdecomp_kind") != KIND or ds.attrs.get("gvcdecomp_cache_version") != VERSION:
        raise FileFormatError(f"{path}: not a gvcdecomp cache entry of version {VERSION}")
    missing = [v for v in ("Z", "Y", "country", "sector") if v not in ds.variables]
    if missing:
        raise FileFormatError(f"{path}: cache entry lacks {missing}")
    parts = {
        "Z": ds["Z"].values,
        "Y": ds["Y"].values,
        "countries": [str(v) for v in ds["country"].values],
        "sectors": [str(v) for v in ds["sector"].values],
    }
    # what parse gave as None was not stored, and is left out here
    if "fd_category" in ds:
        parts["fd_categories"] = [str(v) for v in ds["fd_category"].values]
    parts.update({k: ds[k].values for k in ("x", "va") if k in ds})
    if "year" in ds.attrs:
        parts["year"] = int(ds.attrs["year"])
    return parts


def _stem(file: Path, part: str | None) -> str:
    if part is None:
        return file.name
    # a zip member may sit in a folder of the archive: keep its name only
    return f"{file.name}-{Path(str(part)).name}"
