"""Loaders fed corrupted files raise the library's errors: no crash, no hang."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gvcdecomp as gd


@pytest.fixture(scope="module")
def rdata_bytes(wiod2013_dir):
    return (wiod2013_dir / "wiot_1995.RData").read_bytes()


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_corrupted_rdata(rdata_bytes, tmp_path_factory, data):
    b = bytearray(rdata_bytes)
    kind = data.draw(st.sampled_from(["truncate", "flip", "random", "empty"]))
    if kind == "truncate":
        b = b[: data.draw(st.integers(0, len(b) - 1))]
    elif kind == "flip":
        for pos in data.draw(st.lists(st.integers(0, len(b) - 1), min_size=1, max_size=8)):
            b[pos] ^= 0xFF
    elif kind == "random":
        b = data.draw(st.binary(min_size=1, max_size=4096))
    else:
        b = b""
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "wiot_1995.RData").write_bytes(bytes(b))
    try:
        t = gd.load_wiod2013(1995, path=folder)
    except gd.GVCError as e:  # a file error, or a table error from changed numbers
        assert isinstance(e, gd.FileFormatError | gd.TableError) and "wiot_1995" in str(e)
    else:  # a flip that bzip2 did not notice can only change numbers
        assert t.Z.shape == (1435, 1435) and np.isfinite(t.Z).all()
