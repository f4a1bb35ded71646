"""The error for a file that must be downloaded but cannot be: short, naming the file and
the three ways to provide it, as the caller writes them (--path on the command line,
path= in Python). Before: about 800 characters, and path= on the command line too.
A download that fails from a mirror the user set must not advise setting a mirror: it
names the mirror setting to check."""

import pytest

import gvcdecomp as gd
from gvcdecomp.cli import main
from gvcdecomp.errors import DataNotFoundError
from gvcdecomp.sources import download

URL = download.pinned("wiod2013")["wiot_2011.RData"].url
WAYS = ("$GVCDECOMP_DATA_DIR/wiod2013/", "GVCDECOMP_MIRROR")


@pytest.fixture(autouse=True)
def nothing_local(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_DATA_DIR", raising=False)
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)


def nowhere(monkeypatch, how, mirror="http://127.0.0.1:1/"):
    """No data and no way to fetch it: downloads off, or a mirror that fails (by default
    nothing listens on port 1: as a machine without internet)."""
    if how == "offline":
        monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    else:
        monkeypatch.delenv("GVCDECOMP_OFFLINE", raising=False)
        monkeypatch.setenv("GVCDECOMP_MIRROR", mirror)


def check(msg: str, how: str, option: str, other: str) -> None:
    assert "wiot_2011.RData" in msg and all(w in msg for w in WAYS), msg
    assert f"pass its folder as {option} or put it in " in msg and other not in msg
    assert (URL in msg) if how == "offline" else ("could not download wiot_2011.RData" in msg)
    assert "\n" not in msg and len(msg) < 500, len(msg)  # the URL alone is 110 characters


@pytest.mark.parametrize("how", ["offline", "no network"])
def test_python_names_the_keyword(monkeypatch, how):
    nowhere(monkeypatch, how)
    with pytest.raises(DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    check(str(e.value), how, "path=", "--path")


@pytest.mark.parametrize("how", ["offline", "no network"])
def test_command_line_names_the_flag(monkeypatch, capsys, how):
    nowhere(monkeypatch, how)
    assert main(["reproduce"]) == 2
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if x.startswith("gvcdecomp: DataNotFoundError: ")]
    check(line.removeprefix("gvcdecomp: DataNotFoundError: "), how, "--path", "path=")
    # the command's wording ends with the command
    with pytest.raises(DataNotFoundError, match="as path= or"):
        gd.load_wiod2013(2011)


def test_failed_mirror_is_named_not_recommended(tmp_path, monkeypatch):
    mirror = (tmp_path / "empty-mirror").as_uri()  # reachable, but without the file
    nowhere(monkeypatch, "no network", mirror)
    with pytest.raises(DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    msg = str(e.value)
    assert "could not download wiot_2011.RData" in msg and "\n" not in msg
    assert "pass its folder as path= or put it in $GVCDECOMP_DATA_DIR/wiod2013/" in msg
    assert "set GVCDECOMP_MIRROR" not in msg and "Without a network" not in msg, msg
    assert f"Check GVCDECOMP_MIRROR={mirror}" in msg and "wiod2013/wiot_2011.RData" in msg
