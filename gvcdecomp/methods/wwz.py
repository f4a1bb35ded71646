"""Wang, Wei & Zhu (2013): 16-term decomposition of bilateral sector exports."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import xarray as xr

from ..table import BalanceWarning, caller_stacklevel
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

#: Share of an exporter's gross exports that the terms may leave unexplained
#: (``gap``) before a warning is given.
GAP_WARN = 1e-4

#: The usual groups of terms (WWZ 2013, Table 2 and Figure 1).
GROUPS = {
    "DVA": ("DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2"),
    "RDV": ("RDV_INT", "RDV_FIN", "RDV_FIN2"),
    "FVA": ("OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT"),
    "DDC": ("DDC_FIN", "DDC_INT"),
    "FDC": ("ODC", "MDC"),
}


def wwz(table, groups=None) -> xr.Dataset:
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
    gross output is the row sums of the table (the default). With published
    output (``output="stored"``) every term follows its formula (DDC_INT with
    the published X^r) and they fall short of or exceed gross exports by
    ``gap = gexp - Σ terms`` (R decompr's ``texpdiff``); its world total is the
    attribute ``gap_world``, and a :class:`~gvcdecomp.table.BalanceWarning` is
    given when an exporter's gap exceeds ``GAP_WARN`` (0.01 %) of its exports.

    Reference: Wang, Wei & Zhu (2013), NBER WP 19677, eq. (37); term names and
    order as in the R package decompr (``wwz``).

    Returns
    -------
    xarray.Dataset
        Dimensions (exporter, sector, importer); one variable per term plus
        ``gexp`` and ``gap``; units of the table (WIOD: millions of US
        dollars). Entries with importer == exporter are zero.

    Parameters
    ----------
    groups : dict, optional
        Regions treated as one exporter, e.g. ``{"EU": [...members]}``: trade
        among members is domestic (s and r above are then regions, and the
        group's blocks ``A^{ss}``, ``L^{ss}``, ``B^{ss}`` span all its members).
        Exporting sectors of a group add up its members' same industry.

    Notes
    -----
    Neither B nor A is formed: products with B are solves with the LU factors
    of the table's core, ``B^{rr}`` and ``V^t B^{t·}`` come from them (see
    :class:`~gvcdecomp.core.Engine`), and every ``A^{sr} w`` product runs in a
    numba kernel over the rows of Z, scaled by ``1/x``.
    """
    c = table.core
    R = c.regions(groups)
    n, owner, rows = c.n, R.owner, np.arange(c.n)
    Ysr = R.columns(table.Yc)  # Y^{ts}: final demand by destination region (Yc, then Ysr)
    E = R.exports(table)
    AW = _products(table, R, Ysr, E)  # (GN, G', K), each AW[..., k] one contiguous block

    vsbss = R.vb[owner, rows][:, None]  # V^s B^{ss}
    vslss = np.empty(n)  # V^s L^{ss}
    for L, r in zip(R.L_local, R.rows):
        vslss[r] = c.v[r] @ L
    vslss = vslss[:, None]
    vrbrs = R.vb.T  # [i, r]: V^r B^{rs}
    vo = (R.vb.sum(axis=0)[:, None] - vsbss) - vrbrs  # Σ_{t≠s,r} V^t B^{ts}
    Ysr[rows, owner] = 0.0

    def into(w, k):  # w * AW[..., k], in AW's memory: the terms are views of AW
        return np.multiply(w, AW[..., k], out=AW[..., k])

    # entries are evaluated in order: OVA_INT and ODC read AW before MVA_INT and MDC overwrite it
    terms = {
        "DVA_FIN": vsbss * Ysr,
        "DVA_INT": into(vslss, 0),
        "DVA_INTrexI1": into(vslss, 1),
        "DVA_INTrexF": into(vslss, 2),
        "DVA_INTrexI2": into(vslss, 3),
        "RDV_INT": into(vslss, 4),
        "RDV_FIN": into(vslss, 5),
        "RDV_FIN2": into(vslss, 6),
        "OVA_FIN": vo * Ysr,
        "MVA_FIN": vrbrs * Ysr,
        "OVA_INT": vo * AW[..., 9],
        "MVA_INT": into(vrbrs, 9),
        "DDC_FIN": into(vslss, 7),
        "DDC_INT": into(vsbss - vslss, 8),
        "ODC": vo * AW[..., 10],
        "MDC": into(vrbrs, 10),
    }
    del AW, Ysr, vo
    for a in terms.values():  # a region's sales to itself are not exports
        a[rows, owner] = 0.0
    terms["gexp"] = E
    terms = {k: R.by_region_sector(a) for k, a in terms.items()}
    terms["gap"] = terms["gexp"] - sum(terms[k] for k in TERMS)
    ds = bilateral_dataset(table, terms, R.names, method="wwz", reference=REFERENCE, groups=groups)
    return with_gap(ds, ("sector", "importer"))


