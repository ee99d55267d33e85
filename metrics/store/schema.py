"""The store's tables and views, and the migrations that bring an older file up to them.

Tables
- meta: schema version and build facts.
- areas, periods: reference data for joins and ordering.
- revisions: one row per build, upload or rollback (who, when, under which scope of rights, file, SHA-256, row
  counts).
- observation_versions: every version ever written of each metric x area x period x breakdown, with its source
  and the revision that wrote it, and the revision that replaced it (none while current); a tombstone records
  that a rollback removed a cell. So any revision can be undone and the history shows what changed when. Read
  through two views: observations (the current versions) and observation_history (the others).
- plan_action_versions, commentary_versions, paper_details_versions: the board paper's words (the delivery plan,
  commentary on a figure, the paper's details), every version with its revision (metrics/store/narrative.py).
- indicator_values: what the pages read. Rebuilt per metric from observations after every write by
  metrics.derive: filled-in limits, aggregated footprints, comparisons with England, region and goal, trends.
  A comparison with England the dashboard could not compute may carry the publisher's own verdict, as one of
  the comparison type's "... (as published)" labels.

Migrations are named functions, MIGRATIONS[n - 1] taking a file from version n to n + 1, applied in order on open;
meta's schema_version records where a file stands.
"""

from __future__ import annotations

from pathlib import Path

from metrics.columns import COMPARED_COLUMNS, DEFAULT_BREAKDOWN, FIGURE_COLUMNS, OBS_COLUMNS
from metrics.store.connection import StoreError
from metrics.store.narrative import NARRATIVE_DDL
from metrics.vocabulary import (
    AREA_LEVELS,
    COMPARE_LABELS,
    GOAL_LABELS,
    PERIOD_KINDS,
    PUBLISHED_COMPARE_LABELS,
    TREND_LABELS,
)

SCHEMA_VERSION = 8


def _enum(labels) -> str:
    return "ENUM (" + ", ".join("'" + label.replace("'", "''") + "'" for label in labels) + ")"


# The label lists of the store's ENUM types, all here. The comparison and trend labels of indicator_values are
# ENUMs (one byte a row instead of a string) read back as text by the page queries; a new label needs a migration
# that recreates the type (an insert of an unknown label fails inside the write's transaction).
LABEL_TYPES = {
    "compare_label": COMPARE_LABELS + PUBLISHED_COMPARE_LABELS,
    "goal_label": GOAL_LABELS,
    "trend_label": TREND_LABELS,
}
LABEL_COLUMNS = {
    "compared_to_england": "compare_label",
    "compared_to_region": "compare_label",
    "compared_to_goal": "goal_label",
    "recent_trend": "trend_label",
}
REVISION_ACTIONS = ("build", "upload", "rollback")


def _in(labels) -> str:
    return "(" + ", ".join(f"'{label}'" for label in labels) + ")"


TABLES = (
    "".join(f"CREATE TYPE IF NOT EXISTS {name} AS {_enum(labels)};\n" for name, labels in LABEL_TYPES.items())
    + f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE IF NOT EXISTS areas (
    area_code VARCHAR PRIMARY KEY,
    area_name VARCHAR NOT NULL,
    level VARCHAR NOT NULL CHECK (level IN {_in(AREA_LEVELS)}),
    region_code VARCHAR,
    members VARCHAR
);

CREATE TABLE IF NOT EXISTS periods (
    period VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN {_in(PERIOD_KINDS)}),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    sortable INTEGER NOT NULL,
    start_year INTEGER NOT NULL,
    CHECK (end_date >= start_date)
);

CREATE TABLE IF NOT EXISTS revisions (
    revision_id INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    author VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN {_in(REVISION_ACTIONS)}),
    file_name VARCHAR,
    sha256 VARCHAR,
    file_format VARCHAR,
    rows_new INTEGER NOT NULL DEFAULT 0,
    rows_changed INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_removed INTEGER NOT NULL DEFAULT 0,
    rolls_back INTEGER,
    note VARCHAR,
    scope VARCHAR
);

