"""Downloads of published data files into the per-user cache, checked before use.

A download is streamed into a hidden temporary file in the destination folder
while its digest is computed; only a file of the expected size and digest is
renamed into place, and anything else is deleted. So a file under its final
name in the cache is always one whose checksum matched.

Bounds: a transfer stops as soon as it passes the expected size (or when the
server announces a larger one), and a stalled one is abandoned — no answer or
no byte within the timeout, or less than ``MIN_RATE`` bytes a second over a
timeout-long window.

Environment:

- ``GVCDECOMP_OFFLINE=1`` forbids every download; the error then says what to
  fetch and where to put it (``0``, ``false``, ``no``, ``off`` or empty: allowed).
- ``GVCDECOMP_MIRROR=<base URL>`` fetches ``<base>/<source>/<file>`` instead of
  the publisher's URL (an institutional mirror, an air-gapped site, the tests);
  the file is checked against the same digest.
- ``GVCDECOMP_TIMEOUT=<seconds>``: the connect, read and stall timeout
  (default 30, at most a day).

WIOD 2013 and the per-year long-run WIOD files are fetched on first use from
copies pinned to a commit (:data:`ORIGINS`); their sizes and SHA-256 digests
are listed in ``downloads.csv`` next to this module.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import DataNotFoundError, FileFormatError, OptionError
from .paths import ENV_VAR as DATA_DIR_VAR
from .paths import cache_dir, find_file, not_found, path_option, search_dirs

OFFLINE_VAR = "GVCDECOMP_OFFLINE"
MIRROR_VAR = "GVCDECOMP_MIRROR"
TIMEOUT_VAR = "GVCDECOMP_TIMEOUT"
#: Seconds to wait for a connection, for the next byte, and length of the stall window.
DEFAULT_TIMEOUT = 30.0
#: A day: longer is no stall limit, and much longer overflows the socket's timer.
MAX_TIMEOUT = 86400.0
#: Values of ``GVCDECOMP_OFFLINE`` that leave downloads on.
NOT_OFFLINE = ("", "0", "false", "no", "off")
#: Bytes a second, averaged over a timeout-long window, below which a transfer is stalled.
MIN_RATE = 1024
#: Digest prefixes accepted in ``sha256=`` besides a bare SHA-256 hex digest.
ALGORITHMS = ("sha256", "sha1", "md5")
SCHEMES = ("http", "https", "file")
CHUNK = 1 << 16

#: Folder URLs of the copies fetched on first use, pinned to a commit so that the
#: bytes behind a URL cannot change: the R package ``wiod`` (Quast) ships WIOD 2013
#: as ``data/wiot_YYYY.RData``; Carol-seven/ionet_ext repackages the long-run WIOD
#: per year as ``WIODlr_WIOT_YYYY.rda``.
ORIGINS = {
    "wiod2013": "https://raw.githubusercontent.com/bquast/wiod/"
    "59a28ac22fbd7751ea84c0f33722b5246b0af46d/data/",
    "wiod_longrun": "https://raw.githubusercontent.com/Carol-seven/ionet_ext/"
    "cfce85a91ddfbcb078fdba0a9d010c67db5ec6a9/WIOD%20long-run/",
}


@dataclass(frozen=True)
class Pinned:
    """A file fetched on first use: its source, name, size in bytes and SHA-256."""

    source: str
    file: str
    size: int
    sha256: str

    @property
    def url(self) -> str:
        return ORIGINS[self.source] + urllib.parse.quote(self.file)


@cache
def pinned(source: str) -> dict[str, Pinned]:
    """The files of ``source`` fetched on first use, by name (empty for other sources)."""
    text = resources.files(__package__).joinpath("downloads.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    return {
        r["file"]: Pinned(r["source"], r["file"], int(r["bytes"]), r["sha256"])
        for r in rows
        if r["source"] == source
    }


def offline() -> bool:
    """True when ``GVCDECOMP_OFFLINE`` is set to anything but ``""``, ``0``, ``false``, ``no``, ``off``."""
    return os.environ.get(OFFLINE_VAR, "").strip().lower() not in NOT_OFFLINE


def _offline_setting() -> str:
    """``GVCDECOMP_OFFLINE=<value>`` as the user set it, for messages."""
    return f"{OFFLINE_VAR}={os.environ.get(OFFLINE_VAR, '').strip()}"


def on_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal, where a progress bar redraws itself in place.

    Anywhere else (a file, a pipe, a notebook's captured stderr) each redraw
    would stay behind as a fragment after a carriage return: no bar is drawn there.
    """
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def source_url(source: str, filename: str, url: str) -> str:
    """``url``, or ``<$GVCDECOMP_MIRROR>/<source>/<filename>`` when a mirror is set."""
    base = os.environ.get(MIRROR_VAR, "").strip()
    if not base:
        return url
    return f"{base.rstrip('/')}/{source}/{urllib.parse.quote(filename)}"


