"""The reader of the official WIOD 2013 Excel tables (gvcdecomp.sources.wiot_excel).

Tables are written in the release layout by tests/wiot_writer.py, read back and
compared with what was written; malformed files must raise FileFormatError
naming the file.
"""

import re
import zipfile

import numpy as np
import openpyxl
import pytest
from conftest import random_table
from wiot_writer import FD_COLUMNS, VALUATION_ROWS, write_wiot_excel

import gvcdecomp as gd
from gvcdecomp.sources.wiot_excel import read_wiot_excel

WIOD_FD = list(FD_COLUMNS)  # CONS_h CONS_np CONS_g GFCF INVEN


def small_table(G=3, N=4, K=5, seed=0, year=2009, decimals=None):
    """A random balanced table labelled like WIOD (c1.., the five categories when K=5).

    ``decimals`` rounds the values, for files re-saved by openpyxl, which keeps
    16 significant digits only.
    """
    t = random_table(G, N, K, seed=seed)
    Z, Y = (t.Z, t.Y) if decimals is None else (t.Z.round(decimals), t.Y.round(decimals))
    x = Z.sum(axis=1) + Y.sum(axis=(1, 2))
    x = x if decimals is None else x.round(decimals)
    fd = WIOD_FD if K == 5 else [f"F{k}" for k in range(K)]
    return gd.IOTable(
        Z, Y, [f"K{g:02d}" for g in range(G)], [f"c{i + 1}" for i in range(N)], fd, x=x,
        year=year, units="millions of US$",
    )  # fmt: skip


def assert_parts_equal(parts, t):
    np.testing.assert_array_equal(parts["Z"], t.Z)
    np.testing.assert_array_equal(parts["Y"], t.Y.reshape(t.n, -1))
    np.testing.assert_array_equal(parts["x"], t.x_stored)
    assert parts["countries"] == list(t.countries)
    assert parts["sectors"] == list(t.sectors)
    assert list(parts["fd_categories"]) == list(t.fd_categories)


@pytest.mark.parametrize("G,N,K", [(3, 4, 5), (2, 1, 2), (4, 3, 1), (1, 3, 2)])
def test_small_tables_read_back_exactly(tmp_path, G, N, K):
    t = small_table(G, N, K, seed=G + N + K)
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f)
    parts = read_wiot_excel(f)
    assert_parts_equal(parts, t)
    assert parts["year"] == 2009
    # the writer puts all of value added in one row: the column identity holds
    np.testing.assert_allclose(parts["Z"].sum(axis=0) + parts["va"], parts["x"], rtol=1e-12)


def test_wiod_final_demand_codes_map_to_categories(tmp_path):
    t = small_table(2, 2, 5)
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f)
    ws = openpyxl.load_workbook(f, read_only=True).worksheets[0]
    header = next(ws.iter_rows(min_row=6, max_row=6, values_only=True))
    assert header[4 + 4 : 4 + 4 + 5] == ("c37", "c38", "c39", "c41", "c42")
    assert header[-1] == "c62"
    assert read_wiot_excel(f)["fd_categories"] == WIOD_FD


def test_final_demand_told_by_description_when_codes_differ(tmp_path):
    t = small_table(2, 2, 5, seed=2, decimals=6)
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f)

    def recode(ws):  # codes F1..F5 over the official descriptions
        for j in range(t.G * 5):
            ws.cell(row=6, column=5 + t.n + j, value=f"F{j % 5 + 1}")

    edit(f, recode)
    assert read_wiot_excel(f)["fd_categories"] == WIOD_FD


def test_value_added_sums_the_valuation_rows_only(tmp_path):
    t = small_table(3, 2, 5, seed=4)
    rng = np.random.default_rng(1)
    rows = {d: rng.uniform(-1, 5, t.n) for _, d in VALUATION_ROWS}
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f, va_rows=rows)
    va = read_wiot_excel(f)["va"]
    expected = np.zeros(t.n)
    for values in rows.values():  # not r60 (total intermediate) nor r69 (output)
        expected += values
    np.testing.assert_allclose(va, expected, rtol=1e-14, atol=1e-12)


