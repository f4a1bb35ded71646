"""Downloads into the cache, against a local HTTP server on 127.0.0.1 (no network)."""

import hashlib
import os
import re
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import require_data as shared_data
from httpserve import Server
from test_wiod2016 import make_table, write_rdata

import gvcdecomp as gd
from gvcdecomp.cli import STUDY, dva_shares
from gvcdecomp.errors import DataNotFoundError, FileFormatError, OptionError
from gvcdecomp.sources import download, paths, registry, wiod2016
from gvcdecomp.sources.download import fetch
from gvcdecomp.sources.paths import cache_dir

PAYLOAD = bytes(range(256)) * 4000  # 1 MB
#: The shared data folder (conftest sets the variable when it is missing), read now:
#: own_cache removes the variable from every test of this file.
SHARED = os.environ["GVCDECOMP_DATA_DIR"]


def require_data(source: str) -> Path:
    """conftest's require_data for the folder the variable named, not ../shared/data."""
    with pytest.MonkeyPatch.context() as m:
        m.setenv("GVCDECOMP_DATA_DIR", SHARED)
        return shared_data(source)


@pytest.fixture
def wiod2013_dir():
    return require_data("wiod2013")


@pytest.fixture
def longrun_dir():
    return require_data("wiod_longrun")


@pytest.fixture
def server():
    with Server() as s:
        s.files["/data/bundle.zip"] = PAYLOAD
        yield s


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """An empty per-user cache, no local data folder, downloads allowed, no mirror."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("GVCDECOMP_DATA_DIR", raising=False)
    monkeypatch.delenv("GVCDECOMP_OFFLINE", raising=False)
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)
    monkeypatch.delenv("GVCDECOMP_TIMEOUT", raising=False)


def folder_names(source="wiod2016"):
    """Everything in the source's cache folder, hidden temporary files included."""
    folder = cache_dir() / source
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_file_lands_in_cache(server):
    url = server.url + "/data/bundle.zip"
    path = fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), size=len(PAYLOAD))
    assert path == cache_dir() / "wiod2016" / "bundle.zip"
    assert path.read_bytes() == PAYLOAD
    assert folder_names() == ["bundle.zip"]


def test_verified_file_is_not_downloaded_again(server):
    url = server.url + "/data/bundle.zip"
    fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), progress=False)
    fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), progress=False)
    assert server.requests == ["/data/bundle.zip"]
    # a damaged copy under the name fails its checksum and is replaced
    (cache_dir() / "wiod2016" / "bundle.zip").write_bytes(b"damaged")
    path = fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), progress=False)
    assert len(server.requests) == 2 and path.read_bytes() == PAYLOAD


def test_checksum_mismatch_raises_and_leaves_nothing(server):
    wrong = sha256(b"something else")
    with pytest.raises(FileFormatError) as e:
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", wrong, progress=False)
    msg = str(e.value)
    assert "bundle.zip" in msg and wrong in msg and sha256(PAYLOAD) in msg
    assert folder_names() == []


def test_size_mismatch_raises_and_leaves_nothing(server):
    with pytest.raises(FileFormatError, match=f"{len(PAYLOAD)} bytes, expected {len(PAYLOAD) + 1}"):
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha256(PAYLOAD),
              size=len(PAYLOAD) + 1, progress=False)  # fmt: skip
    assert folder_names() == []


def test_connection_closed_midway_leaves_nothing(server):
    url = server.url + "/cut/data/bundle.zip"
    with pytest.raises(DataNotFoundError, match=f"broke off after {len(PAYLOAD) // 2} of {len(PAYLOAD)} bytes; nothing was kept"):
        fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), progress=False)
    assert server.requests == ["/cut/data/bundle.zip"]
    assert folder_names() == []


def test_missing_file_on_server(server):
    with pytest.raises(DataNotFoundError, match="404"):
        fetch("wiod2016", "b.zip", server.url + "/nothing.zip", sha256(PAYLOAD), progress=False)
    assert folder_names() == []


@pytest.mark.parametrize("digest", [None, "", "abc", "sha512:" + "0" * 128, "md5:" + "0" * 40])
def test_download_without_valid_checksum_is_refused(server, digest):
    with pytest.raises(OptionError):
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", digest, progress=False)
    assert server.requests == [] and folder_names() == []


