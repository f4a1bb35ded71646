"""The blocks of a table whose rows and columns are labelled (country, code) pairs.

WIOD 2016 and the long-run WIOD publish their world tables this way: a row and
a column per country x industry, final-demand columns per country, and totals
(value added, gross output) filed under a pseudo-country. Each reader turns its
file into such labels and values; :func:`assemble` checks them and cuts out
the blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import FileFormatError
from ..table import repeated


@dataclass(frozen=True)
class Scheme:
    """How one release labels its table.

    ``total``: the pseudo-country of the totals rows and columns;
    ``fd_categories``: the final-demand categories of the table object;
    ``fd_codes``: their column codes in the file, in the same order; ``output``: the code of the gross-output
    column under ``total``; ``va_rows``: the totals rows summed into value added;
    ``total_rows``/``total_cols``: every code allowed under ``total`` (others
    are refused); ``sep``: what joins country and code in messages, as the
    publisher writes labels.
    """

    total: str
    fd_categories: tuple
    fd_codes: tuple
    output: str
    va_rows: tuple
    total_rows: tuple
    total_cols: tuple
    sep: str = " "


def shown(text: str) -> str:
    """A label as messages print it: escaped when it holds an invisible character or
    surrounding blanks, with which it would print like another label."""
    return text if text.isprintable() and text == text.strip() else repr(text)


def assemble(where, rows, cols, values, scheme: Scheme) -> dict:
    """Z, Y, x and va (keyword arguments of IOTable) from a labelled table.

    ``rows``/``cols`` are ``(country, code)`` pairs, ``values`` the (rows, cols)
    array, NaN where a cell was empty or not a number. Countries and industries
    are the row labels outside ``scheme.total``, in order of first appearance;
    every country x industry row and column, the final-demand columns of every
    country, the gross-output column and the value-added rows must be there
    exactly once, and nothing else but the other totals of the scheme. Raises
    :class:`~gvcdecomp.errors.FileFormatError` naming ``where`` and the labels at fault.
    """
    s = scheme

    def name(label):
        return shown(f"{label[0]}{s.sep}{label[1]}")

    for what, labels in (("row", rows), ("column", cols)):
        dup = repeated(labels)
        if dup:
            raise FileFormatError(
                f"{where}: duplicated labels: {what} {name(dup[0])} appears more than once"
            )
    countries = list(dict.fromkeys(c for c, _ in rows if c != s.total))
    sectors = list(dict.fromkeys(i for c, i in rows if c != s.total))
    if not countries:
        raise FileFormatError(f"{where}: no country-industry rows")
    row_at = {k: p for p, k in enumerate(rows)}
    col_at = {k: p for p, k in enumerate(cols)}

    def positions(keys, at, what):
        missing = [name(k) for k in keys if k not in at]
        if missing:
            raise FileFormatError(
                f"{where}: {len(missing)} {what} missing, e.g. {', '.join(missing[:5])}"
            )
        return np.array([at[k] for k in keys], dtype=np.intp)

    cells = [(c, i) for c in countries for i in sectors]
    fd = [(c, k) for c in countries for k in s.fd_codes]
    r_z = positions(cells, row_at, "country-industry row(s)")
    c_z = positions(cells, col_at, "intermediate-use column(s)")
    c_y = positions(fd, col_at, "final-demand column(s)")
    c_x = positions([(s.total, s.output)], col_at, "gross-output column")[0]
    r_va = positions([(s.total, r) for r in s.va_rows], row_at, "value-added row(s)")
    extra_rows = [name(k) for k in rows if k[0] == s.total and k[1] not in s.total_rows]
    known = set(cells) | set(fd) | {(s.total, m) for m in s.total_cols}
    extra_cols = [name(k) for k in cols if k not in known]
    if extra_rows or extra_cols:
        raise FileFormatError(
            f"{where}: unexpected "
            + "; ".join(
                f"{what} {', '.join(sorted(e)[:5])}"
                for what, e in (("row(s)", extra_rows), ("column(s)", extra_cols))
                if e
            )
        )
    blocks = {  # name -> (values, row positions, column positions)
        "Z": (values[np.ix_(r_z, c_z)], r_z, c_z),
        "Y": (values[np.ix_(r_z, c_y)], r_z, c_y),
        "x": (values[r_z, c_x][:, None], r_z, [c_x]),
        "va": (values[np.ix_(r_va, c_z)], r_va, c_z),
    }
    for block_name, (block, r_idx, c_idx) in blocks.items():
        bad = np.argwhere(np.isnan(block))
        if bad.size:
            i, j = bad[0]
            raise FileFormatError(
                f"{where}: {len(bad)} empty or non-numeric cell(s) in {block_name}, e.g. row "
                f"{name(rows[r_idx[i]])}, column {name(cols[c_idx[j]])}"
            )
    return {
        "Z": blocks["Z"][0],
        "Y": blocks["Y"][0].reshape(len(cells), len(countries), len(s.fd_codes)),
        "countries": countries,
        "sectors": sectors,
        "fd_categories": s.fd_categories,
        "x": blocks["x"][0][:, 0],
        "va": blocks["va"][0].sum(axis=0),
    }
