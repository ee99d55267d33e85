"""Reads: what the pages show, the revisions and a cell's history, the export, and previews of an upload.

Every query takes its own cursor and fetches fully, so pages may read from many threads while a write runs.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from metrics.columns import DEFAULT_BREAKDOWN, OBS_COLUMNS, OBS_VALUE_COLUMNS
from metrics.store.schema import CHANGED, VERSION_COLUMNS

# The columns of indicator_values a page reads, the labels as text.
VALUE_COLUMNS = """v.metric_key, v.area_code, a.area_name, v.level, v.region_code, v.period, v.breakdown,
    v.period_kind, v.period_sortable, v.value, v.lower95, v.upper95, v.lower998, v.upper998, v.count,
    v.denominator, v.value_note, v.source, v.is_demo, v.is_aggregate, v.aggregation_note, v.england_value,
    v.region_value, v.compared_to_england::VARCHAR AS compared_to_england,
    v.compared_to_region::VARCHAR AS compared_to_region, v.compared_to_goal::VARCHAR AS compared_to_goal,
    v.recent_trend::VARCHAR AS recent_trend,
    v.revision_id"""

# The incoming rows of a preview (n) each with its stored row (o), and the status of each.
_INCOMING_JOINED = "_incoming n LEFT JOIN observations o USING (metric_key, area_code, period, breakdown)"
_STATUS = f"CASE WHEN o.metric_key IS NULL THEN 'new' WHEN {CHANGED} THEN 'changed' ELSE 'unchanged' END"
_OLD_VALUES = ", ".join(f"o.{c} AS old_{c}" for c in OBS_VALUE_COLUMNS)


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
    """The read queries of Store (which provides _query, _scalar and _con)."""

    # Declared for the type checker; Store defines them.
    _con: duckdb.DuckDBPyConnection

    def _query(self, sql: str, params: Iterable | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def _scalar(self, sql: str, params: Iterable | None = None) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ reading: revisions and export
    def revisions(self) -> pd.DataFrame:
        return self._query("SELECT * FROM revisions ORDER BY revision_id DESC")

    def cell_history(self, metric_key: str, area_code: str, period: str, breakdown: str = DEFAULT_BREAKDOWN):
        """Every version of one cell, oldest first, with the revision that wrote it."""
        return self._query(
            f"""SELECT {VERSION_COLUMNS}, h.is_deleted, r.created_at, r.author, r.action, r.file_name
               FROM observation_versions h JOIN revisions r USING (revision_id)
               WHERE metric_key = ? AND area_code = ? AND period = ? AND breakdown = ?
               ORDER BY revision_id""",
            [metric_key, area_code, period, breakdown],
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
        cur = self._con.cursor()
        try:
            return derive_input(cur, metric_keys).to_pandas()
        finally:
            cur.close()

    def count_observations(self) -> int:
        return int(self._scalar("SELECT count(*) FROM observations"))

    def export_fingerprint(self) -> str:
        """A SHA-256 of the full export: equal before and after means the store is unchanged."""
        csv_text = self.export_rows().to_csv(index=False)
        return hashlib.sha256(csv_text.encode()).hexdigest()

    # ------------------------------------------------------------------ reading: what the pages show
    def latest_for_area(self, area_code: str, breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        """For each metric, the area's row in the latest period that has any value for the area."""
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.area_code = ? AND v.breakdown = ?
                QUALIFY row_number() OVER (PARTITION BY v.metric_key ORDER BY v.period_sortable DESC) = 1""",
            [area_code, breakdown],
        )

    def latest_for_areas(self, area_codes: list[str], breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        return self._query(
            f"""SELECT {VALUE_COLUMNS}
                FROM indicator_values v JOIN areas a USING (area_code)
                WHERE v.area_code IN (SELECT unnest(?::VARCHAR[])) AND v.breakdown = ?
                QUALIFY row_number() OVER (PARTITION BY v.metric_key, v.area_code
                                           ORDER BY v.period_sortable DESC) = 1""",
            [area_codes, breakdown],
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

    def sparklines(self, area_code: str, breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        """metric_key, period, period_kind, value for one area across all metrics (for small trend lines)."""
        return self._query(
            """SELECT metric_key, period, period_kind, period_sortable, value FROM indicator_values
               WHERE area_code = ? AND breakdown = ? ORDER BY metric_key, period_sortable""",
            [area_code, breakdown],
        )

    def values_for_period(self, metric_key: str, period: str, area_codes: list[str] | None = None,
                          level: str | None = None, breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
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

    def latest_level_values(self, level: str = "utla", breakdown: str = DEFAULT_BREAKDOWN) -> pd.DataFrame:
        """metric_key, period, area_code, value for every area of a level in each metric's latest period
        (for spine charts and quintiles)."""
        return self._query(
            """WITH latest AS (
                   SELECT metric_key, max(period_sortable) AS s FROM indicator_values
                   WHERE level = ? AND breakdown = ? AND value IS NOT NULL GROUP BY metric_key)
               SELECT v.metric_key, v.period, v.area_code, v.value
               FROM indicator_values v JOIN latest l ON v.metric_key = l.metric_key AND v.period_sortable = l.s
               WHERE v.level = ? AND v.breakdown = ?""",
            [level, breakdown, level, breakdown],
        )

    def periods_for_metric(self, metric_key: str) -> pd.DataFrame:
        return self._query(
            """SELECT DISTINCT v.period, v.period_sortable, v.period_kind FROM indicator_values v
               WHERE v.metric_key = ? ORDER BY v.period_sortable DESC""",
            [metric_key],
        )

    def breakdowns_for_metric(self, metric_key: str) -> list[str]:
        df = self._query("SELECT DISTINCT breakdown FROM indicator_values WHERE metric_key = ? ORDER BY 1",
                         [metric_key])
        return df["breakdown"].tolist()

    def demo_share(self) -> float:
        """Fraction of stored values that are demonstration data (0 when empty)."""
        v = self._scalar("SELECT avg(CASE WHEN is_demo THEN 1.0 ELSE 0.0 END) FROM observations")
        return float(v) if v is not None else 0.0

    def data_as_of(self) -> datetime | None:
        return self._scalar("SELECT max(created_at) FROM revisions")

    # ------------------------------------------------------------------ previews of an upload, computed in DuckDB
    def preview(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Each incoming row with its current stored values (old_*) and status new / changed / unchanged."""
        return self._query_incoming(
            rows, f"""SELECT n.*, {_OLD_VALUES}, {_STATUS} AS status FROM {_INCOMING_JOINED}
                      ORDER BY n.metric_key, n.area_code, n.period, n.breakdown""")

    def preview_counts(self, rows: pd.DataFrame) -> pd.DataFrame:
        """metric_key, area_code, status (new / changed / unchanged), rows: the preview, grouped."""
        return self._query_incoming(
            rows, f"""SELECT n.metric_key, n.area_code, {_STATUS} AS status, count(*) AS rows
                      FROM {_INCOMING_JOINED} GROUP BY ALL ORDER BY 1, 2, 3""")

    def preview_changes(self, rows: pd.DataFrame, limit: int = 2000) -> pd.DataFrame:
        """Changed rows first, then new ones, old -> new (at most `limit` rows)."""
        return self._query_incoming(
            rows, f"""SELECT * FROM (SELECT n.*, {_OLD_VALUES}, {_STATUS} AS status FROM {_INCOMING_JOINED})
                      WHERE status <> 'unchanged'
                      ORDER BY status = 'new', metric_key, area_code, period, breakdown LIMIT ?""", [limit])

    def _query_incoming(self, rows: pd.DataFrame, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query over the incoming rows (as _incoming) on a cursor of its own."""
        cur = self._con.cursor()
        try:
            cur.register("_incoming", rows[OBS_COLUMNS])
            out = cur.execute(sql, params).df()
            cur.unregister("_incoming")
            return out
        finally:
            cur.close()

    def count_from_source(self, source: str) -> int:
        """How many stored values carry one source label (tests use it to see whole-or-nothing commits)."""
        return int(self._scalar("SELECT count(*) FROM observations WHERE source = ?", [source]))
