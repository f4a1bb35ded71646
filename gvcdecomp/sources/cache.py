"""Parsed tables kept as netCDF files in the per-user cache, so a year is parsed once.

Reading one year of WIOD from its R data or Excel file means decompressing and
converting millions of cells; a netCDF file holding the same arrays is read
back in a fraction of that time. Loaders call :func:`cached_parts` with the
source file and a function that parses it into the keyword arguments of
:class:`~gvcdecomp.table.IOTable` (``Z``, ``Y``, labels, ``x``, ``va``,
``year``), and build the table from what it returns. What is cached is the
parse, not the table: the table is built the same way on every load, so the
gross-output choice is applied, and its warnings given, each time.

An entry is ``<cache_dir>/parsed/<source>/<file>[-<part>]-<folder>-<sha256>-p<version>.nc``:

- ``<sha256>`` is the SHA-256 of the source file's bytes and ``<version>`` is
  :data:`PARSER_VERSION`: an entry is found only for the same content read by
  the same parsing code. A corrected file of the same size and modification
  time (``cp -p``, ``rsync -t``, a git checkout) has another hash. Hashing
  streams the file (about 1 s per GB, far less than parsing it) and is done
  once per process and file version (path, inode, size, mtime, ctime);
- ``<file>`` is the source file's name and ``<part>`` names the table inside a
  file that holds several (a member of a zip bundle, or a year of a long CSV);
  ``<folder>`` is a short hash of the file's folder, so that files of the same
  name in two folders have an entry each. Entries of the same
  ``<file>[-<part>]-<folder>`` with another hash or version are deleted when a
  new one is written.

Each entry records its own key (attribute ``gvcdecomp_entry``, its file name
without ``.nc``) and the SHA-256 of that key, its arrays and its labels
(attribute ``gvcdecomp_checksum``), both checked on every read: an entry whose
bytes changed on disk, or that was written for another file, part or content
(an entry copied or renamed over this one), or that is truncated, foreign or
unreadable, is never used; it is
deleted, the source parsed again and one :class:`CacheWarning` names the entry
and the fault. Entries are written through :mod:`gvcdecomp.storage` (netCDF-3,
float64, exact; temporary file, then rename; stale temporaries of killed
writes removed). A cache folder that cannot be used (read-only, full, a file
where a folder should be) is not written to for the rest of the process (its
entries are still read), with one :class:`CacheWarning`; a bad entry that
cannot be deleted there is ignored. Loading never fails because of the cache.

:func:`info` and :func:`clear` report and free the space used, per source
(one year of WIOD 2013 is about 19 MB, the 17 years 320 MB). Opting out: set the environment
variable ``GVCDECOMP_NO_CACHE=1`` (any value other than empty or ``0``);
loaders then parse every time and write nothing. The cache is per user
(``$XDG_CACHE_HOME/gvcdecomp/parsed``, see :func:`folder`), never next to the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import FileFormatError, GVCError, OptionError
from .paths import cache_dir

ENV_VAR = "GVCDECOMP_NO_CACHE"
KIND = "parsed table"
#: Version of the parsing code and entry layout, part of every entry's key.
#: Bump it whenever a loader's parsing changes what it returns for some file.
PARSER_VERSION = 3

_ENTRY = r"-(?:[0-9a-f]{64}-p\d+|\d+-\d+)\.nc"  # this layout, or size-mtime of version 1
_CHUNK = 1 << 20
_SETTLED = 3.0  # seconds
#: (path, device, inode, size, mtime, ctime) -> SHA-256 of the file's bytes
_digests: dict[tuple, str] = {}
#: cache folders found unwritable in this process (warned once each); still read
_unusable: set[Path] = set()
#: bad entries that could not be deleted: not read again in this process
_ignored: set[Path] = set()


class CacheWarning(UserWarning):
    """The parsed-table cache was bypassed: a bad entry, or an unusable cache folder.

    The table is parsed from its source file instead; the numbers are those of the file.
    """


def enabled() -> bool:
    """False when ``GVCDECOMP_NO_CACHE`` is set to anything but ``""`` or ``"0"``."""
    return os.environ.get(ENV_VAR, "").strip() in ("", "0")


def folder() -> Path:
    """The cache of parsed tables: ``<cache_dir>/parsed``, one sub-folder per source."""
    return cache_dir() / "parsed"


def file_digest(file) -> str:
    """SHA-256 (hex) of the bytes of ``file``, read in 1 MiB blocks.

    Remembered for the process while the file's inode, size, modification and
    change times stay the same (the change time cannot be set back by hand),
    once they are a few seconds old (the times have a coarse tick).
    """
    file = Path(file)
    st = file.stat()
    key = (str(file.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key in _digests:
        return _digests[key]
    started = time.time()
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        while block := fh.read(_CHUNK):
            h.update(block)
    # a file changed just now may change again within the same timestamp tick
    # (same size, times and inode, other bytes): only a settled file is remembered
    if started - max(st.st_mtime, st.st_ctime) > _SETTLED:
        _digests[key] = h.hexdigest()
    return h.hexdigest()


def entry_path(source: str, file, part: str | None = None) -> Path:
    """Cache file of the table parsed from ``file`` (and ``part`` of it), keyed by its content."""
    name = f"{_stem(Path(file), part)}-{file_digest(file)}-p{PARSER_VERSION}.nc"
    return folder() / _checked_source(source) / name


def cached_parts(source: str, file, parse: Callable[[], dict], part: str | None = None) -> dict:
    """What ``parse`` returns for ``file``, from the cache when a verified entry exists.

    Parameters
    ----------
    source : str
        Source name, the sub-folder of ``parsed/`` (e.g. ``"wiod2013"``).
    file : Path
        The source file the table is read from; the SHA-256 of its bytes (and
        :data:`PARSER_VERSION`) key the entry.
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
    try:
        path = entry_path(source, file, part)
    except OSError:
        return parse()  # an unreadable source file: the parser reports it
    parts = None if path in _ignored else _lookup(path)
    if parts is None:
        parts = parse()
        try:
            # a file that changed while it was parsed: which bytes were read is unknown
            same = entry_path(source, file, part) == path
        except OSError:
            same = False
        if same and path.parent not in _unusable:
            _store(parts, path, _stem(Path(file), part))
    return parts


