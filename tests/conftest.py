"""Shared fixtures: the real data folder and small random tables."""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from gvcdecomp import IOTable

IN_CI = os.environ.get("CI", "").lower() == "true"


def _data_root() -> Path:
    env = os.environ.get("GVCDECOMP_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


# Loaders called without path= look in $GVCDECOMP_DATA_DIR: point it at the shared data.
os.environ.setdefault("GVCDECOMP_DATA_DIR", str(_data_root()))
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


@pytest.fixture(params=[(4, 3, 0), (3, 2, 1), (5, 4, 2), (2, 1, 3)], ids=lambda p: f"G{p[0]}N{p[1]}")
def rtable(request):
    G, N, seed = request.param
    return random_table(G, N, seed=seed)
