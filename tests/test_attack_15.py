"""Attacks on issue #15 (one vocabulary, aggregations, panels, new measures), each
checked against a plain numpy transcription or an identity, never the code's own output."""

import numpy as np
import pytest
import xarray as xr
from conftest import random_table

import gvcdecomp as gd
from gvcdecomp.chains import chain_fva, gvc_income
from gvcdecomp.indicators import tiva, va_absorbed


def _dense(t):
    A = t.Z / t.x[None, :]
    B = np.linalg.inv(np.eye(t.n) - A)
    return B, 1.0 - A.sum(axis=0)


@pytest.fixture
def two_sectors():
    gd.ict.register_group("attack15", ["s0", "s1"])
    yield "attack15"
    gd.ict.USER_GROUPS.pop(("attack15", None), None)


# -- one name, one measure -------------------------------------------------------------
def test_ict_slice_of_wwz_summary_does_not_call_absorbed_abroad_share_domestic_content(two_sectors):
    # The summary's DVA is WWZ terms 1-5 (absorbed abroad); EXGR_DVASH is TiVA's
    # domestic content (DVA + RDV + DDC). ict_slice used to label DVA/gexp as EXGR_DVASH.
    t = random_table(4, 3, seed=0)
    s = gd.wwz_summary(gd.decompose(t, "wwz"))
    out = gd.ict_slice(s, two_sectors)
    if "EXGR_DVASH" in out:  # if given at all, it must be domestic content
        sel = s.sel(sector=["s0", "s1"]).sum(["sector", "importer"])
        want = ((sel.DVA + sel.RDV + sel.DDC) / sel.gexp).values
        np.testing.assert_allclose(out["EXGR_DVASH"].values, want, rtol=1e-12)
    sel = s.sel(sector=["s0", "s1"]).sum("sector")
    np.testing.assert_allclose(
        out["DVA_absorbed_abroad_share"].values,
        np.where(sel.gexp > 0, sel.DVA / sel.gexp.where(sel.gexp > 0), 0.0), rtol=1e-12,
    )


def test_ict_slice_names_variables_it_drops_for_want_of_a_sector_dimension(two_sectors):
    t = random_table(4, 3, seed=0)
    out = gd.ict_slice(gvc_income(t, sectors=["s0"]), two_sectors)
    assert "gvc_income_share" in out.attrs["dropped"]
    assert "world_final_output" in out.attrs["dropped"]


# -- a year label and its source ----------------------------------------------------------
@pytest.mark.parametrize(
    "fn", [tiva, gd.upstreamness, lambda d: gvc_income(d, sectors=["s0"]), chain_fva]
)
def test_year_mapping_whose_keys_differ_from_the_tables_years_is_refused(fn):
    # {2001: table of 2000, 2000: table of 2001}: the data were labelled by the
    # tables' years and the source attribute by the keys, so 2000's numbers were
    # said to come from the 2001 file.
    t0, t1 = random_table(3, 2, seed=0), random_table(3, 2, seed=1)  # years 2000, 2001
    with pytest.raises(gd.LabelError, match="year 2001 holds .* year 2000"):
        fn({2001: t0, 2000: t1})
    r = fn({2000: t0, 2001: t1})
    assert r.attrs["source"] == "2000: random seed 0; 2001: random seed 1"


# -- value added in chosen final-demand categories ----------------------------------------
def test_va_absorbed_refuses_a_category_given_twice():
    t = random_table(3, 2, seed=0)
    B, v = _dense(t)
    want = (v[:, None] * (B @ t.Y[:, :, 0])).reshape(t.G, t.N, t.G)
    np.testing.assert_allclose(va_absorbed(t, ["F0"]).va_absorbed.values, want, rtol=1e-12)
    with pytest.raises(gd.OptionError, match="'F0' given twice"):  # was 2 x want
        va_absorbed(t, ["F0", "F0"])


@pytest.mark.parametrize("bad", [None, 0])
def test_va_absorbed_categories_of_the_wrong_type(bad):
    with pytest.raises(gd.OptionError, match="categories must be"):
        va_absorbed(random_table(3, 2, seed=0), bad)


# -- product-chain FVA -----------------------------------------------------------------
def test_chain_fva_refuses_overlapping_regions():
    # C1 in two regions: the last one silently won, so C1's value added in C0's
    # chains counted as within-region or outside by dict order.
    t = random_table(4, 2, seed=0)
    with pytest.raises(gd.OptionError, match="'C1' is in two groups"):
        chain_fva(t, {"A": ["C0", "C1"], "B": ["C1", "C2"]})


