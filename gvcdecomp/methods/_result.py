"""Labelled xarray results shared by the methods."""

from __future__ import annotations

import xarray as xr


def result_dataset(table, variables: dict, dims: tuple, coords: dict, method: str, reference: str, **options) -> xr.Dataset:
    """Wrap arrays of one table into a Dataset with the table's codes and provenance.

    ``variables`` maps names to arrays of dimensions ``dims``, or (when ``dims``
    is None) to ``(dims, array)`` pairs.

    A table with a year gets a scalar ``year`` coordinate, so that results of
    several years concatenate along ``year``.
    """
    ds = xr.Dataset(
        {k: v if dims is None else (dims, v) for k, v in variables.items()}, coords=coords
    )
    if table.year is not None:
        ds = ds.assign_coords(year=table.year)
    ds.attrs = {
        "method": method,
        "reference": reference,
        "units": table.units,
        "source": table.source,
        "gross_output": table.output,
        **{f"option_{k}": str(v) for k, v in options.items()},
        **zero_output_attrs(table),
    }
    return ds


def zero_output_attrs(table) -> dict:
    """The sectors with zero or negative output and the exports that flowed from them.

    Such sectors get zero input coefficients and value added per unit v = 1
    (``docs/numerics.md``), so whatever they deliver counts as their own value
    added. ``zero_output_sectors`` lists them as ``"LUX_c5 (exports -2)"``
    (gross exports to other countries, units of the table; "" when none) and
    ``zero_output_exports`` is the total of those exports.
    """
    rows = table.zero_output
    exports = table.exports[rows].sum(axis=1)
    return {
        "zero_output_convention": "zero coefficients, value added per unit v = 1",
        "zero_output_sectors": ", ".join(
            f"{table.row_labels[i]} (exports {e:g})" for i, e in zip(rows, exports)
        ),
        "zero_output_exports": float(exports.sum()),
    }
