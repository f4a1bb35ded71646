import re

import numpy as np
import pandas as pd
import pytest
from conftest import EU27, random_table

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.aggregate import aggregate
from gvcdecomp.concordances import (
    CLASSIFICATIONS,
    CONCORDANCES,
    concordance,
    industries,
)
from gvcdecomp.errors import LabelError, OptionError, UnknownLabelError
from gvcdecomp.methods.wwz import TERMS


# -- plain references -----------------------------------------------------------------
def dense_reference(t, country_of, new_countries, links, new_sectors):
    """Z' = R Z Rᵀ and Y'_k = R Y_k Cᵀ with R = C ⊗ S filled in entry by entry.

    ``country_of`` maps old to new countries (absent: kept); ``links`` maps an
    old sector to [(new sector, weight), ...] (absent: kept with weight 1).
    """
    G2, N2, K = len(new_countries), len(new_sectors), len(t.fd_categories)
    R = np.zeros((G2 * N2, t.n))
    C = np.zeros((G2, t.G))
    for g, c in enumerate(t.countries):
        g2 = new_countries.index(country_of.get(c, c))
        C[g2, g] = 1.0
        for j, s in enumerate(t.sectors):
            for s2, w in links.get(s, [(s, 1.0)]):
                R[g2 * N2 + new_sectors.index(s2), g * t.N + j] += w
    Z = R @ t.Z @ R.T
    Y = np.stack([R @ t.Y[:, :, k] @ C.T for k in range(K)], axis=2)
    return R, Z, Y


def check_identities(t):
    """B(I - A) = I, the 16 WWZ terms add up to gross exports, and gexp = E."""
    c = t.core
    np.testing.assert_allclose(c.B @ (np.eye(t.n) - c.A), np.eye(t.n), rtol=0, atol=1e-9)
    r = gd.decompose(t, "wwz")
    total = sum(r[k] for k in TERMS)
    scale = max(float(np.abs(r["gexp"]).max()), 1.0)
    assert float(np.abs(total - r["gexp"]).max()) <= 1e-9 * scale
    gexp = r["gexp"].transpose("exporter", "sector", "importer").values.reshape(t.n, t.G)
    np.testing.assert_allclose(gexp, t.exports, rtol=1e-12, atol=1e-9)
    return r


def twin_table(N=3, K=2, seed=11):
    """Countries A and B are exact copies (swapping them leaves the table unchanged); C differs."""
    rng = np.random.default_rng(seed)

    def u(*shape):
        return rng.uniform(0, 10, shape)

    P, Q, R1, R2, W = u(N, N), u(N, N), u(N, N), u(N, N), u(N, N)
    Z = np.block([[P, Q, R1], [Q, P, R1], [R2, R2, W]])
    own, twin, to_c, from_c, cc = u(N, K) + 40, u(N, K), u(N, K), u(N, K), u(N, K) + 40
    Y = np.zeros((3 * N, 3, K))
    a, b, c = slice(0, N), slice(N, 2 * N), slice(2 * N, 3 * N)
    Y[a, 0], Y[b, 1] = own, own
    Y[a, 1], Y[b, 0] = twin, twin
    Y[a, 2], Y[b, 2] = to_c, to_c
    Y[c, 0], Y[c, 1] = from_c, from_c
    Y[c, 2] = cc
    Z *= 0.5 * (Z.sum(axis=1) + Y.sum(axis=(1, 2))).min() / Z.sum(axis=0).max()
    return IOTable(Z, Y, ["A", "B", "C"], [f"s{i}" for i in range(N)], year=2001, source="twins")


def aligned(ds, like):
    return ds.sel(exporter=like.exporter, importer=like.importer)