def info() -> dict[str, dict[str, int]]:
    """What the cache holds, per source: ``{source: {"entries": n, "bytes": b}}``.

    ``entries`` counts the parsed tables, ``bytes`` the size of every file
    :func:`clear` would delete (entries and leftovers of killed writes), in
    bytes. Sources with an empty folder are left out; an unreadable cache gives
    ``{}`` with a :class:`CacheWarning`.
    """
    usage = {}
    for src, files in _files(None).items():
        n = sum(1 for f, _ in files if not f.name.startswith("."))
        size = sum(s for _, s in files)
        if files:
            usage[src] = {"entries": n, "bytes": size}
    return usage


def clear(source: str | None = None) -> int:
    """Delete the cached tables of ``source`` (all sources when None); returns the bytes freed.

    Removes entries and stale leftovers of killed writes, never a running
    writer's temporary file nor anything the cache did not write. A file that
    cannot be deleted is left and named in a :class:`CacheWarning`. Raises
    :class:`~gvcdecomp.errors.OptionError` for a ``source`` that is not a plain
    folder name.
    """
    freed, failed = 0, []
    for src, files in _files(source).items():
        for f, size in files:
            try:
                f.unlink()
                freed += size
            except FileNotFoundError:
                pass
            except OSError as e:
                failed.append(f"{f} ({e.strerror})")
        try:
            (folder() / src).rmdir()
        except OSError:
            pass  # not empty (foreign files), or already gone
    if failed:
        warnings.warn(f"could not delete {'; '.join(failed)}", CacheWarning, stacklevel=2)
    return freed


def _files(source: str | None) -> dict[str, list[tuple[Path, int]]]:
    """(file, size) of the cache's own files per source folder."""
    from ..storage import is_stale_leftover

    root = folder()
    try:
        if source is not None:
            sources = [_checked_source(source)]
        else:
            sources = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        found = {}
        for src in sources:
            d = root / src
            files = []
            for f in sorted(d.iterdir()) if d.is_dir() else []:
                ours = re.fullmatch(r"[^.].*" + _ENTRY, f.name) or is_stale_leftover(f)
                if ours and f.is_file():
                    files.append((f, f.stat().st_size))
            found[src] = files
        return found
    except OSError as e:
        msg = f"cannot read the cache folder {root} ({e.strerror})"
        warnings.warn(msg, CacheWarning, stacklevel=3)
        return {}


