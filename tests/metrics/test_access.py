"""Who may upload: local mode only when switched on; otherwise sign-in plus allow-list or role claim."""

import secrets

import pytest

from metrics.access import (
    cookie_secret_problem,
    is_uploader,
    sign_in_configured,
    sign_in_usable,
    uploader_name,
)
from metrics.settings import UploadSettings

AUTH = {"auth": {"client_id": "x"}}


def test_nobody_uploads_without_sign_in_or_local_mode():
    s = UploadSettings()
    assert not is_uploader(s, {}, auth_configured=False)
    assert not is_uploader(s, {"is_logged_in": True, "email": "a@b.gov.uk"}, auth_configured=False)


def test_local_mode_must_be_switched_on_explicitly():
    assert UploadSettings().local_mode is False
    assert is_uploader(UploadSettings(local_mode=True), {}, auth_configured=False)
    assert uploader_name(UploadSettings(local_mode=True), {}) == "local analyst"


def test_signed_in_user_on_the_allow_list():
    s = UploadSettings(uploader_emails=["Analyst@Bucks.gov.uk"])
    assert is_uploader(s, {"is_logged_in": True, "email": "analyst@bucks.gov.uk"}, auth_configured=True)
    assert not is_uploader(s, {"is_logged_in": True, "email": "other@bucks.gov.uk"}, auth_configured=True)
    assert not is_uploader(s, {"is_logged_in": False, "email": "analyst@bucks.gov.uk"}, auth_configured=True)


def test_role_claim_as_list_or_string():
    s = UploadSettings(role_claim="roles", uploader_role="cdp.uploader")
    assert is_uploader(s, {"is_logged_in": True, "roles": ["reader", "cdp.uploader"]}, auth_configured=True)
    assert is_uploader(s, {"is_logged_in": True, "roles": "cdp.uploader"}, auth_configured=True)
    assert not is_uploader(s, {"is_logged_in": True, "roles": ["cdp.uploader.other"]}, auth_configured=True)
    assert uploader_name(s, {"is_logged_in": True, "email": "x@y.gov.uk"}) == "x@y.gov.uk"


def test_sign_in_configured_reads_the_auth_section():
    assert sign_in_configured(AUTH)
    assert not sign_in_configured({})
    assert not sign_in_configured(None)

    class NoSecrets:
        def get(self, key):
            raise FileNotFoundError("no secrets.toml")

    assert not sign_in_configured(NoSecrets())


# ---------------------------------------------------------------------------------------------- the cookie secret
def _auth(secret):
    return {"auth": {**AUTH["auth"], "cookie_secret": secret}}


def test_the_example_files_cookie_secret_is_refused():
    import tomllib

    from metrics.paths import REPO_ROOT

    example = tomllib.loads((REPO_ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))
    problem = cookie_secret_problem(example)
    assert problem and "example's placeholder" in problem and "token_urlsafe(32)" in problem
    assert not sign_in_usable(example) and sign_in_configured(example)
    assert "example's placeholder" in cookie_secret_problem(_auth("a-long-random-string"))  # the old example


@pytest.mark.parametrize(
    "secret, words",
    [
        ("x", "has 1 characters; at least 43"),
        (secrets.token_urlsafe(31), "at least 43 are needed"),
        (secrets.token_hex(31), "62 hexadecimal characters; at least 64"),
        ("a" * 64, "not random"),
        ("abcdefgh" * 8, "not random"),
        ("password" * 6, "not random"),
        ("", "no cookie_secret"),
        (None, "no cookie_secret"),
    ],
)
def test_weak_cookie_secrets_are_refused_with_the_reason(secret, words):
    problem = cookie_secret_problem(_auth(secret))
    assert problem is not None and words in problem, problem
    assert problem.startswith("Sign-in is switched off") and "secrets.token_urlsafe(32)" in problem
    assert not sign_in_usable(_auth(secret))


@pytest.mark.parametrize(
    "make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(32), lambda: secrets.token_urlsafe(64)]
)
def test_random_cookie_secrets_of_32_bytes_are_accepted(make):
    for _ in range(200):
        secret = make()
        assert cookie_secret_problem(_auth(secret)) is None, secret
        assert sign_in_usable(_auth(secret))


def test_no_auth_section_has_no_cookie_problem():
    assert cookie_secret_problem({}) is None and cookie_secret_problem(None) is None
    assert not sign_in_usable({})


# ---------------------------------------------------------------------------------------------- access settings
def test_the_shipped_settings_and_their_commented_example_give_the_scopes_they_describe(tmp_path):
    """config/settings.yaml's access section as shipped (nobody but national uploaders), and with its commented
    example switched on."""
    from metrics.access import PUBLIC, scope_for
    from metrics.paths import CONFIG_DIR
    from metrics.settings import load_settings

    shipped = (CONFIG_DIR / "settings.yaml").read_text(encoding="utf-8")
    assert scope_for(
        load_settings(CONFIG_DIR / "settings.yaml"), {"is_logged_in": True, "email": "a@b"}, True
    ).name == ("signed in (no partnership)")
    example = shipped.replace("  partnerships: []\n", "").replace("  # partnerships:", "  partnerships:")
    example = "\n".join(
        line.replace("  #   ", "    ", 1) if line.startswith("  #   ") else line for line in example.split("\n")
    )
    path = tmp_path / "settings.yaml"
    path.write_text(example, encoding="utf-8")
    settings = load_settings(path)
    assert [p.area for p in settings.access.partnerships] == ["CDP0001", "E06000060"]
    hw = scope_for(settings, {"is_logged_in": True, "email": "analyst@worcestershire.gov.uk"}, True)
    assert hw.write_areas == {"CDP0001", "E06000019", "E10000034"}
    board = scope_for(settings, {"is_logged_in": True, "email": "board.member@herefordshire.gov.uk"}, True)
    assert not board.may_write and board.sees_restricted("E06000019")
    bucks = scope_for(settings, {"is_logged_in": True, "roles": ["cdp.uploader.bucks"]}, True)
    assert bucks.write_areas == {"E06000060"}
    assert scope_for(settings, {}, True) == PUBLIC


def test_an_unknown_access_field_is_refused_naming_it(tmp_path):
    from metrics.settings import load_settings

    path = tmp_path / "settings.yaml"
    path.write_text("access:\n  partnerships:\n    - area: CDP0001\n      uploader: {emails: [a@b]}\n")
    with pytest.raises(ValueError, match=r"field 'access\.partnerships\.0\.uploader': Extra inputs are not permitted"):
        load_settings(path)
