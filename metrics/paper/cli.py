"""`python -m metrics plan import FILE [--dry-run] [--db PATH] [--author NAME]` and
`python -m metrics plan export [--area CODE] [--db PATH]` (--db: a DuckDB file or a PostgreSQL URL; import also
takes [--partnership CODE] as `ingest` does) (added to metrics/cli.py's parser by add_command).

import: prints the problems table, then what changes (new, changed, unchanged, removed actions); exit 0 when
committed (or a clean dry run), 2 when rejected (nothing written), 1 when the database cannot be opened.
export: the plan as CSV on standard output in the import's columns, the header even when the plan is empty, so an
export edited in a spreadsheet imports back. `plan template [--xlsx FILE]` writes the blank template.
"""

from __future__ import annotations

import sys
from pathlib import Path

from metrics.ingest.cli import EXIT_FAIL, EXIT_OK, EXIT_REJECTED, _err, _open_store, _scope, print_problems


def _cmd_import(args) -> int:
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.paper.edits import import_plan, plan_changes, sha256_bytes
    from metrics.paper.plan import prepare_plan
    from metrics.store.narrative import PLAN_ACTIONS

    path = Path(args.file)
    if not path.exists():
        _err(f"{path} does not exist")
        return EXIT_FAIL
    scope = _scope(args)
    if scope is None:
        return EXIT_FAIL
    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        data = path.read_bytes()
        prepared = prepare_plan(
            data, path.name, default_catalogue(), default_geography(), store.narrative(PLAN_ACTIONS), scope.write_areas
        )
        print(f"File: {prepared.file_name}  actions: {len(prepared.rows):,}  areas: {', '.join(prepared.area_codes)}")
        print_problems(prepared.problems)
        if not prepared.ok:
            print("Rejected: nothing was written.")
            return EXIT_REJECTED
        change = plan_changes(store, prepared)
        print(
            f"Summary: {change.new:,} new, {change.changed:,} changed, {change.unchanged:,} unchanged, "
            f"{change.removed:,} removed actions"
        )
        if args.dry_run:
            print("Dry run: nothing was written.")
            return EXIT_OK
        if not (change.new or change.changed or change.removed):
            print("Nothing changed: nothing was written.")
            return EXIT_OK
        rid, change = import_plan(store, prepared, scope.who, sha256_bytes(data), scope.name)
    print(f"Committed revision {rid}: {change.new:,} new, {change.changed:,} changed, {change.removed:,} removed")
    return EXIT_OK


def _cmd_export(args) -> int:
    from metrics.cli import _write_csv
    from metrics.paper.plan import export_frame
    from metrics.store.narrative import PLAN_ACTIONS

    store = _open_store(args, read_only=True)
    if store is None:
        return EXIT_FAIL
    with store:
        actions = store.narrative(PLAN_ACTIONS, [args.area.strip().upper()] if args.area else None)
    return _write_csv(export_frame(actions))


def _cmd_template(args) -> int:
    from metrics.paper.plan import template_csv, template_xlsx

    if args.xlsx:
        Path(args.xlsx).write_bytes(template_xlsx())
        _err(f"wrote {args.xlsx}")
    else:
        sys.stdout.write(template_csv().decode("utf-8"))
    return EXIT_OK


def _cmd_load_example(args) -> int:
    from metrics.access import operator_scope
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.paper.edits import PaperInputError
    from metrics.paper.example import load_example

    store = _open_store(args)
    if store is None:
        return EXIT_FAIL
    with store:
        try:
            revisions = load_example(
                store,
                Path(args.directory),
                args.author or "example",
                default_catalogue(),
                default_geography(),
                scope_name=operator_scope().name,
            )
        except PaperInputError as exc:
            _err("; ".join(exc.problems))
            return EXIT_REJECTED
    print(f"Loaded the example {args.directory} as revisions {', '.join(map(str, revisions))}")
    return EXIT_OK


def add_command(sub) -> None:
    plan = sub.add_parser("plan", help="the delivery plan: import a file, export it, the blank template")
    commands = plan.add_subparsers(dest="plan_command", required=True)
    p = commands.add_parser("import", help="check and load a plan file (CSV or .xlsx)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and show what would change; write nothing")
    p.add_argument("--db", help="database file")
    p.add_argument("--author", help="name recorded on the revision (default: your user name)")
    p.add_argument(
        "--partnership",
        metavar="CODE",
        help="write only this partnership's areas (a footprint code, or a single-authority partnership's ONS code)",
    )
    p.set_defaults(func=_cmd_import)
    p = commands.add_parser("export", help="the plan as CSV on standard output")
    p.add_argument("--area", help="one area's plan (its code)")
    p.add_argument("--db", help="database file")
    p.set_defaults(func=_cmd_export)
    p = commands.add_parser("template", help="the blank plan template (CSV on standard output, or --xlsx FILE)")
    p.add_argument("--xlsx", help="write the .xlsx template to this file")
    p.set_defaults(func=_cmd_template)
    p = commands.add_parser("load-example", help="load an example paper (data/examples/<area>/) on purpose")
    p.add_argument("directory")
    p.add_argument("--db", help="database file")
    p.add_argument("--author", help="name recorded on the revisions (default: example)")
    p.set_defaults(func=_cmd_load_example)
