"""One thread pool at a time: BLAS threads and numba's parallel kernels share the cores.

On a machine with few cores, OpenBLAS's worker threads (which spin for a while
after each call) and numba's parallel kernels compete for the same cores, and
small products (blocks of one country, 35 x 35 on WIOD 2013) gain nothing from
a second BLAS thread. So the library runs its O(n³) steps (the LU
factorisation, the dense inverse when a result needs it, the diagonal blocks)
with every BLAS thread the caller allows, and the methods
around them with BLAS on one thread, leaving the cores to numba's kernels,
unless the table is large enough for its matrix products to gain from BLAS
threads (``SERIAL_BLAS_BELOW``). Nothing here changes a result: only which threads do
the arithmetic. One exception: the count is one per process, so when calls run
at once in several Python threads, one call's factorisation lifts it for the
others' methods meanwhile, whose terms may then differ in the last bits (about
1e-16 relative measured, WWZ on GN = 600) from the same call run alone.
"""

from __future__ import annotations

import threading
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


# The BLAS thread count is one setting per process, shared by every Python thread:
# blocks opened by concurrent calls (decompose in a thread pool) are counted under a
# lock and the setting is derived from the counts, so blocks may end in any order.
# (Restoring "the value at entry" per block, as nested limits do, left BLAS on one
# thread for good once two threads' serial blocks ended out of order.)
_lock = threading.Lock()
_open = {"serial": 0, "factors": 0}  # blocks open in the whole process
_allowed: list[int] = []  # the caller's count per BLAS library, read when no block was open


def _enter(kind: str) -> None:
    with _lock:
        if not any(_open.values()):
            _allowed[:] = [c.num_threads for c in _libs()]
        _open[kind] += 1
        _apply()


def _leave(kind: str) -> None:
    with _lock:
        _open[kind] -= 1
        _apply()


def _apply() -> None:
    # the caller's counts while a factorisation runs or outside every block; 1 otherwise
    serial = _open["serial"] and not _open["factors"]
    for c, n in zip(_libs(), _allowed):
        # threadpoolctl (3.6+) lets only the thread that first set OpenBLAS's count
        # set it again (others are ignored without a word: a decompose in a worker
        # thread ran its methods on every BLAS thread) until that thread clears it;
        # the lock above serialises the library's settings, so it takes control
        # for each and hands it back
        clear = getattr(c, "clear_controlling_thread", None)
        if clear:
            clear(force=True)
        c.set_num_threads(1 if serial else n)
        if clear:
            clear()


def _libs():
    return [c for c in _blas().lib_controllers if c.user_api == "blas"]


@contextmanager
def serial_blas():
    """Run the block with every loaded BLAS library limited to one thread, then restore
    (the caller's setting once no block of any thread is open)."""
    _enter("serial")
    try:
        yield
    finally:
        _leave("serial")


@contextmanager
def for_factors():
    """BLAS threads for the O(n³) steps (the LU, the dense B, the diagonal blocks).

    Every thread the caller allows (the count in force outside the library's own
    blocks), also when such a step is first needed inside a method: on an
    idle machine the second core gains about 1.6 x there. Not fewer when the
    machine is busy: OpenBLAS's LU gives results that differ in the last bits
    with the thread count, and a result must not depend on the machine's load
    (nor on a serial block another thread opens meanwhile: none lowers the count
    while a factorisation runs).
    """
    _enter("factors")
    try:
        yield
    finally:
        _leave("factors")


def for_methods(n: int):
    """The thread setting for the methods on a table of ``n`` rows: see the module doc."""
    return serial_blas() if n < SERIAL_BLAS_BELOW else nullcontext()
