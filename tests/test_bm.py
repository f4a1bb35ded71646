"""Borin–Mancini decomposition: identities, a dense transcription of the formulas, aggregation."""

import itertools
import warnings

import numpy as np
import pytest
from conftest import BAD_GROUPS, EU27, random_table, region_indices, region_names
from reference import blocks

import gvcdecomp as gd
from gvcdecomp.errors import OptionError
from gvcdecomp.methods.bm import LEVELS, bm
from gvcdecomp.table import BalanceWarning

COMBOS = [(a, p, lv) for a in ("source", "sink") for p, levels in LEVELS.items() for lv in levels]
DIMS = {
    "exporter": ("exporter",),
    "sector": ("exporter", "sector"),
    "bilateral": ("exporter", "importer"),
    "sectoral-bilateral": ("exporter", "sector", "importer"),
}
IDS = [f"{a}-{p}-{lv}" for a, p, lv in COMBOS]


def _rel(a, b, scale):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) / scale


def check_identities(ds, tol):
    scale = float(np.abs(ds["gexp"]).max())
    assert _rel(ds.gexp, ds.dc + ds.fc, scale) < tol
    assert _rel(ds.dc, ds.dva + ds.ddc, scale) < tol
    assert _rel(ds.fc, ds.fva + ds.fdc, scale) < tol
    assert _rel(ds.dva, ds.vax + ds.ref, scale) < tol
    if "gvc" in ds:
        assert _rel(ds.gvc, ds.gvcb + ds.gvcf, scale) < tol
        assert _rel(ds.gvc, ds.gexp - ds.davax, scale) < tol


# -- dense transcription of the published formulas -------------------------------------