def find_or_fetch(
    source: str, patterns: list[str], path, hint: str, filename: str, download: bool = True
) -> Path:
    """A local file matching ``patterns``, else a download.

    Local files are looked for by :func:`~gvcdecomp.sources.paths.find_file`.
    When nothing is found, no explicit ``path`` was given and ``filename`` is
    one of the source's pinned files (:func:`pinned`), it is downloaded into
    ``<cache_dir>/<source>/`` with a one-line notice and a progress bar, and
    checked against its size and SHA-256 (:func:`fetch`). With
    ``download=False`` or ``GVCDECOMP_OFFLINE=1`` the
    :class:`~gvcdecomp.errors.DataNotFoundError` says which URL to fetch and
    where to put the file instead.
    """
    try:
        return find_file(source, patterns, path, hint)
    except DataNotFoundError:
        item = pinned(source).get(filename)
        if path is not None or item is None:
            raise  # an explicit path is never replaced by a download
        if not download or offline():
            why = "download=False" if not download else _offline_setting()
            mirror = (f"drop {why} to fetch it from {MIRROR_VAR}" if os.environ.get(MIRROR_VAR, "").strip()
                      else f"drop {why} and set {MIRROR_VAR} to a copy of the data")  # fmt: skip
            raise DataNotFoundError(
                f"{not_found(source, patterns, search_dirs(source))}, and downloads are off "
                f"({why}). Get {source_url(source, filename, item.url)}, then "
                + _by_hand(source, mirror)
            ) from None
    try:
        return fetch(source, filename, item.url, item.sha256, size=item.size)
    except DataNotFoundError as e:  # no network: say how to do without one
        mirror = os.environ.get(MIRROR_VAR, "").strip()
        if mirror:  # the mirror the user set failed: advising to set one would mislead
            raise DataNotFoundError(
                f"{e}. Check {MIRROR_VAR}={mirror} (it must serve {source}/{filename}), or get "
                f"{filename} elsewhere, then pass its folder as {path_option()} or put it in "
                f"${DATA_DIR_VAR}/{source}/"
            ) from e
        raise DataNotFoundError(
            f"{e}. Without a network, get {filename} elsewhere, then "
            + _by_hand(source, f"set {MIRROR_VAR} to a copy of the data")
        ) from e


def _by_hand(source: str, mirror: str) -> str:
    """The three ways to provide a missing file, as the caller writes them: its folder
    (``path=`` in Python, ``--path`` on the command line), the data folder, ``mirror``
    (what to do about the mirror)."""
    return f"pass its folder as {path_option()} or put it in ${DATA_DIR_VAR}/{source}/; or {mirror}"


