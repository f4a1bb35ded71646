"""MkDocs hook: serve MathJax from an installed package, so formulas render offline.

MathJax 3 (the single-file ``tex-svg-full.js`` build: every TeX extension, SVG
output, no font files) comes with the PyPI package ``sphinx-mathjax-offline``;
the site copies it to ``assets/mathjax/`` instead of loading it from a CDN, so
the documentation works without a network (CI, a laptop on a train).
"""

from __future__ import annotations

import importlib.metadata

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

PACKAGE = "sphinx-mathjax-offline"
BUILD = "tex-svg-full.js"
TARGET = f"assets/mathjax/{BUILD}"


def _mathjax_path():
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise PluginError(
            f"formulas need MathJax from the package {PACKAGE!r}: "
            'pip install -e ".[test]" (or pip install sphinx-mathjax-offline)'
        ) from None
    for f in dist.files or ():
        if f.name == BUILD and "mathjax" in f.parts:
            return dist.locate_file(f)
    raise PluginError(f"{PACKAGE} is installed but has no {BUILD}")


def on_files(files, config):
    files.append(File.generated(config, TARGET, abs_src_path=str(_mathjax_path())))
    return files