# -- identity and reference -------------------------------------------------------------
def test_identity_mappings_give_back_the_table(rtable):
    t = rtable
    same = [
        aggregate(t),
        aggregate(t, countries={c: [c] for c in t.countries}, sectors={s: [s] for s in t.sectors}),
        aggregate(t, sectors=pd.DataFrame({"old": t.sectors, "new": t.sectors})),
    ]
    for a in same:
        np.testing.assert_array_equal(a.Z, t.Z)
        np.testing.assert_array_equal(a.Y, t.Y)
        np.testing.assert_array_equal(a.x, t.x)
        assert (a.countries, a.sectors) == (t.countries, t.sectors)
        assert a.fd_categories == t.fd_categories
        assert (a.year, a.units, a.output) == (t.year, t.units, t.output)
        assert a.source.startswith(t.source) and "aggregated" in a.source


@pytest.mark.parametrize("output", ["rowsum", "stored"])
def test_matches_dense_reference_and_keeps_stored_vectors(output):
    t0 = random_table(5, 4, K=2, seed=7)
    rng = np.random.default_rng(1)
    x_stored = t0.x * (1 + 1e-4 * rng.uniform(size=t0.n))  # a slightly unbalanced publication
    va_stored = t0.value_added + rng.uniform(size=t0.n)
    t = IOTable(t0.Z, t0.Y, t0.countries, t0.sectors, t0.fd_categories, x=x_stored,
                va=va_stored, output=output, year=1999, source="pub", units="USD")  # fmt: skip
    countries = {"N": ["C3", "C1"], "S": ["C4"]}
    sectors = {"m": ["s2", "s0"]}
    a = aggregate(t, countries=countries, sectors=sectors)
    # first-appearance order: walking C0..C4, N takes C1's place; m takes s0's
    assert a.countries == ("C0", "N", "C2", "S")
    assert a.sectors == ("m", "s1", "s3")
    country_of = {m: k for k, ms in countries.items() for m in ms}
    links = {s: [(k, 1.0)] for k, ss in sectors.items() for s in ss}
    R, Z, Y = dense_reference(t, country_of, list(a.countries), links, list(a.sectors))
    np.testing.assert_allclose(a.Z, Z, rtol=1e-13)
    np.testing.assert_allclose(a.Y, Y, rtol=1e-13)
    np.testing.assert_allclose(a.x_stored, R @ x_stored, rtol=1e-13)
    np.testing.assert_allclose(a.va_stored, R @ va_stored, rtol=1e-13)
    np.testing.assert_allclose(a.x, R @ t.x, rtol=1e-13)
    assert (a.output, a.year, a.units, a.fd_categories) == (output, 1999, "USD", t.fd_categories)


# -- identities and totals ----------------------------------------------------------------
def test_identities_hold_after_aggregation(rtable):
    t = rtable
    countries = {"R1": list(t.countries[:2])}
    sectors = {"M": list(t.sectors[::2])}
    a = aggregate(t, countries=countries, sectors=sectors)
    assert a.G == t.G - 1 and a.N == t.N - max(len(t.sectors[::2]) - 1, 0)
    check_identities(a)


def test_sector_merge_preserves_totals_exactly(rtable):
    t = rtable
    a = aggregate(t, sectors={"M": list(t.sectors[::2])})
    for new, old in ((a.x, t.x), (a.Y, t.Y), (a.value_added, t.value_added)):
        assert new.sum() == pytest.approx(old.sum(), rel=1e-13)
    # by country as well: output, value added, and final demand by destination
    for new, old in ((a.x, t.x), (a.value_added, t.value_added)):
        by_country = new.reshape(a.G, a.N).sum(1)
        np.testing.assert_allclose(by_country, old.reshape(t.G, t.N).sum(1), rtol=1e-13)
    np.testing.assert_allclose(
        a.Y.reshape(a.G, a.N, a.G, -1).sum(1), t.Y.reshape(t.G, t.N, t.G, -1).sum(1), rtol=1e-13
    )


