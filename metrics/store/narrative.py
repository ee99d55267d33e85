"""The board paper's own words, versioned like the observations: the delivery plan's actions, commentary on a
metric's figure and the paper's details per area.

Each table holds every version of each item (an action, a metric x area x period's commentary, an area's
details), with the revision that wrote it and the revision that replaced it. Exactly one version of an item has
`replaced_by` NULL: the latest, which is current unless it is a tombstone (`is_deleted`: the item was removed).
So a revision R's changes are the latest versions it wrote, and what R replaced is marked `replaced_by = R`:
rolling R back puts those earlier versions back exactly as they were written (or a tombstone where R created the
item), as a new revision. What an item was at any revision X is its version with revision_id <= X and
replaced_by NULL or > X, which is how the report tells what changed since the last board.

The text is stored exactly as typed; metrics.paper checks it and every output shows it as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class VersionedTable:
    name: str
    key: tuple[str, ...]  # what identifies an item
    columns: dict[str, str]  # its other columns and their SQL types

    @property
    def value_columns(self) -> list[str]:
        return list(self.columns)

    @property
    def all_columns(self) -> list[str]:
        return [*self.key, *self.columns]

    def ddl(self) -> str:
        cols = [f"{k} VARCHAR NOT NULL" for k in self.key] + [f"{c} {t}" for c, t in self.columns.items()]
        cols += ["revision_id INTEGER NOT NULL", "replaced_by INTEGER", "is_deleted BOOLEAN NOT NULL DEFAULT false"]
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n    " + ",\n    ".join(cols) + "\n);\n"


PLAN_ACTIONS = VersionedTable(
    "plan_action_versions",
    ("action_id",),
    {
        "area_code": "VARCHAR",
        "priority": "VARCHAR",
        "action": "VARCHAR",
        "lead": "VARCHAR",
        "partners": "VARCHAR",
        "start_date": "DATE",
        "due_date": "DATE",
        "status": "VARCHAR",
        "latest_update": "VARCHAR",
        "metric_keys": "VARCHAR",  # catalogue keys separated by "; "
        "position": "INTEGER",  # the order of the actions as entered
    },
)
COMMENTARY = VersionedTable("commentary_versions", ("metric_key", "area_code", "period"), {"body": "VARCHAR"})
PAPER_DETAILS = VersionedTable(
    "paper_details_versions",
    ("area_code",),
    {
        "board": "VARCHAR",
        "meeting_date": "DATE",
        "title": "VARCHAR",
        "sponsor": "VARCHAR",
        "author": "VARCHAR",
        "priorities_served": "VARCHAR",
        "purpose": "VARCHAR",  # For decision | For assurance | For information
        "recommendation": "VARCHAR",
        "executive_summary": "VARCHAR",
        "health_disparities": "VARCHAR",
        "implications": "VARCHAR",
        "contacts": "VARCHAR",
    },
)
NARRATIVE_TABLES = (PLAN_ACTIONS, COMMENTARY, PAPER_DETAILS)
# The kinds of revision these tables are written by (revisions.file_format), for the history's words.
NARRATIVE_FORMATS = ("delivery plan", "commentary", "paper details")
NARRATIVE_DDL = "".join(t.ddl() for t in NARRATIVE_TABLES)


@dataclass(frozen=True)
class NarrativeChange:
    new: int
    changed: int
    unchanged: int
    removed: int


def _typed(table: VersionedTable, alias: str = "") -> str:
    """The incoming frame's columns cast to the table's types (a frame column of Nones has no type of its own)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        [f"CAST({prefix}{k} AS VARCHAR) AS {k}" for k in table.key]
        + [f"CAST({prefix}{c} AS {t}) AS {c}" for c, t in table.columns.items()]
    )


def _key_match(table: VersionedTable, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in table.key)


def _incoming_status(cur, table: VersionedTable, rows: pd.DataFrame) -> pd.DataFrame:
    """Each incoming row's key with `status` new / changed / unchanged against the item's current version."""
    cur.register("_incoming_raw", rows[table.all_columns])
    distinct = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in table.value_columns)
    try:
        return cur.execute(
            f"""WITH n AS (SELECT {_typed(table)} FROM _incoming_raw),
                     o AS (SELECT * FROM {table.name} WHERE replaced_by IS NULL AND NOT is_deleted)
                SELECT {", ".join("n." + k for k in table.key)},
                       CASE WHEN o.{table.key[0]} IS NULL THEN 'new' WHEN {distinct} THEN 'changed'
                            ELSE 'unchanged' END AS status
                FROM n LEFT JOIN o ON {_key_match(table, "n", "o")}"""
        ).df()
    finally:
        cur.unregister("_incoming_raw")


def preview_versions(cur, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None) -> NarrativeChange:
    """What write_versions would do, without writing."""
    status = _incoming_status(cur, table, rows) if len(rows) else pd.DataFrame({"status": []})
    counts = status["status"].value_counts()
    return NarrativeChange(
        new=int(counts.get("new", 0)),
        changed=int(counts.get("changed", 0)),
        unchanged=int(counts.get("unchanged", 0)),
        removed=_count_live(cur, table, removed),
    )


