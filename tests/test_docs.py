"""The documentation site: a strict build, and no raw markup in the HTML it makes."""

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
METHOD_PAGES = ("wwz", "kww", "bm", "leontief", "indicators")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def _rst_module():
    spec = importlib.util.spec_from_file_location("rst_docstrings", ROOT / "docs/hooks/rst_docstrings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Text(HTMLParser):
    """Text outside code and scripts, text inside math containers, and emphasised text."""

    SKIP = {"code", "pre", "script", "style", "svg", "textarea"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "path", "use"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.prose, self.math, self.emph = [], [], [], []
        self.tags_in_math = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        if self._in("math"):
            self.tags_in_math.append(tag)
        kind = "skip" if tag in self.SKIP else "math" if "arithmatex" in classes else tag
        self.stack.append((tag, kind))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def _in(self, kind):
        return any(k == kind for _, k in self.stack)

    def handle_data(self, data):
        if self._in("skip"):
            return
        (self.math if self._in("math") else self.prose).append(data)
        if self._in("em") or self._in("strong"):
            self.emph.append(data)


def _pages(site):
    pages = sorted(p for p in site.rglob("*.html") if p.name != "404.html")
    assert len(pages) >= 9
    return pages


def _parse(page):
    p = _Text()
    p.feed(page.read_text())
    return p


RAW_LATEX = re.compile(r"\$\$|\$[A-Za-z\\{(]|\\\(|\\\[|\\begin\{|\\frac|\\sum")
ROLE = re.compile(r":(?:py:)?(?:class|func|mod|meth|attr|data|exc|obj|math):")
RST = re.compile(r"^\s*(?:=+\s+=+|\.\. \w+::)", re.M)


def test_the_checks_see_raw_markup(tmp_path):
    """The HTML checks below flag what a broken build would show."""
    page = tmp_path / "p.html"
    page.write_text(
        "<p>Raises :class:<code>X</code>; $E^{s*}$ and \\(x\\) raw; E^{s<em>}, E^{r</em>}</p>"
        '<span class="arithmatex">\\(a<em>b</em>\\)</span><pre>$ok$ :func:</pre>'
    )
    p = _parse(page)
    prose = "\n".join(p.prose)
    assert ROLE.findall(prose) == [":class:"]
    assert RAW_LATEX.findall(prose) == ["$E", "\\("]
    assert p.emph == ["}, E^{r", "b"] and p.tags_in_math == ["em"]


def test_docs_build_strict(site):
    api = (site / "api" / "index.html").read_text()
    assert "decompose" in api and "IOTable" in api
    # gd.decompose is a lazy (PEP 562) export: documented and linked to all the same
    assert 'id="gvcdecomp.decompose"' in api and 'href="#gvcdecomp.decompose"' in api
    assert "Glossary" in (site / "index.html").read_text()  # in the navigation
    assert (site / "glossary" / "index.html").is_file()


def test_no_raw_latex_roles_or_rst_in_prose(site):
    for page in _pages(site):
        prose = "\n".join(_parse(page).prose)
        name = page.relative_to(site)
        assert not RAW_LATEX.findall(prose), (name, RAW_LATEX.findall(prose)[:5])
        assert not ROLE.findall(prose), (name, re.findall(r".{40}" + ROLE.pattern + ".{40}", prose)[:5])
        assert not RST.findall(prose), (name, RST.findall(prose)[:5])


def test_formulas_are_math_not_emphasis(site):
    formula = re.compile(r"[{}^\\]|\b[A-Z]_|[A-Za-z]\^")
    for page in _pages(site):
        p = _parse(page)
        name = page.relative_to(site)
        assert not [t for t in p.emph if formula.search(t)], (name, p.emph)
        assert not p.tags_in_math, (name, set(p.tags_in_math))  # no <em> inside a formula
    for m in METHOD_PAGES:  # every method page has formulas, as math
        p = _parse(site / "methods" / m / "index.html")
        assert len(p.math) >= 3, m
        assert all(t.strip().startswith(("\\(", "\\[")) for t in p.math if t.strip()), m


def test_mathjax_served_by_the_site(site):
    assert (site / "assets" / "mathjax" / "tex-svg-full.js").stat().st_size > 1_000_000
    html = (site / "methods" / "bm" / "index.html").read_text()
    assert re.search(r'<script src="[./]*assets/mathjax/tex-svg-full\.js"', html)
    assert not re.search(r"<script[^>]+src=\"https?://", html)  # nothing from a CDN


def test_docstring_tables_render_as_tables(site):
    api = (site / "api" / "index.html").read_text()
    tiva = api[api.index('id="gvcdecomp.indicators.tiva"') :]
    tiva = tiva[: tiva.index("</table>")]
    assert "<th>variable</th>" in tiva and "EXGR_DVAFX" in tiva
    assert api.count('class="autorefs autorefs-internal"') > 60  # the former Sphinx roles


def test_glossary_formulas_are_math_and_names_unbroken(site):
    page = site / "glossary" / "index.html"
    p = _parse(page)
    assert len([t for t in p.math if "\\sum" in t or "^{" in t]) > 40  # formulas as TeX
    html = page.read_text()
    # one table of nine columns was wider than the page: each table now has five at most
    assert max(t.count("<th>") for t in html.split("<table>")[1:]) <= 5
    # the names in a table's first column never break mid-word
    assert re.search(r'<link[^>]+href="[./]*stylesheets/extra\.css"', html)
    css = (site / "stylesheets" / "extra.css").read_text()
    rule = re.search(r"td:first-child code\s*\{([^}]*)\}", css)
    assert rule and "white-space: nowrap" in rule[1]


def test_api_term_tables_have_headers_and_no_rst_literals(site):
    api = (site / "api" / "index.html").read_text()
    assert "``" not in api  # numpydoc ``literals`` (also inside parameter types) converted
    for term, name in (("DVA_INTrexI1", "wwz"), ("DVA_INTrex", "kww")):
        doc = api[api.index(f'id="gvcdecomp.methods.{name}.{name}"') :]
        table = doc[doc.index("<table>") : doc.index("</table>")]
        assert re.search(r"<thead>\s*<tr>\s*<th>term</th>\s*<th>formula</th>", table), name
        assert f"<td><code>{term}</code></td>" in table and "<td><code>V^s" in table.replace("(", "")


def test_names_on_the_pages_exist():
    """Every ``gd.name`` the method and citation pages mention is in the package."""
    import gvcdecomp as gd

    pages = [*(ROOT / "docs" / "methods").glob("*.md"), ROOT / "docs" / "cite.md"]
    names = {n for p in pages for n in re.findall(r"`gd\.([\w.]+)", p.read_text())}
    assert len(names) > 15
    for name in names:
        obj = gd
        for part in name.split("."):
            obj = getattr(obj, part, None)
            assert obj is not None, f"docs mention gd.{name}, which does not exist"


def test_citation_cff_and_how_to_cite():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] and cff["authors"]
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert cff["version"] == version  # the citation follows releases
    for ref in cff["references"]:
        assert ref["title"] and ref["authors"] and ref["year"] and ref["doi"].startswith("10.")
    cite = (ROOT / "docs" / "cite.md").read_text()  # every reference is on the docs page
    assert all(ref["doi"] in cite for ref in cff["references"])
    readme = (ROOT / "README.md").read_text()
    assert "## How to cite" in readme and "CITATION.cff" in readme


def test_rst_converter():
    rst = _rst_module()
    text = (
        "See :func:`~pkg.mod.f` and :class:`pkg.mod.C`.\n\n"
        "====  ==========\n"
        "name  formula\n"
        "====  ==========\n"
        "EXGR  E^{s*} and G*K\n"
        "      continued\n"
        "====  ==========\n\n"
        "*emphasis* stays; **strong** too.\n\n"
        ".. math::\n\n    x = B y\n"
    )
    pkg = _fake_package()
    out = rst.convert(text, pkg.members["mod"], pkg, {"pkg.mod"})
    # f is documented on the API page: its link must resolve; C has no docstring,
    # so no entry: its link is optional (shown as code if nothing renders it)
    assert '<autoref identifier="pkg.mod.f"><code>f</code></autoref>' in out
    assert '<autoref identifier="pkg.mod.C" optional><code>pkg.mod.C</code></autoref>' in out
    # pseudo-math cells are code (their * ^ _ are not Markdown), joined before quoting
    assert "| name | formula |\n|---|---|\n| EXGR | `E^{s*} and G*K continued` |" in out
    # a headerless two-column table gets a header; ``literals`` in a type lose their quotes
    bare = rst.convert("===  ======\nDVA  V^s Y^{sr}\n===  ======\n", pkg, pkg)
    assert bare.startswith("| term | formula |\n|---|---|\n| DVA | `V^s Y^{sr}` |")
    typed = rst.convert("Parameters\n----------\nt : IOTable (adds a ``year`` dim)\n    x", pkg, pkg)
    assert "t : IOTable (adds a year dim)" in typed
    assert "*emphasis* stays; **strong** too." in out
    assert "$$\nx = B y\n$$" in out
    # a free paragraph after the entries of Returns opens a Notes section
    ret = rst.convert("Returns\n-------\nint\n    A count.\n\nRaises an error.", pkg, pkg)
    assert ret.endswith("\nNotes\n-----\nRaises an error.")


class _FakeObj:
    """Just enough of a griffe object for the role resolver."""

    is_alias = False

    def __init__(self, path, parent=None, docstring=None):
        self.path, self.members, self.parent, self.docstring = path, {}, parent, docstring
        self.name = path.rsplit(".", 1)[-1]


def _fake_package():
    pkg = _FakeObj("pkg")
    mod = _FakeObj("pkg.mod", parent=pkg)
    mod.members = {"f": _FakeObj("pkg.mod.f", mod, "doc"), "C": _FakeObj("pkg.mod.C", mod)}
    pkg.members = {"mod": mod}
    pkg.name = "pkg"
    return pkg