def test_one_world_is_a_closed_economy(rtable):
    t = rtable
    w = aggregate(t, countries={"WLD": list(t.countries)})
    assert w.countries == ("WLD",) and w.N == t.N
    np.testing.assert_array_equal(w.exports, 0.0)
    np.testing.assert_allclose(w.x, t.x.reshape(t.G, t.N).sum(0), rtol=1e-13)
    r = check_identities(w)
    for k in TERMS:
        assert float(np.abs(r[k]).max()) == 0.0


def test_split_with_weights_then_merge_back():
    t = random_table(3, 3, K=2, seed=5)
    conc = _conc(["s0", "s1", "s1", "s2"], ["s0", "a", "b", "s2"], [1, 0.25, 0.75, 1])
    s = aggregate(t, sectors=conc)
    assert s.sectors == ("s0", "a", "b", "s2")
    links = {"s1": [("a", 0.25), ("b", 0.75)]}
    _, Z, Y = dense_reference(t, {}, list(t.countries), links, list(s.sectors))
    np.testing.assert_allclose(s.Z, Z, rtol=1e-13)
    np.testing.assert_allclose(s.Y, Y, rtol=1e-13)
    assert s.x.sum() == pytest.approx(t.x.sum(), rel=1e-13)
    assert s.value_added.sum() == pytest.approx(t.value_added.sum(), rel=1e-13)
    check_identities(s)
    back = aggregate(s, sectors={"s1": ["a", "b"]})
    assert back.sectors == t.sectors
    np.testing.assert_allclose(back.Z, t.Z, rtol=1e-13)
    np.testing.assert_allclose(back.Y, t.Y, rtol=1e-13)


# -- merging countries: identical twins versus aggregation bias --------------------------
def test_merging_identical_countries_doubles_one_of_them():
    t = twin_table()
    N = t.N
    a, c = slice(0, N), slice(2 * N, 3 * N)
    m = aggregate(t, countries={"AB": ["A", "B"]})
    assert m.countries == ("AB", "C")
    ab, cc = slice(0, N), slice(N, 2 * N)
    np.testing.assert_allclose(m.Z[ab, cc], 2 * t.Z[a, c], rtol=1e-13)  # sales to C
    np.testing.assert_allclose(m.Z[cc, ab], 2 * t.Z[c, a], rtol=1e-13)  # purchases from C
    np.testing.assert_allclose(m.Z[cc, cc], t.Z[c, c], rtol=1e-13)
    np.testing.assert_allclose(m.x[ab], 2 * t.x[a], rtol=1e-13)
    np.testing.assert_allclose(m.value_added[ab], 2 * t.value_added[a], rtol=1e-12)
    np.testing.assert_allclose(m.Y[ab, 1], 2 * t.Y[a, 2], rtol=1e-13)
    np.testing.assert_allclose(m.Y[cc, 0], 2 * t.Y[c, 0], rtol=1e-13)
    # identical coefficients: no aggregation bias, the aggregated model equals groups=
    A, b = t.core.A, slice(N, 2 * N)
    np.testing.assert_allclose(m.core.A[ab, ab], A[a, a] + A[b, a], rtol=1e-12)
    np.testing.assert_allclose(m.core.A[cc, ab], A[c, a], rtol=1e-12)
    agg = gd.decompose(m, "wwz")
    grp = aligned(gd.decompose(t, "wwz", groups={"AB": ["A", "B"]}), agg)
    for k in (*TERMS, "gexp"):
        atol = 1e-9 * float(agg["gexp"].max())
        np.testing.assert_allclose(agg[k].values, grp[k].values, rtol=1e-9, atol=atol)


def test_merging_different_countries_shows_aggregation_bias():
    t = random_table(4, 3, seed=3)
    groups = {"M": ["C0", "C1"]}
    agg = gd.decompose(aggregate(t, countries=groups), "wwz")
    grp = aligned(gd.decompose(t, "wwz", groups=groups), agg)
    # the flows are the same: gross exports agree ...
    np.testing.assert_allclose(agg["gexp"].values, grp["gexp"].values, rtol=1e-12)
    # ... but the aggregated inverse differs, and so does the value-added split
    scale = float(agg["gexp"].max())
    gap = max(float(np.abs(agg[k] - grp[k]).max()) for k in TERMS)
    assert gap > 1e-6 * scale


