"""gvcdecomp: where the value in a country's exports is created.

Load a multi-regional input-output table, build its Leontief model once, and
decompose gross exports into domestic and foreign value added::

    import gvcdecomp as gd
    t = gd.load_wiod2013(2011)
    r = gd.decompose(t, "wwz")      # xarray.Dataset (exporter, sector, importer)

Every public name is imported on first use (PEP 562 ``__getattr__``), so that
``import gvcdecomp`` and ``gvcdecomp --help`` do not pay for xarray, pandas,
scipy, numba or matplotlib until a name that needs them is asked for.
"""

import importlib
import sys
from types import ModuleType

from .sources.paths import use_numba_cache_dir

# Before numba is first imported: compiled kernels go to the per-user cache, never
# into the installed package (files there outlive an uninstall and break a reinstall).
use_numba_cache_dir()

from .errors import (  # noqa: E402  (no third-party import: loaded eagerly)
    DataNotFoundError,
    FileFormatError,
    GVCError,
    LabelError,
    OptionError,
    OutputError,
    ShapeError,
    SingularMatrixError,
    TableError,
    UnknownLabelError,
    ValueNotFiniteError,
)

__version__ = "0.1.0"

#: Public name -> (module, attribute), attribute None for the module itself.
_LAZY = {
    **{m: (m, None) for m in ("gvc", "ict", "indicators", "plots", "smile", "chains",
                              "groups", "model", "vocabulary", "years")},
    "chain_fva": ("chains", "chain_fva"), "gvc_income": ("chains", "gvc_income"),
    "aggregate": ("aggregate", "aggregate"),
    "concordance": ("concordances", "concordance"), "industries": ("concordances", "industries"),
    "tiny_table": ("examples", "tiny_table"),
    **{f: ("gvc", f) for f in ("average_propagation_length", "bm_participation",
                               "downstreamness", "kpww_participation", "production_length",
                               "upstreamness", "wwyz_participation")},
    "ict_slice": ("ict", "ict_slice"), "register_group": ("ict", "register_group"),
    "to_frame": ("ict", "to_frame"),
    "plot_smile": ("plots", "plot_smile"),
    "smile_curve": ("smile", "smile_curve"), "smile_fit": ("smile", "smile_fit"),
    "METHODS": ("methods", "METHODS"), "decompose": ("methods", "decompose"),
    "kww_from_wwz": ("methods.kww", "kww_from_wwz"), "wwz_summary": ("methods.wwz", "summarize"),
    "Panel": ("panel", "Panel"),
    **{f: ("sources.generic", f) for f in ("from_dataframes", "read_stata_icio", "to_dataframes")},
    "load_icio": ("sources.icio", "load_icio"), "split_groups": ("sources.icio", "split_groups"),
    **{f: ("sources.niot", f) for f in ("NationalTable", "import_content_of_exports", "load_niot")},
    "load": ("sources.registry", "load"), "open_table": ("sources.registry", "open_table"),
    "load_wiod2013": ("sources.wiod2013", "load_wiod2013"),
    "load_wiod2016": ("sources.wiod2016", "load_wiod2016"),
    "load_wiod_longrun": ("sources.wiod_longrun", "load_wiod_longrun"),
    **{f: ("storage", f) for f in ("load_result", "load_table", "save_result", "save_table")},
    "BalanceWarning": ("table", "BalanceWarning"), "IOTable": ("table", "IOTable"),
}  # fmt: skip


def __getattr__(name: str):
    """Import the module behind a public name on first use, and keep the name bound."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = importlib.import_module(f".{module}", __name__)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


class _Package(ModuleType):
    # Importing a submodule binds it on its package (``gvcdecomp.aggregate`` =
    # the module), which would hide the function of the same name that this
    # package exports: such a binding is refused, the function is kept.
    def __setattr__(self, name, value):
        lazy = _LAZY.get(name)
        if lazy and lazy[1] is not None and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "IOTable", "Panel", "decompose", "METHODS", "load", "open_table", "load_wiod2013",
    "tiny_table", "wwz_summary", "kww_from_wwz", "indicators", "load_wiod_longrun",
    "load_niot", "NationalTable", "import_content_of_exports", "save_table", "load_table",
    "save_result", "load_result", "ict", "gvc", "ict_slice", "register_group", "to_frame",
    "kpww_participation", "wwyz_participation", "production_length", "upstreamness",
    "downstreamness", "average_propagation_length", "bm_participation", "smile", "plots",
    "smile_curve", "smile_fit", "plot_smile", "load_wiod2016", "load_icio", "split_groups",
    "from_dataframes", "to_dataframes", "read_stata_icio", "aggregate", "concordance",
    "industries",
    "BalanceWarning", "GVCError", "TableError", "ShapeError", "LabelError",
    "ValueNotFiniteError", "OutputError", "SingularMatrixError", "DataNotFoundError",
    "FileFormatError", "UnknownLabelError", "OptionError",
]  # fmt: skip
