"""One thread pool at a time: BLAS threads and numba's parallel kernels share the cores.

On a machine with few cores, OpenBLAS's worker threads (which spin for a while
after each call) and numba's parallel kernels compete for the same cores, and
small products (blocks of one country, 35 x 35 on WIOD 2013) gain nothing from
a second BLAS thread. So the library runs its O(n³) steps (the LU
factorisation, the dense inverse when a result needs it, the diagonal blocks)
with as many BLAS threads as cores are idle when they start, and the methods
around them with BLAS on one thread, leaving the cores to numba's kernels,
unless the table is large enough for its matrix products to gain from BLAS
threads (``SERIAL_BLAS_BELOW``). Nothing here changes a result: only which threads do
the arithmetic.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext

#: Tables with fewer rows (GN) run their methods with BLAS on one thread; above,
#: the GN x GN x G products of the methods gain from BLAS threads (measured:
#: benchmarks/RESULTS.md, "Threads").
SERIAL_BLAS_BELOW = 3000

_controller = None


def _blas():
    # Built on first use, once numpy's and scipy's BLAS libraries are loaded
    # (scanning the loaded libraries costs milliseconds: not on every call).
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401  (its own OpenBLAS does the LU and the solves: load it first)
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


#: BLAS thread counts in force when the open serial_blas blocks were entered.
_outer: list[int] = []


def _blas_threads() -> int:
    return max((c.num_threads for c in _blas().lib_controllers if c.user_api == "blas"), default=1)


@contextmanager
def serial_blas():
    """Run the block with every loaded BLAS library limited to one thread, then restore."""
    _outer.append(_blas_threads())
    try:
        with _blas().limit(limits=1, user_api="blas"):
            yield
    finally:
        _outer.pop()


def idle_cores() -> int:
    """Usable cores less the runnable threads of other processes now, at least 1.

    From ``/proc/loadavg``'s count of runnable threads, less this process's own
    (its idle BLAS workers spin and would count); every usable core where
    ``/proc`` is missing (not Linux).
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
        own = 0
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/stat") as f:
                    stat = f.read()
            except OSError:
                continue  # a thread that just ended
            own += stat[stat.rindex(")") + 2] == "R"
    except (OSError, ValueError, IndexError):
        return usable
    return max(1, min(usable, usable - (running - own)))


@contextmanager
def for_factors():
    """BLAS threads for the O(n³) steps (the LU, the dense B, the diagonal blocks).

    As many as cores are idle when the step starts, never more than the caller
    allowed (the count in force outside the library's own serial blocks): a
    BLAS thread waiting for a core that another process holds makes a large LU
    2-3 x slower than one thread would (benchmarks/core_threads.py), while on
    an idle machine the second core gains about 1.6 x.
    """
    allowed = _outer[0] if _outer else _blas_threads()
    with _blas().limit(limits=max(1, min(allowed, idle_cores())), user_api="blas"):
        yield


def for_methods(n: int):
    """The thread setting for the methods on a table of ``n`` rows: see the module doc."""
    return serial_blas() if n < SERIAL_BLAS_BELOW else nullcontext()
