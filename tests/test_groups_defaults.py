"""User groups on a table with default groups (ICIO's China/Mexico splits) apply on top
of the default merge; groups=None keeps every country apart; aggregate merges only the
groups it is given and carries the defaults on."""

import warnings

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp.groups import resolve
from gvcdecomp.sources.icio import split_groups

from conftest import random_table

COUNTRIES = ["CHN", "CN1", "CN2", "MEX", "MX1", "MX2", "USA", "CAN", "JPN"]


@pytest.fixture(scope="module")
def icio_like():
    t = random_table(len(COUNTRIES), 2, seed=5)
    t = gd.IOTable(t.Z, t.Y, COUNTRIES, t.sectors, t.fd_categories, year=2011, source="icio-like")
    t.default_groups = split_groups(t)
    assert t.default_groups == {"CHN": ["CHN", "CN1", "CN2"], "MEX": ["MEX", "MX1", "MX2"]}
    return t


@pytest.mark.parametrize(
    "groups, exporters",
    [
        ({"Asia": ["CHN", "JPN"]}, ["Asia", "MEX", "USA", "CAN"]),
        ({"CHN": ["CHN"]}, ["CHN", "MEX", "USA", "CAN", "JPN"]),
        ({"NA": ["USA", "CAN"]}, ["CHN", "MEX", "NA", "JPN"]),
        ({"NA": ["USA", "CAN", "MEX"]}, ["CHN", "NA", "JPN"]),
        ("NAFTA", ["CHN", "NAFTA", "JPN"]),
    ],
)
def test_user_groups_keep_the_default_merge(icio_like, groups, exporters):
    r = gd.decompose(icio_like, "wwz", groups=groups)
    assert sorted(map(str, r["exporter"].values)) == sorted(exporters)
    assert not {"MX1", "MX2", "CN1", "CN2"} & set(map(str, r["exporter"].values))
    # the merged Mexico is the sum over its parts' rows: gross exports of the group
    if "MEX" in exporters:
        e = icio_like.exports.reshape(len(COUNTRIES), 2, len(COUNTRIES))
        mex = [COUNTRIES.index(c) for c in ("MEX", "MX1", "MX2")]
        outside = [j for j in range(len(COUNTRIES)) if j not in mex]
        np.testing.assert_allclose(
            r["gexp"].sel(exporter="MEX").sum().item(), e[np.ix_(mex, [0, 1], outside)].sum()
        )


def test_groups_none_keeps_every_part(icio_like):
    r = gd.decompose(icio_like, "wwz", groups=None)
    assert list(map(str, r["exporter"].values)) == COUNTRIES


def test_default_giving_way_to_an_overlapping_group(icio_like):
    # China's parts taken apart by the user: the CHN default gives way, MEX stays merged
    with pytest.warns(UserWarning, match="CN1, CN2 only, leaving CHN apart"):
        got = resolve({"CHINA": ["CN1", "CN2"]}, icio_like)
    assert got == {"CHINA": ["CN1", "CN2"], "MEX": ["MEX", "MX1", "MX2"]}
    assert resolve({"Asia": ["CHN", "JPN"]}, icio_like, defaults=False) == {
        "Asia": ["CHN", "CN1", "CN2", "JPN"]
    }


def test_aggregate_merges_only_the_given_groups(icio_like):
    with warnings.catch_warnings():  # MEX's parts all inside NAFTA: nothing to warn
        warnings.simplefilter("error")
        a = gd.aggregate(icio_like, "NAFTA")  # China's parts stay rows of the table
    assert a.countries == ("CHN", "CN1", "CN2", "NAFTA", "JPN")
    assert a.default_groups == {"CHN": ["CHN", "CN1", "CN2"]}


