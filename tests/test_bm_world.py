"""Borin–Mancini world perspective (BM 2019's corrected KWW): a dense transcription of
eq. (54), the definition by extraction inverses, identities and the relations with KWW."""

import warnings

import numpy as np
import pytest
from conftest import EU27, random_table, region_indices, region_names, stored_output_table
from reference import blocks
from test_engine import pivoting_table

import gvcdecomp as gd
from gvcdecomp.errors import OptionError
from gvcdecomp.methods.bm import bm
from gvcdecomp.methods.kww import TERMS as KWW_TERMS
from gvcdecomp.table import BalanceWarning

TERMS = ("gexp", "dc", "dva", "vax", "ref", "ddc", "fc", "fva", "fdc")
GROUPS = {"P": ["C3", "C0"]}


def world(t, groups=None):
    return bm(t, "sink", "world", groups=groups)


def _rel(a, b, scale):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) / scale


# -- dense transcriptions ----------------------------------------------------------------


def dense_world(t, regions=None):
    """The nine terms by region from BM (2019): domestic terms of the exporter
    perspective, fva by eq. (54), with dense inverses and explicit sums over regions."""
    G, b, x, A, v, B, blk, vec, Y = blocks(t, regions)
    L = [np.linalg.inv(np.eye(len(b[s])) - blk(A, s, s)) for s in range(G)]

    def others(s):
        return [r for r in range(G) if r != s]

    Yfull = np.zeros((A.shape[0], G))
    for s in range(G):
        for r in range(G):
            Yfull[b[s], r] = Y(s, r)
    out = {k: np.zeros(G) for k in TERMS}
    for s in range(G):
        E = sum(blk(A, s, r) @ vec(x, r) + Y(s, r) for r in others(s))
        Yexp = sum(Y(s, r) for r in others(s))
        vs = vec(v, s)
        fc_coef = sum(vec(v, t_) @ blk(B, t_, s) for t_ in others(s))
        xs = B @ Yfull[:, s]  # x^{(s)}: output that ends up in s
        dc, fc, dva = vs @ blk(B, s, s) @ E, fc_coef @ E, vs @ L[s] @ E
        ref = vs @ L[s] @ sum(blk(A, s, r) @ vec(xs, r) for r in others(s))
        absorbed = Yexp + sum(blk(A, s, r) @ L[r] @ Y(r, r) for r in others(s))
        fva = fc_coef @ absorbed
        for t_ in others(s):  # eq. (54), second part: intermediates sent back to the origin t
            rex = L[t_] @ (sum(Y(t_, k) for k in others(t_))
                           + sum(blk(A, t_, k) @ L[k] @ Y(k, k) for k in others(t_)))  # fmt: skip
            fva += vec(v, t_) @ blk(B, t_, s) @ blk(A, s, t_) @ rex
        row = {"gexp": E.sum(), "dc": dc, "dva": dva, "vax": dva - ref, "ref": ref,
               "ddc": dc - dva, "fc": fc, "fva": fva, "fdc": fc - fva}  # fmt: skip
        for k in TERMS:
            out[k][s] = row[k]
    return out


def extraction_world_fva(t, regions=None):
    """fva from its definition: foreign value added of origin t in s's exports whose
    further path (``B^{(t)}``: a world where only t exports) never crosses a border of
    a country other than t. Also returns, per origin t, t's value added that some
    other country exports at least once: ``V_t B Y u - V_t B^{(t)} Y^{(t)} u``."""
    G, b, x, A, v, B, blk, vec, Y = blocks(t, regions)
    n = A.shape[0]
    Yfull = np.zeros((n, G))
    for s in range(G):
        for r in range(G):
            Yfull[b[s], r] = Y(s, r)
    fva, reexported = np.zeros(G), np.zeros(G)
    for o in range(G):  # origin of the value added
        At, Yt = A.copy(), Yfull.copy()
        for k in range(G):
            if k == o:
                continue
            for r in range(G):
                if r != k:  # k's exports are extracted
                    At[np.ix_(b[k], b[r])] = 0.0
                    Yt[b[k], r] = 0.0
        Bt = np.linalg.inv(np.eye(n) - At)
        z = Bt @ Yt.sum(axis=1)  # output absorbed with no further non-origin border
        vo = vec(v, o)
        reexported[o] = vo @ (B @ Yfull.sum(axis=1))[b[o]] - vo @ z[b[o]]
        for s in range(G):
            if s == o:
                continue
            last = sum(Y(s, r) + blk(A, s, r) @ vec(z, r) for r in range(G) if r != s)
            fva[s] += vo @ blk(B, o, s) @ last
    return fva, reexported


