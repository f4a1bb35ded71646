"""Where data files are looked for: explicit path, GVCDECOMP_DATA_DIR, user cache."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import DataNotFoundError

ENV_VAR = "GVCDECOMP_DATA_DIR"


def cache_dir() -> Path:
    """Per-user data folder: ``$XDG_CACHE_HOME/gvcdecomp`` (default ``~/.cache/gvcdecomp``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gvcdecomp"


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
    dirs.append(cache_dir() / source)
    return dirs


def find_file(source: str, patterns: list[str], path=None, hint: str = "") -> Path:
    """The first file matching one of ``patterns`` (regexes, case-insensitive).

    ``path`` may name the file itself. Raises :class:`DataNotFoundError` saying
    which names were looked for, where, and where to get them (``hint``).
    """
    if path is not None and Path(path).is_file():
        return Path(path)
    dirs = search_dirs(source, path)
    rx = [re.compile(p + r"\Z", re.IGNORECASE) for p in patterns]
    for d in dirs:
        if d.is_dir():
            for r in rx:
                for f in sorted(d.iterdir()):
                    if r.match(f.name) and f.is_file():
                        return f
    where = ", ".join(str(d) for d in dirs)
    raise DataNotFoundError(
        f"no {source} file matching {' or '.join(patterns)} in {where}"
        + ("" if path is not None else f" (set {ENV_VAR} or pass path=)")
        + (f". {hint}" if hint else "")
    )
