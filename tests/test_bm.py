"""Borin–Mancini decomposition: identities, a dense transcription of the formulas, aggregation."""

import itertools
import warnings

import numpy as np
import pytest

from gvcdecomp.errors import OptionError
from gvcdecomp.methods.bm import LEVELS, bm
from gvcdecomp.table import BalanceWarning

from conftest import random_table

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


def dense_bm(t, approach, perspective, level):
    """BM (2019, 2023) terms with explicit extraction inverses (numpy.linalg.inv), loops.

    Returns a dict of arrays at (exporter, sector, importer), summed to ``level``.
    """
    G, N, n = t.G, t.N, t.n
    x = t.x
    A = t.Z / np.where(x > 0, x, 1.0) * (x > 0)
    v = np.where(x > 0, 1 - A.sum(0), 0.0)
    I = np.eye(n)
    B = np.linalg.inv(I - A)
    Y = t.Yc
    E = t.exports
    b = [slice(g * N, (g + 1) * N) for g in range(G)]
    L = [np.linalg.inv(np.eye(N) - A[b[r], b[r]]) for r in range(G)]

    def perimeter(s, i, r):
        """(sector, importer) pairs of s whose export coefficients Ω removes."""
        sectors = range(N) if perspective in ("exporter", "bilateral") else [i]
        partners = [q for q in range(G) if q != s] if perspective in ("exporter", "sector") else [r]
        return tuple(itertools.product(sectors, partners))

    cache = {}

    def extraction(s, omega):
        if (s, omega) not in cache:
            Ax = A.copy()
            for i2, r2 in omega:
                Ax[s * N + i2, b[r2]] = 0.0
            cache[s, omega] = np.linalg.inv(I - Ax)
        return cache[s, omega]

    names = ["gexp", "dc", "dva", "vax", "ref", "ddc", "fc", "fva", "fdc"]
    if approach == "source" and perspective == "exporter":
        names += ["davax", "gvc", "gvcb", "gvcf"]
    if approach == "sink" and perspective == "exporter" and "importer" in DIMS[level]:
        names += ["vaxim"]
    out = {k: np.zeros((G, N, G)) for k in names}
    for s in range(G):
        vs = v[b[s]]
        vt_Bts = sum(v[b[q]] @ B[b[q], b[s]] for q in range(G) if q != s)
        for i, r in itertools.product(range(N), range(G)):
            if r == s:
                continue
            e = E[s * N + i, r]
            Asr = A[b[s], b[r]]
            omega = perimeter(s, i, r)
            Bx = extraction(s, omega)
            out["gexp"][s, i, r] = e
            dc = (vs @ B[b[s], b[s]])[i] * e
            fc = vt_Bts[i] * e
            out["dc"][s, i, r], out["fc"][s, i, r] = dc, fc
            others = [j for j in range(G) if j != r]
            if approach == "source":
                w = vs @ Bx[b[s], b[s]]
                f = sum(v[b[q]] @ Bx[b[q], b[s]] for q in range(G) if q != s)
                back = Y[b[r], s] + sum(A[b[r], b[j]] @ (B[b[j]] @ Y[:, s]) for j in others)
                ref = w[i] * (Asr @ L[r] @ back)[i]
                out["dva"][s, i, r], out["fva"][s, i, r] = w[i] * e, f[i] * e
                out["ref"][s, i, r] = ref
                out["ddc"][s, i, r], out["fdc"][s, i, r] = dc - w[i] * e, fc - f[i] * e
                out["vax"][s, i, r] = w[i] * e - ref
                if perspective == "exporter":
                    davax = (vs @ L[s])[i] * (Y[s * N + i, r] + (Asr @ L[r] @ Y[b[r], r])[i])
                    out["davax"][s, i, r] = davax
                    out["gvcb"][s, i, r] = dc - w[i] * e + fc
                    out["gvcf"][s, i, r] = w[i] * e - davax
                    out["gvc"][s, i, r] = e - davax
            else:
                e_omega = np.zeros(n)
                Yx = Y.copy()
                for i2, r2 in omega:
                    e_omega[s * N + i2] += E[s * N + i2, r2]
                    Yx[s * N + i2, r2] = 0.0
                wb = vs @ B[b[s], b[s]]
                again = sum(A[b[r], b[j]] @ (Bx[b[j]] @ e_omega) for j in others)
                twice = (Asr @ L[r] @ again)[i]
                back = Y[b[r], s] + sum(A[b[r], b[j]] @ (Bx[b[j]] @ Yx[:, s]) for j in others)
                ref = wb[i] * (Asr @ L[r] @ back)[i]
                out["ddc"][s, i, r], out["fdc"][s, i, r] = wb[i] * twice, vt_Bts[i] * twice
                out["dva"][s, i, r] = dc - wb[i] * twice
                out["fva"][s, i, r] = fc - vt_Bts[i] * twice
                out["ref"][s, i, r], out["vax"][s, i, r] = ref, dc - wb[i] * twice - ref
                if "vaxim" in out:
                    onward = sum(A[b[r], b[j]] @ (Bx[b[j]] @ Yx[:, r]) for j in others)
                    direct = Y[s * N + i, r] + (Asr @ L[r] @ (Y[b[r], r] + onward))[i]
                    out["vaxim"][s, i, r] = wb[i] * direct
    axes = tuple(ax for ax, d in ((1, "sector"), (2, "importer")) if d not in DIMS[level])
    return {k: a.sum(axis=axes) for k, a in out.items()}


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_identities_random(rtable, approach, perspective, level):
    ds = bm(rtable, approach, perspective, level)
    assert ds.gexp.dims == DIMS[level]
    check_identities(ds, 1e-9)


@pytest.mark.parametrize(("approach", "perspective", "level"), COMBOS, ids=IDS)
def test_matches_dense_formulas(rtable, approach, perspective, level):
    ds = bm(rtable, approach, perspective, level)
    ref = dense_bm(rtable, approach, perspective, level)
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
        ({"perspective": "world"}, "perspective"),
        ({"perspective": "sector", "level": "bilateral"}, "perspective='sector'"),
        ({"perspective": "sectoral-bilateral", "level": "exporter"}, "Supported"),
        ({"perspective": "bilateral", "level": "importer"}, "level='importer'"),
    ],
)
def test_bad_options(kwargs, needle):
    with pytest.raises(OptionError, match=needle):
        bm(random_table(2, 1), **kwargs)


# -- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wiod2011(wiod2013_dir):
    import gvcdecomp as gd

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
