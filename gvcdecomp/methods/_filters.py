"""The ``exporter=``, ``importer=`` and ``sector=`` filters of :func:`~gvcdecomp.methods.decompose`.

A filter keeps some coordinates of one dimension of a method's result, in the
order given: ``decompose(t, m, exporter=["USA", "JPN"])`` equals
``decompose(t, m).sel(exporter=["USA", "JPN"])``. A single code keeps its
dimension (length 1). Methods whose function takes the filter as a parameter
(WWZ: exporter and sector; Leontief: exporter and sector) compute only the
selected part; the others are computed whole and selected afterwards (KWW
selects its exporters itself, before its gap check, so that a ``BalanceWarning``
speaks of the exporters kept, as WWZ's does).
"""

from __future__ import annotations

import numpy as np

from ..errors import OptionError, UnknownLabelError

FILTERS = ("exporter", "importer", "sector")

#: The dimension each filter selects. Leontief with ``post="final"`` or
#: ``"output"`` decomposes a country's final goods or output, not its exports:
#: its flows' country is the dimension ``country``, which ``exporter=`` selects.
DIMS = {"exporter": ("exporter", "country"), "importer": ("importer",), "sector": ("sector",)}


def split(options: dict) -> tuple[dict, dict]:
    """``options`` without the filters, and the filters given (not None)."""
    rest = {k: v for k, v in options.items() if k not in FILTERS}
    filters = {k: options[k] for k in FILTERS if options.get(k) is not None}
    return rest, filters


