"""Koopman–Wang–Wei (2014) country-level decomposition."""

import warnings

import numpy as np
import pytest
from conftest import BAD_GROUPS, EU27, random_table, region_indices, region_names
from numpy.testing import assert_allclose as assert_close
from reference import blocks

import gvcdecomp as gd
from gvcdecomp.methods.kww import TERMS, WWZ_TO_KWW, kww, kww_from_wwz
from gvcdecomp.methods.wwz import GROUPS
from gvcdecomp.methods.wwz import TERMS as WWZ_TERMS


def kww_dense(t, regions=None):
    """KWW (2014) eq. (36), one exporter at a time, from a dense inverse.

    ``regions`` lists the country indices of each region (default: each country
    alone); s, r, t in the formulas are then regions (tests/reference.py::blocks).
    """
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, regions)
    L = [np.linalg.inv(np.eye(len(idx[s])) - blk(A, s, s)) for s in range(G)]
    E = [sum(blk(A, s, r) @ vec(x, r) + Y(s, r) for r in range(G) if r != s) for s in range(G)]

    def V(s):
        return vec(v, s)

    out = {k: np.zeros(G) for k in (*TERMS, "gexp", "VsLssE", "VsBssE", "VS")}
    for s in range(G):
        others = [r for r in range(G) if r != s]
        yexp = sum(Y(s, r) for r in others)
        VtBts = sum(V(q) @ blk(B, q, s) for q in others)
        o = out
        o["DVA_FIN"][s] = V(s) @ blk(B, s, s) @ yexp
        o["DVA_INT"][s] = sum(V(s) @ blk(B, s, r) @ Y(r, r) for r in others)
        o["DVA_INTrex"][s] = sum(
            V(s) @ blk(B, s, r) @ Y(r, q) for r in others for q in range(G) if q not in (s, r)
        )
        o["RDV_FIN"][s] = sum(V(s) @ blk(B, s, r) @ Y(r, s) for r in others)
        o["RDV_INT"][s] = sum(V(s) @ blk(B, s, r) @ blk(A, r, s) @ L[s] @ Y(s, s) for r in others)
        o["DDC"][s] = sum(V(s) @ blk(B, s, r) @ blk(A, r, s) @ L[s] @ E[s] for r in others)
        o["FVA_FIN"][s] = VtBts @ yexp
        o["FVA_INT"][s] = VtBts @ sum(blk(A, s, r) @ L[r] @ Y(r, r) for r in others)
        o["FDC"][s] = VtBts @ sum(blk(A, s, r) @ L[r] @ E[r] for r in others)
        o["gexp"][s] = E[s].sum()
        o["VsLssE"][s] = V(s) @ L[s] @ E[s]
        o["VsBssE"][s] = V(s) @ blk(B, s, s) @ E[s]
        o["VS"][s] = VtBts @ E[s]
    return out


def close(actual, desired, rtol, scale, msg=""):
    """Relative comparison; round-off allowed on zero terms (no third country when G = 2)."""
    assert_close(actual, desired, rtol=rtol, atol=1e-12 * scale, err_msg=msg)


def test_terms_add_up_to_gross_exports(rtable):
    ds = kww(rtable)
    total = sum(ds[k] for k in TERMS)
    assert_close(total.values, ds["gexp"].values, rtol=1e-9)
    exports = rtable.exports.reshape(rtable.G, -1).sum(axis=1)
    assert_close(ds["gexp"].values, exports, rtol=1e-12)
    assert (ds["gexp"].values > 0).all()


def test_terms_match_dense_transcription(anytable):
    ds = kww(anytable)
    ref = kww_dense(anytable)
    for k in (*TERMS, "gexp"):
        close(ds[k].values, ref[k], 1e-10, ref["gexp"].max(), k)
        # every term is exercised (re-exports need a third country)
        assert np.abs(ref[k]).max() > 0 or (k == "DVA_INTrex" and anytable.G == 2), k


