"""One vocabulary: every returned variable described and in the glossary, distinct names,
option aliases, country groups by name, ratios never summed, Panels in one call."""

from pathlib import Path

from itertools import combinations

import numpy as np
import pytest
import xarray as xr

import gvcdecomp as gd
from gvcdecomp import chains, gvc, groups, ict, indicators as ind
from gvcdecomp.vocabulary import REUSED_CODES, VARIABLES, glossary_markdown, lookup, meanings

from conftest import random_table

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
WIOD = tuple(f"c{i}" for i in range(1, 36))


def wiod_like(seed=0, year=None, countries=("USA", "CAN", "MEX", "CHN")):
    t = random_table(len(countries), 35, seed=seed)
    return gd.IOTable(t.Z, t.Y, list(countries), WIOD, t.fd_categories,
                      year=t.year if year is None else year, source=f"random {seed}")  # fmt: skip


def function_results(t):
    """(function, method, result) for every function and method on the whole table."""
    w = gd.decompose(t, "wwz")
    yield from (("wwz", "wwz", w), ("wwz_summary", "wwz", gd.wwz_summary(w.sum("importer"))))
    yield "kww", "kww", gd.decompose(t, "kww")
    for p in ("exporter", "sector", "bilateral", "sectoral-bilateral"):
        yield f"bm {p}", "bm", gd.decompose(t, "bm", perspective=p, level="sectoral-bilateral")
    for post in ("exports", "final", "output"):
        yield f"leontief {post}", "leontief", gd.decompose(t, "leontief", post=post)
    calls = {
        "tiva": lambda: ind.tiva(t), "tiva by sector": lambda: ind.tiva(t, by="sector"),
        "vertical_specialisation": lambda: ind.vertical_specialisation(t),
        "va_absorbed": lambda: ind.va_absorbed(t, t.fd_categories[0]),
        "chain_fva": lambda: chains.chain_fva(t, {"R": ["USA", "CAN"]}),
        "gvc_income": lambda: chains.gvc_income(t), "wwyz": lambda: gvc.wwyz_participation(t),
        "production_length": lambda: gvc.production_length(t),
        "kpww": lambda: gvc.kpww_participation(t, by="sector"),
        "bm_participation": lambda: gvc.bm_participation(t),
        "apl": lambda: gvc.average_propagation_length(t),
        "smile_curve": lambda: gd.smile_curve(t, "CHN", "c14"),
        "vax_ratio": lambda: ind.vax_ratio(t), "rca_va": lambda: ind.rca_va(t),
        "domestic_content_share": lambda: ind.domestic_content_share(w),
        "foreign_content_share": lambda: ind.foreign_content_share(w),
        "upstreamness": lambda: gvc.upstreamness(t),
        "downstreamness": lambda: gvc.downstreamness(t),
    }  # fmt: skip
    for name, call in calls.items():
        ds = call()
        ds = ds if isinstance(ds, xr.Dataset) else ds.to_dataset()
        yield name, ds.attrs.get("method"), ds


def every_result(t):
    yield from (ds for _, _, ds in function_results(t))
    w = gd.decompose(t, "wwz")
    yield from (ict.ict_slice(w), ict.ict_slice(t), ict.ict_slice(ind.tiva(t, by="sector")))


def test_every_variable_is_described_and_in_the_glossary():
    t = wiod_like()
    text = GLOSSARY.read_text()
    for ds in every_result(t):
        for name, var in ds.data_vars.items():
            where = f"{name} of {ds.attrs.get('method')}"
            assert {"long_name", "units", "description"} <= set(var.attrs), where
            assert f"`{name}`" in text, where
    assert text == glossary_markdown()  # the page is generated from the registry


def _agree(a: xr.DataArray, b: xr.DataArray, additive: bool):
    """Whether two results of one name hold the same numbers; None if not comparable.

    Flows are summed over the dimensions the other lacks (gross exports by
    exporter, sector and importer vs by exporter); ratios only compare as they are.
    """
    common = [d for d in a.dims if d in b.dims]
    if not additive and not (set(a.dims) == set(b.dims)):
        return None
    a, b = (x.sum([d for d in x.dims if d not in common]).transpose(*common) for x in (a, b))
    return bool(np.allclose(a.values, b.values, rtol=1e-9, atol=1e-9, equal_nan=True))


def test_every_name_means_one_measure():
    """A name returned by two functions holds the same measure in both (or is one of the
    literature's reused codes, whose entries differ): a future collision fails here."""
    t = wiod_like(seed=6)
    first = {}  # name -> {function: (method, DataArray)}
    for fn, method, ds in function_results(t):
        for name, da in ds.data_vars.items():
            entries = meanings(name)
            own = lookup(name, method)
            assert own is not None and own in entries, f"{name} of {fn} is not registered"
            if name in REUSED_CODES:  # described by the entry of the method that computes it
                assert VARIABLES[method][name] is own, f"{name} of {fn}"
            first.setdefault(name, {}).setdefault(fn.split()[0], (method, da))
    compared = set()
    for name, per_fn in first.items():
        for (f1, (m1, a)), (f2, (m2, b)) in combinations(per_fn.items(), 2):
            same = _agree(a, b, lookup(name, m1).additive and lookup(name, m2).additive)
            if same is None:
                continue
            compared.add(name)
            if name in REUSED_CODES:
                assert not same, f"{name}: {f1} and {f2} agree; drop it from REUSED_CODES"
            else:
                assert same, f"{name} of {f1} and of {f2} are two measures under one name"
    # the cross-checks ran: gross exports everywhere, content in BM and Leontief, the reused codes
    assert {"gexp", "dc", "fc", "DDC", "FDC", "DVA_FIN", "y", "gvcb", *REUSED_CODES} <= compared


