"""Smile curves (Meng, Ye & Wei 2020): closed forms, identities, a dense transcription."""

import sys
import warnings

import numpy as np
import pytest
import xarray as xr

import gvcdecomp as gd
from gvcdecomp import IOTable, Panel
from gvcdecomp.errors import OptionError, UnknownLabelError
from gvcdecomp.smile import smile_curve, smile_fit

from conftest import random_table


def table_from_coefficients(A, final, countries, sectors):
    """A balanced table with input coefficients A and final demand ``final`` (GN, G)."""
    x = np.linalg.solve(np.eye(len(A)) - A, final.sum(axis=1))
    return IOTable(A * x, final, countries, sectors)


def dense_smile(t, f):
    """Meng–Ye–Wei from the published formulas: va = V̂ B f, position = V̂ B B f / V̂ B f."""
    Z, x = t.Z, t.x  # the table's gross output (row sums or stored)
    A = Z / x
    v = 1 - A.sum(axis=0)
    B = np.linalg.inv(np.eye(len(x)) - A)
    va = v * (B @ f)
    return va, v * ((B @ B) @ f) / va


# -- closed forms ------------------------------------------------------------------
def test_pure_chain_within_one_country():
    # A sells only to B, B only to C (and a little to final demand); C is the final product.
    alpha, beta, yC = 0.4, 0.7, 100.0
    A = np.zeros((3, 3))
    A[0, 1], A[1, 2] = alpha, beta
    final = np.array([[5.0], [20.0], [yC]])
    t = table_from_coefficients(A, final, ["H"], ["a", "b", "c"])
    ds = smile_curve(t, "H", "c").sel(country="H")
    # C's own value added is created at the final stage, B's one stage before, A's two.
    expected_va = [alpha * beta * yC, (1 - alpha) * beta * yC, (1 - beta) * yC]
    np.testing.assert_allclose(ds["va"].values, expected_va, rtol=1e-12)
    np.testing.assert_allclose(ds["position"].values, [3.0, 2.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(ds["va_share"].values, np.array(expected_va) / yC, rtol=1e-12)
    assert float(ds["chain_value"]) == pytest.approx(yC)


def test_foreign_supplier_of_inputs():
    # F's sector p1 supplies inputs to H's p2 only; H's p1 supplies H's p2.
    gamma, delta = 0.3, 0.2
    A = np.zeros((4, 4))  # rows/cols: H_p1, H_p2, F_p1, F_p2
    A[2, 1], A[0, 1] = gamma, delta
    final = np.array([[10.0, 0.0], [60.0, 40.0], [0.0, 0.0], [0.0, 30.0]])
    t = table_from_coefficients(A, final, ["H", "F"], ["p1", "p2"])
    y = 100.0  # H_p2's final goods, at home and abroad
    ds = smile_curve(t, "H", "p2")
    va = ds["va"].values
    expected = [[delta * y, (1 - gamma - delta) * y], [gamma * y, 0.0]]
    np.testing.assert_allclose(va, expected, atol=1e-12)
    pos = ds["position"].values
    np.testing.assert_allclose(pos[0], [2.0, 1.0], rtol=1e-12)
    assert pos[1, 0] == pytest.approx(2.0) and np.isnan(pos[1, 1])
    # Exports of H_p2 (40 of final goods) scale the same chain.
    ex = smile_curve(t, "H", "p2", target="exports")
    np.testing.assert_allclose(ex["va"].values, va * 40.0 / y, atol=1e-12)
    np.testing.assert_allclose(ex["position"].values, pos, rtol=1e-12)
    # F's intermediate exports reach only upstream of the border: F_p1 uses no
    # inputs, so all of that chain is its own value added at position 1.
    fx = smile_curve(t, "F", "p1", target="exports")
    assert float(fx["va"].sel(country="F", sector="p1")) == pytest.approx(gamma * y)
    assert float(fx["va_share"].sum()) == pytest.approx(1.0)
    assert float(fx["position"].sel(country="F", sector="p1")) == pytest.approx(1.0)


# -- identities and the dense transcription on random tables ----------------------
@pytest.mark.parametrize("target", ["final", "exports"])
def test_value_added_adds_up_to_the_chain(rtable, target):
    t = rtable
    sectors = list(t.sectors[: max(1, t.N - 1)])
    ds = smile_curve(t, t.countries[1], sectors, target=target)
    flow = t.Yc.sum(axis=1) if target == "final" else t.exports.sum(axis=1)
    rows = [1 * t.N + t.sector_index(s) for s in sectors]
    assert float(ds["va"].sum()) == pytest.approx(flow[rows].sum(), rel=1e-12)
    assert float(ds["va_share"].sum()) == pytest.approx(1.0, rel=1e-12)
    pos = ds["position"].values[ds["va"].values > 0]
    assert (pos >= 1 - 1e-12).all()


@pytest.mark.parametrize("target", ["final", "exports"])
def test_matches_dense_transcription(anytable, target):
    t = anytable
    country, sectors = t.countries[-1], list(t.sectors[::2])
    f = np.zeros(t.n)
    g = t.country_index(country)
    for s in sectors:
        i = g * t.N + t.sector_index(s)
        if target == "final":
            f[i] = t.Y[i].sum()
        else:
            f[i] = sum(
                t.Z[i, r * t.N : (r + 1) * t.N].sum() + t.Y[i, r].sum()
                for r in range(t.G)
                if r != g
            )
    va, pos = dense_smile(t, f)
    ds = smile_curve(t, country, sectors, target=target)
    np.testing.assert_allclose(ds["va"].values.ravel(), va, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ds["position"].values.ravel(), pos, rtol=1e-10)
    np.testing.assert_allclose(ds["va_rate"].values.ravel(), t.value_added / t.x, rtol=1e-12)


def test_group_chain_is_the_sum_of_its_members_chains():
    t = random_table(4, 3, seed=7)
    groups = {"EU": ["C1", "C2"]}
    grp = smile_curve(t, "EU", ["s0", "s2"], groups=groups)
    one, two = (smile_curve(t, c, ["s0", "s2"]) for c in ("C1", "C2"))
    va = one["va"] + two["va"]
    stages = one["va"] * one["position"] + two["va"] * two["position"]
    assert list(grp["country"].values) == ["EU", "C0", "C3"]
    merged = va.sel(country=["C1", "C2"]).sum("country")
    np.testing.assert_allclose(grp["va"].sel(country="EU"), merged, rtol=1e-12)
    others = ["C0", "C3"]
    np.testing.assert_allclose(grp["va"].sel(country=others), va.sel(country=others), rtol=1e-12)
    np.testing.assert_allclose(
        grp["position"].sel(country="EU"),
        stages.sel(country=["C1", "C2"]).sum("country") / merged,
        rtol=1e-12,
    )
    # exports of a group leave out trade among its members
    ex = smile_curve(t, "EU", "s1", target="exports", groups=groups)
    E = t.Zc + t.Yc
    rows = [t.N + 1, 2 * t.N + 1]
    assert float(ex["va"].sum()) == pytest.approx(E[rows][:, [0, 3]].sum(), rel=1e-12)


def test_panel_gives_a_year_dimension():
    tables = {2000 + s: random_table(3, 2, seed=s) for s in (1, 2)}
    panel = Panel(tables, lambda y: tables[y], "random")
    ds = smile_curve(panel, "C0", "s1")
    assert ds.sizes == {"year": 2, "country": 3, "sector": 2}
    for y, t in tables.items():
        one = smile_curve(t, "C0", "s1").drop_vars("year")
        xr.testing.assert_allclose(ds.sel(year=y).drop_vars("year"), one)
    np.testing.assert_allclose(ds["va"].sum(["country", "sector"]), ds["chain_value"], rtol=1e-12)


# -- errors --------------------------------------------------------------------------
def test_errors():
    t = random_table(3, 2, seed=4)
    with pytest.raises(UnknownLabelError, match="XXX"):
        smile_curve(t, "XXX", "s0")
    with pytest.raises(UnknownLabelError, match="c99"):
        smile_curve(t, "C0", ["s0", "c99"])
    with pytest.raises(UnknownLabelError, match="C1"):  # a member is not a region of its own
        smile_curve(t, "C1", "s0", groups={"G": ["C1", "C2"]})
    with pytest.raises(OptionError, match="target"):
        smile_curve(t, "C0", "s0", target="imports")
    with pytest.raises(OptionError, match="sectors"):
        smile_curve(t, "C0", [])
    Y = t.Y.copy()
    Y[0] = 0.0
    Z = t.Z.copy()
    Z[0] = 0.0
    empty = IOTable(Z, Y, t.countries, t.sectors, t.fd_categories)
    with pytest.raises(OptionError, match="no final value"):
        smile_curve(empty, "C0", "s0")


# -- the quadratic fit and the figure -------------------------------------------------
def _points(position, share, va=None):
    n = len(position)
    va = np.ones(n) if va is None else np.asarray(va, float)
    cs = ("country", "sector")
    return xr.Dataset(
        {
            "va": (cs, va.reshape(1, n)),
            "va_share": (cs, np.reshape(share, (1, n))),
            "va_rate": (cs, np.full((1, n), 0.3)),
            "position": (cs, np.reshape(position, (1, n))),
        },
        coords={"country": ["K"], "sector": [f"s{i}" for i in range(n)]},
        attrs={"chain": "s0 completed in K", "target": "final"},
    )


def test_fit_recovers_a_smile_and_an_inverted_u():
    p = np.linspace(1, 6, 9)
    assert smile_fit(_points(p, p)).attrs["y"] == "va_rate"  # Meng, Ye & Wei's vertical axis
    smile = smile_fit(_points(p, 0.02 * (p - 3.5) ** 2 + 0.01, va=np.arange(1, 10)), "va_share")
    np.testing.assert_allclose(smile.values, [0.02, -0.14, 0.02 * 3.5**2 + 0.01], atol=1e-12)
    assert smile.attrs["shape"] == "smile" and smile.attrs["vertex"] == pytest.approx(3.5)
    hump = smile_fit(_points(p, -0.01 * (p - 2.0) ** 2 + 0.2), "va_share")
    assert hump.attrs["shape"] == "inverted U"
    falling = smile_fit(_points(p, 0.01 * (p - 8.0) ** 2), "va_share")
    assert falling.attrs["shape"] == "convex, monotone"
    # weights: a point off the curve pulls the fit less when its value added is small
    y = 0.02 * (p - 3.5) ** 2 + 0.01
    y[0] += 0.05
    light = smile_fit(_points(p, y, va=[1e-6] + [1.0] * 8), "va_share")
    heavy = smile_fit(_points(p, y, va=[100.0] + [1.0] * 8), "va_share")
    assert abs(light.values[0] - 0.02) < abs(heavy.values[0] - 0.02)


def _bubbles_and_lines(ax):
    pts = np.vstack([c.get_offsets() for c in ax.collections])
    lines = [ln.get_xydata() for ln in ax.get_lines()]
    return pts, lines


def test_plot_smile_returns_axes_with_labels_limits_and_fit_range():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    from gvcdecomp.plots import plot_smile

    tables = {2000 + s: random_table(4, 3, seed=s) for s in (1, 2)}
    ds = smile_curve(Panel(tables, lambda y: tables[y], "random"), "C0", "s0")
    ax = plot_smile(ds, label_top=3, min_share=0)
    assert isinstance(ax, Axes)
    # default y: value added per unit of gross output (Meng, Ye & Wei's vertical axis)
    assert "gross output" in ax.get_ylabel() and "%" in ax.get_ylabel()
    assert "stages" in ax.get_xlabel()
    assert "2001" in ax.get_title() and "2002" in ax.get_title()
    pts, lines = _bubbles_and_lines(ax)
    keep = ds["va"].values > 0
    assert len(pts) == keep.sum()  # every contributor drawn when min_share=0
    np.testing.assert_allclose(
        np.sort(pts[:, 1]), np.sort(100 * ds["va_rate"].values[keep]), rtol=1e-12
    )  # fmt: skip
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    every = np.vstack([pts, *lines])
    assert (every[:, 0] >= x0).all() and (every[:, 0] <= x1).all()
    assert (every[:, 1] >= y0).all() and (every[:, 1] <= y1).all()
    # each fitted line spans exactly the positions of its year's bubbles
    for year, line in zip((2001, 2002), lines, strict=True):
        d = ds.sel(year=year)
        pos = d["position"].values[d["va"].values > 0]
        assert line[0, 0] == pytest.approx(pos.min()) and line[-1, 0] == pytest.approx(pos.max())
        coef = smile_fit(ds, "va_rate").sel(year=year).values
        np.testing.assert_allclose(line[:, 1], 100 * np.polyval(coef, line[:, 0]), rtol=1e-12)
    # labels: industry codes of no known classification stay codes, 3 of them, or listed as left out
    assert len(ax.texts) + len(ax.smile_unlabelled) == 3
    assert all(t.get_text().startswith("C") and " s" in t.get_text() for t in ax.texts)
    ax.figure.canvas.draw()
    r = ax.figure.canvas.get_renderer()
    assert ax.get_legend().get_window_extent(r).y1 <= ax.get_window_extent(r).y0  # below the data
    plt.close("all")


def test_plot_smile_share_variant_and_small_contributors():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gvcdecomp.plots import plot_smile

    ds = smile_curve(random_table(4, 3, seed=3), "C1", "s2")
    share = ds["va_share"].values
    cut = float(np.median(share[share > 0]))
    ax = plot_smile(ds, y="va_share", min_share=cut, label_top=0)
    assert "share of the chain" in ax.get_ylabel()
    pts, _ = _bubbles_and_lines(ax)
    assert len(pts) == (share >= cut).sum()
    hidden = (share > 0) & (share < cut)
    text = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert f"{hidden.sum()} under" in text
    with pytest.raises(OptionError, match="y must be"):
        plot_smile(ds, y="va")
    with pytest.raises(OptionError, match="label_top"):
        plot_smile(ds, label_top=-1)
    plt.close("all")


def test_labels_do_not_overlap_on_wiod2013(wiod2013_dir):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from gvcdecomp.plots import figure, plot_smile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.load_wiod2013(2011)
    fig, ax = figure()
    plot_smile(smile_curve(t, "CHN", "c14"), ax=ax, label_top=10)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(a, r) for a in ax.texts]
    assert len(boxes) + len(ax.smile_unlabelled) == 10 and len(boxes) >= 8
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    inside = ax.get_window_extent(r)
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 for b in boxes)
    names = " ".join(a.get_text() for a in ax.texts)
    assert "CHN Electrical and optical equipment" in names  # readable industry names
    assert "2011" in ax.get_title() and "Electrical and optical equipment" in ax.get_title()
    plt.close("all")


