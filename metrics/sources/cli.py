"""`python -m metrics refresh`: every catalogue metric with a Fingertips ID, from the API or from saved responses.

refresh [--indicators ID[,ID...]] [--base-url URL | --from DIR] [--save DIR] [--dry-run] [--db PATH] [--author NAME]

Without --indicators: every catalogue metric with a Fingertips ID (with --from: every one saved in DIR).

Prints a line per indicator (loaded N rows / unchanged / failed: why) and a summary. Exit 0 when every indicator
loaded or was unchanged; 1 when any failed (the others are written); 2 for bad arguments (before any request);
3 when Fingertips cannot be reached at all (nothing written).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.sources.fingertips import Body

EXIT_OK, EXIT_FAILED, EXIT_BAD_ARGS, EXIT_UNREACHABLE = 0, 1, 2, 3


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _cmd_refresh(args) -> int:
    from metrics.access import operator_scope
    from metrics.catalogue import default_catalogue
    from metrics.ingest.cli import _open_store
    from metrics.sources.fingertips import (
        ServiceUnreachable,
        load_saved,
        read_manifest,
        save_bodies,
    )
    from metrics.sources.refresh import api_client, commit_refresh, parse_ids, plan_refresh

    catalogue = default_catalogue()
    try:
        ids = parse_ids(args.indicators, catalogue)
    except ValueError as exc:
        _err(f"error: {exc}; nothing was requested")
        return EXIT_BAD_ARGS
    if args.from_dir and args.base_url:
        _err("error: --from reads saved responses; it cannot be combined with --base-url")
        return EXIT_BAD_ARGS
    if args.from_dir and args.save:
        _err("error: --from reads saved responses; --save writes fetched ones: use one of them")
        return EXIT_BAD_ARGS
    manifest: dict[int, dict] = {}
    if args.from_dir:
        from_dir = Path(args.from_dir)
        try:
            manifest = read_manifest(from_dir)
        except (FileNotFoundError, ValueError) as exc:
            _err(f"error: {exc}")
            return EXIT_BAD_ARGS
        if not args.indicators:  # the saved responses are what was asked for when they were saved
            ids = [i for i in ids if i in manifest]
    store = _open_store(args)
    if store is None:
        return EXIT_FAILED
    client = None
    fetch: Callable[[int], Body]
    if args.from_dir:
        source_words = f"responses saved in {from_dir.name}"

        def fetch_saved(iid: int) -> Body:
            return load_saved(from_dir, iid, manifest)

        fetch = fetch_saved
    else:
        client = api_client(args.base_url)
        source_words = client.base_url
        fetch = client.fetch
        _err(f"refreshing {len(ids)} indicators from {client.base_url}, one at a time ...")
    with store:
        try:
            plan = plan_refresh(
                store, ids, fetch, progress=lambda n, of, iid, what: _err(f"  [{n}/{of}] {iid}: {what}")
            )
        except ServiceUnreachable as exc:
            print(f"{exc}.")
            return EXIT_UNREACHABLE
        finally:
            if client is not None:
                client.close()
        if args.save:
            saved = [r.body for r in plan.results if r.body is not None]
            manifest_path = save_bodies(Path(args.save), saved)
            _err(f"saved {len(saved)} responses and {manifest_path}")
        for r in plan.results:
            print(r.line(args.dry_run))
        print(plan.summary_line())
        if args.dry_run:
            print("Dry run: nothing was written.")
        else:
            operator = operator_scope(args.author)
            written = commit_refresh(store, plan, operator.who, source_words=source_words, scope=operator)
            if written is None:
                print("Nothing changed: no revision was written.")
            else:
                rid, summary = written
                print(
                    f"Committed revision {rid}: {summary.new:,} new, {summary.changed:,} changed, "
                    f"{summary.unchanged:,} unchanged (`python -m metrics rollback {rid}` undoes it)"
                )
    return EXIT_FAILED if plan.failed else EXIT_OK


def add_command(sub) -> None:
    p = sub.add_parser(
        "refresh",
        help="load every catalogue metric with a Fingertips ID from the Fingertips API (or saved responses)",
        description=__doc__,
    )
    p.add_argument("--indicators", metavar="ID[,ID...]", help="only these Fingertips IDs (default: every one)")
    p.add_argument("--base-url", help="the API's base URL (default: $CDOF_FINGERTIPS_URL or fingertips.base_url)")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="load responses saved by --save instead")
    p.add_argument("--save", metavar="DIR", help="also write the raw responses and a manifest to DIR")
    p.add_argument("--dry-run", action="store_true", help="fetch, check and preview; write nothing")
    p.add_argument("--db", help="database file (default data/cdof.duckdb or $CDOF_DB)")
    p.add_argument("--author", help="name recorded on the revision (default: the login name)")
    p.set_defaults(func=_cmd_refresh)
