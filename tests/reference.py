"""Plain, loop-by-loop numpy transcriptions of the published formulas.

Deliberately naive: dense inverses, explicit sums over countries, no reuse of
the package's code. Used only to check the package on small tables.
"""

import numpy as np


def blocks(t):
    """A, v, B, block accessors and Y^{tu} for an IOTable, computed from scratch."""
    G, N = t.G, t.N
    x = t.Z.sum(axis=1) + t.Y.sum(axis=(1, 2))
    A = np.where(x > 0, t.Z / np.where(x > 0, x, 1.0), 0.0)
    v = 1 - A.sum(axis=0)  # u(I - A)
    B = np.linalg.inv(np.eye(G * N) - A)
    Yc = t.Y.sum(axis=2)

    def blk(M, s, r):
        return M[s * N : (s + 1) * N, r * N : (r + 1) * N]

    def vec(a, s):
        return a[s * N : (s + 1) * N]

    def Y(s, r):
        return Yc[s * N : (s + 1) * N, r]

    return G, N, x, A, v, B, blk, vec, Y


def wwz_terms(t):
    """WWZ (2013) eq. (37), term by term: dict name -> (G, N, G) array."""
    G, N, x, A, v, B, blk, vec, Y = blocks(t)
    L = [np.linalg.inv(np.eye(N) - blk(A, s, s)) for s in range(G)]
    names = [
        "DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2", "RDV_INT",
        "RDV_FIN", "RDV_FIN2", "OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT", "DDC_FIN",
        "DDC_INT", "ODC", "MDC", "gexp",
    ]  # fmt: skip
    out = {k: np.zeros((G, N, G)) for k in names}
    Etot = [sum(blk(A, r, u) @ vec(x, u) + Y(r, u) for u in range(G) if u != r) for r in range(G)]
    for s in range(G):
        VsBss = vec(v, s) @ blk(B, s, s)
        VsLss = vec(v, s) @ L[s]
        for r in range(G):
            if r == s:
                continue
            Asr = blk(A, s, r)
            VrBrs = vec(v, r) @ blk(B, r, s)
            VtBts = sum(vec(v, q) @ blk(B, q, s) for q in range(G) if q not in (s, r))
            others = [q for q in range(G) if q not in (s, r)]
            T = out
            T["DVA_FIN"][s, :, r] = VsBss * Y(s, r)
            T["DVA_INT"][s, :, r] = VsLss * (Asr @ blk(B, r, r) @ Y(r, r))
            T["DVA_INTrexI1"][s, :, r] = VsLss * (Asr @ sum((blk(B, r, q) @ Y(q, q) for q in others), np.zeros(N)))
            T["DVA_INTrexF"][s, :, r] = VsLss * (Asr @ blk(B, r, r) @ sum((Y(r, q) for q in others), np.zeros(N)))
            inner = np.zeros(N)
            for q in others:
                inner += blk(B, r, q) @ sum((Y(q, u) for u in range(G) if u not in (s, q)), np.zeros(N))
            T["DVA_INTrexI2"][s, :, r] = VsLss * (Asr @ inner)
            T["RDV_INT"][s, :, r] = VsLss * (Asr @ blk(B, r, s) @ Y(s, s))
            T["RDV_FIN"][s, :, r] = VsLss * (Asr @ blk(B, r, r) @ Y(r, s))
            T["RDV_FIN2"][s, :, r] = VsLss * (Asr @ sum((blk(B, r, q) @ Y(q, s) for q in others), np.zeros(N)))
            T["OVA_FIN"][s, :, r] = VtBts * Y(s, r)
            T["MVA_FIN"][s, :, r] = VrBrs * Y(s, r)
            ALY = Asr @ L[r] @ Y(r, r)
            T["OVA_INT"][s, :, r] = VtBts * ALY
            T["MVA_INT"][s, :, r] = VrBrs * ALY
            T["DDC_FIN"][s, :, r] = VsLss * (Asr @ blk(B, r, s) @ sum(Y(s, q) for q in range(G) if q != s))
            T["DDC_INT"][s, :, r] = (VsBss - VsLss) * (Asr @ vec(x, r))
            ALE = Asr @ L[r] @ Etot[r]
            T["ODC"][s, :, r] = VtBts * ALE
            T["MDC"][s, :, r] = VrBrs * ALE
            T["gexp"][s, :, r] = Asr @ vec(x, r) + Y(s, r)
    return out
