"""years.over_years: a Panel or {year: table} gives a year dimension; anything else that is
not a table is a clear gvcdecomp error naming the function, not an AttributeError."""

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import chains, gvc, indicators as ind

from conftest import random_table

FUNCTIONS = [ind.tiva, ind.vax_ratio, ind.rca_va, gvc.kpww_participation, gvc.upstreamness,
             gvc.production_length, chains.gvc_income, chains.chain_fva]  # fmt: skip


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", ["wiod2013", None, 2011, b"t"], ids=repr)
def test_not_a_table_names_the_function_and_the_argument(fn, bad):
    what = rf"{fn.__name__}: expected an IOTable.*got {type(bad).__name__}"
    with pytest.raises(gd.OptionError, match=what):
        fn(bad)


def test_a_bad_year_of_a_mapping_is_named():
    with pytest.raises(gd.OptionError, match=r"tiva: .* for year 2002, got str 'x'"):
        ind.tiva({2001: random_table(seed=1), 2002: "x"})


def test_mapping_of_years_matches_one_call_per_year():
    tables = {2001: random_table(3, 2, seed=1), 2002: random_table(3, 2, seed=2)}
    got = ind.tiva(tables)
    assert list(got["year"].values) == [2001, 2002]
    for y, t in tables.items():  # gross exports by hand: Z and Y rows to other countries
        n, G, N = t.n, t.G, t.N
        E = (t.Z.reshape(n, G, N).sum(2) + t.Y.sum(2)).reshape(G, N, G)
        want = np.array([E[s, :, [r for r in range(G) if r != s]].sum() for s in range(G)])
        np.testing.assert_allclose(got["EXGR"].sel(year=y).values, want, rtol=1e-12)


def test_functions_returning_a_dataarray_stack_years_too():
    tables = {2001: random_table(3, 2, seed=1), 2002: random_table(3, 2, seed=2)}
    got = gvc.upstreamness(tables)
    assert got.dims[0] == "year" and list(got["year"].values) == [2001, 2002]
    for y, t in tables.items():  # upstreamness x̂⁻¹ B x, dense
        A = t.Z / t.x
        want = np.linalg.inv(np.eye(t.n) - A) @ t.x / t.x
        np.testing.assert_allclose(got.sel(year=y).values.ravel(), want, rtol=1e-10)


TABLE_ONLY = [f for f in FUNCTIONS if f is not gvc.kpww_participation]


@pytest.mark.parametrize("fn", TABLE_ONLY, ids=lambda f: f.__name__)
def test_a_result_dataset_is_refused_by_functions_that_read_a_table(fn):
    wwz = gd.decompose(random_table(3, 2, seed=1), "wwz")
    what = rf"{fn.__name__}: expected an IOTable, a Panel.*Dataset"
    with pytest.raises(gd.OptionError, match=what):
        fn(wwz)


def test_kpww_reads_a_wwz_result_as_well_as_a_table():
    t = random_table(3, 2, seed=1)
    got, want = gvc.kpww_participation(gd.decompose(t, "wwz")), gvc.kpww_participation(t)
    np.testing.assert_array_equal(got["kpww_participation"], want["kpww_participation"])


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_an_empty_mapping_of_years_is_named(fn):
    with pytest.raises(gd.OptionError, match=rf"{fn.__name__}: no years"):
        fn({})
