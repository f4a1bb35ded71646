"""Attacks on the numerics and the vocabulary of issues 14 and 15 that found faults."""

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import chains, indicators as ind

from conftest import random_table
from test_vocabulary import wiod_like


def split_china_table():
    """ICIO-like: China split into CHN and its part CN1, merged by default_groups."""
    t = random_table(5, 2, seed=4)
    t = gd.IOTable(t.Z, t.Y, ["CHN", "CN1", "JPN", "KOR", "USA"], t.sectors, t.fd_categories)
    t.default_groups = {"CHN": ["CHN", "CN1"]}
    return t


def region_exports(t, members):
    """Gross exports of a region by hand: its rows' sales (Z and Y) to non-members."""
    inside = np.isin(np.repeat(t.countries, t.N), members)  # rows and columns of Z
    fd = np.isin(t.countries, members)  # countries of final demand
    return t.Z[inside][:, ~inside].sum() + t.Y[inside][:, ~fd].sum()


@pytest.mark.parametrize(
    "call",
    [
        lambda t, g: gd.decompose(t, "wwz", groups=g)["gexp"].sel(exporter="EA").sum(),
        lambda t, g: ind.tiva(t, groups=g)["EXGR"].sel(exporter="EA"),
    ],
    ids=["wwz", "tiva"],
)
def test_a_listed_default_group_brings_in_its_parts(call):
    """{"EA": ["CHN", "JPN"]} on a split-China table is all of China with Japan, as
    groups by name are: CN1 neither a separate exporter nor a trade partner of EA."""
    t = split_china_table()
    got = call(t, {"EA": ["CHN", "JPN"]})
    np.testing.assert_allclose(float(got), region_exports(t, ["CHN", "CN1", "JPN"]), rtol=1e-12)
    names = gd.decompose(t, "wwz", groups={"EA": ["CHN", "JPN"]})["exporter"].values
    assert list(names) == ["EA", "KOR", "USA"]


def test_a_listed_default_group_in_chain_regions():
    """Regions {"EA": ["CHN", "JPN"]} with the parts kept (groups=None): CN1's chains get
    their value added from CHN and JPN as within the region (dense v_t B_tk y_k)."""
    t = split_china_table()
    c = chains.chain_fva(t, {"EA": ["CHN", "JPN"]}, groups=None)
    B = np.linalg.inv(np.eye(t.n) - t.Z / t.x)
    VB = (1 - (t.Z / t.x).sum(axis=0))[:, None] * B
    rows = np.repeat(t.countries, t.N)
    y = t.Y.sum(axis=(1, 2))
    k = slice(t.N, 2 * t.N)  # CN1's industries
    want = VB[np.isin(rows, ["CHN", "JPN"])][:, k].sum(axis=0) * y[k]
    np.testing.assert_allclose(c["chain_fva_within"].sel(country="CN1").values, want, rtol=1e-10)


def test_a_leontief_result_under_its_former_names_is_refused(tmp_path):
    """A Leontief result saved before dc/fc were renamed from DVA/FVA: ict_slice read its
    domestic content as WWZ's DVA and called it DVA_absorbed_abroad_share."""
    t = wiod_like(seed=2)
    result = gd.decompose(t, "leontief").rename(dc="DVA", fc="FVA")
    old = gd.load_result(gd.save_result(result, tmp_path / "r.nc"))
    with pytest.raises(gd.OptionError, match=r"leontief result with DVA, FVA.*rename\(DVA='dc'"):
        gd.ict_slice(old)
    renamed = gd.ict_slice(old.rename(DVA="dc", FVA="fc"))
    assert "DVA_absorbed_abroad_share" not in renamed and "EXGR_DVASH" in renamed


def test_a_list_of_industries_as_the_slice_group_is_a_clear_error():
    with pytest.raises(gd.OptionError, match=r"group must be a group's name, got \['c14'\]"):
        gd.ict_slice(wiod_like(), ["c14"])


@pytest.mark.parametrize("bad", [{2001: None}, [1, 2], "wiod2013"], ids=repr)
def test_decompose_of_anything_but_a_table_or_panel_is_an_option_error(bad):
    with pytest.raises(gd.OptionError, match="decompose expects an IOTable or a Panel"):
        gd.decompose(bad, "wwz")


def test_the_hint_for_a_dict_of_tables_works():
    """The error's advice, a Panel over the dict, gives one WWZ result per year."""
    tables = {2001: random_table(3, 2, seed=1), 2002: random_table(3, 2, seed=2)}
    hint = r"for a dict of tables: gd.Panel\(years, tables.get, source\)"
    with pytest.raises(gd.OptionError, match=hint):
        gd.decompose(tables, "wwz")
    got = gd.decompose(gd.Panel(list(tables), tables.get, "random"), "wwz")
    for y, t in tables.items():  # gross exports by hand: Z and Y rows to other countries
        E = (t.Z.reshape(t.n, t.G, t.N).sum(2) + t.Y.sum(2)).reshape(t.G, t.N, t.G)
        want = E.sum(1) * (1 - np.eye(t.G))
        np.testing.assert_allclose(got["gexp"].sel(year=y).sum("sector").values, want, rtol=1e-12)
