"""Restricted metrics: who sees them, and the one filter every read the pages, downloads, chart images, export and
report draw from passes through.

A catalogue metric marked `restricted: true` (config/indicators.yaml: deaths in treatment, partnership-only NDTMS
extracts) is shown only to signed-in members of a partnership containing the area (metrics.access.Scope.see_areas:
the partnership's areas and the England and region figures they are compared with), and to the national role,
local mode and the command line's operator. Everyone else gets neither its figures nor its name in a list: the
pages say why instead (`placeholder`).

    visible(frame, scope, catalogue)             # a read's rows without those the scope may not see
    VisibleStore(store, scope, catalogue)        # a Store whose every read is filtered so (the pages' store())
    catalogue_for(catalogue, scope)              # the catalogue without restricted metrics for non-members
    hidden_metrics(catalogue, scope, areas)      # the restricted metrics hidden for some areas
    placeholder(indicators, area_names)          # the words that say why
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from metrics.access import Scope
from metrics.catalogue import Catalogue, Indicator

WHY = "shown only to signed-in members of a partnership containing the area"


def restricted_keys(catalogue: Catalogue) -> frozenset[str]:
    return frozenset(i.key for i in catalogue.indicators if i.restricted)


def visible(frame: pd.DataFrame, scope: Scope, catalogue: Catalogue, area_code: str | None = None) -> pd.DataFrame:
    """The frame without the rows of restricted metrics the scope may not see. A frame without `area_code` is of
    one area (`area_code`) or, without one, a statistic across every area (a spine chart's range), which only a
    scope that sees every area sees."""
    if scope.sees_everything or frame is None or frame.empty or "metric_key" not in frame:
        return frame
    restricted = restricted_keys(catalogue)
    is_restricted = frame["metric_key"].astype(str).isin(restricted).to_numpy()
    if not is_restricted.any():
        return frame
    see = scope.see_areas or frozenset()
    if "area_code" in frame:
        seen = frame["area_code"].astype(str).isin(see).to_numpy()
    else:
        seen = np.full(len(frame), area_code is not None and area_code in see)
    keep = ~is_restricted | seen
    return frame if keep.all() else frame.loc[keep]


def hidden_in(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """The metrics of `before` with rows missing from `after` (visible's result): what a placeholder names."""
    if before is None or after is None or len(before) == len(after) or "metric_key" not in before:
        return []
    gone = before.index.difference(after.index)
    return sorted(set(before.loc[gone, "metric_key"].astype(str)))


def hidden_metrics(catalogue: Catalogue, scope: Scope, area_codes: Iterable[str]) -> list[Indicator]:
    """The restricted metrics the scope may not see for at least one of the areas."""
    if scope.sees_everything:
        return []
    codes = list(area_codes)
    return [i for i in catalogue.ordered() if i.restricted and any(not scope.sees_restricted(c) for c in codes)]


def catalogue_for(catalogue: Catalogue, scope: Scope) -> Catalogue:
    """The catalogue a scope browses: a member of any partnership (or a scope that sees everything) keeps the
    restricted metrics, whose rows `visible` then limits to their areas; anyone else has none of them."""
    if scope.sees_everything or scope.see_areas:
        return catalogue
    return _without_restricted(catalogue)


# Made once per catalogue (pages ask for it many times a run); the catalogue is kept beside it so its id stays its own.
_WITHOUT_RESTRICTED: dict[int, tuple[Catalogue, Catalogue]] = {}


def _without_restricted(catalogue: Catalogue) -> Catalogue:
    kept = _WITHOUT_RESTRICTED.get(id(catalogue))
    if kept is None or kept[0] is not catalogue:
        if len(_WITHOUT_RESTRICTED) > 8:
            _WITHOUT_RESTRICTED.clear()
        shown = tuple(i for i in catalogue.indicators if not i.restricted)
        kept = (catalogue, Catalogue(outcomes=catalogue.outcomes, indicators=shown))
        _WITHOUT_RESTRICTED[id(catalogue)] = kept
    return kept[1]


def placeholder(indicators: Sequence[Indicator], area_names: Sequence[str] = ()) -> str:
    """Why some restricted metrics are not shown ("Deaths in treatment is restricted: ...")."""
    names = ", ".join(i.short_name for i in indicators)
    verb = "is" if len(indicators) == 1 else "are"
    where = f" (here: {', '.join(area_names)})" if area_names else ""
    return (
        f"{names} {verb} restricted: {WHY}{where}. Its figures are hidden on every page, download, chart, export "
        "and report. Sign in as a member of the area's partnership to see them."
        if len(indicators) == 1
        else f"{names} {verb} restricted: {WHY}{where}. Their figures are hidden on every page, download, chart, "
        "export and report. Sign in as a member of the area's partnership to see them."
    )


class VisibleStore:
    """A Store as one scope sees it: every read whose answer is a frame of metrics passes through `visible`;
    everything else (writes, revisions, scalars) is the store's own. Hand this, never the Store, to code that
    shows what it reads to a user."""

    # Reads of one area whose frames carry no area_code: the area is their first argument.
    _ONE_AREA = frozenset({"sparklines"})
    # Reads whose rows feed a statistic across every authority (a spine chart's range): a restricted metric's rows
    # are kept only for a scope that sees every area, never a range made from the few areas a member sees.
    _ACROSS_AREAS = frozenset({"latest_level_values"})

    def __init__(self, store: Any, scope: Scope, catalogue: Catalogue):
        self._store = store
        self.scope = scope
        self._catalogue = catalogue

    @property
    def unfiltered(self) -> Any:
        """The store itself (for writes inside metrics.ingest.pipeline, which check the scope themselves)."""
        return self._store

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute) or name.startswith("_") or self.scope.sees_everything:
            return attribute
        one_area, across_areas = name in self._ONE_AREA, name in self._ACROSS_AREAS

        def read(*args, **kwargs):
            result = attribute(*args, **kwargs)
            if isinstance(result, pd.DataFrame):
                if across_areas:  # as a frame of no one area: visible keeps no restricted row for a member
                    return visible(result.drop(columns="area_code"), self.scope, self._catalogue).join(
                        result[["area_code"]]
                    )[result.columns]
                area = (args[0] if args else kwargs.get("area_code")) if one_area else None
                return visible(result, self.scope, self._catalogue, area)
            return result

        return read
