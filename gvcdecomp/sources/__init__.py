"""Readers of published tables, one module per source.

The package is callable: ``gd.sources()`` is :func:`gvcdecomp.sources.registry.sources`,
the table of every source (a module is made callable by giving it a subclass of
``ModuleType`` with ``__call__``, so that ``gd.sources.wiod2013`` stays the module).
"""

import sys
from types import ModuleType


class _Sources(ModuleType):
    def __call__(self):
        """Every source: name, coverage, files, origin, download, citation (a DataFrame)."""
        from .registry import sources

        return sources()


sys.modules[__name__].__class__ = _Sources
