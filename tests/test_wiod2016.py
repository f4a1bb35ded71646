"""WIOD 2016 reader: small tables written in the release's R and Excel layouts.

No library here writes .xlsb, so the Excel path is tested through
``read_grid``, the block finder that the .xlsb reader feeds with the rows of
each sheet; here it is fed the same rows from lists in memory.
"""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import rdata

import gvcdecomp as gd
from gvcdecomp.errors import DataNotFoundError, FileFormatError, UnknownLabelError
from gvcdecomp.sources import wiod2016 as w16

COUNTRIES = ["AUS", "DEU", "ROW"]
SECTORS = ["A01", "C10-C12", "J62_J63", "U"]
FD = ["CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN"]
OTHER_VA = ["TXSP", "EXP_adj", "PURR", "PURNR", "IntTTM"]
TOTAL_CODES = ["II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM", "GO"]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def make_table(seed=0, G=3, N=4):
    """Random balanced table: x = row sums, and Z.sum(0) + sum of the six VA rows = x."""
    rng = np.random.default_rng(seed)
    n = G * N
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    Y = rng.uniform(5, 40, (n, G, len(FD)))
    Y[:, :, -1] = rng.uniform(-2, 2, (n, G))  # inventories may be negative
    x = Z.sum(1) + Y.sum((1, 2))
    other = {k: rng.uniform(-0.5, 1.5, n) for k in OTHER_VA}
    va_rows = {**other, "VA": x - Z.sum(0) - sum(other.values())}
    va_rows = {k: va_rows[k] for k in ("TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM")}
    return {"Z": Z, "Y": Y, "x": x, "va_rows": va_rows, "G": G, "N": N}


def total_rows(t):
    """The eight total rows over all (GN + G*K + 1) value columns."""
    G, N = t["G"], t["N"]
    fd_cols = G * len(FD)
    out = {"II_fob": np.r_[t["Z"].sum(0), t["Y"].reshape(G * N, -1).sum(0), np.nan]}
    for k, v in t["va_rows"].items():
        out[k] = np.r_[v, np.zeros(fd_cols), np.nan]
    out["GO"] = np.r_[t["x"], np.full(fd_cols, np.nan), np.nan]
    return [(k, out[k]) for k in TOTAL_CODES]


def value_matrix(t):
    G, N = t["G"], t["N"]
    n = G * N
    return np.hstack([t["Z"], t["Y"].reshape(n, G * len(FD)), t["x"][:, None]])


def r_frame(t, year=2014):
    """The data frame ``wiot`` of WIOTyyyy_October16_ROW.RData."""
    G, N = t["G"], t["N"]
    countries, sectors = COUNTRIES[:G], SECTORS[:N]
    names = [f"{c}{i}" for c in countries for i in range(1, N + 1)]
    names += [f"{c}{N + 1 + k}" for c in countries for k in range(len(FD))]
    names.append("TOT")
    labels = [(s, f"Industry {s}", c, i + 1) for c in countries for i, s in enumerate(sectors)]
    labels += [(k, f"Total {k}", "TOT", 65 + p) for p, (k, _) in enumerate(total_rows(t))]
    values = np.vstack([value_matrix(t)] + [v for _, v in total_rows(t)])
    df = pd.DataFrame(labels, columns=["IndustryCode", "IndustryDescription", "Country", "RNr"])
    df["RNr"] = df["RNr"].astype(np.int32)
    df["Year"] = np.int32(year)
    return pd.concat([df, pd.DataFrame(values, columns=names)], axis=1)


def write_rdata(path, t=None, year=2014, frame=None, name="wiot"):
    frame = r_frame(t, year) if frame is None else frame
    rdata.write_rda(str(path), {name: frame})
    return path


