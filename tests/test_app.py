"""dashboard.py (served by app.py): navigation per user, and a broken catalogue stopping start-up with a precise
message."""

from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from metrics.catalogue import default_catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_broken_catalogue_stops_start_up_with_file_entry_and_field(tmp_path, monkeypatch):
    data = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text())
    data["indicators"][0]["unit"] = "percent"
    broken = tmp_path / "indicators.yaml"
    broken.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("CDOF_CATALOGUE", str(broken))
    monkeypatch.setenv("CDOF_DB", str(tmp_path / "never-built.duckdb"))
    default_catalogue.cache_clear()
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    finally:
        default_catalogue.cache_clear()
    assert not at.exception
    (error,) = at.error
    assert "cannot start" in error.value
    assert str(broken) in error.value and "'drug_use_last_year'" in error.value and "'unit'" in error.value
    assert not (tmp_path / "never-built.duckdb").exists()  # stopped before touching the database
