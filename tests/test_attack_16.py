"""Attacks on issue #16 (docs, figures, quiet warnings, start-up) and their fixes."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp.table import IOTable

from conftest import balance_warnings, random_table, require_data


pytestmark = pytest.mark.usefixtures("fresh_warnings")


_balance = balance_warnings


def _truncated_table(**kw) -> IOTable:
    """Whole-unit values whose stored output exceeds the row sums by a few units (as
    WIOD 2013's RData files): the gaps are within what ``resolution=1`` explains."""
    t = random_table(G=3, N=2, K=2, seed=4)
    Z, Y = np.floor(t.Z * 10), np.floor(t.Y * 10)
    x = Z.sum(1) + Y.sum((1, 2)) + np.arange(1, t.n + 1)  # 1..6 units: > 0.1 %, < bound
    return IOTable(Z, Y, t.countries, t.sectors, t.fd_categories, x=x, year=2001,
                   source="truncated test table", **kw)  # fmt: skip


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_saved_table_keeps_resolution_and_notes(tmp_path, suffix):
    if suffix == ".zarr":
        pytest.importorskip("zarr")
    t, caught = _balance(lambda: _truncated_table(resolution=1.0))
    assert caught == [] and t.resolution == 1.0
    assert any("each off by less than 1 " in n for n in t.notes)
    t.notes.insert(0, "a property of the source")  # as a loader states it
    gd.save_table(t, tmp_path / f"t{suffix}")
    u, caught = _balance(lambda: gd.load_table(tmp_path / f"t{suffix}"))
    assert caught == []  # the rounding gaps are known, not warned again
    assert u.resolution == 1.0 and u.notes == t.notes
    assert u.diagnostics["output_gap_rounding"]["rows"] == t.diagnostics["output_gap_rounding"]["rows"]


def test_saved_table_without_resolution_still_warns_on_its_gaps(tmp_path):
    t, caught = _balance(lambda: _truncated_table())
    assert len(caught) == 1 and "stored output" in str(caught[0].message)
    gd.save_table(t, tmp_path / "t.nc")
    u = gd.load_table(tmp_path / "t.nc")
    assert u.resolution is None and u.notes == [] and u.diagnostics["output_gap"]["warn"]


@pytest.mark.parametrize(
    "attr, value, fault",
    [("resolution", -1.0, "resolution attribute"), ("resolution", "one", "resolution attribute"),
     ("notes", "[1, 2]", "not a list of strings"), ("notes", "{", "not valid JSON")],
)  # fmt: skip
def test_load_table_refuses_bad_resolution_or_notes(tmp_path, attr, value, fault):
    import xarray as xr

    gd.save_table(_balance(lambda: _truncated_table(resolution=1.0))[0], tmp_path / "t.nc")
    with xr.open_dataset(tmp_path / "t.nc") as ds:
        ds = ds.load()
    ds.attrs[attr] = value
    ds.to_netcdf(tmp_path / "bad.nc")
    with pytest.raises(gd.errors.FileFormatError, match=f"bad.nc: .*{fault}"):
        gd.load_table(tmp_path / "bad.nc")


# -- docs/validation.md: every number is what scripts/validation.py prints ------------------

ROOT = Path(__file__).resolve().parents[1]


def _validation_script():
    spec = importlib.util.spec_from_file_location("validation", ROOT / "scripts" / "validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validation_page_shows_what_the_script_prints(capsys):
    require_data("wiod2013")
    _validation_script().main(["--years", "2010-2010"])
    out = capsys.readouterr().out
    page = (ROOT / "docs" / "validation.md").read_text().replace("−", "-")
    head, _, ids = out.partition("4. Identities")
    # sections 1-3: every percentage, balance and ratio printed is on the page as printed
    printed = re.findall(
        r"-?\d+\.\d %|-?\d{1,3}(?:,\d{3})+|\d\.\d\d(?= \()|\(\d+ % smaller\)", head
    )
    assert len(printed) == 5 + 3 + 4 * 4
    missing = [n for n in printed if n not in page]
    assert not missing, f"docs/validation.md lacks {missing}"
    # section 4: the page's worst departure over all years bounds 2010's, and is 2010's
    # where the page names 2010 as the worst year
    year = re.findall(r": (\d\.\de-\d\d) \(worst year", ids)
    stated = re.findall(r"\| (\d\.\de-\d\d) \| ((?:19|20)\d\d) \|", page)
    assert len(year) == len(stated) == 7
    for y, (s, worst) in zip(year, stated):
        assert float(y) <= float(s) and (worst != "2010" or y == s), (y, s, worst)


# -- plot_smile: every bubble drawn whole inside the axes ------------------------------------


def _bubbles_outside(ax) -> list:
    """Bubbles whose disc (diameter sqrt(s) points) crosses the axes' edge, in pixels."""
    fig = ax.figure
    fig.canvas.draw()
    box = ax.get_window_extent(fig.canvas.get_renderer())
    out = []
    for coll in ax.collections:
        centres = ax.transData.transform(coll.get_offsets())
        radii = np.sqrt(np.broadcast_to(coll.get_sizes(), len(centres))) / 2 * fig.dpi / 72
        for (cx, cy), r in zip(centres, radii, strict=True):
            if cx - r < box.x0 - 0.5 or cx + r > box.x1 + 0.5 or cy - r < box.y0 - 0.5 \
                    or cy + r > box.y1 + 0.5:  # fmt: skip
                out.append((cx, cy, r))
    return out


@pytest.mark.parametrize("y", ["va_rate", "va_share"])
def test_plot_smile_draws_every_bubble_inside_the_axes(y):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gvcdecomp.plots import plot_smile

    try:
        # the chain's own final stage holds most of its value: a large bubble at the edge
        ds = gd.smile_curve(random_table(3, 2, seed=1), "C0", "s0")
        ax = plot_smile(ds, y=y, min_share=0, label_top=2)
        assert len(ax.collections[0].get_offsets()) >= 4
        assert _bubbles_outside(ax) == []
    finally:
        plt.close("all")


# -- CLI: the study's column holds the study's figures whenever 2011 is shown ---------------


@pytest.mark.parametrize("years, shown", [("2010-2011", True), ("2009-2010", False)])
def test_reproduce_study_column_filled_when_2011_is_shown(capsys, years, shown):
    from gvcdecomp.cli import STUDY, main

    d = require_data("wiod2013")
    assert main(["reproduce", "--path", str(d), "--year", years, "--countries", "USA,KOR"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(l for l in lines if "2010" in l)
    assert ("study" in header) == shown
    usa, kor = (next(l for l in lines if l.startswith(c)) for c in ("USA", "KOR"))
    assert len(re.findall(r"\d+\.\d", usa)) == 2 + shown and len(re.findall(r"\d+\.\d", kor)) == 2
    if shown:
        assert usa.split()[-1] == f"{STUDY['USA']:.1f}"


# -- Dask path: one panel summary at the caller's line after the bar, nothing from workers ---


def _warned_year(year):
    """A table with a negative row sum (negative final demand, no inputs): it warns."""
    t = random_table(3, 2, seed=year % 7)
    Z, Y = t.Z.copy(), t.Y.copy()
    Z[0, :] = Z[:, 0] = 0.0
    Y[0] = 0.0
    Y[0, 0, 0] = -1.0
    return IOTable(Z, Y, t.countries, t.sectors, t.fd_categories, year=year,
                   source=f"attack table {year}")  # fmt: skip


def test_warned_year_warns_alone():
    _, caught = _balance(lambda: _warned_year(2000))
    assert len(caught) == 1 and "1 row sum(s) negative" in str(caught[0].message)


def test_dask_panel_gives_one_summary_at_the_callers_line(capfd):
    distributed = pytest.importorskip("distributed")
    panel = gd.Panel([2000, 2001], _warned_year, "attack")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster:
        with distributed.Client(cluster) as client:
            capfd.readouterr()
            r, caught = _balance(lambda: gd.decompose(panel, "wwz", client=client, progress=False))
            err = capfd.readouterr().err
    assert list(r.year.values) == [2000, 2001]
    (w,) = caught
    assert w.filename == __file__ and str(w.message).startswith("attack panel, 2 years loaded")
    assert "1 row(s) with a negative sum" in str(w.message) and "BalanceWarning" not in err
    assert sorted(panel.diagnostics) == [2000, 2001]
    # summarised: loading a year here afterwards is not warned again
    assert _balance(lambda: panel[2001])[1] == []
