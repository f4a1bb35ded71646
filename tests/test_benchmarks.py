"""The benchmark script runs end to end in --quick mode and reports every method.

No speed is asserted: only that the report is complete and its ratios are numbers.
"""

import math
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from gvcdecomp import METHODS

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    saved = list(sys.path)  # the script puts its checkout first on sys.path
    try:
        return runpy.run_path(str(BENCH / "run.py"), run_name="gvcdecomp_benchmarks")
    finally:
        sys.path[:] = saved


@pytest.fixture(scope="module")
def quick_report(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    printed = bench["main"](["--quick", "--out", str(out)])
    return out.read_text(), printed


def _tables(text):
    """Markdown tables of the report as lists of rows (header first), cells stripped."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):  # skip the |---| rule
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def test_report_written_and_printed(quick_report):
    written, printed = quick_report
    assert written == printed
    for heading in ("## Machine", "## Synthetic tables", "## Numba compilation", "## Targets"):
        assert heading in written


def test_every_method_has_a_row_with_positive_finite_ratios(bench, quick_report):
    text, _ = quick_report
    method_tables = [t for t in _tables(text) if t[0][0] == "method" and "end to end / inv" in t[0]]
    assert method_tables, "no per-method table in the report"
    labels = [label for label, *_ in bench["method_variants"]()]
    assert {lbl.split()[0] for lbl in labels} == set(METHODS)
    for table in method_tables:
        header, rows = table[0], table[1:]
        assert [r[0] for r in rows] == labels
        ratio_cols = [i for i, h in enumerate(header) if "/ inv" in h]
        assert len(ratio_cols) == 2
        for r in rows:
            for i in ratio_cols:
                v = float(r[i])
                assert math.isfinite(v) and v > 0, (r[0], header[i], r[i])


def test_numba_table_lists_every_registered_method(quick_report):
    text, _ = quick_report
    (table,) = [t for t in _tables(text) if t[0][0] == "method" and "steady state (s)" in t[0]]
    assert [r[0] for r in table[1:]] == list(METHODS)


def test_targets_table_has_every_target(bench, quick_report):
    text, _ = quick_report
    (table,) = [t for t in _tables(text) if t[0][0] == "target"]
    assert [r[0] for r in table[1:]] == [desc for _, desc, _ in bench["TARGETS"]]
    assert {r[4] for r in table[1:]} <= {"met", "**missed**", "not measured"}


def test_option_values_are_looped(bench):
    variants = bench["method_variants"]()
    from gvcdecomp.methods import bm, leontief

    bm_opts = {(o["approach"], o["perspective"]) for _, name, _, o in variants if name == "bm"}
    assert bm_opts == {(a, p) for a in bm.APPROACHES for p in bm.PERSPECTIVES}
    posts = [o["post"] for _, name, _, o in variants if name == "leontief"]
    assert posts == list(leontief.POSTS)


def test_fit_exponent_recovers_a_power_law(bench):
    n = np.array([100, 400, 1600])
    assert bench["fit_exponent"](n, 2e-9 * n**2.7) == pytest.approx(2.7)


def test_synthetic_table_is_reproducible_balanced_and_well_conditioned():
    sys.path.insert(0, str(BENCH))
    try:
        from synthetic import synthetic_table
    finally:
        sys.path.remove(str(BENCH))
    a, b = synthetic_table(5, 7, seed=3), synthetic_table(5, 7, seed=3)
    assert np.array_equal(a.Z, b.Z) and np.array_equal(a.Y, b.Y)
    assert not np.array_equal(a.Z, synthetic_table(5, 7, seed=4).Z)
    va = a.x - a.Z.sum(axis=0)
    assert (va > 0).all()
    assert np.allclose(a.Z.sum(axis=1) + a.Y.sum(axis=(1, 2)), a.x, rtol=1e-12)
    assert np.abs(a.core.A).sum(axis=0).max() <= 0.8 + 1e-9
    assert a.core.condition <= 9.0 + 1e-9
