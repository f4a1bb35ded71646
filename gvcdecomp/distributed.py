"""Years of a panel as tasks on a Dask cluster (optional dependency ``distributed``)."""

from __future__ import annotations

import os
import warnings

from tqdm import tqdm

from . import table as table_module
from .errors import OptionError
from .table import caller_stacklevel


def _one_year(panel, year, specs):
    # runs on a worker: the table is read there, never shipped, and every method
    # of the list runs on it before it is dropped. Its warnings are returned, not
    # printed there (across the client's bar, at no line of the caller's code).
    from .methods import run_year

    before = set(table_module._WARNED)
    with warnings.catch_warnings(record=True) as held, table_module.defer_warnings():
        table = panel[year]
        out = run_year(panel, year, table, specs)
    found = (table.diagnostics, table.notes, table_module._WARNED - before)
    return out, found, [(w.category, str(w.message)) for w in held]


def map_years(panel, specs: dict, client, progress: bool, desc: str) -> list:
    """``[run_all(panel[y], specs) for y in panel]`` computed on a Dask cluster.

    ``specs`` as built by :func:`gvcdecomp.methods.method_specs`; one task per year.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise OptionError(
            "client= needs the 'distributed' package: pip install 'gvcdecomp[dask]'"
        ) from None
    own = client == "local"
    if own:
        # dask sets OMP/MKL/OPENBLAS_NUM_THREADS=1 in this process's environment for its
        # workers and leaves them: every later subprocess of the user's would start its
        # BLAS on one thread
        saved = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True)
        client = Client(cluster)
    elif not isinstance(client, Client):
        raise OptionError(f'client must be a dask.distributed.Client or "local", got {client!r}')
    try:
        futures = [client.submit(_one_year, panel, y, specs, pure=False) for y in panel.years]
        for _ in tqdm(as_completed(futures), total=len(futures), desc=desc, disable=not progress):
            pass
        per_year = client.gather(futures)
    finally:
        if own:
            client.close()
            cluster.close()
            for k in [k for k in os.environ if k.endswith("_NUM_THREADS")]:
                del os.environ[k]
            os.environ.update(saved)
    # as in this process: one summary of the years' balance findings after the bar (a
    # year summarised is not warned again when loaded here), then each other warning once
    with panel.collecting():
        for y, (_, (diagnostics, notes, warned), _) in zip(panel.years, per_year, strict=True):
            panel.record(y, diagnostics, notes)
            table_module._WARNED.update(warned)
    held = dict.fromkeys(w for _, _, ws in per_year for w in ws)
    for category, message in held:
        warnings.warn(message, category, stacklevel=caller_stacklevel())
    return [out for out, _, _ in per_year]
