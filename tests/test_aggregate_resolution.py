"""Aggregating a table of rounded values (WIOD 2013's whole millions): resolution and
notes carry over, so the rounding already stated is not warned again."""


import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp.aggregate import aggregate
from gvcdecomp.table import IOTable

from conftest import balance_warnings, random_table

SOURCE_NOTE = "a property of the source, as a loader states it"


pytestmark = pytest.mark.usefixtures("fresh_warnings")


_balance = balance_warnings


def truncated_table(loss=None, extra_gap=0.0, resolution=1.0) -> IOTable:
    """True values cut to whole units, stored output cut from the true output.

    ``loss``: every value loses this much (0.999: the worst case of truncation);
    default: the fractional part of random values. ``extra_gap`` is added to the
    first row's stored output (a gap rounding does not explain).
    """
    t = random_table(G=4, N=3, K=2, seed=7)
    Z, Y = 3 * t.Z, 3 * t.Y  # values of a few tens: cutting them moves rows by > 0.1 %
    if loss is not None:
        Z = np.where(Z > 0, np.floor(Z) + loss, 0.0)
        Y = np.floor(Y) + loss
    x_true = Z.sum(1) + Y.sum((1, 2))
    x = np.floor(x_true)
    x[0] += extra_gap
    table = IOTable(np.floor(Z), np.floor(Y), t.countries, t.sectors, t.fd_categories, x=x,
                    year=2001, source="truncated test table", resolution=resolution)  # fmt: skip
    table.notes.insert(0, SOURCE_NOTE)
    return table


def row_values(t) -> int:
    """Values in one row of the table's bound: GN + G*K + 1 (IOTable's resolution)."""
    return t.n + t.G * len(t.fd_categories) + 1


GROUPINGS = {
    "countries": {"countries": {"R": ["C0", "C2"]}},
    "sectors": {"sectors": {"ab": ["s0", "s1"]}},
    "both": {"countries": {"R": ["C0", "C1", "C3"]}, "sectors": {"ab": ["s0", "s2"]}},
}


@pytest.mark.parametrize("grouping", list(GROUPINGS))
@pytest.mark.parametrize("loss", [None, 0.999])
def test_aggregate_does_not_rewarn_the_rounding(grouping, loss):
    t, caught = _balance(lambda: truncated_table(loss))
    assert caught == [] and "output_gap_rounding" in t.diagnostics  # stated, not warned
    a, caught = _balance(lambda: aggregate(t, **GROUPINGS[grouping]))
    assert caught == [], [str(w.message) for w in caught]
    # the gap of every new row is within its bound, and the rows that differ by more
    # than 0.1 % are stated as rounding
    gap = a.Z.sum(1) + a.Y.sum((1, 2)) - a.x_stored
    assert np.abs(gap).max() < a.resolution * row_values(a)
    assert "output_gap" not in a.diagnostics and "output_gap_rounding" in a.diagnostics
    if loss is not None:  # the worst case really reaches beyond the unscaled bound
        assert np.abs(gap).max() > t.resolution * row_values(a)


@pytest.mark.parametrize("grouping", list(GROUPINGS))
def test_scaled_resolution_covers_each_row_and_no_more_than_the_worst(grouping):
    t = _balance(lambda: truncated_table())[0]
    a = _balance(lambda: aggregate(t, **GROUPINGS[grouping]))[0]
    # old rows in each new row, counted from the labels
    kw = GROUPINGS[grouping]
    owner_c = {m: k for k, ms in kw.get("countries", {}).items() for m in ms}
    owner_s = {m: k for k, ms in kw.get("sectors", {}).items() for m in ms}
    old = [f"{owner_c.get(c, c)}_{owner_s.get(s, s)}" for c in t.countries for s in t.sectors]
    members = np.array([old.count(label) for label in a.row_labels])
    worst = members * row_values(t) * t.resolution  # Σ over the members' own bounds
    bound = a.resolution * row_values(a)
    assert (bound >= worst - 1e-9).all() and bound == pytest.approx(worst.max())


def test_aggregate_still_warns_a_gap_rounding_does_not_explain():
    t, caught = _balance(lambda: truncated_table(extra_gap=-1e5))
    assert len(caught) == 1
    a, caught = _balance(lambda: aggregate(t, countries={"R": ["C0", "C2"]}))
    assert len(caught) == 1 and "more than rounding" in str(caught[0].message)
    assert a.diagnostics["output_gap"]["rows"] == ["R_s0"]


def test_aggregate_carries_notes_not_the_old_rows_findings():
    t = _balance(lambda: truncated_table())[0]
    a = _balance(lambda: aggregate(t, sectors={"ab": ["s0", "s1"]}))[0]
    assert a.notes[0] == SOURCE_NOTE
    old_finding = next(n for n in t.notes if "rows: table.diagnostics" in n)
    assert old_finding not in a.notes  # it counts rows of the old table
    stated = [n for n in a.notes if "rows: table.diagnostics" in n]
    count = len(a.diagnostics["output_gap_rounding"]["rows"])
    assert len(stated) == 1 and f"{count} row(s)" in stated[0]
    assert any("aggregated from a table whose values are multiples of 1" in n for n in a.notes)


def test_no_resolution_and_no_merge():
    t = _balance(lambda: truncated_table(resolution=None))[0]
    a, caught = _balance(lambda: aggregate(t, countries={"R": ["C0", "C2"]}))
    assert a.resolution is None and len(caught) == 1  # unknown rounding: gaps are warned
    t = _balance(lambda: truncated_table())[0]
    same = aggregate(t, countries={"D0": ["C0"]})  # a rename merges nothing
    assert same.resolution == pytest.approx(t.resolution)


def test_panel_aggregate_keeps_resolution():
    tables = {2001: truncated_table()}
    panel = gd.Panel([2001], lambda y: tables[y], "truncated test panel")
    a, caught = _balance(lambda: aggregate(panel, sectors={"ab": ["s0", "s1"]})[2001])
    assert caught == [] and a.resolution > tables[2001].resolution
