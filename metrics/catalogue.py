"""The indicator catalogue: every metric the dashboard knows, loaded from config/ and validated.

A bad entry stops start-up with a `CatalogueError` naming the file, the entry and the field, because a metric
with a wrong polarity or unit would make every verdict about it wrong.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from metrics.paths import CONFIG_DIR
from metrics.vocabulary import CIMethod, PeriodKind, Polarity, ValueType

Tier = Literal["headline", "supporting", "related", "local"]
Unit = Literal["%", "per 1,000", "per 10,000", "per 100,000", "count"]
Geography = Literal[
    "local_authority", "region", "england", "england_and_wales", "police_force_area", "national_internal"
]
Frequency = Literal["annual", "quarterly", "rolling_12_months", "three_year_pooled", "biennial", "periodic"]

TIER_ORDER = {"headline": 0, "supporting": 1, "related": 2, "local": 3}

# Which geography levels hold values for an indicator published at a given lowest geography.
# "region" data also has England; local-authority data has all three levels.
GEOGRAPHY_LEVELS: dict[str, tuple[str, ...]] = {
    "local_authority": ("england", "region", "utla"),
    "region": ("england", "region"),
    "england": ("england",),
    "england_and_wales": ("england",),
    "police_force_area": ("england",),
    "national_internal": ("england",),
}

GEOGRAPHY_WORDS = {
    "local_authority": "upper-tier local authorities",
    "region": "regions and England only",
    "england": "England only",
    "england_and_wales": "England and Wales only",
    "police_force_area": "police force areas (not held here for local authorities); England shown",
    "national_internal": "nationally, from internal Home Office data",
}

# The interval methods that fit each value type; "none" where the publisher gives no interval (a complete count,
# such as NDTMS numbers in treatment or police recorded crime, has no sampling error to show).
CI_METHODS_FOR: dict[str, tuple[str, ...]] = {
    "proportion": ("wilson", "none"),
    "crude_rate": ("byars", "none"),
    "count": ("byars", "none"),
    "dsr": ("dobson", "none"),
}

EXPECTED_MULTIPLIER = {"%": 100, "per 1,000": 1000, "per 10,000": 10000, "per 100,000": 100000, "count": 1}


class CatalogueError(ValueError):
    """A catalogue file is unusable; the message names the file, the entry and the field."""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    label: str
    by: date | None = None
    source: str | None = None


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    name: str
    kind: Literal["strategic", "intermediate"]


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short_name: str
    outcome: str
    tier: Tier
    definition: str
    unit: Unit
    value_type: ValueType
    multiplier: int
    polarity: Polarity
    ci_method: CIMethod
    benchmarkable: bool = True
    # Whether the publisher's value is count / denominator x multiplier: an upload's value is then checked against
    # its count and denominator. Required, so that each metric's entry says what its publisher's figures do.
    value_is_count_ratio: bool
    # An estimate (a prevalence model, a weighted survey): its counts are modelled, so a whole count or denominator
    # written for one may have been rounded and the check allows it +/- 0.5.
    estimate: bool = False
    # A projection (a target trajectory, a forecast) may hold periods that have not ended yet; any other metric's
    # upload is refused a period ending after today.
    projection: bool = False
    # Restricted (a partnership-only release such as NDTMS-ONS deaths in treatment): shown only to signed-in members
    # of a partnership containing the area (metrics.visibility), hidden from everyone else everywhere.
    restricted: bool = False
    source: str
    geography: Geography
    frequency: Frequency
    period_kind: PeriodKind
    fingertips_id: int | None = None
    # The ID was seen with this indicator's name in a real API body or in code that calls the API; otherwise it
    # comes from secondary sources, and a refresh says so beside the name the API publishes.
    fingertips_id_confirmed: bool = False
    how_to_get: str | None = None  # where the data comes from and how to load it (Definitions shows it)
    targets: tuple[Target, ...] = ()
    areas: tuple[str, ...] = ()
    status_note: str | None = None

    @field_validator("multiplier")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("multiplier must be a positive whole number")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        expected = EXPECTED_MULTIPLIER[self.unit]
        if self.multiplier != expected:
            raise ValueError(f"multiplier {self.multiplier} does not match unit {self.unit!r} (expected {expected})")
        if self.value_type == "proportion" and self.unit != "%":
            raise ValueError("a proportion must have unit '%'")
        if self.value_type == "count" and self.unit != "count":
            raise ValueError("a count must have unit 'count'")
        if self.value_type in ("crude_rate", "dsr") and not self.unit.startswith("per "):
            raise ValueError(f"a {self.value_type} must have a 'per ...' unit")
        if self.value_is_count_ratio and self.value_type not in ("proportion", "crude_rate"):
            why = "a DSR is age-standardised" if self.value_type == "dsr" else "a count has no denominator"
            raise ValueError(
                f"value_is_count_ratio is true for a {self.value_type}, but {why}: only a proportion or a crude "
                "rate can be count / denominator x multiplier; set it to false"
            )
        if self.ci_method not in CI_METHODS_FOR[self.value_type]:
            allowed = " or ".join(repr(m) for m in CI_METHODS_FOR[self.value_type])
            raise ValueError(f"ci_method {self.ci_method!r} does not fit a {self.value_type}: expected {allowed}")
        if self.tier == "local" and not self.areas:
            raise ValueError("a local measure must list the `areas` that use it")
        return self

    @property
    def target(self) -> Target | None:
        return self.targets[0] if self.targets else None

    @property
    def levels(self) -> tuple[str, ...]:
        """The geography levels ('england', 'region', 'utla') that can hold published values."""
        return GEOGRAPHY_LEVELS[self.geography]

    @property
    def published_locally(self) -> bool:
        return "utla" in self.levels

    @property
    def geography_words(self) -> str:
        return GEOGRAPHY_WORDS[self.geography]


class Catalogue(BaseModel):
    outcomes: tuple[Outcome, ...]
    indicators: tuple[Indicator, ...]

    def by_key(self) -> dict[str, Indicator]:
        return {i.key: i for i in self.indicators}

    def get(self, key: str) -> Indicator:
        try:
            return self.by_key()[key]
        except KeyError:
            raise KeyError(f"unknown metric {key!r}") from None

    def period_kinds(self) -> dict[str, str]:
        """Each metric's kind of period: the kind its "latest" period is taken from on every page."""
        return {i.key: i.period_kind for i in self.indicators}

    def outcome_name(self, key: str) -> str:
        return next(o.name for o in self.outcomes if o.key == key)

    def ordered(self) -> list[Indicator]:
        """Outcome order, then headline, supporting, related, local, then catalogue order."""
        outcome_rank = {o.key: n for n, o in enumerate(self.outcomes)}
        position = {i.key: n for n, i in enumerate(self.indicators)}
        return sorted(self.indicators, key=lambda i: (outcome_rank[i.outcome], TIER_ORDER[i.tier], position[i.key]))


