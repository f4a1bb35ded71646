"""Griffe extension: the reStructuredText left in numpydoc docstrings, as Markdown.

The docstrings are written for numpydoc, so they hold Sphinx roles
(``:class:`~gvcdecomp.table.IOTable```), simple tables (``====  ====``),
``.. math::`` blocks, literal blocks after ``::`` and formulas such as
``E^{s*}`` whose ``*`` Markdown would take for emphasis. This extension
rewrites them once the package is loaded, before mkdocstrings renders it:
roles become autorefs links (resolved like Sphinx would, from the object's
scope outwards; an unresolved role stops a strict build), tables become
Markdown tables, math blocks become arithmatex blocks.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import griffe

log = logging.getLogger("mkdocs.plugins.gvcdecomp.rst_docstrings")

ROLE = re.compile(r":(?:py:)?(class|func|mod|meth|attr|data|exc|obj):`(~?)([\w.]+)(?:\(\))?`")
BORDER = re.compile(r"^(\s*)=+(?:[ \t]+=+)+\s*$")
CODE = re.compile(r"(``.+?``|`[^`]+`)")
# a numpydoc entry header ("name : type", "**kwargs"): names and types are not Markdown
ENTRY = re.compile(r"^\s*\**[A-Za-z_][\w, *]*\s:\s|^\s*\*{1,2}\w+\s*$")
SECTION_WITH_ENTRIES = {"Parameters", "Other Parameters", "Returns", "Yields", "Receives",
                        "Raises", "Warns", "Attributes"}
# what may start an entry of those sections: "name", "name : type", "a, b : type", "X or Y"
ENTRY_START = re.compile(r"^\**[A-Za-z_][\w.]*(?:(?:\s*,\s*|\s+or\s+)\**[A-Za-z_][\w.]*)*(?:\s:\s.*)?$")
PSEUDO_MATH = re.compile(r"[\^*#Σᵀ≠∈]|\w_\w")
EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*?)(?![\s*]).*?(?<![\s*\\])\1(?![\w*])")


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring of a package once the whole tree is loaded.

    ``api_page``: the Markdown page whose ``::: identifier`` lines render the
    package; a link to an object shown there must resolve (a strict build
    fails otherwise), a link to anything else is shown as code when it does not.
    """

    def __init__(self, api_page: str = "docs/api.md"):
        super().__init__()
        self.api_page = Path(api_page)

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        idents = re.findall(r"^::: *(\S+)", self.api_page.read_text(), re.M)
        shown = {p for i in idents if (p := _resolve(i, pkg, pkg))}
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = convert(obj.docstring.value, obj, pkg, shown)


def _rendered(path: str, shown: set[str], pkg) -> bool:
    """Whether mkdocstrings shows ``path``: inside a rendered object, public, documented."""
    if _private(path) or not any(path == s or path.startswith(s + ".") for s in shown):
        return False
    obj = pkg
    for part in path.split(".")[1:]:
        obj = obj.members[part]
    return path in shown or obj.docstring is not None


def _walk(obj):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def convert(text: str, obj, pkg, shown: set[str] = frozenset()) -> str:
    """The Markdown form of one docstring.

    ``obj`` and ``pkg`` resolve the roles; ``shown`` holds the paths rendered on
    the API page (links into them are checked, other links are optional).
    """
    lines = _close_sections(text.splitlines())
    lines = _tables(lines)
    lines = _math_blocks(lines)
    out = []
    for line in lines:
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            line = line.rstrip()[:-1]  # "as follows::" + indented block -> a code block
        line = ROLE.sub(lambda m: _link(m, obj, pkg, shown), line)
        if ENTRY.match(line):  # the type is shown as code already: ``year`` -> year
            name, sep, kind = line.partition(" : ")
            out.append(name + sep + re.sub(r"``([^`]+)``", r"\1", kind))
        else:
            out.append(line if line.lstrip().startswith("|") else _escape_stars(line))
    return "\n".join(out)


def _close_sections(lines: list[str]) -> list[str]:
    """Start a Notes section at a free paragraph that follows the entries of a section.

    numpydoc docstrings here often end with a paragraph after Returns or
    Parameters; read as entries, its lines would show as return types.
    """
    out, entries = [], False
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()):
            entries = line.strip() in SECTION_WITH_ENTRIES
        elif entries and line.strip() and not line[0].isspace() and not (out and out[-1].strip()):
            if not re.fullmatch(r"-{3,}", line.strip()) and not ENTRY_START.match(line):
                out += ["Notes", "-----"]
                entries = False
        out.append(line)
    return out


