"""The baseline page: a bare Streamlit app with one Plotly chart, served the same way as the dashboard."""

import plotly.graph_objects as go
import streamlit as st

st.title("Baseline")
fig = go.Figure(go.Scatter(x=list(range(10)), y=[v * v for v in range(10)], mode="lines+markers"))
st.plotly_chart(fig, width="stretch")
