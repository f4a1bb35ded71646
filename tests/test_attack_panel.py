"""Adversarial checks of stacking years and of reading saved tables."""

import numpy as np
import xarray as xr

from gvcdecomp.years import concat_years


def _year(v, attrs):
    return xr.Dataset({"v": ("c", np.asarray(v, float))}, coords={"c": ["A", "B"]}, attrs=attrs)


def test_attributes_that_differ_only_past_their_printed_digits_are_not_taken_as_equal():
    # an array's text rounds to 8 digits: years whose arrays differ further down
    # kept the first year's array for both; an int and its text are two values
    a = _year([1, 2], {"w": np.array([0.123456789]), "n": 1})
    b = _year([3, 4], {"w": np.array([0.1234567891]), "n": "1"})
    out = concat_years([a, b], [2000, 2001])
    assert out.attrs["w"].startswith("2000: ") and "2001: " in out.attrs["w"]
    assert out.attrs["n"] == "2000: 1; 2001: 1"
    same = concat_years([a, a.copy()], [2000, 2001])
    assert np.array_equal(same.attrs["w"], a.attrs["w"]) and same.attrs["n"] == 1
    np.testing.assert_array_equal(out["v"].sel(year=2001), [3, 4])
