"""Entry point: `streamlit run app.py` serves the dashboard (dashboard.py) as an st.App.

Its start-up hook does, once per server, what the first visitor's page would otherwise wait for:

* tells Streamlit not to treat the pages/ folder as an old-style page list. Until the dashboard's script has
  called st.navigation once, Streamlit would run a deep link such as /compare as the file pages/compare.py, with a
  menu of every file in pages/; pages/common.py then reruns (see _leave_legacy_pages_mode), so the first visit
  ran twice and showed the wrong menu meanwhile;
* imports the libraries the pages use (pandas, DuckDB, Plotly, SciPy via the statistics engine), has Plotly write
  one figure (it loads what it needs for that on the first), and reads the indicator catalogue and the areas;
* opens the store and caches the few queries whose answer is the same for every visitor, so the first profile
  page does not run them while the browser is loading it.

None of this may stop the server: a broken catalogue is reported by dashboard.py on the page, as before.
"""

import logging
from contextlib import asynccontextmanager

import streamlit as st


def _first_figure() -> None:
    """Plotly loads the parts it needs for a figure, and its JSON writer, on the first one it writes."""
    import plotly.graph_objects as go
    import plotly.io

    plotly.io.to_json(go.Figure(data=[{"type": "scatter"}, {"type": "bar"}]).to_dict(), validate=False)


@asynccontextmanager
async def _start_up(app):
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        import pages.commentary  # (Trends and the scorecard; it imports pages.common)
        import pages.common
        from metrics.areas import ENGLAND_CODE, default_geography
        from metrics.catalogue import default_catalogue

        default_geography()
        default_catalogue()
        # The data every visitor's first page shares, whatever the area: the store's connection, the data date
        # (every page), England's latest values (scorecard, profile) and England's range of the authorities
        # (profile). Cached per server like any page's query, cleared with them after an upload.
        pages.common.open_store()  # (store() would answer a locked file with a message on a page)
        pages.common.data_as_of()
        pages.common.latest_for_area(ENGLAND_CODE)
        pages.common.spine_ranges()
        _first_figure()
    except Exception as exc:  # the page says what is wrong; the server must still start
        logging.getLogger(__name__).warning("start-up preloading stopped: %s", exc)
    yield


app = st.App("dashboard.py", lifespan=_start_up)
