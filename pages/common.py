"""Shared Streamlit helpers for the pages: the store, cached queries, selections, banners, formatting.

Pages stay thin: they call these helpers and functions of metrics/, and draw.
"""
from __future__ import annotations

import streamlit as st

from metrics.access import is_uploader, sign_in_configured
from metrics.areas import default_geography
from metrics.build import ensure_default_database
from metrics.catalogue import default_catalogue
from metrics.paths import database_path
from metrics.settings import default_settings
from metrics.store import Store


def settings():
    return default_settings()


def catalogue():
    return default_catalogue()


def geography():
    return default_geography()


@st.cache_resource(show_spinner="Building the default database ...")
def ensure_database() -> str:
    path = database_path()
    ensure_default_database(path, log=lambda m: None)
    return str(path)


@st.cache_resource
def store() -> Store:
    """One connection per process (DuckDB); every query takes its own cursor inside Store."""
    return Store(ensure_database())


def _user_mapping() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def current_user_is_uploader() -> bool:
    try:
        secrets = st.secrets
        configured = sign_in_configured(secrets)
    except Exception:
        configured = False
    return is_uploader(settings().upload, _user_mapping(), configured)
