"""Properties that must hold on any valid table (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.methods.wwz import TERMS

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw, max_G=6, max_N=8):
    G = draw(st.integers(1, max_G))
    N = draw(st.integers(1, max_N))
    K = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.1, 0.5, 1.0]))
    rng = np.random.default_rng(seed)
    n = G * N
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < density)
    Y = rng.uniform(0, 20, (n, G, K)) * (rng.uniform(size=(n, G, K)) < max(density, 0.5))
    Y[np.arange(n), np.arange(n) // N, 0] += 1.0  # every sector sells something at home
    Z *= draw(st.floats(0.05, 0.9)) * (Z.sum(1) + Y.sum((1, 2))).min() / max(Z.sum(0).max(), 1e-9)
    if n > 1 and draw(st.booleans()):  # a sector with no output at all
        j = draw(st.integers(0, n - 1))
        Z[j, :] = Z[:, j] = 0.0
        Y[j] = 0.0
    if K > 1 and draw(st.booleans()):  # inventory draw-downs
        Y[:, :, -1] *= -0.01
    return IOTable(
        Z, Y, [f"K{g}" for g in range(G)], [f"i{s}" for s in range(N)], [f"F{k}" for k in range(K)],
    )  # fmt: skip


def _close(a, b, scale):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10 * max(scale, 1.0))


@SETTINGS
@given(tables())
def test_identities_hold_on_any_table(t):
    n = t.n
    c = t.core
    _close(c.B @ (np.eye(n) - c.A), np.eye(n), 1.0)
    _close(c.B @ t.Yc.sum(1), t.x, t.x.max())
    w = gd.decompose(t, "wwz")
    scale = float(np.abs(w.gexp).max())
    _close(sum(w[k] for k in TERMS).values, w.gexp.values, scale)
    lo = gd.decompose(t, "leontief")
    _close((lo.dc + lo.fc).values, lo.gexp.values, scale)
    _close(lo.va_origin.sum(["source_country", "source_sector"]).values, lo.gexp.sum("importer").values, scale)
    if t.G == 1:
        assert not np.any(w.to_array().values)  # a one-country world does not trade


def _permuted(t, cperm, sperm):
    """The same table with countries and sectors listed in another order."""
    N = t.N
    idx = (np.asarray(cperm)[:, None] * N + np.asarray(sperm)[None, :]).ravel()
    return IOTable(
        t.Z[np.ix_(idx, idx)], t.Y[idx][:, cperm, :],
        [t.countries[i] for i in cperm], [t.sectors[i] for i in sperm], t.fd_categories,
    )  # fmt: skip


@SETTINGS
@given(tables(max_G=5, max_N=5), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_countries_or_sectors(t, rnd):
    cperm = list(range(t.G))
    sperm = list(range(t.N))
    rnd.shuffle(cperm)
    rnd.shuffle(sperm)
    p = _permuted(t, cperm, sperm)
    a = gd.decompose(t, "wwz")
    b = gd.decompose(p, "wwz").sel(exporter=a.exporter, sector=a.sector, importer=a.importer)
    scale = float(np.abs(a.gexp).max())
    for k in (*TERMS, "gexp"):
        _close(b[k].values, a[k].values, scale)


@SETTINGS
@given(tables(max_G=4, max_N=4), st.floats(1e-3, 1e6))
def test_scaling_flows_scales_levels_and_keeps_shares(t, factor):
    s = IOTable(t.Z * factor, t.Y * factor, t.countries, t.sectors, t.fd_categories)
    a = gd.wwz_summary(gd.decompose(t, "wwz").sum("importer"))
    b = gd.wwz_summary(gd.decompose(s, "wwz").sum("importer"))
    np.testing.assert_allclose(b.DVA.values, factor * a.DVA.values, rtol=1e-9, atol=1e-9 * factor)
    np.testing.assert_allclose(b.DVA_absorbed_abroad_share.values, a.DVA_absorbed_abroad_share.values, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.core.B, t.core.B, rtol=1e-9, atol=1e-12)
