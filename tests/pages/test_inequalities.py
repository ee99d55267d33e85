import pytest

from metrics.safety import plain_text
from tests.pages.helpers import all_text, frames, open_part, plotly_specs, run_page


@pytest.mark.parametrize("area", ["E06000060", "E10000034", "E10000025"])
def test_an_authority_opens_on_an_indicator_with_its_breakdowns(built_db, area):
    # The first indicator with breakdowns is the CSEW survey's, England and Wales only: not the one to open on. The
    # ONS drug misuse deaths are real by sex for every authority.
    at = run_page("inequalities", area=area)
    assert at.session_state["_w_metric"] == "drug_misuse_deaths"
    specs = plotly_specs(at)
    assert specs and "<br>by sex" in specs[0]["layout"]["title"]["text"]
    assert not at.dataframe  # each table is built when its part is opened
    open_part(at, "table_sex")
    assert frames(at)[0]["Group"].tolist() == ["Male", "Female"]


def test_an_area_without_breakdowns_says_so_and_links_those_that_have_some(built_db):
    # the joint CDP: a directly standardised rate is never aggregated, so it has no breakdowns of its own
    at = run_page("inequalities", area="CDP0001")
    text = all_text(at)
    assert "No indicator has values by sex, age group or deprivation for Herefordshire and Worcestershire CDP" in text
    assert "[England](inequalities?area=E92000001)" in text
    assert not plotly_specs(at)


def test_england_opens_on_an_indicator_it_has_breakdowns_of(built_db):
    # an indicator the area has no breakdowns of, named in the URL, gives way to one it has
    at = run_page("inequalities", area="E92000001", metric="continuity_of_care")
    assert at.session_state["_w_metric"] in ("drug_misuse_deaths", "drug_use_last_year")
    assert plotly_specs(at)


def test_an_area_opens_on_its_own_breakdowns(breakdowns_db):
    at = run_page("inequalities", area="E10000034")
    assert at.session_state["_w_metric"] in ("drug_misuse_deaths", "continuity_of_care")
    assert len(plotly_specs(at)) >= 2  # by sex at least, and over time


@pytest.mark.parametrize("area", ["E10000034", "E10000025", "E06000060", "CDP0001"])
def test_groups_by_sex_age_and_deprivation(breakdowns_db, area):
    at = run_page("inequalities", area=area, metric="continuity_of_care")
    specs = plotly_specs(at)
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert [t.split("<br>by ")[1].split(",")[0] for t in titles[:3]] == ["sex", "age group", "deprivation"]
    assert "over time" in titles[3]
    for part in ("table_sex", "table_age", "table_deprivation"):
        open_part(at, part)
    sex, age, deprivation = frames(at)[:3]
    assert sex["Group"].tolist() == ["Male", "Female"]
    assert age["Group"].tolist() == ["Age 18-29", "Age 30-49", "Age 50+"]
    assert deprivation["Group"].iloc[0] == "IMD quintile 1 (most deprived)"
    name = at.session_state["_w_area"]
    overall = [c for c in sex.columns if c.startswith("Compared with") and c.endswith("overall")]
    assert overall and set(sex[overall[0]]) <= {"Better", "Similar", "Worse"}
    assert set(sex["Compared with England (same group)"]) <= {"Better", "Similar", "Worse"}
    assert all(" to " in ci for ci in sex["95% CI"])
    assert name == area
    assert plain_text("compared with England's Male") in all_text(at)  # the words hold data text: escaped


def test_breakdown_values_are_the_stored_ones(breakdowns_db):
    from metrics.store import Store

    at = run_page("inequalities", area="E10000034", metric="continuity_of_care")
    with Store(breakdowns_db, read_only=True) as store:
        rows = store.breakdown_series("continuity_of_care", ["E10000034"])
    female = rows[(rows["breakdown"] == "Female") & (rows["period"] == "2023/24")].iloc[0]
    sex = frames(open_part(at, "table_sex"))[0]
    assert sex.loc[sex["Group"] == "Female", "Value"].item() == f"{female['value']:.1f}%"
