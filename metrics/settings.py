"""App settings from config/settings.yaml, validated."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from metrics.paths import CONFIG_DIR


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = "Combating Drugs Outcomes Dashboard"
    default_area: str = "E06000060"
    compare_focus_areas: list[str] = ["E06000060", "E10000025", "E10000034"]
    cache_ttl_seconds: int = Field(600, ge=0)
    real_data_only: bool = True  # the "Real data only" switch's default (hides demonstration values)


class UploadSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_upload_mb: int = Field(50, ge=1, le=2000)
    uploader_emails: list[str] = []
    role_claim: str = "roles"
    uploader_role: str = "cdp.uploader"
    local_mode: bool = False
    # An .xlsx is a zip: a few MB can expand to gigabytes of cell text. A workbook whose parts add up to more
    # than this, uncompressed, is refused before it is read.
    max_workbook_expanded_mb: int = Field(400, ge=1, le=20000)


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Copies of the database file kept before each upload or rollback commits (the oldest are deleted).
    backups_kept: int = Field(5, ge=0, le=1000)
    # Where they are kept; empty: a folder beside the database file (data/cdof.duckdb.backups).
    backup_dir: str | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app: AppSettings = AppSettings()
    upload: UploadSettings = UploadSettings()
    store: StoreSettings = StoreSettings()


SETTINGS_ENV = "CDOF_SETTINGS"


def settings_path() -> Path:
    """config/settings.yaml, or the file named by $CDOF_SETTINGS (tests run an uploader and an anonymous server)."""
    env = os.environ.get(SETTINGS_ENV)
    return Path(env) if env else CONFIG_DIR / "settings.yaml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"{path}: field {field!r}: {err['msg']}") from None


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()
