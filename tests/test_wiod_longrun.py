"""Long-run WIOD reader: every real year, synthetic .rda and long-CSV files, error paths."""

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import rdata

import gvcdecomp as gd
from gvcdecomp.methods.wwz import TERMS
from gvcdecomp.panel import Panel
from gvcdecomp.sources.wiod_longrun import YEARS, load_wiod_longrun

FD = ("xCONS_h", "xCONS_g", "xGFCF", "xINV")
VA_ROWS = ("xVA", "xTXSP", "xSD", "xPURNR", "xPURR", "xMRG_int")


# -- every real year -------------------------------------------------------------


@pytest.mark.parametrize("year", list(YEARS))
def test_real_year_balances_and_wwz_adds_up(longrun_dir, year):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gd.BalanceWarning)
        t = load_wiod_longrun(year, path=longrun_dir)
    assert (t.G, t.N, len(t.fd_categories)) == (26, 23, 4)
    assert t.countries[-1] == "xROW" and t.sectors[0] == "AtB" and t.sectors[-1] == "LtQ"
    assert t.year == year and t.fd_categories == ("CONS_h", "CONS_g", "GFCF", "INV")
    # README: rows balance within 0.001 except one cell of 1985 (0.26)
    row_gap = np.abs(t.Z.sum(1) + t.Y.sum(axis=(1, 2)) - t.x_stored)
    assert row_gap.max() <= (0.3 if year == 1985 else 1e-3)
    col_gap = np.abs(t.Z.sum(0) + t.va_stored - t.x_stored)
    assert col_gap.max() <= 1e-3

    c = t.core
    assert np.abs(c.B @ (np.eye(t.n) - c.A) - np.eye(t.n)).max() < 1e-9
    r = gd.decompose(t, "wwz")
    total = sum(r[k].values for k in TERMS)
    gexp = r["gexp"].values
    assert gexp.sum() > 0
    assert np.all(np.abs(total - gexp) <= 1e-9 * np.abs(gexp) + 1e-12 * np.abs(gexp).max())
    # gexp is the table's bilateral exports
    np.testing.assert_allclose(gexp.reshape(t.n, t.G), t.exports, rtol=1e-12, atol=1e-9)


def test_real_year_matches_raw_frame(longrun_dir):
    """Blocks picked by label equal a plain slice of the published frame."""
    df = rdata.read_rda(str(longrun_dir / "WIODlr_WIOT_1970.rda"))["WIODlr_WIOT_1970"]
    t = load_wiod_longrun(1970, path=longrun_dir, output="stored")
    z_cols = [f"{c}_{s}" for c in t.countries for s in t.sectors]
    body = df[df["Country"] != "xTOT"]
    np.testing.assert_array_equal(t.Z, body[z_cols].to_numpy())
    fd_cols = [f"{c}_{k}" for c in t.countries for k in FD]
    np.testing.assert_array_equal(t.Y.reshape(t.n, -1), body[fd_cols].to_numpy())
    np.testing.assert_array_equal(t.x, body["xTOT_xGO"].to_numpy())
    tot = df[df["Country"] == "xTOT"].set_index("IndustryCode_isic3")
    np.testing.assert_allclose(t.va_stored, tot.loc[list(VA_ROWS), z_cols].sum().to_numpy())


def test_panel_and_years(longrun_dir):
    p = load_wiod_longrun([1999, 2000], path=longrun_dir)
    assert isinstance(p, Panel) and p.years == (1999, 2000) and p.source == "wiod_longrun"
    assert p[2000].year == 2000
    assert load_wiod_longrun(1990.0, path=longrun_dir).year == 1990  # an integral float is a year
    for bad in (1964, 2001, "1990", 1990.5, True):
        with pytest.raises(gd.UnknownLabelError):
            load_wiod_longrun(bad, path=longrun_dir)
    with pytest.raises(gd.UnknownLabelError):
        load_wiod_longrun([1990, 2005], path=longrun_dir)


