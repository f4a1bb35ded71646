"""Koopman, Wang & Wei (2014): 9-term decomposition of a country's gross exports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ._result import result_dataset

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


def kww(table) -> xr.Dataset:
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
    when gross output is the row sums of the table (the default).

    Reference: Koopman, Wang & Wei (2014), AER 104(2), eq. (36); term names
    as in the R package decompr (``kww``). Aggregating a WWZ result gives the
    same numbers: see :func:`kww_from_wwz`.

    Returns
    -------
    xarray.Dataset
        Dimension ``exporter``; one variable per term plus ``gexp``; units of
        the table (WIOD: millions of US dollars).

    Uses ``table.core`` (A, v, B, the domestic inverses); no array larger than
    (GN, GN) and no further GN x GN inverse.
    """
    c = table.core
    G, N, n = c.G, c.N, c.n
    Yc = table.Yc.reshape(G, N, G)  # [t, i, r]: Y^{tr}
    own = np.arange(G)
    ydom = Yc[own, :, own]  # (G, N): Y^{tt}
    yall = Yc.sum(axis=2)  # Y^{t*}
    yexp = yall - ydom  # Σ_{r≠t} Y^{tr}
    E = table.exports.sum(axis=1).reshape(G, N)  # E^{t*}

    vb = c.vb_country.reshape(G, G, N)  # [s, r, j]: (V^s B^{sr})_j
    vb_ss = vb[own, own]  # V^s B^{ss}
    vb_off = vb.copy()
    vb_off[own, own] = 0.0  # V^s B^{sr} for r ≠ s only

    dva_fin = _dot(vb_ss, yexp)
    dva_int = np.einsum("srj,rj->s", vb_off, ydom)
    # Y^{rt} with t ∉ {s, r}: all of r's final goods less those used in r and in s
    y_third = yexp[None, :, :] - Yc.transpose(2, 0, 1)  # [s, r, j]: Σ_{t≠s,r} Y^{rt}
    dva_intrex = np.einsum("srj,srj->s", vb_off, y_third)
    rdv_fin = np.einsum("srj,srj->s", vb_off, Yc.transpose(2, 0, 1))

    # V^s Σ_{r≠s} B^{sr} A^{rs}: row s of (V B, s-block zeroed) times A, at the s-block
    vba = (vb_off.reshape(G, n) @ c.A).reshape(G, G, N)[own, own]
    vbal = np.einsum("sj,sjk->sk", vba, c.L_local)  # ... L^{ss}
    rdv_int = _dot(vbal, ydom)
    ddc = _dot(vbal, E)

    fv = vb.sum(axis=0) - vb_ss  # [s, j]: Σ_{t≠s} V^t B^{ts}
    fva_fin = _dot(fv, yexp)
    fva_int = _dot(fv, _offdiag_A_times(c, c.local_times(ydom.ravel())).reshape(G, N))
    fdc = _dot(fv, _offdiag_A_times(c, c.local_times(E.ravel())).reshape(G, N))

    values = (dva_fin, dva_int, dva_intrex, rdv_fin, rdv_int, ddc, fva_fin, fva_int, fdc)
    variables = dict(zip(TERMS, values, strict=True))
    variables["gexp"] = E.sum(axis=1)
    return result_dataset(
        table, variables, ("exporter",), {"exporter": list(table.countries)}, "kww", REFERENCE
    )


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
        The 9 KWW terms and ``gexp``, by exporter (and year); units of the input.
    """
    dims = [d for d in ("sector", "importer") if d in wwz_ds.dims]
    summed = wwz_ds.sum(dims)
    out = xr.Dataset({k: sum(summed[w] for w in ws) for k, ws in WWZ_TO_KWW.items()})
    out["gexp"] = summed["gexp"]
    out.attrs = {**wwz_ds.attrs, "method": "kww (aggregated from wwz)", "reference": REFERENCE}
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise inner products of two (G, N) arrays."""
    return np.einsum("sj,sj->s", a, b)


def _offdiag_A_times(c, W: np.ndarray) -> np.ndarray:
    """``Σ_{r≠s} A^{sr} W[r-block, s]`` for every row of every s, as (GN,).

    Column s of W (GN, G) holds, in its r-block, the vector that A^{sr}
    multiplies; a (GN,) vector stands for the same vector in every column.
    """
    G, N, n = c.G, c.N, c.n
    blk = np.arange(n) // N
    if W.ndim == 1:
        W = np.broadcast_to(W[:, None], (n, G))
    full = (c.A @ W)[np.arange(n), blk]  # Σ_r A^{sr} W[r-block, s]
    A4 = c.A.reshape(G, N, G, N)
    own = np.arange(G)
    W_own = W.reshape(G, N, G)[own, :, own]  # W[s-block, s]
    return full - np.einsum("sij,sj->si", A4[own, :, own, :], W_own).ravel()
