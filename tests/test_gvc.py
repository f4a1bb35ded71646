"""GVC participation, position, length, upstreamness, APL: closed forms, dense transcriptions."""

import warnings

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import gvc
from gvcdecomp.errors import OptionError
from gvcdecomp.table import BalanceWarning

from conftest import random_table
from reference import wwz_terms


# -- small tables with known answers -------------------------------------------------
def chain_table():
    """One country, a -> b -> c: a sells only to b, b only to c, c only to final use."""
    Z = np.zeros((3, 3))
    Z[0, 1], Z[1, 2] = 10.0, 20.0
    Y = np.array([[0.0], [0.0], [30.0]])
    return gd.IOTable(Z, Y, ["X"], ["a", "b", "c"], source="chain")


def autarky_table(seed=0):
    """Two countries that do not trade: block-diagonal Z, domestic final use only."""
    t = random_table(2, 3, seed=seed)
    Z, Y = t.Z.copy(), t.Y.copy()
    Z[:3, 3:] = Z[3:, :3] = 0.0
    Y[:3, 1] = Y[3:, 0] = 0.0
    return gd.IOTable(Z, Y, t.countries, t.sectors, t.fd_categories, source="autarky")


def test_chain_upstreamness_downstreamness_and_apl():
    t = chain_table()
    np.testing.assert_allclose(
        gvc.upstreamness(t).sel(country="X").values, [3.0, 2.0, 1.0], rtol=1e-12
    )
    a_ab, a_bc = 10 / 20, 20 / 30
    # D = u B: c's output embodies b's, which embodies a's
    np.testing.assert_allclose(
        gvc.downstreamness(t).sel(country="X").values,
        [1.0, 1 + a_ab, 1 + a_bc + a_ab * a_bc],
        rtol=1e-12,
    )
    apl = gvc.average_propagation_length(t, full=True).sel(country="X", using_country="X")
    assert apl.sel(sector="a", using_sector="c").item() == pytest.approx(2.0, rel=1e-12)
    assert apl.sel(sector="a", using_sector="b").item() == pytest.approx(1.0, rel=1e-12)
    assert apl.sel(sector="b", using_sector="c").item() == pytest.approx(1.0, rel=1e-12)
    assert np.isnan(apl.sel(sector="c", using_sector="a").item())  # no path downstream -> upstream
    s = gvc.average_propagation_length(t).sel(country="X")
    # from a: one step to b (weight a_ab), two to c (weight a_ab a_bc)
    assert s["APL_forward"].sel(sector="a").item() == pytest.approx(
        (1 + 2 * a_bc) / (1 + a_bc), rel=1e-12
    )
    assert s["APL_backward"].sel(sector="c").item() == pytest.approx(
        (a_bc + 2 * a_ab * a_bc) / (a_bc + a_ab * a_bc), rel=1e-12
    )
    assert np.isnan(s["APL_forward_foreign"].sel(sector="a").item())  # no foreign partner
    pl = gvc.production_length(t, by="sector").sel(country="X")
    np.testing.assert_allclose(pl["PLv"].values, [3.0, 2.0, 1.0], rtol=1e-12)  # PLv = upstreamness


