"""Decomposition methods and the one entry point, :func:`decompose`."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping
from contextlib import nullcontext

import xarray as xr
from tqdm import tqdm

from .. import threads
from ..core import dense_solves
from ..errors import OptionError, UnknownLabelError
from ..panel import Panel, YearStacker
from ..table import IOTable
from ..years import concat_years
from . import _filters, bm, kww, leontief, wwz

METHODS = {"wwz": wwz.wwz, "kww": kww.kww, "bm": bm.bm, "leontief": leontief.leontief}


def decompose(
    data, method="wwz", *, progress: bool | None = None, client=None,
    exporter=None, importer=None, sector=None, **options,
) -> xr.Dataset | dict:  # fmt: skip
    """Decompose the gross exports (or flows) of a table or a panel of tables.

    Parameters
    ----------
    data : IOTable or Panel
        One table, or a :class:`~gvcdecomp.panel.Panel` of years.
    method : str or list
        One of ``METHODS``: ``"wwz"`` (Wang–Wei–Zhu 2013, 16 terms by
        exporter, sector and importer), ``"kww"`` (Koopman–Wang–Wei 2014, 9
        terms by exporter), ``"bm"`` (Borin–Mancini 2019/2023, ``approach=``
        source/sink, ``perspective=`` and ``level=``), ``"leontief"``
        (value-added origin, ``post=`` exports/final/output).

        Or a list of them, each a name or a pair ``(name, {option: value})``,
        e.g. ``["wwz", "kww", ("bm", {"approach": "sink"}), "leontief"]``: every
        method then runs on each table in one pass, which loads each year of a
        panel once and factors its I − A once. The result is a dict
        ``{label: Dataset}`` in the order of the list, each Dataset equal to
        what a call with that one method returns: bit for bit, unless a method
        of the list forms the dense B (``leontief`` without filters;
        ``bm`` with a bilateral perspective, or ``approach="sink"`` by
        importer), which the other methods then read their blocks and solves
        from instead of solving again with the factors (the panel of the four
        default methods: about 15 % faster); their numbers then differ from a
        one-method call's in the last bits (about 1e-16 of the largest flow;
        a cell whose terms cancel differs more relative to itself). The label
        is the method's name; a method listed more than once is labelled by its name and its
        own options, ``"bm[approach=sink, perspective=bilateral]"`` (a mapping
        value, such as ``groups``, shows its keys: ``groups={EU}``), except an
        entry without options of its own, which keeps the plain name.
    progress : bool, optional
        Show a progress bar over the years of a panel (default: when more than
        one year and standard error is a terminal, where the bar redraws in place).
    client : dask.distributed.Client or "local", optional
        Run the years of a panel as tasks on a Dask cluster, each worker loading
        its own years (and running every method of the list on them);
        ``"local"`` starts (and afterwards closes) a ``LocalCluster`` with one
        single-threaded worker per core. Results equal the in-process path's up
        to the rounding of multi-threaded BLAS (~1e-15 relative).
    **options
        Passed to the method (to every method of a list; a pair's own options
        take precedence). Every method takes ``groups={name: [countries]}``
        (a set of countries treated as one exporter, trade among members
        domestic). Methods that take ``groups=`` get the table's
        ``default_groups`` (e.g. ICIO's China/Mexico splits merged), also
        beside the groups given (see :func:`gvcdecomp.groups.resolve`);
        ``groups=None`` keeps every country separate.
    exporter, importer, sector : str or list of str, optional
        Keep only these exporters, importers or exporting sectors, in the order
        given (as Stata icio's ``exporter()`` and ``importer()``): the result
        equals the unfiltered result's ``.sel(exporter=[...], ...)``, a single
        code keeping its dimension (length 1). Codes are the table's countries
        and sectors; with ``groups=`` the exporters and importers are the
        regions, so a group's name is a code (``groups="EU27",
        exporter="EU27"``) and its members are not. A built-in group name
        without ``groups=`` is an unknown code: the filter selects, it does not
        merge. ``exporter=`` selects the dimension ``exporter``, or
        ``country`` for ``leontief`` with ``post="final"`` or ``"output"``
        (the country whose final goods or output are decomposed); ``sector=``
        the dimension ``sector`` (never ``source_sector``).

        Work saved: ``wwz`` runs its kernel over the asked exporters' (and
        sectors') rows only and solves for their final-demand columns only,
        without the diagonal blocks of B when few exporters are asked (WIOD
        2013, 2011, ``exporter="USA"``: about 2.5 times faster);
        ``leontief`` solves for the asked rows' columns of B instead of
        forming the dense B (about 9 times faster). ``kww`` and ``bm`` (and
        ``importer=`` everywhere) compute the whole result and select from it.
        ``gap_world`` (with published output) is then the total gap over the
        selection.

        An unknown code raises :class:`~gvcdecomp.errors.UnknownLabelError`
        naming it and listing the codes there are; a filter whose dimension
        the method's result lacks (``importer=`` on ``kww``, ``sector=`` on
        ``bm`` at the exporter level, ``importer=`` on ``leontief`` with
        ``post="final"``) raises :class:`~gvcdecomp.errors.OptionError`,
        also for a list of methods, where a filter applies to every method:
        give it in the pairs of the methods it concerns instead,
        ``[("wwz", {"importer": "USA"}), "kww"]``. Both before any
        table is loaded or factorised (codes: before each table is factorised).

    Returns
    -------
    xarray.Dataset, or dict of them for a list of methods
        As documented by each method; a panel adds a leading ``year`` dimension.

    Raises :class:`~gvcdecomp.errors.OptionError` for an unknown method or
    option, a malformed list, or the same method with the same options twice;
    before any table is loaded or any method run.
    """
    given = {"exporter": exporter, "importer": importer, "sector": sector}
    specs = method_specs(method, {**options, **{k: v for k, v in given.items() if v is not None}})
    if isinstance(data, IOTable):
        out = run_all(data, specs)
    elif isinstance(data, Panel):
        if progress is None:  # off a terminal a bar leaves \r fragments behind (logs, files)
            from ..sources.download import on_terminal

            progress = len(data) > 1 and on_terminal(sys.stderr)
        show = progress
        desc = "+".join(specs)
        if client is None:
            years = tqdm(data.years, desc=desc, disable=not show)
            # one year at a time: the table and its core are freed when run_year returns,
            # its results copied into arrays of every year (YearStacker); warnings are
            # held while the bar runs, the years' balance findings summarised
            stacks = {k: YearStacker(len(data)) for k in specs}
            with data.collecting(hold=True):
                for y in years:
                    for k, r in run_year(data, y, data[y], specs).items():
                        stacks[k].add(r)
            parts = {k: s.parts for k, s in stacks.items()}
            arrays = {k: s.arrays for k, s in stacks.items()}
        else:
            from ..distributed import map_years

            per_year = map_years(data, specs, client, show, desc=desc)
            parts, arrays = {k: [r[k] for r in per_year] for k in specs}, {}
        # concat_years refuses differing country/sector sets (concat would fill them with NaN)
        out = {k: concat_years(parts[k], data.years, arrays.get(k)) for k in specs}
    else:
        hint = " (for a dict of tables: gd.Panel(years, tables.get, source))"
        hint = hint if isinstance(data, Mapping) else ""
        raise OptionError(
            f"decompose expects an IOTable or a Panel{hint}, got {type(data).__name__}"
        )
    return out[method] if isinstance(method, str) else out


def method_specs(method, options: dict) -> dict:
    """``{label: (function, options)}`` for a method name or a list of methods.

    Checks every name and option (see :func:`decompose`); labels as documented there.
    """
    if isinstance(method, str):
        items = [method]
    elif isinstance(method, list | tuple) and method:
        items = list(method)
    else:
        raise OptionError(
            f"method must be a name or a non-empty list of names or (name, options) pairs, "
            f"got {method!r}"
        )
    parsed = []
    for item in items:
        own = {}
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Mapping):
            item, own = item
        if not isinstance(item, str) or item not in METHODS:
            raise OptionError(f"unknown method {item!r}; available: {', '.join(METHODS)}")
        parsed.append((item, dict(own)))
    names = [name for name, _ in parsed]
    specs = {}
    for name, own in parsed:
        label = name if names.count(name) == 1 or not own else f"{name}[{_tag(own)}]"
        if label in specs:
            raise OptionError(f"method {label!r} is asked for twice with the same options")
        opts = {**options, **own}
        _check_options(METHODS[name], opts)
        specs[label] = (METHODS[name], _check_filters(name, label, opts))
    return specs


def _check_filters(name: str, label: str, options: dict) -> dict:
    """``options`` with each filter as a list of codes, checked against the
    dimensions of the method's result where the options tell them."""
    from ..vocabulary import canonical_options

    rest, filters = _filters.split(options)
    if not filters:
        return rest
    filters = {k: _filters.as_list(k, v) for k, v in filters.items()}
    dims = _filters.dims_of(name, canonical_options(rest))
    if dims is not None:
        _filters.check_dims(label, filters, dims)
    return {**rest, **filters}


