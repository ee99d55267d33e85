"""Compare areas: one indicator in one period for several areas, against England; then their trends."""

import pandas as pd
import streamlit as st

from metrics import area_groups
from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE
from metrics.periods import parse_period
from metrics.safety import plain_text
from metrics.vocabulary import PERIOD_KIND_WORDS_PLURAL
from pages import common

common.page_header(
    "Compare areas",
    "One indicator for several areas in one period, with 95% confidence intervals and England as the reference "
    "line. Bars are coloured by the comparison with England and labelled in words.",
)


# A change of indicator, areas, period or sort order reruns this part alone (the header and sidebar stay as drawn);
# the sidebar's switch reruns the whole page.
@common.page_part
def chosen_comparison() -> None:
    """The pickers, the bars of the chosen areas in the chosen period, their words, trends and data."""
    cat = common.catalogue()
    geo = common.geography()

    c1, c2, c3 = st.columns([3, 1.4, 1.4])
    with c1:
        metric_key = common.metric_picker(default="continuity_of_care")
    ind = cat.get(metric_key)
    periods = common.periods_for_metric(metric_key)
    with c3:
        sort_by = st.radio("Sort bars by", ["Value", "Name"], horizontal=True, key="sort", bind="query-params")
    # ---- issue 18: fill the areas with a region's authorities or a footprint's members; the user's own area group
    fill_options = [r.code for r in geo.regions()] + [f.code for f in geo.footprints()]

    def _fill_areas() -> None:
        """One click on a region or footprint puts all its authorities in the areas picker."""
        chosen = st.session_state.get("fill_areas")
        if chosen:
            st.session_state["_w_areas"] = area_groups.members_of(geo, chosen)
            st.session_state["fill_areas"] = None

    st.pills(
        "Fill the areas with every authority of",
        fill_options,
        key="fill_areas",
        on_change=_fill_areas,
        format_func=lambda c: geo.get(c).name + (" (CDP members)" if geo.get(c).level == "cdp" else ""),
        help="Replaces the areas below with all upper-tier authorities of the region, or the members of the joint "
        "CDP footprint",
    )
    codes = common.areas_picker()
    # The period opens on the latest the chosen areas have (the scorecard's rule), so a fresh upload of an earlier year
    # for them shows, and says when England has a later one.
    default_period = common.latest_period(metric_key, codes)
    england_period = common.latest_period(metric_key)
    with c2:
        period = common.period_picker(periods, default=default_period)
    group_part = st.expander(
        "Your own area group (aggregated as CDP footprints are)",
        key="group_open",
        bind="query-params",
        icon=":material/group_work:",
    )
    group_rows, group_name, group_members = None, "", []
    if group_part.open:
        with group_part:
            st.caption(
                "Choose the authorities of your partnership: the dashboard adds up their counts and denominators "
                "and recomputes the value and its 95% interval by the indicator's method, exactly as it does for "
                "configured joint CDP footprints, then compares the group with England. The group is kept in "
                "the page's address, so the link can be shared."
            )
            group_members = common.url_multiselect(
                "Authorities in the group (type to search)",
                [a.code for a in geo.utlas()],
                "group",
                [],
                format_func=common.area_label,
            )
            group_name = (
                st.text_input(
                    "Name of the group", value="My area group", key="group_name", bind="query-params", max_chars=60
                )
                or "My area group"
            )
            if len(group_members) == 1:
                st.info("Choose at least two authorities to make a group.", icon=":material/info:")
            elif group_members:
                group_rows = common.group_values(group_members, group_name)
    other_kinds = [p for p in periods if parse_period(p).kind != ind.period_kind]
    if other_kinds:
        st.caption(
            f"{ind.short_name} also has periods of another kind than its own "
            f"({PERIOD_KIND_WORDS_PLURAL.get(ind.period_kind, ind.period_kind)}): "
            f"{', '.join(other_kinds[:6])}{' ...' if len(other_kinds) > 6 else ''}. Choose one under Period."
        )

    if (
        england_period
        and period
        and england_period != period
        and parse_period(england_period).kind == parse_period(period).kind
        and parse_period(england_period).sortable > parse_period(period).sortable
    ):
        st.caption(
            f"England has a later period than the chosen areas: {pr.period_words(england_period)}. "
            "The areas' latest is shown; choose it under Period to see which areas have it."
        )
    elif (
        england_period
        and period
        and parse_period(england_period).kind == parse_period(period).kind
        and parse_period(england_period).sortable < parse_period(period).sortable
    ):
        st.caption(
            f"England has no {pr.period_words(period)} figure (its latest is {pr.period_words(england_period)}): the "
            "areas are not compared with it."
        )

    st.subheader(f"{ind.short_name} ({ind.unit})" + (f", {pr.period_words(period)}" if period else ""))
    common.definition_link(metric_key)

    if not ind.published_locally:
        st.info(
            f"{ind.short_name} is not published for local areas: it is published for {ind.geography_words}. "
            "There is nothing to compare between areas; England's values are below and on Trends.",
            icon=":material/info:",
        )
        eng_rows = common.series(metric_key, [ENGLAND_CODE])
        common.demo_banner(eng_rows)
        st.dataframe(pr.series_table(eng_rows, ind), hide_index=True, width="stretch")
        st.stop()
    if period is None:
        common.no_published_data(metric_key)
        st.stop()
    if not codes and group_rows is None:
        st.info("Choose one or more areas above.", icon=":material/info:")
        st.stop()

    # A chosen joint footprint without a figure of its own in the period: its members are shown beside it, each with
    # its own figure, never averaged into one.
    footprints_chosen = [c for c in codes if geo.get(c).level == "cdp"]
    all_members = [m for c in footprints_chosen for m in geo.get(c).members if m not in codes]
    rows = common.values_for_period(metric_key, period, list(codes) + all_members + [ENGLAND_CODE])
    with_value = set(rows.loc[rows["value"].notna(), "area_code"])
    members_shown = {
        c: [m for m in geo.get(c).members if m not in codes] for c in footprints_chosen if c not in with_value
    }
    member_codes = list(dict.fromkeys(m for ms in members_shown.values() for m in ms))
    codes = list(codes) + member_codes
    rows = rows[rows["area_code"].isin(codes + [ENGLAND_CODE])]
    for fp, ms in members_shown.items():
        if ms:
            st.caption(
                f"{plain_text(geo.get(fp).name)} has no figure of its own in {period}: its members "
                + ", ".join(plain_text(geo.get(m).name) for m in ms)
                + " are shown beside it, each with its own figure where it has one."
            )
    group_now = area_groups.group_in_period(group_rows, metric_key, period)
    eng = rows[rows["area_code"] == ENGLAND_CODE]
    england_value = eng["value"].iloc[0] if not eng.empty else None
    bars = rows[rows["area_code"].isin(codes) & (rows["area_code"] != ENGLAND_CODE)]
    if group_now is not None:  # the user's group is drawn beside the areas
        bars = pd.concat([bars, group_now], ignore_index=True)
    common.demo_banner(rows)

    missing = [geo.get(c).name for c in codes if c not in set(bars["area_code"]) and c != ENGLAND_CODE]
    if group_rows is not None and group_now is None:
        missing.append(f"{group_name} (your group)")
    if missing:
        st.info(f"No data in {period} for: {', '.join(missing)}.", icon=":material/info:")

    if bars.empty:
        st.info(f"None of the chosen areas has a value for {ind.short_name} in {period}.", icon=":material/info:")
    else:
        fig = pr.compare_bar_figure(bars, ind, england_value, period, sort_by)
        st.plotly_chart(
            fig,
            width="stretch",
            key="compare_bars",  # an accessible name; the words are in the caption
            alt=f"Bar chart of {ind.short_name} ({ind.unit}) in {period} for the chosen areas against "
            "England; described in words below the chart.",
        )
        common.chart_downloads(fig, pr.compare_chart_words(bars, ind, period, eng), "compare_bars")
        desc = plain_text(
            "; ".join(
                f"{r.area_name} {pr.format_value(r.value, ind.unit, r.value_note)} ({r.compared_to_england})"
                for r in bars.itertuples()
            )
        )
        eng_txt = pr.format_value(england_value, ind.unit) if england_value is not None else "no value"
        st.caption(
            f"Chart: horizontal bar chart of {ind.short_name} in {period}, sorted by {sort_by.lower()}, with "
            f"95% confidence intervals; the dashed line is England ({eng_txt}). {desc}."
        )
        suppressed = bars[bars["value"].isna()]
        if not suppressed.empty:
            st.caption(
                "Suppressed or missing: "
                + "; ".join(
                    f"{plain_text(r.area_name)}: "
                    f"{plain_text(pr.value_or_reason(r.value, ind.unit, r.value_note, r.aggregation_note))}"
                    for r in suppressed.itertuples()
                )
            )

    # Below the bars, the trends of the same areas and the data, each built only when its expander is opened (kept in
    # the URL as ?trends= / ?data=): the page first draws the bars alone.
    trends_part = st.expander(
        "Trends of the same areas (small multiples)", key="trends", bind="query-params", icon=":material/show_chart:"
    )
    data_part = st.expander(
        f"Data table and downloads ({period})", key="data", bind="query-params", icon=":material/table:"
    )

    # ------------------------------------------------------------------------------------------------- small multiples
    if trends_part.open:
        with trends_part:
            stored = common.series(metric_key, list(codes) + [ENGLAND_CODE])
            # The periods of the chosen one's kind only: years and quarters of one metric are two series, not one line.
            series = stored[stored["period_kind"] == parse_period(period).kind]
            if series[series["area_code"] != ENGLAND_CODE].empty:
                st.info("No values over time for the chosen areas.", icon=":material/info:")
            else:
                order = series.drop_duplicates("period").sort_values("period_sortable")["period"].tolist()
                multiples = pr.small_multiples_figure(series, ind, codes, order)
                st.plotly_chart(
                    multiples,
                    width="stretch",
                    key="compare_multiples",
                    alt=f"Small line charts of {ind.short_name} ({ind.unit}), one "
                    "per area with England dashed; described below.",
                )
                common.chart_downloads(
                    multiples, pr.small_multiples_words(series, ind, codes, order), "compare_multiples"
                )
                st.caption(
                    f"Chart: one small line chart per area of {ind.short_name} ({ind.unit}) from {order[0]} "
                    f"to {order[-1]}, each with England's line dashed for reference."
                )
                if stored["period_kind"].nunique() > 1:
                    st.caption(
                        f"Only periods of the same kind as {period} are drawn; choose a period of another kind "
                        "above to see that series."
                    )

    # ------------------------------------------------------------------------------------------------------- the table
    if data_part.open:
        with data_part:
            if group_now is not None:
                rows = pd.concat([rows, group_now], ignore_index=True)
            table = pr.series_table(rows.sort_values("area_name"), ind)
            shown, words = common.pill_column(table, "Compared with England")
            st.dataframe(shown, hide_index=True, width="stretch", column_config={"Compared with England": words})
            common.downloads(
                pr.export_frame(rows.sort_values("area_name"), ind),
                f"compare_{metric_key}_{period}".replace("/", "-").replace(" ", ""),
                f"Compare areas: {ind.name}, {period}",
                "compare",
            )


chosen_comparison()
