"""The baseline page: a bare Streamlit app with one selectbox choosing the data of one Plotly chart, served the same
way as the dashboard. It is the framework's floor: a page drawing one chart, and redrawing it when a choice changes."""

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