def fetch(
    source: str, filename: str, url: str, sha256: str, size=None, progress=True, timeout=None
) -> Path:
    """Download ``url`` to ``<cache_dir>/<source>/<filename>`` unless a verified copy is there.

    Parameters
    ----------
    source : str
        Source name, the sub-folder of the cache (e.g. ``"wiod2016"``), where the
        loaders look for files.
    filename : str
        Name the file is stored under.
    url : str
        Where to download it from (http, https or file); ``GVCDECOMP_MIRROR``
        replaces it by ``<mirror>/<source>/<filename>``.
    sha256 : str
        Expected SHA-256 digest, hex. Required: there is no unchecked download.
        When the publisher lists only another digest, it may be given with its
        algorithm as prefix, ``"sha1:<hex>"`` or ``"md5:<hex>"``.
    size : int, optional
        Expected size in bytes: the transfer stops as soon as it passes it, and
        a short file is reported as such rather than as a checksum mismatch.
    progress : bool
        Show a one-line notice on stderr, and a progress bar (tqdm) when
        stderr is a terminal (:func:`on_terminal`).
    timeout : float, optional
        Seconds to wait for the connection and for each read, and the window
        over which at least ``MIN_RATE`` bytes a second must arrive. Default
        ``$GVCDECOMP_TIMEOUT`` or 30.

    Returns
    -------
    Path
        The verified file. An existing file with the right checksum is returned
        without downloading; one with a wrong checksum is downloaded again.

    Raises
    ------
    OptionError
        No checksum given, one that is not a hex digest, a URL scheme other
        than http, https or file, or an invalid timeout.
    FileFormatError
        The download is larger or smaller than ``size`` or its checksum is not
        the expected one; the message names the file, the expected and the
        actual value. Nothing is left in the cache.
    DataNotFoundError
        Downloads are off (``GVCDECOMP_OFFLINE``), the server could not be
        reached, answered with an error, stalled or broke off; nothing is left
        in the cache.
    """
    algorithm, _, expected = _known_hash(sha256, filename).partition(":")
    knob = TIMEOUT_VAR if timeout is None else "timeout"  # named when a transfer times out
    timeout = _timeout(timeout)
    folder = cache_dir() / source
    target = folder / filename
    if target.is_file() and _file_hash(target, algorithm) == expected:
        return target
    url = source_url(source, filename, url)
    _check_scheme(url, filename)
    if offline():
        raise DataNotFoundError(
            f"downloads are off ({_offline_setting()}): fetch {url} and put it in {target}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{filename}.{secrets.token_hex(6)}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    except OSError as e:
        raise DataNotFoundError(
            f"cannot write {filename} into the cache folder {folder} ({type(e).__name__}: {e}); "
            "set XDG_CACHE_HOME to a writable folder"
        ) from e
    try:
        with os.fdopen(fd, "wb") as out:
            if progress:
                amount = f" ({size / 1e6:.1f} MB)" if size else ""
                print(f"gvcdecomp: downloading {filename}{amount} from {url} into {folder}",
                      file=sys.stderr, flush=True)  # fmt: skip
            got, digest, html = _stream(url, out, algorithm, size, (timeout, knob), progress, filename)
            out.flush()
            os.fsync(out.fileno())
        # a proxy or mirror answering 200 with an error or login page
        page = ", an HTML page, not the data file" if html else ""
        if size is not None and got != size:
            raise FileFormatError(
                f"{target}: downloaded from {url} with {got} bytes, expected {size}{page}; "
                "the file was not kept"
            )
        if digest != expected:
            raise FileFormatError(
                f"{target}: checksum mismatch for the download from {url}: expected "
                f"{algorithm} {expected}, got {digest}{page}; the file was not kept"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def data_files(source: str | None = None) -> dict[str, list[tuple[Path, int]]]:
    """Data files in the per-user cache, per source: ``{source: [(file, bytes), ...]}``.

    The files downloaded (or put there by hand) in ``<cache_dir>/<source>/``,
    for every source of :func:`gvcdecomp.sources.registry.sources` or only
    ``source``; hidden temporary files of interrupted downloads included.
    """
    from .registry import CATALOGUE

    names = [row["source"] for row in CATALOGUE]
    if source is not None:
        if source not in names:
            raise OptionError(f"unknown source {source!r}; known: {', '.join(names)}")
        names = [source]
    found = {}
    for name in names:
        folder = cache_dir() / name
        listed = sorted(folder.iterdir()) if folder.is_dir() else []
        files = [(f, f.stat().st_size) for f in listed if f.is_file()]
        if files:
            found[name] = files
    return found


def _check_scheme(url: str, filename: str) -> None:
    """Refuse a URL that is not http, https or file, naming ``GVCDECOMP_MIRROR`` if it made it."""
    try:
        scheme = urllib.parse.urlsplit(url).scheme
    except ValueError:  # e.g. an unclosed IPv6 bracket
        scheme = None
    if scheme in SCHEMES:
        return
    mirror = os.environ.get(MIRROR_VAR, "").strip()
    if mirror:
        raise OptionError(
            f"{MIRROR_VAR}={mirror} is not an {'/'.join(SCHEMES)} URL (for a local folder "
            f"write file:///path/to/folder, or set {DATA_DIR_VAR} to the folder)"
        )
    raise OptionError(f"cannot download {filename} from {url!r}: not an {'/'.join(SCHEMES)} URL")


def _stream(url, out, algorithm, size, timeout, progress, name) -> tuple[int, str, bool]:
    """Copy ``url`` into ``out``; returns (bytes, hex digest, whether it looks like a web page).

    Enforces size and timeouts; ``timeout`` is (seconds, what set it).
    """
    timeout, knob = timeout
    from tqdm import tqdm

    from .. import __version__

    h = hashlib.new(algorithm)
    got = 0
    request = urllib.request.Request(url, headers={"User-Agent": f"gvcdecomp/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            declared = _declared_size(resp)
            html = "html" in (resp.headers.get("Content-Type") or "").lower()
            if size is not None and declared is not None and declared > size:
                raise FileFormatError(
                    f"{url}: the server announces {declared} bytes for {name}, expected "
                    f"{size}; nothing was downloaded"
                )
            read = getattr(resp, "read1", resp.read)  # read1: return what has arrived
            with tqdm(total=size or declared, unit="B", unit_scale=True, desc=name,
                      disable=not (progress and on_terminal(sys.stderr)), file=sys.stderr,
                      leave=False) as bar:  # fmt: skip
                window, in_window = time.monotonic(), 0
                while chunk := read(CHUNK):
                    if not got:
                        html = html or chunk.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
                    got += len(chunk)
                    if size is not None and got > size:
                        raise FileFormatError(
                            f"{url}: sent more than the expected {size} bytes of {name}; "
                            "stopped, nothing was kept"
                        )
                    h.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
                    in_window += len(chunk)
                    elapsed = time.monotonic() - window
                    if elapsed >= timeout:
                        if in_window < MIN_RATE * elapsed:
                            raise DataNotFoundError(
                                f"download of {name} from {url} stalled ({in_window} bytes "
                                f"in {elapsed:.1f} s); nothing was kept"
                            )
                        window, in_window = time.monotonic(), 0
            if declared is not None and got < declared:
                raise DataNotFoundError(
                    f"download of {name} from {url} broke off after {got} of {declared} "
                    "bytes; nothing was kept"
                )
    except urllib.error.HTTPError as e:
        raise DataNotFoundError(
            f"could not download {name} from {url} (HTTP {e.code} {e.reason}); nothing was kept"
        ) from e
    except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets
        reason = e.reason if isinstance(e, urllib.error.URLError) else e
        if isinstance(reason, TimeoutError):
            reason = f"timed out: no answer within {timeout:g} s ({knob})"
        else:
            reason = f"{type(reason).__name__}: {reason}"
        raise DataNotFoundError(
            f"could not download {name} from {url} ({reason}); nothing was kept"
        ) from e
    return got, h.hexdigest(), html


def _declared_size(resp) -> int | None:
    value = (resp.headers.get("Content-Length") or "").strip()
    return int(value) if value.isdigit() else None


def _timeout(timeout) -> float:
    if timeout is None:
        timeout = os.environ.get(TIMEOUT_VAR, "").strip() or DEFAULT_TIMEOUT
        what = TIMEOUT_VAR
    else:
        what = "timeout"
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value <= MAX_TIMEOUT:
        raise OptionError(
            f"{what} must be a positive number of seconds, at most {MAX_TIMEOUT:g}, not {timeout!r}"
        )
    return value


def _known_hash(digest, filename: str) -> str:
    """``algorithm:hex``, refusing a missing or malformed digest."""
    if not digest or not isinstance(digest, str):
        raise OptionError(
            f"no checksum given for {filename}: downloads are always verified, so a "
            "SHA-256 digest (or 'sha1:<hex>' / 'md5:<hex>') is required"
        )
    algorithm, sep, hexdigest = digest.strip().lower().rpartition(":")
    algorithm = algorithm if sep else "sha256"
    length = hashlib.new(algorithm).digest_size * 2 if algorithm in ALGORITHMS else None
    if length is None or len(hexdigest) != length or not _is_hex(hexdigest):
        raise OptionError(
            f"checksum {digest!r} for {filename} is not a {algorithm} hex digest"
            + ("" if algorithm in ALGORITHMS else f" (known: {', '.join(ALGORITHMS)})")
        )
    return f"{algorithm}:{hexdigest}"


def _is_hex(s: str) -> bool:
    return all(c in "0123456789abcdef" for c in s)


def _file_hash(path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
