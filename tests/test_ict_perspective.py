"""ict_slice on Borin–Mancini results whose terms do not add up over sectors.

Under perspective "sector" each industry of an exporter is its own perimeter, so
the sum of the industries' dva is not the dva of the group of industries as one
perimeter (nor the exporter's): only gexp, dc and fc may be summed. The reference
is a plain numpy computation of the extraction inverses.
"""

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import ict

from conftest import random_table

G, N = 3, 4
GROUP = ("s1", "s2")


@pytest.fixture(autouse=True)
def pair_group(monkeypatch):
    monkeypatch.setattr(ict, "USER_GROUPS", {("pair", None): GROUP})


@pytest.fixture(scope="module")
def table():
    return random_table(G, N, K=2, seed=3)


def dense(t):
    """A, v, bilateral gross exports e (n, G) and the country of each row."""
    Z, Y = t.Z, t.Y.sum(axis=2)  # (n, n), (n, G)
    x = Z.sum(axis=1) + Y.sum(axis=1)
    A = Z / x
    v = 1 - A.sum(axis=0)
    owner = np.repeat(np.arange(G), N)
    e = (A * x).reshape(G * N, G, N).sum(axis=2) + Y
    e[np.arange(G * N), owner] = 0.0  # a country's sales to itself are not exports
    return A, v, e, owner


def source_dva(t, s, omega):
    """Source-based dva of the perimeter Ω of export flows of country s, given as
    (row, importer) pairs (Borin–Mancini): Σ_{(i,r)∈Ω} (V_s B^Ω_{s,i}) e_{i,r}, with
    B^Ω = (I - A + A_Ω)⁻¹ and A_Ω the coefficients of Ω's rows and importers' columns."""
    A, v, e, owner = dense(t)
    A_omega = np.zeros_like(A)
    for i, r in omega:
        A_omega[i, owner == r] = A[i, owner == r]
    B = np.linalg.inv(np.eye(len(A)) - A + A_omega)
    own = owner == s
    return sum((v[own] @ B[own, i]) * e[i, r] for i, r in omega)


def perimeter(t, s, codes, importers=None):
    """Export flows of the industries ``codes`` of s to ``importers`` (default: all)."""
    rows = [s * N + list(t.sectors).index(c) for c in codes]
    rs = [r for r in range(G) if r != s] if importers is None else importers
    return [(i, r) for i in rows for r in rs]


@pytest.mark.parametrize("perspective", ["sector", "sectoral-bilateral"])
def test_sector_perimeter_terms_are_not_summed(table, perspective):
    r = gd.decompose(table, "bm", approach="source", perspective=perspective)
    s, name = 1, table.countries[1]
    others = [k for k in range(G) if k != s]
    # the reference agrees with the method perimeter by perimeter ...
    if perspective == "sector":
        each = {c: [perimeter(table, s, [c])] for c in table.sectors}
        got = r["dva"].sel(exporter=name).values
    else:
        each = {c: [perimeter(table, s, [c], [k]) for k in others] for c in table.sectors}
        got = r["dva"].sel(exporter=name, importer=[table.countries[k] for k in others]).values
    ref = np.array([[source_dva(table, s, om) for om in each[c]] for c in table.sectors])
    np.testing.assert_allclose(got.reshape(ref.shape), ref, rtol=1e-10)
    # ... and the group of industries as one perimeter is not the sum of its
    # perimeters, which is what ict_slice used to return as the group's dva
    summed = sum(ref[table.sectors.index(c)].sum() for c in GROUP)
    as_one = source_dva(table, s, perimeter(table, s, GROUP))
    assert abs(summed - as_one) > 1e-4 * abs(as_one)
    # nor is the exporter's (all its industries as one perimeter) the sum of all
    assert abs(ref.sum() - source_dva(table, s, perimeter(table, s, table.sectors))) > 1e-4

    out = gd.ict_slice(r, "pair")
    kept = {"gexp", "dc", "fc"} | ({"EXGR_DVASH"} if "importer" in out.dims else set())
    assert set(out.data_vars) == kept
    for term in ("dva", "vax", "ref", "ddc", "fva", "fdc"):
        assert f"{term} (" in out.attrs["dropped"]
    assert f'perspective "{perspective}"' in out.attrs["dropped"]
    # the terms kept are the plain sums of the group's flows
    A, v, e, owner = dense(table)
    rows = [s * N + table.sectors.index(c) for c in GROUP]
    np.testing.assert_allclose(out["gexp"].sel(exporter=name).sum().item(), e[rows].sum())