def test_load_wiod2013_finds_official_names(tmp_path):
    for year, name in [(1997, "WIOT97_ROW_Apr12.xlsx"), (2009, "wiot09_row_sep12.xlsx")]:
        folder = tmp_path / str(year)
        folder.mkdir()
        t = small_table(3, 4, 5, seed=year, year=year)
        write_wiot_excel(t, folder / name)
        loaded = gd.load_wiod2013(year, path=folder)
        assert loaded.year == year and name in loaded.source
        np.testing.assert_array_equal(loaded.Z, t.Z)
        np.testing.assert_array_equal(loaded.Y, t.Y)
        np.testing.assert_array_equal(loaded.x_stored, t.x_stored)
        np.testing.assert_allclose(loaded.va_stored, t.x_stored - t.Z.sum(axis=0), rtol=1e-12)
        assert loaded.fd_categories == tuple(WIOD_FD)


def test_year_from_title_or_none(tmp_path):
    t = small_table(2, 2, 5, year=None)
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f, sheet_name="Data", title="World Input-Output Table 1999")
    assert read_wiot_excel(f)["year"] == 1999
    write_wiot_excel(t, f, sheet_name="Data", title="World Input-Output Table")
    assert read_wiot_excel(f)["year"] is None
    # a file holding another year than its name says is refused by the loader
    write_wiot_excel(t, tmp_path / "WIOT98_ROW_Apr12.xlsx", title="World Input-Output Table 1999")
    with pytest.raises(gd.FileFormatError, match="1999"):
        gd.load_wiod2013(1998, path=tmp_path)


def test_block_is_found_wherever_it_starts(tmp_path):
    """Extra rows above and an extra column left of the layout: same table."""
    t = small_table(3, 2, 5, seed=7, decimals=6)
    f = tmp_path / "t.xlsx"
    write_wiot_excel(t, f)
    wb = openpyxl.load_workbook(f)
    ws = wb.worksheets[0]
    ws.insert_rows(1, 3)
    ws.insert_cols(1)
    ws.title = "some sheet"
    wb.create_sheet("notes", 0)["A1"] = "read me first"
    wb.save(f)
    parts = read_wiot_excel(f)
    assert_parts_equal(parts, t)
    assert parts["year"] == 2009  # from the title, the sheet name has none


# -- one real year ------------------------------------------------------------------


def test_real_year_round_trip(wiod2013_dir, tmp_path):
    t = gd.load_wiod2013(2011, path=wiod2013_dir)
    write_wiot_excel(t, tmp_path / "WIOT11_ROW_Sep12.xlsx")
    back = gd.load_wiod2013(2011, path=tmp_path)
    assert back.countries == t.countries and back.sectors == t.sectors
    assert back.fd_categories == t.fd_categories and back.year == 2011
    np.testing.assert_array_equal(back.Z, t.Z)
    np.testing.assert_array_equal(back.Y, t.Y)
    np.testing.assert_array_equal(back.x_stored, t.x_stored)
    np.testing.assert_array_equal(back.x, t.x)
    # the RData has no value-added rows; the writer puts x_stored - Z.sum(0) there
    np.testing.assert_array_equal(back.va_stored, t.x_stored - t.Z.sum(axis=0))
    # same arrays, other memory order (the RData matrices are Fortran-ordered), so
    # BLAS may round differently in the last bits
    w0, w1 = gd.decompose(t, "wwz"), gd.decompose(back, "wwz")
    for k in w0.data_vars:
        scale = np.abs(w0[k].values).max()
        np.testing.assert_allclose(w1[k].values, w0[k].values, rtol=1e-12, atol=1e-12 * scale)


# -- malformed files ------------------------------------------------------------------


