"""Save and load tables and results as netCDF files (or zarr stores), atomically.

A path ending in ``.zarr`` is a zarr store (a folder; needs the optional
``zarr`` package, ``pip install "gvcdecomp[zarr]"``); any other path is a
netCDF-3 file.

Writes survive a kill (SIGKILL, power loss after the fsyncs) at any point:
the data go to a hidden temporary beside the target,
``.<name>.gvc-<host>-<pid>-<random>.tmp``, created with the usual permissions
(0o666 or 0o777 less the umask, which is never changed), fsynced, then renamed
over the target; a zarr store (a folder) is swapped in two renames, the old
store waiting as a ``.old`` sibling until the new one is in place. So the
target always holds the complete old or the complete new content, except
between the two renames of a swap, when only the ``.old`` holds it: the next
load or save of that path renames it back. Every write first removes the
stale leftovers of killed writes in its folder (a dead writer's, or unchanged
for an hour), never a running writer's.

Reading checks the kind of file before opening it (a folder, FIFO or device is
a :class:`~gvcdecomp.errors.FileFormatError`, a missing path a
:class:`~gvcdecomp.errors.DataNotFoundError`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import stat
import time
from pathlib import Path

import numpy as np
import xarray as xr

from .core import partition
from .errors import DataNotFoundError, FileFormatError, GVCError, OptionError
from .table import IOTable, _labels

#: netCDF-3 through scipy: no dependency beyond scipy, exact for float64.
ENGINE = "scipy"
#: zarr stores in format 2, whose string types every zarr reader knows (format 3
#: has no specified fixed-width string type yet).
ZARR_FORMAT = 2
FORMAT_VERSION = 1
KIND_ATTR = "gvcdecomp_kind"
#: SHA-256 of a saved table's arrays and codes (files saved before it have none)
CHECKSUM_ATTR = "gvcdecomp_checksum"


def save_table(table: IOTable, path) -> Path:
    """Write an :class:`~gvcdecomp.table.IOTable` to a netCDF file (or a ``.zarr`` store).

    The file holds ``Z`` (row, col), ``Y`` (row, country, fd_category), ``x``
    (row) and, when present, ``x_stored`` and ``va_stored``, all float64 so
    that :func:`load_table` gives back identical arrays; the country, sector
    and final-demand codes; and the year, source, units and gross-output
    choice (``output``), the default country groups (``default_groups``, as
    JSON), the values' ``resolution`` and the table's ``notes`` (JSON) as
    attributes, so a reloaded table states its source's known properties
    instead of warning about them. Units are those of the table. A SHA-256 of
    the arrays and codes (``gvcdecomp_checksum``) lets :func:`load_table` refuse
    a file changed or damaged since.

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
        if not -(2**31) <= table.year < 2**31:
            raise OptionError(f"{path}: year {table.year} cannot be stored (32-bit integers)")
        ds.attrs["year"] = table.year
    if table.default_groups:
        ds.attrs["default_groups"] = json.dumps(table.default_groups)
    if table.resolution is not None:
        ds.attrs["resolution"] = float(table.resolution)
    if table.notes:
        ds.attrs["notes"] = json.dumps(table.notes)
    ds.attrs[CHECKSUM_ATTR] = _table_checksum(ds)
    return _write_atomic(ds, path)


