"""The baseline of a change of selection: bench/bare_app.py with one selectbox choosing the data of its one Plotly
chart, served the same way as the dashboard: the framework's floor for redrawing a chart when a choice changes. The
page-load baseline stays bench/bare_app.py, so that page figures compare with earlier runs."""

import plotly.graph_objects as go
import streamlit as st

SERIES = {
    "Squares": lambda v: v * v,
    "Cubes": lambda v: v**3,
    "Doubles": lambda v: 2 * v,
    "Halves": lambda v: v / 2,
}

st.title("Baseline")
chosen = st.selectbox("Series", list(SERIES))
fig = go.Figure(go.Scatter(x=list(range(10)), y=[SERIES[chosen](v) for v in range(10)], mode="lines+markers"))
st.plotly_chart(fig, width="stretch")
