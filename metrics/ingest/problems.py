"""Problems found in an uploaded file: one row each, with where it is and what was expected.

Row numbers are the rows the analyst sees in Excel: the header is row 1, the first data row is row 2.
A rule that fails on many rows is listed for the first `PER_RULE_LIMIT` rows, then summarised in one more
row ("... and 12,345 more rows with this problem"), so a million bad rows can't exhaust memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

ERROR = "error"
WARNING = "warning"
PROBLEM_COLUMNS = ["severity", "file", "row", "column", "value", "message"]
PER_RULE_LIMIT = 1000


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # Excel row (header = 1); None for the whole file
    column: str | None
    value: str | None
    message: str  # what is wrong and what was expected
    severity: str = ERROR  # error | warning


class ProblemLog:
    def __init__(self, file_name: str):
        self.file_name = file_name
        self.items: list[Problem] = []
        self._counts: dict[tuple, int] = {}

    def add(self, row, column, value, message, severity=ERROR, rule=None) -> None:
        rule = (column, rule or message, severity)
        n = self._counts.get(rule, 0)
        self._counts[rule] = n + 1
        if n < PER_RULE_LIMIT:
            self.items.append(
                Problem(
                    self.file_name,
                    None if row is None else int(row),
                    column,
                    None if value is None else _text(value),
                    message,
                    severity,
                )
            )

    def add_rows(
        self, rows: Iterable, column: str | None, values: Iterable, message, severity=ERROR, rule: str | None = None
    ) -> None:
        """One problem per row; `message` is a string or a function of the value."""
        rows = np.asarray(list(rows) if not isinstance(rows, (np.ndarray, pd.Series)) else rows)
        values = list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values
        values = np.asarray(values, dtype=object)
        key = (column, rule or (message if isinstance(message, str) else getattr(message, "__name__", "")), severity)
        n = self._counts.get(key, 0)
        self._counts[key] = n + len(rows)
        room = max(0, PER_RULE_LIMIT - n)
        for r, v in zip(rows[:room], values[:room]):
            msg = message(v) if callable(message) else message
            self.items.append(Problem(self.file_name, int(r), column, _text(v), msg, severity))

    def mark(self) -> tuple[int, dict]:
        """A point to return to with reset_to (for a read that is abandoned and repeated another way)."""
        return len(self.items), dict(self._counts)

    def reset_to(self, mark: tuple[int, dict]) -> None:
        n, counts = mark
        del self.items[n:]
        self._counts = dict(counts)

    def finish(self) -> None:
        """Add the '... and N more' rows for rules that overflowed."""
        for (column, rule, severity), n in self._counts.items():
            if n > PER_RULE_LIMIT:
                self.items.append(
                    Problem(
                        self.file_name,
                        None,
                        column,
                        None,
                        f"... and {n - PER_RULE_LIMIT:,} more rows with this problem "
                        f"({rule if isinstance(rule, str) else column})",
                        severity,
                    )
                )

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.items)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(
            [asdict(p) for p in self.items], columns=["file", "row", "column", "value", "message", "severity"]
        )
        df = df[PROBLEM_COLUMNS]
        # A cell with an error gets only the error: a warning about the same cell (an unreadable value would also
        # be "stored as a missing value") is dropped.
        cells = [(int(r), c) if pd.notna(r) and isinstance(c, str) else None for r, c in zip(df["row"], df["column"])]
        error_cells = {cell for cell, sev in zip(cells, df["severity"]) if cell is not None and sev == ERROR}
        if error_cells:
            repeat = [sev == WARNING and cell in error_cells for cell, sev in zip(cells, df["severity"])]
            df = df[~pd.Series(repeat, index=df.index, dtype=bool)]
        df["row"] = df["row"].astype("Int64")
        order = {ERROR: 0, WARNING: 1}
        return df.sort_values(
            ["severity", "row"],
            key=lambda s: s.map(order) if s.name == "severity" else s,
            na_position="first",
            kind="stable",
        ).reset_index(drop=True)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return repr(value) if not value.is_integer() else str(int(value)) if abs(value) < 1e15 else repr(value)
    s = str(value)
    return s if len(s) <= 200 else s[:200] + "..."
