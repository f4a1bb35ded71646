"""Downloads into the cache, against a local HTTP server on 127.0.0.1 (no network)."""

import hashlib
import http.server
import threading
import zipfile

import numpy as np
import pytest
from test_wiod2016 import make_table, write_rdata

from gvcdecomp.errors import DataNotFoundError, FileFormatError, OptionError
from gvcdecomp.sources import wiod2016
from gvcdecomp.sources.download import fetch
from gvcdecomp.sources.paths import cache_dir

pytest.importorskip("pooch")

PAYLOAD = bytes(range(256)) * 4000  # 1 MB


class Server:
    """Serves ``files`` (path -> bytes); paths starting with /cut/ stop halfway."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot hold the thread for long

            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path.removeprefix("/cut"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path.startswith("/cut/"):
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # the peer sees the connection drop
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def server():
    with Server() as s:
        s.files["/data/bundle.zip"] = PAYLOAD
        yield s


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def folder_names():
    folder = cache_dir() / "wiod2016"
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
    with pytest.raises(DataNotFoundError, match="IncompleteRead.*nothing was kept"):
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
        wiod2016.load_wiod2016(2010)  # download is opt-in
    assert server.requests == []
    table = wiod2016.load_wiod2016(2010, download=True)
    np.testing.assert_array_equal(table.Z, t["Z"])
    assert folder_names() == [wiod2016.R_BUNDLE]
    wiod2016.load_wiod2016(2010, download=True)  # found in the cache now
    assert len(server.requests) == 1
