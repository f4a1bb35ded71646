"""decompose's exporter=, importer= and sector= filters (issue #15 §4).

A filtered result must equal the unfiltered result's ``.sel`` with the codes in
the order given; methods that compute only the asked part (WWZ, Leontief) to
round-off, the others (selected afterwards) bit for bit.
"""

import re

import numpy as np
import pytest
import xarray as xr
from conftest import random_table, stored_output_table

import gvcdecomp as gd
from gvcdecomp.methods.bm import APPROACHES, LEVELS

GROUPS = {"EU": ["C0", "C3"]}  # regions: EU, C1, C2, C4

#: (method, options) for every method and option that shapes the result.
CONFIGS = (
    [("wwz", {}), ("kww", {})]
    + [
        ("bm", {"approach": a, "perspective": p, "level": lv})
        for a in APPROACHES
        for p in LEVELS
        for lv in LEVELS[p]
    ]
    + [("bm", {"approach": "sink", "perspective": "world"})]
    + [("leontief", {"post": p}) for p in ("exports", "final", "output")]
)
#: Methods that compute only the asked part (to round-off); the others select afterwards.
NATIVE = {"wwz", "leontief"}


def country_dim(ds):
    return "exporter" if "exporter" in ds.dims else "country"


def filter_sets(full):
    """Filters to try on a result: each dimension it has alone, then all together.
    Codes out of the result's order; a single code given as a str."""
    regions, sets = [str(c) for c in full[country_dim(full)].values], []
    if country_dim(full) in full.dims:
        sets.append({"exporter": [regions[-1], regions[0]]})
    if "sector" in full.dims:
        sets.append({"sector": [str(full.sector.values[-1]), str(full.sector.values[0])]})
    if "importer" in full.dims:
        sets.append({"importer": str(full.importer.values[1])})
    if len(sets) > 1:
        sets.append({k: v for s in sets for k, v in s.items()})
    return sets


def selection(full, filters):
    """What the filters must give: ``.sel`` with lists (a single code keeps its dimension)."""
    dims = {"exporter": country_dim(full), "importer": "importer", "sector": "sector"}
    return full.sel({dims[k]: [v] if isinstance(v, str) else v for k, v in filters.items()})


def assert_selected(got, want, exact):
    assert dict(got.sizes) == dict(want.sizes)
    for d in want.dims:  # the codes, in the order asked
        assert list(got[d].values) == list(want[d].values), d
    assert set(got.data_vars) == set(want.data_vars)
    scale = max(float(np.abs(want[v].values).max(initial=0)) for v in want.data_vars) or 1.0
    for v in want.data_vars:
        a, b = got[v].transpose(*want[v].dims).values, want[v].values
        if exact:
            np.testing.assert_array_equal(a, b, err_msg=v)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * scale, err_msg=v)


@pytest.mark.parametrize("method,options", CONFIGS, ids=lambda c: str(c))
@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "groups"])
def test_filtered_equals_selected(method, options, groups):
    t = random_table(5, 3, seed=4)
    full = gd.decompose(t, method, groups=groups, **options)
    sets = filter_sets(full)
    assert sets, "every result has a dimension to filter"
    for filters in sets:
        fresh = random_table(5, 3, seed=4)  # nothing cached by the full run (dense B, blocks)
        got = gd.decompose(fresh, method, groups=groups, **options, **filters)
        assert_selected(got, selection(full, filters), exact=method not in NATIVE)
        for k, v in filters.items():
            codes = [v] if isinstance(v, str) else [str(c) for c in v]
            assert got.attrs[f"option_{k}"] == str(codes)


@pytest.mark.parametrize("groups", [None, GROUPS], ids=["countries", "groups"])
def test_every_exporter_in_another_order(groups):
    """All exporters, reordered: WWZ's full-size path with its columns permuted."""
    t = random_table(5, 3, seed=5)
    full = gd.decompose(t, "wwz", groups=groups)
    order = list(full.exporter.values)[::-1]
    got = gd.decompose(random_table(5, 3, seed=5), "wwz", groups=groups, exporter=order)
    assert_selected(got, full.sel(exporter=order), exact=False)


