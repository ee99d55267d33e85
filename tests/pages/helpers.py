"""Helpers for the AppTest page tests."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "pages"
TIMEOUT = 30


def run_page(name: str, **params) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_page_with_demo(name: str, **params) -> AppTest:
    """run_page with demonstration data switched on (real data only is the default): for the tests of what the
    pages draw and say, which the real bundled figures alone do not fill."""
    return run_page(name, real="false", **params)


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "title", "subheader", "header"):
        parts += [str(e.value) for e in at.get(kind)]
    return "\n".join(parts)


def _words(df: pd.DataFrame) -> pd.DataFrame:
    """Columns shown as coloured labels (one-item lists, see pages.common.pill_column) back to their words."""
    df = df.copy()
    for col in df.columns:
        vals = df[col].tolist()
        if vals and all(
            hasattr(v, "__len__") and not isinstance(v, str) and len(v) <= 1 and all(isinstance(x, str) for x in v)
            for v in vals
        ):
            df[col] = [v[0] if len(v) else "" for v in vals]
    return df


def frames(at: AppTest) -> list[pd.DataFrame]:
    """The dataframes on the page, with coloured-label cells read as their words."""
    return [_words(d.value.data if hasattr(d.value, "data") else d.value) for d in at.dataframe]


def colour_columns(at: AppTest, n: int = 0) -> dict[str, list[str]]:
    """Columns of the n-th dataframe shown as coloured labels: {column: [colour per option]}."""
    import json

    config = json.loads(at.dataframe[n].proto.columns or "{}")
    return {
        k: [o.get("color") for o in v.get("type_config", {}).get("options", [])]
        for k, v in config.items()
        if v.get("type_config", {}).get("type") == "multiselect"
    }


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def download(at: AppTest, read, label: str) -> bytes:
    buttons = [b for b in at.get("download_button") if b.label == label]
    assert buttons, f"no download button {label!r}"
    return read(buttons[0])


def read_csv_download(data: bytes) -> tuple[list[str], pd.DataFrame]:
    text = data.decode("utf-8")
    notes = [line for line in text.splitlines() if line.startswith("#")]
    return notes, pd.read_csv(io.StringIO(text), comment="#")


def open_part(at: AppTest, key: str, value=True) -> AppTest:
    """Open a part built only when opened (an expander, or a tab given by its label), as a click would."""
    at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def copy_with_upload(built_db: Path, tmp_path: Path, name: str, csv_text: str) -> Path:
    """A copy of the built database with `csv_text` (the template's columns) committed as one upload."""
    from metrics.ingest.pipeline import commit, prepare
    from metrics.store import Store

    db = tmp_path / f"{name}.duckdb"
    shutil.copy(built_db, db)
    upload = tmp_path / f"{name}.csv"
    upload.write_text(csv_text)
    prepared = prepare(upload)
    assert prepared.ok, prepared.problems
    with Store(db) as store:
        commit(store, prepared, author="test")
    return db