@pytest.mark.parametrize(
    "regions, match",
    [({"A": "C0"}, "list of country codes"), ({"A": []}, "no members")],
)
def test_chain_fva_malformed_regions(regions, match):
    with pytest.raises(gd.OptionError, match=match):
        chain_fva(random_table(3, 2, seed=0), regions)


def test_chain_fva_exclude_one_country_as_a_string_and_none():
    # exclude="C2" was read letter by letter ("unknown country 'C'"); None raised TypeError
    t = random_table(3, 2, seed=0)
    r = chain_fva(t, exclude="C2")
    assert np.isnan(r.chain_fva.sel(country="C2")).all()
    assert np.isfinite(r.chain_fva.sel(country=["C0", "C1"])).all()
    B, v = _dense(t)
    y = t.Yc.sum(axis=1)
    own = np.arange(t.n) // t.N
    fva = np.array([(v * B[:, k])[own != own[k]].sum() * y[k] for k in range(t.n)])
    np.testing.assert_allclose(
        chain_fva(t, exclude=None).chain_fva.values.ravel(), fva, rtol=1e-12
    )


@pytest.mark.parametrize("bad", [None, 3])
def test_gvc_income_sectors_of_the_wrong_type(bad):
    with pytest.raises(gd.OptionError, match="sectors must be"):
        gvc_income(random_table(3, 2, seed=0), sectors=bad)


def test_ict_slice_countries_of_the_wrong_type(two_sectors):
    with pytest.raises(gd.OptionError, match="countries must be"):
        gd.ict_slice(tiva(random_table(3, 2, seed=0), by="sector"), two_sectors, countries=3)


def test_gvc_income_matches_a_dense_transcription_with_groups():
    # Timmer et al. (2014): income of country s = Σ_{i∈s} v_i (B y_M)_i
    t = random_table(4, 3, seed=2)
    B, v = _dense(t)
    y = t.Yc.sum(axis=1)
    yM = np.where(np.arange(t.n) % t.N == 1, y, 0.0)
    inc = (v * (B @ yM)).reshape(t.G, t.N)
    r = gvc_income(t, sectors=["s1"], groups={"R": ["C1", "C3"]})
    want = xr.DataArray(inc, dims=("country", "sector"),
                        coords={"country": list(t.countries), "sector": list(t.sectors)})
    np.testing.assert_allclose(
        r.gvc_income.sel(country="R"), want.sel(country=["C1", "C3"]).sum("country"), rtol=1e-12
    )
    np.testing.assert_allclose(r.gvc_income.sel(country="C0"), want.sel(country="C0"), rtol=1e-12)
    assert float(r.gvc_income_share.sum()) == pytest.approx(1.0, abs=1e-12)


# -- WIOD 2013 identities ------------------------------------------------------------------
def test_wiod2013_gvc_income_and_chain_identities(wiod2013_dir):
    t = gd.load_wiod2013(2011)
    manu = [t.sector_index(f"c{i}") for i in range(3, 17)]  # ISIC Rev.3 15-37
    world_manu = t.Yc.sum(axis=1).reshape(t.G, t.N)[:, manu].sum()
    r = gvc_income(t)
    assert float(r.gvc_income.sum()) == pytest.approx(world_manu, rel=1e-10)
    assert float(r.world_final_output) == pytest.approx(world_manu, rel=1e-12)
    c = chain_fva(t, "EU27", exclude="RoW")
    eu = gd.groups.resolve("EU27", t)["EU27"]
    assert "ROM" in eu and len(eu) == 27
    ok = c.sel(country=[k for k in t.countries if k != "RoW"])
    np.testing.assert_allclose(ok.chain_fva_within + ok.chain_fva_outside, ok.chain_fva, rtol=1e-12)
    np.testing.assert_allclose(
        ok.chain_domestic_va + ok.chain_fva, ok.chain_final_output, rtol=1e-9, atol=1e-6
    )
    # a non-EU chain has no within-region FVA; an EU chain's within part is from EU members
    assert float(abs(c.chain_fva_within.sel(country="USA")).max()) == 0.0
    assert float(c.chain_fva_within.sel(country="DEU").sum()) > 0