@pytest.mark.parametrize("method", ["wwz", "kww"])
def test_stored_output_gap_of_the_selection(method):
    """With published output the terms leave a gap; a filter keeps each exporter's,
    and ``gap_world`` is the total over what is kept."""
    t = stored_output_table(4, 3, seed=2)
    with pytest.warns(gd.BalanceWarning):
        full = gd.decompose(t, method)
    with pytest.warns(gd.BalanceWarning):
        got = gd.decompose(stored_output_table(4, 3, seed=2), method, exporter=["C2", "C1"])
    want = full.sel(exporter=["C2", "C1"])
    assert np.abs(want["gap"].values).max() > 1e-6  # a real gap, not round-off
    assert_selected(got, want, exact=method == "kww")
    assert got.attrs["gap_world"] == pytest.approx(float(want["gap"].sum()), rel=1e-12)


@pytest.mark.parametrize("groups", [None, {"AB": ["C0", "C2"]}], ids=["countries", "groups"])
def test_what_is_computed(groups):
    """Few exporters of many rows: WWZ forms no diagonal block of B and Leontief
    no dense B (solves instead), and solves so also when they are built: a call's
    numbers do not depend on what earlier calls cached."""
    t = random_table(3, 12, seed=3)
    ex = "C1"
    wwz = gd.decompose(t, "wwz", groups=groups, exporter=ex)
    leo = gd.decompose(t, "leontief", groups=groups, exporter=ex, sector=["s7", "s2"])
    assert "Bd" not in t.core.regions(groups).__dict__ and "B" not in t.core.engine.__dict__
    full = random_table(3, 12, seed=3)
    full_wwz = gd.decompose(full, "wwz", groups=groups)
    full_leo = gd.decompose(full, "leontief", groups=groups)
    assert_selected(wwz, full_wwz.sel(exporter=[ex]), exact=False)
    assert_selected(leo, full_leo.sel(exporter=[ex], sector=["s7", "s2"]), exact=False)
    # on the table whose blocks and B are built: the very bits of the uncached calls
    again = gd.decompose(full, "leontief", groups=groups, exporter=ex, sector=["s7", "s2"])
    xr.testing.assert_identical(again, leo)
    xr.testing.assert_identical(gd.decompose(full, "wwz", groups=groups, exporter=ex), wwz)


def test_leontief_columns_of_B():
    """va_origin for one exporter: v_j B_ji f_i from a plain inverse of I - A."""
    t = random_table(4, 3, seed=1)
    got = gd.decompose(t, "leontief", exporter="C2", sector=["s2", "s0"])
    A = t.Z / t.x
    B = np.linalg.inv(np.eye(t.n) - A)
    v = 1 - A.sum(axis=0)
    cols = [2 * 3 + 2, 2 * 3 + 0]
    E = (t.Zc + t.Yc).copy()
    E[np.arange(t.n), np.repeat(np.arange(4), 3)] = 0
    want = (v[:, None] * B[:, cols] * E.sum(axis=1)[cols]).reshape(4, 3, 1, 2)
    np.testing.assert_allclose(got["va_origin"].values, want, rtol=1e-10)


def test_panel_and_list_of_methods():
    tables = {y: random_table(4, 2, seed=y - 2000) for y in (2001, 2002)}
    panel = gd.Panel(list(tables), tables.__getitem__, "random")
    specs = ["wwz", ("bm", {"perspective": "bilateral"}), "leontief"]
    full = gd.decompose(panel, specs, progress=False)
    got = gd.decompose(panel, specs, exporter=["C3", "C1"], importer="C0", progress=False)
    assert list(got) == list(full)
    for label in full:
        filters = {"exporter": ["C3", "C1"]}
        if "importer" in full[label].dims:
            filters["importer"] = "C0"
        assert list(got[label].year.values) == [2001, 2002]
        assert_selected(got[label], selection(full[label], filters), exact=label == "bm")
    # leontief post="final" has no importer: the list refuses the filter, named, before any load
    calls = []
    counting = gd.Panel([2001], lambda y: calls.append(y) or tables[y], "random")
    with pytest.raises(gd.OptionError, match="leontief: importer= does not apply"):
        gd.decompose(counting, ["wwz", ("leontief", {"post": "final"})], importer="C0")
    assert calls == []
    # given with the methods it applies to, it applies to those alone
    only = [("wwz", {"importer": "C0"}), "kww"]
    got = gd.decompose(panel, only, exporter="C3", progress=False)
    assert got["wwz"].sizes["importer"] == 1 and got["wwz"].sizes["exporter"] == 1
    assert list(got["kww"].exporter.values) == ["C3"]


