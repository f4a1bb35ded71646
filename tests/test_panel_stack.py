"""Years stacked into one Dataset (panel.stack_years) equal xarray's concatenation."""

import warnings

import numpy as np
import pytest
import xarray as xr
from conftest import random_table, stored_output_table

import gvcdecomp as gd
from gvcdecomp.panel import stack_years

SPECS = ["wwz", "kww", ("bm", {"approach": "sink", "perspective": "sectoral-bilateral"}),
         "leontief", ("leontief", {"post": "final"})]  # fmt: skip


def concat(parts):
    return xr.concat(parts, dim="year", data_vars="all", coords="different",
                     compat="equals", combine_attrs="drop_conflicts")  # fmt: skip


def per_year(make):
    years = [2001, 2002, 2003]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        out = {}
        for k, y in enumerate(years):
            t = make(k)
            t.year = y
            out[y] = gd.decompose(t, SPECS)
    return out


@pytest.mark.parametrize("make", [lambda k: random_table(4, 3, seed=k),
                                  lambda k: stored_output_table(3, 2, seed=k)])  # fmt: skip
def test_stack_equals_xarray_concat(make):
    # stored output: attributes (gap_world, source) differ by year and are dropped
    results = per_year(make)
    for label in results[2001]:
        parts = [r[label] for r in results.values()]
        got = stack_years(parts)
        xr.testing.assert_identical(got, concat(parts))
        for y, r in results.items():  # and against each year's own numbers
            for name in r[label].data_vars:
                np.testing.assert_array_equal(got[name].sel(year=y).values, r[label][name].values)


def test_attribute_differing_by_year_is_dropped_and_others_kept():
    i = {"i": ["p", "q"]}
    a = xr.Dataset({"v": ("i", [1.0, 2.0], {"units": "USD", "note": "a"})}, coords=i,
                   attrs={"same": 1, "differs": "x", "once": [1, 2]})  # fmt: skip
    b = xr.Dataset({"v": ("i", [3.0, 4.0], {"units": "USD", "note": "b"})}, coords=i,
                   attrs={"same": 1, "differs": "y"})  # fmt: skip
    parts = [a.assign_coords(year=2000), b.assign_coords(year=2001)]
    got = stack_years(parts)
    assert got.attrs == {"same": 1, "once": [1, 2]}
    assert got["v"].attrs == {"units": "USD"}
    assert got["v"].dims == ("year", "i") and got["year"].values.tolist() == [2000, 2001]
    xr.testing.assert_identical(got, concat(parts))


def test_other_coordinates_go_through_xarray():
    # a coordinate that is not a dimension's labels (here one that differs by year)
    parts = [
        xr.Dataset({"v": ("i", [float(y), 1.0])}, coords={"i": ["p", "q"], "w": ("i", [y, 0])})
        .assign_coords(year=y)
        for y in (2000, 2001)
    ]
    got = stack_years(parts)
    assert got["w"].dims == ("year", "i")
    xr.testing.assert_identical(got, concat(parts))


def test_panel_with_differing_labels_is_still_refused():
    # decompose relies on concat_years for this check (it no longer repeats it)
    tables = {2000: random_table(3, 2, seed=1), 2001: random_table(4, 2, seed=2)}
    panel = gd.Panel(tables, tables.__getitem__, "test")
    with pytest.raises(gd.LabelError, match="2001"):
        gd.decompose(panel, ["kww", "wwz"], progress=False)
