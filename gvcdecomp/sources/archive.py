"""Zip archives read within bounds: release bundles, and xlsx/xlsb workbooks (zips too).

A zip member states its inflated size in the archive's directory, and a few
bytes of deflated zeros can claim (or hide) a gigabyte. Every member read
here is checked before a byte is inflated:

- its declared size must be within the limit the caller gives (each source
  sets one from what its real files can be, see the ``*_LIMIT`` constants of
  the readers);
- encrypted members and compression methods the standard library cannot
  inflate (Deflate64, PPMd, ...) are refused with a :class:`FileFormatError`
  instead of zipfile's ``RuntimeError`` / ``NotImplementedError``;
- while reading, a member that inflates past its declared size is stopped at
  that size (:class:`_Capped`), so memory never exceeds what was checked.

Member names are matched with backslashes read as ``/`` (archives made on
Windows by some tools store ``folder\\file.csv``).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from ..errors import FileFormatError
from .generic import error_text

MiB = 1 << 20
GiB = 1 << 30
#: Compression methods zipfile inflates (Deflate64 = 9 and PPMd = 98 are not among them).
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
#: What a damaged archive makes zipfile, zlib, bz2 or lzma raise while reading.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, IndexError)
#: First bytes of an OLE2 compound file: legacy .xls, and every password-protected xlsx/xlsb.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def normalised(name: str) -> str:
    """A member name with Windows separators read as ``/``."""
    return name.replace("\\", "/")


def open_zip(source, what: str = "zip archive", where: str | None = None) -> zipfile.ZipFile:
    """``zipfile.ZipFile(source)`` (a path or a seekable binary file); errors as FileFormatError.

    ``where`` names the source in messages (default: the path).
    """
    where = where or str(source)
    try:
        if hasattr(source, "read"):
            head = source.read(8)
            source.seek(0)
        else:
            with open(source, "rb") as f:
                head = f.read(8)
        if head == OLE2_MAGIC:
            raise FileFormatError(
                f"{where}: is an encrypted (password-protected) or legacy binary Office file, "
                f"not a {what}; save it without a password in the current format"
            )
        return zipfile.ZipFile(source)
    except FileFormatError:
        raise
    except (*_DAMAGE, RuntimeError, NotImplementedError) as e:
        raise FileFormatError(f"{where}: not a readable {what} ({error_text(e)})") from e


def members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """File members by normalised name (folders left out)."""
    return {
        normalised(i.filename): i for i in zf.infolist() if not normalised(i.filename).endswith("/")
    }


def check_member(info: zipfile.ZipInfo, where: str, limit: int) -> None:
    """Refuse an encrypted member, an unsupported method, or a declared size over ``limit``."""
    name = normalised(info.filename)
    if info.flag_bits & 0x1:
        raise FileFormatError(f"{where}: member {name} is encrypted (password-protected)")
    if info.compress_type not in _METHODS:
        method = "Deflate64" if info.compress_type == 9 else f"method {info.compress_type}"
        raise FileFormatError(
            f"{where}: member {name} is compressed with {method}, which cannot be read here; "
            "re-pack the archive with ordinary Deflate (e.g. `zip -r`)"
        )
    if info.file_size > limit:
        raise FileFormatError(
            f"{where}: member {name} declares {info.file_size:,} bytes inflated, more than the "
            f"{limit:,} bytes a file of this source can be (damaged or not this source's archive)"
        )


def check_archive(zf: zipfile.ZipFile, where: str, limit: int) -> None:
    """:func:`check_member` for every member (used before handing a workbook to its reader)."""
    for info in zf.infolist():
        check_member(info, where, limit)


def open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int):
    """A checked member as a binary stream that stops at its declared size.

    Errors of damaged data while reading come out as :class:`FileFormatError`.
    """
    check_member(info, where, limit)
    try:
        raw = zf.open(info)
    except (*_DAMAGE, RuntimeError, NotImplementedError) as e:
        name = normalised(info.filename)
        raise FileFormatError(f"{where}: member {name}: {error_text(e)}") from e
    return _Capped(raw, info.file_size, f"{where}: member {normalised(info.filename)}")


def read_member(path, member: str, limit: int) -> bytearray:
    """The bytes of ``member`` (normalised name) of the zip ``path``, checked and capped."""
    where = str(path)
    with open_zip(path) as zf:
        info = members(zf).get(normalised(member))
        if info is None:
            raise FileFormatError(f"{where}: has no member {member}")
        buf = bytearray(info.file_size)  # one copy, of the size already checked
        with open_member(zf, info, where, limit) as f:
            view, got = memoryview(buf), 0
            while got < len(buf) and (k := f.readinto(view[got:])):
                got += k
            if got < len(buf) or f.read(1):
                raise FileFormatError(f"{where}: member {member} is not its declared size")
        return buf


class _Capped(io.RawIOBase):
    """Read-only stream over a zip member that refuses bytes past ``size``."""

    def __init__(self, raw, size: int, where: str):
        self._raw, self._left, self._where = raw, size, where

    def readable(self):
        return True

    def readinto(self, b):
        try:
            data = self._raw.read(min(len(b), self._left + 1))
        except (*_DAMAGE, RuntimeError) as e:
            raise FileFormatError(
                f"{self._where}: damaged compressed data ({error_text(e)})"
            ) from e
        if len(data) > self._left:
            raise FileFormatError(f"{self._where}: inflates past its declared size")
        self._left -= len(data)
        b[: len(data)] = data
        return len(data)

    def close(self):
        self._raw.close()
        super().close()
