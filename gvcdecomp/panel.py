"""Several years of one source, loaded one year at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .errors import UnknownLabelError


class Panel(Mapping):
    """Tables of one source by year, each read from disk when it is asked for.

    Tables are not kept, so a loop over the years needs the memory of one
    table; ``dict(panel)`` keeps them all when that is wanted.
    """

    def __init__(self, years: Iterable[int], load: Callable, source: str):
        self.years = tuple(int(y) for y in years)
        self._load = load
        self.source = source

    def __getitem__(self, year):
        if year not in self.years:
            raise UnknownLabelError(
                f"year {year!r} is not in this {self.source} panel "
                f"({self.years[0]}–{self.years[-1]})" if self.years else "empty panel"
            )
        return self._load(year)

    def __iter__(self):
        return iter(self.years)

    def __len__(self):
        return len(self.years)

    def __repr__(self):
        return f"<Panel {self.source}: {len(self)} years {list(self.years)}>"


def check_year(year, valid: range, what: str) -> int:
    """``year`` as an int if ``valid`` has it; :class:`UnknownLabelError` otherwise."""
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or year not in valid:
        raise UnknownLabelError(f"{what} has the years {valid[0]}–{valid[-1]}; got {year!r}")
    return int(year)


def table_or_panel(years, valid: range, what: str, load: Callable, source: str):
    """``load(year)`` for one year, a :class:`Panel` of ``load`` for several.

    ``what`` names the source in messages ("WIOD 2013"), ``source`` is its key.
    """
    if isinstance(years, str) or not isinstance(years, Iterable):
        return load(check_year(years, valid, what))
    years = [check_year(y, valid, what) for y in years]
    if not years:
        raise UnknownLabelError(f"no year asked for; {what} has {valid[0]}–{valid[-1]}")
    if len(set(years)) < len(years):
        raise UnknownLabelError(f"a year is asked for twice: {years}")
    return Panel(years, load, source)
