"""The facts of a board report, collected from the store's public reads and worded for a board.

Every figure comes from the reads the pages use (Store.latest_for_area, series, latest_level_values, revisions,
cell_history), each made once for the whole report (ReadOnce), and is formatted by metrics.presentation, so the
report says what the scorecard, trends and profile pages say. A sentence never claims more than the figures
support: no comparison without a confidence interval and a benchmark value ("not compared"), nothing for an area
without figures ("no local data").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics import presentation as pr
from metrics import stats, visibility
from metrics.access import Scope
from metrics.areas import ENGLAND_CODE, Area, Geography
from metrics.catalogue import Catalogue, Indicator
from metrics.chart_images import ChartImage
from metrics.vocabulary import AS_PUBLISHED, SIMILAR

OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). © Crown copyright."
)
DEMO_WARNING = (
    "Demonstration data, included as asked. Some figures in this report are generated for demonstration and are "
    "not real; they are marked “Demo” in the tables and “[demonstration figure]” in the text. Only figures whose "
    "source says “Published”, or that were uploaded by an analyst, are real. Do not use this report for decisions "
    "until real data has been loaded."
)
REAL_ONLY_NOTE = (
    "Real figures only: demonstration data is left out of this report. An indicator without a published figure "
    "says “no local data”; refresh it from Fingertips or upload a file (the dashboard's Definitions page says "
    "where to get each)."
)
MAX_CHANGES = 80  # rows of the "what changed" table; the rest are counted

Progress = Callable[[float, str], None]


class RealOnlyStore:
    """A store whose reads leave out every demonstration row: the report's figures when demonstration data was not
    asked for. A series is real or demonstration as a whole, so a metric and area with only demonstration values
    simply has none here."""

    def __init__(self, store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def read(*args, **kwargs):
            out = attr(*args, **kwargs)
            # (a frame with nothing to leave out is passed on as it is, not copied)
            if isinstance(out, pd.DataFrame) and "is_demo" in out.columns and pr.is_demo_flags(out).any():
                return pr.real_only(out)
            return out

        return read

    def sparklines(self, area_code: str, *args, **kwargs) -> pd.DataFrame:
        # (no is_demo column: keep the metrics whose latest value for the area is real)
        frame = self._store.sparklines(area_code, *args, **kwargs)
        real = set(self.latest_for_area(area_code)["metric_key"])
        return frame[frame["metric_key"].isin(real)].reset_index(drop=True)

    def latest_level_values(self, level: str = "utla", *args, **kwargs) -> pd.DataFrame:
        # (no is_demo column: the store leaves out the demonstration values of the periods it chose)
        return self._store.latest_level_values(level, *args, real_only=True, **kwargs)


class ReadOnce:
    """A store whose reads the report repeats are made once: `read_series` reads several metrics' series in one
    query and `read_latest` several areas' latest rows, which `series` and latest_for_area then answer from;
    latest_for_area(s) answers a repeated question from its first answer. Each answer is a copy, so that no reader
    changes another's."""

    def __init__(self, store) -> None:
        self._store = store
        self._series: dict[str, pd.DataFrame] = {}
        self._series_codes: frozenset[str] = frozenset()
        self._no_series: pd.DataFrame | None = None
        self._latest: dict[tuple, pd.DataFrame] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def read_series(self, metric_keys: list[str], area_codes: list[str]) -> None:
        """Read every period of these metrics for these areas (the default breakdown) now, in one query."""
        frame = self._store.series_of_metrics(metric_keys, area_codes)
        self._series = {str(key): part.reset_index(drop=True) for key, part in frame.groupby("metric_key", sort=False)}
        self._series_codes = frozenset(area_codes)
        self._no_series = frame.iloc[:0]

    def series(self, metric_key: str, area_codes: list[str], *args, **kwargs) -> pd.DataFrame:
        if args or kwargs or self._no_series is None or not self._series_codes.issuperset(area_codes):
            return self._store.series(metric_key, area_codes, *args, **kwargs)
        part = self._series.get(metric_key, self._no_series)
        wanted = part["area_code"].isin(area_codes)
        return part.copy() if wanted.all() else part[wanted].reset_index(drop=True)

    def read_latest(self, area_codes: list[str], period_kinds: Mapping[str, str] | None = None) -> None:
        """Read the latest rows of several areas (the default breakdown) now, in one query, for latest_for_area to
        answer each area's from (a row depends on its own area's series alone)."""
        frame = self._store.latest_for_areas(area_codes, period_kinds)
        for code in area_codes:
            part = frame[frame["area_code"] == code].reset_index(drop=True)
            self._latest[self._latest_key([code], period_kinds, (), {})] = part

    @staticmethod
    def _latest_key(area_codes: list[str], period_kinds: Mapping[str, str] | None, args, kwargs) -> tuple:
        return (tuple(area_codes), tuple(sorted((period_kinds or {}).items())), args, tuple(sorted(kwargs.items())))

    def latest_for_areas(
        self, area_codes: list[str], period_kinds: Mapping[str, str] | None = None, *args, **kwargs
    ) -> pd.DataFrame:
        key = self._latest_key(area_codes, period_kinds, args, kwargs)
        if key not in self._latest:
            self._latest[key] = self._store.latest_for_areas(area_codes, period_kinds, *args, **kwargs)
        return self._latest[key].copy()

    def latest_for_area(self, area_code: str, *args, **kwargs) -> pd.DataFrame:
        return self.latest_for_areas([area_code], *args, **kwargs)


