"""A client of OHID's Fingertips public API: one indicator's whole CSV (`all_data/csv/by_indicator_id`), checked.

One request per indicator, one at a time, with connect and read timeouts, retries with back-off on connection
errors, 429 and 5xx (honouring Retry-After), a User-Agent naming the project and a size cap. A body is checked
(`check_body`) before anything reads it: an HTML page, a body cut short, a header with no rows or a wrong header
is a failure of that indicator (`IndicatorFailed`), never a half-load. An unreachable service (offline, DNS,
refused) is `ServiceUnreachable`, so a refresh can stop at once with one sentence.

Bodies are saved with a manifest (`save_bodies`) and read back (`load_saved`) for servers that cannot reach the
internet; the same checks apply to them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from metrics.ingest.readers.fingertips import ALL_DATA_HEADER, FORMER_NAMES, PARENT_COMPARISON_COLUMN

USER_AGENT = "cdof-outcomes-dashboard/1.0 (Combating Drugs Outcomes Framework dashboard; Fingertips refresh)"
CHILD_AREA_TYPE = 502  # upper-tier local authorities from April 2023; the body also holds the regions and England
PARENT_AREA_TYPE = 6  # regions: "Parent Code/Name" and column 23 compare with the region
DATA_PATH = "all_data/csv/by_indicator_id"
MANIFEST = "manifest.json"
RETRY_STATUSES = {429, 500, 502, 503, 504}

# The header every all_data CSV starts with, in order: the reader's, where column 23 is matched by its start (it
# names the parent type) and a column may have a former name; the last, "Time period range", was added in 2022.
EXPECTED_HEADER: list[str | tuple[str, ...] | None] = [
    None if i == PARENT_COMPARISON_COLUMN else (name, *FORMER_NAMES[i]) if i in FORMER_NAMES else name
    for i, name in enumerate(ALL_DATA_HEADER[:-1])
]
OPTIONAL_LAST = ALL_DATA_HEADER[-1]


class IndicatorFailed(Exception):
    """This indicator's body could not be had or is unusable; the message says why in words."""


class ServiceUnreachable(Exception):
    """The Fingertips service could not be reached at all (offline, DNS, refused): nothing can be refreshed."""


@dataclass(frozen=True)
class Body:
    """One indicator's raw response, as received (or as saved), with where and when it came from."""

    indicator_id: int
    url: str
    retrieved_at: datetime  # UTC
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def data_url(base_url: str, indicator_id: int) -> str:
    return (
        f"{base_url.rstrip('/')}/{DATA_PATH}?indicator_ids={indicator_id}"
        f"&child_area_type_id={CHILD_AREA_TYPE}&parent_area_type_id={PARENT_AREA_TYPE}"
    )


def check_body(content: bytes, indicator_id: int) -> int:
    """The number of data rows of a body that is a whole Fingertips CSV for `indicator_id`; else IndicatorFailed
    saying what is wrong with it."""
    head = content[:512].lstrip().lower()
    if head.startswith(b"<") or b"<html" in head:  # a CSV never starts with "<": an HTML or XML page
        raise IndicatorFailed(
            "the response is an HTML page, not a Fingertips CSV (an error or maintenance page served with "
            "status 200); nothing was loaded"
        )
    if not content.strip():
        raise IndicatorFailed("the response is empty; expected a Fingertips CSV")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IndicatorFailed(f"the response is not UTF-8 text (byte {exc.start}); expected a Fingertips CSV") from None
    if not text.endswith(("\n", "\r")):
        raise IndicatorFailed(
            "the response was cut short: its last line has no line end, so rows may be missing; nothing was loaded"
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise IndicatorFailed(f"the response is not a readable CSV ({exc}); it may have been cut short") from None
    header = rows[0] if rows else []
    _check_header(header)
    data = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not data:
        raise IndicatorFailed(
            f"the response has a header and no rows: Fingertips publishes no data for indicator {indicator_id} "
            f"at area type {CHILD_AREA_TYPE} (upper-tier local authorities); check the indicator ID"
        )
    for n, r in enumerate(data, start=2):
        # A row may omit its empty last field ("Compared to goal"): the API's own quirk.
        if len(r) not in (len(header), len(header) - 1):
            raise IndicatorFailed(
                f"row {n} has {len(r)} fields where the header has {len(header)}: the response was cut short "
                "or is damaged; nothing was loaded"
            )
        if r[0].strip() != str(indicator_id):
            raise IndicatorFailed(
                f"row {n} is indicator {r[0].strip() or '(empty)'}, not the {indicator_id} asked for; "
                "nothing was loaded"
            )
    return len(data)


def _check_header(header: list[str]) -> None:
    names = [h.strip() for h in header]
    if len(names) not in (len(EXPECTED_HEADER), len(EXPECTED_HEADER) + 1):
        raise IndicatorFailed(
            f"the header has {len(names)} columns ({', '.join(names[:4])}{' ...' if len(names) > 4 else ''}); "
            f"a Fingertips all_data CSV has {len(EXPECTED_HEADER)} or {len(EXPECTED_HEADER) + 1}"
        )
    for i, (got, want) in enumerate(zip(names, EXPECTED_HEADER, strict=False)):
        if want is None:
            ok = got.startswith("Compared to") or got == "Column not used"
            want_words = "Compared to <parent> value or percentiles"
        else:
            wanted = (want,) if isinstance(want, str) else want
            ok = got in wanted
            want_words = " or ".join(repr(w) for w in wanted)
        if not ok:
            raise IndicatorFailed(f"wrong header: column {i + 1} is {got!r}, expected {want_words}")
    if len(names) > len(EXPECTED_HEADER) and names[-1] != OPTIONAL_LAST:
        raise IndicatorFailed(f"wrong header: column {len(names)} is {names[-1]!r}, expected {OPTIONAL_LAST!r}")


@dataclass
class FingertipsClient:
    """Fetches one indicator at a time from `base_url` (e.g. https://fingertips.phe.org.uk/api)."""

    base_url: str
    connect_timeout: float = 10.0
    read_timeout: float = 300.0
    retries: int = 4
    backoff_base: float = 1.0  # seconds; doubled per attempt (tests pass a tiny one)
    max_retry_after: float = 120.0  # a longer Retry-After is capped at this
    max_bytes: int = 200 * 1024 * 1024
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.read_timeout, connect=self.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "text/csv, application/octet-stream;q=0.9, */*;q=0.1"},
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> FingertipsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, indicator_id: int) -> Body:
        """The indicator's checked body; IndicatorFailed (with why) or ServiceUnreachable."""
        url = data_url(self.base_url, indicator_id)
        last_problem = ""
        for attempt in range(self.retries + 1):
            wait = self.backoff_base * (2**attempt)
            try:
                status, headers, content = self._get(url)
            except httpx.ConnectError as exc:
                last_problem = f"could not connect ({_reason(exc)})"
                if attempt == self.retries:
                    raise ServiceUnreachable(
                        f"Fingertips could not be reached at {self.base_url} ({_reason(exc)}) after "
                        f"{self.retries + 1} attempts; check the network or the base URL; nothing was written"
                    ) from None
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last_problem = f"the connection failed while reading ({type(exc).__name__}: {_reason(exc)})"
            else:
                if status == 200:
                    check_body(content, indicator_id)
                    return Body(indicator_id, url, datetime.now(UTC), content)
                last_problem = f"the server answered HTTP {status}" + _snippet(content)
                if status not in RETRY_STATUSES:
                    raise IndicatorFailed(last_problem)
                wait = max(wait, _retry_after(headers.get("retry-after"), self.max_retry_after))
            if attempt < self.retries:
                self.sleep(wait)
        raise IndicatorFailed(f"{last_problem}; gave up after {self.retries + 1} attempts")

    def _get(self, url: str) -> tuple[int, httpx.Headers, bytes]:
        with self._client.stream("GET", url) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise IndicatorFailed(self._too_big(int(declared)))
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise IndicatorFailed(self._too_big(size))
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    def _too_big(self, size: int) -> str:
        return (
            f"the response is larger than the {self.max_bytes / 1e6:,.0f} MB cap ({size / 1e6:,.0f} MB or more); "
            "nothing was loaded (fingertips.max_response_mb in config/settings.yaml)"
        )


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("] ")[-1] if text.startswith("[") else text


