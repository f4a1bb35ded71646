"""Save and load tables and results as netCDF files (or zarr stores), atomically.

A path ending in ``.zarr`` is a zarr store (a folder; needs the optional
``zarr`` package, ``pip install "gvcdecomp[zarr]"``); any other path is a
netCDF-3 file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .core import partition
from .errors import DataNotFoundError, FileFormatError, GVCError, OptionError
from .table import IOTable

#: netCDF-3 through scipy: no dependency beyond scipy, exact for float64.
ENGINE = "scipy"
#: zarr stores in format 2, whose string types every zarr reader knows (format 3
#: has no specified fixed-width string type yet).
ZARR_FORMAT = 2
FORMAT_VERSION = 1
KIND_ATTR = "gvcdecomp_kind"


def save_table(table: IOTable, path) -> Path:
    """Write an :class:`~gvcdecomp.table.IOTable` to a netCDF file (or a ``.zarr`` store).

    The file holds ``Z`` (row, col), ``Y`` (row, country, fd_category), ``x``
    (row) and, when present, ``x_stored`` and ``va_stored``, all float64 so
    that :func:`load_table` gives back identical arrays; the country, sector
    and final-demand codes; and the year, source, units and gross-output
    choice (``output``) and the default country groups (``default_groups``, as
    JSON) as attributes. Units are those of the table.

    The write is atomic: the data go to a temporary file (or folder) in the
    destination folder, which then replaces ``path``. If anything fails, the
    temporary is removed and ``path`` is left as it was (absent, or the
    previous file).

    Returns the path written.
    """
    if not isinstance(table, IOTable):
        raise TypeError(f"save_table expects an IOTable, got {type(table).__name__}")
    data = {
        "Z": (("row", "col"), table.Z),
        "Y": (("row", "country", "fd_category"), table.Y),
        "x": (("row",), table.x),
    }
    for name in ("x_stored", "va_stored"):
        if getattr(table, name) is not None:
            data[name] = (("row",), getattr(table, name))
    ds = xr.Dataset(
        data,
        coords={
            "country": list(table.countries),
            "sector": list(table.sectors),
            "fd_category": list(table.fd_categories),
        },
    )
    ds.attrs = {
        KIND_ATTR: "IOTable",
        "gvcdecomp_format_version": FORMAT_VERSION,
        "source": table.source,
        "units": table.units,
        "output": table.output,
    }
    if table.year is not None:
        ds.attrs["year"] = table.year
    if table.default_groups:
        ds.attrs["default_groups"] = json.dumps(table.default_groups)
    return _write_atomic(ds, path)


def load_table(path) -> IOTable:
    """Read an :class:`~gvcdecomp.table.IOTable` written by :func:`save_table` (netCDF or zarr).

    Gross output follows the saved ``output`` choice, so every array, code and
    attribute equals the saved table's. A file that is not a readable netCDF
    file (or zarr store) or not a gvcdecomp table raises :class:`~gvcdecomp.errors.FileFormatError`.
    """
    ds = _read(path)
    if ds.attrs.get(KIND_ATTR) != "IOTable":
        raise FileFormatError(f"{path}: not a gvcdecomp table (no attribute {KIND_ATTR}='IOTable')")
    needed = ("Z", "Y", "x", "country", "sector", "fd_category")
    missing = [v for v in needed if v not in ds.variables]
    missing += [a for a in ("source", "units", "output") if a not in ds.attrs]
    if missing:
        raise FileFormatError(f"{path}: gvcdecomp table file lacks {missing}")
    table = IOTable(
        ds["Z"].values,
        ds["Y"].values,
        [str(c) for c in ds["country"].values],
        [str(s) for s in ds["sector"].values],
        [str(k) for k in ds["fd_category"].values],
        x=ds["x_stored"].values if "x_stored" in ds else None,
        va=ds["va_stored"].values if "va_stored" in ds else None,
        output=str(ds.attrs["output"]),
        year=int(ds.attrs["year"]) if "year" in ds.attrs else None,
        source=str(ds.attrs["source"]),
        units=str(ds.attrs["units"]),
    )
    if "default_groups" in ds.attrs:
        try:
            groups = json.loads(ds.attrs["default_groups"])
        except (TypeError, ValueError) as e:
            raise FileFormatError(f"{path}: default_groups is not valid JSON ({e})") from e
        try:
            if not isinstance(groups, dict) or not groups:
                raise OptionError(f"expected a non-empty mapping, got {groups!r}")
            partition(table.countries, groups)
        except GVCError as e:
            raise FileFormatError(f"{path}: default_groups do not fit the table: {e}") from e
        table.default_groups = groups
    if not np.array_equal(table.x, ds["x"].values):
        raise FileFormatError(
            f"{path}: stored gross output x does not match Z, Y and the output choice"
        )
    return table


def save_result(ds: xr.Dataset, path) -> Path:
    """Write a result Dataset (e.g. of :func:`~gvcdecomp.methods.decompose`) atomically.

    netCDF-3 through scipy, or a zarr store for a path ending in ``.zarr``;
    values, coordinates and attributes round-trip
    through :func:`load_result`. Units are those recorded in ``ds.attrs``.
    Atomic like :func:`save_table`. Returns the path written.
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"save_result expects an xarray.Dataset, got {type(ds).__name__}")
    out = ds.drop_encoding()  # the encoding of a file it was read from is not this file's
    out.attrs = {**ds.attrs, KIND_ATTR: "result", "gvcdecomp_format_version": FORMAT_VERSION}
    return _write_atomic(out, path)


