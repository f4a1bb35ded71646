"""A download that fails from a mirror the user set must not advise setting a mirror:
it names the mirror setting to check and the other two ways to provide the file."""

import pytest

import gvcdecomp as gd
from gvcdecomp.errors import DataNotFoundError


@pytest.fixture(autouse=True)
def nothing_local(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_DATA_DIR", raising=False)
    monkeypatch.delenv("GVCDECOMP_OFFLINE", raising=False)


def test_failed_mirror_is_named_not_recommended(tmp_path, monkeypatch):
    mirror = (tmp_path / "empty-mirror").as_uri()
    monkeypatch.setenv("GVCDECOMP_MIRROR", mirror)
    with pytest.raises(DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    msg = str(e.value)
    assert "could not download wiot_2011.RData" in msg
    assert "set GVCDECOMP_MIRROR" not in msg and "Without a network" not in msg, msg
    assert f"Check GVCDECOMP_MIRROR={mirror}" in msg and "wiod2013/wiot_2011.RData" in msg
    assert "pass its folder as path= or put it in $GVCDECOMP_DATA_DIR/wiod2013/" in msg
    assert "\n" not in msg
