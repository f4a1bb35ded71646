"""IOTable input checks (issue #12 §2, §6b, §7), construction memory (#17 §3) and
one-line balance warnings (#16 §3); panels whose years disagree."""

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

import gvcdecomp as gd
from gvcdecomp import IOTable
from gvcdecomp.core import _inverse
from gvcdecomp.panel import Panel, check_same_labels

from conftest import random_table


def parts(G=3, N=2, seed=0):
    t = random_table(G, N, seed=seed)
    return dict(
        Z=t.Z.copy(), Y=t.Y.copy(), countries=list(t.countries), sectors=list(t.sectors),
        fd_categories=list(t.fd_categories),
    )  # fmt: skip


def quiet(**p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        return IOTable(**p)


# -- arrays that are not what they seem ---------------------------------------------


def test_masked_cells_are_refused_and_an_unmasked_masked_array_is_its_data():
    p = parts()
    mask = np.zeros_like(p["Z"], dtype=bool)
    mask[2, 3] = True
    with pytest.raises(gd.ValueNotFiniteError, match="Z is a masked array with 1 masked"):
        IOTable(**{**p, "Z": np.ma.masked_array(p["Z"], mask=mask)})
    t = IOTable(**{**p, "Z": np.ma.masked_array(p["Z"], mask=False)})
    np.testing.assert_array_equal(t.Z, p["Z"])


@pytest.mark.parametrize("dtype", ["datetime64[s]", "timedelta64[s]"])
def test_dates_and_durations_are_not_numbers(dtype):
    p = parts()
    with pytest.raises(gd.ShapeError, match="Y holds dates or durations"):
        IOTable(**{**p, "Y": p["Y"].astype("int64").astype(dtype)})


@pytest.mark.parametrize("bad", ["C2\x00", "C2\t", "C\n2", "C2\x7f"])
def test_labels_with_control_characters_are_refused(bad):
    p = parts()
    p["countries"][2] = bad
    with pytest.raises(gd.LabelError, match="countries has codes with control characters"):
        IOTable(**p)


@pytest.mark.parametrize("year", [2011, 2011.0, np.float64(2011.0), np.int32(2011), np.array(2011), np.array(2011.0)])
def test_integral_years_are_accepted(year):
    assert IOTable(**parts(), year=year).year == 2011


@pytest.mark.parametrize("year", [2011.5, float("nan"), True, "2011", np.array([2011])])
def test_other_years_are_refused(year):
    with pytest.raises(gd.LabelError, match="year must be an integer"):
        IOTable(**parts(), year=year)


def test_overflowing_values_are_refused_and_nan_counted():
    p = parts()
    p["Z"][0, :2] = 1e308  # the row sum would be inf
    with pytest.raises(gd.ValueNotFiniteError, match="beyond 1e\\+150.*C0_s0.*rescale"):
        IOTable(**p)
    p = parts()
    p["Y"][4, 1, 0] = 1e200
    with pytest.raises(gd.ValueNotFiniteError, match="Y holds values beyond.*C2_s0"):
        IOTable(**p)
    p = parts()
    p["Z"][5, 1] = p["Z"][3, 0] = np.nan
    p["Z"][4, 4] = -np.inf
    with pytest.raises(gd.ValueNotFiniteError, match="Z holds 3 NaN or infinite.*first at row C1_s1"):
        IOTable(**p)


# -- outputs within round-off of zero ------------------------------------------------


def zero_row_parts(value):
    """Sector C0_s1 sells nothing but ``value`` and buys inputs."""
    p = parts()
    p["Z"][1, :] = 0.0
    p["Y"][1] = 0.0
    p["Y"][1, 1, 0] = value
    return p


@pytest.mark.parametrize("value", [1e-16, -1e-16, 1e-300, -1e-300, 5e-324])
def test_output_within_roundoff_of_zero_decomposes_as_exact_zero(value):
    exact = quiet(**zero_row_parts(0.0))
    near = quiet(**zero_row_parts(value))
    assert near.x[1] == 0.0 and near.zero_output.tolist() == [1]
    assert near.diagnostics["output_rounded_to_zero"]["rows"] == ["C0_s1"]
    # the identities hold, and the result is that of the exact zero
    c = near.core
    np.testing.assert_allclose(c.B @ near.Yc.sum(1), near.x, atol=1e-12 * near.x.max())
    np.testing.assert_allclose(c.v @ c.B, 1.0, rtol=1e-12)
    for m in ("wwz", "kww"):
        a, b = gd.decompose(near, m), gd.decompose(exact, m)
        for k in a.data_vars:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, err_msg=f"{m} {k}")


