"""Luxembourg's domestic value-added share of exports under the three conventions
for sectors with zero or negative row sums (docs/numerics.md).

    GVCDECOMP_DATA_DIR=/path/to/data python scripts/zero_output_conventions.py [YEAR]

Conventions, for the rows with output x_i <= 0 (zero input coefficients in all):
gvcdecomp: v_i = 1; R decompr: v_i = 0 where x_i = 0 (0/0 set to 0), v_i = 1
where x_i < 0 (va/x = x/x); clipping: x_i < 0 set to 0, so v_i = 0 for all.
Shares: WWZ DVA (absorbed abroad) / gross exports, from gvcdecomp's own WWZ with
v replaced; and v_s B_ss e_s / u e_s in plain numpy (value added of s in its exports).
"""

import sys
import warnings

import numpy as np

import gvcdecomp as gd

year = int(sys.argv[1]) if len(sys.argv) > 1 else 2005
warnings.simplefilter("ignore", gd.BalanceWarning)
base = gd.load_wiod2013(year)
zero = base.x <= 0
rules = {
    "gvcdecomp (v = 1)": np.zeros(base.n, bool),
    "R decompr (v = 0 where x = 0)": zero & (base.x == 0),
    "clipping (v = 0 where x <= 0)": zero,
}
print(f"WIOD 2013 {year}: {zero.sum()} rows with x <= 0; their exports "
      + ", ".join(f"{base.row_labels[i]} {base.exports[i].sum():g}" for i in np.flatnonzero(zero)
                  if base.exports[i].sum()))
lux = base.country_index("LUX")
rows = slice(lux * base.N, (lux + 1) * base.N)
for name, v0 in rules.items():
    t = gd.load_wiod2013(year)
    t.core.v[v0] = 0.0  # before any method builds its blocks from v
    s = gd.wwz_summary(gd.decompose(t, "wwz").sum(["importer", "sector"]))
    e = t.exports[rows].sum(1)
    A = t.Z * np.divide(1.0, t.x, out=np.zeros(t.n), where=t.x > 0)
    v = np.where(t.x > 0, 1.0 - A.sum(0), 1.0)
    v[v0] = 0.0
    B = np.linalg.inv(np.eye(t.n) - A)
    vbe = v[rows] @ B[rows, rows] @ e / e.sum()
    world_gap = t.Y.sum() - v @ t.x  # final demand not matched by any value added
    print(f"{name:32s} LUX WWZ DVA share {100 * float(s.DVA_absorbed_abroad_share.sel(exporter='LUX')):.4f} %, "
          f"v_s B_ss e_s share {100 * vbe:.4f} %, world final demand minus value added {world_gap:g}")
