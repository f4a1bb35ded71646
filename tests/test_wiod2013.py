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
    share = 100 * sm["DVA_absorbed_abroad_share"].sel(sector="c14")
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
    np.testing.assert_allclose((lo.dc + lo.fc).values, lo.gexp.values, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(lo.gexp.values, gexp)
    # WWZ's domestic content (DVA + RDV + DDC) is the Leontief dc
    dom = sum(w[k] for g in ("DVA", "RDV", "DDC") for k in GROUPS[g])
    np.testing.assert_allclose(dom.values, lo.dc.values, rtol=1e-9, atol=1e-6)


def test_panel_adds_year_dimension(wiod2013_dir):
    panel = gd.load_wiod2013([2010, 2011], path=wiod2013_dir)
    assert isinstance(panel, gd.Panel) and list(panel) == [2010, 2011]
    r = gd.decompose(panel, "wwz", progress=False)
    assert r["DVA_FIN"].dims == ("year", "exporter", "sector", "importer")
    single = gd.decompose(panel[2011], "wwz")
    np.testing.assert_array_equal(r["DVA_INT"].sel(year=2011).values, single["DVA_INT"].values)
    with pytest.raises(gd.UnknownLabelError, match="2009"):
        panel[2009]


@pytest.mark.parametrize("year", [1994, 2012, "2011", 2011.5, True])
def test_unknown_year(year):
    with pytest.raises(gd.UnknownLabelError, match="1995–2011"):
        gd.load_wiod2013(year)


def test_missing_files_say_what_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)  # the publisher's address, not a mirror's
    with pytest.raises(gd.DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    msg = str(e.value)
    assert "wiot_2011" in msg and "wiot11_row_{apr,sep}12.xlsx" in msg
    assert str(tmp_path / "nowhere" / "wiod2013") in msg
    assert "https://" in msg and "wiot_2011.RData" in msg  # where to get it
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


# -- hostile R data structures: every one is a FileFormatError naming the file ----------


def tiny_wiot(year=2011):
    """A balanced wiot_YYYY list of 2 countries x 3 industries, as the R package stores it."""
    rng = np.random.default_rng(year)
    inter = rng.integers(0, 50, (6, 6)).astype(np.int32)
    final = rng.integers(1, 90, (6, 10)).astype(np.int32)
    return {
        "year": np.array([year], dtype=np.int32),
        "countries": np.array(["AAA", "RoW"]),
        "industries": np.array(["c1", "c2", "c3"]),
        "final": final,
        "output": (inter.sum(1) + final.sum(1)).astype(np.int32),
        "inter": inter,
    }


def write_wiot(path, obj, name="wiot_2011"):
    import rdata

    rdata.write_rda(str(path), {name: obj})
    return path


def test_tiny_rdata_round_trip(tmp_path):
    w = tiny_wiot()
    write_wiot(tmp_path / "wiot_2011.RData", w)
    t = gd.load_wiod2013(2011, path=tmp_path, output="stored")
    assert t.countries == ("AAA", "RoW") and t.sectors == ("c1", "c2", "c3")
    np.testing.assert_array_equal(t.Z, w["inter"])
    np.testing.assert_array_equal(t.Y.reshape(6, 10), w["final"])
    np.testing.assert_array_equal(t.x, w["output"])
    assert t.fd_categories == ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")


def _hostile(what):
    w = tiny_wiot()
    name = "wiot_2011"
    if what == "wrong_name":
        name = "iot_2011"
    elif what == "not_a_list":
        return name, w["inter"]
    elif what == "missing_inter":
        del w["inter"]
    elif what == "inter_text":
        w["inter"] = w["inter"].ravel().astype(str)  # the writer has no character matrix
    elif what == "inter_logical":
        w["inter"] = w["inter"] > 10
    elif what == "inter_shape":
        w["inter"] = w["inter"][:5]
    elif what == "inter_vector":
        w["inter"] = w["inter"].ravel()
    elif what == "inter_na":  # R's NA_integer_ is INT_MIN on disk
        w["inter"][2, 3] = np.iinfo(np.int32).min
    elif what == "final_nan":
        w["final"] = w["final"].astype(float)
        w["final"][1, 1] = np.nan
    elif what == "final_columns":
        w["final"] = w["final"][:, :9]
    elif what == "output_short":
        w["output"] = w["output"][:5]
    elif what == "output_text":
        w["output"] = w["output"].astype(str)
    elif what == "output_na":
        w["output"][0] = np.iinfo(np.int32).min
    elif what == "countries_numbers":
        w["countries"] = np.array([1.0, 2.0])
    elif what == "countries_repeated":
        w["countries"] = np.array(["AAA", "AAA"])
    elif what == "industries_list":
        w["industries"] = [np.array([1.0]), np.array(["c2"])]
    elif what == "year_text":
        w["year"] = np.array(["twenty-eleven"])
    elif what == "year_other":
        w["year"] = np.array([2010], dtype=np.int32)
    else:
        raise AssertionError(what)
    return name, w


@pytest.mark.parametrize(
    "what, message",
    [
        ("wrong_name", "expected one R list 'wiot_YYYY'"),
        ("not_a_list", "expected one R list 'wiot_YYYY'"),
        ("missing_inter", "lacks ['inter']"),
        ("inter_text", "inter must be a numeric matrix"),
        ("inter_logical", "inter must be a numeric matrix"),
        ("inter_shape", "inter is 5 x 6, expected 6 x 6"),
        ("inter_vector", "inter must be a numeric matrix"),
        ("inter_na", "inter has 1 missing (NA) value(s), first at R index [3, 4]"),
        ("final_nan", "final has 1 missing (NA)"),
        ("final_columns", "final is 6 x 9"),
        ("output_short", "output has 5 values, expected 6"),
        ("output_text", "output must be a numeric vector"),
        ("output_na", "output has 1 missing (NA)"),
        ("countries_numbers", "countries must be a non-empty character vector"),
        ("countries_repeated", "repeated codes ['AAA']"),
        ("industries_list", "industries must be a non-empty character vector"),
        ("year_text", "year must be one whole number"),
        ("year_other", "says its year is 2010"),
    ],
)
def test_hostile_rdata(tmp_path, what, message):
    name, obj = _hostile(what)
    f = write_wiot(tmp_path / "wiot_2011.RData", obj, name=name)
    with pytest.raises(gd.FileFormatError) as e:
        gd.load_wiod2013(2011, path=tmp_path)
    assert str(f) in str(e.value) and message in str(e.value)
    assert "\n" not in str(e.value)


def test_truncated_bzip2_and_foreign_files(wiod2013_dir, tmp_path):
    import bz2

    raw = (wiod2013_dir / "wiot_1995.RData").read_bytes()
    assert raw[:3] == b"BZh"
    plain = bz2.decompress(raw)
    cases = {
        "cut_stream": [raw[:n] for n in (4, 100, len(raw) // 2, len(raw) - 10)],
        "cut_payload": [bz2.compress(plain[:n]) for n in (5, len(plain) // 2, len(plain) - 7)],
        "foreign": [b"PK\x03\x04 not R", b"RDX3\n" + b"\x00" * 20, b"\x1f\x8b" + b"x" * 50, b""],
    }
    for what, blobs in cases.items():
        for k, blob in enumerate(blobs):
            d = tmp_path / f"{what}{k}"
            d.mkdir()
            (d / "wiot_1995.RData").write_bytes(blob)
            with pytest.raises(gd.FileFormatError) as e:
                gd.load_wiod2013(1995, path=d)
            assert str(d / "wiot_1995.RData") in str(e.value), (what, k)
            assert "\n" not in str(e.value)
