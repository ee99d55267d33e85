"""England, its 9 regions, the 153 current upper-tier local authorities and the CDP footprints.

Loaded from config/areas/*.csv and config/footprints.yaml. Fingertips still publishes a few authorities
under retired codes (Barnsley, Sheffield): `resolve_code` maps them to the current ones.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from metrics.paths import CONFIG_DIR

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str  # one of metrics.vocabulary.AREA_LEVELS
    region_code: str | None = None
    members: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass
class Geography:
    areas: dict[str, Area]
    legacy_codes: dict[str, str]
    retired: dict[str, str] = field(default_factory=dict)  # retired code -> name (terminated authorities)

    def get(self, code: str) -> Area:
        return self.areas[code]

    def of_level(self, level: str) -> list[Area]:
        return sorted((a for a in self.areas.values() if a.level == level), key=lambda a: a.name)

    def regions(self) -> list[Area]:
        return self.of_level("region")

    def utlas(self) -> list[Area]:
        return self.of_level("utla")

    def footprints(self) -> list[Area]:
        return self.of_level("cdp")

    def region_of(self, code: str) -> Area | None:
        area = self.areas.get(code)
        if area is None or area.region_code is None:
            return None
        return self.areas.get(area.region_code)

    def resolve_code(self, code: str) -> str | None:
        """The current code for a code found in a file, or None when unknown."""
        code = (code or "").strip().upper()
        if code in self.areas:
            return code
        return self.legacy_codes.get(code)

    def find_by_name(self, name: str) -> Area | None:
        """Match an area name as NDTMS and others write it ("Herefordshire" for "Herefordshire, County of")."""
        wanted = _normalise_name(name)
        for area in self.areas.values():
            if _normalise_name(area.name) == wanted:
                return area
        return None

    def suggest(self, text: str) -> Area | None:
        """The nearest area to a wrong code or name, for 'did you mean ...?' messages."""
        text = (text or "").strip()
        if not text:
            return None
        upper = text.upper()
        if upper in self.retired:
            # A terminated authority: suggest the live one with the same name, else nothing.
            return self.find_by_name(self.retired[upper])
        codes = difflib.get_close_matches(upper, list(self.areas), n=1, cutoff=0.75)
        if codes:
            return self.areas[codes[0]]
        names = {_normalise_name(a.name): a for a in self.areas.values()}
        match = difflib.get_close_matches(_normalise_name(text), list(names), n=1, cutoff=0.7)
        return names[match[0]] if match else None


def _normalise_name(name: str) -> str:
    name = (name or "").lower().replace("&", "and").replace(", county of", "").replace(", city of", "")
    name = name.replace("city of ", "").replace("county of ", "")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in name).split())


def load_geography(config_dir: Path | None = None) -> Geography:
    config_dir = config_dir or CONFIG_DIR
    areas: dict[str, Area] = {ENGLAND_CODE: Area(ENGLAND_CODE, ENGLAND_NAME, "england")}
    with open(config_dir / "areas" / "regions.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            areas[row["region_code"]] = Area(row["region_code"], row["region_name"], "region", ENGLAND_CODE)
    retired: dict[str, str] = {}
    with open(config_dir / "areas" / "upper_tier_local_authorities.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["new_la_code"].strip()
            if not code.startswith("E") or "/" in code:
                continue
            if row["status"].strip() != "live":
                retired[code] = row["la_name"].strip()
                continue
            areas[code] = Area(code, row["la_name"].strip(), "utla", row["parent_geography_code"].strip())
    spec = yaml.safe_load((config_dir / "footprints.yaml").read_text(encoding="utf-8")) or {}
    for fp in spec.get("footprints") or []:
        members = tuple(fp["members"])
        unknown = [m for m in members if m not in areas or areas[m].level != "utla"]
        if unknown:
            raise ValueError(f"{config_dir / 'footprints.yaml'}: footprint {fp['code']!r}: unknown members {unknown}")
        regions = {areas[m].region_code for m in members}
        areas[fp["code"]] = Area(
            fp["code"], fp["name"], "cdp", regions.pop() if len(regions) == 1 else ENGLAND_CODE, members
        )
    legacy = {str(k): str(v) for k, v in (spec.get("legacy_codes") or {}).items()}
    return Geography(areas=areas, legacy_codes=legacy, retired=retired)


@lru_cache(maxsize=1)
def default_geography() -> Geography:
    return load_geography()
