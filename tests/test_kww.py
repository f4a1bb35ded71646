"""Koopman–Wang–Wei (2014) country-level decomposition."""

import warnings

import numpy as np
from numpy.testing import assert_allclose as assert_close
import pytest

import gvcdecomp as gd
from gvcdecomp.methods.kww import TERMS, WWZ_TO_KWW, kww, kww_from_wwz
from gvcdecomp.methods.wwz import GROUPS, TERMS as WWZ_TERMS

from conftest import random_table


def kww_dense(t):
    """KWW (2014) eq. (36), one country at a time, from a dense inverse."""
    G, N = t.G, t.N
    x = t.Z.sum(axis=1) + t.Y.sum(axis=(1, 2))
    A = np.where(x > 0, t.Z / np.where(x > 0, x, 1.0), 0.0)
    v = 1 - A.sum(axis=0)
    B = np.linalg.inv(np.eye(G * N) - A)
    Yc = t.Y.sum(axis=2)

    def blk(M, s, r):
        return M[s * N : (s + 1) * N, r * N : (r + 1) * N]

    def V(s):
        return v[s * N : (s + 1) * N]

    def Y(s, r):
        return Yc[s * N : (s + 1) * N, r]

    def X(s):
        return x[s * N : (s + 1) * N]

    L = [np.linalg.inv(np.eye(N) - blk(A, s, s)) for s in range(G)]
    E = [sum(blk(A, s, r) @ X(r) + Y(s, r) for r in range(G) if r != s) for s in range(G)]
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


def test_terms_match_dense_transcription(rtable):
    ds = kww(rtable)
    ref = kww_dense(rtable)
    for k in (*TERMS, "gexp"):
        close(ds[k].values, ref[k], 1e-10, ref["gexp"].max(), k)
        # every term is exercised (re-exports need a third country)
        assert np.abs(ref[k]).max() > 0 or (k == "DVA_INTrex" and rtable.G == 2), k


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


def test_every_kww_term_is_its_wwz_group(rtable):
    """WWZ (2013) Table E2 holds term by term at the country level."""
    k = kww(rtable)
    w = gd.decompose(rtable, "wwz").sum(["sector", "importer"])
    for term, parts in WWZ_TO_KWW.items():
        close(k[term].values, sum(w[p] for p in parts).values, 1e-10, float(k.gexp.max()), term)
    # the groups of the mapping partition the 16 WWZ terms
    assert sorted(p for ps in WWZ_TO_KWW.values() for p in ps) == sorted(WWZ_TERMS)
    assert tuple(WWZ_TO_KWW) == TERMS


def test_kww_from_wwz(rtable):
    k = kww(rtable)
    w = gd.decompose(rtable, "wwz")
    for agg in (kww_from_wwz(w), kww_from_wwz(w.sum("importer"))):
        assert set(agg.data_vars) == {*TERMS, "gexp"} and agg["DVA_FIN"].dims == ("exporter",)
        for term in (*TERMS, "gexp"):
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
