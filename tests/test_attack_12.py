"""Attacks on issue #12 (trust): cases that returned wrong numbers or raw errors."""

import shutil
import warnings

import numpy as np
import pytest
from test_cache import RDATA, assert_same, cache_warnings, entries, own_cache  # noqa: F401
from test_wiod2016 import make_table, write_rdata

from gvcdecomp.sources import cache, wiod2016


def test_entry_of_another_file_copied_over_an_entry_is_refused(tmp_path):
    # two files of the same name in two folders: two entries, each with a valid checksum
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    write_rdata(a / RDATA, make_table(seed=31))
    write_rdata(b / RDATA, make_table(seed=32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ta = wiod2016.load_wiod2016(2014, path=a)
        shutil.copyfile(cache.entry_path("wiod2016", a / RDATA, "2014"), tmp_path / "a.nc")
        tb = wiod2016.load_wiod2016(2014, path=b)  # evicts a's entry (same file name)
    assert not np.array_equal(ta.Z, tb.Z)
    eb = cache.entry_path("wiod2016", b / RDATA, "2014")
    shutil.copyfile(tmp_path / "a.nc", eb)  # a sync tool or a hand copy mixes them up
    again, msgs = cache_warnings(wiod2016.load_wiod2016, 2014, path=b)
    assert_same(again, tb)  # b's numbers, not a's
    assert len(msgs) == 1 and str(eb) in msgs[0] and "not for this file" in msgs[0]


def test_file_changed_while_parsed_is_not_cached_under_its_old_content(tmp_path, monkeypatch):
    f = tmp_path / RDATA
    old, new = make_table(seed=33), make_table(seed=34)
    write_rdata(f, old)
    real = wiod2016.read_table

    def replaced_meanwhile(*args, **kwargs):
        write_rdata(f, new)  # hashed as `old`, then replaced before it is read
        return real(*args, **kwargs)

    monkeypatch.setattr(wiod2016, "read_table", replaced_meanwhile)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wiod2016.load_wiod2016(2014, path=f)
    monkeypatch.setattr(wiod2016, "read_table", real)
    write_rdata(f, old)  # the old content back: its numbers, not the ones read meanwhile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = wiod2016.load_wiod2016(2014, path=f)
    assert np.array_equal(t.Z, old["Z"])
    assert entries("wiod2016") == [cache.entry_path("wiod2016", f, "2014").name]
