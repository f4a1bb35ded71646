"""Country groups as data: EU (by year), EU27, EU28, EU27_2020, euro area, NAFTA/USMCA,
ASEAN, OECD, BRIICS, in each table's own codes.

``groups="EU27"`` anywhere a function takes ``groups=`` treats the members as
one region (trade among them is domestic), computed on the detailed model. The
other way to "make a region", summing members' results (``ict_slice(...,
sum_members=...)``), counts trade among members as exports: the two differ, and
each says so in its result's attributes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files

import pandas as pd

from .errors import OptionError, UnknownLabelError

#: ISO code -> codes tables use for the same country.
CODE_ALIASES = {"ROU": ("ROM",)}


@cache
def _data() -> pd.DataFrame:
    path = files("gvcdecomp.concordances") / "country_groups.csv"
    with path.open() as f:
        df = pd.read_csv(f, comment="#", dtype={"group": str, "code": str})
    return df


def names() -> list[str]:
    """Names of the built-in groups."""
    return list(dict.fromkeys(_data()["group"]))


def members(name: str, year: int | None = None) -> list[str]:
    """ISO codes of a built-in group; for year-dependent groups (EU, EA, ASEAN, OECD)
    the members in ``year`` (None: the current members)."""
    df = _data()
    rows = df[df["group"] == name]
    if rows.empty:
        raise UnknownLabelError(f"unknown country group {name!r}; known: {', '.join(names())}")
    joined, left = rows["joined"], rows["left"]
    if year is None:
        keep = left.isna()
    else:
        keep = (joined.isna() | (joined <= year)) & (left.isna() | (year < left))
    return rows.loc[keep, "code"].tolist()


def resolve(
    groups, table=None, *, countries=None, year=None, missing: str = "raise", defaults: bool = True
):
    """Turn group names into ``{name: [table codes]}``, adding the table's default groups.

    Parameters
    ----------
    groups : None, str, sequence of str, or mapping
        A built-in group name (``"EU27"``), several names, or ``{name: [codes]}``
        whose values may also be a built-in name (``{"EU": "EU27_2020"}``).
    table : IOTable, optional
        Gives the country codes, the year (for year-dependent groups) and the
        default groups (ICIO's CHN = CHN + CN1 + CN2: a member that is a default
        group brings in its parts, in a named group or a listed one).
    countries, year : optional
        The codes and year when there is no table (e.g. for a result).
    missing : {"raise", "ignore"}
        A member the table lacks (e.g. Croatia in WIOD 2013): an
        :class:`~gvcdecomp.errors.UnknownLabelError` naming it, or leave it out.
    defaults : bool
        Add the table's default groups that share no member and no name with
        the given ones (named or listed): the user's groups apply on top of the
        default merge, so ``groups="EU27"`` or ``groups={"Asia": ["CHN", "JPN"]}``
        on ICIO still reports Mexico's parts MX1, MX2 merged into MEX, as
        without ``groups``. A default group that shares a member with a given
        group gives way to it (a ``UserWarning`` when the given groups hold only
        some of its parts, the others then being reported apart). To keep the
        parts apart, pass ``groups=None`` (every country separate) or load the
        table with ``split="keep"``.
        False (e.g. for :func:`~gvcdecomp.aggregate.aggregate`, whose table
        carries the default groups on) returns the given groups only.

    ROM (WIOD 2013) stands for ROU. Returns None for None.
    """
    if groups is None:
        return None
    if missing not in ("raise", "ignore"):
        raise OptionError(f'missing must be "raise" or "ignore", got {missing!r}')
    if table is not None:
        countries = list(table.countries) if countries is None else countries
        year = table.year if year is None else year
    codes = [str(c) for c in countries] if countries is not None else None
    table_defaults = dict(getattr(table, "default_groups", None) or {})
    by_name = isinstance(groups, str) or (
        isinstance(groups, Sequence) and all(isinstance(g, str) for g in groups)
    )
    if isinstance(groups, str):
        groups = {groups: groups}
    elif by_name:
        groups = {g: g for g in groups}
    elif not isinstance(groups, Mapping):
        raise OptionError(
            f"groups must be a group name, a list of names or a dict {{name: [countries]}}, "
            f"got {type(groups).__name__}"
        )
    out = {}
    for name, spec in groups.items():
        if isinstance(spec, str) and (spec in names() or by_name):
            out[name] = _in_table(spec, members(spec, year), codes, table_defaults, missing, year)
        else:  # a list of codes (or a malformed value, left for normalize_groups to report)
            out[name] = _with_parts(spec, table_defaults)
    if defaults:
        used = {str(m) for ms in out.values() if _is_list(ms) for m in ms}
        out.update(
            {k: v for k, v in table_defaults.items() if k not in out and not used & set(v)}
        )
        for k, v in table_defaults.items():
            _warn_partial(k, v, used, out)
    return out


def _warn_partial(name, parts, used, given) -> None:
    """Warn when given groups take some of a default group's parts (MX1 of MEX) and so
    leave the others (MEX, MX2) apart: the default merge gives way, which was silent."""
    held = [p for p in parts if p in used]
    if not held or len(held) == len(parts) or name in given:
        return
    apart = [p for p in parts if p not in used]
    warnings.warn(
        f"default group {name!r} ({', '.join(parts)}) not applied: the groups given hold "
        f"{', '.join(held)} only, leaving {', '.join(apart)} apart; list {name!r} "
        "in a group for all its parts",
        UserWarning,
        stacklevel=3,
    )


def _is_list(spec) -> bool:
    return hasattr(spec, "__len__") and not isinstance(spec, str | Mapping)


def _with_parts(spec, defaults):
    """A listed code that names a default group (ICIO's CHN) stands for all its parts, as in
    a named group: {"EA": ["CHN", "JPN"]} must not leave China's producing rows CN1, CN2 out."""
    if not isinstance(spec, list | tuple) or not any(
        isinstance(c, str) and c in defaults for c in spec
    ):
        return spec
    parts = (isinstance(c, str) and defaults.get(c) or [c] for c in spec)
    return list(dict.fromkeys(p for ps in parts for p in ps))


def _in_table(name, iso, codes, defaults, missing, year) -> list[str]:
    if codes is None:
        return iso
    have, out, lacking = set(codes), [], []
    for c in iso:
        found = [a for a in (c, *CODE_ALIASES.get(c, ())) if a in have or a in defaults]
        if not found:
            lacking.append(c)
        for a in found[:1]:
            out += list(defaults[a]) if a in defaults else [a]
    if lacking and missing == "raise":
        when = f" in {year}" if year is not None else ""
        raise UnknownLabelError(
            f"country group {name!r}{when}: the table has no {', '.join(lacking)} "
            f"(its countries: {', '.join(codes)}); pass missing=\"ignore\" to "
            f"gvcdecomp.groups.resolve to use the members it has"
        )
    if not out:
        raise UnknownLabelError(f"country group {name!r}: no member is in the table")
    return list(dict.fromkeys(out))
