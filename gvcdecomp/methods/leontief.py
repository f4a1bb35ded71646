"""Leontief value-added origin: V̂ B post-multiplied by exports, final demand or output."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..core import dense_when
from ..errors import OptionError
from . import _filters
from ._result import result_dataset

REFERENCE = (
    "Leontief (1936); Hummels, Ishii & Yi (2001), J. Int. Econ. 54: 75-96 (vertical "
    "specialisation); Johnson & Noguera (2012), J. Int. Econ. 86: 224-236 (V B Y); "
    "value-added origin as in decompr::leontief"
)

POSTS = ("exports", "final", "output")


def forms_B(exporter=None, sector=None, **_) -> bool:
    """Whether :func:`leontief` forms the dense B: at full detail, without filters."""
    return exporter is None and sector is None


@dense_when(forms_B)
def leontief(table, post: str = "exports", groups=None, exporter=None, sector=None) -> xr.Dataset:
    r"""Value added by source country and industry embodied in each sector's flows.

    ``va_origin[t, j, s, i] = v_j B_{ji} f_i``: the value added of source sector j
    (country t) embodied in the flow f of sector i (country s), where f is

    - ``post="exports"`` (default): total gross exports ``E_i = Σ_{r≠s} E^{sr}_i``,
      i.e. ``V̂ B Ê`` (Hummels–Ishii–Yi). The result also holds, by importer,
      ``gexp = E^{sr}``, ``dc = (V^s B^{ss})ᵀ # E^{sr}`` (domestic content,
      TiVA's EXGR_DVA) and ``fc = (Σ_{t≠s} V^t B^{ts})ᵀ # E^{sr}`` (foreign
      content, the HIY vertical specialisation VS, TiVA's EXGR_FVA);
      ``dc + fc = gexp``. Named as Borin–Mancini's ``dc`` and ``fc``, the same
      measures; earlier versions called them ``DVA`` and ``FVA``, the names of
      WWZ's groups, which are other measures (value added absorbed abroad;
      foreign value added without double counting).
    - ``post="final"``: final demand ``y_i = Σ_r Y_{ir}`` (``V̂ B Ŷ``); the result
      also holds ``va_destination[t, j, r] = v_j Σ_i B_{ji} Y_{ir}``, value added
      by origin and country of final use (``V̂ B Y``, Johnson–Noguera).
    - ``post="output"``: gross output ``x_i`` (``V̂ B X̂``).

    ``groups`` merges countries into regions, as in
    :func:`~gvcdecomp.methods.wwz.wwz`: trade among members is domestic, and
    every country dimension (source, user, importer, destination) lists the
    regions, a region's entry adding its members' (same industries added):
    ``va_destination`` then holds value-added trade between regions,
    ``gexp`` gross trade between them (trade among members left out).

    ``exporter`` and ``sector`` (lists of region names and sector codes, in the
    order wanted; ``decompose``'s filters) keep only those flows' countries
    (dimension ``exporter`` or ``country``) and sectors: ``va_origin`` then
    needs only the columns of B of their rows, one solve with those identity
    columns (2 n² m flops for m rows) instead of the dense B (2 n³).

    Dimensions: (source_country, source_sector, exporter|country, sector[, importer
    | destination]); units of the table. ``va_origin`` is GN x GN by nature, so
    this method uses the core's dense B (built from the LU factors on first use
    and cached; with a filter, the solve above); the other variables
    come from products with that B (with a filter: solves with the factors).
    """
    if post not in POSTS:
        raise OptionError(f"leontief: post must be one of {POSTS}, got {post!r}")
    c = table.core
    G, N = c.G, c.N
    R = c.regions(groups)
    rows = np.arange(c.n)
    using = "exporter" if post == "exports" else "country"
    E = R.exports(table)
    f = {"exports": E.sum(axis=1), "final": table.Yc.sum(axis=1), "output": table.x}[post]
    cells = _filters.Cells(R, table.sectors, exporter, sector)
    if cells.everything:
        M = c.B * c.v[:, None]  # M[j, i] = v_j B_ji f_i: rows are the source, columns the user
        M *= f
    else:  # the used rows' columns of B only: B e_i for i in cells.rows
        # solved even when B is built: a call's numbers do not depend on what
        # other calls cached before it
        cols = cells.rows
        eye = np.zeros((c.n, cols.size))
        eye[cols, np.arange(cols.size)] = 1.0
        Bc = c.solve(eye)
        M = Bc * c.v[:, None]
        M *= f[cols]
    k, q = cells.S.size, cells.Q.size
    if cells.everything and R.is_countries:  # already (source country, sector, user, sector)
        va = M.reshape(G, N, G, N)
    elif cells.everything:  # add up the source rows, then the using columns, of each region
        M = R.by_region_sector(M).reshape(R.G * N, c.n)
        va = R.by_region_sector(M.T).reshape(R.G, N, R.G, N).transpose(2, 3, 0, 1)
    elif R.is_countries:
        va = cells.by_cell(M.T).reshape(k, q, G, N).transpose(2, 3, 0, 1)
    else:
        M = R.by_region_sector(M).reshape(R.G * N, cols.size)
        va = cells.by_cell(M.T).reshape(k, q, R.G, N).transpose(2, 3, 0, 1)
    coords = {
        "source_country": list(R.names),
        "source_sector": list(table.sectors),
        using: [R.names[s] for s in cells.S],
        "sector": [table.sectors[i] for i in cells.Q],
    }
    dims4 = ("source_country", "source_sector", using, "sector")
    variables = {"va_origin": (dims4, va)}
    if post == "exports":
        dshare = R.vb[R.owner, rows]
        fshare = R.vb.sum(axis=0) - dshare
        dims3 = ("exporter", "sector", "importer")
        pick = np.ix_(cells.S, cells.Q)  # the selected cells of the full arrays (G' x GN: cheap)
        variables["gexp"] = (dims3, R.by_region_sector(E)[pick])
        variables["dc"] = (dims3, R.by_region_sector(dshare[:, None] * E)[pick])
        variables["fc"] = (dims3, R.by_region_sector(fshare[:, None] * E)[pick])
        coords["importer"] = list(R.names)
    elif post == "final":
        variables["va_destination"] = (
            ("source_country", "source_sector", "destination"),
            R.by_region_sector(c.v[:, None] * R.columns(c.solve(table.Yc))),
        )
        coords["destination"] = list(R.names)
    return result_dataset(
        table, variables, None, coords, "leontief", REFERENCE, post=post, groups=groups
    )
