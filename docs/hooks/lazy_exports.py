"""Griffe extension: the package's lazily imported top-level names, as aliases.

``gvcdecomp/__init__.py`` exports most public names through a PEP 562
``__getattr__`` (table ``_LAZY``: name -> (module, attribute)), which static
analysis cannot see. This extension adds each such name to the loaded
``gvcdecomp`` package as an alias of its definition, so that ``::: gvcdecomp.decompose``
and cross-references like ``:func:`~gvcdecomp.decompose``` resolve as before.
"""

from __future__ import annotations

import importlib

import griffe


class LazyExports(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        if pkg.name != "gvcdecomp":
            return
        lazy = importlib.import_module("gvcdecomp")._LAZY  # cheap: the package imports lazily
        for name, (module, attr) in lazy.items():
            if attr is not None and name not in pkg.members:
                pkg.set_member(name, griffe.Alias(name, f"gvcdecomp.{module}.{attr}", parent=pkg))