CREATE TABLE IF NOT EXISTS observation_versions (
    metric_key VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL DEFAULT '{DEFAULT_BREAKDOWN}',
    value DOUBLE,
    lower95 DOUBLE,
    upper95 DOUBLE,
    lower998 DOUBLE,
    upper998 DOUBLE,
    count DOUBLE CHECK (count IS NULL OR count >= 0),
    denominator DOUBLE CHECK (denominator IS NULL OR denominator > 0),
    value_note VARCHAR,
    source VARCHAR,
    is_demo BOOLEAN,
    published_comparison VARCHAR,
    revision_id INTEGER NOT NULL,
    replaced_by INTEGER,
    is_deleted BOOLEAN NOT NULL DEFAULT false,
    CHECK (is_deleted OR (source IS NOT NULL AND is_demo IS NOT NULL)),
    CHECK (lower95 IS NULL OR upper95 IS NULL OR lower95 <= upper95),
    CHECK (lower998 IS NULL OR upper998 IS NULL OR lower998 <= upper998)
    -- The current version of a cell has replaced_by NULL; a write or rollback that replaces it sets replaced_by
    -- to its own revision in place, because updating one column is cheaper than moving rows to a history table.
    -- A tombstone (is_deleted) records that a rollback removed the cell; it is never current, and its values are
    -- those of the version the rollback went back to (none, for a cell that did not exist before).
    -- A current (metric_key, area_code, period, breakdown) is unique, enforced by the write transaction (which
    -- refuses duplicate incoming keys and replaces changed cells) rather than by a PRIMARY KEY, whose ART index
    -- makes large uploads many times slower; writes are serialised per file, so no two writers race on a key.
);