def test_first_five_terms_are_VsLssE_and_first_six_VsBssE(rtable):
    ds = kww(rtable)
    ref = kww_dense(rtable)
    assert_close(sum(ds[k] for k in TERMS[:5]).values, ref["VsLssE"], rtol=1e-10)
    assert_close(sum(ds[k] for k in TERMS[:6]).values, ref["VsBssE"], rtol=1e-10)
    # foreign terms 7-9 are Hummels-Ishii-Yi vertical specialisation
    assert_close(sum(ds[k] for k in TERMS[6:]).values, ref["VS"], rtol=1e-10)


def test_value_added_exports_equal_wwz_dva(rtable):
    """KWW terms 1-3 (DVA absorbed abroad) = WWZ terms 1-5, by exporter."""
    k = kww(rtable)
    w = gd.decompose(rtable, "wwz").sum(["sector", "importer"])
    assert_close(
        sum(k[t] for t in TERMS[:3]).values, sum(w[t] for t in GROUPS["DVA"]).values, rtol=1e-10
    )


def test_every_kww_term_is_its_wwz_group(anytable):
    """WWZ (2013) Table E2 holds term by term at the country level."""
    k = kww(anytable)
    w = gd.decompose(anytable, "wwz").sum(["sector", "importer"])
    for term, parts in WWZ_TO_KWW.items():
        close(k[term].values, sum(w[p] for p in parts).values, 1e-10, float(k.gexp.max()), term)
    # the groups of the mapping partition the 16 WWZ terms
    assert sorted(p for ps in WWZ_TO_KWW.values() for p in ps) == sorted(WWZ_TERMS)
    assert tuple(WWZ_TO_KWW) == TERMS


def test_kww_from_wwz(anytable):
    k = kww(anytable)
    w = gd.decompose(anytable, "wwz")
    for agg in (kww_from_wwz(w), kww_from_wwz(w.sum("importer"))):
        assert set(agg.data_vars) == {*TERMS, "gexp", "gap"} and agg["DVA_FIN"].dims == ("exporter",)
        for term in (*TERMS, "gexp", "gap"):
            close(agg[term].values, k[term].values, 1e-10, float(k.gexp.max()), term)