def test_dask_path():
    distributed = pytest.importorskip("distributed")
    tables = {y: random_table(4, 2, seed=y - 2000) for y in (2001, 2002)}
    panel = gd.Panel(list(tables), tables.__getitem__, "random")
    specs = ["wwz", "kww", ("leontief", {"post": "output"})]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster:
        with distributed.Client(cluster) as client:
            remote = gd.decompose(panel, specs, client=client, exporter="C2", progress=False)
    local = gd.decompose(panel, specs, exporter="C2", progress=False)
    for label in local:
        assert_selected(remote[label], local[label], exact=False)
        assert list(remote[label][country_dim(remote[label])].values) == ["C2"]


# -- errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "method,filters,fragment",
    [
        ("wwz", {"exporter": "XX"}, "exporter='XX': unknown country 'XX'; the result has C0, C1"),
        ("wwz", {"importer": ["C1", "ZZ"]}, "importer='ZZ': unknown country 'ZZ'"),
        ("kww", {"exporter": ["C0", "EU"]}, "unknown country 'EU'"),
        ("leontief", {"sector": "c9"}, "sector='c9': unknown sector 'c9'; the result has s0, s1"),
        ("wwz", {"exporter": "EU27"}, "built-in country group: pass groups='EU27'"),
    ],
)
def test_unknown_codes(method, filters, fragment):
    t = random_table(4, 3)
    with pytest.raises(gd.UnknownLabelError, match=re.escape(fragment)):
        gd.decompose(t, method, **filters)
    assert "core" not in t.__dict__  # refused before the factorisation


def test_codes_of_groups():
    """With groups, exporters and importers are the regions: a member is not one."""
    t = random_table(5, 3)
    message = "unknown country or group 'C0'; the result has EU"
    with pytest.raises(gd.UnknownLabelError, match=message):
        gd.decompose(t, "wwz", groups=GROUPS, exporter="C0")
    assert list(gd.decompose(t, "kww", groups=GROUPS, exporter="EU").exporter.values) == ["EU"]


@pytest.mark.parametrize(
    "method,options,filters,fragment",
    [
        ("kww", {}, {"importer": "C1"}, "kww: importer= does not apply.*dimensions: exporter"),
        ("kww", {}, {"sector": "s1"}, "kww: sector= does not apply"),
        ("bm", {}, {"sector": "s1"}, "bm: sector= does not apply"),
        ("bm", {"perspective": "sector"}, {"importer": "C1"}, "bm: importer= does not apply"),
        ("bm", {"approach": "sink", "perspective": "world"}, {"sector": "s1"}, "bm: sector="),
        ("leontief", {"post": "output"}, {"importer": "C1"}, "leontief: importer= does not apply"),
    ],
)
def test_filter_without_its_dimension(method, options, filters, fragment):
    t = random_table(4, 3)
    with pytest.raises(gd.OptionError, match=fragment):
        gd.decompose(t, method, **options, **filters)
    assert "core" not in t.__dict__


@pytest.mark.parametrize(
    "value,fragment",
    [
        ([], "non-empty"),
        (["C1", "C1"], "'C1' more than once"),
        (3, "a code or a list"),
        ([1], "str codes"),
    ],
)
def test_malformed_filters(value, fragment):
    with pytest.raises(gd.OptionError, match=fragment):
        gd.decompose(random_table(4, 3), "wwz", exporter=value)


