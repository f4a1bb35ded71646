"""Plain, loop-by-loop numpy transcriptions of the published formulas.

Deliberately naive: dense inverses, explicit sums over countries, no reuse of
the package's code. Used only to check the package on small tables.
"""

import numpy as np


def blocks(t, regions=None):
    """A, v, B, block accessors and Y^{tu} for an IOTable, computed from scratch.

    ``regions`` lists the country indices of each region (default: each
    country alone); blocks then span all rows of a region's countries.
    """
    G, N = t.G, t.N
    regions = regions or [[g] for g in range(G)]
    idx = [np.concatenate([np.arange(c * N, (c + 1) * N) for c in reg]) for reg in regions]
    x = t.x  # the table's gross output: row sums, or as published (output="stored")
    A = np.where(x > 0, t.Z / np.where(x > 0, x, 1.0), 0.0)
    v = 1 - A.sum(axis=0)  # u(I - A)
    B = np.linalg.inv(np.eye(G * N) - A)
    Ycountry = t.Y.sum(axis=2)
    Yc = np.stack([Ycountry[:, reg].sum(axis=1) for reg in regions], axis=1)

    def blk(M, s, r):
        return M[np.ix_(idx[s], idx[r])]

    def vec(a, s):
        return a[idx[s]]

    def Y(s, r):
        return Yc[idx[s], r]

    return len(regions), idx, x, A, v, B, blk, vec, Y


def wwz_terms(t, regions=None):
    """WWZ (2013) eq. (37), term by term: dict name -> (G', N, G') array.

    With ``regions``, a region's exporting rows are summed by industry.
    """
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, regions)
    L = [np.linalg.inv(np.eye(len(idx[s])) - blk(A, s, s)) for s in range(G)]
    names = [
        "DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2", "RDV_INT",
        "RDV_FIN", "RDV_FIN2", "OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT", "DDC_FIN",
        "DDC_INT", "ODC", "MDC", "gexp",
    ]  # fmt: skip
    out = {k: np.zeros((G, t.N, G)) for k in names}
    Etot = [sum(blk(A, r, u) @ vec(x, u) + Y(r, u) for u in range(G) if u != r) for r in range(G)]
    for s in range(G):
        VsBss = vec(v, s) @ blk(B, s, s)
        VsLss = vec(v, s) @ L[s]
        m = len(idx[s])
        industry = idx[s] % t.N
        for r in range(G):
            if r == s:
                continue
            Asr = blk(A, s, r)
            VrBrs = vec(v, r) @ blk(B, r, s)
            VtBts = sum((vec(v, q) @ blk(B, q, s) for q in range(G) if q not in (s, r)), np.zeros(m))
            others = [q for q in range(G) if q not in (s, r)]
            nr = len(idx[r])
            T = {}
            T["DVA_FIN"] = VsBss * Y(s, r)
            T["DVA_INT"] = VsLss * (Asr @ blk(B, r, r) @ Y(r, r))
            T["DVA_INTrexI1"] = VsLss * (Asr @ sum((blk(B, r, q) @ Y(q, q) for q in others), np.zeros(nr)))
            T["DVA_INTrexF"] = VsLss * (Asr @ blk(B, r, r) @ sum((Y(r, q) for q in others), np.zeros(nr)))
            inner = np.zeros(nr)
            for q in others:
                inner += blk(B, r, q) @ sum((Y(q, u) for u in range(G) if u not in (s, q)), np.zeros(len(idx[q])))
            T["DVA_INTrexI2"] = VsLss * (Asr @ inner)
            T["RDV_INT"] = VsLss * (Asr @ blk(B, r, s) @ Y(s, s))
            T["RDV_FIN"] = VsLss * (Asr @ blk(B, r, r) @ Y(r, s))
            T["RDV_FIN2"] = VsLss * (Asr @ sum((blk(B, r, q) @ Y(q, s) for q in others), np.zeros(nr)))
            T["OVA_FIN"] = VtBts * Y(s, r)
            T["MVA_FIN"] = VrBrs * Y(s, r)
            ALY = Asr @ L[r] @ Y(r, r)
            T["OVA_INT"] = VtBts * ALY
            T["MVA_INT"] = VrBrs * ALY
            T["DDC_FIN"] = VsLss * (Asr @ blk(B, r, s) @ sum(Y(s, q) for q in range(G) if q != s))
            T["DDC_INT"] = (VsBss - VsLss) * (Asr @ vec(x, r))
            ALE = Asr @ L[r] @ Etot[r]
            T["ODC"] = VtBts * ALE
            T["MDC"] = VrBrs * ALE
            T["gexp"] = Asr @ vec(x, r) + Y(s, r)
            for k, a in T.items():
                out[k][s, :, r] = np.bincount(industry, weights=a, minlength=t.N)
    return out
