import numpy as np
import pytest
import gvcdecomp as gd

from conftest import random_table
from reference import blocks


@pytest.mark.parametrize("post", ["exports", "final", "output"])
def test_va_origin_matches_plain_formula(anytable, post):
    G, idx, x, A, v, B, blk, vec, Y = blocks(anytable)
    E = anytable.exports.sum(1)
    f = {"exports": E, "final": anytable.Yc.sum(1), "output": x}[post]
    ref = np.diag(v) @ B @ np.diag(f)  # V̂ B f̂, dense on purpose
    ds = gd.decompose(anytable, "leontief", post=post)
    using = "exporter" if post == "exports" else "country"
    got = ds.va_origin.transpose("source_country", "source_sector", using, "sector").values
    np.testing.assert_allclose(got.reshape(anytable.n, anytable.n), ref, rtol=1e-11, atol=1e-12)
    # every unit of f is value added somewhere
    np.testing.assert_allclose(ds.va_origin.sum(["source_country", "source_sector"]).values.ravel(), f, rtol=1e-11)


def test_domestic_and_foreign_content_by_partner_and_vby(anytable):
    G, idx, x, A, v, B, blk, vec, Y = blocks(anytable)
    ds = gd.decompose(anytable, "leontief")
    assert "DVA" not in ds and "FVA" not in ds  # WWZ's names, other measures
    for s in range(G):
        VsBss = vec(v, s) @ blk(B, s, s)
        for r in range(G):
            E = anytable.exports[idx[s], r]
            np.testing.assert_allclose(ds.dc.values[s, :, r], VsBss * E, rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(ds.fc.values[s, :, r], (1 - VsBss) * E, rtol=1e-9, atol=1e-12)
    fin = gd.decompose(anytable, "leontief", post="final")
    ref = (np.diag(v) @ B @ anytable.Yc).reshape(anytable.G, anytable.N, anytable.G)
    np.testing.assert_allclose(fin.va_destination.values, ref, rtol=1e-11, atol=1e-12)
    # the value added that final demand calls for ends in some country (Johnson–Noguera)
    np.testing.assert_allclose(fin.va_destination.sum("destination").values.ravel(), v * (B @ anytable.Yc.sum(1)), rtol=1e-10)


def test_groups_make_member_trade_domestic():
    t = random_table(4, 3, seed=2)
    ds = gd.decompose(t, "leontief", groups={"G1": ["C0", "C3"]})
    assert list(ds.exporter.values) == ["G1", "C1", "C2"]
    np.testing.assert_allclose((ds.dc + ds.fc).values, ds.gexp.values, rtol=1e-12)
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, [[0, 3], [1], [2]])
    E = (Y(0, 1) + blk(A, 0, 1) @ vec(x, 1))  # group's exports to C1, by member row
    dva = (vec(v, 0) @ blk(B, 0, 0)) * E
    np.testing.assert_allclose(ds.dc.sel(exporter="G1", importer="C1").values,
                               np.bincount(idx[0] % t.N, weights=dva), rtol=1e-11)
    fin = gd.decompose(t, "leontief", post="final", groups={"G1": ["C0", "C3"]})
    plain = gd.decompose(t, "leontief", post="final")
    np.testing.assert_allclose(
        fin.va_destination.sel(source_country="C1", destination="G1").values,
        plain.va_destination.sel(source_country="C1", destination=["C0", "C3"])
        .sum("destination").values, rtol=1e-12)
    both = ["source_country", "country"]
    np.testing.assert_allclose(fin.va_origin.sum(both).values, plain.va_origin.sum(both).values,
                               rtol=1e-12)
    with pytest.raises(gd.OptionError, match="post must be"):
        gd.decompose(t, "leontief", post="imports")


# -- groups as sources and destinations, against V̂ B Y summed by hand -----------------------
GROUPS = {"P": ["C3", "C0"], "Q": ["C2"]}  # names: P, Q, then C1


def _by_group(t, M, axis):
    """Rows (axis 0) or columns (axis 1) of a by-country-sector array summed into P, Q, C1."""
    members = [[3, 0], [2], [1]]
    N = t.N
    M = np.moveaxis(M, axis, 0).reshape(t.G, N, *M.shape[:axis], *M.shape[axis + 1:])
    return np.moveaxis(np.stack([M[m].sum(axis=0) for m in members]), (0, 1), (axis, axis + 1))


