"""Shared Streamlit helpers for the pages: the store, cached queries, selections, banners, formatting.

Pages stay thin: they call these helpers and functions of metrics/, and draw.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from metrics import presentation, stats, visibility
from metrics.access import AccessSettingsError, Scope, cookie_secret_problem, is_uploader, scope_for, sign_in_usable
from metrics.areas import ENGLAND_CODE, default_geography
from metrics.build import ensure_default_database
from metrics.catalogue import default_catalogue
from metrics.chart_images import ChartImage, ChartImageError, chromium_path, figure_images
from metrics.paths import database_path
from metrics.safety import plain_text
from metrics.settings import default_settings
from metrics.store import StoreDamaged, StoreError
from metrics.store import open_store as open_database
from metrics.vocabulary import LEVELS_IN_A_REGION


def _leave_legacy_pages_mode() -> None:
    """Streamlit decides per process whether the app uses the legacy `pages/` directory (it exists here because
    the page files live in pages/) until dashboard.py first calls st.navigation. A first visit to a deep link such
    as /scorecard?area=E10000025 after a server start would then run the page file on its own, with a menu listing
    every file in pages/ (common, upload, ...). app.py's start-up turns the flag off before any visit; should the
    dashboard be started another way (`streamlit run dashboard.py`), flip it here and rerun, so dashboard.py runs
    and builds the real menu."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without this internal
        return
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_pages_mode()


def settings():
    return default_settings()


def catalogue():
    """The catalogue as the signed-in user may browse it: without restricted metrics for anyone who is not a member
    of a partnership (metrics.visibility.catalogue_for). Cached queries use default_catalogue() itself."""
    return visibility.catalogue_for(default_catalogue(), current_scope())


def full_catalogue():
    """Every metric, restricted ones included: for code that filters by the user's scope itself (the report)."""
    return default_catalogue()


def geography():
    return default_geography()


@st.cache_resource(show_spinner="Building the default database ...")
def ensure_database():
    """The database (a file's path or a PostgreSQL URL), built with the default data if it is absent."""
    path = database_path()
    ensure_default_database(path, log=lambda m: None)
    return path


# Closed when the cache is cleared (tests do, between pages), so the file is not left locked for other processes.
@st.cache_resource(on_release=lambda opened: opened.close())
def open_store():
    """The store, opened once per server process: a DuckDB file held read-only beside the command line's readers
    (report, export, history) and read-write only while an upload or rollback commits, or a PostgreSQL database with
    its connection pool; StoreError when it cannot be opened."""
    return open_database(ensure_database(), shared=True)


def store() -> visibility.VisibleStore:
    """The store as the signed-in user sees it: every read passes through metrics.visibility.visible, so a page
    cannot show a restricted metric to someone who may not see it. The cached queries below read _raw_store() and
    filter after the cache (their results are shared by every user)."""
    return visibility.VisibleStore(_raw_store(), current_scope(), default_catalogue())


def _raw_store():
    """One store per process: a DuckDB connection (every query takes its own cursor inside Store) or a PostgreSQL
    connection pool (every query borrows a connection).

    While a command-line ingest or rollback writes the file (beyond store.lock_wait_seconds) the page says so and
    stops, instead of showing a traceback; nothing is cached, so a reload once it is done opens it.
    """
    try:
        return open_store()
    except StoreDamaged as exc:
        show_damaged(exc)
    except StoreError as exc:
        st.error(
            f"The database cannot be opened just now, so no figures can be shown. {exc}\n\n"
            "If an ingest or rollback is running from the command line, reload this page when it has "
            "finished.",
            icon=":material/lock:",
        )
        st.stop()


def show_damaged(exc: StoreDamaged) -> None:
    """The page's explanation of a damaged database file (where it is, what DuckDB found, what to do), then stop."""
    st.error(
        f"The database file is damaged, so no figures can be shown.\n\nFile: `{exc.path}`\n\n"
        f"What was found: `{exc.detail.replace('`', '')}`\n\n"
        "What to do: an administrator stops the dashboard, runs `python -m metrics restore` (it puts back "
        "the newest backup that reads cleanly) and starts the dashboard again. See the README, "
        "'Recovering from a damaged file'.",
        icon=":material/error:",
    )
    st.stop()