def load_table(path) -> IOTable:
    """Read an :class:`~gvcdecomp.table.IOTable` written by :func:`save_table` (netCDF or zarr).

    Gross output follows the saved ``output`` choice, so every array, code and
    attribute equals the saved table's. A file that is not a readable netCDF
    file (or zarr store) or not a gvcdecomp table raises :class:`~gvcdecomp.errors.FileFormatError`,
    as does one whose arrays or codes no longer match the checksum saved with them
    (files saved without one are checked only for x matching Z, Y and ``output``).
    """
    ds = _read(path)
    _check_kind(ds, path, "IOTable")
    needed = ("Z", "Y", "x", "country", "sector", "fd_category")
    missing = [v for v in needed if v not in ds.variables]
    missing += [a for a in ("source", "units", "output") if a not in ds.attrs]
    if missing:
        raise FileFormatError(f"{path}: gvcdecomp table file lacks {missing}")
    if CHECKSUM_ATTR in ds.attrs and ds.attrs[CHECKSUM_ATTR] != _table_checksum(ds):
        # a changed cell of Z need not show in x (output="stored" keeps the saved x)
        raise FileFormatError(
            f"{path}: its arrays or codes do not match the checksum save_table wrote "
            "(the file was changed or damaged after it was saved)"
        )
    codes = (("countries", "country"), ("sectors", "sector"), ("fd_categories", "fd_category"))
    for what, var in codes:
        _labels([str(c) for c in ds[var].values], f"{path}: {what}")  # name the file of a bad code
    table = IOTable(
        ds["Z"].values,
        ds["Y"].values,
        [str(c) for c in ds["country"].values],
        [str(s) for s in ds["sector"].values],
        [str(k) for k in ds["fd_category"].values],
        x=ds["x_stored"].values if "x_stored" in ds else None,
        va=ds["va_stored"].values if "va_stored" in ds else None,
        output=str(ds.attrs["output"]),
        year=_year(path, ds.attrs["year"]) if "year" in ds.attrs else None,
        source=str(ds.attrs["source"]),
        units=str(ds.attrs["units"]),
        resolution=_resolution(path, ds.attrs["resolution"]) if "resolution" in ds.attrs else None,
    )
    if "notes" in ds.attrs:
        saved = _notes(path, ds.attrs["notes"])
        # the table restates the notes it derives from the data (the same text): keep one
        table.notes = saved + [n for n in table.notes if n not in saved]
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


def _table_checksum(ds: xr.Dataset) -> str:
    """SHA-256 of a table file's arrays (little-endian float64, with names and
    shapes) and codes, as :func:`save_table` builds them."""
    h = hashlib.sha256()
    for name in sorted(ds.data_vars):
        a = np.ascontiguousarray(ds[name].values, dtype="<f8")
        h.update(json.dumps([str(name), a.shape]).encode())
        h.update(memoryview(a).cast("B"))
    codes = {c: [str(v) for v in ds[c].values] for c in ("country", "sector", "fd_category")}
    h.update(json.dumps(codes, ensure_ascii=True).encode())
    return h.hexdigest()


def _resolution(path, value) -> float:
    """The resolution attribute: one positive finite number."""
    v = np.asarray(value)
    if v.size != 1 or v.dtype.kind not in "iuf" or not np.isfinite(v) or v.item() <= 0:
        raise FileFormatError(f"{path}: resolution attribute is {value!r}, not a positive number")
    return float(v.item())


def _notes(path, value) -> list[str]:
    """The notes attribute: a JSON list of strings."""
    try:
        notes = json.loads(value)
    except (TypeError, ValueError) as e:
        raise FileFormatError(f"{path}: notes is not valid JSON ({e})") from e
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise FileFormatError(f"{path}: notes is not a list of strings")
    return notes


def _year(path, value) -> int:
    """The year attribute as an int; an integral float is accepted, anything else refused."""
    v = np.asarray(value)
    item = v.item() if v.size == 1 else None
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, bool) or not isinstance(item, int):
        raise FileFormatError(f"{path}: year attribute is {value!r}, not an integer")
    return item


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
    _check_kind(ds, path, "result")
    internal = (KIND_ATTR, "gvcdecomp_format_version")
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in internal}
    return ds


#: What each kind of file holds and the function that reads it.
_KINDS = {"IOTable": ("table", "load_table"), "result": ("result", "load_result")}


def _check_kind(ds: xr.Dataset, path, wanted: str) -> None:
    """Refuse a file of another kind, naming the reader of the kind it is."""
    kind = ds.attrs.get(KIND_ATTR)
    if kind == wanted:
        return
    what, reader = _KINDS[wanted]
    if kind in _KINDS:
        other, other_reader = _KINDS[kind]
        raise FileFormatError(
            f"{path}: this is a saved {other} (gvcdecomp.save_{other}), not a {what}; "
            f"use gvcdecomp.{other_reader}"
        )
    found = f"{KIND_ATTR}={kind!r}" if kind is not None else f"no attribute {KIND_ATTR}"
    raise FileFormatError(
        f"{path}: not a gvcdecomp {what} ({found}; {reader} reads files written by "
        f"gvcdecomp.save_{what})"
    )


