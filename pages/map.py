"""Map: every upper-tier authority (or region) coloured by its comparison with England for one indicator and period;
a click on an area, or the list beside the map, opens its scorecard."""

import streamlit as st

from metrics import geo, map_view
from metrics import presentation as pr
from metrics.periods import parse_period
from metrics.safety import plain_text
from pages import common

cat = common.catalogue()
geo_areas = common.geography()

common.page_header(
    "Map",
    "One indicator in one period for every upper-tier local authority (or region) of England, coloured by its "
    "comparison with England using the 95% confidence interval, in words in the legend; indicators where neither "
    "direction is better are coloured by fifth of the areas instead; a pale colour marked (as published) is the "
    "publisher's own verdict on a value without an interval. Click an area, or choose it beside the map, "
    "to open its scorecard.",
)

keys = [i.key for i in cat.ordered() if pr.in_area_profile(i)]
c1, c2, c3 = st.columns([3, 1.4, 1.6])
with c1:
    metric_key = common.metric_picker(keys=keys, default="continuity_of_care")
ind = cat.get(metric_key)
with c2:
    # The latest period of the areas the map labels (the scorecard's rule for them), else England's.
    period = common.period_picker(
        common.periods_for_metric(metric_key),
        default=common.latest_period(metric_key, common.settings().app.compare_focus_areas),
    )
with c3:
    level_word = st.radio("Areas", ["Authorities", "Regions"], horizontal=True, key="level", bind="query-params")
level = "utla" if level_word == "Authorities" else "region"

if period is None:
    common.no_published_data(metric_key)
    st.stop()

rows = common.values_for_level(metric_key, period, level)
frame = map_view.map_frame(rows, ind, level, geo_areas, period)
common.demo_banner(frame)
# A latest period few areas have (a figure published without an interval for a handful of authorities) does not
# hide the comparable series behind it: say so and name the labelled areas' latest compared period.
with_value = int(frame["value"].notna().sum())
if level == "utla" and with_value < len(frame) / 2:
    focus_latest = common.latest_for_areas(common.settings().app.compare_focus_areas)
    compared = focus_latest.loc[focus_latest["metric_key"] == metric_key, "compared_period"].dropna()
    earlier = max(compared, key=lambda p: parse_period(p).sortable) if len(compared) else None
    st.caption(
        f"Only {with_value} of {len(frame)} authorities have a figure for {period}."
        + (
            f" The latest period the labelled areas were compared with England in is {earlier}: choose it under "
            "Period to see every authority's comparison."
            if earlier and earlier != period
            else ""
        )
    )
common.definition_link(metric_key)
if map_view.map_mode(ind) == map_view.QUINTILE_MODE:
    st.caption(
        f"{ind.short_name} has no better or worse direction"
        + ("" if ind.benchmarkable else " that compares with England's count")
        + ", so areas are coloured by fifth: from the lowest fifth of values to the highest."
    )

footprints = []
if level == "utla":
    fp_rows = common.values_for_level(metric_key, period, "cdp")
    by_code = {r.area_code: r for r in fp_rows.itertuples()}
    for fp in geo_areas.footprints():
        r = by_code.get(fp.code)
        said = (
            f"{pr.value_with_note(r.value, ind.unit, r.value_note)} ({r.compared_to_england})"
            if r is not None
            else "no value"
        )
        footprints.append((fp.name, f"{fp.name} (joint CDP): {said}", fp.members, fp.code))
focus = [(c, geo_areas.get(c).name) for c in common.settings().app.compare_focus_areas] if level == "utla" else []

title = (
    f"{ind.short_name} ({ind.unit}),<br>{pr.period_words(period)}: {map_view.LEVEL_WORDS[level]}"  # two lines: phones
)
alt = map_view.summary_words(frame, ind, level, period)
map_col, list_col = st.columns([3, 1])
with map_col:
    fig = map_view.map_figure(frame, ind, level, title, footprints, focus)
    event = st.plotly_chart(
        fig,
        width="stretch",
        key="map",
        on_select="rerun",
        selection_mode="points",
        alt=f"Map. {alt}",
        config=map_view.PLOTLY_CONFIG,
    )
    st.caption(geo.ATTRIBUTION)
    common.chart_downloads(fig, pr.map_chart_words(frame, ind, period, map_view.LEVEL_WORDS[level]), "map")
picked = [p.get("location") for p in (event.selection.points if event else []) if p.get("location")]
if picked:  # a click on an area opens its scorecard
    st.switch_page(st.Page("pages/scorecard.py", url_path="scorecard"), query_params={"area": picked[0]})

with list_col:
    st.markdown("**Open an area's scorecard**")
    codes = frame.sort_values("area_name")["area_code"].tolist()
    chosen = st.selectbox(
        "Area (type to search)",
        codes,
        index=None,
        key="map_area",
        format_func=lambda c: geo_areas.get(c).name,
        placeholder="Choose an area",
    )
    if chosen:
        row = frame[frame["area_code"] == chosen].iloc[0]
        st.markdown(
            f"**{plain_text(row.area_name)}**: {plain_text(row.value_text)} ({row.shown_as}); 95% CI "
            f"{plain_text(row.ci_text)}; {period}."
        )
        st.markdown(f":material/dashboard: [Open the scorecard of {row.area_name}](scorecard?area={chosen})")
    if footprints:
        st.markdown("**Joint CDP footprints** (outlined)")
        for name, words, _, code in footprints:
            st.caption(words)
            st.markdown(f":material/dashboard: [Open the scorecard of {name}](scorecard?area={code})")

st.caption(f"Chart: {alt}")
table_part = st.expander(
    "The map as a table, with links to each scorecard", key="table", bind="query-params", icon=":material/table:"
)
if table_part.open:
    with table_part:
        table = map_view.table_frame(frame, ind)
        verdict = table.columns[4]
        shown, words = common.pill_column(
            table, verdict, lambda w: map_view.MAP_COLOURS.get(w.removesuffix(pr.DEMO_LEGEND), "#E6E6E6")
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                verdict: words,
                "Scorecard": st.column_config.LinkColumn("Scorecard", display_text="Open scorecard"),
            },
        )
        common.downloads(
            frame.drop(columns=["category", "value_text", "ci_text", "source_text"]).assign(metric_key=metric_key),
            f"map_{metric_key}_{period}".replace("/", "-"),
            f"Map: {ind.name}, {period}, {map_view.LEVEL_WORDS[level]}",
            "map",
        )
