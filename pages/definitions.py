"""Definitions: every catalogue entry, searchable; /definitions?metric=KEY shows one."""

import streamlit as st

from metrics import presentation as pr
from metrics.columns import DEFAULT_BREAKDOWN
from metrics.vocabulary import CI_METHOD_WORDS, PERIOD_KIND_DESCRIPTIONS, POLARITY_WORDS
from pages import common

cat = common.catalogue()
geo = common.geography()

FREQUENCY = {
    "annual": "Annual",
    "quarterly": "Quarterly",
    "rolling_12_months": "Rolling 12 months",
    "three_year_pooled": "Three years pooled",
    "biennial": "Every two years",
    "periodic": "Periodic",
}


def show(ind) -> None:
    st.markdown(f"**{ind.name}**")
    fields = {
        "Short name": ind.short_name,
        "Key (for links and uploads)": f"`{ind.key}`",
        "Outcome": cat.outcome_name(ind.outcome),
        "Tier": ind.tier.capitalize() + (" (a local measure of this partnership)" if ind.tier == "local" else ""),
        "Definition": ind.definition,
        "Unit": pr.unit_words(ind.unit),
        "Polarity": POLARITY_WORDS[ind.polarity],
        "Confidence interval method": CI_METHOD_WORDS[ind.ci_method],
        "Compared with England": "Yes" if ind.benchmarkable else "No (counts of different sizes are not compared)",
        "Source": ind.source,
        "Geography": "Published for " + ind.geography_words,
        "Frequency": FREQUENCY.get(ind.frequency, ind.frequency),
        "Period": PERIOD_KIND_DESCRIPTIONS.get(ind.period_kind, ind.period_kind),
        "Fingertips indicator ID": (
            f"[{ind.fingertips_id}](https://fingertips.phe.org.uk/search/{ind.fingertips_id})"
            + ("" if ind.fingertips_id_confirmed else " (unconfirmed: seen only in secondary sources)")
            if ind.fingertips_id
            else "None"
        ),
        "Targets": "; ".join(
            t.label
            + (f" (value {t.value:g}" + (f", by {t.by:%d %B %Y}" if t.by else "") + ")")
            + (f", source: {t.source}" if t.source else "")
            for t in ind.targets
        )
        or "None",
    }
    if ind.areas:
        fields["Used by"] = ", ".join(geo.get(a).name if a in geo.areas else a for a in ind.areas)
    # (status_note is the catalogue's own bookkeeping for analysts, not shown to readers)
    loaded = common.series(ind.key, list(geo.areas))
    fields["Data loaded"] = "; ".join(pr.loaded_data_words(loaded, {c: a.level for c, a in geo.areas.items()}))
    sources = sorted({pr.short_source(s) for s in loaded["source"] if isinstance(s, str)}) if not loaded.empty else []
    if sources:
        fields["Sources of the loaded figures"] = "; ".join(sources)
    groups = [b for b in common.breakdowns_for_metric(ind.key) if b != DEFAULT_BREAKDOWN]
    fields["Breakdowns loaded"] = (
        f"{', '.join(groups)} ([Inequalities](inequalities?metric={ind.key}))" if groups else "None (totals only)"
    )
    fields["Where to get the real data"] = pr.where_to_get_real_data(ind.fingertips_id, ind.source, ind.how_to_get)
    fields["Real figures last loaded"] = _last_load_words(ind.key)
    st.markdown("\n".join(f"- **{k}:** {v}" for k, v in fields.items()))
    st.markdown(
        f"[Trends](trends?metric={ind.key}) · [Compare areas](compare?metric={ind.key}) · "
        f"[Link to this definition](definitions?metric={ind.key})"
    )


def _last_load_words(metric_key: str) -> str:
    """When and from where the metric's current real figures were last written (a refresh, an upload, the build)."""
    last = common.store().last_real_load(metric_key)
    if last is None:
        return "Never (no real figures are loaded)"
    when = f"{last['created_at']:%d %B %Y %H:%M} UTC".lstrip("0")
    what = {"build": "the default build", "rollback": "a rollback"}.get(last["action"], "an upload")
    name = last["file_name"] or ""
    if name.startswith("Fingertips refresh"):  # the refresh's name lists its indicators; a file's name says little
        what = f"a refresh from Fingertips ({name})"
    return f"{when}, by {what}, revision {last['revision_id']}"


common.page_header(
    "Definitions",
    "What each indicator measures, its unit, which direction is better, how its confidence interval is "
    "calculated, where it comes from and for which areas it is published.",
)

wanted = st.query_params.get("metric")
if wanted:
    if wanted in cat.by_key():
        ind = cat.get(wanted)
        st.subheader(ind.short_name)
        show(ind)
        st.markdown("[Show all definitions](definitions)")
        st.stop()
    if wanted not in common.full_catalogue().by_key():  # (a restricted one: the header's placeholder says why)
        st.warning(f"No indicator has the key {wanted!r}; all definitions are listed below.")

query = st.text_input(
    "Search the definitions",
    key="q",
    bind="query-params",
    placeholder="e.g. treatment, deaths, per 100,000, Fingertips ID",
)
terms = query.lower().split()
matched = []
for ind in cat.ordered():
    text = " ".join(
        [
            ind.key,
            ind.name,
            ind.short_name,
            ind.definition,
            ind.source,
            ind.unit,
            cat.outcome_name(ind.outcome),
            str(ind.fingertips_id or ""),
        ]
    ).lower()
    if all(t in text for t in terms):
        matched.append(ind)

st.caption(f"{len(matched)} of {len(cat.indicators)} indicators" + (f" match “{query}”." if query else "."))
if not matched:
    st.info("No indicator matches the search. Try fewer or shorter words.", icon=":material/info:")
for outcome in cat.outcomes:
    part = [i for i in matched if i.outcome == outcome.key]
    if not part:
        continue
    st.markdown(f"#### {outcome.name}")
    for ind in part:
        # The entry's text is written only when it is opened: closed expanders still cost the browser their
        # contents, and there are dozens of entries.
        entry = st.expander(
            f"{ind.short_name} · {ind.unit} · {ind.tier}",
            expanded=len(matched) <= 3,
            key=f"entry_{ind.key}",
            on_change="rerun",
        )
        if entry.open:
            with entry:
                show(ind)
