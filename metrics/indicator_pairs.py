"""Compare indicators: two metrics across England's upper-tier authorities, a point per authority, with their
correlation (Pearson's r and Spearman's rank correlation, each with n and a two-sided p-value), computed on real
figures only: a statistic of demonstration values is no finding. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from metrics.catalogue import Indicator
from metrics.map_view import FONT, figure
from metrics.presentation import AREA_COLOUR, DEMO_LEGEND, DEMO_MARKER_COLOUR, format_ci, value_with_note
from metrics.presentation.figures import title_margin, wrapped

MIN_POINTS = 5  # fewer authorities with both values: no correlation is stated


@dataclass(frozen=True)
class Correlation:
    n: int
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    n_demo: int = 0  # points left out: one of their values is demonstration data

    def words(self, period_x: str, period_y: str) -> str:
        left_out = (
            f" The other {self.n_demo} authorities' points are demonstration data (not real) and are left out: "
            "a correlation computed on them would not be a finding."
            if self.n_demo
            else ""
        )
        if self.n < MIN_POINTS:
            return f"Too few authorities have published values for both ({self.n}) to state a correlation." + left_out
        periods = period_x if period_x == period_y else f"{period_x} and {period_y}"
        return (
            f"Across {self.n} authorities with published values for both ({periods}): Pearson's r = {self.pearson:.2f} "
            f"(p {_p(self.pearson_p)}), Spearman's rank correlation = {self.spearman:.2f} "
            f"(p {_p(self.spearman_p)}). A correlation between areas says nothing about cause, nor about "
            "people within the areas." + left_out
        )


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def pair_frame(x_rows: pd.DataFrame, y_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per authority with a value for both metrics: area_code, area_name, x, y with their intervals, notes
    and demonstration flags. x_rows / y_rows: store.values_for_period(metric, period, level="utla")."""
    cols = ["area_code", "area_name", "value", "lower95", "upper95", "value_note", "is_demo", "source"]
    x = x_rows[cols].rename(columns={c: f"x_{c}" for c in cols[2:]})
    y = y_rows[cols].drop(columns=["area_name"]).rename(columns={c: f"y_{c}" for c in cols[2:]})
    both = x.merge(y, on="area_code", how="inner")
    both = both[both["x_value"].notna() & both["y_value"].notna()].reset_index(drop=True)
    both["is_demo"] = both["x_is_demo"].fillna(False).astype(bool) | both["y_is_demo"].fillna(False).astype(bool)
    return both.sort_values("area_name").reset_index(drop=True)


def correlation(pairs: pd.DataFrame) -> Correlation:
    """Over the authorities whose two values are both real (a pair with a demonstration value is counted apart)."""
    demo = pairs["is_demo"].fillna(False).astype(bool) if "is_demo" in pairs else pd.Series(False, index=pairs.index)
    real = pairs[~demo]
    n, n_demo = len(real), int(demo.sum())
    if n < MIN_POINTS:
        return Correlation(n, np.nan, np.nan, np.nan, np.nan, n_demo)
    x, y = real["x_value"].astype(float).to_numpy(), real["y_value"].astype(float).to_numpy()
    if np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant has no correlation
        return Correlation(n, np.nan, np.nan, np.nan, np.nan, n_demo)
    pr, pp = sps.pearsonr(x, y)
    sr, sp = sps.spearmanr(x, y)
    return Correlation(n, float(pr), float(pp), float(sr), float(sp), n_demo)