def test_other_published_digest(server):
    sha1 = "sha1:" + hashlib.sha1(PAYLOAD).hexdigest()
    path = fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha1, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_load_wiod2016_downloads_the_bundle(server, tmp_path, monkeypatch):
    t = make_table(seed=20)
    write_rdata(tmp_path / "WIOT2010_October16_ROW.RData", t, 2010)
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as zf:
        zf.write(tmp_path / "WIOT2010_October16_ROW.RData", "WIOT2010_October16_ROW.RData")
    body = (tmp_path / "bundle.zip").read_bytes()
    server.files["/api/access/datafile/1"] = body
    digest = "sha1:" + hashlib.sha1(body).hexdigest()
    url = server.url + "/api/access/datafile/1"
    monkeypatch.setitem(wiod2016.DOWNLOADS, wiod2016.R_BUNDLE, (url, digest, len(body)))
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError):
        wiod2016.load_wiod2016(2010)  # download is opt-in for the 642 MB bundle
    assert server.requests == []
    table = wiod2016.load_wiod2016(2010, download=True)
    np.testing.assert_array_equal(table.Z, t["Z"])
    assert folder_names() == [wiod2016.R_BUNDLE]
    wiod2016.load_wiod2016(2010, download=True)  # found in the cache now
    assert len(server.requests) == 1


# -- bounded transfers ------------------------------------------------------------------


def test_download_stops_once_past_the_expected_size(server):
    # no Content-Length, 64 MiB sent for a file declared as 1 MB
    with pytest.raises(FileFormatError, match=f"more than the expected {len(PAYLOAD)} bytes"):
        fetch("wiod2016", "bundle.zip", server.url + "/flood/data/bundle.zip", sha256(PAYLOAD),
              size=len(PAYLOAD), progress=False)  # fmt: skip
    assert folder_names() == []
    server.stop.wait(0.5)  # let the server notice the closed connection
    # what was written before the client hung up: the size plus socket buffers, not 64 MiB
    assert server.sent["/flood/data/bundle.zip"] < server.flood // 4


def test_announced_size_above_the_expected_one_is_refused_before_the_body(server):
    server.files["/data/big.zip"] = PAYLOAD * 3
    with pytest.raises(FileFormatError, match=f"announces {3 * len(PAYLOAD)} bytes"):
        fetch("wiod2016", "big.zip", server.url + "/data/big.zip", sha256(PAYLOAD),
              size=len(PAYLOAD), progress=False)  # fmt: skip
    assert folder_names() == []


@pytest.mark.parametrize("mode", ["trickle", "silent"])
def test_stalled_download_times_out(server, mode, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_TIMEOUT", "0.4")
    url = f"{server.url}/{mode}/data/bundle.zip"
    expected = "stalled" if mode == "trickle" else "timed out"
    with pytest.raises(DataNotFoundError, match=f"{expected}.*nothing was kept"):
        fetch("wiod2016", "bundle.zip", url, sha256(PAYLOAD), progress=False)
    assert folder_names() == []


@pytest.mark.parametrize("timeout", [0, -1, "soon", float("inf")])
def test_invalid_timeout(server, timeout):
    with pytest.raises(OptionError, match="timeout"):
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha256(PAYLOAD),
              timeout=timeout, progress=False)  # fmt: skip
    assert server.requests == []


def test_other_url_schemes_are_refused(server):
    with pytest.raises(OptionError, match="ftp://"):
        fetch("wiod2016", "bundle.zip", "ftp://example.org/bundle.zip", sha256(PAYLOAD))


# -- data on first use: WIOD 2013 and the long-run WIOD ---------------------------------


def read_sums(folder: Path) -> dict[str, str]:
    return {name: digest for digest, name in (l.split() for l in (folder / "SHA256SUMS").read_text().splitlines())}


