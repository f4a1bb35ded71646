"""Progress bars are drawn on a terminal only: redirected or captured stderr gets no
carriage-return fragments (a log file or notebook cell kept every redraw)."""

import hashlib
import io
import sys

import pytest
from httpserve import Server

from gvcdecomp.cli import main
from gvcdecomp.sources import download

PAYLOAD = bytes(range(256)) * 4000  # 1 MB: several chunks, so several redraws


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_OFFLINE", raising=False)
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)
    with Server() as s:
        s.files["/data/bundle.zip"] = PAYLOAD
        yield lambda: download.fetch("wiod2016", "bundle.zip", s.url + "/data/bundle.zip",
                                     hashlib.sha256(PAYLOAD).hexdigest(), size=len(PAYLOAD))  # fmt: skip


def test_download_to_a_non_terminal_prints_the_notice_only(served, capsys):
    path = served()
    assert path.read_bytes() == PAYLOAD
    err = capsys.readouterr().err
    assert "\r" not in err, err  # before: one fragment per redraw
    (line,) = err.splitlines()
    assert line.startswith("gvcdecomp: downloading bundle.zip (1.0 MB) from ")


def test_download_to_a_terminal_draws_the_bar(served, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    served()
    shown = terminal.getvalue()
    assert shown.startswith("gvcdecomp: downloading bundle.zip") and "\rbundle.zip:" in shown


@pytest.mark.parametrize("stream", [io.StringIO(), None, Terminal()])
def test_on_terminal(stream, monkeypatch):
    if stream is not None and stream.isatty():
        assert download.on_terminal(stream)
    else:
        assert not download.on_terminal(stream)  # None: no stderr at all (pythonw)
    closed = io.StringIO()
    closed.close()
    assert not download.on_terminal(closed)


def test_reproduce_over_years_draws_no_bar_off_a_terminal(wiod2013_dir, capsys, monkeypatch):
    assert main(["reproduce", "--path", str(wiod2013_dir), "--year", "2010-2011"]) == 0
    out, err = capsys.readouterr()
    assert "\r" not in err and "2/2" not in err, err
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["reproduce", "--path", str(wiod2013_dir), "--year", "2010-2011"]) == 0
    assert "\rWIOD 2013: 100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert capsys.readouterr().out == out  # the figures themselves are unchanged


def _panel():
    import gvcdecomp as gd
    from conftest import random_table

    return gd.Panel([2001, 2002], lambda y: random_table(seed=y - 2000), "t")


def test_panel_bar_only_on_a_terminal(capsys, monkeypatch):
    import gvcdecomp as gd

    gd.decompose(_panel(), "kww")  # stderr captured: not a terminal
    assert "\r" not in capsys.readouterr().err
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    gd.decompose(_panel(), "kww")
    assert "2/2" in term.getvalue()  # on a terminal the default still draws the bar
