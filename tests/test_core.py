import numpy as np
import pytest
import gvcdecomp as gd
from gvcdecomp import IOTable



def test_leontief_inverse_and_coefficients(rtable):
    c = rtable.core
    n = rtable.n
    np.testing.assert_allclose(c.B @ (np.eye(n) - c.A), np.eye(n), atol=1e-12)
    np.testing.assert_allclose(c.A * rtable.x, rtable.Z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.v * rtable.x, rtable.value_added, rtol=1e-10)
    np.testing.assert_allclose(c.B @ rtable.Yc.sum(1), rtable.x, rtol=1e-12)
    assert rtable.core is c  # cached on the table


def test_local_inverses_blocks_and_value_added_multipliers(rtable):
    c, G, N = rtable.core, rtable.G, rtable.N
    for s in range(G):
        sl = slice(s * N, (s + 1) * N)
        np.testing.assert_allclose(c.L_local[s], np.linalg.inv(np.eye(N) - c.A[sl, sl]), rtol=1e-12)
        np.testing.assert_array_equal(c.Bd[s], c.B[sl, sl])
        np.testing.assert_allclose(c.vb_country[s], c.v[sl] @ c.B[sl], rtol=1e-12)
    # every unit of output is value added somewhere
    np.testing.assert_allclose(c.vb_country.sum(0), 1.0, rtol=1e-12)
    w = np.random.default_rng(0).uniform(size=rtable.n)
    P = c.times_blockdiag(w)
    for r in range(G):
        for s in range(G):
            np.testing.assert_allclose(P[r * N : (r + 1) * N, s], c.B[r * N : (r + 1) * N, s * N : (s + 1) * N] @ w[s * N : (s + 1) * N], rtol=1e-12)


def test_singular_system_is_refused():
    # a closed economy with no value added: I - A is singular
    Z = np.array([[0.0, 5.0], [5.0, 0.0]])
    t = IOTable(Z, np.zeros((2, 1, 1)), ["A"], ["s1", "s2"])
    with pytest.raises(gd.SingularMatrixError, match="I - A"):
        t.core


def test_ill_conditioned_system_reports_condition_number():
    eps = 1e-14
    Z = np.array([[0.0, 1.0 - eps], [1.0, 0.0]])
    Y = np.array([[eps], [0.0]]).reshape(2, 1, 1)
    t = IOTable(Z, Y, ["A"], ["s1", "s2"])
    with pytest.raises(gd.SingularMatrixError, match="condition number"):
        t.core
