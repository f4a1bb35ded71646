import numpy as np
import pytest
import gvcdecomp as gd
from conftest import random_table

from gvcdecomp import IOTable



def test_leontief_inverse_and_coefficients(rtable):
    c = rtable.core
    n = rtable.n
    np.testing.assert_allclose(c.B @ (np.eye(n) - c.A), np.eye(n), atol=1e-12)
    np.testing.assert_allclose(c.A * rtable.x, rtable.Z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.v * rtable.x, rtable.value_added, rtol=1e-10)
    np.testing.assert_allclose(c.B @ rtable.Yc.sum(1), rtable.x, rtol=1e-12)
    assert rtable.core is c  # cached on the table


def _blocks(c, members):
    return np.concatenate([np.arange(m * c.N, (m + 1) * c.N) for m in members])


@pytest.mark.parametrize("groups", [None, {"P": ["C1", "C0"]}])
def test_regions_blocks_and_value_added_multipliers(rtable, groups):
    c = rtable.core
    R = c.regions(groups)
    members = [[rtable.country_index(m) for m in (groups or {}).get(n, [n])] for n in R.names]
    rng = np.random.default_rng(0)
    w, W = rng.uniform(size=rtable.n), rng.uniform(size=(rtable.n, 3))
    P, DW, LW = R.times_blockdiag(w), R.diag_times(W), R.local_times(W)
    for g, m in enumerate(members):
        rows = _blocks(c, m)
        assert np.array_equal(np.sort(R.rows[g]), np.sort(rows))
        local = np.linalg.inv(np.eye(rows.size) - c.A[np.ix_(R.rows[g], R.rows[g])])
        np.testing.assert_allclose(R.L_local[g], local, rtol=1e-12)
        # from the factors by triangular solves, not cut from B: equal to rounding
        np.testing.assert_allclose(R.Bd[g], c.B[np.ix_(R.rows[g], R.rows[g])], rtol=1e-12)
        np.testing.assert_allclose(R.vb[g], c.v[rows] @ c.B[rows], rtol=1e-12)
        np.testing.assert_allclose(DW[R.rows[g]], R.Bd[g] @ W[R.rows[g]], rtol=1e-12)
        np.testing.assert_allclose(LW[R.rows[g]], local @ W[R.rows[g]], rtol=1e-12)
        for h, mh in enumerate(members):
            cols = _blocks(c, mh)
            np.testing.assert_allclose(P[:, h], c.B[:, cols] @ w[cols], rtol=1e-12)
    # every unit of output is value added somewhere
    np.testing.assert_allclose(R.vb.sum(0), 1.0, rtol=1e-12)
    if groups is None:
        np.testing.assert_array_equal(c.L_local, np.stack(R.L_local))
        np.testing.assert_array_equal(c.local_times(W), LW)


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


def test_table_and_core_are_freed_without_the_garbage_collector():
    # no reference cycles: a panel loop holds one year's arrays, not several
    import gc
    import weakref

    t = random_table(3, 2)
    t.core.regions({"P": ["C0", "C1"]}).vb
    gd.decompose(t, "wwz")
    refs = [weakref.ref(t), weakref.ref(t.core), weakref.ref(t.core.regions())]
    gc.disable()
    try:
        del t
        assert [r() for r in refs] == [None, None, None]
    finally:
        gc.enable()
