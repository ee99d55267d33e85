"""`make bench` / `python -m bench [--quick] [--only queries,pages,interaction,memory,ingest,build,capacity,
store_both,breakdown] [--dataset ...]`.

Writes bench/results.json and prints a table. Not part of `make test`: it takes minutes and needs a quiet
machine to mean much; every figure sits beside a baseline measured in the same run. `breakdown` (where each page's
time goes, on the default dataset) is left out of the default list: it starts two servers per page visit and has
no target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.results import print_table, write_json

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--only", default="build,queries,ingest,refresh,pages,interaction,memory,report,store_both,capacity"
    )
    parser.add_argument("--dataset", default="default,national")
    parser.add_argument("--runs", type=int, default=50, help="runs per query (at least 50 for the record)")
    parser.add_argument("--quick", action="store_true", help="fewer runs and rows, for a smoke check")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    runs = 5 if args.quick else args.runs
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "build" in only:
            from bench import build

            results += build.measure()
        for kind in args.dataset.split(","):
            started = time.perf_counter()
            db, facts = datasets.build(kind, tmp, log=lambda m: print(m, file=sys.stderr))
            print(
                f"{kind}: {facts.get('rows'):,} values built in {time.perf_counter() - started:.1f} s", file=sys.stderr
            )
            if "build" in only:
                from bench import build

                results += build.measure_derive(db, kind)
            if "queries" in only:
                from bench import queries

                results += queries.measure(db, kind, runs=runs)
            if "ingest" in only:
                from bench import ingest

                results += ingest.measure(db, kind, rows=10_000 if args.quick else 100_000)
                if kind == "national" and not args.quick:
                    results += ingest.measure_million_memory(db, kind)
            if "refresh" in only and kind == "default":
                from bench import refresh

                results += refresh.measure(db, kind, repeats=1 if args.quick else 3)
            if "pages" in only:
                from bench import pages

                results += pages.measure_render(db, kind, repeats=1 if args.quick else 5)
            if "interaction" in only:
                from bench import interaction

                results += interaction.measure(db, kind, repeats=2 if args.quick else 5)
            if "breakdown" in only and kind == "default":
                from bench import breakdown

                results += breakdown.measure(db, kind, repeats=1 if args.quick else 3)
            if "report" in only:
                from bench import report

                results += report.measure(db, kind, repeats=1 if args.quick else 3)
            if ("memory" in only and kind == "national") or ("memory" in only and args.dataset == kind == "default"):
                from bench import pages

                results += pages.measure_memory(db, kind)
    if only & {"capacity", "store_both"}:
        results += _shared_store(only, args, runs)
    print_table(results)
    write_json(results, Path(args.out))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


def _shared_store(only: set[str], args, runs: int) -> list:
    """The benchmarks of issue 32 (capacity, and the store on both implementations), on the default dataset built
    into a file and into a throwaway PostgreSQL server of their own."""
    from metrics.build import build_database
    from metrics.paths import DatabaseUrl
    from tests.support.postgres import throwaway_server

    results: list = []
    with tempfile.TemporaryDirectory() as tmp, throwaway_server() as server:
        db = Path(tmp) / "cdof.duckdb"
        build_database(db, log=lambda m: None)
        url = server.new_database("bench")
        build_database(DatabaseUrl(url), log=lambda m: None)
        if "store_both" in only:
            from bench import store_both

            results += store_both.measure(db, url, "default", runs=runs)
        if "capacity" in only:
            from bench import capacity

            results += capacity.measure(db, url, "default")
    return results


if __name__ == "__main__":
    sys.exit(main())