def test_none_is_no_filter_and_arrays_are_lists():
    t = random_table(4, 3)
    assert gd.decompose(t, "kww", exporter=None).sizes["exporter"] == 4
    got = gd.decompose(t, "kww", exporter=np.array(["C2", "C0"]))
    assert list(got.exporter.values) == ["C2", "C0"]
    assert got.attrs["option_exporter"] == "['C2', 'C0']"


# -- real data ---------------------------------------------------------------------------
def test_wiod2013_2011(wiod2013_dir):
    """WWZ and Leontief with filters on WIOD 2013, 2011, against the full results'
    selections; and the study's headline share (README) from a one-exporter run."""
    import warnings

    warnings.simplefilter("ignore", gd.BalanceWarning)
    t = gd.load_wiod2013(2011, path=wiod2013_dir)
    filters = {"exporter": ["USA", "JPN"], "sector": "c14"}
    full = gd.decompose(t, "wwz")
    got = gd.decompose(gd.load_wiod2013(2011, path=wiod2013_dir), "wwz", **filters)
    assert_selected(got, selection(full, filters), exact=False)
    share = gd.wwz_summary(got.sum("importer")).DVA_absorbed_abroad_share.sel(sector="c14")
    assert [round(float(s), 3) for s in share.values] == [0.805, 0.822]
    del full, got

    eu = gd.decompose(t, "wwz", groups="EU27")
    fresh = gd.load_wiod2013(2011, path=wiod2013_dir)
    got = gd.decompose(fresh, "wwz", groups="EU27", exporter="EU27")
    assert_selected(got, eu.sel(exporter=["EU27"]), exact=False)
    del eu, got

    full = gd.decompose(t, "leontief")
    got = gd.decompose(gd.load_wiod2013(2011, path=wiod2013_dir), "leontief", exporter="USA")
    assert_selected(got, full.sel(exporter=["USA"]), exact=False)


# -- found by attack (sets, members of regions, panels, kww's gap warning) ---------------
@pytest.mark.parametrize("value", [{"C2", "C0"}, frozenset({"C2", "C0"})])
def test_a_set_has_no_order_to_keep(value):
    """Results keep the order given; a set's order changes with the hash seed."""
    with pytest.raises(gd.OptionError, match=r"exporter= keeps the codes in the order given"):
        gd.decompose(random_table(4, 3), "kww", exporter=value)


def test_a_zero_dimensional_array_is_a_code():
    got = gd.decompose(random_table(4, 3), "kww", exporter=np.array("C2"))
    assert list(got.exporter.values) == ["C2"] and got.attrs["option_exporter"] == "['C2']"


def test_a_member_of_a_region_is_named_with_its_region():
    """With groups (given, or the table's defaults) a member is not a code: the
    message says which region holds it."""
    t = random_table(5, 3)
    with pytest.raises(gd.UnknownLabelError, match="'C3' is a member of region 'EU'"):
        gd.decompose(t, "wwz", groups=GROUPS, importer="C3")
    t.default_groups = {"C0": ["C0", "C1"]}  # as ICIO's CHN = CHN + CN1 + CN2
    with pytest.raises(gd.UnknownLabelError, match="'C1' is a member of region 'C0'.*groups=None"):
        gd.decompose(t, "kww", exporter="C1")
    assert list(gd.decompose(t, "kww", groups=None, exporter="C1").exporter.values) == ["C1"]


def test_a_code_in_another_case_is_named():
    """Stata's icio takes exporter(usa); codes here are matched as written."""
    with pytest.raises(gd.UnknownLabelError, match="codes are case-sensitive: 'C1'"):
        gd.decompose(random_table(4, 3), "wwz", importer="c1")