def _tag(options: dict) -> str:
    def short(v):
        return "{" + ",".join(map(str, v)) + "}" if isinstance(v, Mapping) else str(v)

    return ", ".join(f"{k}={short(v)}" for k, v in options.items())


def _check_options(fn, options: dict) -> None:
    params = inspect.signature(fn).parameters
    unknown = set(options) - set(params) - {"table", *_filters.FILTERS}
    if unknown:
        accepted = [p for p in params if p not in ("table", *_filters.FILTERS)]
        accepted += _filters.FILTERS
        raise OptionError(
            f"{fn.__name__}: unknown option(s) {', '.join(sorted(unknown))}; "
            f"accepted: {', '.join(accepted) or 'none'}"
        )


def run_all(table, specs: dict) -> dict:
    """``{label: fn(table, **options)}`` for every spec of :func:`method_specs`.

    The filters' codes are checked against the table before anything is
    computed. The Leontief core is computed once, with every BLAS thread (a
    large LU gains from them); the methods then run with the thread setting of
    :func:`gvcdecomp.threads.for_methods`. When one of them forms the dense B
    (:func:`forms_B`), every method of the call reads its solves and blocks from
    that B (:func:`gvcdecomp.core.dense_solves`).
    """
    ready = {label: _prepare(fn, table, opts) for label, (fn, opts) in specs.items()}
    table.core
    dense = any(forms_B(specs[label][0], {**ready[label][0], **ready[label][1]}) for label in specs)
    with threads.for_methods(table.n), dense_solves() if dense else nullcontext():
        return {label: _compute(label, specs[label][0], table, *ready[label]) for label in specs}


