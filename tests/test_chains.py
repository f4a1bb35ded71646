"""New measures against dense transcriptions: GVC income, product-chain FVA, value added
absorbed by final-demand category, sector VAX ratio, the labelled model; WIOD identities."""

import warnings

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import chains, indicators as ind
from gvcdecomp.model import labelled
from gvcdecomp.table import BalanceWarning

from conftest import EU27, random_table


def dense_model(t):
    """A, B, v from Z and the table's own x, written out (no gvcdecomp code)."""
    x = t.x
    A = t.Z / np.where(x > 0, x, 1.0)
    B = np.linalg.inv(np.eye(t.n) - A)
    v = 1.0 - A.sum(axis=0)
    return A, B, v


def test_gvc_income_matches_dense(anytable):
    t = anytable
    _, B, v = dense_model(t)
    products = [0] if t.N == 1 else [0, t.N - 1]
    y = t.Y.sum(axis=(1, 2))
    yM = np.array([y[i] if i % t.N in products else 0.0 for i in range(t.n)])
    want = v * (B @ yM)
    got = chains.gvc_income(t, sectors=[t.sectors[i] for i in products])
    np.testing.assert_allclose(got["gvc_income"].values.ravel(), want, rtol=1e-10, atol=1e-12)
    # every unit of final output is someone's value added: v B = u
    assert float(got["gvc_income"].sum()) == pytest.approx(yM.sum(), rel=1e-10)
    np.testing.assert_allclose(
        got["gvc_income_share"].values, want.reshape(t.G, t.N).sum(1) / yM.sum(), rtol=1e-10
    )