@pytest.mark.parametrize("source", ["wiod2013", "wiod_longrun"])
def test_pinned_digests_are_the_published_ones(source):
    """The package's table holds exactly the files and digests of the shared data's SHA256SUMS."""
    folder = require_data(source)
    table = download.pinned(source)
    assert {f: p.sha256 for f, p in table.items()} == read_sums(folder)
    assert all(p.size == (folder / f).stat().st_size for f, p in table.items())


def test_pinned_urls():
    assert download.pinned("wiod2013")["wiot_2011.RData"].url == (
        "https://raw.githubusercontent.com/bquast/wiod/"
        "59a28ac22fbd7751ea84c0f33722b5246b0af46d/data/wiot_2011.RData"
    )
    assert download.pinned("wiod_longrun")["WIODlr_WIOT_1970.rda"].url == (
        "https://raw.githubusercontent.com/Carol-seven/ionet_ext/"
        "cfce85a91ddfbcb078fdba0a9d010c67db5ec6a9/WIOD%20long-run/WIODlr_WIOT_1970.rda"
    )


@pytest.fixture
def mirror(monkeypatch):
    """The shared data served as a mirror: <url>/<source>/<file>."""
    with Server(require_data("wiod2013").parent) as s:
        monkeypatch.setenv("GVCDECOMP_MIRROR", s.url + "/")
        yield s


def test_wiod2013_fetched_on_first_use_from_the_mirror(mirror, capsys):
    t = gd.load_wiod2013(2011)
    assert mirror.requests == ["/wiod2013/wiot_2011.RData"]
    cached = cache_dir() / "wiod2013" / "wiot_2011.RData"
    assert cached.read_bytes() == (require_data("wiod2013") / "wiot_2011.RData").read_bytes()
    assert folder_names("wiod2013") == ["wiot_2011.RData"]
    notice = capsys.readouterr().err
    assert "downloading wiot_2011.RData" in notice and str(cache_dir() / "wiod2013") in notice
    shares = dva_shares(t, "c14", list(STUDY))
    assert {c: round(v, 1) for c, v in shares.items()} == STUDY  # the study's 80.5 / 82.2
    gd.load_wiod2013(2011)  # from the cache now
    assert len(mirror.requests) == 1


def test_longrun_fetched_on_first_use_from_the_mirror(mirror, longrun_dir):
    t = gd.load_wiod_longrun(1970)
    assert mirror.requests == ["/wiod_longrun/WIODlr_WIOT_1970.rda"]
    direct = gd.load_wiod_longrun(1970, path=longrun_dir / "WIODlr_WIOT_1970.rda")
    np.testing.assert_array_equal(t.Z, direct.Z)
    np.testing.assert_array_equal(t.Y, direct.Y)


def test_tampered_file_is_refused_and_not_cached(tmp_path, monkeypatch, wiod2013_dir):
    data = bytearray((wiod2013_dir / "wiot_2011.RData").read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    (tmp_path / "mirror" / "wiod2013").mkdir(parents=True)
    (tmp_path / "mirror" / "wiod2013" / "wiot_2011.RData").write_bytes(bytes(data))
    with Server(tmp_path / "mirror") as s:
        monkeypatch.setenv("GVCDECOMP_MIRROR", s.url)
        with pytest.raises(FileFormatError, match="checksum mismatch.*not kept") as e:
            gd.load_wiod2013(2011)
        assert s.requests == ["/wiod2013/wiot_2011.RData"]
    assert download.pinned("wiod2013")["wiot_2011.RData"].sha256 in str(e.value)
    assert folder_names("wiod2013") == []
    assert not (cache_dir() / "parsed").exists()  # nothing parsed from it either


@pytest.mark.parametrize("how", ["environment", "argument"])
def test_offline_says_what_to_fetch_and_where(mirror, monkeypatch, how):
    if how == "environment":
        monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    options = {"download": False} if how == "argument" else {}
    with pytest.raises(DataNotFoundError) as e:
        gd.load_wiod2013(2011, **options)
    msg = str(e.value)
    why = "GVCDECOMP_OFFLINE=1" if how == "environment" else "download=False"
    assert f"downloads are off ({why}). Get {mirror.url}/wiod2013/wiot_2011.RData, then " in msg
    assert f"in {cache_dir() / 'wiod2013'}, and" in msg and "\n" not in msg  # where it looked
    # a mirror is read only once downloads are allowed again
    assert msg.endswith(f"; or drop {why} to fetch it from GVCDECOMP_MIRROR")  # the mirror is set
    assert mirror.requests == [] and folder_names("wiod2013") == []


def test_offline_without_mirror_names_the_publisher(monkeypatch):
    monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match=re.escape(download.pinned("wiod_longrun")["WIODlr_WIOT_1980.rda"].url)):
        gd.load_wiod_longrun(1980)


