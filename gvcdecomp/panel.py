"""Several years of one source, loaded one year at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

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
                f"({self.years[0]}–{self.years[-1]})" if self.years else f"empty panel"
            )
        return self._load(year)

    def __iter__(self):
        return iter(self.years)

    def __len__(self):
        return len(self.years)

    def __repr__(self):
        return f"<Panel {self.source}: {len(self)} years {list(self.years)}>"
