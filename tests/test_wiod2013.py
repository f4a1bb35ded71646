import shutil

import numpy as np
import pytest
import gvcdecomp as gd
from gvcdecomp.methods.wwz import GROUPS, TERMS

STUDY_2011_C14 = {"USA": 80.5, "JPN": 82.2}  # the 2014 ICT GVC study, from WIOD


@pytest.fixture(scope="module")
def t2011(wiod2013_dir):
    return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_table_shape_labels_and_units(t2011):
    assert (t2011.G, t2011.N, len(t2011.fd_categories)) == (41, 35, 5)
    assert t2011.countries[-1] == "RoW" and t2011.sectors[13] == "c14"
    assert t2011.year == 2011 and "millions of US dollars" in t2011.units
    # R-package values are whole millions: row sums match published output to rounding
    assert t2011.balance()["rows"]["max_abs"] <= 108


def test_study_headline_figures(t2011):
    """DVA absorbed abroad (WWZ terms 1-5) in c14 exports, 2011, as % of c14 exports."""
    sm = gd.wwz_summary(gd.decompose(t2011, "wwz").sum("importer"))
    share = 100 * sm["DVA_share"].sel(sector="c14")
    for country, published in STUDY_2011_C14.items():
        assert round(float(share.sel(exporter=country)), 1) == published
    # Japan first among the major economies, Korea below the US, Japan and China
    major = share.sel(exporter=["USA", "JPN", "KOR", "CHN", "DEU"])
    assert str(major.idxmax().item()) == "JPN"
    assert float(share.sel(exporter="KOR")) < min(float(share.sel(exporter=c)) for c in ("USA", "JPN", "CHN"))


@pytest.mark.parametrize("year", range(1995, 2012))
def test_identities_every_year(wiod2013_dir, year):
    t = gd.load_wiod2013(year, path=wiod2013_dir)
    n = t.n
    c = t.core
    np.testing.assert_allclose(c.B @ (np.eye(n) - c.A), np.eye(n), atol=1e-9)
    w = gd.decompose(t, "wwz")
    gexp = w["gexp"].values
    total = sum(w[k].values for k in TERMS)
    assert np.abs(total - gexp).max() <= 1e-9 * np.abs(gexp).max()
    rel = np.abs(total - gexp)[gexp > 1] / gexp[gexp > 1]
    assert rel.max() < 1e-9
    lo = gd.decompose(t, "leontief")
    np.testing.assert_allclose((lo.DVA + lo.FVA).values, lo.gexp.values, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(lo.gexp.values, gexp)
    # WWZ's domestic content (DVA + RDV + DDC) is the Leontief DVA
    dom = sum(w[k] for g in ("DVA", "RDV", "DDC") for k in GROUPS[g])
    np.testing.assert_allclose(dom.values, lo.DVA.values, rtol=1e-9, atol=1e-6)


def test_panel_adds_year_dimension(wiod2013_dir):
    panel = gd.load_wiod2013([2010, 2011], path=wiod2013_dir)
    assert isinstance(panel, gd.Panel) and list(panel) == [2010, 2011]
    r = gd.decompose(panel, "wwz", progress=False)
    assert r["DVA_FIN"].dims == ("year", "exporter", "sector", "importer")
    single = gd.decompose(panel[2011], "wwz")
    np.testing.assert_array_equal(r["DVA_INT"].sel(year=2011).values, single["DVA_INT"].values)
    with pytest.raises(gd.UnknownLabelError, match="2009"):
        panel[2009]


@pytest.mark.parametrize("year", [1994, 2012, "2011", 2011.0, True])
def test_unknown_year(year):
    with pytest.raises(gd.UnknownLabelError, match="1995–2011"):
        gd.load_wiod2013(year)


def test_missing_files_say_what_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(gd.DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    msg = str(e.value)
    assert "wiot_2011" in msg and "wiot11_row_(apr|sep)12" in msg
    assert str(tmp_path / "nowhere" / "wiod2013") in msg and "wiod.org" in msg
    with pytest.raises(gd.DataNotFoundError, match=str(tmp_path)):
        gd.load_wiod2013(2011, path=tmp_path)


def test_environment_variable_is_used(wiod2013_dir, tmp_path, monkeypatch):
    (tmp_path / "wiod2013").mkdir()
    shutil.copy(wiod2013_dir / "wiot_1995.RData", tmp_path / "wiod2013" / "WIOT_1995.rdata")
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path))
    assert gd.load_wiod2013(1995).year == 1995


def test_corrupt_and_wrong_files(wiod2013_dir, tmp_path):
    data = (wiod2013_dir / "wiot_2011.RData").read_bytes()
    (tmp_path / "wiot_2011.RData").write_bytes(data[: len(data) // 3])
    with pytest.raises(gd.FileFormatError, match="wiot_2011.RData"):
        gd.load_wiod2013(2011, path=tmp_path)
    (tmp_path / "wiot_2010.RData").write_bytes(b"not an R file at all")
    with pytest.raises(gd.FileFormatError, match="wiot_2010.RData"):
        gd.load_wiod2013(2010, path=tmp_path)
    # the right format, the wrong year
    shutil.copy(wiod2013_dir / "wiot_2009.RData", tmp_path / "wiot_2008.RData")
    with pytest.raises(gd.FileFormatError, match="2009, not 2008"):
        gd.load_wiod2013(2008, path=tmp_path)


@pytest.mark.parametrize("years, match", [([], "no year"), ([2010, 2010], "twice")])
def test_bad_year_lists(years, match):
    with pytest.raises(gd.UnknownLabelError, match=match):
        gd.load_wiod2013(years)
