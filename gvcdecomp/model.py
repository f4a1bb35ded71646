"""The Leontief model of a table as labelled xarray objects (A, B, L_local, V̂B, v)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .errors import OptionError

QUANTITIES = {
    "A": "input coefficients A = Z x̂⁻¹",
    "B": "global Leontief inverse B = (I - A)⁻¹",
    "L_local": "domestic Leontief inverses L^{ss} = (I - A^{ss})⁻¹",
    "VB": "value added multipliers V̂ B (row: source, column: using country-industry)",
    "v": "value added per unit of output",
}


def labelled(table, what: str) -> xr.DataArray:
    """One quantity of ``table.core`` with the table's country and sector codes.

    ``"A"``, ``"B"`` and ``"VB"`` have dimensions (country, sector,
    using_country, using_sector); ``"L_local"`` (country, sector, using_sector);
    ``"v"`` (country, sector). Read from the cached model (no new inverse);
    ``"VB"`` is formed here (GN x GN). Dimensionless (per unit of output).
    ``"A"`` and ``"B"`` are read-only views of the cached arrays (every later
    result of the table reads them; ``.copy()`` to edit); the others are copies.
    """
    if what not in QUANTITIES:
        raise OptionError(f"what must be one of {', '.join(QUANTITIES)}, got {what!r}")
    c, G, N = table.core, table.G, table.N
    cs, using = ["country", "sector"], ["using_country", "using_sector"]
    coords = {"country": list(table.countries), "sector": list(table.sectors),
              "using_country": list(table.countries), "using_sector": list(table.sectors)}
    # copies, or read-only views of A and B: what later results read must not change
    if what == "v":
        values, dims = c.v.reshape(G, N).copy(), cs
    elif what == "L_local":
        values, dims = np.array(c.L_local), [*cs, "using_sector"]
    else:
        m = c.A if what == "A" else c.B if what == "B" else c.v[:, None] * c.B
        values, dims = m.reshape(G, N, G, N), [*cs, *using]
    da = xr.DataArray(
        values, dims=dims, coords={k: coords[k] for k in dims}, name=what,
        attrs={"long_name": QUANTITIES[what], "units": "per unit of output",
               "description": QUANTITIES[what], "source": table.source},
    )  # fmt: skip
    return da if table.year is None else da.assign_coords(year=table.year)