def _checked_source(source: str) -> str:
    if not isinstance(source, str) or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", source):
        raise OptionError(
            f"cache source must be a plain folder name like 'wiod2013', got {source!r}"
        )
    return source


def _lookup(path: Path) -> dict | None:
    """The verified entry at ``path``; None when there is none or it is bad (then warned)."""
    try:
        if not path.is_file():
            return None
    except OSError as e:  # the folder cannot even be searched
        _disable(path.parent, e)
        return None
    try:
        return _load(path)
    except GVCError as e:
        reason = str(e).removeprefix(f"{path}: ")
    try:
        path.unlink(missing_ok=True)
        fate = "deleted"
    except OSError as e:
        # left in place and not read again; no new entry can be written there either
        _ignored.add(path)
        _unusable.add(path.parent)
        fate = f"left in place ({e.strerror}), caching off for {path.parent}"
    warnings.warn(
        f"bad cache entry {path}: {reason}; {fate}; the source file is parsed again",
        CacheWarning,
        stacklevel=4,
    )
    return None


def _disable(where: Path, e: OSError) -> None:
    if where not in _unusable:
        _unusable.add(where)
        warnings.warn(
            f"cache folder {where} cannot be used ({e.strerror or e}); tables are parsed "
            f"without caching (set {ENV_VAR}=1 to silence this)",
            CacheWarning,
            stacklevel=5,
        )


