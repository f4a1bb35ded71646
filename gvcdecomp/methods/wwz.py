"""Wang, Wei & Zhu (2013): 16-term decomposition of bilateral sector exports."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import xarray as xr

from ..table import BalanceWarning, caller_stacklevel
from . import _filters
from ._result import result_dataset

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


def wwz(table, groups=None, exporter=None, sector=None) -> xr.Dataset:
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
    exporter, sector : list of str, optional
        Compute only these exporters (regions) and exporting sectors, in this
        order (``decompose``'s filters): the kernel runs over their rows only,
        and the solves take their final-demand columns only (the blocks
        ``B^{rr}`` are then products from solves when that is cheaper than the
        diagonal blocks). Equal to the full result's selection up to round-off.

    Notes
    -----
    Neither B nor A is formed: products with B are solves with the LU factors
    of the table's core, ``B^{rr}`` and ``V^t B^{t·}`` come from them (see
    :class:`~gvcdecomp.core.Engine`), and every ``A^{sr} w`` product runs in a
    numba kernel over the rows of Z, scaled by ``1/x`` (the exported rows only
    with ``exporter``/``sector``).
    """
    c = table.core
    R = c.regions(groups)
    cells = _filters.Cells(R, table.sectors, exporter, sector)
    if cells.everything:  # the full table: no copies of the (GN, G') arrays
        rows, take = np.arange(c.n), (lambda a: a)
    else:
        rows, take = cells.rows, (lambda a: a[cells.rows])
    owner = R.owner[rows]  # region of each exported row
    at = np.arange(rows.size)
    Yc = R.columns(table.Yc)  # Y^{ts}: final demand by destination region
    E = R.exports(table)
    AW = _products(table, R, Yc, E, cells)  # (rows, G', K), each AW[..., k] one contiguous block
    Ysr = take(Yc)  # rows' final sales by destination region (Yc itself for every row)
    del Yc

    vsbss = R.vb[owner, rows][:, None]  # V^s B^{ss}
    vslss = np.empty(c.n)  # V^s L^{ss}, for the exporting regions
    for s in cells.S:
        vslss[R.rows[s]] = c.v[R.rows[s]] @ R.L_local[s]
    vslss = vslss[rows][:, None]
    vrbrs = take(R.vb.T)  # [i, r]: V^r B^{rs}
    vo = (R.vb.sum(axis=0)[rows, None] - vsbss) - vrbrs  # Σ_{t≠s,r} V^t B^{ts}
    Ysr[at, owner] = 0.0

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
        a[at, owner] = 0.0
    terms["gexp"] = take(E)
    cell = R.by_region_sector if cells.everything else cells.by_cell
    terms = {k: cell(a) for k, a in terms.items()}
    terms["gap"] = terms["gexp"] - sum(terms[k] for k in TERMS)
    coords = {
        "exporter": [R.names[s] for s in cells.S],
        "sector": [table.sectors[q] for q in cells.Q],
        "importer": list(R.names),
    }
    ds = result_dataset(
        table, terms, ("exporter", "sector", "importer"), coords, method="wwz",
        reference=REFERENCE, groups=groups,
    )  # fmt: skip
    of = "" if sector is None else "exports in the sectors asked"  # the shares' base
    return with_gap(ds, ("sector", "importer"), of)


#: Vectors that A^{sr} multiplies in the terms (see :func:`_products`).
_K = 11


def _products(table, R, Yc, E, cells):
    """``A^{sr} W_k`` for the K = 11 vectors W_k of the terms, for the rows of
    ``cells`` (exporters s): (rows, G', K), laid out as K contiguous (rows, G')
    blocks so that the terms can be formed in place.

    A function of its own so that its (GN, G') and (G', GN, K) temporaries are
    freed before the terms are formed; each is freed as soon as W holds what it
    gives (peak memory of WWZ is these temporaries beside the LU factors).
    """
    c = table.core
    G, n, owner, rows = R.G, c.n, R.owner, np.arange(c.n)
    S, k = cells.S, cells.S.size
    # every exporter in table order: views, not copies, of the (GN, G') arrays
    pick = slice(None) if np.array_equal(S, np.arange(G)) else S
    ydom = Yc[rows, owner]  # Y^{tt}
    yall = Yc.sum(axis=1)  # Y^{t*}
    yexp = yall - ydom  # final exports Σ_{u≠t} Y^{tu}
    E_tot = E.sum(axis=1)  # E^{r*}

    # W[p, j, k]: entry j (a row of region r) of the vector that A^{sr} multiplies
    # in term k for the pair (s = S[p], r).
    if k == G:  # every exporter: B^{rr} Y^{rs} for all s (the blocks' solves before W exists)
        BdY = R.diag_times(Yc)
        BdYdom, BdYall = BdY[rows, owner], BdY.sum(axis=1)  # B^{rr} Y^{rr}, B^{rr} Y^{r*}
        BdY = BdY[:, pick]  # in the order asked
    else:
        ws = np.hstack([Yc[:, S], ydom[:, None], yall[:, None]])
        BdY, BdYdom, BdYall = np.split(_diag_times(R, ws), [k, k + 1], axis=1)
        BdYdom, BdYall = BdYdom[:, 0], BdYall[:, 0]
    W = np.empty((k, n, _K))
    W[..., 8] = table.x  # DDC_INT: A^{sr} X^r with the table's gross output
    W[..., 9] = R.local_times(ydom)  # *_INT: L^{rr} Y^{rr}
    W[..., 10] = R.local_times(E_tot)  # *DC: L^{rr} E^{r*}
    W[..., 0] = BdYdom  # DVA_INT
    W[..., 2] = BdYall - BdYdom - BdY.T  # DVA_INTrexF
    W[..., 5] = BdY.T  # RDV_FIN
    # Σ_t B^{rt} Y^{ts}, B^{rs} Y^{ss} and B^{rs} Σ_{t≠s} Y^{st}: one solve, 3k columns
    # (and B Y^{t*}, B Y^{tt} when not every s is among them)
    rhs = [Yc[:, pick], R.indicator(ydom).T[:, pick], R.indicator(yexp).T[:, pick]]
    if k == G:  # (the sums in the order asked: up to round-off, the same)
        BY, P_dom, P_exp = np.split(c.solve(np.hstack(rhs)), 3, axis=1)
        B_ydom, BYall = P_dom.sum(axis=1), BY.sum(axis=1)
    else:
        sol = c.solve(np.hstack([*rhs, ydom[:, None], yall[:, None]]))
        BY, P_dom, P_exp, B_ydom, BYall = np.split(sol, [k, 2 * k, 3 * k, 3 * k + 1], axis=1)
        B_ydom, BYall = B_ydom[:, 0], BYall[:, 0]
    del rhs  # the (G', GN) indicators: not beside W and the kernel's output
    # B_ydom = Σ_t B^{rt} Y^{tt}; BYall = Σ_t B^{rt} Y^{t*}: x only when x is the row sums
    W[..., 1] = (B_ydom - BdYdom) - P_dom.T  # DVA_INTrexI1
    # DVA_INTrexI2: (BYall - B_ydom - BdYall + BdYdom) - P_exp.T - BY.T + BdY.T + P_dom.T
    W[..., 3] = W[..., 5] + P_dom.T - P_exp.T - BY.T + (BYall - B_ydom - BdYall + BdYdom)
    W[..., 4] = P_dom.T  # RDV_INT
    W[..., 6] = BY.T - BdY.T - P_dom.T  # RDV_FIN2
    W[..., 7] = P_exp.T  # DDC_FIN
    del BY, P_dom, P_exp, BdY
    if cells.everything:
        return pair_products(c.engine, W, owner, G)
    return pair_products(c.engine, W, owner, G, cells.rows, cells.slot)


