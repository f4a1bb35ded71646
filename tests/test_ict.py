"""ICT definitions and slices: slices add up to totals, the study's figures, errors."""

import warnings

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import ict
from gvcdecomp.cli import STUDY, dva_shares
from gvcdecomp.errors import OptionError, UnknownLabelError
from gvcdecomp.ict import DEFINITIONS, group_sectors, ict_slice, register_group, to_frame
from gvcdecomp.methods.wwz import TERMS
from gvcdecomp.table import BalanceWarning

from conftest import random_table

WIOD2013 = DEFINITIONS["WIOD 2013"].codes


@pytest.fixture(autouse=True)
def no_user_groups(monkeypatch):
    monkeypatch.setattr(ict, "USER_GROUPS", {})


def relabel(t, sectors, year=None):
    return gd.IOTable(t.Z, t.Y, t.countries, sectors, t.fd_categories,
                      year=t.year if year is None else year, source=t.source)  # fmt: skip


def wiod_like(G=3, seed=0, year=None):
    """A random table with the 35 WIOD 2013 industry codes."""
    return relabel(random_table(G, 35, seed=seed), WIOD2013, year)


@pytest.fixture(scope="module")
def small():
    t = wiod_like()
    return t, gd.decompose(t, "wwz")


def test_recognises_each_classification():
    expect = {
        "WIOD 2013": ("c14",),
        "WIOD 2016": ("C26",),
        "OECD ICIO 2016": ("C30T33XCEQ",),
        "OECD ICIO 2018": ("26",),
        "OECD ICIO": ("D26",),
        "OECD ICIO 2023": ("C26",),
        "WIOD long-run": ("D30t33",),
    }
    # parts of the OECD lists (all codes of an edition in the 2023 case)
    oecd = {
        "OECD ICIO 2016": ["C01T05AGR", "C30T33XCEQ", "C31ELQ", "C64PTL", "C72CMP", "C73T74OBZ"],
        "OECD ICIO 2018": ["01T03", "26", "27", "58T60", "61", "62T63", "64T66"],
        "OECD ICIO": ["D01T02", "D26", "D27", "D58T60", "D61", "D62T63", "D64T66"],
    }
    for name, manuf in expect.items():
        codes = DEFINITIONS[name].codes or oecd[name]
        d, got = group_sectors(codes, "ICT manufacturing")
        assert d.name == name and got == manuf
    _, with_c27 = group_sectors(DEFINITIONS["WIOD 2016"].codes, "ICT manufacturing", optional=True)
    assert with_c27 == ("C26", "C27")
    assert group_sectors(WIOD2013, "ICT")[1] == ("c14", "c27", "c30")
    assert group_sectors(DEFINITIONS["WIOD long-run"].codes, "ICT services")[1] == ("I64", "K")


def test_slices_add_up_to_totals(small):
    t, r = small
    rest = [s for s in WIOD2013 if s not in ("c14", "c27", "c30")]
    register_group("non-ICT", rest)
    total = r.sum("sector")
    ict_part, other = ict_slice(r, "ICT"), ict_slice(r, "non-ICT")
    for k in (*TERMS, "gexp"):
        np.testing.assert_allclose(
            (ict_part[k] + other[k]).values, total[k].values, rtol=1e-12, err_msg=k
        )
    # manufacturing + services = ICT
    m, s = ict_slice(r, "ICT manufacturing"), ict_slice(r, "ICT services")
    np.testing.assert_allclose((m["DVA"] + s["DVA"]).values, ict_part["DVA"].values, rtol=1e-12)
    # the group's shares of the country's DVA add up to one with the rest's
    np.testing.assert_allclose(
        (ict_part["DVA_group_share"] + other["DVA_group_share"]).values, 1.0, rtol=1e-12
    )
    np.testing.assert_allclose(
        ict_part["DVA_importer_share"].sum("importer").values, 1.0, rtol=1e-12
    )
    # DVA share against the terms, summed by hand
    c14 = r.sel(sector="c14").sum("importer")
    dva = sum(c14[k] for k in ("DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2"))
    np.testing.assert_allclose(m["DVA_absorbed_abroad_share"].values, (dva / c14["gexp"]).values, rtol=1e-12)
    # the table itself
    ts, tr = ict_slice(t, "ICT"), ict_slice(t, "non-ICT")
    np.testing.assert_allclose(
        (ts["output"] + tr["output"]).values, t.x.reshape(t.G, -1).sum(1), rtol=1e-12
    )
    np.testing.assert_allclose(
        (ts["exports"] + tr["exports"]).values, t.exports.reshape(t.G, 35, t.G).sum(1), rtol=1e-12
    )
    np.testing.assert_allclose(
        (ts["value_added_share"] + tr["value_added_share"]).values, 1.0, rtol=1e-12
    )
    assert ts.attrs["group_sectors"] == "c14, c27, c30" and "c30" in ts.attrs["caveat"]


def test_country_groups_are_sums_of_members(small):
    _, r = small
    sl = ict_slice(r, "ICT", sum_members={"EU": ["C0", "C1"], "other": ["C2"]})
    one = ict_slice(r, "ICT", countries=["C0", "C1", "C2"])
    assert list(sl["exporter"].values) == ["EU", "other"]
    np.testing.assert_allclose(
        sl["gexp"].sel(exporter="EU").values,
        one["gexp"].sel(exporter=["C0", "C1"]).sum("exporter").values,
    )
    np.testing.assert_allclose(
        sl["DVA"].sel(exporter="other").values, one["DVA"].sel(exporter="C2").values
    )
    share = (
        one["DVA"].sel(exporter=["C0", "C1"]).sum() / one["gexp"].sel(exporter=["C0", "C1"]).sum()
    )
    assert float(sl["DVA_absorbed_abroad_share"].sel(exporter="EU")) == pytest.approx(float(share), rel=1e-12)