def test_plot_smile_without_matplotlib(monkeypatch):
    from gvcdecomp.plots import plot_smile

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(OptionError, match="pip install matplotlib"):
        plot_smile(smile_curve(random_table(3, 2, seed=1), "C0", "s0"))


# -- WIOD 2013 -------------------------------------------------------------------------
def test_wiod2013_ict_chain_completed_in_china(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.load_wiod2013(2011)
    ds = smile_curve(t, "CHN", "c14")
    i = t.country_index("CHN") * t.N + t.sector_index("c14")
    y = t.Y[i].sum()
    assert float(ds["va"].sum()) == pytest.approx(y, rel=1e-9)
    va = ds["va"].values
    assert (ds["position"].values[va > 0] >= 1 - 1e-9).all()
    # independent of the cached inverse: two linear solves
    f = np.zeros(t.n)
    f[i] = y
    M = np.eye(t.n) - t.core.A
    xf = np.linalg.solve(M, f)
    v = t.core.v
    np.testing.assert_allclose(va.ravel(), v * xf, rtol=1e-8, atol=1e-6 * y)
    pos = np.divide(np.linalg.solve(M, xf), xf, out=np.full(t.n, np.nan), where=v * xf != 0)
    np.testing.assert_allclose(ds["position"].values.ravel(), pos, rtol=1e-8)
    ex = smile_curve(t, "CHN", "c14", target="exports")
    assert float(ex["va"].sum()) == pytest.approx(t.exports[i].sum(), rel=1e-9)
