"""Who may upload, what they may write, and who sees restricted metrics. Pure functions over the settings and the
signed-in user's claims (no Streamlit here).

Rules:
- With `upload.local_mode: true` in config/settings.yaml, anyone using that copy of the app may upload anything and
  sees everything (a single analyst's own machine, full rights). It must be switched on explicitly.
- Otherwise sign-in must be configured (an [auth] section in .streamlit/secrets.toml) and the user signed in. Their
  e-mail or a value of the token's `role_claim` then decides their `Scope`:
  * national (`access.national`, or the older `upload.uploader_emails` / `upload.uploader_role`): writes every area,
    England and the regions included, and sees every restricted metric;
  * a partnership's uploader (`access.partnerships[].uploaders`): writes the areas of its footprint
    (config/footprints.yaml; a single-authority partnership is its authority), hence its local measures
    (config/local_metrics.yaml), and sees the restricted metrics of those areas;
  * a partnership's reader (`access.partnerships[].readers`): writes nothing, sees its restricted metrics.
- With none of these, nobody may upload and the Upload page does not exist.
- The command line runs with the operator's full rights (it holds the database itself): `operator_scope()`.
- Every write checks its rows against the writer's scope before anything is written (`Scope.refuse_outside`,
  called by metrics.ingest.pipeline), and records `Scope.who` and `Scope.name` on the revision.
- Sign-in is refused (no sign-in button, no Upload page except in local mode) while [auth]'s cookie_secret is
  weak: the example's placeholder, fewer than 32 random bytes' worth of characters, or visibly repetitive. Streamlit
  signs the identity cookie with it, so anyone who can guess it can forge a signed-in uploader.
"""

from __future__ import annotations

import getpass
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from metrics.areas import ENGLAND_CODE, Geography, default_geography
from metrics.settings import Members, Settings, UploadSettings, settings_path

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


def _is_member(members: Members, email: str, roles: list[str]) -> bool:
    return bool(email and email in {e.strip().lower() for e in members.emails}) or any(
        r in roles for r in members.roles
    )


def _signed_in(user: Mapping[str, Any] | None, auth_configured: bool) -> bool:
    return bool(auth_configured and user and user.get("is_logged_in"))


def _is_national_uploader(settings: UploadSettings, email: str, roles: list[str]) -> bool:
    """upload.uploader_emails / upload.uploader_role: the uploaders of before partnerships, with national rights."""
    if email and email in {e.strip().lower() for e in settings.uploader_emails}:
        return True
    return settings.uploader_role in roles


def is_uploader(
    settings: UploadSettings,
    user: Mapping[str, Any] | None,
    auth_configured: bool,
    access: Settings | None = None,
) -> bool:
    """True when this user may see and use the Upload page: local mode, or a signed-in national or partnership
    uploader (`access`: the whole settings, for access.national and access.partnerships)."""
    if settings.local_mode:
        return True
    if not _signed_in(user, auth_configured):
        return False
    assert user is not None  # _signed_in checked
    email = str(user.get("email") or "").strip().lower()
    roles = _claims_list(user.get(settings.role_claim))
    if _is_national_uploader(settings, email, roles):
        return True
    if access is None:
        return False
    return _is_member(access.access.national, email, roles) or any(
        _is_member(p.uploaders, email, roles) for p in access.access.partnerships
    )


def uploader_name(settings: UploadSettings, user: Mapping[str, Any] | None) -> str:
    """The name recorded on a revision."""
    if user and user.get("is_logged_in"):
        return str(user.get("email") or user.get("name") or "signed-in user")
    return "local analyst" if settings.local_mode else "unknown"


# ---------------------------------------------------------------------------------------------------- scopes
class OutsideScope(Exception):
    """A write touching an area outside the writer's scope; the message names the rows and areas. Nothing was
    written."""


class AccessSettingsError(ValueError):
    """access.partnerships names an area that is not a partnership; the message names the file and the entry."""


