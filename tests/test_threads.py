"""Thread coordination: BLAS limited to one thread where the methods run, restored after."""

import os

import numpy as np
import scipy.linalg  # noqa: F401  (loaded, as the library loads it, before counting threads)
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


def test_factor_steps_never_exceed_the_callers_limit():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        with threads.for_factors():
            assert set(blas_threads().values()) == {1}  # the user's 1
        with threads.serial_blas(), threads.for_factors():
            assert set(blas_threads().values()) == {1}
    before = max(blas_threads().values())
    with threads.serial_blas():
        with threads.for_factors():  # the library's own serial block lifted for the LU
            assert max(blas_threads().values()) == before
        assert set(blas_threads().values()) == {1}  # and restored after


def test_results_do_not_depend_on_where_the_core_is_built():
    # the LU's last bits depend on the BLAS thread count: inside the methods'
    # serial block (run_all) and outside it (a direct call) it must be the same
    t, u = random_table(G=20, N=30, seed=3), random_table(G=20, N=30, seed=3)  # big enough for BLAS threads
    from gvcdecomp.methods.wwz import wwz

    xr.testing.assert_identical(gd.decompose(t, ["kww", "wwz"])["wwz"], gd.vocabulary.describe(wwz(u)))


def test_scipy_blas_is_limited_too():
    # scipy's own OpenBLAS (LAPACK getrf/getrs and the trsm of the diagonal blocks)
    # must be under control even when the controller is built before scipy is imported
    import subprocess
    import sys

    code = (
        "from gvcdecomp import threads\n"
        "with threads.serial_blas():\n"
        "    import scipy.linalg\n"
        "    from threadpoolctl import threadpool_info\n"
        "    n = {i['filepath']: i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}\n"
        "assert any('scipy.libs' in p for p in n), n\n"
        "assert set(n.values()) == {1}, n\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_blocks_of_threads_ending_out_of_order_restore_the_callers_setting():
    # the BLAS setting is one per process: thread A's serial block ends while
    # thread B's is open, then B's ends; BLAS must be back at the caller's count
    # (restoring per block left it on one thread for good), and B's block stays
    # serial after A's ends. In a fresh process: once numba's OpenMP layer has run,
    # OpenBLAS ignores a count set from a thread other than the main one.
    import subprocess
    import sys

    code = """
import threading
from gvcdecomp import threads
def n():
    return [c.num_threads for c in threads._blas().lib_controllers if c.user_api == "blas"]
before, seen = n(), []
a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
def a():
    with threads.serial_blas():
        a_in.set()
        b_in.wait(10)
    a_out.set()
def b():
    a_in.wait(10)
    with threads.serial_blas():
        b_in.set()
        a_out.wait(10)
        seen.append(n())
        with threads.for_factors():
            seen.append(n())
workers = [threading.Thread(target=f) for f in (a, b)]
for w in workers:
    w.start()
for w in workers:
    w.join()
assert max(before) > 1, before
assert seen == [[1] * len(before), before], (seen, before)
assert n() == before, (n(), before)
"""
    # dask's workers (tests/test_distributed.py) leave OMP_NUM_THREADS=1 etc. in the
    # environment, which would start the subprocess's BLAS on one thread
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_an_exception_inside_the_blocks_restores_the_setting():
    before = blas_threads()
    try:
        with threads.serial_blas(), threads.for_factors():
            raise KeyError("inside")
    except KeyError:
        pass
    assert blas_threads() == before


def test_a_decomposition_in_a_worker_thread_equals_one_in_the_main_thread():
    # threadpoolctl ignores, without a word, a BLAS count set by a thread other than
    # the first that set it: the worker's serial blocks ran on every BLAS thread and
    # its WWZ terms differed in the last bits (GN = 600: BLAS threads at work)
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import ThreadpoolController

    main = gd.decompose(random_table(G=20, N=30, seed=3), "wwz")
    for c in ThreadpoolController().lib_controllers:  # the main thread sets a count itself
        if c.user_api == "blas":
            c.set_num_threads(c.num_threads)
    with ThreadPoolExecutor(1) as pool:
        worker = pool.submit(gd.decompose, random_table(G=20, N=30, seed=3), "wwz").result()
    xr.testing.assert_identical(worker, main)
