"""`python -m metrics ingest | history | rollback` (added to metrics/cli.py's parser by add_commands).

ingest FILE [--format auto|template|fingertips|ndtms] [--dry-run] [--db PATH] [--author NAME]
       [--partnership CODE] [--max-size MB | --no-size-limit]
    prints the problems table, then the summary (new / changed / unchanged); exit 0 when committed (or a
    clean dry run), 2 when rejected (the store is untouched), 1 when the database can't be opened.
    A file larger than the Upload page's limit (upload.max_upload_mb in config/settings.yaml) is rejected
    unread unless --max-size raises the limit or --no-size-limit lifts it.
history [--db PATH]        the revisions, newest first, with who made each and under which scope
rollback REVISION [--db PATH] [--author NAME] [--partnership CODE]

The command line runs with the operator's full rights (it holds the database itself) and records the operator's
login name (or --author) and the scope "command line (operator, full rights)" on each revision. With
--partnership CODE it writes only that partnership's areas, as its uploaders would: rows of any other area are
refused, naming them, and nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from metrics.paths import database_path

EXIT_OK, EXIT_FAIL, EXIT_REJECTED = 0, 1, 2
MB = 1024 * 1024  # as Streamlit counts the uploader's megabytes


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _open_store(args, read_only: bool = False):
    from metrics.store import StoreError, open_store

    path = database_path(args.db)
    if not path.exists():
        _err(f"{path} does not exist; run `python -m metrics build-default` first")
        return None
    try:
        return open_store(path, read_only=read_only)
    except StoreError as exc:
        _err(str(exc))
        return None


def _scope(args):
    """The operator's full rights, or with --partnership those of that partnership's uploaders; None (after saying
    why) for a code that is not a partnership."""
    from metrics.access import (
        AccessSettingsError,
        Scope,
        area_words,
        operator_name,
        operator_scope,
        partnership_areas,
    )
    from metrics.areas import default_geography

    who = args.author or operator_name()
    code = getattr(args, "partnership", None)
    if not code:
        return operator_scope(who)
    geography = default_geography()
    try:
        areas = partnership_areas(code.strip().upper(), geography)
    except AccessSettingsError as exc:
        _err(str(exc).split(": ", 1)[-1].replace("access.partnerships: ", "--partnership: "))
        return None
    name = f"command line (operator) as partnership {area_words(code.strip().upper(), geography)}"
    return Scope(who=who, name=name, write_areas=areas, see_areas=None)


def print_problems(problems: pd.DataFrame, out=None) -> None:
    out = out or sys.stdout
    if problems.empty:
        print("No problems found.", file=out)
        return
    n_err = int((problems["severity"] == "error").sum())
    n_warn = len(problems) - n_err
    print(f"Problems: {n_err} error(s), {n_warn} warning(s)", file=out)
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 160, "display.width", 250):
        print(problems.astype(object).fillna("").to_string(index=False), file=out)


def _size_problem(path: Path, args) -> str | None:
    """Why the file is too large to ingest (the Upload page's limit unless overridden), or None."""
    if args.no_size_limit:
        return None
    if args.max_size is not None:
        limit_mb, where = args.max_size, "--max-size"
    else:
        from metrics.settings import default_settings, settings_path

        limit_mb, where = default_settings().upload.max_upload_mb, f"upload.max_upload_mb in {settings_path()}"
    size = path.stat().st_size
    if size <= limit_mb * MB:
        return None
    return (
        f"{path}: the file is {size / MB:,.1f} MB ({size:,} bytes), larger than the {limit_mb:g} MB limit "
        f"({where}); nothing was read or written. Split the file, or pass --max-size MB with a larger limit "
        "or --no-size-limit to load it anyway."
    )


def _cmd_ingest(args) -> int:
    from metrics.ingest.pipeline import commit, prepare, preview
    from metrics.store import StoreError

    path = Path(args.file)
    if not path.exists():
        _err(f"{path} does not exist")
        return EXIT_FAIL
    too_big = _size_problem(path, args)
    if too_big:
        _err(too_big)
        return EXIT_REJECTED
    scope = _scope(args)
    if scope is None:
        return EXIT_REJECTED
    _err(f"validating {path} ...")
    prepared = prepare(path, fmt=args.format, progress=lambda stage, frac: _err(f"  {stage}"), scope=scope)
    print(
        f"File: {prepared.file_name}  format: {prepared.file_format or 'unknown'}  rows: {len(prepared.rows):,}"
        f"  sha256: {prepared.sha256}"
    )
    print_problems(prepared.problems)
    if not prepared.ok:
        print(
            "Rejected: nothing was written."
            if not prepared.errors.empty
            else "Rejected: the file has no rows to load; nothing was written."
        )
        return EXIT_REJECTED
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        summary, _ = preview(store, prepared)
        print(
            f"Summary: {summary.new:,} new, {summary.changed:,} changed, {summary.described:,} description "
            f"changed (source or note only), {summary.unchanged:,} unchanged"
        )
        if args.dry_run:
            print("Dry run: nothing was written.")
            return EXIT_OK
        _err("committing ...")
        try:
            rid, summary = commit(store, prepared, author=scope.who, scope=scope)
        except StoreError as exc:  # the transaction rolled back (or never began): nothing was written
            _err(f"Not committed: {exc}")
            return EXIT_FAIL
        _err("committed")
    print(
        f"Committed revision {rid}: {summary.new:,} new, {summary.changed:,} changed, "
        f"{summary.described:,} description changed, {summary.unchanged:,} unchanged"
    )
    return EXIT_OK


def _cmd_history(args) -> int:
    store = _open_store(args, read_only=True)  # beside the dashboard and other readers
    if store is None:
        return EXIT_FAIL
    from metrics.presentation.tables import scope_words

    with store:
        rev = store.revisions()
    rev = rev.assign(scope=scope_words(rev))
    cols = [
        "revision_id",
        "created_at",
        "author",
        "scope",
        "action",
        "file_name",
        "file_format",
        "rows_new",
        "rows_changed",
        "rows_unchanged",
        "rows_removed",
        "rolls_back",
        "description",
    ]
    with pd.option_context("display.max_rows", None, "display.width", 250, "display.max_colwidth", 60):
        print(rev[cols].astype(object).fillna("").to_string(index=False))
    return EXIT_OK


def _cmd_rollback(args) -> int:
    from metrics.access import OutsideScope
    from metrics.ingest.pipeline import rollback
    from metrics.store import StoreError

    scope = _scope(args)
    if scope is None:
        return EXIT_REJECTED
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        try:
            rid, summary, conflicts = rollback(store, args.revision, scope.who, scope=scope)
        except (StoreError, OutsideScope) as exc:
            _err(str(exc))
            return EXIT_REJECTED
    print(
        f"Rolled back revision {args.revision} as revision {rid}: {summary.changed:,} restored, "
        f"{summary.removed:,} removed, {conflicts:,} kept because a later revision changed them"
    )
    return EXIT_OK


def _positive_mb(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of megabytes") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the limit must be a positive number of megabytes")
    return value


def add_commands(sub) -> None:
    p = sub.add_parser("ingest", help="validate and load a file (exit 0 committed, 2 rejected)")
    p.add_argument("file")
    p.add_argument("--format", default="auto", choices=["auto", "template", "fingertips", "ndtms"])
    p.add_argument("--dry-run", action="store_true", help="validate and preview only")
    p.add_argument("--db", help="database file (default data/cdof.duckdb or $CDOF_DB)")
    p.add_argument("--author", help="name recorded on the revision (default: the login name)")
    p.add_argument(
        "--partnership",
        metavar="CODE",
        help="write only this partnership's areas (a footprint code, or a single-authority partnership's ONS code)",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--max-size",
        type=_positive_mb,
        metavar="MB",
        help="largest file to read, in MB (default: upload.max_upload_mb in config/settings.yaml)",
    )
    size.add_argument("--no-size-limit", action="store_true", help="read the file whatever its size")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("history", help="the revisions, newest first")
    p.add_argument("--db", help="database file")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("rollback", help="undo a revision (recorded as a new revision)")
    p.add_argument("revision", type=int)
    p.add_argument("--db", help="database file")
    p.add_argument("--author", help="name recorded on the revision (default: the login name)")
    p.add_argument(
        "--partnership", metavar="CODE", help="refuse unless the revision wrote only this partnership's areas"
    )
    p.set_defaults(func=_cmd_rollback)