def _check_against_dense(t, groups):
    regions = region_indices(t, groups) if groups else None
    ds = world(t, groups)
    ref = dense_world(t, regions)
    fva, _ = extraction_world_fva(t, regions)
    if groups:
        assert list(ds.exporter.values) == region_names(t, groups)
    scale = float(np.abs(ref["gexp"]).max())
    for k in TERMS:
        assert _rel(ds[k], ref[k], scale) < 1e-12, k
    assert _rel(ds.fva, fva, scale) < 1e-12


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "group"])
@pytest.mark.parametrize(
    "make",
    [lambda: random_table(4, 3, seed=0), lambda: random_table(3, 2, seed=1),
     lambda: random_table(5, 4, seed=2), lambda: stored_output_table(4, 3, seed=3)],
    ids=["G4N3", "G3N2", "G5N4", "stored-output"],
)  # fmt: skip
def test_matches_eq54_and_the_extraction_definition(make, groups):
    t = make()
    if groups and "C3" not in t.countries:
        groups = {"P": ["C2", "C0"]}
    _check_against_dense(t, groups)


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "group"])
@pytest.mark.parametrize("seed", [0, 5])
def test_pivoting_table_matches_dense(seed, groups):
    t = pivoting_table(5, 3, seed=seed)
    assert t.core.engine.pivoted  # the LU swapped rows: the engine's other path
    _check_against_dense(t, groups)


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "group"])
def test_world_fva_counts_each_reexported_item_once(groups):
    """Summed over exporters, fva is the value added of each origin that a country
    other than the origin exports at least once: each such item has one last crossing."""
    t = random_table(4, 3, seed=8)
    regions = region_indices(t, groups) if groups else None
    _, reexported = extraction_world_fva(t, regions)
    ds = world(t, groups)
    assert abs(float(ds.fva.sum()) - reexported.sum()) < 1e-12 * float(ds.gexp.sum())


def test_a_loop_through_the_origin_worked_by_hand():
    """One industry each: A sells 2 to S and 10 of final goods to K, S sells its 5 to A,
    K makes 1 for itself. Value added: A 12 - 5 = 7, S 5 - 2 = 3, K 1. All of S's value
    added leaves A for K: fva(A) = 3. A's own value added, 7, first leaves A as A's
    sales do, 2/12 of it to S: S exports that part at least once (some of it cycles
    A, S, A, S, ...) and it is counted at its last pass, fva(S) = 7 * 2/12 = 7/6,
    though KWW's FVA of S is 0 (S's exports all go to A, which re-exports them)."""
    Z = np.zeros((3, 3))
    Z[0, 1], Z[1, 0] = 2.0, 5.0
    Y = np.zeros((3, 3, 1))
    Y[0, 2, 0], Y[2, 2, 0] = 10.0, 1.0
    t = gd.IOTable(Z, Y, ["A", "S", "K"], ["i"], ["F"])
    ds = world(t)
    np.testing.assert_allclose(ds.fva.values, [3.0, 7 / 6, 0.0], rtol=1e-14, atol=1e-14)
    k = gd.decompose(t, "kww")
    np.testing.assert_allclose((k.FVA_FIN + k.FVA_INT).values, [3.0, 0.0, 0.0], atol=1e-14)


# -- identities and relations -----------------------------------------------------------


