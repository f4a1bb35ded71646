"""One entry point over the sources: by name (:func:`load`) or by file name (:func:`open_table`)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from ..errors import DataNotFoundError, FileFormatError, OptionError, UnknownLabelError
from .paths import kind

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

_TIMMER_2015 = (
    "Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and de Vries, G. J. (2015), "
    "An Illustrated User Guide to the World Input-Output Database: the Case of Global "
    "Automotive Production, Review of International Economics 23: 575-605"
)
_OECD_ICIO = "OECD ({}), OECD Inter-Country Input-Output Database, http://oe.cd/icio"
_ICIO_FILES = {
    "icio2016": "ICIO2016_YYYY.csv or .zip",
    "icio2018": "ICIO2018_YYYY.csv or .zip",
    "icio2021": "ICIO2021_YYYY.csv, bundles ICIO2021_YYYY-YYYY.zip",
    "icio2023": "YYYY.csv / YYYY_SML.csv, bundles YYYY-YYYY.zip",
}
_ICIO_YEARS = {"icio2016": "1995-2011", "icio2018": "2005-2015", "icio2021": "1995-2018",
               "icio2023": "1995-2020"}  # fmt: skip

#: One row per source: what ``sources()`` shows. ``download``: how the files are
#: obtained without placing them by hand.
CATALOGUE = [
    {
        "source": "wiod2013", "loader": "load_wiod2013",
        "coverage": "1995-2011; 40 countries + RoW x 35 industries",
        "files": "wiot_YYYY.RData (R package wiod); WIOTyy_ROW_Apr12.xlsx / WIOTyy_ROW_Sep12.xlsx",
        "origin": "wiod.org, 2013 release; per-year RData fetched from GitHub bquast/wiod, "
                  "commit 59a28ac, folder data/",
        "download": "on first use (wiot_YYYY.RData, about 0.4 MB a year, SHA-256 checked)",
        "citation": _TIMMER_2015,
    },
    {
        "source": "wiod_longrun", "loader": "load_wiod_longrun",
        "coverage": "1965-2000; 25 countries + RoW x 23 industries",
        "files": "WIODlr_WIOT_YYYY.rda; lr_wiod_wiot_final_filled.csv",
        "origin": "GGDC, University of Groningen (long CSV); per-year rda fetched from GitHub "
                  "Carol-seven/ionet_ext, commit cfce85a, folder 'WIOD long-run/'",
        "download": "on first use (WIODlr_WIOT_YYYY.rda, about 2.8 MB a year, SHA-256 checked)",
        "citation": "Woltjer, P., Gouma, R. and Timmer, M. P. (2021), Long-run World "
                    "Input-Output Database: Version 1.0 Sources and Methods, GGDC Research "
                    "Memorandum 190, University of Groningen",
    },
    {
        "source": "wiod2016", "loader": "load_wiod2016",
        "coverage": "2000-2014; 43 countries + ROW x 56 industries",
        "files": "WIOTyyyy_October16_ROW.RData, WIOTyyyy_Nov16_ROW.xlsb, WIOTS_in_R.zip, "
                 "WIOTS_in_EXCEL.zip",
        "origin": "DataverseNL, doi:10.34894/PJ2M1C",
        "download": "with download=True (WIOTS_in_R.zip, 641.6 MB, SHA-1 checked)",
        "citation": _TIMMER_2015,
    },
    *(
        {
            "source": name, "loader": "load_icio",
            "coverage": f"{_ICIO_YEARS[name]}; OECD ICIO {name[4:]} edition",
            "files": _ICIO_FILES[name],
            "origin": "OECD, oecd.org/sti/ind/inter-country-input-output-tables.htm",
            "download": "no",
            "citation": _OECD_ICIO.format(name[4:]),
        }
        for name in _ICIO_FILES
    ),
    {
        "source": "wiod2016_niot", "loader": "load_niot",
        "coverage": "2000-2014; national tables of 43 countries x 56 industries",
        "files": "{CCC}_NIOT_nov16.xlsx",
        "origin": "WIOD 2016 release, DataverseNL",
        "download": "no",
        "citation": _TIMMER_2015,
    },
]  # fmt: skip


def sources():
    """Every source the library reads, as a :class:`pandas.DataFrame` (one row per source).

    Columns: ``source`` (the name for :func:`load` and the data sub-folder),
    ``loader`` (the function in ``gvcdecomp``; ``load_icio`` takes the edition
    as first argument), ``coverage`` (years, countries x
    industries), ``files`` (the names recognised), ``origin`` (publisher and
    where the files are fetched from), ``download`` (whether and how the
    library downloads them) and ``citation``. Also ``gd.sources()``.
    """
    import pandas as pd

    return pd.DataFrame(CATALOGUE).set_index("source")


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


#: The names of FILE_PATTERNS as a reader writes them, for messages.
FILE_NAMES = (
    "wiot_YYYY.RData, WIOTyy_ROW_Apr12.xlsx / WIOTyy_ROW_Sep12.xlsx (WIOD 2013), "
    "WIODlr_WIOT_YYYY.rda (long-run WIOD), WIOTYYYY_October16_ROW.RData, "
    "WIOTYYYY_Nov16_ROW.xlsb (WIOD 2016), ICIO2016_YYYY.csv/.zip, ICIO2018_YYYY.csv/.zip, "
    "ICIO2021_YYYY.csv, YYYY.csv / YYYY_SML.csv (ICIO 2023)"
)


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
    if not isinstance(source, str):
        raise OptionError(
            f"source must be one name such as 'wiod2013', not {type(source).__name__} {source!r}"
        )
    return _loader(source)(years, path=path, **options)


def open_table(path, **options):
    """Read one table file, recognising its source from the file name.

    Knows the official names of every source in ``FILE_PATTERNS`` and netCDF
    files written by :func:`gvcdecomp.storage.save_table` (``*.nc``).
    """
    path = Path(path)
    if not path.is_file():
        if path.exists():
            raise FileFormatError(f"{path}: {kind(path)}, not a table file")
        raise DataNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".nc":
        from ..storage import load_table

        return load_table(path)
    for pattern, source, year in FILE_PATTERNS:
        m = re.fullmatch(pattern, path.name, re.IGNORECASE)
        if m:
            return load(source, year(m), path=path, **options)
    if re.fullmatch(r"[a-z]{3}_niot_nov16\.xlsx", path.name, re.IGNORECASE):
        raise FileFormatError(
            f"{path}: a WIOD 2016 national table: read it with gd.load_niot(country, years); "
            "open_table reads multi-country tables"
        )
    raise FileFormatError(
        f"{path}: file name matches no known source; expected one of {FILE_NAMES} or *.nc"
    )