def dense_bm(t, approach, perspective, level, regions=None):
    """BM (2019, 2023) terms with explicit extraction inverses (numpy.linalg.inv), loops.

    ``regions`` lists the country indices of each region (default: each country
    alone; tests/reference.py::blocks): exporters and importers are then regions,
    the sector perimeter of industry i of s holds all of s's rows of industry i,
    and a region's rows add up by industry. Returns a dict of arrays at
    (exporter, sector, importer), summed to ``level``.
    """
    G, b, x, A, v, B, blk, vec, _ = blocks(t, regions)
    N, n = t.N, t.n
    I = np.eye(n)
    regions = regions or [[g] for g in range(G)]
    Y = np.stack([t.Yc[:, reg].sum(axis=1) for reg in regions], axis=1)  # (GN, G')
    owner = np.empty(n, dtype=int)
    for g, rows in enumerate(b):
        owner[rows] = g
    E = np.zeros((n, G))  # gross exports of each row to each other region
    for row in range(n):
        for r in range(G):
            if r != owner[row]:
                E[row, r] = A[row, b[r]] @ x[b[r]] + Y[row, r]
    L = [np.linalg.inv(np.eye(len(b[r])) - blk(A, r, r)) for r in range(G)]

    def perimeter(s, row, r):
        """(row, importer) pairs of s whose export coefficients Ω removes."""
        if perspective in ("exporter", "bilateral"):
            rows = b[s]
        else:
            rows = [q for q in b[s] if q % N == row % N]
        partners = [q for q in range(G) if q != s] if perspective in ("exporter", "sector") else [r]
        return tuple(itertools.product(rows, partners))

    cache = {}

    def extraction(s, omega):
        if (s, omega) not in cache:
            Ax = A.copy()
            for row2, r2 in omega:
                Ax[row2, b[r2]] = 0.0
            cache[s, omega] = np.linalg.inv(I - Ax)
        return cache[s, omega]

    names = ["gexp", "dc", "dva", "vax", "ref", "ddc", "fc", "fva", "fdc"]
    if approach == "source" and perspective == "exporter":
        names += ["davax", "gvc", "gvcb", "gvcf"]
    if approach == "sink" and perspective == "exporter" and "importer" in DIMS[level]:
        names += ["vaxim"]
    out = {k: np.zeros((G, N, G)) for k in names}
    for s in range(G):
        vs = vec(v, s)
        vt_Bts = sum(vec(v, q) @ blk(B, q, s) for q in range(G) if q != s)
        for p, r in itertools.product(range(len(b[s])), range(G)):
            if r == s:
                continue
            row = b[s][p]
            i = row % N
            e = E[row, r]
            Asr = blk(A, s, r)
            omega = perimeter(s, row, r)
            Bx = extraction(s, omega)
            o = {"gexp": e}
            dc = (vs @ blk(B, s, s))[p] * e
            fc = vt_Bts[p] * e
            o["dc"], o["fc"] = dc, fc
            others = [j for j in range(G) if j != r]
            if approach == "source":
                w = vs @ Bx[np.ix_(b[s], b[s])]
                f = sum(vec(v, q) @ Bx[np.ix_(b[q], b[s])] for q in range(G) if q != s)
                back = Y[b[r], s] + sum(A[np.ix_(b[r], b[j])] @ (B[b[j]] @ Y[:, s]) for j in others)
                ref = w[p] * (Asr @ L[r] @ back)[p]
                o["dva"], o["fva"], o["ref"] = w[p] * e, f[p] * e, ref
                o["ddc"], o["fdc"] = dc - w[p] * e, fc - f[p] * e
                o["vax"] = w[p] * e - ref
                if perspective == "exporter":
                    davax = (vs @ L[s])[p] * (Y[row, r] + (Asr @ L[r] @ Y[b[r], r])[p])
                    o["davax"], o["gvcb"] = davax, dc - w[p] * e + fc
                    o["gvcf"], o["gvc"] = w[p] * e - davax, e - davax
            else:
                e_omega = np.zeros(n)
                Yx = Y.copy()
                for row2, r2 in omega:
                    e_omega[row2] += E[row2, r2]
                    Yx[row2, r2] = 0.0
                wb = vs @ blk(B, s, s)
                again = sum(A[np.ix_(b[r], b[j])] @ (Bx[b[j]] @ e_omega) for j in others)
                twice = (Asr @ L[r] @ again)[p]
                back = sum(A[np.ix_(b[r], b[j])] @ (Bx[b[j]] @ Yx[:, s]) for j in others)
                back = back + Y[b[r], s]
                ref = wb[p] * (Asr @ L[r] @ back)[p]
                o["ddc"], o["fdc"] = wb[p] * twice, vt_Bts[p] * twice
                o["dva"], o["fva"] = dc - wb[p] * twice, fc - vt_Bts[p] * twice
                o["ref"], o["vax"] = ref, dc - wb[p] * twice - ref
                if "vaxim" in out:
                    onward = sum(A[np.ix_(b[r], b[j])] @ (Bx[b[j]] @ Yx[:, r]) for j in others)
                    direct = Y[row, r] + (Asr @ L[r] @ (Y[b[r], r] + onward))[p]
                    o["vaxim"] = wb[p] * direct
            for k, val in o.items():
                out[k][s, i, r] += val
    axes = tuple(ax for ax, d in ((1, "sector"), (2, "importer")) if d not in DIMS[level])
    return {k: a.sum(axis=axes) for k, a in out.items()}


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_identities_random(rtable, approach, perspective, level):
    ds = bm(rtable, approach, perspective, level)
    assert ds.gexp.dims == DIMS[level]
    check_identities(ds, 1e-9)


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_matches_dense_formulas(anytable, approach, perspective, level):
    ds = bm(anytable, approach, perspective, level)
    ref = dense_bm(anytable, approach, perspective, level)
    assert set(ds.data_vars) == set(ref)
    scale = float(np.abs(ref["gexp"]).max())
    for k, a in ref.items():
        assert _rel(ds[k].values, a, scale) < 1e-9, k


