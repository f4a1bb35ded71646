"""The factor-once engine: blocks, V B and solves from the LU factors equal a dense
inverse's, with and without row swaps from pivoting, and the methods never form B."""

import warnings

import numpy as np
import pytest
import xarray as xr
from conftest import EU27, SHAPES, random_table, region_indices, stored_output_table
from reference import wwz_terms

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.core import Engine, dense_solves
from gvcdecomp.methods.kww import TERMS as KWW_TERMS
from gvcdecomp.methods.kww import WWZ_TO_KWW
from gvcdecomp.methods.wwz import TERMS as WWZ_TERMS


def pivoting_table(G=4, N=3, seed=0) -> IOTable:
    """:func:`random_table` where the first row sells three times the last sector's
    output to it: A[0, n-1] = 3 > 1 - A[0, 0], so LU of (I - A)ᵀ swaps row 0 with
    row n-1 and the last country's block is found above its first row."""
    t = random_table(G, N, seed=seed)
    Z = t.Z.copy()
    Z[0, -1] = 3.0 * t.x[-1]  # row n-1's sales are unchanged, so x[-1] stays
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)  # negative value added
        return IOTable(Z, t.Y, t.countries, t.sectors, t.fd_categories, source="pivoting")


def dense(t):
    """A, v and B of a table by plain numpy."""
    x = t.x
    A = np.where(x > 0, t.Z / np.where(x > 0, x, 1.0), 0.0)
    return A, 1 - A.sum(axis=0), np.linalg.inv(np.eye(t.n) - A)


def close(actual, desired, rtol=1e-12):
    """Equal to ``rtol`` relative to the largest entry of ``desired``."""
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * np.abs(desired).max())


TABLES = [
    *[pytest.param(lambda p=p: random_table(p[0], p[1], seed=p[2]), id=f"random-G{p[0]}N{p[1]}") for p in SHAPES],
    pytest.param(lambda: stored_output_table(4, 3, seed=5), id="stored"),
    pytest.param(lambda: random_table(3, 3, seed=7, zero_sector=True, negative_inventory=True), id="zero"),
    *[pytest.param(lambda p=p: pivoting_table(p[0], p[1], seed=p[2]), id=f"pivot-G{p[0]}N{p[1]}") for p in SHAPES],
]
GROUPINGS = [None, {"P": ["C1", "C0"]}, {"Q": ["C0"], "R": ["C1"]}]


def test_pivoting_table_swaps_rows_across_blocks():
    t = pivoting_table(4, 3)
    e = t.core.engine
    assert e.pivoted
    last = t.core.regions().rows[-1]
    assert e.perm[last].min() < last.min()  # the fallback case of diag_blocks
    # P w = w[perm] reproduces the factorisation: (I - A)ᵀ = P L U
    L = np.tril(e.lu, -1) + np.eye(t.n)
    U = np.triu(e.lu)
    A, _, _ = dense(t)
    close(np.eye(t.n)[e.perm] @ L @ U, (np.eye(t.n) - A).T)


@pytest.mark.parametrize("groups", GROUPINGS, ids=["countries", "group", "two-groups"])
@pytest.mark.parametrize("make", TABLES)
def test_engine_equals_dense_inverse(make, groups):
    t = make()
    A, v, B = dense(t)
    c = t.core
    R = c.regions(groups if groups is None or t.G > 1 else None)
    rng = np.random.default_rng(1)
    W = rng.uniform(-1, 1, (t.n, 3))
    close(c.v, v)
    close(c.solve(W), B @ W)
    close(c.solve_t(W), B.T @ W)
    close(c.solve(W[:, 0]), B @ W[:, 0])
    close(R.vb, R.indicator(v) @ B)
    close(R.times_blockdiag(W[:, 1]), B @ R.indicator(W[:, 1]).T)
    for g, rows in enumerate(R.rows):
        close(R.Bd[g], B[np.ix_(rows, rows)])
        close(R.L_local[g], np.linalg.inv(np.eye(rows.size) - A[np.ix_(rows, rows)]))
    assert "B" not in vars(c.engine) and "A" not in vars(c.engine)  # neither was formed
    close(c.B, B)  # built on request
    assert np.shares_memory(c.B, vars(c.engine)["B"])  # cached: read-only views of one array


@pytest.mark.parametrize("seed", range(4))
def test_diag_blocks_of_any_row_sets_under_heavy_pivoting(seed):
    # columns with arbitrary negative value added: LU swaps many rows
    rng = np.random.default_rng(seed)
    n = 50
    Z, x = rng.uniform(0, 1, (n, n)), rng.uniform(5, 40, n)
    e = Engine(Z, x, "test")
    assert e.pivoted
    B = np.linalg.inv(np.eye(n) - Z / x)
    order = rng.permutation(n)
    sets = [np.sort(s) for s in np.split(order, [3, 10, 11, 30])]  # scattered rows
    for S, block in zip(sets, e.diag_blocks(sets), strict=True):
        close(block, B[np.ix_(S, S)])
    close(e.solve(np.eye(n)), B)


