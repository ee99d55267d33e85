"""`python -m metrics report --area CODE [--benchmark england|region] [--since REVISION|DATE]
[--format docx|pdf|html] [--with-demonstration] --out FILE [--db PATH] [--public]`: write the board report of one
area, real figures only unless demonstration data is asked for.

The command line runs with the operator's full rights: restricted metrics are in the report unless --public.

Exit 0 with the file written; 2 with a message on a bad area, benchmark, revision or date; 1 when the database
is missing or the charts or the PDF cannot be made. The file is written whole or not at all."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from metrics.paths import database_path

FORMATS = ("docx", "pdf", "html")


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "docx"


def _write_whole(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_report(args) -> int:
    from metrics.access import PUBLIC
    from metrics.areas import default_geography
    from metrics.catalogue import default_catalogue
    from metrics.chart_images import ChartImageError
    from metrics.report.build import build_report
    from metrics.report.model import ReportError
    from metrics.store import StoreError, open_store

    path = database_path(args.db)
    if not path.exists():
        print(f"{path} does not exist; run `python -m metrics build-default` first", file=sys.stderr)
        return 1
    fmt = _format(args)
    try:
        with open_store(path, read_only=True) as store:
            model, _, files = build_report(
                store,
                default_catalogue(),
                default_geography(),
                args.area,
                args.benchmark,
                args.since,
                [fmt],
                progress=(lambda f, words: print(f"{f:4.0%} {words}", file=sys.stderr)) if args.verbose else None,
                scope=PUBLIC if args.public else None,
                with_demonstration=args.with_demonstration,
            )
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (StoreError, ChartImageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    _write_whole(out, files[fmt])
    print(f"wrote {out} ({fmt}, {len(files[fmt]):,} bytes): {model.document_title}", file=sys.stderr)
    return 0


def add_command(sub) -> None:
    p = sub.add_parser("report", help="write the quarterly board report of an area (Word, PDF or HTML)")
    p.add_argument("--area", required=True, help="ONS code of an authority or region, or a CDP footprint code")
    p.add_argument(
        "--benchmark",
        default="england",
        choices=["england", "region"],
        help="compare with England (default) or the area's region",
    )
    p.add_argument(
        "--since",
        help="changes since this revision number or date YYYY-MM-DD (default: the first day of the previous quarter)",
    )
    p.add_argument("--format", choices=FORMATS, help="docx, pdf or html (default: from --out's suffix, else docx)")
    p.add_argument("--out", required=True, help="the file to write")
    p.add_argument("--db", help="database file (default data/cdof.duckdb or $CDOF_DB)")
    p.add_argument(
        "--with-demonstration",
        action="store_true",
        help="include demonstration values (generated, not real; the cover says so and each is marked); "
        "default: real figures only",
    )
    p.add_argument("--verbose", action="store_true", help="print each step")
    p.add_argument(
        "--public",
        action="store_true",
        help="leave out restricted metrics, as the dashboard does for anyone not signed in (default: the operator's "
        "full rights, everything)",
    )
    p.set_defaults(func=cmd_report)
