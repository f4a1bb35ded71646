"""Tables from DataFrames and from the Stata icio user layout; the way back to DataFrames."""

import numpy as np
import pandas as pd
import pytest

from gvcdecomp import IOTable
from gvcdecomp.errors import FileFormatError, LabelError, ShapeError, ValueNotFiniteError
from gvcdecomp.sources.generic import from_dataframes, read_stata_icio, to_dataframes

COUNTRIES = ["AUS", "CHN", "USA"]
SECTORS = ["A01_02", "C26", "J62_63"]
CATS = ["HFCE", "GFCF"]


def table(seed=0, with_x=True):
    rng = np.random.default_rng(seed)
    n, G, K = 9, 3, 2
    Z = rng.uniform(0, 10, (n, n))
    Y = rng.uniform(0, 40, (n, G, K))
    x = Z.sum(1) + Y.sum(axis=(1, 2)) + rng.uniform(-1, 1, n) if with_x else None
    return IOTable(Z, Y, COUNTRIES, SECTORS, CATS, x=x, year=2020, source="test")


def assert_same(a, b):
    assert (a.countries, a.sectors, a.fd_categories) == (b.countries, b.sectors, b.fd_categories)
    np.testing.assert_array_equal(a.Z, b.Z)
    np.testing.assert_array_equal(a.Y, b.Y)
    np.testing.assert_array_equal(a.x, b.x)


def string_frames(t, rng):
    """The table as frames with "CCC_code" labels, rows and columns shuffled."""
    Zf, Yf, x = to_dataframes(t)
    flat = [f"{c}_{s}" for c, s in Zf.index]
    Zf = pd.DataFrame(Zf.to_numpy(), index=flat, columns=flat)
    Yf = pd.DataFrame(Yf.to_numpy(), index=flat, columns=[f"{c}_{k}" for c, k in Yf.columns])
    x = pd.Series(x.to_numpy(), index=flat)
    r, c, y = rng.permutation(t.n), rng.permutation(t.n), rng.permutation(Yf.shape[1])
    return Zf.iloc[r, c], Yf.iloc[rng.permutation(t.n), y], x.iloc[rng.permutation(t.n)]


# -- DataFrames ----------------------------------------------------------------------


def test_round_trip_multiindex_exact():
    t = table()
    Zf, Yf, x = to_dataframes(t)
    assert Zf.index.names == ["country", "sector"] and Yf.columns.names == ["country", "category"]
    assert Zf.loc[("CHN", "C26"), ("USA", "J62_63")] == t.Z[4, 8]
    assert Yf.loc[("USA", "A01_02"), ("AUS", "GFCF")] == t.Y[6, 0, 1]
    back = from_dataframes(Zf, Yf, x, output="stored")
    assert_same(back, IOTable(t.Z, t.Y, COUNTRIES, SECTORS, CATS, x=t.x_stored, output="stored"))
    np.testing.assert_array_equal(back.x_stored, t.x_stored)
    # without a stored output, x is the model's output and the default output matches
    t2 = table(1, with_x=False)
    assert_same(from_dataframes(*to_dataframes(t2)), t2)


def test_string_labels_shuffled_are_put_back_country_major():
    t = table(2)
    rng = np.random.default_rng(5)
    Zf, Yf, x = string_frames(t, rng)
    back = from_dataframes(Zf, Yf, x, sep="_", output="stored")
    assert set(back.countries) == set(COUNTRIES) and set(back.sectors) == set(SECTORS)
    # same flows label for label, whatever order the labels came in
    for i, (c, s) in enumerate(zip(np.repeat(back.countries, 3), np.tile(back.sectors, 3))):
        ti = COUNTRIES.index(c) * 3 + SECTORS.index(s)
        for j, (c2, s2) in enumerate(zip(np.repeat(back.countries, 3), np.tile(back.sectors, 3))):
            assert back.Z[i, j] == t.Z[ti, COUNTRIES.index(c2) * 3 + SECTORS.index(s2)]
        for d, c3 in enumerate(back.countries):
            for k, cat in enumerate(back.fd_categories):
                assert back.Y[i, d, k] == t.Y[ti, COUNTRIES.index(c3), CATS.index(cat)]
        assert back.x_stored[i] == t.x_stored[ti]
    # array x is read in the order of Z's rows
    back2 = from_dataframes(Zf, Yf, x.reindex(Zf.index).to_numpy(), sep="_", output="stored")
    np.testing.assert_array_equal(back2.x, back.x)


