"""A tiny made-up table for examples, docstrings and the demo."""

from __future__ import annotations

import numpy as np

from .table import IOTable


def tiny_table() -> IOTable:
    """Three made-up countries (AAA, BBB, CCC) x three industries (agr, man, srv).

    The numbers are invented for illustration and correspond to no real
    economy; units are arbitrary. Two final-demand categories (HH, GOV).
    """
    Z = np.array(
        [
            [20, 30, 5, 2, 6, 1, 1, 3, 0],
            [10, 60, 15, 4, 20, 3, 2, 10, 2],
            [8, 25, 30, 1, 4, 3, 1, 2, 2],
            [3, 5, 1, 15, 25, 6, 2, 4, 1],
            [6, 18, 4, 12, 70, 18, 5, 14, 3],
            [1, 4, 2, 7, 28, 35, 1, 3, 3],
            [1, 2, 0, 1, 3, 1, 10, 12, 4],
            [3, 9, 2, 2, 12, 3, 8, 40, 9],
            [0, 2, 1, 1, 3, 2, 6, 15, 25],
        ],
        dtype=float,
    )
    rng = np.random.default_rng(2014)
    Y = np.round(rng.uniform(0, 12, size=(9, 3, 2)), 1)
    for s in range(3):  # most final demand is domestic
        Y[3 * s : 3 * s + 3, s, :] += 40
    return IOTable(
        Z, Y, ["AAA", "BBB", "CCC"], ["agr", "man", "srv"], ["HH", "GOV"],
        year=2014, source="gvcdecomp tiny example (made up)", units="made-up units",
    )  # fmt: skip
