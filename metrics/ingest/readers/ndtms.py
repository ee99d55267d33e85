"""An NDTMS ViewIt export, local-authority or England header style, mapped to catalogue metrics by
config/ndtms_mapping.yaml: the all-sexes, all-ages total rows of the mapped drug groups, summed per period and area."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from metrics.areas import Geography
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.ingest.problems import WARNING, ProblemLog
from metrics.ingest.text import FileUnreadable, ReadResult, blank_rows, empty_rows, read_text_csv
from metrics.paths import CONFIG_DIR

NDTMS_MAPPING = CONFIG_DIR / "ndtms_mapping.yaml"
# Validation's problems name these columns (the values are sums or ratios of the export's columns).
COLUMN_NAMES = {
    "area_code": "Area",
    "period": "ReportingPeriod",
    "value": "(derived value)",
    "count": "(summed count)",
    "denominator": "(summed denominator)",
}


def load_ndtms_mapping() -> dict:
    return yaml.safe_load(NDTMS_MAPPING.read_text(encoding="utf-8"))


def read_ndtms(path: Path, file_name: str, log: ProblemLog, encoding: str, geography: Geography) -> ReadResult:
    mapping = load_ndtms_mapping()
    raw = read_text_csv(path, encoding, log, "NDTMS")
    cols = {c.strip().lower(): c for c in raw.columns}

    def find(names: list[str]) -> str | None:
        return next((cols[n.lower()] for n in names if n.lower() in cols), None)

    found = {r: find(names) for r, names in mapping["columns"].items()}
    for r, c in found.items():
        if c is None:
            log.add(
                1,
                " or ".join(mapping["columns"][r]),
                None,
                f"NDTMS column for {r} is missing; expected one of {mapping['columns'][r]}",
            )
    if any(c is None for c in found.values()):
        raise FileUnreadable
    role = {r: c for r, c in found.items() if c is not None}  # every role (checked above)
    rows_no = np.arange(2, 2 + len(raw))
    blank = blank_rows(raw)
    raw = raw.loc[~blank].copy()
    raw["_row"] = rows_no[~blank]
    england_style = role["period"].lower().endswith("_data")
    # Area names -> codes (one look-up per distinct name).
    codes = {}
    for name in raw[role["area"]].str.strip().unique():
        area = geography.find_by_name(name)
        codes[name] = area.code if area else None
        if area is None:
            rows = raw.loc[raw[role["area"]].str.strip() == name, "_row"].to_numpy()
            near = geography.suggest(name)
            hint = f"; did you mean {near.name} ({near.code})?" if near else ""
            log.add_rows(
                rows,
                role["area"],
                [name] * len(rows),
                f"area name {name!r} matches no area of the dashboard{hint} Expected an upper-tier local "
                "authority, region or 'England' as NDTMS names them",
                rule=f"area {name}",
            )
    total_words = {w.lower() for w in mapping["total_words"]}
    sex = raw[role["sex"]].str.strip().str.lower()
    age = raw[role["age"]].str.strip().str.lower()
    drug_syn = {str(k).lower(): v for k, v in mapping["drug_groups"].items()}
    drug_text = raw[role["drug_group"]].str.strip()
    drug = drug_text.str.lower().map(drug_syn)
    bad_drug = drug.isna().to_numpy()
    if bad_drug.any():
        log.add_rows(
            raw["_row"].to_numpy()[bad_drug],
            role["drug_group"],
            drug_text[bad_drug],
            "unknown drug group; expected one of " + ", ".join(sorted(set(drug_syn))),
            rule="drug group",
        )
    totals = raw.loc[sex.isin(total_words).to_numpy() & age.isin(total_words).to_numpy() & ~bad_drug].copy()
    totals["_drug"] = drug[totals.index]
    totals["_period"] = totals[role["period"]].str.strip()
    totals["_area_name"] = totals[role["area"]].str.strip()

    totals["_area_code"] = totals["_area_name"].map(codes)

    # "Total" and "TOTAL" both mean all sexes / ages (NDTMS changed the spelling in 2021/22). If one period has
    # both spellings for the same group, identical rows are one row; different rows are an error.
    key = ["_period", "_area_name", "_drug"]
    measure_cols = sorted({c for m in mapping["metrics"].values() for c in _metric_columns(m, cols) if c})
    dup = totals.duplicated(key, keep=False)
    if dup.any():
        for _, grp in totals[dup].groupby(key, sort=False):
            first = grp.iloc[0]
            same = (grp[measure_cols] == first[measure_cols]).all(axis=None)
            others = ", ".join(str(r) for r in grp["_row"].iloc[1:])
            if same:
                log.add(
                    int(first["_row"]),
                    role["sex"],
                    f"{first[role['sex']]}/{first[role['age']]}",
                    f"rows {first['_row']}, {others} are the same total (spelt differently); one was kept",
                    WARNING,
                    rule="ndtms duplicate total",
                )
            else:
                for r in grp["_row"].iloc[1:]:
                    log.add(
                        int(r),
                        role["sex"],
                        None,
                        f"a second all-sexes, all-ages row for {first['_period']} "
                        f"{first['_area_name']} {first[role['drug_group']]} with different counts from row "
                        f"{first['_row']}; expected one total row",
                        rule="ndtms conflicting total",
                    )
        totals = totals.drop_duplicates(key, keep="first")

    rounded_note = None if england_style else mapping.get("rounding_note")
    null_words = {w.upper() for w in mapping["null_words"]}
    out = []
    for metric_key, spec in mapping["metrics"].items():
        num_col, den_col = _metric_columns(spec, cols)
        if num_col is None or (spec.get("denominator") and den_col is None):
            log.add(
                None,
                None,
                None,
                f"{metric_key} not loaded: the file has no column {spec['count']}"
                + (f" / {spec['denominator']}" if spec.get("denominator") else ""),
                WARNING,
            )
            continue
        part = totals[totals["_drug"].isin(spec["drug_groups"])]
        if part.empty:
            continue
        num_txt = part[num_col].str.strip()
        den_txt = part[den_col].str.strip() if den_col else None
        is_null = num_txt.str.upper().isin(null_words)
        if den_txt is not None:
            is_null |= den_txt.str.upper().isin(null_words)
        num = pd.to_numeric(num_txt.where(~is_null, ""), errors="coerce")
        bad = (num.isna() & ~is_null & (num_txt != "")).to_numpy()
        if bad.any():
            log.add_rows(
                part["_row"].to_numpy()[bad],
                num_col,
                num_txt[bad],
                "not a number; expected a count or NULL",
                rule="ndtms number",
            )
        num = _refuse_impossible_counts(num, num_txt, part["_row"].to_numpy(), num_col, log)
        frame = pd.DataFrame(
            {
                "_period": part["_period"],
                "_area_code": part["_area_code"],
                "_area_name": part["_area_name"],
                "_row": part["_row"],
                "num": num,
                "null": is_null,
            }
        )
        if den_txt is not None:
            den = pd.to_numeric(den_txt.where(~is_null, ""), errors="coerce")
            bad = (den.isna() & ~is_null & (den_txt != "")).to_numpy()
            if bad.any():
                log.add_rows(
                    part["_row"].to_numpy()[bad],
                    den_col,
                    den_txt[bad],
                    "not a number; expected a count or NULL",
                    rule="ndtms number",
                )
            den = _refuse_impossible_counts(den, den_txt, part["_row"].to_numpy(), den_col, log)
            frame["den"] = den
        g = frame.groupby(["_period", "_area_name"], sort=False, dropna=False)
        agg = g.agg(
            _area_code=("_area_code", "first"),
            _row=("_row", "min"),
            null=("null", "any"),
            num=("num", lambda s: s.sum(min_count=len(s)) if s.notna().all() else np.nan),
            groups=("num", "size"),
            **(
                {"den": ("den", lambda s: s.sum(min_count=len(s)) if s.notna().all() else np.nan)}
                if den_txt is not None
                else {}
            ),
        ).reset_index()
        incomplete = agg["groups"] < len(spec["drug_groups"])
        for _, r in agg[incomplete].iterrows():
            log.add(
                int(r["_row"]),
                role["drug_group"],
                None,
                f"{metric_key} for {r['_period']} {r['_area_name']}: "
                f"only {int(r['groups'])} of the drug groups {spec['drug_groups']} have a total row; "
                "expected all of them",
                rule="ndtms incomplete groups",
            )
        value: np.ndarray | pd.Series
        denominator: pd.Series | float
        if spec.get("denominator"):
            value = np.where(agg["den"] > 0, agg["num"] / agg["den"] * 100, np.nan)
            count, denominator = agg["num"], agg["den"]
        else:
            value, count, denominator = agg["num"], agg["num"], np.nan
        notes = []
        for null in agg["null"]:
            parts = [
                p for p in [("NDTMS: NULL (not applicable)" if null else None), rounded_note, spec.get("note")] if p
            ]
            notes.append("; ".join(parts) or None)
        out.append(
            pd.DataFrame(
                {
                    "metric_key": metric_key,
                    "area_code": agg["_area_code"].fillna(agg["_area_name"]).astype(str),
                    "period": agg["_period"],
                    "breakdown": DEFAULT_BREAKDOWN,
                    "value": np.asarray(value, dtype=float),
                    "lower95": np.nan,
                    "upper95": np.nan,
                    "lower998": np.nan,
                    "upper998": np.nan,
                    "count": np.asarray(count, dtype=float),
                    "denominator": np.asarray(denominator, dtype=float),
                    "value_note": notes,
                    "source": f"NDTMS ViewIt export {file_name}",
                    "published_comparison": None,
                    "_row": agg["_row"].astype(int),
                }
            )
        )
    rows = pd.concat(out, ignore_index=True) if out else empty_rows()
    if rows.empty:
        log.add(
            None,
            None,
            None,
            "no all-sexes, all-ages total rows found; expected rows where sex and age group are 'Total'",
        )
        raise FileUnreadable
    # names that matched nothing were reported above; keep them out of the code checks
    rows = rows[rows["area_code"].isin({c for c in codes.values() if c})].reset_index(drop=True)
    return ReadResult(rows, COLUMN_NAMES)


def _refuse_impossible_counts(
    numbers: pd.Series, text: pd.Series, rows: np.ndarray, column: str | None, log: ProblemLog
) -> pd.Series:
    """Negative or infinite counts, reported under the file's own column (not the value derived from them), and
    left out of the sums so that the derived value is not reported again."""
    x = numbers.to_numpy(dtype=float, na_value=np.nan)
    negative, infinite = x < 0, np.isinf(x)
    if negative.any():
        log.add_rows(
            rows[negative],
            column,
            text[negative],
            "a negative count; a count can't be below 0",
            rule="ndtms negative count",
        )
    if infinite.any():
        log.add_rows(
            rows[infinite],
            column,
            text[infinite],
            "not a finite number; expected a count or NULL",
            rule="ndtms not finite",
        )
    return numbers.where(~(negative | infinite))


def _metric_columns(spec: dict, cols: dict) -> tuple[str | None, str | None]:
    def pick(names) -> str | None:
        if not names:
            return None
        names = names if isinstance(names, list) else [names]
        return next((cols[n.lower()] for n in names if n.lower() in cols), None)

    return pick(spec.get("count")), pick(spec.get("denominator"))
