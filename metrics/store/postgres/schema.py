"""The PostgreSQL store's tables: the DuckDB store's (metrics.store.schema, whose docstring says what each holds)
in PostgreSQL's words, in a schema of their own, with the keys and indexes a shared server wants; and its
migrations.

Differences from the file, each for a reason:
- text columns are COLLATE "C", so that ORDER BY sorts by bytes as DuckDB does (the exports are equal row for row);
- a current cell is unique by a partial unique index (a second writer can never add a duplicate current version);
- indicator_values has a primary key and an index by area, so that a page's query reads a few pages of it;
- the ENUM types are PostgreSQL's, which can gain a label in place (ALTER TYPE ... ADD VALUE).

A database starts at the file's SCHEMA_VERSION (6; there was never an older PostgreSQL store). MIGRATIONS[n] takes
a database from version n to n + 1, as the file's do; a change to the file's schema needs one here too (a test
compares the two stores' tables column by column).
"""

from __future__ import annotations

from metrics.columns import DEFAULT_BREAKDOWN
from metrics.store.connection import StoreError
from metrics.store.narrative import NARRATIVE_DDL
from metrics.store.schema import LABEL_TYPES, REVISION_ACTIONS, SCHEMA_VERSION
from metrics.vocabulary import AREA_LEVELS, PERIOD_KINDS

TEXT = 'TEXT COLLATE "C"'


def _labels(labels) -> str:
    return ", ".join("'" + label.replace("'", "''") + "'" for label in labels)


def _types(schema: str) -> list[str]:
    # PostgreSQL has no CREATE TYPE IF NOT EXISTS: a type is made when the schema has none of that name.
    return [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                           WHERE n.nspname = '{schema}' AND t.typname = '{name}') THEN
                CREATE TYPE {schema}.{name} AS ENUM ({_labels(labels)});
            END IF; END $$"""
        for name, labels in LABEL_TYPES.items()
    ]


OBS_TYPES = {
    "metric_key": TEXT,
    "area_code": TEXT,
    "period": TEXT,
    "breakdown": TEXT,
    "value": "DOUBLE PRECISION",
    "lower95": "DOUBLE PRECISION",
    "upper95": "DOUBLE PRECISION",
    "lower998": "DOUBLE PRECISION",
    "upper998": "DOUBLE PRECISION",
    "count": "DOUBLE PRECISION",
    "denominator": "DOUBLE PRECISION",
    "value_note": TEXT,
    "source": TEXT,
    "is_demo": "BOOLEAN",
    "published_comparison": TEXT,
}

TABLES = (
    f"""
CREATE TABLE IF NOT EXISTS meta (key {TEXT} PRIMARY KEY, value {TEXT} NOT NULL);

CREATE TABLE IF NOT EXISTS areas (
    area_code {TEXT} PRIMARY KEY,
    area_name {TEXT} NOT NULL,
    level {TEXT} NOT NULL CHECK (level IN ({_labels(AREA_LEVELS)})),
    region_code {TEXT},
    members {TEXT}
);

CREATE TABLE IF NOT EXISTS periods (
    period {TEXT} PRIMARY KEY,
    kind {TEXT} NOT NULL CHECK (kind IN ({_labels(PERIOD_KINDS)})),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    sortable INTEGER NOT NULL,
    start_year INTEGER NOT NULL,
    CHECK (end_date >= start_date)
);

CREATE TABLE IF NOT EXISTS revisions (
    revision_id INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    author {TEXT} NOT NULL,
    action {TEXT} NOT NULL CHECK (action IN ({_labels(REVISION_ACTIONS)})),
    file_name {TEXT},
    sha256 {TEXT},
    file_format {TEXT},
    rows_new INTEGER NOT NULL DEFAULT 0,
    rows_changed INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_removed INTEGER NOT NULL DEFAULT 0,
    rolls_back INTEGER,
    note {TEXT},
    scope {TEXT}
);

