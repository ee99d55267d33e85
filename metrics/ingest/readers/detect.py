"""The encoding of a CSV file, and its format told from its header."""
from __future__ import annotations

import codecs
from pathlib import Path

from metrics.ingest.problems import WARNING, ProblemLog
from metrics.ingest.text import FileUnreadable, normalise_name


def sniff_encoding(path: Path, log: ProblemLog) -> str:
    """UTF-8, UTF-8 with a byte-order mark, or Windows-1252 (with a warning); anything else is an error."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head or not Path(path).stat().st_size:
        log.add(None, None, None, "the file is empty; expected a header row and at least one data row")
        raise FileUnreadable
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        log.add(None, None, None, "the file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead")
        raise FileUnreadable
    bom = head[:3] == codecs.BOM_UTF8
    if _decodes(path, "utf-8"):
        if bom:
            log.add(1, None, None, "the file starts with a byte-order mark (Excel's 'CSV UTF-8'); it was removed "
                    "and the file read as UTF-8", WARNING)
        return "utf-8-sig" if bom else "utf-8"
    if _decodes(path, "cp1252"):
        log.add(None, None, None, "the file is not UTF-8; it was read as Windows-1252 (Excel's plain 'CSV'). "
                "Check characters such as £, é or curly quotes; save as 'CSV UTF-8' to avoid this", WARNING)
        return "cp1252"
    log.add(None, None, None, "the file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'")
    raise FileUnreadable


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def detect_format(header: list[str]) -> str | None:
    """The format of a CSV from its column names: template, fingertips or ndtms; None if none fits."""
    names = {normalise_name(h) for h in header}
    if {"indicator id", "area code"} <= names:
        return "fingertips"
    if "metric key" in names:
        return "template"
    if names & {"reportingperiod", "reportingperiod data"} and names & {"area", "area data"}:
        return "ndtms"
    return None
