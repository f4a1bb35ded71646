"""decompose(data, [methods]): one pass per table, results equal one-method calls
(bit for bit, or to rounding when a method of the list forms the dense B)."""

import weakref

import numpy as np

import pytest
import xarray as xr
from conftest import EU27, assert_equal_to_rounding, random_table

import gvcdecomp as gd
from gvcdecomp.errors import OptionError

FOUR = ["wwz", "kww", "bm", "leontief"]


def counting_panel(years, make):
    """A Panel whose loader counts its calls and keeps a weak reference to each table."""
    calls, alive = [], []

    def load(year):
        # every earlier table must be gone when the next year is read
        alive.append(sum(r() is not None for r in refs))
        calls.append(year)
        t = make(year)
        refs.append(weakref.ref(t))
        return t

    refs = []
    return gd.Panel(years, load, "test"), calls, alive


def test_list_on_a_table_equals_one_method_calls():
    t = random_table(G=4, N=3, seed=5)
    methods = ["wwz", "kww", ("bm", {"approach": "sink", "perspective": "bilateral"}),
               ("leontief", {"post": "final"})]  # fmt: skip
    out = gd.decompose(t, methods)
    assert list(out) == ["wwz", "kww", "bm", "leontief"]
    # bm bilateral and leontief form B: wwz and kww read it (last bits differ)
    assert_equal_to_rounding(out["wwz"], gd.decompose(random_table(G=4, N=3, seed=5), "wwz"))
    assert_equal_to_rounding(out["kww"], gd.decompose(t, "kww"))
    xr.testing.assert_identical(
        out["bm"], gd.decompose(t, "bm", approach="sink", perspective="bilateral")
    )
    xr.testing.assert_identical(out["leontief"], gd.decompose(t, "leontief", post="final"))


def test_list_without_a_dense_B_equals_one_method_calls_bit_for_bit():
    t = random_table(G=4, N=3, seed=6)
    methods = ["wwz", "kww", ("bm", {"approach": "sink", "perspective": "sector"}),
               ("leontief", {"exporter": ["C1", "C0"]})]  # fmt: skip
    out = gd.decompose(t, methods)
    assert "B" not in vars(t.core.engine)
    fresh = random_table(G=4, N=3, seed=6)
    xr.testing.assert_identical(out["wwz"], gd.decompose(fresh, "wwz"))
    xr.testing.assert_identical(out["kww"], gd.decompose(fresh, "kww"))
    xr.testing.assert_identical(out["bm"], gd.decompose(fresh, "bm", approach="sink", perspective="sector"))
    xr.testing.assert_identical(out["leontief"], gd.decompose(fresh, "leontief", exporter=["C1", "C0"]))


def test_shared_options_go_to_every_method_and_own_options_win():
    t = random_table(G=5, N=2, seed=1)
    groups = {"AB": ["C0", "C1"]}
    out = gd.decompose(t, ["wwz", ("kww", {"groups": None})], groups=groups)
    xr.testing.assert_identical(out["wwz"], gd.decompose(t, "wwz", groups=groups))
    xr.testing.assert_identical(out["kww"], gd.decompose(t, "kww", groups=None))
    assert "AB" in out["wwz"].exporter.values and "AB" not in out["kww"].exporter.values


def test_a_method_twice_is_labelled_by_its_options():
    t = random_table(G=3, N=2, seed=2)
    out = gd.decompose(t, ["wwz", ("bm", {"approach": "sink", "perspective": "bilateral"}),
                           ("bm", {"groups": {"AB": ["C0", "C1"]}})])  # fmt: skip
    assert list(out) == ["wwz", "bm[approach=sink, perspective=bilateral]", "bm[groups={AB}]"]
    assert_equal_to_rounding(  # bm bilateral forms B, which the grouped bm then reads
        out["bm[groups={AB}]"], gd.decompose(t, "bm", groups={"AB": ["C0", "C1"]})
    )
    with pytest.raises(OptionError, match="twice"):
        gd.decompose(t, ["bm", "bm"])


