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
    # How long a process waits for the database file while another writes it (or reads it, to write) before it
    # gives up and says which process holds it.
    lock_wait_seconds: float = Field(30, ge=0, le=3600)


class FingertipsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # OHID's Fingertips API; $CDOF_FINGERTIPS_URL and `refresh --base-url` override it.
    base_url: str = Field("https://fingertips.phe.org.uk/api", pattern=r"^https?://")
    connect_timeout_seconds: float = Field(10, gt=0, le=600)
    read_timeout_seconds: float = Field(300, gt=0, le=3600)  # a whole indicator's CSV can be slow to build
    retries: int = Field(4, ge=0, le=10)
    retry_backoff_seconds: float = Field(1.0, ge=0, le=300)  # the first wait; doubled per attempt
    max_response_mb: int = Field(200, ge=1, le=5000)


class Members(BaseModel):
    """Who belongs to a group: signed-in e-mails (compared without case) or values of the token's role claim
    (upload.role_claim)."""

    model_config = ConfigDict(extra="forbid")
    emails: list[str] = []
    roles: list[str] = []


class PartnershipAccess(BaseModel):
    """One partnership's people. `area` is its footprint's code in config/footprints.yaml (a joint CDP) or, for a
    single-authority partnership, its authority's ONS code. Uploaders write the footprint's areas and its local
    measures; readers only see its restricted metrics."""

    model_config = ConfigDict(extra="forbid")
    area: str = Field(min_length=1)
    uploaders: Members = Members()
    readers: Members = Members()


class AccessSettings(BaseModel):
    """Who may write which areas, and who sees restricted metrics (metrics.access)."""

    model_config = ConfigDict(extra="forbid")
    # The national role: writes every area (England and the regions included, which no partnership may write)
    # and sees every restricted metric. upload.uploader_emails and upload.uploader_role count as national too.
    national: Members = Members()
    partnerships: list[PartnershipAccess] = []


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app: AppSettings = AppSettings()
    upload: UploadSettings = UploadSettings()
    store: StoreSettings = StoreSettings()
    fingertips: FingertipsSettings = FingertipsSettings()
    access: AccessSettings = AccessSettings()


SETTINGS_ENV = "CDOF_SETTINGS"
FINGERTIPS_URL_ENV = "CDOF_FINGERTIPS_URL"


def fingertips_base_url(override: str | None = None, settings: Settings | None = None) -> str:
    """--base-url, else $CDOF_FINGERTIPS_URL, else fingertips.base_url in the settings file."""
    return override or os.environ.get(FINGERTIPS_URL_ENV) or (settings or default_settings()).fingertips.base_url


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