LARGER = [
    pytest.param(lambda: random_table(9, 37, seed=1), id="random-G9N37"),
    pytest.param(lambda: random_table(2, 260, seed=2), id="random-G2N260"),  # a country > a batch
    pytest.param(lambda: stored_output_table(12, 30, seed=3), id="stored-G12N30"),
    pytest.param(lambda: random_table(12, 30, seed=4, zero_sector=True), id="zero-G12N30"),
    pytest.param(lambda: pivoting_table(9, 37, seed=5), id="pivot-G9N37"),
]


@pytest.mark.parametrize("make", LARGER)
def test_blocks_and_B_of_tables_wider_than_a_batch(make):
    # several DIAG_BATCH batches of block columns, rows moved across them by pivoting
    t = make()
    e, rows = t.core.engine, t.core.regions().rows
    B = dense(t)[2]
    for S, block in zip(rows, e.diag_blocks(rows), strict=True):
        close(block, B[np.ix_(S, S)])
    close(e.B, B)


def test_methods_do_not_depend_on_which_built_B_first(wiod2013_dir):
    # 2008: the LU swaps rows. WWZ and BM solve their blocks whether or not the
    # dense B (which Leontief builds) exists: a call's bits do not depend on others
    def fresh():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gd.BalanceWarning)
            return gd.load_wiod2013(2008)

    t = fresh()
    assert t.core.engine.pivoted
    alone = {m: gd.decompose(fresh(), m) for m in ("wwz", "bm")}
    t.core.B  # noqa: B018
    for m, ds in alone.items():
        xr.testing.assert_identical(gd.decompose(t, m), ds)


@pytest.mark.parametrize("groups", [None, {"P": ["C3", "C0"], "Q": ["C1"]}], ids=["countries", "groups"])
@pytest.mark.parametrize("seed", [0, 2])
def test_wwz_and_kww_on_pivoting_tables_match_plain_transcription(seed, groups):
    t = pivoting_table(5, 3, seed=seed)
    regions = region_indices(t, groups) if groups else None
    ref = wwz_terms(t, regions)
    ds = gd.decompose(t, "wwz", groups=groups)
    scale = np.abs(ref["gexp"]).max()
    for k in (*WWZ_TERMS, "gexp"):
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    k9 = gd.decompose(t, "kww", groups=groups)
    for k in KWW_TERMS:
        want = sum(ref[w] for w in WWZ_TO_KWW[k]).sum(axis=(1, 2))
        np.testing.assert_allclose(k9[k].values, want, rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    assert "B" not in vars(t.core.engine) and "A" not in vars(t.core.engine)


@pytest.mark.parametrize("year", [1995, 2008, 2011])  # 2008: LU swaps rows
def test_wiod2013_terms_equal_the_dense_path(wiod2013_dir, year):
    t = gd.load_wiod2013(year)
    assert t.core.engine.pivoted == (year == 2008)
    eu = {"EU27": [c for c in EU27 if c in t.countries]}
    got = {
        (m, g is not None): gd.decompose(t, m, groups=g)
        for m in ("wwz", "kww") for g in (None, eu)
    }  # fmt: skip
    assert "B" not in vars(t.core.engine)
    t = gd.load_wiod2013(year)  # a fresh table and core
    for (m, grouped), ds in got.items():
        with dense_solves():  # solves and blocks through the dense inverse, as before the engine
            want = gd.decompose(t, m, groups=eu if grouped else None)
        terms = WWZ_TERMS if m == "wwz" else KWW_TERMS
        for k in (*terms, "gexp"):
            close(ds[k].values, want[k].values, rtol=1e-9)


@pytest.mark.parametrize(
    "approach, perspective", [("source", "exporter"), ("source", "sector"), ("sink", "exporter")]
)
@pytest.mark.parametrize("groups", [None, {"P": ["C3", "C0"]}], ids=["countries", "group"])
def test_bm_exporter_and_sector_perimeters_without_B(approach, perspective, groups):
    t = pivoting_table(5, 3, seed=1)
    got = gd.decompose(t, "bm", approach=approach, perspective=perspective, groups=groups)
    assert "B" not in vars(t.core.engine) and "A" not in vars(t.core.engine)
    t = pivoting_table(5, 3, seed=1)
    with dense_solves():
        want = gd.decompose(t, "bm", approach=approach, perspective=perspective, groups=groups)
    for k in want.data_vars:
        close(got[k].values, want[k].values, rtol=1e-10)