def _write_atomic(ds: xr.Dataset, path) -> Path:
    """Write ``ds`` to ``path`` so that a kill at any point leaves the old or the new content.

    Before writing, a store lost in an interrupted swap is put back and stale
    leftovers of killed writes in the folder are removed (:func:`_repair`,
    :func:`_clean`). An OSError names ``path``, not the hidden temporary.
    """
    path = _writable_target(path)
    _repair(path)
    _clean(path.parent)
    try:
        if _is_zarr(path):
            return _write_zarr_atomic(ds, path)
        return _write_netcdf_atomic(ds, path)
    except GVCError:
        raise
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        # xarray: an attribute, type or integer the format cannot hold (KeyError: an
        # integer attribute beyond 64 bits); its first sentence says which
        first = re.split(r"(?<=\.)\s|\n", str(e).strip(), maxsplit=1)[0] or type(e).__name__
        raise OptionError(f"{path}: cannot be written, the data do not fit the format ({first})") from e
    except OSError as e:
        if isinstance(e, FileNotFoundError) and not path.parent.is_dir():
            msg = f"cannot save, no folder {path.parent}"
            raise DataNotFoundError(errno.ENOENT, msg, str(path)) from e
        if e.errno is None or e.filename in (None, str(path)):
            raise
        raise OSError(e.errno, e.strerror, str(path)) from e


def _as_path(path) -> Path:
    """``path`` as a Path; anything that cannot name a file is an OptionError."""
    try:
        p = Path(path)
    except TypeError:
        raise OptionError(f"a path must be a str or os.PathLike, got {type(path).__name__}") from None
    if "\x00" in str(p):
        raise OptionError(f"path {str(path)!r} holds a NUL character")
    return p


def _writable_target(path) -> Path:
    """Where a save of ``path`` writes. A symbolic link is followed, as ``open``
    would: the link stays and the file it names gets the new content (renaming
    over the link would replace the link and leave its file stale). A folder
    under a netCDF path is refused, never replaced."""
    p = _as_path(path)
    if not p.name or p.name == "..":
        raise OptionError(f"path {str(path)!r} names a folder, not a file to save to")
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    if not _is_zarr(p) and p.is_dir():
        raise FileFormatError(f"{path}: exists and is a folder, not a netCDF file; not replaced")
    return p


def _write_netcdf_atomic(ds: xr.Dataset, path: Path) -> Path:
    tmp = _sibling(path, "tmp")
    # O_EXCL on a fresh random name; mode 0o666 less the umask, as for any new file
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        ds.to_netcdf(tmp, engine=ENGINE)
        _fsync(tmp)  # the data reach the disk before the rename
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)
    return path


def _write_zarr_atomic(ds: xr.Dataset, path: Path) -> Path:
    """A store is a folder, which ``os.replace`` cannot put over another folder:
    the new store is written beside it, the old one renamed to a ``.old``
    sibling, the new one renamed in, and only then the old one deleted. A kill
    between the two renames leaves no store but a complete ``.old``, which
    :func:`_repair` renames back. Only a zarr store is ever replaced; anything
    else under ``path`` is refused."""
    _need_zarr()
    if path.exists() and not _looks_like_zarr(path):
        raise FileFormatError(f"{path}: exists and is not a zarr store; not replaced")
    tmp = _sibling(path, "tmp")
    os.mkdir(tmp)  # 0o777 less the umask
    try:
        ds.to_zarr(tmp, mode="w", zarr_format=ZARR_FORMAT, consolidated=True)
        _fsync_tree(tmp)
        old = None
        if path.exists():
            old = _sibling(path, "old")
            os.mkdir(old)  # reserves the name; a folder may be renamed over an empty one
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            if old is not None:
                os.replace(old, path)  # put the previous store back
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(path.parent)
    if old is not None:
        _discard(old)  # only once the new store is in place
    return path


def _looks_like_zarr(path: Path) -> bool:
    return path.is_dir() and any((path / m).exists() for m in (".zgroup", "zarr.json"))


