"""WIOD 2016 national IO tables: real workbooks, a tiny written workbook, VS of HIY (2001)."""

import numpy as np
import openpyxl
import pytest

import gvcdecomp as gd
from gvcdecomp.sources.niot import NationalTable, load_niot, import_content_of_exports

FD = ["CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN"]
SIX = ["KOR", "USA", "JPN", "CHN", "DEU", "TWN"]


def vs_plain(Zd, Zm, x, e):
    """HIY (2001): VS_j = (u A_M (I - A_D)^-1)_j e_j, with dense loops."""
    N = len(x)
    AD, AM = np.zeros((N, N)), np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            if x[j] > 0:
                AD[i, j] = Zd[i, j] / x[j]
                AM[i, j] = Zm[i, j] / x[j]
    L = np.linalg.inv(np.eye(N) - AD)
    content = np.ones(N) @ AM @ L
    return content * e, content


# -- the six real workbooks -------------------------------------------------------------


@pytest.fixture(scope="module")
def real(niot_dir):
    return {c: load_niot(c, [2000, 2014], path=niot_dir) for c in SIX}


@pytest.mark.parametrize("country", SIX)
def test_real_tables_balance_and_vs(real, country):
    for year, nt in real[country].items():
        assert nt.year == year and nt.country == country and nt.N == 56
        assert nt.sectors[0] == "A01" and nt.sectors[-1] == "U"
        assert nt.fd_categories == tuple(FD)
        # README: rows balance to ~4e-15 relative, columns to ~1e-7
        scale = np.where(nt.x > 0, nt.x, 1.0)
        rows = nt.Zd.sum(1) + nt.Yd.sum(1) + nt.exports - nt.x
        assert np.max(np.abs(rows) / scale) < 1e-12
        cols = nt.Zd.sum(0) + nt.Zm.sum(0) + nt.va + nt.valuation - nt.x
        assert np.max(np.abs(cols) / scale) < 1e-6
        assert nt.balance()["rows"] < 1e-12 and nt.balance()["columns"] < 1e-6
        assert nt.Zm.sum() > 0 and nt.exports.sum() > 0

        vs = import_content_of_exports(nt)
        ref, content = vs_plain(nt.Zd, nt.Zm, nt.x, nt.exports)
        np.testing.assert_allclose(vs["vs"].values, ref, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(vs["vs_share"].values, content, rtol=1e-10, atol=1e-12)
        assert float(vs["vs_total"]) == pytest.approx(ref.sum(), rel=1e-10)
        share = float(vs["vs_share_total"])
        assert share == pytest.approx(ref.sum() / nt.exports.sum(), rel=1e-10)
        assert 0 < share < 1
        assert np.all((vs["vs_share"].values >= 0) & (vs["vs_share"].values <= 1))
        assert list(vs["sector"].values) == list(nt.sectors) and int(vs["year"]) == year
        assert vs.attrs["country"] == country and "Hummels" in vs.attrs["reference"]


def test_real_single_year_and_env(niot_dir, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(niot_dir.parent))
    nt = load_niot("kor", 2007)
    assert isinstance(nt, NationalTable) and nt.year == 2007 and nt.country == "KOR"
    assert "KOR_NIOT_nov16.xlsx" in nt.source
    with pytest.raises(gd.UnknownLabelError):
        load_niot("KOR", 1999)
    with pytest.raises(gd.UnknownLabelError):
        load_niot("KOR", [2000, 2015])
    with pytest.raises(gd.UnknownLabelError):
        load_niot("KOREA", 2000)
    with pytest.raises(gd.DataNotFoundError, match="FRA_NIOT_nov16"):
        load_niot("FRA", 2000)


# -- a tiny workbook in the published layout --------------------------------------------

SECTORS = ["A01", "C26", "J62_J63"]
TOT_ROWS = ["II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM", "GO"]


def tiny_parts(year):
    # multiples of 1/64: sums are exact and openpyxl writes every value exactly
    rng = np.random.default_rng(year)
    N = len(SECTORS)

    def draw(hi, shape):
        return rng.integers(0, 64 * hi, shape) / 64

    Zd, Zm = draw(10, (N, N)), draw(4, (N, N))
    Yd, Ym = draw(20, (N, 5)), draw(3, (N, 5))
    Yd[1, 4] = -2.5  # inventory draw-down
    e = draw(15, N)
    x = Zd.sum(1) + Yd.sum(1) + e
    inputs = x - Zd.sum(0) - Zm.sum(0)
    tax, ttm = inputs / 8, inputs / 16
    va = inputs - tax - ttm
    return dict(Zd=Zd, Zm=Zm, Yd=Yd, Ym=Ym, e=e, x=x, va=va, valuation=tax + ttm, tax=tax, ttm=ttm)


def write_workbook(path, years, sheet="National IO-tables", drop_header=None):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    ws = wb.create_sheet(sheet)
    header = ["Year", "Code", "Description", "Origin", *SECTORS, *FD, "EXP", "GO"]
    if drop_header:
        header[header.index(drop_header)] = "something"
    ws.append(header)
    ws.append([None] * 4 + [f"industry {h}" for h in header[4:]])
    parts = {}
    for y in years:
        p = parts[y] = tiny_parts(y)
        blocks = (
            ("Domestic", p["Zd"], p["Yd"], p["e"], p["x"]),
            ("Imports", p["Zm"], p["Ym"], np.zeros(3), np.zeros(3)),
        )
        for origin, Z, Y, e, x in blocks:
            for i, s in enumerate(SECTORS):
                ws.append([y, s, f"industry {s}", origin, *Z[i], *Y[i], e[i], x[i]])
        tot = {"II_fob": p["Zd"].sum(0) + p["Zm"].sum(0), "TXSP": p["tax"], "VA": p["va"],
               "IntTTM": p["ttm"], "GO": p["x"]}  # fmt: skip
        for code in TOT_ROWS:
            ws.append([y, code, code, "TOT", *tot.get(code, np.zeros(3)), *[0] * 7])
    wb.save(path)
    return parts


def test_tiny_workbook_round_trip(tmp_path):
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    parts = write_workbook(f, [2003, 2004])
    tables = load_niot("AAA", [2004, 2003], path=tmp_path)
    assert list(tables) == [2004, 2003]
    for y, nt in tables.items():
        p = parts[y]
        assert nt.sectors == tuple(SECTORS) and nt.year == y and nt.country == "AAA"
        for got, want in ((nt.Zd, p["Zd"]), (nt.Zm, p["Zm"]), (nt.Yd, p["Yd"]), (nt.Ym, p["Ym"]),
                          (nt.exports, p["e"]), (nt.x, p["x"]), (nt.va, p["va"])):  # fmt: skip
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(nt.valuation, p["valuation"])
        assert nt.balance() == {"rows": 0.0, "columns": 0.0}
        vs = import_content_of_exports(nt)
        ref, _ = vs_plain(p["Zd"], p["Zm"], p["x"], p["e"])
        np.testing.assert_allclose(vs["vs"].values, ref, rtol=1e-12)
    assert load_niot("AAA", 2003, path=f).year == 2003


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sheet": "Sheet1"}, "no sheet 'National IO-tables'"),
        ({"drop_header": "GO"}, "lacks the header code(s) ['GO']"),
        ({"drop_header": "C26"}, "lacks the industry column(s) ['C26']"),
        ({"drop_header": "Origin"}, "['Origin']"),
    ],
)
def test_tiny_workbook_bad_layout(tmp_path, kwargs, message):
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    write_workbook(f, [2003], **kwargs)
    with pytest.raises(gd.FileFormatError) as e:
        load_niot("AAA", 2003, path=tmp_path)
    assert str(f) in str(e.value) and message in str(e.value)


