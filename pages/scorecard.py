"""Area scorecard (home): every metric of one area under the six outcomes, then a tartan rug of several areas."""

import streamlit as st

from metrics import presentation as pr
from metrics import scorecard_view
from metrics.areas import ENGLAND_CODE
from metrics.vocabulary import AS_PUBLISHED, BETTER, HIGHER, LEVELS_IN_A_REGION, LOWER, SIMILAR, WORSE
from pages import commentary, common

cat = common.catalogue()
geo = common.geography()

common.page_header(
    "Area scorecard",
    "Every indicator for one area, grouped by the six outcomes of the Combating Drugs Outcomes Framework, "
    "headline indicators first: the latest period, the value with its 95% confidence interval, England and "
    "the region, the comparison with the benchmark and the recent trend.",
)

RUG_CELLS = "_scorecard_rug_cells"  # the several-areas table's (demonstration, all) cells, for the banner


# A change of area, benchmark or column choice reruns and redraws this part alone, not the header nor the
# several-areas table below; the sidebar's switch still reruns the whole page.
@common.page_part
def area_part():
    c1, c2 = st.columns([3, 2])
    with c1:
        area_code = common.area_picker()
    with c2:
        benchmark = common.benchmark_picker(area_code)

    area = geo.get(area_code)
    region = geo.region_of(area_code) if area.level in LEVELS_IN_A_REGION else None
    kinds = common.other_period_kinds_choice([area_code], key="other_periods")
    latest = common.latest_for_area(area_code, kinds)
    england = common.latest_for_area(ENGLAND_CODE, kinds)
    region_latest = (
        common.latest_for_area(region.code, kinds) if region is not None and region.level == "region" else None
    )

    indicators = [i for i in cat.ordered() if i.tier != "local" or area_code in i.areas]
    # A joint footprint's members, each with its own figure where the footprint's cannot honestly be computed.
    members = {m: geo.get(m).name for m in area.members} if area.level == "cdp" else {}
    rows = pr.scorecard_rows(
        indicators,
        area_code,
        area.level,
        latest,
        england,
        region_latest,
        common.sparklines(area_code),
        benchmark,
        no_data_words=pr.NO_PUBLISHED_DATA if common.real_data_only() else "No data",
        members_latest=common.latest_for_areas(list(members), kinds) if members else None,
        members=members,
    )

    st.subheader(pr.area_label(area_code, geo))
    if area.level == "cdp":
        st.caption(
            f"CDP footprint made of {', '.join(members.values())}. Values are aggregated by the dashboard from the "
            "members' counts where the method allows it; where they cannot be, each member's own latest figure is "
            "shown beside the reason."
        )
    banner = st.empty()  # one banner for the page, counting the summary's and the several-areas table's figures
    common.data_date_caption()
    unpublished = int((rows["Value"] == pr.NO_PUBLISHED_DATA).sum())
    if unpublished:
        st.caption(
            f":material/info: {unpublished} of {len(rows)} indicators say *{pr.NO_PUBLISHED_DATA}* for {area.name}: "
            "refresh them from Fingertips or upload a file. Where to get each: [Definitions](definitions)."
        )

    if latest.empty:
        st.info(
            f"No data for {area.name} yet. Indicators published only for England or regions show England's "
            "value below; local figures appear here once they are uploaded.",
            icon=":material/info:",
        )

    compare_col = f"Compared with {benchmark}"
    st.caption(
        f"How to read: **{compare_col}** says whether the area is significantly better, similar or worse than "
        f"{'England' if benchmark == 'England' else 'its region'} (95% confidence interval). Labels (colour and "
        "symbol): "
        + ", ".join(f"{pr.COMPARISON_SYMBOL[w]} {w}" for w in (BETTER, SIMILAR, WORSE, LOWER, HIGHER))
        + ". Lower / Higher are used where neither direction is better. *Trend* is each indicator's values over all "
        "periods of the kind shown (years or quarters); *Recent trend* is the significance test over the last five "
        "periods (for three-year pooled figures, the last five that do not overlap). Values without a confidence "
        "interval (some published figures) are *Not compared*, unless their publisher states the comparison: it then "
        "shows in a dashed outline, "
        + ", ".join(f"{pr.COMPARISON_SYMBOL[w + AS_PUBLISHED]} {w}{AS_PUBLISHED}" for w in (BETTER, SIMILAR, WORSE))
        + ": the publisher's verdict, not computed by the dashboard and never used for a trend."
    )

    column_config = {
        "key": None,
        "is_demo": None,
        "Unit": None,
        # wide enough for the longest name ("Successful completion, non-opiates"), pinned while the rest scrolls
        "Indicator": st.column_config.TextColumn("Indicator", width=240, pinned=True),
        "Tier": st.column_config.TextColumn("Tier", width="small"),
        "Value": st.column_config.TextColumn(
            "Value", width=130, help="Latest value with its unit; where there is none, why (in full in Note)"
        ),
        "England": st.column_config.TextColumn("England", width=130),
        "Region": st.column_config.TextColumn("Region", width=130),
        "Period": st.column_config.TextColumn("Period", width=75),
        "Data": st.column_config.TextColumn(
            "Data", width="small", help="Demo: demonstration data, not real; Published: a publisher's figure"
        ),
        "95% CI": st.column_config.TextColumn("95% CI", help="95% confidence interval"),
        "Trend": st.column_config.LineChartColumn(
            "Trend", width="small", help="Every period of the kind shown (years or quarters), oldest first"
        ),
        "Latest compared": st.column_config.TextColumn(
            "Latest compared",
            width="medium",
            help="Where the latest value cannot be compared: the latest earlier value of the series that was",
        ),
        "Earlier trend": st.column_config.TextColumn(
            "Earlier trend", help="Where the latest recent trend cannot be calculated: the latest that could"
        ),
        "Members": st.column_config.TextColumn(
            "Members", width="large", help="Each member's own latest figure, where the footprint's cannot be computed"
        ),
        "Note": st.column_config.TextColumn("Note", width="large"),
        "Source": st.column_config.TextColumn("Source", width="medium"),
    }
    # The answer a board member looks for first (value, verdict, direction) sits left, visible at 1280 px.
    shown_cols = [
        "key",
        "Indicator",
        "Period",
        "Value",
        "Data",
        compare_col,
        "England",
        "Region",
        "Latest compared",
        "Recent trend",
        "Earlier trend",
        "Members",
        "95% CI",
        "Target",
        "Count",
        "Trend",
        "Tier",
        "Note",
        "Source",
        "is_demo",
        "Unit",
    ]
    if area.level not in LEVELS_IN_A_REGION:
        shown_cols.remove("Region")
    if not members:
        shown_cols.remove("Members")
    if area_code == ENGLAND_CODE:
        shown_cols.remove("England")
    if not any(i.target for i in indicators):
        shown_cols.remove("Target")

    # issue 18: the summary (indicator, period, value, verdict, trend, target) fits the screen as a table that wraps;
    # every column, as a data table, on demand.
    all_columns = st.toggle(
        "Show every column (England, region, 95% CI, count, trend line, note, source)",
        key="details",
        bind="query-params",
    )
    # issue 27: on a phone the six outcomes ran to ~7,800 px; a reader jumps to one, or folds those read.
    by_key = cat.by_key()  # (Catalogue.get builds this dict on every call)
    outcome_of_row = rows["key"].map(lambda k: by_key[k].outcome)
    outcome_rows = {o.key: rows[outcome_of_row == o.key][shown_cols] for o in cat.outcomes}
    # Most areas have no commentary: the markers are then not looked for outcome by outcome.
    with_commentary = not common.commentary(area_code).empty
    outcomes = [o for o in cat.outcomes if not outcome_rows[o.key].empty]
    st.markdown(
        "Jump to: " + " · ".join(f"[{o.name}](#{scorecard_view.anchor(o.name)})" for o in outcomes),
        help="Each outcome's indicators fold under its heading (click the bar) and open again.",
    )
    for n, outcome in enumerate(outcomes):
        part = outcome_rows[outcome.key]
        st.markdown(f"#### {outcome.name}")
        fold = st.expander(
            f"{len(part)} indicator{'s' if len(part) != 1 else ''}: fold or open",
            expanded=True,
            key=f"fold_{outcome.key}",
        )
        with fold:
            if not all_columns:
                # The tables' style travels with the first of them: one element fewer to send and draw.
                style = scorecard_view.STYLE if n == 0 else ""
                st.html(style + scorecard_view.summary_html(part, compare_col, f"{outcome.name}: {area.name}"))
            else:
                shown, words = common.pill_column(part, compare_col, help="Compared with the benchmark (95% interval)")
                config = {**column_config, compare_col: words}
                if "Target" in part:
                    shown, config["Target"] = common.pill_column(shown, "Target", pr.goal_colour)
                st.dataframe(
                    shown, hide_index=True, width="stretch", column_config=config, height=min(38 + 35 * len(part), 600)
                )
            links = " · ".join(f"[{by_key[k].short_name}](definitions?metric={k})" for k in part["key"])
            st.caption(f":material/menu_book: Definition and source: {links}")
            if with_commentary:
                commentary.markers(area_code, part["key"], part["Period"])  # issue 31

    common.downloads(
        rows.drop(columns=["Trend"])
        .assign(area_code=area_code, area_name=area.name)
        .rename(columns={"Source": "source"}),
        f"scorecard_{area_code}",
        f"Area scorecard: {area.name}",
        "scorecard",
    )

    area_figures = (
        int((rows["Data"] == pr.DEMO_MARK).sum()),
        int(rows["Data"].isin([pr.DEMO_MARK, "Published"]).sum()),
    )
    # The several-areas table keeps its cells when this part reruns alone; a full run counts them again below.
    common.demo_banner(area_figures, st.session_state.get(RUG_CELLS, (0, 0)), slot=banner)
    return banner, area_figures