def _fsync(path: Path) -> None:
    """Push a file, or a folder's entries (renames), to the disk."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if path.is_dir():
            return  # some file systems cannot open folders; the rename stands all the same
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """The store's files reach the disk before the rename (as the netCDF path's fsync)."""
    for f in folder.rglob("*"):
        if f.is_file():
            _fsync(f)


# -- leftovers of killed writes ------------------------------------------------------
# A temporary is named ``.<name>.gvc-<host>-<pid>-<random>.tmp`` (and a store moved
# aside during a swap ``... .old``), so that a later write can tell whether its
# writer is still running. ``<host>`` is a hash of the host name: a pid means
# nothing on another machine sharing the folder, whose leftovers go by age alone.

#: Seconds after its last change when a leftover counts as stale even if its
#: writer cannot be shown dead (another host, or a reused pid).
STALE_AFTER = 3600.0
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_SIBLING = re.compile(
    r"\.(?P<name>.+)\.gvc-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{16}\.(?P<kind>tmp|old)", re.S
)


def _sibling(path: Path, kind: str) -> Path:
    return path.with_name(f".{path.name}.gvc-{_HOST}-{os.getpid()}-{secrets.token_hex(8)}.{kind}")


def is_stale_leftover(p: Path) -> bool:
    """True when ``p`` is a temporary (or swapped-out store) of a write that is over:
    its process, on this host, is dead, or it has not changed for :data:`STALE_AFTER` seconds.
    False for anything not named like one, and for a concurrent writer's live temporary."""
    m = _SIBLING.fullmatch(p.name)
    if m is None:
        return False
    if m["host"] == _HOST and not _alive(int(m["pid"])):
        return True
    try:
        return time.time() - p.lstat().st_mtime > STALE_AFTER
    except OSError:
        return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _repair(path: Path) -> None:
    """Put back a store that a killed swap left only as a ``.old`` sibling.

    Only when ``path`` is absent and the ``.old`` is stale and complete (the
    newest, if several); a failure leaves things as they are, for the caller
    to report the missing path.
    """
    try:
        if os.path.lexists(path):
            return
        olds = [
            p for p in path.parent.iterdir()
            if (m := _SIBLING.fullmatch(p.name)) and m["kind"] == "old" and m["name"] == path.name
            and is_stale_leftover(p) and _looks_like_zarr(p)
        ]  # fmt: skip
        if olds:
            os.rename(max(olds, key=lambda p: p.stat().st_mtime_ns), path)
    except OSError:
        pass


def _clean(folder: Path) -> None:
    """Remove the stale temporaries of killed writes in ``folder``, and the ``.old``
    copies of swaps that finished (their target exists). Best effort: what cannot
    be removed stays, for a later write."""
    try:
        leftovers = [p for p in folder.iterdir() if is_stale_leftover(p)]
    except OSError:
        return
    for p in leftovers:
        m = _SIBLING.fullmatch(p.name)
        if m["kind"] == "old" and not os.path.lexists(p.with_name(m["name"])):
            continue  # the only copy of a store _repair could not put back
        _discard(p)


def _discard(p: Path) -> None:
    """Delete a leftover; a folder is first renamed to a ``.tmp`` name, so that
    a kill while deleting never leaves a partial ``.old`` that looks restorable."""
    try:
        if not p.is_dir() or p.is_symlink():
            p.unlink(missing_ok=True)
            return
        if p.suffix == ".old":
            gone = _sibling(p.with_name(_SIBLING.fullmatch(p.name)["name"]), "tmp")
            os.rename(p, gone)
            p = gone
        shutil.rmtree(p, ignore_errors=True)
    except OSError:
        pass


def _is_zarr(path: Path) -> bool:
    return path.suffix.lower() == ".zarr"


def _need_zarr() -> None:
    try:
        import zarr  # noqa: F401
    except ImportError as e:
        raise OptionError(
            'a ".zarr" path needs the zarr package: pip install "gvcdecomp[zarr]"'
        ) from e


def _read(path) -> xr.Dataset:
    path = _as_path(path)
    zarr_store = _is_zarr(path)
    if zarr_store:
        _need_zarr()
    _repair(path)
    try:
        mode = os.stat(path).st_mode  # before opening: a FIFO would block the open
    except (FileNotFoundError, NotADirectoryError):
        raise DataNotFoundError(
            f"{path}: no such {'zarr store' if zarr_store else 'file'}"
        ) from None
    except OSError as e:
        raise DataNotFoundError(f"{path}: cannot be read ({e.strerror})") from e
    if zarr_store and not stat.S_ISDIR(mode):
        kind = "a file" if stat.S_ISREG(mode) else f"a {_kind(mode)}"
        raise FileFormatError(f"{path}: {kind}, not a zarr store (a folder)")
    if not zarr_store and not stat.S_ISREG(mode):
        raise FileFormatError(f"{path}: a {_kind(mode)}, not a netCDF file")
    try:
        if zarr_store:
            return xr.open_zarr(path).load()
        with xr.open_dataset(path, engine=ENGINE) as ds:
            for name, values in _read_float64(path, ds).items():
                v = ds.variables[name]
                ds[name] = xr.Variable(v.dims, values, v.attrs, v.encoding)
            return ds.load()  # the rest: labels and small arrays
    except Exception as e:  # scipy, zarr and xarray raise many types on a foreign or corrupt file
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        kind = "zarr store" if zarr_store else "netCDF-3 file"
        raise FileFormatError(
            f"{path}: not a readable {kind}{'' if zarr_store else _why_unreadable(path)} "
            f"({type(e).__name__}: {first})"
        ) from e


