"""plot_smile when no contributor reaches min_share: a clear OptionError naming the
largest share, not matplotlib's 'Axis limits cannot be NaN or Inf'."""

import pytest
from conftest import random_table

import gvcdecomp as gd

pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def agg(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")


def test_min_share_above_every_contributor_is_an_option_error():
    from gvcdecomp.plots import plot_smile

    t = random_table(4, 3)
    ds = gd.smile_curve(t, t.countries[0], t.sectors[0])
    largest = float(ds["va_share"].max())
    assert largest < 0.99  # the chain has no contributor of 99 %
    with pytest.raises(gd.OptionError, match=r"plot_smile: no contributor .* min_share=0\.99") as e:
        plot_smile(ds, min_share=0.99)
    assert f"{100 * largest:.1f} %" in str(e.value)
    plot_smile(ds, min_share=largest)  # the largest itself is drawn
