"""Readers of the files analysts really have, one module per source format, over metrics.ingest.text.

- detect: the encoding of a CSV file and, from its header, its format
- template_csv, xlsx: the project's own tidy template as CSV or .xlsx (docs/upload-template.md)
- fingertips: a Fingertips data download (26 or 27 columns, read by column name)
- ndtms: an NDTMS ViewIt export, local-authority or England header style (config/ndtms_mapping.yaml)

Each reader returns canonical rows (metrics.ingest.text.ReadResult) and logs what it could not read; nothing here
checks meaning (known metric, area, period, ranges): metrics.ingest.validate does that for all formats at once.
"""
