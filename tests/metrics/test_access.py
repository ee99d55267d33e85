"""Who may upload: local mode only when switched on; otherwise sign-in plus allow-list or role claim."""
from metrics.access import is_uploader, sign_in_configured, uploader_name
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