def test_no_trade_means_no_gvc():
    t = autarky_table()
    p = gvc.wwyz_participation(t, by="sector")
    for k in ("V_RT", "V_GVC_S", "V_GVC_C", "Y_RT", "Y_GVC_S", "Y_GVC_C"):
        np.testing.assert_allclose(p[k].values, 0.0, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(p["V_D"].values, p["va_total"].values, rtol=1e-12)
    np.testing.assert_allclose(p["Y_D"].values, p["y"].values, rtol=1e-12)
    for side in ("forward", "backward"):
        np.testing.assert_allclose(p[f"participation_{side}"].values, 0.0, atol=1e-12)
    k = gvc.kpww_participation(t, by="sector")
    assert float(np.abs(k["gexp"]).max()) == 0.0
    np.testing.assert_array_equal(k["kpww_participation"].values, 0.0)
    np.testing.assert_array_equal(k["kpww_position"].values, 0.0)
    pl = gvc.production_length(t)
    assert np.isnan(pl["PLv_GVC"].values).all() and np.isnan(pl["wwyz_position"].values).all()
    assert np.isnan(gvc.average_propagation_length(t)["APL_forward_foreign"].values).all()


def test_one_country_world():
    t = random_table(1, 4, seed=5)
    p = gvc.wwyz_participation(t)
    assert p["participation_forward"].item() == 0.0 and p["participation_backward"].item() == 0.0
    assert p["V_D"].item() == pytest.approx(p["va_total"].item(), rel=1e-12)
    pl = gvc.production_length(t, by="sector")
    np.testing.assert_allclose(pl["PLv"].values, gvc.upstreamness(t).values, rtol=1e-12)
    np.testing.assert_allclose(pl["PLy"].values, gvc.downstreamness(t).values, rtol=1e-12)
    assert gvc.kpww_participation(t)["gexp"].item() == 0.0


# -- dense transcriptions on random tables ----------------------------------------------
def dense(t):
    G, N = t.G, t.N
    n = G * N
    x = t.x  # the table's gross output (row sums or stored)
    A = t.Z / x
    v = 1 - A.sum(axis=0)
    B = np.linalg.inv(np.eye(n) - A)
    own = np.arange(n) // N
    same = own[:, None] == own[None, :]
    AD = np.where(same, A, 0.0)
    AF = A - AD
    L = np.linalg.inv(np.eye(n) - AD)
    Yc = t.Y.sum(axis=2)
    y = Yc.sum(axis=1)
    yD = np.array([Yc[i, own[i]] for i in range(n)])
    return {
        "G": G, "N": N, "n": n, "x": x, "A": A, "AD": AD, "AF": AF, "v": v, "B": B, "L": L,
        "y": y, "yD": yD, "yF": y - yD,
    }  # fmt: skip


@pytest.mark.parametrize("G,N,seed", [(3, 2, 1), (4, 3, 2), (2, 4, 3)])
def test_wwyz_decomposition_matches_dense_matrices(G, N, seed):
    t = random_table(G, N, seed=seed)
    d = dense(t)
    V, Yh, YD, YF = np.diag(d["v"]), np.diag(d["y"]), np.diag(d["yD"]), np.diag(d["yF"])
    L, AF, B = d["L"], d["AF"], d["B"]
    mats = {
        "D": V @ L @ YD,
        "RT": V @ L @ YF,
        "GVC_S": V @ L @ AF @ L @ YD,
        "GVC_C": V @ L @ AF @ (B @ Yh - L @ YD),
    }
    p = gvc.wwyz_participation(t, by="sector")
    for k, M in mats.items():
        np.testing.assert_allclose(
            p[f"V_{k}"].values.ravel(), M.sum(axis=1), rtol=1e-10, atol=1e-10, err_msg=k
        )
        np.testing.assert_allclose(
            p[f"Y_{k}"].values.ravel(), M.sum(axis=0), rtol=1e-10, atol=1e-10, err_msg=k
        )
    total = sum(mats.values())
    np.testing.assert_allclose(total, V @ B @ Yh, rtol=1e-10, atol=1e-10)
    # forward terms add up to value added, backward to final goods output
    np.testing.assert_allclose(total.sum(axis=1), d["v"] * d["x"], rtol=1e-10)
    np.testing.assert_allclose(
        sum(p[f"V_{k}"] for k in mats).values.ravel(), t.value_added, rtol=1e-10
    )
    np.testing.assert_allclose(sum(p[f"Y_{k}"] for k in mats).values.ravel(), d["y"], rtol=1e-10)
    gvc_f = (mats["GVC_S"] + mats["GVC_C"]).sum(axis=1) / (d["v"] * d["x"])
    np.testing.assert_allclose(p["participation_forward"].values.ravel(), gvc_f, rtol=1e-10)
    # country level: flows summed over sectors, then divided
    pc = gvc.wwyz_participation(t)
    Mg = (mats["GVC_S"] + mats["GVC_C"]).sum(axis=0).reshape(G, N).sum(axis=1)
    np.testing.assert_allclose(
        pc["participation_backward"].values, Mg / d["y"].reshape(G, N).sum(axis=1), rtol=1e-10
    )


@pytest.mark.parametrize("G,N,seed", [(3, 2, 1), (4, 3, 4)])
def test_production_length_matches_dense_and_path_counts(G, N, seed):
    t = random_table(G, N, seed=seed)
    d = dense(t)
    V, Yh = np.diag(d["v"]), np.diag(d["y"])
    L, AF, B, A, AD = d["L"], d["AF"], d["B"], d["A"], d["AD"]
    pl = gvc.production_length(t, by="sector")
    VBY = V @ B @ Yh
    np.testing.assert_allclose(
        pl["PLv"].values.ravel(), (V @ B @ B @ Yh).sum(1) / VBY.sum(1), rtol=1e-10
    )
    np.testing.assert_allclose(
        pl["PLy"].values.ravel(), (V @ B @ B @ Yh).sum(0) / VBY.sum(0), rtol=1e-10
    )
    Vgvc = V @ L @ AF @ B @ Yh
    # stages along paths: m domestic links, the border, n further links = m + n + 2 stages
    X = np.zeros_like(A)
    ADm = np.eye(d["n"])
    for m in range(60):
        An = np.eye(d["n"])
        for k in range(60):
            X += (m + k + 2) * ADm @ AF @ An
            An = An @ A
        ADm = ADm @ AD
    Xgvc = V @ X @ Yh
    np.testing.assert_allclose(Xgvc, V @ (L @ L @ AF @ B + L @ AF @ B @ B) @ Yh, rtol=1e-8)
    np.testing.assert_allclose(pl["PLv_GVC"].values.ravel(), Xgvc.sum(1) / Vgvc.sum(1), rtol=1e-8)
    np.testing.assert_allclose(pl["PLy_GVC"].values.ravel(), Xgvc.sum(0) / Vgvc.sum(0), rtol=1e-8)
    np.testing.assert_allclose(
        pl["wwyz_position"].values, (pl["PLv_GVC"] / pl["PLy_GVC"]).values, rtol=1e-12
    )
    assert (pl["PLv_GVC"].values >= 2.0 - 1e-12).all()  # a border crossing takes two stages
    pc = gvc.production_length(t)
    fwd = Xgvc.sum(1).reshape(G, N).sum(1) / Vgvc.sum(1).reshape(G, N).sum(1)
    np.testing.assert_allclose(pc["PLv_GVC"].values, fwd, rtol=1e-8)


def test_upstreamness_solves_its_defining_system(rtable):
    d = dense(rtable)
    Delta = d["A"] * d["x"][None, :] / d["x"][:, None]  # Δ_ij = a_ij x_j / x_i
    U = np.linalg.solve(np.eye(d["n"]) - Delta, np.ones(d["n"]))
    np.testing.assert_allclose(gvc.upstreamness(rtable).values.ravel(), U, rtol=1e-10)
    np.testing.assert_allclose(
        gvc.downstreamness(rtable).values.ravel(), d["B"].sum(axis=0), rtol=1e-10
    )


def test_apl_matches_dense_and_power_series(anytable):
    d = dense(anytable)
    B, n, N = d["B"], d["n"], d["N"]
    H = B @ (B - np.eye(n))
    full = gvc.average_propagation_length(anytable, full=True).values.reshape(n, n)
    np.testing.assert_allclose(full, H / (B - np.eye(n)), rtol=1e-9)
    # APL_ij = Σ k A^k_ij / Σ A^k_ij (k ≥ 1) for one off-diagonal pair
    if n > 1:
        num = den = 0.0
        Ak = np.eye(n)
        for k in range(1, 200):
            Ak = Ak @ d["A"]
            num, den = num + k * Ak[0, n - 1], den + Ak[0, n - 1]
        assert full[0, n - 1] == pytest.approx(num / den, rel=1e-8)
    s = gvc.average_propagation_length(anytable)
    own = np.arange(n) // N
    for i in range(n):
        others = np.arange(n) != i
        dom, fgn = others & (own == own[i]), own != own[i]
        for side, h, b in (("forward", H[i], B[i]), ("backward", H[:, i], B[:, i])):
            for suffix, mask in (("", others), ("_domestic", dom), ("_foreign", fgn)):
                got = s[f"APL_{side}{suffix}"].values.ravel()[i]
                if b[mask].sum() > 0:
                    assert got == pytest.approx(h[mask].sum() / b[mask].sum(), rel=1e-9), (
                        side,
                        suffix,
                        i,
                    )
                else:
                    assert np.isnan(got)


def test_kpww_matches_transcription_and_vertical_specialisation(anytable):
    ref = wwz_terms(anytable)
    t = anytable
    N = t.N
    E = ref["gexp"].sum(axis=2)
    IV = sum(ref[k] for k in ("DVA_INTrexI1", "DVA_INTrexF", "DVA_INTrexI2")).sum(axis=2)
    FV = sum(ref[k] for k in ("OVA_FIN", "MVA_FIN", "OVA_INT", "MVA_INT", "ODC", "MDC")).sum(axis=2)
    if t.output == "rowsum":  # an identity of x = BY, so not of published output
        # FV is the Hummels–Ishii–Yi vertical specialisation (1 - V^s B^{ss}) E^{s*}
        d = dense(t)
        own = np.arange(d["n"]) // N
        dom = np.array(
            [(d["v"][own == own[i]] * d["B"][own == own[i], i]).sum() for i in range(d["n"])]
        )
        np.testing.assert_allclose(FV.ravel(), (1 - dom) * E.ravel(), rtol=1e-9, atol=1e-10)
    k = gvc.kpww_participation(t, by="sector")
    np.testing.assert_allclose(k["IV"].values, IV, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(k["FV"].values, FV, rtol=1e-10, atol=1e-12)
    kc = gvc.kpww_participation(gd.decompose(t, "wwz"))
    iv, fv = IV.sum(1) / E.sum(1), FV.sum(1) / E.sum(1)
    np.testing.assert_allclose(kc["kpww_participation"].values, iv + fv, rtol=1e-10)
    np.testing.assert_allclose(
        kc["kpww_position"].values, np.log(1 + iv) - np.log(1 + fv), rtol=1e-9, atol=1e-12
    )


def test_bm_participation_adds_up(rtable):
    p = gvc.bm_participation(rtable)
    np.testing.assert_allclose((p["gvcb"] + p["gvcf"]).values, p["gvc"].values, rtol=1e-12)
    # backward GVC trade holds all foreign content (KPWW FV) plus domestic double counting
    fv = gvc.kpww_participation(rtable)["FV"].values
    assert (p["gvcb"].values >= fv - 1e-9 * p["gexp"].values.max()).all()
    assert ((p["gvc_share"].values >= 0) & (p["gvc_share"].values <= 1)).all()
    # BM forward GVC trade, V_s L_ss Σ_r A_sr (x_r - L_rr Y_rr), is WWYZ's complex GVC value added
    w = gvc.wwyz_participation(rtable)
    np.testing.assert_allclose(p["gvcf"].values, w["V_GVC_C"].values, rtol=1e-9, atol=1e-9)
    assert gvc.bm_participation(rtable, by="sector")["gvc"].dims == ("exporter", "sector")


def test_bad_options():
    t = gd.tiny_table()
    with pytest.raises(OptionError, match="by must be"):
        gvc.wwyz_participation(t, by="industry")
    with pytest.raises(OptionError, match="WWZ result"):
        gvc.kpww_participation(gd.decompose(t, "leontief"))


# -- WIOD 2013, 2011 ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_wiod2013_indicators(wiod2011):
    t = wiod2011
    for by in ("country", "sector"):
        k = gvc.kpww_participation(t, by=by)
        exporting = k["gexp"].values > 0
        part = k["kpww_participation"].values[exporting]
        assert exporting.sum() > 0.9 * exporting.size
        assert ((part >= 0) & (part <= 1)).all(), by
    p = gvc.wwyz_participation(t, by="sector")
    gvc_f = float((p["V_GVC_S"] + p["V_GVC_C"]).sum())
    gvc_b = float((p["Y_GVC_S"] + p["Y_GVC_C"]).sum())
    assert gvc_f == pytest.approx(gvc_b, rel=1e-9)
    assert 0.05 < gvc_f / float(p["va_total"].sum()) < 0.5  # a sizeable, partial share of world GDP
    pc = gvc.wwyz_participation(t)
    for side in ("forward", "backward"):
        v = pc[f"participation_{side}"].values
        assert ((v >= 0) & (v <= 1)).all(), side
    U = gvc.upstreamness(t).values.ravel()
    producing = t.x > 0
    assert np.isnan(U[~producing]).all()
    assert (U[producing] >= 1 - 1e-12).all()
    assert (gvc.downstreamness(t).values >= 1 - 1e-12).all()
    pl = gvc.production_length(t)
    assert (pl["PLv_GVC"].values > 2).all() and (pl["PLy_GVC"].values > 2).all()
