"""The indicator catalogue: the real config loads, and a broken entry stops start-up with a precise message."""

from pathlib import Path

import pytest
import yaml

from metrics.catalogue import CatalogueError, load_catalogue

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_real_catalogue_has_the_framework():
    cat = load_catalogue()
    tiers = [i.tier for i in cat.indicators]
    assert tiers.count("headline") == 11
    assert tiers.count("supporting") == 18
    assert {o.key for o in cat.outcomes} == {
        "reduce_drug_use",
        "reduce_drug_crime",
        "reduce_deaths_harm",
        "reduce_supply",
        "treatment_engagement",
        "recovery_outcomes",
    }
    by_key = cat.by_key()
    coc = by_key["continuity_of_care"]
    assert coc.polarity == "higher_is_better" and coc.unit == "%" and coc.fingertips_id == 92544
    assert coc.target.value == 75
    assert by_key["drug_misuse_deaths"].value_type == "dsr"
    assert by_key["county_lines_closed"].published_locally is False
    # every outcome has exactly two headline metrics except "reduce drug use"/"crime"/... as in seed 004
    headline_by_outcome = {}
    for i in cat.indicators:
        if i.tier == "headline":
            headline_by_outcome.setdefault(i.outcome, []).append(i.key)
    assert len(headline_by_outcome["recovery_outcomes"]) == 1
    assert sum(len(v) for v in headline_by_outcome.values()) == 11


def test_ordered_puts_headline_first_within_outcome():
    cat = load_catalogue()
    ordered = cat.ordered()
    first_of_recovery = next(i for i in ordered if i.outcome == "recovery_outcomes")
    assert first_of_recovery.tier == "headline"


def _broken_copy(tmp_path, mutate) -> Path:
    data = yaml.safe_load((CONFIG / "indicators.yaml").read_text())
    mutate(data["indicators"])
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_missing_polarity_names_file_entry_and_field(tmp_path):
    path = _broken_copy(tmp_path, lambda inds: inds[1].pop("polarity"))
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    msg = str(exc.value)
    assert str(path) in msg and "'ocu_prevalence'" in msg and "'polarity' is missing" in msg


def test_unknown_unit_names_the_field_and_allowed_values(tmp_path):
    def bad(inds):
        inds[0]["unit"] = "percent"

    path = _broken_copy(tmp_path, bad)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    msg = str(exc.value)
    assert "'drug_use_last_year'" in msg and "'unit'" in msg and "'percent'" in msg and "'%'" in msg


def test_duplicate_key_is_refused(tmp_path):
    def dup(inds):
        inds.append(dict(inds[0]))

    path = _broken_copy(tmp_path, dup)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    msg = str(exc.value)
    assert "'drug_use_last_year'" in msg and "field 'key' duplicates" in msg


def test_multiplier_must_match_unit(tmp_path):
    def bad(inds):
        inds[1]["multiplier"] = 100000

    path = _broken_copy(tmp_path, bad)
    with pytest.raises(CatalogueError, match=r"ocu_prevalence.*multiplier 100000 does not match unit"):
        load_catalogue(path, local_path=tmp_path / "none.yaml")


def test_unknown_outcome_is_refused(tmp_path):
    def bad(inds):
        inds[0]["outcome"] = "reduce_everything"

    path = _broken_copy(tmp_path, bad)
    with pytest.raises(CatalogueError, match="field 'outcome' has 'reduce_everything'"):
        load_catalogue(path, local_path=tmp_path / "none.yaml")


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text("outcomes: [\n")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(path, local_path=tmp_path / "none.yaml")


def test_local_measures_need_their_areas(tmp_path):
    local = yaml.safe_load((CONFIG / "local_metrics.yaml").read_text())
    local["indicators"][0].pop("areas")
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(local))
    with pytest.raises(CatalogueError, match=r"naloxone_coverage_opiate.*must list the `areas`"):
        load_catalogue(CONFIG / "indicators.yaml", local_path=path)


def test_cli_refuses_to_start_with_a_broken_catalogue(tmp_path):
    import os
    import subprocess
    import sys

    path = _broken_copy(tmp_path, lambda inds: inds[2].pop("polarity"))
    env = {**os.environ, "CDOF_CATALOGUE": str(path)}
    out = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--db", str(tmp_path / "none.duckdb")],
        cwd=CONFIG.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "'homelessness_drug_need'" in out.stderr and "'polarity' is missing" in out.stderr
    assert str(path) in out.stderr


# ---- value_is_count_ratio (issue 29): whether the publisher's value is count / denominator x multiplier


def test_every_entry_says_whether_its_value_is_count_over_denominator():
    for name in ("indicators.yaml", "local_metrics.yaml"):
        for entry in yaml.safe_load((CONFIG / name).read_text())["indicators"]:
            assert isinstance(entry.get("value_is_count_ratio"), bool), f"{name}: {entry['key']}"


def test_value_is_count_ratio_follows_what_the_publishers_figures_do():
    by_key = load_catalogue().by_key()
    ratio = {k for k, i in by_key.items() if i.value_is_count_ratio}
    # modelled prevalence and unmet need: modelled counts, yet value = count / denominator x multiplier
    assert {"ocu_prevalence", "unmet_need_ocu", "unmet_need_alcohol"} <= ratio
    assert all(by_key[k].estimate for k in ("ocu_prevalence", "unmet_need_ocu", "unmet_need_alcohol"))
    # weighted surveys publish a weighted % beside an unweighted base
    for key in ("drug_use_last_year", "pupils_ok_to_try_drugs", "adults_drinking_over_14_units", "residents_feel_safe"):
        assert key not in ratio
    # a DSR or a count is never a ratio; every other proportion and crude rate is
    for key, ind in by_key.items():
        if ind.value_type in ("dsr", "count"):
            assert key not in ratio
    assert {k for k, i in by_key.items() if i.value_type in ("proportion", "crude_rate") and k not in ratio} == {
        "drug_use_last_year",
        "pupils_ok_to_try_drugs",
        "adults_drinking_over_14_units",
        "residents_feel_safe",
    }


def test_missing_value_is_count_ratio_names_file_entry_and_field(tmp_path):
    path = _broken_copy(tmp_path, lambda inds: inds[1].pop("value_is_count_ratio"))
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    msg = str(exc.value)
    assert str(path) in msg and "'ocu_prevalence'" in msg and "'value_is_count_ratio' is missing" in msg


@pytest.mark.parametrize(
    "key, why",
    [("drug_misuse_deaths", "a DSR is age-standardised"), ("numbers_in_treatment", "a count has no denominator")],
)
def test_value_is_count_ratio_is_refused_for_a_dsr_or_a_count(tmp_path, key, why):
    def bad(inds):
        next(i for i in inds if i["key"] == key)["value_is_count_ratio"] = True

    path = _broken_copy(tmp_path, bad)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path, local_path=tmp_path / "none.yaml")
    msg = str(exc.value)
    assert f"'{key}'" in msg and why in msg and "set it to false" in msg


def test_every_national_metric_says_where_its_data_comes_from():
    """A Fingertips ID (loaded by `refresh`) or how_to_get (shown on Definitions) for every framework metric; an ID
    is marked confirmed only for the IDs seen with their names in a real API body or API-calling code."""
    from metrics.catalogue import load_catalogue

    national = [i for i in load_catalogue().indicators if i.tier != "local"]
    assert [i.key for i in national if not i.fingertips_id and not i.how_to_get] == []
    confirmed = {i.fingertips_id for i in national if i.fingertips_id and i.fingertips_id_confirmed}
    assert confirmed == {93517, 93532, 92432, 90245, 92906}
