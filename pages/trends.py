"""Trends: one indicator for one area against England (and optionally the region) over all periods."""

import streamlit as st

from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE
from metrics.safety import plain_text
from metrics.vocabulary import LEVELS_IN_A_REGION, PERIOD_KIND_WORDS, PERIOD_KIND_WORDS_PLURAL
from pages import commentary, common

common.page_header(
    "Trends",
    "One indicator over time for an area, against England and, if you wish, the region. Error bars show the "
    "95% confidence interval; hover over a point for its value, interval, count, denominator, note and source.",
)


# A change of indicator, area or kind of period reruns this part alone (the header and sidebar stay as drawn); the
# sidebar's switch reruns the whole page.
@common.page_part
def chosen_trend() -> None:
    """The pickers, the chart of the chosen indicator and area, its words, commentary and data."""
    cat = common.catalogue()
    geo = common.geography()

    c1, c2, c3 = st.columns([3, 3, 1.4])
    with c1:
        metric_key = common.metric_picker(default="continuity_of_care")
    with c2:
        area_code = common.area_picker()
    with c3:
        show_region = st.checkbox("Show the region", value=True, key="region", bind="query-params")

    ind = cat.get(metric_key)
    area = geo.get(area_code)
    region = geo.region_of(area_code) if area.level in LEVELS_IN_A_REGION else None
    codes = [area_code]
    if area_code != ENGLAND_CODE:
        codes.append(ENGLAND_CODE)
    if show_region and region is not None and region.level == "region":
        codes.append(region.code)

    # A joint footprint: its members are read too, and drawn where the footprint has no figure of its own.
    member_codes = list(area.members) if area.level == "cdp" else []
    rows = common.series(metric_key, codes + member_codes)
    # A metric stored with two kinds of period (NDTMS quarters beside Fingertips years, say) is two series, not one
    # line: the reader picks the kind, the metric's own kind (the catalogue's) first, then the others latest first.
    kinds = pr.period_kinds_in_order(rows, ind.period_kind)
    if len(kinds) > 1:
        kind = st.radio(
            "Periods",
            kinds,
            format_func=lambda k: PERIOD_KIND_WORDS.get(k, k).capitalize(),
            horizontal=True,
            key="periods",
            bind="query-params",
            help="This indicator is stored for more than one kind of period; each is its own series.",
        )
        rows = rows[rows["period_kind"] == kind]
        periods_words = "all " + PERIOD_KIND_WORDS_PLURAL.get(kind, kind)
    else:
        periods_words = "all periods"
    area_rows = rows[rows["area_code"] == area_code]
    if member_codes and area_rows["value"].notna().all() and not area_rows.empty:
        rows = rows[~rows["area_code"].isin(member_codes)]  # the footprint has every figure: no need for its members
        member_codes = []
    st.subheader(f"{ind.short_name} ({ind.unit}): {area.name}")
    common.definition_link(metric_key)
    common.demo_banner(rows)

    published_here = area.level in ind.levels or (area.level == "cdp" and ind.published_locally)
    if rows.empty:
        common.no_published_data(metric_key, f", for {area.name} or England")
        st.stop()
    if area_rows.empty:
        if not published_here:
            st.info(
                f"{ind.short_name} is not published for {area.name}: it is published for {ind.geography_words}. "
                "England's values are shown instead.",
                icon=":material/info:",
            )
        elif ind.tier == "local":
            st.info(f"No data uploaded yet for {area.name} for this local measure.", icon=":material/info:")
        elif not member_codes:  # a footprint's members, when drawn, are said below
            common.no_published_data(metric_key, f" for {area.name} (England's values are shown)")

    if member_codes:
        reasons = sorted({n for n in area_rows["aggregation_note"].dropna() if isinstance(n, str)})
        st.caption(
            f"{plain_text(area.name)} has no figure of its own in "
            + ("any period" if area_rows["value"].isna().all() else "some periods")
            + (f" ({plain_text(reasons[0])})" if len(reasons) == 1 else "")
            + ": its members, "
            + ", ".join(plain_text(geo.get(m).name) for m in member_codes)
            + ", are drawn with their own figures."
        )
    period_order = (
        rows[["period", "period_sortable"]].drop_duplicates("period").sort_values("period_sortable")["period"].tolist()
    )
    # Each area keeps its style (the chosen one, England, the region) whether or not the one before it has values.
    fig = pr.trend_figure(rows, ind, codes, period_order, periods_words, member_codes=member_codes)
    st.plotly_chart(
        fig,
        width="stretch",
        key="trend_chart",  # an accessible name; the words are in the caption below
        alt=f"Line chart of {ind.short_name} ({ind.unit}) from {period_order[0]} to {period_order[-1]}; "
        "described in words below the chart.",
    )
    common.chart_downloads(fig, pr.trend_chart_words(rows, ind, area_code, area.name, period_order), "trend_chart")

    # (the few columns the words need: sorting and reading every column of the query frame is slow)
    last = (
        rows[["area_code", "area_name", "value", "value_note", "aggregation_note", "period", "period_sortable"]]
        .sort_values("period_sortable")
        .groupby("area_code")
        .tail(1)
    )
    described = plain_text(
        "; ".join(
            f"{r.area_name} {pr.value_or_reason(r.value, ind.unit, r.value_note, r.aggregation_note)} in {r.period}"
            for r in last.itertuples()
        )
    )
    target = f" A dashed green line marks the target ({ind.target.label})." if ind.target else ""
    names_drawn = rows[["area_code", "area_name"]].drop_duplicates("area_code")["area_name"]
    st.caption(
        f"Chart: line chart of {ind.short_name} in {ind.unit} from {period_order[0]} to {period_order[-1]} for "
        f"{', '.join(names_drawn)}, with 95% confidence intervals as error "
        f"bars. Latest values: {described}.{target} Suppressed or missing values leave a gap."
    )

    notes = [n for n in area_rows["value_note"].dropna().unique() if isinstance(n, str)]
    if notes:
        st.caption("Notes for " + plain_text(area.name) + ": " + " · ".join(plain_text(n) for n in notes))
    # issue 31: the partnership's commentary on the latest figure, and on earlier ones (pages/commentary.py).
    commentary.show_under_metric(
        metric_key, area_code, None if area_rows.empty else area_rows.sort_values("period_sortable")["period"].iloc[-1]
    )

    # The table and the downloads are built when the expander is opened (kept in the URL as ?data=...): the browser
    # draws the page's chart alone first.
    data = st.expander(
        "The data in the chart: table, CSV and Excel downloads",
        key="data",
        bind="query-params",
        icon=":material/table:",
    )
    if data.open:
        with data:
            table = pr.series_table(rows.sort_values(["area_code", "period_sortable"]), ind)
            # The chosen area first, then England, then the region.
            rank = {c: n for n, c in enumerate(codes)}
            table = table.assign(
                _r=[rank.get(c, 9) for c in rows.sort_values(["area_code", "period_sortable"])["area_code"]]
            )
            table = table.sort_values(["_r"], kind="stable").drop(columns="_r")
            shown, words = common.pill_column(table, "Compared with England")
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                height=min(38 + 35 * len(table), 560),
                column_config={"Compared with England": words},
            )
            export = pr.export_frame(rows.sort_values(["area_code", "period_sortable"]), ind)
            common.downloads(export, f"trend_{metric_key}_{area_code}", f"Trend: {ind.name}, {area.name}", "trend")


chosen_trend()
