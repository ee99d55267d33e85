"""Upload data (analysts only): choose a file -> see every problem -> see what will change -> commit -> undo.

dashboard.py adds this page only for uploaders; the page checks again and stops for anyone else.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from metrics import presentation as pr
from metrics.access import OutsideScope
from metrics.ingest.pipeline import changed_rows, commit, prepare, preview, rollback, rollback_plan
from metrics.ingest.template import template_csv, template_xlsx
from metrics.safety import neutralise_frame, plain_text
from metrics.settings import fingertips_base_url
from metrics.sources.fingertips import ServiceUnreachable
from metrics.sources.refresh import api_client, commit_refresh, fingertips_indicators, plan_refresh
from pages.common import (
    catalogue,
    clear_caches,
    current_scope,
    current_user_is_uploader,
    settings,
    sign_in_available,
    sign_in_refusal,
    signed_in_user,
    store,
)

st.title("Upload data")

if not current_user_is_uploader():
    st.error("You need to be signed in as an uploader to load data. Ask the dashboard's administrator to add you.")
    if refusal := sign_in_refusal():
        st.warning(refusal, icon=":material/lock:")
    if sign_in_available() and not signed_in_user().get("is_logged_in"):
        st.button("Sign in", on_click=st.login, key="sign_in")
    st.stop()

user = signed_in_user()
scope = current_scope()
if user.get("is_logged_in"):
    st.caption(f"Signed in as {plain_text(user.get('email') or user.get('name'))}")
    st.button("Sign out", on_click=st.logout, key="sign_out")
if settings().upload.local_mode:
    st.caption(
        "Local mode: anyone using this copy of the dashboard may upload (upload.local_mode in config/settings.yaml)."
    )
st.caption(
    f"You may write: {plain_text(scope.described())}. A file, or a rollback, touching any other area is refused "
    "before anything is written.",
    help="Set in config/settings.yaml (access): a partnership's uploaders write its footprint's areas and its local "
    "measures; the national role writes every area.",
)

st.markdown(
    "Load a **Fingertips download**, an **NDTMS ViewIt export** or the dashboard's **template** (CSV or Excel). "
    "Every problem is listed before anything is written; you see what will change and then commit. Every commit "
    "is a revision you can undo below."
)
c1, c2 = st.columns(2)
c1.download_button("Blank template (CSV)", template_csv(), "upload_template.csv", "text/csv")
c2.download_button(
    "Blank template (Excel)",
    template_xlsx(),
    "upload_template.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

fmt = st.selectbox(
    "Format",
    ["auto", "template", "fingertips", "ndtms"],
    key="upload_format",
    format_func=lambda f: {
        "auto": "Detect automatically",
        "template": "Dashboard template",
        "fingertips": "Fingertips download",
        "ndtms": "NDTMS ViewIt export",
    }[f],
)
max_mb = settings().upload.max_upload_mb
uploaded = st.file_uploader(
    f"File (CSV or .xlsx, up to {max_mb} MB)", type=["csv", "xlsx"], key="upload_file", max_upload_size=max_mb
)

if uploaded is not None:
    data = uploaded.getvalue()
    key = (uploaded.name, len(data), hash(data), fmt, scope)
    if st.session_state.get("prepared_key") != key:
        st.session_state.pop("committed", None)
        with st.status(f"Checking {plain_text(uploaded.name)} ...", expanded=True) as status:
            bar = st.progress(0.0)

            def progress(stage: str, frac: float | None) -> None:
                status.update(label=stage)
                if frac is not None:
                    bar.progress(min(1.0, frac))

            fd, tmp = tempfile.mkstemp(suffix=Path(uploaded.name).suffix.lower() or ".csv")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                prepared = prepare(tmp, file_name=uploaded.name, fmt=fmt, progress=progress, scope=scope)
            finally:
                os.unlink(tmp)
            bar.progress(1.0)
            status.update(label=f"Checked {plain_text(uploaded.name)}", state="complete", expanded=False)
        st.session_state["prepared"] = prepared
        st.session_state["prepared_key"] = key
    prepared = st.session_state["prepared"]

    st.subheader("Problems")
    problems = prepared.problems
    n_err = int((problems["severity"] == "error").sum())
    st.write(
        f"**{plain_text(prepared.file_name)}** read as **{prepared.file_format or 'unknown format'}**: "
        f"{len(prepared.rows):,} row{'' if len(prepared.rows) == 1 else 's'}, {n_err} error(s), "
        f"{len(problems) - n_err} warning(s)."
    )
    if problems.empty:
        st.success("No problems found.")
    else:
        # The message (what is wrong and what to do) is what the analyst reads: it gets the room, not the file name.
        st.dataframe(
            pr.problems_for_display(problems),
            hide_index=True,
            width="stretch",
            key="problems_table",
            column_config={
                "file": st.column_config.TextColumn("file", width="small"),
                "value": st.column_config.TextColumn("value", width="small"),
                "message": st.column_config.TextColumn("message", width="large"),
            },
        )
        # A cell cuts a long message; the first few are also written out in full, so the advice can be read.
        sentences = pr.problem_sentences(problems)
        more = len(problems) - len(sentences)
        st.markdown(
            "\n".join(f"- {plain_text(sentence)}" for sentence in sentences)
            + (f"\n\n{more:,} more in the table above and in the download." if more > 0 else "")
        )
        st.download_button(
            "Download problems (CSV)",
            neutralise_frame(problems).to_csv(index=False).encode("utf-8"),
            f"problems_{Path(prepared.file_name).stem}.csv",
            "text/csv",
            key="problems_csv",
        )
    if not prepared.ok:
        st.error("Nothing will be written. Fix the errors listed above and upload the file again.")
    elif st.session_state.get("committed") != key:
        st.subheader("What will change")
        s = store()
        # The revision the preview shown was computed against: a commit made since (on any server, or the command
        # line) changes what this upload would change, so the button then shows the new preview instead.
        shown_against = st.session_state.get("preview_revision", {}).get(key)
        latest = s.latest_revision()
        st.session_state["preview_revision"] = {key: latest}
        summary, by_area = preview(s, prepared)
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("New", f"{summary.new:,}")
        m2.metric("Changed", f"{summary.changed:,}", help="A value, interval, count or denominator changes")
        m3.metric(
            "Description changed",
            f"{summary.described:,}",
            help="Only the source or note changes; the figures stay as they are",
        )
        m4.metric("Unchanged", f"{summary.unchanged:,}")
        st.dataframe(pr.preview_for_display(by_area), hide_index=True, width="stretch", key="preview_by_area")
        changes = changed_rows(s, prepared, limit=1000)
        if not changes.empty:
            st.caption(
                "Changed rows first, then rows whose description alone changes, then new rows (now -> new), "
                "first 1,000:"
            )
            st.dataframe(pr.preview_for_display(changes), hide_index=True, width="stretch", key="preview_changes")
        clicked = st.button(f"Commit {len(prepared.rows):,} rows", type="primary", key="commit")
        if clicked and shown_against is not None and shown_against != latest:
            st.warning(
                f"Revision {latest} was committed since this preview was shown, so what this file changes may "
                "differ: the preview above is now up to date. Nothing was written; check it and commit again.",
                icon=":material/update:",
            )
        elif clicked:
            try:
                with st.spinner("Committing in one transaction ..."):
                    rid, written = commit(s, prepared, author=scope.who, scope=scope)
            except OutsideScope as exc:
                st.error(plain_text(exc))
            except Exception as exc:  # the transaction rolled back: the store is exactly as before
                st.error(
                    f"Nothing was written: the commit failed and was rolled back ({plain_text(exc)}). "
                    "The stored data is unchanged; try again, or report this message."
                )
            else:
                clear_caches()
                st.session_state["committed"] = key
                st.session_state["last_commit"] = (rid, written)
                st.rerun()  # the result and the new revision replace the preview and its Commit button
    if st.session_state.get("committed") == key and "last_commit" in st.session_state:
        rid, written = st.session_state["last_commit"]
        st.success(
            f"Committed as revision {rid}: {written.new:,} new, {written.changed:,} changed, "
            f"{written.described:,} with only their description changed, {written.unchanged:,} unchanged. "
            "It is listed under Revisions below, where it can be rolled back."
        )

st.subheader("Refresh from Fingertips")
fingertips_ids = list(fingertips_indicators(catalogue()))
st.markdown(
    f"Fetch the {len(fingertips_ids)} catalogue indicators that OHID publishes on Fingertips, for England, the "
    f"regions and every upper-tier authority, from {plain_text(fingertips_base_url())} (one request at a time). "
    "Each is read and checked like an uploaded file; you see what would change and then commit them as one "
    "revision, which can be rolled back below."
)
if st.button("Check Fingertips for new data", key="refresh_check"):
    st.session_state.pop("refresh_plan", None)
    st.session_state.pop("refresh_message", None)
    names = {iid: f"{iid} {plain_text(i.short_name)}" for iid, i in fingertips_indicators(catalogue()).items()}
    bars = {iid: st.progress(0.0, text=f"{names[iid]}: waiting") for iid in fingertips_ids}
    stage_fraction = {"fetching": 0.3, "checking": 0.7}

    def refresh_progress(n: int, of: int, iid: int, what: str) -> None:
        bars[iid].progress(stage_fraction.get(what, 1.0), text=f"{names[iid]}: {what}")

    client = api_client()
    try:
        st.session_state["refresh_planned_at"] = store().latest_revision()
        st.session_state["refresh_plan"] = plan_refresh(
            store(), fingertips_ids, client.fetch, progress=refresh_progress
        )
    except ServiceUnreachable as exc:
        st.error(f"{plain_text(exc)}.", icon=":material/cloud_off:")
    finally:
        client.close()
refresh_plan = st.session_state.get("refresh_plan")
if refresh_plan is not None:
    st.write(plain_text(refresh_plan.summary_line()))
    st.dataframe(refresh_plan.table(), hide_index=True, width="stretch", key="refresh_preview")
    if refresh_plan.to_write:
        n_rows = sum(r.rows for r in refresh_plan.to_write)
        committed_since = store().latest_revision() != st.session_state.get("refresh_planned_at")
        clicked = st.button(
            f"Commit {n_rows:,} rows from {len(refresh_plan.to_write)} indicators", type="primary", key="refresh_commit"
        )
        if clicked and committed_since:
            st.warning(
                "Another revision was committed since this check, so what the refresh changes may differ. Nothing "
                "was written: check Fingertips again, then commit.",
                icon=":material/update:",
            )
        elif clicked:
            try:
                with st.spinner("Committing in one transaction ..."):
                    written = commit_refresh(store(), refresh_plan, scope.who, scope=scope)
            except Exception as exc:  # the transaction rolled back: the store is exactly as before
                st.error(f"Nothing was written: the commit failed and was rolled back ({plain_text(exc)}).")
            else:
                clear_caches()
                st.session_state.pop("refresh_plan", None)
                if written is not None:
                    st.session_state["refresh_message"] = (
                        f"Committed the refresh as revision {written[0]}: {written[1].new:,} new, "
                        f"{written[1].changed:,} changed, {written[1].unchanged:,} unchanged. It is listed under "
                        "Revisions below, where it can be rolled back."
                    )
                st.rerun()
    else:
        st.info("Nothing to commit: every indicator is unchanged or failed.", icon=":material/info:")
if "refresh_message" in st.session_state:
    st.success(st.session_state["refresh_message"])

st.subheader("Revisions")
revs = store().revisions()
st.dataframe(pr.revisions_for_display(revs), hide_index=True, width="stretch", key="revisions_table")
described = dict(zip(revs["revision_id"], revs["description"]))
undoable = revs.loc[(revs["action"] != "build") & revs["rolled_back_by"].isna(), "revision_id"].tolist()
if undoable:
    r1, r2 = st.columns([3, 1])
    target = r1.selectbox(
        "Undo a revision",
        undoable,
        key="rollback_target",
        format_func=lambda r: f"Revision {r}: {described.get(r, '')}",
    )
    if r2.button("Roll back ...", key="rollback"):
        st.session_state["rollback_confirm"] = int(target)
confirming = st.session_state.get("rollback_confirm")
if confirming is not None:
    plan = rollback_plan(store(), int(confirming), scope=scope)
    if plan.refused:
        st.error(
            f"Revision {confirming} cannot be rolled back: {plain_text(plan.refused.removesuffix('.'))}."
            + ("" if "Nothing was written" in plan.refused else " Nothing was written.")
        )
        st.session_state.pop("rollback_confirm", None)
    else:
        with st.container(border=True, key="rollback_confirmation"):
            st.warning(
                f"Roll back revision {confirming} ({plain_text(plan.description)})? This restores {plan.restored:,} "
                f"row(s) or item(s) to their values before it and removes {plan.removed:,} it added"
                + (f"; {plan.kept:,} row(s) changed by a later revision are kept" if plan.kept else "")
                + ". The rollback is itself recorded as a new revision.",
                icon=":material/undo:",
            )
            if len(plan.cells) or plan.words.empty:
                st.dataframe(
                    pr.rollback_plan_for_display(plan.cells.head(500)),
                    hide_index=True,
                    width="stretch",
                    key="rollback_cells",
                )
            if len(plan.words):  # the board paper's words (issue 31): plan actions, commentary, paper details
                st.dataframe(plan.words, hide_index=True, width="stretch", key="rollback_words")
            b1, b2 = st.columns(2)
            if b1.button(f"Confirm: roll back revision {confirming}", type="primary", key="rollback_confirmed"):
                st.session_state.pop("rollback_confirm", None)
                try:
                    new_rid, summary, conflicts = rollback(store(), int(confirming), scope.who, scope=scope)
                except Exception as exc:
                    st.error(f"Nothing was rolled back ({plain_text(exc)}). The stored data is unchanged.")
                else:
                    clear_caches()
                    st.session_state["rollback_message"] = (
                        f"Rolled back revision {confirming} as revision {new_rid}: {summary.changed:,} restored, "
                        f"{summary.removed:,} removed" + (f", {conflicts:,} kept (changed later)" if conflicts else "")
                    )
                    st.rerun()
            if b2.button("Cancel", key="rollback_cancel"):
                st.session_state.pop("rollback_confirm", None)
                st.rerun()
if "rollback_message" in st.session_state:
    st.success(st.session_state.pop("rollback_message"))