def test_year_absent_and_corrupt(tmp_path):
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    write_workbook(f, [2003])
    with pytest.raises(gd.FileFormatError, match="no rows for the year 2005"):
        load_niot("AAA", 2005, path=f)
    f.write_bytes(b"PK\x03\x04 truncated zip")
    with pytest.raises(gd.FileFormatError, match="AAA_NIOT_nov16.xlsx"):
        load_niot("AAA", 2003, path=f)


def test_text_cell_and_duplicate_row(tmp_path):
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    write_workbook(f, [2003])
    wb = openpyxl.load_workbook(f)
    ws = wb["National IO-tables"]
    ws.cell(row=4, column=6).value = "n/a"
    wb.save(f)
    with pytest.raises(gd.FileFormatError, match="'n/a', not a number"):
        load_niot("AAA", 2003, path=f)
    ws.cell(row=4, column=6).value = 1.0
    ws.cell(row=5, column=2).value = "A01"  # two Domestic rows A01
    wb.save(f)
    with pytest.raises(gd.FileFormatError, match="Domestic 'A01' appears more than once"):
        load_niot("AAA", 2003, path=f)


# -- the class itself --------------------------------------------------------------------


def test_national_table_validation():
    p = tiny_parts(1)
    args = dict(Zd=p["Zd"], Zm=p["Zm"], Yd=p["Yd"], Ym=p["Ym"], exports=p["e"], x=p["x"],
                va=p["va"], sectors=SECTORS)  # fmt: skip
    nt = NationalTable(**args)
    assert nt.fd_categories == tuple(FD) and nt.balance()["columns"] > 0.01  # no valuation given
    with pytest.raises(gd.ShapeError):
        NationalTable(**{**args, "Zm": p["Zm"][:2]})
    with pytest.raises(gd.ValueNotFiniteError):
        NationalTable(**{**args, "exports": np.array([1.0, np.nan, 2.0])})
    with pytest.raises(gd.OutputError):
        NationalTable(**{**args, "x": -p["x"]})
    with pytest.raises(gd.LabelError):
        NationalTable(**{**args, "sectors": ["a", "a", "b"]})


def test_zero_output_industry_gets_zero_coefficients():
    p = tiny_parts(2)
    Zd, Zm, x = p["Zd"].copy(), p["Zm"].copy(), p["x"].copy()
    Zd[:, 2] = Zm[:, 2] = Zd[2] = 0.0
    x[2] = 0.0
    nt = NationalTable(Zd, Zm, p["Yd"], p["Ym"], p["e"] * [1, 1, 0], x, p["va"], SECTORS)
    assert np.all(nt.A_D[:, 2] == 0) and np.all(nt.A_M[:, 2] == 0)
    vs = import_content_of_exports(nt)
    ref, _ = vs_plain(Zd, Zm, x, p["e"] * [1, 1, 0])
    np.testing.assert_allclose(vs["vs"].values, ref, rtol=1e-12)
    assert vs["vs"].values[2] == 0
