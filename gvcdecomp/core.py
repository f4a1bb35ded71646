"""The Leontief model of a table, computed once and shared by every method."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property

import numpy as np
from scipy.linalg import lapack

from .errors import SingularMatrixError

#: Reciprocal condition number of I - A below which the inverse is refused.
RCOND_MIN = 1e-12


class LeontiefCore:
    """Coefficients and inverses of one :class:`~gvcdecomp.table.IOTable`.

    Reached as ``table.core``; built on first access and cached there, so every
    method and every exporter reuses one factorisation. Eagerly computed:

    - ``A = Z x̂⁻¹`` (GN, GN), technical coefficients; a column with zero output
      gets zero coefficients;
    - ``v = 1 - u A`` (GN,), value added per unit of output; a sector with no
      output (or a negative row sum, see :class:`IOTable`) has v = 1, so that
      what it delivers (a stock draw-down) counts as its own value added and
      every unit of every flow is value added somewhere (``u V̂ B = u``);
    - ``B = (I - A)⁻¹`` (GN, GN), the global Leontief inverse, by LAPACK
      ``getrf``/``getrs``; ``condition`` is the 1-norm condition number of I - A.

    Block quantities live in :class:`Regions` (``core.regions(groups)``), one
    per partition of the countries, cached: the domestic inverses
    ``L_ss = (I - A_ss)⁻¹``, the diagonal blocks ``B^{ss}`` and ``V^t B^{t·}``,
    whose row t holds the value added of country t in one unit of each
    sector's output. For the plain country partition, ``L_local`` (G, N, N)
    stacks the domestic inverses.

    Raises :class:`~gvcdecomp.errors.SingularMatrixError` when I - A (or a
    domestic block) is singular or its reciprocal condition number is below
    ``RCOND_MIN``.
    """

    def __init__(self, table):
        # No reference back to the table (nor from Regions back to the core):
        # without cycles, a table and its core are freed as soon as they are
        # dropped, so a loop over years holds one year's arrays, not several.
        G, N, n = table.G, table.N, table.n
        self.G, self.N, self.n = G, N, n
        self.countries, self._name = tuple(table.countries), table._name
        x = table.x
        inv_x = np.divide(1.0, x, out=np.zeros(n), where=x > 0)
        self.A = table.Z * inv_x
        self.v = 1.0 - self.A.sum(axis=0)
        self.B, self.condition = _inverse(np.eye(n) - self.A, table._name + ": I - A")
        self._regions = {}

    def regions(self, groups=None) -> "Regions":
        """The table's countries, with ``groups`` merged into single regions.

        ``groups`` maps a region name to its member countries, e.g.
        ``{"EU": ["DEU", "FRA", ...]}``; trade among members is then domestic.
        Cached per grouping. See :class:`Regions`.
        """
        groups = normalize_groups(groups, self.countries)  # members read once, validated
        key = None if not groups else tuple(groups.items())
        if key not in self._regions:
            self._regions[key] = Regions(self, groups)
        return self._regions[key]

    # The country partition's local inverses as one (G, N, N) array, for
    # indicators that work country by country.
    @cached_property
    def L_local(self) -> np.ndarray:
        return np.stack(self.regions().L_local)

    def local_times(self, w: np.ndarray) -> np.ndarray:
        """``L_ss w_s`` for every country s, for w of shape (GN,) or (GN, k)."""
        return self.regions().local_times(w)


class Regions:
    """A partition of a table's rows into regions: single countries or groups.

    Every block quantity of the Leontief model depends on the partition only:
    with a group ``{"EU": members}`` the members' rows form one block, so
    ``L^{EU,EU}``, ``B^{EU,EU}`` and "domestic" refer to the whole group. The
    global inverse ``B`` is shared with the core; nothing here inverts more
    than one region's block.

    Attributes: ``A``, ``B``, ``v`` the core's arrays (shared, not copied);
    ``names`` (G',) region names (groups first in the order given,
    then the ungrouped countries in table order); ``owner`` (GN,) region of
    each row; ``rows`` list of row indices per region; ``sector_of`` (GN,)
    industry index of each row. Cached on first use: ``L_local`` and ``Bd``
    (lists of the regions' local inverses ``(I - A_gg)⁻¹`` and diagonal blocks
    ``B^{gg}``), ``vb`` (G', GN), ``V^g B^{g·}``.
    """

    def __init__(self, core, groups=None):
        self.A, self.B, self.v, self.N, self._name = core.A, core.B, core.v, core.N, core._name
        country_region, self.names = partition(core.countries, groups)
        self.G = len(self.names)
        self.sector_of = np.tile(np.arange(core.N), core.G)
        self.owner = np.repeat(country_region, core.N)
        self.rows = [np.flatnonzero(self.owner == g) for g in range(self.G)]
        self._country_region = country_region
        self.is_countries = not groups

    @cached_property
    def L_local(self) -> list:
        return [
            _inverse(np.eye(r.size) - self.A[np.ix_(r, r)], f"{self._name}: I - A_ss for {name}")[0]
            for name, r in zip(self.names, self.rows)
        ]

    @cached_property
    def Bd(self) -> list:
        return [self.B[np.ix_(r, r)] for r in self.rows]

    @cached_property
    def vb(self) -> np.ndarray:
        # region by region: v_g B_g· reads each row of B once (a product with the
        # dense (G', GN) indicator would cost G' times more)
        out = np.empty((self.G, self.B.shape[0]))
        for g, r in enumerate(self.rows):
            out[g] = self.v[r] @ self.B[r]
        return out

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
        return self.B @ self.indicator(w).T

    def columns(self, M: np.ndarray) -> np.ndarray:
        """Columns of a (GN, G) by-country array summed into regions: (GN, G')."""
        out = np.zeros((M.shape[0], self.G))
        np.add.at(out.T, self._country_region, M.T)
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


def _inverse(M: np.ndarray, what: str) -> tuple[np.ndarray, float]:
    """Inverse of M through LU, refusing singular or ill-conditioned M.

    M (C-ordered, a temporary of the caller) is overwritten: LAPACK factors its
    Fortran-ordered transpose in place, saving a GN x GN copy, and solves for the
    identity (``getrs``: faster than ``getri`` in OpenBLAS); the inverse of the
    transpose, transposed back, is M's inverse.
    """
    anorm = np.abs(M).sum(axis=0).max()  # 1-norm of M = inf-norm of M.T
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
    inv, info = lapack.dgetrs(lu, piv, np.eye(M.shape[0], order="F"), overwrite_b=True)
    return inv.T, 1.0 / rcond
