"""The Leontief model of a table, computed once and shared by every method.

The model is kept as the LU factors of (I - A)ᵀ, never as the dense inverse:
every decomposition needs products with B = (I - A)⁻¹ or Bᵀ on a few right-hand
sides, and the diagonal blocks B^{rr}, which triangular solves on the trailing
part of the factors give at about a quarter of the inverse's cost (see
docs/numerics.md, "The engine"). The dense B is built only on request; once a
call needs it, the call reads everything else from it too (:func:`dense_solves`).
"""

from __future__ import annotations

import contextvars
import ctypes
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager, nullcontext
from functools import cached_property

import numpy as np
import scipy.linalg.cython_blas
from scipy.linalg import lapack

from . import threads
from .errors import SingularMatrixError

#: Reciprocal condition number of I - A below which the inverse is refused.
RCOND_MIN = 1e-12

# Inside dense_solves(): solves, diagonal blocks and V B are read from the dense B.
# A context variable, so that calls in other Python threads keep their own path.
_DENSE = contextvars.ContextVar("gvcdecomp_dense_solves", default=False)


def dense_solves():
    """Within the block, the engine's solves (``B W``, ``Bᵀ W``), diagonal blocks
    and ``V B`` are products with, and slices of, the dense B (built on first use).

    Why: a call that forms B anyway (Leontief's ``va_origin``, Borin–Mancini's
    pair perimeters) then pays nothing more for the blocks and solves, which
    cost about 0.5 of an inverse from the factors. The numbers differ from the
    factors' path in the last bits only (about 1e-16 of the largest flow: two
    roundings of the same B); which path a call takes depends on what it
    computes, never on what earlier calls cached (``decompose`` decides it
    per call, see :func:`gvcdecomp.methods.forms_B`). A context manager.
    """
    return _on_path(True)


@contextmanager
def _on_path(dense: bool):
    token = _DENSE.set(dense)
    try:
        yield
    finally:
        _DENSE.reset(token)


