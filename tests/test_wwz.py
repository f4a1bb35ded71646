import numpy as np
import pytest
import warnings

from conftest import BAD_GROUPS, random_table, stored_output_table
from reference import wwz_terms

import gvcdecomp as gd
from gvcdecomp.methods.wwz import GROUPS, TERMS


def test_terms_match_plain_transcription(anytable):
    ds = gd.decompose(anytable, "wwz")
    ref = wwz_terms(anytable)
    scale = ref["gexp"].max()
    for k in (*TERMS, "gexp"):
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)


def test_terms_sum_to_bilateral_exports(rtable):
    ds = gd.decompose(rtable, "wwz")
    total = sum(ds[k] for k in TERMS)
    np.testing.assert_allclose(total.values, ds["gexp"].values, rtol=1e-12, atol=1e-12)
    assert (ds["gexp"].values > 0).sum() > 0


def test_zero_output_sector_and_negative_inventories():
    t = random_table(3, 3, seed=7, zero_sector=True, negative_inventory=True)
    ds = gd.decompose(t, "wwz")
    ref = wwz_terms(t)
    for k in TERMS:
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-10, atol=1e-12, err_msg=k)
    assert np.all(ds.sel(exporter="C0", sector="s1").to_array().values == 0)


def test_result_is_labelled_with_table_codes():
    t = random_table(3, 2, seed=4)
    ds = gd.decompose(t, "wwz")
    assert list(ds.exporter.values) == list(t.countries) == list(ds.importer.values)
    assert list(ds.sector.values) == list(t.sectors)
    assert int(ds.year) == t.year and ds.attrs["method"] == "wwz"
    # importer == exporter is not trade
    for c in t.countries:
        assert float(abs(ds.sel(exporter=c, importer=c).to_array()).sum()) == 0.0


def test_summary_groups_partition_exports(rtable):
    sm = gd.wwz_summary(gd.decompose(rtable, "wwz").sum("importer"))
    total = sum(sm[g] for g in GROUPS)
    np.testing.assert_allclose(total.values, sm["gexp"].values, rtol=1e-12)
    np.testing.assert_allclose((sm.PDC - sm.DDC - sm.FDC).values, 0, atol=1e-12)
    share = sm["DVA_absorbed_abroad_share"] + sum(sm[f"{g}_share"] for g in GROUPS if g != "DVA")
    np.testing.assert_allclose(share.values[sm.gexp.values > 0], 1.0, rtol=1e-12)


def test_dva_equals_leontief_domestic_content_minus_double_counting(rtable):
    """DVA + RDV + DDC (domestic content) equals the Leontief DVA = V^s B^ss E^sr."""
    w = gd.decompose(rtable, "wwz")
    lo = gd.decompose(rtable, "leontief")
    dom = sum(w[k] for g in ("DVA", "RDV", "DDC") for k in GROUPS[g])
    np.testing.assert_allclose(dom.values, lo["dc"].values, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("groups", [{"AB": ["C0", "C2"]}, {"X": ["C1"]}, {"P": ["C3", "C0"], "Q": ["C1", "C2"]}])
def test_country_groups_match_plain_transcription(groups):
    t = random_table(4, 3, seed=11)
    ds = gd.decompose(t, "wwz", groups=groups)
    names = list(groups) + [c for c in t.countries if not any(c in m for m in groups.values())]
    assert list(ds.exporter.values) == names
    regions = [[t.country_index(c) for c in groups.get(name, [name])] for name in names]
    ref = wwz_terms(t, regions)
    for k in (*TERMS, "gexp"):
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-10, atol=1e-12, err_msg=k)
    total = sum(ds[k] for k in TERMS)
    np.testing.assert_allclose(total.values, ds.gexp.values, rtol=1e-12, atol=1e-12)


def test_one_country_group_equals_that_country():
    t = random_table(4, 3, seed=5)
    plain = gd.decompose(t, "wwz")
    grouped = gd.decompose(t, "wwz", groups={"C2": ["C2"]}).sel(exporter=plain.exporter, importer=plain.importer)
    for k in (*TERMS, "gexp"):
        np.testing.assert_allclose(grouped[k].values, plain[k].values, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("groups, error, match", BAD_GROUPS)
def test_bad_groups(groups, error, match):
    with pytest.raises(error, match=match):
        gd.decompose(random_table(3, 2), "wwz", groups=groups)


@pytest.mark.parametrize(
    "groups, match",
    [(3, "a group name, a list of names or a dict"), ({"G": 3}, "list of country codes"),
     ({"G": ["C0", "C0"]}, "lists 'C0' twice")],
)  # fmt: skip
def test_malformed_groups(groups, match):
    with pytest.raises(gd.OptionError, match=match):
        gd.decompose(random_table(3, 2), "wwz", groups=groups)


def test_a_list_of_countries_is_not_a_grouping():
    # a list names built-in groups; a country code there is an unknown group
    with pytest.raises(gd.UnknownLabelError, match="unknown country group 'C0'"):
        gd.decompose(random_table(3, 2), "wwz", groups=["C0"])


def test_unknown_option_names_the_accepted_ones():
    with pytest.raises(gd.OptionError, match="unknown option.*foo.*accepted: groups"):
        gd.decompose(random_table(3, 2), "wwz", foo=1)


# -- published gross output (output="stored") ------------------------------------------
def test_stored_output_gap_is_what_the_terms_leave_unexplained():
    t = stored_output_table(4, 3, seed=5)
    ref = wwz_terms(t)
    with pytest.warns(gd.BalanceWarning, match="unexplained") as caught:
        ds = gd.decompose(t, "wwz")
    assert {w.filename for w in caught} == {__file__}  # attributed to the caller's line
    with pytest.warns(gd.BalanceWarning, match="unexplained") as caught:
        gd.methods.kww.kww(t)  # called directly: still the caller's line
    assert {w.filename for w in caught} == {__file__}
    gap = ref["gexp"] - sum(ref[k] for k in TERMS)  # from the plain transcription
    np.testing.assert_allclose(ds["gap"].values, gap, atol=1e-10 * ref["gexp"].max())
    assert abs(gap).max() > 1e-3 * ref["gexp"].max()  # the table really is unbalanced
    assert ds.attrs["gap_world"] == pytest.approx(gap.sum(), rel=1e-9, abs=1e-9)
    sm = gd.wwz_summary(ds.sum("importer"))
    np.testing.assert_allclose(sm["gap"].values, gap.sum(axis=2), atol=1e-10 * ref["gexp"].max())


def test_row_sum_output_has_no_gap_and_no_warning(rtable):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gd.BalanceWarning)
        ds = gd.decompose(rtable, "wwz")
    assert float(abs(ds["gap"]).max()) <= 1e-12 * float(ds["gexp"].max())


def test_wiod2013_2011_stored_output_study_figure(wiod2013_dir):
    """The study's figure under published output, as the WWZ formulas give it
    (computed independently of this package: USA 80.441 %, JPN 82.165 %)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.load_wiod2013(2011, output="stored")
        ds = gd.decompose(t, "wwz").sel(sector="c14", exporter=["USA", "JPN"]).sum("importer")
    dva = sum(ds[k] for k in GROUPS["DVA"]) / ds["gexp"]
    assert 100 * float(dva.sel(exporter="USA")) == pytest.approx(80.441, abs=5e-4)
    assert 100 * float(dva.sel(exporter="JPN")) == pytest.approx(82.165, abs=5e-4)
