import pytest

from tests.pages.helpers import all_text, run_page

pytestmark = pytest.mark.usefixtures("built_db")


def test_every_entry_listed():
    from metrics.catalogue import default_catalogue

    at = run_page("definitions")
    # every entry but the restricted ones, which nobody signed out sees (tests/pages/test_restricted.py)
    assert len(at.expander) == len([i for i in default_catalogue().indicators if not i.restricted])
    assert f"{len(at.expander)} of {len(at.expander)} indicators" in all_text(at)


def test_link_to_one_metric():
    at = run_page("definitions", metric="continuity_of_care")
    text = all_text(at)
    assert "Continuity of care (prison release)" in text
    assert "National target 75% by end of 2023" in text
    assert "Wilson score interval" in text and "Higher is better" in text
    assert "Fingertips indicator ID" in text
    assert len(at.expander) == 0


def test_unknown_key_warns_and_lists_all():
    at = run_page("definitions", metric="no_such_metric")
    assert any("no_such_metric" in w.value for w in at.warning)
    assert len(at.expander) > 10


def test_search_filters():
    at = run_page("definitions")
    at.text_input(key="q").input("naloxone").run()
    assert len(at.expander) == 1
    assert "Naloxone" in at.expander[0].label
    at.text_input(key="q").input("zzzz nothing").run()
    assert len(at.expander) == 0
    assert any("No indicator matches" in i.value for i in at.info)


def test_an_opened_entry_shows_its_definition():
    at = run_page("definitions")
    assert "Wilson score interval" not in all_text(at)  # entries are written when opened
    at.session_state["entry_continuity_of_care"] = True
    at.run()
    assert not at.exception
    text = all_text(at)
    assert "Wilson score interval" in text and "National target 75% by end of 2023" in text


def test_an_entry_says_which_breakdowns_are_loaded():
    deaths = all_text(run_page("definitions", metric="drug_misuse_deaths"))
    assert "Breakdowns loaded:** Female, Male ([Inequalities](inequalities?metric=drug_misuse_deaths))" in deaths
    assert "Breakdowns loaded:** None (totals only)" in all_text(run_page("definitions", metric="continuity_of_care"))