def dense_when(forms_B: Callable[..., bool]):
    """Decorator of a method ``fn(table, ...)`` that forms the dense B for some
    options: ``forms_B(**options)`` (every parameter but ``table``, defaults
    applied) says when, and the method then runs in :func:`dense_solves`, so
    its other quantities come from that B. Kept as ``method.forms_B``."""

    def wrap(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def method(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as e:  # as the undecorated call names itself
                raise TypeError(f"{fn.__name__}(): {e}") from None
            bound.apply_defaults()
            options = dict(list(bound.arguments.items())[1:])
            with dense_solves() if forms_B(**options) else nullcontext():
                return fn(*args, **kwargs)

        method.forms_B = forms_B
        return method

    return wrap


#: Columns of identity per triangular solve when computing diagonal blocks: wide
#: enough for BLAS-3 speed, narrow enough that few blocks start their solve above
#: their own first row.
DIAG_BATCH = 256


class LeontiefCore:
    """Coefficients and the factorised Leontief model of one :class:`~gvcdecomp.table.IOTable`.

    Reached as ``table.core``; built on first access and cached there, so every
    method and every exporter reuses one factorisation. Eagerly computed:

    - ``v = 1 - u A`` (GN,), value added per unit of output, with
      ``A = Z x̂⁻¹`` the technical coefficients (a column with zero output gets
      zero coefficients); a sector with no output (or a negative row sum, see
      :class:`IOTable`) has v = 1, so that what it delivers (a stock
      draw-down) counts as its own value added and every unit of every flow is
      value added somewhere (``u V̂ B = u``);
    - the LU factors of ``(I - A)ᵀ`` (LAPACK ``getrf``, in place of the one
      copy of I - A) and ``condition``, the 1-norm condition number of I - A
      (``gecon``).

    Offered from the factors (see :class:`Engine`): ``solve(W) = B W`` and
    ``solve_t(W) = Bᵀ W`` for blocks of right-hand sides; per partition of the
    countries, in :class:`Regions` (``core.regions(groups)``, cached): the
    diagonal blocks ``B^{ss}``, ``V^t B^{t·}`` and the domestic inverses
    ``L_ss = (I - A_ss)⁻¹``. For the plain country partition ``L_local``
    (G, N, N) stacks the domestic inverses.

    Built lazily, on first use, and cached: ``A`` (GN, GN) and the dense
    global inverse ``B`` (GN, GN), for results that are GN x GN by nature.

    Raises :class:`~gvcdecomp.errors.SingularMatrixError` when I - A (or a
    domestic block) is singular or its reciprocal condition number is below
    ``RCOND_MIN``.
    """

    def __init__(self, table):
        # No reference back to the table (nor from Regions back to the core):
        # without cycles, a table and its core are freed as soon as they are
        # dropped, so a loop over years holds one year's arrays, not several.
        G, N = table.G, table.N
        self.G, self.N, self.n = G, N, table.n
        self.countries, self._name = tuple(table.countries), table._name
        self.engine = Engine(table.Z, table.x, table._name + ": I - A")
        self.v, self.condition = self.engine.v, self.engine.condition
        self._regions = {}

    @property
    def A(self) -> np.ndarray:
        """Technical coefficients ``Z x̂⁻¹`` (GN, GN), built on first use; read-only."""
        return _read_only(self.engine.A)

    @property
    def B(self) -> np.ndarray:
        """The dense Leontief inverse ``(I - A)⁻¹`` (GN, GN), built on first use; read-only
        (every later result of the table reads the cached B)."""
        return _read_only(self.engine.B)

    def solve(self, W: np.ndarray) -> np.ndarray:
        """``B W`` for W of shape (GN,) or (GN, k), from the factors (from the
        dense B inside :func:`dense_solves`)."""
        return self.engine.solve(W)

    def solve_t(self, W: np.ndarray) -> np.ndarray:
        """``Bᵀ W`` for W of shape (GN,) or (GN, k), as :meth:`solve`."""
        return self.engine.solve_t(W)

    def regions(self, groups=None) -> "Regions":
        """The table's countries, with ``groups`` merged into single regions.

        ``groups`` maps a region name to its member countries, e.g.
        ``{"EU": ["DEU", "FRA", ...]}``; trade among members is then domestic.
        Cached per grouping. See :class:`Regions`.
        """
        groups = normalize_groups(groups, self.countries)  # members read once, validated
        # per path: blocks and V B from the factors and from the dense B differ in the last bits
        key = (None if not groups else tuple(groups.items()), _DENSE.get())
        if key not in self._regions:
            self._regions[key] = Regions(self, groups)
        return self._regions[key]

    # The country partition's local inverses as one (G, N, N) array, for
    # indicators that work country by country.
    @cached_property
    def L_local(self) -> np.ndarray:
        out = np.stack(self.regions().L_local)
        out.flags.writeable = False
        return out

    def local_times(self, w: np.ndarray) -> np.ndarray:
        """``L_ss w_s`` for every country s, for w of shape (GN,) or (GN, k)."""
        return self.regions().local_times(w)


def _read_only(a: np.ndarray) -> np.ndarray:
    # a view: the cached array stays writeable for the numba kernels (a read-only
    # array is another type to them, compiled anew)
    view = a.view()
    view.flags.writeable = False
    return view


class Engine:
    """The LU factors of (I - A)ᵀ and everything computed from them.

    ``Z`` is the table's own array (shared, not copied) and ``inv_x`` the
    reciprocal output (0 where output is not positive): ``A_ij = Z_ij inv_x_j``,
    bit for bit the coefficient the dense ``A`` would hold, so kernels read A's
    entries from Z without a second GN x GN array. Construction holds two GN x GN
    arrays at most (Z and I - A, which ``getrf`` overwrites with its factors).

    C-ordered I - A is the Fortran-ordered (I - A)ᵀ, which LAPACK factors in
    place as ``(I - A)ᵀ = P L U``; then ``B = (I - A)⁻¹ = P L⁻ᵀ U⁻ᵀ``. Partial
    pivoting swaps no rows when every column of I - A is diagonally dominant
    (positive value added); ``pivoted`` records whether it swapped any, and
    ``perm`` is P as a gather (``P w = w[perm]``), used by :meth:`diag_blocks`.
    """

    def __init__(self, Z: np.ndarray, x: np.ndarray, what: str):
        n = x.size
        self.Z, self.n = Z, n
        self.inv_x = np.divide(1.0, x, out=np.zeros(n), where=x > 0)
        M = Z * self.inv_x  # A, turned into I - A in place (same bits as eye - A)
        self.v = 1.0 - M.sum(axis=0)
        self.v.flags.writeable = False  # read by every result of the table: not to be edited
        np.negative(M, out=M)
        M.flat[:: n + 1] += 1.0
        with threads.for_factors():
            self.lu, self.piv, self.condition = _factor(M, what)
        identity = np.arange(n)
        self.pivoted = bool(np.any(self.piv != identity))
        self.perm = _gather(self.piv) if self.pivoted else identity

    @cached_property
    def A(self) -> np.ndarray:
        return self.Z * self.inv_x

    @cached_property
    def B(self) -> np.ndarray:
        # getrs on the identity (faster than getri in OpenBLAS) gives B ᵀ in
        # Fortran order, i.e. B in C order
        eye = np.eye(self.n, order="F")
        with threads.for_factors():
            return lapack.dgetrs(self.lu, self.piv, eye, overwrite_b=True)[0].T

    def A_block(self, rows: np.ndarray) -> np.ndarray:
        """``A[rows, rows]`` from Z, without forming A."""
        return self.Z[np.ix_(rows, rows)] * self.inv_x[rows]

    def solve(self, W: np.ndarray) -> np.ndarray:
        """``B W`` (``getrs`` on the factors; a product with B in :func:`dense_solves`),
        W of shape (GN,) or (GN, k)."""
        if _DENSE.get():
            return self.B @ np.asarray(W, dtype=float)
        return self._getrs(W, trans=1)

    def solve_t(self, W: np.ndarray) -> np.ndarray:
        """``Bᵀ W``, W of shape (GN,) or (GN, k) (as :meth:`solve`)."""
        if _DENSE.get():
            return self.B.T @ np.asarray(W, dtype=float)
        return self._getrs(W, trans=0)

    def _getrs(self, W, trans):
        W = np.asarray(W, dtype=float)
        b = np.array(W.reshape(self.n, -1), order="F")
        if b.shape[1] == 0:
            return b.reshape(W.shape)
        # the factors are of (I - A)ᵀ: trans=1 solves (I - A) y = b
        y, info = lapack.dgetrs(self.lu, self.piv, b, trans=trans, overwrite_b=True)
        return y.reshape(W.shape)

    def diag_blocks(self, sets: list) -> list:
        """``B[S, S]`` for every row set S of ``sets`` (sorted index arrays).

        Column j of B is ``P L⁻ᵀ U⁻ᵀ e_j``. For j in S, with f the first row of
        S, ``e_j`` is zero above f and so is ``U⁻ᵀ e_j`` (Uᵀ is lower
        triangular): the forward solve runs on the trailing ``lu[f:, f:]``. The
        back solve with the upper triangular Lᵀ gives rows k.. from the trailing
        ``lu[k:, k:]`` alone; the rows of S are at ``perm[S]``, so k = f unless
        pivoting moved one of them above f (then k = min perm[S]: the affected
        blocks solve further up, exactly). Sets are taken in order of their first
        row and solved ``DIAG_BATCH`` columns at a time (BLAS-3 ``trsm``).
        Cost, for G equal blocks without pivoting: about (2/3) n³ flops, a
        quarter of an inverse's. In :func:`dense_solves`: slices of B.
        """
        if _DENSE.get():
            return [self.B[np.ix_(S, S)] for S in sets]
        with threads.for_factors():  # (2/3) n³ flops of BLAS-3 solves
            out = [None] * len(sets)
            batch, width = [], 0
            for g in sorted(range(len(sets)), key=lambda g: sets[g][0]):
                batch.append(g)
                width += sets[g].size
                if width >= DIAG_BATCH:
                    self._diag_batch(sets, batch, out)
                    batch, width = [], 0
            if batch:
                self._diag_batch(sets, batch, out)
        return out

    def _diag_batch(self, sets, batch, out):
        cols = np.concatenate([sets[g] for g in batch])
        f = int(cols.min())
        k = min(f, int(self.perm[cols].min()))
        X = np.zeros((self.n - k, cols.size), order="F")
        X[cols - k, np.arange(cols.size)] = 1.0
        _trsm(b"U", b"N", self.lu, f, X, f - k)  # Uᵀ z = e on rows f..
        _trsm(b"L", b"U", self.lu, k, X, 0)  # Lᵀ w = z on rows k..
        o = 0
        for g in batch:
            S = sets[g]
            out[g] = X[np.ix_(self.perm[S] - k, np.arange(o, o + S.size))]
            o += S.size


def _gather(piv: np.ndarray) -> np.ndarray:
    """LAPACK's row interchanges ``piv`` (0-based) as a gather: ``P w = w[perm]``.

    ``getrf`` applies the swaps i <-> piv[i] in order i = 0, 1, ...; so P w
    applies them to w in reverse order.
    """
    perm = np.arange(piv.size)
    for i in np.flatnonzero(piv != perm)[::-1]:
        j = piv[i]
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def _blas_trsm():
    """BLAS ``dtrsm`` through the pointer scipy exports for Cython, so that it can
    run on a trailing submatrix of the factors in place (the f2py wrapper would
    copy a non-contiguous slice)."""
    capsule = scipy.linalg.cython_blas.__pyx_capi__["dtrsm"]
    api = ctypes.pythonapi
    get_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", api))
    get_ptr = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_GetPointer", api)
    )
    i, d = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_double)
    proto = ctypes.CFUNCTYPE(None, *[ctypes.c_char_p] * 4, i, i, d, ctypes.c_void_p, i, ctypes.c_void_p, i)
    return proto(get_ptr(capsule, get_name(capsule)))


