"""Recording results: figure, value, baseline, ratio, unit, dataset, machine; a printed table; JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Result:
    figure: str
    value: float
    baseline: float | None
    unit: str
    dataset: str
    target_ratio: float | None = None  # the ratio the issue asks for (value / baseline at most this)
    target_value: float | None = None  # an absolute ceiling where the issue sets one (e.g. 50 ms)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def meets_target(self) -> bool | None:
        checks = []
        if self.target_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.target_ratio)
        if self.target_value is not None:
            checks.append(self.value <= self.target_value)
        return all(checks) if checks else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        d["meets_target"] = self.meets_target
        return d


def machine() -> dict:
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_mb": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def pair_ratios(values: list[float], baselines: list[float]) -> str:
    """Each measurement's ratio to the baseline taken beside it, for a figure's note: how much the median hides."""
    return " (pairs: " + ", ".join(f"{v / b:.2f}" for v, b in zip(values, baselines)) + ")"


def print_table(results: list[Result]) -> None:
    header = f"{'dataset':9} {'figure':58} {'value':>11} {'baseline':>11} {'ratio':>7} {'unit':8} target"
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        base = "" if r.baseline is None else f"{r.baseline:.2f}"
        target = {True: "ok", False: "MISSED", None: ""}[r.meets_target]
        print(f"{r.dataset:9} {r.figure[:58]:58} {r.value:11.2f} {base:>11} {ratio:>7} {r.unit:8} {target}")


def write_json(results: list[Result], path: Path) -> None:
    path.write_text(json.dumps({"machine": machine(), "results": [r.as_dict() for r in results]}, indent=2) + "\n")