def test_attributes_and_coordinates():
    t = random_table(3, 2, seed=5)
    ds = bm(t, "sink", "bilateral", "sectoral-bilateral")
    assert ds.attrs["method"] == "bm"
    assert "Borin" in ds.attrs["reference"]
    assert (ds.attrs["option_approach"], ds.attrs["option_perspective"]) == ("sink", "bilateral")
    assert ds.attrs["option_level"] == "sectoral-bilateral"
    assert list(ds.exporter.values) == list(t.countries)
    assert list(ds.sector.values) == list(t.sectors)
    assert list(ds.importer.values) == list(t.countries)
    for g in range(t.G):  # no exports to oneself
        assert float(np.abs(ds.isel(exporter=g, importer=g).to_array()).max()) == 0.0


# -- consistency between perspectives, levels and approaches ---------------------------


@pytest.mark.parametrize("approach", ["source", "sink"])
def test_exporter_perspective_adds_up_over_levels(rtable, approach):
    """Exporter perspective: sector and bilateral values add up to the exporter's (icio help)."""
    top = bm(rtable, approach, "exporter")
    full = bm(rtable, approach, "exporter", "sectoral-bilateral")
    sec = bm(rtable, approach, "exporter", "sector")
    bil = bm(rtable, approach, "exporter", "bilateral")
    scale = float(top.gexp.max())
    for k in top.data_vars:
        assert _rel(full[k].sum("sector"), bil[k], scale) < 1e-9, k
        assert _rel(full[k].sum("importer"), sec[k], scale) < 1e-9, k
        assert _rel(bil[k].sum("importer"), top[k], scale) < 1e-9, k


@pytest.mark.parametrize("approach", ["source", "sink"])
def test_other_perspectives_aggregate_only_gross_and_content(rtable, approach):
    """gexp, dc and fc do not depend on the perimeter (icio help); value added does."""
    sb = bm(rtable, approach, "sectoral-bilateral")
    bil = bm(rtable, approach, "bilateral")
    sec = bm(rtable, approach, "sector")
    top = bm(rtable, approach, "exporter")
    scale = float(top.gexp.max())
    for k in ("gexp", "dc", "fc"):
        assert _rel(sb[k].sum("sector"), bil[k], scale) < 1e-9
        assert _rel(sb[k].sum("importer"), sec[k], scale) < 1e-9
        assert _rel(bil[k].sum("importer"), top[k], scale) < 1e-9
    # A narrower perimeter double counts less: B^{\Ω}_ss grows as fewer coefficients are removed.
    tol = 1e-9 * scale
    assert (sb.dva.sum("sector") >= bil.dva - tol).all()
    assert (bil.dva.sum("importer") >= top.dva - tol).all()
    assert (sec.dva.sum("sector") >= top.dva - tol).all()
    # ... and within one perimeter the finer level adds up to the perimeter's own.
    for p in ("sector", "bilateral"):
        fine = bm(rtable, approach, p, "sectoral-bilateral")
        own = bm(rtable, approach, p)
        dim = "importer" if p == "sector" else "sector"
        for k in own.data_vars:
            assert _rel(fine[k].sum(dim), own[k], scale) < 1e-9, (p, k)


def test_source_dva_is_los_timmer_de_vries(rtable):
    """Exporter perspective, source: DVA_s = Σ_i (V_s L_ss E_s*)_i (KWW terms 1-5, LTV 2016)."""
    c = rtable.core
    G, N = rtable.G, rtable.N
    Es = rtable.exports.sum(axis=1).reshape(G, N)
    ltv = [c.v[s * N : (s + 1) * N] @ c.L_local[s] @ Es[s] for s in range(G)]
    ds = bm(rtable, "source", "exporter")
    assert _rel(ds.dva, ltv, float(ds.gexp.max())) < 1e-9


