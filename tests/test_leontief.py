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


def test_dva_fva_by_partner_and_vby(anytable):
    G, idx, x, A, v, B, blk, vec, Y = blocks(anytable)
    ds = gd.decompose(anytable, "leontief")
    for s in range(G):
        VsBss = vec(v, s) @ blk(B, s, s)
        for r in range(G):
            E = anytable.exports[idx[s], r]
            np.testing.assert_allclose(ds.DVA.values[s, :, r], VsBss * E, rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(ds.FVA.values[s, :, r], (1 - VsBss) * E, rtol=1e-9, atol=1e-12)
    fin = gd.decompose(anytable, "leontief", post="final")
    ref = (np.diag(v) @ B @ anytable.Yc).reshape(anytable.G, anytable.N, anytable.G)
    np.testing.assert_allclose(fin.va_destination.values, ref, rtol=1e-11, atol=1e-12)
    # the value added that final demand calls for ends in some country (Johnson–Noguera)
    np.testing.assert_allclose(fin.va_destination.sum("destination").values.ravel(), v * (B @ anytable.Yc.sum(1)), rtol=1e-10)


def test_groups_make_member_trade_domestic():
    t = random_table(4, 3, seed=2)
    ds = gd.decompose(t, "leontief", groups={"G1": ["C0", "C3"]})
    assert list(ds.exporter.values) == ["G1", "C1", "C2"]
    np.testing.assert_allclose((ds.DVA + ds.FVA).values, ds.gexp.values, rtol=1e-12)
    G, idx, x, A, v, B, blk, vec, Y = blocks(t, [[0, 3], [1], [2]])
    E = (Y(0, 1) + blk(A, 0, 1) @ vec(x, 1))  # group's exports to C1, by member row
    dva = (vec(v, 0) @ blk(B, 0, 0)) * E
    np.testing.assert_allclose(ds.DVA.sel(exporter="G1", importer="C1").values,
                               np.bincount(idx[0] % t.N, weights=dva), rtol=1e-11)
    fin = gd.decompose(t, "leontief", post="final", groups={"G1": ["C0", "C3"]})
    plain = gd.decompose(t, "leontief", post="final")
    np.testing.assert_allclose(
        fin.va_destination.sel(destination="G1").values,
        plain.va_destination.sel(destination=["C0", "C3"]).sum("destination").values, rtol=1e-12)
    np.testing.assert_allclose(fin.va_origin.sum("country").values, plain.va_origin.sum("country").values, rtol=1e-12)
    with pytest.raises(gd.OptionError, match="post must be"):
        gd.decompose(t, "leontief", post="imports")