def test_env_var_lookup(longrun_dir, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(longrun_dir.parent))
    assert load_wiod_longrun(1965).year == 1965


# -- synthetic files ---------------------------------------------------------------

COUNTRIES = ("AAA", "BBB", "xROW")
SECTORS = ("AtB", "D30t33")


def synthetic(seed=0, year=1970):
    """A random table of 3 regions x 2 industries and its wide data frame."""
    rng = np.random.default_rng(seed)
    G, N = len(COUNTRIES), len(SECTORS)
    n = G * N
    Z = rng.uniform(0, 5, (n, n))
    Y = rng.uniform(1, 20, (n, G * 4))
    Y[0, 3] = -0.5  # an inventory draw-down
    x = Z.sum(1) + Y.sum(1)
    va_parts = rng.dirichlet(np.ones(len(VA_ROWS)), n).T * (x - Z.sum(0))  # (6, n)
    cells = [f"{c}_{s}" for c in COUNTRIES for s in SECTORS]
    fd = [f"{c}_{k}" for c in COUNTRIES for k in FD]
    body = np.hstack([Z, Y, rng.uniform(0, 1, (n, 3)), x[:, None]])
    tot = np.zeros((8, body.shape[1]))
    tot[0, :n] = Z.sum(0)
    tot[1:7, :n] = va_parts
    tot[7, :n] = x
    codes = list(SECTORS) * G + ["xII", *VA_ROWS, "xGO"]
    memo = ["xTOT_xX", "xTOT_xM", "xTOT_xMRG_int", "xTOT_xGO"]
    df = pd.DataFrame(np.vstack([body, tot]), columns=cells + fd + memo)
    labels = pd.DataFrame({
        "IndustryCode_isic3": codes,
        "IndustryDescription": [f"industry {c}" for c in codes],
        "Country": [c for c in COUNTRIES for _ in SECTORS] + ["xTOT"] * 8,
        "Year": float(year),
    })  # fmt: skip
    return (Z, Y, x, va_parts.sum(0)), pd.concat([labels, df], axis=1)


def write_rda(path, df, year=1970, name=None):
    rdata.write_rda(str(path), {name or f"WIODlr_WIOT_{year}": df})
    return path


