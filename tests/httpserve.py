"""A local HTTP server on 127.0.0.1 (port chosen by the system) for download tests.

``Server(folder)`` serves the files of ``folder`` (e.g. the shared data, as a
mirror: ``<url>/<source>/<file>``); ``Server()`` serves ``files`` (URL path ->
bytes) and misbehaves on request, by the first part of the path:

- ``/cut/...``: announces the full length, sends half and drops the connection;
- ``/flood/...``: announces nothing and sends ``flood`` bytes (more than the file);
- ``/trickle/...``: sends 16 bytes every 50 ms;
- ``/silent/...``: sends the headers, then nothing.

Every request path is recorded in ``requests``; ``sent`` counts the body bytes
the server managed to write per path.
"""

import http.server
import threading
from pathlib import Path
from urllib.parse import unquote


class Server:
    def __init__(self, folder=None, flood: int = 64 << 20):
        self.folder = Path(folder) if folder is not None else None
        self.files = {}
        self.requests = []
        self.sent = {}
        self.flood = flood
        self.stop = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot hold the thread for long

            def do_GET(self):
                server.requests.append(self.path)
                mode, _, rest = self.path.lstrip("/").partition("/")
                if mode not in ("cut", "flood", "trickle", "silent"):
                    mode, rest = "", self.path.lstrip("/")
                body = server.body("/" + rest)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                if mode != "flood":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    getattr(self, f"send_{mode or 'all'}")(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def write(self, data):
                self.wfile.write(data)
                self.wfile.flush()
                server.sent[self.path] = server.sent.get(self.path, 0) + len(data)

            def send_all(self, body):
                self.write(body)

            def send_cut(self, body):
                self.write(body[: len(body) // 2])
                self.close_connection = True
                self.connection.shutdown(2)  # the peer sees the connection drop

            def send_flood(self, body):
                block = (body * (1 + (1 << 16) // max(len(body), 1)))[: 1 << 16]
                for _ in range(server.flood // len(block)):
                    self.write(block)

            def send_trickle(self, body):
                for i in range(0, len(body), 16):
                    if server.stop.wait(0.05):
                        return
                    self.write(body[i : i + 16])

            def send_silent(self, body):
                server.stop.wait(30)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def body(self, path: str):
        if path in self.files:
            return self.files[path]
        if self.folder is not None:
            f = (self.folder / unquote(path).lstrip("/")).resolve()
            if f.is_file() and self.folder.resolve() in f.parents:
                return f.read_bytes()
        return None

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
