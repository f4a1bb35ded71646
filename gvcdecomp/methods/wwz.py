"""Wang, Wei & Zhu (2013): 16-term decomposition of bilateral sector exports."""

from __future__ import annotations

import numba
import numpy as np
import xarray as xr

from ._result import bilateral_dataset

REFERENCE = (
    "Wang, Z., Wei, S.-J. and Zhu, K. (2013), Quantifying international production "
    "sharing at the bilateral and sector levels, NBER Working Paper 19677, eq. (37); "
    "term names as in the R package decompr"
)

TERMS = (
    "DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2",
    "RDV_INT", "RDV_FIN", "RDV_FIN2",
    "OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT",
    "DDC_FIN", "DDC_INT", "ODC", "MDC",
)  # fmt: skip

#: The usual groups of terms (WWZ 2013, Table 2 and Figure 1).
GROUPS = {
    "DVA": ("DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2"),
    "RDV": ("RDV_INT", "RDV_FIN", "RDV_FIN2"),
    "FVA": ("OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT"),
    "DDC": ("DDC_FIN", "DDC_INT"),
    "FDC": ("ODC", "MDC"),
}


def wwz(table) -> xr.Dataset:
    r"""Wang–Wei–Zhu decomposition of gross exports into 16 value-added terms.

    For exporter s, exporting sector i and importer r != s, with ``#`` the
    element-wise product, ``V^s B^{ss}`` the column sums of ``v̂_s B^{ss}``,
    ``L^{ss} = (I - A^{ss})^{-1}`` and all sums over countries t, u:

    ============  ======================================================
    DVA_FIN       (V^s B^{ss})ᵀ # Y^{sr}
    DVA_INT       (V^s L^{ss})ᵀ # A^{sr} B^{rr} Y^{rr}
    DVA_INTrexI1  (V^s L^{ss})ᵀ # A^{sr} Σ_{t≠s,r} B^{rt} Y^{tt}
    DVA_INTrexF   (V^s L^{ss})ᵀ # A^{sr} B^{rr} Σ_{t≠s,r} Y^{rt}
    DVA_INTrexI2  (V^s L^{ss})ᵀ # A^{sr} Σ_{t≠s,r} B^{rt} Σ_{u≠s,t} Y^{tu}
    RDV_INT       (V^s L^{ss})ᵀ # A^{sr} B^{rs} Y^{ss}
    RDV_FIN       (V^s L^{ss})ᵀ # A^{sr} B^{rr} Y^{rs}
    RDV_FIN2      (V^s L^{ss})ᵀ # A^{sr} Σ_{t≠s,r} B^{rt} Y^{ts}
    OVA_FIN       (Σ_{t≠s,r} V^t B^{ts})ᵀ # Y^{sr}
    MVA_FIN       (V^r B^{rs})ᵀ # Y^{sr}
    OVA_INT       (Σ_{t≠s,r} V^t B^{ts})ᵀ # A^{sr} L^{rr} Y^{rr}
    MVA_INT       (V^r B^{rs})ᵀ # A^{sr} L^{rr} Y^{rr}
    DDC_FIN       (V^s L^{ss})ᵀ # A^{sr} B^{rs} Σ_{t≠s} Y^{st}
    DDC_INT       (V^s B^{ss} - V^s L^{ss})ᵀ # A^{sr} X^r
    ODC           (Σ_{t≠s,r} V^t B^{ts})ᵀ # A^{sr} L^{rr} E^{r*}
    MDC           (V^r B^{rs})ᵀ # A^{sr} L^{rr} E^{r*}
    ============  ======================================================

    The 16 terms add up to gross exports ``E^{sr} = A^{sr} X^r + Y^{sr}``
    (variable ``gexp``) for every exporter, sector and importer, exactly when
    gross output is the row sums of the table (the default).

    Reference: Wang, Wei & Zhu (2013), NBER WP 19677, eq. (37); term names and
    order as in the R package decompr (``wwz``).

    Returns
    -------
    xarray.Dataset
        Dimensions (exporter, sector, importer); one variable per term plus
        ``gexp``; units of the table (WIOD: millions of US dollars). Entries with
        importer == exporter are zero.

    No array larger than (GN, GN) is formed: every ``A^{sr} w`` product runs in
    a numba kernel over the N x N blocks.
    """
    c = table.core
    G, N, n = c.G, c.N, c.n
    Yc = table.Yc
    blk = np.arange(n) // N  # country of each row

    ydom = Yc[np.arange(n), blk]  # Y^{tt}
    yall = Yc.sum(axis=1)  # Y^{t*}
    yexp = yall - ydom  # final exports Σ_{u≠t} Y^{tu}
    E_tot = table.exports.sum(axis=1)  # E^{r*}

    BY = c.B @ Yc  # Σ_t B^{rt} Y^{ts}
    BdY = c.diag_times(Yc)  # B^{rr} Y^{rs}
    BdYdom = BdY[np.arange(n), blk]  # B^{rr} Y^{rr}
    BdYall = BdY.sum(axis=1)  # B^{rr} Y^{r*}
    P_dom = c.times_blockdiag(ydom)  # B^{rs} Y^{ss}
    P_exp = c.times_blockdiag(yexp)  # B^{rs} Σ_{t≠s} Y^{st}
    B_ydom = P_dom.sum(axis=1)  # Σ_t B^{rt} Y^{tt}
    x = table.x

    # w[k][j in r, s]: the vector that A^{sr} multiplies in term k, for pair (s, r).
    col = np.ones((1, G))
    W = np.stack(
        [
            BdYdom[:, None] * col,  # DVA_INT
            (B_ydom - BdYdom)[:, None] - P_dom,  # DVA_INTrexI1
            (BdYall - BdYdom)[:, None] - BdY,  # DVA_INTrexF
            (x - B_ydom - BdYall + BdYdom)[:, None] - P_exp - BY + BdY + P_dom,  # DVA_INTrexI2
            P_dom,  # RDV_INT
            BdY,  # RDV_FIN
            BY - BdY - P_dom,  # RDV_FIN2
            P_exp,  # DDC_FIN
            x[:, None] * col,  # DDC_INT
            c.local_times(ydom)[:, None] * col,  # *_INT: L^{rr} Y^{rr}
            c.local_times(E_tot)[:, None] * col,  # *DC: L^{rr} E^{r*}
        ]
    )
    AW = _pair_products(c.A, np.ascontiguousarray(W.transpose(0, 2, 1)), G, N)  # (K, G, N, G)

    vsbss = c.vb_country[blk, np.arange(n)].reshape(G, N)  # V^s B^{ss}
    vslss = np.einsum("gj,gji->gi", c.v.reshape(G, N), c.L_local)  # V^s L^{ss}
    vrbrs = c.vb_country.reshape(G, G, N).transpose(1, 2, 0)  # [s, i, r]: V^r B^{rs}
    vtot = c.vb_country.sum(axis=0).reshape(G, N)  # Σ_t V^t B^{ts} (= 1 up to round-off)
    vo = (vtot - vsbss)[:, :, None] - vrbrs  # Σ_{t≠s,r} V^t B^{ts}
    Ysr = Yc.reshape(G, N, G).copy()
    for s in range(G):
        Ysr[s, :, s] = 0.0
    d = vslss[:, :, None]

    terms = {
        "DVA_FIN": vsbss[:, :, None] * Ysr,
        "DVA_INT": d * AW[0],
        "DVA_INTrexI1": d * AW[1],
        "DVA_INTrexF": d * AW[2],
        "DVA_INTrexI2": d * AW[3],
        "RDV_INT": d * AW[4],
        "RDV_FIN": d * AW[5],
        "RDV_FIN2": d * AW[6],
        "OVA_FIN": vo * Ysr,
        "MVA_FIN": vrbrs * Ysr,
        "OVA_INT": vo * AW[9],
        "MVA_INT": vrbrs * AW[9],
        "DDC_FIN": d * AW[7],
        "DDC_INT": (vsbss - vslss)[:, :, None] * AW[8],
        "ODC": vo * AW[10],
        "MDC": vrbrs * AW[10],
    }
    for a in terms.values():  # importer == exporter is not an export
        a[np.arange(G), :, np.arange(G)] = 0.0
    terms["gexp"] = table.exports.reshape(G, N, G)
    return bilateral_dataset(table, terms, method="wwz", reference=REFERENCE)


