"""Value-added trade indicators: TiVA, VAX ratio, vertical specialisation, RCA, shares."""

import warnings

import numpy as np
import pytest
import xarray as xr
from conftest import BAD_GROUPS, EU27, random_table, region_indices, region_names
from numpy.testing import assert_allclose as assert_close
from reference import blocks

import gvcdecomp as gd
from gvcdecomp import indicators as ind
from gvcdecomp.methods.kww import TERMS as KWW_TERMS
from gvcdecomp.methods.kww import kww
from gvcdecomp.methods.wwz import GROUPS

FLOWS = ("EXGR", "EXGR_DVA", "EXGR_FVA", "FFD_DVA", "EXGR_DVAFX", "DDC", "REF")


def dense(t, regions=None):
    """The published formulas, one exporter at a time, from a dense inverse: (G', N) arrays.

    ``regions`` lists the country indices of each region (default: each country
    alone; tests/reference.py::blocks); a region's rows add up by industry.
    """
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, regions)
    N = t.N
    L = [np.linalg.inv(np.eye(len(idx[s])) - blk(A, s, s)) for s in range(G)]
    E = [sum(blk(A, s, r) @ vec(x, r) + Y(s, r) for r in range(G) if r != s) for s in range(G)]

    def V(s):
        return vec(v, s)

    out = {k: np.zeros((G, N)) for k in (*FLOWS, "DV_forward")}
    for s in range(G):
        m = len(idx[s])
        others = [r for r in range(G) if r != s]
        VsBss, VsLss = V(s) @ blk(B, s, s), V(s) @ L[s]
        o = {k: np.zeros(m) for k in out}
        o["EXGR"] = E[s]
        o["EXGR_DVA"] = VsBss * E[s]
        o["EXGR_FVA"] = sum(V(q) @ blk(B, q, s) for q in others) * E[s]
        # Johnson-Noguera: own value added in final demand abroad, by origin sector
        o["FFD_DVA"] = V(s) * sum(blk(B, s, q) @ Y(q, r) for r in others for q in range(G))
        # Daudin-Rifflart-Schweisguth VS1: own value added in other countries' exports
        o["EXGR_DVAFX"] = V(s) * sum(blk(B, s, r) @ E[r] for r in others)
        for r in others:
            Asr = blk(A, s, r)
            third = [q for q in range(G) if q not in (s, r)]
            # WWZ RDV_INT + RDV_FIN + RDV_FIN2
            back = blk(B, r, s) @ Y(s, s) + blk(B, r, r) @ Y(r, s)
            back = back + sum((blk(B, r, q) @ Y(q, s) for q in third), np.zeros(len(idx[r])))
            o["REF"] += VsLss * (Asr @ back)
            # WWZ DDC_FIN + DDC_INT
            o["DDC"] += VsLss * (Asr @ blk(B, r, s) @ sum(Y(s, q) for q in others))
            o["DDC"] += (VsBss - VsLss) * (Asr @ vec(x, r))
        # KWW terms 1-5 with diag(v) in place of V: forward-linked DVA in exports
        dv = blk(B, s, s) @ sum(Y(s, r) for r in others)
        for r in others:
            third = [q for q in range(G) if q not in (s, r)]
            rest = sum((Y(r, q) for q in third), np.zeros(len(idx[r])))
            dv = dv + blk(B, s, r) @ (Y(r, r) + Y(r, s) + rest)
            dv = dv + blk(B, s, r) @ blk(A, r, s) @ L[s] @ Y(s, s)
        o["DV_forward"] = V(s) * dv
        for k, a in o.items():  # a region's rows add up by industry
            out[k][s] = np.bincount(idx[s] % N, weights=a, minlength=N)
    return out


def rca_dense(dv):
    G, N = dv.shape
    rca = np.zeros((G, N))
    for s in range(G):
        for i in range(N):
            rca[s, i] = (dv[s, i] / dv[s].sum()) / (dv[:, i].sum() / dv.sum())
    return rca


