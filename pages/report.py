"""Board report: the quarterly highlight report of one area, on screen and as Word and PDF downloads."""

from datetime import date

import pandas as pd
import streamlit as st

from metrics import presentation as pr
from metrics.chart_images import ChartImageError
from metrics.report import layout
from metrics.report.build import FORMATS, build_report
from metrics.report.model import ReportError, default_since, revision_words
from pages import common

cat = common.catalogue()
geo = common.geography()

common.page_header(
    "Board report",
    "The quarterly highlight report for a Health and Wellbeing Board or CDP board, generated from the figures the "
    "other pages show: at a glance, what needs attention, what is going well, what changed since a date or a "
    "revision, every indicator by outcome with its sentence, the charts, sources and definitions.",
)

focus = [c for c in common.settings().app.compare_focus_areas if c in geo.areas]
options = focus + [c for c in pr.area_options(geo) if c not in focus]
c1, c2 = st.columns([3, 2])
with c1:
    area_code = common.url_selectbox(
        "Area (focus areas first; type to search)",
        options,
        "area",
        focus[0] if focus else common.settings().app.default_area,
        format_func=common.area_label,
    )
with c2:
    benchmark = common.benchmark_picker(area_code)

revisions = common.store().revisions()
c3, c4 = st.columns([2, 3])
with c3:
    since_kind = st.radio(
        "Changes since",
        ["A date", "A revision"],
        horizontal=True,
        key="since_kind",
        help="What changed: new periods, revised values and verdicts since then",
    )
with c4:
    if since_kind == "A date":
        since = st.date_input(
            "Date",
            value=default_since(),
            max_value=date.today(),
            key="since_date",
            format="DD/MM/YYYY",
            help="Defaults to the first day of the previous quarter",
        )
    else:
        rows = {int(r["revision_id"]): r for r in revisions.to_dict("records")}
        ids = list(rows)  # newest first
        since = st.selectbox(
            "Revision",
            ids,
            index=min(1, len(ids) - 1),
            key="since_revision",
            format_func=lambda r: revision_words(rows[r]),
            help="Changes made by the revisions after this one",
        )

with_demonstration = st.checkbox(
    "Include demonstration data (not real)",
    value=False,
    key="with_demonstration",
    help="Off: real figures only, an indicator without a published figure says so. On: demonstration values fill "
    "the gaps; the report says so on its first page and marks each one. Never for a board's decisions.",
)
choice = (area_code, benchmark, str(since), with_demonstration)
if st.button("Build the report", type="primary", icon=":material/description:", key="build"):
    with st.status("Building the report ...", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")
        try:
            model, images, files = build_report(
                common.store(),
                common.full_catalogue(),
                geo,
                area_code,
                benchmark.lower(),
                since,
                ["docx", "pdf"],
                progress=lambda fraction, words: bar.progress(min(max(fraction, 0.0), 1.0), text=words),
                scope=common.current_scope(),
                with_demonstration=with_demonstration,
            )
        except ReportError as exc:
            status.update(label="The report could not be built", state="error")
            st.error(str(exc))
            st.stop()
        except ChartImageError as exc:
            status.update(label="The report could not be built", state="error")
            st.error(f"{exc}", icon=":material/error:")
            st.stop()
        status.update(label="The report is ready", state="complete", expanded=False)
    st.session_state["_report"] = {
        "choice": choice,
        "model": model,
        "images": images,
        "files": files,
        "scope": common.current_scope(),
    }

made = st.session_state.get("_report")
if made is not None and made.get("scope") != common.current_scope():
    made = None  # built for someone with other rights (signed in or out since): not shown
if made is None:
    st.info(
        "Choose the area, the benchmark and the point to report changes from, then build the report. "
        "Drawing its charts takes a few seconds.",
        icon=":material/info:",
    )
    st.stop()
if made["choice"] != choice:
    st.info(
        "The choices have changed since the report below was built: build it again to follow them.",
        icon=":material/info:",
    )

model, images, files = made["model"], made["images"], made["files"]
stem = f"board_report_{model.area.code}_{model.generated:%Y%m%d}"
d1, d2 = st.columns(2)
d1.download_button(
    "Download Word (.docx)",
    files["docx"],
    file_name=f"{stem}.docx",
    mime=FORMATS["docx"],
    key="report_docx",
    on_click="ignore",
    icon=":material/download:",
)
d2.download_button(
    "Download PDF",
    files["pdf"],
    file_name=f"{stem}.pdf",
    mime=FORMATS["pdf"],
    key="report_pdf",
    on_click="ignore",
    icon=":material/download:",
)
st.divider()

# The report on screen: the same blocks, in the same order, as the files.
for block in layout.blocks(model):
    if isinstance(block, layout.Heading):
        if block.level == 0:
            st.header(block.text)
        else:
            st.markdown("#" * (block.level + 2) + " " + block.text)
    elif isinstance(block, layout.Para):
        if block.kind == "warning":
            st.warning(block.text, icon=":material/science:")
        elif block.kind == "note":
            st.caption(block.text)
        else:
            st.markdown((f"**{block.lead.strip()}** " if block.lead else "") + block.text)
    elif isinstance(block, layout.Bullets):
        st.markdown("\n".join(f"- {item}" for item in block.items))
    elif isinstance(block, layout.Table):
        st.dataframe(
            pd.DataFrame(block.rows, columns=block.header),
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(block.rows), 600),
        )
        st.caption(block.caption)
    elif isinstance(block, layout.Image) and block.key in images:
        st.image(images[block.key], caption=block.caption, width="stretch")
        st.caption(f"Alt text: {block.alt}")
