"""Value-added trade indicators built on the Leontief model and the decompositions.

Notation (country-major blocks, as in the methods): ``V^s`` value-added
coefficients of country s, ``B`` the global Leontief inverse, ``L^{ss}`` the
domestic inverse, ``Y^{sr}`` final goods made in s for use in r, ``E^{s*}`` the
gross exports of s (intermediate and final, to all r ≠ s), ``#`` the
element-wise product. Flows are in the units of the table (WIOD: millions of
US dollars); shares and ratios are fractions (OECD publishes percentages).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .errors import OptionError
from .groups import resolve
from .methods._result import result_dataset
from .methods.kww import TERMS as KWW_TERMS
from .methods.wwz import GROUPS as WWZ_GROUPS
from .methods.wwz import TERMS as WWZ_TERMS
from .methods.wwz import pair_products
from .vocabulary import describe
from .years import over_years

TIVA_REFERENCE = (
    "OECD (2019), Guide to OECD's Trade in Value Added (TiVA) indicators, 2018 edition; "
    "Koopman, Wang & Wei (2014), AER 104(2): 459-494; Wang, Wei & Zhu (2013), NBER WP "
    "19677; Johnson & Noguera (2012), J. Int. Econ. 86: 224-236; Hummels, Ishii & Yi "
    "(2001), J. Int. Econ. 54: 75-96; Daudin, Rifflart & Schweisguth (2011), Can. J. "
    "Econ. 44(4): 1403-1437"
)


# -- shares of a decomposition result -------------------------------------------
def domestic_content_share(ds: xr.Dataset) -> xr.DataArray:
    r"""Domestic-content share of gross exports, OECD TiVA ``EXGR_DVASH``.

    ``EXGR_DVASH = DC / gexp`` with DC the domestic value-added content of the
    exports in ``ds`` in the Hummels–Ishii–Yi sense, ``(V^s B^{ss})ᵀ # E^{sr}``
    (TiVA ``EXGR_DVA``, Stata icio ``DC``): value added absorbed abroad, value
    added that returns home and domestic double counting. Read from whichever
    decomposition ``ds`` holds:

    - a :func:`~gvcdecomp.methods.wwz.wwz` result: terms 1–8, 13–14 (groups
      DVA + RDV + DDC, Wang–Wei–Zhu 2013, Figure 1), or its
      :func:`~gvcdecomp.methods.wwz.summarize` groups;
    - a :func:`~gvcdecomp.methods.kww.kww` result: terms 1–6 (Koopman–Wang–Wei
      2014, eq. (36));
    - a :func:`~gvcdecomp.methods.leontief.leontief` result with
      ``post="exports"``, or a Borin–Mancini one: its ``dc`` and ``fc``.

    These agree wherever they overlap. Not to be confused with
    ``DVA_absorbed_abroad_share`` of ``wwz_summary`` (WWZ terms 1–5 only) or
    :func:`vax_ratio`. Sum ``ds`` over dimensions first (e.g.
    ``ds.sum(["sector", "importer"])``) to get the share of that aggregate.

    Returns
    -------
    xarray.DataArray
        ``EXGR_DVASH``, a fraction with the dimensions of ``ds``; 0 where
        ``gexp`` is 0.
    """
    dom, _, gexp = _content(ds)
    return _described(_share(dom, gexp), "EXGR_DVASH")


def foreign_content_share(ds: xr.Dataset) -> xr.DataArray:
    r"""Foreign-content share of gross exports, OECD TiVA ``EXGR_FVASH``.

    ``EXGR_FVASH = FC / gexp`` with FC ``(Σ_{t≠s} V^t B^{ts})ᵀ # E^{sr}``, the
    Hummels–Ishii–Yi vertical specialisation (OECD ``EXGR_FVA``, icio ``FC``):
    WWZ terms 9–12 and 15–16 (FVA + FDC), KWW terms 7–9, or the Leontief
    (or Borin–Mancini) result's ``fc``. ``domestic_content_share(ds) + foreign_content_share(ds)
    = 1`` wherever gexp ≠ 0. See :func:`domestic_content_share` for the inputs.

    Returns
    -------
    xarray.DataArray
        ``EXGR_FVASH``, a fraction with the dimensions of ``ds``; 0 where
        ``gexp`` is 0.
    """
    _, foreign, gexp = _content(ds)
    return _described(_share(foreign, gexp), "EXGR_FVASH")


def _described(da: xr.DataArray, name: str) -> xr.DataArray:
    da = da.rename(name)
    return describe(da.to_dataset())[name]


def _content(ds: xr.Dataset):
    """Domestic content, foreign content and gross exports of a result."""
    names = set(ds.data_vars)
    if "gexp" not in names:
        raise OptionError("the result has no 'gexp' (gross exports) variable")
    if set(WWZ_TERMS) <= names:
        groups = {g: sum(ds[k] for k in ks) for g, ks in WWZ_GROUPS.items()}
    elif set(KWW_TERMS) <= names:
        return sum(ds[k] for k in KWW_TERMS[:6]), sum(ds[k] for k in KWW_TERMS[6:]), ds["gexp"]
    elif set(WWZ_GROUPS) <= names:
        groups = {g: ds[g] for g in WWZ_GROUPS}
    elif {"dc", "fc"} <= names:  # leontief(post="exports") or Borin–Mancini
        return ds["dc"], ds["fc"], ds["gexp"]
    else:
        raise OptionError(
            "expected a wwz, kww, bm or leontief(post='exports') result (or wwz_summary "
            f"groups); got variables {', '.join(sorted(names))}"
        )
    return groups["DVA"] + groups["RDV"] + groups["DDC"], groups["FVA"] + groups["FDC"], ds["gexp"]


def _share(num, den):
    return xr.where(den != 0, num / den.where(den != 0), 0.0)


# -- indicators computed from a table ---------------------------------------------
@over_years
def vax_ratio(table, groups=None, by: str = "exporter") -> xr.DataArray:
    r"""Johnson–Noguera value-added-to-gross-exports (VAX) ratio.

    ``VAX_s = Σ_{r≠s} Σ_t V^s B^{st} Y^{tr}``, the value added of s absorbed in
    final demand abroad (Johnson & Noguera 2012, J. Int. Econ. 86: 224-236;
    equal to KWW terms 1–3 and to OECD ``FFD_DVA``), over gross exports:
    ``VAX_ratio_s = VAX_s / E^{s*}``.

    With ``by="sector"``, Johnson & Noguera's sector-level ratio (their section
    4): ``VAX_si = v_i Σ_{r≠s} Σ_t B^{st}_{i·} Y^{tr}``, the value added *of*
    sector i absorbed abroad (forward linkage, wherever it is exported), over the
    gross exports *of* sector i. The two sides count different things, so the
    ratio exceeds 1 for sectors whose value added leaves mostly through other
    sectors' exports (services) and is 0 where E_si is 0.

    Parameters
    ----------
    table : IOTable or Panel
        One table, or a Panel (the result then has a ``year`` dimension).
    groups : dict or str, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}`` or a
        built-in name such as ``"EU27"`` (see :mod:`gvcdecomp.groups`): s is
        then a region, trade among its members is domestic and not exported,
        and ``B^{ss}``, ``L^{ss}`` span all members' rows. A group's VAX ratio
        is that of its extra-group exports, as for one country.
    by : {"exporter", "sector"}

    Returns
    -------
    xarray.DataArray
        ``VAX_ratio``, a fraction, dimensions (exporter[, sector]); 0 for no
        exports. By exporter at most 1 on a table with non-negative flows; for
        the world it is ``Σ VAX / Σ E``, from :func:`tiva`.
    """
    if by not in ("exporter", "sector"):
        raise OptionError(f'vax_ratio: by must be "exporter" or "sector", got {by!r}')
    groups = resolve(groups, table)
    f, names = _flows(table, groups)
    exgr, ffd = f["EXGR"], f["FFD_DVA"]
    dims, coords = ("exporter", "sector"), {**_exporter_coords(table, names), "sector": list(table.sectors)}
    if by == "exporter":
        exgr, ffd, dims = exgr.sum(axis=1), ffd.sum(axis=1), ("exporter",)
        del coords["sector"]
    ratio = np.divide(ffd, exgr, out=np.zeros_like(ffd), where=exgr != 0)
    ds = result_dataset(table, {"VAX_ratio": ratio}, dims, coords, "vax_ratio",
                        "Johnson & Noguera (2012)", by=by, groups=groups)  # fmt: skip
    return describe(ds)["VAX_ratio"]


@over_years
def vertical_specialisation(table, groups=None) -> xr.Dataset:
    r"""Vertical specialisation VS and VS1 of each country's exports.

    - ``VS_s = Σ_{t≠s} V^t B^{ts} E^{s*}``: foreign value added in s's gross
      exports (Hummels, Ishii & Yi 2001, J. Int. Econ. 54: 75-96,
      generalised to many countries as in Koopman, Wang & Wei 2014, eq. (36)
      terms 7–9).
    - ``VS1_s = Σ_{r≠s} V^s B^{sr} E^{r*}``: value added of s in the gross
      exports of other countries, the exporter's side of HIY's VS1 as defined by
      Daudin, Rifflart & Schweisguth (2011), Can. J. Econ. 44(4) (OECD
      ``EXGR_DVAFX``).

    Summed over all countries the two are equal (both count every foreign
    content once). ``VS_share`` and ``VS1_share`` divide by ``gexp`` = E^{s*}
    (0 where it is 0).

    Parameters
    ----------
    table : IOTable or Panel (a Panel adds a ``year`` dimension)
    groups : dict or str, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}`` (see
        :func:`~gvcdecomp.methods.wwz.wwz`): s is then a region, trade among
        its members is domestic and not exported, and ``B^{ss}``, ``L^{ss}``
        span all members' rows. VS then counts only value added
        from outside the group, VS1 only the group's value added in the
        exports of non-members; their world totals still agree.

    Returns
    -------
    xarray.Dataset
        Dimension ``exporter``: VS, VS1, gexp (units of the table), VS_share,
        VS1_share (fractions).
    """
    groups = resolve(groups, table)
    f, names = _flows(table, groups)
    gexp = f["EXGR"].sum(axis=1)
    vs, vs1 = f["EXGR_FVA"].sum(axis=1), f["EXGR_DVAFX"].sum(axis=1)
    variables = {
        "VS": vs,
        "VS1": vs1,
        "gexp": gexp,
        "VS_share": np.divide(vs, gexp, out=np.zeros_like(vs), where=gexp != 0),
        "VS1_share": np.divide(vs1, gexp, out=np.zeros_like(vs1), where=gexp != 0),
    }
    return describe(result_dataset(
        table, variables, ("exporter",), _exporter_coords(table, names), "vertical_specialisation",
        "Hummels, Ishii & Yi (2001); Daudin, Rifflart & Schweisguth (2011)", groups=groups,
    ))  # fmt: skip


@over_years
def tiva(table, by: str = "exporter", groups=None) -> xr.Dataset:
    r"""OECD Trade-in-Value-Added indicators of each country's gross exports.

    ==============  ==============================================  ===========
    variable        formula (for country s)                         rests on
    ==============  ==============================================  ===========
    EXGR            E^{s*}, gross exports                           the table
    EXGR_DVA        (V^s B^{ss})ᵀ # E^{s*}                          Leontief/HIY
    EXGR_FVA        (Σ_{t≠s} V^t B^{ts})ᵀ # E^{s*}                  Leontief/HIY
    EXGR_DVASH      EXGR_DVA / EXGR                                 Leontief/HIY
    EXGR_FVASH      EXGR_FVA / EXGR                                 Leontief/HIY
    FFD_DVA         v̂^s Σ_{r≠s} Σ_t B^{st} Y^{tr}                  Johnson–Noguera
    VAX_ratio       FFD_DVA / EXGR (``by="exporter"`` only)         Johnson–Noguera
    EXGR_DVAFX      v̂^s Σ_{r≠s} B^{sr} E^{r*}                      DRS (2011) VS1
    EXGR_DVAFXSH    EXGR_DVAFX / EXGR (``by="exporter"`` only)      DRS (2011) VS1
    DDC             domestic double counting                        KWW / WWZ
    REF             reflected domestic value added (returns home)   KWW / WWZ
    ==============  ==============================================  ===========

    By exporter, DDC is KWW (2014) term 6 and REF = RDV_FIN + RDV_INT (terms
    4–5); by sector they are Wang–Wei–Zhu's DDC_FIN + DDC_INT and RDV_INT +
    RDV_FIN + RDV_FIN2 summed over importers, which add up to KWW's. FFD_DVA is
    value-added exports (KWW terms 1–3); EXGR_DVA = FFD_DVA + REF + DDC and
    EXGR_DVA + EXGR_FVA = EXGR.

    Parameters
    ----------
    table : IOTable or Panel (a Panel adds a ``year`` dimension)
    by : {"exporter", "sector"}
        ``"exporter"``: one value per country. ``"sector"``: exporter x sector;
        ``sector`` is the exporting industry (backward linkage) for EXGR,
        EXGR_DVA, EXGR_FVA, their shares, DDC and REF, and the industry where
        the value added originates (forward linkage) for FFD_DVA and
        EXGR_DVAFX, as in the OECD tables. Ratios that would mix the two
        (VAX_ratio, EXGR_DVAFXSH) are given by exporter only.
    groups : dict or str, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}`` (see
        :func:`~gvcdecomp.methods.wwz.wwz`): s is then a region, trade among
        its members is domestic and not exported, and all blocks span the
        members' rows; a group's sector i adds up its members' industry i.
        Every indicator keeps its meaning, for the group as one economy.

    Returns
    -------
    xarray.Dataset
        Flows in the units of the table; shares and ratios as fractions (OECD
        publishes percentages), 0 where EXGR is 0.

    References
    ----------
    OECD (2019), Guide to OECD's TiVA indicators, 2018 edition (EXGR, EXGR_DVA,
    EXGR_FVA, EXGR_DVASH, EXGR_FVASH, FFD_DVA, EXGR_DVAFXSH); Koopman, Wang & Wei
    (2014), eq. (36); Wang, Wei & Zhu (2013), eq. (37).
    """
    if by not in ("exporter", "sector"):
        raise OptionError(f'tiva: by must be "exporter" or "sector", got {by!r}')
    groups = resolve(groups, table)
    f, names = _flows(table, groups)
    if by == "exporter":
        f = {k: a.sum(axis=1) for k, a in f.items()}
        dims, coords = ("exporter",), _exporter_coords(table, names)
    else:
        dims = ("exporter", "sector")
        coords = {**_exporter_coords(table, names), "sector": list(table.sectors)}
    exgr = f["EXGR"]

    def share(a):
        return np.divide(a, exgr, out=np.zeros_like(a), where=exgr != 0)

    out = {
        "EXGR": exgr,
        "EXGR_DVA": f["EXGR_DVA"],
        "EXGR_FVA": f["EXGR_FVA"],
        "EXGR_DVASH": share(f["EXGR_DVA"]),
        "EXGR_FVASH": share(f["EXGR_FVA"]),
        "FFD_DVA": f["FFD_DVA"],
        "EXGR_DVAFX": f["EXGR_DVAFX"],
        "DDC": f["DDC"],
        "REF": f["REF"],
    }
    if by == "exporter":
        out["VAX_ratio"] = share(f["FFD_DVA"])
        out["EXGR_DVAFXSH"] = share(f["EXGR_DVAFX"])
    return describe(
        result_dataset(table, out, dims, coords, "tiva", TIVA_REFERENCE, by=by, groups=groups)
    )


@over_years
def rca_va(table, groups=None) -> xr.DataArray:
    r"""Revealed comparative advantage on domestic value added in exports.

    ``RCA_si = (DV_si / Σ_j DV_sj) / (Σ_t DV_ti / Σ_t Σ_j DV_tj)`` with
    ``DV_si = (v̂^s L^{ss} E^{s*})_i``, the value added of sector i of s in the
    gross exports of s, counting indirect exports through the other sectors
    of s (forward linkage). It is the sum of KWW (2014) terms 1–5 with ``v̂^s``
    in place of ``V^s``: domestic value added exported, including what returns
    home, excluding foreign value added and pure double counting (Koopman,
    Wang & Wei 2014, section on revealed comparative advantage; Wang, Wei &
    Zhu 2013, "DVA in gross exports, forward linkage"). The Balassa (1965)
    index on these values.

    Parameters
    ----------
    table : IOTable or Panel (a Panel adds a ``year`` dimension)
    groups : dict or str, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}`` (see
        :func:`~gvcdecomp.methods.wwz.wwz`): s is then a region, trade among
        its members is domestic and not exported, and ``B^{ss}``, ``L^{ss}``
        span all members' rows. A group is one economy among the
        remaining countries: its DV_si adds its members' industry i
        (forward linkage through the group's L^{ss}), and the world totals
        run over the regions, without intra-group exports.

    Returns
    -------
    xarray.DataArray
        Dimensionless, dimensions (exporter, sector); NaN where a country's
        or a sector's world total of DV is 0 (undefined).
    """
    groups = resolve(groups, table)
    c = table.core
    R = c.regions(groups)
    dv = R.by_region_sector(c.v * R.local_times(R.exports(table).sum(axis=1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = dv / dv.sum(axis=1, keepdims=True)
        world = dv.sum(axis=0) / dv.sum()
        rca = own / world
    rca[~np.isfinite(rca)] = np.nan
    rca = xr.DataArray(
        rca, dims=("exporter", "sector"),
        coords={**_exporter_coords(table, R.names), "sector": list(table.sectors)},
        name="RCA_VA",
        attrs={"reference": "Koopman, Wang & Wei (2014)", "source": table.source},
    )  # fmt: skip
    return describe(rca.to_dataset())["RCA_VA"]


# -- shared flows -----------------------------------------------------------------
def _exporter_coords(table, names) -> dict:
    coords = {"exporter": list(names)}
    if table.year is not None:
        coords["year"] = table.year
    return coords


def _flows(table, groups) -> tuple[dict, tuple]:
    """The additive TiVA flows as (G', N) arrays (see :func:`tiva` for the
    linkage), and the names of the G' exporting regions."""
    c = table.core
    R = c.regions(groups)
    owner, rows = R.owner, np.arange(c.n)
    E = R.exports(table).sum(axis=1)
    Yc = R.columns(table.Yc)
    vb_ss = R.vb[owner, rows]  # V^s B^{ss}
    fv = R.vb.sum(axis=0) - vb_ss  # Σ_{t≠s} V^t B^{ts}
    yexp = Yc.sum(axis=1) - Yc[rows, owner]  # final exports Σ_{t≠s} Y^{st}
    # One solve, 3G' columns: [i in s, r] Σ_t B^{st} Y^{tr}; B^{sr} E^{r*}; B^{sr} Y^{r*}_exp.
    # No diagonal blocks: B^{ss} E^{s*} is column owner of the second part.
    rhs = np.hstack([Yc, R.indicator(E).T, R.indicator(yexp).T])
    BY, BE, BYexp = np.split(c.solve(rhs), 3, axis=1)
    del rhs
    ffd = c.v * (BY.sum(axis=1) - BY[rows, owner])
    dvafx = c.v * (BE.sum(axis=1) - BE[rows, owner])  # Σ_{r≠s} B^{sr} E^{r*}
    del BE
    vsl = np.empty(c.n)  # V^s L^{ss}
    for L, r in zip(R.L_local, R.rows):
        vsl[r] = c.v[r] @ L
    # WWZ: RDV = V^s L^{ss} # Σ_{r≠s} A^{sr} Σ_t B^{rt} Y^{ts};
    #      DDC_FIN = V^s L^{ss} # Σ_{r≠s} A^{sr} B^{rs} Σ_{t≠s} Y^{st}: one pass over Z
    AW = pair_products(R.engine, np.stack([BY.T, BYexp.T], axis=-1), owner, R.G).sum(axis=1)
    ref = vsl * AW[:, 0]
    #      DDC_INT = (V^s B^{ss} - V^s L^{ss}) # Σ_{r≠s} A^{sr} X^r
    inter_exp = E - yexp  # Σ_{r≠s} A^{sr} X^r (= Σ_{r≠s} Z^{sr} u)
    ddc = vsl * AW[:, 1] + (vb_ss - vsl) * inter_exp
    flows = {
        "EXGR": E,
        "EXGR_DVA": vb_ss * E,
        "EXGR_FVA": fv * E,
        "FFD_DVA": ffd,
        "EXGR_DVAFX": dvafx,
        "DDC": ddc,
        "REF": ref,
    }
    return {k: R.by_region_sector(a) for k, a in flows.items()}, R.names


@over_years
def va_absorbed(table, categories, groups=None) -> xr.Dataset:
    r"""Value added by origin absorbed in chosen final-demand categories, by destination.

    ``va_absorbed[t, j, r] = v_j Σ_i B_{ji} Σ_{k∈K} Y_i^{rk}``: the value added of
    sector j of country t embodied in the final use of the categories K (e.g.
    household consumption only) of country r (Johnson & Noguera 2012's ``V̂ B Y``
    restricted to K). Over all categories it is
    ``decompose(t, "leontief", post="final").va_destination``.

    Parameters
    ----------
    table : IOTable or Panel
    categories : str or list of str
        Final-demand categories of the table (``table.fd_categories``).
    groups : dict or str, optional
        Regions reported as one source and one destination (members added).

    Returns
    -------
    xarray.Dataset
        ``va_absorbed`` with dimensions (source_country, source_sector,
        destination), units of the table.
    """
    known = list(table.fd_categories)
    if not isinstance(categories, str | list | tuple | np.ndarray):
        raise OptionError(f"categories must be a category or a list of them, got {categories!r}")
    cats = [categories] if isinstance(categories, str) else list(categories)
    bad = [k for k in cats if k not in known]
    if bad or not cats:
        raise OptionError(
            f"categories: {', '.join(map(repr, bad)) or 'none given'}; the table's final-demand "
            f"categories are {', '.join(known)}"
        )
    twice = [k for k in dict.fromkeys(cats) if cats.count(k) > 1]
    if twice:  # summing a category twice would count its value added twice
        raise OptionError(f"categories: {', '.join(map(repr, twice))} given twice")
    groups = resolve(groups, table)
    c = table.core
    R = c.regions(groups)
    YK = table.Y[:, :, [known.index(k) for k in cats]].sum(axis=2)  # (GN, G)
    va = R.by_region_sector(c.v[:, None] * R.columns(c.solve(YK)))
    ds = result_dataset(
        table, {"va_absorbed": va}, ("source_country", "source_sector", "destination"),
        {"source_country": list(R.names), "source_sector": list(table.sectors),
         "destination": list(R.names)}, "va_absorbed", "Johnson & Noguera (2012)",
        categories=",".join(cats), groups=groups,
    )  # fmt: skip
    return describe(ds)