def damage_explained(fn):
    """A page's query that stops the page with show_damaged's explanation when the file turns out damaged
    (a block that only this query reads), instead of a redacted exception box."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreDamaged as exc:
            show_damaged(exc)

    return wrapper


def signed_in_user() -> dict:
    """The user's identity claims ({} when nobody is signed in or sign-in is not set up)."""
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def sign_in_available() -> bool:
    """True when OIDC sign-in is configured in .streamlit/secrets.toml with a strong cookie secret."""
    try:
        return sign_in_usable(st.secrets)
    except Exception:  # no secrets file at all
        return False


def sign_in_refusal() -> str | None:
    """Why sign-in is configured but not offered (a weak cookie secret), else None."""
    try:
        return cookie_secret_problem(st.secrets)
    except Exception:  # no secrets file at all
        return None


def current_user_is_uploader() -> bool:
    return is_uploader(settings().upload, signed_in_user(), sign_in_available(), settings())


def _run_memo() -> dict:
    """A dict that lives for one script run (empty outside a run, and kept by no one): what a page asks many times
    a run (the scope, the store's revision) is worked out once. Streamlit keeps one context across the reruns a
    session queues while its script runs, but gives each run a new `cursors` dict, so that dict marks the run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return {}
    kept = getattr(ctx, "_cdof_run_memo", None)
    if kept is None or kept[0] is not ctx.cursors:
        kept = (ctx.cursors, {})
        ctx._cdof_run_memo = kept  # type: ignore[attr-defined]
    return kept[1]


def current_scope() -> Scope:
    """What the signed-in user may write and see (metrics.access.scope_for), worked out once per user and settings
    in the session and looked up once per run (pages ask for it on every catalogue and query); a settings entry
    that names no partnership stops the page, saying which."""
    memo = _run_memo()
    if "scope" in memo:
        return memo["scope"]
    memo["scope"] = scope = _scope_of_user()
    return scope


def _scope_of_user() -> Scope:
    user = signed_in_user()
    key = (repr(sorted(user.items())), sign_in_available(), id(settings()))
    kept = st.session_state.get("_scope")
    if kept is not None and kept[0] == key:
        return kept[1]
    try:
        scope = scope_for(settings(), user, key[1], geography())
    except AccessSettingsError as exc:
        st.error(f"The access settings are invalid, so the dashboard cannot decide who may see what. {exc}")
        st.stop()
    st.session_state["_scope"] = (key, scope)
    return scope


# ----------------------------------------------------------------------------------------------------------------
# Cached queries. Arguments named with a leading underscore are not hashed: the store is one per process.
# `clear_caches()` empties them all; the upload page calls it after a commit.
# ----------------------------------------------------------------------------------------------------------------
# Each cached query is keyed on the store's latest revision (its `revision` argument, filled in by _revision_keyed):
# a commit made through any server or the command line is what the next page load on every server shows. The
# revision is asked once per page run (one lookup of the newest key); the TTL only bounds how long an entry is kept.
_TTL = settings().app.cache_ttl_seconds


def _latest_revision(store_) -> int:
    """The store's latest revision, asked once per page run."""
    memo = _run_memo()
    remembered = memo.get("revision")
    if remembered is not None and remembered[0] is store_:
        return remembered[1]
    revision = store_.latest_revision()
    memo["revision"] = (store_, revision)
    return revision


def _revision_keyed(**cache_options):
    """st.cache_data over a query taking (_store, revision, ...), called as (_store, ...) with the latest revision."""

    def decorate(fn):
        cached = st.cache_data(**cache_options)(fn)

        @functools.wraps(fn)
        def call(_store, *args, **kwargs):
            return cached(_store, _latest_revision(_store), *args, **kwargs)

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return decorate