def scatter_figure(
    pairs: pd.DataFrame,
    ind_x: Indicator,
    period_x: str,
    ind_y: Indicator,
    period_y: str,
    highlighted: Sequence[str],
    names: dict[str, str],
):
    """Every authority a grey point; the chosen ones larger, blue and labelled."""
    hover = [
        [
            r.area_name,
            value_with_note(r.x_value, ind_x.unit, r.x_value_note),
            format_ci(r.x_lower95, r.x_upper95, ind_x.unit) or "not given",
            value_with_note(r.y_value, ind_y.unit, r.y_value_note),
            format_ci(r.y_lower95, r.y_upper95, ind_y.unit) or "not given",
        ]
        for r in pairs.itertuples()
    ]
    template = (
        f"<b>%{{customdata[0]}}</b><br>{ind_x.short_name} ({period_x}): %{{customdata[1]}} "
        f"(95% CI %{{customdata[2]}})<br>{ind_y.short_name} ({period_y}): %{{customdata[3]}} "
        "(95% CI %{customdata[4]})<extra></extra>"
    )
    chosen = pairs["area_code"].isin(list(highlighted)).to_numpy()
    data = []
    demo = pairs["is_demo"].fillna(False).astype(bool).to_numpy() if "is_demo" in pairs else np.zeros(len(pairs), bool)
    for is_demo in (False, True):
        rest = np.flatnonzero(~chosen & (demo == is_demo))
        if not len(rest):
            continue
        data.append(
            dict(
                type="scatter",
                mode="markers",
                name="Other authorities" + (DEMO_LEGEND if is_demo else ""),
                x=pairs["x_value"].iloc[rest].tolist(),
                y=pairs["y_value"].iloc[rest].tolist(),
                # a demonstration point: hollow and grey, as on every chart
                marker=dict(size=8, color=DEMO_MARKER_COLOUR, symbol="circle-open", line=dict(width=1.5))
                if is_demo
                else dict(size=8, color="#5C5F63", opacity=0.8, line=dict(color="#FFFFFF", width=0.5)),
                customdata=[hover[i] for i in rest],
                hovertemplate=template,
            )
        )
    picked = np.flatnonzero(chosen)
    if len(picked):
        data.append(
            dict(
                type="scatter",
                mode="markers+text",
                name="Chosen areas" + (DEMO_LEGEND if demo[picked].any() else ""),
                x=pairs["x_value"].iloc[picked].tolist(),
                y=pairs["y_value"].iloc[picked].tolist(),
                text=[pairs["area_name"].iloc[i] + (DEMO_LEGEND if demo[i] else "") for i in picked],
                textposition="top center",
                marker=dict(
                    size=13,
                    color=[DEMO_MARKER_COLOUR if demo[i] else AREA_COLOUR for i in picked],
                    symbol=["diamond-open" if demo[i] else "diamond" for i in picked],
                    line=dict(color=[DEMO_MARKER_COLOUR if demo[i] else "#1F2328" for i in picked], width=2),
                ),
                customdata=[hover[i] for i in picked],
                hovertemplate=template,
            )
        )
    title = wrapped(f"{ind_y.short_name} against {ind_x.short_name}, upper-tier local authorities")
    layout = dict(
        title=dict(text=title, x=0, font=dict(size=15)),
        font=FONT,
        plot_bgcolor="#FFFFFF",
        height=560 + 21 * title.count("<br>"),
        margin=dict(l=10, r=10, t=title_margin(title, 60), b=10),
        hovermode="closest",
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"),
        xaxis=dict(
            title=dict(text=f"{ind_x.short_name} ({ind_x.unit}), {period_x}"), gridcolor="#E6E6E6", zeroline=False
        ),
        yaxis=dict(
            title=dict(text=f"{ind_y.short_name} ({ind_y.unit}), {period_y}"), gridcolor="#E6E6E6", zeroline=False
        ),
    )
    return figure(data, layout)


def pairs_table(pairs: pd.DataFrame, ind_x: Indicator, period_x: str, ind_y: Indicator, period_y: str) -> pd.DataFrame:
    x_name, y_name = f"{ind_x.short_name} ({period_x})", f"{ind_y.short_name} ({period_y})"
    if x_name == y_name:
        x_name, y_name = f"{x_name}, across", f"{y_name}, up"
    return pd.DataFrame(
        {
            "Area": pairs["area_name"],
            x_name: [value_with_note(v, ind_x.unit, n) for v, n in zip(pairs["x_value"], pairs["x_value_note"])],
            y_name: [value_with_note(v, ind_y.unit, n) for v, n in zip(pairs["y_value"], pairs["y_value_note"])],
        }
    )
