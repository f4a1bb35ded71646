"""A call that forms the dense B reads its solves and blocks from it (core.dense_solves):
which calls do (each method's forms_B), and that the path never depends on what
earlier calls cached, on the order of a list, or on another thread's call."""

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import xarray as xr
from conftest import assert_equal_to_rounding, random_table
from reference import wwz_terms
from test_engine import pivoting_table

import gvcdecomp as gd
from gvcdecomp.core import dense_solves
from gvcdecomp.methods import METHODS, forms_B
from gvcdecomp.methods.bm import APPROACHES, LEVELS, bm
from gvcdecomp.methods.leontief import POSTS, leontief
from gvcdecomp.methods.wwz import TERMS as WWZ_TERMS

BM_OPTIONS = [
    {"approach": a, "perspective": p, "level": lv}
    for a in APPROACHES
    for p, levels in LEVELS.items()
    for lv in (None, *levels)
] + [{"approach": "sink", "perspective": "world"}]
LEONTIEF_OPTIONS = [
    {"post": p, **f} for p in POSTS for f in ({}, {"exporter": ["C1"]}, {"sector": ["s0", "s2"]})
]
CASES = (
    [("wwz", {}), ("wwz", {"exporter": ["C2"]}), ("kww", {})]
    + [("bm", o) for o in BM_OPTIONS]
    + [("leontief", o) for o in LEONTIEF_OPTIONS]
)


def _id(case):
    name, opts = case
    return name + "".join(f"-{v}" for v in opts.values() if v is not None)


@pytest.mark.parametrize("groups", [None, {"AB": ["C0", "C1"]}], ids=["countries", "group"])
@pytest.mark.parametrize("case", CASES, ids=map(_id, CASES))
def test_forms_B_says_exactly_when_a_method_builds_B(case, groups):
    name, opts = case
    t = random_table(G=4, N=3, seed=3)
    if groups and "exporter" in opts:
        opts = {**opts, "exporter": ["AB"]}
    gd.decompose(t, name, groups=groups, **opts)
    built = "B" in vars(t.core.engine)
    assert built == forms_B(METHODS[name], {**opts, "groups": groups}), (name, opts, built)


def test_a_list_does_not_depend_on_what_earlier_calls_cached():
    methods = ["wwz", "kww", ("bm", {"approach": "sink"})]
    want = gd.decompose(random_table(seed=8), methods)
    t = random_table(seed=8)
    gd.decompose(t, "leontief")  # B built and cached on the core: not read by the list
    got = gd.decompose(t, methods)
    for k in want:
        xr.testing.assert_identical(got[k], want[k])
    # and the reverse: blocks cached by a factors-path call are not read by a dense call
    dense = gd.decompose(random_table(seed=8), ["wwz", "leontief"])
    t = random_table(seed=8)
    gd.decompose(t, "wwz", groups={"AB": ["C0", "C1"]})
    gd.decompose(t, "wwz")
    got = gd.decompose(t, ["wwz", "leontief"])
    for k in dense:
        xr.testing.assert_identical(got[k], dense[k])


def test_the_order_of_a_list_does_not_change_its_numbers():
    methods = ["wwz", "kww", "bm", "leontief"]
    want = gd.decompose(random_table(seed=9), methods)
    for order in itertools.islice(itertools.permutations(methods), 1, None, 5):
        got = gd.decompose(random_table(seed=9), list(order))
        for k in methods:
            xr.testing.assert_identical(got[k], want[k])


def test_a_method_called_directly_takes_the_path_decompose_takes():
    t = random_table(seed=4)
    via = gd.decompose(t, "leontief", post="final")
    direct = leontief(random_table(seed=4), "final")  # positional: the decorator binds it
    for k in via.data_vars:
        np.testing.assert_array_equal(direct[k].values, via[k].values)
    via = gd.decompose(t, "bm", approach="sink", perspective="bilateral")
    direct = bm(random_table(seed=4), "sink", "bilateral")
    for k in via.data_vars:
        np.testing.assert_array_equal(direct[k].values, via[k].values)


