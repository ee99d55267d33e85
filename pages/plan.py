"""Delivery plan: the partnership's priorities and actions, their status and progress, and the metrics each is
meant to move (latest value, verdict and trend). Uploaders also edit it here (a table, a form, a file), write the
commentary on a figure and the board paper's details; readers see no editing."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from metrics.paper import edits
from metrics.paper.plan import (
    PLAN_FILE_COLUMNS,
    export_frame,
    plan_csv,
    plan_xlsx,
    prepare_plan,
    template_csv,
    template_xlsx,
)
from metrics.paper.view import metric_keys_of, needs_attention, plan_table, with_own_latest
from metrics.paper.words import (
    DETAIL_FIELDS,
    PLAN_TEXT_FIELDS,
    PURPOSES,
    STATUS_COLOURS,
    STATUSES,
    status_word,
)
from metrics.presentation.downloads import problems_for_display
from metrics.safety import plain_text
from metrics.store.narrative import COMMENTARY, PAPER_DETAILS, PLAN_ACTIONS
from pages import common

cat = common.catalogue()
geo = common.geography()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

common.page_header(
    "Delivery plan",
    "The partnership's local delivery plan: its priorities, the actions under each with their lead, dates, "
    "status and latest progress, and the metrics each action is meant to move with their latest value, "
    "comparison with England and trend. Implementation is the plan's actions; impact is the metrics.",
)
area_code = common.area_picker()
area_name = geo.get(area_code).name
store = common.store()
actions = store.narrative(PLAN_ACTIONS, [area_code])
linked = [k for keys in actions.get("metric_keys", []) for k in metric_keys_of(keys)]
latest = with_own_latest(
    common.latest_for_area(area_code, cat.period_kinds()), linked, lambda k: common.series(k, [area_code])
)
today = date.today()
table = plan_table(actions, latest, cat, today)


def _date_words(value) -> str:
    """A plan date as a board reads it (31/03/2024); "no date" where none was given (never "None")."""
    return "no date" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y}"


uploader = common.current_user_is_uploader()


def status_colour(word: str) -> str:
    return STATUS_COLOURS.get(word.split(" ", 1)[-1], "#E6E6E6")


st.subheader(f"{area_name}: delivery plan")
if table.empty:
    st.info(
        f"{plain_text(area_name)} has no delivery plan here yet."
        + (" Add actions below, or load a plan file." if uploader else " An analyst of the partnership adds it."),
        icon=":material/info:",
    )
else:
    counts = table["status"].value_counts()
    overdue = int(table["overdue"].sum())
    st.caption(
        plain_text(
            f"{len(table)} actions: "
            + ", ".join(f"{counts[s]} {s.lower()}" for s in STATUSES if s in counts)
            + (f"; {overdue} overdue" if overdue else "")
        )
    )
    f1, f2 = st.columns(2)
    statuses = f1.multiselect("Status", list(STATUSES), default=[], key="status_filter", placeholder="All statuses")
    leads = sorted({str(v) for v in table["lead"].dropna()})
    chosen_leads = f2.multiselect("Lead", leads, default=[], key="lead_filter", placeholder="All leads")
    shown = table
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    if chosen_leads:
        shown = shown[shown["lead"].isin(chosen_leads)]
    attention = needs_attention(table)
    if len(attention):
        st.warning(
            f"{len(attention)} action(s) need the board's attention (off track or overdue): "
            + plain_text("; ".join(attention["action"].astype(str).str.slice(0, 80))),
            icon=":material/flag:",
        )
    for priority, rows in shown.groupby("priority", sort=False):
        st.markdown(f"#### {plain_text(priority)}")
        # What a board member looks for first (the action, its status, whether it is late) sits left.
        frame = pd.DataFrame(
            {
                "Action": rows["action"],
                "Status": rows["status_words"],
                "Overdue": ["⚠ Overdue" if o else "" for o in rows["overdue"]],
                "Due": [_date_words(d) for d in rows["due_date"]],
                "Lead": rows["lead"],
                "Latest update": rows["latest_update"],
                "Linked metrics (latest value, comparison, trend)": rows["linked_metrics"],
                "Partners": rows["partners"],
                "Start": [_date_words(d) for d in rows["start_date"]],
            }
        )
        frame, status_config = common.pill_column(frame, "Status", colour_of=status_colour)
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            key=f"plan_{priority}",
            column_config={
                "Status": status_config,
                "Start": st.column_config.TextColumn(width="small"),
                "Due": st.column_config.TextColumn(width="small"),
                "Action": st.column_config.TextColumn(width="medium"),
                "Overdue": st.column_config.TextColumn(width="small"),
                "Latest update": st.column_config.TextColumn(width="large"),
                "Linked metrics (latest value, comparison, trend)": st.column_config.TextColumn(width="large"),
            },
        )
    st.caption(
        "Statuses: " + ", ".join(status_word(s) for s in STATUSES) + ". Overdue: due before today and not complete."
    )
    exported = export_frame(actions)
    stem = f"cdof-delivery-plan-{area_code}"
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download the plan (CSV)",
        lambda: plan_csv(exported),
        f"{stem}.csv",
        "text/csv",
        key="plan_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    d2.download_button(
        "Download the plan (Excel)",
        lambda: plan_xlsx(exported),
        f"{stem}.xlsx",
        XLSX,
        key="plan_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )

if not uploader:
    st.stop()

# ---------------------------------------------------------------------------------------------- editing (uploaders)
# The signed-in user's rights (metrics.access): an area outside them is refused before anything is saved.
scope = common.current_scope()
author = scope.who
may_write = scope.write_areas  # None: every area


def show_problems(problems: pd.DataFrame) -> None:
    st.error("Nothing was saved. Put these right and save again:", icon=":material/error:")
    st.dataframe(problems_for_display(problems), hide_index=True, width="stretch", key="plan_problems")


def saved(message: str) -> None:
    common.clear_caches()
    st.session_state["plan_message"] = message
    st.rerun()


if message := st.session_state.pop("plan_message", None):
    st.success(message, icon=":material/check:")

st.divider()
st.subheader("Edit the plan")
tab_update, tab_table, tab_add, tab_file, tab_details, tab_commentary = st.tabs(
    ["Update an action", "Edit as a table", "Add an action", "Load a plan file", "Paper details", "Commentary"]
)

with tab_update:
    if actions.empty:
        st.info("There is no action to update yet: add one, or load a plan file.", icon=":material/info:")
    else:
        st.caption("The quarter's update of one action: its status and latest progress.")
        by_id = {str(r["action_id"]): r for r in actions.to_dict("records")}
        chosen = st.selectbox(
            "Action",
            list(by_id),
            format_func=lambda i: f"{by_id[i]['priority']}: {str(by_id[i]['action'])[:90]}",
            key="update_action",
        )
        current = by_id[chosen]
        with st.form(f"plan_update_{chosen}"):
            new_status = st.selectbox(
                "Status", list(STATUSES), index=list(STATUSES).index(current["status"]), key=f"update_status_{chosen}"
            )
            new_update = st.text_area(
                "Latest update",
                current["latest_update"] if isinstance(current["latest_update"], str) else "",
                max_chars=PLAN_TEXT_FIELDS["latest_update"].limit,
                key=f"update_text_{chosen}",
            )
            if st.form_submit_button("Save the update", type="primary"):
                plan_rows = export_frame(actions).drop(columns=["area_code"])
                at_row = plan_rows["action_id"] == chosen
                plan_rows.loc[at_row, "status"] = new_status
                plan_rows.loc[at_row, "latest_update"] = new_update
                prepared = edits.check_edited_plan(store, area_code, plan_rows, cat, geo, may_write)
                if not prepared.ok:
                    show_problems(prepared.problems)
                else:
                    rid, _ = edits.save_edited_plan(store, prepared, author, scope.name)
                    saved(f"Saved the update as revision {rid}.")

with tab_table:
    st.caption(
        "Change any cell; add a row at the bottom; delete a row to remove that action. Saving checks every row "
        "and writes the changes as one revision (History on the Upload page lists it, and it can be rolled back)."
    )
    editable = export_frame(actions).drop(columns=["area_code"])
    for c in ("start_date", "due_date"):
        editable[c] = pd.to_datetime(editable[c].replace("", None), errors="coerce").dt.date
    metric_help = "Catalogue keys separated by ';' (see Definitions): " + ", ".join(sorted(cat.by_key())[:6]) + " ..."
    edited = st.data_editor(
        editable,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="plan_editor",
        column_config={
            "status": st.column_config.SelectboxColumn("status", options=list(STATUSES), required=True),
            "start_date": st.column_config.DateColumn("start_date", format="DD/MM/YYYY"),
            "due_date": st.column_config.DateColumn("due_date", format="DD/MM/YYYY"),
            "action_id": st.column_config.TextColumn("action_id", disabled=True, help="Given when saved"),
            "metric_keys": st.column_config.TextColumn("metric_keys", help=metric_help),
            **{
                name: st.column_config.TextColumn(name, max_chars=field.limit)
                for name, field in PLAN_TEXT_FIELDS.items()
            },
        },
    )
    if st.button("Check and save the table", type="primary", key="plan_save_table"):
        prepared = edits.check_edited_plan(store, area_code, edited, cat, geo, may_write)
        if not prepared.ok:
            show_problems(prepared.problems)
        else:
            change = edits.plan_changes(store, prepared)
            if not (change.new or change.changed or change.removed):
                st.info("Nothing changed, so nothing was saved.", icon=":material/info:")
            else:
                rid, change = edits.save_edited_plan(store, prepared, author, scope.name)
                saved(
                    f"Saved as revision {rid}: {change.new} new, {change.changed} changed, "
                    f"{change.removed} removed action(s)."
                )

with tab_add:
    with st.form("plan_add", clear_on_submit=False):
        a1, a2 = st.columns(2)
        priorities = list(dict.fromkeys(actions["priority"])) if len(actions) else []
        priority = a1.text_input(
            "Priority",
            max_chars=PLAN_TEXT_FIELDS["priority"].limit,
            key="add_priority",
            placeholder=", ".join(priorities[:4]) or "e.g. Treatment",
        )
        status = a2.selectbox("Status", list(STATUSES), key="add_status")
        action_text = st.text_area("Action", max_chars=PLAN_TEXT_FIELDS["action"].limit, key="add_action")
        b1, b2 = st.columns(2)
        lead = b1.text_input("Lead (person or organisation)", max_chars=200, key="add_lead")
        partners = b2.text_input("Partners", max_chars=400, key="add_partners")
        c1, c2 = st.columns(2)
        start = c1.date_input("Start date", value=None, format="DD/MM/YYYY", key="add_start")
        due = c2.date_input("Due date", value=None, format="DD/MM/YYYY", key="add_due")
        update = st.text_area("Latest update", max_chars=PLAN_TEXT_FIELDS["latest_update"].limit, key="add_update")
        metric_choice = st.multiselect(
            "Metrics it is meant to move",
            [i.key for i in cat.ordered()],
            format_func=common.metric_label,
            key="add_metrics",
        )
        submitted = st.form_submit_button("Add the action", type="primary")
    if submitted:
        new = {
            "priority": priority,
            "action": action_text,
            "lead": lead,
            "partners": partners,
            "start_date": start,
            "due_date": due,
            "status": status,
            "latest_update": update,
            "metric_keys": "; ".join(metric_choice),
            "action_id": None,
        }
        current = export_frame(actions).drop(columns=["area_code"])
        combined = pd.concat([current, pd.DataFrame([new])], ignore_index=True)
        prepared = edits.check_edited_plan(store, area_code, combined, cat, geo, may_write)
        if not prepared.ok:
            show_problems(prepared.problems)
        else:
            rid, _ = edits.save_edited_plan(store, prepared, author, scope.name)
            saved(f"Added the action as revision {rid}.")

with tab_file:
    st.caption(
        "A plan file is the whole plan of each area it names: " + ", ".join(PLAN_FILE_COLUMNS) + ". Leave "
        "action_id blank for a new action; an action of that area missing from the file is removed. Statuses: "
        + ", ".join(STATUSES)
        + ". Dates as YYYY-MM-DD or DD/MM/YYYY; metric_keys separated by ';'."
    )
    t1, t2 = st.columns(2)
    t1.download_button(
        "Blank template (CSV)",
        template_csv(),
        "cdof-plan-template.csv",
        "text/csv",
        key="plan_template_csv",
        on_click="ignore",
    )
    t2.download_button(
        "Blank template (Excel)",
        template_xlsx(),
        "cdof-plan-template.xlsx",
        XLSX,
        key="plan_template_xlsx",
        on_click="ignore",
    )
    upload = st.file_uploader("Plan file (CSV or .xlsx)", type=["csv", "xlsx"], key="plan_file")
    if upload is not None:
        data = upload.getvalue()
        prepared = prepare_plan(data, upload.name, cat, geo, store.narrative(PLAN_ACTIONS), may_write)
        if not prepared.ok:
            show_problems(prepared.problems)
        else:
            change = edits.plan_changes(store, prepared)
            st.info(
                plain_text(
                    f"{upload.name}: {len(prepared.rows)} actions for {', '.join(prepared.area_codes)}: "
                    f"{change.new} new, {change.changed} changed, {change.unchanged} unchanged, "
                    f"{change.removed} removed."
                ),
                icon=":material/fact_check:",
            )
            if (change.new or change.changed or change.removed) and st.button(
                "Load the plan", type="primary", key="plan_file_commit"
            ):
                rid, change = edits.import_plan(store, prepared, author, edits.sha256_bytes(data), scope.name)
                saved(f"Loaded {upload.name} as revision {rid}.")

with tab_details:
    current = store.narrative(PAPER_DETAILS, [area_code])
    details = current.iloc[0].to_dict() if len(current) else {}
    if len(current):
        st.caption(plain_text(f"Last saved by {details['written_by']} on {details['written_at']:%d/%m/%Y %H:%M}."))
    with st.form("paper_details"):
        values: dict[str, object] = {}
        for name in ("board", "title", "sponsor", "author"):
            field = DETAIL_FIELDS[name]
            values[name] = st.text_input(field.label, details.get(name) or "", max_chars=field.limit, key=f"d_{name}")
        m1, m2 = st.columns(2)
        meeting = details.get("meeting_date")
        values["meeting_date"] = m1.date_input(
            "Meeting date",
            value=None if meeting is None or pd.isna(meeting) else meeting,
            format="DD/MM/YYYY",
            key="d_meeting_date",
        )
        purpose = details.get("purpose")
        values["purpose"] = m2.selectbox(
            "For", list(PURPOSES), index=PURPOSES.index(purpose) if purpose in PURPOSES else None, key="d_purpose"
        )
        for name in (
            "priorities_served",
            "recommendation",
            "executive_summary",
            "health_disparities",
            "implications",
            "contacts",
        ):
            field = DETAIL_FIELDS[name]
            values[name] = st.text_area(field.label, details.get(name) or "", max_chars=field.limit, key=f"d_{name}")
        if st.form_submit_button("Save the paper details", type="primary"):
            try:
                rid, _ = edits.save_details(store, area_code, values, author, geo, may_write, scope.name)
            except edits.PaperInputError as exc:
                st.error(plain_text("Nothing was saved: " + "; ".join(exc.problems)), icon=":material/error:")
            else:
                saved(f"Saved the paper details as revision {rid}.")

with tab_commentary:
    st.caption(
        "What a figure means, for one metric and period of this area: shown under the metric on Trends, on the "
        "scorecard and beside the figure in the board report, with who wrote it and when. A commentary stays "
        "with its period. Save an empty text to remove it."
    )
    metric_key = st.selectbox("Metric", [i.key for i in cat.ordered()], format_func=common.metric_label, key="c_metric")
    periods = list(reversed(common.periods_for_metric(metric_key)))
    if not periods:
        st.info("This metric has no figures yet, so there is no period to comment on.", icon=":material/info:")
    else:
        period = st.selectbox("Period", periods, key="c_period")
        stored = store.narrative(COMMENTARY, [area_code])
        hit = edits.commentary_for(stored, metric_key, period)
        if hit is not None:
            st.caption(plain_text(f"Written by {hit['written_by']} on {hit['written_at']:%d/%m/%Y %H:%M}."))
        with st.form("commentary"):
            body = st.text_area(
                "Commentary",
                "" if hit is None else hit["body"],
                max_chars=edits.COMMENTARY_LIMIT,
                height=200,
                key=f"c_body_{metric_key}_{period}",
            )
            if st.form_submit_button("Save the commentary", type="primary"):
                try:
                    rid, _ = edits.save_commentary(
                        store, metric_key, area_code, period, body, author, cat, geo, may_write, scope.name
                    )
                except edits.PaperInputError as exc:
                    st.error(plain_text("Nothing was saved: " + "; ".join(exc.problems)), icon=":material/error:")
                else:
                    saved(f"Saved the commentary as revision {rid}.")