def check_identities(ds, tol):
    scale = float(np.abs(ds.gexp).max())
    assert _rel(ds.gexp, ds.dc + ds.fc, scale) < tol
    assert _rel(ds.dc, ds.dva + ds.ddc, scale) < tol
    assert _rel(ds.fc, ds.fva + ds.fdc, scale) < tol
    assert _rel(ds.dva, ds.vax + ds.ref, scale) < tol
    assert _rel(ds.gexp, sum(ds[k] for k in ("dva", "ddc", "fva", "fdc")), scale) < tol
    assert set(ds.data_vars) == set(TERMS) and ds.gexp.dims == ("exporter",)


def check_kww_relations(ds, k, tol):
    """BM (2019): the domestic terms are KWW's; the correction moves foreign value
    added from KWW's FDC to FVA (re-exports by the origin), never the other way where
    final demand is nonnegative (the random tables; WIOD 2013 2011 keeps it too)."""
    scale = float(np.abs(ds.gexp).max())
    assert _rel(ds.gexp, k.gexp, scale) < tol
    assert _rel(ds.dva, sum(k[x] for x in KWW_TERMS[:5]), scale) < tol
    assert _rel(ds.vax, sum(k[x] for x in KWW_TERMS[:3]), scale) < tol
    assert _rel(ds.ref, k.RDV_FIN + k.RDV_INT, scale) < tol
    assert _rel(ds.ddc, k.DDC, scale) < tol
    assert _rel(ds.fc, k.FVA_FIN + k.FVA_INT + k.FDC, scale) < tol
    gain = ds.fva - (k.FVA_FIN + k.FVA_INT)
    assert float(gain.min()) >= -tol * scale and float(gain.max()) > 0  # a strict correction
    assert float((k.FDC - ds.fdc).min()) >= -tol * scale


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "group"])
@pytest.mark.parametrize("seed", [0, 4, 9])
def test_identities_and_kww_relations(seed, groups):
    t = random_table(4, 3, seed=seed)
    ds = world(t, groups)
    check_identities(ds, 1e-12)
    check_kww_relations(ds, gd.decompose(t, "kww", groups=groups), 1e-11)


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "group"])
def test_domestic_terms_are_the_exporter_perspectives(groups):
    """Only the accounting of foreign value added changes; counted once in the world's
    exports, fva is at most the exporter perspective's (once in s's exports)."""
    t = random_table(4, 3, seed=11)
    ds = world(t, groups)
    scale = float(ds.gexp.max())
    for approach in ("source", "sink"):
        ex = bm(t, approach, "exporter", groups=groups)
        for k in ("gexp", "dc", "dva", "vax", "ref", "ddc", "fc"):
            assert _rel(ds[k], ex[k], scale) < 1e-12, (approach, k)
        assert float((ex.fva - ds.fva).min()) >= -1e-12 * scale


def test_decompose_runs_the_world_perspective():
    t = random_table(3, 2, seed=2)
    ds = gd.decompose(t, "bm", approach="sink", perspective="world")
    assert ds.attrs["option_perspective"] == "world" and ds.attrs["option_level"] == "exporter"
    np.testing.assert_array_equal(ds.fva.values, world(t).fva.values)
    for name, var in ds.data_vars.items():  # described from the glossary
        assert {"long_name", "units", "description"} <= set(var.attrs), name


# -- options (the bad ones: tests/test_bm.py::test_bad_options) ----------------------------


def test_default_approach_is_refused_through_decompose():
    """decompose passes no approach: bm's default, "source", is named with what to pass."""
    with pytest.raises(OptionError, match="pass approach='sink'.*default .* is 'source'"):
        gd.decompose(random_table(2, 1), "bm", perspective="world")


# -- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


@pytest.mark.parametrize("groups", [None, {"EU27": EU27}], ids=["countries", "EU27"])
def test_wiod2013_identities_and_kww_relations(wiod2011, groups):
    ds = world(wiod2011, groups)
    check_identities(ds, 1e-9)
    k = gd.decompose(wiod2011, "kww", groups=groups)
    assert float(np.abs(k.gap).max()) < 1e-9 * float(k.gexp.max())  # row-sum output
    check_kww_relations(ds, k, 1e-9)
