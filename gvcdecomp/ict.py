"""ICT industries in each classification, and ICT slices of tables and results.

The information and communication technology (ICT) sector is defined by the
OECD from ISIC activities (ISIC Rev.3.1 in OECD 2002, ISIC Rev.4 in OECD 2007);
input-output tables publish coarser industries, so each table's ICT groups are
the industries that contain those activities. Where an industry holds much more
than ICT (e.g. WIOD 2013 c30, ISIC 71–74, of which only 72 is computer services)
it is flagged as *broader*, and results carry the caveat in their attributes.

Built-in groups, per classification (recognised from the sector codes):

==================  =====================  =====================  ==================
classification      ICT manufacturing      ICT services           broader than ICT
==================  =====================  =====================  ==================
WIOD 2013           c14                    c27, c30               c14, c27, c30
WIOD 2016           C26 (+ C27 optional)   J58, J61, J62_J63      J58
OECD ICIO 2016      C30T33XCEQ             C64PTL, C72CMP         C30T33XCEQ, C64PTL
OECD ICIO 2018      26                     58T60, 61, 62T63       58T60
OECD ICIO (2021)    D26                    D58T60, D61, D62T63    D58T60
OECD ICIO 2023      C26                    J58T60, J61, J62_63    J58T60
WIOD long-run       D30t33                 I64, K                 D30t33, I64, K
==================  =====================  =====================  ==================

``"ICT"`` is the union of the two. Define other groups with
:func:`register_group`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from .concordances import industries as _industries
from .errors import OptionError, UnknownLabelError
from .groups import resolve
from .methods.wwz import GROUPS as WWZ_GROUPS
from .methods.wwz import TERMS as WWZ_TERMS
from .vocabulary import describe, lookup, not_additive_over
from .years import concat_years, is_years

MANUFACTURING, SERVICES, ICT = "ICT manufacturing", "ICT services", "ICT"

_OECD_2002 = (
    "OECD (2002), Measuring the Information Economy 2002: the ICT sector "
    "definition of 1998, revised 2002, on ISIC Rev.3.1 (manufacturing 3000, 3130, "
    "3210, 3220, 3230, 3312, 3313; services 5151, 5152, 6420, 7123, 72)"
)
_OECD_2007 = (
    "OECD (2011), OECD Guide to Measuring the Information Society 2011: the ICT "
    "sector definition on ISIC Rev.4 adopted in 2007 (manufacturing "
    "2610-2680; trade 4651, 4652; services 5820, 61, 62, 631, 951)"
)

_WIOD2016_CODES = (
    "A01", "A02", "A03", "B", "C10-C12", "C13-C15", "C16", "C17", "C18", "C19", "C20", "C21",
    "C22", "C23", "C24", "C25", "C26", "C27", "C28", "C29", "C30", "C31_C32", "C33", "D35",
    "E36", "E37-E39", "F", "G45", "G46", "G47", "H49", "H50", "H51", "H52", "H53", "I", "J58",
    "J59_J60", "J61", "J62_J63", "K64", "K65", "K66", "L68", "M69_M70", "M71", "M72", "M73",
    "M74_M75", "N", "O84", "P85", "Q", "R_S", "T", "U",
)  # fmt: skip

_LONGRUN_CODES = (
    "AtB", "C", "D15t16", "D17t19", "D21t22", "D23", "D24", "D25", "D26", "D27t28", "D29",
    "D30t33", "D34t35", "Dnec", "E", "F", "G", "H", "I60t63", "I64", "J", "K", "LtQ",
)  # fmt: skip


@dataclass(frozen=True)
class ICTDefinition:
    """The ICT industries of one classification.

    ``groups`` maps a group name to industry codes; ``optional`` lists codes
    left out by default (``ict_slice(..., optional=True)`` adds them);
    ``broader`` maps codes that hold much more than ICT to a note; ``codes`` is
    the whole list of the classification's industries when it is fixed (None
    when editions differ).
    """

    name: str
    system: str
    groups: dict
    source: str
    optional: dict = field(default_factory=dict)
    broader: dict = field(default_factory=dict)
    codes: tuple | None = None

    @property
    def signature(self) -> set:
        """Every ICT code of the classification, to recognise it from a table."""
        return {c for g in (self.groups, self.optional) for cs in g.values() for c in cs}

    def sectors(self, group: str, optional: bool = False) -> tuple:
        """Codes of a built-in group (``"ICT"`` = manufacturing + services)."""
        names = (MANUFACTURING, SERVICES) if group == ICT else (group,)
        out = []
        for g in names:
            out += self.groups[g] + (self.optional.get(g, ()) if optional else ())
        return tuple(out)


DEFINITIONS = {
    d.name: d
    for d in (
        ICTDefinition(
            name="WIOD 2013",
            system="ISIC Rev.3 (WIOD 2013, 35 industries)",
            groups={MANUFACTURING: ("c14",), SERVICES: ("c27", "c30")},
            broader={
                "c14": "c14 Electrical and optical equipment (ISIC 30-33) also holds "
                "electrical machinery and instruments outside the ICT sector",
                "c30": "c30 Renting of machinery and other business activities "
                "(ISIC 71-74): only 72 (computer and related activities) is ICT",
                "c27": "c27 Post and telecommunications (ISIC 64): only 642 "
                "(telecommunications) is ICT",
            },
            codes=tuple(f"c{i}" for i in range(1, 36)),
            source=_OECD_2002 + "; WIOD 2013 industry list (Timmer et al. 2015)",
        ),
        ICTDefinition(
            name="WIOD 2016",
            system="ISIC Rev.4 (WIOD 2016, 56 industries)",
            groups={MANUFACTURING: ("C26",), SERVICES: ("J58", "J61", "J62_J63")},
            optional={MANUFACTURING: ("C27",)},
            broader={
                "J58": "J58 Publishing activities: only 582 (software publishing) is ICT",
                "C27": "C27 Electrical equipment is not ICT (OECD 2007); optional, for "
                "comparability with ISIC Rev.3 30-33 (WIOD 2013 c14)",
            },
            codes=_WIOD2016_CODES,
            source=_OECD_2007 + "; WIOD 2016 industry list (Timmer et al. 2016)",
        ),
        ICTDefinition(
            name="OECD ICIO 2016",
            system="ISIC Rev.3 (OECD Inter-Country Input-Output tables, 2016 edition, 34 industries)",
            groups={MANUFACTURING: ("C30T33XCEQ",), SERVICES: ("C64PTL", "C72CMP")},
            broader={
                "C30T33XCEQ": "C30T33XCEQ Computer, electronic and optical equipment "
                "(ISIC 30, 32, 33) also holds medical and precision instruments and "
                "watches outside the ICT sector",
                "C64PTL": "C64PTL Post and telecommunications (ISIC 64): only 642 "
                "(telecommunications) is ICT",
            },
            source=_OECD_2002 + "; OECD ICIO 2016 industry list",
        ),
        ICTDefinition(
            name="OECD ICIO 2018",
            system="ISIC Rev.4 (OECD Inter-Country Input-Output tables, 2018 edition, 36 industries)",
            groups={MANUFACTURING: ("26",), SERVICES: ("58T60", "61", "62T63")},
            broader={
                "58T60": "58T60 Publishing, audiovisual and broadcasting: only 582 "
                "(software publishing) is ICT",
            },
            source=_OECD_2007 + "; OECD ICIO 2018 industry list",
        ),
        ICTDefinition(
            name="OECD ICIO",
            system="ISIC Rev.4 (OECD Inter-Country Input-Output tables, 2021 edition, 45 industries)",
            groups={MANUFACTURING: ("D26",), SERVICES: ("D58T60", "D61", "D62T63")},
            broader={
                "D58T60": "D58T60 Publishing, audiovisual and broadcasting: only 582 "
                "(software publishing) is ICT",
            },
            source=_OECD_2007 + "; OECD ICIO 2021 industry list",
        ),
        ICTDefinition(
            name="OECD ICIO 2023",
            system="ISIC Rev.4 (OECD Inter-Country Input-Output tables, 2023 edition, 45 industries)",
            groups={MANUFACTURING: ("C26",), SERVICES: ("J58T60", "J61", "J62_63")},
            broader={
                "J58T60": "J58T60 Publishing, audiovisual and broadcasting: only 582 "
                "(software publishing) is ICT",
            },
            codes=tuple(_industries("icio2023").iloc[:, 0]),
            source=_OECD_2007 + "; OECD ICIO 2023 industry list",
        ),
        ICTDefinition(
            name="WIOD long-run",
            system="ISIC Rev.3 (long-run WIOD, 23 industries)",
            groups={MANUFACTURING: ("D30t33",), SERVICES: ("I64", "K")},
            broader={
                "D30t33": "D30t33 Electrical and optical equipment (ISIC 30-33) also "
                "holds electrical machinery and instruments outside the ICT sector",
                "I64": "I64 Post and telecommunications (ISIC 64): only 642 "
                "(telecommunications) is ICT",
                "K": "K Real estate, renting and business activities (ISIC 70-74): only "
                "72 (computer and related activities) is ICT",
            },
            codes=_LONGRUN_CODES,
            source=_OECD_2002 + "; Woltjer, Gouma & Timmer (2021), GGDC Research Memorandum 190",
        ),
    )
}

#: Groups defined by users: {(name, classification or None): codes}.
USER_GROUPS: dict[tuple[str, str | None], tuple[str, ...]] = {}


def register_group(name: str, sectors: Sequence[str], classification: str | None = None) -> None:
    """Define (or redefine) a group of industries for :func:`ict_slice`.

    Parameters
    ----------
    name : str
        Group name; may be a built-in one (``"ICT services"``) to replace it for
        ``classification``.
    sectors : sequence of str
        Industry codes, as the tables spell them.
    classification : str, optional
        One of ``DEFINITIONS`` (``"WIOD 2013"``, ...): the group applies to
        tables of that classification only, and its codes are checked against
        the classification's industry list when that list is fixed. None: the
        group applies to any table holding these codes (checked when slicing).

    Notes
    -----
    A group registered for the classification of a table takes precedence over
    one registered for None, which takes precedence over the built-in groups.
    Raises :class:`~gvcdecomp.errors.UnknownLabelError` for an unknown
    classification or an industry the classification lacks.
    """
    if not isinstance(name, str) or not name:
        raise OptionError(f"a group name must be a non-empty string, got {name!r}")
    if (
        isinstance(sectors, str)
        or not isinstance(sectors, Sequence | np.ndarray)
        or not len(sectors)
    ):
        raise OptionError(
            f"group {name!r}: sectors must be a non-empty list of codes, got {sectors!r}"
        )
    sectors = tuple(str(s) for s in sectors)
    if classification is not None:
        d = _definition(classification)
        missing = [s for s in sectors if d.codes is not None and s not in d.codes]
        if missing:
            raise UnknownLabelError(
                f"group {name!r}: {d.name} has no industry {', '.join(map(repr, missing))}; "
                f"its industries are {', '.join(d.codes)}"
            )
    USER_GROUPS[(name, classification)] = sectors


def recognise(sectors: Sequence[str]) -> ICTDefinition | None:
    """The classification whose ICT codes best match ``sectors`` (None if none does)."""
    have = set(map(str, sectors))
    best = max(DEFINITIONS.values(), key=lambda d: len(d.signature & have))
    return best if best.signature & have else None


def group_sectors(sectors: Sequence[str], group: str = MANUFACTURING, optional: bool = False):
    """Resolve a group to industry codes present in ``sectors``.

    Returns ``(definition or None, codes)``. Raises
    :class:`~gvcdecomp.errors.UnknownLabelError` when the group is unknown, the
    classification is not recognised, or a code of the group is not in
    ``sectors``.
    """
    if not isinstance(group, str):  # a list of codes would fail as a dict key
        raise OptionError(
            f"group must be a group's name, got {group!r}; "
            "name a list of industries with register_group(name, sectors)"
        )
    sectors = [str(s) for s in sectors]
    d = recognise(sectors)
    cls = None if d is None else d.name
    if (group, cls) in USER_GROUPS:
        codes = USER_GROUPS[(group, cls)]
    elif (group, None) in USER_GROUPS:
        codes = USER_GROUPS[(group, None)]
    elif group in (MANUFACTURING, SERVICES, ICT):
        if d is None:
            raise UnknownLabelError(
                f"the sectors ({_short(sectors)}) match no known ICT classification ("
                + "; ".join(
                    f"{x.name}: {', '.join(sorted(x.signature))}" for x in DEFINITIONS.values()
                )
                + "); define the group with register_group(name, sectors)"
            )
        codes = d.sectors(group, optional)
    else:
        known = [MANUFACTURING, SERVICES, ICT] + sorted(
            {n for n, _ in USER_GROUPS} - {MANUFACTURING, SERVICES, ICT}
        )
        raise UnknownLabelError(f"unknown group {group!r}; groups: {', '.join(known)}")
    missing = [s for s in codes if s not in sectors]
    if missing:
        where = f" ({cls})" if cls else ""
        raise UnknownLabelError(
            f"group {group!r}{where}: industry {', '.join(map(repr, missing))} is not among "
            f"the sectors: {_short(sectors)}"
        )
    return d, tuple(codes)


def ict_slice(
    obj,
    group: str = MANUFACTURING,
    countries=None,
    years=None,
    *,
    sum_members=None,
    optional: bool = False,
) -> xr.Dataset:
    r"""The ICT slice of a table or of a result: flows summed, ratios recomputed.

    Every variable with a ``sector`` dimension is treated as the glossary
    (:mod:`gvcdecomp.vocabulary`) declares it: a *flow* is summed over the
    group's industries; a *ratio* (``EXGR_DVASH``, ``kpww_participation``,
    ``PLv``, ...) is recomputed as the summed numerator over the summed
    denominator; anything else (an index such as ``kpww_position`` or
    ``RCA_VA``, a variable not in the glossary, a ratio whose numerator or
    denominator is not in ``obj``) is dropped and named in the ``dropped``
    attribute with the reason. So are the Borin–Mancini terms counted once per
    perimeter when the perspective (``"sector"``, ``"sectoral-bilateral"``)
    makes each industry its own perimeter: the sum of the industries' ``dva``
    is not the group's (only ``gexp``, ``dc`` and ``fc`` are kept; decompose
    with ``perspective="exporter"`` for all terms). No ratio is ever summed. Variables without a
    ``sector`` dimension are dropped too, and named there.

    Parameters
    ----------
    obj : IOTable, Panel or xarray.Dataset
        A table or Panel of tables, or a result (of :func:`~gvcdecomp.decompose`,
        :func:`~gvcdecomp.indicators.tiva` with ``by="sector"``,
        :func:`~gvcdecomp.gvc.kpww_participation` with ``by="sector"``, ...;
        one year, or with a ``year`` dimension).
    group : str
        ``"ICT manufacturing"`` (default), ``"ICT services"``, ``"ICT"`` or a
        group defined with :func:`register_group`. The classification is
        recognised from the sector codes (see the module docstring).
    countries : str or list of str, optional
        Exporters (``country`` for a table) to keep. Default: all.
    sum_members : mapping {name: list of codes or a built-in group name}, or a name, optional
        Adds up the results of each group's members into one row (``"EU27"``
        or ``{"EU": "EU27_2020"}`` resolved with :func:`gvcdecomp.groups.resolve`
        against the result's codes and year; a result that kept ICIO's split
        parts, ``groups=None``, has MX1, MX2 counted with MEX). This is *the sum of the
        members*: their exports to each other stay counted as exports, so it
        is not the group as one economy. For that, decompose with
        ``groups="EU27"`` (trade among members domestic) and slice the result:
        for the EU27's ICT manufacturing in 2011 the members' sum gives a
        DVA share absorbed abroad of 61.4 %, the group as one exporter 76.8 %.
        The result's ``aggregation`` attribute says which was done.
    years : int or list of int, optional
        Years to keep; an int drops the ``year`` dimension. Default: all.
    optional : bool
        Add the classification's optional industries (WIOD 2016: C27).

    Returns
    -------
    xarray.Dataset
        For a Wang–Wei–Zhu result, dimensions ([year,] exporter, importer): the
        16 terms, ``gexp`` and ``gap`` of the group's exports, and

        - ``DVA`` = terms 1–5, the group's value added absorbed abroad, by importer;
        - ``DVA_absorbed_abroad_share`` = Σ_r DVA / Σ_r gexp (the 2014 ICT
          study's "DVA share"), by exporter;
        - ``DVA_group_share`` = the group's Σ_r DVA / the exporter's Σ_r DVA over
          all sectors (dropped, and named, for a result of
          ``decompose(..., sector=...)``, which lacks the other sectors);
        - ``DVA_importer_share`` = DVA / Σ_r DVA, where that value added is
          absorbed.

        A Leontief ``post="exports"`` (or by-partner Borin–Mancini) result gets
        ``EXGR_DVASH`` = Σ_r dc / Σ_r gexp (domestic content, Hummels–Ishii–Yi),
        by exporter; a :func:`~gvcdecomp.wwz_summary` result keeps its
        ``DVA_absorbed_abroad_share`` by importer, recomputed, and gets the
        group and importer shares of its ``DVA`` (terms 1–5). For an :class:`IOTable`
        (its ``default_groups`` merged first, as :func:`~gvcdecomp.decompose` does: ICIO's
        CN1, MX1, ... count in CHN, MEX, their sales to each other not as exports; load
        with ``split="keep"`` for the parts), dimensions ([year,] country[,
        destination]): ``output``, ``value_added``, ``exports``, ``final_use``
        and ``intermediate_use`` (sales by using country) of the group, and
        ``output_share``, ``value_added_share``, ``exports_share`` of the
        country's totals. Flows in the units of the data (WIOD: millions of US
        dollars), shares as fractions (0 where the denominator is 0).
        Attributes name the group, its industries, the classification, its
        source, the caveats on broader industries, ``recomputed`` (ratios
        recomputed) and ``dropped``.

    Raises :class:`~gvcdecomp.errors.UnknownLabelError` for an unknown group,
    industry, country or year; :class:`~gvcdecomp.errors.OptionError` for a
    mapping given as ``countries`` (use ``sum_members`` or ``groups=``).
    :func:`to_frame` makes a tidy DataFrame of it.
    """
    from .aggregate import aggregate
    from .table import IOTable, defer_warnings

    kw = dict(group=group, countries=countries, sum_members=sum_members, optional=optional)
    if is_years(obj):
        wanted = list(obj) if years is None else [years] if np.ndim(years) == 0 else list(years)
        bad = [y for y in wanted if y not in list(obj)]  # `in` would load the year
        if bad:
            raise UnknownLabelError(f"year {', '.join(map(str, bad))} is not in the panel")
        if np.ndim(years) == 0 and years is not None:
            return ict_slice(obj[years], **kw)
        return concat_years([ict_slice(obj[y], **kw) for y in wanted], wanted)
    if isinstance(countries, Mapping):
        raise OptionError(
            "ict_slice: countries= takes codes; to add up members' results pass "
            "sum_members={name: [codes]} (trade among members counted as exports), or "
            "decompose with groups={name: [codes]} for the group as one exporter"
        )
    if isinstance(obj, IOTable):
        if obj.default_groups:  # ICIO's CN1, MX1, ...: parts of CHN, MEX, as decompose reports
            with defer_warnings():  # its findings were warned when the table was loaded
                obj = aggregate(obj, obj.default_groups)  # flows add up: exact
        ds, shares = _table_dataset(obj), _TABLE_SHARES
    elif isinstance(obj, xr.Dataset):
        ds, shares = obj, None
    else:
        raise TypeError(
            f"ict_slice expects an IOTable, a Panel or an xarray.Dataset, got {type(obj).__name__}"
        )
    if "sector" not in ds.dims:
        world = ds.attrs.get("method") == "bm" and ds.attrs.get("option_perspective") == "world"
        raise OptionError(
            "ict_slice: the result has no 'sector' dimension to slice ("
            + (
                "bm's world perspective reports by exporter only; slice perspective="
                '"exporter", level="sector")'
                if world
                else "decompose by sector first)"
            )
        )
    d, codes = group_sectors(ds["sector"].values, group, optional)
    ds = _select_years(ds, years)
    if sum_members is not None and "year" in ds.dims:  # memberships may change by year
        ys = [int(y) for y in ds["year"].values]
        return concat_years([ict_slice(ds.sel(year=y), **kw) for y in ys], ys)
    ratios, dropped, flows = _classify(ds)
    if not flows:  # ds[[]] has no dimensions left: say why rather than fail on a KeyError
        raise OptionError(
            "ict_slice: no variable of the result can be sliced: "
            + "; ".join(f"{k} ({why})" for k, why in dropped.items())
        )
    ds = ds[flows]
    cdim = "exporter" if "exporter" in ds.dims else "country"
    ds, aggregation = _select_countries(ds, cdim, countries, sum_members)
    out = ds.sel(sector=list(codes)).sum("sector", keep_attrs=True)
    for name, (num, den) in ratios.items():
        out[name] = _share(sum(out[v] for v in num), sum(out[v] for v in den))
    if shares is not None:
        total = ds.sum("sector")
        for v, name in shares.items():
            out[name] = _share(
                out[v].sum([k for k in out[v].dims if k not in ("year", cdim)]),
                total[v].sum([k for k in total[v].dims if k not in ("year", cdim)]),
            )
    elif "importer" in out.dims and (
        set(WWZ_TERMS) <= set(out.data_vars) or {"DVA", "gexp"} <= set(out.data_vars)
    ):
        _add_dva_shares(out, ds, dropped)
    elif "importer" in out.dims and {"dc", "gexp"} <= set(out.data_vars):  # Leontief, BM
        out["EXGR_DVASH"] = _share(out["dc"].sum("importer"), out["gexp"].sum("importer"))
    out.attrs = (
        dict(obj.attrs)
        if isinstance(obj, xr.Dataset)
        else {"source": obj.source, "units": obj.units}
    )
    out.attrs.update(_provenance(d, group, codes))
    if ratios:
        out.attrs["recomputed"] = ", ".join(ratios) + ": Σ numerator / Σ denominator"
    if dropped:
        out.attrs["dropped"] = "; ".join(f"{k} ({why})" for k, why in dropped.items())
    if aggregation:
        out.attrs["aggregation"] = aggregation
    return describe(out)


def _classify(ds: xr.Dataset):
    """Split the variables with a sector dimension into ratios to recompute
    ({name: (numerators, denominators)}), dropped ({name: reason}) and flows."""
    method = ds.attrs.get("method")
    ratios, dropped, flows = {}, {}, []
    # terms of a perspective whose perimeters split sectors (Borin–Mancini "sector")
    split = {n: why for n in ds.data_vars if (why := not_additive_over(str(n), ds.attrs, "sector"))}
    for name in ds.data_vars:
        if "sector" not in ds[name].dims:
            dropped[name] = "no sector dimension to slice"
            continue
        var = lookup(str(name), method)
        if var is None:
            dropped[name] = "not in the glossary, so not known to add up"
        elif var.ratio is not None:
            parts = [p for side in var.ratio for p in side]
            absent = [p for p in parts if p not in ds or "sector" not in ds[p].dims]
            if absent:
                dropped[name] = f"a ratio whose {', '.join(absent)} is not in the input"
            elif split.keys() & set(parts):
                terms = ", ".join(sorted(split.keys() & set(parts)))
                dropped[name] = f"a ratio of {terms}, which do not add up over sectors"
            else:
                ratios[name] = var.ratio
        elif not var.additive:
            dropped[name] = f"{var.units}, not additive: {var.formula}"
        elif name in split:
            dropped[name] = split[name]
        else:
            flows.append(name)
    needed = {p for r in ratios.values() for side in r for p in side}
    return ratios, dropped, flows + sorted(needed - set(flows))


def to_frame(ds: xr.Dataset) -> pd.DataFrame:
    """A tidy (long) DataFrame of a Dataset: one row per variable and coordinate.

    Columns: the dimensions of ``ds`` (and a scalar ``year``), ``variable`` and
    ``value``. A variable without some dimension (e.g. ``DVA_share`` has no
    importer) has that column empty (NaN). ``ds.to_dataframe()`` would instead
    repeat such variables along the missing dimension.
    """
    scalars = {k: ds[k].item() for k in ds.coords if ds[k].ndim == 0}
    parts = []
    for v in ds.data_vars:
        da = ds[v].reset_coords(drop=True)
        frame = (
            da.to_series().rename("value").reset_index()
            if da.ndim
            else pd.DataFrame({"value": [da.item()]})
        )
        parts.append(frame.assign(variable=v, **scalars))
    cols = [*scalars, *ds.dims, "variable", "value"]
    return pd.concat(parts, ignore_index=True).reindex(columns=cols)


# -- helpers ---------------------------------------------------------------------
_TABLE_SHARES = {
    "output": "output_share",
    "value_added": "value_added_share",
    "exports": "exports_share",
}


def _table_dataset(t) -> xr.Dataset:
    G, N = t.G, t.N
    dims2, dims3 = ("country", "sector"), ("country", "sector", "destination")
    ds = xr.Dataset(
        {
            "output": (dims2, t.x.reshape(G, N)),
            "value_added": (dims2, t.value_added.reshape(G, N)),
            "exports": (dims3, t.exports.reshape(G, N, G)),
            "final_use": (dims3, t.Yc.reshape(G, N, G)),
            "intermediate_use": (dims3, t.Zc.reshape(G, N, G)),
        },
        coords={
            "country": list(t.countries),
            "sector": list(t.sectors),
            "destination": list(t.countries),
        },
    )
    return ds if t.year is None else ds.assign_coords(year=t.year)


def _add_dva_shares(out: xr.Dataset, ds: xr.Dataset, dropped: dict) -> None:
    # Sum each term over importers before adding terms, as wwz.summarize and
    # cli.dva_shares do, so that the shares agree to the last bit.
    terms = WWZ_GROUPS["DVA"] if set(WWZ_TERMS) <= set(out.data_vars) else ("DVA",)
    if terms != ("DVA",):
        out["DVA"] = sum(out[t] for t in terms)
    dva = sum(out[t].sum("importer") for t in terms)
    total = sum(ds[t].sum(["sector", "importer"]) for t in terms)
    # DVA is WWZ's terms 1-5 (a Leontief result's domestic content is dc, not DVA)
    share = "DVA_absorbed_abroad_share"
    if share not in out:  # a summary's own share, recomputed by importer, is kept
        out[share] = _share(dva, out["gexp"].sum("importer"))
    if "option_sector" in ds.attrs:  # decompose(sector=...): the other sectors are not there
        dropped["DVA_group_share"] = "the result holds only the sectors of its sector= filter"
    else:
        out["DVA_group_share"] = _share(dva, total)
    out["DVA_importer_share"] = _share(out["DVA"], dva)


def _share(num, den):
    return xr.where(den != 0, num / den.where(den != 0), 0.0)


def _select_years(ds, years):
    if years is None:
        return ds
    have = [int(y) for y in np.atleast_1d(ds["year"].values)] if "year" in ds.coords else []
    wanted = [years] if np.ndim(years) == 0 else list(years)
    bad = [y for y in wanted if y not in have]
    if bad:
        raise UnknownLabelError(
            f"year {', '.join(map(str, bad))} is not in the result; its years: "
            + (", ".join(map(str, have)) if have else "none (no year coordinate)")
        )
    if "year" not in ds.dims:
        return ds
    return ds.sel(year=years if np.ndim(years) == 0 else wanted)


def _select_countries(ds, dim, countries, sum_members):
    """Keep ``countries``, then add up each ``sum_members`` group into one row.

    Returns the Dataset and a note on the aggregation ('' when none).
    """
    have = [str(c) for c in ds[dim].values]
    if countries is not None:
        if not isinstance(countries, str | list | tuple | np.ndarray | pd.Index):
            raise OptionError(f"countries must be a code or a list of codes, got {countries!r}")
        wanted = [countries] if isinstance(countries, str) else list(countries)
        _check_countries(wanted, have)
        ds = ds.sel({dim: wanted})
    if sum_members is None:
        return ds, ""
    from .sources.icio import split_groups

    year = int(ds["year"]) if "year" in ds.coords and ds["year"].ndim == 0 else None
    # a result that kept ICIO's split parts (groups=None): MEX in a group brings MX1, MX2
    parts = SimpleNamespace(countries=have, year=year, default_groups=split_groups(have))
    groups = resolve(sum_members, parts, defaults=False)
    for m in groups.values():
        _check_countries(list(m), [str(c) for c in ds[dim].values])
    parts = [
        ds.sel({dim: list(m)}).sum(dim).expand_dims({dim: [name]}) for name, m in groups.items()
    ]
    note = "; ".join(
        f"{name}: the sum of its members' results ({', '.join(m)}), their exports to each "
        "other counted as exports; for the group as one exporter decompose with groups="
        for name, m in groups.items()
    )
    return xr.concat(parts, dim=dim).transpose(*ds.dims), note


def _check_countries(wanted, have):
    bad = [c for c in wanted if c not in have]
    if bad:
        raise UnknownLabelError(
            f"unknown country {', '.join(map(repr, bad))}; the result has {', '.join(have)}"
        )


def _provenance(d, group, codes) -> dict:
    attrs = {"group": group, "group_sectors": ", ".join(codes)}
    if d is not None:
        attrs["classification"] = f"{d.name}: {d.system}"
        attrs["ict_definition"] = d.source
        notes = [d.broader[c] for c in codes if c in d.broader]
        if notes:
            attrs["caveat"] = "; ".join(notes)
    return attrs


def _definition(name) -> ICTDefinition:
    try:
        return DEFINITIONS[name]
    except (KeyError, TypeError):
        raise UnknownLabelError(
            f"unknown classification {name!r}; known: {', '.join(DEFINITIONS)}"
        ) from None


def _short(labels, k=8) -> str:
    return ", ".join(labels[:k]) + (f", ... ({len(labels)} in all)" if len(labels) > k else "")
