"""Where data files are looked for: explicit path, GVCDECOMP_DATA_DIR, user cache."""

from __future__ import annotations

import contextvars
import os
import pwd
import re
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import DataNotFoundError, FileFormatError

ENV_VAR = "GVCDECOMP_DATA_DIR"
#: How messages name the explicit file or folder: the keyword ``path=`` in Python,
#: the command's flag while the command line runs (:func:`path_named`).
_PATH_OPTION = contextvars.ContextVar("gvcdecomp_path_option", default="path=")


@contextmanager
def path_named(option: str):
    """Within the block, messages call the explicit location ``option`` (e.g. ``--path``)."""
    token = _PATH_OPTION.set(option)
    try:
        yield
    finally:
        _PATH_OPTION.reset(token)


def path_option() -> str:
    """``path=``, or the command-line flag set by :func:`path_named`."""
    return _PATH_OPTION.get()


def cache_dir() -> Path:
    """Per-user data folder: ``$XDG_CACHE_HOME/gvcdecomp`` (default ``~/.cache/gvcdecomp``).

    As the XDG specification asks, a relative ``XDG_CACHE_HOME`` is ignored (the
    cache would move with the working folder); so is an empty or relative
    ``HOME``, for the account's home directory. A process with neither (a
    container user without a passwd entry) has no cache: a
    :class:`DataNotFoundError` says to set ``XDG_CACHE_HOME``.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "gvcdecomp"
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        try:
            home = pwd.getpwuid(os.getuid()).pw_dir
        except KeyError:
            raise DataNotFoundError(
                f"no per-user cache folder: HOME is {'not set' if not home else repr(home)} "
                f"and user id {os.getuid()} has no home directory; set XDG_CACHE_HOME to a "
                f"writable folder (data can also be read from ${ENV_VAR})"
            ) from None
    return Path(home) / ".cache" / "gvcdecomp"


def numba_cache_dir() -> Path:
    """Where numba keeps compiled kernels: ``<cache_dir>/numba``.

    Never inside the installed package: files numba writes there survive an
    uninstall and leave a broken package folder behind.
    """
    return cache_dir() / "numba"


def use_numba_cache_dir() -> None:
    """Point numba's cache at :func:`numba_cache_dir`, unless ``NUMBA_CACHE_DIR`` is set.

    Called when gvcdecomp is imported, before numba is. A ``NUMBA_CACHE_DIR``
    set by the user wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
    except DataNotFoundError:
        return  # no per-user folder: numba's own default; importing must not fail
    numba = sys.modules.get("numba")
    if numba is not None:  # imported before gvcdecomp: its config has already read the environment
        numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


def search_dirs(source: str, path=None) -> list[Path]:
    """Folders searched for ``source``'s files, in order.

    An explicit ``path`` (a folder) is the only place searched; otherwise
    ``$GVCDECOMP_DATA_DIR/<source>/`` and then ``<cache_dir>/<source>/``.
    """
    if path is not None:
        return [Path(path)]
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]) / source)
    try:
        dirs.append(cache_dir() / source)
    except DataNotFoundError:
        if not dirs:
            raise  # nowhere to look: say why
    return dirs


def find_file(source: str, patterns: list[str], path=None, hint: str = "") -> Path:
    """The first file matching one of ``patterns`` (regexes, case-insensitive).

    ``path`` may name the file itself or a folder holding it. Raises
    :class:`DataNotFoundError` saying which names were looked for, where, and
    where to get them (``hint``), or for a ``path`` that does not exist; a
    ``path`` or a match that is a FIFO, a folder (where a file is expected) or
    another special file is a :class:`FileFormatError` saying so. Nothing is
    opened here, so a FIFO cannot block the reader.
    """
    if path is not None:
        p = Path(path)
        if p.is_file():
            return p
        if not p.is_dir():
            if p.exists():
                raise FileFormatError(f"{p}: {kind(p)}, neither a data file nor a folder")
            raise DataNotFoundError(
                f"{p}: no such file or folder (looked for {source} files named "
                f"{' or '.join(map(shown, patterns))})"
            )
    dirs = search_dirs(source, path)
    rx = [re.compile(p + r"\Z", re.IGNORECASE) for p in patterns]
    for d in dirs:
        if d.is_dir():
            for r in rx:
                for f in sorted(d.iterdir()):
                    if r.match(f.name):
                        if not f.is_file():
                            raise FileFormatError(f"{f}: {kind(f)}, not a {source} data file")
                        return f
    raise DataNotFoundError(
        not_found(source, patterns, dirs)
        + ("" if path is not None else f" (set {ENV_VAR} or pass {path_option()})")
        + (f". {hint}" if hint else "")
    )


def not_found(source: str, patterns: list[str], dirs: list[Path]) -> str:
    """"no <source> file named <names> in <folders>", the start of a not-found message."""
    where = ", ".join(str(d) for d in dirs)
    return f"no {source} file named {' or '.join(map(shown, patterns))} in {where}"


_SHOWN = {"(?:": "{", "(": "{", ")": "}", "|": ","}


def shown(pattern: str) -> str:
    """A file-name regex as a reader writes it, for messages.

    ``wiot11_row_(apr|sep)12\\.xlsx`` is shown as ``wiot11_row_{apr,sep}12.xlsx``.
    """
    return re.sub(r"\\(.)|\(\?:|[()|]", lambda m: m.group(1) or _SHOWN[m.group(0)], pattern)


def kind(path) -> str:
    """What a path that is not a regular file is: "a folder", "a FIFO (named pipe)", …"""
    mode = os.stat(path).st_mode
    kinds = {
        stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device",
    }  # fmt: skip
    return next((name for test, name in kinds.items() if test(mode)), "a special file")
