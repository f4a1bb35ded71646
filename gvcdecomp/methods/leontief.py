"""Leontief value-added origin: V̂ B post-multiplied by exports, final demand or output."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import OptionError
from ._result import result_dataset

REFERENCE = (
    "Leontief (1936); Hummels, Ishii & Yi (2001), J. Int. Econ. 54: 75-96 (vertical "
    "specialisation); Johnson & Noguera (2012), J. Int. Econ. 86: 224-236 (V B Y); "
    "value-added origin as in decompr::leontief"
)

POSTS = ("exports", "final", "output")


def leontief(table, post: str = "exports") -> xr.Dataset:
    r"""Value added by source country and industry embodied in each sector's flows.

    ``va_origin[t, j, s, i] = v_j B_{ji} f_i``: the value added of source sector j
    (country t) embodied in the flow f of sector i (country s), where f is

    - ``post="exports"`` (default): total gross exports ``E_i = Σ_{r≠s} E^{sr}_i``,
      i.e. ``V̂ B Ê`` (Hummels–Ishii–Yi). The result also holds, by importer,
      ``gexp = E^{sr}``, ``DVA = (V^s B^{ss})ᵀ # E^{sr}`` (domestic value added)
      and ``FVA = (Σ_{t≠s} V^t B^{ts})ᵀ # E^{sr}`` (foreign value added, the
      HIY vertical specialisation VS); ``DVA + FVA = gexp``.
    - ``post="final"``: final demand ``y_i = Σ_r Y_{ir}`` (``V̂ B Ŷ``); the result
      also holds ``va_destination[t, j, r] = v_j Σ_i B_{ji} Y_{ir}``, value added
      by origin and country of final use (``V̂ B Y``, Johnson–Noguera).
    - ``post="output"``: gross output ``x_i`` (``V̂ B X̂``).

    Dimensions: (source_country, source_sector, exporter|country, sector[, importer
    | destination]); units of the table. Uses ``table.core`` (A, v, B), no new
    inverse.
    """
    if post not in POSTS:
        raise OptionError(f"leontief: post must be one of {POSTS}, got {post!r}")
    c = table.core
    G, N, n = c.G, c.N, c.n
    using = "exporter" if post == "exports" else "country"
    f = {"exports": table.exports.sum(axis=1), "final": table.Yc.sum(axis=1), "output": table.x}[post]
    vb = c.v[:, None] * c.B
    dims4 = ("source_country", "source_sector", using, "sector")
    variables = {"va_origin": (dims4, (vb * f).reshape(G, N, G, N))}
    coords = {
        "source_country": list(table.countries),
        "source_sector": list(table.sectors),
        using: list(table.countries),
        "sector": list(table.sectors),
    }
    if post == "exports":
        blk = np.arange(n) // N
        dshare = c.vb_country[blk, np.arange(n)]
        fshare = c.vb_country.sum(axis=0) - dshare
        E = table.exports
        dims3 = ("exporter", "sector", "importer")
        variables["gexp"] = (dims3, E.reshape(G, N, G))
        variables["DVA"] = (dims3, (dshare[:, None] * E).reshape(G, N, G))
        variables["FVA"] = (dims3, (fshare[:, None] * E).reshape(G, N, G))
        coords["importer"] = list(table.countries)
    elif post == "final":
        variables["va_destination"] = (
            ("source_country", "source_sector", "destination"),
            (c.v[:, None] * (c.B @ table.Yc)).reshape(G, N, G),
        )
        coords["destination"] = list(table.countries)
    return result_dataset(table, variables, None, coords, "leontief", REFERENCE, post=post)