# -- errors ---------------------------------------------------------------------------------
def _conc(old, new, weight=None):
    d = {"old": old, "new": new}
    if weight is not None:
        d["weight"] = weight
    return pd.DataFrame(d)


@pytest.mark.parametrize(
    "kwargs, error, names",
    [
        ({"countries": {"X": ["C0", "ZZZ"]}}, UnknownLabelError, ["ZZZ"]),
        ({"countries": {"X": ["C0", "C1"], "Y": ["C1"]}}, OptionError, ["C1", "X", "Y"]),
        ({"countries": {"X": "C0"}}, OptionError, ["X"]),
        ({"countries": {"X": []}}, OptionError, ["X"]),
        ({"countries": {"C0": ["C1"]}}, LabelError, ["C0"]),
        ({"countries": [("X", ["C0"])]}, OptionError, ["dict"]),
        ({"sectors": {"m": ["s0", "s9"]}}, UnknownLabelError, ["s9"]),
        ({"sectors": {"m": ["s0"], "n": ["s0", "s1"]}}, OptionError, ["s0"]),
        ({"sectors": _conc(["s0", "s1"], ["a", "a"])}, LabelError, ["s2"]),
        ({"sectors": _conc(["s0", "s1", "s2", "s7"], ["a", "a", "b", "b"])},
         UnknownLabelError, ["s7"]),
        ({"sectors": _conc(["s0", "s0", "s1", "s2"], ["a", "b", "a", "b"])},
         OptionError, ["s0", "weight"]),
        ({"sectors": _conc(["s0", "s0", "s1", "s2"], ["a", "b", "a", "b"], [0.5, 0.4, 1, 1])},
         OptionError, ["s0", "0.9"]),
        ({"sectors": _conc(["s0", "s0", "s1", "s2"], ["a", "b", "a", "b"], [1.5, -0.5, 1, 1])},
         OptionError, ["s0", "negative"]),
        ({"sectors": _conc(["s0", "s0", "s1", "s2"], ["a", "a", "a", "b"], [0.5, 0.5, 1, 1])},
         OptionError, ["s0->a"]),
        ({"sectors": pd.DataFrame({"from": ["s0"], "to": ["a"]})}, OptionError, ["old", "new"]),
    ],
)  # fmt: skip
def test_bad_mappings_raise_naming_the_codes(kwargs, error, names):
    t = random_table(3, 3, seed=0)
    with pytest.raises(error) as e:
        aggregate(t, **kwargs)
    for name in names:
        assert name in str(e.value)


# -- concordance files ------------------------------------------------------------------------
SIZES = {"wiod2013": 35, "wiod2016": 56, "icio2023": 45, "wiod_longrun": 23}
PAIRS = [*CONCORDANCES, *((b, a) for a, b in CONCORDANCES)]


@pytest.mark.parametrize("name", list(CLASSIFICATIONS))
def test_classification_lists(name):
    df = industries(name)
    assert len(df) == SIZES[name] and df["code"].is_unique
    assert (df["description"].str.len() > 3).all()


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "->".join(p))
def test_concordances_are_complete_and_valid(pair):
    src, dst = pair
    df = concordance(src, dst)
    assert list(df.columns) == ["old", "new"]
    # every source code; U (extraterritorial) has no ISIC Rev.3 counterpart in WIOD 2013
    missing = {"U"} if pair == ("wiod2016", "wiod2013") else set()
    assert set(industries(src)["code"]) - set(df["old"]) == missing
    assert set(df["old"]) <= set(industries(src)["code"])
    assert set(df["new"]) <= set(industries(dst)["code"])  # only valid targets
    assert not df.duplicated().any()
    # rows follow the source classification's order
    order = {c: i for i, c in enumerate(industries(src)["code"])}
    assert df["old"].map(order).is_monotonic_increasing