CREATE TABLE IF NOT EXISTS indicator_values (
    metric_key VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    value DOUBLE,
    lower95 DOUBLE,
    upper95 DOUBLE,
    lower998 DOUBLE,
    upper998 DOUBLE,
    count DOUBLE,
    denominator DOUBLE,
    value_note VARCHAR,
    source VARCHAR,
    is_demo BOOLEAN,
    level VARCHAR NOT NULL,
    region_code VARCHAR,
    period_kind VARCHAR NOT NULL,
    period_sortable INTEGER NOT NULL,
    start_year INTEGER NOT NULL,
    revision_id INTEGER,
    is_aggregate BOOLEAN NOT NULL,
    aggregation_note VARCHAR,
    england_value DOUBLE,
    region_value DOUBLE,
    compared_to_england compare_label NOT NULL,
    compared_to_region compare_label NOT NULL,
    compared_to_goal goal_label NOT NULL,
    recent_trend trend_label NOT NULL
    -- One row per observation or aggregate, rebuilt wholesale per metric by metrics.derive (which is tested to
    -- produce unique keys); no index, so that rebuilding a metric does not pay for index maintenance.
);
"""
    + NARRATIVE_DDL
)

VERSION_COLUMNS = ", ".join(OBS_COLUMNS + ["revision_id"])
# What every reader means by observations and their history, over observation_versions. Writes go to
# observation_versions itself (a view cannot be written to).
CURRENT = "replaced_by IS NULL AND NOT is_deleted"  # observation_versions' current rows
# An incoming row n differs from its stored row o (is_demo included: it flips when real data replaces demo).
CHANGED = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in COMPARED_COLUMNS)
# ... in its figures (value, limits, count, denominator, demonstration or not), not only its source or note.
FIGURES_CHANGED = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in FIGURE_COLUMNS)
VIEWS = [
    f"CREATE VIEW observations AS SELECT {VERSION_COLUMNS} FROM observation_versions WHERE {CURRENT}",
    f"CREATE VIEW observation_history AS SELECT {VERSION_COLUMNS}, is_deleted FROM observation_versions "
    f"WHERE NOT ({CURRENT})",
]

# The columns of the observations tables of schemas 1 to 4, for migration 4 (which must not ask an old table for
# a column added since).
VERSION_COLUMNS_V5 = (
    "metric_key, area_code, period, breakdown, value, lower95, upper95, lower998, upper998, count, denominator, "
    "value_note, source, is_demo, revision_id"
)

# The observations and observation_history tables of schemas 1 to 4 (schema 1 with a primary key), written out
# rather than derived from TABLES so that a later change to the current tables cannot change what a migration
# from an old file creates.
OBSERVATIONS_DDL_V4 = f"""(
    metric_key VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL DEFAULT '{DEFAULT_BREAKDOWN}',
    value DOUBLE,
    lower95 DOUBLE,
    upper95 DOUBLE,
    lower998 DOUBLE,
    upper998 DOUBLE,
    count DOUBLE CHECK (count IS NULL OR count >= 0),
    denominator DOUBLE CHECK (denominator IS NULL OR denominator > 0),
    value_note VARCHAR,
    source VARCHAR NOT NULL,
    is_demo BOOLEAN NOT NULL,
    revision_id INTEGER NOT NULL,
    CHECK (lower95 IS NULL OR upper95 IS NULL OR lower95 <= upper95),
    CHECK (lower998 IS NULL OR upper998 IS NULL OR lower998 <= upper998)
)"""

HISTORY_DDL_V4 = """(
    metric_key VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    value DOUBLE,
    lower95 DOUBLE,
    upper95 DOUBLE,
    lower998 DOUBLE,
    upper998 DOUBLE,
    count DOUBLE,
    denominator DOUBLE,
    value_note VARCHAR,
    source VARCHAR,
    is_demo BOOLEAN,
    revision_id INTEGER NOT NULL,
    is_deleted BOOLEAN NOT NULL DEFAULT false
)"""


# Each migration runs after TABLES (which creates, IF NOT EXISTS, the types and tables a migration fills) and
# before the next migration, in the transaction that opens the file.


def migration_1_observations_without_primary_key(cur) -> None:
    """observations loses its PRIMARY KEY index (uniqueness is kept by the writes); DuckDB cannot drop a
    constraint, so the table is rebuilt with the same rows."""
    cur.execute("CREATE TABLE IF NOT EXISTS observation_history " + HISTORY_DDL_V4)
    cur.execute("ALTER TABLE observations RENAME TO observations_v1")
    cur.execute("CREATE TABLE observations " + OBSERVATIONS_DDL_V4)
    cur.execute("INSERT INTO observations SELECT * FROM observations_v1")
    cur.execute("DROP TABLE observations_v1")


def migration_2_history_keeps_only_replaced_versions(cur) -> None:
    """observation_history keeps only versions that are no longer current; the current ones (also in
    observations, with the same revision) are dropped from it."""
    cur.execute(
        "DELETE FROM observation_history h USING observations o WHERE NOT h.is_deleted "
        "AND h.revision_id = o.revision_id AND h.metric_key = o.metric_key AND h.area_code = o.area_code "
        "AND h.period = o.period AND h.breakdown = o.breakdown"
    )


def migration_3_labels_as_enums(cur) -> None:
    """The comparison and trend labels of indicator_values become ENUMs (the types are created by TABLES)."""
    for column, kind in LABEL_COLUMNS.items():
        cur.execute(f"ALTER TABLE indicator_values ALTER {column} TYPE {kind}")


def migration_4_one_table_of_versions(cur) -> None:
    """observations (current versions) and observation_history (earlier versions and tombstones) become one
    table, observation_versions, and two views of it under the old names. An earlier version was replaced by
    the cell's next revision."""
    cur.execute(
        f"INSERT INTO observation_versions ({VERSION_COLUMNS_V5}, replaced_by, is_deleted) "
        f"SELECT {VERSION_COLUMNS_V5}, NULL, false FROM observations"
    )
    cur.execute(
        f"INSERT INTO observation_versions ({VERSION_COLUMNS_V5}, replaced_by, is_deleted) "
        # (coalesce: a history row always has a later version; were one missing, the row stays history)
        f"SELECT {VERSION_COLUMNS_V5}, CASE WHEN NOT is_deleted THEN coalesce(next_revision, revision_id) END, "
        "is_deleted "
        "FROM (SELECT *, lead(revision_id) OVER (PARTITION BY metric_key, area_code, period, breakdown "
        "                                        ORDER BY revision_id) AS next_revision "
        "      FROM (SELECT *, false AS is_deleted, false AS in_history FROM observations UNION ALL BY NAME "
        "            SELECT *, true AS in_history FROM observation_history)) "
        "WHERE in_history"
    )
    cur.execute("DROP TABLE observations")
    cur.execute("DROP TABLE observation_history")
    create_views(cur)


