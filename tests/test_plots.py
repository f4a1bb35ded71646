"""Plot helpers: what they return (Axes, labels, limits holding the data), and clean files."""

import os

import numpy as np
import pandas as pd
import pytest

from gvcdecomp.errors import OptionError

from conftest import pyplot

pyplot()  # skips the module without matplotlib
from matplotlib.axes import Axes  # noqa: E402

from gvcdecomp import plots  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


def _legend_below(ax):
    ax.figure.canvas.draw()
    r = ax.figure.canvas.get_renderer()
    return ax.get_legend().get_window_extent(r).y1 <= ax.get_window_extent(r).y0


def test_plot_stacked_sums_segments_and_keeps_the_legend_off_the_bars():
    frame = pd.DataFrame(
        {"DVA": [0.8, 0.6], "RDV": [0.02, 0.01], "FVA": [0.15, 0.3], "PDC": [0.03, 0.09]},
        index=pd.Index(["USA", "KOR"], name="exporter"),
    )
    ax = plots.plot_stacked(frame, labels=["a", "b", "c", "d"], title="t")
    assert isinstance(ax, Axes)
    assert ax.get_ylabel() == "% of gross exports" and ax.get_xlabel() == "exporter"
    tops = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        tops[x] = max(tops.get(x, 0), patch.get_y() + patch.get_height())
    np.testing.assert_allclose([tops[0], tops[1]], 100 * frame.sum(axis=1).values, rtol=1e-12)
    assert ax.get_ylim()[1] >= max(tops.values()) and ax.get_ylim()[0] <= 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c", "d"]
    assert _legend_below(ax)


def test_plot_series_two_sources_same_colours_and_limits_hold_the_data():
    years = range(1995, 2001)
    a = pd.DataFrame({"KOR": np.linspace(60, 70, 6), "USA": np.linspace(80, 85, 6)}, index=years)
    b = a.iloc[2:] + 1.5
    ax = plots.plot_series({"source A": a, "source B": b}, ylabel="% of gross exports")
    assert ax.get_ylabel() == "% of gross exports" and ax.get_xlabel() == "year"
    lines = ax.get_lines()
    assert len(lines) == 4
    assert lines[0].get_color() == lines[2].get_color()  # KOR in both sources
    assert lines[0].get_linestyle() != lines[2].get_linestyle()
    data = np.vstack([ln.get_xydata() for ln in lines])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= data[:, 0].min() and data[:, 0].max() <= x1
    assert y0 <= data[:, 1].min() and data[:, 1].max() <= y1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["KOR", "USA", "source A", "source B"]
    assert _legend_below(ax)
    with pytest.raises(OptionError, match="at most 4 sources"):
        plots.plot_series({str(i): a for i in range(5)})


@pytest.mark.parametrize(
    "suffix, magic", [(".svg", b"<?xml"), (".pdf", b"%PDF"), (".png", b"\x89PNG")]
)
def test_save_figure_writes_whole_files_the_same_twice(tmp_path, suffix, magic):
    fig, ax = plots.figure()
    ax.plot([1, 2], [3, 4])
    ax.set_xlabel("x (stages)")
    first = plots.save_figure(fig, tmp_path / f"f{suffix}")
    data = first.read_bytes()
    assert data.startswith(magic)
    if suffix != ".png":  # no timestamp in vector files: the same figure gives the same bytes
        assert plots.save_figure(fig, tmp_path / f"g{suffix}").read_bytes() == data
    if suffix == ".pdf":
        assert b"/FontFile2" in data  # TrueType fonts embedded (pdf.fonttype 42)
    assert os.stat(first).st_mode & 0o044  # readable by others, unlike a temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"f{suffix}"] + ([f"g{suffix}"] if suffix != ".png" else [])
    )  # no temporary file left behind


def test_save_figure_refuses_unknown_formats_and_leaves_nothing(tmp_path):
    fig, _ = plots.figure()
    with pytest.raises(OptionError, match="f.jpg"):
        plots.save_figure(fig, tmp_path / "f.jpg")
    assert not list(tmp_path.iterdir())


def test_save_figure_interrupted_leaves_no_file(tmp_path, monkeypatch):
    fig, _ = plots.figure()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(KeyboardInterrupt):
        plots.save_figure(fig, tmp_path / "f.svg")
    assert not list(tmp_path.iterdir())


