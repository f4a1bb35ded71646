"""A code refused by the table (blanks, invisible characters) is reported with the file it
came from: before, a loader or load_table raised the table's bare message
("sectors has a code with ...") and the user could not tell which file held it."""

import pytest
import xarray as xr
from conftest import random_table
from test_wiod2016 import make_table, r_frame, write_rdata

import gvcdecomp as gd
from gvcdecomp.sources import wiod2016 as w16


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_loader_names_the_file_of_a_hidden_character(tmp_path):
    frame = r_frame(make_table())
    frame["IndustryCode"] = frame["IndustryCode"].replace("A01", "A01\u200b")
    write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", frame=frame)
    with pytest.raises(gd.LabelError) as e:
        w16.load_wiod2016(2014, path=tmp_path)
    msg = str(e.value)
    assert "WIOT2014_October16_ROW.RData" in msg and "U+200B" in msg and "'A01\\u200b'" in msg


@pytest.mark.parametrize("bad", ["C0 ", "\ufeffC0"])
def test_load_table_names_the_file_of_a_refused_code(tmp_path, bad):
    """A table saved by a version that accepted such codes cannot be read back silently
    changed; the error says which file and code."""
    path = tmp_path / "t.nc"
    gd.save_table(random_table(3, 2), path)
    with xr.open_dataset(path) as ds:
        ds = ds.load()
    del ds.attrs["gvcdecomp_checksum"]  # such a version wrote no checksum
    old = tmp_path / "old.nc"
    ds.assign_coords(country=[bad, *ds.country.values[1:]]).to_netcdf(old)
    for read in (gd.load_table, gd.open_table):
        with pytest.raises(gd.LabelError) as e:
            read(old)
        assert str(old) in str(e.value) and repr(bad) in str(e.value)


def test_arrays_keep_the_plain_message():
    t = random_table(2, 2)
    with pytest.raises(gd.LabelError, match=r"^countries has a code with surrounding blanks"):
        gd.IOTable(t.Z, t.Y, ["C0 ", "C1"], t.sectors, t.fd_categories)
