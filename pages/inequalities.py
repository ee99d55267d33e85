"""Inequalities: one indicator for one area by sex, age group and deprivation (whatever breakdowns are stored), each
group against the area's overall value and England's same group, and over time."""

import streamlit as st

from metrics import inequalities as ineq
from metrics import presentation as pr
from metrics.areas import ENGLAND_CODE
from metrics.periods import parse_period
from metrics.safety import plain_text
from pages import common

cat = common.catalogue()
geo = common.geography()


def table_key(dimension: str) -> str:
    """The key (and URL parameter) of a dimension's table: table_sex, table_age, table_deprivation, table_other."""
    return f"table_{dimension.split()[0].lower()}"


common.page_header(
    "Inequalities",
    "One indicator for one area by sex, age group and deprivation, as far as those breakdowns are stored: each "
    "group's value with its 95% confidence interval, compared with the area's overall value and with England's "
    "value for the same group (significantly different when the other value lies outside the group's interval), "
    "and each group over time.",
)

with_breakdowns = [k for k in common.metrics_with_breakdowns() if k in {i.key for i in cat.ordered()}]
if not with_breakdowns:
    st.info(
        "No indicator has values by sex, age group or deprivation yet, so there is nothing to show here. This "
        "page fills in once such breakdowns are uploaded (a Fingertips download with its Sex and Category "
        'columns, or the upload template\'s breakdown column, for example "Male" and "Female").',
        icon=":material/info:",
    )
    st.stop()

c1, c2 = st.columns([3, 2])
with c2:
    area_code = common.area_picker()
area = geo.get(area_code)
# The page opens on an indicator with breakdowns for the chosen area, never on an empty one.
here = set(common.metrics_with_breakdowns(area_code))
if not here:
    rank = {"england": 0, "region": 1}
    have = sorted(
        (c for c in common.areas_with_breakdowns(with_breakdowns) if c in geo.areas),
        key=lambda c: (rank.get(geo.get(c).level, 2), geo.get(c).name),
    )
    links = ", ".join(f"[{geo.get(c).name}](inequalities?area={c})" for c in have[:12])
    links += f" and {len(have) - 12} more (choose above)" if len(have) > 12 else ""
    st.info(
        f"No indicator has values by sex, age group or deprivation for {area.name} yet: upload them (a Fingertips "
        "download with its Sex and Category columns, or the upload template's breakdown column)."
        + (f" Areas that have some: {links}." if links else ""),
        icon=":material/info:",
    )
    st.stop()
with c1:
    metric_key = common.metric_picker(keys=[i.key for i in cat.ordered() if i.key in here])
ind = cat.get(metric_key)

rows = common.breakdown_series(metric_key, [area_code, ENGLAND_CODE])
area_rows = rows[rows["area_code"] == area_code]
dimensions = ineq.breakdowns_by_dimension(area_rows["breakdown"].unique().tolist())
periods = (
    area_rows[area_rows["breakdown"] != "Total"]
    .drop_duplicates("period")
    .sort_values("period_sortable", ascending=False)["period"]
    .tolist()
)
period = common.period_picker(periods) if periods else None

st.subheader(f"{ind.short_name} ({ind.unit}): {pr.area_label(area_code, geo)}")
common.definition_link(metric_key)
if not dimensions or period is None:
    have = [geo.get(c).name for c in sorted(set(rows.loc[rows["breakdown"] != "Total", "area_code"]))]
    st.info(
        f"No breakdowns of {ind.short_name} are stored for {area.name}."
        + (" England has some: choose England above." if have else ""),
        icon=":material/info:",
    )
    st.stop()
common.demo_banner(area_rows)
common.data_date_caption()

for dimension, labels in dimensions.items():
    groups = ineq.group_frame(rows, ind, area_code, period, labels)
    if groups["value"].isna().all():
        continue
    st.markdown(f"#### By {dimension.lower()}")
    words = ineq.groups_words(groups, ind, area.name, dimension, period)
    groups_fig = ineq.groups_figure(groups, ind, area.name, dimension, period)
    st.plotly_chart(groups_fig, width="stretch", key=f"groups_{dimension}", alt=f"Chart: {words}")
    drawn = ineq.groups_rows(rows, area_code, period, labels)
    common.chart_downloads(
        groups_fig, pr.groups_chart_words(drawn, ind, area.name, dimension, period), f"groups_{dimension}"
    )
    st.caption(f"Chart: {plain_text(words)}")
    # Built when opened, as the map's table is: the browser then loads a table's grid only for a reader who asks.
    table_part = st.expander(
        f"The groups by {dimension.lower()} as a table",
        key=table_key(dimension),
        bind="query-params",
        icon=":material/table:",
    )
    if table_part.open:
        with table_part:
            table = ineq.group_table(groups, ind, area.name)
            shown, cfg1 = common.pill_column(table, table.columns[3])
            shown, cfg2 = common.pill_column(shown, "Compared with England (same group)")
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                column_config={table.columns[3]: cfg1, "Compared with England (same group)": cfg2},
            )

st.markdown("#### Over time")
dimension = st.radio("Breakdown to follow over time", list(dimensions), horizontal=True, key="over_time")
kind = parse_period(period).kind
fig, order = ineq.over_time_figure(rows, ind, area_code, area.name, dimensions[dimension], dimension, kind)
if len(order) < 2:
    st.info(
        f"Only one period of this kind is stored for {area.name}: nothing to draw over time.", icon=":material/info:"
    )
else:
    st.plotly_chart(
        fig,
        width="stretch",
        key="over_time_chart",
        alt=f"Line chart of {ind.short_name} by {dimension.lower()} in {area.name} from {order[0]} to "
        f"{order[-1]}, one line per group and one for the area overall.",
    )
    drawn = ineq.over_time_rows(rows, area_code, dimensions[dimension], kind)
    common.chart_downloads(fig, pr.over_time_chart_words(drawn, ind, area.name, dimension, order), "over_time_chart")
    st.caption(
        f"Chart: {ind.short_name} by {dimension.lower()} in {area.name} from {order[0]} to {order[-1]}, one "
        "line per group (told apart by colour, dash and marker) and a grey line for the area overall; the "
        "numbers are in the download below."
    )
common.downloads(
    pr.export_frame(area_rows, ind).assign(breakdown=area_rows["breakdown"].to_numpy()),
    f"inequalities_{metric_key}_{area_code}",
    f"Inequalities: {ind.name}, {area.name}",
    "inequalities",
)
