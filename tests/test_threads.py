"""Thread coordination: BLAS limited to one thread where the methods run, restored after."""

import numpy as np
import xarray as xr
from conftest import random_table
from threadpoolctl import threadpool_info

import gvcdecomp as gd
from gvcdecomp import threads


def blas_threads():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_serial_blas_limits_and_restores():
    before = blas_threads()
    assert before, "no BLAS library found loaded"
    with threads.serial_blas():
        assert set(blas_threads().values()) == {1}
        np.linalg.inv(np.eye(50) + 0.01)
    assert blas_threads() == before


def test_methods_run_serial_below_the_threshold_only():
    with threads.for_methods(threads.SERIAL_BLAS_BELOW - 1):
        assert set(blas_threads().values()) == {1}
    before = blas_threads()
    with threads.for_methods(threads.SERIAL_BLAS_BELOW):
        assert blas_threads() == before


def test_results_do_not_depend_on_the_thread_setting():
    # the methods under serial BLAS (as decompose runs them) against one BLAS thread
    # everywhere and the core computed under the same limit: the same numbers to round-off
    t = random_table(G=5, N=4, seed=3)
    out = gd.decompose(t, ["wwz", "kww", ("bm", {"perspective": "bilateral"}), "leontief"])
    with threads.serial_blas():
        u = random_table(G=5, N=4, seed=3)
        ref = {m: gd.decompose(u, m, perspective="bilateral") if m == "bm"
               else gd.decompose(u, m) for m in out}  # fmt: skip
    for m in out:
        xr.testing.assert_allclose(out[m], ref[m], rtol=1e-12, atol=1e-12)