def test_offline_forbids_explicit_downloads_too(server, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="downloads are off.*bundle.zip"):
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha256(PAYLOAD))
    assert server.requests == []


def test_mirror_replaces_any_publisher_url(server, monkeypatch):
    server.files["/wiod2016/bundle.zip"] = PAYLOAD
    monkeypatch.setenv("GVCDECOMP_MIRROR", server.url + "/")
    path = fetch("wiod2016", "bundle.zip", "https://publisher.invalid/b.zip", sha256(PAYLOAD),
                 progress=False)  # fmt: skip
    assert path.read_bytes() == PAYLOAD and server.requests == ["/wiod2016/bundle.zip"]


def test_explicit_path_is_never_replaced_by_a_download(mirror, tmp_path):
    with pytest.raises(DataNotFoundError, match=str(tmp_path)):
        gd.load_wiod2013(2011, path=tmp_path)
    assert mirror.requests == []


def test_sources_table():
    table = gd.sources()
    assert list(table.columns) == ["loader", "coverage", "files", "origin", "download", "citation"]
    assert set(registry.SOURCES) <= set(table.index)
    for name, row in table.iterrows():
        assert callable(getattr(gd, row.loader)) and row.citation
        # "on first use" exactly where the package pins files to fetch
        assert row.download.startswith("on first use") == bool(download.pinned(name))
    assert "59a28ac" in table.loc["wiod2013", "origin"] and "Woltjer" in table.loc["wiod_longrun", "citation"]
    assert gd.sources.wiod2013.SOURCE == "wiod2013"  # the package stays a package


def test_mirror_may_be_a_folder_url(wiod2013_dir, monkeypatch):
    """file:// mirrors (a shared drive on an air-gapped site) are read and checked the same way."""
    monkeypatch.setenv("GVCDECOMP_MIRROR", wiod2013_dir.parent.as_uri())
    t = gd.load_wiod2013(2010, download=True)
    assert (cache_dir() / "wiod2013" / "wiot_2010.RData").read_bytes() == (wiod2013_dir / "wiot_2010.RData").read_bytes()
    assert t.year == 2010


# -- environment given by hand: every bad value is one clear library error -------------


@pytest.mark.parametrize("value", ["false", "False", "no", "OFF", " 0 "])
def test_offline_spelled_as_false_allows_downloads(server, monkeypatch, value):
    monkeypatch.setenv("GVCDECOMP_OFFLINE", value)
    assert not download.offline()
    fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha256(PAYLOAD), progress=False)
    assert server.requests == ["/data/bundle.zip"]


def test_offline_message_quotes_the_value_given(monkeypatch):
    monkeypatch.setenv("GVCDECOMP_OFFLINE", "yes")
    with pytest.raises(DataNotFoundError, match="GVCDECOMP_OFFLINE=yes"):
        gd.load_wiod2013(2011)


@pytest.mark.parametrize("mirror", ["http://[::1", "/srv/mirror", "127.0.0.1:8000", "ftp://x"])
def test_a_mirror_that_is_no_url_names_the_variable(server, monkeypatch, mirror):
    monkeypatch.setenv("GVCDECOMP_MIRROR", mirror)
    with pytest.raises(OptionError, match=f"GVCDECOMP_MIRROR={re.escape(mirror)}.*file://") as e:
        gd.load_wiod2013(2011)
    assert "\n" not in str(e.value) and folder_names() == []