def _store(parts: dict, path: Path, stem: str) -> None:
    from ..storage import _write_atomic

    labels = [*parts["countries"], *parts["sectors"], *(parts.get("fd_categories") or [])]
    if any("\x00" in str(s) for s in labels):
        return  # netCDF-3 drops trailing NULs: such an entry would not read back the same
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
    attrs = {"gvcdecomp_kind": KIND, "gvcdecomp_parser_version": PARSER_VERSION,
             "gvcdecomp_entry": path.stem}
    if parts.get("year") is not None:
        attrs["year"] = int(parts["year"])
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    stored = {n: ds[n].values for n in ds.variables}
    ds.attrs["gvcdecomp_checksum"] = _checksum(_parts_of(stored.get, attrs), path.stem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(ds, path)
    except OSError as e:
        _disable(path.parent, e)
        return
    except GVCError as e:  # a folder in the entry's place, data netCDF cannot hold
        warnings.warn(f"cache entry not written: {e}", CacheWarning, stacklevel=4)
        return
    # entries of the same file and part for other contents or parser versions, and
    # of the layout without <folder> (never read now)
    legacy = stem.rsplit("-", 1)[0]
    entry = re.compile(f"(?:{re.escape(stem)}|{re.escape(legacy)}){_ENTRY}")
    try:
        for old in path.parent.iterdir():
            if old != path and entry.fullmatch(old.name):
                old.unlink(missing_ok=True)
    except OSError:
        pass  # the new entry is in place; an old one left over is never read


def _load(path: Path) -> dict:
    attrs, get = _read_entry(path)
    version = attrs.get("gvcdecomp_parser_version")
    if attrs.get("gvcdecomp_kind") != KIND or version != PARSER_VERSION:
        raise FileFormatError(f"not a gvcdecomp cache entry of parser version {PARSER_VERSION}")
    missing = [v for v in ("Z", "Y", "country", "sector") if get(v) is None]
    if missing:
        raise FileFormatError(f"lacks {missing}")
    if attrs.get("gvcdecomp_entry") != path.stem:
        # a valid entry of another file, part or content copied under this name
        raise FileFormatError(f"written as {attrs.get('gvcdecomp_entry')!r}, not for this file")
    try:
        parts = _parts_of(get, attrs)
        checksum = _checksum(parts, path.stem)  # of the very arrays returned
    except (TypeError, ValueError) as e:
        raise FileFormatError(f"unreadable content ({e})") from e
    if attrs.get("gvcdecomp_checksum") != checksum:
        raise FileFormatError("its arrays or labels do not match its checksum (the file changed)")
    return parts


def _read_entry(path: Path) -> tuple[dict, Callable]:
    """An entry's attributes and a getter of its variables (None if absent).

    Read with scipy alone, not through xarray, whose opening of a file costs
    more than reading the year's arrays: the arrays straight into their final
    float64 arrays (:func:`gvcdecomp.storage.read_float64`, peak memory the
    data's own size), the labels decoded from their UTF-8 character arrays as
    xarray writes them. A variable stored otherwise is refused (the entry is
    then parsed again); the checksum covers what is decoded here.
    """
    from scipy.io import netcdf_file

    out, bad = {}, None
    try:
        size = path.stat().st_size
        with netcdf_file(path, "r", mmap=True) as nc, open(path, "rb", buffering=0) as fh:
            attrs = {k: _text(v) for k, v in nc._attributes.items()}
            for name in list(nc.variables):
                out[name], bad = _entry_variable(nc, name, fh, size, path)
                if bad:
                    break  # raised below: no frame may hold a view of the map when it closes
    except GVCError:
        raise
    except Exception as e:  # scipy raises many types on a foreign or corrupt file
        bad = f"{type(e).__name__}: {e}"
    if bad:
        raise FileFormatError(f"{path}: not a readable cache entry ({bad})")
    return attrs, out.get


def _entry_variable(nc, name: str, fh, size: int, path: Path) -> tuple:
    """(values, None) of one variable of an entry, or (None, what is wrong)."""
    from ..storage import read_float64

    var = nc.variables[name]
    kind, ndim = var.data.dtype.str, var.data.ndim
    enc = {k: _text(v) for k, v in var._attributes.items()}
    if kind == "|S1" and ndim == 2 and enc == {"_Encoding": UTF8}:
        return [bytes(r).rstrip(b"\0").decode(UTF8) for r in var.data], None
    del var
    fill = enc.pop("_FillValue", np.nan)
    if kind in (">f8", "<f8") and not enc and isinstance(fill, float) and np.isnan(fill):
        values = read_float64(nc, name, fh, size, path)
        if values is not None:
            return values, None
    return None, f"{name} is stored as {kind} with {enc}, not as this cache writes it"


UTF8 = "utf-8"  # the encoding xarray declares for the labels' character arrays


def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def _parts_of(get: Callable, attrs: dict) -> dict:
    """The parse as stored in an entry (``get(name)``: a variable's values, None if
    absent); what parse gave as None was not stored and is left out."""
    parts = {
        "Z": get("Z"),
        "Y": get("Y"),
        "countries": [str(v) for v in get("country")],
        "sectors": [str(v) for v in get("sector")],
    }
    if get("fd_category") is not None:
        parts["fd_categories"] = [str(v) for v in get("fd_category")]
    parts.update({k: get(k) for k in ("x", "va") if get(k) is not None})
    if "year" in attrs:
        year = np.asarray(attrs["year"])
        if year.dtype.kind not in "iu" or year.size != 1:
            raise ValueError(f"year attribute {attrs['year']!r}")
        parts["year"] = int(year)
    return parts


def _checksum(parts: dict, key: str) -> str:
    """SHA-256 of an entry's key, arrays (little-endian float64, with names and
    shapes), labels and year."""
    h = hashlib.sha256(key.encode())
    for name in ("Z", "Y", "x", "va"):
        if name in parts:
            a = np.ascontiguousarray(parts[name], dtype="<f8")
            h.update(json.dumps([name, a.shape]).encode())
            h.update(memoryview(a).cast("B"))
    labels = {k: parts.get(k) for k in ("countries", "sectors", "fd_categories", "year")}
    h.update(json.dumps(labels, ensure_ascii=True).encode())
    return h.hexdigest()


def _stem(file: Path, part: str | None) -> str:
    # same-named files of two folders (a/wiot_2011.RData, b/wiot_2011.RData) must not
    # share a stem: storing one's entry would delete the other's
    folder = hashlib.sha256(os.fsencode(file.resolve().parent)).hexdigest()[:12]
    if part is None:
        return f"{file.name}-{folder}"
    # a zip member may sit in a folder of the archive: keep its name only
    return f"{file.name}-{Path(str(part)).name}-{folder}"
