"""A Fingertips data download (26 or 27 columns), read by column name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metrics.catalogue import Catalogue
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.ingest.problems import ERROR, WARNING, ProblemLog
from metrics.ingest.text import (
    NUMERIC,
    TEMPLATE_COLUMNS,
    FileUnreadable,
    ReadResult,
    blank_rows,
    canonical_rows,
    column_letter,
    normalise_name,
    read_header,
    read_text_csv,
)
from metrics.vocabulary import (
    NOT_COMPARED,
    PUBLISHED_COMPARE_WORDS,
    PUBLISHED_SIGNIFICANCE_SUFFIXES,
    QUINTILE_WORDS,
)

# The header of Fingertips' all_data CSV, in order, as it is published today (the API contract, section 1): what the
# refresh checks a body against and the export writes. Column 23's name follows the parent area type (e.g. "Compared
# to percentiles", "Column not used"), column 26 was once "Target data", and column 27 was added in 2022.
ALL_DATA_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]
PARENT_COMPARISON_COLUMN = 22  # its name varies with the parent area type
FORMER_NAMES = {25: ("Target data",)}  # earlier names a column may still have in an older body

# The columns read, as Fingertips names them, and the canonical column each fills (None: read only to make the
# breakdown or to skip other area types). Problems name the Fingertips column, so they are found in the file.
COLUMNS = {
    "Indicator ID": "metric_key",
    "Area Code": "area_code",
    "Area Type": None,
    "Sex": None,
    "Category Type": None,
    "Category": "breakdown",
    "Time period": "period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower95",
    "Upper CI 95.0 limit": "upper95",
    "Lower CI 99.8 limit": "lower998",
    "Upper CI 99.8 limit": "upper998",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Compared to England value or percentiles": "published_comparison",
}
GOAL_COLUMNS = {normalise_name("Compared to goal"), normalise_name("Target data")}
REQUIRED = ["Indicator ID", "Area Code", "Time period", "Value"]
COLUMN_NAMES = {canonical: name for name, canonical in COLUMNS.items() if canonical}
# Words of the England comparison column that place an area among quintiles rather than compare it with England.
# An indicator with any of them in a file is compared by quintile there, and its "Better" and "Worse" name
# quintiles too: none of its words is taken as a verdict.
QUINTILE_ONLY_WORDS = {w.lower() for words in QUINTILE_WORDS.values() for w in words} - {
    w.lower() for w in PUBLISHED_COMPARE_WORDS
}
# Area types this dashboard holds; rows of other types (districts, ICBs ...) are skipped with a warning.
AREA_TYPES_HELD = {
    "england",
    "country",
    "region",
    "county & ua",
    "county",
    "ua",
    "counties & uas",
    "counties & uas (from apr 2021)",
    "counties & uas (from apr 2023)",
    "upper tier local authorities (4/21-3/23)",
    "upper tier local authorities (post 4/23)",
}


def read_fingertips(path: Path, file_name: str, log: ProblemLog, encoding: str, catalogue: Catalogue) -> ReadResult:
    header = read_header(path, encoding)
    _refuse_repeated_columns(header, log)
    # The API writes a row without its last cell when "Compared to goal" (26-column layout) is empty.
    omits_goal = bool(header) and normalise_name(header[-1]) in GOAL_COLUMNS
    raw = read_text_csv(path, encoding, log, "Fingertips", may_omit_last=omits_goal)
    cols = {normalise_name(c): c for c in raw.columns}
    missing = [name for name in REQUIRED if normalise_name(name) not in cols]
    if missing:
        for m in missing:
            log.add(1, m, None, f"Fingertips column {m!r} is missing; expected a Fingertips data download")
        raise FileUnreadable
    rows = np.arange(2, 2 + len(raw))

    def col(name: str) -> pd.Series:
        """Fingertips column `name`, stripped; empty cells if the file lacks it."""
        key = normalise_name(name)
        return raw[cols[key]].str.strip() if key in cols else pd.Series([""] * len(raw), dtype=str)

    blank = blank_rows(raw)
    ind_id = col("Indicator ID")
    by_id = {str(i.fingertips_id): i.key for i in catalogue.indicators if i.fingertips_id}
    metric = ind_id.map(by_id)
    unknown = (metric.isna().to_numpy()) & ~blank
    if unknown.any():
        log.add_rows(
            rows[unknown],
            "Indicator ID",
            ind_id[unknown],
            lambda v: (
                f"Fingertips indicator {v} is not in the catalogue; expected one of "
                + ", ".join(sorted(by_id))
                + " (fingertips_id in config/indicators.yaml)"
            ),
            rule="unknown indicator",
        )
    area_type = col("Area Type").str.lower()
    other_type = (~area_type.isin(AREA_TYPES_HELD) & (area_type != "")).to_numpy() & ~blank
    if other_type.any():
        for t, n in pd.Series(col("Area Type")[other_type]).value_counts().items():
            first = int(rows[other_type & (col("Area Type") == t).to_numpy()][0])
            log.add(
                first,
                "Area Type",
                t,
                f"{n:,} rows of area type {t!r} were skipped: the dashboard holds "
                "England, regions and upper-tier local authorities",
                WARNING,
            )
    keep = ~blank & ~other_type
    sex = col("Sex")
    cat_type, cat = col("Category Type"), col("Category")
    breakdown = np.where(cat != "", cat_type + ": " + cat, "")
    sex_part = np.where(sex.str.lower().isin(["persons", ""]), "", sex)
    bd = pd.Series(
        np.where(
            (sex_part != "") & (breakdown != ""),
            sex_part + ", " + breakdown,
            np.where(sex_part != "", sex_part, breakdown),
        ),
        dtype=str,
    )
    bd = bd.where(bd != "", DEFAULT_BREAKDOWN)
    cells = {
        "metric_key": metric.fillna("(unknown indicator)").astype(str),
        "area_code": col("Area Code"),
        "period": col("Time period"),
        "breakdown": bd,
        "source": ("Fingertips indicator " + ind_id + " download " + file_name).to_numpy(),
    }
    for name, canonical in COLUMNS.items():
        if canonical in NUMERIC or canonical == "value_note":
            cells[canonical] = col(name).to_numpy()
    cells["published_comparison"] = _england_verdicts(
        col("Compared to England value or percentiles"), ind_id, keep, rows, log
    )
    # The template's conversion (numbers, injection) on the kept rows, in the template's column order.
    raw_canon = pd.DataFrame(cells)[TEMPLATE_COLUMNS].loc[keep]
    kept_rows = rows[keep]
    canon = canonical_rows(raw_canon.reset_index(drop=True), 2, _FingertipsNames(log, kept_rows), "")
    canon["_row"] = kept_rows[canon["_row"].to_numpy() - 2]
    if canon.empty:
        log.add(None, None, None, "the file has no data rows")
        raise FileUnreadable
    return ReadResult(canon, COLUMN_NAMES)


def _england_verdicts(words: pd.Series, ind_id: pd.Series, keep: np.ndarray, rows: np.ndarray, log: ProblemLog):
    """Fingertips' comparison of each row with England as the vocabulary's verdict ("Better 95%" -> "Better"), or
    "" for none: "Not compared", a quintile, or a word not known (a warning names it)."""
    kept = keep & (words != "").to_numpy()
    codes, distinct = pd.factorize(words.str.lower())
    lowered = [str(w) for w in distinct]
    quintiles = {i for i, w in enumerate(lowered) if w in QUINTILE_ONLY_WORDS}
    by_quintile = set(ind_id[kept & np.isin(codes, list(quintiles))]) if quintiles else set()
    verdict_of = {w.lower(): w for w in PUBLISHED_COMPARE_WORDS}
    out = np.full(len(words), "", dtype=object)
    for i, w in enumerate(lowered):
        base = next((w.removesuffix(x) for x in PUBLISHED_SIGNIFICANCE_SUFFIXES if w.endswith(x)), w)
        mask = kept & (codes == i)
        if base in verdict_of:
            out[mask] = verdict_of[base]
        elif mask.any() and base not in QUINTILE_ONLY_WORDS and base != NOT_COMPARED.lower():
            word = words[mask].iloc[0]
            log.add(
                int(rows[mask][0]),
                "Compared to England value or percentiles",
                word,
                f"{int(mask.sum()):,} rows compare with England as {word!r}, which is not a comparison the "
                "dashboard knows (expected " + ", ".join(PUBLISHED_COMPARE_WORDS) + " or Not compared); "
                "they are loaded without the publisher's comparison",
                WARNING,
            )
    out[ind_id.isin(list(by_quintile)).to_numpy()] = ""
    return out


def _refuse_repeated_columns(header: list[str], log: ProblemLog) -> None:
    """A column read (Value, Count ...) that appears twice: which one holds the figures can't be told, so the file
    is refused, naming both (pandas would silently read the first)."""
    read = {normalise_name(name) for name in COLUMNS}
    seen: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if normalise_name(h) in read:
            seen.setdefault(normalise_name(h), []).append(i)
    repeated = {k: v for k, v in seen.items() if len(v) > 1}
    for positions in repeated.values():
        name = header[positions[0]]
        where = " and ".join(f"column {column_letter(i)}" for i in positions)
        log.add(
            1,
            name,
            name,
            f"the column {name!r} appears {len(positions)} times ({where}); a Fingertips "
            "download has it once. Delete the extra column (or download the file again)",
        )
    if repeated:
        raise FileUnreadable


class _FingertipsNames(ProblemLog):
    """Passes problems to a log with Fingertips' column names and the real row numbers."""

    def __init__(self, log: ProblemLog, rows: np.ndarray):
        self._log, self._rows = log, rows

    def add_rows(self, rows, column, values, message, severity=ERROR, rule=None):
        real = self._rows[np.asarray(rows, dtype=int) - 2]
        self._log.add_rows(real, COLUMN_NAMES.get(column, column), values, message, severity, rule)

    def add(self, row, column, value, message, severity=ERROR, rule=None):
        self._log.add(row, column, value, message, severity, rule)