@pytest.mark.parametrize("dask", [False, True], ids=["in-process", "dask"])
def test_a_code_missing_in_one_year_of_a_panel_names_the_year(dask):
    tables = {}
    for year in (2001, 2002):
        t = random_table(3, 2, seed=year - 2000)
        names = ["AAA", "BBB", "CCC" if year == 2001 else "DDD"]
        tables[year] = gd.IOTable(t.Z, t.Y, names, t.sectors, t.fd_categories)
    panel = gd.Panel(list(tables), tables.__getitem__, "toy")
    message = "^toy 2002: exporter='CCC': unknown country"
    if not dask:
        with pytest.raises(gd.UnknownLabelError, match=message):
            gd.decompose(panel, "kww", exporter="CCC", progress=False)
        return
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True) as cluster:
        with distributed.Client(cluster) as client:
            with pytest.raises(gd.UnknownLabelError, match=message):
                gd.decompose(panel, "kww", exporter="CCC", client=client, progress=False)


def test_kww_gap_warning_speaks_of_the_exporters_kept():
    """With published output KWW's BalanceWarning names the worst exporter and the
    world total: of the exporters kept, as WWZ's does (and as ``gap_world``)."""
    with pytest.warns(gd.BalanceWarning) as caught:
        full = gd.decompose(stored_output_table(4, 3, seed=2), "kww")
    share = np.abs(full["gap"].values) / full["gexp"].values
    worst, least = (str(full.exporter.values[i]) for i in (share.argmax(), share.argmin()))
    assert f"of {worst}'s gross exports" in str(caught[-1].message)
    with pytest.warns(gd.BalanceWarning) as caught:
        got = gd.decompose(stored_output_table(4, 3, seed=2), "kww", exporter=least)
    message = str(caught[-1].message)
    assert f"of {least}'s gross exports" in message and "1 exporter(s)" in message
    assert f"world total {got.attrs['gap_world']:.6g}" in message
    assert got.attrs["gap_world"] == float(full["gap"].sel(exporter=least))


def test_wwz_gap_warning_with_sector_says_its_base():
    """With sector= the share in WWZ's BalanceWarning is of the asked sectors'
    exports, not of the exporter's gross exports, and the message says so."""
    with pytest.warns(gd.BalanceWarning) as caught:
        got = gd.decompose(stored_output_table(4, 3, seed=2), "wwz", exporter="C3", sector="s1")
    share = abs(float(got["gap"].sum())) / float(np.abs(got["gexp"]).sum())
    assert f"{share:.3%} of C3's exports in the sectors asked" in str(caught[-1].message)


def test_ict_slice_of_a_sector_filtered_result_drops_the_group_share():
    """DVA_group_share divides by the exporter's DVA over all sectors, which a
    sector= result lacks: it was 1.0 (WIOD 2013, 2011, USA c14: 0.123); named as dropped."""
    base = random_table(3, 35, seed=1)
    sectors = [f"c{i}" for i in range(1, 36)]  # WIOD 2013's codes: ICT manufacturing is c14
    t = gd.IOTable(base.Z, base.Y, base.countries, sectors, base.fd_categories)
    full = gd.ict_slice(gd.decompose(t, "wwz", exporter="C1"), "ICT manufacturing")
    assert 0 < float(full["DVA_group_share"].values[0]) < 0.5
    got = gd.ict_slice(gd.decompose(t, "wwz", exporter="C1", sector="c14"), "ICT manufacturing")
    assert "DVA_group_share" not in got and "DVA_group_share" in got.attrs["dropped"]
    for v in ("DVA_absorbed_abroad_share", "DVA_importer_share"):
        xr.testing.assert_allclose(got[v], full[v], rtol=1e-12)


def test_methods_called_directly_take_one_code_as_a_string():
    # decompose passes lists; a method called directly with one code must not read
    # the string as a list of letter codes, nor drop the dimension
    from gvcdecomp.methods.kww import kww
    from gvcdecomp.methods.wwz import wwz

    t = random_table(3, 2, seed=2)
    xr.testing.assert_identical(kww(t, exporter="C1"), kww(t, exporter=["C1"]))
    xr.testing.assert_identical(wwz(t, exporter="C1", sector="s1"), wwz(t, exporter=["C1"], sector=["s1"]))