def migration_5_published_comparison(cur) -> None:
    """observation_versions gains published_comparison (none for what is stored), the views show it, and the
    comparison labels gain the "(as published)" verdicts: DuckDB cannot add a label to an ENUM, so the columns
    are turned to text, the type made again with every label, and the columns turned back."""
    cur.execute("ALTER TABLE observation_versions ADD COLUMN IF NOT EXISTS published_comparison VARCHAR")
    for statement in VIEWS:
        cur.execute(statement.replace("CREATE VIEW", "CREATE OR REPLACE VIEW"))
    recreate_label_type(cur, "compare_label", LABEL_TYPES["compare_label"])


def migration_7_board_paper_narrative(cur) -> None:
    """The board paper's own words: the delivery plan's actions, commentary and paper details, each table
    versioned by revision (metrics/store/narrative.py). Created by TABLES, IF NOT EXISTS; stated here so that
    the migration is self-contained."""
    cur.execute(NARRATIVE_DDL)


def recreate_label_type(cur, kind: str, labels) -> None:
    """Make an ENUM type of indicator_values again with these labels: DuckDB cannot change a type's labels, so its
    columns are turned to text, the type dropped and made anew, and the columns turned back."""
    columns = [c for c, k in LABEL_COLUMNS.items() if k == kind]
    for column in columns:
        cur.execute(f"ALTER TABLE indicator_values ALTER {column} TYPE VARCHAR")
    cur.execute(f"DROP TYPE {kind}")
    cur.execute(f"CREATE TYPE {kind} AS {_enum(labels)}")
    for column in columns:
        cur.execute(f"ALTER TABLE indicator_values ALTER {column} TYPE {kind}")


def migration_6_revision_scope(cur) -> None:
    """revisions gain `scope`: the rights the author wrote under (metrics.access.Scope.name: a partnership, the
    national role, local mode, the command line's operator). Earlier revisions have none recorded."""
    cur.execute("ALTER TABLE revisions ADD COLUMN IF NOT EXISTS scope VARCHAR")


MIGRATIONS = [
    migration_1_observations_without_primary_key,
    migration_2_history_keeps_only_replaced_versions,
    migration_3_labels_as_enums,
    migration_4_one_table_of_versions,
    migration_5_published_comparison,
    migration_6_revision_scope,
    migration_7_board_paper_narrative,
]
assert len(MIGRATIONS) == SCHEMA_VERSION - 1


def create_views(cur) -> None:
    for statement in VIEWS:
        cur.execute(statement)


def ensure_schema(cur, path: Path) -> None:
    """Give a new file the current schema, or migrate an older one, inside the caller's transaction."""
    cur.execute(TABLES)
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    version = int(row[0][0]) if row else None
    if version is None:
        create_views(cur)
        cur.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this code ({SCHEMA_VERSION}); update the dashboard"
        )
    for migration in MIGRATIONS[version - 1 :]:
        migration(cur)
        version += 1
        cur.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