@pytest.mark.parametrize("timeout", ["1e20", "1e10", 1e300])
def test_a_timeout_too_large_for_the_system_is_refused(server, monkeypatch, timeout):
    """1e20 s overflowed socket.settimeout (raw OverflowError)."""
    monkeypatch.setenv("GVCDECOMP_TIMEOUT", str(timeout))
    with pytest.raises(OptionError, match="GVCDECOMP_TIMEOUT.*at most"):
        fetch("wiod2016", "bundle.zip", server.url + "/data/bundle.zip", sha256(PAYLOAD), progress=False)
    assert server.requests == []


def test_a_timeout_names_the_variable_that_sets_it(server, monkeypatch):
    monkeypatch.setenv("GVCDECOMP_TIMEOUT", "0.2")
    with pytest.raises(DataNotFoundError, match=r"no answer within 0.2 s \(GVCDECOMP_TIMEOUT\)"):
        fetch("wiod2016", "bundle.zip", server.url + "/silent/data/bundle.zip", sha256(PAYLOAD),
              progress=False)  # fmt: skip


def test_an_html_page_served_for_the_file_is_named_as_such(server, monkeypatch):
    """A mirror or proxy answering 200 with an error page: refused, and said to be a web page."""
    server.files["/wiod2013/wiot_2011.RData"] = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    monkeypatch.setenv("GVCDECOMP_MIRROR", server.url)
    with pytest.raises(FileFormatError, match="an HTML page, not the data file.*not kept"):
        gd.load_wiod2013(2011)
    assert folder_names("wiod2013") == []


# -- where the per-user cache is -------------------------------------------------------


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    """The XDG spec: relative paths in XDG_* are invalid and ignored (else the cache moves with the cwd)."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "gvcdecomp"


@pytest.mark.parametrize("home", [None, "", "relative"])
def test_without_a_usable_home_the_account_home_is_used(monkeypatch, home):
    import pwd

    monkeypatch.delenv("XDG_CACHE_HOME")
    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)
    assert cache_dir() == Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "gvcdecomp"


def test_no_home_at_all_is_a_clear_error_and_import_still_works(monkeypatch, tmp_path):
    """A container user with no HOME and no passwd entry: `import gvcdecomp` raised RuntimeError."""
    import pwd

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
    with pytest.raises(DataNotFoundError, match="no per-user cache folder.*set XDG_CACHE_HOME"):
        cache_dir()
    with pytest.raises(DataNotFoundError, match="set XDG_CACHE_HOME"):
        gd.load_wiod2013(2011)  # nowhere to download to
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    paths.use_numba_cache_dir()  # at import: leaves numba's own default, raises nothing
    assert "NUMBA_CACHE_DIR" not in os.environ
    monkeypatch.setenv("GVCDECOMP_DATA_DIR", str(require_data("wiod2013").parent))
    assert paths.find_file("wiod2013", [r"wiot_2011\.rdata"]).name == "wiot_2011.RData"


def test_a_cache_folder_that_cannot_be_made_says_which_variable_moves_it(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    with pytest.raises(DataNotFoundError, match="cannot write.*set XDG_CACHE_HOME"):
        gd.load_wiod2013(2011)


def test_not_found_names_files_as_a_reader_writes_them(monkeypatch):
    """The first-run message listed regexes (wiot_2011\\.rdata, (apr|sep))."""
    monkeypatch.setenv("GVCDECOMP_OFFLINE", "1")
    with pytest.raises(DataNotFoundError) as e:
        gd.load_wiod2013(2011)
    assert "no wiod2013 file named wiot_2011.rdata or wiot11_row_{apr,sep}12.xlsx in " in str(e.value)
    assert "\\" not in str(e.value)


def test_no_network_says_how_to_do_without_one(monkeypatch):
    # the publisher cannot be reached, as on a machine without internet (a failing
    # mirror gets its own advice: tests/test_offline_message.py)
    monkeypatch.delenv("GVCDECOMP_MIRROR", raising=False)

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(DataNotFoundError, match="Without a network, get wiot_2011.RData elsewhere") as e:
        gd.load_wiod2013(2011)
    msg = str(e.value)
    assert "pass its folder as path= or put it in $GVCDECOMP_DATA_DIR/wiod2013/" in msg
    assert msg.endswith("; or set GVCDECOMP_MIRROR to a copy of the data") and "\n" not in msg
    assert folder_names("wiod2013") == []
