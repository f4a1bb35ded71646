r"""Global value chain participation, position and length.

Notation (country-major blocks, as in the methods): ``A`` input coefficients,
``A_D`` its domestic (diagonal) blocks and ``A_F = A - A_D``; ``B = (I - A)⁻¹``
the global Leontief inverse, ``L = (I - A_D)⁻¹`` the block-diagonal domestic
inverses; ``V̂`` value added per unit of output on the diagonal; ``y`` final
goods output by producing sector (``Σ_r Y^{sr}``), ``y_D`` the part used at home
(``Y^{ss}``) and ``y_F = y - y_D`` the part exported; ``x̂`` gross output on
the diagonal; ``u`` a row of ones. Everything is computed from ``table.core``
(one inverse B, the local inverses L) with matrix-vector products: no array
larger than (GN, GN) is formed.

Flows are in the units of the table (WIOD: millions of US dollars); shares are
fractions; lengths, upstreamness and downstreamness are numbers of production
stages. Measures of exports (KPWW, Borin–Mancini participation) have
dimensions (exporter[, sector]); measures of production (WWYZ participation and
length, upstreamness, APL) (country[, sector]), with the table's codes and a
scalar ``year`` coordinate when the table has a year. Every function also takes
a Panel and returns a ``year`` dimension; every variable carries
``long_name``, ``units`` and ``description`` (see the glossary).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .errors import OptionError
from .methods._result import result_dataset
from .methods.wwz import GROUPS as WWZ_GROUPS
from .vocabulary import canonical_options, describe
from .years import over_years

KPWW_REFERENCE = (
    "Koopman, R., Powers, W., Wang, Z. and Wei, S.-J. (2010), Give credit where credit "
    "is due: tracing value added in global production chains, NBER Working Paper 16426, "
    "section 5 (GVC participation and position indices)"
)
WWYZ_PARTICIPATION_REFERENCE = (
    "Wang, Z., Wei, S.-J., Yu, X. and Zhu, K. (2017a), Measures of participation in "
    "global value chains and global business cycles, NBER Working Paper 23222, "
    "section 2 (decomposition of value added and final goods production)"
)
WWYZ_LENGTH_REFERENCE = (
    "Wang, Z., Wei, S.-J., Yu, X. and Zhu, K. (2017b), Characterizing global value "
    "chains: production length and upstreamness, NBER Working Paper 23261, sections 2-3"
)
UPSTREAMNESS_REFERENCE = (
    "Antràs, P., Chor, D., Fally, T. and Hillberry, R. (2012), Measuring the upstreamness "
    "of production and trade flows, American Economic Review 102(3): 412-416; "
    "Miller, R. E. and Temurshoev, U. (2017), Output upstreamness and input downstreamness "
    "of industries/countries in world production, International Regional Science Review "
    "40(5): 443-475"
)
DOWNSTREAMNESS_REFERENCE = (
    "Antràs, P. and Chor, D. (2013), Organizing the global value chain, Econometrica 81(6): "
    "2127-2204; Antràs, P. and Chor, D. (2018), On the measurement of upstreamness and "
    "downstreamness in global value chains, NBER Working Paper 24185, section 2"
)
APL_REFERENCE = (
    "Dietzenbacher, E., Romero Luna, I. and Bosma, N. S. (2005), Using average "
    "propagation lengths to identify production chains in the Andalusian economy, "
    "Estudios de Economía Aplicada 23(2): 405-422"
)

#: WWZ (2013) terms of KPWW's indirect value-added exports IV: domestic value
#: added in intermediate exports that the importer re-exports to third countries.
IV_TERMS = ("DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2")
#: WWZ (2013) terms of KPWW's foreign value added in exports FV (FVA + FDC).
FV_TERMS = WWZ_GROUPS["FVA"] + WWZ_GROUPS["FDC"]


@over_years(results=True)
def kpww_participation(data, by: str = "country") -> xr.Dataset:
    r"""Koopman–Powers–Wang–Wei (2010) GVC participation and position indices.

    For exporter s (and exporting sector i with ``by="sector"``), with E its
    gross exports:

    - ``kpww_participation = IV/E + FV/E``;
    - ``kpww_position = ln(1 + IV/E) - ln(1 + FV/E)`` (positive: upstream, supplying
      intermediates that others re-export; negative: downstream, using foreign
      inputs in its exports).

    ``IV`` (indirect value-added exports) is the domestic value added in
    intermediate exports that the direct importer re-exports to third countries,
    WWZ (2013) terms 3–5: ``DVA_INTrexI1 + DVA_INTrexF + DVA_INTrexI2``, summed
    over importers. ``FV`` (foreign value added in exports) is the
    Hummels–Ishii–Yi vertical specialisation used by KPWW, ``(Σ_{t≠s} V^t
    B^{ts})ᵀ # E^{s*}``: WWZ terms 9–12 and 15–16, ``OVA_FIN + MVA_FIN +
    OVA_INT + MVA_INT + ODC + MDC`` (FVA + FDC; KWW 2014 terms 7–9). By sector
    the terms are those of the exporting sector's exports (backward linkage).

    Parameters
    ----------
    data : IOTable, Panel or xarray.Dataset
        A table or Panel (decomposed here with WWZ) or a Wang–Wei–Zhu result of
        :func:`~gvcdecomp.decompose` (a panel's ``year`` dimension is kept).
    by : {"country", "sector"} (``"exporter"`` = ``"country"``)

    Returns
    -------
    xarray.Dataset
        Dimensions ([year,] exporter[, sector]): ``gexp``, ``IV``, ``FV`` (units
        of the table), ``IV_share``, ``FV_share``, ``kpww_participation``
        (fractions) and ``kpww_position`` (log points); shares and position are
        0 where gross exports are 0.

    Reference: Koopman, Powers, Wang & Wei (2010), NBER WP 16426.
    """
    from .methods import decompose
    from .table import IOTable

    by = _check_by(by)
    ds = decompose(data, "wwz") if isinstance(data, IOTable) else data
    missing = [t for t in (*IV_TERMS, *FV_TERMS, "gexp") if t not in ds]
    if missing:
        raise OptionError(f"kpww_participation needs a WWZ result; missing {', '.join(missing)}")
    dims = ["importer"] + (["sector"] if by == "country" else [])
    E = ds["gexp"].sum(dims)
    IV = sum(ds[t] for t in IV_TERMS).sum(dims)
    FV = sum(ds[t] for t in FV_TERMS).sum(dims)
    iv, fv = _ratio(IV, E, 0.0), _ratio(FV, E, 0.0)
    out = xr.Dataset(
        {
            "gexp": E, "IV": IV, "FV": FV, "IV_share": iv, "FV_share": fv,
            "kpww_participation": iv + fv, "kpww_position": np.log1p(iv) - np.log1p(fv),
        }
    )  # fmt: skip
    out.attrs = {**ds.attrs, "method": "kpww_participation", "reference": KPWW_REFERENCE}
    return describe(out)


@over_years
def wwyz_participation(table, by: str = "country") -> xr.Dataset:
    r"""Wang–Wei–Yu–Zhu (2017a) forward and backward GVC participation.

    The value added embodied in final goods, ``V̂ B Ŷ`` (GN x GN: row i the value
    added of sector i, column j the final goods of sector j), splits into four
    production activities:

    ``V̂ B Ŷ = V̂ L Ŷ_D + V̂ L Ŷ_F + V̂ L A_F L Ŷ_D + V̂ L A_F (B Ŷ - L Ŷ_D)``

    1. pure domestic production (D), value added that never crosses a border;
    2. traditional trade (RT), value added exported in final goods;
    3. simple GVC (GVC_S), crossing a border once for production, absorbed by
       the direct importer;
    4. complex GVC (GVC_C), crossing borders at least twice.

    Row sums (forward linkage) split value added ``va_total = V̂ B y`` (``v x``) into
    ``V_D + V_RT + V_GVC_S + V_GVC_C``; column sums (backward linkage) split final
    goods output ``y = u V̂ B Ŷ`` into ``Y_D + Y_RT + Y_GVC_S + Y_GVC_C``.
    Participation indices:

    - forward ``participation_forward = (V_GVC_S + V_GVC_C) / va_total`` (and its
      ``_simple`` and ``_complex`` parts);
    - backward ``participation_backward = (Y_GVC_S + Y_GVC_C) / y`` (and parts).

    With ``by="country"`` flows are summed over the country's sectors before
    dividing. Summed over the world, forward and backward GVC flows are equal
    (both are sums of all elements of the same matrices).

    Returns
    -------
    xarray.Dataset
        Dimensions (country[, sector]); flows in units of the table, indices as
        fractions (0 where va_total or y is 0). A sector with no output has v = 1
        (see :class:`~gvcdecomp.core.LeontiefCore`), so ``va_total`` is ``v x``, the
        residual value added, in every row.

    Reference: Wang, Wei, Yu & Zhu (2017a), NBER WP 23222.
    """
    by = _check_by(by)
    c, y, yD, yF = _final(table)
    vL = _row_local(c, c.v)  # u V̂ L
    By = c.solve(y)
    LyD = c.local_times(yD)
    vLAF = _row_times_AF(c, vL)
    flows = {
        "va_total": c.v * By,
        "V_D": c.v * LyD,
        "V_RT": c.v * c.local_times(yF),
        "V_GVC_S": c.v * c.local_times(_AF_times(c, LyD)),
        "V_GVC_C": c.v * c.local_times(_AF_times(c, By - LyD)),
        "y": y,
        "Y_D": vL * yD,
        "Y_RT": vL * yF,
        "Y_GVC_S": _row_local(c, vLAF) * yD,
        "Y_GVC_C": c.solve_t(vLAF) * y - _row_local(c, vLAF) * yD,  # (w B)ᵀ = Bᵀ wᵀ
    }
    ds = _grid(table, flows, by)
    for side, tot, p in (("forward", "va_total", "V"), ("backward", "y", "Y")):
        s, cx = ds[f"{p}_GVC_S"], ds[f"{p}_GVC_C"]
        ds[f"participation_{side}"] = _ratio(s + cx, ds[tot], 0.0)
        ds[f"participation_{side}_simple"] = _ratio(s, ds[tot], 0.0)
        ds[f"participation_{side}_complex"] = _ratio(cx, ds[tot], 0.0)
    return _finish(table, ds, "wwyz_participation", WWYZ_PARTICIPATION_REFERENCE, by=by)


@over_years
def production_length(table, by: str = "country") -> xr.Dataset:
    r"""Wang–Wei–Yu–Zhu (2017b) average production length and GVC position.

    Production length counts the stages at which value added is counted as
    gross output on its way from primary input to final good (a path through k
    input-output links has k + 1 stages; ``B B = Σ_k (k+1) A^k``):

    - ``PLv = V̂ B B Ŷ u / V̂ B Ŷ u`` (forward, from the value added of a sector:
      ``B x / x``, equal to upstreamness);
    - ``PLy = u V̂ B B Ŷ / u V̂ B Ŷ`` (backward, to the final goods of a sector:
      ``u B``, equal to downstreamness);
    - GVC production length, counting only GVC activities (value added that
      crosses a border for production, ``V_GVC = V̂ L A_F B Ŷ``):
      ``PLv_GVC = Xv_GVC u / V_GVC u`` and ``PLy_GVC = u Xy_GVC / u V_GVC`` with
      ``Xv_GVC = Xy_GVC = V̂ L L A_F B Ŷ + V̂ L A_F B B Ŷ`` (the domestic stages
      before the border crossing, then the stages from it on);
    - GVC position ``wwyz_position = PLv_GVC / PLy_GVC``:
      above 1, the sector sits upstream in the GVCs it joins.

    With ``by="country"``, numerators and denominators are summed over the
    country's sectors (value-added or final-goods weighted averages).

    Returns
    -------
    xarray.Dataset
        Dimensions (country[, sector]): ``PLv``, ``PLy``, ``PLv_GVC``,
        ``PLy_GVC`` (numbers of stages) and ``wwyz_position`` (a ratio), NaN
        where undefined (no value added, no final goods, or no GVC activity);
        the numerators ``Xv``, ``Xy``, ``Xv_GVC``, ``Xy_GVC`` and denominators
        ``va_total``, ``y``, ``V_GVC_forward``, ``V_GVC_backward`` in units of the
        table (so that the lengths of an aggregate can be recomputed).

    Reference: Wang, Wei, Yu & Zhu (2017b), NBER WP 23261.
    """
    by = _check_by(by)
    c, y, _, _ = _final(table)
    vL = _row_local(c, c.v)
    vB = c.solve_t(c.v)  # row vectors times B as Bᵀ solves: (w B)ᵀ = Bᵀ wᵀ
    By = c.solve(y)
    BBy = c.solve(By)
    AFBy = _AF_times(c, By)
    vLAFB = c.solve_t(_row_times_AF(c, vL))
    sums = {
        "va_total": c.v * By,
        "Xv": c.v * BBy,
        "y": y,
        "Xy": c.solve_t(vB) * y,
        "V_GVC_forward": c.v * c.local_times(AFBy),
        "Xv_GVC": c.v * (c.local_times(c.local_times(AFBy)) + c.local_times(_AF_times(c, BBy))),
        "V_GVC_backward": vLAFB * y,
        "Xy_GVC": c.solve_t(_row_times_AF(c, _row_local(c, vL)) + vLAFB) * y,
    }
    ds = _grid(table, sums, by)
    out = xr.Dataset(
        {
            "PLv": _ratio(ds["Xv"], ds["va_total"]),
            "PLy": _ratio(ds["Xy"], ds["y"]),
            "PLv_GVC": _ratio(ds["Xv_GVC"], ds["V_GVC_forward"]),
            "PLy_GVC": _ratio(ds["Xy_GVC"], ds["V_GVC_backward"]),
        }
    )
    out["wwyz_position"] = _ratio(out["PLv_GVC"], out["PLy_GVC"])
    for k in sums:
        out[k] = ds[k]
    return _finish(table, out, "production_length", WWYZ_LENGTH_REFERENCE, by=by)


@over_years
def upstreamness(table) -> xr.DataArray:
    r"""Antràs–Chor–Fally–Hillberry (2012) upstreamness of each country-sector.

    ``U = (I - Δ)⁻¹ u`` with ``Δ_ij = a_ij x_j / x_i``: the average number of
    stages between a sector's output and final use, 1 for a sector that sells
    only to final demand. ``(I - Δ)⁻¹ = x̂⁻¹ B x̂`` is the Ghosh inverse G,
    obtained from B without a new inversion, so ``U = G u = x̂⁻¹ B x``
    (Miller & Temurshoev 2017: output upstreamness = total forward linkage). No
    net-inventory or open-economy correction: the world table is closed.

    Returns
    -------
    xarray.DataArray
        Dimensions (country, sector), number of stages (≥ 1); NaN where gross
        output is not positive.

    Reference: Antràs, Chor, Fally & Hillberry (2012), AER P&P 102(3): 412-416.
    """
    x = table.x
    U = np.where(x > 0, _ratio(table.core.solve(x), x), np.nan)
    return _dataarray(table, U, "upstreamness", UPSTREAMNESS_REFERENCE)


@over_years
def downstreamness(table) -> xr.DataArray:
    r"""Antràs–Chor (2013, 2018) downstreamness of each country-sector.

    ``D = u (I - A)⁻¹ = u B``: the column sums of the Leontief inverse, the
    average number of stages embodied in a unit of the sector's output (1 for a
    sector that uses no intermediate inputs; Fally 2012's N, Miller &
    Temurshoev 2017's input downstreamness). No net-inventory correction.

    Returns
    -------
    xarray.DataArray
        Dimensions (country, sector), number of stages (≥ 1).

    Reference: Antràs & Chor (2013), Econometrica 81(6); Antràs & Chor (2018),
    NBER WP 24185.
    """
    u_B = table.core.solve_t(np.ones(table.n))  # column sums of B: (u B)ᵀ = Bᵀ u
    return _dataarray(table, u_B, "downstreamness", DOWNSTREAMNESS_REFERENCE)


@over_years
def average_propagation_length(table, full: bool = False):
    r"""Dietzenbacher–Romero–Bosma (2005) average propagation length (APL).

    ``APL_ij = h_ij / (b_ij - δ_ij)`` with ``H = B (B - I) = Σ_{k≥1} k A^k``:
    the average number of steps through which a cost push in sector i reaches
    sector j (equivalently, a demand pull in j reaches i), weighting each
    k-step path by its share in ``B - I = Σ_{k≥1} A^k``. Dietzenbacher et al.
    (2005); the diagonal uses ``b_ii - 1``.

    Parameters
    ----------
    full : bool
        Return the whole (GN, GN) matrix instead of the summaries.

    Returns
    -------
    xarray.Dataset or xarray.DataArray
        By default a Dataset with dimensions (country, sector) holding
        b-weighted averages over the other sectors j ≠ i (``Σ_j h_ij / Σ_j
        b_ij``): ``APL_forward`` (from sector i to the sectors it supplies),
        ``APL_backward`` (to sector j from the sectors supplying it), each also
        restricted to the same country (``_domestic``) or to other countries
        (``_foreign``). With ``full=True``, ``APL`` with dimensions (country,
        sector, using_country, using_sector). Numbers of steps, NaN where no
        path links the sectors.

    The summaries need ``B (B S)`` and ``(Sᵀ B) B`` with S the (GN, G) country
    indicator, and the diagonal of H, not H itself.

    Reference: Dietzenbacher, Romero & Bosma (2005), Estudios de Economía
    Aplicada 23(2).
    """
    c, t = table.core, table
    G, N, n = c.G, c.N, c.n
    B = c.B
    if full:
        apl = _ratio(B @ B - B, B - np.eye(n))
        da = xr.DataArray(
            apl.reshape(G, N, G, N),
            dims=("country", "sector", "using_country", "using_sector"),
            coords={
                "country": list(t.countries), "sector": list(t.sectors),
                "using_country": list(t.countries), "using_sector": list(t.sectors),
            },
            name="APL",
            attrs={"reference": APL_REFERENCE, "source": t.source},
        )  # fmt: skip
        da = describe(da.to_dataset())["APL"]
        return da if t.year is None else da.assign_coords(year=t.year)
    own = np.arange(n) // N
    S = np.zeros((n, G))
    S[np.arange(n), own] = 1.0
    diagB = np.diag(B)
    diagH = np.einsum("ik,ki->i", B, B) - diagB
    variables = {}
    BS_fwd = B @ S  # Σ_{j in t} b_ij
    BS_bwd = (S.T @ B).T  # Σ_{i in t} b_ij
    sides = {
        "forward": (BS_fwd, B @ BS_fwd - BS_fwd),  # H S = B (B S) - B S
        "backward": (BS_bwd, (BS_bwd.T @ B).T - BS_bwd),  # Sᵀ H = (Sᵀ B) B - Sᵀ B
    }
    for side, (BS, HS) in sides.items():
        BS[np.arange(n), own] -= diagB  # leave out j = i
        HS[np.arange(n), own] -= diagH
        dom_b, dom_h = BS[np.arange(n), own], HS[np.arange(n), own]
        variables[f"APL_{side}"] = _ratio(HS.sum(1), BS.sum(1))
        variables[f"APL_{side}_domestic"] = _ratio(dom_h, dom_b)
        variables[f"APL_{side}_foreign"] = _ratio(HS.sum(1) - dom_h, BS.sum(1) - dom_b)
    ds = _grid(table, variables, "sector")
    return _finish(table, ds, "average_propagation_length", APL_REFERENCE)


@over_years
def bm_participation(table, by: str = "country") -> xr.Dataset:
    r"""Borin–Mancini backward and forward GVC-related trade, and shares of exports.

    From the source-based decomposition with the exporter perspective
    (:func:`~gvcdecomp.methods.bm.bm`): ``gvcb = DDC + FC`` (backward: foreign
    content and domestic double counting, inputs that crossed a border before),
    ``gvcf = DVA - DAVAX`` (forward: domestic value added that is not absorbed by
    the direct importer, so crosses at least one more border), ``gvc = gvcb +
    gvcf = gexp - DAVAX``; ``*_share`` divide by gross exports ``gexp``.

    Returns
    -------
    xarray.Dataset
        Dimensions (exporter[, sector]): ``gexp``, ``gvcb``, ``gvcf``, ``gvc``
        (units of the table) and ``gvcb_share``, ``gvcf_share``, ``gvc_share``
        (fractions, 0 where gexp is 0).

    Reference: Borin & Mancini (2019), World Bank Policy Research WP 8804; Borin &
    Mancini (2023), Economic Systems Research (doi 10.1080/09535314.2022.2153221).
    """
    from .methods.bm import REFERENCE, bm

    by = _check_by(by)
    ds = bm(table, "source", "exporter", level="exporter" if by == "country" else "sector")
    out = ds[["gexp", "gvcb", "gvcf", "gvc"]]
    for k in ("gvcb", "gvcf", "gvc"):
        out[f"{k}_share"] = _ratio(out[k], out["gexp"], 0.0)
    out.attrs = {**ds.attrs, "method": "bm_participation", "reference": REFERENCE}
    return describe(out)


# -- helpers ---------------------------------------------------------------------
def _check_by(by) -> str:
    """``by`` in our spelling ("exporter" is accepted for "country")."""
    return canonical_options({"by": by}, {"by": ("country", "sector")})["by"]


def _final(table):
    """Core, final goods output y, its domestic part y_D and exported part y_F."""
    c = table.core
    n, N = c.n, c.N
    y = table.Yc.sum(axis=1)
    yD = table.Yc[np.arange(n), np.arange(n) // N]
    return c, y, yD, y - yD


# A_F is A with its domestic (diagonal) blocks set to zero. Its products are
# read from Z and 1/x (``A = Z x̂⁻¹``) block by block, leaving the domestic block
# out rather than subtracting it (no cancellation), and without forming A.
def _AF_times(c, w: np.ndarray) -> np.ndarray:
    """``A_F w`` for w of shape (GN,)."""
    Z, s, N = c.engine.Z, c.engine.inv_x * w, c.N
    out = np.empty(c.n)
    for lo in range(0, c.n, N):
        hi = lo + N
        out[lo:hi] = Z[lo:hi, :lo] @ s[:lo] + Z[lo:hi, hi:] @ s[hi:]
    return out


def _row_times_AF(c, w: np.ndarray) -> np.ndarray:
    """``w A_F`` for a row vector w of shape (GN,)."""
    Z, N = c.engine.Z, c.N
    out = np.empty(c.n)
    for lo in range(0, c.n, N):
        hi = lo + N
        out[lo:hi] = w[:lo] @ Z[:lo, lo:hi] + w[hi:] @ Z[hi:, lo:hi]
    return out * c.engine.inv_x


def _row_local(c, w: np.ndarray) -> np.ndarray:
    """``w L``: a row vector times the block-diagonal domestic inverse."""
    return np.einsum("gi,gij->gj", w.reshape(c.G, c.N), c.L_local).ravel()


def _ratio(num, den, fill=np.nan):
    if isinstance(num, xr.DataArray) or isinstance(den, xr.DataArray):
        return xr.where(den != 0, num / den.where(den != 0), fill)
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, fill), where=den != 0)


def _grid(table, flows: dict, by: str) -> xr.Dataset:
    """(GN,) arrays as (country, sector) variables, summed over sectors if by="country"."""
    G, N = table.G, table.N
    ds = xr.Dataset(
        {k: (("country", "sector"), v.reshape(G, N)) for k, v in flows.items()},
        coords={"country": list(table.countries), "sector": list(table.sectors)},
    )
    return ds.sum("sector") if by == "country" else ds


def _finish(table, ds: xr.Dataset, method: str, reference: str, **options) -> xr.Dataset:
    out = result_dataset(
        table, dict(ds.data_vars), None, dict(ds.coords), method, reference, **options
    )
    return describe(out)


def _dataarray(table, values, name, reference) -> xr.DataArray:
    da = xr.DataArray(
        values.reshape(table.G, table.N),
        dims=("country", "sector"),
        coords={"country": list(table.countries), "sector": list(table.sectors)},
        name=name,
        attrs={"reference": reference, "source": table.source},
    )
    da = describe(da.to_dataset())[name]
    return da if table.year is None else da.assign_coords(year=table.year)
