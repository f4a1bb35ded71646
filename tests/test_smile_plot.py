"""The smile-curve figure: the fitted line stays a valid share, and the labelling rule."""

import numpy as np
import pytest

from gvcdecomp import IOTable, Panel
from gvcdecomp.smile import smile_curve, smile_fit

from conftest import pyplot, random_table

plt = pyplot()  # skips the module without matplotlib
from matplotlib.path import Path  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from gvcdecomp.plots import figure, plot_smile  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


def five_stage_chain() -> IOTable:
    """One country, a pure chain a -> b -> c -> d -> e (e: the final product).

    Each stage buys only from the one before: e's inputs are 40 % of its output,
    the middle stages' 95-97 %, a buys nothing. Value-added shares of the chain,
    by position 5..1: α1α2α3α4 = 0.350, α1α2α3(1-α4) = 0.011, α1α2(1-α3) = 0.019,
    α1(1-α2) = 0.020, 1-α1 = 0.600: high at both ends, near 0 in between, so the
    value-added weighted quadratic through them dips below 0.
    """
    alpha = [0.4, 0.95, 0.95, 0.97]
    A = np.zeros((5, 5))
    A[3, 4], A[2, 3], A[1, 2], A[0, 1] = alpha
    final = np.array([[0.0], [0.0], [0.0], [0.0], [100.0]])
    x = np.linalg.solve(np.eye(5) - A, final.sum(axis=1))
    return IOTable(A * x, final, ["H"], ["a", "b", "c", "d", "e"])


def test_share_fit_is_drawn_only_between_0_and_100_percent():
    ds = smile_curve(five_stage_chain(), "H", "e")
    np.testing.assert_allclose(
        ds["va_share"].values.ravel(), [0.4 * 0.95 * 0.95 * 0.97, 0.4 * 0.95 * 0.95 * 0.03,
                                        0.4 * 0.95 * 0.05, 0.4 * 0.05, 0.6], rtol=1e-12,
    )  # fmt: skip
    coef = smile_fit(ds, "va_share").values
    grid = np.linspace(1, 5, 200)
    assert np.polyval(coef, grid).min() < -0.05  # the unclipped quadratic goes negative
    ax = plot_smile(ds, y="va_share", min_share=0, label_top=0)
    (line,) = ax.get_lines()
    y = line.get_ydata()
    drawn = np.isfinite(y)
    assert 0 < drawn.sum() < len(y)  # drawn where valid, a gap where it is not
    assert (y[drawn] >= 0).all() and (y[drawn] <= 100).all()
    np.testing.assert_allclose(y[drawn], 100 * np.polyval(coef, line.get_xdata()[drawn]))
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "not drawn where outside 0-100 %" in legend


def test_a_fit_inside_the_range_is_drawn_whole_and_says_nothing():
    ds = smile_curve(random_table(4, 3, seed=5), "C0", "s0")
    ax = plot_smile(ds, min_share=0, label_top=0)
    (line,) = ax.get_lines()
    assert np.isfinite(line.get_ydata()).all()
    assert "not drawn" not in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def _text_boxes(ax):
    ax.figure.canvas.draw()
    r = ax.figure.canvas.get_renderer()
    return {a.get_text(): Text.get_window_extent(a, r) for a in ax.texts}


def test_largest_contributor_always_labelled_even_without_room():
    ds = smile_curve(random_table(5, 4, seed=11), "C1", "s2")
    frame = ds[["va_share"]].to_dataframe()
    (c, s) = frame["va_share"].idxmax()
    names = {s: f"an industry name far too long to fit in these axes ({s})"
             for s in ds["sector"].values}
    fig = plt.figure(figsize=(2.4, 2.0))  # axes narrower than any label
    ax = fig.add_subplot()
    plot_smile(ds, ax=ax, y="va_share", min_share=0, label_top=4, names=names)
    largest = f"{c} {names[s]}"
    assert largest in _text_boxes(ax) and largest not in ax.smile_unlabelled
    assert len(ax.texts) + len(ax.smile_unlabelled) == 4  # the others: placed or listed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_labels_go_to_the_largest_and_stay_off_the_fitted_lines(seed):
    tables = {2000 + k: random_table(6, 4, seed=k) for k in (seed, seed + 10)}  # year 2000 + seed
    ds = smile_curve(Panel(tables, lambda y: tables[y], "random"), "C0", "s1")
    fig, ax = figure()
    plot_smile(ds, ax=ax, min_share=0, label_top=6, names=False)
    latest = ds.sel(year=2010 + seed)[["va_share"]].to_dataframe()["va_share"]
    top = [f"{c} {s}" for c, s in latest.nlargest(6).index]
    boxes = _text_boxes(ax)
    assert set(boxes) | set(ax.smile_unlabelled) == set(top)
    assert top[0] in boxes  # the largest bubble of the latest year
    lines = [
        Path(ax.transData.transform(ln.get_xydata()[np.isfinite(ln.get_ydata())]))
        for ln in ax.get_lines()
    ]
    for text, box in boxes.items():
        if text != top[0] or not ax.smile_unlabelled:  # the largest may be forced
            assert not any(p.intersects_bbox(box, filled=False) for p in lines), text
