r"""Who earns what in the world's final products: GVC income and product-chain FVA.

With ``B = (I - A)⁻¹``, ``v`` value added per unit of output and ``y`` final
output by producing country-industry (``y_i = Σ_r Σ_k Y_i^{rk}``), column k of
``V̂ B`` holds the value added that each country-industry contributes to one
unit of the final product of k; it sums to 1 (``v B = u``). Timmer et al.
(2014) sum it over the world's final manufactures (*GVC income*); Los, Timmer
and de Vries (2015) read each product chain's foreign part and split it by
where it comes from, inside or outside the producer's region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .core import normalize_groups, partition
from .errors import OptionError, UnknownLabelError
from .groups import resolve
from .ict import recognise
from .methods._result import result_dataset
from .vocabulary import LTV, TIMMER, describe
from .years import over_years

#: Manufacturing industries of each classification (ISIC Rev.3 15-37, Rev.4 10-33).
MANUFACTURING = {
    "WIOD 2013": tuple(f"c{i}" for i in range(3, 17)),
    "WIOD long-run": ("D15t16", "D17t19", "D21t22", "D23", "D24", "D25", "D26", "D27t28",
                      "D29", "D30t33", "D34t35", "Dnec"),
    "WIOD 2016": ("C10-C12", "C13-C15", "C16", "C17", "C18", "C19", "C20", "C21", "C22",
                  "C23", "C24", "C25", "C26", "C27", "C28", "C29", "C30", "C31_C32", "C33"),
    "OECD ICIO 2023": ("C10T12", "C13T15", "C16", "C17_18", "C19", "C20", "C21", "C22", "C23",
                       "C24", "C25", "C26", "C27", "C28", "C29", "C30", "C31T33"),
}  # fmt: skip


def product_sectors(table, sectors) -> list[int]:
    """Indices of the product industries: a list of codes, or ``"manufacturing"``."""
    if isinstance(sectors, str) and sectors == "manufacturing":
        d = recognise(table.sectors)
        if d is None or d.name not in MANUFACTURING:
            raise UnknownLabelError(
                f"no built-in manufacturing list for these sectors ({', '.join(table.sectors[:5])}"
                f", ...); known for {', '.join(MANUFACTURING)}: pass the codes as sectors=[...]"
            )
        sectors = MANUFACTURING[d.name]
    listed = isinstance(sectors, Sequence | np.ndarray) and not isinstance(sectors, str)
    if not listed or not len(sectors):
        raise OptionError(f'sectors must be "manufacturing" or a list of codes, got {sectors!r}')
    return [table.sector_index(s) for s in sectors]


#: ``groups=`` default of the functions here: the table's ``default_groups``, as in decompose.
TABLE_GROUPS = "default"


def _merged(groups, table):
    """``{name: [codes]}`` to merge (or None): the table's default groups for ``"default"``."""
    if isinstance(groups, str) and groups == TABLE_GROUPS:
        return dict(table.default_groups) or None
    return resolve(groups, table)


@over_years
def gvc_income(table, sectors="manufacturing", groups=TABLE_GROUPS):
    r"""GVC income: each country's value added in the world's final products of ``sectors``.

    ``gvc_income_{t,i} = v_i (B y_M)_i`` for industry i of country t, with
    ``y_M`` the final output of the product industries in every country (zero
    elsewhere): the income a country-industry earns, directly or by supplying
    inputs, from the world's final manufactures (Timmer, Erumban, Los, Stehrer
    & de Vries 2014, JEP 28(2): 99-118, section "GVC income"). Summed over all
    country-industries it is the world's final output of those products,
    ``u y_M`` (``v B = u``).

    Parameters
    ----------
    table : IOTable or Panel
    sectors : "manufacturing" or list of str
        The product industries (built-in manufacturing lists for WIOD 2013,
        WIOD 2016, the long-run WIOD and ICIO 2023).
    groups : "default", None, str, list of str or dict
        Regions reported as one country (their members' income added up), as
        in :func:`gvcdecomp.groups.resolve`. ``"default"``: the table's
        ``default_groups`` (ICIO's CHN = CHN + CN1 + CN2), as ``decompose``
        does; None keeps every country of the table.

    Returns
    -------
    xarray.Dataset
        ``gvc_income`` (country, sector) in units of the table;
        ``gvc_income_share`` (country), the share of world GVC income;
        ``world_final_output`` (scalar), units of the table.
    """
    cols = product_sectors(table, sectors)
    groups = _merged(groups, table)
    c = table.core
    R = c.regions(groups)
    yM = np.where(np.isin(np.arange(c.n) % c.N, cols), table.Yc.sum(axis=1), 0.0)
    income = R.by_region_sector(c.v * c.solve(yM))
    world = yM.sum()
    share = income.sum(axis=1) / world if world else np.zeros(R.G)
    ds = result_dataset(
        table,
        {"gvc_income": (("country", "sector"), income), "gvc_income_share": ("country", share),
         "world_final_output": ((), world)},
        None, {"country": list(R.names), "sector": list(table.sectors)}, "gvc_income", TIMMER,
        sectors=",".join(table.sectors[i] for i in cols), groups=groups,
    )  # fmt: skip
    return describe(ds)