def _escape_stars(line: str) -> str:
    """Escape ``*`` that is part of a formula (``E^{s*}``, ``G*K``), not of emphasis."""
    parts = CODE.split(line)
    for k in range(0, len(parts), 2):  # even parts are outside code spans
        keep = set()
        for m in EMPHASIS.finditer(parts[k]):
            n = len(m.group(1))
            keep |= {*range(m.start(), m.start() + n), *range(m.end() - n, m.end())}
        parts[k] = "".join(
            "\\*" if c == "*" and i not in keep else c for i, c in enumerate(parts[k])
        )
    return "".join(parts)


def _tables(lines: list[str]) -> list[str]:
    """Turn reStructuredText simple tables into Markdown tables."""
    out, i = [], 0
    while i < len(lines):
        if not BORDER.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        border, indent = lines[i], BORDER.match(lines[i]).group(1)
        starts = [m.start() for m in re.finditer(r"=+", border)]
        borders, j = [i], i + 1
        while j < len(lines):  # the table ends at a border followed by a blank line
            if lines[j].rstrip() == border.rstrip():
                borders.append(j)
                if j + 1 == len(lines) or not lines[j + 1].strip():
                    break
            j += 1
        header = _rows(lines[borders[0] + 1 : borders[1]], starts) if len(borders) == 3 else None
        body = _rows(lines[borders[-2] + 1 : borders[-1]], starts)
        if header:
            header = header[0]
        elif len(starts) == 2:  # the headerless tables here list terms and their formulas
            header = ["term", "formula"]
        else:
            log.warning("a simple table without a header row: %r", lines[i + 1].strip())
            header = [""] * len(starts)
        out.append(indent + "| " + " | ".join(header) + " |")
        out.append(indent + "|" + "---|" * len(starts))
        out += [indent + "| " + " | ".join(row) + " |" for row in body]
        i = borders[-1] + 1
    return out


def _rows(lines: list[str], starts: list[int]) -> list[list[str]]:
    rows = []
    for line in lines:
        if not line.strip():
            continue
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        if rows and not cells[0]:  # a blank first column continues the row above
            rows[-1] = [f"{p} {c}".strip() for p, c in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return [[_cell(c) for c in row] for row in rows]


def _cell(text: str) -> str:
    """A table cell; Unicode pseudo-math (``E^{s*}``, ``Σ_{t≠s}``) as code, not Markdown."""
    if "`" not in text and PSEUDO_MATH.search(text):
        return f"`{text}`".replace("|", "\\|")
    return _escape_stars(text).replace("|", "\\|")


def _math_blocks(lines: list[str]) -> list[str]:
    """``.. math::`` and its indented body -> an arithmatex ``$$`` block."""
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. math::\s*$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, j, body = m.group(1), i + 1, []
        while j < len(lines) and (not lines[j].strip() or _depth(lines[j]) > len(indent)):
            body.append(lines[j].strip())
            j += 1
        out += [indent + "$$", *(indent + b for b in body if b), indent + "$$", ""]
        i = j
    return out


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip())


def _link(m: re.Match, obj, pkg, shown) -> str:
    _, short, name = m.groups()
    path = _resolve(name, obj, pkg) if pkg is not None else None
    code = f"<code>{name.rsplit('.', 1)[-1] if short else name}</code>"
    if path is None:
        if _private(obj.path) or ("." in name and name.split(".")[0] != pkg.name):
            return code  # not rendered, or another package's object (pandas.DataFrame)
        log.warning("%s: cannot resolve the cross-reference %r", obj.path, m[0])
        return code
    # objects without an entry on the API page (undocumented constants, private
    # helpers): link them where they happen to be rendered, show them as code where not
    optional = "" if _rendered(path, shown, pkg) else " optional"
    return f'<autoref identifier="{path}"{optional}>{code}</autoref>'


def _private(path: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in path.split("."))


def _resolve(name: str, obj, pkg) -> str | None:
    """The canonical path of ``name`` as seen from ``obj``: its scopes outwards, then the package."""
    scope = obj
    while scope is not None:
        found = _lookup(scope, name)
        if found:
            return found
        scope = scope.parent
    matches = {o.path for o in _walk(pkg) if o.name == name.rsplit(".", 1)[-1] and o.path.endswith(name)}
    return matches.pop() if len(matches) == 1 else None


def _lookup(scope, name: str) -> str | None:
    if name == scope.path or name.startswith(scope.path + "."):
        name = name[len(scope.path) + 1 :]
        if not name:
            return scope.path
    target = scope
    for part in name.split("."):
        members = getattr(target, "members", {})
        if part not in members:
            return None
        target = members[part]
        if target.is_alias:
            try:
                target = target.final_target
            except griffe.AliasResolutionError:
                return None
    return target.path