#: Vectors that A^{sr} multiplies in the terms (see :func:`_products`).
_K = 11


def _products(table, R, Yc, E):
    """``A^{sr} W_k`` for the K = 11 vectors W_k of the terms: (GN, G', K), laid
    out as K contiguous (GN, G') blocks so that the terms can be formed in place.

    A function of its own so that its (GN, G') and (G', GN, K) temporaries are
    freed before the terms are formed; each is freed as soon as W holds what it
    gives (peak memory of WWZ is these temporaries beside the LU factors).
    """
    c = table.core
    G, n, owner, rows = R.G, c.n, R.owner, np.arange(c.n)
    ydom = Yc[rows, owner]  # Y^{tt}
    yall = Yc.sum(axis=1)  # Y^{t*}
    yexp = yall - ydom  # final exports Σ_{u≠t} Y^{tu}
    E_tot = E.sum(axis=1)  # E^{r*}

    # W[s, j, k]: entry j (a row of region r) of the vector that A^{sr} multiplies
    # in term k for the pair (s, r).
    BdY = R.diag_times(Yc)  # B^{rr} Y^{rs} (the blocks' solves before W exists)
    W = np.empty((G, n, _K))
    W[..., 8] = table.x  # DDC_INT: A^{sr} X^r with the table's gross output
    W[..., 9] = R.local_times(ydom)  # *_INT: L^{rr} Y^{rr}
    W[..., 10] = R.local_times(E_tot)  # *DC: L^{rr} E^{r*}
    BdYdom = BdY[rows, owner]  # B^{rr} Y^{rr}
    BdYall = BdY.sum(axis=1)  # B^{rr} Y^{r*}
    W[..., 0] = BdYdom  # DVA_INT
    W[..., 2] = BdYall - BdYdom - BdY.T  # DVA_INTrexF
    W[..., 5] = BdY.T  # RDV_FIN
    # Σ_t B^{rt} Y^{ts}, B^{rs} Y^{ss} and B^{rs} Σ_{t≠s} Y^{st}: one solve, 3G' columns
    BY, P_dom, P_exp = np.split(
        c.solve(np.hstack([Yc, R.indicator(ydom).T, R.indicator(yexp).T])), 3, axis=1
    )
    B_ydom = P_dom.sum(axis=1)  # Σ_t B^{rt} Y^{tt}
    BYall = BY.sum(axis=1)  # Σ_t B^{rt} Y^{t*}: x only when x is the row sums
    W[..., 1] = (B_ydom - BdYdom) - P_dom.T  # DVA_INTrexI1
    # DVA_INTrexI2: (BYall - B_ydom - BdYall + BdYdom) - P_exp.T - BY.T + BdY.T + P_dom.T
    W[..., 3] = W[..., 5] + P_dom.T - P_exp.T - BY.T + (BYall - B_ydom - BdYall + BdYdom)
    W[..., 4] = P_dom.T  # RDV_INT
    W[..., 6] = BY.T - BdY.T - P_dom.T  # RDV_FIN2
    W[..., 7] = P_exp.T  # DDC_FIN
    del BY, P_dom, P_exp, BdY
    return pair_products(c.engine, W, owner, G)


