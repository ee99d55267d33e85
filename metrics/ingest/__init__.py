"""Loading analysts' files: the project template (CSV / .xlsx), Fingertips downloads and NDTMS ViewIt exports.

See metrics.ingest.pipeline for the flow (prepare -> preview -> commit) and docs/upload-template.md.
"""
