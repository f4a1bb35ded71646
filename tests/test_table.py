
import numpy as np
import pytest
import gvcdecomp as gd
from gvcdecomp import IOTable

from conftest import random_table


def parts(G=2, N=2, seed=0):
    t = random_table(G, N, seed=seed)
    return dict(Z=t.Z.copy(), Y=t.Y.copy(), countries=list(t.countries), sectors=list(t.sectors))


def test_output_defaults_to_row_sums_and_exports_add_up():
    t = random_table(3, 2, seed=1)
    np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum((1, 2)))
    # exports + domestic sales = output
    dom = np.array([t.Zc[i, i // t.N] + t.Yc[i, i // t.N] for i in range(t.n)])
    np.testing.assert_allclose(t.exports.sum(1) + dom, t.x, rtol=1e-13)
    np.testing.assert_allclose(t.value_added + t.Z.sum(0), t.x, rtol=1e-13)


def test_two_dimensional_final_demand_is_country_major():
    p = parts(2, 2)
    Y3 = p["Y"]
    t = IOTable(p["Z"], Y3.reshape(4, -1), p["countries"], p["sectors"], ["F0", "F1"])
    np.testing.assert_array_equal(t.Y, Y3)


def test_stored_output_is_used_on_request_and_gap_warned():
    p = parts()
    x = p["Z"].sum(1) + p["Y"].sum((1, 2))
    x[0] *= 1.01
    with pytest.warns(gd.BalanceWarning, match="C0_s0"):
        t = IOTable(**p, x=x, output="stored")
    np.testing.assert_array_equal(t.x, x)
    assert t.balance()["rows"]["at"] == "C0_s0"
    assert t.balance()["rows"]["max_rel"] == pytest.approx(0.01 / 1.01)


@pytest.mark.parametrize(
    "change, error, match",
    [
        (lambda p: p.update(Z=p["Z"][:, :-1]), gd.ShapeError, "square"),
        (lambda p: p.update(Z=np.zeros((6, 6))), gd.ShapeError, "2 countries x 2 sectors"),
        (lambda p: p.update(Y=p["Y"][:-1]), gd.ShapeError, "final demand"),
        (lambda p: p.update(countries=["A"]), gd.ShapeError, "1 countries"),
        (lambda p: p.update(countries=["A", "A"]), gd.LabelError, "duplicated codes: A"),
        (lambda p: p.update(sectors=[]), gd.LabelError, "sectors is empty"),
        (lambda p: p.update(sectors="ab"), gd.LabelError, "sequence"),
        (lambda p: p["Z"].__setitem__((1, 2), np.nan), gd.ValueNotFiniteError, "C0_s1"),
        (lambda p: p["Y"].__setitem__((3, 0, 0), np.inf), gd.ValueNotFiniteError, "C1_s1"),
        (lambda p: p.update(Z=np.zeros((4, 4)), Y=np.zeros((4, 2, 2))), gd.OutputError, "zero in every row"),
        (lambda p: p.update(fd_categories=["only one"]), gd.LabelError, "1 final-demand"),
        (lambda p: p.update(Z=[[1, 2], [3]]), gd.ShapeError, "Z is not a rectangular array"),
        (lambda p: p.update(Z=np.full((4, 4), "a")), gd.ShapeError, "Z is not a rectangular"),
        (lambda p: p.update(Y=p["Y"] * 1j), gd.ShapeError, "Y holds complex"),
        (lambda p: p.update(year="abc"), gd.LabelError, "year must be an integer"),
    ],
)
def test_bad_tables_raise_specific_errors(change, error, match):
    p = parts()
    p.setdefault("fd_categories", ["F0", "F1"])
    change(p)
    with pytest.raises(error, match=match):
        IOTable(**p)


def test_negative_output_of_a_producing_sector_is_an_error():
    p = parts()
    p["Y"][0] = -1000.0
    with pytest.raises(gd.OutputError, match="negative in 1 row.*C0_s0"):
        IOTable(**p)


def test_negative_stored_output_is_an_error():
    p = parts()
    x = p["Z"].sum(1) + p["Y"].sum((1, 2))
    x[2] = -5
    with pytest.raises(gd.OutputError, match="C1_s0=-5"):
        IOTable(**p, x=x, output="stored")


def test_stored_output_required_when_asked_for():
    with pytest.raises(gd.OutputError, match="no x"):
        IOTable(**parts(), output="stored")
    with pytest.raises(gd.OutputError, match="rowsum"):
        IOTable(**parts(), output="published")


def test_sector_with_only_negative_final_demand_gets_zero_coefficients():
    p = parts()
    p["Z"][1, :] = p["Z"][:, 1] = 0
    p["Y"][1] = 0
    p["Y"][1, 0, 1] = -2.0  # a stock draw-down, nothing produced
    with pytest.warns(gd.BalanceWarning, match="C0_s1=-2"):
        t = IOTable(**p)
    assert np.all(t.core.A[:, 1] == 0)
    np.testing.assert_allclose(t.core.regions().vb.sum(0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(t.core.B @ t.Yc.sum(1), t.x, rtol=1e-12)


def test_negative_value_added_is_warned():
    p = parts()
    x = p["Z"].sum(1) + p["Y"].sum((1, 2))
    x[3] = 0.5 * p["Z"][:, 3].sum()  # published output below the column's inputs
    with pytest.warns(gd.BalanceWarning, match="negative value\\s+added.*C1_s1"):
        IOTable(**p, x=x, output="stored")


def test_unknown_labels():
    t = random_table(2, 2)
    with pytest.raises(gd.UnknownLabelError, match="unknown country 'XXX'.*C0, C1"):
        t.country_index("XXX")
    with pytest.raises(KeyError):
        t.sector_index("zz")


def test_inputs_of_a_sector_without_output_become_final_use():
    p = parts()
    p["Z"][1, :] = 0
    p["Y"][1] = 0
    p["Z"][0, 1] = 3.0  # bought, but nothing produced
    rowsum = p["Z"].sum(1) + p["Y"].sum((1, 2))
    with pytest.warns(gd.BalanceWarning, match="1 sector.* no output but buy inputs.*C0_s1"):
        t = IOTable(**p)
    np.testing.assert_array_equal(t.x, rowsum)  # output unchanged
    assert t.Z[0, 1] == 0 and t.Y[0, 0, -1] == p["Y"][0, 0, -1] + 3.0
    np.testing.assert_allclose(t.core.B @ t.Yc.sum(1), t.x, rtol=1e-12)
