"""Rows and revisions for the store's tests, and files rewritten as older schemas kept them."""

import duckdb
import numpy as np
import pandas as pd
import psycopg

from metrics.columns import OBS_COLUMNS
from metrics.store import RevisionInfo, schema
from metrics.vocabulary import COMPARE_LABELS

# What each store raises for a row that breaks a constraint (a CHECK, a unique current cell).
CONSTRAINT_ERRORS = (duckdb.ConstraintException, psycopg.errors.IntegrityError)


def rows(values, metric="continuity_of_care", period="2022/23", source="test file"):
    out = []
    for area, (count, den) in values.items():
        out.append(
            {
                "metric_key": metric,
                "area_code": area,
                "period": period,
                "breakdown": "Total",
                "value": count / den * 100,
                "lower95": np.nan,
                "upper95": np.nan,
                "lower998": np.nan,
                "upper998": np.nan,
                "count": float(count),
                "denominator": float(den),
                "value_note": None,
                "source": source,
                "is_demo": False,
                "published_comparison": None,
            }
        )
    return pd.DataFrame(out, columns=OBS_COLUMNS)


def upload(author="analyst"):
    return RevisionInfo(author=author, action="upload", file_name="f.csv", sha256="0" * 64, file_format="template")


def stored_history(s):
    return s._query(
        "SELECT metric_key, area_code, period, breakdown, value, source, revision_id, is_deleted "
        "FROM observation_history ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
    )


def cell_versions(s, area, period="2022/23"):
    h = s.cell_history("continuity_of_care", area, period)
    return list(
        zip(h["revision_id"], [None if pd.isna(v) else round(v, 6) for v in h["value"]], h["is_deleted"], h["action"])
    )


def store_as_schema_4(path, version="4"):
    """Rewrite a file of this schema as schema 4 kept it: the current versions in an observations table, the
    others and the tombstones in observation_history."""
    cols = schema.VERSION_COLUMNS_V5.removesuffix(", revision_id")
    con = duckdb.connect(str(path))
    con.execute("DROP VIEW observations")
    con.execute("DROP VIEW observation_history")
    con.execute("CREATE TABLE observations " + schema.OBSERVATIONS_DDL_V4)
    con.execute(
        f"INSERT INTO observations SELECT {cols}, revision_id FROM observation_versions "
        "WHERE replaced_by IS NULL AND NOT is_deleted"
    )
    con.execute("CREATE TABLE observation_history " + schema.HISTORY_DDL_V4)
    con.execute(
        f"INSERT INTO observation_history SELECT {cols}, revision_id, is_deleted FROM observation_versions "
        "WHERE replaced_by IS NOT NULL OR is_deleted"
    )
    con.execute("DROP TABLE observation_versions")
    if version == "2":  # schema 2 kept every version in the history, the current ones included
        con.execute("INSERT INTO observation_history SELECT *, false FROM observations")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    con.close()


def all_versions(s):
    return s._query("SELECT * FROM observation_versions ORDER BY ALL")


def store_as_schema_5(path):
    """Rewrite a file of this schema as schema 5 kept it: observation_versions without published_comparison, and
    the comparison labels without the "(as published)" ones."""
    con = duckdb.connect(str(path))
    con.execute("DROP VIEW observations")
    con.execute("DROP VIEW observation_history")
    con.execute("ALTER TABLE observation_versions DROP COLUMN published_comparison")
    cols, current = schema.VERSION_COLUMNS_V5, "replaced_by IS NULL AND NOT is_deleted"
    con.execute(f"CREATE VIEW observations AS SELECT {cols} FROM observation_versions WHERE {current}")
    con.execute(
        f"CREATE VIEW observation_history AS SELECT {cols}, is_deleted FROM observation_versions WHERE NOT ({current})"
    )
    schema.recreate_label_type(con, "compare_label", COMPARE_LABELS)
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    con.close()


def store_as_schema_7(path):
    """Rewrite a file of this schema as schema 7 kept it: without the board paper's tables."""
    from metrics.store.narrative import NARRATIVE_TABLES

    con = duckdb.connect(str(path))
    for table in NARRATIVE_TABLES:
        con.execute(f"DROP TABLE {table.name}")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.close()


def store_as_schema_6(path):
    """Rewrite a file of this schema as schema 6 kept it: revisions without `scope` (nor the board paper's tables)."""
    store_as_schema_7(path)
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE revisions DROP COLUMN scope")
    con.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    con.close()
