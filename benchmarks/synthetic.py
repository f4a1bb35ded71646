"""Reproducible synthetic multi-country tables for the benchmarks.

The tables mimic the shape of WIOD 2013 (measured on the 2011 table: about
83 % of the cells of domestic blocks and 18 % of the import blocks are
non-zero, intermediate inputs are 79 % domestic, value added is 45 % of output
at the median, 91 % of final demand is domestic) without copying any of its
numbers.
"""

from __future__ import annotations

import numpy as np

from gvcdecomp import IOTable

#: Non-zero shares of the cells of domestic and of import blocks of Z.
DENSITY_DOMESTIC, DENSITY_IMPORT = 0.83, 0.18
#: Range of the intermediate-input share of output (1 - value-added share) by column.
INPUT_SHARE = (0.30, 0.80)
#: Range of the domestic share of each column's intermediate inputs.
DOMESTIC_INPUT_SHARE = (0.60, 0.95)
#: Expected share of final demand used at home.
DOMESTIC_FINAL_SHARE = 0.9


def synthetic_table(G: int, N: int, K: int = 5, seed: int = 0) -> IOTable:
    """A balanced random table of G countries x N industries x K final-demand categories.

    Built from the coefficients: each column j of ``A`` gets an intermediate
    input share ``c_j`` drawn from ``INPUT_SHARE`` (so ``‖A‖₁ ≤ 0.8`` and the
    1-norm condition number of ``I - A`` is at most ``1.8 / 0.2 = 9``; WIOD 2013
    has about 8), split between domestic and imported inputs, with log-normal
    cells on a random sparsity pattern; final demand ``Y ≥ 0`` is log-normal,
    90 % domestic in expectation and scaled by the producing country's
    log-normal size; gross output solves
    ``x = A x + Y u`` (Neumann series to 1e-13), and ``Z = A x̂``. Output is the
    row sums (the :class:`~gvcdecomp.table.IOTable` default), so the table is
    exactly balanced and value added ``x_j (1 - c_j)`` is positive.

    Parameters
    ----------
    G, N, K : int
        Countries, industries, final-demand categories.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same arguments give the same table.

    Returns
    -------
    IOTable
        Arbitrary units; countries ``C000…``, industries ``s000…``.
    """
    rng = np.random.default_rng(seed)
    n = G * N
    owner = np.repeat(np.arange(G), N)
    size = rng.lognormal(0.0, 1.0, G)  # country size
    c = rng.uniform(*INPUT_SHARE, n)
    dom = rng.uniform(*DOMESTIC_INPUT_SHARE, n)

    # Raw cells row block by row block (bounded temporaries), then columns scaled
    # so that domestic and imported inputs add up to c_j dom_j and c_j (1 - dom_j).
    A = np.empty((n, n))
    dom_sum, imp_sum = np.zeros(n), np.zeros(n)
    step = max(1, 2**22 // n)
    for i0 in range(0, n, step):
        rows = slice(i0, min(i0 + step, n))
        same = owner[rows, None] == owner[None, :]
        cells = rng.lognormal(0.0, 1.5, (same.shape[0], n))
        keep = rng.random(same.shape) < np.where(same, DENSITY_DOMESTIC, DENSITY_IMPORT)
        cells *= keep
        cells *= np.where(same, 1.0, size[owner[rows], None])  # big countries export more inputs
        A[rows] = cells
        dom_sum += np.where(same, cells, 0.0).sum(axis=0)
        imp_sum += np.where(same, 0.0, cells).sum(axis=0)
    dom_scale = np.divide(c * dom, dom_sum, out=np.zeros(n), where=dom_sum > 0)
    imp_scale = np.divide(c * (1 - dom), imp_sum, out=np.zeros(n), where=imp_sum > 0)
    for i0 in range(0, n, step):
        rows = slice(i0, min(i0 + step, n))
        same = owner[rows, None] == owner[None, :]
        A[rows] *= np.where(same, dom_scale, imp_scale)

    # the home destination weighs as much as share / (1 - share) times all G - 1 others
    home = DOMESTIC_FINAL_SHARE / (1 - DOMESTIC_FINAL_SHARE) * max(G - 1, 1)
    weight = np.where(owner[:, None] == np.arange(G)[None, :], home, 1.0)
    Y = rng.lognormal(0.0, 1.0, (n, G, K)) * (weight * size[owner, None])[:, :, None]
    y = Y.sum(axis=(1, 2))
    x = y.copy()
    for _ in range(500):  # x = Σ_k A^k y; ‖A‖₁ ≤ 0.8 makes this converge geometrically
        x_new = y + A @ x
        done = np.abs(x_new - x).max() <= 1e-13 * x_new.max()
        x = x_new
        if done:
            break
    A *= x  # Z = A x̂, in place: one GN x GN array
    return IOTable(
        A, Y, [f"C{g:03d}" for g in range(G)], [f"s{i:03d}" for i in range(N)],
        [f"F{k}" for k in range(K)], year=None,
        source=f"synthetic G={G} N={N} K={K} seed={seed}", units="arbitrary units",
    )  # fmt: skip