def test_every_target_is_reached_except_where_documented():
    reached = set(concordance("wiod2013", "wiod2016")["new"])
    assert set(industries("wiod2016")["code"]) - reached == {"U"}  # no ISIC Rev.3 industry
    assert set(concordance("wiod2016", "icio2023")["new"]) == set(industries("icio2023")["code"])
    reached = set(concordance("wiod_longrun", "wiod2013")["new"])
    assert reached == set(industries("wiod2013")["code"])


def test_reverse_concordance_swaps_the_links():
    fwd = concordance("wiod2013", "wiod2016")
    rev = concordance("wiod2016", "wiod2013")
    assert set(zip(fwd["old"], fwd["new"])) == set(zip(rev["new"], rev["old"]))


def test_unknown_classification_or_pair():
    with pytest.raises(UnknownLabelError, match="wiod2099"):
        concordance("wiod2099", "wiod2016")
    with pytest.raises(UnknownLabelError, match="no concordance"):
        concordance("wiod_longrun", "icio2023")
    with pytest.raises(UnknownLabelError, match="isic5"):
        industries("isic5")


# ISIC divisions, transcribed here independently of the package's files.
ISIC4_SECTIONS = {
    "A": (1, 3), "B": (5, 9), "C": (10, 33), "D": (35, 35), "E": (36, 39), "F": (41, 43),
    "G": (45, 47), "H": (49, 53), "I": (55, 56), "J": (58, 63), "K": (64, 66), "L": (68, 68),
    "M": (69, 75), "N": (77, 82), "O": (84, 84), "P": (85, 85), "Q": (86, 88), "R": (90, 93),
    "S": (94, 96), "T": (97, 98), "U": (99, 99),
}  # fmt: skip
ISIC3_SECTIONS = {
    "A": (1, 2), "B": (5, 5), "C": (10, 14), "D": (15, 37), "E": (40, 41), "F": (45, 45),
    "G": (50, 52), "H": (55, 55), "I": (60, 64), "J": (65, 67), "K": (70, 74), "L": (75, 75),
    "M": (80, 80), "N": (85, 85), "O": (90, 93), "P": (95, 97), "Q": (99, 99),
}  # fmt: skip
# WIOD 2013 industries as ISIC Rev.3 divisions (Timmer et al. 2015, Table 1)
WIOD2013_ISIC3 = {
    1: "01-05", 2: "10-14", 3: "15-16", 4: "17-18", 5: "19", 6: "20", 7: "21-22", 8: "23",
    9: "24", 10: "25", 11: "26", 12: "27-28", 13: "29", 14: "30-33", 15: "34-35", 16: "36-37",
    17: "40-41", 18: "45", 19: "50", 20: "51", 21: "52", 22: "55", 23: "60", 24: "61", 25: "62",
    26: "63", 27: "64", 28: "65-67", 29: "70", 30: "71-74", 31: "75", 32: "80", 33: "85",
    34: "90-93", 35: "95-97",
}  # fmt: skip


def _span(a, b, sections):
    """Divisions a..b that exist (lie in some section)."""
    return {d for d in range(a, b + 1) if any(lo <= d <= hi for lo, hi in sections.values())}


def divisions(code, sections):
    """ISIC divisions a code names: letters alone are sections (R_S, AtB, LtQ: spans of
    sections), digits are divisions, joined by '_' (a list) or '-', 'T', 't' (a range)."""
    if re.fullmatch(r"[A-Z](_[A-Z])*", code):
        return set().union(*(_span(*sections[s], sections) for s in code.split("_")))
    m = re.fullmatch(r"([A-Z])t([A-Z])", code)
    if m:
        lo, hi = sections[m.group(1)][0], sections[m.group(2)][1]
        return _span(lo, hi, sections)
    nums = [int(n) for n in re.findall(r"\d+", code)]
    if re.search(r"\d\s*[-Tt]\s*[A-Z]?\d", code):
        return set(range(nums[0], nums[-1] + 1))
    return set(nums)