def grid_rows(t, year=2014):
    """The cells of sheet '<year>' of WIOTyyyy_Nov16_ROW.xlsb, row by row."""
    G, N = t["G"], t["N"]
    countries, sectors = COUNTRIES[:G], SECTORS[:N]
    codes = [s for c in countries for s in sectors] + FD * G + ["GO"]
    ctry = [c for c in countries for s in sectors] + [c for c in countries for k in FD] + ["TOT"]
    pad = [None] * 4
    rows = [
        ["World Input-Output Table", None, None, None],
        ["(millions of US$)"],
        ["(industry-by-industry)", None, None, None, *codes],
        [*pad, *[f"description of {c}" for c in codes]],
        [*pad, *ctry],
        [*pad, *[f"c{j + 1}" for j in range(len(codes))]],
    ]
    values = value_matrix(t)
    r = 0
    for c in countries:
        for s in sectors:
            rows.append([s, f"Industry {s}", c, f"r{r + 1}", *values[r].tolist()])
            r += 1
    for p, (k, v) in enumerate(total_rows(t)):
        cells = [None if np.isnan(a) else a for a in v]
        rows.append([k, f"Total {k}", "TOT", f"r{65 + p}", *cells])
    return rows


def assert_table_equals(table, t):
    G, N = t["G"], t["N"]
    assert list(table.countries) == COUNTRIES[:G] and list(table.sectors) == SECTORS[:N]
    assert list(table.fd_categories) == FD
    np.testing.assert_array_equal(table.Z, t["Z"])
    np.testing.assert_array_equal(table.Y, t["Y"])
    np.testing.assert_array_equal(table.x_stored, t["x"])
    va = np.zeros(G * N)
    for k in ("TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM"):  # the file's row order
        va = va + t["va_rows"][k]
    np.testing.assert_array_equal(table.va_stored, va)


# -- R data --------------------------------------------------------------------
def test_rdata_reads_back_exactly(tmp_path):
    t = make_table()
    f = write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", t)
    table = w16.load_wiod2016(2014, path=tmp_path)
    assert_table_equals(table, t)
    assert table.year == 2014 and "WIOD 2016" in table.source and "US dollars" in table.units
    # balance identities of the table as written (a plain transcription)
    np.testing.assert_allclose(table.Z.sum(0) + table.va_stored, t["x"], rtol=1e-12)
    np.testing.assert_allclose(table.x, t["Z"].sum(1) + t["Y"].sum((1, 2)), rtol=1e-12)
    # the file itself may be passed as path
    assert_table_equals(w16.load_wiod2016(2014, path=f, output="stored"), t)


def test_rdata_column_numbers_follow_rnr(tmp_path):
    """Value columns are placed by the industry's RNr, not by their position."""
    t = make_table(seed=1)
    df = r_frame(t)
    labels, values = df.iloc[:, :5], df.iloc[:, 5:]
    shuffled = values[list(reversed(values.columns))]
    frame = pd.concat([labels, shuffled], axis=1)
    write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", frame=frame)
    assert_table_equals(w16.load_wiod2016(2014, path=tmp_path), t)


def test_bundle_zip_read_without_unzipping(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    t13, t14 = make_table(seed=2), make_table(seed=3)
    with zipfile.ZipFile(data / "WIOTS_in_R.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for year, t in ((2013, t13), (2014, t14)):
            buf = tmp_path / "tmp.RData"
            write_rdata(buf, t, year)
            zf.write(buf, f"WIOT{year}_October16_ROW.RData")
            buf.unlink()
    panel = w16.load_wiod2016([2013, 2014], path=data)
    assert isinstance(panel, gd.Panel) and list(panel) == [2013, 2014]
    assert_table_equals(panel[2013], t13)
    assert_table_equals(panel[2014], t14)
    assert sorted(p.name for p in data.iterdir()) == ["WIOTS_in_R.zip"]  # nothing extracted
    with pytest.raises(FileFormatError, match="holds no table of 2012"):
        w16.load_wiod2016(2012, path=data)


def test_truncated_rdata(tmp_path):
    f = write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", make_table())
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(FileFormatError, match=r"October16_ROW\.RData.*not a readable R data"):
        w16.load_wiod2016(2014, path=tmp_path)


def test_wrong_object(tmp_path):
    write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", make_table(), name="wiot_2014")
    with pytest.raises(FileFormatError, match="expected a data frame 'wiot'.*wiot_2014"):
        w16.load_wiod2016(2014, path=tmp_path)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda df: df.drop(columns="RNr"), r"lacks the label column\(s\) \['RNr'\]"),
        (lambda df: pd.concat([df.iloc[:2], df.iloc[1:]]), "duplicated labels: row AUS C10-C12"),
        (lambda df: df.drop(index=5), "1 country-industry row"),
        (lambda df: df.drop(columns="DEU6"), r"final-demand column\(s\) missing, e.g. DEU CONS_np"),
        (lambda df: df.drop(columns="TOT"), "gross-output column missing"),
        (lambda df: df[df["IndustryCode"] != "PURR"], "value-added row.*TOT PURR"),
        (lambda df: df.assign(AUS10=1.0), "'AUS10'.*neither an industry"),
        (lambda df: df.rename(columns={"DEU2": "DEU_2"}), "'DEU_2' is not named country"),
        (lambda df: df.assign(Year=np.int32(2013)), "does not hold the table of 2014"),
        (lambda df: df.assign(AUS3=np.where(df.index == 4, np.nan, df["AUS3"])), "empty or non"),
    ],
)
def test_bad_frames(tmp_path, damage, message):
    write_rdata(tmp_path / "WIOT2014_October16_ROW.RData", frame=damage(r_frame(make_table())))
    with pytest.raises(FileFormatError, match=message):
        w16.load_wiod2016(2014, path=tmp_path)


