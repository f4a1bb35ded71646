"""One entry point over the sources: by name (:func:`load`) or by file name (:func:`open_table`)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from ..errors import DataNotFoundError, FileFormatError, UnknownLabelError

#: source name -> (module, loader function); modules are imported on first use.
SOURCES = {
    "wiod2013": ("gvcdecomp.sources.wiod2013", "load_wiod2013"),
    "wiod_longrun": ("gvcdecomp.sources.wiod_longrun", "load_wiod_longrun"),
    "wiod2016": ("gvcdecomp.sources.wiod2016", "load_wiod2016"),
    "icio2016": ("gvcdecomp.sources.icio", "load_icio2016"),
    "icio2018": ("gvcdecomp.sources.icio", "load_icio2018"),
    "icio2021": ("gvcdecomp.sources.icio", "load_icio2021"),
    "icio2023": ("gvcdecomp.sources.icio", "load_icio2023"),
}

#: file-name pattern -> (source, how the year is read from the match)
FILE_PATTERNS = [
    (r"wiot_(\d{4})\.rdata", "wiod2013", lambda m: int(m.group(1))),
    (r"wiot(\d\d)_row_(apr|sep)12\.xlsx", "wiod2013", lambda m: 1900 + int(m.group(1)) if int(m.group(1)) > 50 else 2000 + int(m.group(1))),
    (r"wiodlr_wiot_(\d{4})\.rda", "wiod_longrun", lambda m: int(m.group(1))),
    (r"wiot(\d{4})_october16_row\.rdata", "wiod2016", lambda m: int(m.group(1))),
    (r"wiot(\d{4})_nov16_row\.xlsb", "wiod2016", lambda m: int(m.group(1))),
    (r"icio2016_(\d{4})\.(?:csv|zip)", "icio2016", lambda m: int(m.group(1))),
    (r"icio2018_(\d{4})\.(?:csv|zip)", "icio2018", lambda m: int(m.group(1))),
    (r"icio2021_(\d{4})\.csv", "icio2021", lambda m: int(m.group(1))),
    (r"(?:icio2023_)?(\d{4})(?:_sml)?\.csv", "icio2023", lambda m: int(m.group(1))),  # generic: last
]


def _loader(source: str):
    try:
        module, name = SOURCES[source]
    except KeyError:
        raise UnknownLabelError(
            f"unknown source {source!r}; available: {', '.join(SOURCES)}"
        ) from None
    return getattr(importlib.import_module(module), name)


def load(source: str, years, path=None, **options):
    """Load tables of a named source: one year -> IOTable, several -> Panel.

    ``source`` is one of ``SOURCES`` (``"wiod2013"``, ``"wiod_longrun"``);
    ``path`` and the lookup order are as in each source's loader (explicit
    path, ``$GVCDECOMP_DATA_DIR/<source>/``, per-user cache); ``options`` go to
    the loader (e.g. ``output="stored"``).
    """
    return _loader(source)(years, path=path, **options)


def open_table(path, **options):
    """Read one table file, recognising its source from the file name.

    Knows the official names of every source in ``FILE_PATTERNS`` and netCDF
    files written by :func:`gvcdecomp.storage.save_table` (``*.nc``).
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".nc":
        from ..storage import load_table

        return load_table(path)
    for pattern, source, year in FILE_PATTERNS:
        m = re.fullmatch(pattern, path.name, re.IGNORECASE)
        if m:
            return load(source, year(m), path=path, **options)
    raise FileFormatError(
        f"{path}: file name matches no known source; expected one of "
        + ", ".join(p for p, _, _ in FILE_PATTERNS)
        + " or *.nc"
    )