def as_list(name: str, value) -> list[str]:
    """A filter's value (a code or a list of codes) as a list of str.

    Raises :class:`~gvcdecomp.errors.OptionError` for an empty list, a
    repeated code, a set (it has no order to keep) or a value that is not a code.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array("USA")
        value = value.item()
    if isinstance(value, str):
        value = [value]
    elif isinstance(value, set | frozenset):
        raise OptionError(
            f"{name}= keeps the codes in the order given, and a set has none: pass a list, "
            f"e.g. sorted({value!r}), got a {type(value).__name__}"
        )
    elif isinstance(value, bytes | dict) or not hasattr(value, "__iter__"):
        raise OptionError(f"{name}= takes a code or a list of codes, got {value!r}")
    value = list(value)
    if not value or not all(isinstance(v, str) for v in value):
        raise OptionError(f"{name}= takes a code or a non-empty list of str codes, got {value!r}")
    value = [str(v) for v in value]  # numpy's str_ too: plain codes in specs and attributes
    twice = sorted({v for v in value if value.count(v) > 1})
    if twice:
        raise OptionError(f"{name}= lists {', '.join(map(repr, twice))} more than once")
    return value


def check_known(name: str, value: list, existing, what: str, groups=None) -> None:
    """:class:`~gvcdecomp.errors.UnknownLabelError` for a code of ``value`` not
    among ``existing`` (the coordinates of the dimension, ``what`` naming them);
    ``groups`` (``{name: members}``, the regions in force) names the region of
    a code that is a member of one."""
    existing = [str(e) for e in existing]
    for v in value:
        if v not in existing:
            hint = (
                _member_hint(name, v, groups or {}) or _group_hint(name, v)
                or _case_hint(v, existing)
            )  # fmt: skip
            raise UnknownLabelError(
                f"{name}={v!r}: unknown {what} {v!r}; the result has {', '.join(existing)}{hint}"
            )


def _case_hint(code: str, existing: list) -> str:
    # Stata's icio takes exporter(usa); here codes are matched as written
    same = [e for e in existing if e.casefold() == code.casefold()]
    return f" (codes are case-sensitive: {same[0]!r})" if same else ""


def _member_hint(name: str, code: str, groups: dict) -> str:
    within = [g for g, members in groups.items() if code in members]
    if not within:
        return ""
    return (
        f" ({code!r} is a member of region {within[0]!r}: pass {name}={within[0]!r}, "
        f"or groups=None to keep {code!r} separate)"
    )


def _group_hint(name: str, code: str) -> str:
    from .. import groups

    if name == "sector" or code not in groups.names():
        return ""
    return (
        f" ({code!r} is a built-in country group: pass groups={code!r} to treat it as "
        f"one region, then {name}={code!r})"
    )


def dims_of(name: str, options: dict) -> tuple | None:
    """The dimensions of method ``name``'s result under ``options`` (canonical
    spellings), or None when they depend on an option this cannot read (the
    method then raises its own error, or the result's dimensions are checked)."""
    from . import bm

    if name == "wwz":
        return ("exporter", "sector", "importer")
    if name == "kww":
        return ("exporter",)
    if name == "leontief":
        post = options.get("post", "exports")
        using = ("exporter",) if post == "exports" else ("country",)
        last = {"exports": ("importer",), "final": ("destination",), "output": ()}.get(post)
        if last is None:
            return None
        return ("source_country", "source_sector", *using, "sector", *last)
    if name == "bm":  # bm's own rule for the level (its default, world's)
        try:
            level = bm._check_options(
                options.get("approach", "source"), options.get("perspective", "exporter"),
                options.get("level"),
            )  # fmt: skip
        except OptionError:  # bm will say so itself
            return None
        return bm._DIMS.get(level)
    return None


def check_dims(label: str, filters: dict, dims) -> dict:
    """``{filter: dimension}`` for the filters given; OptionError for a filter
    whose dimension the result of method ``label`` does not have."""
    out = {}
    for name in filters:
        found = [d for d in DIMS[name] if d in dims]
        if not found:
            raise OptionError(
                f"{label}: {name}= does not apply, the result has no {name} dimension "
                f"(its dimensions: {', '.join(dims)}); pass the filter only to the methods "
                f"it applies to, as a (method, {{{name!r}: ...}}) pair"
            )
        out[name] = found[0]
    return out


class Cells:
    """The rows of a table that the selected (region, sector) cells of a result add up.

    ``exporter`` (region names of ``R``) and ``sector`` (codes of ``sectors``)
    as lists, None for all. ``S`` and ``Q`` are the selected region and sector
    indices in the order given; ``rows`` the table rows of the selected regions'
    members in those sectors (region by region, ascending within a region),
    ``slot`` the position in S of each row's region and ``qpos`` that of its
    sector in Q. ``everything`` when nothing is left out (callers then keep
    their full-table path).
    """

    def __init__(self, R, sectors, exporter=None, sector=None):
        # as decompose reads them (a method called directly may get one code as a str)
        exporter = None if exporter is None else as_list("exporter", exporter)
        sector = None if sector is None else as_list("sector", sector)
        if exporter is not None:
            check_known("exporter", exporter, R.names, "region")
        if sector is not None:
            check_known("sector", sector, sectors, "sector")
        names, sectors = list(R.names), list(sectors)
        self.S = _indices(names, exporter)
        self.Q = _indices(sectors, sector)
        self.everything = exporter is None and sector is None
        pos = np.full(R.N, -1)
        pos[self.Q] = np.arange(self.Q.size)
        rows = [r[pos[R.sector_of[r]] >= 0] for r in (R.rows[s] for s in self.S)]
        self.rows = np.concatenate(rows).astype(np.int64)
        self.slot = np.repeat(np.arange(self.S.size), [r.size for r in rows]).astype(np.int64)
        self.qpos = pos[R.sector_of[self.rows]]

    def by_cell(self, a: np.ndarray) -> np.ndarray:
        """Rows of ``a`` (one per entry of ``rows``) summed into cells: (len S, len Q, ...).

        Members are added in ascending row order, as
        :meth:`~gvcdecomp.core.Regions.by_region_sector` adds them.
        """
        out = np.zeros((self.S.size, self.Q.size, *a.shape[1:]))
        np.add.at(out, (self.slot, self.qpos), a)
        return out


def _indices(codes: list, asked) -> np.ndarray:
    """Positions of the ``asked`` codes among ``codes`` (every position for None)."""
    return np.arange(len(codes)) if asked is None else np.array([codes.index(a) for a in asked])
