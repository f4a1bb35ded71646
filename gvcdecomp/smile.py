r"""Smile curves: who earns what, and where, along one product's value chain.

A *chain* is the set of final products of some industries completed in one
country (or a group of countries). Every country-industry j of the world
contributes value added to it, directly or through the inputs it sells, and
sits some number of production stages away from the finished product. Plotting
the value added against that distance shows whether the chain pays most at
its ends (design, R&D, components, services: a smile) or in the middle
(assembly: an inverted U). Meng, Ye & Wei (2020) measure both from an
inter-country input-output table; :func:`smile_curve` computes them and
:func:`smile_fit` fits the quadratic that tells the two shapes apart.
:func:`gvcdecomp.plots.plot_smile` draws the curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from .errors import OptionError, UnknownLabelError
from .groups import resolve
from .methods._result import result_dataset
from .vocabulary import describe
from .years import concat_years

REFERENCE = (
    "Meng, B., Ye, M. and Wei, S.-J. (2020), Measuring smile curves in global value "
    "chains, Oxford Bulletin of Economics and Statistics 82(5): 988-1016, "
    "doi:10.1111/obes.12364 (IDE Discussion "
    "Paper 530, 2015); position as the value-added weighted average propagation length "
    "to the final product, counting the final stage as 1 (Dietzenbacher, Romero & Bosma "
    "2005; Wang, Wei, Yu & Zhu 2017b)"
)

TARGETS = ("final", "exports")


def smile_curve(data, country: str, sectors, target: str = "final", groups=None) -> xr.Dataset:
    r"""Value added and position of every country-industry in one product's chain.

    The chain is the output of industries ``sectors`` in ``country`` that
    leaves production (``target="final"``) or the country (``"exports"``):
    ``f`` (GN,) holds, in the rows of the chain's country and sectors,

    - ``"final"``: final-goods output ``y_i = Σ_r Σ_k Y_i^{rk}``, all final
      demand (domestic and foreign, every category) for the sector's products;
    - ``"exports"``: gross exports ``E_i = Σ_{r≠s} (Z_i^{r} u + Y_i^{r})``,
      final and intermediate, as in Meng, Ye & Wei's ICT-exports chains;

    and zero elsewhere. With ``B = (I - A)⁻¹``, ``v`` value added per unit of
    output and ``B B = Σ_{k≥0} (k+1) A^k``:

    - value added of country-industry j in the chain:
      ``va_j = v_j (B f)_j``; it adds up to the chain's value,
      ``Σ_j va_j = v B f = u f``;
    - its position, the value-added weighted average propagation length from
      j's value added to the chain's product:
      ``position_j = v_j (B B f)_j / v_j (B f)_j``. Value added created at the
      last stage (by the producer of f, in f itself) is at position 1; value
      added in an input bought by that producer at position 2, and so on
      (the same counting as Wang, Wei, Yu & Zhu's 2017b production length
      ``PLv = V̂BBŶu / V̂BŶu``, restricted to the chain). Larger numbers are
      further upstream. For ``f ≥ 0``, ``B B ≥ B`` element-wise, so the
      position is at least 1. ``v_j`` cancels: the position is
      ``(B x_f)_j / (x_f)_j`` with ``x_f = B f`` the output the chain needs,
      and the value-added weighted mean position over all j is ``u x_f / u
      f``, the chain's length.

    ``B B f`` is computed as ``B (B f)``, two solves with the table's factored
    I - A (B itself is not formed). With a single product industry, ``f`` for
    ``"final"`` and ``"exports"`` differ only by a scalar, so shares and
    positions are the same for both.

    Relation to the paper: Meng, Ye & Wei (2020) measure the "strength and
    length" of the links between producers and the chain's product and put on
    a smile curve's horizontal axis the position of each country-industry in the
    chain, the average propagation length (APL, Dietzenbacher, Romero & Bosma
    2005) from its value added to the chain's product, and on the vertical
    axis its value added per unit of gross output; the bubble is the value
    added it contributes to the chain. ``position`` here is that APL in the
    value-added weighted form ``V̂ B B f / V̂ B f`` (counted from 1 at the
    final stage), i.e. the chain-restricted forward production length of Wang,
    Wei, Yu & Zhu (2017b, NBER WP 23261: ``PLv = V̂BBŶu / V̂BŶu``
    with ``Ŷu`` replaced by the chain's ``f``). Meng, Ye & Wei's own
    equation and section numbers are not cited because they could not be
    confirmed. Checked (December 2026, public documentation and web-page
    search): the abstract and bibliographic record of the journal article
    (RePEc: OBES 82(5): 988-1016; doi:10.1111/obes.12364), the abstract and
    first page of IDE Discussion Paper 530 (Ye, Meng & Wei 2015, keywords
    "Smile curve, ... APL") and the abstract of the follow-up IDE Discussion
    Paper 802 (Meng & Ye 2020), which names the axes "value-added ratio"
    (vertical) and "production stages" (horizontal), as here. Not checked:
    the body of either paper (the definitions of the APL position and of
    the value-added rate, and their equation numbers), which no source at
    hand reproduces. The formulas are instead checked against closed forms
    in the tests (a three-stage chain gives positions 3, 2, 1).

    Parameters
    ----------
    data : IOTable, Panel or mapping of year to IOTable
        One table, or several years (the result then has a ``year`` dimension).
    country : str
        Country code of the table (or a group name of ``groups``) where the
        chain's products are completed.
    sectors : str or sequence of str
        Industry code(s) of the chain's products, e.g. ``"c14"`` (WIOD 2013:
        electrical and optical equipment).
    target : {"final", "exports"}
    groups : dict, optional
        Regions treated as one country, e.g. ``{"EU": [...members]}``: the
        result's ``country`` dimension then lists the regions (a region's
        ``va`` adds its members', its ``position`` is their value-added
        weighted average), and ``country`` may name one. For ``"exports"``,
        trade among the members is not exported.

    Returns
    -------
    xarray.Dataset
        Dimensions ([year,] country, sector) with the table's codes:

        - ``va``: value added in the chain, units of the table (WIOD: millions
          of US dollars);
        - ``va_share``: ``va / Σ f``, fraction of the chain's value;
        - ``position``: production stages to the chain's product (≥ 1 when
          f ≥ 0); NaN where ``va`` is 0;
        - ``va_rate``: value added per unit of gross output of the
          country-industry (whole economy, not only the chain), fraction: the
          vertical axis of Meng, Ye & Wei's smile curves, and the default of
          :func:`smile_fit` and :func:`~gvcdecomp.plots.plot_smile`.

        - ``chain_value``: ``Σ f``, the chain's value (dimension year only),
          units of the table.

        Attributes ``chain``, ``target``, ``reference``, ``units``, ``source``.

    Raises
    ------
    UnknownLabelError
        ``country`` or a sector is not in the table.
    OptionError
        Unknown ``target``, no sector given, or the chain has no value
        (``Σ f = 0``).

    Reference: Meng, Ye & Wei (2020), Oxford Bulletin of Economics and
    Statistics 82(5): 988-1016, doi:10.1111/obes.12364 (equation numbers not
    confirmed, see above); IDE Discussion Paper 530 (Ye, Meng & Wei 2015).
    """
    from .table import IOTable

    if isinstance(data, IOTable):
        return _smile_one(data, country, sectors, target, groups)
    if not isinstance(data, Mapping):
        raise TypeError(
            f"smile_curve expects an IOTable, a Panel or a mapping of years to tables, "
            f"got {type(data).__name__}"
        )
    years = list(data)
    one = [_smile_one(data[y], country, sectors, target, groups) for y in years]
    return concat_years(one, years)


def smile_fit(ds: xr.Dataset, y: str = "va_rate") -> xr.DataArray:
    r"""Quadratic fit of a smile curve, weighted by value added.

    Least squares of ``y = c₂ position² + c₁ position + c₀`` over the
    country-industries with positive value added, each weighted by its ``va``
    (``np.polyfit`` with ``w = √va``: polyfit weights residuals, so squared
    residuals are weighted by va). ``c₂ > 0`` is a convex curve, a smile;
    ``c₂ < 0`` an inverted U; the turning point ``-c₁ / 2c₂`` says whether the
    curve turns within the chain or is monotone there.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of :func:`smile_curve` (one year or several).
    y : {"va_rate", "va_share"}
        Vertical variable: ``"va_rate"`` (default), the value added per unit
        of gross output of each country-industry, as in Meng, Ye & Wei's
        figures; or ``"va_share"``, its value added in the chain as a share of
        the chain's value (a variant that mostly tells the final assembler
        from everyone else: its shape follows the size of the contributions,
        not their profitability).

    Returns
    -------
    xarray.DataArray
        Dimensions ([year,] power) with power = 2, 1, 0; units of ``y`` per
        stage to the power. Attributes ``vertex``, the position of the turning
        point ``-c₁ / 2c₂``, and ``shape``: ``"smile"`` (c₂ > 0) or
        ``"inverted U"`` (c₂ < 0) when the vertex lies within the positions of
        the contributors, else ``"convex, monotone"`` or ``"concave,
        monotone"``. For several years, ``shape`` and ``vertex`` are lists, one
        entry per year.
    """
    if y not in ("va_share", "va_rate"):
        raise OptionError(f'smile_fit: y must be "va_rate" or "va_share", got {y!r}')
    for v in ("va", "position", y):
        if v not in ds:
            raise OptionError(f"smile_fit needs a smile_curve result; {v!r} is missing")
    if "year" in ds.dims:
        fits = [smile_fit(ds.sel(year=yr), y) for yr in ds["year"].values]
        out = xr.concat(fits, dim="year")
        out.attrs = {
            "y": y,
            "shape": [f.attrs["shape"] for f in fits],
            "vertex": [f.attrs["vertex"] for f in fits],
        }
        return out
    va = ds["va"].values.ravel()
    keep = va > 0
    if keep.sum() < 3:
        raise OptionError(
            "a quadratic fit needs at least three contributors with positive value added"
        )
    pos = ds["position"].values.ravel()[keep]
    coef = np.polyfit(pos, ds[y].values.ravel()[keep], 2, w=np.sqrt(va[keep]))
    vertex = -coef[1] / (2 * coef[0]) if coef[0] != 0 else np.nan
    curve = "smile" if coef[0] > 0 else "inverted U"
    if not pos.min() < vertex < pos.max():  # no turning point inside the chain
        curve = ("convex" if coef[0] > 0 else "concave") + ", monotone"
    coords = {"power": [2, 1, 0]}
    if "year" in ds.coords:
        coords["year"] = ds["year"].values
    return xr.DataArray(
        coef, dims="power", coords=coords, name="quadratic_fit",
        attrs={"y": y, "shape": curve, "vertex": float(vertex)},
    )  # fmt: skip


def _smile_one(table, country, sectors, target, groups) -> xr.Dataset:
    if target not in TARGETS:
        raise OptionError(f'target must be "final" or "exports", got {target!r}')
    if not isinstance(sectors, str | Sequence | np.ndarray) or not len(sectors):
        raise OptionError(f"sectors must be an industry code or a list of them, got {sectors!r}")
    codes = [sectors] if isinstance(sectors, str) else [str(s) for s in sectors]
    cols = [table.sector_index(s) for s in codes]
    c = table.core
    groups = resolve(groups, table)
    reg = c.regions(groups)
    if country not in reg.names:
        raise UnknownLabelError(
            f"unknown country {country!r}; the table has {', '.join(reg.names)}"
        )
    g = reg.names.index(country)
    rows = reg.rows[g][np.isin(reg.sector_of[reg.rows[g]], cols)]

    flow = table.Yc.sum(axis=1) if target == "final" else reg.exports(table).sum(axis=1)
    f = np.zeros(table.n)
    f[rows] = flow[rows]
    total = f.sum()
    chain = f"{'+'.join(table.sectors[i] for i in sorted(set(cols)))} completed in {country}"
    if total == 0:
        raise OptionError(f"the chain {chain} has no {target} value in {table._name}")

    xf = c.solve(f)  # output of every sector needed for the chain
    va = c.v * xf
    stages = c.v * c.solve(xf)  # v_j (B B f)_j
    by = reg.by_region_sector
    va_r, stages_r = by(va), by(stages)
    x_r, gva_r = by(table.x), by(table.value_added)
    cs = ("country", "sector")
    variables = {
        "va": (cs, va_r),
        "va_share": (cs, va_r / total),
        "position": (cs, _ratio(stages_r, va_r)),
        "va_rate": (cs, _ratio(gva_r, x_r)),
        "chain_value": ((), total),
    }
    coords = {"country": list(reg.names), "sector": list(table.sectors)}
    ds = result_dataset(
        table, variables, None, coords, "smile_curve", REFERENCE,
        country=country, sectors=",".join(codes), target=target,
    )  # fmt: skip
    ds.attrs.update(chain=chain, target=target)
    return describe(ds)


def _ratio(num, den):
    """num / den, NaN where den is 0."""
    return np.divide(num, den, out=np.full(den.shape, np.nan), where=den != 0)