@dataclass(frozen=True)
class Scope:
    """What one person may write and see.

    who: recorded as a revision's author. name: the rights in words, recorded as the revision's scope ("national",
    "partnership CDP0001 Herefordshire and Worcestershire CDP", "local mode (full rights)", ...). write_areas: the
    area codes they may write, None for every area. see_areas: the areas whose restricted metrics they see, None
    for every area."""

    who: str
    name: str
    write_areas: frozenset[str] | None
    see_areas: frozenset[str] | None
    signed_in: bool = False

    @property
    def full_rights(self) -> bool:
        return self.write_areas is None

    @property
    def may_write(self) -> bool:
        return self.write_areas is None or bool(self.write_areas)

    @property
    def sees_everything(self) -> bool:
        return self.see_areas is None

    def may_write_area(self, area_code: str) -> bool:
        return self.write_areas is None or area_code in self.write_areas

    def sees_restricted(self, area_code: str) -> bool:
        return self.see_areas is None or area_code in self.see_areas

    def outside(self, area_codes: Iterable[str]) -> list[str]:
        """The distinct area codes (in order of first appearance) this scope may not write."""
        if self.write_areas is None:
            return []
        return [c for c in dict.fromkeys(str(a) for a in area_codes) if c not in self.write_areas]

    def described(self, geography: Geography | None = None) -> str:
        """The scope and what it may write, in words (the Upload page's caption, the refusals)."""
        if self.write_areas is None:
            return f"{self.name}: every area"
        if not self.write_areas:
            return f"{self.name}: no area (you may read only)"
        geography = geography or default_geography()
        # A footprint's own code is left out: its values are aggregated from its members, never written.
        codes = [c for c in sorted(self.write_areas) if getattr(geography.areas.get(c), "level", None) != "cdp"]
        return f"{self.name}: " + "; ".join(area_words(c, geography) for c in codes)

    def refuse_outside(
        self, rows_or_area_codes: pd.DataFrame | Iterable[str], geography: Geography | None = None, what: str = "rows"
    ) -> None:
        """Raise OutsideScope, naming the rows and areas, when any row (a frame with `area_code`, and `_row` for
        file rows) or area code is outside what this scope may write; do nothing otherwise. Call it before
        anything is written: an upload, a refresh, a rollback, a change of plan."""
        if self.write_areas is None:
            return
        geography = geography or default_geography()
        if isinstance(rows_or_area_codes, pd.DataFrame):
            frame = rows_or_area_codes
            codes = frame["area_code"].astype(str)
            out = ~codes.isin(list(self.write_areas)).to_numpy()
            if not out.any():
                return
            parts = []
            for code, group in frame.loc[out].groupby(codes[out], sort=True, observed=True):
                where = (
                    "file " + _row_words(group["_row"].tolist())
                    if "_row" in group
                    else f"{len(group):,} row{'s' if len(group) != 1 else ''}"
                )
                parts.append(f"{area_words(str(code), geography)} ({where})")
            n = int(out.sum())
            count = f"{n:,} {what.removesuffix('s') if n == 1 else what}"
        else:
            outside = self.outside(rows_or_area_codes)
            if not outside:
                return
            parts = [area_words(c, geography) for c in outside]
            count = f"{len(outside):,} area{'s' if len(outside) != 1 else ''}"
        raise OutsideScope(
            f"Refused: {count} outside what {self.who} may write ({self.described(geography)}): "
            + ", ".join(parts)
            + ". Nothing was written. Ask an uploader of those areas' partnership, or the national team, to do it."
        )

    def problem_message(self, area_code: str, geography: Geography | None = None) -> str:
        """The Problems table's message for a file row of an area outside this scope."""
        geography = geography or default_geography()
        return (
            f"{area_words(area_code, geography)} is outside what you may write ({self.described(geography)}); "
            "nothing of this file will be written. Remove the row, or ask an uploader of that area's partnership "
            "to load it"
        )


def area_words(code: str, geography: Geography) -> str:
    area = geography.areas.get(code)
    return f"{code} {area.name}" if area else code


