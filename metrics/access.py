"""Who may upload. Pure functions over the settings and the signed-in user's claims (no Streamlit here).

Rules:
- With `upload.local_mode: true` in config/settings.yaml, anyone using that copy of the app may upload
  (a single analyst's own machine). It must be switched on explicitly.
- Otherwise sign-in must be configured (an [auth] section in .streamlit/secrets.toml) and the user signed in,
  with their e-mail in `upload.uploader_emails` or `upload.uploader_role` among the token's `role_claim` values.
- With neither, nobody may upload and the Upload page does not exist.
- Sign-in is refused (no sign-in button, no Upload page except in local mode) while [auth]'s cookie_secret is
  weak: the example's placeholder, fewer than 32 random bytes' worth of characters, or visibly repetitive. Streamlit
  signs the identity cookie with it, so anyone who can guess it can forge a signed-in uploader.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from metrics.settings import UploadSettings

GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# Placeholders of .streamlit/secrets.example.toml (past and present): copying the example must not switch sign-in on.
EXAMPLE_COOKIE_SECRETS = frozenset({"a-long-random-string", "replace-with-a-random-secret"})
MIN_SECRET_BITS = 256  # 32 random bytes
_HEX = frozenset("0123456789abcdefABCDEF")


def _auth_section(secrets: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    try:
        auth = secrets.get("auth") if secrets is not None else None
    except Exception:  # st.secrets raises when no secrets file exists
        return None
    return auth or None


def sign_in_configured(secrets: Mapping[str, Any] | None) -> bool:
    """True when the secrets have an [auth] section (whether or not its cookie secret is strong enough)."""
    return _auth_section(secrets) is not None


def cookie_secret_problem(secrets: Mapping[str, Any] | None) -> str | None:
    """Why [auth]'s cookie_secret is too weak to offer sign-in, or None when it is fine (or sign-in is not set up).

    Strong enough: at least 32 random bytes written out, i.e. 64 hexadecimal or 43 other characters (base64 of 32
    bytes), whose characters vary as random ones do (Shannon entropy of the characters over the whole string at
    least half the 256 bits) and that do not repeat (nine in ten runs of three characters distinct): "aaaa...",
    "abcdabcd..." are refused."""
    auth = _auth_section(secrets)
    if auth is None:
        return None
    fix = (
        f"Put a new random one in .streamlit/secrets.toml (generate it with `{GENERATE_SECRET}`) and restart "
        "the dashboard."
    )
    secret = auth.get("cookie_secret") if isinstance(auth, Mapping) else None
    if not isinstance(secret, str) or not secret.strip():
        return f"Sign-in is switched off: [auth] in .streamlit/secrets.toml has no cookie_secret. {fix}"
    secret = secret.strip()
    if secret in EXAMPLE_COOKIE_SECRETS:
        return (
            "Sign-in is switched off: the cookie_secret in .streamlit/secrets.toml is the example's placeholder, "
            f"so anyone could forge a signed-in uploader. {fix}"
        )
    is_hex = set(secret) <= _HEX
    needed = MIN_SECRET_BITS // 4 if is_hex else math.ceil(MIN_SECRET_BITS / 6)
    if len(secret) < needed:
        kind = "hexadecimal characters" if is_hex else "characters"
        return (
            f"Sign-in is switched off: the cookie_secret in .streamlit/secrets.toml has {len(secret)} "
            f"{kind}; at least {needed} are needed (32 random bytes). {fix}"
        )
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    trigrams = [secret[i : i + 3] for i in range(len(secret) - 2)]
    if per_char * len(secret) < MIN_SECRET_BITS / 2 or len(set(trigrams)) < 0.9 * len(trigrams):
        return (
            "Sign-in is switched off: the cookie_secret in .streamlit/secrets.toml is not random (it repeats "
            f"itself or a few characters). {fix}"
        )
    return None


def sign_in_usable(secrets: Mapping[str, Any] | None) -> bool:
    """True when sign-in is configured and its cookie secret is strong enough to offer it."""
    return sign_in_configured(secrets) and cookie_secret_problem(secrets) is None


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
