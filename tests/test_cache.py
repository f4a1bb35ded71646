"""The cache of parsed tables: round trip, content keys, corruption, read-only folders, opt-out."""

import errno
import os
import pathlib
import re
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
    monkeypatch.setattr(cache, "_unusable", set())  # each test starts with a usable cache
    monkeypatch.setattr(cache, "_ignored", set())


def cache_warnings(fn, *args, **kwargs):
    """fn's result and the messages of the CacheWarnings it gave."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [str(x.message) for x in w if issubclass(x.category, cache.CacheWarning)]


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
    import hashlib

    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    (entry,) = entries("wiod2016")  # <file>-<part>-<folder>-<sha256>-p<version>
    layout = rf"{re.escape(RDATA)}-2014-[0-9a-f]{{12}}-{digest}-p{cache.PARSER_VERSION}\.nc"
    assert re.fullmatch(layout, entry), entry
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
    again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)  # no error
    assert_same(again, first)
    assert len(w) == 1 and str(entry) in w[0]
    assert entry.read_bytes() == raw  # rewritten


def test_foreign_netcdf_entry_is_parsed_again(tmp_path):
    f = write_rdata(tmp_path / RDATA, make_table(seed=11))
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    gd.save_table(gd.tiny_table(), entry)  # a valid netCDF table, but not a cache entry
    with pytest.warns(cache.CacheWarning, match="not a gvcdecomp cache entry"):
        again = wiod2016.load_wiod2016(2014, path=f)
    assert_same(again, first)


def test_opt_out(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=12))
    monkeypatch.setenv(cache.ENV_VAR, "1")
    wiod2016.load_wiod2016(2014, path=f)
    assert entries("wiod2016") == []
    monkeypatch.setenv(cache.ENV_VAR, "0")
    wiod2016.load_wiod2016(2014, path=f)
    assert len(entries("wiod2016")) == 1


def test_unwritable_cache_still_loads(tmp_path, monkeypatch):
    tables = {y: make_table(seed=s) for y, s in ((2013, 13), (2014, 113))}
    files = {
        y: write_rdata(tmp_path / f"WIOT{y}_October16_ROW.RData", t, y) for y, t in tables.items()
    }
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    t, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=files[2014])
    np.testing.assert_array_equal(t.Z, tables[2014]["Z"])
    assert len(w) == 1 and "cannot be used" in w[0] and str(blocker) in w[0]
    # one warning per process, not per load
    t, w = cache_warnings(wiod2016.load_wiod2016, 2013, path=files[2013])
    np.testing.assert_array_equal(t.Z, tables[2013]["Z"])
    assert w == [] and blocker.read_text().startswith("a file")


def test_corrected_file_of_same_size_and_time_gives_its_numbers(tmp_path):
    # what cp -p, rsync -t, a git checkout or an archive extraction leave
    t = make_table(seed=8)
    f = write_rdata(tmp_path / RDATA, t)
    first = wiod2016.load_wiod2016(2014, path=f)
    st = f.stat()
    t["Z"][[0, 2], 1] = t["Z"][[2, 0], 1]  # a corrected table, same number of cells
    write_rdata(f, t)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (f.stat().st_size, f.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    second = wiod2016.load_wiod2016(2014, path=f)
    np.testing.assert_array_equal(second.Z, t["Z"])
    assert second.Z[0, 1] != first.Z[0, 1]
    assert len(entries("wiod2016")) == 1  # the entry of the old content is gone


def test_new_parser_version_parses_again(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=16))
    first = wiod2016.load_wiod2016(2014, path=f)
    calls = []
    real = wiod2016.read_table
    monkeypatch.setattr(wiod2016, "read_table", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(cache, "PARSER_VERSION", cache.PARSER_VERSION + 1)
    assert_same(wiod2016.load_wiod2016(2014, path=f), first)
    assert calls == [1]
    assert [e.endswith(f"-p{cache.PARSER_VERSION}.nc") for e in entries("wiod2016")] == [True]


def flip(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :]


def damage_points(raw: bytes, entry, Z) -> dict[str, int]:
    """Byte positions in the header and the data of an entry whose change alters its content."""
    import xarray as xr

    checksum = xr.load_dataset(entry, engine="scipy").attrs["gvcdecomp_checksum"]
    row = raw.index(b"\x00\x00\x00\x03row\x00")  # name length, name, padding, then the length
    return {
        "magic": 0,
        "row dimension length": row + 11,
        "checksum attribute": raw.index(checksum.encode()) + 5,
        "country label": raw.rindex(b"AUS") + 1,
        "middle of the data": len(raw) // 2,
        "lowest bit of a Z cell": raw.index(np.array([Z[1, 1]], ">f8").tobytes()) + 7,
    }


def test_flipped_bytes_are_detected_and_parsed_again(tmp_path):
    t = make_table(seed=17)
    f = write_rdata(tmp_path / RDATA, t)
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    raw = entry.read_bytes()
    for where, at in damage_points(raw, entry, first.Z).items():
        entry.write_bytes(flip(raw, at))
        again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
        assert_same(again, first)
        np.testing.assert_array_equal(again.Z, t["Z"])
        assert len(w) == 1 and str(entry) in w[0] and "parsed again" in w[0], where
        assert entry.read_bytes() == raw, where  # a good entry written in its place


def test_no_flipped_byte_changes_a_number(tmp_path):
    f = write_rdata(tmp_path / RDATA, make_table(seed=18))
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    raw = entry.read_bytes()
    detected, points = 0, range(7, len(raw), len(raw) // 24)  # spread over header and data
    for at in points:
        entry.write_bytes(flip(raw, at))
        again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)  # never an error
        assert_same(again, first)
        detected += len(w)
    assert detected > len(points) // 2  # most bytes matter; padding may not


def read_only(monkeypatch, root):
    """Make every write under ``root`` fail as on a read-only folder (chmod does not stop root)."""
    root = str(root)

    def guard(fn, write_only=False):
        def wrapped(path, *args, **kwargs):
            if os.fspath(path).startswith(root) and (
                not write_only or (args and args[0] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            ):
                if fn is os.mkdir and os.path.exists(path):
                    raise FileExistsError(errno.EEXIST, "File exists", path)
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return fn(path, *args, **kwargs)

        return wrapped

    for name in ("unlink", "rename", "replace", "mkdir", "rmdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))
    monkeypatch.setattr(os, "open", guard(os.open, write_only=True))


def test_read_only_cache_with_a_bad_entry(tmp_path, monkeypatch):
    t = make_table(seed=19)
    f = write_rdata(tmp_path / RDATA, t)
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    raw = entry.read_bytes()
    bad = flip(raw, raw.index(np.array([first.Z[1, 1]], ">f8").tobytes()) + 7)
    entry.write_bytes(bad)
    read_only(monkeypatch, cache.folder())
    again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
    assert_same(again, first)
    np.testing.assert_array_equal(again.Z, t["Z"])
    assert len(w) == 1 and str(entry) in w[0] and "left in place (Permission denied)" in w[0]
    assert entry.read_bytes() == bad  # ignored, not removed
    again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)  # ignored from now on
    assert_same(again, first)
    assert w == []


def test_read_only_cache_is_still_read(tmp_path, monkeypatch):
    files = {
        y: write_rdata(tmp_path / f"WIOT{y}_October16_ROW.RData", make_table(seed=y), y)
        for y in (2013, 2014)
    }
    first = wiod2016.load_wiod2016(2014, path=files[2014])
    read_only(monkeypatch, cache.folder())
    _, w = cache_warnings(wiod2016.load_wiod2016, 2013, path=files[2013])  # a miss: not stored
    assert len(w) == 1 and "cannot be used (Permission denied)" in w[0]
    forbid_parsing(monkeypatch)
    again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=files[2014])
    assert_same(again, first)
    assert w == []


def test_read_only_cache_without_entries(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=20))
    (cache.folder() / "wiod2016").mkdir(parents=True)
    read_only(monkeypatch, cache.folder())
    t, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
    assert t.year == 2014 and len(w) == 1 and "cannot be used (Permission denied)" in w[0]
    monkeypatch.undo()
    assert entries("wiod2016") == []


def test_unsearchable_cache_folder(tmp_path, monkeypatch):
    f = write_rdata(tmp_path / RDATA, make_table(seed=21))
    wiod2016.load_wiod2016(2014, path=f)
    root = str(cache.folder())
    real_stat, real_iterdir = pathlib.Path.stat, pathlib.Path.iterdir

    def denied(real):
        def wrapped(self, *args, **kwargs):
            if str(self).startswith(root):
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(pathlib.Path, "stat", denied(real_stat))
    monkeypatch.setattr(pathlib.Path, "iterdir", denied(real_iterdir))
    t, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
    assert t.year == 2014 and len(w) == 1 and "cannot be used" in w[0]
    assert cache_warnings(cache.info)[0] == {} and cache_warnings(cache.clear)[0] == 0
    assert "cannot read the cache folder" in cache_warnings(cache.clear)[1][0]


def test_info_and_clear(tmp_path):
    import zipfile

    years = (2013, 2014)
    bundle = tmp_path / "WIOTS_in_R.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for y in years:
            write_rdata(tmp_path / "m.RData", make_table(seed=y), y)
            zf.write(tmp_path / "m.RData", f"WIOT{y}_October16_ROW.RData")
    for y in years:
        wiod2016.load_wiod2016(y, path=bundle)
    f = write_rdata(tmp_path / RDATA, make_table(seed=22))
    wiod2016.load_wiod2016(2014, path=f)
    sizes = [p.stat().st_size for p in (cache.folder() / "wiod2016").iterdir()]
    # a stale temporary of a killed write counts, and is freed; foreign files are neither
    leftover = cache.folder() / "wiod2016" / f".x.nc.gvc-00000000-1-{'0' * 16}.tmp"
    leftover.write_bytes(b"\x00" * 100)
    os.utime(leftover, (0, 0))
    foreign = cache.folder() / "wiod2016" / "notes.txt"
    foreign.write_text("mine")
    assert cache.info() == {"wiod2016": {"entries": 3, "bytes": sum(sizes) + 100}}
    assert cache.clear("wiod2013") == 0
    with pytest.raises(gd.OptionError, match="plain folder name"):
        cache.clear("../wiod2016")
    assert cache.clear("wiod2016") == sum(sizes) + 100
    assert cache.info() == {} and entries("wiod2016") == ["notes.txt"]
    foreign.unlink()
    wiod2016.load_wiod2016(2014, path=f)
    assert cache.clear() > 0 and cache.info() == {} and not (cache.folder() / "wiod2016").exists()


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
    # the table is rebuilt on every load: the same findings, warned once per process
    assert second.diagnostics.keys() == first.diagnostics.keys() != set()
    for kind, found in first.diagnostics.items():
        assert second.diagnostics[kind]["message"] == found["message"]
    assert not [w for w in w2 if issubclass(w.category, gd.BalanceWarning)]


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


def test_entry_arrays_are_the_verified_ones(tmp_path):
    # the arrays a load returns are read once from the entry into arrays of their own,
    # and the checksum is of exactly those arrays (not of a copy since dropped)
    f = write_rdata(tmp_path / RDATA, make_table(seed=12))
    wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    parts = cache._load(entry)
    for k in ("Z", "Y", "x"):
        a = parts[k]
        assert a.flags.owndata and a.flags.c_contiguous and a.dtype == np.dtype("=f8"), k
    import xarray as xr

    with xr.open_dataset(entry, engine="scipy") as ds:
        assert ds.attrs["gvcdecomp_checksum"] == cache._checksum(parts, entry.stem)
        for k in ("Z", "Y", "x"):
            np.testing.assert_array_equal(parts[k], ds[k].values)
        assert parts["countries"] == [str(c) for c in ds["country"].values]


def test_entry_stored_in_another_layout_is_parsed_again(tmp_path):
    # an entry whose Z is float32 (same name, attributes and checksum) is not read as ours
    import xarray as xr

    f = write_rdata(tmp_path / RDATA, make_table(seed=13))
    first = wiod2016.load_wiod2016(2014, path=f)
    entry = cache.entry_path("wiod2016", f, "2014")
    with xr.open_dataset(entry, engine="scipy") as ds:
        ds = ds.load()
    ds.to_netcdf(entry, engine="scipy", encoding={"Z": {"dtype": "float32"}})
    again, w = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
    assert_same(again, first)
    assert len(w) == 1 and "Z is stored as" in w[0]
