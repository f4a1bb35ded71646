"""netCDF and zarr save/load of tables and results: exact round trips, atomic writes, bad files."""

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import random_table

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.sources.wiod2013 import load_wiod2013
from gvcdecomp.sources.wiod_longrun import load_wiod_longrun
from gvcdecomp.storage import load_result, load_table, save_result, save_table


def assert_same_table(a, b):
    for name in ("Z", "Y", "x"):
        assert getattr(a, name).dtype == getattr(b, name).dtype == np.float64
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("x_stored", "va_stored"):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None and vb is None) or np.array_equal(va, vb), name
    for name in ("countries", "sectors", "fd_categories", "year", "source", "units", "output"):
        assert getattr(a, name) == getattr(b, name), name
    assert all(type(c) is str for c in b.countries + b.sectors + b.fd_categories)


def test_random_table_round_trip(tmp_path):
    t = random_table(4, 3, K=2, seed=7)
    f = tmp_path / "t.nc"
    assert save_table(t, f) == f
    u = load_table(f)
    assert_same_table(t, u)
    assert u.x_stored is None and u.va_stored is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.nc"]  # no temporary left over
    # the loaded table is a working table
    np.testing.assert_array_equal(u.core.B, t.core.B)


def test_stored_output_labels_and_no_year(tmp_path):
    rng = np.random.default_rng(3)
    Z, Y = rng.uniform(0, 1, (4, 4)), rng.uniform(1, 2, (4, 2, 1))
    x = Z.sum(1) + Y.sum(axis=(1, 2)) + rng.uniform(0, 1e-6, 4)  # not the row sums
    va = x - Z.sum(0) + 1e-9
    t = IOTable(Z, Y, ["Türkiye", "中国"], ["a b", "b_c"], x=x, va=va, output="stored",
                source="made up, €", units="millions of euros")  # fmt: skip
    f = tmp_path / "s.nc"
    save_table(t, f)
    u = load_table(f)
    assert_same_table(t, u)
    assert u.year is None and u.output == "stored" and np.array_equal(u.x, x)


