"""Years of a panel as tasks on a Dask cluster (optional dependency ``distributed``)."""

from __future__ import annotations

import os

from tqdm import tqdm

from .errors import OptionError


def _one_year(panel, year, specs):
    # runs on a worker: the table is read there, never shipped, and every method
    # of the list runs on it before it is dropped
    from .methods import run_all

    return run_all(panel[year], specs)


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
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True)
        client = Client(cluster)
    elif not isinstance(client, Client):
        raise OptionError(f'client must be a dask.distributed.Client or "local", got {client!r}')
    try:
        futures = [client.submit(_one_year, panel, y, specs, pure=False) for y in panel.years]
        for _ in tqdm(as_completed(futures), total=len(futures), desc=desc, disable=not progress):
            pass
        return client.gather(futures)
    finally:
        if own:
            client.close()
            cluster.close()