def test_small_output_of_a_small_sector_is_kept():
    p = parts()
    p["Z"][1, :] = p["Z"][:, 1] = 0.0
    p["Y"][1] = 0.0
    p["Y"][1, 1, 0] = 1e-16  # every flow of the sector is this small: not round-off
    t = IOTable(**p)
    assert t.x[1] == 1e-16 and t.zero_output.size == 0


def test_a_rcond_that_underflows_is_a_singular_matrix_error():
    with pytest.raises(gd.SingularMatrixError, match="condition number inf"):
        _inverse(np.array([[1.0, 0.0], [0.0, 1e-320]]), "M")


# -- zero-output sectors in every result ---------------------------------------------


def drawdown_table():
    """C0_s1 produces nothing, exports 3 to C1 and draws 5 from its own stocks."""
    p = parts()
    p["Z"][1, :] = p["Z"][:, 1] = 0.0
    p["Y"][1] = 0.0
    p["Y"][1, 1, 0] = 3.0
    p["Y"][1, 0, 1] = -5.0
    return quiet(**p)


@pytest.mark.parametrize("method, options", [
    ("wwz", {}), ("kww", {}), ("leontief", {}), ("leontief", {"post": "final"}),
    ("bm", {}), ("bm", {"perspective": "bilateral"}),
])  # fmt: skip
def test_every_result_lists_the_zero_output_sectors_and_their_exports(method, options):
    t = drawdown_table()
    assert t.x[1] == -2.0
    r = gd.decompose(t, method, **options)
    assert r.attrs["zero_output_sectors"] == "C0_s1 (exports 3)"
    assert r.attrs["zero_output_exports"] == 3.0
    assert "v = 1" in r.attrs["zero_output_convention"]


def test_zero_output_convention_keeps_value_added_equal_to_flows():
    t = drawdown_table()
    c = t.core
    assert np.all(c.A[:, 1] == 0) and c.v[1] == 1.0
    np.testing.assert_allclose(c.v @ c.B, 1.0, rtol=1e-12)  # u V̂ B = u
    # all value added (v x) equals all final demand, the draw-down included
    np.testing.assert_allclose(c.v @ t.x, t.Y.sum(), rtol=1e-12)
    assert gd.decompose(random_table(3, 2), "kww").attrs["zero_output_sectors"] == ""


# -- groups given as any iterable ----------------------------------------------------


@pytest.mark.parametrize("members", [
    lambda: ["C0", "C2"], lambda: (c for c in ["C0", "C2"]), lambda: np.array(["C0", "C2"]),
    lambda: pd.Index(["C0", "C2"]), lambda: pd.Series(["C0", "C2"]),
])  # fmt: skip
def test_group_members_may_be_any_iterable(members):
    t = random_table(3, 2)
    ref = gd.decompose(t, "kww", groups={"P": ["C0", "C2"]})
    r = gd.decompose(t, "kww", groups={"P": members()})
    assert list(r.exporter.values) == ["P", "C1"]
    for k in ref.data_vars:
        np.testing.assert_array_equal(r[k], ref[k])


def test_empty_groupings():
    t = random_table(3, 2)
    assert list(gd.decompose(t, "kww", groups={}).exporter.values) == ["C0", "C1", "C2"]
    for empty in ([], np.array([]), pd.Index([]), (c for c in [])):
        with pytest.raises(gd.errors.OptionError, match="group 'P' has no members"):
            gd.decompose(t, "kww", groups={"P": empty})
    with pytest.raises(gd.errors.OptionError, match="a list of names or a dict"):
        gd.decompose(t, "kww", groups=[("P", ["C0"])])


# -- construction costs the table's own size -----------------------------------------


def test_float64_arrays_are_taken_without_copying_and_never_modified():
    p = parts()
    t = IOTable(**p)
    assert np.shares_memory(t.Z, p["Z"]) and np.shares_memory(t.Y, p["Y"])
    # other dtypes or orders are converted (a copy, C-ordered)
    t = IOTable(**{**p, "Z": np.asfortranarray(p["Z"])})
    assert t.Z.flags.c_contiguous and not np.shares_memory(t.Z, p["Z"])
    # reclassifying inputs of a sector without output copies before writing
    p = parts()
    p["Z"][1, :] = 0.0
    p["Y"][1] = 0.0
    Z0, Y0 = p["Z"].copy(), p["Y"].copy()
    t = quiet(**p)
    assert t.Z[:, 1].sum() == 0 and Z0[:, 1].sum() > 0
    np.testing.assert_array_equal(p["Z"], Z0)
    np.testing.assert_array_equal(p["Y"], Y0)


def test_construction_allocates_little_beyond_the_arrays():
    G, N = 40, 20
    rng = np.random.default_rng(1)
    Z = rng.uniform(0, 1, (G * N, G * N))
    Y = rng.uniform(0, 500, (G * N, G, 2))
    own = Z.nbytes + Y.nbytes
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        IOTable(Z, Y, [f"C{i}" for i in range(G)], [f"s{i}" for i in range(N)])
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # a copy of Z alone would be 0.9 of own; validation works in 1 MiB blocks
    assert peak < 0.3 * own, peak / own