_DTRSM = _blas_trsm()


def _trsm(uplo: bytes, diag: bytes, lu: np.ndarray, start: int, X: np.ndarray, xoff: int):
    """Solve ``Tᵀ Y = X[xoff:]`` in place, T the ``uplo`` triangle of ``lu[start:, start:]``.

    ``lu`` (n, n) and X are Fortran-ordered; ``n - start == X.shape[0] - xoff``.
    """
    n = lu.shape[0]
    assert lu.flags.f_contiguous and X.flags.f_contiguous and n - start == X.shape[0] - xoff
    c = ctypes.c_int
    _DTRSM(
        b"L", uplo, b"T", diag, ctypes.byref(c(n - start)), ctypes.byref(c(X.shape[1])),
        ctypes.byref(ctypes.c_double(1.0)), lu.ctypes.data + 8 * (start + start * n),
        ctypes.byref(c(n)), X.ctypes.data + 8 * xoff, ctypes.byref(c(X.shape[0])),
    )  # fmt: skip


class Regions:
    """A partition of a table's rows into regions: single countries or groups.

    Every block quantity of the Leontief model depends on the partition only:
    with a group ``{"EU": members}`` the members' rows form one block, so
    ``L^{EU,EU}``, ``B^{EU,EU}`` and "domestic" refer to the whole group.
    Everything is computed from the core's factors (:class:`Engine`); nothing
    here inverts more than one region's block of I - A.

    Attributes: ``v`` the core's value added per unit (shared); ``A``, ``B``
    the core's lazily built dense arrays (use sparingly); ``names`` (G',)
    region names (groups first in the order given, then the ungrouped countries
    in table order); ``owner`` (GN,) region of each row; ``rows`` list of row
    indices per region; ``sector_of`` (GN,) industry index of each row. Cached
    on first use: ``L_local`` and ``Bd`` (lists of the regions' local inverses
    ``(I - A_gg)⁻¹`` and diagonal blocks ``B^{gg}``), ``vb`` (G', GN),
    ``V^g B^{g·}``.
    """

    def __init__(self, core, groups=None):
        self.engine, self.v, self.N, self._name = core.engine, core.v, core.N, core._name
        country_region, self.names = partition(core.countries, groups)
        self.G = len(self.names)
        self.sector_of = np.tile(np.arange(core.N), core.G)
        self.owner = np.repeat(country_region, core.N)
        self.rows = [np.flatnonzero(self.owner == g) for g in range(self.G)]
        self._country_region = country_region
        self.is_countries = not groups
        self.dense = _DENSE.get()  # the path its cached blocks and V B come from

    @property
    def A(self) -> np.ndarray:
        return _read_only(self.engine.A)

    @property
    def B(self) -> np.ndarray:
        return _read_only(self.engine.B)

    @cached_property
    def L_local(self) -> list:
        # G' small inverses: a second BLAS thread only spins (50x slower on 2 cores)
        with threads.for_methods(max(r.size for r in self.rows)):
            out = [
                _inverse(np.eye(r.size) - self.engine.A_block(r), f"{self._name}: I - A_ss for {name}")[0]
                for name, r in zip(self.names, self.rows)
            ]
        for L in out:  # cached, read by every later result
            L.flags.writeable = False
        return out

    @cached_property
    def Bd(self) -> list:
        with _on_path(self.dense):  # whoever reads it first
            return self.engine.diag_blocks(self.rows)

    @cached_property
    def vb(self) -> np.ndarray:
        # one solve with Bᵀ and G' right-hand sides: row g is Σ_{i in g} v_i B_i·
        with _on_path(self.dense):
            return np.ascontiguousarray(self.engine.solve_t(self.indicator(self.v).T).T)

    def indicator(self, w: np.ndarray) -> np.ndarray:
        """(G', GN) matrix with ``w_j`` in row ``owner[j]``, column j, zero elsewhere.

        ``indicator(v) @ B`` sums ``v_j B_j·`` by region.
        """
        D = np.zeros((self.G, w.size))
        D[self.owner, np.arange(w.size)] = w
        return D

    def local_times(self, w: np.ndarray) -> np.ndarray:
        """``L_gg w_g`` for every region g; w of shape (GN,) or (GN, k)."""
        out = np.empty_like(w, dtype=float)
        for L, r in zip(self.L_local, self.rows):
            out[r] = L @ w[r]
        return out

    def diag_times(self, w: np.ndarray) -> np.ndarray:
        """``B^{gg} w_g`` for every region g; w of shape (GN,) or (GN, k)."""
        out = np.empty_like(w, dtype=float)
        for Bg, r in zip(self.Bd, self.rows):
            out[r] = Bg @ w[r]
        return out

    def times_blockdiag(self, w: np.ndarray) -> np.ndarray:
        """``B^{rg} w_g`` for every pair of regions (r, g), as a (GN, G') array."""
        return self.engine.solve(self.indicator(w).T)

    def columns(self, M: np.ndarray) -> np.ndarray:
        """Columns of a (GN, G) by-country array summed into regions: (GN, G')."""
        if self.is_countries:
            return np.array(M, dtype=float)
        out = np.zeros((M.shape[0], self.G))
        for c, g in enumerate(self._country_region):  # G column additions (add.at is slow)
            out[:, g] += M[:, c]
        return out

    def exports(self, table) -> np.ndarray:
        """Gross exports of each row to each other region: (GN, G')."""
        E = self.columns(table.Zc + table.Yc)
        E[np.arange(E.shape[0]), self.owner] = 0.0
        return E

    def by_region_sector(self, a: np.ndarray) -> np.ndarray:
        """Rows of a (GN, ...) array summed into (G', N, ...): a group adds its members."""
        N = self.N
        if self.is_countries:
            return a.reshape(self.G, N, *a.shape[1:])
        out = np.zeros((self.G, N, *a.shape[1:]))
        np.add.at(out, (self.owner, self.sector_of), a)
        return out


