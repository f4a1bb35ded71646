"""`gvcdecomp check` and IOTable.balance() count negative value added as the load
warning does: columns whose intermediate inputs exceed gross output. A row without
inputs whose sum is negative (LUX c5, c8 in WIOD 2013) has x - 0 < 0 as its residual
"value added" too, but it is a negative row sum, warned as such."""

import re
import warnings

import numpy as np

import gvcdecomp as gd
from gvcdecomp.cli import main


def report_line(out: str) -> str:
    return next(line for line in out.splitlines() if "negative value added (" in line
                and not line.startswith("  warning"))  # fmt: skip


def test_check_agrees_with_the_warning_on_wiod2013_2011(wiod2013_dir, capsys):
    f = wiod2013_dir / "wiot_2011.RData"
    assert main(["check", str(f)]) == 0
    out = capsys.readouterr().out
    warned = next(line for line in out.splitlines() if "exceed gross output (negative" in line)
    count = int(re.search(r"in (\d+) column\(s\)", warned).group(1))
    line = report_line(out)
    # before: "negative value added: 3 column(s)" beside a warning of 1 column
    assert f": {count} column(s): " in line
    listed = line.split("column(s): ")[1].split(", ")
    assert len(listed) == count and listed[0].startswith("LUX_c24=")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.load_wiod2013(2011)
    # the plain residual holds two more: the negative row sums without inputs
    va = t.x - t.Z.sum(axis=0)
    below = [t.row_labels[i] for i in np.flatnonzero(va < 0)]
    assert sorted(below) == sorted(["LUX_c24", *t.diagnostics["negative_row_sums"]["rows"]])
    assert t.balance()["negative_value_added"] == count == 1


def test_balance_counts_the_warned_columns():
    from conftest import random_table

    t = random_table(3, 2, seed=1)
    Z, Y = t.Z.copy(), t.Y.copy()
    Z[1, :] = Z[:, 1] = 0.0  # C0_s1: no inputs, negative final demand only
    Y[1] = 0.0
    Y[1, 0, 0] = -2.0
    Z[:, 4] *= 20  # C2_s0: inputs exceed output
    x = Z.sum(1) + Y.sum((1, 2))
    assert x[1] < 0 and x[4] < Z[:, 4].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = gd.IOTable(Z, Y, t.countries, t.sectors, t.fd_categories)
    assert t.diagnostics["negative_value_added"]["rows"] == ["C2_s0"]
    assert ((x - Z.sum(0)) < 0).sum() == 2 and t.balance()["negative_value_added"] == 1
