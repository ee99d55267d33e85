"""Compare indicators: two metrics across England's upper-tier authorities, a point per authority, with their
correlation (Pearson's r and Spearman's rank correlation, each with n and a two-sided p-value). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from metrics.catalogue import Indicator
from metrics.map_view import FONT, figure
from metrics.presentation import AREA_COLOUR, format_ci, value_with_note

MIN_POINTS = 5  # fewer authorities with both values: no correlation is stated


@dataclass(frozen=True)
class Correlation:
    n: int
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float

    def words(self, period_x: str, period_y: str) -> str:
        if self.n < MIN_POINTS:
            return f"Too few authorities have both values ({self.n}) to state a correlation."
        periods = period_x if period_x == period_y else f"{period_x} and {period_y}"
        return (
            f"Across {self.n} authorities with both values ({periods}): Pearson's r = {self.pearson:.2f} "
            f"(p {_p(self.pearson_p)}), Spearman's rank correlation = {self.spearman:.2f} "
            f"(p {_p(self.spearman_p)}). A correlation between areas says nothing about cause, nor about "
            "people within the areas."
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
    n = len(pairs)
    if n < MIN_POINTS:
        return Correlation(n, np.nan, np.nan, np.nan, np.nan)
    x, y = pairs["x_value"].astype(float).to_numpy(), pairs["y_value"].astype(float).to_numpy()
    if np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant has no correlation
        return Correlation(n, np.nan, np.nan, np.nan, np.nan)
    pr, pp = sps.pearsonr(x, y)
    sr, sp = sps.spearmanr(x, y)
    return Correlation(n, float(pr), float(pp), float(sr), float(sp))


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
    rest = np.flatnonzero(~chosen)
    data.append(
        dict(
            type="scatter",
            mode="markers",
            name="Other authorities",
            x=pairs["x_value"].iloc[rest].tolist(),
            y=pairs["y_value"].iloc[rest].tolist(),
            marker=dict(size=8, color="#8C8C8C", opacity=0.75, line=dict(color="#FFFFFF", width=0.5)),
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
                name="Chosen areas",
                x=pairs["x_value"].iloc[picked].tolist(),
                y=pairs["y_value"].iloc[picked].tolist(),
                text=[pairs["area_name"].iloc[i] for i in picked],
                textposition="top center",
                marker=dict(size=13, color=AREA_COLOUR, symbol="diamond", line=dict(color="#1F2328", width=1.5)),
                customdata=[hover[i] for i in picked],
                hovertemplate=template,
            )
        )
    layout = dict(
        title=dict(
            text=f"{ind_y.short_name} against {ind_x.short_name}, upper-tier local authorities", x=0, font=dict(size=15)
        ),
        font=FONT,
        plot_bgcolor="#FFFFFF",
        height=560,
        margin=dict(l=10, r=10, t=60, b=10),
        hovermode="closest",
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
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
