"""The Leontief model of a table, computed once and shared by every method."""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.linalg import lapack

from .errors import SingularMatrixError

#: Reciprocal condition number of I - A below which the inverse is refused.
RCOND_MIN = 1e-12


class LeontiefCore:
    """Coefficients and inverses of one :class:`~gvcdecomp.table.IOTable`.

    Reached as ``table.core``; built on first access and cached there, so every
    method and every exporter reuses one factorisation. Eagerly computed:

    - ``A = Z x̂⁻¹`` (GN, GN), technical coefficients; a column with zero output
      gets zero coefficients;
    - ``v = 1 - u A`` (GN,), value added per unit of output; a sector with no
      output (or a negative row sum, see :class:`IOTable`) has v = 1, so that
      what it delivers (a stock draw-down) counts as its own value added and
      every unit of every flow is value added somewhere (``u V̂ B = u``);
    - ``B = (I - A)⁻¹`` (GN, GN), the global Leontief inverse, by LAPACK
      ``getrf``/``getri``; ``condition`` is the 1-norm condition number of I - A.

    Computed on first use and cached: ``L_local`` (G, N, N), the domestic
    inverses ``L_ss = (I - A_ss)⁻¹``; ``vb_country`` (G, GN), ``V^t B^{t·}``:
    row t holds the value added of country t in one unit of each sector's
    output, ``sum_{j in t} v_j B_ji``; ``Bd`` (G, N, N), the diagonal blocks
    ``B^{ss}`` (views into ``B``).

    Raises :class:`~gvcdecomp.errors.SingularMatrixError` when I - A (or a
    domestic block) is singular or its reciprocal condition number is below
    ``RCOND_MIN``.
    """

    def __init__(self, table):
        self.table = table
        G, N, n = table.G, table.N, table.n
        self.G, self.N, self.n = G, N, n
        x = table.x
        inv_x = np.divide(1.0, x, out=np.zeros(n), where=x > 0)
        self.A = table.Z * inv_x
        self.v = 1.0 - self.A.sum(axis=0)
        self.B, self.condition = _inverse(np.eye(n) - self.A, table._name + ": I - A")

    @cached_property
    def L_local(self) -> np.ndarray:
        G, N = self.G, self.N
        A4 = self.A.reshape(G, N, G, N)
        out = np.empty((G, N, N))
        for s in range(G):
            out[s], _ = _inverse(
                np.eye(N) - A4[s, :, s, :],
                f"{self.table._name}: I - A_ss for {self.table.countries[s]}",
            )
        return out

    @cached_property
    def Bd(self) -> np.ndarray:
        G, N = self.G, self.N
        B4 = self.B.reshape(G, N, G, N)
        return np.stack([B4[s, :, s, :] for s in range(G)])

    @cached_property
    def vb_country(self) -> np.ndarray:
        G, N = self.G, self.N
        return np.stack([self.v[t * N : (t + 1) * N] @ self.B[t * N : (t + 1) * N] for t in range(G)])

    def local_times(self, w: np.ndarray) -> np.ndarray:
        """``L_ss w_s`` for every country s, for w of shape (GN,) or (GN, k)."""
        G, N = self.G, self.N
        ws = w.reshape(G, N, -1)
        return np.einsum("gij,gjk->gik", self.L_local, ws).reshape(w.shape)

    def diag_times(self, w: np.ndarray) -> np.ndarray:
        """``B^{ss} w_s`` for every country s, for w of shape (GN,) or (GN, k)."""
        G, N = self.G, self.N
        ws = w.reshape(G, N, -1)
        return np.einsum("gij,gjk->gik", self.Bd, ws).reshape(w.shape)

    def times_blockdiag(self, w: np.ndarray) -> np.ndarray:
        """``B^{rs} w_s`` for every pair (r, s), as a (GN, G) array.

        Column s is ``B[:, s-block] @ w[s-block]``: B times the block-diagonal
        matrix whose column s holds ``w_s``.
        """
        G, N = self.G, self.N
        return np.einsum("rsj,sj->rs", self.B.reshape(self.n, G, N), w.reshape(G, N))


def _inverse(M: np.ndarray, what: str) -> tuple[np.ndarray, float]:
    """Inverse of M through LU, refusing singular or ill-conditioned M."""
    anorm = np.abs(M).sum(axis=0).max()
    lu, piv, info = lapack.dgetrf(M, overwrite_a=False)
    if info > 0:
        raise SingularMatrixError(f"{what} is singular (zero pivot at position {info - 1})")
    rcond, _ = lapack.dgecon(lu, anorm, norm="1")
    if not rcond >= RCOND_MIN:
        raise SingularMatrixError(
            f"{what} is too ill-conditioned to invert: condition number {1 / rcond:.3g} "
            f"(limit {1 / RCOND_MIN:.0e})"
        )
    inv, info = lapack.dgetri(lu, piv, overwrite_lu=True)
    return inv, 1.0 / rcond
