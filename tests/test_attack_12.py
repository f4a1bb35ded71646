"""Attacks on issue #12 (trust): cases that returned wrong numbers or raw errors."""

import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import random_table
from test_cache import RDATA, assert_same, cache_warnings, entries, own_cache  # noqa: F401
from test_wiod2016 import make_table, write_rdata

import gvcdecomp as gd
from gvcdecomp import load_table, save_result, save_table
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


def test_a_folder_in_place_of_an_entry_costs_only_the_cache(tmp_path):
    f = write_rdata(tmp_path / RDATA, make_table(seed=35))
    cache.entry_path("wiod2016", f, "2014").mkdir(parents=True)
    t, msgs = cache_warnings(wiod2016.load_wiod2016, 2014, path=f)
    assert np.array_equal(t.Z, make_table(seed=35)["Z"])
    assert len(msgs) == 1 and "cache entry not written" in msgs[0] and "a folder" in msgs[0]


# -- saves: what the path names ------------------------------------------------------


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_save_over_a_symlink_writes_the_file_it_names(tmp_path, suffix):
    real, link = tmp_path / f"real{suffix}", tmp_path / f"link{suffix}"
    save_table(random_table(3, 2, seed=1), real)
    os.symlink(real, link)
    new = random_table(3, 2, seed=2)
    save_table(new, link)
    assert link.is_symlink()  # the link stays, and the file it names is the new one
    assert np.array_equal(load_table(real).Z, new.Z)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([real.name, link.name])


def test_save_over_a_folder_is_refused_and_leaves_it(tmp_path):
    target = tmp_path / "t.nc"
    target.mkdir()
    (target / "notes.txt").write_text("precious")
    for save, what in [(save_table, random_table(2, 2)), (save_result, xr.Dataset())]:
        with pytest.raises(gd.FileFormatError, match="t.nc: exists and is a folder"):
            save(what, target)
    assert (target / "notes.txt").read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["t.nc"]


@pytest.mark.parametrize("path", ["", ".", "/", "..", None, 3, "a\x00b.nc"])
def test_paths_that_name_no_file_are_option_errors(tmp_path, path):
    with pytest.raises(gd.OptionError, match="path"):
        save_table(random_table(2, 2), path)
    if path not in ("", ".", "/", ".."):
        with pytest.raises(gd.OptionError, match="path"):
            load_table(path)


def test_save_into_a_missing_folder_names_it(tmp_path):
    target = tmp_path / "absent" / "t.nc"
    with pytest.raises(gd.DataNotFoundError, match=f"no folder {tmp_path / 'absent'}"):
        save_table(random_table(2, 2), target)


@pytest.mark.parametrize(
    "attrs, data",
    [({"d": {"a": 1}}, [1.0]), ({"d": None}, [1.0]), ({}, np.array([2**40])),
     ({}, np.array([{"a": 1}], dtype=object))],
)  # fmt: skip
def test_result_netcdf_cannot_hold_is_one_line_and_leaves_nothing(tmp_path, attrs, data):
    with pytest.raises(gd.OptionError, match="r.nc: cannot be written") as e:
        save_result(xr.Dataset({"a": ("i", data)}, attrs=attrs), tmp_path / "r.nc")
    assert "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("year", [10**20, 2**31])
def test_year_beyond_32_bits_is_named_when_saving(tmp_path, year):
    t = random_table(2, 2)
    t = gd.IOTable(t.Z, t.Y, t.countries, t.sectors, t.fd_categories, year=year)
    with pytest.raises(gd.OptionError, match=f"t.nc: year {year} cannot be stored"):
        save_table(t, tmp_path / "t.nc")
    assert list(tmp_path.iterdir()) == []


def test_format_error_message_is_its_first_sentence(tmp_path):
    data = np.array([2**40])  # xarray's message runs to a paragraph
    with pytest.raises(gd.OptionError) as e:
        save_result(xr.Dataset({"a": ("i", data)}), tmp_path / "r.nc")
    assert str(e.value).endswith("(could not safely cast array from int64 to int32.)")


# -- labels that are not what they seem ------------------------------------------------


@pytest.mark.parametrize(
    "codes, match",
    [([None, "B", "C"], "missing code"), ([float("nan"), "B", "C"], "missing code"),
     (["A", np.float32("nan"), "C"], "missing code"), ([pd.NA, "B", "C"], "missing code"),
     (["", "B", "C"], "blank code"), (["  ", "B", "C"], "blank code"),
     (["C0", "C0 ", "C"], "differ only by surrounding blanks or Unicode form"),
     (["\u00c5", "A\u030a", "C"], "differ only by surrounding blanks or Unicode form")],
)  # fmt: skip
def test_missing_blank_and_lookalike_codes_are_refused(codes, match):
    # before: None became the country 'None', NaN 'nan', and look-alikes two countries
    t = random_table(3, 2)
    with pytest.raises(gd.LabelError, match=f"countries has .*{match}"):
        gd.IOTable(t.Z, t.Y, codes, t.sectors, t.fd_categories)


def test_codes_that_merely_look_missing_as_text_are_kept():
    t = random_table(3, 2)
    codes = ("nan", "None", "<NA>")  # strings given as such are codes like any other
    assert gd.IOTable(t.Z, t.Y, list(codes), t.sectors, t.fd_categories).countries == codes


# -- panels whose years have other labels -----------------------------------------------


def _mismatched_panel():
    def load(year):
        t = random_table(3, 2, seed=year - 2000)
        codes = ["C0", "C1", "XX"] if year == 2001 else list(t.countries)
        return gd.IOTable(t.Z, t.Y, codes, t.sectors, t.fd_categories, year=year)

    return gd.Panel([2000, 2001], load, "test")


@pytest.mark.parametrize(
    "fn",
    [lambda p: gd.indicators.tiva(p), gd.kpww_participation, gd.upstreamness,
     lambda p: gd.smile_curve(p, "C0", "s0"), lambda p: gd.chain_fva(p, {"A": ["C0", "C1"]})],
    ids=["tiva", "kpww_participation", "upstreamness", "smile_curve", "chain_fva"],
)  # fmt: skip
def test_indicators_refuse_years_with_other_countries(fn):
    # before: an outer join, C2 and XX filled with NaN in the year that lacks them
    with pytest.raises(gd.LabelError, match=r"2001 differ from those of 2000 \(has \['XX'\], lacks \['C2'\]\)"):
        fn(_mismatched_panel())
