"""Shared fixtures: the real data folder and small random tables."""

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp import IOTable

IN_CI = os.environ.get("CI", "").lower() == "true"


def _data_root() -> Path:
    env = os.environ.get("GVCDECOMP_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


# Loaders called without path= look in $GVCDECOMP_DATA_DIR: point it at the shared data.
os.environ.setdefault("GVCDECOMP_DATA_DIR", str(_data_root()))
# No test reaches a publisher: downloads are tested against a local server (test_download).
os.environ.setdefault("GVCDECOMP_OFFLINE", "1")
# Parsed-table caches go to a throwaway folder, never the user's (or ../shared).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="gvcdecomp-test-cache-")


def require_data(source: str) -> Path:
    """Folder of a shared data source; skips locally, fails in CI, when it is missing."""
    d = _data_root() / source
    if not d.is_dir():
        msg = f"shared data {d} is missing (set GVCDECOMP_DATA_DIR)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return d


@pytest.fixture(scope="session")
def wiod2013_dir():
    return require_data("wiod2013")


@pytest.fixture(scope="session")
def longrun_dir():
    return require_data("wiod_longrun")


@pytest.fixture(scope="session")
def niot_dir():
    return require_data("wiod2016_niot")


def random_table(G=4, N=3, K=2, seed=0, zero_sector=False, negative_inventory=False) -> IOTable:
    """A random, balanced (output = row sums) table of G countries x N sectors."""
    rng = np.random.default_rng(seed)
    n = G * N
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.8)
    Y = rng.uniform(0, 30, (n, G, K))
    # value added of at least half of output keeps I - A well conditioned
    Z *= 0.5 * (Z.sum(axis=1) + Y.sum(axis=(1, 2))).min() / Z.sum(axis=0).max()
    if negative_inventory:
        Y[:, :, -1] = -0.05 * Y[:, :, -1]
    if zero_sector:
        Z[1, :] = Z[:, 1] = 0.0
        Y[1] = 0.0
    return IOTable(
        Z, Y, [f"C{g}" for g in range(G)], [f"s{i}" for i in range(N)],
        [f"F{k}" for k in range(K)], year=2000 + seed, source=f"random seed {seed}",
    )  # fmt: skip


def stored_output_table(G=4, N=3, K=2, seed=0, gap=0.04, **kw) -> IOTable:
    """:func:`random_table` with published output that differs from the row sums
    by up to ``gap`` (relative), used as the model's output (``output="stored"``)."""
    t = random_table(G, N, K, seed=seed, **kw)
    x = t.x * (1 + np.random.default_rng(seed + 1000).uniform(-gap, gap, t.n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        return IOTable(
            t.Z, t.Y, t.countries, t.sectors, t.fd_categories, x=x, output="stored",
            year=t.year, source=f"{t.source}, stored output",
        )  # fmt: skip


SHAPES = [(4, 3, 0), (3, 2, 1), (5, 4, 2), (2, 1, 3)]


@pytest.fixture(params=SHAPES, ids=lambda p: f"G{p[0]}N{p[1]}")
def rtable(request):
    G, N, seed = request.param
    return random_table(G, N, seed=seed)


@pytest.fixture(
    params=[(*p, out) for p in SHAPES for out in ("rowsum", "stored")],
    ids=lambda p: f"G{p[0]}N{p[1]}-{p[3]}",
)
def anytable(request):
    """Random tables under both gross-output choices, for checks against the
    plain transcriptions (which read the table's own x)."""
    G, N, seed, output = request.param
    return random_table(G, N, seed=seed) if output == "rowsum" else stored_output_table(G, N, seed=seed)


# -- country groups, shared by the tests of every method ------------------------------
#: The WIOD 2013 codes of the EU's 27 members in 2011 (Romania is ROM in WIOD).
EU27 = (
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IRL ITA LTU LUX LVA MLT NLD "
    "POL PRT ROM SVK SVN SWE"
).split()

#: Malformed groups for a random table of countries C0, C1, C2, and what they raise.
BAD_GROUPS = [
    ({"EU": ["C0", "ZZZ"]}, gd.UnknownLabelError, "unknown country 'ZZZ'"),
    ({"A": ["C0", "C1"], "B": ["C1"]}, gd.OptionError, "two groups"),
    ({"C1": ["C0"]}, gd.OptionError, "also a country"),
    ({"E": "C0"}, gd.OptionError, "list of country codes"),
    ({"E": []}, gd.OptionError, "no members"),
]


def region_names(t, groups):
    """Regions in the documented order: the groups, then the other countries."""
    return list(groups) + [c for c in t.countries if not any(c in m for m in groups.values())]


def region_indices(t, groups):
    """Country indices of each region, in :func:`region_names` order."""
    return [[t.country_index(c) for c in groups.get(n, [n])] for n in region_names(t, groups)]


@pytest.fixture
def fresh_warnings(monkeypatch):
    """The test starts as a new process would: no table's findings warned yet."""
    from gvcdecomp import table

    monkeypatch.setattr(table, "_WARNED", set())


def balance_warnings(fn):
    """``fn()`` and the BalanceWarnings it gave, every one recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [w for w in caught if issubclass(w.category, gd.BalanceWarning)]


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display); skips the calling
    test module when matplotlib is not installed."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@pytest.fixture
def close_figures():
    """Close the figures a test opened (use with ``pytest.mark.usefixtures``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_equal_to_rounding(got, want, rel=1e-13):
    """Two results equal but for the last bits: the same variables, labels and
    attributes (``gap_world``, itself rounding, aside), every value within
    ``rel`` of the result's largest flow (not the variable's: ``gap`` is itself
    rounding). For results reached by two paths of the same arithmetic (a list
    of methods read from the dense B)."""
    import xarray as xr

    assert list(got.data_vars) == list(want.data_vars)
    assert list(got.coords) == list(want.coords)
    for c in want.coords:
        xr.testing.assert_identical(got[c].variable, want[c].variable)
    skip = {"gap_world"}
    assert {k: v for k, v in got.attrs.items() if k not in skip} == {
        k: v for k, v in want.attrs.items() if k not in skip
    }
    scale = max(float(np.abs(v.values).max()) for v in want.data_vars.values() if v.size)
    for name in want.data_vars:
        a, b = got[name], want[name]
        assert a.dims == b.dims and a.attrs == b.attrs, name
        np.testing.assert_allclose(a.values, b.values, rtol=0, atol=rel * scale, err_msg=name)
