"""Industry classifications and the concordances between them, as data.

The CSV files in this folder (see its README.md for sources) hold the industry
codes of four classifications and the links between them:

========================  ============================================  =========
name                      classification                                industries
========================  ============================================  =========
``wiod2013``              WIOD 2013 release, ISIC Rev.3 (c1 … c35)      35
``wiod2016``              WIOD 2016 release, ISIC Rev.4 (A01 … U)       56
``icio2023``              OECD ICIO 2023 edition, ISIC Rev.4            45
``wiod_longrun``          Long-run WIOD 1965–2000, ISIC Rev.3           23
========================  ============================================  =========

Stored concordances: ``wiod2013 → wiod2016``, ``wiod2016 → icio2023`` and
``wiod_longrun → wiod2013``; each can also be read in reverse.
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

from ..errors import UnknownLabelError

CLASSIFICATIONS = {
    "wiod2013": "WIOD 2013 release, 35 industries (ISIC Rev.3)",
    "wiod2016": "WIOD 2016 release, 56 industries (ISIC Rev.4)",
    "icio2023": "OECD ICIO 2023 edition, 45 industries (ISIC Rev.4)",
    "wiod_longrun": "Long-run WIOD 1965-2000, 23 industries (ISIC Rev.3)",
}

#: (from, to) -> file; each is also readable in reverse.
CONCORDANCES = {
    ("wiod2013", "wiod2016"): "wiod2013_wiod2016.csv",
    ("wiod2016", "icio2023"): "wiod2016_icio2023.csv",
    ("wiod_longrun", "wiod2013"): "wiod_longrun_wiod2013.csv",
}


def _read(name: str) -> pd.DataFrame:
    with files(__name__).joinpath(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, comment="#", dtype=str, keep_default_na=False)


def _check(classification: str) -> None:
    if classification not in CLASSIFICATIONS:
        raise UnknownLabelError(
            f"unknown classification {classification!r}; available: {', '.join(CLASSIFICATIONS)}"
        )


def industries(classification: str) -> pd.DataFrame:
    """Industry codes of a classification, in table order.

    Parameters
    ----------
    classification : str
        One of ``CLASSIFICATIONS``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` and ``description`` (short titles), one row per
        industry. Sources are listed in this folder's README.md.
    """
    _check(classification)
    df = _read("industries.csv")
    df = df[df["classification"] == classification]
    return df[["code", "description"]].reset_index(drop=True)


def concordance(from_: str, to: str) -> pd.DataFrame:
    """The links between two industry classifications.

    Parameters
    ----------
    from_, to : str
        Classification names (``CLASSIFICATIONS``); the pair must be one of
        ``CONCORDANCES`` in either direction.

    Returns
    -------
    pandas.DataFrame
        Columns ``old`` (codes of ``from_``) and ``new`` (codes of ``to``), one
        row per link, in the order of the ``from_`` classification. An old code
        on several rows is split over several new industries: the stored files
        give no weights, since how an industry splits depends on country and
        year; add a ``weight`` column (summing to 1 per old code) from data
        before passing the frame to :func:`gvcdecomp.aggregate.aggregate`.
        Read in reverse, a one-to-many concordance becomes many-to-one and
        aggregates directly (e.g. ``concordance("wiod2013", "wiod_longrun")``).
        WIOD 2016 industry U (extraterritorial organisations, empty in the
        WIOD 2016 tables) has no WIOD 2013 counterpart, so
        ``concordance("wiod2016", "wiod2013")`` leaves it out: drop U or add a
        row for it before aggregating a WIOD 2016 table.

    Notes
    -----
    The files were compiled from the classifications' documentation and the
    UN correspondence tables ISIC Rev.3.1 ↔ Rev.4 (see README.md in this
    folder): WIOD 2013 → WIOD 2016 lists every WIOD 2016 industry receiving
    whole ISIC Rev.3.1 classes or the bulk of a class; WIOD 2016 → ICIO 2023 is
    exact (both ISIC Rev.4) except for the splits of B and R_S; long-run WIOD →
    WIOD 2013 is exact (both ISIC Rev.3).
    """
    _check(from_)
    _check(to)
    if (from_, to) in CONCORDANCES:
        return _read(CONCORDANCES[from_, to])[["old", "new"]]
    if (to, from_) in CONCORDANCES:
        df = _read(CONCORDANCES[to, from_]).rename(columns={"old": "new", "new": "old"})
        order = {c: i for i, c in enumerate(industries(from_)["code"])}
        df = df.sort_values("old", key=lambda s: s.map(order), kind="stable")
        return df[["old", "new"]].reset_index(drop=True)
    pairs = ", ".join(f"{a} -> {b}" for a, b in CONCORDANCES)
    raise UnknownLabelError(
        f"no concordance from {from_!r} to {to!r}; stored: {pairs} (and reverse)"
    )