@over_years
def chain_fva(table, regions=None, exclude=(), groups=TABLE_GROUPS):
    r"""Foreign value added in each product chain, within and outside the producer's region.

    A chain is the final output ``y_k`` of country-industry k = (s, j). Its value
    splits by the country t where value added is created, ``Σ_{i∈t} v_i B_{ik}
    y_k``: the completing country s itself (``chain_domestic_va``), other
    countries of s's region (``chain_fva_within``) and countries outside it
    (``chain_fva_outside``); ``chain_fva`` is their foreign sum and the shares
    divide by ``chain_final_output`` (Los, Timmer & de Vries 2015, J. Regional
    Science 55(1): 66-92, eq. (1)-(3): foreign value-added shares of final
    products, split into regional and global parts). ``chain_domestic_va +
    chain_fva = chain_final_output``.

    Parameters
    ----------
    table : IOTable or Panel
    regions : str, list of str or dict, optional
        The regions, as built-in group names (``["EU27", "NAFTA", "ASEAN"]``)
        or ``{name: [codes]}`` (see :func:`gvcdecomp.groups.resolve`; codes
        may be names of ``groups``). A country in no region is its own region
        (all its FVA is outside); a country in two regions, or a group of
        ``groups`` split between regions, is an
        :class:`~gvcdecomp.errors.OptionError`.
    exclude : str or sequence of str
        Countries (or groups) whose final products are left out (their chains
        get NaN), e.g. ``["RoW"]``: Los et al. do not treat the rest of the
        world as a producer of final goods. Their value added still counts.
    groups : "default", None, str, list of str or dict
        Countries merged into one: a group's chains are its members' chains
        added up, and value added from any member is domestic to them.
        ``"default"``: the table's ``default_groups`` (ICIO's CHN = CHN + CN1
        + CN2, so China's processing part is not foreign to China), as
        ``decompose`` does; None keeps every country of the table.

    Returns
    -------
    xarray.Dataset
        Dimensions (country, sector) of the chain's completing country (or
        group) and product industry: ``chain_final_output``,
        ``chain_domestic_va``, ``chain_fva_within``, ``chain_fva_outside``,
        ``chain_fva`` (units of the table) and ``chain_fva_share``,
        ``chain_fva_within_share``, ``chain_fva_outside_share`` (fractions, NaN
        where there is no final output). Sum over sectors and recompute the
        shares (or use :func:`~gvcdecomp.ict.ict_slice`) for a group of products.
    """
    countries = list(table.countries)
    merged = normalize_groups(_merged(groups, table), countries)
    c = table.core
    R = c.regions(merged)  # R.vb[g, k] = Σ_{i∈g} v_i B_ik over the (merged) countries g
    names = list(R.names)
    unit = dict(zip(countries, R.owner[:: c.N]))  # table country -> its merged country
    unit.update((g, i) for i, g in enumerate(names))
    regions = _regions_of(resolve(regions, table, defaults=False), unit, names)
    region, _ = partition(names, regions)
    exclude = [exclude] if isinstance(exclude, str) else exclude if exclude is not None else []
    if not isinstance(exclude, Sequence | np.ndarray):
        raise OptionError(f"exclude must be a country code or a list of them, got {exclude!r}")
    gone = [_unit_index(e, names, countries) for e in exclude]
    owner = R.owner
    y = table.Yc.sum(axis=1)
    same = owner[None, :] == np.arange(R.G)[:, None]
    same_region = region[:, None] == region[owner][None, :]
    dom = (R.vb * same).sum(axis=0) * y
    within = (R.vb * (same_region & ~same)).sum(axis=0) * y
    outside = (R.vb * ~same_region).sum(axis=0) * y
    flows = {"chain_final_output": y, "chain_domestic_va": dom, "chain_fva_within": within,
             "chain_fva_outside": outside, "chain_fva": within + outside}  # fmt: skip
    out = {k: R.by_region_sector(a) for k, a in flows.items()}  # a group adds its members' chains
    for k in ("fva", "fva_within", "fva_outside"):
        out[f"chain_{k}_share"] = np.divide(
            out[f"chain_{k}"], out["chain_final_output"],
            out=np.full((R.G, c.N), np.nan), where=out["chain_final_output"] != 0,
        )  # fmt: skip
    for a in out.values():
        a[gone] = np.nan
    ds = result_dataset(
        table, out, ("country", "sector"), {"country": names, "sector": list(table.sectors)},
        "chain_fva", LTV, regions={k: list(v) for k, v in regions.items()},
        exclude=list(exclude), groups=merged or None,
    )  # fmt: skip
    return describe(ds)


def _regions_of(regions, unit, names) -> dict:
    """Regions as lists of merged countries; a merged country split between regions is refused."""
    if regions is None:
        return {}
    if not isinstance(regions, Mapping):
        raise OptionError(
            f"regions must be group names or a dict {{name: [countries]}}, got {regions!r}"
        )
    out = {}
    for name, codes in regions.items():
        if isinstance(codes, str | bytes | Mapping) or not isinstance(codes, Iterable):
            raise OptionError(f"region {name!r}: give a list of country codes, not {codes!r}")
        out[name] = []
        for code in map(str, codes):
            if code not in unit:
                raise UnknownLabelError(f"region {name!r}: unknown country {code!r}")
            g = names[unit[code]]
            if g not in out[name]:
                out[name].append(g)
    return normalize_groups(out, names)  # a merged country in two regions: OptionError


def _unit_index(code, names, countries) -> int:
    """Index of an excluded country (or group) among the merged countries ``names``."""
    if code in names:
        return names.index(code)
    if code in countries:
        raise OptionError(f"exclude: {code!r} is merged into a group by groups=; name the group")
    raise UnknownLabelError(f"exclude: unknown country {code!r}; known: {', '.join(names)}")