def test_aggregate_a_listed_default_group_brings_its_parts(icio_like):
    """{"Asia": ["CHN", "JPN"]} is China (CHN, CN1, CN2) with Japan whether or not a
    named group is given beside it (CN1, CN2 stayed apart, CHN's default dropped, when
    every value was a list)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone = gd.aggregate(icio_like, {"Asia": ["CHN", "JPN"]})
        beside = gd.aggregate(icio_like, {"Asia": ["CHN", "JPN"], "NA": "NAFTA"})
    assert alone.countries == ("Asia", "MEX", "MX1", "MX2", "USA", "CAN")
    assert alone.default_groups == {"MEX": ["MEX", "MX1", "MX2"]}
    asia = [COUNTRIES.index(c) for c in ("CHN", "CN1", "CN2", "JPN")]
    x = icio_like.x.reshape(len(COUNTRIES), 2)
    for t in (alone, beside):
        got = t.x.reshape(t.G, 2)[t.countries.index("Asia")]
        np.testing.assert_allclose(got, x[asia].sum(axis=0))


@pytest.mark.parametrize(
    "groups, apart",
    [({"P": ["MX1"]}, ["MEX", "MX2"]), ({"NA": ["USA", "CAN", "MX1"]}, ["MEX", "MX2"])],
)
def test_a_group_taking_some_parts_of_a_default_says_so(icio_like, groups, apart):
    """A group holding MX1 but not all of Mexico: MEX's merge gives way and MEX, MX2 come
    out as exporters of their own, which the user did not ask for: it is warned."""
    with pytest.warns(UserWarning, match=r"default group 'MEX' \(MEX, MX1, MX2\) not applied"):
        r = gd.decompose(icio_like, "wwz", groups=groups)
    assert set(apart) <= set(map(str, r["exporter"].values))


def test_no_warning_when_the_groups_place_every_part(icio_like):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve({"A": ["MEX", "MX1"], "B": ["MX2"]}, icio_like)
        resolve({"NA": ["USA", "CAN", "MEX"]}, icio_like)
        resolve("NAFTA", icio_like)


@pytest.mark.parametrize("members", ["NAFTA", {"NAFTA": ["USA", "CAN", "MEX"]}])
def test_sum_members_over_a_result_keeping_the_parts(icio_like, monkeypatch, members):
    """ict_slice(sum_members="NAFTA") on a result with Mexico's parts kept apart
    (groups=None) adds MX1 and MX2 in with MEX (it summed USA, CAN, MEX only: 2130 of
    the 3399 of these rows' exports), as a named or listed group on the table does."""
    from gvcdecomp import ict

    monkeypatch.setattr(ict, "USER_GROUPS", {("both", None): tuple(icio_like.sectors)})
    r = gd.decompose(icio_like, "wwz", groups=None)
    out = gd.ict_slice(r, "both", sum_members=members)
    e = icio_like.exports.reshape(len(COUNTRIES), 2, len(COUNTRIES))
    rows = [COUNTRIES.index(c) for c in ("USA", "CAN", "MEX", "MX1", "MX2")]
    np.testing.assert_allclose(out["gexp"].sel(exporter="NAFTA").sum().item(), e[rows].sum())
    assert "MX1, MX2" in out.attrs["aggregation"]


def test_ict_slice_of_a_table_merges_the_default_groups(icio_like, monkeypatch):
    """A table slice reports Mexico as decompose does: MEX, MX1, MX2 as one country, their
    sales to each other not exports (the parts were countries of their own, and summing
    them gave 1945 of exports against Mexico's 1467)."""
    from gvcdecomp import ict

    monkeypatch.setattr(ict, "USER_GROUPS", {("first", None): (icio_like.sectors[0],)})
    out = gd.ict_slice(icio_like, "first")
    assert list(map(str, out["country"].values)) == ["CHN", "MEX", "USA", "CAN", "JPN"]
    e = icio_like.exports.reshape(len(COUNTRIES), 2, len(COUNTRIES))
    mex = [COUNTRIES.index(c) for c in ("MEX", "MX1", "MX2")]
    outside = [j for j in range(len(COUNTRIES)) if j not in mex]
    np.testing.assert_allclose(
        out["exports"].sel(country="MEX").sum().item(), e[np.ix_(mex, [0], outside)].sum()
    )
    x = icio_like.x.reshape(len(COUNTRIES), 2)[mex]
    np.testing.assert_allclose(out["output_share"].sel(country="MEX"), x[:, 0].sum() / x.sum())


def test_aggregate_naming_a_part_warns_that_methods_merge_it(icio_like):
    """aggregate(t, {"P": ["MX1"]}) carries MEX on as MEX, P, MX2: decompose then merges
    the user's region P into MEX, where it was silently gone from the results."""
    with pytest.warns(UserWarning, match="carried on as MEX, P, MX2: methods merge P"):
        a = gd.aggregate(icio_like, {"P": ["MX1"]})
    assert a.default_groups["MEX"] == ["MEX", "P", "MX2"]
    r = gd.decompose(a, "wwz")
    assert "P" not in set(map(str, r["exporter"].values))


def test_ict_slice_of_a_table_warns_its_findings_once(icio_like):
    """The merge inside ict_slice builds a new table: its balance findings (here negative
    value added in CN1's first industry) were warned when the table was built."""
    from gvcdecomp import ict
    from gvcdecomp.table import BalanceWarning

    Z = icio_like.Z.copy()
    Z[:, 2] *= 40  # CN1 s0 buys more inputs than it produces
    with pytest.warns(BalanceWarning, match="negative value added"):
        t = gd.IOTable(Z, icio_like.Y, COUNTRIES, icio_like.sectors, icio_like.fd_categories,
                       year=2011, source="icio-like, negative value added")  # fmt: skip
    t.default_groups = split_groups(t)
    ict.USER_GROUPS[("first", None)] = (t.sectors[0],)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", BalanceWarning)
            out = gd.ict_slice(t, "first")
    finally:
        del ict.USER_GROUPS[("first", None)]
    assert "CN1" not in set(map(str, out["country"].values))
