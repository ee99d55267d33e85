"""A loopback HTTP server that answers the Fingertips API's `all_data/csv/by_indicator_id` path from files.

Real bodies we hold are served byte for byte (tests/fixtures/fingertips_api/README.md says which); the faults
(statuses, HTML, cut bodies, wrong headers) are made here on purpose and are named as such: none of them is a
recorded response.

    with FingertipsServer({93517: [Reply.file(path)]}) as server:
        server.base_url  # http://127.0.0.1:<port>/api
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from metrics.paths import DATA_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API_FIXTURES = FIXTURES / "fingertips_api"
# Real bodies: the two CDOF downloads (27 columns, parent type England), the ONS deaths series in Fingertips layout
# (indicator 92432's definition, 27 columns) and the one recorded all_data body (93356, 26 columns, area type 102).
REAL_BODIES = {
    93517: FIXTURES / "fingertips" / "unmet_opiates.csv",
    93532: FIXTURES / "fingertips" / "unmet_alcohol.csv",
    92432: DATA_DIR / "real" / "ons_drug_misuse_deaths_utla_2001-03_to_2019-21_fingertips_layout.csv",
    93356: API_FIXTURES / "all_data_csv_93356_countyua_2020.csv",
}


@dataclass
class Reply:
    """One answer: a status, headers and a body; `declare_length` larger than the body closes the connection
    before the body is complete (a transfer cut short)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declare_length: int | None = None

    @classmethod
    def file(cls, path: Path) -> Reply:
        return cls(200, path.read_bytes(), {"Content-Type": "application/octet-stream"})

    # ---- faults made on purpose (not recordings) ----
    @classmethod
    def error(cls, status: int, text: str = "made-up fault", retry_after: str | None = None) -> Reply:
        return cls(status, text.encode(), {"Retry-After": retry_after} if retry_after else {})

    @classmethod
    def html_page(cls) -> Reply:
        page = b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>Down</body></html>\n"
        return cls(200, page, {"Content-Type": "text/html"})

    @classmethod
    def cut_after(cls, path: Path, fraction: float = 0.5) -> Reply:
        """The real body cut in the middle of a row; sent whole (its length declared as cut)."""
        data = path.read_bytes()
        return cls(200, data[: int(len(data) * fraction)])

    @classmethod
    def dropped_connection(cls, path: Path) -> Reply:
        """Half the real body, then the connection closes short of the declared length."""
        data = path.read_bytes()
        return cls(200, data[: len(data) // 2], declare_length=len(data))

    @classmethod
    def header_only(cls, path: Path) -> Reply:
        return cls(200, path.read_bytes().splitlines(keepends=True)[0])

    @classmethod
    def wrong_header(cls, path: Path) -> Reply:
        lines = path.read_bytes().splitlines(keepends=True)
        return cls(200, lines[0].replace(b"Area Code", b"AreaCode", 1) + b"".join(lines[1:]))


class FingertipsServer:
    """Serves `replies[indicator_id]` in order (the last one repeats); records each request's query and
    User-Agent."""

    def __init__(self, replies: dict[int, list[Reply]]):
        self.replies = {k: list(v) for k, v in replies.items()}
        self.requests: list[tuple[str, str]] = []
        self._served: dict[int, int] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api"

    def next_reply(self, query: dict[str, list[str]]) -> Reply:
        if (
            query.get("child_area_type_id") != ["502"]
            or query.get("parent_area_type_id") != ["6"]
            or not query.get("indicator_ids")
        ):
            return Reply.error(400, "IndicatorIds cannot be null or empty")
        iid = int(query["indicator_ids"][0])
        with self._lock:
            script = self.replies.get(iid)
            if not script:
                # An unknown ID gives a header-only 200, as the real API does (made here from a real header).
                return Reply.header_only(REAL_BODIES[93517])
            n = self._served.get(iid, 0)
            self._served[iid] = n + 1
            return script[min(n, len(script) - 1)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                url = urlsplit(self.path)
                server.requests.append((url.query, self.headers.get("User-Agent", "")))
                if url.path != "/api/all_data/csv/by_indicator_id":
                    reply = Reply.error(404, "not found")
                else:
                    reply = server.next_reply(parse_qs(url.query))
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(reply.declare_length or len(reply.body)))
                if reply.declare_length:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(reply.body)
                if reply.declare_length:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> FingertipsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"
