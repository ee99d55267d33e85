"""Core library of the CDOF dashboard: catalogue, areas, statistics, store, ingestion and command line.

Never imports Streamlit: the pages and the command line both call into this package.
"""
