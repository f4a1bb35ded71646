"""OECD ICIO reader: small files in each edition's layout, written here, read back exactly."""

import warnings
import zipfile

import numpy as np
import pytest

import gvcdecomp as gd
from gvcdecomp.errors import DataNotFoundError, FileFormatError, OptionError, UnknownLabelError
from gvcdecomp.methods.wwz import TERMS
from gvcdecomp.panel import Panel
from gvcdecomp.sources import icio
from gvcdecomp.sources.icio import load_icio, split_groups

MAIN = ("AUS", "CHN", "MEX", "ROW")

#: Label schemes of the editions (OECD ReadMe files; first four industries of a
#: real list, or industries of it that exercise the label parsing).
LAYOUTS = {
    "icio2016": dict(
        year=2011, sectors=("C01T05AGR", "C15T16FOD", "C30T33XCEQ", "C72CMP"),
        cats=("HFCE", "NPS", "GGFC", "GFCF", "INVNT", "DIRP"), cat_first=True, disc=True,
        taxsub=False, va=("VA+TAXSUB",), out_row="OUT", out_col=None, corner="",
        parts={"CHN": ("CN1", "CN2", "CN3", "CN4"), "MEX": ("MX1", "MX2", "MX3")},
        csv="ICIO2016_{y}.csv", zip="ICIO2016_{y}.zip",
    ),
    "icio2018": dict(
        year=2015, sectors=("01T03", "05T06", "26", "62T63"),
        cats=("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "P33"), cat_first=False, disc=False,
        taxsub=True, va=("VALU",), out_row="OUTPUT", out_col="TOTAL", corner="",
        parts={"CHN": ("CN1", "CN2"), "MEX": ("MX1", "MX2")},
        csv="ICIO2018_{y}.CSV", zip="ICIO2018_{y}.zip",
    ),
    "icio2021": dict(
        year=2018, sectors=("D01T02", "D05T06", "D26", "D62T63"),
        cats=("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"), cat_first=False, disc=False,
        taxsub=True, va=("VALU",), out_row="OUTPUT", out_col="TOTAL", corner="V1",
        parts={"CHN": ("CN1", "CN2"), "MEX": ("MX1", "MX2")},
        csv="ICIO2021_{y}.csv", zip="ICIO_2015-2018.zip",
    ),
    "icio2023": dict(
        year=2020, sectors=("A01_02", "B05_06", "C26", "J62_63"),
        cats=("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"), cat_first=False, disc=False,
        taxsub=False, va=("TLS", "VA"), out_row="OUT", out_col="OUT", corner="V1",
        parts={"CHN": ("CN1", "CN2"), "MEX": ("MX1", "MX2")},
        csv="{y}.csv", zip="2016-2020.zip",
    ),
}  # fmt: skip


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def make_table(edition, seed=0, split=True):
    """Random flows in an edition's structure, and the CSV text of them.

    China's and Mexico's intermediate rows and columns are empty (their
    activity is in the split parts), final demand is recorded for the main
    countries only, and one industry of China's last part has no output.
    """
    lay = LAYOUTS[edition]
    rng = np.random.default_rng(seed)
    parts = [p for ps in lay["parts"].values() for p in ps] if split else []
    countries = list(MAIN) + parts
    N, K = len(lay["sectors"]), len(lay["cats"])
    n = len(countries) * N
    empty = [countries.index(c) * N + i for c in ("CHN", "MEX") for i in range(N)] if split else []
    dead = countries.index(parts[len(lay["parts"]["CHN"]) - 1]) * N + 2 if split else None
    off = empty + ([dead] if split else [])
    Z = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    Y = rng.uniform(0, 30, (n, len(MAIN), K))
    Y[:, :, 4] -= 5  # inventory changes, some negative
    Z[off, :] = Z[:, off] = 0.0
    Y[off] = 0.0
    disc = rng.uniform(-1, 1, n) if lay["disc"] else np.zeros(n)
    disc[off] = 0.0
    x = Z.sum(1) + Y.sum(axis=(1, 2)) + disc
    Z *= 0.5 * x.max() / max(Z.sum(0).max(), 1)  # keep value added positive
    Z[:, x <= 0] = 0.0
    x = Z.sum(1) + Y.sum(axis=(1, 2)) + disc
    va_total = x - Z.sum(0)
    if lay["taxsub"]:
        shares = rng.uniform(0, 0.02, len(MAIN))
        va_rows = [(f"{c}_TAXSUB", s * va_total) for c, s in zip(MAIN, shares)]
        va_rows.append(("VALU", va_total - sum(v for _, v in va_rows)))
    elif len(lay["va"]) == 2:
        va_rows = [("TLS", 0.1 * va_total), ("VA", 0.9 * va_total)]
    else:
        va_rows = [(lay["va"][0], va_total)]
    z_labels = [f"{c}_{s}" for c in countries for s in lay["sectors"]]
    if lay["cat_first"]:
        fd = [(c, k) for k in range(K) for c in MAIN]
        fd_labels = [f"{lay['cats'][k]}_{c}" for c, k in fd]
    else:
        fd = [(c, k) for c in MAIN for k in range(K)]
        fd_labels = [f"{c}_{lay['cats'][k]}" for c, k in fd]
    header = [lay["corner"], *z_labels, *fd_labels]
    if lay["disc"]:
        header.append("DISC")
    if lay["out_col"]:
        header.append(lay["out_col"])

    def line(label, values):
        return ",".join([label, *(repr(float(v)) for v in values)])

    lines = [",".join(header)]
    for i in range(n):
        vals = [*Z[i], *(Y[i, MAIN.index(c), k] for c, k in fd)]
        vals += [disc[i]] * lay["disc"] + [x[i]] * bool(lay["out_col"])
        lines.append(line(z_labels[i], vals))
    extra = len(header) - 1 - n  # taxes on final products etc.: read and ignored
    for lab, v in va_rows:
        lines.append(line(lab, [*v, *rng.uniform(0, 1, extra)]))
    lines.append(line(lay["out_row"], [*x, *rng.uniform(0, 1, extra)]))
    expected = {
        "countries": tuple(countries), "sectors": lay["sectors"], "Z": Z, "x": x,
        "va": np.array([v for _, v in va_rows]).sum(axis=0), "Y": Y, "disc": disc,
    }  # fmt: skip
    return "\n".join(lines) + "\n", expected


def write(tmp_path, edition, text, zipped=False, year=None):
    lay = LAYOUTS[edition]
    year = year or lay["year"]
    name = lay["csv"].format(y=year)
    if not zipped:
        (tmp_path / name).write_text(text)
        return tmp_path / name
    bundle = tmp_path / lay["zip"].format(y=year)
    with zipfile.ZipFile(bundle, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text)
    return bundle


def load(edition, path, **kw):
    with warnings.catch_warnings():
        # empty CHN/MEX blocks and the dead industry are not imbalances
        warnings.simplefilter("error", gd.BalanceWarning)
        return load_icio(edition, LAYOUTS[edition]["year"], path=path, **kw)


# -- parse back exactly ------------------------------------------------------------


@pytest.mark.parametrize("zipped", [False, True], ids=["csv", "zip"])
@pytest.mark.parametrize("edition", list(LAYOUTS))
def test_parse_back_exactly(tmp_path, edition, zipped):
    text, e = make_table(edition, seed=len(edition) + zipped)
    write(tmp_path, edition, text, zipped)
    t = load(edition, tmp_path, output="stored")
    lay = LAYOUTS[edition]
    assert t.countries == e["countries"] and t.sectors == e["sectors"]
    assert t.year == lay["year"] and t.units.startswith("millions of US dollars")
    np.testing.assert_array_equal(t.Z, e["Z"])
    np.testing.assert_array_equal(t.x_stored, e["x"])
    np.testing.assert_array_equal(t.x, e["x"])
    np.testing.assert_array_equal(t.va_stored, e["va"])
    G, K = len(e["countries"]), len(lay["cats"])
    assert t.fd_categories == lay["cats"] + (("DISC",) if lay["disc"] else ())
    main = [e["countries"].index(c) for c in MAIN]
    np.testing.assert_array_equal(t.Y[:, main, :K], e["Y"])
    others = np.setdiff1d(np.arange(G), main)
    assert not t.Y[:, others, :K].any()  # no final demand of the split parts
    if lay["disc"]:
        own = np.arange(t.n) // t.N
        np.testing.assert_array_equal(t.Y[np.arange(t.n), own, K], e["disc"])
        assert np.count_nonzero(t.Y[:, :, K]) == np.count_nonzero(e["disc"])
    # rows and columns of the table balance as written
    np.testing.assert_allclose(t.Z.sum(1) + t.Y.sum(axis=(1, 2)), e["x"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(t.Z.sum(0) + t.va_stored, e["x"], rtol=1e-12, atol=1e-9)
    groups = {p: [p, *lay["parts"][p]] for p in ("CHN", "MEX")}
    assert t.default_groups == groups == split_groups(t)


def test_cache_gives_the_same_table(tmp_path):
    text, e = make_table("icio2021")
    write(tmp_path, "icio2021", text, zipped=True)
    a, b = load("icio2021", tmp_path), load("icio2021", tmp_path)
    assert list((tmp_path / "xdg" / "gvcdecomp" / "parsed" / "icio2021").iterdir())
    np.testing.assert_array_equal(a.Z, b.Z)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert a.countries == b.countries and b.default_groups == a.default_groups


def test_zero_output_industry_gets_zero_coefficients(tmp_path):
    text, e = make_table("icio2023")
    write(tmp_path, "icio2023", text)
    t = load("icio2023", tmp_path)
    dead = t.countries.index("CN2") * t.N + 2
    chn = [t.countries.index("CHN") * t.N + i for i in range(t.N)]
    assert t.x[dead] == 0 and not t.x[chn].any()
    A = t.core.A
    assert not A[:, [dead, *chn]].any() and np.isfinite(A).all()
    # B (I - A) = I on the full split table
    np.testing.assert_allclose(t.core.B @ (np.eye(t.n) - A), np.eye(t.n), atol=1e-12)


# -- WWZ with China and Mexico merged --------------------------------------------------


@pytest.mark.parametrize("edition", ["icio2016", "icio2023"])
def test_wwz_with_merge_groups_adds_up(tmp_path, edition):
    text, e = make_table(edition, seed=7)
    write(tmp_path, edition, text)
    t = load(edition, tmp_path)
    r = gd.decompose(t, "wwz", groups=t.default_groups)
    assert list(r.exporter.values) == ["CHN", "MEX", "AUS", "ROW"]
    total = sum(r[k].values for k in TERMS)
    gexp = r["gexp"].values
    assert gexp.sum() > 0
    assert np.abs(total - gexp).max() <= 1e-9 * np.abs(gexp).max()

    # gexp: plain sums of the written flows between the merged regions
    lay = LAYOUTS[edition]
    region = {c: c for c in MAIN} | {p: c for c, ps in lay["parts"].items() for p in ps}
    names = list(r.exporter.values)
    countries, N = e["countries"], t.N
    want = np.zeros((4, N, 4))
    for i in range(t.n):
        s = names.index(region[countries[i // N]])
        for j in range(t.n):
            d = names.index(region[countries[j // N]])
            if d != s:
                want[s, i % N, d] += e["Z"][i, j]
        for c_idx, c in enumerate(MAIN):
            d = names.index(c)
            if d != s:
                want[s, i % N, d] += e["Y"][i, c_idx].sum()
    np.testing.assert_allclose(gexp, want, rtol=1e-12, atol=1e-9)

    # merged by default; kept split on request, the parts are exporters of their own
    default = gd.decompose(t, "wwz")
    np.testing.assert_array_equal(default["gexp"].values, gexp)
    rs = gd.decompose(t, "wwz", groups=None)
    assert "CN1" in rs.exporter.values
    tot = sum(rs[k].values for k in TERMS)
    assert np.abs(tot - rs["gexp"].values).max() <= 1e-9 * np.abs(rs["gexp"].values).max()


def test_split_keep_and_sml(tmp_path):
    text, _ = make_table("icio2023")
    write(tmp_path, "icio2023", text)
    assert load("icio2023", tmp_path, split="keep").default_groups == {}
    with pytest.raises(OptionError, match="split"):
        load("icio2023", tmp_path, split="aggregate")
    # the unsplit _SML bundle is read when it is the only file of the year ...
    sml = tmp_path / "sml"
    sml.mkdir()
    text, e = make_table("icio2023", split=False)
    with zipfile.ZipFile(sml / "2016-2020_SML.zip", "w") as zf:
        zf.writestr("2020_SML.csv", text)
    t = load("icio2023", sml)
    assert t.countries == MAIN and t.default_groups == {} and split_groups(t) == {}
    np.testing.assert_array_equal(t.Z, e["Z"])
    # ... and the split one is preferred when both are there
    split_text, _ = make_table("icio2023")
    with zipfile.ZipFile(sml / "2016-2020.zip", "w") as zf:
        zf.writestr("2020.csv", split_text)
    assert "CN1" in load("icio2023", sml).countries


def test_split_parent_without_intermediate_rows(tmp_path):
    """A split country with final demand but no CHN rows at all still loads."""
    text, e = make_table("icio2023")
    lines = [ln for ln in text.splitlines() if not ln.startswith("CHN_")]
    keep = [j for j, h in enumerate(lines[0].split(",")) if not h.startswith("CHN_") or h.endswith(
        ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"))]
    text = "\n".join(",".join(ln.split(",")[j] for j in keep) for ln in lines) + "\n"
    write(tmp_path, "icio2023", text)
    t = load("icio2023", tmp_path)
    assert t.countries[-1] == "CHN" and t.countries[1] == "MEX"
    assert t.default_groups["CHN"] == ["CHN", "CN1", "CN2"]
    chn = t.countries.index("CHN")
    np.testing.assert_array_equal(t.Y[:, chn, :].sum(), e["Y"][:, 1, :].sum())


def test_panel_and_lookup(tmp_path):
    with zipfile.ZipFile(tmp_path / "ICIO_2010-2014.zip", "w") as zf:  # as released
        for year in (2010, 2011):
            zf.writestr(f"ICIO2021_{year}.csv", make_table("icio2021", seed=year)[0])
    p = load_icio("icio2021", [2010, 2011], path=tmp_path)
    assert isinstance(p, Panel) and p.years == (2010, 2011)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gd.BalanceWarning)
        assert p[2011].year == 2011 and "ICIO2021_2011.csv" in p[2011].source
    with pytest.raises(DataNotFoundError, match="2012"):
        load_icio("icio2021", 2012, path=tmp_path)
    with pytest.raises(UnknownLabelError, match="1995"):
        load_icio("icio2021", 2019, path=tmp_path)
    with pytest.raises(UnknownLabelError, match="icio2021"):
        load_icio("icio2020", 2010, path=tmp_path)


# -- bad files -------------------------------------------------------------------------


def _bad(tmp_path, edition, text, match):
    f = write(tmp_path, edition, text)
    with pytest.raises(FileFormatError, match=match) as err:
        load(edition, f)
    assert f.name in str(err.value)


@pytest.mark.parametrize("edition", list(LAYOUTS))
def test_truncated_csv(tmp_path, edition):
    text, _ = make_table(edition)
    _bad(tmp_path, edition, text[: len(text) * 2 // 3], "truncated|output row")
    _bad(tmp_path, edition, text[: len(text) // 2 + 7], "empty cell|truncated")


def test_truncated_zip(tmp_path):
    text, _ = make_table("icio2018")
    f = write(tmp_path, "icio2018", text, zipped=True)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=f.name):
        load("icio2018", f)


def drop_rows(*prefixes):
    return lambda ls: [ln for ln in ls if not ln.startswith(prefixes)]


def relabel(old, new, rows=True):
    """Rename a label in the header and, with ``rows``, at the start of its row."""
    head = lambda ln: ",".join(new if h == old else h for h in ln.split(","))  # noqa: E731
    row = lambda ln: new + ln[len(old) :] if rows and ln.startswith(old + ",") else ln  # noqa: E731
    return lambda ls: [head(ls[0]), *(row(ln) for ln in ls[1:])]


TAXSUB = tuple(f"{c}_TAXSUB," for c in MAIN)


@pytest.mark.parametrize(
    "edit, match",
    [
        (drop_rows("OUTPUT,"), "no output row"),
        (drop_rows("VALU,", *TAXSUB), "value-added"),
        (relabel("AUS_05T06", "AUS_01T03", rows=False), "duplicated column"),
        (lambda ls: [ls[0], ls[1], ls[1], *ls[2:]], "duplicated row"),
        (relabel("ROW_HFCE", "ROW_XYZ"), "XYZ"),
        (lambda ls: [ls[0], ls[1].replace(",", ",abc,", 1).rsplit(",", 1)[0], *ls[2:]],
         "non-numeric"),
        (lambda ls: [ln.replace("_01T03,", "_A01,") for ln in ls], "unknown ICIO edition"),
        (relabel("AUS_26", "AUS_27", rows=False), "rows and columns differ"),
        (relabel("MX1_26", "MX1_27"), "same 4 industries"),
    ],
    ids=["no-out", "no-va", "dup-col", "dup-row", "unknown-label", "text-cell", "unknown-edition",
         "rows-vs-cols", "ragged-grid"],
)  # fmt: skip
def test_bad_files(tmp_path, edit, match):
    text, _ = make_table("icio2018")
    _bad(tmp_path, "icio2018", "\n".join(edit(text.splitlines())) + "\n", match)


def test_wrong_edition(tmp_path):
    text, _ = make_table("icio2021")
    f = tmp_path / "ICIO2018_2015.CSV"  # a 2021 table under a 2018 name
    f.write_text(text)
    with pytest.raises(FileFormatError, match="laid out as icio2021, not icio2018"):
        load("icio2018", f)
    g = tmp_path / "ICIO2021_2017.csv"
    g.write_text(text)
    with pytest.raises(FileFormatError, match="year 2018"):
        load("icio2021", g)


@pytest.mark.parametrize("edition", list(LAYOUTS))
def test_per_edition_loaders(tmp_path, edition):
    """The loaders the source registry names: one per edition, same table."""
    text, e = make_table(edition, seed=3)
    f = write(tmp_path, edition, text)
    t = getattr(icio, f"load_{edition}")(LAYOUTS[edition]["year"], path=f, split="keep")
    np.testing.assert_array_equal(t.Z, e["Z"])
    assert t.default_groups == {}


# -- layout variants: each loads to the table of the canonical file ----------------------


def _swap_fd_order(ls):
    """HFCE_AUS <-> AUS_HFCE in the header."""
    def flip(h):
        a, sep, b = h.partition("_")
        return f"{b}_{a}" if sep and (a in icio.FD_CODES or b in icio.FD_CODES) else h
    return [",".join(flip(h) for h in ls[0].split(",")), *ls[1:]]


def _codes(old, new):
    """Final-demand code ``old`` written as ``new`` (e.g. INVNT as INV)."""
    return lambda ls: [ls[0].replace(f"_{old},", f"_{new},").replace(f"{old}_", f"{new}_"), *ls[1:]]


def _messy_header(ls):
    """Blanks, lower case and a byte-order mark on the labels of the header and rows."""
    head = ",".join(f" {h.lower()} " for h in ls[0].split(","))
    rows = [f"{ln.split(',', 1)[0].lower()}  ,{ln.split(',', 1)[1]}" for ln in ls[1:]]
    return ["\ufeff" + head, *rows]


def _trailing_empties(ls):
    """Two empty columns at the right end of every line and empty lines at the end."""
    width = ls[0].count(",") + 2
    return [ln + ",," for ln in ls] + ["," * width, "", "," * width]


def _quoted_numbers(ls):
    """Every number of the first data row as quoted text with blanks."""
    lab, *vals = ls[1].split(",")
    return [ls[0], ",".join([lab, *(f'" {v} "' for v in vals)]), *ls[2:]]


@pytest.mark.parametrize(
    "edition, edit",
    [
        ("icio2023", _swap_fd_order),
        ("icio2016", _swap_fd_order),
        ("icio2018", _codes("INVNT", "INV")),
        ("icio2018", _codes("NPISH", "NPS")),
        ("icio2016", _codes("DIRP", "DPABR")),
        ("icio2021", _codes("DPABR", "P33")),
        ("icio2023", _messy_header),
        ("icio2016", _messy_header),
        ("icio2018", _trailing_empties),
        ("icio2021", _quoted_numbers),
    ],
    ids=["2023-cat-first", "2016-country-first", "INV", "NPS", "DPABR", "P33", "case-bom-blanks",
         "case-2016", "trailing-empties", "quoted-numbers"],
)  # fmt: skip
def test_layout_variants_load_to_the_same_table(tmp_path, edition, edit):
    text, _ = make_table(edition, seed=11)
    canonical = load(edition, write(tmp_path, edition, text), output="stored")
    other = tmp_path / "variant"
    other.mkdir()
    variant = "\n".join(edit(text.splitlines())) + "\n"
    assert variant != text
    t = load(edition, write(other, edition, variant), output="stored")
    assert t.countries == canonical.countries and t.sectors == canonical.sectors
    assert len(t.fd_categories) == len(canonical.fd_categories)
    for k in ("Z", "Y", "x_stored", "va_stored"):
        np.testing.assert_array_equal(getattr(t, k), getattr(canonical, k))


def test_per_country_disc_is_a_category(tmp_path):
    """A discrepancy filed per country (AUS_DISC) is one more final-demand category."""
    text, e = make_table("icio2023", seed=2, split=False)
    ls = text.splitlines()
    ls = [ls[0] + "," + ",".join(f"{c}_DISC" for c in MAIN)] + [
        ln + ",0.0" * len(MAIN) for ln in ls[1:]
    ]
    t = load("icio2023", write(tmp_path, "icio2023", "\n".join(ls) + "\n"))
    assert t.fd_categories[-1] == "DISC" and not t.Y[:, :, -1].any()
    np.testing.assert_array_equal(t.Z, e["Z"])


# -- incomplete files --------------------------------------------------------------------


def _drop_column(label):
    def edit(ls):
        j = ls[0].split(",").index(label)
        return [",".join(c for k, c in enumerate(ln.split(",")) if k != j) for ln in ls]
    return edit


@pytest.mark.parametrize(
    "edition, edit, match",
    [
        ("icio2018", _drop_column("ROW_GFCF"), r"final-demand column\(s\) missing, e.g. ROW_GFCF"),
        ("icio2016", _drop_column("HFCE_MEX"), r"missing, e.g. MEX_HFCE"),
        ("icio2018", drop_rows("AUS_TAXSUB,"), r"value-added row\(s\) missing.*AUS_TAXSUB"),
        ("icio2023", drop_rows("TLS,"), r"value-added row\(s\) missing for icio2023: TLS"),
        ("icio2023", drop_rows("AUS_C26,"), "rows and columns differ"),
        ("icio2023", lambda ls: ls[:3] + ls[2:], "duplicated row"),
        ("icio2023", lambda ls: [ls[0], ls[1].rsplit(",", 1)[0] + ",", *ls[2:]], "empty cell"),
        ("icio2023", lambda ls: [ls[0], ls[1].rsplit(",", 1)[0] + ",NaN", *ls[2:]], "'NAN'|'NaN'"),
        ("icio2023", lambda ls: [ls[0], ls[1].rsplit(",", 1)[0] + ",inf", *ls[2:]], "inf"),
        ("icio2023", lambda ls: [ln + "," for ln in ls[:-1]] + [ls[-1] + ",5"], "no label"),
        ("icio2023", lambda ls: ls[:5] + [",1.0,2.0"] + ls[5:], "without a label"),
        ("icio2023", lambda ls: ls[:-1] + [ls[-1][: len(ls[-1]) // 2]], "empty cell"),
    ],
    ids=["fd-column", "fd-column-2016", "taxsub", "tls", "z-row", "dup-row", "blank", "nan-text",
         "inf", "unlabelled-column", "unlabelled-row", "cut-last-row"],
)  # fmt: skip
def test_incomplete_files(tmp_path, edition, edit, match):
    text, _ = make_table(edition)
    _bad(tmp_path, edition, "\n".join(edit(text.splitlines())) + "\n", match)