@_revision_keyed(ttl=_TTL, max_entries=512, show_spinner=False)
def _latest_for_area(_store, revision: int, area_code: str, kinds: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    return _store.latest_for_area(area_code, dict(kinds))


@_revision_keyed(ttl=_TTL, max_entries=128, show_spinner=False)
def _latest_for_areas(
    _store, revision: int, area_codes: tuple[str, ...], kinds: tuple[tuple[str, str], ...]
) -> pd.DataFrame:
    return _store.latest_for_areas(list(area_codes), dict(kinds))


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _other_period_kinds(_store, revision: int, area_codes: tuple[str, ...]) -> pd.DataFrame:
    return _store.other_period_kinds(list(area_codes), default_catalogue().period_kinds())


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _latest_period(_store, revision: int, metric_key: str, period_kind: str) -> str | None:
    return _store.latest_period(metric_key, period_kind)


@_revision_keyed(ttl=_TTL, max_entries=512, show_spinner=False)
def _series(_store, revision: int, metric_key: str, area_codes: tuple[str, ...]) -> pd.DataFrame:
    return _store.series(metric_key, list(area_codes))


@_revision_keyed(ttl=_TTL, max_entries=512, show_spinner=False)
def _sparklines(_store, revision: int, area_code: str) -> pd.DataFrame:
    return _store.sparklines(area_code)


@_revision_keyed(ttl=_TTL, max_entries=512, show_spinner=False)
def _values_for_period(
    _store, revision: int, metric_key: str, period: str, area_codes: tuple[str, ...]
) -> pd.DataFrame:
    return _store.values_for_period(metric_key, period, list(area_codes))


@_revision_keyed(ttl=_TTL, max_entries=4, show_spinner=False)
def _spine_ranges(_store, revision: int, real_only: bool = False) -> pd.DataFrame:
    kinds = default_catalogue().period_kinds()
    values = _store.latest_level_values("utla", kinds)
    if real_only and not values.empty:
        # A series is real or demonstration as a whole, so an area's latest row tells which series are real.
        latest = _store.latest_for_areas([a.code for a in geography().utlas()], kinds)
        real = latest.loc[~presentation.is_demo_flags(latest), ["metric_key", "area_code"]].drop_duplicates()
        values = values.merge(real, on=["metric_key", "area_code"])
    return presentation.spine_ranges(default_catalogue().ordered(), values, stats.spine_stats)


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _periods_for_metric(_store, revision: int, metric_key: str) -> list[str]:
    return _store.periods_for_metric(metric_key)["period"].tolist()


@_revision_keyed(ttl=_TTL, max_entries=4, show_spinner=False)
def _data_as_of(_store, revision: int):
    return _store.data_as_of()


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _commentary(_store, revision: int, area_code: str) -> pd.DataFrame:
    from metrics.store.narrative import COMMENTARY

    return _store.narrative(COMMENTARY, [area_code])


_CACHED = (
    _commentary,
    _latest_for_area,
    _latest_for_areas,
    _other_period_kinds,
    _latest_period,
    _series,
    _sparklines,
    _values_for_period,
    _spine_ranges,
    _periods_for_metric,
    _data_as_of,
)


def clear_caches() -> None:
    """Forget every cached query result (call after an upload or rollback commits)."""
    for fn in _CACHED:
        fn.clear()


# Every query result the pages draw from passes here, once: restricted metrics the user may not see are dropped
# (saying why where they would have been), and with "Real data only" on, the demonstration rows.
def _shown(frame: pd.DataFrame, area_code: str | None = None) -> pd.DataFrame:
    frame = presentation.real_only(frame) if real_data_only() else frame
    seen = visibility.visible(frame, current_scope(), default_catalogue(), area_code)
    if hidden := visibility.hidden_in(frame, seen):
        _say_restricted(hidden)
    return seen


_RESTRICTED_SAID = "_restricted_said"


def _say_restricted(metric_keys: list[str]) -> None:
    """The placeholder of restricted metrics hidden from this user, once per page run (page_header resets it)."""
    said = st.session_state.setdefault(_RESTRICTED_SAID, set())
    new = [k for k in metric_keys if k not in said]
    if new:
        said.update(new)
        st.info(visibility.placeholder([default_catalogue().get(k) for k in new]), icon=":material/lock:")


def _kinds_key(period_kinds: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((period_kinds or catalogue().period_kinds()).items()))


@damage_explained
def latest_for_area(area_code: str, period_kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Each metric's row for the area in its latest period of its catalogue kind (or of the kinds given)."""
    return _shown(_latest_for_area(_raw_store(), area_code, _kinds_key(period_kinds)))


@damage_explained
def latest_for_areas(area_codes, period_kinds: dict[str, str] | None = None) -> pd.DataFrame:
    return _shown(_latest_for_areas(_raw_store(), tuple(area_codes), _kinds_key(period_kinds)))


@damage_explained
def latest_period(metric_key: str, area_codes=None) -> str | None:
    """A page's default period: the latest period of the metric's catalogue kind that the areas have, by the
    scorecard's rule (Store.latest_for_areas through presentation.latest_period_of), so that Compare and the map
    open on what the scorecard shows; without areas, England's. Falls back to the latest any area has."""
    codes = [c for c in (area_codes or []) if c] or [ENGLAND_CODE]
    period = presentation.latest_period_of(latest_for_areas(codes), metric_key)
    return period or _latest_period(_raw_store(), metric_key, catalogue().get(metric_key).period_kind)


def other_period_kinds_choice(area_codes, key: str = "other_periods") -> dict[str, str]:
    """Where the areas have data in a kind of period other than a metric's own (quarters beside years), say so
    and offer it (a switch kept in the URL); returns the kind of period each metric's latest is taken from."""
    others = visibility.visible(
        _other_period_kinds(_raw_store(), tuple(area_codes)), current_scope(), default_catalogue()
    )
    kinds = catalogue().period_kinds()
    if others.empty:
        return kinds
    st.caption(presentation.other_kinds_words(others, catalogue(), geography()))
    if st.toggle(
        "Show those periods instead",
        key=key,
        bind="query-params",
        help="Each indicator is shown in its own kind of period (the latest England has) unless this "
        "is on; then the indicators listed above show their other kind of period.",
    ):
        return presentation.period_kinds_with_others(kinds, others)
    return kinds


def other_period_kinds_note(area_codes) -> None:
    """Where the areas have data in a kind of period other than a metric's own, say so with a link to it on
    Trends (pages that place a metric among all authorities keep to its own kind)."""
    others = visibility.visible(
        _other_period_kinds(_raw_store(), tuple(area_codes)), current_scope(), default_catalogue()
    )
    if others.empty:
        return
    links = " · ".join(
        f"[{catalogue().get(r.metric_key).short_name}, {area_name(r.area_code)}: {r.latest_period}]"
        f"(trends?metric={r.metric_key}&area={r.area_code}&periods={r.period_kind})"
        for r in others.itertuples()
    )
    st.caption(presentation.other_kinds_words(others, catalogue(), geography()) + f" On Trends: {links}")


@damage_explained
def series(metric_key: str, area_codes) -> pd.DataFrame:
    return _shown(_series(_raw_store(), metric_key, tuple(area_codes)))


@damage_explained
def sparklines(area_code: str) -> pd.DataFrame:
    frame = _sparklines(_raw_store(), area_code)
    if real_data_only() and not frame.empty and "is_demo" not in frame:
        # sparklines carry no flag: keep the metrics whose latest value for the area is real
        real = set(latest_for_area(area_code)["metric_key"])
        frame = frame[frame["metric_key"].isin(real)]
    return _shown(frame, area_code)


@damage_explained
def values_for_period(metric_key: str, period: str, area_codes) -> pd.DataFrame:
    return _shown(_values_for_period(_raw_store(), metric_key, period, tuple(area_codes)))


@damage_explained
def spine_ranges() -> pd.DataFrame:
    """England's range of the authorities' latest values, per metric on the profile's spine (the same for every
    area: computed once per data version)."""
    ranges = _spine_ranges(_raw_store(), real_data_only()).rename(columns={"key": "metric_key"})
    # A range spans every authority: a restricted metric's is shown only to a user who sees every area.
    return _shown(ranges).rename(columns={"metric_key": "key"})


@damage_explained
def periods_for_metric(metric_key: str) -> list[str]:
    """Periods with values for the metric, latest first (with real values only, when demonstration is hidden)."""
    periods = _periods_for_metric(_raw_store(), metric_key)
    if not real_data_only():
        return periods
    real = set(_shown(_series(_raw_store(), metric_key, tuple(_all_area_codes())))["period"])
    return [p for p in periods if p in real]


def _all_area_codes() -> list[str]:
    return list(geography().areas)


REAL_ONLY_PARAM = "real"


def real_data_only() -> bool:
    """The sidebar switch "Real data only" (kept in the URL as ?real=true; default in config/settings.yaml)."""
    if REAL_ONLY_PARAM not in st.session_state:
        wanted = st.query_params.get(REAL_ONLY_PARAM)
        st.session_state[REAL_ONLY_PARAM] = (
            wanted.lower() in ("true", "1", "yes") if wanted is not None else settings().app.real_data_only
        )
    return bool(st.session_state[REAL_ONLY_PARAM])


def real_data_switch() -> bool:
    """Draw the switch in the sidebar and keep it in the URL; returns whether demonstration values are hidden.

    The URL says the switch only where it differs from the default (`?real=false` with real data only by default),
    so a shared link shows what its sender saw."""
    real_data_only()
    on = st.sidebar.toggle(
        "Real data only",
        key=REAL_ONLY_PARAM,
        help="On: only figures loaded from their publishers are shown. Off: demonstration values fill the gaps, "
        "each marked Demo, to try the dashboard; they are generated, not real.",
    )
    if on != settings().app.real_data_only:
        st.query_params[REAL_ONLY_PARAM] = "true" if on else "false"
    elif REAL_ONLY_PARAM in st.query_params:
        del st.query_params[REAL_ONLY_PARAM]
    if not on:
        st.sidebar.caption(":material/science: Demonstration data shown, marked *Demo*: not real figures.")
    return on


@damage_explained
def commentary(area_code: str) -> pd.DataFrame:
    """The partnership's current commentaries on the area's figures (pages/commentary.py), as this user may see
    them; cached per revision, since saving one writes a revision."""
    return visibility.visible(_commentary(_raw_store(), area_code), current_scope(), default_catalogue())


@damage_explained
def data_as_of():
    return _data_as_of(_raw_store())


# ----------------------------------------------------------------------------------------------------------------
# Selections kept in the URL.
#
# Streamlit's `bind="query-params"` writes a selectbox's *displayed label* to the URL, so an area would appear as
# "?area=Oxfordshire+—+South+East". Area and metric pickers show names but must put codes in the URL
# (/scorecard?area=E10000025, /definitions?metric=continuity_of_care), so they sync st.query_params themselves:
# the URL seeds the widget when the page opens, and every run writes the current choice back. The choice is also
# remembered in the session so it carries from page to page. Widgets whose label is their value (benchmark,
# sort order, period) use `bind="query-params"` directly.
# ----------------------------------------------------------------------------------------------------------------


def _remembered(param: str):
    return st.session_state.get(f"_keep_{param}")


def url_selectbox(label: str, options: list, param: str, default, format_func=str, **kwargs):
    """A selectbox whose value (not its label) is kept in the URL query parameter `param`."""
    wkey = f"_w_{param}"
    if wkey not in st.session_state:
        wanted = st.query_params.get(param)
        if wanted not in options:
            wanted = _remembered(param)
        st.session_state[wkey] = wanted if wanted in options else default
    elif st.session_state[wkey] not in options:
        st.session_state[wkey] = default
    value = st.selectbox(label, options, key=wkey, format_func=format_func, **kwargs)
    st.session_state[f"_keep_{param}"] = value
    if st.query_params.get(param) != value:
        st.query_params[param] = value
    return value


def url_multiselect(label: str, options: list, param: str, default: list, format_func=str, **kwargs) -> list:
    """A multiselect whose values are kept in the URL as repeated `param` entries."""
    wkey = f"_w_{param}"
    if wkey not in st.session_state:
        wanted = [v for v in st.query_params.get_all(param) if v in options]
        if not wanted:
            wanted = [v for v in (_remembered(param) or []) if v in options]
        st.session_state[wkey] = wanted or [v for v in default if v in options]
    value = st.multiselect(label, options, key=wkey, format_func=format_func, **kwargs)
    st.session_state[f"_keep_{param}"] = list(value)
    if st.query_params.get_all(param) != list(value):
        st.query_params[param] = list(value)
    return list(value)


def area_name(code: str) -> str:
    return geography().areas[code].name if code in geography().areas else code


class _SameGeography:
    """A geography as a cache key: the same object, not an equal one (Geography is a mutable dataclass, so it has
    no hash); the cache holds the key, so the object cannot be replaced by another at the same address meanwhile."""

    __slots__ = ("geography",)

    def __init__(self, geography) -> None:
        self.geography = geography

    def __hash__(self) -> int:
        return id(self.geography)

    def __eq__(self, other) -> bool:
        return isinstance(other, _SameGeography) and other.geography is self.geography


@functools.lru_cache(maxsize=4)
def _area_picker_options_of(key: _SameGeography) -> tuple[tuple[str, ...], dict[str, str]]:
    """The pickers' areas in order and each one's label, made once per geography (the pickers ask for every area's
    label on every run)."""
    geo = key.geography
    return tuple(presentation.area_options(geo)), {c: presentation.area_label(c, geo) for c in geo.areas}


def _area_picker_options() -> tuple[tuple[str, ...], dict[str, str]]:
    return _area_picker_options_of(_SameGeography(geography()))


def area_label(code: str) -> str:
    return _area_picker_options()[1].get(code) or presentation.area_label(code, geography())


def area_picker(label: str = "Area (type to search)", param: str = "area", help: str | None = None) -> str:
    default = settings().app.default_area
    return url_selectbox(
        label,
        list(_area_picker_options()[0]),
        param,
        default,
        format_func=area_label,
        help=help
        or "England, the regions, every upper-tier local authority (shown with its "
        "region) and the CDP footprints. Type a name to search.",
    )


def areas_picker(
    label: str = "Areas (type to search)", param: str = "areas", default: list[str] | None = None
) -> list[str]:
    default = default if default is not None else list(settings().app.compare_focus_areas)
    return url_multiselect(label, list(_area_picker_options()[0]), param, default, format_func=area_label)


def metric_label(key: str) -> str:
    ind = catalogue().get(key)
    return f"{ind.short_name} ({ind.unit}) — {catalogue().outcome_name(ind.outcome)}"


def metric_picker(
    label: str = "Indicator (type to search)",
    param: str = "metric",
    keys: list[str] | None = None,
    default: str | None = None,
) -> str:
    keys = keys or [i.key for i in catalogue().ordered()]
    default = default if default in keys else keys[0]
    return url_selectbox(label, keys, param, default, format_func=metric_label)


def benchmark_picker(area_code: str, key: str = "benchmark") -> str:
    """ "England" or "Region" (the region only means something for authorities and footprints)."""
    level = geography().get(area_code).level
    if level not in LEVELS_IN_A_REGION:
        st.caption("Benchmark: England")
        return "England"
    return st.radio(
        "Compare with",
        ["England", "Region"],
        key=key,
        bind="query-params",
        horizontal=True,
        help="Significantly better or worse than this benchmark, using the 95% confidence interval",
    )


def period_picker(
    periods: list[str], key: str = "period", label: str = "Period", default: str | None = None
) -> str | None:
    """Periods latest first; `default` (latest_period: the areas' latest of the metric's own kind) or else the
    first is the default."""
    if not periods:
        return None
    return st.selectbox(
        label,
        periods,
        index=periods.index(default) if default in periods else 0,
        key=key,
        bind="query-params",
        help="Defaults to the latest period of the indicator's own kind (years, say) that the chosen areas "
        "have; periods of another kind (quarters) are in the list too",
    )


# ----------------------------------------------------------------------------------------------------------------
# Banners, links, downloads
# ----------------------------------------------------------------------------------------------------------------


def demo_banner(*shown: pd.DataFrame | tuple[int, int] | None, slot=None) -> None:
    """One warning per page counting the demonstration figures among all the figures shown on it: each argument is
    a frame of shown rows (presentation.demo_figures) or a count (demonstration, all) of a table's cells. `slot`
    (st.empty()) puts it where the page kept room for it, above parts drawn after it."""
    n_demo = n_total = 0
    for part in shown:
        d, t = part if isinstance(part, tuple) else presentation.demo_figures(part)
        n_demo, n_total = n_demo + d, n_total + t
    if n_demo:
        (slot or st).warning(
            f"**Demonstration data: {presentation.demo_count_words(n_demo, n_total)}.** They are generated, "
            "not real, and marked *Demo* in tables and *(demonstration)* in charts, drawn hollow, faded or "
            "crossed in grey. Switch on *Real data only* in the sidebar to hide them; replace them by uploading "
            "published data.",
            icon=":material/science:",
        )


def no_published_data(metric_key: str, where: str = "") -> None:
    """The empty state of an indicator without figures: what to do, and a link to where to get them (a local
    measure has no publisher: the partnership uploads it)."""
    if catalogue().get(metric_key).tier == "local":
        words = f"No data uploaded yet for this local measure{where}: upload a file"
    else:
        words = presentation.NO_PUBLISHED_DATA_WHAT_TO_DO.replace("this indicator", f"this indicator{where}")
    st.info(f"{words}. Where to get it: [Definitions](definitions?metric={metric_key}).", icon=":material/info:")


def data_date_caption() -> None:
    when = data_as_of()
    if when is not None:
        st.caption(f"Data as of {when:%d %B %Y, %H:%M} (latest change to the dashboard's data).")


def definition_link(metric_key: str, label: str = "Definition and source") -> None:
    """A link to the metric's entry on the Definitions page."""
    st.markdown(f":material/menu_book: [{label}](definitions?metric={metric_key})")


def downloads(df: pd.DataFrame, name: str, title: str, key: str) -> None:
    """CSV and Excel downloads of `df` (what is shown), headed by source and data-date notes; formulas
    neutralised. CSV: leading "# ..." lines (read with pandas.read_csv(f, comment="#")); Excel: a notes sheet.

    The files are built when a button is clicked, not on every run of the page (building the Excel file, and
    importing openpyxl on a server's first run, cost more than the rest of a page's script)."""
    if df is None or df.empty:
        return
    df = df.copy()
    when = data_as_of()

    def notes() -> list[str]:
        return presentation.download_notes(
            title,
            df.get("source", []),
            when,
            bool(df["is_demo"].fillna(False).astype(bool).any()) if "is_demo" in df else False,
        )

    c1, c2 = st.columns(2)
    c1.download_button(
        "Download CSV",
        lambda: presentation.to_csv_bytes(df, notes()),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    c2.download_button(
        "Download Excel",
        lambda: presentation.to_excel_bytes(df, notes()),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


_CHART_IMAGE_FAILURES = "_chart_image_failures"


def chart_downloads(figure, words: presentation.ChartWords, key: str) -> None:
    """PNG and SVG downloads of a chart with its title, area, period, source and copyright drawn in
    (metrics.chart_images), under the chart. Streamlit runs the drawing when a button is clicked, in its own thread:
    Chromium starts only then, never for a page that is only viewed.

    A missing browser is said here at once. A drawing that fails after the click leaves Streamlit's short "Failed
    to generate file" under the button (it shows no message of the app's); the reason is kept and said in an error
    here on the page's next run."""
    try:
        chromium_path()
    except ChartImageError as exc:
        st.error(f"This chart cannot be downloaded as an image. {exc}", icon=":material/image_not_supported:")
        return
    failures = st.session_state.setdefault(_CHART_IMAGE_FAILURES, {})
    if key in failures:
        st.error(f"The image of this chart could not be made. {failures.pop(key)}", icon=":material/error:")
    image = ChartImage(figure, words.title, words.area, words.period, words.source)

    def drawer(fmt: str):
        def draw() -> bytes:
            try:
                return figure_images([image], fmt)[0]
            except ChartImageError as exc:
                failures[key] = str(exc)
                raise

        return draw

    described = plain_text(f"{words.title}; {words.area}; {words.period}")
    c1, c2, _ = st.columns([1, 1, 1.2])
    for col, fmt, mime, what in (
        (c1, "png", "image/png", "a picture (PNG)"),
        (c2, "svg", "image/svg+xml", "a drawing that stays sharp at any size (SVG)"),
    ):
        col.download_button(
            f"Download {words.name} as {fmt.upper()}",
            drawer(fmt),
            file_name=words.file_name(fmt),
            mime=mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            icon=":material/image:",
            help=f"{described}: as {what}, with the title, area, period, source and copyright line drawn in. "
            "Drawing it takes a few seconds.",
            width="stretch",
        )


def pill_column(df: pd.DataFrame, col: str, colour_of=presentation.comparison_word_colour, **kwargs):
    """Show `col`'s words as coloured labels (colour AND words): returns (frame, column config).

    Each cell becomes a one-item list shown by st.column_config.MultiselectColumn with one colour per distinct
    value. The browser draws this far faster than a pandas Styler, which is also slow to import on a server's
    first run."""
    out = df.copy()
    options = list(dict.fromkeys(v for v in out[col] if isinstance(v, str) and v))
    out[col] = [[v] if isinstance(v, str) and v else [] for v in out[col]]
    config = st.column_config.MultiselectColumn(
        kwargs.pop("label", col), options=options, color=[colour_of(o) for o in options] or None, **kwargs
    )
    return out, config


def _not_browsable() -> list:
    """The restricted metrics this user may not browse at all (page_header says so once, at the top)."""
    return [i for i in default_catalogue().ordered() if i.restricted and i.key not in catalogue().by_key()]


def page_header(title: str, intro: str) -> None:
    real_data_switch()
    st.session_state[_RESTRICTED_SAID] = set()
    st.title(title)
    st.caption(intro)
    hidden = _not_browsable()
    if hidden:  # not browsable at all by this user: say so once, at the top
        st.caption(":material/lock: " + visibility.placeholder(hidden))
        st.session_state[_RESTRICTED_SAID].update(i.key for i in hidden)


def page_part(fn):
    """st.fragment over the part of a page that its selections drive: a change of one of them reruns and redraws
    that part alone. The restricted metrics it hides are said again when it reruns alone, since its earlier
    placeholders go with the rest of the part."""
    said_above = set(st.session_state.get(_RESTRICTED_SAID, set()))

    @st.fragment
    @functools.wraps(fn)
    def part(*args, **kwargs):
        st.session_state[_RESTRICTED_SAID] = set(said_above)
        return fn(*args, **kwargs)

    return part


# ----------------------------------------------------------------------------------------------------------------
# Cached queries of the map, inequalities, compare-indicators and area-group views (issue 18), cleared with the rest.
# ----------------------------------------------------------------------------------------------------------------


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _values_for_level(_store, revision: int, metric_key: str, period: str, level: str) -> pd.DataFrame:
    return _store.values_for_period(metric_key, period, level=level)


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _breakdown_series(_store, revision: int, metric_key: str, area_codes: tuple[str, ...]) -> pd.DataFrame:
    return _store.breakdown_series(metric_key, list(area_codes))


@_revision_keyed(ttl=_TTL, max_entries=256, show_spinner=False)
def _metrics_with_breakdowns(
    _store, revision: int, area_codes: tuple[str, ...] | None = None, real_only: bool = False
) -> list[str]:
    return _store.metrics_with_breakdowns(list(area_codes) if area_codes is not None else None, real_only)


@_revision_keyed(ttl=_TTL, max_entries=64, show_spinner=False)
def _areas_with_breakdowns(_store, revision: int, metric_keys: tuple[str, ...], real_only: bool = False) -> list[str]:
    return _store.areas_with_breakdowns(list(metric_keys), real_only)


@_revision_keyed(ttl=_TTL, max_entries=64, show_spinner=False)
def _breakdowns_for_metric(_store, revision: int, metric_key: str) -> list[str]:
    return _store.breakdowns_for_metric(metric_key)


@_revision_keyed(ttl=_TTL, max_entries=64, show_spinner=False)
def _group_values(_store, revision: int, members: tuple[str, ...], name: str, real_only: bool = False) -> pd.DataFrame:
    from metrics.area_groups import derive_group
    from metrics.areas import ENGLAND_CODE

    observations = _store.observations_for_areas([*members, ENGLAND_CODE])
    # With "Real data only" on, the group is made from its members' real values alone (not filtered afterwards:
    # a sum over some demonstration members is not a real figure).
    if real_only:
        observations = presentation.real_only(observations)
    return derive_group(observations, default_catalogue(), geography(), members, name)


_CACHED = _CACHED + (
    _values_for_level,
    _breakdown_series,
    _metrics_with_breakdowns,
    _areas_with_breakdowns,
    _breakdowns_for_metric,
    _group_values,
)


@damage_explained
def group_values(members, name: str) -> pd.DataFrame:
    """A user's own group of authorities aggregated as the configured footprints are (metrics.area_groups);
    raises metrics.area_groups.GroupError for a group that cannot be made."""
    return _shown(_group_values(_raw_store(), tuple(sorted(set(members))), name, real_data_only()))


@damage_explained
def metrics_with_breakdowns(area_code: str | None = None) -> list[str]:
    """The metrics with values by sex, age group, deprivation ... (for one area, when given), real ones only while
    demonstration data is hidden."""
    codes = (area_code,) if area_code is not None else None
    return _metrics_with_breakdowns(_raw_store(), codes, real_data_only())


@damage_explained
def areas_with_breakdowns(metric_keys) -> list[str]:
    return _areas_with_breakdowns(_raw_store(), tuple(metric_keys), real_data_only())


@damage_explained
def breakdowns_for_metric(metric_key: str) -> list[str]:
    """The breakdowns (sex, age group, deprivation ...) stored for a metric, the total among them."""
    return _breakdowns_for_metric(_raw_store(), metric_key)


@damage_explained
def values_for_level(metric_key: str, period: str, level: str) -> pd.DataFrame:
    """One metric in one period for every area of a level ("utla", "region")."""
    return _shown(_values_for_level(_raw_store(), metric_key, period, level))


@damage_explained
def breakdown_series(metric_key: str, area_codes) -> pd.DataFrame:
    """Every period and breakdown (sex, age, deprivation ...) of one metric for some areas."""
    return _shown(_breakdown_series(_raw_store(), metric_key, tuple(area_codes)))
