"""Koopman, Wang & Wei (2014): 9-term decomposition of a country's gross exports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import _filters
from ._result import result_dataset
from .wwz import pair_products, with_gap

REFERENCE = (
    "Koopman, R., Wang, Z. and Wei, S.-J. (2014), Tracing value-added and double "
    "counting in gross exports, American Economic Review 104(2): 459-494, eq. (36) "
    "and Figure 1; term names as in the R package decompr (kww)"
)

TERMS = (
    "DVA_FIN", "DVA_INT", "DVA_INTrex", "RDV_FIN", "RDV_INT", "DDC",
    "FVA_FIN", "FVA_INT", "FDC",
)  # fmt: skip

#: WWZ (2013) terms that add up to each KWW term at the country level
#: (Wang, Wei & Zhu 2013, appendix Table E2).
WWZ_TO_KWW = {
    "DVA_FIN": ("DVA_FIN",),
    "DVA_INT": ("DVA_INT", "DVA_INTrexI1"),
    "DVA_INTrex": ("DVA_INTrexF", "DVA_INTrexI2"),
    "RDV_FIN": ("RDV_FIN", "RDV_FIN2"),
    "RDV_INT": ("RDV_INT",),
    "DDC": ("DDC_FIN", "DDC_INT"),
    "FVA_FIN": ("OVA_FIN", "MVA_FIN"),
    "FVA_INT": ("OVA_INT", "MVA_INT"),
    "FDC": ("ODC", "MDC"),
}


def kww(table, groups=None, exporter=None) -> xr.Dataset:
    r"""Koopman–Wang–Wei decomposition of each country's gross exports into 9 terms.

    For exporter s, with ``V^s`` its value-added coefficients, ``B`` the global
    Leontief inverse, ``L^{ss} = (I - A^{ss})^{-1}``, ``Y^{sr}`` final goods made
    in s for use in r and ``E^{s*} = Σ_{r≠s} (A^{sr} X^r + Y^{sr})``; all sums
    over countries r, t:

    ==========  ==========================================================
    DVA_FIN     V^s B^{ss} Σ_{r≠s} Y^{sr}
    DVA_INT     V^s Σ_{r≠s} B^{sr} Y^{rr}
    DVA_INTrex  V^s Σ_{r≠s} Σ_{t≠s,r} B^{sr} Y^{rt}
    RDV_FIN     V^s Σ_{r≠s} B^{sr} Y^{rs}
    RDV_INT     V^s Σ_{r≠s} B^{sr} A^{rs} L^{ss} Y^{ss}
    DDC         V^s Σ_{r≠s} B^{sr} A^{rs} L^{ss} E^{s*}
    FVA_FIN     Σ_{t≠s} V^t B^{ts} Σ_{r≠s} Y^{sr}
    FVA_INT     Σ_{t≠s} V^t B^{ts} Σ_{r≠s} A^{sr} L^{rr} Y^{rr}
    FDC         Σ_{t≠s} V^t B^{ts} Σ_{r≠s} A^{sr} L^{rr} E^{r*}
    ==========  ==========================================================

    Terms 1–3 are value added exports (domestic value added absorbed abroad,
    Johnson–Noguera's VAX), 4–5 domestic value added that returns home, 6 and
    9 double counting, 7–9 foreign value added (Hummels–Ishii–Yi's VS). The
    nine terms add up to gross exports ``E^{s*}`` (variable ``gexp``), exactly
    when gross output is the row sums of the table (the default); with
    published output the difference is the variable ``gap`` (as in
    :func:`~gvcdecomp.methods.wwz.wwz`).

    Reference: Koopman, Wang & Wei (2014), AER 104(2), eq. (36); term names
    as in the R package decompr (``kww``). Aggregating a WWZ result gives the
    same numbers: see :func:`kww_from_wwz`.

    Parameters
    ----------
    table : IOTable
    groups : dict, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}``, as in
        :func:`~gvcdecomp.methods.wwz.wwz`: s, r and t above are then regions,
        trade among members is domestic (it is not in ``E^{s*}``), and the
        blocks ``A^{ss}``, ``L^{ss}``, ``B^{ss}`` span all members' rows.
    exporter : list of str, optional
        Keep only these exporters (regions), in this order (``decompose``'s
        filter): every exporter is computed, the selection made before the
        ``gap`` check, which then reports on (and totals) the exporters kept.

    Returns
    -------
    xarray.Dataset
        Dimension ``exporter`` (the countries, or the regions of ``groups``);
        one variable per term plus ``gexp`` and ``gap``; units of the table (WIOD: millions
        of US dollars).

    Uses ``table.core``'s engine (V B by one solve with Bᵀ, the regions' local
    inverses) and Z: neither B nor A is formed.
    """
    c = table.core
    R = c.regions(groups)
    owner, rows = R.owner, np.arange(c.n)
    Yc = R.columns(table.Yc)  # [j in t, r]: Y^{tr}
    ydom = Yc[rows, owner]  # Y^{tt}
    yexp = Yc.sum(axis=1) - ydom  # Σ_{r≠t} Y^{tr}
    E = R.exports(table).sum(axis=1)  # E^{t*}

    vb_ss = R.vb[owner, rows]  # V^s B^{ss}
    vb_off = R.vb.copy()  # [s, j]: (V^s B^{sr})_j for j in r ≠ s, 0 for j in s
    vb_off[owner, rows] = 0.0

    dva_fin = by_region(R, vb_ss * yexp)
    dva_int = vb_off @ ydom
    # Σ_{t≠s,r} Y^{rt}: all of r's final exports less those used in s
    rdv_fin = np.einsum("sj,js->s", vb_off, Yc)
    dva_intrex = vb_off @ yexp - rdv_fin

    # V^s Σ_{r≠s} B^{sr} A^{rs}: row s of (V B, s-block zeroed) times A = Z x̂⁻¹, at the s-block
    vba = ((vb_off @ c.engine.Z) * c.engine.inv_x)[owner, rows]
    vbal = np.empty(c.n)  # ... L^{ss}
    for L, r in zip(R.L_local, R.rows):
        vbal[r] = vba[r] @ L
    rdv_int = by_region(R, vbal * ydom)
    ddc = by_region(R, vbal * E)

    fv = R.vb.sum(axis=0) - vb_ss  # Σ_{t≠s} V^t B^{ts}
    fva_fin = by_region(R, fv * yexp)
    fva_int = by_region(R, fv * offdiag_A(R, R.local_times(ydom)).sum(axis=1))
    fdc = by_region(R, fv * offdiag_A(R, R.local_times(E)).sum(axis=1))

    values = (dva_fin, dva_int, dva_intrex, rdv_fin, rdv_int, ddc, fva_fin, fva_int, fdc)
    variables = dict(zip(TERMS, values, strict=True))
    variables["gexp"] = by_region(R, E)
    variables["gap"] = variables["gexp"] - sum(values)
    ds = result_dataset(
        table, variables, ("exporter",), {"exporter": list(R.names)}, "kww", REFERENCE,
        groups=groups,
    )  # fmt: skip
    if exporter is not None:  # before the gap check: it reports on the exporters kept
        ds = ds.sel(exporter=_filters.as_list("exporter", exporter))
    return with_gap(ds, ())


def kww_from_wwz(wwz_ds: xr.Dataset) -> xr.Dataset:
    """Sum a Wang–Wei–Zhu result into the 9 Koopman–Wang–Wei terms by exporter.

    ``KWW_k = Σ_{sector, importer} Σ_{w in WWZ_TO_KWW[k]} WWZ_w``, e.g.
    ``DVA_INT = DVA_INT + DVA_INTrexI1`` and ``FDC = ODC + MDC`` (Wang, Wei & Zhu
    2013, NBER WP 19677, appendix Table E2). At the country level this equals
    :func:`kww` exactly (the WWZ terms split KWW's by direct importer and by
    the exporting sector, backward linkage).

    Parameters
    ----------
    wwz_ds : xarray.Dataset
        A :func:`~gvcdecomp.methods.wwz.wwz` result (dimensions exporter,
        sector, importer, possibly already summed over sector or importer, and
        possibly with a ``year`` dimension, which is kept).

    Returns
    -------
    xarray.Dataset
        The 9 KWW terms, ``gexp`` and ``gap``, by exporter (and year); units of the input.
    """
    dims = [d for d in ("sector", "importer") if d in wwz_ds.dims]
    summed = wwz_ds.sum(dims)
    out = xr.Dataset({k: sum(summed[w] for w in ws) for k, ws in WWZ_TO_KWW.items()})
    out["gexp"] = summed["gexp"]
    out["gap"] = out["gexp"] - sum(out[k] for k in WWZ_TO_KWW)
    out.attrs = {**wwz_ds.attrs, "method": "kww (aggregated from wwz)", "reference": REFERENCE}
    return out


def by_region(R, a: np.ndarray) -> np.ndarray:
    """Entries of a (GN,) array summed over the rows of each region: (G',)."""
    return np.bincount(R.owner, weights=a, minlength=R.G)


def offdiag_A(R, w: np.ndarray) -> np.ndarray:
    """``[i, t] = (A^{st} w_t)_i`` for every region t ≠ s = owner of row i (0 for t = s):
    (GN, G'), w of shape (GN,). Runs the WWZ owner-label kernel over the rows of Z x̂⁻¹.
    """
    W = np.ascontiguousarray(np.broadcast_to(w, (R.G, w.size)))[:, :, None]  # [s, j, 0]
    return pair_products(R.engine, W, R.owner, R.G)[:, :, 0]