def test_panel_loads_each_year_once_and_keeps_one_table():
    panel, calls, alive = counting_panel([2001, 2002, 2003], lambda y: random_table(seed=y - 2000))
    out = gd.decompose(panel, FOUR, progress=False)
    assert calls == [2001, 2002, 2003]
    assert alive == [0, 0, 0]
    for m in FOUR:
        assert list(out[m].year.values) == [2001, 2002, 2003]
        one = gd.decompose(gd.Panel([2001, 2002, 2003], lambda y: random_table(seed=y - 2000), "t"),
                           m, progress=False)  # fmt: skip
        check = xr.testing.assert_identical if m == "leontief" else assert_equal_to_rounding
        check(out[m], one)


@pytest.mark.parametrize(
    ("method", "match"),
    [
        ([], "non-empty list"),
        ("nope", "unknown method"),
        (["wwz", "nope"], "unknown method"),
        (["wwz", ("bm", {"approach": "sink", "post": "final"})], "bm: unknown option"),
        ([("kww", ["groups"])], "unknown method"),
        ({"wwz"}, "non-empty list"),
    ],
)
def test_bad_method_lists_raise_before_loading(method, match):
    panel, calls, _ = counting_panel([2001, 2002], lambda y: random_table())
    with pytest.raises(OptionError, match=match):
        gd.decompose(panel, method, progress=False)
    assert calls == []


def test_shared_option_unknown_to_one_method():
    with pytest.raises(OptionError, match="leontief: unknown option"):
        gd.decompose(random_table(), ["bm", "leontief"], approach="sink")


def test_wiod2013_panel_four_methods_equal_one_method_calls(wiod2013_dir):
    panel = gd.load_wiod2013([2010, 2011], path=wiod2013_dir)
    out = gd.decompose(panel, [*FOUR, ("wwz", {"groups": {"EU27": EU27}})], progress=False)
    assert list(out) == ["wwz", "kww", "bm", "leontief", "wwz[groups={EU27}]"]
    for m in FOUR:  # leontief forms B, which the others read
        check = xr.testing.assert_identical if m == "leontief" else assert_equal_to_rounding
        check(out[m], gd.decompose(panel, m, progress=False))
    assert_equal_to_rounding(
        out["wwz[groups={EU27}]"], gd.decompose(panel, "wwz", groups={"EU27": EU27}, progress=False)
    )


def test_panel_results_keep_every_years_attributes():
    """Attributes that differ by year (source, gap_world, ...) are listed per year,
    not taken from the first year."""
    import warnings

    from conftest import stored_output_table

    tables = {2000 + k: stored_output_table(3, 2, seed=k) for k in range(3)}
    panel = gd.Panel(tables, tables.__getitem__, "test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        ds = gd.decompose(panel, "wwz", progress=False)
        singles = {y: gd.decompose(t, "wwz") for y, t in tables.items()}
    for y, one in singles.items():
        assert f"{y}: {one.attrs['source']}" in ds.attrs["source"]
        assert f"{y}: {one.attrs['gap_world']}" in ds.attrs["gap_world"]
        np.testing.assert_array_equal(ds["gap"].sel(year=y).values, one["gap"].values)


def test_a_panel_holds_its_results_once():
    """Years are stacked as they come (panel.YearStacker): the peak is the result
    plus one year's work, not the years' arrays and then their stack."""
    import tracemalloc

    years = list(range(2000, 2040))
    panel = gd.Panel(years, lambda y: random_table(G=10, N=8, seed=y - 2000), "test")
    gd.decompose(gd.Panel(years[:2], panel._load, "warm"), "leontief", progress=False)
    tracemalloc.start()
    try:
        out = gd.decompose(panel, "leontief", progress=False)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = out.nbytes
    assert size > 1_000_000 and current >= size
    assert peak - size < 0.5 * size, (peak, size)
    one = gd.decompose(random_table(G=10, N=8, seed=7), "leontief")
    for k in one.data_vars:  # a year's values are where they belong
        np.testing.assert_array_equal(out[k].sel(year=2007).values, one[k].values)