def forms_B(fn, options: dict) -> bool:
    """Whether method ``fn`` with ``options`` (its own and its filters) forms the
    dense B: Leontief at full detail, Borin–Mancini's pair perimeters (see each
    method's ``forms_B``); the others never do."""
    test = getattr(fn, "forms_B", None)
    return bool(test and test(**options))


def run_year(panel: Panel, year: int, table, specs: dict) -> dict:
    """:func:`run_all` on ``table``, the panel's ``year``; an unknown code (a
    filter's, a group member) is named with the year that lacks it, as other
    years may have it."""
    try:
        return run_all(table, specs)
    except UnknownLabelError as e:
        raise UnknownLabelError(f"{panel.source} {year}: {e}") from e


def run(fn, table, options: dict) -> xr.Dataset:
    """``fn(table, **options)``, with the table's default groups unless overridden
    and the filters applied (see :func:`decompose`)."""
    return _compute(fn.__name__, fn, table, *_prepare(fn, table, options))


def _prepare(fn, table, options: dict) -> tuple[dict, dict, dict]:
    """The method's options (groups resolved, the table's default groups), the
    filters it computes itself and those selected afterwards, codes checked."""
    from ..core import partition
    from ..groups import resolve
    from ..vocabulary import canonical_options

    _check_options(fn, options)
    params = inspect.signature(fn).parameters
    options = canonical_options(options)  # R decompr / Stata icio spellings
    options, filters = _filters.split(options)
    if "groups" in options:  # names such as "EU27" -> the table's codes
        options["groups"] = resolve(options["groups"], table)
    if table.default_groups and "groups" not in options and "groups" in params:
        options = {**options, "groups": table.default_groups}
    if not filters:
        return options, {}, {}
    regions = partition(table.countries, options.get("groups"))[1]
    for name, value in filters.items():
        value = filters[name] = _filters.as_list(name, value)
        if name == "sector":
            _filters.check_known(name, value, table.sectors, "sector")
        else:
            what = "country or group" if options.get("groups") else "country"
            _filters.check_known(name, value, regions, what, options.get("groups"))
    native = {k: v for k, v in filters.items() if k in params}
    return options, native, {k: v for k, v in filters.items() if k not in params}


def _compute(label: str, fn, table, options: dict, native: dict, post: dict) -> xr.Dataset:
    from ..vocabulary import describe

    ds = fn(table, **options, **native)
    if native or post:
        dims = _filters.check_dims(label, post, tuple(ds.dims))
        ds = ds.sel({dims[k]: v for k, v in post.items()})
        for k, v in {**native, **post}.items():
            ds.attrs[f"option_{k}"] = str(v)
        if "gap_world" in ds.attrs:  # the total over what is kept, as the method does
            ds.attrs["gap_world"] = float(ds["gap"].values.sum())
    return describe(ds)
