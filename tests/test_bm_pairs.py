"""The Borin–Mancini pair kernel against a plain numpy transcription, unequal regions."""

import numpy as np
import pytest

from gvcdecomp.methods.bm import _SOLVE_T, _SOLVE_THEN_C, _TIMES_C, _pairs

N = 3
SIZES = [1, 2, 1, 3]  # members per region: blocks of 3, 6, 3 and 9 rows


def _setup(seed, wide):
    rng = np.random.default_rng(seed)
    n = N * sum(SIZES)
    A = rng.uniform(0, 0.05, (n, n))
    B = np.linalg.inv(np.eye(n) - A)
    bounds = np.cumsum([0, *SIZES]) * N
    regions = [np.arange(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    rows = np.zeros((len(regions), max(r.size for r in regions)), dtype=np.int64)
    for g, r in enumerate(regions):
        rows[g, : r.size] = r
    sizes = np.array([r.size for r in regions], dtype=np.int64)
    X = rng.normal(size=(n, len(regions) if wide else 1, 2))
    return A, B, regions, rows, sizes, X


def _restrict(C, sectoral):
    """C on the perimeters: zero between rows of different industries when sectoral."""
    if not sectoral:
        return C
    ind = np.arange(C.shape[0]) % N
    return np.where(ind[:, None] == ind[None, :], C, 0.0)


@pytest.mark.parametrize("sectoral", [False, True])
@pytest.mark.parametrize("mode", [_SOLVE_T, _SOLVE_THEN_C, _TIMES_C])
@pytest.mark.parametrize("wide", [False, True])
def test_pairs_match_numpy(mode, sectoral, wide):
    A, B, regions, rows, sizes, X = _setup(7, wide)
    out = _pairs(A, B, rows, sizes, N, X, mode, sectoral)
    G = len(regions)
    assert out.shape == (A.shape[0], G, 2)
    for s, rs in enumerate(regions):
        assert not out[rs, s].any()  # a region does not export to itself
        for r, rr in enumerate(regions):
            if r == s:
                continue
            C = _restrict(A[np.ix_(rs, rr)] @ B[np.ix_(rr, rs)], sectoral)
            M = np.eye(rs.size) + C
            x = X[rs, r if wide else 0]
            want = {
                _SOLVE_T: np.linalg.solve(M.T, x),
                _SOLVE_THEN_C: C @ np.linalg.solve(M, x),
                _TIMES_C: C @ x,
            }[mode]
            np.testing.assert_allclose(out[rs, r], want, rtol=1e-12, atol=1e-14)