class ReportError(ValueError):
    """A bad request (unknown area, revision or date; a benchmark the area has not): the message says what to do."""


@dataclass(frozen=True)
class SinceChoice:
    """What "changes since" means: the last revision before the date or the revision named (none: before any)."""

    label: str
    revision_id: int | None  # changes are the revisions after this one; None: the data was all loaded after
    requested: str


@dataclass
class MetricFacts:
    indicator: Indicator
    row: dict  # the scorecard's row for the metric (metrics.presentation.scorecard_rows)
    latest: dict | None  # the area's latest derived row (Store.latest_for_area), None without one
    verdict: str  # the comparison with the benchmark, in Fingertips' words
    local: bool  # the area has a figure for the metric
    sentences: list[str]

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def is_demo(self) -> bool:
        return bool(self.row.get("is_demo"))

    @property
    def trend(self) -> str:
        return str(self.latest["recent_trend"]) if self.latest else ""

    @property
    def goal(self) -> str:
        return str(self.latest["compared_to_goal"]) if self.latest and self.local else "Not compared"


@dataclass
class OutcomeFacts:
    key: str
    name: str
    metrics: list[MetricFacts]


@dataclass
class Change:
    kind: str  # "New period" | "Revised value" | "Verdict changed"
    metric_key: str
    indicator: str
    area: str
    period: str
    before: str
    after: str
    revision: str  # "revision 3, 2 Dec 2026 (upload of file.csv)"
    source: str


@dataclass
class ChartFacts:
    key: str
    image: ChartImage
    alt: str
    caption: str
    is_demo: bool = False