# -- Excel layout -------------------------------------------------------------------
def test_grid_reads_back_exactly():
    t = make_table(seed=4)
    rows, cols, values, year = w16.read_grid(iter(grid_rows(t)), "test sheet", title="2014")
    assert year == 2014
    parts = w16.assemble("test", rows, cols, values)
    table = gd.IOTable(**parts, year=year)
    assert_table_equals(table, t)


def test_grid_found_by_labels_not_position():
    """Extra title rows and label columns move the block; it is found all the same."""
    t = make_table(seed=5, G=2, N=3)
    rows = grid_rows(t)
    rows = [["note"], [None]] + [[None, *r] for r in rows]  # block now starts at F9
    rows.append([None, "Source: made up"])  # a note below the table, no values
    labels, cols, values, year = w16.read_grid(rows, "moved", title="Sheet1")
    assert year is None
    assert_table_equals(gd.IOTable(**w16.assemble("moved", labels, cols, values)), t)


def test_grid_without_code_row_is_not_a_wiot():
    rows = [r for i, r in enumerate(grid_rows(make_table())) if i != 2]
    assert w16.read_grid(rows, "sheet") is None


def replace(rows, i, j, value):
    """Copy of ``rows`` with cell(s) ``j`` of row ``i`` replaced."""
    rows = [list(r) for r in rows]
    rows[i][j] = value
    return rows


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda rows: rows[:4] + rows[5:], "missing header row"),
        (lambda rows: rows[:12], r"2 country-industry row\(s\) missing, e.g. DEU J62_J63"),
        (lambda rows: rows[:8] + [rows[7]] + rows[8:], "duplicated labels: row AUS C10-C12"),
        (lambda rows: replace(rows, 7, 5, None), "1 empty or non-numeric cell"),
        (lambda rows: replace(rows, 7, 5, "n/a"), "1 empty or non-numeric cell"),
        (lambda rows: replace(rows, 7, slice(0, 4), [None] * 4), "row 8 has values but no"),
        (lambda rows: replace(rows, 4, 5, "XXX"), "column.*missing, e.g. AUS C10-C12"),
        (lambda rows: rows + [["XYZ", "?", "TOT", "r99", 1.0]], "unexpected row.*TOT XYZ"),
    ],
)
def test_bad_grids(damage, message):
    """Damaged sheets: missing header row, truncated, duplicated, empty and unlabelled cells."""
    rows = damage(grid_rows(make_table()))

    def parse():
        found = w16.read_grid(rows, "bad sheet", title="2014")
        return w16.assemble("bad sheet", *found[:3])

    with pytest.raises(FileFormatError, match=message):
        parse()


def test_xlsb_that_is_not_a_workbook(tmp_path):
    pytest.importorskip("pyxlsb")
    (tmp_path / "WIOT2014_Nov16_ROW.xlsb").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileFormatError, match=r"WIOT2014_Nov16_ROW\.xlsb.*not a readable \.xlsb"):
        w16.load_wiod2016(2014, path=tmp_path)