def test_tiva_matches_dense_transcription(anytable):
    ref = dense(anytable)
    scale = ref["EXGR"].max()
    ts = ind.tiva(anytable, by="sector")
    te = ind.tiva(anytable)
    for k in FLOWS:
        assert_close(ts[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
        assert_close(te[k].values, ref[k].sum(axis=1), rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    assert_close(te["EXGR_DVASH"].values, ref["EXGR_DVA"].sum(1) / ref["EXGR"].sum(1), rtol=1e-10)
    assert_close(ts["EXGR_FVASH"].values, ref["EXGR_FVA"] / ref["EXGR"], rtol=1e-10)
    assert_close(te["VAX_ratio"].values, ref["FFD_DVA"].sum(1) / ref["EXGR"].sum(1), rtol=1e-10)
    dvafx = ref["EXGR_DVAFX"].sum(1) / ref["EXGR"].sum(1)
    assert_close(te["EXGR_DVAFXSH"].values, dvafx, rtol=1e-10)


def test_tiva_identities(rtable):
    te = ind.tiva(rtable)
    ts = ind.tiva(rtable, by="sector")
    for ds in (te, ts):
        assert_close((ds.EXGR_DVA + ds.EXGR_FVA).values, ds.EXGR.values, rtol=1e-10)
        assert_close((ds.EXGR_DVASH + ds.EXGR_FVASH).values, 1.0, rtol=1e-10)
        for k in ("EXGR_DVASH", "EXGR_FVASH"):
            assert ((ds[k] >= 0) & (ds[k] <= 1)).all(), k
    # domestic content = value added exports + reflected + double counted (KWW terms 1-6)
    assert_close((te.FFD_DVA + te.REF + te.DDC).values, te.EXGR_DVA.values, rtol=1e-10)
    assert (te.VAX_ratio <= te.EXGR_DVASH).all() and (te.VAX_ratio > 0).all()
    for k in FLOWS:  # sector detail adds up to the country
        assert_close(ts[k].sum("sector").values, te[k].values, rtol=1e-10, err_msg=k)
    assert set(te.data_vars) - set(ts.data_vars) == {"VAX_ratio", "EXGR_DVAFXSH"}
    assert list(ts.sector.values) == list(rtable.sectors)
    assert list(te.exporter.values) == list(rtable.countries)


def test_tiva_ddc_and_ref_are_the_decomposition_terms(rtable):
    te, ts = ind.tiva(rtable), ind.tiva(rtable, by="sector")
    k = kww(rtable)
    w = gd.decompose(rtable, "wwz").sum("importer")
    scale = float(te.EXGR.max())
    assert_close(te.DDC.values, k.DDC.values, rtol=1e-10, atol=1e-12 * scale)
    assert_close(te.REF.values, (k.RDV_FIN + k.RDV_INT).values, rtol=1e-10, atol=1e-12 * scale)
    assert_close(te.FFD_DVA.values, sum(k[t] for t in KWW_TERMS[:3]).values, rtol=1e-10)
    for mine, group in (("DDC", "DDC"), ("REF", "RDV")):
        wwz_sum = sum(w[t] for t in GROUPS[group]).values
        assert_close(ts[mine].values, wwz_sum, rtol=1e-10, atol=1e-12 * scale, err_msg=mine)


def test_vax_ratio(rtable):
    ref = dense(rtable)
    r = ind.vax_ratio(rtable)
    assert_close(r.values, ref["FFD_DVA"].sum(1) / ref["EXGR"].sum(1), rtol=1e-10)
    assert r.dims == ("exporter",) and ((r > 0) & (r <= 1)).all()
    world = ref["FFD_DVA"].sum() / ref["EXGR"].sum()
    assert 0 < world <= 1
    te = ind.tiva(rtable)
    assert float(te.FFD_DVA.sum() / te.EXGR.sum()) == pytest.approx(world, rel=1e-10)


def test_vertical_specialisation(rtable):
    ref = dense(rtable)
    vs = ind.vertical_specialisation(rtable)
    assert_close(vs.VS.values, ref["EXGR_FVA"].sum(1), rtol=1e-10)
    assert_close(vs.VS1.values, ref["EXGR_DVAFX"].sum(1), rtol=1e-10)
    assert_close(vs.VS_share.values, ref["EXGR_FVA"].sum(1) / ref["EXGR"].sum(1), rtol=1e-10)
    assert_close(vs.VS1_share.values, ref["EXGR_DVAFX"].sum(1) / ref["EXGR"].sum(1), rtol=1e-10)
    # world totals: every foreign content is some country's VS and another's VS1
    assert float(vs.VS.sum()) == pytest.approx(float(vs.VS1.sum()), rel=1e-10)
    k = kww(rtable)
    assert_close(vs.VS.values, sum(k[t] for t in KWW_TERMS[6:]).values, rtol=1e-10)


def test_shares_agree_across_methods(rtable):
    w = gd.decompose(rtable, "wwz")
    lo = gd.decompose(rtable, "leontief")
    k = kww(rtable)
    by_exp = [
        w.sum(["sector", "importer"]),
        gd.wwz_summary(w.sum(["sector", "importer"])),
        lo[["dc", "fc", "gexp"]].sum(["sector", "importer"]),
        k,
    ]
    d0 = ind.domestic_content_share(k)
    for ds in by_exp:
        assert_close(ind.domestic_content_share(ds).values, d0.values, rtol=1e-10)
        assert_close((ind.domestic_content_share(ds) + ind.foreign_content_share(ds)).values, 1.0, rtol=1e-10)
    assert_close(d0.values, ind.tiva(rtable).EXGR_DVASH.values, rtol=1e-10)
    # bilateral-sector level: WWZ domestic content = Leontief dc, and 0 where nothing is exported
    sw, sl = ind.domestic_content_share(w), ind.domestic_content_share(lo[["dc", "fc", "gexp"]])
    assert_close(sw.values, sl.values, rtol=1e-10, atol=1e-14)
    assert float(abs(sw.sel(exporter="C0", importer="C0")).sum()) == 0.0
    fw = ind.foreign_content_share(w)
    assert ((sw >= 0) & (sw <= 1)).all() and ((fw >= 0) & (fw <= 1)).all()


def test_bad_inputs_raise():
    t = random_table(3, 2, seed=5)
    with pytest.raises(gd.OptionError):
        ind.domestic_content_share(xr.Dataset({"gexp": ("exporter", np.ones(3)), "x": ("exporter", np.ones(3))}))
    with pytest.raises(gd.OptionError):
        ind.foreign_content_share(kww(t).drop_vars("gexp"))
    with pytest.raises(gd.OptionError):
        ind.tiva(t, by="importer")


def test_rca_va(rtable):
    ref = dense(rtable)
    rca = ind.rca_va(rtable)
    assert_close(rca.values, rca_dense(ref["DV_forward"]), rtol=1e-10)
    assert rca.dims == ("exporter", "sector") and (rca > 0).all()
    # the world-share-weighted average of a country's RCA is 1
    dv = ref["DV_forward"]
    assert_close((rca.values * dv.sum(0) / dv.sum()).sum(axis=1), 1.0, rtol=1e-10)
    # forward DV summed over sectors is KWW terms 1-5
    k = kww(rtable)
    assert_close(dv.sum(1), sum(k[t] for t in KWW_TERMS[:5]).values, rtol=1e-10)


def test_zero_output_sector():
    t = random_table(3, 3, seed=7, zero_sector=True, negative_inventory=True)
    ref = dense(t)
    ts = ind.tiva(t, by="sector")
    for k in FLOWS:
        assert_close(ts[k].values, ref[k], rtol=1e-9, atol=1e-12 * ref["EXGR"].max(), err_msg=k)
    assert float(ts.EXGR_DVASH.sel(exporter="C0", sector="s1")) == 0.0  # no exports: share 0
    rca = ind.rca_va(t)
    assert float(rca.sel(exporter="C0", sector="s1")) == 0.0 and np.isfinite(rca.values).all()


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_wiod2013_2011(wiod2011):
    te = ind.tiva(wiod2011)
    ts = ind.tiva(wiod2011, by="sector")
    assert te.sizes["exporter"] == 41 and ts.sizes["sector"] == 35
    assert_close((te.EXGR_DVA + te.EXGR_FVA).values, te.EXGR.values, rtol=1e-9)
    assert_close((te.FFD_DVA + te.REF + te.DDC).values, te.EXGR_DVA.values, rtol=1e-9)
    for k in FLOWS:
        assert_close(ts[k].sum("sector").values, te[k].values, rtol=1e-9, atol=1e-6, err_msg=k)
    assert ((te.EXGR_DVASH > 0) & (te.EXGR_DVASH < 1)).all()
    world_vax = float(te.FFD_DVA.sum() / te.EXGR.sum())
    assert 0.5 < world_vax < 1
    vs = ind.vertical_specialisation(wiod2011)
    assert float(vs.VS.sum()) == pytest.approx(float(vs.VS1.sum()), rel=1e-9)
    assert_close(ind.vax_ratio(wiod2011).values, te.VAX_ratio.values, rtol=1e-12)
    rca = ind.rca_va(wiod2011)
    assert np.isfinite(rca.values).all()
    # a weighted average of 1: every country is above 1 somewhere and below 1 elsewhere
    assert ((rca > 1).any("sector") & (rca < 1).any("sector")).all()


# -- country groups ------------------------------------------------------------------

GROUPINGS = [{"AB": ["C0", "C2"]}, {"P": ["C3", "C0"], "Q": ["C1", "C2"]}]


@pytest.mark.parametrize("groups", GROUPINGS)
@pytest.mark.parametrize("shape", [(4, 3, 11), (5, 2, 12)])
def test_country_groups_match_dense_transcription(groups, shape):
    t = random_table(*shape)
    ref = dense(t, region_indices(t, groups))
    names = region_names(t, groups)
    scale = ref["EXGR"].max()
    ts, te = ind.tiva(t, by="sector", groups=groups), ind.tiva(t, groups=groups)
    assert list(ts.exporter.values) == list(te.exporter.values) == names
    for k in FLOWS:
        assert_close(ts[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
        assert_close(te[k].values, ref[k].sum(axis=1), rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    exgr = ref["EXGR"].sum(1)
    assert_close(te["VAX_ratio"].values, ref["FFD_DVA"].sum(1) / exgr, rtol=1e-10)
    assert_close(ind.vax_ratio(t, groups=groups).values, ref["FFD_DVA"].sum(1) / exgr, rtol=1e-10)
    vs = ind.vertical_specialisation(t, groups=groups)
    assert list(vs.exporter.values) == names
    assert_close(vs.VS.values, ref["EXGR_FVA"].sum(1), rtol=1e-10)
    assert_close(vs.VS1_share.values, ref["EXGR_DVAFX"].sum(1) / exgr, rtol=1e-10)
    rca = ind.rca_va(t, groups=groups)
    assert list(rca.exporter.values) == names
    assert_close(rca.values, rca_dense(ref["DV_forward"]), rtol=1e-10)


@pytest.mark.parametrize("groups", GROUPINGS)
def test_country_groups_identities(groups):
    t = random_table(5, 3, seed=16)
    te, ts = ind.tiva(t, groups=groups), ind.tiva(t, by="sector", groups=groups)
    assert_close((te.EXGR_DVA + te.EXGR_FVA).values, te.EXGR.values, rtol=1e-10)
    assert_close((te.FFD_DVA + te.REF + te.DDC).values, te.EXGR_DVA.values, rtol=1e-10)
    for k in FLOWS:
        assert_close(ts[k].sum("sector").values, te[k].values, rtol=1e-10, err_msg=k)
    vs = ind.vertical_specialisation(t, groups=groups)
    assert float(vs.VS.sum()) == pytest.approx(float(vs.VS1.sum()), rel=1e-10)
    # with the same regions, TiVA's DDC, REF and FFD_DVA are the KWW terms, VS terms 7-9
    k = kww(t, groups=groups)
    scale = float(te.EXGR.max())
    assert_close(te.DDC.values, k.DDC.values, rtol=1e-10, atol=1e-12 * scale)
    assert_close(te.REF.values, (k.RDV_FIN + k.RDV_INT).values, rtol=1e-10, atol=1e-12 * scale)
    assert_close(te.FFD_DVA.values, sum(k[x] for x in KWW_TERMS[:3]).values, rtol=1e-10)
    assert_close(vs.VS.values, sum(k[x] for x in KWW_TERMS[6:]).values, rtol=1e-10)
    w = gd.decompose(t, "wwz", groups=groups).sum("importer")
    for mine, group in (("DDC", "DDC"), ("REF", "RDV")):
        wwz_sum = sum(w[x] for x in GROUPS[group]).values
        assert_close(ts[mine].values, wwz_sum, rtol=1e-10, atol=1e-12 * scale, err_msg=mine)
    assert_close(ind.domestic_content_share(k).values, te.EXGR_DVASH.values, rtol=1e-10)
    assert (ind.rca_va(t, groups=groups) > 0).all()


def test_one_country_group_equals_that_country():
    t = random_table(4, 3, seed=5)
    g = {"C2": ["C2"]}
    pairs = [
        (ind.tiva(t), ind.tiva(t, groups=g)),
        (ind.tiva(t, by="sector"), ind.tiva(t, by="sector", groups=g)),
        (ind.vertical_specialisation(t), ind.vertical_specialisation(t, groups=g)),
        (ind.vax_ratio(t).to_dataset(), ind.vax_ratio(t, groups=g).to_dataset()),
        (ind.rca_va(t).to_dataset(), ind.rca_va(t, groups=g).to_dataset()),
    ]
    for plain, grouped in pairs:
        assert grouped.exporter.values[0] == "C2"
        grouped = grouped.sel(exporter=plain.exporter)
        for k in plain.data_vars:
            assert_close(grouped[k].values, plain[k].values, rtol=1e-12, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("groups, error, match", BAD_GROUPS)
@pytest.mark.parametrize("fn", [ind.tiva, ind.vax_ratio, ind.vertical_specialisation, ind.rca_va])
def test_bad_groups(fn, groups, error, match):
    with pytest.raises(error, match=match):
        fn(random_table(3, 2), groups=groups)


def test_wiod2013_2011_eu27(wiod2011):
    groups = {"EU27": EU27}
    te = ind.tiva(wiod2011, groups=groups)
    ts = ind.tiva(wiod2011, by="sector", groups=groups)
    assert te.sizes["exporter"] == 15 and te.exporter.values[0] == "EU27"
    assert_close((te.EXGR_DVA + te.EXGR_FVA).values, te.EXGR.values, rtol=1e-9)
    assert_close((te.FFD_DVA + te.REF + te.DDC).values, te.EXGR_DVA.values, rtol=1e-9)
    for k in FLOWS:
        assert_close(ts[k].sum("sector").values, te[k].values, rtol=1e-9, atol=1e-6, err_msg=k)
    vs = ind.vertical_specialisation(wiod2011, groups=groups)
    assert float(vs.VS.sum()) == pytest.approx(float(vs.VS1.sum()), rel=1e-9)
    assert_close(ind.vax_ratio(wiod2011, groups=groups).values, te.VAX_ratio.values, rtol=1e-12)
    # the EU as one economy relies less on foreign inputs than its average member
    plain = ind.tiva(wiod2011)
    members = plain.sel(exporter=EU27)
    members_fva_share = float(members.EXGR_FVA.sum() / members.EXGR.sum())
    assert float(te.EXGR_FVASH.sel(exporter="EU27")) < members_fva_share
    assert np.isfinite(ind.rca_va(wiod2011, groups=groups).values).all()
