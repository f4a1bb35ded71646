"""Figures of gvcdecomp results, in one journal style. matplotlib is optional.

Every helper draws on a given Axes (or a new figure in :data:`STYLE`), labels
both axes with their units, keeps its legend outside the data (below the
axes) and returns the Axes. :func:`save_figure` writes SVG, PDF or PNG files
whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import OptionError
from .smile import smile_fit

#: rc parameters of every figure: sans-serif type of 8-10 pt, no top/right spines,
#: light grid, fonts embedded as TrueType in PDF and drawn as paths in SVG (so
#: the file looks the same without the fonts), no timestamps in the files.
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.5,
    "figure.dpi": 110,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "gvcdecomp",
}
FORMATS = {".svg": "svg", ".pdf": "pdf", ".png": "png"}
_NO_DATE = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}

_YLABELS = {
    "va_rate": "value added per unit of gross output (%)",
    "va_share": "share of the chain's value (%)",
}
_XLABEL = "position: production stages to the chain's product (1 = final stage)"
_WRAP = 34  # characters of an industry name in a point label


def _pyplot(what: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise OptionError(f"{what} needs matplotlib: pip install matplotlib") from None
    return plt


def style():
    """Context manager applying :data:`STYLE` (``with style(): ...``)."""
    return _pyplot("style").rc_context(STYLE)


def figure(ncols: int = 1, nrows: int = 1, width: float = 6.5, height: float = 4.2):
    """A new figure in :data:`STYLE` with constrained layout; returns ``(fig, axes)``.

    ``width`` and ``height`` in inches (6.5 in: a journal's full text width).
    """
    plt = _pyplot("figure")
    with style():
        return plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")


def save_figure(fig, path) -> Path:
    """Write ``fig`` to ``path`` (``.svg``, ``.pdf`` or ``.png``), whole or not at all.

    Vector formats keep text as embedded fonts (PDF) or paths (SVG), the
    bounding box is tight, and no creation date is written, so saving the
    same figure twice gives the same file. The file is written beside its
    target and renamed into place: an interrupted save leaves no half file.

    Raises
    ------
    OptionError
        The suffix is not one of ``.svg``, ``.pdf``, ``.png``.
    """
    plt = _pyplot("save_figure")
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OptionError(f"save_figure: {path.name!r} must end in one of {', '.join(FORMATS)}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out, plt.rc_context(STYLE):
            fig.savefig(out, format=fmt, bbox_inches="tight", metadata=_NO_DATE[fmt])
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a figure is not
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def legend_below(ax, ncol: int = 2, handles=None, labels=None, title=None):
    """A legend under the axes and their x tick labels and label, ``ncol`` columns.

    Anchored a fixed physical distance below the axes (the height of the
    x-axis decorations plus 4 pt), so it neither covers data nor the axis
    label whatever size the layout gives the axes.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    drop = (ax.get_window_extent(r).y0 - ax.xaxis.get_tightbbox(r).y0) / fig.dpi + 4 / 72
    below = ax.transAxes + ScaledTranslation(0, -drop, fig.dpi_scale_trans)
    kw = {} if handles is None else {"handles": handles, "labels": labels}
    return ax.legend(
        **kw, loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncol=ncol,
        title=title, borderaxespad=0.0,
    )  # fmt: skip


def plot_stacked(
    frame, ax=None, ylabel: str = "% of gross exports", title=None, labels=None, ncol: int = 2
):
    r"""Stacked bars of shares: one bar per row of ``frame``, one segment per column.

    Parameters
    ----------
    frame : pandas.DataFrame
        Fractions (0.25 = 25 %); drawn in percent.
    ylabel : str
        Vertical axis label, with its unit.
    labels : list of str, optional
        Legend labels for the columns (default: the column names).
    ncol : int
        Columns of the legend.

    Returns
    -------
    matplotlib.axes.Axes
        The vertical axis spans 0 to the tallest bar (positive segments) or
        the lowest negative sum; the legend sits below the axes.
    """
    if ax is None:
        _, ax = figure(width=6.5, height=4.0)
    with style():
        pct = 100 * frame.astype(float)
        bottom_pos = np.zeros(len(pct))
        bottom_neg = np.zeros(len(pct))
        x = np.arange(len(pct))
        names = list(pct.columns) if labels is None else list(labels)
        for col, name in zip(pct.columns, names, strict=True):
            v = pct[col].to_numpy()
            base = np.where(v >= 0, bottom_pos, bottom_neg)
            ax.bar(x, v, 0.7, bottom=base, label=name)
            bottom_pos += np.clip(v, 0, None)
            bottom_neg += np.clip(v, None, 0)
        ax.set_xticks(x, [str(i) for i in pct.index])
        ax.set_xlabel(frame.index.name or "")
        ax.set_ylabel(ylabel)
        ax.set_ylim(min(0.0, bottom_neg.min()) * 1.05, max(bottom_pos.max(), 0.0) * 1.02)
        ax.grid(axis="x", visible=False)
        if title:
            ax.set_title(title)
        legend_below(ax, ncol=min(len(names), ncol))
    return ax


def plot_series(
    data, ax=None, ylabel: str | None = None, title=None, xlabel: str = "year", ncol: int = 3,
    variable: str | None = None, units: str | None = None,
):
    r"""Lines over years: one colour per column, one line style per source.

    Parameters
    ----------
    data : pandas.DataFrame, xarray.DataArray or dict of str to either
        Index: years; columns: series (e.g. countries). A DataArray has the
        dimension ``year`` and at most one other (its values are the series).
        A dict draws several sources of the same series (same colour, solid,
        dashed, dotted lines) and the legend names colours and line styles
        separately.
    ylabel : str, optional
        Vertical axis label, with its unit. Default ``"long name (units)"``:
        from the attributes ``long_name`` and ``units`` of the (first)
        DataArray or DataFrame (``frame.attrs``), else from the registry entry
        (:data:`gvcdecomp.vocabulary.VARIABLES`) of ``variable`` or of the
        DataArray's name. Values are drawn as given.
    variable : str, optional
        Registered name of the variable drawn (e.g.
        ``"DVA_absorbed_abroad_share"``), for the default label.
    units : str, optional
        Units of the values drawn, replacing those of the attributes or the
        registry in the default label: ``plot_series(100 * share, units="%")``.
        Attributes survive arithmetic (``100 * da`` keeps ``units="fraction"``),
        so a default label in ``fraction`` is refused when a value exceeds 1 in
        absolute value; pass ``units`` (``"fraction"`` for a ratio that does
        exceed 1, such as a bilateral VAX ratio) or ``ylabel``.
    ncol : int
        Columns of the legend.

    Returns
    -------
    matplotlib.axes.Axes
        The vertical axis spans every value drawn (with a 5 % margin); years
        are whole numbers on the horizontal axis; the legend sits below the
        axes.

    Raises
    ------
    OptionError
        More than four sources; no ``ylabel`` and no long name and units to
        derive it from; ``ylabel`` and ``units`` both given; ``variable`` is not
        registered; a default label in ``fraction`` for values beyond ±1
        (rescaled data); a DataArray with more than one dimension besides
        ``year``.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    given = data if isinstance(data, dict) else {"": data}
    dashes = ["-", "--", ":", "-."]
    if len(given) > len(dashes):
        raise OptionError(f"plot_series draws at most {len(dashes)} sources, got {len(given)}")
    if ylabel is not None and units is not None:  # units would be dropped unseen
        raise OptionError("plot_series: pass ylabel= (the whole label) or units=, not both")
    sources = {k: _frame(v) for k, v in given.items()}
    if ylabel is None:
        ylabel = _series_label(next(iter(given.values())), variable, units, sources.values())
    if ax is None:
        _, ax = figure(width=6.5, height=4.2)
    series = list(dict.fromkeys(c for f in sources.values() for c in f.columns))
    colour = {c: f"C{i % 10}" for i, c in enumerate(series)}
    with style():
        for ls, frame in zip(dashes, sources.values(), strict=False):
            for c in frame.columns:
                ax.plot(frame.index, frame[c], color=colour[c], ls=ls, marker="o", ms=2.5)
        handles = [Line2D([], [], color=colour[c], marker="o", ms=3) for c in series]
        names = [str(c) for c in series]
        if len(sources) > 1:
            handles += [Line2D([], [], color="0.3", ls=ls) for ls in dashes[: len(sources)]]
            names += list(sources)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        legend_below(ax, ncol=min(len(names), ncol), handles=handles, labels=names)
    return ax


def _series_label(data, variable, units, frames) -> str:
    """``"long name (units)"`` of the data drawn by :func:`plot_series`; ``units``
    as given, else from the attributes or the registry, checked against ``frames``."""
    from .vocabulary import TABLE_UNITS, lookup

    attrs = getattr(data, "attrs", {}) or {}
    if "long_name" in attrs and "units" in attrs:
        long_name, found = attrs["long_name"], attrs["units"]
        origin = "the data's attributes, which arithmetic such as 100 * data keeps"
    else:
        name = variable or getattr(data, "name", None)
        var = lookup(str(name)) if name is not None else None
        if var is None:
            what = (
                f"{name!r} is not a registered variable" if name is not None
                else "no variable named"
            )
            raise OptionError(
                f"plot_series: no y label: {what}; pass ylabel=, variable= (a name of "
                "gvcdecomp.vocabulary.VARIABLES) or data with long_name and units attributes"
            )
        long_name, found = var.long_name, attrs.get("units") or (
            "units of the table" if var.units == TABLE_UNITS else var.units
        )  # a flow's units are the table's, which the registry cannot know
        origin = (
            "the data's attributes, which arithmetic such as 100 * data keeps"
            if attrs.get("units") else f"the glossary entry of {name!r}"
        )
    if units is not None:
        return f"{long_name} ({units})"
    if found == "fraction":
        values = np.concatenate([np.asarray(f, dtype=float).ravel() for f in frames])
        top = np.nanmax(np.abs(values), initial=0.0)
        if top > 1 + 1e-9:
            raise OptionError(
                f"plot_series: values up to {top:g} drawn under a label in 'fraction' (from "
                f"{origin}): "
                'pass units= (e.g. units="%" for percentages, units="fraction" for a ratio '
                "above 1) or ylabel="
            )
    return f"{long_name} ({found})"


def _frame(data):
    """A DataFrame (index: years) of a DataFrame or a DataArray with dimension year."""
    import xarray as xr

    if not isinstance(data, xr.DataArray):
        return data
    others = [d for d in data.dims if d != "year"]
    if "year" not in data.dims or len(others) > 1:
        raise OptionError(
            f"plot_series: a DataArray needs the dimension year and at most one other, "
            f"got {data.dims}"
        )
    if not others:
        return data.to_pandas().to_frame(str(data.name or ""))
    return data.transpose("year", *others).to_pandas()


def industry_names(sectors, width: int | None = _WRAP) -> dict[str, str]:
    """Readable names of industry codes, from the classification that has them all.

    Uses :func:`gvcdecomp.concordances.industries`; a name is its short
    description up to the first semicolon, shortened to ``width`` characters
    (None: not shortened). Codes of no known classification map to themselves.
    """
    from .concordances import CLASSIFICATIONS, industries

    codes = [str(s) for s in sectors]
    for cls in CLASSIFICATIONS:
        table = industries(cls)
        known = dict(zip(table["code"], table["description"], strict=True))
        if all(c in known for c in codes):
            return {c: _shorten(known[c].split(";")[0], width) for c in codes}
    return {c: c for c in codes}


def _shorten(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1].rstrip(" ,") + "…"


def plot_smile(
    ds, ax=None, y: str = "va_rate", label_top: int = 8, min_share: float = 0.001, names=None,
    title=None,
):
    r"""Draw a smile curve: each country-industry's position in the chain and its ``y``.

    One bubble per country-industry contributing at least ``min_share`` of
    the chain's value: horizontally ``position`` (production stages to the
    chain's product, 1 = the final stage, Meng, Ye & Wei 2020), vertically
    ``y`` in percent, area proportional to its value added in the chain (as a
    share of the chain's value, so that years compare). The legend states how
    many smaller contributors are not drawn and what share of the chain they
    hold together. The line is the quadratic of
    :func:`~gvcdecomp.smile.smile_fit` over all contributors (least squares
    weighted by value added, so the small ones barely move it), drawn only
    over the positions of the bubbles drawn that year and only where its
    value lies in [0, 100] %: both ``y`` variables are fractions between 0
    and 1 (a share of the chain; value added per unit of output, which
    exceeds neither), while a quadratic is unbounded. Where the fitted
    curve leaves that range it is not drawn (not clipped: a flat line at 0
    would read as a fitted value), and its legend entry then says so. The
    legend says whether the fit is a smile, an inverted U or monotone. Both
    axes span every bubble, drawn whole, and the whole line drawn.

    Labelling rule: the ``label_top`` largest contributors by bubble area
    (share of the chain's value, in the latest year drawn) are labelled
    ``"CCC Industry name"``, largest first. Each label takes the first of
    8 directions x 4 distances around its bubble (a leader line from the
    second distance on) where its box stays inside the axes and overlaps no
    other label, its own bubble, any bubble of radius 5 pt or more, nor a
    fitted line; a place clear of the smaller bubbles too, with no leader
    line crossing a fitted line, is preferred.
    A label with no such place is left out (``ax.smile_unlabelled`` lists
    those) -- except the largest contributor's, which is always drawn: if
    no place is free it goes to the place with the fewest overlaps (first
    inside the axes, then fewest labels, own bubble, large bubbles, lines
    and small bubbles covered, then no leader crossing a line, in that
    order). Labels are placed for the
    axes' size when the function runs: draw on the figure it will be saved
    from (:func:`figure` gives constrained layout).

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`~gvcdecomp.smile.smile_curve`, one year or several
        (one colour, one fit per year).
    ax : matplotlib Axes, optional
        Default: a new figure (:func:`figure`).
    y : {"va_rate", "va_share"}
        ``"va_rate"`` (default): value added per unit of gross output, the
        vertical axis of Meng, Ye & Wei's figures; ``"va_share"``: the
        country-industry's share of the chain's value.
    label_top : int
        How many contributors to label (0: none).
    min_share : float
        Smallest share of the chain's value drawn as a bubble (default 0.1 %;
        0 draws every contributor).
    names : dict, False or None
        Industry names by code; None: :func:`industry_names`; False: codes.
    title : str, optional
        Default: the chain (with the industry's name), target and year(s).

    Returns
    -------
    matplotlib.axes.Axes
        The fit drawn is ``smile_fit(ds, y)``; compute it separately.

    Raises
    ------
    OptionError
        matplotlib is not installed, ``y`` is not ``"va_rate"`` or
        ``"va_share"``, ``label_top`` is negative, ``min_share`` is not in [0, 1) or
        above every contributor's share in a year.

    Reference: Meng, Ye & Wei (2020), Oxford Bulletin of Economics and
    Statistics 82(5): 988-1016.
    """
    from matplotlib.lines import Line2D

    _pyplot("plot_smile")
    fit = smile_fit(ds, y)
    if label_top < 0:
        raise OptionError(f"plot_smile: label_top must be 0 or more, got {label_top}")
    if not 0 <= min_share < 1:
        raise OptionError(f"plot_smile: min_share must be in [0, 1), got {min_share}")
    shares = ds["va_share"].where(ds["va"] > 0)
    largest = float(shares.max([d for d in shares.dims if d != "year"]).min())
    if not largest >= min_share:  # no bubble in some year: nothing to draw or fit there
        raise OptionError(
            f"plot_smile: no contributor reaches min_share={min_share:g} (the largest holds "
            f"{100 * largest:.1f} % of the chain in some year drawn); lower min_share"
        )
    if ax is None:
        _, ax = figure(width=6.5, height=5.0)
    if names is None:
        names, full = industry_names(ds["sector"].values), industry_names(ds["sector"].values, None)
    else:
        names = full = names or {}
    years = list(ds["year"].values) if "year" in ds.dims else [None]
    xs, ys, handles, labels, frames, radii = [], [], [], [], [], []
    with style():
        for k, year in enumerate(years):
            d = ds if year is None else ds.sel(year=year)
            coef = (fit if year is None else fit.sel(year=year)).values
            shape = fit.attrs["shape"] if year is None else fit.attrs["shape"][k]
            frame = d[["va", "va_share", "position", y]].to_dataframe()
            small = frame[(frame["va"] > 0) & (frame["va_share"] < min_share)]
            frame = frame[(frame["va"] > 0) & (frame["va_share"] >= min_share)]
            colour = f"C{k % 10}"
            ax.scatter(
                frame["position"], 100 * frame[y], s=np.pi * _radius(frame["va_share"]) ** 2,
                color=colour, alpha=0.4, edgecolors=colour, linewidths=0.5, zorder=2,
            )  # fmt: skip
            grid = np.linspace(frame["position"].min(), frame["position"].max(), 200)
            curve = 100 * np.polyval(coef, grid)
            invalid = (curve < 0) | (curve > 100)  # a fraction: 0-100 %
            curve[invalid] = np.nan  # a gap in the line, not a flat piece at the bound
            ax.plot(grid, curve, color=colour, lw=1.8, zorder=3)
            when = "" if year is None else f"{year}: "
            handles += [
                Line2D([], [], color=colour, marker="o", ls="", alpha=0.5, ms=7),
                Line2D([], [], color=colour, lw=1.8),
            ]
            hidden = f", {len(small)} under {100 * min_share:g} % not drawn" if len(small) else ""
            labels += [
                f"{when}{len(frame)} country-industries{hidden}"
                + (f" ({100 * small['va_share'].sum():.1f} % of the chain)" if len(small) else ""),
                f"{when}VA-weighted quadratic ({shape})"
                + ("; not drawn where outside 0-100 %" if invalid.any() else ""),
            ]
            xs += [frame["position"].to_numpy(), grid]
            ys += [100 * frame[y].to_numpy(), curve]
            frames.append((colour, frame))
            radii.append(_radius(frame["va_share"].to_numpy()))
        _limits(ax, np.concatenate(xs), np.concatenate(ys))
        ax.set_xlabel(_XLABEL)
        ax.set_ylabel(_YLABELS[y])
        ax.set_title(title or _title(ds, years, full))
        legend_below(ax, ncol=1, handles=handles, labels=labels,
                     title="bubble area ∝ value added in the chain")
        _hold_bubbles(ax, np.concatenate(xs[::2]), np.concatenate(ys[::2]),
                      np.concatenate(radii))  # fmt: skip
        colour, frame = frames[-1]  # the latest year's contributors get the labels
        items = [
            (row["position"], 100 * row[y], _radius(row["va_share"]), f"{c} {names.get(s, s)}")
            for (c, s), row in frame.nlargest(label_top, "va_share").iterrows()
        ]
        bubbles = np.column_stack([
            np.concatenate(xs[::2]), np.concatenate(ys[::2]), np.concatenate(radii)
        ])  # fmt: skip
        ax.smile_unlabelled = _place_labels(ax, items, bubbles, colour, xs[1::2], ys[1::2])
    return ax


def _radius(share):
    """Bubble radius in points: area ∝ share of the chain (the whole chain: 30 pt)."""
    return np.maximum(30.0 * np.sqrt(share), 1.2)


def _title(ds, years, names) -> str:
    codes = str(ds.attrs.get("option_sectors", "")).split(",")
    if codes != [""] and "option_country" in ds.attrs:
        product = " + ".join(names.get(c, c) for c in codes)
        chain = f"{product} completed in {ds.attrs['option_country']}"
    else:
        chain = ds.attrs.get("chain", "")
    target = {"final": "final products", "exports": "gross exports"}.get(ds.attrs.get("target"), "")
    if years == [None] and "year" in ds.coords and ds["year"].size == 1:
        year = ds["year"].values.item()  # one table: its year, a scalar coordinate
        years = [year] if isinstance(year, int | np.integer) else years
    when = " and ".join(str(y) for y in years if y is not None)
    return f"{chain}" + (f" ({target})" if target else "") + (f", {when}" if when else "")


def _limits(ax, x, y, pad: float = 0.06):
    """Axis limits holding every point and line drawn, with a margin."""
    for lo, hi, setter in ((np.nanmin(x), np.nanmax(x), ax.set_xlim),
                           (np.nanmin(y), np.nanmax(y), ax.set_ylim)):  # fmt: skip
        span = (hi - lo) or 1.0
        setter(lo - pad * span, hi + pad * span)


def _hold_bubbles(ax, x, y, radius):
    """Widen the limits so that every bubble is drawn whole, not only its centre.

    A bubble of ``radius`` (:func:`_radius`, points) is a marker of area
    pi radius² pt², so its disc is sqrt(pi) radius / 2 points across half-way;
    its extent in data units depends on the limits themselves, so they are
    widened until they hold every disc (a few rounds; the layout is settled first).
    """
    fig = ax.figure
    fig.canvas.draw()
    box = ax.get_window_extent(fig.canvas.get_renderer())
    half = (np.sqrt(np.pi) * np.asarray(radius) / 2 + 1.0) * fig.dpi / 72  # pixels, with the edge
    for values, size, get, setter in ((x, box.width, ax.get_xlim, ax.set_xlim),
                                      (y, box.height, ax.get_ylim, ax.set_ylim)):  # fmt: skip
        lo, hi = get()
        for _ in range(20):
            per_pixel = (hi - lo) / size
            new_lo = min(lo, np.min(values - half * per_pixel))
            new_hi = max(hi, np.max(values + half * per_pixel))
            if (new_lo, new_hi) == (lo, hi):
                break
            lo, hi = new_lo, new_hi
        setter(lo, hi)


# Directions tried around a bubble (8 compass points, the four diagonals
# first) and gaps between bubble edge and label, in points: near, then set off
# with a leader line.
_ANGLES = np.deg2rad([30, -30, 150, 210, 0, 180, 90, 270])
_GAPS = (2.0, 12.0, 24.0, 38.0)
_LEADER = 8.0
_LARGE = 5.0  # bubbles of this radius (points) or more are never covered by a label


def _place_labels(ax, items, bubbles, colour, line_x, line_y) -> list[str]:
    """Annotate ``items`` (x, y, radius in points, text; largest first) without overlaps.

    The rule is :func:`plot_smile`'s: a place is free when the label's box is
    inside the axes and overlaps no other label, not its own bubble, no
    bubble of radius ``_LARGE`` or more and no fitted line (``line_x``,
    ``line_y``: the lines drawn, NaN where broken); one that also clears every
    other bubble of radius 2 pt or more (discs approximated by squares) and
    whose leader line does not cross a fitted line is preferred. The first
    item is labelled in any case, at its least bad place.
    Returns the texts left out.
    """
    from matplotlib.path import Path
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    if not items:
        return []
    fig = ax.figure
    fig.canvas.draw()  # settle the layout so that data-to-pixel positions hold
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0  # pixels per point
    inside = ax.get_window_extent(renderer)
    big = bubbles[bubbles[:, 2] >= 2.0]
    discs = [
        (Bbox.from_extents(cx - r, cy - r, cx + r, cy + r), r >= _LARGE * px)
        for (cx, cy), r in zip(
            ax.transData.transform(big[:, :2]), 0.8 * px * big[:, 2], strict=True
        )
    ]
    lines = [Path(ax.transData.transform(np.column_stack(p))) for p in _pieces(line_x, line_y)]
    taken, left_out = [], []
    for k, (x, y, radius, text) in enumerate(items):
        own = ax.transData.transform([(x, y)])[0]
        mine = Bbox.from_extents(*(own - 0.8 * px * radius), *(own + 0.8 * px * radius))
        others = [(b, large) for b, large in discs if not b.overlaps(mine)]

        def faults(box, gap, a):
            """What a label box covers, worst first (all 0: a perfect place)."""
            ends = own + px * np.outer([radius, radius + gap], [np.cos(a), np.sin(a)])
            leader = Path(ends) if gap > _LEADER else None
            return (
                not (inside.x0 <= box.x0 and box.x1 <= inside.x1
                     and inside.y0 <= box.y0 and box.y1 <= inside.y1),
                sum(box.overlaps(b) for b in taken),
                box.overlaps(mine),
                sum(box.overlaps(b) for b, large in others if large),
                sum(path.intersects_bbox(box, filled=False) for path in lines),
                sum(box.overlaps(b) for b, large in others if not large),
                leader is not None and any(leader.intersects_path(p) for p in lines),
            )  # fmt: skip

        best, free = None, None
        for gap in _GAPS:
            for a in _ANGLES:
                ann = _annotate(ax, text, x, y, radius, gap, a, colour)
                ann.update_positions(renderer)
                # the text's own box (an Annotation's extent includes its leader line)
                f = faults(Text.get_window_extent(ann, renderer).padded(1.5 * px), gap, a)
                ann.remove()
                if not any(f):
                    best = free = (f, gap, a)
                    break
                if free is None and not any(f[:5]):
                    free = (f, gap, a)
                if best is None or f < best[0]:
                    best = (f, gap, a)
            if free is not None and not any(free[0]):
                break
        chosen = free if free is not None else best if k == 0 else None
        if chosen is None:
            left_out.append(text)
            continue
        ann = _annotate(ax, text, x, y, radius, chosen[1], chosen[2], colour)
        ann.update_positions(renderer)
        taken.append(Text.get_window_extent(ann, renderer).padded(1.5 * px))
    return left_out


def _annotate(ax, text, x, y, radius, gap, angle, colour):
    """A label ``gap`` points off the edge of a bubble of ``radius`` points, towards ``angle``."""
    d = radius + gap
    dx, dy = d * np.cos(angle), d * np.sin(angle)
    ann = ax.annotate(
        text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=7,
        color="0.1", annotation_clip=False, zorder=4,
        ha="left" if dx > 1 else "right" if dx < -1 else "center",
        va="bottom" if dy > 1 else "top" if dy < -1 else "center",
        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
        arrowprops=(
            {"arrowstyle": "-", "color": colour, "lw": 0.6, "shrinkA": 0, "shrinkB": radius}
            if gap > _LEADER else None
        ),
    )  # fmt: skip
    ann.set_in_layout(False)
    return ann


def _pieces(xs, ys):
    """The finite runs of each line (x, y), as (x, y) pairs of 2 points or more."""
    out = []
    for x, y in zip(xs, ys, strict=True):
        ok = np.isfinite(y)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(int), [0]])))
        out += [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a > 1]
    return out
