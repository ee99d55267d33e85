"""Refresh every catalogue metric with a Fingertips indicator ID: fetch (or read saved) bodies, read each with the
Fingertips reader, validate, preview, and write ONE revision holding every indicator that changed.

plan = plan_refresh(store, ids, fetch=client.fetch)        # reads and checks; never writes
plan.results                                                 # per indicator: loaded / unchanged / failed: why
rid = commit_refresh(store, plan, author="me")               # one revision, or None when nothing changed

An indicator that fails (HTTP, an unusable body, a validation error) is left out with its reason; the others
still load. An unreachable service stops the plan at once (`ServiceUnreachable`): nothing is written.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from metrics.access import Scope
from metrics.areas import Geography, default_geography
from metrics.catalogue import Catalogue, Indicator, default_catalogue
from metrics.ingest.pipeline import Prepared, prepare, preview, write_revision
from metrics.ingest.validate import store_frame
from metrics.sources.fingertips import Body, IndicatorFailed
from metrics.store import ChangeSummary, RevisionInfo, Store

OGL = "Contains public sector information licensed under the Open Government Licence v3.0"
PUBLISHER = "OHID, Fingertips public health profiles"
REFRESH_FORMAT = "fingertips"  # the revision's file_format: the bodies are Fingertips downloads
LOADED, UNCHANGED, FAILED = "loaded", "unchanged", "failed"
Fetch = Callable[[int], Body]
Progress = Callable[[int, int, int, str], None]  # (position, of, indicator id, what is happening)


@dataclass
class IndicatorResult:
    indicator_id: int
    metric_key: str
    status: str  # loaded (will be, on commit) | unchanged | failed
    reason: str = ""
    rows: int = 0
    summary: ChangeSummary | None = None
    body: Body | None = None
    published_name: str = ""
    preview_table: pd.DataFrame | None = None  # per area: new / changed / unchanged rows
    id_confirmed: bool = True  # the catalogue's fingertips_id_confirmed

    @property
    def unconfirmed_note(self) -> str:
        """For an ID from secondary sources only: the name Fingertips publishes under it, to check by eye."""
        if self.id_confirmed or self.status == FAILED:
            return ""
        name = " ".join(self.published_name.split())
        return f" [ID unconfirmed in the catalogue: Fingertips names it {name!r}; check it is this metric]"

    def line(self, dry_run: bool = False) -> str:
        who = f"{self.indicator_id} {self.metric_key}"
        if self.status == FAILED:
            return f"{who}: failed: {self.reason}"
        if self.status == UNCHANGED:
            return f"{who}: unchanged ({self.rows:,} rows as stored){self.unconfirmed_note}"
        s = self.summary
        assert s is not None
        verb = "would load" if dry_run else "loaded"
        return (
            f"{who}: {verb} {self.rows:,} rows ({s.new:,} new, {s.changed:,} changed, {s.unchanged:,} unchanged)"
            + self.unconfirmed_note
        )


@dataclass
class RefreshPlan:
    results: list[IndicatorResult]
    prepared: dict[int, Prepared] = field(default_factory=dict)  # the indicators to write

    @property
    def to_write(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.status == LOADED]

    @property
    def failed(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.status == FAILED]

    def rows(self) -> pd.DataFrame:
        frames = [self.prepared[r.indicator_id].rows.astype({"source": str}) for r in self.to_write]
        return store_frame(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame()

    def table(self) -> pd.DataFrame:
        """One row per indicator: ID, metric, status, new / changed / unchanged rows, and why it failed."""
        return pd.DataFrame(
            [
                {
                    "Fingertips ID": r.indicator_id,
                    "Metric": r.metric_key,
                    "Status": "will load" if r.status == LOADED else r.status,
                    "New": r.summary.new if r.summary else 0,
                    "Changed": r.summary.changed if r.summary else 0,
                    "Unchanged": r.summary.unchanged if r.summary else 0,
                    "Published name": " ".join(r.published_name.split()),
                    "Why": r.reason or r.unconfirmed_note.strip(" []"),
                }
                for r in self.results
            ]
        )

    def summary_line(self) -> str:
        n = {s: sum(r.status == s for r in self.results) for s in (LOADED, UNCHANGED, FAILED)}
        return (
            f"{len(self.results)} indicators: {n[LOADED]} loaded, {n[UNCHANGED]} unchanged, {n[FAILED]} failed; "
            f"{sum(r.rows for r in self.to_write):,} rows to write"
        )


def api_client(base_url: str | None = None):
    """A client with the settings' timeouts, retries and size cap; the base URL from --base-url, else
    $CDOF_FINGERTIPS_URL, else fingertips.base_url."""
    from metrics.settings import default_settings, fingertips_base_url
    from metrics.sources.fingertips import FingertipsClient

    settings = default_settings().fingertips
    return FingertipsClient(
        fingertips_base_url(base_url),
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        retries=settings.retries,
        backoff_base=settings.retry_backoff_seconds,
        max_bytes=settings.max_response_mb * 1024 * 1024,
    )


def fingertips_indicators(catalogue: Catalogue) -> dict[int, Indicator]:
    """Catalogue metrics with a Fingertips indicator ID, by that ID, in catalogue order."""
    return {i.fingertips_id: i for i in catalogue.indicators if i.fingertips_id is not None}


def parse_ids(text: str | None, catalogue: Catalogue) -> list[int]:
    """The IDs of --indicators ("90244,93517"), or every catalogue ID; ValueError naming an unknown one."""
    known = fingertips_indicators(catalogue)
    if not text:
        return list(known)
    ids: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if not part.isdigit() or int(part) not in known:
            raise ValueError(
                f"indicator {part!r} is not a Fingertips ID in the catalogue; expected one of "
                + ", ".join(str(i) for i in known)
                + " (fingertips_id in config/indicators.yaml)"
            )
        ids.append(int(part))
    return list(dict.fromkeys(ids))


def citation(indicator_id: int, published_name: str, retrieved_at: datetime) -> str:
    """'OHID, Fingertips public health profiles, indicator 90244 <name>, retrieved 7 December 2026. <OGL>'"""
    name = " ".join(published_name.split())
    return f"{PUBLISHER}, indicator {indicator_id} {name}, retrieved {retrieved_at.day} {retrieved_at:%B %Y}. {OGL}"


def _published_name(prepared_body: bytes) -> str:
    import csv
    import io

    reader = csv.reader(io.StringIO(prepared_body.decode("utf-8-sig"), newline=""))
    next(reader, None)
    first = next(reader, None)
    return first[1] if first and len(first) > 1 else ""


def plan_refresh(
    store: Store,
    indicator_ids: list[int],
    fetch: Fetch,
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    progress: Progress | None = None,
) -> RefreshPlan:
    """Fetch, read, validate and preview each indicator in turn; writes nothing."""
    catalogue, geography = catalogue or default_catalogue(), geography or default_geography()
    metrics = fingertips_indicators(catalogue)
    say = progress or (lambda n, of, iid, what: None)
    plan = RefreshPlan([])
    for n, iid in enumerate(indicator_ids):
        metric = metrics[iid]
        result = IndicatorResult(iid, metric.key, FAILED, id_confirmed=metric.fingertips_id_confirmed)
        plan.results.append(result)
        say(n, len(indicator_ids), iid, "fetching")
        try:
            body = fetch(iid)  # ServiceUnreachable propagates: the whole refresh stops
        except IndicatorFailed as exc:
            result.reason = str(exc)
            say(n + 1, len(indicator_ids), iid, FAILED)
            continue
        result.body = body
        result.published_name = _published_name(body.content)
        say(n, len(indicator_ids), iid, "checking")
        prepared = _prepare_body(body, catalogue, geography)
        if not prepared.errors.empty or prepared.rows.empty:
            result.reason = _errors_in_words(prepared)
            say(n + 1, len(indicator_ids), iid, FAILED)
            continue
        rows = prepared.rows
        other = rows["metric_key"].astype(str) != metric.key
        if other.any():  # check_body has refused rows of other indicators; this guards the reader's mapping
            result.reason = f"{int(other.sum())} rows are not {metric.key}; nothing was loaded"
            continue
        rows["source"] = citation(iid, result.published_name or metric.name, body.retrieved_at)
        prepared.rows = store_frame(rows)
        summary, table = preview(store, prepared)
        result.rows, result.summary, result.preview_table = len(prepared.rows), summary, table
        if summary.new == 0 and summary.changed == 0:
            # Figures as stored: only the retrieval date in the citation differs, which is not a new revision.
            result.status = UNCHANGED
        else:
            result.status = LOADED
            plan.prepared[iid] = prepared
        say(n + 1, len(indicator_ids), iid, result.status)
    return plan


def _prepare_body(body: Body, catalogue: Catalogue, geography: Geography) -> Prepared:
    with tempfile.TemporaryDirectory(prefix="cdof-refresh-") as scratch:
        path = Path(scratch) / f"fingertips_{body.indicator_id}.csv"
        path.write_bytes(body.content)
        return prepare(path, fmt="fingertips", catalogue=catalogue, geography=geography)


def _errors_in_words(prepared: Prepared, shown: int = 3) -> str:
    errors = prepared.errors
    if errors.empty:
        return "the response has no rows to load"
    parts = []
    for _, e in errors.head(shown).iterrows():
        where = f"row {int(e['row'])}" if pd.notna(e["row"]) else "the file"
        column = f", {e['column']}" if isinstance(e["column"], str) and e["column"] else ""
        parts.append(f"{where}{column}: {e['message']}")
    more = f" (and {len(errors) - shown:,} more)" if len(errors) > shown else ""
    return f"{len(errors):,} validation errors, nothing was loaded: " + "; ".join(parts) + more


def commit_refresh(
    store: Store,
    plan: RefreshPlan,
    author: str,
    source_words: str = "the Fingertips API",
    catalogue: Catalogue | None = None,
    geography: Geography | None = None,
    scope: Scope | None = None,
) -> tuple[int, ChangeSummary] | None:
    """Write every indicator of the plan that changed as one revision; None when there is nothing to write. With a
    scope, rows outside what it may write are refused before anything is written (metrics.access.OutsideScope)."""
    todo = plan.to_write
    if not todo:
        return None
    ids = [r.indicator_id for r in todo]
    digest = hashlib.sha256("".join(r.body.sha256 for r in todo if r.body).encode()).hexdigest()
    info = RevisionInfo(
        author=author,
        action="upload",
        file_name=f"Fingertips refresh: indicators {', '.join(str(i) for i in ids)}",
        sha256=digest,
        file_format=REFRESH_FORMAT,
        note=f"Refresh of {len(ids)} Fingertips indicators from {source_words}. {OGL}",
    )
    return write_revision(store, plan.rows(), info, catalogue, geography, scope=scope)