def test_missing_final_demand_columns_are_zero():
    t = table(3)
    Zf, Yf, _ = to_dataframes(t)
    back = from_dataframes(Zf, Yf.drop(columns=[("CHN", "GFCF")]))
    assert back.Y[:, 1, 1].sum() == 0
    np.testing.assert_array_equal(back.Y[:, 0], t.Y[:, 0])


@pytest.mark.parametrize(
    "edit, error, match",
    [
        (lambda Z, Y: (Z, Y.iloc[:-1]), ShapeError, "Y has 8 rows"),
        (lambda Z, Y: (Z.iloc[:, :-1], Y), ShapeError, "square"),
        (lambda Z, Y: (Z, Y.rename(index={"USA_C26": "USA_C27"})), LabelError, "Y rows"),
        (lambda Z, Y: (Z.rename(columns={"AUS_C26": "AUS_C99"}), Y), LabelError, "Z columns"),
        (lambda Z, Y: (Z, Y.rename(columns={"CHN_HFCE": "JPN_HFCE"})), LabelError, "JPN"),
        (lambda Z, Y: (Z.rename(index={"AUS_C26": "AUSC26"}, columns={"AUS_C26": "AUSC26"}), Y),
         LabelError, "AUSC26"),
        (lambda Z, Y: (Z.rename(index={"AUS_C26": "AUS_C99"}, columns={"AUS_C26": "AUS_C99"}),
                       Y.rename(index={"AUS_C26": "AUS_C99"})), LabelError, "every sector"),
        (lambda Z, Y: (Z.rename(index={"AUS_C26": "AUS_A01_02"}), Y), LabelError, "duplicated"),
        (lambda Z, Y: (Z.astype(object).where(Z != Z.iloc[2, 3], "n/a"), Y), ValueNotFiniteError,
         "non-numeric value 'n/a' at row 'AUS_J62_63', column 'CHN_A01_02'"),
    ],
    ids=["y-rows", "z-not-square", "y-labels", "z-cols", "y-country", "no-sep", "incomplete",
         "duplicate", "text"],
)  # fmt: skip
def test_dataframe_errors(edit, error, match):
    t = table()
    Zf, Yf, _ = to_dataframes(t)
    flat = [f"{c}_{s}" for c, s in Zf.index]
    Zf = pd.DataFrame(t.Z, index=flat, columns=flat)
    Yf = pd.DataFrame(Yf.to_numpy(), index=flat, columns=[f"{c}_{k}" for c, k in Yf.columns])
    Z2, Y2 = edit(Zf, Yf)
    with pytest.raises(error, match=match):
        from_dataframes(Z2, Y2, sep="_")


def test_dataframe_label_errors_without_sep_and_bad_x():
    Zf, Yf, x = to_dataframes(table())
    flat = Zf.copy()
    flat.index = flat.columns = [f"{c}_{s}" for c, s in Zf.index]
    with pytest.raises(LabelError, match="sep="):
        from_dataframes(flat, Yf)
    with pytest.raises(LabelError, match="x"):
        from_dataframes(Zf, Yf, x.rename(index={"C26": "C27"}, level=1))
    with pytest.raises(ShapeError, match="x has shape"):
        from_dataframes(Zf, Yf, x.to_numpy()[:-1])
    with pytest.raises(ShapeError, match="DataFrame"):
        from_dataframes(Zf.to_numpy(), Yf)


# -- the Stata icio layout -----------------------------------------------------------------