CREATE TABLE IF NOT EXISTS observation_versions (
    metric_key {TEXT} NOT NULL,
    area_code {TEXT} NOT NULL,
    period {TEXT} NOT NULL,
    breakdown {TEXT} NOT NULL DEFAULT '{DEFAULT_BREAKDOWN}',
    value DOUBLE PRECISION,
    lower95 DOUBLE PRECISION,
    upper95 DOUBLE PRECISION,
    lower998 DOUBLE PRECISION,
    upper998 DOUBLE PRECISION,
    count DOUBLE PRECISION CHECK (count IS NULL OR count >= 0),
    denominator DOUBLE PRECISION CHECK (denominator IS NULL OR denominator > 0),
    value_note {TEXT},
    source {TEXT},
    is_demo BOOLEAN,
    published_comparison {TEXT},
    revision_id INTEGER NOT NULL,
    replaced_by INTEGER,
    is_deleted BOOLEAN NOT NULL DEFAULT false,
    CHECK (is_deleted OR (source IS NOT NULL AND is_demo IS NOT NULL)),
    CHECK (lower95 IS NULL OR upper95 IS NULL OR lower95 <= upper95),
    CHECK (lower998 IS NULL OR upper998 IS NULL OR lower998 <= upper998)
);
CREATE UNIQUE INDEX IF NOT EXISTS observation_versions_current
    ON observation_versions (metric_key, area_code, period, breakdown) WHERE replaced_by IS NULL AND NOT is_deleted;
CREATE INDEX IF NOT EXISTS observation_versions_revision ON observation_versions (revision_id);
CREATE INDEX IF NOT EXISTS observation_versions_cell ON observation_versions (metric_key, area_code, period, breakdown);

CREATE TABLE IF NOT EXISTS indicator_values (
    metric_key {TEXT} NOT NULL,
    area_code {TEXT} NOT NULL,
    period {TEXT} NOT NULL,
    breakdown {TEXT} NOT NULL,
    value DOUBLE PRECISION,
    lower95 DOUBLE PRECISION,
    upper95 DOUBLE PRECISION,
    lower998 DOUBLE PRECISION,
    upper998 DOUBLE PRECISION,
    count DOUBLE PRECISION,
    denominator DOUBLE PRECISION,
    value_note {TEXT},
    source {TEXT},
    is_demo BOOLEAN,
    level {TEXT} NOT NULL,
    region_code {TEXT},
    period_kind {TEXT} NOT NULL,
    period_sortable INTEGER NOT NULL,
    start_year INTEGER NOT NULL,
    revision_id INTEGER,
    is_aggregate BOOLEAN NOT NULL,
    aggregation_note {TEXT},
    england_value DOUBLE PRECISION,
    region_value DOUBLE PRECISION,
    compared_to_england compare_label NOT NULL,
    compared_to_region compare_label NOT NULL,
    compared_to_goal goal_label NOT NULL,
    recent_trend trend_label NOT NULL,
    PRIMARY KEY (metric_key, area_code, period, breakdown)
);
CREATE INDEX IF NOT EXISTS indicator_values_area ON indicator_values (area_code, breakdown);
"""
    + NARRATIVE_DDL
)

# The views are the file's (metrics.store.schema.VIEWS), made again in PostgreSQL by ensure_schema.


def migration_6_revision_scope(cur) -> None:
    """revisions gain `scope`, as the file's migration 6 (metrics.store.schema)."""
    cur.execute(f"ALTER TABLE revisions ADD COLUMN IF NOT EXISTS scope {TEXT}")


def migration_7_board_paper_narrative(cur) -> None:
    """The board paper's tables (metrics.store.narrative), as the file's migration 7."""
    cur.execute(NARRATIVE_DDL)


def migrations() -> list:
    """MIGRATIONS[n - SCHEMA_VERSION_FIRST]: from version n to n + 1 (the store started at the file's 6)."""
    return [migration_6_revision_scope, migration_7_board_paper_narrative]


SCHEMA_VERSION_FIRST = 6


def ensure_schema(cur, schema: str, where: str) -> None:
    """Give a new database the current schema, or migrate an older one, inside the caller's transaction."""
    from metrics.store.schema import VIEWS

    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for statement in _types(schema):
        cur.execute(statement)
    cur.execute(TABLES)
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    version = int(row[0][0]) if row else None
    if version is None:
        for statement in VIEWS:
            cur.execute(statement.replace("CREATE VIEW", "CREATE OR REPLACE VIEW"))
        cur.execute("INSERT INTO meta VALUES ('schema_version', %s)", [str(SCHEMA_VERSION)])
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has schema version {version}, newer than this code ({SCHEMA_VERSION}); update the dashboard"
        )
    for migration in migrations()[version - SCHEMA_VERSION_FIRST :]:
        migration(cur)
        version += 1
        cur.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", [str(version)])