def _snippet(content: bytes) -> str:
    text = content[:200].decode("utf-8", "replace").strip().replace("\r", " ").replace("\n", " ")
    return f": {text}" if text and not text.lstrip().startswith("<") else ""


def _retry_after(value: str | None, cap: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped; 0 when absent or unreadable."""
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return 0.0
    return min(max(seconds, 0.0), cap)


# ---- saved responses, for servers that cannot reach the internet ----------------------------------------------


def body_file_name(indicator_id: int) -> str:
    return f"fingertips_{indicator_id}.csv"


def save_bodies(directory: Path, bodies: list[Body]) -> Path:
    """Write each body byte for byte and a manifest (URL, time, sha256, size) beside them; returns the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest_path = directory / MANIFEST
    entries: dict[str, dict] = {}
    if manifest_path.exists():
        entries = {str(e["indicator_id"]): e for e in json.loads(manifest_path.read_text("utf-8"))["responses"]}
    for b in bodies:
        (directory / body_file_name(b.indicator_id)).write_bytes(b.content)
        entries[str(b.indicator_id)] = {
            "indicator_id": b.indicator_id,
            "file": body_file_name(b.indicator_id),
            "url": b.url,
            "retrieved_at": b.retrieved_at.isoformat(timespec="seconds"),
            "sha256": b.sha256,
            "bytes": len(b.content),
        }
    manifest = {
        "what": "Fingertips API responses saved by `python -m metrics refresh --save`; load with --from",
        "responses": sorted(entries.values(), key=lambda e: e["indicator_id"]),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest_path


def read_manifest(directory: Path) -> dict[int, dict]:
    path = directory / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; expected a folder written by `refresh --save`")
    try:
        entries = json.loads(path.read_text("utf-8"))["responses"]
        return {int(e["indicator_id"]): e for e in entries}
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a refresh manifest ({exc})") from None


def load_saved(directory: Path, indicator_id: int, manifest: dict[int, dict]) -> Body:
    """A saved body, checked against its manifest's sha256 and with the same checks as a fetched one."""
    entry = manifest.get(indicator_id)
    if entry is None:
        raise IndicatorFailed(f"no saved response for indicator {indicator_id} in {directory / MANIFEST}")
    path = directory / entry["file"]
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise IndicatorFailed(f"the saved response {path} cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != entry["sha256"]:
        raise IndicatorFailed(
            f"the saved response {path.name} does not match its manifest (sha256 {digest[:12]}..., manifest "
            f"{entry['sha256'][:12]}...): it was changed or copied incompletely; nothing was loaded"
        )
    check_body(content, indicator_id)
    return Body(indicator_id, entry["url"], datetime.fromisoformat(entry["retrieved_at"]), content)