def load_result(path) -> xr.Dataset:
    """Read a Dataset written by :func:`save_result`, fully into memory.

    Raises :class:`~gvcdecomp.errors.FileFormatError` for a file that is not a
    gvcdecomp result.
    """
    ds = _read(path)
    if ds.attrs.get(KIND_ATTR) != "result":
        raise FileFormatError(f"{path}: not a gvcdecomp result (no attribute {KIND_ATTR}='result')")
    internal = (KIND_ATTR, "gvcdecomp_format_version")
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in internal}
    return ds


def _write_atomic(ds: xr.Dataset, path) -> Path:
    path = Path(path)
    if _is_zarr(path):
        return _write_zarr_atomic(ds, path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        ds.to_netcdf(tmp, engine=ENGINE)
        with open(tmp, "rb+") as fh:  # the data reach the disk before the rename
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_zarr_atomic(ds: xr.Dataset, path: Path) -> Path:
    """A store is a folder, which ``os.replace`` cannot put over another folder:
    the new store is written beside it, the old one renamed away, the new one
    renamed in, and only then the old one deleted. Only a zarr store is ever
    replaced; anything else under ``path`` is refused."""
    _need_zarr()
    if path.exists() and not _looks_like_zarr(path):
        raise FileFormatError(f"{path}: exists and is not a zarr store; not replaced")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        ds.to_zarr(tmp, mode="w", zarr_format=ZARR_FORMAT, consolidated=True)
        _fsync_tree(tmp)
        if not path.exists():
            os.replace(tmp, path)
            return path
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
        os.replace(path, old / "store")
        try:
            os.replace(tmp, path)
        except BaseException:
            os.replace(old / "store", path)  # put the previous store back
            old.rmdir()
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)  # only once the new store is in place
    return path


def _looks_like_zarr(path: Path) -> bool:
    return path.is_dir() and any((path / m).exists() for m in (".zgroup", "zarr.json"))


def _fsync_tree(folder: Path) -> None:
    """The store's files reach the disk before the rename (as the netCDF path's fsync)."""
    for f in folder.rglob("*"):
        if f.is_file():
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())


def _is_zarr(path: Path) -> bool:
    return path.suffix.lower() == ".zarr"


def _need_zarr() -> None:
    try:
        import zarr  # noqa: F401
    except ImportError as e:
        raise OptionError(
            'a ".zarr" path needs the zarr package: pip install "gvcdecomp[zarr]"'
        ) from e


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read(path) -> xr.Dataset:
    path = Path(path)
    zarr_store = _is_zarr(path)
    if zarr_store:
        _need_zarr()
    if not path.exists():
        raise DataNotFoundError(f"{path}: no such {'zarr store' if zarr_store else 'file'}")
    if zarr_store != path.is_dir():
        kind = "a folder, not a netCDF file" if path.is_dir() else "a file, not a zarr store (a folder)"
        raise FileFormatError(f"{path}: {kind}")
    try:
        if zarr_store:
            return xr.open_zarr(path).load()
        with xr.open_dataset(path, engine=ENGINE) as ds:
            return ds.load()
    except Exception as e:  # scipy, zarr and xarray raise many types on a foreign or corrupt file
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        kind = "zarr store" if zarr_store else "netCDF-3 file"
        raise FileFormatError(
            f"{path}: not a readable {kind} ({type(e).__name__}: {first})"
        ) from e