def write_stata(tmp_path, t, countries=None):
    """Headerless GN x (GN + G*U) matrix [Z | Y] and a one-column country list."""
    M = np.hstack([t.Z, t.Y.reshape(t.n, -1)])
    lines = [",".join(repr(float(v)) for v in row) for row in M]
    (tmp_path / "table.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "countries.csv").write_text("\n".join(countries or t.countries) + "\n")
    return tmp_path / "table.csv", tmp_path / "countries.csv"


def test_stata_layout_read_back(tmp_path):
    t = table(4, with_x=False)
    tf, cf = write_stata(tmp_path, t)
    back = read_stata_icio(tf, cf, year=2020)
    assert back.countries == tuple(COUNTRIES) and back.sectors == ("1", "2", "3")
    assert back.fd_categories == ("FD1", "FD2") and back.year == 2020
    np.testing.assert_array_equal(back.Z, t.Z)
    np.testing.assert_array_equal(back.Y, t.Y)
    np.testing.assert_allclose(back.x, t.Z.sum(1) + t.Y.sum(axis=(1, 2)), rtol=1e-14)
    named = read_stata_icio(tf, cf, sectors=SECTORS, fd_categories=CATS)
    assert_same(named, t)
    assert read_stata_icio(tf, cf, sectors=3).sectors == ("1", "2", "3")


def test_stata_single_final_use(tmp_path):
    t = table(5, with_x=False)
    t1 = IOTable(t.Z, t.Y.sum(axis=2), COUNTRIES, SECTORS)
    tf, cf = write_stata(tmp_path, t1)
    back = read_stata_icio(tf, cf, sectors=SECTORS)
    assert back.fd_categories == ("FD",)
    np.testing.assert_array_equal(back.Y[:, :, 0], t.Y.sum(axis=2))


def test_stata_errors(tmp_path):
    t = table(6, with_x=False)
    tf, cf = write_stata(tmp_path, t)
    (tmp_path / "two").mkdir()
    with pytest.raises(FileFormatError, match="not a multiple of the 2 countries"):
        read_stata_icio(tf, write_stata(tmp_path / "two", t, ["AUS", "CHN"])[1])
    with pytest.raises(FileFormatError, match="3 sectors per country, not 4"):
        read_stata_icio(tf, cf, sectors=4)
    with pytest.raises(FileFormatError, match="2 sector codes"):
        read_stata_icio(tf, cf, sectors=["a", "b"])
    lines = tf.read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(ln.rsplit(",", 1)[0] for ln in lines) + "\n")  # 14 columns
    with pytest.raises(FileFormatError, match="bad.csv: 14 columns"):
        read_stata_icio(bad, cf)
    bad.write_text("\n".join(lines[:-1] + [lines[-1][: len(lines[-1]) // 2]]) + "\n")
    with pytest.raises(FileFormatError, match="bad.csv: an empty cell"):
        read_stata_icio(bad, cf)
    bad.write_text("\n".join([lines[0].replace(",", ",x", 1), *lines[1:]]) + "\n")
    with pytest.raises(FileFormatError, match="bad.csv: non-numeric value"):
        read_stata_icio(bad, cf)
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(FileFormatError, match="empty.csv: the country list is empty"):
        read_stata_icio(tf, tmp_path / "empty.csv")


def test_stata_incomplete_files(tmp_path):
    """Cut at a line end, a blank cell, NaN written as text: refused when the shape can tell."""
    t = table(7, with_x=False)  # 3 countries x 3 sectors, 2 final uses
    tf, cf = write_stata(tmp_path, t)
    lines = tf.read_text().splitlines()
    tf.write_text("\n".join(lines[:6]) + "\n")  # two of three countries' rows
    with pytest.raises(FileFormatError, match=r"table.csv: 9 final-use columns for 3 countries"):
        read_stata_icio(tf, cf, fd_categories=CATS)
    with pytest.raises(FileFormatError, match="holds 2 sectors per country but 3"):
        read_stata_icio(tf, cf, sectors=SECTORS)
    for cell in ("", "NaN"):
        cells = lines[1].split(",")
        cells[2] = cell
        tf.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
        with pytest.raises(FileFormatError, match="empty cell" if not cell else "'NaN'"):
            read_stata_icio(tf, cf)