def _partition(codes, sections):
    sets = {c: divisions(c, sections) for c in codes}
    allocated = [d for s in sets.values() for d in s]
    assert len(allocated) == len(set(allocated)), "codes overlap"
    return sets


def test_isic4_concordance_wiod2016_icio2023_follows_divisions():
    w16 = _partition(industries("wiod2016")["code"], ISIC4_SECTIONS)
    icio = _partition(industries("icio2023")["code"], ISIC4_SECTIONS)
    every = set().union(*(_span(*s, ISIC4_SECTIONS) for s in ISIC4_SECTIONS.values()))
    assert set().union(*w16.values()) == every
    assert set().union(*icio.values()) == every - {99}  # ICIO has no section U
    df = concordance("wiod2016", "icio2023")
    for old, grp in df.groupby("old"):
        if old == "U":  # documented: no ICIO counterpart, mapped to O
            continue
        targets = set().union(*(icio[n] for n in grp["new"]))
        assert w16[old] <= targets, old
        assert all(icio[n] & w16[old] for n in grp["new"]), old
    for new, grp in df[df["old"] != "U"].groupby("new"):
        assert icio[new] <= set().union(*(w16[o] for o in grp["old"])), new


def test_isic3_concordance_longrun_wiod2013_follows_divisions():
    w13 = {}
    for i, span in WIOD2013_ISIC3.items():
        lo, _, hi = span.partition("-")
        w13[f"c{i}"] = _span(int(lo), int(hi or lo), ISIC3_SECTIONS)
    lr = {c: divisions(c, ISIC3_SECTIONS) for c in industries("wiod_longrun")["code"]}
    lr["Dnec"] = {20, 36, 37}  # wood; manufacturing n.e.c.; recycling (the code names no division)
    lr["LtQ"] -= {99}  # extraterritorial organisations are in no WIOD table
    allocated = [d for s in lr.values() for d in s]
    assert len(allocated) == len(set(allocated))
    df = concordance("wiod_longrun", "wiod2013")
    for old, grp in df.groupby("old"):
        assert set().union(*(w13[n] for n in grp["new"])) == lr[old], old


def test_split_concordance_needs_weights_then_aggregates():
    t0 = random_table(2, 35, K=1, seed=4)
    codes = list(industries("wiod2013")["code"])
    t = IOTable(t0.Z, t0.Y, t0.countries, codes, t0.fd_categories, source="35 industries")
    conc = concordance("wiod2013", "wiod2016")
    with pytest.raises(OptionError, match="c1, c7"):
        aggregate(t, sectors=conc)
    conc["weight"] = 1.0 / conc.groupby("old")["new"].transform("size")
    a = aggregate(t, sectors=conc)
    assert set(a.sectors) == set(industries("wiod2016")["code"]) - {"U"}
    assert a.x.sum() == pytest.approx(t.x.sum(), rel=1e-13)
    assert a.value_added.sum() == pytest.approx(t.value_added.sum(), rel=1e-13)
    check_identities(a)


# -- real data: WIOD 2013, 2011 -------------------------------------------------------------
@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    return gd.load_wiod2013(2011, path=wiod2013_dir)


def test_classification_codes_match_wiod2013(wiod2011):
    assert tuple(industries("wiod2013")["code"]) == wiod2011.sectors


def test_classification_codes_match_longrun(longrun_dir):
    t = gd.load_wiod_longrun(2000, path=longrun_dir)
    assert tuple(industries("wiod_longrun")["code"]) == t.sectors


