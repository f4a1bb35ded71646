"""Write an IOTable as an official WIOD 2013 world input-output table (.xlsx), for tests.

The layout written is the one of the release files ``WIOTyy_ROW_Apr12.xlsx`` /
``WIOTyy_ROW_Sep12.xlsx``:

- A1 the title ``World Input-Output Table <year>``, A3 ``(industry-by-industry)``,
  A4 the units;
- header rows 3-6 over the data columns: ISIC-like code, description, country
  code, column code (industry codes, then final-demand codes ``c37 c38 c39 c41
  c42`` when the table has the five WIOD categories, then the total column
  ``c62``);
- label columns A-D on the data rows: ISIC-like code, description, country,
  industry code;
- the data block from E7: GN rows x (GN intermediate + G*K final-demand + 1
  total) columns;
- below it the rows ``r60`` total intermediate consumption, the valuation and
  value-added rows, and ``r69`` output at basic prices.

Only the codes ``r60`` (total intermediate consumption) and ``r69`` (output) are
known from the published parsers; the codes given here to the rows in between
are placeholders (the reader identifies rows by description, not by these codes).

The workbook is written as SpreadsheetML by hand rather than with openpyxl: a
full-size table is 2.4 million cells, which openpyxl's write-only mode takes
15-20 s to write, and openpyxl writes numbers with 16 significant digits while
``repr`` keeps every bit, so values come back exactly.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from xml.sax.saxutils import escape

import numpy as np

# WIOD 2013 column codes and descriptions of the five final-demand categories.
FD_COLUMNS = {
    "CONS_h": ("c37", "Final consumption expenditure by households"),
    "CONS_np": (
        "c38",
        "Final consumption expenditure by non-profit organisations serving households (NPISH)",
    ),
    "CONS_g": ("c39", "Final consumption expenditure by government"),
    "GFCF": ("c41", "Gross fixed capital formation"),
    "INVEN": ("c42", "Changes in inventories and valuables"),
}
VALUATION_ROWS = (
    ("r61", "taxes less subsidies on products"),
    ("r62", "Cif/ fob adjustments on exports"),
    ("r63", "Direct purchases abroad by residents"),
    ("r64", "Purchases on the domestic territory by non-residents"),
    ("r65", "Value added at basic prices"),
    ("r66", "International Transport Margins"),
)
VALUE_ADDED = "Value added at basic prices"
FIRST_COL = 5  # column E; rows 1-6 are the title and the header, so the data start at E7


def write_wiot_excel(
    table,
    path,
    *,
    va_rows: Mapping[str, np.ndarray] | None = None,
    sheet_name: str | None = None,
    title: str | None = None,
) -> None:
    """Write ``table`` to ``path`` as an .xlsx workbook in the WIOD 2013 layout.

    Parameters
    ----------
    table : IOTable
    path : str or Path
    va_rows : mapping description -> (GN,) array, optional
        Rows written between ``r60`` and ``r69`` (in this order). Default: the
        six WIOD valuation rows, all zero except "Value added at basic prices",
        which holds the written output less intermediate inputs.
    sheet_name, title : str, optional
        Default ``WIOT_<year>`` and ``World Input-Output Table <year>``.

    The total column holds the stored gross output ``table.x_stored`` when
    there is one, else ``table.x``; units are those of the table.
    """
    G, N, n = table.G, table.N, table.n
    K = len(table.fd_categories)
    year = "" if table.year is None else str(table.year)
    x = table.x_stored if table.x_stored is not None else table.x
    Y = table.Y.reshape(n, G * K)
    if va_rows is None:
        va_rows = {d: np.zeros(n) for _, d in VALUATION_ROWS}
        va_rows[VALUE_ADDED] = x - table.Z.sum(axis=0)  # columns balance with the total
    code_of = {d: c for c, d in VALUATION_ROWS}
    fd = [FD_COLUMNS.get(f, (f, f)) for f in table.fd_categories]
    pad = [None] * (FIRST_COL - 1)

    rows = [
        [title or f"World Input-Output Table {year}".rstrip()],
        [],
        ["(industry-by-industry)", None, None, None]
        + [f"ISIC_{s}" for _ in table.countries for s in table.sectors],
        [f"({table.units})", None, None, None]
        + [f"Industry {s}" for _ in table.countries for s in table.sectors]
        + [d for _ in table.countries for _, d in fd] + ["Total output"],
        pad + [c for c in table.countries for _ in table.sectors]
        + [c for c in table.countries for _ in fd] + ["TOT"],
        pad + [s for _ in table.countries for s in table.sectors]
        + [c for _ in table.countries for c, _ in fd] + ["c62"],
    ]  # fmt: skip
    for i in range(n):
        s = table.sectors[i % N]
        rows.append([f"ISIC_{s}", f"Industry {s}", table.countries[i // N], s]
                    + table.Z[i].tolist() + Y[i].tolist() + [float(x[i])])  # fmt: skip

    def below(code, desc, inter, final):
        vals = np.concatenate([inter, final])
        rows.append([None, desc, "TOT", code] + vals.tolist() + [float(vals.sum())])

    below("r60", "Total intermediate consumption", table.Z.sum(axis=0), np.zeros(G * K))
    for k, (desc, values) in enumerate(va_rows.items()):
        below(code_of.get(desc, f"r{61 + k}"), desc, np.asarray(values, float), np.zeros(G * K))
    below("r69", "Output at basic prices", np.asarray(x, float), Y.sum(axis=0))
    _write_xlsx(path, sheet_name or (f"WIOT_{year}" if year else "WIOT"), rows)


def _column_letters(n):
    out = []
    for j in range(1, n + 1):
        s = ""
        while j:
            j, r = divmod(j - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _write_xlsx(path, sheet_name, rows):
    """A one-sheet workbook: numbers as <v>repr</v>, text as inline strings."""
    width = max(len(r) for r in rows)
    col = _column_letters(width)
    out = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
        f'<dimension ref="A1:{col[-1]}{len(rows)}"/><sheetData>'
    ]
    for i, row in enumerate(rows, 1):
        cells = []
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(f'<c r="{col[j]}{i}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
            else:
                cells.append(f'<c r="{col[j]}{i}"><v>{v!r}</v></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    files = {
        "[Content_Types].xml": (
            f'<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="{escape(sheet_name)}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<styleSheet {_NS}><fonts count="1"><font/></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="1"><xf/></cellXfs><cellStyles count="1">'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": "".join(out),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in files.items():
            z.writestr(name, text)
