"""An aggregated table's shared resolution must not hide a real gap in a row with few members.

The scaled resolution covers the rounding of the row with the most old rows in it; a
row that merges fewer (or none) would otherwise get that loose bound too, and a gap
the original table warned would be stated as rounding once aggregated.
"""


import pytest
from test_aggregate_resolution import _balance, row_values, truncated_table

from gvcdecomp.aggregate import aggregate
from gvcdecomp.table import IOTable


pytestmark = pytest.mark.usefixtures("fresh_warnings")


def with_gap(row: str, gap: float) -> IOTable:
    t = truncated_table()
    x = t.x_stored.copy()
    x[t.row_labels.index(row)] -= gap
    return IOTable(t.Z, t.Y, t.countries, t.sectors, t.fd_categories, x=x, year=t.year,
                   source="gap test table", resolution=t.resolution)  # fmt: skip


@pytest.mark.parametrize("grouping, row, new_row", [
    ({"countries": {"R": ["C0", "C2"]}}, "C1_s0", "C1_s0"),       # a row left alone
    ({"countries": {"R": ["C0", "C1", "C2"]}, "sectors": {"ab": ["s0", "s1"]}},
     "C3_s2", "C3_s2"),
    ({"sectors": {"ab": ["s0", "s1"]}}, "C1_s2", "C1_s2"),
])  # fmt: skip
def test_gap_beyond_the_rows_own_rounding_still_warns(grouping, row, new_row):
    t0 = truncated_table()
    bound_old = t0.resolution * row_values(t0)
    # beyond what the old row's rounding explains, within the aggregate's shared bound
    gap = 1.5 * bound_old
    t, caught = _balance(lambda: with_gap(row, gap))
    assert len(caught) == 1 and t.diagnostics["output_gap"]["rows"] == [row]
    a, caught = _balance(lambda: aggregate(t, **grouping))
    x_gap = a.Z.sum(1) + a.Y.sum((1, 2)) - a.x_stored
    i = a.row_labels.index(new_row)
    assert abs(x_gap[i]) > 1e-3 * a.x_stored[i]  # a gap the table checks at all
    assert len(caught) == 1, "a real gap was stated as rounding after aggregation"
    assert new_row in a.diagnostics["output_gap"]["rows"]


def test_rounding_of_merged_rows_still_not_warned():
    t = _balance(lambda: truncated_table(0.999))[0]
    a, caught = _balance(lambda: aggregate(t, countries={"R": ["C0", "C2"]}))
    assert caught == [] and "output_gap" not in a.diagnostics
