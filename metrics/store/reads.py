"""Reads: what the pages show, the revisions and a cell's history, the export, and previews of an upload.

Every query takes its own cursor and fetches fully, so pages may read from many threads while a write runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from metrics.areas import ENGLAND_CODE as BENCHMARK_CODE  # whose periods define a metric's "latest"
from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_VALUE_COLUMNS
from metrics.stats import CANNOT_BE_CALCULATED, COMPARE_LABELS, NOT_COMPARED
from metrics.store.schema import CHANGED, FIGURES_CHANGED, VERSION_COLUMNS

# The columns of indicator_values a page reads, the labels as text.
VALUE_COLUMNS = """v.metric_key, v.area_code, a.area_name, v.level, v.region_code, v.period, v.breakdown,
    v.period_kind, v.period_sortable, v.value, v.lower95, v.upper95, v.lower998, v.upper998, v.count,
    v.denominator, v.value_note, v.source, v.is_demo, v.is_aggregate, v.aggregation_note, v.england_value,
    v.region_value, v.compared_to_england::VARCHAR AS compared_to_england,
    v.compared_to_region::VARCHAR AS compared_to_region, v.compared_to_goal::VARCHAR AS compared_to_goal,
    v.recent_trend::VARCHAR AS recent_trend,
    v.revision_id"""

# The incoming rows of a preview (n) each with its stored row (o) and its area's name, and the status of each:
# "changed" when a figure changed, "description changed" when only the source or note did.
_INCOMING_JOINED = (
    "_incoming n LEFT JOIN observations o USING (metric_key, area_code, period, breakdown) "
    "LEFT JOIN areas a ON a.area_code = n.area_code"
)
_STATUS = (
    f"CASE WHEN o.metric_key IS NULL THEN 'new' WHEN {FIGURES_CHANGED} THEN 'changed' "
    f"WHEN {CHANGED} THEN 'description changed' ELSE 'unchanged' END"
)
# Revisions in words: what each one did, for lists and pickers (never "nan").
_REVISION_DESCRIPTION = """CASE
    WHEN action = 'rollback' THEN 'Rollback of revision ' || rolls_back::VARCHAR
    WHEN action = 'build' THEN 'Initial build' || coalesce(': ' || note, '')
    WHEN file_format IN ('delivery plan', 'commentary', 'paper details')
        THEN 'Edit of the ' || file_format || coalesce(' from ' || file_name, '') || coalesce(': ' || note, '')
    ELSE 'Upload of ' || coalesce(file_name, 'a file') || coalesce(' (' || file_format || ')', '')
         || coalesce(': ' || note, '') END"""
_OLD_VALUES = ", ".join(f"o.{c} AS old_{c}" for c in OBS_VALUE_COLUMNS)


def _kinds_lists(period_kinds: Mapping[str, str] | None) -> tuple[list[str], list[str]]:
    """A metric -> period kind mapping as two parallel lists (a query unnests them into rows)."""
    items = sorted((period_kinds or {}).items())
    return [k for k, _ in items], [v for _, v in items]


def derive_input(cur, metric_keys: list[str]) -> pa.Table:
    """The current observations of some metrics with their area's level and region and their period's kind and
    order. Through Arrow: the same frame as .df() (tested), several times faster on text columns."""
    return cur.sql(
        """SELECT o.*, a.level, a.region_code, p.kind AS period_kind, p.sortable AS period_sortable, p.start_year
           FROM observations o
           JOIN areas a USING (area_code)
           JOIN periods p USING (period)
           WHERE o.metric_key IN (SELECT unnest(?::VARCHAR[]))""",
        params=[metric_keys],
    ).to_arrow_table()


class Reads:
    """The read queries of Store (which provides _query, _scalar and _cursor)."""

    # Declared for the type checker; Store defines them.
    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def _query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def _scalar(self, sql: str, params: Iterable | None = None) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ reading: revisions and export
    def revisions(self) -> pd.DataFrame:
        """Every revision, newest first, with `description` (what it did, in words) and `rolled_back_by` (the
        rollback that undid it and stands, or missing)."""
        return self._query(
            f"""SELECT r.*, {_REVISION_DESCRIPTION} AS description,
                       (SELECT max(u.revision_id) FROM revisions u
                        WHERE u.action = 'rollback' AND u.rolls_back = r.revision_id
                          AND NOT EXISTS (SELECT 1 FROM revisions w
                                          WHERE w.action = 'rollback' AND w.rolls_back = u.revision_id))
                       AS rolled_back_by
                FROM revisions r ORDER BY revision_id DESC"""
        )

    def rollback_preview(self, revision_id: int) -> pd.DataFrame:
        """What rolling back a revision would do, cell by cell, without doing it: each cell the revision wrote that
        is still current, with its current value and the value it goes back to (`action` "restore" or
        "remove"). Cells a later revision changed are not listed: a rollback keeps them."""
        key = "metric_key, area_code, period, breakdown"
        return self._query(
            f"""WITH still_current AS (SELECT * FROM observations WHERE revision_id = ?),
                prior AS (
                    SELECT h.*, row_number() OVER (PARTITION BY h.metric_key, h.area_code, h.period, h.breakdown
                                                   ORDER BY h.revision_id DESC) AS rn
                    FROM observation_history h JOIN still_current s USING ({key})
                    WHERE h.revision_id < ?)
                SELECT s.metric_key, s.area_code, a.area_name, s.period, s.breakdown,
                       s.value AS current_value, s.source AS current_source,
                       CASE WHEN p.metric_key IS NULL OR p.is_deleted THEN NULL ELSE p.value END AS restored_value,
                       CASE WHEN p.metric_key IS NULL OR p.is_deleted THEN NULL ELSE p.source END AS restored_source,
                       CASE WHEN p.metric_key IS NULL OR p.is_deleted THEN 'remove' ELSE 'restore' END AS action
                FROM still_current s LEFT JOIN (SELECT * FROM prior WHERE rn = 1) p USING ({key})
                LEFT JOIN areas a ON a.area_code = s.area_code
                ORDER BY action DESC, s.metric_key, s.area_code, s.period, s.breakdown""",
            [revision_id, revision_id],
        )

    def revision_areas(self, revision_id: int) -> pd.DataFrame:
        """area_code, one row per cell a revision wrote (current or changed since): what rolling it back touches."""
        return self._query(
            "SELECT area_code FROM observation_versions WHERE revision_id = ? ORDER BY area_code", [revision_id]
        )

    def revision_cells_written(self, revision_id: int) -> int:
        """How many cells a revision wrote (current or changed since)."""
        return int(self._scalar("SELECT count(*) FROM observation_versions WHERE revision_id = ?", [revision_id]))

    def cell_history(self, metric_key: str, area_code: str, period: str, breakdown: str = DEFAULT_BREAKDOWN):
        """Every version of one cell, oldest first, with the revision that wrote it."""
        return self._query(
            f"""SELECT {VERSION_COLUMNS}, h.is_deleted, r.created_at, r.author, r.action, r.file_name
               FROM observation_versions h JOIN revisions r USING (revision_id)
               WHERE metric_key = ? AND area_code = ? AND period = ? AND breakdown = ?
               ORDER BY revision_id""",
            [metric_key, area_code, period, breakdown],
        )

    def cell_histories(
        self, metric_keys: list[str], area_codes: list[str], periods: list[str], breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """cell_history of every cell of these metrics in these areas and periods, in one read: by metric, area and
        period, each cell's versions oldest first."""
        return self._query(
            f"""SELECT {VERSION_COLUMNS}, h.is_deleted, r.created_at, r.author, r.action, r.file_name
               FROM observation_versions h JOIN revisions r USING (revision_id)
               WHERE metric_key IN (SELECT unnest(?::VARCHAR[])) AND area_code IN (SELECT unnest(?::VARCHAR[]))
                 AND period IN (SELECT unnest(?::VARCHAR[])) AND breakdown = ?
               ORDER BY metric_key, area_code, period, revision_id""",
            [list(metric_keys), list(area_codes), list(periods), breakdown],
        )

    def export_rows(self) -> pd.DataFrame:
        """Every stored value, in a stable order, with its source and revision."""
        return self._query(
            """SELECT o.metric_key, o.area_code, a.area_name, o.period, o.breakdown, o.value, o.lower95, o.upper95,
                      o.lower998, o.upper998, o.count, o.denominator, o.value_note, o.source, o.is_demo,
                      o.revision_id
               FROM observations o JOIN areas a USING (area_code) JOIN periods p USING (period)
               ORDER BY o.metric_key, o.area_code, p.sortable, o.period, o.breakdown"""
        )

    def derived_rows(self) -> pd.DataFrame:
        """Every derived value the pages read (authorities, regions, England, footprints, aggregates, every
        breakdown) with its comparisons and trend, in a stable order."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                ORDER BY v.metric_key, v.area_code, v.period_sortable, v.period, v.breakdown"""
        )

    def observations_for_derive(self, metric_keys: list[str]) -> pd.DataFrame:
        """What metrics.derive.derive_frame takes for some metrics, as stored (outside any write)."""
        with self._cursor() as cur:
            return derive_input(cur, metric_keys).to_pandas()

    def count_observations(self) -> int:
        return int(self._scalar("SELECT count(*) FROM observations"))

    def export_fingerprint(self) -> str:
        """A SHA-256 of the full export: equal before and after means the store is unchanged."""
        csv_text = self.export_rows().to_csv(index=False)
        return hashlib.sha256(csv_text.encode()).hexdigest()

    # ------------------------------------------------------------------ reading: what the pages show
    def latest_for_area(
        self, area_code: str, period_kinds: Mapping[str, str] | None = None, breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """For each metric, the area's row in the metric's latest period (see latest_for_areas)."""
        return self.latest_for_areas([area_code], period_kinds, breakdown)

    def latest_for_areas(
        self, area_codes: list[str], period_kinds: Mapping[str, str] | None = None, breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """For each metric and area, the area's row in its own latest period: THE rule of "latest" on every page
        and in the board report (scorecard, several-areas table, profile, Compare's and the map's default period
        through metrics.presentation.latest_period_of).

        period_kinds maps a metric to the kind of period its "latest" is taken from (the catalogue's period_kind,
        or another kind a reader chose), so that a lone row of another kind (one quarter beside annual data)
        never displaces it; a metric not in period_kinds takes the area's latest of any kind. An area's figure
        newer than England's latest is its latest (compared with England only where England has that period:
        derive leaves it Not compared otherwise).

        Beside each row, from the same series: the latest row compared with England by the dashboard's own
        calculation (compared_period, compared_value, compared_lower95, compared_upper95, compared_england_value,
        compared_verdict) and the latest recent trend that could be calculated (trend_period, trend_verdict), so
        that a latest figure that cannot be compared does not hide the comparable series behind it.
        """
        keys, kinds = _kinds_lists(period_kinds)
        computed = [c for c in COMPARE_LABELS if c != NOT_COMPARED]
        return self._query(
            f"""WITH kinds AS (SELECT unnest(?::VARCHAR[]) AS metric_key, unnest(?::VARCHAR[]) AS period_kind),
                of_kind AS (
                    SELECT v.* FROM indicator_values v LEFT JOIN kinds k ON k.metric_key = v.metric_key
                    WHERE v.area_code IN (SELECT unnest(?::VARCHAR[])) AND v.breakdown = ?
                      AND (k.period_kind IS NULL OR v.period_kind = k.period_kind)),
                compared AS (
                    SELECT metric_key, area_code, period AS compared_period, value AS compared_value,
                           lower95 AS compared_lower95, upper95 AS compared_upper95,
                           england_value AS compared_england_value,
                           compared_to_england::VARCHAR AS compared_verdict
                    FROM of_kind WHERE compared_to_england::VARCHAR IN (SELECT unnest(?::VARCHAR[]))
                    QUALIFY row_number() OVER (PARTITION BY metric_key, area_code ORDER BY period_sortable DESC) = 1),
                trended AS (
                    SELECT metric_key, area_code, period AS trend_period, recent_trend::VARCHAR AS trend_verdict
                    FROM of_kind WHERE recent_trend::VARCHAR <> ?
                    QUALIFY row_number() OVER (PARTITION BY metric_key, area_code ORDER BY period_sortable DESC) = 1)
                SELECT {VALUE_COLUMNS}, c.compared_period, c.compared_value, c.compared_lower95, c.compared_upper95,
                       c.compared_england_value, c.compared_verdict, t.trend_period, t.trend_verdict
                FROM of_kind v JOIN areas a USING (area_code)
                LEFT JOIN compared c ON c.metric_key = v.metric_key AND c.area_code = v.area_code
                LEFT JOIN trended t ON t.metric_key = v.metric_key AND t.area_code = v.area_code
                QUALIFY row_number() OVER (PARTITION BY v.metric_key, v.area_code
                                           ORDER BY v.period_sortable DESC) = 1""",
            [keys, kinds, list(area_codes), breakdown, computed, CANNOT_BE_CALCULATED],
        )

    def latest_period(self, metric_key: str, period_kind: str, breakdown: str = DEFAULT_BREAKDOWN) -> str | None:
        """The metric's latest period of one kind that England has; without one for England, the latest of that
        kind any area has; None when the metric has no period of that kind."""
        return self._scalar(
            """SELECT period FROM indicator_values
               WHERE metric_key = ? AND period_kind = ? AND breakdown = ?
               ORDER BY area_code = ? DESC, period_sortable DESC LIMIT 1""",
            [metric_key, period_kind, breakdown, BENCHMARK_CODE],
        )

    def other_period_kinds(
        self, area_codes: list[str], period_kinds: Mapping[str, str], breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """metric_key, area_code, period_kind, latest_period, latest_sortable, periods: the data some areas have in
        a kind of period other than the metric's own (period_kinds), which the pages say exists and offer."""
        keys, kinds = _kinds_lists(period_kinds)
        return self._query(
            """WITH kinds AS (SELECT unnest(?::VARCHAR[]) AS metric_key, unnest(?::VARCHAR[]) AS period_kind)
               SELECT v.metric_key, v.area_code, v.period_kind, arg_max(v.period, v.period_sortable) AS latest_period,
                      max(v.period_sortable) AS latest_sortable, count(*) AS periods
               FROM indicator_values v JOIN kinds k ON k.metric_key = v.metric_key
               WHERE v.area_code IN (SELECT unnest(?::VARCHAR[])) AND v.breakdown = ?
                 AND v.period_kind <> k.period_kind
               GROUP BY ALL ORDER BY ALL""",
            [keys, kinds, list(area_codes), breakdown],
        )

    def series(self, metric_key: str, area_codes: list[str], breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        """Every period of one metric for some areas, oldest first."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.metric_key = ? AND v.area_code IN (SELECT unnest(?::VARCHAR[])) AND v.breakdown = ?
                ORDER BY v.area_code, v.period_sortable""",
            [metric_key, area_codes, breakdown],
        )

    def series_of_metrics(
        self, metric_keys: list[str], area_codes: list[str], breakdown: str = DEFAULT_BREAKDOWN
    ) -> pd.DataFrame:
        """`series` of several metrics in one read: by metric, then as `series` orders one metric's rows."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.metric_key IN (SELECT unnest(?::VARCHAR[]))
                  AND v.area_code IN (SELECT unnest(?::VARCHAR[])) AND v.breakdown = ?
                ORDER BY v.metric_key, v.area_code, v.period_sortable""",
            [list(metric_keys), list(area_codes), breakdown],
        )

    def sparklines(self, area_code: str, breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        """metric_key, period, period_kind, value for one area across all metrics (for small trend lines)."""
        return self._query(
            """SELECT metric_key, period, period_kind, period_sortable, value FROM indicator_values
               WHERE area_code = ? AND breakdown = ? ORDER BY metric_key, period_sortable""",
            [area_code, breakdown],
        )

    def values_for_period(
        self,
        metric_key: str,
        period: str,
        area_codes: list[str] | None = None,
        level: str | None = None,
        breakdown: str = DEFAULT_BREAKDOWN,
    ) -> pd.DataFrame:
        """One metric in one period, for listed areas or all areas of a level."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.metric_key = ? AND v.period = ? AND v.breakdown = ?
                  AND (?::VARCHAR[] IS NULL OR v.area_code IN (SELECT unnest(?::VARCHAR[])))
                  AND (?::VARCHAR IS NULL OR v.level = ?)
                ORDER BY a.area_name""",
            [metric_key, period, breakdown, area_codes, area_codes, level, level],
        )

    def latest_level_values(
        self,
        level: str = "utla",
        period_kinds: Mapping[str, str] | None = None,
        breakdown: str = DEFAULT_BREAKDOWN,
        real_only: bool = False,
    ) -> pd.DataFrame:
        """metric_key, period, area_code, value for every area of a level in each metric's latest period with
        values at that level, of the metric's kind in period_kinds (any kind for a metric not in it), and no later
        than England's latest (the period the pages call latest), for spine charts and quintiles. `real_only`: the
        demonstration values of those periods left out (the periods are still chosen among all values)."""
        keys, kinds = _kinds_lists(period_kinds)
        real = " WHERE NOT coalesce(v.is_demo, false)" if real_only else ""
        return self._query(
            """WITH kinds AS (SELECT unnest(?::VARCHAR[]) AS metric_key, unnest(?::VARCHAR[]) AS period_kind),
               of_kind AS (
                   SELECT v.* FROM indicator_values v LEFT JOIN kinds k ON k.metric_key = v.metric_key
                   WHERE v.level = ? AND v.breakdown = ? AND (k.period_kind IS NULL OR v.period_kind = k.period_kind)),
               england AS (
                   SELECT v.metric_key, max(v.period_sortable) AS s
                   FROM indicator_values v LEFT JOIN kinds k ON k.metric_key = v.metric_key
                   WHERE v.area_code = ? AND v.breakdown = ? AND v.value IS NOT NULL
                     AND (k.period_kind IS NULL OR v.period_kind = k.period_kind)
                   GROUP BY v.metric_key),
               latest AS (
                   SELECT o.metric_key, max(o.period_sortable) AS s
                   FROM of_kind o LEFT JOIN england e ON e.metric_key = o.metric_key
                   WHERE o.value IS NOT NULL AND (e.s IS NULL OR o.period_sortable <= e.s)
                   GROUP BY o.metric_key)
               SELECT v.metric_key, v.period, v.area_code, v.value
               FROM of_kind v JOIN latest l ON v.metric_key = l.metric_key AND v.period_sortable = l.s"""
            + real,
            [keys, kinds, level, breakdown, BENCHMARK_CODE, breakdown],
        )

    def periods_for_metric(self, metric_key: str) -> pd.DataFrame:
        return self._query(
            """SELECT DISTINCT v.period, v.period_sortable, v.period_kind FROM indicator_values v
               WHERE v.metric_key = ? ORDER BY v.period_sortable DESC""",
            [metric_key],
        )

    def breakdowns_for_metric(self, metric_key: str) -> list[str]:
        df = self._query(
            "SELECT DISTINCT breakdown FROM indicator_values WHERE metric_key = ? ORDER BY 1", [metric_key]
        )
        return df["breakdown"].tolist()

    def demo_share(self) -> float:
        """Fraction of stored values that are demonstration data (0 when empty)."""
        v = self._scalar("SELECT avg(CASE WHEN is_demo THEN 1.0 ELSE 0.0 END) FROM observations")
        return float(v) if v is not None else 0.0

    def last_real_load(self, metric_key: str) -> dict | None:
        """The revision that last wrote a current real (not demonstration) value of a metric: revision_id,
        created_at, action, file_name; None when it has no real value."""
        df = self._query(
            """SELECT r.revision_id, r.created_at, r.action, r.file_name, r.file_format
               FROM revisions r
               WHERE r.revision_id = (SELECT max(revision_id) FROM observations
                                      WHERE metric_key = ? AND NOT is_demo)""",
            [metric_key],
        )
        return df.iloc[0].to_dict() if not df.empty else None

    def latest_revision(self) -> int:
        """The newest revision's number (0 for an empty store): what the pages' caches are keyed on, so that a
        commit made anywhere is what the next page load shows."""
        return int(self._scalar("SELECT coalesce(max(revision_id), 0) FROM revisions"))

    def data_as_of(self) -> datetime | None:
        return self._scalar("SELECT max(created_at) FROM revisions")

    # ------------------------------------------------------------------ previews of an upload, computed in DuckDB
    def preview(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Each incoming row with its area's name, its current stored values (old_*) and status new / changed /
        description changed / unchanged."""
        return self._query_incoming(
            rows,
            f"""SELECT n.*, a.area_name, {_OLD_VALUES}, {_STATUS} AS status FROM {_INCOMING_JOINED}
                      ORDER BY n.metric_key, n.area_code, n.period, n.breakdown""",
        )

    def preview_counts(self, rows: pd.DataFrame) -> pd.DataFrame:
        """metric_key, area_code, area_name, status (new / changed / description changed / unchanged), rows: the
        preview, grouped."""
        return self._query_incoming(
            rows,
            f"""SELECT n.metric_key, n.area_code, a.area_name, {_STATUS} AS status, count(*) AS rows
                      FROM {_INCOMING_JOINED} GROUP BY ALL ORDER BY 1, 2, 4""",
        )

    def preview_changes(self, rows: pd.DataFrame, limit: int = 2000) -> pd.DataFrame:
        """Changed rows first, then those whose description alone changed, then new ones, old -> new (at most
        `limit` rows), each with its area's name."""
        return self._query_incoming(
            rows,
            f"""SELECT * FROM (SELECT n.*, a.area_name, {_OLD_VALUES}, {_STATUS} AS status
                                     FROM {_INCOMING_JOINED})
                      WHERE status <> 'unchanged'
                      ORDER BY CASE status WHEN 'changed' THEN 0 WHEN 'description changed' THEN 1 ELSE 2 END,
                               metric_key, area_code, period, breakdown LIMIT ?""",
            [limit],
        )

    def _query_incoming(self, rows: pd.DataFrame, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query over the incoming rows (as _incoming) on a cursor of its own."""
        with self._cursor() as cur:
            cur.register("_incoming", rows[OBS_COLUMNS])
            out = cur.execute(sql, params).df()
            cur.unregister("_incoming")
            return out

    def count_from_source(self, source: str) -> int:
        """How many stored values carry one source label (tests use it to see whole-or-nothing commits)."""
        return int(self._scalar("SELECT count(*) FROM observations WHERE source = ?", [source]))

    # ------------------------------------------------------------------ reading: map, inequalities, area groups
    # (issue 18; kept together at the end of the class)
    def breakdown_series(self, metric_key: str, area_codes: list[str]) -> pd.DataFrame:
        """Every period and every breakdown of one metric for some areas (the inequalities page)."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.metric_key = ? AND v.area_code IN (SELECT unnest(?::VARCHAR[]))
                ORDER BY v.area_code, v.breakdown, v.period_sortable""",
            [metric_key, area_codes],
        )

    def observations_for_areas(self, area_codes: list[str]) -> pd.DataFrame:
        """The current observations of some areas with the columns metrics.derive reads (area level and region,
        period kind, order and start year): for deriving a user's own group of authorities."""
        return self._query(
            """SELECT o.*, a.level, a.region_code, p.kind AS period_kind, p.sortable AS period_sortable,
                      p.start_year
               FROM observations o
               JOIN areas a USING (area_code)
               JOIN periods p USING (period)
               WHERE o.area_code IN (SELECT unnest(?::VARCHAR[]))
               ORDER BY o.metric_key, o.area_code, o.breakdown, p.sortable""",
            [area_codes],
        )

    def metrics_with_breakdowns(self, area_codes: list[str] | None = None, real_only: bool = False) -> list[str]:
        """The metrics with any value for a breakdown other than the total (sex, age, deprivation ...), for any area
        or for the areas given; with real_only, real values only."""
        return self._query(
            """SELECT DISTINCT metric_key FROM indicator_values
               WHERE breakdown <> ? AND value IS NOT NULL AND (NOT ? OR NOT is_demo)
                 AND (?::VARCHAR[] IS NULL OR area_code IN (SELECT unnest(?::VARCHAR[]))) ORDER BY 1""",
            [DEFAULT_BREAKDOWN, real_only, area_codes, area_codes],
        )["metric_key"].tolist()

    def areas_with_breakdowns(self, metric_keys: list[str], real_only: bool = False) -> list[str]:
        """The areas with a value for a breakdown other than the total of any of the metrics."""
        return self._query(
            """SELECT DISTINCT area_code FROM indicator_values
               WHERE breakdown <> ? AND value IS NOT NULL AND (NOT ? OR NOT is_demo)
                 AND metric_key IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1""",
            [DEFAULT_BREAKDOWN, real_only, metric_keys],
        )["area_code"].tolist()