def normalize_groups(groups, countries) -> dict[str, tuple[str, ...]]:
    """``groups`` as ``{name: (member, ...)}`` with str codes, checked against ``countries``.

    Members may be any iterable of codes (list, tuple, generator, numpy array,
    pandas Index or Series); each is read exactly once, so a generator is not
    exhausted by the validation before it is used. ``None`` and ``{}`` mean no
    grouping and give ``{}``.

    Raises :class:`~gvcdecomp.errors.OptionError` for malformed, empty or
    overlapping groups and :class:`~gvcdecomp.errors.UnknownLabelError` for a
    member that is not among ``countries``.
    """
    from .errors import OptionError, UnknownLabelError

    if groups is None:
        return {}
    if not isinstance(groups, Mapping):
        raise OptionError(f"groups must map a name to a list of countries, got {type(groups).__name__}")
    out, owner = {}, {}
    for name, members in groups.items():
        if isinstance(members, str | bytes | Mapping) or not isinstance(members, Iterable):
            raise OptionError(f"group {name!r}: give a list of country codes, not {members!r}")
        members = tuple(str(m) for m in members)
        name = str(name)
        if not members:
            raise OptionError(f"group {name!r} has no members")
        if name in countries and name not in members:
            raise OptionError(f"group name {name!r} is also a country of the table outside the group")
        if name in out:
            raise OptionError(f"group name {name!r} is given twice")
        for m in members:
            if m not in countries:
                raise UnknownLabelError(
                    f"group {name!r}: unknown country {m!r}; the table has {', '.join(countries)}"
                )
            if owner.get(m) == name:
                raise OptionError(f"group {name!r} lists {m!r} twice")
            if m in owner:
                raise OptionError(f"country {m!r} is in two groups: {owner[m]!r} and {name!r}")
            owner[m] = name
        out[name] = members
    return out


