"""Clients of public data services (Fingertips); never imports Streamlit."""