def test_panel_keeps_year_and_selects_years():
    panel = gd.Panel([2001, 2002], lambda y: wiod_like(seed=y - 2000, year=y), "random")
    r = gd.decompose(panel, "wwz", progress=False)
    sl = ict_slice(r)
    assert sl["DVA_absorbed_abroad_share"].dims == ("year", "exporter")
    assert list(sl["year"].values) == [2001, 2002]
    one = ict_slice(gd.decompose(panel[2002], "wwz"))
    np.testing.assert_allclose(
        sl["DVA_absorbed_abroad_share"].sel(year=2002).values, one["DVA_absorbed_abroad_share"].values, rtol=1e-12
    )
    assert ict_slice(r, years=2001)["DVA_absorbed_abroad_share"].dims == ("exporter",)
    assert list(ict_slice(r, years=[2002])["year"].values) == [2002]
    with pytest.raises(UnknownLabelError, match=r"year 1999 .*2001, 2002"):
        ict_slice(r, years=1999)
    frame = to_frame(sl)
    assert set(frame.columns) == {"year", "exporter", "importer", "variable", "value"}
    shares = frame[frame["variable"] == "DVA_absorbed_abroad_share"]
    assert len(shares) == 2 * 3 and shares["importer"].isna().all()
    back = shares.set_index(["year", "exporter"])["value"].to_xarray()
    np.testing.assert_allclose(back.values, sl["DVA_absorbed_abroad_share"].values)
    assert len(frame) == sum(sl[v].size for v in sl.data_vars)


def test_errors_name_the_problem_and_the_choices(small):
    t, r = small
    with pytest.raises(
        UnknownLabelError, match="unknown group 'ICT hardware'; groups: ICT manufacturing"
    ):
        ict_slice(r, "ICT hardware")
    with pytest.raises(
        UnknownLabelError, match=r"WIOD 2013 has no industry 'C26'; its industries are c1, c2"
    ):
        register_group("mixed", ["c14", "C26"], classification="WIOD 2013")
    with pytest.raises(UnknownLabelError, match="unknown classification 'ISIC 5'"):
        register_group("x", ["c14"], classification="ISIC 5")
    register_group("hardware+", ["c14", "c99"])
    with pytest.raises(UnknownLabelError, match=r"industry 'c99' is not among the sectors: c1, c2"):
        ict_slice(r, "hardware+")
    with pytest.raises(
        UnknownLabelError, match=r"unknown country 'USA'; the result has C0, C1, C2"
    ):
        ict_slice(r, countries=["C0", "USA"])
    with pytest.raises(UnknownLabelError, match="unknown country 'XX'"):
        ict_slice(t, sum_members={"EU": ["C1", "XX"]})
    with pytest.raises(OptionError, match="sum_members=.*groups="):
        ict_slice(r, countries={"EU": ["C0", "C1"]})
    with pytest.raises(UnknownLabelError, match=r"year 2011 .* its years: 2000"):
        ict_slice(r, years=2011)
    with pytest.raises(UnknownLabelError, match="match no known ICT classification"):
        ict_slice(gd.decompose(random_table(2, 2), "wwz"))
    sub = r.sel(sector=["c14", "c27"])
    with pytest.raises(
        UnknownLabelError, match=r"'ICT' \(WIOD 2013\): industry 'c30' is not among"
    ):
        ict_slice(sub, "ICT")


def test_user_group_for_a_classification_takes_precedence(small):
    _, r = small
    register_group("ICT manufacturing", ["c13", "c14"], classification="WIOD 2013")
    sl = ict_slice(r)
    np.testing.assert_allclose(
        sl["gexp"].values, r["gexp"].sel(sector=["c13", "c14"]).sum("sector").values
    )
    assert sl.attrs["group_sectors"] == "c13, c14"


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_study_figures_wiod2013(wiod2011):
    t = wiod2011
    sl = ict_slice(gd.decompose(t, "wwz"))
    ref = dva_shares(t, "c14", ["USA", "JPN"])
    for c in ("USA", "JPN"):
        mine = 100 * float(sl["DVA_absorbed_abroad_share"].sel(exporter=c))
        assert mine == ref[c]  # the same measure, bit for bit
        assert round(mine, 1) == STUDY[c]
    assert sl.attrs["group_sectors"] == "c14"
    # ICT value added absorbed abroad, by destination, adds up to the exporter's total
    dva = sl["DVA"].sel(exporter="USA")
    assert float(dva.sel(importer="USA")) == 0.0
    assert float(dva.sum()) == pytest.approx(
        float(sl["DVA_absorbed_abroad_share"].sel(exporter="USA") * sl["gexp"].sel(exporter="USA").sum()), rel=1e-12
    )
    ts = ict_slice(t, "ICT", countries=["USA", "JPN"])
    assert ((ts["output_share"] > 0) & (ts["output_share"] < 1)).all()


def test_icio_2023_codes_are_recognised():
    codes = list(gd.industries("icio2023").iloc[:, 0])
    d, got = gd.ict.group_sectors(codes, "ICT")
    assert d.name == "OECD ICIO 2023" and set(got) == {"C26", "J58T60", "J61", "J62_63"}
