"""The dashboard's script: sets up navigation only. Pages live in pages/ and call functions of metrics/.
Served by app.py (`streamlit run app.py`), which loads what every first page needs when the server starts.

The page list is built per user: the Upload page is added only for uploaders (metrics.access), so an
anonymous user has no route to it, by menu or by URL. The page checks again itself.
"""

import streamlit as st

from metrics.catalogue import CatalogueError, default_catalogue
from metrics.safety import plain_text
from pages.common import (
    current_scope,
    current_user_is_uploader,
    ensure_database,
    settings,
    sign_in_available,
    sign_in_refusal,
)

st.set_page_config(page_title=settings().app.title, page_icon=":bar_chart:", layout="wide")
try:
    default_catalogue()
except CatalogueError as exc:  # a bad catalogue stops start-up, saying which file, entry and field
    st.error(f"The indicator catalogue is invalid, so the dashboard cannot start.\n\n{exc}")
    st.stop()
ensure_database()

# The home page is served at "/". Streamlit serves a default page at "/" only, never at its own url_path (which
# must still be unique), so that path is one nobody links to, and hidden twins at /home and /scorecard keep links
# such as /home?area=E10000034 and /scorecard?area=E10000025 working.
HOME_TWINS = ("home", "scorecard")
browse = [
    st.Page(
        "pages/scorecard.py",
        title="Area scorecard",
        icon=":material/dashboard:",
        url_path="area-scorecard-home",
        default=True,
    ),
    *(
        st.Page(
            "pages/scorecard.py", title="Area scorecard", icon=":material/dashboard:", url_path=p, visibility="hidden"
        )
        for p in HOME_TWINS
    ),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/compare.py", title="Compare areas", icon=":material/bar_chart:", url_path="compare"),
    st.Page("pages/profile.py", title="Area profile", icon=":material/linear_scale:", url_path="profile"),
    st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map"),
    st.Page("pages/inequalities.py", title="Inequalities", icon=":material/groups:", url_path="inequalities"),
    st.Page(
        "pages/compare_indicators.py",
        title="Compare indicators",
        icon=":material/scatter_plot:",
        url_path="compare-indicators",
    ),
    st.Page("pages/definitions.py", title="Definitions", icon=":material/menu_book:", url_path="definitions"),
    st.Page("pages/plan.py", title="Delivery plan", icon=":material/checklist:", url_path="plan"),
    st.Page("pages/report.py", title="Board report", icon=":material/description:", url_path="report"),
]
if current_user_is_uploader():
    browse.append(st.Page("pages/upload.py", title="Upload data", icon=":material/upload_file:", url_path="upload"))
# One plain list, no sections: with a section heading Streamlit puts <div>s between the <ul> and its <li>s, which
# screen readers and axe's "list" rule reject.
page = st.navigation(browse)
# Captions in a darker grey than Streamlit's (#797B7E on white is 4.2:1; WCAG AA asks 4.5:1 for small text).
st.html("<style>[data-testid=stCaptionContainer] { color: #5C5F63; opacity: 1; }</style>")
if sign_in_available():  # analysts sign in here; the Upload page then appears for uploaders
    with st.sidebar:
        if st.user.is_logged_in:
            st.caption(
                f"Signed in as {plain_text(st.user.get('email') or st.user.get('name'))} "
                f"({plain_text(current_scope().name)})"
            )
            st.button("Sign out", on_click=st.logout, key="app_sign_out")
        else:
            st.button("Sign in (analysts)", on_click=st.login, key="app_sign_in")
elif refusal := sign_in_refusal():  # configured but unsafe: say why instead of offering it
    st.sidebar.warning(refusal, icon=":material/lock:")
page.run()
