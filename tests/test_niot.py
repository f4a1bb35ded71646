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


# -- incomplete and corrupt workbooks, year lists ----------------------------------------


def test_year_lists(tmp_path):
    write_workbook(tmp_path / "AAA_NIOT_nov16.xlsx", [2003, 2004])
    with pytest.raises(gd.UnknownLabelError, match="no year asked for"):
        load_niot("AAA", [], path=tmp_path)
    with pytest.raises(gd.UnknownLabelError, match="twice"):
        load_niot("AAA", [2003, 2003], path=tmp_path)
    # any iterable of years is a list of years, read once; an integral float or 0-d array is one year
    assert list(load_niot("AAA", (y for y in (2004, 2003)), path=tmp_path)) == [2004, 2003]
    for one in (2003.0, np.float64(2003), np.array(2003)):
        assert load_niot("AAA", one, path=tmp_path).year == 2003
    for bad in (2003.5, "2003", True):
        with pytest.raises(gd.UnknownLabelError):
            load_niot("AAA", bad, path=tmp_path)


# rows of the 2003 block in write_workbook: 3-5 Domestic, 6-8 Imports, 9-16 TOT (TOT_ROWS order)
@pytest.mark.parametrize(
    "edit, message",
    [
        (("delete", 4), "Imports and Domestic rows differ in ['C26']"),
        (("delete_both", 4), "no Domestic or Imports row for 1 industry column(s) of row 1: ['C26']"),
        (("delete", 7), "Imports and Domestic rows differ in ['C26']"),
        (("delete", 10), "TOT rows missing TXSP"),
        (("delete", 14), "TOT rows missing VA"),
        (("delete", 16), "TOT rows missing GO"),
        (("code", 10, "XTRA"), "missing TXSP; unknown XTRA"),
        (("code", 11, "VA"), "row TOT 'VA' appears more than once"),
        (("code", 5, "C26"), "row Domestic 'C26' appears more than once"),
        (("blank", 3, 6), "1 empty cell(s) where numbers belong, e.g. row Domestic A01, column C26"),
        (("blank", 8, 8), "row Imports J62_J63, column CONS_h"),
        (("blank", 4, 13), "row Domestic C26, column EXP"),
        (("blank", 5, 14), "row Domestic J62_J63, column GO"),
        (("blank", 14, 5), "row TOT VA, column A01"),
        (("blank", 16, 7), "row TOT GO, column J62_J63"),
        (("blank", 9, 5), "row TOT II_fob, column A01"),
        (("value", 12, 6, "1,234"), "row TOT PURR, column C26 holds '1,234', not a number"),
        (("value", 3, 5, True), "holds True, not a number"),
        (("header", 6, "A01"), "repeats the header code(s) ['A01']"),
        (("header", 15, "K64"), "no Domestic or Imports row for 1 industry column(s) of row 1: ['K64']"),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else None,
)
def test_incomplete_workbook(tmp_path, edit, message):
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    write_workbook(f, [2003])
    wb = openpyxl.load_workbook(f)
    ws = wb["National IO-tables"]
    if edit[0] == "delete":
        ws.delete_rows(edit[1])
    elif edit[0] == "delete_both":  # the Domestic and the Imports row of an industry
        ws.delete_rows(edit[1] + 3)
        ws.delete_rows(edit[1])
    elif edit[0] == "code":
        ws.cell(row=edit[1], column=2).value = edit[2]
    elif edit[0] == "blank":
        ws.cell(row=edit[1], column=edit[2]).value = None
    elif edit[0] == "value":
        ws.cell(row=edit[1], column=edit[2]).value = edit[3]
    else:  # header: one more industry column at the right, or a repeated code
        ws.cell(row=1, column=edit[1] if edit[2] == "A01" else 16).value = edit[2]
        if edit[2] != "A01":
            for r in range(3, 17):
                ws.cell(row=r, column=16).value = 0.0
    wb.save(f)
    with pytest.raises(gd.FileFormatError) as e:
        load_niot("AAA", 2003, path=f)
    assert str(f) in str(e.value) and message in str(e.value)


def _rewrite_sheet(src, dst, change):
    """Copy the workbook with the XML of its second sheet passed through ``change``."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = change(data)
            zout.writestr(item, data)


@pytest.mark.parametrize(
    "what",
    ["xml_cut", "xml_garbage", "number_text", "bad_reference", "crc", "truncated", "not_zip"],
)
def test_corrupt_workbook(tmp_path, what):
    """Damage inside the zip or the sheet XML (ParseError, BadZipFile, ValueError, ...)."""
    import re

    good = tmp_path / "good.xlsx"
    write_workbook(good, [2003])
    f = tmp_path / "AAA_NIOT_nov16.xlsx"
    raw = good.read_bytes()
    if what == "xml_cut":
        _rewrite_sheet(good, f, lambda x: x[: len(x) // 2])
    elif what == "xml_garbage":
        _rewrite_sheet(good, f, lambda x: x.replace(b"<sheetData>", b"<sheetData><row><<"))
    elif what == "number_text":  # a numeric cell whose value is not a number
        _rewrite_sheet(good, f, lambda x: re.sub(rb'(<c r="F3"[^>]*>)<v>[^<]*</v>', rb"\1<v>abc</v>", x))
    elif what == "bad_reference":
        _rewrite_sheet(good, f, lambda x: x.replace(b'r="F3"', b'r="F0x"'))
    elif what == "crc":  # flip one byte of the compressed sheet: bad CRC or bad deflate stream
        import zipfile

        with zipfile.ZipFile(good) as z:
            info = z.getinfo("xl/worksheets/sheet2.xml")
        at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
        f.write_bytes(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :])
    elif what == "truncated":
        f.write_bytes(raw[: len(raw) - 200])
    else:
        f.write_bytes(b"Year,Code\n2003,A01\n")
    with pytest.raises(gd.FileFormatError) as e:
        load_niot("AAA", 2003, path=f)
    assert str(f) in str(e.value) and "\n" not in str(e.value)
