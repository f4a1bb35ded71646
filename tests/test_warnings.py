"""Quiet, useful balance warnings (issue #16 §3): one line per table, once per file
and year; one summary per panel loop, after any progress bar; known properties of
a source (WIOD 2013's truncated RData values) stated in ``notes``, not warned."""

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp.panel import Panel
from gvcdecomp.sources.wiod2013 import read_rdata

from conftest import random_table


pytestmark = pytest.mark.usefixtures("fresh_warnings")


def balance_warnings(caught):
    return [w for w in caught if issubclass(w.category, gd.BalanceWarning)]


def recorded(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, balance_warnings(caught)


# -- WIOD 2013 RData: one line, once per file and year, truncation a stated property ----


def test_wiod2013_year_warns_once_in_one_line_without_the_truncation_gaps(wiod2013_dir):
    t, caught = recorded(lambda: gd.load_wiod2013(2011, path=wiod2013_dir))
    (w,) = caught
    msg = str(w.message)
    assert w.filename == __file__ and "\n" not in msg
    assert "2 row sum(s) negative" in msg and "negative value added) in 1 column(s)" in msg
    assert "stored output" not in msg  # the truncation gaps are not warned
    # reloaded (from the parsed-table cache) and reloaded as part of a panel's year: silent
    assert recorded(lambda: gd.load_wiod2013(2011, path=wiod2013_dir))[1] == []
    assert recorded(lambda: gd.load_wiod2013([2011], path=wiod2013_dir)[2011])[1] == []


def test_wiod2013_truncation_gaps_are_in_notes_and_diagnostics(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.load_wiod2013(2011, path=wiod2013_dir)
    p = read_rdata(wiod2013_dir / "wiot_2011.RData")  # the stored numbers, checked with numpy
    gap = p["Z"].sum(1) + p["Y"].sum(1) - p["x"]
    beyond = np.abs(gap) > 1e-3 * np.abs(p["x"])
    labels = [f"{c}_{s}" for c in p["countries"] for s in p["sectors"]]
    d = t.diagnostics["output_gap_rounding"]
    assert d["warn"] is False and "output_gap" not in t.diagnostics
    assert d["rows"] == [lab for lab, b in zip(labels, beyond) if b]
    np.testing.assert_array_equal(d["values"], gap[beyond])
    # every value of a row (1435 + 205 of them) and its output lost < 1 M$ to truncation
    assert np.abs(gap).max() < 1435 + 205 + 1
    assert any("truncated toward zero" in n for n in t.notes)
    assert any(f"{beyond.sum()} row(s) differ" in n and f"by {np.abs(gap).max():g} at most" in n
               for n in t.notes)  # fmt: skip


# -- resolution: what rounding explains is a note, what it cannot is a warning ---------


def truncated_parts(seed=0):
    """A balanced table of fractional values cut to whole numbers, as the R package did."""
    t = random_table(3, 2, seed=seed)
    x = t.Z.sum(1) + t.Y.sum((1, 2))
    return dict(Z=np.trunc(t.Z * 10), Y=np.trunc(t.Y * 10), countries=t.countries,
                sectors=t.sectors, fd_categories=t.fd_categories, x=np.trunc(x * 10))  # fmt: skip


def test_gaps_that_truncation_explains_are_noted_not_warned():
    p = truncated_parts()
    gap = p["Z"].sum(1) + p["Y"].sum((1, 2)) - p["x"]
    assert (np.abs(gap) > 1e-3 * p["x"]).any()  # else the test proves nothing
    t, caught = recorded(lambda: gd.IOTable(**p, resolution=1.0))
    assert caught == [] and "output_gap" not in t.diagnostics
    assert t.diagnostics["output_gap_rounding"]["warn"] is False
    assert "rounded or truncated" in t.notes[0]
    # without the stated property the same gaps are warned
    t, caught = recorded(lambda: gd.IOTable(**p))
    (w,) = caught
    assert "differ from stored output by more than 0.1%" in str(w.message)


def test_a_gap_beyond_the_rounding_is_warned_with_both_largest_gaps():
    p = truncated_parts()
    n_values = 6 + 3 * 2  # GN + G*K values in a row
    p["x"][4] += 500.0  # far beyond one unit per value: not truncation
    p["x"][0] = 0.0  # a 100 % gap of a tiny row (its row sum is positive)
    p["Z"][0], p["Y"][0] = 0.0, 0.0
    p["Y"][0, 0, 0] = 0.5
    t, caught = recorded(lambda: gd.IOTable(**p, resolution=1.0))
    msg = str(caught[0].message)
    beyond = f"by more than rounding to 1 explains (>= {n_values + 1})"
    assert f"1 row(s) differ from stored output {beyond}" in msg
    assert t.diagnostics["output_gap"]["rows"] == ["C2_s0"]
    t, caught = recorded(lambda: gd.IOTable(**p))  # no resolution: the tiny row leads
    msg = str(caught[0].message)
    assert "largest 100.00% at C0_s0 (stored 0, row sum 0.5)" in msg
    rowsum = p["Z"][4].sum() + p["Y"][4].sum()
    assert f"largest in value {p['x'][4] - rowsum:g} at C2_s0" in msg


def test_tables_of_arrays_warn_every_time_named_sources_once():
    p = truncated_parts()
    assert all(len(recorded(lambda: gd.IOTable(**p))[1]) == 1 for _ in range(2))
    named = [recorded(lambda: gd.IOTable(**p, source="file.x", year=2001))[1] for _ in range(2)]
    assert [len(c) for c in named] == [1, 0]
    assert len(recorded(lambda: gd.IOTable(**p, source="file.x", year=2002))[1]) == 1


# -- panels: one summary for all years, after the loop ---------------------------------


def faulty(year):
    """A table with negative value added in one column, two in even years; source named."""
    t = random_table(3, 2, seed=1)
    x = t.x.copy()
    cols = [3, 5] if year % 2 == 0 else [3]
    x[cols] = 0.5 * t.Z[:, cols].sum(0)  # published output below the columns' inputs
    return gd.IOTable(t.Z, t.Y, t.countries, t.sectors, t.fd_categories, x=x,
                      output="stored", year=year, source="faulty.csv")  # fmt: skip


def test_a_panel_decomposition_gives_one_summary_at_the_callers_line():
    panel = Panel(range(2001, 2005), faulty, "faulty")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gd.decompose(panel, "leontief", progress=False)
    (w,) = balance_warnings(caught)
    msg = str(w.message)
    assert w.filename == __file__ and "\n" not in msg
    assert msg.startswith("faulty panel, 4 years loaded (2001–2004): ")
    assert "1–2 column(s) with negative value added in 4 of 4 years (2001–2004)" in msg
    assert sorted(panel.diagnostics) == [2001, 2002, 2003, 2004]
    counts = [len(panel.diagnostics[y]["negative_value_added"]["rows"]) for y in panel.years]
    assert counts == [1, 2, 1, 2]
    # the same panel again, and a year of it alone: already said
    again = recorded(lambda: gd.decompose(panel, "leontief", progress=False))[1]
    assert balance_warnings(again) == []
    assert recorded(lambda: panel[2003])[1] == []


def test_a_loop_over_a_panel_gives_one_summary_when_it_ends():
    panel = Panel([2001, 2003], faulty, "faulty")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for year, t in panel.items():
            assert balance_warnings(caught) == []  # nothing during the loop
    (w,) = balance_warnings(caught)
    assert w.filename == __file__
    assert "1 column(s) with negative value added in 2 of 2 years (2001, 2003)" in str(w.message)
    assert panel.summary() == str(w.message)


def test_membership_does_not_load_and_a_clean_panel_is_silent():
    loaded = []
    def load(year):
        loaded.append(year)
        return random_table(3, 2, seed=year - 2000)

    panel = Panel([2000, 2001], load, "clean")
    assert 2000 in panel and 1999 not in panel and loaded == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dict(panel)
    assert balance_warnings(caught) == [] and panel.summary() == ""


def test_other_warnings_in_a_decomposition_are_held_and_given_once():
    def noisy(year):
        warnings.warn("a loader's own warning", UserWarning)
        return faulty(year)

    panel = Panel([2001, 2002, 2003], noisy, "noisy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gd.decompose(panel, "leontief", progress=False)
    assert [w.category for w in caught] == [gd.BalanceWarning, UserWarning]


def test_warnings_come_after_the_progress_bar(tmp_path):
    script = tmp_path / "bar.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import gvcdecomp as gd
        from gvcdecomp.panel import Panel
        from test_warnings import faulty
        gd.decompose(Panel(range(2001, 2005), faulty, "faulty"), "leontief", progress=True)
    """))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    err = run.stderr
    assert err.count("BalanceWarning") == 1, err
    assert err.index("BalanceWarning") > err.rindex("4/4"), err  # after the bar's last state
    warning, source_line = err.rstrip("\n").splitlines()[-2:]  # the caller's line, then its text
    assert warning.startswith(f"{script}:7: BalanceWarning: faulty panel")
    assert "gd.decompose" in source_line