def _diag_times(R, w: np.ndarray) -> np.ndarray:
    """``B^{rr} w_r`` for every region r, w of shape (GN, m).

    From the diagonal blocks when they are cheaper; otherwise from one solve
    with G' m right-hand sides (w's entries of each region, zero elsewhere):
    2 n² G' m flops against the blocks' (2/3) n³. Chosen by cost alone, never by
    what is cached, so that a call's numbers do not depend on earlier calls.
    """
    n, m = w.shape
    if 3 * R.G * m >= n:
        return R.diag_times(w)
    X = np.zeros((n, R.G * m))
    for g, r in enumerate(R.rows):
        X[r, g * m : (g + 1) * m] = w[r]
    X = R.engine.solve(X)
    out = np.empty((n, m))
    for g, r in enumerate(R.rows):
        out[r] = X[r, g * m : (g + 1) * m]
    return out


def with_gap(ds: xr.Dataset, dims, of: str = "") -> xr.Dataset:
    """Record the world total of ``gap`` and warn when an exporter's gap exceeds
    ``GAP_WARN`` of its gross exports (summed over ``dims``; ``of`` names what
    they are when not all of them, only with published output)."""
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
            f"{float(share.max()):.3%} of {ds['exporter'].values[worst]}'s {of or 'gross exports'} "
            f"unexplained ({int((share > GAP_WARN).sum())} exporter(s) above "
            f"{GAP_WARN:.2%}; world total {ds.attrs['gap_world']:.6g}); see variable 'gap'",
            BalanceWarning,
            stacklevel=caller_stacklevel(),
        )
    return ds


def pair_products(engine, W, owner, G, rows=None, slot=None):
    """``out[t, r, k] = Σ_{j in r} A_ij W[slot[t], j, k]`` for row i = rows[t] and
    r != owner[i]: (len(rows), G', K). By default every row, ``slot = owner``.

    A's entries are read as ``Z_ij / x_j`` from the core's engine (the same
    bits as the dense A), so no GN x GN array is formed. Each ``out[..., k]`` is
    a contiguous (rows, G') block (``out`` is a view of a (K, rows, G') array), so
    that results can be formed in place in it; one layout, one compiled kernel.
    """
    if rows is None:
        rows, slot = np.arange(engine.n), owner
    rows, slot = np.asarray(rows, dtype=np.int64), np.asarray(slot, dtype=np.int64)
    out = np.empty((W.shape[2], rows.size, G)).transpose(1, 2, 0)
    owner = np.asarray(owner, dtype=np.int64)
    _scaled_pair_products(engine.Z, engine.inv_x, W, owner, rows, slot, G, out)
    return out


@numba.njit(parallel=True, cache=True)
def _scaled_pair_products(Z, scale, W, owner, rows, slot, G, out):
    """out[t, r, k] = Σ_{j in r} Z[i, j] scale[j] W[slot[t], j, k], i = rows[t], for
    r != owner[i], else 0."""
    n, K = Z.shape[0], W.shape[2]
    for t in numba.prange(rows.size):
        i, w = rows[t], slot[t]
        s = owner[i]
        acc = np.zeros((G, K))  # row i's sums, written once to out (of any layout)
        for j in range(n):
            r = owner[j]
            a = Z[i, j] * scale[j]
            if r == s or a == 0.0:
                continue
            for k in range(K):
                acc[r, k] += a * W[w, j, k]
        out[t] = acc


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
