"""Area profile: Fingertips-style spine charts of one area against the range of England's authorities."""

import pandas as pd
import streamlit as st

from metrics import presentation as pr
from metrics import scorecard_view
from metrics.areas import ENGLAND_CODE
from metrics.safety import plain_text
from metrics.vocabulary import LEVELS_IN_A_REGION
from pages import common

cat = common.catalogue()
geo = common.geography()

common.page_header(
    "Area profile",
    "Each indicator's latest value for the area placed on the range of all upper-tier local authorities in "
    "England: the grey bar runs from the worst authority (left) to the best (right), the darker middle part "
    "from the 25th to the 75th percentile. England is the black centre line; the circle is the area, coloured "
    "by its comparison with England; the hollow diamond is the region.",
)

area_code = common.area_picker()
area = geo.get(area_code)
region = geo.region_of(area_code) if area.level in LEVELS_IN_A_REGION else None
region = region if region is not None and region.level == "region" else None

area_latest = common.latest_for_area(area_code)
england = common.latest_for_area(ENGLAND_CODE)
region_latest = common.latest_for_area(region.code) if region is not None else None
common.other_period_kinds_note([area_code])
# The profile compares like with like: each metric in the latest period of the authorities; the area's row in
# that period may not be its own latest, so look it up in the series where needed.
spine = pr.spine_rows(cat.ordered(), common.spine_ranges(), area_latest, england, region_latest)

st.subheader(pr.area_label(area_code, geo))
if spine.empty:
    st.info("No indicator has values for local authorities yet, so there is no range to draw.", icon=":material/info:")
    st.stop()
common.demo_banner(spine)
common.data_date_caption()
if area.level in ("england", "region"):
    st.info(
        f"{area.name} is shown against the range of the local authorities; its value is the circle.",
        icon=":material/info:",
    )

# One chart for every outcome, each under its heading: one chart draws much faster than one per outcome.
groups = {o.key: o.name for o in cat.outcomes if (spine["outcome"] == o.key).any()}
allrows = pd.concat([spine[spine["outcome"] == k] for k in groups], ignore_index=True)
title = f"{area.name} on England's range, by outcome"
fig = pr.spine_figure(allrows, area.name, region.name if region is not None else None, title, groups=groups)
alt = (
    f"Spine chart of {len(allrows)} indicators for {area.name} against the range of England's authorities, "
    f"grouped by outcome; the words for each are below the chart."
)
# Fingertips' table beside the spine (under it on a phone, where Streamlit stacks the columns).
chart_col, table_col = st.columns([1, 1])
with chart_col:
    st.plotly_chart(fig, width="stretch", key="spine", alt=alt)
    common.chart_downloads(fig, pr.spine_chart_words(allrows, title, area.name), "spine")
with table_col:
    st.html(scorecard_view.PROFILE_STYLE + scorecard_view.profile_table_html(allrows, groups, area.name))
words = []
for key, name in groups.items():
    part = allrows[allrows["outcome"] == key]
    said = "; ".join(
        f"{name} {pr.format_value(value, unit, note)} ({comparison})"
        for name, value, unit, note, comparison in zip(
            part["Indicator"], part["area_value"], part["unit"], part["value_note"], part["comparison"]
        )
        if pd.notna(value)
    )
    missing = part[part["area_value"].isna()]["Indicator"].tolist()
    words.append(
        f"**{name}:** {plain_text(said) or 'no values for the area'}"
        + (f"; no value for the area: {', '.join(missing)}" if missing else "")
        + "."
    )
st.caption(f"Chart: spine chart of {len(allrows)} indicators for {area.name}, by outcome.  \n" + "  \n".join(words))
links = " · ".join(f"[{cat.get(k).short_name}](definitions?metric={k})" for k in allrows["key"])
st.caption(f":material/menu_book: Definition and source: {links}")

counts = [i for i in cat.ordered() if pr.in_area_profile(i) and not i.benchmarkable]
if counts:
    st.caption(
        "Not on the spine (counts, which have no England centre to place an area's count around; see the "
        "scorecard): " + "; ".join(i.short_name for i in counts) + "."
    )
nat = [i for i in cat.ordered() if not i.published_locally and i.tier != "local"]
if nat:
    st.caption(
        "Not in the profile (not published for local authorities): "
        + "; ".join(f"{i.short_name} ({i.geography_words})" for i in nat)
        + "."
    )

# Drawn only when opened: a table in a closed expander still costs the browser as much as an open one.
numbers = st.expander("The numbers behind the spine chart", key="numbers", on_change="rerun")
if numbers.open:
    with numbers:
        table = pd.DataFrame(
            {
                "Indicator": allrows["Indicator"],
                "Period": allrows["Period"].map(pr.period_words),
                area.name: [
                    pr.mark_demo(pr.value_with_note(v, u, n), d)
                    for v, u, n, d in zip(
                        allrows["area_value"], allrows["unit"], allrows["value_note"], allrows["is_demo"]
                    )
                ],
                "Compared with England": allrows["comparison"],
                "England": [pr.format_value(v, u) for v, u in zip(allrows["england_value"], allrows["unit"])],
                "Region": [
                    pr.format_value(v, u) if pd.notna(v) else ""
                    for v, u in zip(allrows["region_value"], allrows["unit"])
                ],
                "Worst": [pr.format_value(v, u) for v, u in zip(allrows["worst"], allrows["unit"])],
                "25th percentile": [pr.format_value(v, u) for v, u in zip(allrows["q25"], allrows["unit"])],
                "75th percentile": [pr.format_value(v, u) for v, u in zip(allrows["q75"], allrows["unit"])],
                "Best": [pr.format_value(v, u) for v, u in zip(allrows["best"], allrows["unit"])],
                "Authorities": allrows["n"],
            }
        )
        shown, words = common.pill_column(table, "Compared with England")
        st.dataframe(shown, hide_index=True, width="stretch", column_config={"Compared with England": words})