@dataclass
class ReportModel:
    area: Area
    area_label: str
    region: Area | None
    benchmark: str  # "England" | "Region"
    benchmark_name: str  # "England" or the region's name
    data_as_of: datetime | None
    generated: datetime
    any_demo: bool
    outcomes: list[OutcomeFacts]
    since: SinceChoice
    revisions_since: list[dict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    changes_left_out: int = 0
    change_notes: list[str] = field(default_factory=list)
    charts: list[ChartFacts] = field(default_factory=list)
    chart_notes: list[str] = field(default_factory=list)
    restricted_note: str | None = None  # why restricted metrics are left out (metrics.visibility.placeholder)
    paper: Any = None  # metrics.report.paper.PaperFacts: the partnership's own words (None: the data report alone)
    with_demonstration: bool = False  # demonstration data asked for (else every demonstration row is left out)

    @property
    def title(self) -> str:
        return f"Combating drugs: quarterly highlight report for {self.area.name}"

    @property
    def document_title(self) -> str:
        """The paper's own title where its details give one, else `title`."""
        given = self.paper.detail("title") if self.paper is not None else None
        return str(given) if given else self.title

    @property
    def compare_column(self) -> str:
        return f"Compared with {self.benchmark}"

    @property
    def metrics(self) -> list[MetricFacts]:
        return [m for o in self.outcomes for m in o.metrics]

    def at_a_glance(self) -> pd.DataFrame:
        """Per outcome: how many metrics are better / similar / worse than the benchmark, higher or lower where
        neither is better, not compared, compared only by their publisher (as published); how many with a target
        meet it or miss it."""
        rows = []
        for o in self.outcomes:
            verdicts = [m.verdict for m in o.metrics]
            with_target = [m for m in o.metrics if m.indicator.target is not None]
            rows.append(
                {
                    "Outcome": o.name,
                    "Indicators": len(o.metrics),
                    "Better": verdicts.count("Better"),
                    "Similar": verdicts.count("Similar"),
                    "Worse": verdicts.count("Worse"),
                    "Higher or lower (no judgement)": verdicts.count("Higher") + verdicts.count("Lower"),
                    "Not compared": verdicts.count(stats.NOT_COMPARED),
                    "As published": sum(v.endswith(AS_PUBLISHED) for v in verdicts),
                    "On target": sum(m.goal == "Green" for m in with_target),
                    "Off target": sum(m.goal in ("Amber", "Red") for m in with_target),
                }
            )
        return pd.DataFrame(rows)

    def needs_attention(self) -> dict[str, list[MetricFacts]]:
        metrics = self.metrics
        red_red = [m for m in metrics if m.verdict == "Worse" and m.trend.endswith("getting worse")]
        return {
            f"Worse than {self.benchmark_name} and getting worse": red_red,
            f"Worse than {self.benchmark_name}": [m for m in metrics if m.verdict == "Worse" and m not in red_red],
            "Missing the target": [m for m in metrics if m.indicator.target is not None and m.goal in ("Amber", "Red")],
        }

    def going_well(self) -> dict[str, list[MetricFacts]]:
        metrics = self.metrics
        both = [m for m in metrics if m.verdict == "Better" and m.trend.endswith("getting better")]
        return {
            f"Better than {self.benchmark_name} and improving": both,
            f"Better than {self.benchmark_name}": [m for m in metrics if m.verdict == "Better" and m not in both],
            "Meeting the target": [m for m in metrics if m.indicator.target is not None and m.goal == "Green"],
        }

    def sources(self) -> list[tuple[str, str]]:
        """(indicator, source) for every metric in the report, and the sources of the figures themselves."""
        return [(m.indicator.short_name, m.indicator.source) for m in self.metrics]

    def figure_sources(self) -> list[str]:
        return sorted({pr.short_source(m.row.get("Source")) for m in self.metrics if m.row.get("Source")})


# --------------------------------------------------------------------------------------------------- words
def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA


def _val(v: Any, unit: str) -> str:
    return pr.format_value(v, unit)


def _not_compared_reason(ind: Indicator, latest: dict, bench_value: Any, bench_name: str) -> str:
    if not ind.benchmarkable:
        return f"not compared with {bench_name}: counts of areas of different sizes are not compared"
    if _missing(latest.get("lower95")) or _missing(latest.get("upper95")):
        return f"not compared with {bench_name}: no confidence interval is available for this figure"
    if _missing(bench_value):
        return f"not compared: there is no {bench_name} value for {latest['period']}"
    return f"not compared with {bench_name}"


def _verdict_words(verdict: str, ind: Indicator, latest: dict, bench_value: Any, bench_name: str) -> str:
    if latest.get("area_code") == ENGLAND_CODE:
        return "England's own figure (the benchmark)"
    bench = f"{bench_name} ({_val(bench_value, ind.unit)})"
    if verdict.endswith(AS_PUBLISHED):
        word = verdict.removesuffix(AS_PUBLISHED)
        stated = "similar to" if word == SIMILAR else f"{word.lower()} than"
        return (
            f"{stated} {bench if not _missing(bench_value) else bench_name} as its publisher states it (as "
            "published: the dashboard has no confidence interval to test it)"
        )
    if verdict == "Better":
        return f"significantly better than {bench}"
    if verdict == "Worse":
        return f"significantly worse than {bench}"
    if verdict == "Similar":
        return f"similar to {bench}, not significantly different"
    if verdict in ("Higher", "Lower"):
        return (
            f"significantly {verdict.lower()} than {bench}; neither higher nor lower is judged better "
            "for this indicator"
        )
    return _not_compared_reason(ind, latest, bench_value, bench_name)


def metric_sentences(
    ind: Indicator,
    area: Area,
    latest: dict | None,
    england: dict | None,
    verdict: str,
    bench_value: Any,
    bench_name: str,
    local: bool,
) -> list[str]:
    """One to four sentences about one metric (which the report names just before them), from its figures only."""
    if not local:
        if latest is None and not (area.level in ind.levels or (area.level == "cdp" and ind.published_locally)):
            where = ind.geography_words.replace("; England shown", "")
            first = f"No local data: published for {where}."
        elif ind.tier == "local":
            first = f"No local data uploaded yet for {area.name}."
        elif latest is not None and isinstance(latest.get("aggregation_note"), str) and latest["aggregation_note"]:
            first = f"No local figure for {area.name}. {latest['aggregation_note']}."
        else:
            first = f"No local data for {area.name}."
        if england is not None and not _missing(england.get("value")):
            first += f" England's latest value is {_val(england['value'], ind.unit)} ({england['period']})."
        return [first]
    if latest is None:  # a local metric without a local row is answered above; this keeps the types honest
        return [f"No local data for {area.name}."]
    period, value, note = latest["period"], latest["value"], latest.get("value_note")
    if _missing(value):
        text = f"In {period}, the figure for {area.name} is suppressed"
        return [text + (f" ({note})." if isinstance(note, str) and note else ".")]
    ci = pr.format_ci(latest.get("lower95"), latest.get("upper95"), ind.unit)
    ci_words = f" (95% confidence interval {ci})" if ci else ""
    verdict_words = _verdict_words(verdict, ind, latest, bench_value, bench_name)
    out = [f"In {period}, the figure for {area.name} was {_val(value, ind.unit)}{ci_words}, {verdict_words}."]
    earlier = pr.latest_compared_words(latest, ind, bench_name)
    if earlier and bench_name == "England" and not verdict_words.startswith(("significantly", "similar")):
        out.append(earlier[0].upper() + earlier[1:] + ".")
    trend = str(latest.get("recent_trend") or "")
    trend_then = pr.latest_trend_words(latest)
    if trend == "Cannot be calculated" and trend_then:
        out.append(f"A recent trend cannot be calculated for {period}; {trend_then}.")
    elif trend == "Cannot be calculated":
        out.append("A recent trend cannot be calculated.")
    elif trend:
        out.append(f"Recent trend: {trend[0].lower() + trend[1:]}.")
    if ind.target is not None:
        out.append(pr.goal_words(latest.get("compared_to_goal"), ind) + ".")
    if latest.get("is_demo"):
        out.append("(Demonstration figure, not real.)")
    return out


# --------------------------------------------------------------------------------------------------- since
def default_since(today: date | None = None) -> date:
    """The first day of the previous calendar quarter: a quarterly paper reports what changed since the last."""
    today = today or date.today()
    q_start_month = 3 * ((today.month - 1) // 3) + 1
    month, year = q_start_month - 3, today.year
    if month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_since(text: str | int | date | None, revisions: pd.DataFrame, today: date | None = None) -> SinceChoice:
    """A revision number or a date (YYYY-MM-DD) as the point the report's "what changed" starts from."""
    if text is None or text == "":
        text = default_since(today)
    if isinstance(text, int) or (isinstance(text, str) and text.strip().isdigit()):
        rid = int(text)
        known = {int(r) for r in revisions["revision_id"]} if not revisions.empty else set()
        if rid not in known:
            latest = max(known) if known else None
            raise ReportError(
                (f"revision {rid} does not exist; the revisions are 1 to {latest} (see `python -m metrics history`)")
                if latest
                else "the database has no revisions"
            )
        return SinceChoice(f"revision {rid}", rid, str(text))
    if isinstance(text, str):
        if not _DATE.match(text.strip()):
            raise ReportError(f"--since {text!r} is neither a revision number nor a date written YYYY-MM-DD")
        try:
            when = date.fromisoformat(text.strip())
        except ValueError:
            raise ReportError(f"--since {text!r} is not a real date (YYYY-MM-DD)") from None
    else:
        when = text
    if when > (today or date.today()):
        raise ReportError(f"--since {when:%Y-%m-%d} is in the future")
    before = (
        revisions[pd.to_datetime(revisions["created_at"]) < pd.Timestamp(when)] if not revisions.empty else revisions
    )
    last_before = int(before["revision_id"].max()) if not before.empty else None
    return SinceChoice(f"{when:%-d %B %Y}", last_before, str(when))


def revision_words(rev: dict) -> str:
    when = pd.Timestamp(rev["created_at"]).strftime("%-d %b %Y %H:%M")
    what = {"build": "build", "upload": "upload", "rollback": "rollback"}.get(rev["action"], rev["action"])
    file = rev.get("file_name")
    file = f" of {file}" if isinstance(file, str) and file else ""
    if rev["action"] == "rollback" and not _missing(rev.get("rolls_back")):
        file = f" of revision {int(rev['rolls_back'])}"
    return f"revision {int(rev['revision_id'])}, {when} ({what}{file})"


# --------------------------------------------------------------------------------------------------- collect
def _records(df: pd.DataFrame) -> dict[str, dict]:
    return {r["metric_key"]: r for r in df.to_dict("records")} if not df.empty else {}


def check_area(code: str, geography: Geography) -> Area:
    resolved = geography.resolve_code(code)
    if resolved is None:
        near = geography.suggest(code)
        hint = f" Did you mean {near.name} ({near.code})?" if near is not None else ""
        raise ReportError(f"area {code!r} is not an authority, region or CDP footprint we know.{hint}")
    return geography.get(resolved)


def check_benchmark(benchmark: str, area: Area, geography: Geography) -> tuple[str, Area | None]:
    """("England" | "Region", the region) for a benchmark named england or region."""
    choice = str(benchmark or "england").strip().lower()
    if choice not in ("england", "region"):
        raise ReportError(f"benchmark {benchmark!r}: choose england or region")
    region = geography.region_of(area.code) if area.level in ("utla", "cdp") else None
    region = region if region is not None and region.level == "region" else None
    if choice == "region" and region is None:
        raise ReportError(
            f"{area.name} has no region to compare with (a region, England or a footprint across "
            "regions): use --benchmark england"
        )
    return ("Region" if choice == "region" else "England"), region


def collect(
    store,
    catalogue: Catalogue,
    geography: Geography,
    area_code: str,
    benchmark: str = "england",
    since: str | int | date | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    scope: Scope | None = None,
    with_demonstration: bool = False,
    checked: Callable[[], None] | None = None,
    described: Callable[[ChartFacts], None] | None = None,
) -> ReportModel:
    """Every fact of the report for one area (charts described, not yet drawn). With a scope that may not see the
    area's restricted metrics, they are left out (figures, sentences, changes and charts) and a note says why. Real
    figures only unless `with_demonstration`: then demonstration values are in it, and it says so on its cover and
    marks each. `checked()` is called once the request is found good (area, benchmark, revision or date), before
    any figure is read (build_report starts its browser then); `described(chart)` as each chart is described, before
    the changes are worked out (build_report has it drawn meanwhile)."""
    from metrics.report import changes as changes_mod
    from metrics.report import charts as charts_mod

    progress = progress or (lambda f, t: None)
    reads = store = ReadOnce(store)
    if not with_demonstration:
        store = RealOnlyStore(store)
    area = check_area(area_code, geography)
    restricted_note = None
    if scope is not None and not scope.sees_everything:
        store = visibility.VisibleStore(store, scope, catalogue)
        if hidden := visibility.hidden_metrics(catalogue, scope, [area.code]):
            restricted_note = visibility.placeholder(hidden, [area.name])
            hidden_keys = {i.key for i in hidden}
            catalogue = Catalogue(
                outcomes=catalogue.outcomes,
                indicators=tuple(i for i in catalogue.indicators if i.key not in hidden_keys),
            )
    bench, region = check_benchmark(benchmark, area, geography)
    bench_name = region.name if bench == "Region" and region is not None else "England"
    revisions = store.revisions()
    since_choice = parse_since(since, revisions, today)
    if checked is not None:
        checked()

    progress(0.05, "Reading the figures")
    # The pages' rule of "latest" (Store.latest_for_areas with the catalogue's kinds of period): the report and the
    # scorecard show the same period of every metric.
    kinds = catalogue.period_kinds()
    # The latest rows the report reads, of the area and its benchmarks, in one query for each rule of "latest"
    # (the catalogue's kinds of period for the figures; any kind for the spine chart, as the profile page).
    benchmarked = list(dict.fromkeys([area.code, ENGLAND_CODE, *([region.code] if region is not None else [])]))
    reads.read_latest(benchmarked, kinds)
    reads.read_latest(benchmarked)
    latest = store.latest_for_area(area.code, kinds)
    england = store.latest_for_area(ENGLAND_CODE, kinds)
    region_latest = store.latest_for_area(region.code, kinds) if region is not None else None
    indicators = [i for i in catalogue.ordered() if i.tier != "local" or area.code in i.areas]
    # A joint footprint's members, each with its own figure where the footprint's cannot be computed (as the
    # scorecard shows them).
    members = {m: geography.get(m).name for m in area.members} if area.level == "cdp" else {}
    rows = pr.scorecard_rows(
        indicators,
        area.code,
        area.level,
        latest,
        england,
        region_latest,
        store.sparklines(area.code),
        bench,
        members_latest=store.latest_for_areas(list(members), kinds) if members else None,
        members=members,
    )
    compare_col = f"Compared with {bench}"
    by_latest, by_england = _records(latest), _records(england)
    rows_by_key = {r["key"]: r for r in rows.to_dict("records")}

    outcomes = []
    for outcome in catalogue.outcomes:
        facts = []
        for ind in indicators:
            if ind.outcome != outcome.key:
                continue
            row = rows_by_key[ind.key]
            lat = by_latest.get(ind.key)
            level_ok = area.level in ind.levels or (area.level == "cdp" and ind.published_locally)
            local = lat is not None and level_ok and not (_missing(lat.get("value")) and lat.get("is_aggregate"))
            verdict = str(row[compare_col]) if local else stats.NOT_COMPARED
            bench_value = None
            if lat is not None:
                bench_value = lat.get("region_value") if bench == "Region" else lat.get("england_value")
            sentences = metric_sentences(
                ind, area, lat if level_ok else None, by_england.get(ind.key), verdict, bench_value, bench_name, local
            )
            if row.get("Members"):
                sentences.append(f"Its members' own latest figures: {row['Members']}.")
            facts.append(MetricFacts(ind, row, lat if level_ok else None, verdict, local, sentences))
        if facts:
            outcomes.append(OutcomeFacts(outcome.key, outcome.name, facts))

    model = ReportModel(
        area=area,
        area_label=pr.area_label(area.code, geography),
        region=region,
        benchmark=bench,
        benchmark_name=bench_name,
        data_as_of=store.data_as_of(),
        generated=datetime.now(),
        any_demo=bool(rows["is_demo"].fillna(False).astype(bool).any()) if not rows.empty else False,
        outcomes=outcomes,
        since=since_choice,
        restricted_note=restricted_note,
        with_demonstration=with_demonstration,
    )

    # Every series the changes and the charts read (the area's, its members', England's and the region's), at once.
    own_codes = list(area.members) if area.level == "cdp" else [area.code]
    bench_codes = [ENGLAND_CODE] + ([region.code] if region is not None else [])
    reads.read_series([i.key for i in indicators], list(dict.fromkeys([area.code, *own_codes, *bench_codes])))
    progress(0.15, "Preparing the charts")
    charts_mod.describe_charts(model, store, catalogue, geography, described)
    progress(0.25, "Finding what changed")
    changes_mod.fill_changes(model, store, catalogue, geography, revisions)
    # issue 31: the paper's words (details, plan, commentary) and the plan as it stood at the last board.
    from metrics.report.paper import collect_paper

    model.paper = collect_paper(store, catalogue, area.code, since_choice.revision_id, today)
    if any(c.is_demo for c in model.charts):
        model.any_demo = True
    return model
