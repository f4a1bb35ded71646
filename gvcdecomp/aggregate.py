"""Aggregating a table: countries into regions, industries into other industries."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .core import partition
from .errors import GVCError, LabelError, OptionError, UnknownLabelError
from .groups import resolve
from .panel import Panel
from .table import OUTPUT_GAP_WARN, IOTable

#: Largest gap between 1 and the sum of an old industry's split weights.
WEIGHT_TOL = 1e-9


def aggregate(table, countries=None, sectors=None):
    r"""Sum a table into regions and/or other industries; returns a new :class:`IOTable`.

    With the country aggregation matrix ``C`` (G' x G; ``C[g, h] = 1`` when
    old country h belongs to new region g) and the industry matrix ``S``
    (N' x N; ``S[i, j]`` is the share of old industry j going to new industry
    i: 1 for a plain merge, the given weight for a split), the row operator is
    ``R = C ⊗ S`` (country-major, as the table) and

    - ``Z' = R Z Rᵀ``                       intermediate use,
    - ``Y'[:, :, k] = R Y[:, :, k] Cᵀ``     final use by destination and category,
    - ``x' = R x``, ``va' = R va``          stored output and value added, when given.

    Each column of R sums to one (``uᵀR = uᵀ``), so total output, total final
    demand, total value added and every row balance are preserved: the new
    table is balanced whenever the old one is. Reference: Miller & Blair
    (2009), *Input-Output Analysis*, 2nd ed., section 4.3 (aggregation
    matrices). Units are those of the table.

    Parameters
    ----------
    table : IOTable or Panel
        A Panel gives a Panel whose years are aggregated as they are loaded.
    countries : dict or str, optional
        ``{new code: [old codes]}``, e.g. ``{"EU27": ["AUT", "BEL", ...]}``, or
        a built-in group name (``"EU27"``, or ``{"EU": "EU27_2020"}``; see
        :mod:`gvcdecomp.groups`).
        Countries not named in any group are kept as themselves (as with
        ``groups=`` in :func:`~gvcdecomp.decompose`), so merging a few
        countries does not require listing all the others; a new code may not
        equal a country kept that way.
    sectors : dict or pandas.DataFrame, optional
        ``{new code: [old codes]}`` (many-to-one; unnamed industries are kept
        as themselves), or a concordance table with columns ``old`` and
        ``new`` and, for one-to-many splits, ``weight`` (the weights of each
        old code sum to 1), such as :func:`gvcdecomp.concordances.concordance`
        returns with weights added. A concordance changes the classification,
        so it must cover every industry of the table.

    Returns
    -------
    IOTable
        Same final-demand categories, year, units and gross-output choice
        (``output=``); ``source`` notes the aggregation. The table's ``notes``
        (known properties of its source) carry over, except those it derived
        from its own rows, which the new table states for its rows. A
        ``resolution`` (values rounded to whole units) carries over scaled so
        that gaps the rounding explains are again recognised rather than
        warned: summing rounded values adds their rounding, and the
        new resolution is the old one times ``max_r Σ_i R_ri`` (the most old
        rows in a new row) times the ratio of the old to the new count of
        values in a row (GN + GK + 1), the worst case of any new row (lowered when a
        row's gap exceeds its own worst case, so that gap is still warned). The table's
        ``default_groups`` (e.g. ICIO's China/Mexico splits) carry over in the
        new codes; a group the aggregation merges into one region is no longer
        needed, and one whose members it spreads over regions shared with
        other countries is dropped with a warning. Groups given by name
        (``"NAFTA"``) merge only their members, the default groups being
        carried on; a listed code that names a default group (ICIO's ``CHN``)
        stands for all its parts, as in ``groups=``. New codes come in
        order of first appearance: walking the old codes in table order, each
        new code is placed where its first member is (for a split, its targets
        in the order of the concordance rows).

    Raises
    ------
    UnknownLabelError
        A mapping names a code the table does not have.
    OptionError
        A code is in two groups, a group is empty or a string, a split has no
        weights, weights are negative or do not sum to 1 (each message names
        the codes).
    LabelError
        A concordance leaves industries of the table out, or a new code
        collides with a code kept as itself.

    Notes
    -----
    Aggregation changes the Leontief inverse: ``B' = (I - A')⁻¹`` of the
    aggregated table is not the aggregate of ``B``, except when the merged
    units have identical input coefficients (then R B = B' R). Value-added
    results of the aggregated table therefore differ from the summed results
    of the detailed one (aggregation bias; Miller & Blair 2009, section 4.3).
    To treat several countries as one exporter while keeping the detailed
    model, use ``gd.decompose(table, method, groups={"EU": [...]})`` instead,
    which leaves the inverse unchanged.

    A split (weights) divides an old industry's row and column in the same
    proportions in every country: the parts get the old industry's input
    structure and sales pattern. Weights must come from data (for instance
    output shares in a table of the target classification); the concordance
    files give none.
    """
    if isinstance(table, Panel):  # each year aggregated when it is loaded
        return Panel(table.years, lambda y: aggregate(table[y], countries, sectors), table.source)
    if not isinstance(table, IOTable):
        raise TypeError(f"aggregate expects an IOTable or a Panel, got {type(table).__name__}")
    if isinstance(countries, str | Mapping):  # listed CHN brings CN1, CN2 in, named or not
        # the default groups (ICIO's China/Mexico splits) are carried on, not merged into
        # the table: that would change its Leontief inverse (sources/icio.py)
        countries = resolve(countries, table, defaults=False)
    C, new_countries = _group_matrix(table.countries, countries, "country")
    if isinstance(sectors, pd.DataFrame):
        S, new_sectors = _concordance_matrix(table.sectors, sectors)
    else:
        S, new_sectors = _group_matrix(table.sectors, sectors, "sector")
    G, N, K = table.G, table.N, len(table.fd_categories)
    G2, N2 = len(new_countries), len(new_sectors)

    Z = table.Z.reshape(G, N, G, N)
    Z = _along(C, _along(S, _along(C, _along(S, Z, 3), 2), 1), 0)
    Y = table.Y.reshape(G, N, G, K)
    Y = _along(C, _along(S, _along(C, Y, 2), 1), 0)

    def rows(a):
        return None if a is None else _along(C, _along(S, a.reshape(G, N), 1), 0).ravel()

    new_row_values = G2 * N2 + G2 * K + 1
    x_new = rows(table.x_stored)
    gap = None if x_new is None else Z.sum(axis=(2, 3)).ravel() + Y.sum(axis=(2, 3)).ravel() - x_new
    resolution, note = _resolution(table, C, S, new_row_values, gap, x_new)
    out = IOTable(
        Z.reshape(G2 * N2, G2 * N2), Y.reshape(G2 * N2, G2, K), new_countries, new_sectors,
        table.fd_categories, x=rows(table.x_stored), va=rows(table.va_stored),
        output=table.output, year=table.year, units=table.units,
        source=f"{table.source}; aggregated from {G} to {G2} countries and {N} to {N2} sectors",
        resolution=resolution,
    )  # fmt: skip
    if note:
        out.notes.insert(0, note)
    derived = [d["message"] for d in table.diagnostics.values() if not d.get("warn")]
    out.notes[:0] = [n for n in table.notes if not any(n.startswith(m) for m in derived)]
    out.default_groups = _carried_groups(table, C.argmax(axis=0), new_countries)
    return out


def _resolution(table, C, S, new_row_values: int, gap, x) -> tuple[float | None, str]:
    """Resolution of the aggregated table that keeps its rounding bound honest, and a note.

    The table explains a gap between stored output and row sum up to
    ``resolution * (values in a row)`` (:class:`~gvcdecomp.table.IOTable`).
    An aggregated row is ``Σ_i R_ri`` old rows (R = C ⊗ S), and each of its
    values sums old values whose columns of R sum to one, so its gap is
    ``Σ_i R_ri gap_i`` and can reach ``res * Σ_i R_ri * (old values in a
    row)``. The smallest resolution whose bound covers every new row is that
    worst case divided by the new row's count of values; it is the old one
    when nothing is merged. Rows with fewer members get a looser bound than
    their own worst case, except that a row whose gap (``gap``, row sum less stored
    output ``x``) exceeds its own worst case, and 0.1 % of its output, must still be
    warned: the resolution is then lowered below that gap.
    """
    if not table.resolution:
        return None, ""
    old_row_values = table.n + table.Y.shape[1] * table.Y.shape[2] + 1
    per_row = np.kron(C.sum(axis=1), S.sum(axis=1))  # Σ_i R_ri of each new row
    members = float(per_row.max())
    resolution = float(table.resolution * members * old_row_values / new_row_values)
    scaled, lowered = resolution, ""
    if gap is not None:
        own = table.resolution * per_row * old_row_values
        real = np.abs(gap)[(np.abs(gap) >= own) & (np.abs(gap) > OUTPUT_GAP_WARN * np.abs(x))]
        if real.size:  # a shared bound at or below the smallest real gap
            resolution = min(resolution, float(real.min()) * (1 - 1e-9) / new_row_values)
            lowered = (f"; lowered to {resolution:.6g} so that the {real.size} row(s) whose gap "
                       "exceeds the rounding of their own old rows are warned")
    note = (
        f"aggregated from a table whose values are multiples of {table.resolution:g} "
        f"({table.units}), rounded or truncated: a row here sums up to {members:g} rows of "
        f"it, {members * old_row_values:g} rounded values, so the resolution is set to "
        f"{scaled:.6g}, for which the bound resolution x {new_row_values} values per "
        f"row covers their rounding{lowered} (the values are still multiples of "
        f"{table.resolution:g})"
    )
    return resolution, note


def _carried_groups(table, region, new_countries) -> dict:
    """The table's default groups in the new country codes (``region``: new index of each old country).

    A group whose members all become one region (alone or with other
    countries, e.g. MEX's parts inside NAFTA) needs no group any more; one whose
    members are spread over regions, some shared with countries outside it (it
    would take them in), or whose name is now a country outside it, is dropped
    with a warning; one carried on over a region the aggregation named (P for
    MX1) is warned, as methods merge that region into the group.
    """
    out = {}
    for name, members in table.default_groups.items():
        idx = [table.country_index(m) for m in members]
        new = list(dict.fromkeys(int(region[i]) for i in idx))
        if len(new) == 1:  # one region (perhaps with other countries) does the group's work
            continue
        outsiders = [c for j, c in enumerate(table.countries) if region[j] in new and j not in idx]
        if outsiders:
            warnings.warn(
                f"default group {name!r} ({', '.join(members)}) dropped: the aggregation "
                f"merges its members with {', '.join(outsiders)}",
                UserWarning,
                stacklevel=3,
            )
        elif len(new) > 1:
            members = [new_countries[g] for g in new]
            try:
                partition(new_countries, {name: members})
            except GVCError as e:  # e.g. the group's name is now a country outside it
                warnings.warn(f"default group {name!r} dropped: {e}", UserWarning, stacklevel=3)
                continue
            renamed = [m for m in members if m not in table.default_groups[name]]
            if renamed:  # the user's new region would vanish into the group unannounced
                warnings.warn(
                    f"default group {name!r} carried on as {', '.join(members)}: methods "
                    f"merge {', '.join(renamed)} into {name!r} (groups=None keeps it apart)",
                    UserWarning,
                    stacklevel=3,
                )
            out[name] = members
    return out


def _along(M: np.ndarray, a: np.ndarray, axis: int) -> np.ndarray:
    """Apply the matrix M to one axis of a: ``out[..., i, ...] = Σ_j M[i, j] a[..., j, ...]``."""
    return np.moveaxis(np.tensordot(M, a, axes=([1], [axis])), 0, axis)


def _group_matrix(codes, mapping, what):
    """Aggregation matrix of a ``{new: [old, ...]}`` mapping; unnamed codes kept."""
    if mapping is None:
        return np.eye(len(codes)), tuple(codes)
    if not isinstance(mapping, Mapping):
        raise OptionError(
            f"{what} mapping must be a dict {{new code: [old codes]}}, got {type(mapping).__name__}"
        )
    owner, overlaps = {}, []
    for new, members in mapping.items():
        new = str(new)
        if isinstance(members, str) or not np.iterable(members):
            raise OptionError(
                f"{what} group {new!r}: give a list of codes, not {members!r}"
            )
        members = [str(m) for m in members]
        if not members:
            raise OptionError(f"{what} group {new!r} has no members")
        for m in members:
            if m in owner:
                overlaps.append(f"{m!r} (in {owner[m]!r} and {new!r})")
            owner[m] = new
    if overlaps:
        raise OptionError(f"{what} groups overlap: " + ", ".join(overlaps))
    _check_known(owner, codes, what)
    kept = set(codes) - set(owner)
    clash = sorted(set(owner.values()) & kept)
    if clash:
        raise LabelError(
            f"new {what} code(s) {', '.join(map(repr, clash))} equal {what} code(s) of the "
            "table that no group names (those are kept as themselves); rename the group"
        )
    return _matrix(codes, [(c, owner.get(c, c), 1.0) for c in codes])


def _concordance_matrix(codes, df: pd.DataFrame):
    """Aggregation matrix of a concordance table (old, new[, weight])."""
    missing_cols = {"old", "new"} - set(df.columns)
    if missing_cols:
        raise OptionError(
            "a sector concordance needs columns 'old' and 'new' (and 'weight' for splits); "
            f"missing {', '.join(sorted(missing_cols))}"
        )
    old = df["old"].astype(str).tolist()
    new = df["new"].astype(str).tolist()
    _check_known(old, codes, "sector")
    missing = [c for c in codes if c not in set(old)]
    if missing:
        raise LabelError(
            "the sector concordance does not cover the table's sector(s) " + ", ".join(missing)
        )
    dup = sorted(p for p, k in Counter(zip(old, new)).items() if k > 1)
    if dup:
        raise OptionError(
            "the sector concordance repeats the link(s) " + ", ".join(f"{a}->{b}" for a, b in dup)
        )
    counts = pd.Series(old).value_counts()
    if "weight" not in df.columns:
        split = [c for c in codes if counts.get(c, 0) > 1]
        if split:
            raise OptionError(
                "sector(s) " + ", ".join(split) + " map to several new sectors: add a 'weight' "
                "column (weights of each old code summing to 1, taken from data)"
            )
        weights = [1.0] * len(old)
    else:
        w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(dtype=float)
        bad = sorted({o for o, wi in zip(old, w) if not (np.isfinite(wi) and wi >= 0)})
        if bad:
            raise OptionError(
                "sector concordance weights must be finite and non-negative; see old code(s) "
                + ", ".join(bad)
            )
        sums = pd.Series(w).groupby(pd.Series(old)).sum()
        off = [f"{c} (sum {sums[c]:.6g})" for c in codes if abs(sums[c] - 1.0) > WEIGHT_TOL]
        if off:
            raise OptionError(
                "the weights of each old sector must sum to 1; they do not for " + ", ".join(off)
            )
        weights = w.tolist()
    return _matrix(codes, list(zip(old, new, weights)))


def _check_known(mapped, codes, what):
    unknown = [c for c in dict.fromkeys(mapped) if c not in set(codes)]
    if unknown:
        raise UnknownLabelError(
            f"unknown {what} code(s) {', '.join(map(repr, unknown))}; the table has "
            + ", ".join(codes)
        )


def _matrix(codes, triples):
    """(N', N) matrix from (old, new, weight) triples; new codes in first-appearance order."""
    position = {c: i for i, c in enumerate(codes)}
    triples = sorted(triples, key=lambda t: position[t[0]])  # stable: mapping order within a code
    new_codes = tuple(dict.fromkeys(t[1] for t in triples))
    row = {c: i for i, c in enumerate(new_codes)}
    M = np.zeros((len(new_codes), len(codes)))
    for o, n, w in triples:
        M[row[n], position[o]] += w
    return M, new_codes