# -- balance warnings: one line, counts, the caller's line, detail on the table ------


def gap_parts():
    p = parts()
    x = p["Z"].sum(1) + p["Y"].sum((1, 2))
    x[[0, 3]] *= [1.01, 0.98]
    return {**p, "x": x}


def test_balance_warning_is_one_line_with_counts_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = IOTable(**gap_parts())
    (w,) = caught
    msg = str(w.message)
    assert "\n" not in msg
    assert "2 row(s) differ from stored output by more than 0.1%, largest 2.04% at C1_s1" in msg
    assert "the model uses row sums" in msg
    assert w.filename == __file__
    d = t.diagnostics["output_gap"]
    assert d["rows"] == ["C0_s0", "C1_s1"]
    rowsum = t.Z.sum(1) + t.Y.sum((1, 2))
    np.testing.assert_allclose(d["values"], (rowsum - t.x_stored)[[0, 3]])
    assert t.balance()["diagnostics"] is t.diagnostics


def test_balance_warning_through_a_loader_points_at_the_caller(tmp_path):
    t = quiet(**gap_parts())
    gd.save_table(t, tmp_path / "t.nc")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gd.load_table(tmp_path / "t.nc")
    assert [w.filename for w in caught if w.category is gd.BalanceWarning] == [__file__]


def test_negative_row_sums_and_value_added_are_still_warned():
    p = parts()
    p["Z"][1, :] = p["Z"][:, 1] = 0.0
    p["Y"][1] = 0.0
    p["Y"][1, 0, 1] = -2.0
    p["Z"][3, :] = p["Z"][:, 3] = 0.0
    p["Y"][3] = 0.0
    p["Y"][3, 1, 1] = -4.0
    with pytest.warns(gd.BalanceWarning, match="2 row sum\\(s\\) negative.*lowest C1_s1=-4"):
        t = IOTable(**p)
    assert t.diagnostics["negative_row_sums"]["rows"] == ["C0_s1", "C1_s1"]
    p = parts()
    x = p["Z"].sum(1) + p["Y"].sum((1, 2))
    x[4] = 0.5 * p["Z"][:, 4].sum()
    with pytest.warns(gd.BalanceWarning, match="negative value added\\) in 1 column\\(s\\), lowest C2_s0"):
        t = IOTable(**p, x=x, output="stored")
    np.testing.assert_allclose(t.diagnostics["negative_value_added"]["values"], [-x[4]])


# -- panels ---------------------------------------------------------------------------


def test_panel_keys_and_table_years_must_agree():
    same = Panel([2005, 2006], lambda y: random_table(3, 2, seed=0), "test")  # year 2000
    with pytest.raises(gd.LabelError, match="loaded for year 2005 says it is of 2000"):
        same[2005]
    with pytest.raises(gd.LabelError, match="loaded for year 2005"):
        gd.decompose(same, "kww")

    def unnamed(y):
        t = random_table(3, 2, seed=y - 2005)
        t.year = None
        return t

    r = gd.decompose(Panel([2005.0, np.int64(2006)], unnamed, "test"), "kww")
    assert r.year.values.tolist() == [2005, 2006]
    with pytest.raises(gd.LabelError, match="year must be an integer"):
        Panel([2005.5], unnamed, "test")
    with pytest.raises(gd.LabelError, match="given twice"):
        Panel([2005, 2005.0], unnamed, "test")


def test_panel_years_with_different_labels_are_refused():
    def load(y):
        return random_table(3 if y == 2001 else 4, 2, seed=y - 2000)

    p = Panel([2000, 2001], load, "test")
    with pytest.raises(gd.LabelError, match="exporter of 2001 differ from those of 2000.*lacks \\['C3'\\]"):
        gd.decompose(p, "kww")
    with pytest.raises(gd.LabelError, match="countries of 2001"):
        check_same_labels([p[2000], p[2001]])
    a, b = random_table(3, 2, seed=0), random_table(3, 2, seed=1)
    check_same_labels([a, b])  # same labels: no error
    b.sectors = ("s1", "s0")
    with pytest.raises(gd.LabelError, match="sectors of 2001.*order differs"):
        check_same_labels([a, b])


def test_a_zero_d_array_is_one_year_and_a_1_d_array_a_panel():
    from gvcdecomp.panel import Panel, table_or_panel

    def load(y):
        return y

    assert table_or_panel(np.array(2011), range(2000, 2015), "X", load, "x") == 2011
    p = table_or_panel(np.array([2010, 2011]), range(2000, 2015), "X", load, "x")
    assert isinstance(p, Panel) and p.years == (2010, 2011)
