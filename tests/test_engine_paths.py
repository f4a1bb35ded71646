"""The engine paths of TiVA (no diagonal blocks), the Borin–Mancini sink totals
(perimeter solves alone) and WWZ (terms formed in place) against the plain
dense transcriptions, on tables whose LU swaps rows, under both output choices."""

import warnings

import numpy as np
import pytest
from conftest import random_table, region_indices
from reference import wwz_terms
from test_bm import dense_bm
from test_engine import pivoting_table
from test_indicators import FLOWS
from test_indicators import dense as dense_tiva

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.methods.bm import bm
from gvcdecomp.methods.wwz import TERMS as WWZ_TERMS


def pivoting_stored_table(G=5, N=3, seed=0) -> IOTable:
    """:func:`pivoting_table` with published output 4 % off the row sums (``output="stored"``)."""
    t = pivoting_table(G, N, seed=seed)
    x = t.x * (1 + np.random.default_rng(seed + 7).uniform(-0.04, 0.04, t.n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        return IOTable(t.Z, t.Y, t.countries, t.sectors, t.fd_categories, x=x, output="stored")


MAKERS = [pivoting_table, pivoting_stored_table]
MAKER_IDS = ["rowsum", "stored"]
GROUPINGS = [None, {"P": ["C3", "C0"]}]
GROUP_IDS = ["countries", "group"]


def _table(make, seed):
    t = make(5, 3, seed=seed)
    assert t.core.engine.pivoted
    return t


@pytest.mark.parametrize("groups", GROUPINGS, ids=GROUP_IDS)
@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
def test_tiva_on_pivoting_tables_matches_dense_transcription(make, groups):
    t = _table(make, seed=3)
    ref = dense_tiva(t, region_indices(t, groups) if groups else None)
    ts = gd.indicators.tiva(t, by="sector", groups=groups)
    scale = ref["EXGR"].max()
    for k in FLOWS:
        np.testing.assert_allclose(ts[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    engine = t.core.engine
    assert not {"B", "A"} & set(vars(engine))
    assert all("Bd" not in vars(R) for R in t.core._regions.values())  # no diagonal blocks


@pytest.mark.parametrize("groups", GROUPINGS, ids=GROUP_IDS)
@pytest.mark.parametrize("make", MAKERS, ids=MAKER_IDS)
@pytest.mark.parametrize(
    "perspective, level",
    [
        ("exporter", "exporter"),
        ("exporter", "sector"),
        ("sector", "sector"),
        ("sector", "sectoral-bilateral"),
    ],
)
def test_bm_sink_on_pivoting_tables_matches_dense_formulas(make, groups, perspective, level):
    t = _table(make, seed=4)
    ds = bm(t, "sink", perspective, level, groups=groups)
    ref = dense_bm(t, "sink", perspective, level, region_indices(t, groups) if groups else None)
    assert set(ds.data_vars) == set(ref)
    scale = float(np.abs(ref["gexp"]).max())
    for k, a in ref.items():
        np.testing.assert_allclose(ds[k].values, a, rtol=1e-9, atol=1e-11 * scale, err_msg=k)
    if level != "sectoral-bilateral":  # totals over importers: solves and diagonal blocks only
        assert not {"B", "A"} & set(vars(t.core.engine))


@pytest.mark.parametrize("groups", GROUPINGS, ids=GROUP_IDS)
def test_wwz_on_pivoting_stored_output_matches_plain_transcription(groups):
    t = _table(pivoting_stored_table, seed=5)
    ref = wwz_terms(t, region_indices(t, groups) if groups else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)  # the gap of stored output
        ds = gd.decompose(t, "wwz", groups=groups)
    scale = np.abs(ref["gexp"]).max()
    for k in (*WWZ_TERMS, "gexp"):
        np.testing.assert_allclose(ds[k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    gap = ref["gexp"] - sum(ref[k] for k in WWZ_TERMS)
    assert np.abs(gap).max() > 1e-6 * scale  # stored output: the terms do not add up
    np.testing.assert_allclose(ds["gap"].values, gap, rtol=1e-9, atol=1e-11 * scale)
    assert not {"B", "A"} & set(vars(t.core.engine))


def test_wwz_holds_no_copies_of_its_region_arrays():
    # With the blocks built, WWZ's peak is its K = 11 (GN, G') output blocks, the
    # (G', GN, K) vectors W and a few (GN, G') arrays: 24.3 of them. The filters'
    # first version kept the solve's indicators and a copy of B^{rr} Y^{rs} alive
    # beside W (27 arrays; 0.33 -> 0.48 GN² above the core at G = 100, N = 20).
    import tracemalloc

    t = random_table(60, 10, seed=1)
    gd.decompose(t, "wwz")  # core, blocks, compiled kernel
    tracemalloc.start()
    try:
        gd.decompose(t, "wwz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / (8 * t.n * 60) < 25.5