# libyaml's safe loader where PyYAML has it: the catalogue loads on every server's first page, and the pure-Python
# parser is slow.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file not found") from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: expected a mapping at the top level")
    return data


def _entry_error(path: Path, entry: dict, position: int, exc: ValidationError) -> CatalogueError:
    key = entry.get("key") if isinstance(entry, dict) else None
    who = f"entry {key!r}" if key else f"entry #{position + 1}"
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(entry)"
        if err["type"] == "missing":
            problems.append(f"field {field!r} is missing")
        elif err["type"] == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            problems.append(f"field {field!r} has {err.get('input')!r}; expected one of {allowed}")
        elif err["type"] == "extra_forbidden":
            problems.append(f"field {field!r} is not a known field")
        else:
            problems.append(f"field {field!r}: {err['msg']}")
    return CatalogueError(f"{path}: {who}: " + "; ".join(problems))


def load_catalogue(indicators_path: Path | None = None, local_path: Path | None = None) -> Catalogue:
    """Load and validate the national catalogue and the local measures."""
    # $CDOF_CATALOGUE names another catalogue file (a copy under review, or a test's broken one).
    indicators_path = indicators_path or Path(os.environ.get("CDOF_CATALOGUE") or CONFIG_DIR / "indicators.yaml")
    local_path = local_path if local_path is not None else CONFIG_DIR / "local_metrics.yaml"
    main = _read_yaml(indicators_path)
    try:
        outcomes = tuple(Outcome.model_validate(o) for o in main.get("outcomes") or [])
    except ValidationError as exc:
        raise CatalogueError(f"{indicators_path}: outcomes: {exc.errors()[0]['msg']}") from None
    if not outcomes:
        raise CatalogueError(f"{indicators_path}: field 'outcomes' is missing or empty")
    outcome_keys = {o.key for o in outcomes}

    indicators: list[Indicator] = []
    seen: dict[str, Path] = {}
    sources = [(indicators_path, main.get("indicators"))]
    if local_path and local_path.exists():
        sources.append((local_path, _read_yaml(local_path).get("indicators")))
    for path, entries in sources:
        if not isinstance(entries, list) or not entries:
            raise CatalogueError(f"{path}: field 'indicators' is missing or empty")
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise CatalogueError(f"{path}: entry #{n + 1}: expected a mapping of fields")
            try:
                indicator = Indicator.model_validate(entry)
            except ValidationError as exc:
                raise _entry_error(path, entry, n, exc) from None
            if indicator.key in seen:
                raise CatalogueError(
                    f"{path}: entry {indicator.key!r}: field 'key' duplicates an entry in {seen[indicator.key]}"
                )
            if indicator.outcome not in outcome_keys:
                raise CatalogueError(
                    f"{path}: entry {indicator.key!r}: field 'outcome' has {indicator.outcome!r}; "
                    f"expected one of {sorted(outcome_keys)}"
                )
            seen[indicator.key] = path
            indicators.append(indicator)
    return Catalogue(outcomes=outcomes, indicators=tuple(indicators))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue from config/, loaded once per process."""
    return load_catalogue()