def test_zero_output_sector_and_negative_inventories():
    t = random_table(3, 3, seed=7, zero_sector=True, negative_inventory=True)
    ds = kww(t)
    ref = kww_dense(t)
    for k in (*TERMS, "gexp"):
        assert_close(ds[k].values, ref[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert_close(sum(ds[k] for k in TERMS).values, ds["gexp"].values, rtol=1e-9)


def test_labels_and_provenance():
    t = random_table(3, 2, seed=4)
    ds = kww(t)
    assert list(ds.exporter.values) == list(t.countries)
    assert int(ds.year) == t.year
    assert ds.attrs["method"] == "kww" and "Koopman" in ds.attrs["reference"]


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_wiod2013_2011(wiod2011):
    k = kww(wiod2011)
    assert k.sizes["exporter"] == 41
    assert_close(sum(k[t] for t in TERMS).values, k["gexp"].values, rtol=1e-9)
    w = gd.decompose(wiod2011, "wwz").sum(["sector", "importer"])
    assert_close(
        sum(k[t] for t in TERMS[:3]).values, sum(w[t] for t in GROUPS["DVA"]).values, rtol=1e-9
    )
    for term, parts in WWZ_TO_KWW.items():
        assert_close(k[term].values, sum(w[p] for p in parts).values, rtol=1e-9, err_msg=term)
    # value added exports are most, but not all, of gross exports
    vax = sum(k[t] for t in TERMS[:3]) / k["gexp"]
    assert ((vax > 0.3) & (vax < 1)).all()


# -- country groups ------------------------------------------------------------------

GROUPINGS = [{"AB": ["C0", "C2"]}, {"P": ["C3", "C0"], "Q": ["C1", "C2"]}, {"X": ["C1"]}]


@pytest.mark.parametrize("groups", GROUPINGS)
@pytest.mark.parametrize("shape", [(4, 3, 11), (5, 2, 12)])
def test_country_groups_match_dense_transcription(groups, shape):
    t = random_table(*shape)
    ds = kww(t, groups=groups)
    assert list(ds.exporter.values) == region_names(t, groups)
    ref = kww_dense(t, region_indices(t, groups))
    scale = ref["gexp"].max()
    for k in (*TERMS, "gexp"):
        close(ds[k].values, ref[k], 1e-10, scale, k)
    # identities of KWW (2014) with regions
    assert_close(sum(ds[k] for k in TERMS).values, ds["gexp"].values, rtol=1e-10)
    assert_close(sum(ds[k] for k in TERMS[:5]).values, ref["VsLssE"], rtol=1e-10)
    assert_close(sum(ds[k] for k in TERMS[:6]).values, ref["VsBssE"], rtol=1e-10)
    assert_close(sum(ds[k] for k in TERMS[6:]).values, ref["VS"], rtol=1e-10)
    assert ds.attrs["option_groups"] == str(groups)


@pytest.mark.parametrize("groups", GROUPINGS)
def test_country_groups_equal_wwz_groups(groups):
    """KWW terms 1-3 = WWZ terms 1-5, and Table E2 term by term, with the same regions."""
    t = random_table(4, 3, seed=13)
    k = kww(t, groups=groups)
    w = gd.decompose(t, "wwz", groups=groups)
    ws = w.sum(["sector", "importer"])
    scale = float(k.gexp.max())
    vax = sum(k[x] for x in TERMS[:3]).values
    close(vax, sum(ws[x] for x in GROUPS["DVA"]).values, 1e-10, scale)
    for term, parts in WWZ_TO_KWW.items():
        close(k[term].values, sum(ws[p] for p in parts).values, 1e-10, scale, term)
    agg = kww_from_wwz(w)
    for term in (*TERMS, "gexp"):
        close(agg[term].values, k[term].values, 1e-10, scale, term)


def test_one_country_group_equals_that_country():
    t = random_table(4, 3, seed=5)
    plain = kww(t)
    grouped = kww(t, groups={"C2": ["C2"]})
    assert list(grouped.exporter.values) == ["C2", "C0", "C1", "C3"]
    grouped = grouped.sel(exporter=plain.exporter)
    for k in (*TERMS, "gexp"):
        assert_close(grouped[k].values, plain[k].values, rtol=1e-12, atol=1e-13, err_msg=k)


def test_group_exports_exclude_trade_among_members():
    t = random_table(4, 3, seed=6)
    g = kww(t, groups={"AB": ["C0", "C2"]})
    G, N = t.G, t.N
    E = t.exports.reshape(G, N, G)
    members = [0, 2]
    outside = [1, 3]
    expected = E[members][:, :, outside].sum()
    assert float(g.gexp.sel(exporter="AB")) == pytest.approx(expected, rel=1e-12)
    # less than the members' exports: their trade with each other is now domestic
    assert expected < E[members].sum()


@pytest.mark.parametrize("groups, error, match", BAD_GROUPS)
def test_bad_groups(groups, error, match):
    with pytest.raises(error, match=match):
        kww(random_table(3, 2), groups=groups)


def test_wiod2013_2011_eu27(wiod2011):
    groups = {"EU27": EU27}
    k = kww(wiod2011, groups=groups)
    assert k.sizes["exporter"] == 41 - 27 + 1 and k.exporter.values[0] == "EU27"
    assert_close(sum(k[t] for t in TERMS).values, k["gexp"].values, rtol=1e-9)
    w = gd.decompose(wiod2011, "wwz", groups=groups).sum(["sector", "importer"])
    for term, parts in WWZ_TO_KWW.items():
        assert_close(k[term].values, sum(w[p] for p in parts).values, rtol=1e-9, err_msg=term)
    # the EU's exports are its extra-EU exports, far less than the members' total
    plain = kww(wiod2011)
    assert float(k.gexp.sel(exporter="EU27")) < 0.6 * float(plain.gexp.sel(exporter=EU27).sum())
    # a country outside the group still exports the same (to members or not)
    rest = [c for c in k.exporter.values if c != "EU27"]
    assert_close(k.gexp.sel(exporter=rest).values, plain.gexp.sel(exporter=rest).values, rtol=1e-12)
