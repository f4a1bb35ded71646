"""One thread pool at a time: BLAS threads and numba's parallel kernels share the cores.

On a machine with few cores, OpenBLAS's worker threads (which spin for a while
after each call) and numba's parallel kernels compete for the same cores, and
small products (blocks of one country, 35 x 35 on WIOD 2013) gain nothing from
a second BLAS thread. So the library runs the Leontief inverse (one large LU
factorisation) with every BLAS thread, and the methods after it with BLAS on
one thread, leaving the cores to numba's kernels, unless the table is large
enough for its matrix products to gain from BLAS threads
(``SERIAL_BLAS_BELOW``). Nothing here changes a result: only which threads do
the arithmetic.
"""

from __future__ import annotations

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
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


@contextmanager
def serial_blas():
    """Run the block with every loaded BLAS library limited to one thread, then restore."""
    with _blas().limit(limits=1, user_api="blas"):
        yield


def for_methods(n: int):
    """The thread setting for the methods on a table of ``n`` rows: see the module doc."""
    return serial_blas() if n < SERIAL_BLAS_BELOW else nullcontext()
