"""Indicators and GVC measures run on the engine's solves: neither the dense
Leontief inverse B nor A is formed (issue #14), also when the LU pivots."""

import numpy as np
import pytest
from conftest import random_table
from test_engine import pivoting_table

import gvcdecomp as gd

GROUP = {"P": ["C3", "C0"]}

CALLS = {
    "tiva": lambda t: gd.indicators.tiva(t),
    "tiva-groups": lambda t: gd.indicators.tiva(t, by="sector", groups=GROUP),
    "vax_ratio": lambda t: gd.indicators.vax_ratio(t),
    "va_absorbed": lambda t: gd.indicators.va_absorbed(t, "F0", groups=GROUP),
    "kpww_participation": lambda t: gd.kpww_participation(t),
    "wwyz_participation": lambda t: gd.wwyz_participation(t),
    "production_length": lambda t: gd.production_length(t),
    "upstreamness": lambda t: gd.upstreamness(t),
    "downstreamness": lambda t: gd.downstreamness(t),
    "smile_curve": lambda t: gd.smile_curve(t, "C1", ["s0", "s2"]),
    "smile_curve-exports": lambda t: gd.smile_curve(t, "P", "s1", target="exports", groups=GROUP),
    "gvc_income": lambda t: gd.gvc_income(t, ["s1"], groups=GROUP),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("make", [random_table, pivoting_table], ids=["plain", "pivoting"])
def test_indicator_forms_neither_B_nor_A(make, name):
    t = make(4, 3, seed=1)
    CALLS[name](t)
    assert "B" not in vars(t.core.engine) and "A" not in vars(t.core.engine)


def test_pivoting_table_measures_match_plain_numpy():
    t = pivoting_table(4, 3, seed=2)
    assert t.core.engine.pivoted
    x = t.x
    A = np.where(x > 0, t.Z / np.where(x > 0, x, 1.0), 0.0)
    B = np.linalg.inv(np.eye(t.n) - A)
    v = 1 - A.sum(axis=0)
    rtol = 1e-10
    np.testing.assert_allclose(gd.upstreamness(t).values.ravel(), B @ x / x, rtol=rtol)
    np.testing.assert_allclose(gd.downstreamness(t).values.ravel(), B.sum(axis=0), rtol=rtol)
    pl = gd.production_length(t, by="sector")
    y = t.Yc.sum(axis=1)
    np.testing.assert_allclose(pl["Xy"].values.ravel(), (v @ B @ B) * y, rtol=rtol)
    yM = np.where(np.arange(t.n) % t.N == 1, y, 0.0)
    income = gd.gvc_income(t, ["s1"])["gvc_income"].values.ravel()
    np.testing.assert_allclose(income, v * (B @ yM), rtol=rtol, atol=rtol * yM.sum())
    assert "B" not in vars(t.core.engine)
