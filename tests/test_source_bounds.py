"""Zip archives and workbooks read within bounds; damaged cells and parts as library errors.

Every archive here is written by the test: over-declared members (deflated
zeros), members whose headers claim encryption or Deflate64, members that
inflate past their declared size, Windows member names; workbooks whose sheet
XML holds what openpyxl cannot turn into values.
"""

import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from test_icio import LAYOUTS, make_table
from test_icio import write as write_icio
from test_wiod2016 import assert_table_equals, write_rdata
from test_wiod2016 import make_table as make_w16
from test_wiot_excel import rewrite_sheet, small_table
from wiot_writer import write_wiot_excel

import gvcdecomp as gd
from gvcdecomp.errors import FileFormatError
from gvcdecomp.sources import archive, icio
from gvcdecomp.sources import wiod2016 as w16
from gvcdecomp.sources import wiot_excel
from gvcdecomp.sources.wiot_excel import read_wiot_excel


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def patch_zip(path, *, method=None, flags=0, size=None):
    """Rewrite every member's local and central header: method, flag bits, declared size."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos, o = zf.infolist(), zf.start_dir
    for info in infos:  # local headers: flags at 6, method at 8, inflated size at 22
        h = info.header_offset
        struct.pack_into("<H", data, h + 6, info.flag_bits | flags)
        if method is not None:
            struct.pack_into("<H", data, h + 8, method)
        if size is not None:
            struct.pack_into("<I", data, h + 22, size)
    while data[o : o + 4] == b"PK\x01\x02":  # central headers: 8, 10, 24
        struct.pack_into("<H", data, o + 8, struct.unpack_from("<H", data, o + 8)[0] | flags)
        if method is not None:
            struct.pack_into("<H", data, o + 10, method)
        if size is not None:
            struct.pack_into("<I", data, o + 24, size)
        n, m, k = struct.unpack_from("<HHH", data, o + 28)
        o += 46 + n + m + k
    path.write_bytes(bytes(data))


def icio_bundle(tmp_path, member=None):
    text, e = make_table("icio2018")
    f = tmp_path / "ICIO2018_2015.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member or "ICIO2018_2015.CSV", text)
    return f, e


def w16_bundle(tmp_path, member="WIOT2014_October16_ROW.RData"):
    t = make_w16(seed=1)
    r = write_rdata(tmp_path / "one.RData", t)
    f = tmp_path / "WIOTS_in_R.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(r, member)
    r.unlink()
    return f, t


def xlsx(tmp_path):
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    write_wiot_excel(small_table(2, 3, 5, seed=1), f)
    return f


# -- declared sizes ------------------------------------------------------------------


def test_over_declared_member_refused_before_inflating(tmp_path, monkeypatch):
    """32 MB of zeros deflate to 32 KB; with a 1 MiB limit not a byte of them is inflated."""
    monkeypatch.setattr(icio, "MEMBER_LIMIT", archive.MiB)
    f = tmp_path / "ICIO2018_2015.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ICIO2018_2015.CSV", bytes(32 * archive.MiB))
    assert f.stat().st_size < archive.MiB
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError, match=r"declares 33,554,432 bytes.*1,048,576"):
            icio.load_icio2018(2015, path=f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * archive.MiB


def test_over_declared_wiod2016_member_and_workbook_part(tmp_path, monkeypatch):
    f, _ = w16_bundle(tmp_path)
    monkeypatch.setattr(w16, "MEMBER_LIMIT", 100)
    with pytest.raises(FileFormatError, match=r"WIOTS_in_R.zip.*declares .* more than the 100"):
        w16.load_wiod2016(2014, path=tmp_path)
    g = xlsx(tmp_path)
    monkeypatch.setattr(wiot_excel, "PART_LIMIT", 1000)
    with pytest.raises(FileFormatError, match=r"WIOT09_ROW_Sep12.xlsx: member xl/.*declares"):
        read_wiot_excel(g)


def test_member_inflating_past_its_declared_size(tmp_path):
    f, _ = icio_bundle(tmp_path)
    patch_zip(f, size=1000)  # declares 1000 bytes, holds far more
    with pytest.raises(FileFormatError, match="ICIO2018_2015.zip"):
        icio.load_icio2018(2015, path=f)
    (tmp_path / "w").mkdir()
    g, _ = w16_bundle(tmp_path / "w")
    patch_zip(g, size=1000)
    with pytest.raises(FileFormatError, match="WIOTS_in_R.zip"):
        w16.load_wiod2016(2014, path=g)


def test_capped_stream_refuses_bytes_past_the_declared_size():
    import io

    capped = archive._Capped(io.BytesIO(b"x" * 10), 4, "f.zip: member m")
    with pytest.raises(FileFormatError, match="inflates past its declared size"):
        capped.read()


# -- methods, encryption, names ----------------------------------------------------------


@pytest.mark.parametrize(
    "patch, match",
    [(dict(method=9), "Deflate64"), (dict(flags=1), "encrypted"), (dict(method=98), "method 98")],
    ids=["deflate64", "encrypted", "ppmd"],
)
def test_unreadable_members(tmp_path, patch, match):
    f, _ = icio_bundle(tmp_path)
    patch_zip(f, **patch)
    member = "ICIO2018_2015.zip: member ICIO2018_2015.CSV"
    with pytest.raises(FileFormatError, match=f"{member}.*{match}"):
        icio.load_icio2018(2015, path=f)
    (tmp_path / "w").mkdir()
    g, _ = w16_bundle(tmp_path / "w")
    patch_zip(g, **patch)
    with pytest.raises(FileFormatError, match=f"WIOTS_in_R.zip.*{match}"):
        w16.load_wiod2016(2014, path=g)
    x = xlsx(tmp_path)
    patch_zip(x, **patch)
    with pytest.raises(FileFormatError, match=f"WIOT09_ROW_Sep12.xlsx: member .*{match}"):
        read_wiot_excel(x)


def test_backslash_member_names(tmp_path):
    f, e = icio_bundle(tmp_path, member="ICIO 2018\\ICIO2018_2015.CSV")
    t = icio.load_icio2018(2015, path=f)
    np.testing.assert_array_equal(t.Z, e["Z"])
    (tmp_path / "w").mkdir()
    g, t16 = w16_bundle(tmp_path / "w", member="WIOTS_in_R\\WIOT2014_October16_ROW.RData")
    assert_table_equals(w16.load_wiod2016(2014, path=g, output="stored"), t16)


def test_encrypted_workbooks(tmp_path):
    """Password-protected xlsx/xlsb files are OLE2 containers, not zips."""
    ole = archive.OLE2_MAGIC + bytes(504)
    f = tmp_path / "WIOT09_ROW_Sep12.xlsx"
    f.write_bytes(ole)
    with pytest.raises(FileFormatError, match=r"WIOT09_ROW_Sep12.xlsx: is an encrypted"):
        read_wiot_excel(f)
    pytest.importorskip("pyxlsb")
    g = tmp_path / "WIOT2014_Nov16_ROW.xlsb"
    g.write_bytes(ole)
    with pytest.raises(FileFormatError, match=r"WIOT2014_Nov16_ROW.xlsb: is an encrypted"):
        w16.load_wiod2016(2014, path=g)


# -- cells openpyxl cannot read --------------------------------------------------------------


def cell(content):
    """Replace the number in cell G9 (inside the data block) by ``content`` (a <c> element)."""
    return lambda x: re.sub(r'<c r="G9"><v>[^<]*</v></c>', content, x)


@pytest.mark.parametrize(
    "edit, match",
    [
        (cell('<c r="G9"><v>1,234</v></c>'), "1,234"),
        (cell('<c r="G9"><v>NaN</v></c>'), "NaN"),
        (cell('<c r="G9" t="s"><v>99</v></c>'), "IndexError"),
        (cell('<c r="G9" t="d"><v>soon</v></c>'), "datetime"),
        (lambda x: x.replace('<c r="G9">', '<c r="ZZZZ9">'), "ZZZZ"),
        (lambda x: x.replace('<c r="G9">', '<c r="A0">'), "empty cell at G9"),
        (cell('<c r="G9" t="e"><v>#N/A</v></c>'), "non-numeric value '#N/A' at G9"),
        (cell('<c r="G9" t="inlineStr"><is><t>1,234</t></is></c>'), "'1,234' at G9"),
    ],
    ids=["comma", "nan", "shared-string", "date", "column-ZZZZ", "row-0", "error", "text-comma"],
)
def test_bad_cells_are_file_format_errors(tmp_path, edit, match):
    f = xlsx(tmp_path)
    rewrite_sheet(f, edit)
    with pytest.raises(FileFormatError, match=match) as e:
        read_wiot_excel(f)
    assert "WIOT09_ROW_Sep12.xlsx" in str(e.value) and "\n" not in str(e.value)


def test_icio_header_cell_past_the_csv_field_limit(tmp_path):
    import csv

    text, _ = make_table("icio2023")
    head, rest = text.split("\n", 1)
    long = "X" * (csv.field_size_limit() + 10)
    f = write_icio(tmp_path, "icio2023", f'"{long}",{head.split(",", 1)[1]}\n{rest}')
    with pytest.raises(FileFormatError, match="2020.csv: unreadable CSV.*field"):
        icio.load_icio2023(LAYOUTS["icio2023"]["year"], path=f)


def test_archive_errors_name_the_file(tmp_path):
    f = tmp_path / "a.zip"
    f.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty archive: no member
    with pytest.raises(FileFormatError, match="a.zip: has no member x.csv"):
        archive.read_member(f, "x.csv", archive.MiB)
    assert issubclass(FileFormatError, gd.GVCError)
