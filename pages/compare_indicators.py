"""Compare indicators: two indicators across England's upper-tier authorities as a scatter, a point per authority,
the chosen areas highlighted, with the correlation, its periods and the number of authorities stated."""

import streamlit as st

from metrics import area_groups
from metrics import indicator_pairs as pairs_view
from metrics import presentation as pr
from pages import common

cat = common.catalogue()
geo = common.geography()

common.page_header(
    "Compare indicators",
    "Two indicators across England's upper-tier local authorities: a point per authority with a value for both, "
    "the chosen areas highlighted and named, and how closely the two go together (Pearson's and Spearman's "
    "correlation) with the periods and the number of authorities it rests on.",
)

keys = [i.key for i in cat.ordered() if pr.in_area_profile(i)]
c1, c2 = st.columns([3, 1.3])
with c1:
    key_x = common.metric_picker("Indicator across (x axis)", param="metric", keys=keys, default="continuity_of_care")
with c2:
    period_x = common.period_picker(common.periods_for_metric(key_x), key="period", label="Period (x)")
c3, c4 = st.columns([3, 1.3])
with c3:
    key_y = common.metric_picker(
        "Indicator up (y axis)", param="metric_y", keys=keys, default="successful_completion_opiate"
    )
with c4:
    period_y = common.period_picker(common.periods_for_metric(key_y), key="period_y", label="Period (y)")
codes = common.areas_picker("Areas to highlight (type to search)")
# A footprint or region is highlighted by its authorities (the points are authorities).
highlight = list(
    dict.fromkeys(
        m for c in codes for m in area_groups.members_of(geo, c) if geo.get(c).level in ("utla", "cdp", "region")
    )
)
ind_x, ind_y = cat.get(key_x), cat.get(key_y)

if period_x is None or period_y is None:
    for key, period in ((key_x, period_x), (key_y, period_y)):
        if period is None:
            common.no_published_data(key, f" ({cat.get(key).short_name})")
    st.stop()

pairs = pairs_view.pair_frame(
    common.values_for_level(key_x, period_x, "utla"), common.values_for_level(key_y, period_y, "utla")
)
common.demo_banner(pairs)
result = pairs_view.correlation(pairs)
st.markdown(f"**Correlation.** {result.words(period_x, period_y)}")
if pairs.empty:
    st.info("No authority has values for both indicators in these periods.", icon=":material/info:")
    st.stop()
names = {a.code: a.name for a in geo.utlas()}
fig = pairs_view.scatter_figure(pairs, ind_x, period_x, ind_y, period_y, highlight, names)
chosen = pairs[pairs["area_code"].isin(highlight)]
said = "; ".join(
    f"{r.area_name} {pr.format_value(r.x_value, ind_x.unit)} and {pr.format_value(r.y_value, ind_y.unit)}"
    for r in chosen.itertuples()
)
alt = (
    f"Scatter chart of {ind_y.short_name} ({period_y}) against {ind_x.short_name} ({period_x}), one point per "
    f"authority, {len(pairs)} authorities. {result.words(period_x, period_y)}"
    + (f" Highlighted: {said}." if said else "")
)
st.plotly_chart(fig, width="stretch", key="pairs", alt=alt)
common.chart_downloads(
    fig,
    pr.scatter_chart_words(pairs, ind_x, period_x, ind_y, period_y, chosen["area_name"].tolist()),
    "pairs",
)
st.caption(f"Chart: {alt}")
missing = [geo.get(c).name for c in highlight if c in names and c not in set(pairs["area_code"])]
if missing:
    st.caption("Not drawn (no value for one of the indicators): " + ", ".join(missing) + ".")
common.definition_link(key_x, f"Definition and source: {ind_x.short_name}")
common.definition_link(key_y, f"Definition and source: {ind_y.short_name}")

data_part = st.expander("Data table and downloads", key="data", bind="query-params", icon=":material/table:")
if data_part.open:
    with data_part:
        st.dataframe(pairs_view.pairs_table(pairs, ind_x, period_x, ind_y, period_y), hide_index=True, width="stretch")
        common.downloads(
            pairs.assign(metric_x=key_x, period_x=period_x, metric_y=key_y, period_y=period_y),
            f"compare_indicators_{key_x}_{key_y}",
            f"Compare indicators: {ind_y.name} against {ind_x.name}",
            "pairs",
        )
