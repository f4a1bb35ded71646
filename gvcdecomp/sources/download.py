"""Downloads of published data files into the per-user cache, checked before use.

Built on ``pooch`` (the scientific Python tool for fetching data files), which
streams the download to a temporary file in the destination folder, shows a
``tqdm`` progress bar, checks the checksum and only then renames the file into
place; a failed or interrupted download deletes the temporary file. So a file
under its final name in the cache is always one whose checksum matched.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import DataNotFoundError, FileFormatError, OptionError
from .paths import cache_dir

#: Digest prefixes accepted in ``sha256=`` besides a bare SHA-256 hex digest.
ALGORITHMS = ("sha256", "sha1", "md5")


def fetch(source: str, filename: str, url: str, sha256: str, size=None, progress=True) -> Path:
    """Download ``url`` to ``<cache_dir>/<source>/<filename>`` unless a verified copy is there.

    Parameters
    ----------
    source : str
        Source name, the sub-folder of the cache (e.g. ``"wiod2016"``), where the
        loaders look for files.
    filename : str
        Name the file is stored under.
    url : str
        Where to download it from (http or https).
    sha256 : str
        Expected SHA-256 digest, hex. Required: there is no unchecked download.
        When the publisher lists only another digest, it may be given with its
        algorithm as prefix, ``"sha1:<hex>"`` or ``"md5:<hex>"``.
    size : int, optional
        Expected size in bytes, checked as well (a truncated file is reported
        as such rather than as a checksum mismatch).
    progress : bool
        Show a progress bar (tqdm) while downloading.

    Returns
    -------
    Path
        The verified file. An existing file with the right checksum is returned
        without downloading; one with a wrong checksum is downloaded again.

    Raises
    ------
    OptionError
        No checksum given, or one that is not a hex digest.
    FileFormatError
        The downloaded file's size or checksum is not the expected one; the
        message names the file, the expected and the actual value. Nothing is
        left under ``filename``.
    DataNotFoundError
        The server could not be reached or the transfer broke off; nothing is
        left under ``filename``.
    """
    import pooch
    import requests

    known = _known_hash(sha256, filename)
    algorithm = known.partition(":")[0]
    folder = cache_dir() / source
    seen = {}

    def download(link, output_file, pooch_object):
        # pooch checks the digest after this returns; the size and the actual
        # digest are taken here so that a mismatch can be reported in full
        pooch.HTTPDownloader(progressbar=progress)(link, output_file, pooch_object)
        seen["size"] = os.path.getsize(output_file)
        seen["hash"] = _file_hash(output_file, algorithm)
        if size is not None and seen["size"] != size:
            raise ValueError("size mismatch")

    try:
        path = pooch.retrieve(url, known, fname=filename, path=folder, downloader=download)
    except requests.RequestException as e:  # before ValueError: some are both
        raise DataNotFoundError(
            f"could not download {filename} from {url} ({type(e).__name__}: {e}); "
            "nothing was kept"
        ) from e
    except ValueError:  # pooch's verdict on a finished download: size or checksum
        if "hash" not in seen:
            raise
        if size is not None and seen.get("size") != size:
            raise FileFormatError(
                f"{folder / filename}: downloaded from {url} with {seen.get('size')} bytes, "
                f"expected {size}; the file was not kept"
            ) from None
        raise FileFormatError(
            f"{folder / filename}: checksum mismatch for the download from {url}: expected "
            f"{algorithm} {known.partition(':')[2]}, got {seen.get('hash')}; the file was "
            "not kept"
        ) from None
    except OSError as e:
        raise DataNotFoundError(
            f"could not download {filename} from {url} ({type(e).__name__}: {e}); "
            "nothing was kept"
        ) from e
    return Path(path)


def _known_hash(digest, filename: str) -> str:
    """``algorithm:hex`` in pooch's notation, refusing a missing or malformed digest."""
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
