import os

import numpy as np
import pytest
import gvcdecomp as gd

distributed = pytest.importorskip("distributed")


METHODS = ["wwz", "kww", ("bm", {"approach": "sink", "perspective": "bilateral"}), "leontief"]


def thread_env():
    return {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}


@pytest.fixture(autouse=True)
def keep_thread_env():
    """A LocalCluster made here sets OMP/OPENBLAS_NUM_THREADS=1 in os.environ for good:
    put them back so that later tests' subprocesses start as before."""
    saved = thread_env()
    yield
    for k in thread_env():
        del os.environ[k]
    os.environ.update(saved)


def test_dask_panel_equals_in_process(wiod2013_dir):
    panel = gd.load_wiod2013([2010, 2011], path=wiod2013_dir)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with distributed.Client(cluster) as client:
            remote = gd.decompose(panel, "wwz", client=client, progress=False)
            several = gd.decompose(panel, METHODS, client=client, progress=False)
    local = gd.decompose(panel, "wwz", progress=False)
    assert list(remote.year.values) == [2010, 2011]
    # workers run BLAS single-threaded, this process may not: sums differ in the last bits
    for k in local.data_vars:
        np.testing.assert_allclose(remote[k].values, local[k].values, rtol=1e-12, atol=1e-9)
    # the list of methods: one task per year, every method, as one-method calls here
    assert list(several) == ["wwz", "kww", "bm", "leontief"]
    for (label, ds), m in zip(several.items(), METHODS):
        name, opts = m if isinstance(m, tuple) else (m, {})
        one = gd.decompose(panel, name, progress=False, **opts)
        assert list(ds.year.values) == [2010, 2011] and set(ds.data_vars) == set(one.data_vars)
        for k in one.data_vars:
            np.testing.assert_allclose(ds[k].values, one[k].values, rtol=1e-12, atol=1e-9, err_msg=label)


def test_bad_client():
    panel = gd.Panel([2000], lambda y: gd.tiny_table(), "tiny")
    with pytest.raises(gd.OptionError, match="client"):
        gd.decompose(panel, "wwz", client="somewhere")


def test_local_client_leaves_the_environment_as_it_was(wiod2013_dir):
    before = thread_env()
    panel = gd.load_wiod2013([2010, 2011], path=wiod2013_dir)
    r = gd.decompose(panel, "kww", client="local", progress=False)
    assert list(r.year.values) == [2010, 2011]
    assert thread_env() == before  # dask had set OMP/MKL/OPENBLAS_NUM_THREADS=1 here