def test_registry_names_with_several_entries():
    """Several entries for one name: the same measure in two methods' tables (checked
    numerically above), or a code the literature reuses; never a generic and a second
    generic meaning."""
    several = {}
    for name in {n for section in VARIABLES.values() for n in section}:
        entries = meanings(name)
        if len(entries) > 1:
            several[name] = entries
            assert sum(None in methods for methods in entries.values()) <= 1, name
    assert set(REUSED_CODES) <= set(several)
    assert set(several) == {"DVA_FIN", "DVA_INT", "RDV_FIN", "RDV_INT", "DDC", "FDC"}
    # the reused codes add up as the registry says: KWW's sum two WWZ terms
    t = wiod_like(seed=7)
    w, k = gd.decompose(t, "wwz").sum(["sector", "importer"]), gd.decompose(t, "kww")
    np.testing.assert_allclose(k["DVA_INT"], w["DVA_INT"] + w["DVA_INTrexI1"], rtol=1e-10)
    np.testing.assert_allclose(k["RDV_FIN"], w["RDV_FIN"] + w["RDV_FIN2"], rtol=1e-10)


def test_three_dva_shares_have_three_names_and_values():
    t = wiod_like(seed=1)
    w = gd.decompose(t, "wwz").sum(["sector", "importer"])
    s = gd.wwz_summary(w)
    assert "DVA_share" not in s and "DVA_share" not in ind.tiva(t)
    terms15 = sum(w[k] for k in ("DVA_FIN", "DVA_INT", "DVA_INTrexI1", "DVA_INTrexF",
                                 "DVA_INTrexI2"))  # fmt: skip
    np.testing.assert_allclose(s["DVA_absorbed_abroad_share"], terms15 / w["gexp"], rtol=1e-12)
    content = ind.tiva(t)["EXGR_DVASH"]
    # domestic content also holds returned value added and domestic double counting
    assert (content > s["DVA_absorbed_abroad_share"]).all()
    np.testing.assert_allclose(ind.domestic_content_share(w), content, rtol=1e-10)


def test_exports_use_exporter_everywhere():
    t = wiod_like()
    for ds in (gvc.kpww_participation(t), gvc.bm_participation(t), ind.tiva(t)):
        assert "exporter" in ds.dims and "country" not in ds.dims
    assert gvc.kpww_participation(gd.decompose(t, "wwz")).sel(exporter="USA")["gexp"] > 0
    assert gvc.kpww_participation(t, by="exporter").equals(gvc.kpww_participation(t))


def test_option_aliases_of_decompr_and_icio():
    t = random_table(3, 2, seed=3)
    for alias, ours in (("post", ("final_demand", "final")),
                        ("perspective", ("sectexp", "sector")),
                        ("perspective", ("sectbil", "sectoral-bilateral"))):  # fmt: skip
        a = gd.decompose(t, "leontief" if alias == "post" else "bm", **{alias: ours[0]})
        b = gd.decompose(t, "leontief" if alias == "post" else "bm", **{alias: ours[1]})
        assert a.drop_attrs().equals(b.drop_attrs()), ours


# -- country groups -------------------------------------------------------------------------
def test_group_membership_by_year():
    assert len(groups.members("EU", 2003)) == 15 and len(groups.members("EU", 2004)) == 25
    assert len(groups.members("EU", 2007)) == 27 and len(groups.members("EU", 2013)) == 28
    eu2020 = groups.members("EU", 2020)
    assert len(eu2020) == 27 and "GBR" not in eu2020 and set(eu2020) == set(groups.members("EU27_2020"))
    eu27 = groups.members("EU27")
    assert "GBR" in eu27 and "HRV" not in eu27 and set(eu27) == set(groups.members("EU", 2011))
    assert len(groups.members("EA", 2011)) == 17 and len(groups.members("EA19")) == 19
    assert set(groups.members("ASEAN", 1996)) == {"IDN", "MYS", "PHL", "SGP", "THA", "BRN", "VNM"}
    with pytest.raises(gd.UnknownLabelError, match="unknown country group 'EU26'"):
        groups.members("EU26")