def _count_live(cur, table: VersionedTable, keys: pd.DataFrame | None) -> int:
    if keys is None or not len(keys):
        return 0
    cur.register("_keys", keys[list(table.key)].astype(str))
    try:
        return int(
            cur.execute(
                f"SELECT count(*) FROM {table.name} o JOIN _keys k ON {_key_match(table, 'o', 'k')} "
                "WHERE o.replaced_by IS NULL AND NOT o.is_deleted"
            ).fetchall()[0][0]
        )
    finally:
        cur.unregister("_keys")


def write_versions(
    cur, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None, revision_id: int
) -> NarrativeChange:
    """Write `rows` (new or changed items) and remove the items keyed in `removed`, as revision `revision_id`,
    inside the caller's transaction. Unchanged rows write nothing."""
    change = preview_versions(cur, table, rows, removed)
    if len(rows):
        status = _incoming_status(cur, table, rows)
        # Matched on the key, not on position: a join's rows come back in no promised order.
        to_write = {tuple(k) for k in status.loc[status["status"] != "unchanged", list(table.key)].astype(str).values}
        row_keys = rows[list(table.key)].astype(str).itertuples(index=False, name=None)
        written = rows.reset_index(drop=True)[[k in to_write for k in row_keys]]
        if len(written):
            cur.register("_written", written[table.all_columns])
            try:
                # The latest version of each written item (current, or a tombstone) is replaced by this revision.
                cur.execute(
                    f"UPDATE {table.name} o SET replaced_by = ? FROM (SELECT {_typed(table)} FROM _written) n "
                    f"WHERE {_key_match(table, 'o', 'n')} AND o.replaced_by IS NULL",
                    [revision_id],
                )
                cur.execute(
                    f"INSERT INTO {table.name} ({', '.join(table.all_columns)}, revision_id) "
                    f"SELECT {_typed(table)}, ? FROM _written",
                    [revision_id],
                )
            finally:
                cur.unregister("_written")
    if change.removed:
        assert removed is not None
        cur.register("_removed", removed[list(table.key)].astype(str))
        try:
            keys = ", ".join(table.key)
            cur.execute(
                f"CREATE TEMP TABLE _removing AS SELECT o.{keys.replace(', ', ', o.')} FROM {table.name} o "
                f"JOIN _removed k ON {_key_match(table, 'o', 'k')} WHERE o.replaced_by IS NULL AND NOT o.is_deleted"
            )
            cur.execute(
                f"UPDATE {table.name} o SET replaced_by = ? FROM _removing k "
                f"WHERE {_key_match(table, 'o', 'k')} AND o.replaced_by IS NULL",
                [revision_id],
            )
            cur.execute(
                f"INSERT INTO {table.name} ({keys}, revision_id, is_deleted) SELECT {keys}, ?, true FROM _removing",
                [revision_id],
            )
            cur.execute("DROP TABLE _removing")
        finally:
            cur.unregister("_removed")
    return change


def rollback_versions(cur, revision_id: int, rollback_id: int) -> NarrativeChange:
    """Undo what `revision_id` wrote to the narrative tables, as revision `rollback_id`: each item whose latest
    version it wrote goes back to the version it replaced (a tombstone where it created the item). Items a later
    revision changed are kept (counted as unchanged)."""
    restored = removed = kept = 0
    for table in NARRATIVE_TABLES:
        cols = ", ".join(table.all_columns)
        cur.execute(
            f"""CREATE TEMP TABLE _undo AS
                SELECT {", ".join("w." + k for k in table.key)},
                       (p.{table.key[0]} IS NULL OR p.is_deleted) AS remove,
                       {", ".join(f"p.{c} AS {c}" for c in table.value_columns)}
                FROM {table.name} w
                LEFT JOIN {table.name} p ON {_key_match(table, "p", "w")} AND p.replaced_by = w.revision_id
                WHERE w.revision_id = ? AND w.replaced_by IS NULL""",
            [revision_id],
        )
        written = cur.execute(f"SELECT count(*) FROM {table.name} WHERE revision_id = ?", [revision_id]).fetchall()
        r, d = cur.execute(
            "SELECT count(*) FILTER (WHERE NOT remove), count(*) FILTER (WHERE remove) FROM _undo"
        ).fetchall()[0]
        restored, removed = restored + int(r), removed + int(d)
        kept += int(written[0][0]) - int(r) - int(d)
        cur.execute(
            f"UPDATE {table.name} o SET replaced_by = ? FROM _undo u "
            f"WHERE {_key_match(table, 'o', 'u')} AND o.replaced_by IS NULL",
            [rollback_id],
        )
        cur.execute(
            f"INSERT INTO {table.name} ({cols}, revision_id, is_deleted) SELECT {cols}, ?, remove FROM _undo",
            [rollback_id],
        )
        cur.execute("DROP TABLE _undo")
    return NarrativeChange(new=0, changed=restored, unchanged=kept, removed=removed)