def _row_words(rows: list) -> str:
    rows = sorted(int(r) for r in rows if pd.notna(r))
    shown = ", ".join(str(r) for r in rows[:10])
    more = f" and {len(rows) - 10:,} more" if len(rows) > 10 else ""
    return f"row{'s' if len(rows) != 1 else ''} {shown}{more}"


PUBLIC = Scope(who="anonymous", name="public (not signed in)", write_areas=frozenset(), see_areas=frozenset())


def operator_scope(who: str | None = None) -> Scope:
    """The command line's scope: the operator's full rights (the command holds the database itself), recorded
    under their login name."""
    return Scope(who or operator_name(), "command line (operator, full rights)", write_areas=None, see_areas=None)


def operator_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database in some containers
        return "unknown"


def local_scope(who: str = "local analyst") -> Scope:
    return Scope(who=who, name="local mode (full rights)", write_areas=None, see_areas=None)


def partnership_areas(code: str, geography: Geography) -> frozenset[str]:
    """The areas a partnership writes: a joint footprint and its members, or a single authority (one that is not a
    member of a joint footprint). AccessSettingsError for anything else."""
    where = f"{settings_path()}: access.partnerships: area {code!r}"
    area = geography.areas.get(code)
    if area is None:
        raise AccessSettingsError(f"{where} is not a known area; expected a footprint code or an authority's code")
    if area.level == "cdp":
        return frozenset((code, *area.members))
    if area.level != "utla":
        raise AccessSettingsError(
            f"{where} is {area.name}, not a partnership; England and the regions are written by access.national"
        )
    joint = [f for f in geography.footprints() if code in f.members]
    if joint:
        raise AccessSettingsError(
            f"{where} ({area.name}) belongs to the joint partnership {joint[0].code} {joint[0].name}; "
            f"name {joint[0].code} instead"
        )
    return frozenset({code})


def _benchmarks(areas: frozenset[str], geography: Geography) -> set[str]:
    """England and the regions of some areas: what a partnership's restricted figures are compared with."""
    out = {ENGLAND_CODE}
    for code in areas:
        area = geography.areas.get(code)
        if area is not None and area.region_code and area.region_code != ENGLAND_CODE:
            out.add(area.region_code)
    return out


def scope_for(
    settings: Settings,
    user: Mapping[str, Any] | None,
    auth_configured: bool,
    geography: Geography | None = None,
) -> Scope:
    """The signed-in user's scope (PUBLIC for nobody). Local mode: full rights. A user in several partnerships
    writes and sees all of their areas."""
    upload = settings.upload
    signed_in = _signed_in(user, auth_configured)
    who = uploader_name(upload, user if signed_in else None)
    if upload.local_mode:
        return replace(local_scope(who), signed_in=signed_in)
    if not signed_in:
        return PUBLIC
    assert user is not None
    email = str(user.get("email") or "").strip().lower()
    roles = _claims_list(user.get(upload.role_claim))
    if _is_national_uploader(upload, email, roles) or _is_member(settings.access.national, email, roles):
        return Scope(who=who, name="national", write_areas=None, see_areas=None, signed_in=True)
    geography = geography or default_geography()
    writes: set[str] = set()
    sees: set[str] = set()
    names: list[str] = []
    for p in settings.access.partnerships:
        uploader = _is_member(p.uploaders, email, roles)
        if not uploader and not _is_member(p.readers, email, roles):
            continue
        areas = partnership_areas(p.area, geography)
        names.append(f"{'partnership' if uploader else 'reader of'} {area_words(p.area, geography)}")
        sees |= areas | _benchmarks(areas, geography)
        if uploader:
            writes |= areas
    if not names:
        return Scope(
            who=who, name="signed in (no partnership)", write_areas=frozenset(), see_areas=frozenset(), signed_in=True
        )
    return Scope(
        who=who, name="; ".join(names), write_areas=frozenset(writes), see_areas=frozenset(sees), signed_in=True
    )
