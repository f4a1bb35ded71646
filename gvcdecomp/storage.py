"""Save and load tables and results as netCDF files, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from .errors import DataNotFoundError, FileFormatError
from .table import IOTable

#: netCDF-3 through scipy: no dependency beyond scipy, exact for float64.
ENGINE = "scipy"
FORMAT_VERSION = 1
KIND_ATTR = "gvcdecomp_kind"


def save_table(table: IOTable, path) -> Path:
    """Write an :class:`~gvcdecomp.table.IOTable` to a netCDF file.

    The file holds ``Z`` (row, col), ``Y`` (row, country, fd_category), ``x``
    (row) and, when present, ``x_stored`` and ``va_stored``, all float64 so
    that :func:`load_table` gives back identical arrays; the country, sector
    and final-demand codes; and the year, source, units and gross-output
    choice (``output``) as attributes. Units are those of the table.

    The write is atomic: the data go to a temporary file in the destination
    folder, which then replaces ``path`` (``os.replace``). If anything fails,
    the temporary file is removed and ``path`` is left as it was (absent, or
    the previous file).

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
    return _write_atomic(ds, path)


def load_table(path) -> IOTable:
    """Read an :class:`~gvcdecomp.table.IOTable` written by :func:`save_table`.

    Gross output follows the saved ``output`` choice, so every array, code and
    attribute equals the saved table's. A file that is not a readable netCDF
    file or not a gvcdecomp table raises :class:`~gvcdecomp.errors.FileFormatError`.
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
    if not np.array_equal(table.x, ds["x"].values):
        raise FileFormatError(
            f"{path}: stored gross output x does not match Z, Y and the output choice"
        )
    return table


def save_result(ds: xr.Dataset, path) -> Path:
    """Write a result Dataset (e.g. of :func:`~gvcdecomp.methods.decompose`) atomically.

    netCDF-3 through scipy; values, coordinates and attributes round-trip
    through :func:`load_result`. Units are those recorded in ``ds.attrs``.
    Atomic like :func:`save_table`. Returns the path written.
    """
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"save_result expects an xarray.Dataset, got {type(ds).__name__}")
    out = ds.copy()
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _read(path) -> xr.Dataset:
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such file")
    try:
        with xr.open_dataset(path, engine=ENGINE) as ds:
            return ds.load()
    except Exception as e:  # scipy and xarray raise many types on a foreign or corrupt file
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise FileFormatError(
            f"{path}: not a readable netCDF-3 file ({type(e).__name__}: {first})"
        ) from e