def test_industry_names_from_the_classification():
    names = plots.industry_names(["c14", "c30"])
    assert names["c14"] == "Electrical and optical equipment"
    assert names["c30"].startswith("Renting of machinery") and ";" not in names["c30"]
    assert len(names["c30"]) <= 34
    assert plots.industry_names(["c14", "zz"]) == {"c14": "c14", "zz": "zz"}


def test_plot_series_default_y_label_is_long_name_and_units():
    import xarray as xr

    from gvcdecomp.vocabulary import lookup

    years = [2000, 2001, 2002]
    frame = pd.DataFrame({"KOR": [0.6, 0.62, 0.61], "USA": [0.8, 0.79, 0.81]}, index=years)
    var = lookup("DVA_absorbed_abroad_share")
    ax = plots.plot_series(frame, variable="DVA_absorbed_abroad_share")
    assert ax.get_ylabel() == f"{var.long_name} ({var.units})" and var.units == "fraction"
    # a described DataArray (as results are) labels itself; its own units win
    da = xr.DataArray(
        frame.to_numpy(), dims=("year", "exporter"),
        coords={"year": years, "exporter": ["KOR", "USA"]}, name="gexp",
        attrs={"long_name": "gross exports", "units": "millions of US dollars"},
    )  # fmt: skip
    ax = plots.plot_series(da)
    assert ax.get_ylabel() == "gross exports (millions of US dollars)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["KOR", "USA"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), frame["USA"])
    # a registered name without attributes: the registry's long name
    ax = plots.plot_series(da.sel(exporter="KOR").rename("DVA_absorbed_abroad_share").drop_attrs())
    assert ax.get_ylabel().startswith(var.long_name)
    assert plots.plot_series(frame, ylabel="% of exports").get_ylabel() == "% of exports"
    with pytest.raises(OptionError, match="no y label"):
        plots.plot_series(frame)  # nothing to name the axis
    with pytest.raises(OptionError, match="'nonsense' is not a registered variable"):
        plots.plot_series(frame, variable="nonsense")


def test_plot_series_label_does_not_keep_a_fraction_unit_through_rescaling():
    import xarray as xr

    years = [2000, 2001]
    da = xr.DataArray(
        [[0.805, 0.822], [0.81, 0.83]], dims=("year", "exporter"),
        coords={"year": years, "exporter": ["USA", "JPN"]}, name="DVA_absorbed_abroad_share",
        attrs={"long_name": "DVA absorbed abroad", "units": "fraction"},
    )  # fmt: skip
    assert plots.plot_series(da).get_ylabel() == "DVA absorbed abroad (fraction)"
    pct = 100 * da
    assert pct.attrs["units"] == "fraction"  # xarray keeps the attributes through arithmetic
    # before: labelled "(fraction)" under values of 80.5 to 83
    with pytest.raises(OptionError, match="values up to 83 drawn under a label in 'fraction'"):
        plots.plot_series(pct)
    # the registry's unit too, and the message says where the unit came from
    with pytest.raises(OptionError, match="from the glossary entry of 'DVA_absorbed_abroad_s"):
        plots.plot_series(pct.to_pandas(), variable="DVA_absorbed_abroad_share")
    with pytest.raises(OptionError, match="from the data's attributes"):
        plots.plot_series(pct)
    with pytest.raises(OptionError, match="label in 'fraction'"):  # any of several sources
        plots.plot_series({"a": da, "b": pct})
    ax = plots.plot_series(pct, units="%")
    assert ax.get_ylabel() == "DVA absorbed abroad (%)"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [80.5, 81.0])
    # a ratio that does exceed 1 is drawn once its unit is confirmed
    vax = (1.4 * da).rename("VAX_ratio").drop_attrs()
    assert plots.plot_series(vax, units="fraction").get_ylabel().endswith("(fraction)")


def test_plot_series_refuses_ylabel_and_units_together():
    frame = pd.DataFrame({"USA": [0.5, 0.6]}, index=[2000, 2001])
    with pytest.raises(OptionError, match="ylabel= .* or units=, not both"):
        plots.plot_series(100 * frame, ylabel="DVA share", units="%")
