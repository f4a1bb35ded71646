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


def _stored_output_table():
    from conftest import random_table

    import gvcdecomp as gd

    t = random_table(G=3, N=3)
    return gd.IOTable(t.Z, t.Y, t.countries, t.sectors, t.fd_categories,
                      x=t.x * 1.001, output="stored", year=2000)  # fmt: skip


def test_a_changed_byte_of_a_saved_table_is_refused(tmp_path):
    # with output="stored" the saved x is kept, so a changed cell of Z did not show
    # in the x check and the table loaded with the wrong number
    import warnings

    import pytest

    import gvcdecomp as gd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = _stored_output_table()
        path = gd.save_table(t, tmp_path / "t.nc")
        raw = bytearray(path.read_bytes())
        at = raw.find(np.asarray(t.Z, ">f8").tobytes()) + 8 * 5 + 3  # a mantissa byte of Z[0, 5]
        raw[at] ^= 1
        path.write_bytes(bytes(raw))
        with pytest.raises(gd.FileFormatError, match=r"t\.nc: .*checksum"):
            gd.load_table(path)


def test_a_table_saved_without_a_checksum_still_loads(tmp_path):
    import warnings

    import gvcdecomp as gd
    from gvcdecomp.storage import CHECKSUM_ATTR

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = _stored_output_table()
        path = gd.save_table(t, tmp_path / "t.nc")
        ds = xr.load_dataset(path, engine="scipy")
        del ds.attrs[CHECKSUM_ATTR]
        ds.to_netcdf(tmp_path / "old.nc", engine="scipy")
        u = gd.load_table(tmp_path / "old.nc")
    np.testing.assert_array_equal(u.Z, t.Z)
    np.testing.assert_array_equal(u.x, t.x)
