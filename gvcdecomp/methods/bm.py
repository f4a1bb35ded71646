"""Borin & Mancini (2019, 2023): source- and sink-based decomposition of gross exports."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import OptionError
from ._result import result_dataset

REFERENCE = (
    "Borin, A. and Mancini, M. (2019), Measuring what matters in global value chains and "
    "value-added trade, World Bank Policy Research WP 8804; Borin, A. and Mancini, M. "
    "(2023), Measuring what matters in value-added trade, Economic Systems Research "
    "35(2): 212-233; perspectives and approaches as in the Stata icio command "
    "(Belotti, Borin & Mancini 2021)"
)

APPROACHES = ("source", "sink")
PERSPECTIVES = ("exporter", "sector", "bilateral", "sectoral-bilateral")

#: Reporting levels allowed for each perspective: the perimeter's own level or finer.
LEVELS = {
    "exporter": PERSPECTIVES,
    "sector": ("sector", "sectoral-bilateral"),
    "bilateral": ("bilateral", "sectoral-bilateral"),
    "sectoral-bilateral": ("sectoral-bilateral",),
}

_DIMS = {
    "exporter": ("exporter",),
    "sector": ("exporter", "sector"),
    "bilateral": ("exporter", "importer"),
    "sectoral-bilateral": ("exporter", "sector", "importer"),
}

TERMS = ("gexp", "dc", "dva", "vax", "ref", "ddc", "fc", "fva", "fdc")
GVC_TERMS = ("davax", "gvc", "gvcb", "gvcf")


def bm(
    table, approach: str = "source", perspective: str = "exporter", level: str | None = None
) -> xr.Dataset:
    r"""Borin–Mancini decomposition of gross exports into value added and double counting.

    The ``perspective`` is the perimeter Ω of export flows within which an item
    that crosses it several times is counted once as value added and otherwise
    as double counting: all exports of country s (``"exporter"``), the exports
    of industry i of s (``"sector"``), the exports of s to r (``"bilateral"``) or
    of industry i of s to r (``"sectoral-bilateral"``). ``level`` is the detail
    reported (default: the perspective's own), the same or finer; the
    ``approach`` says in which sub-flow of Ω the value added is recorded, the
    first time it leaves s (``"source"``) or the last (``"sink"``). When level
    equals perspective the two approaches give the same numbers.

    Notation: ``A_Ω`` are the export coefficients of Ω (rows of s, columns of
    its importers) and ``B^{\Ω} = (I - A + A_Ω)^{-1}`` the extraction inverse;
    for Ω = s, ``B^{\Ω}_{ss} = L_{ss}``. ``V_s B_{ss}``
    is the 1 x N row ``Σ_{j∈s} v_j B_{j·}``, ``FC_s = Σ_{t≠s} V_t B_{ts}``. For each
    exported item (s, i, r) with gross exports ``e = E_{sr,i} = A_{sr,i} x_r + Y_{sr,i}``
    and ``x^{(k)} = B Y_{·k}`` the output that ends up in country k:

    Both approaches: ``gexp = e``, ``dc = (V_s B_ss)_i e``, ``fc = (FC_s)_i e``.

    Source:

    - ``dva = (V_s B^{\Ω}_{ss})_i e``, ``ddc = dc - dva``;
    - ``fva = (Σ_{t≠s} V_t B^{\Ω}_{ts})_i e``, ``fdc = fc - fva``;
    - ``ref = (V_s B^{\Ω}_{ss})_i A_{sr,i} x^{(s)}_r`` (returns home and is absorbed
      there), ``vax = dva - ref``;
    - perspective ``"exporter"`` only: ``davax = (V_s L_ss)_i (Y_{sr,i} + A_{sr,i}
      L_rr Y_rr)`` (absorbed by the direct importer), ``gvcb = ddc + fc``,
      ``gvcf = dva - davax``, ``gvc = gvcb + gvcf = gexp - davax`` (icio: GVC
      measures only with perspective exporter and approach source).

    Sink: ``x = B^{\Ω}(Y^{\Ω} + e_Ω)``
    splits output into what will not and what will still be exported through Ω
    (``Y^{\Ω}`` is Y without Ω's final goods, ``e_Ω`` Ω's gross exports in s's rows):

    - ``ddc = (V_s B_ss)_i A_{sr,i} (B^{\Ω}_{·s} e_Ω)_r``, ``dva = dc - ddc``;
    - ``fdc = (FC_s)_i A_{sr,i} (B^{\Ω}_{·s} e_Ω)_r``, ``fva = fc - fdc``;
    - ``ref = (V_s B_ss)_i A_{sr,i} (B^{\Ω} Y_{·s})_r``, ``vax = dva - ref``;
    - perspective ``"exporter"``, level with an importer: ``vaxim = (V_s B_ss)_i
      (Y_{sr,i} + A_{sr,i} (B^{\Ω} Y^{\Ω}_{·r})_r)``, value added of s absorbed by
      the direct importer r (as ``VAXIM`` in the R package exvatools).

    Identities (to round-off): ``gexp = dc + fc``, ``dc = dva + ddc``,
    ``fc = fva + fdc``, ``dva = vax + ref``, ``gvc = gvcb + gvcf = gexp - davax``.
    Under perspective ``"exporter"`` every term adds up over sectors and
    importers; ``gexp``, ``dc`` and ``fc`` add up under any perspective. The
    exporter-level source ``dva`` is ``V_s L_ss E_s*`` (Los, Timmer & de Vries 2016).

    Reference: Borin & Mancini (2019, 2023); BM (2023) eq. 4 is the source-based and
    eqs. 12-13 the sink-based split (numbers as cited by the R package gvcAnalyzer).
    Perspective/approach pairs and term names follow the Stata icio command and the
    R package exvatools (``bm_src``, ``bm_snk``).

    Parameters
    ----------
    table : IOTable
    approach : {"source", "sink"}
    perspective : {"exporter", "sector", "bilateral", "sectoral-bilateral"}
    level : str, optional
        One of ``LEVELS[perspective]``.

    Returns
    -------
    xarray.Dataset
        Dimensions by level: (exporter), (exporter, sector), (exporter, importer)
        or (exporter, sector, importer); one variable per term; units of the
        table (WIOD: millions of US dollars). Entries with importer == exporter
        are zero.

    Raises :class:`~gvcdecomp.errors.OptionError` for an unknown approach,
    perspective or level, or a level coarser than the perspective.

    Extraction inverses are never formed: ``B^{\Ω}_{·s} = B_{·s} (I + A_Ω B_{·s})^{-1}``
    (Woodbury), so each perimeter costs one N x N solve, and a scalar division
    for the sectoral perimeters, where ``A_Ω`` has one row.
    """
    level = _check_options(approach, perspective, level)
    blocks = _Blocks(table)
    E = blocks.E
    vbs, fcs = blocks.vbs[:, None, :], blocks.fcs[:, None, :]  # broadcast over r
    dc, fc = vbs * E, fcs * E

    if approach == "source":
        w, f = _source_weights(blocks, perspective)
        dva, fva = w * E, f * E
        ref = w * blocks.R
        terms = {"gexp": E, "dc": dc, "dva": dva, "vax": dva - ref, "ref": ref,
                 "ddc": dc - dva, "fc": fc, "fva": fva, "fdc": fc - fva}  # fmt: skip
        if perspective == "exporter":
            davax = w * (blocks.Y + blocks.direct)
            terms.update(davax=davax, gvcb=(dc - dva) + fc, gvcf=dva - davax)
            terms["gvc"] = terms["gvcb"] + terms["gvcf"]
    else:
        K, R = _sink_flows(blocks, perspective)
        ddc, fdc, ref = vbs * K, fcs * K, vbs * R
        dva = dc - ddc
        terms = {"gexp": E, "dc": dc, "dva": dva, "vax": dva - ref, "ref": ref,
                 "ddc": ddc, "fc": fc, "fva": fc - fdc, "fdc": fdc}  # fmt: skip
        if perspective == "exporter" and "importer" in _DIMS[level]:
            terms["vaxim"] = vbs * (blocks.Y + _sink_importer_paths(blocks))

    dims = _DIMS[level]
    axes = tuple(ax for ax, d in ((1, "sector"), (2, "importer")) if d not in dims)
    out = {}
    for k, a in terms.items():  # internal order (exporter, importer, sector)
        a = a.transpose(0, 2, 1)
        out[k] = a.sum(axis=axes) if axes else a
    coords = {"exporter": list(table.countries)}
    if "sector" in dims:
        coords["sector"] = list(table.sectors)
    if "importer" in dims:
        coords["importer"] = list(table.countries)
    return result_dataset(
        table, out, dims, coords, method="bm", reference=REFERENCE,
        approach=approach, perspective=perspective, level=level,
    )  # fmt: skip


def _check_options(approach, perspective, level) -> str:
    if approach not in APPROACHES:
        raise OptionError(f"bm: approach must be one of {APPROACHES}, got {approach!r}")
    if perspective not in PERSPECTIVES:
        raise OptionError(f"bm: perspective must be one of {PERSPECTIVES}, got {perspective!r}")
    level = perspective if level is None else level
    if level not in LEVELS[perspective]:
        supported = "; ".join(f"perspective={p!r}: level in {ls}" for p, ls in LEVELS.items())
        raise OptionError(
            f"bm: level={level!r} is not defined for perspective={perspective!r} "
            f"(approach={approach!r}): the reported flows must lie inside the "
            f"perspective's perimeter. Supported: {supported}"
        )
    return level


class _Blocks:
    """Block products shared by both approaches, in (exporter s, importer r, sector i) order."""

    def __init__(self, table):
        c = table.core
        G, N = c.G, c.N
        self.G, self.N = G, N
        off = 1.0 - np.eye(G)  # zero the s == r blocks: domestic flows are not exports
        A4 = c.A.reshape(G, N, G, N).transpose(0, 2, 1, 3)  # A4[s, r] = A_sr
        self.A4 = A4 * off[:, :, None, None]
        B4 = c.B.reshape(G, N, G, N).transpose(2, 0, 1, 3)  # B4[s, r] = B_rs
        # C[s, r] = A_sr B_rs: A_Ω B_{·s} summed over the blocks in Ω.
        self.C = self.A4 @ B4
        self.E = table.exports.reshape(G, N, G).transpose(0, 2, 1).copy()
        self.Y = table.Yc.reshape(G, N, G).transpose(0, 2, 1) * off[:, :, None]
        self.BY = (c.B @ table.Yc).reshape(G, N, G)  # BY[r, :, k] = x^{(k)}_r
        # R[s, r] = A_sr x^{(s)}_r: exports of s that come back to be absorbed in s.
        self.R = np.einsum("srij,rjs->sri", self.A4, self.BY)
        vb = c.vb_country.reshape(G, G, N)
        self.vbs = vb[np.arange(G), np.arange(G)]  # V_s B_ss, (G, N)
        self.fcs = vb.sum(axis=0) - self.vbs  # Σ_{t≠s} V_t B_ts
        ydom = table.Yc[np.arange(c.n), np.arange(c.n) // N]
        self.direct = self.A4 @ c.local_times(ydom).reshape(G, N)[None, :, :, None]
        self.direct = self.direct[..., 0]  # A_sr L_rr Y_rr

    @property
    def diag(self):
        """D[s, r, i] = (A_sr B_rs)_ii, A_Ω B_{·s} for one exported row (s, i)."""
        return np.diagonal(self.C, axis1=2, axis2=3)


def _source_weights(b: _Blocks, perspective):
    """``V_s B^{\\Ω}_ss``, ``Σ_{t≠s} V_t B^{\\Ω}_ts``; Ω the perimeter of each (s, r, i)."""
    G, N = b.G, b.N
    rhs = np.stack([b.vbs, b.fcs], axis=-1)  # (G, N, 2)
    if perspective == "exporter":
        # x B^{\Ω}_{·s} = x B_{·s} M^{-1}: solve Mᵀ yᵀ = xᵀ, M = I + Σ_r A_sr B_rs.
        M = np.eye(N) + b.C.sum(axis=1)
        sol = np.linalg.solve(M.transpose(0, 2, 1), rhs)[:, None]  # (G, 1, N, 2)
        sol = np.broadcast_to(sol, (G, G, N, 2))
    elif perspective == "bilateral":
        M = np.eye(N) + b.C
        rhs = np.broadcast_to(rhs[:, None], (G, G, N, 2))
        sol = np.linalg.solve(M.transpose(0, 1, 3, 2), rhs)
    else:
        # One removed row (s, i): M = I + e_i cᵀ and (x M^{-1})_i = x_i / (1 + c_i).
        D = b.diag
        d = 1.0 + (D.sum(axis=1, keepdims=True) if perspective == "sector" else D)
        sol = rhs[:, None] / d[..., None]
    return sol[..., 0], sol[..., 1]


def _sink_flows(b: _Blocks, perspective):
    """``A_sr (B^{\\Ω}_{·s} e_Ω)_r`` (double counted in E_sr), ``A_sr (B^{\\Ω} Y_{·s})_r``."""
    G, N = b.G, b.N
    E, R, C = b.E, b.R, b.C
    if perspective in ("exporter", "bilateral"):
        if perspective == "exporter":
            M = np.eye(N) + C.sum(axis=1)
            # RHS: e_Ω and A_Ω B Y_{·s}, both N-vectors of country s.
            z = np.linalg.solve(M, np.stack([E.sum(axis=1), R.sum(axis=1)], axis=-1))[:, None]
        else:
            M = np.eye(N) + C
            z = np.linalg.solve(M, np.stack([E, R], axis=-1))
        Cz = C @ np.broadcast_to(z, (G, G, N, 2))
        return Cz[..., 0], R - Cz[..., 1]
    # One removed row: M^{-1} maps e_i to e_i / (1 + c_i); only D = (A_sr B_rs)_ii enters.
    D = b.diag
    if perspective == "sector":
        d = 1.0 + D.sum(axis=1, keepdims=True)
        K = D * E.sum(axis=1, keepdims=True) / d
        return K, R - D * R.sum(axis=1, keepdims=True) / d
    d = 1.0 + D
    return D * E / d, R / d


def _sink_importer_paths(b: _Blocks):
    """``A_sr (B^{\\s} Y^{\\s}_{·r})_r``, Ω = all exports of s: intermediates absorbed in r."""
    G, N = b.G, b.N
    C = b.C
    Q = b.A4 @ b.BY[None]  # Q[s, r', :, k] = A_sr' x^{(k)}_r'
    M = np.eye(N) + C.sum(axis=1)
    # B^{\s} Y^{\s}_{·r} = B y - B_{·s} M^{-1} A_Ω B y, y = Y_{·r} minus s's final exports Y_sr;
    # A_Ω B y = Σ_r' Q[s, r', :, r] - (M - I) Y_sr.
    yx = b.Y.transpose(0, 2, 1)  # (G, N, G): Y_sr for s
    rhs = Q.sum(axis=1) - (M - np.eye(N)) @ yx
    z = np.linalg.solve(M, rhs)  # (G, N, G): column r is M^{-1} A_Ω B y_r
    Qrr = Q[:, np.arange(G), :, np.arange(G)].transpose(1, 0, 2)  # A_sr x^{(r)}_r
    Cy = np.einsum("srij,sjr->sri", C, yx + z)
    return Qrr - Cy