def test_resolve_against_table_codes():
    from conftest import EU27

    codes = [*EU27, "USA", "RoW"]  # WIOD 2013: Romania is ROM, no Croatia
    r = groups.resolve("EU27", countries=codes, year=2011)
    assert sorted(r["EU27"]) == sorted(EU27) and "ROM" in r["EU27"]
    with pytest.raises(gd.UnknownLabelError, match="'EU28' in 2011: the table has no HRV"):
        groups.resolve("EU28", countries=codes, year=2011)
    assert "HRV" not in groups.resolve("EU28", countries=codes, missing="ignore")["EU28"]
    assert groups.resolve({"E": "EU", "X": ["USA"]}, countries=codes, year=2003)["E"] == [
        c for c in groups.members("EU", 2003) if c in codes
    ]


def test_groups_by_name_in_decompose_and_indicators():
    t = wiod_like(seed=2)
    named = gd.decompose(t, "wwz", groups="NAFTA")
    listed = gd.decompose(t, "wwz", groups={"NAFTA": ["USA", "CAN", "MEX"]})
    assert list(named["exporter"].values) == ["NAFTA", "CHN"]
    np.testing.assert_array_equal(named["DVA_FIN"].values, listed["DVA_FIN"].values)
    te = ind.tiva(t, groups="NAFTA")
    np.testing.assert_array_equal(
        te["EXGR"].values, ind.tiva(t, groups={"NAFTA": ["USA", "CAN", "MEX"]})["EXGR"].values
    )


# -- aggregation that cannot mislead ---------------------------------------------------------
def test_ict_slice_recomputes_ratios_and_drops_indices():
    t = wiod_like(seed=4)
    ts = ind.tiva(t, by="sector")
    sl = ict.ict_slice(ts, "ICT")
    part = ts.sel(sector=["c14", "c27", "c30"]).sum("sector")
    np.testing.assert_allclose(sl["EXGR_DVASH"], part["EXGR_DVA"] / part["EXGR"], rtol=1e-12)
    assert (sl["EXGR_DVASH"] <= 1).all()  # a sum of three shares would exceed 1
    k = gvc.kpww_participation(t, by="sector")
    ks = ict.ict_slice(k, "ICT")
    kp = k.sel(sector=["c14", "c27", "c30"]).sum("sector")
    np.testing.assert_allclose(ks["kpww_participation"], (kp["IV"] + kp["FV"]) / kp["gexp"],
                               rtol=1e-12)  # fmt: skip
    assert "kpww_position" not in ks and "kpww_position" in ks.attrs["dropped"]
    pl = ict.ict_slice(gvc.production_length(t, by="sector"), "ICT")
    np.testing.assert_allclose(pl["PLv"], pl["Xv"] / pl["va_total"], rtol=1e-12)
    assert "wwyz_position" in pl.attrs["dropped"]
    # a ratio without its numerator in the input is dropped, not summed
    only = ict.ict_slice(ts[["EXGR_DVASH", "EXGR"]], "ICT")
    assert "EXGR_DVASH" not in only and "EXGR_DVA" in only.attrs["dropped"]


def test_sum_of_members_is_named_and_differs_from_the_group():
    t = wiod_like(seed=5)
    summed = ict.ict_slice(gd.decompose(t, "wwz"), sum_members="NAFTA")
    grouped = ict.ict_slice(gd.decompose(t, "wwz", groups="NAFTA"))
    assert "counted as exports" in summed.attrs["aggregation"]
    a = float(summed["DVA_absorbed_abroad_share"].sel(exporter="NAFTA"))
    b = float(grouped["DVA_absorbed_abroad_share"].sel(exporter="NAFTA"))
    assert a != pytest.approx(b, rel=1e-6)


# -- time series -------------------------------------------------------------------------------
def test_every_function_takes_a_panel():
    panel = gd.Panel([2001, 2002], lambda y: wiod_like(seed=y - 2000, year=y), "random")
    calls = {
        "tiva": lambda d: ind.tiva(d), "vax_ratio": lambda d: ind.vax_ratio(d),
        "rca": lambda d: ind.rca_va(d), "kpww": lambda d: gvc.kpww_participation(d),
        "bm": lambda d: gvc.bm_participation(d), "wwyz": lambda d: gvc.wwyz_participation(d),
        "length": lambda d: gvc.production_length(d), "up": lambda d: gvc.upstreamness(d),
        "smile": lambda d: gd.smile_curve(d, "CHN", "c14"),
        "ict": lambda d: ict.ict_slice(d), "income": lambda d: chains.gvc_income(d),
        "chain": lambda d: chains.chain_fva(d, "NAFTA"),
    }  # fmt: skip
    for name, f in calls.items():
        got = f(panel)
        assert list(got["year"].values) == [2001, 2002], name
        one = f(panel[2002])
        one = one if "year" in one.dims else one.expand_dims("year")
        xr_equal = got.sel(year=[2002]).drop_attrs().equals(one.drop_attrs())
        assert xr_equal, name
        if hasattr(got, "data_vars"):
            assert got.attrs["source"] == "2001: random 1; 2002: random 2", name
    agg = gd.aggregate(panel, countries="NAFTA")
    assert isinstance(agg, gd.Panel) and agg[2001].countries == ("NAFTA", "CHN")