_WHAT = {PLAN_ACTIONS.name: "Plan action", COMMENTARY.name: "Commentary", PAPER_DETAILS.name: "Paper details"}


def rollback_preview_items(cur, revision_id: int) -> pd.DataFrame:
    """What rolling back `revision_id` would do to the narrative tables, item by item, without doing it: `what`,
    `item` (its key in words), `action` ("restore" the version it replaced, or "remove" an item it created).
    Items a later revision changed are not listed: a rollback keeps them."""
    frames = []
    for table in NARRATIVE_TABLES:
        item = " || ' / ' || ".join(f"w.{k}" for k in table.key)
        frames.append(
            cur.execute(
                f"""SELECT '{_WHAT[table.name]}' AS what, {item} AS item,
                           CASE WHEN p.{table.key[0]} IS NULL OR p.is_deleted THEN 'remove' ELSE 'restore' END
                           AS action
                    FROM {table.name} w
                    LEFT JOIN {table.name} p ON {_key_match(table, "p", "w")} AND p.replaced_by = w.revision_id
                    WHERE w.revision_id = ? AND w.replaced_by IS NULL ORDER BY item""",
                [revision_id],
            ).df()
        )
    return pd.concat(frames, ignore_index=True)


def narrative_cells_written(cur, revision_id: int) -> int:
    """How many narrative items a revision wrote (current or changed since)."""
    return sum(
        int(cur.execute(f"SELECT count(*) FROM {t.name} WHERE revision_id = ?", [revision_id]).fetchall()[0][0])
        for t in NARRATIVE_TABLES
    )


def _as_of_condition(as_of: int | None) -> tuple[str, list]:
    if as_of is None:
        return "v.replaced_by IS NULL AND NOT v.is_deleted", []
    return "v.revision_id <= ? AND (v.replaced_by IS NULL OR v.replaced_by > ?) AND NOT v.is_deleted", [as_of, as_of]


def current_items(
    cur, table: VersionedTable, area_codes: list[str] | None = None, as_of: int | None = None
) -> pd.DataFrame:
    """The items as they stand (or stood at revision `as_of`), with the revision, author and time of their version."""
    condition, params = _as_of_condition(as_of)
    if area_codes is not None:
        condition += " AND v.area_code IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(area_codes))
    order = "v.area_code, v.position, v.action_id" if table is PLAN_ACTIONS else ", ".join(f"v.{k}" for k in table.key)
    return cur.execute(
        f"""SELECT {", ".join("v." + c for c in table.all_columns)}, v.revision_id,
                   r.author AS written_by, r.created_at AS written_at
            FROM {table.name} v JOIN revisions r USING (revision_id)
            WHERE {condition} ORDER BY {order}""",
        params,
    ).df()


def item_history(cur, table: VersionedTable, key: dict[str, str]) -> pd.DataFrame:
    """Every version of one item, oldest first, with who wrote it and when."""
    condition = " AND ".join(f"v.{k} = ?" for k in table.key)
    return cur.execute(
        f"""SELECT {", ".join("v." + c for c in table.all_columns)}, v.revision_id, v.replaced_by, v.is_deleted,
                   r.author AS written_by, r.created_at AS written_at, r.action AS revision_action
            FROM {table.name} v JOIN revisions r USING (revision_id)
            WHERE {condition} ORDER BY v.revision_id""",
        [key[k] for k in table.key],
    ).df()


def next_action_ids(cur, n: int) -> list[str]:
    """`n` new action ids: whole numbers after the largest ever used (ids are never reused)."""
    used = cur.execute(f"SELECT DISTINCT action_id FROM {PLAN_ACTIONS.name}").fetchall()
    start = max((int(a) for (a,) in used if str(a).isdigit()), default=0) + 1
    return [str(start + i) for i in range(n)]


def record_narrative(
    cur, revision_id: int, table: VersionedTable, rows: pd.DataFrame, removed: pd.DataFrame | None
) -> tuple[NarrativeChange, pd.DataFrame]:
    """The body of a narrative revision, inside the caller's transaction after its revision row: a plan action
    without an action_id gets a new one, the rows are written and the revision's counts recorded. Returns what
    changed and the rows as written (with their ids)."""
    rows = rows.copy()
    if table is PLAN_ACTIONS and len(rows):
        blank = rows["action_id"].isna() | (rows["action_id"].astype(str).str.strip() == "")
        rows.loc[blank, "action_id"] = next_action_ids(cur, int(blank.sum()))
    change = write_versions(cur, table, rows, removed, revision_id)
    cur.execute(
        "UPDATE revisions SET rows_new = ?, rows_changed = ?, rows_unchanged = ?, rows_removed = ? "
        "WHERE revision_id = ?",
        [change.new, change.changed, change.unchanged, change.removed, revision_id],
    )
    return change, rows


def previewable(table: VersionedTable, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as preview_versions compares them: a plan action not yet given an id is new."""
    rows = rows.copy()
    if table is PLAN_ACTIONS and len(rows):
        rows["action_id"] = rows["action_id"].where(rows["action_id"].notna(), "")
    return rows