def partition(countries, groups):
    """Region index of each country, and the region names.

    ``groups`` as for :func:`normalize_groups` (whose errors it raises).
    """
    groups = normalize_groups(groups, countries)
    if not groups:
        return np.arange(len(countries)), tuple(countries)
    region = np.full(len(countries), -1)
    names = list(groups)
    for g, members in enumerate(groups.values()):
        for m in members:
            region[countries.index(m)] = g
    for i in np.flatnonzero(region < 0):
        region[i] = len(names)
        names.append(countries[i])
    return region, tuple(names)


def _factor(M: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray, float]:
    """LU factors of Mᵀ, refusing singular or ill-conditioned M.

    M (C-ordered, the caller's to give up) is overwritten: LAPACK factors its
    Fortran-ordered transpose in place, saving a copy. Returns ``lu``
    (Fortran-ordered, the memory of M), ``piv`` (0-based) and the 1-norm
    condition number of M estimated by ``gecon``.
    """
    col = np.zeros(M.shape[1])  # 1-norm of M = inf-norm of M.T, by row blocks (no |M| copy)
    for lo in range(0, M.shape[0], 64):
        col += np.abs(M[lo : lo + 64]).sum(axis=0)
    anorm = col.max() if col.size else 0.0
    lu, piv, info = lapack.dgetrf(M.T, overwrite_a=True)
    if info > 0:
        raise SingularMatrixError(f"{what} is singular (zero pivot at position {info - 1})")
    rcond, _ = lapack.dgecon(lu, anorm, norm="I")
    if not rcond >= RCOND_MIN:
        cond = 1 / rcond if rcond > 0 else float("inf")  # rcond underflows to 0 for tiny pivots
        raise SingularMatrixError(
            f"{what} is too ill-conditioned to invert: condition number {cond:.3g} "
            f"(limit {1 / RCOND_MIN:.0e})"
        )
    return lu, piv, 1.0 / rcond


def _inverse(M: np.ndarray, what: str) -> tuple[np.ndarray, float]:
    """Inverse of M through LU (:func:`_factor`, whose errors it raises), and its
    condition number. M (C-ordered, a temporary of the caller) is overwritten.

    Solves for the identity (``getrs``: faster than ``getri`` in OpenBLAS); the
    inverse of the transpose, transposed back, is M's inverse.
    """
    lu, piv, cond = _factor(M, what)
    inv, info = lapack.dgetrs(lu, piv, np.eye(M.shape[0], order="F"), overwrite_b=True)
    return inv.T, cond