@pytest.fixture
def good_file(tmp_path):
    """A valid small table (2 countries x 3 industries x 5 categories) and its path."""
    t = small_table(2, 3, 5, seed=11)
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    write_wiot_excel(t, f)
    return t, f


def edit(f, change):
    wb = openpyxl.load_workbook(f)
    change(wb.worksheets[0])
    wb.save(f)


def assert_refused(f, *fragments):
    with pytest.raises(gd.FileFormatError) as e:
        read_wiot_excel(f)
    msg = str(e.value)
    assert f.name in msg
    for frag in fragments:
        assert frag in msg, msg
    return msg


def test_not_an_xlsx(tmp_path):
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    f.write_text("country,sector\nAUS,c1\n")
    assert_refused(f, "not a readable .xlsx")


def test_corrupt_zip(good_file):
    _, f = good_file
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    assert_refused(f, "not a readable .xlsx")


def test_zip_that_is_not_a_workbook(tmp_path):
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("data.csv", "1,2,3\n")
    assert_refused(f, "not a readable .xlsx")


def test_corrupt_sheet_xml(good_file):
    _, f = good_file
    src = f.read_bytes()
    with zipfile.ZipFile(f.with_suffix(".tmp"), "w") as out, zipfile.ZipFile(f) as z:
        for item in z.infolist():
            data = z.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # XML cut in the middle of the data
            out.writestr(item, data)
    f.write_bytes(f.with_suffix(".tmp").read_bytes())
    assert f.read_bytes() != src
    assert_refused(f, "corrupt")


def test_no_sheet_with_the_header(tmp_path):
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(20):
        ws.append([i, i * 2.0, "x", None, 3.5])
    wb.save(f)
    assert_refused(f, "no sheet has the WIOT header")


@pytest.mark.parametrize(
    "row,message",
    [(5, "header row of country codes is missing"), (6, "no sheet has the WIOT header")],
)
def test_missing_header_row(good_file, row, message):
    _, f = good_file
    edit(f, lambda ws: ws.delete_rows(row))
    assert_refused(f, message)


def test_missing_total_column(good_file):
    t, f = good_file
    edit(f, lambda ws: ws.delete_cols(4 + t.n + t.G * 5 + 1))
    assert_refused(f, "total column")


def test_duplicated_country_in_header(good_file):
    t, f = good_file
    edit(f, lambda ws: ws.cell(row=5, column=5 + t.N + 1, value=t.countries[0]))
    # one cell changed: that column no longer continues the second country's block
    assert_refused(f, "K01")


def test_duplicated_country_block(good_file):
    t, f = good_file

    def change(ws):
        for j in range(t.N):
            ws.cell(row=5, column=5 + t.N + j, value=t.countries[0])

    edit(f, change)
    assert_refused(f, "duplicated labels", repr(t.countries[0]))


def test_duplicated_industry_code(good_file):
    _, f = good_file
    edit(f, lambda ws: ws.cell(row=6, column=6, value="c1"))
    assert_refused(f, "duplicated industry codes", "c1")


def test_duplicated_row_label(good_file):
    _, f = good_file
    edit(f, lambda ws: ws.cell(row=8, column=4, value="c1"))
    assert_refused(f, "duplicated labels", "row 8")


def test_non_numeric_cell(good_file):
    _, f = good_file
    edit(f, lambda ws: ws.cell(row=9, column=7, value="n/a"))
    assert_refused(f, "non-numeric", "'n/a'", "G9")


def test_empty_cell(good_file):
    t, f = good_file
    edit(f, lambda ws: setattr(ws.cell(row=8, column=5 + t.n + 2), "value", None))
    assert_refused(f, "empty cell")


def test_truncated_block(good_file):
    t, f = good_file
    edit(f, lambda ws: ws.delete_rows(7 + t.n - 2, 2))
    assert_refused(f, "truncated", f"announces {t.n} rows", f"after {t.n - 2} rows")


def test_sheet_ending_inside_the_block(good_file):
    t, f = good_file
    edit(f, lambda ws: ws.delete_rows(7 + t.n - 1, 100))
    assert_refused(f, "truncated", "the sheet ends")