def test_wiod2013_year_round_trip(wiod2013_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = load_wiod2013(1995, path=wiod2013_dir)
        save_table(t, tmp_path / "w.nc")
        u = load_table(tmp_path / "w.nc")
    assert_same_table(t, u)
    assert u.n == 1435 and u.x_stored is not None


def test_longrun_year_round_trip(longrun_dir, tmp_path):
    t = load_wiod_longrun(1980, path=longrun_dir, output="stored")
    save_table(t, tmp_path / "lr.nc")
    u = load_table(tmp_path / "lr.nc")
    assert_same_table(t, u)
    assert u.va_stored is not None and u.output == "stored"


def test_result_round_trip(tmp_path):
    t = random_table(3, 2, seed=2)
    r = gd.decompose(t, "wwz")
    f = save_result(r, tmp_path / "r.nc")
    back = load_result(f)
    assert back.identical(r)
    for k in r.data_vars:
        assert np.array_equal(back[k].values, r[k].values)
    assert back.attrs == r.attrs
    # each kind of file names the reader of the other (before: "no attribute ...", which it had)
    with pytest.raises(gd.FileFormatError, match="this is a saved result .*use gvcdecomp.load_result"):
        load_table(f)
    with pytest.raises(gd.FileFormatError, match="this is a saved result"):
        gd.open_table(f)  # by extension, as gvcdecomp check reads it
    save_table(t, tmp_path / "t.nc")
    with pytest.raises(gd.FileFormatError, match="this is a saved table .*use gvcdecomp.load_table"):
        load_result(tmp_path / "t.nc")


def _interrupting_writer(exc):
    def to_netcdf(self, path, *args, **kwargs):
        with open(path, "wb") as fh:  # some bytes reach the file, then the write fails
            fh.write(b"CDF\x02" + b"\x00" * 100)
        raise exc

    return to_netcdf


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch, exc):
    t = random_table(3, 2, seed=1)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", _interrupting_writer(exc))
    with pytest.raises(type(exc)):
        save_table(t, tmp_path / "t.nc")
    with pytest.raises(type(exc)):
        save_result(gd.decompose(t, "leontief"), tmp_path / "r.nc")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_previous_file(tmp_path, monkeypatch):
    f = tmp_path / "t.nc"
    save_table(random_table(3, 2, seed=1), f)
    before = f.read_bytes()
    monkeypatch.setattr(xr.Dataset, "to_netcdf", _interrupting_writer(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        save_table(random_table(4, 3, seed=2), f)
    assert f.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.nc"]
    monkeypatch.undo()
    assert load_table(f).G == 3


@pytest.mark.parametrize(
    "content, why",
    [
        (b"", "the file is empty"),
        (b"garbage" * 20, r"\(TypeError: .*not a valid NetCDF 3"),
        (b"CDF\x01" + b"\xff" * 40, "starts as one but cannot be read whole"),
        (b"\x89HDF\r\n\x1a\n" + b"\x00" * 64, r"a netCDF-4 \(HDF5\) file"),
    ],
)
def test_garbage_raises_file_format_error(tmp_path, content, why):
    f = tmp_path / "bad.nc"
    f.write_bytes(content)
    with pytest.raises(gd.FileFormatError, match=f"bad.nc: not a readable netCDF-3 file.*{why}"):
        load_table(f)
    with pytest.raises(gd.FileFormatError, match=f"bad.nc: .*{why}"):
        load_result(f)


def test_foreign_netcdf_and_incomplete_table(tmp_path):
    f = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_netcdf(f, engine="scipy")
    with pytest.raises(gd.FileFormatError, match="not a gvcdecomp table"):
        load_table(f)
    g = tmp_path / "t.nc"
    save_table(random_table(3, 2, seed=1), g)
    ds = xr.load_dataset(g, engine="scipy").drop_vars("Y")
    ds.to_netcdf(tmp_path / "noY.nc", engine="scipy")
    with pytest.raises(gd.FileFormatError, match="lacks \\['Y'\\]"):
        load_table(tmp_path / "noY.nc")
    ds = xr.load_dataset(g, engine="scipy")
    del ds.attrs["gvcdecomp_checksum"]  # as saved before checksums (else the checksum refuses it)
    ds["x"] = ds["x"] + 1.0  # x no longer what Z, Y and the output choice give
    ds.to_netcdf(tmp_path / "badx.nc", engine="scipy")
    with pytest.raises(gd.FileFormatError, match="does not match"):
        load_table(tmp_path / "badx.nc")


def test_missing_file_and_wrong_types(tmp_path):
    with pytest.raises(gd.DataNotFoundError):
        load_table(tmp_path / "absent.nc")
    with pytest.raises(TypeError):
        save_table(xr.Dataset(), tmp_path / "t.nc")
    with pytest.raises(TypeError):
        save_result(random_table(), tmp_path / "r.nc")
    assert list(tmp_path.iterdir()) == []


# zarr stores (zarr is a test dependency): the same round trips, atomic
# replacement of a whole folder.


def test_zarr_round_trips(tmp_path):
    t = random_table(4, 3, K=2, seed=7)
    store = tmp_path / "t.zarr"
    assert save_table(t, store) == store
    assert_same_table(t, load_table(store))
    r = gd.decompose(t, "wwz")
    back = load_result(save_result(r, tmp_path / "r.zarr"))
    for k in r.data_vars:
        assert np.array_equal(back[k].values, r[k].values)
    assert back.attrs == r.attrs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.zarr", "t.zarr"]
    with pytest.raises(gd.FileFormatError, match="this is a saved table"):
        load_result(store)


def test_zarr_overwrite_and_interrupted_overwrite(tmp_path, monkeypatch):
    store = tmp_path / "t.zarr"
    save_table(random_table(3, 2, seed=1), store)
    save_table(random_table(4, 3, seed=2), store)  # replaces the whole store
    assert load_table(store).G == 4

    def failing(self, path, *args, **kwargs):
        (Path(path) / "junk").write_bytes(b"\x00" * 10)
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_zarr", failing)
    with pytest.raises(OSError, match="disk full"):
        save_table(random_table(5, 2, seed=3), store)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["t.zarr"]
    assert load_table(store).G == 4


def test_zarr_bad_stores(tmp_path):
    with pytest.raises(gd.DataNotFoundError, match="no such zarr store"):
        load_table(tmp_path / "absent.zarr")
    (tmp_path / "empty.zarr").mkdir()
    with pytest.raises(gd.FileFormatError, match="empty.zarr: not a readable zarr store"):
        load_table(tmp_path / "empty.zarr")
    (tmp_path / "file.zarr").write_bytes(b"garbage")
    with pytest.raises(gd.FileFormatError, match="file.zarr: a file, not a zarr store"):
        load_table(tmp_path / "file.zarr")
    (tmp_path / "folder.nc").mkdir()
    with pytest.raises(gd.FileFormatError, match="folder.nc: a folder, not a netCDF file"):
        load_table(tmp_path / "folder.nc")


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_zarr_save_refuses_to_replace_what_is_not_a_store(tmp_path, kind):
    target = tmp_path / "mine.zarr"
    if kind == "file":
        target.write_bytes(b"precious")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("precious")
    with pytest.raises(gd.FileFormatError, match="mine.zarr: exists and is not a zarr store"):
        save_table(random_table(2, 2), target)
    assert (target.read_bytes() if kind == "file" else (target / "notes.txt").read_bytes()) == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.zarr"]


def test_zarr_failed_swap_puts_the_previous_store_back(tmp_path, monkeypatch):
    import os

    store = tmp_path / "t.zarr"
    save_table(random_table(3, 2, seed=1), store)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        if store in (Path(src), Path(dst)):  # zarr renames its own files too
            calls.append((src, dst))
            if len(calls) == 2:  # the new store moving into place
                raise OSError("rename failed")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        save_table(random_table(4, 3, seed=2), store)
    monkeypatch.undo()
    assert len(calls) == 3  # old store away, new store refused, old store back
    assert [p.name for p in tmp_path.iterdir()] == ["t.zarr"]
    assert load_table(store).G == 3


def test_result_read_from_one_format_saves_to_the_other(tmp_path):
    r = gd.decompose(random_table(3, 2, seed=2), "kww")
    via_zarr = load_result(save_result(load_result(save_result(r, tmp_path / "r.nc")), tmp_path / "r.zarr"))
    back = load_result(save_result(via_zarr, tmp_path / "r2.nc"))
    assert back.identical(r)
    assert back.sel(exporter="C0").exporter.item() == "C0"


def test_zarr_missing_package_is_named(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_zarr(name, *args, **kwargs):
        if name == "zarr":
            raise ImportError("No module named 'zarr'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_zarr)
    with pytest.raises(gd.OptionError, match="needs the zarr package"):
        save_table(random_table(2, 2), tmp_path / "t.zarr")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_default_groups_survive_a_round_trip(tmp_path, suffix):
    t = random_table(4, 2, seed=5)
    t.default_groups = {"P": ["C3", "C1"]}
    u = load_table(save_table(t, tmp_path / f"t{suffix}"))
    assert u.default_groups == t.default_groups
    a, b = gd.decompose(t, "wwz"), gd.decompose(u, "wwz")
    assert list(b.exporter.values) == ["P", "C0", "C2"]
    assert a.identical(b)


def test_default_groups_that_do_not_fit_are_refused(tmp_path):
    t = random_table(3, 2, seed=5)
    save_table(t, tmp_path / "t.nc")
    ds = xr.load_dataset(tmp_path / "t.nc", engine="scipy")
    for text, match in [
        ('{"P": ["C0", "ZZZ"]}', "do not fit the table: .*ZZZ"),
        ("{oops", "not valid JSON"),
        ("null", "do not fit the table: expected a non-empty mapping"),
        ("[]", "do not fit the table: expected a non-empty mapping"),
    ]:
        ds.attrs["default_groups"] = text
        ds.to_netcdf(tmp_path / "bad.nc", engine="scipy")
        with pytest.raises(gd.FileFormatError, match=match):
            load_table(tmp_path / "bad.nc")


# -- permissions, error messages, kinds of file, attributes ----------------------------


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_usual_permissions_without_touching_the_umask(tmp_path, monkeypatch, suffix):
    import os
    import stat

    real_umask = os.umask
    previous = real_umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", lambda *a: pytest.fail("the process umask was changed"))
        p = save_table(random_table(2, 2, seed=1), tmp_path / f"t{suffix}")
        save_table(random_table(3, 2, seed=2), p)  # the overwrite (a swap for zarr) too
    finally:
        monkeypatch.undo()
        real_umask(previous)
    assert stat.S_IMODE(p.stat().st_mode) == (0o750 if suffix == ".zarr" else 0o640)
    for f in p.rglob("*"):  # the files of a store
        assert stat.S_IMODE(f.stat().st_mode) == (0o750 if f.is_dir() else 0o640), f
    assert load_table(p).G == 3


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_write_errors_name_the_path_not_the_temporary(tmp_path, suffix):
    target = tmp_path / "absent" / f"t{suffix}"
    with pytest.raises(FileNotFoundError) as e:
        save_table(random_table(2, 2), target)
    assert e.value.filename == str(target)
    assert ".tmp" not in str(e.value) and ".gvc-" not in str(e.value)


def test_fifo_and_folder_are_refused_before_opening(tmp_path):
    import os
    import signal

    def hung(*args):
        raise TimeoutError("load blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)  # an open() of a FIFO without a writer would block forever
    try:
        for name, match in [("pipe.nc", "pipe.nc: a FIFO"), ("pipe.zarr", "pipe.zarr: a FIFO")]:
            os.mkfifo(tmp_path / name)
            with pytest.raises(gd.FileFormatError, match=match):
                load_table(tmp_path / name)
            with pytest.raises(gd.FileFormatError, match=match):
                load_result(tmp_path / name)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    (tmp_path / "folder.nc").mkdir()
    with pytest.raises(gd.FileFormatError, match="folder.nc: a folder, not a netCDF file"):
        load_result(tmp_path / "folder.nc")


@pytest.mark.parametrize("year", ["2011", 2011.5, "abc", [2010, 2011]])
def test_year_attribute_that_is_not_an_integer(tmp_path, year):
    save_table(random_table(2, 2), tmp_path / "t.nc")
    ds = xr.load_dataset(tmp_path / "t.nc", engine="scipy")
    ds.attrs["year"] = year
    ds.to_netcdf(tmp_path / "bad.nc", engine="scipy")
    with pytest.raises(gd.FileFormatError, match=r"bad.nc: year attribute is .*, not an integer"):
        load_table(tmp_path / "bad.nc")
    ds.attrs["year"] = 2011.0  # an integral float is a year
    ds.to_netcdf(tmp_path / "ok.nc", engine="scipy")
    assert load_table(tmp_path / "ok.nc").year == 2011


# -- leftovers of killed writes (the kills themselves: test_crash.py) ------------------


def dead_pid() -> int:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", ""])
    p.wait()
    return p.pid


def leftover(target: Path, kind: str, pid: int, host: str | None = None) -> Path:
    """The name a write of ``target`` by process ``pid`` gives its temporary (or old store)."""
    from gvcdecomp import storage

    return target.with_name(f".{target.name}.gvc-{host or storage._HOST}-{pid}-{'ab' * 8}.{kind}")


@pytest.mark.parametrize("then", ["load", "save"])
def test_store_left_only_as_old_by_a_killed_swap_is_put_back(tmp_path, then):
    store = tmp_path / "t.zarr"
    t = random_table(3, 2, seed=1)
    save_table(t, store)
    pid = dead_pid()
    store.rename(leftover(store, "old", pid))  # killed between the two renames of a swap
    partial = leftover(store, "tmp", pid)
    partial.mkdir()
    (partial / ".zgroup").write_text("{")
    if then == "load":
        assert_same_table(load_table(store), t)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([partial.name, "t.zarr"])
    u = random_table(4, 2, seed=2)
    save_table(u, store)
    assert_same_table(load_table(store), u)
    assert [p.name for p in tmp_path.iterdir()] == ["t.zarr"]


def test_only_stale_leftovers_are_removed(tmp_path):
    import os

    from gvcdecomp import storage

    f = tmp_path / "t.nc"
    other_host = "0" * 8 if storage._HOST != "0" * 8 else "1" * 8
    dead, alive = dead_pid(), os.getppid()  # our parent is running
    keep = [
        leftover(f, "tmp", alive),  # a concurrent writer's
        leftover(f, "tmp", 1, host=other_host),  # another machine's, recently changed
        tmp_path / ".t.nc.backup.tmp",  # not named like ours
        tmp_path / "u.nc",
    ]
    gone = [
        leftover(f, "tmp", dead),
        leftover(tmp_path / "u.nc", "tmp", dead),  # another file of the folder
        leftover(tmp_path / "u.nc", "old", dead),  # a finished swap's (u.nc exists)
        leftover(f, "tmp", 2, host=other_host),  # another machine's, unchanged for hours
    ]
    for p in keep + gone:
        p.write_bytes(b"\x00" * 10)
    os.utime(gone[-1], (0, 0))
    folder = leftover(tmp_path / "v.zarr", "tmp", dead)  # a killed zarr write's folder
    folder.mkdir()
    (folder / "x").write_bytes(b"\x00")
    gone.append(folder)
    save_table(random_table(2, 2), f)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [f, *keep])


def test_float64_variables_read_as_xarray_decodes_them(tmp_path):
    # the direct read of float64 variables must give what xarray's own decoding gives,
    # and leave to xarray what it decodes (fill values, scaling, records, other types)
    from gvcdecomp.storage import _read

    rng = np.random.default_rng(5)
    a = rng.normal(size=(7, 5))
    filled = a.copy()
    filled[1, 2] = -1.0  # the fill value below: decodes to NaN
    ds = xr.Dataset(
        {
            "plain": (("r", "c"), a),
            "nan_cell": (("r", "c"), np.where(a > 1, np.nan, a)),
            "filled": (("r", "c"), filled),
            "scaled": (("r",), a[:, 0]),
            "ints": (("r",), np.arange(7, dtype=np.int32)),
            "rec": (("t", "c"), a[:3]),
        },
        coords={"r": [f"r{i}" for i in range(7)], "t": [0.5, 1.5, 2.5]},
    )
    # "scaled" has no NaN: no _FillValue needed (xarray warns that it has none)
    enc = {
        "filled": {"_FillValue": -1.0},
        "scaled": {"scale_factor": 0.5, "dtype": "int16", "_FillValue": -32768},
    }
    f = tmp_path / "d.nc"
    ds.to_netcdf(f, engine="scipy", encoding=enc, unlimited_dims=["t"])
    got = _read(f)
    with xr.open_dataset(f, engine="scipy") as ref:
        ref = ref.load()
    assert got.identical(ref)
    assert np.isnan(got["filled"].values[1, 2])
    for name in ("plain", "nan_cell"):  # read straight into arrays of their own
        v = got[name].values
        assert v.flags.owndata and v.flags.c_contiguous and v.dtype == np.dtype("=f8")
        np.testing.assert_array_equal(v, ds[name].values)


def test_truncated_table_file_is_refused(tmp_path):
    f = tmp_path / "t.nc"
    save_table(random_table(5, 4, seed=2), f)
    raw = f.read_bytes()
    (tmp_path / "short.nc").write_bytes(raw[: len(raw) // 2])
    # scipy says "cannot reshape array of size 0": the message says what that means
    with pytest.raises(gd.FileFormatError, match="short.nc: .*cut short or damaged"):
        load_table(tmp_path / "short.nc")


PEAK_PROBE = """
import sys, numpy as np
from gvcdecomp.storage import load_table
load_table(sys.argv[2])  # imports and first-use work, outside the measurement
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # the high-water mark restarts from the current resident size
base = status("VmRSS:")
t = load_table(sys.argv[1])
size = t.Z.nbytes + t.Y.nbytes + t.x.nbytes
print((status("VmHWM:") - base) / size)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="Linux /proc only")
def test_load_peaks_near_the_table_size(tmp_path):
    # a load used to hold the file's mapped pages and xarray's copy at once (2x)
    import subprocess
    import sys

    big, small = tmp_path / "big.nc", tmp_path / "small.nc"
    save_table(random_table(40, 25, K=3, seed=1), big)  # GN = 1000: 8 MB of Z
    save_table(random_table(3, 2, seed=1), small)
    out = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(big), str(small)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert float(out.stdout) <= 1.3, out.stdout