def _why_unreadable(path: Path) -> str:
    """What the first bytes of a file that failed to open say it is: a netCDF-3
    header (then it is cut short or damaged, as scipy's message does not say), HDF5,
    nothing."""
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        return ": the file is empty"
    if head.startswith(b"CDF"):
        return ": it starts as one but cannot be read whole (cut short or damaged)"
    if head.startswith(b"\x89HDF"):
        return ": a netCDF-4 (HDF5) file; gvcdecomp reads the netCDF-3 files it writes"
    return ""


def _read_float64(path: Path, ds: xr.Dataset) -> dict[str, np.ndarray]:
    """The float64 data variables of the netCDF-3 file ``path`` (opened lazily as
    ``ds``), each read from the file straight into its final native-endian
    C-ordered array.

    Why: xarray's ``load`` copies a variable out of scipy's memory map, so the
    mapped pages and the copy are both resident: a load peaked at twice the
    data. Here the bytes go once from the file into the array that is kept
    (and verified, for a cache entry), and are byte-swapped in place.

    Only variables that xarray's decoding leaves as they are qualify (float64 on
    disk and decoded, no scaling, a NaN or no fill value, not a record
    variable); the others are left to ``ds.load()``.
    """
    from scipy.io import netcdf_file

    names = [n for n, v in ds.data_vars.items() if v.dtype == np.float64 and _undecoded(v)]
    if not names:
        return {}
    out = {}
    size = os.stat(path).st_size
    with netcdf_file(path, "r", mmap=True) as nc, open(path, "rb", buffering=0) as fh:
        for name in names:
            values = read_float64(nc, name, fh, size, path)
            if values is not None:
                out[name] = values
    return out


def read_float64(nc, name: str, fh, size: int, path) -> np.ndarray | None:
    """Variable ``name`` of the netCDF-3 file ``path`` (``size`` bytes), opened by scipy
    as ``nc`` with ``mmap=True`` and as the unbuffered binary file ``fh``, read from
    ``fh`` into a new native-endian float64 C-ordered array; its values as stored,
    without CF decoding. None when it is not a plain float64 variable (another type,
    a record variable, whose rows are interleaved with others').

    scipy's variable is a view into its map of the whole file, which gives the
    variable's offset without reading a page of it. Raises
    :class:`~gvcdecomp.errors.FileFormatError` when the file ends before the data.
    """
    var = nc.variables[name]
    raw, whole = var.data, var.data.base
    if var.isrec or raw.dtype.str not in (">f8", "<f8") or not raw.flags.c_contiguous \
            or not isinstance(whole, np.ndarray) or whole.nbytes != size:  # fmt: skip
        return None
    offset, shape, swap = raw.ctypes.data - whole.ctypes.data, raw.shape, not raw.dtype.isnative
    del raw, whole, var  # no reference to the map may outlive the file
    values = np.empty(shape, dtype=np.float64)
    fh.seek(offset)
    view, done = memoryview(values).cast("B"), 0
    while done < values.nbytes and (n := fh.readinto(view[done:])):
        done += n
    if done < values.nbytes:
        raise FileFormatError(f"{path}: truncated, variable {name!r} ends past the file")
    if swap:
        values.byteswap(inplace=True)
    return values


def _undecoded(v: xr.DataArray) -> bool:
    """True when xarray's CF decoding of ``v`` leaves its values as they are on disk
    (no scaling, and no fill value but NaN: a cell equal to one would become NaN)."""
    enc = v.encoding
    fill = enc.get("_FillValue", np.nan)
    if fill is not None and not (isinstance(fill, float | np.floating) and np.isnan(fill)):
        return False
    scaling = ("scale_factor", "add_offset", "missing_value")
    return not any(k in enc or k in v.attrs for k in scaling)


def _kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "folder", stat.S_ISFIFO: "FIFO (named pipe)", stat.S_ISSOCK: "socket",
             stat.S_ISCHR: "character device", stat.S_ISBLK: "block device"}  # fmt: skip
    return next((name for test, name in kinds.items() if test(mode)), "special file")