def test_synthetic_rda_round_trip(tmp_path):
    (Z, Y, x, va), df = synthetic()
    f = write_rda(tmp_path / "WIODlr_WIOT_1970.rda", df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # balanced: no BalanceWarning
        t = load_wiod_longrun(1970, path=tmp_path)
    assert t.countries == COUNTRIES and t.sectors == SECTORS
    np.testing.assert_array_equal(t.Z, Z)
    np.testing.assert_array_equal(t.Y.reshape(6, -1), Y)
    np.testing.assert_array_equal(t.x_stored, x)
    np.testing.assert_allclose(t.va_stored, va, rtol=1e-14)
    assert t.Y[0, 0, 3] == -0.5  # country-major: AAA's INV column
    assert "WIODlr_WIOT_1970.rda" in t.source and t.units.startswith("millions of US dollars")
    # the file itself may be passed
    np.testing.assert_array_equal(load_wiod_longrun(1970, path=f).Z, Z)


def test_synthetic_rda_columns_read_by_label(tmp_path):
    """Shuffling the value columns and the country blocks of rows changes nothing."""
    (Z, Y, x, _), df = synthetic(seed=1)
    labels, values = df.iloc[:, :4], df.iloc[:, 4:]
    cols = list(values.columns)
    np.random.default_rng(0).shuffle(cols)
    shuffled = pd.concat([labels, values[cols]], axis=1)
    order = [2, 3, 0, 1, 4, 5] + list(range(6, 14))  # BBB's rows first
    shuffled = shuffled.iloc[order].reset_index(drop=True)
    write_rda(tmp_path / "WIODlr_WIOT_1970.rda", shuffled)
    t = load_wiod_longrun(1970, path=tmp_path)
    assert t.countries == ("BBB", "AAA", "xROW")
    perm = [2, 3, 0, 1, 4, 5]
    np.testing.assert_array_equal(t.Z, Z[np.ix_(perm, perm)])
    Y3 = Y.reshape(6, 3, 4)[perm][:, [1, 0, 2]]
    np.testing.assert_array_equal(t.Y, Y3)
    np.testing.assert_array_equal(t.x_stored, x[perm])


def _edit(df, what):
    df = df.copy()
    if what == "drop_fd":
        return df.drop(columns="BBB_xINV")
    if what == "drop_go":
        return df.drop(columns="xTOT_xGO")
    if what == "drop_label":
        return df.drop(columns="Country")
    if what == "extra_col":
        df["AAA_ZZZ"] = 0.0
        return df
    if what == "dup_row":
        return pd.concat([df.iloc[[0]], df], ignore_index=True)
    if what == "missing_row":
        return df.drop(index=3).reset_index(drop=True)
    if what == "missing_va_row":
        return df[df["IndustryCode_isic3"] != "xSD"].reset_index(drop=True)
    if what == "extra_tot_row":
        df.loc[len(df)] = df.iloc[-1]
        df.loc[len(df) - 1, "IndustryCode_isic3"] = "xEMP"
        return df
    if what == "year":
        df["Year"] = 1971.0
        return df
    if what == "text":
        df["AAA_AtB"] = df["AAA_AtB"].astype(str)
        return df
    if what == "bad_name":
        return df.rename(columns={"AAA_AtB": "AAAAtB"})
    if what in ("blank_z", "blank_memo", "blank_va"):
        col, row = {"blank_z": ("BBB_AtB", 2), "blank_memo": ("xTOT_xM", 4),
                    "blank_va": ("AAA_D30t33", 7)}[what]  # fmt: skip
        df.loc[row, col] = np.nan
        return df
    if what == "year_text":
        df["Year"] = "nineteen-seventy"
        return df
    if what == "country_numbers":
        df["Country"] = np.arange(len(df), dtype=float)
        return df
    if what == "no_country":
        df["Country"] = df["Country"].astype(object)
        df.loc[1, "Country"] = None
        return df
    raise AssertionError(what)


@pytest.mark.parametrize(
    "what, message",
    [
        ("drop_fd", "final-demand column"),
        ("drop_go", "gross-output column"),
        ("drop_label", "label column"),
        ("extra_col", "unexpected column(s) AAA_ZZZ"),
        ("dup_row", "appears more than once"),
        ("missing_row", "country-industry row"),
        ("missing_va_row", "xTOT_xSD"),
        ("extra_tot_row", "xTOT_xEMP"),
        ("year", "1971"),
        ("text", "non-numeric"),
        ("bad_name", "AAAAtB"),
        ("blank_z", "1 missing (NA) value(s), e.g. row BBB_AtB, column BBB_AtB"),
        ("blank_memo", "1 missing (NA) value(s), e.g. row xROW_AtB, column xTOT_xM"),
        ("blank_va", "row xTOT_xVA, column AAA_D30t33"),
        ("no_country", "1 row(s) without a Country, e.g. row 2"),
        ("year_text", "column Year holds"),
        ("country_numbers", "missing"),
    ],
)
def test_synthetic_rda_bad_layout(tmp_path, what, message):
    _, df = synthetic()
    f = write_rda(tmp_path / "WIODlr_WIOT_1970.rda", _edit(df, what))
    with pytest.raises(gd.FileFormatError) as e:
        load_wiod_longrun(1970, path=tmp_path)
    assert str(f) in str(e.value) and message in str(e.value)


def test_wrong_object(tmp_path):
    _, df = synthetic()
    f = write_rda(tmp_path / "WIODlr_WIOT_1970.rda", df, name="something_else")
    with pytest.raises(gd.FileFormatError, match="WIODlr_WIOT_1970"):
        load_wiod_longrun(1970, path=f)
    rdata.write_rda(str(f), {"WIODlr_WIOT_1970": [1.0, 2.0]})
    with pytest.raises(gd.FileFormatError, match="not a data.frame"):
        load_wiod_longrun(1970, path=f)


def test_corrupt_real_files(longrun_dir, tmp_path):
    raw = (longrun_dir / "WIODlr_WIOT_1965.rda").read_bytes()
    cases = {
        **{f"truncated{n}": raw[:n] for n in (2, 40, len(raw) // 2, len(raw) - 5)},
        "truncated": raw[: len(raw) // 3],
        "garbage": b"not an R file at all" * 50,
        "empty": b"",
    }
    for what, data in cases.items():
        d = tmp_path / what
        d.mkdir()
        (d / "WIODlr_WIOT_1965.rda").write_bytes(data)
        with pytest.raises(gd.FileFormatError, match="WIODlr_WIOT_1965.rda") as e:
            load_wiod_longrun(1965, path=d)
        assert "\n" not in str(e.value)
    # a real file of another year under this year's name holds the wrong object
    shutil.copy(longrun_dir / "WIODlr_WIOT_1965.rda", tmp_path / "WIODlr_WIOT_1966.rda")
    with pytest.raises(gd.FileFormatError, match="expected an object 'WIODlr_WIOT_1966'"):
        load_wiod_longrun(1966, path=tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(gd.DataNotFoundError, match="wiod_longrun"):
        load_wiod_longrun(1970, path=tmp_path)


# -- the publisher's long CSV ---------------------------------------------------------


def to_long(df, year=1970):
    """The wide frame in the publisher's long layout (one row per cell)."""
    values = df.drop(columns=["IndustryDescription", "Year"]).melt(
        id_vars=["Country", "IndustryCode_isic3"], var_name="col", value_name="value"
    )
    col = values["col"].str.split("_", n=1, expand=True)
    return pd.DataFrame({
        "row_country": values["Country"], "row_id": 0,
        "row_isic3": values["IndustryCode_isic3"],
        "col_country": col[0], "col_id": 0, "col_isic3": col[1],
        "year": year, "value": values["value"],
    })  # fmt: skip


def test_long_csv_round_trip(tmp_path):
    (Z, Y, x, va), df = synthetic(seed=3)
    long = to_long(df)
    other = to_long(synthetic(seed=4, year=1971)[1], year=1971)
    both = pd.concat([other, long]).sample(frac=1.0, random_state=0)  # any row order
    f = tmp_path / "lr_wiod_wiot_final_filled.csv"
    both.to_csv(f, index=False)
    t = load_wiod_longrun(1970, path=tmp_path)
    assert set(t.countries) == set(COUNTRIES) and set(t.sectors) == set(SECTORS)
    # reorder to the synthetic order by label
    ci = [t.countries.index(c) for c in COUNTRIES]
    si = [t.sectors.index(s) for s in SECTORS]
    rows = [c * len(SECTORS) + s for c in ci for s in si]
    np.testing.assert_array_equal(t.Z[np.ix_(rows, rows)], Z)
    np.testing.assert_array_equal(t.Y[rows][:, ci].reshape(6, -1), Y)
    np.testing.assert_array_equal(t.x_stored[rows], x)
    np.testing.assert_allclose(t.va_stored[rows], va, rtol=1e-14)
    assert "lr_wiod_wiot_final_filled.csv" in t.source
    # the other year is read from the same file, and semicolons are accepted
    both.to_csv(f, index=False, sep=";")
    t71 = load_wiod_longrun(1971, path=f)
    assert t71.year == 1971 and not np.array_equal(t71.Z, t.Z)


def test_rda_preferred_to_csv(tmp_path):
    (Z, _, _, _), df = synthetic(seed=5)
    write_rda(tmp_path / "WIODlr_WIOT_1970.rda", df)
    (tmp_path / "lr_wiod_wiot_final_filled.csv").write_text("not,the,layout\n")
    np.testing.assert_array_equal(load_wiod_longrun(1970, path=tmp_path).Z, Z)


@pytest.mark.parametrize("what", ["no_value_column", "duplicate", "other_year_only", "text_value"])
def test_long_csv_bad_layout(tmp_path, what):
    _, df = synthetic()
    long = to_long(df)
    message = {
        "no_value_column": "lacks the column(s) ['value']",
        "duplicate": "more than once",
        "other_year_only": "no rows for the year 1970",
        "text_value": "non-numeric",
    }[what]
    if what == "no_value_column":
        long = long.drop(columns="value")
    elif what == "duplicate":
        long = pd.concat([long, long.iloc[[10]]])
    elif what == "other_year_only":
        long["year"] = 1971
    else:
        long["value"] = long["value"].astype(object)
        long.iloc[5, long.columns.get_loc("value")] = "n/a"
    f = tmp_path / "lr_wiod_wiot_final_filled.csv"
    long.to_csv(f, index=False)
    with pytest.raises(gd.FileFormatError) as e:
        load_wiod_longrun(1970, path=tmp_path)
    assert str(f) in str(e.value) and message in str(e.value)


# -- incomplete long CSVs: cut short, lines lost, repeated or blanked --------------------

CSV = "lr_wiod_wiot_final_filled.csv"


def _lines(long) -> list[bytes]:
    """The CSV of a long frame as lines, header first, each with its line break."""
    return long.to_csv(index=False).encode().splitlines(keepends=True)


def _refused(folder, year, *messages):
    """Loading ``year`` raises a one-line FileFormatError naming the file and one of ``messages``."""
    with pytest.raises(gd.FileFormatError) as e:
        load_wiod_longrun(year, path=folder)
    assert str(folder / CSV) in str(e.value)
    assert any(m in str(e.value) for m in messages), str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("order", ["melt", "shuffled"])
def test_long_csv_cut_short(tmp_path, order):
    """Cut at 12 line boundaries and 12 points inside lines: never read as zeros."""
    (Z, _, _, _), df = synthetic(seed=6)
    long = to_long(df)
    if order == "shuffled":
        long = long.sample(frac=1.0, random_state=1)
    lines = _lines(long)
    data = b"".join(lines)
    ends = np.cumsum([len(x) for x in lines])  # byte offset after each line
    (tmp_path / "whole").mkdir()
    (tmp_path / "whole" / CSV).write_bytes(data)
    whole = load_wiod_longrun(1970, path=tmp_path / "whole")
    rows = [whole.countries.index(c) * 2 + whole.sectors.index(s) for c in COUNTRIES for s in SECTORS]
    np.testing.assert_array_equal(whole.Z[np.ix_(rows, rows)], Z)  # the intact file loads
    boundaries = ends[np.linspace(1, len(lines) - 2, 12).astype(int)]
    inside = ends[np.linspace(1, len(lines) - 2, 12).astype(int)] - 3  # in the value field
    inside[::3] = ends[np.linspace(1, len(lines) - 2, 4).astype(int)] - 25  # in the labels
    for k, cut in enumerate([*boundaries, *inside, len(data) - 1]):
        d = tmp_path / f"cut{k}"
        d.mkdir()
        (d / CSV).write_bytes(data[:cut])
        # a lost line is an absent cell; a lost label (all of a row or column) a missing one
        if cut in boundaries:
            _refused(d, 1970, "are absent", "missing")
        else:
            _refused(d, 1970, "cut short mid-line")


def test_long_csv_cut_in_a_later_year(tmp_path):
    """A cut inside 1971 leaves the complete 1970 readable and refuses 1971."""
    (Z, _, _, _), df = synthetic(seed=7)
    lines70 = _lines(to_long(df))
    lines71 = _lines(to_long(synthetic(seed=8, year=1971)[1], year=1971))[1:]
    (tmp_path / CSV).write_bytes(b"".join(lines70 + lines71[: len(lines71) // 2]))
    t = load_wiod_longrun(1970, path=tmp_path)
    np.testing.assert_array_equal(t.Z, Z)
    _refused(tmp_path, 1971, "of the 308 cells of 1971", "column(s) missing")


@pytest.mark.parametrize(
    "what, message",
    [
        ("zeros_left_out", "are absent"),
        ("line_removed", "1 of the 308 cells of 1970 (14 rows x 22 columns) are absent"),
        ("first_line_removed", "1 of the 308 cells"),
        ("line_repeated", "appears more than once in 1970"),
        ("value_blanked", "1 missing or non-numeric value(s) in 1970"),
        ("year_blanked", "1 line(s) without a numeric year"),
        ("label_blanked", "with an empty country or industry label"),
        ("empty_file", "cannot read a CSV header"),
        ("no_final_break", "cut short mid-line"),
    ],
)
def test_long_csv_incomplete(tmp_path, what, message):
    _, df = synthetic(seed=9)
    long = to_long(df).reset_index(drop=True)
    if what == "zeros_left_out":
        long = long[long["value"] != 0]
    elif what == "line_removed":
        long = long.drop(index=100)
    elif what == "first_line_removed":
        long = long.drop(index=0)
    elif what == "line_repeated":
        long = pd.concat([long, long.iloc[[200]]])
    elif what == "value_blanked":
        long.loc[37, "value"] = np.nan
    elif what == "year_blanked":
        long["year"] = long["year"].astype(float)
        long.loc[50, "year"] = np.nan
    elif what == "label_blanked":
        long.loc[60, "col_isic3"] = None
    data = b"".join(_lines(long))
    if what == "empty_file":
        data = b""
    elif what == "no_final_break":
        data = data.rstrip(b"\r\n")
    (tmp_path / CSV).write_bytes(data)
    _refused(tmp_path, 1970, message)


def test_long_csv_from_real_year(longrun_dir, tmp_path):
    """The 1965 table written as the publisher's long CSV reads back bit for bit; cut, refused."""
    df = rdata.read_rda(str(longrun_dir / "WIODlr_WIOT_1965.rda"))["WIODlr_WIOT_1965"]
    ref = load_wiod_longrun(1965, path=longrun_dir / "WIODlr_WIOT_1965.rda", output="stored")
    lines = _lines(to_long(df, year=1965).sample(frac=1.0, random_state=2))
    (tmp_path / CSV).write_bytes(b"".join(lines))
    t = load_wiod_longrun(1965, path=tmp_path / CSV, output="stored")
    ci = [t.countries.index(c) for c in ref.countries]
    si = [t.sectors.index(s) for s in ref.sectors]
    rows = [c * t.N + s for c in ci for s in si]
    np.testing.assert_array_equal(t.Z[np.ix_(rows, rows)], ref.Z)
    np.testing.assert_array_equal(t.Y[rows][:, ci], ref.Y)
    np.testing.assert_array_equal(t.x[rows], ref.x)
    np.testing.assert_array_equal(t.va_stored[rows], ref.va_stored)
    half = sum(len(x) for x in lines[: len(lines) // 2])
    for k, data in enumerate([
        b"".join(lines[: len(lines) // 2]),  # at a line boundary
        b"".join(lines[: len(lines) - 1000]),
        b"".join(lines)[: half + 7],  # mid-line
        b"".join(lines[:5000] + lines[5001:]),  # one line lost
    ]):  # fmt: skip
        d = tmp_path / f"cut{k}"
        d.mkdir()
        (d / CSV).write_bytes(data)
        _refused(d, 1965, *(["mid-line"] if k == 2 else ["are absent", "missing"]))