def test_classification_codes_match_wiod2016(niot_dir):
    nt = gd.load_niot("USA", 2014, path=niot_dir)
    assert tuple(industries("wiod2016")["code"]) == tuple(nt.sectors)


def test_wiod_ict_versus_rest(wiod2011):
    t = wiod2011
    a = aggregate(t, sectors={"c14": ["c14"], "rest": [s for s in t.sectors if s != "c14"]})
    assert a.sectors == ("rest", "c14") and a.countries == t.countries
    assert a.x.sum() == pytest.approx(t.x.sum(), rel=1e-12)
    assert a.Y.sum() == pytest.approx(t.Y.sum(), rel=1e-12)
    assert a.value_added.sum() == pytest.approx(t.value_added.sum(), rel=1e-12)
    i14 = t.sector_index("c14")
    np.testing.assert_allclose(a.x.reshape(a.G, 2)[:, 1], t.x.reshape(t.G, t.N)[:, i14], rtol=1e-13)
    check_identities(a)


def test_wiod_eu27_and_others(wiod2011):
    t = wiod2011
    a = aggregate(t, countries={"EU27": EU27})
    assert a.G == t.G - 26 and a.countries[1] == "EU27"  # AUS, EU27 (at AUT's place), BRA, ...
    assert set(a.countries) - {"EU27"} == set(t.countries) - set(EU27)
    # EU exports are the members' sales outside the EU, sector by sector
    eu = [t.country_index(c) for c in EU27]
    rows = np.concatenate([np.arange(g * t.N, (g + 1) * t.N) for g in eu])
    flows = (t.Zc + t.Yc)[rows].reshape(len(eu), t.N, t.G).sum(0)
    e = a.exports.reshape(a.G, a.N, a.G)[a.country_index("EU27")]
    for c in a.countries:
        expected = 0.0 if c == "EU27" else flows[:, t.country_index(c)]
        np.testing.assert_allclose(e[:, a.country_index(c)], expected, rtol=1e-12, atol=1e-6)
    assert a.Y.sum() == pytest.approx(t.Y.sum(), rel=1e-12)
    check_identities(a)


def test_wiod_to_longrun_industries(wiod2011):
    t = wiod2011
    a = aggregate(t, sectors=concordance("wiod2013", "wiod_longrun"))
    assert set(a.sectors) == set(industries("wiod_longrun")["code"])
    xs, x = a.x.reshape(a.G, a.N), t.x.reshape(t.G, t.N)
    wood_nec = x[:, t.sector_index("c6")] + x[:, t.sector_index("c16")]
    np.testing.assert_allclose(xs[:, a.sector_index("Dnec")], wood_nec, rtol=1e-13)
    assert a.value_added.sum() == pytest.approx(t.value_added.sum(), rel=1e-12)


def test_default_groups_carry_over():
    t = random_table(5, 2, seed=4)
    t.default_groups = {"P": ["C1", "C0"]}
    kept = aggregate(t, countries={"Q": ["C2", "C3"]})
    assert kept.default_groups == {"P": ["C1", "C0"]}
    with pytest.warns(UserWarning, match="default group 'P' .* dropped: .* merges its members with C2"):
        dropped = aggregate(t, countries={"Q": ["C2", "C0"]})  # C0 would take C2 in
    assert dropped.default_groups == {}
    with pytest.warns(UserWarning, match="default group 'P' dropped: .*also a country"):
        clash = aggregate(t, countries={"P": ["C2", "C3"]})  # a new country named like the group
    assert clash.default_groups == {}
    merged = aggregate(t, countries={"P": ["C0", "C1"]})  # the aggregation does the group's work
    assert merged.default_groups == {}
    assert aggregate(t, sectors={"all": ["s0", "s1"]}).default_groups == t.default_groups
    # decomposing the aggregate applies the carried group
    r = gd.decompose(kept, "kww")
    assert list(r.exporter.values) == ["P", "Q", "C4"]
