"""Command line: `python -m metrics <command>`.

  build-default [--db PATH] [--force]   build the default database (demonstration + published figures)
  export [--db PATH]                    every stored value as CSV on stdout, stable order, with its source
                                        (text a spreadsheet would run as a formula starts with an apostrophe)
  export --derived [--layout fingertips] [--db PATH]   every value the pages read, with comparisons and trend
  export ... --public                   without restricted metrics (the command line otherwise has full rights)
  ingest FILE [--format ...] [--dry-run] [--db PATH]   validate and load a file (exit 0 committed, 2 rejected)
  history [--db PATH]                   the revisions, newest first
  rollback REVISION [--db PATH]         undo a revision (itself recorded as a revision)
  refresh [--indicators IDS] [--base-url URL | --from DIR] [--save DIR] [--dry-run] [--db PATH]
                                        every metric with a Fingertips ID from OHID's API (exit 1 any failed)
  report --area CODE --out FILE [...]   the quarterly board report of an area (docx, pdf or html)
  plan import FILE [--dry-run] [--db PATH]   check and load a delivery plan file (CSV or .xlsx)
  plan export [--area CODE] [--db PATH]      the delivery plan as CSV on stdout (imports back)
  backup [--db PATH] [--list]           copy the database now (one is also kept before every upload and rollback)
  restore [BACKUP] [--db PATH]          replace a damaged database with a backup (default: the newest good one)

The database defaults to data/cdof.duckdb; $CDOF_DB overrides it. Either may be a postgresql:// URL.
"""

from __future__ import annotations

import argparse
import sys

from metrics.paths import DatabaseUrl, database_path

PG_DUMP_ADVICE = (
    "{path} is a PostgreSQL database: back it up with pg_dump and put a copy back with pg_restore (see the "
    "README, 'Deployment'); backup and restore keep and restore copies of a DuckDB file"
)


def _cmd_build_default(args) -> int:
    from metrics.build import build_database

    path = database_path(args.db)
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to rebuild it", file=sys.stderr)
        return 0
    build_database(path, log=lambda m: print(m, file=sys.stderr))
    return 0


def _cmd_export(args) -> int:
    from metrics.store import open_store

    path = database_path(args.db)
    if not path.exists():
        print(f"{path} does not exist; run `python -m metrics build-default` first", file=sys.stderr)
        return 1
    with open_store(path, read_only=True) as store:
        if args.derived or args.layout == "fingertips":
            rows = store.derived_rows()
        else:
            rows = store.export_rows()
    if args.public:  # as the dashboard shows it to anyone not signed in: no restricted metric
        from metrics.access import PUBLIC
        from metrics.catalogue import default_catalogue
        from metrics.visibility import visible

        rows = visible(rows, PUBLIC, default_catalogue())
    frame = _derived_export(rows, args.layout) if args.derived or args.layout == "fingertips" else rows
    return _write_csv(frame)


def _derived_export(rows, layout: str):
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.export import derived_frame, fingertips_frame

    if layout != "fingertips":
        return derived_frame(rows, default_catalogue())
    frame, left_out = fingertips_frame(rows, default_catalogue(), default_geography())
    if left_out:
        print("not in the Fingertips layout (no Fingertips indicator ID): " + ", ".join(left_out), file=sys.stderr)
    return frame


def _write_csv(frame) -> int:
    """The frame as CSV on stdout; a reader that stops early (`| head`) ends the export quietly."""
    import os

    from metrics.safety import neutralise_frame

    try:
        neutralise_frame(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the closed pipe again when it flushes stdout at exit: point stdout at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _cmd_backup(args) -> int:
    from metrics.store import open_store
    from metrics.store.backup import default_backup_dir, list_backups

    path = database_path(args.db)
    if isinstance(path, DatabaseUrl):
        print(PG_DUMP_ADVICE.format(path=path), file=sys.stderr)
        return 1
    if args.list:
        backups = list_backups(path)
        if not backups:
            print(f"no backups of {path} in {default_backup_dir(path)}")
        for b in backups:
            print(f"{b.path}  {b.taken:%Y-%m-%d %H:%M:%S} UTC  {b.reason}  {b.size_bytes / 1e6:,.1f} MB")
        return 0
    if not path.exists():
        print(f"{path} does not exist; nothing to back up", file=sys.stderr)
        return 1
    with open_store(path) as store:
        taken = store.backup("manual")
    print(f"backed up {path} to {taken.path}")
    return 0


def _cmd_restore(args) -> int:
    from pathlib import Path

    from metrics.store.backup import restore_backup

    path = database_path(args.db)
    if isinstance(path, DatabaseUrl):
        print(PG_DUMP_ADVICE.format(path=path), file=sys.stderr)
        return 1
    chosen = restore_backup(path, Path(args.backup) if args.backup else None, log=lambda m: print(m, file=sys.stderr))
    print(
        f"restored {path} from {chosen}; the file it replaced is kept beside it as {path.name}.damaged-<time>. "
        "Uploads made after that backup must be loaded again (`python -m metrics history` lists what the "
        "restored file holds)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-default", help="build the default database if absent")
    p.add_argument("--db", help="database file (default data/cdof.duckdb or $CDOF_DB)")
    p.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    p.set_defaults(func=_cmd_build_default)

    p = sub.add_parser("export", help="every stored value as CSV on stdout")
    p.add_argument("--db", help="database file")
    p.add_argument(
        "--derived",
        action="store_true",
        help="every value the pages read (aggregates, comparisons, trend, goal status) instead of the "
        "stored observations",
    )
    p.add_argument(
        "--layout",
        choices=["dashboard", "fingertips"],
        default="dashboard",
        help="with --derived: the dashboard's columns, or Fingertips' download columns and words",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="leave out restricted metrics, as the dashboard does for anyone not signed in (default: the operator's "
        "full rights, everything)",
    )
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("backup", help="copy the database file now, or list the copies kept")
    p.add_argument("--db", help="database file")
    p.add_argument("--list", action="store_true", help="list the backups, newest first")
    p.set_defaults(func=_cmd_backup)

    p = sub.add_parser("restore", help="replace the database file with a backup (the newest that reads cleanly)")
    p.add_argument("backup", nargs="?", help="a backup file (default: the newest good one)")
    p.add_argument("--db", help="database file")
    p.set_defaults(func=_cmd_restore)

    try:
        from metrics.ingest.cli import add_commands
    except ImportError:  # ingestion not installed in this checkout
        pass
    else:
        add_commands(sub)
    __import__("metrics.sources.cli", fromlist=["add_command"]).add_command(sub)  # refresh (Fingertips)
    __import__("metrics.report.cli", fromlist=["add_command"]).add_command(sub)  # report (metrics/report/cli.py)
    __import__("metrics.paper.cli", fromlist=["add_command"]).add_command(sub)  # plan (metrics/paper/cli.py)
    return parser


def main(argv: list[str] | None = None) -> int:
    from metrics.catalogue import CatalogueError, default_catalogue

    args = build_parser().parse_args(argv)
    try:
        default_catalogue()  # a bad catalogue stops every command with the file, entry and field
    except CatalogueError as exc:
        print(f"error: the indicator catalogue is invalid: {exc}", file=sys.stderr)
        return 1
    from metrics.store import StoreError

    try:
        return int(args.func(args) or 0)
    except StoreError as exc:  # a damaged file, a full disk, a file held by another process: words, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