def test_source_and_sink_agree_in_aggregate(rtable):
    """Same DVA, DDC, FVA, FDC, VAX, REF for a whole perimeter; different allocation inside it."""
    scale = float(rtable.exports.sum(axis=0).max())
    for p in LEVELS:
        src, snk = bm(rtable, "source", p), bm(rtable, "sink", p)
        for k in ("dva", "ddc", "fva", "fdc", "vax", "ref"):
            assert _rel(src[k], snk[k], scale) < 1e-9, (p, k)
    src = bm(rtable, "source", "exporter", "sectoral-bilateral")
    snk = bm(rtable, "sink", "exporter", "sectoral-bilateral")
    both = ("sector", "importer")
    assert _rel(src.dva.sum(both), snk.dva.sum(both), scale) < 1e-9
    if rtable.G > 2:  # with two countries every re-export goes back through the same flow
        assert _rel(src.dva, snk.dva, scale) > 1e-6


def test_vaxim_bounded_by_vax():
    """Value added absorbed by the direct importer is part of the value added absorbed abroad."""
    t = random_table(4, 3, seed=7)
    ds = bm(t, "sink", "exporter", "bilateral")
    tol = 1e-9 * float(ds.gexp.max())
    assert (ds.vaxim <= ds.vax + tol).all()
    assert (ds.vaxim >= -tol).all()
    assert "vaxim" not in bm(t, "sink", "exporter")
    assert "vaxim" not in bm(t, "sink", "bilateral")


# -- options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"approach": "middle"}, "approach"),
        ({"perspective": "globe"}, "perspective must be one of .*'world'"),
        ({"perspective": "sector", "level": "bilateral"}, "perspective='sector'"),
        ({"perspective": "sectoral-bilateral", "level": "exporter"}, "Supported"),
        ({"perspective": "bilateral", "level": "importer"}, "level='importer'"),
        # world: sink approach and exporter level only (tests/test_bm_world.py)
        ({"perspective": "world"}, "pass approach='sink'.*default .* is 'source'"),
        ({"perspective": "world", "approach": "source"}, "approach='sink' only"),
        ({"perspective": "world", "approach": "middle"}, "approach must be one of"),
        ({"perspective": "world", "approach": "sink", "level": "sector"},
         "level must be one of \\('exporter',\\)"),
        ({"perspective": "world", "approach": "sink", "level": "sectoral-bilateral"},
         "perspective='exporter': level in"),
        ({"perspective": "world", "approach": "sink", "level": "country"}, "level='country'"),
    ],
)
def test_bad_options(kwargs, needle):
    with pytest.raises(OptionError, match=needle):
        bm(random_table(2, 1), **kwargs)


# -- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BalanceWarning)
        return gd.load_wiod2013(2011, path=wiod2013_dir)


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_identities_wiod2013(wiod2011, approach, perspective, level):
    ds = bm(wiod2011, approach, perspective, level)
    check_identities(ds, 1e-9)


def test_wiod2013_dva_and_aggregates(wiod2011):
    t = wiod2011
    c = t.core
    G, N = t.G, t.N
    Es = t.exports.sum(axis=1).reshape(G, N)
    ltv = np.array([c.v[s * N : (s + 1) * N] @ c.L_local[s] @ Es[s] for s in range(G)])
    src = bm(t, "source", "exporter")
    scale = float(src.gexp.max())
    assert _rel(src.dva, ltv, scale) < 1e-9
    snk = bm(t, "sink", "exporter", "bilateral")
    assert _rel(snk.dva.sum("importer"), src.dva, scale) < 1e-9
    by_partner = bm(t, "source", "exporter", "bilateral").sum("importer")
    assert _rel(by_partner.gvc, src.gvc, scale) < 1e-9
    assert float((src.dva / src.gexp).min()) > 0.2  # a sanity floor: DVA share of exports


# -- country groups ------------------------------------------------------------------------

GROUPINGS = {"AB": {"AB": ["C0", "C2"]}, "PQ": {"P": ["C3", "C0"], "Q": ["C1", "C2"]}}


@pytest.fixture(scope="module")
def gtable():
    return random_table(4, 3, seed=11)