banner, area_figures = area_part()

# ---------------------------------------------------------------------------------------------------- tartan rug
st.divider()
st.subheader("Several areas at once")
st.caption(
    "Each cell: the latest value and how it compares with England (95% confidence interval). Colours "
    "repeat the words. Indicators published only nationally are left out."
)
codes = common.areas_picker("Areas for the overview (type to search)", param="rug")
rug_cells = (0, 0)
if not codes:
    st.info("Choose one or more areas to compare them side by side.")
else:
    rug_kinds = common.other_period_kinds_choice(codes, key="rug_periods")
    rug_latest = common.latest_for_areas(list(codes) + [ENGLAND_CODE], rug_kinds)
    rug = pr.tartan_frame(cat.ordered(), rug_latest, codes, geo)
    if rug.empty:
        st.info("No data for these areas.")
    else:
        area_cols = [c for c in rug.columns if c not in ("key", "Indicator", "Period", "England")]
        rug_cells = pr.demo_cells(rug, [*area_cols, "England"])
        rug_config = {
            "key": None,
            "Indicator": st.column_config.TextColumn("Indicator", width=220, pinned=True),
            "Period": st.column_config.TextColumn("Period", width=68),
            "England": st.column_config.TextColumn("England", width=100),
        }
        # Three areas fit the ~900 px a laptop leaves the table; more scroll sideways, the indicator pinned.
        area_width = 170 if len(area_cols) <= 3 else "medium"
        for col in area_cols:
            rug, rug_config[col] = common.pill_column(
                rug, col, lambda v: pr.comparison_word_colour(v.split(" · ")[-1]), width=area_width
            )
        st.dataframe(
            rug, hide_index=True, width="stretch", column_config=rug_config, height=min(38 + 35 * len(rug), 700)
        )
        st.caption(
            "Alt text: a table with one row per indicator and one column per chosen area; each cell gives "
            "the area's latest value and the words Better, Similar, Worse, Lower, Higher or Not compared."
        )
if st.session_state.get(RUG_CELLS, (0, 0)) != rug_cells:
    st.session_state[RUG_CELLS] = rug_cells
    banner.empty()
    common.demo_banner(area_figures, rug_cells, slot=banner)