@pytest.mark.parametrize("groups", [None, {"P": ["C3", "C0"], "Q": ["C1"]}], ids=["countries", "groups"])
@pytest.mark.parametrize("seed", [0, 2])
def test_wwz_read_from_B_matches_the_transcription_on_pivoting_tables(seed, groups):
    # pivoting: the factors' path finds the blocks' rows through the permutation;
    # read from B they are plain slices
    t = pivoting_table(5, 3, seed=seed)
    assert t.core.engine.pivoted
    idx = None
    if groups:
        from conftest import region_indices

        idx = region_indices(t, groups)
    ref = wwz_terms(t, idx)
    out = gd.decompose(t, ["wwz", "leontief"], groups=groups)
    assert "B" in vars(t.core.engine)
    scale = np.abs(ref["gexp"]).max()
    for k in (*WWZ_TERMS, "gexp"):
        np.testing.assert_allclose(out["wwz"][k].values, ref[k], rtol=1e-10, atol=1e-12 * scale, err_msg=k)
    assert_equal_to_rounding(out["wwz"], gd.decompose(pivoting_table(5, 3, seed=seed), "wwz", groups=groups))


def test_another_threads_call_keeps_its_own_path():
    want = gd.decompose(random_table(seed=5), "kww")
    t = random_table(seed=5)
    t.core  # shared by both threads

    def dense_call():
        with dense_solves():
            return gd.decompose(t, ["kww", "leontief"])

    def plain_call():
        return gd.decompose(t, "kww")

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(f) for f in (dense_call, plain_call) * 4]
        results = [f.result() for f in futures]
    for got in results[1::2]:
        xr.testing.assert_identical(got, want)
    for got in results[0::2]:
        assert_equal_to_rounding(got["kww"], want)


@pytest.mark.parametrize("level", [["bilateral"], {"a": 1}, 3])
def test_a_malformed_level_is_bms_own_error(level):
    t = random_table()
    with pytest.raises(gd.OptionError, match="bm: level="):
        gd.decompose(t, "bm", level=level)
    with pytest.raises(gd.OptionError, match="bm: level="):
        gd.decompose(t, ["wwz", ("bm", {"level": level})])
    with pytest.raises(gd.OptionError, match="bm: level="):
        bm(t, level=level)


def test_a_misspelt_option_of_a_direct_call_names_the_method():
    with pytest.raises(TypeError, match=r"bm\(\).*perpsective"):
        bm(random_table(), perpsective="bilateral")


def test_regions_fill_their_caches_from_the_path_they_were_made_for():
    want = gd.decompose(random_table(seed=8), "kww")
    t = random_table(seed=8)
    R = t.core.regions()  # made for the factors' path
    with dense_solves():
        R.vb, R.Bd  # read first inside a dense block
    xr.testing.assert_identical(gd.decompose(t, "kww"), want)


def test_the_cached_A_and_B_cannot_be_changed_through_the_api():
    t = random_table(seed=40)
    want = gd.decompose(random_table(seed=40), ["kww", "leontief"])
    for what in ("A", "B"):
        with pytest.raises(ValueError, match="read-only"):
            gd.model.labelled(t, what).values[0, 0, 0, 0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            getattr(t.core, what)[0, 0] = 1.0
    v = gd.model.labelled(t, "v")
    v.values[:] = 0.0  # a copy: the core's v is untouched
    got = gd.decompose(t, ["kww", "leontief"])
    for k in want:
        xr.testing.assert_identical(got[k], want[k])


def test_the_cores_value_added_and_local_inverses_are_read_only():
    """Every later result of the table reads them: an edit must fail, not change them."""
    t = random_table(seed=41)
    want = gd.decompose(random_table(seed=41), ["wwz", "kww"])
    for a in (t.core.v, t.core.L_local, t.core.regions().L_local[0]):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0.0
    got = gd.decompose(t, ["wwz", "kww"])
    for k in want:
        xr.testing.assert_identical(got[k], want[k])
        got[k]["gexp"] *= 2.0  # results themselves stay the user's to change