def test_chain_fva_matches_dense(anytable):
    t = anytable
    _, B, v = dense_model(t)
    G, N = t.G, t.N
    regions = {"R": list(t.countries[:2])}
    region = {c: ("R" if c in regions["R"] else c) for c in t.countries}
    y = t.Y.sum(axis=(1, 2))
    got = chains.chain_fva(t, regions=regions)
    for k in range(t.n):
        s = t.countries[k // N]
        part = {"dom": 0.0, "in": 0.0, "out": 0.0}
        for i in range(t.n):
            c = t.countries[i // N]
            key = "dom" if c == s else "in" if region[c] == region[s] else "out"
            part[key] += v[i] * B[i, k] * y[k]
        at = dict(country=s, sector=t.sectors[k % N])
        for name, key in (("chain_domestic_va", "dom"), ("chain_fva_within", "in"),
                          ("chain_fva_outside", "out")):  # fmt: skip
            assert float(got[name].sel(at)) == pytest.approx(part[key], rel=1e-9, abs=1e-9)
    total = got["chain_domestic_va"] + got["chain_fva"]
    np.testing.assert_allclose(total.values, got["chain_final_output"].values, rtol=1e-10)
    # countries outside any region have no within-region FVA
    assert float(abs(got["chain_fva_within"].sel(country=list(t.countries[2:]))).sum()) == 0.0
    ex = chains.chain_fva(t, regions=regions, exclude=[t.countries[-1]])
    assert np.isnan(ex["chain_fva_share"].sel(country=t.countries[-1])).all()


def test_va_absorbed_matches_dense_and_leontief(rtable):
    t = rtable
    _, B, v = dense_model(t)
    k0 = t.fd_categories[0]
    got = ind.va_absorbed(t, k0)
    want = v[:, None] * (B @ t.Y[:, :, 0])
    np.testing.assert_allclose(got["va_absorbed"].values.reshape(t.n, t.G), want, rtol=1e-10)
    every = ind.va_absorbed(t, list(t.fd_categories))["va_absorbed"]
    lf = gd.decompose(t, "leontief", post="final", groups=None)["va_destination"]
    np.testing.assert_allclose(every.values, lf.values, rtol=1e-10)
    with pytest.raises(gd.OptionError, match="categories are F0, F1"):
        ind.va_absorbed(t, "households")


def test_sector_vax_ratio_matches_dense(rtable):
    t = rtable
    _, B, v = dense_model(t)
    G, N = t.G, t.N
    Yc = t.Y.sum(axis=2)
    E = t.exports.reshape(t.n, G).sum(axis=1)
    own = np.arange(t.n) // N
    BY = B @ Yc
    ffd = v * np.array([BY[i].sum() - BY[i, own[i]] for i in range(t.n)])
    got = ind.vax_ratio(t, by="sector")
    want = np.divide(ffd, E, out=np.zeros(t.n), where=E != 0).reshape(G, N)
    np.testing.assert_allclose(got.values, want, rtol=1e-10)
    assert got.dims == ("exporter", "sector")


def test_labelled_model(rtable):
    t = rtable
    A, B, v = dense_model(t)
    shape = (t.G, t.N, t.G, t.N)
    np.testing.assert_allclose(labelled(t, "A").values, A.reshape(shape), rtol=1e-12)
    np.testing.assert_allclose(labelled(t, "B").values, B.reshape(shape), rtol=1e-10)
    np.testing.assert_allclose(labelled(t, "VB").values, (v[:, None] * B).reshape(shape), rtol=1e-10)
    L = labelled(t, "L_local").sel(country="C1").values
    blk = slice(t.N, 2 * t.N)
    np.testing.assert_allclose(L, np.linalg.inv(np.eye(t.N) - A[blk, blk]), rtol=1e-10)
    a = labelled(t, "A").sel(country="C0", sector="s0", using_country="C1", using_sector="s0")
    assert float(a) == pytest.approx(A[0, t.N], rel=1e-12)
    with pytest.raises(gd.OptionError, match="what must be one of"):
        labelled(t, "Leontief")


# -- WIOD 2013 identities -------------------------------------------------------------------
@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_wiod2013_gvc_income_and_chain_fva(wiod2011):
    t = wiod2011
    inc = chains.gvc_income(t)  # manufacturing: c3-c16
    man = [t.sector_index(f"c{i}") for i in range(3, 17)]
    y = t.Y.sum(axis=(1, 2)).reshape(t.G, t.N)[:, man].sum()
    assert float(inc["gvc_income"].sum()) == pytest.approx(y, rel=1e-9)
    assert float(inc["world_final_output"]) == pytest.approx(y, rel=1e-12)
    f = chains.chain_fva(t, regions=["EU27", "NAFTA"], exclude=["RoW"])
    fva = f["chain_fva_within"] + f["chain_fva_outside"]
    np.testing.assert_allclose(fva.values, f["chain_fva"].values, rtol=1e-12)
    # the total FVA of a chain does not depend on the regions; it is 1 - domestic content
    plain = chains.chain_fva(t, exclude=["RoW"])
    np.testing.assert_allclose(plain["chain_fva"].values, f["chain_fva"].values, rtol=1e-9)
    assert float(abs(plain["chain_fva_within"]).sum()) == 0.0
    dom = f["chain_domestic_va"] + f["chain_fva"]
    ok = np.isfinite(dom.values)
    np.testing.assert_allclose(dom.values[ok], f["chain_final_output"].values[ok], rtol=1e-9)
    # the EU's member chains draw within-region FVA, the others none
    eu = f["chain_fva_within"].sel(country=EU27).sum()
    assert float(eu) > 0 and float(f["chain_fva_within"].sel(country=["CHN", "JPN"]).sum()) == 0


# -- the table's default groups (ICIO: CHN = CHN + CN1 + CN2), as in decompose ---------------
def split_table(seed=11):
    """A random table whose China is split in two, with ICIO-style default groups."""
    t = random_table(5, 2, seed=seed)
    t = gd.IOTable(t.Z, t.Y, ["USA", "CAN", "MEX", "CHN", "CN1"], list(t.sectors),
                   t.fd_categories, year=2010)  # fmt: skip
    t.default_groups = {"CHN": ["CHN", "CN1"]}
    return t


def chains_by_hand(t, units, region):
    """chain flows of merged countries ``units`` (lists of country indices), dense."""
    _, B, v = dense_model(t)
    N, y = t.N, t.Y.sum(axis=(1, 2))
    unit_of = {c: u for u, cs in enumerate(units) for c in cs}
    out = {k: np.zeros((len(units), N)) for k in ("y", "dom", "in", "out")}
    for k in range(t.n):
        s = unit_of[k // N]
        out["y"][s, k % N] += y[k]
        for i in range(t.n):
            u = unit_of[i // N]
            key = "dom" if u == s else "in" if region[u] == region[s] else "out"
            out[key][s, k % N] += v[i] * B[i, k] * y[k]
    return out


def test_chain_fva_merges_default_groups_like_decompose():
    t = split_table()
    got = chains.chain_fva(t, regions={"NA": ["USA", "CAN", "MEX"]})
    assert list(got["country"].values) == ["CHN", "USA", "CAN", "MEX"]
    want = chains_by_hand(t, [[3, 4], [0], [1], [2]], ["CHN", "NA", "NA", "NA"])
    for name, key in (("chain_final_output", "y"), ("chain_domestic_va", "dom"),
                      ("chain_fva_within", "in"), ("chain_fva_outside", "out")):  # fmt: skip
        np.testing.assert_allclose(got[name].values, want[key], rtol=1e-10, atol=1e-12)
    # the same country code in decompose: CHN's exporters merged there too
    assert "CN1" not in gd.decompose(t, "leontief")["exporter"].values
    # parts kept on request: China's own value added in CN1's chains is then foreign
    parts = chains.chain_fva(t, regions={"NA": ["USA", "CAN", "MEX"]}, groups=None)
    assert "CN1" in parts["country"].values
    sep = chains_by_hand(t, [[0], [1], [2], [3], [4]], ["NA", "NA", "NA", "CHN", "CN1"])
    np.testing.assert_allclose(parts["chain_fva_outside"].values, sep["out"], rtol=1e-10)
    # merged domestic value added = each part's own + what each part adds to the other's chains
    _, B, v = dense_model(t)
    y, chn, cn1 = t.Y.sum(axis=(1, 2)), slice(6, 8), slice(8, 10)
    cross = (v[chn] @ B[chn, cn1]) * y[cn1] + (v[cn1] @ B[cn1, chn]) * y[chn]
    own = parts["chain_domestic_va"].sel(country=["CHN", "CN1"]).sum("country").values
    np.testing.assert_allclose(got["chain_domestic_va"].sel(country="CHN").values, own + cross,
                               rtol=1e-10)  # fmt: skip


def test_chain_fva_regions_by_name_and_exclusions_with_default_groups():
    t = split_table(seed=12)
    named = chains.chain_fva(t, regions="NAFTA")  # resolve adds CHN as its own region
    want = chains_by_hand(t, [[3, 4], [0], [1], [2]], ["CHN", "NA", "NA", "NA"])
    np.testing.assert_allclose(named["chain_fva_within"].values, want["in"], rtol=1e-10, atol=1e-12)
    ex = chains.chain_fva(t, exclude="CHN")
    assert np.isnan(ex["chain_fva"].sel(country="CHN")).all()
    assert np.isfinite(ex["chain_fva"].sel(country="USA")).all()
    with pytest.raises(gd.OptionError, match="'CN1' is merged into a group"):
        chains.chain_fva(t, exclude=["CN1"])
    with pytest.raises(gd.OptionError, match="'CHN' is in two groups"):
        chains.chain_fva(t, regions={"A": ["CHN", "USA"], "B": ["CN1"]})
    with pytest.raises(gd.UnknownLabelError, match="unknown country 'XXX'"):
        chains.chain_fva(t, regions={"A": ["XXX"]})


def test_gvc_income_merges_default_groups():
    t = split_table(seed=13)
    _, B, v = dense_model(t)
    y = t.Y.sum(axis=(1, 2))
    yM = np.where(np.arange(t.n) % t.N == 0, y, 0.0)
    inc = (v * (B @ yM)).reshape(t.G, t.N)  # USA, CAN, MEX, CHN, CN1
    got = chains.gvc_income(t, sectors=["s0"])
    assert list(got["country"].values) == ["CHN", "USA", "CAN", "MEX"]
    np.testing.assert_allclose(got["gvc_income"].values, np.vstack([inc[3] + inc[4], inc[:3]]),
                               rtol=1e-10)  # fmt: skip
    parts = chains.gvc_income(t, sectors=["s0"], groups=None)
    np.testing.assert_allclose(parts["gvc_income"].values, inc, rtol=1e-10)
    # a group by name keeps the table's default groups that do not overlap it
    na = chains.gvc_income(t, sectors=["s0"], groups="NAFTA")
    assert list(na["country"].values) == ["NAFTA", "CHN"]
    np.testing.assert_allclose(na["gvc_income"].sel(country="NAFTA").values, inc[:3].sum(0),
                               rtol=1e-10)  # fmt: skip
