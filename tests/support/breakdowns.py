"""A deterministic upload of breakdowns (sex, age group, deprivation quintile) of continuity_of_care for the test
areas and England, five financial years: the demonstration database holds none, and the inequalities page and its
tests need some. Counts and denominators only: the store computes values and Wilson intervals."""

from __future__ import annotations

from pathlib import Path

AREAS = ("E92000001", "E10000034", "E06000019", "E10000025", "E06000060")
PERIODS = ("2019/20", "2020/21", "2021/22", "2022/23", "2023/24")
# label: (share of the denominator, percentage points above the area's base rate)
GROUPS = {
    "Male": (0.7, -3),
    "Female": (0.3, 6),
    "Age 18-29": (0.25, -8),
    "Age 30-49": (0.5, 1),
    "Age 50+": (0.25, 7),
    "IMD quintile 1 (most deprived)": (0.3, -9),
    "IMD quintile 2": (0.25, -4),
    "IMD quintile 3": (0.2, 0),
    "IMD quintile 4": (0.15, 4),
    "IMD quintile 5 (least deprived)": (0.1, 9),
}


def breakdown_csv(path: Path) -> Path:
    lines = ["metric_key,area_code,period,breakdown,value,count,denominator"]
    for a, area in enumerate(AREAS):
        size = 40_000 if area == "E92000001" else 600 + 150 * a
        for p, period in enumerate(PERIODS):
            base = 45 + 2 * p - 3 * a
            by_sex = []
            for label, (share, lift) in GROUPS.items():
                den = round(size * share)
                count = round(den * (base + lift) / 100)
                lines.append(f"continuity_of_care,{area},{period},{label},,{count},{den}")
                if label in ("Male", "Female"):
                    by_sex.append((count, den))
            # The total too: an upload replaces every stored row (demonstration ones included) of the metric, area
            # and period it covers, so without it the area would lose its overall value.
            lines.append(
                f"continuity_of_care,{area},{period},Total,,{sum(c for c, _ in by_sex)},{sum(d for _, d in by_sex)}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_breakdowns(db: Path, work: Path) -> None:
    """Upload the breakdowns into the database at `db` (through the ordinary ingest pipeline)."""
    from metrics.ingest.pipeline import commit, prepare
    from metrics.store import Store

    prepared = prepare(breakdown_csv(work / "breakdowns.csv"))
    assert prepared.ok, prepared.problems
    with Store(db) as store:
        commit(store, prepared, author="test")
