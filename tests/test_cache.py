"""The cache of parsed tables: exact round trip, invalidation, corruption, opt-out."""

import os
import warnings

import numpy as np
import pytest
from test_wiod2016 import make_table, write_rdata

import gvcdecomp as gd
from gvcdecomp.sources import cache, wiod2013, wiod2016, wiod_longrun

RDATA = "WIOT2014_October16_ROW.RData"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(cache.ENV_VAR, raising=False)


def entries(source):
    folder = cache.cache_dir() / "parsed" / source
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def assert_same(a, b):
    for k in ("Z", "Y", "x", "x_stored", "va_stored"):
        x, y = getattr(a, k), getattr(b, k)
        assert (x is None and y is None) or np.array_equal(x, y), k
    for k in ("countries", "sectors", "fd_categories", "year", "source", "units", "output"):
        assert getattr(a, k) == getattr(b, k), k


def forbid_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the source file was parsed again")

    monkeypatch.setattr(wiod2016, "read_table", fail)


def test_second_load_comes_from_cache(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    write_rdata(data / RDATA, make_table(seed=7))
    first = wiod2016.load_wiod2016(2014, path=data)
    f = data / RDATA
    assert entries("wiod2016") == [f"{RDATA}-2014-{f.stat().st_size}-{f.stat().st_mtime_ns}.nc"]
    forbid_parsing(monkeypatch)
    assert_same(wiod2016.load_wiod2016(2014, path=data), first)
    # the gross-output choice is applied on load, from the same entry
    stored = wiod2016.load_wiod2016(2014, path=data, output="stored")
    assert stored.output == "stored" and np.array_equal(stored.x, first.x_stored)
    assert len(entries("wiod2016")) == 1


def test_changed_source_invalidates(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=8))
    first = wiod2016.load_wiod2016(2014, path=f)
    old = entries("wiod2016")
    t = make_table(seed=9)
    write_rdata(f, t)
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a clearly later write
    second = wiod2016.load_wiod2016(2014, path=f)
    np.testing.assert_array_equal(second.Z, t["Z"])
    assert not np.array_equal(second.Z, first.Z)
    assert len(entries("wiod2016")) == 1 and entries("wiod2016") != old  # stale entry removed


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_entry_is_parsed_again(tmp_path, damage):
    f = write_rdata(tmp_path / RDATA, make_table(seed=10))
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    raw = entry.read_bytes()
    bad = {"truncate": raw[: len(raw) // 2], "garbage": b"\x00" * 64, "empty": b""}
    entry.write_bytes(bad[damage])
    again = wiod2016.load_wiod2016(2014, path=f)  # no error
    assert_same(again, first)
    assert entry.read_bytes() == raw  # rewritten


def test_foreign_netcdf_entry_is_parsed_again(tmp_path):
    f = write_rdata(tmp_path / RDATA, make_table(seed=11))
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    gd.save_table(gd.tiny_table(), entry)  # a valid netCDF table, but not a cache entry
    assert_same(wiod2016.load_wiod2016(2014, path=f), first)


def test_opt_out(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=12))
    monkeypatch.setenv(cache.ENV_VAR, "1")
    wiod2016.load_wiod2016(2014, path=f)
    assert entries("wiod2016") == []
    monkeypatch.setenv(cache.ENV_VAR, "0")
    wiod2016.load_wiod2016(2014, path=f)
    assert len(entries("wiod2016")) == 1


def test_unwritable_cache_still_loads(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=13))
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    t = wiod2016.load_wiod2016(2014, path=f)
    assert t.year == 2014


def test_bundle_members_have_their_own_entries(tmp_path, monkeypatch):
    import zipfile

    tables = {2013: make_table(seed=14), 2014: make_table(seed=15)}
    bundle = tmp_path / "WIOTS_in_R.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for year, t in tables.items():
            write_rdata(tmp_path / "m.RData", t, year)
            zf.write(tmp_path / "m.RData", f"WIOT{year}_October16_ROW.RData")
    (tmp_path / "m.RData").unlink()
    first = {y: wiod2016.load_wiod2016(y, path=bundle) for y in tables}
    assert len(entries("wiod2016")) == 2
    forbid_parsing(monkeypatch)
    for y, t in tables.items():
        again = wiod2016.load_wiod2016(y, path=bundle)
        assert_same(again, first[y])
        np.testing.assert_array_equal(again.Z, t["Z"])


def test_wiod2013_real_year_from_cache(wiod2013_dir, monkeypatch):
    with warnings.catch_warnings(record=True) as w1:
        warnings.simplefilter("always")
        first = gd.load_wiod2013(2002, path=wiod2013_dir)
    monkeypatch.setattr(wiod2013, "read_rdata", lambda f: pytest.fail("parsed again"))
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        second = gd.load_wiod2013(2002, path=wiod2013_dir)
    assert_same(second, first)
    # the table is rebuilt on every load: the same balance warnings are given
    assert [str(w.message) for w in w1] == [str(w.message) for w in w2] != []


def test_longrun_real_year_from_cache(longrun_dir, monkeypatch):
    first = gd.load_wiod_longrun(1990, path=longrun_dir)
    monkeypatch.setattr(wiod_longrun, "read_rda", lambda f, y: pytest.fail("parsed again"))
    assert_same(gd.load_wiod_longrun(1990, path=longrun_dir), first)


def test_a_file_asked_for_as_another_year_is_refused_after_caching(wiod2013_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GVCDECOMP_NO_CACHE", raising=False)
    f = wiod2013_dir / "wiot_2011.RData"
    assert gd.load_wiod2013(2011, path=f).year == 2011  # now cached
    with pytest.raises(gd.FileFormatError, match="2011, not 2010"):
        gd.load_wiod2013(2010, path=f)