def with_gap(ds: xr.Dataset, dims) -> xr.Dataset:
    """Record the world total of ``gap`` and warn when an exporter's gap exceeds
    ``GAP_WARN`` of its gross exports (only with published output)."""
    # on the numpy arrays: xarray's reductions cost more than the rest of KWW
    gap, gexp = ds["gap"], ds["gexp"].transpose(*ds["gap"].dims)
    ds.attrs["gap_world"] = float(gap.values.sum())
    axes = tuple(gap.get_axis_num(d) for d in dims)
    den = np.abs(gexp.values).sum(axis=axes)
    share = np.abs(gap.values.sum(axis=axes))
    share = np.divide(share, den, out=np.zeros_like(share), where=den > 0)
    if (share > GAP_WARN).any():
        worst = int(np.argmax(share))
        warnings.warn(
            f"{ds.attrs['source']}: with stored gross output the terms leave "
            f"{float(share.max()):.3%} of {ds['exporter'].values[worst]}'s gross exports "
            f"unexplained ({int((share > GAP_WARN).sum())} exporter(s) above "
            f"{GAP_WARN:.2%}; world total {ds.attrs['gap_world']:.6g}); see variable 'gap'",
            BalanceWarning,
            stacklevel=caller_stacklevel(),
        )
    return ds


def pair_products(engine, W, owner, G):
    """``out[i, r, k] = Σ_{j in r} A_ij W[owner[i], j, k]`` for r != owner[i]: (GN, G', K).

    A's entries are read as ``Z_ij / x_j`` from the core's engine (the same
    bits as the dense A), so no GN x GN array is formed. Each ``out[..., k]`` is
    a contiguous (GN, G') block (``out`` is a view of a (K, GN, G') array), so
    that results can be formed in place in it; one layout, one compiled kernel.
    """
    out = np.empty((W.shape[2], engine.n, G)).transpose(1, 2, 0)
    _scaled_pair_products(engine.Z, engine.inv_x, W, owner, G, out)
    return out


@numba.njit(parallel=True, cache=True)
def _scaled_pair_products(Z, scale, W, owner, G, out):
    """out[i, r, k] = Σ_{j in r} Z[i, j] scale[j] W[owner[i], j, k] for r != owner[i], else 0."""
    n, K = Z.shape[0], W.shape[2]
    for i in numba.prange(n):
        s = owner[i]
        acc = np.zeros((G, K))  # row i's sums, written once to out (of any layout)
        for j in range(n):
            r = owner[j]
            a = Z[i, j] * scale[j]
            if r == s or a == 0.0:
                continue
            for k in range(K):
                acc[r, k] += a * W[s, j, k]
        out[i] = acc


def summarize(ds: xr.Dataset) -> xr.Dataset:
    """Group the 16 WWZ terms into DVA, RDV, FVA, DDC, FDC and PDC, with shares.

    DVA (terms 1–5) is domestic value added absorbed abroad, RDV (6–8) domestic
    value added that returns home, FVA (9–12) foreign value added, DDC (13–14)
    and FDC (15–16) domestic and foreign double counting, PDC = DDC + FDC;
    ``gap`` (gross exports not explained by the terms: zero up to round-off
    with row-sum output) is carried over.
    ``*_share`` variables divide by ``gexp`` (0 where gexp is 0); DVA's is
    ``DVA_absorbed_abroad_share`` (not TiVA's EXGR_DVASH, domestic content,
    which also counts RDV and DDC). Sum over any
    dimension first (e.g. ``ds.sum("importer")``) to get the shares of that
    aggregate. Reference: Wang, Wei & Zhu (2013), Figure 1.
    """
    out = xr.Dataset({g: sum(ds[t] for t in ts) for g, ts in GROUPS.items()})
    out["PDC"] = out["DDC"] + out["FDC"]
    out["gexp"] = ds["gexp"]
    out["gap"] = ds["gexp"] - sum(out[g] for g in GROUPS)
    for g in (*GROUPS, "PDC"):
        name = "DVA_absorbed_abroad_share" if g == "DVA" else f"{g}_share"
        out[name] = xr.where(ds["gexp"] != 0, out[g] / ds["gexp"].where(ds["gexp"] != 0), 0.0)
    out.attrs = dict(ds.attrs)
    from ..vocabulary import describe  # the glossary's attributes on every variable

    return describe(out)
