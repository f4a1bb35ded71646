"""Long-run WIOD files with labels padded to a fixed width ("AAA ", " D30t33") read as
the plain codes: no separate country, and results select by the plain code."""

import numpy as np
import pandas as pd
import pytest

import gvcdecomp as gd
from gvcdecomp import load_wiod_longrun
from gvcdecomp.errors import FileFormatError

from test_wiod_longrun import COUNTRIES, SECTORS, synthetic, to_long, write_rda

CSV = "lr_wiod_wiot_final_filled.csv"


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setenv("GVCDECOMP_NO_CACHE", "1")


def padded_rda(df):
    df = df.copy()
    df["Country"] = df["Country"].replace({"AAA": "AAA "})
    df.loc[1, "IndustryCode_isic3"] = " D30t33"  # one row only: it would be a new industry
    return df.rename(columns={"BBB_AtB": " BBB_AtB", "AAA_D30t33": "AAA _D30t33 "})


def padded_long(df):
    long = to_long(df)
    long["row_country"] = long["row_country"].replace({"AAA": "AAA "})
    long.loc[long["col_country"] == "BBB", "col_country"] = "BBB  "
    long.loc[long.index[:5], "row_isic3"] = long["row_isic3"][:5] + " "
    return long


@pytest.mark.parametrize("form", ["rda", "csv"])
def test_padded_labels_are_the_plain_codes(tmp_path, form):
    (Z, Y, x, va), df = synthetic(seed=2)
    if form == "rda":
        write_rda(tmp_path / "WIODlr_WIOT_1970.rda", padded_rda(df))
    else:
        padded_long(df).to_csv(tmp_path / CSV, index=False)
    t = load_wiod_longrun(1970, path=tmp_path)
    assert set(t.countries) == set(COUNTRIES) and set(t.sectors) == set(SECTORS)
    rows = [t.countries.index(c) * len(SECTORS) + t.sectors.index(s)
            for c in COUNTRIES for s in SECTORS]  # fmt: skip
    np.testing.assert_array_equal(t.Z[np.ix_(rows, rows)], Z)
    np.testing.assert_array_equal(t.x_stored[rows], x)
    r = gd.decompose(t, "leontief", post="exports")
    aaa = r["gexp"].sel(exporter="AAA").sum().item()
    np.testing.assert_allclose(aaa, t.exports.reshape(3, 2, 3)[t.countries.index("AAA")].sum())


def test_a_padded_twin_is_a_duplicate_not_a_country(tmp_path):
    _, df = synthetic(seed=2)
    long = to_long(df)
    twin = long[(long["row_country"] == "AAA") & (long["row_isic3"] == "AtB")].copy()
    twin["row_country"] = "AAA "
    long = pd.concat([long, twin])
    long.to_csv(tmp_path / CSV, index=False)
    with pytest.raises(FileFormatError, match="row AAA_AtB, column .* appears more than once"):
        load_wiod_longrun(1970, path=tmp_path)


def test_a_blank_label_is_refused(tmp_path):
    _, df = synthetic(seed=2)
    df = df.copy()
    df.loc[3, "Country"] = "   "
    write_rda(tmp_path / "WIODlr_WIOT_1970.rda", df)
    with pytest.raises(FileFormatError, match="1 row.* without a Country, e.g. row 4"):
        load_wiod_longrun(1970, path=tmp_path)


@pytest.mark.parametrize(
    "column, label, message",
    [
        # a zero-width space, which strip() keeps, is a label of its own: shown escaped,
        # not printed like AAA_D30t33 as a missing cell
        ("row_country", "AAA\u200b", r"row 'AAA\\u200b_\w+', column"),
        ("col_isic3", "   ", r"1 line\(s\) of 1970 .*col_isic3 empty"),
    ],
    ids=["invisible", "blank"],
)
def test_a_bad_csv_label_is_named(tmp_path, column, label, message):
    _, df = synthetic(seed=2)
    long = to_long(df)
    long.loc[long.index[3], column] = label
    long.to_csv(tmp_path / CSV, index=False)
    with pytest.raises(FileFormatError, match=message):
        load_wiod_longrun(1970, path=tmp_path)
