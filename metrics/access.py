"""Who may upload. Pure functions over the settings and the signed-in user's claims (no Streamlit here).

Rules:
- With `upload.local_mode: true` in config/settings.yaml, anyone using that copy of the app may upload
  (a single analyst's own machine). It must be switched on explicitly.
- Otherwise sign-in must be configured (an [auth] section in .streamlit/secrets.toml) and the user signed in,
  with their e-mail in `upload.uploader_emails` or `upload.uploader_role` among the token's `role_claim` values.
- With neither, nobody may upload and the Upload page does not exist.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrics.settings import UploadSettings


def sign_in_configured(secrets: Mapping[str, Any] | None) -> bool:
    try:
        auth = secrets.get("auth") if secrets is not None else None
    except Exception:  # st.secrets raises when no secrets file exists
        return False
    return bool(auth)


def _claims_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace(",", " ").split()]
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def is_uploader(settings: UploadSettings, user: Mapping[str, Any] | None, auth_configured: bool) -> bool:
    """True when this user may see and use the Upload page."""
    if settings.local_mode:
        return True
    if not auth_configured or not user or not user.get("is_logged_in"):
        return False
    email = str(user.get("email") or "").strip().lower()
    if email and email in {e.strip().lower() for e in settings.uploader_emails}:
        return True
    return settings.uploader_role in _claims_list(user.get(settings.role_claim))


def uploader_name(settings: UploadSettings, user: Mapping[str, Any] | None) -> str:
    """The name recorded on a revision."""
    if user and user.get("is_logged_in"):
        return str(user.get("email") or user.get("name") or "signed-in user")
    return "local analyst" if settings.local_mode else "unknown"