@pytest.mark.parametrize("gname", list(GROUPINGS))
@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_country_groups_match_dense_formulas(gtable, gname, approach, perspective, level):
    groups = GROUPINGS[gname]
    ds = bm(gtable, approach, perspective, level, groups=groups)
    names = region_names(gtable, groups)
    assert list(ds.exporter.values) == names
    if "importer" in ds.dims:
        assert list(ds.importer.values) == names
    ref = dense_bm(gtable, approach, perspective, level, region_indices(gtable, groups))
    assert set(ds.data_vars) == set(ref)
    scale = float(np.abs(ref["gexp"]).max())
    for k, a in ref.items():
        assert _rel(ds[k].values, a, scale) < 1e-9, k
    check_identities(ds, 1e-9)


@pytest.mark.parametrize("groups", list(GROUPINGS.values()), ids=list(GROUPINGS))
@pytest.mark.parametrize("approach", ["source", "sink"])
def test_country_groups_aggregate_as_without(groups, approach):
    """The relations between levels and approaches hold with regions as with countries."""
    t = random_table(5, 3, seed=14)
    top = bm(t, approach, "exporter", groups=groups)
    full = bm(t, approach, "exporter", "sectoral-bilateral", groups=groups)
    scale = float(top.gexp.max())
    for k in top.data_vars:
        assert _rel(full[k].sum(["sector", "importer"]), top[k], scale) < 1e-9, k
    for p in LEVELS:
        src, snk = bm(t, "source", p, groups=groups), bm(t, "sink", p, groups=groups)
        for k in ("dva", "ddc", "fva", "fdc", "vax", "ref"):
            assert _rel(src[k], snk[k], scale) < 1e-9, (p, k)


def test_one_country_group_equals_that_country():
    t = random_table(4, 3, seed=5)
    for approach, perspective, level in COMBOS:
        plain = bm(t, approach, perspective, level)
        grouped = bm(t, approach, perspective, level, groups={"C2": ["C2"]})
        assert grouped.exporter.values[0] == "C2"
        sel = {d: plain[d] for d in ("exporter", "importer") if d in plain.dims}
        grouped = grouped.sel(sel)
        for k in plain.data_vars:
            np.testing.assert_allclose(grouped[k].values, plain[k].values, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("groups", list(GROUPINGS.values()), ids=list(GROUPINGS))
def test_country_groups_source_dva_is_kww_terms_1_to_5(groups):
    """Exporter perspective, source: DVA = KWW terms 1-5 = V_s L_ss E_s*, same regions."""
    from gvcdecomp.methods.kww import TERMS as KWW_TERMS
    from gvcdecomp.methods.kww import kww

    t = random_table(4, 3, seed=15)
    ds = bm(t, "source", "exporter", groups=groups)
    k = kww(t, groups=groups)
    assert list(k.exporter.values) == list(ds.exporter.values)
    assert _rel(ds.dva, sum(k[x] for x in KWW_TERMS[:5]), float(ds.gexp.max())) < 1e-10
    assert _rel(ds.gexp, k.gexp, float(ds.gexp.max())) < 1e-12


@pytest.mark.parametrize("groups, error, match", BAD_GROUPS)
def test_bad_groups(groups, error, match):
    with pytest.raises(error, match=match):
        bm(random_table(3, 2), groups=groups)


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_identities_wiod2013_eu27(wiod2011, approach, perspective, level):
    ds = bm(wiod2011, approach, perspective, level, groups={"EU27": EU27})
    assert ds.sizes["exporter"] == 15 and ds.exporter.values[0] == "EU27"
    check_identities(ds, 1e-9)


def test_wiod2013_eu27_dva_is_kww(wiod2011):
    from gvcdecomp.methods.kww import TERMS as KWW_TERMS
    from gvcdecomp.methods.kww import kww

    groups = {"EU27": EU27}
    src = bm(wiod2011, "source", "exporter", groups=groups)
    k = kww(wiod2011, groups=groups)
    scale = float(src.gexp.max())
    assert _rel(src.dva, sum(k[x] for x in KWW_TERMS[:5]), scale) < 1e-9
    snk = bm(wiod2011, "sink", "exporter", "bilateral", groups=groups)
    assert _rel(snk.dva.sum("importer"), src.dva, scale) < 1e-9