@pytest.mark.parametrize("perspective", ["exporter", "bilateral"])
def test_perimeters_holding_all_sectors_keep_every_term(table, perspective):
    """Exporter and bilateral perimeters hold all of an exporter's (or pair's)
    industries: their terms add up over sectors, and ict_slice sums them."""
    level = "sector" if perspective == "exporter" else "sectoral-bilateral"
    r = gd.decompose(table, "bm", approach="source", perspective=perspective, level=level)
    out = gd.ict_slice(r, "pair")
    assert {"dva", "ddc", "fva", "fdc", "ref", "vax"} <= set(out.data_vars)
    assert "perspective" not in out.attrs.get("dropped", "")
    s = 2
    if perspective == "exporter":
        got = r["dva"].sel(exporter="C2").sum()
        ref = source_dva(table, s, perimeter(table, s, table.sectors))
    else:
        got = r["dva"].sel(exporter="C2", importer="C0").sum()
        ref = source_dva(table, s, perimeter(table, s, table.sectors, [0]))
    np.testing.assert_allclose(got.item(), ref, rtol=1e-10)


def test_a_ratio_of_such_terms_is_dropped_not_rebuilt_from_them(table):
    r = gd.decompose(table, "bm", approach="source", perspective="sector")
    r["gvcb"] = r["ddc"] + r["fc"]  # as under perspective exporter, here per industry
    r["gvcb_share"] = r["gvcb"] / r["gexp"]
    out = gd.ict_slice(r, "pair")
    assert "gvcb" not in out and "gvcb_share" not in out
    assert "gvcb_share (a ratio of gvcb, which do not add up over sectors)" in out.attrs["dropped"]


def test_years_of_different_perspectives_joined_are_not_summed(table):
    """Years joined along ``year`` keep each year's perspective in one attribute
    ("2000: sector; 2001: exporter"): the sector-perspective year's dva must not be
    summed as if the whole result were under perspective exporter."""
    from gvcdecomp.years import concat_years

    sector = gd.decompose(table, "bm", perspective="sector")
    exporter = gd.decompose(table, "bm", perspective="exporter", level="sector")
    joined = concat_years([sector.drop_vars("year"), exporter.drop_vars("year")], [2000, 2001])
    assert joined.attrs["option_perspective"] == "2000: sector; 2001: exporter"
    out = gd.ict_slice(joined, "pair")
    assert "dva" not in out and "fva" not in out
    assert 'dva (of perspective "2000: sector; 2001: exporter"' in out.attrs["dropped"]
    # gexp adds up under any perspective: both years are the plain sums of the pair's flows
    A, v, e, owner = dense(table)
    rows = [1 * N + table.sectors.index(c) for c in GROUP]
    np.testing.assert_allclose(out["gexp"].sel(exporter="C1").values, [e[rows].sum()] * 2)


def test_nothing_left_to_slice_is_an_option_error(table):
    """Every variable dropped (a sector-perspective dva alone, a VAX ratio without its
    parts) left a Dataset without dimensions, and a KeyError on 'country'."""
    from gvcdecomp.errors import OptionError
    from gvcdecomp.indicators import vax_ratio

    r = gd.decompose(table, "bm", approach="source", perspective="sector")[["dva"]]
    with pytest.raises(OptionError, match='no variable .* dva \\(counted once per perimeter'):
        gd.ict_slice(r, "pair")
    with pytest.raises(OptionError, match="VAX_ratio \\(a ratio whose FFD_DVA, EXGR is not"):
        gd.ict_slice(vax_ratio(table, by="sector").to_dataset(), "pair")


def test_a_world_perspective_result_names_the_sector_level_to_slice(table):
    from gvcdecomp.errors import OptionError

    r = gd.decompose(table, "bm", approach="sink", perspective="world")
    with pytest.raises(OptionError, match="world perspective reports by exporter only"):
        gd.ict_slice(r, "pair")
