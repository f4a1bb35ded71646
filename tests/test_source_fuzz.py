"""Readers fed corrupted copies of small valid files raise only the library's errors.

Each valid file is written by the tests (ICIO CSV and zip bundle, WIOD 2013
xlsx, WIOD 2016 R data and bundle, Stata icio CSV), then cut at many positions
and has bytes flipped at many others; whatever comes out must be a table or a
:class:`~gvcdecomp.errors.GVCError` with a one-line message naming the file.
"""

import zipfile

import numpy as np
import pytest
from test_icio import make_table as make_icio
from test_wiod2016 import make_table as make_w16
from test_wiod2016 import write_rdata
from test_wiot_excel import small_table
from wiot_writer import write_wiot_excel

import gvcdecomp as gd
from gvcdecomp.sources import icio
from gvcdecomp.sources import wiod2016 as w16
from gvcdecomp.sources.generic import read_stata_icio
from gvcdecomp.sources.wiot_excel import read_wiot_excel

CUTS, FLIPS = 48, 48  # per file: 576 reads in all, under 10 s


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("GVCDECOMP_NO_CACHE", "1")


def icio_csv(folder):
    f = folder / "2020.csv"
    f.write_text(make_icio("icio2023", split=False)[0])
    return f, lambda p: icio.load_icio2023(2020, path=p)


def icio_zip(folder):
    f = folder / "2016-2020.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2020.csv", make_icio("icio2023", split=False)[0])
    return f, lambda p: icio.load_icio2023(2020, path=p)


def wiot_xlsx(folder):
    f = folder / "WIOT09_ROW_Sep12.xlsx"
    write_wiot_excel(small_table(2, 2, 5, seed=3), f)
    return f, read_wiot_excel


def w16_rdata(folder):
    f = write_rdata(folder / "WIOT2014_October16_ROW.RData", make_w16(G=2, N=2))
    return f, lambda p: w16.load_wiod2016(2014, path=p)


def w16_zip(folder):
    r = write_rdata(folder / "x.RData", make_w16(G=2, N=2))
    f = folder / "WIOTS_in_R.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(r, "WIOT2014_October16_ROW.RData")
    r.unlink()
    return f, lambda p: w16.load_wiod2016(2014, path=p)


def stata_csv(folder):
    t = gd.IOTable(*_zy(), ["A", "B"], ["1", "2"], ["FD"])
    f = folder / "table.csv"
    np.savetxt(f, np.hstack([t.Z, t.Y.reshape(t.n, -1)]), delimiter=",", fmt="%.17g")
    (folder / "countries.csv").write_text("A\nB\n")
    return f, lambda p: read_stata_icio(p, folder / "countries.csv", fd_categories=["FD"])


def _zy():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (4, 4)), rng.uniform(5, 9, (4, 2, 1))


def corruptions(data: bytes, seed: int):
    """Cuts at evenly spread lengths, and 1-4 flipped bytes at random positions."""
    rng = np.random.default_rng(seed)
    for k in np.linspace(0, len(data) - 1, CUTS).astype(int):
        yield f"cut at {k}", data[:k]
    for _ in range(FLIPS):
        b = bytearray(data)
        for pos in rng.integers(0, len(b), rng.integers(1, 5)):
            b[pos] ^= int(rng.integers(1, 256))
        yield "flipped", bytes(b)


@pytest.mark.parametrize(
    "build", [icio_csv, icio_zip, wiot_xlsx, w16_rdata, w16_zip, stata_csv],
    ids=lambda b: b.__name__,
)  # fmt: skip
def test_corrupted_files_raise_library_errors(tmp_path, build):
    f, read = build(tmp_path)
    good = f.read_bytes()
    read(f)  # the valid file reads
    errors = 0
    for i, (what, data) in enumerate(corruptions(good, seed=len(good))):
        f.write_bytes(data)
        try:
            read(f)
        except gd.GVCError as e:
            errors += 1
            msg = str(e)
            assert f.name in msg and "\n" not in msg, f"{what}: {msg}"
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{build.__name__}, {what} (case {i}): raw {type(e).__name__}: {e}")
    assert errors >= CUTS - 1  # every cut but the whole file is an error
