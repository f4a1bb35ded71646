"""Figures of gvcdecomp results. matplotlib is an optional dependency."""

from __future__ import annotations

import numpy as np

from .errors import OptionError
from .smile import smile_fit

_YLABELS = {
    "va_share": "share of the chain's value added (%)",
    "va_rate": "value added per unit of gross output (%)",
}


def plot_smile(ds, ax=None, label_top: int = 10, y: str = "va_share", title: str | None = None):
    r"""Draw a smile curve: value added against position in the chain.

    One point per country-industry with positive value added in the chain
    (``va > 0``): horizontal position ``position`` (production stages to the
    final product, 1 = the final stage), vertical ``y`` in percent, area
    proportional to ``va`` (as a share of the chain's value, so that years
    compare). The ``label_top`` largest contributors are labelled
    ``"CCC_sector"`` (with several years, those of the latest year, then
    those of earlier years not yet named). The quadratic of
    :func:`~gvcdecomp.smile.smile_fit` (least squares weighted by value added)
    is drawn over the range of positions; its leading coefficient tells a
    smile (> 0, convex) from an inverted U (< 0), and the legend gives the
    shape (monotone when the turning point lies outside the chain). The
    vertical axis spans the points (the fitted curve is cut there); the legend
    sits below the axes. A result with a ``year`` dimension gets one colour,
    one fit and one set of labels per year.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`~gvcdecomp.smile.smile_curve`.
    ax : matplotlib Axes, optional
        Axes to draw on; default: a new figure.
    label_top : int
        How many of the largest contributors to label, per year.
    y : {"va_share", "va_rate"}
        Vertical variable: share of the chain's value added (default) or the
        value-added ratio of the country-industry (Meng, Ye & Wei 2020's
        figures).
    title : str, optional
        Default: the chain, target and years.

    Returns
    -------
    xarray.DataArray
        The fitted coefficients, dimensions ([year,] power) with power = 2, 1,
        0, in units of ``y`` as a fraction (not percent); attributes ``shape``
        and ``vertex`` (see :func:`~gvcdecomp.smile.smile_fit`).
        Also stored on the axes as ``ax.smile_fit``.

    Raises
    ------
    OptionError
        matplotlib is not installed (``pip install matplotlib``), or ``y`` is
        not a variable of the result.

    Reference: Meng, Ye & Wei (2020), Oxford Bulletin of Economics and
    Statistics 82(5): 988-1016.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise OptionError("plot_smile needs matplotlib: pip install matplotlib") from None

    fit = smile_fit(ds, y)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 6))
    years = list(ds["year"].values) if "year" in ds.dims else [None]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    labelled, low, top = set(), 0.0, 0.0
    # The latest year first, so that its contributors get the labels and an
    # earlier year labels only contributors not already named.
    for k in reversed(range(len(years))):
        year = years[k]
        d = ds if year is None else ds.sel(year=year)
        coef = (fit if year is None else fit.sel(year=year)).values
        shape = fit.attrs["shape"] if year is None else fit.attrs["shape"][k]
        frame = d[["va", "va_share", "position", y]].to_dataframe()
        frame = frame[frame["va"] > 0]
        colour = colours[k % len(colours)]
        lab = "" if year is None else f"{year}: "
        # area ∝ value added, relative to the chain's value, so years compare
        ax.scatter(
            frame["position"], 100 * frame[y], s=1500 * frame["va_share"], color=colour,
            alpha=0.45, edgecolors="none", label=f"{lab}country-industries (area ∝ value added)",
        )  # fmt: skip
        grid = np.linspace(frame["position"].min(), frame["position"].max(), 200)
        ax.plot(
            grid, 100 * np.polyval(coef, grid), color=colour, lw=2,
            label=f"{lab}VA-weighted quadratic, c₂ = {coef[0]:.3g} ({shape})",
        )  # fmt: skip
        for (c, s), row in frame.nlargest(label_top, "va").iterrows():
            if (c, s) in labelled:
                continue
            labelled.add((c, s))
            ax.annotate(
                f"{c}_{s}", (row["position"], 100 * row[y]), fontsize=8, color=colour,
                xytext=(4, 3), textcoords="offset points",
            )  # fmt: skip
        low, top = min(low, 100 * frame[y].min()), max(top, 100 * frame[y].max())
    # the fitted curve may shoot far beyond the points at the chain's ends
    pad = 0.05 * (top - low)
    ax.set_ylim(low - pad, top + 3 * pad)
    if title is None:
        when = ", ".join(str(yr) for yr in years if yr is not None)
        title = f"Smile curve: {ds.attrs.get('chain', '')} ({ds.attrs.get('target', '')})"
        title += f", {when}" if when else ""
    ax.set_title(title)
    ax.set_xlabel("position: production stages to the final product (1 = final stage)")
    ax.set_ylabel(_YLABELS[y])
    # below the axes: inside, it would hide the largest contributors
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    ax.grid(alpha=0.3)
    ax.smile_fit = fit
    return fit