# -- lookup --------------------------------------------------------------------------
def test_years_and_missing_files(tmp_path, monkeypatch):
    with pytest.raises(UnknownLabelError, match="2000–2014"):
        w16.load_wiod2016(1999, path=tmp_path)
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="WIOTS_in_R.zip.*download=True"):
        w16.load_wiod2016(2014)


def test_corrupt_bundle(tmp_path):
    (tmp_path / "WIOTS_in_R.zip").write_bytes(b"not a zip at all")
    with pytest.raises(FileFormatError, match="WIOTS_in_R.zip: not a readable zip"):
        w16.load_wiod2016(2014, path=tmp_path)


def test_rdata_from_file_object_matches_path(tmp_path):
    t = make_table(seed=6)
    f = write_rdata(tmp_path / "a.RData", t)
    from_path = w16.read_rdata(f, "a")
    from_bytes = w16.read_rdata(io.BytesIO(f.read_bytes()), "a")
    assert from_path[:2] == from_bytes[:2] and from_path[3] == from_bytes[3] == 2014
    np.testing.assert_array_equal(from_path[2], from_bytes[2])


# -- layout variants: each reads to the table of the canonical sheet -----------------------
DESCRIPTIONS = {
    "II_fob": "Total intermediate consumption", "TXSP": "taxes less subsidies on products",
    "EXP_adj": "Cif/ fob adjustments on exports", "PURR": "Direct purchases abroad by residents",
    "PURNR": "Purchases on the domestic territory by non-residents",
    "VA": "Value added at basic prices", "IntTTM": "International Transport Margins",
    "GO": "Output at basic prices",
}  # fmt: skip


def _go_cell(rows, row, value):
    """Set the cell of the GO column in header row ``row``."""
    return replace(rows, row, len(rows[2]) - 1, value)


def _case_and_blanks(rows):
    out = [list(r) for r in rows]
    for r in out[2:]:
        for j, v in enumerate(r):
            if isinstance(v, str) and j != 1:  # codes, countries (not descriptions)
                r[j] = f" \ufeff{v.lower()} "
    return out


def _totals_by_description(rows):
    out = [list(r) for r in rows]
    for r in out:
        if len(r) > 2 and r[2] == "TOT" and r[0] in DESCRIPTIONS:
            r[1], r[0] = DESCRIPTIONS[r[0]], None
    return out


def _numbers_as_text(rows):
    out = [list(r) for r in rows]
    out[6] = out[6][:4] + [repr(v) for v in out[6][4:]]
    out[-1] = out[-1][:4] + [None if v is None else f" {v!r}" for v in out[-1][4:]]
    return out


@pytest.mark.parametrize(
    "damage",
    [
        lambda rows: _go_cell(rows, 2, None),  # GO column told by TOT over it
        lambda rows: _go_cell(_go_cell(_go_cell(rows, 2, None), 4, None), 3, None),  # by position
        _case_and_blanks,
        _totals_by_description,
        _numbers_as_text,
        lambda rows: [[*r, None, None] for r in rows] + [[None] * 5, [], [None, "  "]],
    ],
    ids=["go-uncoded", "go-by-position", "case-bom-blanks", "totals-by-description",
         "numbers-as-text", "trailing-empties"],
)  # fmt: skip
def test_grid_variants_read_to_the_same_table(damage):
    t = make_table(seed=8)
    rows = damage(grid_rows(t))
    assert rows != grid_rows(t)
    labels, cols, values, year = w16.read_grid(rows, "variant", title="2014")
    assert year == 2014
    assert_table_equals(gd.IOTable(**w16.assemble("variant", labels, cols, values)), t)


def test_grid_without_any_output_column():
    rows = [r[:-1] for r in grid_rows(make_table())]  # GO column gone, INVEN last
    labels, cols, values, _ = w16.read_grid(rows, "no GO", title="2014")
    with pytest.raises(FileFormatError, match=r"empty or non-numeric cell\(s\) in x"):
        w16.assemble("no GO", labels, cols, values)
