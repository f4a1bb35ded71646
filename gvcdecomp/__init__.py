"""gvcdecomp: where the value in a country's exports is created.

Load a multi-regional input-output table, build its Leontief model once, and
decompose gross exports into domestic and foreign value added::

    import gvcdecomp as gd
    t = gd.load_wiod2013(2011)
    r = gd.decompose(t, "wwz")      # xarray.Dataset (exporter, sector, importer)
"""

from .sources.paths import use_numba_cache_dir

# Before numba is first imported: compiled kernels go to the per-user cache, never
# into the installed package (files there outlive an uninstall and break a reinstall).
use_numba_cache_dir()

from .errors import (
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
from . import gvc, ict, indicators, plots, smile
from . import chains, groups, model, vocabulary, years
from .chains import chain_fva, gvc_income
from .aggregate import aggregate
from .concordances import concordance, industries
from .examples import tiny_table
from .gvc import (
    average_propagation_length,
    bm_participation,
    downstreamness,
    kpww_participation,
    production_length,
    upstreamness,
    wwyz_participation,
)
from .ict import ict_slice, register_group, to_frame
from .plots import plot_smile
from .smile import smile_curve, smile_fit
from .methods import METHODS, decompose
from .methods.kww import kww_from_wwz
from .methods.wwz import summarize as wwz_summary
from .panel import Panel
from .sources.generic import from_dataframes, read_stata_icio, to_dataframes
from .sources.icio import load_icio, split_groups
from .sources.niot import NationalTable, import_content_of_exports, load_niot
from .sources.registry import load, open_table
from .sources.wiod2013 import load_wiod2013
from .sources.wiod2016 import load_wiod2016
from .sources.wiod_longrun import load_wiod_longrun
from .storage import load_result, load_table, save_result, save_table
from .table import BalanceWarning, IOTable

__version__ = "0.1.0"

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
