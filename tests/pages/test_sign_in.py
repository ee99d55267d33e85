"""Sign-in with a weak cookie secret: the dashboard offers no sign-in and no Upload page, and says why.

A forged identity cookie signed with a guessable secret reads as a signed-in user; AppTest's `at.user` stands in for
such a cookie: an uploader by role, with the example's secret, still gets no Upload page."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.settings import default_settings

ROOT = Path(__file__).resolve().parents[2]
UPLOADER = {"is_logged_in": True, "email": "analyst@example.gov.uk", "roles": ["cdp.uploader"]}


def _auth(cookie_secret: str) -> dict:
    return {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": cookie_secret,
        "client_id": "x",
        "client_secret": "x",
        "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration",
    }


@pytest.fixture
def signed_in_settings(built_db, tmp_path, monkeypatch):
    """Settings without local mode: only sign-in can make an uploader."""
    path = tmp_path / "settings.yaml"
    path.write_text("upload:\n  local_mode: false\n")
    monkeypatch.setenv("CDOF_SETTINGS", str(path))
    default_settings.cache_clear()
    yield
    default_settings.cache_clear()


def _run(script: str, cookie_secret: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.secrets["auth"] = _auth(cookie_secret)
    at.user = dict(UPLOADER)
    return at.run()


@pytest.mark.parametrize("weak", ["replace-with-a-random-secret", "a-long-random-string", "x", "ab" * 40])
def test_upload_page_refuses_a_signed_in_uploader_when_the_secret_is_weak(signed_in_settings, weak):
    at = _run("pages/upload.py", weak)
    assert not at.exception, at.exception
    assert any("signed in as an uploader" in e.value for e in at.error)
    (warning,) = at.warning
    assert warning.value.startswith("Sign-in is switched off") and "token_urlsafe(32)" in warning.value
    assert len(at.get("file_uploader")) == 0 and not [b for b in at.button if b.key in ("sign_in", "commit")]


def test_upload_page_opens_for_the_same_uploader_with_a_strong_secret(signed_in_settings):
    at = _run("pages/upload.py", secrets.token_urlsafe(32))
    assert not at.exception, at.exception
    assert not at.warning and not at.error
    assert len(at.get("file_uploader")) == 1


def test_dashboard_says_why_sign_in_is_off_and_has_no_upload_page(signed_in_settings):
    at = _run("dashboard.py", "replace-with-a-random-secret")
    assert not at.exception, at.exception
    said = [w.value for w in at.sidebar.warning]
    assert len(said) == 1 and "example's placeholder" in said[0] and "token_urlsafe(32)" in said[0]
    assert not [b for b in at.sidebar.button if b.key in ("app_sign_in", "app_sign_out")]
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in this user's navigation
        at.switch_page("pages/upload.py")


def test_dashboard_offers_sign_in_and_upload_with_a_strong_secret(signed_in_settings):
    at = _run("dashboard.py", secrets.token_hex(32))
    assert not at.exception, at.exception
    assert not at.sidebar.warning
    assert [b.key for b in at.sidebar.button if b.key == "app_sign_out"] == ["app_sign_out"]
    at.switch_page("pages/upload.py").run()
    assert "Upload data" in [t.value for t in at.title]
    assert len(at.get("file_uploader")) == 1
