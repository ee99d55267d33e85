import pytest

from metrics.safety import plain_text
from tests.pages.helpers import all_text, frames, plotly_specs, run_page


def test_an_area_without_breakdowns_is_sent_to_england(built_db):
    # The built database's only breakdowns are the real CSEW survey's, for England and Wales: an authority has none.
    at = run_page("inequalities", area="E06000060")
    assert "England has some: choose England above." in all_text(at)
    assert not plotly_specs(at)


@pytest.mark.parametrize("area", ["E10000034", "E10000025", "E06000060", "CDP0001"])
def test_groups_by_sex_age_and_deprivation(breakdowns_db, area):
    at = run_page("inequalities", area=area, metric="continuity_of_care")
    specs = plotly_specs(at)
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert [t.split("<br>by ")[1].split(",")[0] for t in titles[:3]] == ["sex", "age group", "deprivation"]
    assert "over time" in titles[3]
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
    sex = frames(at)[0]
    assert sex.loc[sex["Group"] == "Female", "Value"].item() == f"{female['value']:.1f}%"