@numba.njit(parallel=True, cache=True)
def _pair_products(A, Wt, G, N):
    """out[k, s, i, r] = Σ_j A[sN+i, rN+j] Wt[k, s, rN+j] for r != s."""
    K = Wt.shape[0]
    out = np.zeros((K, G, N, G))
    for s in numba.prange(G):
        for r in range(G):
            if r == s:
                continue
            for i in range(N):
                row = s * N + i
                for k in range(K):
                    acc = 0.0
                    for j in range(N):
                        acc += A[row, r * N + j] * Wt[k, s, r * N + j]
                    out[k, s, i, r] = acc
    return out


def summarize(ds: xr.Dataset) -> xr.Dataset:
    """Group the 16 WWZ terms into DVA, RDV, FVA, DDC, FDC and PDC, with shares.

    DVA (terms 1–5) is domestic value added absorbed abroad, RDV (6–8) domestic
    value added that returns home, FVA (9–12) foreign value added, DDC (13–14)
    and FDC (15–16) domestic and foreign double counting, PDC = DDC + FDC.
    ``*_share`` variables divide by ``gexp`` (0 where gexp is 0). Sum over any
    dimension first (e.g. ``ds.sum("importer")``) to get the shares of that
    aggregate. Reference: Wang, Wei & Zhu (2013), Figure 1.
    """
    out = xr.Dataset({g: sum(ds[t] for t in ts) for g, ts in GROUPS.items()})
    out["PDC"] = out["DDC"] + out["FDC"]
    out["gexp"] = ds["gexp"]
    for g in (*GROUPS, "PDC"):
        out[f"{g}_share"] = xr.where(ds["gexp"] != 0, out[g] / ds["gexp"].where(ds["gexp"] != 0), 0.0)
    out.attrs = dict(ds.attrs)
    return out