@pytest.mark.parametrize("shape", [(4, 3), (4, 1)])
def test_groups_as_sources_and_destinations_final(shape):
    t = random_table(*shape, seed=7)
    G, idx, x, A, v, B, blk, vec, Y = blocks(t)
    VBY = np.diag(v) @ B @ t.Y.sum(axis=2)  # (GN, G): source row, destination country
    ds = gd.decompose(t, "leontief", post="final", groups=GROUPS)
    assert list(ds.source_country.values) == list(ds.destination.values) == ["P", "Q", "C1"]
    want = np.stack([VBY[:, [3, 0]].sum(1), VBY[:, 2], VBY[:, 1]], axis=1)  # columns by group
    want = _by_group(t, want, 0)  # rows by group: (G', N, G')
    np.testing.assert_allclose(ds.va_destination.values, want, rtol=1e-11, atol=1e-12)
    # V̂ B Ŷ with rows and using columns summed by group
    VBy = np.diag(v) @ B @ np.diag(t.Y.sum(axis=(1, 2)))
    want4 = _by_group(t, _by_group(t, VBy, 0).reshape(3 * t.N, t.n), 1).reshape(3, t.N, 3, t.N)
    np.testing.assert_allclose(ds.va_origin.values, want4, rtol=1e-11, atol=1e-12)
    # value-added trade between groups adds up to the world's final demand
    assert float(ds.va_destination.sum()) == pytest.approx(t.Y.sum(), rel=1e-11)
    # the same grouping in the indicator of value added absorbed by category
    every = gd.indicators.va_absorbed(t, list(t.fd_categories), groups=GROUPS)["va_absorbed"]
    np.testing.assert_allclose(every.values, want, rtol=1e-11, atol=1e-12)
    one = gd.indicators.va_absorbed(t, t.fd_categories[0], groups=GROUPS)["va_absorbed"]
    Y0 = np.diag(v) @ B @ t.Y[:, :, 0]
    want0 = _by_group(t, np.stack([Y0[:, [3, 0]].sum(1), Y0[:, 2], Y0[:, 1]], axis=1), 0)
    np.testing.assert_allclose(one.values, want0, rtol=1e-11, atol=1e-12)


def test_bilateral_gross_trade_between_groups():
    t = random_table(4, 3, seed=8)
    ds = gd.decompose(t, "leontief", groups=GROUPS)
    gross = t.Z.reshape(t.n, t.G, t.N).sum(axis=2) + t.Y.sum(axis=2)  # (GN, G) by hand
    cols = np.stack([gross[:, [3, 0]].sum(1), gross[:, 2], gross[:, 1]], axis=1)
    want = _by_group(t, cols, 0)
    for g in range(3):
        want[g, :, g] = 0.0  # trade among members is domestic
    np.testing.assert_allclose(ds.gexp.transpose("exporter", "sector", "importer").values, want,
                               rtol=1e-12)
    # P's content in its exports to Q: members' value added domestic, by hand
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, [[3, 0], [2], [1]])
    dom = (vec(v, 0) @ blk(B, 0, 0)) * cols[idx[0], 1]
    np.testing.assert_allclose(ds.dc.sel(exporter="P", importer="Q").values,
                               np.bincount(idx[0] % t.N, weights=dom), rtol=1e-11)


def test_default_groups_merge_every_country_dimension():
    t = random_table(4, 2, seed=9)
    t.default_groups = {"C0": ["C0", "C2"]}  # as ICIO's CHN = CHN + CN1 + CN2
    ds = gd.decompose(t, "leontief", post="final")
    assert list(ds.source_country.values) == list(ds.country.values) == ["C0", "C1", "C3"]
    kept = gd.decompose(t, "leontief", post="final", groups=None)
    np.testing.assert_allclose(
        ds.va_destination.sel(source_country="C0", destination="C0").values,
        kept.va_destination.sel(source_country=["C0", "C2"], destination=["C0", "C2"])
        .sum(["source_country", "destination"]).values, rtol=1e-12)


def test_ict_slice_of_leontief_gets_the_domestic_content_share():
    t = random_table(3, 4, seed=10)
    t = gd.IOTable(t.Z, t.Y, list(t.countries), ["c14", "c1", "c27", "c30"], t.fd_categories)
    G, idx, x, A, v, B, blk, vec, Y = blocks(t)
    ict = [0, 2, 3]  # WIOD 2013's ICT industries c14, c27 and c30 of each country
    dc = np.array([(vec(v, s) @ blk(B, s, s))[ict] @ t.exports[idx[s]][ict].sum(1)
                   for s in range(G)])  # fmt: skip
    gexp = np.array([t.exports[idx[s]][ict].sum() for s in range(G)])
    got = gd.ict_slice(gd.decompose(t, "leontief"), "ICT")
    np.testing.assert_allclose(got["EXGR_DVASH"].values, dc / gexp, rtol=1e-11)
    assert "DVA_absorbed_abroad_share" not in got and "DVA" not in got