def test_rows_out_of_order(good_file):
    _, f = good_file

    def swap(ws):  # the labels of the 2nd and 3rd rows
        for col in (3, 4):
            a, b = ws.cell(row=8, column=col), ws.cell(row=9, column=col)
            a.value, b.value = b.value, a.value

    edit(f, swap)
    assert_refused(f, "order of the columns")


# -- layout variants: each reads to the parts of the canonical file -------------------------


def rewrite_sheet(f, edit):
    """Rewrite the sheet XML of ``f`` (values untouched, unlike a re-save by openpyxl)."""
    with zipfile.ZipFile(f) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    new = edit(parts[sheet].decode())
    assert new != parts[sheet].decode()
    parts[sheet] = new.encode()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _drop_cell(ref):
    return lambda x: re.sub(rf'<c r="{ref}"[^>]*>(?:(?!</c>).)*</c>', "", x)


def _labels(column, change):
    """Apply ``change`` to the text of the label cells of ``column`` from row 7."""
    def edit(x):
        return re.sub(
            rf'(<c r="{column}(\d+)" t="inlineStr"><is><t>)([^<]*)',
            lambda m: m.group(1) + (change(m.group(3)) if int(m.group(2)) >= 7 else m.group(3)),
            x,
        )
    return edit


def _numbers_as_text(x):
    return re.sub(r'<c r="([A-Z]+7)"><v>([^<]*)</v></c>',
                  r'<c r="\1" t="inlineStr"><is><t> \2 </t></is></c>', x)  # fmt: skip


def _trailing_empties(x):
    return x.replace(
        "</sheetData>",
        '<row r="90"><c r="B90" t="inlineStr"><is><t>  </t></is></c></row><row r="91"/>'
        "</sheetData>",
    )


def _chain(*edits):
    def edit(x):
        for e in edits:
            x = e(x)
        return x
    return edit


@pytest.mark.parametrize(
    "variant",
    ["total-uncoded", "total-by-position", "case", "bom-blanks", "numbers-as-text",
     "trailing-empties"],
)  # fmt: skip
def test_layout_variants_read_to_the_same_parts(tmp_path, variant):
    from openpyxl.utils import get_column_letter

    t = small_table(2, 3, 5, seed=21)
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    write_wiot_excel(t, f)
    canonical = read_wiot_excel(f)
    total = get_column_letter(4 + t.n + t.G * 5 + 1)
    edit = {
        "total-uncoded": _drop_cell(f"{total}6"),
        "total-by-position": _chain(*(_drop_cell(f"{total}{r}") for r in (4, 5, 6))),
        "case": _chain(_labels("C", str.lower), _labels("D", str.upper)),
        "bom-blanks": _labels("D", lambda s: f"\ufeff {s}  "),
        "numbers-as-text": _numbers_as_text,
        "trailing-empties": _trailing_empties,
    }[variant]
    rewrite_sheet(f, edit)
    parts = read_wiot_excel(f)
    assert_parts_equal(parts, t)
    for k in ("Z", "Y", "x", "va"):
        np.testing.assert_array_equal(parts[k], canonical[k])
    assert parts["year"] == canonical["year"]


def test_value_added_rows_cut_short(good_file):
    t, f = good_file
    edit(f, lambda ws: ws.delete_rows(7 + t.n + 6, 100))  # cut after "Value added ..."
    assert_refused(f, "lack the output row (r69)", "truncated")
    edit(f, lambda ws: ws.delete_rows(7 + t.n + 3, 100))  # r60 and two valuation rows left
    assert_refused(f, "value-added row")


def test_text_that_is_not_a_number(good_file):
    _, f = good_file
    for text in ("1,234", "NaN", "1.5.2"):
        edit(f, lambda ws, v=text: setattr(ws.cell(row=9, column=7), "value", v))
        assert_refused(f, "non-numeric", repr(text), "G9")
